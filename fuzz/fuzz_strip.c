/*
 * fuzz_strip.c - libFuzzer target: the JPEG and PNG walkers (media/jpeg.c, png.c).  Whatever is
 * taken must come out clean: stripping the output again gives the same bytes, it is no longer
 * than the input plus the segments we make (86 bytes), and a JPEG's output holds no application
 * segment but the three we write.  The first byte picks the format, so both stay reachable.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "media/strip.h"
#include "media/strip_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
jpeg_apps_ok(const sz_buf *b)
{
	/* SOI, then only our own APP0 (JFIF), APP1 (Exif, 34 bytes), APP14 (Adobe, 14 bytes). */
	size_t pos = 2;
	while (pos + 4 <= b->len && b->p[pos] == 0xff && b->p[pos + 1] >= 0xe0 &&
	    b->p[pos + 1] <= 0xef) {
		uint8_t m = b->p[pos + 1];
		size_t l = (size_t)b->p[pos + 2] << 8 | b->p[pos + 3];
		if ((m == 0xe0 && (l != 16 || memcmp(b->p + pos + 4, "JFIF", 4) != 0)) ||
		    (m == 0xe1 && l != 34) || (m == 0xee && l != 14) ||
		    (m != 0xe0 && m != 0xe1 && m != 0xee))
			abort();
		pos += 2 + l;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	sz_buf out = { 0 }, again = { 0 };
	sz_strip_report rep, rep2;
	int r = (data[0] & 1) ? sz_strip_png(data + 1, size - 1, &out, &rep) :
	    sz_strip_jpeg(data + 1, size - 1, &out, &rep);
	memset(&rep, 0, sizeof rep);
	if (r == SZ_OK) {
		if (out.len > size - 1 + 86)
			abort();
		if (sz_strip(out.p, out.len, &again, &rep2) != SZ_OK)
			abort();
		if (again.len != out.len || memcmp(again.p, out.p, out.len) != 0)
			abort();
		if (!(data[0] & 1))
			jpeg_apps_ok(&out);
	}
	sz_buf_free(&out);
	sz_buf_free(&again);
	return 0;
}
