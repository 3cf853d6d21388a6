/*
 * idvec.h - growable arrays of (32-byte id, 16-byte scope), sorted and searched by id.
 * Layer: lib.  Reconciliation, transfer queues and bundle summaries all keep sets of ids this way.
 */
#ifndef SZ_LIB_IDVEC_H
#define SZ_LIB_IDVEC_H

#include <stddef.h>
#include <stdint.h>

#include "samizdat.h"

/* One id with its scope; arrays of these are kept sorted by id. */
typedef struct sz_scoped_id {
	uint8_t id[32];
	uint8_t scope[16];
} sz_scoped_id;

typedef struct sz_idvec {
	sz_scoped_id *v;
	size_t n, cap;
} sz_idvec;

int sz_idvec_push(sz_idvec *a, const uint8_t id[32], const uint8_t scope[16]);
void sz_idvec_sort(sz_idvec *a);
/* Binary search in a sorted vector; NULL if absent. */
const sz_scoped_id *sz_idvec_find(const sz_idvec *a, const uint8_t id[32]);
/* The same, matching only the first len (<= 32) bytes of the id: one of the matches. */
const sz_scoped_id *sz_idvec_find_prefix(const sz_idvec *a, const uint8_t *prefix, size_t len);
void sz_idvec_free(sz_idvec *a);

#endif /* SZ_LIB_IDVEC_H */
