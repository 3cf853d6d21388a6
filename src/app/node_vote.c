/*
 * node_vote.c - proposals, ballots and tallies in a node: a proposal snapshots the roster the
 * cell admits; a vote is signed for its random release time and queued (node_pending.c); a tally
 * counts the ballots this node holds that came under a clean epoch.  Layer: app.
 * docs/PROTOCOL.md §13.10; the rules are src/decide/ballot.h and tally.h.
 */
#include "app/node_decide.h"

#include <stdlib.h>
#include <string.h>

#include "cell/cell.h"
#include "crypto/crypto.h"
#include "wire/entry.h"

int
sz_node_propose(sz_node *n, sz_cell *c, const char *question, const char *const *labels,
    size_t nlabels, uint64_t deadline_ms, uint8_t id[32], size_t *ring)
{
	sz_node_roster ro = { 0 };
	uint8_t *body = NULL;
	size_t len;
	int r;
	*ring = 0;
	memset(id, 0, 32);
	/* my own key first, so that it is on the roster I snapshot */
	if ((r = sz_node_vote_ensure(n, c)) != SZ_OK)
		return r;
	if (deadline_ms <= sz_now_ms(n->env))
		return sz_node_fail(n, SZ_ERR_EXPIRED, "the deadline is already past");
	if ((r = sz_node_roster_get(n, c, &ro)) != SZ_OK)
		return sz_node_fail(n, r, "the cell's roster cannot be read");
	*ring = ro.nnow;
	if (ro.nnow < SZ_DECIDE_MIN_RING) {
		r = sz_node_fail(n, SZ_ERR_DENIED, "the ring is too small: a vote needs at least %d "
		    "enrolled members and this node knows of %zu (with fewer, everyone could tell who "
		    "voted what); sync with the others and try again", SZ_DECIDE_MIN_RING, ro.nnow);
		goto out;
	}
	r = sz_proposal_encode(&body, &len, deadline_ms, question, labels, nlabels,
	    (const uint8_t(*)[32])ro.now, ro.nnow);
	if (r == SZ_ERR_INVALID || r == SZ_ERR_TOO_LARGE) {
		r = sz_node_fail(n, r, "the question or an option breaks the rules (2 to 16 options of "
		    "1 to 64 bytes on one line, a question of 1 to 1024 bytes, no control characters)");
		goto out;
	}
	if (r != SZ_OK) {
		r = sz_node_fail(n, r, "the proposal could not be made");
		goto out;
	}
	r = sz_node_cell_post(n, c, SZ_KIND_PROPOSAL, body, len, NULL, 0, id);
out:
	free(body);
	sz_node_roster_free(&ro);
	return r;
}

/* Load proposal pid of c and check its roster against the cell. */
static int
load_proposal(sz_node *n, sz_cell *c, const uint8_t pid[32], uint8_t **buf, sz_decide_entry *de,
    sz_proposal *p, sz_node_roster_check *rc)
{
	int r = sz_node_entry_load(n, pid, buf, de);
	if (r != SZ_OK)
		return sz_node_fail(n, r, "the proposal is not here");
	if ((r = sz_proposal_from_entry(p, de)) != SZ_OK) {
		r = sz_node_fail(n, r == SZ_ERR_INVALID ? SZ_ERR_NOT_FOUND : r, "that is not a valid "
		    "proposal");
		goto fail;
	}
	if ((r = sz_node_roster_vet(n, c, p->roster, p->n, rc, "proposal", "proposer")) != SZ_OK)
		goto fail;
	return SZ_OK;
fail:
	free(*buf);
	*buf = NULL;
	return r;
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
	size_t elen;
	sz_decide_entry de;
	sz_proposal p;
	sz_node_roster_check rc;
	int r;
	memset(out, 0, sizeof *out);
	if ((r = sz_node_vote_key(n, c, &key)) != SZ_OK)
		return r;
	if ((r = load_proposal(n, c, pid, &buf, &de, &p, &rc)) != SZ_OK)
		goto out;
	out->ring = p.n;
	out->small_ring = p.small_ring != 0;
	if (option >= p.noptions) {
		r = sz_node_fail(n, SZ_ERR_INVALID, "this proposal has %zu options", p.noptions);
		goto out;
	}
	uint64_t now = sz_now_ms(n->env), at = now;
	if (now > p.deadline_ms) {
		r = sz_node_fail(n, SZ_ERR_EXPIRED, "the deadline has passed: no ballot can be cast "
		    "any more");
		goto out;
	}
	if (!at_once && (r = sz_decide_release_time(&at, now, p.deadline_ms, SZ_DECIDE_DELAY_MIN_MS,
	    SZ_DECIDE_DELAY_MAX_MS, n->env)) != SZ_OK) {
		r = sz_node_fail(n, r, "no release time could be drawn");
		goto out;
	}
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
	if (r == SZ_ERR_NOT_MEMBER) {
		r = sz_node_fail(n, r, "you are not on this proposal's roster: your voting key was "
		    "enrolled after it was made (or has not reached the proposer)");
		goto out;
	}
	if (r != SZ_OK) {
		r = sz_node_fail(n, r, "the ballot could not be signed");
		goto out;
	}
	if ((r = sz_node_pending_add(n, c, SZ_KIND_BALLOT, pid, at, p.deadline_ms, at_once, entry,
	    elen)) != SZ_OK)
		goto out;
	out->release_ms = at;
	if (at_once) {
		size_t k = 0;
		r = sz_node_pending_run(n, &k);
		out->released = k > 0;
	}
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
	if ((r = load_proposal(n, c, pid, &out->buf, &out->de, &out->p, &out->rc)) != SZ_OK)
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
