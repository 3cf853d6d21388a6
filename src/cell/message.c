/*
 * message.c - posts in a cell: sending one under my message chain (taking first the folds I
 * owe, whose window the post then carries, bound into its author key), and receiving one (taking
 * the window it carries, then reading it).  Layer: cell.  docs/PROTOCOL.md §11 (Cells) §4.1, §5.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cell/cell_int.h"
#include "crypto/crypto.h"
#include "crypto/edtweak.h"
#include "wire/entry.h"

static const uint8_t DM_AD_LABEL[] = "samizdat cell window dm v1"; /* NUL included */

/* What the direct messages of a post's window bind: its author key and the window itself. */
static int
window_ad(uint8_t ad[32], const uint8_t apk[32], uint32_t mref, uint32_t g, const cell_fold *L,
    uint8_t nf)
{
	sz_buf b = { 0 };
	sz_buf_append(&b, DM_AD_LABEL, sizeof DM_AD_LABEL);
	sz_buf_append(&b, apk, 32);
	sz_buf_u32(&b, mref);
	sz_buf_u32(&b, g);
	sz_buf_u8(&b, nf);
	sz_cellop_put_folds(&b, L, nf);
	int r = b.err ? b.err : sz_blake2b(ad, 32, b.p, b.len, NULL, 0);
	sz_buf_free(&b);
	return r;
}

int
sz_cell_post(sz_cell *c, uint8_t kind, const uint8_t *body, size_t len,
    const uint8_t (*parents)[32], size_t nparents, uint8_t id[32], sz_cell_result *res)
{
	uint8_t *entry = NULL, eid[32], k[32], t[32], apk[32], ad[32];
	uint8_t nonce[SZ_NONCE_BYTES] = { 0 };
	sz_buf b = { 0 }, dms = { 0 };
	cell_flush *f = NULL;
	uint32_t gen, ctr;
	size_t elen = 0;
	int r;
	b.secret = dms.secret = true;
	if (id != NULL)
		memset(id, 0, 32);
	if (c->status != SZ_CELL_ACTIVE || !c->send.used)
		return SZ_ERR_STATE;
	if (kind == SZ_KIND_CELL_CONTROL || kind == SZ_KIND_CHUNK || !sz_entry_kind_known(kind))
		return SZ_ERR_INVALID;
	/* A newcomer that joined with an unseeded first op heals before its CELL_HEAL_POSTS+1-th
	 * post, or its first after CELL_HEAL_MS (docs/PROTOCOL.md §11 §6.2). */
	if (c->heal_due && (c->heal_posts >= CELL_HEAL_POSTS || sz_now_ms(c->env) >= c->heal_at) &&
	    (r = sz_cellop_mine(c, OP_UPDATE, 0, res)) != SZ_OK)
		return r;
	if ((f = sz_secret_alloc(sizeof *f)) == NULL)
		return SZ_ERR_NOMEM;
	cell_member *me = &c->m[c->me];
	/* First the folds I owe: my chain must have taken every ack before it carries a post. */
	sz_cellf_plan(c, f);
	int fresh = f->nwin > f->first;
	if (f->nwin > 0) {
		if ((r = sz_cellf_tweak(c, c->me, me->done, f->win, f->nwin, t)) != SZ_OK ||
		    (r = sz_edtweak_pk(apk, c->csk_sk + 32, t)) != SZ_OK)
			goto out;
	}
	if (fresh && ((r = window_ad(ad, apk, me->mref, me->done, f->win, f->nwin)) != SZ_OK ||
	    (r = sz_cellf_build(c, f, ad, &dms)) != SZ_OK))
		goto out;
	if (f->nwin > 0)
		r = sz_entry_build_tweaked(&entry, &elen, eid, kind, parents, nparents,
		    sz_now_ms(c->env), body, len, c->csk_sk, t);
	else
		r = sz_entry_build(&entry, &elen, eid, kind, parents, nparents, sz_now_ms(c->env), body,
		    len, c->csk_sk);
	if (r != SZ_OK ||
	    (r = sz_cellk_chain_next(fresh ? &f->send : &c->send, &gen, &ctr, k)) != SZ_OK)
		goto out;
	sz_buf_u8(&b, SEAL_MESSAGE);
	sz_buf_u32(&b, me->mref);
	sz_buf_varint(&b, gen);
	sz_buf_varint(&b, ctr);
	sz_buf_u8(&b, fresh ? f->nwin : 0);
	if (fresh) {
		sz_buf_u32(&b, me->done);
		sz_cellop_put_folds(&b, f->win, f->nwin);
		sz_buf_append(&b, dms.p, dms.len);
	}
	size_t hl = b.len;
	uint8_t *ct = sz_buf_zeros(&b, elen + SZ_AEAD_TAG_BYTES);
	if (ct == NULL) {
		r = b.err ? b.err : SZ_ERR_NOMEM;
		goto out;
	}
	if ((r = sz_aead_encrypt(ct, entry, elen, b.p, hl, nonce, k)) != SZ_OK ||
	    (r = sz_cell_seal_out(c, b.p, b.len, res)) != SZ_OK)
		goto out;
	if (c->heal_due && c->heal_posts < UINT8_MAX)
		c->heal_posts++;
	if (fresh)
		sz_cellf_commit(c, f);
	else if (c->npend > 0) { /* what I owed was dropped (sz_cellf_plan): nothing to take */
		sz_wipe(c->pend, sizeof c->pend);
		c->npend = 0;
	}
	/* My own post, as a MESSAGE event: forward secrecy means I could not open it later, so the
	 * caller files the plaintext entry now (in its encrypted store). */
	sz_cell_event ev;
	sz_entry e;
	memset(&ev, 0, sizeof ev);
	if ((r = sz_entry_decode(&e, NULL, entry, elen, 0)) != SZ_OK)
		goto out;
	ev.type = SZ_CELL_EV_MESSAGE;
	memcpy(ev.actor, me->id, 32);
	memcpy(ev.entry_id, eid, 32);
	ev.kind = kind;
	ev.body_len = e.body_len;
	ev.entry_len = elen;
	ev.entry = entry;
	ev.body = entry + (e.body - entry);
	ev.dec = e;
	if ((r = sz_cell_event_push(res, &ev)) != SZ_OK)
		goto out;
	entry = NULL;
	if (id != NULL)
		memcpy(id, eid, 32);
out:
	sz_wipe(k, sizeof k);
	sz_wipe(t, sizeof t);
	sz_buf_free(&b);
	sz_buf_free(&dms);
	if (f != NULL) {
		sz_cellf_flush_wipe(f);
		sz_secret_free(f);
	}
	if (entry != NULL) {
		sz_wipe(entry, elen);
		free(entry);
	}
	return r;
}

/* A post's header, parsed: sender, chain position, and the window it carries (if any). */
typedef struct msg_head {
	uint32_t mref, gen, ctr, g;
	uint8_t nf;
	cell_fold L[CELL_WINDOW];
	uint16_t ndm;
	cell_dm dm[CELL_WINDOW];
	const uint8_t *ek;
	size_t hl;
} msg_head;

static int
parse_head(msg_head *h, const uint8_t *pt, size_t len)
{
	sz_rd rd = sz_rd_init(pt, len);
	memset(h, 0, sizeof *h);
	(void)sz_rd_u8(&rd);
	h->mref = sz_rd_u32(&rd);
	uint64_t gen = sz_rd_varint(&rd), ctr = sz_rd_varint(&rd);
	h->nf = sz_rd_u8(&rd);
	if (rd.err || gen > UINT32_MAX || ctr > UINT32_MAX || h->nf > CELL_WINDOW)
		return SZ_ERR_MALFORMED;
	h->gen = (uint32_t)gen;
	h->ctr = (uint32_t)ctr;
	if (h->nf > 0) {
		h->g = sz_rd_u32(&rd);
		sz_cellop_get_folds(&rd, h->L, h->nf);
		if (rd.err || sz_cellop_get_dms(&rd, h->L, h->nf, h->dm, CELL_WINDOW, &h->ndm,
		    &h->ek) != SZ_OK)
			return SZ_ERR_MALFORMED;
	}
	h->hl = rd.off;
	if (rd.err || len - h->hl < SZ_AEAD_TAG_BYTES)
		return SZ_ERR_MALFORMED;
	return SZ_OK;
}

int
sz_cell_receive_message(sz_cell *c, const uint8_t *pt, size_t len, sz_cell_result *res,
    const char **why)
{
	uint8_t k[32], nonce[SZ_NONCE_BYTES] = { 0 }, *entry = NULL, t[32], apk[32], ad[32];
	uint8_t want[32], eid[32];
	msg_head *h = NULL;
	cell_member *st = NULL;
	cell_take tk;
	sz_entry e;
	sz_cell_event ev;
	size_t elen = 0;
	int r, fresh = 0;
	memset(&tk, 0, sizeof tk);
	if ((h = malloc(sizeof *h)) == NULL)
		return SZ_ERR_NOMEM;
	if ((r = parse_head(h, pt, len)) != SZ_OK) {
		*why = "message header malformed";
		goto out;
	}
	int s = sz_cellm_by_mref(c, h->mref);
	r = SZ_ERR_AGAIN;
	if (s < 0) {
		*why = "sender unknown yet";
		goto out;
	}
	r = SZ_ERR_REPLAY;
	if (s == c->me) {
		*why = "my own message";
		goto out;
	}
	cell_mset rem;
	sz_cellm_removed(c, &c->processed, &rem);
	r = SZ_ERR_NOT_MEMBER;
	if (mset_has(&rem, (unsigned)s)) {
		*why = "sender removed";
		goto out;
	}
	cell_member *m = &c->m[s];
	/* The window it carries: new folds are taken on a copy of the sender's record, kept only if
	 * the post proves (its author key is csk + t·B, t hashed from the window) that the sender
	 * made them. */
	if (h->nf > 0 && h->g > m->done) {
		*why = "waiting for the sender's earlier ops";
		r = SZ_ERR_AGAIN;
		goto out;
	}
	if (h->nf > 0 && h->g == m->done && h->nf > m->nwin) {
		if ((st = malloc(sizeof *st)) == NULL) {
			r = SZ_ERR_NOMEM;
			goto out;
		}
		*st = *m;
		if ((r = sz_cellf_tweak(c, (uint16_t)s, h->g, h->L, h->nf, t)) != SZ_OK ||
		    (r = sz_edtweak_pk(apk, m->csk[0], t)) != SZ_OK ||
		    (r = window_ad(ad, apk, h->mref, h->g, h->L, h->nf)) != SZ_OK)
			goto out;
		r = sz_cellf_take(c, (uint16_t)s, st, h->L, h->nf, h->dm, h->ndm, h->ek, ad, &tk, why);
		if (r == SZ_ERR_PEER) {
			/* Not reported as the sender's: this header may be anyone's (every member can
			 * derive the chain keys), and no key of ours checks a window that diverged. */
			*why = "a window that contradicts the one the sender announced";
			r = SZ_ERR_MALFORMED;
		}
		if (r != SZ_OK)
			goto out;
		fresh = tk.from < h->nf;
		if (fresh && h->gen != st->steps) { /* the post that takes folds is the first after */
			*why = "a post that carries new acks under another chain";
			r = SZ_ERR_MALFORMED;
			goto out;
		}
	}
	const cell_author *au = NULL;
	if ((r = sz_cellk_msgkey_peek(c, (uint16_t)s, fresh ? st : m, h->gen, h->ctr, k, &au)) !=
	    SZ_OK) {
		*why = r == SZ_ERR_AGAIN ? "waiting for the sender's key update" :
		    "no key for this message (already read, or before I joined)";
		/* I cannot follow the sender through this window, and its add fold came with no
		 * item for me: the genuine copy may carry one (an insider can cut direct messages
		 * out of a header, §4.1), so hold this one rather than refuse. */
		for (uint8_t i = fresh ? tk.from : h->nf; i < h->nf && !st->rk_known; i++)
			if (h->L[i].kind == FOLD_ADD && !tk.has[i]) {
				*why = "waiting for the copy of this post that carries my item";
				r = SZ_ERR_AGAIN;
				break;
			}
		goto out;
	}
	elen = len - h->hl - SZ_AEAD_TAG_BYTES;
	if ((entry = malloc(elen ? elen : 1)) == NULL) {
		r = SZ_ERR_NOMEM;
		goto out;
	}
	if ((r = sz_aead_decrypt(entry, pt + h->hl, len - h->hl, pt, h->hl, nonce, k)) != SZ_OK) {
		*why = "message does not decrypt";
		goto out;
	}
	if ((r = sz_entry_decode(&e, eid, entry, elen, 0)) != SZ_OK) {
		*why = "post entry does not decode or verify";
		goto out;
	}
	/* The author: the key of the sender's chain (its csk, shifted by its window's tweak for the
	 * posts of a window); for the post that takes new folds, that of the new window. */
	if (fresh)
		memcpy(want, apk, 32);
	else if ((r = sz_cellk_author(au, want)) != SZ_OK)
		goto out;
	if (memcmp(e.author, want, 32) != 0) {
		*why = "post not signed by the sender's key for this chain";
		r = SZ_ERR_BAD_SIGNATURE;
		goto out;
	}
	if (e.kind == SZ_KIND_CELL_CONTROL || e.kind == SZ_KIND_CHUNK) {
		*why = "control or chunk entry inside a message";
		r = SZ_ERR_MALFORMED;
		goto out;
	}
	/* Genuine: only now does the state change (the window, then the key is consumed). */
	if (fresh) {
		*m = *st;
		if ((r = sz_cellf_settle(c, (uint16_t)s, &tk, h->L, h->nf, h->dm, h->ndm)) != SZ_OK)
			goto out;
	}
	sz_cellk_author_resolved(c, (uint16_t)s, h->gen, want);
	if ((r = sz_cellk_msgkey(c, (uint16_t)s, h->gen, h->ctr, k)) != SZ_OK)
		goto out;
	memset(&ev, 0, sizeof ev);
	ev.type = SZ_CELL_EV_MESSAGE;
	memcpy(ev.actor, m->id, 32);
	memcpy(ev.entry_id, eid, 32);
	ev.kind = e.kind;
	ev.body_len = e.body_len;
	ev.entry_len = elen;
	ev.entry = entry;
	ev.body = entry + (e.body - entry);
	ev.dec = e;
	if ((r = sz_cell_event_push(res, &ev)) == SZ_OK)
		entry = NULL;
out:
	sz_wipe(k, sizeof k);
	sz_cellf_take_wipe(&tk);
	if (st != NULL) {
		sz_wipe(st, sizeof *st);
		free(st);
	}
	free(h);
	if (entry != NULL) {
		sz_wipe(entry, elen);
		free(entry);
	}
	return r;
}
