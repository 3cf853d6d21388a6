/*
 * cmd_declare.c - declare, cosign, signatures: texts a cell signs, in the cell or publicly, and
 * checking who signed (inside the cell, or outside it from the published envelopes).
 * Layer: cli.  The node does the work (src/app/node_declare.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "samizdat.h"
#include "app/node_decide.h"
#include "app/node_int.h"
#include "cell/cell.h"
#include "cli/cli.h"
#include "wire/identity.h"

int
sz_cli_declare(sz_cli *c, int argc, char **argv)
{
	const char *title = NULL, *pub = NULL;
	const sz_cli_opt opts[] = {
		{ "--title", true, &title }, { "--public", false, &pub }, { NULL, false, NULL },
	};
	int npos = sz_cli_opts(c, argc, argv, opts);
	if (npos < 0)
		return SZ_EXIT_USAGE;
	if (npos < 1)
		return sz_cli_usage_error(c, "give the cell, --title and the text");
	if (title == NULL || title[0] == '\0' || strlen(title) > SZ_DECL_MAX_TITLE)
		return sz_cli_usage_error(c, "give a --title of 1 to %d bytes", SZ_DECL_MAX_TITLE);
	sz_buf text = { 0 };
	int r = sz_cli_text_arg(c, npos - 1, argv + 1, &text);
	if (r != SZ_OK || text.len == 0 || text.len > SZ_DECL_MAX_TEXT) {
		sz_buf_free(&text);
		return sz_cli_usage_error(c, "give the text (1 to %d bytes) after the cell, or on "
		    "standard input", SZ_DECL_MAX_TEXT);
	}
	sz_buf_u8(&text, 0);
	sz_node *n;
	sz_cell *cell;
	int rc = sz_cli_open_cell(c, argv[1], &n, &cell);
	if (rc != SZ_EXIT_OK) {
		sz_buf_free(&text);
		return rc;
	}
	uint8_t id[32];
	r = sz_node_declare(n, cell, title, (const char *)text.p, pub != NULL, id);
	sz_buf_free(&text);
	if (r != SZ_OK)
		return sz_cli_decide_fail(c, r, sz_node_errmsg(n));
	char sid[17];
	sz_cli_short_id(sid, id);
	if (pub != NULL)
		sz_cli_say(c, "Declared %s in '%s' and published it: it travels beyond the cell (syncs, "
		    "couriers) and anyone can check public signatures on it. Its author shows only as "
		    "a key of the cell.\n", sid, sz_cli_cell_name(cell));
	else
		sz_cli_say(c, "Declared %s in '%s', kept in the cell: it takes in-cell signatures "
		    "only.\n", sid, sz_cli_cell_name(cell));
	if (c->json) {
		sz_cli_json_id(c, "id", id);
		sz_jsonw_key(&c->jw, "public");
		sz_jsonw_bool(&c->jw, pub != NULL);
	}
	return SZ_EXIT_OK;
}

int
sz_cli_cosign(sz_cli *c, int argc, char **argv)
{
	const char *pub = NULL;
	const sz_cli_opt opts[] = { { "--public", false, &pub }, { NULL, false, NULL } };
	int npos = sz_cli_opts(c, argc, argv, opts);
	if (npos < 0)
		return SZ_EXIT_USAGE;
	if (npos != 2)
		return sz_cli_usage_error(c, "give the cell and the declaration's id");
	sz_node *n;
	sz_cell *cell;
	int rc = sz_cli_open_cell(c, argv[1], &n, &cell);
	if (rc != SZ_EXIT_OK)
		return rc;
	uint8_t did[32];
	int r = sz_node_decide_find(n, cell, SZ_KIND_DECLARATION, argv[2], did);
	if (r == SZ_ERR_INVALID)
		return sz_cli_usage_error(c, "%s", sz_node_errmsg(n));
	if (r != SZ_OK)
		return sz_cli_decide_fail(c, r, sz_node_errmsg(n));
	if ((r = sz_node_cosign(n, cell, did, pub != NULL)) != SZ_OK)
		return sz_cli_decide_fail(c, r, sz_node_errmsg(n));
	char sid[17];
	sz_cli_short_id(sid, did);
	if (pub != NULL)
		sz_cli_say(c, "Signed %s publicly, with your identity: anyone who holds the declaration "
		    "can check it is you, now and for ever.\n", sid);
	else
		sz_cli_say(c, "Signed %s in the cell: members see it is you; outside the cell it "
		    "proves nothing about who you are.\n", sid);
	if (c->json) {
		sz_cli_json_id(c, "declaration", did);
		sz_jsonw_key(&c->jw, "public");
		sz_jsonw_bool(&c->jw, pub != NULL);
	}
	return SZ_EXIT_OK;
}

int
sz_cli_signatures(sz_cli *c, int argc, char **argv)
{
	int npos = sz_cli_opts(c, argc, argv, NULL);
	if (npos < 0)
		return SZ_EXIT_USAGE;
	if (npos != 1)
		return sz_cli_usage_error(c, "give the declaration's id");
	sz_node *n;
	int r = sz_cli_node(c, &n);
	if (r != SZ_OK)
		return sz_cli_fail(c, r, "cannot open the node");
	sz_node_signatures s;
	if ((r = sz_node_signatures_get(n, argv[1], &s)) == SZ_ERR_INVALID)
		return sz_cli_usage_error(c, "%s", sz_node_errmsg(n));
	if (r != SZ_OK)
		return sz_cli_decide_fail(c, r, sz_node_errmsg(n));
	char sid[17];
	sz_cli_short_id(sid, s.d.id);
	size_t pubs = 0;
	for (size_t i = 0; i < s.res.count; i++)
		pubs += (s.res.signers[i].modes & 2) != 0;
	if (c->json) {
		sz_cli_json_id(c, "declaration", s.d.id);
		sz_jsonw_key(&c->jw, "title");
		sz_jsonw_strn(&c->jw, s.d.title, s.d.title_len);
		sz_jsonw_key(&c->jw, "text");
		sz_jsonw_strn(&c->jw, s.d.text, s.d.text_len);
		sz_cli_json_id(c, "text_hash", s.d.text_hash);
		sz_jsonw_key(&c->jw, "public");
		sz_jsonw_bool(&c->jw, (s.d.flags & SZ_DECL_PUBLIC) != 0);
		sz_jsonw_key(&c->jw, "member");
		sz_jsonw_bool(&c->jw, s.in_cell);
		sz_jsonw_key(&c->jw, "count");
		sz_jsonw_u64(&c->jw, s.res.count);
		sz_jsonw_key(&c->jw, "public_signers");
		sz_jsonw_u64(&c->jw, pubs);
		sz_jsonw_key(&c->jw, "rejected");
		sz_jsonw_u64(&c->jw, s.res.rejected - s.uncheckable);
		sz_jsonw_key(&c->jw, "signers");
		sz_jsonw_arr_begin(&c->jw);
	} else {
		FILE *o = c->out;
		fprintf(o, "Declaration %s", sid);
		if (s.in_cell) {
			fputs(" of '", o);
			sz_cli_print_text(o, (const uint8_t *)s.cell_name, strlen(s.cell_name));
			fputc('\'', o);
		}
		fputs(": ", o);
		sz_cli_print_text(o, s.d.title, s.d.title_len);
		/* look-alike letters remain possible: show what exactly was signed */
		char th[65];
		sz_hex_encode(th, s.d.text_hash, 32);
		fprintf(o, "\n  text fingerprint %.32s\n  %zu signature%s verified%s.\n", th,
		    s.res.count, s.res.count == 1 ? "" : "s", s.in_cell ? "" : " (public ones: you are "
		    "not in its cell)");
	}
	for (size_t i = 0; i < s.res.count; i++) {
		const sz_signer *g = &s.res.signers[i];
		char fp[SZ_FINGERPRINT_TEXT] = "";
		bool shown = (g->modes & 2) && g->identified && sz_fingerprint(fp, g->key) == SZ_OK;
		if (c->json) {
			sz_jsonw_obj_begin(&c->jw);
			sz_jsonw_key(&c->jw, "public");
			sz_jsonw_bool(&c->jw, (g->modes & 2) != 0);
			sz_jsonw_key(&c->jw, "in_cell");
			sz_jsonw_bool(&c->jw, (g->modes & 1) != 0);
			if (shown) {
				sz_jsonw_key(&c->jw, "fingerprint");
				sz_jsonw_str(&c->jw, fp);
				sz_cli_json_name(c, c->node, g->key);
			}
			sz_jsonw_obj_end(&c->jw);
		} else if (shown) {
			/* in-cell signatures are never linked to a fingerprint on screen */
			char name[80];
			fprintf(c->out, "  %s", fp);
			if (c->node != NULL && sz_node_name_get(c->node, g->key, name)) {
				fputs("  ", c->out);
				sz_cli_print_text(c->out, (const uint8_t *)name, strlen(name));
			}
			fprintf(c->out, "  (public%s)\n", g->modes & 1 ? ", also in the cell" : "");
		} else {
			fprintf(c->out, "  a member of the cell  (in the cell)\n");
		}
	}
	if (c->json)
		sz_jsonw_arr_end(&c->jw);
	if (s.res.rejected > s.uncheckable)
		fprintf(c->err, "Note: %zu signature%s did not verify and %s not counted.\n",
		    s.res.rejected - s.uncheckable, s.res.rejected - s.uncheckable == 1 ? "" : "s",
		    s.res.rejected - s.uncheckable == 1 ? "is" : "are");
	if (s.res.duplicates > 0)
		fprintf(c->err, "Note: %zu repeated signature%s counted once.\n", s.res.duplicates,
		    s.res.duplicates == 1 ? "" : "s");
	sz_node_signatures_free(&s);
	return SZ_EXIT_OK;
}
