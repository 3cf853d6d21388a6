/*
 * confirm.c - asking before what is traceable or cannot be undone (leaflet publish, cosign
 * --public, pledge reveal, cell remove, cell leave): on a terminal the command says what it means
 * and waits for a yes; --yes answers beforehand.  Layer: cli.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli/cli.h"

static const struct ask {
	const char *cmd, *sub, *flag; /* sub, flag: NULL for any */
	const char *what;
} asks[] = {
	{ "leaflet", "publish", NULL, "A leaflet is signed with your identity: anyone who gets it "
	    "can check that you wrote it, for ever, and it cannot be taken back." },
	{ "cosign", NULL, "--public", "A public signature is made with your identity: anyone who "
	    "gets it can check that you signed, for ever." },
	{ "pledge", "reveal", NULL, "The members will know that this pledge is yours; it cannot "
	    "be taken back." },
	{ "cell", "remove", NULL, "The member is removed for good: once the others sync they read "
	    "nothing new, and they can come back only with a new invitation and a new identity." },
	{ "cell", "leave", NULL, "Your keys for this cell are destroyed: nothing new reaches you, "
	    "and coming back takes a new invitation." },
};

int
sz_cli_confirm(sz_cli *c, int *argc, char **argv)
{
	const struct ask *a = NULL;
	for (size_t i = 0; i < sizeof asks / sizeof asks[0] && a == NULL; i++) {
		if (strcmp(argv[0], asks[i].cmd) != 0)
			continue;
		if (asks[i].sub != NULL && (*argc < 2 || strcmp(argv[1], asks[i].sub) != 0))
			continue;
		bool flag = asks[i].flag == NULL;
		for (int k = 1; k < *argc && !flag; k++)
			flag = strcmp(argv[k], asks[i].flag) == 0;
		if (flag)
			a = &asks[i];
	}
	if (a == NULL)
		return SZ_EXIT_OK;
	/* --yes (before any "--") answers the question; the command itself never sees it. */
	bool yes = false;
	for (int k = 1; k < *argc; k++) {
		if (strcmp(argv[k], "--") == 0)
			break;
		if (strcmp(argv[k], "--yes") == 0) {
			yes = true;
			memmove(&argv[k], &argv[k + 1], (size_t)(*argc - k) * sizeof *argv);
			(*argc)--;
			k--;
		}
	}
	for (int k = 1; k < *argc; k++)
		if (strcmp(argv[k], "--help") == 0 || strcmp(argv[k], "-h") == 0)
			return SZ_EXIT_OK;
	/* A script (no terminal to ask on) goes on as it always did. */
	if (yes || !isatty(STDIN_FILENO) || !isatty(STDERR_FILENO))
		return SZ_EXIT_OK;
	fprintf(c->err, "%s\nGo ahead? Type yes to do it (or run it with --yes): ", a->what);
	fflush(c->err);
	char line[32];
	if (fgets(line, sizeof line, stdin) == NULL)
		line[0] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	if (strcasecmp(line, "yes") == 0 || strcasecmp(line, "y") == 0)
		return SZ_EXIT_OK;
	fprintf(c->err, "Nothing was done.\n");
	return SZ_EXIT_FAIL;
}
