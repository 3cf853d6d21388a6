/*
 * cmd_ui.c - ui: a one-time link to the web interface the daemon serves, and opening it in the
 * person's browser.  Layer: cli.  The interface itself is src/web.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app/daemon.h"
#include "cli/cli.h"
#include "web/web.h"

/* No daemon serves home: start one, locked (the page asks for the passphrase, or for a new one
 * if home holds no node yet), in the background with its log in home, and wait until it
 * answers. */
static int
start_daemon(sz_cli *c)
{
	char self[4096], log[4096];
	ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);
	if (k <= 0)
		return SZ_ERR_IO;
	self[k] = '\0';
	if (mkdir(c->home, 0700) != 0 && errno != EEXIST)
		return SZ_ERR_IO;
	snprintf(log, sizeof log, "%s/serve.log", c->home);
	pid_t pid = fork();
	if (pid < 0)
		return SZ_ERR_IO;
	if (pid == 0) {
		/* its own session, no terminal: it outlives this command */
		setsid();
		int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
		int lf = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (nul >= 0) {
			dup2(nul, STDIN_FILENO);
			dup2(nul, STDOUT_FILENO);
		}
		if (lf >= 0)
			dup2(lf, STDERR_FILENO);
		if (fork() != 0)
			_exit(0);
		execl(self, self, "--home", c->home, "serve", "--locked", "--log", log, (char *)NULL);
		_exit(127);
	}
	int ws;
	(void)waitpid(pid, &ws, 0);
	for (int i = 0; i < 100; i++) {
		sz_buf out = { 0 }, err = { 0 };
		int code;
		int r = sz_control_call(c->home, 1, (char *[]){ "ping", NULL }, false, NULL, 0, &out,
		    &err, &code, 2000);
		sz_buf_free(&out);
		sz_buf_free(&err);
		if (r == SZ_OK)
			return SZ_OK;
		usleep(100000);
	}
	return SZ_ERR_TIMEOUT;
}

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
		/* The interface is part of the daemon: start it, locked, and ask it for the link. */
		int r = start_daemon(c);
		if (r != SZ_OK) {
			fprintf(c->err, "samizdat ui: could not start samizdat in the background (%s); "
			    "start it with 'samizdat serve'.\n", sz_strerror(r));
			return SZ_EXIT_FAIL;
		}
		fprintf(c->err, "samizdat ui: started samizdat in the background, locked: the page "
		    "asks for the passphrase (or, the first time, for a new one). 'samizdat lock' or "
		    "the page's Lock button locks it again.\n");
		sz_buf out = { 0 }, err = { 0 };
		int code;
		char *args[] = { "ui", NULL };
		r = sz_control_call(c->home, 1, args, c->json, NULL, 0, &out, &err, &code, 10000);
		if (r == SZ_OK) {
			fwrite(err.p, 1, err.len, c->err);
			fwrite(out.p, 1, out.len, c->out);
			fflush(c->out);
			if (code == SZ_EXIT_OK && open_ != NULL)
				sz_cli_ui_open(c, out.p, out.len);
			if (c->json)
				c->json = false; /* the daemon wrote the document */
		}
		sz_buf_free(&out);
		sz_buf_free(&err);
		return r == SZ_OK ? code : sz_cli_fail(c, r, "the daemon did not answer");
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
