/*
 * json.c - a strict, bounded JSON reader (RFC 8259) into a flat read-only tree (see json.h).
 * Layer: lib.  Recursive descent with an explicit depth bound; values live in one array, the
 * children of each container in one index array, decoded strings in one byte buffer.
 */
#include "lib/json.h" /* qsort_r needs _GNU_SOURCE, which the Makefile defines */

#include <stdlib.h>
#include <string.h>

#include "lib/bytes.h"

#define DEF_MAX_BYTES ((size_t)64 << 20)
#define DEF_MAX_DEPTH 64
#define DEF_MAX_VALUES 4000000
#define NO_KEY SIZE_MAX

struct sz_json_val {
	const sz_json *doc;
	sz_json_type type;
	size_t count;  /* containers: number of children */
	size_t kids;   /* containers: first index into doc->kids */
	size_t str;    /* strings, numbers: offset of the NUL-terminated text in doc->strs */
	size_t slen;
};

typedef struct kid {
	size_t key;    /* offset of the key in doc->strs, or NO_KEY in arrays */
	size_t klen;
	size_t val;    /* index into doc->vals */
} kid;

struct sz_json {
	sz_json_val *vals;
	size_t nvals, capvals;
	kid *kids;
	size_t nkids, capkids;
	sz_buf strs;
};

typedef struct parser {
	const char *p;
	size_t len, off;
	size_t depth, max_depth, max_values;
	sz_json *doc;
	kid *stack;           /* children of the containers being parsed */
	size_t nstack, capstack;
	int err;
} parser;

static int
perr(parser *ps, int err)
{
	if (ps->err == 0)
		ps->err = err;
	return ps->err;
}

/* Grow *arr (of elem bytes) to hold need elements. */
static int
grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return SZ_OK;
	size_t n = *cap ? *cap : 16;
	while (n < need) {
		if (n > SIZE_MAX / 2 / elem)
			return SZ_ERR_NOMEM;
		n *= 2;
	}
	void *q = realloc(*arr, n * elem);
	if (q == NULL)
		return SZ_ERR_NOMEM;
	*arr = q;
	*cap = n;
	return SZ_OK;
}

static void
skip_ws(parser *ps)
{
	while (ps->off < ps->len) {
		char c = ps->p[ps->off];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		ps->off++;
	}
}

/* A new value of type t; its index in *idx. */
static int
new_val(parser *ps, sz_json_type t, size_t *idx)
{
	sz_json *d = ps->doc;
	if (d->nvals >= ps->max_values)
		return perr(ps, SZ_ERR_TOO_LARGE);
	if (grow((void **)&d->vals, &d->capvals, d->nvals + 1, sizeof *d->vals) != SZ_OK)
		return perr(ps, SZ_ERR_NOMEM);
	sz_json_val *v = &d->vals[d->nvals];
	memset(v, 0, sizeof *v);
	v->type = t;
	*idx = d->nvals++;
	return SZ_OK;
}

/* Four hex digits of a \u escape. */
static int
read_u4(parser *ps, uint32_t *cp)
{
	if (ps->len - ps->off < 4)
		return perr(ps, SZ_ERR_TRUNCATED);
	uint32_t v = 0;
	for (int i = 0; i < 4; i++) {
		int h = sz_hex_digit(ps->p[ps->off + (size_t)i]);
		if (h < 0)
			return perr(ps, SZ_ERR_MALFORMED);
		v = v << 4 | (uint32_t)h;
	}
	ps->off += 4;
	*cp = v;
	return SZ_OK;
}

static void
put_utf8(sz_buf *b, uint32_t cp)
{
	if (cp < 0x80) {
		sz_buf_u8(b, (uint8_t)cp);
	} else if (cp < 0x800) {
		sz_buf_u8(b, (uint8_t)(0xc0 | cp >> 6));
		sz_buf_u8(b, (uint8_t)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		sz_buf_u8(b, (uint8_t)(0xe0 | cp >> 12));
		sz_buf_u8(b, (uint8_t)(0x80 | ((cp >> 6) & 0x3f)));
		sz_buf_u8(b, (uint8_t)(0x80 | (cp & 0x3f)));
	} else {
		sz_buf_u8(b, (uint8_t)(0xf0 | cp >> 18));
		sz_buf_u8(b, (uint8_t)(0x80 | ((cp >> 12) & 0x3f)));
		sz_buf_u8(b, (uint8_t)(0x80 | ((cp >> 6) & 0x3f)));
		sz_buf_u8(b, (uint8_t)(0x80 | (cp & 0x3f)));
	}
}

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF), or 0 if invalid or cut off. */
static size_t
utf8_len(const unsigned char *s, size_t left)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t cp, min;
	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0) {
		n = 2, cp = c & 0x1f, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3, cp = c & 0x0f, min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4, cp = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (left < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* A string at ps->off (which is at '"'), decoded into doc->strs; its offset and length out. */
static int
parse_string(parser *ps, size_t *soff, size_t *slen)
{
	sz_buf *b = &ps->doc->strs;
	size_t start = b->len;
	ps->off++; /* the opening quote */
	for (;;) {
		if (ps->off >= ps->len)
			return perr(ps, SZ_ERR_TRUNCATED);
		unsigned char c = (unsigned char)ps->p[ps->off];
		if (c == '"') {
			ps->off++;
			break;
		}
		if (c < 0x20)
			return perr(ps, SZ_ERR_MALFORMED);
		if (c != '\\') {
			size_t n = utf8_len((const unsigned char *)ps->p + ps->off, ps->len - ps->off);
			if (n == 0)
				return perr(ps, SZ_ERR_MALFORMED);
			sz_buf_append(b, ps->p + ps->off, n);
			ps->off += n;
			continue;
		}
		if (++ps->off >= ps->len)
			return perr(ps, SZ_ERR_TRUNCATED);
		char e = ps->p[ps->off++];
		uint32_t cp, lo;
		switch (e) {
		case '"': sz_buf_u8(b, '"'); break;
		case '\\': sz_buf_u8(b, '\\'); break;
		case '/': sz_buf_u8(b, '/'); break;
		case 'b': sz_buf_u8(b, '\b'); break;
		case 'f': sz_buf_u8(b, '\f'); break;
		case 'n': sz_buf_u8(b, '\n'); break;
		case 'r': sz_buf_u8(b, '\r'); break;
		case 't': sz_buf_u8(b, '\t'); break;
		case 'u':
			if (read_u4(ps, &cp) != SZ_OK)
				return ps->err;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return perr(ps, SZ_ERR_MALFORMED); /* a lone low surrogate */
			if (cp >= 0xd800 && cp <= 0xdbff) {
				/* A high surrogate must be followed by a \u low surrogate. */
				size_t left = ps->len - ps->off;
				if ((left >= 1 && ps->p[ps->off] != '\\') ||
				    (left >= 2 && ps->p[ps->off + 1] != 'u'))
					return perr(ps, SZ_ERR_MALFORMED);
				if (left < 2)
					return perr(ps, SZ_ERR_TRUNCATED);
				ps->off += 2;
				if (read_u4(ps, &lo) != SZ_OK)
					return ps->err;
				if (lo < 0xdc00 || lo > 0xdfff)
					return perr(ps, SZ_ERR_MALFORMED);
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			put_utf8(b, cp);
			break;
		default:
			return perr(ps, SZ_ERR_MALFORMED);
		}
	}
	sz_buf_u8(b, 0);
	if (b->err)
		return perr(ps, b->err);
	*soff = start;
	*slen = b->len - start - 1;
	return SZ_OK;
}

static bool
isdig(const parser *ps)
{
	return ps->off < ps->len && ps->p[ps->off] >= '0' && ps->p[ps->off] <= '9';
}

/* A number (RFC 8259 §6), kept as text. */
static int
parse_number(parser *ps, size_t idx)
{
	size_t start = ps->off;
	if (ps->p[ps->off] == '-')
		ps->off++;
	if (!isdig(ps))
		return perr(ps, ps->off >= ps->len ? SZ_ERR_TRUNCATED : SZ_ERR_MALFORMED);
	if (ps->p[ps->off] == '0') {
		ps->off++;
		if (isdig(ps))
			return perr(ps, SZ_ERR_MALFORMED); /* a leading zero */
	} else {
		while (isdig(ps))
			ps->off++;
	}
	if (ps->off < ps->len && ps->p[ps->off] == '.') {
		ps->off++;
		if (!isdig(ps))
			return perr(ps, ps->off >= ps->len ? SZ_ERR_TRUNCATED : SZ_ERR_MALFORMED);
		while (isdig(ps))
			ps->off++;
	}
	if (ps->off < ps->len && (ps->p[ps->off] == 'e' || ps->p[ps->off] == 'E')) {
		ps->off++;
		if (ps->off < ps->len && (ps->p[ps->off] == '+' || ps->p[ps->off] == '-'))
			ps->off++;
		if (!isdig(ps))
			return perr(ps, ps->off >= ps->len ? SZ_ERR_TRUNCATED : SZ_ERR_MALFORMED);
		while (isdig(ps))
			ps->off++;
	}
	sz_buf *b = &ps->doc->strs;
	size_t soff = b->len;
	sz_buf_append(b, ps->p + start, ps->off - start);
	sz_buf_u8(b, 0);
	if (b->err)
		return perr(ps, b->err);
	ps->doc->vals[idx].str = soff;
	ps->doc->vals[idx].slen = ps->off - start;
	return SZ_OK;
}

static int
push_kid(parser *ps, size_t key, size_t klen, size_t val)
{
	if (grow((void **)&ps->stack, &ps->capstack, ps->nstack + 1, sizeof *ps->stack) != 0)
		return perr(ps, SZ_ERR_NOMEM);
	ps->stack[ps->nstack++] = (kid){ key, klen, val };
	return SZ_OK;
}

static int
cmp_keys(const void *a, const void *b, void *strs)
{
	const kid *x = a, *y = b;
	if (x->klen != y->klen)
		return x->klen < y->klen ? -1 : 1;
	return memcmp((const char *)strs + x->key, (const char *)strs + y->key, x->klen);
}

/* Move the children pushed since `base` into the document, refusing repeated keys. */
static int
close_container(parser *ps, size_t idx, size_t base, bool object)
{
	sz_json *d = ps->doc;
	size_t n = ps->nstack - base;
	if (n > 0 && grow((void **)&d->kids, &d->capkids, d->nkids + n, sizeof *d->kids) != 0)
		return perr(ps, SZ_ERR_NOMEM);
	if (n > 0)
		memcpy(d->kids + d->nkids, ps->stack + base, n * sizeof *d->kids);
	if (object && n > 1) {
		/* Sort a copy (on the stack's spare room) to find duplicates in n log n. */
		qsort_r(ps->stack + base, n, sizeof *ps->stack, cmp_keys, d->strs.p);
		for (size_t i = base + 1; i < ps->nstack; i++)
			if (cmp_keys(&ps->stack[i - 1], &ps->stack[i], d->strs.p) == 0)
				return perr(ps, SZ_ERR_EXISTS);
	}
	d->vals[idx].kids = d->nkids;
	d->vals[idx].count = n;
	d->nkids += n;
	ps->nstack = base;
	return SZ_OK;
}

static int parse_value(parser *ps, size_t *idx);

/* An array or object at ps->off (at '[' or '{'). */
static int
parse_container(parser *ps, size_t idx, bool object)
{
	size_t base = ps->nstack;
	char close = object ? '}' : ']';
	if (++ps->depth > ps->max_depth)
		return perr(ps, SZ_ERR_TOO_LARGE);
	ps->off++;
	skip_ws(ps);
	if (ps->off < ps->len && ps->p[ps->off] == close) {
		ps->off++;
	} else {
		for (;;) {
			size_t key = NO_KEY, klen = 0, child;
			skip_ws(ps);
			if (object) {
				if (ps->off >= ps->len)
					return perr(ps, SZ_ERR_TRUNCATED);
				if (ps->p[ps->off] != '"')
					return perr(ps, SZ_ERR_MALFORMED);
				if (parse_string(ps, &key, &klen) != SZ_OK)
					return ps->err;
				/* Keys are handed out NUL-terminated (sz_json_key_at, sz_json_get): a key
				 * with a NUL in it (\u0000) could not be named, so it is refused. */
				if (memchr(ps->doc->strs.p + key, 0, klen) != NULL)
					return perr(ps, SZ_ERR_MALFORMED);
				skip_ws(ps);
				if (ps->off >= ps->len)
					return perr(ps, SZ_ERR_TRUNCATED);
				if (ps->p[ps->off++] != ':')
					return perr(ps, SZ_ERR_MALFORMED);
			}
			if (parse_value(ps, &child) != SZ_OK || push_kid(ps, key, klen, child) != 0)
				return ps->err;
			skip_ws(ps);
			if (ps->off >= ps->len)
				return perr(ps, SZ_ERR_TRUNCATED);
			char c = ps->p[ps->off++];
			if (c == close)
				break;
			if (c != ',')
				return perr(ps, SZ_ERR_MALFORMED);
		}
	}
	ps->depth--;
	return close_container(ps, idx, base, object);
}

static int
literal(parser *ps, const char *word)
{
	size_t n = strlen(word);
	if (ps->len - ps->off < n)
		return perr(ps, memcmp(ps->p + ps->off, word, ps->len - ps->off) == 0 ?
		    SZ_ERR_TRUNCATED : SZ_ERR_MALFORMED);
	if (memcmp(ps->p + ps->off, word, n) != 0)
		return perr(ps, SZ_ERR_MALFORMED);
	ps->off += n;
	return SZ_OK;
}

static int
parse_value(parser *ps, size_t *idx)
{
	skip_ws(ps);
	if (ps->off >= ps->len)
		return perr(ps, SZ_ERR_TRUNCATED);
	char c = ps->p[ps->off];
	switch (c) {
	case '{':
	case '[':
		if (new_val(ps, c == '{' ? SZ_JSON_OBJECT : SZ_JSON_ARRAY, idx) != SZ_OK)
			return ps->err;
		return parse_container(ps, *idx, c == '{');
	case '"':
		if (new_val(ps, SZ_JSON_STRING, idx) != SZ_OK)
			return ps->err;
		return parse_string(ps, &ps->doc->vals[*idx].str, &ps->doc->vals[*idx].slen);
	case 't':
		return new_val(ps, SZ_JSON_TRUE, idx) == SZ_OK ? literal(ps, "true") : ps->err;
	case 'f':
		return new_val(ps, SZ_JSON_FALSE, idx) == SZ_OK ? literal(ps, "false") : ps->err;
	case 'n':
		return new_val(ps, SZ_JSON_NULL, idx) == SZ_OK ? literal(ps, "null") : ps->err;
	default:
		if (c != '-' && (c < '0' || c > '9'))
			return perr(ps, SZ_ERR_MALFORMED);
		if (new_val(ps, SZ_JSON_NUMBER, idx) != SZ_OK)
			return ps->err;
		return parse_number(ps, *idx);
	}
}

int
sz_json_parse(const char *text, size_t len, const sz_json_limits *lim, sz_json **out,
    size_t *err_off)
{
	parser ps = { 0 };
	size_t root;
	int r;

	*out = NULL;
	if (err_off != NULL)
		*err_off = 0;
	size_t max_bytes = lim && lim->max_bytes ? lim->max_bytes : DEF_MAX_BYTES;
	ps.max_depth = lim && lim->max_depth ? lim->max_depth : DEF_MAX_DEPTH;
	ps.max_values = lim && lim->max_values ? lim->max_values : DEF_MAX_VALUES;
	if (text == NULL && len > 0)
		return SZ_ERR_INVALID;
	if (len > max_bytes)
		return SZ_ERR_TOO_LARGE;
	if ((ps.doc = calloc(1, sizeof *ps.doc)) == NULL)
		return SZ_ERR_NOMEM;
	/* Decoding never makes a string longer than its text; each string adds one NUL. */
	ps.doc->strs.max = len * 2 + 16;
	ps.doc->strs.secret = lim != NULL && lim->secret;
	ps.p = text;
	ps.len = len;
	if (parse_value(&ps, &root) == SZ_OK) {
		skip_ws(&ps);
		if (ps.off != ps.len)
			perr(&ps, SZ_ERR_MALFORMED); /* bytes after the value */
	}
	r = ps.err;
	free(ps.stack);
	if (r != SZ_OK) {
		if (err_off != NULL)
			*err_off = ps.off;
		sz_json_free(ps.doc);
		return r;
	}
	for (size_t i = 0; i < ps.doc->nvals; i++)
		ps.doc->vals[i].doc = ps.doc;
	*out = ps.doc;
	return SZ_OK;
}

void
sz_json_free(sz_json *doc)
{
	if (doc == NULL)
		return;
	free(doc->vals);
	free(doc->kids);
	sz_buf_free(&doc->strs);
	free(doc);
}

const sz_json_val *
sz_json_root(const sz_json *doc)
{
	return doc->nvals > 0 ? &doc->vals[0] : NULL;
}

sz_json_type
sz_json_type_of(const sz_json_val *v)
{
	return v->type;
}

size_t
sz_json_count(const sz_json_val *v)
{
	return v->type == SZ_JSON_ARRAY || v->type == SZ_JSON_OBJECT ? v->count : 0;
}

const sz_json_val *
sz_json_at(const sz_json_val *v, size_t i)
{
	if (i >= sz_json_count(v))
		return NULL;
	return &v->doc->vals[v->doc->kids[v->kids + i].val];
}

const char *
sz_json_key_at(const sz_json_val *v, size_t i)
{
	if (v->type != SZ_JSON_OBJECT || i >= v->count)
		return NULL;
	return (const char *)v->doc->strs.p + v->doc->kids[v->kids + i].key;
}

const sz_json_val *
sz_json_get(const sz_json_val *v, const char *key)
{
	if (v->type != SZ_JSON_OBJECT)
		return NULL;
	size_t n = strlen(key);
	for (size_t i = 0; i < v->count; i++) {
		const kid *k = &v->doc->kids[v->kids + i];
		if (k->klen == n && memcmp(v->doc->strs.p + k->key, key, n) == 0)
			return &v->doc->vals[k->val];
	}
	return NULL;
}

const char *
sz_json_str(const sz_json_val *v, size_t *len)
{
	if (v->type != SZ_JSON_STRING) {
		if (len != NULL)
			*len = 0;
		return NULL;
	}
	if (len != NULL)
		*len = v->slen;
	return (const char *)v->doc->strs.p + v->str;
}

int
sz_json_u64(const sz_json_val *v, uint64_t *n)
{
	*n = 0;
	if (v->type != SZ_JSON_NUMBER)
		return SZ_ERR_INVALID;
	const char *s = (const char *)v->doc->strs.p + v->str;
	uint64_t x = 0;
	for (size_t i = 0; i < v->slen; i++) {
		if (s[i] < '0' || s[i] > '9')
			return SZ_ERR_INVALID;
		unsigned d = (unsigned)(s[i] - '0');
		if (x > (UINT64_MAX - d) / 10)
			return SZ_ERR_INVALID;
		x = x * 10 + d;
	}
	*n = x;
	return SZ_OK;
}
