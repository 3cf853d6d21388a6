/*
 * edtweak_test.c - unit tests of the tweaked Ed25519 signer (edtweak.c).  The expanded-key
 * signer must reproduce RFC 8032 §7.1 (the vectors of kat.c); a tweaked signature must verify
 * (with libsodium's own verifier) under A + t·B and under nothing else; tampered inputs fail.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/edtweak.h"
#include "crypto/kat.h"
#include "lib/bytes.h"

/* The group order L, little-endian (RFC 8032 §5.1). */
static const uint8_t L[32] = {
	0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
};

/* RFC 8032 §7.1: the expanded-key signer with (clamp(H(seed)[0..32]), H(seed)[32..64]) gives
 * exactly the published signatures; a flipped message bit gives another signature that does not
 * verify under the vector's key. */
static void
test_expanded_rfc8032(void **state)
{
	(void)state;
	for (size_t i = 0; i < sz_kat_ed25519_n; i++) {
		const sz_kat_ed25519 *v = &sz_kat_ed25519_tab[i];
		uint8_t seed[32], pk[32], want[64], sig[64], az[64], *msg = NULL;
		size_t mlen = 0;
		assert_int_equal(sz_hex_decode(seed, 32, v->sk, strlen(v->sk)), SZ_OK);
		assert_int_equal(sz_hex_decode(pk, 32, v->pk, strlen(v->pk)), SZ_OK);
		assert_int_equal(sz_hex_decode(want, 64, v->sig, strlen(v->sig)), SZ_OK);
		assert_int_equal(sz_hex_decode_alloc(v->msg, &msg, &mlen), SZ_OK);
		assert_int_equal(crypto_hash_sha512(az, seed, 32), 0);
		az[0] &= 248;
		az[31] &= 127;
		az[31] |= 64;
		assert_int_equal(sz_edtweak_sign_expanded(sig, msg, mlen, az, az + 32, pk), SZ_OK);
		assert_memory_equal(sig, want, 64);
		assert_int_equal(sz_verify(sig, msg, mlen, pk), SZ_OK);
		if (mlen > 0) {
			msg[0] ^= 1;
			assert_int_not_equal(sz_verify(sig, msg, mlen, pk), SZ_OK);
			assert_int_equal(sz_edtweak_sign_expanded(sig, msg, mlen, az, az + 32, pk), SZ_OK);
			assert_memory_not_equal(sig, want, 64);
		}
		free(msg);
	}
}

/* A tweaked signature verifies under A + t·B (computed by the verifier from public values
 * only) and nowhere else; every tampered case fails. */
static void
test_tweaked_sign_verify(void **state)
{
	(void)state;
	uint8_t pk[32], sk[64], t[32], t2[32], tpk[32], tpk2[32], out[32], sig[64], sig2[64];
	const uint8_t msg[] = "an ack folded into a post";
	for (int round = 0; round < 16; round++) {
		uint8_t in[2] = { (uint8_t)round, 0 };
		assert_int_equal(sz_sign_keypair(pk, sk), SZ_OK);
		assert_int_equal(sz_edtweak_scalar(t, in, sizeof in), SZ_OK);
		in[1] = 1;
		assert_int_equal(sz_edtweak_scalar(t2, in, sizeof in), SZ_OK);
		assert_memory_not_equal(t, t2, 32);
		assert_int_equal(sz_edtweak_sign(sig, out, msg, sizeof msg, sk, t), SZ_OK);
		assert_int_equal(sz_edtweak_pk(tpk, pk, t), SZ_OK);
		assert_memory_equal(out, tpk, 32); /* the signer's (a + t)·B is the verifier's A + t·B */
		assert_memory_not_equal(tpk, pk, 32);
		assert_int_equal(sz_verify(sig, msg, sizeof msg, tpk), SZ_OK);
		/* tampered: the untweaked key, another tweak, a message bit, a signature bit */
		assert_int_not_equal(sz_verify(sig, msg, sizeof msg, pk), SZ_OK);
		assert_int_equal(sz_edtweak_pk(tpk2, pk, t2), SZ_OK);
		assert_int_not_equal(sz_verify(sig, msg, sizeof msg, tpk2), SZ_OK);
		uint8_t bad[sizeof msg];
		memcpy(bad, msg, sizeof msg);
		bad[round % sizeof msg] ^= 0x20;
		assert_int_not_equal(sz_verify(sig, bad, sizeof bad, tpk), SZ_OK);
		sig[(round * 7) % 64] ^= 0x01;
		assert_int_not_equal(sz_verify(sig, msg, sizeof msg, tpk), SZ_OK);
		sig[(round * 7) % 64] ^= 0x01;
		/* deterministic for one (tweak, message); another tweak has another nonce (R) */
		assert_int_equal(sz_edtweak_sign(sig2, out, msg, sizeof msg, sk, t), SZ_OK);
		assert_memory_equal(sig2, sig, 64);
		assert_int_equal(sz_edtweak_sign(sig2, out, msg, sizeof msg, sk, t2), SZ_OK);
		assert_memory_not_equal(sig2, sig, 32);
		assert_int_equal(sz_verify(sig2, msg, sizeof msg, tpk2), SZ_OK);
		/* and the plain signature of the same message has yet another nonce */
		assert_int_equal(sz_sign(sig2, msg, sizeof msg, sk), SZ_OK);
		assert_memory_not_equal(sig2, sig, 32);
	}
}

/* The tweak scalar is canonical and commits to its input; zero and bad inputs. */
static void
test_tweak_edges(void **state)
{
	(void)state;
	uint8_t t[32], t2[32], pk[32], sk[64], out[32], sig[64], zero[32] = { 0 };
	assert_int_equal(sz_sign_keypair(pk, sk), SZ_OK);
	assert_int_equal(sz_edtweak_scalar(t, NULL, 0), SZ_OK);
	assert_int_equal(sz_edtweak_scalar(t2, (const uint8_t *)"x", 1), SZ_OK);
	assert_memory_not_equal(t, t2, 32);
	assert_true(t[31] < 0x10 || (t[31] == 0x10 && memcmp(t, L, 32) < 0)); /* rough: below 2^253 */
	/* t = 0: the key itself */
	assert_int_equal(sz_edtweak_pk(out, pk, zero), SZ_OK);
	assert_memory_equal(out, pk, 32);
	/* t = L and t = 2^256 - 1 are not canonical: refused, outputs zeroed */
	assert_int_equal(sz_edtweak_pk(out, pk, L), SZ_ERR_CRYPTO);
	assert_true(sodium_is_zero(out, 32));
	uint8_t ff[32];
	memset(ff, 0xff, 32);
	assert_int_equal(sz_edtweak_pk(out, pk, ff), SZ_ERR_CRYPTO);
	assert_int_equal(sz_edtweak_sign(sig, out, (const uint8_t *)"m", 1, sk, L), SZ_ERR_CRYPTO);
	assert_true(sodium_is_zero(sig, 64) && sodium_is_zero(out, 32));
	/* a key that is not a point is refused */
	uint8_t notpt[32];
	memset(notpt, 0, 32);
	notpt[0] = 2; /* y = 2: x^2 has no root on edwards25519 */
	assert_int_equal(sz_edtweak_pk(out, notpt, t), SZ_ERR_CRYPTO);
	assert_int_equal(sz_edtweak_pk(out, notpt, zero), SZ_ERR_CRYPTO);
}

int
main(void)
{
	if (sz_init() != SZ_OK)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expanded_rfc8032),
		cmocka_unit_test(test_tweaked_sign_verify),
		cmocka_unit_test(test_tweak_edges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
