/*
 * idvec.c - arrays of scoped ids (see idvec.h).
 * Layer: lib.
 */
#include "lib/idvec.h"

#include <stdlib.h>
#include <string.h>

int
sz_idvec_push(sz_idvec *a, const uint8_t id[32], const uint8_t scope[16])
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 256;
		sz_scoped_id *v = realloc(a->v, cap * sizeof *v);
		if (v == NULL)
			return SZ_ERR_NOMEM;
		a->v = v;
		a->cap = cap;
	}
	memcpy(a->v[a->n].id, id, 32);
	memcpy(a->v[a->n].scope, scope, 16);
	a->n++;
	return SZ_OK;
}

static int
cmp_sid(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

void
sz_idvec_sort(sz_idvec *a)
{
	if (a->n > 1)
		qsort(a->v, a->n, sizeof *a->v, cmp_sid);
}

const sz_scoped_id *
sz_idvec_find(const sz_idvec *a, const uint8_t id[32])
{
	return sz_idvec_find_prefix(a, id, 32);
}

const sz_scoped_id *
sz_idvec_find_prefix(const sz_idvec *a, const uint8_t *prefix, size_t len)
{
	size_t lo = 0, hi = a->n;
	if (len > 32)
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(a->v[mid].id, prefix, len);
		if (c == 0)
			return &a->v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void
sz_idvec_free(sz_idvec *a)
{
	free(a->v);
	memset(a, 0, sizeof *a);
}

