/*
 * scopes.c - distinct scopes and counts of a store (see scopes.h).
 * Layer: store.
 */
#include "store/scopes.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"
#include "wire/envelope.h"

int
sz_store_scopes(sz_store *s, size_t max, uint8_t **scopes, size_t *n)
{
	sz_buf b = { 0 };
	uint8_t last[SZ_SCOPE_BYTES];
	size_t lastlen = 0;
	int rc, r = SZ_OK;
	*scopes = NULL;
	*n = 0;
	sz_vfs_clear_error(s->vfs);
	/* One index seek per distinct scope: the next scope above the last one found. */
	for (;;) {
		if (max != 0 && *n >= max)
			break;
		sqlite3_stmt *st = sz_store_stmt(s, ST_SCOPE_NEXT);
		if (st == NULL)
			return SZ_ERR_INTERNAL;
		sqlite3_bind_blob(st, 1, last, (int)lastlen, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc == SQLITE_DONE) {
			sqlite3_reset(st);
			break;
		}
		if (rc != SQLITE_ROW) {
			r = sz_store_fail(s, rc, "listing scopes");
			sqlite3_reset(st);
			break;
		}
		int len = sqlite3_column_bytes(st, 0);
		if (len <= 0 || len > SZ_SCOPE_BYTES) {
			sqlite3_reset(st);
			r = SZ_ERR_CORRUPT;
			break;
		}
		memcpy(last, sqlite3_column_blob(st, 0), (size_t)len);
		lastlen = (size_t)len;
		sqlite3_reset(st);
		if (lastlen != SZ_SCOPE_BYTES)
			continue; /* not a scope: never stored so, skipped */
		sz_buf_append(&b, last, SZ_SCOPE_BYTES);
		(*n)++;
	}
	if (r == SZ_OK && b.err)
		r = b.err;
	if (r == SZ_OK && *n > 0)
		r = sz_buf_take(&b, scopes, &(size_t){ 0 });
	if (r != SZ_OK)
		*n = 0;
	sz_buf_free(&b);
	return r;
}

/* A walk's statement (ST_ENV_PAGE or ST_ENV_PAGE_BYTES), bound to the max envelopes of scope
 * after *after. */
static sqlite3_stmt *
page_stmt(sz_store *s, int which, const uint8_t scope[static SZ_SCOPE_BYTES],
    const sz_store_item *after, size_t max)
{
	static const uint8_t none[1];
	sz_vfs_clear_error(s->vfs);
	sqlite3_stmt *st = sz_store_stmt(s, which);
	if (st == NULL)
		return NULL;
	sqlite3_bind_blob(st, 1, scope, SZ_SCOPE_BYTES, SQLITE_STATIC);
	/* From the start: (-1, x'') is below every (time, id), as times are never negative. */
	sqlite3_bind_int64(st, 2, after != NULL ? sz_store_time(after->time_ms) : -1);
	sqlite3_bind_blob(st, 3, after != NULL ? after->id : none, after != NULL ? 32 : 0,
	    SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, max > INT64_MAX ? INT64_MAX : (sqlite3_int64)max);
	return st;
}

/* A page of scope after *after, at most max: items, and with out (else NULL) each envelope's
 * bytes while out holds less than budget (ends as sz_store_page_envelope_bytes says). */
static int
walk_page(sz_store *s, const uint8_t scope[static SZ_SCOPE_BYTES], const sz_store_item *after,
    size_t max, size_t budget, sz_store_item *items, sz_buf *out, size_t *ends, size_t *n)
{
	int rc, r = SZ_OK;
	*n = 0;
	sqlite3_stmt *st = page_stmt(s, out != NULL ? ST_ENV_PAGE_BYTES : ST_ENV_PAGE, scope, after,
	    max);
	if (st == NULL)
		return SZ_ERR_INTERNAL;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 1) != 32) {
			r = SZ_ERR_CORRUPT;
			break;
		}
		items[*n].time_ms = (uint64_t)sqlite3_column_int64(st, 0);
		memcpy(items[*n].id, sqlite3_column_blob(st, 1), 32);
		if (out == NULL) {
			(*n)++;
			continue;
		}
		ends[*n] = SIZE_MAX;
		/* A column's bytes are read only when asked for: past the budget, none are. */
		if (out->len < budget && sqlite3_column_type(st, 2) == SQLITE_BLOB) {
			sz_buf_append(out, sqlite3_column_blob(st, 2), (size_t)sqlite3_column_bytes(st, 2));
			ends[*n] = out->len;
		} else if (out->len < budget && sqlite3_column_type(st, 3) == SQLITE_BLOB) {
			uint8_t *env;
			size_t len;
			if ((r = sz_env_wrap_public(&env, &len, sqlite3_column_blob(st, 3),
			    (size_t)sqlite3_column_bytes(st, 3))) != SZ_OK)
				break;
			sz_buf_append(out, env, len);
			free(env);
			ends[*n] = out->len;
		}
		(*n)++;
	}
	if (r == SZ_OK && out != NULL && out->err)
		r = SZ_ERR_NOMEM;
	if (r == SZ_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
		r = sz_store_fail(s, rc, "listing a page");
	sqlite3_reset(st);
	if (r != SZ_OK)
		*n = 0;
	return r;
}

int
sz_store_page_envelopes(sz_store *s, const uint8_t scope[static SZ_SCOPE_BYTES],
    const sz_store_item *after, size_t max, sz_store_item *items, size_t *n)
{
	return walk_page(s, scope, after, max, 0, items, NULL, NULL, n);
}

int
sz_store_page_envelope_bytes(sz_store *s, const uint8_t scope[static SZ_SCOPE_BYTES],
    const sz_store_item *after, size_t max, size_t budget, sz_store_item *items, sz_buf *out,
    size_t *ends, size_t *n)
{
	return walk_page(s, scope, after, max, budget, items, out, ends, n);
}

#define EACH_PAGE 512

int
sz_store_each_envelope(sz_store *s, const uint8_t scope[static SZ_SCOPE_BYTES],
    int (*fn)(void *ctx, const uint8_t id[32]), void *ctx)
{
	sz_store_item page[EACH_PAGE], last;
	size_t k = 0;
	int r;
	bool first = true;
	do {
		if ((r = sz_store_page_envelopes(s, scope, first ? NULL : &last, EACH_PAGE, page, &k))
		    != SZ_OK)
			return r;
		first = false;
		for (size_t i = 0; i < k; i++)
			if ((r = fn(ctx, page[i].id)) != SZ_OK)
				return r;
		if (k > 0)
			last = page[k - 1];
	} while (k == EACH_PAGE);
	return SZ_OK;
}

int
sz_store_count_envelopes(sz_store *s, const uint8_t scope[static SZ_SCOPE_BYTES], uint64_t *n)
{
	*n = 0;
	sz_vfs_clear_error(s->vfs);
	sqlite3_stmt *st = sz_store_stmt(s, ST_ENV_COUNT);
	if (st == NULL)
		return SZ_ERR_INTERNAL;
	sqlite3_bind_blob(st, 1, scope, SZ_SCOPE_BYTES, SQLITE_STATIC);
	int rc = sqlite3_step(st), r = SZ_OK;
	if (rc == SQLITE_ROW)
		*n = (uint64_t)sqlite3_column_int64(st, 0);
	else
		r = sz_store_fail(s, rc, "counting a scope");
	sqlite3_reset(st);
	return r;
}

int
sz_store_find_prefix_all(sz_store *s, const uint8_t *prefix, size_t len, uint8_t (*ids)[32],
    uint8_t (*scopes)[SZ_SCOPE_BYTES], size_t max, size_t *n)
{
	uint8_t hi[33];
	size_t nhi = len;
	int rc, r = SZ_OK;
	*n = 0;
	if (prefix == NULL || len == 0 || len > 32 || max == 0)
		return SZ_ERR_INVALID;
	/* The ids in [prefix, prefix + 1): hi is prefix plus one in its last byte that is not 0xff;
	 * for a prefix of all 0xff, 33 bytes of 0xff, above every 32-byte id. */
	memcpy(hi, prefix, len);
	while (nhi > 0 && hi[nhi - 1] == 0xff)
		nhi--;
	if (nhi > 0) {
		hi[nhi - 1]++;
	} else {
		memset(hi, 0xff, sizeof hi);
		nhi = sizeof hi;
	}
	sz_vfs_clear_error(s->vfs);
	sqlite3_stmt *st = sz_store_stmt(s, ST_ENV_PREFIX);
	if (st == NULL)
		return SZ_ERR_INTERNAL;
	sqlite3_bind_blob(st, 1, prefix, (int)len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, hi, (int)nhi, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, max > INT32_MAX ? INT32_MAX : (sqlite3_int64)max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 0) != 32 || sqlite3_column_bytes(st, 1) != SZ_SCOPE_BYTES)
			continue;
		memcpy(ids[*n], sqlite3_column_blob(st, 0), 32);
		memcpy(scopes[*n], sqlite3_column_blob(st, 1), SZ_SCOPE_BYTES);
		(*n)++;
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		r = sz_store_fail(s, rc, "finding an envelope");
	sqlite3_reset(st);
	if (r != SZ_OK)
		*n = 0;
	return r;
}

int
sz_store_find_prefix(sz_store *s, const uint8_t *prefix, size_t len, uint8_t id[static 32],
    uint8_t scope[static SZ_SCOPE_BYTES])
{
	uint8_t ids[2][32], sc[2][SZ_SCOPE_BYTES];
	size_t k = 0;
	int r = sz_store_find_prefix_all(s, prefix, len, ids, sc, 2, &k);
	if (r != SZ_OK)
		return r;
	if (k == 0)
		return SZ_ERR_NOT_FOUND;
	if (k > 1)
		return SZ_ERR_EXISTS;
	memcpy(id, ids[0], 32);
	memcpy(scope, sc[0], SZ_SCOPE_BYTES);
	return SZ_OK;
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
	s->forgets++;
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
