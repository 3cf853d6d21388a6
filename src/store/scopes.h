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
#include "lib/bytes.h"
#include "store/store.h"

/* The distinct scopes of the stored envelopes, at most max of them (0: all), in byte order:
 * *scopes malloc()ed (n * SZ_SCOPE_BYTES bytes; caller frees).  One index seek per scope, not
 * a walk over the envelopes. */
SZ_MUST_CHECK int sz_store_scopes(sz_store *s, size_t max, uint8_t **scopes, size_t *n);
/* At most max envelopes of scope that come after *after in (time, id) order (after NULL: from
 * the first), into items (room for max, the caller's), *n how many.  Walking a scope page by
 * page costs memory for one page, whatever its size, and nothing is held between calls. */
SZ_MUST_CHECK int sz_store_page_envelopes(sz_store *s, const uint8_t scope[static SZ_SCOPE_BYTES],
    const sz_store_item *after, size_t max, sz_store_item *items, size_t *n);
/* The same page with the envelopes' bytes (as sz_store_get_envelope gives them), read in the
 * same walk: each appended to out while out holds less than budget bytes, ends[i] out's length
 * after item i's, SIZE_MAX for an item past the budget (or whose entry is missing: the get then
 * says so).  A sync sends what it lists this way without a lookup by id per envelope. */
SZ_MUST_CHECK int sz_store_page_envelope_bytes(sz_store *s,
    const uint8_t scope[static SZ_SCOPE_BYTES], const sz_store_item *after, size_t max,
    size_t budget, sz_store_item *items, sz_buf *out, size_t *ends, size_t *n);
/* Call fn for the id of every envelope of scope, in (time, id) order, a page at a time (fn may
 * use the store: no statement is open while it runs); fn's first error stops the walk and is
 * returned.  Envelopes stored or deleted during the walk may or may not be seen. */
SZ_MUST_CHECK int sz_store_each_envelope(sz_store *s, const uint8_t scope[static SZ_SCOPE_BYTES],
    int (*fn)(void *ctx, const uint8_t id[32]), void *ctx);
/* The number of envelopes of scope (a walk over the scope's index entries, no rows read). */
SZ_MUST_CHECK int sz_store_count_envelopes(sz_store *s, const uint8_t scope[static SZ_SCOPE_BYTES],
    uint64_t *n);
/* The envelopes whose id begins with the len bytes of prefix (1..32): at most max ids and their
 * scopes into ids and scopes (room for max each), *n how many.  SZ_ERR_INVALID. */
SZ_MUST_CHECK int sz_store_find_prefix_all(sz_store *s, const uint8_t *prefix, size_t len,
    uint8_t (*ids)[32], uint8_t (*scopes)[SZ_SCOPE_BYTES], size_t max, size_t *n);
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
