/*
 * bench_cell.c - cost of cell operations at n = 8, 50 and 200 members, printed as ratios against
 * n x (one X25519 + one 64-byte AEAD) measured in the same run, with the traffic of each op.
 * The cell is built directly in its settled state (below: every member's view after the creator
 * added everyone and each newcomer made its first update), because building 200 members by real
 * adds is O(n^3) op applications.  The measured operations (update, remove, post, and every
 * receive they cause) are the library's real code paths on a flood network.
 * Acks are lazy (docs/PROTOCOL.md §11 §4.1): an op's acks travel in the next post of each member
 * (bound into its author key) or in an ACK op once 8 are owed.  What each member spends because
 * of one op is therefore measured three ways: applying it; the worst case where every other
 * member then posts once (its CPU on those posts, and on its own, less the same posts made
 * again without acks); and lurkers, who never post (8 ops, then everyone's ACK op, per op).
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
		m->done = m->base = m->steps = fd[i].done;
		m->rk_known = 1;
		memcpy(m->rk, fd[i].rk, 32);
		if (i != j) {
			memset(&m->ch[0], 0, sizeof m->ch[0]);
			m->ch[0].used = 1;
			m->ch[0].gen = fd[i].done;
			memcpy(m->ch[0].ck, fd[i].ck, 32);
			memcpy(m->ch[0].au.key, fd[i].csk_pk, 32);
		}
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
	memset(&c->send, 0, sizeof c->send);
	c->send.used = 1;
	c->send.gen = fd[j].done;
	memcpy(c->send.ck, fd[j].ck, 32);
	memset(&v, 0, sizeof v);
	if ((r = sz_cellm_mop_add(c, OP_CREATE, 0, 0, 1, 0, &v, &mi)) != SZ_OK)
		die("create mop", r);
	for (int i = 1; i < n; i++) {
		v = c->processed;
		if ((r = sz_cellm_mop_add(c, OP_ADD, 0, (uint16_t)i, (uint32_t)i + 1, 0,
		    &v, &mi)) != SZ_OK)
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
		sz_cell_joinkeys jk;
		if (sz_sign_seed_keypair(f->pk, f->sk, seed) != SZ_OK ||
		    sz_cell_joinkeys_new(&envs[i].env, &jk) != SZ_OK ||
		    sz_dh_keypair(f->dh_pk, f->dh_sk) != SZ_OK)
			die("keys", 0);
		memcpy(f->pre_pk, jk.prekey_pk, 32);
		memcpy(f->pre_sk, jk.prekey_sk, 32);
		memcpy(f->csk_pk, jk.csk_pk, 32);
		memcpy(f->csk_sk, jk.csk_sk, 64);
		sz_wipe(&jk, sizeof jk);
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

static int
skipped(int op, int n, int i)
{
	return cells[i] == NULL || (op == OPX_REMOVE && i == n - 1);
}

/* Every member but `except` (and the gone) posts twice in a row: the first post carries its
 * acks, the second is the same post without any.  Delivered in that order, so every member
 * reads each pair back to back (the same cache and clock conditions for both): a[] gets each
 * member's CPU on the first posts (its own and the others'), b[] on the second. */
static void
speak(int n, int except, double *a, double *b, size_t *ba, size_t *bb)
{
	uint8_t body[100] = { 1 };
	memset(a, 0, MAXN * sizeof *a);
	memset(b, 0, MAXN * sizeof *b);
	*ba = *bb = 0;
	for (int i = 0; i < n; i++) {
		if (i == except || cells[i] == NULL)
			continue;
		for (int twice = 0; twice < 2; twice++) {
			sz_cell_result r = { 0 };
			double t0 = cpu_s();
			int rc = sz_cell_post(cells[i], SZ_KIND_POST, body, sizeof body, NULL, 0, NULL, &r);
			(twice ? b : a)[i] += cpu_s() - t0;
			if (rc != SZ_OK || r.nout != 1)
				die("post", rc);
			*(twice ? bb : ba) += r.outlen[0];
			take(&r, i);
		}
	}
	for (size_t k = 0; k < nq; k++) {
		for (int i = 0; i < n; i++) {
			sz_cell_result r = { 0 };
			if (i == q[k].from || cells[i] == NULL)
				continue;
			double t0 = cpu_s();
			int rc = sz_cell_receive(cells[i], q[k].p, q[k].n, &r);
			(k % 2 ? b : a)[i] += cpu_s() - t0;
			if (rc != SZ_OK || r.nev != 1 || r.ev[0].type != SZ_CELL_EV_MESSAGE || r.nout != 0)
				die("a post was not read", rc);
			sz_cell_result_free(&r);
		}
	}
	for (size_t k = 0; k < nq; k++)
		free(q[k].p);
	nq = 0;
}

static int
cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return a < b ? -1 : a > b;
}

/* Member 1 does op; everything it causes is flooded; then every other member posts (with its
 * ack, then without).  Prints one row. */
static void
measure(int n, int op, const char *label, double unit)
{
	static double opc[MAXN], with[MAXN], plain[MAXN], acks[MAXN];
	sz_cell_result r = { 0 };
	size_t ba, bb;
	memset(cpu, 0, sizeof cpu);
	bytes = nenv = 0;
	double t0 = cpu_s();
	int rc = op == OPX_UPDATE ? sz_cell_update(cells[1], &r) :
	    sz_cell_remove(cells[1], fd[n - 1].pk, &r);
	double call = cpu_s() - t0;
	if (rc != SZ_OK)
		die(label, rc);
	take(&r, 1);
	flood(n);
	size_t opbytes = bytes, openv = nenv;
	if (op == OPX_REMOVE) {
		if (sz_cell_status(cells[n - 1]) != SZ_CELL_REMOVED)
			die("the removed member is not removed", 0);
		sz_cell_free(cells[n - 1]);
		cells[n - 1] = NULL;
	}
	memcpy(opc, cpu, sizeof opc);
	speak(n, 1, with, plain, &ba, &bb);
	double op_sum = 0, ack_sum = 0, max = 0;
	int others = 0;
	for (int i = 0; i < n; i++) {
		if (i == 1 || skipped(op, n, i))
			continue;
		acks[others] = with[i] - plain[i];
		op_sum += opc[i];
		ack_sum += acks[others];
		max = opc[i] + acks[others] > max ? opc[i] + acks[others] : max;
		others++;
	}
	qsort(acks, (size_t)others, sizeof acks[0], cmp_double);
	double nu = n * unit, sndr = call + with[1] - plain[1];
	double o = op_sum / others, a = ack_sum / others;
	printf("%4d %-14s %4zu %8zu %+7ld %7.2f %7.2f %7.2f %7.2f %7.2f %7.2f  %6.2f %6.2f %6.2f %6.2f "
	    "%6.2f %6.2f\n", n, label, openv, opbytes, (long)ba - (long)bb, call / nu, sndr / nu,
	    o / nu, a / nu, (o + a) / nu, max / nu, call * 1e3, sndr * 1e3, o * 1e3, a * 1e3,
	    acks[others / 2] * 1e3, (o + a) * 1e3);
}

/* Lurkers: member 1 updates 8 times and nobody posts; at the 8th op every other member owes 8
 * acks and sends one ACK op.  Per op: everything each member spent, over 8. */
static void
measure_lurkers(int n, double unit)
{
	memset(cpu, 0, sizeof cpu);
	bytes = nenv = 0;
	double call = 0;
	for (int k = 0; k < CELL_WINDOW; k++) {
		sz_cell_result r = { 0 };
		double t0 = cpu_s();
		int rc = sz_cell_update(cells[1], &r);
		call += cpu_s() - t0;
		if (rc != SZ_OK)
			die("update", rc);
		take(&r, 1);
		flood(n);
	}
	double sum = 0, max = 0;
	int others = 0;
	for (int i = 0; i < n; i++) {
		if (i == 1 || cells[i] == NULL)
			continue;
		sum += cpu[i];
		max = cpu[i] > max ? cpu[i] : max;
		others++;
	}
	double nu = n * unit, o = sum / others / CELL_WINDOW;
	printf("%4d %-14s %4zu %8zu %7s %7.2f %7.2f %7s %7s %7.2f %7.2f  %6.2f %6.2f %6s %6s %6s "
	    "%6.2f\n", n, "8 upd, lurkers", nenv / CELL_WINDOW, bytes / CELL_WINDOW, "",
	    call / CELL_WINDOW / nu, (call + cpu[1]) / CELL_WINDOW / nu, "", "", o / nu,
	    max / CELL_WINDOW / nu, call / CELL_WINDOW * 1e3, (call + cpu[1]) / CELL_WINDOW * 1e3, "",
	    "", "", o * 1e3);
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
	/* the second of two posts: the first carried member 0's acks, if it owed any */
	for (int k = 0; k < 2; k++) {
		sz_cell_result_free(&r);
		if ((rc = sz_cell_post(cells[0], SZ_KIND_POST, body, sizeof body, NULL, 0, NULL, &r)) !=
		    SZ_OK)
			die("post", rc);
	}
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
	printf("%4s %-14s %4s %8s %7s %7s %7s %7s %7s %7s %7s  %6s %6s %6s %6s %6s %6s\n", "n", "op",
	    "envs", "bytes", "ack B", "call/nu", "sndr/nu", "op/nu", "ack/nu", "othr/nu", "max/nu",
	    "call", "sndr", "op", "ack", "ack~", "othr");
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
		build(n); /* lurkers owe nothing yet and have no window open */
		measure_lurkers(n, unit);
		for (int i = 0; i < n; i++) {
			sz_cell_free(cells[i]);
			cells[i] = NULL;
		}
	}
	printf("envs, bytes = the op's envelopes and traffic (acks travel later); ack B = the bytes the "
	    "acks\nadd to the posts that carry them; call = the sender's sz_cell_update/remove; sndr "
	    "= that plus\nthe acks it then receives; op = mean CPU of each other member to apply the op; "
	    "ack = what\nit spends because of the acks when every other member then posts once (its own "
	    "post and the\nothers', less the same posts without acks; ack~ its median over members); "
	    "othr = op + ack;\nmax = othr of the slowest member.  lurkers: per op, when nobody posts "
	    "(everyone's ACK op\nafter 8 ops).  CPU in ms on the right.\n");
	return 0;
}
