/*
 * node_sync.c - what flows in and out of a node: ingesting envelopes (from sync sessions, with
 * the rule of what a session may bring, and from bundles), the scopes it lists, and the hooks a
 * sync session calls.  Layer: app.  What it offers is node_offer.c's.
 */
#include "app/node_int.h"
#include "app/node_decide.h"

#include <stdlib.h>
#include <string.h>

#include "cell/cell.h"
#include "crypto/crypto.h"
#include "store/scopes.h"
#include "sync/frame.h"
#include "wire/envelope.h"

/* What becomes of an incoming envelope, decided before anything is stored. */
enum take { TAKE_STORE = 1, TAKE_CELL, TAKE_QUAR, TAKE_REFUSE };

/* Is label one of the sorted shared ones? */
static bool
label_shared(const uint8_t (*shared)[16], size_t nshared, const uint8_t label[16])
{
	for (size_t i = 0; i < nshared; i++)
		if (memcmp(shared[i], label, 16) == 0)
			return true;
	return false;
}

/* docs/PROTOCOL.md §8, Acceptance.  filter false: a local import (every label counts as
 * shared). */
static enum take
classify(sz_node *n, bool filter, const uint8_t (*shared)[16], size_t nshared, bool cell_shared,
    const uint8_t *env, size_t len)
{
	uint8_t pub[SZ_SCOPE_BYTES], label[16];
	if (len < SZ_ENV_HEADER_BYTES || (env[0] != SZ_ENV_PUBLIC && env[0] != SZ_ENV_SEALED))
		return TAKE_STORE; /* the store's parser says why not */
	sz_env_public_scope(pub);
	if (env[0] == SZ_ENV_PUBLIC)
		return !filter || label_shared(shared, nshared, pub) ? TAKE_STORE : TAKE_REFUSE;
	if (memcmp(env + 1, pub, 16) == 0)
		return TAKE_REFUSE; /* a sealed envelope under the public tag: nobody's */
	if (sz_node_scope_label(n, env + 1, label) == SZ_OK)
		return !filter || label_shared(shared, nshared, label) ? TAKE_CELL : TAKE_REFUSE;
	return !filter || cell_shared ? TAKE_QUAR : TAKE_REFUSE;
}

/* Items stored per call while the pool checks those after them. */
#define STORE_STEP 64
/* Without a pool, the writer checks this many at a time before storing them: a signature's
 * verify between every 64 inserts would push SQLite's index pages out of the core's caches
 * (an insert's b-tree search then costs twice as much). */
#define CHECK_AHEAD 512

/* A leaflet's chunk that does not fit the quota is not stored (SZ_ERR_LIMIT); the others of
 * a step are counted once stored, so a quota may be passed by one step (64 envelopes). */
static void
quota_filter(sz_node *n, sz_env_in *in, size_t m)
{
	uint8_t pub[SZ_SCOPE_BYTES];
	sz_env_public_scope(pub);
	for (size_t j = 0; j < m; j++)
		if (in[j].err == SZ_OK && in[j].env.format == SZ_ENV_PUBLIC &&
		    in[j].env.entry.kind == SZ_KIND_CHUNK &&
		    !sz_node_chunk_fits(n, pub, in[j].env.entry.body_len))
			in[j].err = SZ_ERR_LIMIT;
}

/* Store the kept items (kidx maps them to the batch's), checked on the pool as they are
 * stored (unless checked already): res gets each one's result.  bare: this batch began the
 * store's transaction (no operation or batch around it), which goes whole if anything fails,
 * so a step needs no savepoint of its own. */
static int
store_checked(sz_node *n, sz_env_in *in, const size_t *kidx, size_t nk, int *res, bool bare,
    bool checked)
{
	sz_node_check ck = { 0 };
	int kres[STORE_STEP], r = SZ_OK;
	if (!checked) /* else checked ahead: ck.n 0 makes every wait a no-op */
		sz_node_check_begin(n, &ck, in, nk);
	for (size_t k = 0; k < nk && r == SZ_OK; k += STORE_STEP) {
		size_t m = nk - k < STORE_STEP ? nk - k : STORE_STEP;
		sz_node_check_wait(&ck, ck.pool != NULL ? k + m : (k / CHECK_AHEAD + 1) * CHECK_AHEAD);
		quota_filter(n, in + k, m);
		r = bare ? sz_store_put_checked_bare(n->store, in + k, m, kres) :
		    sz_store_put_checked(n->store, in + k, m, kres);
		if (r != SZ_OK)
			r = sz_node_fail(n, r, "%s", sz_store_errmsg(n->store));
		for (size_t j = 0; j < m && r == SZ_OK; j++) {
			res[kidx[k + j]] = kres[j];
			n->stored += kres[j] == SZ_OK;
		}
	}
	sz_node_check_end(&ck);
	return r;
}

/* A leaflet's chunk is noted (it fit the quota when it was stored); a leaflet's files too. */
static int
public_files(sz_node *n, const sz_env_in *in)
{
	const sz_entry *e = &in->env.entry;
	uint8_t h[32];
	sz_body body;
	int r = SZ_OK;
	if (e->kind == SZ_KIND_CHUNK) {
		if ((r = sz_blake2b(h, 32, e->body, e->body_len, NULL, 0)) == SZ_OK)
			r = sz_node_chunk_take(n, in->env.scope, in->id, h, NULL, e->body_len, true);
		return r;
	}
	if (e->kind == SZ_KIND_LEAFLET && sz_leaflet_body_decode(&body, e->body, e->body_len) == SZ_OK &&
	    body.nfiles > 0)
		r = sz_node_files_note(n, in->env.scope, in->env.entry_id, e->timestamp_ms, body.files,
		    body.nfiles);
	return r;
}

/* Is a label of one of my cells that syncs among the shared ones?  *qlabel: that label if
 * exactly one is (the quarantine's), else NULL. */
static bool
cells_shared(sz_node *n, const uint8_t (*shared)[16], size_t nshared, const uint8_t **qlabel)
{
	bool any = false;
	*qlabel = NULL;
	for (size_t i = 0, ncl = 0; i < nshared; i++)
		for (size_t j = 0; j < n->ncells; j++)
			if (sz_node_cell_syncs(n, &n->cells[j]) &&
			    memcmp(n->cells[j].label, shared[i], 16) == 0) {
				any = true;
				*qlabel = ++ncl == 1 ? shared[i] : NULL;
			}
	return any;
}

/* --- batches checked ahead of their storing ------------------------------------------------ */

struct sz_node_ahead {
	sz_node *n;
	bool filter;        /* shared given: a peer's batch (else a local import's) */
	const uint8_t (*shared)[16];
	size_t nshared;
	const uint8_t *const *envs;
	const size_t *lens;
	const uint8_t (*ids)[32];
	size_t count;
	sz_env_in *in;      /* the envelopes taken when it began, in batch order */
	size_t *pos;        /* pos[i]: envelope i's place in in, or SIZE_MAX (not checked) */
	size_t nin;
	sz_node_check ck;
};

sz_node_ahead *
sz_node_check_ahead(sz_node *n, const uint8_t (*shared)[16], size_t nshared,
    const uint8_t *const *envs, const size_t *lens, const uint8_t (*ids)[32], size_t count)
{
	const uint8_t *ql;
	if (n->broken || count == 0)
		return NULL;
	sz_node_ahead *a = calloc(1, sizeof *a);
	if (a == NULL || (a->in = calloc(count, sizeof *a->in)) == NULL ||
	    (a->pos = malloc(count * sizeof *a->pos)) == NULL) {
		sz_node_ahead_free(a);
		return NULL;
	}
	a->n = n;
	a->filter = shared != NULL;
	a->shared = shared;
	a->nshared = nshared;
	a->envs = envs;
	a->lens = lens;
	a->ids = ids;
	a->count = count;
	bool cs = cells_shared(n, shared, nshared, &ql);
	for (size_t i = 0; i < count; i++) {
		a->pos[i] = SIZE_MAX;
		if (classify(n, a->filter, shared, nshared, cs, envs[i], lens[i]) == TAKE_REFUSE)
			continue; /* refused unchecked, as ingest would */
		sz_env_in_init(&a->in[a->nin], envs[i], lens[i], ids != NULL ? ids[i] : NULL);
		a->pos[i] = a->nin++;
	}
	sz_node_check_begin(n, &a->ck, a->in, a->nin);
	if (a->ck.pool == NULL) { /* small, or no pool: nothing gained by holding the batch */
		sz_node_ahead_free(a);
		return NULL;
	}
	n->pool_ahead = a;
	n->checked_ahead++;
	return a;
}

/* Wait for a's checks (running them here if no pool runs them) and release the pool. */
static void
ahead_finish(sz_node_ahead *a)
{
	sz_node_check_wait(&a->ck, a->nin);
	sz_node_check_end(&a->ck);
	if (a->n->pool_ahead == a)
		a->n->pool_ahead = NULL;
}

void
sz_node_ahead_settle(sz_node *n)
{
	if (n->pool_ahead != NULL)
		ahead_finish(n->pool_ahead);
}

void
sz_node_ahead_free(sz_node_ahead *a)
{
	if (a == NULL)
		return;
	if (a->n != NULL && a->ck.pool != NULL)
		ahead_finish(a); /* the workers still read a->in */
	free(a->in);
	free(a->pos);
	free(a);
}

/* --- ingest ---------------------------------------------------------------------------------- */

static int
ingest(sz_node *n, bool filter, const uint8_t (*shared)[16], size_t nshared,
    const uint8_t *const *envs, const size_t *lens, const uint8_t (*ids)[32], size_t count,
    int *results, sz_node_ahead *a)
{
	int *res = results, r = SZ_ERR_NOMEM;
	bool outer = n->batch; /* an ingest inside an ingest (a cell's answer) shares its record */
	sz_env_in *in = NULL;
	const sz_env_in **quar = NULL;
	size_t *kidx = NULL, nk = 0, nq = 0;
	uint8_t (*qscopes)[16] = NULL;
	bool cell_shared = false;
	const uint8_t *qlabel = NULL; /* the one cell label shared, if one: the quarantine's */
	size_t c1 = count ? count : 1;
	if (res == NULL && (res = calloc(c1, sizeof *res)) == NULL)
		return SZ_ERR_NOMEM;
	if ((in = calloc(c1, sizeof *in)) == NULL || (kidx = calloc(c1, sizeof *kidx)) == NULL ||
	    (qscopes = calloc(c1, 16)) == NULL || (quar = calloc(c1, sizeof *quar)) == NULL)
		goto out;
	n->batch = true;
	cell_shared = cells_shared(n, shared, nshared, &qlabel);
	if (a != NULL)
		ahead_finish(a);
	/* Decide by the header, then list the quarantine's new scopes before anything of them is
	 * stored; what is refused is neither checked nor stored. */
	for (size_t i = 0; i < count; i++) {
		enum take t = classify(n, filter, shared, nshared, cell_shared, envs[i], lens[i]);
		if (t == TAKE_REFUSE) {
			res[i] = SZ_ERR_DENIED;
			continue;
		}
		if (t == TAKE_QUAR)
			memcpy(qscopes[nq++], envs[i] + 1, 16);
		if (a != NULL && a->pos[i] != SIZE_MAX) {
			in[nk] = a->in[a->pos[i]];
		} else {
			sz_env_in_init(&in[nk], envs[i], lens[i], ids != NULL ? ids[i] : NULL);
			if (a != NULL) /* taken now, not when it was checked ahead */
				sz_env_in_check(&in[nk], sz_store_max_body(n->store));
		}
		kidx[nk++] = i;
	}
	/* One transaction for the batch and all the cells make of it. */
	if ((r = sz_node_batch_begin(n)) != SZ_OK)
		goto out;
	if (nq > 0)
		r = sz_node_quar_prepare(n, (const uint8_t(*)[16])qscopes, qlabel, nq);
	if (r == SZ_OK)
		r = store_checked(n, in, kidx, nk, res, n->batch_depth == 1, a != NULL);
	/* File what this node can read: public entries are stored with their envelopes; sealed
	 * ones go through the cells that own them; the rest of the sealed ones to quarantine. */
	nq = 0;
	for (size_t k = 0; k < nk && r == SZ_OK; k++) {
		size_t i = kidx[k];
		if (res[i] == SZ_ERR_LIMIT) {
			/* Over the quota: listed, not held, no fault of the sender's. */
			res[i] = SZ_ERR_EXISTS;
			r = sz_node_unwanted(n, in[k].env.scope, in[k].id);
			continue;
		}
		if (res[i] != SZ_OK)
			continue;
		if (in[k].env.format == SZ_ENV_PUBLIC) {
			n->held_public = true; /* told after the commit (node_batch.c) */
			sz_node_sketch_note(n, in[k].env.scope, in[k].id);
			r = public_files(n, &in[k]);
			continue;
		}
		/* Sealed: its cell decides (a scope learnt earlier in this batch included: the cell's
		 * catch-up has fed it already and says so through the same call). */
		bool owned = false;
		int drop = 0;
		if ((r = sz_node_cells_receive(n, &in[k], &owned, &drop)) != SZ_OK)
			break;
		if (owned && drop == 1)
			res[i] = SZ_ERR_DECRYPT; /* deleted again: it does not open, counted refused */
		else if (owned && drop == 2)
			res[i] = SZ_ERR_EXISTS; /* opened and declined: not kept, listed, no fault */
		else if (!owned)
			quar[nq++] = &in[k];
	}
	/* Of an epoch unknown when they came: one the batch itself taught a cell meanwhile goes to
	 * it now (until nothing more is learnt), the rest to the quarantine. */
	for (bool progress = true; progress && r == SZ_OK;) {
		progress = false;
		for (size_t k = 0; k < nq && r == SZ_OK; k++) {
			size_t i = kidx[quar[k] - in];
			bool owned = false;
			int drop = 0;
			if ((r = sz_node_cells_receive(n, quar[k], &owned, &drop)) != SZ_OK || !owned)
				continue;
			res[i] = drop == 1 ? SZ_ERR_DECRYPT : drop == 2 ? SZ_ERR_EXISTS : SZ_OK;
			quar[k--] = quar[--nq];
			progress = true;
		}
	}
	if (r == SZ_OK && nq > 0)
		r = sz_node_quar_add(n, quar, nq);
	if (r == SZ_OK)
		r = sz_node_cells_save(n);
	r = sz_node_batch_end(n, r);
out:
	n->batch = outer;
	if (!outer)
		n->nfed = 0;
	free(in);
	free(kidx);
	free(qscopes);
	free(quar);
	if (res != results)
		free(res);
	return r;
}

int
sz_node_ingest(sz_node *n, const uint8_t *const *envs, const size_t *lens, size_t count,
    int *results)
{
	return ingest(n, false, NULL, 0, envs, lens, NULL, count, results, NULL);
}

int
sz_node_ingest_shared(sz_node *n, const uint8_t (*shared)[16], size_t nshared,
    const uint8_t *const *envs, const size_t *lens, const uint8_t (*ids)[32], size_t count,
    int *results)
{
	return ingest(n, true, shared, nshared, envs, lens, ids, count, results, NULL);
}

int
sz_node_ingest_ahead(sz_node *n, sz_node_ahead *a, int *results)
{
	int r = ingest(n, a->filter, a->shared, a->nshared, a->envs, a->lens, a->ids, a->count,
	    results, a);
	sz_node_ahead_free(a);
	return r;
}

int
sz_node_publish(sz_node *n, uint8_t *const *envs, const size_t *lens, size_t count)
{
	return sz_node_ingest(n, (const uint8_t *const *)envs, lens, count, NULL);
}

static int
cmp16(const void *a, const void *b)
{
	return memcmp(a, b, 16);
}

int
sz_node_scopes(sz_node *n, uint8_t **scopes, size_t *count)
{
	sz_buf b = { 0 };
	int r;
	*scopes = NULL;
	*count = 0;
	/* Public leaflets, then the epochs of the cells I am active in: what the labels I offer
	 * stand for.  Nothing else is listed to anyone (no relay scopes: PROTOCOL.md §8). */
	uint8_t pub[SZ_SCOPE_BYTES];
	sz_env_public_scope(pub);
	sz_buf_append(&b, pub, sizeof pub);
	if ((r = sz_node_cells_scopes(n, &b)) != SZ_OK)
		goto out;
	if ((r = b.err) != SZ_OK)
		goto out;
	size_t k = b.len / SZ_SCOPE_BYTES, w = 0;
	qsort(b.p, k, SZ_SCOPE_BYTES, cmp16);
	for (size_t i = 0; i < k; i++)
		if (w == 0 || memcmp(b.p + (w - 1) * 16, b.p + i * 16, 16) != 0)
			memmove(b.p + w++ * 16, b.p + i * 16, 16);
	b.len = w * SZ_SCOPE_BYTES;
	*count = w;
	r = sz_buf_take(&b, scopes, &(size_t){ 0 });
out:
	sz_buf_free(&b);
	return r;
}

/* --- sync session hooks ----------------------------------------------------------------- */

/* The ids listed under label: those of every scope it stands for (the public scope, or the
 * epochs the cell keeps now). */
static int
hook_list(void *ctx, const uint8_t label[SZ_SCOPE_BYTES],
    int (*fn)(void *fctx, const uint8_t id[32]), void *fctx)
{
	sz_node *n = ctx;
	uint8_t sc[64][16];
	size_t nsc = 0, nk = 0;
	const uint8_t (*declined)[32] = NULL;
	int r = sz_node_label_scopes(n, label, sc, 64, &nsc);
	if (r == SZ_ERR_NOT_FOUND)
		return SZ_OK; /* a cell I left since the session began: nothing */
	/* and what its cell opened and declined, and what the quarantine holds that came under it:
	 * listed, never sent */
	if (r == SZ_OK)
		r = sz_node_cell_declined(n, label, &declined, &nk);
	for (size_t i = 0; i < nk && r == SZ_OK; i++)
		r = fn(fctx, declined[i]);
	if (r == SZ_OK)
		r = sz_node_quar_listed(n, label, fn, fctx);
	if (r == SZ_OK)
		r = sz_store_unwanted_list(n->store, label, fn, fctx);
	for (size_t k = 0; k < nsc && r == SZ_OK; k++)
		r = sz_store_each_envelope(n->store, sc[k], fn, fctx); /* a page at a time */
	return r;
}

/* How many envelopes may be sent under label (everything goes): its scopes' counts. */
static int
hook_count(void *ctx, const uint8_t label[SZ_SCOPE_BYTES], uint64_t *count)
{
	sz_node *n = ctx;
	uint8_t sc[64][16];
	size_t nsc = 0;
	int r = sz_node_label_scopes(n, label, sc, 64, &nsc);
	*count = 0;
	if (r == SZ_ERR_NOT_FOUND)
		return SZ_OK;
	for (size_t k = 0; k < nsc && r == SZ_OK; k++) {
		uint64_t c = 0;
		if ((r = sz_store_count_envelopes(n->store, sc[k], &c)) == SZ_OK)
			*count += c;
	}
	return r;
}

/* The next ids that may be sent under label, after cursor: its scopes in byte order, each in
 * (time, id) order.  cursor: u8 started ‖ scope[16] ‖ u64 time ‖ id[32] (57 of its 64 bytes). */
static int
hook_page(void *ctx, const uint8_t label[SZ_SCOPE_BYTES], uint8_t *cursor, size_t max,
    uint8_t (*ids)[32], size_t *count)
{
	sz_node *n = ctx;
	uint8_t sc[64][16];
	size_t nsc = 0;
	sz_store_item page[256];
	int r = sz_node_label_scopes(n, label, sc, 64, &nsc);
	*count = 0;
	if (r == SZ_ERR_NOT_FOUND)
		return SZ_OK; /* a cell I left since: nothing more */
	if (r != SZ_OK)
		return r;
	struct sz_node_sendpage *keep = sz_node_sendpage_reset(n, max);
	qsort(sc, nsc, 16, cmp16);
	for (size_t k = 0; k < nsc && *count < max; k++) {
		int c = cursor[0] ? memcmp(sc[k], cursor + 1, 16) : 1;
		if (c < 0)
			continue; /* walked already */
		sz_store_item after;
		bool resume = c == 0;
		if (resume) {
			after.time_ms = sz_load_u64le(cursor + 17);
			memcpy(after.id, cursor + 25, 32);
		}
		for (;;) {
			size_t want = max - *count < 256 ? max - *count : 256, got = 0;
			if ((r = sz_node_sendpage_walk(n, keep, sc[k], resume ? &after : NULL, want, page, &got))
			    != SZ_OK)
				return r;
			for (size_t i = 0; i < got; i++)
				memcpy(ids[(*count)++], page[i].id, 32);
			if (got > 0) {
				after = page[got - 1];
				resume = true;
				cursor[0] = 1;
				memcpy(cursor + 1, sc[k], 16);
				sz_store_u64le(cursor + 17, after.time_ms);
				memcpy(cursor + 25, after.id, 32);
			}
			if (got < want || *count == max)
				break;
		}
		if (*count < max) {
			/* this scope is done: the next one starts from its first envelope */
			cursor[0] = 1;
			memcpy(cursor + 1, sc[k], 16);
			memset(cursor + 17, 0xff, 8 + 32);
		}
	}
	return SZ_OK;
}

/* Only what is held under a label leaves (never the quarantine's, nor another cell's). */
static int
hook_get(void *ctx, const uint8_t id[32], uint8_t **env, size_t *len)
{
	sz_node *n = ctx;
	uint8_t label[16];
	int r = sz_node_sendpage_take(n, id, env, len) ? SZ_OK :
	    sz_store_get_envelope(n->store, id, env, len);
	if (r == SZ_OK && (*len < SZ_ENV_HEADER_BYTES ||
	    sz_node_scope_label(n, *env + 1, label) != SZ_OK)) {
		free(*env);
		*env = NULL;
		*len = 0;
		r = SZ_ERR_NOT_FOUND;
	}
	return r;
}

static int
hook_store(void *ctx, const uint8_t (*shared)[SZ_SCOPE_BYTES], size_t nshared,
    const uint8_t *const *envs, const size_t *lens, const uint8_t (*ids)[32], size_t count,
    int *results)
{
	return sz_node_ingest_shared(ctx, shared, nshared, envs, lens, ids, count, results);
}

static void *
hook_check(void *ctx, const uint8_t (*shared)[SZ_SCOPE_BYTES], size_t nshared,
    const uint8_t *const *envs, const size_t *lens, const uint8_t (*ids)[32], size_t count)
{
	return sz_node_check_ahead(ctx, shared, nshared, envs, lens, ids, count);
}

static int
hook_store_checked(void *ctx, void *checked, int *results)
{
	return sz_node_ingest_ahead(ctx, checked, results);
}

static void
hook_drop(void *ctx, void *checked)
{
	(void)ctx;
	sz_node_ahead_free(checked);
}

/* For a session on the public onion: only what the public scope holds leaves. */
static int
hook_get_public(void *ctx, const uint8_t id[32], uint8_t **env, size_t *len)
{
	uint8_t pub[16];
	int r = hook_get(ctx, id, env, len);
	sz_env_public_scope(pub);
	if (r == SZ_OK && memcmp(*env + 1, pub, 16) != 0) {
		free(*env);
		*env = NULL;
		*len = 0;
		r = SZ_ERR_NOT_FOUND;
	}
	return r;
}

/* What the session offers: the public scope (one token under its own tag) and the pairs. */
typedef struct offer_mem {
	uint8_t pub[1][SZ_SCOPE_BYTES];
	sz_sync_pair *pairs;   /* guarded */
	size_t npairs;
} offer_mem;

void
sz_node_sync_config_free(void *mem)
{
	offer_mem *m = mem;
	if (m == NULL)
		return;
	sz_secret_free(m->pairs);
	free(m);
}

int
sz_node_sync_config(sz_node *n, sz_noise_role role, sz_sync_config *cfg, void **mem)
{
	int r;
	memset(cfg, 0, sizeof *cfg);
	*mem = NULL;
	/* Ballots and pledges whose time has come leave with this session. */
	if (sz_node_pending_run(n, NULL) != SZ_OK) {
		/* kept for the next run; the sync goes ahead */
	}
	/* What has waited in quarantine past its time goes now, and cells I left whose parting
	 * time is up. */
	if (sz_node_quar_sweep(n) != SZ_OK || sz_node_cells_parting_end(n) != SZ_OK) {
		/* tried again at the next session */
	}
	offer_mem *m = calloc(1, sizeof *m);
	if (m == NULL)
		return SZ_ERR_NOMEM;
	sz_env_public_scope(m->pub[0]);
	if ((r = sz_node_offers(n, &m->pairs, &m->npairs)) != SZ_OK) {
		sz_node_sync_config_free(m);
		return r;
	}
	*mem = m;
	cfg->role = role;
	cfg->static_sk = n->tr_sk;
	cfg->scopes = (const uint8_t(*)[SZ_SCOPE_BYTES])m->pub;
	cfg->nscopes = 1;
	cfg->pairs = m->pairs;
	cfg->npairs = m->npairs;
	cfg->methods = SZ_RECON_RIBLT | SZ_RECON_NEGENTROPY | SZ_RECON_LIST;
	cfg->hooks.ctx = n;
	cfg->hooks.list_ids = hook_list;
	cfg->hooks.get = hook_get;
	cfg->hooks.store = hook_store;
	cfg->hooks.check = hook_check;
	cfg->hooks.store_checked = hook_store_checked;
	cfg->hooks.drop = hook_drop;
	cfg->hooks.on_join = role == SZ_NOISE_RESPONDER ? sz_node_on_join : NULL;
	cfg->hooks.sketch_get = sz_node_sketch_get;
	cfg->hooks.sketch_put = sz_node_sketch_put;
	cfg->hooks.sketch_size = sz_node_sketch_size;
	cfg->hooks.find_prefix = sz_node_find_prefix;
	cfg->hooks.sketch_build = sz_node_sketch_build;
	cfg->hooks.count_ids = hook_count;
	cfg->hooks.list_page = hook_page;
	cfg->env = n->env;
	return SZ_OK;
}

int
sz_node_sync_config_public(sz_node *n, sz_sync_config *cfg, void **mem)
{
	int r = sz_node_sync_config(n, SZ_NOISE_RESPONDER, cfg, mem);
	if (r != SZ_OK)
		return r;
	/* No pair token: no label of a cell can be shared, whatever the peer offers; no
	 * invitation is redeemed here (they name the cells' onion); only public envelopes leave. */
	cfg->pairs = NULL;
	cfg->npairs = 0;
	cfg->hooks.on_join = NULL;
	cfg->hooks.get = hook_get_public;
	return SZ_OK;
}
