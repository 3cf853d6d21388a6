/*
 * lsag.c - LSAG ring signatures over ristretto255 with per-scope tag bases, and tag reveals
 * (see lsag.h; byte layouts in docs/PROTOCOL.md §12 (Ballots)).
 * Layer: crypto.
 */
#include "crypto/lsag.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/dleq.h"
#include "crypto/h2c.h"

#define DST_CHAL ((const uint8_t *)SZ_LSAG_DST_CHALLENGE)
#define DST_CHAL_LEN (sizeof SZ_LSAG_DST_CHALLENGE - 1)

int
sz_lsag_tag_base(uint8_t t_out[static 32], const uint8_t cell_id[static 32],
    const uint8_t proposal_id[static 32], const uint8_t roster_id[static 32], uint32_t kind)
{
	uint8_t enc[32 * 3 + 4];
	memcpy(enc, cell_id, 32);
	memcpy(enc + 32, proposal_id, 32);
	memcpy(enc + 64, roster_id, 32);
	enc[96] = (uint8_t)(kind >> 24);
	enc[97] = (uint8_t)(kind >> 16);
	enc[98] = (uint8_t)(kind >> 8);
	enc[99] = (uint8_t)kind;
	return sz_h2c_hash_to_group(t_out, enc, sizeof enc, (const uint8_t *)SZ_LSAG_DST_TAG_BASE,
	    sizeof SZ_LSAG_DST_TAG_BASE - 1);
}

int
sz_lsag_tag(uint8_t tag_out[static 32], const uint8_t x[static 32],
    const uint8_t scope_t[static 32])
{
	int r;

	memset(tag_out, 0, 32);
	if (!sz_rist_scalar_is_canonical(x))
		return SZ_ERR_NONCANONICAL;
	if (sz_rist_scalar_is_zero(x))
		return SZ_ERR_INVALID;
	if (!sz_rist_is_valid_point(scope_t))
		return SZ_ERR_CRYPTO;
	r = sz_rist_mul(tag_out, x, scope_t);
	return r;
}

static int
cmp32(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

/* Check the ring: size bounds, every key a valid non-identity element, no key twice. */
static int
check_ring(const uint8_t (*ring)[32], size_t n)
{
	uint8_t (*sorted)[32];
	int r = SZ_OK;

	if (ring == NULL || n == 0)
		return SZ_ERR_INVALID;
	if (n > SZ_LSAG_MAX_RING)
		return SZ_ERR_TOO_LARGE;
	for (size_t i = 0; i < n; i++) {
		if (!sz_rist_is_valid_point(ring[i]))
			return SZ_ERR_CRYPTO;
	}
	if ((sorted = malloc(n * 32)) == NULL)
		return SZ_ERR_NOMEM;
	memcpy(sorted, ring, n * 32);
	qsort(sorted, n, 32, cmp32);
	for (size_t i = 1; i < n && r == SZ_OK; i++) {
		if (memcmp(sorted[i - 1], sorted[i], 32) == 0)
			r = SZ_ERR_INVALID;
	}
	free(sorted);
	return r;
}

/* The transcript prefix every challenge of one signature shares:
 * u16be(n) || ring[0] || .. || ring[n-1] || T || I || u64be(msglen) || msg. */
static int
transcript_prefix(sz_xmd *x, const uint8_t (*ring)[32], size_t n, const uint8_t t[32],
    const uint8_t tag[32], const uint8_t *msg, size_t msglen)
{
	uint8_t hdr[8];
	int r = sz_xmd_init(x, SZ_HASH_SHA512);
	if (r != SZ_OK)
		return r;
	hdr[0] = (uint8_t)(n >> 8);
	hdr[1] = (uint8_t)n;
	sz_xmd_update(x, hdr, 2);
	sz_xmd_update(x, ring[0], n * 32);
	sz_xmd_update(x, t, 32);
	sz_xmd_update(x, tag, 32);
	for (int i = 0; i < 8; i++)
		hdr[i] = (uint8_t)((uint64_t)msglen >> (56 - 8 * i));
	sz_xmd_update(x, hdr, 8);
	sz_xmd_update(x, msg, msglen);
	return SZ_OK;
}

/* c = hash_to_scalar(DST_chal, prefix || L || R) */
static int
challenge(uint8_t c[32], const sz_xmd *prefix, const uint8_t l[32], const uint8_t rr[32])
{
	sz_xmd x = *prefix;
	sz_xmd_update(&x, l, 32);
	sz_xmd_update(&x, rr, 32);
	return sz_xmd_final_scalar(&x, c, DST_CHAL, DST_CHAL_LEN);
}

/* L = s·G + c·P, R = s·T + c·I: the two commitments one ring member contributes. */
static int
commitments(uint8_t l[32], uint8_t rr[32], const uint8_t s[32], const uint8_t c[32],
    const uint8_t p[32], const uint8_t t[32], const uint8_t tag[32])
{
	int r = sz_rist_base_mul(l, s, c, p);
	if (r == SZ_OK)
		r = sz_rist_mul2(rr, s, t, c, tag);
	return r;
}

int
sz_lsag_sign(uint8_t *sig, size_t siglen, const uint8_t *msg, size_t msglen,
    const uint8_t (*ring)[32], size_t n, size_t my_index, const uint8_t my_secret[static 32],
    const uint8_t scope_t[static 32], const sz_env *env)
{
	uint8_t alpha[32], pk[32], tag[32], l[32], rr[32], c[32], cx[32];
	sz_xmd prefix;
	size_t i;
	int r = SZ_ERR_INTERNAL;

	if (sig != NULL && siglen > 0)
		memset(sig, 0, siglen);
	memset(&prefix, 0, sizeof prefix);
	if (sig == NULL || (msg == NULL && msglen > 0) || env == NULL)
		return SZ_ERR_INVALID;
	if ((r = check_ring(ring, n)) != SZ_OK)
		return r;
	if (siglen != SZ_LSAG_SIG_BYTES(n) || my_index >= n)
		return SZ_ERR_INVALID;
	if ((r = sz_lsag_tag(tag, my_secret, scope_t)) != SZ_OK)
		return r;
	if ((r = sz_rist_base(pk, my_secret)) != SZ_OK)
		goto out;
	if (!sz_ct_equal(pk, ring[my_index], 32)) {
		r = SZ_ERR_INVALID;
		goto out;
	}
	if ((r = transcript_prefix(&prefix, ring, n, scope_t, tag, msg, msglen)) != SZ_OK)
		goto out;

	/* c_{pi+1} = H(alpha·G, alpha·T), then around the ring from pi+1 back to pi. */
	if ((r = sz_rist_scalar_random(alpha, env)) != SZ_OK ||
	    (r = sz_rist_base(l, alpha)) != SZ_OK || (r = sz_rist_mul(rr, alpha, scope_t)) != SZ_OK ||
	    (r = challenge(c, &prefix, l, rr)) != SZ_OK)
		goto out;
	for (i = (my_index + 1) % n; i != my_index; i = (i + 1) % n) {
		uint8_t *s = sig + 32 * (1 + i);
		if (i == 0)
			memcpy(sig, c, 32);
		if ((r = sz_rist_scalar_random(s, env)) != SZ_OK ||
		    (r = commitments(l, rr, s, c, ring[i], scope_t, tag)) != SZ_OK ||
		    (r = challenge(c, &prefix, l, rr)) != SZ_OK)
			goto out;
	}
	if (my_index == 0)
		memcpy(sig, c, 32);
	/* s_pi = alpha - c_pi·x closes the ring. */
	crypto_core_ristretto255_scalar_mul(cx, c, my_secret);
	crypto_core_ristretto255_scalar_sub(sig + 32 * (1 + my_index), alpha, cx);
	memcpy(sig + 32 * (n + 1), tag, 32);
	r = SZ_OK;
out:
	if (r != SZ_OK)
		memset(sig, 0, siglen);
	sz_wipe(alpha, sizeof alpha);
	sz_wipe(cx, sizeof cx);
	sz_wipe(l, sizeof l);
	sz_wipe(rr, sizeof rr);
	sz_wipe(&prefix, sizeof prefix);
	return r;
}

int
sz_lsag_verify(const uint8_t *sig, size_t siglen, const uint8_t *msg, size_t msglen,
    const uint8_t (*ring)[32], size_t n, const uint8_t scope_t[static 32], uint8_t *tag_out)
{
	uint8_t l[32], rr[32], c[32];
	const uint8_t *tag;
	sz_xmd prefix;
	int r;

	if (tag_out != NULL)
		memset(tag_out, 0, 32);
	if (sig == NULL || (msg == NULL && msglen > 0))
		return SZ_ERR_INVALID;
	if ((r = check_ring(ring, n)) != SZ_OK)
		return r;
	if (siglen != SZ_LSAG_SIG_BYTES(n))
		return SZ_ERR_MALFORMED;
	tag = sig + 32 * (n + 1);
	if (!sz_rist_is_valid_point(scope_t) || !sz_rist_is_valid_point(tag))
		return SZ_ERR_CRYPTO;
	for (size_t i = 0; i < n + 1; i++) {
		if (!sz_rist_scalar_is_canonical(sig + 32 * i))
			return SZ_ERR_NONCANONICAL;
	}
	if ((r = transcript_prefix(&prefix, ring, n, scope_t, tag, msg, msglen)) != SZ_OK)
		return r;
	memcpy(c, sig, 32);
	for (size_t i = 0; i < n; i++) {
		if ((r = commitments(l, rr, sig + 32 * (1 + i), c, ring[i], scope_t, tag)) != SZ_OK ||
		    (r = challenge(c, &prefix, l, rr)) != SZ_OK)
			return r;
	}
	if (sodium_memcmp(c, sig, 32) != 0)
		return SZ_ERR_BAD_SIGNATURE;
	if (tag_out != NULL)
		memcpy(tag_out, tag, 32);
	return SZ_OK;
}

int
sz_lsag_tag_prove(uint8_t proof[static SZ_LSAG_TAG_PROOF_BYTES], const uint8_t x[static 32],
    const uint8_t scope_t[static 32], const sz_env *env)
{
	uint8_t pk[32], tag[1][32];
	int r;

	memset(proof, 0, SZ_LSAG_TAG_PROOF_BYTES);
	if ((r = sz_lsag_tag(tag[0], x, scope_t)) != SZ_OK || (r = sz_rist_base(pk, x)) != SZ_OK)
		return r;
	return sz_dleq_prove(proof, (const uint8_t *)SZ_LSAG_TAG_REVEAL_CONTEXT,
	    sizeof SZ_LSAG_TAG_REVEAL_CONTEXT - 1, x, pk, (const uint8_t(*)[32])scope_t,
	    (const uint8_t(*)[32])tag, 1, env);
}

int
sz_lsag_tag_verify(const uint8_t proof[static SZ_LSAG_TAG_PROOF_BYTES],
    const uint8_t pk[static 32], const uint8_t scope_t[static 32], const uint8_t tag[static 32])
{
	return sz_dleq_verify(proof, (const uint8_t *)SZ_LSAG_TAG_REVEAL_CONTEXT,
	    sizeof SZ_LSAG_TAG_REVEAL_CONTEXT - 1, pk, (const uint8_t(*)[32])scope_t,
	    (const uint8_t(*)[32])tag, 1);
}
