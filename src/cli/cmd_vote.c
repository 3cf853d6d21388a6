/*
 * cmd_vote.c - propose, vote, tally: anonymous votes in a cell.
 * Layer: cli.  The node does the work (src/app/node_rcall.c); this says what happened in words.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "samizdat.h"
#include "app/node_decide.h"
#include "app/node_int.h"
#include "cell/cell.h"
#include "cli/cli.h"

#define DEFAULT_HOURS 24

int
sz_cli_propose(sz_cli *c, int argc, char **argv)
{
	const char *labels[SZ_PROPOSAL_MAX_OPTIONS + 1], *deadline = NULL;
	size_t nl = 0;
	const sz_cli_opt opts[] = { { "--deadline", true, &deadline }, { NULL, false, NULL } };
	argc = sz_cli_opt_multi(c, argc, argv, "--option", labels, SZ_PROPOSAL_MAX_OPTIONS, &nl);
	if (argc < 0)
		return SZ_EXIT_USAGE;
	int npos = sz_cli_opts(c, argc, argv, opts);
	if (npos < 0)
		return SZ_EXIT_USAGE;
	if (npos < 1)
		return sz_cli_usage_error(c, "give the cell, the options and the question");
	if (nl < SZ_PROPOSAL_MIN_OPTIONS)
		return sz_cli_usage_error(c, "give at least two options, each with --option");
	for (size_t i = 0; i < nl; i++) {
		size_t ll = strlen(labels[i]);
		if (ll < 1 || ll > SZ_PROPOSAL_MAX_LABEL)
			return sz_cli_usage_error(c, "an option has 1 to %d bytes", SZ_PROPOSAL_MAX_LABEL);
		for (size_t j = 0; j < i; j++)
			if (strcmp(labels[i], labels[j]) == 0)
				return sz_cli_usage_error(c, "the option '%s' is given twice", labels[i]);
	}
	sz_buf q = { 0 };
	int r = sz_cli_text_arg(c, npos - 1, argv + 1, &q);
	if (r != SZ_OK || q.len == 0 || q.len > SZ_PROPOSAL_MAX_QUESTION) {
		sz_buf_free(&q);
		return sz_cli_usage_error(c, "give the question (1 to %d bytes) after the cell",
		    SZ_PROPOSAL_MAX_QUESTION);
	}
	sz_buf_u8(&q, 0);
	sz_node *n;
	sz_cell *cell;
	int rc = sz_cli_open_cell(c, argv[1], &n, &cell);
	if (rc != SZ_EXIT_OK) {
		sz_buf_free(&q);
		return rc;
	}
	uint64_t now = sz_now_ms(n->env), until = now + DEFAULT_HOURS * 3600000ull;
	if (deadline != NULL && sz_cli_deadline(deadline, now, &until) != SZ_OK) {
		sz_buf_free(&q);
		return sz_cli_usage_error(c, "--deadline takes +HOURS (or +Nd, +Nm, +Ns), YYYY-MM-DD or "
		    "YYYY-MM-DDTHH:MM (UTC)");
	}
	uint8_t id[32];
	size_t ring = 0;
	r = sz_node_propose(n, cell, (const char *)q.p, labels, nl, until, id, &ring);
	sz_buf_free(&q);
	if (r != SZ_OK)
		return sz_cli_decide_fail(c, r, sz_node_errmsg(n));
	char sid[17], when[32];
	sz_cli_short_id(sid, id);
	sz_cli_time(when, sizeof when, until);
	sz_cli_say(c, "Proposed %s in '%s': %zu options, ballots until %s, %zu members on the "
	    "roster. It leaves with the next sync.\n", sid, sz_cell_name(cell), nl, when, ring);
	sz_cli_small_ring(c, ring);
	if (c->json) {
		sz_cli_json_id(c, "id", id);
		sz_jsonw_key(&c->jw, "deadline_ms");
		sz_jsonw_u64(&c->jw, until);
		sz_jsonw_key(&c->jw, "roster");
		sz_jsonw_u64(&c->jw, ring);
	}
	return SZ_EXIT_OK;
}

/* Which option the person meant: the label exactly, else a number 1..n, else a label that
 * matches ignoring case (if only one does).  -1 if none. */
static int
pick_option(const sz_proposal *p, const char *want)
{
	size_t wl = strlen(want);
	for (size_t i = 0; i < p->noptions; i++)
		if (p->label_len[i] == wl && memcmp(p->label[i], want, wl) == 0)
			return (int)i;
	char *end;
	long k = strtol(want, &end, 10);
	if (*want >= '1' && *want <= '9' && *end == '\0' && k >= 1 && (size_t)k <= p->noptions)
		return (int)k - 1;
	int hit = -1;
	for (size_t i = 0; i < p->noptions; i++)
		if (p->label_len[i] == wl && strncasecmp((const char *)p->label[i], want, wl) == 0)
			hit = hit == -1 ? (int)i : -2;
	return hit >= 0 ? hit : -1;
}

int
sz_cli_vote(sz_cli *c, int argc, char **argv)
{
	const char *now_flag = NULL;
	const sz_cli_opt opts[] = { { "--now", false, &now_flag }, { NULL, false, NULL } };
	int npos = sz_cli_opts(c, argc, argv, opts);
	if (npos < 0)
		return SZ_EXIT_USAGE;
	if (npos != 3)
		return sz_cli_usage_error(c, "give the cell, the proposal's id and your option");
	sz_node *n;
	sz_cell *cell;
	int rc = sz_cli_open_cell(c, argv[1], &n, &cell);
	if (rc != SZ_EXIT_OK)
		return rc;
	uint8_t pid[32], *buf = NULL;
	sz_decide_entry de;
	sz_proposal p;
	int r = sz_node_decide_find(n, cell, SZ_KIND_PROPOSAL, argv[2], pid);
	if (r == SZ_ERR_INVALID)
		return sz_cli_usage_error(c, "%s", sz_node_errmsg(n));
	if (r != SZ_OK)
		return sz_cli_decide_fail(c, r, sz_node_errmsg(n));
	if ((r = sz_node_entry_load(n, pid, &buf, &de)) != SZ_OK ||
	    (r = sz_proposal_from_entry(&p, &de)) != SZ_OK) {
		free(buf);
		return sz_cli_fail(c, SZ_ERR_CORRUPT, "the proposal does not decode");
	}
	int opt = pick_option(&p, argv[3]);
	if (opt < 0) {
		fprintf(c->err, "samizdat vote: '%s' is not an option of this proposal. Its options:",
		    argv[3]);
		for (size_t i = 0; i < p.noptions; i++) {
			fprintf(c->err, " %zu) ", i + 1);
			sz_cli_print_text(c->err, p.label[i], p.label_len[i]);
		}
		fputc('\n', c->err);
		free(buf);
		return SZ_EXIT_USAGE;
	}
	char label[SZ_PROPOSAL_MAX_LABEL + 1];
	memcpy(label, p.label[opt], p.label_len[opt]);
	label[p.label_len[opt]] = '\0';
	free(buf);
	sz_node_vote_out v;
	if ((r = sz_node_vote(n, cell, pid, (unsigned)opt, now_flag != NULL, &v)) != SZ_OK)
		return sz_cli_decide_fail(c, r, sz_node_errmsg(n));
	char sid[17], when[32];
	sz_cli_short_id(sid, pid);
	sz_cli_time(when, sizeof when, v.release_ms);
	sz_cli_say(c, "Your ballot on %s (%d: ", sid, opt + 1);
	sz_cli_print_text(c->json ? c->err : c->out, (const uint8_t *)label, strlen(label));
	sz_cli_say(c, ") is signed");
	if (v.released)
		sz_cli_say(c, " and left now (--now: its time shows when you voted). It reaches the "
		    "others with the next sync.\n");
	else
		sz_cli_say(c, ". It leaves at a random moment, about %s, so that its time says nothing "
		    "of when you chose.\n", when);
	if (v.revision > 0)
		sz_cli_say(c, "It replaces your earlier ballot (this is change number %u).\n",
		    v.revision);
	else if (v.replaced > 0)
		sz_cli_say(c, "It replaces your ballot that had not left yet.\n");
	sz_cli_small_ring(c, v.ring);
	if (c->json) {
		sz_cli_json_id(c, "proposal", pid);
		sz_jsonw_key(&c->jw, "option");
		sz_jsonw_str(&c->jw, label);
		sz_jsonw_key(&c->jw, "revision");
		sz_jsonw_u64(&c->jw, v.revision);
		sz_jsonw_key(&c->jw, "release_ms");
		sz_jsonw_u64(&c->jw, v.release_ms);
		sz_jsonw_key(&c->jw, "released");
		sz_jsonw_bool(&c->jw, v.released);
	}
	return SZ_EXIT_OK;
}

static void
tally_json(sz_cli *c, const sz_node_tally *t)
{
	sz_cli_json_id(c, "proposal", t->p.id);
	sz_jsonw_key(&c->jw, "question");
	sz_jsonw_strn(&c->jw, t->p.question, t->p.question_len);
	sz_jsonw_key(&c->jw, "deadline_ms");
	sz_jsonw_u64(&c->jw, t->p.deadline_ms);
	sz_jsonw_key(&c->jw, "closed");
	sz_jsonw_bool(&c->jw, t->closed);
	sz_jsonw_key(&c->jw, "options");
	sz_jsonw_arr_begin(&c->jw);
	for (size_t i = 0; i < t->p.noptions; i++) {
		sz_jsonw_obj_begin(&c->jw);
		sz_jsonw_key(&c->jw, "label");
		sz_jsonw_strn(&c->jw, t->p.label[i], t->p.label_len[i]);
		sz_jsonw_key(&c->jw, "votes");
		sz_jsonw_u64(&c->jw, t->t.counts[i]);
		sz_jsonw_obj_end(&c->jw);
	}
	sz_jsonw_arr_end(&c->jw);
	static const char *const keys[] = { "voters", "roster", "replaced", "duplicates", "rejected",
	    "set_aside", "departed", "missing" };
	const uint64_t vals[] = { t->t.voters, t->t.roster_size, t->t.replaced, t->t.duplicates,
	    t->t.rejected, t->set_aside, t->rc.departed, t->rc.missing };
	for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
		sz_jsonw_key(&c->jw, keys[i]);
		sz_jsonw_u64(&c->jw, vals[i]);
	}
	sz_jsonw_key(&c->jw, "winner");
	if (t->t.winner >= 0)
		sz_jsonw_strn(&c->jw, t->p.label[t->t.winner], t->p.label_len[t->t.winner]);
	else
		sz_jsonw_null(&c->jw);
	sz_jsonw_key(&c->jw, "tie");
	sz_jsonw_bool(&c->jw, t->t.winner < 0 && t->t.voters > 0);
	sz_jsonw_key(&c->jw, "small_ring");
	sz_jsonw_bool(&c->jw, t->p.small_ring != 0);
	sz_jsonw_key(&c->jw, "yours_waiting");
	sz_jsonw_bool(&c->jw, t->pending);
}

int
sz_cli_tally(sz_cli *c, int argc, char **argv)
{
	int npos = sz_cli_opts(c, argc, argv, NULL);
	if (npos < 0)
		return SZ_EXIT_USAGE;
	if (npos != 2)
		return sz_cli_usage_error(c, "give the cell and the proposal's id");
	sz_node *n;
	sz_cell *cell;
	int rc = sz_cli_open_cell(c, argv[1], &n, &cell);
	if (rc != SZ_EXIT_OK)
		return rc;
	uint8_t pid[32];
	int r = sz_node_decide_find(n, cell, SZ_KIND_PROPOSAL, argv[2], pid);
	if (r == SZ_ERR_INVALID)
		return sz_cli_usage_error(c, "%s", sz_node_errmsg(n));
	if (r != SZ_OK)
		return sz_cli_decide_fail(c, r, sz_node_errmsg(n));
	sz_node_tally t;
	if ((r = sz_node_tally_run(n, cell, pid, &t)) != SZ_OK)
		return sz_cli_decide_fail(c, r, sz_node_errmsg(n));
	char sid[17], when[32];
	sz_cli_short_id(sid, pid);
	sz_cli_time(when, sizeof when, t.p.deadline_ms);
	if (c->json) {
		tally_json(c, &t);
	} else {
		FILE *o = c->out;
		fprintf(o, "Proposal %s in '", sid);
		sz_cli_print_text(o, (const uint8_t *)sz_cell_name(cell), strlen(sz_cell_name(cell)));
		fprintf(o, "', %s %s\n  ", t.closed ? "closed since" : "open until", when);
		sz_cli_print_text(o, t.p.question, t.p.question_len);
		fputc('\n', o);
		for (size_t i = 0; i < t.p.noptions; i++) {
			fprintf(o, "  %5u  ", t.t.counts[i]);
			sz_cli_print_text(o, t.p.label[i], t.p.label_len[i]);
			fputc('\n', o);
		}
		fprintf(o, "  %u of %u on the roster voted; %u changed vote%s; %u refused.\n",
		    t.t.voters, t.t.roster_size, t.t.replaced, t.t.replaced == 1 ? "" : "s",
		    t.t.rejected);
		if (t.t.voters == 0)
			fprintf(o, "  No votes%s.\n", t.closed ? "" : " yet");
		else if (t.t.winner < 0)
			fprintf(o, "  %s\n", t.closed ? "Result: a tie." : "A tie so far.");
		else {
			fprintf(o, "  %s", t.closed ? "Result: " : "Leading so far (ballots may still be "
			    "on their way): ");
			sz_cli_print_text(o, t.p.label[t.t.winner], t.p.label_len[t.t.winner]);
			fputc('\n', o);
		}
		if (t.closed)
			fprintf(o, "  (Ballots cast in time but carried late still count when they "
			    "arrive.)\n");
	}
	sz_cli_small_ring(c, t.p.n);
	sz_cli_roster_notes(c, &t.rc, t.set_aside);
	if (t.pending) {
		sz_cli_time(when, sizeof when, t.pending_ms);
		fprintf(c->err, "Your ballot has not left yet: about %s.\n", when);
	}
	sz_node_tally_free(&t);
	return SZ_EXIT_OK;
}
