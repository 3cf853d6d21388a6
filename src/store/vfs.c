/*
 * vfs.c - the page-encrypting SQLite VFS shim (docs/PROTOCOL.md §4 (The encrypted store) §2, docs/threat/store.md).
 * Layer: store.  Wraps the system "unix" VFS: database pages and journal page images are sealed
 * with XChaCha20-Poly1305; the journal's small fields are masked with a keyed stream and its
 * headers carry a MAC.  Only the main database and its rollback journal may be opened.
 */
#include "store/vfs.h"
#include "store/vfs_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sqlite3.h>

#include "crypto/crypto.h"
#include "lib/bytes.h"

const uint8_t *
sz_vfs_key(const sz_vfs *v, int which)
{
	return v->keys + 32 * which;
}

void
sz_vfs_set_error(sz_vfs *v, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	v->errcode = code;
	vsnprintf(v->errmsg, sizeof v->errmsg, fmt, ap);
	va_end(ap);
}

void
sz_vfs_note_write_error(sz_vfile *f, int rc, const char *what)
{
	int e = errno;
	if (rc == SQLITE_OK)
		return;
	if (rc == SQLITE_FULL || e == ENOSPC || e == EFBIG || e == EDQUOT)
		sz_vfs_set_error(f->vfs, SZ_ERR_DISK_FULL, "%s: disk full (%s) while %s", f->path,
		    rc == SQLITE_FULL ? "no space" : strerror(e), what);
}

/* --- the database file ----------------------------------------------------------------- */

static void
page_ad(uint8_t ad[5], uint32_t pgno)
{
	ad[0] = AD_PAGE;
	sz_store_u32(ad + 1, pgno);
}

/* Open the sealed page `in` (P bytes) as page pgno into out[0..P): reserved bytes read as 0. */
int
sz_vfs_page_open(sz_vfs *v, uint8_t *out, const uint8_t *in, uint32_t pgno)
{
	uint8_t ad[5];
	page_ad(ad, pgno);
	if (sz_xaead_decrypt(out, in, USABLE + SZ_AEAD_TAG_BYTES, ad, sizeof ad, in + NONCE_OFF,
	    sz_vfs_key(v, KEY_PAGE)) != 0)
		return SZ_ERR_CORRUPT;
	memset(out + USABLE, 0, SZ_VFS_RESERVE);
	v->st.pages_opened++;
	return SZ_OK;
}

static int
page_seal(sz_vfs *v, uint8_t *out, const uint8_t *in, uint32_t pgno)
{
	uint8_t ad[5];
	page_ad(ad, pgno);
	randombytes_buf(out + NONCE_OFF, SZ_XNONCE_BYTES);
	if (sz_xaead_encrypt(out, in, USABLE, ad, sizeof ad, out + NONCE_OFF, sz_vfs_key(v, KEY_PAGE)) != 0)
		return SZ_ERR_INTERNAL;
	v->st.pages_sealed++;
	return SZ_OK;
}

static int
db_read(sz_vfile *f, void *buf, int amt, sqlite3_int64 off)
{
	uint8_t *out = buf;
	uint8_t *plain = f->scratch;
	sqlite3_int64 size = -1;
	int shortread = 0;
	int rc = SQLITE_OK;

	if (amt <= 0 || off < 0)
		return SQLITE_IOERR_READ;
	sqlite3_int64 first = off / P, last = (off + amt - 1) / P;
	uint8_t *sealed = f->scratch + P;
	for (sqlite3_int64 pg = first; pg <= last; pg++) {
		sqlite3_int64 pstart = pg * P;
		sqlite3_int64 from = off > pstart ? off - pstart : 0;
		sqlite3_int64 to = (off + amt < pstart + P) ? off + amt - pstart : P;
		uint8_t *dst = out + (pstart + from - off);
		if (pg + 1 > 0xffffffffLL) {
			rc = SQLITE_IOERR_READ;
			break;
		}
		rc = f->real->pMethods->xRead(f->real, sealed, P, pstart);
		if (rc == SQLITE_IOERR_SHORT_READ) {
			if (size < 0 && f->real->pMethods->xFileSize(f->real, &size) != SQLITE_OK) {
				rc = SQLITE_IOERR_READ;
				break;
			}
			if (size > pstart) {
				/* A page cut short: the file was truncated or torn outside SQLite. */
				sz_vfs_set_error(f->vfs, SZ_ERR_CORRUPT,
				    "%s: page %llu is cut short (file size %llu): damaged or tampered",
				    f->path, (unsigned long long)(pg + 1), (unsigned long long)size);
				rc = SQLITE_IOERR_DATA;
				break;
			}
			memset(dst, 0, (size_t)(to - from));
			shortread = 1;
			rc = SQLITE_OK;
			continue;
		}
		if (rc != SQLITE_OK)
			break;
		if (sz_vfs_page_open(f->vfs, plain, sealed, (uint32_t)(pg + 1)) != SZ_OK) {
			sz_vfs_set_error(f->vfs, SZ_ERR_CORRUPT,
			    "%s: page %llu failed authentication: damaged or tampered", f->path,
			    (unsigned long long)(pg + 1));
			rc = SQLITE_IOERR_DATA;
			break;
		}
		memcpy(dst, plain + from, (size_t)(to - from));
	}
	sz_wipe(plain, P);
	if (rc != SQLITE_OK) {
		memset(out, 0, (size_t)amt);
		return rc;
	}
	return shortread ? SQLITE_IOERR_SHORT_READ : SQLITE_OK;
}

static int
db_write(sz_vfile *f, const void *buf, int amt, sqlite3_int64 off)
{
	/* SQLite writes whole pages to a rollback-journal database; anything else would need a
	 * read-modify-write that a crash could tear, so it is refused. */
	if (amt != P || off < 0 || off % P != 0 || off / P + 1 > 0xffffffffLL) {
		sz_vfs_set_error(f->vfs, SZ_ERR_DENIED, "%s: refused a partial page write (%llu bytes at %llu)",
		    f->path, (unsigned long long)amt, (unsigned long long)off);
		return SQLITE_IOERR_WRITE;
	}
	uint8_t *sealed = f->scratch;
	if (page_seal(f->vfs, sealed, buf, (uint32_t)(off / P + 1)) != SZ_OK)
		return SQLITE_IOERR_WRITE;
	errno = 0;
	int rc = f->real->pMethods->xWrite(f->real, sealed, P, off);
	sz_vfs_note_write_error(f, rc, "writing a page");
	return rc;
}

/* --- io methods ------------------------------------------------------------------------ */

static int
x_close(sqlite3_file *file)
{
	sz_vfile *f = (sz_vfile *)file;
	int rc = f->real->pMethods ? f->real->pMethods->xClose(f->real) : SQLITE_OK;
	if (f->scratch != NULL) {
		sz_wipe(f->scratch, 2 * P + 8);
		sqlite3_free(f->scratch);
		f->scratch = NULL;
	}
	sz_wipe(f->salt, SALT_BYTES);
	return rc;
}

static int
x_read(sqlite3_file *file, void *buf, int amt, sqlite3_int64 off)
{
	sz_vfile *f = (sz_vfile *)file;
	return f->kind == FILE_DB ? db_read(f, buf, amt, off) : sz_vfs_jrnl_read(f, buf, amt, off);
}

static int
x_write(sqlite3_file *file, const void *buf, int amt, sqlite3_int64 off)
{
	sz_vfile *f = (sz_vfile *)file;
	return f->kind == FILE_DB ? db_write(f, buf, amt, off) : sz_vfs_jrnl_write(f, buf, amt, off);
}

static int
x_truncate(sqlite3_file *file, sqlite3_int64 size)
{
	sz_vfile *f = (sz_vfile *)file;
	if (f->kind == FILE_DB && size % P != 0)
		return SQLITE_IOERR_TRUNCATE;
	if (f->kind == FILE_JOURNAL && size < JHDR)
		sz_vfs_jrnl_reset(f);
	return f->real->pMethods->xTruncate(f->real, size);
}

static int
x_sync(sqlite3_file *file, int flags)
{
	sz_vfile *f = (sz_vfile *)file;
	errno = 0;
	int rc = f->real->pMethods->xSync(f->real, flags);
	sz_vfs_note_write_error(f, rc, "syncing");
	return rc;
}

static int
x_file_size(sqlite3_file *file, sqlite3_int64 *size)
{
	sz_vfile *f = (sz_vfile *)file;
	return f->real->pMethods->xFileSize(f->real, size);
}

static int
x_lock(sqlite3_file *file, int lock)
{
	sz_vfile *f = (sz_vfile *)file;
	return f->real->pMethods->xLock(f->real, lock);
}

static int
x_unlock(sqlite3_file *file, int lock)
{
	sz_vfile *f = (sz_vfile *)file;
	return f->real->pMethods->xUnlock(f->real, lock);
}

static int
x_check_reserved(sqlite3_file *file, int *out)
{
	sz_vfile *f = (sz_vfile *)file;
	return f->real->pMethods->xCheckReservedLock(f->real, out);
}

/* A PRAGMA that would let plaintext or unsealed bytes reach the disk is refused here, before
 * SQLite acts on it: WAL, mmap, on-disk temp storage, writable_schema, another page size. */
static int
pragma_refused(const char *name, const char *val)
{
	if (name == NULL)
		return 0;
	if (strcasecmp(name, "temp_store_directory") == 0 || strcasecmp(name, "data_store_directory") == 0)
		return 1;
	if (val == NULL)
		return 0;
	if (strcasecmp(name, "journal_mode") == 0)
		return strcasecmp(val, "truncate") != 0 && strcasecmp(val, "delete") != 0;
	if (strcasecmp(name, "mmap_size") == 0)
		return strcmp(val, "0") != 0;
	if (strcasecmp(name, "temp_store") == 0)
		return strcasecmp(val, "memory") != 0 && strcmp(val, "2") != 0;
	if (strcasecmp(name, "page_size") == 0)
		return strcmp(val, "4096") != 0;
	if (strcasecmp(name, "writable_schema") == 0)
		return 1;
	return 0;
}

static int
x_file_control(sqlite3_file *file, int op, void *arg)
{
	sz_vfile *f = (sz_vfile *)file;
	switch (op) {
	case SQLITE_FCNTL_PRAGMA: {
		char **a = arg;
		if (pragma_refused(a[1], a[2])) {
			a[0] = sqlite3_mprintf("PRAGMA %s refused by the samizdat store", a[1]);
			return SQLITE_ERROR;
		}
		break;
	}
	case SQLITE_FCNTL_CHUNK_SIZE:
	case SQLITE_FCNTL_SIZE_HINT:
		/* The unix VFS would extend the file with unsealed bytes: decline. */
		return SQLITE_OK;
	case SQLITE_FCNTL_MMAP_SIZE:
		if (arg != NULL)
			*(sqlite3_int64 *)arg = 0;
		return SQLITE_OK;
	default:
		break;
	}
	return f->real->pMethods->xFileControl(f->real, op, arg);
}

static int
x_sector_size(sqlite3_file *file)
{
	(void)file;
	return JHDR;
}

static int
x_device_characteristics(sqlite3_file *file)
{
	sz_vfile *f = (sz_vfile *)file;
	int dc = f->real->pMethods->xDeviceCharacteristics(f->real);
	/* Whole pages are sealed and written as one; the journal layout must be the one jrnl_write
	 * expects: headers of JHDR bytes and nRec written after sync (no SAFE_APPEND). */
	dc &= ~(SQLITE_IOCAP_ATOMIC | SQLITE_IOCAP_ATOMIC512 | SQLITE_IOCAP_ATOMIC1K |
	    SQLITE_IOCAP_ATOMIC2K | SQLITE_IOCAP_ATOMIC4K | SQLITE_IOCAP_ATOMIC8K |
	    SQLITE_IOCAP_ATOMIC16K | SQLITE_IOCAP_ATOMIC32K | SQLITE_IOCAP_ATOMIC64K |
	    SQLITE_IOCAP_SAFE_APPEND | SQLITE_IOCAP_SEQUENTIAL | SQLITE_IOCAP_BATCH_ATOMIC |
	    SQLITE_IOCAP_IMMUTABLE);
	return dc | SQLITE_IOCAP_POWERSAFE_OVERWRITE;
}

static const sqlite3_io_methods io_methods = {
	1, /* no shared memory (so no WAL), no xFetch (so no mmap) */
	x_close, x_read, x_write, x_truncate, x_sync, x_file_size, x_lock, x_unlock,
	x_check_reserved, x_file_control, x_sector_size, x_device_characteristics,
	NULL, NULL, NULL, NULL, NULL, NULL,
};

/* --- the VFS --------------------------------------------------------------------------- */

static int
v_open(sqlite3_vfs *pv, const char *name, sqlite3_file *file, int flags, int *out_flags)
{
	sz_vfs *v = pv->pAppData;
	sz_vfile *f = (sz_vfile *)file;
	memset(f, 0, sizeof *f);
	f->real = (sqlite3_file *)((char *)f + ROUND8(sizeof *f));
	int kind = (flags & SQLITE_OPEN_MAIN_DB) ? FILE_DB :
	    (flags & SQLITE_OPEN_MAIN_JOURNAL) ? FILE_JOURNAL : 0;
	if (kind == 0 || name == NULL) {
		/* Temp databases, sub-journals, WAL, super-journals: never on disk, never unsealed. */
		v->st.refused_opens++;
		sz_vfs_set_error(v, SZ_ERR_DENIED, "%s: refused to open a file of type %#llx (temporary "
		    "files, WAL and attached databases are not allowed)", name ? name : "(temporary)",
		    (unsigned long long)(flags & 0xffff00));
		return SQLITE_CANTOPEN;
	}
	uint8_t *scratch = sqlite3_malloc(2 * P + 8);
	if (scratch == NULL)
		return SQLITE_NOMEM;
	memset(f->real, 0, (size_t)v->root->szOsFile);
	int rc = v->root->xOpen(v->root, name, f->real, flags, out_flags);
	if (rc != SQLITE_OK) {
		if (f->real->pMethods != NULL)
			f->real->pMethods->xClose(f->real);
		sqlite3_free(scratch);
		return rc;
	}
	f->vfs = v;
	f->kind = kind;
	f->path = name;
	f->scratch = scratch;
	f->pgno_off = -1;
	f->img_off = -1;
	f->hdr_off = -1;
	f->base.pMethods = &io_methods;
	return SQLITE_OK;
}

static int
v_delete(sqlite3_vfs *pv, const char *name, int sync_dir)
{
	sz_vfs *v = pv->pAppData;
	return v->root->xDelete(v->root, name, sync_dir);
}

static int
v_access(sqlite3_vfs *pv, const char *name, int flags, int *out)
{
	sz_vfs *v = pv->pAppData;
	return v->root->xAccess(v->root, name, flags, out);
}

static int
v_full_pathname(sqlite3_vfs *pv, const char *name, int n, char *out)
{
	sz_vfs *v = pv->pAppData;
	return v->root->xFullPathname(v->root, name, n, out);
}

static void *
v_dlopen(sqlite3_vfs *pv, const char *name)
{
	(void)pv;
	(void)name;
	return NULL; /* extensions are never loaded into the store */
}

static void
v_dlerror(sqlite3_vfs *pv, int n, char *msg)
{
	(void)pv;
	if (n > 0)
		snprintf(msg, (size_t)n, "extensions are disabled");
}

static void (*v_dlsym(sqlite3_vfs *pv, void *h, const char *sym))(void)
{
	(void)pv;
	(void)h;
	(void)sym;
	return NULL;
}

static void
v_dlclose(sqlite3_vfs *pv, void *h)
{
	(void)pv;
	(void)h;
}

static int
v_randomness(sqlite3_vfs *pv, int n, char *out)
{
	(void)pv;
	randombytes_buf(out, (size_t)n);
	return n;
}

static int
v_sleep(sqlite3_vfs *pv, int us)
{
	sz_vfs *v = pv->pAppData;
	return v->root->xSleep(v->root, us);
}

static int
v_current_time(sqlite3_vfs *pv, double *t)
{
	sz_vfs *v = pv->pAppData;
	return v->root->xCurrentTime(v->root, t);
}

static int
v_last_error(sqlite3_vfs *pv, int n, char *msg)
{
	sz_vfs *v = pv->pAppData;
	return v->root->xGetLastError ? v->root->xGetLastError(v->root, n, msg) : 0;
}

static int
v_current_time64(sqlite3_vfs *pv, sqlite3_int64 *t)
{
	sz_vfs *v = pv->pAppData;
	if (v->root->iVersion >= 2 && v->root->xCurrentTimeInt64)
		return v->root->xCurrentTimeInt64(v->root, t);
	double d;
	int rc = v->root->xCurrentTime(v->root, &d);
	*t = (sqlite3_int64)(d * 86400000.0);
	return rc;
}

static int
derive(uint8_t out[32], const uint8_t k[32], const char *label)
{
	return sz_blake2b(out, 32, (const uint8_t *)label, strlen(label), k, 32);
}

int
sz_vfs_new(sz_vfs **out, const uint8_t store_key[static 32])
{
	int r = SZ_ERR_INTERNAL;
	sz_vfs *v = NULL;

	*out = NULL;
	sqlite3_vfs *root = sqlite3_vfs_find("unix");
	if (root == NULL)
		goto out;
	r = SZ_ERR_NOMEM;
	if ((v = calloc(1, sizeof *v)) == NULL)
		goto out;
	if ((v->keys = sz_secret_alloc(NKEYS * 32)) == NULL)
		goto out;
	r = SZ_ERR_INTERNAL;
	if (derive(v->keys + 32 * KEY_PAGE, store_key, "samizdat store: database pages") != 0 ||
	    derive(v->keys + 32 * KEY_JREC, store_key, "samizdat store: journal records") != 0 ||
	    derive(v->keys + 32 * KEY_JMASK, store_key, "samizdat store: journal mask") != 0 ||
	    derive(v->keys + 32 * KEY_JMAC, store_key, "samizdat store: journal headers") != 0)
		goto out;
	uint8_t rnd[8];
	randombytes_buf(rnd, sizeof rnd);
	char hex[17];
	sz_hex_encode(hex, rnd, sizeof rnd);
	snprintf(v->name, sizeof v->name, "sz-%s", hex);
	v->root = root;
	v->base.iVersion = 2;
	v->base.szOsFile = (int)(ROUND8(sizeof(sz_vfile)) + (size_t)root->szOsFile);
	v->base.mxPathname = root->mxPathname;
	v->base.zName = v->name;
	v->base.pAppData = v;
	v->base.xOpen = v_open;
	v->base.xDelete = v_delete;
	v->base.xAccess = v_access;
	v->base.xFullPathname = v_full_pathname;
	v->base.xDlOpen = v_dlopen;
	v->base.xDlError = v_dlerror;
	v->base.xDlSym = v_dlsym;
	v->base.xDlClose = v_dlclose;
	v->base.xRandomness = v_randomness;
	v->base.xSleep = v_sleep;
	v->base.xCurrentTime = v_current_time;
	v->base.xGetLastError = v_last_error;
	v->base.xCurrentTimeInt64 = v_current_time64;
	if (sqlite3_vfs_register(&v->base, 0) != SQLITE_OK)
		goto out;
	*out = v;
	v = NULL;
	r = SZ_OK;
out:
	if (v != NULL) {
		sz_secret_free(v->keys);
		free(v);
	}
	return r;
}

void
sz_vfs_free(sz_vfs *v)
{
	if (v == NULL)
		return;
	sqlite3_vfs_unregister(&v->base);
	sz_secret_free(v->keys);
	sz_wipe(v, sizeof *v);
	free(v);
}

const char *
sz_vfs_name(const sz_vfs *v)
{
	return v->name;
}

const char *
sz_vfs_errmsg(const sz_vfs *v)
{
	return v->errcode ? v->errmsg : "";
}

int
sz_vfs_errcode(const sz_vfs *v)
{
	return v->errcode;
}

void
sz_vfs_clear_error(sz_vfs *v)
{
	v->errcode = 0;
	v->errmsg[0] = '\0';
}

void
sz_vfs_last_journal(const sz_vfs *v, sz_vfs_journal_info *info)
{
	*info = v->journal;
}

void
sz_vfs_get_stats(const sz_vfs *v, sz_vfs_stats *st)
{
	*st = v->st;
}

int
sz_vfs_check_header(sz_vfs *v, const char *path)
{
	int r = SZ_ERR_IO;
	uint8_t *sealed = malloc(P), *plain = malloc(P);
	int fd = -1;

	if (sealed == NULL || plain == NULL) {
		r = SZ_ERR_NOMEM;
		goto out;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		goto out;
	r = SZ_ERR_CORRUPT;
	if (pread(fd, sealed, P, 0) != P) {
		sz_vfs_set_error(v, SZ_ERR_CORRUPT, "%s: page 1 is missing or cut short", path);
		goto out;
	}
	if (sz_vfs_page_open(v, plain, sealed, 1) != SZ_OK) {
		sz_vfs_set_error(v, SZ_ERR_CORRUPT, "%s: page 1 failed authentication: damaged, tampered or "
		    "another store's file", path);
		goto out;
	}
	if (memcmp(plain, "SQLite format 3", 16) != 0 || sz_load_u16(plain + 16) != P ||
	    plain[20] != SZ_VFS_RESERVE) {
		sz_vfs_set_error(v, SZ_ERR_CORRUPT, "%s: page 1 is not a database with 4096-byte pages and "
		    "40 reserved bytes", path);
		goto out;
	}
	r = SZ_OK;
out:
	if (fd >= 0)
		close(fd);
	if (plain != NULL)
		sz_wipe(plain, P);
	free(plain);
	free(sealed);
	return r;
}

/* Refuse ATTACH and DETACH outright: an attached file would not go through the shim. */
static int
authorize(void *ctx, int op, const char *a, const char *b, const char *c, const char *d)
{
	(void)ctx;
	(void)a;
	(void)b;
	(void)c;
	(void)d;
	return (op == SQLITE_ATTACH || op == SQLITE_DETACH) ? SQLITE_DENY : SQLITE_OK;
}

/* Run one statement; if want is not NULL its first column must read as want.  Failures are
 * recorded with the file's name: SZ_ERR_CORRUPT when SQLite finds the structure damaged. */
static int
exec_expect(sz_vfs *v, sqlite3 *db, const char *path, const char *sql, const char *want)
{
	sqlite3_stmt *st = NULL;
	int r = SZ_ERR_INTERNAL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		if (v->errcode == 0) {
			int corrupt = (rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB;
			sz_vfs_set_error(v, corrupt ? SZ_ERR_CORRUPT : SZ_ERR_IO, "%s: %s", path,
			    sqlite3_errmsg(db));
		}
		r = v->errcode;
		goto out;
	}
	if (want != NULL) {
		const unsigned char *got = rc == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
		if (got == NULL || strcasecmp((const char *)got, want) != 0) {
			sz_vfs_set_error(v, SZ_ERR_INTERNAL, "%s: %s did not take effect", path, sql);
			goto out;
		}
	}
	r = SZ_OK;
out:
	sqlite3_finalize(st);
	return r;
}

int
sz_vfs_connect(sz_vfs *v, const char *path, int create, sqlite3 **out)
{
	int r = SZ_ERR_INTERNAL;
	sqlite3 *db = NULL;

	*out = NULL;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE |
	    (create ? SQLITE_OPEN_CREATE : 0);
	if (!create) {
		/* A hot journal is checked whole before SQLite may undo any part of it. */
		char jpath[4096];
		if (snprintf(jpath, sizeof jpath, "%s-journal", path) >= (int)sizeof jpath) {
			r = SZ_ERR_INVALID;
			goto out;
		}
		if ((r = sz_vfs_journal_verify(v, jpath, &v->journal)) != SZ_OK)
			goto out;
	}
	if (sqlite3_open_v2(path, &db, flags, v->name) != SQLITE_OK) {
		r = (v->errcode != 0) ? v->errcode : SZ_ERR_IO;
		goto out;
	}
	r = SZ_ERR_INTERNAL;
	sqlite3_extended_result_codes(db, 1);
	sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
	if (sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL) != SQLITE_OK ||
	    sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL) != SQLITE_OK ||
	    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL) != SQLITE_OK)
		goto out;
	if (sqlite3_set_authorizer(db, authorize, NULL) != SQLITE_OK)
		goto out;
	/* temp_store first: nothing may spill to an unsealed temporary file (Debian builds with
	 * SQLITE_TEMP_STORE=1, files by default). */
	if (exec_expect(v, db, path, "PRAGMA temp_store=MEMORY", NULL) != SZ_OK ||
	    exec_expect(v, db, path, "PRAGMA temp_store", "2") != SZ_OK ||
	    exec_expect(v, db, path, "PRAGMA mmap_size=0", NULL) != SZ_OK) {
		r = v->errcode;
		goto out;
	}
	if (create) {
		int n = SZ_VFS_RESERVE;
		if (sqlite3_file_control(db, "main", SQLITE_FCNTL_RESERVE_BYTES, &n) != SQLITE_OK ||
		    exec_expect(v, db, path, "PRAGMA page_size=4096", NULL) != SZ_OK) {
			r = v->errcode ? v->errcode : SZ_ERR_INTERNAL;
			goto out;
		}
	}
	if (exec_expect(v, db, path, "PRAGMA journal_mode=TRUNCATE", "truncate") != SZ_OK ||
	    exec_expect(v, db, path, "PRAGMA synchronous=FULL", NULL) != SZ_OK ||
	    exec_expect(v, db, path, "PRAGMA secure_delete=ON", NULL) != SZ_OK ||
	    exec_expect(v, db, path, "PRAGMA cell_size_check=ON", NULL) != SZ_OK ||
	    exec_expect(v, db, path, "PRAGMA cache_size=-16384", NULL) != SZ_OK ||
	    exec_expect(v, db, path, "PRAGMA page_size", "4096") != SZ_OK ||
	    exec_expect(v, db, path, "SELECT count(*) FROM sqlite_schema", NULL) != SZ_OK) {
		r = v->errcode;
		goto out;
	}
	/* Only now, after SQLite has read the database (and rolled back a hot journal, which may
	 * have had to repair page 1 itself after a power cut), check page 1's layout directly. */
	if (!create && (r = sz_vfs_check_header(v, path)) != SZ_OK)
		goto out;
	*out = db;
	db = NULL;
	r = SZ_OK;
out:
	sqlite3_close(db);
	return r;
}
