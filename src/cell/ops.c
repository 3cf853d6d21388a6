/*
 * ops.c - control ops of a cell: their byte codec and their processing after DCGKA (create,
 * add, add-ack, update, remove, ack with forwards, leave).  Layer: cell.
 * docs/PROTOCOL.md §11 (Cells) §6 gives every byte; §7 the rules applied here.
 */
#include <stdlib.h>
#include <string.h>

#include "cell/cell_int.h"
#include "crypto/crypto.h"
#include "wire/entry.h"

#define BODY_VERSION 1
#define DM_FIXED (4 + 2 + 4)

static size_t
dm_ct_len(uint8_t type)
{
	return type == OP_ACK ? 64 + SZ_AEAD_TAG_BYTES : 32 + SZ_AEAD_TAG_BYTES;
}

int
sz_cellop_has_acked(uint8_t t)
{
	return t == OP_ADDACK || t == OP_ACK;
}

int
sz_cellop_is_seeded(uint8_t t)
{
	return t == OP_CREATE || t == OP_UPDATE || t == OP_REMOVE;
}

int
sz_cellop_decode(cell_op *op, const uint8_t *body, size_t len)
{
	sz_rd r = sz_rd_init(body, len);
	memset(op, 0, sizeof *op);
	if (sz_rd_u8(&r) != BODY_VERSION && r.err == 0)
		return SZ_ERR_UNSUPPORTED;
	op->type = sz_rd_u8(&r);
	if (r.err == 0 && (op->type < OP_CREATE || op->type > OP_LEAVE))
		return SZ_ERR_UNSUPPORTED;
	op->mref = sz_rd_u32(&r);
	op->seq = sz_rd_u32(&r);
	if (r.err == 0 && op->seq == 0)
		return SZ_ERR_MALFORMED;
	if (sz_cellop_has_acked(op->type)) {
		op->acked_mref = sz_rd_u32(&r);
		op->acked_seq = sz_rd_u32(&r);
	}
	op->nheads = sz_rd_u8(&r);
	if (op->nheads > CELL_MAX_HEADS)
		return SZ_ERR_TOO_LARGE;
	for (int i = 0; i < op->nheads; i++) {
		op->head_mref[i] = sz_rd_u32(&r);
		op->head_seq[i] = sz_rd_u32(&r);
	}
	switch (op->type) {
	case OP_CREATE:
		op->cell_id = sz_rd_bytes(&r, 32);
		op->prekey = sz_rd_bytes(&r, 32);
		break;
	case OP_ADD:
		op->target = sz_rd_bytes(&r, 32);
		op->prekey = sz_rd_bytes(&r, 32);
		break;
	case OP_REMOVE:
		op->target = sz_rd_bytes(&r, 32);
		break;
	default:
		break;
	}
	if (sz_cellop_is_seeded(op->type)) {
		op->csk_new = sz_rd_bytes(&r, 32);
		op->dh_new = sz_rd_bytes(&r, 34);
	}
	op->prefix_len = r.err ? 0 : r.off;
	int with_dm = op->type == OP_UPDATE || op->type == OP_REMOVE || op->type == OP_ACK ||
	    op->type == OP_ADDACK;
	if (with_dm) {
		if (op->type == OP_ADDACK) {
			op->ndm = 1;
		} else {
			op->ndm = sz_rd_u16(&r);
			if (op->ndm > CELL_MAX_MEMBERS)
				return SZ_ERR_TOO_LARGE;
		}
		if (op->ndm > 0)
			op->ek = sz_rd_bytes(&r, 32);
		for (int i = 0; i < op->ndm; i++) {
			cell_dm *d = &op->dm[i];
			d->mref = sz_rd_u32(&r);
			d->tidx = sz_rd_u16(&r);
			d->ctr = sz_rd_u32(&r);
			d->ctlen = dm_ct_len(op->type);
			d->ct = sz_rd_bytes(&r, d->ctlen);
			if (i > 0 && r.err == 0 && d->mref <= op->dm[i - 1].mref)
				return SZ_ERR_NONCANONICAL;
		}
	}
	return sz_rd_end(&r);
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

cell_seeded *
sz_cellop_seeded_new(sz_cell *c)
{
	cell_seeded *s = &c->seeded[0];
	for (int i = 0; i < CELL_SEEDED; i++) {
		if (!c->seeded[i].used) {
			s = &c->seeded[i];
			break;
		}
		if (c->seeded[i].order < s->order)
			s = &c->seeded[i];
	}
	sz_wipe(s, sizeof *s);
	s->used = 1;
	s->order = ++c->counter;
	return s;
}

cell_secret *
sz_cellop_secret_find(sz_cell *c, uint16_t author, uint32_t seq, uint16_t member)
{
	for (int i = 0; i < CELL_SECRETS; i++) {
		cell_secret *s = &c->sec[i];
		if (s->used && s->author == author && s->seq == seq && s->member == member)
			return s;
	}
	return NULL;
}

static void
secret_put(sz_cell *c, uint16_t author, uint32_t seq, uint16_t member, const uint8_t s32[32])
{
	cell_secret *s = NULL;
	for (int i = 0; i < CELL_SECRETS && s == NULL; i++)
		if (!c->sec[i].used)
			s = &c->sec[i];
	if (s == NULL) /* full: the oldest op's secrets go first (docs/PROTOCOL.md §11 (Cells) §9) */
		s = &c->sec[(author + seq + member) % CELL_SECRETS];
	s->used = 1;
	s->author = author;
	s->seq = seq;
	s->member = member;
	memcpy(s->s, s32, 32);
}

/* Derive the member secrets and the epoch of a seeded op; keep those of others for their acks. */
int
sz_cellop_absorb_seed(sz_cell *c, uint16_t author, uint32_t seq, const uint8_t seed[32],
    const uint16_t *rcp, size_t nr, cell_seeded *rec)
{
	uint8_t s[32], e[32];
	int r;
	for (size_t i = 0; i <= nr; i++) {
		uint16_t id = i < nr ? rcp[i] : author;
		if ((r = sz_cellk_kdf(s, 32, seed, 32, "member secret", c->m[id].id, 32)) != SZ_OK)
			goto out;
		if (id == author) {
			if ((r = sz_cellk_ratchet(c, author, seq, s, 32)) != SZ_OK)
				goto out;
		} else {
			secret_put(c, author, seq, id, s);
		}
	}
	if ((r = sz_cellk_kdf(e, 32, seed, 32, "epoch", NULL, 0)) != SZ_OK)
		goto out;
	memcpy(rec->e, e, 32);
	rec->has_e = 1;
	r = sz_cell_epoch_learn(c, e, &rec->holders);
out:
	sz_wipe(s, sizeof s);
	sz_wipe(e, sizeof e);
	return r;
}

static void
write_head(sz_buf *b, sz_cell *c, uint8_t type, uint32_t seq)
{
	sz_buf_u8(b, BODY_VERSION);
	sz_buf_u8(b, type);
	sz_buf_u32(b, c->m[c->me].mref);
	sz_buf_u32(b, seq);
}

static void
write_heads(sz_buf *b, sz_cell *c)
{
	uint16_t heads[CELL_MAX_HEADS];
	size_t nh = sz_cellm_heads(c, heads, CELL_MAX_HEADS);
	sz_buf_u8(b, (uint8_t)nh);
	for (size_t i = 0; i < nh; i++) {
		sz_buf_u32(b, c->m[c->mop[heads[i]].author].mref);
		sz_buf_u32(b, c->mop[heads[i]].seq);
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

int
sz_cellop_mine(sz_cell *c, uint8_t type, uint16_t target, uint16_t acked_author,
    uint32_t acked_seq, sz_cell_result *res)
{
	sz_buf b = { 0 };
	uint8_t esk[32], epk[32], seed[32], h[32], csk_pk[32], csk_sk[64], dhpk[32];
	uint8_t pt[64], s_me[32], sign_sk[64], id[32];
	uint8_t *entry = NULL, *inner = NULL;
	size_t entry_len = 0;
	uint16_t rcp[CELL_MAX_MEMBERS];
	size_t nr = 0;
	int r = SZ_ERR_INTERNAL, midx = -1;
	cell_member *me = &c->m[c->me];
	uint32_t seq = me->done + 1;
	cell_seeded *x = NULL;
	b.secret = true;
	memcpy(sign_sk, c->csk_sk, 64);

	write_head(&b, c, type, seq);
	if (sz_cellop_has_acked(type)) {
		sz_buf_u32(&b, c->m[acked_author].mref);
		sz_buf_u32(&b, acked_seq);
	}
	write_heads(&b, c);
	if (type == OP_CREATE) {
		sz_buf_append(&b, c->cell_id, 32);
		sz_buf_append(&b, me->prekey, 32);
	} else if (type == OP_ADD) {
		sz_buf_append(&b, c->m[target].id, 32);
		sz_buf_append(&b, c->m[target].prekey, 32);
	} else if (type == OP_REMOVE) {
		sz_buf_append(&b, c->m[target].id, 32);
	}
	if (sz_cellop_is_seeded(type)) {
		if ((r = sz_cellk_sign_keypair(c, csk_pk, csk_sk)) != SZ_OK ||
		    (r = dh_rotate(c, dhpk)) != SZ_OK)
			goto out;
		sz_random(c->env, seed, 32);
		sz_buf_append(&b, csk_pk, 32);
		sz_buf_append(&b, dhpk, 32);
		sz_buf_u16(&b, c->dh_last);
		/* A member's first op (create, or a newcomer's update) is signed by its new csk. */
		if (sodium_is_zero(me->csk[0], 32))
			memcpy(sign_sk, csk_sk, 64);
		nr = sz_cellop_recipients(c, &c->processed, c->me, type == OP_REMOVE ? target : -1, rcp);
	} else if (type == OP_ACK) {
		x = sz_cellop_seeded_find(c, acked_author, acked_seq);
		cell_mset mem;
		sz_cellm_members(c, &c->processed, &mem);
		for (uint16_t i = 0; x != NULL && x->has_e && i < c->nmembers; i++) {
			if (!mset_has(&mem, i) || i == c->me || mset_has(&x->holders, i))
				continue;
			size_t j = nr++;
			while (j > 0 && c->m[rcp[j - 1]].mref > c->m[i].mref) {
				rcp[j] = rcp[j - 1];
				j--;
			}
			rcp[j] = i;
		}
	} else if (type == OP_ADDACK) {
		rcp[0] = target;
		nr = 1;
	}
	size_t prefix = b.len;
	if (b.err) {
		r = b.err;
		goto out;
	}
	if ((r = sz_cellop_bind_hash(h, sign_sk + 32, b.p, prefix)) != SZ_OK)
		goto out;
	if (type != OP_ADDACK && (type == OP_UPDATE || type == OP_REMOVE || type == OP_ACK))
		sz_buf_u16(&b, (uint16_t)nr);
	if (nr > 0) {
		if ((r = sz_cellk_dh_keypair(c, epk, esk)) != SZ_OK)
			goto out;
		sz_buf_append(&b, epk, 32);
	}
	cell_secret *mine = type == OP_ACK ? sz_cellop_secret_find(c, acked_author, acked_seq, c->me) : NULL;
	for (size_t i = 0; i < nr; i++) {
		size_t ptlen = 32;
		if (sz_cellop_is_seeded(type)) {
			memcpy(pt, seed, 32);
		} else if (type == OP_ADDACK) {
			memcpy(pt, me->rk, 32);
		} else {
			if (mine == NULL) {
				r = SZ_ERR_INTERNAL;
				goto out;
			}
			memcpy(pt, mine->s, 32);
			memcpy(pt + 32, x->e, 32);
			ptlen = 64;
		}
		uint16_t tidx;
		uint32_t ctr;
		uint8_t *ct = NULL;
		sz_buf_u32(&b, c->m[rcp[i]].mref);
		uint8_t *hdr = sz_buf_zeros(&b, 6);
		if (hdr == NULL || (ct = sz_buf_zeros(&b, ptlen + SZ_AEAD_TAG_BYTES)) == NULL) {
			r = b.err ? b.err : SZ_ERR_NOMEM;
			goto out;
		}
		hdr = ct - 6; /* the buffer may have moved */
		if ((r = sz_cellk_dm_seal(c, rcp[i], esk, h, 32, pt, ptlen, &tidx, &ctr, ct)) != SZ_OK)
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

	/* Apply the op to my own state. */
	sz_cellm_applied(me, seq, id, sign_sk + 32);
	switch (type) {
	case OP_CREATE:
	case OP_UPDATE:
	case OP_REMOVE:
		x = sz_cellop_seeded_new(c);
		x->author = c->me;
		x->seq = seq;
		mset_add(&x->holders, c->me);
		for (size_t i = 0; i < nr; i++)
			mset_add(&x->holders, rcp[i]);
		if (type == OP_REMOVE &&
		    (r = sz_cellm_mop_add(c, OP_REMOVE, c->me, target, seq, &c->processed, &midx)) != SZ_OK)
			goto out;
		if (type == OP_CREATE &&
		    (r = sz_cellm_mop_add(c, OP_CREATE, c->me, c->me, seq, &c->processed, &midx)) != SZ_OK)
			goto out;
		if ((r = sz_cellop_absorb_seed(c, c->me, seq, seed, rcp, nr, x)) != SZ_OK)
			goto out;
		memcpy(me->csk[1], me->csk[0], 32);
		memcpy(me->csk[0], csk_pk, 32);
		memcpy(c->csk_sk, csk_sk, 64);
		memcpy(me->dh_pk, dhpk, 32);
		me->dh_idx = c->dh_last;
		if (type == OP_REMOVE)
			sz_cellk_forget(c, target);
		break;
	case OP_ADD:
		memcpy(c->pending_seed, me->rk, 32); /* the ratchet before the step, for the welcome */
		for (int i = 0; i < CELL_EPOCHS; i++)
			if (c->ep[i].used)
				mset_add(&c->ep[i].holders, target);
		if ((r = sz_cellm_mop_add(c, OP_ADD, c->me, target, seq, &c->processed, &midx)) != SZ_OK ||
		    (r = sz_cellk_ratchet(c, c->me, seq, (const uint8_t *)"welcome", 7)) != SZ_OK)
			goto out;
		break;
	case OP_ADDACK:
		r = sz_cellk_ratchet(c, c->me, seq, (const uint8_t *)"add", 3);
		break;
	case OP_ACK:
		if (nr > 0) { /* the forwarded members now hold the epoch */
			cell_mset fw;
			memset(&fw, 0, sizeof fw);
			for (size_t i = 0; i < nr; i++) {
				mset_add(&fw, rcp[i]);
				mset_add(&x->holders, rcp[i]);
			}
			sz_cell_epoch_share(c, x->e, &fw);
		}
		if (mine != NULL) {
			memcpy(s_me, mine->s, 32);
			sz_wipe(mine, sizeof *mine);
			r = sz_cellk_ratchet(c, c->me, seq, s_me, 32);
		} else {
			r = SZ_OK;
		}
		break;
	case OP_LEAVE:
		r = sz_cellm_mop_add(c, OP_LEAVE, c->me, c->me, seq, &c->processed, &midx);
		break;
	default:
		r = SZ_ERR_INTERNAL;
	}
	if (r == SZ_OK && type == OP_ADD) /* the welcome carries the add entry itself */
		r = sz_cellst_welcome(c, target, entry, entry_len, res);
out:
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
	sz_wipe(pt, sizeof pt);
	sz_wipe(s_me, sizeof s_me);
	sz_wipe(c->pending_seed, 32);
	return r;
}
