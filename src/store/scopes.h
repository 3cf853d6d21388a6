/*
 * scopes.h - which scopes a store holds envelopes of (for a relay's part in sync).
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
/* The number of envelopes and entries held (for `samizdat status`). */
SZ_MUST_CHECK int sz_store_counts(sz_store *s, uint64_t *envelopes, uint64_t *entries);

#endif /* SZ_STORE_SCOPES_H */
