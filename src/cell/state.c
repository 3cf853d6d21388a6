/*
 * state.c - a cell's state in bytes: the welcome a newcomer gets (the adder's view, sealed for
 * its prekey), joining from it, and the full versioned serialization with its checking decoder.
 * Layer: cell.  docs/PROTOCOL.md §11 (Cells) §6.2 (welcome) and §8 (state).
 */
#include <stdlib.h>
#include <string.h>

#include "cell/cell_int.h"
#include "crypto/crypto.h"
#include "wire/entry.h"
#include "wire/envelope.h"

static const uint8_t WELCOME_AD[] = "samizdat cell welcome";

void
sz_cellst_wipe_keys(sz_cell *c)
{
	for (int i = 0; i < c->nmembers; i++)
		sz_cellk_forget(c, (uint16_t)i);
	sz_wipe(c->id_sk, sizeof c->id_sk);
	sz_wipe(c->id_xsk, sizeof c->id_xsk);
	sz_wipe(c->csk_sk, sizeof c->csk_sk);
	sz_wipe(c->dh_sk, sizeof c->dh_sk);
	sz_wipe(c->dh_used, sizeof c->dh_used);
	sz_wipe(&c->send, sizeof c->send);
	sz_wipe(c->pend, sizeof c->pend);
	c->npend = 0;
	sz_wipe(c->seeded, sizeof c->seeded);
	sz_wipe(c->ep, sizeof c->ep);
	sz_wipe(c->skip, sizeof c->skip);
	for (size_t i = 0; i < c->nheld; i++) {
		sz_wipe(c->held[i].p, c->held[i].len);
		free(c->held[i].p);
	}
	c->nheld = 0;
	c->held_bytes = 0;
}


/* A member's record as a welcome and the state file both hold it (§6.2, §8): identity, prekey,
 * signing keys, ratchet position, what is vouched for, the epoch it surely holds, the heads of
 * its last op. */
void
sz_cellst_put_member(sz_buf *b, const cell_member *m)
{
	sz_buf_append(b, m->id, 32);
	sz_buf_append(b, m->prekey, 32);
	sz_buf_append(b, m->csk, 64);
	sz_buf_append(b, m->dh_pk, 32);
	sz_buf_u16(b, m->dh_idx);
	sz_buf_u32(b, m->done);
	sz_buf_u32(b, m->steps);
	sz_buf_u32(b, m->tmax);
	sz_buf_u32(b, m->vouch);
	sz_buf_append(b, m->vouch_id, 8);
	sz_buf_u32(b, m->pv_seq);
	sz_buf_append(b, m->pv_id, 8);
	sz_buf_append(b, m->sure, 8);
	sz_buf_u8(b, m->nvh);
	for (int h = 0; h < m->nvh; h++)
		sz_buf_u16(b, m->vh[h]);
	sz_buf_u16(b, m->jadd[0]);
	sz_buf_u16(b, m->jadd[1]);
	sz_buf_u8(b, m->restart);
}

/* Read member i's record into c (interned at index i, else the read fails with err): 0 if
 * read. */
int
sz_cellst_get_member(sz_rd *r, sz_cell *c, unsigned i, int err)
{
	uint8_t id[32], pk[32];
	uint16_t idx;
	sz_rd_copy(r, id, 32);
	sz_rd_copy(r, pk, 32);
	if (r->err || sz_cellm_intern(c, id, pk, &idx) != SZ_OK || idx != i) {
		sz_rd_fail(r, err);
		return -1;
	}
	cell_member *m = &c->m[idx];
	sz_rd_copy(r, m->csk, 64);
	sz_rd_copy(r, m->dh_pk, 32);
	m->dh_idx = sz_rd_u16(r);
	m->done = sz_rd_u32(r);
	m->steps = sz_rd_u32(r);
	m->tmax = sz_rd_u32(r);
	m->vouch = sz_rd_u32(r);
	sz_rd_copy(r, m->vouch_id, 8);
	m->pv_seq = sz_rd_u32(r);
	sz_rd_copy(r, m->pv_id, 8);
	sz_rd_copy(r, m->sure, 8);
	m->nvh = sz_rd_u8(r);
	if (m->nvh > CELL_MAX_HEADS)
		sz_rd_fail(r, err);
	for (int h = 0; h < m->nvh && r->err == 0; h++)
		m->vh[h] = sz_rd_u16(r);
	m->jadd[0] = sz_rd_u16(r); /* the adds that named its first keys: before its first op */
	m->jadd[1] = sz_rd_u16(r);
	m->restart = sz_rd_u8(r);
	if (m->restart > 1 || ((m->jadd[0] || m->jadd[1]) && m->done != 0) ||
	    (m->jadd[1] && !m->jadd[0]))
		sz_rd_fail(r, err);
	return r->err ? -1 : 0;
}

/* The welcome's outer seal: a fresh X25519 key (its public half first) with the newcomer's
 * prekey, so only the holder of the prekey's secret opens it (docs/PROTOCOL.md §11 §6.2). */
static const uint8_t WELCOME_OUTER[] = "samizdat cell welcome v3";

static int
welcome_outer_key(uint8_t key[32], const uint8_t dh[32], const uint8_t epk[32],
    const uint8_t prekey[32])
{
	uint8_t ctx[64];
	memcpy(ctx, epk, 32);
	memcpy(ctx + 32, prekey, 32);
	return sz_cellk_kdf(key, 32, dh, 32, "welcome key", ctx, sizeof ctx);
}

int
sz_cell_joinkeys_new(const sz_env *env, sz_cell_joinkeys *k)
{
	uint8_t seed[32];
	int r;
	memset(k, 0, sizeof *k);
	sz_random(env, k->prekey_sk, 32);
	sz_random(env, seed, 32);
	if ((r = sz_dh_public(k->prekey_pk, k->prekey_sk)) == SZ_OK)
		r = sz_sign_seed_keypair(k->csk_pk, k->csk_sk, seed);
	sz_wipe(seed, sizeof seed);
	if (r != SZ_OK)
		sz_wipe(k, sizeof *k);
	return r;
}

static void
put_set(sz_buf *b, const uint64_t *w, size_t nw)
{
	for (size_t i = 0; i < nw; i++)
		sz_buf_u64(b, w[i]);
}

static void
get_set(sz_rd *r, uint64_t *w, size_t nw)
{
	for (size_t i = 0; i < nw; i++)
		w[i] = sz_rd_u64(r);
}

void
sz_cellst_put_mops(sz_buf *b, const sz_cell *c)
{
	sz_buf_u16(b, c->nmops);
	for (int i = 0; i < c->nmops; i++) {
		const cell_mop *o = &c->mop[i];
		sz_buf_u8(b, (uint8_t)oset_has(&c->processed, (unsigned)i));
		sz_buf_u8(b, o->type);
		sz_buf_u16(b, o->author);
		sz_buf_u16(b, o->target);
		sz_buf_u32(b, o->seq);
		sz_buf_u32(b, o->tseq);
		sz_buf_append(b, o->id, 8);
		put_set(b, o->past.w, (size_t)i / 64 + 1);
	}
}

/* Read the mop table, re-deriving each mop's authorization in order. */
void
sz_cellst_get_mops(sz_rd *r, sz_cell *c)
{
	unsigned n = sz_rd_u16(r);
	if (n > CELL_MAX_MOPS)
		sz_rd_fail(r, SZ_ERR_TOO_LARGE);
	memset(&c->processed, 0, sizeof c->processed);
	c->nmops = 0;
	for (unsigned i = 0; i < n && r->err == 0; i++) {
		uint8_t inview = sz_rd_u8(r);
		uint8_t type = sz_rd_u8(r);
		uint16_t a = sz_rd_u16(r), t = sz_rd_u16(r);
		uint32_t seq = sz_rd_u32(r), tseq = sz_rd_u32(r);
		uint8_t id[8];
		sz_rd_copy(r, id, 8);
		cell_oset past;
		int idx;
		memset(&past, 0, sizeof past);
		get_set(r, past.w, i / 64 + 1);
		if (r->err)
			return;
		if ((type != OP_CREATE && type != OP_ADD && type != OP_REMOVE && type != OP_LEAVE) ||
		    a >= c->nmembers || t >= c->nmembers || seq == 0 || !oset_has(&past, i) ||
		    (past.w[i / 64] >> (i % 64)) > 1 || sz_cellm_mop_find(c, a, seq) >= 0 ||
		    inview > 1 || (type == OP_CREATE && !inview) ||
		    (type == OP_CREATE) != (i == 0) || (type == OP_LEAVE && tseq != seq) ||
		    (type != OP_REMOVE && type != OP_LEAVE && tseq != 0)) {
			sz_rd_fail(r, SZ_ERR_CORRUPT);
			return;
		}
		past.w[i / 64] &= ~(1ull << (i % 64));
		for (unsigned j = 0; j < i; j++) /* the past is causally closed */
			if (oset_has(&past, j))
				for (int w = 0; w < CELL_OW; w++)
					if (c->mop[j].past.w[w] & ~past.w[w]) {
						sz_rd_fail(r, SZ_ERR_CORRUPT);
						return;
					}
		if (sz_cellm_mop_add(c, type, a, t, seq, tseq, &past, &idx) != SZ_OK) {
			sz_rd_fail(r, SZ_ERR_CORRUPT);
		} else {
			memcpy(c->mop[idx].id, id, 8);
			if (!inview) /* recorded, without effect until vouched for (§7.2) */
				oset_del(&c->processed, (unsigned)idx);
		}
	}
}

/* What a newcomer needs to follow member m's ratchet from where I do (docs/PROTOCOL.md §11
 * §6.2): u8 known || ratchet[32] || u8 nw || nw x fold (the window of m I applied) || u8 alt
 * known || alt ratchet[32] (a newcomer added twice at once, §4).  Mine and
 * the newcomer's go as unknown (the welcome gives mine before my add's step apart). */
static void
put_follow(sz_buf *b, const cell_member *m, int skip)
{
	int known = m->rk_known && !skip;
	static const uint8_t zero[32];
	sz_buf_u8(b, (uint8_t)known);
	sz_buf_append(b, known ? m->rk : zero, 32);
	sz_buf_u8(b, m->nwin);
	sz_cellop_put_folds(b, m->win, m->nwin);
	known = m->alt_known && !skip;
	sz_buf_u8(b, (uint8_t)known);
	sz_buf_append(b, known ? m->rk_alt : zero, 32);
}

static void
get_follow(sz_rd *r, cell_member *m)
{
	m->rk_known = sz_rd_u8(r);
	sz_rd_copy(r, m->rk, 32);
	m->nwin = sz_rd_u8(r);
	if (m->rk_known > 1 || (!m->rk_known && !sodium_is_zero(m->rk, 32)) ||
	    m->nwin > CELL_WINDOW) {
		sz_rd_fail(r, SZ_ERR_MALFORMED);
		return;
	}
	sz_cellop_get_folds(r, m->win, m->nwin);
	m->alt_known = sz_rd_u8(r);
	sz_rd_copy(r, m->rk_alt, 32);
	if (m->alt_known > 1 || (!m->alt_known && !sodium_is_zero(m->rk_alt, 32)) ||
	    (m->alt_known && (m->done != 0 || sodium_is_zero(m->csk[1], 32))))
		sz_rd_fail(r, SZ_ERR_MALFORMED);
}

/* The member-secret roots I keep (seeded ops some member has not folded yet, in my view), so
 * the newcomer can follow a member that folds one of them after what I applied of it:
 * u16 k || k x (u16 author, u32 seq, msr[32], owe bitset). */
static void
put_roots(sz_buf *b, const sz_cell *c)
{
	uint16_t k = 0;
	for (int i = 0; i < CELL_SEEDED; i++)
		k += c->seeded[i].used && c->seeded[i].has_msr;
	sz_buf_u16(b, k);
	for (int i = 0; i < CELL_SEEDED; i++) {
		const cell_seeded *x = &c->seeded[i];
		if (!x->used || !x->has_msr)
			continue;
		sz_buf_u16(b, x->author);
		sz_buf_u32(b, x->seq);
		sz_buf_append(b, x->msr, 32);
		put_set(b, x->owe.w, cell_words(c->nmembers));
	}
}

static void
get_roots(sz_rd *r, sz_cell *c, uint16_t me)
{
	unsigned k = sz_rd_u16(r);
	if (k > CELL_SEEDED)
		sz_rd_fail(r, SZ_ERR_MALFORMED);
	for (unsigned i = 0; i < k && r->err == 0; i++) {
		cell_seeded *x = &c->seeded[i];
		x->author = sz_rd_u16(r);
		x->seq = sz_rd_u32(r);
		sz_rd_copy(r, x->msr, 32);
		get_set(r, x->owe.w, cell_words(c->nmembers));
		if (r->err)
			return;
		if (x->author >= c->nmembers || x->seq == 0 || x->seq > c->m[x->author].done ||
		    sz_cellop_seeded_find(c, x->author, x->seq) != NULL) {
			sz_rd_fail(r, SZ_ERR_MALFORMED);
			return;
		}
		for (unsigned w = 0; w < CELL_MW; w++) { /* members of the table only, never me */
			unsigned lo = w * 64;
			if (lo >= c->nmembers)
				x->owe.w[w] = 0;
			else if (c->nmembers - lo < 64)
				x->owe.w[w] &= (1ull << (c->nmembers - lo)) - 1;
		}
		x->owe.w[me / 64] &= ~(1ull << (me % 64));
		x->holders = x->owe;
		mset_add(&x->holders, x->author);
		x->shares = x->holders;
		x->has_msr = 1;
		x->order = ++c->counter;
		x->used = 1;
	}
}

int
sz_cellst_welcome(sz_cell *c, uint16_t idx, const uint8_t *add_entry, size_t add_len,
    sz_cell_result *res)
{
	sz_buf b = { 0 }, w = { 0 };
	uint8_t esk[32], epk[32], key[32];
	uint16_t tidx;
	uint32_t ctr;
	int r;
	b.secret = w.secret = true;
	sz_buf_append(&b, c->cell_id, 32);
	sz_buf_u8(&b, c->name_len);
	sz_buf_append(&b, c->name, c->name_len);
	sz_buf_u32(&b, (uint32_t)add_len);
	sz_buf_append(&b, add_entry, add_len);
	sz_buf_append(&b, c->pending_seed, 32);
	sz_buf_u16(&b, c->nmembers);
	for (int i = 0; i < c->nmembers; i++) {
		sz_cellst_put_member(&b, &c->m[i]);
		put_follow(&b, &c->m[i], i == c->me || i == idx);
	}
	sz_cellst_put_mops(&b, c);
	const cell_epoch *order[CELL_EPOCHS];
	size_t ne = 0;
	for (int i = 0; i < CELL_EPOCHS; i++) /* newest first */
		if (c->ep[i].used) {
			size_t j = ne++;
			while (j > 0 && order[j - 1]->order < c->ep[i].order) {
				order[j] = order[j - 1];
				j--;
			}
			order[j] = &c->ep[i];
		}
	sz_buf_u8(&b, (uint8_t)ne);
	for (size_t i = 0; i < ne; i++) {
		sz_buf_append(&b, order[i]->e, 32);
		sz_buf_u8(&b, order[i]->acked);
		put_set(&b, order[i]->holders.w, cell_words(c->nmembers)); /* who I know holds it (so the newcomer
		                                          * knows whom to send it to, §2.2) */
	}
	put_roots(&b, c);
	if (b.err) {
		r = b.err;
		goto out;
	}
	/* inner: type || adder id || EK || tidx || ctr || 2SM ciphertext of the above */
	if ((r = sz_cellk_dh_keypair(c, epk, esk)) != SZ_OK)
		goto out;
	sz_buf_u8(&w, SEAL_WELCOME);
	sz_buf_append(&w, c->m[c->me].id, 32);
	sz_buf_append(&w, epk, 32);
	uint8_t *hdr = sz_buf_zeros(&w, 6);
	uint8_t *ct = hdr ? sz_buf_zeros(&w, b.len + SZ_AEAD_TAG_BYTES) : NULL;
	if (ct == NULL) {
		r = w.err ? w.err : SZ_ERR_NOMEM;
		goto out;
	}
	hdr = ct - 6;
	if ((r = sz_cellk_dm_seal(c, idx, esk, WELCOME_AD, sizeof WELCOME_AD - 1, b.p, b.len, &tidx,
	    &ctr, ct)) != SZ_OK)
		goto out;
	sz_store_u16(hdr, tidx);
	sz_store_u32(hdr + 2, ctr);
	/* outer: epk || AEAD(u32 len || inner || zeros to a size bucket) under DH(esk', prekey) */
	{
		uint8_t osk[32], opk[32], dh[32], nonce[SZ_NONCE_BYTES] = { 0 }, ad[sizeof WELCOME_OUTER - 1 + 64];
		size_t bucket = sz_env_bucket_for(4 + w.len + 32 + SZ_AEAD_TAG_BYTES);
		size_t plen = bucket != 0 ? bucket - 32 - SZ_AEAD_TAG_BYTES :
		    (4 + w.len + 65535) / 65536 * 65536; /* past the largest bucket: 64 KiB steps */
		if (plen > CELL_WELCOME_MAX) {
			r = SZ_ERR_TOO_LARGE;
			goto out;
		}
		uint8_t *pp = sz_secret_alloc(plen), *outw = malloc(32 + plen + SZ_AEAD_TAG_BYTES);
		if (pp == NULL || outw == NULL) {
			sz_secret_free(pp);
			free(outw);
			r = SZ_ERR_NOMEM;
			goto out;
		}
		memset(pp, 0, plen);
		sz_store_u32(pp, (uint32_t)w.len);
		memcpy(pp + 4, w.p, w.len);
		if ((r = sz_cellk_dh_keypair(c, opk, osk)) == SZ_OK &&
		    (r = sz_dh(dh, osk, c->m[idx].prekey)) == SZ_OK &&
		    (r = welcome_outer_key(key, dh, opk, c->m[idx].prekey)) == SZ_OK) {
			memcpy(ad, WELCOME_OUTER, sizeof WELCOME_OUTER - 1);
			memcpy(ad + sizeof WELCOME_OUTER - 1, opk, 32);
			memcpy(ad + sizeof WELCOME_OUTER - 1 + 32, c->m[idx].prekey, 32);
			memcpy(outw, opk, 32);
			r = sz_aead_encrypt(outw + 32, pp, plen, ad, sizeof ad, nonce, key);
		}
		sz_wipe(osk, sizeof osk);
		sz_wipe(dh, sizeof dh);
		sz_wipe(pp, plen);
		sz_secret_free(pp);
		if (r != SZ_OK) {
			free(outw);
			goto out;
		}
		free(res->welcome);
		res->welcome = outw;
		res->welcome_len = 32 + plen + SZ_AEAD_TAG_BYTES;
	}
out:
	sz_buf_free(&b);
	sz_buf_free(&w);
	sz_wipe(esk, sizeof esk);
	sz_wipe(key, sizeof key);
	return r;
}

/* Build my state from the adder's view: the welcome's payload pl (opened), the adder's id and
 * the 2SM channel from it as opening the welcome left it; then my first op into res. */
static int
join_payload(sz_cell *c, const uint8_t id_sk[64], const uint8_t id_xsk[32],
    const sz_cell_joinkeys *jk, const uint8_t prekey_pk[32], const uint8_t adder_id[32],
    const uint8_t recv_ck[32], uint32_t recv_ctr, const uint8_t *pl, size_t pll,
    sz_cell_result *res)
{
	uint8_t rk_pre[32], es[CELL_EPOCHS][32], eacked[CELL_EPOCHS];
	cell_mset eh[CELL_EPOCHS];
	memset(eh, 0, sizeof eh);
	int r;
	sz_rd rd = sz_rd_init(pl, pll);
	c->status = SZ_CELL_ACTIVE;
	sz_rd_copy(&rd, c->cell_id, 32);
	c->name_len = sz_rd_u8(&rd);
	if (c->name_len == 0 || c->name_len > CELL_NAME_MAX)
		sz_rd_fail(&rd, SZ_ERR_MALFORMED);
	sz_rd_copy(&rd, c->name, c->name_len);
	uint32_t add_len = sz_rd_u32(&rd);
	const uint8_t *add = sz_rd_bytes(&rd, add_len);
	sz_rd_copy(&rd, rk_pre, 32);
	unsigned nm = sz_rd_u16(&rd);
	if (nm > CELL_MAX_MEMBERS || nm < 2)
		sz_rd_fail(&rd, SZ_ERR_MALFORMED);
	memcpy(c->id_sk, id_sk, 64);
	memcpy(c->id_xsk, id_xsk, 32);
	for (unsigned i = 0; i < nm && rd.err == 0; i++)
		if (sz_cellst_get_member(&rd, c, i, SZ_ERR_MALFORMED) == 0) {
			c->m[i].base = c->m[i].done;
			get_follow(&rd, &c->m[i]);
		}
	sz_cellst_get_mops(&rd, c);
	unsigned ne = sz_rd_u8(&rd);
	if (ne == 0 || ne > CELL_EPOCHS)
		sz_rd_fail(&rd, SZ_ERR_MALFORMED);
	cell_mset all; /* the members of the table */
	memset(&all, 0, sizeof all);
	for (unsigned i = 0; i < nm && i < CELL_MAX_MEMBERS; i++)
		mset_add(&all, i);
	for (unsigned i = 0; i < ne && rd.err == 0; i++) {
		sz_rd_copy(&rd, es[i], 32);
		eacked[i] = sz_rd_u8(&rd);
		if (eacked[i] > 1)
			sz_rd_fail(&rd, SZ_ERR_MALFORMED);
		get_set(&rd, eh[i].w, cell_words(nm));
	}
	int zme = sz_cellm_find(c, id_sk + 32);
	if (zme < 0)
		sz_rd_fail(&rd, SZ_ERR_MALFORMED);
	else
		get_roots(&rd, c, (uint16_t)zme);
	for (unsigned i = 0; i < nm && rd.err == 0; i++) {
		for (int h = 0; h < c->m[i].nvh; h++)
			if (c->m[i].vh[h] >= c->nmops)
				sz_rd_fail(&rd, SZ_ERR_MALFORMED);
		if (c->m[i].jadd[0] > c->nmops || c->m[i].jadd[1] > c->nmops)
			sz_rd_fail(&rd, SZ_ERR_MALFORMED);
	}
	if ((r = sz_rd_end(&rd)) != SZ_OK)
		goto done;
	for (unsigned i = ne; i-- > 0;) { /* the adder's current epoch ends up newest */
		for (int w = 0; w < CELL_MW; w++) /* the adder's view of its holders, and me */
			eh[i].w[w] &= all.w[w];
		if (zme >= 0)
			mset_add(&eh[i], (unsigned)zme);
		if ((r = sz_cell_epoch_learn(c, es[i], &eh[i])) != SZ_OK)
			goto done;
		if (eacked[i])
			sz_cell_epoch_acked(c, es[i]);
	}
	/* The add entry: signed by the adder's csk, adding me with this prekey. */
	int ai = sz_cellm_find(c, adder_id), zi = sz_cellm_find(c, id_sk + 32), mi = -1;
	sz_entry e;
	cell_op *op = calloc(1, sizeof *op);
	if (op == NULL) {
		r = SZ_ERR_NOMEM;
		goto done;
	}
	r = SZ_ERR_MALFORMED;
	if (ai >= 0 && zi >= 0 && sz_entry_decode(&e, NULL, add, add_len, 0) == SZ_OK &&
	    memcmp(e.author, c->m[ai].csk[0], 32) == 0 &&
	    sz_cellop_decode(op, e.body, e.body_len) == SZ_OK && op->type == OP_ADD &&
	    op->mref == c->m[ai].mref && op->seq == c->m[ai].done &&
	    memcmp(op->target, id_sk + 32, 32) == 0 && memcmp(op->prekey, prekey_pk, 32) == 0 &&
	    memcmp(op->target_csk, jk->csk_pk, 32) == 0) {
		mi = sz_cellm_mop_find(c, (uint16_t)ai, op->seq);
		if (mi >= 0 && c->mop[mi].type == OP_ADD && c->mop[mi].target == zi &&
		    sz_cellm_is_member(c, (uint16_t)zi))
			r = SZ_OK;
	}
	sz_cellop_free(op);
	free(op);
	if (r != SZ_OK)
		goto done;
	c->me = (uint16_t)zi;
	cell_member *am = &c->m[ai], *zm = &c->m[zi];
	memcpy(am->recv_ck, recv_ck, 32);
	am->recv_ctr = recv_ctr;
	am->rk_known = 1;
	memcpy(am->rk, rk_pre, 32);
	/* the welcome gives the adder's step count after its add's step: take that step again */
	if (am->steps == 0) {
		r = SZ_ERR_MALFORMED;
		goto done;
	}
	am->steps--;
	if ((r = sz_cellk_ratchet(c, (uint16_t)ai, (const uint8_t *)"welcome", 7)) != SZ_OK ||
	    (r = sz_cellk_newcomer(sz_cellk_chain_of(am, am->steps), id_sk + 32, zm->rk)) != SZ_OK)
		goto done;
	if (zm->done != 0 || zm->steps != 0 || (memcmp(zm->csk[0], jk->csk_pk, 32) != 0 &&
	    memcmp(zm->csk[1], jk->csk_pk, 32) != 0)) {
		r = SZ_ERR_MALFORMED;
		goto done;
	}
	/* My first op is signed by the key my add named (no one takes it on trust), and names that
	 * add (another member may have added me at once with the same keys: §6.2). */
	memcpy(zm->csk[0], jk->csk_pk, 32);
	memset(zm->csk[1], 0, 32);
	zm->jadd[0] = (uint16_t)(mi + 1);
	zm->jadd[1] = 0;
	zm->restart = 1;
	memcpy(c->csk_sk, jk->csk_sk, 64);
	zm->rk_known = 1;
	zm->alt_known = 0;
	sz_wipe(zm->rk_alt, 32);
	memcpy(c->dh_sk[0], jk->prekey_sk, 32);
	c->dh_used[0] = 1;
	/* My first op: in a small cell an update that rotates my csk and gives everyone fresh
	 * secrets; above CELL_HEAL_AT_ONCE members an ACK op with nothing in it ("joined"), which
	 * costs no member a fold, and my update comes later (docs/PROTOCOL.md §11 §6.2). */
	cell_mset mem;
	unsigned n = 0;
	sz_cellm_members(c, &c->processed, &mem);
	for (int w = 0; w < CELL_MW; w++)
		n += (unsigned)__builtin_popcountll(mem.w[w]);
	if (n <= CELL_HEAL_AT_ONCE) {
		r = sz_cellop_mine(c, OP_UPDATE, 0, res);
	} else {
		c->heal_due = 1;
		c->heal_posts = 0;
		c->heal_at = sz_now_ms(c->env) + CELL_HEAL_MS;
		r = sz_cellop_mine(c, OP_ACK, 0, res);
	}
done:
	sz_wipe(rk_pre, sizeof rk_pre);
	sz_wipe(es, sizeof es);
	return r;
}

int
sz_cellst_join_payload(sz_cell **out, const sz_env *env, const uint8_t id_sk[64],
    const sz_cell_joinkeys *jk, const uint8_t adder_id[32], const uint8_t *pl, size_t pll,
    sz_cell_result *res)
{
	uint8_t xsk[32], zero[32] = { 0 };
	sz_cell *c;
	int r;
	*out = NULL;
	if ((c = sz_cell_alloc(env)) == NULL)
		return SZ_ERR_NOMEM;
	if (crypto_sign_ed25519_sk_to_curve25519(xsk, id_sk) != 0)
		r = SZ_ERR_CRYPTO;
	else
		r = join_payload(c, id_sk, xsk, jk, jk->prekey_pk, adder_id, zero, 0, pl, pll, res);
	sz_wipe(xsk, sizeof xsk);
	if (r != SZ_OK)
		sz_cell_free(c);
	else
		*out = c;
	return r;
}

int
sz_cellst_welcome_open(const sz_env *env, const uint8_t id_sk[64], const sz_cell_joinkeys *jk,
    const uint8_t *welcome, size_t len, uint8_t **plp, size_t *pllp, uint8_t adder[32],
    uint8_t recv_ck[32], uint32_t *recv_ctr)
{
	uint8_t prekey_pk[32], key[32], dh[32], *open = NULL, *pl = NULL;
	uint8_t nonce[SZ_NONCE_BYTES] = { 0 }, ad[sizeof WELCOME_OUTER - 1 + 64];
	const uint8_t *prekey_sk = jk->prekey_sk, *pt;
	size_t ptlen = 0, pll = 0, openlen = 0;
	sz_cell *tmp = NULL;
	uint16_t a0, z0;
	int r;
	*plp = NULL;
	*pllp = 0;
	if ((r = sz_dh_public(prekey_pk, prekey_sk)) != SZ_OK)
		goto out;
	/* The outer seal: only the holder of the prekey's secret opens it. */
	if (len < 32 + 4 + SZ_AEAD_TAG_BYTES || len > 32 + CELL_WELCOME_MAX + SZ_AEAD_TAG_BYTES) {
		r = SZ_ERR_MALFORMED;
		goto out;
	}
	openlen = len - 32 - SZ_AEAD_TAG_BYTES;
	if ((open = sz_secret_alloc(openlen)) == NULL) {
		r = SZ_ERR_NOMEM;
		goto out;
	}
	memcpy(ad, WELCOME_OUTER, sizeof WELCOME_OUTER - 1);
	memcpy(ad + sizeof WELCOME_OUTER - 1, welcome, 32);
	memcpy(ad + sizeof WELCOME_OUTER - 1 + 32, prekey_pk, 32);
	if ((r = sz_dh(dh, prekey_sk, welcome)) != SZ_OK ||
	    (r = welcome_outer_key(key, dh, welcome, prekey_pk)) != SZ_OK)
		goto out;
	if (sz_aead_decrypt(open, welcome + 32, len - 32, ad, sizeof ad, nonce, key) != SZ_OK) {
		r = SZ_ERR_DECRYPT;
		goto out;
	}
	ptlen = sz_load_u32(open);
	pt = open + 4;
	if (ptlen > openlen - 4 || !sodium_is_zero(open + 4 + ptlen, openlen - 4 - ptlen)) {
		r = SZ_ERR_MALFORMED;
		goto out;
	}
	if (ptlen < 1 + 32 + 32 + 6 + SZ_AEAD_TAG_BYTES || pt[0] != SEAL_WELCOME) {
		r = SZ_ERR_MALFORMED;
		goto out;
	}
	/* Open the 2SM start with a scratch state holding just the adder and me. */
	if ((tmp = sz_cell_alloc(env)) == NULL) {
		r = SZ_ERR_NOMEM;
		goto out;
	}
	memcpy(tmp->id_sk, id_sk, 64);
	if (crypto_sign_ed25519_sk_to_curve25519(tmp->id_xsk, id_sk) != 0) {
		r = SZ_ERR_CRYPTO;
		goto out;
	}
	memcpy(tmp->dh_sk[0], prekey_sk, 32);
	tmp->dh_used[0] = 1;
	if ((r = sz_cellm_intern(tmp, pt + 1, prekey_pk, &a0)) != SZ_OK ||
	    (r = sz_cellm_intern(tmp, id_sk + 32, prekey_pk, &z0)) != SZ_OK)
		goto out;
	tmp->me = z0;
	cell_dm dm;
	memset(&dm, 0, sizeof dm);
	dm.tidx = sz_load_u16(pt + 65);
	dm.ctr = sz_load_u32(pt + 67);
	dm.ct = pt + 71;
	dm.ctlen = ptlen - 71;
	pll = dm.ctlen - SZ_AEAD_TAG_BYTES;
	if ((pl = malloc(pll ? pll : 1)) == NULL) {
		r = SZ_ERR_NOMEM;
		goto out;
	}
	if ((r = sz_cellk_dm_open(tmp, &tmp->m[a0], pt + 33, WELCOME_AD, sizeof WELCOME_AD - 1, &dm,
	    pl)) != SZ_OK)
		goto out;
	memcpy(adder, pt + 1, 32);
	memcpy(recv_ck, tmp->m[a0].recv_ck, 32);
	*recv_ctr = tmp->m[a0].recv_ctr;
	*plp = pl;
	*pllp = pll;
	pl = NULL;
out:
	if (open != NULL) {
		sz_wipe(open, openlen);
		sz_secret_free(open);
	}
	if (pl != NULL) {
		sz_wipe(pl, pll);
		free(pl);
	}
	sz_wipe(dh, sizeof dh);
	sz_wipe(key, sizeof key);
	sz_cell_free(tmp);
	return r;
}

int
sz_cell_join(sz_cell **out, const sz_env *env, const uint8_t id_sk[static 64],
    const sz_cell_joinkeys *jk, const uint8_t *welcome, size_t len, sz_cell_result *res)
{
	uint8_t adder[32], ck[32], xsk[32], *pl = NULL;
	size_t pll = 0;
	uint32_t ctr = 0;
	sz_cell *c = NULL;
	int r;
	*out = NULL;
	if ((r = sz_cellst_welcome_open(env, id_sk, jk, welcome, len, &pl, &pll, adder, ck,
	    &ctr)) != SZ_OK)
		goto out;
	if ((c = sz_cell_alloc(env)) == NULL) {
		r = SZ_ERR_NOMEM;
		goto out;
	}
	if (crypto_sign_ed25519_sk_to_curve25519(xsk, id_sk) != 0) {
		r = SZ_ERR_CRYPTO;
		goto out;
	}
	r = join_payload(c, id_sk, xsk, jk, jk->prekey_pk, adder, ck, ctr, pl, pll, res);
out:
	if (pl != NULL) {
		sz_wipe(pl, pll);
		free(pl);
	}
	sz_wipe(ck, sizeof ck);
	sz_wipe(xsk, sizeof xsk);
	if (r != SZ_OK)
		sz_cell_free(c);
	else
		*out = c;
	return r;
}
