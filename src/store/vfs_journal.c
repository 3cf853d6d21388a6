/*
 * vfs_journal.c - how the encrypting VFS seals SQLite's rollback journal (docs/PROTOCOL.md §4 (The encrypted store) §2.3).
 * Layer: store.  Keeps SQLite's journal layout and offsets; seals page images, masks the small
 * fields, authenticates headers.  Called from vfs.c for files opened as SQLITE_OPEN_MAIN_JOURNAL.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "crypto/crypto.h"
#include "lib/bytes.h"
#include "store/vfs.h"
#include "store/vfs_int.h"

static const uint8_t jmagic[8] = { 0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7 };

/* --- the rollback journal -------------------------------------------------------------- *
 * Layout (SQLite's, unchanged offsets): headers of JHDR bytes at multiples of JHDR, records of
 * pgno u32 || page image (P) || checksum u32.  On disk: every byte outside a page image is XORed
 * with XChaCha20(KEY_JMASK, salt) at its file offset; a page image is sealed like a database page
 * but with AD = 0x02 || salt || offset || pgno || checksum, so neither the page number nor the
 * checksum can be changed; each header carries a MAC of its fixed fields; header 0 carries the
 * salt, fresh for every journal.  Reads come in SQLite's shapes: 8-byte magic reads at header
 * offsets, 4-byte fields, P-byte page images.
 * Version 2 (issue 17) also authenticates what SQLite writes last: each header carries a MAC of
 * its magic and record count (nRec), rewritten when SQLite writes them after syncing the
 * records, and header 0 counts the segments whose records were synced, so that a journal cut at
 * any point, or a header's magic or nRec altered, is found by sz_vfs_journal_verify before
 * SQLite rolls back whatever part it finds. */

static int
jrnl_load_salt(sz_vfile *f)
{
	if (f->have_salt)
		return 1;
	int rc = f->real->pMethods->xRead(f->real, f->salt, SALT_BYTES, JHDR_SALT_OFF);
	if (rc != SQLITE_OK) {
		sz_wipe(f->salt, SALT_BYTES);
		return 0;
	}
	f->have_salt = 1;
	return 1;
}

/* XOR n bytes at file offset off with the journal mask stream. */
static void
jrnl_mask(sz_vfile *f, uint8_t *p, size_t n, sqlite3_int64 off)
{
	uint8_t tmp[64 + 1024];
	while (n > 0) {
		uint64_t block = (uint64_t)off / 64;
		size_t skip = (size_t)((uint64_t)off % 64);
		size_t chunk = n < 1024 ? n : 1024;
		memset(tmp, 0, skip);
		memcpy(tmp + skip, p, chunk);
		crypto_stream_xchacha20_xor_ic(tmp, tmp, skip + chunk, f->salt, block,
		    sz_vfs_key(f->vfs, KEY_JMASK));
		memcpy(p, tmp + skip, chunk);
		p += chunk;
		n -= chunk;
		off += (sqlite3_int64)chunk;
	}
	sz_wipe(tmp, sizeof tmp);
}

static int
jrnl_hdr_mac(sz_vfile *f, uint8_t mac[32], const uint8_t *hdr, sqlite3_int64 off)
{
	/* Not the magic and nRec: SQLite writes them later, after syncing the records. */
	uint8_t in[SALT_BYTES + 8 + 16];
	memcpy(in, f->salt, SALT_BYTES);
	sz_store_u64(in + SALT_BYTES, (uint64_t)off);
	memcpy(in + SALT_BYTES + 8, hdr + 12, 16);      /* cksum init, db size, sector, page size */
	return sz_blake2b(mac, 32, in, sizeof in, sz_vfs_key(f->vfs, KEY_JMAC), 32);
}

/* MAC of a header's magic and nRec (what SQLite writes once the records are synced). */
static int
jrnl_state_mac(sz_vfile *f, uint8_t mac[32], const uint8_t magic_nrec[12], sqlite3_int64 off)
{
	uint8_t in[6 + SALT_BYTES + 8 + 12];
	memcpy(in, "state:", 6);
	memcpy(in + 6, f->salt, SALT_BYTES);
	sz_store_u64(in + 6 + SALT_BYTES, (uint64_t)off);
	memcpy(in + 6 + SALT_BYTES + 8, magic_nrec, 12);
	return sz_blake2b(mac, 32, in, sizeof in, sz_vfs_key(f->vfs, KEY_JMAC), 32);
}

/* MAC of header 0's segment count. */
static int
jrnl_segs_mac(sz_vfile *f, uint8_t mac[32], uint32_t segs)
{
	uint8_t in[9 + SALT_BYTES + 4];
	memcpy(in, "segments:", 9);
	memcpy(in + 9, f->salt, SALT_BYTES);
	sz_store_u32(in + 9 + SALT_BYTES, segs);
	return sz_blake2b(mac, 32, in, sizeof in, sz_vfs_key(f->vfs, KEY_JMAC), 32);
}

/* Write header 0's segment count (masked) and its MAC. */
static int
jrnl_write_segs(sz_vfile *f, uint32_t segs)
{
	uint8_t b[4 + 32];
	sz_store_u32(b, segs);
	jrnl_mask(f, b, 4, JHDR_SEGS_OFF);
	if (jrnl_segs_mac(f, b + 4, segs) != 0)
		return SQLITE_IOERR_WRITE;
	errno = 0;
	return f->real->pMethods->xWrite(f->real, b, sizeof b, JHDR_SEGS_OFF);
}

static uint32_t
jrnl_cksum(uint32_t init, const uint8_t *page)
{
	/* SQLite's rollback journal checksum: the nonce plus every 200th byte from the end. */
	uint32_t c = init;
	for (int i = P - 200; i > 0; i -= 200)
		c += page[i];
	return c;
}

static void
jrnl_rec_ad(const sz_vfile *f, uint8_t ad[1 + SALT_BYTES + 8 + 4 + 4], sqlite3_int64 off,
    uint32_t pgno, uint32_t cksum)
{
	ad[0] = AD_JOURNAL;
	memcpy(ad + 1, f->salt, SALT_BYTES);
	sz_store_u64(ad + 1 + SALT_BYTES, (uint64_t)off);
	sz_store_u32(ad + 1 + SALT_BYTES + 8, pgno);
	sz_store_u32(ad + 1 + SALT_BYTES + 12, cksum);
}

void
sz_vfs_jrnl_reset(sz_vfile *f)
{
	f->have_salt = 0;
	sz_wipe(f->salt, SALT_BYTES);
	f->have_hdr = 0;
	f->pgno_off = -1;
	f->img_off = -1;
	f->hdr_off = -1;
	f->hdr_idx = 0;
}

static int
jrnl_write_masked(sz_vfile *f, const uint8_t *buf, int amt, sqlite3_int64 off)
{
	uint8_t small[JHDR];
	uint8_t *tmp = (size_t)amt <= sizeof small ? small : sqlite3_malloc(amt);
	if (tmp == NULL)
		return SQLITE_NOMEM;
	memcpy(tmp, buf, (size_t)amt);
	jrnl_mask(f, tmp, (size_t)amt, off);
	errno = 0;
	int rc = f->real->pMethods->xWrite(f->real, tmp, amt, off);
	sz_wipe(tmp, (size_t)amt);
	if (tmp != small)
		sqlite3_free(tmp);
	return rc;
}

int
sz_vfs_jrnl_write(sz_vfile *f, const void *buf, int amt, sqlite3_int64 off)
{
	const uint8_t *in = buf;
	int rc;

	if (amt <= 0 || off < 0)
		return SQLITE_IOERR_WRITE;
	if (amt == JHDR && off % JHDR == 0) {
		/* A journal header (no other write has this shape).  With synchronous=FULL its magic
		 * and nRec are zeros until the records are synced.  Header 0 starts a new journal:
		 * a fresh salt. */
		uint8_t hdr[JHDR];
		if (off == 0) {
			randombytes_buf(f->salt, SALT_BYTES);
			f->have_salt = 1;
		} else if (!jrnl_load_salt(f)) {
			goto bad_shape;
		}
		memset(hdr, 0, sizeof hdr);
		memcpy(hdr, in, 28);
		if (off == 0)
			sz_store_u32(hdr + JHDR_SEGS_OFF, 1);
		uint8_t mac[32], smac[32], gmac[32];
		if (jrnl_hdr_mac(f, mac, hdr, off) != 0 || jrnl_state_mac(f, smac, hdr, off) != 0 ||
		    jrnl_segs_mac(f, gmac, 1) != 0)
			return SQLITE_IOERR_WRITE;
		jrnl_mask(f, hdr, sizeof hdr, off);
		memcpy(hdr + JHDR_MAC_OFF, mac, 32);
		memcpy(hdr + JHDR_STATE_MAC_OFF, smac, 32);
		if (off == 0) {
			memcpy(hdr + JHDR_SEGS_MAC_OFF, gmac, 32);
			memcpy(hdr + JHDR_SALT_OFF, f->salt, SALT_BYTES);
		}
		errno = 0;
		rc = f->real->pMethods->xWrite(f->real, hdr, JHDR, off);
		if (rc == SQLITE_OK) {
			f->cksum_init = sz_load_u32(in + 12);
			f->have_hdr = 1;
			f->hdr_idx = off == 0 ? 0 : f->hdr_idx + 1;
			f->hdr_off = off;
		}
		goto done;
	}
	if (amt == 12 && off % JHDR == 0 && f->have_hdr && off == f->hdr_off) {
		/* SQLite writes a header's magic and nRec once its records are synced: they and their
		 * MAC go in one write of the whole header (one sector: a kill between two writes left a
		 * new MAC over the old magic, which no open could tell from tampering, store/crash.t);
		 * then, for a header after the first, header 0 learns that this segment exists, after a
		 * sync so that the count never names a segment whose records could be lost. */
		uint8_t smac[32], hdr[JHDR];
		if (!jrnl_load_salt(f) || jrnl_state_mac(f, smac, in, off) != 0)
			goto bad_shape;
		errno = 0;
		rc = f->real->pMethods->xRead(f->real, hdr, JHDR, off);
		if (rc == SQLITE_OK) {
			memcpy(hdr, in, 12);
			jrnl_mask(f, hdr, 12, off);
			memcpy(hdr + JHDR_STATE_MAC_OFF, smac, 32);
			errno = 0;
			rc = f->real->pMethods->xWrite(f->real, hdr, JHDR, off);
		}
		sz_wipe(hdr, sizeof hdr);
		if (rc == SQLITE_OK && f->hdr_idx > 0) {
			errno = 0;
			rc = f->real->pMethods->xSync(f->real, SQLITE_SYNC_NORMAL);
			if (rc == SQLITE_OK)
				rc = jrnl_write_segs(f, f->hdr_idx + 1);
		}
		goto done;
	}
	if (!jrnl_load_salt(f))
		goto bad_shape;
	if (amt == P) {
		/* A page image: its page number was written just before it, as SQLite always does. */
		if (!f->have_hdr || f->pgno_off != off - 4)
			goto bad_shape;
		uint8_t ad[1 + SALT_BYTES + 16];
		uint32_t ck = jrnl_cksum(f->cksum_init, in);
		jrnl_rec_ad(f, ad, off, f->pgno, ck);
		uint8_t *sealed = f->scratch;
		randombytes_buf(sealed + NONCE_OFF, SZ_XNONCE_BYTES);
		if (sz_xaead_encrypt(sealed, in, USABLE, ad, sizeof ad, sealed + NONCE_OFF,
		    sz_vfs_key(f->vfs, KEY_JREC)) != 0)
			return SQLITE_IOERR_WRITE;
		f->vfs->st.journal_sealed++;
		errno = 0;
		rc = f->real->pMethods->xWrite(f->real, sealed, P, off);
		if (rc == SQLITE_OK) {
			f->img_off = off;
			f->img_cksum = ck;
		}
		f->pgno_off = -1;
		goto done;
	}
	if (amt == 4) {
		if (f->img_off >= 0 && off == f->img_off + P) {
			/* The checksum SQLite computed must be ours, which the seal already covers. */
			if (sz_load_u32(in) != f->img_cksum)
				goto bad_shape;
			f->img_off = -1;
		} else {
			f->pgno_off = off;
			f->pgno = sz_load_u32(in);
		}
	}
	rc = jrnl_write_masked(f, in, amt, off);
done:
	sz_vfs_note_write_error(f, rc, "writing the journal");
	return rc;
bad_shape:
	sz_vfs_set_error(f->vfs, SZ_ERR_DENIED, "%s: refused a journal write of unexpected shape "
	    "(%llu bytes at %llu)", f->path, (unsigned long long)amt, (unsigned long long)off);
	return SQLITE_IOERR_WRITE;
}

/* The number of bytes of [off, off+amt) present in the file, after a short read. */
static int
present_bytes(sz_vfile *f, sqlite3_int64 off, int amt, int *present)
{
	sqlite3_int64 size;
	if (f->real->pMethods->xFileSize(f->real, &size) != SQLITE_OK)
		return SQLITE_IOERR_READ;
	sqlite3_int64 n = size - off;
	*present = n <= 0 ? 0 : (n >= amt ? amt : (int)n);
	return SQLITE_OK;
}

int
sz_vfs_jrnl_read(sz_vfile *f, void *buf, int amt, sqlite3_int64 off)
{
	uint8_t *out = buf;
	int rc;

	if (amt <= 0 || off < 0)
		return SQLITE_IOERR_READ;
	if (!jrnl_load_salt(f)) {
		/* No complete header 0: nothing was journaled; read as empty. */
		memset(out, 0, (size_t)amt);
		return SQLITE_IOERR_SHORT_READ;
	}
	if (amt == P && off >= 4) {
		uint8_t *rec = f->scratch; /* pgno || sealed image || checksum */
		rc = f->real->pMethods->xRead(f->real, rec, P + 8, off - 4);
		if (rc != SQLITE_OK) {
			memset(out, 0, (size_t)amt);
			return rc;
		}
		jrnl_mask(f, rec, 4, off - 4);
		jrnl_mask(f, rec + 4 + P, 4, off + P);
		uint8_t ad[1 + SALT_BYTES + 16];
		jrnl_rec_ad(f, ad, off, sz_load_u32(rec), sz_load_u32(rec + 4 + P));
		const uint8_t *sealed = rec + 4;
		if (sz_xaead_decrypt(out, sealed, USABLE + SZ_AEAD_TAG_BYTES, ad, sizeof ad,
		    sealed + NONCE_OFF, sz_vfs_key(f->vfs, KEY_JREC)) != 0) {
			memset(out, 0, (size_t)amt);
			sz_vfs_set_error(f->vfs, SZ_ERR_CORRUPT, "%s: journal record at offset %llu (page %llu) "
			    "failed authentication: damaged or tampered", f->path,
			    (unsigned long long)off, (unsigned long long)sz_load_u32(rec));
			sz_wipe(rec, P + 8);
			return SQLITE_IOERR_DATA;
		}
		memset(out + USABLE, 0, SZ_VFS_RESERVE);
		f->vfs->st.journal_opened++;
		sz_wipe(rec, P + 8);
		return SQLITE_OK;
	}
	if (amt == 8 && off % JHDR == 0) {
		uint8_t hdr[JHDR];
		rc = f->real->pMethods->xRead(f->real, hdr, JHDR, off);
		if (rc == SQLITE_OK) {
			uint8_t mac[32];
			memcpy(mac, hdr + JHDR_MAC_OFF, 32);
			jrnl_mask(f, hdr, 28, off);
			memcpy(out, hdr, 8);
			if (memcmp(hdr, jmagic, 8) != 0)
				return SQLITE_OK; /* not a header: SQLite stops here */
			uint8_t want[32];
			if (jrnl_hdr_mac(f, want, hdr, off) != 0 || !sz_ct_equal(want, mac, 32)) {
				memset(out, 0, 8);
				sz_vfs_set_error(f->vfs, SZ_ERR_CORRUPT, "%s: journal header at offset %llu failed "
				    "authentication: damaged or tampered", f->path,
				    (unsigned long long)off);
				return SQLITE_IOERR_DATA;
			}
			return SQLITE_OK;
		}
		if (rc != SQLITE_IOERR_SHORT_READ)
			return rc;
		/* fall through: a short header is read like any other bytes */
	}
	rc = f->real->pMethods->xRead(f->real, out, amt, off);
	int present = amt;
	if (rc == SQLITE_IOERR_SHORT_READ) {
		if (present_bytes(f, off, amt, &present) != SQLITE_OK)
			return SQLITE_IOERR_READ;
	} else if (rc != SQLITE_OK) {
		return rc;
	}
	jrnl_mask(f, out, (size_t)present, off);
	memset(out + present, 0, (size_t)(amt - present));
	return rc;
}


/* --- checking a journal before SQLite rolls it back ------------------------------------------ */

/* What the verifier reads with: the file, and a vfile standing in for the mask and MACs. */
typedef struct jcheck {
	sz_vfile f;
	int fd;
	const char *path;
	uint64_t size;
	uint8_t *rec;           /* JREC bytes */
	uint8_t *plain;         /* P bytes */
} jcheck;

static int
jc_read(jcheck *c, uint8_t *p, size_t n, uint64_t off)
{
	size_t got = 0;
	while (got < n) {
		ssize_t k = pread(c->fd, p + got, n - got, (off_t)(off + got));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? SZ_ERR_IO : SZ_ERR_TRUNCATED;
		got += (size_t)k;
	}
	return SZ_OK;
}

static int jc_bad(jcheck *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
jc_bad(jcheck *c, const char *fmt, ...)
{
	char what[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	sz_vfs_set_error(c->f.vfs, SZ_ERR_CORRUPT, "%s: the journal of an interrupted write is damaged "
	    "(%s): undoing the part that is left would leave the database half old, half new, so "
	    "nothing was rolled back and the files were left as they are", c->path, what);
	return SZ_ERR_CORRUPT;
}

/* Check record j of the segment whose header is at h. */
static int
jc_record(jcheck *c, uint64_t h, uint32_t j, uint64_t nrec)
{
	uint64_t off = h + JHDR + (uint64_t)j * JREC;
	int r = jc_read(c, c->rec, JREC, off);
	if (r == SZ_ERR_TRUNCATED)
		return jc_bad(c, "cut short at byte %llu: %llu of the page images it must put back "
		    "are missing", (unsigned long long)c->size, (unsigned long long)(nrec - j));
	if (r != SZ_OK)
		return r;
	jrnl_mask(&c->f, c->rec, 4, (sqlite3_int64)off);
	jrnl_mask(&c->f, c->rec + 4 + P, 4, (sqlite3_int64)(off + 4 + P));
	uint32_t pgno = sz_load_u32(c->rec);
	uint8_t ad[1 + SALT_BYTES + 16];
	jrnl_rec_ad(&c->f, ad, (sqlite3_int64)(off + 4), pgno, sz_load_u32(c->rec + 4 + P));
	const uint8_t *sealed = c->rec + 4;
	if (pgno == 0 || sz_xaead_decrypt(c->plain, sealed, USABLE + SZ_AEAD_TAG_BYTES, ad, sizeof ad,
	    sealed + NONCE_OFF, sz_vfs_key(c->f.vfs, KEY_JREC)) != 0)
		return jc_bad(c, "the page image at offset %llu fails authentication (record %llu of "
		    "its segment)", (unsigned long long)(off + 4), (unsigned long long)j);
	return SZ_OK;
}

static int
all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

static int
jc_walk(jcheck *c, sz_vfs_journal_info *info)
{
	uint8_t hdr[JHDR], want[32];
	int r;
	if (c->size == 0)
		return SZ_OK;
	if (c->size < JHDR)
		return jc_bad(c, "cut short inside its first header, at byte %llu of %d",
		    (unsigned long long)c->size, JHDR);
	if ((r = jc_read(c, hdr, JHDR, 0)) != SZ_OK)
		return r;
	memcpy(c->f.salt, hdr + JHDR_SALT_OFF, SALT_BYTES);
	c->f.have_salt = 1;
	/* Version 1 left the segment and state fields as masked zeros. */
	uint8_t v2area[JHDR_MAC_OFF - JHDR_SEGS_OFF];
	memcpy(v2area, hdr + JHDR_SEGS_OFF, sizeof v2area);
	jrnl_mask(&c->f, v2area, sizeof v2area, JHDR_SEGS_OFF);
	int v1 = all_zero(v2area, sizeof v2area);
	info->version = v1 ? 1 : 2;
	uint32_t segs = 1;
	if (!v1) {
		uint8_t sb[4];
		memcpy(sb, hdr + JHDR_SEGS_OFF, 4);
		jrnl_mask(&c->f, sb, 4, JHDR_SEGS_OFF);
		segs = sz_load_u32(sb);
		if (jrnl_segs_mac(&c->f, want, segs) != 0 ||
		    !sz_ct_equal(want, hdr + JHDR_SEGS_MAC_OFF, 32) || segs == 0)
			return jc_bad(c, "its segment count fails authentication");
	}
	uint64_t h = 0;
	for (uint32_t i = 0;; i++) {
		if (i > 0) {
			if (h + JHDR > c->size) {
				if (i < segs)
					return jc_bad(c, "cut short at byte %llu: segment %llu and what follows "
					    "are missing", (unsigned long long)c->size, (unsigned long long)i);
				break;
			}
			if ((r = jc_read(c, hdr, JHDR, h)) != SZ_OK)
				return r;
		}
		uint8_t mac[32], smac[32];
		memcpy(mac, hdr + JHDR_MAC_OFF, 32);
		memcpy(smac, hdr + JHDR_STATE_MAC_OFF, 32);
		jrnl_mask(&c->f, hdr, 28, (sqlite3_int64)h);
		if (jrnl_hdr_mac(&c->f, want, hdr, (sqlite3_int64)h) != 0 || !sz_ct_equal(want, mac, 32)) {
			if (i >= segs && v1)
				break; /* v1: what follows the last header SQLite reads is not read */
			return jc_bad(c, "the header at offset %llu fails authentication",
			    (unsigned long long)h);
		}
		if (i == 0 && (sz_load_u32(hdr + 20) != JHDR || sz_load_u32(hdr + 24) != P))
			return jc_bad(c, "its first header names another sector or page size");
		int synced = memcmp(hdr, jmagic, 8) == 0;
		uint32_t nrec = sz_load_u32(hdr + 8);
		if (!v1 && (jrnl_state_mac(&c->f, want, hdr, (sqlite3_int64)h) != 0 ||
		    !sz_ct_equal(want, smac, 32)))
			return jc_bad(c, "the magic or record count of the header at offset %llu fails "
			    "authentication", (unsigned long long)h);
		if (!synced) {
			/* Never synced: SQLite stops here, and no page of it reached the database.  A
			 * segment header 0 counts was synced, so it cannot be this one. */
			if (!v1 && i > 0 && i < segs)
				return jc_bad(c, "segment %llu, counted as synced, is not",
				    (unsigned long long)i);
			break;
		}
		if (nrec == 0xffffffffu)
			return jc_bad(c, "the header at offset %llu has no record count",
			    (unsigned long long)h);
		if (i == 0)
			info->hot = 1;
		for (uint32_t j = 0; j < nrec; j++)
			if ((r = jc_record(c, h, j, nrec)) != SZ_OK)
				return r;
		info->segments = i + 1;
		info->records += nrec;
		/* The next header starts at the next multiple of the sector size. */
		uint64_t end = h + JHDR + (uint64_t)nrec * JREC;
		h = (end + JHDR - 1) / JHDR * JHDR;
	}
	return SZ_OK;
}

int
sz_vfs_journal_verify(sz_vfs *v, const char *jpath, sz_vfs_journal_info *info)
{
	sz_vfs_journal_info dummy;
	jcheck c;
	struct stat st;
	int r = SZ_ERR_NOMEM;
	if (info == NULL)
		info = &dummy;
	memset(info, 0, sizeof *info);
	memset(&c, 0, sizeof c);
	c.f.vfs = v;
	c.path = jpath;
	c.fd = open(jpath, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (c.fd < 0) {
		if (errno == ENOENT)
			return SZ_OK;
		sz_vfs_set_error(v, SZ_ERR_IO, "%s: cannot read the journal: %s", jpath, strerror(errno));
		return SZ_ERR_IO;
	}
	if (fstat(c.fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(c.fd);
		sz_vfs_set_error(v, SZ_ERR_CORRUPT, "%s: the journal is not a regular file", jpath);
		return SZ_ERR_CORRUPT;
	}
	c.size = (uint64_t)st.st_size;
	info->bytes = c.size;
	if ((c.rec = malloc(JREC)) == NULL || (c.plain = malloc(P)) == NULL)
		goto out;
	r = jc_walk(&c, info);
	if (r == SZ_ERR_IO)
		sz_vfs_set_error(v, SZ_ERR_IO, "%s: cannot read the journal: %s", jpath, strerror(errno));
out:
	if (c.plain != NULL)
		sz_wipe(c.plain, P);
	free(c.plain);
	free(c.rec);
	sz_wipe(&c.f, sizeof c.f);
	close(c.fd);
	return r;
}
