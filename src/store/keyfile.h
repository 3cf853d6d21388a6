/*
 * keyfile.h - the store's key file: Argon2id parameters, one salt and two wrapped-key slots, and
 * nothing else (docs/PROTOCOL.md §4 (The encrypted store) §1).  Layer: store.  A passphrase unlocks a slot holding
 * the random master key; the other slot is random bytes or a duress key, and nothing tells which.
 */
#ifndef SZ_STORE_KEYFILE_H
#define SZ_STORE_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

#include "samizdat.h"
#include "lib/env.h"

#define SZ_KEYFILE_SALT_BYTES 16
#define SZ_KEYFILE_HDR_BYTES (4 + 4 + SZ_KEYFILE_SALT_BYTES)   /* ops, mem_kib, salt */
#define SZ_KEYFILE_SLOTS 2
/* nonce (24) || XChaCha20-Poly1305(role u8 || master key[32]) with its tag (16) */
#define SZ_KEYFILE_SLOT_BYTES (24 + 1 + 32 + 16)
/* Version 1: the header and slots (170 bytes).  Version 2 adds a keyless checksum so that a
 * damaged file is told from a wrong passphrase (202 bytes).  Version 3 puts a refresh value
 * before the checksum, new at every unlock, which masks the master key in the real slot: every
 * unlock, normal or duress, rewrites the same two places, the refresh value and the slot it
 * opened (234 bytes; docs/PROTOCOL.md §4.1.5). */
#define SZ_KEYFILE_V1_BYTES (SZ_KEYFILE_HDR_BYTES + SZ_KEYFILE_SLOTS * SZ_KEYFILE_SLOT_BYTES)
#define SZ_KEYFILE_CHECK_BYTES 32
#define SZ_KEYFILE_V2_BYTES (SZ_KEYFILE_V1_BYTES + SZ_KEYFILE_CHECK_BYTES) /* 202 */
#define SZ_KEYFILE_REFRESH_BYTES 32
#define SZ_KEYFILE_BYTES (SZ_KEYFILE_V2_BYTES + SZ_KEYFILE_REFRESH_BYTES) /* 234 */

/* Argon2id bounds a key file may carry (a hostile file must not make unlocking take forever or
 * allocate without limit).  mem is in KiB. */
#define SZ_KDF_OPS_MIN 1
#define SZ_KDF_OPS_MAX 256
#define SZ_KDF_MEM_KIB_MIN 8
#define SZ_KDF_MEM_KIB_MAX (1024 * 1024)
/* The default: about 0.5 s on the 2-core reference machine, memory kept under the 64 MiB RSS
 * budget of a node (docs/bench/store.md). */
#define SZ_KDF_OPS_DEFAULT 24
#define SZ_KDF_MEM_KIB_DEFAULT (48 * 1024)
#define SZ_PASSPHRASE_MAX 1024

/* What a slot unlocks. */
#define SZ_KEY_ROLE_REAL 1
#define SZ_KEY_ROLE_DURESS 2

typedef struct sz_keyfile {
	uint32_t ops;
	uint32_t mem_kib;
	uint8_t salt[SZ_KEYFILE_SALT_BYTES];
	uint8_t slot[SZ_KEYFILE_SLOTS][SZ_KEYFILE_SLOT_BYTES];
	uint8_t refresh[SZ_KEYFILE_REFRESH_BYTES]; /* version 3 */
	uint8_t version;        /* 1, 2 or 3; kept when written, except 1, written as 2 */
	uint8_t damaged;        /* as read: version 2 or 3 whose checksum does not match */
} sz_keyfile;

/* Parse a key file of version 3 (SZ_KEYFILE_BYTES), 2 (SZ_KEYFILE_V2_BYTES) or 1
 * (SZ_KEYFILE_V1_BYTES).  A file whose checksum does not match is parsed with kf->damaged set (a
 * slot may still open).  SZ_ERR_CORRUPT for another length, or KDF parameters outside the bounds
 * in a damaged or version 1 file; SZ_ERR_UNSUPPORTED for parameters outside the bounds under a
 * matching checksum (a file from elsewhere, which no Argon2id run is spent on). */
SZ_MUST_CHECK int sz_keyfile_parse(sz_keyfile *kf, const uint8_t *buf, size_t len);

/* Encode kf in its version (1 as 2: the same slots with a checksum); returns the length.  Its
 * parameters must be within bounds. */
size_t sz_keyfile_encode(const sz_keyfile *kf, uint8_t out[static SZ_KEYFILE_BYTES]);

/* A new key file (version 3): the given KDF parameters (0 = default), a random salt and refresh
 * value, both slots random.  SZ_ERR_INVALID for parameters outside the bounds. */
SZ_MUST_CHECK int sz_keyfile_init(sz_keyfile *kf, uint32_t ops, uint32_t mem_kib, const sz_env *env);

/* kek (32 bytes) = Argon2id(pass, salt, ops, mem).  SZ_ERR_INVALID for an empty or overlong
 * passphrase, SZ_ERR_NOMEM if the memory cannot be had. */
SZ_MUST_CHECK int sz_keyfile_kek(uint8_t kek[static 32], const sz_keyfile *kf, const char *pass,
    size_t passlen);

/* Seal (role, master) into slot under kek, with a fresh nonce; the slot index and the header are
 * bound in as associated data.  In version 3 a real slot's master key is masked with the refresh
 * value (a duress slot's 32 bytes are not: they must outlive any refresh). */
SZ_MUST_CHECK int sz_keyfile_seal(sz_keyfile *kf, unsigned slot, const uint8_t kek[static 32],
    uint8_t role, const uint8_t master[static 32], const sz_env *env);

/* What every unlock does to the key file (docs/PROTOCOL.md §4.1.5): a new random refresh value
 * (kf becomes version 3), then slot sealed anew as sz_keyfile_seal does; the other slot's bytes
 * are left as they are — if it is a real slot its master key is lost with the old refresh value. */
SZ_MUST_CHECK int sz_keyfile_refresh(sz_keyfile *kf, unsigned slot, const uint8_t kek[static 32],
    uint8_t role, const uint8_t master[static 32], const sz_env *env);

/* Try kek on every slot (always all of them, so the time does not tell which matched).  On
 * success *slot, *role and master (unmasked) receive what was found; SZ_ERR_PASSPHRASE if no
 * slot opens. */
SZ_MUST_CHECK int sz_keyfile_unseal(const sz_keyfile *kf, const uint8_t kek[static 32],
    unsigned *slot, uint8_t *role, uint8_t master[static 32]);

/* Replace slot with random bytes (an empty slot looks like a used one). */
void sz_keyfile_scrub(sz_keyfile *kf, unsigned slot, const sz_env *env);

/* Files in a store directory. */
#define SZ_KEYFILE_NAME "key"
#define SZ_KEYFILE_PENDING "key.new"

/* Read dir/key into *kf.  If dir/key.new (an interrupted rewrite) exists and parses whole, it is
 * read into *pending and *has_pending set to 1; if it exists but is torn (it is synced before
 * the key file is touched, so then the key file is the whole one), *has_pending is -1: drop it
 * once the key file opens.  SZ_ERR_NOT_FOUND if there is no key file, SZ_ERR_IO, or
 * sz_keyfile_parse's errors. */
SZ_MUST_CHECK int sz_keyfile_load(const char *dir, sz_keyfile *kf, sz_keyfile *pending,
    int *has_pending);

/* Write kf as dir/key so that a crash at any moment leaves a key file that opens with either the
 * old or the new contents: write and sync dir/key.new, overwrite dir/key in place (so the old
 * wrapped keys do not linger in a freed block), sync, unlink dir/key.new.  SZ_ERR_DISK_FULL,
 * SZ_ERR_IO. */
SZ_MUST_CHECK int sz_keyfile_store(const char *dir, const sz_keyfile *kf);

/* Write kf as dir/key.new only, synced (the first step of sz_keyfile_store, for a change that
 * must be decided by the next open: a passphrase change that rotates the master key).
 * SZ_ERR_DISK_FULL, SZ_ERR_IO. */
SZ_MUST_CHECK int sz_keyfile_write_pending(const char *dir, const sz_keyfile *kf);

/* Finish what sz_keyfile_write_pending began: kf (the contents of dir/key.new, whole and synced)
 * overwrites dir/key in place, synced, then dir/key.new is unlinked.  dir/key.new is never
 * written again here, so a crash at any moment leaves a whole copy of kf.  SZ_ERR_DISK_FULL,
 * SZ_ERR_IO. */
SZ_MUST_CHECK int sz_keyfile_commit_pending(const char *dir, const sz_keyfile *kf);

/* Remove a leftover dir/key.new (after the current key file was found to open). */
SZ_MUST_CHECK int sz_keyfile_drop_pending(const char *dir);

/* Destroy the key material: overwrite dir/key and dir/key.new with random bytes, sync, unlink.
 * SZ_OK if nothing is left to destroy; SZ_ERR_IO if an overwrite failed (the unlink is still
 * attempted). */
SZ_MUST_CHECK int sz_keyfile_destroy(const char *dir);

/* fsync a directory (after creating, renaming or unlinking in it). */
SZ_MUST_CHECK int sz_fsync_dir(const char *dir);
/* dir "/" name into out[0..n): SZ_ERR_INVALID if it does not fit.  One for every file of a
 * store's directory. */
SZ_MUST_CHECK int sz_path_in(char *out, size_t n, const char *dir, const char *name);

#endif /* SZ_STORE_KEYFILE_H */
