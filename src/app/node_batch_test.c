/*
 * node_batch_test.c - a node's batches (node_batch.c): a sync that brings a cell's posts commits
 * once, whatever its cells make of them; the checks run on the pool give the verdicts the writer
 * alone gives, and so do a sync's batches checked ahead of their storing; what a sync sends is
 * read with its page of ids, and what was deleted since does not leave; a batch that fails on a full disk leaves the store as it was and the node
 * refusing more until it is unlocked again, and then it reads everything; what its cells report
 * is told after the commit, never for a batch rolled back.  Layer: app.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app/node_int.h"
#include "app/node_testlib.h"
#include "cell/cell.h"
#include "crypto/crypto.h"
#include "sync/frame.h"
#include "wire/entry.h"
#include "wire/envelope.h"

static int
count_post(void *ctx, const sz_post *p)
{
	(void)p;
	(*(size_t *)ctx)++;
	return SZ_OK;
}

static size_t
posts(sz_node *n, sz_cell *c)
{
	size_t k = 0;
	assert_int_equal(sz_node_read(n, c, count_post, &k), SZ_OK);
	return k;
}

static void
post_n(tnet *t, int who, int n, size_t body)
{
	char *text = malloc(body + 1);
	assert_non_null(text);
	for (int i = 0; i < n; i++) {
		uint8_t id[32];
		memset(text, 'p', body);
		int w = snprintf(text, body + 1, "post %d of %d ", i, n);
		text[w] = 'p';
		assert_int_equal(sz_node_post(t->nd[who], t->cl[who], NULL, (const uint8_t *)text, body,
		    id), SZ_OK);
	}
	free(text);
}

/* Issue 16: one sync that stored 10 cell messages made 85 fdatasync calls (a transaction per
 * message, per entry, per note).  Now the batch and all its cells make of it are one. */
static void
test_one_commit_per_session(void **state)
{
	(void)state;
	tnet t;
	tn_new(&t, "batch", 2);
	tn_join(&t, 0, 1);
	tn_mesh(&t, 3);
	size_t before = posts(t.nd[1], t.cl[1]);
	post_n(&t, 0, 10, 40);
	uint64_t c0 = sz_store_commits(t.nd[1]->store);
	tn_result r = tn_sync(t.nd[1], t.nd[0]);
	assert_int_equal(r.ea, SZ_OK);
	assert_int_equal(r.eb, SZ_OK);
	assert_int_equal(r.a.stored, 10);
	assert_int_equal(posts(t.nd[1], t.cl[1]), before + 10);
	/* The one batch of 10 envelopes, with the posts, the author notes, the cell's state and the
	 * acks it made: one commit.  (The session itself writes nothing else.) */
	assert_int_equal(sz_store_commits(t.nd[1]->store) - c0, 1);
	tn_free(&t);
}

/* Events (issue 14): what a batch's cells report is told only once the batch has committed. */
typedef struct told {
	size_t posts, other, lost;
	size_t in_batch;              /* told while a batch was still open */
	sz_node *n;
} told;

static void
on_told(void *ctx, const sz_node_event *e)
{
	told *t = ctx;
	if (t->n->batch_depth > 0)
		t->in_batch++;
	if (e == NULL)
		t->lost++;
	else if (e->type == SZ_CELL_EV_MESSAGE && e->kind == SZ_KIND_POST && !e->mine)
		t->posts++;
	else
		t->other++;
}

/* The envelopes of node from's cell that node to lacks (malloc()ed each), as a sync brings them. */
static size_t
missing(tnet *t, int from, int to, uint8_t **envs, size_t *lens, size_t max)
{
	uint8_t sc[64][16];
	size_t ns = 0, k = 0;
	assert_int_equal(sz_cell_scopes(t->cl[from], sc, 64, &ns), SZ_OK);
	for (size_t s = 0; s < ns; s++) {
		sz_store_item *items;
		size_t count;
		assert_int_equal(sz_store_list_envelopes(t->nd[from]->store, sc[s], 0, UINT64_MAX, 0,
		    &items, &count), SZ_OK);
		for (size_t i = 0; i < count; i++)
			if (!tn_has(t->nd[to], items[i].id)) {
				assert_true(k < max);
				assert_int_equal(sz_store_get_envelope(t->nd[from]->store, items[i].id,
				    &envs[k], &lens[k]), SZ_OK);
				k++;
			}
		free(items);
	}
	return k;
}

/* A sync's posts are announced after the commit, each once; a batch rolled back (here by its
 * caller, after every post was filed) announces nothing, and its posts come again, announced,
 * with the next batch. */
static void
test_events_after_commit(void **state)
{
	(void)state;
	tnet t;
	tn_new(&t, "events", 3);
	tn_join(&t, 0, 1);
	tn_join(&t, 0, 2);
	tn_mesh(&t, 7);
	told a = { .n = t.nd[1] }, b = { .n = t.nd[2] };
	t.nd[1]->on_event = on_told;
	t.nd[1]->event_ctx = &a;
	post_n(&t, 0, 5, 40);
	tn_result r = tn_sync(t.nd[1], t.nd[0]);
	assert_int_equal(r.ea, SZ_OK);
	assert_int_equal(r.a.stored, 5);
	assert_int_equal(a.posts, 5);
	assert_int_equal(a.in_batch, 0);
	assert_int_equal(a.lost, 0);
	/* Rolled back: the batch filed every post (the cell read them), then failed. */
	uint8_t *envs[16];
	size_t lens[16];
	size_t k = missing(&t, 0, 2, envs, lens, 16);
	assert_true(k >= 5);
	t.nd[2]->on_event = on_told;
	t.nd[2]->event_ctx = &b;
	assert_int_equal(sz_node_batch_begin(t.nd[2]), SZ_OK);
	int *res = calloc(k, sizeof *res);
	assert_int_equal(sz_node_ingest(t.nd[2], (const uint8_t *const *)envs, lens, k, res), SZ_OK);
	assert_int_equal(b.posts + b.other + b.lost, 0); /* held while the batch is open */
	assert_int_equal(sz_node_batch_end(t.nd[2], SZ_ERR_IO), SZ_ERR_IO);
	assert_int_equal(b.posts + b.other + b.lost, 0);
	assert_int_equal(t.nd[2]->nheld, 0);
	for (size_t i = 0; i < k; i++) {
		uint8_t id[32];
		assert_int_equal(sz_env_id(id, envs[i], lens[i]), SZ_OK);
		assert_false(tn_has(t.nd[2], id));
	}
	/* Unlocked again (its cell reloaded as committed): the same batch, committed, announced. */
	tn_reopen(&t, 2);
	t.nd[2]->on_event = on_told;
	t.nd[2]->event_ctx = &b;
	b.n = t.nd[2];
	assert_int_equal(sz_node_ingest(t.nd[2], (const uint8_t *const *)envs, lens, k, res), SZ_OK);
	assert_int_equal(b.posts, 5);
	assert_int_equal(b.in_batch, 0);
	free(res);
	for (size_t i = 0; i < k; i++)
		free(envs[i]);
	tn_free(&t);
}

/* A public envelope of a leaflet, malloc()ed. */
static uint8_t *
leaflet(const uint8_t sk[64], uint32_t k, size_t *len)
{
	uint8_t *e, *env, id[32];
	size_t el;
	char body[64];
	int w = snprintf(body, sizeof body, "leaflet %u", k);
	assert_int_equal(sz_entry_build(&e, &el, id, SZ_KIND_LEAFLET, NULL, 0, 1700000000000ull + k,
	    (const uint8_t *)body, (size_t)w, sk), SZ_OK);
	assert_int_equal(sz_env_wrap_public(&env, len, e, el), SZ_OK);
	free(e);
	return env;
}

/* What the pool checks is what the writer alone checks: the same verdict for every item, in
 * order, forged, repeated and malformed ones among good ones. */
static void
test_pool_matches_inline(void **state)
{
	(void)state;
	enum { N = 700 };
	char dir[TN_DIR_BYTES];
	sz_node *nd[2];
	uint8_t pk[32], sk[64], seed[32] = { 16 }, *envs[N];
	size_t lens[N];
	int ra[N], rb[N], want[N];
	assert_int_equal(sz_sign_seed_keypair(pk, sk, seed), SZ_OK);
	for (uint32_t i = 0; i < N; i++) {
		want[i] = SZ_OK;
		if (i % 11 == 5) { /* the one before, again */
			envs[i] = malloc(lens[i - 1]);
			memcpy(envs[i], envs[i - 1], lens[i - 1]);
			lens[i] = lens[i - 1];
			want[i] = want[i - 1] == SZ_OK ? SZ_ERR_EXISTS : want[i - 1];
			continue;
		}
		envs[i] = leaflet(sk, i, &lens[i]);
		if (i % 7 == 3) { /* a bit of the signature flipped */
			envs[i][SZ_ENV_HEADER_BYTES + 4 + sz_load_u32(envs[i] + SZ_ENV_HEADER_BYTES) - 1] ^= 1;
			want[i] = SZ_ERR_BAD_SIGNATURE;
		} else if (i % 13 == 0) { /* padded to a larger bucket than it needs */
			uint8_t *big = calloc(1, 1024);
			memcpy(big, envs[i], lens[i]);
			free(envs[i]);
			envs[i] = big;
			lens[i] = 1024;
			want[i] = SZ_ERR_NONCANONICAL;
		}
	}
	assert_int_equal(tn_nodes(dir, "pool", nd, 2), 0);
	unsetenv("SAMIZDAT_THREADS");
	assert_int_equal(sz_node_ingest(nd[0], (const uint8_t *const *)envs, lens, N, ra), SZ_OK);
	assert_non_null(nd[0]->pool);
	setenv("SAMIZDAT_THREADS", "0", 1);
	assert_int_equal(sz_node_ingest(nd[1], (const uint8_t *const *)envs, lens, N, rb), SZ_OK);
	unsetenv("SAMIZDAT_THREADS");
	assert_null(nd[1]->pool);
	for (size_t i = 0; i < N; i++) {
		assert_int_equal(ra[i], want[i]);
		assert_int_equal(rb[i], want[i]);
	}
	assert_int_equal(tn_envelopes(nd[0]), tn_envelopes(nd[1]));
	/* A peer's batch under labels that do not include the public one: refused, not checked. */
	uint8_t other[1][16] = { { 7 } };
	assert_int_equal(sz_node_ingest_shared(nd[0], (const uint8_t(*)[16])other, 1,
	    (const uint8_t *const *)envs, lens, NULL, N, ra), SZ_OK);
	for (size_t i = 0; i < N; i++)
		assert_int_equal(ra[i], SZ_ERR_DENIED);

	/* Checked ahead (a sync session's next batch, checked while the one before commits): the
	 * same verdicts, the batch before settled when the next one takes the pool. */
	char dir2[TN_DIR_BYTES];
	sz_node *nc[1];
	uint8_t pub[1][16];
	sz_env_public_scope(pub[0]);
	assert_int_equal(tn_nodes(dir2, "ahead", nc, 1), 0);
	const uint8_t *const *ev = (const uint8_t *const *)envs;
	enum { H = N / 2 };
	sz_node_ahead *a1 = sz_node_check_ahead(nc[0], (const uint8_t(*)[16])pub, 1, ev, lens, NULL,
	    H);
	assert_non_null(a1);
	assert_ptr_equal(nc[0]->pool_ahead, a1);
	sz_node_ahead *a2 = sz_node_check_ahead(nc[0], (const uint8_t(*)[16])pub, 1, ev + H,
	    lens + H, NULL, N - H);
	assert_non_null(a2);
	assert_ptr_equal(nc[0]->pool_ahead, a2);
	assert_int_equal(sz_node_ingest_ahead(nc[0], a1, ra), SZ_OK);
	assert_int_equal(sz_node_ingest_ahead(nc[0], a2, ra + H), SZ_OK);
	assert_null(nc[0]->pool_ahead);
	for (size_t i = 0; i < N; i++)
		assert_int_equal(ra[i], want[i]);
	assert_int_equal(tn_envelopes(nc[0]), tn_envelopes(nd[1]));
	/* Dropped unstored: nothing stored, the pool free again for the next batch. */
	size_t held = tn_envelopes(nc[0]);
	uint8_t *more[N];
	for (uint32_t i = 0; i < N; i++)
		more[i] = leaflet(sk, N + i, &lens[i]);
	sz_node_ahead *a3 = sz_node_check_ahead(nc[0], (const uint8_t(*)[16])pub, 1,
	    (const uint8_t *const *)more, lens, NULL, N);
	assert_non_null(a3);
	sz_node_ahead_free(a3);
	assert_null(nc[0]->pool_ahead);
	assert_int_equal(tn_envelopes(nc[0]), held);
	/* Under labels without the public one nothing is taken, so nothing is checked ahead (and
	 * the batch is refused when stored, as above). */
	assert_null(sz_node_check_ahead(nc[0], (const uint8_t(*)[16])other, 1,
	    (const uint8_t *const *)more, lens, NULL, N));
	/* A small batch is not checked ahead (checked as it is stored). */
	assert_null(sz_node_check_ahead(nc[0], (const uint8_t(*)[16])pub, 1,
	    (const uint8_t *const *)more, lens, NULL, 3));
	/* A tampered envelope among the good ones, checked ahead: refused, the others stored. */
	more[N / 2][SZ_ENV_HEADER_BYTES + 4 + sz_load_u32(more[N / 2] + SZ_ENV_HEADER_BYTES) - 1] ^= 1;
	a3 = sz_node_check_ahead(nc[0], (const uint8_t(*)[16])pub, 1,
	    (const uint8_t *const *)more, lens, NULL, N);
	assert_non_null(a3);
	assert_int_equal(sz_node_ingest_ahead(nc[0], a3, rb), SZ_OK);
	for (size_t i = 0; i < N; i++)
		assert_int_equal(rb[i], i == N / 2 ? SZ_ERR_BAD_SIGNATURE : SZ_OK);
	assert_int_equal(tn_envelopes(nc[0]), held + N - 1);
	/* Without a pool, nothing is checked ahead. */
	setenv("SAMIZDAT_THREADS", "0", 1);
	assert_null(sz_node_check_ahead(nd[1], (const uint8_t(*)[16])pub, 1,
	    (const uint8_t *const *)more, lens, NULL, N));
	unsetenv("SAMIZDAT_THREADS");
	for (size_t i = 0; i < N; i++) {
		free(envs[i]);
		free(more[i]);
	}
	tn_nodes_free(dir2, nc, 1);
	tn_nodes_free(dir, nd, 2);
}

/* Through a real sync session: a full batch is held and checked on the pool while the one
 * before commits; all arrive, one commit a batch. */
static void
test_sync_checks_ahead(void **state)
{
	(void)state;
	enum { N = 2 * SZ_BATCH_MAX_ENVELOPES + 808 };
	char dir[TN_DIR_BYTES];
	sz_node *nd[2];
	uint8_t pk[32], sk[64], seed[32] = { 17 };
	uint8_t **envs = calloc(N, sizeof *envs);
	size_t *lens = calloc(N, sizeof *lens);
	assert_non_null(envs);
	assert_non_null(lens);
	assert_int_equal(sz_sign_seed_keypair(pk, sk, seed), SZ_OK);
	for (uint32_t i = 0; i < N; i++)
		envs[i] = leaflet(sk, i, &lens[i]);
	assert_int_equal(tn_nodes(dir, "syncahead", nd, 2), 0);
	tn_result r = tn_sync(nd[1], nd[0]); /* what a first session writes, written */
	assert_int_equal(r.ea, SZ_OK);
	for (size_t i = 0; i < N; i += SZ_BATCH_MAX_ENVELOPES)
		assert_int_equal(sz_node_ingest(nd[0], (const uint8_t *const *)envs + i, lens + i,
		    N - i < SZ_BATCH_MAX_ENVELOPES ? N - i : SZ_BATCH_MAX_ENVELOPES, NULL), SZ_OK);
	uint64_t c0 = sz_store_commits(nd[1]->store);
	r = tn_sync(nd[1], nd[0]);
	assert_int_equal(r.ea, SZ_OK);
	assert_int_equal(r.eb, SZ_OK);
	assert_int_equal(r.a.stored, N);
	assert_int_equal(tn_envelopes(nd[1]), N);
	assert_int_equal(nd[1]->checked_ahead, 2); /* the two full batches; the short last one not */
	assert_null(nd[1]->pool_ahead);
	assert_int_equal(sz_store_commits(nd[1]->store) - c0, 3);
	for (size_t i = 0; i < N; i++)
		free(envs[i]);
	free(envs);
	free(lens);
	tn_nodes_free(dir, nd, 2);
}

/* A leaflet of body bytes (k in its first bytes), as a public envelope. */
static uint8_t *
big_leaflet(const uint8_t sk[64], uint32_t k, size_t body, size_t *len)
{
	uint8_t *e, *env, id[32], *b = calloc(1, body);
	size_t el;
	assert_non_null(b);
	snprintf((char *)b, body, "big leaflet %u", k);
	assert_int_equal(sz_entry_build(&e, &el, id, SZ_KIND_LEAFLET, NULL, 0, 1700000000000ull + k,
	    b, body, sk), SZ_OK);
	assert_int_equal(sz_env_wrap_public(&env, len, e, el), SZ_OK);
	free(e);
	free(b);
	return env;
}

/* What a sync sends is read with the page of ids that lists it (up to 1 MiB), not looked up by
 * id: every get gives the store's bytes, in or out of the page's order, past the budget too;
 * and nothing deleted after the page was read leaves. */
static void
test_send_page(void **state)
{
	(void)state;
	enum { N = 200, BODY = 8000 };
	char dir[TN_DIR_BYTES];
	sz_node *nd[1];
	uint8_t pk[32], sk[64], seed[32] = { 19 }, *envs[N], pub[16], cursor[64] = { 0 };
	uint8_t (*ids)[32] = malloc(4096 * 32);
	size_t lens[N], k = 0;
	assert_non_null(ids);
	assert_int_equal(sz_sign_seed_keypair(pk, sk, seed), SZ_OK);
	for (uint32_t i = 0; i < N; i++)
		envs[i] = big_leaflet(sk, i, BODY, &lens[i]);
	assert_int_equal(tn_nodes(dir, "sendpage", nd, 1), 0);
	assert_int_equal(sz_node_ingest(nd[0], (const uint8_t *const *)envs, lens, N, NULL), SZ_OK);
	sz_sync_config cfg;
	void *mem;
	assert_int_equal(sz_node_sync_config(nd[0], SZ_NOISE_RESPONDER, &cfg, &mem), SZ_OK);
	sz_env_public_scope(pub);
	assert_int_equal(cfg.hooks.list_page(cfg.hooks.ctx, pub, cursor, 4096, ids, &k), SZ_OK);
	assert_int_equal(k, N);
	/* 200 envelopes of 8 KiB: about 32 kept (256 KiB), the rest read by id */
	for (size_t i = 0; i < N; i++) {
		size_t j = i == 0 ? 5 : i == 5 ? 0 : i; /* two out of the page's order */
		uint8_t *got, *want;
		size_t gl, wl;
		assert_int_equal(cfg.hooks.get(cfg.hooks.ctx, ids[j], &got, &gl), SZ_OK);
		assert_int_equal(sz_store_get_envelope(nd[0]->store, ids[j], &want, &wl), SZ_OK);
		assert_int_equal(gl, wl);
		assert_memory_equal(got, want, gl);
		free(got);
		free(want);
	}
	/* Read again; then retention deletes the first half: none of it leaves after that. */
	memset(cursor, 0, sizeof cursor);
	assert_int_equal(cfg.hooks.list_page(cfg.hooks.ctx, pub, cursor, 4096, ids, &k), SZ_OK);
	assert_int_equal(k, N);
	uint8_t *got;
	size_t gl, gone = 0;
	assert_int_equal(cfg.hooks.get(cfg.hooks.ctx, ids[0], &got, &gl), SZ_OK);
	free(got);
	assert_int_equal(sz_store_expire(nd[0]->store, pub, 1700000000000ull + N / 2, &gone), SZ_OK);
	assert_true(gone >= N / 2);
	for (size_t i = 1; i < N; i++) {
		int r = cfg.hooks.get(cfg.hooks.ctx, ids[i], &got, &gl);
		assert_int_equal(r, i < N / 2 ? SZ_ERR_NOT_FOUND : SZ_OK);
		if (r == SZ_OK)
			free(got);
	}
	sz_node_sync_config_free(mem);
	for (size_t i = 0; i < N; i++)
		free(envs[i]);
	free(ids);
	tn_nodes_free(dir, nd, 1);
}

static off_t
file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? st.st_size : 0;
}

/* A batch of a cell's posts fails on a full disk in the middle: nothing of it stays on disk, the
 * node refuses further batches (its cell moved on in memory) and does not save that state when
 * locked; unlocked again, it takes the same batch and reads every post. */
static void
test_full_disk_mid_batch(void **state)
{
	(void)state;
	enum { N = 120 };
	tnet t;
	char home[128], db[160];
	tn_new(&t, "full", 2);
	tn_join(&t, 0, 1);
	tn_mesh(&t, 3);
	size_t before = posts(t.nd[1], t.cl[1]);
	post_n(&t, 0, N, 3000); /* 4 KiB envelopes: about 0.5 MB to store */
	/* What A holds of the cell that B lacks, as a sync would bring it. */
	uint8_t sc[64][16], *envs[N + 8];
	size_t ns = 0, k = 0, lens[N + 8];
	assert_int_equal(sz_cell_scopes(t.cl[0], sc, 64, &ns), SZ_OK);
	for (size_t s = 0; s < ns; s++) {
		sz_store_item *items;
		size_t count;
		assert_int_equal(sz_store_list_envelopes(t.nd[0]->store, sc[s], 0, UINT64_MAX, 0, &items,
		    &count), SZ_OK);
		for (size_t i = 0; i < count; i++)
			if (!tn_has(t.nd[1], items[i].id)) {
				assert_true(k < N + 8);
				assert_int_equal(sz_store_get_envelope(t.nd[0]->store, items[i].id, &envs[k],
				    &lens[k]), SZ_OK);
				k++;
			}
		free(items);
	}
	assert_true(k >= N);
	tn_home(&t, 1, home, sizeof home);
	snprintf(db, sizeof db, "%s/db", home);
	sz_node_close(t.nd[1]);
	t.nd[1] = NULL;
	off_t size = file_size(db);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		signal(SIGXFSZ, SIG_IGN);
		sz_node *b = NULL;
		struct rlimit rl = { (rlim_t)size + (64 << 10), (rlim_t)size + (64 << 10) };
		if (sz_node_open(&b, home, "pw", 2) != SZ_OK || setrlimit(RLIMIT_FSIZE, &rl) != 0)
			_exit(2);
		told tb = { .n = b };
		b->on_event = on_told;
		b->event_ctx = &tb;
		int r = sz_node_ingest(b, (const uint8_t *const *)envs, lens, k, NULL);
		if (r != SZ_ERR_DISK_FULL && r != SZ_ERR_IO)
			_exit(3);
		if (tb.posts + tb.other + tb.lost != 0) /* rolled back: nothing announced */
			_exit(6);
		if (!b->broken)
			_exit(4);
		/* No more batches: even one that would fit. */
		if (sz_node_ingest(b, (const uint8_t *const *)envs, lens, 1, NULL) != SZ_ERR_STATE)
			_exit(5);
		sz_node_close(b);
		_exit(0);
	}
	int ws;
	assert_int_equal(waitpid(pid, &ws, 0), pid);
	assert_true(WIFEXITED(ws));
	assert_int_equal(WEXITSTATUS(ws), 0);
	/* Unlocked again: the store as before the batch, the cell as last committed. */
	t.nd[1] = tn_open(home);
	t.cl[1] = sz_node_cell_find(t.nd[1], "print shop");
	assert_non_null(t.cl[1]);
	assert_int_equal(sz_store_check(t.nd[1]->store), SZ_OK);
	assert_int_equal(posts(t.nd[1], t.cl[1]), before);
	for (size_t i = 0; i < k; i++) {
		uint8_t id[32];
		assert_int_equal(sz_env_id(id, envs[i], lens[i]), SZ_OK);
		assert_false(tn_has(t.nd[1], id));
	}
	/* The same batch again, with room: every post opens (no key of the cell was lost). */
	int *res = calloc(k, sizeof *res);
	assert_int_equal(sz_node_ingest(t.nd[1], (const uint8_t *const *)envs, lens, k, res), SZ_OK);
	size_t ok = 0;
	for (size_t i = 0; i < k; i++) {
		/* (an op of the cell that B had applied and declined, listed as such: no fault) */
		assert_true(res[i] == SZ_OK || res[i] == SZ_ERR_EXISTS);
		ok += res[i] == SZ_OK;
	}
	assert_true(ok >= N);
	assert_int_equal(posts(t.nd[1], t.cl[1]), before + N);
	free(res);
	for (size_t i = 0; i < k; i++)
		free(envs[i]);
	tn_free(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_commit_per_session),
		cmocka_unit_test(test_events_after_commit),
		cmocka_unit_test(test_pool_matches_inline),
		cmocka_unit_test(test_full_disk_mid_batch),
		cmocka_unit_test(test_sync_checks_ahead),
		cmocka_unit_test(test_send_page),
	};
	if (sz_init() != SZ_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
