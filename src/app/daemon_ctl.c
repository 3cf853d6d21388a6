/*
 * daemon_ctl.c - the daemon's control socket: the command line's requests, answered inside the
 * daemon with its unlocked node (docs/PROTOCOL.md §15).  Layer: app.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "app/control.h"
#include "app/daemon_int.h"
#include "transport/tcpdial.h"

int
sz_daemon_ctl_listen(sz_daemon *d)
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

void
sz_daemon_ctl_accept(sz_daemon *d)
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
		/* Its own slots: sync peers cannot take them, nor it theirs.  Full, the oldest client
		 * that has not yet sent a whole request gives way (one waiting for a sync, or reading
		 * its answer, keeps its slot). */
		if (sz_daemon_count(d, C_CTL) >= SZ_DAEMON_MAX_CTL) {
			conn *v = NULL;
			for (size_t i = 0; i < d->nconns; i++) {
				conn *o = d->conns[i];
				if (o->kind == C_CTL && !o->dead && !o->waiting && o->out.len == 0 &&
				    (v == NULL || o->opened_ms < v->opened_ms))
					v = o;
			}
			if (v != NULL)
				sz_daemon_conn_drop(d, v);
		}
		if (sz_daemon_count(d, C_CTL) >= SZ_DAEMON_MAX_CTL ||
		    sz_daemon_conn_add(d, C_CTL, fd, "control") == NULL) {
			sz_daemon_log(d, "refused a control connection: %d clients already",
			    SZ_DAEMON_MAX_CTL);
			close(fd);
		}
	}
}

void
sz_daemon_ctl_tick(sz_daemon *d, conn *c, uint64_t now)
{
	/* A client that does not finish asking in time, or does not read its answer, is dropped;
	 * one waiting for a deferred command (a sync) is not: that is bounded by the command. */
	if (c->dead || c->waiting)
		return;
	if (c->out.len == 0 && sz_daemon_since(now, c->opened_ms) > SZ_DAEMON_CTL_REQUEST_MS) {
		sz_daemon_log(d, "dropped a control client that sent no whole request in %d s",
		    SZ_DAEMON_CTL_REQUEST_MS / 1000);
		c->dead = true;
	} else if (c->out.len > 0 && sz_daemon_since(now, c->stage_ms) > SZ_DAEMON_CTL_ANSWER_MS) {
		sz_daemon_log(d, "dropped a control client that did not read its answer");
		c->dead = true;
	}
}

void
sz_daemon_ctl_answer(conn *c, int code, const sz_buf *out, const sz_buf *err)
{
	if (c->kind == C_HOOK) {
		/* not a socket: hand the answer over, once */
		if (c->done != NULL && !c->dead)
			c->done(c->done_ctx, code, out ? out->p : NULL, out ? out->len : 0,
			    err ? err->p : NULL, err ? err->len : 0);
		c->done = NULL;
		c->waiting = false;
		c->dead = true;
		return;
	}
	c->out.len = 0;
	if (sz_ctl_response_encode(&c->out, code, out ? out->p : NULL, out ? out->len : 0,
	    err ? err->p : NULL, err ? err->len : 0) != SZ_OK)
		c->dead = true;
	c->out_off = 0;
	c->waiting = false;
	c->stage_ms = sz_tcpdial_now_ms(); /* from now on the client must read */
}

void
sz_daemon_ctl_read(sz_daemon *d, conn *c)
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
	uint64_t before = d->node != NULL ? d->node->stored : 0;
	int code = d->o.run(d->o.run_ctx, d, c, rq.argc, argv, rq.json, rq.secret, rq.secretlen,
	    &out, &err);
	/* What it made goes to the others within a second or so; a ballot or a pledge (even one
	 * signed --now) with the next periodic sync, not pushed (docs/threat/decisions.md §10). */
	bool anon = strcmp(rq.argv[0], "vote") == 0 || (strcmp(rq.argv[0], "pledge") == 0 &&
	    rq.argc > 1 && strcmp(rq.argv[1], "sign") == 0);
	sz_daemon_auto_note(d, before, !anon);
	/* Not when a member voted or pledged: with the ballot's signed time, such a line in a
	 * seized log would undo the release delay (docs/threat/decisions.md §10). */
	if (strcmp(rq.argv[0], "vote") != 0 && strcmp(rq.argv[0], "pledge") != 0)
		sz_daemon_debug(d, "control: %s%s%s -> %d", rq.argv[0], rq.argc > 1 ? " " : "",
		    rq.argc > 1 ? rq.argv[1] : "", code);
	bool invite = rq.argc >= 2 && strcmp(rq.argv[0], "cell") == 0 &&
	    strcmp(rq.argv[1], "invite") == 0;
	sz_ctl_request_free(&rq);
	if (invite && code == 0 && d->tor_ready) {
		/* The code is answered once the onion service lets its key in (published again, its
		 * descriptor uploaded), so that the newcomer never fetches one that does not. */
		sz_daemon_auto_regather(d);
		if (!sz_daemon_tor_settled(d)) {
			c->held = true;
			c->held_code = code;
			c->held_out = out;
			c->held_err = err;
			c->held_ms = sz_tcpdial_now_ms();
			c->waiting = true;
			return;
		}
	}
	if (code == SZ_DAEMON_DEFERRED)
		c->waiting = true;
	else
		sz_daemon_ctl_answer(c, code, &out, &err);
	sz_buf_free(&out);
	sz_buf_free(&err);
}

void
sz_daemon_ctl_write(conn *c)
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
