/*
 * store_txn.c - the store's transactions: a batch is one transaction, inner levels are savepoints
 * (store.h, sz_store_txn_begin).  Layer: store.
 */
#include <stdio.h>

#include "store/store_int.h"

/* The transaction an inner level belongs to was rolled back under it (store_int.h). */
int
sz_store_aborted(sz_store *s)
{
	s->aborted = true;
	if (s->errmsg[0] == '\0')
		snprintf(s->errmsg, sizeof s->errmsg, "%.500s: a write failed and the whole batch "
		    "was rolled back", s->dir);
	return SZ_ERR_IO;
}

/* Transactions nest: the outermost is BEGIN IMMEDIATE ... COMMIT (the only one that reaches the
 * disk, with the journal's fsyncs), inner ones are savepoints that roll back alone.  SQLite may
 * roll the whole transaction back by itself after an I/O error or a full disk inside it: then
 * every level fails from there on, up to the outermost, which reports it. */
int
sz_store_begin(sz_store *s)
{
	int r;
	if (s->depth == 0) {
		sz_vfs_clear_error(s->vfs);
		s->errmsg[0] = '\0';
		s->aborted = false;
		if ((r = sz_store_exec(s, "BEGIN IMMEDIATE", "starting a transaction")) != SZ_OK)
			return r;
	} else {
		if (s->aborted || sqlite3_get_autocommit(s->db))
			return sz_store_aborted(s);
		if ((r = sz_store_exec(s, "SAVEPOINT sz", "starting a transaction")) != SZ_OK)
			return r;
	}
	s->depth++;
	return SZ_OK;
}

int
sz_store_commit(sz_store *s)
{
	int r;
	if (s->depth == 0)
		return SZ_ERR_STATE;
	if (s->depth > 1) {
		if (s->aborted || sqlite3_get_autocommit(s->db)) {
			s->depth--;
			return sz_store_aborted(s);
		}
		if ((r = sz_store_exec(s, "RELEASE sz", "committing")) != SZ_OK) {
			sz_store_rollback(s);
			return r;
		}
		s->depth--;
		return SZ_OK;
	}
	if (s->aborted) {
		sz_store_rollback(s);
		return sz_store_aborted(s);
	}
	r = sz_store_exec(s, "COMMIT", "committing");
	if (r != SZ_OK)
		sz_store_rollback(s); /* counts as a forget */
	else
		s->commits++;
	s->depth = 0;
	return r;
}

void
sz_store_rollback(sz_store *s)
{
	s->forgets++;
	if (s->depth > 1) {
		if (!s->aborted && !sqlite3_get_autocommit(s->db) &&
		    sqlite3_exec(s->db, "ROLLBACK TO sz; RELEASE sz", NULL, NULL, NULL) != SQLITE_OK)
			s->aborted = true;
		if (sqlite3_get_autocommit(s->db))
			s->aborted = true;
		s->depth--;
		return;
	}
	if (!sqlite3_get_autocommit(s->db))
		(void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	s->depth = 0;
	s->aborted = false;
}

uint64_t
sz_store_commits(const sz_store *s)
{
	return s->commits;
}

uint64_t
sz_store_forgets(const sz_store *s)
{
	return s->forgets;
}

uint64_t
sz_store_changes(const sz_store *s)
{
	return (uint64_t)sqlite3_total_changes64(s->db);
}

int
sz_store_txn_begin(sz_store *s)
{
	return sz_store_begin(s);
}

int
sz_store_txn_end(sz_store *s, int r)
{
	if (r != SZ_OK) {
		sz_store_rollback(s);
		return r;
	}
	return sz_store_commit(s);
}
