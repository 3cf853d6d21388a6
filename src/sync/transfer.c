/*
 * transfer.c - a sync session's transfer of envelopes: ENVELOPES batches out while the peer keeps
 * up, batches in handed to the store hook (one transaction each), ACK and FIN (docs/PROTOCOL.md
 * §8, Transfer).  Layer: sync.  The link and the frames are session.c's.
 */
#include "sync/session_int.h"

#include <stdlib.h>
#include <string.h>

#define OUT_HIGH (2u << 20)     /* stop producing when this much waits to be sent */
/* A batch is what the receiver stores in one transaction (PROTOCOL.md §8, Transfer): large
 * enough that the commit's fsyncs cost little per envelope, small enough that a session's
 * buffers stay a few MiB. */
#define BATCH_BYTES (1u << 20)
#define BATCH_MAX SZ_BATCH_MAX_ENVELOPES
#define MAX_UNACKED 2

/* Send envelope batches while the peer keeps up, then FIN once everything is acknowledged. */
int
sz_transfer_pump(sz_sync *s)
{
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
			int r = s->cfg.hooks.get(s->cfg.hooks.ctx, s->outq.v[s->out_next].id, &env, &len);
			s->out_next++;
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
			break;
		}
		if (s->plain.err)
			return SZ_ERR_NOMEM;
		sz_store_u16(s->plain.p + cnt_at, count);
		sz_frame_end(&s->plain, at);
		s->unacked++;
		s->st.sent += count;
		int r = sz_sync_flush(s);
		if (r != SZ_OK)
			return r;
	}
	if (s->phase == PH_TRANSFER && !s->fin_sent && s->out_next >= s->outq.n && s->unacked == 0) {
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

typedef struct batch {
	sz_sync *s;
	const uint8_t *envs[SZ_BATCH_MAX_ENVELOPES];
	size_t lens[SZ_BATCH_MAX_ENVELOPES];
	uint8_t ids[SZ_BATCH_MAX_ENVELOPES][32];
	int results[SZ_BATCH_MAX_ENVELOPES];
	size_t n;
	size_t unasked;  /* dropped: not asked for, but possibly named by a 32-bit want */
	uint32_t refused;
} batch;

static int
batch_add(void *ctx, const uint8_t *env, size_t len)
{
	batch *b = ctx;
	sz_sync *s = b->s;
	uint8_t *id = b->ids[b->n];
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

int
sz_transfer_envelopes(sz_sync *s, const sz_frame *f)
{
	batch *b;
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
	r = b->n > 0 ? s->cfg.hooks.store(s->cfg.hooks.ctx,
	    (const uint8_t(*)[SZ_SCOPE_BYTES])s->shared, s->nshared, b->envs, b->lens,
	    (const uint8_t(*)[32])b->ids, b->n, b->results) : SZ_OK;
	if (r != SZ_OK) {
		free(b);
		return sz_sync_fail(s, r, "could not store");
	}
	uint32_t stored = 0, rejected = 0;
	for (size_t i = 0; i < b->n; i++) {
		if (b->results[i] == SZ_OK || b->results[i] == SZ_ERR_EXISTS)
			stored++;
		else
			rejected++;
	}
	free(b);
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
