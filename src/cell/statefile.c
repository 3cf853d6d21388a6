/*
 * statefile.c - the full serialization of a cell state (versioned, bounded, one canonical form)
 * and its checking decoder, for the encrypted store.  Layer: cell.  docs/PROTOCOL.md §11 (Cells) §8.
 * The bytes hold every secret of the member in the cell: the caller keeps them encrypted.
 */
#include <stdlib.h>
#include <string.h>

#include "cell/cell_int.h"
#include "crypto/crypto.h"

#define STATE_VERSION 6
static const uint8_t MAGIC[7] = { 'S', 'Z', 'C', 'E', 'L', 'L', 0 };

static void
put_author(sz_buf *b, const cell_author *au)
{
	sz_buf_append(b, au->key, 32);
	sz_buf_u8(b, au->tweaked);
	sz_buf_append(b, au->tw, 32);
}

static void
get_author(sz_rd *r, cell_author *au)
{
	sz_rd_copy(r, au->key, 32);
	au->tweaked = sz_rd_u8(r);
	sz_rd_copy(r, au->tw, 32);
	if (au->tweaked > 1 || (!au->tweaked && !sodium_is_zero(au->tw, 32)))
		sz_rd_fail(r, SZ_ERR_NONCANONICAL);
}

static void
put_chain(sz_buf *b, const cell_chain *ch)
{
	sz_buf_u8(b, ch->used);
	sz_buf_u32(b, ch->gen);
	sz_buf_u32(b, ch->ctr);
	sz_buf_append(b, ch->ck, 32);
	put_author(b, &ch->au);
}

static void
get_chain(sz_rd *r, cell_chain *ch)
{
	ch->used = sz_rd_u8(r);
	ch->gen = sz_rd_u32(r);
	ch->ctr = sz_rd_u32(r);
	sz_rd_copy(r, ch->ck, 32);
	get_author(r, &ch->au);
	if (ch->used > 1 || (!ch->used && (ch->gen || ch->ctr || !sodium_is_zero(ch->ck, 32) ||
	    !sodium_is_zero(ch->au.key, 32) || ch->au.tweaked)))
		sz_rd_fail(r, SZ_ERR_NONCANONICAL);
}

static void
put_folds(sz_buf *b, const cell_fold *w, uint8_t n)
{
	sz_buf_u8(b, n);
	sz_cellop_put_folds(b, w, n);
}

static uint8_t
get_folds(sz_rd *r, cell_fold *w)
{
	uint8_t n = sz_rd_u8(r);
	if (n > CELL_WINDOW) {
		sz_rd_fail(r, SZ_ERR_CORRUPT);
		return 0;
	}
	sz_cellop_get_folds(r, w, n);
	return n;
}

static void
put_words(sz_buf *b, const uint64_t *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sz_buf_u64(b, w[i]);
}

static void
get_words(sz_rd *r, uint64_t *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		w[i] = sz_rd_u64(r);
}

/* A member set of a table of n members: its words, no bit past n - 1. */
static void
get_set_of(sz_rd *r, cell_mset *s, unsigned n)
{
	size_t nw = cell_words(n);
	memset(s, 0, sizeof *s);
	get_words(r, s->w, nw);
	if (n % 64 != 0 && nw > 0 && (s->w[nw - 1] >> (n % 64)) != 0)
		sz_rd_fail(r, SZ_ERR_CORRUPT);
}

static void
check_flag(sz_rd *r, uint8_t v)
{
	if (v > 1)
		sz_rd_fail(r, SZ_ERR_NONCANONICAL);
}

int
sz_cell_serialize(const sz_cell *c, uint8_t **out, size_t *len)
{
	sz_buf b = { 0 };
	*out = NULL;
	*len = 0;
	b.secret = true;
	sz_buf_append(&b, MAGIC, sizeof MAGIC);
	sz_buf_u8(&b, STATE_VERSION);
	sz_buf_u8(&b, c->status);
	sz_buf_append(&b, c->cell_id, 32);
	sz_buf_u8(&b, c->name_len);
	sz_buf_append(&b, c->name, c->name_len);
	sz_buf_append(&b, c->id_sk, 64);
	sz_buf_u16(&b, c->me);
	sz_buf_append(&b, c->csk_sk, 64);
	for (int i = 0; i < CELL_DH_RING; i++) {
		sz_buf_u8(&b, c->dh_used[i]);
		sz_buf_u16(&b, c->dh_idx[i]);
		sz_buf_append(&b, c->dh_sk[i], 32);
	}
	sz_buf_u16(&b, c->dh_last);
	put_chain(&b, &c->send);
	sz_buf_u64(&b, c->counter);
	sz_buf_u8(&b, c->vouch_due);
	put_folds(&b, c->pend, c->npend);
	sz_buf_u8(&b, c->heal_due);
	sz_buf_u8(&b, c->heal_posts);
	sz_buf_u64(&b, c->heal_at);
	sz_buf_u16(&b, c->nmembers);
	for (int i = 0; i < c->nmembers; i++) {
		const cell_member *m = &c->m[i];
		sz_cellst_put_member(&b, m);
		sz_buf_u32(&b, m->base);
		put_folds(&b, m->win, m->nwin);
		sz_buf_u8(&b, m->rk_known);
		sz_buf_append(&b, m->rk, 32);
		sz_buf_u8(&b, m->alt_known);
		sz_buf_append(&b, m->rk_alt, 32);
		for (int g = 0; g < CELL_GENS; g++)
			put_chain(&b, &m->ch[g]);
		sz_buf_u32(&b, m->send_ctr);
		sz_buf_u32(&b, m->recv_ctr);
		sz_buf_append(&b, m->send_ck, 32);
		sz_buf_append(&b, m->recv_ck, 32);
		sz_buf_append(&b, m->oprec, sizeof m->oprec);
	}
	size_t nw = cell_words(c->nmembers);
	put_words(&b, c->fresh.w, nw);
	put_words(&b, c->resync.w, nw);
	sz_cellst_put_mops(&b, c);
	size_t n = 0;
	for (int i = 0; i < CELL_SEEDED; i++)
		n += c->seeded[i].used;
	sz_buf_u16(&b, (uint16_t)n);
	for (int i = 0; i < CELL_SEEDED; i++) {
		const cell_seeded *s = &c->seeded[i];
		if (!s->used)
			continue;
		sz_buf_u16(&b, s->author);
		sz_buf_u32(&b, s->seq);
		sz_buf_u8(&b, s->has_e);
		sz_buf_append(&b, s->e, 32);
		put_words(&b, s->holders.w, nw);
		put_words(&b, s->shares.w, nw);
		sz_buf_u64(&b, s->order);
		sz_buf_u8(&b, s->has_msr);
		sz_buf_append(&b, s->msr, 32);
		put_words(&b, s->owe.w, nw);
	}
	n = 0;
	for (int i = 0; i < CELL_EPOCHS; i++)
		n += c->ep[i].used;
	sz_buf_u8(&b, (uint8_t)n);
	for (int i = 0; i < CELL_EPOCHS; i++) {
		const cell_epoch *e = &c->ep[i];
		if (!e->used)
			continue;
		sz_buf_append(&b, e->e, 32);
		sz_buf_u64(&b, e->order);
		put_words(&b, e->holders.w, nw);
		sz_buf_u8(&b, e->acked);
	}
	n = 0;
	for (int i = 0; i < CELL_SKIPPED; i++)
		n += c->skip[i].used;
	sz_buf_u16(&b, (uint16_t)n);
	for (int i = 0; i < CELL_SKIPPED; i++) {
		const cell_skipped *s = &c->skip[i];
		if (!s->used)
			continue;
		sz_buf_u16(&b, s->member);
		sz_buf_u32(&b, s->gen);
		sz_buf_u32(&b, s->ctr);
		sz_buf_append(&b, s->k, 32);
		sz_buf_u64(&b, s->order);
		put_author(&b, &s->au);
	}
	sz_buf_u16(&b, (uint16_t)c->nheld);
	for (size_t i = 0; i < c->nheld; i++) {
		sz_buf_u32(&b, (uint32_t)c->held[i].len);
		sz_buf_append(&b, c->held[i].p, c->held[i].len);
	}
	if (b.err) {
		int r = b.err;
		sz_buf_free(&b);
		return r;
	}
	return sz_buf_take(&b, out, len);
}

int
sz_cell_deserialize(sz_cell **out, const sz_env *env, const uint8_t *buf, size_t len)
{
	sz_rd r = sz_rd_init(buf, len);
	sz_cell *c;
	int rc;
	*out = NULL;
	if ((c = sz_cell_alloc(env)) == NULL)
		return SZ_ERR_NOMEM;
	const uint8_t *magic = sz_rd_bytes(&r, sizeof MAGIC);
	if (magic != NULL && memcmp(magic, MAGIC, sizeof MAGIC) != 0)
		sz_rd_fail(&r, SZ_ERR_MALFORMED);
	if (sz_rd_u8(&r) != STATE_VERSION)
		sz_rd_fail(&r, SZ_ERR_UNSUPPORTED);
	c->status = sz_rd_u8(&r);
	if (c->status < SZ_CELL_ACTIVE || c->status > SZ_CELL_LEFT)
		sz_rd_fail(&r, SZ_ERR_CORRUPT);
	sz_rd_copy(&r, c->cell_id, 32);
	c->name_len = sz_rd_u8(&r);
	if (c->name_len == 0 || c->name_len > CELL_NAME_MAX)
		sz_rd_fail(&r, SZ_ERR_CORRUPT);
	sz_rd_copy(&r, c->name, c->name_len);
	sz_rd_copy(&r, c->id_sk, 64);
	c->me = sz_rd_u16(&r);
	sz_rd_copy(&r, c->csk_sk, 64);
	for (int i = 0; i < CELL_DH_RING; i++) {
		c->dh_used[i] = sz_rd_u8(&r);
		check_flag(&r, c->dh_used[i]);
		c->dh_idx[i] = sz_rd_u16(&r);
		sz_rd_copy(&r, c->dh_sk[i], 32);
	}
	c->dh_last = sz_rd_u16(&r);
	get_chain(&r, &c->send);
	if (!sodium_is_zero(c->send.au.key, 32) || c->send.au.tweaked)
		sz_rd_fail(&r, SZ_ERR_NONCANONICAL);
	c->counter = sz_rd_u64(&r);
	c->vouch_due = sz_rd_u8(&r);
	check_flag(&r, c->vouch_due);
	c->npend = get_folds(&r, c->pend);
	c->heal_due = sz_rd_u8(&r);
	check_flag(&r, c->heal_due);
	c->heal_posts = sz_rd_u8(&r);
	c->heal_at = sz_rd_u64(&r);
	if (!c->heal_due && (c->heal_posts || c->heal_at))
		sz_rd_fail(&r, SZ_ERR_NONCANONICAL);
	unsigned nm = sz_rd_u16(&r);
	if (nm > CELL_MAX_MEMBERS || nm == 0)
		sz_rd_fail(&r, SZ_ERR_CORRUPT);
	for (unsigned i = 0; i < nm && r.err == 0; i++) {
		if (sz_cellst_get_member(&r, c, i, SZ_ERR_CORRUPT) != 0)
			break;
		cell_member *m = &c->m[i];
		m->base = sz_rd_u32(&r);
		m->nwin = get_folds(&r, m->win);
		m->rk_known = sz_rd_u8(&r);
		check_flag(&r, m->rk_known);
		sz_rd_copy(&r, m->rk, 32);
		m->alt_known = sz_rd_u8(&r);
		check_flag(&r, m->alt_known);
		sz_rd_copy(&r, m->rk_alt, 32);
		if (!m->alt_known && !sodium_is_zero(m->rk_alt, 32))
			sz_rd_fail(&r, SZ_ERR_NONCANONICAL);
		for (int g = 0; g < CELL_GENS; g++)
			get_chain(&r, &m->ch[g]);
		m->send_ctr = sz_rd_u32(&r);
		m->recv_ctr = sz_rd_u32(&r);
		sz_rd_copy(&r, m->send_ck, 32);
		sz_rd_copy(&r, m->recv_ck, 32);
		sz_rd_copy(&r, m->oprec, sizeof m->oprec);
		if (m->base > m->done)
			sz_rd_fail(&r, SZ_ERR_CORRUPT);
	}
	if (r.err == 0 && (c->me >= c->nmembers || c->m[c->me].nwin + c->npend > CELL_WINDOW))
		sz_rd_fail(&r, SZ_ERR_CORRUPT);
	size_t nw = cell_words(c->nmembers);
	get_set_of(&r, &c->fresh, c->nmembers);
	get_set_of(&r, &c->resync, c->nmembers);
	for (size_t w = 0; w < nw && r.err == 0; w++) /* resync ⊆ fresh */
		if (c->resync.w[w] & ~c->fresh.w[w])
			sz_rd_fail(&r, SZ_ERR_CORRUPT);
	if (r.err == 0 && crypto_sign_ed25519_sk_to_curve25519(c->id_xsk, c->id_sk) != 0)
		sz_rd_fail(&r, SZ_ERR_CORRUPT);
	if (r.err == 0 && c->status == SZ_CELL_ACTIVE &&
	    memcmp(c->id_sk + 32, c->m[c->me].id, 32) != 0)
		sz_rd_fail(&r, SZ_ERR_CORRUPT);
	if (r.err == 0)
		sz_cellst_get_mops(&r, c);
	for (unsigned i = 0; i < c->nmembers && r.err == 0; i++) {
		for (int h = 0; h < c->m[i].nvh; h++)
			if (c->m[i].vh[h] >= c->nmops)
				sz_rd_fail(&r, SZ_ERR_CORRUPT);
		if (c->m[i].jadd[0] > c->nmops || c->m[i].jadd[1] > c->nmops)
			sz_rd_fail(&r, SZ_ERR_CORRUPT);
	}
	unsigned n = sz_rd_u16(&r);
	if (n > CELL_SEEDED)
		sz_rd_fail(&r, SZ_ERR_CORRUPT);
	for (unsigned i = 0; i < n && r.err == 0; i++) {
		cell_seeded *s = &c->seeded[i];
		s->used = 1;
		s->author = sz_rd_u16(&r);
		s->seq = sz_rd_u32(&r);
		s->has_e = sz_rd_u8(&r);
		check_flag(&r, s->has_e);
		sz_rd_copy(&r, s->e, 32);
		get_set_of(&r, &s->holders, c->nmembers);
		get_set_of(&r, &s->shares, c->nmembers);
		s->order = sz_rd_u64(&r);
		s->has_msr = sz_rd_u8(&r);
		check_flag(&r, s->has_msr);
		sz_rd_copy(&r, s->msr, 32);
		get_set_of(&r, &s->owe, c->nmembers);
		if (s->author >= c->nmembers || (!s->has_msr && !sodium_is_zero(s->msr, 32)))
			sz_rd_fail(&r, SZ_ERR_CORRUPT);
	}
	n = sz_rd_u8(&r);
	if (n > CELL_EPOCHS)
		sz_rd_fail(&r, SZ_ERR_CORRUPT);
	for (unsigned i = 0; i < n && r.err == 0; i++) {
		cell_epoch *e = &c->ep[i];
		uint8_t ek[32];
		sz_rd_copy(&r, ek, 32);
		e->order = sz_rd_u64(&r);
		get_set_of(&r, &e->holders, c->nmembers);
		e->acked = sz_rd_u8(&r);
		check_flag(&r, e->acked);
		if (sz_cellk_epoch(e, ek) != SZ_OK)
			sz_rd_fail(&r, SZ_ERR_INTERNAL);
		e->used = 1;
		sz_wipe(ek, sizeof ek);
	}
	n = sz_rd_u16(&r);
	if (n > CELL_SKIPPED)
		sz_rd_fail(&r, SZ_ERR_CORRUPT);
	for (unsigned i = 0; i < n && r.err == 0; i++) {
		cell_skipped *s = &c->skip[i];
		s->used = 1;
		s->member = sz_rd_u16(&r);
		s->gen = sz_rd_u32(&r);
		s->ctr = sz_rd_u32(&r);
		sz_rd_copy(&r, s->k, 32);
		s->order = sz_rd_u64(&r);
		get_author(&r, &s->au);
		if (s->member >= c->nmembers)
			sz_rd_fail(&r, SZ_ERR_CORRUPT);
	}
	n = sz_rd_u16(&r);
	if (n > CELL_HELD)
		sz_rd_fail(&r, SZ_ERR_CORRUPT);
	for (unsigned i = 0; i < n && r.err == 0; i++) {
		uint32_t hl = sz_rd_u32(&r);
		if (hl == 0 || hl > sz_rd_left(&r) || c->held_bytes + hl > CELL_HELD_BYTES) {
			sz_rd_fail(&r, SZ_ERR_CORRUPT);
			break;
		}
		uint8_t *p = malloc(hl);
		if (p == NULL) {
			sz_rd_fail(&r, SZ_ERR_NOMEM);
			break;
		}
		sz_rd_copy(&r, p, hl);
		c->held[c->nheld].p = p;
		c->held[c->nheld++].len = hl;
		c->held_bytes += hl;
	}
	if ((rc = sz_rd_end(&r)) != SZ_OK) {
		sz_cell_free(c);
		return rc == SZ_ERR_TRUNCATED || rc == SZ_ERR_MALFORMED ? rc : rc;
	}
	*out = c;
	return SZ_OK;
}
