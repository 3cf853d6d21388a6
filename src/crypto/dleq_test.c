/*
 * dleq_test.c - DLEQ proofs and DeriveKeyPair (crypto/dleq.c) against RFC 9497 Appendix A.1
 * (ristretto255-SHA512): A.1.1 OPRF mode key derivation and A.1.2 VOPRF mode -- Seed and KeyInfo
 * to skSm and pkSm, and for each vector (batch sizes 1, 1, 2) the Proof generated from the given
 * ProofRandomScalar and verified, byte for byte.  The vectors also pin hash_to_group (the
 * BlindedElement) and the rest of the VOPRF flow (EvaluationElement, Output).  Transcribed from
 * the RFC text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "crypto/dleq.h"
#include "crypto/h2c.h"
#include "lib/bytes.h"

#define SEED "a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3"
#define KEY_INFO "74657374206b6579" /* "test key" */
/* A.1.1 OPRF mode. */
#define OPRF_SKSM "5ebcea5ee37023ccb9fc2d2019f9d7737be85591ae8652ffa9ef0f4d37063b0e"
/* A.1.2 VOPRF mode. */
#define VOPRF_SKSM "e6f73f344b79b379f1a0dd37e07ff62e38d9f71345ce62ae3a9bc60b04ccd909"
#define VOPRF_PKSM "c803e2cc6b05fc15064549b5920659ca4a77b2cca6f04f6b357009335476ad4e"

struct voprf_vec {
	size_t batch;
	const char *input[2], *blind[2], *blinded[2], *evaluated[2], *output[2];
	const char *proof, *proof_random;
};

static const struct voprf_vec vectors[] = {
	{ /* Test Vector 1, Batch Size 1 */
	    1, { "00" },
	    { "64d37aed22a27f5191de1c1d69fadb899d8862b58eb4220029e036ec4c1f6706" },
	    { "863f330cc1a1259ed5a5998a23acfd37fb4351a793a5b3c090b642ddc439b945" },
	    { "aa8fa048764d5623868679402ff6108d2521884fa138cd7f9c7669a9a014267e" },
	    { "b58cfbe118e0cb94d79b5fd6a6dafb98764dff49c14e1770b566e42402da1a7d"
	      "a4d8527693914139caee5bd03903af43a491351d23b430948dd50cde10d32b3c" },
	    "ddef93772692e535d1a53903db24367355cc2cc78de93b3be5a8ffcc6985dd06"
	    "6d4346421d17bf5117a2a1ff0fcb2a759f58a539dfbe857a40bce4cf49ec600d",
	    "222a5e897cf59db8145db8d16e597e8facb80ae7d4e26d9881aa6f61d645fc0e" },
	{ /* Test Vector 2, Batch Size 1 */
	    1, { "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a" },
	    { "64d37aed22a27f5191de1c1d69fadb899d8862b58eb4220029e036ec4c1f6706" },
	    { "cc0b2a350101881d8a4cba4c80241d74fb7dcbfde4a61fde2f91443c2bf9ef0c" },
	    { "60a59a57208d48aca71e9e850d22674b611f752bed48b36f7a91b372bd7ad468" },
	    { "8a9a2f3c7f085b65933594309041fc1898d42d0858e59f90814ae90571a6df60"
	      "356f4610bf816f27afdd84f47719e480906d27ecd994985890e5f539e7ea74b6" },
	    "401a0da6264f8cf45bb2f5264bc31e109155600babb3cd4e5af7d181a2c9dc0a"
	    "67154fabf031fd936051dec80b0b6ae29c9503493dde7393b722eafdf5a50b02",
	    "222a5e897cf59db8145db8d16e597e8facb80ae7d4e26d9881aa6f61d645fc0e" },
	{ /* Test Vector 3, Batch Size 2 */
	    2, { "00", "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a" },
	    { "64d37aed22a27f5191de1c1d69fadb899d8862b58eb4220029e036ec4c1f6706",
	      "222a5e897cf59db8145db8d16e597e8facb80ae7d4e26d9881aa6f61d645fc0e" },
	    { "863f330cc1a1259ed5a5998a23acfd37fb4351a793a5b3c090b642ddc439b945",
	      "90a0145ea9da29254c3a56be4fe185465ebb3bf2a1801f7124bbbadac751e654" },
	    { "aa8fa048764d5623868679402ff6108d2521884fa138cd7f9c7669a9a014267e",
	      "cc5ac221950a49ceaa73c8db41b82c20372a4c8d63e5dded2db920b7eee36a2a" },
	    { "b58cfbe118e0cb94d79b5fd6a6dafb98764dff49c14e1770b566e42402da1a7d"
	      "a4d8527693914139caee5bd03903af43a491351d23b430948dd50cde10d32b3c",
	      "8a9a2f3c7f085b65933594309041fc1898d42d0858e59f90814ae90571a6df60"
	      "356f4610bf816f27afdd84f47719e480906d27ecd994985890e5f539e7ea74b6" },
	    "cc203910175d786927eeb44ea847328047892ddf8590e723c37205cb74600b0a"
	    "5ab5337c8eb4ceae0494c2cf89529dcf94572ed267473d567aeed6ab873dee08",
	    "419c4f4f5052c53c45f3da494d2b67b220d02118e0857cdbcf037f9ea84bbe0c" },
};

static const uint8_t voprf_ctx[] = SZ_DLEQ_VOPRF_CONTEXT;
#define CTX voprf_ctx, SZ_DLEQ_VOPRF_CONTEXT_LEN

static void
unhex(uint8_t *out, size_t n, const char *hex)
{
	assert_int_equal(strlen(hex), 2 * n);
	assert_int_equal(sz_hex_decode(out, n, hex, 2 * n), SZ_OK);
}

static void
voprf_key(uint8_t sk[32], uint8_t pk[32])
{
	uint8_t seed[32], info[8];
	unhex(seed, 32, SEED);
	unhex(info, 8, KEY_INFO);
	assert_int_equal(sz_dleq_derive_keypair(sk, pk, CTX, seed, info, sizeof info), SZ_OK);
}

static void
test_derive_keypair(void **state)
{
	(void)state;
	uint8_t sk[32], pk[32], want[32], seed[32], info[8];
	assert_int_equal(sizeof voprf_ctx - 1, SZ_DLEQ_VOPRF_CONTEXT_LEN);
	voprf_key(sk, pk);
	unhex(want, 32, VOPRF_SKSM);
	assert_memory_equal(sk, want, 32);
	unhex(want, 32, VOPRF_PKSM);
	assert_memory_equal(pk, want, 32);

	/* A.1.1: the OPRF mode context ("OPRFV1-\x00-ristretto255-SHA512") gives another key. */
	static const uint8_t oprf_ctx[] = "OPRFV1-\x00-ristretto255-SHA512";
	unhex(seed, 32, SEED);
	unhex(info, 8, KEY_INFO);
	assert_int_equal(sz_dleq_derive_keypair(sk, pk, oprf_ctx, sizeof oprf_ctx - 1, seed, info,
	    sizeof info), SZ_OK);
	unhex(want, 32, OPRF_SKSM);
	assert_memory_equal(sk, want, 32);

	/* Tampered: one bit of the seed or of the info changes the key. */
	seed[31] ^= 0x80;
	assert_int_equal(sz_dleq_derive_keypair(sk, pk, CTX, seed, info, sizeof info), SZ_OK);
	unhex(want, 32, VOPRF_SKSM);
	assert_memory_not_equal(sk, want, 32);
	seed[31] ^= 0x80;
	info[0] ^= 1;
	assert_int_equal(sz_dleq_derive_keypair(sk, pk, CTX, seed, info, sizeof info), SZ_OK);
	assert_memory_not_equal(sk, want, 32);

	/* Bounds. */
	assert_int_equal(sz_dleq_derive_keypair(sk, pk, CTX, seed, NULL, 3), SZ_ERR_INVALID);
	assert_true(sodium_is_zero(sk, 32) && sodium_is_zero(pk, 32));
	assert_int_equal(sz_dleq_derive_keypair(sk, pk, voprf_ctx, 0, seed, info, 8),
	    SZ_ERR_INVALID);
	assert_int_equal(sz_dleq_derive_keypair(sk, pk, CTX, seed, NULL, 0), SZ_OK);
}

/* Everything one vector pins: HashToGroup, BlindEvaluate, GenerateProof, VerifyProof, Finalize. */
static void
run_vector(const struct voprf_vec *v, const uint8_t sk[32], const uint8_t pk[32])
{
	uint8_t blinded[2][32], evaluated[2][32], want[64], proof[64], r[32], p[32];
	uint8_t dst[64];
	size_t dstlen;

	memcpy(dst, "HashToGroup-", 12);
	memcpy(dst + 12, voprf_ctx, SZ_DLEQ_VOPRF_CONTEXT_LEN);
	dstlen = 12 + SZ_DLEQ_VOPRF_CONTEXT_LEN;
	for (size_t i = 0; i < v->batch; i++) {
		uint8_t input[32], blind[32], inv[32], n[32];
		size_t inlen = strlen(v->input[i]) / 2;
		unhex(input, inlen, v->input[i]);
		unhex(blind, 32, v->blind[i]);
		/* Blind: blindedElement = blind * HashToGroup(input) */
		assert_int_equal(sz_h2c_hash_to_group(p, input, inlen, dst, dstlen), SZ_OK);
		assert_int_equal(sz_rist_mul(blinded[i], blind, p), SZ_OK);
		unhex(want, 32, v->blinded[i]);
		assert_memory_equal(blinded[i], want, 32);
		/* BlindEvaluate: evaluatedElement = skS * blindedElement */
		assert_int_equal(sz_rist_mul(evaluated[i], sk, blinded[i]), SZ_OK);
		unhex(want, 32, v->evaluated[i]);
		assert_memory_equal(evaluated[i], want, 32);
		/* Finalize: Hash(I2OSP(len(input), 2) || input || I2OSP(32, 2) || N || "Finalize") */
		assert_int_equal(crypto_core_ristretto255_scalar_invert(inv, blind), 0);
		assert_int_equal(sz_rist_mul(n, inv, evaluated[i]), SZ_OK);
		crypto_hash_sha512_state h;
		uint8_t l2[2] = { 0, (uint8_t)inlen }, out[64];
		crypto_hash_sha512_init(&h);
		crypto_hash_sha512_update(&h, l2, 2);
		crypto_hash_sha512_update(&h, input, inlen);
		l2[1] = 32;
		crypto_hash_sha512_update(&h, l2, 2);
		crypto_hash_sha512_update(&h, n, 32);
		crypto_hash_sha512_update(&h, (const uint8_t *)"Finalize", 8);
		crypto_hash_sha512_final(&h, out);
		unhex(want, 64, v->output[i]);
		assert_memory_equal(out, want, 64);
	}
	unhex(r, 32, v->proof_random);
	unhex(want, 64, v->proof);
	assert_int_equal(sz_dleq_prove_with_r(proof, CTX, sk, pk,
	    (const uint8_t(*)[32])blinded, (const uint8_t(*)[32])evaluated, v->batch, r), SZ_OK);
	assert_memory_equal(proof, want, 64);
	assert_int_equal(sz_dleq_verify(proof, CTX, pk, (const uint8_t(*)[32])blinded,
	    (const uint8_t(*)[32])evaluated, v->batch), SZ_OK);

	/* Tampered: every single-bit flip of the proof fails. */
	for (size_t bit = 0; bit < 64 * 8; bit++) {
		proof[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_not_equal(sz_dleq_verify(proof, CTX, pk, (const uint8_t(*)[32])blinded,
		    (const uint8_t(*)[32])evaluated, v->batch), SZ_OK);
		proof[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
}

static void
test_voprf_vectors(void **state)
{
	(void)state;
	uint8_t sk[32], pk[32];
	voprf_key(sk, pk);
	for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++)
		run_vector(&vectors[i], sk, pk);
}

/* The batch-2 vector, with each kind of wrong statement and malformed proof. */
static void
test_rejects(void **state)
{
	(void)state;
	const struct voprf_vec *v = &vectors[2];
	uint8_t sk[32], pk[32], c[2][32], d[2][32], proof[64], bad[64], other[32];
	voprf_key(sk, pk);
	for (int i = 0; i < 2; i++) {
		unhex(c[i], 32, v->blinded[i]);
		unhex(d[i], 32, v->evaluated[i]);
	}
	unhex(proof, 64, v->proof);
	const uint8_t(*cc)[32] = (const uint8_t(*)[32])c, (*dd)[32] = (const uint8_t(*)[32])d;
	assert_int_equal(sz_dleq_verify(proof, CTX, pk, cc, dd, 2), SZ_OK);

	/* Another public key, another context, a shorter batch, swapped pairs: all fail. */
	unhex(other, 32, "e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76");
	assert_int_equal(sz_dleq_verify(proof, CTX, other, cc, dd, 2), SZ_ERR_BAD_SIGNATURE);
	assert_int_equal(sz_dleq_verify(proof, voprf_ctx, SZ_DLEQ_VOPRF_CONTEXT_LEN - 1, pk, cc, dd,
	    2), SZ_ERR_BAD_SIGNATURE);
	assert_int_equal(sz_dleq_verify(proof, CTX, pk, cc, dd, 1), SZ_ERR_BAD_SIGNATURE);
	uint8_t c2[2][32], d2[2][32];
	memcpy(c2[0], c[1], 32);
	memcpy(c2[1], c[0], 32);
	memcpy(d2[0], d[1], 32);
	memcpy(d2[1], d[0], 32);
	assert_int_equal(sz_dleq_verify(proof, CTX, pk, (const uint8_t(*)[32])c2,
	    (const uint8_t(*)[32])d2, 2), SZ_ERR_BAD_SIGNATURE);
	/* D[1] replaced by D[0]: a false statement. */
	memcpy(d2[0], d[0], 32);
	memcpy(d2[1], d[0], 32);
	assert_int_equal(sz_dleq_verify(proof, CTX, pk, cc, (const uint8_t(*)[32])d2, 2),
	    SZ_ERR_BAD_SIGNATURE);

	/* A proof of a false statement made with the real key does not verify either. */
	uint8_t r[32];
	unhex(r, 32, v->proof_random);
	assert_int_equal(sz_dleq_prove_with_r(bad, CTX, sk, pk, cc, (const uint8_t(*)[32])d2, 2, r),
	    SZ_OK);
	assert_int_equal(sz_dleq_verify(bad, CTX, pk, cc, (const uint8_t(*)[32])d2, 2),
	    SZ_ERR_BAD_SIGNATURE);

	/* s + L: the same value mod L, but non-canonical, refused. */
	static const uint8_t order[32] = { 0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6,
		0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, [31] = 0x10 };
	memcpy(bad, proof, 64);
	unsigned carry = 0;
	for (int i = 0; i < 32; i++) {
		unsigned t = bad[32 + i] + order[i] + carry;
		bad[32 + i] = (uint8_t)t;
		carry = t >> 8;
	}
	assert_int_equal(carry, 0);
	assert_int_equal(sz_dleq_verify(bad, CTX, pk, cc, dd, 2), SZ_ERR_NONCANONICAL);

	/* The identity or an invalid encoding anywhere in the statement is refused. */
	uint8_t zero[32] = { 0 }, ident[2][32] = { { 0 } };
	assert_int_equal(sz_dleq_verify(proof, CTX, zero, cc, dd, 2), SZ_ERR_CRYPTO);
	memcpy(ident[0], c[0], 32);
	assert_int_equal(sz_dleq_verify(proof, CTX, pk, (const uint8_t(*)[32])ident, dd, 2),
	    SZ_ERR_CRYPTO);
	memcpy(other, pk, 32);
	other[0] ^= 1;
	assert_int_equal(sz_dleq_verify(proof, CTX, other, cc, dd, 2), SZ_ERR_CRYPTO);
	/* Bounds. */
	assert_int_equal(sz_dleq_verify(proof, CTX, pk, cc, dd, 0), SZ_ERR_INVALID);
	assert_int_equal(sz_dleq_verify(proof, CTX, pk, cc, dd, SZ_DLEQ_MAX_BATCH + 1),
	    SZ_ERR_TOO_LARGE);
	assert_int_equal(sz_dleq_verify(proof, voprf_ctx, 0, pk, cc, dd, 2), SZ_ERR_INVALID);
	/* A zero key or nonce is refused by the prover. */
	assert_int_equal(sz_dleq_prove_with_r(bad, CTX, zero, pk, cc, dd, 2, r), SZ_ERR_INVALID);
	assert_true(sodium_is_zero(bad, 64));
}

/* Random nonces from the env: proofs differ but both verify. */
static void
test_random_proofs(void **state)
{
	(void)state;
	sz_env_seeded e;
	sz_env_seeded_init(&e, 7, 0);
	uint8_t sk[32], pk[32], c[1][32], d[1][32], p1[64], p2[64];
	voprf_key(sk, pk);
	unhex(c[0], 32, vectors[0].blinded[0]);
	assert_int_equal(sz_rist_mul(d[0], sk, c[0]), SZ_OK);
	const uint8_t(*cc)[32] = (const uint8_t(*)[32])c, (*dd)[32] = (const uint8_t(*)[32])d;
	assert_int_equal(sz_dleq_prove(p1, CTX, sk, pk, cc, dd, 1, &e.env), SZ_OK);
	assert_int_equal(sz_dleq_prove(p2, CTX, sk, pk, cc, dd, 1, &e.env), SZ_OK);
	assert_memory_not_equal(p1, p2, 64);
	assert_int_equal(sz_dleq_verify(p1, CTX, pk, cc, dd, 1), SZ_OK);
	assert_int_equal(sz_dleq_verify(p2, CTX, pk, cc, dd, 1), SZ_OK);
	p2[40] ^= 4;
	assert_int_equal(sz_dleq_verify(p2, CTX, pk, cc, dd, 1), SZ_ERR_BAD_SIGNATURE);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_derive_keypair),
		cmocka_unit_test(test_voprf_vectors),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_random_proofs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
