/*
 * node_batch.c - a node's batches: one store transaction for a batch a peer sends (or a bundle's,
 * or one operation of mine) and everything the cells produce while absorbing it; and the checking
 * of incoming envelopes (parse, hash, Ed25519 verify) on a pool of worker threads, one per core,
 * ahead of the single thread that writes; what the cells report in a batch, told once it has
 * committed (and never if it rolls back).  Layer: app.
 *
 * Crash safety: the store's journal makes a batch all or nothing on disk.  In memory, the cells a
 * batch fed have moved on; if the batch then fails (a full disk, an I/O error), the node stops
 * taking batches (SZ_ERR_STATE) and never saves those states, until it is locked and unlocked
 * again, which reloads what the disk holds.
 */
#include "app/node_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cell/cell.h"
#include "lib/pool.h"
#include "wire/envelope.h"

/* Batches smaller than this are checked by the writer itself (no thread hand-off). */
#define POOL_MIN_ITEMS (2 * SZ_POOL_CHUNK)

int
sz_node_batch_begin(sz_node *n)
{
	if (n->broken)
		return sz_node_fail(n, SZ_ERR_STATE, "a write failed after the node's cells had moved "
		    "on; lock and unlock the node to reload them from the store");
	if (n->batch_depth == 0) {
		int r = sz_store_txn_begin(n->store);
		if (r != SZ_OK)
			return sz_node_fail(n, r, "%s", sz_store_errmsg(n->store));
		n->batch_touched = false;
	}
	n->batch_depth++;
	return SZ_OK;
}

/* --- events told after the commit ----------------------------------------------------- */

static void
event_copy(sz_node_event *h, const sz_cell *c, const sz_cell_event *e, bool mine)
{
	memset(h, 0, sizeof *h);
	h->type = e->type;
	h->op = e->op;
	h->kind = e->kind;
	h->mine = mine;
	memcpy(h->actor, e->actor, 32);
	memcpy(h->subject, e->subject, 32);
	memcpy(h->entry_id, e->entry_id, 32);
	snprintf(h->cell, sizeof h->cell, "%s", sz_cell_name(c));
}

void
sz_node_event_hold(sz_node *n, const sz_cell *c, const sz_cell_event *e, bool mine)
{
	if (n->on_event == NULL)
		return;
	if (n->batch_depth == 0) { /* no batch: it is on disk already */
		sz_node_event h;
		event_copy(&h, c, e, mine);
		n->on_event(n->event_ctx, &h);
		return;
	}
	if (n->nheld == n->capheld) {
		size_t cap = n->capheld ? n->capheld * 2 : 16;
		sz_node_event *v = n->nheld < SZ_NODE_EVENTS_HELD ? realloc(n->held, cap * sizeof *v) :
		    NULL;
		if (v == NULL) { /* told as "more happened" after the commit */
			n->held_lost = true;
			return;
		}
		n->held = v;
		n->capheld = cap;
	}
	event_copy(&n->held[n->nheld++], c, e, mine);
}

/* The outermost batch ended: tell what it held if it committed, forget it either way. */
static void
events_release(sz_node *n, bool committed)
{
	size_t k = n->nheld;
	bool lost = n->held_lost, pub = n->held_public;
	n->nheld = 0;
	n->held_lost = n->held_public = false;
	for (size_t i = 0; committed && n->on_event != NULL && i < k; i++)
		n->on_event(n->event_ctx, &n->held[i]);
	if (committed && pub && n->on_event != NULL) {
		sz_node_event h = { .type = SZ_NODE_EV_PUBLIC };
		n->on_event(n->event_ctx, &h);
	}
	if (committed && lost && n->on_event != NULL)
		n->on_event(n->event_ctx, NULL);
	if (n->capheld > 64) { /* a big batch's room is not kept */
		free(n->held);
		n->held = NULL;
		n->capheld = 0;
	}
}

void
sz_node_events_free(sz_node *n)
{
	free(n->held);
	n->held = NULL;
	n->nheld = n->capheld = 0;
}

int
sz_node_batch_end(sz_node *n, int r)
{
	if (n->batch_depth == 0)
		return SZ_ERR_STATE;
	if (--n->batch_depth > 0)
		return r;
	int e = sz_store_txn_end(n->store, r);
	events_release(n, e == SZ_OK);
	if (e == SZ_OK)
		return SZ_OK;
	if (r == SZ_OK) /* the commit failed */
		(void)sz_node_fail(n, e, "%s", sz_store_errmsg(n->store));
	/* Rolled back: what memory learnt of the batch goes too.  The kept sketches and the
	 * quarantine are rebuilt from the store on next need; cells cannot be, while callers hold
	 * them, so a node whose cells moved on refuses further batches. */
	sz_node_sketches_drop_all(n);
	sz_node_quar_free(n);
	sz_node_usage_drop(n);
	if (n->batch_touched)
		n->broken = true;
	return e;
}

/* --- checking on the pool ------------------------------------------------------------- */

static void
check_one(void *ctx, size_t i)
{
	sz_node_check *ck = ctx;
	sz_env_in_check(&ck->in[i], ck->max_body);
}

void
sz_node_check_begin(sz_node *n, sz_node_check *ck, sz_env_in *in, size_t count)
{
	memset(ck, 0, sizeof *ck);
	ck->in = in;
	ck->n = count;
	ck->max_body = sz_store_max_body(n->store);
	if (count < POOL_MIN_ITEMS)
		return;
	sz_node_ahead_settle(n); /* its checks are due first anyway */
	if (n->pool == NULL && !n->pool_failed) {
		unsigned t = sz_pool_default_threads();
		n->pool_failed = t == 0 || sz_pool_new(&n->pool, t) != SZ_OK;
	}
	/* Busy: a batch inside a batch (a cell's answer) is checked inline. */
	if (n->pool != NULL && sz_pool_start(n->pool, check_one, ck, count) == SZ_OK)
		ck->pool = n->pool;
}

void
sz_node_check_wait(sz_node_check *ck, size_t upto)
{
	if (upto > ck->n)
		upto = ck->n;
	if (ck->pool != NULL) {
		sz_pool_wait(ck->pool, upto);
	} else {
		for (size_t i = ck->done; i < upto; i++)
			sz_env_in_check(&ck->in[i], ck->max_body);
	}
	if (upto > ck->done)
		ck->done = upto;
}

void
sz_node_check_end(sz_node_check *ck)
{
	if (ck->pool != NULL)
		sz_pool_end(ck->pool);
	ck->pool = NULL;
}

void
sz_node_pool_free(sz_node *n)
{
	sz_node_ahead_settle(n);
	sz_pool_free(n->pool);
	n->pool = NULL;
}
