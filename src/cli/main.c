/*
 * main.c - the samizdat program: global options, then one table of subcommands.
 * Layer: cli.  Only this layer prints to a terminal or exits.
 */
#include <stdio.h>
#include <string.h>

#include "samizdat.h"
#include "cli/cli.h"

static const sz_cli_cmd commands[] = {
	{ "selftest", sz_cli_selftest, "check the crypto core against published test vectors" },
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: samizdat [--home DIR] [--json] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'samizdat COMMAND --help' explains one command.\n");
}

int
main(int argc, char **argv)
{
	if (sz_init() != SZ_OK) {
		fprintf(stderr, "samizdat: the crypto library failed to start\n");
		return SZ_EXIT_FAIL;
	}
	if (argc < 2) {
		usage(stderr);
		return SZ_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return SZ_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("samizdat %s\n", SAMIZDAT_VERSION);
		return SZ_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "samizdat: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return SZ_EXIT_USAGE;
}
