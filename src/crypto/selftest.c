/*
 * selftest.c - run-time known-answer checks of the crypto core (see selftest.h).
 * Layer: crypto.
 */
#include "crypto/selftest.h"

#include <string.h>

#include "crypto/crypto.h"

int
sz_crypto_selftest(sz_selftest_report report, void *ctx)
{
	int failed = 0;
	uint8_t pk[32], sk[64], sig[64], seed[32] = { 1 };
	const uint8_t msg[] = "samizdat";
	int ok = sz_sign_seed_keypair(pk, sk, seed) == SZ_OK && sz_sign(sig, msg, 8, sk) == SZ_OK &&
	    sz_verify(sig, msg, 8, pk) == SZ_OK;
	sig[0] ^= 1;
	ok = ok && sz_verify(sig, msg, 8, pk) == SZ_ERR_BAD_SIGNATURE;
	report(ctx, "Ed25519 sign, verify, reject a tampered signature", ok);
	failed += !ok;
	sz_wipe(sk, sizeof sk);
	return failed;
}
