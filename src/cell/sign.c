/*
 * sign.c - two things the decide wiring (src/app/node_*.c) asks of a cell beyond sealing: a
 * signature by my current cell signing key over a domain-separated message (in-cell
 * co-signatures), and whether an epoch is clean (no member removed in my view holds it).
 * Layer: cell.  Adds to the cell API without changing it.
 */
#include <string.h>

#include "cell/cell_int.h"
#include "crypto/crypto.h"
#include "crypto/edtweak.h"

/* Only messages of the decide layer's contexts: an entry signature covers "samizdat entry v1"
 * and a control op's binding hash another string, so nothing signed here can pass for them. */
#define SIGN_PREFIX "samizdat-v1-"

int
sz_cell_sign(const sz_cell *c, const uint8_t *msg, size_t len, uint8_t sig[static 64],
    uint8_t pk[static 32])
{
	memset(sig, 0, 64);
	memset(pk, 0, 32);
	if (msg == NULL || len < sizeof SIGN_PREFIX - 1 ||
	    memcmp(msg, SIGN_PREFIX, sizeof SIGN_PREFIX - 1) != 0)
		return SZ_ERR_INVALID;
	if (c->status != SZ_CELL_ACTIVE || !c->send.used)
		return SZ_ERR_STATE;
	/* The key my next post is authored by: my csk, shifted by the tweak of the window that post
	 * will carry when I owe or announced acks since my last op (docs/PROTOCOL.md §11 §4.1). */
	uint8_t t[32];
	int tweaked, r = sz_cellf_post_tweak(c, t, &tweaked);
	if (r == SZ_OK && tweaked)
		r = sz_edtweak_sign(sig, pk, msg, len, c->csk_sk, t);
	else if (r == SZ_OK && (r = sz_sign(sig, msg, len, c->csk_sk)) == SZ_OK)
		memcpy(pk, c->csk_sk + 32, 32);
	sz_wipe(t, sizeof t);
	if (r != SZ_OK) {
		memset(sig, 0, 64);
		memset(pk, 0, 32);
	}
	return r;
}

int
sz_cell_scope_clean(const sz_cell *c, const uint8_t scope[static 16], int *clean)
{
	cell_mset rem;
	*clean = 0;
	for (int i = 0; i < CELL_EPOCHS; i++) {
		const cell_epoch *ep = &c->ep[i];
		if (!ep->used || memcmp(ep->scope, scope, 16) != 0)
			continue;
		sz_cellm_removed(c, &c->processed, &rem);
		int ok = 1;
		for (int w = 0; w < CELL_MW; w++)
			if (ep->holders.w[w] & rem.w[w])
				ok = 0;
		*clean = ok;
		return SZ_OK;
	}
	return SZ_ERR_NOT_FOUND;
}
