/*
 * transfer.c - a sync session's transfer of envelopes: ENVELOPES batches out while the peer keeps
 * up, batches in handed to the store hook (one transaction each; a full one held, checked ahead,
 * until the next arrives, so that its checks overlap the commit of the one before), ACK and FIN
 * (docs/PROTOCOL.md §8, Transfer).  Layer: sync.  The link and the frames are session.c's.
 */
#include "sync/recon_int.h"

#include <stdlib.h>
#include <string.h>

#define OUT_HIGH (2u << 20)     /* stop producing when this much waits to be sent */
/* A batch is what the receiver stores in one transaction (PROTOCOL.md §8, Transfer): large
 * enough that the commit's fsyncs cost little per envelope, small enough that a session's
 * buffers stay a few MiB. */
#define BATCH_BYTES (1u << 20)
#define BATCH_MAX SZ_BATCH_MAX_ENVELOPES
#define MAX_UNACKED 2

/* Ids taken per page when everything goes: a quarter of a batch, so that the node can read a
 * page's envelopes with it (256 KiB of small ones: node_sync.c) within its memory budget. */
#define PAGE (SZ_BATCH_MAX_ENVELOPES / 4)

typedef struct collect_all {
	sz_sync *s;
	const uint8_t *label;
	uint64_t cap;
} collect_all;

static int
collect_one(void *ctx, const uint8_t id[32])
{
	collect_all *c = ctx;
	if (c->s->outq.n >= c->cap)
		return SZ_OK; /* announced no more than this */
	if (c->s->outq.n >= c->s->cfg.limits.max_mine)
		return SZ_ERR_LIMIT;
	return sz_idvec_push(&c->s->outq, id, c->label);
}

int
sz_transfer_all(sz_sync *s, uint64_t cap)
{
	int r = SZ_OK;
	s->outq.n = 0;
	s->out_next = 0;
	if (s->cfg.hooks.list_page != NULL) {
		/* A page at a time (sz_transfer_pump): memory for one page, whatever the set's size. */
		s->all = true;
		s->all_left = cap;
		s->all_label = 0;
		memset(s->all_cursor, 0, sizeof s->all_cursor);
		return SZ_OK;
	}
	/* All at once, as many as the session may hold. */
	for (size_t i = 0; i < s->nshared && r == SZ_OK; i++) {
		collect_all c = { s, s->shared[i], cap };
		r = s->cfg.hooks.list_ids(s->cfg.hooks.ctx, s->shared[i], collect_one, &c);
	}
	if (r == SZ_OK) {
		sz_idvec_sort(&s->outq);
		sz_recon_dedupe(&s->outq);
	}
	return r;
}

uint64_t
sz_transfer_left(const sz_sync *s)
{
	return (s->outq.n - s->out_next) + (s->all ? s->all_left : 0);
}

/* Everything goes and the page is sent: take the next one (empty when every label is done). */
static int
next_page(sz_sync *s)
{
	uint8_t (*ids)[32] = NULL;
	int r = SZ_OK;
	s->outq.n = 0;
	s->out_next = 0;
	while (s->all_left > 0 && s->all_label < s->nshared && s->outq.n == 0) {
		size_t want = s->all_left < PAGE ? (size_t)s->all_left : PAGE, k = 0;
		if (ids == NULL && (ids = malloc(PAGE * 32)) == NULL)
			return SZ_ERR_NOMEM;
		const uint8_t *label = s->shared[s->all_label];
		if ((r = s->cfg.hooks.list_page(s->cfg.hooks.ctx, label, s->all_cursor, want, ids, &k))
		    != SZ_OK)
			break;
		if (k > want)
			k = want;
		for (size_t i = 0; i < k && r == SZ_OK; i++)
			r = sz_idvec_push(&s->outq, ids[i], label);
		s->all_left -= k;
		if (k < want) { /* this label is done */
			s->all_label++;
			memset(s->all_cursor, 0, sizeof s->all_cursor);
		}
	}
	if (s->all_left == 0 || s->all_label >= s->nshared) {
		s->all = false;
		s->all_left = 0;
	}
	free(ids);
	return r;
}

/* Send envelope batches while the peer keeps up, then FIN once everything is acknowledged. */
int
sz_transfer_pump(sz_sync *s)
{
	int r;
	if (s->all && s->out_next >= s->outq.n && (r = next_page(s)) != SZ_OK)
		return r;
	while (s->phase == PH_TRANSFER && s->out_next < s->outq.n && s->unacked < MAX_UNACKED &&
	    s->wire.len - s->wire_off < OUT_HIGH) {
		size_t at = sz_frame_begin(&s->plain, SZ_FR_ENVELOPES);
		size_t cnt_at = s->plain.len;
		uint16_t count = 0;
		size_t bytes = 0;
		sz_buf_u16(&s->plain, 0);
		while (s->out_next < s->outq.n && count < BATCH_MAX && bytes < BATCH_BYTES) {
			uint8_t *env = NULL;
			size_t len = 0;
			r = s->cfg.hooks.get(s->cfg.hooks.ctx, s->outq.v[s->out_next].id, &env, &len);
			s->out_next++;
			/* A page used up while everything goes: the next one continues the batch. */
			if (s->all && s->out_next >= s->outq.n) {
				int nr = next_page(s);
				if (nr != SZ_OK) {
					free(env);
					return nr;
				}
			}
			if (r != SZ_OK)
				continue; /* deleted meanwhile: the peer simply does not get it */
			sz_buf_u32(&s->plain, (uint32_t)len);
			sz_buf_append(&s->plain, env, len);
			free(env);
			count++;
			bytes += len;
		}
		if (count == 0) {
			s->plain.len = at;
			if (s->out_next < s->outq.n)
				continue; /* a page that was all deleted meanwhile: the next one */
			break;
		}
		if (s->plain.err)
			return SZ_ERR_NOMEM;
		sz_store_u16(s->plain.p + cnt_at, count);
		sz_frame_end(&s->plain, at);
		s->unacked++;
		s->st.sent += count;
		if ((r = sz_sync_flush(s)) != SZ_OK)
			return r;
	}
	if (s->phase == PH_TRANSFER && !s->fin_sent && s->out_next >= s->outq.n && !s->all &&
	    s->unacked == 0) {
		sz_buf b = { 0 };
		sz_buf_u64(&b, s->st.sent);
		sz_sync_send(s, SZ_FR_FIN, b.p, b.len);
		sz_buf_free(&b);
		s->fin_sent = true;
	}
	if (s->fin_sent && s->fin_received && s->status == SZ_SYNC_RUNNING) {
		s->phase = PH_END;
		s->status = SZ_SYNC_DONE;
	}
	return SZ_OK;
}

/* A batch received.  Held past its frame (a full one, checked ahead: docs/PROTOCOL.md §8,
 * Transfer), it owns a copy of the frame's payload, which envs point into. */
struct sz_batch_in {
	const uint8_t *envs[SZ_BATCH_MAX_ENVELOPES];
	size_t lens[SZ_BATCH_MAX_ENVELOPES];
	uint8_t ids[SZ_BATCH_MAX_ENVELOPES][32];
	int results[SZ_BATCH_MAX_ENVELOPES];
	size_t n;
	size_t unasked;  /* dropped: not asked for, but possibly named by a 32-bit want */
	size_t bytes;    /* of every envelope the peer put in it, taken or dropped */
	uint8_t *copy;
	size_t copy_len;
	void *checked;   /* hooks.check's handle */
	sz_sync *s;
};

static int
batch_add(void *ctx, const uint8_t *env, size_t len)
{
	sz_batch_in *b = ctx;
	sz_sync *s = b->s;
	uint8_t *id = b->ids[b->n];
	b->bytes += len;
	/* Hashed once here, handed down with the envelope. */
	if (sz_env_id(id, env, len) != SZ_OK)
		return SZ_ERR_INTERNAL;
	/* Only envelopes that were asked for (or announced) are taken; whether each belongs under
	 * a shared label is the node's to say (the store hook), since labels are not scopes. */
	if (s->cfg.role == SZ_NOISE_RESPONDER) {
		if (!sz_recon_wanted(s, id)) {
			/* RIBLT's DONE names wanted ids by 32 bits of their hash, so the peer may send
			 * an id that shares them (N/2^32 a want): dropped, not stored.  Anything else
			 * nobody asked for is a protocol violation. */
			if (sz_recon_unasked(s, id) != SZ_OK)
				return SZ_ERR_PEER;
			b->unasked++;
			return SZ_OK;
		}
	}
	b->envs[b->n] = env;
	b->lens[b->n] = len;
	b->n++;
	return SZ_OK;
}

static void
batch_free(sz_sync *s, sz_batch_in *b)
{
	if (b == NULL)
		return;
	if (b->checked != NULL)
		s->cfg.hooks.drop(s->cfg.hooks.ctx, b->checked);
	free(b->copy);
	free(b);
}

/* Store b (one transaction, the hook's), acknowledge it and free it. */
static int
batch_store(sz_sync *s, sz_batch_in *b)
{
	int r = SZ_OK;
	if (b->checked != NULL) {
		void *c = b->checked;
		b->checked = NULL; /* stored and freed by the hook, whatever it returns */
		r = s->cfg.hooks.store_checked(s->cfg.hooks.ctx, c, b->results);
	} else if (b->n > 0) {
		r = s->cfg.hooks.store(s->cfg.hooks.ctx, (const uint8_t(*)[SZ_SCOPE_BYTES])s->shared,
		    s->nshared, b->envs, b->lens, (const uint8_t(*)[32])b->ids, b->n, b->results);
	}
	if (r != SZ_OK) {
		batch_free(s, b);
		return sz_sync_fail(s, r, "could not store");
	}
	uint32_t stored = 0, rejected = 0;
	for (size_t i = 0; i < b->n; i++) {
		if (b->results[i] == SZ_OK || b->results[i] == SZ_ERR_EXISTS)
			stored++;
		else
			rejected++;
	}
	batch_free(s, b);
	s->st.stored += stored;
	s->st.rejected += rejected;
	uint8_t ack[8];
	sz_store_u32(ack, stored);
	sz_store_u32(ack + 4, rejected);
	sz_sync_send(s, SZ_FR_ACK, ack, sizeof ack);
	if (s->st.rejected > s->cfg.limits.max_rejected)
		return sz_sync_fail(s, SZ_ERR_PEER, "too many envelopes failed verification");
	return SZ_OK;
}

int
sz_transfer_flush(sz_sync *s)
{
	sz_batch_in *b = s->held;
	if (b == NULL)
		return SZ_OK;
	s->held = NULL;
	return batch_store(s, b);
}

void
sz_transfer_drop(sz_sync *s)
{
	batch_free(s, s->held);
	s->held = NULL;
}

/* The batch held, with what the node keeps of its checks (a parsed envelope and its place, per
 * envelope: node_sync.c). */
size_t
sz_transfer_mem(const sz_sync *s)
{
	const sz_batch_in *b = s->held;
	if (b == NULL)
		return 0;
	return sizeof *b + b->copy_len + (b->checked != NULL ? b->n * (sizeof(sz_env_in) +
	    sizeof(size_t)) : 0);
}

/* Hold b past its frame (its checks running meanwhile): its own copy of the payload. */
static bool
batch_hold(sz_sync *s, sz_batch_in *b, const sz_frame *f)
{
	if ((b->copy = malloc(f->len)) == NULL)
		return false;
	memcpy(b->copy, f->payload, f->len);
	b->copy_len = f->len;
	for (size_t i = 0; i < b->n; i++)
		b->envs[i] = b->copy + (b->envs[i] - f->payload);
	b->checked = s->cfg.hooks.check(s->cfg.hooks.ctx, (const uint8_t(*)[SZ_SCOPE_BYTES])s->shared,
	    s->nshared, b->envs, b->lens, (const uint8_t(*)[32])b->ids, b->n);
	return b->checked != NULL;
}

int
sz_transfer_envelopes(sz_sync *s, const sz_frame *f)
{
	sz_batch_in *b;
	size_t count;
	int r;
	if (s->phase != PH_TRANSFER || s->fin_received)
		return sz_sync_fail(s, SZ_ERR_PEER, "envelopes out of turn");
	if ((b = calloc(1, sizeof *b)) == NULL)
		return sz_sync_fail(s, SZ_ERR_NOMEM, "out of memory");
	b->s = s;
	r = sz_envelopes_parse(f->payload, f->len, &count, batch_add, b);
	if (r != SZ_OK) {
		free(b);
		return sz_sync_fail(s, r, r == SZ_ERR_PEER ? "an envelope nobody asked for" :
		    "malformed envelope batch");
	}
	if (s->st.received + b->n > s->expect || s->st.received + b->n > s->cfg.limits.max_envelopes) {
		free(b);
		return sz_sync_fail(s, SZ_ERR_LIMIT, "more envelopes than announced");
	}
	s->unasked += b->unasked;
	s->st.received += b->n;
	/* A full batch with more announced after it is held, checked meanwhile, until the next
	 * batch (or FIN) comes: the one before it is stored now, while this one's checks run. */
	bool hold = s->cfg.hooks.check != NULL && s->st.received < s->expect &&
	    (count >= BATCH_MAX || b->bytes >= BATCH_BYTES) && batch_hold(s, b, f);
	if ((r = sz_transfer_flush(s)) != SZ_OK) {
		batch_free(s, b);
		return r;
	}
	if (hold) {
		s->held = b;
		s->held_ms = sz_mono_ms(s->cfg.env);
		return SZ_OK;
	}
	return batch_store(s, b);
}
