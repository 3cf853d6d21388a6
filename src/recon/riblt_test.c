/*
 * riblt_test.c - unit tests of the Rateless IBLT core (recon/riblt.c, recon/riblt_decoder.c):
 * the symbol hash and coded symbols against @peerbit/riblt's output (tests/vectors/riblt/), the
 * mapping's bounds, the incremental sketch against fresh encodings.  The decoder is tested in
 * riblt_decoder_test.c, session messages in riblt_wire_test.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/bytes.h"
#include "lib/env.h"
#include "recon/riblt.h"

#define MUL UINT64_C(0xda942042e4dd58b5)

static uint8_t key_u64[SZ_RIBLT_KEY_BYTES]; /* LE64(123) || LE64(456): @peerbit/riblt's key */
static const uint8_t key_a[SZ_RIBLT_KEY_BYTES] = { 7, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };

static int
setup(void **state)
{
	(void)state;
	sz_store_u64le(key_u64, 123);
	sz_store_u64le(key_u64 + 8, 456);
	return sz_init() == SZ_OK ? 0 : -1;
}

/* --- hash and known answers ------------------------------------------------------------- */

static void
test_siphash_check_value(void **state)
{
	(void)state;
	uint8_t sym[8];
	sz_store_u64le(sym, UINT64_C(0xdeadbeefcafebabe));
	/* The check value from the brief, verified against @peerbit/riblt 1.2.0 (hash of cell 0 of
	 * a one-symbol encoder). */
	assert_true(sz_riblt_hash(key_u64, sym, 8) == UINT64_C(0x4b4e04c1f44330e2));
	/* Tampered: one flipped bit of the symbol, or of the key, changes the hash. */
	sym[3] ^= 0x10;
	assert_true(sz_riblt_hash(key_u64, sym, 8) != UINT64_C(0x4b4e04c1f44330e2));
	sym[3] ^= 0x10;
	uint8_t k2[SZ_RIBLT_KEY_BYTES];
	memcpy(k2, key_u64, sizeof(k2));
	k2[15] ^= 1;
	assert_true(sz_riblt_hash(k2, sym, 8) != UINT64_C(0x4b4e04c1f44330e2));
}

/* tests/vectors/riblt/peerbit_u64.txt: a set and its first 64 coded symbols as @peerbit/riblt
 * 1.2.0 (the reference algorithm in Rust) produced them. */
static void
test_peerbit_vectors(void **state)
{
	(void)state;
	const char *root = getenv("SZ_ROOT");
	char path[4096];
	snprintf(path, sizeof(path), "%s/tests/vectors/riblt/peerbit_u64.txt", root ? root : ".");
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	sz_riblt_sketch *s = NULL;
	assert_int_equal(sz_riblt_sketch_new(&s, 8, key_u64, 64), SZ_OK);
	char line[256];
	int nset = 0, ncell = 0, bad = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned long long v, sym, hash;
		long long count;
		unsigned idx;
		if (sscanf(line, "set %llu", &v) == 1) {
			uint8_t b[8];
			sz_store_u64le(b, v);
			assert_int_equal(sz_riblt_sketch_add(s, b), SZ_OK);
			nset++;
		} else if (sscanf(line, "cell %u,%llu,%llu,%lld", &idx, &sym, &hash, &count) == 4) {
			uint8_t sum[8];
			uint64_t h;
			int64_t c;
			assert_int_equal(sz_riblt_sketch_cell(s, idx, sum, &h, &c), SZ_OK);
			bad += sz_load_u64le(sum) != sym || h != hash || c != count;
			ncell++;
		}
	}
	fclose(f);
	assert_int_equal(nset, 32);
	assert_int_equal(ncell, 64);
	assert_int_equal(bad, 0);
	/* Tampered: the same set with one symbol changed no longer matches cell 0. */
	uint8_t b[8];
	sz_store_u64le(b, 0);
	assert_int_equal(sz_riblt_sketch_remove(s, b), SZ_OK);
	sz_store_u64le(b, 1);
	assert_int_equal(sz_riblt_sketch_add(s, b), SZ_OK);
	uint8_t sum[8];
	uint64_t h;
	int64_t c;
	assert_int_equal(sz_riblt_sketch_cell(s, 0, sum, &h, &c), SZ_OK);
	assert_true(h != UINT64_C(0) && c == 32);
	f = fopen(path, "r");
	assert_non_null(f);
	unsigned long long want_h = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned long long sym0, h0;
		long long c0;
		if (sscanf(line, "cell 0,%llu,%llu,%lld", &sym0, &h0, &c0) == 3)
			want_h = h0;
	}
	fclose(f);
	assert_true(h != want_h);
	sz_riblt_sketch_free(s);
}

/* --- mapping ------------------------------------------------------------------------------- */

static void
test_map_first_index_and_growth(void **state)
{
	(void)state;
	/* Every symbol starts at index 0; indices never go down; the frequency of index i is about
	 * 1/(1 + i/2) (the paper's rho). */
	enum { SYMS = 20000, IDX = 64 };
	unsigned hits[IDX] = { 0 };
	sz_env_seeded env;
	sz_env_seeded_init(&env, 1, 0);
	for (int k = 0; k < SYMS; k++) {
		uint64_t h;
		sz_random(&env.env, &h, sizeof(h));
		sz_riblt_map m;
		sz_riblt_map_init(&m, h);
		assert_true(m.idx == 0);
		uint64_t last = 0;
		hits[0]++;
		while (last < IDX) {
			uint64_t n = sz_riblt_map_next(&m);
			assert_true(n >= last);
			if (n < IDX && n != last)
				hits[n]++;
			last = n;
		}
	}
	/* The rounding up of each step makes small indices a little rarer (0.64 at i = 1). */
	for (int i = 1; i < IDX; i++) {
		double p = 1.0 / (1.0 + i / 2.0);
		double sd = sqrt(SYMS * p * (1 - p));
		assert_true(fabs(hits[i] - SYMS * p) < 0.05 * SYMS * p + 5 * sd);
	}
}

/* The zero step: 2^32 / sqrt(r + 1) rounds to exactly 1.0 for r in a window W just below
 * 2^64.  Walks are bounded by 2 steps per index only if two zero steps never follow each other,
 * i.e. r in W implies r * MUL not in W.  Check the whole window. */
static int
zero_step(uint64_t r)
{
	return 4294967296.0 / sqrt((double)r + 1.0) - 1.0 <= 0.0;
}

static void
test_map_zero_steps_never_repeat(void **state)
{
	(void)state;
	uint64_t lo = UINT64_MAX;
	while (zero_step(lo - 1))
		lo--;
	uint64_t width = UINT64_MAX - lo + 1;
	assert_true(zero_step(UINT64_MAX));
	assert_true(width > 0 && width < 100000);
	assert_false(zero_step(lo - 1));
	for (uint64_t r = lo; r != 0; r++)
		assert_false(r * MUL >= lo);
	/* And the mapping really repeats an index on such a state: choose prng so that the next
	 * state, prng * MUL, is 2^64 - 1 (MUL's inverse mod 2^64 by Newton's iteration). */
	uint64_t inv = MUL;
	for (int i = 0; i < 6; i++)
		inv *= 2 - MUL * inv;
	assert_true(MUL * inv == 1);
	sz_riblt_map m = { .prng = UINT64_MAX * inv, .idx = 7 };
	assert_true(sz_riblt_map_next(&m) == 7);
	assert_true(sz_riblt_map_next(&m) > 7);
}

static void
test_map_saturates(void **state)
{
	(void)state;
	sz_riblt_map m = { .prng = 0, .idx = 0 };
	/* prng 0 stays 0: the biggest steps; the index must saturate, not wrap. */
	uint64_t last = 0;
	for (int i = 0; i < 10; i++) {
		uint64_t n = sz_riblt_map_next(&m);
		assert_true(n >= last);
		last = n;
	}
	assert_true(last == SZ_RIBLT_NEVER);
	assert_true(sz_riblt_map_next(&m) == SZ_RIBLT_NEVER);
}

/* --- sketch -------------------------------------------------------------------------------- */

static void
rand_sym(sz_env_seeded *env, uint8_t *sym, size_t w)
{
	sz_random(&env->env, sym, w);
}

static void
assert_same_cells(const sz_riblt_sketch *a, const sz_riblt_sketch *b, size_t k)
{
	size_t w = sz_riblt_sketch_width(a);
	for (size_t i = 0; i < k; i++) {
		uint8_t sa[SZ_RIBLT_MAX_WIDTH], sb[SZ_RIBLT_MAX_WIDTH];
		uint64_t ha, hb;
		int64_t ca, cb;
		assert_int_equal(sz_riblt_sketch_cell(a, i, sa, &ha, &ca), SZ_OK);
		assert_int_equal(sz_riblt_sketch_cell(b, i, sb, &hb, &cb), SZ_OK);
		assert_memory_equal(sa, sb, w);
		assert_true(ha == hb);
		assert_true(ca == cb);
	}
}

static void
test_incremental_equals_fresh(void **state)
{
	(void)state;
	sz_env_seeded env;
	sz_env_seeded_init(&env, 2, 0);
	const size_t widths[] = { 8, 20, 32, 5 };
	for (size_t wi = 0; wi < 4; wi++) {
		size_t w = widths[wi];
		sz_riblt_sketch *s = NULL, *f = NULL;
		assert_int_equal(sz_riblt_sketch_new(&s, w, key_a, 300), SZ_OK);
		enum { POOL = 600 };
		uint8_t (*pool)[SZ_RIBLT_MAX_WIDTH] = calloc(POOL, SZ_RIBLT_MAX_WIDTH);
		uint8_t *in = calloc(POOL, 1);
		assert_non_null(pool);
		for (int i = 0; i < POOL; i++)
			rand_sym(&env, pool[i], w);
		/* Random inserts and deletes, checking the error codes. */
		for (int op = 0; op < 5000; op++) {
			int i = (int)sz_random_uniform(&env.env, POOL);
			if (in[i]) {
				if (sz_random_uniform(&env.env, 2)) {
					assert_int_equal(sz_riblt_sketch_remove(s, pool[i]), SZ_OK);
					in[i] = 0;
				} else {
					assert_int_equal(sz_riblt_sketch_add(s, pool[i]), SZ_ERR_EXISTS);
				}
			} else {
				if (sz_random_uniform(&env.env, 4) == 0) {
					assert_int_equal(sz_riblt_sketch_remove(s, pool[i]), SZ_ERR_NOT_FOUND);
				} else {
					assert_int_equal(sz_riblt_sketch_add(s, pool[i]), SZ_OK);
					in[i] = 1;
				}
			}
			if (op == 2500) {
				/* Extend K in the middle: later updates keep the larger K current. */
				assert_int_equal(sz_riblt_sketch_reserve(s, 700), SZ_OK);
			}
		}
		/* A fresh encoding of the final set, with the same K, is the same. */
		size_t k = sz_riblt_sketch_cells(s);
		assert_true(k >= 700);
		assert_int_equal(sz_riblt_sketch_new(&f, w, key_a, k), SZ_OK);
		size_t n = 0;
		for (int i = 0; i < POOL; i++) {
			assert_int_equal(sz_riblt_sketch_contains(s, pool[i]), in[i] != 0);
			if (in[i]) {
				assert_int_equal(sz_riblt_sketch_add(f, pool[i]), SZ_OK);
				n++;
			}
		}
		assert_int_equal(sz_riblt_sketch_size(s), n);
		assert_same_cells(s, f, k);
		/* Extending both beyond K (computed from the item list) also agrees. */
		assert_int_equal(sz_riblt_sketch_reserve(s, 3000), SZ_OK);
		sz_riblt_sketch *g = NULL;
		assert_int_equal(sz_riblt_sketch_new(&g, w, key_a, 3000), SZ_OK);
		for (size_t j = sz_riblt_sketch_size(f); j-- > 0;)
			assert_int_equal(sz_riblt_sketch_add(g, sz_riblt_sketch_item(f, j)), SZ_OK);
		assert_same_cells(s, g, 3000);
		/* Trimming K back and extending again gives the same cells. */
		sz_riblt_sketch_trim(s, 100);
		assert_int_equal(sz_riblt_sketch_cells(s), 100);
		assert_same_cells(s, g, 100);
		assert_int_equal(sz_riblt_sketch_cell(s, 100, (uint8_t[SZ_RIBLT_MAX_WIDTH]){ 0 },
		    &(uint64_t){ 0 }, &(int64_t){ 0 }), SZ_ERR_INVALID);
		assert_int_equal(sz_riblt_sketch_reserve(s, 3000), SZ_OK);
		assert_same_cells(s, g, 3000);
		/* A clone is equal and independent. */
		sz_riblt_sketch *c = NULL;
		assert_int_equal(sz_riblt_sketch_clone(&c, s), SZ_OK);
		assert_same_cells(s, c, 3000);
		assert_int_equal(sz_riblt_sketch_remove(c, sz_riblt_sketch_item(f, 0)), SZ_OK);
		assert_true(sz_riblt_sketch_contains(s, sz_riblt_sketch_item(f, 0)));
		/* Removing everything brings every coded symbol back to zero. */
		for (int i = 0; i < POOL; i++)
			if (in[i])
				assert_int_equal(sz_riblt_sketch_remove(s, pool[i]), SZ_OK);
		assert_int_equal(sz_riblt_sketch_size(s), 0);
		for (size_t i = 0; i < 3000; i++) {
			uint8_t sum[SZ_RIBLT_MAX_WIDTH], zero[SZ_RIBLT_MAX_WIDTH] = { 0 };
			uint64_t h;
			int64_t cnt;
			assert_int_equal(sz_riblt_sketch_cell(s, i, sum, &h, &cnt), SZ_OK);
			assert_memory_equal(sum, zero, w);
			assert_true(h == 0 && cnt == 0);
		}
		sz_riblt_sketch_free(c);
		sz_riblt_sketch_free(g);
		sz_riblt_sketch_free(f);
		sz_riblt_sketch_free(s);
		free(pool);
		free(in);
	}
}

static void
test_sketch_limits_and_lookup(void **state)
{
	(void)state;
	sz_riblt_sketch *s = NULL;
	assert_int_equal(sz_riblt_sketch_new(&s, 0, key_a, 10), SZ_ERR_INVALID);
	assert_null(s);
	assert_int_equal(sz_riblt_sketch_new(&s, SZ_RIBLT_MAX_WIDTH + 1, key_a, 10), SZ_ERR_INVALID);
	assert_int_equal(sz_riblt_sketch_new(&s, 8, key_a, SZ_RIBLT_MAX_CELLS + 1), SZ_ERR_INVALID);
	assert_int_equal(sz_riblt_sketch_new(&s, 8, key_a, 16), SZ_OK);
	uint8_t a[8] = { 1 }, b[8] = { 2 }, c[8] = { 3 };
	assert_int_equal(sz_riblt_sketch_add(s, a), SZ_OK);
	assert_int_equal(sz_riblt_sketch_set_max_items(s, 0), SZ_ERR_INVALID);
	assert_int_equal(sz_riblt_sketch_set_max_items(s, 2), SZ_OK);
	assert_int_equal(sz_riblt_sketch_add(s, b), SZ_OK);
	assert_int_equal(sz_riblt_sketch_add(s, c), SZ_ERR_LIMIT);
	assert_false(sz_riblt_sketch_contains(s, c));
	uint64_t gen = sz_riblt_sketch_generation(s);
	assert_int_equal(sz_riblt_sketch_remove(s, c), SZ_ERR_NOT_FOUND);
	assert_true(sz_riblt_sketch_generation(s) == gen);
	/* Lookup by hash and by its low 32 bits finds the symbol. */
	const uint8_t *found[2];
	size_t n;
	uint64_t hb = sz_riblt_hash(key_a, b, 8);
	sz_riblt_sketch_find_hash(s, hb, found, 2, &n);
	assert_int_equal(n, 1);
	assert_memory_equal(found[0], b, 8);
	sz_riblt_sketch_find_hash32(s, (uint32_t)hb, found, 2, &n);
	assert_int_equal(n, 1);
	assert_memory_equal(found[0], b, 8);
	sz_riblt_sketch_find_hash(s, hb ^ 1, found, 2, &n);
	assert_int_equal(n, 0);
	assert_int_equal(sz_riblt_sketch_cell(s, 16, b, &hb, &(int64_t){ 0 }), SZ_ERR_INVALID);
	assert_int_equal(sz_riblt_sketch_reserve(s, SZ_RIBLT_MAX_CELLS + 1), SZ_ERR_LIMIT);
	assert_true(sz_riblt_sketch_memory(s) > 0);
	sz_riblt_sketch_free(s);
	sz_riblt_sketch_free(NULL);
}


/* --- sourced sketches: the items live with the owner ------------------------------------- */

typedef struct arr_src {
	uint8_t (*v)[20];
	size_t n;
	int fail;        /* error the walk and holds return (0: none) */
	size_t walks;
	int *released;
} arr_src;

static int
arr_each(void *ctx, int (*fn)(void *fctx, const uint8_t *sym), void *fctx)
{
	arr_src *a = ctx;
	a->walks++;
	if (a->fail)
		return a->fail;
	for (size_t i = 0; i < a->n; i++) {
		int r = fn(fctx, a->v[i]);
		if (r != SZ_OK)
			return r;
	}
	return SZ_OK;
}

static int
arr_holds(void *ctx, const uint8_t *sym, bool *held)
{
	arr_src *a = ctx;
	*held = false;
	if (a->fail)
		return a->fail;
	for (size_t i = 0; i < a->n; i++)
		if (memcmp(a->v[i], sym, 20) == 0)
			*held = true;
	return SZ_OK;
}

static void
arr_release(void *ctx)
{
	arr_src *a = ctx;
	(*a->released)++;
}

/* A sourced sketch has exactly the cells of an ordinary one of the same set, built at once or
 * item by item, at K and past it (K grows by walking the source); a decoder peels against it,
 * asking the source whether it holds what it recovers; the source's errors come back. */
static void
test_sourced_equals_items(void **state)
{
	(void)state;
	enum { N = 3000, K = 64 };
	uint8_t (*v)[20] = calloc(N, 20);
	assert_non_null(v);
	sz_env_seeded rng;
	sz_env_seeded_init(&rng, 11, 0);
	sz_random(&rng.env, v, N * 20);
	int released = 0;
	arr_src a = { v, N, 0, 0, &released };
	sz_riblt_source src = { &a, arr_each, arr_holds, arr_release };
	sz_riblt_sketch *items, *built, *grown;
	assert_int_equal(sz_riblt_sketch_new(&items, 20, key_a, K), SZ_OK);
	assert_int_equal(sz_riblt_sketch_new_sourced(&built, 20, key_a, K, &src), SZ_OK);
	sz_riblt_source src2 = { &a, arr_each, arr_holds, NULL };
	assert_int_equal(sz_riblt_sketch_new_sourced(&grown, 20, key_a, K, &src2), SZ_OK);
	for (size_t i = 0; i < N; i++) {
		assert_int_equal(sz_riblt_sketch_add(items, v[i]), SZ_OK);
		assert_int_equal(sz_riblt_sketch_add(grown, v[i]), SZ_OK);
	}
	assert_int_equal(sz_riblt_sketch_fill(built), SZ_OK);
	assert_int_equal(a.walks, 1);
	assert_int_equal(sz_riblt_sketch_size(built), N);
	assert_int_equal(sz_riblt_sketch_size(grown), N);
	assert_true(sz_riblt_sketch_sourced(built));
	assert_false(sz_riblt_sketch_sourced(items));
	/* Past K: items are walked once per growth. */
	assert_int_equal(sz_riblt_sketch_reserve(items, 1000), SZ_OK);
	assert_int_equal(sz_riblt_sketch_reserve(built, 1000), SZ_OK);
	assert_int_equal(sz_riblt_sketch_reserve(grown, 1000), SZ_OK);
	assert_int_equal(a.walks, 3);
	for (size_t i = 0; i < 1000; i++) {
		uint8_t s1[20], s2[20], s3[20];
		uint64_t h1, h2, h3;
		int64_t c1, c2, c3;
		assert_int_equal(sz_riblt_sketch_cell(items, i, s1, &h1, &c1), SZ_OK);
		assert_int_equal(sz_riblt_sketch_cell(built, i, s2, &h2, &c2), SZ_OK);
		assert_int_equal(sz_riblt_sketch_cell(grown, i, s3, &h3, &c3), SZ_OK);
		assert_memory_equal(s1, s2, 20);
		assert_memory_equal(s1, s3, 20);
		assert_true(h1 == h2 && h1 == h3 && c1 == c2 && c1 == c3);
	}
	/* Memory: the cells only. */
	assert_true(sz_riblt_sketch_mem(built) < sz_riblt_sketch_mem(items) / 4);
	/* No item lookups: they are the owner's. */
	const uint8_t *found[2];
	size_t nf = 9;
	sz_riblt_sketch_find_hash(built, sz_riblt_hash(key_a, v[0], 20), found, 2, &nf);
	assert_int_equal(nf, 0);
	assert_null(sz_riblt_sketch_item(built, 0));
	bool held = false;
	assert_int_equal(sz_riblt_sketch_holds(built, v[7], &held), SZ_OK);
	assert_true(held);
	/* A remote that lacks two items and has one more: the decoder peels against the sourced
	 * sketch and asks the source about each item. */
	sz_riblt_sketch *remote;
	uint8_t extra[20];
	memset(extra, 0x5a, sizeof extra);
	assert_int_equal(sz_riblt_sketch_new(&remote, 20, key_a, K), SZ_OK);
	for (size_t i = 2; i < N; i++)
		assert_int_equal(sz_riblt_sketch_add(remote, v[i]), SZ_OK);
	assert_int_equal(sz_riblt_sketch_add(remote, extra), SZ_OK);
	sz_riblt_decoder *d;
	sz_riblt_limits lim = { .max_cells = 4096, .max_count = 1u << 20 };
	assert_int_equal(sz_riblt_decoder_new(&d, built, &lim), SZ_OK);
	for (size_t i = 0; !sz_riblt_decoder_done(d); i++) {
		uint8_t sum[20];
		uint64_t h;
		int64_t c;
		assert_int_equal(sz_riblt_sketch_reserve(remote, i + 1), SZ_OK);
		assert_int_equal(sz_riblt_sketch_cell(remote, i, sum, &h, &c), SZ_OK);
		assert_int_equal(sz_riblt_decoder_add(d, sum, h, (uint64_t)c), SZ_OK);
		assert_int_equal(sz_riblt_decoder_run(d), SZ_OK);
	}
	assert_int_equal(sz_riblt_decoder_count(d), 3);
	sz_riblt_decoder_free(d);
	/* A source that disagrees with its cells (they lack v[0], it says it holds v[0]): the item
	 * recovered as the remote's only is "held", a contradiction the decoder reports. */
	sz_riblt_sketch *liar;
	uint8_t (*w)[20] = calloc(N - 1, 20);
	assert_non_null(w);
	memcpy(w, v + 1, (N - 1) * 20);
	arr_src b = { w, N - 1, 0, 0, &released };
	sz_riblt_source srcb = { &b, arr_each, arr_holds, NULL };
	assert_int_equal(sz_riblt_sketch_new_sourced(&liar, 20, key_a, K, &srcb), SZ_OK);
	assert_int_equal(sz_riblt_sketch_fill(liar), SZ_OK);
	memcpy(w[N - 2], v[0], 20);
	assert_int_equal(sz_riblt_decoder_new(&d, liar, &lim), SZ_OK);
	int r = SZ_OK;
	for (size_t i = 0; r == SZ_OK && !sz_riblt_decoder_done(d) && i < 4096; i++) {
		uint8_t sum[20];
		uint64_t h;
		int64_t c;
		assert_int_equal(sz_riblt_sketch_reserve(items, i + 1), SZ_OK);
		assert_int_equal(sz_riblt_sketch_cell(items, i, sum, &h, &c), SZ_OK);
		if ((r = sz_riblt_decoder_add(d, sum, h, (uint64_t)c)) == SZ_OK)
			r = sz_riblt_decoder_run(d);
	}
	assert_int_equal(r, SZ_ERR_DECODE);
	sz_riblt_decoder_free(d);
	/* The source's error comes back from a growth and from the decoder. */
	a.fail = SZ_ERR_IO;
	assert_int_equal(sz_riblt_sketch_reserve(grown, 5000), SZ_ERR_IO);
	assert_int_equal(sz_riblt_sketch_holds(built, v[7], &held), SZ_ERR_IO);
	a.fail = 0;
	/* A copy keeps the cells and takes the source given; release runs once per owner. */
	sz_riblt_sketch *copy;
	assert_int_equal(sz_riblt_sketch_clone(&copy, built), SZ_ERR_INVALID);
	assert_int_equal(sz_riblt_sketch_clone_sourced(&copy, items, &src2), SZ_ERR_INVALID);
	assert_int_equal(sz_riblt_sketch_clone_sourced(&copy, built, &src), SZ_OK);
	assert_int_equal(sz_riblt_sketch_size(copy), N);
	assert_int_equal(sz_riblt_sketch_remove(copy, v[0]), SZ_OK);
	assert_int_equal(sz_riblt_sketch_size(copy), N - 1);
	sz_riblt_sketch_free(copy);
	assert_int_equal(released, 1);
	sz_riblt_sketch_free(built);
	assert_int_equal(released, 2);
	sz_riblt_sketch_free(grown);
	sz_riblt_sketch_free(liar);
	sz_riblt_sketch_free(items);
	sz_riblt_sketch_free(remote);
	assert_int_equal(released, 2);
	free(v);
	free(w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_siphash_check_value),
		cmocka_unit_test(test_peerbit_vectors),
		cmocka_unit_test(test_map_first_index_and_growth),
		cmocka_unit_test(test_map_zero_steps_never_repeat),
		cmocka_unit_test(test_map_saturates),
		cmocka_unit_test(test_incremental_equals_fresh),
		cmocka_unit_test(test_sketch_limits_and_lookup),
		cmocka_unit_test(test_sourced_equals_items),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
