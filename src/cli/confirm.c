/*
 * confirm.c - asking before what is traceable or cannot be undone (leaflet publish, cosign
 * --public, pledge reveal, cell remove, cell leave): the command says what it means and waits
 * for a yes on the terminal (stdin, or /dev/tty when the text comes through a pipe); --yes answers
 * beforehand.  With no terminal at all (a script, cron, ssh without -t) the command is refused
 * unless it carries --yes: a script that publishes, reveals or removes says so in its own text,
 * where whoever reads or reviews it sees it.  Layer: cli.
 */
#include <fcntl.h>
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
	if (yes)
		return SZ_EXIT_OK;
	/* Ask on stdin when it is the terminal; else on the controlling terminal (the text of a
	 * leaflet piped in); with neither, nobody can answer: refuse, and say how to do it. */
	FILE *in = stdin, *out = c->err, *tty = NULL;
	if (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO)) {
		int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (fd < 0 || (tty = fdopen(fd, "r+")) == NULL) {
			if (fd >= 0)
				close(fd);
			fprintf(c->err, "samizdat %s%s%s: %s\nThere is no terminal to ask on: run it "
			    "again with --yes to do it.\n", argv[0], a->sub ? " " : "",
			    a->sub ? a->sub : "", a->what);
			return SZ_EXIT_USAGE;
		}
		in = out = tty;
	}
	fprintf(out, "%s\nGo ahead? Type yes to do it (or run it with --yes): ", a->what);
	fflush(out);
	char line[32];
	if (fgets(line, sizeof line, in) == NULL)
		line[0] = '\0';
	if (tty != NULL)
		fclose(tty);
	line[strcspn(line, "\r\n")] = '\0';
	if (strcasecmp(line, "yes") == 0 || strcasecmp(line, "y") == 0)
		return SZ_EXIT_OK;
	fprintf(c->err, "Nothing was done.\n");
	return SZ_EXIT_FAIL;
}
