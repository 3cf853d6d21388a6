/*
 * peercost_test.c - the daemon's table of what refused envelopes cost each transport key: the
 * threshold within the window, the cooldown, a window that ages out, and a table full of fresh
 * keys (an attacker's) that cannot push a refused key out.  Layer: app.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "app/peercost.h"

static void
key(uint8_t k[32], uint32_t i)
{
	memset(k, 0, 32);
	memcpy(k, &i, sizeof i);
	k[31] = 0x5a;
}

static void
test_threshold_and_cooldown(void **state)
{
	(void)state;
	sz_peercost *t = calloc(1, sizeof *t);
	uint8_t a[32], b[32];
	key(a, 1);
	key(b, 2);
	uint64_t now = 1000000;
	sz_peercost_charge(t, a, 63, now);
	assert_false(sz_peercost_refused(t, a, now));
	sz_peercost_charge(t, a, 0, now); /* nothing refused costs nothing */
	assert_false(sz_peercost_refused(t, a, now));
	sz_peercost_charge(t, a, 1, now + 1000);
	assert_true(sz_peercost_refused(t, a, now + 1000));
	assert_false(sz_peercost_refused(t, b, now + 1000)); /* another key is served */
	assert_true(sz_peercost_refused(t, a, now + 1000 + SZ_PEERCOST_COOLDOWN_MS - 1));
	assert_false(sz_peercost_refused(t, a, now + 1000 + SZ_PEERCOST_COOLDOWN_MS));
	/* after the cooldown a clean slate: one more refusal does not refuse it again */
	sz_peercost_charge(t, a, 1, now + 1000 + SZ_PEERCOST_COOLDOWN_MS);
	assert_false(sz_peercost_refused(t, a, now + 2000 + SZ_PEERCOST_COOLDOWN_MS));
	/* refusals spread over more than the window do not add up */
	sz_peercost_charge(t, b, 63, now);
	sz_peercost_charge(t, b, 63, now + SZ_PEERCOST_WINDOW_MS + 1);
	assert_false(sz_peercost_refused(t, b, now + SZ_PEERCOST_WINDOW_MS + 1));
	/* a violation of the protocol costs the whole allowance at once */
	uint8_t c[32];
	key(c, 3);
	sz_peercost_charge(t, c, SZ_PEERCOST_LIMIT, now);
	assert_true(sz_peercost_refused(t, c, now));
	free(t);
}

/* An attacker with many fresh keys fills the table: the refused key stays refused. */
static void
test_full_table(void **state)
{
	(void)state;
	sz_peercost *t = calloc(1, sizeof *t);
	uint8_t bad[32], k[32];
	uint64_t now = 5000000;
	key(bad, 0xbad);
	sz_peercost_charge(t, bad, 100, now);
	for (uint32_t i = 0; i < 4 * SZ_PEERCOST_SLOTS; i++) {
		key(k, 0x10000 + i);
		sz_peercost_charge(t, k, 1, now + i);
	}
	assert_true(sz_peercost_refused(t, bad, now + 4 * SZ_PEERCOST_SLOTS));
	/* the table holds the newest fresh keys, not every one */
	key(k, 0x10000 + 4 * SZ_PEERCOST_SLOTS - 1);
	sz_peercost_charge(t, k, SZ_PEERCOST_LIMIT - 1, now + 4 * SZ_PEERCOST_SLOTS);
	assert_true(sz_peercost_refused(t, k, now + 4 * SZ_PEERCOST_SLOTS));
	free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threshold_and_cooldown),
		cmocka_unit_test(test_full_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
