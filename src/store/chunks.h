/*
 * chunks.h - what a store keeps of attachments (docs/PROTOCOL.md § Attachments §5): which chunk
 * each held envelope carries (and the key that opens a sealed one), the files that posts and
 * leaflets name, and the chunks refused for a quota.  Layer: store.  It knows hashes, keys and
 * scopes, not cells or manifests' meaning.
 */
#ifndef SZ_STORE_CHUNKS_H
#define SZ_STORE_CHUNKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "samizdat.h"
#include "store/store.h"

/* A chunk held: in which envelope, for whom (ctx: the public scope or a cell's local scope). */
typedef struct sz_store_chunk {
	uint8_t env_id[32];
	uint8_t ctx[16];
	uint8_t key[32];        /* sealed: opens env_id alone */
	bool has_key;           /* false: a public chunk (its entry holds the bytes) */
	uint32_t len;
} sz_store_chunk;

/* Note that envelope env_id (stored) carries the chunk of hash, len bytes, for ctx; key is the
 * key that opens it (NULL for a public one).  SZ_ERR_EXISTS if it was noted already. */
SZ_MUST_CHECK int sz_store_chunk_put(sz_store *s, const uint8_t hash[static 32],
    const uint8_t env_id[static 32], const uint8_t ctx[static 16], const uint8_t *key, uint32_t len);
/* A held envelope carrying the chunk of hash (whatever ctx): SZ_ERR_NOT_FOUND if none (a row
 * whose envelope was deleted since counts as none).  *out's key is wiped by the caller. */
SZ_MUST_CHECK int sz_store_chunk_find(sz_store *s, const uint8_t hash[static 32],
    sz_store_chunk *out);
/* The bytes of chunks held, per ctx: fn(fctx, ctx, bytes) for each ctx that has some. */
SZ_MUST_CHECK int sz_store_chunk_usage(sz_store *s,
    int (*fn)(void *fctx, const uint8_t ctx[16], uint64_t bytes), void *fctx);

/* A file a post or a leaflet names. */
typedef struct sz_store_file {
	uint8_t hash[32];       /* the file's BLAKE2b-256 */
	uint8_t entry_id[32];   /* the post or leaflet */
	uint8_t ctx[16];
	uint64_t time_ms;
	uint8_t manifest[75];   /* as it travelled */
	int state;              /* SZ_STORE_FILE_* */
} sz_store_file;
enum { SZ_STORE_FILE_PENDING = 0, SZ_STORE_FILE_COMPLETE = 1, SZ_STORE_FILE_DAMAGED = 2 };
/* Note it (once per hash and entry: SZ_ERR_EXISTS the second time). */
SZ_MUST_CHECK int sz_store_file_put(sz_store *s, const sz_store_file *f);
/* Record the state found for every file named by this manifest. */
SZ_MUST_CHECK int sz_store_file_state(sz_store *s, const uint8_t manifest[static 75], int state);
/* The state last recorded for this manifest (SZ_ERR_NOT_FOUND: none noted; *state PENDING). */
SZ_MUST_CHECK int sz_store_file_get_state(sz_store *s, const uint8_t manifest[static 75],
    int *state);
/* fn for each file whose entry is still held, of ctx (NULL: every ctx), oldest first; a
 * non-zero return stops the walk with it. */
SZ_MUST_CHECK int sz_store_files_list(sz_store *s, const uint8_t *ctx,
    int (*fn)(void *fctx, const sz_store_file *f), void *fctx);

/* Chunks refused for a quota: listed under their sync label, never held, so that peers stop
 * sending them.  Put one (SZ_ERR_EXISTS if listed already); list a label's; forget a label's (NULL:
 * every label's), when the quota grows. */
SZ_MUST_CHECK int sz_store_unwanted_put(sz_store *s, const uint8_t label[static 16],
    const uint8_t id[static 32]);
SZ_MUST_CHECK int sz_store_unwanted_list(sz_store *s, const uint8_t label[static 16],
    int (*fn)(void *fctx, const uint8_t id[32]), void *fctx);
SZ_MUST_CHECK int sz_store_unwanted_clear(sz_store *s, const uint8_t *label);

#endif /* SZ_STORE_CHUNKS_H */
