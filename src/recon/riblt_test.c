/*
 * riblt_test.c - unit tests of the Rateless IBLT core (recon/riblt.c, recon/riblt_decoder.c):
 * the symbol hash and coded symbols against @peerbit/riblt's output (tests/vectors/riblt/), the
 * mapping's bounds, the incremental sketch against fresh encodings, decoding of many (N, d), and
 * hostile streams.  Session messages are tested in riblt_wire_test.c.
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

/* --- decoding ------------------------------------------------------------------------------ */

static int
cmp32(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

/* Build A and B sharing `common` symbols, A holding da more and B db more; stream A's coded
 * symbols one by one into a decoder against B until it is done, and check that exactly the
 * differences come out.  Returns the number of coded symbols used. */
static size_t
decode_case(size_t w, size_t common, size_t da, size_t db, uint64_t seed)
{
	sz_env_seeded env;
	sz_env_seeded_init(&env, seed, 0);
	sz_riblt_sketch *a = NULL, *b = NULL;
	assert_int_equal(sz_riblt_sketch_new(&a, w, key_a, 64), SZ_OK);
	assert_int_equal(sz_riblt_sketch_new(&b, w, key_a, 0), SZ_OK);
	uint8_t (*only)[32] = calloc(da + db + 1, 32);
	assert_non_null(only);
	for (size_t i = 0; i < common + da + db; i++) {
		uint8_t sym[32] = { 0 };
		rand_sym(&env, sym, w);
		if (i < common) {
			assert_int_equal(sz_riblt_sketch_add(a, sym), SZ_OK);
			assert_int_equal(sz_riblt_sketch_add(b, sym), SZ_OK);
		} else {
			assert_int_equal(sz_riblt_sketch_add(i < common + da ? a : b, sym), SZ_OK);
			memcpy(only[i - common], sym, 32);
		}
	}
	sz_riblt_limits lim = { .max_cells = 50 * (da + db) + 200, .max_items = 0,
		.max_count = sz_riblt_sketch_size(a) };
	sz_riblt_decoder *d = NULL;
	assert_int_equal(sz_riblt_decoder_new(&d, b, &lim), SZ_OK);
	size_t m = 0;
	while (!sz_riblt_decoder_done(d)) {
		assert_true(m < lim.max_cells);
		assert_int_equal(sz_riblt_sketch_reserve(a, m + 1), SZ_OK);
		uint8_t sum[32];
		uint64_t h;
		int64_t c;
		assert_int_equal(sz_riblt_sketch_cell(a, m, sum, &h, &c), SZ_OK);
		assert_true(c >= 0);
		assert_int_equal(sz_riblt_decoder_add(d, sum, h, (uint64_t)c), SZ_OK);
		assert_int_equal(sz_riblt_decoder_run(d), SZ_OK);
		m++;
	}
	/* Exactly da items on side +1 (A's) and db on side -1 (B's). */
	assert_int_equal(sz_riblt_decoder_count(d), da + db);
	uint8_t (*got)[32] = calloc(da + db + 1, 32);
	size_t na = 0, nb = 0;
	for (size_t j = 0; j < da + db; j++) {
		uint64_t h;
		int side;
		const uint8_t *sym = sz_riblt_decoder_item(d, j, &h, &side);
		assert_non_null(sym);
		assert_true(h == sz_riblt_hash(key_a, sym, w));
		if (side > 0) {
			memcpy(got[na++], sym, w);
		} else {
			assert_int_equal(side, -1);
			memcpy(got[da + nb++], sym, w);
		}
	}
	assert_int_equal(na, da);
	assert_int_equal(nb, db);
	qsort(got, da, 32, cmp32);
	qsort(got + da, db, 32, cmp32);
	qsort(only, da, 32, cmp32);
	qsort(only + da, db, 32, cmp32);
	assert_memory_equal(got, only, (da + db) * 32);
	uint64_t h;
	int side;
	assert_null(sz_riblt_decoder_item(d, da + db, &h, &side));
	sz_riblt_decoder_free(d);
	sz_riblt_sketch_free(a);
	sz_riblt_sketch_free(b);
	free(only);
	free(got);
	return m;
}

static void
test_decode_many(void **state)
{
	(void)state;
	const size_t ns[] = { 0, 1, 50, 2000 };
	const size_t ds[] = { 0, 1, 2, 3, 7, 20, 60, 300 };
	uint64_t seed = 100;
	size_t total_cells = 0, total_d = 0;
	for (size_t ni = 0; ni < 4; ni++) {
		for (size_t di = 0; di < 8; di++) {
			size_t d = ds[di];
			/* all on A's side, all on B's side, split */
			total_cells += decode_case(20, ns[ni], d, 0, seed++);
			total_cells += decode_case(20, ns[ni], 0, d, seed++);
			total_cells += decode_case(20, ns[ni], d - d / 2, d / 2, seed++);
			total_d += 3 * d;
		}
	}
	/* d = 0 takes exactly one coded symbol (cell 0 is zero). */
	assert_int_equal(decode_case(20, 500, 0, 0, 1), 1);
	/* Overall cost is in the paper's range (about 1.35-1.7 coded symbols per difference). */
	assert_true(total_cells < 2 * total_d);
	/* Other widths use the same core. */
	decode_case(8, 300, 40, 40, 7);
	decode_case(32, 300, 40, 1, 8);
	decode_case(3, 100, 10, 10, 9);
}

/* --- hostile streams ----------------------------------------------------------------------- */

static void
test_decoder_garbage_hits_limit(void **state)
{
	(void)state;
	sz_env_seeded env;
	sz_env_seeded_init(&env, 3, 0);
	sz_riblt_sketch *b = NULL;
	assert_int_equal(sz_riblt_sketch_new(&b, 20, key_a, 16), SZ_OK);
	for (int i = 0; i < 100; i++) {
		uint8_t sym[20];
		rand_sym(&env, sym, 20);
		assert_int_equal(sz_riblt_sketch_add(b, sym), SZ_OK);
	}
	sz_riblt_limits lim = { .max_cells = 3000, .max_items = 0, .max_count = 1000 };
	sz_riblt_decoder *d = NULL;
	assert_int_equal(sz_riblt_decoder_new(&d, b, &lim), SZ_OK);
	int r = SZ_OK;
	size_t i;
	for (i = 0; i < 10000 && r == SZ_OK; i++) {
		uint8_t sum[20];
		uint64_t h;
		rand_sym(&env, sum, 20);
		sz_random(&env.env, &h, sizeof(h));
		uint64_t c = sz_random_uniform(&env.env, 4); /* counts 0..3: many look pure */
		r = sz_riblt_decoder_add(d, sum, h, c);
		if (r == SZ_OK)
			r = sz_riblt_decoder_run(d);
	}
	assert_int_equal(r, SZ_ERR_LIMIT);
	assert_int_equal(i, 3001);
	assert_false(sz_riblt_decoder_done(d));
	/* Sticky: nothing more is taken. */
	uint8_t z[20] = { 0 };
	assert_int_equal(sz_riblt_decoder_add(d, z, 0, 0), SZ_ERR_LIMIT);
	assert_int_equal(sz_riblt_decoder_run(d), SZ_ERR_LIMIT);
	assert_true(sz_riblt_decoder_estimate(d, NULL, 0) >= 1.0);
	sz_riblt_decoder_free(d);
	sz_riblt_sketch_free(b);
}

/* A decoder against local = {y} (width 20). */
static sz_riblt_decoder *
small_decoder(sz_riblt_sketch **b, const uint8_t *y, size_t max_cells, uint64_t max_count)
{
	assert_int_equal(sz_riblt_sketch_new(b, 20, key_a, 0), SZ_OK);
	if (y != NULL)
		assert_int_equal(sz_riblt_sketch_add(*b, y), SZ_OK);
	sz_riblt_limits lim = { .max_cells = max_cells, .max_items = 0, .max_count = max_count };
	sz_riblt_decoder *d = NULL;
	assert_int_equal(sz_riblt_decoder_new(&d, *b, &lim), SZ_OK);
	return d;
}

/* 32-bit checks: a stream whose hashes are right only in their low 32 bits decodes with
 * check_bits = 32 and never with 64; any other width is refused. */
static void
test_decoder_check32(void **state)
{
	(void)state;
	sz_env_seeded env;
	sz_env_seeded_init(&env, 11, 0);
	sz_riblt_sketch *a = NULL, *b = NULL;
	assert_int_equal(sz_riblt_sketch_new(&a, 8, key_a, 64), SZ_OK);
	assert_int_equal(sz_riblt_sketch_new(&b, 8, key_a, 64), SZ_OK);
	for (int i = 0; i < 500 + 12 + 9; i++) {
		uint8_t sym[8];
		rand_sym(&env, sym, 8);
		if (i < 512)
			assert_int_equal(sz_riblt_sketch_add(a, sym), SZ_OK);
		if (i < 500 || i >= 512)
			assert_int_equal(sz_riblt_sketch_add(b, sym), SZ_OK);
	}
	for (unsigned bits = 32; bits <= 64; bits += 32) {
		sz_riblt_limits lim = { .max_cells = 200, .max_items = 0, .max_count = 512,
			.check_bits = bits };
		sz_riblt_decoder *d = NULL;
		assert_int_equal(sz_riblt_decoder_new(&d, b, &lim), SZ_OK);
		for (size_t i = 0; i < 200 && !sz_riblt_decoder_done(d); i++) {
			uint8_t sum[8];
			uint64_t h, junk;
			int64_t c;
			assert_int_equal(sz_riblt_sketch_reserve(a, i + 1), SZ_OK);
			assert_int_equal(sz_riblt_sketch_cell(a, i, sum, &h, &c), SZ_OK);
			sz_random(&env.env, &junk, sizeof junk);
			/* the high half is noise, as a CHECK32 cell's would be after widening */
			int r = sz_riblt_decoder_add(d, sum, h ^ (junk << 32), (uint64_t)c);
			if (r == SZ_OK)
				r = sz_riblt_decoder_run(d);
			if (bits == 32)
				assert_int_equal(r, SZ_OK);
			else if (r != SZ_OK)
				break; /* a contradiction or a limit: never a result */
		}
		if (bits == 32) {
			assert_true(sz_riblt_decoder_done(d));
			assert_int_equal(sz_riblt_decoder_count(d), 21);
			size_t plus = 0;
			for (size_t j = 0; j < 21; j++) {
				uint64_t h;
				int side;
				(void)sz_riblt_decoder_item(d, j, &h, &side);
				plus += side > 0;
			}
			assert_int_equal(plus, 12);
		} else {
			assert_false(sz_riblt_decoder_done(d));
			assert_int_equal(sz_riblt_decoder_count(d), 0);
		}
		sz_riblt_decoder_free(d);
	}
	sz_riblt_limits bad = { .max_cells = 10, .max_items = 0, .max_count = 10, .check_bits = 16 };
	sz_riblt_decoder *d = NULL;
	assert_int_equal(sz_riblt_decoder_new(&d, b, &bad), SZ_ERR_INVALID);
	assert_null(d);
	sz_riblt_sketch_free(a);
	sz_riblt_sketch_free(b);
}

static void
test_decoder_contradictions(void **state)
{
	(void)state;
	uint8_t x[20], y[20], z[20] = { 0 };
	memset(x, 0xa5, sizeof(x));
	memset(y, 0x3c, sizeof(y));
	uint64_t hx = sz_riblt_hash(key_a, x, 20), hy = sz_riblt_hash(key_a, y, 20);
	sz_riblt_sketch *b = NULL;
	sz_riblt_decoder *d;

	/* Count above the declared set size: malformed. */
	d = small_decoder(&b, NULL, 10, 5);
	assert_int_equal(sz_riblt_decoder_add(d, x, hx, 6), SZ_ERR_MALFORMED);
	sz_riblt_decoder_free(d);
	sz_riblt_sketch_free(b);

	/* A "pure" symbol whose hash does not match is never peeled: not done, no items. */
	d = small_decoder(&b, NULL, 10, 5);
	assert_int_equal(sz_riblt_decoder_add(d, x, hx ^ 1, 1), SZ_OK);
	assert_int_equal(sz_riblt_decoder_run(d), SZ_OK);
	assert_false(sz_riblt_decoder_done(d));
	assert_int_equal(sz_riblt_decoder_count(d), 0);
	sz_riblt_decoder_free(d);
	sz_riblt_sketch_free(b);

	/* The same item twice: the stream is the encoding of {x}, except that one cell x does not
	 * map to carries x as well; once x is peeled, that cell is pure x again. */
	d = small_decoder(&b, NULL, 100, 5);
	uint8_t maps[64] = { 0 };
	sz_riblt_map m;
	sz_riblt_map_init(&m, hx);
	for (uint64_t i = 0; i < 64; i = sz_riblt_map_next(&m))
		maps[i] = 1;
	size_t wrong = 1;
	while (maps[wrong])
		wrong++;
	assert_true(wrong < 64);
	int r = SZ_OK;
	for (size_t i = 0; i < 64 && r == SZ_OK; i++) {
		int carries = maps[i] || i == wrong;
		r = sz_riblt_decoder_add(d, carries ? x : z, carries ? hx : 0, carries ? 1 : 0);
		if (r == SZ_OK)
			r = sz_riblt_decoder_run(d);
		if (i == 0) {
			assert_int_equal(r, SZ_OK);
			assert_true(sz_riblt_decoder_done(d));
		}
	}
	assert_int_equal(r, SZ_ERR_DECODE);
	assert_false(sz_riblt_decoder_done(d));
	sz_riblt_decoder_free(d);
	sz_riblt_sketch_free(b);

	/* "Only the remote has x" while we hold x: the remote's cells count x twice. */
	d = small_decoder(&b, x, 10, 5);
	assert_int_equal(sz_riblt_decoder_add(d, z, 0, 2), SZ_OK);
	assert_int_equal(sz_riblt_decoder_run(d), SZ_ERR_DECODE);
	sz_riblt_decoder_free(d);
	sz_riblt_sketch_free(b);

	/* "Only we have x" while we do not: remote cell = y ^ x with count 0 against local {y}. */
	d = small_decoder(&b, y, 10, 5);
	uint8_t yx[20];
	for (int i = 0; i < 20; i++)
		yx[i] = x[i] ^ y[i];
	assert_int_equal(sz_riblt_decoder_add(d, yx, hx ^ hy, 0), SZ_OK);
	assert_int_equal(sz_riblt_decoder_run(d), SZ_ERR_DECODE);
	sz_riblt_decoder_free(d);
	sz_riblt_sketch_free(b);

	/* Two different symbols with one hash (crafted by someone who knows the key: ~2^32 work)
	 * share every cell and never peel.  Simulated: the remote claims x with y's hash, where we
	 * hold y; every cell of the difference is (x ^ y, 0, 0).  Cell 0 holds the whole remaining
	 * difference, so a zero hash there with anything left fails at once instead of asking for
	 * cells up to the limit.  Tampered: the same stream with x's true hash decodes. */
	for (int honest = 0; honest < 2; honest++) {
		d = small_decoder(&b, y, 1000, 5);
		uint64_t claim = honest ? hx : hy;
		uint8_t on[64] = { 0 };
		sz_riblt_map_init(&m, claim);
		for (uint64_t i = 0; i < 64; i = sz_riblt_map_next(&m))
			on[i] = 1;
		r = SZ_OK;
		size_t i;
		for (i = 0; i < 64 && r == SZ_OK && !sz_riblt_decoder_done(d); i++) {
			r = sz_riblt_decoder_add(d, on[i] ? x : z, on[i] ? claim : 0, on[i] ? 1 : 0);
			if (r == SZ_OK)
				r = sz_riblt_decoder_run(d);
		}
		if (honest) {
			assert_int_equal(r, SZ_OK);
			assert_true(sz_riblt_decoder_done(d));
			assert_int_equal(sz_riblt_decoder_count(d), 2);
		} else {
			assert_int_equal(r, SZ_ERR_DECODE);
			assert_int_equal(i, 1);
		}
		sz_riblt_decoder_free(d);
		sz_riblt_sketch_free(b);
	}

	/* The local set changes mid-session: refused. */
	d = small_decoder(&b, y, 10, 5);
	assert_int_equal(sz_riblt_sketch_add(b, x), SZ_OK);
	assert_int_equal(sz_riblt_decoder_add(d, x, hx, 1), SZ_ERR_STATE);
	sz_riblt_decoder_free(d);
	sz_riblt_sketch_free(b);

	/* Bad limits. */
	sz_riblt_limits bad = { .max_cells = 0, .max_items = 0, .max_count = 1 };
	assert_int_equal(sz_riblt_sketch_new(&b, 20, key_a, 0), SZ_OK);
	d = (sz_riblt_decoder *)1;
	assert_int_equal(sz_riblt_decoder_new(&d, b, &bad), SZ_ERR_INVALID);
	assert_null(d);
	bad.max_cells = SZ_RIBLT_MAX_CELLS + 1;
	assert_int_equal(sz_riblt_decoder_new(&d, b, &bad), SZ_ERR_INVALID);
	sz_riblt_sketch_free(b);
	sz_riblt_decoder_free(NULL);
}

static void
test_decoder_item_limit(void **state)
{
	(void)state;
	/* max_items below the true difference: SZ_ERR_LIMIT, cleanly. */
	sz_env_seeded env;
	sz_env_seeded_init(&env, 4, 0);
	sz_riblt_sketch *a = NULL, *b = NULL;
	assert_int_equal(sz_riblt_sketch_new(&a, 20, key_a, 400), SZ_OK);
	assert_int_equal(sz_riblt_sketch_new(&b, 20, key_a, 0), SZ_OK);
	for (int i = 0; i < 100; i++) {
		uint8_t sym[20];
		rand_sym(&env, sym, 20);
		assert_int_equal(sz_riblt_sketch_add(a, sym), SZ_OK);
	}
	sz_riblt_limits lim = { .max_cells = 400, .max_items = 10, .max_count = 100 };
	sz_riblt_decoder *d = NULL;
	assert_int_equal(sz_riblt_decoder_new(&d, b, &lim), SZ_OK);
	int r = SZ_OK;
	for (size_t i = 0; i < 400 && r == SZ_OK; i++) {
		uint8_t sum[20];
		uint64_t h;
		int64_t c;
		assert_int_equal(sz_riblt_sketch_cell(a, i, sum, &h, &c), SZ_OK);
		r = sz_riblt_decoder_add(d, sum, h, (uint64_t)c);
		if (r == SZ_OK)
			r = sz_riblt_decoder_run(d);
	}
	assert_int_equal(r, SZ_ERR_LIMIT);
	assert_int_equal(sz_riblt_decoder_count(d), 10);
	sz_riblt_decoder_free(d);
	sz_riblt_sketch_free(a);
	sz_riblt_sketch_free(b);
}

static void
test_estimate(void **state)
{
	(void)state;
	/* From 40 coded symbols and the low bytes of 400 more, the difference is estimated within
	 * about 7% (one standard deviation); check a generous 30% over several seeds and splits. */
	const size_t ds[] = { 100, 600, 3000 };
	for (size_t k = 0; k < 3; k++) {
		for (uint64_t seed = 1; seed <= 3; seed++) {
			size_t d = ds[k], da = seed == 1 ? d : d / 3; /* the rest only in b */
			sz_env_seeded env;
			sz_env_seeded_init(&env, 500 + seed + k, 0);
			sz_riblt_sketch *a = NULL, *b = NULL;
			assert_int_equal(sz_riblt_sketch_new(&a, 20, key_a, 440), SZ_OK);
			assert_int_equal(sz_riblt_sketch_new(&b, 20, key_a, 440), SZ_OK);
			for (size_t i = 0; i < 1000 + d; i++) {
				uint8_t sym[20];
				rand_sym(&env, sym, 20);
				if (i < 1000 || i < 1000 + da)
					assert_int_equal(sz_riblt_sketch_add(a, sym), SZ_OK);
				if (i < 1000 || i >= 1000 + da)
					assert_int_equal(sz_riblt_sketch_add(b, sym), SZ_OK);
			}
			sz_riblt_limits lim = { .max_cells = 1000, .max_items = 0, .max_count = 5000 };
			sz_riblt_decoder *dec = NULL;
			assert_int_equal(sz_riblt_decoder_new(&dec, b, &lim), SZ_OK);
			uint8_t low[400];
			for (size_t i = 0; i < 440; i++) {
				uint8_t sum[20];
				uint64_t h;
				int64_t c;
				assert_int_equal(sz_riblt_sketch_cell(a, i, sum, &h, &c), SZ_OK);
				if (i < 40)
					assert_int_equal(sz_riblt_decoder_add(dec, sum, h, (uint64_t)c), SZ_OK);
				else
					low[i - 40] = (uint8_t)c;
			}
			assert_int_equal(sz_riblt_decoder_run(dec), SZ_OK);
			assert_false(sz_riblt_decoder_done(dec));
			double e = sz_riblt_decoder_estimate(dec, low, sizeof(low));
			assert_true(e > 0.7 * d && e < 1.3 * d);
			/* Without the low bytes (39 samples) it is rougher but still in range. */
			double e0 = sz_riblt_decoder_estimate(dec, NULL, 0);
			assert_true(e0 > 0.3 * d && e0 < 3.0 * d);
			sz_riblt_decoder_free(dec);
			sz_riblt_sketch_free(a);
			sz_riblt_sketch_free(b);
		}
	}
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
		cmocka_unit_test(test_decode_many),
		cmocka_unit_test(test_decoder_garbage_hits_limit),
		cmocka_unit_test(test_decoder_check32),
		cmocka_unit_test(test_decoder_contradictions),
		cmocka_unit_test(test_decoder_item_limit),
		cmocka_unit_test(test_estimate),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
