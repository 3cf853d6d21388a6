/*
 * vfs_test.c - unit tests of the page-encrypting VFS (store/vfs.c, store/vfs_journal.c): round
 * trip, no plaintext on disk, wrong key, tampered and swapped pages, refused files and pragmas,
 * recovery from a hot journal after SIGKILL, and a tampered hot journal.
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "crypto/crypto.h"
#include "store/vfs.h"

static const uint8_t key1[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 };
static const uint8_t key2[32] = { 9 };

typedef struct fixture {
	char dir[256];
	char db[300];
	char journal[320];
	sz_vfs *vfs;
} fixture;

static int
setup(void **state)
{
	fixture *fx = calloc(1, sizeof *fx);
	if (fx == NULL || sz_init() != 0)
		return -1;
	const char *t = getenv("TMPDIR");
	snprintf(fx->dir, sizeof fx->dir, "%s/sz-vfs-XXXXXX", t ? t : "/tmp");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	snprintf(fx->db, sizeof fx->db, "%s/db", fx->dir);
	snprintf(fx->journal, sizeof fx->journal, "%s/db-journal", fx->dir);
	if (sz_vfs_new(&fx->vfs, key1) != SZ_OK)
		return -1;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	fixture *fx = *state;
	char cmd[400];
	sz_vfs_free(fx->vfs);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->dir);
	if (system(cmd) != 0)
		return -1;
	free(fx);
	return 0;
}

static long
file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* 1 if the file holds needle anywhere. */
static int
file_contains(const char *path, const char *needle)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return 0;
	size_t n = strlen(needle), cap = 1 << 20, len = 0;
	uint8_t *buf = malloc(cap);
	assert_non_null(buf);
	size_t got;
	while ((got = fread(buf + len, 1, cap - len, f)) > 0) {
		len += got;
		if (len == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
	}
	fclose(f);
	int found = 0;
	for (size_t i = 0; i + n <= len && !found; i++)
		found = memcmp(buf + i, needle, n) == 0;
	free(buf);
	return found;
}

static void
flip_byte(const char *path, long off)
{
	int fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	uint8_t b;
	assert_int_equal(pread(fd, &b, 1, off), 1);
	b ^= 0x01;
	assert_int_equal(pwrite(fd, &b, 1, off), 1);
	close(fd);
}

static void
exec_ok(sqlite3 *db, const char *sql)
{
	char *err = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
	if (rc != SQLITE_OK)
		print_error("%s: %s\n", sql, err ? err : "?");
	sqlite3_free(err);
	assert_int_equal(rc, SQLITE_OK);
}

static long
count_like(sqlite3 *db, const char *pattern)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM t WHERE v LIKE ?", -1, &st,
	    NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, pattern, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	long n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	return n;
}

static void
fill(fixture *fx, int rows)
{
	sqlite3 *db;
	assert_int_equal(sz_vfs_connect(fx->vfs, fx->db, 1, &db), SZ_OK);
	exec_ok(db, "CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT, b BLOB)");
	exec_ok(db, "BEGIN");
	for (int i = 0; i < rows; i++) {
		char sql[200];
		snprintf(sql, sizeof sql, "INSERT INTO t VALUES(%d, 'OLDMARKER-%05d', zeroblob(1000))",
		    i, i);
		exec_ok(db, sql);
	}
	exec_ok(db, "COMMIT");
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static void
test_roundtrip_sealed(void **state)
{
	fixture *fx = *state;
	fill(fx, 500);
	long size = file_size(fx->db);
	assert_true(size > 100 * 4096);
	assert_int_equal(size % SZ_VFS_PAGE_SIZE, 0);
	assert_false(file_contains(fx->db, "OLDMARKER"));
	assert_false(file_contains(fx->db, "SQLite format 3"));
	assert_false(file_contains(fx->db, "CREATE TABLE"));
	sz_vfs_stats st;
	sz_vfs_get_stats(fx->vfs, &st);
	assert_true(st.pages_sealed > 100);

	sqlite3 *db;
	assert_int_equal(sz_vfs_connect(fx->vfs, fx->db, 0, &db), SZ_OK);
	assert_int_equal(count_like(db, "OLDMARKER-%"), 500);
	assert_int_equal(count_like(db, "OLDMARKER-00042"), 1);
	sqlite3_close(db);
	/* The header is what we asked for: verified from page 1 itself. */
	assert_int_equal(sz_vfs_check_header(fx->vfs, fx->db), SZ_OK);
}

static void
test_wrong_key(void **state)
{
	fixture *fx = *state;
	fill(fx, 10);
	sz_vfs *other;
	assert_int_equal(sz_vfs_new(&other, key2), SZ_OK);
	sqlite3 *db = NULL;
	assert_int_equal(sz_vfs_connect(other, fx->db, 0, &db), SZ_ERR_CORRUPT);
	assert_null(db);
	assert_non_null(strstr(sz_vfs_errmsg(other), fx->db));
	sz_vfs_free(other);
}

static void
test_tampered_page(void **state)
{
	fixture *fx = *state;
	fill(fx, 300);
	flip_byte(fx->db, 3 * 4096 + 777); /* page 4 */
	sqlite3 *db;
	assert_int_equal(sz_vfs_connect(fx->vfs, fx->db, 0, &db), SZ_OK);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT sum(length(v)) FROM t", -1, &st, NULL),
	    SQLITE_OK);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	assert_int_equal(rc, SQLITE_IOERR_DATA);
	assert_int_equal(sz_vfs_errcode(fx->vfs), SZ_ERR_CORRUPT);
	assert_non_null(strstr(sz_vfs_errmsg(fx->vfs), fx->db));
	assert_non_null(strstr(sz_vfs_errmsg(fx->vfs), "page 4 "));
	sqlite3_close(db);
}

static void
test_swapped_pages(void **state)
{
	fixture *fx = *state;
	fill(fx, 300);
	/* Move page 3's sealed bytes to page 5's place: valid ciphertext, wrong position. */
	int fd = open(fx->db, O_RDWR);
	assert_true(fd >= 0);
	uint8_t p3[4096];
	assert_int_equal(pread(fd, p3, sizeof p3, 2 * 4096), 4096);
	assert_int_equal(pwrite(fd, p3, sizeof p3, 4 * 4096), 4096);
	close(fd);
	sqlite3 *db;
	assert_int_equal(sz_vfs_connect(fx->vfs, fx->db, 0, &db), SZ_OK);
	char *err = NULL;
	int rc = sqlite3_exec(db, "SELECT sum(length(v)) FROM t", NULL, NULL, &err);
	sqlite3_free(err);
	assert_int_equal(rc, SQLITE_IOERR_DATA);
	assert_non_null(strstr(sz_vfs_errmsg(fx->vfs), "page 5 "));
	sqlite3_close(db);
	/* Truncating the file in the middle of a page is damage, not a short file. */
	assert_int_equal(truncate(fx->db, 4096 * 6 + 100), 0);
	sz_vfs_clear_error(fx->vfs);
	int r = sz_vfs_connect(fx->vfs, fx->db, 0, &db);
	if (r == SZ_OK) {
		rc = sqlite3_exec(db, "SELECT sum(length(v)) FROM t", NULL, NULL, &err);
		sqlite3_free(err);
		assert_int_not_equal(rc, SQLITE_OK);
		sqlite3_close(db);
	} else {
		assert_int_equal(r, SZ_ERR_CORRUPT);
	}
	assert_int_equal(sz_vfs_errcode(fx->vfs), SZ_ERR_CORRUPT);
	assert_non_null(strstr(sz_vfs_errmsg(fx->vfs), fx->db));
}

static void
test_refused(void **state)
{
	fixture *fx = *state;
	fill(fx, 10);
	sqlite3 *db;
	assert_int_equal(sz_vfs_connect(fx->vfs, fx->db, 0, &db), SZ_OK);
	const char *bad[] = { "PRAGMA journal_mode=WAL", "PRAGMA journal_mode=memory",
		"PRAGMA mmap_size=1048576", "PRAGMA temp_store=FILE", "PRAGMA writable_schema=1",
		"PRAGMA temp_store_directory='/tmp'", "PRAGMA page_size=1024" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *err = NULL;
		int rc = sqlite3_exec(db, bad[i], NULL, NULL, &err);
		if (rc == SQLITE_OK)
			print_error("accepted: %s\n", bad[i]);
		sqlite3_free(err);
		assert_int_not_equal(rc, SQLITE_OK);
	}
	char *err = NULL;
	char sql[400];
	snprintf(sql, sizeof sql, "ATTACH 'file:%s/x?vfs=unix' AS x", fx->dir);
	assert_int_not_equal(sqlite3_exec(db, sql, NULL, NULL, &err), SQLITE_OK);
	sqlite3_free(err);
	err = NULL;
	assert_int_not_equal(sqlite3_exec(db, "VACUUM INTO '/tmp/sz-vfs-vacuum-copy'", NULL, NULL,
	    &err), SQLITE_OK);
	sqlite3_free(err);
	assert_int_equal(access("/tmp/sz-vfs-vacuum-copy", F_OK), -1);
	/* Temp tables and big sorts stay in memory. */
	exec_ok(db, "CREATE TEMP TABLE tt(x); INSERT INTO tt SELECT v FROM t; "
	    "SELECT * FROM t ORDER BY random()");
	sqlite3_close(db);

	/* Without the policy, a temporary file is refused by the shim rather than written. */
	sz_vfs_stats before, after;
	sz_vfs_get_stats(fx->vfs, &before);
	assert_int_equal(sqlite3_open_v2(fx->db, &db, SQLITE_OPEN_READWRITE, sz_vfs_name(fx->vfs)),
	    SQLITE_OK);
	int rc = sqlite3_exec(db, "CREATE TEMP TABLE tt(x); WITH RECURSIVE c(i) AS (SELECT 1 UNION "
	    "ALL SELECT i + 1 FROM c WHERE i < 20000) INSERT INTO tt SELECT randomblob(1000) FROM c",
	    NULL, NULL, &err);
	sqlite3_free(err);
	sz_vfs_get_stats(fx->vfs, &after);
	assert_int_not_equal(rc, SQLITE_OK);
	assert_true(after.refused_opens > before.refused_opens);
	assert_int_equal(sz_vfs_errcode(fx->vfs), SZ_ERR_DENIED);
	sqlite3_close(db);
}

/* In a child: update every row under a tiny page cache (so pages reach the database file before
 * commit, with a synced journal), then SIGKILL itself before COMMIT. */
static void
crash_mid_transaction(fixture *fx)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		sqlite3 *db;
		if (sz_vfs_connect(fx->vfs, fx->db, 0, &db) != SZ_OK)
			_exit(2);
		if (sqlite3_exec(db, "PRAGMA cache_size=5; BEGIN; "
		    "UPDATE t SET v = 'NEWMARKER-' || k, b = randomblob(300);", NULL, NULL,
		    NULL) != SQLITE_OK)
			_exit(3);
		raise(SIGKILL);
		_exit(4);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
}

/* BLAKE2b of a whole file, to see whether it changed. */
static void
file_hash(const char *path, uint8_t out[32])
{
	crypto_generichash_state h;
	crypto_generichash_init(&h, NULL, 0, 32);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	uint8_t buf[8192];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		crypto_generichash_update(&h, buf, n);
	fclose(f);
	crypto_generichash_final(&h, out, 32);
}

static void
test_hot_journal(void **state)
{
	fixture *fx = *state;
	fill(fx, 600);
	uint8_t before[32], after[32];
	file_hash(fx->db, before);
	crash_mid_transaction(fx);
	/* The database file itself was changed before the crash: the rollback has work to do. */
	file_hash(fx->db, after);
	assert_memory_not_equal(before, after, 32);
	assert_true(file_size(fx->journal) > 8 * 4096);
	assert_false(file_contains(fx->journal, "OLDMARKER"));
	assert_false(file_contains(fx->journal, "NEWMARKER"));
	assert_false(file_contains(fx->db, "NEWMARKER"));
	assert_false(file_contains(fx->db, "OLDMARKER"));

	sqlite3 *db;
	int r = sz_vfs_connect(fx->vfs, fx->db, 0, &db);
	if (r != SZ_OK)
		print_error("%s\n", sz_vfs_errmsg(fx->vfs));
	assert_int_equal(r, SZ_OK);
	assert_int_equal(count_like(db, "OLDMARKER-%"), 600);
	assert_int_equal(count_like(db, "NEWMARKER-%"), 0);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
	sqlite3_finalize(st);
	sqlite3_close(db);
	assert_true(file_size(fx->journal) <= 0); /* rolled back: emptied or deleted */
}

/* Read a whole file into malloc()ed memory. */
static uint8_t *
slurp(const char *path, long *len)
{
	*len = file_size(path);
	assert_true(*len >= 0);
	uint8_t *p = malloc((size_t)*len + 1);
	assert_non_null(p);
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, p, (size_t)*len, 0), *len);
	close(fd);
	return p;
}

/* A power cut can tear a page SQLite was writing when it stopped (page 1 included, which is
 * why the header check runs after recovery): the journaled image must repair it. */
static void
test_hot_journal_torn_page(void **state)
{
	fixture *fx = *state;
	fill(fx, 600);
	long before_len, after_len;
	uint8_t *before = slurp(fx->db, &before_len);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		sqlite3 *db;
		if (sz_vfs_connect(fx->vfs, fx->db, 0, &db) != SZ_OK)
			_exit(2);
		if (sqlite3_exec(db, "PRAGMA cache_size=5; BEGIN; CREATE TABLE u(x); "
		    "UPDATE t SET v = 'NEWMARKER-' || k, b = randomblob(300);", NULL, NULL,
		    NULL) != SQLITE_OK)
			_exit(3);
		raise(SIGKILL);
		_exit(4);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	uint8_t *after = slurp(fx->db, &after_len);
	/* Only a page SQLite rewrote during the transaction can be torn by a power cut. */
	long torn = -1;
	for (long pg = 0; pg * 4096 < before_len && pg * 4096 < after_len && torn < 0; pg++)
		if (memcmp(before + pg * 4096, after + pg * 4096, 4096) != 0)
			torn = pg;
	assert_true(torn >= 0);
	int fd = open(fx->db, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, before + torn * 4096, 2048, torn * 4096), 2048); /* half old */
	close(fd);
	sqlite3 *db;
	int r = sz_vfs_connect(fx->vfs, fx->db, 0, &db);
	if (r != SZ_OK)
		print_error("page %ld: %s\n", torn + 1, sz_vfs_errmsg(fx->vfs));
	assert_int_equal(r, SZ_OK);
	assert_int_equal(count_like(db, "OLDMARKER-%"), 600);
	sqlite3_close(db);
	free(before);
	free(after);
}

static void
write_file(const char *path, const uint8_t *p, long len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, (size_t)len), len);
	close(fd);
}

/* After a cut (or flip) of a hot journal: the connection must be refused with the files left as
 * they were, or open on exactly the old contents, never on a half-undone write.  Returns 1 if
 * it was refused. */
static int
refused_or_whole(fixture *fx, const uint8_t *db0, long dblen, const uint8_t *j, long jlen,
    long what)
{
	write_file(fx->db, db0, dblen);
	write_file(fx->journal, j, jlen);
	uint8_t hdb[32], hj[32], hdb2[32], hj2[32];
	file_hash(fx->db, hdb);
	file_hash(fx->journal, hj);
	sqlite3 *db;
	sz_vfs_clear_error(fx->vfs);
	int r = sz_vfs_connect(fx->vfs, fx->db, 0, &db);
	if (r != SZ_OK) {
		if (r != SZ_ERR_CORRUPT || strstr(sz_vfs_errmsg(fx->vfs), "journal") == NULL)
			print_error("at %ld: %d %s\n", what, r, sz_vfs_errmsg(fx->vfs));
		assert_int_equal(r, SZ_ERR_CORRUPT);
		assert_non_null(strstr(sz_vfs_errmsg(fx->vfs), "journal"));
		/* Left as it was, for an investigation or a person's choice. */
		file_hash(fx->db, hdb2);
		file_hash(fx->journal, hj2);
		assert_memory_equal(hdb, hdb2, 32);
		assert_memory_equal(hj, hj2, 32);
		return 1;
	}
	long old = count_like(db, "OLDMARKER-%"), nw = count_like(db, "NEWMARKER-%");
	sqlite3_stmt *st;
	const char *ic = "?";
	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		ic = (const char *)sqlite3_column_text(st, 0);
	if (old != 600 || nw != 0 || ic == NULL || strcmp(ic, "ok") != 0)
		print_error("journal cut at %ld of %ld opened on a half-undone write: %ld old, %ld new, "
		    "integrity %s\n", what, jlen, old, nw, ic ? ic : "?");
	assert_int_equal(old, 600);
	assert_int_equal(nw, 0);
	assert_string_equal(ic, "ok");
	sqlite3_finalize(st);
	sqlite3_close(db);
	return 0;
}

/* A hot journal cut anywhere (every header and record boundary, and inside them) is refused
 * whole, never rolled back in part: SQLite itself stops at the end of what it finds and calls
 * the result a success. */
static void
test_hot_journal_cut_anywhere(void **state)
{
	fixture *fx = *state;
	fill(fx, 600);
	crash_mid_transaction(fx);
	long dblen, jlen;
	uint8_t *db0 = slurp(fx->db, &dblen), *j = slurp(fx->journal, &jlen);
	assert_true(jlen > 3 * 4104);
	/* The small cache made SQLite sync and spill more than once: several segments, so that
	 * cuts at a segment's start (which SQLite reads as the journal's end) are tried too. */
	sz_vfs_journal_info info;
	assert_int_equal(sz_vfs_journal_verify(fx->vfs, fx->journal, &info), SZ_OK);
	assert_true(info.hot);
	assert_int_equal(info.version, 2);
	assert_true(info.segments >= 2);
	assert_true(info.records >= 4);
	int refused = 0, opened = 0;
	/* Every multiple of 512 (headers start there) and every record boundary of the first
	 * segment, with a byte on either side; under `make soak` (SZ_SOAK=1) everywhere in the
	 * file, else the first 64 KiB and every 8th sector after. */
	int soak = getenv("SZ_SOAK") != NULL;
	for (long cut = 1; cut < jlen; cut++) {
		long r = cut % 512, q = (cut - 512) % 4104;
		int boundary = r == 0 || r == 1 || r == 511 || (cut > 512 && (q == 0 || q == 1 ||
		    q == 4103 || q == 4 || q == 4100));
		int pick = soak ? boundary || cut % 97 == 0 : cut <= 65536 ? r == 0 || r == 1 ||
		    r == 511 || (cut < 512 + 2 * 4104 && boundary) : r == 0 && (cut / 512) % 8 == 0;
		if (!pick)
			continue;
		if (refused_or_whole(fx, db0, dblen, j, cut, cut))
			refused++;
		else
			opened++;
	}
	/* The whole journal rolls back. */
	assert_int_equal(refused_or_whole(fx, db0, dblen, j, jlen, jlen), 0);
	assert_true(refused > 0);
	print_message("journal of %ld bytes, %u segments, %llu records: %d cuts refused, %d opened "
	    "on the old contents (cuts in records never synced)\n", jlen, info.segments,
	    (unsigned long long)info.records, refused, opened);
	free(db0);
	free(j);
}

/* Tamper with one part of a hot journal; the rollback must fail loudly, never half-apply. */
static void
tampered_journal(fixture *fx, long off)
{
	fill(fx, 600);
	crash_mid_transaction(fx);
	assert_true(file_size(fx->journal) > off);
	flip_byte(fx->journal, off);
	sqlite3 *db;
	sz_vfs_clear_error(fx->vfs);
	int r = sz_vfs_connect(fx->vfs, fx->db, 0, &db);
	int rc = SQLITE_OK;
	if (r == SZ_OK) {
		char *err = NULL;
		rc = sqlite3_exec(db, "SELECT count(*) FROM t", NULL, NULL, &err);
		sqlite3_free(err);
		sqlite3_close(db);
	}
	assert_true(r != SZ_OK || rc != SQLITE_OK);
	assert_int_equal(sz_vfs_errcode(fx->vfs), SZ_ERR_CORRUPT);
	assert_non_null(strstr(sz_vfs_errmsg(fx->vfs), fx->journal));
	/* The journal is still there for an investigation; nothing was half-applied. */
	assert_true(file_size(fx->journal) > 0);
}

static void
test_journal_tampered_image(void **state)
{
	tampered_journal(*state, 512 + 4 + 1000);
}

static void
test_journal_tampered_pgno(void **state)
{
	tampered_journal(*state, 512 + 1);
}

static void
test_journal_tampered_cksum(void **state)
{
	tampered_journal(*state, 512 + 4 + 4096 + 2);
}

static void
test_journal_tampered_header(void **state)
{
	tampered_journal(*state, 13); /* the checksum nonce */
}

/* What SQLite writes last and version 1 did not authenticate: a zeroed magic or a smaller nRec
 * made SQLite stop early, silently. */
static void
test_journal_tampered_magic(void **state)
{
	tampered_journal(*state, 3);
}

static void
test_journal_tampered_nrec(void **state)
{
	tampered_journal(*state, 11);
}

static void
test_journal_tampered_segments(void **state)
{
	tampered_journal(*state, 383); /* header 0's segment count */
}

static void
test_journal_tampered_state_mac(void **state)
{
	tampered_journal(*state, 430);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip_sealed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tampered_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_swapped_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hot_journal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hot_journal_torn_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hot_journal_cut_anywhere, setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_tampered_image, setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_tampered_pgno, setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_tampered_cksum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_tampered_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_tampered_magic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_tampered_nrec, setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_tampered_segments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_tampered_state_mac, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
