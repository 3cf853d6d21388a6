/*
 * edtweak.h - Ed25519 keys shifted by a public scalar (an additive key tweak): A' = A + t·B,
 * a' = a + t mod L.  A signature under A' by the holder of A proves that holder endorsed
 * whatever statement t was hashed from, at the price of one signature it makes anyway.
 * Layer: crypto.  Used by the cell layer's lazy acks (docs/PROTOCOL.md §11 (Cells) §4.1); the
 * construction is the one BIP 341 (Taproot) uses to commit a script tree into a Schnorr key,
 * analysed for key-prefixed Schnorr by Das, Erwig, Faust, Loss, Riahi (CCS 2021).
 */
#ifndef SZ_CRYPTO_EDTWEAK_H
#define SZ_CRYPTO_EDTWEAK_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"

#define SZ_TWEAK_BYTES 32

/* t = SHA-512("samizdat ed25519 tweak v1" || 0x00 || in) reduced mod L: a uniformly distributed
 * scalar (bias < 2^-250) that commits to in. */
SZ_MUST_CHECK int sz_edtweak_scalar(uint8_t t[static SZ_TWEAK_BYTES], const uint8_t *in,
    size_t len);

/* out = pk + t·B for a public key pk (a valid point) and a canonical scalar t (< L).
 * SZ_ERR_CRYPTO (out zeroed) if pk does not decode or t is not canonical.  The point ops run in
 * variable time: every input here is public. */
SZ_MUST_CHECK int sz_edtweak_pk(uint8_t out[static 32], const uint8_t pk[static 32],
    const uint8_t t[static SZ_TWEAK_BYTES]);

/* Sign msg with sk (libsodium layout: seed || pk) shifted by the canonical scalar t.  The
 * signature verifies with sz_verify under sz_edtweak_pk(pk, t), which pk_out receives.
 * The nonce prefix is derived from sk's prefix and t, so two tweaks never share a nonce.
 * sig and pk_out are zeroed on error; every intermediate secret is wiped. */
SZ_MUST_CHECK int sz_edtweak_sign(uint8_t sig[static 64], uint8_t pk_out[static 32],
    const uint8_t *msg, size_t len, const uint8_t sk[static 64],
    const uint8_t t[static SZ_TWEAK_BYTES]);

/* RFC 8032 §5.1.6 signing from an expanded key: scalar s (any 32 bytes, used mod L), nonce
 * prefix, and pk = s·B.  With s = clamp(SHA-512(seed)[0..32]) and prefix = SHA-512(seed)[32..64]
 * this is plain Ed25519 (the known-answer tests check it against RFC 8032 §7.1). */
SZ_MUST_CHECK int sz_edtweak_sign_expanded(uint8_t sig[static 64], const uint8_t *msg,
    size_t len, const uint8_t s[static 32], const uint8_t prefix[static 32],
    const uint8_t pk[static 32]);

#endif /* SZ_CRYPTO_EDTWEAK_H */
