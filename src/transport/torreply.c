/*
 * torreply.c - strict, bounded parser of Tor control-protocol replies (see torreply.h).
 * Layer: transport.  One routine walks a reply twice: once to check it and size it, once to copy
 * it out, so the checks and the copy can never disagree.
 */
#include "transport/torreply.h"

#include <assert.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* A byte allowed inside a line: anything but NUL, CR, LF and the other control characters
 * (TAB is allowed).  Bytes >= 0x80 pass: control-spec allows 8-bit text (paths in UTF-8). */
static bool
text_byte_ok(uint8_t c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

/* Where pass 2 writes: NULL during pass 1. */
typedef struct writer {
	char *mem;
	size_t off;
	sz_torreply_line *line;
} writer;

/*
 * Walk one reply.  Pass 1 (w == NULL) validates and counts; pass 2 copies into w.
 * Returns SZ_OK with *used, *nlines and *code set, or an error of sz_torreply_parse.
 */
static int
walk(const uint8_t *in, size_t len, writer *w, size_t *used, size_t *nlines, int *code)
{
	size_t pos = 0, n = 0, all_lines = 0;
	bool in_data = false, data_first = true;
	int c0 = -1;

	for (;;) {
		/* Find the end of this line, looking no further than the bounds allow. */
		size_t limit = len - pos;
		if (limit > SZ_TORREPLY_MAX_LINE + 2)
			limit = SZ_TORREPLY_MAX_LINE + 2;
		const uint8_t *nl = memchr(in + pos, '\n', limit);
		if (nl == NULL) {
			if (len - pos >= SZ_TORREPLY_MAX_LINE + 2)
				return SZ_ERR_TOO_LARGE;
			if (len >= SZ_TORREPLY_MAX_BYTES)
				return SZ_ERR_TOO_LARGE;
			return SZ_ERR_AGAIN;
		}
		size_t end = (size_t)(nl - in);          /* index of LF */
		if (end + 1 > SZ_TORREPLY_MAX_BYTES)
			return SZ_ERR_TOO_LARGE;
		if (end == pos || in[end - 1] != '\r')
			return SZ_ERR_PEER;                  /* LF without CR */
		const uint8_t *s = in + pos;
		size_t slen = end - 1 - pos;             /* content, CRLF excluded */
		if (slen > SZ_TORREPLY_MAX_LINE)
			return SZ_ERR_TOO_LARGE;
		for (size_t i = 0; i < slen; i++)
			if (!text_byte_ok(s[i]))
				return SZ_ERR_PEER;              /* includes a CR before the CRLF */
		if (++all_lines > SZ_TORREPLY_MAX_LINES)
			return SZ_ERR_TOO_LARGE;
		pos = end + 1;

		if (in_data) {
			if (slen == 1 && s[0] == '.') {   /* end of the data block */
				in_data = false;
				if (w != NULL)
					w->mem[w->off++] = '\0';
				continue;
			}
			if (slen > 0 && s[0] == '.') {    /* a stuffed dot */
				s++;
				slen--;
			}
			if (w != NULL) {
				if (!data_first)
					w->mem[w->off++] = '\n';
				memcpy(w->mem + w->off, s, slen);
				w->off += slen;
				w->line[n - 1].data_len += slen + (data_first ? 0 : 1);
			}
			data_first = false;
			continue;
		}

		/* A reply line: 3 digits, a separator, the text. */
		if (slen < 4)
			return SZ_ERR_PEER;
		if (s[0] < '1' || s[0] > '6' || s[1] < '0' || s[1] > '9' || s[2] < '0' || s[2] > '9')
			return SZ_ERR_PEER;
		int lc = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
		if (c0 >= 0 && lc != c0)
			return SZ_ERR_PEER;                  /* control-spec 2.3: one code per reply */
		c0 = lc;
		uint8_t sep = s[3];
		if (sep != '-' && sep != ' ' && sep != '+')
			return SZ_ERR_PEER;
		if (w != NULL) {
			w->line[n].text = w->mem + w->off;
			memcpy(w->mem + w->off, s + 4, slen - 4);
			w->off += slen - 4;
			w->mem[w->off++] = '\0';
			if (sep == '+') {
				w->line[n].data = w->mem + w->off;
				w->line[n].data_len = 0;
			}
		}
		n++;
		if (sep == ' ')
			break;
		if (sep == '+') {
			in_data = true;
			data_first = true;
		}
	}
	*used = pos;
	*nlines = n;
	*code = c0;
	return SZ_OK;
}

int
sz_torreply_parse(const uint8_t *in, size_t len, size_t *used, sz_torreply *out)
{
	int r = SZ_ERR_INTERNAL;
	size_t u = 0, n = 0, u2 = 0, n2 = 0;
	int code = 0, code2 = 0;
	writer w = { 0 };

	if (used != NULL)
		*used = 0;
	if (out != NULL)
		memset(out, 0, sizeof *out);
	if (used == NULL || out == NULL || (in == NULL && len > 0))
		return SZ_ERR_INVALID;
	if (len == 0)
		return SZ_ERR_AGAIN;

	if ((r = walk(in, len, NULL, &u, &n, &code)) != SZ_OK)
		goto out;
	/* Every line yields at most its own length plus one NUL or newline: u + 1 bounds it. */
	w.mem = malloc(u + 1);
	w.line = calloc(n, sizeof *w.line);
	if (w.mem == NULL || w.line == NULL) {
		r = SZ_ERR_NOMEM;
		goto out;
	}
	if ((r = walk(in, len, &w, &u2, &n2, &code2)) != SZ_OK)
		goto out;
	assert(u2 == u && n2 == n && code2 == code && w.off <= u + 1);
	out->code = code;
	out->n = n;
	out->line = w.line;
	out->mem = w.mem;
	out->memlen = u + 1;
	w.line = NULL;
	w.mem = NULL;
	*used = u;
	r = SZ_OK;
out:
	if (w.mem != NULL) {
		sodium_memzero(w.mem, u + 1);
		free(w.mem);
	}
	free(w.line);
	return r;
}

void
sz_torreply_free(sz_torreply *r)
{
	if (r == NULL)
		return;
	if (r->mem != NULL) {
		sodium_memzero(r->mem, r->memlen);
		free(r->mem);
	}
	free(r->line);
	memset(r, 0, sizeof *r);
}

int
sz_torreply_is_event(const sz_torreply *r)
{
	return r != NULL && r->code >= 600 && r->code <= 699;
}

/*
 * Read a quoted string starting at *pp (which points at the opening quote).  Decode it into out
 * when out != NULL.  Leave *pp after the closing quote.
 */
static int
read_quoted(const char **pp, char *out, size_t outsz)
{
	const char *p = *pp + 1;
	size_t o = 0;

	for (;;) {
		unsigned char c = (unsigned char)*p;
		if (c == '\0')
			return SZ_ERR_PEER;                  /* unterminated */
		p++;
		if (c == '"')
			break;
		if (c == '\\') {
			unsigned char e = (unsigned char)*p;
			if (e == '\0')
				return SZ_ERR_PEER;
			p++;
			if (e == 'n') {
				c = '\n';
			} else if (e == 't') {
				c = '\t';
			} else if (e == 'r') {
				c = '\r';
			} else if (e >= '0' && e <= '7') {
				unsigned v = e - '0';
				for (int k = 0; k < 2 && *p >= '0' && *p <= '7'; k++)
					v = v * 8 + (unsigned)(*p++ - '0');
				if (v == 0 || v > 255)
					return SZ_ERR_PEER;
				c = (unsigned char)v;
			} else {
				c = e;
			}
		}
		if (out != NULL) {
			if (o + 1 >= outsz)
				return SZ_ERR_TOO_LARGE;
			out[o++] = (char)c;
		}
	}
	if (*p != '\0' && *p != ' ')
		return SZ_ERR_PEER;                      /* junk glued to the closing quote */
	if (out != NULL)
		out[o] = '\0';
	*pp = p;
	return SZ_OK;
}

int
sz_torreply_kv(const char *text, const char *key, char *out, size_t outsz)
{
	if (out != NULL && outsz > 0)
		out[0] = '\0';
	if (text == NULL || key == NULL || out == NULL || outsz == 0 || key[0] == '\0')
		return SZ_ERR_INVALID;
	size_t klen = strlen(key);
	const char *p = text;

	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			return SZ_ERR_NOT_FOUND;
		if (*p == '"') {                         /* a bare quoted token */
			int r = read_quoted(&p, NULL, 0);
			if (r != SZ_OK)
				return r;
			continue;
		}
		const char *k = p;
		while (*p != '\0' && *p != ' ' && *p != '=')
			p++;
		if (*p != '=')
			continue;                            /* a bare word */
		bool match = (size_t)(p - k) == klen && memcmp(k, key, klen) == 0;
		p++;
		if (*p == '"') {
			int r = read_quoted(&p, match ? out : NULL, outsz);
			if (r != SZ_OK) {
				out[0] = '\0';
				return r;
			}
			if (match)
				return SZ_OK;
			continue;
		}
		const char *v = p;
		while (*p != '\0' && *p != ' ')
			p++;
		if (match) {
			size_t vlen = (size_t)(p - v);
			if (vlen + 1 > outsz)
				return SZ_ERR_TOO_LARGE;
			memcpy(out, v, vlen);
			out[vlen] = '\0';
			return SZ_OK;
		}
	}
}

int
sz_torreply_word(const char **pp, char *out, size_t outsz)
{
	if (out != NULL && outsz > 0)
		out[0] = '\0';
	if (pp == NULL || *pp == NULL || out == NULL || outsz == 0)
		return SZ_ERR_INVALID;
	const char *p = *pp;
	while (*p == ' ')
		p++;
	if (*p == '\0') {
		*pp = p;
		return SZ_ERR_NOT_FOUND;
	}
	if (*p == '"') {
		int r = read_quoted(&p, out, outsz);
		if (r != SZ_OK) {
			out[0] = '\0';
			return r;
		}
	} else {
		const char *v = p;
		while (*p != '\0' && *p != ' ')
			p++;
		size_t vlen = (size_t)(p - v);
		if (vlen + 1 > outsz)
			return SZ_ERR_TOO_LARGE;
		memcpy(out, v, vlen);
		out[vlen] = '\0';
	}
	*pp = p;
	return SZ_OK;
}

int
sz_torreply_getinfo(const sz_torreply *r, const char *key, const char **value)
{
	if (value != NULL)
		*value = NULL;
	if (r == NULL || key == NULL || value == NULL)
		return SZ_ERR_INVALID;
	size_t klen = strlen(key);
	for (size_t i = 0; i < r->n; i++) {
		const sz_torreply_line *l = &r->line[i];
		if (strncmp(l->text, key, klen) != 0 || l->text[klen] != '=')
			continue;
		if (l->data != NULL) {
			if (l->text[klen + 1] != '\0')
				return SZ_ERR_PEER;              /* "250+key=junk" */
			*value = l->data;
		} else {
			*value = l->text + klen + 1;
		}
		return SZ_OK;
	}
	return SZ_ERR_NOT_FOUND;
}

void
sz_torreply_sanitize(char *out, size_t outsz, const char *text)
{
	if (out == NULL || outsz == 0)
		return;
	size_t o = 0;
	for (const char *p = text ? text : ""; *p != '\0' && o + 1 < outsz; p++) {
		unsigned char c = (unsigned char)*p;
		out[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	out[o] = '\0';
}
