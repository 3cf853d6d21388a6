/*
 * bench_sync.c - `make bench`: a sync of 100,000 entries between two nodes over loopback TCP.
 * Reports, measured in the same run:
 *   - entries per second of the sync, end to end (both nodes in this process, the responder on a
 *     thread of its own), over the node-path ingest rate (sz_node_ingest: check on the node's
 *     pool, store, file) of the same envelopes in the batch size sync uses (target >= 0.8: the
 *     session must not be the bottleneck), in 3 rounds interleaved with 4 node-path runs (the
 *     median round); and the commits (fsync rounds) the receiver made;
 *   - bytes on the wire per entry moved over the padded entry (envelope) size (target <= 1.05);
 *   - then, with both holding the n entries, a session that settles 20 new ones (10 each side):
 *     its time with the sketch the node keeps (O(d)) over its time when the sketch must be built
 *     (the first session after unlock, or a salted one: O(N)).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "samizdat.h"
#include "app/node_int.h"
#include "crypto/crypto.h"
#include "sync/frame.h"
#include "transport/net.h"
#include "transport/tcpdial.h"
#include "wire/entry.h"
#include "wire/envelope.h"

#define N_DEFAULT 100000
#define BATCH SZ_BATCH_MAX_ENVELOPES
#define ROUNDS 3

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* This process's CPU time so far (every thread), seconds: over a wall time, the cores it got. */
static double
cpu_s(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static sz_node *
make_node(const char *dir)
{
	sz_node *n;
	sz_node_opts o = { .kdf_ops = 1, .kdf_mem_kib = 8 * 1024 };
	if (sz_node_create(&n, dir, "bench", 5, &o) != SZ_OK) {
		fprintf(stderr, "bench_sync: cannot create a node in %s: %s\n", dir, sz_node_last_error());
		exit(1);
	}
	return n;
}

typedef struct serve_arg {
	sz_node *node;
	int lfd;
	int rc;
	sz_sync_stats st;
} serve_arg;

static void *
serve(void *p)
{
	serve_arg *a = p;
	int fd = -1;
	char peer[SZ_NET_HOST_MAX];
	for (int i = 0; i < 5000 && sz_net_accept(a->lfd, &fd, peer) == SZ_ERR_AGAIN; i++)
		usleep(1000);
	sz_sync_config cfg;
	void *scopes;
	sz_sync *s = NULL;
	a->rc = sz_node_sync_config(a->node, SZ_NOISE_RESPONDER, &cfg, &scopes);
	if (a->rc == SZ_OK)
		a->rc = sz_sync_new(&s, &cfg);
	sz_node_sync_config_free(scopes);
	if (a->rc == SZ_OK)
		a->rc = sz_link_run(fd, s, NULL, NULL);
	if (s != NULL)
		sz_sync_get_stats(s, &a->st);
	sz_sync_free(s);
	close(fd);
	return NULL;
}

/* The node path: x takes the envelopes in sync-sized batches; the wall time. */
static double
node_path(sz_node *x, uint8_t **envs, const size_t *lens, size_t n)
{
	double t0 = now_s();
	for (size_t i = 0; i < n; i += BATCH) {
		size_t k = n - i < BATCH ? n - i : BATCH;
		if (sz_node_ingest(x, (const uint8_t *const *)envs + i, lens + i, k, NULL) != SZ_OK) {
			fprintf(stderr, "bench_sync: ingest failed: %s\n", sz_node_last_error());
			exit(1);
		}
	}
	return now_s() - t0;
}

/* x syncs from a over loopback TCP (a serves on a thread of its own); the wall time. */
static double
sync_tcp(sz_node *a, sz_node *x, sz_sync_stats *st)
{
	sz_addr la = { .host = "127.0.0.1", .port = 0 };
	serve_arg sa = { .node = a };
	if (sz_net_listen(&la, false, &sa.lfd) != SZ_OK)
		exit(1);
	pthread_t th;
	double t0 = now_s();
	pthread_create(&th, NULL, serve, &sa);
	int fd;
	sz_sync_config cfg;
	void *scopes;
	sz_sync *s;
	if (sz_tcpdial_connect("127.0.0.1", la.port, 5000, &fd) != SZ_OK ||
	    sz_node_sync_config(x, SZ_NOISE_INITIATOR, &cfg, &scopes) != SZ_OK ||
	    sz_sync_new(&s, &cfg) != SZ_OK)
		exit(1);
	sz_node_sync_config_free(scopes);
	int r = sz_link_run(fd, s, NULL, NULL);
	pthread_join(th, NULL);
	double t = now_s() - t0;
	sz_sync_get_stats(s, st);
	sz_sync_free(s);
	close(fd);
	close(sa.lfd);
	if (r != SZ_OK || sa.rc != SZ_OK) {
		fprintf(stderr, "bench_sync: the sync failed (%s / %s)\n", sz_strerror(r),
		    sz_strerror(sa.rc));
		exit(1);
	}
	return t;
}

/* One session between x (initiator) and y in memory; its wall time in seconds.  compact as in
 * sz_sync_config; methods 0: the node's (all), else the initiator's. */
static double
session(sz_node *x, sz_node *y, unsigned salted_one_in, int compact, uint8_t methods,
    sz_sync_stats *st)
{
	sz_sync_config cx, cy;
	void *sx, *sy;
	sz_sync *s[2];
	if (sz_node_sync_config(x, SZ_NOISE_INITIATOR, &cx, &sx) != SZ_OK ||
	    sz_node_sync_config(y, SZ_NOISE_RESPONDER, &cy, &sy) != SZ_OK)
		exit(1);
	cx.salted_one_in = salted_one_in;
	cx.compact = compact;
	if (methods != 0)
		cx.methods = methods;
	double t0 = now_s();
	if (sz_sync_new(&s[0], &cx) != SZ_OK || sz_sync_new(&s[1], &cy) != SZ_OK)
		exit(1);
	sz_node_sync_config_free(sx);
	sz_node_sync_config_free(sy);
	for (int moved = 1; moved;) {
		moved = 0;
		for (int d = 0; d < 2; d++) {
			const uint8_t *o;
			size_t k;
			sz_sync_output(s[d], &o, &k);
			if (k == 0)
				continue;
			int r = sz_sync_input(s[1 - d], o, k);
			sz_sync_consumed(s[d], k);
			moved = r == SZ_OK;
		}
	}
	double t = now_s() - t0;
	if (sz_sync_get_status(s[0]) != SZ_SYNC_DONE || sz_sync_get_status(s[1]) != SZ_SYNC_DONE) {
		fprintf(stderr, "bench_sync: an in-memory session failed\n");
		exit(1);
	}
	sz_sync_get_stats(s[0], st);
	sz_sync_free(s[0]);
	sz_sync_free(s[1]);
	return t;
}

/* Ten new leaflets on each of x and y, numbered from *next. */
static void
diverge(sz_node *x, sz_node *y, const uint8_t sk[64], size_t *next)
{
	for (int k = 0; k < 20; k++) {
		uint8_t *e, *env, id[32], body[100];
		size_t el, len;
		memset(body, 'y', sizeof body);
		snprintf((char *)body, sizeof body, "new leaflet %zu ", (*next)++);
		if (sz_entry_build(&e, &el, id, SZ_KIND_LEAFLET, NULL, 0, 1800000000000ull + *next, body,
		    sizeof body, sk) != SZ_OK || sz_env_wrap_public(&env, &len, e, el) != SZ_OK ||
		    sz_node_ingest(k < 10 ? x : y, (const uint8_t *const *)&env, &len, 1, NULL) != SZ_OK)
			exit(1);
		free(e);
		free(env);
	}
}

int
main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : N_DEFAULT;
	char tmpl[] = "/tmp/sz-bench-sync.XXXXXX", da[128], db[128];
	if (sz_init() != SZ_OK || mkdtemp(tmpl) == NULL)
		return 1;
	snprintf(da, sizeof da, "%s/a", tmpl);
	snprintf(db, sizeof db, "%s/b", tmpl);
	sz_node *a = make_node(da), *b = make_node(db);

	/* n leaflets of 100 bytes, made once, as envelopes. */
	uint8_t **envs = calloc(n, sizeof *envs);
	size_t *lens = calloc(n, sizeof *lens);
	uint8_t pk[32], sk[64], seed[32] = { 1 }, body[100];
	if (envs == NULL || lens == NULL || sz_sign_seed_keypair(pk, sk, seed) != SZ_OK)
		return 1;
	for (size_t i = 0; i < n; i++) {
		uint8_t *e, id[32];
		size_t el;
		memset(body, 'x', sizeof body);
		snprintf((char *)body, sizeof body, "leaflet %zu ", i);
		if (sz_entry_build(&e, &el, id, SZ_KIND_LEAFLET, NULL, 0, 1700000000000ull + i, body,
		    sizeof body, sk) != SZ_OK || sz_env_wrap_public(&envs[i], &lens[i], e, el) != SZ_OK)
			return 1;
		free(e);
	}
	/* Node a holds them; node b (and the other rounds' receivers) get them by a sync over
	 * loopback TCP. */
	for (size_t i = 0; i < n; i += 5000) {
		size_t k = n - i < 5000 ? n - i : 5000;
		if (sz_node_ingest(a, (const uint8_t *const *)envs + i, lens + i, k, NULL) != SZ_OK)
			return 1;
	}
	/* Rounds, interleaved so that a drift of the machine's load hits both alike: the node path
	 * on a fresh node, a sync to a fresh node, ..., the node path again.  Each sync is compared
	 * with the mean of the node-path runs either side of it; the median round is reported. */
	double t_path[ROUNDS + 1], cpu_path = 0, t_sync[ROUNDS], cpu_sync[ROUNDS], ratio[ROUNDS];
	uint64_t commits = 0, ahead = 0;
	sz_sync_stats st = { 0 };
	for (int rd = 0; rd <= ROUNDS; rd++) {
		char dir[160];
		snprintf(dir, sizeof dir, "%s/path%d", tmpl, rd);
		sz_node *c = make_node(dir);
		double c0 = cpu_s();
		t_path[rd] = node_path(c, envs, lens, n);
		cpu_path += cpu_s() - c0;
		sz_node_close(c);
		if (rd == ROUNDS)
			break;
		sz_node *x = b;
		if (rd > 0) {
			snprintf(dir, sizeof dir, "%s/sync%d", tmpl, rd);
			x = make_node(dir);
		}
		uint64_t k0 = sz_store_commits(x->store), a0 = x->checked_ahead;
		c0 = cpu_s();
		sz_sync_stats sst;
		t_sync[rd] = sync_tcp(a, x, &sst);
		cpu_sync[rd] = cpu_s() - c0;
		if (sst.stored != n) {
			fprintf(stderr, "bench_sync: round %d stored %llu of %zu\n", rd,
			    (unsigned long long)sst.stored, n);
			return 1;
		}
		if (rd == 0) {
			st = sst;
			commits = sz_store_commits(x->store) - k0;
			ahead = x->checked_ahead - a0;
		} else {
			sz_node_close(x);
		}
	}
	int med = 0;
	for (int rd = 0; rd < ROUNDS; rd++)
		ratio[rd] = (t_path[rd] + t_path[rd + 1]) / 2 / t_sync[rd];
	for (int rd = 0; rd < ROUNDS; rd++) {
		int below = 0;
		for (int j = 0; j < ROUNDS; j++)
			below += ratio[j] < ratio[rd] || (ratio[j] == ratio[rd] && j < rd);
		if (below == ROUNDS / 2)
			med = rd;
	}
	double t_store = (t_path[med] + t_path[med + 1]) / 2, t_all = 0;
	for (int rd = 0; rd <= ROUNDS; rd++)
		t_all += t_path[rd];
	double wire = (double)(st.bytes_in + st.bytes_out) / (double)n;
	double padded = (double)lens[0];
	printf("sync of %zu entries (100-byte leaflets, %zu-byte envelopes) over loopback TCP\n", n,
	    lens[0]);
	printf("  node-path ingest alone    %8.0f entries/s (batches of %d; %.0f before the sync, "
	    "%.0f after)\n", n / t_store, BATCH, n / t_path[med], n / t_path[med + 1]);
	printf("  sync, end to end          %8.0f entries/s  (%.2f s, %s reconciliation)\n",
	    n / t_sync[med], t_sync[med], st.method == 1 ? "RIBLT" : "list");
	printf("  cores they got            %8.2f node path, %.2f sync, both ends (CPU time over wall "
	    "time; CPU an entry %.1f µs, %.1f µs)\n", cpu_path / t_all, cpu_sync[med] / t_sync[med],
	    cpu_path / ((ROUNDS + 1.0) * n) * 1e6, cpu_sync[med] / n * 1e6);
	printf("  ratio sync / node path    %8.2f   (target >= 0.8; median of %d rounds:", ratio[med],
	    ROUNDS);
	for (int rd = 0; rd < ROUNDS; rd++)
		printf(" %.2f", ratio[rd]);
	printf(")\n");
	printf("  receiver's commits        %8llu   (one per batch of up to %d envelopes or 1 MiB; "
	    "%llu checked ahead)\n", (unsigned long long)commits, BATCH, (unsigned long long)ahead);
	printf("  wire bytes per entry      %8.1f   (reconciliation %llu bytes in all)\n", wire,
	    (unsigned long long)st.recon_bytes);
	printf("  ratio wire / padded entry %8.3f   (target <= 1.05)\n", wire / padded);

	/* Both hold n: settle 20 new entries, with the kept sketches, then as after unlock (the
	 * sketches dropped), then salted (an audit).  Each median of 5. */
	double warm[5], cold[5], salted[5], compact[5], neg[5];
	size_t next = 0;
	sz_sync_stats w, cst, sst, cpt, ngt;
	for (int rep = 0; rep < 5; rep++) {
		diverge(a, b, sk, &next);
		sz_node_sketches_free(a);
		sz_node_sketches_free(b);
		cold[rep] = session(b, a, 1u << 30, -1, 0, &cst);
		diverge(a, b, sk, &next);
		warm[rep] = session(b, a, 1u << 30, -1, 0, &w);
		diverge(a, b, sk, &next);
		salted[rep] = session(b, a, 1, -1, 0, &sst);
		diverge(a, b, sk, &next);
		compact[rep] = session(b, a, 1u << 30, 1, 0, &cpt);
		diverge(a, b, sk, &next);
		neg[rep] = session(b, a, 1u << 30, -1, SZ_RECON_NEGENTROPY, &ngt);
		if (w.to_send + w.to_receive != 20 || w.ids_sketched != 0 || cst.to_send != 10 ||
		    !sst.riblt_salted || sst.to_receive != 10 || !cpt.riblt_compact ||
		    cpt.to_send + cpt.to_receive != 20 || ngt.method != SZ_RECON_NEGENTROPY ||
		    ngt.to_send + ngt.to_receive != 20) {
			fprintf(stderr, "bench_sync: the resync sessions did not settle as expected\n");
			return 1;
		}
	}
	for (int i = 0; i < 5; i++)
		for (int j = i + 1; j < 5; j++) {
			double *v[5] = { warm, cold, salted, compact, neg };
			for (int k = 0; k < 5; k++)
				if (v[k][j] < v[k][i]) {
					double t = v[k][i];
					v[k][i] = v[k][j];
					v[k][j] = t;
				}
		}
	printf("resync of 20 new entries (10 each side) with %zu held, in memory, median of 5\n", n);
	printf("  kept sketch (lent)        %8.2f ms  (%llu reconciliation bytes)\n", warm[2] * 1e3,
	    (unsigned long long)w.recon_bytes);
	printf("  first after unlock        %8.2f ms  (the node builds its sketch)\n", cold[2] * 1e3);
	printf("  salted audit              %8.2f ms  (both build temporary sketches)\n",
	    salted[2] * 1e3);
	printf("  compact symbols           %8.2f ms  (%llu reconciliation bytes; the default up to "
	    "%d ids)\n", compact[2] * 1e3, (unsigned long long)cpt.recon_bytes, SZ_SYNC_COMPACT_MAX);
	printf("  Negentropy (compatibility) %7.2f ms  (%llu reconciliation bytes)\n", neg[2] * 1e3,
	    (unsigned long long)ngt.recon_bytes);
	printf("  ratio kept / built        %8.3f   (O(d) against O(N))\n", warm[2] / cold[2]);
	for (size_t i = 0; i < n; i++)
		free(envs[i]);
	free(envs);
	free(lens);
	sz_node_close(a);
	sz_node_close(b);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpl);
	if (system(cmd) != 0)
		return 1;
	return 0;
}
