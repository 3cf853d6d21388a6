/*
 * env.c - default and seeded environments (see env.h).
 * Layer: lib.
 */
#include "lib/env.h"

#include <sodium.h>
#include <string.h>
#include <time.h>

static void
real_random(void *ctx, uint8_t *out, size_t n)
{
	(void)ctx;
	randombytes_buf(out, n);
}

static uint64_t
clock_ms(clockid_t id)
{
	struct timespec ts;
	if (clock_gettime(id, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t
real_now(void *ctx)
{
	(void)ctx;
	return clock_ms(CLOCK_REALTIME);
}

static uint64_t
real_mono(void *ctx)
{
	(void)ctx;
	return clock_ms(CLOCK_MONOTONIC);
}

static const sz_env default_env = { real_random, real_now, real_mono, NULL };

const sz_env *
sz_env_default(void)
{
	return &default_env;
}

static void
seeded_random(void *ctx, uint8_t *out, size_t n)
{
	sz_env_seeded *s = ctx;
	uint8_t nonce[crypto_stream_chacha20_NONCEBYTES] = { 0 };
	/* One fresh nonce per call: the stream never repeats and calls are independent. */
	for (size_t i = 0; i < sizeof nonce; i++)
		nonce[i] = (uint8_t)(s->counter >> (8 * i));
	s->counter++;
	crypto_stream_chacha20(out, n, nonce, s->key);
}

static uint64_t
seeded_now(void *ctx)
{
	return ((sz_env_seeded *)ctx)->now;
}

void
sz_env_seeded_init(sz_env_seeded *s, uint64_t seed, uint64_t start_ms)
{
	memset(s, 0, sizeof *s);
	for (int i = 0; i < 8; i++)
		s->key[i] = (uint8_t)(seed >> (8 * i));
	s->now = start_ms;
	s->env.random = seeded_random;
	s->env.now_ms = seeded_now;
	s->env.mono_ms = seeded_now;
	s->env.ctx = s;
}

void
sz_env_seeded_advance(sz_env_seeded *s, uint64_t ms)
{
	s->now += ms;
}

uint32_t
sz_random_uniform(const sz_env *e, uint32_t bound)
{
	if (bound < 2)
		return 0;
	uint32_t min = (uint32_t)(-bound) % bound;
	for (;;) {
		uint32_t v;
		sz_random(e, &v, sizeof v);
		if (v >= min)
			return v % bound;
	}
}
