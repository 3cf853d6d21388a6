/*
 * members.c - membership of a cell as a function of a causally closed set of membership ops,
 * with strong remove (docs/PROTOCOL.md §11 (Cells) §7).  Layer: cell.
 * Rules: removes and leaves by authorized authors always take effect (so mutual removes remove
 * both); an add is void when its author is removed by an op not in the add's causal past; a
 * removed identity is never added again.  Every node evaluating the same set gets the same answer.
 */
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

void
sz_cellm_removed(const sz_cell *c, const cell_oset *v, cell_mset *out)
{
	memset(out, 0, sizeof *out);
	for (unsigned i = 0; i < c->nmops; i++) {
		const cell_mop *o = &c->mop[i];
		if (!oset_has(v, i) || !o->authorized)
			continue;
		if (o->type == OP_REMOVE)
			mset_add(out, o->target);
		else if (o->type == OP_LEAVE)
			mset_add(out, o->author);
	}
}

/* members(v): authorized creates and adds, less adds made void by a remove (or leave) of their
 * author that is not in the add's causal past, less removed(v).  The removes and leaves of v are
 * gathered first (there are few), so this is O(mops + adds x removes), not O(mops^2): it runs
 * several times for each op received (docs/bench/cell.md). */
void
sz_cellm_members(const sz_cell *c, const cell_oset *v, cell_mset *out)
{
	uint16_t rm[CELL_MAX_MOPS];
	size_t nrm = 0;
	cell_mset removed;
	memset(&removed, 0, sizeof removed);
	memset(out, 0, sizeof *out);
	for (unsigned i = 0; i < c->nmops; i++) {
		const cell_mop *o = &c->mop[i];
		if (!oset_has(v, i) || !o->authorized)
			continue;
		if (o->type == OP_REMOVE || o->type == OP_LEAVE) {
			rm[nrm++] = (uint16_t)i;
			mset_add(&removed, o->type == OP_REMOVE ? o->target : o->author);
		}
	}
	for (unsigned i = 0; i < c->nmops; i++) {
		const cell_mop *o = &c->mop[i];
		if (!oset_has(v, i) || !o->authorized)
			continue;
		if (o->type == OP_CREATE) {
			mset_add(out, o->author);
		} else if (o->type == OP_ADD) {
			int void_add = 0;
			for (size_t k = 0; k < nrm && !void_add; k++) {
				const cell_mop *x = &c->mop[rm[k]];
				uint16_t gone = x->type == OP_REMOVE ? x->target : x->author;
				void_add = gone == o->author && !oset_has(&o->past, rm[k]);
			}
			if (!void_add)
				mset_add(out, o->target);
		}
	}
	for (int w = 0; w < CELL_MW; w++)
		out->w[w] &= ~removed.w[w];
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
    const cell_oset *v, int *idx)
{
	cell_mset mem, rem;
	if (c->nmops >= CELL_MAX_MOPS)
		return SZ_ERR_LIMIT;
	cell_mop *o = &c->mop[c->nmops];
	memset(o, 0, sizeof *o);
	o->type = type;
	o->author = author;
	o->target = target;
	o->seq = seq;
	o->past = *v;
	oset_add(&o->past, c->nmops);
	sz_cellm_members(c, v, &mem);
	sz_cellm_removed(c, v, &rem);
	switch (type) {
	case OP_CREATE:
		o->authorized = c->nmops == 0;
		break;
	case OP_ADD:
		o->authorized = mset_has(&mem, author) && !mset_has(&mem, target) &&
		    !mset_has(&rem, target) && target != author;
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
		for (int w = 0; w < CELL_OW; w++) {
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
sz_cellm_applied(cell_member *m, uint32_t seq, const uint8_t id[32], const uint8_t signer[32])
{
	uint8_t *rec = m->oprec[seq % CELL_OPREC];
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
