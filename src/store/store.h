/*
 * store.h - the node's encrypted store: envelopes, readable entries, node secrets (docs/PROTOCOL.md §4 (The encrypted store)).
 * Layer: store (over wire, crypto, lib).  One directory holds a key file and one SQLite database
 * sealed page by page (store/vfs.h); a passphrase unlocks it; a panic wipe destroys it.
 */
#ifndef SZ_STORE_STORE_H
#define SZ_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "samizdat.h"
#include "lib/bytes.h"
#include "lib/env.h"
#include "wire/envelope.h"

typedef struct sz_store sz_store;

typedef struct sz_store_opts {
	uint32_t kdf_ops;       /* Argon2id passes at creation; 0 = SZ_KDF_OPS_DEFAULT */
	uint32_t kdf_mem_kib;   /* Argon2id memory at creation in KiB; 0 = SZ_KDF_MEM_KIB_DEFAULT */
	const sz_env *env;      /* randomness and clock; NULL = sz_env_default() */
	size_t max_body;        /* entry body bound for sz_entry_decode; 0 = SZ_ENTRY_MAX_BODY */
} sz_store_opts;

/* A listed item: its time (entry timestamp, or first-stored time of a sealed envelope) and id. */
typedef struct sz_store_item {
	uint64_t time_ms;
	uint8_t id[32];
} sz_store_item;

/* An entry this node can read, handed in by the cell layer. */
typedef struct sz_store_entry_in {
	const uint8_t *scope;   /* SZ_SCOPE_BYTES */
	const uint8_t *env_id;  /* 32 bytes: the envelope it came in */
	const uint8_t *bytes;   /* the encoded entry */
	size_t len;
} sz_store_entry_in;

/* Files a store directory may hold. */
#define SZ_STORE_DB "db"
#define SZ_STORE_JOURNAL "db-journal"
#define SZ_STORE_LOCK "lock"
/* Present only while a store is being made (sz_store_create): a directory with it has none. */
#define SZ_STORE_UNFINISHED "unfinished"
/* Present only while a passphrase change writes the re-encrypted database. */
#define SZ_STORE_DB_NEW "db.new"
#define SZ_STORE_DB_NEW_JOURNAL "db.new-journal"

/* The data directory: $SAMIZDAT_HOME if set and non-empty, else $HOME/.samizdat.
 * SZ_ERR_NOT_FOUND if neither is set, SZ_ERR_TOO_LARGE if out (n bytes) is too small. */
SZ_MUST_CHECK int sz_store_default_dir(char *out, size_t n);

/* Create a store in dir (created 0700 if missing; it must not hold a key file already:
 * SZ_ERR_EXISTS).  Errors as sz_store_open, plus SZ_ERR_INVALID for bad KDF options. */
SZ_MUST_CHECK int sz_store_create(sz_store **out, const char *dir, const char *pass,
    size_t passlen, const sz_store_opts *opts);

/* Unlock and open the store in dir.  *out receives the handle (release with sz_store_close).
 * SZ_ERR_PASSPHRASE (wrong passphrase: nothing in dir was changed), SZ_ERR_BUSY (another process
 * has it open), SZ_ERR_NOT_FOUND (no store there), SZ_ERR_CORRUPT (a damaged or tampered file;
 * sz_store_last_error names it), SZ_ERR_UNSUPPORTED (a newer schema), SZ_ERR_IO, SZ_ERR_NOMEM.
 * If the passphrase is the duress passphrase, the real store is destroyed and the decoy, an
 * empty node made when the store was, is opened in its place; the call succeeds.  Every
 * successful unlock rewrites the key file and writes the database, normal or duress alike
 * (docs/PROTOCOL.md §4.1.5), except that a normal unlock writes nothing to a store whose key
 * file it found damaged. */
SZ_MUST_CHECK int sz_store_open(sz_store **out, const char *dir, const char *pass,
    size_t passlen, const sz_store_opts *opts);

/* Close, wipe the keys from memory, release the lock.  Accepts NULL. */
void sz_store_close(sz_store *s);

/* One line saying what the last failing call on s found (names the file for SZ_ERR_CORRUPT). */
const char *sz_store_errmsg(const sz_store *s);
/* The same for the last failed sz_store_open/create in this thread (no handle to ask). */
const char *sz_store_last_error(void);

/* The entry body bound this store decodes with (sz_store_opts.max_body, or SZ_ENTRY_MAX_BODY):
 * what a caller checks envelopes with before sz_store_put_checked. */
size_t sz_store_max_body(const sz_store *s);

/* 1 if the key file was found damaged (its checksum does not match) although the passphrase
 * opened it: a part the passphrase does not need (the other slot) is lost. */
int sz_store_keyfile_damaged(const sz_store *s);

/* PRAGMA integrity_check: SZ_OK, or SZ_ERR_CORRUPT. */
SZ_MUST_CHECK int sz_store_check(sz_store *s);

/* Change the passphrase and rotate the master key: every page is re-encrypted under a new
 * master key into a new database file (and the secrets re-sealed), which replaces the old one
 * only after the new key file is safely written (docs/PROTOCOL.md §4.1.6).  A crash at any
 * moment leaves a store that opens with the old passphrase or with the new one.  The store stays
 * open (on the new database) on success, and on failure as it was.  progress (may be NULL) gets
 * pages done and total.  SZ_ERR_INVALID if pass is empty, too long, or the duress passphrase;
 * SZ_ERR_CORRUPT if a page of the store cannot be read (nothing changed); SZ_ERR_DISK_FULL (the
 * copy needs as much free space as the database); SZ_ERR_IO. */
SZ_MUST_CHECK int sz_store_change_passphrase(sz_store *s, const char *pass, size_t passlen,
    void (*progress)(void *ctx, uint64_t done, uint64_t total), void *ctx);

/* SZ_OK if pass opens s's key file to the master key s was opened with (the passphrase it was
 * unlocked with, as the key file stands now); SZ_ERR_PASSPHRASE if it does not (any other
 * passphrase, the duress one included: nothing is destroyed here).  Costs one Argon2id.  For a
 * change of passphrase asked for by someone who is not known to be the owner (the web page). */
SZ_MUST_CHECK int sz_store_passphrase_opens(sz_store *s, const char *pass, size_t passlen);

/* 1 if s was opened with a duress passphrase: it is the decoy (docs/PROTOCOL.md §4.1.5). */
int sz_store_is_decoy(const sz_store *s);

/* A 32-byte seed of the decoy, for what ("identity", "transport"): in a decoy, of itself; in a
 * real store, of the decoy a duress unlock would show (drawn when the store was created, so
 * that its identity is as old as the node's).  SZ_ERR_INVALID, or the kv table's errors. */
SZ_MUST_CHECK int sz_store_decoy_key(sz_store *s, const char *what, uint8_t out[static 32]);

/* Set (or, with pass NULL, clear) the duress passphrase: its slot carries the decoy's seed and
 * the store's creation time.  SZ_ERR_INVALID if it is the real one. */
SZ_MUST_CHECK int sz_store_set_duress(sz_store *s, const char *pass, size_t passlen);

/* Panic wipe: overwrite the key file's wrapped keys with random bytes and sync (after this the
 * store cannot be read with any passphrase), then unlink every store file in dir.  Works while
 * another process has the store open.  SZ_OK once the key material is gone. */
SZ_MUST_CHECK int sz_store_wipe(const char *dir);

/* --- batches --------------------------------------------------------------------------- */

/* Make every write until the matching sz_store_txn_end one transaction: one commit, hence one
 * round of the journal's fsyncs, for a whole batch (a node wraps each batch a peer sends, and
 * everything its cells produce while absorbing it, in one).  Calls nest: the calls below, and
 * inner begin/end pairs, become savepoints of the outermost.  Until the outermost end, what
 * was written is visible through this handle only and is not durable: a crash or a failed end
 * rolls all of it back.  Errors as sz_store_put_envelopes. */
SZ_MUST_CHECK int sz_store_txn_begin(sz_store *s);
/* End the innermost open level: commit it if r is SZ_OK (the outermost commits to disk), else
 * roll it back.  Returns r if it was not SZ_OK, else the commit's result (on failure the level
 * is rolled back, and if SQLite rolled back the outermost under it, every level above fails
 * too, up to the outermost). */
SZ_MUST_CHECK int sz_store_txn_end(sz_store *s, int r);
/* Transactions this handle committed to disk so far: each costs the journal's fsyncs (four with
 * synchronous=FULL and a truncated journal).  For tests and benchmarks. */
uint64_t sz_store_commits(const sz_store *s);
/* Grows whenever an envelope may have left the store: deleted (by a cell, by retention) or a
 * write rolled back.  A caller that holds envelopes it read keeps them while it has not moved
 * (the node's pages of what a sync sends). */
uint64_t sz_store_forgets(const sz_store *s);
/* Rows this handle inserted, changed or deleted since it was opened (SQLite's total_changes):
 * grows with every write, so a caller that polls can tell cheaply that something changed. */
uint64_t sz_store_changes(const sz_store *s);

/* --- envelopes ------------------------------------------------------------------------- */

/* Store n envelopes checked by sz_env_in_check (a public one fully verified) in one transaction
 * (nested in an open one).  One whose err is not SZ_OK is skipped (results[i] = its err), so
 * is one not checked yet (SZ_ERR_AGAIN); nothing is parsed, hashed or verified again here.
 * results and the return value as sz_store_put_envelopes. */
SZ_MUST_CHECK int sz_store_put_checked(sz_store *s, const sz_env_in *in, size_t n,
    int *results);

/* The same, for a caller that stores a large batch a few at a time inside its own outermost
 * transaction (sz_store_txn_begin) and rolls all of it back if anything fails: no savepoint of
 * its own per call, whose page copies (SQLite's sub-journal) would cost more than the inserts
 * when called every 64 envelopes.  A failure marks the transaction aborted, so that its end
 * rolls it back whatever it is given.  Inside a savepoint (a batch nested in another), it is
 * sz_store_put_checked. */
SZ_MUST_CHECK int sz_store_put_checked_bare(sz_store *s, const sz_env_in *in, size_t n,
    int *results);

/* Store n envelopes in one transaction.  Each is parsed first (sz_env_parse: a public one is
 * fully decoded and its signature verified; a sealed one is kept as opaque bytes with its scope);
 * one that fails is skipped and never stored.  results (n ints, may be NULL) receives per item
 * SZ_OK (stored), SZ_ERR_EXISTS (already held), SZ_ERR_EXPIRED (deleted by retention before), or
 * the parse error.  Returns SZ_OK if the transaction committed (whatever the items' results),
 * else its error (SZ_ERR_DISK_FULL, SZ_ERR_CORRUPT, SZ_ERR_IO): then nothing was stored. */
SZ_MUST_CHECK int sz_store_put_envelopes(sz_store *s, const uint8_t *const *envs,
    const size_t *lens, size_t n, int *results);

/* The envelope with this id: *out malloc()ed (caller frees), *len its length.  SZ_ERR_NOT_FOUND. */
SZ_MUST_CHECK int sz_store_get_envelope(sz_store *s, const uint8_t id[static 32], uint8_t **out,
    size_t *len);

/* Envelopes of scope with from_ms <= time < to_ms, by (time, id), at most limit (0 = no limit).
 * *items malloc()ed (caller frees), *n their count. */
SZ_MUST_CHECK int sz_store_list_envelopes(sz_store *s, const uint8_t scope[static SZ_SCOPE_BYTES],
    uint64_t from_ms, uint64_t to_ms, size_t limit, sz_store_item **items, size_t *n);

/* --- readable entries ------------------------------------------------------------------ */

/* Store n entries in one transaction; each is decoded and verified (sz_entry_decode) first and
 * skipped if it fails.  results and the return value as sz_store_put_envelopes. */
SZ_MUST_CHECK int sz_store_put_entries(sz_store *s, const sz_store_entry_in *in, size_t n,
    int *results);

/* Store one entry that a lower layer decoded and verified (sz_entry_decode: e and id are its
 * output for bytes, len), e.g. a post a cell opened: it is not decoded or verified again.
 * *result as one of sz_store_put_envelopes's results. */
SZ_MUST_CHECK int sz_store_put_entry(sz_store *s, const uint8_t scope[static SZ_SCOPE_BYTES],
    const uint8_t env_id[static 32], const sz_entry *e, const uint8_t id[static 32],
    const uint8_t *bytes, size_t len, int *result);

/* The entry with this id (*out malloc()ed, caller frees), and if scope/env_id are not NULL, the
 * scope and envelope it is filed under.  SZ_ERR_NOT_FOUND. */
SZ_MUST_CHECK int sz_store_get_entry(sz_store *s, const uint8_t id[static 32], uint8_t **out,
    size_t *len, uint8_t *scope, uint8_t *env_id);

/* Entries of scope by timestamp, as sz_store_list_envelopes. */
SZ_MUST_CHECK int sz_store_list_entries(sz_store *s, const uint8_t scope[static SZ_SCOPE_BYTES],
    uint64_t from_ms, uint64_t to_ms, size_t limit, sz_store_item **items, size_t *n);

/* The DAG heads of scope: entries no stored entry of the scope names as a parent, by id.
 * *ids malloc()ed (n * 32 bytes, caller frees).  At most limit (0 = no limit). */
SZ_MUST_CHECK int sz_store_heads(sz_store *s, const uint8_t scope[static SZ_SCOPE_BYTES],
    size_t limit, uint8_t **ids, size_t *n);

/* Parents named by entries of scope that are neither stored nor deleted by retention, by id. */
SZ_MUST_CHECK int sz_store_missing(sz_store *s, const uint8_t scope[static SZ_SCOPE_BYTES],
    size_t limit, uint8_t **ids, size_t *n);

/* Retention: delete the envelopes and entries of scope whose time is < before_ms (their ids are
 * remembered so they are not stored again nor reported missing).  *deleted (may be NULL) gets
 * the number of rows removed.  Deleted bytes are overwritten in the file (secure_delete). */
SZ_MUST_CHECK int sz_store_expire(sz_store *s, const uint8_t scope[static SZ_SCOPE_BYTES],
    uint64_t before_ms, size_t *deleted);

/* --- node secrets and state ------------------------------------------------------------ */

#define SZ_STORE_KV_NAME_MAX 128
#define SZ_STORE_KV_VALUE_MAX 65536

/* Put (replace) the value under name (1..SZ_STORE_KV_NAME_MAX bytes of text).  The value is
 * sealed again under a key of its own inside the sealed database. */
SZ_MUST_CHECK int sz_store_kv_put(sz_store *s, const char *name, const uint8_t *val, size_t len);
/* Get it into out (reset first; out->secret set so sz_buf_free wipes it).  SZ_ERR_NOT_FOUND. */
SZ_MUST_CHECK int sz_store_kv_get(sz_store *s, const char *name, sz_buf *out);
/* Delete it.  SZ_ERR_NOT_FOUND if there was none. */
SZ_MUST_CHECK int sz_store_kv_delete(sz_store *s, const char *name);

#endif /* SZ_STORE_STORE_H */
