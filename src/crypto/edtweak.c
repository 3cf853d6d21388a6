/*
 * edtweak.c - Ed25519 signing with an additively tweaked key (see edtweak.h).  Layer: crypto.
 * Built from libsodium's scalar and point primitives; verification is libsodium's own
 * (sz_verify), so a tweaked signature is an ordinary Ed25519 signature under A + t·B.
 */
#include "crypto/edtweak.h"

#include <string.h>

static const uint8_t TWEAK_CTX[] = "samizdat ed25519 tweak v1";       /* NUL included */
static const uint8_t NONCE_CTX[] = "samizdat ed25519 tweak nonce v1"; /* NUL included */

/* x mod L of a 64-byte little-endian integer. */
static void
reduce64(uint8_t out[32], const uint8_t in[64])
{
	uint8_t t[64];
	memcpy(t, in, 64);
	crypto_core_ed25519_scalar_reduce(out, t);
	sodium_memzero(t, sizeof t);
}

/* 1 if s < L. */
static int
canonical(const uint8_t s[32])
{
	uint8_t wide[64] = { 0 }, red[32];
	memcpy(wide, s, 32);
	crypto_core_ed25519_scalar_reduce(red, wide);
	int ok = sodium_memcmp(red, s, 32) == 0;
	sodium_memzero(wide, sizeof wide);
	sodium_memzero(red, sizeof red);
	return ok;
}

int
sz_edtweak_scalar(uint8_t t[static SZ_TWEAK_BYTES], const uint8_t *in, size_t len)
{
	crypto_hash_sha512_state st;
	uint8_t h[64];
	if (crypto_hash_sha512_init(&st) != 0 ||
	    crypto_hash_sha512_update(&st, TWEAK_CTX, sizeof TWEAK_CTX) != 0 ||
	    (len > 0 && crypto_hash_sha512_update(&st, in, len) != 0) ||
	    crypto_hash_sha512_final(&st, h) != 0) {
		memset(t, 0, SZ_TWEAK_BYTES);
		return SZ_ERR_INTERNAL;
	}
	reduce64(t, h);
	sodium_memzero(h, sizeof h);
	return SZ_OK;
}

int
sz_edtweak_pk(uint8_t out[static 32], const uint8_t pk[static 32],
    const uint8_t t[static SZ_TWEAK_BYTES])
{
	uint8_t tb[32];
	if (!canonical(t))
		goto bad;
	if (sodium_is_zero(t, SZ_TWEAK_BYTES)) { /* t·B is the identity: A' = A, if A decodes */
		if (crypto_core_ed25519_is_valid_point(pk) != 1)
			goto bad;
		memcpy(out, pk, 32);
		return SZ_OK;
	}
	if (crypto_scalarmult_ed25519_base_noclamp(tb, t) != 0 ||
	    crypto_core_ed25519_add(out, pk, tb) != 0)
		goto bad;
	return SZ_OK;
bad:
	memset(out, 0, 32);
	return SZ_ERR_CRYPTO;
}

int
sz_edtweak_sign_expanded(uint8_t sig[static 64], const uint8_t *msg, size_t len,
    const uint8_t s[static 32], const uint8_t prefix[static 32], const uint8_t pk[static 32])
{
	crypto_hash_sha512_state st;
	uint8_t h[64], r[32], k[32], ks[32], sr[32];
	int rc = SZ_ERR_INTERNAL;
	/* the scalar mod L: the clamped scalar of RFC 8032 is above L */
	uint8_t wide[64] = { 0 };
	memcpy(wide, s, 32);
	crypto_core_ed25519_scalar_reduce(sr, wide);
	/* r = SHA-512(prefix || M) mod L;  R = r·B */
	if (crypto_hash_sha512_init(&st) != 0 || crypto_hash_sha512_update(&st, prefix, 32) != 0 ||
	    (len > 0 && crypto_hash_sha512_update(&st, msg, len) != 0) ||
	    crypto_hash_sha512_final(&st, h) != 0)
		goto out;
	reduce64(r, h);
	if (crypto_scalarmult_ed25519_base_noclamp(sig, r) != 0) /* r = 0: probability 2^-252 */
		goto out;
	/* k = SHA-512(R || A || M) mod L;  S = r + k·s mod L */
	if (crypto_hash_sha512_init(&st) != 0 || crypto_hash_sha512_update(&st, sig, 32) != 0 ||
	    crypto_hash_sha512_update(&st, pk, 32) != 0 ||
	    (len > 0 && crypto_hash_sha512_update(&st, msg, len) != 0) ||
	    crypto_hash_sha512_final(&st, h) != 0)
		goto out;
	reduce64(k, h);
	crypto_core_ed25519_scalar_mul(ks, k, sr);
	crypto_core_ed25519_scalar_add(sig + 32, r, ks);
	rc = SZ_OK;
out:
	if (rc != SZ_OK)
		memset(sig, 0, 64);
	sodium_memzero(&st, sizeof st);
	sodium_memzero(h, sizeof h);
	sodium_memzero(r, sizeof r);
	sodium_memzero(ks, sizeof ks);
	sodium_memzero(sr, sizeof sr);
	sodium_memzero(wide, sizeof wide);
	return rc;
}

int
sz_edtweak_sign(uint8_t sig[static 64], uint8_t pk_out[static 32], const uint8_t *msg,
    size_t len, const uint8_t sk[static 64], const uint8_t t[static SZ_TWEAK_BYTES])
{
	crypto_hash_sha512_state st;
	uint8_t az[64], wide[64] = { 0 }, a[32], at[32], z[64];
	int rc = SZ_ERR_CRYPTO;
	memset(sig, 0, 64);
	memset(pk_out, 0, 32);
	if (!canonical(t))
		goto out;
	rc = SZ_ERR_INTERNAL;
	/* RFC 8032 §5.1.5: (a, prefix) from the seed; a is clamped, then taken mod L */
	if (crypto_hash_sha512(az, sk, 32) != 0)
		goto out;
	az[0] &= 248;
	az[31] &= 127;
	az[31] |= 64;
	memcpy(wide, az, 32);
	crypto_core_ed25519_scalar_reduce(a, wide);
	crypto_core_ed25519_scalar_add(at, a, t);
	/* prefix' = SHA-512(context || prefix || t)[0..32]: each tweak has its own nonces, so no two
	 * signatures under different tweaks can share r (which would give the key away) */
	if (crypto_hash_sha512_init(&st) != 0 ||
	    crypto_hash_sha512_update(&st, NONCE_CTX, sizeof NONCE_CTX) != 0 ||
	    crypto_hash_sha512_update(&st, az + 32, 32) != 0 ||
	    crypto_hash_sha512_update(&st, t, SZ_TWEAK_BYTES) != 0 ||
	    crypto_hash_sha512_final(&st, z) != 0)
		goto out;
	/* A' = (a + t)·B; a + t = 0 (probability 2^-252) fails here */
	if (crypto_scalarmult_ed25519_base_noclamp(pk_out, at) != 0)
		goto out;
	rc = sz_edtweak_sign_expanded(sig, msg, len, at, z, pk_out);
out:
	if (rc != SZ_OK) {
		memset(sig, 0, 64);
		memset(pk_out, 0, 32);
	}
	sodium_memzero(&st, sizeof st);
	sodium_memzero(az, sizeof az);
	sodium_memzero(wide, sizeof wide);
	sodium_memzero(a, sizeof a);
	sodium_memzero(at, sizeof at);
	sodium_memzero(z, sizeof z);
	return rc;
}
