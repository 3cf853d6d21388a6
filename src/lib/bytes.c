/*
 * bytes.c - growable byte buffers and bounds-checked readers (see bytes.h).
 * Layer: lib.
 */
#include "lib/bytes.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

void
sz_buf_free(sz_buf *b)
{
	if (b == NULL)
		return;
	if (b->p != NULL && b->secret)
		sodium_memzero(b->p, b->cap);
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
	b->err = 0;
}

int
sz_buf_reserve(sz_buf *b, size_t n)
{
	if (b->err)
		return b->err;
	if (n > SIZE_MAX - b->len || (b->max != 0 && b->len + n > b->max)) {
		b->err = SZ_ERR_TOO_LARGE;
		return b->err;
	}
	if (b->len + n <= b->cap)
		return SZ_OK;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->len + n) {
		if (cap > SIZE_MAX / 2) {
			cap = b->len + n;
			break;
		}
		cap *= 2;
	}
	uint8_t *p;
	if (b->secret) {
		/* realloc could leave a copy of the secret behind: move by hand and wipe. */
		p = malloc(cap);
		if (p != NULL && b->p != NULL) {
			memcpy(p, b->p, b->len);
			sodium_memzero(b->p, b->cap);
			free(b->p);
		}
	} else {
		p = realloc(b->p, cap);
	}
	if (p == NULL) {
		b->err = SZ_ERR_NOMEM;
		return b->err;
	}
	b->p = p;
	b->cap = cap;
	return SZ_OK;
}

uint8_t *
sz_buf_append(sz_buf *b, const void *src, size_t n)
{
	if (sz_buf_reserve(b, n) != SZ_OK)
		return NULL;
	uint8_t *dst = b->p + b->len;
	if (n > 0 && src != NULL)
		memcpy(dst, src, n);
	b->len += n;
	return dst;
}

uint8_t *
sz_buf_zeros(sz_buf *b, size_t n)
{
	uint8_t *dst = sz_buf_append(b, NULL, n);
	if (dst != NULL && n > 0)
		memset(dst, 0, n);
	return dst;
}

void
sz_buf_u8(sz_buf *b, uint8_t v)
{
	sz_buf_append(b, &v, 1);
}

void
sz_buf_u16(sz_buf *b, uint16_t v)
{
	uint8_t t[2];
	sz_store_u16(t, v);
	sz_buf_append(b, t, 2);
}

void
sz_buf_u32(sz_buf *b, uint32_t v)
{
	uint8_t t[4];
	sz_store_u32(t, v);
	sz_buf_append(b, t, 4);
}

void
sz_buf_u64(sz_buf *b, uint64_t v)
{
	uint8_t t[8];
	sz_store_u64(t, v);
	sz_buf_append(b, t, 8);
}

void
sz_buf_varint(sz_buf *b, uint64_t v)
{
	uint8_t t[10];
	size_t n = 0;
	do {
		t[n++] = v & 0x7f;
		v >>= 7;
	} while (v != 0);
	/* t holds little-endian groups; emit most significant first with continuation bits. */
	for (size_t i = n; i-- > 0;)
		sz_buf_u8(b, (uint8_t)(t[i] | (i > 0 ? 0x80 : 0)));
}

int
sz_buf_take(sz_buf *b, uint8_t **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (b->err)
		return b->err;
	if (b->p == NULL) {
		/* Always hand back a valid pointer, even for an empty buffer. */
		b->p = malloc(1);
		if (b->p == NULL)
			return SZ_ERR_NOMEM;
		b->cap = 1;
	}
	*out = b->p;
	*n = b->len;
	b->p = NULL;
	b->len = b->cap = 0;
	return SZ_OK;
}

const uint8_t *
sz_rd_bytes(sz_rd *r, size_t n)
{
	if (r->err)
		return NULL;
	if (n > r->len - r->off) {
		r->err = SZ_ERR_TRUNCATED;
		return NULL;
	}
	const uint8_t *p = r->p + r->off;
	r->off += n;
	return p;
}

void
sz_rd_copy(sz_rd *r, void *dst, size_t n)
{
	const uint8_t *p = sz_rd_bytes(r, n);
	if (p != NULL)
		memcpy(dst, p, n);
	else if (n > 0)
		memset(dst, 0, n);
}

uint8_t
sz_rd_u8(sz_rd *r)
{
	const uint8_t *p = sz_rd_bytes(r, 1);
	return p ? p[0] : 0;
}

uint16_t
sz_rd_u16(sz_rd *r)
{
	const uint8_t *p = sz_rd_bytes(r, 2);
	return p ? sz_load_u16(p) : 0;
}

uint32_t
sz_rd_u32(sz_rd *r)
{
	const uint8_t *p = sz_rd_bytes(r, 4);
	return p ? sz_load_u32(p) : 0;
}

uint64_t
sz_rd_u64(sz_rd *r)
{
	const uint8_t *p = sz_rd_bytes(r, 8);
	return p ? sz_load_u64(p) : 0;
}

uint64_t
sz_rd_varint(sz_rd *r)
{
	uint64_t v = 0;
	for (int i = 0; i < 10; i++) {
		const uint8_t *p = sz_rd_bytes(r, 1);
		if (p == NULL)
			return 0;
		if (i == 0 && *p == 0x80) {
			sz_rd_fail(r, SZ_ERR_NONCANONICAL);
			return 0;
		}
		if (v > (UINT64_MAX >> 7)) {
			sz_rd_fail(r, SZ_ERR_TOO_LARGE);
			return 0;
		}
		v = (v << 7) | (*p & 0x7f);
		if ((*p & 0x80) == 0)
			return v;
	}
	sz_rd_fail(r, SZ_ERR_TOO_LARGE);
	return 0;
}

void
sz_rd_fail(sz_rd *r, int err)
{
	if (r->err == 0)
		r->err = err;
}

int
sz_rd_end(const sz_rd *r)
{
	if (r->err)
		return r->err;
	if (r->off != r->len)
		return SZ_ERR_MALFORMED;
	return SZ_OK;
}

void
sz_hex_encode(char *out, const uint8_t *in, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

int
sz_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
sz_hex_decode(uint8_t *out, size_t n, const char *hex, size_t hexlen)
{
	if (hexlen != 2 * n)
		return SZ_ERR_MALFORMED;
	for (size_t i = 0; i < n; i++) {
		int hi = sz_hex_digit(hex[2 * i]), lo = sz_hex_digit(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return SZ_ERR_MALFORMED;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return SZ_OK;
}

int
sz_hex_decode_alloc(const char *hex, uint8_t **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	size_t hl = strlen(hex);
	if (hl % 2 != 0)
		return SZ_ERR_MALFORMED;
	uint8_t *p = malloc(hl / 2 + 1);
	if (p == NULL)
		return SZ_ERR_NOMEM;
	int r = sz_hex_decode(p, hl / 2, hex, hl);
	if (r != SZ_OK) {
		free(p);
		return r;
	}
	*out = p;
	*n = hl / 2;
	return SZ_OK;
}
