/*
 * bytes_test.c - unit tests of the byte buffers, readers, varints and hex (lib/bytes.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <stdlib.h>

#include "lib/bytes.h"

static void
test_buf_roundtrip(void **state)
{
	(void)state;
	sz_buf b = { 0 };
	sz_buf_u8(&b, 0xab);
	sz_buf_u16(&b, 0x1234);
	sz_buf_u32(&b, 0xdeadbeef);
	sz_buf_u64(&b, 0x0102030405060708ull);
	sz_buf_append(&b, "xyz", 3);
	assert_int_equal(b.err, 0);
	assert_int_equal(b.len, 1 + 2 + 4 + 8 + 3);
	sz_rd r = sz_rd_init(b.p, b.len);
	assert_int_equal(sz_rd_u8(&r), 0xab);
	assert_int_equal(sz_rd_u16(&r), 0x1234);
	assert_int_equal(sz_rd_u32(&r), 0xdeadbeef);
	assert_true(sz_rd_u64(&r) == 0x0102030405060708ull);
	const uint8_t *p = sz_rd_bytes(&r, 3);
	assert_non_null(p);
	assert_memory_equal(p, "xyz", 3);
	assert_int_equal(sz_rd_end(&r), SZ_OK);
	/* Reading past the end is sticky and reported. */
	assert_int_equal(sz_rd_u8(&r), 0);
	assert_int_equal(sz_rd_end(&r), SZ_ERR_TRUNCATED);
	sz_buf_free(&b);
}

static void
test_buf_max(void **state)
{
	(void)state;
	sz_buf b = { .max = 4 };
	sz_buf_u32(&b, 1);
	assert_int_equal(b.err, 0);
	sz_buf_u8(&b, 1);
	assert_int_equal(b.err, SZ_ERR_TOO_LARGE);
	assert_int_equal(b.len, 4);
	sz_buf_free(&b);
}

static void
test_trailing_bytes(void **state)
{
	(void)state;
	const uint8_t d[3] = { 1, 2, 3 };
	sz_rd r = sz_rd_init(d, 3);
	(void)sz_rd_u16(&r);
	assert_int_equal(sz_rd_end(&r), SZ_ERR_MALFORMED);
}

static void
test_varint(void **state)
{
	(void)state;
	const uint64_t vals[] = { 0, 1, 127, 128, 255, 16383, 16384, 1ull << 32, UINT64_MAX };
	for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
		sz_buf b = { 0 };
		sz_buf_varint(&b, vals[i]);
		sz_rd r = sz_rd_init(b.p, b.len);
		assert_true(sz_rd_varint(&r) == vals[i]);
		assert_int_equal(sz_rd_end(&r), SZ_OK);
		sz_buf_free(&b);
	}
	/* 128 is 0x81 0x00: most significant digit first. */
	sz_buf b = { 0 };
	sz_buf_varint(&b, 128);
	assert_int_equal(b.len, 2);
	assert_int_equal(b.p[0], 0x81);
	assert_int_equal(b.p[1], 0x00);
	sz_buf_free(&b);
	/* A leading zero digit is non-canonical; 11 digits overflow. */
	const uint8_t nc[] = { 0x80, 0x01 };
	sz_rd r = sz_rd_init(nc, sizeof nc);
	(void)sz_rd_varint(&r);
	assert_int_equal(sz_rd_end(&r), SZ_ERR_NONCANONICAL);
	const uint8_t big[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f };
	r = sz_rd_init(big, sizeof big);
	(void)sz_rd_varint(&r);
	assert_int_equal(sz_rd_end(&r), SZ_ERR_TOO_LARGE);
	const uint8_t cut[] = { 0x81 };
	r = sz_rd_init(cut, sizeof cut);
	(void)sz_rd_varint(&r);
	assert_int_equal(sz_rd_end(&r), SZ_ERR_TRUNCATED);
}

static void
test_hex(void **state)
{
	(void)state;
	const uint8_t d[] = { 0x00, 0x9f, 0xa0, 0xff };
	char h[9];
	sz_hex_encode(h, d, 4);
	assert_string_equal(h, "009fa0ff");
	uint8_t back[4];
	assert_int_equal(sz_hex_decode(back, 4, "009FA0ff", 8), SZ_OK);
	assert_memory_equal(back, d, 4);
	assert_int_equal(sz_hex_decode(back, 4, "009fa0fg", 8), SZ_ERR_MALFORMED);
	assert_int_equal(sz_hex_decode(back, 4, "009fa0f", 7), SZ_ERR_MALFORMED);
	uint8_t *p;
	size_t n;
	assert_int_equal(sz_hex_decode_alloc("abc", &p, &n), SZ_ERR_MALFORMED);
	assert_null(p);
	assert_int_equal(sz_hex_decode_alloc("", &p, &n), SZ_OK);
	assert_int_equal(n, 0);
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_roundtrip),
		cmocka_unit_test(test_buf_max),
		cmocka_unit_test(test_trailing_bytes),
		cmocka_unit_test(test_varint),
		cmocka_unit_test(test_hex),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
