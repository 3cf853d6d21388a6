/*
 * vfs_scan.c - read a sealed database file whole and authenticate every page, outside SQLite
 * (docs/PROTOCOL.md §4.2; `samizdat check` and `status`).  Layer: store.  SQLite reads only the
 * pages a query needs, so damage elsewhere would stay hidden until the day it is read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "lib/bytes.h"
#include "store/vfs.h"
#include "store/vfs_int.h"

#define SCAN_BATCH 64 /* pages read at once */

int
sz_vfs_scan(sz_vfs *v, const char *path, sz_vfs_scan_result *res,
    void (*progress)(void *ctx, uint64_t done, uint64_t total), void *ctx)
{
	struct stat st;
	uint8_t *buf = NULL, *plain = NULL;
	int r = SZ_ERR_IO;
	memset(res, 0, sizeof *res);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? SZ_ERR_NOT_FOUND : SZ_ERR_IO;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		goto out;
	res->bytes = (uint64_t)st.st_size;
	res->pages = res->bytes / P;
	res->partial = res->bytes % P != 0;
	if ((buf = malloc((size_t)SCAN_BATCH * P)) == NULL || (plain = sz_secret_alloc(P)) == NULL) {
		r = SZ_ERR_NOMEM;
		goto out;
	}
	for (uint64_t pg = 0; pg < res->pages; pg += SCAN_BATCH) {
		size_t n = res->pages - pg < SCAN_BATCH ? (size_t)(res->pages - pg) : SCAN_BATCH;
		size_t got = 0;
		while (got < n * P) {
			ssize_t k = pread(fd, buf + got, n * P - got, (off_t)(pg * P + got));
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				goto out; /* the file shrank under us, or a read error */
			got += (size_t)k;
		}
		for (size_t i = 0; i < n; i++) {
			uint64_t no = pg + i + 1;
			if (no > 0xffffffffu || sz_vfs_page_open(v, plain, buf + i * P, (uint32_t)no) != SZ_OK) {
				if (res->damaged < SZ_VFS_SCAN_LIST)
					res->first_damaged[res->damaged] = (uint32_t)no;
				res->damaged++;
			} else if (no == 1 && memcmp(plain, "SQLite format 3", 16) == 0) {
				/* The in-header size is valid when the change counter matches
				 * version-valid-for, as SQLite has it since 3.7. */
				if (sz_load_u32(plain + 24) == sz_load_u32(plain + 92))
					res->header_pages = sz_load_u32(plain + 28);
			}
		}
		if (progress != NULL)
			progress(ctx, pg + n, res->pages);
	}
	res->missing = res->header_pages > res->pages;
	r = SZ_OK;
out:
	sz_secret_free(plain);
	free(buf);
	close(fd);
	return r;
}
