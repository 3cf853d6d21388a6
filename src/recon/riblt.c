/*
 * riblt.c - Rateless IBLT core: the index mapping, the symbol hash, and the incremental sketch.
 * Layer: recon.  The decoder is in riblt_decoder.c, the wire messages in riblt_wire.c.
 * Sketch layout: items in a flat array (symbol bytes + cached hash), an open-addressing index of
 * positions keyed by the hash (linear probing, load <= 1/2, backward-shift deletion), and the
 * first K coded symbols as three parallel arrays (sums, hashes, counts).
 */
#include "recon/riblt.h"
#include "recon/riblt_int.h"

#include <assert.h>
#include <math.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* --- Mapping and hash ----------------------------------------------------------------------- */

uint64_t
sz_riblt_map_next(sz_riblt_map *m)
{
	if (m->idx == SZ_RIBLT_NEVER)
		return SZ_RIBLT_NEVER;
	/* The reference: r = prng * 0xda942042e4dd58b5 (mod 2^64), then
	 * idx += ceil((idx + 1.5) * (2^32 / sqrt(r + 1) - 1)) in IEEE double.  (double)r rounds to
	 * nearest, as Go's float64() and Rust's `as f64` do; C11 without -ffast-math keeps every
	 * operation separately rounded, so the result is bit-identical. */
	uint64_t r = m->prng * UINT64_C(0xda942042e4dd58b5);
	m->prng = r;
	double step = ceil(((double)m->idx + 1.5) * (4294967296.0 / sqrt((double)r + 1.0) - 1.0));
	if (!(step >= 0.0))
		step = 0.0; /* -0.0 from ceil of a tiny negative; never NaN (sqrt of >= 1) */
	if (step >= 18446744073709551616.0) {
		m->idx = SZ_RIBLT_NEVER;
		return m->idx;
	}
	uint64_t s = (uint64_t)step;
	if (s >= SZ_RIBLT_NEVER - m->idx)
		m->idx = SZ_RIBLT_NEVER;
	else
		m->idx += s;
	return m->idx;
}

uint64_t
sz_riblt_hash(const uint8_t key[static SZ_RIBLT_KEY_BYTES], const uint8_t *sym, size_t width)
{
	uint8_t out[crypto_shorthash_siphash24_BYTES];
	crypto_shorthash_siphash24(out, sym, width, key);
	uint64_t h = 0;
	for (int i = 7; i >= 0; i--)
		h = (h << 8) | out[i];
	return h;
}

/* --- Sketch --------------------------------------------------------------------------------- */

struct sz_riblt_sketch {
	size_t width;
	uint8_t key[SZ_RIBLT_KEY_BYTES];
	uint64_t gen;
	/* items */
	size_t n, cap, max_items;
	uint8_t *sym;     /* n * width */
	uint64_t *hash;   /* n */
	/* index: slot holds position + 1, 0 = empty; nslots is a power of two >= 2 * n */
	uint32_t *slot;
	size_t nslots;
	/* the first k coded symbols */
	sz_riblt_cells c;
	/* sourced: the items live with the owner (a store); n counts them, sym/hash/slot are unused */
	bool sourced;
	sz_riblt_source src;
};

void
sz_riblt_cells_free(sz_riblt_cells *c)
{
	free(c->sum);
	free(c->hash);
	free(c->count);
	memset(c, 0, sizeof(*c));
}

int
sz_riblt_cells_grow(sz_riblt_cells *c, size_t width, size_t want)
{
	if (want <= c->cap)
		return SZ_OK;
	if (want > SZ_RIBLT_MAX_CELLS)
		return SZ_ERR_LIMIT;
	size_t cap = c->cap ? c->cap : 64;
	while (cap < want)
		cap *= 2;
	if (cap > SZ_RIBLT_MAX_CELLS)
		cap = SZ_RIBLT_MAX_CELLS;
	/* Grow one array at a time; a failure leaves a consistent (larger-capacity) set behind. */
	uint8_t *sum = realloc(c->sum, cap * width);
	if (sum == NULL)
		return SZ_ERR_NOMEM;
	c->sum = sum;
	uint64_t *hash = realloc(c->hash, cap * sizeof(*hash));
	if (hash == NULL)
		return SZ_ERR_NOMEM;
	c->hash = hash;
	int64_t *count = realloc(c->count, cap * sizeof(*count));
	if (count == NULL)
		return SZ_ERR_NOMEM;
	c->count = count;
	c->cap = cap;
	return SZ_OK;
}

/* Apply (sym, h) with direction dir (+1 or -1) to every coded symbol in [lo, hi) of c that the
 * symbol maps to.  Bounded: each step either moves forward or is a zero step, and two zero steps
 * never follow each other (riblt_test checks the multiplier), so at most 2 * hi + 1 steps. */
void
sz_riblt_cells_apply(sz_riblt_cells *c, size_t width, const uint8_t *sym, uint64_t h,
    int64_t dir, size_t lo, size_t hi)
{
	sz_riblt_map m;
	sz_riblt_map_init(&m, h);
	uint64_t idx = 0;
	for (size_t steps = 0; idx < hi; steps++) {
		assert(steps <= 2 * hi + 1);
		if (steps > 2 * hi + 1)
			break;
		if (idx >= lo) {
			sz_riblt_xor(c->sum + idx * width, sym, width);
			c->hash[idx] ^= h;
			c->count[idx] += dir;
		}
		idx = sz_riblt_map_next(&m);
	}
}

int
sz_riblt_sketch_new(sz_riblt_sketch **out, size_t width,
    const uint8_t key[static SZ_RIBLT_KEY_BYTES], size_t cells)
{
	int r = SZ_ERR_INTERNAL;
	sz_riblt_sketch *s = NULL;
	*out = NULL;
	if (width == 0 || width > SZ_RIBLT_MAX_WIDTH || cells > SZ_RIBLT_MAX_CELLS)
		return SZ_ERR_INVALID;
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		r = SZ_ERR_NOMEM;
		goto out;
	}
	s->width = width;
	memcpy(s->key, key, SZ_RIBLT_KEY_BYTES);
	s->max_items = SZ_RIBLT_MAX_ITEMS;
	s->nslots = 16;
	if ((s->slot = calloc(s->nslots, sizeof(*s->slot))) == NULL) {
		r = SZ_ERR_NOMEM;
		goto out;
	}
	if (cells > 0) {
		if ((r = sz_riblt_cells_grow(&s->c, width, cells)) != SZ_OK)
			goto out;
		memset(s->c.sum, 0, cells * width);
		memset(s->c.hash, 0, cells * sizeof(uint64_t));
		memset(s->c.count, 0, cells * sizeof(int64_t));
		s->c.n = cells;
	}
	*out = s;
	s = NULL;
	r = SZ_OK;
out:
	sz_riblt_sketch_free(s);
	return r;
}

int
sz_riblt_sketch_new_sourced(sz_riblt_sketch **out, size_t width,
    const uint8_t key[static SZ_RIBLT_KEY_BYTES], size_t cells, const sz_riblt_source *src)
{
	*out = NULL;
	if (src == NULL || src->each == NULL || src->holds == NULL)
		return SZ_ERR_INVALID;
	sz_riblt_sketch *s = NULL;
	int r = sz_riblt_sketch_new(&s, width, key, cells);
	if (r != SZ_OK)
		return r;
	free(s->slot);
	s->slot = NULL;
	s->nslots = 0;
	s->sourced = true;
	s->src = *src;
	*out = s;
	return SZ_OK;
}

typedef struct apply_ctx {
	sz_riblt_sketch *s;
	size_t lo, hi;
	size_t seen;
} apply_ctx;

static int
apply_one(void *ctx, const uint8_t *sym)
{
	apply_ctx *a = ctx;
	uint64_t h = sz_riblt_hash(a->s->key, sym, a->s->width);
	sz_riblt_cells_apply(&a->s->c, a->s->width, sym, h, 1, a->lo, a->hi);
	a->seen++;
	return SZ_OK;
}

int
sz_riblt_sketch_fill(sz_riblt_sketch *s)
{
	if (!s->sourced)
		return SZ_ERR_INVALID;
	memset(s->c.sum, 0, s->c.n * s->width);
	memset(s->c.hash, 0, s->c.n * sizeof(uint64_t));
	memset(s->c.count, 0, s->c.n * sizeof(int64_t));
	apply_ctx a = { s, 0, s->c.n, 0 };
	int r = s->src.each(s->src.ctx, apply_one, &a);
	s->n = r == SZ_OK ? a.seen : 0;
	s->gen++;
	return r;
}

void
sz_riblt_sketch_free(sz_riblt_sketch *s)
{
	if (s == NULL)
		return;
	free(s->sym);
	free(s->hash);
	free(s->slot);
	sz_riblt_cells_free(&s->c);
	sodium_memzero(s->key, sizeof(s->key));
	if (s->sourced && s->src.release != NULL)
		s->src.release(s->src.ctx);
	free(s);
}

static void *
dup_mem(const void *p, size_t n)
{
	if (n == 0)
		return NULL;
	void *q = malloc(n);
	if (q != NULL)
		memcpy(q, p, n);
	return q;
}

int
sz_riblt_sketch_clone(sz_riblt_sketch **out, const sz_riblt_sketch *s)
{
	return sz_riblt_sketch_clone_sourced(out, s, NULL);
}

int
sz_riblt_sketch_clone_sourced(sz_riblt_sketch **out, const sz_riblt_sketch *s,
    const sz_riblt_source *src)
{
	int r = SZ_ERR_NOMEM;
	sz_riblt_sketch *t = NULL;
	*out = NULL;
	if (s->sourced != (src != NULL) || (src != NULL && (src->each == NULL || src->holds == NULL)))
		return SZ_ERR_INVALID;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		goto out;
	*t = *s;
	if (src != NULL)
		t->src = *src;
	t->sym = NULL;
	t->hash = NULL;
	t->slot = NULL;
	memset(&t->c, 0, sizeof(t->c));
	t->cap = s->sourced ? 0 : s->n;
	if (!s->sourced && s->n > 0 && ((t->sym = dup_mem(s->sym, s->n * s->width)) == NULL ||
	    (t->hash = dup_mem(s->hash, s->n * sizeof(uint64_t))) == NULL))
		goto out;
	if (!s->sourced && (t->slot = dup_mem(s->slot, s->nslots * sizeof(uint32_t))) == NULL)
		goto out;
	if (s->c.n > 0) {
		if (sz_riblt_cells_grow(&t->c, s->width, s->c.n) != SZ_OK)
			goto out;
		memcpy(t->c.sum, s->c.sum, s->c.n * s->width);
		memcpy(t->c.hash, s->c.hash, s->c.n * sizeof(uint64_t));
		memcpy(t->c.count, s->c.count, s->c.n * sizeof(int64_t));
		t->c.n = s->c.n;
	}
	*out = t;
	t = NULL;
	r = SZ_OK;
out:
	if (t != NULL)
		t->src.release = NULL; /* on error the caller keeps the source's ctx */
	sz_riblt_sketch_free(t);
	return r;
}

int
sz_riblt_sketch_set_max_items(sz_riblt_sketch *s, size_t max_items)
{
	if (max_items < s->n || max_items > SZ_RIBLT_MAX_ITEMS)
		return SZ_ERR_INVALID;
	s->max_items = max_items;
	return SZ_OK;
}

/* Slot of sym in the index, or SIZE_MAX.  The table is never full, so probing ends. */
static size_t
index_find(const sz_riblt_sketch *s, const uint8_t *sym, uint64_t h)
{
	size_t mask = s->nslots - 1;
	for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
		uint32_t v = s->slot[i];
		if (v == 0)
			return SIZE_MAX;
		size_t pos = v - 1;
		if (s->hash[pos] == h && memcmp(s->sym + pos * s->width, sym, s->width) == 0)
			return i;
	}
}

static void
index_put(uint32_t *slot, size_t nslots, uint64_t h, size_t pos)
{
	size_t mask = nslots - 1;
	size_t i = (size_t)h & mask;
	while (slot[i] != 0)
		i = (i + 1) & mask;
	slot[i] = (uint32_t)(pos + 1);
}

static int
index_grow(sz_riblt_sketch *s)
{
	size_t n = s->nslots * 2;
	uint32_t *slot = calloc(n, sizeof(*slot));
	if (slot == NULL)
		return SZ_ERR_NOMEM;
	for (size_t pos = 0; pos < s->n; pos++)
		index_put(slot, n, s->hash[pos], pos);
	free(s->slot);
	s->slot = slot;
	s->nslots = n;
	return SZ_OK;
}

/* Empty slot i and shift later entries of its probe run back (no tombstones). */
static void
index_delete(sz_riblt_sketch *s, size_t i)
{
	size_t mask = s->nslots - 1;
	size_t j = i;
	for (;;) {
		j = (j + 1) & mask;
		uint32_t v = s->slot[j];
		if (v == 0)
			break;
		size_t home = (size_t)s->hash[v - 1] & mask;
		/* The entry at j may fill the hole at i if i lies on its probe path home..j. */
		if (((j - home) & mask) >= ((j - i) & mask)) {
			s->slot[i] = v;
			i = j;
		}
	}
	s->slot[i] = 0;
}

int
sz_riblt_sketch_add(sz_riblt_sketch *s, const uint8_t *sym)
{
	uint64_t h = sz_riblt_hash(s->key, sym, s->width);
	if (s->sourced) {
		if (s->n >= s->max_items)
			return SZ_ERR_LIMIT;
		sz_riblt_cells_apply(&s->c, s->width, sym, h, 1, 0, s->c.n);
		s->n++;
		s->gen++;
		return SZ_OK;
	}
	if (index_find(s, sym, h) != SIZE_MAX)
		return SZ_ERR_EXISTS;
	if (s->n >= s->max_items)
		return SZ_ERR_LIMIT;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		if (cap > s->max_items)
			cap = s->max_items;
		uint8_t *p = realloc(s->sym, cap * s->width);
		if (p == NULL)
			return SZ_ERR_NOMEM;
		s->sym = p;
		uint64_t *q = realloc(s->hash, cap * sizeof(*q));
		if (q == NULL)
			return SZ_ERR_NOMEM;
		s->hash = q;
		s->cap = cap;
	}
	if (2 * (s->n + 1) > s->nslots) {
		int r = index_grow(s);
		if (r != SZ_OK)
			return r;
	}
	memcpy(s->sym + s->n * s->width, sym, s->width);
	s->hash[s->n] = h;
	index_put(s->slot, s->nslots, h, s->n);
	s->n++;
	sz_riblt_cells_apply(&s->c, s->width, sym, h, 1, 0, s->c.n);
	s->gen++;
	return SZ_OK;
}

int
sz_riblt_sketch_remove(sz_riblt_sketch *s, const uint8_t *sym)
{
	uint64_t h = sz_riblt_hash(s->key, sym, s->width);
	if (s->sourced) {
		if (s->n == 0)
			return SZ_ERR_NOT_FOUND;
		sz_riblt_cells_apply(&s->c, s->width, sym, h, -1, 0, s->c.n);
		s->n--;
		s->gen++;
		return SZ_OK;
	}
	size_t i = index_find(s, sym, h);
	if (i == SIZE_MAX)
		return SZ_ERR_NOT_FOUND;
	size_t pos = s->slot[i] - 1;
	sz_riblt_cells_apply(&s->c, s->width, sym, h, -1, 0, s->c.n);
	index_delete(s, i);
	size_t last = s->n - 1;
	if (pos != last) {
		/* Move the last item into the hole and repoint its index slot. */
		size_t mask = s->nslots - 1;
		size_t k = (size_t)s->hash[last] & mask;
		while (s->slot[k] != last + 1)
			k = (k + 1) & mask;
		s->slot[k] = (uint32_t)(pos + 1);
		memcpy(s->sym + pos * s->width, s->sym + last * s->width, s->width);
		s->hash[pos] = s->hash[last];
	}
	s->n--;
	s->gen++;
	return SZ_OK;
}

bool
sz_riblt_sketch_contains(const sz_riblt_sketch *s, const uint8_t *sym)
{
	bool held = false;
	return sz_riblt_sketch_holds(s, sym, &held) == SZ_OK && held;
}

int
sz_riblt_sketch_holds(const sz_riblt_sketch *s, const uint8_t *sym, bool *held)
{
	*held = false;
	if (s->sourced)
		return s->src.holds(s->src.ctx, sym, held);
	*held = index_find(s, sym, sz_riblt_hash(s->key, sym, s->width)) != SIZE_MAX;
	return SZ_OK;
}

bool
sz_riblt_sketch_sourced(const sz_riblt_sketch *s)
{
	return s->sourced;
}

/* Probe from the home slot of h; nslots <= 2^32, so the home slot depends only on bits the
 * caller gives (all 64, or the low 32 when low32). */
static void
find_hash(const sz_riblt_sketch *s, uint64_t h, bool low32, const uint8_t **syms, size_t max,
    size_t *n)
{
	size_t mask = s->nslots - 1;
	size_t found = 0;
	*n = 0;
	if (s->sourced)
		return; /* the items are the owner's: name them by prefix */
	for (size_t i = (size_t)h & mask; s->slot[i] != 0; i = (i + 1) & mask) {
		size_t pos = s->slot[i] - 1;
		if (low32 ? (uint32_t)s->hash[pos] != (uint32_t)h : s->hash[pos] != h)
			continue;
		if (found < max)
			syms[found] = s->sym + pos * s->width;
		found++;
	}
	*n = found;
}

void
sz_riblt_sketch_find_hash(const sz_riblt_sketch *s, uint64_t h, const uint8_t **syms,
    size_t max, size_t *n)
{
	find_hash(s, h, false, syms, max, n);
}

void
sz_riblt_sketch_find_hash32(const sz_riblt_sketch *s, uint32_t h32, const uint8_t **syms,
    size_t max, size_t *n)
{
	find_hash(s, h32, true, syms, max, n);
}

int
sz_riblt_sketch_reserve(sz_riblt_sketch *s, size_t cells)
{
	if (cells <= s->c.n)
		return SZ_OK;
	if (cells > SZ_RIBLT_MAX_CELLS)
		return SZ_ERR_LIMIT;
	size_t k = s->c.n * 2 > cells ? s->c.n * 2 : cells;
	if (k > SZ_RIBLT_MAX_CELLS)
		k = SZ_RIBLT_MAX_CELLS;
	int r = sz_riblt_cells_grow(&s->c, s->width, k);
	if (r != SZ_OK)
		return r;
	size_t lo = s->c.n;
	memset(s->c.sum + lo * s->width, 0, (k - lo) * s->width);
	memset(s->c.hash + lo, 0, (k - lo) * sizeof(uint64_t));
	memset(s->c.count + lo, 0, (k - lo) * sizeof(int64_t));
	if (s->sourced) {
		/* One walk over the owner's items for the new cells; K grows at least twofold, so a
		 * session of d differences walks O(log d) times. */
		apply_ctx a = { s, lo, k, 0 };
		if ((r = s->src.each(s->src.ctx, apply_one, &a)) != SZ_OK)
			return r;
		s->c.n = k;
		return SZ_OK;
	}
	for (size_t pos = 0; pos < s->n; pos++)
		sz_riblt_cells_apply(&s->c, s->width, s->sym + pos * s->width, s->hash[pos], 1, lo, k);
	s->c.n = k;
	return SZ_OK;
}

void
sz_riblt_sketch_trim(sz_riblt_sketch *s, size_t cells)
{
	if (cells >= s->c.n)
		return;
	s->c.n = cells;
	if (cells == 0) {
		sz_riblt_cells_free(&s->c);
		return;
	}
	/* Shrinking reallocations; if one fails the larger block simply stays. */
	uint8_t *sum = realloc(s->c.sum, cells * s->width);
	if (sum != NULL)
		s->c.sum = sum;
	uint64_t *hash = realloc(s->c.hash, cells * sizeof(*hash));
	if (hash != NULL)
		s->c.hash = hash;
	int64_t *count = realloc(s->c.count, cells * sizeof(*count));
	if (count != NULL)
		s->c.count = count;
	if (sum != NULL && hash != NULL && count != NULL)
		s->c.cap = cells;
}

int
sz_riblt_sketch_cell(const sz_riblt_sketch *s, size_t i, uint8_t *sum, uint64_t *hash,
    int64_t *count)
{
	if (i >= s->c.n)
		return SZ_ERR_INVALID;
	memcpy(sum, s->c.sum + i * s->width, s->width);
	*hash = s->c.hash[i];
	*count = s->c.count[i];
	return SZ_OK;
}

const sz_riblt_cells *
sz_riblt_sketch_cells_ref(const sz_riblt_sketch *s)
{
	return &s->c;
}

size_t
sz_riblt_sketch_size(const sz_riblt_sketch *s)
{
	return s->n;
}

size_t
sz_riblt_sketch_width(const sz_riblt_sketch *s)
{
	return s->width;
}

size_t
sz_riblt_sketch_cells(const sz_riblt_sketch *s)
{
	return s->c.n;
}

const uint8_t *
sz_riblt_sketch_key(const sz_riblt_sketch *s)
{
	return s->key;
}

uint64_t
sz_riblt_sketch_generation(const sz_riblt_sketch *s)
{
	return s->gen;
}

const uint8_t *
sz_riblt_sketch_item(const sz_riblt_sketch *s, size_t j)
{
	return !s->sourced && j < s->n ? s->sym + j * s->width : NULL;
}

size_t
sz_riblt_sketch_memory(const sz_riblt_sketch *s)
{
	return sz_riblt_sketch_mem(s);
}

static size_t
cells_mem(const sz_riblt_cells *c, size_t width)
{
	return c->cap * (width + sizeof(uint64_t) + sizeof(int64_t));
}

size_t
sz_riblt_sketch_mem(const sz_riblt_sketch *s)
{
	if (s == NULL)
		return 0;
	return sizeof(*s) + s->cap * (s->width + sizeof(uint64_t)) + s->nslots * sizeof(uint32_t) +
	    cells_mem(&s->c, s->width);
}
