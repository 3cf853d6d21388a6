/*
 * main.c - the samizdat program: global options, then one table of subcommands.
 * Layer: cli.  Only this layer prints to a terminal or exits.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "samizdat.h"
#include "app/node_decide.h"
#include "cli/cli.h"

static int cmd_help(sz_cli *c, int argc, char **argv);

static const sz_cli_cmd cmd_table[] = {
	{ "init", sz_cli_init, "[--kdf-ops N] [--kdf-mem-mib M] [--weak-ok]",
	    "create this person's node: an identity and an encrypted store\n"
	    "Asks for the passphrase twice.  A weak one (one that about 2^40 guesses or fewer would\n"
	    "find, as zxcvbn estimates: short, or made of common words, names, dates, keyboard\n"
	    "runs) is refused unless you type 'keep it' when asked, or give --weak-ok.", NULL },
	{ "id", sz_cli_id, "", "show this node's fingerprint, to compare aloud or on paper", NULL },
	{ "status", sz_cli_status, "", "what this node holds and whether a daemon serves it\n"
	    "Every page of the store is checked for damage (exit 5 if any is found).", NULL },
	{ "check", sz_cli_check, "", "check the whole store: what is damaged, what can be read\n"
	    "The key file, an interrupted write's journal, every page's seal and SQLite's integrity\n"
	    "check.  Changes nothing.  Exit 5 if anything is damaged.", NULL },
	{ "unlock", sz_cli_unlock, "", "give the running daemon the passphrase", NULL },
	{ "lock", sz_cli_lock, "", "make the running daemon forget the keys", NULL },
	{ "cell", NULL, "", "cells: invite-only encrypted groups", sz_cli_cell_cmds },
	{ "name", sz_cli_name, "[PERSON NAME... | PERSON --forget]", "the names you give people "
	    "(only on this device)\n"
	    "PERSON is a fingerprint (its first 8 or more characters) or the name you gave.  The\n"
	    "name is kept in the encrypted store and never sent; every command shows it instead of\n"
	    "the fingerprint.  Whoever opens this node sees the names too: a nickname is safer than\n"
	    "a real name.  Without arguments: the members of your cells and their names.", NULL },
	{ "post", sz_cli_post, "CELL [--reply ID] [--attach FILE]... [--as-is] [- | TEXT...]", "post "
	    "to a cell (the text on stdin, or as arguments)\n"
	    "With '-' or no text, the text is read from standard input: text typed as arguments stays\n"
	    "in the shell's history file, in clear, outside the sealed store.\n"
	    "--attach adds a file (up to 8, 100 MiB each), stripped of its metadata first: JPEG and\n"
	    "PNG pictures and PDF documents ('samizdat strip' shows what goes).  Other types, and\n"
	    "PDFs with embedded files or a signature, are refused unless --as-is says to send them\n"
	    "as they are.  With files the text may be left out.", NULL },
	{ "read", sz_cli_read, "CELL [--follow | --id ID]", "read a cell's posts, in threads, with "
	    "their files\n"
	    "Each file shows its type, size and state: complete (every part here, its hash\n"
	    "checked), incomplete (how many parts have come), or damaged.  --follow then shows each\n"
	    "new post as the running daemon receives it, until Ctrl-C; --id shows one post (the\n"
	    "start of its id).", NULL },
	{ "leaflet", NULL, "", "signed public leaflets", sz_cli_leaflet_cmds },
	{ "propose", sz_cli_propose, "CELL --option A --option B [--option ...] [--deadline "
	    "+HOURS|DATE] QUESTION...", "put a question to an anonymous vote\n"
	    "2 to 16 options.  The deadline is +HOURS (or +Nd, +Nm, +Ns), YYYY-MM-DD (the end of\n"
	    "that day) or YYYY-MM-DDTHH:MM, in UTC; 24 hours if not given.  The roster is every\n"
	    "member whose voting key this node knows; at least 3 are needed.", NULL },
	{ "vote", sz_cli_vote, "CELL PROPOSAL OPTION [--now]", "vote anonymously; voting again "
	    "changes your vote\n"
	    "PROPOSAL is the start of its id; OPTION its label or number.  Your ballot is signed now\n"
	    "and leaves at a random moment within the hour (never after the deadline), so its time\n"
	    "says nothing of when you chose.  --now sends it at once: for tests and demonstrations,\n"
	    "it weakens that cover.", NULL },
	{ "tally", sz_cli_tally, "CELL PROPOSAL", "count the ballots this node holds\n"
	    "The count is the same on every node that holds the same ballots; until the deadline it "
	    "is\nprovisional.", NULL },
	{ "pledge", NULL, "", "threshold pledges: \"I act if N of us do\"", sz_cli_pledge_cmds },
	{ "declare", sz_cli_declare, "CELL [--public] --title TITLE TEXT...", "propose a text for "
	    "the cell to sign\n"
	    "--public marks it for publication and publishes it beyond the cell; then members may\n"
	    "also sign it publicly.  The text may come on standard input.", NULL },
	{ "cosign", sz_cli_cosign, "CELL DECLARATION [--public]", "sign a declaration, in the cell "
	    "or publicly\n"
	    "In the cell (the default) members see it is you, and it proves nothing outside.  With\n"
	    "--public it is signed by your identity: anyone can check it is you, for ever.", NULL },
	{ "signatures", sz_cli_signatures, "DECLARATION", "check who signed a declaration\n"
	    "Inside its cell every signature is checked; outside it, the public ones this node got\n"
	    "by sync or courier.  Public signers are shown by fingerprint.", NULL },
	{ "decisions", sz_cli_decisions, "CELL", "a cell's proposals, pledge calls and declarations",
	    NULL },
	{ "save", sz_cli_save, "ID FILE", "write a complete file of a post or leaflet to FILE\n"
	    "ID is the start of the file's id, as read or leaflet show print it (8 or more hex\n"
	    "digits).  Every part is checked against its hash, and the whole against the hash its\n"
	    "author signed, before FILE appears; FILE must not exist.", NULL },
	{ "files", sz_cli_files, "[CELL]", "the files of posts and leaflets this node knows, and "
	    "their state\n"
	    "Complete, incomplete (how many of its parts have come) or damaged.", NULL },
	{ "quota", sz_cli_quota, "[--node SIZE] [--each SIZE]", "how much room files take, and "
	    "the limits\n"
	    "--node bounds all files this node holds (1G by default), --each those of each cell and\n"
	    "of leaflets (512M).  Parts that do not fit are not stored and not fetched again until\n"
	    "the limits grow.  SIZE: bytes, or a number of K, M or G.", NULL },
	{ "strip", sz_cli_strip, "FILE OUT", "write a copy of a picture or document without its "
	    "metadata\n"
	    "What an attachment loses before it leaves: JPEG and PNG lose EXIF (GPS positions,\n"
	    "camera serial numbers, times), XMP, IPTC, comments, text chunks, colour profiles and\n"
	    "thumbnails; PDF loses its document information, XMP, earlier revisions and annotation\n"
	    "authors.  Says what was removed.  Other types are refused.", NULL },
	{ "serve", sz_cli_serve, "[--listen HOST:PORT] [--public] [--advertise HOST[:PORT]] "
	    "[--tor-control HOST:PORT [--tor-cookie FILE] | --tor PATH [--tor-config FILE]] "
	    "[--onion-port N] [--locked] [--log FILE [--log-debug]] [--ui-port N | --no-ui] [--detach] "
	    "[--manual] [--unlisted] [--sync-every S] [--public-onion]",
	    "run the daemon: serve syncs, keep the keys in memory, answer commands\n"
	    "It syncs by itself with the nodes of its cells' members (their addresses travel inside\n"
	    "each cell, sealed) and with its peers list: a second or so after you post, vote or\n"
	    "change a cell, and every S seconds otherwise (60, with jitter); --manual turns that\n"
	    "off ('samizdat sync' only), --unlisted tells no cell where this node is reached.\n"
	    "It listens on 127.0.0.1 at a port chosen once and kept in the store, so that it stays\n"
	    "the same across restarts (--listen picks another).  Another device reaches it at its\n"
	    "onion address (with Tor), or on the local network with --listen 0.0.0.0:PORT --public\n"
	    "(invitations then name this machine's local network address); --advertise names the\n"
	    "address to give instead (behind a port forward).  'samizdat status' shows where it is\n"
	    "reachable.  The log names no cell, command or peer; --log-debug does, and warns.\n"
	    "With Tor, --public-onion also serves leaflets to anyone on a second onion address,\n"
	    "not tied to your cells (only leaflets are exchanged there; 'samizdat status' shows it).\n"
	    "It serves the web interface on 127.0.0.1 too ('samizdat ui'), at a free\n"
	    "port (--ui-port N picks one; --no-ui serves none).  --detach asks for the passphrase,\n"
	    "then goes to the background (its log in DIR/serve.log unless --log names one).", NULL },
	{ "ui", sz_cli_ui, "[--open]", "open the web interface: a link for a browser on this "
	    "computer\n"
	    "The daemon ('samizdat serve') serves the interface on 127.0.0.1; this prints a link\n"
	    "that works once, within 10 minutes, and gives the browser that opens it a session.\n"
	    "--open opens it in the browser ($SAMIZDAT_BROWSER, else xdg-open).", NULL },
	{ "sync", sz_cli_sync, "HOST:PORT | NAME.onion:PORT [--tor-socks HOST:PORT]",
	    "exchange what is missing with another node", NULL },
	{ "peers", sz_cli_peers, "[list | add ADDRESS | remove ADDRESS]",
	    "the addresses this node syncs with (kept encrypted)", NULL },
	{ "bundle", NULL, "", "courier files for links that are never live", sz_cli_bundle_cmds },
	{ "wipe", sz_cli_wipe, "--yes", "destroy this node's keys at once (panic)", NULL },
	{ "passphrase", sz_cli_passphrase_cmd, "[--new-file FILE] [--weak-ok]", "change the "
	    "passphrase and the key that encrypts the store\n"
	    "Every page is re-encrypted under a new key, so that an old copy of the key file and the\n"
	    "old passphrase open nothing written after.  Needs free space the size of the store; a\n"
	    "crash at any moment leaves the store openable with the old or the new passphrase.  A\n"
	    "weak new passphrase is refused as at init (--weak-ok keeps it).", NULL },
	{ "duress", sz_cli_duress, "[--file FILE | --clear]",
	    "set a passphrase that, when used to unlock, wipes the node", NULL },
	{ "events", sz_cli_events, "[--since N] [--wait]", "what the running daemon saw happen, for "
	    "front ends\n"
	    "New posts, proposals, pledge calls, declarations, co-signatures, reveals, members\n"
	    "added, removed or gone, and syncs that brought something, numbered; never a ballot or\n"
	    "a pledge.  --since N lists those after number N; --wait waits (up to 25 s) for one if\n"
	    "there is none yet.  The last line (or \"last\" with --json) is the number to give next.\n"
	    "Kept in the daemon's memory only: the newest 256.", NULL },
	{ "ping", sz_cli_ping, "", "say whether a daemon answers (for scripts)\n"
	    "Exit status 0 if one answers, 1 if none runs or none answers within 10 s.", NULL },
	{ "help", cmd_help, "[COMMAND]", "explain the commands", NULL },
	{ "selftest", sz_cli_selftest, "", "check the crypto core against published test vectors", NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};

static void
global_usage(FILE *f)
{
	fprintf(f,
	    "usage: samizdat [--home DIR] [--passphrase-file FILE] [--json] COMMAND [ARGS]\n"
	    "\n"
	    "samizdat keeps a cell's posts, leaflets and decisions encrypted on every member's\n"
	    "device and carries them peer to peer: over the local network, Tor, or a USB stick.\n"
	    "\n"
	    "commands:\n");
	for (const sz_cli_cmd *k = cmd_table; k->name != NULL; k++) {
		/* the first line of each summary; 'help COMMAND' shows the rest */
		if (k->sub == NULL) {
			fprintf(f, "  %-20s %.*s\n", k->name, (int)strcspn(k->summary, "\n"), k->summary);
			continue;
		}
		for (const sz_cli_cmd *s = k->sub; s->name != NULL; s++) {
			char both[64];
			snprintf(both, sizeof both, "%s %s", k->name, s->name);
			fprintf(f, "  %-20s %.*s\n", both, (int)strcspn(s->summary, "\n"), s->summary);
		}
	}
	fprintf(f,
	    "\n"
	    "global options:\n"
	    "  --home DIR              the node's data directory (default $SAMIZDAT_HOME or ~/.samizdat)\n"
	    "  --passphrase-file FILE  read the passphrase from FILE (or $SAMIZDAT_PASSPHRASE_FILE);\n"
	    "                          a passphrase is never taken on the command line\n"
	    "  --json                  print exactly one JSON document on stdout; text goes to stderr\n"
	    "                          (anywhere on the line)\n"
	    "\n"
	    "'samizdat help COMMAND' or 'samizdat COMMAND --help' explains one command.\n"
	    "Publishing a leaflet, signing publicly, revealing a pledge, removing a member and leaving\n"
	    "a cell ask first; --yes after the command answers beforehand (a script must say --yes).\n"
	    "exit codes: 0 ok, 1 failed, 2 bad arguments, 3 locked or wrong passphrase,\n"
	    "            4 network, 5 damaged or forged input, 6 not a member.\n");
}

static void
command_help(FILE *f, const char *name, const sz_cli_cmd *k)
{
	if (k->sub != NULL) {
		fprintf(f, "usage: samizdat %s SUBCOMMAND ...\n\n%s\n\nsubcommands:\n", name, k->summary);
		for (const sz_cli_cmd *s = k->sub; s->name != NULL; s++)
			fprintf(f, "  samizdat %s %s %s\n      %.*s\n", name, s->name, s->usage,
			    (int)strcspn(s->summary, "\n"), s->summary);
		return;
	}
	fprintf(f, "usage: samizdat %s %s\n\n%s\n", name, k->usage, k->summary);
}

#define SHORT_USAGE "usage: samizdat [--home DIR] [--passphrase-file FILE] [--json] COMMAND [ARGS]\n" \
	"       'samizdat help' lists the commands\n"

/* For a group given no or an unknown subcommand: one line naming the subcommands. */
static void
group_usage(FILE *f, const sz_cli_cmd *k)
{
	fprintf(f, "usage: samizdat %s {", k->name);
	for (const sz_cli_cmd *s = k->sub; s->name != NULL; s++)
		fprintf(f, "%s%s", s->name, s[1].name ? " | " : "");
	fprintf(f, "} ...   ('samizdat help %s' explains them)\n", k->name);
}

static const sz_cli_cmd *
find(const sz_cli_cmd *t, const char *name)
{
	for (; t->name != NULL; t++)
		if (strcmp(t->name, name) == 0)
			return t;
	return NULL;
}

static int
cmd_help(sz_cli *c, int argc, char **argv)
{
	if (argc < 2) {
		global_usage(c->json ? c->err : c->out);
		return SZ_EXIT_OK;
	}
	const sz_cli_cmd *k = find(cmd_table, argv[1]);
	if (k == NULL)
		return sz_cli_usage_error(c, "no command '%s'", argv[1]);
	if (argc > 2 && k->sub != NULL) {
		const sz_cli_cmd *s = find(k->sub, argv[2]);
		if (s == NULL)
			return sz_cli_usage_error(c, "no command '%s %s'", argv[1], argv[2]);
		char both[64];
		snprintf(both, sizeof both, "%s %s", argv[1], argv[2]);
		command_help(c->json ? c->err : c->out, both, s);
		return SZ_EXIT_OK;
	}
	command_help(c->json ? c->err : c->out, argv[1], k);
	return SZ_EXIT_OK;
}

int
sz_cli_opts(sz_cli *c, int argc, char **argv, const sz_cli_opt *opts)
{
	int npos = 1;
	bool dashdash = false;
	for (int i = 1; i < argc; i++) {
		char *a = argv[i];
		if (dashdash || a[0] != '-' || a[1] == '\0') {
			argv[npos++] = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			dashdash = true;
			continue;
		}
		const sz_cli_opt *o = NULL;
		size_t nl = strcspn(a, "=");
		for (const sz_cli_opt *p = opts; p != NULL && p->name != NULL; p++)
			if (strlen(p->name) == nl && strncmp(p->name, a, nl) == 0)
				o = p;
		if (o == NULL) {
			sz_cli_usage_error(c, "unknown option '%.*s'", (int)nl, a);
			return -1;
		}
		if (!o->has_value) {
			if (a[nl] == '=') {
				sz_cli_usage_error(c, "option %s takes no value", o->name);
				return -1;
			}
			*o->value = "1";
		} else if (a[nl] == '=') {
			*o->value = a + nl + 1;
		} else if (i + 1 < argc) {
			*o->value = argv[++i];
		} else {
			sz_cli_usage_error(c, "option %s needs a value", o->name);
			return -1;
		}
	}
	return npos - 1;
}

int
sz_cli_opt_multi(sz_cli *c, int argc, char **argv, const char *name, const char **vals,
    size_t max, size_t *n)
{
	size_t nl = strlen(name);
	int w = 1;
	*n = 0;
	for (int i = 1; i < argc; i++) {
		char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			while (i < argc)
				argv[w++] = argv[i++];
			break;
		}
		if (strncmp(a, name, nl) != 0 || (a[nl] != '\0' && a[nl] != '=')) {
			argv[w++] = a;
			continue;
		}
		const char *v = a[nl] == '=' ? a + nl + 1 : i + 1 < argc ? argv[++i] : NULL;
		if (v == NULL) {
			sz_cli_usage_error(c, "option %s needs a value", name);
			return -1;
		}
		if (*n >= max) {
			sz_cli_usage_error(c, "at most %zu %s options", max, name);
			return -1;
		}
		vals[(*n)++] = v;
	}
	argv[w] = NULL;
	return w;
}

int
sz_cli_dispatch(sz_cli *c, int argc, char **argv)
{
	static char namebuf[64];
	const sz_cli_cmd *k = find(cmd_table, argv[0]);
	if (k == NULL) {
		fprintf(c->err, "samizdat: no command '%s'.\n" SHORT_USAGE, argv[0]);
		return SZ_EXIT_USAGE;
	}
	c->cmdname = k->name;
	c->usage = k->usage;
	if (k->sub != NULL) {
		if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
			command_help(c->json ? c->err : c->out, k->name, k);
			return SZ_EXIT_OK;
		}
		if (argc < 2) {
			fprintf(c->err, "samizdat %s: say what to do.\n", k->name);
			group_usage(c->err, k);
			return SZ_EXIT_USAGE;
		}
		const sz_cli_cmd *s = find(k->sub, argv[1]);
		if (s == NULL) {
			fprintf(c->err, "samizdat %s: no subcommand '%s'.\n", k->name, argv[1]);
			group_usage(c->err, k);
			return SZ_EXIT_USAGE;
		}
		snprintf(namebuf, sizeof namebuf, "%s %s", k->name, s->name);
		c->cmdname = namebuf;
		c->usage = s->usage;
		k = s;
		argc--;
		argv++;
	}
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			command_help(c->json ? c->err : c->out, c->cmdname, k);
			return SZ_EXIT_OK;
		}
	return k->fn(c, argc, argv);
}

static const char *
default_home(void)
{
	static char buf[4096];
	const char *h = getenv("SAMIZDAT_HOME");
	if (h != NULL && h[0] != '\0')
		return h;
	const char *home = getenv("HOME");
	if (home == NULL || home[0] == '\0')
		return NULL;
	snprintf(buf, sizeof buf, "%s/.samizdat", home);
	return buf;
}

int
main(int argc, char **argv)
{
	sz_cli c;
	int i, rc;

	memset(&c, 0, sizeof c);
	c.out = stdout;
	c.err = stderr;
	c.tty = isatty(STDERR_FILENO) == 1;
	if (sz_init() != SZ_OK) {
		fprintf(stderr, "samizdat: the crypto library failed to start\n");
		return SZ_EXIT_FAIL;
	}
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--json") == 0) {
			c.json = true;
		} else if (strcmp(a, "--home") == 0 && i + 1 < argc) {
			c.home = argv[++i];
		} else if (strncmp(a, "--home=", 7) == 0) {
			c.home = a + 7;
		} else if (strcmp(a, "--passphrase-file") == 0 && i + 1 < argc) {
			c.passfile = argv[++i];
		} else if (strncmp(a, "--passphrase-file=", 18) == 0) {
			c.passfile = a + 18;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			global_usage(stdout);
			return SZ_EXIT_OK;
		} else if (strcmp(a, "--version") == 0) {
			printf("samizdat %s\n", SAMIZDAT_VERSION);
			return SZ_EXIT_OK;
		} else if (strcmp(a, "--passphrase") == 0 || strncmp(a, "--passphrase=", 13) == 0) {
			fprintf(stderr, "samizdat: a passphrase is never taken on the command line (other "
			    "users can read it there); use --passphrase-file FILE.\n" SHORT_USAGE);
			return SZ_EXIT_USAGE;
		} else {
			fprintf(stderr, "samizdat: unknown option '%s'.\n" SHORT_USAGE, a);
			return SZ_EXIT_USAGE;
		}
	}
	if (i >= argc) {
		fprintf(stderr, "samizdat: say what to do.\n" SHORT_USAGE);
		return SZ_EXIT_USAGE;
	}
	/* --json is taken anywhere on the line (before a "--"), not only before the command. */
	for (int k = i + 1; k < argc; k++) {
		if (strcmp(argv[k], "--") == 0)
			break;
		if (strcmp(argv[k], "--json") == 0) {
			c.json = true;
			memmove(&argv[k], &argv[k + 1], (size_t)(argc - k) * sizeof *argv);
			argc--;
			k--;
		}
	}
	if (c.home == NULL && (c.home = default_home()) == NULL) {
		fprintf(stderr, "samizdat: no data directory: set HOME or SAMIZDAT_HOME, or give --home DIR\n");
		return SZ_EXIT_USAGE;
	}
	if (c.json) {
		sz_jsonw_init(&c.jw, &c.jbuf);
		sz_jsonw_obj_begin(&c.jw);
	}
	rc = sz_cli_run(&c, argc - i, argv + i);
	/* Ballots and pledges whose time has come leave now that the node is open (the daemon
	 * does this on its own while it runs). */
	if (c.node != NULL && c.own_node && sz_node_pending_run(c.node, NULL) != SZ_OK) {
		/* kept for the next time */
	}
	if (c.json) {
		sz_jsonw_key(&c.jw, "ok");
		sz_jsonw_bool(&c.jw, rc == SZ_EXIT_OK);
		sz_jsonw_key(&c.jw, "exit");
		sz_jsonw_i64(&c.jw, rc);
		sz_jsonw_obj_end(&c.jw);
		if (c.jbuf.err == 0) {
			fwrite(c.jbuf.p, 1, c.jbuf.len, stdout);
			fputc('\n', stdout);
		}
	}
	/* also when the daemon wrote the document (c.json was cleared): the buffer was begun */
	sz_buf_free(&c.jbuf);
	if (c.node != NULL && c.own_node)
		sz_node_close(c.node);
	if (fflush(stdout) != 0 && rc == SZ_EXIT_OK)
		rc = SZ_EXIT_FAIL;
	return rc;
}
