/*
 * ballot_test.c - proposals and anonymous ballots (src/decide/ballot.c): canonical bodies, sign
 * and check round trips, every single-bit tamper of a ballot, rings other than the snapshot,
 * non-canonical scalars and invalid points, tags per scope, deadlines and entry framing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "decide/ballot.h"
#include "lib/bytes.h"

#define NMEM 6
#define DEADLINE 1800000000000ull
#define CREATED 1700000000000ull

static const uint8_t order[32] = { 0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c,
	0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, [31] = 0x10 };
static const char *const labels[] = { "yes", "no", "abstain" };

/* An encoded entry and its decoded view (which borrows from buf). */
struct ent {
	uint8_t *buf;
	size_t len;
	sz_decide_entry de;
};

static struct {
	uint8_t cell[32], other_cell[32];
	uint8_t author_sk[64], author_pk[32];
	sz_vote_key *key[NMEM];
	uint8_t pk[NMEM][32];
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
	assert_memory_equal(id, x->de.id, 32);
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
	uint8_t seed[32];
	(void)state;
	if (sz_init() != SZ_OK)
		return -1;
	memset(F.cell, 0xc1, 32);
	memset(F.other_cell, 0xc2, 32);
	memset(seed, 9, sizeof seed);
	if (sz_sign_seed_keypair(F.author_pk, F.author_sk, seed) != SZ_OK)
		return -1;
	sz_env_seeded_init(&F.env, 42, CREATED);
	for (int i = 0; i < NMEM; i++) {
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
	for (int i = 0; i < NMEM; i++)
		sz_vote_key_free(F.key[i]);
	return 0;
}

/* A PROPOSAL entry over members [first, first + n), and its decoded form. */
static void
make_proposal(struct ent *x, sz_proposal *p, size_t first, size_t n, const char *question,
    uint64_t deadline)
{
	uint8_t *body;
	size_t len;
	assert_int_equal(sz_proposal_encode(&body, &len, deadline, question, labels, 3,
	    (const uint8_t(*)[32])F.pk[first], n), SZ_OK);
	ent_build(x, SZ_KIND_PROPOSAL, NULL, CREATED, body, len);
	free(body);
	assert_int_equal(sz_proposal_from_entry(p, &x->de), SZ_OK);
}

/* Cast member m's ballot as an entry; check it is valid and carries m's tag. */
static void
cast(struct ent *x, const sz_proposal *p, size_t m, unsigned option, uint32_t rev, uint64_t t)
{
	uint8_t *buf, id[32], scope_t[32], tag[32];
	size_t len;
	sz_ballot_record rec;
	assert_int_equal(sz_ballot_cast(&buf, &len, id, F.cell, p, option, rev, t, F.key[m],
	    &F.env.env), SZ_OK);
	ent_take(x, buf, len);
	assert_int_equal(sz_proposal_scope(scope_t, F.cell, p), SZ_OK);
	assert_int_equal(sz_ballot_check(&rec, p, scope_t, &x->de), SZ_OK);
	assert_int_equal(rec.verdict, SZ_VERDICT_OK);
	assert_int_equal(rec.option, option);
	assert_int_equal(rec.revision, rev);
	assert_true(rec.time_ms == t);
	assert_int_equal(sz_vote_key_tag(tag, F.key[m], scope_t), SZ_OK);
	assert_memory_equal(rec.tag, tag, 32);
	/* The entry names nobody: a one-time author, the proposal as only parent. */
	for (int i = 0; i < NMEM; i++)
		assert_memory_not_equal(x->de.e.author, F.pk[i], 32);
	assert_memory_not_equal(x->de.e.author, F.author_pk, 32);
	assert_int_equal(x->de.e.nparents, 1);
	assert_memory_equal(x->de.e.parents, p->id, 32);
}

/* Check de (possibly with a replaced body) against p; return the verdict. */
static int
verdict_of(const sz_proposal *p, const sz_decide_entry *de)
{
	uint8_t scope_t[32];
	sz_ballot_record rec;
	assert_int_equal(sz_proposal_scope(scope_t, F.cell, p), SZ_OK);
	assert_int_equal(sz_ballot_check(&rec, p, scope_t, de), SZ_OK);
	return rec.verdict;
}

static int
verdict_with_body(const sz_proposal *p, const sz_decide_entry *de, const uint8_t *body,
    size_t len)
{
	sz_decide_entry d2 = *de;
	sz_ballot b;
	d2.e.body = body;
	d2.e.body_len = (uint32_t)len;
	/* Keep the framing consistent so that the body's own checks decide. */
	if (sz_ballot_decode(&b, body, len) == SZ_OK)
		d2.e.timestamp_ms = b.time_ms;
	return verdict_of(p, &d2);
}

static void
test_proposal_roundtrip(void **state)
{
	(void)state;
	struct ent x;
	sz_proposal p;
	uint8_t *body, rid[32];
	size_t len;
	uint8_t keys[5][32];

	/* Keys in any order with a repeat: the snapshot is sorted and distinct. */
	memcpy(keys[0], F.pk[3], 32);
	memcpy(keys[1], F.pk[1], 32);
	memcpy(keys[2], F.pk[3], 32);
	memcpy(keys[3], F.pk[0], 32);
	memcpy(keys[4], F.pk[2], 32);
	assert_int_equal(sz_proposal_encode(&body, &len, DEADLINE, "Strike on Monday?", labels, 3,
	    (const uint8_t(*)[32])keys, 5), SZ_OK);
	ent_build(&x, SZ_KIND_PROPOSAL, NULL, CREATED, body, len);
	assert_int_equal(sz_proposal_from_entry(&p, &x.de), SZ_OK);
	assert_int_equal(p.n, 4);
	assert_true(p.small_ring);
	for (size_t i = 1; i < p.n; i++)
		assert_true(memcmp(p.roster[i - 1], p.roster[i], 32) < 0);
	assert_int_equal(sz_roster_id(rid, p.roster, p.n), SZ_OK);
	assert_memory_equal(rid, p.roster_id, 32);
	assert_int_equal(p.noptions, 3);
	assert_int_equal(p.label_len[2], 7);
	assert_memory_equal(p.label[2], "abstain", 7);
	assert_int_equal(p.question_len, 17);
	assert_memory_equal(p.question, "Strike on Monday?", 17);
	assert_true(p.deadline_ms == DEADLINE);
	assert_memory_equal(p.id, x.de.id, 32);
	assert_true(p.created_ms == CREATED);
	/* Layout: 1 + 8 + 2 + 17 + 1 + (1+3 + 1+2 + 1+7) + 2 + 4·32. */
	assert_int_equal(len, 1 + 8 + 2 + 17 + 1 + 15 + 2 + 4 * 32);
	/* Trailing or missing bytes, other version. */
	uint8_t *big = malloc(len + 1);
	memcpy(big, body, len);
	big[len] = 0;
	assert_int_equal(sz_proposal_decode(&p, big, len + 1), SZ_ERR_MALFORMED);
	assert_int_equal(sz_proposal_decode(&p, big, len - 1), SZ_ERR_TRUNCATED);
	big[0] = 2;
	assert_int_equal(sz_proposal_decode(&p, big, len), SZ_ERR_UNSUPPORTED);
	/* Keys out of order (swap the first two) or repeated: non-canonical. */
	memcpy(big, body, len);
	uint8_t *k0 = big + len - 4 * 32;
	uint8_t tmp[32];
	memcpy(tmp, k0, 32);
	memcpy(k0, k0 + 32, 32);
	memcpy(k0 + 32, tmp, 32);
	assert_int_equal(sz_proposal_decode(&p, big, len), SZ_ERR_NONCANONICAL);
	memcpy(k0 + 32, k0, 32);
	assert_int_equal(sz_proposal_decode(&p, big, len), SZ_ERR_NONCANONICAL);
	/* The identity as a key (sorts first). */
	memcpy(big, body, len);
	memset(k0, 0, 32);
	assert_int_equal(sz_proposal_decode(&p, big, len), SZ_ERR_CRYPTO);
	/* An option count of 1 and of 17. */
	memcpy(big, body, len);
	big[1 + 8 + 2 + 17] = 1;
	assert_int_not_equal(sz_proposal_decode(&p, big, len), SZ_OK);
	big[1 + 8 + 2 + 17] = 17;
	assert_int_equal(sz_proposal_decode(&p, big, len), SZ_ERR_MALFORMED);
	/* A label with a control character, one with invalid UTF-8. */
	memcpy(big, body, len);
	big[1 + 8 + 2 + 17 + 1 + 1] = 0x07;
	assert_int_equal(sz_proposal_decode(&p, big, len), SZ_ERR_MALFORMED);
	big[1 + 8 + 2 + 17 + 1 + 1] = 0xc0;
	assert_int_equal(sz_proposal_decode(&p, big, len), SZ_ERR_MALFORMED);
	free(big);
	free(body);
	ent_free(&x);
}

static void
test_proposal_refusals(void **state)
{
	(void)state;
	uint8_t *body;
	size_t len;
	struct ent x;
	sz_proposal p;
	uint8_t keys[3][32];
	static const char *const one[] = { "only" };
	static const char *const bad[] = { "ok", "\xe2\x80\xae" "evil" }; /* RIGHT-TO-LEFT OVERRIDE */

	/* Below the minimum ring: two distinct keys (three with a repeat) are refused. */
	memcpy(keys[0], F.pk[0], 32);
	memcpy(keys[1], F.pk[1], 32);
	memcpy(keys[2], F.pk[0], 32);
	assert_int_equal(sz_proposal_encode(&body, &len, DEADLINE, "q", labels, 3,
	    (const uint8_t(*)[32])keys, 3), SZ_ERR_DENIED);
	assert_null(body);
	assert_int_equal(sz_proposal_encode(&body, &len, DEADLINE, "q", one, 1,
	    (const uint8_t(*)[32])F.pk, 3), SZ_ERR_INVALID);
	assert_int_equal(sz_proposal_encode(&body, &len, DEADLINE, "q", bad, 2,
	    (const uint8_t(*)[32])F.pk, 3), SZ_ERR_INVALID);
	assert_int_equal(sz_proposal_encode(&body, &len, DEADLINE, "", labels, 2,
	    (const uint8_t(*)[32])F.pk, 3), SZ_ERR_INVALID);
	memset(keys[2], 0xff, 32); /* not a point */
	assert_int_equal(sz_proposal_encode(&body, &len, DEADLINE, "q", labels, 2,
	    (const uint8_t(*)[32])keys, 3), SZ_ERR_CRYPTO);
	/* A deadline not after the entry's time; an entry of another kind. */
	assert_int_equal(sz_proposal_encode(&body, &len, CREATED, "q", labels, 2,
	    (const uint8_t(*)[32])F.pk, 3), SZ_OK);
	ent_build(&x, SZ_KIND_PROPOSAL, NULL, CREATED, body, len);
	assert_int_equal(sz_proposal_from_entry(&p, &x.de), SZ_ERR_EXPIRED);
	ent_free(&x);
	ent_build(&x, SZ_KIND_POST, NULL, CREATED - 1, body, len);
	assert_int_equal(sz_proposal_from_entry(&p, &x.de), SZ_ERR_INVALID);
	ent_free(&x);
	free(body);
}

static void
test_roundtrip_and_tags(void **state)
{
	(void)state;
	struct ent px, qx, b[4];
	sz_proposal p, q;
	uint8_t t_ballot[32], t_pledge[32], t_cell[32], t_q[32], tag[4][32];

	make_proposal(&px, &p, 0, NMEM, "Which day?", DEADLINE);
	make_proposal(&qx, &q, 0, NMEM, "Which place?", DEADLINE);
	assert_false(p.small_ring);
	cast(&b[0], &p, 2, 0, 0, CREATED + 10);
	cast(&b[1], &p, 2, 1, 1, CREATED + 20);
	cast(&b[2], &p, 3, 1, 0, CREATED + 30);
	cast(&b[3], &p, 0, 2, 0, DEADLINE); /* exactly at the deadline counts */
	assert_int_equal(sz_ballot_decode(&(sz_ballot){ 0 }, b[0].de.e.body, b[0].de.e.body_len),
	    SZ_OK);
	assert_int_equal(b[0].de.e.body_len, SZ_BALLOT_BYTES(NMEM));
	/* Same key, same scope: same tag, whatever the option; another key: another tag. */
	assert_int_equal(sz_proposal_scope(t_ballot, F.cell, &p), SZ_OK);
	for (int i = 0; i < 3; i++) {
		sz_ballot_record rec;
		assert_int_equal(sz_ballot_check(&rec, &p, t_ballot, &b[i].de), SZ_OK);
		memcpy(tag[i], rec.tag, 32);
	}
	assert_memory_equal(tag[0], tag[1], 32);
	assert_memory_not_equal(tag[0], tag[2], 32);
	/* Another scope gives an unrelated tag: another proposal, the pledge kind, another cell. */
	assert_int_equal(sz_proposal_scope(t_q, F.cell, &q), SZ_OK);
	assert_int_equal(sz_lsag_tag_base(t_pledge, F.cell, p.id, p.roster_id, SZ_LSAG_KIND_PLEDGE),
	    SZ_OK);
	assert_int_equal(sz_proposal_scope(t_cell, F.other_cell, &p), SZ_OK);
	const uint8_t *scopes[3] = { t_q, t_pledge, t_cell };
	for (int s = 0; s < 3; s++) {
		uint8_t other[32];
		assert_int_equal(sz_vote_key_tag(other, F.key[2], scopes[s]), SZ_OK);
		assert_memory_not_equal(other, tag[0], 32);
	}
	/* The ballot does not verify in another cell (its tag base differs). */
	{
		sz_ballot_record rec;
		assert_int_equal(sz_ballot_check(&rec, &p, t_cell, &b[0].de), SZ_OK);
		assert_int_equal(rec.verdict, SZ_VERDICT_BAD_SIGNATURE);
	}
	for (int i = 0; i < 4; i++)
		ent_free(&b[i]);
	ent_free(&px);
	ent_free(&qx);
}

static void
test_every_bit(void **state)
{
	(void)state;
	struct ent px, b;
	sz_proposal p;
	size_t flips = 0;

	make_proposal(&px, &p, 0, 3, "Flip?", DEADLINE);
	cast(&b, &p, 1, 1, 7, CREATED + 5);
	size_t len = b.de.e.body_len;
	uint8_t *body = malloc(len);
	for (size_t bit = 0; bit < len * 8; bit++) {
		memcpy(body, b.de.e.body, len);
		body[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		int v = verdict_with_body(&p, &b.de, body, len);
		assert_int_not_equal(v, SZ_VERDICT_OK);
		/* Past the proposal id every flip is caught by the ring signature (or the option's
		 * range, or the deadline when a high time bit is set). */
		if (bit / 8 >= 33 && v != SZ_VERDICT_BAD_OPTION && v != SZ_VERDICT_LATE)
			assert_true(v == SZ_VERDICT_BAD_SIGNATURE || v == SZ_VERDICT_NONCANONICAL ||
			    v == SZ_VERDICT_BAD_POINT);
		flips++;
	}
	assert_int_equal(flips, SZ_BALLOT_BYTES(3) * 8);
	/* Truncated and extended bodies: a ring below the minimum is malformed, one key more is
	 * another ring. */
	assert_int_equal(verdict_with_body(&p, &b.de, b.de.e.body, len - 1), SZ_VERDICT_MALFORMED);
	assert_int_equal(verdict_with_body(&p, &b.de, b.de.e.body, len - 32), SZ_VERDICT_MALFORMED);
	uint8_t *longer = calloc(1, len + 32);
	memcpy(longer, b.de.e.body, len);
	assert_int_equal(verdict_with_body(&p, &b.de, longer, len + 32), SZ_VERDICT_WRONG_RING);
	free(longer);
	free(body);
	ent_free(&b);
	ent_free(&px);
}

/* The ring signature binds the proposal id: the same ballot moved to another proposal with the
 * same roster (and a consistent entry) does not verify. */
static void
test_bound_to_proposal(void **state)
{
	(void)state;
	struct ent px, qx, b;
	sz_proposal p, q;

	make_proposal(&px, &p, 0, 4, "First", DEADLINE);
	make_proposal(&qx, &q, 0, 4, "Second", DEADLINE);
	cast(&b, &p, 0, 0, 0, CREATED + 1);
	uint8_t *body = malloc(b.de.e.body_len);
	memcpy(body, b.de.e.body, b.de.e.body_len);
	memcpy(body + 1, q.id, 32);
	sz_decide_entry d2 = b.de;
	d2.e.body = body;
	d2.e.parents = q.id;
	assert_int_equal(verdict_of(&q, &d2), SZ_VERDICT_BAD_SIGNATURE);
	/* Unmoved, it is about another proposal. */
	assert_int_equal(verdict_of(&q, &b.de), SZ_VERDICT_OTHER_SUBJECT);
	free(body);
	ent_free(&b);
	ent_free(&px);
	ent_free(&qx);
}

static void
test_other_rings(void **state)
{
	(void)state;
	struct ent px, qx, rx, b;
	sz_proposal p, q, r4;
	uint8_t sk[32], t[32], ring[3][32];

	make_proposal(&px, &p, 0, 3, "Ring", DEADLINE);        /* members 0, 1, 2 */
	make_proposal(&qx, &q, 1, 3, "Ring", DEADLINE);        /* members 1, 2, 3 */
	make_proposal(&rx, &r4, 0, 4, "Ring", DEADLINE);       /* members 0 .. 3 */
	/* A member of both signs over q's ring, with p's id: not p's snapshot. */
	sz_proposal fake = q;
	memcpy(fake.id, p.id, 32);
	cast(&b, &fake, 1, 0, 0, CREATED + 1);
	assert_int_equal(verdict_of(&p, &b.de), SZ_VERDICT_BAD_SIGNATURE);
	ent_free(&b);
	/* Signed with p's tag base but over another ring of the same size. */
	memcpy(ring[0], q.roster[0], 32);
	memcpy(ring[1], q.roster[1], 32);
	memcpy(ring[2], q.roster[2], 32);
	assert_int_equal(sz_proposal_scope(t, F.cell, &p), SZ_OK);
	assert_int_equal(sz_vote_key_export(F.key[1], sk), SZ_OK);
	{
		uint8_t body[SZ_BALLOT_BYTES(3)];
		size_t me = 0;
		sz_buf m = { 0 };
		while (memcmp(ring[me], F.pk[1], 32) != 0)
			me++;
		body[0] = SZ_DECIDE_VERSION;
		memcpy(body + 1, p.id, 32);
		body[33] = 0;
		sz_store_u32(body + 34, 0);
		sz_store_u64(body + 38, CREATED + 1);
		sz_buf_append(&m, SZ_BALLOT_CONTEXT, strlen(SZ_BALLOT_CONTEXT));
		sz_buf_append(&m, body, SZ_BALLOT_SIGNED_BYTES);
		assert_int_equal(m.err, SZ_OK);
		assert_int_equal(sz_lsag_sign(body + SZ_BALLOT_SIGNED_BYTES, SZ_LSAG_SIG_BYTES(3), m.p,
		    m.len, (const uint8_t(*)[32])ring, 3, me, sk, t, &F.env.env), SZ_OK);
		sz_buf_free(&m);
		ent_build(&b, SZ_KIND_BALLOT, p.id, CREATED + 1, body, sizeof body);
		assert_int_equal(verdict_of(&p, &b.de), SZ_VERDICT_BAD_SIGNATURE);
		/* The same body under the ring it was made for verifies (the test is sound). */
		sz_proposal same = q;
		memcpy(same.id, p.id, 32);
		memcpy(same.roster_id, p.roster_id, 32);
		assert_int_equal(verdict_of(&same, &b.de), SZ_VERDICT_OK);
		ent_free(&b);
	}
	sz_vote_secret_wipe(sk);
	/* A ring of another size: the signature's length is not the roster's. */
	cast(&b, &r4, 0, 0, 0, CREATED + 1);
	sz_decide_entry d2 = b.de;
	d2.e.parents = p.id;
	uint8_t *body = malloc(b.de.e.body_len);
	memcpy(body, b.de.e.body, b.de.e.body_len);
	memcpy(body + 1, p.id, 32);
	d2.e.body = body;
	assert_int_equal(verdict_of(&p, &d2), SZ_VERDICT_WRONG_RING);
	free(body);
	ent_free(&b);
	ent_free(&px);
	ent_free(&qx);
	ent_free(&rx);
}

/* Add L to the 32-byte little-endian scalar at s (s < L, so the sum fits). */
static void
add_order(uint8_t *s)
{
	unsigned carry = 0;
	for (int i = 0; i < 32; i++) {
		unsigned v = s[i] + order[i] + carry;
		s[i] = (uint8_t)v;
		carry = v >> 8;
	}
}

static void
test_noncanonical_and_points(void **state)
{
	(void)state;
	struct ent px, b;
	sz_proposal p;

	make_proposal(&px, &p, 0, 3, "Scalars", DEADLINE);
	cast(&b, &p, 2, 1, 0, CREATED + 3);
	size_t len = b.de.e.body_len, sig = SZ_BALLOT_SIGNED_BYTES;
	uint8_t *body = malloc(len);
	/* c_0 + L and each s_i + L: the same value, a second encoding. */
	for (size_t k = 0; k < 1 + 3; k++) {
		memcpy(body, b.de.e.body, len);
		add_order(body + sig + 32 * k);
		assert_int_equal(verdict_with_body(&p, &b.de, body, len), SZ_VERDICT_NONCANONICAL);
	}
	/* The tag I: the identity, a non-canonical encoding (all ones), a value >= p. */
	static const uint8_t bad_points[3][32] = {
		{ 0 },
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		    0xff, 0xff, 0xff, 0xff, 0xff, 0x7f },
		{ 0x01 }, /* odd: negative field element, not canonical */
	};
	for (int k = 0; k < 3; k++) {
		memcpy(body, b.de.e.body, len);
		memcpy(body + len - 32, bad_points[k], 32);
		assert_int_equal(verdict_with_body(&p, &b.de, body, len), SZ_VERDICT_BAD_POINT);
	}
	free(body);
	ent_free(&b);
	ent_free(&px);
}

static void
test_deadline_framing_and_refusals(void **state)
{
	(void)state;
	struct ent px, b, w;
	sz_proposal p;
	uint8_t *body;
	size_t len;
	sz_vote_key *outsider;

	make_proposal(&px, &p, 0, 3, "When?", DEADLINE);
	/* Signing refuses what would not count. */
	assert_int_equal(sz_ballot_sign(&body, &len, F.cell, &p, 0, 0, DEADLINE + 1, F.key[0],
	    &F.env.env), SZ_ERR_EXPIRED);
	assert_int_equal(sz_ballot_sign(&body, &len, F.cell, &p, 3, 0, CREATED, F.key[0],
	    &F.env.env), SZ_ERR_INVALID);
	assert_int_equal(sz_ballot_sign(&body, &len, F.cell, &p, 0, 0, CREATED, F.key[4],
	    &F.env.env), SZ_ERR_NOT_MEMBER);
	assert_int_equal(sz_vote_key_new(&outsider, &F.env.env), SZ_OK);
	sz_vote_key_erase(outsider);
	assert_int_equal(sz_ballot_sign(&body, &len, F.cell, &p, 0, 0, CREATED, outsider,
	    &F.env.env), SZ_ERR_WIPED);
	sz_vote_key_free(outsider);

	/* A ballot signed after the deadline (by a voter whose proposal view was altered). */
	sz_proposal later = p;
	later.deadline_ms = DEADLINE + 1000;
	cast(&b, &later, 1, 0, 0, DEADLINE + 1);
	assert_int_equal(verdict_of(&p, &b.de), SZ_VERDICT_LATE);
	ent_free(&b);

	/* Framing: the entry's timestamp must be the signed time, its only parent the proposal. */
	assert_int_equal(sz_ballot_sign(&body, &len, F.cell, &p, 1, 0, CREATED + 9, F.key[1],
	    &F.env.env), SZ_OK);
	ent_build(&w, SZ_KIND_BALLOT, p.id, CREATED + 9, body, len);
	assert_int_equal(verdict_of(&p, &w.de), SZ_VERDICT_OK);
	ent_free(&w);
	ent_build(&w, SZ_KIND_BALLOT, p.id, CREATED + 10, body, len);
	assert_int_equal(verdict_of(&p, &w.de), SZ_VERDICT_BAD_ENTRY);
	ent_free(&w);
	ent_build(&w, SZ_KIND_BALLOT, NULL, CREATED + 9, body, len);
	assert_int_equal(verdict_of(&p, &w.de), SZ_VERDICT_BAD_ENTRY);
	ent_free(&w);
	{
		uint8_t two[2][32], *ebuf, id[32];
		size_t elen;
		memcpy(two[0], p.id, 32);
		memset(two[1], 0x55, 32);
		assert_int_equal(sz_entry_build(&ebuf, &elen, id, SZ_KIND_BALLOT,
		    (const uint8_t(*)[32])two, 2, CREATED + 9, body, len, F.author_sk), SZ_OK);
		ent_take(&w, ebuf, elen);
		assert_int_equal(verdict_of(&p, &w.de), SZ_VERDICT_BAD_ENTRY);
		ent_free(&w);
	}
	ent_build(&w, SZ_KIND_PLEDGE, p.id, CREATED + 9, body, len);
	assert_int_equal(verdict_of(&p, &w.de), SZ_VERDICT_WRONG_KIND);
	ent_free(&w);
	/* An option outside the proposal's (the signature covers it, but the range is checked). */
	body[33] = 3;
	ent_build(&w, SZ_KIND_BALLOT, p.id, CREATED + 9, body, len);
	assert_int_equal(verdict_of(&p, &w.de), SZ_VERDICT_BAD_OPTION);
	ent_free(&w);
	free(body);
	/* The anonymous wrapper only wraps ballots and pledges, and uses a new author each time. */
	{
		uint8_t *e1, *e2, id1[32], id2[32];
		size_t l1, l2;
		sz_entry d1, d2;
		assert_int_equal(sz_decide_wrap_anonymous(&e1, &l1, id1, SZ_KIND_POST, p.id, 1,
		    (const uint8_t *)"x", 1, &F.env.env), SZ_ERR_INVALID);
		assert_int_equal(sz_decide_wrap_anonymous(&e1, &l1, id1, SZ_KIND_BALLOT, p.id, 1,
		    (const uint8_t *)"x", 1, &F.env.env), SZ_OK);
		assert_int_equal(sz_decide_wrap_anonymous(&e2, &l2, id2, SZ_KIND_BALLOT, p.id, 1,
		    (const uint8_t *)"x", 1, &F.env.env), SZ_OK);
		assert_int_equal(sz_entry_decode(&d1, NULL, e1, l1, 0), SZ_OK);
		assert_int_equal(sz_entry_decode(&d2, NULL, e2, l2, 0), SZ_OK);
		assert_memory_not_equal(d1.author, d2.author, 32);
		free(e1);
		free(e2);
	}
	ent_free(&px);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proposal_roundtrip),
		cmocka_unit_test(test_proposal_refusals),
		cmocka_unit_test(test_roundtrip_and_tags),
		cmocka_unit_test(test_every_bit),
		cmocka_unit_test(test_bound_to_proposal),
		cmocka_unit_test(test_other_rings),
		cmocka_unit_test(test_noncanonical_and_points),
		cmocka_unit_test(test_deadline_framing_and_refusals),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
