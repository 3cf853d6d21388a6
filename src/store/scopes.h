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
/* The number of envelopes and entries held (for `samizdat status`). */
SZ_MUST_CHECK int sz_store_counts(sz_store *s, uint64_t *envelopes, uint64_t *entries);

#endif /* SZ_STORE_SCOPES_H */
