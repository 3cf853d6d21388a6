/*
 * kat.h - known-answer vectors of the crypto core, transcribed from the RFC texts, and the
 * functions that check one vector (its exact answer and its tampered cases).
 * Layer: crypto.  The tables are shared by the unit tests (crypto_test.c) and the run-time
 * self-test (selftest.c), so every vector is written once.  Values are hex, as the RFCs print them.
 */
#ifndef SZ_CRYPTO_KAT_H
#define SZ_CRYPTO_KAT_H

#include <stddef.h>

#include "crypto/crypto.h"

/* RFC 8032 §7.1: Ed25519.  sk is the 32-byte secret (seed), msg may be empty. */
typedef struct sz_kat_ed25519 {
	const char *name;
	const char *sk, *pk, *msg, *sig;
} sz_kat_ed25519;

/* RFC 7748 §5.2: one X25519 call, out = X25519(scalar, u). */
typedef struct sz_kat_x25519 {
	const char *name;
	const char *scalar, *u, *out;
} sz_kat_x25519;

/* RFC 7748 §5.2: k = u = 9, then `iterations` times (k, u) = (X25519(k, u), k). */
typedef struct sz_kat_x25519_iter {
	const char *name;
	unsigned long iterations;
	int soak_only; /* only under SZ_SOAK (1,000,000 iterations take minutes with sanitizers) */
	const char *out;
} sz_kat_x25519_iter;

/* RFC 7748 §6.1: both key pairs and the shared secret. */
typedef struct sz_kat_x25519_dh {
	const char *name;
	const char *alice_sk, *alice_pk, *bob_sk, *bob_pk, *shared;
} sz_kat_x25519_dh;

/* RFC 4231 §4: HMAC; mac may be shorter than the hash (test case 5: truncated to 128 bits). */
typedef struct sz_kat_hmac {
	const char *name;
	sz_hash_alg alg;
	const char *key, *data, *mac;
} sz_kat_hmac;

/* RFC 5869 Appendix A: HKDF-SHA-256; salt and info may be empty. */
typedef struct sz_kat_hkdf {
	const char *name;
	const char *ikm, *salt, *info;
	size_t len;
	const char *prk, *okm;
} sz_kat_hkdf;

/* RFC 8439 §2.8.2 (IETF nonce, 12 bytes) and draft-irtf-cfrg-xchacha-03 §A.3.1 (24 bytes).
 * ct is the ciphertext followed by the 16-byte tag. */
typedef struct sz_kat_aead {
	const char *name;
	int xchacha;
	const char *key, *nonce, *ad, *pt, *ct;
} sz_kat_aead;

/* RFC 7693 Appendix A: BLAKE2b-512 of an input. */
typedef struct sz_kat_blake2b {
	const char *name;
	const char *in, *out;
} sz_kat_blake2b;

extern const sz_kat_ed25519 sz_kat_ed25519_tab[];
extern const size_t sz_kat_ed25519_n;
extern const sz_kat_x25519 sz_kat_x25519_tab[];
extern const size_t sz_kat_x25519_n;
extern const sz_kat_x25519_iter sz_kat_x25519_iter_tab[];
extern const size_t sz_kat_x25519_iter_n;
extern const sz_kat_x25519_dh sz_kat_x25519_dh_tab[];
extern const size_t sz_kat_x25519_dh_n;
extern const sz_kat_hmac sz_kat_hmac_tab[];
extern const size_t sz_kat_hmac_n;
extern const sz_kat_hkdf sz_kat_hkdf_tab[];
extern const size_t sz_kat_hkdf_n;
extern const sz_kat_aead sz_kat_aead_tab[];
extern const size_t sz_kat_aead_n;
extern const sz_kat_blake2b sz_kat_blake2b_tab[];
extern const size_t sz_kat_blake2b_n;

/*
 * Check one vector: compute the answer and compare it with the vector's, then run the tampered
 * cases (a flipped bit in a signature, tag, message, key or input must make verification or
 * decryption fail, or the output differ).  Return SZ_OK when the answer matches and every
 * tampered case is refused; SZ_ERR_INTERNAL when an answer differs or a tampered case passes;
 * SZ_ERR_NOMEM or SZ_ERR_MALFORMED (bad hex in a table) otherwise.  When why is not NULL it is
 * set to a static English phrase naming what failed (or "ok").
 */
SZ_MUST_CHECK int sz_kat_check_ed25519(const sz_kat_ed25519 *v, const char **why);
SZ_MUST_CHECK int sz_kat_check_x25519(const sz_kat_x25519 *v, const char **why);
SZ_MUST_CHECK int sz_kat_check_x25519_iter(const sz_kat_x25519_iter *v, const char **why);
SZ_MUST_CHECK int sz_kat_check_x25519_dh(const sz_kat_x25519_dh *v, const char **why);
SZ_MUST_CHECK int sz_kat_check_hmac(const sz_kat_hmac *v, const char **why);
SZ_MUST_CHECK int sz_kat_check_hkdf(const sz_kat_hkdf *v, const char **why);
SZ_MUST_CHECK int sz_kat_check_aead(const sz_kat_aead *v, const char **why);
SZ_MUST_CHECK int sz_kat_check_blake2b(const sz_kat_blake2b *v, const char **why);

#endif /* SZ_CRYPTO_KAT_H */
