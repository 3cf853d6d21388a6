/*
 * backoff_test.c - unit tests of the automatic sync's waits (lib/backoff.c): the idle wait doubles
 * up to its cap and stays within +-25 % of it, over the whole range of the random word; a new
 * target starts one idle session short of the cap; the failure wait and a push's delay stay within their bounds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lib/backoff.h"

static uint32_t
next(uint64_t *st)
{
	*st = *st * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*st >> 32);
}

static void
test_idle(void **state)
{
	(void)state;
	uint64_t st = 1;
	const uint64_t p = 60000;
	for (uint32_t cap = 1; cap <= 64; cap *= 2)
		for (uint32_t k = 0; k <= SZ_BACKOFF_STREAK_MAX + 3; k++) {
			uint64_t m = k >= 31 ? cap : (1ull << k) < cap ? 1ull << k : cap;
			uint64_t b = p * m, lo = UINT64_MAX, hi = 0;
			for (int i = 0; i < 4000; i++) {
				uint64_t w = sz_backoff_idle_ms(p, k, cap, next(&st));
				lo = w < lo ? w : lo;
				hi = w > hi ? w : hi;
			}
			assert_true(lo >= b - b / 4 && hi <= b + b / 4);
			/* the jitter spans the range: both ends come within 2 % of it */
			assert_true(lo <= b - b / 4 + b / 50 && hi + b / 50 >= b + b / 4);
		}
	/* the extremes of the random word */
	assert_int_equal(sz_backoff_idle_ms(p, 0, 32, 0), p - p / 4);
	assert_true(sz_backoff_idle_ms(p, 40, 32, UINT32_MAX) <= 32 * p + 8 * p);
	assert_int_equal(sz_backoff_idle_ms(p, 3, 0, 0), p - p / 4); /* cap 0 is 1 */
	assert_true(sz_backoff_idle_ms(1, 0, 1, 0) >= 1);            /* never 0 */
	/* a new target: one idle session short of the cap */
	const uint32_t caps[] = { 1, 2, 3, 4, 8, 32, 33, 1u << 20 }, start[] = { 0, 0, 1, 1, 2, 4, 5,
		SZ_BACKOFF_STREAK_MAX - 1 };
	for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
		uint32_t k = sz_backoff_idle_start(caps[i]);
		assert_int_equal(k, start[i]);
		/* its first idle session reaches the cap (up to 2^STREAK_MAX) */
		uint64_t c = caps[i] < (1u << SZ_BACKOFF_STREAK_MAX) ? caps[i] : 1u << SZ_BACKOFF_STREAK_MAX;
		assert_int_equal(sz_backoff_idle_ms(4, k + 1, caps[i], 0), 4 * c - c);
	}
}

static void
test_fail_and_push(void **state)
{
	(void)state;
	uint64_t st = 2;
	const uint64_t want[] = { 5000, 10000, 20000, 40000, 40000 };
	for (uint32_t f = 1; f <= 5; f++)
		for (int i = 0; i < 1000; i++) {
			uint64_t w = sz_backoff_fail_ms(5000, 40000, f, next(&st));
			assert_true(w >= want[f - 1] / 2 && w <= want[f - 1]);
		}
	for (int i = 0; i < 1000; i++) {
		uint64_t w = sz_backoff_push_ms(1000, next(&st));
		assert_true(w >= 250 && w <= 1000);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idle),
		cmocka_unit_test(test_fail_and_push),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
