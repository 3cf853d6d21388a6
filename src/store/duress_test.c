/*
 * duress_test.c - unit tests of the duress unlock (store/duress.c): the decoy written over the
 * database in place (same inodes, no smaller file, no page left that the real key opens), its
 * identity seed drawn at creation, the same decoy at every duress unlock, a decoy whose writing
 * was cut off written again, and what every unlock writes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "lib/bytes.h"
#include "store/check.h"
#include "store/keyfile.h"
#include "store/store.h"
#include "store/store_int.h"
#include "store/store_testlib.h"
#include "store/vfs.h"
#include "wire/entry.h"

#define DURESS "under duress"

/* A store with some hundred pages of entries, a secret, and a duress passphrase. */
static void
fill(fixture *fx)
{
	sz_store *s = st_create(fx);
	uint8_t scope[16] = { 5 }, env_id[32] = { 0 };
	assert_int_equal(sz_store_kv_put(s, "node/identity", fx->sk, 64), SZ_OK);
	for (int b = 0; b < 4; b++) {
		sz_store_entry_in in[50];
		uint8_t *bufs[50];
		for (int i = 0; i < 50; i++) {
			char body[2000];
			uint8_t id[32];
			size_t len;
			snprintf(body, sizeof body, "the real node's post %d %01800d", b * 50 + i, i);
			assert_int_equal(sz_entry_build(&bufs[i], &len, id, SZ_KIND_POST, NULL, 0,
			    (uint64_t)(b * 50 + i), (const uint8_t *)body, strlen(body), fx->sk), SZ_OK);
			in[i] = (sz_store_entry_in){ scope, env_id, bufs[i], len };
		}
		assert_int_equal(sz_store_put_entries(s, in, 50, NULL), SZ_OK);
		for (int i = 0; i < 50; i++)
			free(bufs[i]);
	}
	assert_int_equal(sz_store_set_duress(s, DURESS, strlen(DURESS)), SZ_OK);
	sz_store_close(s);
}

/* When the store says it was made (migration 1's time). */
static int64_t
made_ms(sz_store *s)
{
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(s->db, "SELECT applied_ms FROM migrations WHERE "
	    "version = 1", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t t = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return t;
}

/* The real master key, from a copy of the key file (in dir) as it was before the duress
 * unlock. */
static void
real_master(fixture *fx, const char *dir, uint8_t master[32])
{
	sz_keyfile kf, pend;
	int has;
	uint8_t kek[32];
	unsigned slot;
	uint8_t role;
	assert_int_equal(sz_keyfile_load(dir, &kf, &pend, &has), SZ_OK);
	assert_int_equal(sz_keyfile_kek(kek, &kf, PASS, PLEN), SZ_OK);
	assert_int_equal(sz_keyfile_unseal(&kf, kek, &slot, &role, master), SZ_OK);
	assert_int_equal(role, SZ_KEY_ROLE_REAL);
	(void)fx;
}

static void
test_decoy_in_place(void **state)
{
	fixture *fx = *state;
	char key[400], db[400], jr[400], lock[400], old[400], cmd[1400];
	st_path(key, sizeof key, fx, "key");
	st_path(db, sizeof db, fx, "db");
	st_path(jr, sizeof jr, fx, "db-journal");
	st_path(lock, sizeof lock, fx, "lock");
	fill(fx);
	/* The decoy the real node would show, and its creation time. */
	sz_store *s = st_reopen(fx, PASS);
	uint8_t want_id[32], got_id[32], master[32];
	assert_int_equal(sz_store_decoy_key(s, "identity", want_id), SZ_OK);
	assert_false(sz_store_is_decoy(s));
	int64_t made = made_ms(s);
	sz_store_close(s);
	fx->clock.now += 86400000; /* the duress unlock comes a day later */
	snprintf(old, sizeof old, "%s/old", fx->base);
	snprintf(cmd, sizeof cmd, "mkdir -p '%s' && cp '%s' '%s/key'", old, key, old);
	assert_int_equal(system(cmd), 0);
	real_master(fx, old, master);
	struct stat k0, d0, j0, l0, k1, d1, j1, l1;
	assert_int_equal(stat(key, &k0), 0);
	assert_int_equal(stat(db, &d0), 0);
	assert_int_equal(stat(jr, &j0), 0);
	assert_int_equal(stat(lock, &l0), 0);
	assert_true(d0.st_size > 100 * 4096);

	s = st_reopen(fx, DURESS);
	assert_true(sz_store_is_decoy(s));
	assert_int_equal(sz_store_decoy_key(s, "identity", got_id), SZ_OK);
	assert_memory_equal(got_id, want_id, 32);   /* the decoy drawn at creation */
	assert_int_equal(made_ms(s), made);         /* and made, it says, when the node was */
	sz_buf v = { 0 };
	assert_int_equal(sz_store_kv_get(s, "node/identity", &v), SZ_ERR_NOT_FOUND);
	assert_int_equal(sz_store_check(s), SZ_OK);
	sz_store_close(s);
	/* Same inodes, no file smaller, none added or removed. */
	assert_int_equal(stat(key, &k1), 0);
	assert_int_equal(stat(db, &d1), 0);
	assert_int_equal(stat(jr, &j1), 0);
	assert_int_equal(stat(lock, &l1), 0);
	assert_int_equal(k0.st_ino, k1.st_ino);
	assert_int_equal(d0.st_ino, d1.st_ino);
	assert_int_equal(j0.st_ino, j1.st_ino);
	assert_int_equal(l0.st_ino, l1.st_ino);
	assert_int_equal(d0.st_size, d1.st_size);
	assert_int_equal(k0.st_size, k1.st_size);
	char p[400];
	st_path(p, sizeof p, fx, "key.new");
	assert_int_equal(access(p, F_OK), -1);
	st_path(p, sizeof p, fx, SZ_STORE_DB_NEW);
	assert_int_equal(access(p, F_OK), -1);
	/* No page of the database opens under the real key any more, and every page opens under
	 * the decoy's (the tail past the decoy's size included). */
	uint8_t keys[SZ_STORE_K_BYTES];
	sz_vfs *rv = NULL;
	sz_vfs_scan_result res;
	assert_int_equal(sz_store_derive(keys, master), SZ_OK);
	assert_int_equal(sz_vfs_new(&rv, keys + SZ_STORE_K_VFS), SZ_OK);
	assert_int_equal(sz_vfs_scan(rv, db, &res, NULL, NULL), SZ_OK);
	assert_int_equal(res.damaged, res.pages);
	sz_vfs_free(rv);
	s = st_reopen(fx, DURESS);
	assert_int_equal(sz_store_scan(s, &res, NULL, NULL), SZ_OK);
	assert_int_equal(res.damaged, 0);
	assert_false(res.partial);
	assert_false(res.missing);
	assert_true(res.header_pages < res.pages);
	sz_store_close(s);
	/* The real passphrase finds nothing it opens. */
	sz_store *t = NULL;
	assert_int_equal(sz_store_open(&t, fx->dir, PASS, PLEN, &fx->opts), SZ_ERR_CORRUPT);
}

/* A duress unlock cut off before page 1 of the decoy was written: the next one writes it again
 * (page 1 goes last, so it is what says the decoy is whole). */
static void
test_decoy_written_again(void **state)
{
	fixture *fx = *state;
	char db[400];
	st_path(db, sizeof db, fx, "db");
	fill(fx);
	sz_store *s = st_reopen(fx, DURESS);
	assert_int_equal(sz_store_kv_put(s, "node/identity", fx->pk, 32), SZ_OK);
	sz_store_close(s);
	struct stat d0, d1;
	assert_int_equal(stat(db, &d0), 0);
	/* Page 1 not yet written: as the crash would leave it (random bytes there). */
	FILE *f = fopen(db, "r+b");
	assert_non_null(f);
	uint8_t junk[4096];
	randombytes_buf(junk, sizeof junk);
	assert_int_equal(fwrite(junk, 1, sizeof junk, f), sizeof junk);
	fclose(f);
	s = st_reopen(fx, DURESS);
	sz_buf v = { 0 };
	assert_int_equal(sz_store_kv_get(s, "node/identity", &v), SZ_ERR_NOT_FOUND); /* anew */
	assert_int_equal(sz_store_check(s), SZ_OK);
	sz_store_close(s);
	assert_int_equal(stat(db, &d1), 0);
	assert_int_equal(d0.st_ino, d1.st_ino);
	assert_int_equal(d0.st_size, d1.st_size);
}

/* Every unlock, normal or duress, writes the key file (the refresh value and the opened slot),
 * the database and its journal; a wrong passphrase writes nothing. */
static void
test_every_unlock_writes(void **state)
{
	fixture *fx = *state;
	char key[400];
	uint8_t h0[32], h1[32], h2[32];
	st_path(key, sizeof key, fx, "key");
	fill(fx);
	st_hash_file(key, h0);
	sz_store *s = st_reopen(fx, PASS);
	sz_store_close(s);
	st_hash_file(key, h1);
	assert_memory_not_equal(h0, h1, 32);
	sz_store *t = NULL;
	assert_int_equal(sz_store_open(&t, fx->dir, "wrong", 5, &fx->opts), SZ_ERR_PASSPHRASE);
	st_hash_file(key, h2);
	assert_memory_equal(h1, h2, 32);
	/* The old key file's master key: a normal unlock keeps it (the same key, masked anew). */
	s = st_reopen(fx, PASS);
	sz_buf v = { 0 };
	assert_int_equal(sz_store_kv_get(s, "node/identity", &v), SZ_OK);
	assert_memory_equal(v.p, fx->sk, 64);
	sz_buf_free(&v);
	sz_store_close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_decoy_in_place, st_setup, st_teardown),
		cmocka_unit_test_setup_teardown(test_decoy_written_again, st_setup, st_teardown),
		cmocka_unit_test_setup_teardown(test_every_unlock_writes, st_setup, st_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
