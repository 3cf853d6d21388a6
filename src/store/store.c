/*
 * store.c - the store's life: create, unlock and open, duress, close, wipe, schema migrations,
 * and the sealed key-value table for node secrets (docs/PROTOCOL.md §4 (The encrypted store) §3-4).
 * Layer: store.  Envelopes and entries are in store_data.c.
 */
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "store/store_int.h"

static _Thread_local char last_error[640];

/* The schema, one migration per entry; migration n moves the database to version n. */
static const char *const migrations[] = {
	/* 1: the first schema. */
	/* Rows are appended in arrival order (rowid n), so the large ones fill pages in sequence;
	 * only the small unique index on id takes random inserts. */
	"CREATE TABLE envelopes("
	"  n INTEGER PRIMARY KEY,"
	"  id BLOB NOT NULL UNIQUE,"           /* BLAKE2b-256 of the envelope */
	"  scope BLOB NOT NULL,"
	"  time_ms INTEGER NOT NULL,"          /* public: entry timestamp; sealed: first stored */
	"  entry_id BLOB,"                     /* public: the entry inside (bytes kept in entries) */
	"  sealed BLOB"                        /* sealed: the envelope bytes */
	");"
	"CREATE INDEX envelopes_by_time ON envelopes(scope, time_ms, id);"
	"CREATE TABLE entries("
	"  n INTEGER PRIMARY KEY,"
	"  id BLOB NOT NULL UNIQUE,"           /* BLAKE2b-256 of the entry */
	"  scope BLOB NOT NULL,"
	"  time_ms INTEGER NOT NULL,"          /* the entry's timestamp */
	"  env_id BLOB NOT NULL,"
	"  bytes BLOB NOT NULL"
	");"
	"CREATE INDEX entries_by_time ON entries(scope, time_ms, id);"
	"CREATE TABLE parents("
	"  scope BLOB NOT NULL, parent BLOB NOT NULL, child BLOB NOT NULL,"
	"  PRIMARY KEY(scope, parent, child)) WITHOUT ROWID;"
	"CREATE INDEX parents_by_child ON parents(child);"
	"CREATE TABLE gone(id BLOB PRIMARY KEY NOT NULL, scope BLOB NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE kv(name TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL) WITHOUT ROWID;",
};
#define NMIGRATIONS (sizeof migrations / sizeof migrations[0])

static void
set_last(const char *dir, int err, const char *what)
{
	snprintf(last_error, sizeof last_error, "%.200s: %.430s", dir ? dir : "?",
	    what && *what ? what : sz_strerror(err));
}

const char *
sz_store_last_error(void)
{
	return last_error;
}

const char *
sz_store_errmsg(const sz_store *s)
{
	return s->errmsg;
}

int
sz_store_default_dir(char *out, size_t n)
{
	const char *h = getenv("SAMIZDAT_HOME");
	int w;
	if (n > 0)
		out[0] = '\0';
	if (h != NULL && *h != '\0') {
		w = snprintf(out, n, "%s", h);
	} else {
		h = getenv("HOME");
		if (h == NULL || *h == '\0')
			return SZ_ERR_NOT_FOUND;
		w = snprintf(out, n, "%s/.samizdat", h);
	}
	if (w < 0 || (size_t)w >= n) {
		if (n > 0)
			out[0] = '\0';
		return SZ_ERR_TOO_LARGE;
	}
	return SZ_OK;
}

/* --- internals shared with store_data.c ------------------------------------------------ */

int
sz_store_fail(sz_store *s, int rc, const char *what)
{
	int prim = rc & 0xff, e;
	int sys = s->db != NULL ? sqlite3_system_errno(s->db) : 0;
	const char *msg = s->db != NULL ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc);
	char dbpath[PATH_MAX + 8];
	snprintf(dbpath, sizeof dbpath, "%s/%s", s->dir, SZ_STORE_DB);

	if (s->vfs != NULL && sz_vfs_errcode(s->vfs) != 0) {
		e = sz_vfs_errcode(s->vfs);
		snprintf(s->errmsg, sizeof s->errmsg, "%.100s: %.512s", what, sz_vfs_errmsg(s->vfs));
		return e;
	}
	if (prim == SQLITE_FULL || sys == ENOSPC || sys == EFBIG || sys == EDQUOT)
		e = SZ_ERR_DISK_FULL;
	else if (prim == SQLITE_CORRUPT || prim == SQLITE_NOTADB)
		e = SZ_ERR_CORRUPT;
	else if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED)
		e = SZ_ERR_BUSY;
	else if (prim == SQLITE_NOMEM)
		e = SZ_ERR_NOMEM;
	else if (prim == SQLITE_IOERR || prim == SQLITE_CANTOPEN)
		e = SZ_ERR_IO;
	else if (prim == SQLITE_TOOBIG)
		e = SZ_ERR_TOO_LARGE;
	else
		e = SZ_ERR_INTERNAL;
	snprintf(s->errmsg, sizeof s->errmsg, "%.120s: %.300s: %.200s", what, dbpath, msg);
	return e;
}

sqlite3_stmt *sz_store_stmt(sz_store *s, int which);

static const char *const stmt_sql[ST_COUNT] = {
	[ST_ENV_PUT] = "INSERT OR IGNORE INTO envelopes(id, scope, time_ms, entry_id, sealed) "
	    "VALUES(?1, ?2, ?3, ?4, ?5)",
	[ST_ENV_GET] = "SELECT envelopes.sealed, entries.bytes FROM envelopes "
	    "LEFT JOIN entries ON entries.id = envelopes.entry_id WHERE envelopes.id = ?1",
	[ST_ENV_LIST] = "SELECT time_ms, id FROM envelopes WHERE scope = ?1 AND time_ms >= ?2 "
	    "AND time_ms < ?3 ORDER BY time_ms, id LIMIT ?4",
	[ST_ENV_EXPIRE] = "DELETE FROM envelopes WHERE scope = ?1 AND time_ms < ?2",
	[ST_ENT_PUT] = "INSERT OR IGNORE INTO entries(id, scope, time_ms, env_id, bytes) "
	    "VALUES(?1, ?2, ?3, ?4, ?5)",
	[ST_ENT_GET] = "SELECT bytes, scope, env_id FROM entries WHERE id = ?1",
	[ST_ENT_LIST] = "SELECT time_ms, id FROM entries WHERE scope = ?1 AND time_ms >= ?2 "
	    "AND time_ms < ?3 ORDER BY time_ms, id LIMIT ?4",
	[ST_PARENT_PUT] = "INSERT OR IGNORE INTO parents(scope, parent, child) VALUES(?1, ?2, ?3)",
	[ST_HEADS] = "SELECT e.id FROM entries e WHERE e.scope = ?1 AND NOT EXISTS "
	    "(SELECT 1 FROM parents p WHERE p.scope = ?1 AND p.parent = e.id) ORDER BY e.id LIMIT ?2",
	[ST_MISSING] = "SELECT DISTINCT p.parent FROM parents p WHERE p.scope = ?1 AND NOT EXISTS "
	    "(SELECT 1 FROM entries e WHERE e.id = p.parent) AND NOT EXISTS "
	    "(SELECT 1 FROM gone g WHERE g.id = p.parent) ORDER BY p.parent LIMIT ?2",
	[ST_ENT_EXPIRE] = "DELETE FROM entries WHERE scope = ?1 AND time_ms < ?2",
	[ST_PARENT_EXPIRE] = "DELETE FROM parents WHERE child IN "
	    "(SELECT id FROM entries WHERE scope = ?1 AND time_ms < ?2)",
	[ST_GONE_PUT_ENV] = "INSERT OR IGNORE INTO gone(id, scope) "
	    "SELECT id, scope FROM envelopes WHERE scope = ?1 AND time_ms < ?2",
	[ST_GONE_PUT_ENT] = "INSERT OR IGNORE INTO gone(id, scope) "
	    "SELECT id, scope FROM entries WHERE scope = ?1 AND time_ms < ?2",
	[ST_GONE_HAS] = "SELECT 1 FROM gone WHERE id = ?1",
	[ST_KV_PUT] = "INSERT OR REPLACE INTO kv(name, value) VALUES(?1, ?2)",
	[ST_KV_GET] = "SELECT value FROM kv WHERE name = ?1",
	[ST_KV_DEL] = "DELETE FROM kv WHERE name = ?1",
};

sqlite3_stmt *
sz_store_stmt(sz_store *s, int which)
{
	if (which < 0 || which >= ST_COUNT)
		return NULL;
	if (s->st[which] == NULL) {
		int rc = sqlite3_prepare_v3(s->db, stmt_sql[which], -1, SQLITE_PREPARE_PERSISTENT,
		    &s->st[which], NULL);
		if (rc != SQLITE_OK) {
			(void)sz_store_fail(s, rc, "preparing a statement");
			s->st[which] = NULL;
			return NULL;
		}
	} else {
		sqlite3_reset(s->st[which]);
		sqlite3_clear_bindings(s->st[which]);
	}
	return s->st[which];
}

int
sz_store_exec(sz_store *s, const char *sql, const char *what)
{
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? SZ_OK : sz_store_fail(s, rc, what);
}

/* --- opening and closing --------------------------------------------------------------- */

static int
path_in(char *out, size_t n, const char *dir, const char *name)
{
	int w = snprintf(out, n, "%s/%s", dir, name);
	return (w < 0 || (size_t)w >= n) ? SZ_ERR_INVALID : SZ_OK;
}

static int
take_lock(sz_store *s)
{
	char path[PATH_MAX];
	int r = path_in(path, sizeof path, s->dir, SZ_STORE_LOCK);
	if (r != SZ_OK)
		return r;
	s->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (s->lock_fd < 0)
		return errno == ENOENT ? SZ_ERR_NOT_FOUND : SZ_ERR_IO;
	if (flock(s->lock_fd, LOCK_EX | LOCK_NB) != 0)
		return (errno == EWOULDBLOCK || errno == EAGAIN) ? SZ_ERR_BUSY : SZ_ERR_IO;
	return SZ_OK;
}

int
sz_store_derive(uint8_t keys[static SZ_STORE_K_BYTES], const uint8_t master[static 32])
{
	static const char vfs_label[] = "samizdat store v1: database";
	static const char kv_label[] = "samizdat store v1: secrets";
	memcpy(keys + SZ_STORE_K_MASTER, master, 32);
	if (sz_blake2b(keys + SZ_STORE_K_VFS, 32, (const uint8_t *)vfs_label, sizeof vfs_label - 1,
	    master, 32) != SZ_OK ||
	    sz_blake2b(keys + SZ_STORE_K_KV, 32, (const uint8_t *)kv_label, sizeof kv_label - 1,
	    master, 32) != SZ_OK)
		return SZ_ERR_INTERNAL;
	return SZ_OK;
}

static int
derive_keys(sz_store *s, const uint8_t master[static 32])
{
	return sz_store_derive(s->keys, master);
}

static int
migrate(sz_store *s)
{
	int r;
	sqlite3_stmt *st = NULL;
	if ((r = sz_store_exec(s, "CREATE TABLE IF NOT EXISTS migrations(version INTEGER PRIMARY KEY, "
	    "applied_ms INTEGER NOT NULL)", "creating the migrations table")) != SZ_OK)
		return r;
	int rc = sqlite3_prepare_v2(s->db, "SELECT coalesce(max(version), 0) FROM migrations", -1,
	    &st, NULL);
	if (rc != SQLITE_OK || (rc = sqlite3_step(st)) != SQLITE_ROW) {
		r = sz_store_fail(s, rc, "reading the schema version");
		sqlite3_finalize(st);
		return r;
	}
	sqlite3_int64 have = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (have < 0 || (uint64_t)have > NMIGRATIONS) {
		snprintf(s->errmsg, sizeof s->errmsg, "the store has schema version %lld; this samizdat "
		    "knows %zu", (long long)have, NMIGRATIONS);
		return SZ_ERR_UNSUPPORTED;
	}
	for (size_t v = (size_t)have + 1; v <= NMIGRATIONS; v++) {
		char ins[128];
		snprintf(ins, sizeof ins, "INSERT INTO migrations VALUES(%zu, %llu)", v,
		    (unsigned long long)sz_store_time(sz_now_ms(s->env)));
		if ((r = sz_store_begin(s)) != SZ_OK)
			return r;
		if ((r = sz_store_exec(s, migrations[v - 1], "migrating the schema")) != SZ_OK ||
		    (r = sz_store_exec(s, ins, "recording the migration")) != SZ_OK) {
			sz_store_rollback(s);
			return r;
		}
		if ((r = sz_store_commit(s)) != SZ_OK)
			return r;
	}
	return SZ_OK;
}

/* Open the database with the keys in s (create: a new one, replacing leftovers). */
static int
open_db(sz_store *s, int create)
{
	char db[PATH_MAX], jr[PATH_MAX];
	int r;
	if ((r = path_in(db, sizeof db, s->dir, SZ_STORE_DB)) != SZ_OK ||
	    (r = path_in(jr, sizeof jr, s->dir, SZ_STORE_JOURNAL)) != SZ_OK)
		return r;
	if (create) {
		/* Files without a key file are unreadable leftovers (e.g. of a wipe or duress). */
		if ((unlink(jr) != 0 && errno != ENOENT) || (unlink(db) != 0 && errno != ENOENT))
			return SZ_ERR_IO;
		/* Made here with mode 0600 (SQLite would use 0644); the journal inherits the mode. */
		int fd = open(db, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0)
			return SZ_ERR_IO;
		close(fd);
	} else if (access(db, F_OK) != 0) {
		snprintf(s->errmsg, sizeof s->errmsg, "%.600s: missing (the key file is there)", db);
		return SZ_ERR_CORRUPT;
	}
	if ((r = sz_vfs_new(&s->vfs, s->keys + SZ_STORE_K_VFS)) != SZ_OK)
		return r;
	if ((r = sz_vfs_connect(s->vfs, db, create, &s->db)) != SZ_OK) {
		snprintf(s->errmsg, sizeof s->errmsg, "%s", sz_vfs_errmsg(s->vfs));
		return r;
	}
	sqlite3_busy_timeout(s->db, 0);
	if ((r = migrate(s)) != SZ_OK)
		return r;
	if (create && (r = sz_vfs_check_header(s->vfs, db)) != SZ_OK) {
		snprintf(s->errmsg, sizeof s->errmsg, "%s", sz_vfs_errmsg(s->vfs));
		return r;
	}
	return SZ_OK;
}

static int
store_new(sz_store **out, const char *dir, const sz_store_opts *opts)
{
	sz_store *s = calloc(1, sizeof *s);
	*out = NULL;
	if (s == NULL)
		return SZ_ERR_NOMEM;
	s->lock_fd = -1;
	s->env = (opts && opts->env) ? opts->env : sz_env_default();
	s->max_body = opts ? opts->max_body : 0;
	if ((s->dir = strdup(dir)) == NULL || (s->keys = sz_secret_alloc(SZ_STORE_K_BYTES)) == NULL) {
		sz_store_close(s);
		return SZ_ERR_NOMEM;
	}
	*out = s;
	return SZ_OK;
}

/* A new key file for master, sealed under kek in a random slot, the other slot random. */
static int
seal_new_keyfile(sz_store *s, const uint8_t kek[static 32], const uint8_t master[static 32])
{
	s->real_slot = sz_random_uniform(s->env, SZ_KEYFILE_SLOTS);
	for (unsigned i = 0; i < SZ_KEYFILE_SLOTS; i++)
		sz_keyfile_scrub(&s->kf, i, s->env);
	int r = sz_keyfile_seal(&s->kf, s->real_slot, kek, SZ_KEY_ROLE_REAL, master, s->env);
	if (r == SZ_OK)
		r = sz_keyfile_store(s->dir, &s->kf);
	return r;
}

int
sz_store_create(sz_store **out, const char *dir, const char *pass, size_t passlen,
    const sz_store_opts *opts)
{
	sz_store *s = NULL;
	uint8_t *sec = NULL; /* kek || master */
	char path[PATH_MAX];
	int r;

	*out = NULL;
	last_error[0] = '\0';
	if (dir == NULL || *dir == '\0' || pass == NULL) {
		r = SZ_ERR_INVALID;
		goto out;
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		r = SZ_ERR_IO;
		goto out;
	}
	if ((r = store_new(&s, dir, opts)) != SZ_OK || (r = take_lock(s)) != SZ_OK)
		goto out;
	if ((r = path_in(path, sizeof path, dir, SZ_KEYFILE_NAME)) != SZ_OK)
		goto out;
	if (access(path, F_OK) == 0) {
		r = SZ_ERR_EXISTS;
		goto out;
	}
	if ((r = sz_keyfile_init(&s->kf, opts ? opts->kdf_ops : 0, opts ? opts->kdf_mem_kib : 0,
	    s->env)) != SZ_OK)
		goto out;
	if ((sec = sz_secret_alloc(64)) == NULL) {
		r = SZ_ERR_NOMEM;
		goto out;
	}
	sz_random(s->env, sec + 32, 32);
	if ((r = sz_keyfile_kek(sec, &s->kf, pass, passlen)) != SZ_OK ||
	    (r = seal_new_keyfile(s, sec, sec + 32)) != SZ_OK ||
	    (r = derive_keys(s, sec + 32)) != SZ_OK || (r = open_db(s, 1)) != SZ_OK)
		goto out;
	*out = s;
	s = NULL;
out:
	if (r != SZ_OK)
		set_last(dir, r, s ? s->errmsg : NULL);
	sz_secret_free(sec);
	sz_store_close(s);
	return r;
}

/* The duress passphrase was given: destroy the real store and put an empty one in its place,
 * unlocked by the same passphrase (same salt and parameters, so no second Argon2id run). */
static int
duress_reset(sz_store *s, const uint8_t kek[static 32], uint8_t master[static 32])
{
	/* The new key file overwrites the real slot in place (sz_keyfile_store); open_db(create)
	 * then unlinks the old database and journal, unreadable from this moment on. */
	sz_random(s->env, master, 32);
	return seal_new_keyfile(s, kek, master);
}

int
sz_store_open(sz_store **out, const char *dir, const char *pass, size_t passlen,
    const sz_store_opts *opts)
{
	sz_store *s = NULL;
	uint8_t *sec = NULL; /* kek || master || pending kek */
	sz_keyfile pending;
	int has_pending = 0, create = 0;
	unsigned slot = 0;
	uint8_t role = 0;
	int r;

	*out = NULL;
	last_error[0] = '\0';
	memset(&pending, 0, sizeof pending);
	if (dir == NULL || *dir == '\0' || pass == NULL) {
		r = SZ_ERR_INVALID;
		goto out;
	}
	if ((r = store_new(&s, dir, opts)) != SZ_OK || (r = take_lock(s)) != SZ_OK)
		goto out;
	if ((r = sz_keyfile_load(dir, &s->kf, &pending, &has_pending)) != SZ_OK) {
		if (r == SZ_ERR_CORRUPT || r == SZ_ERR_UNSUPPORTED)
			snprintf(s->errmsg, sizeof s->errmsg, "%s: the key file is damaged (it has the "
			    "wrong length, or Argon2id parameters no samizdat writes): no passphrase can be "
			    "tried against it", SZ_KEYFILE_NAME);
		goto out;
	}
	if ((sec = sz_secret_alloc(96)) == NULL) {
		r = SZ_ERR_NOMEM;
		goto out;
	}
	if (has_pending > 0) {
		/* An interrupted rewrite: the new contents win if the passphrase opens them. */
		if ((r = sz_keyfile_kek(sec + 64, &pending, pass, passlen)) != SZ_OK)
			goto out;
		if (sz_keyfile_unseal(&pending, sec + 64, &slot, &role, sec + 32) == SZ_OK) {
			s->kf = pending;
			if ((r = sz_keyfile_store(dir, &s->kf)) != SZ_OK)
				goto out;
			memcpy(sec, sec + 64, 32);
			goto unlocked;
		}
	}
	if ((r = sz_keyfile_kek(sec, &s->kf, pass, passlen)) != SZ_OK)
		goto out;
	if ((r = sz_keyfile_unseal(&s->kf, sec, &slot, &role, sec + 32)) != SZ_OK) {
		/* Nothing was changed.  A checksum that does not match says why no slot opened. */
		if (s->kf.damaged) {
			r = SZ_ERR_CORRUPT;
			snprintf(s->errmsg, sizeof s->errmsg, "%s: the key file is damaged (its checksum "
			    "does not match) and the passphrase opens none of its slots: the store cannot "
			    "be unlocked", SZ_KEYFILE_NAME);
		}
		goto out;
	}
	if (has_pending != 0 && (r = sz_keyfile_drop_pending(dir)) != SZ_OK)
		goto out;
unlocked:
	s->keyfile_damaged = s->kf.damaged;
	s->real_slot = slot;
	if (role == SZ_KEY_ROLE_DURESS) {
		if ((r = duress_reset(s, sec, sec + 32)) != SZ_OK)
			goto out;
		create = 1;
	}
	if ((r = derive_keys(s, sec + 32)) != SZ_OK || (r = open_db(s, create)) != SZ_OK)
		goto out;
	*out = s;
	s = NULL;
out:
	if (r != SZ_OK)
		set_last(dir, r, s ? s->errmsg : NULL);
	sz_wipe(&pending, sizeof pending);
	sz_secret_free(sec);
	sz_store_close(s);
	return r;
}

void
sz_store_close(sz_store *s)
{
	if (s == NULL)
		return;
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(s->st[i]);
	if (s->db != NULL)
		sqlite3_close(s->db);
	sz_vfs_free(s->vfs);
	sz_secret_free(s->keys);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	free(s->dir);
	sz_wipe(s, sizeof *s);
	free(s);
}

size_t
sz_store_max_body(const sz_store *s)
{
	return s->max_body == 0 || s->max_body > SZ_ENTRY_MAX_BODY ? SZ_ENTRY_MAX_BODY : s->max_body;
}

int
sz_store_keyfile_damaged(const sz_store *s)
{
	return s->keyfile_damaged;
}

int
sz_store_check(sz_store *s)
{
	sqlite3_stmt *st = NULL;
	sz_vfs_clear_error(s->vfs);
	int rc = sqlite3_prepare_v2(s->db, "PRAGMA integrity_check", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	int r;
	if (rc != SQLITE_ROW) {
		r = sz_store_fail(s, rc, "checking integrity");
	} else {
		const char *res = (const char *)sqlite3_column_text(st, 0);
		r = (res != NULL && strcmp(res, "ok") == 0) ? SZ_OK : SZ_ERR_CORRUPT;
		if (r != SZ_OK)
			snprintf(s->errmsg, sizeof s->errmsg, "%s/%s: integrity check: %s", s->dir,
			    SZ_STORE_DB, res ? res : "?");
	}
	sqlite3_finalize(st);
	return r;
}

/* --- passphrases --------------------------------------------------------------------------- */

static unsigned
other_slot(const sz_store *s)
{
	return (s->real_slot + 1) % SZ_KEYFILE_SLOTS;
}

int
sz_store_change_passphrase(sz_store *s, const char *pass, size_t passlen)
{
	uint8_t *sec = sz_secret_alloc(64);
	unsigned slot;
	uint8_t role;
	int r;
	if (sec == NULL)
		return SZ_ERR_NOMEM;
	if ((r = sz_keyfile_kek(sec, &s->kf, pass, passlen)) != SZ_OK)
		goto out;
	/* The duress passphrase cannot become the real one. */
	if (sz_keyfile_unseal(&s->kf, sec, &slot, &role, sec + 32) == SZ_OK && slot != s->real_slot) {
		r = SZ_ERR_INVALID;
		goto out;
	}
	sz_keyfile next = s->kf;
	if ((r = sz_keyfile_seal(&next, s->real_slot, sec, SZ_KEY_ROLE_REAL,
	    s->keys + SZ_STORE_K_MASTER, s->env)) != SZ_OK)
		goto out;
	if ((r = sz_keyfile_store(s->dir, &next)) != SZ_OK)
		goto out;
	s->kf = next;
out:
	sz_secret_free(sec);
	return r;
}

int
sz_store_set_duress(sz_store *s, const char *pass, size_t passlen)
{
	uint8_t *sec = NULL;
	unsigned slot;
	uint8_t role;
	int r;
	sz_keyfile next = s->kf;
	if (pass == NULL) {
		sz_keyfile_scrub(&next, other_slot(s), s->env);
		goto write;
	}
	if ((sec = sz_secret_alloc(64)) == NULL)
		return SZ_ERR_NOMEM;
	if ((r = sz_keyfile_kek(sec, &s->kf, pass, passlen)) != SZ_OK)
		goto out;
	if (sz_keyfile_unseal(&s->kf, sec, &slot, &role, sec + 32) == SZ_OK && slot == s->real_slot) {
		r = SZ_ERR_INVALID;
		goto out;
	}
	/* The duress slot holds a random key of no use: only its role matters. */
	sz_random(s->env, sec + 32, 32);
	if ((r = sz_keyfile_seal(&next, other_slot(s), sec, SZ_KEY_ROLE_DURESS, sec + 32,
	    s->env)) != SZ_OK)
		goto out;
write:
	if ((r = sz_keyfile_store(s->dir, &next)) != SZ_OK)
		goto out;
	s->kf = next;
out:
	sz_secret_free(sec);
	return r;
}

int
sz_store_wipe(const char *dir)
{
	static const char *const files[] = { SZ_STORE_JOURNAL, SZ_STORE_DB, SZ_STORE_LOCK };
	char path[PATH_MAX];
	if (dir == NULL || *dir == '\0')
		return SZ_ERR_INVALID;
	/* The key material first: once it is gone and synced, nothing else matters. */
	int r = sz_keyfile_destroy(dir);
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
		if (path_in(path, sizeof path, dir, files[i]) == SZ_OK)
			(void)unlink(path);
	/* Making the unlinks durable is a courtesy: the keys, already synced, are what mattered. */
	int synced = sz_fsync_dir(dir);
	(void)synced;
	(void)rmdir(dir);
	return r;
}

/* --- node secrets ---------------------------------------------------------------------- */

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
