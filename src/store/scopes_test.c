/*
 * scopes_test.c - unit tests of the store's walks that hold no whole set (store/scopes.c):
 * distinct scopes by index seeks, a scope page by page (with its envelopes' bytes too) and by
 * callback, counts, ids by prefix.
 * Argon2id runs with tiny parameters so the tests stay fast.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/scopes.h"
#include "store/store.h"
#include "wire/envelope.h"

#define NSCOPES 5
#define PER 700 /* more than one page of the walk (512) */

typedef struct fixture {
	char base[256];
	sz_store *s;
	sz_env_seeded clock;
	uint8_t scopes[NSCOPES][16];
	uint8_t (*ids)[32]; /* NSCOPES * PER, in the order stored */
} fixture;

static int
setup(void **state)
{
	fixture *fx = calloc(1, sizeof *fx);
	char dir[300];
	if (fx == NULL || sz_init() != 0 || (fx->ids = calloc(NSCOPES * PER, 32)) == NULL)
		return -1;
	const char *t = getenv("TMPDIR");
	snprintf(fx->base, sizeof fx->base, "%s/sz-scopes-XXXXXX", t ? t : "/tmp");
	if (mkdtemp(fx->base) == NULL)
		return -1;
	snprintf(dir, sizeof dir, "%s/node", fx->base);
	sz_env_seeded_init(&fx->clock, 7, 1700000000000ull);
	sz_store_opts o = { 1, 8, &fx->clock.env, 0 };
	if (sz_store_create(&fx->s, dir, "pw", 2, &o) != SZ_OK)
		return -1;
	/* Sealed envelopes of NSCOPES scopes (scope i starts with byte 0x10 * (NSCOPES - i), so
	 * byte order is not the order made), PER each, stored in batches. */
	uint8_t key[32] = { 1 }, nonce[SZ_ENV_NONCE_BYTES] = { 0 };
	for (size_t i = 0; i < NSCOPES; i++) {
		memset(fx->scopes[i], (int)i, 16);
		fx->scopes[i][0] = (uint8_t)(0x10 * (NSCOPES - i));
	}
	uint8_t **envs = calloc(PER, sizeof *envs);
	size_t *lens = calloc(PER, sizeof *lens);
	if (envs == NULL || lens == NULL)
		return -1;
	for (size_t i = 0; i < NSCOPES; i++) {
		for (size_t j = 0; j < PER; j++) {
			char pt[32];
			snprintf(pt, sizeof pt, "env %zu %zu", i, j);
			memcpy(nonce, &j, sizeof j);
			nonce[20] = (uint8_t)i;
			if (sz_env_seal(&envs[j], &lens[j], fx->scopes[i], (const uint8_t *)pt,
			    strlen(pt), key, nonce) != SZ_OK ||
			    sz_env_id(fx->ids[i * PER + j], envs[j], lens[j]) != SZ_OK)
				return -1;
		}
		if (sz_store_put_envelopes(fx->s, (const uint8_t *const *)envs, lens, PER, NULL) != SZ_OK)
			return -1;
		for (size_t j = 0; j < PER; j++)
			free(envs[j]);
	}
	free(envs);
	free(lens);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	fixture *fx = *state;
	char cmd[400];
	sz_store_close(fx->s);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->base);
	if (system(cmd) != 0)
		return -1;
	free(fx->ids);
	free(fx);
	return 0;
}

static int
cmp32(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

static void
test_scopes_by_seek(void **state)
{
	fixture *fx = *state;
	uint8_t *sc = NULL;
	size_t n = 0;
	assert_int_equal(sz_store_scopes(fx->s, 0, &sc, &n), SZ_OK);
	assert_int_equal(n, NSCOPES);
	for (size_t i = 0; i < n; i++) /* byte order: the last made first */
		assert_memory_equal(sc + 16 * i, fx->scopes[NSCOPES - 1 - i], 16);
	free(sc);
	assert_int_equal(sz_store_scopes(fx->s, 2, &sc, &n), SZ_OK);
	assert_int_equal(n, 2);
	free(sc);
}

typedef struct walk {
	uint8_t (*seen)[32];
	size_t n, stop_at;
} walk;

static int
collect(void *ctx, const uint8_t id[32])
{
	walk *w = ctx;
	if (w->n == w->stop_at)
		return SZ_ERR_LIMIT;
	memcpy(w->seen[w->n++], id, 32);
	return SZ_OK;
}

static void
test_walk_and_pages(void **state)
{
	fixture *fx = *state;
	walk w = { calloc(PER, 32), 0, SIZE_MAX };
	assert_non_null(w.seen);
	/* By callback: every id of the scope once, nothing of the others. */
	assert_int_equal(sz_store_each_envelope(fx->s, fx->scopes[2], collect, &w), SZ_OK);
	assert_int_equal(w.n, PER);
	qsort(w.seen, w.n, 32, cmp32);
	uint8_t (*want)[32] = calloc(PER, 32);
	assert_non_null(want);
	memcpy(want, fx->ids[2 * PER], PER * 32);
	qsort(want, PER, 32, cmp32);
	assert_memory_equal(w.seen, want, PER * 32);
	/* The callback's error stops the walk and comes back. */
	w.n = 0;
	w.stop_at = 600;
	assert_int_equal(sz_store_each_envelope(fx->s, fx->scopes[2], collect, &w), SZ_ERR_LIMIT);
	assert_int_equal(w.n, 600);
	/* Pages of 64 cover the scope in (time, id) order, with no repeats. */
	sz_store_item page[64], last;
	size_t k, total = 0;
	const sz_store_item *after = NULL;
	do {
		assert_int_equal(sz_store_page_envelopes(fx->s, fx->scopes[4], after, 64, page, &k), SZ_OK);
		for (size_t i = 0; i < k; i++) {
			if (after != NULL || i > 0) {
				const sz_store_item *p = i > 0 ? &page[i - 1] : &last;
				assert_true(p->time_ms < page[i].time_ms || (p->time_ms == page[i].time_ms &&
				    memcmp(p->id, page[i].id, 32) < 0));
			}
		}
		total += k;
		if (k > 0) {
			last = page[k - 1];
			after = &last;
		}
	} while (k == 64);
	assert_int_equal(total, PER);
	uint64_t c = 0;
	assert_int_equal(sz_store_count_envelopes(fx->s, fx->scopes[4], &c), SZ_OK);
	assert_int_equal(c, PER);
	uint8_t nowhere[16] = { 0xee };
	assert_int_equal(sz_store_count_envelopes(fx->s, nowhere, &c), SZ_OK);
	assert_int_equal(c, 0);
	w.n = 0;
	w.stop_at = SIZE_MAX;
	assert_int_equal(sz_store_each_envelope(fx->s, nowhere, collect, &w), SZ_OK);
	assert_int_equal(w.n, 0);
	/* With their bytes: the same page, each envelope as a get gives it, until the budget. */
	sz_store_item page2[64];
	size_t ends[64], k2;
	sz_buf out = { 0 };
	assert_int_equal(sz_store_page_envelopes(fx->s, fx->scopes[1], NULL, 64, page, &k), SZ_OK);
	assert_int_equal(sz_store_page_envelope_bytes(fx->s, fx->scopes[1], NULL, 64, 4000, page2,
	    &out, ends, &k2), SZ_OK);
	assert_int_equal(k2, k);
	size_t at = 0, kept = 0;
	for (size_t i = 0; i < k; i++) {
		assert_memory_equal(page2[i].id, page[i].id, 32);
		assert_int_equal(page2[i].time_ms, page[i].time_ms);
		if (ends[i] == SIZE_MAX) {
			assert_true(out.len >= 4000); /* none kept below the budget */
			continue;
		}
		uint8_t *env;
		size_t len;
		assert_int_equal(sz_store_get_envelope(fx->s, page[i].id, &env, &len), SZ_OK);
		assert_int_equal(ends[i] - at, len);
		assert_memory_equal(out.p + at, env, len);
		free(env);
		at = ends[i];
		kept++;
	}
	assert_true(kept > 0 && kept < k);
	sz_buf_free(&out);
	free(want);
	free(w.seen);
}

static void
test_prefix(void **state)
{
	fixture *fx = *state;
	uint8_t ids[4][32], sc[4][16], id[32], scope[16];
	size_t n = 0;
	/* A whole id, and an 8-byte prefix of it: found with its scope. */
	const uint8_t *x = fx->ids[3 * PER + 17];
	assert_int_equal(sz_store_find_prefix_all(fx->s, x, 32, ids, sc, 4, &n), SZ_OK);
	assert_int_equal(n, 1);
	assert_memory_equal(ids[0], x, 32);
	assert_memory_equal(sc[0], fx->scopes[3], 16);
	assert_int_equal(sz_store_find_prefix_all(fx->s, x, 8, ids, sc, 4, &n), SZ_OK);
	assert_int_equal(n, 1);
	assert_int_equal(sz_store_find_prefix(fx->s, x, 20, id, scope), SZ_OK);
	assert_memory_equal(id, x, 32);
	/* A 1-byte prefix matches many: at most max come back, and find_prefix says ambiguous. */
	assert_int_equal(sz_store_find_prefix_all(fx->s, x, 1, ids, sc, 4, &n), SZ_OK);
	assert_int_equal(n, 4);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(ids[i][0], x[0]);
	assert_int_equal(sz_store_find_prefix(fx->s, x, 1, id, scope), SZ_ERR_EXISTS);
	/* All 0xff: the upper bound is above every id. */
	uint8_t ff[8];
	memset(ff, 0xff, sizeof ff);
	assert_int_equal(sz_store_find_prefix_all(fx->s, ff, 8, ids, sc, 4, &n), SZ_OK);
	assert_int_equal(n, 0);
	uint8_t flip[32];
	memcpy(flip, x, 32);
	flip[5] ^= 1; /* a tampered id is not found */
	assert_int_equal(sz_store_find_prefix(fx->s, flip, 20, id, scope), SZ_ERR_NOT_FOUND);
	assert_int_equal(sz_store_find_prefix_all(fx->s, x, 0, ids, sc, 4, &n), SZ_ERR_INVALID);
	assert_int_equal(sz_store_find_prefix_all(fx->s, x, 33, ids, sc, 4, &n), SZ_ERR_INVALID);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_scopes_by_seek, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk_and_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prefix, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
