/*
 * negentropy_storage.c - the item vector behind Negentropy sessions, and range fingerprints.
 * Layer: recon.  Sealing sorts the items and keeps prefix sums of the ids (mod 2^256), so the
 * fingerprint of any range is one subtraction and one SHA-256, whatever its size.
 */
#include "recon/negentropy.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"

/* A 256-bit accumulator as four little-endian 64-bit limbs (limb 0 least significant). */
typedef struct acc256 {
	uint64_t w[4];
} acc256;

struct sz_neg_storage {
	sz_neg_item *items;
	size_t n;
	size_t cap;
	size_t max;
	acc256 *prefix; /* n + 1 sums when sealed: prefix[i] = ids[0] + ... + ids[i-1] */
	bool sealed;
};

static void
acc_add_id(acc256 *a, const acc256 *b, const uint8_t id[SZ_NEG_ID_BYTES])
{
	uint64_t carry = 0;
	for (int i = 0; i < 4; i++) {
		uint64_t x = sz_load_u64le(id + 8 * i);
		uint64_t s = b->w[i] + x;
		uint64_t c1 = s < x;
		uint64_t t = s + carry;
		uint64_t c2 = t < s;
		a->w[i] = t;
		carry = c1 | c2;
	}
}

static void
acc_sub(acc256 *out, const acc256 *a, const acc256 *b)
{
	uint64_t borrow = 0;
	for (int i = 0; i < 4; i++) {
		uint64_t d = a->w[i] - b->w[i];
		uint64_t b1 = a->w[i] < b->w[i];
		uint64_t e = d - borrow;
		uint64_t b2 = d < borrow;
		out->w[i] = e;
		borrow = b1 | b2;
	}
}

static int
item_cmp(const void *pa, const void *pb)
{
	const sz_neg_item *a = pa, *b = pb;
	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	return memcmp(a->id, b->id, SZ_NEG_ID_BYTES);
}

int
sz_neg_storage_new(sz_neg_storage **out, size_t max_items)
{
	*out = NULL;
	sz_neg_storage *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return SZ_ERR_NOMEM;
	s->max = max_items != 0 ? max_items : SZ_NEG_DEFAULT_MAX_ITEMS;
	if (s->max > (SIZE_MAX / sizeof(acc256)) - 1)
		s->max = (SIZE_MAX / sizeof(acc256)) - 1;
	*out = s;
	return SZ_OK;
}

void
sz_neg_storage_free(sz_neg_storage *s)
{
	if (s == NULL)
		return;
	free(s->items);
	free(s->prefix);
	free(s);
}

int
sz_neg_storage_insert(sz_neg_storage *s, uint64_t ts, const uint8_t id[static SZ_NEG_ID_BYTES])
{
	if (s->sealed)
		return SZ_ERR_STATE;
	if (ts == SZ_NEG_TS_INFINITY)
		return SZ_ERR_INVALID;
	if (s->n >= s->max)
		return SZ_ERR_LIMIT;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		if (cap > s->max)
			cap = s->max;
		sz_neg_item *p = realloc(s->items, cap * sizeof(*p));
		if (p == NULL)
			return SZ_ERR_NOMEM;
		s->items = p;
		s->cap = cap;
	}
	s->items[s->n].ts = ts;
	memcpy(s->items[s->n].id, id, SZ_NEG_ID_BYTES);
	s->n++;
	return SZ_OK;
}

int
sz_neg_storage_seal(sz_neg_storage *s)
{
	if (s->sealed)
		return SZ_ERR_STATE;
	if (s->n > 1)
		qsort(s->items, s->n, sizeof(*s->items), item_cmp);
	for (size_t i = 1; i < s->n; i++) {
		if (item_cmp(&s->items[i - 1], &s->items[i]) == 0)
			return SZ_ERR_EXISTS;
	}
	acc256 *prefix = malloc((s->n + 1) * sizeof(*prefix));
	if (prefix == NULL)
		return SZ_ERR_NOMEM;
	memset(&prefix[0], 0, sizeof(prefix[0]));
	for (size_t i = 0; i < s->n; i++)
		acc_add_id(&prefix[i + 1], &prefix[i], s->items[i].id);
	free(s->prefix);
	s->prefix = prefix;
	s->sealed = true;
	return SZ_OK;
}

size_t
sz_neg_storage_size(const sz_neg_storage *s)
{
	return s->n;
}

bool
sz_neg_storage_sealed(const sz_neg_storage *s)
{
	return s->sealed;
}

const sz_neg_item *
sz_neg_storage_get(const sz_neg_storage *s, size_t i)
{
	if (!s->sealed || i >= s->n)
		return NULL;
	return &s->items[i];
}

size_t
sz_neg_storage_lower_bound(const sz_neg_storage *s, size_t begin, size_t end, uint64_t ts,
    const uint8_t id[static SZ_NEG_ID_BYTES])
{
	size_t count = end - begin;
	while (count > 0) {
		size_t step = count / 2;
		const sz_neg_item *it = &s->items[begin + step];
		bool below = it->ts != ts ? it->ts < ts : memcmp(it->id, id, SZ_NEG_ID_BYTES) < 0;
		if (below) {
			begin += step + 1;
			count -= step + 1;
		} else {
			count = step;
		}
	}
	return begin;
}

int
sz_neg_storage_fingerprint(const sz_neg_storage *s, size_t begin, size_t end,
    uint8_t fp[static SZ_NEG_FP_BYTES])
{
	memset(fp, 0, SZ_NEG_FP_BYTES);
	if (!s->sealed)
		return SZ_ERR_STATE;
	if (begin > end || end > s->n)
		return SZ_ERR_INVALID;
	acc256 sum;
	acc_sub(&sum, &s->prefix[end], &s->prefix[begin]);
	/* 32 bytes of sum, then the count as a negentropy varint (at most 10 bytes). */
	uint8_t in[SZ_NEG_ID_BYTES + 10];
	for (int i = 0; i < 4; i++)
		sz_store_u64le(in + 8 * i, sum.w[i]);
	uint8_t groups[10];
	size_t ng = 0;
	uint64_t count = (uint64_t)(end - begin);
	do {
		groups[ng++] = count & 0x7f;
		count >>= 7;
	} while (count != 0);
	size_t len = SZ_NEG_ID_BYTES;
	for (size_t i = ng; i-- > 0;)
		in[len++] = (uint8_t)(groups[i] | (i > 0 ? 0x80 : 0));
	uint8_t h[32];
	int r = sz_hash(SZ_HASH_SHA256, h, in, len);
	if (r != SZ_OK)
		return r;
	memcpy(fp, h, SZ_NEG_FP_BYTES);
	return SZ_OK;
}

size_t
sz_neg_storage_mem(const sz_neg_storage *s)
{
	if (s == NULL)
		return 0;
	return sizeof(*s) + s->cap * sizeof(sz_neg_item) + (s->prefix ? (s->n + 1) * sizeof(acc256) : 0);
}
