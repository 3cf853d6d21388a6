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
	(void)ctx;
	int cols = 0;
	for (const char *p = name; *p != '\0'; p++)
		cols += ((unsigned char)*p & 0xc0) != 0x80;
	printf("  %s%*s %s\n", name, cols < 60 ? 60 - cols : 0, "", ok ? "ok" : "FAILED");
}

int
sz_cli_selftest(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		printf("usage: samizdat selftest\n\nChecks every primitive against published test vectors.\n");
		return SZ_EXIT_OK;
	}
	if (argc > 1) {
		fprintf(stderr, "samizdat selftest: takes no arguments\nusage: samizdat selftest\n");
		return SZ_EXIT_USAGE;
	}
	printf("samizdat %s crypto self-test\n", SAMIZDAT_VERSION);
	int failed = sz_crypto_selftest(report, NULL);
	printf(failed ? "%d check(s) FAILED\n" : "all checks passed\n", failed);
	return failed ? SZ_EXIT_FAIL : SZ_EXIT_OK;
}
