/*
 * process.c - applying a control op received from another member, in causal order (DCGKA's
 * process_* functions, adapted: docs/PROTOCOL.md §11 (Cells) §6-§7).  Layer: cell.
 * An op is applied only when its author's previous ops and every op it names are applied;
 * otherwise SZ_ERR_AGAIN tells the caller to hold it without effect.  What I owe for an op
 * (an ack, an add-ack) is queued as a fold (fold.c), taken before I next post or sign.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cell/cell_int.h"
#include "crypto/crypto.h"
#include "wire/entry.h"

static int
push_control(sz_cell_result *res, sz_cell *c, int op, uint16_t actor, int subject)
{
	sz_cell_event ev;
	memset(&ev, 0, sizeof ev);
	ev.type = SZ_CELL_EV_CONTROL;
	ev.op = op;
	memcpy(ev.actor, c->m[actor].id, 32);
	if (subject >= 0)
		memcpy(ev.subject, c->m[subject].id, 32);
	return sz_cell_event_push(res, &ev);
}

/* A membership op of a removed member that no one vouches for: recorded (its author's later
 * ops follow it), out of my view, reported. */
static int
unvouched_note(sz_cell *c, int midx, sz_cell_result *res)
{
	sz_cell_event ev;
	oset_del(&c->processed, (unsigned)midx);
	memset(&ev, 0, sizeof ev);
	ev.type = SZ_CELL_EV_REJECTED;
	ev.reason = SZ_ERR_NOT_MEMBER;
	memcpy(ev.actor, c->m[c->mop[midx].author].id, 32);
	if (c->mop[midx].type != OP_LEAVE)
		memcpy(ev.subject, c->m[c->mop[midx].target].id, 32);
	snprintf(ev.text, sizeof ev.text, "%s", "membership op of a removed member that no member "
	    "vouches for: no effect");
	return sz_cell_event_push(res, &ev);
}

/* Resolve (mref, seq): the member index, or AGAIN (unknown / not yet applied). */
static int
resolve(const sz_cell *c, uint32_t mref, uint32_t seq, uint16_t *idx)
{
	int i = sz_cellm_by_mref(c, mref);
	if (i < 0 || seq > c->m[i].done)
		return SZ_ERR_AGAIN;
	*idx = (uint16_t)i;
	return SZ_OK;
}

/* Member b announced two windows that disagree: only b can have signed both (its csk signs its
 * ops; its window key signs its posts), so b equivocates.  Refused and reported. */
int
sz_cellop_window_conflict(sz_cell *c, uint16_t b, sz_cell_result *res, const char *text)
{
	sz_cell_event ev;
	memset(&ev, 0, sizeof ev);
	ev.type = SZ_CELL_EV_REJECTED;
	ev.reason = SZ_ERR_PEER;
	memcpy(ev.actor, c->m[b].id, 32);
	snprintf(ev.text, sizeof ev.text, "%s", text);
	return sz_cell_event_push(res, &ev);
}

/* Find my direct message in op, or NULL. */
static const cell_dm *
my_dm(const sz_cell *c, const cell_op *op)
{
	for (int i = 0; i < op->ndm; i++)
		if (op->dm[i].mref == c->m[c->me].mref)
			return &op->dm[i];
	return NULL;
}

/* The window an op closes becomes the author's (taken on *st by process_op). */
static int
commit_window(sz_cell *c, uint16_t a, const cell_member *st, const cell_take *tk,
    const cell_op *op)
{
	if (st == NULL)
		return SZ_OK;
	c->m[a] = *st;
	return sz_cellf_settle(c, a, tk, op->fold, op->nf, op->dm, op->type == OP_ACK ? op->ndm : 0);
}

static int activate(sz_cell *c, int midx, sz_cell_result *res);

/* The first 8 bytes of the id of member m's op seq, if I applied it and it is on record (its
 * last CELL_OPREC ops), else NULL. */
static const uint8_t *
op_on_record(const cell_member *m, uint32_t seq)
{
	if (seq == 0 || seq > m->done || seq <= m->base || m->done - seq >= CELL_OPREC)
		return NULL;
	return m->oprec[seq % CELL_OPREC];
}

static int
equivocation(sz_cell *c, uint16_t who, sz_cell_result *res)
{
	return sz_cellop_window_conflict(c, who, res, "equivocation: two ops of one member with "
	    "one sequence number (a copy of its state in use?)");
}

/* Record that an op (by author a, authentic, itself vouched for) names member m's op seq with
 * id: a vouch (docs/PROTOCOL.md §11 (Cells) §7.2).  It binds that op and, through each op's
 * prev, all of m's before it.  If I applied an op with that number but another id, m signed two:
 * reported, nothing vouched.  If I have not applied it yet, it waits (pv_seq) for that op.
 * Membership ops of m taken without effect and now vouched for take effect, in order. */
static int
vouch_one(sz_cell *c, uint16_t a, uint32_t mref, uint32_t seq, const uint8_t id[8],
    sz_cell_result *res)
{
	int mi = sz_cellm_by_mref(c, mref), r = SZ_OK;
	if (mi < 0 || mi == a || mi == c->me)
		return SZ_OK;
	cell_member *m = &c->m[mi];
	if (m->vouch >= seq)
		return SZ_OK;
	if (seq > m->done) { /* not applied yet: checked when it is */
		if (seq > m->pv_seq) {
			m->pv_seq = seq;
			memcpy(m->pv_id, id, 8);
		}
		return SZ_OK;
	}
	const uint8_t *rec = op_on_record(m, seq);
	if (rec != NULL && memcmp(rec, id, 8) != 0)
		return equivocation(c, (uint16_t)mi, res);
	m->vouch = seq;
	memcpy(m->vouch_id, id, 8);
	for (unsigned i = 0; i < c->nmops && r == SZ_OK && c->status == SZ_CELL_ACTIVE; i++)
		if (c->mop[i].author == mi && c->mop[i].seq <= seq && !oset_has(&c->processed, i))
			r = activate(c, (int)i, res);
	return r;
}

static int
vouch_all(sz_cell *c, uint16_t a, const cell_op *op, sz_cell_result *res)
{
	int r = SZ_OK;
	for (int i = 0; i < op->nheads && r == SZ_OK; i++)
		r = vouch_one(c, a, op->head_mref[i], op->head_seq[i], op->head_id[i], res);
	for (int i = 0; i < op->nvouch && r == SZ_OK; i++)
		r = vouch_one(c, a, op->vouch_mref[i], op->vouch_seq[i], op->vouch_id[i], res);
	return r;
}

/* The membership effect of a removal (remove or leave, mop midx) that took effect, with the
 * members of my view before it: its target, and whoever it leaves out with it (the people its
 * target added concurrently with it), read nothing new; if I am out, my farewell (heads pre,
 * npre: my view before it) and I go.  The ops I had applied of those now out: I vouch for them
 * (those who apply the removal first take them without effect until a member does, §7.2). */
static int
removal_effect(sz_cell *c, int midx, const uint16_t *pre, size_t npre, const cell_mset *before,
    sz_cell_result *res)
{
	const cell_mop *o = &c->mop[midx];
	uint16_t t = o->type == OP_REMOVE ? o->target : o->author;
	cell_member *tm = &c->m[t];
	int r;
	if (!o->authorized)
		return SZ_OK;
	if (tm->tmax < o->tseq)
		tm->tmax = o->tseq;
	if ((r = push_control(res, c, o->type == OP_REMOVE ? SZ_CELL_OP_REMOVE : SZ_CELL_OP_LEAVE,
	    o->author, t)) != SZ_OK)
		return r;
	if (!sz_cellm_is_member(c, c->me) && c->status == SZ_CELL_ACTIVE) {
		/* My farewell vouches for the removal that put me out (mine, or that of the member
		 * who added me, concurrent with my add): members that took it without effect (its
		 * author was out in their view) apply it too, so all agree that I am out. */
		if (c->send.used && (r = sz_cellop_farewell(c, pre, npre, midx, res)) != SZ_OK)
			return r;
		c->status = SZ_CELL_REMOVED;
		sz_cellst_wipe_keys(c);
		return SZ_OK;
	}
	cell_mset after;
	sz_cellm_members(c, &c->processed, &after);
	for (unsigned z = 0; z < c->nmembers; z++) {
		cell_member *zm = &c->m[z];
		if (z == c->me || !mset_has(before, z) || mset_has(&after, z))
			continue;
		if (zm->vouch < zm->done && zm->done > zm->base) { /* what I applied, by its id */
			zm->vouch = zm->done;
			memcpy(zm->vouch_id, zm->oprec[zm->done % CELL_OPREC], 8);
			if (zm->done > zm->tmax)
				c->vouch_due = 1;
		}
		sz_cellk_forget(c, (uint16_t)z);
	}
	sz_cellf_settle_all(c);
	return SZ_OK;
}

/* A membership op of a removed member, taken without effect, is now vouched for: it joins my
 * view.  An add is void (its author's removal is concurrent with it); a removal takes effect. */
static int
activate(sz_cell *c, int midx, sz_cell_result *res)
{
	uint16_t pre[CELL_MAX_HEADS];
	size_t npre = sz_cellm_heads(c, pre, CELL_MAX_HEADS);
	const cell_mop *o = &c->mop[midx];
	cell_mset before;
	sz_cellm_members(c, &c->processed, &before);
	oset_add(&c->processed, (unsigned)midx);
	if (o->type == OP_REMOVE || o->type == OP_LEAVE)
		return removal_effect(c, midx, pre, npre, &before, res);
	return SZ_OK;
}

/* Member a's first op (op) names the add it joined from: an authorized add of a in the op's own
 * view v.  That add's key must have signed it (signer), and its key and ratchet become a's
 * (slot 0).  An add I kept no slot for (a third concurrent add of one person) leaves a's
 * ratchet unknown to me until its first seeded op restarts it (docs/PROTOCOL.md §11 §4). */
static int
joined_from(sz_cell *c, uint16_t a, const cell_op *op, const cell_oset *v,
    const uint8_t signer[32], const char **why)
{
	cell_member *am = &c->m[a];
	int fa = sz_cellm_by_mref(c, op->jf_mref);
	int mi = fa < 0 ? -1 : sz_cellm_mop_find(c, (uint16_t)fa, op->jf_seq);
	if (mi < 0 || !oset_has(v, (unsigned)mi) || c->mop[mi].type != OP_ADD ||
	    c->mop[mi].target != a || !c->mop[mi].authorized ||
	    memcmp(c->mop[mi].id, op->jf_id, 8) != 0) {
		*why = "a first op that names no add of its author in its own view";
		return SZ_ERR_MALFORMED;
	}
	int slot = am->jadd[0] == mi + 1 ? 0 : am->jadd[1] == mi + 1 ? 1 : -1;
	if (slot >= 0 && memcmp(signer, am->csk[slot], 32) != 0) {
		*why = "a first op not signed by the key its add named";
		return SZ_ERR_BAD_SIGNATURE;
	}
	if (slot < 0) { /* signed by a key I kept (checked before), of another add */
		slot = memcmp(signer, am->csk[0], 32) == 0 ? 0 : 1;
		sz_wipe(slot == 0 ? am->rk : am->rk_alt, 32);
		*(slot == 0 ? &am->rk_known : &am->alt_known) = 0;
	}
	if (slot == 1) { /* it joined from the second add: that add's key and ratchet are its own */
		uint8_t tmp[32], k = am->rk_known;
		uint16_t j = am->jadd[0];
		memcpy(tmp, am->csk[0], 32);
		memcpy(am->csk[0], am->csk[1], 32);
		memcpy(am->csk[1], tmp, 32);
		memcpy(tmp, am->rk, 32);
		memcpy(am->rk, am->rk_alt, 32);
		memcpy(am->rk_alt, tmp, 32);
		am->rk_known = am->alt_known;
		am->alt_known = k;
		am->jadd[0] = am->jadd[1];
		am->jadd[1] = j;
		sz_wipe(tmp, sizeof tmp);
	}
	return SZ_OK;
}

/* The body of sz_cellop_process.  *stp (a copy of the author's record with its window taken),
 * *tk and *op (decoded here) are the caller's to wipe and free. */
static int
process_op(sz_cell *c, const uint8_t *entry, size_t len, sz_cell_result *res, const char **why,
    cell_member **stp, cell_take *tk, cell_op *op)
{
	sz_entry e;
	uint8_t id[32], h[32];
	uint16_t a, rcp[CELL_MAX_MEMBERS];
	cell_oset v;
	cell_mset mem;
	int r, midx = -1;
	size_t nr = 0;
	*why = "";
	memset(&v, 0, sizeof v);
	if ((r = sz_entry_decode(&e, id, entry, len, 0)) != SZ_OK) {
		*why = "control entry does not decode or verify";
		return r;
	}
	if (e.kind != SZ_KIND_CELL_CONTROL || e.nparents != 0) {
		*why = "not a control entry";
		return SZ_ERR_MALFORMED;
	}
	if ((r = sz_cellop_decode(op, e.body, e.body_len)) != SZ_OK) {
		*why = r == SZ_ERR_NOMEM ? "out of memory for the op's table of direct messages" :
		    "control body malformed";
		return r;
	}
	if (op->type == OP_CREATE) {
		*why = "a create is never received";
		return SZ_ERR_DENIED;
	}
	int ai = sz_cellm_by_mref(c, op->mref);
	if (ai < 0) {
		*why = "author unknown yet (its add has not arrived)";
		return SZ_ERR_AGAIN;
	}
	a = (uint16_t)ai;
	cell_member *am = &c->m[a];
	if (op->seq <= am->done) {
		if (!sz_cellm_equivocates(am, op->seq, id, e.author)) {
			*why = "op already applied";
			return SZ_ERR_REPLAY;
		}
		/* Signed by the author's key of the time, unlike the op applied with that number: the
		 * author equivocates (if the author is me, someone holds a copy of my state). */
		sz_cell_event ev;
		memset(&ev, 0, sizeof ev);
		ev.type = SZ_CELL_EV_REJECTED;
		ev.reason = SZ_ERR_PEER;
		memcpy(ev.actor, am->id, 32);
		snprintf(ev.text, sizeof ev.text, "%s", a == c->me ?
		    "an op in my name that I did not make: someone holds a copy of my state" :
		    "equivocation: a second, different op with the same sequence number; refused");
		return sz_cell_event_push(res, &ev);
	}
	/* An op of a member removed in my view has a membership effect only if a removal I applied
	 * had seen it (<= tmax) or a member vouched that it applied it before it learnt of the
	 * removal (<= vouch): whatever heads it claims, a removed member's later ops change no one's
	 * membership (docs/PROTOCOL.md §11 (Cells) §7.2).  A few past that are still taken for their
	 * keys (a member that applied them may seal under their epochs, and its vouch may follow);
	 * beyond those, refused (a genuine one comes back with a later sync, once vouched for). */
	cell_mset mem_now;
	sz_cellm_members(c, &c->processed, &mem_now);
	uint32_t floor = am->tmax > am->vouch ? am->tmax : am->vouch;
	int unvouched = a != c->me && !mset_has(&mem_now, a) && op->seq > floor;
	if (unvouched && op->seq - floor > CELL_UNVOUCHED && op->seq > am->pv_seq) {
		*why = "an op of a removed member past what any member vouches for";
		return SZ_ERR_NOT_MEMBER;
	}
	/* Every op this one names (heads, acknowledged ops, vouches) its author applied: for a
	 * member removed in my view, that is a vouch; an unvouched op vouches for nothing.  Taken
	 * from an op ahead of its turn too, when its author's current key signed it (ACK ops do not
	 * change it): a vouch may arrive in an op whose predecessors were sealed under epochs I am
	 * not given, and the removal it vouches for may be mine. */
	if (!unvouched && !sodium_is_zero(am->csk[0], 32) && memcmp(e.author, am->csk[0], 32) == 0) {
		if ((r = vouch_all(c, a, op, res)) != SZ_OK)
			return r;
		if (c->status != SZ_CELL_ACTIVE)
			return SZ_OK; /* a vouched removal of me: I am out, this op no longer matters */
	}
	if (op->seq != am->done + 1) {
		*why = "waiting for the author's earlier ops";
		return SZ_ERR_AGAIN;
	}
	/* Authorship: every op is signed by its author's current csk.  A newcomer's first csk is
	 * the one named in its add (by the member who added it), never taken on trust; two
	 * concurrent adds of one person name two, and its first op may be signed by either. */
	if (sodium_is_zero(am->csk[0], 32) || (memcmp(e.author, am->csk[0], 32) != 0 &&
	    !(am->done == 0 && !sodium_is_zero(am->csk[1], 32) &&
	    memcmp(e.author, am->csk[1], 32) == 0))) {
		*why = "signed by a key that is not the author's cell signing key";
		return SZ_ERR_BAD_SIGNATURE;
	}
	/* its prev: the author's op before it, as I applied it */
	const uint8_t *prev = op_on_record(am, op->seq - 1);
	if (prev != NULL && memcmp(prev, op->prev, 8) != 0)
		return equivocation(c, a, res);
	uint16_t hidx[CELL_MAX_HEADS];
	for (int i = 0; i < op->nheads; i++) {
		uint16_t hi;
		if (resolve(c, op->head_mref[i], op->head_seq[i], &hi) != SZ_OK) {
			*why = "waiting for a membership op it follows";
			return SZ_ERR_AGAIN;
		}
		int mi = sz_cellm_mop_find(c, hi, op->head_seq[i]);
		if (mi < 0) {
			*why = "a declared head is not a membership op";
			return SZ_ERR_MALFORMED;
		}
		if (memcmp(c->mop[mi].id, op->head_id[i], 8) != 0) /* I hold another op there */
			return equivocation(c, hi, res);
		hidx[i] = (uint16_t)mi;
		for (int w = 0; w < CELL_OW; w++)
			v.w[w] |= c->mop[mi].past.w[w];
	}
	for (int i = 0; i < op->nvouch; i++) {
		uint16_t hi;
		if (resolve(c, op->vouch_mref[i], op->vouch_seq[i], &hi) != SZ_OK) {
			*why = "waiting for an op it vouches for";
			return SZ_ERR_AGAIN;
		}
	}
	int tgt = op->type == OP_REMOVE ? sz_cellm_find(c, op->target) : -1;
	if (tgt >= 0 && c->m[tgt].done < op->target_seq) {
		*why = "waiting for the removed member's ops its remover had applied";
		return SZ_ERR_AGAIN;
	}
	/* Heads are monotone: an op's view holds what its author's previous op had seen, and the
	 * membership ops its window acknowledges.  Otherwise its author is back-dating. */
	for (int i = 0; i < am->nvh; i++)
		if (am->vh[i] >= c->nmops || !oset_has(&v, am->vh[i])) {
			*why = "an op whose view leaves out what its author's earlier op had seen";
			return sz_cellop_window_conflict(c, a, res, *why);
		}
	for (int i = 0; i < op->nf; i++) {
		int fa = sz_cellm_by_mref(c, op->fold[i].mref);
		int mi = fa < 0 ? -1 : sz_cellm_mop_find(c, (uint16_t)fa, op->fold[i].seq);
		if (mi >= 0 && !oset_has(&v, (unsigned)mi)) {
			*why = "an op that acknowledges a membership op its view leaves out";
			return sz_cellop_window_conflict(c, a, res, *why);
		}
	}
	sz_cellm_members(c, &v, &mem);
	if (!mset_has(&mem, a)) {
		*why = "author is not a member in the op's own view";
		return SZ_ERR_NOT_MEMBER;
	}
	if (am->done == 0 && (r = joined_from(c, a, op, &v, e.author, why)) != SZ_OK)
		return r;
	if ((r = sz_cellop_bind_hash(h, e.author, e.body, op->prefix_len)) != SZ_OK)
		return r;
	int active = c->status == SZ_CELL_ACTIVE;
	int author_in = sz_cellm_is_member(c, a);
	/* The window the op closes (docs/PROTOCOL.md §11 §4.1): the author's folds since its last
	 * op, taken on a copy of its record, which becomes its record when the op is applied. */
	if (op->type != OP_LEAVE) {
		if (op->nf < am->nwin)
			return sz_cellop_window_conflict(c, a, res,
			    "an op that closes less of a window than its author announced");
		if ((*stp = malloc(sizeof **stp)) == NULL)
			return SZ_ERR_NOMEM;
		**stp = *am;
		r = sz_cellf_take(c, a, *stp, op->fold, op->nf, op->dm, op->type == OP_ACK ? op->ndm : 0,
		    op->ek, h, tk, why);
		if (r == SZ_ERR_PEER)
			return sz_cellop_window_conflict(c, a, res, *why);
		if (r != SZ_OK)
			return r;
	}

	switch (op->type) {
	case OP_ADD: {
		uint16_t t;
		if ((r = sz_cellm_intern(c, op->target, op->prekey, &t)) != SZ_OK) {
			*why = "added identity unusable in this cell";
			return r;
		}
		cell_mset rem_before;
		sz_cellm_removed(c, &c->processed, &rem_before);
		if ((r = sz_cellm_mop_add(c, OP_ADD, a, t, op->seq, 0, &v, &midx)) != SZ_OK)
			return r;
		memcpy(c->mop[midx].id, id, 8);
		int ok = c->mop[midx].authorized && !unvouched;
		/* It comes back after a revocation of its half-done add: a fresh record. */
		if (ok && t != c->me && mset_has(&rem_before, t) && sz_cellm_is_member(c, t))
			sz_cellm_renew(c, t, op->prekey, op->target_csk);
		/* The newcomer's first cell signing key, named by its adder: its first op must be
		 * signed by it.  A second add of one person (two members adding it at once) names
		 * another; either may sign its first op (it joins from one welcome).  Named by an
		 * unvouched add too: the newcomer's ops are followed for causal order even if this add
		 * has no effect (its removals take effect all the same). */
		int slot = -1; /* which of the newcomer's first keys this add named: its ratchet too */
		if (c->mop[midx].authorized && c->m[t].done == 0 && t != c->me) {
			cell_member *tm = &c->m[t];
			/* Two adds are kept, whatever keys they name (one join request admitted by two
			 * members names the same twice); the first op names the one it took.  A third
			 * is applied for membership only (§11 §10). */
			slot = tm->jadd[0] == 0 ? 0 : tm->jadd[1] == 0 ? 1 : -1;
			if (slot >= 0) {
				memcpy(tm->csk[slot], op->target_csk, 32);
				tm->jadd[slot] = (uint16_t)(midx + 1);
				tm->restart = 1;
			}
		}
		/* The welcome gave the newcomer the epochs its add lists (those its adder knew); the
		 * others it lacks, and members send them with their add-acks (§4.1).  An add the rules
		 * refuse (an honest adder never makes one: sz_cell_add) marks nothing: its author could
		 * as well have leaked the epochs without any op-> */
		const cell_epoch *newest = NULL;
		for (int i = 0; ok && i < CELL_EPOCHS; i++)
			for (int j = 0; c->ep[i].used && j < op->nwep; j++)
				if (memcmp(c->ep[i].scope, op->wep + 8 * j, 8) == 0 &&
				    (newest == NULL || c->ep[i].order > newest->order))
					newest = &c->ep[i];
		if (ok)
			sz_cellf_mark_holders(c, t, op->wep, op->nwep);
		if (newest != NULL)
			memcpy(c->m[t].sure, newest->scope, 8);
		if ((r = commit_window(c, a, *stp, tk, op)) != SZ_OK)
			return r;
		sz_cellm_applied(c, a, op->seq, id, e.author, hidx, op->nheads);
		if ((r = sz_cellk_ratchet(c, a, (const uint8_t *)"welcome", 7)) != SZ_OK)
			return r;
		if (slot >= 0) { /* the newcomer's ratchet, from the chain this step started (§4) */
			cell_member *tm = &c->m[t];
			uint8_t *rk = slot == 0 ? tm->rk : tm->rk_alt, *known = slot == 0 ?
			    &tm->rk_known : &tm->alt_known;
			*known = sz_cellk_newcomer(sz_cellk_chain_of(am, am->steps), tm->id, rk) == SZ_OK;
			if (!*known)
				sz_wipe(rk, 32);
		}
		if (unvouched)
			return unvouched_note(c, midx, res);
		if (!ok) { /* kept for causal order, without effect */
			cell_mset rem;
			sz_cellm_removed(c, &v, &rem);
			sz_cell_event ev;
			memset(&ev, 0, sizeof ev);
			ev.type = SZ_CELL_EV_REJECTED;
			ev.reason = SZ_ERR_DENIED;
			memcpy(ev.actor, am->id, 32);
			memcpy(ev.subject, c->m[t].id, 32);
			snprintf(ev.text, sizeof ev.text, "%s", mset_has(&rem, t) ?
			    "add of a removed identity: refused (it must come back with a new identity)" :
			    "add of a member, or by the member itself: refused");
			return sz_cell_event_push(res, &ev);
		}
		if ((r = push_control(res, c, SZ_CELL_OP_ADD, a, t)) != SZ_OK)
			return r;
		/* A step of my ratchet the newcomer can follow (an add fold), taken before my next
		 * post or op; it follows me from its welcome, or from the fold's item (§4.1). */
		if (active && t != c->me && sz_cellm_is_member(c, t) && sz_cellm_is_member(c, c->me))
			r = sz_cellf_added(c, a, op->seq, t, res);
		return r;
	}
	case OP_UPDATE:
	case OP_REMOVE: {
		int t = -1;
		if (op->type == OP_REMOVE) {
			t = sz_cellm_find(c, op->target);
			if (t < 0 || !mset_has(&mem, (unsigned)t) || t == a) {
				*why = "remove of someone who is not a member";
				return SZ_ERR_NOT_MEMBER;
			}
		}
		nr = sz_cellop_recipients(c, &v, a, t, rcp);
		if (nr != op->ndm) {
			*why = "direct messages do not match the membership";
			return SZ_ERR_MALFORMED;
		}
		for (size_t i = 0; i < nr; i++)
			if (op->dm[i].mref != c->m[rcp[i]].mref) {
				*why = "direct messages do not match the membership";
				return SZ_ERR_MALFORMED;
			}
		const cell_dm *dm = my_dm(c, op);
		uint8_t seed[32], s_a[32] = { 0 };
		int have = 0;
		if ((r = commit_window(c, a, *stp, tk, op)) != SZ_OK)
			return r;
		if (dm != NULL && c->status == SZ_CELL_ACTIVE) {
			if ((r = sz_cellk_dm_open(c, am, op->ek, h, 32, dm, seed)) != SZ_OK) {
				*why = "direct message does not open";
				return r;
			}
			have = 1;
		}
		cell_seeded *x = sz_cellop_seeded_new(c);
		x->author = a;
		x->seq = op->seq;
		mset_add(&x->holders, a);
		for (size_t i = 0; i < nr; i++) {
			mset_add(&x->holders, rcp[i]);
			mset_add(&x->owe, rcp[i]);
		}
		x->shares = x->holders;
		sz_cellm_applied(c, a, op->seq, id, e.author, hidx, op->nheads);
		if (have) {
			r = sz_cellop_absorb_seed(c, a, seed, x, s_a);
			sz_wipe(seed, sizeof seed);
			if (r != SZ_OK) {
				sz_wipe(s_a, sizeof s_a);
				return r;
			}
		} else if (am->rk_known) {
			/* I know the ratchet but got no seed: the chain is lost for me. */
			sz_cellk_forget(c, a);
		}
		memcpy(am->csk[1], am->csk[0], 32);
		memcpy(am->csk[0], op->csk_new, 32);
		memcpy(am->dh_pk, op->dh_new, 32);
		am->dh_idx = sz_load_u16(op->dh_new + 32);
		/* A newcomer's first seeded op restarts its ratchet from zeros (§4): a member that could
		 * not derive its first ratchet (it lost the adder's, or kept another add's) follows it
		 * from here, as everyone else does. */
		if (am->restart) {
			sz_wipe(am->rk, sizeof am->rk);
			am->rk_known = (uint8_t)(have != 0);
			am->restart = 0;
		}
		/* the author's own step: its posts from here are authored by its new csk */
		r = sz_cellk_ratchet(c, a, s_a, 32);
		sz_wipe(s_a, sizeof s_a);
		if (r != SZ_OK)
			return r;
		if (op->type == OP_REMOVE) {
			uint16_t pre[CELL_MAX_HEADS];
			size_t npre = sz_cellm_heads(c, pre, CELL_MAX_HEADS);
			cell_mset before;
			sz_cellm_members(c, &c->processed, &before);
			if ((r = sz_cellm_mop_add(c, OP_REMOVE, a, (uint16_t)t, op->seq, op->target_seq, &v,
			    &midx)) != SZ_OK)
				return r;
			memcpy(c->mop[midx].id, id, 8);
			if (unvouched)
				return unvouched_note(c, midx, res);
			if ((r = removal_effect(c, midx, pre, npre, &before, res)) != SZ_OK ||
			    c->status != SZ_CELL_ACTIVE)
				return r;
		} else if (!author_in) {
			sz_cell_event ev;
			memset(&ev, 0, sizeof ev);
			ev.type = SZ_CELL_EV_REJECTED;
			ev.reason = SZ_ERR_NOT_MEMBER;
			memcpy(ev.actor, am->id, 32);
			snprintf(ev.text, sizeof ev.text, "update by a removed member: kept for causal order, "
			    "without effect");
			if ((r = sz_cell_event_push(res, &ev)) != SZ_OK)
				return r;
		} else if ((r = push_control(res, c, SZ_CELL_OP_UPDATE, a, -1)) != SZ_OK) {
			return r;
		}
		/* I owe my ack: a fold, taken before my next post or op (lazy acks, §4.1) */
		if (have && author_in && active && sz_cellm_is_member(c, c->me))
			r = sz_cellf_queue(c, FOLD_ACK, a, op->seq, res);
		return r;
	}
	case OP_ACK:
		if ((r = commit_window(c, a, *stp, tk, op)) != SZ_OK)
			return r;
		/* the op closes the window with a step of its own */
		sz_cellm_applied(c, a, op->seq, id, e.author, hidx, op->nheads);
		r = sz_cellk_ratchet(c, a, (const uint8_t *)"ack", 3);
		break;
	case OP_LEAVE: {
		cell_mset before;
		uint16_t pre[CELL_MAX_HEADS];
		size_t npre = sz_cellm_heads(c, pre, CELL_MAX_HEADS);
		sz_cellm_members(c, &c->processed, &before);
		if ((r = sz_cellm_mop_add(c, OP_LEAVE, a, a, op->seq, op->seq, &v, &midx)) != SZ_OK)
			return r;
		memcpy(c->mop[midx].id, id, 8);
		sz_cellm_applied(c, a, op->seq, id, e.author, hidx, op->nheads);
		if (unvouched)
			return unvouched_note(c, midx, res);
		if ((r = removal_effect(c, midx, pre, npre, &before, res)) != SZ_OK ||
		    c->status != SZ_CELL_ACTIVE)
			return r;
		/* The member with the lowest mref among those left rekeys (docs/PROTOCOL.md §11 (Cells) §6.7). */
		if (author_in && active && sz_cellm_is_member(c, c->me)) {
			cell_mset now;
			sz_cellm_members(c, &c->processed, &now);
			int low = -1;
			for (int i = 0; i < c->nmembers; i++)
				if (mset_has(&now, (unsigned)i) && (low < 0 || c->m[i].mref < c->m[low].mref))
					low = i;
			if (low == c->me)
				r = sz_cellop_mine(c, OP_UPDATE, 0, res);
		}
		return r;
	}
	default:
		return SZ_ERR_INTERNAL;
	}
	return r;
}

int
sz_cellop_process(sz_cell *c, const uint8_t *entry, size_t len, sz_cell_result *res,
    const char **why)
{
	cell_member *st = NULL;
	cell_take tk;
	cell_op op;
	memset(&tk, 0, sizeof tk);
	memset(&op, 0, sizeof op);
	int r = process_op(c, entry, len, res, why, &st, &tk, &op);
	sz_cellop_free(&op);
	sz_cellf_take_wipe(&tk);
	if (st != NULL) {
		sz_wipe(st, sizeof *st);
		free(st);
	}
	/* a vouch that waited for the op it names, now applied */
	for (uint16_t i = 0; i < c->nmembers && r == SZ_OK && c->status == SZ_CELL_ACTIVE; i++) {
		cell_member *m = &c->m[i];
		if (m->pv_seq > m->vouch && m->pv_seq <= m->done) {
			uint32_t seq = m->pv_seq;
			uint8_t pid[8];
			memcpy(pid, m->pv_id, 8);
			m->pv_seq = 0;
			memset(m->pv_id, 0, 8);
			r = vouch_one(c, UINT16_MAX, m->mref, seq, pid, res);
		}
	}
	if (r == SZ_OK) /* a full window, or a fold that must forward, goes now */
		r = sz_cellf_maybe_flush(c, res);
	return r;
}
