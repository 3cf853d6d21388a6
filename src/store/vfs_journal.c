/*
 * vfs_journal.c - how the encrypting VFS seals SQLite's rollback journal (docs/PROTOCOL.md §4 (The encrypted store) §2.3).
 * Layer: store.  Keeps SQLite's journal layout and offsets; seals page images, masks the small
 * fields, authenticates headers.  Called from vfs.c for files opened as SQLITE_OPEN_MAIN_JOURNAL.
 */
#include <errno.h>
#include <string.h>

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
 * offsets, 4-byte fields, P-byte page images. */

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
		uint8_t mac[32];
		if (jrnl_hdr_mac(f, mac, hdr, off) != 0)
			return SQLITE_IOERR_WRITE;
		jrnl_mask(f, hdr, sizeof hdr, off);
		memcpy(hdr + JHDR_MAC_OFF, mac, 32);
		if (off == 0)
			memcpy(hdr + JHDR_SALT_OFF, f->salt, SALT_BYTES);
		errno = 0;
		rc = f->real->pMethods->xWrite(f->real, hdr, JHDR, off);
		if (rc == SQLITE_OK) {
			f->cksum_init = sz_load_u32(in + 12);
			f->have_hdr = 1;
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

