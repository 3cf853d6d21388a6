/*
 * jpeg.c - JPEG without its metadata: a bounded walk over the markers (ITU T.81 Annex B) that
 * keeps what decoding needs and rebuilds the three application segments a decoder may use from
 * their few meaningful bytes.  Layer: media.  docs/PROTOCOL.md § Attachments §1.
 *
 * Kept as they are: frame headers (SOF0-3, SOF9-11), Huffman and quantization tables, DRI, DAC,
 * DNL, scans with their entropy-coded data.  Made anew: a JFIF APP0 (units and density, no
 * thumbnail) if the file had one; an EXIF APP1 holding only the orientation, if it was not 1 (a
 * photo would show on its side without it); an Adobe APP14 (its colour transform: CMYK and YCCK
 * files decode wrongly without it).  Dropped: every other APPn (EXIF, XMP, ICC, IPTC, MPF ...),
 * comments, and everything after EOI.  Refused: hierarchical and JPEG-LS/extension markers,
 * anything out of place, truncation.
 */
#include <string.h>

#include "media/strip_int.h"

enum {
	M_TEM = 0x01, M_SOF0 = 0xc0, M_DHT = 0xc4, M_JPG = 0xc8, M_DAC = 0xcc, M_RST0 = 0xd0,
	M_RST7 = 0xd7, M_SOI = 0xd8, M_EOI = 0xd9, M_SOS = 0xda, M_DQT = 0xdb, M_DNL = 0xdc,
	M_DRI = 0xdd, M_APP0 = 0xe0, M_APP15 = 0xef, M_COM = 0xfe,
};

static uint16_t
ld16(const uint8_t *p, int le)
{
	return le ? (uint16_t)(p[0] | p[1] << 8) : (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
ld32(const uint8_t *p, int le)
{
	return le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24 :
	    (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

int
sz_strip_exif_orientation(const uint8_t *t, size_t len, int *gps)
{
	int le, orient = 0;
	*gps = 0;
	if (len < 8)
		return 0;
	if (t[0] == 'I' && t[1] == 'I')
		le = 1;
	else if (t[0] == 'M' && t[1] == 'M')
		le = 0;
	else
		return 0;
	if (ld16(t + 2, le) != 42)
		return 0;
	uint32_t off = ld32(t + 4, le);
	if (off >= len || len - off < 2)
		return 0;
	size_t n = ld16(t + off, le), p = (size_t)off + 2;
	if (n > (len - p) / 12)
		n = (len - p) / 12;
	for (size_t i = 0; i < n; i++, p += 12) {
		uint16_t tag = ld16(t + p, le), type = ld16(t + p + 2, le);
		uint32_t count = ld32(t + p + 4, le);
		if (tag == 0x0112 && type == 3 && count == 1) {
			uint16_t v = ld16(t + p + 8, le);
			if (v >= 1 && v <= 8)
				orient = v;
		} else if (tag == 0x8825) {
			*gps = 1;
		}
	}
	return orient;
}

static int
starts(const uint8_t *seg, size_t slen, const char *sig, size_t siglen)
{
	return slen >= siglen && memcmp(seg, sig, siglen) == 0;
}

/* What an application segment or comment is; sets the report's bits and what is remade. */
typedef struct jpeg_keep {
	int jfif;                 /* a JFIF APP0 was found: remake it */
	uint8_t units, xd[2], yd[2];
	int orient;               /* EXIF orientation (0: none) */
	int adobe;                /* Adobe APP14 transform, or -1 */
} jpeg_keep;

static void
app_segment(uint8_t m, const uint8_t *seg, size_t slen, jpeg_keep *k, sz_strip_report *rep)
{
	uint32_t what = SZ_STRIP_OTHER;
	if (m == M_APP0 && starts(seg, slen, "JFIF\0", 5)) {
		what = 0;
		if (slen >= 14 && !k->jfif) {
			k->jfif = 1;
			k->units = seg[7] <= 2 ? seg[7] : 0;
			memcpy(k->xd, seg + 8, 2);
			memcpy(k->yd, seg + 10, 2);
			if (k->xd[0] == 0 && k->xd[1] == 0)
				k->xd[1] = 1;
			if (k->yd[0] == 0 && k->yd[1] == 0)
				k->yd[1] = 1;
			if (seg[12] != 0 && seg[13] != 0)
				what = SZ_STRIP_THUMB;
		}
	} else if (m == M_APP0 && starts(seg, slen, "JFXX\0", 5)) {
		what = SZ_STRIP_THUMB;
	} else if (m == M_APP0 + 1 && starts(seg, slen, "Exif\0\0", 6)) {
		int gps = 0, o = sz_strip_exif_orientation(seg + 6, slen - 6, &gps);
		if (o != 0 && k->orient == 0)
			k->orient = o;
		what = SZ_STRIP_EXIF | (gps ? SZ_STRIP_GPS : 0);
	} else if (m == M_APP0 + 1 && (starts(seg, slen, "http://ns.adobe.com/xap/1.0/", 28) ||
	    starts(seg, slen, "http://ns.adobe.com/xmp/extension/", 34))) {
		what = SZ_STRIP_XMP;
	} else if (m == M_APP0 + 2 && starts(seg, slen, "ICC_PROFILE\0", 12)) {
		what = SZ_STRIP_ICC;
	} else if (m == M_APP0 + 2 && starts(seg, slen, "MPF\0", 4)) {
		what = SZ_STRIP_THUMB;
	} else if (m == M_APP0 + 13 && starts(seg, slen, "Photoshop 3.0\0", 14)) {
		what = SZ_STRIP_IPTC;
	} else if (m == M_APP0 + 14 && starts(seg, slen, "Adobe", 5) && slen >= 12) {
		what = 0;
		if (k->adobe < 0)
			k->adobe = seg[11] <= 2 ? seg[11] : 0;
	} else if (m == M_COM) {
		what = SZ_STRIP_COMMENT;
	}
	rep->removed |= what;
	rep->dropped++;
}

/* The entropy-coded data of a scan starts at in[i]: the index of the marker that ends it. */
static int
scan_end(const uint8_t *in, size_t len, size_t i, size_t *end)
{
	for (;;) {
		const uint8_t *ff = i < len ? memchr(in + i, 0xff, len - i) : NULL;
		if (ff == NULL || (size_t)(ff - in) + 1 >= len)
			return SZ_ERR_TRUNCATED;
		i = (size_t)(ff - in);
		uint8_t n = in[i + 1];
		if (n == 0x00 || (n >= M_RST0 && n <= M_RST7)) {
			i += 2; /* a stuffed 0xff, or a restart marker: part of the scan */
			continue;
		}
		*end = i;
		return SZ_OK;
	}
}

/* Is m a frame header we rebuild around: baseline, extended, progressive, lossless, with
 * Huffman or arithmetic coding, not hierarchical. */
static int
sof_ok(uint8_t m)
{
	return (m >= 0xc0 && m <= 0xc3) || (m >= 0xc9 && m <= 0xcb);
}

static void
remade(sz_buf *out, const jpeg_keep *k)
{
	static const uint8_t soi[2] = { 0xff, M_SOI };
	sz_buf_append(out, soi, 2);
	if (k->jfif) {
		const uint8_t app0[18] = { 0xff, M_APP0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, k->units,
			k->xd[0], k->xd[1], k->yd[0], k->yd[1], 0, 0 };
		sz_buf_append(out, app0, sizeof app0);
	}
	if (k->orient > 1) {
		/* "Exif\0\0", a big-endian TIFF header, IFD0 with one entry: Orientation (0x0112),
		 * SHORT, count 1, the value; no next IFD. */
		const uint8_t app1[36] = { 0xff, M_APP0 + 1, 0, 34, 'E', 'x', 'i', 'f', 0, 0,
			'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1,
			0, (uint8_t)k->orient, 0, 0, 0, 0, 0, 0 };
		sz_buf_append(out, app1, sizeof app1);
	}
	if (k->adobe >= 0) {
		const uint8_t app14[16] = { 0xff, M_APP0 + 14, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100,
			0, 0, 0, 0, (uint8_t)k->adobe };
		sz_buf_append(out, app14, sizeof app14);
	}
}

int
sz_strip_jpeg(const uint8_t *in, size_t len, sz_buf *out, sz_strip_report *rep)
{
	sz_buf body = { 0 };
	jpeg_keep k = { .adobe = -1 };
	int r = SZ_ERR_MALFORMED, sof = 0, sos = 0, eoi = 0;
	size_t pos = 2;
	rep->type = SZ_MEDIA_JPEG;
	if (len < 4 || in[0] != 0xff || in[1] != M_SOI)
		return SZ_ERR_MALFORMED;
	while (pos < len) {
		if (in[pos] != 0xff)
			goto out; /* garbage where a marker must be */
		while (pos < len && in[pos] == 0xff)
			pos++; /* fill bytes */
		if (pos >= len) {
			r = SZ_ERR_TRUNCATED;
			goto out;
		}
		uint8_t m = in[pos++];
		if (m == M_EOI) {
			eoi = 1;
			break;
		}
		if (m == 0x00 || m == M_SOI || m == M_TEM || (m >= M_RST0 && m <= M_RST7))
			goto out; /* out of place */
		if (len - pos < 2) {
			r = SZ_ERR_TRUNCATED;
			goto out;
		}
		size_t seglen = (size_t)in[pos] << 8 | in[pos + 1];
		if (seglen < 2)
			goto out;
		if (seglen > len - pos) {
			r = SZ_ERR_TRUNCATED;
			goto out;
		}
		const uint8_t *seg = in + pos + 2;
		size_t slen = seglen - 2;
		if ((m >= M_APP0 && m <= M_APP15) || m == M_COM) {
			app_segment(m, seg, slen, &k, rep);
			pos += seglen;
			continue;
		}
		if (m == M_SOS && !sof)
			goto out;
		if (sof_ok(m)) {
			if (sof || sos)
				goto out; /* one frame, before its scans */
			sof = 1;
		} else if (m != M_DHT && m != M_DQT && m != M_DRI && m != M_DAC && m != M_DNL &&
		    m != M_SOS) {
			/* hierarchical (SOF5-7, SOF13-15, DHP, EXP), JPG, JPGn, reserved */
			r = m == M_JPG || m >= 0xc0 ? SZ_ERR_UNSUPPORTED : SZ_ERR_MALFORMED;
			goto out;
		}
		/* the marker and its segment, as they are */
		sz_buf_append(&body, in + pos - 2, seglen + 2); /* in[pos - 2] is 0xff: fill dropped */
		pos += seglen;
		if (m == M_SOS) {
			size_t end;
			if ((r = scan_end(in, len, pos, &end)) != SZ_OK)
				goto out;
			sz_buf_append(&body, in + pos, end - pos);
			pos = end;
			sos = 1;
			r = SZ_ERR_MALFORMED;
		}
	}
	if (!eoi) {
		r = SZ_ERR_TRUNCATED;
		goto out;
	}
	if (!sos)
		goto out;
	if (pos < len)
		rep->removed |= SZ_STRIP_TRAILER;
	remade(out, &k);
	sz_buf_append(out, body.p, body.len);
	sz_buf_u8(out, 0xff);
	sz_buf_u8(out, M_EOI);
	rep->orientation = (uint8_t)k.orient;
	r = body.err ? body.err : out->err;
out:
	sz_buf_free(&body);
	return r;
}
