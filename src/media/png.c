/*
 * png.c - PNG without its metadata: a bounded walk over the chunks (PNG spec, 3rd ed. §5) that
 * keeps the critical chunks and the ancillary ones that change how the picture is drawn, and
 * drops the rest.  Layer: media.  docs/PROTOCOL.md § Attachments §1.
 *
 * Kept, byte for byte with their CRCs: IHDR, PLTE, IDAT, IEND; tRNS, gAMA, cHRM, sRGB, sBIT,
 * bKGD, pHYs, cICP; acTL, fcTL, fdAT (animation).  Dropped: tEXt, zTXt, iTXt (XMP travels in
 * one), eXIf, tIME, iCCP, every other ancillary chunk, and everything after IEND.  Refused: an
 * unknown critical chunk (no decoder could draw it), a bad CRC on a kept chunk, a file out of
 * order or cut short.
 */
#include <string.h>

#include "media/strip_int.h"

static const uint8_t png_sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

/* CRC-32 of ISO 3309 / ITU-T V.42, as PNG uses it (reflected, polynomial 0xedb88320), with a
 * table each call makes for itself (2 K steps: nothing shared between threads). */
static void
crc_table(uint32_t t[256])
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
		t[i] = c;
	}
}

static uint32_t
crc32_of(const uint32_t t[256], const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < n; i++)
		c = t[(c ^ p[i]) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffu;
}

static const char *const kept[] = {
	"IHDR", "PLTE", "IDAT", "IEND", "tRNS", "gAMA", "cHRM", "sRGB", "sBIT", "bKGD", "pHYs",
	"cICP", "acTL", "fcTL", "fdAT", NULL,
};

static int
is_kept(const uint8_t t[4])
{
	for (int i = 0; kept[i] != NULL; i++)
		if (memcmp(t, kept[i], 4) == 0)
			return 1;
	return 0;
}

static uint32_t
dropped_bit(const uint8_t t[4])
{
	if (memcmp(t, "tEXt", 4) == 0 || memcmp(t, "zTXt", 4) == 0 || memcmp(t, "iTXt", 4) == 0)
		return SZ_STRIP_TEXT;
	if (memcmp(t, "eXIf", 4) == 0 || memcmp(t, "exIf", 4) == 0 || memcmp(t, "zxIf", 4) == 0)
		return SZ_STRIP_EXIF;
	if (memcmp(t, "tIME", 4) == 0)
		return SZ_STRIP_TIME;
	if (memcmp(t, "iCCP", 4) == 0)
		return SZ_STRIP_ICC;
	return SZ_STRIP_OTHER;
}

static int
letters(const uint8_t t[4])
{
	for (int i = 0; i < 4; i++)
		if (!((t[i] >= 'A' && t[i] <= 'Z') || (t[i] >= 'a' && t[i] <= 'z')))
			return 0;
	return 1;
}

int
sz_strip_png(const uint8_t *in, size_t len, sz_buf *out, sz_strip_report *rep)
{
	uint32_t tab[256];
	size_t pos = 8;
	int idat = 0, idat_done = 0, first = 1;
	rep->type = SZ_MEDIA_PNG;
	if (len < 8 || memcmp(in, png_sig, 8) != 0)
		return SZ_ERR_MALFORMED;
	crc_table(tab);
	sz_buf_append(out, png_sig, 8);
	for (;;) {
		if (len - pos < 12)
			return SZ_ERR_TRUNCATED;
		uint32_t clen = (uint32_t)in[pos] << 24 | (uint32_t)in[pos + 1] << 16 |
		    (uint32_t)in[pos + 2] << 8 | in[pos + 3];
		const uint8_t *type = in + pos + 4;
		if (clen > 0x7fffffffu || !letters(type))
			return SZ_ERR_MALFORMED;
		if (clen > len - pos - 12)
			return SZ_ERR_TRUNCATED;
		size_t whole = 12 + (size_t)clen;
		int is_idat = memcmp(type, "IDAT", 4) == 0, is_end = memcmp(type, "IEND", 4) == 0;
		if (first != (memcmp(type, "IHDR", 4) == 0) || (first && clen != 13))
			return SZ_ERR_MALFORMED; /* IHDR first, once, 13 bytes */
		first = 0;
		if (idat && !is_idat)
			idat_done = 1;
		if (is_idat && idat_done)
			return SZ_ERR_MALFORMED; /* IDAT chunks must be consecutive */
		if (is_kept(type)) {
			uint32_t crc = (uint32_t)in[pos + 8 + clen] << 24 |
			    (uint32_t)in[pos + 9 + clen] << 16 | (uint32_t)in[pos + 10 + clen] << 8 |
			    in[pos + 11 + clen];
			if (crc32_of(tab, type, 4 + (size_t)clen) != crc)
				return SZ_ERR_MALFORMED;
			sz_buf_append(out, in + pos, whole);
		} else if (!(type[0] & 0x20)) {
			return SZ_ERR_UNSUPPORTED; /* an unknown critical chunk */
		} else {
			rep->removed |= dropped_bit(type);
			rep->dropped++;
		}
		idat |= is_idat;
		pos += whole;
		if (is_end) {
			if (clen != 0 || !idat)
				return SZ_ERR_MALFORMED;
			break;
		}
	}
	if (pos < len)
		rep->removed |= SZ_STRIP_TRAILER;
	return out->err;
}
