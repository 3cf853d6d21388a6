/*
 * jsonw.c - JSON writer (see jsonw.h).
 * Layer: lib.
 */
#include "lib/jsonw.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void
sz_jsonw_init(sz_jsonw *w, sz_buf *out)
{
	memset(w, 0, sizeof *w);
	w->out = out;
	w->first[0] = true;
}

/* Separator before a value or key at the current depth. */
static void
sep(sz_jsonw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (!w->first[w->depth])
		sz_buf_u8(w->out, ',');
	w->first[w->depth] = false;
}

static void
open(sz_jsonw *w, char c)
{
	sep(w);
	sz_buf_u8(w->out, (uint8_t)c);
	if (w->depth + 1 < SZ_JSONW_MAX_DEPTH)
		w->depth++;
	else
		w->out->err = SZ_ERR_TOO_LARGE;
	w->first[w->depth] = true;
}

static void
close_(sz_jsonw *w, char c)
{
	if (w->depth > 0)
		w->depth--;
	sz_buf_u8(w->out, (uint8_t)c);
}

void sz_jsonw_obj_begin(sz_jsonw *w) { open(w, '{'); }
void sz_jsonw_obj_end(sz_jsonw *w) { close_(w, '}'); }
void sz_jsonw_arr_begin(sz_jsonw *w) { open(w, '['); }
void sz_jsonw_arr_end(sz_jsonw *w) { close_(w, ']'); }

size_t
sz_utf8_seq(const uint8_t *s, size_t n)
{
	if (n == 0)
		return 0;
	uint8_t c = s[0];
	if (c < 0x80)
		return 1;
	size_t len;
	uint32_t cp;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are not UTF-8. */
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

void
sz_jsonw_strn(sz_jsonw *w, const uint8_t *s, size_t n)
{
	sep(w);
	sz_buf_u8(w->out, '"');
	for (size_t i = 0; i < n;) {
		uint8_t c = s[i];
		size_t k = sz_utf8_seq(s + i, n - i);
		char esc[8];
		if (c == '"' || c == '\\') {
			sz_buf_u8(w->out, '\\');
			sz_buf_u8(w->out, c);
		} else if (c == '\n') {
			sz_buf_append(w->out, "\\n", 2);
		} else if (c == '\t') {
			sz_buf_append(w->out, "\\t", 2);
		} else if (c < 0x20 || c == 0x7f || k == 0) {
			/* Control characters and stray bytes: shown, never passed through. */
			snprintf(esc, sizeof esc, "\\u%04x", c);
			sz_buf_append(w->out, esc, 6);
			k = 1;
		} else {
			sz_buf_append(w->out, s + i, k);
		}
		i += k ? k : 1;
	}
	sz_buf_u8(w->out, '"');
}

void
sz_jsonw_key(sz_jsonw *w, const char *k)
{
	sz_jsonw_strn(w, (const uint8_t *)k, strlen(k));
	sz_buf_u8(w->out, ':');
	w->after_key = true;
}

void
sz_jsonw_str(sz_jsonw *w, const char *s)
{
	sz_jsonw_strn(w, (const uint8_t *)s, strlen(s));
}

void
sz_jsonw_hex(sz_jsonw *w, const uint8_t *p, size_t n)
{
	sep(w);
	sz_buf_u8(w->out, '"');
	uint8_t *dst = sz_buf_append(w->out, NULL, 2 * n + 1);
	if (dst != NULL) {
		sz_hex_encode((char *)dst, p, n);
		w->out->len--; /* drop the NUL */
	}
	sz_buf_u8(w->out, '"');
}

void
sz_jsonw_u64(sz_jsonw *w, uint64_t v)
{
	char t[24];
	sep(w);
	int n = snprintf(t, sizeof t, "%" PRIu64, v);
	sz_buf_append(w->out, t, (size_t)n);
}

void
sz_jsonw_i64(sz_jsonw *w, int64_t v)
{
	char t[24];
	sep(w);
	int n = snprintf(t, sizeof t, "%" PRId64, v);
	sz_buf_append(w->out, t, (size_t)n);
}

void
sz_jsonw_bool(sz_jsonw *w, bool v)
{
	sep(w);
	sz_buf_append(w->out, v ? "true" : "false", v ? 4 : 5);
}

void
sz_jsonw_null(sz_jsonw *w)
{
	sep(w);
	sz_buf_append(w->out, "null", 4);
}

void
sz_text_printable(char *out, size_t n, const char *in)
{
	size_t len = strlen(in), o = 0;
	for (size_t i = 0; i < len;) {
		size_t k = sz_utf8_seq((const uint8_t *)in + i, len - i);
		bool bad = k == 0 || (k == 1 && ((unsigned char)in[i] < 0x20 || in[i] == 0x7f)) ||
		    (k == 2 && (unsigned char)in[i] == 0xc2 && (unsigned char)in[i + 1] < 0xa0);
		size_t w = bad ? 1 : k;
		if (o + w + 1 > n)
			break;
		if (bad)
			out[o++] = '?';
		else
			memcpy(out + o, in + i, k), o += k;
		i += k ? k : 1;
	}
	out[o] = '\0';
}
