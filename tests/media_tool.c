/*
 * media_tool.c - pictures and documents for the scenario tests (tests/scenario/attach.t,
 * tests/media/strip.t), made and checked with libjpeg, libpng and libqpdf
 * (src/media/media_testlib.c):
 *
 *   media_tool make jpeg|png|pdf OUT     a plain file (exiftool adds the metadata)
 *   media_tool make jpeg|png OUT W H     the same, W x H pixels
 *   media_tool make pdf-photo OUT JPEG   a one-page PDF showing the picture JPEG
 *   media_tool decode FILE               "TYPE W H COMPONENTS PAGES HASH" of what it decodes to
 *                                        (HASH: BLAKE2b-256 of the pixels or page contents);
 *                                        exits 1 if it does not decode
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "samizdat.h"
#include "crypto/crypto.h"
#include "lib/bytes.h"
#include "media/media_testlib.h"
#include "media/strip.h"

static int
slurp(const char *path, sz_buf *b)
{
	FILE *f = fopen(path, "rb");
	uint8_t tmp[65536];
	size_t n;
	if (f == NULL)
		return -1;
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		sz_buf_append(b, tmp, n);
	int bad = ferror(f) || b->err;
	fclose(f);
	return bad ? -1 : 0;
}

static int
spill(const char *path, const sz_buf *b)
{
	FILE *f = fopen(path, "wb");
	if (f == NULL)
		return -1;
	int bad = fwrite(b->p, 1, b->len, f) != b->len;
	return fclose(f) != 0 || bad ? -1 : 0;
}

int
main(int argc, char **argv)
{
	sz_buf b = { 0 }, j = { 0 };
	int r = -1;
	if (sz_init() != SZ_OK)
		return 2;
	if ((argc == 4 || argc == 6) && strcmp(argv[1], "make") == 0) {
		int w = argc == 6 ? atoi(argv[4]) : 320, h = argc == 6 ? atoi(argv[5]) : 240;
		if (w < 1 || h < 1 || w > 8192 || h > 8192)
			w = h = 0;
		if (w && strcmp(argv[2], "jpeg") == 0)
			r = sz_mt_jpeg(&b, w, h, 3, 0);
		else if (w && strcmp(argv[2], "png") == 0)
			r = sz_mt_png(&b, w, h, 0, 0);
		else if (strcmp(argv[2], "pdf") == 0)
			r = sz_mt_pdf(&b, 0, NULL, 0);
		if (r == 0)
			r = spill(argv[3], &b);
	} else if (argc == 5 && strcmp(argv[1], "make") == 0 && strcmp(argv[2], "pdf-photo") == 0) {
		if (slurp(argv[4], &j) == 0 && sz_mt_pdf(&b, 0, j.p, j.len) == 0)
			r = spill(argv[3], &b);
	} else if (argc == 3 && strcmp(argv[1], "decode") == 0) {
		sz_mt_decoded d;
		uint8_t h[32];
		char hex[65];
		if (slurp(argv[2], &b) == 0 && sz_mt_decode(b.p, b.len, &d) == 0) {
			if (sz_blake2b(h, 32, d.data.p, d.data.len, NULL, 0) == SZ_OK) {
				sz_hex_encode(hex, h, 32);
				printf("%s %d %d %d %d %s\n", sz_media_ext(d.type), d.w, d.h, d.comps,
				    d.pages, hex);
				r = 0;
			}
			sz_mt_decoded_free(&d);
		}
		sz_buf_free(&b);
		return r == 0 ? 0 : 1;
	} else {
		fprintf(stderr, "usage: media_tool make jpeg|png|pdf OUT [W H] | make pdf-photo OUT JPEG | "
		    "decode FILE\n");
		return 2;
	}
	sz_buf_free(&b);
	sz_buf_free(&j);
	if (r != 0)
		fprintf(stderr, "media_tool: failed\n");
	return r == 0 ? 0 : 1;
}
