/*
 * cmd_name.c - name: the names a person gives to people (kept in the encrypted store, never
 * sent), and what the other commands share to show a person by name and to find one by name or
 * fingerprint.  Layer: cli.
 */
#include <stdlib.h>
#include <string.h>

#include "samizdat.h"
#include "app/node_int.h"
#include "cell/cell.h"
#include "cli/cli.h"
#include "lib/jsonw.h"
#include "wire/identity.h"

const char *
sz_cli_cell_name(const sz_cell *cell)
{
	static _Thread_local char buf[256];
	sz_text_printable(buf, sizeof buf, sz_cell_name(cell));
	return buf;
}

void
sz_cli_person(sz_node *n, const uint8_t id[32], char *out, size_t len)
{
	char name[SZ_NODE_NAME_MAX + 1], fp[SZ_FINGERPRINT_TEXT];
	if (n != NULL && sz_node_name_get(n, id, name))
		snprintf(out, len, "%s", name);
	else if (sz_fingerprint(fp, id) == SZ_OK)
		snprintf(out, len, "%s", fp);
	else
		snprintf(out, len, "?");
}

void
sz_cli_json_name(sz_cli *c, sz_node *n, const uint8_t id[32])
{
	char name[SZ_NODE_NAME_MAX + 1];
	sz_jsonw_key(&c->jw, "name");
	if (n != NULL && sz_node_name_get(n, id, name))
		sz_jsonw_str(&c->jw, name);
	else
		sz_jsonw_null(&c->jw);
}

int
sz_cli_find_person(sz_cli *c, sz_node *n, const uint8_t (*ids)[32], size_t count,
    const char *typed, uint8_t id[32])
{
	size_t hits[8], nh = 0;
	int r = sz_node_person_match(n, ids, count, typed, hits, 8, &nh);
	if (r == SZ_OK) {
		memcpy(id, ids[hits[0]], 32);
		return SZ_EXIT_OK;
	}
	size_t flat = 0;
	for (const char *p = typed; *p; p++)
		flat += *p != ' ' && *p != '-';
	if (r == SZ_ERR_NOT_FOUND && flat < 8)
		return sz_cli_usage_error(c, "give a name you gave, or at least 8 characters of the "
		    "fingerprint");
	if (r == SZ_ERR_NOT_FOUND) {
		fprintf(c->err, "samizdat %s: nobody here is named '", c->cmdname);
		sz_cli_print_text(c->err, (const uint8_t *)typed, strlen(typed));
		fprintf(c->err, "' or has a fingerprint that starts so (give at least 8 of its "
		    "characters). 'samizdat name' lists the members of your cells.\n");
		return SZ_EXIT_NOT_MEMBER;
	}
	fprintf(c->err, "samizdat %s: '", c->cmdname);
	sz_cli_print_text(c->err, (const uint8_t *)typed, strlen(typed));
	fprintf(c->err, "' could be any of %zu people; give more of the fingerprint:\n", nh);
	for (size_t i = 0; i < nh && i < 8; i++) {
		char fp[SZ_FINGERPRINT_TEXT], name[SZ_NODE_NAME_MAX + 1];
		if (sz_fingerprint(fp, ids[hits[i]]) != SZ_OK)
			continue;
		fprintf(c->err, "  %s", fp);
		if (sz_node_name_get(n, ids[hits[i]], name)) {
			fputs("  ", c->err);
			sz_cli_print_text(c->err, (const uint8_t *)name, strlen(name));
		}
		fputc('\n', c->err);
	}
	return SZ_EXIT_USAGE;
}

/* Every member of every cell of mine, each once (malloc()ed). */
static int
everyone(sz_node *n, uint8_t (**out)[32], size_t *count)
{
	uint8_t (*all)[32] = NULL;
	size_t k = 0, cap = 0;
	*out = NULL;
	*count = 0;
	for (size_t i = 0; i < n->ncells; i++) {
		uint8_t (*ids)[32] = malloc(256 * 32);
		size_t nm = 0;
		if (ids == NULL || sz_cell_members(n->cells[i].cell, ids, 256, &nm) != SZ_OK)
			nm = 0;
		for (size_t j = 0; j < nm && j < 256; j++) {
			bool seen = false;
			for (size_t x = 0; x < k && !seen; x++)
				seen = memcmp(all[x], ids[j], 32) == 0;
			if (seen)
				continue;
			if (k == cap) {
				size_t nc = cap ? cap * 2 : 64;
				uint8_t (*v)[32] = realloc(all, nc * 32);
				if (v == NULL) {
					free(ids);
					free(all);
					return SZ_ERR_NOMEM;
				}
				all = v;
				cap = nc;
			}
			memcpy(all[k++], ids[j], 32);
		}
		free(ids);
	}
	*out = all;
	*count = k;
	return SZ_OK;
}

int
sz_cli_name(sz_cli *c, int argc, char **argv)
{
	const char *forget = NULL;
	const sz_cli_opt opts[] = { { "--forget", false, &forget }, { NULL, false, NULL } };
	int npos = sz_cli_opts(c, argc, argv, opts);
	if (npos < 0)
		return SZ_EXIT_USAGE;
	if (npos == 1 && forget == NULL)
		return sz_cli_usage_error(c, "give the person and the name, or --forget");
	if (npos > 1 && forget != NULL)
		return sz_cli_usage_error(c, "--forget takes only the person");
	sz_node *n;
	int r = sz_cli_node(c, &n);
	if (r != SZ_OK)
		return sz_cli_fail(c, r, "cannot open the node");
	uint8_t (*ids)[32];
	size_t count;
	if ((r = everyone(n, &ids, &count)) != SZ_OK)
		return sz_cli_fail(c, r, NULL);
	int rc = SZ_EXIT_OK;
	if (npos == 0) {
		/* the people of my cells, with the names I gave them */
		if (c->json) {
			sz_jsonw_key(&c->jw, "people");
			sz_jsonw_arr_begin(&c->jw);
		}
		for (size_t i = 0; i < count; i++) {
			char fp[SZ_FINGERPRINT_TEXT], name[SZ_NODE_NAME_MAX + 1];
			if (sz_fingerprint(fp, ids[i]) != SZ_OK)
				continue;
			bool named = sz_node_name_get(n, ids[i], name);
			bool me = memcmp(ids[i], n->id_pk, 32) == 0;
			if (c->json) {
				sz_jsonw_obj_begin(&c->jw);
				sz_jsonw_key(&c->jw, "fingerprint");
				sz_jsonw_str(&c->jw, fp);
				sz_cli_json_name(c, n, ids[i]);
				sz_jsonw_key(&c->jw, "you");
				sz_jsonw_bool(&c->jw, me);
				sz_jsonw_obj_end(&c->jw);
				continue;
			}
			fprintf(c->out, "%s  ", fp);
			if (named)
				sz_cli_print_text(c->out, (const uint8_t *)name, strlen(name));
			else if (!me)
				fputs("(no name: samizdat name '", c->out);
			if (!named && !me)
				fprintf(c->out, "%.9s' NAME)", fp);
			fputs(me ? "  (you)\n" : "\n", c->out);
		}
		if (c->json)
			sz_jsonw_arr_end(&c->jw);
		else if (count == 0)
			sz_cli_say(c, "You are in no cell yet, so there is nobody to name.\n");
		free(ids);
		return SZ_EXIT_OK;
	}
	uint8_t id[32];
	if ((rc = sz_cli_find_person(c, n, (const uint8_t (*)[32])ids, count, argv[1], id)) !=
	    SZ_EXIT_OK) {
		free(ids);
		return rc;
	}
	free(ids);
	sz_buf name = { 0 };
	for (int i = 2; i <= npos; i++) {
		if (i > 2)
			sz_buf_u8(&name, ' ');
		sz_buf_append(&name, argv[i], strlen(argv[i]));
	}
	sz_buf_u8(&name, 0);
	if (name.err) {
		sz_buf_free(&name);
		return sz_cli_fail(c, SZ_ERR_NOMEM, NULL);
	}
	r = sz_node_name_set(n, id, forget != NULL ? NULL : (const char *)name.p);
	char fp[SZ_FINGERPRINT_TEXT];
	if (sz_fingerprint(fp, id) != SZ_OK)
		fp[0] = '\0';
	if (r == SZ_ERR_INVALID) {
		sz_buf_free(&name);
		return sz_cli_usage_error(c, "a name has 1 to %d bytes of text, without control "
		    "characters", SZ_NODE_NAME_MAX);
	}
	if (r != SZ_OK) {
		sz_buf_free(&name);
		return sz_cli_fail(c, r, sz_node_errmsg(n));
	}
	if (forget != NULL)
		sz_cli_say(c, "Forgot your name for %s.\n", fp);
	else {
		sz_cli_say(c, "%s is now '", fp);
		sz_cli_print_text(c->json ? c->err : c->out, name.p, name.len - 1);
		sz_cli_say(c, "' on this device (never sent to anyone).\n");
	}
	sz_buf_free(&name);
	return SZ_EXIT_OK;
}
