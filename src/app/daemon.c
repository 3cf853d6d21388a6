/*
 * daemon.c - the event loop of `samizdat serve` (see daemon.h).
 * Layer: app.  poll(2) by hand: a few dozen sockets at most, no threads, no library to trust
 * (docs/ARCHITECTURE.md says why).  Every session is a byte-in/byte-out state machine, so the loop
 * only moves bytes, enforces limits and keeps time.
 */
#include "app/daemon.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "app/control.h"
#include "app/node_decide.h"
#include "app/node_int.h"
#include "app/peercost.h"
#include "crypto/crypto.h"
#include "transport/tcpdial.h"
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
};

static volatile sig_atomic_t got_term, got_hup;

static int sync_round(sz_daemon *d, void *client, const sz_addr *addr, int round,
    const sz_sync_stats *so_far);

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = 1;
}

void
sz_daemon_log(sz_daemon *d, const char *fmt, ...)
{
	if (d->o.log == NULL)
		return;
	char when[32];
	time_t t = time(NULL);
	struct tm tm;
	if (gmtime_r(&t, &tm) == NULL || strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		when[0] = '\0';
	va_list ap;
	va_start(ap, fmt);
	fprintf(d->o.log, "%s ", when);
	vfprintf(d->o.log, fmt, ap);
	fputc('\n', d->o.log);
	fflush(d->o.log);
	va_end(ap);
}

const char *
sz_daemon_home(const sz_daemon *d)
{
	return d->o.home;
}

sz_node *
sz_daemon_node(sz_daemon *d)
{
	return d->node;
}

void
sz_daemon_stop(sz_daemon *d)
{
	d->stop = true;
}

static void
conn_close(sz_daemon *d, conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	sz_sync_free(c->sync);
	free(c->scopes_before);
	sz_buf_free(&c->in);
	sz_buf_free(&c->out);
	/* A control client waiting on a sync that will never end: release it. */
	for (size_t i = 0; i < d->nconns; i++)
		if (d->conns[i]->waiter == c)
			d->conns[i]->waiter = NULL;
	free(c);
}

static conn *
conn_add(sz_daemon *d, enum conn_kind kind, int fd, const char *peer)
{
	if (d->nconns == MAX_CONNS)
		return NULL;
	conn *c = calloc(1, sizeof *c);
	if (c == NULL)
		return NULL;
	c->kind = kind;
	c->fd = fd;
	snprintf(c->peer, sizeof c->peer, "%s", peer);
	d->conns[d->nconns++] = c;
	return c;
}

static bool
penalized(sz_daemon *d, const char *host)
{
	uint64_t now = sz_tcpdial_now_ms();
	for (size_t i = 0; i < NPENALTY; i++)
		if (d->pen[i].until > now && strcmp(d->pen[i].host, host) == 0)
			return true;
	return false;
}

static void
penalize(sz_daemon *d, const char *host)
{
	size_t oldest = 0;
	for (size_t i = 0; i < NPENALTY; i++)
		if (d->pen[i].until < d->pen[oldest].until)
			oldest = i;
	snprintf(d->pen[oldest].host, sizeof d->pen[oldest].host, "%s", host);
	d->pen[oldest].until = sz_tcpdial_now_ms() + PENALTY_MS;
}

/* Session hook: a peer whose transport key has cost too much lately is refused right after the
 * handshake, before any token or envelope. */
static int
peer_ok(void *ctx, const uint8_t pk[32])
{
	sz_daemon *d = ctx;
	if (!sz_peercost_refused(&d->cost, pk, sz_tcpdial_now_ms()))
		return SZ_OK;
	char hex[17];
	sz_hex_encode(hex, pk, 8);
	sz_daemon_log(d, "refused a session from transport key %s...: too many refused envelopes "
	    "lately", hex);
	return SZ_ERR_DENIED;
}

static int
start_session(sz_daemon *d, conn *c, sz_noise_role role)
{
	sz_sync_config cfg;
	void *mem = NULL;
	int r = sz_node_sync_config(d->node, role, &cfg, &mem);
	cfg.hooks.peer_ok = peer_ok;
	cfg.hooks.peer_ctx = d;
	if (r == SZ_OK)
		r = sz_sync_new(&c->sync, &cfg);
	sz_node_sync_config_free(mem);
	return r;
}

static void
accept_sync(sz_daemon *d, int lfd)
{
	for (;;) {
		int fd;
		char peer[SZ_NET_HOST_MAX];
		if (sz_net_accept(lfd, &fd, peer) != SZ_OK)
			return;
		size_t same = 0, total = 0;
		for (size_t i = 0; i < d->nconns; i++)
			if (d->conns[i]->kind == C_SYNC) {
				total++;
				same += strcmp(d->conns[i]->peer, peer) == 0;
			}
		const char *why = d->node == NULL ? "the node is locked" :
		    penalized(d, peer) ? "it misbehaved recently" :
		    total >= d->o.max_sessions ? "too many sessions" :
		    same >= d->o.max_per_host ? "too many sessions from it" : NULL;
		conn *c = why == NULL ? conn_add(d, C_SYNC, fd, peer) : NULL;
		if (c == NULL) {
			sz_daemon_log(d, "refused a connection from %s: %s", peer, why ? why : "full");
			close(fd);
			continue;
		}
		if (start_session(d, c, SZ_NOISE_RESPONDER) != SZ_OK) {
			c->dead = true;
			continue;
		}
	}
}

static void
accept_ctl(sz_daemon *d)
{
	for (;;) {
		int fd = accept4(d->ctl_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			return;
		/* The socket is 0600 in a 0700 directory; check the caller's uid all the same. */
		struct ucred cred;
		socklen_t cl = sizeof cred;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) != 0 ||
		    (cred.uid != geteuid() && cred.uid != 0)) {
			sz_daemon_log(d, "refused a control connection from another user");
			close(fd);
			continue;
		}
		if (conn_add(d, C_CTL, fd, "control") == NULL)
			close(fd);
	}
}

/* Queue the answer to a control client. */
static void
ctl_answer(conn *c, int code, const sz_buf *out, const sz_buf *err)
{
	c->out.len = 0;
	if (sz_ctl_response_encode(&c->out, code, out ? out->p : NULL, out ? out->len : 0,
	    err ? err->p : NULL, err ? err->len : 0) != SZ_OK)
		c->dead = true;
	c->out_off = 0;
	c->waiting = false;
}

static void
ctl_read(sz_daemon *d, conn *c)
{
	uint8_t tmp[16384];
	ssize_t k = recv(c->fd, tmp, sizeof tmp, 0);
	if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR)) {
		c->dead = true;
		return;
	}
	if (k < 0)
		return;
	if (c->waiting || c->out.len > 0) {
		c->dead = true; /* one request per connection */
		return;
	}
	sz_buf_append(&c->in, tmp, (size_t)k);
	size_t total;
	int r = sz_ctl_need(c->in.p, c->in.len, "SZC1", SZ_CTL_MAX_REQUEST, &total);
	if (r == SZ_ERR_AGAIN || (r == SZ_OK && c->in.len < total))
		return;
	sz_ctl_request rq;
	if (r != SZ_OK || c->in.len != total || sz_ctl_request_parse(&rq, c->in.p, total) != SZ_OK) {
		c->dead = true;
		return;
	}
	sz_buf_free(&c->in);
	sz_buf out = { 0 }, err = { 0 };
	/* The command may reorder its argv (option parsing): give it a copy of the pointers. */
	char *argv[SZ_CTL_MAX_ARGS + 1];
	memcpy(argv, rq.argv, sizeof argv);
	c->json = rq.json;
	int code = d->o.run(d->o.run_ctx, d, c, rq.argc, argv, rq.json, rq.secret, rq.secretlen,
	    &out, &err);
	/* Not when a member voted or pledged: with the ballot's signed time, such a line in a
	 * seized log would undo the release delay (docs/threat/decisions.md §10). */
	if (strcmp(rq.argv[0], "vote") != 0 && strcmp(rq.argv[0], "pledge") != 0)
		sz_daemon_log(d, "control: %s%s%s -> %d", rq.argv[0], rq.argc > 1 ? " " : "",
		    rq.argc > 1 ? rq.argv[1] : "", code);
	sz_ctl_request_free(&rq);
	if (code == SZ_DAEMON_DEFERRED)
		c->waiting = true;
	else
		ctl_answer(c, code, &out, &err);
	sz_buf_free(&out);
	sz_buf_free(&err);
}

static void
ctl_write(conn *c)
{
	if (c->out_off >= c->out.len)
		return;
	ssize_t w = send(c->fd, c->out.p + c->out_off, c->out.len - c->out_off, MSG_NOSIGNAL);
	if (w < 0 && errno != EAGAIN && errno != EINTR)
		c->dead = true;
	else if (w > 0)
		c->out_off += (size_t)w;
	if (c->out.len > 0 && c->out_off == c->out.len)
		c->dead = true; /* answered: close */
}

static void
sync_io(conn *c, short rev)
{
	uint8_t buf[65536];
	if (rev & POLLOUT) {
		const uint8_t *o;
		size_t n;
		sz_sync_output(c->sync, &o, &n);
		if (n > 0) {
			ssize_t w = send(c->fd, o, n, MSG_NOSIGNAL);
			if (w > 0)
				sz_sync_consumed(c->sync, (size_t)w);
			else if (w < 0 && errno != EAGAIN && errno != EINTR)
				sz_sync_eof(c->sync);
		}
	}
	if (rev & (POLLIN | POLLHUP | POLLERR)) {
		ssize_t k = recv(c->fd, buf, sizeof buf, 0);
		if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR))
			sz_sync_eof(c->sync);
		else if (k > 0 && sz_sync_input(c->sync, buf, (size_t)k) != SZ_OK) {
			/* failed: the status says so; the ERROR frame is flushed below */
		}
	}
}

/* A sync that has ended: log it, tell a waiting client, penalize a hostile peer. */
static void
sync_finished(sz_daemon *d, conn *c)
{
	sz_sync_stats st;
	uint8_t pk[32];
	sz_sync_get_stats(c->sync, &st);
	int err = sz_sync_get_status(c->sync) == SZ_SYNC_DONE ? SZ_OK : sz_sync_error(c->sync);
	bool violation = err == SZ_ERR_PEER || err == SZ_ERR_LIMIT || err == SZ_ERR_DECRYPT ||
	    err == SZ_ERR_TOO_LARGE || err == SZ_ERR_MALFORMED;
	/* What the peer's refused envelopes cost it, by the key it proved (over Tor its address is
	 * everyone's); a violation costs the whole allowance. */
	if (sz_sync_peer_key(c->sync, pk) == SZ_OK)
		sz_peercost_charge(&d->cost, pk, violation ? SZ_PEERCOST_LIMIT : st.rejected,
		    sz_tcpdial_now_ms());
	else if (violation && strcmp(c->peer, "127.0.0.1") != 0 && strcmp(c->peer, "::1") != 0)
		penalize(d, c->peer); /* broke the handshake itself: a LAN address is all there is */
	st.received += c->total.received;
	st.stored += c->total.stored;
	st.rejected += c->total.rejected;
	st.sent += c->total.sent;
	st.bytes_in += c->total.bytes_in;
	st.bytes_out += c->total.bytes_out;
	/* scopes_shared, peer_tokens, hello_bytes: this (last) round's */
	/* A session carries only the scopes known when it began: if this one taught the node new
	 * epochs, run another round before answering (as the CLI does). */
	if (c->outgoing && c->waiter != NULL && err == SZ_OK && c->rounds < 4 && d->node != NULL) {
		uint8_t *after = NULL;
		size_t na = 0;
		bool grew = false;
		if (sz_node_scopes(d->node, &after, &na) == SZ_OK)
			for (size_t i = 0; i < na && !grew; i++) {
				bool seen = false;
				for (size_t j = 0; j < c->nbefore && !seen; j++)
					seen = memcmp(after + 16 * i, c->scopes_before + 16 * j, 16) == 0;
				grew = !seen;
			}
		free(after);
		if (grew && sync_round(d, c->waiter, &c->addr, c->rounds + 1, &st) == SZ_OK) {
			c->waiter = NULL; /* the next round answers */
			return;
		}
	}
	char line[512];
	snprintf(line, sizeof line, "sync %s %s: %s; received %llu (stored %llu, refused %llu), sent "
	    "%llu; %llu bytes in, %llu out", c->outgoing ? "to" : "from", c->peer,
	    err == SZ_OK ? "done" : sz_strerror(err), (unsigned long long)st.received,
	    (unsigned long long)st.stored, (unsigned long long)st.rejected,
	    (unsigned long long)st.sent, (unsigned long long)st.bytes_in,
	    (unsigned long long)st.bytes_out);
	sz_daemon_log(d, "%s", line);
	if (c->waiter != NULL) {
		sz_buf out = { 0 }, errb = { 0 };
		char msg[300];
		int code = err == SZ_OK ? 0 : err == SZ_ERR_UNREACHABLE || err == SZ_ERR_TIMEOUT ||
		    err == SZ_ERR_CLOSED || err == SZ_ERR_PEER ? 4 : 1;
		if (err == SZ_OK)
			snprintf(msg, sizeof msg, "Synced with %s: received %llu (stored %llu, refused %llu), "
			    "sent %llu.\n", c->peer, (unsigned long long)st.received,
			    (unsigned long long)st.stored, (unsigned long long)st.rejected,
			    (unsigned long long)st.sent);
		else
			snprintf(msg, sizeof msg, "samizdat sync: the sync with %s broke off: %s. What arrived "
			    "intact is kept; run it again to continue.\n", c->peer, sz_strerror(err));
		if (c->waiter->json) {
			snprintf(line, sizeof line, "{\"received\":%llu,\"stored\":%llu,\"refused\":%llu,"
			    "\"sent\":%llu,\"bytes_in\":%llu,\"bytes_out\":%llu,\"rounds\":%d,"
			    "\"shared\":%llu,\"peer_tokens\":%llu,\"hello_bytes\":%llu,\"ok\":%s,"
			    "\"exit\":%d}\n", (unsigned long long)st.received, (unsigned long long)st.stored,
			    (unsigned long long)st.rejected, (unsigned long long)st.sent,
			    (unsigned long long)st.bytes_in, (unsigned long long)st.bytes_out, c->rounds,
			    (unsigned long long)st.scopes_shared, (unsigned long long)st.peer_tokens,
			    (unsigned long long)st.hello_bytes, err == SZ_OK ? "true" : "false", code);
			sz_buf_append(&out, line, strlen(line));
			sz_buf_append(&errb, msg, strlen(msg));
		} else {
			sz_buf_append(err == SZ_OK ? &out : &errb, msg, strlen(msg));
		}
		ctl_answer(c->waiter, code, &out, &errb);
		sz_buf_free(&out);
		sz_buf_free(&errb);
		c->waiter = NULL;
	}
}

int
sz_daemon_sync_start(sz_daemon *d, void *client, const sz_addr *addr)
{
	sz_sync_stats zero;
	memset(&zero, 0, sizeof zero);
	return sync_round(d, client, addr, 1, &zero);
}

static int
sync_round(sz_daemon *d, void *client, const sz_addr *addr, int round, const sz_sync_stats *so_far)
{
	int fd = -1, r;
	if (d->node == NULL)
		return SZ_ERR_LOCKED;
	if (addr->onion) {
		if (d->tor == NULL)
			return SZ_ERR_UNSUPPORTED;
		r = sz_tor_connect(d->tor, addr->host, addr->port, 60000, &fd, NULL);
	} else {
		r = sz_tcpdial_connect(addr->host, addr->port, 10000, &fd);
	}
	if (r != SZ_OK)
		return r;
	if ((r = sz_net_nonblock(fd)) != SZ_OK) {
		close(fd);
		return r;
	}
	conn *c = conn_add(d, C_SYNC, fd, addr->host);
	if (c == NULL) {
		close(fd);
		return SZ_ERR_LIMIT;
	}
	c->outgoing = true;
	c->waiter = client;
	c->addr = *addr;
	c->rounds = round;
	c->total = *so_far;
	if (sz_node_scopes(d->node, &c->scopes_before, &c->nbefore) != SZ_OK) {
		c->scopes_before = NULL;
		c->nbefore = 0;
	}
	if ((r = start_session(d, c, SZ_NOISE_INITIATOR)) != SZ_OK) {
		c->waiter = NULL;
		c->dead = true;
		return r;
	}
	return SZ_OK;
}

/* Publish the onion service (once unlocked, with the node's stored key). */
static void
tor_start(sz_daemon *d)
{
	char reason[256] = "", *new_key = NULL;
	sz_buf key = { 0 };
	int r;
	if (d->tor != NULL || d->node == NULL || (d->o.tor_control == NULL && d->o.tor_path == NULL))
		return;
	sz_addr ctl = { 0 };
	sz_tor_cfg tc = { .timeout_ms = 30000, .data_dir = d->o.home };
	if (d->o.tor_control != NULL) {
		char why[128];
		if (sz_addr_parse(&ctl, d->o.tor_control, why, sizeof why) != SZ_OK) {
			sz_daemon_log(d, "tor: %s", why);
			return;
		}
		tc.control_host = ctl.host;
		tc.control_port = ctl.port;
		tc.cookie_path = d->o.tor_cookie;
	} else {
		tc.tor_path = d->o.tor_path;
		tc.torrc_extra = d->o.tor_extra;
	}
	if ((r = sz_tor_open(&d->tor, &tc, reason, sizeof reason)) != SZ_OK) {
		sz_daemon_log(d, "tor: cannot use tor: %s (%s)", sz_strerror(r), reason);
		return;
	}
	if ((r = sz_tor_wait_ready(d->tor, 120000)) != SZ_OK)
		sz_daemon_log(d, "tor: not bootstrapped yet (%s); publishing anyway", sz_strerror(r));
	r = sz_store_kv_get(d->node->store, KV_ONION, &key);
	if (r == SZ_OK)
		sz_buf_u8(&key, 0);
	char id[SZ_ONION_ID_BUF];
	r = sz_tor_publish(d->tor, d->o.onion_port, d->o.listen[0].port,
	    r == SZ_OK ? (const char *)key.p : NULL, 0, id, &new_key);
	sz_buf_free(&key);
	if (r != SZ_OK) {
		sz_daemon_log(d, "tor: publishing the onion service failed: %s", sz_strerror(r));
		return;
	}
	if (new_key != NULL) {
		/* Keep the key so the address stays the same across restarts. */
		if (sz_store_kv_put(d->node->store, KV_ONION, (const uint8_t *)new_key,
		    strlen(new_key)) != SZ_OK)
			sz_daemon_log(d, "tor: could not keep the onion key; the address will change");
		sz_torctl_key_free(new_key);
	}
	snprintf(d->onion, sizeof d->onion, "%s.onion:%u", id, d->o.onion_port);
	sz_daemon_log(d, "serving on %s", d->onion);
}

int
sz_daemon_unlock(sz_daemon *d, const char *pass, size_t passlen)
{
	if (d->node != NULL)
		return SZ_OK;
	int r = sz_node_open(&d->node, d->o.home, pass, passlen);
	if (r == SZ_OK) {
		sz_daemon_log(d, "unlocked");
		tor_start(d);
	}
	return r;
}

void
sz_daemon_lock(sz_daemon *d)
{
	/* Sessions end now: their hooks point into the node (a lent sketch goes back to it). */
	for (size_t i = 0; i < d->nconns; i++)
		if (d->conns[i]->kind == C_SYNC) {
			d->conns[i]->dead = true;
			sz_sync_free(d->conns[i]->sync);
			d->conns[i]->sync = NULL;
		}
	sz_tor_free(d->tor);
	d->tor = NULL;
	d->onion[0] = '\0';
	sz_node_close(d->node);
	d->node = NULL;
	sz_daemon_log(d, "locked: keys dropped from memory");
}

void
sz_daemon_addresses(sz_daemon *d, sz_buf *out)
{
	char line[128];
	for (size_t i = 0; i < d->nl; i++) {
		int k = snprintf(line, sizeof line, "%s%s%s:%u\n", strchr(d->o.listen[i].host, ':') ? "[" : "",
		    d->o.listen[i].host, strchr(d->o.listen[i].host, ':') ? "]" : "", d->o.listen[i].port);
		sz_buf_append(out, line, (size_t)k);
	}
	if (d->onion[0]) {
		sz_buf_append(out, d->onion, strlen(d->onion));
		sz_buf_u8(out, '\n');
	}
}

static int
ctl_listen(sz_daemon *d)
{
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if ((size_t)snprintf(d->ctl_path, sizeof d->ctl_path, "%s/%s", d->o.home,
	    SZ_CONTROL_SOCKET) >= sizeof d->ctl_path || strlen(d->ctl_path) >= sizeof sa.sun_path)
		return SZ_ERR_TOO_LARGE;
	memcpy(sa.sun_path, d->ctl_path, strlen(d->ctl_path) + 1);
	/* A daemon already answering here owns this node. */
	int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof sa) == 0) {
		close(probe);
		return SZ_ERR_BUSY;
	}
	if (probe >= 0)
		close(probe);
	unlink(d->ctl_path); /* a stale socket of a daemon that died */
	if ((d->ctl_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0)
		return SZ_ERR_IO;
	mode_t old = umask(0177); /* the socket is born 0600 */
	int b = bind(d->ctl_fd, (struct sockaddr *)&sa, sizeof sa);
	umask(old);
	if (b != 0 || chmod(d->ctl_path, 0600) != 0 || listen(d->ctl_fd, 16) != 0)
		return SZ_ERR_IO;
	return SZ_OK;
}

int
sz_daemon_new(sz_daemon **out, const sz_daemon_opts *opts, sz_node *node)
{
	sz_daemon *d = calloc(1, sizeof *d);
	int r;
	*out = NULL;
	if (d == NULL)
		return SZ_ERR_NOMEM;
	d->o = *opts;
	d->ctl_fd = -1;
	if (d->o.max_sessions == 0)
		d->o.max_sessions = 64;
	if (d->o.max_per_host == 0)
		d->o.max_per_host = 4;
	if (d->o.onion_port == 0)
		d->o.onion_port = 7070;
	if ((r = ctl_listen(d)) != SZ_OK)
		goto fail;
	if (d->o.nlisten == 0) {
		/* Tor needs a local port to forward to even when nothing else listens. */
		snprintf(d->o.listen[0].host, sizeof d->o.listen[0].host, "127.0.0.1");
		d->o.listen[0].port = 0;
		d->o.nlisten = 1;
	}
	for (size_t i = 0; i < d->o.nlisten; i++) {
		if ((r = sz_net_listen(&d->o.listen[i], d->o.allow_public, &d->lfd[i])) != SZ_OK)
			goto fail;
		d->nl++;
	}
	d->node = node;
	tor_start(d);
	*out = d;
	return SZ_OK;
fail:
	d->node = NULL; /* the caller still owns it */
	sz_daemon_free(d);
	return r;
}

int
sz_daemon_run(sz_daemon *d)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sz_buf addrs = { 0 };
	sz_daemon_addresses(d, &addrs);
	sz_buf_u8(&addrs, 0);
	sz_daemon_log(d, "serving (%s); control socket %s", d->node ? "unlocked" : "locked",
	    d->ctl_path);
	sz_buf_free(&addrs);
	while (!d->stop && !got_term) {
		struct pollfd pf[SZ_DAEMON_MAX_LISTEN + 1 + MAX_CONNS];
		size_t np = 0;
		for (size_t i = 0; i < d->nl; i++)
			pf[np++] = (struct pollfd){ d->lfd[i], POLLIN, 0 };
		pf[np++] = (struct pollfd){ d->ctl_fd, POLLIN, 0 };
		size_t base = np;
		for (size_t i = 0; i < d->nconns; i++) {
			conn *c = d->conns[i];
			short ev = POLLIN;
			if (c->kind == C_SYNC && c->sync != NULL) {
				const uint8_t *o;
				size_t n;
				sz_sync_output(c->sync, &o, &n);
				if (n > 0)
					ev |= POLLOUT;
				if (n > SZ_SYNC_OUT_HIGH)
					ev &= (short)~POLLIN; /* the peer is not reading: neither do we */
			} else if (c->kind == C_CTL && c->out_off < c->out.len) {
				ev = POLLOUT;
			}
			pf[np++] = (struct pollfd){ c->fd, ev, 0 };
		}
		int k = poll(pf, np, 500);
		if (k < 0 && errno != EINTR)
			return SZ_ERR_IO;
		/* Ballots and pledges whose time has come leave, at most every half second.  Not
		 * logged: a line saying when this node released one would date its ballot. */
		uint64_t mono = sz_tcpdial_now_ms();
		if (d->node != NULL && mono - d->pending_ms >= 500) {
			d->pending_ms = mono;
			if (sz_node_pending_run(d->node, NULL) != SZ_OK) {
				/* kept; the next tick tries again */
			}
		}
		/* Used invitations forget their newcomer once its first op is here (§14). */
		if (d->node != NULL && mono - d->invites_ms >= 60000) {
			d->invites_ms = mono;
			if (sz_node_invites_tidy(d->node) != SZ_OK) {
				/* the next tick tries again */
			}
		}
		if (got_hup) {
			got_hup = 0;
			sz_daemon_log(d, "SIGHUP: reloaded (log reopened, cells re-read)");
			if (d->node != NULL && sz_node_cells_save(d->node) != SZ_OK)
				sz_daemon_log(d, "could not save the cells' state");
		}
		for (size_t i = 0; k > 0 && i < d->nl; i++)
			if (pf[i].revents & POLLIN)
				accept_sync(d, d->lfd[i]);
		if (k > 0 && (pf[d->nl].revents & POLLIN))
			accept_ctl(d);
		size_t nbefore = np - base;
		for (size_t i = 0; i < nbefore && i < d->nconns; i++) {
			conn *c = d->conns[i];
			short rev = pf[base + i].revents;
			if (c->dead)
				continue;
			if (c->kind == C_CTL) {
				if (rev & POLLOUT)
					ctl_write(c);
				else if (rev & (POLLIN | POLLHUP | POLLERR))
					ctl_read(d, c);
			} else if (c->sync != NULL) {
				sync_io(c, rev);
			}
		}
		/* Keep time, retire what ended. */
		for (size_t i = 0; i < d->nconns;) {
			conn *c = d->conns[i];
			if (c->kind == C_SYNC && c->sync != NULL && !c->dead) {
				if (sz_sync_tick(c->sync) != SZ_OK) {
					/* timed out: ended below */
				}
				const uint8_t *o;
				size_t n;
				sz_sync_output(c->sync, &o, &n);
				sz_sync_status st = sz_sync_get_status(c->sync);
				if (st == SZ_SYNC_FAILED && n > 0) {
					/* one last try to tell the peer why */
					ssize_t w = send(c->fd, o, n, MSG_NOSIGNAL | MSG_DONTWAIT);
					(void)w;
				}
				if ((st == SZ_SYNC_DONE && n == 0) || st == SZ_SYNC_FAILED) {
					sync_finished(d, c);
					c->dead = true;
				}
			}
			if (c->kind == C_CTL && c->waiting == false && c->out.len > 0 &&
			    c->out_off == c->out.len)
				c->dead = true;
			if (c->dead) {
				if (c->kind == C_SYNC && c->waiter != NULL) {
					sz_buf e = { 0 };
					sz_buf_append(&e, "the sync could not start\n", 25);
					ctl_answer(c->waiter, 1, NULL, &e);
					sz_buf_free(&e);
					c->waiter = NULL;
				}
				d->conns[i] = d->conns[--d->nconns];
				conn_close(d, c);
				continue;
			}
			i++;
		}
	}
	sz_daemon_log(d, "stopping");
	return SZ_OK;
}

void
sz_daemon_free(sz_daemon *d)
{
	if (d == NULL)
		return;
	while (d->nconns > 0)
		conn_close(d, d->conns[--d->nconns]);
	for (size_t i = 0; i < d->nl; i++)
		close(d->lfd[i]);
	if (d->ctl_fd >= 0) {
		close(d->ctl_fd);
		unlink(d->ctl_path);
	}
	sz_tor_free(d->tor);
	sz_node_close(d->node);
	free(d);
}
