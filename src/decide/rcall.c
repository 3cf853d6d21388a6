/*
 * rcall.c - what proposals and pledge calls share: their roster, stamp and scope; the signing,
 * wrapping and checking of their anonymous answers (see rcall.h).  Layer: decide.
 */
#include "decide/rcall.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "decide/ballot.h"
#include "decide/decide_int.h"
#include "decide/pledge.h"

const sz_rcall_kind sz_rcall_proposal = {
	.name = "proposal",
	.maker = "proposer",
	.call_kind = SZ_KIND_PROPOSAL,
	.answer_kind = SZ_KIND_BALLOT,
	.lsag_kind = SZ_LSAG_KIND_BALLOT,
	.context = SZ_BALLOT_CONTEXT,
	.signed_bytes = SZ_BALLOT_SIGNED_BYTES,
	.dated = true,
};

const sz_rcall_kind sz_rcall_pledge = {
	.name = "pledge call",
	.maker = "caller",
	.call_kind = SZ_KIND_PLEDGE_CALL,
	.answer_kind = SZ_KIND_PLEDGE,
	.lsag_kind = SZ_LSAG_KIND_PLEDGE,
	.context = SZ_PLEDGE_CONTEXT,
	.signed_bytes = SZ_PLEDGE_SIGNED_BYTES,
	.dated = false,
};

int
sz_rcall_roster(const uint8_t (*keys)[32], size_t n, uint8_t (**ring)[32], size_t *m)
{
	int r;
	*ring = NULL;
	*m = 0;
	if (keys == NULL)
		return SZ_ERR_INVALID;
	if (n > SZ_DECIDE_MAX_RING)
		return SZ_ERR_TOO_LARGE;
	if ((*ring = malloc((n ? n : 1) * 32)) == NULL)
		return SZ_ERR_NOMEM;
	memcpy(*ring, keys, n * 32);
	if ((r = sz_roster_canonicalize(*ring, n, m)) != SZ_OK ||
	    (r = sz_decide_roster_check((const uint8_t(*)[32]) * ring, *m)) != SZ_OK) {
		free(*ring);
		*ring = NULL;
		*m = 0;
	}
	return r;
}

int
sz_rcall_stamp(sz_rcall *c, const sz_rcall_kind *k, const sz_decide_entry *de)
{
	c->kind = k;
	if (de->e.kind != k->call_kind)
		return SZ_ERR_INVALID;
	return sz_decide_call_stamp(de, c->deadline_ms, c->id, &c->created_ms);
}

int
sz_rcall_scope(uint8_t scope_t[static 32], const uint8_t cell_id[static 32], const sz_rcall *c)
{
	return sz_lsag_tag_base(scope_t, cell_id, c->id, c->roster_id, c->kind->lsag_kind);
}

int
sz_rcall_sign(sz_buf *b, const uint8_t cell_id[static 32], const sz_rcall *c, uint64_t time_ms,
    const sz_vote_key *key, const sz_env *env)
{
	sz_buf m = { 0 };
	uint8_t t[32];
	int r;
	if (time_ms > c->deadline_ms)
		return SZ_ERR_EXPIRED;
	if (b->err || b->len != c->kind->signed_bytes)
		return b->err ? b->err : SZ_ERR_INVALID;
	if ((r = sz_rcall_scope(t, cell_id, c)) != SZ_OK)
		return r;
	sz_decide_signed_msg(&m, c->kind->context, b->p, c->kind->signed_bytes);
	if ((r = m.err) == SZ_OK)
		r = sz_decide_ring_sign(b, m.p, m.len, c->roster, c->n, key, t, env);
	sz_buf_free(&m);
	return r;
}

int
sz_rcall_wrap(uint8_t **out, size_t *outlen, uint8_t id[static 32], const sz_rcall *c,
    uint64_t time_ms, const uint8_t *body, size_t len, const sz_env *env)
{
	return sz_decide_wrap_anonymous(out, outlen, id, c->kind->answer_kind, c->id, time_ms, body,
	    len, env);
}

uint8_t
sz_rcall_check_entry(const sz_rcall *c, const sz_decide_entry *de,
    const uint8_t subject[static 32], uint64_t time_ms)
{
	if (de->e.kind != c->kind->answer_kind)
		return SZ_VERDICT_WRONG_KIND;
	if (memcmp(subject, c->id, 32) != 0)
		return SZ_VERDICT_OTHER_SUBJECT;
	/* The entry adds nothing: its only parent is the call (so it tells nothing of what the
	 * signer had seen) and its timestamp is fixed by the body or the call (no second clock). */
	if (de->e.nparents != 1 || memcmp(de->e.parents, c->id, 32) != 0 ||
	    de->e.timestamp_ms != time_ms)
		return SZ_VERDICT_BAD_ENTRY;
	return SZ_VERDICT_OK;
}

int
sz_rcall_check_sig(uint8_t *verdict, uint8_t tag[static 32], const sz_rcall *c,
    const uint8_t scope_t[static 32], const sz_decide_entry *de, const uint8_t *sig,
    size_t siglen)
{
	sz_buf m = { 0 };
	int r;
	if (siglen != SZ_LSAG_SIG_BYTES(c->n) || de->e.body_len < c->kind->signed_bytes) {
		*verdict = SZ_VERDICT_WRONG_RING;
		return SZ_OK;
	}
	sz_decide_signed_msg(&m, c->kind->context, de->e.body, c->kind->signed_bytes);
	if ((r = m.err) != SZ_OK)
		goto out;
	r = sz_lsag_verify(sig, siglen, m.p, m.len, c->roster, c->n, scope_t, tag);
	if ((r = sz_decide_crypto_verdict(r)) < 0)
		goto out;
	*verdict = (uint8_t)r;
	r = SZ_OK;
out:
	sz_buf_free(&m);
	return r;
}
