/*
 * scopes.c - distinct scopes and counts of a store (see scopes.h).
 * Layer: store.
 */
#include "store/scopes.h"

#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

int
sz_store_scopes(sz_store *s, size_t max, uint8_t **scopes, size_t *n)
{
	sqlite3_stmt *st = NULL;
	sz_buf b = { 0 };
	int rc, r = SZ_OK;
	*scopes = NULL;
	*n = 0;
	rc = sqlite3_prepare_v2(s->db,
	    "SELECT scope FROM envelopes GROUP BY scope ORDER BY max(time_ms) DESC LIMIT ?1", -1,
	    &st, NULL);
	if (rc != SQLITE_OK)
		return sz_store_fail(s, rc, "listing scopes");
	sqlite3_bind_int64(st, 1, max ? (sqlite3_int64)max : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 0) != SZ_SCOPE_BYTES)
			continue;
		sz_buf_append(&b, sqlite3_column_blob(st, 0), SZ_SCOPE_BYTES);
		(*n)++;
	}
	if (rc != SQLITE_DONE)
		r = sz_store_fail(s, rc, "listing scopes");
	sqlite3_finalize(st);
	if (r == SZ_OK && b.err)
		r = b.err;
	if (r == SZ_OK && (r = sz_buf_take(&b, scopes, &(size_t){ 0 })) != SZ_OK)
		*n = 0;
	if (r != SZ_OK)
		*n = 0;
	sz_buf_free(&b);
	return r;
}

int
sz_store_find_prefix(sz_store *s, const uint8_t *prefix, size_t len, uint8_t id[static 32],
    uint8_t scope[static SZ_SCOPE_BYTES])
{
	uint8_t lo[32] = { 0 }, hi[32] = { 0 };
	size_t nhi = len;
	sqlite3_stmt *st = NULL;
	int rc, r = SZ_ERR_NOT_FOUND, found = 0;
	if (prefix == NULL || len == 0 || len > 32)
		return SZ_ERR_INVALID;
	/* The ids in [prefix, prefix + 1): hi is prefix plus one in its last byte that is not 0xff;
	 * a prefix of all 0xff has no upper bound. */
	memcpy(lo, prefix, len);
	memcpy(hi, prefix, len);
	while (nhi > 0 && hi[nhi - 1] == 0xff)
		nhi--;
	if (nhi > 0)
		hi[nhi - 1]++;
	rc = sqlite3_prepare_v2(s->db, nhi > 0 ?
	    "SELECT id, scope FROM envelopes WHERE id >= ?1 AND id < ?2 LIMIT 2" :
	    "SELECT id, scope FROM envelopes WHERE id >= ?1 LIMIT 2", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return sz_store_fail(s, rc, "finding an envelope");
	sqlite3_bind_blob(st, 1, lo, (int)len, SQLITE_TRANSIENT);
	if (nhi > 0)
		sqlite3_bind_blob(st, 2, hi, (int)nhi, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 0) != 32 || sqlite3_column_bytes(st, 1) != SZ_SCOPE_BYTES)
			continue;
		if (found++) {
			r = SZ_ERR_EXISTS;
			break;
		}
		memcpy(id, sqlite3_column_blob(st, 0), 32);
		memcpy(scope, sqlite3_column_blob(st, 1), SZ_SCOPE_BYTES);
		r = SZ_OK;
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		r = sz_store_fail(s, rc, "finding an envelope");
	sqlite3_finalize(st);
	return r;
}

int
sz_store_sealed_sizes(sz_store *s, const uint8_t scope[static SZ_SCOPE_BYTES],
    sz_store_sized **items, size_t *n)
{
	sqlite3_stmt *st = NULL;
	sz_buf b = { 0 };
	int rc, r = SZ_OK;
	size_t count = 0;
	*items = NULL;
	*n = 0;
	/* length() of a blob reads its size from the record header, not its pages. */
	rc = sqlite3_prepare_v2(s->db, "SELECT time_ms, id, length(sealed) FROM envelopes "
	    "WHERE scope = ?1 AND sealed IS NOT NULL ORDER BY time_ms, id", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return sz_store_fail(s, rc, "listing sealed envelopes");
	sqlite3_bind_blob(st, 1, scope, SZ_SCOPE_BYTES, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sz_store_sized it;
		sqlite3_int64 len = sqlite3_column_int64(st, 2);
		if (sqlite3_column_bytes(st, 1) != 32 || len < 0 || len > UINT32_MAX) {
			r = SZ_ERR_CORRUPT;
			break;
		}
		memset(&it, 0, sizeof it);
		it.time_ms = (uint64_t)sqlite3_column_int64(st, 0);
		memcpy(it.id, sqlite3_column_blob(st, 1), 32);
		it.len = (uint32_t)len;
		sz_buf_append(&b, &it, sizeof it);
		count++;
	}
	if (r == SZ_OK && rc != SQLITE_DONE)
		r = sz_store_fail(s, rc, "listing sealed envelopes");
	sqlite3_finalize(st);
	if (r == SZ_OK && b.err)
		r = b.err;
	if (r == SZ_OK && count > 0 && (r = sz_buf_take(&b, (uint8_t **)items, &(size_t){ 0 })) == SZ_OK)
		*n = count;
	sz_buf_free(&b);
	return r;
}

int
sz_store_drop_sealed(sz_store *s, const uint8_t (*ids)[32], size_t n, size_t *dropped)
{
	sqlite3_stmt *st = NULL;
	size_t total = 0;
	int rc, r;
	if (dropped != NULL)
		*dropped = 0;
	if (n == 0)
		return SZ_OK;
	if (ids == NULL)
		return SZ_ERR_INVALID;
	rc = sqlite3_prepare_v2(s->db, "DELETE FROM envelopes WHERE id = ?1 AND sealed IS NOT NULL",
	    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return sz_store_fail(s, rc, "deleting envelopes");
	if ((r = sz_store_begin(s)) != SZ_OK) {
		sqlite3_finalize(st);
		return r;
	}
	for (size_t i = 0; i < n && r == SZ_OK; i++) {
		sqlite3_bind_blob(st, 1, ids[i], 32, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc == SQLITE_DONE)
			total += (size_t)sqlite3_changes(s->db);
		else
			r = sz_store_fail(s, rc, "deleting envelopes");
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (r != SZ_OK) {
		sz_store_rollback(s);
		return r;
	}
	if ((r = sz_store_commit(s)) != SZ_OK)
		return r;
	if (dropped != NULL)
		*dropped = total;
	return SZ_OK;
}

static int
count(sz_store *s, const char *sql, uint64_t *out)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	*out = 0;
	if (rc != SQLITE_OK)
		return sz_store_fail(s, rc, "counting");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? SZ_OK : sz_store_fail(s, rc, "counting");
}

int
sz_store_entry_mark(sz_store *s, uint64_t *mark)
{
	return count(s, "SELECT coalesce(max(n), 0) FROM entries", mark);
}

int
sz_store_entries_since(sz_store *s, uint64_t mark, size_t limit,
    int (*fn)(void *ctx, const uint8_t *scope, const uint8_t *bytes, size_t len), void *ctx)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, "SELECT scope, bytes FROM entries WHERE n > ?1 "
	    "ORDER BY n LIMIT ?2", -1, &st, NULL);
	int r = SZ_OK;
	if (rc != SQLITE_OK)
		return sz_store_fail(s, rc, "listing new entries");
	sqlite3_bind_int64(st, 1, (sqlite3_int64)mark);
	sqlite3_bind_int64(st, 2, limit ? (sqlite3_int64)limit : -1);
	while (r == SZ_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 0) != SZ_SCOPE_BYTES)
			continue;
		r = fn(ctx, sqlite3_column_blob(st, 0), sqlite3_column_blob(st, 1),
		    (size_t)sqlite3_column_bytes(st, 1));
	}
	if (r == SZ_OK && rc != SQLITE_DONE)
		r = sz_store_fail(s, rc, "listing new entries");
	sqlite3_finalize(st);
	return r;
}

int
sz_store_counts(sz_store *s, uint64_t *envelopes, uint64_t *entries)
{
	int r = count(s, "SELECT count(*) FROM envelopes", envelopes);
	if (r == SZ_OK)
		r = count(s, "SELECT count(*) FROM entries", entries);
	return r;
}
