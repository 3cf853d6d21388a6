/*
 * daemon_int.h - the inside of `samizdat serve`, shared by its modules: daemon.c (the loop, its
 * lifetime, lock and unlock), daemon_ctl.c (the control socket), daemon_sync.c (sync sessions in
 * and out), daemon_tor.c (the onion service, where the node can be reached).  Layer: app.
 */
#ifndef SZ_APP_DAEMON_INT_H
#define SZ_APP_DAEMON_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "app/daemon.h"
#include "app/node_int.h"
#include "app/peercost.h"
#include "transport/tor.h"

#define MAX_CONNS 128
#define PENALTY_MS 60000
#define NPENALTY 64

enum conn_kind { C_SYNC = 1, C_CTL = 2 };

typedef struct conn {
	enum conn_kind kind;
	int fd;
	char peer[SZ_NET_HOST_MAX];
	bool outgoing;
	sz_addr addr;              /* outgoing: where to */
	int rounds;                /* outgoing: sessions run so far for this request */
	uint8_t *scopes_before;    /* outgoing: the node's scopes when this session began */
	size_t nbefore;
	sz_sync_stats total;       /* outgoing: figures of the earlier rounds */
	sz_sync *sync;
	struct conn *waiter;       /* C_SYNC outgoing: the control client waiting for the result */
	sz_buf in, out;            /* C_CTL */
	size_t out_off;
	bool waiting;              /* C_CTL: a deferred command is running */
	bool json;                 /* C_CTL: the client asked for --json */
	bool dead;
} conn;

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
	conn *conns[MAX_CONNS];
	size_t nconns;
	penalty pen[NPENALTY];     /* by address: LAN peers that broke the protocol */
	sz_peercost cost;          /* by transport key: refused envelopes (peercost.h) */
	sz_tor *tor;
	char onion[80];
	bool stop;
	uint64_t pending_ms;       /* when the queue of ballots and pledges was last run */
	uint64_t invites_ms;       /* when the invitation records were last tidied */
	bool listen_auto;          /* the first listener's port is the node's kept one */
};

/* daemon.c */
conn *sz_daemon_conn_add(sz_daemon *d, enum conn_kind kind, int fd, const char *peer);

/* daemon_ctl.c */
SZ_MUST_CHECK int sz_daemon_ctl_listen(sz_daemon *d);
void sz_daemon_ctl_accept(sz_daemon *d);
void sz_daemon_ctl_read(sz_daemon *d, conn *c);
void sz_daemon_ctl_write(conn *c);
/* Queue the answer to a control client. */
void sz_daemon_ctl_answer(conn *c, int code, const sz_buf *out, const sz_buf *err);

/* daemon_sync.c */
void sz_daemon_sync_accept(sz_daemon *d, int lfd);
void sz_daemon_sync_io(conn *c, short rev);
/* A sync that has ended: log it, tell a waiting client, charge a hostile peer. */
void sz_daemon_sync_finished(sz_daemon *d, conn *c);

/* daemon_reach.c */
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

#endif /* SZ_APP_DAEMON_INT_H */
