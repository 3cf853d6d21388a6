/*
 * session_testlib.c - test nodes (envelopes in memory, a sketch they keep and lend) and pairs of
 * sessions moved byte by byte in memory, for the sync unit tests.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "lib/bytes.h"
#include "recon/riblt_wire.h"
#include "sync/session_int.h"
#include "sync/session_testlib.h"
#include "wire/envelope.h"

/* A node: a bag of envelopes. */

int
t_add(tnode *t, const uint8_t *env, size_t len)
{
	uint8_t id[32];
	assert_int_equal(sz_env_id(id, env, len), SZ_OK);
	for (size_t i = 0; i < t->n; i++)
		if (memcmp(t->id[i], id, 32) == 0)
			return SZ_ERR_EXISTS;
	assert_true(t->n < MAXE);
	t->env[t->n] = malloc(len);
	memcpy(t->env[t->n], env, len);
	t->len[t->n] = len;
	memcpy(t->id[t->n], id, 32);
	t->n++;
	return SZ_OK;
}

int
t_list(void *ctx, const uint8_t scope[16], int (*fn)(void *, const uint8_t *), void *fctx)
{
	tnode *t = ctx;
	for (size_t i = 0; i < t->n; i++)
		if (memcmp(t->env[i] + 1, scope, 16) == 0) {
			int r = fn(fctx, t->id[i]);
			if (r != SZ_OK)
				return r;
		}
	return SZ_OK;
}

int
t_get(void *ctx, const uint8_t id[32], uint8_t **env, size_t *len)
{
	tnode *t = ctx;
	for (size_t i = 0; i < t->n; i++)
		if (memcmp(t->id[i], id, 32) == 0) {
			if (t->hidden_from > 0 && i >= t->hidden_from)
				return SZ_ERR_NOT_FOUND;
			*env = malloc(t->len[i]);
			memcpy(*env, t->env[i], t->len[i]);
			*len = t->len[i];
			return SZ_OK;
		}
	return SZ_ERR_NOT_FOUND;
}

int
t_store(void *ctx, const uint8_t (*shared)[16], size_t nshared, const uint8_t *const *envs,
    const size_t *lens, const uint8_t (*ids)[32], size_t n, int *results)
{
	tnode *t = ctx;
	t->stores++;
	if (t->fail_store)
		return SZ_ERR_DISK_FULL;
	for (size_t i = 0; i < n; i++) {
		sz_envelope v;
		uint8_t id[32];
		/* The session hands down each envelope's id: it must be the envelope's. */
		if (sz_env_id(id, envs[i], lens[i]) != SZ_OK || memcmp(id, ids[i], 32) != 0)
			return SZ_ERR_INTERNAL;
		/* A test node lists an envelope under its scope: one of another label is refused. */
		bool mine = false;
		for (size_t k = 0; k < nshared && lens[i] > 17; k++)
			mine |= memcmp(shared[k], envs[i] + 1, 16) == 0;
		if (!mine) {
			t->refused++;
			results[i] = SZ_ERR_DENIED;
			continue;
		}
		results[i] = sz_env_parse(&v, envs[i], lens[i], 0);
		if (results[i] == SZ_OK)
			results[i] = t_add(t, envs[i], lens[i]);
		if (results[i] == SZ_OK && t->sk != NULL)
			assert_int_equal(sz_riblt_sketch_add(t->sk, t->id[t->n - 1]), SZ_OK);
	}
	return SZ_OK;
}

/* Lend the kept sketch; build it (from every id of the scopes) if there is none for this key. */
int
t_sketch_get(void *ctx, const uint8_t (*scopes)[16], size_t n, const uint8_t key[16],
    sz_riblt_sketch **sk)
{
	tnode *t = ctx;
	t->gets++;
	if (t->sk != NULL && memcmp(sz_riblt_sketch_key(t->sk), key, 16) != 0) {
		assert_int_equal(t->lent, 0);
		sz_riblt_sketch_free(t->sk);
		t->sk = NULL;
	}
	if (t->sk == NULL) {
		t->builds++;
		assert_int_equal(sz_riblt_sketch_new(&t->sk, 20, key, 64), SZ_OK);
		for (size_t i = 0; i < t->n; i++)
			for (size_t k = 0; k < n; k++)
				if (memcmp(t->env[i] + 1, scopes[k], 16) == 0)
					assert_int_equal(sz_riblt_sketch_add(t->sk, t->id[i]), SZ_OK);
	}
	t->lent++;
	*sk = t->sk;
	return SZ_OK;
}

void
t_sketch_put(void *ctx, sz_riblt_sketch *sk)
{
	tnode *t = ctx;
	assert_ptr_equal(sk, t->sk);
	assert_true(t->lent > 0);
	t->lent--;
}

int
t_sketch_size(void *ctx, const uint8_t (*scopes)[16], size_t n, const uint8_t key[16],
    size_t *size)
{
	tnode *t = ctx;
	(void)scopes;
	(void)n;
	if (t->sk == NULL || memcmp(sz_riblt_sketch_key(t->sk), key, 16) != 0)
		return SZ_ERR_NOT_FOUND;
	t->sizes++;
	*size = sz_riblt_sketch_size(t->sk);
	return SZ_OK;
}

int
t_find_prefix(void *ctx, const uint8_t *prefix, size_t len, uint8_t (*ids)[32],
    uint8_t (*scopes)[16], size_t max, size_t *n)
{
	tnode *t = ctx;
	*n = 0;
	for (size_t i = 0; i < t->n && *n < max; i++)
		if (memcmp(t->id[i], prefix, len) == 0) {
			memcpy(ids[*n], t->id[i], 32);
			memcpy(scopes[(*n)++], t->env[i] + 1, 16);
		}
	return SZ_OK;
}

/* Store an envelope as a node does: and keep the lent sketch current. */
void
t_add_kept(tnode *t, const uint8_t *env, size_t len)
{
	if (t_add(t, env, len) == SZ_OK && t->sk != NULL) {
		assert_int_equal(t->lent, 0);
		assert_int_equal(sz_riblt_sketch_add(t->sk, t->id[t->n - 1]), SZ_OK);
	}
}

void
t_free(tnode *t)
{
	sz_riblt_sketch_free(t->sk);
	for (size_t i = 0; i < t->n; i++)
		free(t->env[i]);
	memset(t, 0, sizeof *t);
}

/* A sealed envelope in scope with a unique body. */
void
put_sealed(tnode *t, uint8_t scope_byte, uint32_t k, size_t size)
{
	uint8_t scope[16], key[32] = { 9 }, nonce[24] = { 0 }, *env, *body = calloc(1, size);
	size_t len;
	memset(scope, scope_byte, 16);
	sz_store_u32(nonce, k);
	sz_store_u32(body, k);
	assert_int_equal(sz_env_seal(&env, &len, scope, body, size, key, nonce), SZ_OK);
	t_add_kept(t, env, len);
	free(env);
	free(body);
}


void
t_start(pair *p, tnode *na, tnode *nb, const uint8_t (*sa)[16], size_t nsa,
    const uint8_t (*sb)[16], size_t nsb)
{
	sz_env_seeded_init(&p->env, 42, 1000);
	memset(p->ska, 1, 32);
	memset(p->skb, 2, 32);
	sz_sync_config ca = {
		.role = SZ_NOISE_INITIATOR, .static_sk = p->ska, .scopes = sa, .nscopes = nsa,
		.hooks = { .ctx = na, .list_ids = t_list, .get = t_get, .store = t_store }, .env = &p->env.env,
	};
	sz_sync_config cb = ca;
	cb.role = SZ_NOISE_RESPONDER;
	cb.static_sk = p->skb;
	cb.scopes = sb;
	cb.nscopes = nsb;
	cb.hooks.ctx = nb;
	assert_int_equal(sz_sync_new(&p->a, &ca), SZ_OK);
	assert_int_equal(sz_sync_new(&p->b, &cb), SZ_OK);
}

/* Replace one side of p (initiator: side 0) by a session over t, scopes s, speaking only
 * methods. */
void
restart_side(pair *p, int side, tnode *t, const uint8_t (*s)[16], uint8_t methods)
{
	sz_sync **x = side == 0 ? &p->a : &p->b;
	sz_sync_free(*x);
	sz_sync_config c = {
		.role = side == 0 ? SZ_NOISE_INITIATOR : SZ_NOISE_RESPONDER,
		.static_sk = side == 0 ? p->ska : p->skb, .scopes = s, .nscopes = 1,
		.methods = methods,
		.hooks = { .ctx = t, .list_ids = t_list, .get = t_get, .store = t_store },
		.env = &p->env.env,
	};
	assert_int_equal(sz_sync_new(x, &c), SZ_OK);
}

/* Move bytes both ways until both finish or nothing moves; cut after max_bytes (0 = never);
 * call after(ctx) after each delivery if given. */
void
t_run_cb(pair *p, size_t max_bytes, void (*after)(void *), void *ctx)
{
	size_t moved = 0;
	for (int rounds = 0; rounds < 100000; rounds++) {
		int progress = 0;
		sz_sync *from[2] = { p->a, p->b }, *to[2] = { p->b, p->a };
		for (int d = 0; d < 2; d++) {
			const uint8_t *o;
			size_t n;
			sz_sync_output(from[d], &o, &n);
			if (n == 0)
				continue;
			if (n > 5000)
				n = 5000; /* small reads, as a real socket gives */
			if (max_bytes && moved + n > max_bytes)
				return;
			uint8_t *copy = malloc(n);
			memcpy(copy, o, n);
			sz_sync_consumed(from[d], n);
			if (sz_sync_input(to[d], copy, n) != SZ_OK) {
				/* the session reports it through its status */
			}
			free(copy);
			moved += n;
			progress = 1;
			if (after != NULL)
				after(ctx);
		}
		if (!progress)
			return;
	}
	fail_msg("the sessions never settled");
}

/* Deliver everything from waits for to. */
void
deliver(sz_sync *from, sz_sync *to)
{
	const uint8_t *o;
	size_t n;
	sz_sync_output(from, &o, &n);
	uint8_t *c = malloc(n ? n : 1);
	memcpy(c, o, n);
	sz_sync_consumed(from, n);
	(void)!sz_sync_input(to, c, n);
	free(c);
}

void
t_run(pair *p, size_t max_bytes)
{
	t_run_cb(p, max_bytes, NULL, NULL);
}

const uint8_t scopes_ab[2][16] = { { 0xa1, 0xa1, 0xa1, 0xa1, 0xa1, 0xa1, 0xa1, 0xa1, 0xa1,
    0xa1, 0xa1, 0xa1, 0xa1, 0xa1, 0xa1, 0xa1 }, { 0xb2, 0xb2, 0xb2, 0xb2, 0xb2, 0xb2, 0xb2, 0xb2,
    0xb2, 0xb2, 0xb2, 0xb2, 0xb2, 0xb2, 0xb2, 0xb2 } };

void
fill_scope(uint8_t s[16], uint8_t b)
{
	memset(s, b, 16);
}

/* Two nodes holding envelopes 0..common-1 of scope 0xa1, then A also 5000.. (only_a of them) and
 * B also 6000.. (only_b). */
void
two_nodes(tnode **na, tnode **nb, uint32_t common, uint32_t only_a, uint32_t only_b)
{
	*na = calloc(1, sizeof **na);
	*nb = calloc(1, sizeof **nb);
	assert_non_null(*na);
	assert_non_null(*nb);
	for (uint32_t k = 0; k < common; k++) {
		put_sealed(*na, 0xa1, k, 10);
		put_sealed(*nb, 0xa1, k, 10);
	}
	for (uint32_t k = 0; k < only_a; k++)
		put_sealed(*na, 0xa1, 5000 + k, 10);
	for (uint32_t k = 0; k < only_b; k++)
		put_sealed(*nb, 0xa1, 6000 + k, 10);
}

void
two_free(tnode *na, tnode *nb)
{
	t_free(na);
	t_free(nb);
	free(na);
	free(nb);
}

/* Start a pair whose nodes lend their kept sketches; one session in salted_one_in is salted;
 * compact as in sz_sync_config, except that a value above 1 is compact_max. */
void
start_lending(pair *p, tnode *na, tnode *nb, const uint8_t (*sc)[16], unsigned salted_one_in,
    int compact)
{
	sz_env_seeded_init(&p->env, 43, 1000);
	memset(p->ska, 1, 32);
	memset(p->skb, 2, 32);
	sz_sync_config ca = {
		.role = SZ_NOISE_INITIATOR, .static_sk = p->ska, .scopes = sc, .nscopes = 1,
		.hooks = { .ctx = na, .list_ids = t_list, .get = t_get, .store = t_store,
		    .sketch_get = t_sketch_get, .sketch_put = t_sketch_put,
		    .sketch_size = t_sketch_size, .find_prefix = t_find_prefix },
		.env = &p->env.env, .salted_one_in = salted_one_in, .compact = compact > 1 ? 0 : compact,
		.compact_max = compact > 1 ? (size_t)compact : 0,
	};
	sz_sync_config cb = ca;
	cb.role = SZ_NOISE_RESPONDER;
	cb.static_sk = p->skb;
	cb.hooks.ctx = nb;
	assert_int_equal(sz_sync_new(&p->a, &ca), SZ_OK);
	assert_int_equal(sz_sync_new(&p->b, &cb), SZ_OK);
}


sync_result
t_finish(pair *p)
{
	sync_result r;
	assert_int_equal(sz_sync_get_status(p->a), SZ_SYNC_DONE);
	assert_int_equal(sz_sync_get_status(p->b), SZ_SYNC_DONE);
	sz_sync_get_stats(p->a, &r.a);
	sz_sync_get_stats(p->b, &r.b);
	sz_sync_free(p->a);
	sz_sync_free(p->b);
	return r;
}

/* Nodes a and b with common, only_a, only_b envelopes in one scope, lending their sketches:
 * one session (compact as in start_lending), its stats. */
sync_result
lent_session(tnode **na, tnode **nb, uint32_t common, uint32_t only_a, uint32_t only_b,
    int compact)
{
	uint8_t s[1][16];
	fill_scope(s[0], 0xa1);
	two_nodes(na, nb, common, only_a, only_b);
	pair p;
	start_lending(&p, *na, *nb, (const uint8_t(*)[16])s, 1u << 30, compact);
	t_run(&p, 0);
	return t_finish(&p);
}
