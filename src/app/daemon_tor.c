/*
 * daemon_tor.c - the daemon's onion service (published with the node's stored key, so that its
 * address stays the same) and the addresses it serves on.  Layer: app.
 *
 * Starting tor, waiting for it to bootstrap, publishing, and later changing who may reach the
 * service take from milliseconds to minutes of blocking control-port work, so they run on a
 * thread of their own (a "tor job") that touches nothing but the job: no node, no daemon, no
 * log.  The loop reads its progress at each turn (sz_daemon_tor_tick), logs it, and takes the
 * result once published: the address, a new key to keep, tor's SOCKS port.  Afterwards it hands
 * the job what it wants (sz_daemon_tor_want): the client keys the service lets in (onion client
 * authorization: the current members' nodes, docs/PROTOCOL.md §16.2) and the client secret to
 * give tor for each member onion it dials; the thread applies them.  The loop answers status and
 * ping throughout.
 */
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/daemon_int.h"
#include "app/node_reach.h"
#include "crypto/crypto.h"

#define TOR_BOOTSTRAP_MS 600000   /* bootstrap waited for before publishing anyway */
#define TOR_STEP_MS 30000         /* one control-port step: start, connect, authenticate, publish */
#define TOR_MAX_REG 512           /* onions this node holds a client secret for */

typedef struct torreg {
	char id[SZ_ONION_ID_BUF];
	uint8_t sk[32];
} torreg;

struct sz_daemon_torjob {
	pthread_t th;
	pthread_mutex_t mu;
	/* inputs, the job's own copies */
	char *control_host, *cookie, *tor_path, *home, *extra;
	uint16_t control_port;
	uint16_t virt, local;
	char *key;                  /* the stored key blob (guarded memory), or NULL */
	uint16_t pub_local;         /* the public onion's local port (0: no public onion) */
	char *pkey;                 /* its stored key blob (guarded), or NULL */
	/* progress, under mu */
	int progress;               /* -1: tor not reached yet; else 0..100 */
	bool done, abandoned;       /* done: published (or failed for good) */
	pthread_cond_t cv;          /* the loop wants something new, or lets go */
	/* wanted by the loop, under mu (want_gen counts the changes) */
	uint8_t (*want_clients)[32];
	size_t nwant;
	torreg *want_reg;           /* guarded memory */
	size_t nwant_reg;
	uint64_t want_gen;
	uint64_t applied_gen;       /* the last want_gen applied (descriptor uploaded, or given up) */
	char last[256];             /* the last change applied or failed, for the log (under mu) */
	uint64_t last_gen;          /* counts those */
	uint64_t moved;             /* counts the new addresses (under mu, with id and new_key) */
	/* results, read by the loop once done */
	int err;
	char reason[256];
	sz_tor *tor;                /* the thread's; the loop never touches it */
	char id[SZ_ONION_ID_BUF];
	char *new_key;
	char socks[SZ_NET_ADDR_TEXT];
	char pub_id[SZ_ONION_ID_BUF]; /* the public onion, once published ("" if it could not be) */
	char *pub_new_key;          /* its key if new, for the loop to keep */
	/* the thread's own */
	char *run_key;              /* the key the cells' service runs under (guarded) */
	uint8_t (*have_clients)[32];
	size_t nhave;
	torreg *reg;                /* guarded */
	size_t nreg;
};

static void
job_free(struct sz_daemon_torjob *j)
{
	if (j == NULL)
		return;
	free(j->control_host);
	free(j->cookie);
	free(j->tor_path);
	free(j->home);
	free(j->extra);
	sz_secret_free(j->key);
	sz_secret_free(j->run_key);
	sz_secret_free(j->pkey);
	if (j->new_key != NULL)
		sz_torctl_key_free(j->new_key);
	if (j->pub_new_key != NULL)
		sz_torctl_key_free(j->pub_new_key);
	sz_tor_free(j->tor);
	free(j->want_clients);
	free(j->have_clients);
	sz_secret_free(j->want_reg);
	sz_secret_free(j->reg);
	pthread_cond_destroy(&j->cv);
	pthread_mutex_destroy(&j->mu);
	free(j);
}

static bool
abandoned(struct sz_daemon_torjob *j)
{
	pthread_mutex_lock(&j->mu);
	bool a = j->abandoned;
	pthread_mutex_unlock(&j->mu);
	return a;
}

static void
set_progress(struct sz_daemon_torjob *j, int p)
{
	pthread_mutex_lock(&j->mu);
	j->progress = p;
	pthread_mutex_unlock(&j->mu);
}

/* Tell the loop (which logs it) what was just done or what failed. */
static void say_last(struct sz_daemon_torjob *j, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
say_last(struct sz_daemon_torjob *j, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pthread_mutex_lock(&j->mu);
	vsnprintf(j->last, sizeof j->last, fmt, ap);
	j->last_gen++;
	pthread_mutex_unlock(&j->mu);
	va_end(ap);
}

/* Publish the service under pub_key (or a new key: the first time without one, or fresh when
 * asked) with the clients wanted now, withdrawing the one running if any. */
static int
publish(struct sz_daemon_torjob *j, uint8_t (*clients)[32], size_t n, bool fresh)
{
	sz_torctl *ctl = sz_tor_ctl(j->tor);
	if (j->id[0] != '\0' && sz_torctl_del_onion(ctl, j->id) != SZ_OK) {
		/* gone already: publish anyway */
	}
	char id[SZ_ONION_ID_BUF], *made = NULL;
	const char *key = fresh ? NULL : j->run_key;
	int r = sz_torctl_add_onion_auth(ctl, key, j->virt, j->local, 0,
	    (const uint8_t(*)[32])clients, n, id, key != NULL ? NULL : &made);
	if (r != SZ_OK)
		return r;
	if (made != NULL) {
		size_t l = strlen(made);
		sz_secret_free(j->run_key);
		j->run_key = sz_secret_alloc(l + 1);
		if (j->run_key != NULL)
			memcpy(j->run_key, made, l + 1);
		pthread_mutex_lock(&j->mu);
		if (j->new_key != NULL)
			sz_torctl_key_free(j->new_key);
		j->new_key = made; /* for the loop to keep */
		memcpy(j->id, id, SZ_ONION_ID_BUF);
		j->moved++;
		pthread_mutex_unlock(&j->mu);
	} else {
		pthread_mutex_lock(&j->mu);
		memcpy(j->id, id, SZ_ONION_ID_BUF);
		pthread_mutex_unlock(&j->mu);
	}
	free(j->have_clients);
	j->have_clients = NULL;
	j->nhave = 0;
	if (n > 0 && (j->have_clients = malloc(n * 32)) != NULL) {
		memcpy(j->have_clients, clients, n * 32);
		j->nhave = n;
	}
	return SZ_OK;
}

/* The second onion service, for strangers (serve --public-onion): no client authorization, to
 * its own local port, under its own key; published once (its clients never change).  Failing,
 * the cells' service still runs: the loop says so. */
static void
publish_public(struct sz_daemon_torjob *j)
{
	char id[SZ_ONION_ID_BUF], *made = NULL;
	int r = sz_torctl_add_onion(sz_tor_ctl(j->tor), j->pkey, j->virt, j->pub_local, 0, id,
	    j->pkey != NULL ? NULL : &made);
	if (r != SZ_OK) {
		say_last(j, "publishing the public onion service failed: %s", sz_tor_reason(j->tor));
		return;
	}
	pthread_mutex_lock(&j->mu);
	memcpy(j->pub_id, id, SZ_ONION_ID_BUF);
	j->pub_new_key = made;
	pthread_mutex_unlock(&j->mu);
}

/* Apply what the loop wants now: the service's clients, the secrets for other onions. */
static void
apply(struct sz_daemon_torjob *j, uint8_t (*clients)[32], size_t n, const torreg *reg,
    size_t nreg)
{
	if (n != j->nhave || (n > 0 && memcmp(clients, j->have_clients, n * 32) != 0)) {
		/* Someone let in before is not any more (a member removed): a new address, which only
		 * the members hear of (in records sealed after the removal).  Published again under
		 * the same key, the service was still reached over circuits and descriptors tor had
		 * kept (tor/tor.t). */
		bool dropped = false;
		for (size_t i = 0; i < j->nhave && !dropped; i++) {
			bool kept = false;
			for (size_t k = 0; k < n && !kept; k++)
				kept = memcmp(j->have_clients[i], clients[k], 32) == 0;
			dropped = !kept;
		}
		int pr = publish(j, clients, n, dropped);
		if (pr == SZ_OK) {
			/* told once a directory has the new descriptor: a client fetching it before that
			 * would get the old one, which may not let it in (and tor asks each directory
			 * for a descriptor only so often) */
			char id[SZ_ONION_ID_BUF];
			pthread_mutex_lock(&j->mu);
			memcpy(id, j->id, sizeof id);
			pthread_mutex_unlock(&j->mu);
			if (sz_torctl_wait_published(sz_tor_ctl(j->tor), id, TOR_STEP_MS) != SZ_OK) {
				/* published all the same; tor keeps uploading */
			}
		}
		if (pr != SZ_OK)
			say_last(j, "publishing the onion service again failed: %s",
			    sz_tor_reason(j->tor));
		else if (dropped)
			say_last(j, "onion service moved to a new address, letting in %zu client keys "
			    "(someone let in before is no longer)", n);
		else
			say_last(j, "onion service published again, letting in %zu client keys", n);
	}
	for (size_t i = 0; i < nreg; i++) {
		size_t k = 0;
		while (k < j->nreg && strcmp(j->reg[k].id, reg[i].id) != 0)
			k++;
		if (k < j->nreg && sodium_memcmp(j->reg[k].sk, reg[i].sk, 32) == 0)
			continue;
		if (sz_torctl_client_auth_add(sz_tor_ctl(j->tor), reg[i].id, reg[i].sk) != SZ_OK) {
			say_last(j, "tor refused a client key for %s: %s", reg[i].id, sz_tor_reason(j->tor));
			continue;
		}
		if (k == j->nreg && j->nreg < TOR_MAX_REG)
			j->nreg++;
		if (k < j->nreg)
			j->reg[k] = reg[i];
	}
}

static void *
job_run(void *arg)
{
	struct sz_daemon_torjob *j = arg;
	sz_tor_cfg tc = { .timeout_ms = TOR_STEP_MS, .data_dir = j->home,
		.control_host = j->control_host, .control_port = j->control_port,
		.cookie_path = j->cookie, .tor_path = j->tor_path, .torrc_extra = j->extra };
	uint8_t (*clients)[32] = NULL;
	torreg *reg = sz_secret_alloc(TOR_MAX_REG * sizeof *reg);
	size_t n = 0, nreg = 0;
	uint64_t seen = 0;
	j->reg = sz_secret_alloc(TOR_MAX_REG * sizeof *j->reg);
	int r = reg == NULL || j->reg == NULL ? SZ_ERR_NOMEM :
	    sz_tor_open(&j->tor, &tc, j->reason, sizeof j->reason);
	uint64_t start = sz_tcpdial_now_ms();
	/* Bootstrap, told as it goes; past the bound, publish anyway (tor keeps trying). */
	while (r == SZ_OK && !abandoned(j)) {
		int p = 0;
		if (sz_torctl_bootstrap(sz_tor_ctl(j->tor), &p) != SZ_OK)
			break;
		set_progress(j, p);
		if (p >= 100 || sz_tcpdial_now_ms() - start > TOR_BOOTSTRAP_MS)
			break;
		struct timespec ts = { 0, 500 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	/* what the loop wants when it is time to publish */
	pthread_mutex_lock(&j->mu);
	if (j->nwant > 0 && (clients = malloc(j->nwant * 32)) != NULL) {
		memcpy(clients, j->want_clients, j->nwant * 32);
		n = j->nwant;
	}
	seen = j->want_gen;
	pthread_mutex_unlock(&j->mu);
	if (r == SZ_OK && !abandoned(j)) {
		if (j->key != NULL && (j->run_key = sz_secret_alloc(strlen(j->key) + 1)) != NULL)
			memcpy(j->run_key, j->key, strlen(j->key) + 1);
		r = publish(j, clients, n, false);
		if (r != SZ_OK)
			snprintf(j->reason, sizeof j->reason, "publishing the onion service failed: %s",
			    sz_tor_reason(j->tor));
	}
	if (r == SZ_OK && !abandoned(j) && j->pub_local != 0)
		publish_public(j);
	if (r == SZ_OK && !abandoned(j)) {
		/* where to send outgoing streams, asked here rather than by the loop */
		char host[SZ_TCPDIAL_HOST_MAX];
		uint16_t port;
		if (sz_tor_socks(j->tor, host, &port) == SZ_OK) {
			sz_addr a = { .port = port };
			snprintf(a.host, sizeof a.host, "%s", host);
			if (sz_addr_format(&a, j->socks, sizeof j->socks) != SZ_OK)
				j->socks[0] = '\0';
		}
	}
	pthread_mutex_lock(&j->mu);
	j->err = r;
	j->done = true;
	pthread_mutex_unlock(&j->mu);
	/* Then whatever the loop wants, as it comes, until it lets go. */
	for (;;) {
		pthread_mutex_lock(&j->mu);
		while (!j->abandoned && j->want_gen == seen) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += 1;
			pthread_cond_timedwait(&j->cv, &j->mu, &ts);
		}
		bool gone = j->abandoned;
		if (!gone && r == SZ_OK) {
			free(clients);
			clients = NULL;
			n = 0;
			if (j->nwant > 0 && (clients = malloc(j->nwant * 32)) != NULL) {
				memcpy(clients, j->want_clients, j->nwant * 32);
				n = j->nwant;
			}
			nreg = j->nwant_reg;
			if (nreg > 0)
				memcpy(reg, j->want_reg, nreg * sizeof *reg);
		}
		seen = j->want_gen;
		pthread_mutex_unlock(&j->mu);
		if (gone)
			break;
		if (r == SZ_OK)
			apply(j, clients, n, reg, nreg);
		pthread_mutex_lock(&j->mu);
		j->applied_gen = seen;
		pthread_mutex_unlock(&j->mu);
	}
	free(clients);
	sz_secret_free(reg);
	job_free(j); /* the loop let go of it: the tor it started goes too */
	return NULL;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

/* Start the tor job (once unlocked, with the node's stored key). */
void
sz_daemon_tor_start(sz_daemon *d)
{
	if (d->tor_ready || d->torjob != NULL || d->node == NULL ||
	    (d->o.tor_control == NULL && d->o.tor_path == NULL))
		return;
	struct sz_daemon_torjob *j = calloc(1, sizeof *j);
	if (j == NULL)
		return;
	pthread_mutex_init(&j->mu, NULL);
	pthread_cond_init(&j->cv, NULL);
	j->progress = -1;
	/* who may reach the service from the start */
	static uint8_t clients[SZ_TORCTL_MAX_CLIENTS][32];
	size_t nc = sz_node_reach_clients(d->node, clients, SZ_TORCTL_MAX_CLIENTS);
	if (nc > 0 && (j->want_clients = malloc(nc * 32)) != NULL) {
		memcpy(j->want_clients, clients, nc * 32);
		j->nwant = nc;
	}
	j->virt = d->o.onion_port;
	j->local = d->o.listen[0].port;
	j->pub_local = d->pub_fd >= 0 ? d->pub_port : 0;
	if (d->o.tor_control != NULL) {
		sz_addr ctl;
		char why[128];
		if (sz_addr_parse(&ctl, d->o.tor_control, why, sizeof why) != SZ_OK) {
			sz_daemon_log(d, "tor: %s", why);
			job_free(j);
			return;
		}
		j->control_host = strdup(ctl.host);
		j->control_port = ctl.port;
		j->cookie = dup_or_null(d->o.tor_cookie);
	} else {
		j->tor_path = strdup(d->o.tor_path);
		j->extra = dup_or_null(d->o.tor_extra);
	}
	j->home = strdup(d->o.home);
	d->tor_failed[0] = '\0';
	sz_buf key = { .secret = true };
	if (sz_store_kv_get(d->node->store, KV_ONION, &key) == SZ_OK && key.len > 0 &&
	    (j->key = sz_secret_alloc(key.len + 1)) != NULL) {
		memcpy(j->key, key.p, key.len);
		j->key[key.len] = '\0';
	}
	sz_buf_free(&key);
	sz_buf pkey = { .secret = true };
	if (j->pub_local != 0 && sz_store_kv_get(d->node->store, KV_ONION_PUBLIC, &pkey) == SZ_OK &&
	    pkey.len > 0 && (j->pkey = sz_secret_alloc(pkey.len + 1)) != NULL) {
		memcpy(j->pkey, pkey.p, pkey.len);
		j->pkey[pkey.len] = '\0';
	}
	sz_buf_free(&pkey);
	/* The thread takes no signal: SIGTERM and SIGHUP are the loop's. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int e = pthread_create(&j->th, NULL, job_run, j);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0) {
		sz_daemon_log(d, "tor: cannot start a thread for it");
		job_free(j);
		return;
	}
	d->torjob = j;
	d->tor_progress = -2;
	sz_daemon_log(d, "tor: %s", d->o.tor_path != NULL ? "starting tor" :
	    "connecting to tor's control port");
}

/* Let the job go: its thread ends (when its current step does), stopping its tor. */
static void
let_go(sz_daemon *d)
{
	struct sz_daemon_torjob *j = d->torjob;
	if (j == NULL)
		return;
	/* Once it sees abandoned the thread frees j: nothing of j is read after the unlock. */
	pthread_t th = j->th;
	pthread_mutex_lock(&j->mu);
	j->abandoned = true;
	pthread_cond_signal(&j->cv);
	pthread_mutex_unlock(&j->mu);
	pthread_detach(th);
	d->torjob = NULL;
}

/* The public onion, if one was asked for: its key kept (the address stays the same), its
 * address said on a line of its own, never put in a record or an invitation. */
static void
tor_take_public(sz_daemon *d, struct sz_daemon_torjob *j)
{
	if (j->pub_local == 0)
		return;
	pthread_mutex_lock(&j->mu);
	char *made = j->pub_new_key;
	j->pub_new_key = NULL;
	char id[SZ_ONION_ID_BUF];
	memcpy(id, j->pub_id, sizeof id);
	pthread_mutex_unlock(&j->mu);
	if (made != NULL && d->node != NULL && sz_store_kv_put(d->node->store, KV_ONION_PUBLIC,
	    (const uint8_t *)made, strlen(made)) != SZ_OK)
		sz_daemon_log(d, "tor: could not keep the public onion's key; its address will change");
	if (made != NULL)
		sz_torctl_key_free(made);
	if (id[0] == '\0')
		return; /* said by the job: publishing it failed */
	snprintf(d->onion_pub, sizeof d->onion_pub, "%s.onion:%u", id, d->o.onion_port);
	sz_daemon_log(d, "serving leaflets to anyone on %s (public onion)", d->onion_pub);
	if (d->o.out != NULL) {
		fprintf(d->o.out, "public %s\n", d->onion_pub);
		fflush(d->o.out);
	}
}

/* Take the job's result (it is done): published, or failed (then it is let go). */
static void
tor_take(sz_daemon *d, struct sz_daemon_torjob *j)
{
	if (j->err != SZ_OK) {
		sz_daemon_log(d, "tor: cannot use tor: %s (%s)", sz_strerror(j->err), j->reason);
		snprintf(d->tor_failed, sizeof d->tor_failed, "%s", j->reason[0] ? j->reason :
		    sz_strerror(j->err));
		let_go(d);
		return;
	}
	d->tor_ready = true;
	pthread_mutex_lock(&j->mu);
	char *made = j->new_key;
	j->new_key = NULL;
	d->tor_moved = j->moved;
	pthread_mutex_unlock(&j->mu);
	if (made != NULL && d->node != NULL) {
		/* Keep the key so the address stays the same across restarts. */
		if (sz_store_kv_put(d->node->store, KV_ONION, (const uint8_t *)made, strlen(made)) !=
		    SZ_OK)
			sz_daemon_log(d, "tor: could not keep the onion key; the address will change");
	}
	if (made != NULL)
		sz_torctl_key_free(made);
	snprintf(d->socks, sizeof d->socks, "%s", j->socks);
	snprintf(d->onion, sizeof d->onion, "%s.onion:%u", j->id, d->o.onion_port);
	sz_daemon_log(d, "serving on %s", d->onion);
	tor_take_public(d, j);
	if (d->o.out != NULL) {
		/* the address, for whoever reads serve's output (scripts) */
		fprintf(d->o.out, "%s\n", d->onion);
		fflush(d->o.out);
	}
	sz_daemon_reach_save(d);
	d->targets_dirty = d->publish_dirty = true; /* members' onions; my record names it */
}

/* The service moved to a new address: keep its key, say it, post the records naming it. */
static void
tor_moved(sz_daemon *d, struct sz_daemon_torjob *j)
{
	pthread_mutex_lock(&j->mu);
	bool moved = j->moved != d->tor_moved;
	char *made = moved ? j->new_key : NULL;
	char id[SZ_ONION_ID_BUF];
	memcpy(id, j->id, sizeof id);
	if (moved) {
		j->new_key = NULL;
		d->tor_moved = j->moved;
	}
	pthread_mutex_unlock(&j->mu);
	if (!moved)
		return;
	if (made != NULL && d->node != NULL &&
	    sz_store_kv_put(d->node->store, KV_ONION, (const uint8_t *)made, strlen(made)) != SZ_OK)
		sz_daemon_log(d, "tor: could not keep the new onion key");
	if (made != NULL)
		sz_torctl_key_free(made);
	snprintf(d->onion, sizeof d->onion, "%s.onion:%u", id, d->o.onion_port);
	sz_daemon_log(d, "reachable at %s", d->onion);
	if (d->o.out != NULL) {
		fprintf(d->o.out, "%s\n", d->onion);
		fflush(d->o.out);
	}
	sz_daemon_reach_save(d);
	d->targets_dirty = d->publish_dirty = true;
}

void
sz_daemon_tor_tick(sz_daemon *d)
{
	struct sz_daemon_torjob *j = d->torjob;
	if (j == NULL)
		return;
	pthread_mutex_lock(&j->mu);
	int p = j->progress;
	bool done = j->done;
	char last[256] = "";
	if (j->last_gen != d->tor_last_gen) {
		d->tor_last_gen = j->last_gen;
		snprintf(last, sizeof last, "%s", j->last);
	}
	pthread_mutex_unlock(&j->mu);
	if (p != d->tor_progress && p >= 0 && !d->tor_ready) {
		/* every step tor reports, as a person watching the log would want it */
		sz_daemon_log(d, "tor: bootstrapped %d%%%s", p, p >= 100 ? "; publishing the onion "
		    "service" : "");
		d->tor_progress = p;
	}
	if (last[0])
		sz_daemon_log(d, "tor: %s", last);
	if (done && !d->tor_ready)
		tor_take(d, j);
	else if (d->tor_ready)
		tor_moved(d, j);
}

void
sz_daemon_tor_want(sz_daemon *d, const uint8_t (*clients)[32], size_t n,
    const char (*ids)[SZ_ONION_ID_BUF], const uint8_t (*sks)[32], size_t nreg)
{
	struct sz_daemon_torjob *j = d->torjob;
	if (j == NULL)
		return;
	if (n > SZ_TORCTL_MAX_CLIENTS)
		n = SZ_TORCTL_MAX_CLIENTS;
	pthread_mutex_lock(&j->mu);
	if (j->want_reg == NULL)
		j->want_reg = sz_secret_alloc(TOR_MAX_REG * sizeof *j->want_reg);
	bool changed = false;
	if (n != j->nwant || (n > 0 && memcmp(clients, j->want_clients, n * 32) != 0)) {
		uint8_t (*c)[32] = n > 0 ? malloc(n * 32) : NULL;
		if (n == 0 || c != NULL) {
			if (n > 0)
				memcpy(c, clients, n * 32);
			free(j->want_clients);
			j->want_clients = c;
			j->nwant = n;
			changed = true;
		}
	}
	/* Client secrets accumulate (tor keeps every one it was given; a join's must not be lost
	 * to a want that came before the thread took it): a new onion is added, a known one's
	 * secret replaced; past the bound the oldest goes. */
	for (size_t i = 0; j->want_reg != NULL && i < nreg; i++) {
		size_t k = 0;
		while (k < j->nwant_reg && strcmp(j->want_reg[k].id, ids[i]) != 0)
			k++;
		if (k < j->nwant_reg && sodium_memcmp(j->want_reg[k].sk, sks[i], 32) == 0)
			continue;
		if (k == j->nwant_reg && j->nwant_reg == TOR_MAX_REG) {
			memmove(j->want_reg, j->want_reg + 1, (TOR_MAX_REG - 1) * sizeof *j->want_reg);
			k = --j->nwant_reg;
		}
		if (k == j->nwant_reg)
			j->nwant_reg++;
		memcpy(j->want_reg[k].id, ids[i], SZ_ONION_ID_BUF);
		memcpy(j->want_reg[k].sk, sks[i], 32);
		changed = true;
	}
	if (changed) {
		j->want_gen++;
		pthread_cond_signal(&j->cv);
	}
	pthread_mutex_unlock(&j->mu);
}

void
sz_daemon_tor_stop(sz_daemon *d)
{
	let_go(d);
	d->tor_ready = false;
	d->onion[0] = '\0';
	d->onion_pub[0] = '\0';
	d->socks[0] = '\0';
	d->tor_progress = -2;
}

int
sz_daemon_tor_state(const sz_daemon *d, char *out, size_t n)
{
	if (d->o.tor_control == NULL && d->o.tor_path == NULL) {
		snprintf(out, n, "not used");
		return 0;
	}
	if (d->tor_ready)
		snprintf(out, n, "ready: the onion service is published");
	else if (d->torjob != NULL && d->tor_progress < 0)
		snprintf(out, n, "starting (%s)", d->o.tor_path != NULL ? "tor is being started" :
		    "reaching its control port");
	else if (d->torjob != NULL)
		snprintf(out, n, "bootstrapping: %d%%", d->tor_progress);
	else if (d->tor_failed[0])
		snprintf(out, n, "failed: %s", d->tor_failed);
	else
		snprintf(out, n, "waiting for the node to be unlocked");
	return d->tor_ready ? 100 : d->torjob != NULL ? (d->tor_progress < 0 ? 0 : d->tor_progress) :
	    -1;
}

bool
sz_daemon_tor_settled(sz_daemon *d)
{
	struct sz_daemon_torjob *j = d->torjob;
	if (j == NULL || !d->tor_ready)
		return true;
	pthread_mutex_lock(&j->mu);
	bool settled = j->applied_gen == j->want_gen;
	pthread_mutex_unlock(&j->mu);
	return settled;
}

bool
sz_daemon_tor_starting(const sz_daemon *d)
{
	return d->torjob != NULL && !d->tor_ready;
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

const char *
sz_daemon_public_onion(const sz_daemon *d)
{
	return d->onion_pub[0] ? d->onion_pub : NULL;
}

int
sz_daemon_tor_socks(sz_daemon *d, char *out, size_t n)
{
	if (n > 0)
		out[0] = '\0';
	if (!d->tor_ready || d->socks[0] == '\0')
		return SZ_ERR_UNSUPPORTED;
	snprintf(out, n, "%s", d->socks);
	return SZ_OK;
}
