/*
 * lsag.h - linkable spontaneous anonymous group signatures (Liu-Wei-Wong 2004) over ristretto255,
 * with one tag base per scope, and DLEQ proofs that reveal whose tag is whose.
 * Layer: crypto.  The decide layer signs anonymous ballots and threshold pledges with these: a
 * signature shows "one of the ring signed" and, through its tag, "the same one as before in this
 * scope", without saying which.  Byte layouts: docs/PROTOCOL.md §12 (Ballots).
 */
#ifndef SZ_CRYPTO_LSAG_H
#define SZ_CRYPTO_LSAG_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/ristretto.h"
#include "lib/env.h"

#define SZ_LSAG_MAX_RING 1024            /* the largest ring signed or verified */
/* A signature over a ring of n keys: c_0 || s_0 .. s_{n-1} || I, 32 bytes each. */
#define SZ_LSAG_SIG_BYTES(n) (32u * ((size_t)(n) + 2u))
#define SZ_LSAG_TAG_PROOF_BYTES 64       /* a DLEQ proof (crypto/dleq.h) */

/* Scope kinds (the decide layer may define more; any 32-bit value is accepted). */
#define SZ_LSAG_KIND_BALLOT 1u
#define SZ_LSAG_KIND_PLEDGE 2u

/* Domain separation tags (docs/PROTOCOL.md §12 (Ballots)). */
#define SZ_LSAG_DST_TAG_BASE "samizdat-v1-lsag-tag-base"
#define SZ_LSAG_DST_CHALLENGE "samizdat-v1-lsag-challenge"
#define SZ_LSAG_TAG_REVEAL_CONTEXT "samizdat-v1-lsag-tag-reveal"

/* T = hash_to_group(SZ_LSAG_DST_TAG_BASE, cell_id || proposal_id || roster_id || u32be(kind)).
 * Every signer and verifier derives T from the scope this way; it is never read off the wire. */
SZ_MUST_CHECK int sz_lsag_tag_base(uint8_t t_out[static 32], const uint8_t cell_id[static 32],
    const uint8_t proposal_id[static 32], const uint8_t roster_id[static 32], uint32_t kind);

/* tag_out = x·T: the linking tag secret key x has in the scope whose tag base is T.
 * Errors: SZ_ERR_NONCANONICAL / SZ_ERR_INVALID (x >= L or x = 0), SZ_ERR_CRYPTO (T invalid). */
SZ_MUST_CHECK int sz_lsag_tag(uint8_t tag_out[static 32], const uint8_t x[static 32],
    const uint8_t scope_t[static 32]);

/* Sign msg (msglen bytes; may be empty) as the holder of ring[my_index] = my_secret·G, in the
 * scope with tag base scope_t, writing SZ_LSAG_SIG_BYTES(n) bytes to sig (siglen must be exactly
 * that).  Nonces come from env.  The ring's order matters: verifiers must use the same order.
 * Errors: SZ_ERR_INVALID (n = 0, my_index >= n, siglen wrong, duplicate keys in the ring, secret
 * zero or not matching ring[my_index]), SZ_ERR_TOO_LARGE (n > SZ_LSAG_MAX_RING),
 * SZ_ERR_NONCANONICAL (secret >= L), SZ_ERR_CRYPTO (a ring key or scope_t is not a valid
 * non-identity element), SZ_ERR_NOMEM.  sig is zeroed on error; every secret is wiped. */
SZ_MUST_CHECK int sz_lsag_sign(uint8_t *sig, size_t siglen, const uint8_t *msg, size_t msglen,
    const uint8_t (*ring)[32], size_t n, size_t my_index, const uint8_t my_secret[static 32],
    const uint8_t scope_t[static 32], const sz_env *env);

/* Verify a signature (siglen bytes from the wire) on msg by some member of ring (n keys, in the
 * order signed) in the scope with tag base scope_t.  On success copy the signature's linking tag
 * I to tag_out (if not NULL): two valid signatures in one scope with equal tags come from one key.
 * Errors: SZ_ERR_MALFORMED (siglen is not SZ_LSAG_SIG_BYTES(n)), SZ_ERR_INVALID (n = 0, duplicate
 * ring keys), SZ_ERR_TOO_LARGE (n > SZ_LSAG_MAX_RING), SZ_ERR_NONCANONICAL (a scalar >= L),
 * SZ_ERR_CRYPTO (a ring key, scope_t or I is invalid or the identity), SZ_ERR_BAD_SIGNATURE (the
 * ring equation does not close), SZ_ERR_NOMEM.  tag_out is zeroed unless SZ_OK is returned. */
SZ_MUST_CHECK int sz_lsag_verify(const uint8_t *sig, size_t siglen, const uint8_t *msg,
    size_t msglen, const uint8_t (*ring)[32], size_t n, const uint8_t scope_t[static 32],
    uint8_t *tag_out);

/* Reveal: prove that tag = x·T belongs to public key pk = x·G (log_G(pk) = log_T(tag)) with an
 * RFC 9497 DLEQ proof under contextString SZ_LSAG_TAG_REVEAL_CONTEXT, without revealing x.  The
 * prover computes pk and tag from x and scope_t.  Errors as sz_lsag_tag and sz_dleq_prove. */
SZ_MUST_CHECK int sz_lsag_tag_prove(uint8_t proof[static SZ_LSAG_TAG_PROOF_BYTES],
    const uint8_t x[static 32], const uint8_t scope_t[static 32], const sz_env *env);
/* SZ_OK if proof shows that tag is pk's linking tag in the scope of scope_t; errors as
 * sz_dleq_verify (SZ_ERR_BAD_SIGNATURE when it does not). */
SZ_MUST_CHECK int sz_lsag_tag_verify(const uint8_t proof[static SZ_LSAG_TAG_PROOF_BYTES],
    const uint8_t pk[static 32], const uint8_t scope_t[static 32], const uint8_t tag[static 32]);

#endif /* SZ_CRYPTO_LSAG_H */
