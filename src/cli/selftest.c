/*
 * selftest.c - `samizdat selftest`: run the crypto core's known-answer checks with readable output.
 * Layer: cli.
 */
#include <stdio.h>
#include <string.h>

#include "samizdat.h"
#include "cli/cli.h"
#include "crypto/selftest.h"

/* Print one check, its result aligned in a column (names are UTF-8: "§" is one column). */
static void
report(void *ctx, const char *name, int ok)
{
	sz_cli *c = ctx;
	int cols = 0;
	for (const char *p = name; *p != '\0'; p++)
		cols += ((unsigned char)*p & 0xc0) != 0x80;
	sz_cli_say(c, "  %s%*s %s\n", name, cols < 60 ? 60 - cols : 0, "", ok ? "ok" : "FAILED");
	if (c->json) {
		sz_jsonw_obj_begin(&c->jw);
		sz_jsonw_key(&c->jw, "check");
		sz_jsonw_str(&c->jw, name);
		sz_jsonw_key(&c->jw, "ok");
		sz_jsonw_bool(&c->jw, ok);
		sz_jsonw_obj_end(&c->jw);
	}
}

int
sz_cli_selftest(sz_cli *c, int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return sz_cli_usage_error(c, "takes no arguments");
	sz_cli_say(c, "samizdat %s crypto self-test\n", SAMIZDAT_VERSION);
	if (c->json) {
		sz_jsonw_key(&c->jw, "checks");
		sz_jsonw_arr_begin(&c->jw);
	}
	int failed = sz_crypto_selftest(report, c);
	if (c->json) {
		sz_jsonw_arr_end(&c->jw);
		sz_jsonw_key(&c->jw, "failed");
		sz_jsonw_i64(&c->jw, failed);
	}
	sz_cli_say(c, failed ? "%d check(s) FAILED\n" : "all checks passed\n", failed);
	return failed ? SZ_EXIT_FAIL : SZ_EXIT_OK;
}
