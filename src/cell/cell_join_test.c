/*
 * cell_join_test.c - joins that cost the members already in a cell O(1) (docs/joins.md): the
 * welcome's member states against the add-ack items, newcomers following members whose recent
 * steps their adder had not seen, lurkers through many joins.  Deterministic in-memory network
 * (cell_testnet.h), many seeds.
 */
#include "cell/cell_testnet.h"
#include "cell/cell_int.h"

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

int
main(void)
{
	if (sz_init() != SZ_OK)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_newcomer_follows_welcome),
		cmocka_unit_test(test_concurrent_step_item),
		cmocka_unit_test(test_fold_unseen_by_adder),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
