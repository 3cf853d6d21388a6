/*
 * members.c - membership of a cell as a function of a causally closed set of membership ops,
 * with strong remove (docs/PROTOCOL.md §11 (Cells) §7).  Layer: cell.
 * Rules: removes and leaves by authorized authors always take effect (so mutual removes remove
 * both); an add is void when a removal of its author is concurrent with it (neither in the
 * other's causal past), or when its author's own add is void; a removed identity is never added
 * again.  Every node evaluating the same set gets the same answer.
 */
#include <stdlib.h>
#include <string.h>

#include "cell/cell_int.h"
#include "crypto/crypto.h"

int
sz_cellm_find(const sz_cell *c, const uint8_t id[32])
{
	for (int i = 0; i < c->nmembers; i++)
		if (memcmp(c->m[i].id, id, 32) == 0)
			return i;
	return -1;
}

int
sz_cellm_by_mref(const sz_cell *c, uint32_t mref)
{
	for (int i = 0; i < c->nmembers; i++)
		if (c->m[i].mref == mref)
			return i;
	return -1;
}

int
sz_cellm_intern(sz_cell *c, const uint8_t id[32], const uint8_t prekey[32], uint16_t *idx)
{
	int i = sz_cellm_find(c, id);
	if (i >= 0) {
		*idx = (uint16_t)i;
		return SZ_OK;
	}
	uint32_t mref = sz_cellk_mref(c->cell_id, id);
	if (sz_cellm_by_mref(c, mref) >= 0)
		return SZ_ERR_EXISTS;
	if (c->nmembers >= CELL_MAX_MEMBERS)
		return SZ_ERR_LIMIT;
	cell_member *m = &c->m[c->nmembers];
	memset(m, 0, sizeof *m);
	memcpy(m->id, id, 32);
	if (crypto_sign_ed25519_pk_to_curve25519(m->xid, id) != 0)
		return SZ_ERR_CRYPTO;
	m->mref = mref;
	memcpy(m->prekey, prekey, 32);
	memcpy(m->dh_pk, prekey, 32);
	*idx = c->nmembers++;
	return SZ_OK;
}

/* Is mop j in the causal past of mop i (or i itself)? */
static int
in_past(const sz_cell *c, unsigned i, unsigned j)
{
	return oset_has(&c->mop[i].past, j);
}

/* Membership of view v (docs/PROTOCOL.md §11 (Cells) §7), into mem (members), rem (removed:
 * a removal of theirs in v that no later add brought them back from) and ban (never to be
 * added again: removed after they had acted, or left); any of the three may be NULL.
 * Removals (authorized removes and leaves) always take effect.  An add takes effect when it
 * is authorized in its own past, its author was a member of that past *as v sees it* (so an
 * add whose author only got in through an add that v voids is void too), and no removal of its
 * author in v is concurrent with it: neither in the other's causal past.  A removal that had
 * seen the add leaves it standing: removing B does not remove the people B invited.  A member
 * is one whose latest entry (create, or an add that takes effect) follows every removal of it
 * in v.  Adds are taken in index order, a linear extension of the causal order (an op is
 * recorded only after its past), so each add's verdict uses only earlier ones. */
static void
membership(const sz_cell *c, const cell_oset *v, cell_mset *mem, cell_mset *rem, cell_mset *ban,
    int *which)
{
	uint16_t rm[CELL_MAX_MOPS], gone[CELL_MAX_MOPS];
	int16_t entry[CELL_MAX_MEMBERS], next[CELL_MAX_MOPS]; /* the creates and adds that bring
	                                                        * each member in, newest first */
	uint8_t eff[CELL_MAX_MOPS];
	size_t nrm = 0;
	cell_mset out, hit, banned;
	for (unsigned i = 0; i < c->nmembers; i++)
		entry[i] = -1;
	memset(&out, 0, sizeof out);
	memset(&hit, 0, sizeof hit);
	memset(&banned, 0, sizeof banned);
	for (unsigned i = 0; i < c->nmops; i++) {
		const cell_mop *o = &c->mop[i];
		eff[i] = 0;
		if (!oset_has(v, i) || !o->authorized)
			continue;
		if (o->type == OP_CREATE || o->type == OP_ADD) {
			uint16_t who = o->type == OP_CREATE ? o->author : o->target;
			next[i] = entry[who];
			entry[who] = (int16_t)i;
		} else if (o->type == OP_REMOVE || o->type == OP_LEAVE) {
			gone[nrm] = o->type == OP_REMOVE ? o->target : o->author;
			rm[nrm++] = (uint16_t)i;
			mset_add(&hit, gone[nrm - 1]);
			/* a removal of one that never acted (its add half done) is a revocation */
			if (o->type == OP_LEAVE || o->tseq > 0)
				mset_add(&banned, gone[nrm - 1]);
		}
	}
	for (unsigned i = 0; i < c->nmops; i++) {
		const cell_mop *o = &c->mop[i];
		if (!oset_has(v, i) || !o->authorized)
			continue;
		if (o->type == OP_CREATE) {
			eff[i] = 1;
			continue;
		}
		if (o->type != OP_ADD)
			continue;
		/* its author a member of its past, as v sees it: an entry of it in that past that v
		 * lets stand and that follows every removal of it in that past */
		int in = 0;
		for (int j = entry[o->author]; j >= 0 && !in; j = next[j]) {
			if ((unsigned)j >= i || !eff[j] || !in_past(c, i, (unsigned)j))
				continue;
			in = 1;
			for (size_t k = 0; k < nrm && in; k++)
				if (gone[k] == o->author && in_past(c, i, rm[k]) && !in_past(c, (unsigned)j, rm[k]))
					in = 0;
		}
		/* no removal of its author concurrent with it */
		for (size_t k = 0; k < nrm && in; k++)
			if (gone[k] == o->author && !in_past(c, i, rm[k]) && !in_past(c, rm[k], i))
				in = 0;
		eff[i] = (uint8_t)in;
	}
	/* members: an entry that v lets stand and that follows every removal of them in v */
	for (unsigned z = 0; z < c->nmembers; z++) {
		for (int j = entry[z]; j >= 0; j = next[j]) {
			if (!eff[j])
				continue;
			int in = 1;
			for (size_t k = 0; k < nrm && in; k++)
				if (gone[k] == z && !in_past(c, (unsigned)j, rm[k]))
					in = 0;
			if (in) {
				mset_add(&out, z);
				if (which != NULL && z == (unsigned)*which) {
					*which = j;
					return;
				}
				break;
			}
		}
	}
	if (which != NULL) {
		*which = -1;
		return;
	}
	if (mem != NULL)
		*mem = out;
	if (rem != NULL)
		for (int w = 0; w < CELL_MW; w++)
			rem->w[w] = hit.w[w] & ~out.w[w];
	if (ban != NULL)
		for (int w = 0; w < CELL_MW; w++)
			ban->w[w] = banned.w[w] & ~out.w[w];
}

void
sz_cellm_renew(sz_cell *c, uint16_t idx, const uint8_t prekey[32], const uint8_t csk[32])
{
	cell_member *m = &c->m[idx];
	sz_cellk_forget(c, idx);
	uint8_t id[32], xid[32];
	uint32_t mref = m->mref;
	memcpy(id, m->id, 32);
	memcpy(xid, m->xid, 32);
	sz_wipe(m, sizeof *m);
	memcpy(m->id, id, 32);
	memcpy(m->xid, xid, 32);
	m->mref = mref;
	memcpy(m->prekey, prekey, 32);
	memcpy(m->dh_pk, prekey, 32);
	memcpy(m->csk[0], csk, 32);
	/* its ratchet comes from the chain of the add's "welcome" step (sz_cellk_newcomer) */
	for (int i = 0; i < CELL_SEEDED; i++) /* it owes nothing from before */
		c->seeded[i].owe.w[idx / 64] &= ~(1ull << (idx % 64));
}

void
sz_cellm_removed(const sz_cell *c, const cell_oset *v, cell_mset *out)
{
	membership(c, v, NULL, out, NULL, NULL);
}

void
sz_cellm_members(const sz_cell *c, const cell_oset *v, cell_mset *out)
{
	membership(c, v, out, NULL, NULL, NULL);
}

void
sz_cellm_banned(const sz_cell *c, const cell_oset *v, cell_mset *out)
{
	membership(c, v, NULL, NULL, out, NULL);
}

int
sz_cellm_entry(const sz_cell *c, uint16_t idx)
{
	int which = idx;
	membership(c, &c->processed, NULL, NULL, NULL, &which);
	return which;
}

int
sz_cellm_mop_find(const sz_cell *c, uint16_t author, uint32_t seq)
{
	for (int i = 0; i < c->nmops; i++)
		if (c->mop[i].author == author && c->mop[i].seq == seq)
			return i;
	return -1;
}

int
sz_cellm_mop_add(sz_cell *c, uint8_t type, uint16_t author, uint16_t target, uint32_t seq,
    uint32_t tseq, const cell_oset *v, int *idx)
{
	cell_mset mem, ban;
	if (c->nmops >= CELL_MAX_MOPS)
		return SZ_ERR_LIMIT;
	if (c->nmops == c->mop_cap) { /* the table grows by halves: the cell is rarely that big */
		size_t cap = c->mop_cap < 64 ? 64 : (size_t)c->mop_cap + c->mop_cap / 2;
		if (cap > CELL_MAX_MOPS)
			cap = CELL_MAX_MOPS;
		cell_mop *t = realloc(c->mop, cap * sizeof *t);
		if (t == NULL)
			return SZ_ERR_NOMEM;
		c->mop = t;
		c->mop_cap = (uint16_t)cap;
	}
	cell_mop *o = &c->mop[c->nmops];
	memset(o, 0, sizeof *o);
	o->type = type;
	o->author = author;
	o->target = target;
	o->seq = seq;
	o->tseq = tseq;
	o->past = *v;
	oset_add(&o->past, c->nmops);
	membership(c, v, &mem, NULL, &ban, NULL);
	switch (type) {
	case OP_CREATE:
		o->authorized = c->nmops == 0;
		break;
	case OP_ADD:
		o->authorized = mset_has(&mem, author) && !mset_has(&mem, target) &&
		    !mset_has(&ban, target) && target != author;
		break;
	case OP_REMOVE:
		o->authorized = mset_has(&mem, author) && mset_has(&mem, target) && target != author;
		break;
	case OP_LEAVE:
		o->authorized = mset_has(&mem, author);
		break;
	default:
		return SZ_ERR_INTERNAL;
	}
	oset_add(&c->processed, c->nmops);
	*idx = c->nmops++;
	return SZ_OK;
}

size_t
sz_cellm_heads(const sz_cell *c, uint16_t *out, size_t max)
{
	cell_oset covered;
	size_t n = 0;
	memset(&covered, 0, sizeof covered);
	for (unsigned j = 0; j < c->nmops; j++) {
		if (!oset_has(&c->processed, j))
			continue;
		for (unsigned w = 0; w <= j / 64; w++) { /* a past holds no later mop */
			uint64_t bits = c->mop[j].past.w[w];
			if ((unsigned)w == j / 64)
				bits &= ~(1ull << (j % 64));
			covered.w[w] |= bits;
		}
	}
	for (unsigned i = 0; i < c->nmops && n < max; i++)
		if (oset_has(&c->processed, i) && !oset_has(&covered, i))
			out[n++] = (uint16_t)i;
	return n;
}

int
sz_cellm_is_member(const sz_cell *c, uint16_t idx)
{
	cell_mset mem;
	sz_cellm_members(c, &c->processed, &mem);
	return mset_has(&mem, idx);
}

void
sz_cellm_applied(sz_cell *c, uint16_t idx, uint32_t seq, const uint8_t id[32],
    const uint8_t signer[32], const uint16_t *heads, size_t nh)
{
	cell_member *m = &c->m[idx];
	uint8_t *rec = m->oprec[seq % CELL_OPREC];
	sz_wipe(m->rk_alt, sizeof m->rk_alt); /* it joined from one add: the other's is moot */
	m->alt_known = 0;
	m->jadd[0] = m->jadd[1] = 0;
	if (heads != NULL) {
		m->nvh = (uint8_t)nh;
		memset(m->vh, 0, sizeof m->vh);
		memcpy(m->vh, heads, nh * sizeof *heads);
	}
	m->done = seq;
	m->nwin = 0;
	memset(m->win, 0, sizeof m->win);
	memcpy(rec, id, 16);
	memcpy(rec + 16, signer, 16);
}

int
sz_cellm_equivocates(const cell_member *m, uint32_t seq, const uint8_t id[32],
    const uint8_t signer[32])
{
	const uint8_t *rec = m->oprec[seq % CELL_OPREC];
	if (seq > m->done || seq <= m->base || m->done - seq >= CELL_OPREC)
		return 0; /* not on record */
	return memcmp(rec + 16, signer, 16) == 0 && memcmp(rec, id, 16) != 0;
}
