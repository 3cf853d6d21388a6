/*
 * noise.c - Noise revision 34: CipherState (§5.1), SymmetricState (§5.2), HandshakeState (§5.3)
 * over X25519, ChaCha20-Poly1305 (IETF) and BLAKE2b/SHA512/SHA256.  Layer: crypto.
 * Written from the specification; the patterns are data (noise_pattern.c).  See noise.h for
 * the contract, docs/PROTOCOL.md §5 (Noise links) for the wire.
 */
#include "crypto/noise.h"

#include <string.h>

#include "crypto/crypto.h"
#include "crypto/noise_pattern.h"
#include "lib/bytes.h"

/* --- CipherState (§5.1) ------------------------------------------------------------------ */

typedef struct cipher_state {
	uint8_t k[SZ_NOISE_KEY_BYTES];
	uint64_t n;
	bool has_key;
} cipher_state;

/* §12.3: the 96-bit nonce is 32 bits of zeros, then n in little-endian. */
static void
chachapoly_nonce(uint8_t nonce[static SZ_NONCE_BYTES], uint64_t n)
{
	memset(nonce, 0, 4);
	sz_store_u64le(nonce + 4, n);
}

static void
cs_init_key(cipher_state *cs, const uint8_t k[static SZ_NOISE_KEY_BYTES])
{
	memcpy(cs->k, k, SZ_NOISE_KEY_BYTES);
	cs->n = 0;
	cs->has_key = true;
}

/* EncryptWithAd: out gets ptlen (+ 16 with a key) bytes; out may equal pt. */
static int
cs_encrypt(cipher_state *cs, const uint8_t *ad, size_t adlen, const uint8_t *pt, size_t ptlen,
    uint8_t *out)
{
	uint8_t nonce[SZ_NONCE_BYTES];
	int r;
	if (!cs->has_key) {
		if (ptlen > 0 && out != pt)
			memmove(out, pt, ptlen);
		return SZ_OK;
	}
	/* 2^64-1 is reserved (§5.1): reaching it ends the CipherState. */
	if (cs->n == UINT64_MAX)
		return SZ_ERR_LIMIT;
	chachapoly_nonce(nonce, cs->n);
	if ((r = sz_aead_encrypt(out, pt, ptlen, ad, adlen, nonce, cs->k)) != SZ_OK)
		return r;
	cs->n++;
	return SZ_OK;
}

/* DecryptWithAd: out gets ctlen (- 16 with a key) bytes; out may equal ct.  n advances only on
 * success (§5.1). */
static int
cs_decrypt(cipher_state *cs, const uint8_t *ad, size_t adlen, const uint8_t *ct, size_t ctlen,
    uint8_t *out)
{
	uint8_t nonce[SZ_NONCE_BYTES];
	int r;
	if (!cs->has_key) {
		if (ctlen > 0 && out != ct)
			memmove(out, ct, ctlen);
		return SZ_OK;
	}
	if (cs->n == UINT64_MAX)
		return SZ_ERR_LIMIT;
	if (ctlen < SZ_NOISE_TAG_BYTES)
		return SZ_ERR_TRUNCATED;
	chachapoly_nonce(nonce, cs->n);
	if ((r = sz_aead_decrypt(out, ct, ctlen, ad, adlen, nonce, cs->k)) != SZ_OK)
		return r;
	cs->n++;
	return SZ_OK;
}

/* REKEY(k) (§4.2 default): the first 32 bytes of ENCRYPT(k, 2^64-1, empty, 32 zeros). */
static int
cs_rekey(cipher_state *cs)
{
	uint8_t nonce[SZ_NONCE_BYTES], zeros[SZ_NOISE_KEY_BYTES] = { 0 };
	uint8_t out[SZ_NOISE_KEY_BYTES + SZ_NOISE_TAG_BYTES];
	int r;
	chachapoly_nonce(nonce, UINT64_MAX);
	if ((r = sz_aead_encrypt(out, zeros, sizeof zeros, NULL, 0, nonce, cs->k)) == SZ_OK)
		memcpy(cs->k, out, SZ_NOISE_KEY_BYTES);
	sz_wipe(out, sizeof out);
	return r;
}

/* --- Transport CipherStates ------------------------------------------------------------- */

struct sz_noise_cipher {
	cipher_state cs;
	bool failed;
};
_Static_assert(sizeof(struct sz_noise_cipher) <= SZ_SECRET_SLOT, "a cipher fits a secret slot");

static int
cipher_fail(sz_noise_cipher *c, int r)
{
	sz_wipe(&c->cs, sizeof c->cs);
	c->failed = true;
	return r;
}

int
sz_noise_encrypt(sz_noise_cipher *c, const uint8_t *pt, size_t ptlen, uint8_t *out, size_t cap,
    size_t *outlen)
{
	*outlen = 0;
	if (c->failed)
		return SZ_ERR_STATE;
	if (ptlen > SZ_NOISE_MAX_PLAINTEXT || cap < ptlen + SZ_NOISE_TAG_BYTES)
		return cipher_fail(c, SZ_ERR_TOO_LARGE);
	if (pt == NULL && ptlen > 0)
		return cipher_fail(c, SZ_ERR_INVALID);
	int r = cs_encrypt(&c->cs, NULL, 0, pt, ptlen, out);
	if (r != SZ_OK)
		return cipher_fail(c, r);
	*outlen = ptlen + SZ_NOISE_TAG_BYTES;
	return SZ_OK;
}

int
sz_noise_decrypt(sz_noise_cipher *c, const uint8_t *ct, size_t ctlen, uint8_t *out, size_t cap,
    size_t *outlen)
{
	*outlen = 0;
	if (c->failed)
		return SZ_ERR_STATE;
	if (ctlen > SZ_NOISE_MAX_MSG)
		return cipher_fail(c, SZ_ERR_TOO_LARGE);
	if (ctlen < SZ_NOISE_TAG_BYTES)
		return cipher_fail(c, SZ_ERR_TRUNCATED);
	if (cap < ctlen - SZ_NOISE_TAG_BYTES)
		return cipher_fail(c, SZ_ERR_TOO_LARGE);
	int r = cs_decrypt(&c->cs, NULL, 0, ct, ctlen, out);
	if (r != SZ_OK)
		return cipher_fail(c, r);
	*outlen = ctlen - SZ_NOISE_TAG_BYTES;
	return SZ_OK;
}

int
sz_noise_rekey(sz_noise_cipher *c)
{
	if (c->failed)
		return SZ_ERR_STATE;
	int r = cs_rekey(&c->cs);
	return r == SZ_OK ? SZ_OK : cipher_fail(c, r);
}

uint64_t
sz_noise_cipher_nonce(const sz_noise_cipher *c)
{
	return c->cs.n;
}

int
sz_noise_cipher_set_nonce(sz_noise_cipher *c, uint64_t n)
{
	if (c->failed)
		return SZ_ERR_STATE;
	if (n < c->cs.n)
		return SZ_ERR_INVALID;
	c->cs.n = n;
	return SZ_OK;
}

bool
sz_noise_cipher_failed(const sz_noise_cipher *c)
{
	return c->failed;
}

void
sz_noise_cipher_free(sz_noise_cipher *c)
{
	sz_secret_slot_free(c);
}

/* --- HandshakeState (§5.3) with its SymmetricState (§5.2) -------------------------------- */

enum { HS_RUN = 1, HS_COMPLETE, HS_SPLIT, HS_FAILED };


struct sz_noise_hs {
	sz_noise_protocol p;
	int state;
	bool initiator;
	size_t msg;                 /* index of the next message pattern */
	size_t hashlen;
	/* SymmetricState */
	uint8_t ck[SZ_NOISE_HASH_MAX];
	uint8_t h[SZ_NOISE_HASH_MAX];
	cipher_state cs;
	/* DH variables */
	uint8_t s[SZ_NOISE_KEY_BYTES], s_pub[SZ_NOISE_KEY_BYTES];
	uint8_t e[SZ_NOISE_KEY_BYTES], e_pub[SZ_NOISE_KEY_BYTES];
	uint8_t rs[SZ_NOISE_KEY_BYTES], re[SZ_NOISE_KEY_BYTES];
	bool has_s, has_e, has_rs, has_re;
	uint8_t psk[SZ_NOISE_MAX_PSKS][SZ_NOISE_KEY_BYTES];
	size_t psk_next;
	uint8_t fixed_e[SZ_NOISE_KEY_BYTES];
	bool has_fixed_e;
	sz_env env;
};
_Static_assert(sizeof(struct sz_noise_hs) <= SZ_SECRET_SLOT, "a handshake fits a secret slot");

/* Wipe every secret, keep nothing usable. */
static int
hs_fail(sz_noise_hs *hs, int r)
{
	sz_wipe(hs, sizeof *hs);
	hs->state = HS_FAILED;
	return r;
}

/* out = HASH(h || data): MixHash, written to out (h itself or a copy). */
static int
mix_hash2(sz_noise_hs *hs, uint8_t out[static SZ_NOISE_HASH_MAX], const uint8_t *data,
    size_t len)
{
	sz_hash_state st;
	int r;
	if ((r = sz_hash_init(&st, hs->p.hash)) != SZ_OK ||
	    (r = sz_hash_update(&st, hs->h, hs->hashlen)) != SZ_OK ||
	    (r = sz_hash_update(&st, data, len)) != SZ_OK)
		return r;
	return sz_hash_final(&st, out);
}

static int
mix_hash(sz_noise_hs *hs, const uint8_t *data, size_t len)
{
	return mix_hash2(hs, hs->h, data, len);
}

/* HKDF(ck, ikm, 2 or 3) of §4.3, on HMAC-HASH; o3 may be NULL.  o1 may alias ck. */
static int
noise_hkdf(sz_noise_hs *hs, const uint8_t *ikm, size_t ikmlen, uint8_t *o1, uint8_t *o2,
    uint8_t *o3)
{
	static const uint8_t b1 = 0x01, b2 = 0x02, b3 = 0x03;
	uint8_t temp[SZ_NOISE_HASH_MAX];
	sz_hmac_state m;
	sz_hash_alg alg = hs->p.hash;
	size_t hl = hs->hashlen;
	int r;
	if ((r = sz_hmac(alg, temp, hs->ck, hl, ikm, ikmlen)) != SZ_OK ||
	    (r = sz_hmac(alg, o1, temp, hl, &b1, 1)) != SZ_OK ||
	    (r = sz_hmac_init(&m, alg, temp, hl)) != SZ_OK ||
	    (r = sz_hmac_update(&m, o1, hl)) != SZ_OK || (r = sz_hmac_update(&m, &b2, 1)) != SZ_OK ||
	    (r = sz_hmac_final(&m, o2)) != SZ_OK)
		goto out;
	if (o3 != NULL && ((r = sz_hmac_init(&m, alg, temp, hl)) != SZ_OK ||
	    (r = sz_hmac_update(&m, o2, hl)) != SZ_OK || (r = sz_hmac_update(&m, &b3, 1)) != SZ_OK ||
	    (r = sz_hmac_final(&m, o3)) != SZ_OK))
		goto out;
	r = SZ_OK;
out:
	sz_wipe(temp, sizeof temp);
	sz_wipe(&m, sizeof m);
	return r;
}

/* MixKey(ikm): ck, temp_k = HKDF(ck, ikm, 2); InitializeKey(temp_k truncated to 32). */
static int
mix_key(sz_noise_hs *hs, const uint8_t *ikm, size_t len)
{
	uint8_t tk[SZ_NOISE_HASH_MAX];
	int r = noise_hkdf(hs, ikm, len, hs->ck, tk, NULL);
	if (r == SZ_OK)
		cs_init_key(&hs->cs, tk);
	sz_wipe(tk, sizeof tk);
	return r;
}

/* MixKeyAndHash(ikm) (§5.2, for psk tokens). */
static int
mix_key_and_hash(sz_noise_hs *hs, const uint8_t *ikm, size_t len)
{
	uint8_t th[SZ_NOISE_HASH_MAX], tk[SZ_NOISE_HASH_MAX];
	int r = noise_hkdf(hs, ikm, len, hs->ck, th, tk);
	if (r == SZ_OK && (r = mix_hash(hs, th, hs->hashlen)) == SZ_OK)
		cs_init_key(&hs->cs, tk);
	sz_wipe(th, sizeof th);
	sz_wipe(tk, sizeof tk);
	return r;
}

/* EncryptAndHash: out gets len (+16 once a key is set) bytes. */
static int
encrypt_and_hash(sz_noise_hs *hs, const uint8_t *pt, size_t len, uint8_t *out, size_t *outlen)
{
	size_t n = len + (hs->cs.has_key ? SZ_NOISE_TAG_BYTES : 0);
	int r = cs_encrypt(&hs->cs, hs->h, hs->hashlen, pt, len, out);
	if (r == SZ_OK)
		r = mix_hash(hs, out, n);
	*outlen = n;
	return r;
}

/* DecryptAndHash: the new h is computed from the ciphertext before decryption so that out may
 * equal ct; it takes effect only when the ciphertext authenticates. */
static int
decrypt_and_hash(sz_noise_hs *hs, const uint8_t *ct, size_t len, uint8_t *out)
{
	uint8_t h2[SZ_NOISE_HASH_MAX];
	int r;
	if ((r = mix_hash2(hs, h2, ct, len)) != SZ_OK)
		return r;
	if ((r = cs_decrypt(&hs->cs, hs->h, hs->hashlen, ct, len, out)) == SZ_OK)
		memcpy(hs->h, h2, sizeof h2);
	return r;
}

/* DH(key_pair, public_key) for 25519; an all-zero result is an error (§12.1 allows it). */
static int
dh_mix(sz_noise_hs *hs, const uint8_t *priv, bool have_priv, const uint8_t *pub, bool have_pub)
{
	uint8_t out[SZ_DH_BYTES];
	int r;
	if (!have_priv || !have_pub)
		return SZ_ERR_INTERNAL; /* the pattern table and the key checks prevent this */
	if ((r = sz_dh(out, priv, pub)) == SZ_OK)
		r = mix_key(hs, out, sizeof out);
	sz_wipe(out, sizeof out);
	return r;
}

/* The DH tokens, by role (§5.3). */
static int
dh_token(sz_noise_hs *hs, uint8_t t)
{
	bool i = hs->initiator;
	switch (t) {
	case SZ_NT_EE:
		return dh_mix(hs, hs->e, hs->has_e, hs->re, hs->has_re);
	case SZ_NT_ES:
		return i ? dh_mix(hs, hs->e, hs->has_e, hs->rs, hs->has_rs) :
		    dh_mix(hs, hs->s, hs->has_s, hs->re, hs->has_re);
	case SZ_NT_SE:
		return i ? dh_mix(hs, hs->s, hs->has_s, hs->re, hs->has_re) :
		    dh_mix(hs, hs->e, hs->has_e, hs->rs, hs->has_rs);
	case SZ_NT_SS:
		return dh_mix(hs, hs->s, hs->has_s, hs->rs, hs->has_rs);
	case SZ_NT_PSK:
		if (hs->psk_next >= hs->p.npsk)
			return SZ_ERR_INTERNAL;
		return mix_key_and_hash(hs, hs->psk[hs->psk_next++], SZ_NOISE_KEY_BYTES);
	}
	return SZ_ERR_INTERNAL;
}

/* Whether this side writes the next message. */
static bool
my_turn(const sz_noise_hs *hs)
{
	bool init_sends = hs->p.one_way || hs->msg % 2 == 0;
	return hs->initiator == init_sends;
}

/* The exact length of the next message with a payload of plen bytes. */
static size_t
message_len(const sz_noise_hs *hs, size_t plen)
{
	bool key = hs->cs.has_key;
	size_t n = 0;
	for (size_t t = 0; t < hs->p.ntok[hs->msg]; t++) {
		uint8_t tok = hs->p.tok[hs->msg][t];
		if (tok == SZ_NT_E) {
			n += SZ_NOISE_KEY_BYTES;
			key = key || hs->p.npsk > 0;
		} else if (tok == SZ_NT_S) {
			n += SZ_NOISE_KEY_BYTES + (key ? SZ_NOISE_TAG_BYTES : 0);
		} else {
			key = true; /* every DH token and psk calls MixKey */
		}
	}
	return n + plen + (key ? SZ_NOISE_TAG_BYTES : 0);
}

/* After the last message: the handshake is complete. */
static void
advance(sz_noise_hs *hs)
{
	hs->msg++;
	if (hs->msg == hs->p.nmsgs)
		hs->state = HS_COMPLETE;
}

int
sz_noise_hs_new(sz_noise_hs **out, const sz_noise_config *cfg)
{
	sz_noise_protocol p;
	sz_noise_hs *hs = NULL;
	int r;

	*out = NULL;
	if (cfg == NULL || (cfg->role != SZ_NOISE_INITIATOR && cfg->role != SZ_NOISE_RESPONDER))
		return SZ_ERR_INVALID;
	if ((r = sz_noise_protocol_parse(cfg->protocol, &p)) != SZ_OK)
		return r;
	bool init = cfg->role == SZ_NOISE_INITIATOR;
	bool need_s = init ? (p.pre_s_init || p.init_sends_s) : (p.pre_s_resp || p.resp_sends_s);
	bool need_rs = init ? p.pre_s_resp : p.pre_s_init;
	if (need_s != (cfg->s != NULL) || need_rs != (cfg->rs != NULL) ||
	    (cfg->s_pub != NULL && cfg->s == NULL) ||
	    cfg->npsks != p.npsk || (p.npsk > 0 && cfg->psks == NULL) ||
	    (cfg->prologue == NULL && cfg->prologue_len > 0) ||
	    (cfg->env == NULL && cfg->fixed_e == NULL))
		return SZ_ERR_INVALID;
	if ((hs = sz_secret_slot_alloc(sizeof *hs)) == NULL)
		return SZ_ERR_NOMEM;
	hs->p = p;
	hs->initiator = init;
	hs->state = HS_RUN;
	hs->hashlen = sz_hash_len(p.hash);
	if (cfg->env != NULL)
		hs->env = *cfg->env;
	if (cfg->fixed_e != NULL) {
		memcpy(hs->fixed_e, cfg->fixed_e, SZ_NOISE_KEY_BYTES);
		hs->has_fixed_e = true;
	}
	for (size_t i = 0; i < p.npsk; i++)
		memcpy(hs->psk[i], cfg->psks + i * SZ_NOISE_KEY_BYTES, SZ_NOISE_KEY_BYTES);

	/* InitializeSymmetric(protocol_name) */
	size_t nlen = strlen(cfg->protocol);
	if (nlen <= hs->hashlen)
		memcpy(hs->h, cfg->protocol, nlen); /* zero-padded: the object starts zeroed */
	else if ((r = sz_hash(p.hash, hs->h, (const uint8_t *)cfg->protocol, nlen)) != SZ_OK)
		goto fail;
	memcpy(hs->ck, hs->h, hs->hashlen);
	if ((r = mix_hash(hs, cfg->prologue, cfg->prologue_len)) != SZ_OK)
		goto fail;

	if (cfg->s != NULL) {
		/* A given public key that is not s's makes every DH with it disagree with the peer's:
		 * the handshake then fails on the first tag, never silently. */
		memcpy(hs->s, cfg->s, SZ_NOISE_KEY_BYTES);
		if (cfg->s_pub != NULL)
			memcpy(hs->s_pub, cfg->s_pub, SZ_NOISE_KEY_BYTES);
		else if ((r = sz_dh_public(hs->s_pub, hs->s)) != SZ_OK)
			goto fail;
		hs->has_s = true;
	}
	if (cfg->rs != NULL) {
		memcpy(hs->rs, cfg->rs, SZ_NOISE_KEY_BYTES);
		hs->has_rs = true;
	}
	/* Pre-messages: the initiator's keys first (§5.3 Initialize). */
	if (p.pre_s_init && (r = mix_hash(hs, init ? hs->s_pub : hs->rs, SZ_NOISE_KEY_BYTES)) != 0)
		goto fail;
	if (p.pre_s_resp && (r = mix_hash(hs, init ? hs->rs : hs->s_pub, SZ_NOISE_KEY_BYTES)) != 0)
		goto fail;
	*out = hs;
	return SZ_OK;
fail:
	sz_secret_slot_free(hs);
	return r;
}

void
sz_noise_hs_free(sz_noise_hs *hs)
{
	sz_secret_slot_free(hs);
}

sz_noise_next
sz_noise_hs_next(const sz_noise_hs *hs)
{
	switch (hs->state) {
	case HS_RUN: return my_turn(hs) ? SZ_NOISE_WRITE : SZ_NOISE_READ;
	case HS_COMPLETE: return SZ_NOISE_SPLIT;
	case HS_SPLIT: return SZ_NOISE_DONE;
	default: return SZ_NOISE_FAILED;
	}
}

bool
sz_noise_hs_is_complete(const sz_noise_hs *hs)
{
	return hs->state == HS_COMPLETE || hs->state == HS_SPLIT;
}

int
sz_noise_hs_write(sz_noise_hs *hs, const uint8_t *payload, size_t plen, uint8_t *out,
    size_t cap, size_t *outlen)
{
	size_t off = 0, n;
	int r;

	*outlen = 0;
	if (hs->state == HS_FAILED)
		return SZ_ERR_STATE;
	if (hs->state != HS_RUN || !my_turn(hs))
		return hs_fail(hs, SZ_ERR_STATE);
	if ((payload == NULL && plen > 0) || out == NULL)
		return hs_fail(hs, SZ_ERR_INVALID);
	if (plen > SZ_NOISE_MAX_MSG || (n = message_len(hs, plen)) > SZ_NOISE_MAX_MSG || n > cap)
		return hs_fail(hs, SZ_ERR_TOO_LARGE);

	for (size_t t = 0; t < hs->p.ntok[hs->msg]; t++) {
		uint8_t tok = hs->p.tok[hs->msg][t];
		size_t w;
		if (tok == SZ_NT_E) {
			if (hs->has_e)
				return hs_fail(hs, SZ_ERR_INTERNAL);
			if (hs->has_fixed_e)
				memcpy(hs->e, hs->fixed_e, SZ_NOISE_KEY_BYTES);
			else
				sz_random(&hs->env, hs->e, SZ_NOISE_KEY_BYTES);
			if ((r = sz_dh_public(hs->e_pub, hs->e)) != SZ_OK)
				return hs_fail(hs, r);
			hs->has_e = true;
			memcpy(out + off, hs->e_pub, SZ_NOISE_KEY_BYTES);
			off += SZ_NOISE_KEY_BYTES;
			if ((r = mix_hash(hs, hs->e_pub, SZ_NOISE_KEY_BYTES)) != SZ_OK)
				return hs_fail(hs, r);
			/* §9.2: in a PSK handshake, "e" also calls MixKey(e.public_key). */
			if (hs->p.npsk > 0 && (r = mix_key(hs, hs->e_pub, SZ_NOISE_KEY_BYTES)) != 0)
				return hs_fail(hs, r);
		} else if (tok == SZ_NT_S) {
			if (!hs->has_s)
				return hs_fail(hs, SZ_ERR_INTERNAL);
			if ((r = encrypt_and_hash(hs, hs->s_pub, SZ_NOISE_KEY_BYTES, out + off,
			    &w)) != SZ_OK)
				return hs_fail(hs, r);
			off += w;
		} else if ((r = dh_token(hs, tok)) != SZ_OK) {
			return hs_fail(hs, r);
		}
	}
	if ((r = encrypt_and_hash(hs, payload, plen, out + off, &n)) != SZ_OK)
		return hs_fail(hs, r);
	*outlen = off + n;
	advance(hs);
	return SZ_OK;
}

int
sz_noise_hs_read(sz_noise_hs *hs, const uint8_t *msg, size_t mlen, uint8_t *payload,
    size_t cap, size_t *plen)
{
	size_t off = 0;
	int r;

	*plen = 0;
	if (hs->state == HS_FAILED)
		return SZ_ERR_STATE;
	if (hs->state != HS_RUN || my_turn(hs))
		return hs_fail(hs, SZ_ERR_STATE);
	if (msg == NULL && mlen > 0)
		return hs_fail(hs, SZ_ERR_INVALID);
	if (mlen > SZ_NOISE_MAX_MSG)
		return hs_fail(hs, SZ_ERR_TOO_LARGE);

	for (size_t t = 0; t < hs->p.ntok[hs->msg]; t++) {
		uint8_t tok = hs->p.tok[hs->msg][t];
		if (tok == SZ_NT_E) {
			if (mlen - off < SZ_NOISE_KEY_BYTES)
				return hs_fail(hs, SZ_ERR_TRUNCATED);
			if (hs->has_re)
				return hs_fail(hs, SZ_ERR_INTERNAL);
			memcpy(hs->re, msg + off, SZ_NOISE_KEY_BYTES);
			hs->has_re = true;
			off += SZ_NOISE_KEY_BYTES;
			if ((r = mix_hash(hs, hs->re, SZ_NOISE_KEY_BYTES)) != SZ_OK)
				return hs_fail(hs, r);
			if (hs->p.npsk > 0 && (r = mix_key(hs, hs->re, SZ_NOISE_KEY_BYTES)) != 0)
				return hs_fail(hs, r);
		} else if (tok == SZ_NT_S) {
			size_t n = SZ_NOISE_KEY_BYTES + (hs->cs.has_key ? SZ_NOISE_TAG_BYTES : 0);
			if (mlen - off < n)
				return hs_fail(hs, SZ_ERR_TRUNCATED);
			if (hs->has_rs)
				return hs_fail(hs, SZ_ERR_INTERNAL);
			if ((r = decrypt_and_hash(hs, msg + off, n, hs->rs)) != SZ_OK)
				return hs_fail(hs, r);
			hs->has_rs = true;
			off += n;
		} else if ((r = dh_token(hs, tok)) != SZ_OK) {
			return hs_fail(hs, r);
		}
	}
	size_t left = mlen - off, tag = hs->cs.has_key ? SZ_NOISE_TAG_BYTES : 0;
	if (left < tag)
		return hs_fail(hs, SZ_ERR_TRUNCATED);
	if (left - tag > cap || (payload == NULL && left > tag))
		return hs_fail(hs, SZ_ERR_TOO_LARGE);
	if ((r = decrypt_and_hash(hs, msg + off, left, payload)) != SZ_OK)
		return hs_fail(hs, r);
	*plen = left - tag;
	advance(hs);
	return SZ_OK;
}

static sz_noise_cipher *
cipher_new(const uint8_t k[static SZ_NOISE_KEY_BYTES])
{
	sz_noise_cipher *c = sz_secret_slot_alloc(sizeof *c);
	if (c != NULL)
		cs_init_key(&c->cs, k);
	return c;
}

int
sz_noise_hs_split(sz_noise_hs *hs, sz_noise_cipher **send, sz_noise_cipher **recv)
{
	uint8_t k1[SZ_NOISE_HASH_MAX], k2[SZ_NOISE_HASH_MAX];
	sz_noise_cipher *c1 = NULL, *c2 = NULL;
	int r;

	*send = NULL;
	*recv = NULL;
	if (hs->state == HS_FAILED)
		return SZ_ERR_STATE;
	if (hs->state != HS_COMPLETE)
		return hs_fail(hs, SZ_ERR_STATE);
	/* Split(): temp_k1, temp_k2 = HKDF(ck, zerolen, 2), each truncated to 32 bytes. */
	if ((r = noise_hkdf(hs, NULL, 0, k1, k2, NULL)) != SZ_OK)
		goto out;
	r = SZ_ERR_NOMEM;
	if ((c1 = cipher_new(k1)) == NULL || (!hs->p.one_way && (c2 = cipher_new(k2)) == NULL))
		goto out;
	/* c1 carries initiator -> responder, c2 the other way; one-way patterns use c1 only. */
	*send = hs->initiator ? c1 : c2;
	*recv = hs->initiator ? c2 : c1;
	c1 = c2 = NULL;
	/* Keep h and rs (§5: channel binding); wipe the rest. */
	sz_wipe(hs->ck, sizeof hs->ck);
	sz_wipe(&hs->cs, sizeof hs->cs);
	sz_wipe(hs->s, sizeof hs->s);
	sz_wipe(hs->e, sizeof hs->e);
	sz_wipe(hs->psk, sizeof hs->psk);
	sz_wipe(hs->fixed_e, sizeof hs->fixed_e);
	hs->state = HS_SPLIT;
	r = SZ_OK;
out:
	sz_wipe(k1, sizeof k1);
	sz_wipe(k2, sizeof k2);
	sz_noise_cipher_free(c1);
	sz_noise_cipher_free(c2);
	if (r != SZ_OK)
		hs_fail(hs, r);
	return r;
}

int
sz_noise_hs_hash(const sz_noise_hs *hs, uint8_t h[static SZ_NOISE_HASH_MAX], size_t *hlen)
{
	*hlen = 0;
	if (hs->state != HS_COMPLETE && hs->state != HS_SPLIT)
		return SZ_ERR_STATE;
	memcpy(h, hs->h, hs->hashlen);
	*hlen = hs->hashlen;
	return SZ_OK;
}

int
sz_noise_hs_remote_static(const sz_noise_hs *hs, uint8_t rs[static SZ_NOISE_KEY_BYTES])
{
	if (hs->state == HS_FAILED)
		return SZ_ERR_STATE;
	if (!hs->has_rs)
		return SZ_ERR_NOT_FOUND;
	memcpy(rs, hs->rs, SZ_NOISE_KEY_BYTES);
	return SZ_OK;
}
