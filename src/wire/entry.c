/*
 * entry.c - encoding, signing, decoding and verification of entries (see entry.h,
 * docs/PROTOCOL.md §2).  Layer: wire.
 */
#include "wire/entry.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/edtweak.h"
#include "lib/bytes.h"

/* The signature covers a context string, so an entry signature can never be mistaken for a
 * signature of anything else the same key signs. */
static const uint8_t sig_context[] = "samizdat entry v1";

int
sz_entry_kind_known(unsigned kind)
{
	switch (kind) {
	case SZ_KIND_LEAFLET: case SZ_KIND_POST: case SZ_KIND_CHUNK: case SZ_KIND_CELL_CONTROL:
	case SZ_KIND_DECLARATION: case SZ_KIND_COSIGN: case SZ_KIND_PROPOSAL:
	case SZ_KIND_BALLOT: case SZ_KIND_PLEDGE_CALL: case SZ_KIND_PLEDGE: case SZ_KIND_REVEAL:
	case SZ_KIND_ENROLL: case SZ_KIND_REACH:
		return 1;
	}
	return 0;
}

int
sz_entry_id(uint8_t id[static 32], const uint8_t *buf, size_t len)
{
	return sz_blake2b(id, 32, buf, len, NULL, 0);
}

/* The signed message: context || encoding without the signature. */
static int
signed_message(sz_buf *m, const uint8_t *enc, size_t enclen)
{
	sz_buf_append(m, sig_context, sizeof sig_context); /* includes the NUL */
	sz_buf_append(m, enc, enclen);
	return m->err;
}

static int
cmp_id(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

/* Build and sign: by sk itself, or (tweak not NULL) by sk shifted by tweak, whose public key
 * (sk's public half + tweak·B) is then the author. */
static int
build(uint8_t **out, size_t *outlen, uint8_t id[static 32], uint8_t kind,
    const uint8_t (*parents)[32], size_t nparents, uint64_t timestamp_ms, const uint8_t *body,
    size_t body_len, const uint8_t sk[static 64], const uint8_t *tweak)
{
	sz_buf b = { 0 }, m = { 0 };
	uint8_t (*sorted)[32] = NULL;
	uint8_t sig[64], author[32];
	size_t n = 0;
	int r = SZ_ERR_INTERNAL;

	*out = NULL;
	*outlen = 0;
	memset(id, 0, 32);
	if (!sz_entry_kind_known(kind))
		return SZ_ERR_UNSUPPORTED;
	if (body_len > SZ_ENTRY_MAX_BODY || nparents > 255)
		return SZ_ERR_TOO_LARGE;
	if (nparents > 0) {
		if ((sorted = malloc(nparents * 32)) == NULL)
			return SZ_ERR_NOMEM;
		memcpy(sorted, parents, nparents * 32);
		qsort(sorted, nparents, 32, cmp_id);
		for (size_t i = 0; i < nparents; i++)
			if (n == 0 || memcmp(sorted[n - 1], sorted[i], 32) != 0)
				memmove(sorted[n++], sorted[i], 32);
	}
	if (n > SZ_ENTRY_MAX_PARENTS) {
		r = SZ_ERR_TOO_LARGE;
		goto out;
	}
	sz_buf_u8(&b, SZ_ENTRY_VERSION);
	sz_buf_u8(&b, kind);
	if (tweak == NULL)
		memcpy(author, sk + 32, 32); /* the public half of a libsodium secret key */
	else if ((r = sz_edtweak_pk(author, sk + 32, tweak)) != SZ_OK)
		goto out;
	sz_buf_append(&b, author, 32);
	sz_buf_u8(&b, (uint8_t)n);
	if (n > 0)
		sz_buf_append(&b, sorted, n * 32);
	sz_buf_u64(&b, timestamp_ms);
	sz_buf_u32(&b, (uint32_t)body_len);
	sz_buf_append(&b, body, body_len);
	if ((r = b.err) != SZ_OK || (r = signed_message(&m, b.p, b.len)) != SZ_OK)
		goto out;
	if (tweak == NULL)
		r = sz_sign(sig, m.p, m.len, sk);
	else
		r = sz_edtweak_sign(sig, author, m.p, m.len, sk, tweak);
	if (r != SZ_OK)
		goto out;
	sz_buf_append(&b, sig, sizeof sig);
	if ((r = b.err) != SZ_OK || (r = sz_entry_id(id, b.p, b.len)) != SZ_OK)
		goto out;
	r = sz_buf_take(&b, out, outlen);
out:
	free(sorted);
	sz_buf_free(&b);
	sz_buf_free(&m);
	return r;
}

int
sz_entry_build(uint8_t **out, size_t *outlen, uint8_t id[static 32], uint8_t kind,
    const uint8_t (*parents)[32], size_t nparents, uint64_t timestamp_ms, const uint8_t *body,
    size_t body_len, const uint8_t sk[static 64])
{
	return build(out, outlen, id, kind, parents, nparents, timestamp_ms, body, body_len, sk,
	    NULL);
}

int
sz_entry_build_tweaked(uint8_t **out, size_t *outlen, uint8_t id[static 32], uint8_t kind,
    const uint8_t (*parents)[32], size_t nparents, uint64_t timestamp_ms, const uint8_t *body,
    size_t body_len, const uint8_t sk[static 64], const uint8_t tweak[static 32])
{
	return build(out, outlen, id, kind, parents, nparents, timestamp_ms, body, body_len, sk,
	    tweak);
}

int
sz_entry_decode(sz_entry *e, uint8_t id[32], const uint8_t *buf, size_t len, size_t max_body)
{
	sz_rd rd = sz_rd_init(buf, len);
	sz_buf m = { 0 };
	int r;

	memset(e, 0, sizeof *e);
	if (id != NULL)
		memset(id, 0, 32);
	if (max_body == 0 || max_body > SZ_ENTRY_MAX_BODY)
		max_body = SZ_ENTRY_MAX_BODY;
	if (len > SZ_ENTRY_MAX_BYTES)
		return SZ_ERR_TOO_LARGE;

	e->version = sz_rd_u8(&rd);
	if (rd.err == 0 && e->version != SZ_ENTRY_VERSION)
		return SZ_ERR_UNSUPPORTED;
	e->kind = sz_rd_u8(&rd);
	if (rd.err == 0 && !sz_entry_kind_known(e->kind))
		return SZ_ERR_UNSUPPORTED;
	sz_rd_copy(&rd, e->author, 32);
	e->nparents = sz_rd_u8(&rd);
	if (e->nparents > SZ_ENTRY_MAX_PARENTS)
		return SZ_ERR_TOO_LARGE;
	e->parents = sz_rd_bytes(&rd, (size_t)e->nparents * 32);
	for (size_t i = 1; rd.err == 0 && i < e->nparents; i++)
		if (memcmp(e->parents + 32 * (i - 1), e->parents + 32 * i, 32) >= 0)
			return SZ_ERR_NONCANONICAL;
	e->timestamp_ms = sz_rd_u64(&rd);
	e->body_len = sz_rd_u32(&rd);
	if (rd.err == 0 && e->body_len > max_body)
		return SZ_ERR_TOO_LARGE;
	e->body = sz_rd_bytes(&rd, e->body_len);
	size_t signed_len = rd.off;
	sz_rd_copy(&rd, e->sig, 64);
	if ((r = sz_rd_end(&rd)) != SZ_OK)
		goto fail;
	/* Most entries are small: their signed message is built on the stack, not the heap. */
	uint8_t small[1024];
	if (sizeof sig_context + signed_len <= sizeof small) {
		memcpy(small, sig_context, sizeof sig_context);
		memcpy(small + sizeof sig_context, buf, signed_len);
		r = sz_verify(e->sig, small, sizeof sig_context + signed_len, e->author);
		sz_wipe(small, sizeof sig_context + signed_len); /* a cell's post is plaintext here */
	} else if ((r = signed_message(&m, buf, signed_len)) == SZ_OK) {
		r = sz_verify(e->sig, m.p, m.len, e->author);
	}
	if (r != SZ_OK)
		goto fail;
	if (id != NULL && (r = sz_entry_id(id, buf, len)) != SZ_OK)
		goto fail;
	sz_buf_free(&m);
	return SZ_OK;
fail:
	sz_buf_free(&m);
	memset(e, 0, sizeof *e);
	if (id != NULL)
		memset(id, 0, 32);
	return r;
}
