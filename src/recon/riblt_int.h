/*
 * riblt_int.h - internals shared by riblt.c, riblt_decoder.c and riblt_wire.c; not an API.
 * Layer: recon.
 */
#ifndef SZ_RECON_RIBLT_INT_H
#define SZ_RECON_RIBLT_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "recon/riblt.h"

/* A run of coded symbols: n in use, cap allocated, sums width bytes each. */
typedef struct sz_riblt_cells {
	size_t n, cap;
	uint8_t *sum;
	uint64_t *hash;
	int64_t *count;
} sz_riblt_cells;

void sz_riblt_cells_free(sz_riblt_cells *c);
/* Make room for want cells (contents of new cells undefined).  SZ_ERR_LIMIT, SZ_ERR_NOMEM. */
SZ_MUST_CHECK int sz_riblt_cells_grow(sz_riblt_cells *c, size_t width, size_t want);
/* Add (dir = +1) or remove (dir = -1) a symbol to the cells of [lo, hi) it maps to (hi <= n). */
void sz_riblt_cells_apply(sz_riblt_cells *c, size_t width, const uint8_t *sym, uint64_t h,
    int64_t dir, size_t lo, size_t hi);
/* The sketch's kept coded symbols, read-only. */
const sz_riblt_cells *sz_riblt_sketch_cells_ref(const sz_riblt_sketch *s);

static inline void
sz_riblt_xor(uint8_t *dst, const uint8_t *src, size_t w)
{
	size_t i = 0;
	for (; i + 8 <= w; i += 8) {
		uint64_t a, b;
		memcpy(&a, dst + i, 8);
		memcpy(&b, src + i, 8);
		a ^= b;
		memcpy(dst + i, &a, 8);
	}
	for (; i < w; i++)
		dst[i] ^= src[i];
}

static inline int
sz_riblt_is_zero(const uint8_t *p, size_t w)
{
	uint8_t acc = 0;
	for (size_t i = 0; i < w; i++)
		acc |= p[i];
	return acc == 0;
}

#endif /* SZ_RECON_RIBLT_INT_H */
