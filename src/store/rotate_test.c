/*
 * rotate_test.c - unit tests of a passphrase change that rotates the master key (store/rotate.c):
 * the informer's attack with an old key file, and every state a crash can leave the change in.
 * Argon2id runs with tiny parameters so the tests stay fast.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/bytes.h"
#include "store/store.h"
#include "store/store_testlib.h"

static void
progress_count(void *ctx, uint64_t done, uint64_t total)
{
	uint64_t *calls = ctx;
	assert_true(done <= total);
	calls[0]++;
	calls[1] = done;
	calls[2] = total;
}

/* The attack of issue 17: an old image of the key file and the old passphrase (from an informer)
 * must not open what is written after a passphrase change.  Before, the change re-wrapped the
 * same master key, and the old key file opened the new database whole. */
static void
test_rotation_old_image(void **state)
{
	fixture *fx = *state;
	char key[400], old_key[400];
	st_path(key, sizeof key, fx, "key");
	snprintf(old_key, sizeof old_key, "%s/old-key", fx->base);
	sz_store *s = st_create(fx);
	assert_int_equal(sz_store_kv_put(s, "before", (const uint8_t *)"b", 1), SZ_OK);
	st_copy_file(key, old_key); /* the informer's image */
	uint64_t calls[3] = { 0 };
	assert_int_equal(sz_store_change_passphrase(s, "new passphrase", 14, progress_count, calls),
	    SZ_OK);
	assert_true(calls[0] >= 1 && calls[1] == calls[2] && calls[2] > 1);
	/* The store stays open, on the new key, and writes go on. */
	assert_int_equal(sz_store_kv_put(s, "after", (const uint8_t *)"secret plans", 12), SZ_OK);
	assert_int_equal(sz_store_check(s), SZ_OK);
	sz_store_close(s);
	/* No leftovers. */
	char p[400];
	st_path(p, sizeof p, fx, SZ_STORE_DB_NEW);
	assert_int_equal(access(p, F_OK), -1);
	st_path(p, sizeof p, fx, "key.new");
	assert_int_equal(access(p, F_OK), -1);

	/* The old key file back in place, with the old passphrase: nothing opens. */
	char cur_key[400];
	snprintf(cur_key, sizeof cur_key, "%s/cur-key", fx->base);
	st_copy_file(key, cur_key);
	st_copy_file(old_key, key);
	sz_store *s2 = NULL;
	int r = sz_store_open(&s2, fx->dir, PASS, PLEN, &fx->opts);
	assert_int_equal(r, SZ_ERR_CORRUPT); /* the old master key opens no page of the new database */
	assert_null(s2);
	st_copy_file(cur_key, key);
	s = st_reopen(fx, "new passphrase");
	sz_buf v = { 0 };
	assert_int_equal(sz_store_kv_get(s, "before", &v), SZ_OK);
	assert_int_equal(sz_store_kv_get(s, "after", &v), SZ_OK);
	assert_memory_equal(v.p, "secret plans", 12);
	sz_buf_free(&v);
	sz_store_close(s);
	assert_int_equal(sz_store_open(&s2, fx->dir, PASS, PLEN, &fx->opts), SZ_ERR_PASSPHRASE);
}

/* Every state a crash can leave a passphrase change in, built from the files before and after
 * it: each opens with exactly one of the two passphrases, whole, and settles for good. */
static void
test_rotation_states(void **state)
{
	fixture *fx = *state;
	char key[400], db[400], knew[400], dbnew[400], o_key[400], o_db[400], n_key[400], n_db[400];
	st_path(key, sizeof key, fx, "key");
	st_path(db, sizeof db, fx, "db");
	st_path(knew, sizeof knew, fx, "key.new");
	st_path(dbnew, sizeof dbnew, fx, SZ_STORE_DB_NEW);
	snprintf(o_key, sizeof o_key, "%s/o-key", fx->base);
	snprintf(o_db, sizeof o_db, "%s/o-db", fx->base);
	snprintf(n_key, sizeof n_key, "%s/n-key", fx->base);
	snprintf(n_db, sizeof n_db, "%s/n-db", fx->base);
	sz_store *s = st_create(fx);
	assert_int_equal(sz_store_kv_put(s, "identity", fx->sk, 64), SZ_OK);
	sz_store_close(s);
	st_copy_file(key, o_key);
	st_copy_file(db, o_db);
	s = st_reopen(fx, PASS);
	assert_int_equal(sz_store_change_passphrase(s, "new passphrase", 14, NULL, NULL), SZ_OK);
	sz_store_close(s);
	st_copy_file(key, n_key);
	st_copy_file(db, n_db);

	/* key, db, db.new, key.new present in each state; who opens it. */
	static const struct {
		const char *what;
		int key_new, db_new, db_new_file, knew_file, opener; /* 0 old passphrase, 1 new */
	} states[] = {
		{ "db.new being written", 0, 0, 1, 0, 0 },
		{ "db.new written, key.new written", 0, 0, 1, 1, -1 },
		{ "switched, key.new not yet copied", 0, 1, 0, 1, 1 },
		{ "done", 1, 1, 0, 0, 1 },
	};
	for (size_t i = 0; i < sizeof states / sizeof states[0]; i++) {
		for (int who = 0; who < 2; who++) {
			st_copy_file(states[i].key_new ? n_key : o_key, key);
			st_copy_file(states[i].db_new ? n_db : o_db, db);
			st_copy_file(states[i].db_new_file ? n_db : NULL, dbnew);
			st_copy_file(states[i].knew_file ? n_key : NULL, knew);
			const char *pass = who ? "new passphrase" : PASS;
			sz_store *t = NULL;
			int r = sz_store_open(&t, fx->dir, pass, strlen(pass), &fx->opts);
			int want = states[i].opener < 0 ? 1 : states[i].opener == who;
			if ((r == SZ_OK) != want)
				print_error("state '%s', %s passphrase: %d (%s)\n", states[i].what,
				    who ? "new" : "old", r, sz_store_last_error());
			assert_int_equal(r == SZ_OK, want);
			if (r != SZ_OK) {
				assert_int_equal(r, SZ_ERR_PASSPHRASE);
				continue;
			}
			sz_buf v = { 0 };
			assert_int_equal(sz_store_kv_get(t, "identity", &v), SZ_OK);
			assert_memory_equal(v.p, fx->sk, 64);
			sz_buf_free(&v);
			assert_int_equal(sz_store_check(t), SZ_OK);
			sz_store_close(t);
			/* Settled: no leftovers, and the other passphrase no longer opens it. */
			assert_int_equal(access(knew, F_OK), -1);
			assert_int_equal(access(dbnew, F_OK), -1);
			const char *other = who ? PASS : "new passphrase";
			assert_int_equal(sz_store_open(&t, fx->dir, other, strlen(other), &fx->opts),
			    SZ_ERR_PASSPHRASE);
		}
	}
	/* After the switch, a key.new found cut short (a damaged disk: the change never rewrites
	 * it) must not be dropped by the old passphrase, which would lose the only key the
	 * database opens with. */
	st_copy_file(o_key, key);
	st_copy_file(n_db, db);
	st_copy_file(n_key, knew);
	assert_int_equal(truncate(knew, 100), 0);
	sz_store *t = NULL;
	assert_int_equal(sz_store_open(&t, fx->dir, PASS, PLEN, &fx->opts), SZ_ERR_PASSPHRASE);
	assert_int_equal(access(knew, F_OK), 0);
	st_copy_file(n_key, knew);
	t = st_reopen(fx, "new passphrase");
	sz_store_close(t);
}

/* The check the web page makes before a change (sz_store_passphrase_opens): only the passphrase
 * the store was opened with passes; the duress one, a near miss, an empty one and one too long do
 * not, and none of them destroys or changes anything.  After a change, only the new one. */
static void
test_passphrase_opens(void **state)
{
	fixture *fx = *state;
	sz_store *s = st_create(fx);
	assert_int_equal(sz_store_set_duress(s, "under duress", 12), SZ_OK);
	assert_int_equal(sz_store_kv_put(s, "plans", (const uint8_t *)"p", 1), SZ_OK);
	assert_int_equal(sz_store_passphrase_opens(s, PASS, PLEN), SZ_OK);
	assert_int_equal(sz_store_passphrase_opens(s, "under duress", 12), SZ_ERR_PASSPHRASE);
	assert_int_equal(sz_store_passphrase_opens(s, PASS, PLEN - 1), SZ_ERR_PASSPHRASE);
	assert_int_equal(sz_store_passphrase_opens(s, "", 0), SZ_ERR_PASSPHRASE);
	static char big[70000];
	memset(big, 'a', sizeof big);
	assert_int_equal(sz_store_passphrase_opens(s, big, sizeof big), SZ_ERR_PASSPHRASE);
	/* Nothing was destroyed: the store reads, and the duress slot is still there. */
	sz_buf v = { 0 };
	assert_int_equal(sz_store_kv_get(s, "plans", &v), SZ_OK);
	sz_buf_free(&v);
	assert_int_equal(sz_store_change_passphrase(s, "new passphrase", 14, NULL, NULL), SZ_OK);
	assert_int_equal(sz_store_passphrase_opens(s, "new passphrase", 14), SZ_OK);
	assert_int_equal(sz_store_passphrase_opens(s, PASS, PLEN), SZ_ERR_PASSPHRASE);
	sz_store_close(s);
	sz_store *t = st_reopen(fx, "new passphrase");
	assert_int_equal(sz_store_kv_get(t, "plans", &v), SZ_OK);
	sz_buf_free(&v);
	sz_store_close(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rotation_old_image, st_setup, st_teardown),
		cmocka_unit_test_setup_teardown(test_rotation_states, st_setup, st_teardown),
		cmocka_unit_test_setup_teardown(test_passphrase_opens, st_setup, st_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
