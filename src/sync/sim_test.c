/*
 * sim_test.c - the network simulation (sim_testlib.c, simrun_testlib.c) on 500 nodes, so that
 * the figures of docs/bench/sim.md cannot rot: every node that should have a leaflet or a post
 * gets it, no node outside a cell gets its post, no node gets anything in fewer sessions than its
 * distance on the contact graph, every session ends DONE, idle sessions cost what was measured,
 * and the bytes stay within the bounds stated there.  The 10,000-node run is bench/bench_sim.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "sync/sim_int.h"

/* What a session may cost above an idle one and the envelopes it moved (RIBLT symbols past the
 * first batch, DECODED, the ENVELOPES and ACK frames, their Noise tags): docs/bench/sim.md. */
#define EXCESS_MAX 4096

static sz_sim_cfg
small(uint32_t offline_pct)
{
	sz_sim_cfg c;
	sz_sim_defaults(&c);
	c.nodes = 500;
	c.cell_max = 50;
	c.window = 20;
	c.offline_pct = offline_pct;
	c.offline_s = 300;
	c.bg_public = 200;
	c.bg_cell = 50;
	c.warmup_periods = 96;
	c.window_periods = 64;
	c.max_periods = 600;
	c.idle_check = 16;
	c.idle_check_max = 400;
	c.seed = 7;
	return c;
}

static void
check_world(const sz_sim *s)
{
	for (uint32_t v = 0; v < s->n; v++) {
		assert_true(s->ncells[v] >= 1 && s->ncells[v] <= SIM_MAX_CELLS_PER_NODE);
		/* every co-member that publishes an address is a target, once */
		for (uint8_t i = 0; i < s->ncells[v]; i++) {
			uint32_t c = s->cells[v][i];
			for (uint32_t j = s->cell_off[c]; j < s->cell_off[c + 1]; j++) {
				uint32_t u = s->cell_mem[j], seen = 0;
				for (uint32_t e = s->t_off[v]; e < s->t_off[v + 1]; e++)
					seen += s->t_dst[e] == u;
				assert_int_equal(seen, u != v && s->listed[u] ? 1 : 0);
			}
		}
		assert_true(s->tokens[v] >= 256);
	}
	for (uint32_t c = 0; c < s->ncell; c++)
		assert_true(sz_sim_cell_size(s, c) >= s->cfg.cell_min &&
		    sz_sim_cell_size(s, c) <= s->cfg.cell_max);
	assert_true(s->diameter >= 2 && s->diameter != UINT32_MAX);
}

static void
check_run(const sz_sim *s, const sz_sim_report *rep)
{
	sz_sim_world w;
	sz_sim_describe(s, &w);
	assert_int_equal(rep->session_errors, 0);
	assert_int_equal(rep->refused, 0);
	assert_true(rep->idle_checked > 0);
	assert_int_equal(rep->idle_mismatch, 0);
	assert_true(rep->max_session_excess <= EXCESS_MAX);
	/* each node dials each of its targets about once a period, and no more (over a run long
	 * enough that the author's push and the jitter average out) */
	if (rep->seconds >= 10.0 * s->cfg.period_s)
		assert_true(rep->sessions_per_node_period <= 1.1 * w.mean_targets);
	assert_true((double)rep->bytes <= (double)rep->sessions * rep->idle_bytes_max +
	    (double)rep->sessions_real * (EXCESS_MAX + 1024));
	for (uint32_t i = 0; i < rep->nitems; i++) {
		const sz_sim_reach *r = &rep->item[i];
		assert_int_equal(r->reached, r->targets);
		assert_int_equal(r->outsiders, 0);
		assert_int_equal(r->hop_below_bfs, 0);
		assert_true(r->t100_s >= r->t99_s && r->t99_s >= r->t50_s && r->t50_s >= 0);
		assert_true(r->hop50 >= r->bfs50 && r->hop99 >= r->bfs99 && r->hop100 >= r->bfs100);
		/* nobody gets anything before it is online */
		assert_true(r->t50_s >= r->up50_s && r->t99_s >= r->up99_s && r->t100_s >= r->up100_s);
		assert_true(r->bfs100 >= 1 && r->bfs100 <= r->diameter);
		assert_true(r->sessions >= r->targets - 1);
		assert_true(r->marginal_bytes >= (uint64_t)(r->targets - 1) * 1024);
	}
}

static void
scenario(uint32_t offline_pct)
{
	sz_sim_cfg cfg = small(offline_pct);
	sz_sim *s = sz_sim_new(&cfg);
	assert_non_null(s);
	check_world(s);
	sz_sim_world w;
	sz_sim_describe(s, &w);
	sz_sim_item items[4] = { { -1 }, { (int32_t)w.smallest_cell }, { (int32_t)w.median_cell },
		{ (int32_t)w.largest_cell } };
	sz_sim_report rep;
	assert_int_equal(sz_sim_run(s, items, 4, &rep), SZ_OK);
	check_run(s, &rep);
	for (uint32_t i = 0; i < rep.nitems; i++)
		print_message("offline %u%%: item %u to %u: %.0f/%.0f/%.0f s, hops %u/%u/%u (bfs %u/%u/%u, "
		    "diameter %u), %llu sessions, %llu bytes\n", offline_pct, i, rep.item[i].targets,
		    rep.item[i].t50_s, rep.item[i].t99_s, rep.item[i].t100_s, rep.item[i].hop50,
		    rep.item[i].hop99, rep.item[i].hop100, rep.item[i].bfs50, rep.item[i].bfs99,
		    rep.item[i].bfs100, rep.item[i].diameter, (unsigned long long)rep.item[i].sessions,
		    (unsigned long long)rep.item[i].marginal_bytes);
	print_message("offline %u%%: %.0f s, %llu sessions (%llu real, %llu idle checked), "
	    "%.0f B/node/period, cpu %.1f s\n", offline_pct, rep.seconds,
	    (unsigned long long)rep.sessions, (unsigned long long)rep.sessions_real,
	    (unsigned long long)rep.idle_checked, rep.bytes_per_node_period, rep.cpu_s);
	/* the same seed, the same run */
	if (offline_pct == 0) {
		sz_sim_report again;
		assert_int_equal(sz_sim_run(s, items, 4, &again), SZ_OK);
		assert_int_equal(again.bytes, rep.bytes);
		assert_int_equal(again.sessions, rep.sessions);
		assert_true(again.seconds == rep.seconds);
		assert_true(again.item[3].t100_s == rep.item[3].t100_s);
	}
	sz_sim_free(s);
}

/* The idle backoff (docs/PROTOCOL.md §8): with nothing new, the catch-up sessions cost at
 * least 10 times less than a sync with every target every period, and what is published still
 * reaches everyone soon (the pushes carry it; nodes nobody dials ask at most idle_cap_unlisted
 * periods apart).  printed: both runs' figures. */
static void
test_idle_backoff(void **state)
{
	(void)state;
	sz_sim_report before, after;
	sz_sim_world w;
	for (int k = 0; k < 2; k++) {
		sz_sim_cfg cfg = small(0);
		if (k == 0) { /* the daemon before idle backoff */
			cfg.idle_cap = cfg.idle_cap_unlisted = 1;
			cfg.no_heard = true;
		}
		sz_sim *s = sz_sim_new(&cfg);
		assert_non_null(s);
		sz_sim_describe(s, &w);
		sz_sim_item items[2] = { { -1 }, { (int32_t)w.median_cell } };
		sz_sim_report *rep = k == 0 ? &before : &after;
		assert_int_equal(sz_sim_run(s, items, 2, rep), SZ_OK);
		check_run(s, rep);
		print_message("idle cap %u/%u: %.1f sessions and %.0f B per node per period idle; "
		    "leaflet %.1f/%.1f/%.1f s, post %.1f/%.1f/%.1f s\n", cfg.idle_cap,
		    cfg.idle_cap_unlisted, rep->window_sessions_per_node_period,
		    rep->window_bytes_per_node_period, rep->item[0].t50_s, rep->item[0].t99_s,
		    rep->item[0].t100_s, rep->item[1].t50_s, rep->item[1].t99_s, rep->item[1].t100_s);
		sz_sim_free(s);
	}
	/* without backoff, each node dials each target once a period */
	assert_true(before.window_sessions_per_node_period >= 0.9 * w.mean_targets &&
	    before.window_sessions_per_node_period <= 1.1 * w.mean_targets);
	/* with it, ten times less at least */
	assert_true(after.window_bytes * 10 <= before.window_bytes);
	assert_true(after.window_sessions_per_node_period * 10 <= w.mean_targets);
	/* and delivery: half in seconds (the pushes), everyone within the unlisted cap */
	for (int i = 0; i < 2; i++) {
		assert_true(after.item[i].t50_s <= 10.0);
		assert_true(after.item[i].t100_s <= 1.25 * 4 * 60);
	}
}

static void
test_no_churn(void **state)
{
	(void)state;
	scenario(0);
}

static void
test_churn(void **state)
{
	(void)state;
	scenario(30);
}

/* A cell post never leaves its cell, even when the only way between two members runs through
 * nodes outside it: a world with no second cells and no unlisted nodes keeps each cell a clique
 * (diameter 1), and its post still reaches every member and nobody else. */
static void
test_cell_clique(void **state)
{
	(void)state;
	sz_sim_cfg cfg = small(0);
	cfg.nodes = 200;
	cfg.second_pct = 0;
	cfg.third_pct = 0;
	cfg.unlisted_pct = 0;
	cfg.idle_check = 4;
	sz_sim *s = sz_sim_new(&cfg);
	assert_non_null(s);
	sz_sim_world w;
	sz_sim_describe(s, &w);
	sz_sim_item it = { (int32_t)w.largest_cell };
	sz_sim_report rep;
	assert_int_equal(sz_sim_run(s, &it, 1, &rep), SZ_OK);
	check_run(s, &rep);
	assert_int_equal(rep.item[0].diameter, 1);
	assert_true(rep.item[0].exact_diameter);
	assert_true(rep.item[0].t100_s <= 1.0); /* the author's push reaches everyone */
	sz_sim_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cell_clique),
		cmocka_unit_test(test_idle_backoff),
		cmocka_unit_test(test_no_churn),
		cmocka_unit_test(test_churn),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
