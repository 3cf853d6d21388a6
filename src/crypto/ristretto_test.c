/*
 * ristretto_test.c - ristretto255 wrappers (crypto/ristretto.c) against RFC 9496 Appendix A:
 * the encodings of small multiples of the generator (A.1), the invalid encodings that must be
 * rejected (A.2) and element derivation from 64-byte strings (A.3), transcribed from the RFC text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "crypto/ristretto.h"
#include "lib/bytes.h"
#include "lib/env.h"

/* RFC 9496 Appendix A.1: encodings of B[0] .. B[15] = 0·G .. 15·G. */
static const char *const multiples[16] = {
	"0000000000000000000000000000000000000000000000000000000000000000",
	"e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76",
	"6a493210f7499cd17fecb510ae0cea23a110e8d5b901f8acadd3095c73a3b919",
	"94741f5d5d52755ece4f23f044ee27d5d1ea1e2bd196b462166b16152a9d0259",
	"da80862773358b466ffadfe0b3293ab3d9fd53c5ea6c955358f568322daf6a57",
	"e882b131016b52c1d3337080187cf768423efccbb517bb495ab812c4160ff44e",
	"f64746d3c92b13050ed8d80236a7f0007c3b3f962f5ba793d19a601ebb1df403",
	"44f53520926ec81fbd5a387845beb7df85a96a24ece18738bdcfa6a7822a176d",
	"903293d8f2287ebe10e2374dc1a53e0bc887e592699f02d077d5263cdd55601c",
	"02622ace8f7303a31cafc63f8fc48fdc16e1c8c8d234b2f0d6685282a9076031",
	"20706fd788b2720a1ed2a5dad4952b01f413bcf0e7564de8cdc816689e2db95f",
	"bce83f8ba5dd2fa572864c24ba1810f9522bc6004afe95877ac73241cafdab42",
	"e4549ee16b9aa03099ca208c67adafcafa4c3f3e4e5303de6026e3ca8ff84460",
	"aa52e000df2e16f55fb1032fc33bc42742dad6bd5a8fc0be0167436c5948501f",
	"46376b80f409b29dc2b5f6f0c52591990896e5716f41477cd30085ab7f10301e",
	"e0c418f7c8d9c4cdd7395b93ea124f3ad99021bb681dfc3302a9d99a2e53e64e",
};

/* RFC 9496 Appendix A.2: encodings that MUST be rejected. */
static const char *const invalid[] = {
	/* Non-canonical field encodings. */
	"00ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"f3ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	/* Negative field elements. */
	"0100000000000000000000000000000000000000000000000000000000000000",
	"01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"ed57ffd8c914fb201471d1c3d245ce3c746fcbe63a3679d51b6a516ebebe0e20",
	"c34c4e1826e5d403b78e246e88aa051c36ccf0aafebffe137d148a2bf9104562",
	"c940e5a4404157cfb1628b108db051a8d439e1a421394ec4ebccb9ec92a8ac78",
	"47cfc5497c53dc8e61c91d17fd626ffb1c49e2bca94eed052281b510b1117a24",
	"f1c6165d33367351b0da8f6e4511010c68174a03b6581212c71c0e1d026c3c72",
	"87260f7a2f12495118360f02c26a470f450dadf34a413d21042b43b9d93e1309",
	/* Non-square x^2. */
	"26948d35ca62e643e26a83177332e6b6afeb9d08e4268b650f1f5bbd8d81d371",
	"4eac077a713c57b4f4397629a4145982c661f48044dd3f96427d40b147d9742f",
	"de6a7b00deadc788eb6b6c8d20c0ae96c2f2019078fa604fee5b87d6e989ad7b",
	"bcab477be20861e01e4a0e295284146a510150d9817763caf1a6f4b422d67042",
	"2a292df7e32cababbd9de088d1d1abec9fc0440f637ed2fba145094dc14bea08",
	"f4a9e534fc0d216c44b218fa0c42d99635a0127ee2e53c712f70609649fdff22",
	"8268436f8c4126196cf64b3c7ddbda90746a378625f9813dd9b8457077256731",
	"2810e5cbc2cc4d4eece54f61c6f69758e289aa7ab440b3cbeaa21995c2f4232b",
	/* Negative xy value. */
	"3eb858e78f5a7254d8c9731174a94f76755fd3941c0ac93735c07ba14579630e",
	"a45fdc55c76448c049a1ab33f17023edfb2be3581e9c7aade8a6125215e04220",
	"d483fe813c6ba647ebbfd3ec41adca1c6130c2beeee9d9bf065c8d151c5f396e",
	"8a2e1d30050198c65a54483123960ccc38aef6848e1ec8f5f780e8523769ba32",
	"32888462f8b486c68ad7dd9610be5192bbeaf3b443951ac1a8118419d9fa097b",
	"227142501b9d4355ccba290404bde41575b037693cef1f438c47f8fbf35d1165",
	"5c37cc491da847cfeb9281d407efc41e15144c876e0170b499a96a22ed31e01e",
	"445425117cb8c90edcbc7c1cc0e74f747f2c1efa5630a967c64f287792a48a4b",
	/* s = -1, which causes y = 0. */
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
};

/* RFC 9496 Appendix A.3: element derivation from 64-byte strings (I -> O). */
static const struct { const char *in, *out; } derive[] = {
	{ "5d1be09e3d0c82fc538112490e35701979d99e06ca3e2b5b54bffe8b4dc772c1"
	  "4d98b696a1bbfb5ca32c436cc61c16563790306c79eaca7705668b47dffe5bb6",
	  "3066f82a1a747d45120d1740f14358531a8f04bbffe6a819f86dfe50f44a0a46" },
	{ "f116b34b8f17ceb56e8732a60d913dd10cce47a6d53bee9204be8b44f6678b27"
	  "0102a56902e2488c46120e9276cfe54638286b9e4b3cdb470b542d46c2068d38",
	  "f26e5b6f7d362d2d2a94c5d0e7602cb4773c95a2e5c31a64f133189fa76ed61b" },
	{ "8422e1bbdaab52938b81fd602effb6f89110e1e57208ad12d9ad767e2e25510c"
	  "27140775f9337088b982d83d7fcf0b2fa1edffe51952cbe7365e95c86eaf325c",
	  "006ccd2a9e6867e6a2c5cea83d3302cc9de128dd2a9a57dd8ee7b9d7ffe02826" },
	{ "ac22415129b61427bf464e17baee8db65940c233b98afce8d17c57beeb7876c2"
	  "150d15af1cb1fb824bbd14955f2b57d08d388aab431a391cfc33d5bafb5dbbaf",
	  "f8f0c87cf237953c5890aec3998169005dae3eca1fbb04548c635953c817f92a" },
	{ "165d697a1ef3d5cf3c38565beefcf88c0f282b8e7dbd28544c483432f1cec767"
	  "5debea8ebb4e5fe7d6f6e5db15f15587ac4d4d4a1de7191e0c1ca6664abcc413",
	  "ae81e7dedf20a497e10c304a765c1767a42d6e06029758d2d7e8ef7cc4c41179" },
	{ "a836e6c9a9ca9f1e8d486273ad56a78c70cf18f0ce10abb1c7172ddd605d7fd2"
	  "979854f47ae1ccf204a33102095b4200e5befc0465accc263175485f0e17ea5c",
	  "e2705652ff9f5e44d3e841bf1c251cf7dddb77d140870d1ab2ed64f1a9ce8628" },
	{ "2cdc11eaeb95daf01189417cdddbf95952993aa9cb9c640eb5058d09702c7462"
	  "2c9965a697a3b345ec24ee56335b556e677b30e6f90ac77d781064f866a3c982",
	  "80bd07262511cdde4863f8a7434cef696750681cb9510eea557088f76d9e5065" },
};

/* RFC 9496 Appendix A.3: inputs that all derive the same element. */
static const char *const derive_same_in[] = {
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
	"1200000000000000000000000000000000000000000000000000000000000000",
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"
	"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	"0000000000000000000000000000000000000000000000000000000000000080"
	"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"0000000000000000000000000000000000000000000000000000000000000000"
	"1200000000000000000000000000000000000000000000000000000000000080",
};
static const char derive_same_out[] = "304282791023b73128d277bdcb5c7746ef2eac08dde9f2983379cb8e5ef0517f";

/* L, little-endian (RFC 9496 §4.1). */
static const char order_hex[] = "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010";

static void
hex32(uint8_t out[32], const char *hex)
{
	assert_int_equal(strlen(hex), 64);
	assert_int_equal(sz_hex_decode(out, 32, hex, 64), SZ_OK);
}

static void
small_scalar(uint8_t s[32], unsigned v)
{
	memset(s, 0, 32);
	s[0] = (uint8_t)v;
}

static void
test_rfc9496_a1_multiples(void **state)
{
	(void)state;
	uint8_t want[32], got[32], acc[32] = { 0 }, next[32], s[32], b1[32];
	hex32(b1, multiples[1]);
	for (unsigned i = 0; i < 16; i++) {
		hex32(want, multiples[i]);
		small_scalar(s, i);
		/* i·G by fixed-base multiplication, by variable-base multiplication of B[1], and as
		 * the running sum B[i-1] + B[1] (RFC 9496 A.1: this tests encoding and addition). */
		assert_int_equal(sz_rist_base(got, s), SZ_OK);
		assert_memory_equal(got, want, 32);
		assert_int_equal(sz_rist_mul(got, s, b1), SZ_OK);
		assert_memory_equal(got, want, 32);
		assert_memory_equal(acc, want, 32);
		assert_int_equal(sz_rist_add(next, acc, b1), SZ_OK);
		memcpy(acc, next, 32);
		assert_true(sz_rist_is_element(want));
		assert_int_equal(sz_rist_is_valid_point(want), i != 0);
		if (i > 0) {
			/* Tampered: the low bit of s marks a negative field element: rejected. */
			want[0] ^= 1;
			assert_false(sz_rist_is_element(want));
			assert_int_equal(sz_rist_mul(got, s, want), SZ_ERR_CRYPTO);
			assert_true(sodium_is_zero(got, 32));
		}
	}
	/* And 16·G - B[15] = G: subtraction agrees. */
	small_scalar(s, 16);
	assert_int_equal(sz_rist_base(got, s), SZ_OK);
	hex32(want, multiples[15]);
	assert_int_equal(sz_rist_sub(next, got, want), SZ_OK);
	assert_memory_equal(next, b1, 32);
}

static void
test_rfc9496_a2_invalid(void **state)
{
	(void)state;
	uint8_t p[32], b1[32], out[32], one[32];
	size_t n = sizeof invalid / sizeof invalid[0];
	assert_int_equal(n, 4 + 8 + 8 + 8 + 1);
	hex32(b1, multiples[1]);
	small_scalar(one, 1);
	for (size_t i = 0; i < n; i++) {
		hex32(p, invalid[i]);
		assert_int_equal(crypto_core_ristretto255_is_valid_point(p), 0);
		assert_false(sz_rist_is_element(p));
		assert_false(sz_rist_is_valid_point(p));
		assert_int_equal(sz_rist_mul(out, one, p), SZ_ERR_CRYPTO);
		assert_true(sodium_is_zero(out, 32));
		assert_int_equal(sz_rist_add(out, p, b1), SZ_ERR_CRYPTO);
		assert_int_equal(sz_rist_add(out, b1, p), SZ_ERR_CRYPTO);
		assert_int_equal(sz_rist_sub(out, b1, p), SZ_ERR_CRYPTO);
		assert_int_equal(sz_rist_mul2(out, one, b1, one, p), SZ_ERR_CRYPTO);
		assert_int_equal(sz_rist_base_mul(out, one, one, p), SZ_ERR_CRYPTO);
	}
}

static void
test_rfc9496_a3_derivation(void **state)
{
	(void)state;
	uint8_t in[64], want[32], got[32];
	for (size_t i = 0; i < sizeof derive / sizeof derive[0]; i++) {
		assert_int_equal(sz_hex_decode(in, 64, derive[i].in, 128), SZ_OK);
		hex32(want, derive[i].out);
		assert_int_equal(crypto_core_ristretto255_from_hash(got, in), 0);
		assert_memory_equal(got, want, 32);
		assert_true(sz_rist_is_valid_point(got));
		/* Tampered: one flipped input bit derives another element. */
		in[17] ^= 0x10;
		assert_int_equal(crypto_core_ristretto255_from_hash(got, in), 0);
		assert_memory_not_equal(got, want, 32);
	}
	hex32(want, derive_same_out);
	for (size_t i = 0; i < sizeof derive_same_in / sizeof derive_same_in[0]; i++) {
		assert_int_equal(sz_hex_decode(in, 64, derive_same_in[i], 128), SZ_OK);
		assert_int_equal(crypto_core_ristretto255_from_hash(got, in), 0);
		assert_memory_equal(got, want, 32);
	}
}

static void
test_scalar_canonical(void **state)
{
	(void)state;
	uint8_t l[32], s[32], out[32], b1[32];
	hex32(l, order_hex);
	hex32(b1, multiples[1]);
	assert_false(sz_rist_scalar_is_canonical(l));
	memcpy(s, l, 32);
	s[0]--; /* L - 1 */
	assert_true(sz_rist_scalar_is_canonical(s));
	/* (L - 1)·G = -G */
	assert_int_equal(sz_rist_base(out, s), SZ_OK);
	uint8_t zero[32] = { 0 }, neg[32];
	assert_int_equal(sz_rist_sub(neg, zero, b1), SZ_OK);
	assert_memory_equal(out, neg, 32);
	assert_true(sz_rist_scalar_is_canonical(zero));
	assert_true(sz_rist_scalar_is_zero(zero));

	/* 5 + L, L + 2^248, 2^255 + 1 (libsodium alone would drop the top bit) and all-ones are
	 * non-canonical and refused by every operation. */
	uint8_t bad[4][32];
	memcpy(bad[0], l, 32);
	bad[0][0] += 5;
	memcpy(bad[1], l, 32);
	bad[1][31] += 1;
	small_scalar(bad[2], 1);
	bad[2][31] = 0x80;
	memset(bad[3], 0xff, 32);
	for (int i = 0; i < 4; i++) {
		assert_false(sz_rist_scalar_is_canonical(bad[i]));
		assert_int_equal(sz_rist_base(out, bad[i]), SZ_ERR_NONCANONICAL);
		assert_int_equal(sz_rist_mul(out, bad[i], b1), SZ_ERR_NONCANONICAL);
		assert_int_equal(sz_rist_base_mul(out, bad[i], bad[i], b1), SZ_ERR_NONCANONICAL);
	}
	/* Zero products are the identity encoding, not errors. */
	assert_int_equal(sz_rist_mul(out, zero, b1), SZ_OK);
	assert_true(sodium_is_zero(out, 32));
	small_scalar(s, 7);
	assert_int_equal(sz_rist_mul(out, s, zero), SZ_OK);
	assert_true(sodium_is_zero(out, 32));
	assert_int_equal(sz_rist_base(out, zero), SZ_OK);
	assert_true(sodium_is_zero(out, 32));
}

static void
test_random_and_combinations(void **state)
{
	(void)state;
	sz_env_seeded e1, e2;
	sz_env_seeded_init(&e1, 42, 0);
	sz_env_seeded_init(&e2, 42, 0);
	uint8_t a[32], b[32], a2[32], q[32], x[32], lhs[32], rhs[32], t1[32], t2[32];
	assert_int_equal(sz_rist_scalar_random(a, &e1.env), SZ_OK);
	assert_int_equal(sz_rist_scalar_random(b, &e1.env), SZ_OK);
	assert_int_equal(sz_rist_scalar_random(a2, &e2.env), SZ_OK);
	assert_memory_equal(a, a2, 32); /* deterministic under a seeded env */
	assert_memory_not_equal(a, b, 32);
	assert_true(sz_rist_scalar_is_canonical(a) && !sz_rist_scalar_is_zero(a));
	assert_int_equal(sz_rist_scalar_random(x, &e1.env), SZ_OK);
	assert_int_equal(sz_rist_base(q, x), SZ_OK);

	/* a·G + b·Q computed three ways. */
	uint8_t g[32];
	hex32(g, multiples[1]);
	assert_int_equal(sz_rist_base_mul(lhs, a, b, q), SZ_OK);
	assert_int_equal(sz_rist_mul2(rhs, a, g, b, q), SZ_OK);
	assert_memory_equal(lhs, rhs, 32);
	uint8_t bx[32], sum[32];
	crypto_core_ristretto255_scalar_mul(bx, b, x);
	crypto_core_ristretto255_scalar_add(sum, a, bx);
	assert_int_equal(sz_rist_base(t1, sum), SZ_OK);
	assert_memory_equal(lhs, t1, 32);
	/* Tampered: a different b gives a different point. */
	b[0] ^= 1;
	assert_int_equal(sz_rist_base_mul(t2, a, b, q), SZ_OK);
	assert_memory_not_equal(t2, t1, 32);
}

static void
zero_random(void *ctx, uint8_t *out, size_t n)
{
	(void)ctx;
	memset(out, 0, n);
}

/* A generator stuck at zero makes the draw fail instead of looping forever. */
static void
test_broken_generator(void **state)
{
	(void)state;
	sz_env broken = { zero_random, NULL, NULL, NULL };
	uint8_t s[32];
	memset(s, 0xaa, 32);
	assert_int_equal(sz_rist_scalar_random(s, &broken), SZ_ERR_INTERNAL);
	assert_true(sz_rist_scalar_is_zero(s));
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc9496_a1_multiples),
		cmocka_unit_test(test_rfc9496_a2_invalid),
		cmocka_unit_test(test_rfc9496_a3_derivation),
		cmocka_unit_test(test_scalar_canonical),
		cmocka_unit_test(test_random_and_combinations),
		cmocka_unit_test(test_broken_generator),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
