/*
 * riblt_decoder_test.c - unit tests of the Rateless IBLT peeling decoder (recon/riblt_decoder.c):
 * decoding of many (N, d), 32-bit checks, garbage and contradicting streams, the item limit and
 * the difference estimator.
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

static const uint8_t key_a[SZ_RIBLT_KEY_BYTES] = { 7, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };

static int
setup(void **state)
{
	(void)state;
	return sz_init() == SZ_OK ? 0 : -1;
}

static void
rand_sym(sz_env_seeded *env, uint8_t *sym, size_t w)
{
	sz_random(&env->env, sym, w);
}

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
		cmocka_unit_test(test_decode_many),
		cmocka_unit_test(test_decoder_garbage_hits_limit),
		cmocka_unit_test(test_decoder_check32),
		cmocka_unit_test(test_decoder_contradictions),
		cmocka_unit_test(test_decoder_item_limit),
		cmocka_unit_test(test_estimate),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
