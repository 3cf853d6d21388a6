/*
 * cmd_ui.c - ui: a one-time link to the web interface the daemon serves, and opening it in the
 * person's browser.  Layer: cli.  The interface itself is src/web.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app/daemon.h"
#include "cli/cli.h"
#include "web/web.h"

int
sz_cli_ui(sz_cli *c, int argc, char **argv)
{
	const char *open_ = NULL;
	const sz_cli_opt opts[] = { { "--open", false, &open_ }, { NULL, false, NULL } };
	int npos = sz_cli_opts(c, argc, argv, opts);
	if (npos < 0)
		return SZ_EXIT_USAGE;
	if (npos > 0)
		return sz_cli_usage_error(c, "unexpected argument '%s'", argv[1]);
	if (!c->in_daemon) {
		fprintf(c->err, "samizdat ui: no daemon is running, and the web interface is part of "
		    "it. Start it with 'samizdat serve' (it keeps running and asks for the passphrase "
		    "once), then run 'samizdat ui --open' again.\n");
		return SZ_EXIT_FAIL;
	}
	if (c->web == NULL) {
		fprintf(c->err, "samizdat ui: this daemon runs without the web interface (it was "
		    "started with --no-ui).\n");
		return SZ_EXIT_FAIL;
	}
	char url[SZ_WEB_URL_MAX];
	int r = sz_web_link(c->web, url, sizeof url);
	if (r != SZ_OK)
		return sz_cli_fail(c, r, "cannot make a link");
	if (c->json) {
		sz_jsonw_key(&c->jw, "url");
		sz_jsonw_str(&c->jw, url);
	} else {
		fprintf(c->out, "%s\n", url);
	}
	fprintf(c->err, "Open this link in a browser on this computer. It works once, within %u "
	    "minutes, and only for the browser that opens it first; 'samizdat ui' makes another.\n",
	    SZ_WEB_TOKEN_MS / 60000);
	return SZ_EXIT_OK;
}

void
sz_cli_ui_open(sz_cli *c, const uint8_t *out, size_t len)
{
	/* The daemon answered with the link on the first line (or in JSON: "url"). */
	char url[SZ_WEB_URL_MAX];
	const char *p = memmem(out, len, "http://127.0.0.1:", 17);
	size_t k = 0;
	if (p != NULL)
		while ((const uint8_t *)p + k < out + len && k + 1 < sizeof url && p[k] != '\n' &&
		    p[k] != '"')
			k++;
	if (p == NULL || k == 0) {
		fprintf(c->err, "samizdat ui: no link came back to open.\n");
		return;
	}
	memcpy(url, p, k);
	url[k] = '\0';
	/* $SAMIZDAT_BROWSER, else the desktop's way to open a link; never through a shell. */
	const char *browser = getenv("SAMIZDAT_BROWSER");
	if (browser == NULL || browser[0] == '\0')
		browser = "xdg-open";
	pid_t pid = fork();
	if (pid == 0) {
		setsid();
		execlp(browser, browser, url, (char *)NULL);
		_exit(127);
	}
	int st = 0;
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fprintf(c->err, "samizdat ui: could not open a browser (%s); open the link above "
		    "yourself.\n", browser);
}
