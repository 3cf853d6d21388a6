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
sz_store_counts(sz_store *s, uint64_t *envelopes, uint64_t *entries)
{
	int r = count(s, "SELECT count(*) FROM envelopes", envelopes);
	if (r == SZ_OK)
		r = count(s, "SELECT count(*) FROM entries", entries);
	return r;
}
