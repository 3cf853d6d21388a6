/*
 * chunks.c - what a store keeps of attachments: chunks held, files named, chunks refused for a
 * quota (see chunks.h; tables of migration 2, docs/PROTOCOL.md § The encrypted store §4).
 * Layer: store.
 */
#include "store/chunks.h"

#include <string.h>

#include "crypto/crypto.h"
#include "store/store_int.h"

/* Run a prepared write (bound already) inside a transaction of its own (a savepoint inside an
 * open one); st is finalized unless it is one of the kept statements (keep). */
static int
write1(sz_store *s, sqlite3_stmt *st, bool keep, const char *what)
{
	int r = sz_store_begin(s);
	if (r == SZ_OK) {
		int rc = sqlite3_step(st);
		r = rc == SQLITE_DONE ? SZ_OK : sz_store_fail(s, rc, what);
		if (r == SZ_OK && sqlite3_changes(s->db) == 0)
			r = SZ_ERR_EXISTS; /* committed all the same: nothing changed */
	}
	if (keep)
		sqlite3_reset(st);
	else
		sqlite3_finalize(st);
	if (r != SZ_OK && r != SZ_ERR_EXISTS) {
		sz_store_rollback(s);
		return r;
	}
	int c = sz_store_commit(s);
	return c != SZ_OK ? c : r;
}

static int
prepare(sz_store *s, const char *sql, sqlite3_stmt **st, const char *what)
{
	int rc = sqlite3_prepare_v2(s->db, sql, -1, st, NULL);
	return rc == SQLITE_OK ? SZ_OK : sz_store_fail(s, rc, what);
}

int
sz_store_chunk_put(sz_store *s, const uint8_t hash[static 32], const uint8_t env_id[static 32],
    const uint8_t ctx[static 16], const uint8_t *key, uint32_t len)
{
	sqlite3_stmt *st = sz_store_stmt(s, ST_CHUNK_PUT);
	if (st == NULL)
		return SZ_ERR_INTERNAL;
	sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, env_id, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, ctx, 16, SQLITE_STATIC);
	if (key != NULL)
		sqlite3_bind_blob(st, 4, key, 32, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 4);
	sqlite3_bind_int64(st, 5, len);
	return write1(s, st, true, "noting a chunk");
}

int
sz_store_chunk_find(sz_store *s, const uint8_t hash[static 32], sz_store_chunk *out)
{
	memset(out, 0, sizeof *out);
	sqlite3_stmt *st = sz_store_stmt(s, ST_CHUNK_FIND);
	if (st == NULL)
		return SZ_ERR_INTERNAL;
	sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
	int rc = sqlite3_step(st), r = SZ_ERR_NOT_FOUND;
	if (rc == SQLITE_ROW) {
		r = SZ_ERR_CORRUPT;
		int kl = sqlite3_column_bytes(st, 2);
		if (sqlite3_column_bytes(st, 0) == 32 && sqlite3_column_bytes(st, 1) == 16 &&
		    (kl == 32 || sqlite3_column_type(st, 2) == SQLITE_NULL)) {
			memcpy(out->env_id, sqlite3_column_blob(st, 0), 32);
			memcpy(out->ctx, sqlite3_column_blob(st, 1), 16);
			if (kl == 32) {
				memcpy(out->key, sqlite3_column_blob(st, 2), 32);
				out->has_key = true;
			}
			sqlite3_int64 l = sqlite3_column_int64(st, 3);
			out->len = l > 0 && l <= UINT32_MAX ? (uint32_t)l : 0;
			r = SZ_OK;
		}
	} else if (rc != SQLITE_DONE) {
		r = sz_store_fail(s, rc, "looking up a chunk");
	}
	sqlite3_reset(st);
	return r;
}

int
sz_store_chunk_usage(sz_store *s, int (*fn)(void *fctx, const uint8_t ctx[16], uint64_t bytes),
    void *fctx)
{
	sqlite3_stmt *st;
	int r = prepare(s, "SELECT c.ctx, sum(c.len) FROM chunks c JOIN envelopes e ON e.id = c.env_id "
	    "GROUP BY c.ctx", &st, "counting chunks");
	if (r != SZ_OK)
		return r;
	int rc;
	while (r == SZ_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		sqlite3_int64 b = sqlite3_column_int64(st, 1);
		if (sqlite3_column_bytes(st, 0) == 16 && b > 0)
			r = fn(fctx, sqlite3_column_blob(st, 0), (uint64_t)b);
	}
	if (r == SZ_OK && rc != SQLITE_DONE)
		r = sz_store_fail(s, rc, "counting chunks");
	sqlite3_finalize(st);
	return r;
}

int
sz_store_file_put(sz_store *s, const sz_store_file *f)
{
	sqlite3_stmt *st;
	int r = prepare(s, "INSERT OR IGNORE INTO files(hash, entry_id, ctx, time_ms, manifest, state) "
	    "VALUES(?1, ?2, ?3, ?4, ?5, ?6)", &st, "noting a file");
	if (r != SZ_OK)
		return r;
	sqlite3_bind_blob(st, 1, f->hash, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, f->entry_id, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, f->ctx, 16, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, sz_store_time(f->time_ms));
	sqlite3_bind_blob(st, 5, f->manifest, 75, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, f->state);
	return write1(s, st, false, "noting a file");
}

int
sz_store_file_state(sz_store *s, const uint8_t manifest[static 75], int state)
{
	sqlite3_stmt *st;
	int r = prepare(s, "UPDATE files SET state = ?2 WHERE hash = ?3 AND manifest = ?1", &st,
	    "noting a file's state");
	if (r != SZ_OK)
		return r;
	sqlite3_bind_blob(st, 1, manifest, 75, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, state);
	sqlite3_bind_blob(st, 3, manifest + 11, 32, SQLITE_STATIC); /* the hash (wire/attach.h) */
	r = write1(s, st, false, "noting a file's state");
	return r == SZ_ERR_EXISTS ? SZ_OK : r;
}

int
sz_store_file_get_state(sz_store *s, const uint8_t manifest[static 75], int *state)
{
	sqlite3_stmt *st;
	*state = SZ_STORE_FILE_PENDING;
	int r = prepare(s, "SELECT state FROM files WHERE hash = ?2 AND manifest = ?1 LIMIT 1", &st,
	    "looking up a file");
	if (r != SZ_OK)
		return r;
	sqlite3_bind_blob(st, 1, manifest, 75, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, manifest + 11, 32, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*state = sqlite3_column_int(st, 0);
	else if (rc == SQLITE_DONE)
		r = SZ_ERR_NOT_FOUND;
	else
		r = sz_store_fail(s, rc, "looking up a file");
	sqlite3_finalize(st);
	return r;
}

int
sz_store_files_list(sz_store *s, const uint8_t *ctx,
    int (*fn)(void *fctx, const sz_store_file *f), void *fctx)
{
	sqlite3_stmt *st;
	int r = prepare(s, "SELECT f.hash, f.entry_id, f.ctx, f.time_ms, f.manifest, f.state FROM files f "
	    "WHERE (?1 IS NULL OR f.ctx = ?1) AND EXISTS (SELECT 1 FROM entries e WHERE e.id = f.entry_id) "
	    "ORDER BY f.time_ms, f.hash", &st, "listing files");
	if (r != SZ_OK)
		return r;
	if (ctx != NULL)
		sqlite3_bind_blob(st, 1, ctx, 16, SQLITE_STATIC);
	int rc;
	while (r == SZ_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		sz_store_file f;
		if (sqlite3_column_bytes(st, 0) != 32 || sqlite3_column_bytes(st, 1) != 32 ||
		    sqlite3_column_bytes(st, 2) != 16 || sqlite3_column_bytes(st, 4) != 75)
			continue;
		memcpy(f.hash, sqlite3_column_blob(st, 0), 32);
		memcpy(f.entry_id, sqlite3_column_blob(st, 1), 32);
		memcpy(f.ctx, sqlite3_column_blob(st, 2), 16);
		f.time_ms = (uint64_t)sqlite3_column_int64(st, 3);
		memcpy(f.manifest, sqlite3_column_blob(st, 4), 75);
		f.state = sqlite3_column_int(st, 5);
		r = fn(fctx, &f);
	}
	if (r == SZ_OK && rc != SQLITE_DONE)
		r = sz_store_fail(s, rc, "listing files");
	sqlite3_finalize(st);
	return r;
}

int
sz_store_unwanted_put(sz_store *s, const uint8_t label[static 16], const uint8_t id[static 32])
{
	sqlite3_stmt *st;
	int r = prepare(s, "INSERT OR IGNORE INTO unwanted(label, id, time_ms) VALUES(?1, ?2, ?3)",
	    &st, "noting a refused chunk");
	if (r != SZ_OK)
		return r;
	sqlite3_bind_blob(st, 1, label, 16, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, id, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, sz_store_time(sz_now_ms(s->env)));
	return write1(s, st, false, "noting a refused chunk");
}

int
sz_store_unwanted_list(sz_store *s, const uint8_t label[static 16],
    int (*fn)(void *fctx, const uint8_t id[32]), void *fctx)
{
	sqlite3_stmt *st;
	int r = prepare(s, "SELECT id FROM unwanted WHERE label = ?1", &st, "listing refused chunks");
	if (r != SZ_OK)
		return r;
	sqlite3_bind_blob(st, 1, label, 16, SQLITE_STATIC);
	int rc;
	while (r == SZ_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
		if (sqlite3_column_bytes(st, 0) == 32)
			r = fn(fctx, sqlite3_column_blob(st, 0));
	if (r == SZ_OK && rc != SQLITE_DONE)
		r = sz_store_fail(s, rc, "listing refused chunks");
	sqlite3_finalize(st);
	return r;
}

int
sz_store_unwanted_clear(sz_store *s, const uint8_t *label)
{
	sqlite3_stmt *st;
	int r = prepare(s, "DELETE FROM unwanted WHERE ?1 IS NULL OR label = ?1", &st,
	    "forgetting refused chunks");
	if (r != SZ_OK)
		return r;
	if (label != NULL)
		sqlite3_bind_blob(st, 1, label, 16, SQLITE_STATIC);
	r = write1(s, st, false, "forgetting refused chunks");
	return r == SZ_ERR_EXISTS ? SZ_OK : r;
}
