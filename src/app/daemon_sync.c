/*
 * daemon_sync.c - the daemon's sync sessions: taking connections in, moving their bytes, running
 * outgoing syncs in rounds, and what a finished session costs its peer.  Layer: app.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "app/daemon_int.h"
#include "crypto/crypto.h"
#include "transport/tcpdial.h"

static int sync_round(sz_daemon *d, void *client, const sz_addr *addr, int round,
    const sz_sync_stats *so_far);

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

void
sz_daemon_sync_accept(sz_daemon *d, int lfd)
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
		conn *c = why == NULL ? sz_daemon_conn_add(d, C_SYNC, fd, peer) : NULL;
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

void
sz_daemon_sync_io(conn *c, short rev)
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
void
sz_daemon_sync_finished(sz_daemon *d, conn *c)
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
		sz_daemon_ctl_answer(c->waiter, code, &out, &errb);
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
	conn *c = sz_daemon_conn_add(d, C_SYNC, fd, addr->host);
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
