/*
 * vfs_int.h - internals shared by vfs.c and vfs_journal.c; not for other modules.
 * Layer: store.
 */
#ifndef SZ_STORE_VFS_INT_H
#define SZ_STORE_VFS_INT_H

#include <stdint.h>

#include <sqlite3.h>

#include "store/vfs.h"

#define P SZ_VFS_PAGE_SIZE
#define USABLE (SZ_VFS_PAGE_SIZE - SZ_VFS_RESERVE)    /* 4056 bytes sealed per page */
#define TAG_OFF USABLE                                /* tag follows the ciphertext */
#define NONCE_OFF (USABLE + SZ_AEAD_TAG_BYTES)        /* 4072: the 24-byte nonce */
#define JHDR SZ_VFS_JHDR
#define JHDR_SEGS_OFF 380                             /* segments u32 (masked), header 0 only */
#define JHDR_SEGS_MAC_OFF 384                         /* its MAC (32 bytes), header 0 only */
#define JHDR_STATE_MAC_OFF 416                        /* MAC of magic and nRec (32 bytes) */
#define JHDR_MAC_OFF 448                              /* header MAC (32 bytes), in the padding */
#define JHDR_SALT_OFF 480                             /* journal salt (24 bytes), header 0 only */
#define SALT_BYTES 24
#define JREC (4 + SZ_VFS_PAGE_SIZE + 4)               /* a journal record: pgno, image, checksum */

/* The AD of a sealed database page and of a journal page image start with these. */
#define AD_PAGE 0x01
#define AD_JOURNAL 0x02

enum { KEY_PAGE = 0, KEY_JREC = 1, KEY_JMASK = 2, KEY_JMAC = 3, NKEYS = 4 };

struct sz_vfs {
	sqlite3_vfs base;
	sqlite3_vfs *root;
	char name[32];
	uint8_t *keys;          /* NKEYS * 32 bytes, sodium_malloc()ed */
	int errcode;
	char errmsg[512];
	sz_vfs_stats st;
	sz_vfs_journal_info journal; /* what the last sz_vfs_connect found in the journal */
};

enum { FILE_DB = 1, FILE_JOURNAL = 2 };

typedef struct sz_vfile {
	sqlite3_file base;
	sz_vfs *vfs;
	sqlite3_file *real;
	const char *path;       /* SQLite keeps the name valid until xClose */
	int kind;
	uint8_t *scratch;       /* 2 * P + 8 bytes: a record or page while it is sealed or opened */
	/* journal state: see jrnl_write */
	int have_salt;
	uint8_t salt[SALT_BYTES];
	int have_hdr;
	uint32_t cksum_init;
	sqlite3_int64 pgno_off;
	uint32_t pgno;
	sqlite3_int64 img_off;
	uint32_t img_cksum;
	sqlite3_int64 hdr_off;  /* the journal header written last, and its index */
	uint32_t hdr_idx;
} sz_vfile;

#define ROUND8(x) (((x) + 7) & ~(size_t)7)

/* Open the sealed page `in` (P bytes) as page pgno into out (P bytes; the reserved bytes read
 * as zeros).  SZ_ERR_CORRUPT if it fails authentication. */
int sz_vfs_page_open(sz_vfs *v, uint8_t *out, const uint8_t *in, uint32_t pgno);

/* The 32-byte subkey `which` (KEY_*). */
const uint8_t *sz_vfs_key(const sz_vfs *v, int which);
/* Record the last failure: its sz_err and a message naming the file. */
void sz_vfs_set_error(sz_vfs *v, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* After the real file's xWrite/xTruncate/xSync returned rc: record a full disk (SQLITE_FULL, or
 * errno ENOSPC, EFBIG from RLIMIT_FSIZE, EDQUOT) as SZ_ERR_DISK_FULL naming the file. */
void sz_vfs_note_write_error(sz_vfile *f, int rc, const char *what);

/* The journal codec (vfs_journal.c): SQLite's xRead/xWrite for a journal file, and the reset
 * of its per-journal state when the file is truncated below one header. */
int sz_vfs_jrnl_read(sz_vfile *f, void *buf, int amt, sqlite3_int64 off);
int sz_vfs_jrnl_write(sz_vfile *f, const void *buf, int amt, sqlite3_int64 off);
void sz_vfs_jrnl_reset(sz_vfile *f);

#endif /* SZ_STORE_VFS_INT_H */
