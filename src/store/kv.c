/*
 * kv.c - the sealed key-value table for node secrets: every value sealed under the store's kv
 * key, bound to its name (docs/PROTOCOL.md §4 (The encrypted store) §4).  Layer: store.
 */
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "store/store_int.h"

static int
kv_name_ok(const char *name, size_t *len)
{
	if (name == NULL)
		return 0;
	*len = strnlen(name, SZ_STORE_KV_NAME_MAX + 1);
	return *len >= 1 && *len <= SZ_STORE_KV_NAME_MAX;
}

int
sz_store_kv_put(sz_store *s, const char *name, const uint8_t *val, size_t len)
{
	size_t nlen;
	if (!kv_name_ok(name, &nlen) || len > SZ_STORE_KV_VALUE_MAX || (val == NULL && len > 0))
		return SZ_ERR_INVALID;
	size_t clen = SZ_XNONCE_BYTES + len + SZ_AEAD_TAG_BYTES;
	uint8_t *c = malloc(clen);
	if (c == NULL)
		return SZ_ERR_NOMEM;
	sz_random(s->env, c, SZ_XNONCE_BYTES);
	int r = sz_xaead_encrypt(c + SZ_XNONCE_BYTES, val, len, (const uint8_t *)name, nlen, c,
	    s->keys + SZ_STORE_K_KV);
	if (r != SZ_OK)
		goto out;
	if ((r = sz_store_begin(s)) != SZ_OK)
		goto out;
	sqlite3_stmt *st = sz_store_stmt(s, ST_KV_PUT);
	int rc = SQLITE_ERROR;
	if (st != NULL) {
		sqlite3_bind_text(st, 1, name, (int)nlen, SQLITE_STATIC);
		sqlite3_bind_blob(st, 2, c, (int)clen, SQLITE_STATIC);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
	}
	if (rc != SQLITE_DONE) {
		r = st ? sz_store_fail(s, rc, "storing a secret") : SZ_ERR_INTERNAL;
		sz_store_rollback(s);
		goto out;
	}
	r = sz_store_commit(s);
out:
	free(c);
	return r;
}

int
sz_store_kv_get(sz_store *s, const char *name, sz_buf *out)
{
	size_t nlen;
	sz_buf_free(out);
	out->secret = true;
	if (!kv_name_ok(name, &nlen))
		return SZ_ERR_INVALID;
	sz_vfs_clear_error(s->vfs);
	sqlite3_stmt *st = sz_store_stmt(s, ST_KV_GET);
	if (st == NULL)
		return SZ_ERR_INTERNAL;
	sqlite3_bind_text(st, 1, name, (int)nlen, SQLITE_STATIC);
	int rc = sqlite3_step(st), r;
	if (rc == SQLITE_DONE) {
		r = SZ_ERR_NOT_FOUND;
	} else if (rc != SQLITE_ROW) {
		r = sz_store_fail(s, rc, "reading a secret");
	} else {
		const uint8_t *c = sqlite3_column_blob(st, 0);
		size_t clen = (size_t)sqlite3_column_bytes(st, 0);
		r = SZ_ERR_CORRUPT;
		if (c != NULL && clen >= SZ_XNONCE_BYTES + SZ_AEAD_TAG_BYTES) {
			size_t mlen = clen - SZ_XNONCE_BYTES - SZ_AEAD_TAG_BYTES;
			uint8_t *m = sz_buf_zeros(out, mlen);
			if (m == NULL && mlen > 0)
				r = SZ_ERR_NOMEM;
			else if (sz_xaead_decrypt(m, c + SZ_XNONCE_BYTES, clen - SZ_XNONCE_BYTES,
			    (const uint8_t *)name, nlen, c, s->keys + SZ_STORE_K_KV) == SZ_OK)
				r = SZ_OK;
		}
		if (r == SZ_ERR_CORRUPT)
			snprintf(s->errmsg, sizeof s->errmsg, "%s/%s: secret '%s' failed authentication",
			    s->dir, SZ_STORE_DB, name);
	}
	sqlite3_reset(st);
	if (r != SZ_OK)
		sz_buf_free(out);
	out->secret = true;
	return r;
}

int
sz_store_kv_delete(sz_store *s, const char *name)
{
	size_t nlen;
	int r;
	if (!kv_name_ok(name, &nlen))
		return SZ_ERR_INVALID;
	if ((r = sz_store_begin(s)) != SZ_OK)
		return r;
	sqlite3_stmt *st = sz_store_stmt(s, ST_KV_DEL);
	if (st == NULL) {
		sz_store_rollback(s);
		return SZ_ERR_INTERNAL;
	}
	sqlite3_bind_text(st, 1, name, (int)nlen, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		r = sz_store_fail(s, rc, "deleting a secret");
		sz_store_rollback(s);
		return r;
	}
	int changed = sqlite3_changes(s->db);
	if ((r = sz_store_commit(s)) != SZ_OK)
		return r;
	return changed > 0 ? SZ_OK : SZ_ERR_NOT_FOUND;
}
