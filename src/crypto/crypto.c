/*
 * crypto.c - wrappers over libsodium, HMAC over SHA-256/SHA-512/BLAKE2b, and HKDF (RFC 5869).
 * Layer: crypto.  libsodium 1.0.18 has no HKDF and no HMAC-BLAKE2b; both are built here on the
 * incremental hash APIs, once, for every hash.
 */
#include "crypto/crypto.h"

#include <assert.h>
#include <pthread.h>
#include <string.h>

void *
sz_secret_alloc(size_t n)
{
	void *p = sodium_malloc(n ? n : 1);
	if (p != NULL)
		memset(p, 0, n ? n : 1);
	return p;
}

void
sz_secret_free(void *p)
{
	if (p != NULL)
		sodium_free(p); /* wipes before unmapping */
}

/* The slot pool: chunks of SLOTS_PER_CHUNK slots; free slots form a list threaded through
 * their first bytes (the rest of a free slot is zero). */
#define SLOTS_PER_CHUNK 32
#define MAX_CHUNKS 4096

static struct {
	pthread_mutex_t mu;
	void *free;
	uint8_t *chunk[MAX_CHUNKS];
	size_t nchunks;
	size_t in_use;
} slots = { .mu = PTHREAD_MUTEX_INITIALIZER };

void *
sz_secret_slot_alloc(size_t n)
{
	void *p = NULL;
	if (n > SZ_SECRET_SLOT)
		return NULL;
	pthread_mutex_lock(&slots.mu);
	if (slots.free == NULL && slots.nchunks < MAX_CHUNKS) {
		uint8_t *c = sodium_malloc(SZ_SECRET_SLOT * SLOTS_PER_CHUNK);
		if (c != NULL) {
			memset(c, 0, SZ_SECRET_SLOT * SLOTS_PER_CHUNK);
			for (size_t i = SLOTS_PER_CHUNK; i-- > 0; ) {
				memcpy(c + i * SZ_SECRET_SLOT, &slots.free, sizeof slots.free);
				slots.free = c + i * SZ_SECRET_SLOT;
			}
			slots.chunk[slots.nchunks++] = c;
		}
	}
	if (slots.free != NULL) {
		p = slots.free;
		memcpy(&slots.free, p, sizeof slots.free);
		memset(p, 0, sizeof slots.free);
		slots.in_use++;
	}
	pthread_mutex_unlock(&slots.mu);
	return p;
}

void
sz_secret_slot_free(void *p)
{
	if (p == NULL)
		return;
	sodium_memzero(p, SZ_SECRET_SLOT);
	pthread_mutex_lock(&slots.mu);
#ifndef NDEBUG
	int ours = 0;
	for (size_t i = 0; i < slots.nchunks && !ours; i++)
		ours = (uint8_t *)p >= slots.chunk[i] &&
		    (uint8_t *)p < slots.chunk[i] + SZ_SECRET_SLOT * SLOTS_PER_CHUNK &&
		    ((uint8_t *)p - slots.chunk[i]) % SZ_SECRET_SLOT == 0;
	assert(ours); /* a pointer that did not come from sz_secret_slot_alloc is our bug */
#endif
	memcpy(p, &slots.free, sizeof slots.free);
	slots.free = p;
	slots.in_use--;
	pthread_mutex_unlock(&slots.mu);
}

size_t
sz_secret_slots_in_use(void)
{
	pthread_mutex_lock(&slots.mu);
	size_t n = slots.in_use;
	pthread_mutex_unlock(&slots.mu);
	return n;
}

void
sz_wipe(void *p, size_t n)
{
	if (p != NULL && n > 0)
		sodium_memzero(p, n);
}

int
sz_ct_equal(const void *a, const void *b, size_t n)
{
	return sodium_memcmp(a, b, n) == 0;
}

/* --- Ed25519 ---------------------------------------------------------------------------- */

int
sz_sign_keypair(uint8_t pk[static SZ_SIGN_PK_BYTES], uint8_t sk[static SZ_SIGN_SK_BYTES])
{
	return crypto_sign_keypair(pk, sk) == 0 ? SZ_OK : SZ_ERR_INTERNAL;
}

int
sz_sign_seed_keypair(uint8_t pk[static SZ_SIGN_PK_BYTES], uint8_t sk[static SZ_SIGN_SK_BYTES],
    const uint8_t seed[static SZ_SIGN_SEED_BYTES])
{
	return crypto_sign_seed_keypair(pk, sk, seed) == 0 ? SZ_OK : SZ_ERR_INTERNAL;
}

int
sz_sign(uint8_t sig[static SZ_SIG_BYTES], const uint8_t *msg, size_t len,
    const uint8_t sk[static SZ_SIGN_SK_BYTES])
{
	return crypto_sign_detached(sig, NULL, msg, len, sk) == 0 ? SZ_OK : SZ_ERR_INTERNAL;
}

int
sz_verify(const uint8_t sig[static SZ_SIG_BYTES], const uint8_t *msg, size_t len,
    const uint8_t pk[static SZ_SIGN_PK_BYTES])
{
	return crypto_sign_verify_detached(sig, msg, len, pk) == 0 ? SZ_OK : SZ_ERR_BAD_SIGNATURE;
}

/* --- X25519 ----------------------------------------------------------------------------- */

int
sz_dh_keypair(uint8_t pk[static SZ_DH_BYTES], uint8_t sk[static SZ_DH_BYTES])
{
	randombytes_buf(sk, SZ_DH_BYTES);
	return sz_dh_public(pk, sk);
}

int
sz_dh_public(uint8_t pk[static SZ_DH_BYTES], const uint8_t sk[static SZ_DH_BYTES])
{
	return crypto_scalarmult_base(pk, sk) == 0 ? SZ_OK : SZ_ERR_INTERNAL;
}

int
sz_dh(uint8_t out[static SZ_DH_BYTES], const uint8_t sk[static SZ_DH_BYTES],
    const uint8_t pk[static SZ_DH_BYTES])
{
	/* libsodium returns -1 when the shared secret is all zeros (low-order pk). */
	if (crypto_scalarmult(out, sk, pk) != 0) {
		sodium_memzero(out, SZ_DH_BYTES);
		return SZ_ERR_CRYPTO;
	}
	return SZ_OK;
}

int
sz_sign_sk_to_dh(uint8_t dh_sk[static SZ_DH_BYTES], const uint8_t sk[static SZ_SIGN_SK_BYTES])
{
	if (crypto_sign_ed25519_sk_to_curve25519(dh_sk, sk) != 0) {
		sodium_memzero(dh_sk, SZ_DH_BYTES);
		return SZ_ERR_CRYPTO;
	}
	return SZ_OK;
}

int
sz_sign_pk_to_dh(uint8_t dh_pk[static SZ_DH_BYTES], const uint8_t pk[static SZ_SIGN_PK_BYTES])
{
	if (crypto_sign_ed25519_pk_to_curve25519(dh_pk, pk) != 0) {
		sodium_memzero(dh_pk, SZ_DH_BYTES);
		return SZ_ERR_CRYPTO;
	}
	return SZ_OK;
}

/* --- AEAD ------------------------------------------------------------------------------- */

int
sz_xaead_encrypt(uint8_t *c, const uint8_t *m, size_t mlen, const uint8_t *ad, size_t adlen,
    const uint8_t nonce[static SZ_XNONCE_BYTES], const uint8_t key[static SZ_AEAD_KEY_BYTES])
{
	if (mlen > crypto_aead_xchacha20poly1305_ietf_MESSAGEBYTES_MAX)
		return SZ_ERR_TOO_LARGE;
	crypto_aead_xchacha20poly1305_ietf_encrypt(c, NULL, m, mlen, ad, adlen, NULL, nonce, key);
	return SZ_OK;
}

int
sz_xaead_decrypt(uint8_t *m, const uint8_t *c, size_t clen, const uint8_t *ad, size_t adlen,
    const uint8_t nonce[static SZ_XNONCE_BYTES], const uint8_t key[static SZ_AEAD_KEY_BYTES])
{
	if (clen < SZ_AEAD_TAG_BYTES)
		return SZ_ERR_TRUNCATED;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(m, NULL, NULL, c, clen, ad, adlen, nonce,
	    key) != 0) {
		if (clen > SZ_AEAD_TAG_BYTES)
			sodium_memzero(m, clen - SZ_AEAD_TAG_BYTES);
		return SZ_ERR_DECRYPT;
	}
	return SZ_OK;
}

int
sz_aead_encrypt(uint8_t *c, const uint8_t *m, size_t mlen, const uint8_t *ad, size_t adlen,
    const uint8_t nonce[static SZ_NONCE_BYTES], const uint8_t key[static SZ_AEAD_KEY_BYTES])
{
	if (mlen > crypto_aead_chacha20poly1305_ietf_MESSAGEBYTES_MAX)
		return SZ_ERR_TOO_LARGE;
	crypto_aead_chacha20poly1305_ietf_encrypt(c, NULL, m, mlen, ad, adlen, NULL, nonce, key);
	return SZ_OK;
}

int
sz_aead_decrypt(uint8_t *m, const uint8_t *c, size_t clen, const uint8_t *ad, size_t adlen,
    const uint8_t nonce[static SZ_NONCE_BYTES], const uint8_t key[static SZ_AEAD_KEY_BYTES])
{
	if (clen < SZ_AEAD_TAG_BYTES)
		return SZ_ERR_TRUNCATED;
	if (crypto_aead_chacha20poly1305_ietf_decrypt(m, NULL, NULL, c, clen, ad, adlen, nonce,
	    key) != 0) {
		if (clen > SZ_AEAD_TAG_BYTES)
			sodium_memzero(m, clen - SZ_AEAD_TAG_BYTES);
		return SZ_ERR_DECRYPT;
	}
	return SZ_OK;
}

/* --- Hashes ----------------------------------------------------------------------------- */

size_t
sz_hash_len(sz_hash_alg alg)
{
	return alg == SZ_HASH_SHA256 ? 32 : 64;
}

size_t
sz_hash_block(sz_hash_alg alg)
{
	return alg == SZ_HASH_SHA256 ? 64 : 128;
}

static int
alg_valid(sz_hash_alg alg)
{
	return alg == SZ_HASH_SHA256 || alg == SZ_HASH_SHA512 || alg == SZ_HASH_BLAKE2B;
}

int
sz_blake2b(uint8_t *out, size_t outlen, const uint8_t *in, size_t inlen, const uint8_t *key,
    size_t keylen)
{
	if (outlen < crypto_generichash_BYTES_MIN || outlen > crypto_generichash_BYTES_MAX ||
	    keylen > crypto_generichash_KEYBYTES_MAX)
		return SZ_ERR_INVALID;
	if (crypto_generichash(out, outlen, in, inlen, keylen ? key : NULL, keylen) != 0)
		return SZ_ERR_INTERNAL;
	return SZ_OK;
}

int
sz_blake2b_init(sz_blake2b_state *s, size_t outlen)
{
	if (outlen < crypto_generichash_BYTES_MIN || outlen > crypto_generichash_BYTES_MAX)
		return SZ_ERR_INVALID;
	s->outlen = outlen;
	return crypto_generichash_init(&s->st, NULL, 0, outlen) == 0 ? SZ_OK : SZ_ERR_INTERNAL;
}

int
sz_blake2b_update(sz_blake2b_state *s, const uint8_t *in, size_t inlen)
{
	return crypto_generichash_update(&s->st, in, inlen) == 0 ? SZ_OK : SZ_ERR_INTERNAL;
}

int
sz_blake2b_final(sz_blake2b_state *s, uint8_t *out)
{
	int r = crypto_generichash_final(&s->st, out, s->outlen) == 0 ? SZ_OK : SZ_ERR_INTERNAL;
	sodium_memzero(&s->st, sizeof s->st);
	return r;
}

/* Incremental hashing over the union kept in sz_hmac. */
static void
hash_init(sz_hmac_state *h)
{
	switch (h->alg) {
	case SZ_HASH_SHA256: crypto_hash_sha256_init(&h->inner.sha256); break;
	case SZ_HASH_SHA512: crypto_hash_sha512_init(&h->inner.sha512); break;
	case SZ_HASH_BLAKE2B: crypto_generichash_init(&h->inner.blake2b, NULL, 0, 64); break;
	}
}

static void
hash_update(sz_hmac_state *h, const uint8_t *in, size_t n)
{
	switch (h->alg) {
	case SZ_HASH_SHA256: crypto_hash_sha256_update(&h->inner.sha256, in, n); break;
	case SZ_HASH_SHA512: crypto_hash_sha512_update(&h->inner.sha512, in, n); break;
	case SZ_HASH_BLAKE2B: crypto_generichash_update(&h->inner.blake2b, in, n); break;
	}
}

static void
hash_final(sz_hmac_state *h, uint8_t *out)
{
	switch (h->alg) {
	case SZ_HASH_SHA256: crypto_hash_sha256_final(&h->inner.sha256, out); break;
	case SZ_HASH_SHA512: crypto_hash_sha512_final(&h->inner.sha512, out); break;
	case SZ_HASH_BLAKE2B: crypto_generichash_final(&h->inner.blake2b, out, 64); break;
	}
}

int
sz_hash(sz_hash_alg alg, uint8_t *out, const uint8_t *in, size_t inlen)
{
	if (!alg_valid(alg))
		return SZ_ERR_INVALID;
	sz_hmac_state h;
	h.alg = alg;
	hash_init(&h);
	hash_update(&h, in, inlen);
	hash_final(&h, out);
	sodium_memzero(&h, sizeof h);
	return SZ_OK;
}

int
sz_hash_init(sz_hash_state *s, sz_hash_alg alg)
{
	s->alg = alg;
	switch (alg) {
	case SZ_HASH_SHA256: crypto_hash_sha256_init(&s->u.sha256); return SZ_OK;
	case SZ_HASH_SHA512: crypto_hash_sha512_init(&s->u.sha512); return SZ_OK;
	case SZ_HASH_BLAKE2B: crypto_generichash_init(&s->u.blake2b, NULL, 0, 64); return SZ_OK;
	}
	return SZ_ERR_INVALID;
}

int
sz_hash_update(sz_hash_state *s, const uint8_t *in, size_t inlen)
{
	switch (s->alg) {
	case SZ_HASH_SHA256: crypto_hash_sha256_update(&s->u.sha256, in, inlen); return SZ_OK;
	case SZ_HASH_SHA512: crypto_hash_sha512_update(&s->u.sha512, in, inlen); return SZ_OK;
	case SZ_HASH_BLAKE2B: crypto_generichash_update(&s->u.blake2b, in, inlen); return SZ_OK;
	}
	return SZ_ERR_STATE;
}

int
sz_hash_final(sz_hash_state *s, uint8_t *out)
{
	int r = SZ_OK;
	switch (s->alg) {
	case SZ_HASH_SHA256: crypto_hash_sha256_final(&s->u.sha256, out); break;
	case SZ_HASH_SHA512: crypto_hash_sha512_final(&s->u.sha512, out); break;
	case SZ_HASH_BLAKE2B: crypto_generichash_final(&s->u.blake2b, out, 64); break;
	default: r = SZ_ERR_STATE; break;
	}
	sodium_memzero(s, sizeof *s);
	return r;
}

/* --- HMAC ------------------------------------------------------------------------------- */

int
sz_hmac_init(sz_hmac_state *h, sz_hash_alg alg, const uint8_t *key, size_t keylen)
{
	if (!alg_valid(alg))
		return SZ_ERR_INVALID;
	size_t block = sz_hash_block(alg);
	uint8_t k[SZ_HASH_MAX_BLOCK] = { 0 };
	uint8_t ipad[SZ_HASH_MAX_BLOCK];

	h->alg = alg;
	if (keylen > block) {
		/* RFC 2104: keys longer than a block are hashed first. */
		hash_init(h);
		hash_update(h, key, keylen);
		hash_final(h, k);
	} else if (keylen > 0) {
		memcpy(k, key, keylen);
	}
	for (size_t i = 0; i < block; i++) {
		ipad[i] = k[i] ^ 0x36;
		h->opad_key[i] = k[i] ^ 0x5c;
	}
	hash_init(h);
	hash_update(h, ipad, block);
	sodium_memzero(k, sizeof k);
	sodium_memzero(ipad, sizeof ipad);
	return SZ_OK;
}

int
sz_hmac_update(sz_hmac_state *h, const uint8_t *in, size_t inlen)
{
	if (!alg_valid(h->alg))
		return SZ_ERR_STATE;
	hash_update(h, in, inlen);
	return SZ_OK;
}

int
sz_hmac_final(sz_hmac_state *h, uint8_t *out)
{
	if (!alg_valid(h->alg))
		return SZ_ERR_STATE;
	uint8_t ih[SZ_HASH_MAX_BYTES];
	size_t hl = sz_hash_len(h->alg), block = sz_hash_block(h->alg);

	hash_final(h, ih);
	hash_init(h);
	hash_update(h, h->opad_key, block);
	hash_update(h, ih, hl);
	hash_final(h, out);
	sodium_memzero(ih, sizeof ih);
	sodium_memzero(h, sizeof *h);
	return SZ_OK;
}

int
sz_hmac(sz_hash_alg alg, uint8_t *out, const uint8_t *key, size_t keylen, const uint8_t *in,
    size_t inlen)
{
	sz_hmac_state h;
	int r;
	if ((r = sz_hmac_init(&h, alg, key, keylen)) != SZ_OK)
		return r;
	hash_update(&h, in, inlen);
	return sz_hmac_final(&h, out);
}

/* --- HKDF (RFC 5869) -------------------------------------------------------------------- */

int
sz_hkdf_extract(sz_hash_alg alg, uint8_t *prk, const uint8_t *salt, size_t saltlen,
    const uint8_t *ikm, size_t ikmlen)
{
	static const uint8_t zeros[SZ_HASH_MAX_BYTES];
	if (!alg_valid(alg))
		return SZ_ERR_INVALID;
	if (salt == NULL || saltlen == 0) {
		salt = zeros;
		saltlen = sz_hash_len(alg);
	}
	return sz_hmac(alg, prk, salt, saltlen, ikm, ikmlen);
}

int
sz_hkdf_expand(sz_hash_alg alg, uint8_t *okm, size_t len, const uint8_t *prk, size_t prklen,
    const uint8_t *info, size_t infolen)
{
	if (!alg_valid(alg))
		return SZ_ERR_INVALID;
	size_t hl = sz_hash_len(alg);
	if (len > 255 * hl)
		return SZ_ERR_TOO_LARGE;
	uint8_t t[SZ_HASH_MAX_BYTES];
	size_t tlen = 0, done = 0;
	int r = SZ_OK;
	for (uint8_t ctr = 1; done < len; ctr++) {
		sz_hmac_state h;
		if ((r = sz_hmac_init(&h, alg, prk, prklen)) != SZ_OK)
			goto out;
		hash_update(&h, t, tlen);
		hash_update(&h, info, infolen);
		hash_update(&h, &ctr, 1);
		if ((r = sz_hmac_final(&h, t)) != SZ_OK)
			goto out;
		tlen = hl;
		size_t take = len - done < hl ? len - done : hl;
		memcpy(okm + done, t, take);
		done += take;
	}
out:
	sodium_memzero(t, sizeof t);
	return r;
}

int
sz_hkdf(sz_hash_alg alg, uint8_t *okm, size_t len, const uint8_t *salt, size_t saltlen,
    const uint8_t *ikm, size_t ikmlen, const uint8_t *info, size_t infolen)
{
	uint8_t prk[SZ_HASH_MAX_BYTES];
	int r = sz_hkdf_extract(alg, prk, salt, saltlen, ikm, ikmlen);
	if (r == SZ_OK)
		r = sz_hkdf_expand(alg, okm, len, prk, sz_hash_len(alg), info, infolen);
	sodium_memzero(prk, sizeof prk);
	return r;
}

/* --- Argon2id --------------------------------------------------------------------------- */

int
sz_argon2id(uint8_t *out, size_t outlen, const char *pass, size_t passlen,
    const uint8_t salt[static SZ_PWHASH_SALT_BYTES], uint64_t ops, size_t mem)
{
	if (outlen < crypto_pwhash_BYTES_MIN || ops < crypto_pwhash_OPSLIMIT_MIN ||
	    ops > crypto_pwhash_OPSLIMIT_MAX || mem < crypto_pwhash_MEMLIMIT_MIN ||
	    passlen > crypto_pwhash_PASSWD_MAX)
		return SZ_ERR_INVALID;
	if (crypto_pwhash(out, outlen, pass, passlen, salt, ops, mem,
	    crypto_pwhash_ALG_ARGON2ID13) != 0)
		return SZ_ERR_NOMEM;
	return SZ_OK;
}
