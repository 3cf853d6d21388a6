/*
 * pop.c - voting keys and Schnorr proofs of possession over ristretto255 (see pop.h; bytes in
 * docs/PROTOCOL.md §12 (Ballots)).
 * Layer: crypto.
 */
#include "crypto/pop.h"

#include <string.h>

#include "crypto/h2c.h"

int
sz_vote_public(uint8_t pk[static SZ_VOTE_PK_BYTES], const uint8_t sk[static SZ_VOTE_SK_BYTES])
{
	memset(pk, 0, SZ_VOTE_PK_BYTES);
	if (!sz_rist_scalar_is_canonical(sk))
		return SZ_ERR_NONCANONICAL;
	if (sz_rist_scalar_is_zero(sk))
		return SZ_ERR_INVALID;
	return sz_rist_base(pk, sk);
}

int
sz_vote_keygen(uint8_t pk[static SZ_VOTE_PK_BYTES], uint8_t sk[static SZ_VOTE_SK_BYTES],
    const sz_env *env)
{
	int r = sz_rist_scalar_random(sk, env);
	if (r == SZ_OK)
		r = sz_vote_public(pk, sk);
	else
		memset(pk, 0, SZ_VOTE_PK_BYTES);
	if (r != SZ_OK)
		sz_wipe(sk, SZ_VOTE_SK_BYTES);
	return r;
}

/* c = hash_to_scalar(SZ_POP_DST, pk || cell_id || member_id || R) */
static int
pop_challenge(uint8_t c[32], const uint8_t pk[32], const uint8_t cell_id[32],
    const uint8_t member_id[32], const uint8_t rr[32])
{
	uint8_t m[128];
	memcpy(m, pk, 32);
	memcpy(m + 32, cell_id, 32);
	memcpy(m + 64, member_id, 32);
	memcpy(m + 96, rr, 32);
	return sz_h2c_hash_to_scalar(c, m, sizeof m, (const uint8_t *)SZ_POP_DST,
	    sizeof SZ_POP_DST - 1);
}

int
sz_pop_prove(uint8_t proof[static SZ_POP_BYTES], const uint8_t sk[static SZ_VOTE_SK_BYTES],
    const uint8_t cell_id[static 32], const uint8_t member_id[static 32], const sz_env *env)
{
	uint8_t pk[32], k[32], c[32], csk[32];
	int r;

	memset(proof, 0, SZ_POP_BYTES);
	if ((r = sz_vote_public(pk, sk)) != SZ_OK)
		return r;
	if ((r = sz_rist_scalar_random(k, env)) != SZ_OK || (r = sz_rist_base(proof, k)) != SZ_OK ||
	    (r = pop_challenge(c, pk, cell_id, member_id, proof)) != SZ_OK)
		goto out;
	crypto_core_ristretto255_scalar_mul(csk, c, sk);
	crypto_core_ristretto255_scalar_add(proof + 32, k, csk);
	r = SZ_OK;
out:
	if (r != SZ_OK)
		memset(proof, 0, SZ_POP_BYTES);
	sz_wipe(k, sizeof k);
	sz_wipe(csk, sizeof csk);
	return r;
}

int
sz_pop_verify(const uint8_t proof[static SZ_POP_BYTES], const uint8_t pk[static SZ_VOTE_PK_BYTES],
    const uint8_t cell_id[static 32], const uint8_t member_id[static 32])
{
	uint8_t c[32], lhs[32], rhs[32], cp[32];
	const uint8_t *rr = proof, *s = proof + 32;
	int r;

	if (!sz_rist_is_valid_point(pk) || !sz_rist_is_valid_point(rr))
		return SZ_ERR_CRYPTO;
	if (!sz_rist_scalar_is_canonical(s))
		return SZ_ERR_NONCANONICAL;
	if ((r = pop_challenge(c, pk, cell_id, member_id, rr)) != SZ_OK)
		return r;
	/* s·G == R + c·pk, compared as canonical encodings. */
	if ((r = sz_rist_base(lhs, s)) != SZ_OK || (r = sz_rist_mul(cp, c, pk)) != SZ_OK ||
	    (r = sz_rist_add(rhs, rr, cp)) != SZ_OK)
		return r;
	return sodium_memcmp(lhs, rhs, 32) == 0 ? SZ_OK : SZ_ERR_BAD_SIGNATURE;
}
