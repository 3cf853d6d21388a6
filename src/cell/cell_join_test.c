/*
 * cell_join_test.c - joins that cost the members already in a cell O(1) (docs/joins.md): the
 * welcome's member states against the add-ack items, newcomers following members whose recent
 * steps their adder had not seen, lurkers through many joins.  Deterministic in-memory network
 * (cell_testnet.h), many seeds.
 */
#include "cell/cell_testnet.h"
#include "cell/cell_int.h"

/* Members with open windows (they posted after an update, so their ratchets took folds the
 * adder applied from their posts) and a newcomer: where the welcome's states lead the
 * newcomer, each member's add-ack item must agree, and the newcomer reads every member. */
static void
test_welcome_states_agree(void **state)
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
		assert_true(w->n[5].c->follow_agree > 0);
		assert_int_equal(w->n[5].c->follow_differ, 0);
		net_free(w);
	}
}

int
main(void)
{
	if (sz_init() != SZ_OK)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_welcome_states_agree),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
