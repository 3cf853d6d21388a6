/*
 * ballot.c - proposal and ballot bodies: encoding, canonical decoding, signing and checking (see
 * ballot.h, docs/PROTOCOL.md §13 (Collective decisions) §3-§4).  Layer: decide.
 */
#include "decide/ballot.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "decide/decide_int.h"
#include "decide/rcall.h"
#include "lib/bytes.h"

void
sz_proposal_rcall(sz_rcall *v, const sz_proposal *p)
{
	v->kind = &sz_rcall_proposal;
	memcpy(v->id, p->id, 32);
	v->created_ms = p->created_ms;
	v->deadline_ms = p->deadline_ms;
	v->roster = p->roster;
	v->n = p->n;
	memcpy(v->roster_id, p->roster_id, 32);
	v->small_ring = p->small_ring;
}

/* --- Proposals --------------------------------------------------------------------------- */

int
sz_proposal_encode(uint8_t **out, size_t *outlen, uint64_t deadline_ms, const char *question,
    const char *const *labels, size_t noptions, const uint8_t (*keys)[32], size_t n)
{
	uint8_t (*ring)[32] = NULL;
	sz_buf b = { 0 };
	size_t m = 0, qlen;
	int r;

	*out = NULL;
	*outlen = 0;
	if (question == NULL || labels == NULL || keys == NULL)
		return SZ_ERR_INVALID;
	if (noptions < SZ_PROPOSAL_MIN_OPTIONS || noptions > SZ_PROPOSAL_MAX_OPTIONS)
		return SZ_ERR_INVALID;
	qlen = strlen(question);
	if ((r = sz_decide_text_check((const uint8_t *)question, qlen,
	    SZ_PROPOSAL_MAX_QUESTION)) != SZ_OK)
		return r == SZ_ERR_MALFORMED ? SZ_ERR_INVALID : r;
	for (size_t i = 0; i < noptions; i++) {
		if (labels[i] == NULL)
			return SZ_ERR_INVALID;
		r = sz_decide_line_check((const uint8_t *)labels[i], strlen(labels[i]),
		    SZ_PROPOSAL_MAX_LABEL);
		if (r != SZ_OK)
			return r == SZ_ERR_MALFORMED ? SZ_ERR_INVALID : r;
	}
	if ((r = sz_rcall_roster(keys, n, &ring, &m)) != SZ_OK)
		goto out;
	sz_buf_u8(&b, SZ_DECIDE_VERSION);
	sz_buf_u64(&b, deadline_ms);
	sz_buf_u16(&b, (uint16_t)qlen);
	sz_buf_append(&b, question, qlen);
	sz_buf_u8(&b, (uint8_t)noptions);
	for (size_t i = 0; i < noptions; i++) {
		size_t l = strlen(labels[i]);
		sz_buf_u8(&b, (uint8_t)l);
		sz_buf_append(&b, labels[i], l);
	}
	sz_buf_u16(&b, (uint16_t)m);
	sz_buf_append(&b, ring, m * 32);
	if ((r = b.err) != SZ_OK)
		goto out;
	r = sz_buf_take(&b, out, outlen);
out:
	free(ring);
	sz_buf_free(&b);
	return r;
}

int
sz_proposal_decode(sz_proposal *p, const uint8_t *body, size_t len)
{
	sz_rd rd = sz_rd_init(body, len);
	int r;

	memset(p, 0, sizeof *p);
	if (sz_rd_u8(&rd) != SZ_DECIDE_VERSION && rd.err == 0) {
		r = SZ_ERR_UNSUPPORTED;
		goto fail;
	}
	p->deadline_ms = sz_rd_u64(&rd);
	p->question_len = sz_rd_u16(&rd);
	p->question = sz_rd_bytes(&rd, p->question_len);
	if (rd.err == 0 && (r = sz_decide_text_check(p->question, p->question_len,
	    SZ_PROPOSAL_MAX_QUESTION)) != SZ_OK)
		goto fail;
	p->noptions = sz_rd_u8(&rd);
	if (rd.err == 0 && (p->noptions < SZ_PROPOSAL_MIN_OPTIONS ||
	    p->noptions > SZ_PROPOSAL_MAX_OPTIONS)) {
		r = SZ_ERR_MALFORMED;
		goto fail;
	}
	for (size_t i = 0; rd.err == 0 && i < p->noptions; i++) {
		p->label_len[i] = sz_rd_u8(&rd);
		p->label[i] = sz_rd_bytes(&rd, p->label_len[i]);
		if (rd.err == 0 && (r = sz_decide_line_check(p->label[i], p->label_len[i],
		    SZ_PROPOSAL_MAX_LABEL)) != SZ_OK)
			goto fail;
	}
	if ((r = sz_decide_read_roster(&rd, &p->roster, &p->n, p->roster_id, &p->small_ring)) !=
	    SZ_OK)
		goto fail;
	return SZ_OK;
fail:
	memset(p, 0, sizeof *p);
	return r;
}

int
sz_proposal_from_entry(sz_proposal *p, const sz_decide_entry *de)
{
	sz_rcall v;
	int r;

	memset(p, 0, sizeof *p);
	if (de->e.kind != SZ_KIND_PROPOSAL)
		return SZ_ERR_INVALID;
	if ((r = sz_proposal_decode(p, de->e.body, de->e.body_len)) != SZ_OK)
		return r;
	sz_proposal_rcall(&v, p);
	if ((r = sz_rcall_stamp(&v, &sz_rcall_proposal, de)) != SZ_OK) {
		memset(p, 0, sizeof *p);
		return r;
	}
	memcpy(p->id, v.id, 32);
	p->created_ms = v.created_ms;
	return SZ_OK;
}

int
sz_proposal_scope(uint8_t scope_t[static 32], const uint8_t cell_id[static 32],
    const sz_proposal *p)
{
	sz_rcall v;
	sz_proposal_rcall(&v, p);
	return sz_rcall_scope(scope_t, cell_id, &v);
}

/* --- Ballots ----------------------------------------------------------------------------- */

int
sz_ballot_decode(sz_ballot *b, const uint8_t *body, size_t len)
{
	sz_rd rd = sz_rd_init(body, len);
	int r = SZ_ERR_TRUNCATED;

	memset(b, 0, sizeof *b);
	if (sz_rd_u8(&rd) != SZ_DECIDE_VERSION && rd.err == 0) {
		r = SZ_ERR_UNSUPPORTED;
		goto fail;
	}
	sz_rd_copy(&rd, b->proposal_id, 32);
	b->option = sz_rd_u8(&rd);
	b->revision = sz_rd_u32(&rd);
	b->time_ms = sz_rd_u64(&rd);
	if (rd.err != 0)
		goto fail;
	b->siglen = sz_rd_left(&rd);
	if ((r = sz_decide_sig_len_check(b->siglen)) != SZ_OK)
		goto fail;
	b->sig = sz_rd_bytes(&rd, b->siglen);
	if ((r = sz_rd_end(&rd)) != SZ_OK)
		goto fail;
	return SZ_OK;
fail:
	memset(b, 0, sizeof *b);
	return r;
}

int
sz_ballot_sign(uint8_t **out, size_t *outlen, const uint8_t cell_id[static 32],
    const sz_proposal *p, unsigned option, uint32_t revision, uint64_t time_ms,
    const sz_vote_key *key, const sz_env *env)
{
	sz_buf b = { 0 };
	sz_rcall v;
	int r;

	*out = NULL;
	*outlen = 0;
	if (option >= p->noptions)
		return SZ_ERR_INVALID;
	sz_proposal_rcall(&v, p);
	sz_buf_u8(&b, SZ_DECIDE_VERSION);
	sz_buf_append(&b, p->id, 32);
	sz_buf_u8(&b, (uint8_t)option);
	sz_buf_u32(&b, revision);
	sz_buf_u64(&b, time_ms);
	if ((r = sz_rcall_sign(&b, cell_id, &v, time_ms, key, env)) == SZ_OK)
		r = sz_buf_take(&b, out, outlen);
	sz_buf_free(&b);
	return r;
}

int
sz_ballot_cast(uint8_t **out, size_t *outlen, uint8_t id[static 32],
    const uint8_t cell_id[static 32], const sz_proposal *p, unsigned option, uint32_t revision,
    uint64_t time_ms, const sz_vote_key *key, const sz_env *env)
{
	uint8_t *body = NULL;
	size_t len = 0;
	sz_rcall v;
	int r;

	*out = NULL;
	*outlen = 0;
	memset(id, 0, 32);
	if ((r = sz_ballot_sign(&body, &len, cell_id, p, option, revision, time_ms, key, env)) !=
	    SZ_OK)
		return r;
	sz_proposal_rcall(&v, p);
	r = sz_rcall_wrap(out, outlen, id, &v, time_ms, body, len, env);
	free(body);
	return r;
}

int
sz_ballot_check(sz_ballot_record *rec, const sz_proposal *p, const uint8_t scope_t[static 32],
    const sz_decide_entry *de)
{
	sz_ballot b;
	sz_rcall v;
	int r;

	memset(rec, 0, sizeof *rec);
	memcpy(rec->entry_id, de->id, 32);
	if ((r = sz_blake2b(rec->body_hash, 32, de->e.body, de->e.body_len, NULL, 0)) != SZ_OK)
		return r;
	sz_proposal_rcall(&v, p);
	if (de->e.kind != SZ_KIND_BALLOT) {
		rec->verdict = SZ_VERDICT_WRONG_KIND;
		return SZ_OK;
	}
	if (sz_ballot_decode(&b, de->e.body, de->e.body_len) != SZ_OK) {
		rec->verdict = SZ_VERDICT_MALFORMED;
		return SZ_OK;
	}
	rec->option = b.option;
	rec->revision = b.revision;
	rec->time_ms = b.time_ms;
	/* a ballot's entry bears its signed time */
	if ((rec->verdict = sz_rcall_check_entry(&v, de, b.proposal_id, b.time_ms)) != SZ_VERDICT_OK)
		return SZ_OK;
	if (b.time_ms > p->deadline_ms) {
		rec->verdict = SZ_VERDICT_LATE;
		return SZ_OK;
	}
	if (b.option >= p->noptions) {
		rec->verdict = SZ_VERDICT_BAD_OPTION;
		return SZ_OK;
	}
	return sz_rcall_check_sig(&rec->verdict, rec->tag, &v, scope_t, de, b.sig, b.siglen);
}
