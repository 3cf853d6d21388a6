/*
 * h2c.c - expand_message_xmd (RFC 9380 §5.3.1 with §5.3.3's long DSTs) and the ristretto255
 * hash_to_group / hash_to_scalar built on it (see h2c.h).
 * Layer: crypto.
 */
#include "crypto/h2c.h"

#include <string.h>

static const uint8_t oversize_prefix[] = "H2C-OVERSIZE-DST-";

static void
xmd_hash_update(sz_xmd *x, const uint8_t *p, size_t n)
{
	if (x->alg == SZ_HASH_SHA256)
		crypto_hash_sha256_update(&x->h.sha256, p, n);
	else
		crypto_hash_sha512_update(&x->h.sha512, p, n);
}

static void
xmd_hash_init(sz_xmd *x)
{
	if (x->alg == SZ_HASH_SHA256)
		crypto_hash_sha256_init(&x->h.sha256);
	else
		crypto_hash_sha512_init(&x->h.sha512);
}

static void
xmd_hash_final(sz_xmd *x, uint8_t *out)
{
	if (x->alg == SZ_HASH_SHA256)
		crypto_hash_sha256_final(&x->h.sha256, out);
	else
		crypto_hash_sha512_final(&x->h.sha512, out);
}

int
sz_xmd_init(sz_xmd *x, sz_hash_alg alg)
{
	static const uint8_t zpad[SZ_HASH_MAX_BLOCK]; /* Z_pad = I2OSP(0, s_in_bytes) */

	memset(x, 0, sizeof *x);
	if (alg != SZ_HASH_SHA256 && alg != SZ_HASH_SHA512)
		return SZ_ERR_INVALID;
	x->alg = alg;
	xmd_hash_init(x);
	xmd_hash_update(x, zpad, sz_hash_block(alg));
	return SZ_OK;
}

void
sz_xmd_update(sz_xmd *x, const uint8_t *p, size_t n)
{
	if (n > 0)
		xmd_hash_update(x, p, n);
}

int
sz_xmd_final(sz_xmd *x, uint8_t *out, size_t len, const uint8_t *dst, size_t dstlen)
{
	int r = SZ_ERR_INTERNAL;
	uint8_t b0[SZ_HASH_MAX_BYTES], bi[SZ_HASH_MAX_BYTES], long_dst[SZ_HASH_MAX_BYTES];
	uint8_t hdr[3];
	size_t blen, ell;
	sz_xmd h;

	if (out != NULL && len > 0)
		memset(out, 0, len);
	if (x->alg != SZ_HASH_SHA256 && x->alg != SZ_HASH_SHA512) {
		r = SZ_ERR_INVALID;
		goto out;
	}
	blen = sz_hash_len(x->alg);
	if (out == NULL || len == 0 || dst == NULL || dstlen == 0) {
		r = SZ_ERR_INVALID;
		goto out;
	}
	ell = (len + blen - 1) / blen;
	if (len > SZ_H2C_MAX_LEN || ell > SZ_H2C_MAX_ELL) {
		r = SZ_ERR_TOO_LARGE;
		goto out;
	}
	if (dstlen > SZ_H2C_MAX_SHORT_DST) {
		/* §5.3.3: DST = H("H2C-OVERSIZE-DST-" || a_very_long_DST). */
		h.alg = x->alg;
		xmd_hash_init(&h);
		xmd_hash_update(&h, oversize_prefix, sizeof oversize_prefix - 1);
		xmd_hash_update(&h, dst, dstlen);
		xmd_hash_final(&h, long_dst);
		dst = long_dst;
		dstlen = blen;
	}
	/* msg_prime = Z_pad || msg || I2OSP(len_in_bytes, 2) || I2OSP(0, 1) || DST_prime */
	hdr[0] = (uint8_t)(len >> 8);
	hdr[1] = (uint8_t)len;
	hdr[2] = 0;
	xmd_hash_update(x, hdr, 3);
	xmd_hash_update(x, dst, dstlen);
	hdr[0] = (uint8_t)dstlen;
	xmd_hash_update(x, hdr, 1);
	xmd_hash_final(x, b0);

	/* b_1 = H(b_0 || 1 || DST_prime); b_i = H(strxor(b_0, b_(i-1)) || i || DST_prime) */
	memcpy(bi, b0, blen);
	for (size_t i = 1; i <= ell; i++) {
		if (i > 1) {
			for (size_t j = 0; j < blen; j++)
				bi[j] ^= b0[j];
		}
		h.alg = x->alg;
		xmd_hash_init(&h);
		xmd_hash_update(&h, bi, blen);
		hdr[0] = (uint8_t)i;
		xmd_hash_update(&h, hdr, 1);
		xmd_hash_update(&h, dst, dstlen);
		hdr[0] = (uint8_t)dstlen;
		xmd_hash_update(&h, hdr, 1);
		xmd_hash_final(&h, bi);
		size_t off = (i - 1) * blen, take = len - off < blen ? len - off : blen;
		memcpy(out + off, bi, take);
	}
	r = SZ_OK;
out:
	sz_wipe(b0, sizeof b0);
	sz_wipe(bi, sizeof bi);
	sz_wipe(&h, sizeof h);
	sz_wipe(x, sizeof *x);
	return r;
}

int
sz_h2c_expand_xmd(sz_hash_alg alg, uint8_t *out, size_t len, const uint8_t *msg, size_t msglen,
    const uint8_t *dst, size_t dstlen)
{
	sz_xmd x;
	int r = msg == NULL && msglen > 0 ? SZ_ERR_INVALID : sz_xmd_init(&x, alg);
	if (r != SZ_OK) {
		if (out != NULL && len > 0)
			memset(out, 0, len);
		return r;
	}
	sz_xmd_update(&x, msg, msglen);
	return sz_xmd_final(&x, out, len, dst, dstlen);
}

int
sz_xmd_final_group(sz_xmd *x, uint8_t out[static 32], const uint8_t *dst, size_t dstlen)
{
	uint8_t u[SZ_H2C_UNIFORM_BYTES];
	int r;

	memset(out, 0, 32);
	if (x->alg != SZ_HASH_SHA512) {
		sz_wipe(x, sizeof *x);
		return SZ_ERR_INVALID;
	}
	if ((r = sz_xmd_final(x, u, sizeof u, dst, dstlen)) == SZ_OK)
		r = crypto_core_ristretto255_from_hash(out, u) == 0 ? SZ_OK : SZ_ERR_INTERNAL;
	sz_wipe(u, sizeof u);
	return r;
}

int
sz_xmd_final_scalar(sz_xmd *x, uint8_t out[static 32], const uint8_t *dst, size_t dstlen)
{
	uint8_t u[SZ_H2C_UNIFORM_BYTES];
	int r;

	memset(out, 0, 32);
	if (x->alg != SZ_HASH_SHA512) {
		sz_wipe(x, sizeof *x);
		return SZ_ERR_INVALID;
	}
	if ((r = sz_xmd_final(x, u, sizeof u, dst, dstlen)) == SZ_OK)
		crypto_core_ristretto255_scalar_reduce(out, u);
	sz_wipe(u, sizeof u);
	return r;
}

int
sz_h2c_hash_to_group(uint8_t out[static 32], const uint8_t *msg, size_t msglen,
    const uint8_t *dst, size_t dstlen)
{
	sz_xmd x;
	int r = msg == NULL && msglen > 0 ? SZ_ERR_INVALID : sz_xmd_init(&x, SZ_HASH_SHA512);
	if (r != SZ_OK) {
		memset(out, 0, 32);
		return r;
	}
	sz_xmd_update(&x, msg, msglen);
	return sz_xmd_final_group(&x, out, dst, dstlen);
}

int
sz_h2c_hash_to_scalar(uint8_t out[static 32], const uint8_t *msg, size_t msglen,
    const uint8_t *dst, size_t dstlen)
{
	sz_xmd x;
	int r = msg == NULL && msglen > 0 ? SZ_ERR_INVALID : sz_xmd_init(&x, SZ_HASH_SHA512);
	if (r != SZ_OK) {
		memset(out, 0, 32);
		return r;
	}
	sz_xmd_update(&x, msg, msglen);
	return sz_xmd_final_scalar(&x, out, dst, dstlen);
}
