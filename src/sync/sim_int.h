/*
 * sim_int.h - the inside of the simulated network (sim_testlib.c builds the world, simrun_testlib.c
 * runs sessions over it).  Layer: sync, tests and benches only.  Not for other modules.
 */
#ifndef SZ_SYNC_SIM_INT_H
#define SZ_SYNC_SIM_INT_H

#include "lib/env.h"
#include "sync/sim_testlib.h"

#define SIM_MAX_CELLS_PER_NODE 3

struct sz_sim {
	sz_sim_cfg cfg;
	uint32_t n;
	/* nodes */
	uint32_t (*cells)[SIM_MAX_CELLS_PER_NODE];
	uint8_t *ncells;
	uint8_t *listed;       /* its records name an address: its cells' members dial it */
	uint16_t *tokens;      /* tokens in its HELLO: max(256, next power of two of its offers) */
	uint8_t (*sk)[32];     /* transport keys */
	uint8_t (*pk)[32];
	uint8_t *pk_known;     /* pk computed (lazily: one X25519 base multiplication each) */
	/* cells: members as CSR, the sync label, the epoch scope its posts are sealed under */
	uint32_t ncell;
	uint32_t *cell_off, *cell_mem;
	uint8_t (*label)[16];
	uint8_t (*escope)[16];
	/* the background every node holds: bg_public leaflet ids, then bg_cell per cell */
	uint8_t (*bg)[32];
	/* targets (what the node's autosync dials), CSR by the dialling node */
	uint32_t *t_off, *t_dst;
	uint8_t *t_keyed;      /* a member's node (pinned to its key), else a peers-list address */
	size_t nedges;
	/* the contact graph, undirected (an edge either way), CSR, for BFS */
	uint32_t *a_off, *a_adj;
	uint8_t pub[16];       /* the public leaflet scope, its own label */
	uint8_t key_seed[32];  /* pair keys and transport keys of this world */
	uint32_t diameter;     /* of the contact graph: a lower bound (double sweeps) */
};

/* splitmix64: the model's randomness (not a secret: who syncs when, who is offline). */
uint64_t sz_sim_rand(uint64_t *st);
/* Uniform in [0, 1). */
double sz_sim_unit(uint64_t *st);
/* Whether node v is a member of cell c. */
bool sz_sim_member(const sz_sim *s, uint32_t v, uint32_t c);
/* BFS from src over the contact graph (cell >= 0: only through and to its members): dist[v] is
 * the hops from src, UINT32_MAX where unreached.  Returns the largest finite distance. */
uint32_t sz_sim_bfs(const sz_sim *s, uint32_t src, int32_t cell, uint32_t *dist, uint32_t *queue);
/* The diameter of cell c's subgraph (exact: a BFS from every member). */
uint32_t sz_sim_cell_diameter(const sz_sim *s, uint32_t c, uint32_t *dist, uint32_t *queue);
/* Node v's transport public key (computed on first use). */
const uint8_t *sz_sim_pk(sz_sim *s, uint32_t v);
/* The pair key of members a and b in cell c: the same for both, known to nobody else here. */
void sz_sim_pair_key(const sz_sim *s, uint32_t c, uint32_t a, uint32_t b, uint8_t key[32]);


/* A run (simrun_testlib.c); its sessions (simsession_testlib.c). */
#define NCLASS 5            /* HELLO sizes: 256, 512, ..., 4096 tokens */

typedef struct sim_hent {
	uint64_t due;
	uint32_t id;   /* < nedges: an edge's sync; else a node's churn (id - nedges) */
	uint32_t gen;  /* stale unless it matches the edge's or node's generation */
} sim_hent;

typedef struct sim_ritem {
	int32_t cell;
	uint32_t author;
	uint8_t *env;
	size_t len;
	uint8_t id[32];
	uint8_t *has;
	uint64_t *t;       /* ms after publication */
	uint32_t *hop;     /* sessions on the path that brought it */
	uint32_t targets, reached;
	uint32_t moved;    /* in the session under way */
	uint64_t sessions;
	double marginal;
} sim_ritem;

typedef struct sim_run {
	sz_sim *s;
	uint64_t st;
	sz_env_seeded env;
	uint64_t now, pub;
	bool published;
	uint8_t *online;
	uint64_t *up;                  /* ms after publication a node was first online; UINT64_MAX:
	                                * not yet */
	uint32_t *src;                 /* an edge's dialling node */
	uint64_t *due;
	uint32_t *gen, *ngen;          /* edges', nodes' generations */
	uint8_t *fails, *asleep;
	uint8_t *streak;               /* an edge's idle sessions in a row */
	uint32_t *rev;                 /* the edge the other way (b dials a), or UINT32_MAX */
	bool window;                   /* in the idle-traffic window */
	sim_hent *h;
	size_t hn, hcap;
	sim_ritem it[SZ_SIM_MAX_ITEMS];
	size_t nit;
	int64_t idle[NCLASS][NCLASS];  /* bytes of an idle session, by the two HELLO sizes */
	sz_sim_report *rep;
	uint64_t moved_bytes;          /* envelope bytes the session under way moved */
	uint64_t errors, refused;
} sim_run;

typedef struct sim_side {
	sim_run *r;
	uint32_t node, peer;
} sim_side;

/* One session, a dialling b (keyed: a knows b's transport key), both sides the real state
 * machine, every byte either way passed through memory and counted in *bytes.  SZ_OK if both
 * ended DONE. */
int sz_sim_session(sim_run *r, uint32_t a, uint32_t b, bool keyed, uint64_t *bytes);

#endif /* SZ_SYNC_SIM_INT_H */
