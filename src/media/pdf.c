/*
 * pdf.c - PDF without its metadata, through libqpdf's C API (Debian 12: libqpdf 11.3).
 * Layer: media.  docs/PROTOCOL.md § Attachments §1; why libqpdf: docs/threat/attach.md.
 *
 * The document is read whole, then every object reachable from the trailer is walked once:
 * the trailer's /Info (author, title, producer, dates) and /ID go; in every dictionary,
 * /Metadata (XMP: of the document, a page, an image, a font), /PieceInfo (an application's
 * private data) and /LastModified go; annotations lose their dates and, for markup (comments,
 * highlights...), the author's name in /T; a JPEG image stream loses its own metadata (jpeg.c).
 * libqpdf then writes the document anew from the trailer: earlier revisions of an incrementally
 * saved file, and every object nothing refers to, are left behind; the new /ID is computed from
 * the content (deterministic), so nothing of the original's identifier or of the time remains.
 * Embedded files and digital signatures are reported (residual): the caller asks the person.
 */
#include <stdlib.h>
#include <string.h>

#include <qpdf/qpdf-c.h>

#include "media/strip_int.h"

/* The most objects we walk: a 256 MiB file cannot hold useful many more. */
#define WALK_MAX 4000000u

typedef struct walk {
	qpdf_data q;
	uint64_t *seen;          /* open addressing: (id << 32 | gen) + 1, 0 empty */
	size_t seen_cap, nseen;
	qpdf_oh *stack;
	size_t sn, scap;
	sz_strip_report *rep;
	int err;
} walk;

static int
seen_add(walk *w, int id, int gen)
{
	uint64_t key = ((uint64_t)(uint32_t)id << 32 | (uint32_t)gen) + 1;
	if (w->nseen + 1 > w->seen_cap / 2) {
		size_t cap = w->seen_cap ? w->seen_cap * 2 : 1024;
		uint64_t *t = calloc(cap, sizeof *t);
		if (t == NULL)
			return -1;
		for (size_t i = 0; i < w->seen_cap; i++) {
			if (w->seen[i] == 0)
				continue;
			size_t j = (size_t)(w->seen[i] * 0x9e3779b97f4a7c15ull) & (cap - 1);
			while (t[j] != 0)
				j = (j + 1) & (cap - 1);
			t[j] = w->seen[i];
		}
		free(w->seen);
		w->seen = t;
		w->seen_cap = cap;
	}
	size_t j = (size_t)(key * 0x9e3779b97f4a7c15ull) & (w->seen_cap - 1);
	while (w->seen[j] != 0) {
		if (w->seen[j] == key)
			return 0;
		j = (j + 1) & (w->seen_cap - 1);
	}
	w->seen[j] = key;
	w->nseen++;
	return 1;
}

static void
push(walk *w, qpdf_oh oh)
{
	if (w->err)
		return;
	if (w->sn == w->scap) {
		size_t cap = w->scap ? w->scap * 2 : 256;
		qpdf_oh *s = cap > WALK_MAX * 4 ? NULL : realloc(w->stack, cap * sizeof *s);
		if (s == NULL) {
			w->err = cap > WALK_MAX * 4 ? SZ_ERR_TOO_LARGE : SZ_ERR_NOMEM;
			qpdf_oh_release(w->q, oh);
			return;
		}
		w->stack = s;
		w->scap = cap;
	}
	w->stack[w->sn++] = oh;
}

static int
drop_key(walk *w, qpdf_oh d, const char *key)
{
	if (!qpdf_oh_has_key(w->q, d, key))
		return 0;
	qpdf_oh_remove_key(w->q, d, key);
	w->rep->dropped++;
	return 1;
}

static int
name_is(walk *w, qpdf_oh d, const char *key, const char *const *names)
{
	qpdf_oh v = qpdf_oh_get_key(w->q, d, key);
	int hit = 0;
	for (int i = 0; names[i] != NULL && !hit; i++)
		hit = qpdf_oh_is_name_and_equals(w->q, v, names[i]);
	qpdf_oh_release(w->q, v);
	return hit;
}

/* Annotations that carry an author's name in /T (ISO 32000-1 §12.5.6.2, markup annotations). */
static const char *const markup[] = {
	"/Text", "/FreeText", "/Line", "/Square", "/Circle", "/Polygon", "/PolyLine", "/Highlight",
	"/Underline", "/Squiggly", "/StrikeOut", "/Stamp", "/Caret", "/Ink", "/FileAttachment",
	"/Sound", "/Redact", NULL,
};
static const char *const other_annots[] = {
	"/Link", "/Popup", "/Widget", "/Screen", "/PrinterMark", "/TrapNet", "/Watermark", "/3D",
	"/Movie", "/RichMedia", NULL,
};

static void
clean_dict(walk *w, qpdf_oh d)
{
	static const char *const embedded[] = { "/EmbeddedFile", NULL };
	static const char *const filespec[] = { "/Filespec", NULL };
	if (drop_key(w, d, "/Metadata"))
		w->rep->removed |= SZ_STRIP_XMP;
	if (drop_key(w, d, "/PieceInfo") | drop_key(w, d, "/LastModified"))
		w->rep->removed |= SZ_STRIP_OTHER;
	if (qpdf_oh_has_key(w->q, d, "/Rect") && qpdf_oh_has_key(w->q, d, "/Subtype")) {
		int mk = name_is(w, d, "/Subtype", markup);
		if (mk || name_is(w, d, "/Subtype", other_annots)) {
			int n = (mk && drop_key(w, d, "/T")) + drop_key(w, d, "/M") +
			    drop_key(w, d, "/CreationDate");
			if (n > 0)
				w->rep->removed |= SZ_STRIP_ANNOT;
		}
	}
	if (name_is(w, d, "/Type", embedded)) {
		w->rep->residual |= SZ_STRIP_RES_EMBEDDED;
		(void)drop_key(w, d, "/Params"); /* its dates; what it holds stays */
	}
	if (name_is(w, d, "/Type", filespec) && qpdf_oh_has_key(w->q, d, "/EF"))
		w->rep->residual |= SZ_STRIP_RES_EMBEDDED;
	if (qpdf_oh_has_key(w->q, d, "/ByteRange") && qpdf_oh_has_key(w->q, d, "/Contents"))
		w->rep->residual |= SZ_STRIP_RES_SIGNED;
}

/* A JPEG image (filter /DCTDecode alone): strip what the JPEG carries, keep its pixels. */
static void
clean_jpeg_stream(walk *w, qpdf_oh s, qpdf_oh d)
{
	qpdf_oh f = qpdf_oh_get_key(w->q, d, "/Filter");
	int dct = qpdf_oh_is_name_and_equals(w->q, f, "/DCTDecode");
	if (!dct && qpdf_oh_is_array(w->q, f) && qpdf_oh_get_array_n_items(w->q, f) == 1) {
		qpdf_oh f0 = qpdf_oh_get_array_item(w->q, f, 0);
		dct = qpdf_oh_is_name_and_equals(w->q, f0, "/DCTDecode");
		qpdf_oh_release(w->q, f0);
	}
	unsigned char *buf = NULL;
	size_t len = 0;
	if (dct && (qpdf_oh_get_stream_data(w->q, s, qpdf_dl_none, NULL, &buf, &len) & QPDF_ERRORS) == 0 &&
	    buf != NULL) {
		sz_buf out = { 0 };
		sz_strip_report r = { 0 };
		if (sz_strip_jpeg(buf, len, &out, &r) == SZ_OK) {
			if (r.removed != 0) {
				qpdf_oh parms = qpdf_oh_get_key(w->q, d, "/DecodeParms");
				qpdf_oh_replace_stream_data(w->q, s, out.p, out.len, f, parms);
				qpdf_oh_release(w->q, parms);
				w->rep->removed |= r.removed & ~SZ_STRIP_TRAILER;
				w->rep->dropped += r.dropped;
			}
		} else {
			w->rep->residual |= SZ_STRIP_RES_EMBEDDED; /* a picture we cannot clean */
		}
		sz_buf_free(&out);
	}
	free(buf);
	qpdf_oh_release(w->q, f);
}

/* Push the values of dictionary d that may hold more (dictionaries, arrays, streams). */
static void
push_children(walk *w, qpdf_oh d)
{
	char **keys = NULL;
	size_t nk = 0, cap = 0;
	qpdf_oh_begin_dict_key_iter(w->q, d);
	while (!w->err && qpdf_oh_dict_more_keys(w->q)) {
		const char *k = qpdf_oh_dict_next_key(w->q);
		if (nk == cap) {
			cap = cap ? cap * 2 : 16;
			char **v = realloc(keys, cap * sizeof *v);
			if (v == NULL) {
				w->err = SZ_ERR_NOMEM;
				break;
			}
			keys = v;
		}
		if ((keys[nk] = strdup(k != NULL ? k : "")) == NULL) {
			w->err = SZ_ERR_NOMEM;
			break;
		}
		nk++;
	}
	for (size_t i = 0; i < nk; i++) {
		if (!w->err) {
			qpdf_oh v = qpdf_oh_get_key(w->q, d, keys[i]);
			if (qpdf_oh_is_dictionary(w->q, v) || qpdf_oh_is_array(w->q, v) ||
			    qpdf_oh_is_stream(w->q, v))
				push(w, v);
			else
				qpdf_oh_release(w->q, v);
		}
		free(keys[i]);
	}
	free(keys);
}

static void
visit(walk *w, qpdf_oh oh)
{
	if (qpdf_oh_is_indirect(w->q, oh)) {
		int s = seen_add(w, qpdf_oh_get_object_id(w->q, oh), qpdf_oh_get_generation(w->q, oh));
		if (s < 0)
			w->err = SZ_ERR_NOMEM;
		if (s <= 0)
			return;
		if (w->nseen > WALK_MAX)
			w->err = SZ_ERR_TOO_LARGE;
	}
	if (qpdf_oh_is_stream(w->q, oh)) {
		qpdf_oh d = qpdf_oh_get_dict(w->q, oh);
		clean_dict(w, d);
		clean_jpeg_stream(w, oh, d);
		push_children(w, d);
		qpdf_oh_release(w->q, d);
	} else if (qpdf_oh_is_dictionary(w->q, oh)) {
		clean_dict(w, oh);
		push_children(w, oh);
	} else if (qpdf_oh_is_array(w->q, oh)) {
		int n = qpdf_oh_get_array_n_items(w->q, oh);
		for (int i = 0; i < n && !w->err; i++) {
			qpdf_oh v = qpdf_oh_get_array_item(w->q, oh, i);
			if (qpdf_oh_is_dictionary(w->q, v) || qpdf_oh_is_array(w->q, v) ||
			    qpdf_oh_is_stream(w->q, v))
				push(w, v);
			else
				qpdf_oh_release(w->q, v);
		}
	}
}

/* More than one cross-reference section: the file was saved incrementally, and what earlier
 * revisions said is still in it. */
static int
revisions(const uint8_t *in, size_t len)
{
	int n = 0;
	for (const uint8_t *p = in; n < 2 && (p = memmem(p, len - (size_t)(p - in), "startxref", 9)) != NULL;
	    p += 9)
		n++;
	return n;
}

int
sz_strip_pdf(const uint8_t *in, size_t len, sz_buf *out, sz_strip_report *rep)
{
	walk w = { .rep = rep };
	int r = SZ_ERR_MALFORMED;
	rep->type = SZ_MEDIA_PDF;
	if ((w.q = qpdf_init()) == NULL)
		return SZ_ERR_NOMEM;
	qpdf_silence_errors(w.q);
	qpdf_set_suppress_warnings(w.q, QPDF_TRUE);
	if (qpdf_read_memory(w.q, "attachment", (const char *)in, (unsigned long long)len, NULL) &
	    QPDF_ERRORS)
		goto out;
	if (qpdf_is_encrypted(w.q)) {
		r = SZ_ERR_UNSUPPORTED;
		goto out;
	}
	qpdf_oh trailer = qpdf_get_trailer(w.q);
	if (qpdf_has_error(w.q) || !qpdf_oh_is_dictionary(w.q, trailer))
		goto out;
	if (drop_key(&w, trailer, "/Info"))
		rep->removed |= SZ_STRIP_INFO;
	(void)drop_key(&w, trailer, "/ID");
	if (revisions(in, len) > 1)
		rep->removed |= SZ_STRIP_HISTORY;
	push(&w, trailer);
	while (w.sn > 0 && !w.err) {
		qpdf_oh oh = w.stack[--w.sn];
		visit(&w, oh);
		qpdf_oh_release(w.q, oh);
		if (qpdf_has_error(w.q))
			goto out;
	}
	if (w.err) {
		r = w.err;
		goto out;
	}
	if (qpdf_init_write_memory(w.q) & QPDF_ERRORS)
		goto out;
	qpdf_set_deterministic_ID(w.q, QPDF_TRUE);
	qpdf_set_preserve_unreferenced_objects(w.q, QPDF_FALSE);
	if ((qpdf_write(w.q) & QPDF_ERRORS) || qpdf_has_error(w.q))
		goto out;
	size_t olen = qpdf_get_buffer_length(w.q);
	const unsigned char *ob = qpdf_get_buffer(w.q);
	if (ob == NULL || olen == 0)
		goto out;
	sz_buf_append(out, ob, olen);
	r = out->err;
out:
	if (qpdf_has_error(w.q))
		(void)qpdf_get_error(w.q); /* taken, so that libqpdf does not print it */
	while (qpdf_more_warnings(w.q))
		(void)qpdf_next_warning(w.q);
	free(w.seen);
	free(w.stack);
	qpdf_cleanup(&w.q);
	return r;
}
