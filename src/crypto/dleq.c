/*
 * dleq.c - RFC 9497 §2.2 DLEQ proofs and §3.2.1 DeriveKeyPair over ristretto255-SHA512
 * (see dleq.h).  Every transcript below is byte for byte the RFC's.
 * Layer: crypto.
 */
#include "crypto/dleq.h"

#include <string.h>

#include "crypto/h2c.h"

#define DST_MAX (sizeof "HashToScalar-" - 1 + SZ_DLEQ_MAX_CONTEXT)

/* I2OSP(v, 2) */
static void
put16(sz_xmd *x, size_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	sz_xmd_update(x, b, 2);
}

/* Absorb I2OSP(len(e), 2) || e for a 32-byte serialized element. */
static void
put_elem(sz_xmd *x, const uint8_t e[32])
{
	put16(x, 32);
	sz_xmd_update(x, e, 32);
}

static int
check_context(const uint8_t *context, size_t contextlen)
{
	if (context == NULL || contextlen == 0)
		return SZ_ERR_INVALID;
	return contextlen > SZ_DLEQ_MAX_CONTEXT ? SZ_ERR_TOO_LARGE : SZ_OK;
}

/* dst = prefix || context; returns its length. */
static size_t
make_dst(uint8_t dst[DST_MAX], const char *prefix, const uint8_t *context, size_t contextlen)
{
	size_t n = strlen(prefix);
	memcpy(dst, prefix, n);
	memcpy(dst + n, context, contextlen);
	return n + contextlen;
}

/* Check the public inputs shared by prover and verifier. */
static int
check_statement(const uint8_t b[32], const uint8_t (*c)[32], const uint8_t (*d)[32], size_t m)
{
	if (c == NULL || d == NULL || m == 0)
		return SZ_ERR_INVALID;
	if (m > SZ_DLEQ_MAX_BATCH)
		return SZ_ERR_TOO_LARGE;
	if (!sz_rist_is_valid_point(b))
		return SZ_ERR_CRYPTO;
	for (size_t i = 0; i < m; i++) {
		if (!sz_rist_is_valid_point(c[i]) || !sz_rist_is_valid_point(d[i]))
			return SZ_ERR_CRYPTO;
	}
	return SZ_OK;
}

/* RFC 9497 ComputeComposites (k == NULL) and ComputeCompositesFast (Z = k·M). */
static int
composites(uint8_t mm[32], uint8_t z[32], const uint8_t *context, size_t contextlen,
    const uint8_t *k, const uint8_t b[32], const uint8_t (*c)[32], const uint8_t (*d)[32],
    size_t m)
{
	uint8_t seed[crypto_hash_sha512_BYTES], dst[DST_MAX], di[32], t[32], acc[32];
	uint8_t zacc[32] = { 0 };
	crypto_hash_sha512_state h;
	sz_xmd x;
	size_t dstlen;
	int r = SZ_ERR_INTERNAL;

	/* seed = Hash(I2OSP(len(Bm), 2) || Bm || I2OSP(len(seedDST), 2) || seedDST) */
	dstlen = make_dst(dst, "Seed-", context, contextlen);
	uint8_t len2[2] = { 0, 32 };
	crypto_hash_sha512_init(&h);
	crypto_hash_sha512_update(&h, len2, 2);
	crypto_hash_sha512_update(&h, b, 32);
	len2[0] = (uint8_t)(dstlen >> 8);
	len2[1] = (uint8_t)dstlen;
	crypto_hash_sha512_update(&h, len2, 2);
	crypto_hash_sha512_update(&h, dst, dstlen);
	crypto_hash_sha512_final(&h, seed);

	dstlen = make_dst(dst, "HashToScalar-", context, contextlen);
	memset(acc, 0, sizeof acc); /* M = Identity() */
	for (size_t i = 0; i < m; i++) {
		/* I2OSP(len(seed), 2) || seed || I2OSP(i, 2) || I2OSP(len(Ci), 2) || Ci ||
		 * I2OSP(len(Di), 2) || Di || "Composite" */
		if ((r = sz_xmd_init(&x, SZ_HASH_SHA512)) != SZ_OK)
			goto out;
		put16(&x, sizeof seed);
		sz_xmd_update(&x, seed, sizeof seed);
		put16(&x, i);
		put_elem(&x, c[i]);
		put_elem(&x, d[i]);
		sz_xmd_update(&x, (const uint8_t *)"Composite", 9);
		if ((r = sz_xmd_final_scalar(&x, di, dst, dstlen)) != SZ_OK)
			goto out;
		/* M = di * C[i] + M; Z = di * D[i] + Z */
		if ((r = sz_rist_mul(t, di, c[i])) != SZ_OK || (r = sz_rist_add(acc, t, acc)) != SZ_OK)
			goto out;
		if (k == NULL) {
			if ((r = sz_rist_mul(t, di, d[i])) != SZ_OK ||
			    (r = sz_rist_add(zacc, t, zacc)) != SZ_OK)
				goto out;
		}
	}
	memcpy(mm, acc, 32);
	if (k != NULL) {
		if ((r = sz_rist_mul(z, k, mm)) != SZ_OK)
			goto out;
	} else {
		memcpy(z, zacc, 32);
	}
	r = SZ_OK;
out:
	sz_wipe(&h, sizeof h);
	return r;
}

/* c = HashToScalar(I2OSP(32, 2) || Bm || ... || I2OSP(32, 2) || a3 || "Challenge") */
static int
challenge(uint8_t c[32], const uint8_t *context, size_t contextlen, const uint8_t b[32],
    const uint8_t mm[32], const uint8_t z[32], const uint8_t t2[32], const uint8_t t3[32])
{
	uint8_t dst[DST_MAX];
	size_t dstlen = make_dst(dst, "HashToScalar-", context, contextlen);
	sz_xmd x;
	int r = sz_xmd_init(&x, SZ_HASH_SHA512);
	if (r != SZ_OK)
		return r;
	put_elem(&x, b);
	put_elem(&x, mm);
	put_elem(&x, z);
	put_elem(&x, t2);
	put_elem(&x, t3);
	sz_xmd_update(&x, (const uint8_t *)"Challenge", 9);
	return sz_xmd_final_scalar(&x, c, dst, dstlen);
}

int
sz_dleq_prove_with_r(uint8_t proof[static SZ_DLEQ_PROOF_BYTES], const uint8_t *context,
    size_t contextlen, const uint8_t k[static 32], const uint8_t b[static 32],
    const uint8_t (*c)[32], const uint8_t (*d)[32], size_t m, const uint8_t rnd[static 32])
{
	uint8_t mm[32], z[32], t2[32], t3[32], ch[32], ck[32];
	int r;

	memset(proof, 0, SZ_DLEQ_PROOF_BYTES);
	if ((r = check_context(context, contextlen)) != SZ_OK ||
	    (r = check_statement(b, c, d, m)) != SZ_OK)
		return r;
	if (!sz_rist_scalar_is_canonical(k) || !sz_rist_scalar_is_canonical(rnd))
		return SZ_ERR_NONCANONICAL;
	if (sz_rist_scalar_is_zero(k) || sz_rist_scalar_is_zero(rnd))
		return SZ_ERR_INVALID;

	if ((r = composites(mm, z, context, contextlen, k, b, c, d, m)) != SZ_OK)
		goto out;
	/* t2 = r * A (A = G), t3 = r * M */
	if ((r = sz_rist_base(t2, rnd)) != SZ_OK || (r = sz_rist_mul(t3, rnd, mm)) != SZ_OK)
		goto out;
	if ((r = challenge(ch, context, contextlen, b, mm, z, t2, t3)) != SZ_OK)
		goto out;
	/* s = r - c * k */
	crypto_core_ristretto255_scalar_mul(ck, ch, k);
	memcpy(proof, ch, 32);
	crypto_core_ristretto255_scalar_sub(proof + 32, rnd, ck);
	r = SZ_OK;
out:
	if (r != SZ_OK)
		memset(proof, 0, SZ_DLEQ_PROOF_BYTES);
	sz_wipe(ck, sizeof ck);
	sz_wipe(t3, sizeof t3);
	sz_wipe(t2, sizeof t2);
	return r;
}

int
sz_dleq_prove(uint8_t proof[static SZ_DLEQ_PROOF_BYTES], const uint8_t *context,
    size_t contextlen, const uint8_t k[static 32], const uint8_t b[static 32],
    const uint8_t (*c)[32], const uint8_t (*d)[32], size_t m, const sz_env *env)
{
	uint8_t nonce[32];
	int r = sz_rist_scalar_random(nonce, env);
	if (r == SZ_OK)
		r = sz_dleq_prove_with_r(proof, context, contextlen, k, b, c, d, m, nonce);
	else
		memset(proof, 0, SZ_DLEQ_PROOF_BYTES);
	sz_wipe(nonce, sizeof nonce);
	return r;
}

int
sz_dleq_verify(const uint8_t proof[static SZ_DLEQ_PROOF_BYTES], const uint8_t *context,
    size_t contextlen, const uint8_t b[static 32], const uint8_t (*c)[32],
    const uint8_t (*d)[32], size_t m)
{
	uint8_t mm[32], z[32], t2[32], t3[32], expect[32];
	const uint8_t *pc = proof, *ps = proof + 32;
	int r;

	if ((r = check_context(context, contextlen)) != SZ_OK ||
	    (r = check_statement(b, c, d, m)) != SZ_OK)
		return r;
	/* DeserializeScalar: both proof scalars must be below L. */
	if (!sz_rist_scalar_is_canonical(pc) || !sz_rist_scalar_is_canonical(ps))
		return SZ_ERR_NONCANONICAL;
	if ((r = composites(mm, z, context, contextlen, NULL, b, c, d, m)) != SZ_OK)
		return r;
	/* t2 = s * A + c * B (A = G); t3 = s * M + c * Z */
	if ((r = sz_rist_base_mul(t2, ps, pc, b)) != SZ_OK ||
	    (r = sz_rist_mul2(t3, ps, mm, pc, z)) != SZ_OK)
		return r;
	if ((r = challenge(expect, context, contextlen, b, mm, z, t2, t3)) != SZ_OK)
		return r;
	return sodium_memcmp(expect, pc, 32) == 0 ? SZ_OK : SZ_ERR_BAD_SIGNATURE;
}

int
sz_dleq_derive_keypair(uint8_t sk[static 32], uint8_t pk[static 32], const uint8_t *context,
    size_t contextlen, const uint8_t seed[static SZ_DLEQ_SEED_BYTES], const uint8_t *info,
    size_t infolen)
{
	uint8_t dst[DST_MAX];
	size_t dstlen;
	sz_xmd prefix, x;
	int r;

	memset(sk, 0, 32);
	memset(pk, 0, 32);
	if ((r = check_context(context, contextlen)) != SZ_OK)
		return r;
	if (info == NULL && infolen > 0)
		return SZ_ERR_INVALID;
	if (infolen > SZ_DLEQ_MAX_INFO)
		return SZ_ERR_TOO_LARGE;
	dstlen = make_dst(dst, "DeriveKeyPair", context, contextlen);

	/* deriveInput = seed || I2OSP(len(info), 2) || info */
	if ((r = sz_xmd_init(&prefix, SZ_HASH_SHA512)) != SZ_OK)
		return r;
	sz_xmd_update(&prefix, seed, SZ_DLEQ_SEED_BYTES);
	put16(&prefix, infolen);
	sz_xmd_update(&prefix, info, infolen);
	r = SZ_ERR_CRYPTO;
	for (unsigned counter = 0; counter <= 255; counter++) {
		uint8_t cb = (uint8_t)counter;
		x = prefix;
		sz_xmd_update(&x, &cb, 1);
		if ((r = sz_xmd_final_scalar(&x, sk, dst, dstlen)) != SZ_OK)
			break;
		if (!sz_rist_scalar_is_zero(sk)) {
			r = sz_rist_base(pk, sk);
			break;
		}
		r = SZ_ERR_CRYPTO;
	}
	if (r != SZ_OK) {
		sz_wipe(sk, 32);
		memset(pk, 0, 32);
	}
	sz_wipe(&prefix, sizeof prefix);
	sz_wipe(&x, sizeof x);
	return r;
}
