/*
 * strip.c - what a file is, and stripping it by its type (see strip.h): the per-format work is
 * in jpeg.c, png.c and pdf.c.  Layer: media.
 */
#include <stdio.h>
#include <string.h>

#include "media/strip_int.h"

int
sz_media_sniff(const uint8_t *p, size_t n)
{
	static const uint8_t png[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	if (n >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
		return SZ_MEDIA_JPEG;
	if (n >= 8 && memcmp(p, png, 8) == 0)
		return SZ_MEDIA_PNG;
	/* "%PDF-" within the first 1024 bytes, as readers accept it (ISO 32000-1 §7.5.2 says at
	 * the start; libqpdf, like most readers, looks a little further). */
	if (n >= 5 && memmem(p, n < 1024 ? n : 1024, "%PDF-", 5) != NULL)
		return SZ_MEDIA_PDF;
	return SZ_MEDIA_OTHER;
}

const char *
sz_media_name(int type)
{
	switch (type) {
	case SZ_MEDIA_JPEG: return "JPEG picture";
	case SZ_MEDIA_PNG: return "PNG picture";
	case SZ_MEDIA_PDF: return "PDF document";
	default: return "file";
	}
}

const char *
sz_media_ext(int type)
{
	switch (type) {
	case SZ_MEDIA_JPEG: return "jpg";
	case SZ_MEDIA_PNG: return "png";
	case SZ_MEDIA_PDF: return "pdf";
	default: return "bin";
	}
}

int
sz_strip(const uint8_t *in, size_t len, sz_buf *out, sz_strip_report *rep)
{
	int r;
	memset(rep, 0, sizeof *rep);
	if (in == NULL || out == NULL)
		return SZ_ERR_INVALID;
	if (len > SZ_STRIP_MAX_INPUT)
		return SZ_ERR_TOO_LARGE;
	rep->type = sz_media_sniff(in, len);
	switch (rep->type) {
	case SZ_MEDIA_JPEG: r = sz_strip_jpeg(in, len, out, rep); break;
	case SZ_MEDIA_PNG: r = sz_strip_png(in, len, out, rep); break;
	case SZ_MEDIA_PDF: r = sz_strip_pdf(in, len, out, rep); break;
	default: r = SZ_ERR_UNSUPPORTED; break;
	}
	if (r == SZ_OK && out->err)
		r = out->err;
	if (r != SZ_OK) {
		int type = rep->type;
		sz_buf_free(out);
		memset(rep, 0, sizeof *rep);
		rep->type = type;
	}
	return r;
}

void
sz_strip_describe(uint32_t removed, char *out, size_t n)
{
	static const struct { uint32_t bit; const char *text; } names[] = {
		{ SZ_STRIP_EXIF, "EXIF" },
		{ SZ_STRIP_XMP, "XMP" },
		{ SZ_STRIP_IPTC, "IPTC" },
		{ SZ_STRIP_COMMENT, "comments" },
		{ SZ_STRIP_TEXT, "text chunks" },
		{ SZ_STRIP_ICC, "colour profile" },
		{ SZ_STRIP_THUMB, "thumbnails or extra images" },
		{ SZ_STRIP_TIME, "modification time" },
		{ SZ_STRIP_TRAILER, "data after the end" },
		{ SZ_STRIP_INFO, "document information (author, title, dates)" },
		{ SZ_STRIP_HISTORY, "earlier revisions" },
		{ SZ_STRIP_ANNOT, "annotation authors and dates" },
		{ SZ_STRIP_OTHER, "other application data" },
	};
	size_t used = 0;
	if (n == 0)
		return;
	out[0] = '\0';
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (!(removed & names[i].bit))
			continue;
		const char *extra = names[i].bit == SZ_STRIP_EXIF && (removed & SZ_STRIP_GPS) ?
		    " (with a GPS position)" : "";
		int k = snprintf(out + used, n - used, "%s%s%s", used ? ", " : "", names[i].text, extra);
		if (k < 0 || (size_t)k >= n - used)
			break;
		used += (size_t)k;
	}
	if (used == 0)
		snprintf(out, n, "nothing");
}
