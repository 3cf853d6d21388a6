/*
 * vfs.h - a page-encrypting SQLite VFS shim over the system SQLite (docs/PROTOCOL.md §4 (The encrypted store) §2).
 * Layer: store.  Every byte of the database and of its rollback journal is sealed with
 * XChaCha20-Poly1305 before it reaches the "unix" VFS; temporary files, WAL and mmap are refused.
 */
#ifndef SZ_STORE_VFS_H
#define SZ_STORE_VFS_H

#include <stddef.h>
#include <stdint.h>

#include "samizdat.h"

#define SZ_VFS_PAGE_SIZE 4096
/* Reserved bytes at the end of each page: tag (16) then nonce (24). */
#define SZ_VFS_RESERVE 40
/* The journal header size our files report (sector size 512 with powersafe overwrite). */
#define SZ_VFS_JHDR 512

typedef struct sz_vfs sz_vfs;

/* Register a new encrypting VFS (not the default) keyed by store_key (32 bytes, copied into
 * locked memory; the subkeys for pages, journal records and journal masks are derived from it).
 * *out receives the handle; sz_vfs_name() gives the name to pass to sqlite3_open_v2.
 * Errors: SZ_ERR_NOMEM, SZ_ERR_INTERNAL (no "unix" VFS). */
SZ_MUST_CHECK int sz_vfs_new(sz_vfs **out, const uint8_t store_key[static 32]);

/* Unregister and wipe.  Every connection using it must be closed first.  Accepts NULL. */
void sz_vfs_free(sz_vfs *v);

/* The registered name (valid until sz_vfs_free). */
const char *sz_vfs_name(const sz_vfs *v);

/* After an SQLite call failed: the last failure the shim saw, as one line of English naming the
 * file (e.g. "db: page 7 failed authentication: damaged or tampered"), or "" if none.  Valid
 * until the next call on a connection that uses this VFS. */
const char *sz_vfs_errmsg(const sz_vfs *v);

/* The sz_err for the last failure the shim saw: SZ_ERR_CORRUPT (authentication failed),
 * SZ_ERR_DENIED (a refused temp file, WAL or write shape), SZ_ERR_DISK_FULL, or 0 if none. */
int sz_vfs_errcode(const sz_vfs *v);

/* Forget the last failure (before a new operation). */
void sz_vfs_clear_error(sz_vfs *v);

/* Counters for tests: pages sealed, pages opened, temp files refused. */
typedef struct sz_vfs_stats {
	uint64_t pages_sealed;
	uint64_t pages_opened;
	uint64_t journal_sealed;
	uint64_t journal_opened;
	uint64_t refused_opens;
} sz_vfs_stats;
void sz_vfs_get_stats(const sz_vfs *v, sz_vfs_stats *st);

/* What sz_vfs_journal_verify found in a rollback journal. */
typedef struct sz_vfs_journal_info {
	int hot;                /* it holds an interrupted write that an open will undo */
	int version;            /* 2, or 1 (written before issue 17: no segment count, nRec unsigned) */
	uint32_t segments;      /* synced segments (headers with their records) */
	uint64_t records;       /* page images it will put back */
	uint64_t bytes;         /* the file's size */
} sz_vfs_journal_info;

/* Check the rollback journal at jpath before SQLite may roll it back (sz_vfs_connect does this
 * first).  SZ_OK if it is absent, empty, not hot (no synced header: SQLite ignores it), or hot
 * and authentic in full: every header, its magic and record count, every record it counts, and
 * every segment header 0 says was synced, all present.  SZ_ERR_CORRUPT (sz_vfs_errmsg names the
 * file and what is wrong) for anything else, including a file cut inside its first header; then
 * nothing must be rolled back, since SQLite would undo the part it finds and call that a success.
 * Reads only.  info may be NULL. */
SZ_MUST_CHECK int sz_vfs_journal_verify(sz_vfs *v, const char *jpath, sz_vfs_journal_info *info);

/* What sz_vfs_scan found in a database file. */
#define SZ_VFS_SCAN_LIST 16
typedef struct sz_vfs_scan_result {
	uint64_t bytes;         /* the file's size */
	uint64_t pages;         /* whole pages in it */
	uint64_t header_pages;  /* the pages page 1 says the database has (0 if page 1 is damaged) */
	uint64_t damaged;       /* pages that fail authentication */
	uint32_t first_damaged[SZ_VFS_SCAN_LIST]; /* the first of them, by page number */
	int partial;            /* the file ends inside a page */
	int missing;            /* fewer pages than page 1 says */
} sz_vfs_scan_result;

/* Read every page of the database file at path and authenticate it (no SQLite involved: damage
 * anywhere is found, not only where a query happens to read).  progress (may be NULL) is called
 * now and then with the pages done and the total.  Returns SZ_OK when the file was read (then
 * res says what is damaged; whole when damaged == 0 && !partial && !missing), SZ_ERR_IO or
 * SZ_ERR_NOT_FOUND otherwise.  Reads only. */
SZ_MUST_CHECK int sz_vfs_scan(sz_vfs *v, const char *path, sz_vfs_scan_result *res,
    void (*progress)(void *ctx, uint64_t done, uint64_t total), void *ctx);

/* What the last sz_vfs_connect of an existing database found in its journal (before it was
 * rolled back). */
void sz_vfs_last_journal(const sz_vfs *v, sz_vfs_journal_info *info);

struct sqlite3;

/* Open (create=1: create, which requires that path not exist or be empty) the database at path
 * through v and apply the store's connection policy: 4096-byte pages with SZ_VFS_RESERVE bytes
 * reserved (set on a new database, verified on page 1 of an existing one), journal_mode=TRUNCATE,
 * synchronous=FULL, temp_store=MEMORY, mmap_size=0, secure_delete=ON, no ATTACH, defensive mode,
 * no extensions.  *db receives the connection (close with sqlite3_close) or NULL on error.
 * Errors: SZ_ERR_CORRUPT (page 1 fails or the layout differs; sz_vfs_errmsg says why),
 * SZ_ERR_IO, SZ_ERR_INTERNAL (a policy could not be applied). */
SZ_MUST_CHECK int sz_vfs_connect(sz_vfs *v, const char *path, int create, struct sqlite3 **db);

/* Read page 1 of the database file at path directly (not through SQLite), authenticate it and
 * check that it is an SQLite database with our page size and reserve.  SZ_ERR_CORRUPT if not. */
SZ_MUST_CHECK int sz_vfs_check_header(sz_vfs *v, const char *path);

#endif /* SZ_STORE_VFS_H */
