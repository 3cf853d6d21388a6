/*
 * node_decide_test.c - collective decisions through real nodes (stores in a temporary directory,
 * cells formed by add and welcome, envelopes carried between stores as a sync would): voting
 * keys and rosters, proposals, ballots (changed, queued, replaced), identical tallies everywhere,
 * pledges with a refused and an accepted reveal, declarations with in-cell and public
 * co-signatures checked inside and outside the cell, and a removed member's ballot set aside
 * while its victims' ballots are sealed again.  Layer: app.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/node_decide.h"
#include "app/node_int.h"
#include "app/node_testlib.h"
#include "cell/cell.h"
#include "crypto/crypto.h"
#include "wire/envelope.h"

#define NN 5 /* A B C D are members, E is outside */
enum { A, B, C, D, E };

static char dir[TN_DIR_BYTES];
static sz_node *nd[NN];
static sz_cell *cl[NN];

/* Copy every envelope a holds that b lacks into b; returns how many b stored. */
static size_t
push(int a, int b)
{
	uint8_t *scopes;
	size_t ns, stored = 0;
	assert_int_equal(sz_node_scopes(nd[a], &scopes, &ns), SZ_OK);
	for (size_t s = 0; s < ns; s++) {
		sz_store_item *items;
		size_t k;
		assert_int_equal(sz_store_list_envelopes(nd[a]->store, scopes + 16 * s, 0, UINT64_MAX, 0,
		    &items, &k), SZ_OK);
		for (size_t i = 0; i < k; i++) {
			uint8_t *env;
			size_t len;
			int res;
			assert_int_equal(sz_store_get_envelope(nd[a]->store, items[i].id, &env, &len), SZ_OK);
			const uint8_t *e = env;
			assert_int_equal(sz_node_ingest(nd[b], &e, &len, 1, &res), SZ_OK);
			if (getenv("PUSHDBG")) fprintf(stderr, "  %c->%c scope %02x%02x res %d\n", 'A'+a, 'A'+b, e[1], e[2], res);
			stored += res == SZ_OK;
			free(env);
		}
		free(items);
	}
	free(scopes);
	if (getenv("PUSHDBG")) fprintf(stderr, "push %c->%c stored %zu (scopes %zu)\n", 'A'+a, 'A'+b, stored, ns);
	return stored;
}

/* Everyone in mask exchanges with everyone until nothing new moves; each round begins, as a
 * sync does, by running each node's queue (tick: 0 for a plain exchange). */
static void
exchange(unsigned mask, int tick)
{
	for (int round = 0; round < 8; round++) {
		size_t moved = 0;
		for (int a = 0; a < NN && tick; a++)
			if (mask >> a & 1)
				assert_int_equal(sz_node_pending_run(nd[a], NULL), SZ_OK);
		for (int a = 0; a < NN; a++)
			for (int b = 0; b < NN; b++)
				if (a != b && (mask >> a & 1) && (mask >> b & 1))
					moved += push(a, b);
		if (moved == 0)
			return;
	}
	fail_msg("the nodes did not settle");
}

static void
mesh(unsigned mask)
{
	exchange(mask, 1);
}

#define MEMBERS ((1u << A) | (1u << B) | (1u << C) | (1u << D))

/* A adds who; who joins from the welcome A's add made (handed over as an invitation would). */
static void
join(int who)
{
	assert_int_equal(tn_add_join(nd[A], cl[A], nd[who], &cl[who]), SZ_OK);
}

static int
setup(void **state)
{
	(void)state;
	if (tn_nodes(dir, "node-decide", nd, NN) != 0)
		return -1;
	if (sz_node_cell_create(nd[A], "print shop", &cl[A]) != SZ_OK)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	tn_nodes_free(dir, nd, NN);
	return 0;
}

static void
test_roster(void **state)
{
	(void)state;
	for (int i = B; i <= D; i++) {
		join(i);
		mesh(MEMBERS & ((1u << (i + 1)) - 1));
	}
	mesh(MEMBERS);
	sz_node_roster ro[4];
	for (int i = A; i <= D; i++) {
		assert_int_equal(sz_node_roster_get(nd[i], cl[i], &ro[i]), SZ_OK);
		fprintf(stderr, "DBG node %d nnow %zu never %zu status %d\n", i, ro[i].nnow, ro[i].never, sz_cell_status(cl[i]));
		assert_int_equal(ro[i].nnow, 4);
		assert_int_equal(ro[i].never, 4);
		if (i > A)
			assert_memory_equal(ro[i].now, ro[A].now, 4 * 32);
	}
	/* every member's key is on it: my own, from my key */
	sz_vote_key *k;
	uint8_t pk[32];
	assert_int_equal(sz_node_vote_key(nd[C], cl[C], &k), SZ_OK);
	sz_vote_key_public(k, pk);
	sz_vote_key_free(k);
	sz_node_roster_check rc;
	assert_int_equal(sz_node_roster_judge(&ro[A], (const uint8_t(*)[32])pk, 1, &rc), SZ_OK);
	assert_int_equal(rc.strangers, 0);
	assert_int_equal(rc.missing, 3);
	/* a key nobody enrolled is a stranger */
	pk[0] ^= 1;
	assert_int_equal(sz_node_roster_judge(&ro[A], (const uint8_t(*)[32])pk, 1, &rc), SZ_OK);
	assert_int_equal(rc.strangers, 1);
	for (int i = A; i <= D; i++)
		sz_node_roster_free(&ro[i]);
}

static uint8_t P1[32];

static void
same_tally(size_t yes, size_t no, size_t voters, size_t replaced)
{
	sz_node_tally t[4];
	for (int i = A; i <= D; i++) {
		assert_int_equal(sz_node_tally_run(nd[i], cl[i], P1, &t[i]), SZ_OK);
		assert_int_equal(t[i].t.counts[0], yes);
		assert_int_equal(t[i].t.counts[1], no);
		assert_int_equal(t[i].t.voters, voters);
		assert_int_equal(t[i].t.replaced, replaced);
		assert_int_equal(t[i].t.roster_size, 4);
		assert_int_equal(t[i].set_aside, 0);
		assert_false(t[i].closed);
		assert_memory_equal(&t[i].t, &t[A].t, sizeof t[A].t);
	}
	for (int i = A; i <= D; i++)
		sz_node_tally_free(&t[i]);
}

static void
test_vote(void **state)
{
	(void)state;
	const char *labels[] = { "yes", "no" };
	size_t ring;
	uint64_t now = sz_now_ms(nd[A]->env);
	assert_int_equal(sz_node_propose(nd[A], cl[A], "Strike on Thursday?", labels, 2,
	    now + 3600 * 1000, P1, &ring), SZ_OK);
	assert_int_equal(ring, 4);
	uint8_t bad[32];
	assert_int_equal(sz_node_propose(nd[A], cl[A], "Past?", labels, 2, now - 1, bad, &ring),
	    SZ_ERR_EXPIRED);
	mesh(MEMBERS);
	sz_node_vote_out v;
	assert_int_equal(sz_node_vote(nd[B], cl[B], P1, 0, true, &v), SZ_OK);
	assert_int_equal(v.revision, 0);
	assert_true(v.released);
	assert_true(v.small_ring); /* 4 < 5: the interface warns */
	assert_int_equal(sz_node_vote(nd[C], cl[C], P1, 1, true, &v), SZ_OK);
	assert_int_equal(sz_node_vote(nd[D], cl[D], P1, 0, true, &v), SZ_OK);
	assert_int_equal(sz_node_vote(nd[D], cl[D], P1, 2, true, &v), SZ_ERR_INVALID);
	mesh(MEMBERS);
	same_tally(2, 1, 3, 0);
	/* C changes its mind: the next revision */
	assert_int_equal(sz_node_vote(nd[C], cl[C], P1, 0, true, &v), SZ_OK);
	assert_int_equal(v.revision, 1);
	mesh(MEMBERS);
	same_tally(3, 0, 3, 1);
	/* A votes with the delay: nothing leaves yet; a second choice replaces the waiting one */
	assert_int_equal(sz_node_vote(nd[A], cl[A], P1, 1, false, &v), SZ_OK);
	assert_false(v.released);
	assert_true(v.release_ms >= now + SZ_DECIDE_DELAY_MIN_MS - 1000);
	assert_true(v.release_ms <= now + 3600 * 1000);
	uint64_t at;
	assert_int_equal(sz_node_pending_find(nd[A], P1, &at), SZ_OK);
	assert_int_equal(at, v.release_ms);
	size_t k = 9;
	assert_int_equal(sz_node_pending_run(nd[A], &k), SZ_OK);
	assert_int_equal(k, 0);
	assert_int_equal(sz_node_vote(nd[A], cl[A], P1, 0, false, &v), SZ_OK);
	assert_int_equal(v.replaced, 1);
	assert_int_equal(v.revision, 0);
	mesh(MEMBERS);
	same_tally(3, 0, 3, 1); /* A's ballot waits */
	/* a released ballot stays one: released now, it counts everywhere */
	size_t dropped;
	assert_int_equal(sz_node_pending_drop(nd[A], P1, &dropped), SZ_OK);
	assert_int_equal(dropped, 1);
	assert_int_equal(sz_node_pending_find(nd[A], P1, &at), SZ_ERR_NOT_FOUND);
	assert_int_equal(sz_node_vote(nd[A], cl[A], P1, 1, true, &v), SZ_OK);
	mesh(MEMBERS);
	same_tally(3, 1, 4, 1);
}

static size_t
under(int who, const uint8_t scope[16])
{
	sz_store_item *items;
	size_t n;
	assert_int_equal(sz_store_list_envelopes(nd[who]->store, scope, 0, UINT64_MAX, 0, &items, &n),
	    SZ_OK);
	free(items);
	return n;
}

/* The epoch a ballot is sealed under names no one (issue 13, finding 6): right after B updates,
 * its new epoch is known only to B, and a ballot sealed under it would say "B, or someone who
 * has applied B's update".  B's node seals its ballot under the epoch every member holds, and
 * under the new one only once every member has acknowledged it. */
static void
test_ballot_seal_names_no_one(void **state)
{
	(void)state;
	uint8_t old[4][16], cur[4][16], anon[16];
	size_t k;
	assert_int_equal(sz_cell_scopes(cl[B], old, 4, &k), SZ_OK);
	sz_cell_result res = { 0 };
	assert_int_equal(sz_node_cell_apply(nd[B], cl[B], sz_cell_update(cl[B], &res), &res), SZ_OK);
	assert_int_equal(sz_cell_scopes(cl[B], cur, 4, &k), SZ_OK);
	assert_false(memcmp(cur[0], old[0], 16) == 0);
	size_t fresh = under(B, cur[0]), common = under(B, old[0]);
	sz_node_vote_out v;
	assert_int_equal(sz_node_vote(nd[B], cl[B], P1, 1, true, &v), SZ_OK);
	assert_true(v.released);
	assert_int_equal(under(B, cur[0]), fresh);      /* not under the epoch only B knows */
	assert_int_equal(under(B, old[0]), common + 1); /* but under the one all hold */
	/* everyone applies the update and posts (the acks ride the posts): now the new one */
	mesh(MEMBERS);
	for (int i = A; i <= D; i++) {
		uint8_t id[32];
		assert_int_equal(sz_node_post(nd[i], cl[i], NULL, (const uint8_t *)"ack", 3, id), SZ_OK);
	}
	mesh(MEMBERS);
	assert_int_equal(sz_cell_anon_scope(cl[B], anon), SZ_OK);
	assert_memory_equal(anon, cur[0], 16);
	fresh = under(B, cur[0]);
	assert_int_equal(sz_node_vote(nd[B], cl[B], P1, 0, true, &v), SZ_OK);
	assert_int_equal(under(B, cur[0]), fresh + 1);
	mesh(MEMBERS);
	same_tally(3, 1, 4, 3); /* B's two new revisions replaced its earlier ballots */
}

static uint8_t call[32];

static void
test_pledge(void **state)
{
	(void)state;
	size_t ring;
	uint64_t at, now = sz_now_ms(nd[A]->env);
	assert_int_equal(sz_node_pledge_call(nd[A], cl[A], "I stop work if 3 of us do.", 5,
	    now + 3600 * 1000, call, &ring), SZ_ERR_INVALID);
	assert_int_equal(sz_node_pledge_call(nd[A], cl[A], "I stop work if 3 of us do.", 3,
	    now + 3600 * 1000, call, &ring), SZ_OK);
	mesh(MEMBERS);
	assert_int_equal(sz_node_pledge_sign(nd[B], cl[B], call, true, &at), SZ_OK);
	assert_int_equal(sz_node_pledge_sign(nd[B], cl[B], call, true, &at), SZ_ERR_EXISTS);
	sz_node_pledges st;
	assert_int_equal(sz_node_pledge_reveal(nd[B], cl[B], call, &st), SZ_ERR_DENIED);
	assert_int_equal(st.st.pledgers, 1);
	assert_false(st.st.reached);
	sz_node_pledges_free(&st);
	assert_int_equal(sz_node_pledge_sign(nd[C], cl[C], call, true, &at), SZ_OK);
	mesh(MEMBERS);
	assert_int_equal(sz_node_pledge_status(nd[A], cl[A], call, &st), SZ_OK);
	assert_int_equal(st.st.pledgers, 2);
	assert_false(st.st.reached);
	assert_false(st.mine);
	sz_node_pledges_free(&st);
	assert_int_equal(sz_node_pledge_sign(nd[D], cl[D], call, true, &at), SZ_OK);
	mesh(MEMBERS);
	for (int i = A; i <= D; i++) {
		assert_int_equal(sz_node_pledge_status(nd[i], cl[i], call, &st), SZ_OK);
		assert_int_equal(st.st.pledgers, 3);
		assert_true(st.st.reached);
		assert_int_equal(st.mine, i != A);
		assert_int_equal(st.nrevealers, 0);
		sz_node_pledges_free(&st);
	}
	/* A never pledged: nothing to reveal; B reveals once */
	assert_int_equal(sz_node_pledge_reveal(nd[A], cl[A], call, NULL), SZ_ERR_NOT_FOUND);
	assert_int_equal(sz_node_pledge_reveal(nd[B], cl[B], call, NULL), SZ_OK);
	assert_int_equal(sz_node_pledge_reveal(nd[B], cl[B], call, NULL), SZ_ERR_EXISTS);
	mesh(MEMBERS);
	assert_int_equal(sz_node_pledge_status(nd[D], cl[D], call, &st), SZ_OK);
	assert_int_equal(st.nrevealers, 1);
	assert_memory_equal(st.revealers[0], nd[B]->id_pk, 32);
	sz_node_pledges_free(&st);
}

static void
test_declare(void **state)
{
	(void)state;
	uint8_t dec[32], local[32];
	char hex[65];
	assert_int_equal(sz_node_declare(nd[A], cl[A], "Open letter", "We demand the release of "
	    "our colleagues.", true, dec), SZ_OK);
	assert_int_equal(sz_node_declare(nd[A], cl[A], "Internal", "Kept here.", false, local),
	    SZ_OK);
	mesh(MEMBERS);
	uint8_t found[32];
	sz_hex_encode(hex, dec, 32);
	hex[12] = '\0';
	for (int i = A; i <= D; i++) {
		assert_int_equal(sz_node_decide_find(nd[i], cl[i], SZ_KIND_DECLARATION, hex, found),
		    SZ_OK);
		assert_memory_equal(found, dec, 32);
	}
	assert_int_equal(sz_node_cosign(nd[B], cl[B], dec, false), SZ_OK);
	assert_int_equal(sz_node_cosign(nd[B], cl[B], dec, false), SZ_ERR_EXISTS);
	assert_int_equal(sz_node_cosign(nd[C], cl[C], dec, false), SZ_OK);
	assert_int_equal(sz_node_cosign(nd[D], cl[D], dec, true), SZ_OK);
	assert_int_equal(sz_node_cosign(nd[D], cl[D], local, true), SZ_ERR_DENIED);
	mesh(MEMBERS);
	sz_node_signatures s;
	for (int i = A; i <= D; i++) {
		assert_int_equal(sz_node_signatures_get(nd[i], hex, &s), SZ_OK);
		assert_true(s.in_cell);
		assert_int_equal(s.res.count, 3);
		assert_int_equal(s.res.rejected, 0);
		sz_node_signatures_free(&s);
	}
	/* E, outside, gets what D publishes: the declaration and D's public signature */
	assert_int_equal(sz_node_signatures_get(nd[E], hex, &s), SZ_ERR_NOT_FOUND);
	push(D, E);
	assert_int_equal(sz_node_signatures_get(nd[E], hex, &s), SZ_OK);
	assert_false(s.in_cell);
	assert_int_equal(s.res.count, 1);
	assert_true(s.res.signers[0].identified);
	assert_memory_equal(s.res.signers[0].key, nd[D]->id_pk, 32);
	assert_int_equal(s.res.signers[0].modes, 2);
	sz_node_signatures_free(&s);
	/* the cell-local declaration never left the cell */
	sz_hex_encode(hex, local, 32);
	hex[12] = '\0';
	assert_int_equal(sz_node_signatures_get(nd[E], hex, &s), SZ_ERR_NOT_FOUND);
}

static int
count_subjects(void *ctx, const sz_node_subject *s)
{
	size_t *k = ctx;
	k[s->kind == SZ_KIND_PROPOSAL ? 0 : s->kind == SZ_KIND_PLEDGE_CALL ? 1 : 2]++;
	return SZ_OK;
}

/* D is removed; D, not yet knowing, votes: the others set its ballot aside.  B's ballot, sealed
 * under an epoch D held, is set aside too until B's node seals it again under a clean one. */
static void
test_removed(void **state)
{
	(void)state;
	const char *labels[] = { "bakery", "library", "park" };
	uint8_t p2[32];
	size_t ring;
	sz_node_vote_out v;
	assert_int_equal(sz_node_propose(nd[A], cl[A], "Where do we meet?", labels, 3,
	    sz_now_ms(nd[A]->env) + 3600 * 1000, p2, &ring), SZ_OK);
	mesh(MEMBERS);
	assert_int_equal(sz_node_vote(nd[B], cl[B], p2, 1, true, &v), SZ_OK);
	mesh(MEMBERS);
	sz_cell_result res = { 0 };
	assert_int_equal(sz_node_cell_apply(nd[A], cl[A], sz_cell_remove(cl[A], nd[D]->id_pk, &res),
	    &res), SZ_OK);
	assert_int_equal(sz_node_vote(nd[D], cl[D], p2, 2, true, &v), SZ_OK);
	push(D, A);
	push(D, B);
	push(D, C);
	exchange(MEMBERS & ~(1u << D), 0);
	sz_node_tally t;
	assert_int_equal(sz_node_tally_run(nd[C], cl[C], p2, &t), SZ_OK);
	assert_int_equal(t.t.voters, 0);
	assert_int_equal(t.set_aside, 2);
	assert_int_equal(t.rc.departed, 1);
	sz_node_tally_free(&t);
	/* B's node notices (a daemon tick, a sync) and seals its ballot again */
	size_t k = 0;
	assert_int_equal(sz_node_pending_run(nd[B], &k), SZ_OK);
	assert_int_equal(k, 5); /* its three ballots on the first proposal (test_vote and
	                         * test_ballot_seal_names_no_one), one on this, its pledge */
	mesh(MEMBERS & ~(1u << D));
	for (int i = A; i <= C; i++) {
		assert_int_equal(sz_node_tally_run(nd[i], cl[i], p2, &t), SZ_OK);
		assert_int_equal(t.t.voters, 1);
		assert_int_equal(t.t.counts[1], 1);
		assert_int_equal(t.t.counts[2], 0);
		assert_int_equal(t.set_aside, 1);
		sz_node_tally_free(&t);
	}
	/* the earlier proposal's ballots were sealed again too and count, but D's */
	assert_int_equal(sz_node_tally_run(nd[A], cl[A], P1, &t), SZ_OK);
	assert_int_equal(t.t.voters, 3);
	assert_int_equal(t.t.counts[0], 2);
	assert_int_equal(t.t.counts[1], 1);
	assert_int_equal(t.set_aside, 1);
	sz_node_tally_free(&t);
	/* and the pledges: without D's the threshold of 3 is no longer reached; B's reveal no
	 * longer holds (an informer's pledge gave no cover) */
	sz_node_pledges st;
	assert_int_equal(sz_node_pledge_status(nd[C], cl[C], call, &st), SZ_OK);
	assert_int_equal(st.st.pledgers, 2);
	assert_false(st.st.reached);
	assert_int_equal(st.set_aside, 1);
	assert_int_equal(st.nrevealers, 0);
	sz_node_pledges_free(&st);
	/* D hears of its removal: its voting key is erased and nothing more is cast */
	char name[80], h[65];
	sz_buf b = { 0 };
	sz_hex_encode(h, sz_cell_id(cl[D]), 32);
	snprintf(name, sizeof name, "%s%s", KV_VOTE_PREFIX, h);
	assert_int_equal(sz_store_kv_get(nd[D]->store, name, &b), SZ_OK);
	sz_buf_free(&b);
	push(A, D);
	assert_int_equal(sz_cell_status(cl[D]), SZ_CELL_REMOVED);
	assert_int_equal(sz_store_kv_get(nd[D]->store, name, &b), SZ_ERR_NOT_FOUND);
	sz_buf_free(&b);
	assert_int_not_equal(sz_node_vote(nd[D], cl[D], p2, 0, true, &v), SZ_OK);
	/* C leaves: its voting key goes too */
	sz_hex_encode(h, sz_cell_id(cl[C]), 32);
	snprintf(name, sizeof name, "%s%s", KV_VOTE_PREFIX, h);
	assert_int_equal(sz_store_kv_get(nd[C]->store, name, &b), SZ_OK);
	sz_buf_free(&b);
	assert_int_equal(sz_node_cell_apply(nd[C], cl[C], sz_cell_leave(cl[C], &res), &res), SZ_OK);
	assert_int_equal(sz_store_kv_get(nd[C]->store, name, &b), SZ_ERR_NOT_FOUND);
	sz_buf_free(&b);
	assert_int_equal(sz_node_vote_ensure(nd[C], cl[C]), SZ_ERR_NOT_MEMBER);
	/* what A lists */
	size_t kinds[3] = { 0 };
	assert_int_equal(sz_node_decisions(nd[A], cl[A], count_subjects, kinds), SZ_OK);
	assert_int_equal(kinds[0], 2);
	assert_int_equal(kinds[1], 1);
	assert_int_equal(kinds[2], 2);
}

/* The queue holds 256 items; released ones whose deadline has passed make room, oldest deadline
 * first; waiting ones never do. */
static void
test_queue_bound(void **state)
{
	(void)state;
	sz_cell *solo;
	uint8_t seed[32], sk[64], pk[32], parent[32], id[32], *e, subject[32];
	size_t len, k = 0;
	assert_int_equal(sz_node_cell_create(nd[E], "solo", &solo), SZ_OK);
	memset(seed, 0x77, 32);
	memset(parent, 0x42, 32);
	assert_int_equal(sz_sign_seed_keypair(pk, sk, seed), SZ_OK);
	assert_int_equal(sz_entry_build(&e, &len, id, SZ_KIND_BALLOT, (const uint8_t(*)[32])parent,
	    1, 1700000000000ull, (const uint8_t *)"not a real ballot", 17, sk), SZ_OK);
	uint64_t now = sz_now_ms(nd[E]->env);
	for (int i = 0; i < SZ_NODE_PENDING_MAX; i++) {
		memset(subject, 0, 32);
		subject[0] = (uint8_t)i;
		/* released at once; deadlines in the past, the first one the oldest */
		assert_int_equal(sz_node_pending_add(nd[E], solo, SZ_KIND_BALLOT, subject, now,
		    now - 1000 + (uint64_t)i, false, e, len), SZ_OK);
	}
	assert_int_equal(sz_node_pending_run(nd[E], &k), SZ_OK);
	assert_int_equal(k, SZ_NODE_PENDING_MAX);
	size_t added = 0;
	uint64_t at;
	for (int i = 0; i < SZ_NODE_PENDING_MAX + 1; i++) {
		memset(subject, 0xff, 32);
		subject[0] = (uint8_t)i;
		int r = sz_node_pending_add(nd[E], solo, SZ_KIND_BALLOT, subject, now + 3600000,
		    now + 7200000, false, e, len);
		if (r != SZ_OK) {
			assert_int_equal(r, SZ_ERR_LIMIT);
			break;
		}
		added++;
		if (i == 0) {
			/* the released one with the oldest deadline (the first queued) went first */
			sz_buf b = { 0 };
			assert_int_equal(sz_store_kv_get(nd[E]->store, KV_PEND_PREFIX "00000001", &b),
			    SZ_ERR_NOT_FOUND);
			assert_int_equal(sz_store_kv_get(nd[E]->store, KV_PEND_PREFIX "00000002", &b),
			    SZ_OK);
			sz_buf_free(&b);
		}
	}
	assert_int_equal(added, SZ_NODE_PENDING_MAX);
	memset(subject, 0xff, 32);
	assert_int_equal(sz_node_pending_find(nd[E], subject, &at), SZ_OK);
	assert_int_equal(at, now + 3600000);
	assert_int_equal(sz_node_pending_drop_cell(nd[E], sz_cell_id(solo)), SZ_OK);
	assert_int_equal(sz_node_pending_find(nd[E], subject, &at), SZ_ERR_NOT_FOUND);
	free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roster),
		cmocka_unit_test(test_vote),
		cmocka_unit_test(test_ballot_seal_names_no_one),
		cmocka_unit_test(test_pledge),
		cmocka_unit_test(test_declare),
		cmocka_unit_test(test_removed),
		cmocka_unit_test(test_queue_bound),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
