/*
 * scopes.h - which scopes a store holds envelopes of, and sealed envelopes by size and id (for the
 * node's part in sync: its quarantine and its refusals).
 * Layer: store.
 */
#ifndef SZ_STORE_SCOPES_H
#define SZ_STORE_SCOPES_H

#include <stddef.h>
#include <stdint.h>

#include "samizdat.h"
#include "store/store.h"

/* The distinct scopes of the stored envelopes, at most max of them, most recently used first:
 * *scopes malloc()ed (n * SZ_SCOPE_BYTES bytes; caller frees). */
SZ_MUST_CHECK int sz_store_scopes(sz_store *s, size_t max, uint8_t **scopes, size_t *n);
/* The envelope whose id begins with the len bytes of prefix (1..32): its id and scope.  Sync
 * sessions name ids by prefix (docs/PROTOCOL.md §8).  SZ_ERR_NOT_FOUND; SZ_ERR_EXISTS if two
 * stored ids share the prefix (ids are BLAKE2b-256: only a broken hash does that). */
SZ_MUST_CHECK int sz_store_find_prefix(sz_store *s, const uint8_t *prefix, size_t len,
    uint8_t id[static 32], uint8_t scope[static SZ_SCOPE_BYTES]);
/* A sealed envelope as the node's quarantine sees it (docs/PROTOCOL.md §8, Acceptance). */
typedef struct sz_store_sized {
	uint64_t time_ms;       /* when it was first stored */
	uint8_t id[32];
	uint32_t len;           /* its size in bytes */
} sz_store_sized;
/* The sealed envelopes of scope, oldest first: *items malloc()ed (caller frees), *n their count.
 * Their bytes are not read. */
SZ_MUST_CHECK int sz_store_sealed_sizes(sz_store *s, const uint8_t scope[static SZ_SCOPE_BYTES],
    sz_store_sized **items, size_t *n);
/* Delete the sealed envelopes with these ids (n of them, in one transaction), without
 * remembering them: unlike retention (sz_store_expire) the same envelope may be stored again
 * later.  Public envelopes and readable entries are never touched; an id not held is skipped.
 * *dropped (may be NULL) gets the number deleted.  Deleted bytes are overwritten in the file. */
SZ_MUST_CHECK int sz_store_drop_sealed(sz_store *s, const uint8_t (*ids)[32], size_t n,
    size_t *dropped);
/* The number of envelopes and entries held (for `samizdat status`). */
SZ_MUST_CHECK int sz_store_counts(sz_store *s, uint64_t *envelopes, uint64_t *entries);
/* Entries are numbered in the order they were stored: the number of the newest, for
 * sz_store_entries_since (0 for none). */
SZ_MUST_CHECK int sz_store_entry_mark(sz_store *s, uint64_t *mark);
/* Call fn with the scope (16 bytes) and bytes of every entry stored after mark, in that order, at
 * most limit (0: all); a non-zero return stops with it. */
SZ_MUST_CHECK int sz_store_entries_since(sz_store *s, uint64_t mark, size_t limit,
    int (*fn)(void *ctx, const uint8_t *scope, const uint8_t *bytes, size_t len), void *ctx);

#endif /* SZ_STORE_SCOPES_H */
