/*
 * json.h - a small, strict, bounded JSON reader (RFC 8259) into a read-only tree.
 * Layer: lib.  For test-vector files and outside peers' messages: it refuses what RFC 8259
 * does not allow (trailing commas, leading zeros, control characters or bad UTF-8 in strings,
 * lone surrogates, bytes after the value), duplicate keys, keys with a NUL in them (keys are
 * handed out NUL-terminated), and anything past its limits.
 */
#ifndef SZ_LIB_JSON_H
#define SZ_LIB_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "samizdat.h"

typedef enum sz_json_type {
	SZ_JSON_NULL = 1,
	SZ_JSON_FALSE,
	SZ_JSON_TRUE,
	SZ_JSON_NUMBER,  /* kept as its text; read with sz_json_u64 */
	SZ_JSON_STRING,
	SZ_JSON_ARRAY,
	SZ_JSON_OBJECT,
} sz_json_type;

/* Bounds on what one document may hold; zero fields take the defaults in brackets. */
typedef struct sz_json_limits {
	size_t max_bytes;   /* input length [64 MiB] */
	size_t max_depth;   /* nesting of arrays and objects [64] */
	size_t max_values;  /* values in the document, members' keys not counted [4,000,000] */
	bool secret;        /* the text holds a secret: strings are wiped when the document goes */
} sz_json_limits;

typedef struct sz_json sz_json;   /* a parsed document; owns every value in it */
typedef struct sz_json_val sz_json_val;

/*
 * Parse len bytes of text (need not be NUL-terminated).  *out is NULL on entry and, on success,
 * a document the caller frees with sz_json_free.  Errors: SZ_ERR_MALFORMED (not strict JSON),
 * SZ_ERR_TRUNCATED (the text ends inside a value), SZ_ERR_TOO_LARGE (a limit), SZ_ERR_EXISTS
 * (an object repeats a key), SZ_ERR_NOMEM.  *err_off, if not NULL, gets the byte offset of the
 * first error.
 */
SZ_MUST_CHECK int sz_json_parse(const char *text, size_t len, const sz_json_limits *lim,
    sz_json **out, size_t *err_off);
void sz_json_free(sz_json *doc);

/* The top-level value; valid as long as the document. */
const sz_json_val *sz_json_root(const sz_json *doc);
sz_json_type sz_json_type_of(const sz_json_val *v);
/* Elements of an array or members of an object (0 for other types). */
size_t sz_json_count(const sz_json_val *v);
/* The i-th element of an array or value of an object's i-th member; NULL if out of range. */
const sz_json_val *sz_json_at(const sz_json_val *v, size_t i);
/* The key of an object's i-th member (NUL-terminated, decoded), or NULL. */
const char *sz_json_key_at(const sz_json_val *v, size_t i);
/* The member of object v named key, or NULL (also when v is not an object). */
const sz_json_val *sz_json_get(const sz_json_val *v, const char *key);
/* A string's decoded UTF-8 bytes (NUL-terminated; *len excludes the NUL, and the string may
 * itself contain NUL bytes), or NULL if v is not a string. */
const char *sz_json_str(const sz_json_val *v, size_t *len);
/* A number that is a non-negative integer without fraction or exponent, into *n.
 * SZ_ERR_INVALID if v is not such a number or it exceeds 2^64-1. */
SZ_MUST_CHECK int sz_json_u64(const sz_json_val *v, uint64_t *n);

#endif /* SZ_LIB_JSON_H */
