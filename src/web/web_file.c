/*
 * web_file.c - files in the web interface: a file attached from the page (sent raw, stripped and
 * cut by the node exactly as `post --attach` does), the files of posts and leaflets in answers,
 * and a complete file served back, read part by part as it is sent, its type taken from its own
 * first bytes.  Layer: web.  docs/PROTOCOL.md §18.5, docs/threat/ui.md (Files).
 */
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "cell/cell.h"
#include "lib/env.h"
#include "media/strip.h"
#include "web/web_int.h"

#define STREAM_BLOCK (64u << 10)   /* what libmicrohttpd asks for at a time */

static uint64_t
mono(void)
{
	return sz_mono_ms(sz_env_default());
}

static const char *
state_word(int s)
{
	return s == SZ_STORE_FILE_COMPLETE ? "complete" : s == SZ_STORE_FILE_DAMAGED ? "damaged" :
	    "incomplete";
}

/* "samizdat-0123456789abcdef.jpg": no name travels with a file (PROTOCOL.md §17.3). */
static void
file_name(char *out, size_t n, const uint8_t hash[32], int type)
{
	char hex[65];
	sz_hex_encode(hex, hash, 32);
	snprintf(out, n, "samizdat-%.16s.%s", hex, sz_media_ext(type));
}

void
sz_web_json_files(sz_web_req *q, const sz_manifest *m, size_t k)
{
	sz_jsonw_key(&q->jw, "files");
	sz_jsonw_arr_begin(&q->jw);
	for (size_t i = 0; i < k; i++) {
		sz_node_file_state st;
		char name[48];
		if (sz_node_file_check(q->n, &m[i], &st) != SZ_OK)
			memset(&st, 0, sizeof st);
		file_name(name, sizeof name, m[i].hash, m[i].type);
		sz_jsonw_obj_begin(&q->jw);
		sz_web_json_id(q, "id", m[i].hash);
		sz_jsonw_key(&q->jw, "name");
		sz_jsonw_str(&q->jw, name);
		/* What its sender's node said it is: for the words shown.  What it is served as comes
		 * from its own bytes (sz_web_file). */
		sz_jsonw_key(&q->jw, "type");
		sz_jsonw_str(&q->jw, sz_media_ext(m[i].type));
		sz_jsonw_key(&q->jw, "bytes");
		sz_jsonw_u64(&q->jw, m[i].size);
		sz_jsonw_key(&q->jw, "state");
		sz_jsonw_str(&q->jw, state_word(st.state));
		sz_jsonw_key(&q->jw, "have");
		sz_jsonw_u64(&q->jw, st.have);
		sz_jsonw_key(&q->jw, "parts");
		sz_jsonw_u64(&q->jw, st.total);
		sz_jsonw_key(&q->jw, "as_is");
		sz_jsonw_bool(&q->jw, (m[i].flags & SZ_MANIFEST_AS_IS) != 0);
		sz_jsonw_obj_end(&q->jw);
	}
	sz_jsonw_arr_end(&q->jw);
}

/* --- attaching from the page ------------------------------------------------------------- */

static bool
same_owner(const sz_web_attached *a, const sz_cell *c)
{
	return c == NULL ? a->leaflet : !a->leaflet && memcmp(a->cell, sz_cell_id(c), 32) == 0;
}

int
sz_web_attach(sz_web_req *q)
{
	sz_cell *c = NULL;
	int st;
	const char *as_is = sz_web_arg(q, "as_is"), *leaflet = sz_web_arg(q, "leaflet");
	if (sz_web_arg(q, "cell") != NULL) {
		if ((c = sz_web_cell(q, &st)) == NULL)
			return st;
		if (sz_cell_status(c) != SZ_CELL_ACTIVE)
			return sz_web_err(q, 403, "not_member", "You are no longer in this cell.");
	} else if (leaflet == NULL || strcmp(leaflet, "1") != 0) {
		return sz_web_err(q, 400, "invalid", "Say what the file is for: a cell, or a leaflet.");
	}
	if (q->uplen == 0)
		return sz_web_err(q, 400, "invalid", "The file is empty.");
	/* The command line's own path: stripped before anything else, then cut and stored. */
	sz_manifest m;
	sz_strip_report rep;
	uint64_t t0 = mono();
	int r = sz_node_attach(q->n, c, q->upload, q->uplen, as_is != NULL &&
	    strcmp(as_is, "1") == 0, &m, &rep);
	uint64_t took = mono() - t0;
	if (took >= 1000)
		sz_daemon_log(q->w->d, "a file of %zu bytes attached from the web interface took %llu ms",
		    q->uplen, (unsigned long long)took);
	if (r == SZ_ERR_UNSUPPORTED || r == SZ_ERR_DENIED)
		return sz_web_err(q, 422, "metadata", "%s", sz_node_errmsg(q->n));
	if (r != SZ_OK)
		return sz_web_fail(q, r, sz_node_errmsg(q->n)[0] ? sz_node_errmsg(q->n) :
		    "the file was not attached");
	/* Kept for the post that names it; the oldest waiting gives way. */
	sz_web_attached *a = &q->s->files[0];
	for (size_t i = 0; i < SZ_WEB_MAX_ATTACHED; i++) {
		sz_web_attached *x = &q->s->files[i];
		if (!x->used) {
			a = x;
			break;
		}
		if (x->at_ms < a->at_ms)
			a = x;
	}
	memset(a, 0, sizeof *a);
	a->used = true;
	a->leaflet = c == NULL;
	if (c != NULL)
		memcpy(a->cell, sz_cell_id(c), 32);
	a->m = m;
	a->at_ms = mono();
	sz_web_json_files(q, &m, 1);
	char what[400];
	sz_strip_describe(rep.removed, what, sizeof what);
	sz_jsonw_key(&q->jw, "kind");
	sz_jsonw_str(&q->jw, sz_media_name(rep.type));
	sz_jsonw_key(&q->jw, "removed");
	sz_jsonw_str(&q->jw, what);
	sz_jsonw_key(&q->jw, "gps");
	sz_jsonw_bool(&q->jw, (rep.removed & SZ_STRIP_GPS) != 0);
	sz_jsonw_key(&q->jw, "sent_as_is");
	sz_jsonw_bool(&q->jw, (m.flags & SZ_MANIFEST_AS_IS) != 0);
	return 200;
}

bool
sz_web_files_get(sz_web_req *q, const sz_cell *c, sz_manifest *m, size_t *k, int *status)
{
	*k = 0;
	*status = 0;
	const sz_json_val *v = q->body ? sz_json_get(q->body, "files") : NULL;
	if (v == NULL)
		return true;
	if (sz_json_type_of(v) != SZ_JSON_ARRAY) {
		*status = sz_web_err(q, 400, "invalid", "\"files\" is a list of file ids.");
		return false;
	}
	size_t n = sz_json_count(v);
	if (n > SZ_ATTACH_PER_ENTRY) {
		*status = sz_web_err(q, 400, "invalid", "At most %d files go with one post.",
		    SZ_ATTACH_PER_ENTRY);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		size_t l = 0;
		const char *s = sz_json_str(sz_json_at(v, i), &l);
		uint8_t id[32];
		const sz_web_attached *hit = NULL;
		if (s != NULL && l == 64 && sz_hex_decode(id, 32, s, 64) == SZ_OK)
			for (size_t j = 0; j < SZ_WEB_MAX_ATTACHED && hit == NULL; j++) {
				const sz_web_attached *a = &q->s->files[j];
				if (a->used && same_owner(a, c) && memcmp(a->m.hash, id, 32) == 0)
					hit = a;
			}
		if (hit == NULL) {
			*status = sz_web_err(q, 400, "file", "A file named here was not attached from this "
			    "page for this %s: attach it again.", c ? "cell" : "leaflet");
			return false;
		}
		for (size_t j = 0; j < *k; j++)
			if (memcmp(m[j].hash, id, 32) == 0) {
				*status = sz_web_err(q, 400, "file", "The same file is named twice.");
				return false;
			}
		m[(*k)++] = hit->m;
	}
	return true;
}

void
sz_web_files_sent(sz_web_req *q, const sz_manifest *m, size_t k)
{
	for (size_t i = 0; i < k; i++)
		for (size_t j = 0; j < SZ_WEB_MAX_ATTACHED; j++)
			if (q->s->files[j].used && memcmp(q->s->files[j].m.hash, m[i].hash, 32) == 0)
				memset(&q->s->files[j], 0, sizeof q->s->files[j]);
}

/* --- serving one back ---------------------------------------------------------------------- */

/* A file on its way out: read part by part, in the loop's thread, from whatever node the daemon
 * holds when libmicrohttpd asks (none, or another identity's after a lock or a duress unlock:
 * the answer breaks off). */
typedef struct stream {
	sz_web *w;
	uint8_t who[32];           /* the identity of the node it is read from */
	sz_node_file_reader rd;
	uint8_t *part;             /* SZ_ATTACH_CHUNK bytes: part number at */
	size_t len;
	uint32_t at;
} stream;

static void
stream_free(void *cls)
{
	stream *x = cls;
	sz_node_file_close(&x->rd);
	free(x->part);
	free(x);
}

static ssize_t
stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	stream *x = cls;
	sz_node *n = sz_daemon_node(x->w->d);
	if (n == NULL || memcmp(n->id_pk, x->who, 32) != 0)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	if (pos >= x->rd.m.size)
		return MHD_CONTENT_READER_END_OF_STREAM;
	uint32_t i = (uint32_t)(pos / SZ_ATTACH_CHUNK);
	size_t off = (size_t)(pos % SZ_ATTACH_CHUNK);
	if (i != x->at && sz_node_file_chunk(n, &x->rd, i, x->part, &x->len) != SZ_OK) {
		x->at = UINT32_MAX;
		return MHD_CONTENT_READER_END_WITH_ERROR; /* changed since: noted damaged */
	}
	x->at = i;
	if (off >= x->len)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	size_t k = x->len - off < max ? x->len - off : max;
	memcpy(buf, x->part + off, k);
	return (ssize_t)k;
}

/* What the browser is told a file is: from its own first bytes, never from what its sender said.
 * Only a JPEG or a PNG is ever shown in the page; everything else is a download. */
static const char *
served_type(int sniffed)
{
	return sniffed == SZ_MEDIA_JPEG ? "image/jpeg" : sniffed == SZ_MEDIA_PNG ? "image/png" :
	    sniffed == SZ_MEDIA_PDF ? "application/pdf" : "application/octet-stream";
}

int
sz_web_file(sz_web_req *q)
{
	const char *hex = sz_web_arg(q, "id"), *dl = sz_web_arg(q, "download");
	uint8_t id[32];
	/* 64 hex digits exactly: nothing else names a file (no path, no prefix). */
	if (hex == NULL || strlen(hex) != 64 || strspn(hex, "0123456789abcdef") != 64 ||
	    sz_hex_decode(id, 32, hex, 64) != SZ_OK)
		return sz_web_err(q, 400, "invalid", "Which file (its id, 64 hex digits)?");
	sz_manifest m;
	int r = sz_node_file_find(q->n, hex, &m);
	if (r != SZ_OK)
		return sz_web_err(q, 404, "not_found", "No post or leaflet here names this file.");
	stream *x = calloc(1, sizeof *x);
	if (x == NULL || (x->part = malloc(SZ_ATTACH_CHUNK)) == NULL) {
		free(x);
		return sz_web_fail(q, SZ_ERR_NOMEM, NULL);
	}
	x->w = q->w;
	memcpy(x->who, q->n->id_pk, 32);
	r = sz_node_file_open(q->n, &m, &x->rd);
	if (r == SZ_OK)
		r = sz_node_file_chunk(q->n, &x->rd, 0, x->part, &x->len);
	if (r != SZ_OK) {
		stream_free(x);
		/* Incomplete or damaged: never sent, not even in part. */
		if (r == SZ_ERR_AGAIN)
			return sz_web_err(q, 409, "incomplete", "%s", sz_node_errmsg(q->n));
		if (r == SZ_ERR_CORRUPT)
			return sz_web_err(q, 409, "damaged", "The file is damaged: its parts do not match "
			    "what its author signed.");
		return sz_web_fail(q, r, sz_node_errmsg(q->n));
	}
	x->at = 0;
	int sniffed = sz_media_sniff(x->part, x->len);
	bool inline_ok = (sniffed == SZ_MEDIA_JPEG || sniffed == SZ_MEDIA_PNG) && dl == NULL;
	struct MHD_Response *resp = MHD_create_response_from_callback(m.size, STREAM_BLOCK,
	    stream_read, x, stream_free);
	if (resp == NULL) {
		stream_free(x);
		return sz_web_fail(q, SZ_ERR_NOMEM, NULL);
	}
	sz_web_headers(resp, served_type(sniffed), true);
	char name[48], disp[96];
	file_name(name, sizeof name, m.hash, sniffed);
	snprintf(disp, sizeof disp, "%s; filename=\"%s\"", inline_ok ? "inline" : "attachment",
	    name);
	(void)MHD_add_response_header(resp, "Content-Disposition", disp);
	q->resp = resp;
	return 200;
}
