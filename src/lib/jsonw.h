/*
 * jsonw.h - a small JSON writer (RFC 8259) into an sz_buf, for `--json` output and reports.
 * Layer: lib.  Strings are escaped completely: control characters as \u00XX, and bytes that are not
 * valid UTF-8 as \u00XX of the byte (so any stored text can be shown without loss of safety).
 */
#ifndef SZ_LIB_JSONW_H
#define SZ_LIB_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/bytes.h"

#define SZ_JSONW_MAX_DEPTH 32

typedef struct sz_jsonw {
	sz_buf *out;
	int depth;
	bool first[SZ_JSONW_MAX_DEPTH]; /* no member written yet at this depth */
	bool after_key;
} sz_jsonw;

void sz_jsonw_init(sz_jsonw *w, sz_buf *out);
void sz_jsonw_obj_begin(sz_jsonw *w);
void sz_jsonw_obj_end(sz_jsonw *w);
void sz_jsonw_arr_begin(sz_jsonw *w);
void sz_jsonw_arr_end(sz_jsonw *w);
/* A member name inside an object; the next value belongs to it. */
void sz_jsonw_key(sz_jsonw *w, const char *k);
void sz_jsonw_str(sz_jsonw *w, const char *s);
void sz_jsonw_strn(sz_jsonw *w, const uint8_t *s, size_t n);
void sz_jsonw_hex(sz_jsonw *w, const uint8_t *p, size_t n);
void sz_jsonw_u64(sz_jsonw *w, uint64_t v);
void sz_jsonw_i64(sz_jsonw *w, int64_t v);
void sz_jsonw_bool(sz_jsonw *w, bool v);
void sz_jsonw_null(sz_jsonw *w);

/* Length of the valid UTF-8 sequence starting at s (1..4), or 0 if the bytes there are not one. */
size_t sz_utf8_seq(const uint8_t *s, size_t n);
/* Copy text that came from outside (a cell's name) into out (n > 0 bytes, NUL-terminated, cut at a
 * character), with control characters (C0, DEL, C1) and bytes that are not UTF-8 replaced by '?',
 * so that it can go to a terminal or a log line. */
void sz_text_printable(char *out, size_t n, const char *in);

#endif /* SZ_LIB_JSONW_H */
