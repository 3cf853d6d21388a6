/*
 * keyfile.c - parse, seal, unseal, write and destroy the store's key file (docs/PROTOCOL.md §4 (The encrypted store) §1).
 * Layer: store.  The file holds only Argon2id parameters, a salt and two sealed slots: no magic, no
 * version, no name.  Writes are crash-safe and overwrite in place; destroy overwrites then unlinks.
 */
#include "store/keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "lib/bytes.h"

#define SLOT_NONCE 24
#define SLOT_PLAIN (1 + 32)

static int
params_ok(uint32_t ops, uint32_t mem_kib)
{
	return ops >= SZ_KDF_OPS_MIN && ops <= SZ_KDF_OPS_MAX && mem_kib >= SZ_KDF_MEM_KIB_MIN &&
	    mem_kib <= SZ_KDF_MEM_KIB_MAX;
}

static void
encode_header(const sz_keyfile *kf, uint8_t hdr[static SZ_KEYFILE_HDR_BYTES])
{
	sz_store_u32(hdr, kf->ops);
	sz_store_u32(hdr + 4, kf->mem_kib);
	memcpy(hdr + 8, kf->salt, SZ_KEYFILE_SALT_BYTES);
}

/* The checksum of a version 2 or 3 file: keyless (anyone can check it, and it says nothing a
 * file of that length in a samizdat directory does not), over everything before it, under a
 * label of its version. */
static void
checksum(uint8_t out[static SZ_KEYFILE_CHECK_BYTES], const uint8_t *buf, int version)
{
	static const char v2[] = "samizdat key file v2: checksum", v3[] = "samizdat key file v3: checksum";
	size_t n = version == 3 ? SZ_KEYFILE_V1_BYTES + SZ_KEYFILE_REFRESH_BYTES : SZ_KEYFILE_V1_BYTES;
	const char *label = version == 3 ? v3 : v2;
	if (sz_blake2b(out, SZ_KEYFILE_CHECK_BYTES, buf, n, (const uint8_t *)label,
	    strlen(label)) != SZ_OK)
		memset(out, 0, SZ_KEYFILE_CHECK_BYTES);
}

int
sz_keyfile_parse(sz_keyfile *kf, const uint8_t *buf, size_t len)
{
	memset(kf, 0, sizeof *kf);
	if (len != SZ_KEYFILE_BYTES && len != SZ_KEYFILE_V2_BYTES && len != SZ_KEYFILE_V1_BYTES)
		return SZ_ERR_CORRUPT;
	kf->version = len == SZ_KEYFILE_BYTES ? 3 : len == SZ_KEYFILE_V2_BYTES ? 2 : 1;
	sz_rd r = sz_rd_init(buf, len - (kf->version > 1 ? SZ_KEYFILE_CHECK_BYTES : 0));
	kf->ops = sz_rd_u32(&r);
	kf->mem_kib = sz_rd_u32(&r);
	sz_rd_copy(&r, kf->salt, sizeof kf->salt);
	for (unsigned i = 0; i < SZ_KEYFILE_SLOTS; i++)
		sz_rd_copy(&r, kf->slot[i], SZ_KEYFILE_SLOT_BYTES);
	if (kf->version == 3)
		sz_rd_copy(&r, kf->refresh, sizeof kf->refresh);
	int err = sz_rd_end(&r);
	if (err == SZ_OK && kf->version > 1) {
		uint8_t want[SZ_KEYFILE_CHECK_BYTES];
		checksum(want, buf, kf->version);
		kf->damaged = !sz_ct_equal(want, buf + len - SZ_KEYFILE_CHECK_BYTES,
		    SZ_KEYFILE_CHECK_BYTES);
	}
	if (err == SZ_OK && !params_ok(kf->ops, kf->mem_kib))
		err = (kf->version > 1 && !kf->damaged) ? SZ_ERR_UNSUPPORTED : SZ_ERR_CORRUPT;
	if (err != SZ_OK)
		memset(kf, 0, sizeof *kf);
	return err;
}

size_t
sz_keyfile_encode(const sz_keyfile *kf, uint8_t out[static SZ_KEYFILE_BYTES])
{
	size_t n = SZ_KEYFILE_V1_BYTES;
	encode_header(kf, out);
	for (unsigned i = 0; i < SZ_KEYFILE_SLOTS; i++)
		memcpy(out + SZ_KEYFILE_HDR_BYTES + i * SZ_KEYFILE_SLOT_BYTES, kf->slot[i],
		    SZ_KEYFILE_SLOT_BYTES);
	if (kf->version == 3) {
		memcpy(out + n, kf->refresh, SZ_KEYFILE_REFRESH_BYTES);
		n += SZ_KEYFILE_REFRESH_BYTES;
	}
	checksum(out + n, out, kf->version == 3 ? 3 : 2);
	return n + SZ_KEYFILE_CHECK_BYTES;
}

/* Version 3: the real slot holds master XOR mask, mask = BLAKE2b-256(key = refresh, label). */
static int
real_mask(const sz_keyfile *kf, uint8_t *m32)
{
	static const char label[] = "samizdat key file v3: real slot";
	uint8_t mask[32];
	if (kf->version != 3)
		return SZ_OK;
	if (sz_blake2b(mask, 32, (const uint8_t *)label, sizeof label - 1, kf->refresh,
	    sizeof kf->refresh) != SZ_OK)
		return SZ_ERR_INTERNAL;
	for (int i = 0; i < 32; i++)
		m32[i] ^= mask[i];
	sz_wipe(mask, sizeof mask);
	return SZ_OK;
}

int
sz_keyfile_init(sz_keyfile *kf, uint32_t ops, uint32_t mem_kib, const sz_env *env)
{
	memset(kf, 0, sizeof *kf);
	if (ops == 0)
		ops = SZ_KDF_OPS_DEFAULT;
	if (mem_kib == 0)
		mem_kib = SZ_KDF_MEM_KIB_DEFAULT;
	if (!params_ok(ops, mem_kib))
		return SZ_ERR_INVALID;
	kf->ops = ops;
	kf->mem_kib = mem_kib;
	kf->version = 3;
	sz_random(env, kf->salt, sizeof kf->salt);
	sz_random(env, kf->refresh, sizeof kf->refresh);
	for (unsigned i = 0; i < SZ_KEYFILE_SLOTS; i++)
		sz_keyfile_scrub(kf, i, env);
	return SZ_OK;
}

int
sz_keyfile_kek(uint8_t kek[static 32], const sz_keyfile *kf, const char *pass, size_t passlen)
{
	memset(kek, 0, 32);
	if (pass == NULL || passlen == 0 || passlen > SZ_PASSPHRASE_MAX || !params_ok(kf->ops, kf->mem_kib))
		return SZ_ERR_INVALID;
	return sz_argon2id(kek, 32, pass, passlen, kf->salt, kf->ops, (size_t)kf->mem_kib * 1024);
}

static void
slot_ad(const sz_keyfile *kf, unsigned slot, uint8_t ad[static SZ_KEYFILE_HDR_BYTES + 1])
{
	encode_header(kf, ad);
	ad[SZ_KEYFILE_HDR_BYTES] = (uint8_t)slot;
}

int
sz_keyfile_seal(sz_keyfile *kf, unsigned slot, const uint8_t kek[static 32], uint8_t role,
    const uint8_t master[static 32], const sz_env *env)
{
	uint8_t plain[SLOT_PLAIN], ad[SZ_KEYFILE_HDR_BYTES + 1];
	if (slot >= SZ_KEYFILE_SLOTS || (role != SZ_KEY_ROLE_REAL && role != SZ_KEY_ROLE_DURESS))
		return SZ_ERR_INVALID;
	uint8_t *s = kf->slot[slot];
	sz_random(env, s, SLOT_NONCE);
	plain[0] = role;
	memcpy(plain + 1, master, 32);
	int r = role == SZ_KEY_ROLE_REAL ? real_mask(kf, plain + 1) : SZ_OK;
	slot_ad(kf, slot, ad);
	if (r == SZ_OK)
		r = sz_xaead_encrypt(s + SLOT_NONCE, plain, sizeof plain, ad, sizeof ad, s, kek);
	sz_wipe(plain, sizeof plain);
	return r;
}

int
sz_keyfile_refresh(sz_keyfile *kf, unsigned slot, const uint8_t kek[static 32], uint8_t role,
    const uint8_t master[static 32], const sz_env *env)
{
	if (slot >= SZ_KEYFILE_SLOTS || (role != SZ_KEY_ROLE_REAL && role != SZ_KEY_ROLE_DURESS))
		return SZ_ERR_INVALID;
	kf->version = 3;
	sz_random(env, kf->refresh, sizeof kf->refresh);
	return sz_keyfile_seal(kf, slot, kek, role, master, env);
}

int
sz_keyfile_unseal(const sz_keyfile *kf, const uint8_t kek[static 32], unsigned *slot,
    uint8_t *role, uint8_t master[static 32])
{
	uint8_t plain[SLOT_PLAIN], ad[SZ_KEYFILE_HDR_BYTES + 1];
	int found = 0;

	*slot = 0;
	*role = 0;
	memset(master, 0, 32);
	for (unsigned i = 0; i < SZ_KEYFILE_SLOTS; i++) {
		const uint8_t *s = kf->slot[i];
		slot_ad(kf, i, ad);
		int ok = sz_xaead_decrypt(plain, s + SLOT_NONCE, SZ_KEYFILE_SLOT_BYTES - SLOT_NONCE, ad,
		    sizeof ad, s, kek) == SZ_OK;
		if (ok && !found && (plain[0] == SZ_KEY_ROLE_REAL || plain[0] == SZ_KEY_ROLE_DURESS)) {
			found = 1;
			*slot = i;
			*role = plain[0];
			memcpy(master, plain + 1, 32);
		}
	}
	sz_wipe(plain, sizeof plain);
	if (found && *role == SZ_KEY_ROLE_REAL && real_mask(kf, master) != SZ_OK) {
		memset(master, 0, 32);
		return SZ_ERR_INTERNAL;
	}
	return found ? SZ_OK : SZ_ERR_PASSPHRASE;
}

void
sz_keyfile_scrub(sz_keyfile *kf, unsigned slot, const sz_env *env)
{
	if (slot < SZ_KEYFILE_SLOTS)
		sz_random(env, kf->slot[slot], SZ_KEYFILE_SLOT_BYTES);
}

/* --- files ------------------------------------------------------------------------------ */

static int
errno_err(int e)
{
	return (e == ENOSPC || e == EFBIG || e == EDQUOT) ? SZ_ERR_DISK_FULL : SZ_ERR_IO;
}

int
sz_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return SZ_ERR_IO;
	int r = fsync(fd) == 0 ? SZ_OK : SZ_ERR_IO;
	close(fd);
	return r;
}

/* Read exactly SZ_KEYFILE_BYTES from path (a longer or shorter file is malformed). */
static int
read_file(const char *path, sz_keyfile *kf)
{
	uint8_t buf[SZ_KEYFILE_BYTES + 1];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? SZ_ERR_NOT_FOUND : SZ_ERR_IO;
	ssize_t n = 0, got = 0;
	while ((size_t)n < sizeof buf && (got = read(fd, buf + n, sizeof buf - (size_t)n)) > 0)
		n += got;
	int e = errno;
	close(fd);
	if (got < 0)
		return errno_err(e);
	int r = sz_keyfile_parse(kf, buf, (size_t)n);
	sz_wipe(buf, sizeof buf);
	return r;
}

int
sz_keyfile_load(const char *dir, sz_keyfile *kf, sz_keyfile *pending, int *has_pending)
{
	char path[PATH_MAX];
	int r;

	memset(kf, 0, sizeof *kf);
	memset(pending, 0, sizeof *pending);
	*has_pending = 0;
	if ((r = sz_path_in(path, sizeof path, dir, SZ_KEYFILE_PENDING)) != SZ_OK)
		return r;
	if (read_file(path, pending) == SZ_OK)
		*has_pending = pending->damaged ? -1 : 1; /* -1: torn while written: never used */
	else if (access(path, F_OK) == 0)
		*has_pending = -1;
	if ((r = sz_path_in(path, sizeof path, dir, SZ_KEYFILE_NAME)) != SZ_OK)
		return r;
	r = read_file(path, kf);
	if (r != SZ_OK && *has_pending > 0) {
		/* Only the pending copy is whole (a crash while the key file was overwritten). */
		*kf = *pending;
		r = SZ_OK;
	}
	return r;
}

static int
write_all(int fd, const uint8_t *buf, size_t n)
{
	size_t off = 0;
	while (off < n) {
		ssize_t w = pwrite(fd, buf + off, n - off, (off_t)off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return errno_err(errno);
		}
		off += (size_t)w;
	}
	return fsync(fd) == 0 ? SZ_OK : errno_err(errno);
}

static int
write_path(const char *path, const uint8_t *buf, size_t n, int flags)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | flags, 0600);
	if (fd < 0)
		return errno_err(errno);
	int r = write_all(fd, buf, n);
	if (close(fd) != 0 && r == SZ_OK)
		r = SZ_ERR_IO;
	return r;
}

int
sz_keyfile_write_pending(const char *dir, const sz_keyfile *kf)
{
	char pend[PATH_MAX];
	uint8_t buf[SZ_KEYFILE_BYTES];
	int r;
	if ((r = sz_path_in(pend, sizeof pend, dir, SZ_KEYFILE_PENDING)) != SZ_OK)
		return r;
	size_t n = sz_keyfile_encode(kf, buf);
	if ((r = write_path(pend, buf, n, O_TRUNC)) == SZ_OK)
		r = sz_fsync_dir(dir);
	sz_wipe(buf, sizeof buf);
	return r;
}

int
sz_keyfile_store(const char *dir, const sz_keyfile *kf)
{
	char pend[PATH_MAX], key[PATH_MAX];
	uint8_t buf[SZ_KEYFILE_BYTES];
	int r;

	if ((r = sz_path_in(pend, sizeof pend, dir, SZ_KEYFILE_PENDING)) != SZ_OK ||
	    (r = sz_path_in(key, sizeof key, dir, SZ_KEYFILE_NAME)) != SZ_OK)
		return r;
	size_t n = sz_keyfile_encode(kf, buf);
	if ((r = write_path(pend, buf, n, O_TRUNC)) != SZ_OK)
		goto out;
	if ((r = sz_fsync_dir(dir)) != SZ_OK)
		goto out;
	/* In place, not by rename: the old slots must not survive in a block the file system freed. */
	if ((r = write_path(key, buf, n, 0)) != SZ_OK)
		goto out;
	if (truncate(key, (off_t)n) != 0) {
		r = SZ_ERR_IO;
		goto out;
	}
	if (unlink(pend) != 0) {
		r = SZ_ERR_IO;
		goto out;
	}
	r = sz_fsync_dir(dir);
out:
	sz_wipe(buf, sizeof buf);
	return r;
}

int
sz_keyfile_commit_pending(const char *dir, const sz_keyfile *kf)
{
	char pend[PATH_MAX], key[PATH_MAX];
	uint8_t buf[SZ_KEYFILE_BYTES];
	int r;

	if ((r = sz_path_in(pend, sizeof pend, dir, SZ_KEYFILE_PENDING)) != SZ_OK ||
	    (r = sz_path_in(key, sizeof key, dir, SZ_KEYFILE_NAME)) != SZ_OK)
		return r;
	size_t n = sz_keyfile_encode(kf, buf);
	/* key.new is not written again: truncating it would leave, for a moment, no whole copy
	 * of a key that the database may already need. */
	if ((r = write_path(key, buf, n, 0)) != SZ_OK)
		goto out;
	if (truncate(key, (off_t)n) != 0) {
		r = SZ_ERR_IO;
		goto out;
	}
	if (unlink(pend) != 0 && errno != ENOENT) {
		r = SZ_ERR_IO;
		goto out;
	}
	r = sz_fsync_dir(dir);
out:
	sz_wipe(buf, sizeof buf);
	return r;
}

int
sz_path_in(char *out, size_t n, const char *dir, const char *name)
{
	int w = snprintf(out, n, "%s/%s", dir, name);
	return (w < 0 || (size_t)w >= n) ? SZ_ERR_INVALID : SZ_OK;
}

int
sz_keyfile_drop_pending(const char *dir)
{
	char pend[PATH_MAX];
	int r = sz_path_in(pend, sizeof pend, dir, SZ_KEYFILE_PENDING);
	if (r != SZ_OK)
		return r;
	if (unlink(pend) != 0)
		return errno == ENOENT ? SZ_OK : SZ_ERR_IO;
	return sz_fsync_dir(dir);
}

/* Overwrite a file's first bytes (at least a key file's worth) with random bytes, sync, unlink. */
static int
destroy_file(const char *path)
{
	int r = SZ_OK;
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? SZ_OK : SZ_ERR_IO;
	struct stat st;
	size_t n = SZ_KEYFILE_BYTES;
	if (fstat(fd, &st) == 0 && st.st_size > (off_t)n && st.st_size < 65536)
		n = (size_t)st.st_size;
	uint8_t buf[65536];
	randombytes_buf(buf, n);
	r = write_all(fd, buf, n);
	close(fd);
	if (unlink(path) != 0 && errno != ENOENT)
		r = SZ_ERR_IO;
	return r;
}

int
sz_keyfile_destroy(const char *dir)
{
	char pend[PATH_MAX], key[PATH_MAX];
	int r;
	if ((r = sz_path_in(pend, sizeof pend, dir, SZ_KEYFILE_PENDING)) != SZ_OK ||
	    (r = sz_path_in(key, sizeof key, dir, SZ_KEYFILE_NAME)) != SZ_OK)
		return r;
	int r1 = destroy_file(key);
	int r2 = destroy_file(pend);
	int r3 = sz_fsync_dir(dir);
	return r1 != SZ_OK ? r1 : r2 != SZ_OK ? r2 : r3;
}
