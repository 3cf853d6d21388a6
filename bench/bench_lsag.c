/*
 * bench_lsag.c - `make bench`: LSAG sign and verify for rings of 10, 50 and 200 keys, as ratios
 * to n variable-base ristretto255 scalar multiplications (crypto_scalarmult_ristretto255)
 * measured in the same run; also the signature size.  Absolute times are printed for the
 * record (docs/bench/lsag.md), never asserted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/lsag.h"
#include "crypto/pop.h"

static double
now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Seconds for n variable-base scalar multiplications (the best of reps runs). */
static double
base_cost(size_t n, int reps, const uint8_t p[32])
{
	uint8_t s[32], q[32];
	double best = 1e9;
	crypto_core_ristretto255_scalar_random(s);
	for (int k = 0; k < reps; k++) {
		double t0 = now();
		for (size_t i = 0; i < n; i++) {
			if (crypto_scalarmult_ristretto255(q, s, p) != 0)
				exit(1);
			s[0] ^= q[0] & 1; /* keep the loop honest */
			s[31] &= 0x0f;
		}
		double d = now() - t0;
		if (d < best)
			best = d;
	}
	return best;
}

int
main(void)
{
	static const size_t sizes[] = { 10, 50, 200 };
	const sz_env *env = sz_env_default();
	uint8_t t[32], cell[32] = { 1 }, prop[32] = { 2 }, roster[32] = { 3 };
	static const uint8_t msg[] = "benchmark ballot";

	if (sodium_init() < 0 || sz_lsag_tag_base(t, cell, prop, roster, SZ_LSAG_KIND_BALLOT) != SZ_OK)
		return 1;
	printf("%6s %10s %10s %10s %12s %12s %14s\n", "ring", "sig bytes", "sign ms", "verify ms",
	    "sign/n*mul", "verify/n*mul", "n*mul ms");
	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		size_t n = sizes[k], len = SZ_LSAG_SIG_BYTES(n);
		int reps = n >= 200 ? 5 : 20;
		uint8_t (*pk)[32] = malloc(n * 32), (*sk)[32] = malloc(n * 32), *sig = malloc(len);
		if (pk == NULL || sk == NULL || sig == NULL)
			return 1;
		for (size_t i = 0; i < n; i++) {
			if (sz_vote_keygen(pk[i], sk[i], env) != SZ_OK)
				return 1;
		}
		double sign = 1e9, verify = 1e9;
		for (int r = 0; r < reps; r++) {
			size_t me = (size_t)r * 7 % n;
			double t0 = now();
			if (sz_lsag_sign(sig, len, msg, sizeof msg - 1, (const uint8_t(*)[32])pk, n, me,
			    sk[me], t, env) != SZ_OK)
				return 1;
			double t1 = now();
			if (sz_lsag_verify(sig, len, msg, sizeof msg - 1, (const uint8_t(*)[32])pk, n, t,
			    NULL) != SZ_OK)
				return 1;
			double t2 = now();
			if (t1 - t0 < sign)
				sign = t1 - t0;
			if (t2 - t1 < verify)
				verify = t2 - t1;
		}
		double base = base_cost(n, reps, pk[0]);
		printf("%6zu %10zu %10.2f %10.2f %12.2f %12.2f %14.2f\n", n, len, sign * 1e3,
		    verify * 1e3, sign / base, verify / base, base * 1e3);
		if (n == 200)
			printf("target: verify at n = 200 <= 50 ms: %.1f ms (%.0f%% of the budget)\n",
			    verify * 1e3, verify * 1e3 / 50.0 * 100.0);
		sodium_memzero(sk, n * 32);
		free(pk);
		free(sk);
		free(sig);
	}
	return 0;
}
