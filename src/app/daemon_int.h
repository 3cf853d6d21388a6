/*
 * daemon_int.h - the inside of `samizdat serve`, shared by its modules: daemon.c (the loop, its
 * lifetime, lock and unlock), daemon_ctl.c (the control socket), daemon_sync.c (sessions: who is
 * let in, their bytes, their memory, their end), daemon_dial.c (outgoing syncs), daemon_reach.c
 * (its port and where it is reached), daemon_tor.c (the onion service).  Layer: app.
 */
#ifndef SZ_APP_DAEMON_INT_H
#define SZ_APP_DAEMON_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "app/autosync.h"
#include "app/daemon.h"
#include "app/node_int.h"
#include "app/peercost.h"
#include "transport/socks5.h"
#include "transport/tor.h"

/* Slots (docs/PROTOCOL.md §8, Limits; docs/threat/jamming.md).  Connections that have not proved
 * a key yet are cheap and many, and the oldest gives way to a newcomer; sessions are few and
 * are given up only when idle or over the memory budget; the control socket has its own. */
#define SZ_DAEMON_MAX_UNAUTH 256       /* connections in their handshake */
#define SZ_DAEMON_MAX_SESSIONS 128     /* sessions past the handshake, in and out */
#define SZ_DAEMON_MAX_CTL 32           /* control socket clients */
#define SZ_DAEMON_MAX_CONNS (SZ_DAEMON_MAX_UNAUTH + SZ_DAEMON_MAX_SESSIONS + SZ_DAEMON_MAX_CTL)
#define SZ_DAEMON_PER_KEY 2            /* sessions at once from one transport key */
#define SZ_DAEMON_PER_LAN_HOST 4       /* connections at once from one LAN address */
#define SZ_DAEMON_HELLO_MS 10000       /* handshake and first frame, from the connection */
#define SZ_DAEMON_IDLE_EVICT_MS 2000   /* a session this quiet gives its slot to a newcomer */
#define SZ_DAEMON_BUSY_RETRY_S 5       /* what a refused peer is told to wait, at least */
#define SZ_DAEMON_MEM_BUDGET (34u << 20) /* all sessions together (the whole daemon: 64 MiB,
                                        * docs/bench/daemon.md) */
#define SZ_DAEMON_CTL_REQUEST_MS 10000 /* a control client must have sent its request by then */
#define SZ_DAEMON_CTL_ANSWER_MS 30000  /* and read its answer within this */
#define SZ_DAEMON_DIAL_MS 10000        /* TCP connect */
#define SZ_DAEMON_TOR_DIAL_MS 60000    /* through tor: a fresh onion service takes a while */
#define SZ_DAEMON_EVENTS 256          /* the newest events kept for front ends */
#define SZ_DAEMON_EVENTS_WAIT_MS 25000 /* a front end waiting for events is answered by then */
#define SZ_DAEMON_EVENT_WAITERS 8      /* front ends waiting at once (each holds a control slot) */
#define SZ_DAEMON_TARGETS_MS 5000      /* the automatic sync's targets gathered again */
#define SZ_DAEMON_PUBLISH_MS 2000      /* my records checked against my addresses and members */
#define SZ_DAEMON_FWD_CELLS 8        /* cells a forwarding push names (beyond: every target) */
#define PENALTY_MS 60000
#define NPENALTY 64

/* C_HOOK: no socket; a waiter for a deferred command asked by another part of the program (the
 * web interface), answered through its function (sz_daemon_waiter_new). */
enum conn_kind { C_SYNC = 1, C_CTL = 2, C_HOOK = 3 };
/* An outgoing connection's stage. */
enum { ST_RUN = 0, ST_DIAL = 1, ST_SOCKS = 2 };

struct sz_daemon_join;

typedef struct conn {
	enum conn_kind kind;
	struct sz_daemon *d;
	int fd;
	char peer[SZ_NET_HOST_MAX];/* incoming: the source address; outgoing: where to */
	bool pub_only;             /* incoming through the public onion: leaflets alone */
	bool local;                /* incoming from a loopback address (tor, or this machine):
	                            * never judged by its address, which is everyone's */
	uint64_t opened_ms;        /* accepted, or first dialled (monotonic) */
	bool admitted;             /* incoming: past the handshake, holding a session slot */
	uint8_t key[32];           /* the peer's transport key, once proved */
	bool keyed;                /* incoming: key proved and accepted (peer_ok) */
	size_t mem;                /* sz_sync_mem when last measured */
	/* outgoing */
	bool outgoing;
	int stage;                 /* ST_DIAL, ST_SOCKS, ST_RUN */
	sz_socks5 socks;
	uint64_t stage_ms;         /* when this stage (or this SOCKS attempt) began */
	uint64_t retry_ms;         /* ST_SOCKS: reconnect to tor's SOCKS port at this time (0: no) */
	sz_addr addr;              /* where to */
	const uint8_t *expect;     /* the peer's transport key, if known (points into join) */
	uint32_t target;           /* the automatic sync's target it serves, or 0 */
	int rounds;                /* sessions run so far for this request */
	uint8_t *scopes_before;    /* the node's scopes when this session began */
	size_t nbefore;
	sz_sync_stats total;       /* figures of the earlier rounds */
	struct conn *waiter;       /* the control client waiting for the result */
	struct sz_daemon_join *join; /* redeeming an invitation (daemon_dial.c) */
	int dial_err;              /* why the dial failed, if it did */
	char joined[80];           /* the first sync after joining this cell: answered as the join */
	uint64_t news_mark;        /* the store's entries before the first round (node_news.c) */
	bool has_mark;
	sz_sync *sync;
	/* C_CTL */
	sz_buf in, out;
	size_t out_off;
	bool waiting;              /* a deferred command is running */
	bool json;                 /* the client asked for --json */
	bool ev_wait;              /* waiting for an event newer than ev_since (`events --follow`) */
	bool held;                 /* an answer held until tor lets a new code in (cell invite) */
	int held_code;
	sz_buf held_out, held_err;
	uint64_t held_ms;
	uint64_t ev_since;
	bool dead;
	/* C_HOOK */
	sz_daemon_done_fn done;
	void *done_ctx;
} conn;

/* Something a front end may want to show as it happens: no secret, no timing of a ballot. */
typedef struct sz_daemon_event {
	uint64_t seq;
	uint64_t time_ms;          /* wall clock */
	char kind[24];             /* "post", "proposal", "member-added", ... */
	char cell[72];             /* the cell's name */
	char who[48];              /* the member's fingerprint, if one is named */
	char id[65];               /* the entry's id (hex), for a message */
} sz_daemon_event;

typedef struct penalty {
	char host[SZ_NET_HOST_MAX];
	uint64_t until;
} penalty;

struct sz_daemon {
	sz_daemon_opts o;
	sz_node *node;
	int lfd[SZ_DAEMON_MAX_LISTEN];
	size_t nl;
	int ctl_fd;
	char ctl_path[108];
	conn *conns[SZ_DAEMON_MAX_CONNS];
	size_t nconns;
	penalty pen[NPENALTY];     /* by address: LAN peers that broke the protocol */
	sz_peercost cost;          /* by transport key: refused envelopes (peercost.h) */
	sz_daemon_stats st;
	size_t mem;                /* what all sessions hold (sum of conn.mem) */
	bool tor_ready;            /* the onion service is published: onions can be dialled */
	struct sz_daemon_torjob *torjob; /* tor, on its thread (daemon_tor.c) */
	uint64_t tor_last_gen;     /* its last news logged */
	uint64_t tor_moved;        /* its new addresses taken */
	int tor_progress;          /* its bootstrap as last logged (-2: none yet) */
	char tor_failed[256];      /* why it could not be used, if it could not */
	char onion[80];
	char onion_pub[80];        /* the public onion's address, once published (public_onion) */
	int pub_fd;                /* the public onion's local listener (127.0.0.1, never
	                            * advertised), or -1 */
	uint16_t pub_port;
	char socks[SZ_NET_ADDR_TEXT]; /* tor's SOCKS port, once asked */
	bool stop;
	bool wiped;                /* stopped by a wipe: the data directory goes when we do */
	uint64_t pending_ms;       /* when the queue of ballots and pledges was last run */
	uint64_t invites_ms;       /* when the invitation records were last tidied */
	bool listen_auto;          /* the first listener's port is the node's kept one */
	uint64_t refused_log_ms;   /* refusals are logged at most once a second, with a count */
	uint64_t refused_unlogged;
	uint64_t mem_log_ms;       /* the memory budget's ends are logged at most once a second */
	sz_daemon_source src[SZ_DAEMON_MAX_SOURCES]; /* other services of the loop (the web UI) */
	size_t nsrc;
	sz_daemon_synced synced[SZ_DAEMON_SYNCED_MAX]; /* outgoing syncs by address, newest kept */
	/* automatic sync (daemon_auto.c) */
	sz_autosync as;
	bool as_ready;
	bool poke;                 /* something was made here: push it */
	uint64_t targets_ms;
	bool targets_dirty;
	uint64_t publish_ms;
	bool publish_dirty;
	/* forwarding push (daemon_auto.c): the cells whose entries a batch brought, pushed on to
	 * their other members' nodes once the session that brought them has been fed */
	char fwd_cell[SZ_DAEMON_FWD_CELLS][72];
	size_t nfwd;
	bool fwd_all;              /* public entries (or more cells than kept): every target */
	sz_daemon_event ev[SZ_DAEMON_EVENTS];
	uint64_t ev_seq;           /* the newest event's number (0: none yet) */
};

/* Milliseconds from t to now, 0 if t is later (a time taken after now, within the same turn). */
static inline uint64_t
sz_daemon_since(uint64_t now, uint64_t t)
{
	return now > t ? now - t : 0;
}

/* daemon.c */
/* Add a connection (SZ_DAEMON_MAX_CONNS at most: NULL then, and the caller closes fd). */
conn *sz_daemon_conn_add(sz_daemon *d, enum conn_kind kind, int fd, const char *peer);
size_t sz_daemon_count(const sz_daemon *d, enum conn_kind kind);
/* Remove c from the table and close it now.  Only outside the loop's walk over poll results
 * (accepting, ticking), and only for a connection nothing points to (no waiter, no client). */
void sz_daemon_conn_drop(sz_daemon *d, conn *c);

/* daemon_ctl.c */
SZ_MUST_CHECK int sz_daemon_ctl_listen(sz_daemon *d);
void sz_daemon_ctl_accept(sz_daemon *d);
void sz_daemon_ctl_read(sz_daemon *d, conn *c);
void sz_daemon_ctl_write(conn *c);
/* Give up on clients that are too slow to ask or to read the answer. */
void sz_daemon_ctl_tick(sz_daemon *d, conn *c, uint64_t now);
/* Queue the answer to a control client. */
void sz_daemon_ctl_answer(conn *c, int code, const sz_buf *out, const sz_buf *err);

/* daemon_sync.c */
void sz_daemon_sync_accept(sz_daemon *d, int lfd);
/* Create c's session (role by c->outgoing) with the daemon's limits and hooks. */
SZ_MUST_CHECK int sz_daemon_session_start(sz_daemon *d, conn *c);
/* Move c's bytes (its session, or its dial), then measure its memory. */
void sz_daemon_sync_io(sz_daemon *d, conn *c, short rev);
/* The poll events c waits for. */
short sz_daemon_sync_events(const conn *c);
/* Keep time: deadlines, the end of sessions, the memory budget. */
void sz_daemon_sync_tick(sz_daemon *d, uint64_t now);
/* A sync that has ended: log it, tell a waiting client, charge a hostile peer. */
void sz_daemon_sync_finished(sz_daemon *d, conn *c);

/* daemon_dial.c */
/* Drive an outgoing connection's dial (TCP connect, then SOCKS5 through tor) on rev. */
void sz_daemon_dial_io(sz_daemon *d, conn *c, short rev);
/* Dial deadlines and SOCKS retries. */
void sz_daemon_dial_tick(sz_daemon *d, conn *c, uint64_t now);
/* An outgoing session ended (done or not): another round if it taught new epochs, the answer to
 * a waiting client, the automatic sync's bookkeeping.  Returns true if it goes on in a new
 * connection (c's waiter moved there). */
bool sz_daemon_dial_done(sz_daemon *d, conn *c, int err, const sz_sync_stats *st);
/* Forget the join state of c (wiped). */
void sz_daemon_dial_free(conn *c);
#define SZ_DAEMON_HOLD_MS 60000       /* an invitation's answer waits this long at most for tor */
/* Start an automatic sync with target id at addr (pinned to key if not NULL). */
SZ_MUST_CHECK int sz_daemon_dial_target(sz_daemon *d, const sz_addr *addr, uint32_t id,
    const uint8_t *key);
/* Fill a session configuration for c's join. */
void sz_daemon_join_config(conn *c, sz_sync_config *cfg);

/* daemon_auto.c */
/* Gather the targets (and what tor should let in) now, not at the next look. */
void sz_daemon_auto_regather(sz_daemon *d);
/* Tell tor (once ready) whom its onion lets in now and the client secret for each member onion
 * of want[0..n) (the targets, routed), and extra_id's (a join's), if not NULL. */
void sz_daemon_auto_tor(sz_daemon *d, const struct sz_autosync_want *want, size_t n,
    const char *extra_id, const uint8_t *extra_sk);
/* The node was opened: hook its events, start the schedule. */
void sz_daemon_auto_attach(sz_daemon *d);
/* Keep the automatic sync going: what was made here is pushed, targets due are dialled, my
 * records follow my addresses and members, front ends waiting for events are answered. */
void sz_daemon_auto_tick(sz_daemon *d, uint64_t now);
/* A command ran: if the node stored something meanwhile (its count was before) and push, it is
 * pushed to the targets within a second or so; the peers list and my records are looked at
 * again (it may have changed either). */
void sz_daemon_auto_note(sz_daemon *d, uint64_t before, bool push);
/* Forwarding push: what the batches fed since the last call brought (cells' entries other than
 * ballots and pledges, public entries) is pushed on, within a second or so, to the other nodes
 * that should have it: the cell's members' nodes (every target, the peers list's too, for public
 * entries), never to from (the transport key of the node it came from; NULL: unknown). */
void sz_daemon_auto_forward(sz_daemon *d, const uint8_t *from);
/* Forget the schedule (the node is locked: its syncs are gone). */
void sz_daemon_auto_detach(sz_daemon *d);
/* An automatic sync with target id ended (stored: entries it stored; moved: it stored or sent
 * any: the next one is a period away, else the wait grows). */
void sz_daemon_auto_done(sz_daemon *d, uint32_t id, int err, int retry_s, uint64_t stored,
    bool moved);
/* A session another node began ended (err) after it proved its key pk: if that node is a target,
 * it counts as a sync with it (sz_autosync_heard). */
void sz_daemon_auto_heard(sz_daemon *d, const uint8_t pk[32], int err, bool moved);

/* daemon_reach.c */
/* Open the public onion's local listener (public_onion): 127.0.0.1 on a new port each start. */
SZ_MUST_CHECK int sz_daemon_pub_listen(sz_daemon *d);
/* Open the listeners; the first one, if its port was not given, on the node's kept port (a new
 * one if none is kept or another program holds it), which is then kept. */
SZ_MUST_CHECK int sz_daemon_listen_open(sz_daemon *d);
/* The node was just unlocked: move the first listener to its kept port if it started elsewhere
 * (started locked), or keep the port it has. */
void sz_daemon_listen_unlocked(sz_daemon *d);
/* Keep sz_daemon_reach's answer in the store (node/reach) if it changed. */
void sz_daemon_reach_save(sz_daemon *d);

/* daemon_tor.c */
void sz_daemon_tor_start(sz_daemon *d);
/* At each turn: log tor's bootstrap as it moves; once its job is done, take tor (the address
 * printed and kept, the node's record follows) or say why it failed. */
void sz_daemon_tor_tick(sz_daemon *d);
/* Let tor go (lock, stop): its thread ends when its current step does, stopping its tor; the
 * service is withdrawn. */
void sz_daemon_tor_stop(sz_daemon *d);
/* What tor should do now: let in clients[0..n) (sorted; none: anyone), and hold, for each onion
 * ids[i], the client secret sks[i] (copied into guarded memory; secrets given before are kept,
 * up to 512 onions).  Nothing is sent if nothing changed; the tor thread applies it (a service
 * published again when its clients change). */
void sz_daemon_tor_want(sz_daemon *d, const uint8_t (*clients)[32], size_t n,
    const char (*ids)[SZ_ONION_ID_BUF], const uint8_t (*sks)[32], size_t nreg);
/* Has tor applied all that was wanted (a service published again has its descriptor uploaded)?
 * True without tor. */
bool sz_daemon_tor_settled(sz_daemon *d);

#endif /* SZ_APP_DAEMON_INT_H */
