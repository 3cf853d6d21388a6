/*
 * daemon.h - `samizdat serve`: one event loop that serves sync sessions (TCP, and Tor through an
 * onion service), runs outgoing syncs, and answers the CLI on a local control socket.
 * Layer: app.  The unlocked keys live only in this process's memory; locking drops them.
 */
#ifndef SZ_APP_DAEMON_H
#define SZ_APP_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "samizdat.h"
#include "lib/bytes.h"
#include "transport/net.h"

#define SZ_CONTROL_SOCKET "control.sock"
#define SZ_DAEMON_MAX_LISTEN 4
/* The most addresses a node says it can be reached at (an onion, and local network ones). */
#define SZ_DAEMON_MAX_REACH 4
/* Node state (docs/PROTOCOL.md §16): the listening port kept across restarts (u16), and the
 * addresses the node was last reachable at, one "HOST:PORT" a line (for commands run without
 * the daemon). */
#define SZ_KV_LISTEN "node/listen"
#define SZ_KV_REACH "node/reach"

typedef struct sz_daemon sz_daemon;

/* What the daemon counts of its sessions (status, tests). */
typedef struct sz_daemon_stats {
	uint64_t accepted;         /* connections taken in */
	uint64_t evicted_unauth;   /* connections in their handshake given up for a newcomer */
	uint64_t evicted_idle;     /* idle sessions given up for a newcomer */
	uint64_t evicted_mem;      /* sessions ended over the memory budget */
	uint64_t refused_busy;     /* peers told to come back later */
	uint64_t refused_key;      /* peers refused by their key's cost */
	uint64_t handshake_late;   /* connections that did not finish the handshake in time */
	size_t mem_peak;           /* the most all sessions held at once */
	size_t mem;                /* what they hold now */
	size_t sessions;           /* sessions now (past the handshake, in and out) */
	size_t unauth;             /* connections in their handshake now */
} sz_daemon_stats;


/* Runs one CLI command inside the daemon for a control-socket client.  argv[0] is the command.
 * secret (may be NULL) is a passphrase the client read for `unlock`.  Output goes to out and
 * err; the return value is the exit code, or SZ_DAEMON_DEFERRED when the command will answer
 * later through sz_daemon_reply (an outgoing sync). */
#define SZ_DAEMON_DEFERRED (-1000)
typedef int (*sz_daemon_run_fn)(void *ctx, sz_daemon *d, void *client, int argc, char **argv,
    bool json, const char *secret, size_t secretlen, sz_buf *out, sz_buf *err);

typedef struct sz_daemon_opts {
	const char *home;
	sz_addr listen[SZ_DAEMON_MAX_LISTEN]; /* port 0: the node's kept port, or a new one kept */
	size_t nlisten;
	bool allow_public;          /* listen on a non-loopback address */
	bool has_advertise;         /* say the node is reached at advertise (port 0: the listening
	                             * port) instead of the address it listens on: behind a port
	                             * forward, or in tests on one machine */
	sz_addr advertise;
	/* Tor: attach to a running tor's control port, or spawn one. */
	const char *tor_control;    /* "127.0.0.1:PORT" */
	const char *tor_cookie;     /* its cookie file, or NULL to ask tor */
	const char *tor_path;       /* spawn this tor binary instead */
	const char *tor_extra;      /* extra torrc lines (test networks) for a spawned tor */
	uint16_t onion_port;        /* the onion service's virtual port [7070] */
	bool public_onion;          /* with Tor: serve leaflets to strangers on a second onion
	                             * service, without client authorization, whose sessions
	                             * reconcile the public scope alone (docs/threat/tor.md) */
	size_t max_sessions;        /* concurrent sync sessions [128] */
	size_t max_per_host;        /* concurrent connections from one LAN address [4]; never
	                             * applied to a loopback address (Tor's, everyone's) */
	size_t mem_budget;          /* bytes all sessions together may hold [34 MiB] */
	FILE *log;                  /* where log lines go (never secrets) */
	bool log_debug;             /* also what a person does not need: commands, peers' addresses
	                             * and keys, cells joined, every sync (docs/THREAT_MODEL.md
	                             * §3.4: a seized log then tells who talked with whom, when) */
	bool manual;                /* no automatic sync: only `samizdat sync` */
	bool unlisted;              /* tell no cell where this node is reached */
	uint64_t sync_every_ms;     /* between automatic syncs with one node [60 s] */
	FILE *out;                  /* where an address found later (the onion's) is printed, or NULL */
	sz_daemon_run_fn run;
	void *run_ctx;
} sz_daemon_opts;

/* Start: take the data directory's lock (SZ_ERR_BUSY if another process has the node), open the
 * listeners and the control socket.  node may be NULL (start locked: `samizdat unlock` opens it). */
SZ_MUST_CHECK int sz_daemon_new(sz_daemon **out, const sz_daemon_opts *opts, sz_node *node);
/* Serve until SIGTERM/SIGINT (or a `wipe`); SIGHUP reloads the peer list and reopens the log. */
SZ_MUST_CHECK int sz_daemon_run(sz_daemon *d);
/* Stop, close every session and the control socket, lock the node.  Accepts NULL. */
void sz_daemon_free(sz_daemon *d);

/* For commands run inside the daemon. */
sz_node *sz_daemon_node(sz_daemon *d);
const char *sz_daemon_home(const sz_daemon *d);
SZ_MUST_CHECK int sz_daemon_unlock(sz_daemon *d, const char *pass, size_t passlen);
void sz_daemon_lock(sz_daemon *d);
void sz_daemon_stop(sz_daemon *d);
/* Stop after a wipe: answer the client that asked, then remove the control socket and the data
 * directory (empty by then). */
void sz_daemon_stop_wiped(sz_daemon *d);
/* The addresses it serves on (TCP, and "<id>.onion:port" once published), one per line. */
void sz_daemon_addresses(sz_daemon *d, sz_buf *out);
/* The addresses another device can reach it at, best first, at most max: its onion service, then
 * the address it advertises, else the local network address of each listener that is not
 * loopback (for a wildcard listener, the address of this machine's interface that another device
 * on the local network most likely reaches: sz_net_lan_address).  0 when it serves on loopback
 * only and has no onion service. */
size_t sz_daemon_reach(sz_daemon *d, sz_addr *out, size_t max);
/* Where this daemon's tor takes SOCKS connections, as "HOST:PORT".  SZ_ERR_UNSUPPORTED when it
 * runs without Tor. */
SZ_MUST_CHECK int sz_daemon_tor_socks(sz_daemon *d, char *out, size_t n);
/* The public onion's address ("<56>.onion:PORT"), once published (serve --public-onion), or
 * NULL.  Never in a record or an invitation: strangers are told it by other means. */
const char *sz_daemon_public_onion(const sz_daemon *d);
/* The addresses a daemon last said this node is reachable at (kept in the store). */
size_t sz_node_saved_reach(sz_node *n, sz_addr *out, size_t max);
/* Start an outgoing sync to addr for client; when it ends, the daemon answers the client with
 * the session's result (exit code and a line of text). */
SZ_MUST_CHECK int sz_daemon_sync_start(sz_daemon *d, void *client, const sz_addr *addr);
/* Redeem invitation iv (its address, pinned to its node key) for client, then run the new
 * member's first sync with the inviter; the client is answered when both are done. */
struct sz_invite;
SZ_MUST_CHECK int sz_daemon_join_start(sz_daemon *d, void *client, const struct sz_invite *iv);
/* The events kept (newest last) with a number above since, at most max; returns how many. */
struct sz_daemon_event;
size_t sz_daemon_events(const sz_daemon *d, uint64_t since, struct sz_daemon_event *out,
    size_t max);
/* The newest event's number (0: none yet). */
uint64_t sz_daemon_events_last(const sz_daemon *d);
/* Answer the control client with the events above since (JSON if it asked for JSON, else one
 * line each, then "last N"); with wait and none yet, hold it until one comes or 25 s pass (the
 * command then returns SZ_DAEMON_DEFERRED).  At most 8 clients wait; a ninth answers the oldest.
 * Events live in the daemon's memory only (the newest 256): new posts, proposals, pledge calls,
 * declarations, co-signatures, reveals, members added, removed or gone, and syncs that brought
 * something; never a ballot or a pledge. */
void sz_daemon_events_wait(sz_daemon *d, void *client, uint64_t since, bool wait);
/* Tor as status shows it, in words, into out; returns its bootstrap (0..100) while it starts
 * or once ready (100), -1 when it is not used or failed. */
int sz_daemon_tor_state(const sz_daemon *d, char *out, size_t n);
/* Whether tor is configured and not ready yet (starting, bootstrapping, publishing). */
bool sz_daemon_tor_starting(const sz_daemon *d);
/* Whether the daemon syncs by itself (not --manual). */
bool sz_daemon_autosync_on(const sz_daemon *d);
/* The automatic sync's targets, for status: at most max; returns how many. */
struct sz_autosync_target;
size_t sz_daemon_auto_targets(const sz_daemon *d, struct sz_autosync_target *out, size_t max);
/* What the daemon counts of its sessions. */
void sz_daemon_get_stats(const sz_daemon *d, sz_daemon_stats *st);

/* Another service in the daemon's loop (the web interface, src/web): on every turn of the loop,
 * after poll(2), run(ctx, ready) is called in the loop's thread, ready telling whether fd (which
 * the loop polls for input; -1: none) is readable.  Everything it does with the node happens in
 * that thread, between sessions' steps, as a control command does.  At most
 * SZ_DAEMON_MAX_SOURCES; SZ_ERR_LIMIT past them.  ctx must outlive the daemon's loop. */
#define SZ_DAEMON_MAX_SOURCES 2
typedef struct sz_daemon_source {
	int fd;
	void (*run)(void *ctx, bool ready);
	void *ctx;
	/* May be NULL.  True when it has more to do at once than fd shows (a socket read only in
	 * part, an answer half written): the loop then does not wait in poll(2) before its next turn. */
	bool (*busy)(void *ctx);
} sz_daemon_source;
SZ_MUST_CHECK int sz_daemon_attach(sz_daemon *d, const sz_daemon_source *src);

/* A waiter for a deferred command (sz_daemon_sync_start, sz_daemon_join_start) that is not a
 * control client: when the command ends, done(ctx, code, out, err) is called once in the loop's
 * thread with the exit code and the text a control client would have got (JSON in out if json).
 * The waiter is the daemon's: it goes when answered, or with the daemon (then done is never
 * called).  NULL if the daemon's slots are full. */
typedef void (*sz_daemon_done_fn)(void *ctx, int code, const uint8_t *out, size_t olen,
    const uint8_t *err, size_t elen);
void *sz_daemon_waiter_new(sz_daemon *d, bool json, sz_daemon_done_fn done, void *ctx);
/* A waiter the command did not take (it failed to start): it goes, done is not called.
 * Accepts NULL. */
void sz_daemon_waiter_cancel(sz_daemon *d, void *waiter);
/* Forget ctx in every waiter that would call it (the caller is going away). */
void sz_daemon_waiter_forget(sz_daemon *d, void *ctx);

/* When this daemon last ended an outgoing sync with an address (text as sz_addr_format): the
 * time (wall clock, ms) and whether it completed.  In memory only: the store keeps no record of
 * whom this node met.  SZ_ERR_NOT_FOUND if it did not since it started. */
#define SZ_DAEMON_SYNCED_MAX 32
typedef struct sz_daemon_synced {
	char addr[SZ_NET_ADDR_TEXT];
	uint64_t at_ms;
	bool ok;
} sz_daemon_synced;
SZ_MUST_CHECK int sz_daemon_last_sync(const sz_daemon *d, const char *addr, sz_daemon_synced *out);
/* Log a line (printf-style): only what a person needs to run the node (started, reachable at,
 * a sync failed and why, a resource limit reached), never a cell's name, a command, a peer's
 * address or key, and never a secret (docs/THREAT_MODEL.md §3.4). */
void sz_daemon_log(sz_daemon *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Log a line only with opts.log_debug: peers' addresses and keys, commands, cells joined. */
void sz_daemon_debug(sz_daemon *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The control socket's client side, for the CLI: if a daemon serves home, send it the command and
 * copy its answer to out/err; *code gets the exit code.  SZ_ERR_UNREACHABLE if none runs.
 * timeout_ms > 0 bounds the whole call (SZ_ERR_TIMEOUT: a daemon that does not answer); 0 waits
 * as long as the command takes (a sync). */
SZ_MUST_CHECK int sz_control_call(const char *home, int argc, char **argv, bool json,
    const char *secret, size_t secretlen, sz_buf *out, sz_buf *err, int *code, int timeout_ms);

#endif /* SZ_APP_DAEMON_H */
