/*
 * bench_join.c - what one join costs the members already in a cell, as the cell grows: the creator
 * adds each newcomer, the newcomer joins from its welcome, and every envelope anyone makes is
 * delivered to every member until nothing more is made (a flood network: every member stores
 * every envelope of the cell).  For each join it records, per existing member, the envelopes and
 * bytes it receives and the CPU it spends on them (library path: sz_cell_add, sz_cell_join,
 * sz_cell_receive; no store, no sync).  Nobody posts: lurkers, whose owed folds (an add-ack
 * and the ack of the newcomer's first update, per join) fill their window and make them send an
 * ACK op every few joins, counted with the joins.
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

static double
cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
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
static size_t envs_in[MAXN], bytes_in[MAXN];

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
		r->out[i] = NULL;
	}
	sz_cell_result_free(r);
}

/* Deliver every queued envelope (and what it causes) to every member but its sender. */
static void
flood(int n)
{
	for (size_t k = 0; k < nq; k++) {
		for (int i = 0; i < n; i++) {
			sz_cell_result r = { 0 };
			if (i == q[k].from || cells[i] == NULL)
				continue;
			double t0 = cpu_s();
			int rc = sz_cell_receive(cells[i], q[k].p, q[k].n, &r);
			cpu[i] += cpu_s() - t0;
			envs_in[i]++;
			bytes_in[i] += q[k].n;
			if (rc != SZ_OK && rc != SZ_ERR_NOT_FOUND && rc != SZ_ERR_DECRYPT)
				die("receive", rc);
			take(&r, i);
		}
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

/* Mean per join over the last `span` joins, over the members that were in the cell before them
 * all but the adder (members 1 .. n - span - 1). */
static void
report(int n, int span)
{
	double c = 0, e = 0, b = 0;
	int k = 0;
	for (int i = 1; i < n - span; i++, k++) {
		c += cpu[i];
		e += (double)envs_in[i];
		b += (double)bytes_in[i];
	}
	if (k == 0)
		return;
	printf("  %5d %8.2f %10.0f %9.3f %10.2f %10.2f\n", n, e / k / span, b / k / span,
	    c / k / span * 1e3, cpu[n - 1] * 1e3, cpu[0] / span * 1e3);
}
static void
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
	cpu[0] += cpu_s() - t0;
	uint8_t *w = r.welcome;
	size_t wl = r.welcome_len;
	r.welcome = NULL;
	take(&r, 0);
	t0 = cpu_s();
	if ((rc = sz_cell_join(&cells[z], &envs[z].env, sks[z], &jk, w, wl, &r)) != SZ_OK)
		die("join", rc);
	cpu[z] += cpu_s() - t0;
	free(w);
	sz_wipe(&jk, sizeof jk);
	take(&r, z);
	flood(n);
}

int
main(int argc, char **argv)
{
	int upto = argc > 1 ? atoi(argv[1]) : 200, span = 8;
	if (sz_init() != SZ_OK || upto < 2 * span || upto > MAXN)
		return 1;
	uint8_t seed[32] = { 0, 0, 9 };
	sz_env_seeded_init(&envs[0], 1, 1700000000000ull);
	if (sz_sign_seed_keypair(pks[0], sks[0], seed) != SZ_OK ||
	    sz_cell_create(&cells[0], &envs[0].env, "bench", sks[0], &(sz_cell_result){ 0 }) != SZ_OK)
		die("create", 0);
	printf("one join into a cell of n - 1 members who never post (library path: add, welcome, join,\n"
	    "every envelope flooded to every member); per existing member, mean of the last %d joins:\n"
	    "envelopes and bytes received and CPU spent (ACK ops of lurkers' full windows included);\n"
	    "the newcomer's CPU to join; the adder's CPU per add\n", span);
	printf("  %5s %8s %10s %9s %10s %10s\n", "n", "envs", "bytes", "cpu ms", "newcomer", "adder ms");
	for (int n = 2; n <= upto; n++) {
		if (n % 50 == 50 - span + 1 || n == 11)
			reset(n);
		join(n);
		if (n % 50 == 0 || n == 10 + span)
			report(n, span);
	}
	return 0;
}
