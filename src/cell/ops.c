/*
 * ops.c - control ops of a cell: their byte codec (body version 4: the windows ops close, fold
 * direct messages, the add a newcomer's first op joined from) and making my own (create, add, update, remove, ACK closing my window with
 * its add-acks and forwards, leave).  Layer: cell.  Others' ops: process.c; folds: fold.c.
 * docs/PROTOCOL.md §11 (Cells) §6 gives every byte; §7 the rules applied here.
 */
#include <stdlib.h>
#include <string.h>

#include "cell/cell_int.h"
#include "crypto/crypto.h"
#include "wire/entry.h"

#define BODY_VERSION 4
#define SEED_CT_LEN (32 + SZ_AEAD_TAG_BYTES)

int
sz_cellop_is_seeded(uint8_t t)
{
	return t == OP_CREATE || t == OP_UPDATE || t == OP_REMOVE;
}

size_t
sz_cellop_item_len(uint8_t kind)
{
	return kind == FOLD_ADD ? 32 + 4 : 32 + 32; /* ratchet || u32 steps; secret || epoch */
}

void
sz_cellop_put_folds(sz_buf *b, const cell_fold *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		sz_buf_u8(b, w[i].kind);
		sz_buf_u32(b, w[i].mref);
		sz_buf_u32(b, w[i].seq);
	}
}

void
sz_cellop_get_folds(sz_rd *r, cell_fold *w, size_t n)
{
	for (size_t i = 0; i < n && r->err == 0; i++) {
		w[i].kind = sz_rd_u8(r);
		w[i].mref = sz_rd_u32(r);
		w[i].seq = sz_rd_u32(r);
		if (r->err == 0 && ((w[i].kind != FOLD_ACK && w[i].kind != FOLD_ADD) || w[i].seq == 0))
			sz_rd_fail(r, SZ_ERR_MALFORMED);
	}
}

int
sz_cellop_get_dms(sz_rd *r, const cell_fold *L, uint8_t nf, cell_dm *dm, uint16_t max,
    uint16_t *ndm, const uint8_t **ek)
{
	*ndm = 0;
	*ek = NULL;
	unsigned n = sz_rd_u16(r);
	if (r->err)
		return r->err;
	if (n > max)
		return SZ_ERR_TOO_LARGE;
	if (n > 0)
		*ek = sz_rd_bytes(r, 32);
	for (unsigned i = 0; i < n && r->err == 0; i++) {
		cell_dm *d = &dm[i];
		memset(d, 0, sizeof *d);
		d->mref = sz_rd_u32(r);
		d->tidx = sz_rd_u16(r);
		d->ctr = sz_rd_u32(r);
		d->nitem = sz_rd_u8(r);
		if (r->err)
			break;
		if (i > 0 && d->mref <= dm[i - 1].mref)
			return SZ_ERR_NONCANONICAL;
		if (d->nitem == 0 || d->nitem > nf)
			return SZ_ERR_MALFORMED;
		size_t ctlen = SZ_AEAD_TAG_BYTES;
		for (int j = 0; j < d->nitem && r->err == 0; j++) {
			d->item[j] = sz_rd_u8(r);
			if (r->err == 0 && (d->item[j] >= nf || (j > 0 && d->item[j] <= d->item[j - 1])))
				return SZ_ERR_MALFORMED;
			if (r->err == 0)
				ctlen += sz_cellop_item_len(L[d->item[j]].kind);
		}
		d->ctlen = ctlen;
		d->ct = sz_rd_bytes(r, ctlen);
	}
	*ndm = (uint16_t)n;
	return r->err;
}

int
sz_cellop_decode(cell_op *op, const uint8_t *body, size_t len)
{
	sz_rd r = sz_rd_init(body, len);
	int rc;
	memset(op, 0, sizeof *op);
	if (sz_rd_u8(&r) != BODY_VERSION && r.err == 0)
		return SZ_ERR_UNSUPPORTED;
	op->type = sz_rd_u8(&r);
	if (r.err == 0 && (op->type < OP_CREATE || op->type > OP_LEAVE || op->type == OP_ADDACK))
		return SZ_ERR_UNSUPPORTED; /* add-acks are folds since body version 2 */
	op->mref = sz_rd_u32(&r);
	op->seq = sz_rd_u32(&r);
	if (r.err == 0 && op->seq == 0)
		return SZ_ERR_MALFORMED;
	op->prev = sz_rd_bytes(&r, 8);
	op->nheads = sz_rd_u8(&r);
	if (op->nheads > CELL_MAX_HEADS)
		return SZ_ERR_TOO_LARGE;
	for (int i = 0; i < op->nheads; i++) {
		op->head_mref[i] = sz_rd_u32(&r);
		op->head_seq[i] = sz_rd_u32(&r);
		op->head_id[i] = sz_rd_bytes(&r, 8);
		if (r.err == 0 && op->head_seq[i] == 0)
			return SZ_ERR_MALFORMED;
	}
	op->nvouch = sz_rd_u8(&r);
	if (op->nvouch > CELL_MAX_VOUCH)
		return SZ_ERR_TOO_LARGE;
	for (int i = 0; i < op->nvouch; i++) {
		op->vouch_mref[i] = sz_rd_u32(&r);
		op->vouch_seq[i] = sz_rd_u32(&r);
		op->vouch_id[i] = sz_rd_bytes(&r, 8);
		if (r.err == 0 && op->vouch_seq[i] == 0)
			return SZ_ERR_MALFORMED;
	}
	if (op->type == OP_CREATE && op->nvouch > 0)
		return SZ_ERR_MALFORMED;
	if (op->type != OP_CREATE && op->seq == 1) { /* a newcomer's first op: the add it took */
		op->jf_mref = sz_rd_u32(&r);
		op->jf_seq = sz_rd_u32(&r);
		op->jf_id = sz_rd_bytes(&r, 8);
		if (r.err == 0 && op->jf_seq == 0)
			return SZ_ERR_MALFORMED;
	}
	if (op->type != OP_CREATE && op->type != OP_LEAVE) { /* the window the op closes */
		op->nf = sz_rd_u8(&r);
		if (r.err == 0 && op->nf > CELL_WINDOW)
			return SZ_ERR_MALFORMED;
		sz_cellop_get_folds(&r, op->fold, op->nf);
	}
	switch (op->type) {
	case OP_CREATE:
		op->cell_id = sz_rd_bytes(&r, 32);
		op->prekey = sz_rd_bytes(&r, 32);
		break;
	case OP_ADD:
		op->target = sz_rd_bytes(&r, 32);
		op->prekey = sz_rd_bytes(&r, 32);
		op->target_csk = sz_rd_bytes(&r, 32);
		op->nwep = sz_rd_u8(&r);
		if (r.err == 0 && (op->nwep == 0 || op->nwep > CELL_EPOCHS))
			return SZ_ERR_MALFORMED;
		op->wep = sz_rd_bytes(&r, (size_t)op->nwep * 8);
		break;
	case OP_REMOVE:
		op->target = sz_rd_bytes(&r, 32);
		op->target_seq = sz_rd_u32(&r);
		break;
	default:
		break;
	}
	if (sz_cellop_is_seeded(op->type)) {
		op->csk_new = sz_rd_bytes(&r, 32);
		op->dh_new = sz_rd_bytes(&r, 34);
	}
	op->prefix_len = r.err ? 0 : r.off;
	if (op->type == OP_ACK) {
		sz_rd peek = r; /* the count, to size the table (up to 98 KiB: never on the stack) */
		unsigned n = sz_rd_u16(&peek);
		if (peek.err == 0 && n > 0 && n <= CELL_MAX_MEMBERS &&
		    (op->dm = calloc(n, sizeof *op->dm)) == NULL)
			return SZ_ERR_NOMEM;
		if ((rc = sz_cellop_get_dms(&r, op->fold, op->nf, op->dm, op->dm != NULL ?
		    (uint16_t)n : 0, &op->ndm, &op->ek)) != SZ_OK)
			return rc;
		/* an ACK closes a window, or vouches, or is a newcomer's first op ("joined") */
		if (op->nf == 0 && op->nvouch == 0 && op->seq != 1)
			return SZ_ERR_MALFORMED;
	} else if (op->type == OP_UPDATE || op->type == OP_REMOVE) {
		op->ndm = sz_rd_u16(&r);
		if (op->ndm > CELL_MAX_MEMBERS)
			return SZ_ERR_TOO_LARGE;
		if (op->ndm > 0 && r.err == 0 && (op->dm = calloc(op->ndm, sizeof *op->dm)) == NULL)
			return SZ_ERR_NOMEM;
		if (op->ndm > 0)
			op->ek = sz_rd_bytes(&r, 32);
		for (int i = 0; i < op->ndm && r.err == 0; i++) {
			cell_dm *d = &op->dm[i];
			d->mref = sz_rd_u32(&r);
			d->tidx = sz_rd_u16(&r);
			d->ctr = sz_rd_u32(&r);
			d->ctlen = SEED_CT_LEN;
			d->ct = sz_rd_bytes(&r, d->ctlen);
			if (i > 0 && r.err == 0 && d->mref <= op->dm[i - 1].mref)
				return SZ_ERR_NONCANONICAL;
		}
	}
	return sz_rd_end(&r);
}

void
sz_cellop_free(cell_op *op)
{
	free(op->dm);
	op->dm = NULL;
	op->ndm = 0;
}

/* The hash every direct message binds: H(signing csk || broadcast part of the body). */
int
sz_cellop_bind_hash(uint8_t h[32], const uint8_t csk[32], const uint8_t *body, size_t prefix_len)
{
	crypto_generichash_state st;
	if (crypto_generichash_init(&st, NULL, 0, 32) != 0 ||
	    crypto_generichash_update(&st, csk, 32) != 0 ||
	    crypto_generichash_update(&st, body, prefix_len) != 0 ||
	    crypto_generichash_final(&st, h, 32) != 0)
		return SZ_ERR_INTERNAL;
	return SZ_OK;
}

/* Members of view v except author and skip (or -1), sorted by mref (the dm order). */
size_t
sz_cellop_recipients(const sz_cell *c, const cell_oset *v, uint16_t author, int skip, uint16_t *out)
{
	cell_mset mem;
	size_t n = 0;
	sz_cellm_members(c, v, &mem);
	for (uint16_t i = 0; i < c->nmembers; i++) {
		if (!mset_has(&mem, i) || i == author || (int)i == skip)
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

cell_seeded *
sz_cellop_seeded_find(sz_cell *c, uint16_t author, uint32_t seq)
{
	for (int i = 0; i < CELL_SEEDED; i++)
		if (c->seeded[i].used && c->seeded[i].author == author && c->seeded[i].seq == seq)
			return &c->seeded[i];
	return NULL;
}

/* A fresh record.  When all are in use, the oldest goes whose secrets nobody needs any more;
 * failing that the oldest I do not owe a fold of (my owed folds must stay derivable), so a
 * member away for a long time loses its chain (in my view) only after CELL_SEEDED later ops. */
cell_seeded *
sz_cellop_seeded_new(sz_cell *c)
{
	cell_seeded *s = NULL, *settled = NULL, *any = NULL;
	for (int i = 0; i < CELL_SEEDED && s == NULL; i++) {
		cell_seeded *x = &c->seeded[i];
		if (!x->used) {
			s = x;
		} else if (!x->has_msr) {
			if (settled == NULL || x->order < settled->order)
				settled = x;
		} else if (!mset_has(&x->owe, c->me) && (any == NULL || x->order < any->order)) {
			any = x;
		}
	}
	if (s == NULL)
		s = settled != NULL ? settled : any != NULL ? any : &c->seeded[0];
	sz_wipe(s, sizeof *s);
	s->used = 1;
	s->order = ++c->counter;
	return s;
}

int
sz_cellop_absorb_seed(sz_cell *c, uint16_t author, const uint8_t seed[32], cell_seeded *rec,
    uint8_t s_author[32])
{
	int r;
	if ((r = sz_cellk_kdf(rec->msr, 32, seed, 32, "member secrets", NULL, 0)) != SZ_OK ||
	    (r = sz_cellk_kdf(rec->e, 32, seed, 32, "epoch", NULL, 0)) != SZ_OK)
		return r;
	rec->has_msr = 1;
	rec->has_e = 1;
	if ((r = sz_cellf_secret(rec, c->m[author].id, s_author)) != SZ_OK)
		return r;
	int owed = 0; /* the caller set who owes it: if nobody does (a create), the root goes now */
	for (int w = 0; w < CELL_MW; w++)
		owed |= rec->owe.w[w] != 0;
	if (!owed) {
		sz_wipe(rec->msr, sizeof rec->msr);
		rec->has_msr = 0;
	}
	int r2 = sz_cell_epoch_learn(c, rec->e, &rec->holders);
	if (r2 == SZ_OK && !owed)
		sz_cell_epoch_acked(c, rec->e);
	return r2;
}

/* version, type, my mref, seq, and prev: my op seq - 1 (zeros for my first), which links my
 * ops into one chain: a fork of it (a saved copy of my state in use) is seen at once. */
static void
write_head(sz_buf *b, sz_cell *c, uint8_t type, uint32_t seq)
{
	static const uint8_t none[8];
	const cell_member *me = &c->m[c->me];
	sz_buf_u8(b, BODY_VERSION);
	sz_buf_u8(b, type);
	sz_buf_u32(b, me->mref);
	sz_buf_u32(b, seq);
	sz_buf_append(b, seq > 1 ? me->oprec[(seq - 1) % CELL_OPREC] : none, 8);
}

/* A newcomer's first op names the add it joined from (mine: jadd[0], set when I joined from
 * its welcome), so that every member takes the key and ratchet of that add (§6.2). */
static int
write_joined(sz_buf *b, const sz_cell *c, uint8_t type, uint32_t seq)
{
	const cell_member *me = &c->m[c->me];
	if (type == OP_CREATE || seq != 1)
		return SZ_OK;
	if (me->jadd[0] == 0 || me->jadd[0] > c->nmops)
		return SZ_ERR_INTERNAL;
	const cell_mop *o = &c->mop[me->jadd[0] - 1];
	sz_buf_u32(b, c->m[o->author].mref);
	sz_buf_u32(b, o->seq);
	sz_buf_append(b, o->id, 8);
	return SZ_OK;
}

/* My heads (or the heads given: a farewell names the view it had before my removal), then
 * what I vouch for: the last op I applied of each member removed in my view that the removals
 * I applied had not seen (docs/PROTOCOL.md §11 (Cells) §7.2), and extra (a farewell's removal). */
static void
write_heads(sz_buf *b, sz_cell *c, const uint16_t *heads_in, size_t nh_in, const cell_mop *extra)
{
	uint16_t heads[CELL_MAX_HEADS];
	size_t nh = heads_in != NULL ? nh_in : sz_cellm_heads(c, heads, CELL_MAX_HEADS);
	if (heads_in != NULL)
		memcpy(heads, heads_in, nh * sizeof *heads);
	sz_buf_u8(b, (uint8_t)nh);
	for (size_t i = 0; i < nh; i++) {
		sz_buf_u32(b, c->m[c->mop[heads[i]].author].mref);
		sz_buf_u32(b, c->mop[heads[i]].seq);
		sz_buf_append(b, c->mop[heads[i]].id, 8);
	}
	cell_mset mem;
	uint32_t vm[CELL_MAX_VOUCH], vs[CELL_MAX_VOUCH];
	const uint8_t *vi[CELL_MAX_VOUCH];
	size_t nv = 0;
	sz_cellm_members(c, &c->processed, &mem);
	if (extra != NULL) {
		vm[nv] = c->m[extra->author].mref;
		vs[nv] = extra->seq;
		vi[nv++] = extra->id;
	}
	for (int i = 0; i < c->nmembers && nv < CELL_MAX_VOUCH; i++)
		if (i != c->me && !mset_has(&mem, (unsigned)i) && c->m[i].vouch > c->m[i].tmax) {
			vm[nv] = c->m[i].mref;
			vs[nv] = c->m[i].vouch;
			vi[nv++] = c->m[i].vouch_id;
		}
	sz_buf_u8(b, (uint8_t)nv);
	for (size_t i = 0; i < nv; i++) {
		sz_buf_u32(b, vm[i]);
		sz_buf_u32(b, vs[i]);
		sz_buf_append(b, vi[i], 8);
	}
}

/* Put a new published 2SM key pair of mine into the ring (the prekey in slot 0 stays). */
static int
dh_rotate(sz_cell *c, uint8_t pk[32])
{
	int slot = 1;
	for (int i = 1; i < CELL_DH_RING; i++) {
		if (!c->dh_used[i]) {
			slot = i;
			break;
		}
		if (c->dh_idx[i] < c->dh_idx[slot])
			slot = i;
	}
	int r = sz_cellk_dh_keypair(c, pk, c->dh_sk[slot]);
	if (r != SZ_OK)
		return r;
	c->dh_used[slot] = 1;
	c->dh_idx[slot] = ++c->dh_last;
	return SZ_OK;
}

/* The ACK op: close my window, applying what I still owe (docs/PROTOCOL.md §11 §6.6).  Its
 * body lists the whole window; its direct messages carry the items of the folds applied now
 * (add-acks to newcomers, forwards to members the acked op's author did not know). */
int
sz_cellop_vouches_pending(const sz_cell *c)
{
	cell_mset mem;
	sz_cellm_members(c, &c->processed, &mem);
	for (int i = 0; i < c->nmembers; i++)
		if (i != c->me && !mset_has(&mem, (unsigned)i) && c->m[i].vouch > c->m[i].tmax)
			return 1;
	return 0;
}

/* heads (nh of them) replace my heads and extra is vouched for when not NULL: my farewell. */
static int
mine_ack(sz_cell *c, sz_cell_result *res, const uint16_t *heads, size_t nh,
    const cell_mop *extra)
{
	cell_flush *f = NULL;
	sz_buf b = { 0 };
	uint8_t h[32], id[32], *entry = NULL, *inner = NULL;
	size_t entry_len = 0;
	int r = SZ_ERR_NOMEM;
	cell_member *me = &c->m[c->me];
	uint32_t seq = me->done + 1;
	b.secret = true;
	if ((f = sz_secret_alloc(sizeof *f)) == NULL)
		goto out;
	sz_cellf_plan(c, f);
	if (f->nwin == 0 && extra == NULL && !sz_cellop_vouches_pending(c) && seq != 1) {
		/* nothing to acknowledge (what I owed was dropped: sz_cellf_plan) nor to vouch for */
		sz_wipe(c->pend, sizeof c->pend);
		c->npend = 0;
		c->vouch_due = 0;
		r = SZ_OK;
		goto out;
	}
	write_head(&b, c, OP_ACK, seq);
	write_heads(&b, c, heads, nh, extra);
	if ((r = write_joined(&b, c, OP_ACK, seq)) != SZ_OK)
		goto out;
	sz_buf_u8(&b, f->nwin);
	sz_cellop_put_folds(&b, f->win, f->nwin);
	if ((r = b.err) != SZ_OK ||
	    (r = sz_cellop_bind_hash(h, c->csk_sk + 32, b.p, b.len)) != SZ_OK ||
	    (r = sz_cellf_build(c, f, h, &b)) != SZ_OK)
		goto out;
	if ((r = b.err) != SZ_OK ||
	    (r = sz_entry_build(&entry, &entry_len, id, SZ_KIND_CELL_CONTROL, NULL, 0,
	    sz_now_ms(c->env), b.p, b.len, c->csk_sk)) != SZ_OK)
		goto out;
	if ((inner = malloc(1 + entry_len)) == NULL) {
		r = SZ_ERR_NOMEM;
		goto out;
	}
	inner[0] = SEAL_CONTROL;
	memcpy(inner + 1, entry, entry_len);
	if ((r = sz_cell_seal_out(c, inner, 1 + entry_len, res)) != SZ_OK)
		goto out;
	/* Apply: the folds (staged above), then the op closes the window with a step of its own,
	 * so that my posts go back to my csk itself. */
	sz_cellf_commit(c, f);
	sz_cellm_applied(c, c->me, seq, id, c->csk_sk + 32, NULL, 0);
	c->vouch_due = 0;
	r = sz_cellk_ratchet(c, c->me, (const uint8_t *)"ack", 3);
out:
	if (f != NULL) {
		sz_cellf_flush_wipe(f);
		sz_secret_free(f);
	}
	sz_buf_free(&b);
	if (inner != NULL) {
		sz_wipe(inner, 1 + entry_len);
		free(inner);
	}
	free(entry);
	return r;
}

int
sz_cellop_mine(sz_cell *c, uint8_t type, uint16_t target, sz_cell_result *res)
{
	sz_buf b = { 0 };
	uint8_t esk[32], epk[32], seed[32], h[32], csk_pk[32], csk_sk[64], dhpk[32];
	uint8_t s_me[32], sign_sk[64], id[32];
	uint8_t *entry = NULL, *inner = NULL;
	size_t entry_len = 0;
	uint16_t rcp[CELL_MAX_MEMBERS];
	size_t nr = 0;
	int r = SZ_ERR_INTERNAL, midx = -1;
	cell_member *me = &c->m[c->me];
	cell_seeded *x = NULL;
	cell_flush *f = NULL;
	b.secret = true;
	if (type == OP_ACK)
		return mine_ack(c, res, NULL, 0, NULL);
	if (type == OP_ADDACK)
		return SZ_ERR_INTERNAL; /* add-acks are folds (fold.c) */
	/* An add, update or remove closes my window and takes every fold I owe first: its body
	 * lists the window (those who missed the posts that announced it step my ratchet as I did),
	 * and a welcome gives my ratchet as it is then.  Folds with items to send (add-acks) go in
	 * an ACK op just before, the only op with direct messages for them. */
	int windowed = type == OP_ADD || type == OP_UPDATE || type == OP_REMOVE;
	if (windowed) {
		if ((f = sz_secret_alloc(sizeof *f)) == NULL)
			return SZ_ERR_NOMEM;
		sz_cellf_plan(c, f);
		if (sz_cellf_has_items(c, f)) {
			if ((r = mine_ack(c, res, NULL, 0, NULL)) != SZ_OK)
				goto out;
			sz_cellf_plan(c, f);
		}
	}
	uint32_t seq = me->done + 1;
	memcpy(sign_sk, c->csk_sk, 64);

	write_head(&b, c, type, seq);
	write_heads(&b, c, NULL, 0, NULL);
	if ((r = write_joined(&b, c, type, seq)) != SZ_OK)
		goto out;
	if (windowed) {
		sz_buf_u8(&b, f->nwin);
		sz_cellop_put_folds(&b, f->win, f->nwin);
	}
	if (type == OP_CREATE) {
		sz_buf_append(&b, c->cell_id, 32);
		sz_buf_append(&b, me->prekey, 32);
	} else if (type == OP_ADD) {
		sz_buf_append(&b, c->m[target].id, 32);
		sz_buf_append(&b, c->m[target].prekey, 32);
		sz_buf_append(&b, c->m[target].csk[0], 32);
		/* the epochs its welcome gives it: so every member knows which it lacks (§6.2) */
		uint8_t ne = 0;
		for (int i = 0; i < CELL_EPOCHS; i++)
			ne += c->ep[i].used;
		sz_buf_u8(&b, ne);
		for (int i = 0; i < CELL_EPOCHS; i++)
			if (c->ep[i].used)
				sz_buf_append(&b, c->ep[i].scope, 8);
	} else if (type == OP_REMOVE) {
		sz_buf_append(&b, c->m[target].id, 32);
		sz_buf_u32(&b, c->m[target].done);
	}
	if (sz_cellop_is_seeded(type)) {
		if ((r = sz_cellk_sign_keypair(c, csk_pk, csk_sk)) != SZ_OK ||
		    (r = dh_rotate(c, dhpk)) != SZ_OK)
			goto out;
		sz_random(c->env, seed, 32);
		sz_buf_append(&b, csk_pk, 32);
		sz_buf_append(&b, dhpk, 32);
		sz_buf_u16(&b, c->dh_last);
		/* A create is signed by the csk it introduces; every other op by my current csk (a
		 * newcomer's first: the one it made for its invitation, named in its add). */
		if (type == OP_CREATE)
			memcpy(sign_sk, csk_sk, 64);
		nr = sz_cellop_recipients(c, &c->processed, c->me, type == OP_REMOVE ? target : -1, rcp);
	}
	size_t prefix = b.len;
	if (b.err) {
		r = b.err;
		goto out;
	}
	if ((r = sz_cellop_bind_hash(h, sign_sk + 32, b.p, prefix)) != SZ_OK)
		goto out;
	if (type == OP_UPDATE || type == OP_REMOVE)
		sz_buf_u16(&b, (uint16_t)nr);
	if (nr > 0) {
		if ((r = sz_cellk_dh_keypair(c, epk, esk)) != SZ_OK)
			goto out;
		sz_buf_append(&b, epk, 32);
	}
	for (size_t i = 0; i < nr; i++) {
		uint16_t tidx;
		uint32_t ctr;
		uint8_t *ct = NULL;
		sz_buf_u32(&b, c->m[rcp[i]].mref);
		uint8_t *hdr = sz_buf_zeros(&b, 6);
		if (hdr == NULL || (ct = sz_buf_zeros(&b, SEED_CT_LEN)) == NULL) {
			r = b.err ? b.err : SZ_ERR_NOMEM;
			goto out;
		}
		hdr = ct - 6; /* the buffer may have moved */
		if ((r = sz_cellk_dm_seal(c, rcp[i], esk, h, 32, seed, 32, &tidx, &ctr, ct)) != SZ_OK)
			goto out;
		sz_store_u16(hdr, tidx);
		sz_store_u32(hdr + 2, ctr);
	}
	if (b.err) {
		r = b.err;
		goto out;
	}
	if ((r = sz_entry_build(&entry, &entry_len, id, SZ_KIND_CELL_CONTROL, NULL, 0,
	    sz_now_ms(c->env), b.p, b.len, sign_sk)) != SZ_OK)
		goto out;
	if ((inner = malloc(1 + entry_len)) == NULL) {
		r = SZ_ERR_NOMEM;
		goto out;
	}
	inner[0] = SEAL_CONTROL;
	memcpy(inner + 1, entry, entry_len);
	/* Sealed under my current epoch, before the op changes it: recipients need that key. */
	if (type != OP_CREATE && (r = sz_cell_seal_out(c, inner, 1 + entry_len, res)) != SZ_OK)
		goto out;

	/* Apply the op to my own state: the folds of the window (staged in f), then the op. */
	if (windowed) {
		sz_buf scratch = { 0 };
		r = sz_cellf_build(c, f, h, &scratch); /* no items (above): nothing written but 0 */
		sz_buf_free(&scratch);
		if (r != SZ_OK)
			goto out;
		sz_cellf_commit(c, f);
	}
	{
		uint16_t hd[CELL_MAX_HEADS];
		size_t nh = sz_cellm_heads(c, hd, CELL_MAX_HEADS);
		sz_cellm_applied(c, c->me, seq, id, sign_sk + 32, hd, nh);
	}
	c->vouch_due = 0;
	switch (type) {
	case OP_CREATE:
	case OP_UPDATE:
	case OP_REMOVE:
		x = sz_cellop_seeded_new(c);
		x->author = c->me;
		x->seq = seq;
		mset_add(&x->holders, c->me);
		for (size_t i = 0; i < nr; i++) {
			mset_add(&x->holders, rcp[i]);
			mset_add(&x->owe, rcp[i]);
		}
		x->shares = x->holders;
		if (type == OP_REMOVE &&
		    (r = sz_cellm_mop_add(c, OP_REMOVE, c->me, target, seq, c->m[target].done,
		    &c->processed, &midx)) != SZ_OK)
			goto out;
		if (type == OP_REMOVE && c->m[target].tmax < c->m[target].done)
			c->m[target].tmax = c->m[target].done;
		if (midx >= 0)
			memcpy(c->mop[midx].id, id, 8);
		if (type == OP_CREATE &&
		    (r = sz_cellm_mop_add(c, OP_CREATE, c->me, c->me, seq, 0, &c->processed, &midx)) != SZ_OK)
			goto out;
		if ((r = sz_cellop_absorb_seed(c, c->me, seed, x, s_me)) != SZ_OK)
			goto out;
		c->heal_due = c->heal_posts = 0; /* my chain heals with this op */
		c->heal_at = 0;
		memcpy(me->csk[1], me->csk[0], 32);
		memcpy(me->csk[0], csk_pk, 32);
		memcpy(c->csk_sk, csk_sk, 64);
		memcpy(me->dh_pk, dhpk, 32);
		me->dh_idx = c->dh_last;
		if (me->restart) { /* my first seeded op since I joined: from zeros (§4) */
			sz_wipe(me->rk, 32);
			me->rk_known = 1;
			me->restart = 0;
		}
		if ((r = sz_cellk_ratchet(c, c->me, s_me, 32)) != SZ_OK)
			goto out;
		if (type == OP_REMOVE) {
			sz_cellk_forget(c, target);
			sz_cellf_settle_all(c);
		}
		break;
	case OP_ADD:
		memcpy(c->pending_seed, me->rk, 32); /* the ratchet before the step, for the welcome */
		{
			const cell_epoch *newest = NULL;
			for (int i = 0; i < CELL_EPOCHS; i++)
				if (c->ep[i].used && (newest == NULL || c->ep[i].order > newest->order))
					newest = &c->ep[i];
			sz_cellf_mark_holders(c, target, NULL, 0);
			if (newest != NULL)
				memcpy(c->m[target].sure, newest->scope, 8);
		}
		if ((r = sz_cellm_mop_add(c, OP_ADD, c->me, target, seq, 0, &c->processed, &midx)) != SZ_OK ||
		    (r = sz_cellk_ratchet(c, c->me, (const uint8_t *)"welcome", 7)) != SZ_OK ||
		    (r = sz_cellk_newcomer(&c->send, c->m[target].id, c->m[target].rk)) != SZ_OK)
			goto out;
		c->m[target].rk_known = 1;
		c->m[target].jadd[0] = (uint16_t)(midx + 1); /* the add its first op will name */
		c->m[target].jadd[1] = 0;
		c->m[target].restart = 1;
		memcpy(c->mop[midx].id, id, 8);
		break;
	case OP_LEAVE:
		r = sz_cellm_mop_add(c, OP_LEAVE, c->me, c->me, seq, seq, &c->processed, &midx);
		if (r == SZ_OK)
			memcpy(c->mop[midx].id, id, 8);
		break;
	default:
		r = SZ_ERR_INTERNAL;
	}
	if (r == SZ_OK && type == OP_ADD) /* the welcome carries the add entry itself */
		r = sz_cellst_welcome(c, target, entry, entry_len, res);
out:
	if (f != NULL) {
		sz_cellf_flush_wipe(f);
		sz_secret_free(f);
	}
	sz_buf_free(&b);
	if (inner != NULL) {
		sz_wipe(inner, 1 + entry_len);
		free(inner);
	}
	free(entry);
	sz_wipe(esk, sizeof esk);
	sz_wipe(seed, sizeof seed);
	sz_wipe(csk_sk, sizeof csk_sk);
	sz_wipe(sign_sk, sizeof sign_sk);
	sz_wipe(s_me, sizeof s_me);
	sz_wipe(c->pending_seed, 32);
	return r;
}

int
sz_cellop_farewell(sz_cell *c, const uint16_t *heads, size_t nh, int midx, sz_cell_result *res)
{
	cell_mop x = c->mop[midx];
	return mine_ack(c, res, heads, nh, &x);
}
