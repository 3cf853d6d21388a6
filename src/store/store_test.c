/*
 * store_test.c - unit tests of the store (store/store.c, store/store_data.c, store/keyfile.c):
 * lifecycle, wrong passphrase, lock, envelopes, entries and their DAG, retention, secrets,
 * batches (nested transactions, a crash inside one, checked envelopes), passphrase change,
 * duress, panic wipe, a tampered page, and a full disk (RLIMIT_FSIZE).  The passphrase change's
 * rotation of the master key is tested in rotate_test.c.
 * Argon2id runs with tiny parameters so the tests stay fast.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "store/keyfile.h"
#include "store/check.h"
#include "store/scopes.h"
#include "store/store.h"
#include "store/store_testlib.h"
#include "wire/entry.h"
#include "wire/envelope.h"

/* A signed entry (malloc()ed) of the given kind, time and parents. */
static uint8_t *
make_entry(fixture *fx, uint8_t kind, uint64_t t, const uint8_t (*parents)[32], size_t np,
    const char *body, size_t *len, uint8_t id[32])
{
	uint8_t *e = NULL;
	assert_int_equal(sz_entry_build(&e, len, id, kind, parents, np, t, (const uint8_t *)body,
	    strlen(body), fx->sk), SZ_OK);
	return e;
}

static void
test_lifecycle(void **state)
{
	fixture *fx = *state;
	sz_store *s = st_create(fx), *s2 = NULL;
	/* A second opener is refused while the first holds the directory. */
	assert_int_equal(sz_store_open(&s2, fx->dir, PASS, PLEN, &fx->opts), SZ_ERR_BUSY);
	assert_null(s2);
	assert_int_equal(sz_store_check(s), SZ_OK);
	sz_store_close(s);
	assert_int_equal(sz_store_create(&s2, fx->dir, PASS, PLEN, &fx->opts), SZ_ERR_EXISTS);

	/* The key file holds parameters, salt and two slots: 170 bytes, nothing else. */
	char key[400], db[400];
	st_path(key, sizeof key, fx, "key");
	st_path(db, sizeof db, fx, "db");
	struct stat st;
	assert_int_equal(stat(key, &st), 0);
	assert_int_equal(st.st_size, SZ_KEYFILE_BYTES);
	assert_int_equal(st.st_mode & 077, 0);
	assert_int_equal(stat(db, &st), 0);
	assert_int_equal(st.st_mode & 077, 0);

	/* A wrong passphrase changes nothing. */
	uint8_t hk[32], hd[32], hk2[32], hd2[32];
	st_hash_file(key, hk);
	st_hash_file(db, hd);
	assert_int_equal(sz_store_open(&s2, fx->dir, "wrong", 5, &fx->opts), SZ_ERR_PASSPHRASE);
	assert_null(s2);
	assert_int_equal(sz_store_open(&s2, fx->dir, "", 0, &fx->opts), SZ_ERR_INVALID);
	st_hash_file(key, hk2);
	st_hash_file(db, hd2);
	assert_memory_equal(hk, hk2, 32);
	assert_memory_equal(hd, hd2, 32);

	s = st_reopen(fx, PASS);
	sz_store_close(s);
	char missing[400];
	snprintf(missing, sizeof missing, "%s/none", fx->base);
	assert_int_equal(sz_store_open(&s2, missing, PASS, PLEN, &fx->opts), SZ_ERR_NOT_FOUND);

	char buf[64];
	setenv("SAMIZDAT_HOME", "/x/y", 1);
	assert_int_equal(sz_store_default_dir(buf, sizeof buf), SZ_OK);
	assert_string_equal(buf, "/x/y");
	unsetenv("SAMIZDAT_HOME");
	setenv("HOME", "/home/u", 1);
	assert_int_equal(sz_store_default_dir(buf, sizeof buf), SZ_OK);
	assert_string_equal(buf, "/home/u/.samizdat");
	assert_int_equal(sz_store_default_dir(buf, 4), SZ_ERR_TOO_LARGE);
}

static void
test_envelopes(void **state)
{
	fixture *fx = *state;
	sz_store *s = st_create(fx);
	uint8_t *envs[4];
	size_t lens[4];
	uint8_t ids[4][32], eid[32];
	for (int i = 0; i < 3; i++) {
		char body[64];
		size_t elen;
		snprintf(body, sizeof body, "leaflet number %d", i);
		uint8_t *e = make_entry(fx, SZ_KIND_LEAFLET, 1000 + (uint64_t)i * 10, NULL, 0, body,
		    &elen, eid);
		assert_int_equal(sz_env_wrap_public(&envs[i], &lens[i], e, elen), SZ_OK);
		assert_int_equal(sz_env_id(ids[i], envs[i], lens[i]), SZ_OK);
		free(e);
	}
	/* A fourth with a forged signature: must be refused and never stored. */
	size_t elen;
	uint8_t *e = make_entry(fx, SZ_KIND_LEAFLET, 2000, NULL, 0, "forged", &elen, eid);
	e[elen - 1] ^= 1;
	assert_int_equal(sz_env_wrap_public(&envs[3], &lens[3], e, elen), SZ_OK);
	assert_int_equal(sz_env_id(ids[3], envs[3], lens[3]), SZ_OK);
	free(e);

	int res[4];
	assert_int_equal(sz_store_put_envelopes(s, (const uint8_t *const *)envs, lens, 4, res), SZ_OK);
	assert_int_equal(res[0], SZ_OK);
	assert_int_equal(res[2], SZ_OK);
	assert_int_equal(res[3], SZ_ERR_BAD_SIGNATURE);
	/* Idempotent. */
	assert_int_equal(sz_store_put_envelopes(s, (const uint8_t *const *)envs, lens, 4, res), SZ_OK);
	assert_int_equal(res[1], SZ_ERR_EXISTS);

	uint8_t *got;
	size_t glen;
	assert_int_equal(sz_store_get_envelope(s, ids[1], &got, &glen), SZ_OK);
	assert_int_equal(glen, lens[1]);
	assert_memory_equal(got, envs[1], glen);
	free(got);
	assert_int_equal(sz_store_get_envelope(s, ids[3], &got, &glen), SZ_ERR_NOT_FOUND);
	assert_null(got);

	uint8_t pub[SZ_SCOPE_BYTES];
	sz_env_public_scope(pub);
	sz_store_item *items;
	size_t n;
	assert_int_equal(sz_store_list_envelopes(s, pub, 1005, 1021, 0, &items, &n), SZ_OK);
	assert_int_equal(n, 2);
	assert_int_equal(items[0].time_ms, 1010);
	assert_memory_equal(items[0].id, ids[1], 32);
	assert_memory_equal(items[1].id, ids[2], 32);
	free(items);
	assert_int_equal(sz_store_list_envelopes(s, pub, 0, UINT64_MAX, 1, &items, &n), SZ_OK);
	assert_int_equal(n, 1);
	free(items);

	/* A sealed envelope: opaque bytes with its scope; its time is when it was first stored. */
	uint8_t scope[SZ_SCOPE_BYTES] = { 0xc1 }, key[32] = { 7 }, nonce[24] = { 9 };
	uint8_t *sealed, sid[32];
	size_t slen;
	assert_int_equal(sz_env_seal(&sealed, &slen, scope, (const uint8_t *)"secret", 6, key, nonce),
	    SZ_OK);
	assert_int_equal(sz_env_id(sid, sealed, slen), SZ_OK);
	sz_env_seeded_advance(&fx->clock, 5000);
	const uint8_t *one[1] = { sealed };
	assert_int_equal(sz_store_put_envelopes(s, one, &slen, 1, res), SZ_OK);
	assert_int_equal(res[0], SZ_OK);
	assert_int_equal(sz_store_list_envelopes(s, scope, 0, UINT64_MAX, 0, &items, &n), SZ_OK);
	assert_int_equal(n, 1);
	assert_int_equal(items[0].time_ms, 1700000005000ull);
	assert_memory_equal(items[0].id, sid, 32);
	free(items);
	sz_store_close(s);
	s = st_reopen(fx, PASS);
	assert_int_equal(sz_store_get_envelope(s, sid, &got, &glen), SZ_OK);
	assert_int_equal(glen, slen);
	assert_memory_equal(got, sealed, slen);
	free(got);
	/* Found by a prefix of its id, with its scope; a prefix of nothing held is not found. */
	uint8_t fid[32], fscope[SZ_SCOPE_BYTES], pfx[20];
	assert_int_equal(sz_store_find_prefix(s, sid, 20, fid, fscope), SZ_OK);
	assert_memory_equal(fid, sid, 32);
	assert_memory_equal(fscope, scope, SZ_SCOPE_BYTES);
	assert_int_equal(sz_store_find_prefix(s, ids[2], 32, fid, fscope), SZ_OK);
	assert_memory_equal(fid, ids[2], 32);
	assert_memory_equal(fscope, pub, SZ_SCOPE_BYTES);
	memcpy(pfx, sid, 20);
	pfx[19] ^= 1;
	assert_int_equal(sz_store_find_prefix(s, pfx, 20, fid, fscope), SZ_ERR_NOT_FOUND);
	assert_int_equal(sz_store_find_prefix(s, ids[3], 20, fid, fscope), SZ_ERR_NOT_FOUND);
	memset(pfx, 0xff, sizeof pfx); /* no upper bound */
	assert_int_equal(sz_store_find_prefix(s, pfx, 20, fid, fscope), SZ_ERR_NOT_FOUND);
	/* One byte matches several ids or one; both answers are exact. */
	int r1 = sz_store_find_prefix(s, sid, 1, fid, fscope);
	assert_true(r1 == SZ_OK || r1 == SZ_ERR_EXISTS);
	assert_int_equal(sz_store_find_prefix(s, sid, 0, fid, fscope), SZ_ERR_INVALID);
	/* Sealed envelopes by size, without their bytes; dropped by id without being remembered
	 * (they may be stored again), while a public one is never dropped this way. */
	sz_store_sized *sz;
	assert_int_equal(sz_store_sealed_sizes(s, scope, &sz, &n), SZ_OK);
	assert_int_equal(n, 1);
	assert_int_equal(sz[0].len, slen);
	assert_int_equal(sz[0].time_ms, 1700000005000ull);
	assert_memory_equal(sz[0].id, sid, 32);
	free(sz);
	assert_int_equal(sz_store_sealed_sizes(s, pub, &sz, &n), SZ_OK);
	assert_int_equal(n, 0);
	uint8_t two[2][32];
	memcpy(two[0], sid, 32);
	memcpy(two[1], ids[2], 32);
	size_t dropped = 9;
	assert_int_equal(sz_store_drop_sealed(s, (const uint8_t(*)[32])two, 2, &dropped), SZ_OK);
	assert_int_equal(dropped, 1);
	assert_int_equal(sz_store_get_envelope(s, sid, &got, &glen), SZ_ERR_NOT_FOUND);
	assert_int_equal(sz_store_get_envelope(s, ids[2], &got, &glen), SZ_OK);
	free(got);
	assert_int_equal(sz_store_put_envelopes(s, one, &slen, 1, res), SZ_OK);
	assert_int_equal(res[0], SZ_OK);
	/* Bad lengths are refused per item. */
	size_t badlen = 100;
	assert_int_equal(sz_store_put_envelopes(s, one, &badlen, 1, res), SZ_OK);
	assert_int_equal(res[0], SZ_ERR_MALFORMED);
	sz_store_close(s);
	free(sealed);
	for (int i = 0; i < 4; i++)
		free(envs[i]);
}

static void
test_entries_dag(void **state)
{
	fixture *fx = *state;
	sz_store *s = st_create(fx);
	uint8_t scope[SZ_SCOPE_BYTES] = { 0xaa }, env_id[32] = { 0xee };
	uint8_t root[32], a[32], b[32], c[32], ghost[32] = { 0x77 };
	size_t lr, la, lb, lc;
	uint8_t *er = make_entry(fx, SZ_KIND_POST, 100, NULL, 0, "root", &lr, root);
	uint8_t *ea = make_entry(fx, SZ_KIND_POST, 200, (const uint8_t (*)[32])root, 1, "a", &la, a);
	uint8_t *eb = make_entry(fx, SZ_KIND_POST, 300, (const uint8_t (*)[32])root, 1, "b", &lb, b);
	uint8_t pc[2][32];
	memcpy(pc[0], a, 32);
	memcpy(pc[1], ghost, 32);
	uint8_t *ec = make_entry(fx, SZ_KIND_POST, 400, (const uint8_t (*)[32])pc, 2, "c", &lc, c);
	uint8_t *bad = malloc(lb);
	memcpy(bad, eb, lb);
	bad[lb / 2] ^= 0x10;
	sz_store_entry_in in[5] = {
		{ scope, env_id, er, lr }, { scope, env_id, ea, la }, { scope, env_id, eb, lb },
		{ scope, env_id, ec, lc }, { scope, env_id, bad, lb },
	};
	int res[5];
	assert_int_equal(sz_store_put_entries(s, in, 5, res), SZ_OK);
	for (int i = 0; i < 4; i++)
		assert_int_equal(res[i], SZ_OK);
	assert_true(res[4] < 0);
	assert_int_equal(sz_store_put_entries(s, in, 1, res), SZ_OK);
	assert_int_equal(res[0], SZ_ERR_EXISTS);

	uint8_t *got, gscope[SZ_SCOPE_BYTES], genv[32];
	size_t glen;
	assert_int_equal(sz_store_get_entry(s, c, &got, &glen, gscope, genv), SZ_OK);
	assert_int_equal(glen, lc);
	assert_memory_equal(got, ec, lc);
	assert_memory_equal(gscope, scope, SZ_SCOPE_BYTES);
	assert_memory_equal(genv, env_id, 32);
	free(got);

	/* Heads: b and c (root and a are parents).  Missing: the ghost parent. */
	uint8_t *ids;
	size_t n;
	assert_int_equal(sz_store_heads(s, scope, 0, &ids, &n), SZ_OK);
	assert_int_equal(n, 2);
	int bc = memcmp(b, c, 32) < 0;
	assert_memory_equal(ids, bc ? b : c, 32);
	assert_memory_equal(ids + 32, bc ? c : b, 32);
	free(ids);
	assert_int_equal(sz_store_missing(s, scope, 0, &ids, &n), SZ_OK);
	assert_int_equal(n, 1);
	assert_memory_equal(ids, ghost, 32);
	free(ids);

	sz_store_item *items;
	assert_int_equal(sz_store_list_entries(s, scope, 150, 400, 0, &items, &n), SZ_OK);
	assert_int_equal(n, 2);
	assert_memory_equal(items[0].id, a, 32);
	assert_memory_equal(items[1].id, b, 32);
	free(items);

	/* Retention: everything before 250 goes, and stays gone. */
	size_t deleted;
	assert_int_equal(sz_store_expire(s, scope, 250, &deleted), SZ_OK);
	assert_int_equal(deleted, 2);
	assert_int_equal(sz_store_get_entry(s, root, &got, &glen, NULL, NULL), SZ_ERR_NOT_FOUND);
	assert_int_equal(sz_store_put_entries(s, in, 2, res), SZ_OK);
	assert_int_equal(res[0], SZ_ERR_EXPIRED);
	assert_int_equal(res[1], SZ_ERR_EXPIRED);
	assert_int_equal(sz_store_missing(s, scope, 0, &ids, &n), SZ_OK);
	assert_int_equal(n, 1); /* the ghost still; the expired root and a are not "missing" */
	assert_memory_equal(ids, ghost, 32);
	free(ids);
	assert_int_equal(sz_store_check(s), SZ_OK);
	sz_store_close(s);
	free(er);
	free(ea);
	free(eb);
	free(ec);
	free(bad);
}

/* A public envelope of leaflet text (malloc()ed) and its id. */
static uint8_t *
make_env(fixture *fx, const char *body, uint64_t t, size_t *len, uint8_t id[32])
{
	uint8_t eid[32], *env;
	size_t elen;
	uint8_t *e = make_entry(fx, SZ_KIND_LEAFLET, t, NULL, 0, body, &elen, eid);
	assert_int_equal(sz_env_wrap_public(&env, len, e, elen), SZ_OK);
	assert_int_equal(sz_env_id(id, env, *len), SZ_OK);
	free(e);
	return env;
}

static bool
held(sz_store *s, const uint8_t id[32])
{
	uint8_t *got = NULL;
	size_t len = 0;
	int r = sz_store_get_envelope(s, id, &got, &len);
	free(got);
	assert_true(r == SZ_OK || r == SZ_ERR_NOT_FOUND);
	return r == SZ_OK;
}

/* Batches: everything between sz_store_txn_begin and _end is one transaction; an inner level
 * rolls back alone; an outer failure, or a crash before the end, keeps nothing of it. */
static void
test_batches(void **state)
{
	fixture *fx = *state;
	sz_store *s = st_create(fx);
	uint8_t *env[5], ids[5][32];
	size_t lens[5];
	int res[2];
	sz_buf b = { 0 };
	for (int i = 0; i < 5; i++) {
		char body[32];
		snprintf(body, sizeof body, "batched %d", i);
		env[i] = make_env(fx, body, 5000 + (uint64_t)i, &lens[i], ids[i]);
	}
	uint64_t commits = sz_store_commits(s);
	assert_int_equal(sz_store_txn_begin(s), SZ_OK);
	assert_int_equal(sz_store_put_envelopes(s, (const uint8_t *const *)env, lens, 2, res), SZ_OK);
	assert_int_equal(sz_store_kv_put(s, "batch/kv", (const uint8_t *)"one", 3), SZ_OK);
	assert_int_equal(sz_store_txn_begin(s), SZ_OK);
	assert_int_equal(sz_store_put_envelopes(s, (const uint8_t *const *)env + 2, lens + 2, 1,
	    NULL), SZ_OK);
	assert_true(held(s, ids[2]));
	/* The inner level fails: only it goes. */
	assert_int_equal(sz_store_txn_end(s, SZ_ERR_INVALID), SZ_ERR_INVALID);
	assert_false(held(s, ids[2]));
	assert_true(held(s, ids[0]));
	assert_int_equal(sz_store_commits(s), commits);
	assert_int_equal(sz_store_txn_end(s, SZ_OK), SZ_OK);
	/* Three puts, a secret and a savepoint: one commit, one round of fsyncs. */
	assert_int_equal(sz_store_commits(s), commits + 1);
	assert_true(held(s, ids[0]) && held(s, ids[1]) && !held(s, ids[2]));
	assert_int_equal(sz_store_kv_get(s, "batch/kv", &b), SZ_OK);
	assert_int_equal(b.len, 3);
	/* The outer level fails: none of it stays. */
	assert_int_equal(sz_store_txn_begin(s), SZ_OK);
	assert_int_equal(sz_store_put_envelopes(s, (const uint8_t *const *)env + 3, lens + 3, 1,
	    NULL), SZ_OK);
	assert_int_equal(sz_store_kv_put(s, "batch/kv", (const uint8_t *)"two", 3), SZ_OK);
	assert_int_equal(sz_store_txn_end(s, SZ_ERR_IO), SZ_ERR_IO);
	assert_false(held(s, ids[3]));
	assert_int_equal(sz_store_kv_get(s, "batch/kv", &b), SZ_OK);
	assert_memory_equal(b.p, "one", 3);
	/* An end without a begin is a bug of the caller, refused. */
	assert_int_equal(sz_store_txn_end(s, SZ_OK), SZ_ERR_STATE);
	sz_store_close(s);

	/* A process killed in the middle of a batch: the journal takes all of it back. */
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		sz_store *c = NULL;
		if (sz_store_open(&c, fx->dir, PASS, PLEN, &fx->opts) != SZ_OK ||
		    sz_store_txn_begin(c) != SZ_OK ||
		    sz_store_put_envelopes(c, (const uint8_t *const *)env + 4, lens + 4, 1, NULL) != SZ_OK ||
		    sz_store_kv_put(c, "batch/kv", (const uint8_t *)"three", 5) != SZ_OK)
			_exit(1);
		kill(getpid(), SIGKILL);
		_exit(2);
	}
	int ws;
	assert_int_equal(waitpid(pid, &ws, 0), pid);
	assert_true(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL);
	s = st_reopen(fx, PASS);
	assert_int_equal(sz_store_check(s), SZ_OK);
	assert_false(held(s, ids[4]));
	assert_true(held(s, ids[0]));
	assert_int_equal(sz_store_kv_get(s, "batch/kv", &b), SZ_OK);
	assert_memory_equal(b.p, "one", 3);

	/* Checked envelopes: nothing is parsed again; an unchecked or refused one is not stored. */
	sz_env_in in[3];
	sz_env_in_init(&in[0], env[3], lens[3], NULL);
	sz_env_in_check(&in[0], sz_store_max_body(s));
	sz_env_in_init(&in[1], env[4], lens[4], NULL); /* never checked */
	env[2][30] ^= 1;
	sz_env_in_init(&in[2], env[2], lens[2], NULL);
	sz_env_in_check(&in[2], sz_store_max_body(s));
	int r3[3];
	assert_int_equal(sz_store_put_checked(s, in, 3, r3), SZ_OK);
	assert_int_equal(r3[0], SZ_OK);
	assert_int_equal(r3[1], SZ_ERR_AGAIN);
	assert_int_not_equal(r3[2], SZ_OK);
	assert_true(held(s, ids[3]));
	assert_false(held(s, ids[4]));
	assert_int_equal(sz_store_put_checked(s, in, 1, r3), SZ_OK);
	assert_int_equal(r3[0], SZ_ERR_EXISTS);
	/* Without a savepoint of its own, inside the caller's transaction: all or nothing with
	 * it; with no transaction open, in one of its own. */
	sz_env_in_init(&in[0], env[4], lens[4], NULL);
	sz_env_in_check(&in[0], sz_store_max_body(s));
	assert_int_equal(sz_store_txn_begin(s), SZ_OK);
	assert_int_equal(sz_store_put_checked_bare(s, in, 1, r3), SZ_OK);
	assert_int_equal(r3[0], SZ_OK);
	assert_true(held(s, ids[4]));
	assert_int_equal(sz_store_txn_end(s, SZ_ERR_IO), SZ_ERR_IO);
	assert_false(held(s, ids[4]));
	assert_int_equal(sz_store_put_checked_bare(s, in, 1, r3), SZ_OK);
	assert_int_equal(r3[0], SZ_OK);
	assert_true(held(s, ids[4]));

	/* An entry decoded and verified by a lower layer is filed as it is. */
	uint8_t eid[32], scope[16] = { 9 }, envid[32] = { 8 }, got_scope[16], *got;
	size_t elen, glen;
	sz_entry de;
	int item;
	uint8_t *e = make_entry(fx, SZ_KIND_POST, 7000, NULL, 0, "a cell's post", &elen, eid);
	assert_int_equal(sz_entry_decode(&de, eid, e, elen, 0), SZ_OK);
	assert_int_equal(sz_store_put_entry(s, scope, envid, &de, eid, e, elen, &item), SZ_OK);
	assert_int_equal(item, SZ_OK);
	assert_int_equal(sz_store_put_entry(s, scope, envid, &de, eid, e, elen, &item), SZ_OK);
	assert_int_equal(item, SZ_ERR_EXISTS);
	assert_int_equal(sz_store_get_entry(s, eid, &got, &glen, got_scope, NULL), SZ_OK);
	assert_int_equal(glen, elen);
	assert_memory_equal(got, e, elen);
	assert_memory_equal(got_scope, scope, 16);
	free(got);
	free(e);
	sz_buf_free(&b);
	sz_store_close(s);
	for (int i = 0; i < 5; i++)
		free(env[i]);
}

static void
test_secrets_and_passphrase(void **state)
{
	fixture *fx = *state;
	sz_store *s = st_create(fx);
	sz_buf v = { 0 };
	assert_int_equal(sz_store_kv_get(s, "identity", &v), SZ_ERR_NOT_FOUND);
	assert_int_equal(sz_store_kv_put(s, "identity", fx->sk, 64), SZ_OK);
	assert_int_equal(sz_store_kv_put(s, "onion", (const uint8_t *)"v3key", 5), SZ_OK);
	assert_int_equal(sz_store_kv_put(s, "onion", (const uint8_t *)"v3key2", 6), SZ_OK);
	assert_int_equal(sz_store_kv_put(s, "", (const uint8_t *)"x", 1), SZ_ERR_INVALID);
	int r = sz_store_change_passphrase(s, "new passphrase", 14, NULL, NULL);
	if (r != SZ_OK)
		print_error("%s\n", sz_store_errmsg(s));
	assert_int_equal(r, SZ_OK);
	sz_store_close(s);

	sz_store *s2 = NULL;
	assert_int_equal(sz_store_open(&s2, fx->dir, PASS, PLEN, &fx->opts), SZ_ERR_PASSPHRASE);
	s = st_reopen(fx, "new passphrase");
	assert_int_equal(sz_store_kv_get(s, "identity", &v), SZ_OK);
	assert_int_equal(v.len, 64);
	assert_memory_equal(v.p, fx->sk, 64);
	assert_true(v.secret);
	assert_int_equal(sz_store_kv_get(s, "onion", &v), SZ_OK);
	assert_int_equal(v.len, 6);
	assert_memory_equal(v.p, "v3key2", 6);
	assert_int_equal(sz_store_kv_delete(s, "onion"), SZ_OK);
	assert_int_equal(sz_store_kv_delete(s, "onion"), SZ_ERR_NOT_FOUND);
	assert_int_equal(sz_store_kv_get(s, "onion", &v), SZ_ERR_NOT_FOUND);
	sz_buf_free(&v);
	sz_store_close(s);
}

static void
test_duress(void **state)
{
	fixture *fx = *state;
	char key[400];
	st_path(key, sizeof key, fx, "key");
	sz_store *s = st_create(fx);
	assert_int_equal(sz_store_kv_put(s, "identity", fx->sk, 64), SZ_OK);
	assert_int_equal(sz_store_set_duress(s, PASS, PLEN), SZ_ERR_INVALID);
	assert_int_equal(sz_store_set_duress(s, "under duress", 12), SZ_OK);
	assert_int_equal(sz_store_change_passphrase(s, "under duress", 12, NULL, NULL), SZ_ERR_INVALID);
	sz_store_close(s);
	struct stat st;
	assert_int_equal(stat(key, &st), 0);
	assert_int_equal(st.st_size, SZ_KEYFILE_BYTES); /* same shape with or without duress */

	/* The duress passphrase opens an empty node, and the real one is gone. */
	s = st_reopen(fx, "under duress");
	sz_buf v = { 0 };
	assert_int_equal(sz_store_kv_get(s, "identity", &v), SZ_ERR_NOT_FOUND);
	assert_int_equal(sz_store_check(s), SZ_OK);
	sz_store_close(s);
	/* The real passphrase still opens its slot's AEAD, but the key in it went with the old
	 * refresh value: nothing opens under it (duress_test.c has the rest). */
	sz_store *s2 = NULL;
	assert_int_equal(sz_store_open(&s2, fx->dir, PASS, PLEN, &fx->opts), SZ_ERR_CORRUPT);
	s = st_reopen(fx, "under duress");
	assert_int_equal(sz_store_kv_put(s, "x", (const uint8_t *)"y", 1), SZ_OK);
	sz_store_close(s);
	s = st_reopen(fx, "under duress"); /* the decoy again, as it was left: not rebuilt */
	assert_int_equal(sz_store_kv_get(s, "x", &v), SZ_OK);
	sz_buf_free(&v);
	/* Clearing the duress passphrase makes it a wrong one. */
	assert_int_equal(sz_store_set_duress(s, "second duress", 13), SZ_OK);
	assert_int_equal(sz_store_set_duress(s, NULL, 0), SZ_OK);
	sz_store_close(s);
	assert_int_equal(sz_store_open(&s2, fx->dir, "second duress", 13, &fx->opts),
	    SZ_ERR_PASSPHRASE);
}

static void
test_wipe(void **state)
{
	fixture *fx = *state;
	sz_store *s = st_create(fx);
	assert_int_equal(sz_store_kv_put(s, "identity", fx->sk, 64), SZ_OK);
	sz_store_close(s);
	/* Keep the key file's inode and the database under other names, as a forensic copy of the
	 * disk blocks would: the wipe overwrites in place, so the old slots must not survive. */
	char key[400], db[400], keep_key[400], keep_db[400];
	st_path(key, sizeof key, fx, "key");
	st_path(db, sizeof db, fx, "db");
	snprintf(keep_key, sizeof keep_key, "%s/kept-key", fx->base);
	snprintf(keep_db, sizeof keep_db, "%s/kept-db", fx->base);
	assert_int_equal(link(key, keep_key), 0);
	assert_int_equal(link(db, keep_db), 0);

	assert_int_equal(sz_store_wipe(fx->dir), SZ_OK);
	assert_int_equal(access(key, F_OK), -1);
	assert_int_equal(access(db, F_OK), -1);
	sz_store *s2 = NULL;
	assert_int_equal(sz_store_open(&s2, fx->dir, PASS, PLEN, &fx->opts), SZ_ERR_NOT_FOUND);

	/* Put the kept files back: the right passphrase opens nothing. */
	assert_int_equal(mkdir(fx->dir, 0700), 0);
	assert_int_equal(link(keep_key, key), 0);
	assert_int_equal(link(keep_db, db), 0);
	int r = sz_store_open(&s2, fx->dir, PASS, PLEN, &fx->opts);
	/* Random bytes where the key file was: its checksum fails, so it reads as damaged. */
	assert_true(r == SZ_ERR_CORRUPT || r == SZ_ERR_UNSUPPORTED);
	assert_null(s2);
	assert_int_equal(sz_store_wipe(fx->dir), SZ_OK);
}

static void
test_tampered_page(void **state)
{
	fixture *fx = *state;
	sz_store *s = st_create(fx);
	uint8_t scope[SZ_SCOPE_BYTES] = { 1 }, env_id[32] = { 2 }, id[32];
	for (int i = 0; i < 50; i++) {
		size_t len;
		char body[2000];
		memset(body, 'a' + i % 26, sizeof body - 1);
		body[sizeof body - 1] = '\0';
		uint8_t *e = make_entry(fx, SZ_KIND_POST, (uint64_t)i, NULL, 0, body, &len, id);
		sz_store_entry_in in = { scope, env_id, e, len };
		assert_int_equal(sz_store_put_entries(s, &in, 1, NULL), SZ_OK);
		free(e);
	}
	sz_store_close(s);
	char db[400];
	st_path(db, sizeof db, fx, "db");
	int fd = open(db, O_RDWR);
	assert_true(fd >= 0);
	uint8_t b;
	assert_int_equal(pread(fd, &b, 1, 4096 * 6 + 123), 1);
	b ^= 0x80;
	assert_int_equal(pwrite(fd, &b, 1, 4096 * 6 + 123), 1);
	close(fd);
	s = NULL;
	int r = sz_store_open(&s, fx->dir, PASS, PLEN, &fx->opts);
	if (r == SZ_OK) {
		r = sz_store_check(s);
		assert_non_null(strstr(sz_store_errmsg(s), db));
		sz_store_close(s);
	} else {
		assert_non_null(strstr(sz_store_last_error(), db));
	}
	assert_int_equal(r, SZ_ERR_CORRUPT);
}

/* In a child limited by RLIMIT_FSIZE: store batches until the disk is "full"; report how many
 * batches were acknowledged.  The parent then checks every acknowledged batch is there. */
static void
test_disk_full(void **state)
{
	fixture *fx = *state;
	sz_store *s = st_create(fx);
	sz_store_close(s);
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		signal(SIGXFSZ, SIG_IGN);
		struct rlimit rl = { 256 * 1024, 256 * 1024 };
		if (setrlimit(RLIMIT_FSIZE, &rl) != 0 || sz_store_open(&s, fx->dir, PASS, PLEN,
		    &fx->opts) != SZ_OK)
			_exit(2);
		uint8_t scope[SZ_SCOPE_BYTES] = { 3 }, env_id[32] = { 4 }, id[32];
		uint32_t acked = 0;
		for (int batch = 0; batch < 1000; batch++) {
			sz_store_entry_in in[10];
			uint8_t *e[10];
			for (int i = 0; i < 10; i++) {
				char body[600];
				snprintf(body, sizeof body, "%0590d", batch * 10 + i);
				size_t len;
				e[i] = NULL;
				if (sz_entry_build(&e[i], &len, id, SZ_KIND_POST, NULL, 0,
				    (uint64_t)(batch * 10 + i), (const uint8_t *)body, strlen(body),
				    fx->sk) != SZ_OK)
					_exit(3);
				in[i] = (sz_store_entry_in){ scope, env_id, e[i], len };
			}
			int r = sz_store_put_entries(s, in, 10, NULL);
			for (int i = 0; i < 10; i++)
				free(e[i]);
			if (r == SZ_ERR_DISK_FULL)
				break;
			if (r != SZ_OK)
				_exit(4);
			acked++;
		}
		if (write(fds[1], &acked, sizeof acked) != sizeof acked)
			_exit(5);
		/* The store stays usable for reading after the failure. */
		_exit(sz_store_check(s) == SZ_OK ? 0 : 6);
	}
	close(fds[1]);
	uint32_t acked = 0;
	assert_int_equal(read(fds[0], &acked, sizeof acked), sizeof acked);
	close(fds[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_true(acked > 5 && acked < 1000); /* it did fill up */

	s = st_reopen(fx, PASS);
	assert_int_equal(sz_store_check(s), SZ_OK);
	uint8_t scope[SZ_SCOPE_BYTES] = { 3 };
	sz_store_item *items;
	size_t n;
	assert_int_equal(sz_store_list_entries(s, scope, 0, UINT64_MAX, 0, &items, &n), SZ_OK);
	assert_int_equal(n, (size_t)acked * 10); /* all acknowledged, no partial batch */
	for (size_t i = 0; i < n; i++)
		assert_int_equal(items[i].time_ms, i);
	free(items);
	sz_store_close(s);
}

/* A store is made whole or not at all: a create stopped before it finished (its marker still
 * there, whatever pieces it had written) is no store; the next create clears those pieces and
 * makes a whole one.  Pieces without the marker are never cleared. */
static void
test_unfinished_create(void **state)
{
	fixture *fx = *state;
	sz_store *s = st_create(fx), *s2 = NULL;
	sz_store_close(s);
	char mark[400], key[400], db[400];
	st_path(mark, sizeof mark, fx, SZ_STORE_UNFINISHED);
	st_path(key, sizeof key, fx, "key");
	st_path(db, sizeof db, fx, "db");
	struct stat st;
	assert_int_not_equal(stat(mark, &st), 0); /* a finished store has no marker */
	uint8_t hk[32], hk2[32];
	st_hash_file(key, hk);

	/* Killed after every piece but before the marker went: no store. */
	FILE *f = fopen(mark, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(sz_store_open(&s2, fx->dir, PASS, PLEN, &fx->opts), SZ_ERR_NOT_FOUND);
	assert_null(s2);
	assert_non_null(strstr(sz_store_last_error(), "stopped before it was finished"));
	sz_store_verdict v;
	assert_int_equal(sz_store_examine(fx->dir, PASS, PLEN, &v, NULL, NULL), SZ_ERR_NOT_FOUND);
	/* Made again: a new key file (new salt, new master key), and it opens. */
	s = st_create(fx);
	sz_store_close(s);
	assert_int_not_equal(stat(mark, &st), 0);
	st_hash_file(key, hk2);
	assert_memory_not_equal(hk, hk2, 32);
	s = st_reopen(fx, PASS);
	assert_int_equal(sz_store_check(s), SZ_OK);
	sz_store_close(s);

	/* Killed after the key file only (no database yet): no store, and made again. */
	assert_int_equal(unlink(db), 0);
	f = fopen(mark, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(sz_store_open(&s2, fx->dir, PASS, PLEN, &fx->opts), SZ_ERR_NOT_FOUND);
	s = st_create(fx);
	sz_store_close(s);
	s = st_reopen(fx, PASS);
	sz_store_close(s);

	/* A database without its key file and without the marker is not an unfinished create (a
	 * lost key file, a backup to restore): create refuses and touches nothing. */
	uint8_t hd[32], hd2[32];
	st_hash_file(db, hd);
	assert_int_equal(unlink(key), 0);
	assert_int_equal(sz_store_create(&s2, fx->dir, PASS, PLEN, &fx->opts), SZ_ERR_EXISTS);
	assert_null(s2);
	st_hash_file(db, hd2);
	assert_memory_equal(hd, hd2, 32);
	assert_int_not_equal(stat(mark, &st), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lifecycle, st_setup, st_teardown),
		cmocka_unit_test_setup_teardown(test_envelopes, st_setup, st_teardown),
		cmocka_unit_test_setup_teardown(test_entries_dag, st_setup, st_teardown),
		cmocka_unit_test_setup_teardown(test_batches, st_setup, st_teardown),
		cmocka_unit_test_setup_teardown(test_secrets_and_passphrase, st_setup, st_teardown),
		cmocka_unit_test_setup_teardown(test_duress, st_setup, st_teardown),
		cmocka_unit_test_setup_teardown(test_wipe, st_setup, st_teardown),
		cmocka_unit_test_setup_teardown(test_tampered_page, st_setup, st_teardown),
		cmocka_unit_test_setup_teardown(test_disk_full, st_setup, st_teardown),
		cmocka_unit_test_setup_teardown(test_unfinished_create, st_setup, st_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
