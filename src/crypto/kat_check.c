/*
 * kat_check.c - checks one known-answer vector of kat.c: its exact answer, then its tampered
 * cases.  Layer: crypto.  Used by crypto_test.c (every vector) and selftest.c (one per primitive).
 */
#include <stdlib.h>
#include <string.h>

#include "crypto/kat.h"
#include "lib/bytes.h"

/* Decode a fixed-size hex field into out[n]. */
static int
fixed(uint8_t *out, size_t n, const char *hex)
{
	return sz_hex_decode(out, n, hex, strlen(hex));
}

/* Record the first failure: *why gets the phrase, the result becomes SZ_ERR_INTERNAL. */
static int
fail(const char **why, const char *phrase)
{
	if (why != NULL)
		*why = phrase;
	return SZ_ERR_INTERNAL;
}

static void
ok(const char **why)
{
	if (why != NULL)
		*why = "ok";
}

int
sz_kat_check_ed25519(const sz_kat_ed25519 *v, const char **why)
{
	uint8_t seed[SZ_SIGN_SEED_BYTES], pk[SZ_SIGN_PK_BYTES], want_pk[SZ_SIGN_PK_BYTES];
	uint8_t sk[SZ_SIGN_SK_BYTES], sig[SZ_SIG_BYTES], want_sig[SZ_SIG_BYTES];
	uint8_t *msg = NULL;
	size_t mlen = 0;
	int r;

	ok(why);
	if ((r = fixed(seed, sizeof seed, v->sk)) != SZ_OK ||
	    (r = fixed(want_pk, sizeof want_pk, v->pk)) != SZ_OK ||
	    (r = fixed(want_sig, sizeof want_sig, v->sig)) != SZ_OK ||
	    (r = sz_hex_decode_alloc(v->msg, &msg, &mlen)) != SZ_OK)
		goto out;
	if ((r = sz_sign_seed_keypair(pk, sk, seed)) != SZ_OK)
		goto out;
	if (memcmp(pk, want_pk, sizeof pk) != 0) {
		r = fail(why, "public key differs from the vector");
		goto out;
	}
	if ((r = sz_sign(sig, msg, mlen, sk)) != SZ_OK)
		goto out;
	if (memcmp(sig, want_sig, sizeof sig) != 0) {
		r = fail(why, "signature differs from the vector");
		goto out;
	}
	if (sz_verify(want_sig, msg, mlen, want_pk) != SZ_OK) {
		r = fail(why, "the vector's signature does not verify");
		goto out;
	}
	/* Tampered: a flipped bit in R, in S, in the message, in the public key. */
	sig[0] ^= 0x01;
	if (sz_verify(sig, msg, mlen, want_pk) != SZ_ERR_BAD_SIGNATURE) {
		r = fail(why, "a signature with a flipped bit in R verifies");
		goto out;
	}
	sig[0] ^= 0x01;
	sig[40] ^= 0x10;
	if (sz_verify(sig, msg, mlen, want_pk) != SZ_ERR_BAD_SIGNATURE) {
		r = fail(why, "a signature with a flipped bit in S verifies");
		goto out;
	}
	sig[40] ^= 0x10;
	if (mlen > 0) {
		msg[mlen - 1] ^= 0x80;
		if (sz_verify(sig, msg, mlen, want_pk) != SZ_ERR_BAD_SIGNATURE) {
			r = fail(why, "the signature verifies a message with a flipped bit");
			goto out;
		}
		msg[mlen - 1] ^= 0x80;
	} else if (sz_verify(sig, (const uint8_t *)"x", 1, want_pk) != SZ_ERR_BAD_SIGNATURE) {
		r = fail(why, "the signature of the empty message verifies another message");
		goto out;
	}
	want_pk[5] ^= 0x04;
	if (sz_verify(sig, msg, mlen, want_pk) != SZ_ERR_BAD_SIGNATURE) {
		r = fail(why, "the signature verifies under a public key with a flipped bit");
		goto out;
	}
	r = SZ_OK;
out:
	sz_wipe(seed, sizeof seed);
	sz_wipe(sk, sizeof sk);
	free(msg);
	return r;
}

int
sz_kat_check_x25519(const sz_kat_x25519 *v, const char **why)
{
	uint8_t k[SZ_DH_BYTES], u[SZ_DH_BYTES], want[SZ_DH_BYTES], out[SZ_DH_BYTES];
	int r;

	ok(why);
	if ((r = fixed(k, sizeof k, v->scalar)) != SZ_OK || (r = fixed(u, sizeof u, v->u)) != SZ_OK ||
	    (r = fixed(want, sizeof want, v->out)) != SZ_OK)
		return r;
	if ((r = sz_dh(out, k, u)) != SZ_OK || !sz_ct_equal(out, want, sizeof out))
		return fail(why, "X25519 output differs from the vector");
	/* Tampered: a flipped bit of the scalar (bit 8, not one that clamping clears), and of u. */
	k[1] ^= 0x01;
	if ((r = sz_dh(out, k, u)) != SZ_OK || sz_ct_equal(out, want, sizeof out))
		return fail(why, "a scalar with a flipped bit gives the same output");
	k[1] ^= 0x01;
	u[0] ^= 0x02;
	if ((r = sz_dh(out, k, u)) != SZ_OK || sz_ct_equal(out, want, sizeof out))
		return fail(why, "a point with a flipped bit gives the same output");
	sz_wipe(k, sizeof k);
	return SZ_OK;
}

/* RFC 7748 §5.2's iteration, from k = u = 9; start_flip flips one bit of the first k. */
static int
x25519_iterate(uint8_t k[static SZ_DH_BYTES], unsigned long n, int start_flip)
{
	uint8_t u[SZ_DH_BYTES] = { 9 }, next[SZ_DH_BYTES];
	memset(k, 0, SZ_DH_BYTES);
	k[0] = 9;
	if (start_flip)
		k[1] ^= 0x01;
	for (unsigned long i = 0; i < n; i++) {
		int r = sz_dh(next, k, u);
		if (r != SZ_OK)
			return r;
		memcpy(u, k, SZ_DH_BYTES);
		memcpy(k, next, SZ_DH_BYTES);
	}
	return SZ_OK;
}

int
sz_kat_check_x25519_iter(const sz_kat_x25519_iter *v, const char **why)
{
	uint8_t k[SZ_DH_BYTES], want[SZ_DH_BYTES];
	int r;

	ok(why);
	if ((r = fixed(want, sizeof want, v->out)) != SZ_OK)
		return r;
	if (x25519_iterate(k, v->iterations, 0) != SZ_OK || !sz_ct_equal(k, want, sizeof k))
		return fail(why, "X25519 iteration result differs from the vector");
	/* Tampered: a flipped bit in the starting scalar must change the result. */
	if (x25519_iterate(k, v->iterations, 1) != SZ_OK || sz_ct_equal(k, want, sizeof k))
		return fail(why, "a flipped bit in the starting scalar gives the same result");
	return SZ_OK;
}

int
sz_kat_check_x25519_dh(const sz_kat_x25519_dh *v, const char **why)
{
	uint8_t a[SZ_DH_BYTES], b[SZ_DH_BYTES], want_apk[SZ_DH_BYTES], want_bpk[SZ_DH_BYTES];
	uint8_t want_k[SZ_DH_BYTES], apk[SZ_DH_BYTES], bpk[SZ_DH_BYTES], k1[SZ_DH_BYTES];
	uint8_t k2[SZ_DH_BYTES];
	int r;

	ok(why);
	if ((r = fixed(a, sizeof a, v->alice_sk)) != SZ_OK ||
	    (r = fixed(b, sizeof b, v->bob_sk)) != SZ_OK ||
	    (r = fixed(want_apk, sizeof want_apk, v->alice_pk)) != SZ_OK ||
	    (r = fixed(want_bpk, sizeof want_bpk, v->bob_pk)) != SZ_OK ||
	    (r = fixed(want_k, sizeof want_k, v->shared)) != SZ_OK)
		goto out;
	if ((r = sz_dh_public(apk, a)) != SZ_OK || (r = sz_dh_public(bpk, b)) != SZ_OK)
		goto out;
	if (memcmp(apk, want_apk, sizeof apk) != 0 || memcmp(bpk, want_bpk, sizeof bpk) != 0) {
		r = fail(why, "a public key differs from the vector");
		goto out;
	}
	if (sz_dh(k1, a, bpk) != SZ_OK || sz_dh(k2, b, apk) != SZ_OK ||
	    !sz_ct_equal(k1, want_k, sizeof k1) || !sz_ct_equal(k2, want_k, sizeof k2)) {
		r = fail(why, "the shared secret differs from the vector");
		goto out;
	}
	/* Tampered: Bob's public key with a flipped bit must not give the shared secret. */
	bpk[1] ^= 0x01;
	if (sz_dh(k1, a, bpk) != SZ_OK || sz_ct_equal(k1, want_k, sizeof k1)) {
		r = fail(why, "a flipped bit in a public key gives the same shared secret");
		goto out;
	}
	r = SZ_OK;
out:
	sz_wipe(a, sizeof a);
	sz_wipe(b, sizeof b);
	sz_wipe(k1, sizeof k1);
	sz_wipe(k2, sizeof k2);
	return r;
}

int
sz_kat_check_hmac(const sz_kat_hmac *v, const char **why)
{
	uint8_t *key = NULL, *data = NULL, *want = NULL;
	size_t klen = 0, dlen = 0, wlen = 0;
	uint8_t mac[SZ_HASH_MAX_BYTES];
	int r;

	ok(why);
	if ((r = sz_hex_decode_alloc(v->key, &key, &klen)) != SZ_OK ||
	    (r = sz_hex_decode_alloc(v->data, &data, &dlen)) != SZ_OK ||
	    (r = sz_hex_decode_alloc(v->mac, &want, &wlen)) != SZ_OK)
		goto out;
	if (wlen == 0 || wlen > sz_hash_len(v->alg)) {
		r = SZ_ERR_MALFORMED;
		goto out;
	}
	/* A truncated MAC (RFC 4231 test case 5) compares its leading bytes only. */
	if ((r = sz_hmac(v->alg, mac, key, klen, data, dlen)) != SZ_OK)
		goto out;
	if (!sz_ct_equal(mac, want, wlen)) {
		r = fail(why, "HMAC differs from the vector");
		goto out;
	}
	/* Tampered: a flipped bit in the data, then in the key. */
	data[dlen / 2] ^= 0x01;
	if ((r = sz_hmac(v->alg, mac, key, klen, data, dlen)) != SZ_OK)
		goto out;
	if (sz_ct_equal(mac, want, wlen)) {
		r = fail(why, "data with a flipped bit gives the same HMAC");
		goto out;
	}
	data[dlen / 2] ^= 0x01;
	key[0] ^= 0x80;
	if ((r = sz_hmac(v->alg, mac, key, klen, data, dlen)) != SZ_OK)
		goto out;
	if (sz_ct_equal(mac, want, wlen)) {
		r = fail(why, "a key with a flipped bit gives the same HMAC");
		goto out;
	}
	r = SZ_OK;
out:
	sz_wipe(mac, sizeof mac);
	if (key != NULL)
		sz_wipe(key, klen);
	free(key);
	free(data);
	free(want);
	return r;
}

int
sz_kat_check_hkdf(const sz_kat_hkdf *v, const char **why)
{
	uint8_t *ikm = NULL, *salt = NULL, *info = NULL, *want_okm = NULL, *okm = NULL;
	size_t ilen = 0, slen = 0, nlen = 0, olen = 0;
	uint8_t prk[32], want_prk[32];
	int r;

	ok(why);
	if ((r = sz_hex_decode_alloc(v->ikm, &ikm, &ilen)) != SZ_OK ||
	    (r = sz_hex_decode_alloc(v->salt, &salt, &slen)) != SZ_OK ||
	    (r = sz_hex_decode_alloc(v->info, &info, &nlen)) != SZ_OK ||
	    (r = sz_hex_decode_alloc(v->okm, &want_okm, &olen)) != SZ_OK ||
	    (r = fixed(want_prk, sizeof want_prk, v->prk)) != SZ_OK)
		goto out;
	if (olen != v->len || ilen == 0 || (okm = malloc(olen)) == NULL) {
		r = olen != v->len || ilen == 0 ? SZ_ERR_MALFORMED : SZ_ERR_NOMEM;
		goto out;
	}
	if ((r = sz_hkdf_extract(SZ_HASH_SHA256, prk, salt, slen, ikm, ilen)) != SZ_OK)
		goto out;
	if (!sz_ct_equal(prk, want_prk, sizeof prk)) {
		r = fail(why, "PRK differs from the vector");
		goto out;
	}
	if ((r = sz_hkdf_expand(SZ_HASH_SHA256, okm, olen, prk, sizeof prk, info, nlen)) != SZ_OK)
		goto out;
	if (!sz_ct_equal(okm, want_okm, olen)) {
		r = fail(why, "OKM differs from the vector");
		goto out;
	}
	/* The one-call form must agree. */
	if ((r = sz_hkdf(SZ_HASH_SHA256, okm, olen, salt, slen, ikm, ilen, info, nlen)) != SZ_OK)
		goto out;
	if (!sz_ct_equal(okm, want_okm, olen)) {
		r = fail(why, "one-call HKDF differs from the vector");
		goto out;
	}
	/* Tampered: a flipped bit in the input key material. */
	ikm[ilen - 1] ^= 0x01;
	if ((r = sz_hkdf(SZ_HASH_SHA256, okm, olen, salt, slen, ikm, ilen, info, nlen)) != SZ_OK)
		goto out;
	if (sz_ct_equal(okm, want_okm, olen)) {
		r = fail(why, "IKM with a flipped bit gives the same OKM");
		goto out;
	}
	r = SZ_OK;
out:
	sz_wipe(prk, sizeof prk);
	if (okm != NULL)
		sz_wipe(okm, olen);
	free(ikm);
	free(salt);
	free(info);
	free(want_okm);
	free(okm);
	return r;
}

int
sz_kat_check_aead(const sz_kat_aead *v, const char **why)
{
	uint8_t key[SZ_AEAD_KEY_BYTES], nonce[SZ_XNONCE_BYTES];
	uint8_t *ad = NULL, *pt = NULL, *want = NULL, *c = NULL, *m = NULL;
	size_t alen = 0, plen = 0, wlen = 0;
	size_t nlen = v->xchacha ? SZ_XNONCE_BYTES : SZ_NONCE_BYTES;
	int r;

	ok(why);
	if ((r = fixed(key, sizeof key, v->key)) != SZ_OK ||
	    (r = fixed(nonce, nlen, v->nonce)) != SZ_OK ||
	    (r = sz_hex_decode_alloc(v->ad, &ad, &alen)) != SZ_OK ||
	    (r = sz_hex_decode_alloc(v->pt, &pt, &plen)) != SZ_OK ||
	    (r = sz_hex_decode_alloc(v->ct, &want, &wlen)) != SZ_OK)
		goto out;
	if (wlen != plen + SZ_AEAD_TAG_BYTES || alen == 0 || plen == 0) {
		r = SZ_ERR_MALFORMED;
		goto out;
	}
	if ((c = malloc(wlen)) == NULL || (m = malloc(plen)) == NULL) {
		r = SZ_ERR_NOMEM;
		goto out;
	}
#define ENC(c_, m_, mlen_) (v->xchacha ? \
	sz_xaead_encrypt(c_, m_, mlen_, ad, alen, nonce, key) : \
	sz_aead_encrypt(c_, m_, mlen_, ad, alen, nonce, key))
#define DEC(m_, c_, clen_) (v->xchacha ? \
	sz_xaead_decrypt(m_, c_, clen_, ad, alen, nonce, key) : \
	sz_aead_decrypt(m_, c_, clen_, ad, alen, nonce, key))
	if ((r = ENC(c, pt, plen)) != SZ_OK)
		goto out;
	if (memcmp(c, want, wlen) != 0) {
		r = fail(why, "ciphertext or tag differs from the vector");
		goto out;
	}
	if (DEC(m, want, wlen) != SZ_OK || memcmp(m, pt, plen) != 0) {
		r = fail(why, "the vector's ciphertext does not decrypt to its plaintext");
		goto out;
	}
	/* Tampered: a flipped bit in the tag, in the ciphertext, in the associated data, in the
	 * key; a missing byte. */
	c[wlen - 1] ^= 0x01;
	if (DEC(m, c, wlen) != SZ_ERR_DECRYPT) {
		r = fail(why, "a tag with a flipped bit decrypts");
		goto out;
	}
	c[wlen - 1] ^= 0x01;
	c[0] ^= 0x40;
	if (DEC(m, c, wlen) != SZ_ERR_DECRYPT) {
		r = fail(why, "a ciphertext with a flipped bit decrypts");
		goto out;
	}
	c[0] ^= 0x40;
	ad[0] ^= 0x01;
	if (DEC(m, c, wlen) != SZ_ERR_DECRYPT) {
		r = fail(why, "the ciphertext decrypts with other associated data");
		goto out;
	}
	ad[0] ^= 0x01;
	key[31] ^= 0x01;
	if (DEC(m, c, wlen) != SZ_ERR_DECRYPT) {
		r = fail(why, "the ciphertext decrypts under a key with a flipped bit");
		goto out;
	}
	key[31] ^= 0x01;
	if (DEC(m, c, wlen - 1) != SZ_ERR_DECRYPT) {
		r = fail(why, "a ciphertext one byte short decrypts");
		goto out;
	}
#undef ENC
#undef DEC
	r = SZ_OK;
out:
	sz_wipe(key, sizeof key);
	free(ad);
	free(pt);
	free(want);
	free(c);
	free(m);
	return r;
}

int
sz_kat_check_blake2b(const sz_kat_blake2b *v, const char **why)
{
	uint8_t *in = NULL;
	size_t ilen = 0;
	uint8_t want[64], out[64];
	int r;

	ok(why);
	if ((r = sz_hex_decode_alloc(v->in, &in, &ilen)) != SZ_OK ||
	    (r = fixed(want, sizeof want, v->out)) != SZ_OK)
		goto out;
	if ((r = sz_hash(SZ_HASH_BLAKE2B, out, in, ilen)) != SZ_OK)
		goto out;
	if (memcmp(out, want, sizeof out) != 0) {
		r = fail(why, "BLAKE2b-512 differs from the vector (incremental)");
		goto out;
	}
	if ((r = sz_blake2b(out, sizeof out, in, ilen, NULL, 0)) != SZ_OK)
		goto out;
	if (memcmp(out, want, sizeof out) != 0) {
		r = fail(why, "BLAKE2b-512 differs from the vector (one call)");
		goto out;
	}
	/* Tampered: a flipped bit in the input. */
	if (ilen == 0) {
		r = SZ_ERR_MALFORMED;
		goto out;
	}
	in[0] ^= 0x01;
	if ((r = sz_hash(SZ_HASH_BLAKE2B, out, in, ilen)) != SZ_OK)
		goto out;
	if (memcmp(out, want, sizeof out) == 0) {
		r = fail(why, "input with a flipped bit gives the same hash");
		goto out;
	}
	r = SZ_OK;
out:
	free(in);
	return r;
}
