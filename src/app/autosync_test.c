/*
 * autosync_test.c - unit tests of the automatic sync's schedule (app/autosync.c): first syncs
 * soon, then every period with jitter, pushes after a local change, exponential backoff, the wait
 * a busy peer asks for, the bound on syncs in flight, targets that come and go, the period that
 * grows while sessions move nothing and what resets it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "app/autosync.h"

static sz_autosync_want
want(int i)
{
	sz_autosync_want w;
	memset(&w, 0, sizeof w);
	w.naddr = 1;
	snprintf(w.addr[0].host, sizeof w.addr[0].host, "127.0.0.%d", i);
	w.addr[0].port = 7070;
	return w;
}

static size_t
due_by(sz_autosync *a, uint64_t now, sz_autosync_target **got, size_t max)
{
	size_t k = 0;
	sz_autosync_target *t;
	while (k < max && (t = sz_autosync_next(a, now)) != NULL)
		got[k++] = t;
	return k;
}

static void
test_period_and_bound(void **state)
{
	(void)state;
	sz_env_seeded e;
	sz_env_seeded_init(&e, 1, 0);
	sz_autosync a;
	sz_autosync_cfg cfg = { .period_ms = 60000, .push_ms = 1000, .max_inflight = 2 };
	sz_autosync_init(&a, &cfg, &e.env);
	sz_autosync_want w[3] = { want(1), want(2), want(3) };
	sz_autosync_set(&a, w, 3, 0);
	assert_int_equal(a.n, 3);
	sz_autosync_target *got[8];
	/* within push_ms every new target is due; at most 2 at once */
	assert_int_equal(due_by(&a, 1000, got, 8), 2);
	assert_null(sz_autosync_next(&a, 1000));
	uint32_t id0 = got[0]->id, id1 = got[1]->id;
	sz_autosync_done(&a, id0, SZ_OK, -1, true, 1500);
	sz_autosync_target *third = sz_autosync_next(&a, 1500);
	assert_non_null(third);
	assert_int_not_equal(third->id, id0);
	assert_int_not_equal(third->id, id1);
	/* the next sync with one that went through: 45..75 s later */
	const sz_autosync_target *t0 = sz_autosync_find(&a, id0);
	assert_true(t0->due_ms >= 1500 + 45000 && t0->due_ms <= 1500 + 75000);
	assert_int_equal(t0->syncs, 1);
	assert_int_equal(t0->fails, 0);
	assert_int_equal(t0->last_ok_ms, 1500);
}

static void
test_backoff_and_busy(void **state)
{
	(void)state;
	sz_env_seeded e;
	sz_env_seeded_init(&e, 2, 0);
	sz_autosync a;
	sz_autosync_cfg cfg = { .period_ms = 60000, .push_ms = 1000, .backoff_min_ms = 5000,
		.backoff_max_ms = 40000, .max_inflight = 4 };
	sz_autosync_init(&a, &cfg, &e.env);
	sz_autosync_want w = want(9);
	sz_autosync_set(&a, &w, 1, 0);
	uint64_t now = 1000;
	uint64_t expect_max[] = { 5000, 10000, 20000, 40000, 40000, 40000 };
	for (int k = 0; k < 6; k++) {
		sz_autosync_target *t = sz_autosync_next(&a, now);
		assert_non_null(t);
		uint32_t id = t->id;
		sz_autosync_done(&a, id, SZ_ERR_UNREACHABLE, -1, true, now);
		const sz_autosync_target *f = sz_autosync_find(&a, id);
		assert_int_equal(f->fails, (uint32_t)k + 1);
		assert_true(f->due_ms >= now + expect_max[k] / 2 && f->due_ms <= now + expect_max[k]);
		assert_null(sz_autosync_next(&a, f->due_ms - 1));
		now = f->due_ms;
	}
	/* a push does not hammer a failing target */
	uint64_t due = sz_autosync_find(&a, a.t[0].id)->due_ms;
	sz_autosync_poke(&a, now - 10);
	assert_int_equal(sz_autosync_find(&a, a.t[0].id)->due_ms, due);
	/* busy, come back in 7 s: exactly that (and up to 1 s), and no failure of its own */
	sz_autosync_target *t = sz_autosync_next(&a, now);
	assert_non_null(t);
	uint32_t id = t->id;
	sz_autosync_done(&a, id, SZ_OK, -1, true, now); /* it went through: the failures are forgiven */
	assert_int_equal(sz_autosync_find(&a, id)->fails, 0);
	now = sz_autosync_find(&a, id)->due_ms;
	t = sz_autosync_next(&a, now);
	sz_autosync_done(&a, t->id, SZ_ERR_CLOSED, 7, true, now);
	const sz_autosync_target *b = sz_autosync_find(&a, id);
	assert_int_equal(b->fails, 0);
	assert_true(b->due_ms >= now + 7000 && b->due_ms <= now + 8000);
}

static void
test_push_and_changes(void **state)
{
	(void)state;
	sz_env_seeded e;
	sz_env_seeded_init(&e, 3, 0);
	sz_autosync a;
	sz_autosync_cfg cfg = { .period_ms = 60000, .push_ms = 1000, .max_inflight = 4 };
	sz_autosync_init(&a, &cfg, &e.env);
	sz_autosync_want w[2] = { want(1), want(2) };
	sz_autosync_set(&a, w, 2, 0);
	sz_autosync_target *got[4];
	assert_int_equal(due_by(&a, 1000, got, 4), 2);
	uint32_t id1 = got[0]->id, id2 = got[1]->id;
	sz_autosync_done(&a, id1, SZ_OK, -1, true, 2000);
	/* a local change while id2 is still in flight */
	sz_autosync_poke(&a, 3000);
	const sz_autosync_target *t1 = sz_autosync_find(&a, id1);
	assert_true(t1->due_ms >= 3250 && t1->due_ms <= 4000);
	sz_autosync_done(&a, id2, SZ_OK, -1, true, 3500);
	const sz_autosync_target *t2 = sz_autosync_find(&a, id2);
	assert_true(t2->due_ms <= 3500 + 250); /* again at once: its session began before the change */
	/* a target dropped while in flight stays until it ends, then goes */
	got[0] = sz_autosync_next(&a, 4000);
	assert_non_null(got[0]);
	uint32_t gone = got[0]->id;
	sz_autosync_want keep = strcmp(got[0]->w.addr[0].host, w[0].addr[0].host) == 0 ? w[1] : w[0];
	sz_autosync_set(&a, &keep, 1, 4000);
	assert_int_equal(a.n, 2);
	sz_autosync_done(&a, gone, SZ_OK, -1, true, 4100);
	assert_int_equal(a.n, 1);
	assert_null(sz_autosync_find(&a, gone));
	/* a new target named before a known one does not reset the known one's schedule */
	const sz_autosync_target *kt = sz_autosync_find(&a, a.t[0].id);
	uint32_t kid = kt->id;
	uint64_t kdue = kt->due_ms;
	sz_autosync_want two[2] = { want(7), keep };
	sz_autosync_set(&a, two, 2, 4200);
	assert_int_equal(a.n, 2);
	assert_non_null(sz_autosync_find(&a, kid));
	assert_int_equal(sz_autosync_find(&a, kid)->due_ms, kdue);
	sz_autosync_set(&a, &keep, 1, 4300);
	assert_int_equal(a.n, 1);
	/* the same address under another key is another target; a repeated one counts once */
	sz_autosync_want k[3] = { keep, keep, keep };
	k[2].has_key = true;
	memset(k[2].key, 7, 32);
	sz_autosync_set(&a, k, 3, 5000);
	assert_int_equal(a.n, 2);
}

/* Forwarding push: the named nodes' targets become due within push_ms, never the one the entries
 * came from, nor one that is failing; a second push within push_ms does not move the first;
 * with no key named, every target (the peers list's too) but the source. */
static void
test_forward(void **state)
{
	(void)state;
	sz_env_seeded e;
	sz_env_seeded_init(&e, 5, 0);
	sz_autosync a;
	sz_autosync_cfg cfg = { .period_ms = 60000, .push_ms = 1000, .max_inflight = 8 };
	sz_autosync_init(&a, &cfg, &e.env);
	sz_autosync_want w[4] = { want(1), want(2), want(3), want(4) };
	uint8_t keys[3][32];
	for (int i = 0; i < 3; i++) {
		w[i].has_key = true;
		memset(w[i].key, i + 1, 32);
		memset(keys[i], i + 1, 32);
	}
	/* w[3]: a peers list's address, no key */
	sz_autosync_set(&a, w, 4, 0);
	sz_autosync_target *got[8];
	assert_int_equal(due_by(&a, 1000, got, 8), 4);
	for (int i = 0; i < 4; i++) {
		bool third = got[i]->w.has_key && memcmp(got[i]->w.key, keys[2], 32) == 0;
		sz_autosync_done(&a, got[i]->id, third ? SZ_ERR_UNREACHABLE : SZ_OK, -1, true, 1000);
	}
	/* everything due a period (45 s at least) from now, node 3 in backoff (2.5 s at least) */
	assert_null(sz_autosync_next(&a, 3000));
	/* cell entries from node 1: its node is not pushed to, node 2's is, failing node 3 is not */
	assert_int_equal(sz_autosync_forward(&a, (const uint8_t(*)[32])keys, 3, keys[0], 3000), 1);
	got[0] = sz_autosync_next(&a, 4000);
	assert_non_null(got[0]);
	assert_memory_equal(got[0]->w.key, keys[1], 32);
	assert_null(sz_autosync_next(&a, 4000));
	sz_autosync_done(&a, got[0]->id, SZ_OK, -1, true, 4000);
	/* two pushes within push_ms: one sync */
	assert_int_equal(sz_autosync_forward(&a, NULL, 0, keys[1], 20000), 2);
	const sz_autosync_target *t = NULL;
	for (size_t i = 0; i < a.n; i++)
		if (!a.t[i].w.has_key)
			t = &a.t[i];
	assert_non_null(t);
	uint64_t due = t->due_ms;
	assert_true(due > 20000 && due <= 21000);
	assert_int_equal(sz_autosync_forward(&a, NULL, 0, keys[1], 20500), 2);
	assert_int_equal(t->due_ms, due);
	/* node 1, the peers list's address, and node 3 whose backoff ended */
	size_t k = due_by(&a, 21000, got, 8);
	assert_int_equal(k, 3);
	sz_autosync_target *one = NULL;
	for (size_t i = 0; i < k; i++) {
		assert_false(got[i]->w.has_key && memcmp(got[i]->w.key, keys[1], 32) == 0);
		if (got[i]->w.has_key && memcmp(got[i]->w.key, keys[0], 32) == 0)
			one = got[i];
	}
	assert_non_null(one);
	/* the peers list's address, once its node proved a key, is not pushed back to either */
	for (size_t i = 0; i < k; i++)
		if (!got[i]->w.has_key)
			sz_autosync_seen(&a, got[i]->id, keys[1]);
	assert_int_equal(sz_autosync_forward(&a, NULL, 0, keys[1], 21050), 1);
	for (size_t i = 0; i < k; i++)
		if (!got[i]->w.has_key)
			sz_autosync_seen(&a, got[i]->id, keys[0]);
	/* in flight when more comes: it goes again when done (node 3, failing, is not pushed) */
	assert_int_equal(sz_autosync_forward(&a, NULL, 0, NULL, 21100), 3);
	sz_autosync_done(&a, one->id, SZ_OK, -1, true, 21500);
	assert_true(sz_autosync_find(&a, one->id)->due_ms <= 21500 + 250);
}

/* A node is one target whatever its addresses: a failure moves to its next address, a new set of
 * addresses keeps its schedule and the address being tried, another key is another node. */
static void
test_addresses(void **state)
{
	(void)state;
	sz_env_seeded e;
	sz_env_seeded_init(&e, 4, 0);
	sz_autosync a;
	sz_autosync_cfg cfg = { .period_ms = 60000, .push_ms = 1000, .max_inflight = 4 };
	sz_autosync_init(&a, &cfg, &e.env);
	sz_autosync_want w = want(1);
	w.naddr = 2;
	w.addr[1] = want(2).addr[0];
	w.has_key = true;
	memset(w.key, 1, 32);
	sz_autosync_want dup = w;
	dup.naddr = 1;
	sz_autosync_want both[2] = { w, dup };
	sz_autosync_set(&a, both, 2, 0);
	assert_int_equal(a.n, 1); /* the same key: one node */
	sz_autosync_target *t = sz_autosync_next(&a, 1000);
	assert_non_null(t);
	assert_string_equal(sz_autosync_addr(t)->host, "127.0.0.1");
	uint32_t id = t->id;
	sz_autosync_done(&a, id, SZ_ERR_UNREACHABLE, -1, true, 1000);
	const sz_autosync_target *f = sz_autosync_find(&a, id);
	assert_string_equal(sz_autosync_addr(f)->host, "127.0.0.2");
	uint64_t due = f->due_ms;
	/* its addresses change (a third one first): the same target, its time and its address kept */
	sz_autosync_want moved = w;
	moved.naddr = 3;
	moved.addr[0] = want(3).addr[0];
	moved.addr[1] = want(1).addr[0];
	moved.addr[2] = want(2).addr[0];
	sz_autosync_set(&a, &moved, 1, 2000);
	f = sz_autosync_find(&a, id);
	assert_non_null(f);
	assert_int_equal(f->due_ms, due);
	assert_string_equal(sz_autosync_addr(f)->host, "127.0.0.2");
	/* another key at the same addresses: another node; no address at all: not a target */
	sz_autosync_want other[2] = { moved, moved };
	other[1].key[0] ^= 1;
	other[0].naddr = 0;
	sz_autosync_set(&a, other, 2, 3000);
	assert_int_equal(a.n, 1);
	assert_null(sz_autosync_find(&a, id));
}

/* Idle sessions: the wait doubles up to idle_cap periods (jittered +-25 %); a session that moves
 * something brings it back to one period; a push still comes within push_ms whatever the streak;
 * a session the target began counts as ours (its streak, its time), keeps a pending push, and
 * makes a failing target reachable again. */
static void
test_idle_backoff(void **state)
{
	(void)state;
	sz_env_seeded e;
	sz_env_seeded_init(&e, 4, 0);
	sz_autosync a;
	sz_autosync_cfg cfg = { .period_ms = 60000, .push_ms = 1000, .idle_cap = 8,
		.backoff_min_ms = 5000, .backoff_max_ms = 40000 };
	sz_autosync_init(&a, &cfg, &e.env);
	sz_autosync_want w = want(5);
	w.has_key = true;
	memset(w.key, 5, 32);
	sz_autosync_set(&a, &w, 1, 0);
	/* a new target starts one idle session short of the cap: if its first session (at once)
	 * moves nothing, the next waits the cap */
	assert_int_equal(a.t[0].idle, 2);
	uint64_t now = 1000;
	uint32_t id = sz_autosync_next(&a, now)->id;
	sz_autosync_done(&a, id, SZ_OK, -1, false, now);
	assert_int_equal(sz_autosync_find(&a, id)->idle, 3);
	assert_true(sz_autosync_find(&a, id)->due_ms >= now + 360000);
	now = sz_autosync_find(&a, id)->due_ms;
	assert_non_null(sz_autosync_next(&a, now));
	sz_autosync_done(&a, id, SZ_OK, -1, true, now);
	now = sz_autosync_find(&a, id)->due_ms;
	/* after one that moved something: 2, 4, 8, 8, 8 periods after each idle session */
	const uint64_t mult[] = { 2, 4, 8, 8, 8 };
	for (int k = 0; k < 5; k++) {
		sz_autosync_target *t = sz_autosync_next(&a, now);
		assert_non_null(t);
		id = t->id;
		sz_autosync_done(&a, id, SZ_OK, -1, false, now);
		const sz_autosync_target *f = sz_autosync_find(&a, id);
		assert_int_equal(f->idle, (uint32_t)k + 1);
		uint64_t b = 60000 * mult[k];
		assert_true(f->due_ms >= now + b - b / 4 && f->due_ms <= now + b + b / 4);
		assert_null(sz_autosync_next(&a, f->due_ms - 1));
		now = f->due_ms;
	}
	/* a local change: due within push_ms despite the streak; an idle push session lengthens it */
	sz_autosync_poke(&a, now - 100000);
	assert_true(sz_autosync_find(&a, id)->due_ms <= now - 100000 + 1000);
	now -= 99000;
	assert_non_null(sz_autosync_next(&a, now));
	sz_autosync_done(&a, id, SZ_OK, -1, false, now);
	assert_int_equal(sz_autosync_find(&a, id)->idle, 6);
	/* a session that moved something: one period again */
	now = sz_autosync_find(&a, id)->due_ms;
	assert_non_null(sz_autosync_next(&a, now));
	sz_autosync_done(&a, id, SZ_OK, -1, true, now);
	const sz_autosync_target *f = sz_autosync_find(&a, id);
	assert_int_equal(f->idle, 0);
	assert_true(f->due_ms >= now + 45000 && f->due_ms <= now + 75000);
	/* the target dialled us and nothing moved: as our own idle session (postponed) */
	uint8_t other[32];
	memset(other, 6, sizeof other);
	assert_false(sz_autosync_heard(&a, other, true, false, now));
	now += 10000;
	assert_true(sz_autosync_heard(&a, w.key, true, false, now));
	assert_int_equal(f->idle, 1);
	assert_true(f->due_ms >= now + 90000 && f->due_ms <= now + 150000);
	assert_int_equal(f->syncs, 9); /* ours only */
	/* ... and it moved something: one period from now */
	assert_true(sz_autosync_heard(&a, w.key, true, false, now));
	assert_int_equal(f->idle, 2);
	assert_true(sz_autosync_heard(&a, w.key, true, true, now));
	assert_int_equal(f->idle, 0);
	assert_true(f->due_ms >= now + 45000 && f->due_ms <= now + 75000);
	/* a push pending stays pending */
	sz_autosync_poke(&a, now);
	uint64_t due = f->due_ms;
	assert_true(due <= now + 1000);
	assert_true(sz_autosync_heard(&a, w.key, true, false, now + 10));
	assert_int_equal(f->due_ms, due);
	/* failing (it went away), then it dials us: no longer failing, pushes reach it again */
	now = due;
	assert_non_null(sz_autosync_next(&a, now));
	sz_autosync_done(&a, id, SZ_ERR_UNREACHABLE, -1, false, now);
	assert_int_equal(f->fails, 1);
	assert_true(f->due_ms >= now + 2500);
	assert_true(sz_autosync_heard(&a, w.key, false, false, now + 100));
	assert_int_equal(f->fails, 0);
	assert_true(f->due_ms <= now + 100 + 1000);
	uint32_t streak = f->idle;
	assert_non_null(sz_autosync_next(&a, f->due_ms));
	sz_autosync_done(&a, id, SZ_ERR_UNREACHABLE, -1, false, f->due_ms);
	now = f->due_ms - 2000;
	assert_true(sz_autosync_heard(&a, w.key, true, false, now));
	assert_int_equal(f->fails, 0);
	assert_int_equal(f->idle, streak + 1);
	assert_true(f->due_ms >= now + 60000 * 2 * 3 / 4);
	/* idle_cap 1: always the period */
	sz_autosync b;
	cfg.idle_cap = 1;
	sz_autosync_init(&b, &cfg, &e.env);
	sz_autosync_set(&b, &w, 1, 0);
	now = 1000;
	for (int k = 0; k < 4; k++) {
		sz_autosync_target *t = sz_autosync_next(&b, now);
		assert_non_null(t);
		sz_autosync_done(&b, t->id, SZ_OK, -1, false, now);
		assert_true(t->due_ms >= now + 45000 && t->due_ms <= now + 75000);
		now = t->due_ms;
	}
	/* the default cap */
	cfg.idle_cap = 0;
	sz_autosync_init(&b, &cfg, &e.env);
	assert_int_equal(b.cfg.idle_cap, SZ_AUTOSYNC_IDLE_CAP);
}

/* A node nobody can dial (nothing announced) lowers its idle cap: a lower cap holds at once for
 * targets waiting longer, not for one in failure backoff; raising it waits for the next session. */
static void
test_idle_cap_change(void **state)
{
	(void)state;
	sz_env_seeded e;
	sz_env_seeded_init(&e, 5, 0);
	sz_autosync a;
	sz_autosync_cfg cfg = { .period_ms = 60000, .push_ms = 1000, .backoff_min_ms = 5000,
		.backoff_max_ms = 4000000 };
	sz_autosync_init(&a, &cfg, &e.env);
	assert_int_equal(a.cfg.idle_cap, SZ_AUTOSYNC_IDLE_CAP);
	sz_autosync_want w[2] = { want(5), want(6) };
	sz_autosync_set(&a, w, 2, 0);
	uint64_t now = 1000;
	sz_autosync_target *t0 = sz_autosync_next(&a, now), *t1 = sz_autosync_next(&a, now);
	assert_non_null(t0);
	assert_non_null(t1);
	uint32_t id0 = t0->id, id1 = t1->id;
	const sz_autosync_target *f0 = sz_autosync_find(&a, id0), *f1 = sz_autosync_find(&a, id1);
	sz_autosync_done(&a, id1, SZ_ERR_UNREACHABLE, -1, false, now);  /* failing: its own backoff */
	for (int i = 0; i < 8; i++) {
		now = f1->due_ms;
		sz_autosync_target *t = sz_autosync_next(&a, now);
		assert_non_null(t);
		assert_int_equal(t->id, id1);
		sz_autosync_done(&a, id1, SZ_ERR_UNREACHABLE, -1, false, now);
	}
	sz_autosync_done(&a, id0, SZ_OK, -1, false, now);             /* idle: waits the cap, 32 */
	assert_true(f0->due_ms >= now + 32 * 45000);
	uint64_t due1 = f1->due_ms;
	assert_true(due1 > now + 4 * 75000); /* so that the test says something of it */
	sz_autosync_set_idle_cap(&a, SZ_AUTOSYNC_IDLE_CAP_UNLISTED, now + 10);
	assert_true(f0->due_ms >= now + 10 + 4 * 45000 && f0->due_ms <= now + 10 + 4 * 75000);
	assert_int_equal(f1->due_ms, due1);
	/* back up: nothing is pulled in or pushed out until the next session */
	uint64_t due0 = f0->due_ms;
	sz_autosync_set_idle_cap(&a, 0, now + 20);
	assert_int_equal(a.cfg.idle_cap, SZ_AUTOSYNC_IDLE_CAP);
	assert_int_equal(f0->due_ms, due0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_period_and_bound),
		cmocka_unit_test(test_backoff_and_busy),
		cmocka_unit_test(test_push_and_changes),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_forward),
		cmocka_unit_test(test_idle_backoff),
		cmocka_unit_test(test_idle_cap_change),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
