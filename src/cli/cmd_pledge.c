/*
 * cmd_pledge.c - pledge create | sign | status | reveal: threshold pledges ("I act if N of us
 * do"), anonymous until the threshold is reached, then revealed only by choice.
 * Layer: cli.  The node does the work (src/app/node_rcall.c).
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

#define DEFAULT_DAYS 7

static int
create(sz_cli *c, int argc, char **argv)
{
	const char *thr = NULL, *deadline = NULL;
	const sz_cli_opt opts[] = {
		{ "--threshold", true, &thr }, { "--deadline", true, &deadline }, { NULL, false, NULL },
	};
	int npos = sz_cli_opts(c, argc, argv, opts);
	if (npos < 0)
		return SZ_EXIT_USAGE;
	if (npos < 1)
		return sz_cli_usage_error(c, "give the cell, --threshold N and the text");
	char *end;
	long k = thr != NULL ? strtol(thr, &end, 10) : 0;
	if (thr == NULL || *thr < '0' || *thr > '9' || *end != '\0' || k < SZ_PLEDGE_MIN_THRESHOLD ||
	    k > SZ_DECIDE_MAX_RING)
		return sz_cli_usage_error(c, "--threshold takes how many must pledge (2 or more)");
	sz_buf text = { 0 };
	int r = sz_cli_text_arg(c, npos - 1, argv + 1, &text);
	if (r != SZ_OK || text.len == 0 || text.len > SZ_PLEDGE_MAX_TEXT) {
		sz_buf_free(&text);
		return sz_cli_usage_error(c, "give the text of the call (1 to %d bytes) after the cell",
		    SZ_PLEDGE_MAX_TEXT);
	}
	sz_buf_u8(&text, 0);
	sz_node *n;
	sz_cell *cell;
	int rc = sz_cli_open_cell(c, argv[1], &n, &cell);
	if (rc != SZ_EXIT_OK) {
		sz_buf_free(&text);
		return rc;
	}
	uint64_t now = sz_now_ms(n->env), until = now + DEFAULT_DAYS * 86400000ull;
	if (deadline != NULL && sz_cli_deadline(deadline, now, &until) != SZ_OK) {
		sz_buf_free(&text);
		return sz_cli_usage_error(c, "--deadline takes +HOURS (or +Nd, +Nm, +Ns), YYYY-MM-DD or "
		    "YYYY-MM-DDTHH:MM (UTC)");
	}
	uint8_t id[32];
	size_t ring = 0;
	r = sz_node_pledge_call(n, cell, (const char *)text.p, (uint32_t)k, until, id, &ring);
	sz_buf_free(&text);
	if (r != SZ_OK)
		return sz_cli_decide_fail(c, r, sz_node_errmsg(n));
	char sid[17], when[32];
	sz_cli_short_id(sid, id);
	sz_cli_time(when, sizeof when, until);
	sz_cli_say(c, "Pledge call %s in '%s': it holds once %ld of the %zu members on the roster "
	    "pledge; pledges until %s. Nobody learns who pledged; reveals come only after.\n", sid,
	    sz_cell_name(cell), k, ring, when);
	sz_cli_small_ring(c, ring);
	if (c->json) {
		sz_cli_json_id(c, "id", id);
		sz_jsonw_key(&c->jw, "threshold");
		sz_jsonw_u64(&c->jw, (uint64_t)k);
		sz_jsonw_key(&c->jw, "roster");
		sz_jsonw_u64(&c->jw, ring);
		sz_jsonw_key(&c->jw, "deadline_ms");
		sz_jsonw_u64(&c->jw, until);
	}
	return SZ_EXIT_OK;
}

/* Open the cell and find the call named by argv[2]. */
static int
open_call(sz_cli *c, int npos, char **argv, int want, sz_node **n, sz_cell **cell,
    uint8_t cid[32])
{
	if (npos != want)
		return sz_cli_usage_error(c, "give the cell and the call's id");
	int rc = sz_cli_open_cell(c, argv[1], n, cell);
	if (rc != SZ_EXIT_OK)
		return rc;
	int r = sz_node_decide_find(*n, *cell, SZ_KIND_PLEDGE_CALL, argv[2], cid);
	if (r == SZ_ERR_INVALID)
		return sz_cli_usage_error(c, "%s", sz_node_errmsg(*n));
	if (r != SZ_OK)
		return sz_cli_decide_fail(c, r, sz_node_errmsg(*n));
	return SZ_EXIT_OK;
}

static int
sign(sz_cli *c, int argc, char **argv)
{
	const char *now_flag = NULL;
	const sz_cli_opt opts[] = { { "--now", false, &now_flag }, { NULL, false, NULL } };
	int npos = sz_cli_opts(c, argc, argv, opts);
	if (npos < 0)
		return SZ_EXIT_USAGE;
	sz_node *n;
	sz_cell *cell;
	uint8_t cid[32];
	int rc = open_call(c, npos, argv, 2, &n, &cell, cid);
	if (rc != SZ_EXIT_OK)
		return rc;
	uint64_t at = 0;
	int r = sz_node_pledge_sign(n, cell, cid, now_flag != NULL, &at);
	if (r != SZ_OK)
		return sz_cli_decide_fail(c, r, sz_node_errmsg(n));
	char sid[17], when[32];
	sz_cli_short_id(sid, cid);
	sz_cli_time(when, sizeof when, at);
	if (now_flag != NULL)
		sz_cli_say(c, "Your pledge on %s is signed and left now (--now: whoever gets it first "
		    "from you can guess it is yours). It reaches the others with the next sync.\n", sid);
	else
		sz_cli_say(c, "Your pledge on %s is signed. It leaves at a random moment, about %s. "
		    "Nobody can tell it is yours unless you reveal it.\n", sid, when);
	if (c->json) {
		sz_cli_json_id(c, "call", cid);
		sz_jsonw_key(&c->jw, "release_ms");
		sz_jsonw_u64(&c->jw, at);
		sz_jsonw_key(&c->jw, "released");
		sz_jsonw_bool(&c->jw, now_flag != NULL);
	}
	return SZ_EXIT_OK;
}

static void
show_status(sz_cli *c, const sz_node_pledges *p)
{
	char sid[17], when[32];
	sz_cli_short_id(sid, p->call.id);
	sz_cli_time(when, sizeof when, p->call.deadline_ms);
	if (c->json) {
		sz_cli_json_id(c, "call", p->call.id);
		sz_jsonw_key(&c->jw, "text");
		sz_jsonw_strn(&c->jw, p->call.text, p->call.text_len);
		sz_jsonw_key(&c->jw, "pledgers");
		sz_jsonw_u64(&c->jw, p->st.pledgers);
		sz_jsonw_key(&c->jw, "threshold");
		sz_jsonw_u64(&c->jw, p->st.threshold);
		sz_jsonw_key(&c->jw, "roster");
		sz_jsonw_u64(&c->jw, p->call.n);
		sz_jsonw_key(&c->jw, "reached");
		sz_jsonw_bool(&c->jw, p->st.reached != 0);
		sz_jsonw_key(&c->jw, "closed");
		sz_jsonw_bool(&c->jw, p->closed);
		sz_jsonw_key(&c->jw, "set_aside");
		sz_jsonw_u64(&c->jw, p->set_aside);
		sz_jsonw_key(&c->jw, "you_pledged");
		sz_jsonw_bool(&c->jw, p->mine);
		sz_jsonw_key(&c->jw, "revealed");
		sz_jsonw_arr_begin(&c->jw);
		for (size_t i = 0; i < p->nrevealers; i++) {
			char fp[SZ_FINGERPRINT_TEXT];
			if (sz_fingerprint(fp, p->revealers[i]) == SZ_OK)
				sz_jsonw_str(&c->jw, fp);
		}
		sz_jsonw_arr_end(&c->jw);
		return;
	}
	FILE *o = c->out;
	fprintf(o, "Pledge call %s, %s %s\n  ", sid, p->closed ? "closed since" : "open until", when);
	sz_cli_print_text(o, p->call.text, p->call.text_len);
	fprintf(o, "\n  %u of the %u needed have pledged (%zu on the roster).\n", p->st.pledgers,
	    p->st.threshold, p->call.n);
	if (p->st.reached)
		fprintf(o, "  Threshold reached.\n");
	else
		fprintf(o, "  Threshold not reached yet%s.\n", p->closed ? ", and the call is closed" : "");
	for (size_t i = 0; i < p->nrevealers; i++) {
		char fp[SZ_FINGERPRINT_TEXT];
		if (sz_fingerprint(fp, p->revealers[i]) == SZ_OK)
			fprintf(o, "  Revealed: %s\n", fp);
	}
	if (p->mine)
		fprintf(o, "  You have pledged%s.\n", p->revealed ? " and revealed it" : "");
}

static int
status_(sz_cli *c, int argc, char **argv)
{
	int npos = sz_cli_opts(c, argc, argv, NULL);
	if (npos < 0)
		return SZ_EXIT_USAGE;
	sz_node *n;
	sz_cell *cell;
	uint8_t cid[32];
	int rc = open_call(c, npos, argv, 2, &n, &cell, cid);
	if (rc != SZ_EXIT_OK)
		return rc;
	sz_node_pledges p;
	int r = sz_node_pledge_status(n, cell, cid, &p);
	if (r != SZ_OK)
		return sz_cli_decide_fail(c, r, sz_node_errmsg(n));
	show_status(c, &p);
	sz_cli_small_ring(c, p.call.n);
	sz_cli_roster_notes(c, &p.rc, p.set_aside);
	if (p.pending) {
		char when[32];
		sz_cli_time(when, sizeof when, p.pending_ms);
		fprintf(c->err, "Your pledge has not left yet: about %s.\n", when);
	}
	sz_node_pledges_free(&p);
	return SZ_EXIT_OK;
}

static int
reveal(sz_cli *c, int argc, char **argv)
{
	int npos = sz_cli_opts(c, argc, argv, NULL);
	if (npos < 0)
		return SZ_EXIT_USAGE;
	sz_node *n;
	sz_cell *cell;
	uint8_t cid[32];
	int rc = open_call(c, npos, argv, 2, &n, &cell, cid);
	if (rc != SZ_EXIT_OK)
		return rc;
	sz_node_pledges p;
	int r = sz_node_pledge_reveal(n, cell, cid, &p);
	if (r == SZ_ERR_DENIED && p.buf != NULL) {
		/* not an error of the program: the rule protecting the person */
		fprintf(c->err, "samizdat pledge reveal: not yet. %s.\n", sz_node_errmsg(n));
		if (c->json) {
			sz_jsonw_key(&c->jw, "refused");
			sz_jsonw_str(&c->jw, "threshold not reached");
			sz_jsonw_key(&c->jw, "pledgers");
			sz_jsonw_u64(&c->jw, p.st.pledgers);
			sz_jsonw_key(&c->jw, "threshold");
			sz_jsonw_u64(&c->jw, p.st.threshold);
		}
		sz_node_pledges_free(&p);
		return SZ_EXIT_FAIL;
	}
	sz_node_pledges_free(&p);
	if (r != SZ_OK)
		return sz_cli_decide_fail(c, r, sz_node_errmsg(n));
	sz_cli_say(c, "Revealed: the others will see, after the next sync, that one of the pledges "
	    "is yours. This cannot be taken back.\n");
	if (c->json) {
		sz_cli_json_id(c, "call", cid);
		sz_jsonw_key(&c->jw, "revealed");
		sz_jsonw_bool(&c->jw, true);
	}
	return SZ_EXIT_OK;
}

const sz_cli_cmd sz_cli_pledge_cmds[] = {
	{ "create", create, "CELL --threshold N [--deadline +HOURS|DATE] TEXT...",
	    "call for pledges: \"I act if N of us do\"\n"
	    "The deadline reads as for 'samizdat propose'; 7 days if not given.", NULL },
	{ "sign", sign, "CELL CALL [--now]", "pledge anonymously\n"
	    "Your pledge leaves at a random moment within the hour; --now sends it at once (for\n"
	    "tests and demonstrations: it weakens that cover).", NULL },
	{ "status", status_, "CELL CALL", "pledges so far, the threshold, who revealed", NULL },
	{ "reveal", reveal, "CELL CALL", "show the others one pledge is yours (after the threshold)\n"
	    "Refused until the threshold is reached on this node: before, a reveal would expose you\n"
	    "with no collective cover.  It cannot be taken back.", NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};
