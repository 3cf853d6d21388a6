/*
 * store_int.h - internals shared by store.c (lifecycle, keys, secrets), store_txn.c
 * (transactions) and store_data.c (envelopes and entries); not for other modules.  Layer: store.
 */
#ifndef SZ_STORE_STORE_INT_H
#define SZ_STORE_STORE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

#include "store/keyfile.h"
#include "store/store.h"
#include "store/vfs.h"

/* Prepared statements, made on first use and kept until close. */
enum sz_store_stmt {
	ST_ENV_PUT, ST_ENV_GET, ST_ENV_LIST, ST_ENV_EXPIRE,
	ST_ENT_PUT, ST_ENT_GET, ST_ENT_LIST, ST_PARENT_PUT, ST_HEADS, ST_MISSING,
	ST_ENT_EXPIRE, ST_PARENT_EXPIRE, ST_GONE_PUT_ENV, ST_GONE_PUT_ENT, ST_GONE_HAS,
	ST_KV_PUT, ST_KV_GET, ST_KV_DEL, ST_CHUNK_PUT, ST_CHUNK_FIND,
	ST_ENV_PAGE, ST_ENV_PAGE_BYTES, ST_ENV_COUNT, ST_ENV_PREFIX, ST_SCOPE_NEXT,
	ST_COUNT
};

/* Subkeys of the master key kept while the store is open (in sodium_malloc()ed memory). */
#define SZ_STORE_K_MASTER 0
#define SZ_STORE_K_VFS 32
#define SZ_STORE_K_KV 64
#define SZ_STORE_K_BYTES 96

/* A duress slot's 32 bytes: the decoy's seed, then the node's creation time (u64 ms). */
#define SZ_STORE_DECOY_SEED 24

struct sz_store {
	char *dir;
	int lock_fd;
	sz_vfs *vfs;
	sqlite3 *db;
	const sz_env *env;
	size_t max_body;
	sz_keyfile kf;
	unsigned real_slot;
	int keyfile_damaged;    /* opened, but the key file's checksum did not match */
	int decoy;              /* opened through a duress slot: the decoy (duress.c) */
	uint8_t decoy_seed[SZ_STORE_DECOY_SEED]; /* then: the seed in that slot */
	uint8_t *keys;          /* SZ_STORE_K_BYTES */
	sqlite3_stmt *st[ST_COUNT];
	unsigned depth;         /* transactions open: 1 the outermost, more are savepoints */
	bool aborted;           /* SQLite rolled the outermost back under an inner level */
	uint64_t commits;       /* outermost transactions committed */
	uint64_t forgets;       /* deletions of envelopes, and rollbacks (sz_store_forgets) */
	char errmsg[640];
};

/* The subkeys of a master key (SZ_STORE_K_*), into keys (sodium_malloc()ed by the caller). */
SZ_MUST_CHECK int sz_store_derive(uint8_t keys[static SZ_STORE_K_BYTES],
    const uint8_t master[static 32]);

/* Open the database in s->dir with the keys in s->keys (create: a new one, replacing
 * leftovers): the VFS, the connection, migrations. */
SZ_MUST_CHECK int sz_store_open_db(sz_store *s, int create);

/* Close the connection and the VFS (statements first); the keys stay. */
void sz_store_close_db(sz_store *s);

/* After the key file or a pending key.new was opened with master (rotate.c): settle an
 * interrupted passphrase change so that the database on disk is the one master opens.
 * from_pending: master came from key.new.  SZ_OK when the database matches; SZ_ERR_PASSPHRASE
 * (with s->errmsg) when master is the old key of a change that already switched the database;
 * SZ_ERR_CORRUPT when neither file matches. */
SZ_MUST_CHECK int sz_store_settle(sz_store *s, const uint8_t master[static 32], int from_pending);

/* 1 if page 1 of the database file at path opens under master, 0 if not, -1 if there is no
 * file (rotate.c). */
int sz_store_db_matches(const char *path, const uint8_t master[static 32]);

/* Run the schema's statements (the migrations table, then every migration, recorded at time_ms)
 * on an empty database db, in the order migrate() runs them on a new store. */
SZ_MUST_CHECK int sz_store_schema_into(sqlite3 *db, uint64_t time_ms);

/* A duress slot opened (duress.c, docs/PROTOCOL.md §4.1.5): rewrite the key file as every unlock
 * does (which loses the real master key), then open the decoy the slot's seed names, first
 * writing it over the database in place if the database is not the decoy yet.  kek opened slot;
 * payload is the slot's 32 bytes.  s->keys, s->db set on success. */
SZ_MUST_CHECK int sz_store_duress_open(sz_store *s, const uint8_t kek[static 32], unsigned slot,
    const uint8_t payload[static 32]);

/* What every successful unlock writes in the database, best effort (duress.c): a fresh value
 * of its own, so that a normal unlock writes the database and its journal as a duress unlock
 * does; and the decoy's seed if the store has none yet. */
void sz_store_unlock_mark(sz_store *s);

/* The 32 bytes a duress slot of this store carries (the decoy's seed, the creation time), kept
 * in the store and made on first use.  SZ_ERR_* of the kv table. */
SZ_MUST_CHECK int sz_store_decoy_payload(sz_store *s, uint8_t out[static 32]);

/* Remove what an interrupted passphrase change left before its key.new was written. */
void sz_store_drop_rotation(const char *dir);

/* A store is made whole or not at all (unfinished.c): create_begin clears what an interrupted
 * create left (only when its marker is there; SZ_ERR_EXISTS for pieces without one) and writes
 * the marker; create_end removes it once every piece is made.  A directory with the marker holds
 * no store. */
bool sz_store_unfinished(const char *dir);
SZ_MUST_CHECK int sz_store_create_begin(const char *dir);
SZ_MUST_CHECK int sz_store_create_end(const char *dir);

/* The statement `which`, prepared on first use and reset; NULL on failure (errmsg set). */
sqlite3_stmt *sz_store_stmt(sz_store *s, int which);

/* Map an SQLite result (after a failed call on s->db) to an sz_err and record a message: the
 * shim's own finding first (it names the file), else SQLite's, else errno's. */
int sz_store_fail(sz_store *s, int rc, const char *what);

/* Mark the open transaction aborted (SQLite rolled it back under an inner level, or a write
 * without a savepoint failed inside it): every level fails from here to the outermost, whose
 * end rolls it back.  Returns SZ_ERR_IO, with the store's errmsg set if it was not. */
int sz_store_aborted(sz_store *s);

/* Run sql (no rows); an error is mapped by sz_store_fail with what. */
SZ_MUST_CHECK int sz_store_exec(sz_store *s, const char *sql, const char *what);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK at the outermost level, SAVEPOINT / RELEASE / ROLLBACK TO
 * inside one (store_txn.c). */
SZ_MUST_CHECK int sz_store_begin(sz_store *s);
SZ_MUST_CHECK int sz_store_commit(sz_store *s);
void sz_store_rollback(sz_store *s);

/* Clamp a u64 time to SQLite's signed integer range. */
static inline sqlite3_int64
sz_store_time(uint64_t t)
{
	return t > (uint64_t)INT64_MAX ? INT64_MAX : (sqlite3_int64)t;
}

#endif /* SZ_STORE_STORE_INT_H */
