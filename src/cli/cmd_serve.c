/*
 * cmd_serve.c - serve, unlock, lock, ping; and how the CLI talks to a running daemon.
 * Layer: cli.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "samizdat.h"
#include "app/daemon.h"
#include "app/node_int.h"
#include "cli/cli.h"
#include "crypto/crypto.h"
#include "transport/net.h"
#include "transport/socks5.h"
#include "transport/tcpdial.h"
#include "web/web.h"

/* How long `ping` waits for a daemon to answer whether it is there (other commands: six times
 * as long, since a busy daemon answers in turn). */
#define SZ_CLI_PROBE_MS 10000

/* --- running commands inside the daemon ------------------------------------------------- */

static int
daemon_run(void *ctx, sz_daemon *d, void *client, int argc, char **argv, bool json,
    const char *secret, size_t secretlen, sz_buf *out, sz_buf *err)
{
	char *obuf = NULL, *ebuf = NULL;
	size_t olen = 0, elen = 0;
	sz_cli c;
	memset(&c, 0, sizeof c);
	c.out = open_memstream(&obuf, &olen);
	c.err = open_memstream(&ebuf, &elen);
	if (c.out == NULL || c.err == NULL) {
		if (c.out)
			fclose(c.out);
		if (c.err)
			fclose(c.err);
		free(obuf);
		free(ebuf);
		return SZ_EXIT_FAIL;
	}
	c.json = json;
	c.in_daemon = true;
	c.daemon = d;
	c.client = client;
	c.node = sz_daemon_node(d);
	c.home = sz_daemon_home(d);
	c.secret = secret;
	c.secretlen = secretlen;
	c.web = ctx != NULL ? *(sz_web **)ctx : NULL;
	if (json) {
		sz_jsonw_init(&c.jw, &c.jbuf);
		sz_jsonw_obj_begin(&c.jw);
	}
	int rc;
	if (strcmp(argv[0], "serve") == 0 || strcmp(argv[0], "init") == 0) {
		fprintf(c.err, "samizdat %s: a daemon is already serving this node.\n", argv[0]);
		rc = SZ_EXIT_FAIL;
	} else {
		rc = sz_cli_dispatch(&c, argc, argv);
	}
	if (json && rc != SZ_DAEMON_DEFERRED) {
		sz_jsonw_key(&c.jw, "ok");
		sz_jsonw_bool(&c.jw, rc == SZ_EXIT_OK);
		sz_jsonw_key(&c.jw, "exit");
		sz_jsonw_i64(&c.jw, rc);
		sz_jsonw_obj_end(&c.jw);
		fwrite(c.jbuf.p, 1, c.jbuf.len, c.out);
		fputc('\n', c.out);
	}
	sz_buf_free(&c.jbuf);
	fclose(c.out);
	fclose(c.err);
	sz_buf_append(out, obuf, olen);
	sz_buf_append(err, ebuf, elen);
	free(obuf);
	free(ebuf);
	return rc;
}

/* Commands that must run in this process whatever else runs. */
static bool
local_only(int argc, char **argv)
{
	static const char *const names[] = { "init", "help", "selftest", "serve", "strip", NULL };
	for (int i = 0; names[i] != NULL; i++)
		if (strcmp(argv[0], names[i]) == 0)
			return true;
	(void)argc;
	return false;
}

static char *
absolute(const char *path)
{
	char cwd[4096];
	if (path[0] == '/')
		return strdup(path);
	if (getcwd(cwd, sizeof cwd) == NULL)
		return NULL;
	size_t n = strlen(cwd) + 1 + strlen(path) + 1;
	char *a = malloc(n);
	if (a != NULL)
		snprintf(a, n, "%s/%s", cwd, path);
	return a;
}

static void
free_owned(char **owned)
{
	for (int i = 0; i < SZ_CLI_MAX_ARGS + 2; i++)
		free(owned[i]);
}

/* The files named on a command line for the daemon, made absolute (owned[i] holds what
 * replaced args[i]): `post` and `leaflet publish` --attach FILE, `save ID FILE`.  *files says
 * whether a file is attached (then the text is not read from stdin). */
static int
absolute_paths(int n, char **args, char **owned, bool *files)
{
	bool attach = strcmp(args[0], "post") == 0 || (n >= 2 && strcmp(args[0], "leaflet") == 0 &&
	    strcmp(args[1], "publish") == 0);
	int positional = 0;
	*files = false;
	for (int i = 1; i < n; i++) {
		const char *v = NULL;
		int at = i;
		if (attach && strcmp(args[i], "--attach") == 0 && i + 1 < n) {
			v = args[++i];
			at = i;
		} else if (attach && strncmp(args[i], "--attach=", 9) == 0) {
			v = args[i] + 9;
		} else if (strcmp(args[0], "save") == 0 && args[i][0] != '-' && ++positional == 2) {
			v = args[i];
		}
		if (v == NULL)
			continue;
		*files = *files || attach;
		char *a = absolute(v);
		if (a == NULL)
			return SZ_ERR_NOMEM;
		if (at != i || strncmp(args[i], "--attach=", 9) != 0) {
			owned[at] = a;
		} else {
			size_t len = 9 + strlen(a) + 1;
			if ((owned[at] = malloc(len)) != NULL)
				snprintf(owned[at], len, "--attach=%s", a);
			free(a);
			if (owned[at] == NULL)
				return SZ_ERR_NOMEM;
		}
		args[at] = owned[at];
	}
	return SZ_OK;
}

int
sz_cli_run(sz_cli *c, int argc, char **argv)
{
	sz_buf out = { 0 }, err = { 0 }, text = { 0 };
	char *owned[SZ_CLI_MAX_ARGS + 2] = { 0 };
	char *secret = NULL;
	size_t slen = 0;
	int code, r;
	if (local_only(argc, argv))
		return sz_cli_dispatch(c, argc, argv);
	if ((code = sz_cli_confirm(c, &argc, argv)) != SZ_EXIT_OK)
		return code;
	bool follow = false;
	for (int i = 1; i < argc && strcmp(argv[0], "read") == 0; i++)
		follow |= strcmp(argv[i], "--follow") == 0;
	bool wipe = strcmp(argv[0], "wipe") == 0;
	bool unlock = strcmp(argv[0], "unlock") == 0;
	/* Is a daemon serving this node?  Ask it with an empty status probe first only when we must
	 * read something (a passphrase, stdin) that the daemon cannot read for us. */
	char *args[SZ_CLI_MAX_ARGS + 2];
	int n = 0;
	bool wants_text = (argc >= 2 && strcmp(argv[0], "leaflet") == 0 && strcmp(argv[1], "publish") == 0) ||
	    strcmp(argv[0], "post") == 0;
	bool dash = false; /* a lone "-": the text is on stdin (read here, not by the daemon) */
	for (int i = 0; i < argc && n < SZ_CLI_MAX_ARGS; i++) {
		if (wants_text && strcmp(argv[i], "-") == 0 && !dash) {
			dash = true;
			continue;
		}
		args[n++] = argv[i];
	}
	bool ping = strcmp(argv[0], "ping") == 0;
	r = sz_control_call(c->home, 1, (char *[]){ "ping", NULL }, false, NULL, 0, &out, &err, &code,
	    ping ? SZ_CLI_PROBE_MS : 6 * SZ_CLI_PROBE_MS);
	sz_buf_free(&out);
	sz_buf_free(&err);
	if (r == SZ_ERR_UNREACHABLE)
		return sz_cli_dispatch(c, argc, argv); /* no daemon: do it here */
	if (follow && r == SZ_OK)
		return sz_cli_read_follow(c, argc, argv);
	if (r == SZ_ERR_TIMEOUT && ping) {
		fprintf(c->out, "no answer\n");
		fprintf(c->err, "samizdat ping: a daemon holds %s but did not answer within %d s.\n",
		    c->home, SZ_CLI_PROBE_MS / 1000);
		return SZ_EXIT_FAIL;
	}
	if (r != SZ_OK) {
		fprintf(c->err, "samizdat: the daemon serving %s did not answer: %s\n", c->home,
		    sz_strerror(r));
		return SZ_EXIT_FAIL;
	}
	if (unlock && !wipe) {
		if ((r = sz_cli_passphrase(c, "Passphrase: ", false, &secret, &slen)) != SZ_OK)
			return sz_cli_exit_code(r);
	}
	/* Text on stdin travels to the daemon as the last argument. */
	/* The daemon reads and writes files by name, from its own directory: names travel whole. */
	bool files = false;
	if ((r = absolute_paths(n, args, owned, &files)) != SZ_OK) {
		free_owned(owned);
		sz_secret_free(secret);
		return sz_cli_usage_error(c, "cannot name a file in the current directory");
	}
	if (wants_text && !files) {
		int positional = 0;
		for (int i = 1; i < n; i++) {
			if (strcmp(args[i], "--reply") == 0) {
				i++; /* its value */
				continue;
			}
			positional += args[i][0] != '-';
		}
		int needed = 2; /* "post CELL" / "leaflet publish" */
		if ((dash || positional < needed) && n < SZ_CLI_MAX_ARGS) {
			if (sz_cli_text_arg(c, 0, argv, &text) != SZ_OK || memchr(text.p, 0, text.len)) {
				sz_buf_free(&text);
				return sz_cli_usage_error(c, "cannot read the text on standard input");
			}
			sz_buf_u8(&text, 0);
			args[n++] = "--";
			args[n++] = (char *)text.p;
		}
	}
	args[n] = NULL;
	r = sz_control_call(c->home, n, args, c->json, secret, slen, &out, &err, &code, 0);
	sz_secret_free(secret);
	sz_buf_free(&text);
	free_owned(owned);
	if (r != SZ_OK && wipe) {
		/* The daemon stops after a wipe; if it went before its answer reached us, see to the
		 * wipe here (destroying keys that are gone is no error) and say what is true. */
		struct stat st;
		char key[4096];
		snprintf(key, sizeof key, "%s/key", c->home);
		int w = sz_node_wipe(c->home);
		if (stat(key, &st) != 0) {
			sz_buf_free(&out);
			sz_buf_free(&err);
			sz_cli_say(c, "The node's keys are destroyed and the daemon stopped: nothing in %s "
			    "can be read any more, by anyone.\n", c->home);
			return SZ_EXIT_OK;
		}
		return sz_cli_fail(c, w != SZ_OK ? w : r, "the daemon stopped before the wipe was done, "
		    "and the key file is still there");
	}
	if (r != SZ_OK) {
		fprintf(c->err, "samizdat: lost the daemon while it worked: %s\n", sz_strerror(r));
		code = SZ_EXIT_FAIL;
	}
	if (err.len > 0)
		fwrite(err.p, 1, err.len, c->err);
	if (out.len > 0)
		fwrite(out.p, 1, out.len, c->out);
	if (r == SZ_OK && code == SZ_EXIT_OK && strcmp(argv[0], "ui") == 0) {
		for (int i = 1; i < argc; i++)
			if (strcmp(argv[i], "--open") == 0) {
				fflush(c->out);
				sz_cli_ui_open(c, out.p, out.len);
				break;
			}
	}
	sz_buf_free(&out);
	sz_buf_free(&err);
	c->json = false; /* the daemon already wrote the JSON document */
	if (wipe && code == SZ_EXIT_OK) {
		/* The daemon wiped and stopped; make sure of the files too. */
		if (sz_node_wipe(c->home) != SZ_OK) {
			/* already gone */
		}
	}
	return code;
}

/* --- unlock / lock ---------------------------------------------------------------------- */

int
sz_cli_unlock(sz_cli *c, int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return sz_cli_usage_error(c, "takes no arguments");
	if (c->in_daemon) {
		if (c->secret == NULL)
			return sz_cli_usage_error(c, "no passphrase was given");
		int r = sz_daemon_unlock(c->daemon, c->secret, c->secretlen);
		if (r != SZ_OK)
			return sz_cli_fail(c, r, "cannot unlock");
		sz_cli_say(c, "Unlocked: the daemon holds the keys in memory until 'samizdat lock'.\n");
		return SZ_EXIT_OK;
	}
	sz_node *n;
	int r = sz_cli_node(c, &n);
	if (r != SZ_OK)
		return sz_cli_fail(c, r, "cannot unlock");
	sz_cli_say(c, "The passphrase opens this node. No daemon is running, so each command asks for "
	    "it; start 'samizdat serve' to keep the node unlocked.\n");
	return SZ_EXIT_OK;
}

int
sz_cli_lock(sz_cli *c, int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return sz_cli_usage_error(c, "takes no arguments");
	if (c->in_daemon) {
		sz_daemon_lock(c->daemon);
		c->node = NULL;
		sz_cli_say(c, "Locked: the daemon dropped the keys from memory.\n");
		return SZ_EXIT_OK;
	}
	sz_cli_say(c, "Nothing to lock: no daemon holds the keys (each command locks the node when "
	    "it ends).\n");
	return SZ_EXIT_OK;
}

int
sz_cli_ping(sz_cli *c, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	/* For scripts: the exit status is the answer (0: a daemon answers, 1: none does). */
	sz_cli_say(c, "%s\n", c->in_daemon ? "daemon" : "no daemon");
	return c->in_daemon ? SZ_EXIT_OK : SZ_EXIT_FAIL;
}

/* --- serve ------------------------------------------------------------------------------- */

/* serve --detach: read the passphrase here, then fork.  The parent waits for the child's report
 * on a pipe (what it printed, then "OK" once it serves) and exits with its outcome: 0 and the
 * addresses, or the child's exit code and its message.  The child (a session of its own, no
 * terminal) opens the node itself, since an open store must not cross a fork (its locks are the
 * process's), and returns SZ_EXIT_OK with *report the pipe, which c->out and c->err point to
 * until detach_done.  In the parent, *report stays NULL and the exit code is returned. */
static int
detach_start(sz_cli *c, bool unlock, sz_node **n, FILE **report)
{
	char *pass = NULL;
	size_t plen = 0;
	int r, fds[2];
	*report = NULL;
	if (unlock && (r = sz_cli_passphrase(c, "Passphrase: ", false, &pass, &plen)) != SZ_OK)
		return sz_cli_exit_code(r);
	if (pipe2(fds, O_CLOEXEC) != 0) {
		sz_secret_free(pass);
		return sz_cli_fail(c, SZ_ERR_IO, "cannot go to the background");
	}
	fflush(c->out);
	fflush(c->err);
	pid_t pid = fork();
	if (pid < 0) {
		sz_secret_free(pass);
		close(fds[0]);
		close(fds[1]);
		return sz_cli_fail(c, SZ_ERR_IO, "cannot go to the background");
	}
	if (pid > 0) {
		sz_secret_free(pass);
		close(fds[1]);
		sz_buf text = { 0 };
		uint8_t tmp[4096];
		for (;;) {
			ssize_t k = read(fds[0], tmp, sizeof tmp);
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				break;
			sz_buf_append(&text, tmp, (size_t)k);
		}
		close(fds[0]);
		bool ok = text.len >= 3 && memcmp(text.p + text.len - 3, "OK\n", 3) == 0;
		int st = 0, code = SZ_EXIT_OK;
		if (ok) {
			fwrite(text.p, 1, text.len - 3, c->out);
			fprintf(c->err, "samizdat serve: running in the background (process %ld). "
			    "'samizdat ui --open' opens the web page; 'samizdat lock' drops the keys.\n",
			    (long)pid);
		} else {
			fwrite(text.p, 1, text.len, c->err);
			code = waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) != 0 ?
			    WEXITSTATUS(st) : SZ_EXIT_FAIL;
		}
		sz_buf_free(&text);
		c->json = false; /* nothing more to say */
		return code;
	}
	/* the child */
	close(fds[0]);
	setsid();
	int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (nul >= 0) {
		dup2(nul, STDIN_FILENO);
		dup2(nul, STDOUT_FILENO);
		dup2(nul, STDERR_FILENO);
	}
	FILE *f = fdopen(fds[1], "w");
	if (f == NULL)
		_exit(SZ_EXIT_FAIL);
	c->out = c->err = f;
	c->tty = false;
	if (unlock) {
		r = sz_node_open(n, c->home, pass, plen);
		sz_secret_free(pass);
		if (r != SZ_OK) {
			const char *why = sz_node_last_error();
			if (r == SZ_ERR_NOT_FOUND)
				fprintf(f, "samizdat: there is no node in %s. Create one with 'samizdat "
				    "init'.\n", c->home);
			else if (why != NULL && why[0] != '\0' && r != SZ_ERR_PASSPHRASE)
				fprintf(f, "samizdat: %s\n", why);
			int code = sz_cli_fail(c, r, "cannot unlock the node");
			fclose(f);
			_exit(code);
		}
	}
	*report = f;
	return SZ_EXIT_OK;
}

/* The detached daemon serves: tell the waiting parent, and stop writing anywhere. */
static void
detach_done(sz_cli *c, FILE *report)
{
	fputs("OK\n", report);
	fclose(report);
	c->out = stdout; /* /dev/null now */
	c->err = stderr;
}

int
sz_cli_serve(sz_cli *c, int argc, char **argv)
{
	const char *listen = NULL, *pub = NULL, *tctl = NULL, *tcookie = NULL, *tpath = NULL,
	    *textra = NULL, *oport = NULL, *locked = NULL, *logf = NULL, *adv = NULL, *dbg = NULL,
	    *uiport = NULL, *noui = NULL, *detach = NULL,
	    *manual = NULL, *unlisted = NULL, *every = NULL, *pubonion = NULL;
	const sz_cli_opt opts[] = {
		{ "--listen", true, &listen }, { "--public", false, &pub },
		{ "--tor-control", true, &tctl }, { "--tor-cookie", true, &tcookie },
		{ "--tor", true, &tpath }, { "--tor-config", true, &textra },
		{ "--onion-port", true, &oport }, { "--locked", false, &locked },
		{ "--log", true, &logf }, { "--advertise", true, &adv }, { "--log-debug", false, &dbg },
		{ "--ui-port", true, &uiport }, { "--no-ui", false, &noui },
		{ "--detach", false, &detach }, { "--manual", false, &manual },
		{ "--unlisted", false, &unlisted }, { "--sync-every", true, &every },
		{ "--public-onion", false, &pubonion },
		{ NULL, false, NULL },
	};
	int npos = sz_cli_opts(c, argc, argv, opts);
	if (npos < 0)
		return SZ_EXIT_USAGE;
	if (npos > 0)
		return sz_cli_usage_error(c, "unexpected argument '%s'", argv[1]);
	sz_web *web = NULL;
	sz_web_opts wo = { 0 };
	sz_daemon_opts o = { .home = c->home, .allow_public = pub != NULL, .tor_control = tctl,
		.tor_cookie = tcookie, .tor_path = tpath, .tor_extra = textra, .run = daemon_run,
		.run_ctx = &web };
	if (uiport != NULL) {
		char *end;
		long v = strtol(uiport, &end, 10);
		if (*end || v < 1 || v > 65535 || noui != NULL)
			return sz_cli_usage_error(c, noui ? "--ui-port and --no-ui: one or the other" :
			    "--ui-port takes a port number");
		wo.port = (uint16_t)v;
	}
	char why[200];
	if (listen != NULL) {
		if (sz_addr_parse(&o.listen[0], listen, why, sizeof why) != SZ_OK || o.listen[0].onion)
			return sz_cli_usage_error(c, "--listen: %s", o.listen[0].onion ?
			    "listen on a numeric address; Tor forwards the onion service to it" : why);
		if (!pub && !sz_tcpdial_is_loopback(o.listen[0].host))
			return sz_cli_usage_error(c, "--listen %s is not a loopback address: add --public "
			    "to serve on the network", listen);
		o.nlisten = 1;
	}
	if (adv != NULL) {
		/* HOST:PORT, [IPv6]:PORT, or a host alone (then the listening port) */
		char text[SZ_NET_ADDR_TEXT];
		struct in6_addr six;
		bool bare6 = inet_pton(AF_INET6, adv, &six) == 1;
		int k = snprintf(text, sizeof text, bare6 ? "[%s]:0" : strchr(adv, ':') ? "%s" : "%s:0",
		    adv);
		if (k < 0 || (size_t)k >= sizeof text || sz_addr_parse(&o.advertise, text, why,
		    sizeof why) != SZ_OK)
			return sz_cli_usage_error(c, "--advertise: %s", k < 0 || (size_t)k >= sizeof text ?
			    "the address is too long" : why);
		if (o.advertise.onion)
			return sz_cli_usage_error(c, "--advertise takes a numeric address; the onion "
			    "address comes from Tor");
		o.has_advertise = true;
	}
	o.manual = manual != NULL;
	o.unlisted = unlisted != NULL;
	/* --public is taken (listen on the network): the second onion has a name of its own */
	o.public_onion = pubonion != NULL;
	if (o.public_onion && tctl == NULL && tpath == NULL)
		return sz_cli_usage_error(c, "--public-onion needs Tor: add --tor or --tor-control");
	if (every != NULL) {
		char *end;
		long v = strtol(every, &end, 10);
		if (*end || v < 1 || v > 86400)
			return sz_cli_usage_error(c, "--sync-every takes 1 to 86400 seconds");
		o.sync_every_ms = (uint64_t)v * 1000;
	}
	if (oport != NULL) {
		char *end;
		long v = strtol(oport, &end, 10);
		if (*end || v < 1 || v > 65535)
			return sz_cli_usage_error(c, "--onion-port takes a port number");
		o.onion_port = (uint16_t)v;
	}
	/* Detached, the log goes to a file: the data directory's serve.log unless --log names one. */
	char deflog[4096];
	if (detach != NULL && logf == NULL) {
		snprintf(deflog, sizeof deflog, "%s/serve.log", c->home);
		logf = deflog;
	}
	FILE *log = stderr;
	if (logf != NULL && (log = fopen(logf, "a")) == NULL) {
		fprintf(c->err, "samizdat serve: cannot open the log %s: %s\n", logf, strerror(errno));
		return SZ_EXIT_FAIL;
	}
	o.log = log;
	o.log_debug = dbg != NULL;
	if (dbg != NULL)
		fprintf(c->err, "samizdat serve: --log-debug: the log will name peers' addresses and keys "
		    "and the commands run, with their times. Whoever reads it (anyone who seizes this "
		    "device) learns who this node talked with and when. Use it to find a fault, then "
		    "delete the log.\n");
	o.out = c->out;
	sz_node *n = NULL;
	int r;
	FILE *detached = NULL;
	if (detach != NULL) {
		/* Ask first, here; the rest happens in the background, which reports back. */
		if ((r = detach_start(c, locked == NULL, &n, &detached)) != SZ_EXIT_OK ||
		    detached == NULL) {
			if (log != stderr)
				fclose(log);
			return r;
		}
	} else if (locked == NULL) {
		if ((r = sz_cli_node(c, &n)) != SZ_OK) {
			if (log != stderr)
				fclose(log);
			return sz_cli_fail(c, r, "cannot unlock the node");
		}
		c->node = NULL; /* the daemon owns it now */
		c->own_node = false;
	}
	sz_daemon *d;
	if ((r = sz_daemon_new(&d, &o, n)) != SZ_OK) {
		sz_node_close(n);
		if (log != stderr)
			fclose(log);
		if (r == SZ_ERR_BUSY)
			fprintf(c->err, "samizdat serve: another samizdat already serves %s (or the "
			    "address is taken).\n", c->home);
		return sz_cli_fail(c, r, "cannot start serving");
	}
	if (noui == NULL && (r = sz_web_new(&web, d, &wo)) != SZ_OK) {
		sz_daemon_free(d);
		if (log != stderr)
			fclose(log);
		return sz_cli_fail(c, r, r == SZ_ERR_BUSY ? "cannot serve the web interface: its port "
		    "is taken (choose another with --ui-port, or none with --no-ui)" :
		    "cannot serve the web interface");
	}
	sz_buf addrs = { 0 };
	sz_daemon_addresses(d, &addrs);
	/* The addresses go to stdout, one per line, so scripts can read the port chosen for :0. */
	fwrite(addrs.p, 1, addrs.len, c->out);
	fflush(c->out);
	sz_buf_free(&addrs);
	if (detached != NULL)
		detach_done(c, detached);
	r = sz_daemon_run(d);
	sz_web_free(web);
	sz_daemon_free(d);
	if (log != stderr)
		fclose(log);
	return r == SZ_OK ? SZ_EXIT_OK : sz_cli_fail(c, r, "the daemon stopped on an error");
}
