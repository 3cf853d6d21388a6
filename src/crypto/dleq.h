/*
 * dleq.h - Chaum-Pedersen discrete-log-equality proofs over ristretto255, exactly as RFC 9497
 * §2.2 (GenerateProof / VerifyProof with batched composites), and RFC 9497 §3.2.1 DeriveKeyPair.
 * Layer: crypto.  samizdat uses it to let a pledger show that a linking tag I = x·T belongs to
 * the voting key P = x·G without revealing x (see lsag.h, sz_lsag_tag_prove).
 */
#ifndef SZ_CRYPTO_DLEQ_H
#define SZ_CRYPTO_DLEQ_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/ristretto.h"
#include "lib/env.h"

#define SZ_DLEQ_PROOF_BYTES 64     /* c || s, two canonical scalars (RFC 9497 §2.2) */
#define SZ_DLEQ_MAX_BATCH 1024     /* m: at most this many (C[i], D[i]) pairs per proof */
#define SZ_DLEQ_MAX_CONTEXT 200    /* so that "HashToScalar-" || context fits a 255-byte DST */
#define SZ_DLEQ_SEED_BYTES 32      /* DeriveKeyPair's seed (Ns) */
#define SZ_DLEQ_MAX_INFO 65535     /* DeriveKeyPair's info, length-prefixed with 2 bytes */

/* RFC 9497 §3.1's contextString for the VOPRF mode of ristretto255-SHA512:
 * "OPRFV1-" || I2OSP(0x01, 1) || "-" || "ristretto255-SHA512" (28 bytes). */
#define SZ_DLEQ_VOPRF_CONTEXT "OPRFV1-\x01-ristretto255-SHA512"
#define SZ_DLEQ_VOPRF_CONTEXT_LEN 28

/* Prove that B = k·G and D[i] = k·C[i] for i < m, with the proof randomness r given (RFC 9497
 * GenerateProof with A = G; r is the test vectors' ProofRandomScalar).  context is the protocol's
 * contextString (1..SZ_DLEQ_MAX_CONTEXT bytes).  k and r must be canonical and non-zero; B, C[i],
 * D[i] valid non-identity elements; 1 <= m <= SZ_DLEQ_MAX_BATCH.  The statement is not checked:
 * a false one yields a proof that does not verify.  Errors: SZ_ERR_INVALID, SZ_ERR_TOO_LARGE,
 * SZ_ERR_NONCANONICAL, SZ_ERR_CRYPTO; proof is zeroed on error.  Secrets are wiped. */
SZ_MUST_CHECK int sz_dleq_prove_with_r(uint8_t proof[static SZ_DLEQ_PROOF_BYTES],
    const uint8_t *context, size_t contextlen, const uint8_t k[static 32],
    const uint8_t b[static 32], const uint8_t (*c)[32], const uint8_t (*d)[32], size_t m,
    const uint8_t r[static 32]);
/* As sz_dleq_prove_with_r with a fresh random r drawn from env. */
SZ_MUST_CHECK int sz_dleq_prove(uint8_t proof[static SZ_DLEQ_PROOF_BYTES],
    const uint8_t *context, size_t contextlen, const uint8_t k[static 32],
    const uint8_t b[static 32], const uint8_t (*c)[32], const uint8_t (*d)[32], size_t m,
    const sz_env *env);
/* Check a proof that log_G(B) = log_C[i](D[i]) for every i < m (RFC 9497 VerifyProof, A = G).
 * Returns SZ_OK, or SZ_ERR_BAD_SIGNATURE (the proof does not hold), SZ_ERR_NONCANONICAL (a proof
 * scalar >= L), SZ_ERR_CRYPTO (an element is invalid or the identity), SZ_ERR_INVALID or
 * SZ_ERR_TOO_LARGE (arguments out of bounds). */
SZ_MUST_CHECK int sz_dleq_verify(const uint8_t proof[static SZ_DLEQ_PROOF_BYTES],
    const uint8_t *context, size_t contextlen, const uint8_t b[static 32],
    const uint8_t (*c)[32], const uint8_t (*d)[32], size_t m);

/* RFC 9497 §3.2.1 DeriveKeyPair: sk = HashToScalar(seed || I2OSP(len(info), 2) || info ||
 * I2OSP(counter, 1)) under DST "DeriveKeyPair" || context, for the first counter giving a
 * non-zero scalar; pk = sk·G.  Errors: SZ_ERR_INVALID / SZ_ERR_TOO_LARGE for bad lengths,
 * SZ_ERR_CRYPTO if 256 counters all gave zero; sk and pk are zeroed on error. */
SZ_MUST_CHECK int sz_dleq_derive_keypair(uint8_t sk[static 32], uint8_t pk[static 32],
    const uint8_t *context, size_t contextlen, const uint8_t seed[static SZ_DLEQ_SEED_BYTES],
    const uint8_t *info, size_t infolen);

#endif /* SZ_CRYPTO_DLEQ_H */
