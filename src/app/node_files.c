/*
 * node_files.c - what a node holds of the files its posts and leaflets name: whether each is
 * complete (every chunk here, the whole hash checked), finding one, writing one out
 * (docs/PROTOCOL.md § Attachments §4).  Layer: app.
 */
#include "app/node_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cell/cell.h"
#include "crypto/crypto.h"
#include "wire/entry.h"

/* The chunk of hash h into data (room for SZ_ATTACH_CHUNK), checked against h.  SZ_ERR_NOT_FOUND
 * if no envelope of it is held, SZ_ERR_CORRUPT if what is held does not match. */
static int
chunk_read(sz_node *n, const uint8_t h[32], uint8_t *data, size_t *len)
{
	sz_store_chunk ch;
	uint8_t *env = NULL, got[32];
	size_t elen = 0;
	*len = 0;
	int r = sz_store_chunk_find(n->store, h, &ch);
	if (r == SZ_OK)
		r = sz_store_get_envelope(n->store, ch.env_id, &env, &elen);
	if (r == SZ_OK && ch.has_key) {
		r = sz_cell_chunk_open(env, elen, ch.key, data, len);
	} else if (r == SZ_OK) {
		sz_envelope e;
		r = sz_env_parse(&e, env, elen, 0);
		if (r == SZ_OK && (e.format != SZ_ENV_PUBLIC || e.entry.kind != SZ_KIND_CHUNK ||
		    e.entry.body_len > SZ_ATTACH_CHUNK))
			r = SZ_ERR_CORRUPT;
		if (r == SZ_OK) {
			memcpy(data, e.entry.body, e.entry.body_len);
			*len = e.entry.body_len;
		}
	}
	sz_wipe(ch.key, sizeof ch.key);
	free(env);
	if (r == SZ_OK && (sz_blake2b(got, 32, data, *len, NULL, 0) != SZ_OK ||
	    !sz_ct_equal(got, h, 32)))
		r = SZ_ERR_CORRUPT;
	if (r != SZ_OK && r != SZ_ERR_NOT_FOUND && r != SZ_ERR_NOMEM)
		r = SZ_ERR_CORRUPT;
	return r;
}

/* The index of m into idx (malloc()ed, 32 bytes a chunk), checked: SZ_ERR_NOT_FOUND, or
 * SZ_ERR_CORRUPT if it does not list as many chunks as the size needs. */
static int
index_read(sz_node *n, const sz_manifest *m, uint8_t **idx)
{
	size_t len = 0;
	*idx = malloc(SZ_ATTACH_CHUNK);
	if (*idx == NULL)
		return SZ_ERR_NOMEM;
	int r = chunk_read(n, m->index, *idx, &len);
	if (r == SZ_OK && len != 32ull * sz_attach_nchunks(m->size))
		r = SZ_ERR_CORRUPT;
	if (r != SZ_OK) {
		free(*idx);
		*idx = NULL;
	}
	return r;
}

static int
record(sz_node *n, const sz_manifest *m, int state)
{
	uint8_t enc[SZ_MANIFEST_BYTES];
	sz_manifest_encode(m, enc);
	int r = sz_store_file_state(n->store, enc, state);
	return r == SZ_OK ? r : sz_node_fail(n, r, "%s", sz_store_errmsg(n->store));
}

/* Read every chunk in order, each checked; fn (may be NULL) gets the bytes; the whole hash is
 * compared with the manifest's at the end. */
static int
walk(sz_node *n, const sz_manifest *m, const uint8_t *idx,
    int (*fn)(void *ctx, const uint8_t *p, size_t len), void *ctx)
{
	uint32_t nch = sz_attach_nchunks(m->size);
	uint8_t *data = malloc(SZ_ATTACH_CHUNK), whole[32];
	uint64_t total = 0;
	sz_blake2b_state hs;
	int r = data == NULL ? SZ_ERR_NOMEM : sz_blake2b_init(&hs, 32);
	for (uint32_t i = 0; i < nch && r == SZ_OK; i++) {
		size_t len;
		if ((r = chunk_read(n, idx + 32 * (size_t)i, data, &len)) != SZ_OK)
			break;
		/* every chunk but the last is whole; the sizes add up to the manifest's */
		if ((i + 1 < nch && len != SZ_ATTACH_CHUNK) || (total += len) > m->size)
			r = SZ_ERR_CORRUPT;
		if (r == SZ_OK)
			r = sz_blake2b_update(&hs, data, len);
		if (r == SZ_OK && fn != NULL)
			r = fn(ctx, data, len);
	}
	if (r == SZ_OK) {
		if ((r = sz_blake2b_final(&hs, whole)) == SZ_OK &&
		    (total != m->size || !sz_ct_equal(whole, m->hash, 32)))
			r = SZ_ERR_CORRUPT;
	}
	free(data);
	return r;
}

int
sz_node_file_check(sz_node *n, const sz_manifest *m, sz_node_file_state *st)
{
	uint8_t enc[SZ_MANIFEST_BYTES], *idx = NULL;
	int cached = SZ_STORE_FILE_PENDING, r;
	uint32_t nch = sz_attach_nchunks(m->size);
	memset(st, 0, sizeof *st);
	st->total = nch + 1;
	sz_manifest_encode(m, enc);
	if ((r = sz_store_file_get_state(n->store, enc, &cached)) != SZ_OK && r != SZ_ERR_NOT_FOUND)
		return sz_node_fail(n, r, "%s", sz_store_errmsg(n->store));
	if (cached == SZ_STORE_FILE_DAMAGED) {
		st->state = cached;
		return SZ_OK;
	}
	r = index_read(n, m, &idx);
	if (r == SZ_ERR_NOT_FOUND)
		return SZ_OK; /* nothing yet: pending */
	if (r == SZ_ERR_CORRUPT) {
		st->state = SZ_STORE_FILE_DAMAGED;
		return record(n, m, st->state);
	}
	if (r != SZ_OK)
		return r;
	st->have = 1;
	for (uint32_t i = 0; i < nch && r == SZ_OK; i++) {
		sz_store_chunk ch;
		r = sz_store_chunk_find(n->store, idx + 32 * (size_t)i, &ch);
		sz_wipe(ch.key, sizeof ch.key);
		if (r == SZ_OK)
			st->have++;
		else if (r == SZ_ERR_NOT_FOUND)
			r = SZ_OK;
	}
	if (r == SZ_OK && st->have == st->total) {
		/* All here: the whole hash decides, once (then remembered). */
		if (cached == SZ_STORE_FILE_COMPLETE) {
			st->state = cached;
		} else {
			r = walk(n, m, idx, NULL, NULL);
			st->state = r == SZ_OK ? SZ_STORE_FILE_COMPLETE : SZ_STORE_FILE_DAMAGED;
			r = r == SZ_OK || r == SZ_ERR_CORRUPT ? record(n, m, st->state) : r;
		}
	}
	free(idx);
	return r;
}

typedef struct find_ctx {
	const char *hex;
	size_t hl, hits;
	sz_manifest m;
} find_ctx;

static int
find_row(void *fctx, const sz_store_file *f)
{
	find_ctx *x = fctx;
	char hex[65];
	sz_manifest m;
	sz_hex_encode(hex, f->hash, 32);
	if (strncasecmp(hex, x->hex, x->hl) != 0 || sz_manifest_decode(&m, f->manifest, 75) != SZ_OK)
		return SZ_OK;
	/* The same file named twice (by two posts, or a post and its copy) is one hit. */
	if (x->hits == 0 || memcmp(&m, &x->m, sizeof m) != 0)
		x->hits++;
	x->m = m;
	return SZ_OK;
}

int
sz_node_file_find(sz_node *n, const char *hex, sz_manifest *m)
{
	find_ctx x = { .hex = hex, .hl = strlen(hex) };
	memset(m, 0, sizeof *m);
	if (x.hl < 8 || x.hl > 64)
		return sz_node_fail(n, SZ_ERR_INVALID, "give at least 8 hex digits of the file's id");
	int r = sz_store_files_list(n->store, NULL, find_row, &x);
	if (r != SZ_OK)
		return sz_node_fail(n, r, "%s", sz_store_errmsg(n->store));
	if (x.hits != 1)
		return sz_node_fail(n, x.hits ? SZ_ERR_EXISTS : SZ_ERR_NOT_FOUND, x.hits ?
		    "more than one file starts with %s; give more digits" :
		    "no post or leaflet here names a file starting with %s", hex);
	*m = x.m;
	return SZ_OK;
}

/* Is m complete here?  SZ_ERR_AGAIN (not yet) or SZ_ERR_CORRUPT (damaged) with words. */
static int
ready(sz_node *n, const sz_manifest *m)
{
	sz_node_file_state st;
	int r = sz_node_file_check(n, m, &st);
	if (r != SZ_OK)
		return r;
	if (st.state == SZ_STORE_FILE_DAMAGED)
		return sz_node_fail(n, SZ_ERR_CORRUPT, "the file is damaged: its parts do not match the "
		    "hash its post or leaflet names");
	if (st.state != SZ_STORE_FILE_COMPLETE)
		return sz_node_fail(n, SZ_ERR_AGAIN, "the file is not complete here yet: %u of its %u "
		    "parts have arrived", st.have, st.total);
	return SZ_OK;
}

int
sz_node_file_write(sz_node *n, const sz_manifest *m, int (*fn)(void *ctx, const uint8_t *p,
    size_t len), void *ctx)
{
	uint8_t *idx = NULL;
	int r = ready(n, m);
	if (r != SZ_OK)
		return r;
	if ((r = index_read(n, m, &idx)) == SZ_OK)
		r = walk(n, m, idx, fn, ctx);
	free(idx);
	if (r == SZ_ERR_CORRUPT)
		(void)record(n, m, SZ_STORE_FILE_DAMAGED);
	if (r == SZ_ERR_CORRUPT)
		return sz_node_fail(n, r, "the file is damaged");
	return r == SZ_OK ? r : sz_node_fail(n, r, "the file could not be written: %s", sz_strerror(r));
}

int
sz_node_file_open(sz_node *n, const sz_manifest *m, sz_node_file_reader *rd)
{
	memset(rd, 0, sizeof *rd);
	int r = ready(n, m);
	if (r == SZ_OK)
		r = index_read(n, m, &rd->idx);
	if (r == SZ_ERR_CORRUPT)
		(void)record(n, m, SZ_STORE_FILE_DAMAGED);
	if (r != SZ_OK)
		return r;
	rd->m = *m;
	rd->nch = sz_attach_nchunks(m->size);
	return SZ_OK;
}

int
sz_node_file_chunk(sz_node *n, const sz_node_file_reader *rd, uint32_t i, uint8_t *data,
    size_t *len)
{
	*len = 0;
	if (rd->idx == NULL || i >= rd->nch)
		return SZ_ERR_INVALID;
	size_t want = i + 1 < rd->nch ? SZ_ATTACH_CHUNK :
	    (size_t)(rd->m.size - (uint64_t)i * SZ_ATTACH_CHUNK);
	int r = chunk_read(n, rd->idx + 32 * (size_t)i, data, len);
	if (r == SZ_OK && *len != want)
		r = SZ_ERR_CORRUPT;
	if (r == SZ_ERR_CORRUPT || r == SZ_ERR_NOT_FOUND) {
		/* It was complete when opened: a part gone or changed since is damage. */
		(void)record(n, &rd->m, SZ_STORE_FILE_DAMAGED);
		r = SZ_ERR_CORRUPT;
	}
	if (r != SZ_OK)
		*len = 0;
	return r;
}

void
sz_node_file_close(sz_node_file_reader *rd)
{
	free(rd->idx);
	memset(rd, 0, sizeof *rd);
}
