/*
 * daemon.c - the event loop of `samizdat serve` (see daemon.h): its lifetime, lock and unlock.
 * Layer: app.  poll(2) by hand: a few dozen sockets at most, no threads, no library to trust
 * (docs/ARCHITECTURE.md says why).  Every session is a byte-in/byte-out state machine, so the loop
 * only moves bytes, enforces limits and keeps time.  The control socket is daemon_ctl.c, sync
 * sessions daemon_sync.c, Tor daemon_tor.c.
 */
#include <errno.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "app/daemon_int.h"
#include "app/node_decide.h"
#include "transport/tcpdial.h"

static volatile sig_atomic_t got_term, got_hup;

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = 1;
}

static void vlog(sz_daemon *d, const char *tag, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void
vlog(sz_daemon *d, const char *tag, const char *fmt, va_list ap)
{
	char when[32], line[1024];
	time_t t = time(NULL);
	struct tm tm;
	if (gmtime_r(&t, &tm) == NULL || strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		when[0] = '\0';
	vsnprintf(line, sizeof line, fmt, ap);
	/* One line each, whatever a peer put in a text we pass on. */
	for (char *p = line; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	fprintf(d->o.log, "%s %s%s\n", when, tag, line);
	fflush(d->o.log);
}

void
sz_daemon_log(sz_daemon *d, const char *fmt, ...)
{
	if (d->o.log == NULL)
		return;
	va_list ap;
	va_start(ap, fmt);
	vlog(d, "", fmt, ap);
	va_end(ap);
}

void
sz_daemon_debug(sz_daemon *d, const char *fmt, ...)
{
	if (d->o.log == NULL || !d->o.log_debug)
		return;
	va_list ap;
	va_start(ap, fmt);
	vlog(d, "debug: ", fmt, ap);
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

void
sz_daemon_stop_wiped(sz_daemon *d)
{
	d->stop = true;
	d->wiped = true;
}

/* Before stopping: the answers still queued (the wipe's, above all) reach their clients, for at
 * most two seconds. */
static void
flush_answers(sz_daemon *d)
{
	uint64_t until = sz_tcpdial_now_ms() + 2000;
	for (;;) {
		struct pollfd pf[SZ_DAEMON_MAX_CONNS];
		conn *who[SZ_DAEMON_MAX_CONNS];
		size_t np = 0;
		for (size_t i = 0; i < d->nconns && np < SZ_DAEMON_MAX_CONNS; i++) {
			conn *c = d->conns[i];
			if (c->kind == C_CTL && !c->dead && c->out_off < c->out.len) {
				pf[np] = (struct pollfd){ .fd = c->fd, .events = POLLOUT };
				who[np++] = c;
			}
		}
		uint64_t now = sz_tcpdial_now_ms();
		if (np == 0 || now >= until || poll(pf, np, (int)(until - now)) <= 0)
			return;
		for (size_t i = 0; i < np; i++)
			if (pf[i].revents != 0)
				sz_daemon_ctl_write(who[i]);
	}
}

static void
conn_close(sz_daemon *d, conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	d->mem -= c->mem;
	sz_daemon_dial_free(c);
	sz_sync_free(c->sync);
	free(c->scopes_before);
	sz_buf_free(&c->in);
	sz_buf_free(&c->out);
	sz_buf_free(&c->held_out);
	sz_buf_free(&c->held_err);
	/* A control client waiting on a sync that will never end: release it. */
	for (size_t i = 0; i < d->nconns; i++)
		if (d->conns[i]->waiter == c)
			d->conns[i]->waiter = NULL;
	free(c);
}

conn *
sz_daemon_conn_add(sz_daemon *d, enum conn_kind kind, int fd, const char *peer)
{
	if (d->nconns == SZ_DAEMON_MAX_CONNS)
		return NULL;
	conn *c = calloc(1, sizeof *c);
	if (c == NULL)
		return NULL;
	c->kind = kind;
	c->d = d;
	c->fd = fd;
	c->opened_ms = sz_tcpdial_now_ms();
	snprintf(c->peer, sizeof c->peer, "%s", peer);
	d->conns[d->nconns++] = c;
	return c;
}

void
sz_daemon_conn_drop(sz_daemon *d, conn *c)
{
	for (size_t i = 0; i < d->nconns; i++)
		if (d->conns[i] == c) {
			memmove(&d->conns[i], &d->conns[i + 1], (d->nconns - i - 1) * sizeof *d->conns);
			d->nconns--;
			conn_close(d, c);
			return;
		}
}

int
sz_daemon_attach(sz_daemon *d, const sz_daemon_source *src)
{
	if (d->nsrc == SZ_DAEMON_MAX_SOURCES || src->run == NULL)
		return SZ_ERR_LIMIT;
	d->src[d->nsrc++] = *src;
	return SZ_OK;
}

void *
sz_daemon_waiter_new(sz_daemon *d, bool json, sz_daemon_done_fn done, void *ctx)
{
	conn *c = sz_daemon_conn_add(d, C_HOOK, -1, "hook");
	if (c == NULL)
		return NULL;
	c->json = json;
	c->waiting = true;
	c->done = done;
	c->done_ctx = ctx;
	return c;
}

void
sz_daemon_waiter_cancel(sz_daemon *d, void *waiter)
{
	conn *c = waiter;
	(void)d;
	if (c != NULL && c->kind == C_HOOK) {
		c->done = NULL;
		c->waiting = false;
		c->dead = true;
	}
}

void
sz_daemon_waiter_forget(sz_daemon *d, void *ctx)
{
	for (size_t i = 0; i < d->nconns; i++)
		if (d->conns[i]->kind == C_HOOK && d->conns[i]->done_ctx == ctx)
			d->conns[i]->done = NULL;
}

size_t
sz_daemon_count(const sz_daemon *d, enum conn_kind kind)
{
	size_t n = 0;
	for (size_t i = 0; i < d->nconns; i++)
		n += d->conns[i]->kind == kind && !d->conns[i]->dead;
	return n;
}

int
sz_daemon_unlock(sz_daemon *d, const char *pass, size_t passlen)
{
	if (d->node != NULL)
		return SZ_OK;
	int r = sz_node_open(&d->node, d->o.home, pass, passlen);
	if (r == SZ_OK) {
		sz_daemon_debug(d, "unlocked");
		sz_daemon_listen_unlocked(d);
		sz_daemon_reach_save(d);
		sz_daemon_tor_start(d);
		sz_daemon_auto_attach(d);
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
			sz_daemon_dial_free(d->conns[i]);
		}
	sz_daemon_tor_stop(d);
	sz_daemon_auto_detach(d);
	sz_node_close(d->node);
	d->node = NULL;
	sz_daemon_debug(d, "locked: keys dropped from memory");
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
	d->pub_fd = -1;
	if (d->o.max_sessions == 0 || d->o.max_sessions > SZ_DAEMON_MAX_SESSIONS)
		d->o.max_sessions = SZ_DAEMON_MAX_SESSIONS;
	if (d->o.max_per_host == 0)
		d->o.max_per_host = SZ_DAEMON_PER_LAN_HOST;
	if (d->o.mem_budget == 0)
		d->o.mem_budget = SZ_DAEMON_MEM_BUDGET;
#ifdef __GLIBC__
	/* Session buffers of a few MiB come and go with peers: have them mapped and unmapped each
	 * time, so that what the process holds follows the sessions' memory budget instead of
	 * growing with a heap that glibc would otherwise keep (its dynamic mmap threshold). */
	if (mallopt(M_MMAP_THRESHOLD, 256 * 1024) != 1) {
		/* the budget still holds for what sessions use; the process may keep more */
	}
#endif
	/* Every slot is a descriptor: make sure the process may hold them all. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 2 * SZ_DAEMON_MAX_CONNS + 64) {
		rl.rlim_cur = rl.rlim_max < 2 * SZ_DAEMON_MAX_CONNS + 64 ? rl.rlim_max :
		    2 * SZ_DAEMON_MAX_CONNS + 64;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
			/* the slots simply fill sooner */
		}
	}
	if (d->o.onion_port == 0)
		d->o.onion_port = 7070;
	if ((r = sz_daemon_ctl_listen(d)) != SZ_OK)
		goto fail;
	if (d->o.nlisten == 0) {
		/* Tor needs a local port to forward to even when nothing else listens. */
		snprintf(d->o.listen[0].host, sizeof d->o.listen[0].host, "127.0.0.1");
		d->o.listen[0].port = 0;
		d->o.nlisten = 1;
	}
	d->listen_auto = d->o.listen[0].port == 0;
	d->node = node;
	if ((r = sz_daemon_listen_open(d)) != SZ_OK || (r = sz_daemon_pub_listen(d)) != SZ_OK)
		goto fail;
	sz_daemon_reach_save(d);
	sz_daemon_tor_start(d);
	sz_daemon_auto_attach(d);
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
	sz_daemon_log(d, "started; control socket %s", d->ctl_path);
	for (char *line = (char *)addrs.p, *nl; line != NULL && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		sz_daemon_log(d, "listening on %.*s", nl ? (int)(nl - line) : (int)strlen(line), line);
	}
	if (d->o.log_debug)
		sz_daemon_log(d, "DEBUG LOGGING IS ON: this log names peers' addresses and keys, the "
		    "commands run and when; whoever reads it learns who this node talked with. Do not "
		    "keep it on a device that may be seized.");
	sz_buf_free(&addrs);
	while (!d->stop && !got_term) {
		struct pollfd pf[SZ_DAEMON_MAX_LISTEN + 2 + SZ_DAEMON_MAX_SOURCES + SZ_DAEMON_MAX_CONNS];
		size_t np = 0;
		for (size_t i = 0; i < d->nl; i++)
			pf[np++] = (struct pollfd){ d->lfd[i], POLLIN, 0 };
		pf[np++] = (struct pollfd){ d->ctl_fd, POLLIN, 0 };
		size_t pubi = np;
		pf[np++] = (struct pollfd){ d->pub_fd, POLLIN, 0 }; /* -1: ignored by poll */
		size_t srcbase = np;
		for (size_t i = 0; i < d->nsrc; i++)
			pf[np++] = (struct pollfd){ d->src[i].fd, POLLIN, 0 };
		size_t base = np;
		for (size_t i = 0; i < d->nconns; i++) {
			conn *c = d->conns[i];
			short ev = POLLIN;
			if (c->kind == C_SYNC)
				ev = sz_daemon_sync_events(c);
			else if (c->out_off < c->out.len)
				ev = POLLOUT;
			pf[np++] = (struct pollfd){ c->dead ? -1 : c->fd, ev, 0 };
		}
		int wait_ms = 250;
		for (size_t i = 0; i < d->nsrc; i++)
			if (d->src[i].busy != NULL && d->src[i].busy(d->src[i].ctx))
				wait_ms = 0;
		int k = poll(pf, np, wait_ms);
		if (k < 0 && errno != EINTR)
			return SZ_ERR_IO;
		/* Ballots and pledges whose time has come leave, at most every half second.  Not
		 * logged: a line saying when this node released one would date its ballot. */
		uint64_t mono = sz_tcpdial_now_ms();
		if (d->node != NULL && sz_daemon_since(mono, d->pending_ms) >= 500) {
			d->pending_ms = mono;
			/* A ballot released leaves with the next automatic sync, not pushed at its
			 * release: the first holder would be told too plainly (threat/decisions.md). */
			if (sz_node_pending_run(d->node, NULL) != SZ_OK) {
				/* kept; the next tick tries again */
			}
		}
		/* Used invitations forget their newcomer once its first op is here (§14). */
		if (d->node != NULL && sz_daemon_since(mono, d->invites_ms) >= 60000) {
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
		size_t nbefore = np - base;
		for (size_t i = 0; i < nbefore && i < d->nconns; i++) {
			conn *c = d->conns[i];
			short rev = pf[base + i].revents;
			if (c->dead || rev == 0)
				continue;
			if (c->kind == C_CTL) {
				if (rev & POLLOUT)
					sz_daemon_ctl_write(c);
				else if (rev & (POLLIN | POLLHUP | POLLERR))
					sz_daemon_ctl_read(d, c);
			} else if (c->kind == C_SYNC) {
				sz_daemon_sync_io(d, c, rev);
			}
		}
		/* Newcomers after those already in: a flood waits its turn behind them. */
		for (size_t i = 0; k > 0 && i < d->nl; i++)
			if (pf[i].revents & POLLIN)
				sz_daemon_sync_accept(d, d->lfd[i]);
		if (k > 0 && d->pub_fd >= 0 && (pf[pubi].revents & POLLIN))
			sz_daemon_sync_accept(d, d->pub_fd);
		if (k > 0 && (pf[d->nl].revents & POLLIN))
			sz_daemon_ctl_accept(d);
		/* The other services (the web interface) run every turn: their own timeouts too. */
		for (size_t i = 0; i < d->nsrc && !d->stop; i++)
			d->src[i].run(d->src[i].ctx, (pf[srcbase + i].revents & POLLIN) != 0);
		/* Keep time, retire what ended. */
		mono = sz_tcpdial_now_ms();
		sz_daemon_sync_tick(d, mono);
		sz_daemon_tor_tick(d);
		sz_daemon_auto_tick(d, mono);
		for (size_t i = 0; i < d->nconns;) {
			conn *c = d->conns[i];
			if (c->kind == C_CTL)
				sz_daemon_ctl_tick(d, c, mono);
			if (c->dead) {
				if (c->kind == C_SYNC && c->waiter != NULL) {
					sz_buf e = { 0 };
					sz_buf_append(&e, "the sync could not start\n", 25);
					sz_daemon_ctl_answer(c->waiter, 1, NULL, &e);
					sz_buf_free(&e);
					c->waiter = NULL;
				}
				/* keep the order: the oldest first, so that eviction and fairness see it */
				memmove(&d->conns[i], &d->conns[i + 1], (d->nconns - i - 1) * sizeof *d->conns);
				d->nconns--;
				conn_close(d, c);
				continue;
			}
			i++;
		}
	}
	flush_answers(d);
	sz_daemon_log(d, d->wiped ? "stopping: the node was wiped" : "stopping");
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
	if (d->pub_fd >= 0)
		close(d->pub_fd);
	if (d->ctl_fd >= 0) {
		close(d->ctl_fd);
		unlink(d->ctl_path);
	}
	sz_daemon_tor_stop(d);
	sz_node_close(d->node);
	if (d->wiped) {
		/* The wipe could not remove the directory while the socket was in it; tor, stopped by
		 * the lock before the wipe, may have written its state file on the way out. */
		if (sz_node_wipe(d->o.home) != SZ_OK)
			sz_daemon_log(d, "could not remove everything of the wiped node");
	}
	free(d);
}
