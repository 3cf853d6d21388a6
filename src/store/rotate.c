/*
 * rotate.c - a passphrase change that rotates the master key: every page re-encrypted under a
 * new key into a new file, switched in crash-safely (docs/PROTOCOL.md §4.1.6); and settling what
 * an interrupted change left, on the next open.  Layer: store.
 *
 * Order on disk (each step durable before the next):
 *   1. db.new: the database copied page by page (sqlite3_backup) through a VFS keyed by the new
 *      master key, its secrets re-sealed; closed, synced.
 *   2. key.new: the key file with the real slot sealing the new master key (new passphrase).
 *   3. rename db.new -> db (the switch).
 *   4. key.new copied over key in place, key.new removed (key.new is never rewritten: from step
 *      3 on it may be the only whole copy of the key the database needs).
 * An open settles what it finds: key.new opened by the passphrase (the new one): finish 3-4;
 * key opened (the old passphrase) and db still the old one: the change is undone (db.new and
 * key.new removed); key opened but db already switched: refused, the new passphrase is needed.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "lib/bytes.h"
#include "store/store_int.h"

int
sz_store_db_matches(const char *path, const uint8_t master[static 32])
{
	uint8_t *keys = sz_secret_alloc(SZ_STORE_K_BYTES);
	sz_vfs *v = NULL;
	int m = 0;
	if (access(path, F_OK) != 0)
		m = -1;
	else if (keys != NULL && sz_store_derive(keys, master) == SZ_OK &&
	    sz_vfs_new(&v, keys + SZ_STORE_K_VFS) == SZ_OK)
		m = sz_vfs_check_header(v, path) == SZ_OK;
	sz_vfs_free(v);
	sz_secret_free(keys);
	return m;
}

void
sz_store_drop_rotation(const char *dir)
{
	char p[PATH_MAX];
	int any = 0;
	if (sz_path_in(p, sizeof p, dir, SZ_STORE_DB_NEW_JOURNAL) == SZ_OK)
		any |= unlink(p) == 0;
	if (sz_path_in(p, sizeof p, dir, SZ_STORE_DB_NEW) == SZ_OK)
		any |= unlink(p) == 0;
	if (any && sz_fsync_dir(dir) != SZ_OK) {
		/* the files are unreadable without a key that no longer exists: a courtesy */
	}
}

int
sz_store_settle(sz_store *s, const uint8_t master[static 32], int from_pending)
{
	char db[PATH_MAX], nw[PATH_MAX];
	int r;
	if ((r = sz_path_in(db, sizeof db, s->dir, SZ_STORE_DB)) != SZ_OK ||
	    (r = sz_path_in(nw, sizeof nw, s->dir, SZ_STORE_DB_NEW)) != SZ_OK)
		return r;
	if (from_pending) {
		if (sz_store_db_matches(nw, master) == 1) {
			/* Step 3 was not done: do it. */
			char nj[PATH_MAX];
			if (rename(nw, db) != 0)
				return SZ_ERR_IO;
			if (sz_path_in(nj, sizeof nj, s->dir, SZ_STORE_DB_NEW_JOURNAL) == SZ_OK)
				(void)unlink(nj);
			return sz_fsync_dir(s->dir);
		}
		if (sz_store_db_matches(db, master) == 1) {
			sz_store_drop_rotation(s->dir);
			return SZ_OK;
		}
		snprintf(s->errmsg, sizeof s->errmsg, "%s: the new key file (key.new) opens, but neither "
		    "database does: damaged", s->dir);
		return SZ_ERR_CORRUPT;
	}
	int m = sz_store_db_matches(db, master);
	if (m == 0 && sz_store_db_matches(nw, master) != 1) {
		snprintf(s->errmsg, sizeof s->errmsg, "a passphrase change was under way when samizdat "
		    "stopped, and the store was already re-encrypted: open it with the new passphrase");
		return SZ_ERR_PASSPHRASE;
	}
	/* The old database is still in place: the change is undone. */
	sz_store_drop_rotation(s->dir);
	return SZ_OK;
}

/* Re-seal one secret (nonce || AEAD(old_kv, ad = name)) under new_kv, in place. */
static int
reseal_one(sqlite3_stmt *upd, const char *name, size_t nlen, uint8_t *v, size_t vlen,
    const uint8_t old_kv[static 32], const uint8_t new_kv[static 32])
{
	if (vlen < SZ_XNONCE_BYTES + SZ_AEAD_TAG_BYTES)
		return SZ_ERR_CORRUPT;
	size_t mlen = vlen - SZ_XNONCE_BYTES - SZ_AEAD_TAG_BYTES;
	uint8_t *m = sz_secret_alloc(mlen + 1);
	int r = SZ_ERR_NOMEM;
	if (m == NULL)
		return r;
	r = SZ_ERR_CORRUPT;
	if (sz_xaead_decrypt(m, v + SZ_XNONCE_BYTES, vlen - SZ_XNONCE_BYTES, (const uint8_t *)name,
	    nlen, v, old_kv) != SZ_OK)
		goto out;
	randombytes_buf(v, SZ_XNONCE_BYTES);
	r = SZ_ERR_INTERNAL;
	if (sz_xaead_encrypt(v + SZ_XNONCE_BYTES, m, mlen, (const uint8_t *)name, nlen, v,
	    new_kv) != SZ_OK)
		goto out;
	sqlite3_reset(upd);
	/* The name column is TEXT: bound as text so that the row matches. */
	sqlite3_bind_text(upd, 1, name, (int)nlen, SQLITE_STATIC);
	sqlite3_bind_blob(upd, 2, v, (int)vlen, SQLITE_STATIC);
	r = sqlite3_step(upd) == SQLITE_DONE ? SZ_OK : SZ_ERR_IO;
out:
	sz_secret_free(m);
	return r;
}

/* Re-seal every secret of the kv table in db (under old_kv) under new_kv, in one transaction.
 * The rows are read first, then rewritten: a row's bytes are not held across an update. */
static int
reseal_secrets(sqlite3 *db, const uint8_t old_kv[static 32], const uint8_t new_kv[static 32])
{
	sqlite3_stmt *sel = NULL, *upd = NULL;
	sz_buf names = { 0 }, vals = { .secret = true };
	int r = SZ_ERR_INTERNAL, rc;
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return SZ_ERR_IO;
	if (sqlite3_prepare_v2(db, "SELECT name, value FROM kv", -1, &sel, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "UPDATE kv SET value = ?2 WHERE name = ?1", -1, &upd, NULL) !=
	    SQLITE_OK)
		goto out;
	/* name and value, each as u32 length || bytes */
	while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
		const uint8_t *n = sqlite3_column_blob(sel, 0);
		int nl = sqlite3_column_bytes(sel, 0);
		const uint8_t *v = sqlite3_column_blob(sel, 1);
		int vl = sqlite3_column_bytes(sel, 1);
		sz_buf_u32(&names, (uint32_t)nl);
		sz_buf_append(&names, n, (size_t)nl);
		sz_buf_u32(&vals, (uint32_t)vl);
		sz_buf_append(&vals, v, (size_t)vl);
	}
	sqlite3_finalize(sel);
	sel = NULL;
	r = rc != SQLITE_DONE ? SZ_ERR_IO : names.err ? names.err : vals.err;
	for (size_t i = 0, j = 0; r == SZ_OK && i < names.len; ) {
		uint32_t nl = sz_load_u32(names.p + i), vl = sz_load_u32(vals.p + j);
		char name[SZ_STORE_KV_NAME_MAX + 1];
		if (nl > SZ_STORE_KV_NAME_MAX) {
			r = SZ_ERR_CORRUPT;
			break;
		}
		memcpy(name, names.p + i + 4, nl);
		name[nl] = '\0';
		r = reseal_one(upd, name, nl, vals.p + j + 4, vl, old_kv, new_kv);
		i += 4 + nl;
		j += 4 + vl;
	}
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	sz_buf_free(&names);
	sz_buf_free(&vals);
	if (r == SZ_OK && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		r = SZ_ERR_IO;
	if (r != SZ_OK)
		(void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return r;
}

/* Copy s's database page by page into the new file through v2 (keyed by the new master key).
 * The source is read through its own sealed VFS, so a damaged page stops the copy. */
static int
copy_pages(sz_store *s, sqlite3 *d2, void (*progress)(void *, uint64_t, uint64_t), void *ctx)
{
	sqlite3_backup *b = sqlite3_backup_init(d2, "main", s->db, "main");
	int rc;
	if (b == NULL)
		return sz_store_fail(s, sqlite3_errcode(d2), "starting the copy");
	sz_vfs_clear_error(s->vfs);
	do {
		rc = sqlite3_backup_step(b, 256);
		if (progress != NULL) {
			int total = sqlite3_backup_pagecount(b), left = sqlite3_backup_remaining(b);
			progress(ctx, (uint64_t)(total - left), (uint64_t)total);
		}
	} while (rc == SQLITE_OK);
	int fin = sqlite3_backup_finish(b);
	if (rc == SQLITE_DONE && fin == SQLITE_OK)
		return SZ_OK;
	if (sz_vfs_errcode(s->vfs) != 0)
		return sz_store_fail(s, rc, "re-encrypting the store");
	if (rc == SQLITE_DONE)
		rc = sqlite3_errcode(d2);
	int e = sz_store_fail(s, rc, "re-encrypting the store");
	return e == SZ_ERR_INTERNAL ? SZ_ERR_IO : e;
}

int
sz_store_change_passphrase(sz_store *s, const char *pass, size_t passlen,
    void (*progress)(void *ctx, uint64_t done, uint64_t total), void *ctx)
{
	/* kek || probe master || new master, then the new subkeys */
	uint8_t *sec = sz_secret_alloc(96 + SZ_STORE_K_BYTES), *keys2;
	char nw[PATH_MAX], nj[PATH_MAX], db[PATH_MAX];
	sz_vfs *v2 = NULL;
	sqlite3 *d2 = NULL;
	unsigned slot;
	uint8_t role;
	int r, switched = 0;
	sz_keyfile next;

	if (sec == NULL)
		return SZ_ERR_NOMEM;
	keys2 = sec + 96;
	s->errmsg[0] = '\0';
	if ((r = sz_path_in(nw, sizeof nw, s->dir, SZ_STORE_DB_NEW)) != SZ_OK ||
	    (r = sz_path_in(nj, sizeof nj, s->dir, SZ_STORE_DB_NEW_JOURNAL)) != SZ_OK ||
	    (r = sz_path_in(db, sizeof db, s->dir, SZ_STORE_DB)) != SZ_OK)
		goto out;
	if ((r = sz_keyfile_kek(sec, &s->kf, pass, passlen)) != SZ_OK)
		goto out;
	/* The duress passphrase cannot become the real one. */
	if (sz_keyfile_unseal(&s->kf, sec, &slot, &role, sec + 32) == SZ_OK && slot != s->real_slot) {
		r = SZ_ERR_INVALID;
		goto out;
	}
	sz_random(s->env, sec + 64, 32);
	if ((r = sz_store_derive(keys2, sec + 64)) != SZ_OK ||
	    (r = sz_vfs_new(&v2, keys2 + SZ_STORE_K_VFS)) != SZ_OK)
		goto out;

	/* 1. the new database */
	sz_store_drop_rotation(s->dir);
	int fd = open(nw, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		r = SZ_ERR_IO;
		goto out;
	}
	close(fd);
	if ((r = sz_vfs_connect(v2, nw, 1, &d2)) != SZ_OK) {
		snprintf(s->errmsg, sizeof s->errmsg, "%s", sz_vfs_errmsg(v2));
		goto fail;
	}
	if ((r = copy_pages(s, d2, progress, ctx)) != SZ_OK)
		goto fail;
	if ((r = reseal_secrets(d2, s->keys + SZ_STORE_K_KV, keys2 + SZ_STORE_K_KV)) != SZ_OK) {
		snprintf(s->errmsg, sizeof s->errmsg, "re-sealing the node's secrets: %s",
		    sz_strerror(r));
		goto fail;
	}
	if (sqlite3_close(d2) != SQLITE_OK) {
		r = SZ_ERR_IO;
		goto fail;
	}
	d2 = NULL;
	(void)unlink(nj);
	if ((fd = open(nw, O_RDONLY | O_CLOEXEC)) < 0 || fsync(fd) != 0) {
		if (fd >= 0)
			close(fd);
		r = SZ_ERR_IO;
		goto fail;
	}
	close(fd);
	if ((r = sz_fsync_dir(s->dir)) != SZ_OK)
		goto fail;

	/* 2. the new key file, pending: from here an open with the new passphrase finishes */
	next = s->kf;
	if ((r = sz_keyfile_seal(&next, s->real_slot, sec, SZ_KEY_ROLE_REAL, sec + 64, s->env)) !=
	    SZ_OK || (r = sz_keyfile_write_pending(s->dir, &next)) != SZ_OK)
		goto fail;

	/* 3. the switch */
	sz_store_close_db(s);
	if (rename(nw, db) != 0 || sz_fsync_dir(s->dir) != SZ_OK) {
		r = SZ_ERR_IO;
		if (sz_keyfile_drop_pending(s->dir) != SZ_OK) {
			/* left: the next open with the old passphrase finds db.new gone and drops it */
		}
		goto reopen;
	}
	switched = 1;
	memcpy(s->keys, keys2, SZ_STORE_K_BYTES);
	s->kf = next;
	s->keyfile_damaged = 0;
	/* 4. the key file itself, from key.new (which is not written again) */
	r = sz_keyfile_commit_pending(s->dir, &next);
reopen:
	{
		int r2 = sz_store_open_db(s, 0);
		if (r == SZ_OK)
			r = r2;
	}
	if (!switched)
		sz_store_drop_rotation(s->dir);
	goto out;
fail:
	if (d2 != NULL)
		sqlite3_close(d2);
	sz_store_drop_rotation(s->dir);
out:
	sz_vfs_free(v2);
	sz_wipe(&next, sizeof next);
	sz_secret_free(sec);
	return r;
}

int
sz_store_passphrase_opens(sz_store *s, const char *pass, size_t passlen)
{
	uint8_t *sec = sz_secret_alloc(64);
	unsigned slot;
	uint8_t role;
	int r;
	if (sec == NULL)
		return SZ_ERR_NOMEM;
	r = sz_keyfile_kek(sec, &s->kf, pass, passlen);
	if (r == SZ_OK && (sz_keyfile_unseal(&s->kf, sec, &slot, &role, sec + 32) != SZ_OK ||
	    slot != s->real_slot))
		r = SZ_ERR_PASSPHRASE;
	else if (r == SZ_ERR_INVALID)
		r = SZ_ERR_PASSPHRASE; /* empty or too long: not this store's, either */
	sz_secret_free(sec);
	return r;
}
