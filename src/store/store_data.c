/*
 * store_data.c - envelopes and readable entries in the store: batched, verified, idempotent puts;
 * gets; listings by scope and time; DAG heads and missing parents; retention (store.h).
 * Layer: store.  Nothing is stored that did not parse and verify first.
 */
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "store/store_int.h"
#include "wire/entry.h"
#include "wire/attach.h"
#include "wire/envelope.h"

/* Run a one-row lookup statement already bound: 1 if it has a row, 0 if not, <0 on error. */
static int
row_exists(sz_store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return sz_store_fail(s, rc, what);
}

static int
id_in(sz_store *s, int which, const uint8_t id[static 32], const char *what)
{
	sqlite3_stmt *st = sz_store_stmt(s, which);
	if (st == NULL)
		return SZ_ERR_INTERNAL;
	sqlite3_bind_blob(st, 1, id, 32, SQLITE_STATIC);
	return row_exists(s, st, what);
}

static int
step_done(sz_store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? SZ_OK : sz_store_fail(s, rc, what);
}

/* Insert a verified entry (and its parent links) unless held or deleted before.  *item gets
 * SZ_OK, SZ_ERR_EXISTS or SZ_ERR_EXPIRED; the return value is a failure of the transaction. */
static int
insert_entry(sz_store *s, const uint8_t *scope, const uint8_t env_id[static 32],
    const sz_entry *e, const uint8_t id[static 32], const uint8_t *bytes, size_t len, int *item)
{
	int r;
	if ((r = id_in(s, ST_GONE_HAS, id, "looking up deleted entries")) < 0)
		return r;
	if (r == 1) {
		*item = SZ_ERR_EXPIRED;
		return SZ_OK;
	}
	sqlite3_stmt *st = sz_store_stmt(s, ST_ENT_PUT);
	if (st == NULL)
		return SZ_ERR_INTERNAL;
	sqlite3_bind_blob(st, 1, id, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, scope, SZ_SCOPE_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, sz_store_time(e->timestamp_ms));
	sqlite3_bind_blob(st, 4, env_id, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, bytes, (int)len, SQLITE_STATIC);
	if ((r = step_done(s, st, "storing an entry")) != SZ_OK)
		return r;
	if (sqlite3_changes(s->db) == 0) {
		*item = SZ_ERR_EXISTS; /* held already (INSERT OR IGNORE: one lookup, not two) */
		return SZ_OK;
	}
	for (unsigned i = 0; i < e->nparents; i++) {
		if ((st = sz_store_stmt(s, ST_PARENT_PUT)) == NULL)
			return SZ_ERR_INTERNAL;
		sqlite3_bind_blob(st, 1, scope, SZ_SCOPE_BYTES, SQLITE_STATIC);
		sqlite3_bind_blob(st, 2, e->parents + 32 * i, 32, SQLITE_STATIC);
		sqlite3_bind_blob(st, 3, id, 32, SQLITE_STATIC);
		if ((r = step_done(s, st, "storing a parent link")) != SZ_OK)
			return r;
	}
	*item = SZ_OK;
	return SZ_OK;
}

/* Insert one checked envelope (and a public one's entry) unless held or deleted before. */
static int
put_checked(sz_store *s, const sz_env_in *in, sqlite3_int64 now, int *item)
{
	const sz_envelope *env = &in->env;
	int r;

	if ((*item = in->err) != SZ_OK)
		return SZ_OK;
	if ((r = id_in(s, ST_GONE_HAS, in->id, "looking up deleted envelopes")) < 0)
		return r;
	if (r == 1) {
		*item = SZ_ERR_EXPIRED;
		return SZ_OK;
	}
	sqlite3_int64 t = now;
	if (env->format == SZ_ENV_PUBLIC) {
		int eitem;
		uint8_t chunks[SZ_SCOPE_BYTES];
		/* A leaflet's chunk is filed apart: no leaflet's parent, in no list of leaflets. */
		if (env->entry.kind == SZ_KIND_CHUNK)
			sz_attach_chunk_scope(chunks);
		if ((r = insert_entry(s, env->entry.kind == SZ_KIND_CHUNK ? chunks : env->scope, in->id,
		    &env->entry, env->entry_id,
		    env->entry_bytes, env->entry_len, &eitem)) != SZ_OK)
			return r;
		if (eitem == SZ_ERR_EXPIRED) {
			*item = eitem;
			return SZ_OK;
		}
		t = sz_store_time(env->entry.timestamp_ms);
	}
	sqlite3_stmt *st = sz_store_stmt(s, ST_ENV_PUT);
	if (st == NULL)
		return SZ_ERR_INTERNAL;
	sqlite3_bind_blob(st, 1, in->id, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, env->scope, SZ_SCOPE_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, t);
	if (env->format == SZ_ENV_PUBLIC) {
		/* The envelope is rebuilt from its entry on the way out: stored once, not twice. */
		sqlite3_bind_blob(st, 4, env->entry_id, 32, SQLITE_STATIC);
		sqlite3_bind_null(st, 5);
	} else {
		sqlite3_bind_null(st, 4);
		sqlite3_bind_blob(st, 5, in->buf, (int)in->len, SQLITE_STATIC);
	}
	if ((r = step_done(s, st, "storing an envelope")) != SZ_OK)
		return r;
	*item = sqlite3_changes(s->db) > 0 ? SZ_OK : SZ_ERR_EXISTS;
	return SZ_OK;
}

int
sz_store_put_checked(sz_store *s, const sz_env_in *in, size_t n, int *results)
{
	int r, item;
	if (n == 0)
		return SZ_OK;
	if (in == NULL)
		return SZ_ERR_INVALID;
	if ((r = sz_store_begin(s)) != SZ_OK)
		return r;
	sqlite3_int64 now = sz_store_time(sz_now_ms(s->env));
	for (size_t i = 0; i < n; i++) {
		if ((r = put_checked(s, &in[i], now, &item)) != SZ_OK) {
			sz_store_rollback(s);
			return r;
		}
		if (results != NULL)
			results[i] = item;
	}
	return sz_store_commit(s);
}

int
sz_store_put_checked_bare(sz_store *s, const sz_env_in *in, size_t n, int *results)
{
	int r, item;
	if (s->depth != 1)
		return sz_store_put_checked(s, in, n, results);
	if (n == 0)
		return SZ_OK;
	if (in == NULL)
		return SZ_ERR_INVALID;
	if (s->aborted || sqlite3_get_autocommit(s->db))
		return sz_store_aborted(s);
	sqlite3_int64 now = sz_store_time(sz_now_ms(s->env));
	for (size_t i = 0; i < n; i++) {
		if ((r = put_checked(s, &in[i], now, &item)) != SZ_OK) {
			s->aborted = true; /* no savepoint to undo this part alone: all of it goes */
			return r;
		}
		if (results != NULL)
			results[i] = item;
	}
	return SZ_OK;
}

/* Parse and verify raw envelopes in place, then store them: for callers that hold bytes. */
int
sz_store_put_envelopes(sz_store *s, const uint8_t *const *envs, const size_t *lens, size_t n,
    int *results)
{
	enum { CHUNK = 64 };
	sz_env_in in[CHUNK];
	int r;
	if (n == 0)
		return SZ_OK;
	if (envs == NULL || lens == NULL)
		return SZ_ERR_INVALID;
	if ((r = sz_store_begin(s)) != SZ_OK)
		return r;
	for (size_t i = 0; i < n && r == SZ_OK; i += CHUNK) {
		size_t k = n - i < CHUNK ? n - i : CHUNK;
		for (size_t j = 0; j < k; j++) {
			sz_env_in_init(&in[j], envs[i + j], lens[i + j], NULL);
			sz_env_in_check(&in[j], s->max_body);
		}
		r = sz_store_put_checked(s, in, k, results != NULL ? results + i : NULL);
	}
	if (r != SZ_OK) {
		sz_store_rollback(s);
		return r;
	}
	return sz_store_commit(s);
}

int
sz_store_put_entry(sz_store *s, const uint8_t scope[static SZ_SCOPE_BYTES],
    const uint8_t env_id[static 32], const sz_entry *e, const uint8_t id[static 32],
    const uint8_t *bytes, size_t len, int *result)
{
	int r;
	*result = SZ_ERR_INVALID;
	if (e == NULL || bytes == NULL)
		return SZ_ERR_INVALID;
	if ((r = sz_store_begin(s)) != SZ_OK)
		return r;
	if ((r = insert_entry(s, scope, env_id, e, id, bytes, len, result)) != SZ_OK) {
		sz_store_rollback(s);
		return r;
	}
	return sz_store_commit(s);
}

int
sz_store_put_entries(sz_store *s, const sz_store_entry_in *in, size_t n, int *results)
{
	int r, item;
	if (n == 0)
		return SZ_OK;
	if (in == NULL)
		return SZ_ERR_INVALID;
	if ((r = sz_store_begin(s)) != SZ_OK)
		return r;
	for (size_t i = 0; i < n; i++) {
		sz_entry e;
		uint8_t id[32];
		if (in[i].scope == NULL || in[i].env_id == NULL || in[i].bytes == NULL)
			item = SZ_ERR_INVALID;
		else
			item = sz_entry_decode(&e, id, in[i].bytes, in[i].len, s->max_body);
		if (item == SZ_OK && (r = insert_entry(s, in[i].scope, in[i].env_id, &e, id,
		    in[i].bytes, in[i].len, &item)) != SZ_OK) {
			sz_store_rollback(s);
			return r;
		}
		if (results != NULL)
			results[i] = item;
	}
	return sz_store_commit(s);
}

/* Copy column col of the current row into a malloc()ed buffer. */
static int
take_blob(sqlite3_stmt *st, int col, uint8_t **out, size_t *len)
{
	const void *p = sqlite3_column_blob(st, col);
	size_t n = (size_t)sqlite3_column_bytes(st, col);
	*out = malloc(n ? n : 1);
	if (*out == NULL)
		return SZ_ERR_NOMEM;
	if (n)
		memcpy(*out, p, n);
	*len = n;
	return SZ_OK;
}

int
sz_store_get_envelope(sz_store *s, const uint8_t id[static 32], uint8_t **out, size_t *len)
{
	*out = NULL;
	*len = 0;
	sz_vfs_clear_error(s->vfs);
	sqlite3_stmt *st = sz_store_stmt(s, ST_ENV_GET);
	if (st == NULL)
		return SZ_ERR_INTERNAL;
	sqlite3_bind_blob(st, 1, id, 32, SQLITE_STATIC);
	int rc = sqlite3_step(st), r;
	if (rc == SQLITE_DONE) {
		r = SZ_ERR_NOT_FOUND;
	} else if (rc != SQLITE_ROW) {
		r = sz_store_fail(s, rc, "reading an envelope");
	} else if (sqlite3_column_type(st, 0) == SQLITE_BLOB) {
		r = take_blob(st, 0, out, len);
	} else if (sqlite3_column_type(st, 1) == SQLITE_BLOB) {
		r = sz_env_wrap_public(out, len, sqlite3_column_blob(st, 1),
		    (size_t)sqlite3_column_bytes(st, 1));
	} else {
		r = SZ_ERR_CORRUPT;
		snprintf(s->errmsg, sizeof s->errmsg, "%s: an envelope lost its entry", s->dir);
	}
	sqlite3_reset(st);
	return r;
}

int
sz_store_get_entry(sz_store *s, const uint8_t id[static 32], uint8_t **out, size_t *len,
    uint8_t *scope, uint8_t *env_id)
{
	*out = NULL;
	*len = 0;
	sz_vfs_clear_error(s->vfs);
	sqlite3_stmt *st = sz_store_stmt(s, ST_ENT_GET);
	if (st == NULL)
		return SZ_ERR_INTERNAL;
	sqlite3_bind_blob(st, 1, id, 32, SQLITE_STATIC);
	int rc = sqlite3_step(st), r;
	if (rc == SQLITE_DONE) {
		r = SZ_ERR_NOT_FOUND;
	} else if (rc != SQLITE_ROW) {
		r = sz_store_fail(s, rc, "reading an entry");
	} else if (sqlite3_column_bytes(st, 1) != SZ_SCOPE_BYTES ||
	    sqlite3_column_bytes(st, 2) != 32) {
		r = SZ_ERR_CORRUPT;
	} else {
		if (scope != NULL)
			memcpy(scope, sqlite3_column_blob(st, 1), SZ_SCOPE_BYTES);
		if (env_id != NULL)
			memcpy(env_id, sqlite3_column_blob(st, 2), 32);
		r = take_blob(st, 0, out, len);
	}
	sqlite3_reset(st);
	return r;
}

/* Collect (time, id) rows of a listing statement. */
static int
list_items(sz_store *s, int which, const uint8_t *scope, uint64_t from, uint64_t to,
    size_t limit, sz_store_item **items, size_t *n)
{
	sz_buf b = { 0 };
	int r = SZ_OK, rc;
	*items = NULL;
	*n = 0;
	sz_vfs_clear_error(s->vfs);
	sqlite3_stmt *st = sz_store_stmt(s, which);
	if (st == NULL)
		return SZ_ERR_INTERNAL;
	sqlite3_bind_blob(st, 1, scope, SZ_SCOPE_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, sz_store_time(from));
	sqlite3_bind_int64(st, 3, sz_store_time(to));
	sqlite3_bind_int64(st, 4, limit == 0 || limit > INT64_MAX ? -1 : (sqlite3_int64)limit);
	size_t count = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 1) != 32) {
			r = SZ_ERR_CORRUPT;
			break;
		}
		sz_store_item it;
		it.time_ms = (uint64_t)sqlite3_column_int64(st, 0);
		memcpy(it.id, sqlite3_column_blob(st, 1), 32);
		sz_buf_append(&b, &it, sizeof it);
		count++;
	}
	if (r == SZ_OK && rc != SQLITE_DONE)
		r = sz_store_fail(s, rc, "listing");
	sqlite3_reset(st);
	if (r == SZ_OK && b.err)
		r = b.err;
	if (r == SZ_OK && count > 0) {
		size_t bytes;
		if ((r = sz_buf_take(&b, (uint8_t **)items, &bytes)) == SZ_OK)
			*n = count;
	}
	sz_buf_free(&b);
	return r;
}

int
sz_store_list_envelopes(sz_store *s, const uint8_t scope[static SZ_SCOPE_BYTES],
    uint64_t from_ms, uint64_t to_ms, size_t limit, sz_store_item **items, size_t *n)
{
	return list_items(s, ST_ENV_LIST, scope, from_ms, to_ms, limit, items, n);
}

int
sz_store_list_entries(sz_store *s, const uint8_t scope[static SZ_SCOPE_BYTES],
    uint64_t from_ms, uint64_t to_ms, size_t limit, sz_store_item **items, size_t *n)
{
	return list_items(s, ST_ENT_LIST, scope, from_ms, to_ms, limit, items, n);
}

/* Collect the 32-byte ids of a (scope, limit) statement. */
static int
list_ids(sz_store *s, int which, const uint8_t *scope, size_t limit, uint8_t **ids, size_t *n)
{
	sz_buf b = { 0 };
	int r = SZ_OK, rc;
	*ids = NULL;
	*n = 0;
	sz_vfs_clear_error(s->vfs);
	sqlite3_stmt *st = sz_store_stmt(s, which);
	if (st == NULL)
		return SZ_ERR_INTERNAL;
	sqlite3_bind_blob(st, 1, scope, SZ_SCOPE_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, limit == 0 || limit > INT64_MAX ? -1 : (sqlite3_int64)limit);
	size_t count = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 0) != 32) {
			r = SZ_ERR_CORRUPT;
			break;
		}
		sz_buf_append(&b, sqlite3_column_blob(st, 0), 32);
		count++;
	}
	if (r == SZ_OK && rc != SQLITE_DONE)
		r = sz_store_fail(s, rc, "listing ids");
	sqlite3_reset(st);
	if (r == SZ_OK && b.err)
		r = b.err;
	if (r == SZ_OK && count > 0) {
		size_t bytes;
		if ((r = sz_buf_take(&b, ids, &bytes)) == SZ_OK)
			*n = count;
	}
	sz_buf_free(&b);
	return r;
}

int
sz_store_heads(sz_store *s, const uint8_t scope[static SZ_SCOPE_BYTES], size_t limit,
    uint8_t **ids, size_t *n)
{
	return list_ids(s, ST_HEADS, scope, limit, ids, n);
}

int
sz_store_missing(sz_store *s, const uint8_t scope[static SZ_SCOPE_BYTES], size_t limit,
    uint8_t **ids, size_t *n)
{
	return list_ids(s, ST_MISSING, scope, limit, ids, n);
}

int
sz_store_expire(sz_store *s, const uint8_t scope[static SZ_SCOPE_BYTES], uint64_t before_ms,
    size_t *deleted)
{
	/* Order matters: remember the ids, unlink parents of doomed entries, then delete. */
	static const int steps[] = { ST_GONE_PUT_ENV, ST_GONE_PUT_ENT, ST_PARENT_EXPIRE,
		ST_ENT_EXPIRE, ST_ENV_EXPIRE };
	size_t total = 0;
	int r;
	if (deleted != NULL)
		*deleted = 0;
	if ((r = sz_store_begin(s)) != SZ_OK)
		return r;
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		sqlite3_stmt *st = sz_store_stmt(s, steps[i]);
		if (st == NULL) {
			sz_store_rollback(s);
			return SZ_ERR_INTERNAL;
		}
		sqlite3_bind_blob(st, 1, scope, SZ_SCOPE_BYTES, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, sz_store_time(before_ms));
		if ((r = step_done(s, st, "deleting by retention")) != SZ_OK) {
			sz_store_rollback(s);
			return r;
		}
		if (steps[i] == ST_ENT_EXPIRE || steps[i] == ST_ENV_EXPIRE)
			total += (size_t)sqlite3_changes(s->db);
		s->forgets++;
	}
	if ((r = sz_store_commit(s)) != SZ_OK)
		return r;
	if (deleted != NULL)
		*deleted = total;
	return SZ_OK;
}
