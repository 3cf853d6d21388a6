/*
 * check.h - checking a whole store: the key file, the journal, every page's seal, SQLite's
 * integrity check through the sealed layer, and what can still be read (docs/PROTOCOL.md §4,
 * docs/threat/store.md, What is found).  Layer: store.  Used by `samizdat check` and `status`.
 */
#ifndef SZ_STORE_CHECK_H
#define SZ_STORE_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "samizdat.h"
#include "store/store.h"
#include "store/vfs.h"

/* Rows of one table that a scan could read. */
typedef struct sz_store_rows {
	const char *table;      /* a static name: "envelopes", "entries", ... */
	uint64_t rows;          /* read before the end, or before damage stopped the scan */
	int stopped;            /* damage stopped the scan: there may be more */
} sz_store_rows;

#define SZ_STORE_NTABLES 6

/* What a check found.  whole() says whether it is all sound. */
typedef struct sz_store_verdict {
	int opened;             /* the store opened; else only what could be read without opening */
	int keyfile_version;    /* 1 or 2 */
	int keyfile_damaged;    /* its checksum fails (the passphrase still opened it, or did not) */
	int journal_damaged;    /* a hot journal that does not authenticate in full */
	sz_vfs_journal_info journal; /* as found before the store was opened */
	char journal_msg[512];
	int scanned;            /* every page was read (db holds what was found) */
	sz_vfs_scan_result db;
	int integrity;          /* SZ_OK, SZ_ERR_CORRUPT, or 1: not run (the store did not open) */
	char integrity_msg[512];
	sz_store_rows tables[SZ_STORE_NTABLES];
	char open_msg[640];     /* why the store did not open */
} sz_store_verdict;

/* 1 if v found nothing wrong. */
int sz_store_verdict_whole(const sz_store_verdict *v);

/* The fast part, for `status`: every page's seal (sz_vfs_scan) of an open store. */
SZ_MUST_CHECK int sz_store_scan(sz_store *s, sz_vfs_scan_result *res,
    void (*progress)(void *ctx, uint64_t done, uint64_t total), void *ctx);

/* Check an open store whole (its journal was checked when it opened): the seals, SQLite's
 * integrity check, and a scan of every table.  Returns SZ_OK when the check ran (v says what it
 * found), or an error that stopped it (SZ_ERR_IO, SZ_ERR_NOMEM).  Reads only. */
SZ_MUST_CHECK int sz_store_verify(sz_store *s, sz_store_verdict *v,
    void (*progress)(void *ctx, uint64_t done, uint64_t total), void *ctx);

/* Examine a store that does not open (sz_store_open said SZ_ERR_CORRUPT): unlock its key file
 * with pass without writing anything, check its journal and every page's seal with the keys.
 * SZ_ERR_PASSPHRASE if the passphrase opens no usable slot (then v says only what the key file
 * showed), SZ_ERR_NOT_FOUND if there is no store, else SZ_OK with v filled in.  Reads only. */
SZ_MUST_CHECK int sz_store_examine(const char *dir, const char *pass, size_t passlen,
    sz_store_verdict *v, void (*progress)(void *ctx, uint64_t done, uint64_t total), void *ctx);

#endif /* SZ_STORE_CHECK_H */
