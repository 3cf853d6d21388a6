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
	assert_true(rep.intact);
	assert_true(rep.have_total);
	assert_int_equal(rep.items_expected, 300);
	assert_false(rep.truncated);
	assert_false(rep.trailing);
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
	assert_false(rep.complete);
	assert_false(rep.intact);
	assert_false(rep.truncated);
	assert_true(rep.have_total);
	assert_int_equal(rep.items_expected, 300);
	assert_true(s->n > 200 && s->n < 300);
	assert_int_equal(rep.items, s->n);
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
	assert_false(rep.intact);
	assert_false(rep.have_total);
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

/* Items in each chunk of a make_bundle(300 items of 4 KiB) file: index -> count. */
static size_t
items_before_chunk(const mem *full, const uint8_t key[32], uint32_t chunk)
{
	/* Read the whole bundle cut after `chunk` chunks: what comes out is what lies before. */
	mem m = { full->p, SZ_BUNDLE_HEADER_BYTES + (size_t)chunk * SZ_BUNDLE_CHUNK, 0, 0 };
	sz_bundle_io io = { mem_write, mem_read, &m };
	sz_bundle_report rep;
	seen *s = calloc(1, sizeof *s);
	assert_int_equal(sz_bundle_read(&io, (const uint8_t(*)[32])key, 1, NULL, collect, s, &rep), SZ_OK);
	size_t n = s->n;
	free(s);
	return n;
}

/* A file cut anywhere is never intact: at every chunk boundary (where version 1 saw nothing
 * wrong when the count left was a power of two) and inside every chunk; what arrived whole is
 * handed out, and the total is known as soon as the last data chunk arrived. */
static void
test_cut_everywhere(void **state)
{
	(void)state;
	sz_env_seeded env;
	sz_env_seeded_init(&env, 6, 0);
	mem full = { 0 };
	make_bundle(&full, (const uint8_t(*)[32])k1, 1, 300, 4096, &env);
	const uint32_t nchunks = 8, ndata = 5;
	for (uint32_t c = 0; c <= nchunks; c++) {
		for (int mid = 0; mid < 2; mid++) {
			if (c == nchunks && mid)
				continue;
			size_t cut = SZ_BUNDLE_HEADER_BYTES + (size_t)c * SZ_BUNDLE_CHUNK +
			    (mid ? 1 + (size_t)c * 997 : 0);
			mem m = { full.p, cut, 0, 0 };
			sz_bundle_io io = { mem_write, mem_read, &m };
			sz_bundle_report rep;
			seen *s = calloc(1, sizeof *s);
			assert_int_equal(sz_bundle_read(&io, (const uint8_t(*)[32])k1, 1, NULL, collect, s,
			    &rep), SZ_OK);
			if (c == nchunks) {
				assert_true(rep.intact);
				assert_int_equal(s->n, 300);
			} else {
				assert_false(rep.intact);
				assert_true(rep.truncated);
				assert_int_equal(rep.chunks_damaged, mid ? 1 : 0);
				/* Whole chunks before the cut are handed out, nothing else. */
				assert_int_equal(s->n, c >= ndata ? 300 : (c == 0 ? 0 :
				    items_before_chunk(&full, k1, c)));
				assert_int_equal(rep.have_total, c >= ndata);
				assert_int_equal(rep.complete, c >= ndata);
				if (c > 0 && c < ndata)
					assert_true(s->n > 0 && s->n < 300);
			}
			for (size_t i = 0; i < s->n; i++)
				assert_int_equal(s->tags[i], i);
			free(s);
		}
	}
	free(full.p);
}

/* Bytes after the end, chunks swapped, a chunk copied over another: each is damage. */
static void
test_appended_swapped_duplicated(void **state)
{
	(void)state;
	sz_env_seeded env;
	sz_env_seeded_init(&env, 7, 0);
	mem full = { 0 };
	make_bundle(&full, (const uint8_t(*)[32])k1, 1, 300, 4096, &env);
	size_t len = full.len, C = SZ_BUNDLE_CHUNK, H = SZ_BUNDLE_HEADER_BYTES;
	uint8_t *b = malloc(len + C);
	sz_bundle_report rep;
	seen *s = calloc(1, sizeof *s);

	/* One byte appended; then a whole chunk (a copy of the end chunk). */
	for (size_t extra = 1; extra <= C; extra += C - 1) {
		memcpy(b, full.p, len);
		memcpy(b + len, full.p + len - C, extra);
		mem m = { b, len + extra, 0, 0 };
		sz_bundle_io io = { mem_write, mem_read, &m };
		s->n = 0;
		assert_int_equal(sz_bundle_read(&io, (const uint8_t(*)[32])k1, 1, NULL, collect, s, &rep),
		    SZ_OK);
		assert_true(rep.trailing);
		assert_false(rep.intact);
		assert_true(rep.complete);
		assert_int_equal(s->n, 300);
	}
	/* Data chunks 1 and 2 swapped: both are damaged (each is sealed with its position). */
	memcpy(b, full.p, len);
	memcpy(b + H + 1 * C, full.p + H + 2 * C, C);
	memcpy(b + H + 2 * C, full.p + H + 1 * C, C);
	mem m = { b, len, 0, 0 };
	sz_bundle_io io = { mem_write, mem_read, &m };
	s->n = 0;
	assert_int_equal(sz_bundle_read(&io, (const uint8_t(*)[32])k1, 1, NULL, collect, s, &rep), SZ_OK);
	assert_int_equal(rep.chunks_damaged, 2);
	assert_false(rep.intact);
	assert_false(rep.complete);
	assert_true(rep.have_total);
	assert_int_equal(rep.items_expected, 300);
	assert_false(rep.truncated);
	/* Chunk 3 copied over chunk 4 (the last data chunk), and filler 5 over filler 6. */
	memcpy(b, full.p, len);
	memcpy(b + H + 4 * C, full.p + H + 3 * C, C);
	memcpy(b + H + 6 * C, full.p + H + 5 * C, C);
	m.pos = 0;
	s->n = 0;
	assert_int_equal(sz_bundle_read(&io, (const uint8_t(*)[32])k1, 1, NULL, collect, s, &rep), SZ_OK);
	assert_int_equal(rep.chunks_damaged, 2);
	assert_false(rep.intact);
	/* The total came from the filler after the lost last chunk. */
	assert_true(rep.have_total);
	assert_int_equal(rep.items_expected, 300);
	assert_true(s->n < 300);
	for (size_t i = 0; i < s->n; i++)
		assert_int_equal(s->tags[i], i);
	free(s);
	free(b);
	free(full.p);
}

/* An empty bundle is one chunk, first, last and end at once; a one-chunk bundle cut to nothing
 * is cut short. */
static void
test_empty_and_single(void **state)
{
	(void)state;
	sz_env_seeded env;
	sz_env_seeded_init(&env, 8, 0);
	mem m = { 0 };
	make_bundle(&m, (const uint8_t(*)[32])k1, 1, 0, 16, &env);
	assert_int_equal(m.len, SZ_BUNDLE_HEADER_BYTES + (size_t)SZ_BUNDLE_CHUNK);
	sz_bundle_io io = { mem_write, mem_read, &m };
	sz_bundle_report rep;
	assert_int_equal(sz_bundle_read(&io, (const uint8_t(*)[32])k1, 1, NULL, collect, NULL, &rep),
	    SZ_OK);
	assert_true(rep.intact);
	assert_int_equal(rep.items_expected, 0);
	m.len = SZ_BUNDLE_HEADER_BYTES;
	m.pos = 0;
	assert_int_equal(sz_bundle_read(&io, (const uint8_t(*)[32])k1, 1, NULL, collect, NULL, &rep),
	    SZ_OK);
	assert_false(rep.intact);
	assert_true(rep.truncated);
	assert_false(rep.have_total);
	free(m.p);
}

/* A version 1 bundle (its slot sealed under the v1 derivation) is recognized and refused. */
static void
test_version1_refused(void **state)
{
	(void)state;
	uint8_t *file = calloc(1, SZ_BUNDLE_HEADER_BYTES + SZ_BUNDLE_CHUNK);
	uint8_t key[32], nonce[24] = { 0 }, file_key[32] = { 5 };
	static const char info[] = "samizdat bundle slot v1";
	randombytes_buf(file, SZ_BUNDLE_HEADER_BYTES + SZ_BUNDLE_CHUNK);
	assert_int_equal(sz_hkdf(SZ_HASH_SHA256, key, 32, file, SZ_BUNDLE_SALT_BYTES, k2, 32,
	    (const uint8_t *)info, sizeof info - 1), SZ_OK);
	memcpy(nonce, "szbslot", 7);
	nonce[23] = 3;
	assert_int_equal(sz_xaead_encrypt(file + SZ_BUNDLE_SALT_BYTES + 3 * SZ_BUNDLE_SLOT_BYTES,
	    file_key, 32, file, SZ_BUNDLE_SALT_BYTES, nonce, key), SZ_OK);
	mem m = { file, SZ_BUNDLE_HEADER_BYTES + SZ_BUNDLE_CHUNK, 0, 0 };
	sz_bundle_io io = { mem_write, mem_read, &m };
	sz_bundle_report rep;
	seen *s = calloc(1, sizeof *s);
	assert_int_equal(sz_bundle_read(&io, (const uint8_t(*)[32])k2, 1, NULL, collect, s, &rep),
	    SZ_ERR_UNSUPPORTED);
	assert_int_equal(s->n, 0);
	m.pos = 0;
	assert_int_equal(sz_bundle_read(&io, (const uint8_t(*)[32])k1, 1, NULL, collect, s, &rep),
	    SZ_ERR_DECRYPT);
	free(s);
	free(file);
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
		cmocka_unit_test(test_cut_everywhere),
		cmocka_unit_test(test_appended_swapped_duplicated),
		cmocka_unit_test(test_empty_and_single),
		cmocka_unit_test(test_version1_refused),
		cmocka_unit_test(test_passphrase_and_randomness),
		cmocka_unit_test(test_passphrase_open),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
