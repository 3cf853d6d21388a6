/*
 * crypto_test.c - unit tests of the crypto core (crypto.c): every known-answer vector of kat.c
 * with its tampered cases, proof that a wrong vector is caught, and the error paths.
 * Sources of the vectors are cited in kat.c: RFC 8032 §7.1, RFC 7748 §5.2/§6.1, RFC 4231 §4,
 * RFC 5869 Appendix A, RFC 8439 §2.8.2, draft-irtf-cfrg-xchacha-03 §A.3.1, RFC 7693 Appendix A.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/kat.h"
#include "crypto/selftest.h"

static void
test_ed25519_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sz_kat_ed25519_n; i++) {
		const char *why = NULL;
		int r = sz_kat_check_ed25519(&sz_kat_ed25519_tab[i], &why);
		if (r != SZ_OK)
			print_error("%s: %s\n", sz_kat_ed25519_tab[i].name, why);
		assert_int_equal(r, SZ_OK);
	}
	assert_int_equal(sz_kat_ed25519_n, 5);
}

static void
test_x25519_vectors(void **state)
{
	(void)state;
	const char *why = NULL;
	for (size_t i = 0; i < sz_kat_x25519_n; i++) {
		int r = sz_kat_check_x25519(&sz_kat_x25519_tab[i], &why);
		if (r != SZ_OK)
			print_error("%s: %s\n", sz_kat_x25519_tab[i].name, why);
		assert_int_equal(r, SZ_OK);
	}
	int soak = getenv("SZ_SOAK") != NULL;
	size_t ran = 0;
	for (size_t i = 0; i < sz_kat_x25519_iter_n; i++) {
		if (sz_kat_x25519_iter_tab[i].soak_only && !soak)
			continue;
		int r = sz_kat_check_x25519_iter(&sz_kat_x25519_iter_tab[i], &why);
		if (r != SZ_OK)
			print_error("%s: %s\n", sz_kat_x25519_iter_tab[i].name, why);
		assert_int_equal(r, SZ_OK);
		ran++;
	}
	assert_true(ran >= 2);
	for (size_t i = 0; i < sz_kat_x25519_dh_n; i++) {
		int r = sz_kat_check_x25519_dh(&sz_kat_x25519_dh_tab[i], &why);
		if (r != SZ_OK)
			print_error("%s: %s\n", sz_kat_x25519_dh_tab[i].name, why);
		assert_int_equal(r, SZ_OK);
	}
}

static void
test_hmac_vectors(void **state)
{
	(void)state;
	size_t n256 = 0, n512 = 0;
	for (size_t i = 0; i < sz_kat_hmac_n; i++) {
		const char *why = NULL;
		int r = sz_kat_check_hmac(&sz_kat_hmac_tab[i], &why);
		if (r != SZ_OK)
			print_error("%s: %s\n", sz_kat_hmac_tab[i].name, why);
		assert_int_equal(r, SZ_OK);
		n256 += sz_kat_hmac_tab[i].alg == SZ_HASH_SHA256;
		n512 += sz_kat_hmac_tab[i].alg == SZ_HASH_SHA512;
	}
	/* RFC 4231 test cases 1-7 for each hash. */
	assert_int_equal(n256, 7);
	assert_int_equal(n512, 7);
}

static void
test_hkdf_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sz_kat_hkdf_n; i++) {
		const char *why = NULL;
		int r = sz_kat_check_hkdf(&sz_kat_hkdf_tab[i], &why);
		if (r != SZ_OK)
			print_error("%s: %s\n", sz_kat_hkdf_tab[i].name, why);
		assert_int_equal(r, SZ_OK);
	}
	assert_int_equal(sz_kat_hkdf_n, 3);
}

static void
test_aead_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sz_kat_aead_n; i++) {
		const char *why = NULL;
		int r = sz_kat_check_aead(&sz_kat_aead_tab[i], &why);
		if (r != SZ_OK)
			print_error("%s: %s\n", sz_kat_aead_tab[i].name, why);
		assert_int_equal(r, SZ_OK);
	}
	assert_int_equal(sz_kat_aead_n, 2);
}

static void
test_blake2b_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sz_kat_blake2b_n; i++) {
		const char *why = NULL;
		int r = sz_kat_check_blake2b(&sz_kat_blake2b_tab[i], &why);
		if (r != SZ_OK)
			print_error("%s: %s\n", sz_kat_blake2b_tab[i].name, why);
		assert_int_equal(r, SZ_OK);
	}
}

/* Copy hex into a static buffer with its last digit changed (one flipped bit of the value). */
static const char *
altered(const char *hex, char *buf, size_t cap)
{
	size_t n = strlen(hex);
	assert_true(n > 0 && n < cap);
	memcpy(buf, hex, n + 1);
	buf[n - 1] = buf[n - 1] == '0' ? '1' : '0';
	return buf;
}

/* The checks can fail: a vector whose expected answer has one changed digit is refused. */
static void
test_wrong_vectors_are_caught(void **state)
{
	(void)state;
	static char buf[4096];
	const char *why = NULL;

	sz_kat_ed25519 e = sz_kat_ed25519_tab[1];
	e.sig = altered(e.sig, buf, sizeof buf);
	assert_int_equal(sz_kat_check_ed25519(&e, &why), SZ_ERR_INTERNAL);
	assert_string_equal(why, "signature differs from the vector");

	sz_kat_x25519 x = sz_kat_x25519_tab[0];
	x.out = altered(x.out, buf, sizeof buf);
	assert_int_equal(sz_kat_check_x25519(&x, &why), SZ_ERR_INTERNAL);

	sz_kat_x25519_iter it = sz_kat_x25519_iter_tab[0];
	it.out = altered(it.out, buf, sizeof buf);
	assert_int_equal(sz_kat_check_x25519_iter(&it, &why), SZ_ERR_INTERNAL);

	sz_kat_x25519_dh d = sz_kat_x25519_dh_tab[0];
	d.shared = altered(d.shared, buf, sizeof buf);
	assert_int_equal(sz_kat_check_x25519_dh(&d, &why), SZ_ERR_INTERNAL);

	sz_kat_hmac h = sz_kat_hmac_tab[8]; /* test case 5, truncated */
	h.mac = altered(h.mac, buf, sizeof buf);
	assert_int_equal(sz_kat_check_hmac(&h, &why), SZ_ERR_INTERNAL);

	sz_kat_hkdf k = sz_kat_hkdf_tab[2];
	k.okm = altered(k.okm, buf, sizeof buf);
	assert_int_equal(sz_kat_check_hkdf(&k, &why), SZ_ERR_INTERNAL);

	for (size_t i = 0; i < sz_kat_aead_n; i++) {
		sz_kat_aead a = sz_kat_aead_tab[i];
		a.ct = altered(a.ct, buf, sizeof buf);
		assert_int_equal(sz_kat_check_aead(&a, &why), SZ_ERR_INTERNAL);
	}

	sz_kat_blake2b b = sz_kat_blake2b_tab[0];
	b.out = altered(b.out, buf, sizeof buf);
	assert_int_equal(sz_kat_check_blake2b(&b, &why), SZ_ERR_INTERNAL);

	/* A table entry that is not hex is refused as malformed, not as a mismatch. */
	sz_kat_blake2b bad = { "bad", "6g", sz_kat_blake2b_tab[0].out };
	assert_int_equal(sz_kat_check_blake2b(&bad, &why), SZ_ERR_MALFORMED);
}

/* X25519 with a low-order point gives all zeros, which sz_dh refuses (RFC 7748 §6.1). */
static void
test_x25519_low_order(void **state)
{
	(void)state;
	uint8_t sk[32], out[32];
	/* u = 0 and u = 1 are points of order 4 and 1 (RFC 7748 §5 notes; Noise §12.1). */
	const uint8_t zero[32] = { 0 }, one[32] = { 1 };
	memset(out, 0xaa, sizeof out);
	randombytes_buf(sk, sizeof sk);
	assert_int_equal(sz_dh(out, sk, zero), SZ_ERR_CRYPTO);
	for (size_t i = 0; i < sizeof out; i++)
		assert_int_equal(out[i], 0);
	assert_int_equal(sz_dh(out, sk, one), SZ_ERR_CRYPTO);
	/* A point of order 8 (one of the small-order points listed at cr.yp.to/ecdh.html). */
	uint8_t o8[32];
	static const uint8_t order8[32] = {
		0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f,
		0xc4, 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16,
		0x5f, 0x49, 0xb8, 0x00,
	};
	memcpy(o8, order8, sizeof o8);
	assert_int_equal(sz_dh(out, sk, o8), SZ_ERR_CRYPTO);
	/* A good point still works with the same key. */
	uint8_t pk[32];
	assert_int_equal(sz_dh_keypair(pk, out), SZ_OK);
	assert_int_equal(sz_dh(out, sk, pk), SZ_OK);
	sz_wipe(sk, sizeof sk);
}

/* The X25519 twins of two Ed25519 identities agree on one shared secret, the twin of the public
 * key is the public key of the twin secret, and a public key that is not a point is refused. */
static void
test_sign_to_dh(void **state)
{
	(void)state;
	uint8_t apk[32], ask[64], bpk[32], bsk[64], ax[32], bx[32], axp[32], bxp[32], pub[32];
	uint8_t s1[32], s2[32];
	assert_int_equal(sz_sign_keypair(apk, ask), SZ_OK);
	assert_int_equal(sz_sign_keypair(bpk, bsk), SZ_OK);
	assert_int_equal(sz_sign_sk_to_dh(ax, ask), SZ_OK);
	assert_int_equal(sz_sign_sk_to_dh(bx, bsk), SZ_OK);
	assert_int_equal(sz_sign_pk_to_dh(axp, apk), SZ_OK);
	assert_int_equal(sz_sign_pk_to_dh(bxp, bpk), SZ_OK);
	assert_int_equal(sz_dh_public(pub, ax), SZ_OK);
	assert_memory_equal(pub, axp, 32);
	assert_int_equal(sz_dh(s1, ax, bxp), SZ_OK);
	assert_int_equal(sz_dh(s2, bx, axp), SZ_OK);
	assert_memory_equal(s1, s2, 32);
	/* one flipped bit of the other's key: another secret */
	bxp[3] ^= 1;
	if (sz_dh(s2, ax, bxp) == SZ_OK)
		assert_memory_not_equal(s1, s2, 32);
	/* a y coordinate that is no point on the curve (y = 2 has no x) */
	uint8_t bad[32] = { 2 };
	memset(pub, 0xaa, sizeof pub);
	assert_int_equal(sz_sign_pk_to_dh(pub, bad), SZ_ERR_CRYPTO);
	assert_true(sodium_is_zero(pub, sizeof pub));
	sz_wipe(ask, sizeof ask);
	sz_wipe(bsk, sizeof bsk);
	sz_wipe(ax, sizeof ax);
	sz_wipe(bx, sizeof bx);
}

static void
test_aead_truncated(void **state)
{
	(void)state;
	uint8_t key[32] = { 7 }, n12[12] = { 0 }, n24[24] = { 0 }, m[32], c[48];
	assert_int_equal(sz_aead_encrypt(c, (const uint8_t *)"hello", 5, NULL, 0, n12, key), SZ_OK);
	/* Fewer than 16 bytes cannot even hold the tag. */
	assert_int_equal(sz_aead_decrypt(m, c, 15, NULL, 0, n12, key), SZ_ERR_TRUNCATED);
	assert_int_equal(sz_aead_decrypt(m, c, 0, NULL, 0, n12, key), SZ_ERR_TRUNCATED);
	assert_int_equal(sz_xaead_decrypt(m, c, 15, NULL, 0, n24, key), SZ_ERR_TRUNCATED);
	/* Exactly a tag (empty plaintext) is well-formed but this one is forged. */
	assert_int_equal(sz_aead_decrypt(m, c, 16, NULL, 0, n12, key), SZ_ERR_DECRYPT);
	assert_int_equal(sz_aead_decrypt(m, c, 21, NULL, 0, n12, key), SZ_OK);
	assert_memory_equal(m, "hello", 5);
	/* A failed decryption leaves no plaintext behind. */
	c[20] ^= 1;
	memset(m, 0x55, sizeof m);
	assert_int_equal(sz_aead_decrypt(m, c, 21, NULL, 0, n12, key), SZ_ERR_DECRYPT);
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(m[i], 0);
}

static void
test_hkdf_too_long(void **state)
{
	(void)state;
	static uint8_t okm[255 * 64 + 1];
	const uint8_t prk[32] = { 1 };
	/* RFC 5869 §2.3: L <= 255 * HashLen. */
	assert_int_equal(sz_hkdf_expand(SZ_HASH_SHA256, okm, 255 * 32, prk, 32, NULL, 0), SZ_OK);
	assert_int_equal(sz_hkdf_expand(SZ_HASH_SHA256, okm, 255 * 32 + 1, prk, 32, NULL, 0),
	    SZ_ERR_TOO_LARGE);
	assert_int_equal(sz_hkdf_expand(SZ_HASH_SHA512, okm, 255 * 64 + 1, prk, 32, NULL, 0),
	    SZ_ERR_TOO_LARGE);
	assert_int_equal(sz_hkdf(SZ_HASH_BLAKE2B, okm, 255 * 64 + 1, NULL, 0, prk, 32, NULL, 0),
	    SZ_ERR_TOO_LARGE);
	assert_int_equal(sz_hkdf_expand((sz_hash_alg)99, okm, 32, prk, 32, NULL, 0), SZ_ERR_INVALID);
}

/* A key longer than the block is hashed first (RFC 2104 §2), so HMAC(K) == HMAC(H(K)); checked
 * for all three hashes, BLAKE2b included (it has no RFC 4231 vector). */
static void
test_hmac_long_key(void **state)
{
	(void)state;
	const sz_hash_alg algs[] = { SZ_HASH_SHA256, SZ_HASH_SHA512, SZ_HASH_BLAKE2B };
	uint8_t key[200], hk[64], m1[64], m2[64];
	for (size_t i = 0; i < sizeof key; i++)
		key[i] = (uint8_t)(i * 7 + 1);
	for (size_t a = 0; a < 3; a++) {
		size_t block = sz_hash_block(algs[a]), hl = sz_hash_len(algs[a]);
		assert_int_equal(sz_hash(algs[a], hk, key, block + 1), SZ_OK);
		assert_int_equal(sz_hmac(algs[a], m1, key, block + 1, (const uint8_t *)"msg", 3), SZ_OK);
		assert_int_equal(sz_hmac(algs[a], m2, hk, hl, (const uint8_t *)"msg", 3), SZ_OK);
		assert_true(sz_ct_equal(m1, m2, hl));
		/* A key of exactly one block is used as it is, not hashed. */
		assert_int_equal(sz_hash(algs[a], hk, key, block), SZ_OK);
		assert_int_equal(sz_hmac(algs[a], m1, key, block, (const uint8_t *)"msg", 3), SZ_OK);
		assert_int_equal(sz_hmac(algs[a], m2, hk, hl, (const uint8_t *)"msg", 3), SZ_OK);
		assert_false(sz_ct_equal(m1, m2, hl));
	}
}

/* Secret slots: zero-filled, bounded, counted, reused after release. */
static void
test_secret_slots(void **state)
{
	(void)state;
	size_t base = sz_secret_slots_in_use();
	assert_null(sz_secret_slot_alloc(SZ_SECRET_SLOT + 1));
	uint8_t *p[40];
	for (size_t i = 0; i < 40; i++) { /* more than one chunk */
		p[i] = sz_secret_slot_alloc(i == 0 ? SZ_SECRET_SLOT : 48);
		assert_non_null(p[i]);
		for (size_t j = 0; j < SZ_SECRET_SLOT; j++)
			assert_int_equal(p[i][j], 0);
		memset(p[i], 0xee, SZ_SECRET_SLOT);
		for (size_t k = 0; k < i; k++)
			assert_ptr_not_equal(p[k], p[i]);
	}
	assert_int_equal(sz_secret_slots_in_use(), base + 40);
	for (size_t i = 0; i < 40; i++)
		sz_secret_slot_free(p[i]);
	sz_secret_slot_free(NULL);
	assert_int_equal(sz_secret_slots_in_use(), base);
	/* A released slot comes back wiped. */
	uint8_t *q = sz_secret_slot_alloc(64);
	assert_non_null(q);
	for (size_t j = 0; j < SZ_SECRET_SLOT; j++)
		assert_int_equal(q[j], 0);
	sz_secret_slot_free(q);
}

static int selftest_count, selftest_failed;

static void
count_report(void *ctx, const char *name, int ok)
{
	(void)ctx;
	assert_non_null(name);
	assert_true(strlen(name) > 10);
	selftest_count++;
	selftest_failed += !ok;
}

static void
test_selftest(void **state)
{
	(void)state;
	assert_int_equal(sz_crypto_selftest(count_report, NULL), 0);
	assert_int_equal(selftest_failed, 0);
	assert_true(selftest_count >= 8);
}

int
main(void)
{
	if (sz_init() != SZ_OK)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ed25519_vectors),
		cmocka_unit_test(test_x25519_vectors),
		cmocka_unit_test(test_hmac_vectors),
		cmocka_unit_test(test_hkdf_vectors),
		cmocka_unit_test(test_aead_vectors),
		cmocka_unit_test(test_blake2b_vectors),
		cmocka_unit_test(test_wrong_vectors_are_caught),
		cmocka_unit_test(test_x25519_low_order),
		cmocka_unit_test(test_sign_to_dh),
		cmocka_unit_test(test_aead_truncated),
		cmocka_unit_test(test_hkdf_too_long),
		cmocka_unit_test(test_hmac_long_key),
		cmocka_unit_test(test_secret_slots),
		cmocka_unit_test(test_selftest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
