/*
 * vfs_image.c - write a whole database image, sealed page by page, over an existing database
 * file in place (docs/PROTOCOL.md §4.1.5: the decoy a duress unlock puts where the node was).
 * Layer: store.  Same inode, and never a smaller file: what a normal unlock also leaves.
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

static int
put_page(sz_vfs *v, int fd, uint8_t *sealed, const uint8_t *plain, uint64_t pgno)
{
	if (pgno > 0xffffffffu || sz_vfs_page_seal(v, sealed, plain, (uint32_t)pgno) != SZ_OK)
		return SZ_ERR_INTERNAL;
	size_t got = 0;
	while (got < P) {
		ssize_t k = pwrite(fd, sealed + got, P - got, (off_t)((pgno - 1) * P + got));
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return (errno == ENOSPC || errno == EFBIG || errno == EDQUOT) ? SZ_ERR_DISK_FULL :
			    SZ_ERR_IO;
		got += (size_t)k;
	}
	return SZ_OK;
}

int
sz_vfs_write_image(sz_vfs *v, const char *path, const uint8_t *image, uint64_t npages,
    uint64_t *total)
{
	uint8_t *sealed = malloc(P), *zero = calloc(1, P);
	int r = SZ_ERR_NOMEM, fd = -1;
	struct stat st;

	if (sealed == NULL || zero == NULL)
		goto out;
	if (npages == 0 || npages > 0xffffffffu) {
		r = SZ_ERR_INVALID;
		goto out;
	}
	r = SZ_ERR_IO;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0 ||
	    fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		goto out;
	/* Whole pages to the end of what is there (a cut page is covered, not left). */
	uint64_t have = ((uint64_t)st.st_size + P - 1) / P;
	uint64_t n = have > npages ? have : npages;
	/* Page 1 last, after a sync: until it is written, page 1 does not open under v's key, and
	 * the next duress unlock starts over. */
	for (uint64_t pg = 2; pg <= n; pg++)
		if ((r = put_page(v, fd, sealed, pg <= npages ? image + (pg - 1) * P : zero, pg)) !=
		    SZ_OK)
			goto out;
	if (fsync(fd) != 0) {
		r = SZ_ERR_IO;
		goto out;
	}
	if ((r = put_page(v, fd, sealed, image, 1)) != SZ_OK)
		goto out;
	r = fsync(fd) == 0 ? SZ_OK : SZ_ERR_IO;
	if (total != NULL)
		*total = n;
out:
	if (fd >= 0)
		close(fd);
	free(sealed);
	free(zero);
	return r;
}
