/*
 * invite_test.c - invitation codes (docs/PROTOCOL.md §14.1): every address type round-trips, the
 * reader forgives case, dashes and spaces, a typo is caught by the check, a version 1 code (whose
 * join a photograph opened) is recognised and refused, and every length a code can have is tried
 * against every other.  Layer: app.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "app/invite.h"
#include "crypto/crypto.h"
#include "lib/bytes.h"
#include "wire/identity.h"

static sz_invite
sample(int atype)
{
	sz_invite iv;
	memset(&iv, 0, sizeof iv);
	for (int i = 0; i < 16; i++)
		iv.token[i] = (uint8_t)(i + 1);
	for (int i = 0; i < 32; i++) {
		iv.node_key[i] = (uint8_t)(0x40 + i);
		iv.invite_pub[i] = (uint8_t)(0x80 + i);
	}
	iv.expiry_ms = 1790000000000ull / 60000 * 60000;
	if (atype == 1)
		snprintf(iv.addr.host, sizeof iv.addr.host, "127.0.0.1");
	else if (atype == 2)
		snprintf(iv.addr.host, sizeof iv.addr.host, "2001:db8::7");
	else if (atype == 3) {
		uint8_t raw[35];
		for (int i = 0; i < 35; i++)
			raw[i] = (uint8_t)(7 * i + 3);
		sz_base32_encode(iv.addr.host, raw, 35);
		memcpy(iv.addr.host + 56, ".onion", 7);
		iv.addr.onion = true;
	}
	if (atype != 0) {
		iv.has_addr = true;
		iv.addr.port = 4242;
	}
	return iv;
}

static void
test_round_trip(void **state)
{
	(void)state;
	for (int a = 0; a <= 3; a++) {
		sz_invite iv = sample(a), back;
		char code[SZ_INVITE_CODE_MAX];
		assert_int_equal(sz_invite_encode(&iv, code, sizeof code), SZ_OK);
		assert_true(strncmp(code, "sz1-", 4) == 0);
		assert_true(strlen(code) < SZ_INVITE_CODE_MAX);
		assert_int_equal(sz_invite_decode(&back, code), SZ_OK);
		assert_memory_equal(back.token, iv.token, 16);
		assert_memory_equal(back.node_key, iv.node_key, 32);
		assert_memory_equal(back.invite_pub, iv.invite_pub, 32);
		assert_int_equal(back.expiry_ms, iv.expiry_ms);
		assert_int_equal(back.has_addr, iv.has_addr);
		if (a != 0) {
			assert_string_equal(back.addr.host, iv.addr.host);
			assert_int_equal(back.addr.port, iv.addr.port);
			assert_int_equal(back.addr.onion, iv.addr.onion);
		}
		/* as typed: upper case, spaces for dashes, a line break */
		char typed[SZ_INVITE_CODE_MAX + 8];
		size_t k = 0;
		for (const char *p = code; *p; p++)
			typed[k++] = *p == '-' ? ' ' : (char)toupper((unsigned char)*p);
		typed[k++] = '\n';
		typed[k] = '\0';
		assert_int_equal(sz_invite_decode(&back, typed), SZ_OK);
		assert_memory_equal(back.invite_pub, iv.invite_pub, 32);
		/* too small an output buffer */
		assert_int_equal(sz_invite_encode(&iv, code, 20), SZ_ERR_TOO_LARGE);
	}
}

static void
test_typo(void **state)
{
	(void)state;
	sz_invite iv = sample(1), back;
	char code[SZ_INVITE_CODE_MAX];
	assert_int_equal(sz_invite_encode(&iv, code, sizeof code), SZ_OK);
	/* change each base32 character in turn to another one: the check (or the spare bits, or
	 * the layout) catches every one */
	for (size_t i = 4; code[i]; i++) {
		if (code[i] == '-')
			continue;
		char was = code[i];
		code[i] = was == 'a' ? 'b' : 'a';
		int r = sz_invite_decode(&back, code);
		assert_true(r == SZ_ERR_CORRUPT || r == SZ_ERR_MALFORMED);
		code[i] = was;
	}
	/* a character missing, or one too many */
	size_t l = strlen(code);
	code[l - 1] = '\0';
	assert_int_equal(sz_invite_decode(&back, code), SZ_ERR_MALFORMED);
	assert_int_equal(sz_invite_decode(&back, "sz1-aaaaa-bbbbb"), SZ_ERR_MALFORMED);
	assert_int_equal(sz_invite_decode(&back, "hello"), SZ_ERR_MALFORMED);
	assert_int_equal(sz_invite_decode(&back, ""), SZ_ERR_MALFORMED);
}

/* A code as version 1 wrote it: no invite_pub. */
static void
v1_code(char *out, size_t n, int atype)
{
	uint8_t p[128];
	size_t k = 0;
	p[k++] = 1;
	for (int i = 0; i < 16; i++)
		p[k++] = (uint8_t)(i + 1);
	for (int i = 0; i < 32; i++)
		p[k++] = (uint8_t)(0x40 + i);
	sz_store_u32(p + k, 29833333);
	k += 4;
	p[k++] = (uint8_t)atype;
	if (atype == 1) {
		static const uint8_t a[6] = { 127, 0, 0, 1, 0x10, 0x92 };
		memcpy(p + k, a, 6);
		k += 6;
	}
	static const uint8_t key[] = "samizdat invite v1";
	uint8_t h[16];
	assert_int_equal(sz_blake2b(h, 16, p, k, key, sizeof key - 1), SZ_OK);
	memcpy(p + k, h, 4);
	k += 4;
	char b32[256];
	sz_base32_encode(b32, p, k);
	size_t o = 0;
	o += (size_t)snprintf(out, n, "sz1");
	for (size_t i = 0; b32[i]; i++) {
		if (i % 5 == 0)
			out[o++] = '-';
		out[o++] = b32[i];
	}
	out[o] = '\0';
}

static void
test_v1_refused(void **state)
{
	(void)state;
	char code[256];
	sz_invite iv;
	for (int a = 0; a <= 1; a++) {
		v1_code(code, sizeof code, a);
		assert_int_equal(sz_invite_decode(&iv, code), SZ_ERR_UNSUPPORTED);
		/* nothing of it is handed out */
		uint8_t zero[16] = { 0 };
		assert_memory_equal(iv.token, zero, 16);
	}
}

static void
test_lengths(void **state)
{
	(void)state;
	/* Random base32 strings of every length up to the longest code: none decodes except by a
	 * chance check match (2^-32), and none crashes. */
	char code[SZ_INVITE_CODE_MAX + 8];
	sz_invite iv;
	for (size_t len = 0; len < 240; len++) {
		memcpy(code, "sz1", 3);
		for (size_t i = 0; i < len; i++)
			code[3 + i] = "abcdefghijklmnopqrstuvwxyz234567"[(i * 7 + len) % 32];
		code[3 + len] = '\0';
		int r = sz_invite_decode(&iv, code);
		assert_true(r == SZ_ERR_MALFORMED || r == SZ_ERR_CORRUPT);
	}
}

int
main(void)
{
	if (sz_init() != SZ_OK)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_typo),
		cmocka_unit_test(test_v1_refused),
		cmocka_unit_test(test_lengths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
