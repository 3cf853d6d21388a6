/*
 * tally_test.c - the tally (src/decide/tally.c): 50 members, changed votes, equivocation, copies,
 * late, forged and misdirected ballots; the same result and the same verdict for every entry on
 * every "node", whatever order the entries arrive in (seeded shuffles); winners and ties.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "decide/tally.h"

#define NMEM 50
#define NOPT 4
#define DEADLINE 1800000000000ull
#define CREATED 1700000000000ull
#define MAXB 80

static const char *const labels[] = { "north", "south", "east", "west" };

struct ent {
	uint8_t *buf;
	size_t len;
	sz_decide_entry de;
};

static struct {
	uint8_t cell[32];
	uint8_t author_sk[64];
	sz_vote_key *key[NMEM];
	uint8_t pk[NMEM][32];
	sz_env_seeded env;
	struct ent prop, other;
	sz_proposal p, q;
	struct ent b[MAXB];
	size_t nb;
	int want[NMEM];          /* the option each member's vote should count for, or -1 */
	uint32_t want_counts[NOPT];
	uint32_t want_voters, want_replaced, want_dups, want_rejected;
} F;

static void
ent_take(struct ent *x, uint8_t *buf, size_t len)
{
	x->buf = buf;
	x->len = len;
	assert_int_equal(sz_decide_entry_decode(&x->de, buf, len), SZ_OK);
}

static void
proposal(struct ent *x, sz_proposal *p, const char *question)
{
	uint8_t *body, *buf, id[32];
	size_t len, blen;
	assert_int_equal(sz_proposal_encode(&body, &len, DEADLINE, question, labels, NOPT,
	    (const uint8_t(*)[32])F.pk, NMEM), SZ_OK);
	assert_int_equal(sz_entry_build(&buf, &blen, id, SZ_KIND_PROPOSAL, NULL, 0, CREATED, body,
	    len, F.author_sk), SZ_OK);
	free(body);
	ent_take(x, buf, blen);
	assert_int_equal(sz_proposal_from_entry(p, &x->de), SZ_OK);
}

/* Member m casts a ballot on p (time may be after the deadline: signed as if it were not). */
static struct ent *
cast(const sz_proposal *p, size_t m, unsigned option, uint32_t rev, uint64_t t)
{
	uint8_t *buf, id[32];
	size_t len;
	sz_proposal view = *p;
	assert_true(F.nb < MAXB);
	if (t > view.deadline_ms)
		view.deadline_ms = t; /* a voter whose clock or copy says it is not late */
	assert_int_equal(sz_ballot_cast(&buf, &len, id, F.cell, &view, option, rev, t, F.key[m],
	    &F.env.env), SZ_OK);
	ent_take(&F.b[F.nb], buf, len);
	return &F.b[F.nb++];
}

/* Re-wrap a ballot's body in a new anonymous entry (what any member can do). */
static void
rewrap(const struct ent *x)
{
	uint8_t *buf, id[32];
	size_t len;
	assert_int_equal(sz_decide_wrap_anonymous(&buf, &len, id, SZ_KIND_BALLOT, x->de.e.parents,
	    x->de.e.timestamp_ms, x->de.e.body, x->de.e.body_len, &F.env.env), SZ_OK);
	ent_take(&F.b[F.nb++], buf, len);
}

static int
setup(void **state)
{
	uint8_t seed[32];
	(void)state;
	if (sz_init() != SZ_OK)
		return -1;
	memset(F.cell, 0x3c, 32);
	memset(seed, 3, sizeof seed);
	uint8_t pk[32];
	if (sz_sign_seed_keypair(pk, F.author_sk, seed) != SZ_OK)
		return -1;
	sz_env_seeded_init(&F.env, 50, CREATED);
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
	for (size_t i = 0; i < F.nb; i++)
		free(F.b[i].buf);
	free(F.prop.buf);
	free(F.other.buf);
	for (int i = 0; i < NMEM; i++)
		sz_vote_key_free(F.key[i]);
	return 0;
}

/* The electorate of the scenario, with the result the rules must give (computed here from the
 * scenario, independently of tally.c). */
static void
scenario(void)
{
	proposal(&F.prop, &F.p, "Where do we meet?");
	proposal(&F.other, &F.q, "Another question");
	for (int i = 0; i < NMEM; i++)
		F.want[i] = -1;
	/* Members 0..39 vote once. */
	for (int i = 0; i < 40; i++) {
		cast(&F.p, (size_t)i, (unsigned)(i % NOPT), 0, CREATED + 1000 + (uint64_t)i);
		F.want[i] = i % NOPT;
	}
	/* 0..7 change their minds: revision 1 (sent, by chance, with an earlier time). */
	for (int i = 0; i < 8; i++) {
		cast(&F.p, (size_t)i, (unsigned)((i + 1) % NOPT), 1, CREATED + 500);
		F.want[i] = (i + 1) % NOPT;
		F.want_replaced++;
	}
	/* 40 equivocates: two ballots of revision 0; the smaller body hash counts. */
	struct ent *e1 = cast(&F.p, 40, 0, 0, CREATED + 7);
	struct ent *e2 = cast(&F.p, 40, 3, 0, CREATED + 7);
	uint8_t h1[32], h2[32];
	assert_int_equal(sz_blake2b(h1, 32, e1->de.e.body, e1->de.e.body_len, NULL, 0), SZ_OK);
	assert_int_equal(sz_blake2b(h2, 32, e2->de.e.body, e2->de.e.body_len, NULL, 0), SZ_OK);
	F.want[40] = memcmp(h1, h2, 32) < 0 ? 0 : 3;
	F.want_replaced++;
	/* 41 votes only after the deadline: not counted. */
	cast(&F.p, 41, 1, 0, DEADLINE + 1);
	F.want_rejected++;
	/* 42 votes on time, then "changes" after the deadline: the on-time ballot stands. */
	cast(&F.p, 42, 2, 0, DEADLINE);
	cast(&F.p, 42, 1, 1, DEADLINE + 60000);
	F.want[42] = 2;
	F.want_rejected++;
	/* 43's ballot is copied twice into other entries by someone else: counted once. */
	struct ent *c = cast(&F.p, 43, 1, 0, CREATED + 43);
	rewrap(c);
	rewrap(c);
	F.want[43] = 1;
	F.want_dups += 2;
	/* A forgery: 44's ballot with the option changed (signature left as is). */
	struct ent *f = cast(&F.p, 44, 0, 0, CREATED + 44);
	F.want[44] = 0;
	{
		uint8_t *body = malloc(f->de.e.body_len);
		uint8_t *buf, id[32];
		size_t len;
		memcpy(body, f->de.e.body, f->de.e.body_len);
		body[33] = 2;
		assert_int_equal(sz_decide_wrap_anonymous(&buf, &len, id, SZ_KIND_BALLOT, F.p.id,
		    f->de.e.timestamp_ms, body, f->de.e.body_len, &F.env.env), SZ_OK);
		ent_take(&F.b[F.nb++], buf, len);
		free(body);
		F.want_rejected++;
	}
	/* 45 votes on the other proposal only; 46 on both. */
	cast(&F.q, 45, 2, 0, CREATED + 45);
	cast(&F.q, 46, 2, 0, CREATED + 46);
	cast(&F.p, 46, 3, 0, CREATED + 46);
	F.want[46] = 3;
	F.want_rejected += 2;
	/* 47..49 abstain. */
	for (int i = 0; i < NMEM; i++) {
		if (F.want[i] >= 0) {
			F.want_counts[F.want[i]]++;
			F.want_voters++;
		}
	}
}

static void
shuffle(size_t *order, size_t n, sz_env_seeded *e)
{
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	for (size_t i = n; i > 1; i--) {
		size_t j = sz_random_uniform(&e->env, (uint32_t)i);
		size_t t = order[i - 1];
		order[i - 1] = order[j];
		order[j] = t;
	}
}

static void
same_tally(const sz_tally *a, const sz_tally *b)
{
	assert_int_equal(a->noptions, b->noptions);
	assert_memory_equal(a->counts, b->counts, sizeof a->counts);
	assert_int_equal(a->voters, b->voters);
	assert_int_equal(a->replaced, b->replaced);
	assert_int_equal(a->duplicates, b->duplicates);
	assert_int_equal(a->rejected, b->rejected);
	assert_int_equal(a->winner, b->winner);
}

static void
test_fifty_members_any_order(void **state)
{
	(void)state;
	sz_decide_entry in[MAXB];
	uint8_t verdicts[MAXB], ref_verdicts[MAXB];
	size_t order[MAXB];
	sz_tally ref, t;
	sz_env_seeded shuf;

	scenario();
	/* Node 0: the order of creation. */
	for (size_t i = 0; i < F.nb; i++)
		in[i] = F.b[i].de;
	assert_int_equal(sz_tally_run(&ref, ref_verdicts, F.cell, &F.prop.de, in, F.nb), SZ_OK);
	assert_memory_equal(ref.counts, F.want_counts, sizeof F.want_counts);
	assert_int_equal(ref.voters, F.want_voters);
	assert_int_equal(ref.replaced, F.want_replaced);
	assert_int_equal(ref.duplicates, F.want_dups);
	assert_int_equal(ref.rejected, F.want_rejected);
	assert_int_equal(ref.roster_size, NMEM);
	/* Three more nodes, each receiving the entries in another order (full verification). */
	sz_env_seeded_init(&shuf, 777, 0);
	for (int node = 0; node < 3; node++) {
		shuffle(order, F.nb, &shuf);
		for (size_t i = 0; i < F.nb; i++)
			in[i] = F.b[order[i]].de;
		assert_int_equal(sz_tally_run(&t, verdicts, F.cell, &F.prop.de, in, F.nb), SZ_OK);
		same_tally(&ref, &t);
		for (size_t i = 0; i < F.nb; i++)
			assert_int_equal(verdicts[i], ref_verdicts[order[i]]);
	}
	/* The specific verdicts: late, forged, other subject. */
	size_t late = 0, forged = 0, other = 0, dup = 0, repl = 0;
	for (size_t i = 0; i < F.nb; i++) {
		late += ref_verdicts[i] == SZ_VERDICT_LATE;
		forged += ref_verdicts[i] == SZ_VERDICT_BAD_SIGNATURE;
		other += ref_verdicts[i] == SZ_VERDICT_OTHER_SUBJECT;
		dup += ref_verdicts[i] == SZ_VERDICT_DUPLICATE;
		repl += ref_verdicts[i] == SZ_VERDICT_REPLACED;
	}
	assert_int_equal(late, 2);
	assert_int_equal(forged, 1);
	assert_int_equal(other, 2);
	assert_int_equal(dup, 2);
	assert_int_equal(repl, 9);

	/* Many more orders on the aggregation alone (the checks are per entry and order-free). */
	sz_ballot_record recs[MAXB], shuffled[MAXB];
	uint8_t scope_t[32];
	assert_int_equal(sz_proposal_scope(scope_t, F.cell, &F.p), SZ_OK);
	for (size_t i = 0; i < F.nb; i++)
		assert_int_equal(sz_ballot_check(&recs[i], &F.p, scope_t, &F.b[i].de), SZ_OK);
	for (int node = 0; node < 300; node++) {
		shuffle(order, F.nb, &shuf);
		for (size_t i = 0; i < F.nb; i++)
			shuffled[i] = recs[order[i]];
		assert_int_equal(sz_tally_records(&t, shuffled, F.nb, NOPT), SZ_OK);
		same_tally(&ref, &t);
		for (size_t i = 0; i < F.nb; i++)
			assert_int_equal(shuffled[i].verdict, ref_verdicts[order[i]]);
	}
	/* A node that has seen only part of the entries gets a partial, smaller count; once it has
	 * them all it agrees (the tally is a function of the set). */
	assert_int_equal(sz_tally_records(&t, recs, 20, NOPT), SZ_OK);
	assert_true(t.voters < ref.voters);
}

static void
test_winner_and_ties(void **state)
{
	(void)state;
	sz_ballot_record r[4];
	sz_tally t;

	memset(r, 0, sizeof r);
	for (int i = 0; i < 4; i++) {
		r[i].tag[0] = (uint8_t)(i + 1);
		r[i].verdict = SZ_VERDICT_OK;
	}
	r[0].option = 1;
	r[1].option = 1;
	r[2].option = 0;
	r[3].option = 2;
	assert_int_equal(sz_tally_records(&t, r, 4, 3), SZ_OK);
	assert_int_equal(t.winner, 1);
	r[3].option = 0;
	assert_int_equal(sz_tally_records(&t, r, 4, 3), SZ_OK);
	assert_int_equal(t.winner, -1); /* 2-2 */
	assert_int_equal(sz_tally_records(&t, r, 0, 3), SZ_OK);
	assert_int_equal(t.winner, -1); /* no votes */
	assert_int_equal(t.voters, 0);
	/* A record with an option beyond the proposal's is not counted. */
	r[3].option = 5;
	assert_int_equal(sz_tally_records(&t, r, 4, 3), SZ_OK);
	assert_int_equal(t.voters, 3);
	assert_int_equal(r[3].verdict, SZ_VERDICT_BAD_OPTION);
	assert_int_equal(t.rejected, 1);
	/* Rejected records stay rejected; bad arguments. */
	r[0].verdict = SZ_VERDICT_LATE;
	assert_int_equal(sz_tally_records(&t, r, 4, 3), SZ_OK);
	assert_int_equal(r[0].verdict, SZ_VERDICT_LATE);
	assert_int_equal(t.voters, 2);
	assert_int_equal(sz_tally_records(&t, r, 4, 1), SZ_ERR_INVALID);
	assert_int_equal(sz_tally_records(&t, r, 4, 17), SZ_ERR_INVALID);
	/* A same-tag pair: the higher revision counts, whatever the times say. */
	memset(r, 0, sizeof r);
	r[0].verdict = r[1].verdict = SZ_VERDICT_OK;
	r[0].revision = 2;
	r[0].option = 0;
	r[0].time_ms = 1;
	r[0].body_hash[0] = 9;
	r[1].revision = 1;
	r[1].option = 1;
	r[1].time_ms = 99;
	assert_int_equal(sz_tally_records(&t, r, 2, 2), SZ_OK);
	assert_int_equal(t.counts[0], 1);
	assert_int_equal(t.counts[1], 0);
	assert_int_equal(r[1].verdict, SZ_VERDICT_REPLACED);
}

static void
test_unusable_proposal(void **state)
{
	(void)state;
	sz_tally t;
	uint8_t v[1] = { 0 };
	/* A ballot given as the proposal. */
	assert_true(F.nb > 0);
	assert_int_equal(sz_tally_run(&t, v, F.cell, &F.b[0].de, &F.b[1].de, 1), SZ_ERR_INVALID);
	assert_int_equal(t.voters, 0);
	assert_int_equal(v[0], SZ_VERDICT_MALFORMED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fifty_members_any_order),
		cmocka_unit_test(test_winner_and_ties),
		cmocka_unit_test(test_unusable_proposal),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
