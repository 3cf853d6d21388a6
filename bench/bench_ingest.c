/*
 * bench_ingest.c - `make bench`: the node path that sync sessions and `bundle import` use (check:
 * hash, parse, Ed25519 verify; store; file into cells), measured end to end through the node
 * (sz_node_ingest, sz_node_bundle_import), not the store alone.  Printed as ratios to this
 * machine's own ceiling measured in the same run: cores × one core's raw Ed25519 verify rate of
 * same-sized messages (issue 16 target: the node path >= 0.5 of it).  Then where one entry's CPU
 * goes, in µs, and the limit of this design (checks on every core, one writer).
 * BENCH_INGEST_N sets the number of leaflets (default 40,000: 100-byte bodies, 256-byte envelopes,
 * as bench_sync's).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
die(const char *what)
{
	fprintf(stderr, "bench_ingest: %s\n", what);
	exit(1);
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

static size_t n_env;
static uint8_t **envs;
static size_t *lens;
static uint8_t sk[64], pk[32];
static uint8_t (*msgs)[256], (*sigs)[64];
static size_t msglen;

/* One core's raw Ed25519 verifies per second of messages the size of the entries' signed part. */
static double
raw_verify_rate(void)
{
	int bad = 0;
	size_t k = n_env < 20000 ? n_env : 20000;
	double t0 = now_s();
	for (size_t i = 0; i < k; i++)
		bad |= crypto_sign_verify_detached(sigs[i], msgs[i], msglen, pk);
	double t = now_s() - t0;
	if (bad)
		die("raw verify failed");
	return (double)k / t;
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
 * together in this run, with whatever else the machine is running. */
static double
raw_verify_parallel(unsigned cores)
{
	sz_pool *p = NULL;
	size_t k = n_env < 20000 ? n_env : 20000;
	if (sz_pool_new(&p, cores) != SZ_OK)
		die("pool");
	double t0 = now_s();
	if (sz_pool_start(p, verify_one, NULL, k) != SZ_OK)
		die("pool");
	sz_pool_end(p);
	double t = now_s() - t0;
	sz_pool_free(p);
	if (verify_bad)
		die("raw verify failed");
	return (double)k / t;
}

/* The node path: a fresh node takes every envelope in batches of batch; entries per second. */
static double
node_rate(size_t batch, sz_node **keep)
{
	sz_node *n = fresh_node();
	double t0 = now_s();
	for (size_t i = 0; i < n_env; i += batch) {
		size_t k = n_env - i < batch ? n_env - i : batch;
		if (sz_node_ingest(n, (const uint8_t *const *)envs + i, lens + i, k, NULL) != SZ_OK)
			die(sz_node_errmsg(n));
	}
	double t = now_s() - t0;
	uint64_t ne = 0, nn = 0;
	if (sz_store_counts(n->store, &ne, &nn) != SZ_OK || ne != n_env)
		die("the node did not store every envelope");
	if (keep != NULL)
		*keep = n;
	else
		sz_node_close(n);
	return (double)n_env / t;
}

/* `bundle import` of a passphrase bundle of every leaflet into a fresh node (the one Argon2id
 * derivation included); *kdf_s gets that derivation's time alone. */
static double
bundle_rate(sz_node *from, double *kdf_s)
{
	char path[200];
	snprintf(path, sizeof path, "%s/bundle", base);
	int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0600);
	sz_node_bundle_spec spec = { .passphrase = "bench bundle", .summary_fd = -1 };
	sz_node_bundle_stats st;
	sz_bundle_report rep;
	if (fd < 0 || sz_node_bundle_export(from, fd, &spec, &st) != SZ_OK || st.envelopes != n_env)
		die("bundle export");
	uint8_t salt[SZ_BUNDLE_SALT_BYTES], secret[32];
	if (pread(fd, salt, sizeof salt, 0) != (ssize_t)sizeof salt)
		die("bundle salt");
	double t0 = now_s();
	if (sz_bundle_passphrase_secret(secret, "bench bundle", 12, salt) != SZ_OK)
		die("bundle kdf");
	*kdf_s = now_s() - t0;
	sz_node *n = fresh_node();
	if (lseek(fd, 0, SEEK_SET) != 0)
		die("seek");
	t0 = now_s();
	if (sz_node_bundle_import(n, fd, "bench bundle", &st, &rep) != SZ_OK || st.stored != n_env)
		die("bundle import");
	double t = now_s() - t0;
	close(fd);
	unlink(path);
	sz_node_close(n);
	return (double)n_env / t;
}

/* Where one entry's CPU goes, single-threaded, in µs. */
typedef struct costs {
	double verify, hash, parse, sqlite, seal, commit, node, total1;
	double pages;     /* pages sealed per entry (database and journal) */
} costs;

static void
breakdown(double raw, double node1, costs *c)
{
	size_t k = n_env;
	sz_env_in *in = calloc(k, sizeof *in);
	uint8_t id[32];
	if (in == NULL)
		die("out of memory");
	c->verify = 1e6 / raw;
	/* hash: the envelope's id and the entry's id, as a check computes them */
	double t0 = now_s();
	for (size_t i = 0; i < k; i++) {
		size_t el = sz_load_u32(envs[i] + SZ_ENV_HEADER_BYTES);
		if (sz_env_id(id, envs[i], lens[i]) != SZ_OK ||
		    sz_entry_id(id, envs[i] + SZ_ENV_HEADER_BYTES + 4, el) != SZ_OK)
			die("hash");
	}
	c->hash = (now_s() - t0) * 1e6 / (double)k;
	t0 = now_s();
	for (size_t i = 0; i < k; i++) {
		sz_env_in_init(&in[i], envs[i], lens[i], NULL);
		sz_env_in_check(&in[i], 0);
		if (in[i].err != SZ_OK)
			die("check");
	}
	double check = (now_s() - t0) * 1e6 / (double)k;
	c->parse = check - c->verify - c->hash;
	if (c->parse < 0)
		c->parse = 0;
	/* the store alone, given checked envelopes: inserts (SQLite, sealing of pages it writes)
	 * and the commit of each batch */
	sz_node *n = fresh_node();
	sz_store *s = n->store;
	sz_vfs_stats v0, v1;
	sz_vfs_get_stats(s->vfs, &v0);
	double t_put = 0, t_commit = 0;
	size_t batch = SZ_BATCH_MAX_ENVELOPES, nb = 0;
	for (size_t i = 0; i < k; i += batch, nb++) {
		size_t m = k - i < batch ? k - i : batch;
		t0 = now_s();
		if (sz_store_txn_begin(s) != SZ_OK || sz_store_put_checked(s, in + i, m, NULL) != SZ_OK)
			die("store");
		double t1 = now_s();
		if (sz_store_txn_end(s, SZ_OK) != SZ_OK)
			die("commit");
		t_put += t1 - t0;
		t_commit += now_s() - t1;
	}
	sz_vfs_get_stats(s->vfs, &v1);
	c->pages = (double)(v1.pages_sealed - v0.pages_sealed + v1.journal_sealed -
	    v0.journal_sealed) / (double)k;
	/* one page sealed: XChaCha20-Poly1305 of a page less its reserve */
	uint8_t page[SZ_VFS_PAGE_SIZE], tag[16], key[32] = { 1 }, nonce[24] = { 2 };
	memset(page, 7, sizeof page);
	t0 = now_s();
	for (int i = 0; i < 20000; i++)
		crypto_aead_xchacha20poly1305_ietf_encrypt_detached(page, tag, NULL, page,
		    SZ_VFS_PAGE_SIZE - SZ_VFS_RESERVE, NULL, 0, NULL, nonce, key);
	double t_page = (now_s() - t0) / 20000;
	c->seal = c->pages * t_page * 1e6;
	/* a commit's own cost (journal writes and fsyncs), from commits of almost nothing */
	t0 = now_s();
	for (int i = 0; i < 20; i++)
		if (sz_store_kv_put(s, "bench/commit", (const uint8_t *)"x", 1) != SZ_OK)
			die("kv");
	double t_c0 = (now_s() - t0) / 20;
	c->commit = t_c0 * (double)nb * 1e6 / (double)k;
	c->sqlite = (t_put + t_commit) * 1e6 / (double)k - c->seal - c->commit;
	sz_node_close(n);
	free(in);
	c->total1 = 1e6 / node1;
	c->node = c->total1 - check - (t_put + t_commit) * 1e6 / (double)k;
}

int
main(int argc, char **argv)
{
	const char *ns = getenv("BENCH_INGEST_N");
	n_env = argc > 1 ? strtoul(argv[1], NULL, 10) : ns ? strtoul(ns, NULL, 10) : 40000;
	if (n_env < 1000)
		n_env = 1000;
	snprintf(base, sizeof base, "/tmp/sz-bench-ingest.XXXXXX");
	if (sz_init() != SZ_OK || mkdtemp(base) == NULL)
		return 1;
	uint8_t seed[32] = { 3 };
	if (sz_sign_seed_keypair(pk, sk, seed) != SZ_OK)
		return 1;
	envs = calloc(n_env, sizeof *envs);
	lens = calloc(n_env, sizeof *lens);
	msgs = calloc(n_env < 20000 ? n_env : 20000, sizeof *msgs);
	sigs = calloc(n_env < 20000 ? n_env : 20000, sizeof *sigs);
	if (envs == NULL || lens == NULL || msgs == NULL || sigs == NULL)
		return 1;
	for (size_t i = 0; i < n_env; i++) {
		uint8_t *e, id[32], body[100];
		size_t el;
		memset(body, 'x', sizeof body);
		snprintf((char *)body, sizeof body, "leaflet %zu ", i);
		if (sz_entry_build(&e, &el, id, SZ_KIND_LEAFLET, NULL, 0, 1700000000000ull + i, body,
		    sizeof body, sk) != SZ_OK || sz_env_wrap_public(&envs[i], &lens[i], e, el) != SZ_OK)
			return 1;
		/* the raw primitive's messages: as long as what an entry's signature covers */
		msglen = el - 64 + 18; /* and the 18-byte signing context */
		if (msglen > sizeof msgs[0])
			return 1;
		if (i < 20000) {
			memcpy(msgs[i], e, el - 64);
			memset(msgs[i] + el - 64, 's', 18);
			crypto_sign_detached(sigs[i], NULL, msgs[i], msglen, sk);
		}
		free(e);
	}
	unsigned cores = sz_pool_default_threads();
	if (cores == 0)
		cores = 1;
	printf("node-path ingest of %zu leaflets (%zu-byte envelopes), %u cores\n", n_env, lens[0],
	    cores);

	/* Each rate is taken right after a raw rate, so that both see the same load. */
	sz_node *holder = NULL;
	double raw1 = raw_verify_rate();
	double big = node_rate(SZ_BATCH_MAX_ENVELOPES, &holder);
	double raw2 = raw_verify_rate();
	double small = node_rate(256, NULL);
	double raw3 = raw_verify_rate();
	double kdf = 0, bundle = bundle_rate(holder, &kdf);
	sz_node_close(holder);
	setenv("SAMIZDAT_THREADS", "0", 1);
	double raw4 = raw_verify_rate();
	double one = node_rate(SZ_BATCH_MAX_ENVELOPES, NULL);
	unsetenv("SAMIZDAT_THREADS");
	double rawp = raw_verify_parallel(cores);
	double raw = (raw1 + raw2 + raw3 + raw4) / 4, lo = raw1, hi = raw1;
	double rs[4] = { raw1, raw2, raw3, raw4 };
	for (int i = 1; i < 4; i++) {
		lo = rs[i] < lo ? rs[i] : lo;
		hi = rs[i] > hi ? rs[i] : hi;
	}
	printf("  raw Ed25519 verify, one core  %8.0f /s  (%.0f-%.0f over the run)\n", raw, lo, hi);
	printf("  ceiling: %u cores x that       %8.0f /s  (on %u threads at once: %.0f /s, %.2f of it: "
	    "the machine's other load)\n", cores, cores * raw, cores, rawp, rawp / (cores * raw));
	printf("  node path, batches of %d      %8.0f /s  %.2f of the ceiling  (target >= 0.5; the "
	    "sync batch)\n", SZ_BATCH_MAX_ENVELOPES, big, big / (cores * raw1));
	printf("  bundle import (passphrase)    %8.0f /s  %.2f of the ceiling  (target >= 0.5; "
	    "its Argon2id %.2f s included)\n", bundle, bundle / (cores * raw3), kdf);
	printf("  node path, batches of 256     %8.0f /s  %.2f of the ceiling  (the sync batch "
	    "before issue 16)\n", small, small / (cores * raw2));
	printf("  node path, one thread         %8.0f /s  %.2f of one core's verify rate\n", one,
	    one / raw4);

	costs c;
	breakdown(raw, one, &c);
	printf("where one entry's CPU goes, one thread, µs (batches of %d):\n",
	    SZ_BATCH_MAX_ENVELOPES);
	printf("  Ed25519 verify                %8.1f\n", c.verify);
	printf("  hashes (envelope id, entry id)%8.1f\n", c.hash);
	printf("  parsing                       %8.1f\n", c.parse);
	printf("  SQLite (inserts, 2 rows, 4 index entries) %5.1f\n", c.sqlite);
	printf("  sealing (%.2f pages a entry)  %8.1f\n", c.pages, c.seal);
	printf("  commit (journal, fsyncs)      %8.1f\n", c.commit);
	printf("  node (routing, sketches, the rest) %3.1f\n", c.node);
	printf("  total, one thread             %8.1f  (%.0f /s)\n", c.total1, one);
	double par = c.verify + c.hash + c.parse, ser = c.total1 - par;
	double limit = 1e6 / (par / cores > ser ? par / cores : ser);
	printf("  this design's limit: checks on %u cores (%.1f µs), one writer (%.1f µs): %.0f /s, "
	    "%.2f of the ceiling\n", cores, par / cores, ser, limit, limit / (cores * raw));
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
