/*
 * autosync.h - when the daemon syncs by itself, and with whom: a schedule of targets (the peers
 * list, the members' nodes its cells told it of), each synced periodically with jitter, soon after
 * a local change (push), less and less often while its sessions move nothing, with exponential
 * backoff after a failure and the wait a busy peer asked for, and a bound on syncs in flight
 * (docs/PROTOCOL.md §8, Automatic sync).  Layer: app.
 * Pure: no sockets, time passed in, randomness from an sz_env; the daemon dials what it says.
 */
#ifndef SZ_APP_AUTOSYNC_H
#define SZ_APP_AUTOSYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "samizdat.h"
#include "lib/env.h"
#include "transport/net.h"

#define SZ_AUTOSYNC_MAX_TARGETS 512
#define SZ_AUTOSYNC_MAX_ADDRS 4
/* After idle sessions the wait doubles up to this many periods (docs/PROTOCOL.md §8; the figures
 * that chose them: docs/bench/sim.md): a node others dial, whose targets push to it ... */
#define SZ_AUTOSYNC_IDLE_CAP 32
/* ... and a node nobody dials (--unlisted): it hears of anything new only by its own syncs. */
#define SZ_AUTOSYNC_IDLE_CAP_UNLISTED 4

typedef struct sz_autosync_cfg {
	uint64_t period_ms;      /* between syncs with one target [60 s], jittered by +-25 % ... */
	uint32_t idle_cap;       /* ... doubled after each session that moved nothing, up to this
	                          * many periods [SZ_AUTOSYNC_IDLE_CAP]; 1: always the period */
	uint64_t push_ms;        /* after a local change, the targets are due within this [1 s] */
	uint64_t backoff_min_ms; /* after a first failure [5 s]; doubled at each next one ... */
	uint64_t backoff_max_ms; /* ... up to this [30 min]; the wait is jittered down by <= 50 % */
	size_t max_inflight;     /* syncs at once [4] */
} sz_autosync_cfg;

/* A target as its source names it: a node (by its transport key) at one or more addresses, best
 * first, or an address alone (the peers list). */
typedef struct sz_autosync_want {
	size_t naddr;            /* 1..SZ_AUTOSYNC_MAX_ADDRS */
	sz_addr addr[SZ_AUTOSYNC_MAX_ADDRS];
	bool has_key;
	uint8_t key[32];         /* the node's transport key, if known: only it is synced with */
} sz_autosync_want;

typedef struct sz_autosync_target {
	uint32_t id;             /* stable while it stays a target */
	sz_autosync_want w;
	size_t cur;              /* the address tried now: the next one after a failure */
	bool live;               /* in the current set (else dropped once not in flight) */
	bool inflight;
	bool again;              /* a local change came while in flight: due at once when done */
	uint64_t due_ms;
	uint32_t fails;          /* in a row */
	uint32_t idle;           /* sessions in a row that moved nothing (either way, either side
	                          * dialling): the period is doubled this often, up to idle_cap */
	int last_err;            /* of the last try (0: it went through) */
	uint64_t last_ok_ms;     /* 0: never */
	uint64_t last_try_ms;
	uint64_t syncs, failures; /* counts, for status */
	bool has_seen;
	uint8_t seen[32];        /* the key its node proved in its last sync (a peers list's address
	                          * names none): a forwarding push does not go back to it */
} sz_autosync_target;

typedef struct sz_autosync {
	sz_autosync_cfg cfg;
	const sz_env *env;
	sz_autosync_target t[SZ_AUTOSYNC_MAX_TARGETS];
	size_t n;
	uint32_t next_id;
	size_t inflight;
} sz_autosync;

/* Start with no target; zero fields of cfg take the defaults. */
void sz_autosync_init(sz_autosync *a, const sz_autosync_cfg *cfg, const sz_env *env);
/* The idle cap is now cap periods (0: SZ_AUTOSYNC_IDLE_CAP): the daemon lowers it while no
 * other node can dial this one (nothing announced: --unlisted, or listening on loopback only),
 * since no push can reach it then.  A lower cap holds at once: a target not in flight, not
 * failing, due later than the new cap allows is given a wait within it from now. */
void sz_autosync_set_idle_cap(sz_autosync *a, uint32_t cap, uint64_t now);
/* The targets are now want[0..n): a node is one target whatever its addresses (the same key
 * once; without a key, the same address once); beyond SZ_AUTOSYNC_MAX_TARGETS ignored.  One
 * already known keeps its schedule and takes the addresses given now; a new one is due within
 * push_ms, its idle streak one short of the cap (sz_backoff_idle_start); one no longer wanted is dropped (when its sync in flight, if any, ends). */
void sz_autosync_set(sz_autosync *a, const sz_autosync_want *want, size_t n, uint64_t now);
/* Something was made here (a post, an operation, a ballot released): every target that is not
 * failing is due within push_ms; one in flight goes again when it ends. */
void sz_autosync_poke(sz_autosync *a, uint64_t now);
/* Entries arrived that others lack (forwarding push): the targets of keys[0..nkeys) (all
 * targets, the peers list's too, if keys is NULL), except the one of key except (where they came
 * from; NULL: none), are due within push_ms as for a poke (one that is failing keeps its backoff;
 * one already due by then keeps its time: pushes within push_ms coalesce into one sync).
 * Returns how many targets were named and not failing. */
size_t sz_autosync_forward(sz_autosync *a, const uint8_t (*keys)[32], size_t nkeys,
    const uint8_t *except, uint64_t now);
/* The sync with target id proved its node's key: noted (sz_autosync_forward's except). */
void sz_autosync_seen(sz_autosync *a, uint32_t id, const uint8_t key[32]);
/* A target due now while fewer than max_inflight are in flight, marked in flight; NULL if none. */
sz_autosync_target *sz_autosync_next(sz_autosync *a, uint64_t now);
/* The sync with target id ended: err 0 (it went through) or why not; retry_s >= 0 is the wait a
 * refusing peer asked for (busy); moved: it stored or sent an entry.  Its next time follows (the
 * period, doubled for each idle session in a row up to idle_cap; the failure backoff; or that
 * wait); after a failure the next try goes to its next address. */
void sz_autosync_done(sz_autosync *a, uint32_t id, int err, int retry_s, bool moved,
    uint64_t now);
/* The node of key dialled us and proved it (ok: the session went through; moved: it stored or
 * sent an entry).  Its target, if any, is reachable again (no failures: pushes reach it), and
 * the session counts as one of ours: its idle streak and next time follow as after
 * sz_autosync_done, except that a sync due within push_ms (a push) stays due.  Returns whether
 * key is a target's. */
bool sz_autosync_heard(sz_autosync *a, const uint8_t key[32], bool ok, bool moved, uint64_t now);
/* The address a target's next try goes to. */
const sz_addr *sz_autosync_addr(const sz_autosync_target *t);
/* The target of id, or NULL. */
const sz_autosync_target *sz_autosync_find(const sz_autosync *a, uint32_t id);

#endif /* SZ_APP_AUTOSYNC_H */
