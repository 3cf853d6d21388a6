/*
 * recon_int.h - what the reconciliation methods of a sync session share; not an API.
 * Layer: sync.  recon.c holds the common steps and the list method, recon_riblt.c the Rateless
 * IBLT method, recon_neg.c the Negentropy method (docs/PROTOCOL.md §8).
 */
#ifndef SZ_SYNC_RECON_INT_H
#define SZ_SYNC_RECON_INT_H

#include "sync/session_int.h"

/* recon.c: this side's ids in the shared scopes, sorted and without repeats, collected once
 * (s->mine, s->mine_ready).  More than cap stops the walk with SZ_ERR_LIMIT, mine left empty. */
SZ_MUST_CHECK int sz_recon_mine_collect_upto(sz_sync *s, size_t cap);
SZ_MUST_CHECK int sz_recon_mine_collect(sz_sync *s); /* cap: limits.max_ids, max_mine */
/* Drop repeated ids from a sorted vector. */
void sz_recon_dedupe(sz_idvec *a);
/* Everything of mine under the shared labels goes, at most cap (sz_transfer_all); *announce
 * gets how many to announce to the peer (at least as many as will be sent). */
SZ_MUST_CHECK int sz_recon_send_all(sz_sync *s, uint64_t cap, uint64_t *announce);
/* Responder: the difference is known (want, outq): DECODED frames, then the transfer. */
SZ_MUST_CHECK int sz_recon_send_decoded(sz_sync *s);

/* recon_riblt.c */
SZ_MUST_CHECK int sz_recon_riblt_start(sz_sync *s);
SZ_MUST_CHECK int sz_recon_on_symbols(sz_sync *s, const sz_frame *f);
/* Initiator: a DECODED frame after RIBLT. */
SZ_MUST_CHECK int sz_recon_riblt_decoded(sz_sync *s, const sz_decoded *d);
/* Responder: did RIBLT recover this id as one only the peer holds? */
bool sz_recon_riblt_wanted(const sz_sync *s, const uint8_t id[32]);
void sz_recon_riblt_free(sz_sync *s);

/* recon_neg.c */
SZ_MUST_CHECK int sz_recon_neg_start(sz_sync *s);
SZ_MUST_CHECK int sz_recon_on_neg(sz_sync *s, const sz_frame *f);
void sz_recon_neg_free(sz_sync *s);

#endif /* SZ_SYNC_RECON_INT_H */
