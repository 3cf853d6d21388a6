/*
 * bytes.h - growable byte buffers (writer) and bounds-checked readers.
 * Layer: lib.  Every encoder in samizdat writes through sz_buf; every decoder reads through sz_rd,
 * whose error is sticky so a parser may read a whole structure and check once at the end.
 */
#ifndef SZ_LIB_BYTES_H
#define SZ_LIB_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "samizdat.h"

/* A growable buffer.  Zero-initialise (sz_buf b = {0};) before use; release with sz_buf_free.
 * The first failed append sets err (SZ_ERR_NOMEM or SZ_ERR_TOO_LARGE) and later appends are
 * no-ops, so an encoder may check err once at the end.  max, when non-zero, bounds len. */
typedef struct sz_buf {
	uint8_t *p;
	size_t len;
	size_t cap;
	size_t max;
	int err;
	bool secret; /* wipe old storage when growing and on free */
} sz_buf;

/* Release the buffer's memory (wiping it first if b->secret) and reset it to empty. */
void sz_buf_free(sz_buf *b);
/* Ensure room for n more bytes; returns SZ_OK or the sticky error. */
SZ_MUST_CHECK int sz_buf_reserve(sz_buf *b, size_t n);
/* Append n bytes; returns a pointer to the appended region (for in-place writes), or NULL. */
uint8_t *sz_buf_append(sz_buf *b, const void *src, size_t n);
/* Append n zero bytes, returning a pointer to them (or NULL on error). */
uint8_t *sz_buf_zeros(sz_buf *b, size_t n);
void sz_buf_u8(sz_buf *b, uint8_t v);
void sz_buf_u16(sz_buf *b, uint16_t v);  /* big-endian */
void sz_buf_u32(sz_buf *b, uint32_t v);  /* big-endian */
void sz_buf_u64(sz_buf *b, uint64_t v);  /* big-endian */
/* Unsigned LEB128-style varint as negentropy uses: big-endian base-128, high bit = more. */
void sz_buf_varint(sz_buf *b, uint64_t v);
/* Detach the contents: *out gets the malloc()ed bytes (caller frees), *n their length. */
SZ_MUST_CHECK int sz_buf_take(sz_buf *b, uint8_t **out, size_t *n);

/* A reader over borrowed bytes.  Any read past the end sets err = SZ_ERR_TRUNCATED and returns
 * zeros; reads after an error do nothing.  sz_rd_end() checks that nothing is left over. */
typedef struct sz_rd {
	const uint8_t *p;
	size_t len;
	size_t off;
	int err;
} sz_rd;

static inline sz_rd
sz_rd_init(const uint8_t *p, size_t len)
{
	sz_rd r = { p, len, 0, 0 };
	return r;
}

static inline size_t
sz_rd_left(const sz_rd *r)
{
	return r->err ? 0 : r->len - r->off;
}

/* Return a pointer to the next n bytes and advance, or NULL (setting err) if fewer remain. */
const uint8_t *sz_rd_bytes(sz_rd *r, size_t n);
/* Copy the next n bytes into dst (zero-fill on error). */
void sz_rd_copy(sz_rd *r, void *dst, size_t n);
uint8_t sz_rd_u8(sz_rd *r);
uint16_t sz_rd_u16(sz_rd *r);
uint32_t sz_rd_u32(sz_rd *r);
uint64_t sz_rd_u64(sz_rd *r);
/* Read a varint written by sz_buf_varint; rejects encodings longer than 10 bytes, values above
 * 2^64-1 and non-minimal leading 0x80 bytes (SZ_ERR_NONCANONICAL). */
uint64_t sz_rd_varint(sz_rd *r);
/* Set err if it is not set yet (for semantic checks by the caller). */
void sz_rd_fail(sz_rd *r, int err);
/* SZ_OK if no error occurred and every byte was consumed; else the error (SZ_ERR_MALFORMED for
 * trailing bytes). */
SZ_MUST_CHECK int sz_rd_end(const sz_rd *r);

/* Big-endian helpers for fixed layouts. */
static inline void
sz_store_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}
static inline uint32_t
sz_load_u32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline void
sz_store_u64(uint8_t *p, uint64_t v)
{
	sz_store_u32(p, (uint32_t)(v >> 32));
	sz_store_u32(p + 4, (uint32_t)v);
}
static inline uint64_t
sz_load_u64(const uint8_t *p)
{
	return ((uint64_t)sz_load_u32(p) << 32) | sz_load_u32(p + 4);
}
static inline void
sz_store_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v;
}
static inline uint16_t
sz_load_u16(const uint8_t *p)
{
	return (uint16_t)(((unsigned)p[0] << 8) | p[1]);
}
static inline uint64_t
sz_load_u64le(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}
static inline void
sz_store_u64le(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Hex.  sz_hex_encode writes 2n+1 bytes (NUL-terminated, lower case) into out.
 * sz_hex_decode decodes exactly 2*n hex digits (either case) into n bytes. */
void sz_hex_encode(char *out, const uint8_t *in, size_t n);
/* The value of one hex digit (either case), or -1. */
int sz_hex_digit(char c);
SZ_MUST_CHECK int sz_hex_decode(uint8_t *out, size_t n, const char *hex, size_t hexlen);
/* Decode a hex string of any even length into malloc()ed bytes (caller frees). */
SZ_MUST_CHECK int sz_hex_decode_alloc(const char *hex, uint8_t **out, size_t *n);

#endif /* SZ_LIB_BYTES_H */
