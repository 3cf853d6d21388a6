/*
 * node_pending.c - the queue of my ballots and pledges: signed when the member decides, released
 * at a random moment (sealed with no sender into the cell, stored, filed), kept a while after,
 * and sealed again under a clean epoch if a removal taints the one they left under.
 * Layer: app.  docs/PROTOCOL.md §16 (pend/index, pend/<seq>); docs/threat/decisions.md §2, §10.
 */
#include "app/node_decide.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cell/cell.h"
#include "crypto/crypto.h"
#include "wire/entry.h"
#include "wire/envelope.h"

enum { WAITING = 0, SENT = 1 };
#define FLAG_AT_ONCE 0x01
#define IX_VERSION 1
#define SLOT_BYTES (4 + 1 + 1 + 1 + 8 + 8 + 32 + 32 + 16)

typedef struct slot {
	uint32_t seq;
	uint8_t state, kind, flags;
	uint64_t release_ms;    /* WAITING: when to release; SENT: when it was */
	uint64_t deadline_ms;   /* the proposal's or call's */
	uint8_t cell_id[32], subject[32];
	uint8_t scope[16];      /* SENT: the epoch it was sealed under */
} slot;

typedef struct pend_ix {
	uint32_t next_seq;
	size_t n;
	slot s[SZ_NODE_PENDING_MAX];
} pend_ix;

static void
item_name(char *out, size_t n, uint32_t seq)
{
	snprintf(out, n, "%s%08x", KV_PEND_PREFIX, (unsigned)seq);
}

static int
ix_load(sz_node *n, pend_ix *ix)
{
	sz_buf b = { 0 };
	memset(ix, 0, sizeof *ix);
	ix->next_seq = 1;
	int r = sz_store_kv_get(n->store, KV_PEND_INDEX, &b);
	if (r == SZ_ERR_NOT_FOUND) {
		sz_buf_free(&b);
		return SZ_OK;
	}
	sz_rd rd = sz_rd_init(b.p, b.len);
	if (r == SZ_OK && sz_rd_u8(&rd) != IX_VERSION)
		r = SZ_ERR_CORRUPT;
	ix->next_seq = sz_rd_u32(&rd);
	size_t count = sz_rd_u16(&rd);
	if (r == SZ_OK && (count > SZ_NODE_PENDING_MAX || rd.err))
		r = SZ_ERR_CORRUPT;
	for (size_t i = 0; i < count && r == SZ_OK; i++) {
		slot *s = &ix->s[i];
		s->seq = sz_rd_u32(&rd);
		s->state = sz_rd_u8(&rd);
		s->kind = sz_rd_u8(&rd);
		s->flags = sz_rd_u8(&rd);
		s->release_ms = sz_rd_u64(&rd);
		s->deadline_ms = sz_rd_u64(&rd);
		sz_rd_copy(&rd, s->cell_id, 32);
		sz_rd_copy(&rd, s->subject, 32);
		sz_rd_copy(&rd, s->scope, 16);
		if (s->state > SENT || (s->kind != SZ_KIND_BALLOT && s->kind != SZ_KIND_PLEDGE))
			r = SZ_ERR_CORRUPT;
	}
	if (r == SZ_OK && sz_rd_end(&rd) != SZ_OK)
		r = SZ_ERR_CORRUPT;
	ix->n = r == SZ_OK ? count : 0;
	sz_buf_free(&b);
	if (r != SZ_OK)
		return sz_node_fail(n, r, "the queue of ballots and pledges is damaged");
	return SZ_OK;
}

static int
ix_save(sz_node *n, const pend_ix *ix)
{
	sz_buf b = { 0 };
	sz_buf_u8(&b, IX_VERSION);
	sz_buf_u32(&b, ix->next_seq);
	sz_buf_u16(&b, (uint16_t)ix->n);
	for (size_t i = 0; i < ix->n; i++) {
		const slot *s = &ix->s[i];
		sz_buf_u32(&b, s->seq);
		sz_buf_u8(&b, s->state);
		sz_buf_u8(&b, s->kind);
		sz_buf_u8(&b, s->flags);
		sz_buf_u64(&b, s->release_ms);
		sz_buf_u64(&b, s->deadline_ms);
		sz_buf_append(&b, s->cell_id, 32);
		sz_buf_append(&b, s->subject, 32);
		sz_buf_append(&b, s->scope, 16);
	}
	int r = b.err ? b.err : sz_store_kv_put(n->store, KV_PEND_INDEX, b.p, b.len);
	sz_buf_free(&b);
	return r;
}

/* Remove slot i (and its record); the last slot takes its place. */
static void
ix_remove(sz_node *n, pend_ix *ix, size_t i)
{
	char name[40];
	item_name(name, sizeof name, ix->s[i].seq);
	if (sz_store_kv_delete(n->store, name) != SZ_OK) {
		/* already gone */
	}
	ix->s[i] = ix->s[--ix->n];
}

int
sz_node_pending_add(sz_node *n, sz_cell *c, uint8_t kind, const uint8_t subject[32],
    uint64_t release_ms, uint64_t deadline_ms, bool at_once, const uint8_t *entry, size_t len)
{
	pend_ix *ix = malloc(sizeof *ix);
	sz_buf rec = { .secret = true };
	char name[40];
	int r;
	if (ix == NULL)
		return SZ_ERR_NOMEM;
	if ((r = ix_load(n, ix)) != SZ_OK)
		goto out;
	/* Full: make room by forgetting the released item whose deadline passed longest ago. */
	uint64_t now = sz_now_ms(n->env);
	size_t old = ix->n;
	for (size_t i = 0; ix->n >= SZ_NODE_PENDING_MAX && i < ix->n; i++)
		if (ix->s[i].state == SENT && ix->s[i].deadline_ms < now &&
		    (old == ix->n || ix->s[i].deadline_ms < ix->s[old].deadline_ms))
			old = i;
	if (ix->n >= SZ_NODE_PENDING_MAX && old < ix->n)
		ix_remove(n, ix, old);
	if (ix->n >= SZ_NODE_PENDING_MAX) {
		r = sz_node_fail(n, SZ_ERR_LIMIT, "%d ballots and pledges are queued or kept already",
		    SZ_NODE_PENDING_MAX);
		goto out;
	}
	slot *s = &ix->s[ix->n];
	memset(s, 0, sizeof *s);
	s->seq = ix->next_seq++;
	s->state = WAITING;
	s->kind = kind;
	s->flags = at_once ? FLAG_AT_ONCE : 0;
	s->release_ms = release_ms;
	s->deadline_ms = deadline_ms;
	memcpy(s->cell_id, sz_cell_id(c), 32);
	memcpy(s->subject, subject, 32);
	sz_buf_u8(&rec, 1);
	sz_buf_append(&rec, entry, len);
	item_name(name, sizeof name, s->seq);
	/* the entry first: an index that names a missing record would lose the vote */
	if ((r = rec.err) == SZ_OK && (r = sz_store_kv_put(n->store, name, rec.p, rec.len)) == SZ_OK) {
		ix->n++;
		r = ix_save(n, ix);
	}
	if (r != SZ_OK)
		r = sz_node_fail(n, r, "%s", sz_store_errmsg(n->store));
out:
	sz_buf_free(&rec);
	free(ix);
	return r;
}

/* Drop the slots that match (waiting_only: unreleased ones). */
static int
drop_where(sz_node *n, const uint8_t *subject, const uint8_t *cell_id, bool waiting_only,
    size_t *dropped)
{
	pend_ix *ix = malloc(sizeof *ix);
	size_t k = 0;
	int r;
	if (dropped != NULL)
		*dropped = 0;
	if (ix == NULL)
		return SZ_ERR_NOMEM;
	if ((r = ix_load(n, ix)) == SZ_OK) {
		for (size_t i = 0; i < ix->n;) {
			const slot *s = &ix->s[i];
			if ((subject == NULL || memcmp(s->subject, subject, 32) == 0) &&
			    (cell_id == NULL || memcmp(s->cell_id, cell_id, 32) == 0) &&
			    (!waiting_only || s->state == WAITING)) {
				ix_remove(n, ix, i);
				k++;
			} else {
				i++;
			}
		}
		if (k > 0)
			r = ix_save(n, ix);
	}
	if (dropped != NULL)
		*dropped = k;
	free(ix);
	return r;
}

int
sz_node_pending_drop(sz_node *n, const uint8_t subject[32], size_t *dropped)
{
	return drop_where(n, subject, NULL, true, dropped);
}

int
sz_node_pending_drop_cell(sz_node *n, const uint8_t cell_id[32])
{
	return drop_where(n, NULL, cell_id, false, NULL);
}

int
sz_node_pending_find(sz_node *n, const uint8_t subject[32], uint64_t *release_ms)
{
	pend_ix *ix = malloc(sizeof *ix);
	int r;
	*release_ms = 0;
	if (ix == NULL)
		return SZ_ERR_NOMEM;
	if ((r = ix_load(n, ix)) == SZ_OK) {
		r = SZ_ERR_NOT_FOUND;
		for (size_t i = 0; i < ix->n; i++)
			if (ix->s[i].state == WAITING && memcmp(ix->s[i].subject, subject, 32) == 0 &&
			    (r != SZ_OK || ix->s[i].release_ms < *release_ms)) {
				*release_ms = ix->s[i].release_ms;
				r = SZ_OK;
			}
	}
	free(ix);
	return r;
}

/* Seal slot s's entry into c with no sender, store the envelope, file the entry. */
static int
release_one(sz_node *n, sz_cell *c, slot *s, uint64_t now)
{
	char name[40];
	sz_buf rec = { 0 };
	uint8_t env_id[32], scope[16], local[16], eid[32];
	sz_cell_result res = { 0 };
	item_name(name, sizeof name, s->seq);
	int r = sz_store_kv_get(n->store, name, &rec);
	if (r == SZ_OK && (rec.len < 2 || rec.p[0] != 1))
		r = SZ_ERR_CORRUPT;
	if (r != SZ_OK)
		goto out;
	const uint8_t *entry = rec.p + 1;
	size_t len = rec.len - 1;
	/* Under an epoch every member holds; within the last hour before the deadline, under the
	 * newest clean one if no such epoch has come (a late ballot beats a lost one). */
	if (s->deadline_ms > now && s->deadline_ms - now <= SZ_NODE_LATE_SEAL_MS)
		r = sz_cell_post_anonymous_late(c, entry, len, &res);
	else
		r = sz_cell_post_anonymous(c, entry, len, &res);
	if (r == SZ_OK && res.nout != 1)
		r = SZ_ERR_INTERNAL;
	if (r == SZ_OK) {
		memcpy(scope, res.out[0] + 1, 16);
		r = sz_env_id(env_id, res.out[0], res.outlen[0]);
	}
	/* stores the envelope (it leaves with the next sync) and saves the cell */
	if ((r = sz_node_cell_apply(n, c, r, &res)) != SZ_OK)
		goto out;
	/* The cell gives the caster no event: file my own entry like any other. */
	sz_node_cell_local_scope(c, local);
	sz_store_entry_in in = { local, env_id, entry, len };
	int er;
	if ((r = sz_store_put_entries(n->store, &in, 1, &er)) != SZ_OK)
		goto out;
	if ((r = sz_entry_id(eid, entry, len)) == SZ_OK)
		r = sz_node_anon_note(n, c, eid, scope);
	if (r == SZ_OK) {
		s->state = SENT;
		s->release_ms = now;
		memcpy(s->scope, scope, 16);
	}
out:
	sz_buf_free(&rec);
	return r;
}

/* A released entry whose epoch a removal tainted: queue it again, if there is now a clean epoch
 * every member holds to seal it under (sz_cell_anon_scope).  Returns 1 if it was queued again. */
static int
reseal_needed(sz_node *n, sz_cell *c, slot *s, uint64_t now)
{
	uint8_t cur[16];
	int clean = 1;
	if (sz_cell_scope_clean(c, s->scope, &clean) != SZ_OK || clean)
		return 0;
	if (sz_cell_anon_scope(c, cur) != SZ_OK || memcmp(cur, s->scope, 16) == 0)
		return 0; /* nothing every member holds to seal under yet */
	uint64_t at = now;
	/* A fresh delay: sealing it again right after the removal arrives would tell who cast it. */
	if (!(s->flags & FLAG_AT_ONCE) && sz_decide_release_time(&at, now,
	    now + SZ_DECIDE_DELAY_MAX_MS, SZ_DECIDE_DELAY_MIN_MS, SZ_DECIDE_DELAY_MAX_MS,
	    n->env) != SZ_OK)
		at = now + SZ_DECIDE_DELAY_MAX_MS;
	s->state = WAITING;
	s->release_ms = at;
	return 1;
}

int
sz_node_pending_run(sz_node *n, size_t *released)
{
	pend_ix *ix = malloc(sizeof *ix);
	bool changed = false;
	size_t k = 0;
	int r;
	if (released != NULL)
		*released = 0;
	if (ix == NULL)
		return SZ_ERR_NOMEM;
	/* My enrollments first: made for cells that predate voting keys, and posted again when the
	 * members change (so newcomers learn them). */
	for (size_t i = 0; i < n->ncells; i++)
		if (sz_cell_status(n->cells[i].cell) == SZ_CELL_ACTIVE &&
		    sz_node_vote_ensure(n, n->cells[i].cell) != SZ_OK)
			n->errmsg[0] = '\0'; /* tried again next time */
	if ((r = ix_load(n, ix)) != SZ_OK || ix->n == 0)
		goto out;
	uint64_t now = sz_now_ms(n->env);
	for (size_t i = 0; i < ix->n && r == SZ_OK;) {
		slot *s = &ix->s[i];
		sz_cell *c = sz_node_cell_by_id(n, s->cell_id);
		bool drop = c == NULL || sz_cell_status(c) != SZ_CELL_ACTIVE;
		if (!drop && s->state == SENT) {
			if (now > s->deadline_ms && now - s->deadline_ms > SZ_NODE_RESEAL_KEEP_MS)
				drop = true;
			else if (reseal_needed(n, c, s, now))
				changed = true;
		}
		if (!drop && s->state == WAITING && s->release_ms <= now) {
			int rr = release_one(n, c, s, now);
			if (rr == SZ_OK) {
				k++;
				changed = true;
			} else if (rr == SZ_ERR_AGAIN) {
				/* no epoch every member holds yet (right after a removal): next run */
			} else if (rr == SZ_ERR_NOMEM || rr == SZ_ERR_IO || rr == SZ_ERR_DISK_FULL) {
				r = rr; /* ours: keep it for the next run */
			} else if (rr != SZ_ERR_STATE) {
				/* it cannot be sealed (a damaged record): say so in the log, drop it */
				if (n->log != NULL)
					fprintf(n->log, "cell %s: a queued entry was dropped (%s)\n",
					    sz_cell_name(c), sz_strerror(rr));
				drop = true;
			}
		}
		if (drop) {
			ix_remove(n, ix, i);
			changed = true;
			continue;
		}
		i++;
	}
	if (changed) {
		int sr = ix_save(n, ix);
		if (r == SZ_OK)
			r = sr;
	}
out:
	if (released != NULL)
		*released = k;
	free(ix);
	return r;
}
