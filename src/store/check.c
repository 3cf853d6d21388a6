/*
 * check.c - checking a whole store (see check.h).  Layer: store.  Reads only: nothing here
 * writes, so that a damaged store is left as it was for the person to decide.
 */
#include "store/check.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "crypto/crypto.h"
#include "store/keyfile.h"
#include "store/store_int.h"
#include "store/vfs.h"

static const char *const tables[SZ_STORE_NTABLES] = {
	"migrations", "envelopes", "entries", "parents", "gone", "kv", "chunks", "files", "unwanted",
};

int
sz_store_verdict_whole(const sz_store_verdict *v)
{
	if (!v->opened || v->keyfile_damaged || v->journal_damaged || !v->scanned ||
	    v->db.damaged != 0 || v->db.partial || v->db.missing || v->integrity != SZ_OK)
		return 0;
	for (size_t i = 0; i < SZ_STORE_NTABLES; i++)
		if (v->tables[i].stopped)
			return 0;
	return 1;
}

int
sz_store_scan(sz_store *s, sz_vfs_scan_result *res,
    void (*progress)(void *ctx, uint64_t done, uint64_t total), void *ctx)
{
	char path[PATH_MAX];
	if (snprintf(path, sizeof path, "%s/%s", s->dir, SZ_STORE_DB) >= (int)sizeof path)
		return SZ_ERR_INVALID;
	return sz_vfs_scan(s->vfs, path, res, progress, ctx);
}

/* PRAGMA integrity_check, up to 8 findings joined into v->integrity_msg. */
static void
integrity(sz_store *s, sz_store_verdict *v)
{
	sqlite3_stmt *st = NULL;
	size_t n = 0;
	int rows = 0, rc;
	sz_vfs_clear_error(s->vfs);
	v->integrity_msg[0] = '\0';
	rc = sqlite3_prepare_v2(s->db, "PRAGMA integrity_check(8)", -1, &st, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		rc = SQLITE_OK;
		if (rows++ == 0 && t != NULL && strcmp(t, "ok") == 0) {
			v->integrity = SZ_OK;
			snprintf(v->integrity_msg, sizeof v->integrity_msg, "ok");
			continue;
		}
		v->integrity = SZ_ERR_CORRUPT;
		/* SQLite's lines, on one line, without its "*** in database main ***" heading. */
		static const char head[] = "*** in database main ***\n";
		if (t != NULL && strncmp(t, head, sizeof head - 1) == 0)
			t += sizeof head - 1;
		if (n < sizeof v->integrity_msg)
			n += (size_t)snprintf(v->integrity_msg + n, sizeof v->integrity_msg - n, "%s%s",
			    n ? "; " : "", t ? t : "?");
	}
	for (char *q = v->integrity_msg; *q; q++)
		if (*q == '\n')
			*q = ';';
	if (rc != SQLITE_DONE) {
		/* SQLite could not read its way through: a page that fails authentication. */
		v->integrity = SZ_ERR_CORRUPT;
		const char *why = sz_vfs_errcode(s->vfs) ? sz_vfs_errmsg(s->vfs) : sqlite3_errmsg(s->db);
		snprintf(v->integrity_msg, sizeof v->integrity_msg, "could not read through: %s", why);
	} else if (rows == 0) {
		v->integrity = SZ_ERR_CORRUPT;
		snprintf(v->integrity_msg, sizeof v->integrity_msg, "no answer");
	}
	sqlite3_finalize(st);
	sz_vfs_clear_error(s->vfs);
}

/* Count the rows of every table by reading them all (not by an index): what can still be read,
 * and where damage stops a scan. */
static void
count_rows(sz_store *s, sz_store_verdict *v)
{
	for (size_t i = 0; i < SZ_STORE_NTABLES; i++) {
		char sql[96];
		sqlite3_stmt *st = NULL;
		sz_store_rows *t = &v->tables[i];
		t->table = tables[i];
		snprintf(sql, sizeof sql, "SELECT 1 FROM %s NOT INDEXED", tables[i]);
		int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
		while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
			t->rows++;
			rc = SQLITE_OK;
		}
		t->stopped = rc != SQLITE_DONE;
		sqlite3_finalize(st);
		sz_vfs_clear_error(s->vfs);
	}
}

int
sz_store_verify(sz_store *s, sz_store_verdict *v,
    void (*progress)(void *ctx, uint64_t done, uint64_t total), void *ctx)
{
	int r;
	memset(v, 0, sizeof *v);
	v->opened = 1;
	v->keyfile_version = s->kf.version;
	v->keyfile_damaged = s->keyfile_damaged;
	sz_vfs_last_journal(s->vfs, &v->journal);
	if ((r = sz_store_scan(s, &v->db, progress, ctx)) != SZ_OK)
		return r;
	v->scanned = 1;
	integrity(s, v);
	count_rows(s, v);
	return SZ_OK;
}

int
sz_store_examine(const char *dir, const char *pass, size_t passlen, sz_store_verdict *v,
    void (*progress)(void *ctx, uint64_t done, uint64_t total), void *ctx)
{
	sz_keyfile kf, pend;
	int has_pending = 0, r;
	unsigned slot;
	uint8_t role = 0;
	uint8_t *sec = NULL, *keys = NULL;
	sz_vfs *vfs = NULL;
	char path[PATH_MAX];

	memset(v, 0, sizeof *v);
	v->integrity = 1;
	snprintf(v->open_msg, sizeof v->open_msg, "%s", sz_store_last_error());
	if (sz_store_unfinished(dir))
		return SZ_ERR_NOT_FOUND; /* a create that never finished: no store (unfinished.c) */
	if ((r = sz_keyfile_load(dir, &kf, &pend, &has_pending)) != SZ_OK) {
		v->keyfile_damaged = r == SZ_ERR_CORRUPT || r == SZ_ERR_UNSUPPORTED;
		return r == SZ_ERR_NOT_FOUND ? r : SZ_ERR_PASSPHRASE;
	}
	v->keyfile_version = kf.version;
	v->keyfile_damaged = kf.damaged;
	if ((sec = sz_secret_alloc(64)) == NULL || (keys = sz_secret_alloc(SZ_STORE_K_BYTES)) == NULL) {
		r = SZ_ERR_NOMEM;
		goto out;
	}
	/* The key file first, then an interrupted rewrite's: whichever the passphrase opens. */
	r = sz_keyfile_kek(sec, &kf, pass, passlen);
	if (r == SZ_OK)
		r = sz_keyfile_unseal(&kf, sec, &slot, &role, sec + 32);
	if (r != SZ_OK && has_pending > 0 && sz_keyfile_kek(sec, &pend, pass, passlen) == SZ_OK)
		r = sz_keyfile_unseal(&pend, sec, &slot, &role, sec + 32);
	if (r != SZ_OK || role != SZ_KEY_ROLE_REAL) {
		r = SZ_ERR_PASSPHRASE;
		goto out;
	}
	if ((r = sz_store_derive(keys, sec + 32)) != SZ_OK ||
	    (r = sz_vfs_new(&vfs, keys + SZ_STORE_K_VFS)) != SZ_OK)
		goto out;
	snprintf(path, sizeof path, "%s/%s", dir, SZ_STORE_JOURNAL);
	if (sz_vfs_journal_verify(vfs, path, &v->journal) == SZ_ERR_CORRUPT) {
		v->journal_damaged = 1;
		snprintf(v->journal_msg, sizeof v->journal_msg, "%s", sz_vfs_errmsg(vfs));
	}
	snprintf(path, sizeof path, "%s/%s", dir, SZ_STORE_DB);
	r = sz_vfs_scan(vfs, path, &v->db, progress, ctx);
	v->scanned = r == SZ_OK;
	if (r == SZ_ERR_NOT_FOUND)
		r = SZ_OK; /* said by scanned == 0 */
out:
	sz_vfs_free(vfs);
	sz_secret_free(keys);
	sz_secret_free(sec);
	sz_wipe(&kf, sizeof kf);
	sz_wipe(&pend, sizeof pend);
	return r;
}
