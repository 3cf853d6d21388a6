/*
 * bench_cell.c - cost of cell operations, printed as ratios against n x (one X25519 + one AEAD)
 * measured in the same run, and the bytes one message adds.  Builds a cell of n members on an
 * in-memory network (every envelope to every member), then times one update and one remove.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cell/cell.h"
#include "crypto/crypto.h"
#include "lib/env.h"
#include "wire/entry.h"

#define MAXN 64

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct { uint8_t *p; size_t n; int from; } msg;
static msg q[1 << 16];
static size_t nq;
static sz_cell *cells[MAXN];
static sz_env_seeded envs[MAXN];
static uint8_t sks[MAXN][64], pks[MAXN][32], pre_pk[MAXN][32], pre_sk[MAXN][32];
static size_t bytes;
static double others_cpu;

static void
take(sz_cell_result *r, int from)
{
	for (size_t i = 0; i < r->nout; i++) {
		q[nq].p = r->out[i];
		q[nq].n = r->outlen[i];
		q[nq++].from = from;
		bytes += r->outlen[i];
		r->out[i] = NULL;
	}
	sz_cell_result_free(r);
}

/* Deliver queued envelopes to every member (FIFO; newcomers join from their welcome). */
static void
flood(int n)
{
	for (size_t k = 0; k < nq; k++) {
		for (int i = 0; i < n; i++) {
			sz_cell_result r = { 0 };
			if (i == q[k].from)
				continue;
			double t0 = now_s();
			if (cells[i] == NULL) {
				if (sz_cell_join(&cells[i], &envs[i].env, sks[i], pre_sk[i], q[k].p, q[k].n, &r))
					cells[i] = NULL;
			} else if (sz_cell_receive(cells[i], q[k].p, q[k].n, &r) != SZ_OK) {
				/* not for it */
			}
			others_cpu += now_s() - t0;
			take(&r, i);
		}
	}
	for (size_t k = 0; k < nq; k++)
		free(q[k].p);
	nq = 0;
}

static double
baseline(void)
{
	uint8_t a[32], b[32], out[32], k[32] = { 1 }, m[64] = { 0 }, c[80], nonce[12] = { 0 };
	if (sz_dh_keypair(a, b) != SZ_OK)
		abort();
	double t0 = now_s();
	for (int i = 0; i < 2000; i++)
		if (sz_dh(out, b, a) != SZ_OK || sz_aead_encrypt(c, m, 64, NULL, 0, nonce, k) != SZ_OK)
			abort();
	return (now_s() - t0) / 2000;
}

int
main(void)
{
	if (sz_init() != SZ_OK)
		return 1;
	double unit = baseline();
	printf("unit = one X25519 + one 64-byte AEAD = %.1f us\n", unit * 1e6);
	printf("%4s %10s %12s %14s %12s %14s\n", "n", "op", "bytes", "sender/(n*u)", "bytes/n",
	    "other/(n*u)");
	int sizes[] = { 8, 32 };
	for (int si = 0; si < 2; si++) {
		int n = sizes[si];
		for (int i = 0; i < n; i++) {
			uint8_t seed[32] = { (uint8_t)i, 7 };
			if (sz_sign_seed_keypair(pks[i], sks[i], seed) != SZ_OK)
				return 1;
			sz_env_seeded_init(&envs[i], (uint64_t)i, 0);
			if (sz_cell_prekey_new(&envs[i].env, pre_pk[i], pre_sk[i]) != SZ_OK)
				return 1;
			cells[i] = NULL;
		}
		sz_cell_result r = { 0 };
		if (sz_cell_create(&cells[0], &envs[0].env, "bench", sks[0], &r) != SZ_OK)
			return 1;
		take(&r, 0);
		for (int i = 1; i < n; i++) {
			if (sz_cell_add(cells[0], pks[i], pre_pk[i], &r) != SZ_OK)
				return 1;
			take(&r, 0);
			flood(n);
		}
		const char *names[] = { "update", "remove" };
		for (int op = 0; op < 2; op++) {
			bytes = 0;
			others_cpu = 0;
			double t0 = now_s();
			int rc = op == 0 ? sz_cell_update(cells[1], &r) : sz_cell_remove(cells[1], pks[n - 1], &r);
			double sender = now_s() - t0;
			if (rc != SZ_OK)
				return 1;
			take(&r, 1);
			flood(n);
			printf("%4d %10s %12zu %14.2f %12zu %14.3f\n", n, names[op], bytes,
			    sender / (n * unit), bytes / (size_t)n, others_cpu / (n - 1) / (n * unit));
		}
		/* the bytes one message adds */
		uint8_t body[100] = { 0 };
		if (sz_cell_post(cells[0], SZ_KIND_POST, body, sizeof body, NULL, 0, NULL, &r) != SZ_OK)
			return 1;
		printf("%4d %10s padded envelope %zu B for a %zu-byte body; unpadded overhead %d B\n", n,
		    "post", r.outlen[0], sizeof body,
		    SZ_ENTRY_FIXED_BYTES + 29 + 57 + 4);
		sz_cell_result_free(&r);
		for (int i = 0; i < n; i++)
			sz_cell_free(cells[i]);
	}
	return 0;
}
