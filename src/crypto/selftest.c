/*
 * selftest.c - run-time known-answer checks of the crypto core (see selftest.h).
 * Layer: crypto.  One check per primitive, each with its tampered cases, taken from the same
 * kat.c tables the unit tests run in full (no vector is written twice).
 */
#include "crypto/selftest.h"

#include "crypto/kat.h"

/* Report one check under the vector's own name; count it when it failed. */
static int
one(sz_selftest_report report, void *ctx, const char *name, int r)
{
	report(ctx, name, r == SZ_OK);
	return r != SZ_OK;
}

int
sz_crypto_selftest(sz_selftest_report report, void *ctx)
{
	int failed = 0;

	/* TEST 2 has a message (TEST 1 is empty) and is short enough to read in the RFC. */
	failed += one(report, ctx, sz_kat_ed25519_tab[1].name,
	    sz_kat_check_ed25519(&sz_kat_ed25519_tab[1], NULL));
	failed += one(report, ctx, sz_kat_x25519_tab[0].name,
	    sz_kat_check_x25519(&sz_kat_x25519_tab[0], NULL));
	failed += one(report, ctx, sz_kat_x25519_dh_tab[0].name,
	    sz_kat_check_x25519_dh(&sz_kat_x25519_dh_tab[0], NULL));
	/* The table ends with test case 7 (a key longer than the block) for SHA-256, SHA-512. */
	for (size_t i = sz_kat_hmac_n - 2; i < sz_kat_hmac_n; i++)
		failed += one(report, ctx, sz_kat_hmac_tab[i].name,
		    sz_kat_check_hmac(&sz_kat_hmac_tab[i], NULL));
	failed += one(report, ctx, sz_kat_hkdf_tab[0].name,
	    sz_kat_check_hkdf(&sz_kat_hkdf_tab[0], NULL));
	for (size_t i = 0; i < sz_kat_aead_n; i++)
		failed += one(report, ctx, sz_kat_aead_tab[i].name,
		    sz_kat_check_aead(&sz_kat_aead_tab[i], NULL));
	failed += one(report, ctx, sz_kat_blake2b_tab[0].name,
	    sz_kat_check_blake2b(&sz_kat_blake2b_tab[0], NULL));
	return failed;
}
