/*
 * lsag_test.c - LSAG ring signatures, tag reveals (crypto/lsag.c) and voting keys with proofs of
 * possession (crypto/pop.c): round trips, every single-bit tamper, wrong rings, non-canonical
 * scalars, invalid points, linkability per scope.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/lsag.h"
#include "crypto/pop.h"
#include "lib/bytes.h"

static const uint8_t order[32] = { 0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c,
	0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, [31] = 0x10 };

/* A ring of n fresh voting keys from a seeded env: pk[i] = sk[i]·G. */
struct ring {
	size_t n;
	uint8_t (*pk)[32];
	uint8_t (*sk)[32];
};

static struct ring
ring_new(size_t n, uint64_t seed)
{
	sz_env_seeded e;
	struct ring r = { n, calloc(n ? n : 1, 32), calloc(n ? n : 1, 32) };
	assert_non_null(r.pk);
	assert_non_null(r.sk);
	sz_env_seeded_init(&e, seed, 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(sz_vote_keygen(r.pk[i], r.sk[i], &e.env), SZ_OK);
	return r;
}

static void
ring_free(struct ring *r)
{
	sodium_memzero(r->sk, r->n * 32);
	free(r->pk);
	free(r->sk);
}

#define RING(r) ((const uint8_t(*)[32])(r).pk)

static void
scope(uint8_t t[32], uint8_t cell_byte, uint8_t proposal_byte, uint8_t roster_byte,
    uint32_t kind)
{
	uint8_t cell[32], proposal[32], roster[32];
	memset(cell, cell_byte, 32);
	memset(proposal, proposal_byte, 32);
	memset(roster, roster_byte, 32);
	assert_int_equal(sz_lsag_tag_base(t, cell, proposal, roster, kind), SZ_OK);
	assert_true(sz_rist_is_valid_point(t));
}

static const uint8_t msg[] = "ballot: option 2";
#define MSG msg, sizeof msg - 1

/* Sign with ring member idx; check the signature verifies and yields idx's tag. */
static uint8_t *
sign_ok(const struct ring *r, size_t idx, const uint8_t t[32], uint64_t seed)
{
	sz_env_seeded e;
	size_t len = SZ_LSAG_SIG_BYTES(r->n);
	uint8_t *sig = malloc(len), tag[32], want[32];
	assert_non_null(sig);
	sz_env_seeded_init(&e, seed, 0);
	assert_int_equal(sz_lsag_sign(sig, len, MSG, RING(*r), r->n, idx, r->sk[idx], t, &e.env),
	    SZ_OK);
	assert_int_equal(sz_lsag_verify(sig, len, MSG, RING(*r), r->n, t, tag), SZ_OK);
	assert_int_equal(sz_lsag_tag(want, r->sk[idx], t), SZ_OK);
	assert_memory_equal(tag, want, 32);
	assert_memory_equal(sig + len - 32, want, 32);
	return sig;
}

static void
test_round_trips(void **state)
{
	(void)state;
	static const size_t sizes[] = { 1, 2, 10, 50 };
	uint8_t t[32];
	scope(t, 1, 2, 3, SZ_LSAG_KIND_BALLOT);
	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		size_t n = sizes[k];
		struct ring r = ring_new(n, 100 + n);
		size_t idx[3] = { 0, n / 2, n - 1 };
		for (int j = 0; j < 3; j++) {
			uint8_t *sig = sign_ok(&r, idx[j], t, 7 + (uint64_t)j);
			size_t len = SZ_LSAG_SIG_BYTES(n);
			assert_int_equal(len, 32 * (n + 2));
			/* Tampered: the last bit of the message, and s_0's lowest bit. */
			uint8_t m2[sizeof msg];
			memcpy(m2, msg, sizeof msg);
			m2[sizeof msg - 2] ^= 1;
			assert_int_equal(sz_lsag_verify(sig, len, m2, sizeof msg - 1, RING(r), n, t,
			    NULL), SZ_ERR_BAD_SIGNATURE);
			sig[32] ^= 1;
			assert_int_equal(sz_lsag_verify(sig, len, MSG, RING(r), n, t, NULL),
			    SZ_ERR_BAD_SIGNATURE);
			free(sig);
		}
		ring_free(&r);
	}
}

/* Every single-bit flip anywhere in the signature is rejected. */
static void
test_every_bit(void **state)
{
	(void)state;
	uint8_t t[32], tag[32];
	struct ring r = ring_new(3, 5);
	scope(t, 1, 2, 3, SZ_LSAG_KIND_BALLOT);
	uint8_t *sig = sign_ok(&r, 1, t, 9);
	size_t len = SZ_LSAG_SIG_BYTES(3);
	for (size_t bit = 0; bit < len * 8; bit++) {
		sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		memset(tag, 0xaa, 32);
		assert_int_not_equal(sz_lsag_verify(sig, len, MSG, RING(r), 3, t, tag), SZ_OK);
		assert_true(sodium_is_zero(tag, 32)); /* no tag out of a failed verification */
		sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	assert_int_equal(sz_lsag_verify(sig, len, MSG, RING(r), 3, t, tag), SZ_OK);
	free(sig);
	ring_free(&r);
}

static void
test_message_tamper(void **state)
{
	(void)state;
	uint8_t t[32];
	struct ring r = ring_new(4, 6);
	scope(t, 1, 2, 3, SZ_LSAG_KIND_BALLOT);
	uint8_t *sig = sign_ok(&r, 2, t, 1);
	size_t len = SZ_LSAG_SIG_BYTES(4);
	uint8_t longer[sizeof msg];
	memcpy(longer, msg, sizeof msg); /* the message plus its NUL */
	assert_int_equal(sz_lsag_verify(sig, len, msg, sizeof msg - 2, RING(r), 4, t, NULL),
	    SZ_ERR_BAD_SIGNATURE);
	assert_int_equal(sz_lsag_verify(sig, len, longer, sizeof longer, RING(r), 4, t, NULL),
	    SZ_ERR_BAD_SIGNATURE);
	assert_int_equal(sz_lsag_verify(sig, len, NULL, 0, RING(r), 4, t, NULL),
	    SZ_ERR_BAD_SIGNATURE);
	assert_int_equal(sz_lsag_verify(sig, len, NULL, 5, RING(r), 4, t, NULL), SZ_ERR_INVALID);
	/* An empty message signs and verifies too. */
	sz_env_seeded e;
	sz_env_seeded_init(&e, 3, 0);
	assert_int_equal(sz_lsag_sign(sig, len, NULL, 0, RING(r), 4, 0, r.sk[0], t, &e.env), SZ_OK);
	assert_int_equal(sz_lsag_verify(sig, len, NULL, 0, RING(r), 4, t, NULL), SZ_OK);
	assert_int_equal(sz_lsag_verify(sig, len, MSG, RING(r), 4, t, NULL), SZ_ERR_BAD_SIGNATURE);
	free(sig);
	ring_free(&r);
}

/* A ring other than the signing ring: reordered, one key swapped, one added, one removed. */
static void
test_other_rings(void **state)
{
	(void)state;
	uint8_t t[32];
	struct ring r = ring_new(6, 11), extra = ring_new(1, 12);
	scope(t, 1, 2, 3, SZ_LSAG_KIND_BALLOT);
	uint8_t *sig = sign_ok(&r, 3, t, 2);
	size_t len = SZ_LSAG_SIG_BYTES(6);
	uint8_t ring2[7][32];

	/* Reordered: swap two keys. */
	memcpy(ring2, r.pk, 6 * 32);
	memcpy(ring2[0], r.pk[1], 32);
	memcpy(ring2[1], r.pk[0], 32);
	assert_int_equal(sz_lsag_verify(sig, len, MSG, (const uint8_t(*)[32])ring2, 6, t, NULL),
	    SZ_ERR_BAD_SIGNATURE);
	/* Rotated by one. */
	for (int i = 0; i < 6; i++)
		memcpy(ring2[i], r.pk[(i + 1) % 6], 32);
	assert_int_equal(sz_lsag_verify(sig, len, MSG, (const uint8_t(*)[32])ring2, 6, t, NULL),
	    SZ_ERR_BAD_SIGNATURE);
	/* One key (not the signer's) swapped for an outsider's. */
	memcpy(ring2, r.pk, 6 * 32);
	memcpy(ring2[5], extra.pk[0], 32);
	assert_int_equal(sz_lsag_verify(sig, len, MSG, (const uint8_t(*)[32])ring2, 6, t, NULL),
	    SZ_ERR_BAD_SIGNATURE);
	/* One key added: with the signature's length it is malformed; padded with an s, it fails. */
	memcpy(ring2, r.pk, 6 * 32);
	memcpy(ring2[6], extra.pk[0], 32);
	assert_int_equal(sz_lsag_verify(sig, len, MSG, (const uint8_t(*)[32])ring2, 7, t, NULL),
	    SZ_ERR_MALFORMED);
	uint8_t *big = malloc(SZ_LSAG_SIG_BYTES(7));
	assert_non_null(big);
	memcpy(big, sig, 32 * 7);          /* c_0, s_0..s_5 */
	memcpy(big + 32 * 7, sig + 32, 32); /* s_6 := s_0 */
	memcpy(big + 32 * 8, sig + 32 * 7, 32);
	assert_int_equal(sz_lsag_verify(big, SZ_LSAG_SIG_BYTES(7), MSG,
	    (const uint8_t(*)[32])ring2, 7, t, NULL), SZ_ERR_BAD_SIGNATURE);
	free(big);
	/* One key removed (the last), and the signature shortened to match. */
	assert_int_equal(sz_lsag_verify(sig, len, MSG, RING(r), 5, t, NULL), SZ_ERR_MALFORMED);
	uint8_t *small = malloc(SZ_LSAG_SIG_BYTES(5));
	assert_non_null(small);
	memcpy(small, sig, 32 * 6);
	memcpy(small + 32 * 6, sig + 32 * 7, 32);
	assert_int_equal(sz_lsag_verify(small, SZ_LSAG_SIG_BYTES(5), MSG, RING(r), 5, t, NULL),
	    SZ_ERR_BAD_SIGNATURE);
	free(small);
	/* The same ring in another scope. */
	uint8_t t2[32];
	scope(t2, 1, 2, 3, SZ_LSAG_KIND_PLEDGE);
	assert_int_not_equal(sz_lsag_verify(sig, len, MSG, RING(r), 6, t2, NULL), SZ_OK);
	free(sig);
	ring_free(&r);
	ring_free(&extra);
}

static void
add_order(uint8_t *s)
{
	unsigned carry = 0;
	for (int i = 0; i < 32; i++) {
		unsigned v = s[i] + order[i] + carry;
		s[i] = (uint8_t)v;
		carry = v >> 8;
	}
	assert_int_equal(carry, 0);
}

static void
test_noncanonical_and_invalid(void **state)
{
	(void)state;
	uint8_t t[32];
	struct ring r = ring_new(3, 21);
	scope(t, 1, 2, 3, SZ_LSAG_KIND_BALLOT);
	uint8_t *sig = sign_ok(&r, 0, t, 4);
	size_t len = SZ_LSAG_SIG_BYTES(3);
	uint8_t *bad = malloc(len);
	assert_non_null(bad);

	/* c_0 + L and each s_i + L: the same values mod L, refused as non-canonical. */
	for (size_t i = 0; i < 4; i++) {
		memcpy(bad, sig, len);
		add_order(bad + 32 * i);
		assert_int_equal(sz_lsag_verify(bad, len, MSG, RING(r), 3, t, NULL),
		    SZ_ERR_NONCANONICAL);
	}
	/* I replaced by the identity, by RFC 9496 A.2 invalid encodings, or by a negated
	 * (non-canonical sign) encoding. */
	static const char *const bad_points[] = {
		"0000000000000000000000000000000000000000000000000000000000000000",
		"00ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"26948d35ca62e643e26a83177332e6b6afeb9d08e4268b650f1f5bbd8d81d371",
		"3eb858e78f5a7254d8c9731174a94f76755fd3941c0ac93735c07ba14579630e",
	};
	uint8_t p[32], saved[32];
	for (size_t i = 0; i < sizeof bad_points / sizeof bad_points[0]; i++) {
		assert_int_equal(sz_hex_decode(p, 32, bad_points[i], 64), SZ_OK);
		memcpy(bad, sig, len);
		memcpy(bad + len - 32, p, 32);
		assert_int_equal(sz_lsag_verify(bad, len, MSG, RING(r), 3, t, NULL), SZ_ERR_CRYPTO);
		/* ... as a ring key ... */
		memcpy(saved, r.pk[1], 32);
		memcpy(r.pk[1], p, 32);
		assert_int_equal(sz_lsag_verify(sig, len, MSG, RING(r), 3, t, NULL), SZ_ERR_CRYPTO);
		memcpy(r.pk[1], saved, 32);
		/* ... and as the tag base. */
		assert_int_equal(sz_lsag_verify(sig, len, MSG, RING(r), 3, p, NULL), SZ_ERR_CRYPTO);
	}
	/* A duplicate key in the ring. */
	memcpy(saved, r.pk[2], 32);
	memcpy(r.pk[2], r.pk[0], 32);
	assert_int_equal(sz_lsag_verify(sig, len, MSG, RING(r), 3, t, NULL), SZ_ERR_INVALID);
	memcpy(r.pk[2], saved, 32);
	/* Lengths and ring sizes. */
	assert_int_equal(sz_lsag_verify(sig, len - 1, MSG, RING(r), 3, t, NULL), SZ_ERR_MALFORMED);
	assert_int_equal(sz_lsag_verify(sig, len + 32, MSG, RING(r), 3, t, NULL), SZ_ERR_MALFORMED);
	assert_int_equal(sz_lsag_verify(sig, 0, MSG, RING(r), 3, t, NULL), SZ_ERR_MALFORMED);
	assert_int_equal(sz_lsag_verify(sig, len, MSG, RING(r), 0, t, NULL), SZ_ERR_INVALID);
	assert_int_equal(sz_lsag_verify(sig, len, MSG, NULL, 3, t, NULL), SZ_ERR_INVALID);
	assert_int_equal(sz_lsag_verify(NULL, len, MSG, RING(r), 3, t, NULL), SZ_ERR_INVALID);
	assert_int_equal(sz_lsag_verify(sig, len, MSG, RING(r), SZ_LSAG_MAX_RING + 1, t, NULL),
	    SZ_ERR_TOO_LARGE);
	assert_int_equal(sz_lsag_verify(sig, len, MSG, RING(r), 3, t, NULL), SZ_OK);
	free(bad);
	free(sig);
	ring_free(&r);
}

static void
zero_random(void *ctx, uint8_t *out, size_t n)
{
	(void)ctx;
	memset(out, 0, n);
}

static void
test_sign_errors(void **state)
{
	(void)state;
	uint8_t t[32], zero[32] = { 0 }, big[32];
	struct ring r = ring_new(4, 31), out = ring_new(1, 32);
	size_t len = SZ_LSAG_SIG_BYTES(4);
	uint8_t *sig = malloc(len);
	assert_non_null(sig);
	sz_env_seeded e;
	sz_env_seeded_init(&e, 1, 0);
	scope(t, 1, 2, 3, SZ_LSAG_KIND_BALLOT);
	/* The secret must match ring[my_index]. */
	assert_int_equal(sz_lsag_sign(sig, len, MSG, RING(r), 4, 1, r.sk[2], t, &e.env),
	    SZ_ERR_INVALID);
	assert_true(sodium_is_zero(sig, len));
	assert_int_equal(sz_lsag_sign(sig, len, MSG, RING(r), 4, 0, out.sk[0], t, &e.env),
	    SZ_ERR_INVALID);
	assert_int_equal(sz_lsag_sign(sig, len, MSG, RING(r), 4, 4, r.sk[0], t, &e.env),
	    SZ_ERR_INVALID);
	assert_int_equal(sz_lsag_sign(sig, len - 1, MSG, RING(r), 4, 0, r.sk[0], t, &e.env),
	    SZ_ERR_INVALID);
	assert_int_equal(sz_lsag_sign(sig, len, MSG, RING(r), 4, 0, zero, t, &e.env),
	    SZ_ERR_INVALID);
	memcpy(big, r.sk[0], 32);
	add_order(big);
	assert_int_equal(sz_lsag_sign(sig, len, MSG, RING(r), 4, 0, big, t, &e.env),
	    SZ_ERR_NONCANONICAL);
	assert_int_equal(sz_lsag_sign(sig, len, MSG, RING(r), 4, 0, r.sk[0], zero, &e.env),
	    SZ_ERR_CRYPTO);
	/* A generator stuck at zero: the signer fails cleanly, leaving no partial signature. */
	sz_env broken = { zero_random, NULL, NULL, NULL };
	memset(sig, 0xaa, len);
	assert_int_equal(sz_lsag_sign(sig, len, MSG, RING(r), 4, 2, r.sk[2], t, &broken),
	    SZ_ERR_INTERNAL);
	assert_true(sodium_is_zero(sig, len));
	uint8_t proof[64], cell[32] = { 0 };
	assert_int_equal(sz_pop_prove(proof, r.sk[0], cell, cell, &broken), SZ_ERR_INTERNAL);
	assert_int_equal(sz_lsag_tag_prove(proof, r.sk[0], t, &broken), SZ_ERR_INTERNAL);
	assert_true(sodium_is_zero(proof, 64));
	memcpy(r.pk[3], r.pk[1], 32);
	assert_int_equal(sz_lsag_sign(sig, len, MSG, RING(r), 4, 0, r.sk[0], t, &e.env),
	    SZ_ERR_INVALID);
	free(sig);
	ring_free(&r);
	ring_free(&out);
}

/* Same key, same scope: same tag (whatever the message or ring).  Another scope: another tag. */
static void
test_linkability(void **state)
{
	(void)state;
	uint8_t t[32], t_prop[32], t_kind[32], t_cell[32], t_roster[32];
	uint8_t tag1[32], tag2[32], tag3[32];
	struct ring r = ring_new(5, 41), r2 = ring_new(5, 42);
	scope(t, 1, 2, 3, SZ_LSAG_KIND_BALLOT);
	scope(t_prop, 1, 9, 3, SZ_LSAG_KIND_BALLOT);
	scope(t_kind, 1, 2, 3, SZ_LSAG_KIND_PLEDGE);
	scope(t_cell, 8, 2, 3, SZ_LSAG_KIND_BALLOT);
	scope(t_roster, 1, 2, 7, SZ_LSAG_KIND_BALLOT);

	uint8_t *s1 = sign_ok(&r, 2, t, 1), *s2 = sign_ok(&r, 2, t, 2);
	size_t len = SZ_LSAG_SIG_BYTES(5);
	assert_memory_not_equal(s1, s2, len); /* fresh nonces */
	assert_int_equal(sz_lsag_verify(s1, len, MSG, RING(r), 5, t, tag1), SZ_OK);
	assert_int_equal(sz_lsag_verify(s2, len, MSG, RING(r), 5, t, tag2), SZ_OK);
	assert_memory_equal(tag1, tag2, 32);
	/* The same key in another ring (r2 with key 2 replaced by ours), same scope: same tag. */
	memcpy(r2.pk[4], r.pk[2], 32);
	memcpy(r2.sk[4], r.sk[2], 32);
	uint8_t *s3 = sign_ok(&r2, 4, t, 3);
	assert_int_equal(sz_lsag_verify(s3, len, MSG, RING(r2), 5, t, tag3), SZ_OK);
	assert_memory_equal(tag1, tag3, 32);
	/* Another member, same scope: another tag. */
	uint8_t *s4 = sign_ok(&r, 3, t, 4);
	assert_int_equal(sz_lsag_verify(s4, len, MSG, RING(r), 5, t, tag3), SZ_OK);
	assert_memory_not_equal(tag1, tag3, 32);
	/* Same member in another proposal, kind, cell or roster: other tags, all distinct. */
	const uint8_t *others[] = { t_prop, t_kind, t_cell, t_roster };
	uint8_t tags[4][32];
	for (int i = 0; i < 4; i++) {
		uint8_t *s = sign_ok(&r, 2, others[i], 10 + (uint64_t)i);
		assert_int_equal(sz_lsag_verify(s, len, MSG, RING(r), 5, others[i], tags[i]), SZ_OK);
		assert_memory_not_equal(tags[i], tag1, 32);
		for (int j = 0; j < i; j++)
			assert_memory_not_equal(tags[i], tags[j], 32);
		free(s);
	}
	/* Deterministic under a seeded env. */
	uint8_t *again = sign_ok(&r, 2, t, 1);
	assert_memory_equal(again, s1, len);
	free(again);
	free(s1);
	free(s2);
	free(s3);
	free(s4);
	ring_free(&r);
	ring_free(&r2);
}

static void
test_tag_reveal(void **state)
{
	(void)state;
	uint8_t t[32], t2[32], tag[32], tag_other[32], proof[64];
	struct ring r = ring_new(2, 51);
	sz_env_seeded e;
	sz_env_seeded_init(&e, 5, 0);
	scope(t, 1, 2, 3, SZ_LSAG_KIND_PLEDGE);
	scope(t2, 1, 3, 3, SZ_LSAG_KIND_PLEDGE);
	assert_int_equal(sz_lsag_tag(tag, r.sk[0], t), SZ_OK);
	assert_int_equal(sz_lsag_tag(tag_other, r.sk[1], t), SZ_OK);
	assert_int_equal(sz_lsag_tag_prove(proof, r.sk[0], t, &e.env), SZ_OK);
	assert_int_equal(sz_lsag_tag_verify(proof, r.pk[0], t, tag), SZ_OK);
	/* Another key, another tag, another scope: rejected. */
	assert_int_equal(sz_lsag_tag_verify(proof, r.pk[1], t, tag), SZ_ERR_BAD_SIGNATURE);
	assert_int_equal(sz_lsag_tag_verify(proof, r.pk[0], t, tag_other), SZ_ERR_BAD_SIGNATURE);
	assert_int_equal(sz_lsag_tag_verify(proof, r.pk[0], t2, tag), SZ_ERR_BAD_SIGNATURE);
	/* A true statement for key 1 does not verify with key 1's proof swapped in for key 0. */
	uint8_t proof1[64];
	assert_int_equal(sz_lsag_tag_prove(proof1, r.sk[1], t, &e.env), SZ_OK);
	assert_int_equal(sz_lsag_tag_verify(proof1, r.pk[1], t, tag_other), SZ_OK);
	assert_int_equal(sz_lsag_tag_verify(proof1, r.pk[0], t, tag), SZ_ERR_BAD_SIGNATURE);
	/* Every bit of the proof matters. */
	for (size_t bit = 0; bit < 64 * 8; bit++) {
		proof[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_not_equal(sz_lsag_tag_verify(proof, r.pk[0], t, tag), SZ_OK);
		proof[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	/* The identity as tag or key is refused. */
	uint8_t zero[32] = { 0 };
	assert_int_equal(sz_lsag_tag_verify(proof, r.pk[0], t, zero), SZ_ERR_CRYPTO);
	assert_int_equal(sz_lsag_tag_verify(proof, zero, t, tag), SZ_ERR_CRYPTO);
	ring_free(&r);
}

static void
test_pop(void **state)
{
	(void)state;
	uint8_t pk[32], sk[32], pk2[32], sk2[32], cell[32], member[32], proof[64], bad[64];
	sz_env_seeded e;
	sz_env_seeded_init(&e, 61, 0);
	memset(cell, 0xce, 32);
	memset(member, 0x3e, 32);
	assert_int_equal(sz_vote_keygen(pk, sk, &e.env), SZ_OK);
	assert_int_equal(sz_vote_keygen(pk2, sk2, &e.env), SZ_OK);
	assert_int_equal(sz_pop_prove(proof, sk, cell, member, &e.env), SZ_OK);
	assert_int_equal(sz_pop_verify(proof, pk, cell, member), SZ_OK);
	/* Every single-bit tamper fails. */
	for (size_t bit = 0; bit < 64 * 8; bit++) {
		proof[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_not_equal(sz_pop_verify(proof, pk, cell, member), SZ_OK);
		proof[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	/* Another key, cell or member: fails (no replay across cells or members). */
	assert_int_equal(sz_pop_verify(proof, pk2, cell, member), SZ_ERR_BAD_SIGNATURE);
	cell[0] ^= 1;
	assert_int_equal(sz_pop_verify(proof, pk, cell, member), SZ_ERR_BAD_SIGNATURE);
	cell[0] ^= 1;
	member[31] ^= 0x80;
	assert_int_equal(sz_pop_verify(proof, pk, cell, member), SZ_ERR_BAD_SIGNATURE);
	member[31] ^= 0x80;
	/* s + L, an identity R, an identity key: refused. */
	memcpy(bad, proof, 64);
	add_order(bad + 32);
	assert_int_equal(sz_pop_verify(bad, pk, cell, member), SZ_ERR_NONCANONICAL);
	memcpy(bad, proof, 64);
	memset(bad, 0, 32);
	assert_int_equal(sz_pop_verify(bad, pk, cell, member), SZ_ERR_CRYPTO);
	uint8_t zero[32] = { 0 };
	assert_int_equal(sz_pop_verify(proof, zero, cell, member), SZ_ERR_CRYPTO);
	/* Keys: pk = sk·G; zero and non-canonical secrets refused. */
	uint8_t again[32];
	assert_int_equal(sz_vote_public(again, sk), SZ_OK);
	assert_memory_equal(again, pk, 32);
	assert_int_equal(sz_vote_public(again, zero), SZ_ERR_INVALID);
	memcpy(bad, sk, 32);
	add_order(bad);
	assert_int_equal(sz_vote_public(again, bad), SZ_ERR_NONCANONICAL);
	assert_int_equal(sz_pop_prove(proof, bad, cell, member, &e.env), SZ_ERR_NONCANONICAL);
	assert_true(sodium_is_zero(proof, 64));
	sodium_memzero(sk, 32);
	sodium_memzero(sk2, 32);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_every_bit),
		cmocka_unit_test(test_message_tamper),
		cmocka_unit_test(test_other_rings),
		cmocka_unit_test(test_noncanonical_and_invalid),
		cmocka_unit_test(test_sign_errors),
		cmocka_unit_test(test_linkability),
		cmocka_unit_test(test_tag_reveal),
		cmocka_unit_test(test_pop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
