/*
 * media_testlib.c - pictures and documents made and decoded for tests (see media_testlib.h):
 * libjpeg and libpng encode and decode, libqpdf reads PDFs back.  Layer: media, tests only.
 */
#include "media/media_testlib.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <png.h>
#include <qpdf/qpdf-c.h>

#include "media/strip.h"

/* --- JPEG ------------------------------------------------------------------------------- */

typedef struct jerr {
	struct jpeg_error_mgr pub;
	jmp_buf jb;
} jerr;

static void
jerr_exit(j_common_ptr ci)
{
	longjmp(((jerr *)(void *)ci->err)->jb, 1);
}

static void
jerr_quiet(j_common_ptr ci, int level)
{
	(void)ci;
	(void)level;
}

int
sz_mt_jpeg(sz_buf *out, int w, int h, int comps, int progressive)
{
	struct jpeg_compress_struct ci;
	jerr je;
	unsigned char *volatile mem = NULL;
	unsigned long size = 0;
	uint8_t *volatile row = malloc((size_t)w * (size_t)comps);
	if (row == NULL)
		return -1;
	ci.err = jpeg_std_error(&je.pub);
	je.pub.error_exit = jerr_exit;
	je.pub.emit_message = jerr_quiet;
	if (setjmp(je.jb)) {
		jpeg_destroy_compress(&ci);
		free(mem);
		free(row);
		return -1;
	}
	jpeg_create_compress(&ci);
	jpeg_mem_dest(&ci, (unsigned char **)&mem, &size);
	ci.image_width = (JDIMENSION)w;
	ci.image_height = (JDIMENSION)h;
	ci.input_components = comps;
	ci.in_color_space = comps == 1 ? JCS_GRAYSCALE : comps == 3 ? JCS_RGB : JCS_CMYK;
	jpeg_set_defaults(&ci);
	jpeg_set_quality(&ci, 90, TRUE);
	if (progressive)
		jpeg_simple_progression(&ci);
	jpeg_start_compress(&ci, TRUE);
	while (ci.next_scanline < ci.image_height) {
		int y = (int)ci.next_scanline;
		for (int x = 0; x < w; x++)
			for (int c = 0; c < comps; c++)
				row[x * comps + c] = (uint8_t)((x * 7 + y * 13 + c * 71) ^ (x * y));
		JSAMPROW rp = (JSAMPROW)row;
		jpeg_write_scanlines(&ci, &rp, 1);
	}
	jpeg_finish_compress(&ci);
	jpeg_destroy_compress(&ci);
	sz_buf_append(out, mem, size);
	free(mem);
	free(row);
	return out->err ? -1 : 0;
}

int
sz_mt_jpeg_insert(sz_buf *jpeg, uint8_t marker, const void *payload, size_t len)
{
	sz_buf b = { 0 };
	if (jpeg->len < 2 || len > 65533)
		return -1;
	sz_buf_append(&b, jpeg->p, 2);
	sz_buf_u8(&b, 0xff);
	sz_buf_u8(&b, marker);
	sz_buf_u16(&b, (uint16_t)(len + 2));
	sz_buf_append(&b, payload, len);
	sz_buf_append(&b, jpeg->p + 2, jpeg->len - 2);
	if (b.err) {
		sz_buf_free(&b);
		return -1;
	}
	sz_buf_free(jpeg);
	*jpeg = b;
	return 0;
}

/* One IFD entry, big-endian. */
static void
ifd_entry(sz_buf *b, uint16_t tag, uint16_t type, uint32_t count, uint32_t value)
{
	sz_buf_u16(b, tag);
	sz_buf_u16(b, type);
	sz_buf_u32(b, count);
	sz_buf_u32(b, value);
}

void
sz_mt_exif(sz_buf *out, int orientation, int gps)
{
	static const char make[] = "SecretCam SN-4711"; /* 18 bytes with its NUL */
	/* TIFF: header (8), IFD0 at 8: count, 3 entries, next = 0 (2 + 36 + 4 = 42) -> 50; make at
	 * 50 (18) -> 68; GPS IFD at 68: count, 4 entries, next (2 + 48 + 4 = 54) -> 122; two
	 * rationals x3 at 122 and 146. */
	sz_buf_append(out, "Exif\0\0", 6);
	sz_buf_append(out, "MM\0\x2a\0\0\0\x08", 8);
	sz_buf_u16(out, 3);
	ifd_entry(out, 0x010f, 2, sizeof make, 50);
	ifd_entry(out, 0x0112, 3, 1, (uint32_t)orientation << 16);
	ifd_entry(out, 0x8825, 4, 1, gps ? 68 : 0);
	sz_buf_u32(out, 0);
	sz_buf_append(out, make, sizeof make);
	sz_buf_u16(out, 4);
	ifd_entry(out, 0x0001, 2, 2, (uint32_t)'N' << 24);
	ifd_entry(out, 0x0002, 5, 3, 122);
	ifd_entry(out, 0x0003, 2, 2, (uint32_t)'E' << 24);
	ifd_entry(out, 0x0004, 5, 3, 146);
	sz_buf_u32(out, 0);
	const uint32_t lat[6] = { 55, 1, 45, 1, 1234, 100 }, lon[6] = { 37, 1, 36, 1, 5678, 100 };
	for (int i = 0; i < 6; i++)
		sz_buf_u32(out, lat[i]);
	for (int i = 0; i < 6; i++)
		sz_buf_u32(out, lon[i]);
}

/* --- PNG -------------------------------------------------------------------------------- */

static void
png_wr(png_structp p, png_bytep data, size_t n)
{
	sz_buf_append(png_get_io_ptr(p), data, n);
}

static void
png_fl(png_structp p)
{
	(void)p;
}

int
sz_mt_png(sz_buf *out, int w, int h, int palette, int meta)
{
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png == NULL ? NULL : png_create_info_struct(png);
	uint8_t *volatile row = malloc((size_t)w * 4);
	if (png == NULL || info == NULL || row == NULL) {
		png_destroy_write_struct(&png, &info);
		free(row);
		return -1;
	}
	if (setjmp(png_jmpbuf(png))) {
		png_destroy_write_struct(&png, &info);
		free(row);
		return -1;
	}
	png_set_write_fn(png, out, png_wr, png_fl);
	png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8,
	    palette ? PNG_COLOR_TYPE_PALETTE : PNG_COLOR_TYPE_RGBA, PNG_INTERLACE_NONE,
	    PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	if (palette) {
		png_color pal[4] = { { 0, 0, 0 }, { 255, 0, 0 }, { 0, 255, 0 }, { 0, 0, 255 } };
		png_byte trans[2] = { 0, 128 };
		png_set_PLTE(png, info, pal, 4);
		png_set_tRNS(png, info, trans, 2, NULL);
	}
	png_set_gAMA(png, info, 1.0 / 2.2);
	if (meta) {
		png_text t[3];
		memset(t, 0, sizeof t);
		t[0].compression = PNG_TEXT_COMPRESSION_NONE;
		t[0].key = (char *)"Author";
		t[0].text = (char *)"Alice Secret";
		t[1].compression = PNG_TEXT_COMPRESSION_zTXt;
		t[1].key = (char *)"Comment";
		t[1].text = (char *)"made by Alice Secret at 55.7534 N 37.6156 E";
		t[2].compression = PNG_ITXT_COMPRESSION_NONE;
		t[2].key = (char *)"XML:com.adobe.xmp";
		t[2].text = (char *)"<x:xmpmeta><dc:creator>Alice Secret</dc:creator></x:xmpmeta>";
		t[2].lang = (char *)"";
		t[2].lang_key = (char *)"";
		png_set_text(png, info, t, 3);
		png_time mod = { 2024, 3, 1, 12, 34, 56 };
		png_set_tIME(png, info, &mod);
		sz_buf exif = { 0 };
		sz_mt_exif(&exif, 1, 1);
		if (exif.err == 0)
			png_set_eXIf_1(png, info, (png_uint_32)(exif.len - 6), exif.p + 6);
		png_set_pHYs(png, info, 2835, 2835, PNG_RESOLUTION_METER);
		png_unknown_chunk u;
		memset(&u, 0, sizeof u);
		memcpy(u.name, "prVt", 5);
		u.data = (png_byte *)"Alice Secret's private chunk";
		u.size = 28;
		u.location = PNG_HAVE_IHDR;
		png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_ALWAYS, (png_const_bytep)"prVt", 1);
		png_set_unknown_chunks(png, info, &u, 1);
		png_write_info(png, info);
		sz_buf_free(&exif);
	} else {
		png_write_info(png, info);
	}
	for (int y = 0; y < h; y++) {
		for (int x = 0; x < w; x++) {
			if (palette) {
				row[x] = (uint8_t)((x / 3 + y / 5) & 3);
			} else {
				for (int c = 0; c < 4; c++)
					row[x * 4 + c] = (uint8_t)(x * 9 + y * 5 + c * 60);
			}
		}
		png_write_row(png, (png_const_bytep)row);
	}
	png_write_end(png, info);
	png_destroy_write_struct(&png, &info);
	free(row);
	return out->err ? -1 : 0;
}

/* --- PDF -------------------------------------------------------------------------------- */

typedef struct pdfw {
	sz_buf *b;
	size_t off[16];
} pdfw;

static void
pdf_obj(pdfw *p, int num, const char *body, const uint8_t *stream, size_t slen)
{
	char head[32];
	p->off[num] = p->b->len;
	snprintf(head, sizeof head, "%d 0 obj\n", num);
	sz_buf_append(p->b, head, strlen(head));
	sz_buf_append(p->b, body, strlen(body));
	if (stream != NULL) {
		sz_buf_append(p->b, "\nstream\n", 8);
		sz_buf_append(p->b, stream, slen);
		sz_buf_append(p->b, "\nendstream", 10);
	}
	sz_buf_append(p->b, "\nendobj\n", 8);
}

static void
pdf_xref(pdfw *p, int first, int count, const char *trailer)
{
	char line[64];
	size_t start = p->b->len;
	snprintf(line, sizeof line, "xref\n%d %d\n", first == 1 ? 0 : first, first == 1 ? count + 1 : count);
	sz_buf_append(p->b, line, strlen(line));
	if (first == 1)
		sz_buf_append(p->b, "0000000000 65535 f \n", 20);
	for (int i = first; i < first + count; i++) {
		snprintf(line, sizeof line, "%010zu 00000 n \n", p->off[i]);
		sz_buf_append(p->b, line, strlen(line));
	}
	sz_buf_append(p->b, "trailer\n", 8);
	sz_buf_append(p->b, trailer, strlen(trailer));
	snprintf(line, sizeof line, "\nstartxref\n%zu\n%%%%EOF\n", start);
	sz_buf_append(p->b, line, strlen(line));
}

int
sz_mt_pdf(sz_buf *out, int meta, const uint8_t *jpeg, size_t jpeglen)
{
	pdfw p = { .b = out };
	char body[512], trailer[256];
	static const char content[] = "BT /F1 18 Tf 20 150 Td (Hello strike) Tj ET q 100 0 0 80 20 20 cm /Im1 Do Q";
	static const char xmp[] = "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><dc:creator>Alice Secret XMP"
	    "</dc:creator></x:xmpmeta>";
	sz_buf_append(out, "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", 15);
	pdf_obj(&p, 1, meta ? "<< /Type /Catalog /Pages 2 0 R /Metadata 5 0 R >>" :
	    "<< /Type /Catalog /Pages 2 0 R >>", NULL, 0);
	pdf_obj(&p, 2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>", NULL, 0);
	snprintf(body, sizeof body, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] "
	    "/Contents 4 0 R /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont "
	    "/Helvetica >> >> %s >> %s >>", jpeg ? "/XObject << /Im1 8 0 R >>" : "",
	    meta ? "/Annots [6 0 R] /PieceInfo << /Illustrator << /Private (Alice Secret piece) >> >>" : "");
	pdf_obj(&p, 3, body, NULL, 0);
	snprintf(body, sizeof body, "<< /Length %zu >>", strlen(content));
	pdf_obj(&p, 4, body, (const uint8_t *)content, strlen(content));
	snprintf(body, sizeof body, "<< /Type /Metadata /Subtype /XML /Length %zu >>", strlen(xmp));
	pdf_obj(&p, 5, body, (const uint8_t *)xmp, strlen(xmp));
	pdf_obj(&p, 6, "<< /Type /Annot /Subtype /Text /Rect [10 10 30 30] /T (Alice Secret) "
	    "/M (D:20240301123456Z) /Contents (see the list) >>", NULL, 0);
	pdf_obj(&p, 7, "<< /Author (Alice Secret) /Producer (SecretWriter 9.1) "
	    "/CreationDate (D:20240301123456Z) >>", NULL, 0);
	if (jpeg != NULL) {
		snprintf(body, sizeof body, "<< /Type /XObject /Subtype /Image /Width 32 /Height 24 "
		    "/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode /Length %zu >>", jpeglen);
		pdf_obj(&p, 8, body, jpeg, jpeglen);
	}
	snprintf(trailer, sizeof trailer, "<< /Size %d /Root 1 0 R %s>>", jpeg ? 9 : 8,
	    meta ? "/Info 7 0 R /ID [<0badc0ffee0badc0ffee0badc0ffee00> <0badc0ffee0badc0ffee0badc0ffee00>] " : "");
	pdf_xref(&p, 1, jpeg ? 8 : 7, trailer);
	if (meta) {
		/* An incremental update: a new information dictionary, an earlier one left behind. */
		size_t prev = 0;
		const char *sx = NULL;
		for (const char *s = (const char *)out->p; (s = memmem(s, out->len - (size_t)(s -
		    (const char *)out->p), "startxref\n", 10)) != NULL; s += 10)
			sx = s;
		if (sx != NULL)
			prev = strtoul(sx + 10, NULL, 10);
		pdf_obj(&p, 7, "<< /Author (Alice Revised) /ModDate (D:20240302000000Z) >>", NULL, 0);
		snprintf(trailer, sizeof trailer, "<< /Size %d /Root 1 0 R /Info 7 0 R /Prev %zu "
		    "/ID [<0badc0ffee0badc0ffee0badc0ffee00> <1badc0ffee0badc0ffee0badc0ffee01>] >>",
		    jpeg ? 9 : 8, prev);
		pdf_xref(&p, 7, 1, trailer);
	}
	return out->err ? -1 : 0;
}

int
sz_mt_pdf_residual(sz_buf *out, int signature)
{
	pdfw p = { .b = out };
	static const char content[] = "BT /F1 12 Tf 20 150 Td (Attached) Tj ET";
	static const char inner[] = "a file of its own, by Alice Secret";
	char body[256];
	sz_buf_append(out, "%PDF-1.7\n", 9);
	pdf_obj(&p, 1, signature ? "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [5 0 R] >> >>" :
	    "<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names [(a.txt) 5 0 R] >> >> >>",
	    NULL, 0);
	pdf_obj(&p, 2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>", NULL, 0);
	pdf_obj(&p, 3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>", NULL, 0);
	snprintf(body, sizeof body, "<< /Length %zu >>", strlen(content));
	pdf_obj(&p, 4, body, (const uint8_t *)content, strlen(content));
	if (signature) {
		pdf_obj(&p, 5, "<< /FT /Sig /T (Signature1) /V 6 0 R >>", NULL, 0);
		pdf_obj(&p, 6, "<< /Type /Sig /Filter /Adobe.PPKLite /Name (Alice Secret) /ByteRange "
		    "[0 10 20 30] /Contents <00112233> /M (D:20240301) >>", NULL, 0);
	} else {
		pdf_obj(&p, 5, "<< /Type /Filespec /F (a.txt) /EF << /F 6 0 R >> >>", NULL, 0);
		snprintf(body, sizeof body, "<< /Type /EmbeddedFile /Length %zu /Params << /ModDate "
		    "(D:20240301) >> >>", strlen(inner));
		pdf_obj(&p, 6, body, (const uint8_t *)inner, strlen(inner));
	}
	pdf_xref(&p, 1, 6, "<< /Size 7 /Root 1 0 R >>");
	return out->err ? -1 : 0;
}

/* --- decoding ---------------------------------------------------------------------------- */

static int
decode_jpeg(const uint8_t *p, size_t n, sz_mt_decoded *d)
{
	struct jpeg_decompress_struct ci;
	jerr je;
	ci.err = jpeg_std_error(&je.pub);
	je.pub.error_exit = jerr_exit;
	je.pub.emit_message = jerr_quiet;
	if (setjmp(je.jb)) {
		jpeg_destroy_decompress(&ci);
		return -1;
	}
	jpeg_create_decompress(&ci);
	jpeg_mem_src(&ci, p, (unsigned long)n);
	if (jpeg_read_header(&ci, TRUE) != JPEG_HEADER_OK)
		longjmp(je.jb, 1);
	jpeg_start_decompress(&ci);
	d->w = (int)ci.output_width;
	d->h = (int)ci.output_height;
	d->comps = ci.output_components;
	size_t stride = (size_t)d->w * (size_t)d->comps;
	while (ci.output_scanline < ci.output_height) {
		uint8_t *row = sz_buf_zeros(&d->data, stride);
		if (row == NULL)
			longjmp(je.jb, 1);
		JSAMPROW rp = row;
		jpeg_read_scanlines(&ci, &rp, 1);
	}
	jpeg_finish_decompress(&ci);
	jpeg_destroy_decompress(&ci);
	return 0;
}

static int
decode_png(const uint8_t *p, size_t n, sz_mt_decoded *d)
{
	png_image im;
	memset(&im, 0, sizeof im);
	im.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_memory(&im, p, n))
		return -1;
	im.format = PNG_FORMAT_RGBA;
	uint8_t *px = sz_buf_zeros(&d->data, PNG_IMAGE_SIZE(im));
	if (px == NULL || !png_image_finish_read(&im, NULL, px, 0, NULL)) {
		png_image_free(&im);
		return -1;
	}
	d->w = (int)im.width;
	d->h = (int)im.height;
	d->comps = 4;
	return 0;
}

static int
decode_pdf(const uint8_t *p, size_t n, sz_mt_decoded *d)
{
	qpdf_data q = qpdf_init();
	int r = -1;
	qpdf_silence_errors(q);
	qpdf_set_suppress_warnings(q, QPDF_TRUE);
	if ((qpdf_read_memory(q, "test", (const char *)p, (unsigned long long)n, NULL) & QPDF_ERRORS) ||
	    (d->pages = qpdf_get_num_pages(q)) <= 0)
		goto out;
	for (int i = 0; i < d->pages; i++) {
		unsigned char *c = NULL;
		size_t clen = 0;
		qpdf_oh page = qpdf_get_page_n(q, (size_t)i);
		if (qpdf_oh_get_page_content_data(q, page, &c, &clen) & QPDF_ERRORS) {
			free(c);
			goto out;
		}
		sz_buf_append(&d->data, c, clen);
		free(c);
	}
	r = d->data.err ? -1 : 0;
out:
	if (qpdf_has_error(q))
		(void)qpdf_get_error(q);
	while (qpdf_more_warnings(q))
		(void)qpdf_next_warning(q);
	qpdf_cleanup(&q);
	return r;
}

int
sz_mt_decode(const uint8_t *p, size_t n, sz_mt_decoded *d)
{
	memset(d, 0, sizeof *d);
	d->type = sz_media_sniff(p, n);
	switch (d->type) {
	case SZ_MEDIA_JPEG: return decode_jpeg(p, n, d);
	case SZ_MEDIA_PNG: return decode_png(p, n, d);
	case SZ_MEDIA_PDF: return decode_pdf(p, n, d);
	default: return -1;
	}
}

void
sz_mt_decoded_free(sz_mt_decoded *d)
{
	sz_buf_free(&d->data);
}
