/*
 * riblt_decoder.c - the Rateless IBLT peeling decoder (paper §4.3), against a local sketch.
 * Layer: recon.  Each remote coded symbol has the local sketch's coded symbol of the same index
 * subtracted on arrival (O(1), no walk over the local set), so what is stored is the coded
 * symbol of the symmetric difference.  Recovered items are peeled from every stored cell they map
 * to and kept in a min-heap by their next index, to be peeled from cells that arrive later.
 * Against a hostile stream: every array is bounded by the limits, every walk by the mapping's
 * growth, each cell sits on the work stack at most once, and contradictions stop the decoder.
 */
#include "recon/riblt.h"
#include "recon/riblt_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct sz_riblt_decoder {
	sz_riblt_sketch *local;
	uint64_t gen;
	size_t width;
	sz_riblt_limits lim;
	uint64_t mask;          /* the hash bits the remote's cells carry (lim.check_bits) */
	int err;                /* sticky */
	sz_riblt_cells c;       /* the difference's coded symbols: remote minus local */
	size_t nonzero;         /* cells of c that are not all zero */
	uint8_t *inq;           /* per cell: on the work stack */
	uint32_t *stack;        /* cells whose count is +-1, to examine */
	size_t nstack;
	size_t stack_cap;       /* cells inq and stack have room for */
	/* recovered items */
	size_t ni, icap;
	uint8_t *isym;
	uint64_t *ihash;
	int8_t *iside;
	sz_riblt_map *imap;     /* next index each item maps to, >= c.n */
	uint32_t *heap;         /* items with a reachable next index, min-heap on imap[].idx */
	size_t nheap;
	uint32_t *iset;         /* index of recovered items by hash (position + 1; 0 = empty) */
	size_t nset;
};

int
sz_riblt_decoder_new(sz_riblt_decoder **out, sz_riblt_sketch *local,
    const sz_riblt_limits *limits)
{
	int r = SZ_ERR_NOMEM;
	sz_riblt_decoder *d = NULL;
	*out = NULL;
	if (local == NULL || limits == NULL || limits->max_cells == 0 ||
	    limits->max_cells > SZ_RIBLT_MAX_CELLS || limits->max_items > SZ_RIBLT_MAX_CELLS ||
	    limits->max_count > (uint64_t)INT64_MAX / 4 ||
	    (limits->check_bits != 0 && limits->check_bits != 32 && limits->check_bits != 64))
		return SZ_ERR_INVALID;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		goto out;
	d->local = local;
	d->gen = sz_riblt_sketch_generation(local);
	d->width = sz_riblt_sketch_width(local);
	d->lim = *limits;
	d->mask = d->lim.check_bits == 32 ? UINT32_MAX : UINT64_MAX;
	if (d->lim.max_items == 0)
		d->lim.max_items = d->lim.max_cells;
	d->nset = 16;
	if ((d->iset = calloc(d->nset, sizeof(*d->iset))) == NULL)
		goto out;
	*out = d;
	d = NULL;
	r = SZ_OK;
out:
	sz_riblt_decoder_free(d);
	return r;
}

void
sz_riblt_decoder_free(sz_riblt_decoder *d)
{
	if (d == NULL)
		return;
	sz_riblt_cells_free(&d->c);
	free(d->inq);
	free(d->stack);
	free(d->isym);
	free(d->ihash);
	free(d->iside);
	free(d->imap);
	free(d->heap);
	free(d->iset);
	free(d);
}

static int
fail(sz_riblt_decoder *d, int err)
{
	if (d->err == 0)
		d->err = err;
	return d->err;
}

static int
cell_nonzero(const sz_riblt_decoder *d, size_t i)
{
	return d->c.count[i] != 0 || d->c.hash[i] != 0 ||
	    !sz_riblt_is_zero(d->c.sum + i * d->width, d->width);
}

static void
maybe_push(sz_riblt_decoder *d, size_t i)
{
	int64_t n = d->c.count[i];
	if ((n == 1 || n == -1) && !d->inq[i]) {
		d->inq[i] = 1;
		d->stack[d->nstack++] = (uint32_t)i;
	}
}

/* Apply item (sym, h) with direction dir to stored cell i, keeping nonzero and the stack. */
static void
touch(sz_riblt_decoder *d, size_t i, const uint8_t *sym, uint64_t h, int64_t dir)
{
	int was = cell_nonzero(d, i);
	sz_riblt_xor(d->c.sum + i * d->width, sym, d->width);
	d->c.hash[i] ^= h & d->mask;
	d->c.count[i] += dir;
	int now = cell_nonzero(d, i);
	d->nonzero = d->nonzero + (size_t)now - (size_t)was;
	maybe_push(d, i);
}

/* --- heap of recovered items by next index ------------------------------------------------ */

static uint64_t
hkey(const sz_riblt_decoder *d, size_t k)
{
	return d->imap[d->heap[k]].idx;
}

static void
heap_swap(sz_riblt_decoder *d, size_t a, size_t b)
{
	uint32_t t = d->heap[a];
	d->heap[a] = d->heap[b];
	d->heap[b] = t;
}

static void
heap_up(sz_riblt_decoder *d, size_t k)
{
	while (k > 0) {
		size_t p = (k - 1) / 2;
		if (hkey(d, p) <= hkey(d, k))
			break;
		heap_swap(d, p, k);
		k = p;
	}
}

static void
heap_down(sz_riblt_decoder *d, size_t k)
{
	for (;;) {
		size_t l = 2 * k + 1, m = k;
		if (l < d->nheap && hkey(d, l) < hkey(d, m))
			m = l;
		if (l + 1 < d->nheap && hkey(d, l + 1) < hkey(d, m))
			m = l + 1;
		if (m == k)
			break;
		heap_swap(d, k, m);
		k = m;
	}
}

/* --- recovered-item index ----------------------------------------------------------------- */

static int
iset_contains(const sz_riblt_decoder *d, const uint8_t *sym, uint64_t h)
{
	size_t mask = d->nset - 1;
	for (size_t i = (size_t)h & mask; d->iset[i] != 0; i = (i + 1) & mask) {
		size_t j = d->iset[i] - 1;
		if (d->ihash[j] == h && memcmp(d->isym + j * d->width, sym, d->width) == 0)
			return 1;
	}
	return 0;
}

static void
iset_put(uint32_t *set, size_t nset, uint64_t h, size_t j)
{
	size_t mask = nset - 1;
	size_t i = (size_t)h & mask;
	while (set[i] != 0)
		i = (i + 1) & mask;
	set[i] = (uint32_t)(j + 1);
}

/* Make room for one more recovered item. */
static int
items_grow(sz_riblt_decoder *d)
{
	if (d->ni == d->icap) {
		size_t cap = d->icap ? d->icap * 2 : 64;
		uint8_t *s = realloc(d->isym, cap * d->width);
		if (s == NULL)
			return SZ_ERR_NOMEM;
		d->isym = s;
		uint64_t *h = realloc(d->ihash, cap * sizeof(*h));
		if (h == NULL)
			return SZ_ERR_NOMEM;
		d->ihash = h;
		int8_t *side = realloc(d->iside, cap * sizeof(*side));
		if (side == NULL)
			return SZ_ERR_NOMEM;
		d->iside = side;
		sz_riblt_map *m = realloc(d->imap, cap * sizeof(*m));
		if (m == NULL)
			return SZ_ERR_NOMEM;
		d->imap = m;
		uint32_t *hp = realloc(d->heap, cap * sizeof(*hp));
		if (hp == NULL)
			return SZ_ERR_NOMEM;
		d->heap = hp;
		d->icap = cap;
	}
	if (2 * (d->ni + 1) > d->nset) {
		size_t n = d->nset * 2;
		uint32_t *set = calloc(n, sizeof(*set));
		if (set == NULL)
			return SZ_ERR_NOMEM;
		for (size_t j = 0; j < d->ni; j++)
			iset_put(set, n, d->ihash[j], j);
		free(d->iset);
		d->iset = set;
		d->nset = n;
	}
	return SZ_OK;
}

/* --- taking coded symbols ----------------------------------------------------------------- */

/* Room for one more stored cell, with its stack and flag arrays. */
static int
cells_room(sz_riblt_decoder *d)
{
	int r = sz_riblt_cells_grow(&d->c, d->width, d->c.n + 1);
	if (r != SZ_OK)
		return r;
	if (d->stack_cap < d->c.cap) {
		uint8_t *q = realloc(d->inq, d->c.cap);
		if (q == NULL)
			return SZ_ERR_NOMEM;
		d->inq = q;
		uint32_t *s = realloc(d->stack, d->c.cap * sizeof(*s));
		if (s == NULL)
			return SZ_ERR_NOMEM;
		d->stack = s;
		d->stack_cap = d->c.cap;
	}
	return SZ_OK;
}

int
sz_riblt_decoder_add(sz_riblt_decoder *d, const uint8_t *sum, uint64_t hash, uint64_t count)
{
	int r;
	if (d->err)
		return d->err;
	if (sz_riblt_sketch_generation(d->local) != d->gen)
		return fail(d, SZ_ERR_STATE);
	size_t i = d->c.n;
	if (i >= d->lim.max_cells)
		return fail(d, SZ_ERR_LIMIT);
	if (count > d->lim.max_count)
		return fail(d, SZ_ERR_MALFORMED);
	if ((r = sz_riblt_sketch_reserve(d->local, i + 1)) != SZ_OK)
		return fail(d, r);
	if ((r = cells_room(d)) != SZ_OK)
		return fail(d, r);
	const sz_riblt_cells *lc = sz_riblt_sketch_cells_ref(d->local);
	uint8_t *dst = d->c.sum + i * d->width;
	memcpy(dst, sum, d->width);
	sz_riblt_xor(dst, lc->sum + i * d->width, d->width);
	d->c.hash[i] = (hash ^ lc->hash[i]) & d->mask;
	d->c.count[i] = (int64_t)count - lc->count[i];
	d->inq[i] = 0;
	/* Peel the items already recovered that map here.  Each pops at most twice (a zero step
	 * never repeats), so the loop is bounded by twice the items in the heap. */
	for (size_t guard = 0; d->nheap > 0 && hkey(d, 0) == i && guard <= 2 * d->ni; guard++) {
		size_t j = d->heap[0];
		sz_riblt_xor(dst, d->isym + j * d->width, d->width);
		d->c.hash[i] ^= d->ihash[j] & d->mask;
		d->c.count[i] -= d->iside[j];
		if (sz_riblt_map_next(&d->imap[j]) == SZ_RIBLT_NEVER) {
			d->heap[0] = d->heap[--d->nheap];
		}
		heap_down(d, 0);
	}
	d->c.n = i + 1;
	if (cell_nonzero(d, i))
		d->nonzero++;
	maybe_push(d, i);
	return SZ_OK;
}

/* Peel one pure cell's item (copied to sym/h first: peeling zeroes the cell). */
static int
peel(sz_riblt_decoder *d, const uint8_t *cellsum, uint64_t h, int side)
{
	int r;
	uint8_t sym[SZ_RIBLT_MAX_WIDTH];
	memcpy(sym, cellsum, d->width);
	if (d->ni >= d->lim.max_items)
		return SZ_ERR_LIMIT;
	if (iset_contains(d, sym, h))
		return SZ_ERR_DECODE; /* the stream holds an item twice */
	bool held = false;
	if ((r = sz_riblt_sketch_holds(d->local, sym, &held)) != SZ_OK)
		return r; /* the local set could not be asked (a sourced sketch's store) */
	if ((side > 0 && held) || (side < 0 && !held))
		return SZ_ERR_DECODE; /* contradicts the local set */
	if ((r = items_grow(d)) != SZ_OK)
		return r;
	size_t j = d->ni++;
	memcpy(d->isym + j * d->width, sym, d->width);
	d->ihash[j] = h;
	d->iside[j] = (int8_t)side;
	iset_put(d->iset, d->nset, h, j);
	sz_riblt_map m;
	sz_riblt_map_init(&m, h);
	uint64_t idx = 0;
	size_t n = d->c.n;
	for (size_t steps = 0; idx < n && steps <= 2 * n + 1; steps++) {
		touch(d, (size_t)idx, sym, h, -side);
		idx = sz_riblt_map_next(&m);
	}
	if (idx < n)
		return SZ_ERR_INTERNAL; /* the zero-step bound failed: a bug */
	d->imap[j] = m;
	if (idx != SZ_RIBLT_NEVER) {
		d->heap[d->nheap++] = (uint32_t)j;
		heap_up(d, d->nheap - 1);
	}
	return SZ_OK;
}

int
sz_riblt_decoder_run(sz_riblt_decoder *d)
{
	if (d->err)
		return d->err;
	if (sz_riblt_sketch_generation(d->local) != d->gen)
		return fail(d, SZ_ERR_STATE);
	const uint8_t *key = sz_riblt_sketch_key(d->local);
	/* Each pass pops one cell; cells are pushed only when a peel touches them, and peels are
	 * bounded by max_items, so the loop ends. */
	while (d->nstack > 0) {
		size_t i = d->stack[--d->nstack];
		d->inq[i] = 0;
		int64_t n = d->c.count[i];
		if (n != 1 && n != -1)
			continue;
		const uint8_t *sum = d->c.sum + i * d->width;
		uint64_t h = sz_riblt_hash(key, sum, d->width);
		if ((h & d->mask) != d->c.hash[i])
			continue; /* not pure: several items whose counts add up to +-1 */
		int r = peel(d, sum, h, (int)n);
		if (r != SZ_OK)
			return fail(d, r);
	}
	/* Every item maps to cell 0, so it holds the whole difference not yet peeled.  A zero hash
	 * there with anything left means the items left cancel each other's hashes: two ids made
	 * (by someone who knows the key) or, once in 2^64 (2^32 with 32-bit checks, whose key is
	 * salted per session), found to share a hash share every cell and never peel.  Fail now
	 * rather than ask for cells up to the limit; the sync layer retries under a salted key
	 * (docs/PROTOCOL.md §6.5). */
	if (d->c.n > 0 && d->nonzero > 0 && d->c.hash[0] == 0)
		return fail(d, SZ_ERR_DECODE);
	return SZ_OK;
}

bool
sz_riblt_decoder_done(const sz_riblt_decoder *d)
{
	return d->err == 0 && d->c.n > 0 && d->nonzero == 0;
}

size_t
sz_riblt_decoder_received(const sz_riblt_decoder *d)
{
	return d->c.n;
}

/* Residual count of the remote's cell i (>= received) from its low byte: the local cell and the
 * recovered items that map there are taken off, and the result is unwrapped to the value nearest
 * pred (the mean the cells already received predict). */
static double
unwrap_low(uint8_t low, int64_t local, int64_t adj, double pred)
{
	int64_t p = (int64_t)llround(pred);
	uint8_t raw = (uint8_t)((uint64_t)low - (uint64_t)local - (uint64_t)adj - (uint64_t)p);
	return (double)(p + (int8_t)raw);
}

double
sz_riblt_decoder_estimate(const sz_riblt_decoder *d, const uint8_t *low, size_t nlow)
{
	if (d->c.n == 0)
		return 0.0;
	if (d->nonzero == 0)
		return (double)d->ni;
	/* The items not yet recovered: a of them only remote, b only local.  All map to cell 0, so
	 * its count is a - b.  Cell i (>= 1) holds each with probability p = 2/(i+2); its count has
	 * mean (a - b) p and variance (a + b) p (1 - p).  Each cell's squared deviation over
	 * p (1 - p) estimates a + b; average them weighted by their inverse variance (about
	 * 2 e^2 + e / (p (1 - p)) for a pilot estimate e).  Cells past those received contribute
	 * through low, the low byte of the remote's count. */
	const sz_riblt_cells *lc = sz_riblt_sketch_cells_ref(d->local);
	size_t n = d->c.n;
	if (low == NULL || lc->n <= n)
		nlow = 0;
	else if (nlow > lc->n - n)
		nlow = lc->n - n;
	int64_t *adj = nlow > 0 ? calloc(nlow, sizeof(*adj)) : NULL;
	if (adj == NULL)
		nlow = 0;
	for (size_t j = 0; j < d->ni && nlow > 0; j++) {
		sz_riblt_map m = d->imap[j];
		for (size_t steps = 0; m.idx < n + nlow && steps <= 2 * (n + nlow) + 1; steps++) {
			if (m.idx >= n)
				adj[m.idx - n] += d->iside[j];
			(void)sz_riblt_map_next(&m);
		}
	}
	double d0 = (double)d->c.count[0];
	double pilot = 0.0;
	for (int pass = 0; pass < 2; pass++) {
		double num = 0.0, den = 0.0;
		for (size_t i = 1; i < n + nlow; i++) {
			double p = 2.0 / ((double)i + 2.0);
			double v = p * (1.0 - p);
			double c = i < n ? (double)d->c.count[i] :
			    unwrap_low(low[i - n], lc->count[i], adj[i - n], d0 * p);
			double dev = c - d0 * p;
			double w = pass == 0 ? 1.0 : 1.0 / (2.0 * pilot * pilot + pilot / v + 1.0);
			num += w * dev * dev / v;
			den += w;
		}
		pilot = den > 0.0 ? num / den : 0.0;
	}
	free(adj);
	/* a + b >= |a - b|, and something is left since a cell is not zero. */
	double rest = pilot;
	if (rest < fabs(d0))
		rest = fabs(d0);
	if (rest < 1.0)
		rest = 1.0;
	return (double)d->ni + rest;
}

size_t
sz_riblt_decoder_count(const sz_riblt_decoder *d)
{
	return d->ni;
}

const uint8_t *
sz_riblt_decoder_item(const sz_riblt_decoder *d, size_t j, uint64_t *hash, int *side)
{
	*hash = 0;
	*side = 0;
	if (j >= d->ni)
		return NULL;
	*hash = d->ihash[j];
	*side = d->iside[j];
	return d->isym + j * d->width;
}

size_t
sz_riblt_decoder_mem(const sz_riblt_decoder *d)
{
	if (d == NULL)
		return 0;
	return sizeof(*d) + d->c.cap * (d->width + sizeof(uint64_t) + sizeof(int64_t)) +
	    d->stack_cap * (1 + sizeof(uint32_t)) +
	    d->icap * (d->width + sizeof(uint64_t) + sizeof(int8_t) + sizeof(sz_riblt_map) +
	    sizeof(uint32_t)) + d->nset * sizeof(uint32_t);
}
