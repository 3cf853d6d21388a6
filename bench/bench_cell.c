/*
 * bench_cell.c - cost of cell operations at n = 8, 50 and 200 members, printed as ratios against
 * n x (one X25519 + one 64-byte AEAD) measured in the same run, with the traffic of each op.
 * The cell is built directly in its settled state (below: every member's view after the creator
 * added everyone and each newcomer made its first update), because building 200 members by real
 * adds is O(n^3) op applications.  The measured operations (update, remove, post, and every
 * receive they cause) are the library's real code paths on a flood network.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cell/cell.h"
#include "cell/cell_int.h"
#include "crypto/crypto.h"
#include "lib/env.h"
#include "wire/entry.h"
#include "wire/envelope.h"

#define MAXN 200

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
	fprintf(stderr, "bench_cell: %s failed (%d)\n", what, r);
	exit(1);
}

typedef struct { uint8_t *p; size_t n; int from; } msg;
static msg q[1 << 17];
static size_t nq;
static sz_cell *cells[MAXN];
static sz_env_seeded envs[MAXN];
static double cpu[MAXN];           /* CPU each member spent since the last reset */
static double cpu_op[MAXN];        /* ... on the first envelope (the op itself, and its ack) */
static size_t bytes, nenv;

static void
take(sz_cell_result *r, int from)
{
	for (size_t i = 0; i < r->nout; i++) {
		if (nq == sizeof q / sizeof q[0])
			die("queue", 0);
		q[nq].p = r->out[i];
		q[nq].n = r->outlen[i];
		q[nq++].from = from;
		bytes += r->outlen[i];
		nenv++;
		r->out[i] = NULL;
	}
	sz_cell_result_free(r);
}

/* Deliver queued envelopes (FIFO, and what they cause) to every member but their sender. */
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
			if (k == 0)
				cpu_op[i] = cpu[i];
			if (rc != SZ_OK && rc != SZ_ERR_NOT_FOUND && rc != SZ_ERR_DECRYPT)
				die("receive", rc);
			for (size_t e = 0; e < r.nev; e++)
				if (r.ev[e].type == SZ_CELL_EV_REJECTED || r.ev[e].type == SZ_CELL_EV_HELD)
					if (sz_cell_status(cells[i]) == SZ_CELL_ACTIVE)
						die(r.ev[e].text, r.ev[e].reason);
			take(&r, i);
		}
	}
	for (size_t k = 0; k < nq; k++)
		free(q[k].p);
	nq = 0;
}

/* --- the settled cell -------------------------------------------------------------------- */

typedef struct founder {
	uint8_t sk[64], pk[32];            /* identity */
	uint8_t pre_pk[32], pre_sk[32];    /* prekey (2SM index 0) */
	uint8_t dh_pk[32], dh_sk[32];      /* published 2SM key, index 1 */
	uint8_t csk_pk[32], csk_sk[64];    /* cell signing key */
	uint8_t rk[32], ck[32];            /* member ratchet and current chain */
	uint32_t done;
} founder;

static founder fd[MAXN];

/* Member j's state of a cell of n members: the creator (0) made the create and n - 1 adds
 * (seqs 1..n); every other member made one op (its first update, seq 1).  Every ratchet and
 * chain, csk, published key and the one epoch E are the same in all views; 2SM channels are
 * fresh (their first message takes the X3DH-style start). */
static sz_cell *
settled(int n, int j, const uint8_t cell_id[32], const uint8_t e[32])
{
	sz_cell *c = sz_cell_alloc(&envs[j].env);
	cell_mset all;
	cell_oset v;
	int r, mi;
	if (c == NULL)
		die("alloc", SZ_ERR_NOMEM);
	c->status = SZ_CELL_ACTIVE;
	memcpy(c->cell_id, cell_id, 32);
	memcpy(c->name, "bench", 5);
	c->name_len = 5;
	memcpy(c->id_sk, fd[j].sk, 64);
	if (crypto_sign_ed25519_sk_to_curve25519(c->id_xsk, fd[j].sk) != 0)
		die("x25519 of identity", SZ_ERR_CRYPTO);
	memset(&all, 0, sizeof all);
	for (int i = 0; i < n; i++) {
		uint16_t idx;
		if ((r = sz_cellm_intern(c, fd[i].pk, fd[i].pre_pk, &idx)) != SZ_OK || idx != i)
			die("intern (mref collision?)", r);
		cell_member *m = &c->m[i];
		memcpy(m->csk[0], fd[i].csk_pk, 32);
		memcpy(m->dh_pk, fd[i].dh_pk, 32);
		m->dh_idx = 1;
		m->done = m->base = fd[i].done;
		m->rk_known = 1;
		memcpy(m->rk, fd[i].rk, 32);
		if (i != j)
			m->ch[0] = (cell_chain){ 1, fd[i].done, 0, { 0 } };
		memcpy(m->ch[0].ck, fd[i].ck, 32);
		mset_add(&all, (unsigned)i);
	}
	memset(c->m[j].ch, 0, sizeof c->m[j].ch);
	c->me = (uint16_t)j;
	memcpy(c->csk_sk, fd[j].csk_sk, 64);
	memcpy(c->dh_sk[0], fd[j].pre_sk, 32);
	memcpy(c->dh_sk[1], fd[j].dh_sk, 32);
	c->dh_idx[1] = 1;
	c->dh_used[0] = c->dh_used[1] = 1;
	c->dh_last = 1;
	c->send = (cell_chain){ 1, fd[j].done, 0, { 0 } };
	memcpy(c->send.ck, fd[j].ck, 32);
	memset(&v, 0, sizeof v);
	if ((r = sz_cellm_mop_add(c, OP_CREATE, 0, 0, 1, &v, &mi)) != SZ_OK)
		die("create mop", r);
	for (int i = 1; i < n; i++) {
		v = c->processed;
		if ((r = sz_cellm_mop_add(c, OP_ADD, 0, (uint16_t)i, (uint32_t)i + 1, &v, &mi)) != SZ_OK)
			die("add mop", r);
	}
	if ((r = sz_cell_epoch_learn(c, e, &all)) != SZ_OK)
		die("epoch", r);
	return c;
}

static void
build(int n)
{
	uint8_t cell_id[32], e[32];
	sz_env_seeded g;
	sz_env_seeded_init(&g, 4242, 0);
	sz_random(&g.env, cell_id, 32);
	sz_random(&g.env, e, 32);
	for (int i = 0; i < n; i++) {
		founder *f = &fd[i];
		uint8_t seed[32] = { (uint8_t)i, (uint8_t)(i >> 8), 7 };
		sz_env_seeded_init(&envs[i], (uint64_t)i + 1, 1700000000000ull);
		if (sz_sign_seed_keypair(f->pk, f->sk, seed) != SZ_OK ||
		    sz_cell_prekey_new(&envs[i].env, f->pre_pk, f->pre_sk) != SZ_OK ||
		    sz_dh_keypair(f->dh_pk, f->dh_sk) != SZ_OK ||
		    sz_sign_keypair(f->csk_pk, f->csk_sk) != SZ_OK)
			die("keys", 0);
		sz_random(&g.env, f->rk, 32);
		sz_random(&g.env, f->ck, 32);
		f->done = i == 0 ? (uint32_t)n : 1;
	}
	for (int j = 0; j < n; j++)
		cells[j] = settled(n, j, cell_id, e);
	/* the settled state is a valid state: it passes the checking decoder unchanged */
	uint8_t *s1 = NULL, *s2 = NULL;
	size_t l1, l2;
	sz_cell *back = NULL;
	int r;
	if ((r = sz_cell_serialize(cells[n - 1], &s1, &l1)) != SZ_OK ||
	    (r = sz_cell_deserialize(&back, &envs[n - 1].env, s1, l1)) != SZ_OK ||
	    (r = sz_cell_serialize(back, &s2, &l2)) != SZ_OK || l1 != l2 || memcmp(s1, s2, l1) != 0)
		die("settled state round trip", r);
	sz_cell_free(back);
	free(s1);
	free(s2);
}

/* --- measurements ------------------------------------------------------------------------ */

/* u: the fastest of several batches (the machine is shared; the minimum is the least disturbed). */
static double
baseline(void)
{
	uint8_t a[32], b[32], out[32], k[32] = { 1 }, m[64] = { 0 }, c[80], nonce[12] = { 0 };
	double best = 1e9;
	if (sz_dh_keypair(a, b) != SZ_OK)
		abort();
	for (int batch = 0; batch < 7; batch++) {
		double t0 = cpu_s();
		for (int i = 0; i < 300; i++)
			if (sz_dh(out, b, a) != SZ_OK || sz_aead_encrypt(c, m, 64, NULL, 0, nonce, k) != SZ_OK)
				abort();
		double t = (cpu_s() - t0) / 300;
		best = t < best ? t : best;
	}
	return best;
}

static double
verify_cost(void)
{
	uint8_t pk[32], sk[64], sig[64], m[200] = { 0 };
	double best = 1e9;
	if (sz_sign_keypair(pk, sk) != SZ_OK || sz_sign(sig, m, sizeof m, sk) != SZ_OK)
		abort();
	for (int batch = 0; batch < 7; batch++) {
		double t0 = cpu_s();
		for (int i = 0; i < 150; i++)
			if (sz_verify(sig, m, sizeof m, pk) != SZ_OK)
				abort();
		double t = (cpu_s() - t0) / 150;
		best = t < best ? t : best;
	}
	return best;
}

enum { OPX_UPDATE, OPX_REMOVE };

/* Member 1 does op; everything it causes is flooded.  Prints one row. */
static void
measure(int n, int op, const char *label, double unit)
{
	sz_cell_result r = { 0 };
	memset(cpu, 0, sizeof cpu);
	memset(cpu_op, 0, sizeof cpu_op);
	bytes = nenv = 0;
	double t0 = cpu_s();
	int rc = op == OPX_UPDATE ? sz_cell_update(cells[1], &r) :
	    sz_cell_remove(cells[1], fd[n - 1].pk, &r);
	double call = cpu_s() - t0;
	if (rc != SZ_OK)
		die(label, rc);
	take(&r, 1);
	flood(n);
	double sum = 0, max = 0, op_sum = 0;
	int others = 0;
	for (int i = 0; i < n; i++) {
		if (i == 1 || (op == OPX_REMOVE && i == n - 1))
			continue;
		sum += cpu[i];
		op_sum += cpu_op[i];
		max = cpu[i] > max ? cpu[i] : max;
		others++;
	}
	double nu = n * unit;
	printf("%4d %-14s %5zu %9zu %6zu %8.2f %8.2f %8.2f %8.2f %8.2f  %7.2f %7.2f %7.2f %7.2f\n", n,
	    label, nenv, bytes, bytes / (size_t)n, call / nu, (call + cpu[1]) / nu, op_sum / others / nu,
	    sum / others / nu, max / nu, call * 1e3, (call + cpu[1]) * 1e3, op_sum / others * 1e3,
	    sum / others * 1e3);
	if (op == OPX_REMOVE) {
		if (sz_cell_status(cells[n - 1]) != SZ_CELL_REMOVED)
			die("the removed member is not removed", 0);
		sz_cell_free(cells[n - 1]);
		cells[n - 1] = NULL;
	}
}

/* The bytes a post adds to its body: the sealed plaintext (opened with the member's epoch key)
 * less the body, plus the seal's own overhead and length field. */
static void
post_overhead(int n)
{
	uint8_t body[100] = { 0 }, *open = NULL;
	const uint8_t *pt;
	size_t openlen = 0, ptlen = 0;
	sz_cell_result r = { 0 };
	sz_envelope env;
	int rc;
	if ((rc = sz_cell_post(cells[0], SZ_KIND_POST, body, sizeof body, NULL, 0, NULL, &r)) != SZ_OK)
		die("post", rc);
	if ((rc = sz_env_parse(&env, r.out[0], r.outlen[0], 0)) != SZ_OK)
		die("parse", rc);
	const cell_epoch *ep = NULL;
	for (int i = 0; i < CELL_EPOCHS; i++)
		if (cells[0]->ep[i].used && memcmp(cells[0]->ep[i].scope, env.scope, 16) == 0)
			ep = &cells[0]->ep[i];
	if (ep == NULL || (rc = sz_env_open(&open, &openlen, &pt, &ptlen, &env, ep->key)) != SZ_OK)
		die("open", rc);
	printf("%4d post: %zu B added to a %zu-byte body (entry fixed part %d, message header and "
	    "tag %zu, seal %d, length 4); padded envelope %zu B\n", n,
	    ptlen - sizeof body + SZ_ENV_SEAL_OVERHEAD + 4, sizeof body, SZ_ENTRY_FIXED_BYTES,
	    ptlen - sizeof body - SZ_ENTRY_FIXED_BYTES, SZ_ENV_SEAL_OVERHEAD, r.outlen[0]);
	sz_env_open_free(open, openlen);
	sz_cell_result_free(&r);
}

int
main(int argc, char **argv)
{
	int sizes[] = { 8, 50, 200 }, nsizes = 3;
	if (sz_init() != SZ_OK)
		return 1;
	if (argc > 1) { /* one size, e.g. for a profiler */
		sizes[0] = atoi(argv[1]);
		nsizes = 1;
		if (sizes[0] < 3 || sizes[0] > MAXN)
			die("size", 0);
	}
	printf("u = one X25519 + one 64-byte AEAD (CPU time, fastest of 7 batches, measured before "
	    "each n)\ncold = first 2SM message to each member (X3DH-style start); warm = later ones\n");
	printf("%4s %-14s %5s %9s %6s %8s %8s %8s %8s %8s  %7s %7s %7s %7s\n", "n", "op", "envs",
	    "bytes", "B/n", "call/nu", "sndr/nu", "op/nu", "othr/nu", "max/nu", "call ms", "sndr ms",
	    "op ms", "othr ms");
	for (int si = 0; si < nsizes; si++) {
		int n = sizes[si];
		double unit = baseline(), ver = verify_cost();
		printf("%4d u = %.1f us; one Ed25519 verify = %.2f u\n", n, unit * 1e6, ver / unit);
		build(n);
		measure(n, OPX_UPDATE, "update (cold)", unit);
		measure(n, OPX_UPDATE, "update (warm)", unit);
		measure(n, OPX_REMOVE, "remove (warm)", unit);
		post_overhead(n);
		for (int i = 0; i < n; i++) {
			sz_cell_free(cells[i]);
			cells[i] = NULL;
		}
	}
	printf("call = the sender's sz_cell_update/remove; sndr = that plus the acks it then "
	    "receives;\nop = mean CPU of each other member to apply the op and send its ack; othr = "
	    "that plus\nreceiving everyone's acks; max = othr of the slowest other member\n");
	return 0;
}
