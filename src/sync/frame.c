/*
 * frame.c - sync frame encoding and strict decoding (see frame.h).
 * Layer: sync.
 */
#include "sync/frame.h"

#include <string.h>

#include "wire/envelope.h"

void
sz_frame_put(sz_buf *b, uint8_t type, const uint8_t *payload, size_t len)
{
	size_t at = sz_frame_begin(b, type);
	sz_buf_append(b, payload, len);
	sz_frame_end(b, at);
}

size_t
sz_frame_begin(sz_buf *b, uint8_t type)
{
	size_t at = b->len;
	sz_buf_u32(b, 0);
	sz_buf_u8(b, type);
	return at;
}

void
sz_frame_end(sz_buf *b, size_t at)
{
	if (b->err)
		return;
	size_t len = b->len - at - 4;
	if (len > SZ_FRAME_MAX) {
		b->err = SZ_ERR_TOO_LARGE;
		return;
	}
	sz_store_u32(b->p + at, (uint32_t)len);
}

int
sz_frame_get(const uint8_t *p, size_t n, sz_frame *f, size_t *used)
{
	memset(f, 0, sizeof *f);
	*used = 0;
	if (n < 4)
		return SZ_ERR_AGAIN;
	uint32_t len = sz_load_u32(p);
	if (len == 0)
		return SZ_ERR_MALFORMED;
	if (len > SZ_FRAME_MAX)
		return SZ_ERR_TOO_LARGE;
	if (n - 4 < len)
		return SZ_ERR_AGAIN;
	f->type = p[4];
	f->payload = p + SZ_FRAME_HDR;
	f->len = len - 1;
	*used = 4 + (size_t)len;
	return SZ_OK;
}

int
sz_hello_parse(sz_hello *h, const uint8_t *p, size_t n)
{
	sz_rd r = sz_rd_init(p, n);
	memset(h, 0, sizeof *h);
	h->version = sz_rd_u8(&r);
	h->methods = sz_rd_u8(&r);
	h->ntokens = sz_rd_u16(&r);
	if (h->ntokens > SZ_HELLO_MAX_TOKENS)
		return SZ_ERR_TOO_LARGE;
	h->tokens = sz_rd_bytes(&r, (size_t)h->ntokens * SZ_TOKEN_BYTES);
	return sz_rd_end(&r);
}

int
sz_decoded_parse(sz_decoded *d, const uint8_t *p, size_t n)
{
	sz_rd r = sz_rd_init(p, n);
	memset(d, 0, sizeof *d);
	d->total_want = sz_rd_u32(&r);
	d->nsend = sz_rd_u32(&r);
	d->count = sz_rd_u32(&r);
	if (d->count > SZ_IDS_MAX_PER_FRAME || (d->total_want != SZ_DECODED_ALL && d->count > d->total_want))
		return SZ_ERR_TOO_LARGE;
	d->want = sz_rd_bytes(&r, (size_t)d->count * 32);
	return sz_rd_end(&r);
}

int
sz_envelopes_parse(const uint8_t *p, size_t n, size_t *count,
    int (*fn)(void *ctx, const uint8_t *env, size_t len), void *ctx)
{
	sz_rd r = sz_rd_init(p, n);
	*count = 0;
	uint16_t k = sz_rd_u16(&r);
	if (k == 0 || k > SZ_BATCH_MAX_ENVELOPES)
		return r.err ? r.err : SZ_ERR_MALFORMED;
	/* First pass: shape only, so a bad batch is refused whole. */
	for (uint16_t i = 0; i < k && r.err == 0; i++) {
		uint32_t len = sz_rd_u32(&r);
		if (r.err == 0 && sz_env_bucket_for(len) != len)
			return SZ_ERR_MALFORMED;
		(void)sz_rd_bytes(&r, len);
	}
	int e = sz_rd_end(&r);
	if (e != SZ_OK)
		return e;
	r = sz_rd_init(p, n);
	(void)sz_rd_u16(&r);
	for (uint16_t i = 0; i < k; i++) {
		uint32_t len = sz_rd_u32(&r);
		const uint8_t *env = sz_rd_bytes(&r, len);
		if ((e = fn(ctx, env, len)) != SZ_OK)
			return e;
	}
	*count = k;
	return SZ_OK;
}

int
sz_ids_parse(const uint8_t *p, size_t n, uint32_t *count, const uint8_t **recs)
{
	sz_rd r = sz_rd_init(p, n);
	*count = sz_rd_u32(&r);
	*recs = NULL;
	if (*count > SZ_IDS_MAX_PER_FRAME)
		return SZ_ERR_TOO_LARGE;
	*recs = sz_rd_bytes(&r, (size_t)*count * 48);
	return sz_rd_end(&r);
}

int
sz_ack_parse(const uint8_t *p, size_t n, uint32_t *stored, uint32_t *rejected)
{
	sz_rd r = sz_rd_init(p, n);
	*stored = sz_rd_u32(&r);
	*rejected = sz_rd_u32(&r);
	return sz_rd_end(&r);
}
