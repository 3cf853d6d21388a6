/*
 * pop.h - voting keys (ristretto255 scalars and elements) and their proof of possession: a
 * Schnorr signature binding a voting key to one cell and one member.
 * Layer: crypto.  A member publishes pk with a PoP when joining a cell's roster; the PoP stops
 * anyone from enrolling a key they cannot sign with (e.g. another member's key, or a key chosen
 * as a combination of others' keys) and from replaying a PoP in another cell or for another member.
 */
#ifndef SZ_CRYPTO_POP_H
#define SZ_CRYPTO_POP_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/ristretto.h"
#include "lib/env.h"

#define SZ_VOTE_SK_BYTES 32   /* a canonical, non-zero scalar */
#define SZ_VOTE_PK_BYTES 32   /* sk·G, a ristretto255 element */
#define SZ_POP_BYTES 64       /* R || s */
#define SZ_POP_DST "samizdat-v1-pop-challenge"

/* Make a fresh voting key pair from env's randomness.  The caller keeps sk in secret memory
 * (sz_secret_alloc) and wipes it. */
SZ_MUST_CHECK int sz_vote_keygen(uint8_t pk[static SZ_VOTE_PK_BYTES],
    uint8_t sk[static SZ_VOTE_SK_BYTES], const sz_env *env);
/* pk = sk·G.  SZ_ERR_NONCANONICAL (sk >= L) or SZ_ERR_INVALID (sk = 0); pk is then zeroed. */
SZ_MUST_CHECK int sz_vote_public(uint8_t pk[static SZ_VOTE_PK_BYTES],
    const uint8_t sk[static SZ_VOTE_SK_BYTES]);

/* Prove possession of sk for pk = sk·G in cell cell_id as member member_id (the member's
 * long-term identity key or id, 32 bytes): k random, R = k·G,
 * c = hash_to_scalar(SZ_POP_DST, pk || cell_id || member_id || R), s = k + c·sk; proof = R || s.
 * Errors as sz_vote_public; proof is zeroed on error; secrets are wiped. */
SZ_MUST_CHECK int sz_pop_prove(uint8_t proof[static SZ_POP_BYTES],
    const uint8_t sk[static SZ_VOTE_SK_BYTES], const uint8_t cell_id[static 32],
    const uint8_t member_id[static 32], const sz_env *env);
/* Check a proof of possession: s·G == R + c·pk.  Errors: SZ_ERR_CRYPTO (pk or R invalid or the
 * identity), SZ_ERR_NONCANONICAL (s >= L), SZ_ERR_BAD_SIGNATURE (does not verify). */
SZ_MUST_CHECK int sz_pop_verify(const uint8_t proof[static SZ_POP_BYTES],
    const uint8_t pk[static SZ_VOTE_PK_BYTES], const uint8_t cell_id[static 32],
    const uint8_t member_id[static 32]);

#endif /* SZ_CRYPTO_POP_H */
