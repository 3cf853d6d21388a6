/*
 * store.c - the store's life: create, unlock and open, duress, close, wipe, schema migrations
 * (docs/PROTOCOL.md §4 (The encrypted store) §3-4).  Layer: store.  Envelopes and entries are in
 * store_data.c, the sealed key-value table for node secrets in kv.c.
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
	/* 2: attachments (issue 18): the chunks held, the files named by posts and leaflets, the
	 * chunks refused for a quota (listed, never held). */
	"CREATE TABLE chunks("
	"  hash BLOB NOT NULL,"                /* BLAKE2b-256 of the chunk's bytes */
	"  env_id BLOB NOT NULL,"              /* the envelope that carries it */
	"  ctx BLOB NOT NULL,"                 /* public scope, or the cell's local scope */
	"  key BLOB,"                          /* sealed: the key that opens that envelope alone */
	"  len INTEGER NOT NULL,"
	"  PRIMARY KEY(hash, env_id)) WITHOUT ROWID;"
	"CREATE INDEX chunks_by_ctx ON chunks(ctx);"
	"CREATE TABLE files("
	"  hash BLOB NOT NULL,"                /* BLAKE2b-256 of the whole file */
	"  entry_id BLOB NOT NULL,"            /* the post or leaflet that names it */
	"  ctx BLOB NOT NULL,"
	"  time_ms INTEGER NOT NULL,"
	"  manifest BLOB NOT NULL,"            /* as it travelled (75 bytes) */
	"  state INTEGER NOT NULL,"            /* 0 not yet complete, 1 complete and checked, 2 damaged */
	"  PRIMARY KEY(hash, entry_id)) WITHOUT ROWID;"
	"CREATE TABLE unwanted("
	"  label BLOB NOT NULL, id BLOB NOT NULL, time_ms INTEGER NOT NULL,"
	"  PRIMARY KEY(label, id)) WITHOUT ROWID;",
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
	[ST_CHUNK_PUT] = "INSERT OR IGNORE INTO chunks(hash, env_id, ctx, key, len) "
	    "VALUES(?1, ?2, ?3, ?4, ?5)",
	[ST_CHUNK_FIND] = "SELECT c.env_id, c.ctx, c.key, c.len FROM chunks c JOIN envelopes e "
	    "ON e.id = c.env_id WHERE c.hash = ?1 LIMIT 1",
	/* Walking a scope a page at a time (keyset on the index by time), counting it, finding ids
	 * by prefix, and the distinct scopes by skipping through the same index (scopes.c). */
	[ST_ENV_PAGE] = "SELECT time_ms, id FROM envelopes WHERE scope = ?1 AND (time_ms, id) > "
	    "(?2, ?3) ORDER BY time_ms, id LIMIT ?4",
	[ST_ENV_PAGE_BYTES] = "SELECT envelopes.time_ms, envelopes.id, envelopes.sealed, "
	    "entries.bytes FROM envelopes LEFT JOIN entries ON entries.id = envelopes.entry_id "
	    "WHERE envelopes.scope = ?1 AND (envelopes.time_ms, envelopes.id) > (?2, ?3) "
	    "ORDER BY envelopes.time_ms, envelopes.id LIMIT ?4",
	[ST_ENV_COUNT] = "SELECT count(*) FROM envelopes WHERE scope = ?1",
	[ST_ENV_PREFIX] = "SELECT id, scope FROM envelopes WHERE id >= ?1 AND id < ?2 LIMIT ?3",
	[ST_SCOPE_NEXT] = "SELECT scope FROM envelopes WHERE scope > ?1 ORDER BY scope LIMIT 1",
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
take_lock(sz_store *s)
{
	char path[PATH_MAX];
	int r = sz_path_in(path, sizeof path, s->dir, SZ_STORE_LOCK);
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

#define MIGRATIONS_TABLE "CREATE TABLE IF NOT EXISTS migrations(version INTEGER PRIMARY KEY, " \
	"applied_ms INTEGER NOT NULL)"

int
sz_store_schema_into(sqlite3 *db, uint64_t time_ms)
{
	/* The same statements in the same order as migrate() on a new store: the same pages. */
	if (sqlite3_exec(db, MIGRATIONS_TABLE, NULL, NULL, NULL) != SQLITE_OK)
		return SZ_ERR_INTERNAL;
	for (size_t v = 1; v <= NMIGRATIONS; v++) {
		char ins[128];
		snprintf(ins, sizeof ins, "INSERT INTO migrations VALUES(%zu, %llu)", v,
		    (unsigned long long)sz_store_time(time_ms));
		if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
			return SZ_ERR_INTERNAL;
		if (sqlite3_exec(db, migrations[v - 1], NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(db, ins, NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
			(void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return SZ_ERR_INTERNAL;
		}
	}
	return SZ_OK;
}

static int
migrate(sz_store *s)
{
	int r;
	sqlite3_stmt *st = NULL;
	if ((r = sz_store_exec(s, MIGRATIONS_TABLE, "creating the migrations table")) != SZ_OK)
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
int
sz_store_open_db(sz_store *s, int create)
{
	char db[PATH_MAX], jr[PATH_MAX];
	int r;
	if ((r = sz_path_in(db, sizeof db, s->dir, SZ_STORE_DB)) != SZ_OK ||
	    (r = sz_path_in(jr, sizeof jr, s->dir, SZ_STORE_JOURNAL)) != SZ_OK)
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
	/* Only this process opens the store (the lock file says so): SQLite need not take and drop
	 * its file locks, nor re-read page 1 to validate its cache, at every read (issue 16: that
	 * made each lookup of a sync's sender cost about 25 µs). */
	if ((r = sz_store_exec(s, "PRAGMA locking_mode=EXCLUSIVE", "setting the locking mode")) != SZ_OK)
		return r;
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
	if ((r = sz_path_in(path, sizeof path, dir, SZ_KEYFILE_NAME)) != SZ_OK)
		goto out;
	if (access(path, F_OK) == 0 && !sz_store_unfinished(dir)) {
		r = SZ_ERR_EXISTS;
		goto out;
	}
	/* Made whole or not at all: a kill from here to create_end leaves no store, only pieces
	 * that the next create clears (unfinished.c). */
	if ((r = sz_store_create_begin(dir)) != SZ_OK)
		goto out;
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
	    (r = derive_keys(s, sec + 32)) != SZ_OK || (r = sz_store_open_db(s, 1)) != SZ_OK)
		goto out;
	/* The decoy a duress passphrase will show, drawn now: as old as the node. */
	uint8_t payload[32];
	r = sz_store_decoy_payload(s, payload);
	sz_wipe(payload, sizeof payload);
	if (r != SZ_OK || (r = sz_store_create_end(dir)) != SZ_OK)
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

/* What every normal unlock does to the key file (docs/PROTOCOL.md §4.1.5), once the database
 * opened: a new refresh value and the real slot sealed anew.  Not on a key file found damaged
 * (a rewrite would make its checksum match the damage).  Best effort: a key file that cannot be
 * written now still opens the store. */
static void
refresh_real(sz_store *s, const uint8_t kek[static 32], const uint8_t master[static 32])
{
	sz_keyfile next = s->kf;
	if (!s->kf.damaged && sz_keyfile_refresh(&next, s->real_slot, kek, SZ_KEY_ROLE_REAL, master,
	    s->env) == SZ_OK && sz_keyfile_store(s->dir, &next) == SZ_OK)
		s->kf = next;
	sz_wipe(&next, sizeof next);
}

int
sz_store_open(sz_store **out, const char *dir, const char *pass, size_t passlen,
    const sz_store_opts *opts)
{
	sz_store *s = NULL;
	uint8_t *sec = NULL; /* kek || master || pending kek */
	sz_keyfile pending;
	int has_pending = 0;
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
	if (sz_store_unfinished(dir)) {
		r = SZ_ERR_NOT_FOUND;
		snprintf(s->errmsg, sizeof s->errmsg, "%s: a new store was being made here and was "
		    "stopped before it was finished: nothing was ever stored in it; make it again",
		    dir);
		goto out;
	}
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
		/* An interrupted rewrite: the new contents win if the passphrase opens them (for a
		 * passphrase change, after the database is the one they open: rotate.c). */
		if ((r = sz_keyfile_kek(sec + 64, &pending, pass, passlen)) != SZ_OK)
			goto out;
		if (sz_keyfile_unseal(&pending, sec + 64, &slot, &role, sec + 32) == SZ_OK) {
			if (role == SZ_KEY_ROLE_REAL && (r = sz_store_settle(s, sec + 32, 1)) != SZ_OK)
				goto out;
			s->kf = pending;
			if ((r = sz_keyfile_commit_pending(dir, &s->kf)) != SZ_OK)
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
	/* A passphrase change that did not finish: undone if the database is still the old one
	 * (else the new passphrase is needed and nothing is touched). */
	if (role == SZ_KEY_ROLE_REAL && has_pending != 0 &&
	    (r = sz_store_settle(s, sec + 32, 0)) != SZ_OK)
		goto out;
	if (has_pending != 0 && (r = sz_keyfile_drop_pending(dir)) != SZ_OK)
		goto out;
	if (has_pending <= 0)
		sz_store_drop_rotation(dir); /* a change stopped before its key.new: never usable */
unlocked:
	s->keyfile_damaged = s->kf.damaged;
	s->real_slot = slot;
	if (role == SZ_KEY_ROLE_DURESS) {
		if ((r = sz_store_duress_open(s, sec, slot, sec + 32)) != SZ_OK)
			goto out;
	} else {
		if ((r = derive_keys(s, sec + 32)) != SZ_OK)
			goto out;
		if ((r = sz_store_open_db(s, 0)) != SZ_OK) {
			/* A slot opened, but on a key the database does not know: with a checksum that
			 * does not match, the key file's refresh value is what is damaged. */
			if (r == SZ_ERR_CORRUPT && s->kf.damaged)
				snprintf(s->errmsg, sizeof s->errmsg, "%s: the key file is damaged (its "
				    "checksum does not match) and the key it gives opens no page of the "
				    "database: the store cannot be unlocked", SZ_KEYFILE_NAME);
			goto out;
		}
		refresh_real(s, sec, sec + 32);
	}
	/* Written by every unlock, normal or duress (a store known damaged is not written). */
	if (!s->keyfile_damaged)
		sz_store_unlock_mark(s);
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
sz_store_close_db(sz_store *s)
{
	for (int i = 0; i < ST_COUNT; i++) {
		sqlite3_finalize(s->st[i]);
		s->st[i] = NULL;
	}
	if (s->db != NULL)
		sqlite3_close(s->db);
	s->db = NULL;
	sz_vfs_free(s->vfs);
	s->vfs = NULL;
}

void
sz_store_close(sz_store *s)
{
	if (s == NULL)
		return;
	sz_store_close_db(s);
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
	/* The duress slot names the decoy: its seed and the store's creation time (duress.c). */
	if ((r = sz_store_decoy_payload(s, sec + 32)) != SZ_OK ||
	    (r = sz_keyfile_seal(&next, other_slot(s), sec, SZ_KEY_ROLE_DURESS, sec + 32,
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
		if (sz_path_in(path, sizeof path, dir, files[i]) == SZ_OK)
			(void)unlink(path);
	/* Making the unlinks durable is a courtesy: the keys, already synced, are what mattered. */
	int synced = sz_fsync_dir(dir);
	(void)synced;
	(void)rmdir(dir);
	return r;
}
