/*
 * anon.c - anonymous entries in a cell: ballots and pledges, sealed with no sender.
 * Layer: cell.  A post travels under its author's own message chain, so every member learns who
 * sent it; a ballot or a pledge must not (its ring signature would protect nothing).  These are
 * sealed under an epoch key every member holds alike, with no sender field, and their entry is
 * authored by a one-time key (src/decide).  The price: no forward secrecy beyond the epoch.
 * Which epoch matters too: my newest may be known to only a few members yet, and a seal under
 * it would single them out.  So the seal is the newest epoch that every current member is
 * known to hold: clean (no removed member holds it), covering (every current member was given
 * it) and acknowledged (every member that got its seed has folded it).
 */
#include <stdlib.h>
#include <string.h>

#include "cell/cell_int.h"
#include "wire/entry.h"

static int
anon_kind(uint8_t kind)
{
	return kind == SZ_KIND_BALLOT || kind == SZ_KIND_PLEDGE;
}

static const cell_epoch *
anon_epoch(const sz_cell *c, int late)
{
	cell_mset rem, mem;
	const cell_epoch *best = NULL;
	sz_cellm_removed(c, &c->processed, &rem);
	sz_cellm_members(c, &c->processed, &mem);
	for (int i = 0; i < CELL_EPOCHS; i++) {
		const cell_epoch *ep = &c->ep[i];
		int ok = ep->used && (ep->acked || late);
		for (int w = 0; w < CELL_MW && ok; w++)
			ok = !(ep->holders.w[w] & rem.w[w]) && !(mem.w[w] & ~ep->holders.w[w]);
		if (ok && (best == NULL || ep->order > best->order))
			best = ep;
	}
	return best;
}

int
sz_cell_anon_scope(const sz_cell *c, uint8_t scope[static 16])
{
	memset(scope, 0, 16);
	if (c->status != SZ_CELL_ACTIVE)
		return SZ_ERR_STATE;
	const cell_epoch *ep = anon_epoch(c, 0);
	if (ep == NULL)
		return SZ_ERR_AGAIN;
	memcpy(scope, ep->scope, 16);
	return SZ_OK;
}

static int
post_anonymous(sz_cell *c, const uint8_t *entry, size_t len, int late, sz_cell_result *res)
{
	sz_entry e;
	int r;
	if (c->status != SZ_CELL_ACTIVE)
		return SZ_ERR_STATE;
	if ((r = sz_entry_decode(&e, NULL, entry, len, 0)) != SZ_OK)
		return r;
	if (!anon_kind(e.kind))
		return SZ_ERR_INVALID;
	const cell_epoch *ep = anon_epoch(c, 0);
	if (ep == NULL && late)
		ep = anon_epoch(c, 1);
	if (ep == NULL)
		return SZ_ERR_AGAIN;
	uint8_t *pt = malloc(1 + len);
	if (pt == NULL)
		return SZ_ERR_NOMEM;
	pt[0] = SEAL_ANON;
	memcpy(pt + 1, entry, len);
	r = sz_cell_seal_epoch(c, ep, pt, 1 + len, res);
	free(pt);
	return r;
}

int
sz_cell_post_anonymous(sz_cell *c, const uint8_t *entry, size_t len, sz_cell_result *res)
{
	return post_anonymous(c, entry, len, 0, res);
}

int
sz_cell_post_anonymous_late(sz_cell *c, const uint8_t *entry, size_t len, sz_cell_result *res)
{
	return post_anonymous(c, entry, len, 1, res);
}

int
sz_cell_receive_anon(sz_cell *c, const uint8_t *pt, size_t len, sz_cell_result *res,
    const char **why)
{
	sz_cell_event ev;
	sz_entry e;
	int r;
	(void)c;
	memset(&ev, 0, sizeof ev);
	if ((r = sz_entry_decode(&e, ev.entry_id, pt + 1, len - 1, 0)) != SZ_OK) {
		*why = "anonymous entry does not decode or verify";
		return r;
	}
	if (!anon_kind(e.kind)) {
		*why = "only ballots and pledges travel without a sender";
		return SZ_ERR_DENIED;
	}
	if ((ev.entry = malloc(len - 1)) == NULL)
		return SZ_ERR_NOMEM;
	memcpy(ev.entry, pt + 1, len - 1);
	ev.type = SZ_CELL_EV_MESSAGE;
	ev.kind = e.kind;
	ev.entry_len = len - 1;
	ev.body = ev.entry + (e.body - (pt + 1));
	ev.body_len = e.body_len;
	/* decoded from the plaintext, kept pointing into the copy */
	ev.dec = e;
	ev.dec.body = ev.body;
	if (e.parents != NULL)
		ev.dec.parents = ev.entry + (e.parents - (pt + 1));
	/* ev.actor stays zero: no member is named. */
	if ((r = sz_cell_event_push(res, &ev)) != SZ_OK)
		free(ev.entry);
	return r;
}
