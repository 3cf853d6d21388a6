/*
 * session_test.c - sync sessions between two in-memory nodes: convergence, private scope
 * intersection, resumption after a cut, and hostile input.
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
#include "lib/env.h"
#include "recon/riblt.h"
#include "recon/riblt_wire.h"
#include "sync/frame.h"
#include "sync/session.h"
#include "sync/session_int.h"
#include "wire/envelope.h"

#define MAXE 4096

/* A node: a bag of envelopes. */
typedef struct tnode {
	uint8_t *env[MAXE];
	size_t len[MAXE];
	uint8_t id[MAXE][32];
	size_t n;
	size_t stores;   /* store() calls */
	int fail_store;  /* make store() fail (disk full) */
	/* the sketch it lends (built on first request, then kept current as a node would) */
	sz_riblt_sketch *sk;
	int lent;
	size_t gets, builds, sizes;
} tnode;

static int
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

static int
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

static int
t_get(void *ctx, const uint8_t id[32], uint8_t **env, size_t *len)
{
	tnode *t = ctx;
	for (size_t i = 0; i < t->n; i++)
		if (memcmp(t->id[i], id, 32) == 0) {
			*env = malloc(t->len[i]);
			memcpy(*env, t->env[i], t->len[i]);
			*len = t->len[i];
			return SZ_OK;
		}
	return SZ_ERR_NOT_FOUND;
}

static int
t_store(void *ctx, const uint8_t *const *envs, const size_t *lens, size_t n, int *results)
{
	tnode *t = ctx;
	t->stores++;
	if (t->fail_store)
		return SZ_ERR_DISK_FULL;
	for (size_t i = 0; i < n; i++) {
		sz_envelope v;
		results[i] = sz_env_parse(&v, envs[i], lens[i], 0);
		if (results[i] == SZ_OK)
			results[i] = t_add(t, envs[i], lens[i]);
		if (results[i] == SZ_OK && t->sk != NULL)
			assert_int_equal(sz_riblt_sketch_add(t->sk, t->id[t->n - 1]), SZ_OK);
	}
	return SZ_OK;
}

/* Lend the kept sketch; build it (from every id of the scopes) if there is none for this key. */
static int
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

static void
t_sketch_put(void *ctx, sz_riblt_sketch *sk)
{
	tnode *t = ctx;
	assert_ptr_equal(sk, t->sk);
	assert_true(t->lent > 0);
	t->lent--;
}

static int
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

static int
t_find_prefix(void *ctx, const uint8_t *prefix, size_t len, uint8_t id[32], uint8_t scope[16])
{
	tnode *t = ctx;
	for (size_t i = 0; i < t->n; i++)
		if (memcmp(t->id[i], prefix, len) == 0) {
			memcpy(id, t->id[i], 32);
			memcpy(scope, t->env[i] + 1, 16);
			return SZ_OK;
		}
	return SZ_ERR_NOT_FOUND;
}

/* Store an envelope as a node does: and keep the lent sketch current. */
static void
t_add_kept(tnode *t, const uint8_t *env, size_t len)
{
	if (t_add(t, env, len) == SZ_OK && t->sk != NULL) {
		assert_int_equal(t->lent, 0);
		assert_int_equal(sz_riblt_sketch_add(t->sk, t->id[t->n - 1]), SZ_OK);
	}
}

static void
t_free(tnode *t)
{
	sz_riblt_sketch_free(t->sk);
	for (size_t i = 0; i < t->n; i++)
		free(t->env[i]);
	memset(t, 0, sizeof *t);
}

/* A sealed envelope in scope with a unique body. */
static void
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

typedef struct pair {
	sz_env_seeded env;
	uint8_t ska[32], skb[32];
	sz_sync *a, *b;
} pair;

static void
start(pair *p, tnode *na, tnode *nb, const uint8_t (*sa)[16], size_t nsa,
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
static void
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
static void
run_cb(pair *p, size_t max_bytes, void (*after)(void *), void *ctx)
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
static void
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

static void
run(pair *p, size_t max_bytes)
{
	run_cb(p, max_bytes, NULL, NULL);
}

static const uint8_t scopes_ab[2][16] = { { 0xa1, 0xa1, 0xa1, 0xa1, 0xa1, 0xa1, 0xa1, 0xa1, 0xa1,
    0xa1, 0xa1, 0xa1, 0xa1, 0xa1, 0xa1, 0xa1 }, { 0xb2, 0xb2, 0xb2, 0xb2, 0xb2, 0xb2, 0xb2, 0xb2,
    0xb2, 0xb2, 0xb2, 0xb2, 0xb2, 0xb2, 0xb2, 0xb2 } };

static void
fill_scope(uint8_t s[16], uint8_t b)
{
	memset(s, b, 16);
}

/* Two nodes holding envelopes 0..common-1 of scope 0xa1, then A also 5000.. (only_a of them) and
 * B also 6000.. (only_b). */
static void
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

static void
two_free(tnode *na, tnode *nb)
{
	t_free(na);
	t_free(nb);
	free(na);
	free(nb);
}

static void
test_converge_shared_only(void **state)
{
	(void)state;
	tnode *na = calloc(1, sizeof *na), *nb = calloc(1, sizeof *nb);
	/* Shared scope 0xa1: both have 0..99, A also 100..149, B also 200..279. */
	for (uint32_t k = 0; k < 100; k++) {
		put_sealed(na, 0xa1, k, 100);
		put_sealed(nb, 0xa1, k, 100);
	}
	for (uint32_t k = 100; k < 150; k++)
		put_sealed(na, 0xa1, k, 3000);
	for (uint32_t k = 200; k < 280; k++)
		put_sealed(nb, 0xa1, k, 100);
	/* A's private scope 0xc3 and B's private scope 0xb2 must never cross. */
	for (uint32_t k = 0; k < 10; k++) {
		put_sealed(na, 0xc3, 1000 + k, 50);
		put_sealed(nb, 0xb2, 2000 + k, 50);
	}
	uint8_t sa[2][16], sb[2][16];
	fill_scope(sa[0], 0xa1);
	fill_scope(sa[1], 0xc3);
	fill_scope(sb[0], 0xa1);
	fill_scope(sb[1], 0xb2);
	pair p;
	start(&p, na, nb, (const uint8_t(*)[16])sa, 2, (const uint8_t(*)[16])sb, 2);
	run(&p, 0);
	assert_int_equal(sz_sync_get_status(p.a), SZ_SYNC_DONE);
	assert_int_equal(sz_sync_get_status(p.b), SZ_SYNC_DONE);
	sz_sync_stats st;
	sz_sync_get_stats(p.a, &st);
	assert_int_equal(st.scopes_shared, 1);
	assert_int_equal(st.to_send, 50);
	assert_int_equal(st.to_receive, 80);
	assert_int_equal(st.stored, 80);
	assert_int_equal(st.acked, 50);
	sz_sync_get_stats(p.b, &st);
	assert_int_equal(st.stored, 50);
	assert_int_equal(na->n, 100 + 50 + 80 + 10);
	assert_int_equal(nb->n, 100 + 50 + 80 + 10);
	/* Nothing of the private scopes crossed. */
	for (size_t i = 0; i < na->n; i++)
		assert_int_not_equal(na->env[i][1], 0xb2);
	for (size_t i = 0; i < nb->n; i++)
		assert_int_not_equal(nb->env[i][1], 0xc3);
	/* The peers authenticated each other's transport keys. */
	uint8_t pk[32], want[32];
	assert_int_equal(sz_sync_peer_key(p.a, pk), SZ_OK);
	assert_int_equal(sz_dh_public(want, p.skb), SZ_OK);
	assert_memory_equal(pk, want, 32);
	sz_sync_free(p.a);
	sz_sync_free(p.b);
	/* A second session finds nothing to do. */
	start(&p, na, nb, (const uint8_t(*)[16])sa, 2, (const uint8_t(*)[16])sb, 2);
	run(&p, 0);
	sz_sync_get_stats(p.a, &st);
	assert_int_equal(sz_sync_get_status(p.a), SZ_SYNC_DONE);
	assert_int_equal(st.to_send + st.to_receive, 0);
	sz_sync_free(p.a);
	sz_sync_free(p.b);
	t_free(na);
	t_free(nb);
	free(na);
	free(nb);
	(void)scopes_ab;
}

static void
test_resume_after_cut(void **state)
{
	(void)state;
	tnode *na = calloc(1, sizeof *na), *nb = calloc(1, sizeof *nb);
	for (uint32_t k = 0; k < 400; k++)
		put_sealed(na, 0xa1, k, 3000); /* 4 KiB envelopes: 1.6 MB to move */
	uint8_t s[1][16];
	fill_scope(s[0], 0xa1);
	pair p;
	start(&p, na, nb, (const uint8_t(*)[16])s, 1, (const uint8_t(*)[16])s, 1);
	run(&p, 700000); /* the link breaks part way */
	assert_int_equal(sz_sync_get_status(p.a), SZ_SYNC_RUNNING);
	sz_sync_eof(p.a);
	sz_sync_eof(p.b);
	assert_int_equal(sz_sync_get_status(p.b), SZ_SYNC_FAILED);
	sz_sync_free(p.a);
	sz_sync_free(p.b);
	size_t got = nb->n;
	assert_true(got > 0 && got < 400);
	/* The next session sends only the rest. */
	start(&p, na, nb, (const uint8_t(*)[16])s, 1, (const uint8_t(*)[16])s, 1);
	run(&p, 0);
	assert_int_equal(sz_sync_get_status(p.b), SZ_SYNC_DONE);
	sz_sync_stats st;
	sz_sync_get_stats(p.a, &st);
	assert_int_equal(st.sent, 400 - got);
	assert_int_equal(nb->n, 400);
	sz_sync_free(p.a);
	sz_sync_free(p.b);
	two_free(na, nb);
}

static void
test_tamper_and_garbage(void **state)
{
	(void)state;
	tnode *na = calloc(1, sizeof *na), *nb = calloc(1, sizeof *nb);
	for (uint32_t k = 0; k < 20; k++)
		put_sealed(na, 0xa1, k, 100);
	uint8_t s[1][16];
	fill_scope(s[0], 0xa1);
	/* Flip a bit at many positions of the first transport message the initiator sends: the
	 * responder must fail and store nothing. */
	for (size_t flip = 0; flip < 300; flip += 7) {
		pair p;
		start(&p, na, nb, (const uint8_t(*)[16])s, 1, (const uint8_t(*)[16])s, 1);
		/* Handshake messages 1 and 2; message 3 goes out with the initiator's HELLO. */
		for (int i = 0; i < 2; i++) {
			const uint8_t *o;
			size_t n;
			sz_sync *from = i == 1 ? p.b : p.a, *to = i == 1 ? p.a : p.b;
			sz_sync_output(from, &o, &n);
			uint8_t *c = malloc(n);
			memcpy(c, o, n);
			sz_sync_consumed(from, n);
			assert_int_equal(sz_sync_input(to, c, n), SZ_OK);
			free(c);
		}
		const uint8_t *o;
		size_t n;
		sz_sync_output(p.a, &o, &n);
		assert_true(n > 0);
		assert_true(n > 66);
		uint8_t *c = malloc(n);
		memcpy(c, o, n);
		c[68 + flip % (n - 68)] ^= 0x04; /* past message 3 (2 + 64 bytes) and the next length */
		assert_int_not_equal(sz_sync_input(p.b, c, n), SZ_OK);
		free(c);
		assert_int_equal(sz_sync_get_status(p.b), SZ_SYNC_FAILED);
		/* Once failed, always failed. */
		assert_int_not_equal(sz_sync_input(p.b, (const uint8_t *)"x", 1), SZ_OK);
		sz_sync_free(p.a);
		sz_sync_free(p.b);
	}
	assert_int_equal(nb->n, 0);
	/* Garbage instead of a handshake (any 32 bytes pass as XX's first message, which carries
	 * only an ephemeral key, so the garbage here is too short to be one). */
	pair p;
	start(&p, na, nb, (const uint8_t(*)[16])s, 1, (const uint8_t(*)[16])s, 1);
	uint8_t junk[200];
	memset(junk, 0x41, sizeof junk);
	junk[0] = 0;
	junk[1] = 10;
	assert_int_not_equal(sz_sync_input(p.b, junk, sizeof junk), SZ_OK);
	assert_int_equal(sz_sync_get_status(p.b), SZ_SYNC_FAILED);
	sz_sync_free(p.a);
	sz_sync_free(p.b);
	/* A peer other than the one expected is refused. */
	start(&p, na, nb, (const uint8_t(*)[16])s, 1, (const uint8_t(*)[16])s, 1);
	sz_sync_free(p.a);
	uint8_t other[32];
	memset(other, 7, 32);
	sz_sync_config ca = {
		.role = SZ_NOISE_INITIATOR, .static_sk = p.ska, .expect_remote = other,
		.scopes = (const uint8_t(*)[16])s, .nscopes = 1,
		.hooks = { .ctx = na, .list_ids = t_list, .get = t_get, .store = t_store }, .env = &p.env.env,
	};
	assert_int_equal(sz_sync_new(&p.a, &ca), SZ_OK);
	run(&p, 0);
	assert_int_equal(sz_sync_get_status(p.a), SZ_SYNC_FAILED);
	assert_int_equal(sz_sync_error(p.a), SZ_ERR_BAD_SIGNATURE);
	sz_sync_free(p.a);
	sz_sync_free(p.b);
	two_free(na, nb);
}

static void
test_disk_full_and_timeout(void **state)
{
	(void)state;
	tnode *na = calloc(1, sizeof *na), *nb = calloc(1, sizeof *nb);
	for (uint32_t k = 0; k < 20; k++)
		put_sealed(na, 0xa1, k, 100);
	uint8_t s[1][16];
	fill_scope(s[0], 0xa1);
	nb->fail_store = 1;
	pair p;
	start(&p, na, nb, (const uint8_t(*)[16])s, 1, (const uint8_t(*)[16])s, 1);
	run(&p, 0);
	assert_int_equal(sz_sync_get_status(p.b), SZ_SYNC_FAILED);
	assert_int_equal(sz_sync_error(p.b), SZ_ERR_DISK_FULL);
	assert_int_equal(sz_sync_get_status(p.a), SZ_SYNC_FAILED);
	assert_string_equal(sz_sync_peer_error(p.a), "could not store");
	sz_sync_free(p.a);
	sz_sync_free(p.b);
	nb->fail_store = 0;
	/* A silent peer times out. */
	start(&p, na, nb, (const uint8_t(*)[16])s, 1, (const uint8_t(*)[16])s, 1);
	assert_int_equal(sz_sync_tick(p.b), SZ_OK);
	sz_env_seeded_advance(&p.env, 61000);
	assert_int_equal(sz_sync_tick(p.b), SZ_ERR_TIMEOUT);
	assert_int_equal(sz_sync_get_status(p.b), SZ_SYNC_FAILED);
	sz_sync_free(p.a);
	sz_sync_free(p.b);
	two_free(na, nb);
}

/* RIBLT is chosen when both speak it, and for a small difference in a large set it costs a
 * fraction of listing every id; LIST is used when one side speaks only that. */
static void
test_methods(void **state)
{
	(void)state;
	tnode *na, *nb;
	two_nodes(&na, &nb, 2000, 10, 5);
	uint8_t s[1][16];
	fill_scope(s[0], 0xa1);
	uint64_t bytes[2];
	for (int m = 0; m < 2; m++) {
		pair p;
		start(&p, na, nb, (const uint8_t(*)[16])s, 1, (const uint8_t(*)[16])s, 1);
		if (m == 1) /* a responder that speaks only LIST */
			restart_side(&p, 1, nb, (const uint8_t(*)[16])s, SZ_RECON_LIST);
		run(&p, 0);
		assert_int_equal(sz_sync_get_status(p.a), SZ_SYNC_DONE);
		assert_int_equal(sz_sync_get_status(p.b), SZ_SYNC_DONE);
		sz_sync_stats sa, sb;
		sz_sync_get_stats(p.a, &sa);
		sz_sync_get_stats(p.b, &sb);
		assert_int_equal(sa.method, m == 0 ? SZ_RECON_RIBLT : SZ_RECON_LIST);
		assert_int_equal(sa.sent, m == 0 ? 10 : 0);
		assert_int_equal(sb.sent, m == 0 ? 5 : 0);
		bytes[m] = sa.recon_bytes;
		sz_sync_free(p.a);
		sz_sync_free(p.b);
	}
	assert_int_equal(na->n, 2015);
	assert_int_equal(nb->n, 2015);
	/* 15 differences: RIBLT's few hundred bytes against 48 bytes per id for 2010 ids. */
	assert_true(bytes[0] * 10 < bytes[1]);
	two_free(na, nb);
}

/* Start a pair whose nodes lend their kept sketches; one session in salted_one_in is salted;
 * compact as in sz_sync_config, except that a value above 1 is compact_max. */
static void
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

typedef struct sync_result {
	sz_sync_stats a, b;
} sync_result;

static sync_result
finish(pair *p)
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

/* Both nodes lend the sketch they keep: no session walks the ids (O(d), not O(N)); sketches
 * come back; what arrives in between is reconciled by the next session with the same sketch. */
static void
test_lent_sketch(void **state)
{
	(void)state;
	tnode *na, *nb;
	two_nodes(&na, &nb, 2000, 30, 20);
	put_sealed(na, 0xc3, 1, 10); /* not shared */
	uint8_t s[1][16];
	fill_scope(s[0], 0xa1);
	pair p;
	start_lending(&p, na, nb, (const uint8_t(*)[16])s, 1u << 30, -1);
	run(&p, 0);
	sync_result r = finish(&p);
	assert_int_equal(r.a.method, SZ_RECON_RIBLT);
	assert_int_equal(r.a.riblt_attempts, 1);
	assert_false(r.a.riblt_salted);
	assert_int_equal(r.a.ids_sketched + r.b.ids_sketched, 0);
	assert_int_equal(r.a.ids_local, 2030);
	assert_int_equal(r.a.sent, 30);
	assert_int_equal(r.b.sent, 20);
	assert_int_equal(na->lent + nb->lent, 0);
	assert_int_equal(na->builds, 1);
	assert_int_equal(nb->builds, 1);
	assert_int_equal(na->n, 2051);
	assert_int_equal(nb->n, 2050);
	/* New envelopes on each side, kept in the sketches as they arrive: the next session moves
	 * exactly those, without a rebuild. */
	put_sealed(na, 0xa1, 7000, 10);
	put_sealed(nb, 0xa1, 7001, 10);
	put_sealed(nb, 0xa1, 7002, 10);
	start_lending(&p, na, nb, (const uint8_t(*)[16])s, 1u << 30, -1);
	run(&p, 0);
	r = finish(&p);
	assert_int_equal(r.a.sent, 1);
	assert_int_equal(r.b.sent, 2);
	assert_int_equal(r.a.ids_sketched + r.b.ids_sketched, 0);
	assert_int_equal(na->builds + nb->builds, 2);
	assert_int_equal(na->gets, 2);
	two_free(na, nb);
}

/* An audit session (salted from the start) builds temporary sketches under a fresh key and
 * leaves the kept ones alone. */
static void
test_salted_audit(void **state)
{
	(void)state;
	tnode *na, *nb;
	two_nodes(&na, &nb, 500, 40, 3);
	uint8_t s[1][16];
	fill_scope(s[0], 0xa1);
	pair p;
	start_lending(&p, na, nb, (const uint8_t(*)[16])s, 1, -1);
	run(&p, 0);
	sync_result r = finish(&p);
	assert_int_equal(r.a.riblt_attempts, 1);
	assert_true(r.a.riblt_salted);
	assert_true(r.b.riblt_salted);
	assert_int_equal(r.a.ids_sketched, 540);
	assert_int_equal(r.b.ids_sketched, 503);
	assert_int_equal(na->gets + nb->gets, 0);
	assert_int_equal(r.a.sent, 40);
	assert_int_equal(r.b.sent, 3);
	assert_int_equal(na->n, 543);
	assert_int_equal(nb->n, 543);
	two_free(na, nb);
}

/* A node that breaks the lending contract (its sketch changes mid-session) makes the unsalted
 * attempt fail; the initiator retries under a salt in the same session, which settles it. */
static void
mutate_once(void *ctx)
{
	tnode *t = ctx;
	static const uint8_t junk[20] = { 0xee, 1, 2, 3 };
	if (t->gets == 1 && t->builds == 1 && t->lent == 1 && !sz_riblt_sketch_contains(t->sk, junk))
		assert_int_equal(sz_riblt_sketch_add(t->sk, junk), SZ_OK);
}

/* Nodes a and b with common, only_a, only_b envelopes in one scope, lending their sketches:
 * one session (compact as in start_lending), its stats. */
static sync_result
lent_session(tnode **na, tnode **nb, uint32_t common, uint32_t only_a, uint32_t only_b,
    int compact)
{
	uint8_t s[1][16];
	fill_scope(s[0], 0xa1);
	two_nodes(na, nb, common, only_a, only_b);
	pair p;
	start_lending(&p, *na, *nb, (const uint8_t(*)[16])s, 1u << 30, compact);
	run(&p, 0);
	return finish(&p);
}

/* Small sets reconcile with compact symbols (salted 8-byte tags, 32-bit checks) by default:
 * every session salted, the ids walked on both sides, about half the bytes of full symbols for
 * the same difference, and the same envelopes moved. */
static void
test_compact(void **state)
{
	(void)state;
	uint64_t bytes[2];
	tnode *na, *nb;
	for (int m = 0; m < 2; m++) {
		sync_result r = lent_session(&na, &nb, 3000, 150, 130, m == 0 ? 0 : -1);
		assert_int_equal(r.a.method, SZ_RECON_RIBLT);
		assert_int_equal(r.a.riblt_attempts, 1);
		assert_int_equal(r.b.riblt_attempts, 1);
		assert_int_equal(r.a.sent, 150);
		assert_int_equal(r.b.sent, 130);
		assert_int_equal(na->n, 3280);
		assert_int_equal(nb->n, 3280);
		assert_int_equal(na->lent + nb->lent, 0);
		if (m == 0) {
			assert_true(r.a.riblt_compact && r.b.riblt_compact);
			assert_true(r.a.riblt_salted && r.b.riblt_salted);
			assert_int_equal(r.a.ids_sketched, 3150);
			assert_int_equal(r.b.ids_sketched, 3130);
			/* No kept sketch was built or lent: the initiator counted its ids. */
			assert_int_equal(na->gets + nb->gets, 0);
			assert_int_equal(na->builds + nb->builds, 0);
		} else {
			assert_false(r.a.riblt_compact || r.b.riblt_compact);
			assert_int_equal(r.a.ids_sketched + r.b.ids_sketched, 0);
		}
		bytes[m] = r.a.recon_bytes;
		two_free(na, nb);
	}
	assert_true(bytes[0] * 10 < bytes[1] * 6);
	/* An empty initiator (a new member): the responder sends everything without building any
	 * sketch. */
	sync_result r = lent_session(&na, &nb, 0, 0, 700, 0);
	assert_true(r.a.riblt_compact);
	assert_int_equal(r.b.ids_sketched, 0);
	assert_int_equal(r.b.sent, 700);
	assert_int_equal(na->n, 700);
	two_free(na, nb);
	/* Above compact_max ids the default is the kept sketch (the initiator counts 3002 and
	 * stops there); the next session learns the size from the kept sketch. */
	r = lent_session(&na, &nb, 3000, 2, 1, 3001);
	assert_false(r.a.riblt_compact);
	assert_int_equal(r.a.ids_sketched + r.b.ids_sketched, 0);
	assert_int_equal(r.a.sent, 2);
	assert_int_equal(r.b.sent, 1);
	assert_int_equal(na->sizes, 0);
	uint8_t sc[1][16];
	fill_scope(sc[0], 0xa1);
	put_sealed(na, 0xa1, 7000, 10);
	pair p;
	start_lending(&p, na, nb, (const uint8_t(*)[16])sc, 1u << 30, 3003);
	run(&p, 0);
	r = finish(&p);
	assert_false(r.a.riblt_compact);
	assert_int_equal(na->sizes, 1);
	assert_int_equal(r.a.sent, 1);
	assert_int_equal(na->builds, 1);
	/* With a higher bound the kept sketch's size picks compact symbols, without a loan. */
	put_sealed(nb, 0xa1, 7001, 10);
	size_t gets = na->gets;
	start_lending(&p, na, nb, (const uint8_t(*)[16])sc, 1u << 30, 5000);
	run(&p, 0);
	r = finish(&p);
	assert_true(r.a.riblt_compact);
	assert_int_equal(na->sizes, 2);
	assert_int_equal(na->gets, gets);
	assert_int_equal(r.b.sent, 1);
	two_free(na, nb);
}

/* The same for a compact attempt: the responder's per-session sketch changes under its
 * decoder (as a bug would). */
static void
mutate_compact(void *ctx)
{
	sz_sync *b = ctx;
	static const uint8_t junk[SZ_RIBLT_TAG_BYTES] = { 0xee, 1, 2, 3 };
	if (b->compact && b->rrecv != NULL && b->sketch != NULL &&
	    !sz_riblt_sketch_contains(b->sketch, junk)) {
		/* the session bounded its sketch to its ids: make room for one more */
		assert_int_equal(sz_riblt_sketch_set_max_items(b->sketch,
		    sz_riblt_sketch_size(b->sketch) + 1), SZ_OK);
		assert_int_equal(sz_riblt_sketch_add(b->sketch, junk), SZ_OK);
	}
}

/* A failed first attempt (unsalted with the kept sketch: compact -1; compact: 0), made to
 * fail by changing a sketch under the responder's decoder, is retried in the same session,
 * salted with full symbols, and settles. */
static void
retry_after_failure(int compact)
{
	tnode *na, *nb;
	two_nodes(&na, &nb, 1000, 200, 0); /* more than HELLO's cells settle: MORE is needed */
	uint8_t s[1][16];
	fill_scope(s[0], 0xa1);
	pair p;
	start_lending(&p, na, nb, (const uint8_t(*)[16])s, 1u << 30, compact);
	if (compact == 0)
		run_cb(&p, 0, mutate_compact, p.b);
	else
		run_cb(&p, 0, mutate_once, nb);
	sync_result r = finish(&p);
	assert_int_equal(r.a.riblt_attempts, 2);
	assert_int_equal(r.b.riblt_attempts, 2);
	assert_true(r.a.riblt_salted && r.b.riblt_salted);
	assert_false(r.a.riblt_compact || r.b.riblt_compact);
	assert_int_equal(r.a.method, SZ_RECON_RIBLT);
	assert_int_equal(r.a.sent, 200);
	assert_int_equal(nb->n, 1200);
	assert_int_equal(na->lent + nb->lent, 0);
	two_free(na, nb);
}

static void
test_salted_retry(void **state)
{
	(void)state;
	retry_after_failure(-1);
}

static void
test_compact_retry(void **state)
{
	(void)state;
	retry_after_failure(0);
}

/* RIBLT's DONE names wanted ids by 32 bits of their hash, so an honest initiator may send an
 * id that only shares them.  The responder drops such envelopes without storing them and
 * without failing, up to SZ_SYNC_MATCHES_PER_WANT - 1 per want; anything else it did not ask
 * for cuts the peer off.  A real 32-bit match costs 2^32 hashes to find, so the test makes the
 * responder's want list name the injected envelope's 32 bits (as a chance match would). */
typedef struct inject {
	pair *p;
	int want, done;
	int plant;     /* 0: plant nothing; 1: each envelope's own bits; 2: one envelope, repeated */
} inject;

static void
plant(sz_sync *b, const uint8_t id[32])
{
	uint8_t tag[SZ_RIBLT_TAG_BYTES];
	assert_true(b->compact);
	sz_riblt_id_tag(tag, b->tagkey, id);
	uint32_t h = (uint32_t)sz_riblt_hash(b->hashkey, tag, sizeof tag), *v;
	uint8_t *e;
	size_t n = b->nwant_h32, at = 0;
	assert_non_null(v = realloc(b->want_h32, (n + 1) * sizeof *v));
	assert_non_null(e = realloc(b->want_h32_extra, n + 1));
	while (at < n && v[at] < h)
		at++;
	memmove(v + at + 1, v + at, (n - at) * sizeof *v);
	memmove(e + at + 1, e + at, n - at);
	v[at] = h;
	e[at] = 0;
	b->want_h32 = v;
	b->want_h32_extra = e;
	b->nwant_h32 = n + 1;
}

static void
inject_unasked(void *ctx)
{
	inject *in = ctx;
	sz_sync *a = in->p->a, *b = in->p->b;
	if (in->done == in->want || a->phase != PH_TRANSFER || !b->decoded ||
	    sz_sync_get_status(b) != SZ_SYNC_RUNNING)
		return;
	tnode *t = calloc(1, sizeof *t);
	put_sealed(t, 0xa1, 9000 + (in->plant == 2 ? 0 : (uint32_t)in->done), 10);
	if (in->plant == 1 || (in->plant == 2 && in->done == 0))
		plant(b, t->id[0]);
	sz_buf m = { 0 };
	sz_buf_u16(&m, 1);
	sz_buf_u32(&m, (uint32_t)t->len[0]);
	sz_buf_append(&m, t->env[0], t->len[0]);
	sz_sync_send(a, SZ_FR_ENVELOPES, m.p, m.len);
	a->unacked++; /* the responder acknowledges it */
	sz_buf_free(&m);
	t_free(t);
	free(t);
	in->done++;
}

static void
test_unasked(void **state)
{
	(void)state;
	uint8_t s[1][16];
	fill_scope(s[0], 0xa1);
	/* {envelopes injected, plant}: 5 chance matches of 5 wants; one envelope matching one
	 * want sent once too often; an envelope that matches no want. */
	static const int cases[][2] = { { 5, 1 }, { SZ_SYNC_MATCHES_PER_WANT, 2 }, { 1, 0 } };
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		tnode *na, *nb;
		two_nodes(&na, &nb, 500, 20, 0);
		pair p;
		start_lending(&p, na, nb, (const uint8_t(*)[16])s, 1u << 30, 0);
		inject in = { &p, cases[c][0], 0, cases[c][1] };
		run_cb(&p, 0, inject_unasked, &in);
		assert_int_equal(in.done, in.want);
		if (c == 0) {
			assert_int_equal(p.b->unasked, 5);
			sync_result r = finish(&p);
			assert_int_equal(r.b.received, 20);
			assert_int_equal(r.b.stored, 20);
			assert_int_equal(nb->n, 520); /* the unasked ones were not stored */
		} else {
			assert_int_equal(p.b->unasked, c == 1 ? SZ_SYNC_MATCHES_PER_WANT - 1 : 0);
			assert_int_equal(sz_sync_get_status(p.b), SZ_SYNC_FAILED);
			assert_int_equal(sz_sync_error(p.b), SZ_ERR_PEER);
			assert_true(nb->n <= 520);
			sz_sync_free(p.a);
			sz_sync_free(p.b);
		}
		two_free(na, nb);
	}
}

/* A RIBLT HELLO whose symbol layout the sync layer does not define (20-byte symbols with 32-bit
 * checks, 8-byte symbols with 64-bit ones) is refused by the responder: SZ_ERR_UNSUPPORTED. */
static void
test_odd_layouts(void **state)
{
	(void)state;
	uint8_t s[1][16], key[SZ_RIBLT_KEY_BYTES] = { 5 }, salt[SZ_RIBLT_SALT_BYTES] = { 6 };
	fill_scope(s[0], 0xa1);
	for (int c = 0; c < 3; c++) {
		size_t width = c == 1 ? SZ_RIBLT_TAG_BYTES : SZ_RIBLT_ID_SYMBOL_BYTES;
		bool check32 = c != 1;
		tnode *na, *nb;
		two_nodes(&na, &nb, 50, 5, 5);
		pair p;
		start_lending(&p, na, nb, (const uint8_t(*)[16])s, 1u << 30, 0);
		deliver(p.a, p.b); /* handshake message 1 */
		deliver(p.b, p.a); /* message 2 */
		deliver(p.a, p.b); /* message 3 and A's HELLO: B answers its HELLO and waits */
		assert_int_equal(p.b->phase, PH_RECON);
		/* The initiator's first RIBLT frame, made here instead of by its session. */
		sz_riblt_sketch *sk;
		assert_int_equal(sz_riblt_sketch_new(&sk, width, key, 64), SZ_OK);
		for (uint8_t i = 0; i < 30; i++) {
			uint8_t sym[SZ_RIBLT_ID_SYMBOL_BYTES] = { i, 0x77 };
			assert_int_equal(sz_riblt_sketch_add(sk, sym), SZ_OK);
		}
		sz_riblt_sender *tx;
		assert_int_equal(sz_riblt_sender_new(&tx, sk, salt, 8, 16, 100), SZ_OK);
		if (check32)
			assert_int_equal(sz_riblt_sender_check32(tx), SZ_OK);
		sz_buf hello = { 0 }, fr = { 0 };
		assert_int_equal(sz_riblt_sender_hello(tx, &hello), SZ_OK);
		if (c == 2)
			hello.p[3] = SZ_RIBLT_FLAG_CHECK32; /* and a third: CHECK32 with the salt's flag off */
		sz_frame_put(&fr, SZ_FR_SYMBOLS, hello.p, hello.len);
		uint8_t msg[SZ_NOISE_MAX_MSG + 2];
		size_t mlen;
		assert_int_equal(sz_noise_encrypt(p.a->tx, fr.p, fr.len, msg + 2, sizeof msg - 2,
		    &mlen), SZ_OK);
		msg[0] = (uint8_t)(mlen >> 8);
		msg[1] = (uint8_t)mlen;
		assert_int_not_equal(sz_sync_input(p.b, msg, mlen + 2), SZ_OK);
		assert_int_equal(sz_sync_get_status(p.b), SZ_SYNC_FAILED);
		assert_int_equal(sz_sync_error(p.b), c == 2 ? SZ_ERR_MALFORMED : SZ_ERR_UNSUPPORTED);
		assert_int_equal(nb->n, 55);
		sz_buf_free(&hello);
		sz_buf_free(&fr);
		sz_riblt_sender_free(tx);
		sz_riblt_sketch_free(sk);
		sz_sync_free(p.a);
		sz_sync_free(p.b);
		two_free(na, nb);
	}
}

/* Negentropy as the method both speak (a responder without RIBLT): the responder, as the
 * Negentropy client, learns both halves; the same envelopes move as with the other methods;
 * either side may be empty; a garbage Negentropy message fails the session, storing nothing. */
static void
test_negentropy(void **state)
{
	(void)state;
	static const uint32_t cases[][3] = { { 3000, 400, 300 }, { 1000, 1, 0 }, { 0, 0, 500 },
		{ 0, 300, 0 } };
	uint8_t s[1][16];
	fill_scope(s[0], 0xa1);
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		tnode *na, *nb;
		two_nodes(&na, &nb, cases[c][0], cases[c][1], cases[c][2]);
		pair p;
		start(&p, na, nb, (const uint8_t(*)[16])s, 1, (const uint8_t(*)[16])s, 1);
		restart_side(&p, 1, nb, (const uint8_t(*)[16])s, SZ_RECON_NEGENTROPY | SZ_RECON_LIST);
		run(&p, 0);
		sync_result r = finish(&p);
		assert_int_equal(r.a.method, SZ_RECON_NEGENTROPY);
		assert_int_equal(r.b.method, SZ_RECON_NEGENTROPY);
		assert_int_equal(r.a.sent, cases[c][1]);
		assert_int_equal(r.b.sent, cases[c][2]);
		uint32_t all = cases[c][0] + cases[c][1] + cases[c][2];
		assert_int_equal(na->n, all);
		assert_int_equal(nb->n, all);
		if (c == 1) /* one difference among 1000: a few hundred bytes, not 48 per id */
			assert_true(r.a.recon_bytes < 4000);
		two_free(na, nb);
	}
	/* Garbage where the responder's first answer should be. */
	tnode *na, *nb;
	two_nodes(&na, &nb, 100, 5, 5);
	pair p;
	start(&p, na, nb, (const uint8_t(*)[16])s, 1, (const uint8_t(*)[16])s, 1);
	restart_side(&p, 0, na, (const uint8_t(*)[16])s, SZ_RECON_NEGENTROPY);
	deliver(p.a, p.b);
	deliver(p.b, p.a);
	deliver(p.a, p.b); /* B answers HELLO and sends its first Negentropy message */
	assert_true(p.b->neg_wait);
	/* The answer B gets, under A's next nonce: a range whose id prefix is cut short. */
	static const uint8_t junk[] = { 0x61, 0x00, 0x07, 0xff };
	sz_buf fr = { 0 };
	sz_frame_put(&fr, SZ_FR_NEG, junk, sizeof junk);
	uint8_t msg[SZ_NOISE_MAX_MSG + 2];
	size_t mlen;
	assert_int_equal(sz_noise_encrypt(p.a->tx, fr.p, fr.len, msg + 2, sizeof msg - 2, &mlen),
	    SZ_OK);
	msg[0] = (uint8_t)(mlen >> 8);
	msg[1] = (uint8_t)mlen;
	assert_int_not_equal(sz_sync_input(p.b, msg, mlen + 2), SZ_OK);
	assert_int_equal(sz_sync_get_status(p.b), SZ_SYNC_FAILED);
	assert_int_equal(sz_sync_error(p.b), SZ_ERR_TRUNCATED); /* Negentropy's parser said so */
	assert_int_equal(nb->n, 105);
	sz_buf_free(&fr);
	sz_sync_free(p.a);
	sz_sync_free(p.b);
	two_free(na, nb);
}

static void
test_frames(void **state)
{
	(void)state;
	sz_frame f;
	size_t used;
	const uint8_t big[] = { 0x00, 0x40, 0x00, 0x01, 0x05 }; /* 4 MiB + 1 */
	assert_int_equal(sz_frame_get(big, sizeof big, &f, &used), SZ_ERR_TOO_LARGE);
	const uint8_t zero[] = { 0, 0, 0, 0, 0 };
	assert_int_equal(sz_frame_get(zero, sizeof zero, &f, &used), SZ_ERR_MALFORMED);
	const uint8_t part[] = { 0, 0, 0, 3, 5, 1 };
	assert_int_equal(sz_frame_get(part, sizeof part, &f, &used), SZ_ERR_AGAIN);
	sz_hello h;
	const uint8_t hello_short[] = { 1, 2, 0, 2, 1, 2, 3 };
	assert_int_equal(sz_hello_parse(&h, hello_short, sizeof hello_short), SZ_ERR_TRUNCATED);
	uint8_t tok[16], scope[16] = { 1 }, hash[64] = { 2 }, tok2[16];
	assert_int_equal(sz_sync_scope_token(tok, scope, hash, 64, 1), SZ_OK);
	assert_int_equal(sz_sync_scope_token(tok2, scope, hash, 64, 2), SZ_OK);
	assert_memory_not_equal(tok, tok2, 16);
	hash[0] ^= 1;
	assert_int_equal(sz_sync_scope_token(tok2, scope, hash, 64, 1), SZ_OK);
	assert_memory_not_equal(tok, tok2, 16);
}

int
main(void)
{
	if (sz_init() != SZ_OK)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_converge_shared_only),
		cmocka_unit_test(test_resume_after_cut),
		cmocka_unit_test(test_tamper_and_garbage),
		cmocka_unit_test(test_disk_full_and_timeout),
		cmocka_unit_test(test_methods),
		cmocka_unit_test(test_lent_sketch),
		cmocka_unit_test(test_salted_audit),
		cmocka_unit_test(test_salted_retry),
		cmocka_unit_test(test_compact),
		cmocka_unit_test(test_compact_retry),
		cmocka_unit_test(test_unasked),
		cmocka_unit_test(test_odd_layouts),
		cmocka_unit_test(test_negentropy),
		cmocka_unit_test(test_frames),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
