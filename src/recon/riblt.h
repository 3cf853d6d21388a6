/*
 * riblt.h - Rateless IBLT set reconciliation (Yang, Gilad, Alizadeh, SIGCOMM 2024): the generic core.
 * Layer: recon (above crypto).  Symbols are fixed-width byte strings with a keyed 64-bit SipHash;
 * a sketch keeps the first K coded symbols of a set current under inserts and deletes, and a
 * decoder peels a remote stream of coded symbols against a local sketch.  No I/O here; the wire
 * messages are in recon/riblt_wire.h, the byte-level spec in docs/PROTOCOL.md §6 (Rateless IBLT).
 */
#ifndef SZ_RECON_RIBLT_H
#define SZ_RECON_RIBLT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "samizdat.h"

#define SZ_RIBLT_KEY_BYTES 16       /* SipHash-2-4 key */
#define SZ_RIBLT_MAX_WIDTH 64       /* longest symbol, in bytes */
#define SZ_RIBLT_MAX_ITEMS 0x7fffffffu /* items in one sketch (positions are 32-bit) */
#define SZ_RIBLT_MAX_CELLS (1u << 24)  /* coded symbols one sketch or decoder will ever hold */
#define SZ_RIBLT_NEVER UINT64_MAX   /* index of a mapping that has run past every reachable index */

/* --- Index mapping (paper §4.2; reference implementation mapping.go) ---------------------- */

/* Where one source symbol goes: a 64-bit multiplicative PRNG seeded by the symbol's hash and the
 * last coded-symbol index it was mapped to.  Every symbol maps to index 0 first; index i is hit
 * with probability about 1/(1 + i/2). */
typedef struct sz_riblt_map {
	uint64_t prng;
	uint64_t idx;
} sz_riblt_map;

static inline void
sz_riblt_map_init(sz_riblt_map *m, uint64_t hash)
{
	m->prng = hash;
	m->idx = 0;
}

/* Advance to the next index and return it.  The step is computed exactly as the reference does
 * (IEEE double, ceil), so two implementations agree bit for bit; a step may be 0 (the same index
 * twice, about once in 2^53 steps).  An index that would pass 2^64-1 becomes SZ_RIBLT_NEVER and
 * stays there. */
uint64_t sz_riblt_map_next(sz_riblt_map *m);

/* The symbol hash: SipHash-2-4 under key over the width bytes of sym, read as a little-endian
 * 64-bit integer (libsodium crypto_shorthash_siphash24). */
uint64_t sz_riblt_hash(const uint8_t key[static SZ_RIBLT_KEY_BYTES], const uint8_t *sym,
    size_t width);

/* --- Sketch: a set and the first K coded symbols of its infinite sequence ------------------ */

typedef struct sz_riblt_sketch sz_riblt_sketch;

/* Create an empty sketch of width-byte symbols (1..SZ_RIBLT_MAX_WIDTH) hashed under key, keeping
 * the first cells coded symbols current (0..SZ_RIBLT_MAX_CELLS; it grows on demand).
 * SZ_ERR_INVALID on a bad width or cell count, SZ_ERR_NOMEM.  Free with sz_riblt_sketch_free. */
SZ_MUST_CHECK int sz_riblt_sketch_new(sz_riblt_sketch **out, size_t width,
    const uint8_t key[static SZ_RIBLT_KEY_BYTES], size_t cells);
void sz_riblt_sketch_free(sz_riblt_sketch *s);

/* Where a sourced sketch's items live (a store): the sketch itself holds only its coded symbols
 * and the set's size, so its memory is O(cells) whatever the set's size. */
typedef struct sz_riblt_source {
	void *ctx;
	/* Call fn(fctx, sym) once for every symbol of the set; return fn's first error (or one of
	 * the walk's own). */
	int (*each)(void *ctx, int (*fn)(void *fctx, const uint8_t *sym), void *fctx);
	/* *held = whether sym is in the set.  An error fails the caller (a decoder: sticky). */
	int (*holds)(void *ctx, const uint8_t *sym, bool *held);
	/* Called once when the sketch is freed (may be NULL). */
	void (*release)(void *ctx);
} sz_riblt_source;

/* A sourced sketch (see sz_riblt_source; *src is copied).  On success the sketch owns src->ctx
 * (src->release runs when it is freed); on error the caller still does.  Empty: call
 * sz_riblt_sketch_fill to compute its cells from the source, or add the items one by one.
 * Differences from an ordinary sketch: add and remove trust the caller (no check that an item
 * is new or held: the owner knows), contains and holds ask the source, find_hash finds nothing
 * (callers name items by prefix and ask the owner), item() is NULL, growing K walks the source.
 * SZ_ERR_INVALID (no each or holds), SZ_ERR_NOMEM. */
SZ_MUST_CHECK int sz_riblt_sketch_new_sourced(sz_riblt_sketch **out, size_t width,
    const uint8_t key[static SZ_RIBLT_KEY_BYTES], size_t cells, const sz_riblt_source *src);
/* A sourced sketch: recompute its size and its K cells by one walk over the source. */
SZ_MUST_CHECK int sz_riblt_sketch_fill(sz_riblt_sketch *s);
/* Is s sourced? */
bool sz_riblt_sketch_sourced(const sz_riblt_sketch *s);
/* Is sym in the set?  Errors: the source's. */
SZ_MUST_CHECK int sz_riblt_sketch_holds(const sz_riblt_sketch *s, const uint8_t *sym,
    bool *held);
/* The bytes s holds allocated (for a caller that keeps a memory budget).  Accepts NULL. */
size_t sz_riblt_sketch_mem(const sz_riblt_sketch *s);
/* A deep copy (same items, same K, same generation).  Of a sourced sketch: SZ_ERR_INVALID (use
 * sz_riblt_sketch_clone_sourced). */
SZ_MUST_CHECK int sz_riblt_sketch_clone(sz_riblt_sketch **out, const sz_riblt_sketch *s);
/* A copy of sourced sketch s (its cells and size) with the source src (ownership of src->ctx as
 * in sz_riblt_sketch_new_sourced).  SZ_ERR_INVALID if s is not sourced. */
SZ_MUST_CHECK int sz_riblt_sketch_clone_sourced(sz_riblt_sketch **out, const sz_riblt_sketch *s,
    const sz_riblt_source *src);

/* Bound the number of items (default SZ_RIBLT_MAX_ITEMS); SZ_ERR_INVALID below the current size. */
SZ_MUST_CHECK int sz_riblt_sketch_set_max_items(sz_riblt_sketch *s, size_t max_items);

/* Insert sym (width bytes): O(log K) coded symbols change.  SZ_ERR_EXISTS if it is already in
 * the set, SZ_ERR_LIMIT past the item bound, SZ_ERR_NOMEM (the sketch is then unchanged). */
SZ_MUST_CHECK int sz_riblt_sketch_add(sz_riblt_sketch *s, const uint8_t *sym);
/* Delete sym: O(log K).  SZ_ERR_NOT_FOUND if it is not in the set. */
SZ_MUST_CHECK int sz_riblt_sketch_remove(sz_riblt_sketch *s, const uint8_t *sym);
/* true if sym is in the set. */
bool sz_riblt_sketch_contains(const sz_riblt_sketch *s, const uint8_t *sym);
/* Find the items whose hash is h: up to max pointers into the sketch go to syms (valid until the
 * next change of the sketch), *n gets how many matched in all (may exceed max). */
void sz_riblt_sketch_find_hash(const sz_riblt_sketch *s, uint64_t h, const uint8_t **syms,
    size_t max, size_t *n);
/* The same, matching only the low 32 bits of the hash. */
void sz_riblt_sketch_find_hash32(const sz_riblt_sketch *s, uint32_t h32, const uint8_t **syms,
    size_t max, size_t *n);

/* Make at least cells coded symbols available (<= SZ_RIBLT_MAX_CELLS).  Beyond the current K this
 * walks every item once (O(N log K)), then keeps the larger K current (K at least doubles).
 * SZ_ERR_LIMIT, NOMEM, or the source's error. */
SZ_MUST_CHECK int sz_riblt_sketch_reserve(sz_riblt_sketch *s, size_t cells);
/* Keep only the first cells coded symbols current (a large session may have grown K; this gives
 * the memory back and makes updates cheaper again).  Never fails; cells above K do nothing. */
void sz_riblt_sketch_trim(sz_riblt_sketch *s, size_t cells);
/* Copy coded symbol i (< sz_riblt_sketch_cells) out: sum (width bytes), hash, count.
 * SZ_ERR_INVALID if i is not kept (call sz_riblt_sketch_reserve first). */
SZ_MUST_CHECK int sz_riblt_sketch_cell(const sz_riblt_sketch *s, size_t i, uint8_t *sum,
    uint64_t *hash, int64_t *count);

size_t sz_riblt_sketch_size(const sz_riblt_sketch *s);   /* number of items */
size_t sz_riblt_sketch_width(const sz_riblt_sketch *s);
size_t sz_riblt_sketch_cells(const sz_riblt_sketch *s);  /* K: coded symbols kept current */
const uint8_t *sz_riblt_sketch_key(const sz_riblt_sketch *s);
/* Bumped by every add and remove: a session that started at one generation must not continue
 * at another (the coded symbols it sent or subtracted no longer describe the set). */
uint64_t sz_riblt_sketch_generation(const sz_riblt_sketch *s);
/* Item j (< size) in storage order, for iterating the set. */
const uint8_t *sz_riblt_sketch_item(const sz_riblt_sketch *s, size_t j);
/* Bytes of heap the sketch holds. */
size_t sz_riblt_sketch_memory(const sz_riblt_sketch *s);

/* --- Decoder: peel a remote coded-symbol stream against the local sketch ------------------ */

typedef struct sz_riblt_decoder sz_riblt_decoder;

typedef struct sz_riblt_limits {
	size_t max_cells;   /* coded symbols accepted in the session (<= SZ_RIBLT_MAX_CELLS) */
	size_t max_items;   /* differences recovered (0 = max_cells) */
	uint64_t max_count; /* largest count a remote coded symbol may carry (its set size) */
	unsigned check_bits; /* low bits of each hash the remote's coded symbols carry and purity
	                      * is checked on: 32 or 64 (0 = 64).  The full hash still seeds each
	                      * item's index mapping. */
} sz_riblt_limits;

/* Start decoding against local, which is borrowed: it must outlive the decoder and must not
 * change while the decoder is used (SZ_ERR_STATE otherwise).  The decoder may extend local's K.
 * SZ_ERR_INVALID on limits out of range, SZ_ERR_NOMEM. */
SZ_MUST_CHECK int sz_riblt_decoder_new(sz_riblt_decoder **out, sz_riblt_sketch *local,
    const sz_riblt_limits *limits);
void sz_riblt_decoder_free(sz_riblt_decoder *d);
/* The bytes d holds allocated, its local sketch not included.  Accepts NULL. */
size_t sz_riblt_decoder_mem(const sz_riblt_decoder *d);

/* Take the next remote coded symbol (its index is the number taken before).  Errors are sticky:
 * SZ_ERR_LIMIT past max_cells, SZ_ERR_MALFORMED for a count above max_count, SZ_ERR_STATE if the
 * local sketch changed, SZ_ERR_NOMEM. */
SZ_MUST_CHECK int sz_riblt_decoder_add(sz_riblt_decoder *d, const uint8_t *sum, uint64_t hash,
    uint64_t count);
/* Peel every coded symbol that has become pure.  Errors are sticky: SZ_ERR_DECODE when the
 * stream contradicts itself or the local set (an item recovered twice, a "remote-only" item we
 * hold, a "local-only" item we do not hold), SZ_ERR_LIMIT past max_items. */
SZ_MUST_CHECK int sz_riblt_decoder_run(sz_riblt_decoder *d);
/* true once every coded symbol taken has peeled to zero: the difference is complete. */
bool sz_riblt_decoder_done(const sz_riblt_decoder *d);
size_t sz_riblt_decoder_received(const sz_riblt_decoder *d); /* coded symbols taken */
/* Estimated size of the whole symmetric difference (>= the items recovered), from the coded
 * symbols received and, if low is not NULL, the low bytes of the remote's counts of the nlow coded
 * symbols that follow them (used only as far as the local sketch keeps cells). */
double sz_riblt_decoder_estimate(const sz_riblt_decoder *d, const uint8_t *low, size_t nlow);

/* Recovered differences: item j (< count) is sym (width bytes, valid while d lives), its hash,
 * and side +1 (only the remote holds it) or -1 (only we hold it). */
size_t sz_riblt_decoder_count(const sz_riblt_decoder *d);
const uint8_t *sz_riblt_decoder_item(const sz_riblt_decoder *d, size_t j, uint64_t *hash,
    int *side);

#endif /* SZ_RECON_RIBLT_H */
