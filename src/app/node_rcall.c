/*
 * node_rcall.c - rostered calls in a node: proposals (answered by ballots, counted by a tally)
 * and pledge calls (answered by pledges, counted against a threshold, then revealed).  What the
 * two share is written once, driven by a table per kind: a call snapshots the roster the cell
 * admits and is posted; a call is loaded and its roster vetted against the cell; an answer is
 * signed for its random release time and queued (node_pending.c).  Layer: app.
 * docs/PROTOCOL.md §13.10; the rules are src/decide/rcall.h, ballot.h, tally.h, pledge.h.
 */
#include "app/node_decide.h"

#include <stdlib.h>
#include <string.h>

#include "cell/cell.h"
#include "crypto/crypto.h"
#include "decide/rcall.h"
#include "wire/entry.h"

/* What the node does differently per kind. */
typedef struct rcall_ops {
	const sz_rcall_kind *k;
	const char *answer;      /* "ballot", "pledge": for messages */
	const char *needs;       /* "a vote", "a pledge" */
	const char *late;        /* what can no longer be done after the deadline */
	/* decode the call carried by entry de into *call (sz_proposal or sz_pledge_call) */
	int (*from_entry)(void *call, const sz_decide_entry *de);
	/* the call as a rostered call */
	void (*view)(sz_rcall *v, const void *call);
} rcall_ops;

static int
proposal_from_entry(void *call, const sz_decide_entry *de)
{
	return sz_proposal_from_entry(call, de);
}

static void
proposal_view(sz_rcall *v, const void *call)
{
	sz_proposal_rcall(v, call);
}

static int
pledge_call_from_entry(void *call, const sz_decide_entry *de)
{
	return sz_pledge_call_from_entry(call, de);
}

static void
pledge_call_view(sz_rcall *v, const void *call)
{
	sz_pledge_call_rcall(v, call);
}

static const rcall_ops proposal_ops = {
	&sz_rcall_proposal, "ballot", "a vote", "no ballot can be cast any more",
	proposal_from_entry, proposal_view,
};
static const rcall_ops pledge_ops = {
	&sz_rcall_pledge, "pledge", "a pledge", "no pledge can be made any more",
	pledge_call_from_entry, pledge_call_view,
};

/* --- what every rostered call does ------------------------------------------------------ */

/* Make a call: my voting key first (so that it is on the roster I snapshot), a deadline still
 * ahead, a ring large enough; then encode(ctx) with the admitted keys and post the body. */
static int
rcall_open(sz_node *n, sz_cell *c, const rcall_ops *ops, uint64_t deadline_ms,
    int (*encode)(sz_node *n, void *ctx, const sz_node_roster *ro, uint8_t **body, size_t *len),
    void *ctx, uint8_t id[32], size_t *ring)
{
	sz_node_roster ro = { 0 };
	uint8_t *body = NULL;
	size_t len;
	int r;
	*ring = 0;
	memset(id, 0, 32);
	if ((r = sz_node_vote_ensure(n, c)) != SZ_OK)
		return r;
	if (deadline_ms <= sz_now_ms(n->env))
		return sz_node_fail(n, SZ_ERR_EXPIRED, "the deadline is already past");
	if ((r = sz_node_roster_get(n, c, &ro)) != SZ_OK)
		return sz_node_fail(n, r, "the cell's roster cannot be read");
	*ring = ro.nnow;
	if (ro.nnow < SZ_DECIDE_MIN_RING) {
		r = sz_node_fail(n, SZ_ERR_DENIED, "the ring is too small: %s needs at least %d "
		    "enrolled members and this node knows of %zu (with fewer, everyone could tell who "
		    "did what); sync with the others and try again", ops->needs, SZ_DECIDE_MIN_RING,
		    ro.nnow);
		goto out;
	}
	if ((r = encode(n, ctx, &ro, &body, &len)) != SZ_OK)
		goto out;
	r = sz_node_cell_post(n, c, ops->k->call_kind, body, len, NULL, 0, id);
out:
	free(body);
	sz_node_roster_free(&ro);
	return r;
}

/* Load call id of c as ops's kind into *call (borrowing from *buf, which the caller frees) and
 * vet its roster against the cell. */
static int
rcall_load(sz_node *n, sz_cell *c, const rcall_ops *ops, const uint8_t id[32], uint8_t **buf,
    sz_decide_entry *de, void *call, sz_node_roster_check *rc)
{
	sz_rcall v;
	int r = sz_node_entry_load(n, id, buf, de);
	if (r != SZ_OK)
		return sz_node_fail(n, r, "the %s is not here", ops->k->name);
	if ((r = ops->from_entry(call, de)) != SZ_OK) {
		r = sz_node_fail(n, r == SZ_ERR_INVALID ? SZ_ERR_NOT_FOUND : r, "that is not a valid "
		    "%s", ops->k->name);
		goto fail;
	}
	ops->view(&v, call);
	if ((r = sz_node_roster_vet(n, c, v.roster, v.n, rc, ops->k->name, ops->k->maker)) != SZ_OK)
		goto fail;
	return SZ_OK;
fail:
	free(*buf);
	*buf = NULL;
	return r;
}

/* When an answer decided at now leaves: at once, or at a random time before the deadline. */
static int
rcall_release_time(sz_node *n, const rcall_ops *ops, uint64_t now, uint64_t deadline_ms,
    bool at_once, uint64_t *at)
{
	*at = now;
	if (now > deadline_ms)
		return sz_node_fail(n, SZ_ERR_EXPIRED, "the deadline has passed: %s", ops->late);
	if (at_once)
		return SZ_OK;
	int r = sz_decide_release_time(at, now, deadline_ms, SZ_DECIDE_DELAY_MIN_MS,
	    SZ_DECIDE_DELAY_MAX_MS, n->env);
	return r == SZ_OK ? SZ_OK : sz_node_fail(n, r, "no release time could be drawn");
}

/* A signed answer (cast: r its result) goes to the queue, to leave at its time (at_once: now);
 * *released (may be NULL) says whether it left. */
static int
rcall_enqueue(sz_node *n, sz_cell *c, const rcall_ops *ops, int r, const uint8_t subject[32],
    uint64_t at, uint64_t deadline_ms, bool at_once, const uint8_t *entry, size_t elen,
    bool *released)
{
	if (released != NULL)
		*released = false;
	if (r == SZ_ERR_NOT_MEMBER)
		return sz_node_fail(n, r, "you are not on this %s's roster: your voting key was "
		    "enrolled after it was made (or had not reached the %s)", ops->k->name,
		    ops->k->maker);
	if (r != SZ_OK)
		return sz_node_fail(n, r, "the %s could not be signed", ops->answer);
	if ((r = sz_node_pending_add(n, c, ops->k->answer_kind, subject, at, deadline_ms, at_once,
	    entry, elen)) != SZ_OK || !at_once)
		return r;
	size_t k = 0;
	r = sz_node_pending_run(n, &k);
	if (released != NULL)
		*released = k > 0;
	return r;
}

/* --- proposals, ballots, tallies --------------------------------------------------------- */

typedef struct proposal_in {
	const char *question;
	const char *const *labels;
	size_t nlabels;
	uint64_t deadline_ms;
} proposal_in;

static int
encode_proposal(sz_node *n, void *ctx, const sz_node_roster *ro, uint8_t **body, size_t *len)
{
	const proposal_in *in = ctx;
	int r = sz_proposal_encode(body, len, in->deadline_ms, in->question, in->labels, in->nlabels,
	    (const uint8_t(*)[32])ro->now, ro->nnow);
	if (r == SZ_ERR_INVALID || r == SZ_ERR_TOO_LARGE)
		return sz_node_fail(n, r, "the question or an option breaks the rules (2 to 16 options "
		    "of 1 to 64 bytes on one line, a question of 1 to 1024 bytes, no control characters)");
	return r == SZ_OK ? SZ_OK : sz_node_fail(n, r, "the proposal could not be made");
}

int
sz_node_propose(sz_node *n, sz_cell *c, const char *question, const char *const *labels,
    size_t nlabels, uint64_t deadline_ms, uint8_t id[32], size_t *ring)
{
	proposal_in in = { question, labels, nlabels, deadline_ms };
	return rcall_open(n, c, &proposal_ops, deadline_ms, encode_proposal, &in, id, ring);
}

/* The highest revision among my ballots on p that this node holds; -1 if none. */
static int64_t
my_revision(sz_node *n, sz_cell *c, const sz_proposal *p, const sz_vote_key *key)
{
	sz_node_entries v = { 0 };
	uint8_t scope[16], scope_t[32], tag[32];
	int64_t best = -1;
	sz_node_cell_local_scope(c, scope);
	if (sz_proposal_scope(scope_t, sz_cell_id(c), p) != SZ_OK ||
	    sz_vote_key_tag(tag, key, scope_t) != SZ_OK ||
	    sz_node_entries_of(n, scope, SZ_KIND_BALLOT, p->id, &v) != SZ_OK) {
		sz_node_entries_free(&v);
		return -2;
	}
	for (size_t i = 0; i < v.n; i++) {
		sz_ballot_record rec;
		if (sz_ballot_check(&rec, p, scope_t, &v.de[i]) == SZ_OK &&
		    rec.verdict == SZ_VERDICT_OK && sodium_memcmp(rec.tag, tag, 32) == 0 &&
		    (int64_t)rec.revision > best)
			best = rec.revision;
	}
	sz_node_entries_free(&v);
	return best;
}

int
sz_node_vote(sz_node *n, sz_cell *c, const uint8_t pid[32], unsigned option, bool at_once,
    sz_node_vote_out *out)
{
	sz_vote_key *key = NULL;
	uint8_t *buf = NULL, *entry = NULL, eid[32];
	size_t elen = 0;
	sz_decide_entry de;
	sz_proposal p;
	sz_node_roster_check rc;
	uint64_t at;
	int r;
	memset(out, 0, sizeof *out);
	if ((r = sz_node_vote_key(n, c, &key)) != SZ_OK)
		return r;
	if ((r = rcall_load(n, c, &proposal_ops, pid, &buf, &de, &p, &rc)) != SZ_OK)
		goto out;
	out->ring = p.n;
	out->small_ring = p.small_ring != 0;
	if (option >= p.noptions) {
		r = sz_node_fail(n, SZ_ERR_INVALID, "this proposal has %zu options", p.noptions);
		goto out;
	}
	/* a ballot is signed for the time it leaves */
	if ((r = rcall_release_time(n, &proposal_ops, sz_now_ms(n->env), p.deadline_ms, at_once,
	    &at)) != SZ_OK)
		goto out;
	int64_t mine = my_revision(n, c, &p, key);
	if (mine < -1) {
		r = sz_node_fail(n, SZ_ERR_INTERNAL, "your earlier ballots could not be looked up");
		goto out;
	}
	/* a waiting ballot is replaced (nobody saw it); a released one is outvoted by a revision */
	if ((r = sz_node_pending_drop(n, pid, &out->replaced)) != SZ_OK)
		goto out;
	out->revision = (uint32_t)(mine + 1);
	r = sz_ballot_cast(&entry, &elen, eid, sz_cell_id(c), &p, option, out->revision, at, key,
	    n->env);
	if ((r = rcall_enqueue(n, c, &proposal_ops, r, pid, at, p.deadline_ms, at_once, entry, elen,
	    &out->released)) != SZ_OK)
		goto out;
	out->release_ms = at;
out:
	if (entry != NULL)
		sz_wipe(entry, elen);
	free(entry);
	free(buf);
	sz_vote_key_free(key);
	return r;
}

int
sz_node_tally_run(sz_node *n, sz_cell *c, const uint8_t pid[32], sz_node_tally *out)
{
	sz_node_entries v = { 0 };
	uint8_t scope[16];
	int r;
	memset(out, 0, sizeof *out);
	if ((r = rcall_load(n, c, &proposal_ops, pid, &out->buf, &out->de, &out->p, &out->rc)) !=
	    SZ_OK)
		return r;
	sz_node_cell_local_scope(c, scope);
	if ((r = sz_node_entries_of(n, scope, SZ_KIND_BALLOT, pid, &v)) != SZ_OK)
		goto out;
	sz_node_anon_filter(n, c, &v, &out->set_aside);
	if ((r = sz_tally_run(&out->t, NULL, sz_cell_id(c), &out->de, v.de, v.n)) != SZ_OK) {
		r = sz_node_fail(n, r, "the ballots could not be counted");
		goto out;
	}
	out->closed = sz_now_ms(n->env) > out->p.deadline_ms;
	out->pending = sz_node_pending_find(n, pid, &out->pending_ms) == SZ_OK;
out:
	sz_node_entries_free(&v);
	if (r != SZ_OK)
		sz_node_tally_free(out);
	return r;
}

void
sz_node_tally_free(sz_node_tally *t)
{
	if (t == NULL)
		return;
	free(t->buf);
	memset(t, 0, sizeof *t);
}

/* --- pledge calls, pledges, reveals ------------------------------------------------------ */

typedef struct call_in {
	const char *text;
	uint32_t threshold;
	uint64_t deadline_ms;
} call_in;

static int
encode_call(sz_node *n, void *ctx, const sz_node_roster *ro, uint8_t **body, size_t *len)
{
	const call_in *in = ctx;
	if (in->threshold < SZ_PLEDGE_MIN_THRESHOLD || in->threshold > ro->nnow)
		return sz_node_fail(n, SZ_ERR_INVALID, "the threshold must be between %d and the %zu "
		    "enrolled members", SZ_PLEDGE_MIN_THRESHOLD, ro->nnow);
	int r = sz_pledge_call_encode(body, len, in->deadline_ms, in->threshold, in->text,
	    (const uint8_t(*)[32])ro->now, ro->nnow);
	if (r == SZ_OK)
		return SZ_OK;
	return sz_node_fail(n, r, r == SZ_ERR_INVALID || r == SZ_ERR_TOO_LARGE ? "the text breaks "
	    "the rules (1 to 4096 bytes, no control characters but line feeds and tabs)" :
	    "the call could not be made");
}

int
sz_node_pledge_call(sz_node *n, sz_cell *c, const char *text, uint32_t threshold,
    uint64_t deadline_ms, uint8_t id[32], size_t *ring)
{
	call_in in = { text, threshold, deadline_ms };
	return rcall_open(n, c, &pledge_ops, deadline_ms, encode_call, &in, id, ring);
}

/* The status of the call on the pledges held, and which reveals hold. */
static int
status(sz_node *n, sz_cell *c, const uint8_t cid[32], const sz_vote_key *key, sz_node_pledges *out)
{
	sz_node_entries v = { 0 }, rv = { 0 };
	uint8_t scope[16], scope_t[32], tag[32], mypk[32];
	int r;
	memset(out, 0, sizeof *out);
	if ((r = rcall_load(n, c, &pledge_ops, cid, &out->buf, &out->de, &out->call, &out->rc)) !=
	    SZ_OK)
		return r;
	sz_node_cell_local_scope(c, scope);
	if ((r = sz_node_entries_of(n, scope, SZ_KIND_PLEDGE, cid, &v)) != SZ_OK)
		goto out;
	sz_node_anon_filter(n, c, &v, &out->set_aside);
	if ((r = sz_pledge_tally(&out->st, NULL, sz_cell_id(c), &out->de, v.de, v.n)) != SZ_OK) {
		r = sz_node_fail(n, r, "the pledges could not be counted");
		goto out;
	}
	if (key != NULL && sz_pledge_call_scope(scope_t, sz_cell_id(c), &out->call) == SZ_OK &&
	    sz_vote_key_tag(tag, key, scope_t) == SZ_OK)
		for (size_t i = 0; i < out->st.ntags; i++)
			out->mine |= sodium_memcmp(out->st.tags[i], tag, 32) == 0;
	if (key != NULL)
		sz_vote_key_public(key, mypk);
	if ((r = sz_node_entries_of(n, scope, SZ_KIND_REVEAL, cid, &rv)) != SZ_OK)
		goto out;
	if (rv.n > 0 && (out->revealers = calloc(rv.n, 32)) == NULL) {
		r = SZ_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < rv.n; i++) {
		uint8_t verdict, pk[32], who[32];
		if (sz_reveal_check(&verdict, pk, sz_cell_id(c), &out->call, &out->st, &rv.de[i]) !=
		    SZ_OK || verdict != SZ_VERDICT_OK)
			continue;
		if (key != NULL && memcmp(pk, mypk, 32) == 0)
			out->revealed = true;
		/* who posted it: a reveal is attributable by design */
		if (sz_node_author_lookup(n, rv.de[i].e.author, who) != SZ_OK)
			continue;
		size_t j = 0;
		while (j < out->nrevealers && memcmp(out->revealers[j], who, 32) != 0)
			j++;
		if (j == out->nrevealers)
			memcpy(out->revealers[out->nrevealers++], who, 32);
	}
	out->closed = sz_now_ms(n->env) > out->call.deadline_ms;
	out->pending = sz_node_pending_find(n, cid, &out->pending_ms) == SZ_OK;
out:
	sz_node_entries_free(&v);
	sz_node_entries_free(&rv);
	if (r != SZ_OK)
		sz_node_pledges_free(out);
	return r;
}

int
sz_node_pledge_status(sz_node *n, sz_cell *c, const uint8_t cid[32], sz_node_pledges *out)
{
	sz_vote_key *key = NULL;
	/* without a key (not active any more) the status is still shown, without "you" */
	if (sz_cell_status(c) == SZ_CELL_ACTIVE && sz_node_vote_key(n, c, &key) != SZ_OK)
		key = NULL;
	int r = status(n, c, cid, key, out);
	sz_vote_key_free(key);
	return r;
}

void
sz_node_pledges_free(sz_node_pledges *p)
{
	if (p == NULL)
		return;
	free(p->buf);
	sz_pledge_status_free(&p->st);
	free(p->revealers);
	memset(p, 0, sizeof *p);
}

int
sz_node_pledge_sign(sz_node *n, sz_cell *c, const uint8_t cid[32], bool at_once,
    uint64_t *release_ms)
{
	sz_vote_key *key = NULL;
	sz_node_pledges st;
	uint8_t *entry = NULL, eid[32];
	size_t elen = 0;
	uint64_t at;
	int r;
	*release_ms = 0;
	memset(&st, 0, sizeof st);
	if ((r = sz_node_vote_key(n, c, &key)) != SZ_OK)
		return r;
	if ((r = status(n, c, cid, key, &st)) != SZ_OK)
		goto out;
	uint64_t now = sz_now_ms(n->env);
	if (now > st.call.deadline_ms) {
		r = sz_node_fail(n, SZ_ERR_EXPIRED, "the deadline has passed: %s", pledge_ops.late);
		goto out;
	}
	if (st.mine) {
		r = sz_node_fail(n, SZ_ERR_EXISTS, "you have pledged on this call already");
		goto out;
	}
	if (st.pending) {
		*release_ms = st.pending_ms;
		r = sz_node_fail(n, SZ_ERR_EXISTS, "your pledge is already waiting to leave");
		goto out;
	}
	if ((r = rcall_release_time(n, &pledge_ops, now, st.call.deadline_ms, at_once, &at)) != SZ_OK)
		goto out;
	/* a pledge carries no time of its own: signed now, it leaves at its time */
	r = sz_pledge_cast(&entry, &elen, eid, sz_cell_id(c), &st.call, now, key, n->env);
	if ((r = rcall_enqueue(n, c, &pledge_ops, r, cid, at, st.call.deadline_ms, at_once, entry,
	    elen, NULL)) != SZ_OK)
		goto out;
	*release_ms = at;
out:
	if (entry != NULL)
		sz_wipe(entry, elen);
	free(entry);
	sz_node_pledges_free(&st);
	sz_vote_key_free(key);
	return r;
}

int
sz_node_pledge_reveal(sz_node *n, sz_cell *c, const uint8_t cid[32], sz_node_pledges *out)
{
	sz_vote_key *key = NULL;
	sz_node_pledges st;
	uint8_t body[SZ_REVEAL_BYTES];
	int r;
	memset(&st, 0, sizeof st);
	if (out != NULL)
		memset(out, 0, sizeof *out);
	if ((r = sz_node_vote_key(n, c, &key)) != SZ_OK)
		return r;
	if ((r = status(n, c, cid, key, &st)) != SZ_OK)
		goto out;
	if (st.revealed) {
		r = sz_node_fail(n, SZ_ERR_EXISTS, "you have revealed your pledge already");
		goto out;
	}
	r = sz_reveal_make(body, sz_cell_id(c), &st.call, &st.st, key, n->env);
	if (r == SZ_ERR_DENIED) {
		r = sz_node_fail(n, r, "the threshold is not reached yet (%u of %u): a reveal now would "
		    "expose you while there is no collective cover, to an informer in the cell and to "
		    "the state if the action never happens. Wait until %u have pledged",
		    st.st.pledgers, st.st.threshold, st.st.threshold);
		goto out;
	}
	if (r == SZ_ERR_NOT_FOUND) {
		r = sz_node_fail(n, r, st.pending ? "your pledge has not left yet: there is nothing to "
		    "reveal until it has" : "no pledge of yours is counted here: nothing to reveal");
		goto out;
	}
	if (r != SZ_OK) {
		r = sz_node_fail(n, r, "the reveal could not be made");
		goto out;
	}
	/* Attributable on purpose: posted under my own signing key, not anonymously. */
	const uint8_t (*parent)[32] = (const uint8_t(*)[32])cid;
	r = sz_node_cell_post(n, c, SZ_KIND_REVEAL, body, sizeof body, parent, 1, NULL);
out:
	if (out != NULL && r != SZ_ERR_NOMEM) {
		*out = st;
		memset(&st, 0, sizeof st);
	}
	sz_node_pledges_free(&st);
	sz_vote_key_free(key);
	return r;
}
