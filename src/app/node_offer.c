/*
 * node_offer.c - what a node offers in a sync's HELLO, and what the labels it shares stand for
 * (docs/PROTOCOL.md §8, Which labels are shared).  Layer: app.
 *
 * A cell's envelopes are offered only to its current members: for each other member M, one token
 * keyed by a pair key only M and I can compute (an X25519 of our identity keys' twins), standing
 * for the cell's sync label.  A removed member, a relay or a prober holding every old scope tag
 * matches none of them; two members match whatever epoch each is at.  The public leaflet scope is
 * offered under its own tag and is its own label.  No other token is ever offered.
 */
#include "app/node_int.h"

#include <stdlib.h>
#include <string.h>

#include "cell/cell.h"
#include "crypto/crypto.h"
#include "sync/frame.h"
#include "wire/envelope.h"

int
sz_node_cell_label(const sz_cell *c, uint8_t label[16])
{
	static const char text[] = "samizdat sync cell label v1";
	uint8_t h[32];
	int r = sz_blake2b(h, sizeof h, (const uint8_t *)text, sizeof text - 1, sz_cell_id(c), 32);
	memcpy(label, h, 16);
	return r;
}

int
sz_node_pair_key(const uint8_t xsk[32], const uint8_t a[32], const uint8_t b[32],
    const uint8_t cell_id[32], uint8_t key[32])
{
	static const char salt[] = "samizdat sync pair v1";
	uint8_t bx[32], dh[32], info[96];
	int r;
	memset(key, 0, 32);
	bool a_low = memcmp(a, b, 32) < 0;
	memcpy(info, cell_id, 32);
	memcpy(info + 32, a_low ? a : b, 32);
	memcpy(info + 64, a_low ? b : a, 32);
	if ((r = sz_sign_pk_to_dh(bx, b)) != SZ_OK)
		goto out;
	if ((r = sz_dh(dh, xsk, bx)) != SZ_OK)
		goto out;
	r = sz_hkdf(SZ_HASH_SHA256, key, 32, (const uint8_t *)salt, sizeof salt - 1, dh, sizeof dh,
	    info, sizeof info);
out:
	sz_wipe(dh, sizeof dh);
	return r;
}

static int
cmp_pair(const void *a, const void *b)
{
	return memcmp(((const sz_node_pairkey *)a)->id, ((const sz_node_pairkey *)b)->id, 32);
}

/* Bring nc's pair keys in line with its current members: a key already made for a member is
 * kept (the key depends only on the cell and the two identities), one for a new member is made
 * (one DH), one for a member gone is wiped.  A member whose key cannot be made (not a point) is
 * left out. */
static int
pairs_refresh(sz_node *n, sz_node_cell *nc)
{
	uint8_t (*ids)[32] = NULL;
	sz_node_pairkey *next = NULL;
	size_t m = 0, k = 0;
	int r = SZ_ERR_NOMEM;
	if (!sz_node_cell_syncs(n, nc)) {
		r = SZ_OK;
		goto out; /* no members to offer: next stays empty */
	}
	if ((ids = calloc(256, 32)) == NULL)
		goto out;
	if ((r = sz_cell_members(nc->cell, ids, 256, &m)) != SZ_OK)
		goto out;
	/* Nothing changed (the usual case): keep them as they are. */
	size_t others = 0;
	for (size_t i = 0; i < m; i++)
		others += memcmp(ids[i], n->id_pk, 32) != 0;
	if (nc->pairs != NULL && others == nc->npairs) {
		bool same = true;
		for (size_t i = 0, j = 0; i < m && same; i++) {
			if (memcmp(ids[i], n->id_pk, 32) == 0)
				continue;
			same = memcmp(ids[i], nc->pairs[j++].id, 32) == 0;
		}
		if (same) {
			r = SZ_OK;
			free(ids);
			return r;
		}
	}
	if ((next = sz_secret_alloc((others ? others : 1) * sizeof *next)) == NULL) {
		r = SZ_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < m; i++) {
		if (memcmp(ids[i], n->id_pk, 32) == 0)
			continue;
		sz_node_pairkey probe, *had = NULL;
		memcpy(probe.id, ids[i], 32);
		if (nc->pairs != NULL)
			had = bsearch(&probe, nc->pairs, nc->npairs, sizeof *nc->pairs, cmp_pair);
		memcpy(next[k].id, ids[i], 32);
		if (had != NULL)
			memcpy(next[k].key, had->key, 32);
		else if (sz_node_pair_key(n->id_xsk, n->id_pk, ids[i], sz_cell_id(nc->cell),
		    next[k].key) != SZ_OK)
			continue; /* not a usable key: no token for it */
		k++;
	}
	r = SZ_OK;
out:
	/* ids come sorted from the cell, so next is sorted too */
	sz_secret_free(nc->pairs);
	nc->pairs = next;
	nc->npairs = next != NULL ? k : 0;
	free(ids);
	return r;
}

int
sz_node_offers(sz_node *n, sz_sync_pair **pairs, size_t *npairs)
{
	size_t total = 0, k = 0;
	int r = SZ_OK;
	*pairs = NULL;
	*npairs = 0;
	for (size_t i = 0; i < n->ncells && r == SZ_OK; i++)
		if ((r = pairs_refresh(n, &n->cells[i])) == SZ_OK)
			total += n->cells[i].npairs;
	if (r != SZ_OK)
		return r;
	/* The public scope takes one token; past the HELLO's bound the last cells' members are not
	 * offered (64 cells of 64 members would need more). */
	if (total > SZ_HELLO_MAX_TOKENS - 1)
		total = SZ_HELLO_MAX_TOKENS - 1;
	sz_sync_pair *p = sz_secret_alloc((total ? total : 1) * sizeof *p);
	if (p == NULL)
		return SZ_ERR_NOMEM;
	for (size_t i = 0; i < n->ncells; i++) {
		const sz_node_cell *nc = &n->cells[i];
		for (size_t j = 0; j < nc->npairs && k < total; j++, k++) {
			memcpy(p[k].key, nc->pairs[j].key, 32);
			memcpy(p[k].label, nc->label, 16);
		}
	}
	*pairs = p;
	*npairs = k;
	return SZ_OK;
}

void
sz_node_pairs_free(sz_node *n)
{
	for (size_t i = 0; i < n->ncells; i++) {
		sz_secret_free(n->cells[i].pairs);
		n->cells[i].pairs = NULL;
		n->cells[i].npairs = 0;
	}
}

static bool
in_scopes(const sz_node_cell *nc, const uint8_t scope[16])
{
	for (size_t i = 0; i < nc->nscopes; i++)
		if (memcmp(nc->scopes[i], scope, 16) == 0)
			return true;
	return false;
}

int
sz_node_scope_label(sz_node *n, const uint8_t scope[16], uint8_t label[16])
{
	uint8_t pub[SZ_SCOPE_BYTES];
	sz_env_public_scope(pub);
	if (memcmp(scope, pub, 16) == 0) {
		memcpy(label, pub, 16);
		return SZ_OK;
	}
	for (size_t i = 0; i < n->ncells; i++) {
		const sz_node_cell *nc = &n->cells[i];
		bool mine = sz_cell_status(nc->cell) == SZ_CELL_ACTIVE ? sz_cell_owns(nc->cell, scope) :
		    sz_node_cell_syncs(n, nc) && in_scopes(nc, scope);
		if (mine) {
			memcpy(label, nc->label, 16);
			return SZ_OK;
		}
	}
	return SZ_ERR_NOT_FOUND;
}

int
sz_node_label_scopes(sz_node *n, const uint8_t label[16], uint8_t (*sc)[16], size_t max,
    size_t *k)
{
	uint8_t pub[SZ_SCOPE_BYTES];
	*k = 0;
	sz_env_public_scope(pub);
	if (memcmp(label, pub, 16) == 0) {
		if (max > 0)
			memcpy(sc[(*k)++], pub, 16);
		return SZ_OK;
	}
	for (size_t i = 0; i < n->ncells; i++) {
		const sz_node_cell *nc = &n->cells[i];
		if (!sz_node_cell_syncs(n, nc) || memcmp(nc->label, label, 16) != 0)
			continue;
		if (sz_cell_status(nc->cell) == SZ_CELL_ACTIVE)
			return sz_cell_scopes(nc->cell, sc, max, k);
		for (size_t j = 0; j < nc->nscopes && *k < max; j++) /* parting: what it held */
			memcpy(sc[(*k)++], nc->scopes[j], 16);
		return SZ_OK;
	}
	return SZ_ERR_NOT_FOUND;
}
