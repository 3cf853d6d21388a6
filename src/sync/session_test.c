/*
 * session_test.c - unit tests of sync sessions (src/sync/session.c): convergence over shared
 * scopes only, resumption after a cut, tampering and garbage, a full disk and timeouts, method
 * choice, envelopes nobody asked for, frame parsing, batches held while checked ahead.  Reconciliation methods: recon_test.c.
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
#include "sync/session_testlib.h"
#include "wire/envelope.h"

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
	t_start(&p, na, nb, (const uint8_t(*)[16])sa, 2, (const uint8_t(*)[16])sb, 2);
	t_run(&p, 0);
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
	t_start(&p, na, nb, (const uint8_t(*)[16])sa, 2, (const uint8_t(*)[16])sb, 2);
	t_run(&p, 0);
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
	for (uint32_t k = 0; k < 1000; k++)
		put_sealed(na, 0xa1, k, 3000); /* 4 KiB envelopes: 4 MB, four 1 MiB batches to move */
	uint8_t s[1][16];
	fill_scope(s[0], 0xa1);
	pair p;
	t_start(&p, na, nb, (const uint8_t(*)[16])s, 1, (const uint8_t(*)[16])s, 1);
	t_run(&p, 2600000); /* the link breaks part way */
	assert_int_equal(sz_sync_get_status(p.a), SZ_SYNC_RUNNING);
	sz_sync_eof(p.a);
	sz_sync_eof(p.b);
	assert_int_equal(sz_sync_get_status(p.b), SZ_SYNC_FAILED);
	sz_sync_free(p.a);
	sz_sync_free(p.b);
	size_t got = nb->n;
	assert_true(got > 0 && got < 1000);
	/* The next session sends only the rest. */
	t_start(&p, na, nb, (const uint8_t(*)[16])s, 1, (const uint8_t(*)[16])s, 1);
	t_run(&p, 0);
	assert_int_equal(sz_sync_get_status(p.b), SZ_SYNC_DONE);
	sz_sync_stats st;
	sz_sync_get_stats(p.a, &st);
	assert_int_equal(st.sent, 1000 - got);
	assert_int_equal(nb->n, 1000);
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
		t_start(&p, na, nb, (const uint8_t(*)[16])s, 1, (const uint8_t(*)[16])s, 1);
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
	t_start(&p, na, nb, (const uint8_t(*)[16])s, 1, (const uint8_t(*)[16])s, 1);
	uint8_t junk[200];
	memset(junk, 0x41, sizeof junk);
	junk[0] = 0;
	junk[1] = 10;
	assert_int_not_equal(sz_sync_input(p.b, junk, sizeof junk), SZ_OK);
	assert_int_equal(sz_sync_get_status(p.b), SZ_SYNC_FAILED);
	sz_sync_free(p.a);
	sz_sync_free(p.b);
	/* A peer other than the one expected is refused. */
	t_start(&p, na, nb, (const uint8_t(*)[16])s, 1, (const uint8_t(*)[16])s, 1);
	sz_sync_free(p.a);
	uint8_t other[32];
	memset(other, 7, 32);
	sz_sync_config ca = {
		.role = SZ_NOISE_INITIATOR, .static_sk = p.ska, .expect_remote = other,
		.scopes = (const uint8_t(*)[16])s, .nscopes = 1,
		.hooks = { .ctx = na, .list_ids = t_list, .get = t_get, .store = t_store }, .env = &p.env.env,
	};
	assert_int_equal(sz_sync_new(&p.a, &ca), SZ_OK);
	t_run(&p, 0);
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
	t_start(&p, na, nb, (const uint8_t(*)[16])s, 1, (const uint8_t(*)[16])s, 1);
	t_run(&p, 0);
	assert_int_equal(sz_sync_get_status(p.b), SZ_SYNC_FAILED);
	assert_int_equal(sz_sync_error(p.b), SZ_ERR_DISK_FULL);
	assert_int_equal(sz_sync_get_status(p.a), SZ_SYNC_FAILED);
	assert_string_equal(sz_sync_peer_error(p.a), "could not store");
	sz_sync_free(p.a);
	sz_sync_free(p.b);
	nb->fail_store = 0;
	/* A silent peer times out. */
	t_start(&p, na, nb, (const uint8_t(*)[16])s, 1, (const uint8_t(*)[16])s, 1);
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
		t_start(&p, na, nb, (const uint8_t(*)[16])s, 1, (const uint8_t(*)[16])s, 1);
		if (m == 1) /* a responder that speaks only LIST */
			restart_side(&p, 1, nb, (const uint8_t(*)[16])s, SZ_RECON_LIST);
		t_run(&p, 0);
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

/* RIBLT's DONE names wanted ids by the first bytes of their symbol (8 of an id's prefix, 4 of a
 * compact tag), so an honest initiator may send an id that only shares them.  The responder drops such envelopes without storing them
 * and without failing, up to SZ_SYNC_MATCHES_PER_WANT - 1 per want; anything else it did not ask
 * for cuts the peer off.  A real match of a tag's 4 bytes cannot be made on purpose (the tag key
 * is the session's), so the test makes the responder's want list name the injected envelope's
 * bytes (as a chance match would). */
typedef struct inject {
	pair *p;
	int want, done;
	int plant;     /* 0: plant nothing; 1: each envelope's own bytes; 2: one envelope, repeated */
} inject;

static void
plant(sz_sync *b, const uint8_t id[32])
{
	uint8_t tag[SZ_RIBLT_TAG_BYTES], *e;
	uint8_t (*v)[SZ_RIBLT_WANT_BYTES];
	assert_true(b->compact);
	sz_riblt_id_tag(tag, b->tagkey, id);
	/* as DONE names a tag: its first 4 bytes, zero-padded */
	memset(tag + sz_riblt_want_len(SZ_RIBLT_TAG_BYTES), 0,
	    SZ_RIBLT_TAG_BYTES - sz_riblt_want_len(SZ_RIBLT_TAG_BYTES));
	size_t n = b->nwant_w, at = 0;
	assert_non_null(v = realloc(b->want_w, (n + 1) * sizeof *v));
	assert_non_null(e = realloc(b->want_w_extra, n + 1));
	while (at < n && memcmp(v[at], tag, SZ_RIBLT_WANT_BYTES) < 0)
		at++;
	memmove(v + at + 1, v + at, (n - at) * sizeof *v);
	memmove(e + at + 1, e + at, n - at);
	memcpy(v[at], tag, SZ_RIBLT_WANT_BYTES);
	e[at] = 0;
	b->want_w = v;
	b->want_w_extra = e;
	b->nwant_w = n + 1;
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
		t_run_cb(&p, 0, inject_unasked, &in);
		assert_int_equal(in.done, in.want);
		if (c == 0) {
			assert_int_equal(p.b->unasked, 5);
			sync_result r = t_finish(&p);
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

/* Pair tokens: a label is shared when both sides hold one pair key offered for it (two pairs of
 * one label count once); a label offered under different keys on each side is not shared, and its
 * envelopes do not cross; the HELLO carries 256 tokens whatever the offers, 512 past 256 offers.
 * (What a peer sends under a label it does not share is refused by the node: node_privacy_test.) */
static void
test_pair_tokens(void **state)
{
	(void)state;
	tnode *na = calloc(1, sizeof *na), *nb = calloc(1, sizeof *nb);
	for (uint32_t k = 0; k < 10; k++) {
		put_sealed(na, 0xa1, k, 100);
		put_sealed(nb, 0xb2, 100 + k, 100);
	}
	sz_sync_pair pa[300], pb[2];
	memset(pa, 0, sizeof pa);
	memset(pb, 0, sizeof pb);
	for (int i = 0; i < 300; i++) {
		memset(pa[i].key, 0x40 + i % 3, 32);
		pa[i].key[0] = (uint8_t)i;
		fill_scope(pa[i].label, i < 2 ? 0xa1 : 0xb2);
	}
	memcpy(pb[0].key, pa[1].key, 32);   /* one of the two pairs of label 0xa1 */
	fill_scope(pb[0].label, 0xa1);
	memset(pb[1].key, 0x77, 32);        /* 0xb2 under a key A does not hold */
	fill_scope(pb[1].label, 0xb2);
	for (int many = 0; many < 2; many++) {
		pair p;
		t_start(&p, na, nb, NULL, 0, NULL, 0);
		sz_sync_free(p.a);
		sz_sync_free(p.b);
		sz_sync_config ca = {
			.role = SZ_NOISE_INITIATOR, .static_sk = p.ska, .pairs = pa, .npairs = many ? 300 : 3,
			.hooks = { .ctx = na, .list_ids = t_list, .get = t_get, .store = t_store },
			.env = &p.env.env,
		};
		sz_sync_config cb = ca;
		cb.role = SZ_NOISE_RESPONDER;
		cb.static_sk = p.skb;
		cb.pairs = pb;
		cb.npairs = 2;
		cb.hooks.ctx = nb;
		assert_int_equal(sz_sync_new(&p.a, &ca), SZ_OK);
		assert_int_equal(sz_sync_new(&p.b, &cb), SZ_OK);
		t_run(&p, 0);
		sync_result r = t_finish(&p);
		assert_int_equal(r.a.scopes_shared, 1);
		assert_int_equal(r.b.scopes_shared, 1);
		assert_int_equal(r.b.peer_tokens, many ? 512 : 256);
		assert_int_equal(r.a.peer_tokens, 256);
		assert_int_equal(r.a.hello_bytes, SZ_FRAME_HDR + 4 + 256 * 16);
		assert_int_equal(r.b.received, many ? 0 : 10); /* label 0xa1's, once */
		assert_int_equal(r.a.received, 0);
	}
	assert_int_equal(nb->n, 20);
	assert_int_equal(na->n, 10);
	t_free(na);
	t_free(nb);
	free(na);
	free(nb);
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

/* Batches checked ahead (hooks.check): what the test node saw, in order. */
typedef struct ahead_log {
	tnode *t;
	size_t checks, stored, dropped;
	size_t checks_at_store[16]; /* checks begun when each held batch was stored */
	size_t n_at_store[16];
} ahead_log;

typedef struct ahead_batch {
	ahead_log *log;
	const uint8_t (*shared)[16];
	size_t nshared, n;
	const uint8_t *const *envs;
	const size_t *lens;
	const uint8_t (*ids)[32];
	uint8_t first[64]; /* the first envelope's opening bytes when checked: still there? */
} ahead_batch;

static void *
a_check(void *ctx, const uint8_t (*shared)[16], size_t nshared, const uint8_t *const *envs,
    const size_t *lens, const uint8_t (*ids)[32], size_t n)
{
	ahead_log *l = ctx;
	ahead_batch *b = calloc(1, sizeof *b);
	assert_non_null(b);
	*b = (ahead_batch){ l, shared, nshared, n, envs, lens, ids, { 0 } };
	memcpy(b->first, envs[0], 64);
	l->checks++;
	return b;
}

static int
a_store_checked(void *ctx, void *checked, int *results)
{
	ahead_log *l = ctx;
	ahead_batch *b = checked;
	assert_ptr_equal(b->log, l);
	/* The session kept the batch's bytes while it held it, though more arrived meanwhile. */
	assert_memory_equal(b->first, b->envs[0], 64);
	if (l->stored < 16) {
		l->checks_at_store[l->stored] = l->checks;
		l->n_at_store[l->stored] = b->n;
	}
	l->stored++;
	int r = t_store(l->t, b->shared, b->nshared, b->envs, b->lens, b->ids, b->n, results);
	free(b);
	return r;
}

static void
a_drop(void *ctx, void *checked)
{
	ahead_log *l = ctx;
	l->dropped++;
	free(checked);
}

static int
a_list(void *ctx, const uint8_t scope[16], int (*fn)(void *, const uint8_t *), void *fctx)
{
	return t_list(((ahead_log *)ctx)->t, scope, fn, fctx);
}

static int
a_get(void *ctx, const uint8_t id[32], uint8_t **env, size_t *len)
{
	return t_get(((ahead_log *)ctx)->t, id, env, len);
}

static int
a_store(void *ctx, const uint8_t (*shared)[16], size_t nshared, const uint8_t *const *envs,
    const size_t *lens, const uint8_t (*ids)[32], size_t n, int *results)
{
	return t_store(((ahead_log *)ctx)->t, shared, nshared, envs, lens, ids, n, results);
}

static void
ahead_start(pair *p, tnode *na, tnode *nb, ahead_log *l, const uint8_t (*s)[16])
{
	t_start(p, na, nb, s, 1, s, 1);
	sz_sync_free(p->b);
	*l = (ahead_log){ .t = nb };
	sz_sync_config c = {
		.role = SZ_NOISE_RESPONDER, .static_sk = p->skb, .scopes = s, .nscopes = 1,
		.hooks = { .ctx = l, .list_ids = a_list, .get = a_get, .store = a_store,
		    .check = a_check, .store_checked = a_store_checked, .drop = a_drop },
		.env = &p->env.env,
	};
	c.hooks.drop = NULL; /* all three or none */
	assert_int_equal(sz_sync_new(&p->b, &c), SZ_ERR_INVALID);
	c.hooks.drop = a_drop;
	assert_int_equal(sz_sync_new(&p->b, &c), SZ_OK);
}

/* A full batch is held, checked meanwhile, until the next one arrives: the one before is stored
 * while it is checked; the last (short) one is stored at once; ACKs keep their order and the
 * counts add up.  A batch held when the session fails is dropped, unstored, unacknowledged; one
 * held when the peer sends nothing more (it announced more than it had) is stored after
 * SZ_SYNC_HOLD_MS, at the next tick. */
static void
test_held_batches(void **state)
{
	(void)state;
	tnode *na = calloc(1, sizeof *na), *nb = calloc(1, sizeof *nb);
	/* 40 envelopes of 60 KB (64 KiB buckets): batches close at 1 MiB, so 16, 16 and 8 */
	for (uint32_t k = 0; k < 40; k++)
		put_sealed(na, 0xa1, k, 60000);
	uint8_t s[1][16];
	fill_scope(s[0], 0xa1);
	pair p;
	ahead_log l;
	ahead_start(&p, na, nb, &l, (const uint8_t(*)[16])s);
	t_run(&p, 0);
	assert_int_equal(sz_sync_get_status(p.a), SZ_SYNC_DONE);
	assert_int_equal(sz_sync_get_status(p.b), SZ_SYNC_DONE);
	assert_int_equal(nb->n, 40);
	assert_int_equal(l.checks, 2);      /* the two full batches */
	assert_int_equal(l.stored, 2);
	assert_int_equal(l.dropped, 0);
	assert_int_equal(nb->stores, 3);    /* two checked ahead, the short last one at once */
	/* each held batch was stored only once the next had begun its checks, or had come */
	assert_int_equal(l.checks_at_store[0], 2);
	assert_int_equal(l.n_at_store[0] + l.n_at_store[1], 32);
	sz_sync_stats st;
	sz_sync_get_stats(p.a, &st);
	assert_int_equal(st.sent, 40);
	sz_sync_get_stats(p.b, &st);
	assert_int_equal(st.stored, 40);
	assert_int_equal(st.received, 40);
	sz_sync_free(p.a);
	sz_sync_free(p.b);

	/* Cut after the first batch came whole: it is held, then dropped with the session. */
	tnode *nc = calloc(1, sizeof *nc);
	ahead_start(&p, na, nc, &l, (const uint8_t(*)[16])s);
	for (int i = 0; i < 10000 && l.checks == 0 && sz_sync_get_status(p.b) == SZ_SYNC_RUNNING;
	    i++)
		t_run(&p, 5000);
	assert_int_equal(l.checks, 1);
	assert_int_equal(l.stored, 0);
	sz_sync_abort(p.b, SZ_ERR_CLOSED, "cut");
	assert_int_equal(l.dropped, 1);
	assert_int_equal(nc->n, 0);
	sz_sync_get_stats(p.b, &st);
	assert_int_equal(st.stored, 0);
	sz_sync_free(p.a);
	sz_sync_free(p.b);
	t_free(nc);
	free(nc);

	/* The sender finds its last 8 deleted meanwhile: 32 come of 40 announced.  The second
	 * full batch waits for a batch that never comes, until the tick after SZ_SYNC_HOLD_MS. */
	tnode *nd = calloc(1, sizeof *nd);
	na->hidden_from = 32;
	ahead_start(&p, na, nd, &l, (const uint8_t(*)[16])s);
	t_run(&p, 0);
	assert_int_equal(sz_sync_get_status(p.b), SZ_SYNC_RUNNING);
	assert_int_equal(nd->n, 16);
	assert_int_equal(sz_sync_tick(p.b), SZ_OK);
	assert_int_equal(nd->n, 16);        /* not yet: held for less than SZ_SYNC_HOLD_MS */
	sz_env_seeded_advance(&p.env, SZ_SYNC_HOLD_MS);
	assert_int_equal(sz_sync_tick(p.b), SZ_OK);
	assert_int_equal(nd->n, 32);
	t_run(&p, 0);
	assert_int_equal(sz_sync_get_status(p.a), SZ_SYNC_DONE);
	assert_int_equal(sz_sync_get_status(p.b), SZ_SYNC_DONE);
	assert_int_equal(l.stored, 2);
	assert_int_equal(l.dropped, 0);
	sz_sync_free(p.a);
	sz_sync_free(p.b);
	na->hidden_from = 0;
	t_free(nd);
	free(nd);
	two_free(na, nb);
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
		cmocka_unit_test(test_unasked),
		cmocka_unit_test(test_pair_tokens),
		cmocka_unit_test(test_frames),
		cmocka_unit_test(test_held_batches),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
