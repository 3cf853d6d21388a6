/*
 * cli.h - what the subcommand files of the samizdat program share.
 * Layer: cli (the top).  One table of commands (main.c), one file per group of subcommands,
 * as WireGuard's wg.c does.  Exit codes are documented in docs/samizdat.1.
 */
#ifndef SZ_CLI_CLI_H
#define SZ_CLI_CLI_H

/* Exit codes (stable; documented in docs/samizdat.1 and README.md). */
enum {
	SZ_EXIT_OK = 0,
	SZ_EXIT_FAIL = 1,      /* the command was understood but failed; the message says why */
	SZ_EXIT_USAGE = 2,     /* missing, extra or malformed arguments */
	SZ_EXIT_LOCKED = 3,    /* wrong passphrase, or the node is locked */
	SZ_EXIT_NETWORK = 4,   /* the peer could not be reached or broke off */
	SZ_EXIT_DATA = 5,      /* damaged or forged input (bundle, invite, entry) */
	SZ_EXIT_NOT_MEMBER = 6,
};

typedef struct sz_cli_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} sz_cli_cmd;

int sz_cli_selftest(int argc, char **argv);

#endif /* SZ_CLI_CLI_H */
