/*
 * sim_testlib.h - a network of many nodes in one process, synced by the real session state
 * machine (sz_sync: Noise XX, HELLO tokens, compact RIBLT, ENVELOPES/ACK, FIN) between in-memory
 * id sets, on the automatic sync's schedule, over a contact graph with churn.  Linked into the
 * sync layer's unit tests (sim_test.c) and into bench/bench_sim.c, never into the library.
 * The model and what it leaves out: docs/bench/sim.md.
 *
 * A node holds the ids of a shared background (every node already has them: bytes of a session
 * do not depend on them, its CPU does) and the items published during a run.  Its contacts are
 * what the real daemon's targets are (docs/PROTOCOL.md §8, Automatic sync): the nodes of the
 * members of its cells that publish an address, and a short peers list.  A session between two
 * nodes shares the public label and the labels of the cells both are members of, by the real
 * token match.  Time is simulated: a session takes no time; each (node, target) pair is synced
 * on autosync's schedule, by the same functions (lib/backoff.h): every period jittered by +-25 %,
 * doubled after each session in a row that moved nothing (either side dialling) up to a cap,
 * retried after a failure with its backoff; an author's node pushes to its targets within a
 * second of publishing, and a node that receives an item pushes it on (forwarding push).
 */
#ifndef SZ_SYNC_SIM_TESTLIB_H
#define SZ_SYNC_SIM_TESTLIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "samizdat.h"

typedef struct sz_sim_cfg {
	uint32_t nodes;          /* [10,000] */
	uint32_t cell_min;       /* a cell's size before second memberships, drawn with P(s) ~
	                          * 1/s^2 in [cell_min, cell_max] [10, 200]; no cell grows past
	                          * cell_max */
	uint32_t cell_max;
	uint32_t second_pct;     /* % of nodes also in a second cell [40] ... */
	uint32_t third_pct;      /* ... and in a third [10] */
	uint32_t far_pct;        /* % of those cells and of peers drawn anywhere, not nearby [10] */
	uint32_t peers;          /* peers-list entries per node (leaflets only) [2] */
	uint32_t window;         /* nearby: within +-window places on the ring [50] */
	uint32_t unlisted_pct;   /* % of nodes whose records name no address (never dialled by
	                          * their cells; they dial out) [10] */
	uint32_t offline_pct;    /* share of nodes offline at any time [0] */
	uint32_t offline_s;      /* mean offline stint, seconds (exponential) [600] */
	uint32_t bg_public;      /* leaflets every node already holds [1,000] */
	uint32_t bg_cell;        /* envelopes of each cell its members already hold [250] */
	uint32_t period_s;       /* autosync's period [60] */
	uint32_t warmup_periods; /* run before publishing, so churn and backoff settle [128] ... */
	uint32_t window_periods; /* ... the last this many of them measure idle traffic [64] */
	uint32_t idle_cap;       /* after idle sessions the period doubles up to this many periods
	                          * (autosync's SZ_AUTOSYNC_IDLE_CAP) [32]; 1: never (the daemon
	                          * before it) */
	uint32_t idle_cap_unlisted; /* the same for a node nobody dials [4] */
	bool no_forward;         /* what if: received items are not pushed on (the daemon before
	                          * forwarding push) [false] */
	bool no_heard;           /* what if: a session the target began does not count as a sync
	                          * with it (the daemon before idle backoff) [false] */
	uint32_t fanout;         /* what if: a node syncs with about this many of its targets a
	                          * period (each target every period * targets / fanout) [0: all
	                          * of them every period, as the daemon does] */
	uint32_t max_periods;    /* give up this long after publishing [2,000] */
	uint32_t idle_check;     /* run one idle session in this many for real [64], at most
	                          * idle_check_max in a run [256]; the others are counted at the
	                          * bytes a real one of that pair of HELLO sizes measured (they
	                          * move nothing) */
	uint32_t idle_check_max;
	uint64_t seed;           /* everything follows from it */
} sz_sim_cfg;

typedef struct sz_sim sz_sim;

/* The defaults (in brackets above), for a caller to change what it studies. */
void sz_sim_defaults(sz_sim_cfg *cfg);
/* Build the world of cfg.  NULL if out of memory or cfg makes no world (a cell smaller than 2 or
 * larger than the network, a percentage past 100, everyone offline, a zero period). */
sz_sim *sz_sim_new(const sz_sim_cfg *cfg);
void sz_sim_free(sz_sim *s);

/* What a run publishes: a leaflet (cell < 0), or a post in cell (an index, sz_sim_cells). */
typedef struct sz_sim_item {
	int32_t cell;
} sz_sim_item;

#define SZ_SIM_MAX_ITEMS 4

/* What one item needed to reach its nodes (every node for a leaflet, the cell's members for a
 * post).  "At x %": when ceil(x % of them) held it.  Times from the moment it was published. */
typedef struct sz_sim_reach {
	uint32_t targets;          /* nodes that should get it */
	uint32_t reached;          /* that got it */
	uint32_t author;
	double t50_s, t99_s, t100_s;          /* -1: not reached */
	uint32_t hop50, hop99, hop100;        /* sessions on the path that brought it: percentile */
	uint32_t bfs50, bfs99, bfs100;        /* the same percentiles of the BFS distance from the
	                                       * author on the contact graph (posts: the cell's
	                                       * subgraph): a lower bound of the hops */
	uint32_t diameter;                    /* of that graph, or a lower bound (exact_diameter) */
	bool exact_diameter;
	uint64_t sessions;                    /* sessions that moved it */
	uint64_t marginal_bytes;              /* what those sessions cost above an idle session of
	                                       * the same two HELLO sizes (split by envelope when
	                                       * one moved several items) */
	double up50_s, up99_s, up100_s;       /* when that share of them had been online since
	                                       * publication (0 for those online then): the
	                                       * lower bound churn sets, whatever the sync does */
	uint32_t hop_below_bfs;               /* nodes reached in fewer hops than their distance:
	                                       * must be 0 */
	uint32_t outsiders;                   /* nodes outside the cell holding a post: must be 0 */
} sz_sim_reach;

typedef struct sz_sim_report {
	uint32_t nitems;
	sz_sim_reach item[SZ_SIM_MAX_ITEMS];
	/* every session from publication to the end (the last item's 100 %, or the cap) */
	double seconds;                 /* simulated */
	uint64_t sessions;              /* went through */
	uint64_t sessions_real;         /* of them run for real (all that moved something, and the
	                                 * idle ones checked) */
	uint64_t idle_checked;          /* idle sessions run for real and compared */
	uint64_t idle_mismatch;         /* of them, more than 16 bytes from the measured ones (RIBLT
	                                 * writes some lengths as varints) or moving something:
	                                 * must be 0 */
	uint64_t dial_failures;         /* a target was offline */
	uint64_t session_errors;        /* a real session that did not end DONE: must be 0 */
	uint64_t refused;               /* envelopes a store refused as not under a shared label:
	                                 * must be 0 */
	uint64_t bytes;                 /* on the wire, both directions, every session */
	uint64_t max_session_excess;    /* the largest (bytes - idle bytes - envelope bytes moved) of
	                                 * a session that moved something */
	double bytes_per_node_period;   /* bytes / nodes / periods */
	double sessions_per_node_period;
	uint32_t idle_bytes_min, idle_bytes_max; /* an idle session, by HELLO sizes */
	/* the window before publication (window_periods, after the rest of the warmup): nothing
	 * new, only the schedule's catch-up sessions; counted like bytes */
	double window_s;
	uint64_t window_sessions, window_bytes;
	double window_bytes_per_node_period;    /* window_bytes / nodes / periods */
	uint64_t window_end_bytes[2];           /* bytes of the window's sessions counted at each
	                                         * end: [0] unlisted nodes', [1] listed nodes' */
	uint32_t nodes_by_listing[2];           /* how many of each */
	double window_sessions_per_node_period;
	double cpu_s;                   /* CPU time of the run (its thread's) */
} sz_sim_report;

/* Run from a fresh start under cfg.seed: warm up, publish items (n <= SZ_SIM_MAX_ITEMS, each
 * by an online node: a leaflet's author anywhere, a post's in its cell) and run until each
 * reached all its nodes or max_periods passed.  Returns 0 or an sz_err. */
int sz_sim_run(sz_sim *s, const sz_sim_item *items, size_t n, sz_sim_report *rep);

/* The world, for reports. */
typedef struct sz_sim_world {
	uint32_t nodes, cells, smallest, largest, median_cell; /* median_cell: an index */
	uint32_t smallest_cell, largest_cell;                  /* indexes */
	uint64_t targets;          /* (node, target) pairs: sessions per period with no churn */
	double mean_targets;
	uint32_t max_targets;
	uint32_t diameter;         /* of the contact graph: a lower bound (double sweep) */
	uint32_t tokens_min, tokens_max; /* HELLO tokens */
} sz_sim_world;

void sz_sim_describe(const sz_sim *s, sz_sim_world *w);
/* The size of cell c. */
uint32_t sz_sim_cell_size(const sz_sim *s, uint32_t c);

#endif /* SZ_SYNC_SIM_TESTLIB_H */
