/*
 * bench_sim.c - 10,000 nodes in one process (src/sync/sim_testlib.h): how many periods, sessions
 * and bytes a leaflet and a cell post need to reach 50 %, 99 % and 100 % of the nodes that should
 * have them, with 0, 20 and 50 % of the nodes offline, on the daemon's schedule (idle backoff,
 * forwarding push) and on the schedule before idle backoff (every target every period), against
 * the BFS lower bound on the contact graph, and what catch-up costs when nothing is new (the
 * idle window before publication).  Every session that moves something is the real sz_sync on both sides (Noise XX, HELLO
 * tokens, RIBLT, ENVELOPES/ACK, FIN), bytes through memory, no sockets.  `make bench`; the table
 * and what it means: docs/bench/sim.md.  Usage: bench_sim [nodes [offline% ...]]; what-ifs in
 * the environment: SZ_SIM_IDLE_CAP=C/U (the caps, listed/unlisted), SZ_SIM_FANOUT=N,
 * SZ_SIM_NO_BEFORE (skip the runs of the schedule before idle backoff).
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "samizdat.h"
#include "sync/sim_testlib.h"

static double
wall_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* Periods to that share, and the bound churn sets (when that share had been online). */
static void
cell(double t_s, double up_s, double period_s)
{
	if (t_s < 0)
		printf(" | never");
	else
		printf(" | %.2f (%.2f)", t_s / period_s, up_s / period_s);
}

static int
row(const char *what, const sz_sim_reach *r, const char *scenario, double period_s)
{
	printf("| %s | %s (%u) | %u%s / %u", scenario, what, r->targets,
	    r->diameter, r->exact_diameter ? "" : "+", r->bfs100);
	cell(r->t50_s, r->up50_s, period_s);
	cell(r->t99_s, r->up99_s, period_s);
	cell(r->t100_s, r->up100_s, period_s);
	printf(" | %u / %u / %u (%u / %u / %u) | %llu | %.2f MiB, %.2f KiB |\n", r->hop50,
	    r->hop99, r->hop100, r->bfs50, r->bfs99, r->bfs100, (unsigned long long)r->sessions,
	    (double)r->marginal_bytes / 1048576.0,
	    (double)r->marginal_bytes / (r->targets > 1 ? r->targets - 1 : 1) / 1024.0);
	return r->reached == r->targets && r->outsiders == 0 && r->hop_below_bfs == 0 ? 0 : 1;
}

static int
checks(const sz_sim_report *rep)
{
	return rep->session_errors == 0 && rep->refused == 0 && rep->idle_mismatch == 0 ? 0 : 1;
}

static void
totals(const char *what, const sz_sim_report *rep, double period_s)
{
	double days = rep->window_s / 86400.0, gib = 1073741824.0;
	printf("    %s: idle window %.0f s: %.2f sessions and %.1f KiB per node per period, a node's "
	    "traffic %.3f GiB a day (listed %.3f, unlisted %.3f)\n", what, rep->window_s,
	    rep->window_sessions_per_node_period, rep->window_bytes_per_node_period / 1024.0,
	    2.0 * rep->window_bytes_per_node_period * (86400.0 / period_s) / gib,
	    rep->nodes_by_listing[1] ? rep->window_end_bytes[1] / days / rep->nodes_by_listing[1] /
	    gib : 0.0, rep->nodes_by_listing[0] ? rep->window_end_bytes[0] / days /
	    rep->nodes_by_listing[0] / gib : 0.0);
	printf("    %s: %.0f s simulated, %llu sessions (%.2f per node per period), %llu run for real "
	    "(%llu of them idle, checked), %llu dials to offline nodes, %.2f GiB in all, %.1f KiB per "
	    "node per period, "
	    "an idle session %u..%u B, largest excess of a session %llu B, errors %llu, refused "
	    "%llu, idle mismatches %llu, cpu %.1f s\n", what, rep->seconds, (unsigned long long)rep->sessions,
	    rep->sessions_per_node_period, (unsigned long long)rep->sessions_real,
	    (unsigned long long)rep->idle_checked, (unsigned long long)rep->dial_failures,
	    (double)rep->bytes / 1073741824.0, rep->bytes_per_node_period / 1024.0, rep->idle_bytes_min, rep->idle_bytes_max,
	    (unsigned long long)rep->max_session_excess,
	    (unsigned long long)rep->session_errors, (unsigned long long)rep->refused,
	    (unsigned long long)rep->idle_mismatch, rep->cpu_s);
}

typedef struct job {
	sz_sim_cfg cfg;
	char label[64];
	sz_sim_item items[4];
	sz_sim_report rep;
	int rc;
} job;

typedef struct queue {
	job *jobs;
	int n, next;
	pthread_mutex_t mu;
} queue;

/* Take the next run and do it, until none is left: each in a world of its own. */
static void *
worker(void *arg)
{
	queue *q = arg;
	for (;;) {
		pthread_mutex_lock(&q->mu);
		int k = q->next < q->n ? q->next++ : -1;
		pthread_mutex_unlock(&q->mu);
		if (k < 0)
			return NULL;
		job *j = &q->jobs[k];
		sz_sim *s = sz_sim_new(&j->cfg);
		j->rc = s == NULL ? SZ_ERR_NOMEM : sz_sim_run(s, j->items, 4, &j->rep);
		sz_sim_free(s);
	}
}

int
main(int argc, char **argv)
{
	uint32_t nodes = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 10000;
	uint32_t offline[8] = { 0, 20, 50 };
	int noff = 3, bad = 0;
	if (argc > 2) {
		noff = 0;
		for (int i = 2; i < argc && noff < 8; i++)
			offline[noff++] = (uint32_t)strtoul(argv[i], NULL, 10);
	}
	if (sz_init() != SZ_OK)
		return 1;
	double w0 = wall_s();
	sz_sim_cfg cfg;
	sz_sim_defaults(&cfg);
	cfg.nodes = nodes;
	cfg.idle_check = 1024;
	cfg.idle_check_max = 200;
	cfg.seed = 2026;
	sz_sim *s = sz_sim_new(&cfg);
	if (s == NULL)
		return 1;
	sz_sim_world w;
	sz_sim_describe(s, &w);
	printf("world: %u nodes, %u cells of %u..%u members, %.1f targets per node (at most %u), "
	    "%llu (node, target) pairs, HELLO %u..%u tokens, contact graph diameter >= %u, built in "
	    "%.1f s\n", w.nodes, w.cells, w.smallest, w.largest, w.mean_targets, w.max_targets,
	    (unsigned long long)w.targets, w.tokens_min, w.tokens_max, w.diameter, wall_s() - w0);
	printf("\n| offline | item (nodes) | diameter / eccentricity | periods to 50 %% (churn bound) | "
	    "99 %% | 100 %% | hops 50/99/100 (BFS bound) | sessions that moved it | "
	    "their cost above idle: in all, per node reached |\n"
	    "|---|---|---|---|---|---|---|---|---|\n");
	/* one run per churn level (and the fanout what-if, with none offline, last), two at a time
	 * on two threads (a world each): a leaflet and posts in the smallest, the median and the
	 * largest cell, published at the same moment */
	const char *caps = getenv("SZ_SIM_IDLE_CAP"), *fan = getenv("SZ_SIM_FANOUT");
	if (caps != NULL && sscanf(caps, "%u/%u", &cfg.idle_cap, &cfg.idle_cap_unlisted) != 2)
		return 2;
	if (fan != NULL)
		cfg.fanout = (uint32_t)strtoul(fan, NULL, 10);
	job jobs[16];
	int njobs = 0;
	bool only_after = getenv("SZ_SIM_NO_BEFORE") != NULL;
	for (int k = 0; k < 2 * noff; k++) {
		bool before = k % 2 == 1;
		if (before && only_after)
			continue;
		job *j = &jobs[njobs++];
		j->cfg = cfg;
		j->cfg.offline_pct = offline[k / 2];
		if (before) { /* the daemon before idle backoff: every target every period */
			j->cfg.idle_cap = j->cfg.idle_cap_unlisted = 1;
			j->cfg.no_heard = true;
		}
		snprintf(j->label, sizeof j->label, "%u %%%s", j->cfg.offline_pct,
		    before ? ", before" : "");
		j->items[0] = (sz_sim_item){ -1 };
		j->items[1] = (sz_sim_item){ (int32_t)w.smallest_cell };
		j->items[2] = (sz_sim_item){ (int32_t)w.median_cell };
		j->items[3] = (sz_sim_item){ (int32_t)w.largest_cell };
		j->rc = -1;
	}
	queue q = { jobs, njobs, 0, PTHREAD_MUTEX_INITIALIZER };
	pthread_t th[2];
	int nth = 0;
	for (int i = 0; i < 2; i++)
		if (pthread_create(&th[nth], NULL, worker, &q) == 0)
			nth++;
	if (nth == 0)
		worker(&q);
	for (int i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	for (int k = 0; k < njobs; k++) {
		const job *j = &jobs[k];
		const char *label = j->label;
		if (j->rc != SZ_OK) {
			printf("| %s | the run failed: %d |\n", label, j->rc);
			bad = 1;
			continue;
		}
		bad |= row("leaflet", &j->rep.item[0], label, cfg.period_s);
		bad |= row("post, smallest cell", &j->rep.item[1], label, cfg.period_s);
		bad |= row("post, median cell", &j->rep.item[2], label, cfg.period_s);
		bad |= row("post, largest cell", &j->rep.item[3], label, cfg.period_s);
		bad |= checks(&j->rep);
	}
	printf("\n");
	for (int k = 0; k < njobs; k++)
		if (jobs[k].rc == SZ_OK)
			totals(jobs[k].label, &jobs[k].rep, cfg.period_s);
	sz_sim_free(s);
	printf("\nwall time %.0f s%s\n", wall_s() - w0, bad ? "; SOME INVARIANT FAILED" : "");
	return bad;
}
