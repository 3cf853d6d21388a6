/*
 * cmd_decide.c - what the decision commands share (opening a cell, reading deadlines, printing
 * ids and warnings), and `samizdat decisions CELL`: a cell's proposals, pledge calls and
 * declarations.  Layer: cli.  The commands themselves: cmd_vote.c, cmd_pledge.c, cmd_declare.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "samizdat.h"
#include "app/node_decide.h"
#include "app/node_int.h"
#include "cell/cell.h"
#include "cli/cli.h"

int
sz_cli_open_cell(sz_cli *c, const char *name, sz_node **n, sz_cell **cell)
{
	int r = sz_cli_node(c, n);
	*cell = NULL;
	if (r != SZ_OK)
		return sz_cli_fail(c, r, "cannot open the node");
	if ((*cell = sz_node_cell_find(*n, name)) == NULL) {
		fprintf(c->err, "samizdat %s: you are in no cell named '%s'. 'samizdat cell list' shows "
		    "yours.\n", c->cmdname, name);
		return SZ_EXIT_NOT_MEMBER;
	}
	return SZ_EXIT_OK;
}

int
sz_cli_decide_fail(sz_cli *c, int err, const char *what)
{
	/* The node's message already says what happened and what to do; the general advice for
	 * these codes is about invitations and membership, not votes. */
	if (err != SZ_ERR_EXPIRED && err != SZ_ERR_DENIED && err != SZ_ERR_EXISTS &&
	    err != SZ_ERR_NOT_MEMBER && err != SZ_ERR_NOT_FOUND && err != SZ_ERR_INVALID)
		return sz_cli_fail(c, err, what);
	fprintf(c->err, "samizdat %s: %s.\n", c->cmdname ? c->cmdname : "", what);
	if (c->json) {
		sz_jsonw_key(&c->jw, "error");
		sz_jsonw_obj_begin(&c->jw);
		sz_jsonw_key(&c->jw, "code");
		sz_jsonw_i64(&c->jw, err);
		sz_jsonw_key(&c->jw, "what");
		sz_jsonw_str(&c->jw, what);
		sz_jsonw_key(&c->jw, "reason");
		sz_jsonw_str(&c->jw, sz_strerror(err));
		sz_jsonw_obj_end(&c->jw);
	}
	/* a passed deadline is not damaged input (exit 5): the command could not be done (1) */
	return err == SZ_ERR_EXPIRED ? SZ_EXIT_FAIL : sz_cli_exit_code(err);
}

/* Parse "N" (decimal, no sign) bounded by max; -1 if it is not. */
static long long
number(const char *s, size_t len, long long max)
{
	long long v = 0;
	if (len == 0 || len > 12)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v <= max ? v : -1;
}

int
sz_cli_deadline(const char *s, uint64_t now_ms, uint64_t *out)
{
	size_t len = strlen(s);
	*out = 0;
	if (len >= 2 && s[0] == '+') {
		/* +N hours, or +Nd / +Nh / +Nm / +Ns */
		uint64_t unit = 3600000;
		size_t nl = len - 1;
		switch (s[len - 1]) {
		case 'd': unit = 86400000; nl--; break;
		case 'h': nl--; break;
		case 'm': unit = 60000; nl--; break;
		case 's': unit = 1000; nl--; break;
		}
		long long v = number(s + 1, nl, 1000000);
		if (v <= 0 || (uint64_t)v * unit > 366ull * 86400000)
			return SZ_ERR_INVALID;
		*out = now_ms + (uint64_t)v * unit;
		return SZ_OK;
	}
	/* YYYY-MM-DD (the end of that day) or YYYY-MM-DDTHH:MM / "YYYY-MM-DD HH:MM", UTC */
	if (len != 10 && len != 16)
		return SZ_ERR_INVALID;
	if (s[4] != '-' || s[7] != '-' || (len == 16 && ((s[10] != 'T' && s[10] != ' ') ||
	    s[13] != ':')))
		return SZ_ERR_INVALID;
	long long y = number(s, 4, 9999), mo = number(s + 5, 2, 12), d = number(s + 8, 2, 31);
	long long h = len == 16 ? number(s + 11, 2, 23) : 23;
	long long mi = len == 16 ? number(s + 14, 2, 59) : 59;
	if (y < 1970 || mo < 1 || d < 1 || h < 0 || mi < 0)
		return SZ_ERR_INVALID;
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = (int)y - 1900;
	tm.tm_mon = (int)mo - 1;
	tm.tm_mday = (int)d;
	tm.tm_hour = (int)h;
	tm.tm_min = (int)mi;
	tm.tm_sec = len == 16 ? 0 : 59;
	time_t t = timegm(&tm);
	/* timegm normalises 31 February: refuse what it had to change */
	struct tm back;
	if (t == (time_t)-1 || gmtime_r(&t, &back) == NULL || back.tm_mday != (int)d ||
	    back.tm_mon != (int)mo - 1)
		return SZ_ERR_INVALID;
	*out = (uint64_t)t * 1000 + (len == 16 ? 0 : 999);
	return SZ_OK;
}

void
sz_cli_short_id(char out[17], const uint8_t id[32])
{
	char hex[65];
	sz_hex_encode(hex, id, 32);
	memcpy(out, hex, 16);
	out[16] = '\0';
}

void
sz_cli_json_id(sz_cli *c, const char *key, const uint8_t id[32])
{
	char hex[65];
	sz_hex_encode(hex, id, 32);
	sz_jsonw_key(&c->jw, key);
	sz_jsonw_str(&c->jw, hex);
}

void
sz_cli_small_ring(sz_cli *c, size_t ring)
{
	if (ring >= SZ_DECIDE_WARN_RING)
		return;
	fprintf(c->err, "Careful: only %zu members are on the roster. With so few, any two who "
	    "compare notes can narrow down who voted or pledged what, and a unanimous result "
	    "reveals everyone.\n", ring);
}

void
sz_cli_roster_notes(sz_cli *c, const sz_node_roster_check *rc, size_t set_aside)
{
	if (rc->departed > 0)
		fprintf(c->err, "Note: %zu member%s on this roster %s no longer in the cell; what they "
		    "cast after leaving does not count.\n", rc->departed, rc->departed == 1 ? "" : "s",
		    rc->departed == 1 ? "is" : "are");
	if (set_aside > 0)
		fprintf(c->err, "Note: %zu came sealed under keys a removed member still holds and "
		    "%s not counted (a member's own node sends theirs again under new keys; sync).\n",
		    set_aside, set_aside == 1 ? "is" : "are");
	if (rc->missing > 0)
		fprintf(c->err, "Note: %zu member%s of the cell %s not on this roster (joined or "
		    "enrolled after it was made): they cannot take part.\n", rc->missing,
		    rc->missing == 1 ? "" : "s", rc->missing == 1 ? "is" : "are");
}

/* --- decisions CELL ----------------------------------------------------------------------- */

typedef struct list_ctx {
	sz_cli *c;
	uint64_t now;
	size_t count;
} list_ctx;

static int
show_subject(void *ctx, const sz_node_subject *s)
{
	list_ctx *x = ctx;
	sz_cli *c = x->c;
	char id[17], when[32];
	const char *what = s->kind == SZ_KIND_PROPOSAL ? "proposal" : s->kind == SZ_KIND_PLEDGE_CALL ?
	    "pledge" : "declaration";
	bool open = s->deadline_ms != 0 && x->now <= s->deadline_ms;
	sz_cli_short_id(id, s->id);
	sz_cli_time(when, sizeof when, s->deadline_ms);
	x->count++;
	if (c->json) {
		sz_jsonw_obj_begin(&c->jw);
		sz_cli_json_id(c, "id", s->id);
		sz_jsonw_key(&c->jw, "kind");
		sz_jsonw_str(&c->jw, what);
		sz_jsonw_key(&c->jw, "time_ms");
		sz_jsonw_u64(&c->jw, s->time_ms);
		sz_jsonw_key(&c->jw, "text");
		sz_jsonw_strn(&c->jw, s->text, s->text_len);
		if (s->kind != SZ_KIND_DECLARATION) {
			sz_jsonw_key(&c->jw, "deadline_ms");
			sz_jsonw_u64(&c->jw, s->deadline_ms);
			sz_jsonw_key(&c->jw, "open");
			sz_jsonw_bool(&c->jw, open);
			sz_jsonw_key(&c->jw, "roster");
			sz_jsonw_u64(&c->jw, s->ring);
			sz_jsonw_key(&c->jw, "yours_waiting");
			sz_jsonw_bool(&c->jw, s->pending);
		}
		if (s->kind == SZ_KIND_PROPOSAL) {
			sz_jsonw_key(&c->jw, "options");
			sz_jsonw_arr_begin(&c->jw);
			for (size_t i = 0; i < s->noptions; i++)
				sz_jsonw_strn(&c->jw, s->label[i], s->label_len[i]);
			sz_jsonw_arr_end(&c->jw);
		} else if (s->kind == SZ_KIND_PLEDGE_CALL) {
			sz_jsonw_key(&c->jw, "threshold");
			sz_jsonw_u64(&c->jw, s->threshold);
		} else {
			sz_jsonw_key(&c->jw, "public");
			sz_jsonw_bool(&c->jw, s->pub);
		}
		sz_jsonw_obj_end(&c->jw);
		return SZ_OK;
	}
	fprintf(c->out, "%-11s %s  ", what, id);
	if (s->kind == SZ_KIND_DECLARATION)
		fprintf(c->out, "%s  ", s->pub ? "for publication" : "kept in the cell");
	else
		fprintf(c->out, "%s %s  ", open ? "open until" : "closed", when);
	if (s->kind == SZ_KIND_PLEDGE_CALL)
		fprintf(c->out, "(%u of %zu needed)  ", s->threshold, s->ring);
	sz_cli_print_text(c->out, s->text, s->text_len);
	fputc('\n', c->out);
	if (s->kind == SZ_KIND_PROPOSAL) {
		fputs("            options:", c->out);
		for (size_t i = 0; i < s->noptions; i++) {
			fputs(i ? " |" : "", c->out);
			fputc(' ', c->out);
			sz_cli_print_text(c->out, s->label[i], s->label_len[i]);
		}
		fputc('\n', c->out);
	}
	if (s->pending) {
		sz_cli_time(when, sizeof when, s->pending_ms);
		fprintf(c->out, "            yours waits to leave at about %s\n", when);
	}
	return SZ_OK;
}

int
sz_cli_decisions(sz_cli *c, int argc, char **argv)
{
	int npos = sz_cli_opts(c, argc, argv, NULL);
	if (npos < 0)
		return SZ_EXIT_USAGE;
	if (npos != 1)
		return sz_cli_usage_error(c, "give the cell's name");
	sz_node *n;
	sz_cell *cell;
	int rc = sz_cli_open_cell(c, argv[1], &n, &cell);
	if (rc != SZ_EXIT_OK)
		return rc;
	list_ctx x = { c, sz_now_ms(n->env), 0 };
	if (c->json) {
		sz_jsonw_key(&c->jw, "decisions");
		sz_jsonw_arr_begin(&c->jw);
	}
	int r = sz_node_decisions(n, cell, show_subject, &x);
	if (c->json)
		sz_jsonw_arr_end(&c->jw);
	if (r != SZ_OK)
		return sz_cli_decide_fail(c, r, sz_node_errmsg(n));
	if (x.count == 0)
		sz_cli_say(c, "Nothing to decide in '%s' yet: 'samizdat propose', 'samizdat pledge "
		    "create' or 'samizdat declare' start something.\n", sz_cli_cell_name(cell));
	return SZ_EXIT_OK;
}
