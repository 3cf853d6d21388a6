/*
 * bench_join.c - what one join costs the members already in a cell, as the cell grows to 1,000
 * members (docs/joins.md, issue 16 part 3): the creator adds each newcomer, the newcomer joins
 * from its welcome, and every envelope anyone makes is delivered to every live member until
 * nothing more is made (a flood network: every member stores every envelope of the cell).
 * Library path: sz_cell_add, sz_cell_join, sz_cell_receive; no store, no sync.  Nobody posts
 * (lurkers: the ACK ops their full windows force are counted with the joins).
 * Every member is live up to ALL_LIVE members; past that only the observed members are (the
 * first OBSERVED, and every STRIDE-th): a member sends nothing on a join past 64 members
 * (src/cell/cell_join_test.c, test_lurker_through_joins), so the others, offline, change no
 * one's figures, and the bench checks that the live ones send nothing.
 * Fails (exit 1) past the targets at 1,000: per existing member and join <= 8 KiB and <= 5 ms,
 * and within 1.2 x its figures at 50.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cell/cell.h"
#include "crypto/crypto.h"
#include "lib/env.h"
#include "wire/entry.h"

#define MAXN 1000
#define ALL_LIVE 200
#define OBSERVED 16
#define STRIDE 50
#define SPAN 8

static double
cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
wall_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
die(const char *what, int r)
{
	fprintf(stderr, "bench_join: %s failed (%d)\n", what, r);
	exit(1);
}

typedef struct msg { uint8_t *p; size_t n; int from; } msg;
static msg *q;
static size_t nq, capq;
static sz_cell *cells[MAXN];
static sz_env_seeded envs[MAXN];
static uint8_t sks[MAXN][64], pks[MAXN][32];
static double cpu[MAXN];
static size_t envs_in[MAXN], bytes_in[MAXN], sent[MAXN];
/* the whole growth: CPU of everyone (adds, joins, receives), bytes delivered, welcomes */
static double tot_cpu;
static double tot_bytes, tot_welcome;

static int
observed(int i)
{
	return i <= OBSERVED || i % STRIDE == 0;
}

static void
take(sz_cell_result *r, int from)
{
	for (size_t i = 0; i < r->nout; i++) {
		if (nq == capq) {
			capq = capq ? 2 * capq : 1024;
			if ((q = realloc(q, capq * sizeof *q)) == NULL)
				die("queue", SZ_ERR_NOMEM);
		}
		q[nq].p = r->out[i];
		q[nq].n = r->outlen[i];
		q[nq++].from = from;
		sent[from]++;
		r->out[i] = NULL;
	}
	sz_cell_result_free(r);
}

/* Deliver every queued envelope (and what it causes) to every live member but its sender; n
 * members in all, of whom those not live count as receiving it too (bytes only). */
static void
flood(int n)
{
	for (size_t k = 0; k < nq; k++) {
		int live = 0;
		for (int i = 0; i < n; i++) {
			sz_cell_result r = { 0 };
			if (i == q[k].from || cells[i] == NULL)
				continue;
			live++;
			double t0 = cpu_s();
			int rc = sz_cell_receive(cells[i], q[k].p, q[k].n, &r);
			double d = cpu_s() - t0;
			cpu[i] += d;
			tot_cpu += d;
			envs_in[i]++;
			bytes_in[i] += q[k].n;
			if (rc != SZ_OK && rc != SZ_ERR_NOT_FOUND && rc != SZ_ERR_DECRYPT)
				die("receive", rc);
			take(&r, i);
		}
		/* the offline members receive it as well, later: their CPU is the live ones' mean */
		tot_bytes += (double)q[k].n * (double)(n - 1);
		(void)live;
	}
	for (size_t k = 0; k < nq; k++)
		free(q[k].p);
	nq = 0;
}

static void
reset(int n)
{
	for (int i = 0; i < n; i++) {
		cpu[i] = 0;
		envs_in[i] = bytes_in[i] = 0;
	}
}

typedef struct fig { int n; double envs, bytes, cpu_ms, newcomer_ms, adder_ms; } fig;

/* Mean per join over the last `span` joins, over the live members that were in the cell before
 * them all but the adder (members 1 .. n - span - 1). */
static fig
report(int n, int span, double newcomer_cpu)
{
	fig f = { n, 0, 0, 0, 0, 0 };
	int k = 0;
	for (int i = 1; i < n - span; i++) {
		if (cells[i] == NULL)
			continue;
		f.cpu_ms += cpu[i];
		f.envs += (double)envs_in[i];
		f.bytes += (double)bytes_in[i];
		k++;
	}
	if (k == 0)
		return f;
	f.envs /= (double)k * span;
	f.bytes /= (double)k * span;
	f.cpu_ms = f.cpu_ms / k / span * 1e3;
	f.newcomer_ms = newcomer_cpu * 1e3;
	f.adder_ms = cpu[0] / span * 1e3;
	printf("  %5d %6d %8.2f %10.0f %9.3f %11.2f %9.2f %9.1f %10.1f %12.1f\n", n, k, f.envs,
	    f.bytes, f.cpu_ms, f.newcomer_ms, f.adder_ms, tot_cpu, tot_bytes / 1e6,
	    tot_welcome / 1e6);
	return f;
}

static double
join(int n)
{
	int z = n - 1, rc;
	sz_cell_joinkeys jk;
	sz_cell_result r = { 0 };
	uint8_t seed[32] = { (uint8_t)z, (uint8_t)(z >> 8), 9 };
	sz_env_seeded_init(&envs[z], (uint64_t)z + 1, 1700000000000ull);
	if (sz_sign_seed_keypair(pks[z], sks[z], seed) != SZ_OK ||
	    sz_cell_joinkeys_new(&envs[z].env, &jk) != SZ_OK)
		die("keys", 0);
	double t0 = cpu_s();
	if ((rc = sz_cell_add(cells[0], pks[z], jk.prekey_pk, jk.csk_pk, &r)) != SZ_OK)
		die("add", rc);
	double d = cpu_s() - t0;
	cpu[0] += d;
	tot_cpu += d;
	uint8_t *w = r.welcome;
	size_t wl = r.welcome_len;
	tot_welcome += (double)wl;
	r.welcome = NULL;
	take(&r, 0);
	t0 = cpu_s();
	if ((rc = sz_cell_join(&cells[z], &envs[z].env, sks[z], &jk, w, wl, &r)) != SZ_OK)
		die("join", rc);
	double dz = cpu_s() - t0;
	cpu[z] += dz;
	tot_cpu += dz;
	free(w);
	sz_wipe(&jk, sizeof jk);
	take(&r, z);
	flood(n);
	/* past ALL_LIVE, the one before it goes offline unless observed */
	if (n > ALL_LIVE && z > 1 && !observed(z - 1)) {
		sz_cell_free(cells[z - 1]);
		cells[z - 1] = NULL;
	}
	return dz;
}

int
main(int argc, char **argv)
{
	int upto = argc > 1 ? atoi(argv[1]) : MAXN;
	fig at50 = { 0 }, last = { 0 };
	if (sz_init() != SZ_OK || upto < 2 * SPAN || upto > MAXN)
		return 1;
	uint8_t seed[32] = { 0, 0, 9 };
	sz_env_seeded_init(&envs[0], 1, 1700000000000ull);
	if (sz_sign_seed_keypair(pks[0], sks[0], seed) != SZ_OK ||
	    sz_cell_create(&cells[0], &envs[0].env, "bench", sks[0], &(sz_cell_result){ 0 }) != SZ_OK)
		die("create", 0);
	printf("one join into a cell of n - 1 members who never post (library path: add, welcome, join,\n"
	    "every envelope flooded to every member); per existing member (live: all up to %d\n"
	    "members, then the first %d and every %dth), mean of the last %d joins: envelopes and\n"
	    "bytes received and CPU spent (ACK ops of lurkers' full windows included); the\n"
	    "newcomer's CPU to join; the adder's CPU per add; then the whole growth so far: CPU of\n"
	    "everyone (the offline members' receives not run: add live CPU/member x n for them),\n"
	    "MB delivered to all members, MB of welcomes\n", ALL_LIVE, OBSERVED, STRIDE, SPAN);
	printf("  %5s %6s %8s %10s %9s %11s %9s %9s %10s %12s\n", "n", "live", "envs", "bytes",
	    "cpu ms", "newcomer ms", "adder ms", "all cpu s", "all MB", "welcome MB");
	double w0 = wall_s(), dz = 0;
	size_t sent_live = 0;
	for (int n = 2; n <= upto; n++) {
		if (n % 50 == 50 - SPAN + 1 || n == 11)
			reset(n);
		if (n == 101) /* every window of the first 64 joins' updates closed by now */
			for (int i = 1; i < 100; i++)
				sent_live += sent[i];
		dz = join(n);
		if (n % 50 == 0 || n == 10 + SPAN) {
			fig f = report(n, SPAN, dz);
			if (n == 50)
				at50 = f;
			last = f;
		}
	}
	printf("  whole growth to %d: %.1f s wall, %.1f s CPU (live members)\n", upto,
	    wall_s() - w0, tot_cpu);
	size_t sent_after = 0;
	for (int i = 1; i < 100 && upto > 100; i++)
		sent_after += sent[i];
	if (upto > 100 && sent_after != sent_live) {
		fprintf(stderr, "bench_join: a member sent envelopes on joins past 100 members\n");
		return 1;
	}
	if (upto == MAXN) {
		double rc = last.cpu_ms / at50.cpu_ms, rb = last.bytes / at50.bytes;
		printf("  at %d vs 50: CPU %.2fx, bytes %.2fx (targets: <= 1.2x, <= 5 ms, <= 8192 B)\n",
		    MAXN, rc, rb);
		if (last.cpu_ms > 5.0 || last.bytes > 8192 || rc > 1.2 || rb > 1.2) {
			fprintf(stderr, "bench_join: past the targets at %d members\n", MAXN);
			return 1;
		}
	}
	for (int i = 0; i < upto; i++)
		sz_cell_free(cells[i]);
	free(q);
	return 0;
}
