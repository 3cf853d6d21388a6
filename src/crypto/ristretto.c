/*
 * ristretto.c - checked ristretto255 group operations over libsodium (see ristretto.h).
 * Layer: crypto.  libsodium 1.0.18 reports an identity result as an error and silently ignores
 * the top bit of scalars; these wrappers make both explicit.
 */
#include "crypto/ristretto.h"

#include <string.h>

/* L = 2^252 + 27742317777372353535851937790883648493, little-endian (RFC 9496 §4.1). */
static const uint8_t group_order[SZ_RIST_SCALAR_BYTES] = {
	0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
};

int
sz_rist_is_element(const uint8_t p[static SZ_RIST_BYTES])
{
	return crypto_core_ristretto255_is_valid_point(p) == 1;
}

int
sz_rist_is_valid_point(const uint8_t p[static SZ_RIST_BYTES])
{
	/* The identity encodes as 32 zero bytes and only so (RFC 9496 §4.3.2: s = 0). */
	return crypto_core_ristretto255_is_valid_point(p) == 1 && !sodium_is_zero(p, SZ_RIST_BYTES);
}

int
sz_rist_scalar_is_canonical(const uint8_t s[static SZ_RIST_SCALAR_BYTES])
{
	/* s < L iff computing s - L borrows out of the top byte. */
	unsigned borrow = 0;
	for (size_t i = 0; i < SZ_RIST_SCALAR_BYTES; i++) {
		unsigned d = (unsigned)s[i] - (unsigned)group_order[i] - borrow;
		borrow = (d >> 8) & 1u;
	}
	return (int)borrow;
}

int
sz_rist_scalar_is_zero(const uint8_t s[static SZ_RIST_SCALAR_BYTES])
{
	return sodium_is_zero(s, SZ_RIST_SCALAR_BYTES);
}

int
sz_rist_scalar_random(uint8_t s[static SZ_RIST_SCALAR_BYTES], const sz_env *env)
{
	uint8_t wide[crypto_core_ristretto255_NONREDUCEDSCALARBYTES];
	for (int tries = 0; tries < 8; tries++) {
		sz_random(env, wide, sizeof wide);
		crypto_core_ristretto255_scalar_reduce(s, wide);
		if (!sz_rist_scalar_is_zero(s)) {
			sz_wipe(wide, sizeof wide);
			return SZ_OK;
		}
	}
	sz_wipe(wide, sizeof wide);
	return SZ_ERR_INTERNAL;
}

int
sz_rist_base(uint8_t out[static SZ_RIST_BYTES], const uint8_t s[static SZ_RIST_SCALAR_BYTES])
{
	if (!sz_rist_scalar_is_canonical(s)) {
		memset(out, 0, SZ_RIST_BYTES);
		return SZ_ERR_NONCANONICAL;
	}
	/* Fails only when the product is the identity, i.e. s = 0 (s < L, G of prime order L). */
	if (crypto_scalarmult_ristretto255_base(out, s) != 0)
		memset(out, 0, SZ_RIST_BYTES);
	return SZ_OK;
}

int
sz_rist_mul(uint8_t out[static SZ_RIST_BYTES], const uint8_t s[static SZ_RIST_SCALAR_BYTES],
    const uint8_t p[static SZ_RIST_BYTES])
{
	if (!sz_rist_scalar_is_canonical(s)) {
		memset(out, 0, SZ_RIST_BYTES);
		return SZ_ERR_NONCANONICAL;
	}
	if (crypto_scalarmult_ristretto255(out, s, p) == 0)
		return SZ_OK;
	memset(out, 0, SZ_RIST_BYTES);
	/* libsodium fails for an invalid p and for an identity product (s = 0 or p = identity). */
	return sz_rist_is_element(p) ? SZ_OK : SZ_ERR_CRYPTO;
}

int
sz_rist_add(uint8_t out[static SZ_RIST_BYTES], const uint8_t p[static SZ_RIST_BYTES],
    const uint8_t q[static SZ_RIST_BYTES])
{
	if (crypto_core_ristretto255_add(out, p, q) == 0)
		return SZ_OK;
	memset(out, 0, SZ_RIST_BYTES);
	return SZ_ERR_CRYPTO;
}

int
sz_rist_sub(uint8_t out[static SZ_RIST_BYTES], const uint8_t p[static SZ_RIST_BYTES],
    const uint8_t q[static SZ_RIST_BYTES])
{
	if (crypto_core_ristretto255_sub(out, p, q) == 0)
		return SZ_OK;
	memset(out, 0, SZ_RIST_BYTES);
	return SZ_ERR_CRYPTO;
}

int
sz_rist_mul2(uint8_t out[static SZ_RIST_BYTES], const uint8_t a[static SZ_RIST_SCALAR_BYTES],
    const uint8_t p[static SZ_RIST_BYTES], const uint8_t b[static SZ_RIST_SCALAR_BYTES],
    const uint8_t q[static SZ_RIST_BYTES])
{
	uint8_t ap[SZ_RIST_BYTES], bq[SZ_RIST_BYTES];
	int r;

	if ((r = sz_rist_mul(ap, a, p)) == SZ_OK && (r = sz_rist_mul(bq, b, q)) == SZ_OK)
		r = sz_rist_add(out, ap, bq);
	else
		memset(out, 0, SZ_RIST_BYTES);
	sz_wipe(ap, sizeof ap);
	sz_wipe(bq, sizeof bq);
	return r;
}

int
sz_rist_base_mul(uint8_t out[static SZ_RIST_BYTES], const uint8_t a[static SZ_RIST_SCALAR_BYTES],
    const uint8_t b[static SZ_RIST_SCALAR_BYTES], const uint8_t q[static SZ_RIST_BYTES])
{
	uint8_t ag[SZ_RIST_BYTES], bq[SZ_RIST_BYTES];
	int r;

	if ((r = sz_rist_base(ag, a)) == SZ_OK && (r = sz_rist_mul(bq, b, q)) == SZ_OK)
		r = sz_rist_add(out, ag, bq);
	else
		memset(out, 0, SZ_RIST_BYTES);
	sz_wipe(ag, sizeof ag);
	sz_wipe(bq, sizeof bq);
	return r;
}
