/*
 * node_keep.c - what a node keeps of a cell besides its state (docs/PROTOCOL.md §8): the ids its
 * cell declined (listed under its label, never held), the parting week of a cell I am out of, the
 * deletion of a cell's envelopes once I am out of it, and the record of what a catch-up fed during
 * an ingest.  Layer: app.  node_cell.c routes envelopes to the cells and calls these.
 */
#include "app/node_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cell/cell.h"
#include "crypto/crypto.h"
#include "store/scopes.h"

void
sz_node_cell_kv_name(char *out, size_t n, const uint8_t cell_id[32], const char *suffix)
{
	char hex[65];
	sz_hex_encode(hex, cell_id, 32);
	snprintf(out, n, "%s%s.%s", KV_CELL_PREFIX, hex, suffix);
}

bool
sz_node_cell_syncs(const sz_node *n, const sz_node_cell *nc)
{
	return sz_cell_status(nc->cell) == SZ_CELL_ACTIVE ||
	    (nc->parting_until != 0 && sz_now_ms(n->env) < nc->parting_until);
}

/* A cell I left or was removed from: read its parting time, and the scopes it held (its ".seen"
 * record), which stand for its label while it parts.  parting_until 0 if it does not part (time
 * up, or its envelopes are gone). */
int
sz_node_cell_parting_load(sz_node *n, sz_node_cell *nc)
{
	char name[128];
	sz_buf b = { 0 };
	nc->parting_until = 0;
	if (sz_cell_status(nc->cell) == SZ_CELL_ACTIVE)
		return SZ_OK;
	sz_node_cell_kv_name(name, sizeof name, sz_cell_id(nc->cell), "parting");
	int r = sz_store_kv_get(n->store, name, &b);
	if (r == SZ_ERR_NOT_FOUND) {
		sz_buf_free(&b);
		return SZ_OK;
	}
	uint64_t until = r == SZ_OK && b.len == 8 ? sz_load_u64(b.p) : 0;
	sz_buf_free(&b);
	if (r != SZ_OK || until <= sz_now_ms(n->env))
		return r;
	sz_node_cell_kv_name(name, sizeof name, sz_cell_id(nc->cell), "seen");
	if ((r = sz_store_kv_get(n->store, name, &b)) == SZ_OK && b.len % 16 == 0 && b.len > 0) {
		void *p = realloc(nc->scopes, b.len);
		if (p == NULL) {
			r = SZ_ERR_NOMEM;
		} else {
			nc->scopes = p;
			memcpy(nc->scopes, b.p, b.len);
			nc->nscopes = b.len / 16;
			nc->parting_until = until;
		}
	} else if (r == SZ_ERR_NOT_FOUND) {
		r = SZ_OK;
	}
	sz_buf_free(&b);
	return r;
}

/* I have just left nc's cell, or learnt I was removed: it parts for SZ_NODE_PARTING_MS. */
int
sz_node_cell_parting_begin(sz_node *n, sz_node_cell *nc)
{
	char name[128];
	uint8_t until[8];
	sz_store_u64(until, sz_now_ms(n->env) + SZ_NODE_PARTING_MS);
	sz_node_cell_kv_name(name, sizeof name, sz_cell_id(nc->cell), "parting");
	int r = sz_store_kv_put(n->store, name, until, sizeof until);
	if (r == SZ_OK)
		r = sz_node_cell_parting_load(n, nc);
	return r;
}

int
sz_node_cells_parting_end(sz_node *n)
{
	int r = SZ_OK;
	for (size_t i = 0; i < n->ncells && r == SZ_OK; i++) {
		sz_node_cell *nc = &n->cells[i];
		if (nc->parting_until != 0 && sz_now_ms(n->env) >= nc->parting_until) {
			nc->parting_until = 0;
			r = sz_node_cell_forget(n, nc);
		}
	}
	return r;
}

/* While an ingest runs, remember what a catch-up fed and its verdict (the ingest reports it and
 * does not feed it again). */
void
sz_node_fed_note(sz_node *n, const uint8_t id[32], int drop)
{
	if (!n->batch)
		return;
	if (n->nfed == n->capfed) {
		size_t cap = n->capfed ? 2 * n->capfed : 64;
		void *p = realloc(n->fed, cap * sizeof *n->fed);
		if (p == NULL)
			return; /* then the ingest feeds it once more; the cell takes it as a replay */
		n->fed = p;
		n->capfed = cap;
	}
	memcpy(n->fed[n->nfed], id, 32);
	n->fed[n->nfed++][32] = (uint8_t)drop;
}

bool
sz_node_fed_find(const sz_node *n, const uint8_t id[32], int *drop)
{
	for (size_t i = 0; n->batch && i < n->nfed; i++)
		if (memcmp(n->fed[i], id, 32) == 0) {
			*drop = n->fed[i][32];
			return true;
		}
	return false;
}

static int
declined_load(sz_node *n, sz_node_cell *nc)
{
	char name[128];
	sz_buf b = { 0 };
	if (nc->declined_loaded)
		return SZ_OK;
	sz_node_cell_kv_name(name, sizeof name, sz_cell_id(nc->cell), "declined");
	int r = sz_store_kv_get(n->store, name, &b);
	if (r == SZ_OK && (b.len % 32 != 0 || b.len / 32 > SZ_NODE_DECLINED_MAX))
		r = SZ_ERR_CORRUPT;
	if (r == SZ_OK && b.len > 0 && (nc->declined = malloc(b.len)) == NULL)
		r = SZ_ERR_NOMEM;
	if (r == SZ_OK && b.len > 0) {
		memcpy(nc->declined, b.p, b.len);
		nc->ndeclined = b.len / 32;
	}
	sz_buf_free(&b);
	if (r == SZ_ERR_NOT_FOUND)
		r = SZ_OK;
	if (r == SZ_OK)
		nc->declined_loaded = true;
	return r;
}

/* Remember id as listed under nc's label without being held; the oldest go past the bound (and
 * with them the kept sketches of the label, whose set they leave). */
int
sz_node_cell_decline_id(sz_node *n, sz_node_cell *nc, const uint8_t id[32])
{
	int r = declined_load(n, nc);
	if (r != SZ_OK)
		return r;
	for (size_t i = 0; i < nc->ndeclined; i++)
		if (memcmp(nc->declined[i], id, 32) == 0)
			return SZ_OK;
	if (nc->ndeclined == SZ_NODE_DECLINED_MAX) {
		memmove(nc->declined[0], nc->declined[1], (nc->ndeclined - 1) * 32);
		nc->ndeclined--;
		sz_node_sketches_drop_label(n, nc->label);
	}
	void *p = realloc(nc->declined, (nc->ndeclined + 1) * 32);
	if (p == NULL)
		return SZ_ERR_NOMEM;
	nc->declined = p;
	memcpy(nc->declined[nc->ndeclined++], id, 32);
	nc->declined_dirty = true; /* written once per batch, with the cell's state */
	sz_node_sketch_note_id(n, nc->label, id);
	return SZ_OK;
}

/* Write the declined list if it changed (lost in a crash, it only costs peers a resend). */
int
sz_node_cell_declined_save(sz_node *n, sz_node_cell *nc)
{
	char name[128];
	if (!nc->declined_dirty)
		return SZ_OK;
	sz_node_cell_kv_name(name, sizeof name, sz_cell_id(nc->cell), "declined");
	int r = sz_store_kv_put(n->store, name, nc->ndeclined ? nc->declined[0] : (const uint8_t *)"",
	    nc->ndeclined * 32);
	if (r == SZ_OK)
		nc->declined_dirty = false;
	return r;
}

int
sz_node_cell_declined(sz_node *n, const uint8_t label[16], const uint8_t (**ids)[32], size_t *count)
{
	*ids = NULL;
	*count = 0;
	for (size_t i = 0; i < n->ncells; i++) {
		sz_node_cell *nc = &n->cells[i];
		if (sz_cell_status(nc->cell) != SZ_CELL_ACTIVE || memcmp(nc->label, label, 16) != 0)
			continue;
		int r = declined_load(n, nc);
		*ids = (const uint8_t(*)[32])nc->declined;
		*count = nc->ndeclined;
		return r;
	}
	return SZ_OK;
}

int
sz_node_cell_decline(sz_node *n, const uint8_t label[16], const uint8_t id[32])
{
	for (size_t i = 0; i < n->ncells; i++) {
		sz_node_cell *nc = &n->cells[i];
		if (sz_cell_status(nc->cell) == SZ_CELL_ACTIVE && memcmp(nc->label, label, 16) == 0)
			return sz_node_cell_decline_id(n, nc, id);
	}
	return SZ_OK;
}

/* I am out of nc's cell: delete its sealed envelopes (every scope it scanned, from its ".seen"
 * record, which goes too), forget its pair keys and the kept sketches of its label.  What it
 * decrypted stays readable under the local scope.  Idempotent: without the record, nothing. */
int
sz_node_cell_forget(sz_node *n, sz_node_cell *nc)
{
	char name[128];
	sz_buf seen = { 0 };
	size_t total = 0;
	sz_node_cell_kv_name(name, sizeof name, sz_cell_id(nc->cell), "seen");
	int r = sz_store_kv_get(n->store, name, &seen);
	if (r == SZ_ERR_NOT_FOUND) {
		sz_buf_free(&seen);
		return SZ_OK;
	}
	for (size_t off = 0; r == SZ_OK && off + 16 <= seen.len; off += 16) {
		sz_store_item *items = NULL;
		size_t count = 0, dropped = 0;
		if ((r = sz_store_list_envelopes(n->store, seen.p + off, 0, UINT64_MAX, 0, &items,
		    &count)) != SZ_OK)
			break;
		uint8_t (*ids)[32] = calloc(count ? count : 1, 32);
		if (ids == NULL)
			r = SZ_ERR_NOMEM;
		for (size_t i = 0; r == SZ_OK && i < count; i++)
			memcpy(ids[i], items[i].id, 32);
		if (r == SZ_OK)
			r = sz_store_drop_sealed(n->store, (const uint8_t(*)[32])ids, count, &dropped);
		total += dropped;
		free(ids);
		free(items);
	}
	sz_node_usage_drop(n); /* its chunks went with its envelopes */
	if (r == SZ_OK)
		r = sz_store_kv_delete(n->store, name);
	sz_node_cell_kv_name(name, sizeof name, sz_cell_id(nc->cell), "parting");
	if (r == SZ_OK && (r = sz_store_kv_delete(n->store, name)) == SZ_ERR_NOT_FOUND)
		r = SZ_OK;
	sz_node_cell_kv_name(name, sizeof name, sz_cell_id(nc->cell), "declined");
	if (r == SZ_OK && (r = sz_store_kv_delete(n->store, name)) == SZ_ERR_NOT_FOUND)
		r = SZ_OK;
	/* where its members' nodes are: nothing a seized device needs to keep once I am out */
	static const char *const gone[] = { "book", "reach", "alias", "invauth" };
	for (size_t g = 0; g < 4; g++) {
		sz_node_cell_kv_name(name, sizeof name, sz_cell_id(nc->cell), gone[g]);
		if (r == SZ_OK && (r = sz_store_kv_delete(n->store, name)) == SZ_ERR_NOT_FOUND)
			r = SZ_OK;
	}
	sz_buf_free(&seen);
	if (r != SZ_OK)
		return sz_node_fail(n, r, "%s", sz_store_errmsg(n->store));
	if (n->log != NULL)
		fprintf(n->log, "cell %s: I am no longer in it; its %zu sealed envelopes deleted\n",
		    sz_cell_name(nc->cell), total);
	sz_node_sketches_drop_label(n, nc->label);
	sz_secret_free(nc->pairs);
	nc->pairs = NULL;
	nc->npairs = 0;
	free(nc->scopes);
	nc->scopes = NULL;
	nc->nscopes = 0;
	free(nc->declined);
	nc->declined = NULL;
	nc->ndeclined = 0;
	nc->declined_loaded = false;
	nc->declined_dirty = false;
	return SZ_OK;
}
