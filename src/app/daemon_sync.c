/*
 * daemon_sync.c - the daemon's sync sessions: who is let in, moving their bytes, their memory,
 * their end, and what a finished session costs its peer (docs/PROTOCOL.md §8 Limits,
 * docs/threat/jamming.md).  Layer: app.
 *
 * Nothing here is keyed on a loopback address: over Tor every peer arrives from 127.0.0.1.  A
 * connection that has not proved a transport key yet holds one of SZ_DAEMON_MAX_UNAUTH cheap
 * slots, the oldest giving way to a newcomer, and has SZ_DAEMON_HELLO_MS from its arrival to
 * finish the handshake and send its first frame, whatever bytes it trickles in.  Past the
 * handshake a peer needs a session slot: the idlest session that has been quiet for
 * SZ_DAEMON_IDLE_EVICT_MS gives way, else the newcomer is told it is busy and when to come back.
 * All sessions together hold at most the memory budget: past it the largest is ended.
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

static bool
running(const conn *c)
{
	return c->kind == C_SYNC && !c->dead &&
	    (c->sync == NULL || sz_sync_get_status(c->sync) == SZ_SYNC_RUNNING);
}

/* An incoming connection that has not proved a key yet. */
static bool
unauth(const conn *c)
{
	return c->kind == C_SYNC && !c->outgoing && !c->admitted && !c->dead;
}

/* A session that holds a slot: admitted incoming ones and every outgoing one. */
static bool
session(const conn *c)
{
	return running(c) && (c->admitted || c->outgoing);
}

/* The wait a refused peer is told, with a little jitter so that refused peers do not all come
 * back at the same moment. */
static unsigned
retry_s(sz_daemon *d)
{
	uint8_t r = 0;
	if (d->node != NULL)
		sz_random(d->node->env, &r, 1);
	return SZ_DAEMON_BUSY_RETRY_S + r % 5;
}

/* End a session from outside, telling its peer why (one try to send it), and let go of its
 * memory at once; the connection is retired by the next tick. */
static void
end_session(sz_daemon *d, conn *c, int err, const char *why)
{
	if (c->sync != NULL && sz_sync_get_status(c->sync) == SZ_SYNC_RUNNING) {
		sz_sync_abort(c->sync, err, why);
		const uint8_t *o;
		size_t n;
		sz_sync_output(c->sync, &o, &n);
		if (n > 0 && c->fd >= 0) {
			ssize_t w = send(c->fd, o, n, MSG_NOSIGNAL | MSG_DONTWAIT);
			(void)w;
		}
	}
	if (c->sync != NULL)
		sz_daemon_sync_finished(d, c);
	sz_sync_free(c->sync);
	c->sync = NULL;
	d->mem -= c->mem;
	c->mem = 0;
	c->dead = true;
}

/* Session hook, right after the handshake proved the peer's key: what its key has cost lately,
 * and how many sessions it has already.  Its slot is decided when its first frame is in. */
static int
peer_ok(void *ctx, const uint8_t pk[32], char *why, size_t whylen)
{
	conn *c = ctx;
	sz_daemon *d = c->d;
	uint64_t now = sz_tcpdial_now_ms();
	char hex[17];
	sz_hex_encode(hex, pk, 8);
	uint64_t until = sz_peercost_until(&d->cost, pk, now);
	if (until != 0) {
		d->st.refused_key++;
		sz_daemon_log(d, "refused a session: the peer sent too many envelopes that were refused "
		    "lately");
		sz_daemon_debug(d, "the refused session came from transport key %s...", hex);
		snprintf(why, whylen, "refused for a while: too many refused envelopes; retry after "
		    "%llu s", (unsigned long long)((until - now + 999) / 1000));
		return SZ_ERR_DENIED;
	}
	memcpy(c->key, pk, 32);
	if (c->outgoing)
		return SZ_OK;
	size_t same = 0;
	for (size_t i = 0; i < d->nconns; i++) {
		const conn *o = d->conns[i];
		same += o != c && running(o) && !o->outgoing && o->keyed &&
		    sodium_memcmp(o->key, pk, 32) == 0;
	}
	if (same >= SZ_DAEMON_PER_KEY) {
		d->st.refused_busy++;
		snprintf(why, whylen, "busy: %zu sessions with this node already; retry after %u s", same,
		    retry_s(d));
		return SZ_ERR_BUSY;
	}
	c->keyed = true;
	return SZ_OK;
}

/* How much a session has done: the whole frames its peer sent (capped: past a few, all are
 * alike). */
static uint64_t
work_of(const conn *c)
{
	sz_sync_stats st;
	sz_sync_get_stats(c->sync, &st);
	return st.frames_in < 4 ? st.frames_in : 4;
}

/* c has proved its key and sent its first frame: it takes a session slot.  When none is free,
 * one gives way: among those whose peers have sent fewest frames (an idle one has sent its first
 * and no other), the one that has moved least recently (no whole frame from its peer, nothing
 * read by it): an idle one, or one that announced a frame and never finished it, long before an
 * honest one, which moves every round trip. */
static void
admit(sz_daemon *d, conn *c)
{
	size_t sessions = 0;
	for (size_t i = 0; i < d->nconns; i++)
		sessions += d->conns[i] != c && session(d->conns[i]);
	if (sessions >= d->o.max_sessions) {
		conn *v = NULL;
		for (size_t i = 0; i < d->nconns; i++) {
			conn *o = d->conns[i];
			if (o == c || !session(o) || o->outgoing || o->sync == NULL)
				continue;
			if (v == NULL || work_of(o) < work_of(v) || (work_of(o) == work_of(v) &&
			    sz_sync_last_progress(o->sync) < sz_sync_last_progress(v->sync)))
				v = o;
		}
		char msg[96];
		if (v == NULL) {
			d->st.refused_busy++;
			snprintf(msg, sizeof msg, "busy: no room for another session now; retry after %u s",
			    retry_s(d));
			end_session(d, c, SZ_ERR_BUSY, msg);
			return;
		}
		snprintf(msg, sizeof msg, "busy: idle while others waited; retry after %u s", retry_s(d));
		end_session(d, v, SZ_ERR_BUSY, msg);
		d->st.evicted_idle++;
	}
	c->admitted = true;
}

int
sz_daemon_session_start(sz_daemon *d, conn *c)
{
	sz_sync_config cfg;
	void *mem = NULL;
	int r = c->pub_only ? sz_node_sync_config_public(d->node, &cfg, &mem) :
	    sz_node_sync_config(d->node, c->outgoing ? SZ_NOISE_INITIATOR : SZ_NOISE_RESPONDER,
	    &cfg, &mem);
	cfg.hooks.peer_ok = peer_ok;
	cfg.hooks.peer_ctx = c;
	cfg.limits.hello_ms = SZ_DAEMON_HELLO_MS;
	cfg.expect_remote = c->expect;
	if (r == SZ_OK && c->join != NULL)
		sz_daemon_join_config(c, &cfg);
	if (r == SZ_OK)
		r = sz_sync_new(&c->sync, &cfg);
	sz_node_sync_config_free(mem);
	return r;
}

/* How far a connection in its handshake has come: 0 nothing read yet, 1 its first message
 * answered, 2 its key proved (its first frame still to come). */
static int
stage_of(const conn *c)
{
	return c->sync == NULL ? 0 : sz_sync_authenticated(c->sync) ? 2 : 1;
}

/* The oldest connection still in its handshake gives way to a newcomer; among them first those
 * that have come least far (an idle socket before a handshake under way). */
static void
evict_oldest_unauth(sz_daemon *d)
{
	conn *v = NULL;
	for (size_t i = 0; i < d->nconns; i++) {
		conn *o = d->conns[i];
		if (!unauth(o))
			continue;
		if (v == NULL || stage_of(o) < stage_of(v) ||
		    (stage_of(o) == stage_of(v) && o->opened_ms < v->opened_ms))
			v = o;
	}
	if (v != NULL) {
		/* No keys yet: nothing can be said to it.  Gone at once, so that its slot is free. */
		sz_daemon_conn_drop(d, v);
		d->st.evicted_unauth++;
	}
}

void
sz_daemon_sync_accept(sz_daemon *d, int lfd)
{
	/* At most an eighth of the handshake slots per turn: every connection taken in then lives
	 * at least eight turns of the loop before it can be pushed out, time enough for an honest
	 * peer's next message to be read.  The rest wait in the kernel's backlog (SOMAXCONN) for
	 * the next turn, which comes within milliseconds. */
	for (int k = 0; k < SZ_DAEMON_MAX_UNAUTH / 8; k++) {
		int fd;
		char peer[SZ_NET_HOST_MAX];
		if (sz_net_accept(lfd, &fd, peer) != SZ_OK)
			return;
		d->st.accepted++;
		bool local = sz_tcpdial_is_loopback(peer);
		const char *why = NULL;
		if (d->node == NULL) {
			why = "the node is locked";
		} else if (!local) {
			/* A LAN address is a peer's own: it may be judged by it.  A loopback one is
			 * everyone's (Tor), and never is. */
			size_t same = 0;
			for (size_t i = 0; i < d->nconns; i++)
				same += d->conns[i]->kind == C_SYNC && !d->conns[i]->outgoing &&
				    strcmp(d->conns[i]->peer, peer) == 0;
			why = penalized(d, peer) ? "it misbehaved recently" :
			    same >= SZ_DAEMON_PER_LAN_HOST ? "too many connections from it" : NULL;
		}
		size_t nun = 0;
		for (size_t i = 0; why == NULL && i < d->nconns; i++)
			nun += unauth(d->conns[i]);
		if (why == NULL && nun >= SZ_DAEMON_MAX_UNAUTH)
			evict_oldest_unauth(d);
		conn *c = why == NULL ? sz_daemon_conn_add(d, C_SYNC, fd, peer) : NULL;
		if (c == NULL) {
			uint64_t now = sz_tcpdial_now_ms();
			d->refused_unlogged++;
			if (sz_daemon_since(now, d->refused_log_ms) >= 1000) {
				sz_daemon_log(d, "refused %llu connection%s (%s)",
				    (unsigned long long)d->refused_unlogged, d->refused_unlogged > 1 ? "s" : "",
				    why ? why : "full");
				sz_daemon_debug(d, "the last refused connection came from %s", peer);
				d->refused_log_ms = now;
				d->refused_unlogged = 0;
			}
			close(fd);
			continue;
		}
		c->local = local;
		c->pub_only = lfd == d->pub_fd;
		/* Its session (keys, offers) is made when its first bytes come: an idle socket costs
		 * nothing but its slot.  An honest peer sends its first message with the connection,
		 * so look now: read, it is past the idle sockets that give way first. */
		sz_daemon_sync_io(d, c, POLLIN);
		if (c->dead)
			sz_daemon_conn_drop(d, c); /* it came and went (a flood): free its slot now */
	}
}

short
sz_daemon_sync_events(const conn *c)
{
	if (c->outgoing && c->stage == ST_DIAL)
		return POLLOUT;
	if (c->outgoing && c->stage == ST_SOCKS) {
		const uint8_t *p;
		size_t n;
		sz_socks5_pending(&c->socks, &p, &n);
		return n > 0 ? POLLOUT : POLLIN;
	}
	if (c->sync == NULL)
		return POLLIN;
	const uint8_t *o;
	size_t n;
	short ev = POLLIN;
	sz_sync_output(c->sync, &o, &n);
	if (n > 0)
		ev |= POLLOUT;
	if (n > SZ_SYNC_OUT_HIGH)
		ev &= (short)~POLLIN; /* the peer is not reading: neither do we */
	return ev;
}

static void
measure(sz_daemon *d, conn *c)
{
	size_t m = c->sync != NULL ? sz_sync_mem(c->sync) : 0;
	d->mem = d->mem - c->mem + m;
	c->mem = m;
	if (d->mem > d->st.mem_peak)
		d->st.mem_peak = d->mem;
}

/* Before c is given more bytes: make room for what they could make it hold (its largest buffer
 * doubling, and one read), ending the largest sessions, c itself if it is the largest, until
 * all sessions together stay within the budget.  Returns false if c was ended. */
static bool
make_room(sz_daemon *d, conn *c)
{
	size_t need = c->mem + (192u << 10);
	while (d->mem + need > d->o.mem_budget) {
		conn *v = NULL;
		for (size_t i = 0; i < d->nconns; i++) {
			conn *o = d->conns[i];
			if (!o->dead && o->sync != NULL && (v == NULL || o->mem > v->mem))
				v = o;
		}
		if (v == NULL)
			break;
		char msg[96];
		snprintf(msg, sizeof msg, "busy: over this node's memory for sessions; retry after %u s",
		    retry_s(d));
		uint64_t now = sz_tcpdial_now_ms();
		if (sz_daemon_since(now, d->mem_log_ms) >= 1000) {
			/* once a second at most: a jammer must not fill the disk with our log */
			sz_daemon_log(d, "the sessions' memory budget (%zu MiB) was reached: ended the "
			    "largest session (%zu KiB, %s %s), %llu so far", (size_t)(d->o.mem_budget >> 20),
			    v->mem >> 10, v->outgoing ? "to" : "from", v->peer,
			    (unsigned long long)d->st.evicted_mem + 1);
			d->mem_log_ms = now;
		}
		d->st.evicted_mem++;
		end_session(d, v, SZ_ERR_BUSY, msg);
		if (v == c)
			return false;
		need = c->mem + (192u << 10);
	}
	return true;
}

static void sync_io(sz_daemon *d, conn *c, short rev);

void
sz_daemon_sync_io(sz_daemon *d, conn *c, short rev)
{
	/* What its batches brought goes on to the others, not back to where it came from (its
	 * key proved before the bytes that brought anything; the session may end with them). */
	uint8_t pk[32];
	bool known = c->sync != NULL && sz_sync_peer_key(c->sync, pk) == SZ_OK;
	sync_io(d, c, rev);
	if (!known)
		known = c->sync != NULL && sz_sync_peer_key(c->sync, pk) == SZ_OK;
	sz_daemon_auto_forward(d, known ? pk : NULL);
}

static void
sync_io(sz_daemon *d, conn *c, short rev)
{
	uint8_t buf[65536];
	if (c->outgoing && c->stage != ST_RUN) {
		sz_daemon_dial_io(d, c, rev);
		return;
	}
	if (c->sync == NULL) {
		/* Its first bytes: only then is a session (keys, offers) made for it. */
		if (!(rev & (POLLIN | POLLHUP | POLLERR)))
			return;
		ssize_t k = recv(c->fd, buf, sizeof buf, 0);
		if (k < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (k <= 0 || d->node == NULL || sz_daemon_session_start(d, c) != SZ_OK) {
			c->dead = true;
			return;
		}
		if (sz_sync_input(c->sync, buf, (size_t)k) != SZ_OK) {
			/* failed: retired by the next tick */
		}
		rev = (short)((rev | POLLOUT) & ~(POLLIN | POLLHUP | POLLERR));
	}
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
	if ((rev & (POLLIN | POLLHUP | POLLERR)) && make_room(d, c)) {
		ssize_t k = recv(c->fd, buf, sizeof buf, 0);
		if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR))
			sz_sync_eof(c->sync);
		else if (k > 0 && sz_sync_input(c->sync, buf, (size_t)k) != SZ_OK) {
			/* failed: the status says so; the ERROR frame is flushed below */
		}
	}
	if (c->sync == NULL)
		return; /* ended for the memory budget */
	if (!c->outgoing && !c->admitted && sz_sync_get_status(c->sync) != SZ_SYNC_FAILED &&
	    sz_sync_started(c->sync))
		admit(d, c);
	measure(d, c);
}

void
sz_daemon_sync_tick(sz_daemon *d, uint64_t now)
{
	for (size_t i = 0; i < d->nconns; i++) {
		conn *c = d->conns[i];
		if (c->kind != C_SYNC || c->dead)
			continue;
		if (c->outgoing && c->stage != ST_RUN) {
			sz_daemon_dial_tick(d, c, now);
			continue;
		}
		/* A fixed deadline from arrival to a proved key: not the silence timer, which any byte
		 * resets. */
		if (!c->outgoing && !c->admitted && sz_daemon_since(now, c->opened_ms) > SZ_DAEMON_HELLO_MS) {
			d->st.handshake_late++;
			end_session(d, c, SZ_ERR_TIMEOUT, "no handshake in time");
		}
		if (c->sync == NULL)
			continue;
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
			sz_daemon_sync_finished(d, c);
			c->dead = true;
		}
	}
}

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
	 * everyone's); a violation costs the whole allowance.  Ended by us (busy) costs nothing. */
	if (sz_sync_peer_key(c->sync, pk) == SZ_OK)
		sz_peercost_charge(&d->cost, pk, violation ? SZ_PEERCOST_LIMIT : st.rejected,
		    sz_tcpdial_now_ms());
	else if (violation && !c->outgoing && !c->local)
		penalize(d, c->peer); /* broke the handshake itself: a LAN address is all there is */
	if (c->outgoing) {
		if (sz_daemon_dial_done(d, c, err, &st))
			return;
		return;
	}
	/* A target that dialled us: its schedule counts the session as ours (and it is reachable). */
	if (sz_sync_peer_key(c->sync, pk) == SZ_OK && c->admitted)
		sz_daemon_auto_heard(d, pk, err, st.stored > 0 || st.sent > 0);
	/* Incoming: a line in the log, unless it never got past the handshake (a flood would fill
	 * the log) or it went through and moved nothing (members' automatic syncs, every minute). */
	if (!c->admitted || (err == SZ_OK && st.received == 0 && st.sent == 0))
		return;
	if (err != SZ_OK)
		sz_daemon_log(d, "a sync another node began failed: %s", sz_strerror(err));
	sz_daemon_debug(d, "sync from %s: %s; received %llu (stored %llu, refused %llu), sent %llu; "
	    "%llu bytes in, %llu out", c->peer, err == SZ_OK ? "done" : sz_strerror(err),
	    (unsigned long long)st.received, (unsigned long long)st.stored,
	    (unsigned long long)st.rejected, (unsigned long long)st.sent,
	    (unsigned long long)st.bytes_in, (unsigned long long)st.bytes_out);
}

void
sz_daemon_get_stats(const sz_daemon *d, sz_daemon_stats *st)
{
	*st = d->st;
	st->mem = d->mem;
	st->sessions = st->unauth = 0;
	for (size_t i = 0; i < d->nconns; i++) {
		st->sessions += session(d->conns[i]);
		st->unauth += unauth(d->conns[i]);
	}
}
