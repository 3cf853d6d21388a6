/*
 * node_sketch.c - the RIBLT sketches a node keeps for its sync sessions (docs/PROTOCOL.md §8):
 * one per set of shared labels (the public scope, cells' sync labels), built from the store the
 * first time a session asks after unlock, kept current as envelopes are listed under a label,
 * and lent to sessions, so that reconciling a difference of d costs O(d) work instead of a walk
 * over every id.  Layer: app.
 *
 * Every sketch here is sourced (recon/riblt.h): it holds its K coded symbols and the set's size,
 * not the ids, which stay in the store; a node's sketches cost O(K) memory whatever its store
 * holds (issue 16).  What a label lists is its stored envelopes (walked through the store's
 * index), plus the ids its cell declined and those the quarantine holds under it (the "extra"
 * ids, a bounded list kept with the sketch so that each is counted once).  A recovered id is
 * checked against the store by prefix; growing K walks the store again.
 *
 * A lent sketch must not change (the session's coded symbols describe it): what is listed while
 * it is out waits in a pending list and goes in when the last borrower gives it back, and the
 * sketch's walks and checks leave the pending ids out, so that its cells and its source agree.
 * Nothing here is persisted (PROTOCOL §6.6 says why); anything that takes envelopes out of a
 * label's set, and a new epoch's envelopes coming under a label at once, drops that label's
 * sketches (sz_node_sketches_drop_label): the next session rebuilds them.  A sealed envelope goes
 * in only once its cell kept it, so the junk a cell drops never touches a sketch.
 */
#include "app/node_int.h"

#include <stdlib.h>
#include <string.h>

#include "recon/riblt.h"
#include "recon/riblt_wire.h"
#include "store/scopes.h"
#include "wire/envelope.h"

#define SKETCH_SLOTS 4                  /* distinct scope sets kept (peers share different ones) */
#define PENDING_MAX (1u << 16)          /* ids held back while a sketch is lent (1.25 MiB) */
#define BUILD_CELLS 512                 /* K of a sketch built for one session (a salted one) */
#define SYM SZ_RIBLT_ID_SYMBOL_BYTES

/* A sorted set of symbols (a few thousand at most: declined and quarantined ids, or pending). */
typedef struct symset {
	uint8_t (*v)[SYM];
	size_t n, cap;
} symset;

/* What a sourced sketch of this node stands for. */
typedef struct src_ctx {
	sz_node *n;
	uint8_t (*labels)[SZ_SCOPE_BYTES];  /* sorted */
	size_t nlabels;
	symset extra;                       /* listed under the labels but not stored under them */
	struct sz_node_sketch *slot;        /* the kept sketch's slot (its pending ids are left
	                                     * out), or NULL for a sketch of one session */
	symset excl;                        /* sorted copy of slot->pending */
	uint64_t excl_gen;                  /* slot->pending_gen when excl was made */
} src_ctx;

struct sz_node_sketch {
	uint8_t key[SZ_RIBLT_KEY_BYTES];
	uint8_t (*scopes)[SZ_SCOPE_BYTES];  /* the labels, sorted */
	size_t nscopes;
	sz_riblt_sketch *sk;                /* NULL: the slot is free */
	src_ctx *src;                       /* sk's (owned by sk) */
	unsigned lent;
	uint8_t (*pending)[SYM];
	size_t npending, cap;
	uint64_t pending_gen;               /* bumped whenever pending changes */
	bool stale;                         /* pending overflowed or the set lost ids: dropped
	                                     * when given back */
	uint64_t used;
};

static int
cmp_sym(const void *a, const void *b)
{
	return memcmp(a, b, SYM);
}

static int
cmp_scope(const void *a, const void *b)
{
	return memcmp(a, b, SZ_SCOPE_BYTES);
}

static bool
symset_has(const symset *s, const uint8_t *sym)
{
	return s->n > 0 && bsearch(sym, s->v, s->n, SYM, cmp_sym) != NULL;
}

/* Insert sym in order.  SZ_ERR_EXISTS if it is there, SZ_ERR_NOMEM. */
static int
symset_add(symset *s, const uint8_t *sym)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(s->v[mid], sym, SYM);
		if (c == 0)
			return SZ_ERR_EXISTS;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		void *p = realloc(s->v, cap * SYM);
		if (p == NULL)
			return SZ_ERR_NOMEM;
		s->v = p;
		s->cap = cap;
	}
	memmove(s->v[lo + 1], s->v[lo], (s->n - lo) * SYM);
	memcpy(s->v[lo], sym, SYM);
	s->n++;
	return SZ_OK;
}

static void
symset_free(symset *s)
{
	free(s->v);
	memset(s, 0, sizeof *s);
}

/* --- the source: what a sketch's ids are, asked of the store ------------------------------ */

static void
ctx_free(void *p)
{
	src_ctx *c = p;
	if (c == NULL)
		return;
	free(c->labels);
	symset_free(&c->extra);
	symset_free(&c->excl);
	free(c);
}

/* Bring the copy of the slot's pending ids up to date. */
static int
ctx_excl(src_ctx *c)
{
	struct sz_node_sketch *e = c->slot;
	if (e == NULL || c->excl_gen == e->pending_gen)
		return SZ_OK;
	c->excl.n = 0;
	if (e->npending > c->excl.cap) {
		void *p = realloc(c->excl.v, e->npending * SYM);
		if (p == NULL)
			return SZ_ERR_NOMEM;
		c->excl.v = p;
		c->excl.cap = e->npending;
	}
	if (e->npending > 0) {
		memcpy(c->excl.v, e->pending, e->npending * SYM);
		qsort(c->excl.v, e->npending, SYM, cmp_sym);
	}
	c->excl.n = e->npending;
	c->excl_gen = e->pending_gen;
	return SZ_OK;
}

static bool
ctx_label(const src_ctx *c, const uint8_t label[16])
{
	return bsearch(label, c->labels, c->nlabels, SZ_SCOPE_BYTES, cmp_scope) != NULL;
}

static int
extra_add(void *ctx, const uint8_t id[32])
{
	int r = symset_add(ctx, id);
	return r == SZ_ERR_EXISTS ? SZ_OK : r;
}

/* A source for labels (sorted, distinct): their extra ids are read now. */
static int
ctx_new(sz_node *n, const uint8_t (*labels)[SZ_SCOPE_BYTES], size_t ns,
    struct sz_node_sketch *slot, src_ctx **out)
{
	int r = SZ_ERR_NOMEM;
	src_ctx *c = calloc(1, sizeof *c);
	*out = NULL;
	if (c == NULL || (c->labels = malloc(ns ? ns * SZ_SCOPE_BYTES : 1)) == NULL)
		goto fail;
	memcpy(c->labels, labels, ns * SZ_SCOPE_BYTES);
	c->nlabels = ns;
	c->n = n;
	c->slot = slot;
	c->excl_gen = UINT64_MAX;
	r = SZ_OK;
	for (size_t l = 0; l < ns && r == SZ_OK; l++) {
		const uint8_t (*declined)[32] = NULL;
		size_t nk = 0;
		if ((r = sz_node_cell_declined(n, labels[l], &declined, &nk)) != SZ_OK)
			break;
		for (size_t i = 0; i < nk && r == SZ_OK; i++)
			r = extra_add(&c->extra, declined[i]);
		if (r == SZ_OK)
			r = sz_node_quar_listed(n, labels[l], extra_add, &c->extra);
		if (r == SZ_OK) /* chunks refused for the quota: listed as held, never fetched again */
			r = sz_store_unwanted_list(n->store, labels[l], extra_add, &c->extra);
	}
	if (r != SZ_OK)
		goto fail;
	*out = c;
	return SZ_OK;
fail:
	ctx_free(c);
	return r;
}

typedef struct walk {
	src_ctx *c;
	int (*fn)(void *fctx, const uint8_t *sym);
	void *fctx;
} walk;

static int
walk_stored(void *p, const uint8_t id[32])
{
	walk *w = p;
	/* counted from the extra list, or pending (not in the lent sketch's cells yet) */
	if (symset_has(&w->c->extra, id) || symset_has(&w->c->excl, id))
		return SZ_OK;
	return w->fn(w->fctx, id);
}

static int
src_each(void *ctx, int (*fn)(void *fctx, const uint8_t *sym), void *fctx)
{
	src_ctx *c = ctx;
	uint8_t sc[64][16];
	walk w = { c, fn, fctx };
	int r = ctx_excl(c);
	for (size_t i = 0; i < c->extra.n && r == SZ_OK; i++)
		if (!symset_has(&c->excl, c->extra.v[i]))
			r = fn(fctx, c->extra.v[i]);
	for (size_t l = 0; l < c->nlabels && r == SZ_OK; l++) {
		size_t nsc = 0;
		if (sz_node_label_scopes(c->n, c->labels[l], sc, 64, &nsc) != SZ_OK)
			continue; /* no longer one of mine: lists nothing */
		for (size_t k = 0; k < nsc && r == SZ_OK; k++)
			r = sz_store_each_envelope(c->n->store, sc[k], walk_stored, &w);
	}
	return r;
}

static int
src_holds(void *ctx, const uint8_t *sym, bool *held)
{
	src_ctx *c = ctx;
	uint8_t ids[2][32], scopes[2][SZ_SCOPE_BYTES], label[16];
	size_t k = 0;
	int r;
	*held = false;
	if ((r = ctx_excl(c)) != SZ_OK)
		return r;
	if (symset_has(&c->excl, sym))
		return SZ_OK;
	if (symset_has(&c->extra, sym)) {
		*held = true;
		return SZ_OK;
	}
	if ((r = sz_store_find_prefix_all(c->n->store, sym, SYM, ids, scopes, 2, &k)) != SZ_OK)
		return r;
	for (size_t i = 0; i < k && !*held; i++)
		*held = sz_node_scope_label(c->n, scopes[i], label) == SZ_OK && ctx_label(c, label);
	return SZ_OK;
}

/* A sourced sketch of every id listed under the labels, under key, with cells coded symbols
 * (one walk over the store).  slot: the kept sketch's (its pending ids are left out). */
static int
build(sz_node *n, const uint8_t (*labels)[SZ_SCOPE_BYTES], size_t ns, const uint8_t *key,
    size_t cells, struct sz_node_sketch *slot, sz_riblt_sketch **out)
{
	sz_riblt_sketch *sk = NULL;
	src_ctx *c = NULL;
	*out = NULL;
	int r = ctx_new(n, labels, ns, slot, &c);
	if (r != SZ_OK)
		return r;
	sz_riblt_source src = { c, src_each, src_holds, ctx_free };
	if ((r = sz_riblt_sketch_new_sourced(&sk, SYM, key, cells, &src)) != SZ_OK) {
		ctx_free(c);
		return r;
	}
	if ((r = sz_riblt_sketch_fill(sk)) != SZ_OK) {
		sz_riblt_sketch_free(sk);
		return r;
	}
	if (slot != NULL)
		slot->src = c;
	*out = sk;
	return SZ_OK;
}

/* --- the kept sketches -------------------------------------------------------------------- */

static void
slot_clear(struct sz_node_sketch *e)
{
	sz_riblt_sketch_free(e->sk); /* its source too */
	free(e->scopes);
	free(e->pending);
	memset(e, 0, sizeof *e);
}

void
sz_node_sketches_free(sz_node *n)
{
	if (n->sketches == NULL)
		return;
	for (size_t i = 0; i < SKETCH_SLOTS; i++)
		slot_clear(&n->sketches[i]);
	free(n->sketches);
	n->sketches = NULL;
}

static struct sz_node_sketch *
slot_find(sz_node *n, const uint8_t (*scopes)[SZ_SCOPE_BYTES], size_t ns, const uint8_t *key)
{
	for (size_t i = 0; n->sketches != NULL && i < SKETCH_SLOTS; i++) {
		struct sz_node_sketch *e = &n->sketches[i];
		if (e->sk != NULL && e->nscopes == ns && memcmp(e->key, key, sizeof e->key) == 0 &&
		    memcmp(e->scopes, scopes, ns * SZ_SCOPE_BYTES) == 0)
			return e;
	}
	return NULL;
}

/* A slot for a new kept sketch (a free one, else the least recently used that is not lent),
 * emptied and named.  NULL if every slot is lent. */
static struct sz_node_sketch *
slot_take(sz_node *n, const uint8_t (*scopes)[SZ_SCOPE_BYTES], size_t ns, const uint8_t *key)
{
	struct sz_node_sketch *e = NULL;
	if (n->sketches == NULL && (n->sketches = calloc(SKETCH_SLOTS, sizeof *n->sketches)) == NULL)
		return NULL;
	for (size_t i = 0; i < SKETCH_SLOTS; i++) {
		struct sz_node_sketch *c = &n->sketches[i];
		if (c->sk == NULL) {
			e = c;
			break;
		}
		if (c->lent == 0 && (e == NULL || c->used < e->used))
			e = c;
	}
	if (e == NULL)
		return NULL;
	slot_clear(e);
	if ((e->scopes = malloc(ns ? ns * SZ_SCOPE_BYTES : 1)) == NULL)
		return NULL;
	memcpy(e->scopes, scopes, ns * SZ_SCOPE_BYTES);
	memcpy(e->key, key, sizeof e->key);
	e->nscopes = ns;
	e->used = ++n->sketch_clock;
	return e;
}

int
sz_node_sketch_size(void *ctx, const uint8_t (*scopes)[SZ_SCOPE_BYTES], size_t ns,
    const uint8_t key[16], size_t *size)
{
	sz_node *n = ctx;
	struct sz_node_sketch *e = slot_find(n, scopes, ns, key);
	*size = 0;
	if (e == NULL || e->stale)
		return SZ_ERR_NOT_FOUND;
	*size = sz_riblt_sketch_size(e->sk) + e->npending;
	return SZ_OK;
}

static int
labels_sorted(const uint8_t (*scopes)[SZ_SCOPE_BYTES], size_t ns)
{
	for (size_t i = 1; i < ns; i++)
		if (cmp_scope(scopes[i - 1], scopes[i]) >= 0)
			return SZ_ERR_INVALID; /* the session passes the labels sorted and distinct */
	return SZ_OK;
}

int
sz_node_sketch_get(void *ctx, const uint8_t (*scopes)[SZ_SCOPE_BYTES], size_t ns,
    const uint8_t key[16], sz_riblt_sketch **out)
{
	sz_node *n = ctx;
	sz_riblt_sketch *sk = NULL;
	int r;
	*out = NULL;
	if ((r = labels_sorted(scopes, ns)) != SZ_OK)
		return r;
	struct sz_node_sketch *e = slot_find(n, scopes, ns, key);
	if (e != NULL && !e->stale) {
		/* Lent as it is: what arrived since it went out (pending) is not in it, and its
		 * source leaves those out too; this session reconciles without them. */
		e->lent++;
		e->used = ++n->sketch_clock;
		*out = e->sk;
		return SZ_OK;
	}
	if (e == NULL && (e = slot_take(n, scopes, ns, key)) != NULL) {
		if ((r = build(n, scopes, ns, key, SZ_RIBLT_DEFAULT_CELLS, e, &sk)) != SZ_OK) {
			slot_clear(e);
			return r;
		}
		e->sk = sk;
		e->lent = 1;
		*out = sk;
		return SZ_OK;
	}
	/* Every slot lent, or this one stale: a private one, freed when given back. */
	if ((r = build(n, scopes, ns, key, SZ_RIBLT_DEFAULT_CELLS, NULL, &sk)) != SZ_OK)
		return r;
	*out = sk;
	return SZ_OK;
}

int
sz_node_sketch_build(void *ctx, const uint8_t (*scopes)[SZ_SCOPE_BYTES], size_t ns,
    const uint8_t key[16], sz_riblt_sketch **out)
{
	int r = labels_sorted(scopes, ns);
	*out = NULL;
	return r == SZ_OK ? build(ctx, scopes, ns, key, BUILD_CELLS, NULL, out) : r;
}

void
sz_node_sketch_put(void *ctx, sz_riblt_sketch *sk)
{
	sz_node *n = ctx;
	for (size_t i = 0; n->sketches != NULL && i < SKETCH_SLOTS; i++) {
		struct sz_node_sketch *e = &n->sketches[i];
		if (e->sk != sk || e->lent == 0)
			continue;
		if (--e->lent > 0)
			return;
		int r = SZ_OK;
		for (size_t j = 0; j < e->npending && r == SZ_OK && !e->stale; j++)
			r = sz_riblt_sketch_add(e->sk, e->pending[j]);
		if (e->stale || r != SZ_OK) {
			slot_clear(e); /* rebuilt from the store when next asked */
			return;
		}
		e->npending = 0;
		e->pending_gen++;
		/* A session with a large difference grew K; give the memory back. */
		sz_riblt_sketch_trim(e->sk, SZ_RIBLT_DEFAULT_CELLS);
		return;
	}
	sz_riblt_sketch_free(sk);
}

/* A lent sketch stays with its borrower and is dropped when given back. */
static void
drop_slot(struct sz_node_sketch *e)
{
	if (e->lent > 0) {
		e->stale = true;
		free(e->pending);
		e->pending = NULL;
		e->npending = e->cap = 0;
		e->pending_gen++;
	} else {
		slot_clear(e);
	}
}

void
sz_node_sketches_drop_label(sz_node *n, const uint8_t label[16])
{
	for (size_t i = 0; n->sketches != NULL && i < SKETCH_SLOTS; i++) {
		struct sz_node_sketch *e = &n->sketches[i];
		if (e->sk != NULL && bsearch(label, e->scopes, e->nscopes, SZ_SCOPE_BYTES, cmp_scope) != NULL)
			drop_slot(e);
	}
}

void
sz_node_sketches_drop_all(sz_node *n)
{
	for (size_t i = 0; n->sketches != NULL && i < SKETCH_SLOTS; i++)
		if (n->sketches[i].sk != NULL)
			drop_slot(&n->sketches[i]);
}

/* sym joins e's set: into the sketch, or pending while it is lent. */
static void
slot_add(struct sz_node_sketch *e, const uint8_t *sym)
{
	if (e->lent == 0) {
		if (sz_riblt_sketch_add(e->sk, sym) != SZ_OK)
			slot_clear(e); /* past the item bound: rebuilt when next asked */
		return;
	}
	if (e->npending == e->cap) {
		size_t cap = e->cap ? 2 * e->cap : 64;
		void *p = cap <= PENDING_MAX ? realloc(e->pending, cap * sizeof *e->pending) : NULL;
		if (p == NULL) {
			/* Too much while lent: the slot goes when given back. */
			drop_slot(e);
			return;
		}
		e->pending = p;
		e->cap = cap;
	}
	memcpy(e->pending[e->npending++], sym, SYM);
	e->pending_gen++;
}

/* An id comes to be listed under label; extra: as a declined or quarantined one (not stored
 * under the label), else as a stored envelope new to the store. */
static void
note(sz_node *n, const uint8_t label[16], const uint8_t id[32], bool extra)
{
	for (size_t i = 0; n->sketches != NULL && i < SKETCH_SLOTS; i++) {
		struct sz_node_sketch *e = &n->sketches[i];
		if (e->sk == NULL || e->stale ||
		    bsearch(label, e->scopes, e->nscopes, SZ_SCOPE_BYTES, cmp_scope) == NULL)
			continue;
		if (extra) {
			int r = symset_add(&e->src->extra, id);
			if (r == SZ_ERR_EXISTS)
				continue; /* listed already (quarantined, now declined) */
			if (r != SZ_OK) {
				drop_slot(e);
				continue;
			}
		} else if (symset_has(&e->src->extra, id)) {
			continue; /* listed already, as declined or quarantined */
		}
		slot_add(e, id);
	}
}

/* An envelope listed under a label was stored: its id goes into every kept sketch of that label
 * (or waits). */
void
sz_node_sketch_note(sz_node *n, const uint8_t scope[16], const uint8_t id[32])
{
	uint8_t label[16];
	if (n->sketches == NULL || sz_node_scope_label(n, scope, label) != SZ_OK)
		return;
	note(n, label, id, false);
}

void
sz_node_sketch_note_id(sz_node *n, const uint8_t label[16], const uint8_t id[32])
{
	if (n->sketches != NULL)
		note(n, label, id, true);
}

int
sz_node_store_envelopes(sz_node *n, const uint8_t *const *envs, const size_t *lens,
    size_t count, int *results)
{
	/* Made here, so checked here, once (no pool: a few at a time, inside a batch). */
	sz_env_in *in = calloc(count ? count : 1, sizeof *in);
	if (in == NULL)
		return SZ_ERR_NOMEM;
	size_t max_body = sz_store_max_body(n->store);
	for (size_t i = 0; i < count; i++) {
		sz_env_in_init(&in[i], envs[i], lens[i], NULL);
		sz_env_in_check(&in[i], max_body);
	}
	int r = sz_store_put_checked(n->store, in, count, results);
	for (size_t i = 0; r == SZ_OK && i < count; i++)
		if (results[i] == SZ_OK) {
			n->stored++;
			sz_node_sketch_note(n, in[i].env.scope, in[i].id);
		}
	free(in);
	return r;
}

int
sz_node_find_prefix(void *ctx, const uint8_t *prefix, size_t len, uint8_t (*ids)[32],
    uint8_t (*labels)[SZ_SCOPE_BYTES], size_t max, size_t *count)
{
	sz_node *n = ctx;
	uint8_t fid[4][32], fsc[4][SZ_SCOPE_BYTES];
	size_t k = 0;
	*count = 0;
	if (max > 4)
		max = 4;
	int r = sz_store_find_prefix_all(n->store, prefix, len, fid, fsc, max, &k);
	/* stored, but listed under no label (quarantined, or of a cell I left): not named */
	for (size_t i = 0; r == SZ_OK && i < k; i++)
		if (sz_node_scope_label(n, fsc[i], labels[*count]) == SZ_OK)
			memcpy(ids[(*count)++], fid[i], 32);
	return r;
}
