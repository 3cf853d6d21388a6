/*
 * media_testlib.h - pictures and documents made and decoded for tests (libjpeg, libpng,
 * libqpdf): src/media/strip_test.c, tests/media_tool.c, the fuzz corpus.  Layer: media (tests
 * only: never linked into the library).
 */
#ifndef SZ_MEDIA_TESTLIB_H
#define SZ_MEDIA_TESTLIB_H

#include <stddef.h>
#include <stdint.h>

#include "lib/bytes.h"

/* A w x h JPEG of comps components (1 grey, 3 YCbCr, 4 CMYK with libjpeg's Adobe marker),
 * baseline or progressive, of a fixed pattern; appended to out.  0 or -1. */
int sz_mt_jpeg(sz_buf *out, int w, int h, int comps, int progressive);
/* Insert a segment (marker 0xe0..0xfe, payload of len bytes) right after the SOI. */
int sz_mt_jpeg_insert(sz_buf *jpeg, uint8_t marker, const void *payload, size_t len);
/* An EXIF APP1 payload ("Exif\0\0" + TIFF): Make "SecretCam SN-4711", the orientation, and if gps
 * a GPS directory at 55 45' 12.34" N 37 36' 56.78" E. */
void sz_mt_exif(sz_buf *out, int orientation, int gps);
/* A w x h PNG (palette with transparency if palette, else RGBA); with meta, it also carries
 * tEXt Author, zTXt Comment, iTXt XMP, tIME, eXIf, iCCP and pHYs, each naming "Alice Secret". */
int sz_mt_png(sz_buf *out, int w, int h, int palette, int meta);
/* A one-page PDF; with meta: an information dictionary (author "Alice Secret"), XMP, a markup
 * annotation by her, private application data, an /ID, and an incremental update that changes
 * the author to "Alice Revised".  jpeg (may be NULL): an image XObject holding it. */
int sz_mt_pdf(sz_buf *out, int meta, const uint8_t *jpeg, size_t jpeglen);
/* A one-page PDF carrying an embedded file (or, with signature, a signed signature field),
 * both naming "Alice Secret": what stripping cannot clean. */
int sz_mt_pdf_residual(sz_buf *out, int signature);

/* What a file decodes to: a picture's pixels (8-bit samples, rows top to bottom) with its
 * size and components, or a PDF's page count and the concatenated decoded page contents.
 * 0, or -1 if it does not decode. */
typedef struct sz_mt_decoded {
	int type;        /* SZ_MEDIA_* */
	int w, h, comps;
	int pages;
	sz_buf data;
} sz_mt_decoded;
int sz_mt_decode(const uint8_t *p, size_t n, sz_mt_decoded *d);
void sz_mt_decoded_free(sz_mt_decoded *d);

#endif /* SZ_MEDIA_TESTLIB_H */
