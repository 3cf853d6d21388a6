/*
 * bundle_keys.c - secrets for courier bundles addressed to "whoever is in this cell now".
 * Layer: cell.  Derived from the epoch secrets no removed member was ever given, newest first,
 * so a member one or two epochs behind can still open a bundle and a removed one cannot.
 */
#include <string.h>

#include "cell/cell_int.h"
#include "crypto/crypto.h"

int
sz_cell_bundle_secrets(const sz_cell *c, uint8_t (*secrets)[32], size_t max, size_t *n)
{
	static const uint8_t info[] = "samizdat cell bundle secret v1";
	const cell_epoch *pick[CELL_EPOCHS];
	size_t k = 0;
	cell_mset rem;
	*n = 0;
	if (c->status != SZ_CELL_ACTIVE)
		return SZ_ERR_NOT_MEMBER;
	sz_cellm_removed(c, &c->processed, &rem);
	for (int i = 0; i < CELL_EPOCHS; i++) {
		const cell_epoch *ep = &c->ep[i];
		int clean = ep->used;
		for (int w = 0; clean && w < CELL_MW; w++)
			if (ep->holders.w[w] & rem.w[w])
				clean = 0;
		if (clean)
			pick[k++] = ep;
	}
	/* Newest first (insertion sort: at most CELL_EPOCHS). */
	for (size_t i = 1; i < k; i++)
		for (size_t j = i; j > 0 && pick[j]->order > pick[j - 1]->order; j--) {
			const cell_epoch *t = pick[j];
			pick[j] = pick[j - 1];
			pick[j - 1] = t;
		}
	for (size_t i = 0; i < k && *n < max; i++) {
		int r = sz_hkdf(SZ_HASH_SHA256, secrets[*n], 32, NULL, 0, pick[i]->e, 32, info,
		    sizeof info - 1);
		if (r != SZ_OK)
			return r;
		(*n)++;
	}
	return SZ_OK;
}
