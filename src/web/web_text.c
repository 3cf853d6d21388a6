/*
 * web_text.c - leaflets (read, search, publish), local names for people, and invitation codes
 * drawn as QR codes (SVG, from libqrencode) in the web interface.  Layer: web.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

#include "web/web_int.h"

/* --- leaflets ----------------------------------------------------------------------------- */

typedef struct lf_ctx {
	sz_web_req *q;
	const char *find;          /* lower-case words to look for, or NULL */
	size_t shown;
} lf_ctx;

/* Does text hold needle, ignoring the case of ASCII letters? */
static bool
holds(const uint8_t *text, size_t len, const char *needle)
{
	size_t nl = strlen(needle);
	if (nl == 0)
		return true;
	for (size_t i = 0; i + nl <= len; i++) {
		size_t k = 0;
		while (k < nl && tolower(text[i + k]) == (unsigned char)needle[k])
			k++;
		if (k == nl)
			return true;
	}
	return false;
}

static int
one_leaflet(void *ctx, const sz_leaflet *l)
{
	lf_ctx *x = ctx;
	if (x->find != NULL && !holds(l->text, l->len, x->find))
		return SZ_OK;
	sz_web_req *q = x->q;
	sz_jsonw_obj_begin(&q->jw);
	sz_web_json_id(q, "id", l->id);
	sz_jsonw_key(&q->jw, "author");
	sz_web_json_person(q, l->author);
	sz_jsonw_key(&q->jw, "time_ms");
	sz_jsonw_u64(&q->jw, l->time_ms);
	sz_jsonw_key(&q->jw, "text");
	sz_jsonw_strn(&q->jw, l->text, l->len);
	if (l->nfiles > 0)
		sz_web_json_files(q, l->files, l->nfiles);
	sz_jsonw_obj_end(&q->jw);
	x->shown++;
	return SZ_OK;
}

int
sz_web_leaflets(sz_web_req *q)
{
	char find[129];
	const char *s = sz_web_arg(q, "q");
	lf_ctx x = { .q = q };
	if (s != NULL && s[0] != '\0') {
		size_t k = 0;
		for (; s[k] != '\0' && k + 1 < sizeof find; k++)
			find[k] = (char)tolower((unsigned char)s[k]);
		find[k] = '\0';
		x.find = find;
	}
	sz_jsonw_key(&q->jw, "leaflets");
	sz_jsonw_arr_begin(&q->jw);
	int r = sz_node_leaflet_list(q->n, one_leaflet, &x);
	sz_jsonw_arr_end(&q->jw);
	if (r != SZ_OK)
		return sz_web_fail(q, r, sz_node_errmsg(q->n));
	return 200;
}

int
sz_web_leaflet_publish(sz_web_req *q)
{
	size_t len;
	const char *text = sz_web_str(q, "text", &len);
	sz_manifest files[SZ_ATTACH_PER_ENTRY];
	size_t nf = 0;
	int st;
	if (!sz_web_files_get(q, NULL, files, &nf, &st))
		return st;
	if (text == NULL || (len == 0 && nf == 0))
		return sz_web_err(q, 400, "invalid", "Write the leaflet first.");
	/* The page asked the person to agree that it carries their identity. */
	if (!sz_web_bool(q, "signed_ok"))
		return sz_web_err(q, 400, "confirm", "A leaflet is signed with your identity: confirm "
		    "that you know it.");
	uint8_t id[32];
	int r = sz_node_leaflet_publish_files(q->n, files, nf, (const uint8_t *)text, len, id);
	if (r != SZ_OK)
		return sz_web_fail(q, r, sz_node_errmsg(q->n));
	sz_web_files_sent(q, files, nf);
	sz_web_json_id(q, "id", id);
	return 200;
}

/* --- names -------------------------------------------------------------------------------- */

int
sz_web_name(sz_web_req *q)
{
	uint8_t id[32];
	size_t len = 0;
	if (!sz_web_id(q, "id", id))
		return sz_web_err(q, 400, "invalid", "Whose name?");
	const char *name = sz_web_str(q, "name", &len);
	if (name != NULL && len > 0 && sz_node_name_check(name, len) != SZ_OK)
		return sz_web_err(q, 400, "invalid", "A name has 1 to %d letters, without control "
		    "characters.", SZ_NODE_NAME_MAX);
	int r = sz_node_name_set(q->n, id, name != NULL && len > 0 ? name : NULL);
	if (r != SZ_OK)
		return sz_web_fail(q, r, sz_node_errmsg(q->n));
	return 200;
}

/* --- QR codes ----------------------------------------------------------------------------- */

int
sz_web_qr_svg(const char *text, char **svg)
{
	*svg = NULL;
	QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (qr == NULL)
		return SZ_ERR_TOO_LARGE;
	int w = qr->width, quiet = 4, side = w + 2 * quiet;
	sz_buf b = { 0 };
	char head[320];
	int k = snprintf(head, sizeof head, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 "
	    "%d %d\" shape-rendering=\"crispEdges\" role=\"img\"><rect width=\"%d\" height=\"%d\" "
	    "fill=\"#fff\"/><path fill=\"#000\" d=\"", side, side, side, side);
	sz_buf_append(&b, head, (size_t)k);
	/* One path: a run of dark modules in a row is one rectangle. */
	for (int y = 0; y < w; y++)
		for (int x = 0; x < w;) {
			if (!(qr->data[y * w + x] & 1)) {
				x++;
				continue;
			}
			int run = 1;
			while (x + run < w && (qr->data[y * w + x + run] & 1))
				run++;
			char seg[48];
			k = snprintf(seg, sizeof seg, "M%d %dh%dv1h-%dz", x + quiet, y + quiet, run, run);
			sz_buf_append(&b, seg, (size_t)k);
			x += run;
		}
	sz_buf_append(&b, "\"/></svg>", 10); /* with the NUL */
	QRcode_free(qr);
	if (b.err) {
		sz_buf_free(&b);
		return SZ_ERR_NOMEM;
	}
	*svg = (char *)b.p;
	return SZ_OK;
}
