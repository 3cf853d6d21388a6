/*
 * unfinished.c - a store is made whole or not at all.  sz_store_create writes the marker file
 * "unfinished" (synced, with its directory) before the first piece of a new store and removes it
 * after the last; a directory that holds it has no store: open and check say "not found", and
 * the next create clears what the interrupted one left (key, key.new, db, its journal), none of
 * which can ever be read: the master key they were made with lived only in the killed process
 * and in a key file that was never finished.  docs/PROTOCOL.md §4.1 (files of a store).
 * Layer: store.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/keyfile.h"
#include "store/store_int.h"

static const char *const pieces[] = {
	SZ_KEYFILE_NAME, SZ_KEYFILE_PENDING, SZ_STORE_DB, SZ_STORE_JOURNAL, SZ_STORE_DB_NEW,
	SZ_STORE_DB_NEW_JOURNAL,
};

bool
sz_store_unfinished(const char *dir)
{
	char p[PATH_MAX];
	struct stat st;
	return sz_path_in(p, sizeof p, dir, SZ_STORE_UNFINISHED) == SZ_OK && lstat(p, &st) == 0;
}

int
sz_store_create_begin(const char *dir)
{
	char p[PATH_MAX];
	struct stat st;
	bool any = false;
	int r;
	bool redo = sz_store_unfinished(dir);
	for (size_t i = 0; i < sizeof pieces / sizeof pieces[0]; i++) {
		if ((r = sz_path_in(p, sizeof p, dir, pieces[i])) != SZ_OK)
			return r;
		if (lstat(p, &st) != 0)
			continue;
		/* Pieces with no marker are a store (or what is left of one): never cleared here. */
		if (!redo)
			return SZ_ERR_EXISTS;
		if (unlink(p) != 0 && errno != ENOENT)
			return SZ_ERR_IO;
		any = true;
	}
	if (any && (r = sz_fsync_dir(dir)) != SZ_OK)
		return r;
	if ((r = sz_path_in(p, sizeof p, dir, SZ_STORE_UNFINISHED)) != SZ_OK)
		return r;
	int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return errno == ENOSPC ? SZ_ERR_DISK_FULL : SZ_ERR_IO;
	r = fsync(fd) == 0 ? SZ_OK : SZ_ERR_IO;
	close(fd);
	return r == SZ_OK ? sz_fsync_dir(dir) : r;
}

int
sz_store_create_end(const char *dir)
{
	char p[PATH_MAX];
	int r = sz_path_in(p, sizeof p, dir, SZ_STORE_UNFINISHED);
	if (r != SZ_OK)
		return r;
	if (unlink(p) != 0)
		return SZ_ERR_IO;
	return sz_fsync_dir(dir);
}
