/*
 * strip_test.c - unit tests of metadata stripping (media/strip.c, jpeg.c, png.c, pdf.c): files
 * made here with libjpeg, libpng and by hand carry names, a GPS position, dates; after stripping
 * no byte of them is left, and the file decodes to exactly the same pixels (or pages).  Damaged
 * input of every length is refused, never guessed at.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "media/media_testlib.h"
#include "media/strip.h"
#include "media/strip_int.h"

static int
has(const sz_buf *b, const char *s)
{
	return memmem(b->p, b->len, s, strlen(s)) != NULL;
}

/* Decode both and require the same picture. */
static void
same_picture(const sz_buf *a, const sz_buf *b)
{
	sz_mt_decoded da, db;
	assert_int_equal(sz_mt_decode(a->p, a->len, &da), 0);
	assert_int_equal(sz_mt_decode(b->p, b->len, &db), 0);
	assert_int_equal(da.w, db.w);
	assert_int_equal(da.h, db.h);
	assert_int_equal(da.comps, db.comps);
	assert_int_equal(da.data.len, db.data.len);
	assert_memory_equal(da.data.p, db.data.p, da.data.len);
	sz_mt_decoded_free(&da);
	sz_mt_decoded_free(&db);
}

/* A JPEG with everything a phone and an editor put in it. */
static void
dirty_jpeg(sz_buf *j, int comps, int progressive, int orientation)
{
	sz_buf exif = { 0 };
	static const char xmp[] = "http://ns.adobe.com/xap/1.0/\0<x:xmpmeta><dc:creator>Alice Secret"
	    "</dc:creator></x:xmpmeta>";
	static const char icc[] = "ICC_PROFILE\0\1\1" "desc Alice Secret's phone";
	static const char ps[] = "Photoshop 3.0\0" "8BIM\4\4\0\0\0\0\0\x10" "\x1c\x02\x50\0\x0c" "Alice Secret";
	static const char com[] = "taken by Alice Secret";
	static const char jfxx[] = "JFXX\0\x10" "thumbnail of Alice Secret";
	assert_int_equal(sz_mt_jpeg(j, 40, 24, comps, progressive), 0);
	sz_mt_exif(&exif, orientation, 1);
	assert_int_equal(exif.err, 0);
	assert_int_equal(sz_mt_jpeg_insert(j, 0xe1, exif.p, exif.len), 0);
	assert_int_equal(sz_mt_jpeg_insert(j, 0xe1, xmp, sizeof xmp - 1), 0);
	assert_int_equal(sz_mt_jpeg_insert(j, 0xe2, icc, sizeof icc - 1), 0);
	assert_int_equal(sz_mt_jpeg_insert(j, 0xed, ps, sizeof ps - 1), 0);
	assert_int_equal(sz_mt_jpeg_insert(j, 0xfe, com, sizeof com - 1), 0);
	assert_int_equal(sz_mt_jpeg_insert(j, 0xe0, jfxx, sizeof jfxx - 1), 0);
	sz_buf_append(j, "MotionPhoto of Alice Secret", 27); /* after EOI */
	sz_buf_free(&exif);
}

static void
check_clean(const sz_buf *out)
{
	assert_false(has(out, "Alice"));
	assert_false(has(out, "SecretCam"));
	assert_false(has(out, "SN-4711"));
	assert_false(has(out, "MotionPhoto"));
	/* the GPS rationals: 55/1 45/1 1234/100 */
	static const uint8_t lat[12] = { 0, 0, 0, 55, 0, 0, 0, 1, 0, 0, 0, 45 };
	assert_null(memmem(out->p, out->len, lat, sizeof lat));
}

static void
test_jpeg_exif_gps(void **state)
{
	(void)state;
	for (int comps = 1; comps <= 4; comps += comps == 1 ? 2 : 1) {
		for (int prog = 0; prog <= 1; prog++) {
			sz_buf j = { 0 }, out = { 0 };
			sz_strip_report rep;
			dirty_jpeg(&j, comps, prog, 6);
			assert_int_equal(sz_strip(j.p, j.len, &out, &rep), SZ_OK);
			assert_int_equal(rep.type, SZ_MEDIA_JPEG);
			assert_true(rep.removed & SZ_STRIP_EXIF);
			assert_true(rep.removed & SZ_STRIP_GPS);
			assert_true(rep.removed & SZ_STRIP_XMP);
			assert_true(rep.removed & SZ_STRIP_ICC);
			assert_true(rep.removed & SZ_STRIP_IPTC);
			assert_true(rep.removed & SZ_STRIP_COMMENT);
			assert_true(rep.removed & SZ_STRIP_THUMB);
			assert_true(rep.removed & SZ_STRIP_TRAILER);
			assert_int_equal(rep.residual, 0);
			assert_int_equal(rep.orientation, 6);
			check_clean(&out);
			/* the orientation survives, alone */
			int gps = 1;
			const uint8_t *ex = memmem(out.p, out.len, "Exif\0\0", 6);
			assert_non_null(ex);
			assert_int_equal(sz_strip_exif_orientation(ex + 6, 26, &gps), 6);
			assert_int_equal(gps, 0);
			/* CMYK keeps its Adobe transform: decodes the same */
			if (comps == 4)
				assert_non_null(memmem(out.p, out.len, "Adobe", 5));
			same_picture(&j, &out);
			/* stripping again changes nothing */
			sz_buf again = { 0 };
			assert_int_equal(sz_strip(out.p, out.len, &again, &rep), SZ_OK);
			assert_int_equal(again.len, out.len);
			assert_memory_equal(again.p, out.p, out.len);
			assert_int_equal(rep.removed & ~SZ_STRIP_EXIF, 0);
			sz_buf_free(&again);
			sz_buf_free(&j);
			sz_buf_free(&out);
		}
	}
}

static void
test_jpeg_upright_has_no_exif(void **state)
{
	(void)state;
	sz_buf j = { 0 }, out = { 0 };
	sz_strip_report rep;
	dirty_jpeg(&j, 3, 0, 1);
	assert_int_equal(sz_strip(j.p, j.len, &out, &rep), SZ_OK);
	assert_null(memmem(out.p, out.len, "Exif", 4));
	check_clean(&out);
	same_picture(&j, &out);
	sz_buf_free(&j);
	sz_buf_free(&out);
}

static void
test_png_text_exif_time(void **state)
{
	(void)state;
	for (int pal = 0; pal <= 1; pal++) {
		sz_buf p = { 0 }, out = { 0 };
		sz_strip_report rep;
		assert_int_equal(sz_mt_png(&p, 33, 17, pal, 1), 0);
		assert_true(has(&p, "Alice Secret"));
		assert_true(has(&p, "SecretCam"));
		sz_buf_append(&p, "trailing Alice", 14);
		assert_int_equal(sz_strip(p.p, p.len, &out, &rep), SZ_OK);
		assert_int_equal(rep.type, SZ_MEDIA_PNG);
		assert_true(rep.removed & SZ_STRIP_TEXT);
		assert_true(rep.removed & SZ_STRIP_EXIF);
		assert_true(rep.removed & SZ_STRIP_TIME);
		assert_true(rep.removed & SZ_STRIP_OTHER);
		assert_true(rep.removed & SZ_STRIP_TRAILER);
		check_clean(&out);
		assert_false(has(&out, "tEXt") || has(&out, "zTXt") || has(&out, "iTXt") ||
		    has(&out, "eXIf") || has(&out, "tIME") || has(&out, "prVt"));
		/* what drawing needs stays */
		assert_true(has(&out, "gAMA") && has(&out, "pHYs"));
		if (pal)
			assert_true(has(&out, "PLTE") && has(&out, "tRNS"));
		same_picture(&p, &out);
		sz_buf_free(&p);
		sz_buf_free(&out);
	}
}

static void
test_pdf_info_xmp_history(void **state)
{
	(void)state;
	sz_buf jpeg = { 0 }, pdf = { 0 }, out = { 0 }, out2 = { 0 };
	sz_strip_report rep;
	dirty_jpeg(&jpeg, 3, 0, 1);
	assert_int_equal(sz_mt_pdf(&pdf, 1, jpeg.p, jpeg.len), 0);
	assert_true(has(&pdf, "Alice Secret"));
	sz_mt_decoded before, after;
	assert_int_equal(sz_mt_decode(pdf.p, pdf.len, &before), 0);
	assert_int_equal(before.pages, 1);
	assert_int_equal(sz_strip(pdf.p, pdf.len, &out, &rep), SZ_OK);
	assert_int_equal(rep.type, SZ_MEDIA_PDF);
	assert_true(rep.removed & SZ_STRIP_INFO);
	assert_true(rep.removed & SZ_STRIP_XMP);
	assert_true(rep.removed & SZ_STRIP_HISTORY);
	assert_true(rep.removed & SZ_STRIP_ANNOT);
	assert_true(rep.removed & SZ_STRIP_EXIF); /* the picture inside */
	assert_int_equal(rep.residual, 0);
	check_clean(&out);
	assert_false(has(&out, "Revised"));
	assert_false(has(&out, "SecretWriter"));
	assert_false(has(&out, "D:2024"));
	assert_false(has(&out, "0badc0ffee") || has(&out, "0BADC0FFEE"));
	assert_false(has(&out, "/Author") || has(&out, "/Producer") || has(&out, "/Info"));
	assert_int_equal(sz_mt_decode(out.p, out.len, &after), 0);
	assert_int_equal(after.pages, 1);
	assert_int_equal(before.data.len, after.data.len);
	assert_memory_equal(before.data.p, after.data.p, before.data.len);
	/* the annotation is still there, without its author */
	assert_true(has(&out, "see the list"));
	/* deterministic: the same input gives the same bytes */
	assert_int_equal(sz_strip(pdf.p, pdf.len, &out2, &rep), SZ_OK);
	assert_int_equal(out.len, out2.len);
	assert_memory_equal(out.p, out2.p, out.len);
	sz_mt_decoded_free(&before);
	sz_mt_decoded_free(&after);
	sz_buf_free(&jpeg);
	sz_buf_free(&pdf);
	sz_buf_free(&out);
	sz_buf_free(&out2);
}

static void
test_pdf_plain_and_broken(void **state)
{
	(void)state;
	sz_buf pdf = { 0 }, out = { 0 };
	sz_strip_report rep;
	assert_int_equal(sz_mt_pdf(&pdf, 0, NULL, 0), 0);
	assert_int_equal(sz_strip(pdf.p, pdf.len, &out, &rep), SZ_OK);
	assert_int_equal(rep.removed & (SZ_STRIP_INFO | SZ_STRIP_XMP), 0);
	sz_buf_free(&out);
	/* not a PDF at all after its header */
	static const char junk[] = "%PDF-1.7\nthis is not a document";
	assert_int_not_equal(sz_strip((const uint8_t *)junk, sizeof junk - 1, &out, &rep), SZ_OK);
	assert_null(out.p);
	sz_buf_free(&pdf);
}

/* What cannot be cleaned is said: a PDF carrying a file of its own, or signed.  It is still
 * stripped of what can go, and the caller asks the person (--as-is). */
static void
test_pdf_residual(void **state)
{
	(void)state;
	for (int sig = 0; sig <= 1; sig++) {
		sz_buf pdf = { 0 }, out = { 0 };
		sz_strip_report rep;
		assert_int_equal(sz_mt_pdf_residual(&pdf, sig), 0);
		assert_int_equal(sz_strip(pdf.p, pdf.len, &out, &rep), SZ_OK);
		assert_int_equal(rep.residual, sig ? SZ_STRIP_RES_SIGNED : SZ_STRIP_RES_EMBEDDED);
		if (!sig)
			assert_false(has(&out, "ModDate")); /* the embedded file's dates go */
		sz_buf_free(&pdf);
		sz_buf_free(&out);
	}
}

/* Every prefix and many single-byte changes: refused or stripped, never a crash (ASan) or an
 * output that keeps the secret. */
static void
test_damage_everywhere(void **state)
{
	(void)state;
	sz_buf files[2] = { { 0 }, { 0 } };
	dirty_jpeg(&files[0], 3, 1, 6);
	assert_int_equal(sz_mt_png(&files[1], 9, 7, 0, 1), 0);
	for (int f = 0; f < 2; f++) {
		sz_buf *b = &files[f];
		size_t end = f == 0 ? b->len - 27 : b->len; /* the JPEG's trailer is junk anyway */
		for (size_t n = 0; n < end; n++) {
			sz_buf out = { 0 };
			sz_strip_report rep;
			int r = sz_strip(b->p, n, &out, &rep);
			assert_int_not_equal(r, SZ_OK);
			assert_null(out.p);
		}
		uint32_t x = 12345;
		for (int k = 0; k < 3000; k++) {
			sz_buf out = { 0 };
			sz_strip_report rep;
			x = x * 1103515245u + 12345u;
			size_t at = (x >> 8) % b->len;
			uint8_t old = b->p[at];
			b->p[at] ^= (uint8_t)(1u << (x & 7));
			if (sz_strip(b->p, b->len, &out, &rep) == SZ_OK)
				check_clean(&out);
			b->p[at] = old;
			sz_buf_free(&out);
		}
		sz_buf_free(b);
	}
}

static void
test_exif_parser_bounds(void **state)
{
	(void)state;
	uint8_t t[64];
	int gps;
	memset(t, 0, sizeof t);
	memcpy(t, "II\x2a\0\xff\xff\xff\xff", 8); /* IFD0 far outside */
	assert_int_equal(sz_strip_exif_orientation(t, sizeof t, &gps), 0);
	memcpy(t, "MM\0\x2a\0\0\0\x3e", 8); /* IFD0 two bytes before the end: count, no room */
	t[62] = 0xff;
	t[63] = 0xff;
	assert_int_equal(sz_strip_exif_orientation(t, sizeof t, &gps), 0);
	assert_int_equal(sz_strip_exif_orientation(t, 3, &gps), 0);
	/* orientation 9 is not one */
	memcpy(t, "MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0\x09", 20);
	assert_int_equal(sz_strip_exif_orientation(t, sizeof t, &gps), 0);
	t[19] = 8;
	assert_int_equal(sz_strip_exif_orientation(t, sizeof t, &gps), 8);
}

static void
test_other_types_refused(void **state)
{
	(void)state;
	sz_buf out = { 0 };
	sz_strip_report rep;
	static const uint8_t gif[] = "GIF89a\1\0\1\0";
	assert_int_equal(sz_media_sniff(gif, sizeof gif), SZ_MEDIA_OTHER);
	assert_int_equal(sz_strip(gif, sizeof gif, &out, &rep), SZ_ERR_UNSUPPORTED);
	assert_int_equal(sz_strip(gif, 0, &out, &rep), SZ_ERR_UNSUPPORTED);
	char text[200];
	sz_strip_describe(SZ_STRIP_EXIF | SZ_STRIP_GPS | SZ_STRIP_COMMENT, text, sizeof text);
	assert_string_equal(text, "EXIF (with a GPS position), comments");
	sz_strip_describe(0, text, sizeof text);
	assert_string_equal(text, "nothing");
	sz_strip_describe(0xffff, text, 10);
	assert_true(strlen(text) < 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jpeg_exif_gps),
		cmocka_unit_test(test_jpeg_upright_has_no_exif),
		cmocka_unit_test(test_png_text_exif_time),
		cmocka_unit_test(test_pdf_info_xmp_history),
		cmocka_unit_test(test_pdf_plain_and_broken),
		cmocka_unit_test(test_pdf_residual),
		cmocka_unit_test(test_damage_everywhere),
		cmocka_unit_test(test_exif_parser_bounds),
		cmocka_unit_test(test_other_types_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
