/*
 * cell_join_test.c - joins that cost the members already in a cell O(1) (docs/joins.md): the
 * welcome's member states against the add-ack items, newcomers following members whose recent
 * steps their adder had not seen, lurkers through many joins.  Deterministic in-memory network
 * (cell_testnet.h), many seeds.
 */
#include "cell/cell_testnet.h"
#include "cell/cell_int.h"
#include "cell/cell_bigcell.h"

/* Members with open windows (they posted after an update, so their ratchets took folds the
 * adder applied from their posts) and a newcomer: it follows every member from the states its
 * welcome gave, with no item from anyone (a join costs the others no direct message). */
static void
test_newcomer_follows_welcome(void **state)
{
	(void)state;
	for (int s = 1; s <= nseeds(); s++) {
		net *w = group(6, 5, (uint64_t)s);
		sz_cell_result res = { 0 };
		assert_int_equal(sz_cell_update(w->n[2].c, &res), SZ_OK);
		net_take(w, 2, &res);
		run(w);
		for (int i = 0; i < 5; i++) {
			char text[32];
			snprintf(text, sizeof text, "before the join %d", i);
			post(w, i, text);
		}
		run(w);
		add(w, 1, 5);
		run(w);
		all_read_all(w, "after the join");
		assert_int_equal(w->n[5].c->follow_agree + w->n[5].c->follow_differ, 0);
		net_free(w);
	}
}

/* A member updates while another adds a newcomer (neither saw the other's op): the newcomer's
 * welcome cannot lead it through that update (it got no seed of it), so the member sends its
 * ratchet in the item of its add fold, and the newcomer reads it from there. */
static void
test_concurrent_step_item(void **state)
{
	(void)state;
	for (int s = 1; s <= nseeds(); s++) {
		net *w = group(5, 4, (uint64_t)s);
		sz_cell_result r1 = { 0 };
		assert_int_equal(sz_cell_update(w->n[1].c, &r1), SZ_OK);
		add(w, 0, 4);
		net_take(w, 1, &r1);
		run(w);
		assert_true(mset_has(&w->n[1].c->resync, (unsigned)sz_cellm_find(w->n[1].c,
		    w->n[4].pk)));
		all_read_all(w, "after update||add");
		assert_true(w->n[4].c->follow_agree + w->n[4].c->follow_differ >= 1);
		net_free(w);
	}
}

/* A member folds an update and posts; the adder has not seen that post when it adds the
 * newcomer, so its view of the member (given in the welcome) stops before the fold.  The
 * welcome's member-secret root of the update leads the newcomer through it: it reads the
 * member's next post with no item. */
static void
test_fold_unseen_by_adder(void **state)
{
	(void)state;
	for (int s = 1; s <= nseeds(); s++) {
		net *w = group(5, 4, (uint64_t)s);
		all_read_all(w, "settle");
		sz_cell_result res = { 0 };
		assert_int_equal(sz_cell_update(w->n[3].c, &res), SZ_OK);
		net_take(w, 3, &res);
		run(w);
		post(w, 2, "folded, unseen by the adder");
		int k = w->nlog - 1;
		for (int i = 1; i < 4; i++)
			if (i != 2)
				assert_int_equal(deliver(w, i, k), 1);
		w->n[0].got[k] = 1; /* the adder gets it only after the add */
		add(w, 0, 4);
		run(w);
		assert_int_equal(deliver(w, 0, k), 1);
		assert_int_equal(w->n[2].c->resync.w[0], 0);
		post(w, 2, "after the join");
		run(w);
		assert_true(has_body(&w->n[4], "after the join"));
		assert_int_equal(w->n[4].c->follow_agree + w->n[4].c->follow_differ, 0);
		all_read_all(w, "all");
		net_free(w);
	}
}

/* Past CELL_HEAL_AT_ONCE members a newcomer's first op is "joined" (an ACK op with nothing in
 * it): a lurker (member 1, who never posts) then goes through 100 joins and sends nothing, not
 * one ACK op; each join costs it two envelopes (the add, the newcomer's first op). */
static void
test_lurker_through_joins(void **state)
{
	(void)state;
	big *g = big_new();
	while (g->n < CELL_HEAL_AT_ONCE + 2)
		big_join(g);
	int before = g->sent[1];
	for (int j = 0; j < 100; j++) {
		int z = g->n;
		big_join(g);
		assert_int_equal(g->sent[z], 1); /* its first op only: no seeds, no update */
		assert_true(g->c[z]->heal_due);
	}
	assert_int_equal(g->sent[1], before);
	assert_int_equal(g->c[1]->npend + g->c[1]->m[g->c[1]->me].nwin <= CELL_WINDOW, 1);
	big_free(g);
}

/* The price of (c), and its bound (docs/THREAT_MODEL.md): until its update, a newcomer's chain
 * is as secret as its adder's ratchet at the add.  A copy of a member's state taken after the
 * add (an adversary that keeps it and gets the envelopes) derives the newcomer's ratchet as the
 * members do and reads its posts while it can open their seal.  Any update the copy cannot
 * follow (here the member's own, which also takes the seal from it) heals the newcomer's chain
 * once the newcomer folds it; the newcomer's own update comes before its 17th post whatever
 * others do.  After both, the copy reads nothing and its view of the newcomer is wrong. */
static void
test_newcomer_heals_at_update(void **state)
{
	(void)state;
	big *g = big_new();
	while (g->n < CELL_HEAL_AT_ONCE + 4)
		big_join(g);
	int z = g->n - 1;
	g->keep[z] = 1;
	uint8_t *st;
	size_t stl;
	sz_cell *copy;
	assert_int_equal(sz_cell_serialize(g->c[1], &st, &stl), SZ_OK);
	assert_int_equal(sz_cell_deserialize(&copy, &g->env[1].env, st, stl), SZ_OK);
	sodium_memzero(st, stl);
	free(st);
	int iz = sz_cellm_find(copy, g->pk[z]);
	assert_true(iz >= 0 && copy->m[iz].rk_known);
	sz_cell_result r = { 0 };
	char text[32];
	int copy_read = 0;
	for (int p = 1; p <= CELL_HEAL_POSTS + 1; p++) {
		if (p == 5) { /* the member heals itself: the copy loses the seal */
			assert_int_equal(sz_cell_update(g->c[1], &r), SZ_OK);
			big_flood(g, &r, 1);
		}
		if (p == 4) /* so far the copy follows the newcomer's ratchet as the member does */
			assert_int_equal(sodium_memcmp(copy->m[iz].rk, g->c[1]->m[iz].rk, 32), 0);
		snprintf(text, sizeof text, "post %d", p);
		assert_int_equal(sz_cell_post(g->c[z], SZ_KIND_POST, (const uint8_t *)text,
		    strlen(text), NULL, 0, NULL, &r), SZ_OK);
		assert_int_equal(r.nout, p == CELL_HEAL_POSTS + 1 ? 2 : 1); /* its update, then */
		for (size_t k = 0; k < r.nout; k++) {
			sz_cell_result cr = { 0 }, lr = { 0 };
			int rc = sz_cell_receive(copy, r.out[k], r.outlen[k], &cr);
			assert_true(rc == SZ_OK || rc == SZ_ERR_NOT_FOUND || rc == SZ_ERR_DECRYPT);
			assert_int_equal(sz_cell_receive(g->c[1], r.out[k], r.outlen[k], &lr), SZ_OK);
			if (k + 1 == r.nout) {
				assert_true(got_post(&lr, text)); /* the member reads every post */
				copy_read += got_post(&cr, text);
				assert_true(p < 5 || !got_post(&cr, text));
			}
			sz_cell_result_free(&cr);
			sz_cell_result_free(&lr);
		}
		sz_cell_result_free(&r);
	}
	assert_int_equal(copy_read, 4); /* the price: what it could open, it read */
	assert_false(g->c[z]->heal_due);
	assert_true(sodium_memcmp(copy->m[iz].rk, g->c[1]->m[iz].rk, 32) != 0); /* healed */
	sz_cell_free(copy);
	big_free(g);
}

int
main(void)
{
	if (sz_init() != SZ_OK)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_newcomer_follows_welcome),
		cmocka_unit_test(test_concurrent_step_item),
		cmocka_unit_test(test_fold_unseen_by_adder),
		cmocka_unit_test(test_lurker_through_joins),
		cmocka_unit_test(test_newcomer_heals_at_update),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
