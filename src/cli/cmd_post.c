/*
 * cmd_post.c - post and read: a cell's conversation, in threads.
 * Layer: cli.
 */
#include <stdlib.h>
#include <string.h>

#include "samizdat.h"
#include "app/daemon.h"
#include "app/node_int.h"
#include "cell/cell.h"
#include "cli/cli.h"
#include "store/scopes.h"
#include "wire/identity.h"

int
sz_cli_post(sz_cli *c, int argc, char **argv)
{
	const char *reply = NULL, *as_is = NULL, *paths[SZ_ATTACH_PER_ENTRY];
	size_t np = 0;
	const sz_cli_opt opts[] = { { "--reply", true, &reply }, { "--as-is", false, &as_is },
		{ NULL, false, NULL } };
	if ((argc = sz_cli_opt_multi(c, argc, argv, "--attach", paths, SZ_ATTACH_PER_ENTRY, &np)) < 0)
		return SZ_EXIT_USAGE;
	int npos = sz_cli_opts(c, argc, argv, opts);
	if (npos < 0)
		return SZ_EXIT_USAGE;
	if (npos < 1)
		return sz_cli_usage_error(c, "give the cell's name, then the text (or the text on stdin)");
	sz_buf text = { 0 };
	/* With files, the text is what follows the cell's name, if anything (stdin is not read). */
	int r = np > 0 && npos == 1 ? SZ_OK : sz_cli_text_arg(c, npos - 1, argv + 1, &text);
	if (r != SZ_OK || (text.len == 0 && np == 0)) {
		sz_buf_free(&text);
		return sz_cli_usage_error(c, r == SZ_ERR_TOO_LARGE ? "the text is too long" :
		    "give the text as arguments or on standard input");
	}
	sz_node *n;
	if ((r = sz_cli_node(c, &n)) != SZ_OK) {
		sz_buf_free(&text);
		return sz_cli_fail(c, r, "cannot open the node");
	}
	sz_cell *cell = sz_node_cell_find(n, argv[1]);
	if (cell == NULL) {
		sz_buf_free(&text);
		fprintf(c->err, "samizdat post: you are in no cell named '%s'.\n", argv[1]);
		return SZ_EXIT_NOT_MEMBER;
	}
	uint8_t to[32], id[32];
	if (reply != NULL && (r = sz_node_post_find(n, cell, reply, to)) != SZ_OK) {
		sz_buf_free(&text);
		return sz_cli_fail(c, r, sz_node_errmsg(n));
	}
	sz_manifest files[SZ_ATTACH_PER_ENTRY];
	int rc = sz_cli_attach(c, n, cell, paths, np, as_is != NULL, files);
	if (rc != SZ_EXIT_OK) {
		sz_buf_free(&text);
		return rc;
	}
	r = sz_node_post_files(n, cell, reply ? to : NULL, files, np, text.p, text.len, id);
	sz_buf_free(&text);
	if (r != SZ_OK)
		return sz_cli_fail(c, r, sz_node_errmsg(n)[0] ? sz_node_errmsg(n) : "the post was not made");
	char hex[65];
	sz_hex_encode(hex, id, 32);
	sz_cli_say(c, "Posted %.16s to '%s'%s. %s\n", hex, sz_cli_cell_name(cell),
	    np ? " with its files" : "",
	    c->in_daemon && sz_daemon_autosync_on(c->daemon) ? "The daemon passes it to the other "
	    "members' nodes by itself, within seconds of reaching one." :
	    "It leaves with the next sync or bundle.");
	if (c->json) {
		sz_jsonw_key(&c->jw, "id");
		sz_jsonw_str(&c->jw, hex);
		if (np > 0)
			sz_cli_show_files(c, n, files, np, 0);
	}
	return SZ_EXIT_OK;
}

typedef struct read_ctx {
	sz_cli *c;
	sz_node *n;
	sz_post *posts;
	uint8_t *texts;    /* copies, since the callback's text is borrowed */
	size_t count, cap;
	sz_buf all;
} read_ctx;

static int
collect(void *ctx, const sz_post *p)
{
	read_ctx *x = ctx;
	if (x->count == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 64;
		sz_post *v = realloc(x->posts, cap * sizeof *v);
		if (v == NULL)
			return SZ_ERR_NOMEM;
		x->posts = v;
		x->cap = cap;
	}
	x->posts[x->count] = *p;
	/* keep the offset of the text in all; pointers are fixed after collection */
	x->posts[x->count].text = (const uint8_t *)(uintptr_t)x->all.len;
	sz_buf_append(&x->all, p->text, p->len);
	x->count++;
	return x->all.err;
}

static void
show(read_ctx *x, const sz_post *p, int depth)
{
	sz_cli *c = x->c;
	char fp[SZ_FINGERPRINT_TEXT] = "unknown", when[32], hex[65];
	static const uint8_t zero[32];
	char who[SZ_FINGERPRINT_TEXT + SZ_NODE_NAME_MAX] = "unknown";
	if (memcmp(p->member, zero, 32) != 0 && sz_fingerprint(fp, p->member) != SZ_OK)
		fp[0] = '\0';
	if (memcmp(p->member, zero, 32) != 0)
		sz_cli_person(x->n, p->member, who, sizeof who);
	sz_cli_time(when, sizeof when, p->time_ms);
	sz_hex_encode(hex, p->id, 32);
	bool me = memcmp(p->member, x->n->id_pk, 32) == 0;
	if (c->json) {
		sz_jsonw_obj_begin(&c->jw);
		sz_jsonw_key(&c->jw, "id");
		sz_jsonw_str(&c->jw, hex);
		sz_jsonw_key(&c->jw, "author");
		sz_jsonw_str(&c->jw, fp);
		sz_cli_json_name(c, x->n, p->member);
		sz_jsonw_key(&c->jw, "you");
		sz_jsonw_bool(&c->jw, me);
		sz_jsonw_key(&c->jw, "time_ms");
		sz_jsonw_u64(&c->jw, p->time_ms);
		if (p->reply) {
			char rh[65];
			sz_hex_encode(rh, p->reply_to, 32);
			sz_jsonw_key(&c->jw, "reply_to");
			sz_jsonw_str(&c->jw, rh);
		}
		sz_jsonw_key(&c->jw, "text");
		sz_jsonw_strn(&c->jw, p->text, p->len);
		if (p->nfiles > 0)
			sz_cli_show_files(c, x->n, p->files, p->nfiles, 0);
		sz_jsonw_obj_end(&c->jw);
	} else {
		fprintf(c->out, "%*s%.16s  %s  ", depth * 4, "", hex, when);
		sz_cli_print_text(c->out, (const uint8_t *)who, strlen(who));
		fprintf(c->out, "%s\n%*s  ", me ? " (you)" : "", depth * 4, "");
		sz_cli_print_text(c->out, p->text, p->len);
		fputc('\n', c->out);
		if (p->nfiles > 0)
			sz_cli_show_files(c, x->n, p->files, p->nfiles, depth * 4);
	}
}

/* Depth-first: a post, then its replies in time order. */
static void
thread(read_ctx *x, size_t i, int depth, int budget)
{
	show(x, &x->posts[i], depth);
	if (budget <= 0)
		return;
	for (size_t j = 0; j < x->count; j++)
		if (x->posts[j].reply && memcmp(x->posts[j].reply_to, x->posts[i].id, 32) == 0)
			thread(x, j, depth < 8 ? depth + 1 : depth, budget - 1);
}

int
sz_cli_read(sz_cli *c, int argc, char **argv)
{
	const char *follow = NULL, *only = NULL;
	const sz_cli_opt opts[] = { { "--follow", false, &follow }, { "--id", true, &only },
		{ NULL, false, NULL } };
	int npos = sz_cli_opts(c, argc, argv, opts);
	if (npos < 0)
		return SZ_EXIT_USAGE;
	if (npos != 1)
		return sz_cli_usage_error(c, "give the cell's name");
	if (follow != NULL) {
		/* (with a daemon, the command's own process follows: sz_cli_read_follow) */
		fprintf(c->err, "samizdat read: --follow shows posts as a running daemon receives them; "
		    "start 'samizdat serve' first.\n");
		return SZ_EXIT_FAIL;
	}
	size_t onlylen = only != NULL ? strlen(only) : 0;
	if (only != NULL && (onlylen < 4 || onlylen > 64 || strspn(only, "0123456789abcdef") != onlylen))
		return sz_cli_usage_error(c, "--id takes the start of a post's id (4 to 64 hex digits)");
	sz_node *n;
	int r = sz_cli_node(c, &n);
	if (r != SZ_OK)
		return sz_cli_fail(c, r, "cannot open the node");
	sz_cell *cell = sz_node_cell_find(n, argv[1]);
	if (cell == NULL) {
		fprintf(c->err, "samizdat read: you are in no cell named '%s'.\n", argv[1]);
		return SZ_EXIT_NOT_MEMBER;
	}
	read_ctx x = { .c = c, .n = n };
	size_t shown = 0;
	if ((r = sz_node_read(n, cell, collect, &x)) == SZ_OK) {
		for (size_t i = 0; i < x.count; i++)
			x.posts[i].text = x.all.p + (uintptr_t)x.posts[i].text;
		if (c->json) {
			sz_jsonw_key(&c->jw, "posts");
			sz_jsonw_arr_begin(&c->jw);
		}
		/* One post (--id): that one alone. */
		for (size_t i = 0; only != NULL && i < x.count; i++) {
			char hex[65];
			sz_hex_encode(hex, x.posts[i].id, 32);
			if (strncmp(hex, only, onlylen) == 0 && shown++ == 0)
				show(&x, &x.posts[i], 0);
		}
		/* Roots, and replies whose parent this node does not have, start threads. */
		for (size_t i = 0; only == NULL && i < x.count; i++) {
			bool root = !x.posts[i].reply;
			if (!root) {
				root = true;
				for (size_t j = 0; j < x.count; j++)
					if (memcmp(x.posts[j].id, x.posts[i].reply_to, 32) == 0)
						root = false;
			}
			if (root)
				thread(&x, i, 0, 64);
		}
		if (c->json)
			sz_jsonw_arr_end(&c->jw);
	}
	if (r == SZ_OK && only != NULL && shown != 1) {
		free(x.posts);
		sz_buf_free(&x.all);
		fprintf(c->err, "samizdat read: %s post in '%s' has an id that starts with %s.\n",
		    shown == 0 ? "no" : "more than one", sz_cell_name(cell), only);
		return SZ_EXIT_FAIL;
	}
	if (r == SZ_OK && x.count == 0)
		sz_cli_say(c, "No posts in '%s' yet.\n", sz_cli_cell_name(cell));
	if (r == SZ_OK && sz_cell_status(cell) != SZ_CELL_ACTIVE)
		sz_cli_say(c, "You are no longer a member of '%s': nothing posted since can be read "
		    "here.\n", sz_cli_cell_name(cell));
	free(x.posts);
	sz_buf_free(&x.all);
	return r == SZ_OK ? SZ_EXIT_OK : sz_cli_fail(c, r, sz_node_errmsg(n));
}
