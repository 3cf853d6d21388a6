/*
 * pool_test.c - unit tests of the worker pool (lib/pool.c): every item runs exactly once, an
 * item waited for is finished and its effects visible, jobs follow each other, jobs do not nest.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "lib/pool.h"

typedef struct job {
	size_t n;
	uint64_t *out;          /* written by fn, read by the owner after waiting */
	atomic_uint *runs;      /* how often each item ran */
} job;

static void
square(void *ctx, size_t i)
{
	job *j = ctx;
	volatile uint64_t x = i;
	for (int k = 0; k < 200; k++) /* some work, so workers and owner overlap */
		x = x * 6364136223846793005ull + 1442695040888963407ull;
	j->out[i] = (uint64_t)i * i + (x & 0);
	atomic_fetch_add(&j->runs[i], 1);
}

static void
run_job(sz_pool *p, size_t n, size_t step)
{
	job j = { n, calloc(n ? n : 1, sizeof *j.out), calloc(n ? n : 1, sizeof *j.runs) };
	assert_non_null(j.out);
	assert_non_null(j.runs);
	assert_int_equal(sz_pool_start(p, square, &j, n), SZ_OK);
	/* The owner consumes in order, in steps, as the node's writer does. */
	for (size_t at = 0; at < n; at += step) {
		size_t upto = at + step < n ? at + step : n;
		sz_pool_wait(p, upto);
		for (size_t i = at; i < upto; i++) {
			assert_true(j.out[i] == (uint64_t)i * i);
			assert_int_equal(atomic_load(&j.runs[i]), 1);
		}
	}
	sz_pool_end(p);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(atomic_load(&j.runs[i]), 1);
	free(j.out);
	free(j.runs);
}

static void
test_every_item_once(void **state)
{
	(void)state;
	static const unsigned threads[] = { 0, 1, 2, 4, 9 };
	static const size_t sizes[] = { 0, 1, 7, 8, 9, 100, 4096, 5001 };
	for (size_t t = 0; t < sizeof threads / sizeof threads[0]; t++) {
		sz_pool *p = NULL;
		assert_int_equal(sz_pool_new(&p, threads[t]), SZ_OK);
		assert_non_null(p);
		for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
			run_job(p, sizes[s], 1);
			run_job(p, sizes[s], 64);
			run_job(p, sizes[s], sizes[s] ? sizes[s] : 1);
		}
		sz_pool_free(p);
	}
}

static void
test_jobs_do_not_nest(void **state)
{
	(void)state;
	sz_pool *p = NULL;
	job j = { 16, calloc(16, sizeof *j.out), calloc(16, sizeof *j.runs) };
	assert_int_equal(sz_pool_new(&p, 2), SZ_OK);
	assert_int_equal(sz_pool_start(p, square, &j, 16), SZ_OK);
	assert_int_equal(sz_pool_start(p, square, &j, 16), SZ_ERR_BUSY);
	sz_pool_end(p);
	for (size_t i = 0; i < 16; i++)
		assert_int_equal(atomic_load(&j.runs[i]), 1);
	/* Ended: the next one may start; ending twice, or waiting with no job, does nothing. */
	sz_pool_end(p);
	sz_pool_wait(p, 5);
	run_job(p, 33, 5);
	sz_pool_free(p);
	sz_pool_free(NULL);
	free(j.out);
	free(j.runs);
}

static void
test_end_without_waiting(void **state)
{
	(void)state;
	/* A job ended straight away (an ingest that failed early) still runs every item once
	 * before the pool lets go of the job's memory. */
	sz_pool *p = NULL;
	assert_int_equal(sz_pool_new(&p, 3), SZ_OK);
	for (int rep = 0; rep < 50; rep++) {
		job j = { 300, calloc(300, sizeof *j.out), calloc(300, sizeof *j.runs) };
		assert_int_equal(sz_pool_start(p, square, &j, 300), SZ_OK);
		sz_pool_end(p);
		for (size_t i = 0; i < 300; i++)
			assert_int_equal(atomic_load(&j.runs[i]), 1);
		free(j.out);
		free(j.runs);
	}
	sz_pool_free(p);
}

static void
test_default_threads(void **state)
{
	(void)state;
	setenv("SAMIZDAT_THREADS", "3", 1);
	assert_int_equal(sz_pool_default_threads(), 3);
	setenv("SAMIZDAT_THREADS", "0", 1);
	assert_int_equal(sz_pool_default_threads(), 0);
	setenv("SAMIZDAT_THREADS", "100000", 1);
	assert_int_equal(sz_pool_default_threads(), SZ_POOL_MAX_THREADS);
	setenv("SAMIZDAT_THREADS", "two", 1); /* not a number: one per core */
	unsigned d = sz_pool_default_threads();
	assert_true(d >= 1 && d <= SZ_POOL_MAX_THREADS);
	unsetenv("SAMIZDAT_THREADS");
	assert_int_equal(sz_pool_default_threads(), d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_item_once),
		cmocka_unit_test(test_jobs_do_not_nest),
		cmocka_unit_test(test_end_without_waiting),
		cmocka_unit_test(test_default_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
