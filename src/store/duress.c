/*
 * duress.c - a duress unlock that leaves the traces a normal unlock leaves, and no other: the
 * decoy (an empty node whose seed and creation time were drawn with the store) written over the
 * database in place; what every unlock writes (docs/PROTOCOL.md §4.1.5, docs/threat/store.md
 * "Duress").  Layer: store.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "lib/bytes.h"
#include "store/store_int.h"

/* Store-owned secrets in the kv table (the node's are "node/...", "cell/..."). */
#define KV_DECOY "store/decoy"   /* the payload of a duress slot: seed[24] || created u64 ms */
#define KV_UNLOCK "store/unlock" /* 16 random bytes, new at every unlock */
#define UNLOCK_BYTES 16

/* A creation time must be after 2020 and not in the future (a duress slot set by a samizdat
 * before key file version 3 holds random bytes where the time now is). */
#define TIME_MIN_MS 1577836800000ull

int
sz_store_is_decoy(const sz_store *s)
{
	return s->decoy;
}

/* out = BLAKE2b-256(key = seed, "samizdat decoy v1: " || what). */
static int
decoy_derive(uint8_t out[static 32], const uint8_t seed[static SZ_STORE_DECOY_SEED],
    const char *what)
{
	char label[64];
	int w = snprintf(label, sizeof label, "samizdat decoy v1: %s", what);
	if (w < 0 || (size_t)w >= sizeof label)
		return SZ_ERR_INVALID;
	return sz_blake2b(out, 32, (const uint8_t *)label, (size_t)w, seed, SZ_STORE_DECOY_SEED) ==
	    SZ_OK ? SZ_OK : SZ_ERR_INTERNAL;
}

/* When the store was made: the time migration 1 was recorded. */
static uint64_t
created_ms(sz_store *s)
{
	sqlite3_stmt *st = NULL;
	uint64_t t = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT applied_ms FROM migrations WHERE version = 1", -1, &st,
	    NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) > 0)
		t = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return t != 0 ? t : sz_now_ms(s->env);
}

int
sz_store_decoy_payload(sz_store *s, uint8_t out[static 32])
{
	sz_buf v = { 0 };
	int r = sz_store_kv_get(s, KV_DECOY, &v);
	if (r == SZ_OK && v.len == 32) {
		memcpy(out, v.p, 32);
		sz_buf_free(&v);
		return SZ_OK;
	}
	sz_buf_free(&v);
	if (r != SZ_OK && r != SZ_ERR_NOT_FOUND)
		return r;
	/* A store made before decoys (or a decoy opened for the first time): one now, as old as
	 * the store. */
	sz_random(s->env, out, SZ_STORE_DECOY_SEED);
	sz_store_u64(out + SZ_STORE_DECOY_SEED, created_ms(s));
	return sz_store_kv_put(s, KV_DECOY, out, 32);
}

int
sz_store_decoy_key(sz_store *s, const char *what, uint8_t out[static 32])
{
	uint8_t *p = sz_secret_alloc(32);
	int r = SZ_ERR_NOMEM;
	memset(out, 0, 32);
	if (what == NULL || *what == '\0' || strcmp(what, "master") == 0) {
		sz_secret_free(p);
		return SZ_ERR_INVALID;
	}
	if (p == NULL)
		return r;
	if (s->decoy)
		r = decoy_derive(out, s->decoy_seed, what);
	else if ((r = sz_store_decoy_payload(s, p)) == SZ_OK)
		r = decoy_derive(out, p, what);
	sz_secret_free(p);
	return r;
}

void
sz_store_unlock_mark(sz_store *s)
{
	uint8_t v[UNLOCK_BYTES], p[32];
	sz_random(s->env, v, sizeof v);
	/* Best effort: a store damaged where these rows live still opens, to be read and checked. */
	if (sz_store_kv_put(s, KV_UNLOCK, v, sizeof v) != SZ_OK ||
	    sz_store_decoy_payload(s, p) != SZ_OK)
		s->errmsg[0] = '\0';
	sz_wipe(p, sizeof p);
}

/* The decoy's database, built in memory (SQLite's memdb: the pager keeps page 1's header as for
 * a file) with the store's page size and reserve, the schema recorded at created; *image is
 * sqlite3_malloc()ed (sqlite3_free), *npages its pages. */
static int
decoy_image(uint64_t created, uint8_t **image, uint64_t *npages)
{
	sqlite3 *m = NULL;
	sqlite3_int64 size = 0;
	int r = SZ_ERR_INTERNAL, reserve = SZ_VFS_RESERVE;
	*image = NULL;
	if (sqlite3_open_v2("file:sz-decoy?vfs=memdb", &m, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		goto out;
	if (sqlite3_file_control(m, "main", SQLITE_FCNTL_RESERVE_BYTES, &reserve) != SQLITE_OK ||
	    sqlite3_exec(m, "PRAGMA page_size=4096", NULL, NULL, NULL) != SQLITE_OK ||
	    (r = sz_store_schema_into(m, created)) != SZ_OK)
		goto out;
	r = SZ_ERR_INTERNAL;
	if ((*image = sqlite3_serialize(m, "main", &size, 0)) == NULL || size <= 0 ||
	    size % SZ_VFS_PAGE_SIZE != 0)
		goto out;
	*npages = (uint64_t)size / SZ_VFS_PAGE_SIZE;
	r = SZ_OK;
out:
	if (r != SZ_OK) {
		sqlite3_free(*image);
		*image = NULL;
	}
	sqlite3_close(m);
	return r;
}

/* An interrupted write's journal belongs to the store that is gone: emptied in place (same
 * inode; a normal unlock leaves it empty too, after rolling it back). */
static int
empty_journal(const char *dir)
{
	char jr[PATH_MAX];
	int r = sz_path_in(jr, sizeof jr, dir, SZ_STORE_JOURNAL);
	if (r != SZ_OK)
		return r;
	int fd = open(jr, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? SZ_OK : SZ_ERR_IO;
	r = (ftruncate(fd, 0) == 0 && fsync(fd) == 0) ? SZ_OK : SZ_ERR_IO;
	close(fd);
	return r;
}

/* The creation time in a duress slot, or, from a slot set before key file version 3 (random
 * bytes there), the lock file's modification time: made with the store and never written. */
static uint64_t
slot_created(sz_store *s, const uint8_t payload[static 32])
{
	uint64_t t = sz_load_u64(payload + SZ_STORE_DECOY_SEED), now = sz_now_ms(s->env);
	struct stat st;
	if (t >= TIME_MIN_MS && t <= now + 86400000ull)
		return t;
	if (s->lock_fd >= 0 && fstat(s->lock_fd, &st) == 0 && st.st_mtim.tv_sec > 0)
		return (uint64_t)st.st_mtim.tv_sec * 1000 + (uint64_t)st.st_mtim.tv_nsec / 1000000;
	return now;
}

int
sz_store_duress_open(sz_store *s, const uint8_t kek[static 32], unsigned slot,
    const uint8_t payload[static 32])
{
	uint8_t *sec = sz_secret_alloc(64); /* the slot's payload as written || the decoy master */
	uint8_t *image = NULL;
	uint64_t npages = 0;
	char db[PATH_MAX];
	int r;

	if (sec == NULL)
		return SZ_ERR_NOMEM;
	if ((r = sz_path_in(db, sizeof db, s->dir, SZ_STORE_DB)) != SZ_OK)
		goto out;
	memcpy(sec, payload, 32);
	uint64_t created = slot_created(s, payload);
	sz_store_u64(sec + SZ_STORE_DECOY_SEED, created);
	/* 1. What every unlock does to the key file: a new refresh value, this slot sealed anew.
	 * The real slot's bytes stay, but its master key went with the old refresh value. */
	if ((r = sz_keyfile_refresh(&s->kf, slot, kek, SZ_KEY_ROLE_DURESS, sec, s->env)) != SZ_OK ||
	    (r = sz_keyfile_store(s->dir, &s->kf)) != SZ_OK) {
		snprintf(s->errmsg, sizeof s->errmsg, "%.500s: the key file could not be written",
		    s->dir);
		goto out;
	}
	s->keyfile_damaged = 0;
	memcpy(s->decoy_seed, sec, SZ_STORE_DECOY_SEED);
	s->decoy = 1;
	if ((r = decoy_derive(sec + 32, s->decoy_seed, "master")) != SZ_OK ||
	    (r = sz_store_derive(s->keys, sec + 32)) != SZ_OK)
		goto out;
	/* What an interrupted passphrase change of the real store left: never usable now. */
	sz_store_drop_rotation(s->dir);
	/* 2. The decoy over the database, unless an earlier duress unlock put it there. */
	if (sz_store_db_matches(db, sec + 32) != 1) {
		sz_vfs *v = NULL;
		if ((r = decoy_image(created, &image, &npages)) != SZ_OK ||
		    (r = empty_journal(s->dir)) != SZ_OK ||
		    (r = sz_vfs_new(&v, s->keys + SZ_STORE_K_VFS)) != SZ_OK) {
			snprintf(s->errmsg, sizeof s->errmsg, "%.500s: the store could not be replaced",
			    s->dir);
			goto out;
		}
		r = sz_vfs_write_image(v, db, image, npages, NULL);
		sz_vfs_free(v);
		if (r != SZ_OK) {
			snprintf(s->errmsg, sizeof s->errmsg, "%.500s: the store could not be replaced",
			    db);
			goto out;
		}
	}
	r = sz_store_open_db(s, 0);
out:
	if (image != NULL) {
		sz_wipe(image, (size_t)npages * SZ_VFS_PAGE_SIZE);
		sqlite3_free(image);
	}
	sz_secret_free(sec);
	return r;
}
