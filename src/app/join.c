/*
 * join.c - join requests and answers (see join.h; docs/PROTOCOL.md §14.2-14.3).
 * Layer: app.
 *
 * dh      = X25519(e, invite_pub) = X25519(invite_sk, e_pub)
 * th      = e_pub ‖ invite_pub ‖ token
 * k_req   = HKDF-SHA256(salt = "samizdat join v2", ikm = dh, info = th)
 * k_ans   = HKDF-SHA256(salt = "samizdat join answer v2", ikm = dh, info = th)
 * request = e_pub ‖ ChaCha20-Poly1305(k_req, nonce "szjoin-req-2", ad "samizdat join v2" ‖ e_pub,
 *                                     token ‖ identity ‖ prekey ‖ csk ‖ proof)
 * k_proof = HKDF-SHA256(salt = "samizdat join proof v2", ikm = X25519(identity as X25519,
 *                       invite_pub), info = invite_pub ‖ identity)
 * proof   = BLAKE2b-256(key = k_proof, e_pub ‖ token ‖ identity ‖ prekey ‖ csk)
 * answer  = ChaCha20-Poly1305(k_ans, nonce "szjoin-ans-2", ad "samizdat join answer v2" ‖ e_pub,
 *                             code i32 ‖ welcome)
 */
#include "app/join.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"

#define REQ_LABEL "samizdat join v2"
#define ANS_LABEL "samizdat join answer v2"
#define PROOF_LABEL "samizdat join proof v2"
#define REQ_NONCE "szjoin-req-2"
#define ANS_NONCE "szjoin-ans-2"
#define INNER (16 + 4 * 32)

/* k_req and k_ans from dh. */
static int
session_keys(uint8_t k_req[32], uint8_t k_ans[32], const uint8_t dh[32], const uint8_t e_pub[32],
    const uint8_t invite_pub[32], const uint8_t token[16])
{
	uint8_t th[80];
	int r;
	memcpy(th, e_pub, 32);
	memcpy(th + 32, invite_pub, 32);
	memcpy(th + 64, token, 16);
	if ((r = sz_hkdf(SZ_HASH_SHA256, k_req, 32, (const uint8_t *)REQ_LABEL, strlen(REQ_LABEL), dh,
	    32, th, sizeof th)) == SZ_OK)
		r = sz_hkdf(SZ_HASH_SHA256, k_ans, 32, (const uint8_t *)ANS_LABEL, strlen(ANS_LABEL), dh,
		    32, th, sizeof th);
	return r;
}

/* proof over (e_pub, inner[0..112): token ‖ identity ‖ prekey ‖ csk) from the shared secret x. */
static int
proof_of(uint8_t proof[32], const uint8_t x[32], const uint8_t invite_pub[32],
    const uint8_t e_pub[32], const uint8_t inner[16 + 96])
{
	uint8_t info[64], k[32], t[32 + 16 + 96];
	int r;
	memcpy(info, invite_pub, 32);
	memcpy(info + 32, inner + 16, 32); /* the identity */
	memcpy(t, e_pub, 32);
	memcpy(t + 32, inner, 16 + 96);
	if ((r = sz_hkdf(SZ_HASH_SHA256, k, 32, (const uint8_t *)PROOF_LABEL, strlen(PROOF_LABEL), x,
	    32, info, sizeof info)) == SZ_OK)
		r = sz_blake2b(proof, 32, t, sizeof t, k, 32);
	sz_wipe(k, sizeof k);
	sz_wipe(t, sizeof t);
	return r;
}

static void
ad_of(uint8_t *ad, const char *label, const uint8_t e_pub[32])
{
	size_t l = strlen(label);
	memcpy(ad, label, l);
	memcpy(ad + l, e_pub, 32);
}

int
sz_join_request_seal(const sz_env *env, const uint8_t token[static 16],
    const uint8_t invite_pub[static 32], const uint8_t id_sk[static 64], sz_join_secrets *js,
    uint8_t req[static SZ_JOIN_REQUEST_BYTES])
{
	uint8_t e_sk[32], dh[32], k_req[32], xsk[32], x[32], inner[INNER];
	uint8_t ad[sizeof REQ_LABEL - 1 + 32];
	int r;
	memset(js, 0, sizeof *js);
	memset(req, 0, SZ_JOIN_REQUEST_BYTES);
	if ((r = sz_cell_joinkeys_new(env, &js->keys)) != SZ_OK)
		goto out;
	sz_random(env, e_sk, sizeof e_sk);
	if ((r = sz_dh_public(js->e_pub, e_sk)) != SZ_OK ||
	    (r = sz_dh(dh, e_sk, invite_pub)) != SZ_OK ||
	    (r = session_keys(k_req, js->answer_key, dh, js->e_pub, invite_pub, token)) != SZ_OK)
		goto out;
	if (crypto_sign_ed25519_sk_to_curve25519(xsk, id_sk) != 0) {
		r = SZ_ERR_CRYPTO;
		goto out;
	}
	if ((r = sz_dh(x, xsk, invite_pub)) != SZ_OK)
		goto out;
	memcpy(inner, token, 16);
	memcpy(inner + 16, id_sk + 32, 32);
	memcpy(inner + 48, js->keys.prekey_pk, 32);
	memcpy(inner + 80, js->keys.csk_pk, 32);
	if ((r = proof_of(inner + 112, x, invite_pub, js->e_pub, inner)) != SZ_OK)
		goto out;
	memcpy(req, js->e_pub, 32);
	ad_of(ad, REQ_LABEL, js->e_pub);
	r = sz_aead_encrypt(req + 32, inner, sizeof inner, ad, sizeof ad, (const uint8_t *)REQ_NONCE,
	    k_req);
out:
	if (r != SZ_OK) {
		sz_wipe(js, sizeof *js);
		sz_wipe(req, SZ_JOIN_REQUEST_BYTES);
	}
	sz_wipe(e_sk, sizeof e_sk);
	sz_wipe(dh, sizeof dh);
	sz_wipe(k_req, sizeof k_req);
	sz_wipe(xsk, sizeof xsk);
	sz_wipe(x, sizeof x);
	sz_wipe(inner, sizeof inner);
	return r;
}

int
sz_join_request_open(sz_join_request *rq, const uint8_t *req, size_t len,
    const uint8_t token[static 16], const uint8_t invite_sk[static 32],
    const uint8_t invite_pub[static 32])
{
	uint8_t dh[32], k_req[32], inner[INNER], xpk[32], x[32], want[32];
	uint8_t ad[sizeof REQ_LABEL - 1 + 32];
	int r;
	memset(rq, 0, sizeof *rq);
	if (len != SZ_JOIN_REQUEST_BYTES) {
		r = SZ_ERR_MALFORMED;
		goto out;
	}
	/* A low-order e_pub gives no shared secret: it is no one's request. */
	if (sz_dh(dh, invite_sk, req) != SZ_OK) {
		r = SZ_ERR_DECRYPT;
		goto out;
	}
	memcpy(rq->e_pub, req, 32);
	if ((r = session_keys(k_req, rq->answer_key, dh, rq->e_pub, invite_pub, token)) != SZ_OK)
		goto out;
	ad_of(ad, REQ_LABEL, rq->e_pub);
	if ((r = sz_aead_decrypt(inner, req + 32, len - 32, ad, sizeof ad, (const uint8_t *)REQ_NONCE,
	    k_req)) != SZ_OK) {
		r = SZ_ERR_DECRYPT;
		goto out;
	}
	/* The key binds the token already; a mismatch inside is a malformed request. */
	if (!sz_ct_equal(inner, token, 16)) {
		r = SZ_ERR_MALFORMED;
		goto out;
	}
	memcpy(rq->identity, inner + 16, 32);
	memcpy(rq->prekey, inner + 48, 32);
	memcpy(rq->csk, inner + 80, 32);
	/* Possession of the identity key: the inviter computes the same shared secret from its side.
	 * An identity that is no valid Ed25519 point proves nothing. */
	r = SZ_ERR_BAD_SIGNATURE;
	if (crypto_sign_ed25519_pk_to_curve25519(xpk, rq->identity) != 0 ||
	    sz_dh(x, invite_sk, xpk) != SZ_OK)
		goto out;
	if (proof_of(want, x, invite_pub, rq->e_pub, inner) != SZ_OK) {
		r = SZ_ERR_INTERNAL;
		goto out;
	}
	r = sodium_memcmp(want, inner + 112, 32) == 0 ? SZ_OK : SZ_ERR_BAD_SIGNATURE;
out:
	if (r != SZ_OK && r != SZ_ERR_BAD_SIGNATURE)
		sz_wipe(rq, sizeof *rq);
	sz_wipe(dh, sizeof dh);
	sz_wipe(k_req, sizeof k_req);
	sz_wipe(inner, sizeof inner);
	sz_wipe(x, sizeof x);
	sz_wipe(want, sizeof want);
	return r;
}

int
sz_join_answer_seal(sz_buf *out, const sz_join_request *rq, int code, const uint8_t *welcome,
    size_t wlen)
{
	uint8_t ad[sizeof ANS_LABEL - 1 + 32];
	sz_buf pt = { .secret = true };
	int r;
	if (code != SZ_OK)
		wlen = 0;
	if (wlen > SZ_CELL_WELCOME_MAX)
		return SZ_ERR_TOO_LARGE;
	sz_buf_u32(&pt, (uint32_t)(int32_t)code);
	if (wlen > 0)
		sz_buf_append(&pt, welcome, wlen);
	if ((r = pt.err) != SZ_OK || (r = sz_buf_reserve(out, pt.len + SZ_AEAD_TAG_BYTES)) != SZ_OK)
		goto out;
	ad_of(ad, ANS_LABEL, rq->e_pub);
	if ((r = sz_aead_encrypt(out->p + out->len, pt.p, pt.len, ad, sizeof ad,
	    (const uint8_t *)ANS_NONCE, rq->answer_key)) == SZ_OK)
		out->len += pt.len + SZ_AEAD_TAG_BYTES;
out:
	sz_buf_free(&pt);
	return r;
}

int
sz_join_answer_open(const sz_join_secrets *js, const uint8_t *ans, size_t len, int *code,
    uint8_t **welcome, size_t *wlen)
{
	uint8_t ad[sizeof ANS_LABEL - 1 + 32];
	uint8_t *pt = NULL;
	int r;
	*code = SZ_ERR_INTERNAL;
	*welcome = NULL;
	*wlen = 0;
	if (len < 4 + SZ_AEAD_TAG_BYTES || len > SZ_JOIN_ANSWER_MAX)
		return SZ_ERR_MALFORMED;
	if ((pt = malloc(len - SZ_AEAD_TAG_BYTES)) == NULL)
		return SZ_ERR_NOMEM;
	ad_of(ad, ANS_LABEL, js->e_pub);
	if ((r = sz_aead_decrypt(pt, ans, len, ad, sizeof ad, (const uint8_t *)ANS_NONCE,
	    js->answer_key)) != SZ_OK) {
		r = SZ_ERR_DECRYPT;
		goto out;
	}
	size_t n = len - SZ_AEAD_TAG_BYTES;
	int c = (int)(int32_t)sz_load_u32(pt);
	/* SZ_OK with a welcome, or a refusal (an sz_err) with nothing after it */
	if ((c == SZ_OK) != (n > 4) || c > 0 || c <= -1000) {
		r = SZ_ERR_MALFORMED;
		goto out;
	}
	*code = c;
	if (c == SZ_OK) {
		memmove(pt, pt + 4, n - 4);
		*welcome = pt;
		*wlen = n - 4;
		pt = NULL;
	}
	r = SZ_OK;
out:
	if (pt != NULL) {
		sz_wipe(pt, len - SZ_AEAD_TAG_BYTES);
		free(pt);
	}
	return r;
}
