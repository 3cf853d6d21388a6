/*
 * h2c.h - hashing to ristretto255: expand_message_xmd (RFC 9380 §5.3.1, §5.3.3), hash_to_group
 * and hash_to_scalar as RFC 9497's ristretto255-SHA512 suite defines them.
 * Layer: crypto.  Every challenge, tag base and derived key of the ballot code is hashed here.
 */
#ifndef SZ_CRYPTO_H2C_H
#define SZ_CRYPTO_H2C_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"

#define SZ_H2C_MAX_LEN 65535        /* RFC 9380 §5.3.1: len_in_bytes <= 65535 ... */
#define SZ_H2C_MAX_ELL 255          /* ... and ell = ceil(len_in_bytes / b_in_bytes) <= 255 */
#define SZ_H2C_MAX_SHORT_DST 255    /* longer DSTs are first hashed (§5.3.3) */
#define SZ_H2C_UNIFORM_BYTES 64     /* what hash_to_group and hash_to_scalar expand to */

/* A streaming expand_message_xmd: init, absorb msg in any number of pieces, final.  The state is
 * a plain value: copying it (struct assignment) forks the computation, which is how a transcript
 * prefix shared by many challenges is hashed once.  Only SHA-256 and SHA-512 are supported. */
typedef struct sz_xmd {
	sz_hash_alg alg;
	union {
		crypto_hash_sha256_state sha256;
		crypto_hash_sha512_state sha512;
	} h;
} sz_xmd;

/* Start an expansion with hash alg (SZ_HASH_SHA256 or SZ_HASH_SHA512; else SZ_ERR_INVALID). */
SZ_MUST_CHECK int sz_xmd_init(sz_xmd *x, sz_hash_alg alg);
/* Absorb the next n bytes of msg. */
void sz_xmd_update(sz_xmd *x, const uint8_t *p, size_t n);
/* Write len bytes of expand_message_xmd(msg, dst, len) to out and wipe the state.  dst must be
 * non-empty; a dst longer than 255 bytes is replaced by H("H2C-OVERSIZE-DST-" || dst) (§5.3.3).
 * Errors: SZ_ERR_INVALID (len == 0, empty dst), SZ_ERR_TOO_LARGE (len > 65535 or
 * ceil(len / hash length) > 255); out is then zero-filled. */
SZ_MUST_CHECK int sz_xmd_final(sz_xmd *x, uint8_t *out, size_t len, const uint8_t *dst,
    size_t dstlen);

/* One-shot expand_message_xmd(msg, dst, len) with hash alg (RFC 9380 §5.3.1); errors as above,
 * and SZ_ERR_INVALID for msg == NULL with msglen > 0 (also for the two functions below). */
SZ_MUST_CHECK int sz_h2c_expand_xmd(sz_hash_alg alg, uint8_t *out, size_t len, const uint8_t *msg,
    size_t msglen, const uint8_t *dst, size_t dstlen);

/* Finish a SHA-512 expansion as hash_to_group: out = ristretto255 element derivation
 * (RFC 9496 §4.3.4) of expand_message_xmd(msg, dst, 64).  The state is wiped. */
SZ_MUST_CHECK int sz_xmd_final_group(sz_xmd *x, uint8_t out[static 32], const uint8_t *dst,
    size_t dstlen);
/* Finish a SHA-512 expansion as hash_to_scalar: out = expand_message_xmd(msg, dst, 64) read as a
 * little-endian integer, reduced mod L (a canonical scalar).  The state is wiped. */
SZ_MUST_CHECK int sz_xmd_final_scalar(sz_xmd *x, uint8_t out[static 32], const uint8_t *dst,
    size_t dstlen);

/* One-shot hash_to_group and hash_to_scalar over SHA-512 (RFC 9497 §4.1's ristretto255-SHA512
 * HashToGroup and HashToScalar, with the DST given explicitly). */
SZ_MUST_CHECK int sz_h2c_hash_to_group(uint8_t out[static 32], const uint8_t *msg, size_t msglen,
    const uint8_t *dst, size_t dstlen);
SZ_MUST_CHECK int sz_h2c_hash_to_scalar(uint8_t out[static 32], const uint8_t *msg,
    size_t msglen, const uint8_t *dst, size_t dstlen);

#endif /* SZ_CRYPTO_H2C_H */
