/*
 * strip_int.h - the per-format strippers behind sz_strip (strip.c): jpeg.c, png.c, pdf.c.
 * Layer: media.  Each appends the stripped file to out and fills rep; the caller resets out on
 * error.
 */
#ifndef SZ_MEDIA_STRIP_INT_H
#define SZ_MEDIA_STRIP_INT_H

#include "media/strip.h"

SZ_MUST_CHECK int sz_strip_jpeg(const uint8_t *in, size_t len, sz_buf *out, sz_strip_report *rep);
SZ_MUST_CHECK int sz_strip_png(const uint8_t *in, size_t len, sz_buf *out, sz_strip_report *rep);
SZ_MUST_CHECK int sz_strip_pdf(const uint8_t *in, size_t len, sz_buf *out, sz_strip_report *rep);

/* The EXIF orientation (1..8) in the TIFF structure of an EXIF segment's body (after
 * "Exif\0\0"), or 0; *gps set to 1 if IFD0 points to a GPS directory.  Bounded: never reads
 * outside tiff[0..len). */
int sz_strip_exif_orientation(const uint8_t *tiff, size_t len, int *gps);

#endif /* SZ_MEDIA_STRIP_INT_H */
