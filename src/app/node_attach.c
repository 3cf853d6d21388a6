/*
 * node_attach.c - attachments in a node: a file stripped, cut into chunks and stored as
 * envelopes (sealed for a cell, public and signed for a leaflet); the quotas; what arrives
 * noted (docs/PROTOCOL.md § Attachments).  Layer: app.  Their state and reading them back is
 * node_files.c's.
 */
#include "app/node_int.h"

#include <stdlib.h>
#include <string.h>

#include "cell/cell.h"
#include "crypto/crypto.h"
#include "wire/entry.h"

/* --- quotas and usage ------------------------------------------------------------------- */

/* Bytes of chunks held per owner, as the store counted them once and the node added since. */
struct sz_node_usage {
	uint8_t (*ctx)[16];
	uint64_t *bytes;
	size_t n, cap;
	uint64_t total;
	sz_node_quota quota;    /* as kept in KV_QUOTA when this was loaded */
};
typedef struct sz_node_usage usage_t;

void
sz_node_usage_free(sz_node *n)
{
	if (n->usage == NULL)
		return;
	free(n->usage->ctx);
	free(n->usage->bytes);
	free(n->usage);
	n->usage = NULL;
}

void
sz_node_usage_drop(sz_node *n)
{
	sz_node_usage_free(n);
}

static int
usage_add(usage_t *u, const uint8_t ctx[16], uint64_t bytes)
{
	for (size_t i = 0; i < u->n; i++)
		if (memcmp(u->ctx[i], ctx, 16) == 0) {
			u->bytes[i] += bytes;
			u->total += bytes;
			return SZ_OK;
		}
	if (u->n == u->cap) {
		size_t cap = u->cap ? u->cap * 2 : 8;
		uint8_t (*c)[16] = realloc(u->ctx, cap * 16);
		if (c == NULL)
			return SZ_ERR_NOMEM;
		u->ctx = c;
		uint64_t *b = realloc(u->bytes, cap * sizeof *b);
		if (b == NULL)
			return SZ_ERR_NOMEM;
		u->bytes = b;
		u->cap = cap;
	}
	memcpy(u->ctx[u->n], ctx, 16);
	u->bytes[u->n++] = bytes;
	u->total += bytes;
	return SZ_OK;
}

static int quota_read(sz_node *n, sz_node_quota *q);

static int
usage_row(void *fctx, const uint8_t ctx[16], uint64_t bytes)
{
	return usage_add(fctx, ctx, bytes);
}

static int
usage_load(sz_node *n)
{
	if (n->usage != NULL)
		return SZ_OK;
	if ((n->usage = calloc(1, sizeof *n->usage)) == NULL)
		return SZ_ERR_NOMEM;
	int r = quota_read(n, &n->usage->quota);
	if (r == SZ_OK)
		r = sz_store_chunk_usage(n->store, usage_row, n->usage);
	if (r != SZ_OK)
		sz_node_usage_free(n);
	return r;
}

int
sz_node_usage(sz_node *n, const uint8_t *ctx, uint64_t *bytes)
{
	*bytes = 0;
	int r = usage_load(n);
	if (r != SZ_OK)
		return r;
	if (ctx == NULL) {
		*bytes = n->usage->total;
		return SZ_OK;
	}
	for (size_t i = 0; i < n->usage->n; i++)
		if (memcmp(n->usage->ctx[i], ctx, 16) == 0)
			*bytes = n->usage->bytes[i];
	return SZ_OK;
}

int
sz_node_quota_get(sz_node *n, sz_node_quota *q)
{
	int r = usage_load(n);
	if (r == SZ_OK)
		*q = n->usage->quota;
	return r;
}

static int
quota_read(sz_node *n, sz_node_quota *q)
{
	sz_buf b = { 0 };
	q->node = SZ_NODE_QUOTA_NODE;
	q->each = SZ_NODE_QUOTA_EACH;
	int r = sz_store_kv_get(n->store, KV_QUOTA, &b);
	if (r == SZ_OK && (b.len != 17 || b.p[0] != 1))
		r = SZ_ERR_CORRUPT;
	if (r == SZ_OK) {
		q->node = sz_load_u64(b.p + 1);
		q->each = sz_load_u64(b.p + 9);
	}
	sz_buf_free(&b);
	return r == SZ_ERR_NOT_FOUND ? SZ_OK : r;
}

int
sz_node_quota_set(sz_node *n, const sz_node_quota *q)
{
	uint8_t v[17];
	v[0] = 1;
	sz_store_u64(v + 1, q->node);
	sz_store_u64(v + 9, q->each);
	int r = sz_store_kv_put(n->store, KV_QUOTA, v, sizeof v);
	sz_node_usage_drop(n); /* read again with the new quotas */
	/* What the old quotas refused may come now: no longer listed as held. */
	if (r == SZ_OK)
		r = sz_store_unwanted_clear(n->store, NULL);
	if (r == SZ_OK)
		sz_node_sketches_drop_all(n);
	return r == SZ_OK ? r : sz_node_fail(n, r, "%s", sz_store_errmsg(n->store));
}

bool
sz_node_chunk_fits(sz_node *n, const uint8_t ctx[16], uint64_t len)
{
	sz_node_quota q;
	uint64_t mine, all;
	if (sz_node_quota_get(n, &q) != SZ_OK || sz_node_usage(n, ctx, &mine) != SZ_OK ||
	    sz_node_usage(n, NULL, &all) != SZ_OK)
		return false;
	return mine + len <= q.each && all + len <= q.node;
}

int
sz_node_chunk_take(sz_node *n, const uint8_t ctx[16], const uint8_t env_id[32],
    const uint8_t hash[32], const uint8_t *key, size_t len, bool fitted)
{
	if (len == 0 || len > SZ_ATTACH_CHUNK)
		return SZ_ERR_INVALID;
	if (!fitted && !sz_node_chunk_fits(n, ctx, len))
		return SZ_ERR_LIMIT;
	int u = usage_load(n);
	if (u != SZ_OK)
		return u;
	int r = sz_store_chunk_put(n->store, hash, env_id, ctx, key, (uint32_t)len);
	if (r == SZ_ERR_EXISTS)
		return SZ_OK;
	if (r != SZ_OK)
		return sz_node_fail(n, r, "%s", sz_store_errmsg(n->store));
	return usage_add(n->usage, ctx, len);
}

int
sz_node_unwanted(sz_node *n, const uint8_t label[16], const uint8_t id[32])
{
	int r = sz_store_unwanted_put(n->store, label, id);
	if (r == SZ_ERR_EXISTS)
		return SZ_OK;
	if (r == SZ_OK)
		sz_node_sketch_note_id(n, label, id);
	return r;
}

int
sz_node_files_note(sz_node *n, const uint8_t ctx[16], const uint8_t entry_id[32],
    uint64_t time_ms, const sz_manifest *m, size_t k)
{
	for (size_t i = 0; i < k; i++) {
		sz_store_file f;
		memset(&f, 0, sizeof f);
		memcpy(f.hash, m[i].hash, 32);
		memcpy(f.entry_id, entry_id, 32);
		memcpy(f.ctx, ctx, 16);
		f.time_ms = time_ms;
		sz_manifest_encode(&m[i], f.manifest);
		int r = sz_store_file_put(n->store, &f);
		if (r != SZ_OK && r != SZ_ERR_EXISTS)
			return sz_node_fail(n, r, "%s", sz_store_errmsg(n->store));
	}
	return SZ_OK;
}

/* --- making one ------------------------------------------------------------------------- */

/* Envelopes stored per ingest while a file is cut (64 x 64 KiB: 4 MiB at a time). */
#define ATTACH_STEP 64

typedef struct maker {
	sz_node *n;
	sz_cell *cell;            /* NULL: a leaflet's (public chunks) */
	uint8_t ctx[16];
	uint64_t time_ms;
	uint8_t *envs[ATTACH_STEP];
	size_t lens[ATTACH_STEP];
	size_t count;
} maker;

static int
flush(maker *mk)
{
	int r = SZ_OK;
	if (mk->count > 0)
		r = sz_node_ingest(mk->n, (const uint8_t *const *)mk->envs, mk->lens, mk->count, NULL);
	for (size_t i = 0; i < mk->count; i++)
		free(mk->envs[i]);
	mk->count = 0;
	return r;
}

/* One chunk (hash h of its bytes) into an envelope, unless a public one is held already. */
static int
make_chunk(maker *mk, const uint8_t *data, size_t len, const uint8_t h[32])
{
	int r;
	if (mk->cell != NULL) {
		/* Sealed deterministically: the same chunk in the same epoch is the same envelope. */
		sz_cell_result res = { 0 };
		if ((r = sz_cell_seal_chunk(mk->cell, data, len, &res)) == SZ_OK && res.nout == 1) {
			mk->envs[mk->count] = res.out[0];
			mk->lens[mk->count++] = res.outlen[0];
			res.out[0] = NULL;
		}
		sz_cell_result_free(&res);
	} else {
		sz_store_chunk have;
		if (sz_store_chunk_find(mk->n->store, h, &have) == SZ_OK && !have.has_key)
			return SZ_OK; /* a leaflet's chunk of these bytes is here already */
		uint8_t *entry = NULL, id[32];
		size_t elen = 0;
		if ((r = sz_entry_build(&entry, &elen, id, SZ_KIND_CHUNK, NULL, 0, mk->time_ms, data, len,
		    mk->n->id_sk)) == SZ_OK &&
		    (r = sz_env_wrap_public(&mk->envs[mk->count], &mk->lens[mk->count], entry, elen)) == SZ_OK)
			mk->count++;
		free(entry);
	}
	if (r == SZ_OK && mk->count == ATTACH_STEP)
		r = flush(mk);
	return r;
}

int
sz_node_attach(sz_node *n, sz_cell *c, const uint8_t *file, size_t len, bool as_is,
    sz_manifest *m, sz_strip_report *rep)
{
	sz_buf clean = { 0 }, index = { 0 };
	maker mk = { .n = n, .cell = c, .time_ms = sz_now_ms(n->env) };
	const uint8_t *p = file;
	size_t plen = len;
	int r;
	memset(m, 0, sizeof *m);
	memset(rep, 0, sizeof *rep);
	n->errmsg[0] = '\0';
	if (c != NULL && sz_cell_status(c) != SZ_CELL_ACTIVE)
		return sz_node_fail(n, SZ_ERR_NOT_MEMBER, "you are no longer a member of this cell");
	/* Nothing of it leaves before it is stripped (docs/threat/attach.md). */
	r = sz_strip(file, len, &clean, rep);
	if (r == SZ_OK) {
		if (rep->residual != 0 && !as_is) {
			r = sz_node_fail(n, SZ_ERR_DENIED, "it carries what cannot be removed (%s): send it "
			    "only if you accept that", rep->residual & SZ_STRIP_RES_SIGNED ?
			    "a digital signature naming its signer" : "files or pictures of its own");
			goto out;
		}
		if (rep->residual != 0)
			m->flags |= SZ_MANIFEST_AS_IS; /* stripped, but what it carries stays */
		p = clean.p;
		plen = clean.len;
	} else if (r == SZ_ERR_UNSUPPORTED && as_is) {
		m->flags |= SZ_MANIFEST_AS_IS;
		rep->type = SZ_MEDIA_OTHER; /* sent as it is: named as what it is not sure to be */
	} else {
		r = sz_node_fail(n, r, r == SZ_ERR_UNSUPPORTED ? "samizdat cannot remove the metadata "
		    "of this type of file: send it only if you accept that" :
		    "the file looks damaged: it was not cleaned, and is not sent");
		goto out;
	}
	if (plen == 0 || plen > SZ_ATTACH_MAX) {
		r = sz_node_fail(n, plen ? SZ_ERR_TOO_LARGE : SZ_ERR_INVALID, plen ? "the file is larger "
		    "than 100 MiB" : "the file is empty");
		goto out;
	}
	if (c != NULL)
		sz_node_cell_local_scope(c, mk.ctx);
	else
		sz_env_public_scope(mk.ctx);
	/* The whole file and its index must fit (a chunk held already is counted twice: the check
	 * errs on the side of refusing). */
	uint32_t nch = sz_attach_nchunks(plen);
	if (!sz_node_chunk_fits(n, mk.ctx, plen + 32ull * nch)) {
		r = sz_node_fail(n, SZ_ERR_LIMIT, "the file does not fit this node's quota for files "
		    "('samizdat quota' shows and sets it)");
		goto out;
	}
	m->type = (uint8_t)rep->type;
	m->size = plen;
	if ((r = sz_blake2b(m->hash, 32, p, plen, NULL, 0)) != SZ_OK)
		goto out;
	/* The data chunks, then the index (their hashes) as a chunk of its own. */
	for (uint32_t i = 0; i < nch && r == SZ_OK; i++) {
		size_t off = (size_t)i * SZ_ATTACH_CHUNK, k = plen - off < SZ_ATTACH_CHUNK ?
		    plen - off : SZ_ATTACH_CHUNK;
		uint8_t h[32];
		if ((r = sz_blake2b(h, 32, p + off, k, NULL, 0)) == SZ_OK) {
			sz_buf_append(&index, h, 32);
			r = make_chunk(&mk, p + off, k, h);
		}
	}
	if (r == SZ_OK && (r = index.err) == SZ_OK && (r = sz_blake2b(m->index, 32, index.p, index.len,
	    NULL, 0)) == SZ_OK)
		r = make_chunk(&mk, index.p, index.len, m->index);
	if (r == SZ_OK)
		r = flush(&mk);
	if (r != SZ_OK && n->errmsg[0] == '\0')
		sz_node_fail(n, r, "the file could not be stored");
out:
	for (size_t i = 0; i < mk.count; i++)
		free(mk.envs[i]);
	sz_buf_free(&clean);
	sz_buf_free(&index);
	if (r != SZ_OK)
		memset(m, 0, sizeof *m);
	return r;
}
