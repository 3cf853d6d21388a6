/*
 * fold.c - lazy acks (docs/PROTOCOL.md §11 (Cells) §4.1).  A member that applied a seeded op
 * (update, remove) or an add owes a fold: one step of its own ratchet (DCGKA's ack).  It takes
 * its folds only just before it next posts or signs an op, because its chain serves only its
 * own posts.  The folds taken since its last signed op are its window; the window travels in
 * the header of the post that took them, bound into the key that post is authored by
 * (csk + t·B, t hashed from the window: no extra signature to verify), or in an ACK op that
 * closes it (a full window, a fold that must forward, or before another op).  Layer: cell.
 */
#include <assert.h>
#include <string.h>

#include "cell/cell_int.h"
#include "crypto/crypto.h"
#include "crypto/edtweak.h"

static const uint8_t WINDOW_LABEL[] = "samizdat cell window v1"; /* NUL included */

static int
fold_eq(const cell_fold *a, const cell_fold *b)
{
	return a->kind == b->kind && a->mref == b->mref && a->seq == b->seq;
}

int
sz_cellf_tweak(const sz_cell *c, uint16_t idx, uint32_t g, const cell_fold *w, size_t n,
    uint8_t t[32])
{
	sz_buf b = { 0 };
	int r;
	if (n > CELL_WINDOW)
		return SZ_ERR_INTERNAL;
	sz_buf_append(&b, WINDOW_LABEL, sizeof WINDOW_LABEL);
	sz_buf_append(&b, c->cell_id, 32);
	sz_buf_append(&b, c->m[idx].id, 32);
	sz_buf_append(&b, c->m[idx].csk[0], 32);
	sz_buf_u32(&b, g);
	sz_buf_u8(&b, (uint8_t)n);
	sz_cellop_put_folds(&b, w, n);
	r = b.err ? b.err : sz_edtweak_scalar(t, b.p, b.len);
	sz_buf_free(&b);
	return r;
}

int
sz_cellf_secret(const cell_seeded *x, const uint8_t id[32], uint8_t s[32])
{
	if (x == NULL || !x->has_msr)
		return SZ_ERR_NOT_FOUND;
	return sz_cellk_kdf(s, 32, x->msr, 32, "member secret", id, 32);
}

/* The seeded record a FOLD_ACK names, or NULL. */
static cell_seeded *
fold_record(sz_cell *c, const cell_fold *f)
{
	int a = sz_cellm_by_mref(c, f->mref);
	return a < 0 || f->kind != FOLD_ACK ? NULL : sz_cellop_seeded_find(c, (uint16_t)a, f->seq);
}

/* Once no current member owes x's fold: its epoch is held by all who got it, and its
 * member-secret root is wiped. */
static void
settle_one(sz_cell *c, cell_seeded *x, const cell_mset *mem)
{
	if (!x->used)
		return;
	for (int w = 0; w < CELL_MW; w++)
		if (x->owe.w[w] & mem->w[w])
			return;
	if (x->has_e)
		sz_cell_epoch_acked(c, x->e);
	if (!x->has_msr)
		return;
	sz_wipe(x->msr, sizeof x->msr);
	x->has_msr = 0;
}

void
sz_cellf_settle_all(sz_cell *c)
{
	cell_mset mem;
	sz_cellm_members(c, &c->processed, &mem);
	for (int i = 0; i < CELL_SEEDED; i++)
		settle_one(c, &c->seeded[i], &mem);
}

/* Who must get a forward of my share of x: members of my view that x's author did not know,
 * but those in excl (newcomers that start following me again from an add fold's item later in
 * the same take: they need no share of x, docs/PROTOCOL.md §11 §4.1, Flushing). */
static void
forward_set(const sz_cell *c, const cell_seeded *x, const cell_mset *mem, const cell_mset *excl,
    cell_mset *out)
{
	for (int w = 0; w < CELL_MW; w++)
		out->w[w] = mem->w[w] & ~x->shares.w[w] & ~(excl != NULL ? excl->w[w] : 0);
	out->w[c->me / 64] &= ~(1ull << (c->me % 64));
}

/* The index of the add fold among w[from..n], or -1 (one at most: sz_cellf_added). */
static int
add_fold(const cell_fold *w, int from, int n)
{
	for (int i = from; i < n; i++)
		if (w[i].kind == FOLD_ADD)
			return i;
	return -1;
}

static int
mset_empty(const cell_mset *s)
{
	for (int w = 0; w < CELL_MW; w++)
		if (s->w[w])
			return 0;
	return 1;
}

/* Is my owed fold p still to be taken?  An add-ack whose newcomer is no longer a member (its
 * add was voided) is dropped; an ack whose op record is gone cannot be taken (records I owe are
 * kept: sz_cellop_seeded_new). */
static int
keep(const sz_cell *c, const cell_fold *p)
{
	int a = sz_cellm_by_mref(c, p->mref);
	if (a < 0)
		return 0;
	if (p->kind == FOLD_ADD) {
		int mi = sz_cellm_mop_find(c, (uint16_t)a, p->seq);
		return mi >= 0 && c->mop[mi].type == OP_ADD;
	}
	const cell_seeded *x = sz_cellop_seeded_find((sz_cell *)c, (uint16_t)a, p->seq);
	return x != NULL && x->has_msr && mset_has(&x->owe, c->me);
}

void
sz_cellf_plan(const sz_cell *c, cell_flush *f)
{
	const cell_member *me = &c->m[c->me];
	memset(f, 0, sizeof *f);
	f->me = *me;
	f->send = c->send;
	memcpy(f->win, me->win, sizeof f->win);
	f->nwin = f->first = me->nwin;
	/* room for all: window + owed <= CELL_WINDOW (sz_cellf_queue closes the window first) */
	assert(me->nwin + c->npend <= CELL_WINDOW);
	for (int i = 0; i < c->npend && f->nwin < CELL_WINDOW; i++)
		if (keep(c, &c->pend[i]))
			f->win[f->nwin++] = c->pend[i];
	/* The newcomers that get my ratchet in an item of the add fold: those whose welcome may
	 * not lead to it (sz_cellf_added), and those that lack an op whose fold comes before it
	 * (instead of a forward of my share: they follow me from after that fold). */
	f->ia = add_fold(f->win, f->first, f->nwin);
	if (f->ia < 0)
		return;
	cell_mset mem;
	sz_cellm_members(c, &c->processed, &mem);
	f->resync = c->resync;
	for (int i = f->first; i < f->ia; i++) {
		const cell_seeded *x = fold_record((sz_cell *)c, &f->win[i]);
		cell_mset fw;
		if (x == NULL)
			continue;
		forward_set(c, x, &mem, NULL, &fw);
		for (int w = 0; w < CELL_MW; w++)
			f->resync.w[w] |= fw.w[w] & c->fresh.w[w];
	}
	for (int w = 0; w < CELL_MW; w++)
		f->resync.w[w] &= mem.w[w];
	f->resync.w[c->me / 64] &= ~(1ull << (c->me % 64));
}

int
sz_cellf_post_tweak(const sz_cell *c, uint8_t t[32], int *tweaked)
{
	cell_flush *f = sz_secret_alloc(sizeof *f);
	int r = SZ_OK;
	*tweaked = 0;
	memset(t, 0, 32);
	if (f == NULL)
		return SZ_ERR_NOMEM;
	sz_cellf_plan(c, f);
	if (f->nwin > 0) {
		r = sz_cellf_tweak(c, c->me, c->m[c->me].done, f->win, f->nwin, t);
		*tweaked = r == SZ_OK;
	}
	sz_cellf_flush_wipe(f);
	sz_secret_free(f);
	return r;
}

void
sz_cellf_flush_wipe(cell_flush *f)
{
	sz_wipe(f, sizeof *f);
}

/* The members of my view in mref order (the order direct messages go in). */
static size_t
by_mref(const sz_cell *c, const cell_mset *mem, uint16_t *out)
{
	size_t n = 0;
	for (uint16_t i = 0; i < c->nmembers; i++) {
		if (!mset_has(mem, i) || i == c->me)
			continue;
		size_t j = n++;
		while (j > 0 && c->m[out[j - 1]].mref > c->m[i].mref) {
			out[j] = out[j - 1];
			j--;
		}
		out[j] = i;
	}
	return n;
}

int
sz_cellf_build(sz_cell *c, cell_flush *f, const uint8_t ad[32], sz_buf *b)
{
	uint8_t rkb[CELL_WINDOW][32], sec[CELL_WINDOW][32], stb[CELL_WINDOW][4];
	uint8_t esk[32], epk[32], pt[CELL_WINDOW * 64];
	uint16_t order[CELL_MAX_MEMBERS];
	cell_seeded *xs[CELL_WINDOW] = { 0 };
	cell_mset mem;
	int r = SZ_OK;
	const cell_member *me = &c->m[c->me];
	sz_cellm_members(c, &c->processed, &mem);
	/* Apply each fold to the staged copies, noting what its items need. */
	for (int i = f->first; i < f->nwin && r == SZ_OK; i++) {
		const cell_fold *p = &f->win[i];
		uint16_t a = (uint16_t)sz_cellm_by_mref(c, p->mref);
		memcpy(rkb[i], f->me.rk, 32);
		sz_store_u32(stb[i], f->me.steps);
		if (p->kind == FOLD_ADD) {
			r = sz_cellk_step(&f->me, &f->send, (const uint8_t *)"add", 3, me->csk[0], NULL);
		} else {
			xs[i] = sz_cellop_seeded_find(c, a, p->seq);
			forward_set(c, xs[i], &mem, i < f->ia ? &f->resync : NULL, &f->fw[i]);
			if ((r = sz_cellf_secret(xs[i], me->id, sec[i])) == SZ_OK)
				r = sz_cellk_step(&f->me, &f->send, sec[i], 32, me->csk[0], NULL);
		}
	}
	memcpy(f->me.win, f->win, sizeof f->win);
	f->me.nwin = f->nwin;
	if (r != SZ_OK)
		goto out;
	/* One direct message per member that gets items, in mref order. */
	size_t nm = by_mref(c, &mem, order), ndm = 0;
	uint8_t has[CELL_MAX_MEMBERS];
	memset(has, 0, sizeof has);
	for (size_t k = 0; k < nm; k++) {
		for (int i = f->first; i < f->nwin; i++)
			if ((f->win[i].kind == FOLD_ADD && mset_has(&f->resync, order[k])) ||
			    (f->win[i].kind == FOLD_ACK && mset_has(&f->fw[i], order[k])))
				has[k] = 1;
		ndm += has[k];
	}
	sz_buf_u16(b, (uint16_t)ndm);
	if (ndm == 0)
		goto out;
	if ((r = sz_cellk_dh_keypair(c, epk, esk)) != SZ_OK)
		goto out;
	sz_buf_append(b, epk, 32);
	for (size_t k = 0; k < nm && r == SZ_OK; k++) {
		if (!has[k])
			continue;
		uint16_t to = order[k];
		uint8_t idx[CELL_WINDOW], n = 0;
		size_t ptlen = 0;
		for (int i = f->first; i < f->nwin; i++) {
			if (f->win[i].kind == FOLD_ADD && mset_has(&f->resync, to)) {
				memcpy(pt + ptlen, rkb[i], 32);
				memcpy(pt + ptlen + 32, stb[i], 4);
			} else if (f->win[i].kind == FOLD_ACK && mset_has(&f->fw[i], to)) {
				memcpy(pt + ptlen, sec[i], 32);
				memcpy(pt + ptlen + 32, xs[i]->e, 32);
			} else {
				continue;
			}
			ptlen += sz_cellop_item_len(f->win[i].kind);
			idx[n++] = (uint8_t)i;
		}
		sz_buf_u32(b, c->m[to].mref);
		uint8_t *hdr = sz_buf_zeros(b, 6);
		sz_buf_u8(b, n);
		sz_buf_append(b, idx, n);
		uint8_t *ct = hdr ? sz_buf_zeros(b, ptlen + SZ_AEAD_TAG_BYTES) : NULL;
		if (ct == NULL) {
			r = b->err ? b->err : SZ_ERR_NOMEM;
			break;
		}
		hdr = ct - 1 - n - 6; /* the buffer may have moved */
		uint16_t tidx;
		uint32_t ctr;
		if ((r = sz_cellk_dm_seal(c, to, esk, ad, 32, pt, ptlen, &tidx, &ctr, ct)) != SZ_OK)
			break;
		sz_store_u16(hdr, tidx);
		sz_store_u32(hdr + 2, ctr);
	}
out:
	sz_wipe(rkb, sizeof rkb);
	sz_wipe(sec, sizeof sec);
	sz_wipe(esk, sizeof esk);
	sz_wipe(pt, sizeof pt);
	return r != SZ_OK ? r : b->err;
}

int
sz_cellf_has_items(const sz_cell *c, const cell_flush *f)
{
	cell_mset mem;
	sz_cellm_members(c, &c->processed, &mem);
	if (f->ia >= 0 && !mset_empty(&f->resync))
		return 1;
	for (int i = f->first; i < f->nwin; i++) {
		const cell_seeded *x = fold_record((sz_cell *)c, &f->win[i]);
		cell_mset fw;
		if (x != NULL) {
			forward_set(c, x, &mem, i < f->ia ? &f->resync : NULL, &fw);
			if (!mset_empty(&fw))
				return 1;
		}
	}
	return 0;
}

void
sz_cellf_commit(sz_cell *c, cell_flush *f)
{
	cell_mset mem;
	c->m[c->me] = f->me;
	c->send = f->send;
	sz_cellm_members(c, &c->processed, &mem);
	for (int i = f->first; i < f->nwin; i++) {
		cell_seeded *x = fold_record(c, &f->win[i]);
		if (x == NULL)
			continue;
		x->owe.w[c->me / 64] &= ~(1ull << (c->me % 64));
		if (!mset_empty(&f->fw[i])) { /* the forwarded members now hold the epoch */
			for (int w = 0; w < CELL_MW; w++)
				x->holders.w[w] |= f->fw[i].w[w];
			if (x->has_e)
				sz_cell_epoch_share(c, x->e, &f->fw[i]);
		}
		settle_one(c, x, &mem);
	}
	sz_wipe(c->pend, sizeof c->pend);
	c->npend = 0;
	if (f->ia >= 0) { /* the newcomers follow me from here on */
		memset(&c->fresh, 0, sizeof c->fresh);
		memset(&c->resync, 0, sizeof c->resync);
	}
}

int
sz_cellf_queue(sz_cell *c, uint8_t kind, uint16_t author, uint32_t seq, sz_cell_result *res)
{
	int r;
	/* sz_cellf_maybe_flush, run after every op I apply, keeps room for one more; should it have
	 * failed, the window closes here first: an owed fold is never dropped. */
	if (c->m[c->me].nwin + c->npend >= CELL_WINDOW &&
	    (r = sz_cellop_mine(c, OP_ACK, 0, res)) != SZ_OK)
		return r;
	if (c->npend >= CELL_WINDOW)
		return SZ_ERR_INTERNAL;
	c->pend[c->npend].kind = kind;
	c->pend[c->npend].mref = c->m[author].mref;
	c->pend[c->npend++].seq = seq;
	return SZ_OK;
}

/* Is e one of the epochs I keep (so an add of mine lists it, and others' adds list it if their
 * authors keep it too)? */
static int
epoch_kept(const sz_cell *c, const uint8_t e[32])
{
	for (int i = 0; i < CELL_EPOCHS; i++)
		if (c->ep[i].used && sodium_memcmp(c->ep[i].e, e, 32) == 0)
			return 1;
	return 0;
}

void
sz_cellf_mark_holders(sz_cell *c, uint16_t t, const uint8_t *wep, uint8_t nwep)
{
	for (int i = 0; i < CELL_EPOCHS; i++) {
		cell_epoch *ep = &c->ep[i];
		int listed = wep == NULL;
		for (int j = 0; ep->used && !listed && j < nwep; j++)
			listed = memcmp(ep->scope, wep + 8 * j, 8) == 0;
		if (!ep->used || !listed)
			continue;
		mset_add(&ep->holders, t);
		for (int k = 0; k < CELL_SEEDED; k++)
			if (c->seeded[k].used && c->seeded[k].has_e &&
			    sodium_memcmp(c->seeded[k].e, ep->e, 32) == 0) {
				mset_add(&c->seeded[k].holders, t);
				mset_add(&c->seeded[k].shares, t);
			}
	}
}

int
sz_cellf_added(sz_cell *c, uint16_t author, uint32_t seq, uint16_t t, sz_cell_result *res)
{
	/* Steps of mine whose input t may lack: my folds (and my own seeded ops) of ops its
	 * adder did not list (it did not know them, so its view of my ratchet may stop before
	 * them and t got no root).  Only recent ones matter: an op whose root every member let go
	 * and whose epoch is gone was folded by all, its adder included, long ago. */
	for (int k = 0; k < CELL_SEEDED; k++) {
		const cell_seeded *x = &c->seeded[k];
		if (x->used && mset_has(&x->shares, c->me) && !mset_has(&x->owe, c->me) &&
		    !mset_has(&x->shares, t) && (x->has_msr || (x->has_e && epoch_kept(c, x->e))))
			mset_add(&c->resync, t);
	}
	mset_add(&c->fresh, t);
	/* One add fold owed at most, after every other: it names the last add I applied. */
	for (int i = 0; i < c->npend; i++)
		if (c->pend[i].kind == FOLD_ADD) {
			memmove(c->pend + i, c->pend + i + 1, (size_t)(c->npend - i - 1) * sizeof *c->pend);
			c->npend--;
			break;
		}
	return sz_cellf_queue(c, FOLD_ADD, author, seq, res);
}

int
sz_cellf_maybe_flush(sz_cell *c, sz_cell_result *res)
{
	cell_mset mem;
	if (c->status != SZ_CELL_ACTIVE || !c->send.used)
		return SZ_OK;
	sz_cellm_members(c, &c->processed, &mem);
	if (!mset_has(&mem, c->me))
		return SZ_OK;
	/* Full: the window is bounded (what others keep for it, what a post header carries), and
	 * one more owed fold would not fit.  A fold that must forward goes now: the members added
	 * concurrently need the epoch and my share (DCGKA's forward) whether or not I post.  So
	 * does the ack of a removal: everyone's prompt acks make the new clean epoch one every
	 * member is known to hold (the seal of anonymous entries, §2.2); and a vouch (§7.2). */
	int due = c->vouch_due || c->m[c->me].nwin + c->npend >= CELL_WINDOW;
	for (int i = 0; i < c->npend && !due; i++) {
		cell_seeded *x = fold_record(c, &c->pend[i]);
		cell_mset fw;
		if (x == NULL || !keep(c, &c->pend[i]))
			continue;
		int mi = sz_cellm_mop_find(c, x->author, x->seq);
		forward_set(c, x, &mem, add_fold(c->pend, i + 1, c->npend) >= 0 ? &c->fresh : NULL,
		    &fw);
		due = !mset_empty(&fw) || (mi >= 0 && c->mop[mi].type == OP_REMOVE);
	}
	int r = due ? sz_cellop_mine(c, OP_ACK, 0, res) : SZ_OK;
	/* A member that lacks an epoch I hold (added while an op it did not get was under way)
	 * gets it now, in a message of its own: it may be unable to open ops sealed under it. */
	if (r == SZ_OK)
		r = sz_cellf_send_epochs(c, res);
	return r;
}

void
sz_cellf_take_wipe(cell_take *tk)
{
	sz_wipe(tk, sizeof *tk);
}

/* Forget b's ratchet in the staged record (a secret I needed is gone): its chain is lost to me
 * until nothing; the step count goes on. */
static void
lose(cell_member *st)
{
	sz_wipe(st->rk, sizeof st->rk);
	st->rk_known = 0;
	sz_wipe(st->ch, sizeof st->ch);
}

int
sz_cellf_take(sz_cell *c, uint16_t b, cell_member *st, const cell_fold *L, uint8_t nf,
    const cell_dm *dm, uint16_t ndm, const uint8_t *ek, const uint8_t ad[32], cell_take *tk,
    const char **why)
{
	uint8_t pt[CELL_WINDOW * 64], s[32] = { 0 }, t[32];
	int r = SZ_OK, iz = -1;
	uint8_t nw = st->nwin;
	memset(tk, 0, sizeof *tk);
	tk->from = nf;
	if (nf > CELL_WINDOW)
		return SZ_ERR_MALFORMED;
	/* What I applied of b's window must be a prefix of this one, or this one of it (a post
	 * made earlier in the window, arriving late). */
	for (uint8_t i = 0; i < nw && i < nf; i++)
		if (!fold_eq(&L[i], &st->win[i])) {
			*why = "a window that contradicts one this member announced before";
			return SZ_ERR_PEER;
		}
	if (nf <= nw)
		return SZ_OK;
	/* My direct message: add-fold and forward items, in window order. */
	const cell_dm *md = NULL;
	for (uint16_t i = 0; i < ndm; i++)
		if (dm[i].mref == c->m[c->me].mref)
			md = &dm[i];
	if (md != NULL) {
		if ((r = sz_cellk_dm_open(c, st, ek, ad, 32, md, pt)) != SZ_OK) {
			*why = r == SZ_ERR_AGAIN ? "waiting for an earlier direct message from the member" :
			    "a direct message in the window does not open";
			goto out;
		}
		tk->mine = 1;
		size_t off = 0;
		for (int j = 0; j < md->nitem; j++) {
			uint8_t i = md->item[j];
			size_t n = sz_cellop_item_len(L[i].kind);
			if (i >= nw) {
				tk->has[i] = 1;
				memcpy(tk->item[i], pt + off, n);
			}
			off += n;
		}
	}
	/* b's ratchet in an add fold's item for me (b had taken steps my welcome may not lead
	 * to): I start following b again there, and the folds before it (of ops I may never
	 * apply) are not my business. */
	for (uint8_t i = nw; i < nf; i++)
		if (L[i].kind == FOLD_ADD && tk->has[i])
			iz = i;
	/* The others: every op they name applied here, each folded once, by one who owed it. */
	for (uint8_t i = iz >= (int)nw ? (uint8_t)(iz + 1) : nw; i < nf; i++) {
		int a = sz_cellm_by_mref(c, L[i].mref);
		if (a < 0 || c->m[a].done < L[i].seq) {
			*why = "waiting for an op the member acknowledges";
			r = SZ_ERR_AGAIN;
			goto out;
		}
		for (uint8_t j = nw; j < i; j++)
			if (fold_eq(&L[i], &L[j])) {
				*why = "a window that acknowledges one op twice";
				r = SZ_ERR_MALFORMED;
				goto out;
			}
		if (L[i].kind == FOLD_ADD) {
			int mi = sz_cellm_mop_find(c, (uint16_t)a, L[i].seq);
			if (mi < 0 || c->mop[mi].type != OP_ADD || c->mop[mi].target == b) {
				*why = "an add fold that names an op that is not an add";
				r = SZ_ERR_MALFORMED;
				goto out;
			}
		}
		const cell_seeded *x = fold_record(c, &L[i]);
		if (x != NULL && !mset_has(&x->owe, b)) {
			*why = "an ack of an op the member did not get, or acknowledged already";
			r = SZ_ERR_MALFORMED;
			goto out;
		}
	}
	/* Apply.  A newcomer follows b from the state its welcome gave (docs/PROTOCOL.md §11 §6.2)
	 * and starts again from its add-ack item, where one comes. */
	uint32_t g = st->done;
	for (uint8_t i = nw; i < nf && r == SZ_OK; i++) {
		if ((r = sz_cellf_tweak(c, b, g, L, (size_t)i + 1, t)) != SZ_OK)
			break;
		if ((int)i == iz) {
			/* Where the welcome's view of b led me, the add-ack item must agree (both
			 * paths, counted for the tests: docs/joins.md §6). */
			if (st->rk_known && st->steps == sz_load_u32(tk->item[i] + 32) &&
			    sodium_memcmp(st->rk, tk->item[i], 32) == 0)
				tk->follow = 1;
			else
				tk->follow = -1;
			memcpy(st->rk, tk->item[i], 32);
			st->steps = sz_load_u32(tk->item[i] + 32);
			st->rk_known = 1;
			r = sz_cellk_step(st, NULL, (const uint8_t *)"add", 3, st->csk[0], t);
		} else if (L[i].kind == FOLD_ADD) {
			r = sz_cellk_step(st, NULL, (const uint8_t *)"add", 3, st->csk[0], t);
		} else {
			if (tk->has[i])
				memcpy(s, tk->item[i], 32); /* a forward: its share, from itself */
			else if (sz_cellf_secret(fold_record(c, &L[i]), st->id, s) != SZ_OK)
				lose(st); /* the op's record is gone (or I never had its seed) */
			r = sz_cellk_step(st, NULL, s, 32, st->csk[0], t);
		}
	}
	memcpy(st->win, L, (size_t)nf * sizeof *L);
	st->nwin = nf;
	tk->from = nw;
out:
	sz_wipe(pt, sizeof pt);
	sz_wipe(s, sizeof s);
	return r;
}

int
sz_cellf_settle(sz_cell *c, uint16_t b, const cell_take *tk, const cell_fold *L, uint8_t nf,
    const cell_dm *dm, uint16_t ndm)
{
	cell_mset mem, two;
	int r = SZ_OK;
	sz_cellm_members(c, &c->processed, &mem);
	c->follow_agree += tk->follow > 0;
	c->follow_differ += tk->follow < 0;
	/* An epoch forwarded to me with no record of its op: held by me and the sender, for all I
	 * know (an under-estimate only costs a message more; an over-estimate could leave someone
	 * without it). */
	memset(&two, 0, sizeof two);
	mset_add(&two, c->me);
	mset_add(&two, b);
	for (uint8_t i = tk->from; i < nf && r == SZ_OK; i++) {
		cell_seeded *x = fold_record(c, &L[i]);
		if (L[i].kind != FOLD_ACK)
			continue;
		/* An epoch forwarded to me (I was added while its op was under way). */
		if (tk->has[i] && (r = sz_cell_epoch_learn(c, tk->item[i] + 32,
		    x != NULL ? &x->holders : &two)) != SZ_OK)
			break;
		cell_mset fw;
		memset(&fw, 0, sizeof fw);
		for (uint16_t k = 0; k < ndm; k++)
			for (int j = 0; j < dm[k].nitem; j++)
				if (dm[k].item[j] == i) {
					int to = sz_cellm_by_mref(c, dm[k].mref);
					if (to >= 0)
						mset_add(&fw, (unsigned)to);
				}
		if (x != NULL) {
			x->owe.w[b / 64] &= ~(1ull << (b % 64));
			for (int w = 0; w < CELL_MW; w++)
				x->holders.w[w] |= fw.w[w];
		}
		if (!mset_empty(&fw) && x != NULL && x->has_e)
			sz_cell_epoch_share(c, x->e, &fw);
		else if (!mset_empty(&fw) && tk->has[i])
			sz_cell_epoch_share(c, tk->item[i] + 32, &fw);
		if (x != NULL)
			settle_one(c, x, &mem);
	}
	return r;
}
