/*
 * fuzz_json.c - libFuzzer target for the strict JSON reader (src/lib/json.c): parse, then walk
 * every value of what parsed.  Small limits so deep and wide inputs hit the bounds quickly.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "samizdat.h"
#include "lib/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Visit every value; checks that what the accessors return is inside the document. */
static size_t
walk(const sz_json_val *v, size_t depth)
{
	size_t n = 1, len;
	uint64_t u;
	if (depth > 64)
		__builtin_trap(); /* the parser's depth bound was not kept */
	switch (sz_json_type_of(v)) {
	case SZ_JSON_STRING: {
		const char *s = sz_json_str(v, &len);
		if (s == NULL || s[len] != '\0')
			__builtin_trap();
		break;
	}
	case SZ_JSON_NUMBER:
		(void)sz_json_u64(v, &u);
		break;
	case SZ_JSON_OBJECT:
		for (size_t i = 0; i < sz_json_count(v); i++) {
			const char *k = sz_json_key_at(v, i);
			if (k == NULL || sz_json_get(v, k) == NULL)
				__builtin_trap();
		}
		/* fall through */
	case SZ_JSON_ARRAY:
		for (size_t i = 0; i < sz_json_count(v); i++)
			n += walk(sz_json_at(v, i), depth + 1);
		if (sz_json_at(v, sz_json_count(v)) != NULL)
			__builtin_trap();
		break;
	default:
		break;
	}
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sz_json_limits lim = { .max_bytes = 1 << 20, .max_depth = 32, .max_values = 10000 };
	sz_json *doc = NULL;
	size_t off;
	if (sz_json_parse((const char *)data, size, &lim, &doc, &off) == SZ_OK) {
		if (walk(sz_json_root(doc), 0) > lim.max_values)
			__builtin_trap();
		sz_json_free(doc);
	} else if (doc != NULL || off > size) {
		__builtin_trap();
	}
	return 0;
}
