/*
 * cell_testnet.h - the deterministic in-memory network the cell tests share (test-only; not part
 * of the library).  Every envelope ever sent is delivered to every node in a seeded random order
 * until nothing more can be consumed.  Included by src/cell/cell_test.c and cell_api_test.c.
 */
#ifndef SZ_CELL_CELL_TESTNET_H
#define SZ_CELL_CELL_TESTNET_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cell/cell.h"
#include "crypto/crypto.h"
#include "lib/env.h"
#include "wire/entry.h"
#include "wire/envelope.h"

#define MAXN 8
#define MAXLOG 4096

typedef struct node {
	sz_env_seeded env;
	uint8_t sk[64], pk[32];
	sz_cell_joinkeys jk;      /* the keys of its invitation (pre_pk = jk.prekey_pk) */
	uint8_t *welcome;         /* its welcome, until it joins from it */
	size_t welcome_len;
	sz_cell *c;
	int gone;                 /* removed or left: do not count for convergence */
	unsigned char got[MAXLOG];
	int nmsg;                 /* posts decrypted */
	char bodies[64][48];
} node;

typedef struct net {
	node n[MAXN];
	int nn;
	uint8_t *log[MAXLOG];
	size_t len[MAXLOG];
	int from[MAXLOG];
	int nlog;
	sz_env_seeded order;
	int rejected;
} net;

static inline void
net_take(net *w, int from, sz_cell_result *res)
{
	for (size_t i = 0; i < res->nout; i++) {
		assert_true(w->nlog < MAXLOG);
		w->log[w->nlog] = res->out[i];
		w->len[w->nlog] = res->outlen[i];
		w->from[w->nlog++] = from;
		res->out[i] = NULL;
		if (from >= 0)
			w->n[from].got[w->nlog - 1] = 1;
	}
	sz_cell_result_free(res);
}

static inline void
node_init(net *w, int i, uint64_t seed)
{
	node *x = &w->n[i];
	uint8_t s[32];
	memset(s, 0, sizeof s);
	s[0] = (uint8_t)(i + 1);
	s[1] = (uint8_t)seed;
	assert_int_equal(sz_sign_seed_keypair(x->pk, x->sk, s), SZ_OK);
	sz_env_seeded_init(&x->env, seed * 100 + (uint64_t)i, 1700000000000ull);
	assert_int_equal(sz_cell_joinkeys_new(&x->env.env, &x->jk), SZ_OK);
}

/* Node who joins from the welcome it was given (if any, and once). */
static inline void
join_pending(net *w, int who)
{
	node *x = &w->n[who];
	sz_cell_result res = { 0 };
	if (x->c != NULL || x->welcome == NULL)
		return;
	int r = sz_cell_join(&x->c, &x->env.env, x->sk, &x->jk, x->welcome, x->welcome_len, &res);
	if (r != SZ_OK)
		x->c = NULL;
	free(x->welcome);
	x->welcome = NULL;
	net_take(w, who, &res);
}

/* Deliver envelope k to node to; returns 0 if the node could not use it yet (not its scope:
 * a sync layer would offer it again later), 1 if consumed. */
static inline int
deliver(net *w, int to, int k)
{
	node *x = &w->n[to];
	sz_cell_result res = { 0 };
	if (x->c == NULL && x->welcome != NULL) {
		join_pending(w, to);
		return 1;
	}
	if (x->c == NULL)
		return 0;
	int r = sz_cell_receive(x->c, w->log[k], w->len[k], &res);
	assert_true(r == SZ_OK || r == SZ_ERR_NOT_FOUND || r == SZ_ERR_DECRYPT);
	if (r == SZ_ERR_NOT_FOUND && sz_cell_status(x->c) == SZ_CELL_ACTIVE) {
		sz_cell_result_free(&res);
		return 0;
	}
	x->got[k] = 1;
	for (size_t i = 0; i < res.nev; i++) {
		sz_cell_event *e = &res.ev[i];
		if (e->type == SZ_CELL_EV_MESSAGE) {
			if (x->nmsg < 64)
				snprintf(x->bodies[x->nmsg], 48, "%.*s", (int)e->body_len, e->body);
			x->nmsg++;
		} else if (e->type == SZ_CELL_EV_REJECTED && e->reason != SZ_ERR_REPLAY) {
			w->rejected++;
		}
		if (getenv("SZ_CELL_TRACE") && e->type != SZ_CELL_EV_MESSAGE)
			fprintf(stderr, "node %d <- env %d from %d: ev %d op %d reason %d %s\n", to, k,
			    w->from[k], e->type, e->op, e->reason, e->text);
	}
	net_take(w, to, &res);
	return 1;
}

/* Deliver everything to every node (not to the gone) in random orders until nothing more can
 * be consumed: each pass shuffles all pending (node, envelope) pairs. */
static inline void
run(net *w)
{
	static int cand[MAXN * MAXLOG][2];
	for (int pass = 0; pass < 1000; pass++) {
		int nc = 0, used = 0;
		for (int i = 0; i < w->nn; i++)
			for (int k = 0; k < w->nlog; k++)
				if (!w->n[i].got[k] && !w->n[i].gone) {
					cand[nc][0] = i;
					cand[nc++][1] = k;
				}
		for (int j = nc - 1; j > 0; j--) {
			uint32_t p = sz_random_uniform(&w->order.env, (uint32_t)j + 1);
			int t0 = cand[j][0], t1 = cand[j][1];
			cand[j][0] = cand[p][0];
			cand[j][1] = cand[p][1];
			cand[p][0] = t0;
			cand[p][1] = t1;
		}
		for (int j = 0; j < nc; j++)
			used += deliver(w, cand[j][0], cand[j][1]);
		if (used == 0)
			return;
	}
	fail_msg("network did not quiesce");
}

static inline void
net_free(net *w)
{
	for (int i = 0; i < w->nn; i++) {
		sz_cell_free(w->n[i].c);
		free(w->n[i].welcome);
	}
	for (int k = 0; k < w->nlog; k++)
		free(w->log[k]);
	free(w);
}

static inline net *
net_new(int n, uint64_t seed)
{
	net *w = calloc(1, sizeof *w);
	assert_non_null(w);
	w->nn = n;
	sz_env_seeded_init(&w->order, seed ^ 0xabcdef, 0);
	for (int i = 0; i < n; i++)
		node_init(w, i, seed);
	sz_cell_result res = { 0 };
	assert_int_equal(sz_cell_create(&w->n[0].c, &w->n[0].env.env, "the print shop", w->n[0].sk,
	    &res), SZ_OK);
	net_take(w, 0, &res);
	return w;
}

/* by adds who; the welcome goes to who alone (as the answer to its join request would). */
static inline void
add(net *w, int by, int who)
{
	sz_cell_result res = { 0 };
	node *x = &w->n[who];
	assert_int_equal(sz_cell_add(w->n[by].c, x->pk, x->jk.prekey_pk, x->jk.csk_pk, &res), SZ_OK);
	assert_non_null(res.welcome);
	free(x->welcome);
	x->welcome = res.welcome;
	x->welcome_len = res.welcome_len;
	res.welcome = NULL;
	net_take(w, by, &res);
}

static inline void
post(net *w, int by, const char *text)
{
	sz_cell_result res = { 0 };
	assert_int_equal(sz_cell_post(w->n[by].c, SZ_KIND_POST, (const uint8_t *)text, strlen(text),
	    NULL, 0, NULL, &res), SZ_OK);
	net_take(w, by, &res);
}

static inline int
has_body(const node *x, const char *text)
{
	for (int i = 0; i < x->nmsg && i < 64; i++)
		if (strcmp(x->bodies[i], text) == 0)
			return 1;
	return 0;
}

/* Every active node has the same membership; returns how many members. */
static inline size_t
converged(net *w)
{
	uint8_t ref[MAXN][32], ids[MAXN][32];
	size_t nref = 0, n;
	int first = 1;
	for (int i = 0; i < w->nn; i++) {
		node *x = &w->n[i];
		if (x->gone || x->c == NULL || sz_cell_status(x->c) != SZ_CELL_ACTIVE ||
		    !sz_cell_is_member(x->c, x->pk))
			continue;
		assert_int_equal(sz_cell_members(x->c, ids, MAXN, &n), SZ_OK);
		if (first) {
			memcpy(ref, ids, sizeof ids);
			nref = n;
			first = 0;
		} else {
			assert_int_equal(n, nref);
			assert_memory_equal(ref, ids, n * 32);
		}
	}
	return nref;
}

/* A founding group 0..k-1, all joined and quiet. */
static inline net *
group(int n, int k, uint64_t seed)
{
	net *w = net_new(n, seed);
	for (int i = 1; i < k; i++) {
		add(w, 0, i);
		run(w);
	}
	return w;
}

/* After a scenario: every active member posts and every other active member reads it. */
static inline void
all_read_all(net *w, const char *tag)
{
	char text[48];
	for (int i = 0; i < w->nn; i++) {
		node *x = &w->n[i];
		if (x->gone || x->c == NULL || !sz_cell_is_member(x->c, x->pk))
			continue;
		snprintf(text, sizeof text, "%s from %d", tag, i);
		post(w, i, text);
	}
	run(w);
	for (int i = 0; i < w->nn; i++) {
		node *x = &w->n[i];
		if (x->gone || x->c == NULL || !sz_cell_is_member(x->c, x->pk))
			continue;
		for (int j = 0; j < w->nn; j++) {
			node *y = &w->n[j];
			if (j == i || y->gone || y->c == NULL || !sz_cell_is_member(y->c, y->pk))
				continue;
			snprintf(text, sizeof text, "%s from %d", tag, j);
			if (!has_body(x, text))
				fail_msg("node %d did not read \"%s\"", i, text);
		}
	}
}

static inline int
nseeds(void)
{
	const char *s = getenv("SZ_CELL_SEEDS");
	return s ? atoi(s) : 16;
}

static inline int
contains(const uint8_t *hay, size_t n, const void *needle, size_t m)
{
	return m <= n && memmem(hay, n, needle, m) != NULL;
}

/* Tests that forge ops need the cell's insides (SEAL_CONTROL, cell_epoch): include cell_int.h
 * before this file. */
#ifdef SZ_CELL_CELL_INT_H
/* Build, sign (with sk) and seal (under epoch ep) a control op whose body is b. */
static inline void
forge(sz_buf *b, const uint8_t sk[64], const cell_epoch *ep, sz_env_seeded *env,
    sz_cell_result *out)
{
	uint8_t *entry, id[32], *inner, *envl, nonce[SZ_ENV_NONCE_BYTES];
	size_t elen, envlen;
	assert_int_equal(b->err, SZ_OK);
	assert_int_equal(sz_entry_build(&entry, &elen, id, SZ_KIND_CELL_CONTROL, NULL, 0,
	    1700000000000ull, b->p, b->len, sk), SZ_OK);
	inner = malloc(1 + elen);
	assert_non_null(inner);
	inner[0] = SEAL_CONTROL;
	memcpy(inner + 1, entry, elen);
	sz_random(&env->env, nonce, sizeof nonce);
	assert_int_equal(sz_env_seal(&envl, &envlen, ep->scope, inner, 1 + elen, ep->key, nonce),
	    SZ_OK);
	sz_cell_result one = { 0 };
	one.out = malloc(sizeof *one.out);
	one.outlen = malloc(sizeof *one.outlen);
	assert_non_null(one.out);
	assert_non_null(one.outlen);
	one.out[0] = envl;
	one.outlen[0] = envlen;
	one.nout = one.cap_out = 1;
	*out = one;
	free(inner);
	free(entry);
}

#endif

#endif /* SZ_CELL_CELL_TESTNET_H */
