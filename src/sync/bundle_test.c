/*
 * bundle_test.c - courier bundles: round trips, recipients, damage, truncation, randomness.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "lib/bytes.h"
#include "sync/bundle.h"

typedef struct mem {
	uint8_t *p;
	size_t len, cap, pos;
} mem;

static int
mem_write(void *ctx, const uint8_t *p, size_t n)
{
	mem *m = ctx;
	if (m->len + n > m->cap) {
		m->cap = (m->len + n) * 2;
		m->p = realloc(m->p, m->cap);
		if (m->p == NULL)
			return SZ_ERR_NOMEM;
	}
	memcpy(m->p + m->len, p, n);
	m->len += n;
	return SZ_OK;
}

static long
mem_read(void *ctx, uint8_t *p, size_t n)
{
	mem *m = ctx;
	size_t k = m->len - m->pos < n ? m->len - m->pos : n;
	memcpy(p, m->p + m->pos, k);
	m->pos += k;
	return (long)k;
}

typedef struct seen {
	size_t n;
	uint32_t tags[4096];
} seen;

static int
collect(void *ctx, const uint8_t *item, size_t len)
{
	seen *s = ctx;
	assert_true(len >= 8);
	/* Each test item is 8 bytes of index then filler derived from it. */
	uint32_t idx = sz_load_u32(item);
	assert_int_equal(sz_load_u32(item + 4), (uint32_t)len);
	for (size_t i = 8; i < len; i++)
		assert_int_equal(item[i], (uint8_t)(idx * 7 + i));
	s->tags[s->n++] = idx;
	return 0;
}

static void
make_bundle(mem *m, const uint8_t (*rcpt)[32], size_t nr, size_t nitems, size_t itemlen,
    sz_env_seeded *env)
{
	sz_bundle_io io = { mem_write, mem_read, m };
	sz_bundle_writer *w;
	assert_int_equal(sz_bundle_writer_new(&w, &io, SZ_BUNDLE_ENVELOPES, rcpt, nr, &env->env,
	    1700000000000ull), SZ_OK);
	uint8_t *item = malloc(itemlen);
	for (size_t k = 0; k < nitems; k++) {
		sz_store_u32(item, (uint32_t)k);
		sz_store_u32(item + 4, (uint32_t)itemlen);
		for (size_t i = 8; i < itemlen; i++)
			item[i] = (uint8_t)(k * 7 + i);
		assert_int_equal(sz_bundle_writer_add(w, item, itemlen), SZ_OK);
	}
	free(item);
	assert_int_equal(sz_bundle_writer_finish(w), SZ_OK);
	assert_int_equal(sz_bundle_writer_add(w, (const uint8_t *)"x", 1), SZ_ERR_STATE);
	sz_bundle_writer_free(w);
}

static const uint8_t k1[32] = { 1 }, k2[32] = { 2 }, k3[32] = { 3 };

static void
test_roundtrip(void **state)
{
	(void)state;
	sz_env_seeded env;
	sz_env_seeded_init(&env, 1, 0);
	mem m = { 0 };
	const uint8_t rc[2][32] = { { 1 }, { 2 } };
	/* 300 items of 4 KiB: spans 5 data chunks, padded to 8. */
	make_bundle(&m, rc, 2, 300, 4096, &env);
	assert_int_equal(m.len, SZ_BUNDLE_HEADER_BYTES + 8 * (size_t)SZ_BUNDLE_CHUNK);
	sz_bundle_io io = { mem_write, mem_read, &m };
	seen *s = calloc(1, sizeof *s);
	sz_bundle_report rep;
	const uint8_t cand[2][32] = { { 9 }, { 2 } };
	assert_int_equal(sz_bundle_read(&io, cand, 2, NULL, collect, s, &rep), SZ_OK);
	assert_int_equal(rep.recipient, 1);
	assert_int_equal(rep.kind, SZ_BUNDLE_ENVELOPES);
	assert_true(rep.created_ms == 1700000000000ull);
	assert_int_equal(rep.items, 300);
	assert_int_equal(s->n, 300);
	assert_int_equal(rep.chunks, 8);
	assert_int_equal(rep.chunks_damaged, 0);
	assert_true(rep.complete);
	assert_false(rep.truncated);
	for (size_t i = 0; i < 300; i++)
		assert_int_equal(s->tags[i], i);
	/* Not for us: a clear refusal, nothing handed out. */
	m.pos = 0;
	s->n = 0;
	assert_int_equal(sz_bundle_read(&io, (const uint8_t(*)[32])k3, 1, NULL, collect, s, &rep),
	    SZ_ERR_DECRYPT);
	assert_int_equal(s->n, 0);
	(void)k1;
	(void)k2;
	free(s);
	free(m.p);
}

static void
test_damage_loses_only_that_chunk(void **state)
{
	(void)state;
	sz_env_seeded env;
	sz_env_seeded_init(&env, 2, 0);
	mem m = { 0 };
	make_bundle(&m, (const uint8_t(*)[32])k1, 1, 300, 4096, &env);
	/* Flip one bit in the middle of data chunk 2. */
	m.p[SZ_BUNDLE_HEADER_BYTES + 2 * (size_t)SZ_BUNDLE_CHUNK + 1000] ^= 0x10;
	sz_bundle_io io = { mem_write, mem_read, &m };
	seen *s = calloc(1, sizeof *s);
	sz_bundle_report rep;
	assert_int_equal(sz_bundle_read(&io, (const uint8_t(*)[32])k1, 1, NULL, collect, s, &rep), SZ_OK);
	assert_int_equal(rep.chunks_damaged, 1);
	assert_int_equal(rep.chunks_ok, 4);
	assert_true(rep.complete);
	assert_true(s->n > 200 && s->n < 300);
	/* Every item handed out is intact (collect checks the contents). */
	free(s);
	/* A flipped bit in the header: nobody can open it. */
	m.p[5] ^= 1;
	m.pos = 0;
	s = calloc(1, sizeof *s);
	assert_int_equal(sz_bundle_read(&io, (const uint8_t(*)[32])k1, 1, NULL, collect, s, &rep),
	    SZ_ERR_DECRYPT);
	assert_int_equal(s->n, 0);
	free(s);
	free(m.p);
}

static void
test_truncation(void **state)
{
	(void)state;
	sz_env_seeded env;
	sz_env_seeded_init(&env, 3, 0);
	mem m = { 0 };
	make_bundle(&m, (const uint8_t(*)[32])k1, 1, 300, 4096, &env);
	sz_bundle_io io = { mem_write, mem_read, &m };
	sz_bundle_report rep;
	/* Cut in the middle of chunk 3: chunks 0..2 survive. */
	m.len = SZ_BUNDLE_HEADER_BYTES + 3 * (size_t)SZ_BUNDLE_CHUNK + 777;
	seen *s = calloc(1, sizeof *s);
	assert_int_equal(sz_bundle_read(&io, (const uint8_t(*)[32])k1, 1, NULL, collect, s, &rep), SZ_OK);
	assert_true(rep.truncated);
	assert_false(rep.complete);
	assert_int_equal(rep.chunks_ok, 3);
	assert_int_equal(rep.items, s->n);
	free(s);
	/* Cut inside the header. */
	m.len = 100;
	m.pos = 0;
	s = calloc(1, sizeof *s);
	assert_int_equal(sz_bundle_read(&io, (const uint8_t(*)[32])k1, 1, NULL, collect, s, &rep),
	    SZ_ERR_TRUNCATED);
	free(s);
	free(m.p);
}

static void
test_passphrase_and_randomness(void **state)
{
	(void)state;
	sz_env_seeded env;
	sz_env_seeded_init(&env, 4, 0);
	mem m = { 0 };
	sz_bundle_io io = { mem_write, mem_read, &m };
	sz_bundle_writer *w;
	assert_int_equal(sz_bundle_writer_new(&w, &io, SZ_BUNDLE_ENVELOPES, NULL, 0, &env.env, 5), SZ_OK);
	uint8_t salt[32], sec[32];
	sz_bundle_writer_salt(w, salt);
	assert_int_equal(sz_bundle_passphrase_secret(sec, "solidarity", 10, salt), SZ_OK);
	assert_int_equal(sz_bundle_writer_add_recipient(w, sec), SZ_OK);
	const char marker[] = "MARKER-strike-committee-MARKER";
	assert_int_equal(sz_bundle_writer_add(w, (const uint8_t *)marker, sizeof marker), SZ_OK);
	assert_int_equal(sz_bundle_writer_finish(w), SZ_OK);
	assert_int_equal(sz_bundle_writer_add_recipient(w, sec), SZ_ERR_STATE);
	sz_bundle_writer_free(w);
	assert_null(memmem(m.p, m.len, "MARKER", 6));
	/* Byte frequencies of the whole file are those of random bytes (loose chi-square bound). */
	size_t freq[256] = { 0 };
	for (size_t i = 0; i < m.len; i++)
		freq[m.p[i]]++;
	double exp = (double)m.len / 256, chi = 0;
	for (int i = 0; i < 256; i++)
		chi += (freq[i] - exp) * (freq[i] - exp) / exp;
	assert_true(chi < 400); /* 255 degrees of freedom: mean 255, p(chi > 400) < 1e-8 */
	sz_bundle_report rep;
	assert_int_equal(sz_bundle_read(&io, NULL, 0, "wrong", collect, NULL, &rep), SZ_ERR_DECRYPT);
	free(m.p);
}

static int
count_marker(void *ctx, const uint8_t *item, size_t len)
{
	int *n = ctx;
	if (len > 6 && memcmp(item, "MARKER", 6) == 0)
		(*n)++;
	return 0;
}

static void
test_passphrase_open(void **state)
{
	(void)state;
	sz_env_seeded env;
	sz_env_seeded_init(&env, 5, 0);
	mem m = { 0 };
	sz_bundle_io io = { mem_write, mem_read, &m };
	sz_bundle_writer *w;
	assert_int_equal(sz_bundle_writer_new(&w, &io, SZ_BUNDLE_ENVELOPES, NULL, 0, &env.env, 5), SZ_OK);
	uint8_t salt[32], sec[32];
	sz_bundle_writer_salt(w, salt);
	assert_int_equal(sz_bundle_passphrase_secret(sec, "solidarity", 10, salt), SZ_OK);
	assert_int_equal(sz_bundle_writer_add_recipient(w, sec), SZ_OK);
	assert_int_equal(sz_bundle_writer_add(w, (const uint8_t *)"MARKER-1", 8), SZ_OK);
	assert_int_equal(sz_bundle_writer_finish(w), SZ_OK);
	sz_bundle_writer_free(w);
	sz_bundle_report rep;
	int n = 0;
	assert_int_equal(sz_bundle_read(&io, (const uint8_t(*)[32])k1, 1, "solidarity", count_marker,
	    &n, &rep), SZ_OK);
	assert_int_equal(n, 1);
	assert_int_equal(rep.recipient, 1); /* after the one candidate key */
	/* A writer with no recipient at all refuses to write an unopenable bundle. */
	m.len = 0;
	assert_int_equal(sz_bundle_writer_new(&w, &io, SZ_BUNDLE_ENVELOPES, NULL, 0, &env.env, 5), SZ_OK);
	assert_int_equal(sz_bundle_writer_finish(w), SZ_ERR_INVALID);
	sz_bundle_writer_free(w);
	free(m.p);
}

int
main(void)
{
	if (sz_init() != SZ_OK)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_damage_loses_only_that_chunk),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_passphrase_and_randomness),
		cmocka_unit_test(test_passphrase_open),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
