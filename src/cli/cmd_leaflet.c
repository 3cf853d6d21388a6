/*
 * cmd_leaflet.c - leaflet publish | list | show: public, signed publications.
 * Layer: cli.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "samizdat.h"
#include "app/node_int.h"
#include "cli/cli.h"
#include "lib/bytes.h"
#include "wire/entry.h"
#include "wire/attach.h"
#include "wire/identity.h"

/* Read all of stdin (bounded by the entry body limit). */
static int
read_stdin(sz_buf *b)
{
	uint8_t tmp[4096];
	b->max = SZ_ENTRY_MAX_BODY;
	for (;;) {
		ssize_t k = read(STDIN_FILENO, tmp, sizeof tmp);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return SZ_ERR_IO;
		if (k == 0)
			return SZ_OK;
		sz_buf_append(b, tmp, (size_t)k);
		if (b->err)
			return b->err;
	}
}

/* The text of a post or leaflet: the arguments joined by spaces, or stdin if there are none or
 * the one argument is "-" (text given as arguments lands in the shell's history).  On a terminal
 * it says how to end the text.  No $EDITOR: an editor writes the text to a file, and often a swap
 * or backup file, on the disk. */
int
sz_cli_text_arg(sz_cli *c, int npos, char **argv, sz_buf *text)
{
	bool term = !c->in_daemon && isatty(STDIN_FILENO) && isatty(STDERR_FILENO);
	if (npos == 0 || (npos == 1 && strcmp(argv[1], "-") == 0)) {
		if (c->in_daemon)
			return SZ_ERR_INVALID;
		if (term)
			fprintf(c->err, "Type the text, then press Ctrl-D on a line of its own:\n");
		return read_stdin(text);
	}
	if (term)
		fprintf(c->err, "(Text typed after the command stays in your shell's history; leave it "
		    "out next time and samizdat asks for it.)\n");
	text->max = SZ_ENTRY_MAX_BODY;
	for (int i = 1; i <= npos; i++) {
		if (i > 1)
			sz_buf_u8(text, ' ');
		sz_buf_append(text, argv[i], strlen(argv[i]));
	}
	return text->err;
}

void
sz_cli_time(char *out, size_t n, uint64_t ms)
{
	/* local time, with its zone, as the person reads a clock */
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	if (localtime_r(&t, &tm) == NULL || strftime(out, n, "%Y-%m-%d %H:%M %Z", &tm) == 0)
		snprintf(out, n, "?");
}

static int
publish(sz_cli *c, int argc, char **argv)
{
	const char *as_is = NULL, *paths[SZ_ATTACH_PER_ENTRY];
	size_t np = 0;
	const sz_cli_opt opts[] = { { "--as-is", false, &as_is }, { NULL, false, NULL } };
	if ((argc = sz_cli_opt_multi(c, argc, argv, "--attach", paths, SZ_ATTACH_PER_ENTRY, &np)) < 0)
		return SZ_EXIT_USAGE;
	int npos = sz_cli_opts(c, argc, argv, opts);
	if (npos < 0)
		return SZ_EXIT_USAGE;
	sz_buf text = { 0 };
	/* With files, the text is the arguments, if any (stdin is not read). */
	int r = np > 0 && npos == 0 ? SZ_OK : sz_cli_text_arg(c, npos, argv, &text);
	if (r == SZ_ERR_TOO_LARGE) {
		sz_buf_free(&text);
		return sz_cli_usage_error(c, "the text is longer than %d bytes", SZ_ENTRY_MAX_BODY);
	}
	if (r != SZ_OK || (text.len == 0 && np == 0)) {
		sz_buf_free(&text);
		return sz_cli_usage_error(c, "give the text as arguments or on standard input");
	}
	sz_node *n;
	uint8_t id[32];
	if ((r = sz_cli_node(c, &n)) != SZ_OK) {
		sz_buf_free(&text);
		return sz_cli_fail(c, r, "cannot open the node");
	}
	sz_manifest files[SZ_ATTACH_PER_ENTRY];
	int rc = sz_cli_attach(c, n, NULL, paths, np, as_is != NULL, files);
	if (rc != SZ_EXIT_OK) {
		sz_buf_free(&text);
		return rc;
	}
	r = sz_node_leaflet_publish_files(n, files, np, text.p, text.len, id);
	sz_buf_free(&text);
	if (r != SZ_OK)
		return sz_cli_fail(c, r, sz_node_errmsg(n));
	char hex[65];
	sz_hex_encode(hex, id, 32);
	sz_cli_say(c, "Published leaflet %.16s%s. It is signed with your identity: anyone who holds it "
	    "can check that you wrote it, and it travels with every sync.\n", hex,
	    np ? " with its files" : "");
	if (c->json) {
		sz_jsonw_key(&c->jw, "id");
		sz_jsonw_str(&c->jw, hex);
	} else if (!c->tty) {
		fprintf(c->out, "%s\n", hex);
	}
	return SZ_EXIT_OK;
}

typedef struct show_ctx {
	sz_cli *c;
	sz_node *n;
	bool full;
	size_t count;
} show_ctx;

static int
show_one(void *ctx, const sz_leaflet *l)
{
	show_ctx *s = ctx;
	sz_cli *c = s->c;
	char hex[65], fp[SZ_FINGERPRINT_TEXT], when[32];
	sz_hex_encode(hex, l->id, 32);
	if (sz_fingerprint(fp, l->author) != SZ_OK)
		fp[0] = '\0';
	sz_cli_time(when, sizeof when, l->time_ms);
	s->count++;
	if (c->json) {
		sz_jsonw_obj_begin(&c->jw);
		sz_jsonw_key(&c->jw, "id");
		sz_jsonw_str(&c->jw, hex);
		sz_jsonw_key(&c->jw, "author");
		sz_jsonw_str(&c->jw, fp);
		sz_cli_json_name(c, s->n, l->author);
		sz_jsonw_key(&c->jw, "time_ms");
		sz_jsonw_u64(&c->jw, l->time_ms);
		sz_jsonw_key(&c->jw, "text");
		sz_jsonw_strn(&c->jw, l->text, l->len);
		if (l->nfiles > 0)
			sz_cli_show_files(c, s->n, l->files, l->nfiles, 0);
		sz_jsonw_obj_end(&c->jw);
		return SZ_OK;
	}
	char who[SZ_FINGERPRINT_TEXT + 80];
	sz_cli_person(s->n, l->author, who, sizeof who);
	fprintf(c->out, "%.16s  %s  by ", hex, when);
	sz_cli_print_text(c->out, (const uint8_t *)who, strlen(who));
	fputc('\n', c->out);
	size_t len = l->len;
	if (!s->full && len > 72)
		len = 72;
	fputs("  ", c->out);
	sz_cli_print_text(c->out, l->text, len);
	fputs(len < l->len ? " ...\n" : "\n", c->out);
	if (l->nfiles > 0)
		sz_cli_show_files(c, s->n, l->files, l->nfiles, 0);
	return SZ_OK;
}

static int
list(sz_cli *c, int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return sz_cli_usage_error(c, "takes no arguments");
	sz_node *n;
	int r = sz_cli_node(c, &n);
	if (r != SZ_OK)
		return sz_cli_fail(c, r, "cannot open the node");
	show_ctx s = { c, n, false, 0 };
	if (c->json) {
		sz_jsonw_key(&c->jw, "leaflets");
		sz_jsonw_arr_begin(&c->jw);
	}
	r = sz_node_leaflet_list(n, show_one, &s);
	if (c->json)
		sz_jsonw_arr_end(&c->jw);
	if (r != SZ_OK)
		return sz_cli_fail(c, r, sz_node_errmsg(n));
	if (s.count == 0)
		sz_cli_say(c, "No leaflets yet.\n");
	return SZ_EXIT_OK;
}

static int
show(sz_cli *c, int argc, char **argv)
{
	int npos = sz_cli_opts(c, argc, argv, NULL);
	if (npos < 0)
		return SZ_EXIT_USAGE;
	if (npos != 1)
		return sz_cli_usage_error(c, "give one leaflet id (8 or more hex digits)");
	for (const char *p = argv[1]; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F')))
			return sz_cli_usage_error(c, "'%s' is not a leaflet id (hex digits)", argv[1]);
	sz_node *n;
	int r = sz_cli_node(c, &n);
	if (r != SZ_OK)
		return sz_cli_fail(c, r, "cannot open the node");
	show_ctx s = { c, n, true, 0 };
	if (c->json)
		sz_jsonw_key(&c->jw, "leaflet");
	r = sz_node_leaflet_find(n, argv[1], show_one, &s);
	if (r != SZ_OK) {
		if (c->json)
			sz_jsonw_null(&c->jw);
		return sz_cli_fail(c, r, sz_node_errmsg(n));
	}
	return SZ_EXIT_OK;
}

const sz_cli_cmd sz_cli_leaflet_cmds[] = {
	{ "publish", publish, "[--attach FILE]... [--as-is] [- | TEXT...]", "publish a signed leaflet "
	    "(the text on stdin, or as arguments)\n"
	    "--attach adds a file (up to 8, 100 MiB each), stripped of its metadata first: JPEG and\n"
	    "PNG pictures and PDF documents ('samizdat strip' shows what goes).  Other types, and\n"
	    "PDFs with embedded files or a signature, are refused unless --as-is says to send them\n"
	    "as they are.  The file's parts are signed with your identity, like the leaflet.", NULL },
	{ "list", list, "", "list the leaflets this node holds", NULL },
	{ "show", show, "ID", "show one leaflet whole", NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};
