/*
 * autosync.c - the automatic sync's schedule (see autosync.h).  Layer: app.
 */
#include "app/autosync.h"

#include <string.h>

#include "lib/backoff.h"

/* A random word from the env. */
static uint32_t
rnd(const sz_autosync *a)
{
	uint32_t r;
	sz_random(a->env, &r, sizeof r);
	return r;
}

/* A uniform value in [lo, hi] (hi >= lo), from the env's randomness. */
static uint64_t
jitter(const sz_autosync *a, uint64_t lo, uint64_t hi)
{
	uint32_t r = rnd(a);
	return hi <= lo ? lo : lo + (uint64_t)r % (hi - lo + 1);
}

void
sz_autosync_init(sz_autosync *a, const sz_autosync_cfg *cfg, const sz_env *env)
{
	memset(a, 0, sizeof *a);
	if (cfg != NULL)
		a->cfg = *cfg;
	if (a->cfg.period_ms == 0)
		a->cfg.period_ms = 60000;
	if (a->cfg.idle_cap == 0)
		a->cfg.idle_cap = SZ_AUTOSYNC_IDLE_CAP;
	if (a->cfg.push_ms == 0)
		a->cfg.push_ms = 1000;
	if (a->cfg.backoff_min_ms == 0)
		a->cfg.backoff_min_ms = 5000;
	if (a->cfg.backoff_max_ms < a->cfg.backoff_min_ms)
		a->cfg.backoff_max_ms = a->cfg.backoff_min_ms > 1800000 ? a->cfg.backoff_min_ms : 1800000;
	if (a->cfg.max_inflight == 0)
		a->cfg.max_inflight = 4;
	a->env = env;
	a->next_id = 1;
}

static bool
same_addr(const sz_addr *x, const sz_addr *y)
{
	return x->port == y->port && strcmp(x->host, y->host) == 0;
}

/* One node: the same key, or (neither has one) the same address. */
static bool
same(const sz_autosync_want *x, const sz_autosync_want *y)
{
	if (x->has_key || y->has_key)
		return x->has_key && y->has_key && memcmp(x->key, y->key, 32) == 0;
	return same_addr(&x->addr[0], &y->addr[0]);
}

/* Remove targets no longer wanted and not in flight, keeping the order of the others. */
static void
compact(sz_autosync *a)
{
	size_t w = 0;
	for (size_t i = 0; i < a->n; i++)
		if (a->t[i].live || a->t[i].inflight)
			a->t[w++] = a->t[i];
	a->n = w;
}

void
sz_autosync_set(sz_autosync *a, const sz_autosync_want *want, size_t n, uint64_t now)
{
	for (size_t i = 0; i < a->n; i++)
		a->t[i].live = false;
	/* Those already known first, wherever they come in want (a new one before them must not
	 * push them out), then the new ones. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t j = 0; j < n; j++) {
			sz_autosync_target *t = NULL;
			if (want[j].naddr == 0 || want[j].naddr > SZ_AUTOSYNC_MAX_ADDRS)
				continue;
			for (size_t i = 0; i < a->n && t == NULL; i++)
				if (same(&a->t[i].w, &want[j]))
					t = &a->t[i];
			if (t != NULL && t->live)
				continue; /* named twice: the first names it */
			if (t != NULL) {
				/* its addresses as they are now; the one being tried stays if still there */
				sz_addr was = t->w.addr[t->cur < t->w.naddr ? t->cur : 0];
				t->w = want[j];
				t->cur = 0;
				for (size_t k = 0; k < t->w.naddr; k++)
					if (same_addr(&t->w.addr[k], &was))
						t->cur = k;
				t->live = true;
				continue;
			}
			if (pass == 0)
				continue;
			if (a->n == SZ_AUTOSYNC_MAX_TARGETS)
				compact(a); /* only those no longer wanted (and not in flight) go */
			if (a->n == SZ_AUTOSYNC_MAX_TARGETS)
				continue;
			t = &a->t[a->n++];
			memset(t, 0, sizeof *t);
			t->id = a->next_id++;
			if (a->next_id == 0)
				a->next_id = 1;
			t->w = want[j];
			t->cur = 0;
			t->live = true;
			t->idle = sz_backoff_idle_start(a->cfg.idle_cap);
			t->due_ms = now + jitter(a, 0, a->cfg.push_ms);
		}
	compact(a);
}

/* Make t due within push_ms (again when done, if in flight); one that is failing keeps its
 * backoff: a push would not reach it. */
static void
poke_one(sz_autosync *a, sz_autosync_target *t, uint64_t now)
{
	if (!t->live || t->fails > 0)
		return;
	if (t->inflight)
		t->again = true;
	else if (t->due_ms > now + a->cfg.push_ms)
		t->due_ms = now + sz_backoff_push_ms(a->cfg.push_ms, rnd(a));
}

void
sz_autosync_poke(sz_autosync *a, uint64_t now)
{
	for (size_t i = 0; i < a->n; i++)
		poke_one(a, &a->t[i], now);
}

size_t
sz_autosync_forward(sz_autosync *a, const uint8_t (*keys)[32], size_t nkeys,
    const uint8_t *except, uint64_t now)
{
	size_t k = 0;
	for (size_t i = 0; i < a->n; i++) {
		sz_autosync_target *t = &a->t[i];
		const uint8_t *key = t->w.has_key ? t->w.key : t->has_seen ? t->seen : NULL;
		if (except != NULL && key != NULL && memcmp(key, except, 32) == 0)
			continue; /* not back to where it came from */
		bool named = keys == NULL;
		for (size_t j = 0; !named && j < nkeys; j++)
			named = t->w.has_key && memcmp(t->w.key, keys[j], 32) == 0;
		if (!named || !t->live || t->fails > 0)
			continue;
		poke_one(a, t, now);
		k++;
	}
	return k;
}

void
sz_autosync_seen(sz_autosync *a, uint32_t id, const uint8_t key[32])
{
	for (size_t i = 0; i < a->n; i++)
		if (a->t[i].id == id) {
			memcpy(a->t[i].seen, key, 32);
			a->t[i].has_seen = true;
		}
}

sz_autosync_target *
sz_autosync_next(sz_autosync *a, uint64_t now)
{
	if (a->inflight >= a->cfg.max_inflight)
		return NULL;
	sz_autosync_target *best = NULL;
	for (size_t i = 0; i < a->n; i++) {
		sz_autosync_target *t = &a->t[i];
		if (t->live && !t->inflight && t->due_ms <= now &&
		    (best == NULL || t->due_ms < best->due_ms))
			best = t;
	}
	if (best != NULL) {
		best->inflight = true;
		best->again = false;
		best->last_try_ms = now;
		a->inflight++;
	}
	return best;
}

void
sz_autosync_set_idle_cap(sz_autosync *a, uint32_t cap, uint64_t now)
{
	if (cap == 0)
		cap = SZ_AUTOSYNC_IDLE_CAP;
	if (cap == a->cfg.idle_cap)
		return;
	a->cfg.idle_cap = cap;
	uint64_t most = a->cfg.period_ms * cap + a->cfg.period_ms * cap / 4; /* the jitter's top */
	for (size_t i = 0; i < a->n; i++) {
		sz_autosync_target *t = &a->t[i];
		if (!t->inflight && t->fails == 0 && t->due_ms > now + most)
			t->due_ms = now + sz_backoff_idle_ms(a->cfg.period_ms, t->idle, cap, rnd(a));
	}
}

/* A session with t went through (either side dialled): its idle streak, its next time. */
static void
went_through(sz_autosync *a, sz_autosync_target *t, bool moved, uint64_t now)
{
	t->fails = 0;
	if (moved)
		t->idle = 0;
	else if (t->idle < SZ_BACKOFF_STREAK_MAX)
		t->idle++;
	t->due_ms = now + sz_backoff_idle_ms(a->cfg.period_ms, t->idle, a->cfg.idle_cap, rnd(a));
}

void
sz_autosync_done(sz_autosync *a, uint32_t id, int err, int retry_s, bool moved, uint64_t now)
{
	sz_autosync_target *t = NULL;
	for (size_t i = 0; i < a->n && t == NULL; i++)
		if (a->t[i].id == id)
			t = &a->t[i];
	if (t == NULL || !t->inflight)
		return;
	t->inflight = false;
	a->inflight--;
	t->last_err = err;
	if (retry_s >= 0) {
		/* it was refused for room, and said when to come back: no failure of its own */
		t->failures++;
		t->due_ms = now + (uint64_t)retry_s * 1000 + jitter(a, 0, 1000);
	} else if (err == SZ_OK) {
		t->syncs++;
		t->last_ok_ms = now;
		went_through(a, t, moved, now);
		if (t->again)
			t->due_ms = now + jitter(a, 0, a->cfg.push_ms / 4);
	} else {
		t->failures++;
		t->fails++;
		t->cur = t->w.naddr > 0 ? (t->cur + 1) % t->w.naddr : 0;
		t->due_ms = now + sz_backoff_fail_ms(a->cfg.backoff_min_ms, a->cfg.backoff_max_ms,
		    t->fails, rnd(a));
	}
	t->again = false;
	compact(a);
}

bool
sz_autosync_heard(sz_autosync *a, const uint8_t key[32], bool ok, bool moved, uint64_t now)
{
	bool found = false;
	for (size_t i = 0; i < a->n; i++) {
		sz_autosync_target *t = &a->t[i];
		const uint8_t *k = t->w.has_key ? t->w.key : t->has_seen ? t->seen : NULL;
		if (k == NULL || memcmp(k, key, 32) != 0 || !t->live)
			continue;
		found = true;
		if (t->inflight)
			continue; /* our own session with it says the rest when it ends */
		uint64_t due = t->due_ms;
		bool failing = t->fails > 0;
		if (!ok) {
			/* it could reach us: ours may reach it, and soon (a push skipped it) */
			t->fails = 0;
			if (failing && due > now + a->cfg.push_ms)
				t->due_ms = now + sz_backoff_push_ms(a->cfg.push_ms, rnd(a));
			continue;
		}
		went_through(a, t, moved, now);
		/* a push pending stays (the session began before what it pushes, perhaps); one that
		 * failed before has missed pushes: what it lacks went in this session */
		if (!failing && due <= now + a->cfg.push_ms)
			t->due_ms = due;
	}
	return found;
}

const sz_addr *
sz_autosync_addr(const sz_autosync_target *t)
{
	return &t->w.addr[t->cur < t->w.naddr ? t->cur : 0];
}

const sz_autosync_target *
sz_autosync_find(const sz_autosync *a, uint32_t id)
{
	for (size_t i = 0; i < a->n; i++)
		if (a->t[i].id == id)
			return &a->t[i];
	return NULL;
}
