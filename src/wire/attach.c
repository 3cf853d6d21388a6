/*
 * attach.c - manifests, the block of them in post and leaflet bodies, and those bodies
 * (see attach.h).  Layer: wire.  One encoding per value: anything else is refused.
 */
#include "wire/attach.h"

#include <string.h>

#include "crypto/crypto.h"

void
sz_attach_chunk_scope(uint8_t scope[static 16])
{
	static const char tag[] = "samizdat public chunks v1";
	uint8_t h[32];
	if (sz_blake2b(h, 32, (const uint8_t *)tag, sizeof tag - 1, NULL, 0) != SZ_OK)
		memset(h, 0, sizeof h); /* cannot happen: libsodium is initialised */
	memcpy(scope, h, 16);
}

uint32_t
sz_attach_nchunks(uint64_t size)
{
	return (uint32_t)((size + SZ_ATTACH_CHUNK - 1) / SZ_ATTACH_CHUNK);
}

void
sz_manifest_encode(const sz_manifest *m, uint8_t out[static SZ_MANIFEST_BYTES])
{
	out[0] = 1;
	out[1] = m->type;
	out[2] = m->flags;
	sz_store_u64(out + 3, m->size);
	memcpy(out + 11, m->hash, 32);
	memcpy(out + 43, m->index, 32);
}

int
sz_manifest_decode(sz_manifest *m, const uint8_t *p, size_t len)
{
	int r = SZ_OK;
	memset(m, 0, sizeof *m);
	if (len < SZ_MANIFEST_BYTES)
		return SZ_ERR_TRUNCATED;
	if (len > SZ_MANIFEST_BYTES)
		return SZ_ERR_MALFORMED;
	if (p[0] != 1 || p[1] > 3)
		return SZ_ERR_UNSUPPORTED;
	if (p[2] & ~SZ_MANIFEST_AS_IS)
		return SZ_ERR_MALFORMED;
	uint64_t size = sz_load_u64(p + 3);
	if (size == 0)
		r = SZ_ERR_MALFORMED;
	else if (size > SZ_ATTACH_MAX)
		r = SZ_ERR_TOO_LARGE;
	if (r != SZ_OK)
		return r;
	m->type = p[1];
	m->flags = p[2];
	m->size = size;
	memcpy(m->hash, p + 11, 32);
	memcpy(m->index, p + 43, 32);
	return SZ_OK;
}

void
sz_attach_block_encode(sz_buf *b, const sz_manifest *m, size_t count)
{
	sz_buf_u8(b, (uint8_t)count);
	for (size_t i = 0; i < count; i++) {
		uint8_t *e = sz_buf_zeros(b, SZ_MANIFEST_BYTES);
		if (e != NULL)
			sz_manifest_encode(&m[i], e);
	}
}

int
sz_attach_block_decode(const uint8_t *p, size_t len, sz_manifest m[static SZ_ATTACH_PER_ENTRY],
    size_t *count, size_t *used)
{
	int r;
	*count = *used = 0;
	if (len < 1)
		return SZ_ERR_TRUNCATED;
	size_t n = p[0];
	if (n == 0 || n > SZ_ATTACH_PER_ENTRY)
		return SZ_ERR_MALFORMED;
	if ((len - 1) / SZ_MANIFEST_BYTES < n)
		return SZ_ERR_TRUNCATED;
	for (size_t i = 0; i < n; i++)
		if ((r = sz_manifest_decode(&m[i], p + 1 + i * SZ_MANIFEST_BYTES, SZ_MANIFEST_BYTES)) != SZ_OK)
			return r;
	*count = n;
	*used = 1 + n * SZ_MANIFEST_BYTES;
	return SZ_OK;
}

int
sz_post_body_decode(sz_body *b, const uint8_t *p, size_t len)
{
	size_t off = 2, used;
	int r;
	memset(b, 0, sizeof *b);
	if (len < 2)
		return SZ_ERR_TRUNCATED;
	if (p[0] != 1)
		return SZ_ERR_UNSUPPORTED;
	if (p[1] & ~(SZ_POST_REPLY | SZ_POST_FILES))
		return SZ_ERR_MALFORMED;
	if (p[1] & SZ_POST_REPLY) {
		if (len - off < 32)
			return SZ_ERR_TRUNCATED;
		b->reply = 1;
		memcpy(b->reply_to, p + off, 32);
		off += 32;
	}
	if (p[1] & SZ_POST_FILES) {
		if ((r = sz_attach_block_decode(p + off, len - off, b->files, &b->nfiles, &used)) != SZ_OK) {
			memset(b, 0, sizeof *b);
			return r;
		}
		off += used;
	}
	b->text = p + off;
	b->len = len - off;
	return SZ_OK;
}

int
sz_leaflet_body_decode(sz_body *b, const uint8_t *p, size_t len)
{
	size_t used = 0;
	memset(b, 0, sizeof *b);
	if (len > 0 && p[0] == 0) {
		int r = sz_attach_block_decode(p + 1, len - 1, b->files, &b->nfiles, &used);
		if (r != SZ_OK) {
			memset(b, 0, sizeof *b);
			return r;
		}
		used++;
	}
	b->text = p + used;
	b->len = len - used;
	return SZ_OK;
}

void
sz_post_body_encode(sz_buf *out, const uint8_t *reply_to, const sz_manifest *m, size_t nfiles,
    const uint8_t *text, size_t len)
{
	sz_buf_u8(out, 1);
	sz_buf_u8(out, (uint8_t)((reply_to ? SZ_POST_REPLY : 0) | (nfiles ? SZ_POST_FILES : 0)));
	if (reply_to != NULL)
		sz_buf_append(out, reply_to, 32);
	if (nfiles > 0)
		sz_attach_block_encode(out, m, nfiles);
	sz_buf_append(out, text, len);
}

void
sz_leaflet_body_encode(sz_buf *out, const sz_manifest *m, size_t nfiles, const uint8_t *text,
    size_t len)
{
	if (nfiles > 0) {
		sz_buf_u8(out, 0);
		sz_attach_block_encode(out, m, nfiles);
	}
	sz_buf_append(out, text, len);
}
