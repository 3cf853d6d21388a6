/*
 * json_test.c - unit tests of the strict JSON reader (lib/json.c): what RFC 8259 allows is
 * read back exactly, what it forbids is refused with the right error, and the limits hold.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "lib/json.h"
#include "lib/jsonw.h"

static int
parse(const char *s, sz_json **doc)
{
	return sz_json_parse(s, strlen(s), NULL, doc, NULL);
}

static void
test_values(void **state)
{
	(void)state;
	sz_json *doc;
	const char *text = " {\"a\": [1, -0, 2.5e-3, true, false, null, \"x\\u00e9\\ud83d\\ude00\\n\\/\"],"
	    "\"b\": {}, \"c\": [], \"\": \"\\u0000z\", \"n\": 18446744073709551615} ";
	assert_int_equal(parse(text, &doc), SZ_OK);
	const sz_json_val *root = sz_json_root(doc);
	assert_int_equal(sz_json_type_of(root), SZ_JSON_OBJECT);
	assert_int_equal(sz_json_count(root), 5);
	assert_string_equal(sz_json_key_at(root, 0), "a");
	const sz_json_val *a = sz_json_get(root, "a");
	assert_int_equal(sz_json_count(a), 7);
	assert_int_equal(sz_json_type_of(sz_json_at(a, 3)), SZ_JSON_TRUE);
	assert_int_equal(sz_json_type_of(sz_json_at(a, 4)), SZ_JSON_FALSE);
	assert_int_equal(sz_json_type_of(sz_json_at(a, 5)), SZ_JSON_NULL);
	assert_null(sz_json_at(a, 7));
	size_t len;
	const char *s = sz_json_str(sz_json_at(a, 6), &len);
	assert_int_equal(len, 1 + 2 + 4 + 1 + 1);
	assert_memory_equal(s, "x\xc3\xa9\xf0\x9f\x98\x80\n/", len);
	uint64_t u;
	assert_int_equal(sz_json_u64(sz_json_at(a, 0), &u), SZ_OK);
	assert_int_equal(u, 1);
	assert_int_equal(sz_json_u64(sz_json_at(a, 2), &u), SZ_ERR_INVALID);
	assert_int_equal(sz_json_u64(sz_json_get(root, "n"), &u), SZ_OK);
	assert_true(u == UINT64_MAX);
	s = sz_json_str(sz_json_get(root, ""), &len);
	assert_int_equal(len, 2);
	assert_memory_equal(s, "\0z", 2);
	assert_int_equal(sz_json_count(sz_json_get(root, "b")), 0);
	assert_null(sz_json_get(root, "missing"));
	assert_null(sz_json_get(a, "a"));
	sz_json_free(doc);
	sz_json_free(NULL);
}

static void
test_refused(void **state)
{
	(void)state;
	struct { const char *text; int err; } bad[] = {
		{ "", SZ_ERR_TRUNCATED }, { "[1, 2", SZ_ERR_TRUNCATED }, { "\"abc", SZ_ERR_TRUNCATED },
		{ "tru", SZ_ERR_TRUNCATED }, { "[1,]", SZ_ERR_MALFORMED }, { "{\"a\":1,}", SZ_ERR_MALFORMED },
		{ "01", SZ_ERR_MALFORMED }, { "1.", SZ_ERR_TRUNCATED }, { "+1", SZ_ERR_MALFORMED },
		{ "[1] x", SZ_ERR_MALFORMED }, { "\"a\tb\"", SZ_ERR_MALFORMED },
		{ "\"\\x\"", SZ_ERR_MALFORMED }, { "\"\\ud800\"", SZ_ERR_MALFORMED },
		{ "\"\\udc00\"", SZ_ERR_MALFORMED }, { "\"\xc0\xaf\"", SZ_ERR_MALFORMED },
		{ "\"\xed\xa0\x80\"", SZ_ERR_MALFORMED }, { "\"\xff\"", SZ_ERR_MALFORMED },
		{ "{\"a\":1,\"a\":2}", SZ_ERR_EXISTS }, { "{1:2}", SZ_ERR_MALFORMED },
		{ "nul", SZ_ERR_TRUNCATED }, { "nulL", SZ_ERR_MALFORMED }, { "'a'", SZ_ERR_MALFORMED },
		{ "{\"a\\u0000b\":1}", SZ_ERR_MALFORMED }, /* a key no one could name */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		sz_json *doc = (sz_json *)&doc;
		int r = parse(bad[i].text, &doc);
		if (r != bad[i].err)
			print_error("case %zu: %s\n", i, bad[i].text);
		assert_int_equal(r, bad[i].err);
		assert_null(doc);
	}
}

static void
test_limits(void **state)
{
	(void)state;
	sz_json *doc;
	char deep[200];
	memset(deep, '[', 100);
	memset(deep + 100, ']', 100);
	sz_json_limits lim = { .max_depth = 99 };
	assert_int_equal(sz_json_parse(deep, 200, &lim, &doc, NULL), SZ_ERR_TOO_LARGE);
	lim.max_depth = 100;
	assert_int_equal(sz_json_parse(deep, 200, &lim, &doc, NULL), SZ_OK);
	sz_json_free(doc);
	lim = (sz_json_limits){ .max_values = 3 };
	assert_int_equal(sz_json_parse("[1,2]", 5, &lim, &doc, NULL), SZ_OK);
	sz_json_free(doc);
	assert_int_equal(sz_json_parse("[1,2,3]", 7, &lim, &doc, NULL), SZ_ERR_TOO_LARGE);
	lim = (sz_json_limits){ .max_bytes = 4 };
	assert_int_equal(sz_json_parse("[1,2]", 5, &lim, &doc, NULL), SZ_ERR_TOO_LARGE);
	size_t off;
	assert_int_equal(sz_json_parse("[1, x]", 6, NULL, &doc, &off), SZ_ERR_MALFORMED);
	assert_int_equal(off, 4);
}

/* Text from outside made safe for a terminal (jsonw.c): controls and broken UTF-8 as '?', cut
 * whole characters only. */
static void
test_printable(void **state)
{
	(void)state;
	char out[16];
	sz_text_printable(out, sizeof out, "caf\xc3\xa9" " ok");
	assert_string_equal(out, "caf\xc3\xa9" " ok");
	sz_text_printable(out, sizeof out, "a\x1b[2Jb\x7f\n");
	assert_string_equal(out, "a?[2Jb??");
	sz_text_printable(out, sizeof out, "\xc2\x9b" "1m\xff\xe2\x82");
	assert_string_equal(out, "?1m???");
	sz_text_printable(out, 5, "ab\xc3\xa9\xc3\xa9");
	assert_string_equal(out, "ab\xc3\xa9"); /* 4 bytes and the NUL: the next one does not fit */
	sz_text_printable(out, 1, "abc");
	assert_string_equal(out, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_printable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
