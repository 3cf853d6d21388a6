/*
 * peercost.c - refused envelopes counted per sync peer transport key (see peercost.h).
 * Layer: app.  A fixed table searched linearly: 1,024 keys, one lookup per session.
 */
#include "app/peercost.h"

#include <string.h>

static sz_peercost_slot *
find(const sz_peercost *t, const uint8_t key[32])
{
	for (size_t i = 0; i < SZ_PEERCOST_SLOTS; i++)
		if (t->slot[i].used && memcmp(t->slot[i].key, key, 32) == 0)
			return (sz_peercost_slot *)&t->slot[i];
	return NULL;
}

/* A free slot, else the one to give way: not refused and charged longest ago, else the ban that
 * ends first. */
static sz_peercost_slot *
victim(sz_peercost *t, uint64_t now)
{
	sz_peercost_slot *best = NULL;
	for (size_t i = 0; i < SZ_PEERCOST_SLOTS; i++) {
		sz_peercost_slot *e = &t->slot[i];
		if (!e->used)
			return e;
		bool banned = e->until > now, best_banned = best != NULL && best->until > now;
		if (best == NULL || (best_banned && !banned) ||
		    (banned == best_banned && (banned ? e->until < best->until : e->seen < best->seen)))
			best = e;
	}
	return best;
}

void
sz_peercost_charge(sz_peercost *t, const uint8_t key[32], uint64_t refused, uint64_t now)
{
	if (refused == 0)
		return;
	sz_peercost_slot *e = find(t, key);
	if (e == NULL) {
		e = victim(t, now);
		memset(e, 0, sizeof *e);
		memcpy(e->key, key, 32);
		e->used = true;
		e->window_start = now;
	}
	if (now - e->window_start > SZ_PEERCOST_WINDOW_MS) {
		e->window_start = now;
		e->refused = 0;
	}
	e->refused = e->refused + refused < e->refused ? UINT64_MAX : e->refused + refused;
	e->seen = now;
	if (e->refused >= SZ_PEERCOST_LIMIT) {
		e->until = now + SZ_PEERCOST_COOLDOWN_MS;
		/* a new window starts with the ban: after it, the peer has a clean slate */
		e->window_start = now;
		e->refused = 0;
	}
}

bool
sz_peercost_refused(const sz_peercost *t, const uint8_t key[32], uint64_t now)
{
	const sz_peercost_slot *e = find(t, key);
	return e != NULL && e->until > now;
}

uint64_t
sz_peercost_until(const sz_peercost *t, const uint8_t key[32], uint64_t now)
{
	const sz_peercost_slot *e = find(t, key);
	return e != NULL && e->until > now ? e->until : 0;
}
