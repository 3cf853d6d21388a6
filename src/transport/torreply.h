/*
 * torreply.h - parser for replies of the Tor control protocol, and the small text formats inside
 * them (KEY=VALUE tokens, quoted strings).  Layer: transport.  Pure: no I/O, no allocation beyond
 * the parsed reply, so it is fuzzed directly (fuzz/fuzz_torctl.c).  Spec: torspec control-spec.txt
 * section 2.3 (reply grammar), 2.1.1 (CString escapes), 2.4 (CmdData).
 */
#ifndef SZ_TRANSPORT_TORREPLY_H
#define SZ_TRANSPORT_TORREPLY_H

#include <stddef.h>
#include <stdint.h>

#include "samizdat.h"

/* Bounds on what we accept from a control port.  Tor's replies to the commands we send are a few
 * hundred bytes; these leave room for long paths (COOKIEFILE) and GETINFO data blocks. */
#define SZ_TORREPLY_MAX_LINE 4096     /* bytes of one line, CRLF excluded */
#define SZ_TORREPLY_MAX_LINES 256     /* lines of one reply, data lines included */
#define SZ_TORREPLY_MAX_BYTES 65536   /* bytes of one reply, CRLFs included */

typedef struct sz_torreply_line {
	const char *text;  /* what follows "NNN-", "NNN " or "NNN+", NUL-terminated */
	const char *data;  /* "NNN+" lines only: the data block, dots unstuffed, lines joined by
	                    * "\n" (no trailing newline), NUL-terminated; NULL for other lines */
	size_t data_len;   /* strlen(data), 0 when data is NULL */
} sz_torreply_line;

/* One parsed reply.  Every pointer points into memory owned by the reply; it stays valid until
 * sz_torreply_free(), which wipes it (a reply may carry a private key). */
typedef struct sz_torreply {
	int code;                /* the status code shared by every line, 100..699 */
	size_t n;                /* number of reply lines (data lines not counted); the last is the
	                          * end line */
	sz_torreply_line *line;  /* n entries */
	char *mem;               /* storage behind text and data */
	size_t memlen;
} sz_torreply;

/*
 * Parse one reply from the front of in[0..len).  On SZ_OK, *out holds the reply (release with
 * sz_torreply_free) and *used the number of bytes it took; bytes after it belong to the next
 * reply.  SZ_ERR_AGAIN: the reply is not complete yet (nothing consumed; call again with more).
 * SZ_ERR_TOO_LARGE: a line, the line count or the reply exceeds the bounds above.
 * SZ_ERR_PEER: the bytes break the grammar (bad status code or separator, bare CR or LF, NUL or
 * another control character, lines of one reply with different codes, ...).
 * *out is zeroed and *used set to 0 on entry.
 */
SZ_MUST_CHECK int sz_torreply_parse(const uint8_t *in, size_t len, size_t *used, sz_torreply *out);

/* Wipe and release what a parsed reply holds; reset it to zero.  Accepts NULL and zeroed replies. */
void sz_torreply_free(sz_torreply *r);

/* 1 when the reply is an asynchronous event (6xx), else 0. */
int sz_torreply_is_event(const sz_torreply *r);

/*
 * Find the token KEY=VALUE whose key is `key` in a line of space-separated tokens (PROTOCOLINFO,
 * AUTHCHALLENGE, bootstrap status, events) and copy its value, unquoted, into out (outsz bytes,
 * NUL-terminated).  A quoted value is read as a CString (control-spec 2.1.1): \n \t \r and octal
 * escapes are decoded, any other escaped character stands for itself; a decoded NUL is refused.
 * Quoted tokens are skipped whole, so a key inside a quoted value is never matched.
 * SZ_ERR_NOT_FOUND when absent, SZ_ERR_TOO_LARGE when the value does not fit, SZ_ERR_PEER on a
 * malformed quoted string.  out is set to "" on entry.
 */
SZ_MUST_CHECK int sz_torreply_kv(const char *text, const char *key, char *out, size_t outsz);

/*
 * Read the next space-separated word of a line at *pp: a quoted string (decoded as above) or a
 * bare word, into out (outsz bytes, NUL-terminated), and advance *pp past it.  SZ_ERR_NOT_FOUND
 * at the end of the line, SZ_ERR_TOO_LARGE, SZ_ERR_PEER as sz_torreply_kv.
 */
SZ_MUST_CHECK int sz_torreply_word(const char **pp, char *out, size_t outsz);

/*
 * Find, in a GETINFO reply, the value of `key`: the rest of the line "key=VALUE", or the data
 * block of the line "key=" sent as "250+key=".  *value points into the reply (valid until it is
 * freed).  SZ_ERR_NOT_FOUND when the reply has no such line.
 */
SZ_MUST_CHECK int sz_torreply_getinfo(const sz_torreply *r, const char *key, const char **value);

/*
 * Copy text into out (outsz >= 1 bytes, NUL-terminated, truncated to fit), replacing every byte
 * outside printable ASCII by '?', so that text from the control port is safe to log.
 */
void sz_torreply_sanitize(char *out, size_t outsz, const char *text);

#endif /* SZ_TRANSPORT_TORREPLY_H */
