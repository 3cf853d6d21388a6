/*
 * recon.c - the reconciliation step of a sync session: which envelopes of the shared scopes each
 * side lacks (docs/PROTOCOL.md §8, Reconciliation).  Layer: sync.
 *
 * All three methods end the same way: the decoder (the responder) learns both halves of the
 * difference, sends DECODED (the ids it wants, and how many it will send), and both sides turn
 * to the transfer.  LIST sends every id (48 bytes each with its scope): simple, for small sets
 * and as the fallback.  RIBLT streams coded symbols until the decoder has peeled the difference.
 * Negentropy (compatibility) runs range fingerprints with the responder as its client.  This
 * file holds what they share and the list method; RIBLT is in recon_riblt.c, Negentropy in
 * recon_neg.c.
 */
#include "sync/recon_int.h"
#include "recon/negentropy.h"
#include "recon/riblt_wire.h"

#include <stdlib.h>
#include <string.h>

#define IDS_PER_FRAME 4096

typedef struct collect {
	sz_sync *s;
	const uint8_t *scope;
	size_t cap;      /* stop (SZ_ERR_LIMIT) past this many */
} collect;

static int
collect_one(void *ctx, const uint8_t id[32])
{
	collect *c = ctx;
	if (c->s->mine.n >= c->cap)
		return SZ_ERR_LIMIT;
	return sz_idvec_push(&c->s->mine, id, c->scope);
}

/* Drop repeated ids (an id in two scopes is one envelope). */
void
sz_recon_dedupe(sz_idvec *a)
{
	size_t w = 0;
	for (size_t i = 0; i < a->n; i++)
		if (w == 0 || memcmp(a->v[w - 1].id, a->v[i].id, 32) != 0)
			a->v[w++] = a->v[i];
	a->n = w;
}

/* This side's ids in the shared scopes, sorted: collected once, when first needed (the list
 * method, a salted or compact sketch, or sending everything).  A lent sketch never needs them.
 * More than cap (repeats included) stops the walk with SZ_ERR_LIMIT, leaving mine empty. */
int
sz_recon_mine_collect_upto(sz_sync *s, size_t cap)
{
	int r;
	if (s->mine_ready)
		return SZ_OK;
	for (size_t i = 0; i < s->nshared; i++) {
		collect c = { s, s->shared[i], cap };
		if ((r = s->cfg.hooks.list_ids(s->cfg.hooks.ctx, s->shared[i], collect_one, &c)) != SZ_OK) {
			sz_idvec_free(&s->mine);
			return r;
		}
	}
	sz_idvec_sort(&s->mine);
	sz_recon_dedupe(&s->mine);
	s->mine_ready = true;
	s->st.ids_local = s->mine.n;
	return SZ_OK;
}

int
sz_recon_mine_collect(sz_sync *s)
{
	uint64_t cap = s->cfg.limits.max_ids < s->cfg.limits.max_mine ? s->cfg.limits.max_ids :
	    s->cfg.limits.max_mine;
	return sz_recon_mine_collect_upto(s, (size_t)cap);
}

int
sz_recon_send_all(sz_sync *s, uint64_t cap, uint64_t *announce)
{
	uint64_t total = 0;
	int r = SZ_OK;
	*announce = 0;
	if (s->cfg.hooks.count_ids == NULL) {
		if ((r = sz_transfer_all(s, cap)) == SZ_OK)
			*announce = s->outq.n;
		return r;
	}
	for (size_t i = 0; i < s->nshared && r == SZ_OK; i++) {
		uint64_t k = 0;
		if ((r = s->cfg.hooks.count_ids(s->cfg.hooks.ctx, s->shared[i], &k)) == SZ_OK)
			total += k;
	}
	if (r != SZ_OK)
		return r;
	if (total > cap)
		total = cap;
	if ((r = sz_transfer_all(s, total)) == SZ_OK)
		*announce = total;
	return r;
}

int
sz_recon_start(sz_sync *s)
{
	if (s->method == SZ_RECON_NEGENTROPY)
		return sz_recon_neg_start(s);
	if (s->method == SZ_RECON_RIBLT)
		return sz_recon_riblt_start(s);
	return sz_recon_mine_collect(s);
}

/* The responder knows the difference (want, outq): tell the initiator what to send and how many
 * to expect, in as many DECODED frames as the want list needs (at least one). */
int
sz_recon_send_decoded(sz_sync *s)
{
	sz_idvec *want = &s->want, *outq = &s->outq;
	sz_idvec_sort(want);
	sz_recon_dedupe(want);
	sz_idvec_sort(outq);
	sz_recon_dedupe(outq);
	s->st.to_send = outq->n;
	s->st.to_receive = want->n;
	s->expect = want->n;
	size_t off = 0;
	do {
		size_t k = want->n - off > SZ_IDS_MAX_PER_FRAME ? SZ_IDS_MAX_PER_FRAME : want->n - off;
		size_t at = sz_frame_begin(&s->plain, SZ_FR_DECODED);
		sz_buf_u32(&s->plain, (uint32_t)want->n);
		sz_buf_u32(&s->plain, (uint32_t)outq->n);
		sz_buf_u32(&s->plain, (uint32_t)k);
		for (size_t x = 0; x < k; x++)
			sz_buf_append(&s->plain, want->v[off + x].id, 32);
		sz_frame_end(&s->plain, at);
		s->st.recon_bytes += s->plain.len - at;
		off += k;
	} while (off < want->n);
	if (s->plain.err)
		return SZ_ERR_NOMEM;
	s->decoded = true;
	s->phase = PH_TRANSFER;
	return SZ_OK;
}

/* List method, responder: both sets known: merge them into the two halves of the difference. */
static int
finish_decoding(sz_sync *s)
{
	sz_idvec *want = &s->want, *outq = &s->outq;
	size_t i = 0, j = 0;
	int r;
	sz_idvec_sort(&s->theirs);
	sz_recon_dedupe(&s->theirs);
	s->st.ids_remote = s->theirs.n;
	/* Merge the two sorted lists. */
	while (i < s->mine.n || j < s->theirs.n) {
		int c = i == s->mine.n ? 1 : j == s->theirs.n ? -1 :
		    memcmp(s->mine.v[i].id, s->theirs.v[j].id, 32);
		if (c == 0) {
			i++;
			j++;
		} else if (c < 0) {
			if ((r = sz_idvec_push(outq, s->mine.v[i].id, s->mine.v[i].scope)) != SZ_OK)
				return r;
			i++;
		} else {
			if ((r = sz_idvec_push(want, s->theirs.v[j].id, s->theirs.v[j].scope)) != SZ_OK)
				return r;
			j++;
		}
	}
	sz_idvec_free(&s->theirs);
	return sz_recon_send_decoded(s);
}

static int
on_ids(sz_sync *s, const sz_frame *f)
{
	uint32_t count;
	const uint8_t *recs;
	int r;
	if (s->cfg.role != SZ_NOISE_RESPONDER || s->method != SZ_RECON_LIST || s->list_done)
		return SZ_ERR_PEER;
	if ((r = sz_ids_parse(f->payload, f->len, &count, &recs)) != SZ_OK)
		return r;
	if (s->theirs.n + count > s->cfg.limits.max_ids)
		return SZ_ERR_LIMIT;
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *scope = recs + 48 * i, *id = scope + SZ_SCOPE_BYTES;
		int known = 0;
		for (size_t k = 0; k < s->nshared && !known; k++)
			known = memcmp(s->shared[k], scope, SZ_SCOPE_BYTES) == 0;
		if (!known)
			return SZ_ERR_PEER;
		if ((r = sz_idvec_push(&s->theirs, id, scope)) != SZ_OK)
			return r;
	}
	return SZ_OK;
}

static int
on_decoded(sz_sync *s, const sz_frame *f)
{
	sz_decoded d;
	int r;
	if (s->cfg.role != SZ_NOISE_INITIATOR || s->decoded)
		return SZ_ERR_PEER;
	if ((r = sz_decoded_parse(&d, f->payload, f->len)) != SZ_OK)
		return r;
	if ((d.total_want != SZ_DECODED_ALL && d.total_want > s->cfg.limits.max_ids) ||
	    d.nsend > s->cfg.limits.max_envelopes)
		return SZ_ERR_LIMIT;
	if (s->method == SZ_RECON_RIBLT)
		return sz_recon_riblt_decoded(s, &d);
	/* List and Negentropy: the wanted ids in full, ascending across all DECODED frames, so at
	 * most one of each of ours.  Negentropy's exchange is over once the first one arrives. */
	sz_recon_neg_free(s); /* the exchange is over: no NEG from here on */
	if (d.total_want == SZ_DECODED_ALL || d.total_want > s->mine.n)
		return SZ_ERR_PEER;
	if (s->outq.n == 0 && s->st.to_send == 0) {
		s->st.to_send = d.total_want;
		s->st.to_receive = d.nsend;
		s->expect = d.nsend;
	} else if (d.total_want != s->st.to_send || d.nsend != s->expect) {
		return SZ_ERR_PEER;
	}
	if (s->outq.n + d.count > d.total_want)
		return SZ_ERR_PEER;
	for (uint32_t i = 0; i < d.count; i++) {
		const uint8_t *id = d.want + 32 * i;
		if (s->outq.n > 0 && memcmp(id, s->outq.v[s->outq.n - 1].id, 32) <= 0)
			return SZ_ERR_PEER; /* repeated or out of order */
		const sz_scoped_id *mine = sz_idvec_find(&s->mine, id);
		/* Asked for something we never offered: a confused or hostile peer. */
		if (mine == NULL)
			return SZ_ERR_PEER;
		if ((r = sz_idvec_push(&s->outq, mine->id, mine->scope)) != SZ_OK)
			return r;
	}
	if (s->outq.n == d.total_want) {
		s->decoded = true;
		s->phase = PH_TRANSFER;
	}
	return SZ_OK;
}

int
sz_recon_frame(sz_sync *s, const sz_frame *f)
{
	int r;
	switch (f->type) {
	case SZ_FR_IDS:
		r = on_ids(s, f);
		break;
	case SZ_FR_IDS_END:
		if (s->cfg.role != SZ_NOISE_RESPONDER || s->method != SZ_RECON_LIST || s->list_done ||
		    f->len != 0)
			r = SZ_ERR_PEER;
		else {
			s->list_done = true;
			r = finish_decoding(s);
		}
		break;
	case SZ_FR_DECODED:
		r = on_decoded(s, f);
		break;
	case SZ_FR_SYMBOLS:
		r = sz_recon_on_symbols(s, f);
		break;
	case SZ_FR_NEG:
		r = sz_recon_on_neg(s, f);
		break;
	default:
		r = SZ_ERR_PEER;
	}
	if (r != SZ_OK)
		return sz_sync_fail(s, r, "reconciliation failed");
	return SZ_OK;
}

void
sz_recon_free(sz_sync *s)
{
	sz_recon_riblt_free(s);
	sz_recon_neg_free(s);
}

size_t
sz_recon_mem(const sz_sync *s)
{
	return (s->sketch_lent ? 0 : sz_riblt_sketch_mem(s->sketch)) + s->ntags * 16 +
	    sz_riblt_sender_mem(s->rsend) + sz_riblt_receiver_mem(s->rrecv) +
	    sz_neg_storage_mem(s->nstore) + sz_neg_mem(s->neg);
}

bool
sz_recon_wanted(const sz_sync *s, const uint8_t id[32])
{
	if (s->want_all)
		return true;
	if (s->want_pfx != NULL)
		return sz_recon_riblt_wanted(s, id);
	return sz_idvec_find(&s->want, id) != NULL;
}

int
sz_recon_pump(sz_sync *s)
{
	if (s->method != SZ_RECON_LIST || s->cfg.role != SZ_NOISE_INITIATOR || s->list_done)
		return SZ_OK;
	/* A frame's worth at a time, and only while the peer keeps reading. */
	while (s->list_off < s->mine.n && s->plain.len < (1u << 20) &&
	    s->wire.len - s->wire_off < SZ_SYNC_OUT_HIGH / 4) {
		size_t k = s->mine.n - s->list_off;
		if (k > IDS_PER_FRAME)
			k = IDS_PER_FRAME;
		size_t at = sz_frame_begin(&s->plain, SZ_FR_IDS);
		sz_buf_u32(&s->plain, (uint32_t)k);
		for (size_t i = 0; i < k; i++) {
			const sz_scoped_id *x = &s->mine.v[s->list_off + i];
			sz_buf_append(&s->plain, x->scope, SZ_SCOPE_BYTES);
			sz_buf_append(&s->plain, x->id, 32);
		}
		sz_frame_end(&s->plain, at);
		s->st.recon_bytes += s->plain.len - at;
		s->list_off += k;
	}
	if (s->list_off == s->mine.n) {
		sz_sync_send(s, SZ_FR_IDS_END, NULL, 0);
		s->list_done = true;
	}
	return s->plain.err ? SZ_ERR_NOMEM : SZ_OK;
}
