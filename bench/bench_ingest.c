/*
 * bench_ingest.c - `make bench`: the node path that sync sessions and `bundle import` use (check:
 * hash, parse, Ed25519 verify on the node's pool; store in one transaction per batch; file into
 * cells), measured end to end through the node (sz_node_ingest, sz_node_bundle_import), not the
 * store alone.  Printed as ratios to this machine's own ceiling: cores × one core's raw Ed25519
 * verify rate of same-sized messages (issue 16 target: the node path and bundle import >= 0.5 of
 * it).  The machine may be shared, so each node-path run is bracketed by raw runs (a load change
 * moves both), the rounds alternate, and the median of the rounds' ratios is the figure; each run
 * also reports the cores it got.  Then where one entry's CPU goes, in µs of this thread's CPU
 * time (one thread, batches of 4,096, each part measured the same way, the node's share the
 * total less the parts), and the limit of this design.
 * BENCH_INGEST_N sets the number of leaflets (default 40,000: 100-byte bodies, 256-byte envelopes,
 * as bench_sync's); BENCH_INGEST_ROUNDS the rounds (default 3).
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "samizdat.h"
#include "app/node_int.h"
#include "crypto/crypto.h"
#include "lib/pool.h"
#include "store/scopes.h"
#include "store/store_int.h"
#include "sync/bundle.h"
#include "sync/frame.h"
#include "wire/entry.h"
#include "wire/envelope.h"

#define BATCH SZ_BATCH_MAX_ENVELOPES
#define MAX_ROUNDS 15
#define RAW_K 10000 /* verifies per raw run: short, so that it brackets a node run closely */

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* This thread's CPU time, seconds: what the machine's other load does not add to. */
static double
thread_cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* This process's CPU time so far (every thread), seconds. */
static double
proc_cpu_s(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void
die(const char *what)
{
	fprintf(stderr, "bench_ingest: %s\n", what);
	exit(1);
}

static double
load1(void)
{
	double l[1] = { -1 };
	return getloadavg(l, 1) == 1 ? l[0] : -1;
}

static char base[128];
static int nodes_made;

static sz_node *
fresh_node(void)
{
	char dir[200];
	sz_node *n;
	sz_node_opts o = { .kdf_ops = 1, .kdf_mem_kib = 8 * 1024 };
	snprintf(dir, sizeof dir, "%s/n%d", base, nodes_made++);
	if (sz_node_create(&n, dir, "bench", 5, &o) != SZ_OK)
		die(sz_node_last_error());
	return n;
}

static size_t n_env, raw_k;
static int rounds; /* node-path and bundle runs, each between raw runs */
static uint8_t **envs;
static size_t *lens;
static uint8_t sk[64], pk[32];
static uint8_t (*msgs)[256], (*sigs)[64];
static size_t msglen;
static double raw_cpu_sum; /* raw verifies per CPU-second, summed over the raw runs */
static int raw_cpu_n;

/* One core's raw Ed25519 verifies per second (wall time) of messages the size of the entries'
 * signed part; per CPU-second too (raw_cpu_sum). */
static double
raw_verify_rate(void)
{
	int bad = 0;
	double c0 = thread_cpu_s(), t0 = now_s();
	for (size_t i = 0; i < raw_k; i++)
		bad |= crypto_sign_verify_detached(sigs[i], msgs[i], msglen, pk);
	double t = now_s() - t0, c = thread_cpu_s() - c0;
	if (bad)
		die("raw verify failed");
	if (c > 0) {
		raw_cpu_sum += (double)raw_k / c;
		raw_cpu_n++;
	}
	return (double)raw_k / t;
}

static int verify_bad;

static void
verify_one(void *ctx, size_t i)
{
	(void)ctx;
	if (crypto_sign_verify_detached(sigs[i], msgs[i], msglen, pk) != 0)
		verify_bad = 1;
}

/* The same verifies on the pool's threads (one per core) plus this one: what the cores give
 * together now, with whatever else the machine is running. */
static double
raw_verify_parallel(unsigned cores)
{
	sz_pool *p = NULL;
	if (sz_pool_new(&p, cores) != SZ_OK)
		die("pool");
	double t0 = now_s();
	if (sz_pool_start(p, verify_one, NULL, raw_k) != SZ_OK)
		die("pool");
	sz_pool_end(p);
	double t = now_s() - t0;
	sz_pool_free(p);
	if (verify_bad)
		die("raw verify failed");
	return (double)raw_k / t;
}

/* The node path: a fresh node takes every envelope in batches of batch; entries per second
 * (wall).  *cores gets its CPU time (every thread) over its wall time: the cores it got. */
static double
node_rate(size_t batch, sz_node **keep, double *cores)
{
	sz_node *n = fresh_node();
	double c0 = proc_cpu_s(), t0 = now_s();
	for (size_t i = 0; i < n_env; i += batch) {
		size_t k = n_env - i < batch ? n_env - i : batch;
		if (sz_node_ingest(n, (const uint8_t *const *)envs + i, lens + i, k, NULL) != SZ_OK)
			die(sz_node_errmsg(n));
	}
	double t = now_s() - t0;
	*cores = (proc_cpu_s() - c0) / t;
	uint64_t ne = 0, nn = 0;
	if (sz_store_counts(n->store, &ne, &nn) != SZ_OK || ne != n_env)
		die("the node did not store every envelope");
	if (keep != NULL)
		*keep = n;
	else
		sz_node_close(n);
	return (double)n_env / t;
}

static char bundle_path[200];

/* A passphrase bundle of every leaflet, written once from the node from; the Argon2id
 * derivation a reader makes of it, in seconds (its time alone, wall). */
static double
bundle_make(sz_node *from)
{
	snprintf(bundle_path, sizeof bundle_path, "%s/bundle", base);
	int fd = open(bundle_path, O_CREAT | O_TRUNC | O_RDWR, 0600);
	sz_node_bundle_spec spec = { .passphrase = "bench bundle", .summary_fd = -1 };
	sz_node_bundle_stats st;
	if (fd < 0 || sz_node_bundle_export(from, fd, &spec, &st) != SZ_OK || st.envelopes != n_env)
		die("bundle export");
	uint8_t salt[SZ_BUNDLE_SALT_BYTES], secret[32];
	if (pread(fd, salt, sizeof salt, 0) != (ssize_t)sizeof salt)
		die("bundle salt");
	close(fd);
	double t0 = now_s();
	if (sz_bundle_passphrase_secret(secret, "bench bundle", 12, salt) != SZ_OK)
		die("bundle kdf");
	return now_s() - t0;
}

/* `bundle import` of that bundle into a fresh node (its Argon2id included); entries per
 * second, wall; *cores as node_rate's. */
static double
bundle_rate(double *cores)
{
	sz_node_bundle_stats st;
	sz_bundle_report rep;
	int fd = open(bundle_path, O_RDONLY);
	sz_node *n = fresh_node();
	if (fd < 0)
		die("bundle open");
	double c0 = proc_cpu_s(), t0 = now_s();
	if (sz_node_bundle_import(n, fd, "bench bundle", &st, &rep) != SZ_OK || st.stored != n_env)
		die("bundle import");
	double t = now_s() - t0;
	*cores = (proc_cpu_s() - c0) / t;
	close(fd);
	sz_node_close(n);
	return (double)n_env / t;
}

/* Where one entry's CPU goes, one thread (every part on this one), in µs of its CPU time. */
typedef struct costs {
	double verify, hash, parse, check, sqlite, seal, commit, store, node, total1, wall1;
	double pages;     /* pages sealed per entry (database and journal) */
	double commit_ms; /* a batch's commit, wall time (the fsyncs' waits included) */
	double parse_lo, parse_hi; /* the parsing's spread over the passes: the noise it carries */
} costs;

/* Check envelopes [i, i + m) into in (sz_env_in_check: id, parse, verify), as a pool's worker
 * does. */
static void
check_batch(sz_env_in *in, size_t i, size_t m)
{
	for (size_t j = 0; j < m; j++) {
		sz_env_in_init(&in[j], envs[i + j], lens[i + j], NULL);
		sz_env_in_check(&in[j], 0);
		if (in[j].err != SZ_OK)
			die("check");
	}
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

#define MEDIAN_MAX (3 * MAX_ROUNDS + 4)

static double
median(const double *v, int n)
{
	double t[MEDIAN_MAX];
	memcpy(t, v, (size_t)n * sizeof *t);
	qsort(t, (size_t)n, sizeof *t, cmp_double);
	return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

#define PASSES 3

/* One pass of the breakdown: every part timed batch by batch, the parts of one batch one after
 * the other, so that a change of the machine's load falls on all of them. */
static void
breakdown_pass(costs *c, sz_env_in *in)
{
	size_t k = n_env, nb = 0;
	uint8_t id[32];
	double t_total = 0, t_wall = 0, t_check = 0, t_store = 0, t_verify = 0, t_hash = 0;
	double t_commit_wall = 0;
	size_t nverify = 0;
	sz_node *a = fresh_node(), *b = fresh_node();
	sz_vfs_stats v0, v1;
	sz_vfs_get_stats(b->store->vfs, &v0);
	for (size_t i = 0; i < k; i += BATCH, nb++) {
		size_t m = k - i < BATCH ? k - i : BATCH;
		/* the whole node path, one thread */
		double c0 = thread_cpu_s(), t0 = now_s();
		if (sz_node_ingest(a, (const uint8_t *const *)envs + i, lens + i, m, NULL) != SZ_OK)
			die(sz_node_errmsg(a));
		t_total += thread_cpu_s() - c0;
		t_wall += now_s() - t0;
		/* the check (what the pool's workers run) */
		c0 = thread_cpu_s();
		check_batch(in, i, m);
		t_check += thread_cpu_s() - c0;
		/* the store alone, given those checked envelopes, as the node stores them (no
		 * savepoint of its own): inserts, the sealing of the pages written, the commit */
		c0 = thread_cpu_s();
		if (sz_store_txn_begin(b->store) != SZ_OK ||
		    sz_store_put_checked_bare(b->store, in, m, NULL) != SZ_OK)
			die("store");
		t0 = now_s();
		if (sz_store_txn_end(b->store, SZ_OK) != SZ_OK)
			die("commit");
		t_commit_wall += now_s() - t0;
		t_store += thread_cpu_s() - c0;
		/* the raw verify of same-sized messages */
		size_t mv = m < raw_k ? m : raw_k;
		c0 = thread_cpu_s();
		for (size_t j = 0; j < mv; j++)
			if (crypto_sign_verify_detached(sigs[j], msgs[j], msglen, pk) != 0)
				die("raw verify");
		t_verify += thread_cpu_s() - c0;
		nverify += mv;
		/* hashes: the envelope's id and the entry's id, as a check computes them */
		c0 = thread_cpu_s();
		for (size_t j = i; j < i + m; j++) {
			size_t el = sz_load_u32(envs[j] + SZ_ENV_HEADER_BYTES);
			if (sz_env_id(id, envs[j], lens[j]) != SZ_OK ||
			    sz_entry_id(id, envs[j] + SZ_ENV_HEADER_BYTES + 4, el) != SZ_OK)
				die("hash");
		}
		t_hash += thread_cpu_s() - c0;
	}
	sz_vfs_get_stats(b->store->vfs, &v1);
	c->total1 = t_total * 1e6 / (double)k;
	c->wall1 = t_wall * 1e6 / (double)k;
	c->check = t_check * 1e6 / (double)k;
	c->store = t_store * 1e6 / (double)k;
	c->verify = t_verify * 1e6 / (double)nverify;
	c->hash = t_hash * 1e6 / (double)k;
	c->commit_ms = t_commit_wall * 1e3 / (double)nb;
	c->pages = (double)(v1.pages_sealed - v0.pages_sealed + v1.journal_sealed -
	    v0.journal_sealed) / (double)k;
	/* a commit's own cost (journal writes, fsync calls), from commits of almost nothing */
	double c0 = thread_cpu_s();
	for (int i = 0; i < 20; i++)
		if (sz_store_kv_put(b->store, "bench/commit", (const uint8_t *)"x", 1) != SZ_OK)
			die("kv");
	c->commit = (thread_cpu_s() - c0) / 20 * (double)nb * 1e6 / (double)k;
	sz_node_close(a);
	sz_node_close(b);
}

/* Run with SAMIZDAT_THREADS=0 (no pool: the node checks on the calling thread).  Each part is
 * the median of PASSES passes over the same envelopes in batches of BATCH, on this thread; the
 * node's own share is the total less the parts. */
static void
breakdown(costs *c)
{
	costs p[PASSES];
	double v[PASSES];
	sz_env_in *in = calloc(BATCH, sizeof *in);
	if (in == NULL)
		die("out of memory");
	for (int i = 0; i < PASSES; i++)
		breakdown_pass(&p[i], in);
	free(in);
	memset(c, 0, sizeof *c);
#define MEDIAN_OF(f) do { for (int i = 0; i < PASSES; i++) v[i] = p[i].f; \
	c->f = median(v, PASSES); } while (0)
	MEDIAN_OF(total1);
	MEDIAN_OF(wall1);
	MEDIAN_OF(check);
	MEDIAN_OF(store);
	MEDIAN_OF(verify);
	MEDIAN_OF(hash);
	MEDIAN_OF(pages);
	MEDIAN_OF(commit);
	MEDIAN_OF(commit_ms);
#undef MEDIAN_OF
	/* one page sealed: XChaCha20-Poly1305 of a page less its reserve */
	uint8_t page[SZ_VFS_PAGE_SIZE], tag[16], key[32] = { 1 }, nonce[24] = { 2 };
	memset(page, 7, sizeof page);
	double c0 = thread_cpu_s();
	for (int i = 0; i < 20000; i++)
		crypto_aead_xchacha20poly1305_ietf_encrypt_detached(page, tag, NULL, page,
		    SZ_VFS_PAGE_SIZE - SZ_VFS_RESERVE, NULL, 0, NULL, nonce, key);
	c->seal = c->pages * (thread_cpu_s() - c0) / 20000 * 1e6;
	c->parse = c->check - c->verify - c->hash;
	c->parse_lo = c->parse_hi = p[0].check - p[0].verify - p[0].hash;
	for (int i = 1; i < PASSES; i++) {
		double x = p[i].check - p[i].verify - p[i].hash;
		c->parse_lo = x < c->parse_lo ? x : c->parse_lo;
		c->parse_hi = x > c->parse_hi ? x : c->parse_hi;
	}
	c->sqlite = c->store - c->seal - c->commit;
	c->node = c->total1 - c->check - c->store;
}

static void
make_envelopes(void)
{
	envs = calloc(n_env, sizeof *envs);
	lens = calloc(n_env, sizeof *lens);
	msgs = calloc(raw_k, sizeof *msgs);
	sigs = calloc(raw_k, sizeof *sigs);
	if (envs == NULL || lens == NULL || msgs == NULL || sigs == NULL)
		die("out of memory");
	for (size_t i = 0; i < n_env; i++) {
		uint8_t *e, id[32], body[100];
		size_t el;
		memset(body, 'x', sizeof body);
		snprintf((char *)body, sizeof body, "leaflet %zu ", i);
		if (sz_entry_build(&e, &el, id, SZ_KIND_LEAFLET, NULL, 0, 1700000000000ull + i, body,
		    sizeof body, sk) != SZ_OK || sz_env_wrap_public(&envs[i], &lens[i], e, el) != SZ_OK)
			die("entry");
		/* the raw primitive's messages: as long as what an entry's signature covers */
		msglen = el - 64 + 18; /* and the 18-byte signing context */
		if (msglen > sizeof msgs[0])
			die("entry too long");
		if (i < raw_k) {
			memcpy(msgs[i], e, el - 64);
			memset(msgs[i] + el - 64, 's', 18);
			crypto_sign_detached(sigs[i], NULL, msgs[i], msglen, sk);
		}
		free(e);
	}
}

/* Print where one entry's CPU goes (breakdown) and this design's limit. */
static void
parts(unsigned cores)
{
	costs c;
	setenv("SAMIZDAT_THREADS", "0", 1);
	breakdown(&c);
	unsetenv("SAMIZDAT_THREADS");
	printf("where one entry's CPU goes, one thread, µs of its CPU time (batches of %d):\n", BATCH);
	printf("  Ed25519 verify                     %6.1f\n", c.verify);
	printf("  hashes (envelope id, entry id)     %6.1f\n", c.hash);
	printf("  parsing (the check less those)     %6.1f  (%.1f to %.1f over the passes: a "
	    "difference of larger figures, it carries their noise)\n", c.parse, c.parse_lo,
	    c.parse_hi);
	printf("  SQLite (inserts: 2 rows, 4 index entries; its page writes) %5.1f\n", c.sqlite);
	printf("  sealing (%.2f pages an entry)      %6.1f\n", c.pages, c.seal);
	printf("  commit (journal, fsync calls)      %6.1f  (a batch's commit: %.1f ms by wall time, "
	    "the fsyncs' waits included)\n", c.commit, c.commit_ms);
	printf("  node (routing, filing, sketches, the rest) %.1f\n", c.node);
	printf("  total, one thread                  %6.1f  (%.0f /s by CPU time; %.1f µs, %.0f /s "
	    "by wall time)\n", c.total1, 1e6 / c.total1, c.wall1, 1e6 / c.wall1);
	/* The checks run on every core, the writer's share (store and node) on one, and both
	 * share the cores: at most cores / (check + writer) an entry, and never more than one
	 * writer gives (1 / writer).  The ceiling here is per CPU-second too: cores / verify. */
	double wr = c.total1 - c.check, ceil_cpu = cores * 1e6 / c.verify;
	double lim_cores = cores * 1e6 / c.total1, lim_wr = 1e6 / wr;
	double limit = lim_cores < lim_wr ? lim_cores : lim_wr;
	printf("  this design's limit: checks %.1f µs on any core, the writer %.1f µs on one: "
	    "%u cores / %.1f µs = %.0f /s, one writer %.0f /s; %.2f of the ceiling (%.0f /s by "
	    "CPU time)\n", c.check, wr, cores, c.total1, lim_cores, lim_wr, limit / ceil_cpu,
	    ceil_cpu);
}

static void all_runs(unsigned cores);

int
main(int argc, char **argv)
{
	const char *ns = getenv("BENCH_INGEST_N"), *rs = getenv("BENCH_INGEST_ROUNDS");
	n_env = argc > 1 ? strtoul(argv[1], NULL, 10) : ns ? strtoul(ns, NULL, 10) : 40000;
	if (n_env < 1000)
		n_env = 1000;
	raw_k = n_env < RAW_K ? n_env : RAW_K;
	rounds = rs ? atoi(rs) : 3;
	rounds = rounds < 1 ? 1 : rounds > MAX_ROUNDS ? MAX_ROUNDS : rounds;
	snprintf(base, sizeof base, "/tmp/sz-bench-ingest.XXXXXX");
	uint8_t seed[32] = { 3 };
	if (sz_init() != SZ_OK || mkdtemp(base) == NULL || sz_sign_seed_keypair(pk, sk, seed) != SZ_OK)
		return 1;
	make_envelopes();
	unsigned cores = sz_pool_default_threads();
	if (cores == 0)
		cores = 1;
	bool only_parts = getenv("BENCH_INGEST_PARTS") != NULL; /* the table alone: for a profiler */
	if (only_parts)
		parts(cores);
	else
		all_runs(cores);
	char cmd[200];
	snprintf(cmd, sizeof cmd, "rm -rf %s", base);
	if (system(cmd) != 0)
		return 1;
	for (size_t i = 0; i < n_env; i++)
		free(envs[i]);
	free(envs);
	free(lens);
	free(msgs);
	free(sigs);
	return 0;
}

/* The rounds of node-path and bundle runs between raw runs, then the per-part table. */
static void
all_runs(unsigned cores)
{
	double load0 = load1();
	printf("node-path ingest of %zu leaflets (%zu-byte envelopes), %u cores, load average %.2f\n",
	    n_env, lens[0], cores, load0);

	/* Rounds: raw, node path, raw, bundle import, raw.  A raw run is one core's rate (one
	 * thread) and, right after it, what all the cores give together now (a thread each): on a
	 * shared machine the second may be far below cores × the first (the scheduler shares CPU
	 * time between groups of processes, not threads).  Each node or bundle rate is taken over
	 * the mean of the raw runs on either side of it. */
	sz_node *holder = NULL;
	double rn[MAX_ROUNDS], rb[MAX_ROUNDS], pn[MAX_ROUNDS], pb[MAX_ROUNDS], cn[MAX_ROUNDS];
	double cb[MAX_ROUNDS], vn[MAX_ROUNDS], vb[MAX_ROUNDS], raws[MEDIAN_MAX], paras[MEDIAN_MAX];
	double kdf = 0, node_cpu = 0, s0, s1, s2, p0, p1, p2;
	int nr = 0;
	for (int r = 0; r < rounds; r++) {
		s0 = raw_verify_rate();
		p0 = raw_verify_parallel(cores);
		vn[r] = node_rate(BATCH, r == 0 ? &holder : NULL, &cn[r]);
		s1 = raw_verify_rate();
		p1 = raw_verify_parallel(cores);
		if (r == 0) {
			kdf = bundle_make(holder);
			sz_node_close(holder);
		}
		vb[r] = bundle_rate(&cb[r]);
		s2 = raw_verify_rate();
		p2 = raw_verify_parallel(cores);
		rn[r] = vn[r] / (cores * (s0 + s1) / 2);
		rb[r] = vb[r] / (cores * (s1 + s2) / 2);
		pn[r] = vn[r] / ((p0 + p1) / 2);
		pb[r] = vb[r] / ((p1 + p2) / 2);
		node_cpu += vn[r] / cn[r];
		raws[nr] = s0, paras[nr++] = p0;
		raws[nr] = s1, paras[nr++] = p1;
		raws[nr] = s2, paras[nr++] = p2;
		printf("  round %d: raw %.0f (%.0f on %u threads); node path %.0f /s on %.2f cores, "
		    "%.2f (%.2f); raw %.0f (%.0f); bundle import %.0f /s on %.2f cores, %.2f (%.2f); "
		    "raw %.0f (%.0f)\n", r + 1, s0, p0, cores, vn[r], cn[r], rn[r], pn[r], s1, p1, vb[r],
		    cb[r], rb[r], pb[r], s2, p2);
	}
	s0 = raw_verify_rate();
	double c256 = 0, small = node_rate(256, NULL, &c256);
	s1 = raw_verify_rate();
	setenv("SAMIZDAT_THREADS", "0", 1);
	double c1 = 0, one = node_rate(BATCH, NULL, &c1);
	unsetenv("SAMIZDAT_THREADS");
	s2 = raw_verify_rate();
	raws[nr++] = s0;
	raws[nr++] = s1;
	raws[nr++] = s2;
	double raw = median(raws, nr), para = median(paras, 3 * rounds), lo = raws[0], hi = raws[0];
	for (int i = 1; i < nr; i++) {
		lo = raws[i] < lo ? raws[i] : lo;
		hi = raws[i] > hi ? raws[i] : hi;
	}
	double lo_n = rn[0], hi_n = rn[0], lo_b = rb[0], hi_b = rb[0];
	for (int r = 1; r < rounds; r++) {
		lo_n = rn[r] < lo_n ? rn[r] : lo_n;
		hi_n = rn[r] > hi_n ? rn[r] : hi_n;
		lo_b = rb[r] < lo_b ? rb[r] : lo_b;
		hi_b = rb[r] > hi_b ? rb[r] : hi_b;
	}
	double raw_cpu = raw_cpu_n > 0 ? raw_cpu_sum / raw_cpu_n : raw;
	double vbm = median(vb, rounds), tb = (double)n_env / vbm;
	printf("(each ratio over the raw runs either side of it: median of %d rounds)\n", rounds);
	printf("  raw Ed25519 verify, one core  %8.0f /s  (median; %.0f-%.0f over the run)\n", raw,
	    lo, hi);
	printf("  ceiling: %u cores x that       %8.0f /s  (all %u at once got %.0f /s: %.2f of it)\n",
	    cores, cores * raw, cores, para, para / (cores * raw));
	printf("  node path, batches of %d      %8.0f /s  %.2f of the ceiling  (%.2f-%.2f; target >= "
	    "0.5; the sync batch)\n", BATCH, median(vn, rounds), median(rn, rounds), lo_n, hi_n);
	printf("    on %.2f cores (median; its CPU time over its wall time); %.2f of what all the "
	    "cores gave at once; per CPU-second of its threads %.0f /s, %.2f of a raw verify's "
	    "(%.0f /s)\n", median(cn, rounds), median(pn, rounds), node_cpu / rounds,
	    node_cpu / rounds / raw_cpu, raw_cpu);
	printf("  bundle import (passphrase)    %8.0f /s  %.2f of the ceiling  (%.2f-%.2f; target >= "
	    "0.5)\n", vbm, median(rb, rounds), lo_b, hi_b);
	printf("    on %.2f cores; %.2f of what all the cores gave at once; its Argon2id (%.2f s) "
	    "included: %.2f of the ceiling without it\n", median(cb, rounds), median(pb, rounds),
	    kdf, median(rb, rounds) * tb / (tb - kdf));
	printf("  node path, batches of 256     %8.0f /s  %.2f of the ceiling  (on %.2f cores; the "
	    "sync batch before issue 16)\n", small, small / (cores * (s0 + s1) / 2), c256);
	printf("  node path, one thread         %8.0f /s  %.2f of one core's verify rate\n", one,
	    one / ((s1 + s2) / 2));
	parts(cores);
	printf("load average %.2f at the start, %.2f at the end\n", load0, load1());
}
