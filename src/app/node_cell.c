/*
 * node_cell.c - a node's cells: their states kept in the encrypted store, sealed envelopes routed
 * to them (kept only if the cell finds them worth keeping), what they decrypt filed as readable
 * entries, the catch-up of an epoch learnt late.  Layer: app.  What else is kept of a cell (its
 * declined ids, its parting, the deletion once I am out) is node_keep.c's.
 */
#include "app/node_int.h"
#include "app/node_reach.h"
#include "app/node_decide.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cell/cell.h"
#include "crypto/crypto.h"
#include "store/scopes.h"
#include "wire/envelope.h"

/* States can outgrow one key-value record: they are kept in parts. */
#define PART_MAX 60000
#define MAX_CELLS 64

static void
cell_key(char *out, size_t n, const uint8_t id[32], int part)
{
	char hex[65];
	sz_hex_encode(hex, id, 32);
	if (part < 0)
		snprintf(out, n, "%s%s", KV_CELL_PREFIX, hex);
	else
		snprintf(out, n, "%s%s.%d", KV_CELL_PREFIX, hex, part);
}

void
sz_node_cell_local_scope(const sz_cell *c, uint8_t scope[16])
{
	if (sz_cell_local_scope(c, scope) != SZ_OK)
		memset(scope, 0, 16);
}

static int
save_cell(sz_node *n, sz_node_cell *nc)
{
	uint8_t *st = NULL;
	size_t len = 0;
	char name[128];
	int r = sz_cell_serialize(nc->cell, &st, &len);
	if (r != SZ_OK)
		return r;
	uint16_t parts = (uint16_t)((len + PART_MAX - 1) / PART_MAX);
	uint8_t head[6];
	sz_store_u16(head, parts);
	sz_store_u32(head + 2, (uint32_t)len);
	for (uint16_t i = 0; i < parts && r == SZ_OK; i++) {
		size_t off = (size_t)i * PART_MAX, k = len - off < PART_MAX ? len - off : PART_MAX;
		cell_key(name, sizeof name, sz_cell_id(nc->cell), i);
		r = sz_store_kv_put(n->store, name, st + off, k);
	}
	cell_key(name, sizeof name, sz_cell_id(nc->cell), -1);
	if (r == SZ_OK)
		r = sz_store_kv_put(n->store, name, head, sizeof head);
	sz_wipe(st, len);
	free(st);
	if (r == SZ_OK)
		nc->dirty = false;
	return r;
}

static int
load_cell(sz_node *n, const uint8_t id[32], sz_cell **out)
{
	char name[128];
	sz_buf head = { 0 }, all = { .secret = true }, part = { .secret = true };
	int r;
	*out = NULL;
	cell_key(name, sizeof name, id, -1);
	if ((r = sz_store_kv_get(n->store, name, &head)) != SZ_OK)
		goto out;
	if (head.len != 6) {
		r = SZ_ERR_CORRUPT;
		goto out;
	}
	uint16_t parts = sz_load_u16(head.p);
	uint32_t len = sz_load_u32(head.p + 2);
	for (uint16_t i = 0; i < parts && r == SZ_OK; i++) {
		cell_key(name, sizeof name, id, i);
		if ((r = sz_store_kv_get(n->store, name, &part)) == SZ_OK)
			sz_buf_append(&all, part.p, part.len);
		sz_buf_free(&part);
	}
	if (r == SZ_OK && (all.err || all.len != len))
		r = SZ_ERR_CORRUPT;
	if (r == SZ_OK)
		r = sz_cell_deserialize(out, n->env, all.p, all.len);
out:
	sz_buf_free(&head);
	sz_buf_free(&all);
	return r;
}

static int
save_list(sz_node *n)
{
	sz_buf b = { 0 };
	sz_buf_u16(&b, (uint16_t)n->ncells);
	for (size_t i = 0; i < n->ncells; i++)
		sz_buf_append(&b, sz_cell_id(n->cells[i].cell), 32);
	int r = b.err ? b.err : sz_store_kv_put(n->store, KV_CELLS, b.p, b.len);
	sz_buf_free(&b);
	return r;
}

int
sz_node_cells_load(sz_node *n)
{
	sz_buf b = { 0 };
	int r = sz_store_kv_get(n->store, KV_CELLS, &b);
	if (r == SZ_ERR_NOT_FOUND) {
		sz_buf_free(&b);
		return SZ_OK;
	}
	if (r != SZ_OK || b.len < 2 || b.len != 2 + 32 * (size_t)sz_load_u16(b.p)) {
		sz_buf_free(&b);
		return sz_node_fail(n, r != SZ_OK ? r : SZ_ERR_CORRUPT, "the list of cells is damaged");
	}
	size_t k = sz_load_u16(b.p);
	if (k > MAX_CELLS || (n->cells = calloc(k ? k : 1, sizeof *n->cells)) == NULL) {
		sz_buf_free(&b);
		return SZ_ERR_NOMEM;
	}
	for (size_t i = 0; i < k; i++) {
		sz_node_cell *nc = &n->cells[n->ncells];
		if ((r = load_cell(n, b.p + 2 + 32 * i, &nc->cell)) != SZ_OK ||
		    (r = sz_node_cell_label(nc->cell, nc->label)) != SZ_OK) {
			sz_buf_free(&b);
			return sz_node_fail(n, r, "a cell's state is damaged");
		}
		n->ncells++;
	}
	sz_buf_free(&b);
	/* A cell I left or was removed from: still parting, or its envelopes go now (if they were
	 * not deleted on the spot: an older version, or a crash). */
	for (size_t i = 0; i < n->ncells && r == SZ_OK; i++)
		if (sz_cell_status(n->cells[i].cell) != SZ_CELL_ACTIVE &&
		    (r = sz_node_cell_parting_load(n, &n->cells[i])) == SZ_OK && n->cells[i].parting_until == 0)
			r = sz_node_cell_forget(n, &n->cells[i]);
	return r;
}

int
sz_node_cells_save(sz_node *n)
{
	int r = SZ_OK;
	for (size_t i = 0; i < n->ncells && r == SZ_OK; i++) {
		if (n->cells[i].dirty)
			r = save_cell(n, &n->cells[i]);
		if (r == SZ_OK)
			r = sz_node_cell_declined_save(n, &n->cells[i]);
	}
	return r;
}

void
sz_node_cells_free(sz_node *n)
{
	sz_node_pairs_free(n);
	for (size_t i = 0; i < n->ncells; i++) {
		sz_cell_free(n->cells[i].cell);
		free(n->cells[i].scopes);
		free(n->cells[i].declined);
	}
	free(n->fed);
	n->fed = NULL;
	n->nfed = n->capfed = 0;
	free(n->cells);
	n->cells = NULL;
	n->ncells = 0;
}

int
sz_node_cells_scopes(sz_node *n, sz_buf *b)
{
	uint8_t sc[64][16];
	for (size_t i = 0; i < n->ncells; i++) {
		size_t k = 0;
		if (sz_cell_status(n->cells[i].cell) != SZ_CELL_ACTIVE ||
		    sz_cell_scopes(n->cells[i].cell, sc, 64, &k) != SZ_OK)
			continue;
		sz_buf_append(b, sc, k * 16);
	}
	return b->err;
}

int
sz_node_cells_bundle(sz_node *n, const char *name, bool reading, sz_buf *secrets,
    sz_buf *scopes, sz_buf *owners)
{
	bool found = false;
	for (size_t i = 0; i < n->ncells; i++) {
		sz_cell *c = n->cells[i].cell;
		if (name != NULL && strcmp(sz_cell_name(c), name) != 0)
			continue;
		found = true;
		uint8_t sc[64][16], sec[32][32];
		size_t k = 0, ks = 0;
		if (sz_cell_scopes(c, sc, 64, &k) == SZ_OK)
			sz_buf_append(scopes, sc, k * 16);
		/* Writing: the newest three reach members an epoch or two behind.  Reading: all. */
		size_t want = reading ? 32 : 3;
		int br = sz_cell_status(c) == SZ_CELL_ACTIVE ? sz_cell_bundle_secrets(c, sec, want, &ks) :
		    SZ_ERR_STATE;
		if (br == SZ_OK || br == SZ_ERR_LIMIT) {
			sz_buf_append(secrets, sec, (ks < want ? ks : want) * 32);
			for (size_t j = 0; owners != NULL && j < (ks < want ? ks : want); j++)
				sz_buf_u8(owners, (uint8_t)i);
		}
		sz_wipe(sec, sizeof sec);
	}
	if (name != NULL && !found)
		return sz_node_fail(n, SZ_ERR_NOT_MEMBER, "no cell named '%s' here", name);
	if (owners != NULL && owners->err)
		return owners->err;
	return secrets->err ? secrets->err : scopes->err;
}

/* File what a cell call produced: readable entries into the store, envelopes to send.  env_id
 * and env_scope name the envelope it came in (NULL for my own operations). */
static int
absorb(sz_node *n, sz_node_cell *nc, sz_cell_result *res, const uint8_t *env_id,
    const uint8_t *env_scope)
{
	int r = SZ_OK;
	uint8_t scope[16];
	sz_node_cell_local_scope(nc->cell, scope);
	nc->dirty = true;
	n->batch_touched = true;
	for (size_t i = 0; i < res->nev && r == SZ_OK; i++) {
		sz_cell_event *e = &res->ev[i];
		if (n->on_event != NULL && (e->type == SZ_CELL_EV_CONTROL ||
		    e->type == SZ_CELL_EV_MESSAGE))
			sz_node_event_hold(n, nc->cell, e, env_id == NULL);
		if (n->log != NULL && e->type != SZ_CELL_EV_CHUNK)
			fprintf(n->log, "cell %s: %s %s (%s)\n", sz_cell_name(nc->cell),
			    e->type == SZ_CELL_EV_CONTROL ? "applied" : e->type == SZ_CELL_EV_HELD ? "holding" :
			    e->type == SZ_CELL_EV_MESSAGE ? "read" : "refused",
			    e->type == SZ_CELL_EV_CONTROL ? "an operation" : e->type == SZ_CELL_EV_MESSAGE ?
			    "a post" : "an envelope", e->text[0] ? e->text : sz_strerror(e->reason));
		if (e->type == SZ_CELL_EV_CHUNK && env_id != NULL) {
			/* A chunk of an attachment: noted with the key that opens it, unless the
			 * quota is full; then it goes, and stays listed so it is not sent again. */
			r = sz_node_chunk_take(n, scope, env_id, e->chunk_hash, e->chunk_key, e->chunk_len,
			    false);
			if (r == SZ_ERR_LIMIT) {
				const uint8_t (*one)[32] = (const uint8_t(*)[32])env_id;
				if ((r = sz_store_drop_sealed(n->store, one, 1, NULL)) == SZ_OK)
					r = sz_node_unwanted(n, nc->label, env_id);
			}
			continue;
		}
		if (e->type != SZ_CELL_EV_MESSAGE)
			continue;
		uint8_t zero[32] = { 0 };
		int er;
		/* Decoded and verified by the cell: filed as it is. */
		r = sz_store_put_entry(n->store, scope, env_id ? env_id : zero, &e->dec, e->entry_id,
		    e->entry, e->entry_len, &er);
		/* The files a post names, to find and check them later. */
		sz_body body;
		if (r == SZ_OK && e->kind == SZ_KIND_POST &&
		    sz_post_body_decode(&body, e->body, e->body_len) == SZ_OK && body.nfiles > 0)
			r = sz_node_files_note(n, scope, e->entry_id, e->dec.timestamp_ms, body.files,
			    body.nfiles);
		/* Remember which member a cell signing key belongs to, to show who wrote what (an
		 * anonymous entry names nobody: its one-time key is noted for no one). */
		if (r == SZ_OK && e->entry_len > 34 && !sodium_is_zero(e->actor, 32))
			r = sz_node_author_note(n, e->entry + 2, e->actor);
		if (r == SZ_OK)
			r = sz_node_decide_filed(n, nc->cell, e, env_scope);
		if (r == SZ_OK)
			r = sz_node_reach_filed(n, nc->cell, e);
	}
	/* Out of the cell (left, or removed): the voting key goes, and what waits to be cast, and,
	 * after a parting time in which my leave or farewell (stored below) reaches the others,
	 * the cell's sealed envelopes (this node carries only its own cells').  Starting a parting
	 * that has ended finds no record of its scopes and ends at once. */
	if (r == SZ_OK && sz_cell_status(nc->cell) != SZ_CELL_ACTIVE) {
		sz_node_vote_forget(n, nc->cell);
		if (nc->parting_until == 0)
			r = sz_node_cell_parting_begin(n, nc);
		if (r == SZ_OK && nc->parting_until == 0)
			r = sz_node_cell_forget(n, nc);
	}
	if (r == SZ_OK && res->nout > 0) {
		int *rs = calloc(res->nout, sizeof *rs);
		if (rs == NULL)
			return SZ_ERR_NOMEM;
		r = sz_node_store_envelopes(n, (const uint8_t *const *)res->out, res->outlen,
		    res->nout, rs);
		free(rs);
	}
	if (r != SZ_OK)
		return sz_node_fail(n, r, "%s", sz_store_errmsg(n->store));
	return SZ_OK;
}

/* Is what the cell refused not authentic whatever the cell's state (a seal that does not open, a
 * bad signature or encoding inside)?  Then no honest member holds it: junk.  A refusal that
 * depends on the state (a replay of what the cell has, a sender it knows was removed, an
 * equivocation) may come from an honest member who kept it in good faith. */
static bool
junk(int r, const sz_cell_result *res)
{
	if (r == SZ_ERR_DECRYPT)
		return true;
	for (size_t i = 0; i < res->nev; i++) {
		int why = res->ev[i].reason;
		if (res->ev[i].type == SZ_CELL_EV_REJECTED)
			return why == SZ_ERR_BAD_SIGNATURE || why == SZ_ERR_MALFORMED ||
			    why == SZ_ERR_NONCANONICAL || why == SZ_ERR_TRUNCATED ||
			    why == SZ_ERR_TOO_LARGE || why == SZ_ERR_UNSUPPORTED || why == SZ_ERR_DECRYPT;
	}
	return false;
}

/* Hand one stored envelope to nc's cell.  *drop (may be NULL) gets the cell's verdict: 0 if
 * kept; 1 if it is junk (its seal does not open, or what is inside is not authentic: deleted
 * from the store, counted against the peer); 2 if it is authentic but the cell will not keep it
 * (a replay of an op I got in my welcome, a post by a member I know was removed: deleted too,
 * and listed as declined, since an honest member may hold it and must not send it again and
 * again; no fault of whoever sent it). */
static int
feed(sz_node *n, sz_node_cell *nc, const sz_envelope *env, const uint8_t env_id[32], int *drop)
{
	if (drop != NULL)
		*drop = 0;
	n->batch_touched = true;
	sz_cell_result res = { 0 };
	int r = sz_cell_receive_parsed(nc->cell, env, &res);
	if (r == SZ_OK || r == SZ_ERR_DECRYPT) {
		int dropped = !res.drop ? 0 : junk(r, &res) ? 1 : 2;
		if (r == SZ_OK)
			r = absorb(n, nc, &res, env_id, env->scope);
		else
			r = SZ_OK;
		if (r == SZ_OK && dropped) {
			/* Junk, a forgery or a refused replay: not kept, not relayed. */
			if (n->log != NULL)
				fprintf(n->log, "cell %s: an envelope of its scope %s; deleted\n",
				    sz_cell_name(nc->cell), res.nev > 0 && res.ev[0].text[0] ? res.ev[0].text :
				    "is not worth keeping");
			const uint8_t (*one)[32] = (const uint8_t(*)[32])env_id;
			if ((r = sz_store_drop_sealed(n->store, one, 1, NULL)) != SZ_OK)
				r = sz_node_fail(n, r, "%s", sz_store_errmsg(n->store));
			/* Opened and declined: listed, not held, so it is not sent again. */
			if (r == SZ_OK && dropped == 2 && sz_cell_status(nc->cell) == SZ_CELL_ACTIVE)
				r = sz_node_cell_decline_id(n, nc, env_id);
		}
		if (drop != NULL)
			*drop = dropped;
	} else if (r == SZ_ERR_NOT_FOUND) {
		r = SZ_OK; /* not of this cell's epochs (any more) */
	}
	sz_cell_result_free(&res);
	return r;
}

static bool
scope_in(const uint8_t (*list)[16], size_t n, const uint8_t scope[16])
{
	for (size_t i = 0; i < n; i++)
		if (memcmp(list[i], scope, 16) == 0)
			return true;
	return false;
}


/* The cell's epochs changed: an epoch that aged out of those it keeps leaves the label's set,
 * so the kept sketches of the label no longer describe it. */
static int
scopes_changed(sz_node *n, sz_node_cell *nc, const uint8_t (*sc)[16], size_t k)
{
	bool shrank = false;
	for (size_t i = 0; i < nc->nscopes && !shrank; i++)
		shrank = !scope_in(sc, k, nc->scopes[i]);
	if (shrank)
		sz_node_sketches_drop_label(n, nc->label);
	if (k != nc->nscopes || shrank) {
		void *p = realloc(nc->scopes, (k ? k : 1) * 16);
		if (p == NULL)
			return SZ_ERR_NOMEM;
		nc->scopes = p;
	}
	memcpy(nc->scopes, sc, k * 16);
	nc->nscopes = k;
	return SZ_OK;
}

/* Envelopes that arrived before their epoch was known sit in the store unopened (in the
 * quarantine): when a cell comes to own a scope it has not scanned yet, feed it those; what it
 * keeps goes into the kept sketches of its label, what it drops is deleted.  Other envelopes of
 * the scope (this node's own, sealed as it learnt the epoch) were handled when they were made:
 * they only go into the sketches.  The scanned scopes are kept per cell ("cell/<id>.seen"), so
 * each is scanned once; they also name what to delete once I am out of the cell. */
static int
catch_up(sz_node *n, sz_node_cell *nc)
{
	char name[128];
	sz_buf seen = { 0 };
	int r = SZ_OK;
	bool changed = false;
	sz_node_cell_kv_name(name, sizeof name, sz_cell_id(nc->cell), "seen");
	if (sz_cell_status(nc->cell) != SZ_CELL_ACTIVE)
		return SZ_OK;
	int gr = sz_store_kv_get(n->store, name, &seen);
	if (gr != SZ_OK && gr != SZ_ERR_NOT_FOUND) {
		sz_buf_free(&seen);
		return gr;
	}
	for (int round = 0; round < 8 && sz_cell_status(nc->cell) == SZ_CELL_ACTIVE; round++) {
		uint8_t sc[64][16];
		size_t k = 0;
		bool fresh = false;
		if (sz_cell_scopes(nc->cell, sc, 64, &k) != SZ_OK)
			break;
		if ((r = scopes_changed(n, nc, (const uint8_t(*)[16])sc, k)) != SZ_OK)
			break;
		for (size_t i = 0; i < k && r == SZ_OK && sz_cell_status(nc->cell) == SZ_CELL_ACTIVE; i++) {
			if (scope_in((const uint8_t(*)[16])seen.p, seen.len / 16, sc[i]))
				continue;
			fresh = changed = true;
			sz_buf_append(&seen, sc[i], 16);
			uint8_t (*ids)[32] = NULL, (*labels)[16] = NULL;
			size_t count = 0;
			if ((r = sz_node_quar_release(n, sc[i], &ids, &labels, &count)) != SZ_OK)
				break;
			if (n->log != NULL && count > 0)
				fprintf(n->log, "cell %s: %zu stored envelopes of a newly known epoch\n",
				    sz_cell_name(nc->cell), count);
			for (size_t j = 0; j < count && r == SZ_OK; j++) {
				uint8_t *env;
				size_t len;
				int drop = 0;
				if ((r = sz_store_get_envelope(n->store, ids[j], &env, &len)) != SZ_OK) {
					if (r == SZ_ERR_NOT_FOUND)
						r = SZ_OK; /* deleted meanwhile (I left the cell, say) */
					continue;
				}
				/* From the store: parsed here for the first time in this process. */
				sz_envelope pe;
				if (sz_env_parse(&pe, env, len, 0) != SZ_OK) {
					free(env);
					continue; /* the store keeps only what parsed */
				}
				if ((r = feed(n, nc, &pe, ids[j], &drop)) == SZ_OK)
					sz_node_fed_note(n, ids[j], drop);
				/* Listed under another label while quarantined, or junk now gone: that
				 * label's set lost it. */
				if (r == SZ_OK && (drop == 1 || memcmp(labels[j], nc->label, 16) != 0))
					sz_node_sketches_drop_label(n, labels[j]);
				free(env);
			}
			free(ids);
			free(labels);
			/* The scope's stored envelopes are now listed under the label, some of them
			 * counted already (this node's own, made as it learnt the epoch; those that were
			 * quarantined under it): the kept sketches, which hold no ids to tell, are
			 * rebuilt from the store when next asked. */
			if (r == SZ_OK)
				sz_node_sketches_drop_label(n, nc->label);
		}
		if (!fresh || r != SZ_OK)
			break;
	}
	/* Out of the cell meanwhile: forget_envelopes has used the record and deleted it. */
	if (sz_cell_status(nc->cell) != SZ_CELL_ACTIVE)
		changed = false;
	/* Keep at most the newest 256 scanned scopes. */
	if (seen.len > 256 * 16) {
		memmove(seen.p, seen.p + seen.len - 256 * 16, 256 * 16);
		seen.len = 256 * 16;
	}
	if (r == SZ_OK && changed && !seen.err)
		r = sz_store_kv_put(n->store, name, seen.p, seen.len);
	sz_buf_free(&seen);
	return r;
}

int
sz_node_cells_receive(sz_node *n, const sz_env_in *in, bool *owned, int *drop)
{
	*owned = false;
	*drop = 0;
	if (in->err != SZ_OK || in->env.format != SZ_ENV_SEALED)
		return SZ_OK;
	const uint8_t *scope = in->env.scope;
	if (sz_node_fed_find(n, in->id, drop)) {
		*owned = true; /* a catch-up earlier in this batch fed it */
		return SZ_OK;
	}
	for (size_t i = 0; i < n->ncells; i++) {
		sz_node_cell *nc = &n->cells[i];
		if (sz_cell_status(nc->cell) != SZ_CELL_ACTIVE && sz_node_cell_syncs(n, nc) &&
		    scope_in((const uint8_t(*)[16])nc->scopes, nc->nscopes, scope)) {
			*owned = true; /* parting: kept for the others, not opened (no keys) */
			sz_node_sketch_note(n, scope, in->id);
			return SZ_OK;
		}
		if (sz_cell_status(nc->cell) != SZ_CELL_ACTIVE || !sz_cell_owns(nc->cell, scope))
			continue;
		*owned = true;
		int r = feed(n, nc, &in->env, in->id, drop);
		if (r == SZ_OK && !*drop)
			sz_node_sketch_note(n, scope, in->id);
		if (r == SZ_OK)
			r = catch_up(n, nc);
		return r;
	}
	return SZ_OK;
}

/* --- what the CLI asks of cells ----------------------------------------------------------- */

sz_cell *
sz_node_cell_find(sz_node *n, const char *name)
{
	sz_cell *hit = NULL;
	size_t nl = strlen(name);
	for (size_t i = 0; i < n->ncells; i++) {
		sz_cell *c = n->cells[i].cell;
		if (strcmp(sz_cell_name(c), name) == 0)
			return c;
		/* or by the hex of its (local) id */
		char hex[65];
		sz_hex_encode(hex, sz_cell_id(c), 32);
		if (nl >= 8 && strncmp(hex, name, nl) == 0)
			hit = c;
	}
	return hit;
}

static sz_node_cell *
slot_of(sz_node *n, sz_cell *c)
{
	for (size_t i = 0; i < n->ncells; i++)
		if (n->cells[i].cell == c)
			return &n->cells[i];
	return NULL;
}

/* Take over a new cell state: list it, keep it, file what it produced.  A state of the same cell
 * that I am out of (removed: for instance my add was revoked before I joined, and I am invited
 * again) is replaced; one I am active in is kept and the new state refused (SZ_ERR_EXISTS). */
static int
adopt(sz_node *n, sz_cell *c, sz_cell_result *res)
{
	size_t i;
	for (i = 0; i < n->ncells; i++)
		if (memcmp(sz_cell_id(n->cells[i].cell), sz_cell_id(c), 32) == 0)
			break;
	if (i < n->ncells && sz_cell_status(n->cells[i].cell) == SZ_CELL_ACTIVE) {
		sz_cell_free(c);
		return sz_node_fail(n, SZ_ERR_EXISTS, "you are in this cell already");
	}
	if (i < n->ncells) {
		/* the state I was removed in, and what the node kept of it */
		sz_cell_free(n->cells[i].cell);
		sz_secret_free(n->cells[i].pairs);
		free(n->cells[i].scopes);
		free(n->cells[i].declined);
	} else {
		if (n->ncells >= MAX_CELLS) {
			sz_cell_free(c);
			return sz_node_fail(n, SZ_ERR_LIMIT, "this node is in %d cells already", MAX_CELLS);
		}
		sz_node_cell *v = realloc(n->cells, (n->ncells + 1) * sizeof *v);
		if (v == NULL) {
			sz_cell_free(c);
			return SZ_ERR_NOMEM;
		}
		n->cells = v;
		n->ncells++;
	}
	memset(&n->cells[i], 0, sizeof n->cells[i]);
	n->cells[i].cell = c;
	n->cells[i].dirty = true;
	if (sz_node_cell_label(c, n->cells[i].label) != SZ_OK)
		return SZ_ERR_INTERNAL; /* the cell is listed: freed with the node */
	int r = sz_node_batch_begin(n);
	if (r != SZ_OK)
		return r; /* the cell is listed: freed with the node */
	r = absorb(n, &n->cells[i], res, NULL, NULL);
	if (r == SZ_OK)
		r = catch_up(n, &n->cells[i]);
	if (r == SZ_OK)
		r = save_cell(n, &n->cells[i]);
	if (r == SZ_OK)
		r = save_list(n);
	return sz_node_batch_end(n, r);
}

int
sz_node_cell_create(sz_node *n, const char *name, sz_cell **out)
{
	sz_cell *c;
	sz_cell_result res = { 0 };
	*out = NULL;
	if (sz_node_cell_find(n, name) != NULL)
		return sz_node_fail(n, SZ_ERR_EXISTS, "you already have a cell named '%s'", name);
	int r = sz_cell_create(&c, n->env, name, n->id_sk, &res);
	if (r != SZ_OK) {
		sz_cell_result_free(&res);
		return sz_node_fail(n, r, "the cell could not be created");
	}
	r = adopt(n, c, &res);
	sz_cell_result_free(&res);
	if (r == SZ_OK)
		*out = c;
	/* My voting key and its enrollment; if that fails now, it is made on first need. */
	if (r == SZ_OK && sz_node_vote_ensure(n, c) != SZ_OK)
		n->errmsg[0] = '\0';
	return r;
}

/* Run a cell operation and file its result. */
int
sz_node_cell_apply(sz_node *n, sz_cell *c, int r, sz_cell_result *res)
{
	sz_node_cell *nc = slot_of(n, c);
	/* One transaction for the operation and all it makes. */
	if (r == SZ_OK && nc != NULL && (r = sz_node_batch_begin(n)) == SZ_OK) {
		r = absorb(n, nc, res, NULL, NULL);
		if (r == SZ_OK)
			r = catch_up(n, nc);
		if (r == SZ_OK)
			r = save_cell(n, nc);
		r = sz_node_batch_end(n, r);
	}
	sz_cell_result_free(res);
	return r;
}

int
sz_node_cell_join(sz_node *n, const sz_cell_joinkeys *keys, const uint8_t *welcome, size_t len,
    sz_cell **out)
{
	sz_cell *c;
	sz_cell_result res = { 0 };
	*out = NULL;
	int r = sz_cell_join(&c, n->env, n->id_sk, keys, welcome, len, &res);
	if (r != SZ_OK) {
		sz_cell_result_free(&res);
		return sz_node_fail(n, r, "the welcome does not open with this invitation");
	}
	r = adopt(n, c, &res);
	sz_cell_result_free(&res);
	if (r == SZ_OK)
		*out = c;
	if (r == SZ_OK && sz_node_vote_ensure(n, c) != SZ_OK)
		n->errmsg[0] = '\0'; /* made on first need */
	return r;
}
