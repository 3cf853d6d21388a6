/*
 * node_sketch.c - the RIBLT sketches a node keeps for its sync sessions (docs/PROTOCOL.md §8):
 * one per set of shared labels (the public scope, cells' sync labels), built from the store the
 * first time a session asks after unlock, kept current as envelopes are listed under a label,
 * and lent to sessions, so that reconciling a difference of d costs O(d) work instead of a walk
 * over every id.  Layer: app.
 *
 * A lent sketch must not change (the session's coded symbols describe it): what is stored
 * while it is out waits in a pending list and goes in when the last borrower gives it back.
 * A session that asks while the sketch is out and pending is not empty gets a private copy
 * that includes the pending ids.  Nothing here is persisted (PROTOCOL §6.6 says why); anything
 * that takes envelopes out of a label's set drops that label's sketches
 * (sz_node_sketches_drop_label).  A sealed envelope goes in only once its cell kept it, so the
 * junk a cell drops and the quarantine never touch a sketch.
 */
#include "app/node_int.h"

#include <stdlib.h>
#include <string.h>

#include "recon/riblt.h"
#include "recon/riblt_wire.h"
#include "store/scopes.h"
#include "wire/envelope.h"

#define SKETCH_SLOTS 4                  /* distinct scope sets kept (peers share different ones) */
#define SKETCH_BYTES_MAX (256u << 20)   /* memory the kept sketches may hold together */
#define PENDING_MAX (1u << 20)          /* ids held back while a sketch is lent */

struct sz_node_sketch {
	uint8_t key[SZ_RIBLT_KEY_BYTES];
	uint8_t (*scopes)[SZ_SCOPE_BYTES];  /* the labels, sorted */
	size_t nscopes;
	sz_riblt_sketch *sk;                /* NULL: the slot is free */
	unsigned lent;
	uint8_t (*pending)[SZ_RIBLT_ID_SYMBOL_BYTES];
	size_t npending, cap;
	bool stale;                         /* pending overflowed: dropped when given back */
	uint64_t used;
};

static void
slot_clear(struct sz_node_sketch *e)
{
	sz_riblt_sketch_free(e->sk);
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

static int
cmp_scope(const void *a, const void *b)
{
	return memcmp(a, b, SZ_SCOPE_BYTES);
}

static int
add_id(void *ctx, const uint8_t id[32])
{
	int r = sz_riblt_sketch_add(ctx, id);
	return r == SZ_ERR_EXISTS ? SZ_OK : r; /* one 20-byte prefix for two ids: the first stands */
}

/* A new sketch of every id listed under the labels, under key: those held, those declined and
 * those quarantined under the label. */
static int
build(sz_node *n, const uint8_t (*labels)[SZ_SCOPE_BYTES], size_t ns, const uint8_t *key,
    sz_riblt_sketch **out)
{
	sz_riblt_sketch *sk = NULL;
	uint8_t sc[64][16];
	int r = sz_riblt_sketch_new(&sk, SZ_RIBLT_ID_SYMBOL_BYTES, key, SZ_RIBLT_DEFAULT_CELLS);
	for (size_t l = 0; l < ns && r == SZ_OK; l++) {
		size_t nsc = 0, nk = 0;
		const uint8_t (*declined)[32] = NULL;
		if (sz_node_label_scopes(n, labels[l], sc, 64, &nsc) != SZ_OK)
			continue; /* no longer one of mine: lists nothing */
		r = sz_node_cell_declined(n, labels[l], &declined, &nk);
		for (size_t i = 0; i < nk && r == SZ_OK; i++)
			r = add_id(sk, declined[i]);
		if (r == SZ_OK)
			r = sz_node_quar_listed(n, labels[l], add_id, sk);
		for (size_t k = 0; k < nsc && r == SZ_OK; k++) {
			sz_store_item *items = NULL;
			size_t count = 0;
			r = sz_store_list_envelopes(n->store, sc[k], 0, UINT64_MAX, 0, &items, &count);
			for (size_t i = 0; i < count && r == SZ_OK; i++) {
				r = sz_riblt_sketch_add(sk, items[i].id);
				if (r == SZ_ERR_EXISTS)
					r = SZ_OK; /* two ids with one 20-byte prefix: the first stands for both */
			}
			free(items);
		}
	}
	if (r != SZ_OK) {
		sz_riblt_sketch_free(sk);
		sk = NULL;
	}
	*out = sk;
	return r;
}

/* Put pending ids into a sketch (the kept one when it comes back, or a private copy). */
static int
apply_pending(sz_riblt_sketch *sk, const struct sz_node_sketch *e)
{
	int r = SZ_OK;
	for (size_t i = 0; i < e->npending && r == SZ_OK; i++) {
		r = sz_riblt_sketch_add(sk, e->pending[i]);
		if (r == SZ_ERR_EXISTS)
			r = SZ_OK;
	}
	return r;
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

/* Keep sk in a slot (a free one, else the least recently used that is not lent), then give
 * back memory over the bound by dropping other idle slots.  NULL if every slot is lent. */
static struct sz_node_sketch *
slot_keep(sz_node *n, const uint8_t (*scopes)[SZ_SCOPE_BYTES], size_t ns, const uint8_t *key,
    sz_riblt_sketch *sk)
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
	e->sk = sk;
	e->used = ++n->sketch_clock;
	size_t total = 0;
	for (size_t i = 0; i < SKETCH_SLOTS; i++)
		if (n->sketches[i].sk != NULL)
			total += sz_riblt_sketch_memory(n->sketches[i].sk);
	while (total > SKETCH_BYTES_MAX) {
		struct sz_node_sketch *old = NULL;
		for (size_t i = 0; i < SKETCH_SLOTS; i++) {
			struct sz_node_sketch *c = &n->sketches[i];
			if (c != e && c->sk != NULL && c->lent == 0 && (old == NULL || c->used < old->used))
				old = c;
		}
		if (old == NULL)
			break;
		total -= sz_riblt_sketch_memory(old->sk);
		slot_clear(old);
	}
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

int
sz_node_sketch_get(void *ctx, const uint8_t (*scopes)[SZ_SCOPE_BYTES], size_t ns,
    const uint8_t key[16], sz_riblt_sketch **out)
{
	sz_node *n = ctx;
	sz_riblt_sketch *sk = NULL;
	int r;
	*out = NULL;
	for (size_t i = 1; i < ns; i++)
		if (cmp_scope(scopes[i - 1], scopes[i]) >= 0)
			return SZ_ERR_INVALID; /* the session passes the labels sorted and distinct */
	struct sz_node_sketch *e = slot_find(n, scopes, ns, key);
	if (e != NULL && (e->lent == 0 || (e->npending == 0 && !e->stale))) {
		e->lent++;
		e->used = ++n->sketch_clock;
		*out = e->sk;
		return SZ_OK;
	}
	if (e != NULL && !e->stale) {
		/* Lent, and ids arrived since: a private copy with them. */
		if ((r = sz_riblt_sketch_clone(&sk, e->sk)) == SZ_OK && (r = apply_pending(sk, e)) != SZ_OK) {
			sz_riblt_sketch_free(sk);
			sk = NULL;
		}
		*out = sk;
		return r;
	}
	if ((r = build(n, scopes, ns, key, &sk)) != SZ_OK)
		return r;
	if (e == NULL && (e = slot_keep(n, scopes, ns, key, sk)) != NULL) {
		e->lent = 1;
		*out = sk;
		return SZ_OK;
	}
	*out = sk; /* not kept (every slot lent, or a stale one): private, freed when given back */
	return SZ_OK;
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
		if (e->stale || apply_pending(e->sk, e) != SZ_OK) {
			slot_clear(e); /* rebuilt from the store when next asked */
			return;
		}
		e->npending = 0;
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

/* An envelope listed under a label was stored: its id goes into every kept sketch of that label
 * (or waits). */
void
sz_node_sketch_note(sz_node *n, const uint8_t scope[16], const uint8_t id[32])
{
	uint8_t label[16];
	if (n->sketches == NULL || sz_node_scope_label(n, scope, label) != SZ_OK)
		return;
	sz_node_sketch_note_id(n, label, id);
}

void
sz_node_sketch_note_id(sz_node *n, const uint8_t label[16], const uint8_t id[32])
{
	for (size_t i = 0; n->sketches != NULL && i < SKETCH_SLOTS; i++) {
		struct sz_node_sketch *e = &n->sketches[i];
		if (e->sk == NULL || e->stale ||
		    bsearch(label, e->scopes, e->nscopes, SZ_SCOPE_BYTES, cmp_scope) == NULL)
			continue;
		if (e->lent == 0) {
			int r = sz_riblt_sketch_add(e->sk, id);
			if (r != SZ_OK && r != SZ_ERR_EXISTS)
				slot_clear(e); /* out of memory: rebuilt when next asked */
			continue;
		}
		if (e->npending == e->cap) {
			size_t cap = e->cap ? 2 * e->cap : 64;
			void *p = cap <= PENDING_MAX ? realloc(e->pending, cap * sizeof *e->pending) : NULL;
			if (p == NULL) {
				/* Too much while lent: the slot goes when given back. */
				e->stale = true;
				free(e->pending);
				e->pending = NULL;
				e->npending = e->cap = 0;
				continue;
			}
			e->pending = p;
			e->cap = cap;
		}
		memcpy(e->pending[e->npending++], id, SZ_RIBLT_ID_SYMBOL_BYTES);
	}
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
sz_node_find_prefix(void *ctx, const uint8_t *prefix, size_t len, uint8_t id[32],
    uint8_t label[SZ_SCOPE_BYTES])
{
	sz_node *n = ctx;
	uint8_t scope[SZ_SCOPE_BYTES];
	int r = sz_store_find_prefix(n->store, prefix, len, id, scope);
	if (r == SZ_OK && (r = sz_node_scope_label(n, scope, label)) != SZ_OK)
		r = SZ_ERR_NOT_FOUND; /* stored, but listed under no label: not offered */
	return r;
}
