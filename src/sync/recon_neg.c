/*
 * recon_neg.c - Negentropy v1 as a sync method, for peers without RIBLT (docs/PROTOCOL.md §8, the
 * protocol in §7).  Layer: sync.
 */
#include "sync/recon_int.h"

#include "recon/negentropy.h"

/* Both sides put their ids of the shared scopes into a Negentropy storage, every timestamp 0
 * (envelopes carry none in clear; the order is then by id).  The responder is the client: it
 * initiates, the initiator answers, and when the client's reconcile reports done the responder
 * knows both halves of the difference and answers DECODED as the list method does. */

#define NEG_FRAME_LIMIT (512u * 1024) /* our messages; a frame holds up to SZ_FRAME_MAX */
#define NEG_MAX_SESSION (256u << 20)  /* bytes both ways; a full listing of 4M ids is 128 MiB */
#define NEG_MAX_ROUNDS 1024u          /* messages taken, either role */

int
sz_recon_neg_start(sz_sync *s)
{
	int r = sz_recon_mine_collect(s);
	if (r == SZ_OK)
		r = sz_neg_storage_new(&s->nstore, s->mine.n ? s->mine.n : 1);
	for (size_t i = 0; i < s->mine.n && r == SZ_OK; i++)
		r = sz_neg_storage_insert(s->nstore, 0, s->mine.v[i].id);
	if (r == SZ_OK)
		r = sz_neg_storage_seal(s->nstore);
	sz_neg_config nc = {
		.frame_size_limit = NEG_FRAME_LIMIT,
		.max_message = SZ_FRAME_MAX,
		.max_session = s->cfg.limits.max_bytes_in < NEG_MAX_SESSION ?
		    s->cfg.limits.max_bytes_in : NEG_MAX_SESSION,
		.max_rounds = NEG_MAX_ROUNDS,
		.max_reported = 2 * s->cfg.limits.max_ids,
	};
	if (r == SZ_OK)
		r = sz_neg_new(&s->neg, s->nstore, &nc);
	if (r != SZ_OK || s->cfg.role != SZ_NOISE_RESPONDER)
		return r; /* the initiator answers the responder's first message */
	sz_buf m = { 0 };
	if ((r = sz_neg_initiate(s->neg, &m)) == SZ_OK) {
		sz_sync_send(s, SZ_FR_NEG, m.p, m.len);
		s->neg_wait = true;
	}
	sz_buf_free(&m);
	return r;
}

/* Responder: Negentropy is done: the ids to want and to send, then DECODED. */
static int
neg_settle(sz_sync *s)
{
	int r = SZ_OK;
	/* need holds at most max_ids ids (its buffer's bound), repeats included */
	for (size_t off = 0; off + 32 <= s->neg_need.len && r == SZ_OK; off += 32) {
		static const uint8_t unknown[SZ_SCOPE_BYTES]; /* checked on arrival, as any envelope */
		r = sz_idvec_push(&s->want, s->neg_need.p + off, unknown);
	}
	for (size_t off = 0; off + 32 <= s->neg_have.len && r == SZ_OK; off += 32) {
		const sz_scoped_id *x = sz_idvec_find(&s->mine, s->neg_have.p + off);
		if (x == NULL)
			return SZ_ERR_INTERNAL; /* it reports only ids of its storage, which is mine */
		r = sz_idvec_push(&s->outq, x->id, x->scope);
	}
	sz_buf_free(&s->neg_have);
	sz_buf_free(&s->neg_need);
	sz_neg_free(s->neg);
	s->neg = NULL;
	return r == SZ_OK ? sz_recon_send_decoded(s) : r;
}

int
sz_recon_on_neg(sz_sync *s, const sz_frame *f)
{
	sz_buf out = { 0 };
	int r;
	if (s->method != SZ_RECON_NEGENTROPY || s->decoded || s->neg == NULL)
		return SZ_ERR_PEER;
	if (s->cfg.role == SZ_NOISE_INITIATOR) {
		if ((r = sz_neg_respond(s->neg, f->payload, f->len, &out)) == SZ_OK)
			sz_sync_send(s, SZ_FR_NEG, out.p, out.len);
		sz_buf_free(&out);
		return r;
	}
	/* The client speaks, then waits for one answer. */
	if (!s->neg_wait)
		return SZ_ERR_PEER;
	s->neg_wait = false;
	bool done = false;
	s->neg_have.max = s->neg_need.max = 32 * s->cfg.limits.max_ids;
	r = sz_neg_reconcile(s->neg, f->payload, f->len, &out, &s->neg_have, &s->neg_need, &done);
	if (r == SZ_OK && !done) {
		sz_sync_send(s, SZ_FR_NEG, out.p, out.len);
		s->neg_wait = true;
	}
	sz_buf_free(&out);
	if (r != SZ_OK)
		return r;
	return done ? neg_settle(s) : SZ_OK;
}

void
sz_recon_neg_free(sz_sync *s)
{
	sz_neg_free(s->neg);
	sz_neg_storage_free(s->nstore);
	sz_buf_free(&s->neg_have);
	sz_buf_free(&s->neg_need);
	s->neg = NULL;
	s->nstore = NULL;
	s->neg_wait = false;
}
