/*
 * daemon_tor.c - the daemon's onion service (published with the node's stored key, so that its
 * address stays the same) and the addresses it serves on.  Layer: app.
 *
 * Starting tor, waiting for it to bootstrap and publishing take from seconds to minutes of
 * blocking control-port work, so they run on a thread of their own (a "tor job") that touches
 * nothing but the job: no node, no daemon, no log.  The loop reads its progress at each turn
 * (sz_daemon_tor_tick), logs it, and takes the result when it is done: the tor handle, the
 * address, a new key to keep, tor's SOCKS port.  The loop answers status and ping throughout.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/daemon_int.h"
#include "crypto/crypto.h"

#define TOR_BOOTSTRAP_MS 600000   /* bootstrap waited for before publishing anyway */
#define TOR_STEP_MS 30000         /* one control-port step: start, connect, authenticate, publish */

struct sz_daemon_torjob {
	pthread_t th;
	pthread_mutex_t mu;
	/* inputs, the job's own copies */
	char *control_host, *cookie, *tor_path, *home, *extra;
	uint16_t control_port;
	uint16_t virt, local;
	char *key;                  /* the stored key blob (guarded memory), or NULL */
	/* progress, under mu */
	int progress;               /* -1: tor not reached yet; else 0..100 */
	bool done, abandoned;
	/* results, read by the loop once done */
	int err;
	char reason[256];
	sz_tor *tor;
	char id[SZ_ONION_ID_BUF];
	char *new_key;
	char socks[SZ_NET_ADDR_TEXT];
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
	if (j->new_key != NULL)
		sz_torctl_key_free(j->new_key);
	sz_tor_free(j->tor);
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

static void *
job_run(void *arg)
{
	struct sz_daemon_torjob *j = arg;
	sz_tor_cfg tc = { .timeout_ms = TOR_STEP_MS, .data_dir = j->home,
		.control_host = j->control_host, .control_port = j->control_port,
		.cookie_path = j->cookie, .tor_path = j->tor_path, .torrc_extra = j->extra };
	int r = sz_tor_open(&j->tor, &tc, j->reason, sizeof j->reason);
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
	if (r == SZ_OK && !abandoned(j)) {
		r = sz_tor_publish(j->tor, j->virt, j->local, j->key, 0, j->id, &j->new_key);
		if (r != SZ_OK)
			snprintf(j->reason, sizeof j->reason, "publishing the onion service failed: %s",
			    sz_tor_reason(j->tor));
	}
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
	bool gone = j->abandoned;
	pthread_mutex_unlock(&j->mu);
	if (gone)
		job_free(j); /* the daemon let go of it: the tor it started goes too */
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
	if (d->tor != NULL || d->torjob != NULL || d->node == NULL ||
	    (d->o.tor_control == NULL && d->o.tor_path == NULL))
		return;
	struct sz_daemon_torjob *j = calloc(1, sizeof *j);
	if (j == NULL)
		return;
	pthread_mutex_init(&j->mu, NULL);
	j->progress = -1;
	j->virt = d->o.onion_port;
	j->local = d->o.listen[0].port;
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

/* Take the job's result (it is done). */
static void
tor_take(sz_daemon *d, struct sz_daemon_torjob *j)
{
	pthread_join(j->th, NULL);
	d->torjob = NULL;
	if (j->err != SZ_OK) {
		sz_daemon_log(d, "tor: cannot use tor: %s (%s)", sz_strerror(j->err), j->reason);
		snprintf(d->tor_failed, sizeof d->tor_failed, "%s", j->reason[0] ? j->reason :
		    sz_strerror(j->err));
		job_free(j);
		return;
	}
	d->tor = j->tor;
	j->tor = NULL;
	if (j->new_key != NULL && d->node != NULL) {
		/* Keep the key so the address stays the same across restarts. */
		if (sz_store_kv_put(d->node->store, KV_ONION, (const uint8_t *)j->new_key,
		    strlen(j->new_key)) != SZ_OK)
			sz_daemon_log(d, "tor: could not keep the onion key; the address will change");
	}
	snprintf(d->socks, sizeof d->socks, "%s", j->socks);
	snprintf(d->onion, sizeof d->onion, "%s.onion:%u", j->id, d->o.onion_port);
	job_free(j);
	sz_daemon_log(d, "serving on %s", d->onion);
	if (d->o.out != NULL) {
		/* the address, for whoever reads serve's output (scripts) */
		fprintf(d->o.out, "%s\n", d->onion);
		fflush(d->o.out);
	}
	sz_daemon_reach_save(d);
	d->targets_dirty = d->publish_dirty = true; /* members' onions; my record names it */
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
	pthread_mutex_unlock(&j->mu);
	if (p != d->tor_progress && p >= 0) {
		/* every step tor reports, as a person watching the log would want it */
		sz_daemon_log(d, "tor: bootstrapped %d%%%s", p, p >= 100 ? "; publishing the onion "
		    "service" : "");
		d->tor_progress = p;
	}
	if (done)
		tor_take(d, j);
}

void
sz_daemon_tor_stop(sz_daemon *d)
{
	struct sz_daemon_torjob *j = d->torjob;
	if (j != NULL) {
		pthread_mutex_lock(&j->mu);
		bool done = j->done;
		if (!done)
			j->abandoned = true; /* it frees itself, and its tor, when its step ends */
		pthread_mutex_unlock(&j->mu);
		if (done) {
			pthread_join(j->th, NULL);
			job_free(j);
		} else {
			pthread_detach(j->th);
		}
		d->torjob = NULL;
	}
	sz_tor_free(d->tor);
	d->tor = NULL;
	d->onion[0] = '\0';
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
	if (d->tor != NULL)
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
	return d->torjob != NULL ? (d->tor_progress < 0 ? 0 : d->tor_progress) : d->tor != NULL ?
	    100 : -1;
}

bool
sz_daemon_tor_starting(const sz_daemon *d)
{
	return d->torjob != NULL;
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

int
sz_daemon_tor_socks(sz_daemon *d, char *out, size_t n)
{
	if (n > 0)
		out[0] = '\0';
	if (d->tor == NULL || d->socks[0] == '\0')
		return SZ_ERR_UNSUPPORTED;
	snprintf(out, n, "%s", d->socks);
	return SZ_OK;
}
