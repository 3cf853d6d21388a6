/*
 * pledge_test.c - threshold pledges (src/decide/pledge.c): calls, pledge round trips and tampers,
 * duplicates, late pledges, the threshold reached exactly at N, reveals refused before it and
 * checked after it (forged, misattributed and tampered reveals rejected).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "decide/pledge.h"
#include "lib/bytes.h"

#define NMEM 7
#define N 4
#define DEADLINE 1800000000000ull
#define CREATED 1700000000000ull

struct ent {
	uint8_t *buf;
	size_t len;
	sz_decide_entry de;
};

static struct {
	uint8_t cell[32];
	uint8_t author_sk[64];
	sz_vote_key *key[NMEM + 1];  /* the last one is not on the roster */
	uint8_t pk[NMEM + 1][32];
	sz_env_seeded env;
} F;

static void
ent_take(struct ent *x, uint8_t *buf, size_t len)
{
	x->buf = buf;
	x->len = len;
	assert_int_equal(sz_decide_entry_decode(&x->de, buf, len), SZ_OK);
}

static void
ent_build(struct ent *x, uint8_t kind, const uint8_t *parent, uint64_t ts, const uint8_t *body,
    size_t blen)
{
	uint8_t *buf, id[32];
	size_t len;
	assert_int_equal(sz_entry_build(&buf, &len, id, kind, (const uint8_t(*)[32])parent,
	    parent ? 1 : 0, ts, body, blen, F.author_sk), SZ_OK);
	ent_take(x, buf, len);
}

static void
ent_free(struct ent *x)
{
	free(x->buf);
	memset(x, 0, sizeof *x);
}

static int
setup(void **state)
{
	uint8_t seed[32], pk[32];
	(void)state;
	if (sz_init() != SZ_OK)
		return -1;
	memset(F.cell, 0x77, 32);
	memset(seed, 5, sizeof seed);
	if (sz_sign_seed_keypair(pk, F.author_sk, seed) != SZ_OK)
		return -1;
	sz_env_seeded_init(&F.env, 4, CREATED);
	for (int i = 0; i <= NMEM; i++) {
		if (sz_vote_key_new(&F.key[i], &F.env.env) != SZ_OK)
			return -1;
		sz_vote_key_public(F.key[i], F.pk[i]);
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	for (int i = 0; i <= NMEM; i++)
		sz_vote_key_free(F.key[i]);
	return 0;
}

static void
make_call(struct ent *x, sz_pledge_call *c, uint32_t threshold)
{
	uint8_t *body;
	size_t len;
	assert_int_equal(sz_pledge_call_encode(&body, &len, DEADLINE, threshold,
	    "I will stop eating on the 1st\nif at least four of us do.", (const uint8_t(*)[32])F.pk,
	    NMEM), SZ_OK);
	ent_build(x, SZ_KIND_PLEDGE_CALL, NULL, CREATED, body, len);
	free(body);
	assert_int_equal(sz_pledge_call_from_entry(c, &x->de), SZ_OK);
}

static void
pledge(struct ent *x, const sz_pledge_call *c, size_t m, uint64_t t)
{
	uint8_t *buf, id[32];
	size_t len;
	assert_int_equal(sz_pledge_cast(&buf, &len, id, F.cell, c, t, F.key[m], &F.env.env),
	    SZ_OK);
	ent_take(x, buf, len);
	/* The entry tells nothing: a one-time author, the call as parent, the call's time. */
	assert_int_equal(x->de.e.nparents, 1);
	assert_memory_equal(x->de.e.parents, c->id, 32);
	assert_true(x->de.e.timestamp_ms == c->created_ms);
	for (int i = 0; i <= NMEM; i++)
		assert_memory_not_equal(x->de.e.author, F.pk[i], 32);
}

static void
status(sz_pledge_status *st, uint8_t *verdicts, const struct ent *call, const struct ent *p,
    size_t n)
{
	sz_decide_entry in[16];
	assert_true(n <= 16);
	for (size_t i = 0; i < n; i++)
		in[i] = p[i].de;
	assert_int_equal(sz_pledge_tally(st, verdicts, F.cell, &call->de, in, n), SZ_OK);
}

static void
test_call_codec(void **state)
{
	(void)state;
	struct ent x;
	sz_pledge_call c;
	uint8_t *body;
	size_t len;

	make_call(&x, &c, N);
	assert_int_equal(c.threshold, N);
	assert_int_equal(c.n, NMEM);
	assert_false(c.small_ring);
	assert_memory_equal(c.id, x.de.id, 32);
	/* Thresholds outside [2, n], small rings, bad text. */
	assert_int_equal(sz_pledge_call_encode(&body, &len, DEADLINE, 1, "t",
	    (const uint8_t(*)[32])F.pk, NMEM), SZ_ERR_INVALID);
	assert_int_equal(sz_pledge_call_encode(&body, &len, DEADLINE, NMEM + 1, "t",
	    (const uint8_t(*)[32])F.pk, NMEM), SZ_ERR_INVALID);
	assert_int_equal(sz_pledge_call_encode(&body, &len, DEADLINE, 2, "t",
	    (const uint8_t(*)[32])F.pk, 2), SZ_ERR_DENIED);
	assert_int_equal(sz_pledge_call_encode(&body, &len, DEADLINE, 2, "a\x01z",
	    (const uint8_t(*)[32])F.pk, 3), SZ_ERR_INVALID);
	/* The encoded threshold, altered to n + 1 and to 1, is refused by the decoder. */
	uint8_t *b = malloc(x.de.e.body_len);
	memcpy(b, x.de.e.body, x.de.e.body_len);
	sz_store_u16(b + 9, NMEM + 1);
	assert_int_equal(sz_pledge_call_decode(&c, b, x.de.e.body_len), SZ_ERR_MALFORMED);
	sz_store_u16(b + 9, 1);
	assert_int_equal(sz_pledge_call_decode(&c, b, x.de.e.body_len), SZ_ERR_MALFORMED);
	sz_store_u16(b + 9, NMEM);
	assert_int_equal(sz_pledge_call_decode(&c, b, x.de.e.body_len), SZ_OK);
	assert_int_equal(sz_pledge_call_decode(&c, b, x.de.e.body_len - 1), SZ_ERR_TRUNCATED);
	free(b);
	ent_free(&x);
}

static void
test_threshold_exactly_at_n(void **state)
{
	(void)state;
	struct ent call, p[10];
	sz_pledge_call c;
	sz_pledge_status st;
	uint8_t v[10];

	make_call(&call, &c, N);
	/* Members 0, 1, 2 pledge; 1 pledges twice (counted once); 5's pledge comes in an entry
	 * that carries a time of its own. */
	pledge(&p[0], &c, 0, CREATED + 10);
	pledge(&p[1], &c, 1, CREATED + 20);
	pledge(&p[2], &c, 1, CREATED + 30);
	pledge(&p[3], &c, 2, CREATED + 40);
	{
		uint8_t *b5;
		size_t l5;
		assert_int_equal(sz_pledge_sign(&b5, &l5, F.cell, &c, CREATED + 50, F.key[5],
		    &F.env.env), SZ_OK);
		ent_build(&p[4], SZ_KIND_PLEDGE, c.id, CREATED + 50, b5, l5);
		free(b5);
	}
	status(&st, v, &call, p, 5);
	assert_int_equal(st.pledgers, 3);
	assert_false(st.reached);
	assert_int_equal(st.duplicates, 1);
	assert_int_equal(st.rejected, 1);
	assert_int_equal(v[4], SZ_VERDICT_BAD_ENTRY);
	/* Two pledges of one member differ only in the signature's randomness: no time, no order. */
	assert_memory_equal(p[1].de.e.body, p[2].de.e.body, SZ_PLEDGE_SIGNED_BYTES);
	assert_true(p[1].de.e.timestamp_ms == p[2].de.e.timestamp_ms);
	assert_true((v[1] == SZ_VERDICT_DUPLICATE) != (v[2] == SZ_VERDICT_DUPLICATE));
	sz_pledge_status_free(&st);
	/* The fourth distinct pledger reaches N = 4, exactly. */
	pledge(&p[5], &c, 3, DEADLINE); /* signed at the last moment */
	status(&st, v, &call, p, 6);
	assert_int_equal(st.pledgers, N);
	assert_true(st.reached);
	assert_int_equal(st.ntags, N);
	for (size_t i = 1; i < st.ntags; i++)
		assert_true(memcmp(st.tags[i - 1], st.tags[i], 32) < 0);
	sz_pledge_status_free(&st);
	/* Same result in reverse order. */
	struct ent rev[6];
	for (int i = 0; i < 6; i++)
		rev[i] = p[5 - i];
	status(&st, v, &call, rev, 6);
	assert_int_equal(st.pledgers, N);
	assert_true(st.reached);
	sz_pledge_status_free(&st);
	/* A pledge's every bit matters. */
	size_t len = p[0].de.e.body_len;
	uint8_t *body = malloc(len);
	for (size_t bit = 0; bit < len * 8; bit++) {
		memcpy(body, p[0].de.e.body, len);
		body[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		struct ent t = p[0];
		t.de.e.body = body;
		status(&st, v, &call, &t, 1);
		assert_int_not_equal(v[0], SZ_VERDICT_OK);
		assert_int_equal(st.pledgers, 0);
		sz_pledge_status_free(&st);
	}
	free(body);
	/* A ballot-kind entry, a pledge on another call, an unknown key. */
	struct ent other_call, q;
	sz_pledge_call c2;
	make_call(&other_call, &c2, 2);
	pledge(&q, &c2, 4, CREATED + 5);
	status(&st, v, &call, &q, 1);
	assert_int_equal(v[0], SZ_VERDICT_OTHER_SUBJECT);
	sz_pledge_status_free(&st);
	{
		uint8_t *b2;
		size_t l2;
		assert_int_equal(sz_pledge_sign(&b2, &l2, F.cell, &c, CREATED, F.key[NMEM],
		    &F.env.env), SZ_ERR_NOT_MEMBER);
		assert_int_equal(sz_pledge_sign(&b2, &l2, F.cell, &c, DEADLINE + 1, F.key[0],
		    &F.env.env), SZ_ERR_EXPIRED);
	}
	ent_free(&q);
	ent_free(&other_call);
	for (int i = 0; i < 6; i++)
		ent_free(&p[i]);
	ent_free(&call);
}

static void
test_reveals(void **state)
{
	(void)state;
	struct ent call, p[5], rx;
	sz_pledge_call c;
	sz_pledge_status st;
	uint8_t v[5], body[SZ_REVEAL_BYTES], verdict, pk[32];

	make_call(&call, &c, 3);
	pledge(&p[0], &c, 0, CREATED + 1);
	pledge(&p[1], &c, 1, CREATED + 2);
	status(&st, v, &call, p, 2);
	/* Two of three: a reveal is refused (it would expose an early mover). */
	assert_false(st.reached);
	assert_int_equal(sz_reveal_make(body, F.cell, &c, &st, F.key[0], &F.env.env),
	    SZ_ERR_DENIED);
	for (size_t i = 0; i < sizeof body; i++)
		assert_int_equal(body[i], 0);
	sz_pledge_status_free(&st);
	/* Three of three. */
	pledge(&p[2], &c, 2, CREATED + 3);
	status(&st, v, &call, p, 3);
	assert_true(st.reached);
	assert_int_equal(sz_reveal_make(body, F.cell, &c, &st, F.key[1], &F.env.env), SZ_OK);
	ent_build(&rx, SZ_KIND_REVEAL, c.id, CREATED + 100, body, sizeof body);
	assert_int_equal(sz_reveal_check(&verdict, pk, F.cell, &c, &st, &rx.de), SZ_OK);
	assert_int_equal(verdict, SZ_VERDICT_OK);
	assert_memory_equal(pk, F.pk[1], 32);
	/* Every bit of the reveal matters. */
	for (size_t bit = 0; bit < sizeof body * 8; bit++) {
		uint8_t t[SZ_REVEAL_BYTES];
		struct ent x = rx;
		memcpy(t, body, sizeof t);
		t[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		x.de.e.body = t;
		assert_int_equal(sz_reveal_check(&verdict, pk, F.cell, &c, &st, &x.de), SZ_OK);
		assert_int_not_equal(verdict, SZ_VERDICT_OK);
		for (int i = 0; i < 32; i++)
			assert_int_equal(pk[i], 0);
	}
	/* Claiming another member's counted tag with one's own key: the proof fails. */
	{
		uint8_t t[SZ_REVEAL_BYTES], mine[SZ_REVEAL_BYTES];
		struct ent x = rx;
		assert_int_equal(sz_reveal_make(mine, F.cell, &c, &st, F.key[2], &F.env.env), SZ_OK);
		memcpy(t, mine, sizeof t);
		memcpy(t + 65, body + 65, 32); /* member 1's tag, member 2's key and proof */
		x.de.e.body = t;
		assert_int_equal(sz_reveal_check(&verdict, NULL, F.cell, &c, &st, &x.de), SZ_OK);
		assert_int_equal(verdict, SZ_VERDICT_BAD_SIGNATURE);
		/* Claiming member 1's key for member 2's tag and proof: fails too. */
		memcpy(t, mine, sizeof t);
		memcpy(t + 33, F.pk[1], 32);
		assert_int_equal(sz_reveal_check(&verdict, NULL, F.cell, &c, &st, &x.de), SZ_OK);
		assert_int_equal(verdict, SZ_VERDICT_BAD_SIGNATURE);
		/* A key off the roster. */
		memcpy(t + 33, F.pk[NMEM], 32);
		assert_int_equal(sz_reveal_check(&verdict, NULL, F.cell, &c, &st, &x.de), SZ_OK);
		assert_int_equal(verdict, SZ_VERDICT_NOT_MEMBER);
	}
	/* A member who did not pledge has nothing to reveal. */
	assert_int_equal(sz_reveal_make(body, F.cell, &c, &st, F.key[4], &F.env.env),
	    SZ_ERR_NOT_FOUND);
	/* A node that has not seen the threshold yet judges the same reveal premature. */
	{
		sz_pledge_status early;
		status(&early, v, &call, p, 2);
		assert_int_equal(sz_reveal_check(&verdict, pk, F.cell, &c, &early, &rx.de), SZ_OK);
		assert_int_equal(verdict, SZ_VERDICT_PREMATURE);
		sz_pledge_status_free(&early);
	}
	/* A reveal of a tag that is not among the counted pledges. */
	{
		uint8_t t[SZ_REVEAL_BYTES];
		struct ent x = rx;
		memcpy(t, rx.de.e.body, sizeof t);
		memset(t + 65, 0x42, 32);
		x.de.e.body = t;
		assert_int_equal(sz_reveal_check(&verdict, NULL, F.cell, &c, &st, &x.de), SZ_OK);
		assert_int_equal(verdict, SZ_VERDICT_NOT_PLEDGED);
	}
	/* Wrong kind; erased keys cannot reveal. */
	{
		struct ent x = rx;
		x.de.e.kind = SZ_KIND_PLEDGE;
		assert_int_equal(sz_reveal_check(&verdict, NULL, F.cell, &c, &st, &x.de), SZ_OK);
		assert_int_equal(verdict, SZ_VERDICT_WRONG_KIND);
		sz_vote_key *k;
		uint8_t sk[32];
		assert_int_equal(sz_vote_key_export(F.key[0], sk), SZ_OK);
		assert_int_equal(sz_vote_key_load(&k, sk), SZ_OK);
		sz_vote_secret_wipe(sk);
		sz_vote_key_erase(k);
		assert_int_equal(sz_reveal_make(body, F.cell, &c, &st, k, &F.env.env), SZ_ERR_WIPED);
		sz_vote_key_free(k);
	}
	/* A status about another call cannot stand in for this one's. */
	{
		struct ent oc;
		sz_pledge_call c2;
		sz_pledge_status other;
		make_call(&oc, &c2, 2);
		assert_memory_not_equal(c2.id, c.id, 32);
		status(&other, v, &oc, p, 3);
		assert_int_equal(sz_reveal_make(body, F.cell, &c, &other, F.key[1], &F.env.env),
		    SZ_ERR_INVALID);
		assert_int_equal(sz_reveal_check(&verdict, pk, F.cell, &c, &other, &rx.de),
		    SZ_ERR_INVALID);
		sz_pledge_status_free(&other);
		ent_free(&oc);
	}
	sz_pledge_status_free(&st);
	ent_free(&rx);
	for (int i = 0; i < 3; i++)
		ent_free(&p[i]);
	ent_free(&call);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_call_codec),
		cmocka_unit_test(test_threshold_exactly_at_n),
		cmocka_unit_test(test_reveals),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
