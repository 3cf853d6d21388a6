/*
 * env.h - the outside world as the core sees it: randomness and the clock, injected.
 * Layer: lib.  Protocol state machines take an sz_env so tests replay them deterministically
 * (c-toxcore passes Random and Mono_Time the same way).  sz_env_default() uses libsodium's CSPRNG
 * and the system clock; sz_env_seeded() gives a deterministic stream for tests and fuzzers only.
 */
#ifndef SZ_LIB_ENV_H
#define SZ_LIB_ENV_H

#include <stddef.h>
#include <stdint.h>

typedef struct sz_env {
	/* Fill out with n random bytes.  Must not fail. */
	void (*random)(void *ctx, uint8_t *out, size_t n);
	/* Wall-clock time in milliseconds since the Unix epoch. */
	uint64_t (*now_ms)(void *ctx);
	/* Monotonic time in milliseconds (for timeouts). */
	uint64_t (*mono_ms)(void *ctx);
	void *ctx;
} sz_env;

/* The real world: randombytes_buf and clock_gettime.  Returns a pointer to a static object. */
const sz_env *sz_env_default(void);

/* A deterministic world for tests: a ChaCha20 stream keyed by seed, and a clock that starts at
 * start_ms and advances only through sz_env_seeded_advance. */
typedef struct sz_env_seeded {
	sz_env env;
	uint8_t key[32];
	uint64_t counter;
	uint64_t now;
} sz_env_seeded;

void sz_env_seeded_init(sz_env_seeded *s, uint64_t seed, uint64_t start_ms);
void sz_env_seeded_advance(sz_env_seeded *s, uint64_t ms);

/* Convenience wrappers. */
static inline void
sz_random(const sz_env *e, void *out, size_t n)
{
	e->random(e->ctx, (uint8_t *)out, n);
}
static inline uint64_t
sz_now_ms(const sz_env *e)
{
	return e->now_ms(e->ctx);
}
static inline uint64_t
sz_mono_ms(const sz_env *e)
{
	return e->mono_ms(e->ctx);
}
/* A uniform integer in [0, bound) (bound > 0), without modulo bias. */
uint32_t sz_random_uniform(const sz_env *e, uint32_t bound);

#endif /* SZ_LIB_ENV_H */
