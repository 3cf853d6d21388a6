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
	ST_KV_PUT, ST_KV_GET, ST_KV_DEL,
	ST_COUNT
};

/* Subkeys of the master key kept while the store is open (in sodium_malloc()ed memory). */
#define SZ_STORE_K_MASTER 0
#define SZ_STORE_K_VFS 32
#define SZ_STORE_K_KV 64
#define SZ_STORE_K_BYTES 96

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
	uint8_t *keys;          /* SZ_STORE_K_BYTES */
	sqlite3_stmt *st[ST_COUNT];
	unsigned depth;         /* transactions open: 1 the outermost, more are savepoints */
	bool aborted;           /* SQLite rolled the outermost back under an inner level */
	uint64_t commits;       /* outermost transactions committed */
	char errmsg[640];
};

/* The subkeys of a master key (SZ_STORE_K_*), into keys (sodium_malloc()ed by the caller). */
SZ_MUST_CHECK int sz_store_derive(uint8_t keys[static SZ_STORE_K_BYTES],
    const uint8_t master[static 32]);

/* The statement `which`, prepared on first use and reset; NULL on failure (errmsg set). */
sqlite3_stmt *sz_store_stmt(sz_store *s, int which);

/* Map an SQLite result (after a failed call on s->db) to an sz_err and record a message: the
 * shim's own finding first (it names the file), else SQLite's, else errno's. */
int sz_store_fail(sz_store *s, int rc, const char *what);

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
