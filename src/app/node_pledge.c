/*
 * node_pledge.c - threshold pledges in a node: a call snapshots the cell's roster; a pledge is
 * signed and queued like a ballot; the status counts the pledges held under clean epochs; a
 * reveal is posted, attributably, only once the threshold is reached here.  Layer: app.
 * docs/PROTOCOL.md §13.10; the rules are src/decide/pledge.h.
 */
#include "app/node_decide.h"

#include <stdlib.h>
#include <string.h>

#include "cell/cell.h"
#include "crypto/crypto.h"
#include "wire/entry.h"

int
sz_node_pledge_call(sz_node *n, sz_cell *c, const char *text, uint32_t threshold,
    uint64_t deadline_ms, uint8_t id[32], size_t *ring)
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
		r = sz_node_fail(n, SZ_ERR_DENIED, "the ring is too small: a pledge needs at least %d "
		    "enrolled members and this node knows of %zu; sync with the others and try again",
		    SZ_DECIDE_MIN_RING, ro.nnow);
		goto out;
	}
	if (threshold < SZ_PLEDGE_MIN_THRESHOLD || threshold > ro.nnow) {
		r = sz_node_fail(n, SZ_ERR_INVALID, "the threshold must be between %d and the %zu "
		    "enrolled members", SZ_PLEDGE_MIN_THRESHOLD, ro.nnow);
		goto out;
	}
	r = sz_pledge_call_encode(&body, &len, deadline_ms, threshold, text,
	    (const uint8_t(*)[32])ro.now, ro.nnow);
	if (r != SZ_OK) {
		r = sz_node_fail(n, r, r == SZ_ERR_INVALID || r == SZ_ERR_TOO_LARGE ? "the text breaks "
		    "the rules (1 to 4096 bytes, no control characters but line feeds and tabs)" :
		    "the call could not be made");
		goto out;
	}
	r = sz_node_cell_post(n, c, SZ_KIND_PLEDGE_CALL, body, len, NULL, 0, id);
out:
	free(body);
	sz_node_roster_free(&ro);
	return r;
}

/* Load call cid and check its roster. */
static int
load_call(sz_node *n, sz_cell *c, const uint8_t cid[32], uint8_t **buf, sz_decide_entry *de,
    sz_pledge_call *call, sz_node_roster_check *rc)
{
	int r = sz_node_entry_load(n, cid, buf, de);
	if (r != SZ_OK)
		return sz_node_fail(n, r, "the pledge call is not here");
	if ((r = sz_pledge_call_from_entry(call, de)) != SZ_OK) {
		r = sz_node_fail(n, r == SZ_ERR_INVALID ? SZ_ERR_NOT_FOUND : r, "that is not a valid "
		    "pledge call");
		goto fail;
	}
	if ((r = sz_node_roster_vet(n, c, call->roster, call->n, rc, "pledge call", "caller")) != SZ_OK)
		goto fail;
	return SZ_OK;
fail:
	free(*buf);
	*buf = NULL;
	return r;
}

/* The status of the call on the pledges held, and which reveals hold. */
static int
status(sz_node *n, sz_cell *c, const uint8_t cid[32], const sz_vote_key *key, sz_node_pledges *out)
{
	sz_node_entries v = { 0 }, rv = { 0 };
	uint8_t scope[16], scope_t[32], tag[32], mypk[32];
	int r;
	memset(out, 0, sizeof *out);
	if ((r = load_call(n, c, cid, &out->buf, &out->de, &out->call, &out->rc)) != SZ_OK)
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
	int r;
	*release_ms = 0;
	memset(&st, 0, sizeof st);
	if ((r = sz_node_vote_key(n, c, &key)) != SZ_OK)
		return r;
	if ((r = status(n, c, cid, key, &st)) != SZ_OK)
		goto out;
	uint64_t now = sz_now_ms(n->env), at = now;
	if (now > st.call.deadline_ms) {
		r = sz_node_fail(n, SZ_ERR_EXPIRED, "the deadline has passed: no pledge can be made "
		    "any more");
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
	if (!at_once && (r = sz_decide_release_time(&at, now, st.call.deadline_ms,
	    SZ_DECIDE_DELAY_MIN_MS, SZ_DECIDE_DELAY_MAX_MS, n->env)) != SZ_OK) {
		r = sz_node_fail(n, r, "no release time could be drawn");
		goto out;
	}
	r = sz_pledge_cast(&entry, &elen, eid, sz_cell_id(c), &st.call, now, key, n->env);
	if (r == SZ_ERR_NOT_MEMBER) {
		r = sz_node_fail(n, r, "you are not on this call's roster: your voting key was enrolled "
		    "after it was made (or had not reached the caller)");
		goto out;
	}
	if (r != SZ_OK) {
		r = sz_node_fail(n, r, "the pledge could not be signed");
		goto out;
	}
	if ((r = sz_node_pending_add(n, c, SZ_KIND_PLEDGE, cid, at, st.call.deadline_ms, at_once,
	    entry, elen)) != SZ_OK)
		goto out;
	*release_ms = at;
	if (at_once)
		r = sz_node_pending_run(n, NULL);
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
