/*
 * pledge.c - threshold pledges: calls, anonymous pledges, the count and reveals (see pledge.h,
 * docs/PROTOCOL.md §13 (Collective decisions) §5).  Layer: decide.
 */
#include "decide/pledge.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "decide/decide_int.h"
#include "decide/rcall.h"
#include "lib/bytes.h"

void
sz_pledge_call_rcall(sz_rcall *v, const sz_pledge_call *c)
{
	v->kind = &sz_rcall_pledge;
	memcpy(v->id, c->id, 32);
	v->created_ms = c->created_ms;
	v->deadline_ms = c->deadline_ms;
	v->roster = c->roster;
	v->n = c->n;
	memcpy(v->roster_id, c->roster_id, 32);
	v->small_ring = c->small_ring;
}

/* --- Calls ------------------------------------------------------------------------------- */

int
sz_pledge_call_encode(uint8_t **out, size_t *outlen, uint64_t deadline_ms, uint32_t threshold,
    const char *text, const uint8_t (*keys)[32], size_t n)
{
	uint8_t (*ring)[32] = NULL;
	sz_buf b = { 0 };
	size_t m = 0, tlen;
	int r;

	*out = NULL;
	*outlen = 0;
	if (text == NULL || keys == NULL)
		return SZ_ERR_INVALID;
	if (n > SZ_DECIDE_MAX_RING)
		return SZ_ERR_TOO_LARGE;
	tlen = strlen(text);
	if ((r = sz_decide_text_check((const uint8_t *)text, tlen, SZ_PLEDGE_MAX_TEXT)) != SZ_OK)
		return r == SZ_ERR_MALFORMED ? SZ_ERR_INVALID : r;
	if ((r = sz_rcall_roster(keys, n, &ring, &m)) != SZ_OK)
		goto out;
	if (threshold < SZ_PLEDGE_MIN_THRESHOLD || threshold > m) {
		r = SZ_ERR_INVALID;
		goto out;
	}
	sz_buf_u8(&b, SZ_DECIDE_VERSION);
	sz_buf_u64(&b, deadline_ms);
	sz_buf_u16(&b, (uint16_t)threshold);
	sz_buf_u16(&b, (uint16_t)tlen);
	sz_buf_append(&b, text, tlen);
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
sz_pledge_call_decode(sz_pledge_call *c, const uint8_t *body, size_t len)
{
	sz_rd rd = sz_rd_init(body, len);
	int r;

	memset(c, 0, sizeof *c);
	if (sz_rd_u8(&rd) != SZ_DECIDE_VERSION && rd.err == 0) {
		r = SZ_ERR_UNSUPPORTED;
		goto fail;
	}
	c->deadline_ms = sz_rd_u64(&rd);
	c->threshold = sz_rd_u16(&rd);
	c->text_len = sz_rd_u16(&rd);
	c->text = sz_rd_bytes(&rd, c->text_len);
	if (rd.err == 0 && (r = sz_decide_text_check(c->text, c->text_len,
	    SZ_PLEDGE_MAX_TEXT)) != SZ_OK)
		goto fail;
	if ((r = sz_decide_read_roster(&rd, &c->roster, &c->n, c->roster_id, &c->small_ring)) !=
	    SZ_OK)
		goto fail;
	if (c->threshold < SZ_PLEDGE_MIN_THRESHOLD || c->threshold > c->n) {
		r = SZ_ERR_MALFORMED;
		goto fail;
	}
	return SZ_OK;
fail:
	memset(c, 0, sizeof *c);
	return r;
}

int
sz_pledge_call_from_entry(sz_pledge_call *c, const sz_decide_entry *de)
{
	sz_rcall v;
	int r;

	memset(c, 0, sizeof *c);
	if (de->e.kind != SZ_KIND_PLEDGE_CALL)
		return SZ_ERR_INVALID;
	if ((r = sz_pledge_call_decode(c, de->e.body, de->e.body_len)) != SZ_OK)
		return r;
	sz_pledge_call_rcall(&v, c);
	if ((r = sz_rcall_stamp(&v, &sz_rcall_pledge, de)) != SZ_OK) {
		memset(c, 0, sizeof *c);
		return r;
	}
	memcpy(c->id, v.id, 32);
	c->created_ms = v.created_ms;
	return SZ_OK;
}

int
sz_pledge_call_scope(uint8_t scope_t[static 32], const uint8_t cell_id[static 32],
    const sz_pledge_call *c)
{
	sz_rcall v;
	sz_pledge_call_rcall(&v, c);
	return sz_rcall_scope(scope_t, cell_id, &v);
}

/* --- Pledges ----------------------------------------------------------------------------- */

int
sz_pledge_decode(sz_pledge *pl, const uint8_t *body, size_t len)
{
	sz_rd rd = sz_rd_init(body, len);
	int r = SZ_ERR_TRUNCATED;

	memset(pl, 0, sizeof *pl);
	if (sz_rd_u8(&rd) != SZ_DECIDE_VERSION && rd.err == 0) {
		r = SZ_ERR_UNSUPPORTED;
		goto fail;
	}
	sz_rd_copy(&rd, pl->call_id, 32);
	if (rd.err != 0)
		goto fail;
	pl->siglen = sz_rd_left(&rd);
	if ((r = sz_decide_sig_len_check(pl->siglen)) != SZ_OK)
		goto fail;
	pl->sig = sz_rd_bytes(&rd, pl->siglen);
	if ((r = sz_rd_end(&rd)) != SZ_OK)
		goto fail;
	return SZ_OK;
fail:
	memset(pl, 0, sizeof *pl);
	return r;
}

int
sz_pledge_sign(uint8_t **out, size_t *outlen, const uint8_t cell_id[static 32],
    const sz_pledge_call *c, uint64_t now_ms, const sz_vote_key *key, const sz_env *env)
{
	sz_buf b = { 0 };
	sz_rcall v;
	int r;

	*out = NULL;
	*outlen = 0;
	sz_pledge_call_rcall(&v, c);
	sz_buf_u8(&b, SZ_DECIDE_VERSION);
	sz_buf_append(&b, c->id, 32);
	if ((r = sz_rcall_sign(&b, cell_id, &v, now_ms, key, env)) == SZ_OK)
		r = sz_buf_take(&b, out, outlen);
	sz_buf_free(&b);
	return r;
}

int
sz_pledge_cast(uint8_t **out, size_t *outlen, uint8_t id[static 32],
    const uint8_t cell_id[static 32], const sz_pledge_call *c, uint64_t now_ms,
    const sz_vote_key *key, const sz_env *env)
{
	uint8_t *body = NULL;
	size_t len = 0;
	sz_rcall v;
	int r;

	*out = NULL;
	*outlen = 0;
	memset(id, 0, 32);
	if ((r = sz_pledge_sign(&body, &len, cell_id, c, now_ms, key, env)) != SZ_OK)
		return r;
	sz_pledge_call_rcall(&v, c);
	/* undated: the entry bears the call's time, so nothing tells two pledges apart */
	r = sz_rcall_wrap(out, outlen, id, &v, c->created_ms, body, len, env);
	free(body);
	return r;
}

/* One checked pledge. */
struct pledge_rec {
	uint8_t verdict;
	uint8_t tag[32];
	uint8_t body_hash[32];
	uint8_t entry_id[32];
	size_t index;
};

/* Judge one entry as a pledge on c; the order of checks of sz_ballot_check (no deadline: a pledge
 * carries no time). */
static int
pledge_check(struct pledge_rec *rec, const sz_pledge_call *c, const uint8_t scope_t[32],
    const sz_decide_entry *de)
{
	sz_pledge pl;
	sz_rcall v;
	int r;

	memcpy(rec->entry_id, de->id, 32);
	if ((r = sz_blake2b(rec->body_hash, 32, de->e.body, de->e.body_len, NULL, 0)) != SZ_OK)
		return r;
	sz_pledge_call_rcall(&v, c);
	if (de->e.kind != SZ_KIND_PLEDGE) {
		rec->verdict = SZ_VERDICT_WRONG_KIND;
		return SZ_OK;
	}
	if (sz_pledge_decode(&pl, de->e.body, de->e.body_len) != SZ_OK) {
		rec->verdict = SZ_VERDICT_MALFORMED;
		return SZ_OK;
	}
	/* Nothing in the entry may tell pledges apart: one parent, the call; the call's timestamp. */
	if ((rec->verdict = sz_rcall_check_entry(&v, de, pl.call_id, c->created_ms)) != SZ_VERDICT_OK)
		return SZ_OK;
	return sz_rcall_check_sig(&rec->verdict, rec->tag, &v, scope_t, de, pl.sig, pl.siglen);
}

static int
cmp_pledge(const void *a, const void *b)
{
	const struct pledge_rec *x = a, *y = b;
	int c;
	if ((c = memcmp(x->tag, y->tag, 32)) != 0)
		return c;
	if ((c = memcmp(x->body_hash, y->body_hash, 32)) != 0)
		return c;
	return memcmp(x->entry_id, y->entry_id, 32);
}

int
sz_pledge_tally(sz_pledge_status *st, uint8_t *verdicts, const uint8_t cell_id[static 32],
    const sz_decide_entry *call, const sz_decide_entry *pledges, size_t npledges)
{
	struct pledge_rec *recs = NULL;
	sz_pledge_call c;
	uint8_t scope_t[32];
	size_t nv = 0;
	int r;

	memset(st, 0, sizeof *st);
	if (verdicts != NULL && npledges > 0)
		memset(verdicts, SZ_VERDICT_MALFORMED, npledges);
	if ((r = sz_pledge_call_from_entry(&c, call)) != SZ_OK)
		return r;
	if ((r = sz_pledge_call_scope(scope_t, cell_id, &c)) != SZ_OK)
		return r;
	memcpy(st->call_id, c.id, 32);
	st->threshold = c.threshold;
	if (npledges == 0)
		return SZ_OK;
	if ((recs = calloc(npledges, sizeof *recs)) == NULL ||
	    (st->tags = calloc(npledges, 32)) == NULL) {
		r = SZ_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < npledges; i++) {
		struct pledge_rec one = { 0 };
		one.index = i;
		if ((r = pledge_check(&one, &c, scope_t, &pledges[i])) != SZ_OK)
			goto out;
		if (verdicts != NULL)
			verdicts[i] = one.verdict;
		if (one.verdict == SZ_VERDICT_OK)
			recs[nv++] = one;
		else
			st->rejected++;
	}
	/* One per tag: the first in (tag, body hash, entry id) order counts, the rest are copies. */
	qsort(recs, nv, sizeof *recs, cmp_pledge);
	for (size_t i = 0; i < nv; i++) {
		if (st->ntags > 0 && memcmp(st->tags[st->ntags - 1], recs[i].tag, 32) == 0) {
			st->duplicates++;
			if (verdicts != NULL)
				verdicts[recs[i].index] = SZ_VERDICT_DUPLICATE;
			continue;
		}
		memcpy(st->tags[st->ntags++], recs[i].tag, 32);
	}
	st->pledgers = (uint32_t)st->ntags;
	st->reached = st->pledgers >= st->threshold;
	r = SZ_OK;
out:
	free(recs);
	if (r != SZ_OK) {
		sz_pledge_status_free(st);
		memset(st, 0, sizeof *st);
		if (verdicts != NULL)
			memset(verdicts, SZ_VERDICT_MALFORMED, npledges);
	}
	return r;
}

void
sz_pledge_status_free(sz_pledge_status *st)
{
	if (st == NULL)
		return;
	free(st->tags);
	st->tags = NULL;
	st->ntags = 0;
}

/* --- Reveals ----------------------------------------------------------------------------- */

int
sz_reveal_decode(sz_reveal *rv, const uint8_t *body, size_t len)
{
	sz_rd rd = sz_rd_init(body, len);
	int r;

	memset(rv, 0, sizeof *rv);
	if (sz_rd_u8(&rd) != SZ_DECIDE_VERSION && rd.err == 0)
		return SZ_ERR_UNSUPPORTED;
	sz_rd_copy(&rd, rv->call_id, 32);
	sz_rd_copy(&rd, rv->pk, 32);
	sz_rd_copy(&rd, rv->tag, 32);
	sz_rd_copy(&rd, rv->proof, sizeof rv->proof);
	if ((r = sz_rd_end(&rd)) != SZ_OK)
		memset(rv, 0, sizeof *rv);
	return r;
}

/* 1 if tag is among st's counted tags (sorted). */
static int
counted(const sz_pledge_status *st, const uint8_t tag[32])
{
	return st->ntags > 0 &&
	    sz_decide_roster_find((const uint8_t(*)[32])st->tags, st->ntags, tag) < st->ntags;
}

int
sz_reveal_make(uint8_t out[static SZ_REVEAL_BYTES], const uint8_t cell_id[static 32],
    const sz_pledge_call *c, const sz_pledge_status *st, const sz_vote_key *key,
    const sz_env *env)
{
	uint8_t t[32], tag[32], pk[32];
	int r;

	memset(out, 0, SZ_REVEAL_BYTES);
	if (memcmp(st->call_id, c->id, 32) != 0)
		return SZ_ERR_INVALID;
	/* The refusal that protects early movers: until N have pledged, nobody is shown. */
	if (!st->reached || st->pledgers < c->threshold)
		return SZ_ERR_DENIED;
	if (sz_vote_key_erased(key))
		return SZ_ERR_WIPED;
	sz_vote_key_public(key, pk);
	if (sz_decide_roster_find(c->roster, c->n, pk) == c->n)
		return SZ_ERR_NOT_MEMBER;
	if ((r = sz_pledge_call_scope(t, cell_id, c)) != SZ_OK ||
	    (r = sz_vote_key_tag(tag, key, t)) != SZ_OK)
		return r;
	if (!counted(st, tag))
		return SZ_ERR_NOT_FOUND;
	out[0] = SZ_DECIDE_VERSION;
	memcpy(out + 1, c->id, 32);
	memcpy(out + 33, pk, 32);
	memcpy(out + 65, tag, 32);
	if ((r = sz_lsag_tag_prove(out + 97, key->sk, t, env)) != SZ_OK)
		memset(out, 0, SZ_REVEAL_BYTES);
	return r;
}

int
sz_reveal_check(uint8_t *verdict, uint8_t *pk_out, const uint8_t cell_id[static 32],
    const sz_pledge_call *c, const sz_pledge_status *st, const sz_decide_entry *de)
{
	sz_reveal rv;
	uint8_t t[32];
	int r;

	*verdict = SZ_VERDICT_MALFORMED;
	if (pk_out != NULL)
		memset(pk_out, 0, 32);
	if (memcmp(st->call_id, c->id, 32) != 0)
		return SZ_ERR_INVALID;
	if (de->e.kind != SZ_KIND_REVEAL) {
		*verdict = SZ_VERDICT_WRONG_KIND;
		return SZ_OK;
	}
	if (sz_reveal_decode(&rv, de->e.body, de->e.body_len) != SZ_OK)
		return SZ_OK;
	if (memcmp(rv.call_id, c->id, 32) != 0) {
		*verdict = SZ_VERDICT_OTHER_SUBJECT;
		return SZ_OK;
	}
	if (!st->reached || st->pledgers < c->threshold) {
		*verdict = SZ_VERDICT_PREMATURE;
		return SZ_OK;
	}
	if (sz_decide_roster_find(c->roster, c->n, rv.pk) == c->n) {
		*verdict = SZ_VERDICT_NOT_MEMBER;
		return SZ_OK;
	}
	if (!counted(st, rv.tag)) {
		*verdict = SZ_VERDICT_NOT_PLEDGED;
		return SZ_OK;
	}
	if ((r = sz_pledge_call_scope(t, cell_id, c)) != SZ_OK)
		return r;
	r = sz_decide_crypto_verdict(sz_lsag_tag_verify(rv.proof, rv.pk, t, rv.tag));
	if (r < 0)
		return r;
	*verdict = (uint8_t)r;
	if (r == SZ_VERDICT_OK && pk_out != NULL)
		memcpy(pk_out, rv.pk, 32);
	return SZ_OK;
}
