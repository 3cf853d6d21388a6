/*
 * torreply_test.c - unit tests of the Tor control-reply parser and its text helpers
 * (transport/torreply.c), on canned replies: well-formed ones copied from tor 0.4.9.11's answers,
 * malformed, oversized and 5xx ones.  Grammar: torspec control-spec.txt sections 2.1.1, 2.3, 2.4.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "transport/torreply.h"

/* Parse a whole C string; expect the result r. */
static int
parse_str(const char *s, size_t *used, sz_torreply *rep)
{
	return sz_torreply_parse((const uint8_t *)s, strlen(s), used, rep);
}

static void
test_simple(void **state)
{
	(void)state;
	sz_torreply rep;
	size_t used;
	assert_int_equal(parse_str("250 OK\r\n", &used, &rep), SZ_OK);
	assert_int_equal(rep.code, 250);
	assert_int_equal(rep.n, 1);
	assert_string_equal(rep.line[0].text, "OK");
	assert_null(rep.line[0].data);
	assert_int_equal(used, 8);
	assert_false(sz_torreply_is_event(&rep));
	sz_torreply_free(&rep);
	assert_null(rep.mem);
	sz_torreply_free(&rep);                  /* twice is harmless */
	sz_torreply_free(NULL);

	/* An empty reply text is allowed: ReplyLine = [ReplyText] CRLF. */
	assert_int_equal(parse_str("250 \r\n", &used, &rep), SZ_OK);
	assert_string_equal(rep.line[0].text, "");
	sz_torreply_free(&rep);
}

/* tor 0.4.9.11's answer to PROTOCOLINFO 1, byte for byte. */
static const char PROTOCOLINFO[] =
    "250-PROTOCOLINFO 1\r\n"
    "250-AUTH METHODS=COOKIE,SAFECOOKIE COOKIEFILE=\"/tmp/tx/d/control_auth_cookie\"\r\n"
    "250-VERSION Tor=\"0.4.9.11\"\r\n"
    "250 OK\r\n";

static void
test_multiline_and_kv(void **state)
{
	(void)state;
	sz_torreply rep;
	size_t used;
	char v[128];
	assert_int_equal(parse_str(PROTOCOLINFO, &used, &rep), SZ_OK);
	assert_int_equal(used, strlen(PROTOCOLINFO));
	assert_int_equal(rep.n, 4);
	assert_string_equal(rep.line[0].text, "PROTOCOLINFO 1");
	assert_int_equal(sz_torreply_kv(rep.line[1].text, "METHODS", v, sizeof v), SZ_OK);
	assert_string_equal(v, "COOKIE,SAFECOOKIE");
	assert_int_equal(sz_torreply_kv(rep.line[1].text, "COOKIEFILE", v, sizeof v), SZ_OK);
	assert_string_equal(v, "/tmp/tx/d/control_auth_cookie");
	assert_int_equal(sz_torreply_kv(rep.line[2].text, "Tor", v, sizeof v), SZ_OK);
	assert_string_equal(v, "0.4.9.11");
	assert_int_equal(sz_torreply_kv(rep.line[1].text, "AUTH", v, sizeof v), SZ_ERR_NOT_FOUND);
	assert_int_equal(sz_torreply_kv(rep.line[1].text, "COOKIE", v, sizeof v), SZ_ERR_NOT_FOUND);
	assert_string_equal(v, "");
	/* Too small an output buffer is an error, not a truncation. */
	assert_int_equal(sz_torreply_kv(rep.line[1].text, "COOKIEFILE", v, 8), SZ_ERR_TOO_LARGE);
	sz_torreply_free(&rep);
}

static void
test_incremental_and_pipelined(void **state)
{
	(void)state;
	sz_torreply rep;
	size_t used, n = strlen(PROTOCOLINFO);
	/* Every proper prefix is incomplete and consumes nothing. */
	for (size_t k = 0; k < n; k++) {
		assert_int_equal(sz_torreply_parse((const uint8_t *)PROTOCOLINFO, k, &used, &rep),
		    SZ_ERR_AGAIN);
		assert_int_equal(used, 0);
		assert_null(rep.mem);
	}
	/* Two replies back to back: the first is taken, the second left. */
	const char two[] = "250 OK\r\n552 Unrecognized key \"x\"\r\n";
	assert_int_equal(parse_str(two, &used, &rep), SZ_OK);
	assert_int_equal(used, 8);
	sz_torreply_free(&rep);
	assert_int_equal(parse_str(two + used, &used, &rep), SZ_OK);
	assert_int_equal(rep.code, 552);
	assert_string_equal(rep.line[0].text, "Unrecognized key \"x\"");
	sz_torreply_free(&rep);
}

static void
test_data_block(void **state)
{
	(void)state;
	sz_torreply rep;
	size_t used;
	const char *v;
	/* Dot-stuffing (RFC 2821 4.5.2 as control-spec 2.4 uses it) and an empty data line. */
	const char s[] = "250+config-text=\r\nA b\r\n..B\r\n\r\n.\r\n250 OK\r\n";
	assert_int_equal(parse_str(s, &used, &rep), SZ_OK);
	assert_int_equal(used, strlen(s));
	assert_int_equal(rep.n, 2);
	assert_string_equal(rep.line[0].text, "config-text=");
	assert_non_null(rep.line[0].data);
	assert_string_equal(rep.line[0].data, "A b\n.B\n");
	assert_int_equal(rep.line[0].data_len, 7);
	assert_int_equal(sz_torreply_getinfo(&rep, "config-text", &v), SZ_OK);
	assert_string_equal(v, "A b\n.B\n");
	sz_torreply_free(&rep);

	/* An empty data block. */
	assert_int_equal(parse_str("250+x=\r\n.\r\n250 OK\r\n", &used, &rep), SZ_OK);
	assert_string_equal(rep.line[0].data, "");
	assert_int_equal(rep.line[0].data_len, 0);
	sz_torreply_free(&rep);

	/* A data block never closed is incomplete, not an error. */
	assert_int_equal(parse_str("250+x=\r\nabc\r\n", &used, &rep), SZ_ERR_AGAIN);
	/* "250+key=junk" is not a GETINFO data line. */
	assert_int_equal(parse_str("250+x=junk\r\nd\r\n.\r\n250 OK\r\n", &used, &rep), SZ_OK);
	assert_int_equal(sz_torreply_getinfo(&rep, "x", &v), SZ_ERR_PEER);
	assert_null(v);
	sz_torreply_free(&rep);
}

static void
test_getinfo(void **state)
{
	(void)state;
	sz_torreply rep;
	size_t used;
	const char *v;
	char w[64];
	/* tor 0.4.9.11's answers. */
	const char s[] =
	    "250-status/bootstrap-phase=NOTICE BOOTSTRAP PROGRESS=0 TAG=starting SUMMARY=\"Starting\"\r\n"
	    "250-net/listeners/socks=\"127.0.0.1:19091\" \"[::1]:9050\"\r\n"
	    "250 OK\r\n";
	assert_int_equal(parse_str(s, &used, &rep), SZ_OK);
	assert_int_equal(sz_torreply_getinfo(&rep, "status/bootstrap-phase", &v), SZ_OK);
	assert_int_equal(sz_torreply_kv(v, "PROGRESS", w, sizeof w), SZ_OK);
	assert_string_equal(w, "0");
	assert_int_equal(sz_torreply_kv(v, "SUMMARY", w, sizeof w), SZ_OK);
	assert_string_equal(w, "Starting");
	assert_int_equal(sz_torreply_getinfo(&rep, "net/listeners/socks", &v), SZ_OK);
	assert_int_equal(sz_torreply_word(&v, w, sizeof w), SZ_OK);
	assert_string_equal(w, "127.0.0.1:19091");
	assert_int_equal(sz_torreply_word(&v, w, sizeof w), SZ_OK);
	assert_string_equal(w, "[::1]:9050");
	assert_int_equal(sz_torreply_word(&v, w, sizeof w), SZ_ERR_NOT_FOUND);
	assert_int_equal(sz_torreply_getinfo(&rep, "status", &v), SZ_ERR_NOT_FOUND);
	assert_int_equal(sz_torreply_getinfo(&rep, "net/listeners", &v), SZ_ERR_NOT_FOUND);
	sz_torreply_free(&rep);
}

static void
test_quoted(void **state)
{
	(void)state;
	char v[64];
	/* CString escapes (control-spec 2.1.1): \n \t \r, octal, and \X for X. */
	assert_int_equal(sz_torreply_kv("K=\"a\\\"b\\\\c\\n\\t\\r\\101\\7z\"", "K", v, sizeof v), SZ_OK);
	assert_string_equal(v, "a\"b\\c\n\t\rA\az");
	/* A key inside a quoted value is never matched. */
	assert_int_equal(sz_torreply_kv("S=\"x P=1\" P=2", "P", v, sizeof v), SZ_OK);
	assert_string_equal(v, "2");
	assert_int_equal(sz_torreply_kv("\"P=1 q\" P=3", "P", v, sizeof v), SZ_OK);
	assert_string_equal(v, "3");
	/* An empty bare value; a value with '=' inside. */
	assert_int_equal(sz_torreply_kv("A= B=x=y", "A", v, sizeof v), SZ_OK);
	assert_string_equal(v, "");
	assert_int_equal(sz_torreply_kv("A= B=x=y", "B", v, sizeof v), SZ_OK);
	assert_string_equal(v, "x=y");
	/* Malformed: unterminated, a decoded NUL, octal above 255, junk after the quote, a
	 * backslash at the end. */
	assert_int_equal(sz_torreply_kv("K=\"abc", "K", v, sizeof v), SZ_ERR_PEER);
	assert_int_equal(sz_torreply_kv("K=\"a\\0b\"", "K", v, sizeof v), SZ_ERR_PEER);
	assert_int_equal(sz_torreply_kv("K=\"\\400\"", "K", v, sizeof v), SZ_ERR_PEER);
	assert_int_equal(sz_torreply_kv("K=\"a\"b", "K", v, sizeof v), SZ_ERR_PEER);
	assert_int_equal(sz_torreply_kv("K=\"a\\", "K", v, sizeof v), SZ_ERR_PEER);
	/* ... also when the bad token is not the one asked for. */
	assert_int_equal(sz_torreply_kv("X=\"abc P=1", "P", v, sizeof v), SZ_ERR_PEER);
	assert_int_equal(sz_torreply_kv("K=1", "", v, sizeof v), SZ_ERR_INVALID);
	assert_int_equal(sz_torreply_kv("K=1", "K", v, 0), SZ_ERR_INVALID);
}

static void
test_sanitize(void **state)
{
	(void)state;
	char out[8];
	sz_torreply_sanitize(out, sizeof out, "a\x1b[2J\xff");
	assert_string_equal(out, "a?[2J?");
	sz_torreply_sanitize(out, sizeof out, "0123456789");
	assert_string_equal(out, "0123456");
	sz_torreply_sanitize(out, sizeof out, NULL);
	assert_string_equal(out, "");
}

/* Malformed replies: each must be SZ_ERR_PEER and hand nothing back. */
static void
test_malformed(void **state)
{
	(void)state;
	static const char *bad[] = {
		"250 OK\n",                          /* LF without CR */
		"\r\n",                              /* empty line */
		"250OK\r\n",                         /* no separator */
		"250\r\n",                           /* too short */
		"25 OK\r\n",
		"250*OK\r\n",                        /* unknown separator */
		"099 OK\r\n",                        /* codes are 100..699 */
		"700 OK\r\n",
		"2a0 OK\r\n",
		" 250 OK\r\n",
		"250-a\r\n251 OK\r\n",               /* one code per reply */
		"250 O\rK\r\n",                      /* bare CR inside */
		"250 a\x01b\r\n",                    /* control character */
		"250 a\x7f\r\n",
		"250+x=\r\na\x02\r\n.\r\n250 OK\r\n",  /* control character in data */
		"250+x=\r\nab\n.\r\n250 OK\r\n",     /* LF without CR in data */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		sz_torreply rep;
		size_t used = 99;
		assert_int_equal(parse_str(bad[i], &used, &rep), SZ_ERR_PEER);
		assert_int_equal(used, 0);
		assert_null(rep.mem);
		assert_null(rep.line);
	}
	/* A NUL byte inside a line (not expressible as a C string literal test above). */
	const uint8_t nul[] = { '2', '5', '0', ' ', 'a', 0, 'b', '\r', '\n' };
	sz_torreply rep;
	size_t used;
	assert_int_equal(sz_torreply_parse(nul, sizeof nul, &used, &rep), SZ_ERR_PEER);
	assert_int_equal(sz_torreply_parse(NULL, 0, &used, &rep), SZ_ERR_AGAIN);
	assert_int_equal(sz_torreply_parse(NULL, 5, &used, &rep), SZ_ERR_INVALID);
}

static void
test_oversized(void **state)
{
	(void)state;
	sz_torreply rep;
	size_t used;
	size_t cap = SZ_TORREPLY_MAX_BYTES + 4096;
	char *s = malloc(cap);
	assert_non_null(s);

	/* A line at the bound passes; one byte more fails, even before its CRLF arrives. */
	memcpy(s, "250 ", 4);
	memset(s + 4, 'x', SZ_TORREPLY_MAX_LINE - 4);
	memcpy(s + SZ_TORREPLY_MAX_LINE, "\r\n", 2);
	assert_int_equal(sz_torreply_parse((uint8_t *)s, SZ_TORREPLY_MAX_LINE + 2, &used, &rep), SZ_OK);
	sz_torreply_free(&rep);
	memset(s + 4, 'x', SZ_TORREPLY_MAX_LINE + 2);
	assert_int_equal(sz_torreply_parse((uint8_t *)s, SZ_TORREPLY_MAX_LINE + 2, &used, &rep),
	    SZ_ERR_TOO_LARGE);
	assert_int_equal(sz_torreply_parse((uint8_t *)s, SZ_TORREPLY_MAX_LINE + 1, &used, &rep),
	    SZ_ERR_AGAIN);

	/* Too many lines. */
	size_t o = 0;
	for (size_t i = 0; i < SZ_TORREPLY_MAX_LINES; i++) {
		memcpy(s + o, "250-a\r\n", 7);
		o += 7;
	}
	memcpy(s + o, "250 OK\r\n", 8);
	assert_int_equal(sz_torreply_parse((uint8_t *)s, o + 8, &used, &rep), SZ_ERR_TOO_LARGE);
	/* One fewer mid line fits exactly. */
	assert_int_equal(sz_torreply_parse((uint8_t *)s + 7, o + 1, &used, &rep), SZ_OK);
	assert_int_equal(rep.n, SZ_TORREPLY_MAX_LINES);
	sz_torreply_free(&rep);

	/* Too many bytes: long lines, fewer than the line bound, never ending. */
	o = 0;
	while (o + SZ_TORREPLY_MAX_LINE + 2 < cap) {
		memcpy(s + o, "250-", 4);
		memset(s + o + 4, 'y', SZ_TORREPLY_MAX_LINE - 4);
		memcpy(s + o + SZ_TORREPLY_MAX_LINE, "\r\n", 2);
		o += SZ_TORREPLY_MAX_LINE + 2;
	}
	assert_int_equal(sz_torreply_parse((uint8_t *)s, o, &used, &rep), SZ_ERR_TOO_LARGE);
	free(s);
}

static void
test_event(void **state)
{
	(void)state;
	sz_torreply rep;
	size_t used;
	/* tor 0.4.9.11's event after SETEVENTS HS_DESC. */
	const char s[] = "650 HS_DESC UPLOADED zgfdfzsqlptmjayggba775dy6ossa2usy3pd2na33k4r27qi7yrl4jqd "
	    "UNKNOWN $519F547BB643FAF84C32B73B46B0305BD773C270~auth1\r\n";
	assert_int_equal(parse_str(s, &used, &rep), SZ_OK);
	assert_true(sz_torreply_is_event(&rep));
	const char *p = rep.line[0].text;
	char w[80];
	assert_int_equal(sz_torreply_word(&p, w, sizeof w), SZ_OK);
	assert_string_equal(w, "HS_DESC");
	assert_int_equal(sz_torreply_word(&p, w, sizeof w), SZ_OK);
	assert_string_equal(w, "UPLOADED");
	sz_torreply_free(&rep);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple),
		cmocka_unit_test(test_multiline_and_kv),
		cmocka_unit_test(test_incremental_and_pipelined),
		cmocka_unit_test(test_data_block),
		cmocka_unit_test(test_getinfo),
		cmocka_unit_test(test_quoted),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_event),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
