/*
 * backoff.c - the automatic sync's waits (see backoff.h).  Layer: lib.
 */
#include "lib/backoff.h"

/* A uniform value in [lo, hi] (hi >= lo) from r. */
static uint64_t
between(uint64_t lo, uint64_t hi, uint32_t r)
{
	return hi <= lo ? lo : lo + (uint64_t)r % (hi - lo + 1);
}

uint64_t
sz_backoff_idle_ms(uint64_t period_ms, uint32_t streak, uint32_t cap, uint32_t r)
{
	uint64_t m = 1;
	if (cap < 1)
		cap = 1;
	for (uint32_t k = 0; k < streak && k < SZ_BACKOFF_STREAK_MAX && m < cap; k++)
		m *= 2;
	if (m > cap)
		m = cap;
	uint64_t b = period_ms * m;
	uint64_t w = between(b - b / 4, b + b / 4, r);
	return w > 0 ? w : 1;
}

uint32_t
sz_backoff_idle_start(uint32_t cap)
{
	uint32_t k = 0;
	while (k < SZ_BACKOFF_STREAK_MAX && (1ull << k) < cap)
		k++;
	return k > 0 ? k - 1 : 0;
}

uint64_t
sz_backoff_fail_ms(uint64_t min_ms, uint64_t max_ms, uint32_t fails, uint32_t r)
{
	uint64_t b = min_ms;
	for (uint32_t k = 1; k < fails && b < max_ms; k++)
		b *= 2;
	if (b > max_ms)
		b = max_ms;
	return between(b / 2, b, r);
}

uint64_t
sz_backoff_push_ms(uint64_t push_ms, uint32_t r)
{
	return between(push_ms / 4, push_ms, r);
}
