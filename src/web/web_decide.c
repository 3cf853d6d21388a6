/*
 * web_decide.c - collective decisions in the web interface: a cell's proposals with their
 * counts and deadlines, pledge calls with their progress, declarations with their signatures;
 * proposing, voting, calling for pledges, pledging, revealing, declaring, co-signing.
 * Layer: web.  The node calls of src/cli/cmd_vote.c, cmd_pledge.c, cmd_declare.c.
 */
#include <stdlib.h>
#include <string.h>

#include "app/node_decide.h"
#include "cell/cell.h"
#include "lib/env.h"
#include "web/web_int.h"

/* What a cell has to decide, copied out of the node's callback. */
typedef struct subj {
	uint8_t id[32];
	uint8_t kind;
} subj;

typedef struct subjects {
	subj *v;
	size_t n, cap;
} subjects;

static int
take(void *ctx, const sz_node_subject *s)
{
	subjects *x = ctx;
	if (x->n == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 16;
		subj *v = realloc(x->v, cap * sizeof *v);
		if (v == NULL)
			return SZ_ERR_NOMEM;
		x->v = v;
		x->cap = cap;
	}
	memcpy(x->v[x->n].id, s->id, 32);
	x->v[x->n].kind = s->kind;
	x->n++;
	return SZ_OK;
}

static void
kv_u64(sz_web_req *q, const char *k, uint64_t v)
{
	sz_jsonw_key(&q->jw, k);
	sz_jsonw_u64(&q->jw, v);
}

static void
kv_bool(sz_web_req *q, const char *k, bool v)
{
	sz_jsonw_key(&q->jw, k);
	sz_jsonw_bool(&q->jw, v);
}

static void
proposal(sz_web_req *q, sz_cell *c, const uint8_t id[32])
{
	sz_node_tally t;
	int r = sz_node_tally_run(q->n, c, id, &t);
	if (r != SZ_OK) {
		sz_jsonw_key(&q->jw, "problem");
		sz_jsonw_str(&q->jw, sz_node_errmsg(q->n)[0] ? sz_node_errmsg(q->n) : sz_strerror(r));
		return;
	}
	sz_jsonw_key(&q->jw, "question");
	sz_jsonw_strn(&q->jw, t.p.question, t.p.question_len);
	kv_u64(q, "deadline_ms", t.p.deadline_ms);
	kv_bool(q, "closed", t.closed);
	sz_jsonw_key(&q->jw, "options");
	sz_jsonw_arr_begin(&q->jw);
	for (size_t i = 0; i < t.p.noptions; i++) {
		sz_jsonw_obj_begin(&q->jw);
		sz_jsonw_key(&q->jw, "label");
		sz_jsonw_strn(&q->jw, t.p.label[i], t.p.label_len[i]);
		kv_u64(q, "votes", t.t.counts[i]);
		sz_jsonw_obj_end(&q->jw);
	}
	sz_jsonw_arr_end(&q->jw);
	kv_u64(q, "voters", t.t.voters);
	kv_u64(q, "roster", t.t.roster_size ? t.t.roster_size : t.p.n);
	kv_u64(q, "replaced", t.t.replaced);
	kv_u64(q, "set_aside", t.set_aside);
	sz_jsonw_key(&q->jw, "winner");
	if (t.t.winner >= 0)
		sz_jsonw_strn(&q->jw, t.p.label[t.t.winner], t.p.label_len[t.t.winner]);
	else
		sz_jsonw_null(&q->jw);
	kv_bool(q, "tie", t.t.winner < 0 && t.t.voters > 0);
	kv_bool(q, "small_ring", t.p.small_ring != 0);
	kv_bool(q, "yours_waiting", t.pending);
	if (t.pending)
		kv_u64(q, "yours_leaves_ms", t.pending_ms);
	sz_node_tally_free(&t);
}

static void
pledge_call(sz_web_req *q, sz_cell *c, const uint8_t id[32])
{
	sz_node_pledges p;
	int r = sz_node_pledge_status(q->n, c, id, &p);
	if (r != SZ_OK) {
		sz_jsonw_key(&q->jw, "problem");
		sz_jsonw_str(&q->jw, sz_node_errmsg(q->n)[0] ? sz_node_errmsg(q->n) : sz_strerror(r));
		return;
	}
	sz_jsonw_key(&q->jw, "text");
	sz_jsonw_strn(&q->jw, p.call.text, p.call.text_len);
	kv_u64(q, "deadline_ms", p.call.deadline_ms);
	kv_bool(q, "closed", p.closed);
	kv_u64(q, "threshold", p.st.threshold);
	kv_u64(q, "pledgers", p.st.pledgers);
	kv_u64(q, "roster", p.call.n);
	kv_bool(q, "reached", p.st.reached != 0);
	kv_bool(q, "you_pledged", p.mine);
	kv_bool(q, "you_revealed", p.revealed);
	kv_bool(q, "yours_waiting", p.pending);
	sz_jsonw_key(&q->jw, "revealed");
	sz_jsonw_arr_begin(&q->jw);
	for (size_t i = 0; i < p.nrevealers; i++)
		sz_web_json_person(q, p.revealers[i]);
	sz_jsonw_arr_end(&q->jw);
	sz_node_pledges_free(&p);
}

static void
declaration(sz_web_req *q, const uint8_t id[32])
{
	char hex[65];
	sz_node_signatures s;
	sz_hex_encode(hex, id, 32);
	int r = sz_node_signatures_get(q->n, hex, &s);
	if (r != SZ_OK) {
		sz_jsonw_key(&q->jw, "problem");
		sz_jsonw_str(&q->jw, sz_node_errmsg(q->n)[0] ? sz_node_errmsg(q->n) : sz_strerror(r));
		return;
	}
	sz_jsonw_key(&q->jw, "title");
	sz_jsonw_strn(&q->jw, s.d.title, s.d.title_len);
	sz_jsonw_key(&q->jw, "text");
	sz_jsonw_strn(&q->jw, s.d.text, s.d.text_len);
	sz_web_json_id(q, "text_hash", s.d.text_hash);
	kv_bool(q, "public", (s.d.flags & SZ_DECL_PUBLIC) != 0);
	kv_u64(q, "count", s.res.count);
	/* Did I sign, in the cell (my cell key, noted as mine) or publicly (my identity)? */
	bool mine_cell = false, mine_pub = false;
	for (size_t i = 0; i < s.res.count; i++) {
		const sz_signer *g = &s.res.signers[i];
		uint8_t who[32];
		bool me = g->identified ? memcmp(g->key, q->n->id_pk, 32) == 0 :
		    sz_node_author_lookup(q->n, g->key, who) == SZ_OK && memcmp(who, q->n->id_pk, 32) == 0;
		mine_cell |= me && (g->modes & 1);
		mine_pub |= me && (g->modes & 2);
	}
	kv_bool(q, "you_signed", mine_cell);
	kv_bool(q, "you_signed_publicly", mine_pub);
	sz_jsonw_key(&q->jw, "signers");
	sz_jsonw_arr_begin(&q->jw);
	for (size_t i = 0; i < s.res.count; i++) {
		const sz_signer *g = &s.res.signers[i];
		sz_jsonw_obj_begin(&q->jw);
		kv_bool(q, "public", (g->modes & 2) != 0);
		kv_bool(q, "in_cell", (g->modes & 1) != 0);
		/* an in-cell signature is never linked to a person on screen */
		if ((g->modes & 2) && g->identified) {
			sz_jsonw_key(&q->jw, "person");
			sz_web_json_person(q, g->key);
		}
		sz_jsonw_obj_end(&q->jw);
	}
	sz_jsonw_arr_end(&q->jw);
	sz_node_signatures_free(&s);
}

int
sz_web_decisions(sz_web_req *q)
{
	int st;
	sz_cell *c = sz_web_cell(q, &st);
	if (c == NULL)
		return st;
	subjects x = { 0 };
	int r = sz_node_decisions(q->n, c, take, &x);
	if (r != SZ_OK) {
		free(x.v);
		return sz_web_fail(q, r, sz_node_errmsg(q->n));
	}
	sz_jsonw_key(&q->jw, "decisions");
	sz_jsonw_arr_begin(&q->jw);
	for (size_t i = x.n; i-- > 0;) { /* newest first */
		sz_jsonw_obj_begin(&q->jw);
		sz_web_json_id(q, "id", x.v[i].id);
		sz_jsonw_key(&q->jw, "kind");
		if (x.v[i].kind == SZ_KIND_PROPOSAL) {
			sz_jsonw_str(&q->jw, "proposal");
			proposal(q, c, x.v[i].id);
		} else if (x.v[i].kind == SZ_KIND_PLEDGE_CALL) {
			sz_jsonw_str(&q->jw, "pledge");
			pledge_call(q, c, x.v[i].id);
		} else {
			sz_jsonw_str(&q->jw, "declaration");
			declaration(q, x.v[i].id);
		}
		sz_jsonw_obj_end(&q->jw);
	}
	sz_jsonw_arr_end(&q->jw);
	free(x.v);
	return 200;
}

/* A deadline this many hours from now (1 hour to a year). */
static bool
deadline(sz_web_req *q, uint64_t def_hours, uint64_t *until)
{
	uint64_t h;
	if (!sz_web_u64(q, "hours", 1, 24 * 366, def_hours, &h))
		return false;
	*until = sz_now_ms(q->n->env) + h * 3600000ull;
	return true;
}

int
sz_web_propose(sz_web_req *q)
{
	int st;
	size_t ql;
	uint64_t until;
	sz_cell *c = sz_web_cell(q, &st);
	if (c == NULL)
		return st;
	const char *question = sz_web_str(q, "question", &ql);
	if (question == NULL || ql == 0 || ql > SZ_PROPOSAL_MAX_QUESTION)
		return sz_web_err(q, 400, "invalid", "Write the question (up to %d letters).",
		    SZ_PROPOSAL_MAX_QUESTION);
	if (!deadline(q, 24, &until))
		return sz_web_err(q, 400, "invalid", "Give the time to vote in hours (1 to 8784).");
	const sz_json_val *opts = sz_json_get(q->body, "options");
	size_t no = opts && sz_json_type_of(opts) == SZ_JSON_ARRAY ? sz_json_count(opts) : 0;
	const char *labels[SZ_PROPOSAL_MAX_OPTIONS];
	if (no < SZ_PROPOSAL_MIN_OPTIONS || no > SZ_PROPOSAL_MAX_OPTIONS)
		return sz_web_err(q, 400, "invalid", "Give 2 to %d choices.", SZ_PROPOSAL_MAX_OPTIONS);
	for (size_t i = 0; i < no; i++) {
		size_t ll = 0;
		labels[i] = sz_json_str(sz_json_at(opts, i), &ll);
		if (labels[i] == NULL || ll < 1 || ll > SZ_PROPOSAL_MAX_LABEL ||
		    memchr(labels[i], 0, ll) != NULL)
			return sz_web_err(q, 400, "invalid", "Each choice has 1 to %d letters.",
			    SZ_PROPOSAL_MAX_LABEL);
		for (size_t j = 0; j < i; j++)
			if (strcmp(labels[i], labels[j]) == 0)
				return sz_web_err(q, 400, "invalid", "The choice '%s' is there twice.",
				    labels[i]);
	}
	uint8_t id[32];
	size_t ring = 0;
	int r = sz_node_propose(q->n, c, question, labels, no, until, id, &ring);
	if (r != SZ_OK)
		return sz_web_fail(q, r, sz_node_errmsg(q->n));
	sz_web_json_id(q, "id", id);
	kv_u64(q, "roster", ring);
	kv_u64(q, "deadline_ms", until);
	return 200;
}

int
sz_web_vote(sz_web_req *q)
{
	int st;
	uint8_t pid[32];
	uint64_t opt;
	sz_cell *c = sz_web_cell(q, &st);
	if (c == NULL)
		return st;
	if (!sz_web_id(q, "proposal", pid))
		return sz_web_err(q, 400, "invalid", "Which proposal?");
	if (!sz_web_u64(q, "option", 0, SZ_PROPOSAL_MAX_OPTIONS - 1, SZ_PROPOSAL_MAX_OPTIONS, &opt) ||
	    opt >= SZ_PROPOSAL_MAX_OPTIONS)
		return sz_web_err(q, 400, "invalid", "Choose one of the choices.");
	sz_node_vote_out v;
	int r = sz_node_vote(q->n, c, pid, (unsigned)opt, sz_web_bool(q, "now"), &v);
	if (r != SZ_OK)
		return sz_web_fail(q, r, sz_node_errmsg(q->n));
	kv_u64(q, "revision", v.revision);
	kv_u64(q, "leaves_ms", v.release_ms);
	kv_bool(q, "released", v.released);
	kv_u64(q, "replaced", v.replaced);
	return 200;
}

int
sz_web_pledge_call(sz_web_req *q)
{
	int st;
	size_t tl;
	uint64_t until, k;
	sz_cell *c = sz_web_cell(q, &st);
	if (c == NULL)
		return st;
	const char *text = sz_web_str(q, "text", &tl);
	if (text == NULL || tl == 0 || tl > SZ_PLEDGE_MAX_TEXT)
		return sz_web_err(q, 400, "invalid", "Write what people pledge to (up to %d letters).",
		    SZ_PLEDGE_MAX_TEXT);
	if (!sz_web_u64(q, "threshold", SZ_PLEDGE_MIN_THRESHOLD, SZ_DECIDE_MAX_RING, 0, &k) || k == 0)
		return sz_web_err(q, 400, "invalid", "Say how many must pledge (%d or more).",
		    SZ_PLEDGE_MIN_THRESHOLD);
	if (!deadline(q, 24 * 7, &until))
		return sz_web_err(q, 400, "invalid", "Give the time to pledge in hours (1 to 8784).");
	uint8_t id[32];
	size_t ring = 0;
	int r = sz_node_pledge_call(q->n, c, text, (uint32_t)k, until, id, &ring);
	if (r != SZ_OK)
		return sz_web_fail(q, r, sz_node_errmsg(q->n));
	sz_web_json_id(q, "id", id);
	kv_u64(q, "roster", ring);
	return 200;
}

int
sz_web_pledge(sz_web_req *q)
{
	int st;
	uint8_t cid[32];
	uint64_t at = 0;
	sz_cell *c = sz_web_cell(q, &st);
	if (c == NULL)
		return st;
	if (!sz_web_id(q, "call", cid))
		return sz_web_err(q, 400, "invalid", "Which call?");
	int r = sz_node_pledge_sign(q->n, c, cid, sz_web_bool(q, "now"), &at);
	if (r != SZ_OK)
		return sz_web_fail(q, r, sz_node_errmsg(q->n));
	kv_u64(q, "leaves_ms", at);
	return 200;
}

int
sz_web_reveal(sz_web_req *q)
{
	int st;
	uint8_t cid[32];
	sz_cell *c = sz_web_cell(q, &st);
	if (c == NULL)
		return st;
	if (!sz_web_id(q, "call", cid))
		return sz_web_err(q, 400, "invalid", "Which call?");
	int r = sz_node_pledge_reveal(q->n, c, cid, NULL);
	if (r != SZ_OK)
		return sz_web_fail(q, r, sz_node_errmsg(q->n));
	return 200;
}

int
sz_web_declare(sz_web_req *q)
{
	int st;
	size_t tl, xl;
	sz_cell *c = sz_web_cell(q, &st);
	if (c == NULL)
		return st;
	const char *title = sz_web_str(q, "title", &tl);
	const char *text = sz_web_str(q, "text", &xl);
	if (title == NULL || tl == 0 || tl > SZ_DECL_MAX_TITLE || memchr(title, '\n', tl) != NULL)
		return sz_web_err(q, 400, "invalid", "Give a title of one line (up to %d letters).",
		    SZ_DECL_MAX_TITLE);
	if (text == NULL || xl == 0 || xl > SZ_DECL_MAX_TEXT)
		return sz_web_err(q, 400, "invalid", "Write the declaration (up to %d letters).",
		    SZ_DECL_MAX_TEXT);
	uint8_t id[32];
	int r = sz_node_declare(q->n, c, title, text, sz_web_bool(q, "public"), id);
	if (r != SZ_OK)
		return sz_web_fail(q, r, sz_node_errmsg(q->n));
	sz_web_json_id(q, "id", id);
	return 200;
}

int
sz_web_cosign(sz_web_req *q)
{
	int st;
	uint8_t did[32];
	sz_cell *c = sz_web_cell(q, &st);
	if (c == NULL)
		return st;
	if (!sz_web_id(q, "declaration", did))
		return sz_web_err(q, 400, "invalid", "Which declaration?");
	int r = sz_node_cosign(q->n, c, did, sz_web_bool(q, "public"));
	if (r == SZ_ERR_EXISTS)
		return sz_web_err(q, 409, "exists", "You have signed it already.");
	if (r != SZ_OK)
		return sz_web_fail(q, r, sz_node_errmsg(q->n));
	return 200;
}
