/*
 * crypto.h - the crypto core: thin, checked wrappers over libsodium, plus HMAC and HKDF.
 * Layer: crypto (above lib).  Every primitive the protocol uses goes through here, so that each
 * has one known-answer test (src/crypto/crypto_test.c) and one place where its errors are mapped.
 */
#ifndef SZ_CRYPTO_CRYPTO_H
#define SZ_CRYPTO_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "samizdat.h"

#define SZ_SIGN_PK_BYTES 32
#define SZ_SIGN_SK_BYTES 64     /* libsodium layout: seed || public key */
#define SZ_SIGN_SEED_BYTES 32
#define SZ_DH_BYTES 32
#define SZ_AEAD_KEY_BYTES 32
#define SZ_AEAD_TAG_BYTES 16
#define SZ_XNONCE_BYTES 24      /* XChaCha20-Poly1305 */
#define SZ_NONCE_BYTES 12       /* ChaCha20-Poly1305-IETF */

/* --- Secret memory ---------------------------------------------------------------------- */

/* Allocate n bytes of guarded, locked memory (sodium_malloc), zero-filled.  NULL on failure.
 * Release with sz_secret_free, which wipes; both accept n == 0 / NULL. */
void *sz_secret_alloc(size_t n);
void sz_secret_free(void *p);
/* Small secrets that come and go often (a handshake's keys): slots of up to SZ_SECRET_SLOT
 * bytes carved from a process-wide pool of sodium_malloc()ed chunks, so they too are locked and
 * kept out of core dumps, but without sodium_malloc's mmap/mprotect/mlock per call (about 25 us,
 * which would double the cost of a Noise handshake).  The slot is zero-filled; release it with
 * sz_secret_slot_free, which wipes it.  Guard pages surround each chunk, not each slot.  The
 * pool never gives chunks back to the system.  Thread-safe.  NULL if n is too big or memory is
 * short. */
#define SZ_SECRET_SLOT 1024
void *sz_secret_slot_alloc(size_t n);
void sz_secret_slot_free(void *p);
/* Slots allocated and not yet freed (leak checks in tests: LeakSanitizer cannot see them). */
size_t sz_secret_slots_in_use(void);
/* Wipe n bytes. */
void sz_wipe(void *p, size_t n);
/* Constant-time equality of two n-byte secrets: 1 if equal, 0 if not. */
int sz_ct_equal(const void *a, const void *b, size_t n);

/* --- Ed25519 ---------------------------------------------------------------------------- */

SZ_MUST_CHECK int sz_sign_keypair(uint8_t pk[static SZ_SIGN_PK_BYTES],
    uint8_t sk[static SZ_SIGN_SK_BYTES]);
SZ_MUST_CHECK int sz_sign_seed_keypair(uint8_t pk[static SZ_SIGN_PK_BYTES],
    uint8_t sk[static SZ_SIGN_SK_BYTES], const uint8_t seed[static SZ_SIGN_SEED_BYTES]);
SZ_MUST_CHECK int sz_sign(uint8_t sig[static SZ_SIG_BYTES], const uint8_t *msg, size_t len,
    const uint8_t sk[static SZ_SIGN_SK_BYTES]);
/* SZ_OK or SZ_ERR_BAD_SIGNATURE.  Rejects non-canonical S, small-order R and non-canonical or
 * small-order public keys (libsodium's checks). */
SZ_MUST_CHECK int sz_verify(const uint8_t sig[static SZ_SIG_BYTES], const uint8_t *msg,
    size_t len, const uint8_t pk[static SZ_SIGN_PK_BYTES]);

/* --- X25519 ----------------------------------------------------------------------------- */

SZ_MUST_CHECK int sz_dh_keypair(uint8_t pk[static SZ_DH_BYTES], uint8_t sk[static SZ_DH_BYTES]);
SZ_MUST_CHECK int sz_dh_public(uint8_t pk[static SZ_DH_BYTES], const uint8_t sk[static SZ_DH_BYTES]);
/* out = X25519(sk, pk).  SZ_ERR_CRYPTO when the result is all zeros (a low-order peer key). */
SZ_MUST_CHECK int sz_dh(uint8_t out[static SZ_DH_BYTES], const uint8_t sk[static SZ_DH_BYTES],
    const uint8_t pk[static SZ_DH_BYTES]);
/* The X25519 twins of an Ed25519 identity (libsodium's birational map): the secret scalar of
 * sk (64 bytes, seed ‖ pk), and the Montgomery form of pk.  SZ_ERR_CRYPTO if pk is not a valid
 * point (or is of small order); the outputs are zeroed on error. */
SZ_MUST_CHECK int sz_sign_sk_to_dh(uint8_t dh_sk[static SZ_DH_BYTES],
    const uint8_t sk[static SZ_SIGN_SK_BYTES]);
SZ_MUST_CHECK int sz_sign_pk_to_dh(uint8_t dh_pk[static SZ_DH_BYTES],
    const uint8_t pk[static SZ_SIGN_PK_BYTES]);

/* --- AEAD ------------------------------------------------------------------------------- */
/* Encrypt: c must hold mlen + 16 bytes; c may equal m.  Decrypt: m must hold clen - 16 bytes;
 * SZ_ERR_DECRYPT on any forgery (m is then zero-filled), SZ_ERR_TRUNCATED if clen < 16. */

SZ_MUST_CHECK int sz_xaead_encrypt(uint8_t *c, const uint8_t *m, size_t mlen,
    const uint8_t *ad, size_t adlen, const uint8_t nonce[static SZ_XNONCE_BYTES],
    const uint8_t key[static SZ_AEAD_KEY_BYTES]);
SZ_MUST_CHECK int sz_xaead_decrypt(uint8_t *m, const uint8_t *c, size_t clen,
    const uint8_t *ad, size_t adlen, const uint8_t nonce[static SZ_XNONCE_BYTES],
    const uint8_t key[static SZ_AEAD_KEY_BYTES]);
SZ_MUST_CHECK int sz_aead_encrypt(uint8_t *c, const uint8_t *m, size_t mlen,
    const uint8_t *ad, size_t adlen, const uint8_t nonce[static SZ_NONCE_BYTES],
    const uint8_t key[static SZ_AEAD_KEY_BYTES]);
SZ_MUST_CHECK int sz_aead_decrypt(uint8_t *m, const uint8_t *c, size_t clen,
    const uint8_t *ad, size_t adlen, const uint8_t nonce[static SZ_NONCE_BYTES],
    const uint8_t key[static SZ_AEAD_KEY_BYTES]);

/* --- Hashes ----------------------------------------------------------------------------- */

typedef enum sz_hash_alg {
	SZ_HASH_SHA256 = 1,
	SZ_HASH_SHA512 = 2,
	SZ_HASH_BLAKE2B = 3, /* BLAKE2b-512, unkeyed, as Noise's HASH */
} sz_hash_alg;

#define SZ_HASH_MAX_BYTES 64
#define SZ_HASH_MAX_BLOCK 128

size_t sz_hash_len(sz_hash_alg alg);   /* 32, 64, 64 */
size_t sz_hash_block(sz_hash_alg alg); /* 64, 128, 128 */

/* BLAKE2b with output length outlen (16..64) and an optional key (keylen 0..64). */
SZ_MUST_CHECK int sz_blake2b(uint8_t *out, size_t outlen, const uint8_t *in, size_t inlen,
    const uint8_t *key, size_t keylen);
/* The same over pieces: an unkeyed BLAKE2b of outlen (16..64) bytes of in_1 || in_2 || ...
 * (a whole attachment, chunk after chunk).  _final writes outlen bytes and wipes the state. */
typedef struct sz_blake2b_state {
	crypto_generichash_state st;
	size_t outlen;
} sz_blake2b_state;
SZ_MUST_CHECK int sz_blake2b_init(sz_blake2b_state *s, size_t outlen);
SZ_MUST_CHECK int sz_blake2b_update(sz_blake2b_state *s, const uint8_t *in, size_t inlen);
SZ_MUST_CHECK int sz_blake2b_final(sz_blake2b_state *s, uint8_t *out);
/* out (sz_hash_len(alg) bytes) = HASH(in). */
SZ_MUST_CHECK int sz_hash(sz_hash_alg alg, uint8_t *out, const uint8_t *in, size_t inlen);

/* Incremental HASH(in_1 || in_2 || ...), for callers that hash pieces without copying them
 * (Noise's MixHash).  _final writes sz_hash_len(alg) bytes and wipes the state. */
typedef struct sz_hash_state {
	sz_hash_alg alg;
	union {
		crypto_hash_sha256_state sha256;
		crypto_hash_sha512_state sha512;
		crypto_generichash_state blake2b;
	} u;
} sz_hash_state;

SZ_MUST_CHECK int sz_hash_init(sz_hash_state *s, sz_hash_alg alg);
SZ_MUST_CHECK int sz_hash_update(sz_hash_state *s, const uint8_t *in, size_t inlen);
SZ_MUST_CHECK int sz_hash_final(sz_hash_state *s, uint8_t *out);

/* --- HMAC (RFC 2104) over any of the hashes, and HKDF (RFC 5869) on it ------------------ */

typedef struct sz_hmac_state {
	sz_hash_alg alg;
	uint8_t opad_key[SZ_HASH_MAX_BLOCK];
	union {
		crypto_hash_sha256_state sha256;
		crypto_hash_sha512_state sha512;
		crypto_generichash_state blake2b;
	} inner;
} sz_hmac_state;

SZ_MUST_CHECK int sz_hmac_init(sz_hmac_state *h, sz_hash_alg alg, const uint8_t *key, size_t keylen);
SZ_MUST_CHECK int sz_hmac_update(sz_hmac_state *h, const uint8_t *in, size_t inlen);
/* Write sz_hash_len(alg) bytes and wipe the state. */
SZ_MUST_CHECK int sz_hmac_final(sz_hmac_state *h, uint8_t *out);
SZ_MUST_CHECK int sz_hmac(sz_hash_alg alg, uint8_t *out, const uint8_t *key, size_t keylen,
    const uint8_t *in, size_t inlen);

/* PRK (sz_hash_len(alg) bytes) = HMAC(salt, ikm); salt may be NULL/0 (a string of zeros). */
SZ_MUST_CHECK int sz_hkdf_extract(sz_hash_alg alg, uint8_t *prk, const uint8_t *salt,
    size_t saltlen, const uint8_t *ikm, size_t ikmlen);
/* okm (len <= 255 * HashLen bytes) = HKDF-Expand(prk, info, len). */
SZ_MUST_CHECK int sz_hkdf_expand(sz_hash_alg alg, uint8_t *okm, size_t len, const uint8_t *prk,
    size_t prklen, const uint8_t *info, size_t infolen);
/* Extract then expand. */
SZ_MUST_CHECK int sz_hkdf(sz_hash_alg alg, uint8_t *okm, size_t len, const uint8_t *salt,
    size_t saltlen, const uint8_t *ikm, size_t ikmlen, const uint8_t *info, size_t infolen);

/* --- Argon2id --------------------------------------------------------------------------- */

#define SZ_PWHASH_SALT_BYTES 16
/* out = Argon2id(pass, salt, ops, mem bytes).  SZ_ERR_NOMEM if the memory cannot be had,
 * SZ_ERR_INVALID if the parameters are outside libsodium's bounds. */
SZ_MUST_CHECK int sz_argon2id(uint8_t *out, size_t outlen, const char *pass, size_t passlen,
    const uint8_t salt[static SZ_PWHASH_SALT_BYTES], uint64_t ops, size_t mem);

#endif /* SZ_CRYPTO_CRYPTO_H */
