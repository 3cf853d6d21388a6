/*
 * ristretto.h - thin, checked wrappers over libsodium's ristretto255 group (RFC 9496).
 * Layer: crypto.  The ballot code (LSAG, DLEQ, proofs of possession) does its group arithmetic
 * here, so that encodings are validated and scalars checked canonical in one place.
 */
#ifndef SZ_CRYPTO_RISTRETTO_H
#define SZ_CRYPTO_RISTRETTO_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"
#include "lib/env.h"

#define SZ_RIST_BYTES 32         /* an encoded element (RFC 9496 §4.3.2) */
#define SZ_RIST_SCALAR_BYTES 32  /* a scalar mod L, little-endian, canonical (< L) */

/* 1 if p is the canonical encoding of a ristretto255 element, the identity included; else 0. */
SZ_MUST_CHECK int sz_rist_is_element(const uint8_t p[static SZ_RIST_BYTES]);
/* 1 if p is the canonical encoding of an element other than the identity (what every public key,
 * tag and tag base must be); else 0. */
SZ_MUST_CHECK int sz_rist_is_valid_point(const uint8_t p[static SZ_RIST_BYTES]);
/* 1 if the 32 little-endian bytes s encode an integer below the group order L (constant time);
 * 0 for any s >= L, which samizdat never accepts. */
SZ_MUST_CHECK int sz_rist_scalar_is_canonical(const uint8_t s[static SZ_RIST_SCALAR_BYTES]);
/* 1 if s is the zero scalar (constant time). */
SZ_MUST_CHECK int sz_rist_scalar_is_zero(const uint8_t s[static SZ_RIST_SCALAR_BYTES]);

/* s = a uniformly random non-zero scalar: 64 bytes from env reduced mod L (bias < 2^-250).
 * A zero draw (probability 2^-252 from a real generator) is retried; SZ_ERR_INTERNAL (s zeroed)
 * if env gives zero 8 times in a row, so a broken generator fails instead of hanging. */
SZ_MUST_CHECK int sz_rist_scalar_random(uint8_t s[static SZ_RIST_SCALAR_BYTES],
    const sz_env *env);

/* out = s·G.  s must be canonical (else SZ_ERR_NONCANONICAL, out zeroed); s = 0 gives the
 * identity encoding (32 zero bytes). */
SZ_MUST_CHECK int sz_rist_base(uint8_t out[static SZ_RIST_BYTES],
    const uint8_t s[static SZ_RIST_SCALAR_BYTES]);
/* out = s·P for any valid element P (the identity included) and canonical s.  Errors:
 * SZ_ERR_NONCANONICAL (s >= L), SZ_ERR_CRYPTO (P is not a valid encoding); out is then zeroed.
 * A zero product is returned as the identity encoding, not as an error. */
SZ_MUST_CHECK int sz_rist_mul(uint8_t out[static SZ_RIST_BYTES],
    const uint8_t s[static SZ_RIST_SCALAR_BYTES], const uint8_t p[static SZ_RIST_BYTES]);
/* out = p + q, out = p - q.  SZ_ERR_CRYPTO (out zeroed) if either is not a valid encoding. */
SZ_MUST_CHECK int sz_rist_add(uint8_t out[static SZ_RIST_BYTES],
    const uint8_t p[static SZ_RIST_BYTES], const uint8_t q[static SZ_RIST_BYTES]);
SZ_MUST_CHECK int sz_rist_sub(uint8_t out[static SZ_RIST_BYTES],
    const uint8_t p[static SZ_RIST_BYTES], const uint8_t q[static SZ_RIST_BYTES]);
/* out = a·P + b·Q (P, Q valid elements; a, b canonical).  Errors as sz_rist_mul. */
SZ_MUST_CHECK int sz_rist_mul2(uint8_t out[static SZ_RIST_BYTES],
    const uint8_t a[static SZ_RIST_SCALAR_BYTES], const uint8_t p[static SZ_RIST_BYTES],
    const uint8_t b[static SZ_RIST_SCALAR_BYTES], const uint8_t q[static SZ_RIST_BYTES]);
/* out = a·G + b·Q, using the faster fixed-base multiplication for G.  Errors as sz_rist_mul. */
SZ_MUST_CHECK int sz_rist_base_mul(uint8_t out[static SZ_RIST_BYTES],
    const uint8_t a[static SZ_RIST_SCALAR_BYTES], const uint8_t b[static SZ_RIST_SCALAR_BYTES],
    const uint8_t q[static SZ_RIST_BYTES]);

#endif /* SZ_CRYPTO_RISTRETTO_H */
