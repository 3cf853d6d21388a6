/*
 * daemon_dial.c - the daemon's outgoing syncs: a non-blocking connect, SOCKS5 through its tor for
 * an onion, then a session; rounds while a session teaches new epochs; the answer to the client
 * that asked (`samizdat sync`, `cell join`), or the automatic sync's bookkeeping.  Layer: app.
 * Nothing here blocks the daemon's loop: a dial is a state of its connection.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "app/daemon_int.h"
#include "app/invite.h"
#include "app/join.h"
#include "app/node_reach.h"
#include "cell/cell.h"
#include "crypto/crypto.h"
#include "lib/jsonw.h"
#include "transport/tcpdial.h"

/* Redeeming an invitation: what opens the answer (wiped when done). */
struct sz_daemon_join {
	sz_join_secrets js;
	sz_node_joining j;
	uint8_t req[SZ_JOIN_REQUEST_BYTES];
	uint8_t node_key[32];     /* the inviter's transport key: no one else is answered */
	uint8_t token[16];        /* the code's: its onion client key reaches the inviter's onion */
};

void
sz_daemon_dial_free(conn *c)
{
	if (c->join != NULL) {
		sz_secret_free(c->join);
		c->join = NULL;
	}
}

void
sz_daemon_join_config(conn *c, sz_sync_config *cfg)
{
	cfg->join = c->join->req;
	cfg->join_len = sizeof c->join->req;
	cfg->hooks.ctx = &c->join->j;
	cfg->hooks.on_welcome = sz_node_on_welcome;
}

/* Connect c's socket: to its address, or for an onion to tor's SOCKS port. */
static int
dial_connect(sz_daemon *d, conn *c)
{
	sz_addr to = c->addr;
	char why[128];
	if (c->addr.onion) {
		if (d->socks[0] == '\0' && sz_daemon_tor_socks(d, d->socks, sizeof d->socks) != SZ_OK)
			return SZ_ERR_UNSUPPORTED;
		if (sz_addr_parse(&to, d->socks, why, sizeof why) != SZ_OK)
			return SZ_ERR_UNSUPPORTED;
	}
	c->stage = ST_DIAL;
	c->stage_ms = sz_tcpdial_now_ms();
	int r = sz_tcpdial_start(to.host, to.port, &c->fd);
	return r == SZ_ERR_AGAIN ? SZ_OK : r == SZ_OK ? SZ_ERR_AGAIN : r;
}

/* The TCP connection is up. */
static int
connected(sz_daemon *d, conn *c)
{
	if (c->addr.onion) {
		int r = sz_socks5_init(&c->socks, c->addr.host, c->addr.port);
		if (r != SZ_OK)
			return r;
		c->stage = ST_SOCKS;
		c->stage_ms = sz_tcpdial_now_ms();
		return SZ_OK;
	}
	c->stage = ST_RUN;
	return sz_daemon_session_start(d, c);
}

/* The dial failed for good: nothing ran. */
static void
dial_failed(sz_daemon *d, conn *c, int err)
{
	c->dial_err = err;
	c->dead = true;
	if (!sz_daemon_dial_done(d, c, err, NULL)) {
		/* answered */
	}
}

void
sz_daemon_dial_io(sz_daemon *d, conn *c, short rev)
{
	int r;
	if (c->fd < 0)
		return;
	if (c->stage == ST_DIAL) {
		if (!(rev & (POLLOUT | POLLERR | POLLHUP)))
			return;
		if ((r = sz_tcpdial_finish(c->fd)) == SZ_OK)
			r = connected(d, c);
		if (r != SZ_OK)
			dial_failed(d, c, c->addr.onion && c->stage == ST_DIAL ? SZ_ERR_UNSUPPORTED : r);
		return;
	}
	/* SOCKS5: send what the machine has, read exactly what it needs (never past the reply:
	 * what follows belongs to the session). */
	const uint8_t *p;
	size_t n;
	sz_socks5_pending(&c->socks, &p, &n);
	if (n > 0 && (rev & POLLOUT)) {
		ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
		if (w > 0)
			sz_socks5_sent(&c->socks, (size_t)w);
		else if (w < 0 && errno != EAGAIN && errno != EINTR)
			dial_failed(d, c, SZ_ERR_UNSUPPORTED);
		return;
	}
	if (!(rev & (POLLIN | POLLHUP | POLLERR)))
		return;
	uint8_t buf[300];
	size_t want = sz_socks5_want(&c->socks), used = 0;
	if (want == 0 || want > sizeof buf)
		want = 1;
	ssize_t k = recv(c->fd, buf, want, 0);
	if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR)) {
		dial_failed(d, c, SZ_ERR_UNSUPPORTED);
		return;
	}
	if (k < 0)
		return;
	r = sz_socks5_input(&c->socks, buf, (size_t)k, &used);
	if (r == SZ_ERR_AGAIN)
		return;
	if (r == SZ_OK) {
		c->stage = ST_RUN;
		if ((r = sz_daemon_session_start(d, c)) != SZ_OK)
			dial_failed(d, c, r);
		return;
	}
	/* A fresh onion service is not reachable for a while: try again in a second, within the
	 * dial's time. */
	if (sz_socks5_retryable(c->socks.rep) &&
	    sz_tcpdial_now_ms() - c->opened_ms + 1000 < SZ_DAEMON_TOR_DIAL_MS) {
		close(c->fd);
		c->fd = -1;
		c->retry_ms = sz_tcpdial_now_ms() + 1000;
		return;
	}
	dial_failed(d, c, r);
}

void
sz_daemon_dial_tick(sz_daemon *d, conn *c, uint64_t now)
{
	if (c->retry_ms != 0 && now >= c->retry_ms) {
		c->retry_ms = 0;
		int r = dial_connect(d, c);
		if (r == SZ_ERR_AGAIN)
			r = connected(d, c);
		if (r != SZ_OK)
			dial_failed(d, c, r);
		return;
	}
	uint64_t limit = c->addr.onion ? SZ_DAEMON_TOR_DIAL_MS : SZ_DAEMON_DIAL_MS;
	if ((c->stage == ST_DIAL && sz_daemon_since(now, c->stage_ms) > SZ_DAEMON_DIAL_MS) ||
	    sz_daemon_since(now, c->opened_ms) > limit)
		dial_failed(d, c, c->addr.onion ? SZ_ERR_UNREACHABLE : SZ_ERR_TIMEOUT);
}

/* A new outgoing connection to addr (round `round` of a request), answered to client. */
static int
dial_new(sz_daemon *d, void *client, const sz_addr *addr, int round, const sz_sync_stats *so_far,
    uint32_t target, struct sz_daemon_join *join, const uint8_t *expect)
{
	if (d->node == NULL)
		return SZ_ERR_LOCKED;
	if (addr->onion && !d->tor_ready)
		return SZ_ERR_UNSUPPORTED;
	conn *c = sz_daemon_conn_add(d, C_SYNC, -1, addr->host);
	if (c == NULL)
		return SZ_ERR_LIMIT;
	c->outgoing = true;
	c->addr = *addr;
	c->rounds = round;
	c->total = *so_far;
	c->target = target;
	c->join = join;
	if (expect != NULL) {
		memcpy(c->key, expect, 32);
		c->expect = c->key; /* only that node answers */
	}
	if (sz_node_scopes(d->node, &c->scopes_before, &c->nbefore) != SZ_OK) {
		c->scopes_before = NULL;
		c->nbefore = 0;
	}
	int r = dial_connect(d, c);
	if (r == SZ_ERR_AGAIN)
		r = connected(d, c);
	if (r != SZ_OK) {
		c->join = NULL; /* the caller keeps it */
		c->target = 0;
		c->dead = true;
		return r;
	}
	c->waiter = client;
	return SZ_OK;
}

int
sz_daemon_sync_start(sz_daemon *d, void *client, const sz_addr *addr)
{
	sz_sync_stats zero;
	uint64_t mark = 0;
	memset(&zero, 0, sizeof zero);
	bool marked = d->node != NULL && sz_node_news_mark(d->node, &mark) == SZ_OK;
	int r = dial_new(d, client, addr, 1, &zero, 0, NULL, NULL);
	if (r == SZ_OK) {
		conn *c = d->conns[d->nconns - 1]; /* the one just added */
		c->news_mark = mark;
		c->has_mark = marked;
	}
	return r;
}

int
sz_daemon_dial_target(sz_daemon *d, const sz_addr *addr, uint32_t id, const uint8_t *key)
{
	sz_sync_stats zero;
	memset(&zero, 0, sizeof zero);
	return dial_new(d, NULL, addr, 1, &zero, id, NULL, key);
}

int
sz_daemon_join_start(sz_daemon *d, void *client, const sz_invite *iv)
{
	if (d->node == NULL)
		return SZ_ERR_LOCKED;
	struct sz_daemon_join *j = sz_secret_alloc(sizeof *j);
	if (j == NULL)
		return SZ_ERR_NOMEM;
	memset(j, 0, sizeof *j);
	int r = sz_node_join_prepare(d->node, iv, j->req, &j->js);
	j->j.n = d->node;
	j->j.js = &j->js;
	memcpy(j->node_key, iv->node_key, 32);
	memcpy(j->token, iv->token, 16);
	if (r == SZ_OK && iv->addr.onion && strlen(iv->addr.host) == SZ_ONION_ID_LEN + 6) {
		/* the inviter's onion lets in the holder of the code's key: give it to tor first (the
		 * dial retries while tor takes it) */
		char id[SZ_ONION_ID_BUF];
		uint8_t sk[32], pk[32];
		memcpy(id, iv->addr.host, SZ_ONION_ID_LEN);
		id[SZ_ONION_ID_LEN] = '\0';
		sz_reach_invite_client_key(iv->token, sk, pk);
		sz_daemon_auto_tor(d, NULL, 0, id, sk);
		sodium_memzero(sk, sizeof sk);
	}
	sz_sync_stats zero;
	memset(&zero, 0, sizeof zero);
	if (r == SZ_OK)
		r = dial_new(d, client, &iv->addr, 1, &zero, 0, j, j->node_key);
	if (r != SZ_OK)
		sz_secret_free(j);
	return r;
}

/* Did the node learn epochs it did not know when c's session began? */
static bool
scopes_grew(sz_daemon *d, const conn *c)
{
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
	return grew;
}

static void
answer(conn *waiter, int code, const char *out, const char *err)
{
	sz_buf o = { 0 }, e = { 0 };
	if (out != NULL)
		sz_buf_append(&o, out, strlen(out));
	if (err != NULL)
		sz_buf_append(&e, err, strlen(err));
	sz_daemon_ctl_answer(waiter, code, &o, &e);
	sz_buf_free(&o);
	sz_buf_free(&e);
}

/* What the person is told when a sync did not complete: the other side's refusal in its own
 * words (busy, retry after N s), not "it broke off". */
static void
why_failed(const conn *c, int err, char *msg, size_t n)
{
	const char *pe = c->sync != NULL ? sz_sync_peer_error(c->sync) : "";
	int pc = c->sync != NULL ? sz_sync_peer_code(c->sync) : 0;
	if (pc == SZ_ERR_BUSY || pc == SZ_ERR_DENIED)
		snprintf(msg, n, "the other node refused the sync: %s", pe);
	else if (c->sync == NULL)
		snprintf(msg, n, "cannot reach %s: %s", c->peer, err == SZ_ERR_UNSUPPORTED ?
		    "an onion address needs Tor ('samizdat serve --tor PATH' or --tor-control)" :
		    sz_strerror(err));
	else if (pe[0])
		snprintf(msg, n, "the sync with %s stopped: the other side said: %s", c->peer, pe);
	else
		snprintf(msg, n, "the sync with %s broke off: %s", c->peer, sz_strerror(err));
}

/* Why a sync failed, for the log a person reads: no address, no text from the other side. */
static const char *
sync_failure(const conn *c, int err)
{
	int pc = c->sync != NULL ? sz_sync_peer_code(c->sync) : 0;
	if (pc == SZ_ERR_BUSY || pc == SZ_ERR_DENIED)
		return "the other node refused it (busy, or it does not take this node)";
	if (c->sync == NULL)
		return err == SZ_ERR_UNSUPPORTED ? "an onion address needs Tor" :
		    "the other node could not be reached";
	return sz_strerror(err);
}

/* The end of a join: joined (then a first sync as a member), or refused. */
static bool
join_done(sz_daemon *d, conn *c, int err)
{
	struct sz_daemon_join *j = c->join;
	char msg[512];
	conn *w = c->waiter;
	if (err == SZ_OK && j->j.refused == SZ_OK && j->j.cell != NULL) {
		/* A member now: fetch the history and hand over my first update, from the inviter
		 * (still pinned to its key).  The next connection answers the client. */
		sz_sync_stats zero;
		memset(&zero, 0, sizeof zero);
		char name[80];
		sz_text_printable(name, sizeof name, sz_cell_name(j->j.cell));
		sz_daemon_debug(d, "joined a cell through %s", c->peer);
		/* the inviter's node is where the automatic sync goes until members' records come */
		if (sz_node_reach_note_invite(d->node, j->j.cell, j->node_key, &c->addr, j->token) !=
		    SZ_OK)
			sz_daemon_log(d, "could not note the inviter's address");
		d->targets_dirty = d->publish_dirty = true;
		c->waiter = NULL;
		if (dial_new(d, w, &c->addr, 1, &zero, 0, NULL, j->node_key) == SZ_OK) {
			conn *next = d->conns[d->nconns - 1];
			snprintf(next->joined, sizeof next->joined, "%s", name);
			return true;
		}
		if (w != NULL) {
			snprintf(msg, sizeof msg, "Joined the cell '%s'. The first sync did not start; the "
			    "daemon syncs with the inviter by itself.\n", name);
			answer(w, 0, msg, NULL);
		}
		return false;
	}
	if (w == NULL)
		return false;
	if (err == SZ_OK && j->j.refused != SZ_OK) {
		snprintf(msg, sizeof msg, "samizdat cell join: %s.\n", j->j.refused == SZ_ERR_EXPIRED ?
		    "the invitation was already used, revoked or has expired; if you did not use it, tell "
		    "the inviter now: someone else may have, and 'samizdat cell revoke CODE' on their "
		    "side undoes it if that someone has not joined yet" :
		    "the inviter's node refused the invitation");
		/* exit codes as the command line's (cli/words.c) */
		answer(w, j->j.refused == SZ_ERR_EXPIRED || j->j.refused == SZ_ERR_BAD_SIGNATURE ? 5 :
		    j->j.refused == SZ_ERR_NOT_MEMBER ? 6 : 1, NULL, msg);
	} else {
		char why[300];
		why_failed(c, err == SZ_OK ? SZ_ERR_PEER : err, why, sizeof why);
		snprintf(msg, sizeof msg, "samizdat cell join: %s. Is 'samizdat serve' running there? "
		    "Try again later, or finish by courier: 'samizdat cell join CODE --request FILE'.\n",
		    why);
		answer(w, 4, NULL, msg);
	}
	c->waiter = NULL;
	return false;
}

/* Note the end of an outgoing sync with c's address (the oldest note gives way). */
static void
note_synced(sz_daemon *d, const conn *c, bool ok)
{
	char a[SZ_NET_ADDR_TEXT];
	if (sz_addr_format(&c->addr, a, sizeof a) != SZ_OK)
		return;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	size_t slot = 0;
	for (size_t i = 0; i < SZ_DAEMON_SYNCED_MAX; i++) {
		if (strcmp(d->synced[i].addr, a) == 0) {
			slot = i;
			break;
		}
		if (d->synced[i].at_ms < d->synced[slot].at_ms)
			slot = i;
	}
	snprintf(d->synced[slot].addr, sizeof d->synced[slot].addr, "%s", a);
	d->synced[slot].at_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	d->synced[slot].ok = ok;
}

int
sz_daemon_last_sync(const sz_daemon *d, const char *addr, sz_daemon_synced *out)
{
	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < SZ_DAEMON_SYNCED_MAX; i++)
		if (d->synced[i].at_ms != 0 && strcmp(d->synced[i].addr, addr) == 0) {
			*out = d->synced[i];
			return SZ_OK;
		}
	return SZ_ERR_NOT_FOUND;
}

bool
sz_daemon_dial_done(sz_daemon *d, conn *c, int err, const sz_sync_stats *one)
{
	note_synced(d, c, err == SZ_OK);
	sz_sync_stats st;
	memset(&st, 0, sizeof st);
	if (one != NULL)
		st = *one;
	st.received += c->total.received;
	st.stored += c->total.stored;
	st.rejected += c->total.rejected;
	st.sent += c->total.sent;
	st.bytes_in += c->total.bytes_in;
	st.bytes_out += c->total.bytes_out;
	if (c->join != NULL)
		return join_done(d, c, err);
	/* A session carries only the scopes known when it began: if this one taught the node new
	 * epochs, run another round before answering (as the CLI does). */
	if (err == SZ_OK && c->rounds < 4 && d->node != NULL && scopes_grew(d, c) &&
	    dial_new(d, c->waiter, &c->addr, c->rounds + 1, &st, c->target, NULL, c->expect) ==
	    SZ_OK) {
		conn *next = d->conns[d->nconns - 1];
		next->news_mark = c->news_mark;
		next->has_mark = c->has_mark;
		c->waiter = NULL; /* the next round answers */
		c->target = 0;
		return true;
	}
	char line[512], msg[640];
	if (err == SZ_OK && c->joined[0])
		snprintf(msg, sizeof msg, "Joined the cell '%s'.\n", c->joined);
	else if (err == SZ_OK) {
		/* what arrived, in words, then the figures */
		sz_buf words = { 0 };
		if (!c->has_mark || d->node == NULL || sz_node_news(d->node, c->news_mark, &words) != SZ_OK) {
			words.len = 0;
			sz_buf_append(&words, "done", 4);
		}
		snprintf(msg, sizeof msg, "Synced with %s: %.*s (received %llu, stored %llu, refused "
		    "%llu; sent %llu).\n", c->peer, (int)(words.len < 300 ? words.len : 300),
		    (const char *)words.p, (unsigned long long)st.received,
		    (unsigned long long)st.stored, (unsigned long long)st.rejected,
		    (unsigned long long)st.sent);
		sz_buf_free(&words);
	}
	else if (c->joined[0])
		snprintf(msg, sizeof msg, "Joined the cell '%s'. The first sync did not finish; the "
		    "daemon syncs with the inviter by itself", c->joined);
	else
		why_failed(c, err, msg, sizeof msg);
	bool moved = st.stored > 0 || st.sent > 0;
	if (c->target == 0 || (err == SZ_OK && moved))
		sz_daemon_debug(d, "%ssync to %s: %s; received %llu (stored %llu, refused %llu), sent %llu; "
		    "%llu bytes in, %llu out", c->target != 0 ? "automatic " : "", c->peer,
		    err == SZ_OK ? "done" : msg,
		    (unsigned long long)st.received, (unsigned long long)st.stored,
		    (unsigned long long)st.rejected, (unsigned long long)st.sent,
		    (unsigned long long)st.bytes_in, (unsigned long long)st.bytes_out);
	if (err != SZ_OK && c->target == 0)
		sz_daemon_log(d, "a sync with another node failed: %s", sync_failure(c, err));
	uint8_t pk[32];
	if (c->target != 0 && d->as_ready && c->sync != NULL && sz_sync_peer_key(c->sync, pk) == SZ_OK)
		sz_autosync_seen(&d->as, c->target, pk);
	if (c->target != 0)
		sz_daemon_auto_done(d, c->target, err, c->sync != NULL &&
		    sz_sync_peer_code(c->sync) == SZ_ERR_BUSY ? sz_sync_retry_after(c->sync) : -1,
		    st.stored, moved);
	c->target = 0;
	if (c->waiter == NULL)
		return false;
	int pc = c->sync != NULL ? sz_sync_peer_code(c->sync) : 0;
	int code = err == SZ_OK ? 0 : pc == SZ_ERR_BUSY || err == SZ_ERR_UNREACHABLE ||
	    err == SZ_ERR_TIMEOUT || err == SZ_ERR_CLOSED || err == SZ_ERR_PEER ||
	    err == SZ_ERR_UNSUPPORTED ? 4 : 1;
	char text[760] = "";
	if (c->joined[0]) {
		/* the name as a JSON string (it may hold quotes) */
		sz_buf jb = { 0 };
		sz_jsonw jw;
		sz_jsonw_init(&jw, &jb);
		sz_jsonw_obj_begin(&jw);
		sz_jsonw_key(&jw, "cell");
		sz_jsonw_str(&jw, c->joined);
		sz_jsonw_key(&jw, "ok");
		sz_jsonw_bool(&jw, true);
		sz_jsonw_key(&jw, "exit");
		sz_jsonw_i64(&jw, 0);
		sz_jsonw_obj_end(&jw);
		snprintf(line, sizeof line, "%.*s\n", jb.err ? 0 : (int)jb.len, (const char *)jb.p);
		sz_buf_free(&jb);
		if (err != SZ_OK)
			strcat(msg, ".\n");
		answer(c->waiter, 0, c->waiter->json ? line : msg, c->waiter->json ? msg : NULL);
		c->waiter = NULL;
		return false;
	}
	if (err != SZ_OK)
		snprintf(text, sizeof text, "samizdat sync: %s.%s\n", msg, pc == SZ_ERR_BUSY ||
		    pc == SZ_ERR_DENIED ? "" : " What arrived intact is kept; run it again to continue.");
	if (c->waiter->json) {
		snprintf(line, sizeof line, "{\"received\":%llu,\"stored\":%llu,\"refused\":%llu,"
		    "\"sent\":%llu,\"bytes_in\":%llu,\"bytes_out\":%llu,\"rounds\":%d,"
		    "\"shared\":%llu,\"peer_tokens\":%llu,\"hello_bytes\":%llu,\"ok\":%s,"
		    "\"busy\":%s,\"exit\":%d}\n", (unsigned long long)st.received,
		    (unsigned long long)st.stored, (unsigned long long)st.rejected,
		    (unsigned long long)st.sent, (unsigned long long)st.bytes_in,
		    (unsigned long long)st.bytes_out, c->rounds, (unsigned long long)st.scopes_shared,
		    (unsigned long long)st.peer_tokens, (unsigned long long)st.hello_bytes,
		    err == SZ_OK ? "true" : "false", pc == SZ_ERR_BUSY ? "true" : "false", code);
		answer(c->waiter, code, line, err == SZ_OK ? msg : text);
	} else {
		answer(c->waiter, code, err == SZ_OK ? msg : NULL, err == SZ_OK ? NULL : text);
	}
	c->waiter = NULL;
	return false;
}
