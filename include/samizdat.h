/*
 * samizdat.h - the one public header of libsamizdat.
 * Everything a program needs to embed a samizdat node; what is not declared here is private.
 */
#ifndef SAMIZDAT_H
#define SAMIZDAT_H

/*
 * Conventions
 * ===========
 *
 * Errors.  Every fallible function returns an sz_err: 0 (SZ_OK) on success, a negative SZ_ERR_*
 * value otherwise.  sz_strerror() turns a code into one line of English that says what happened.
 * Fallible functions are marked SZ_MUST_CHECK; ignoring their result is a compile error under
 * -Werror.  The library never exits, aborts or prints on bad input, I/O errors or a hostile peer;
 * assert() guards our own invariants only.
 *
 * Ownership.  Opaque handles come in pairs: sz_x_new()/sz_x_open() allocates, sz_x_free()/
 * sz_x_close() releases, and every release function accepts NULL.  Output parameters are set to
 * NULL/zero on entry, so they are safe to release even when the call fails.  Where a function
 * keeps or gives away memory, its comment says so; otherwise the caller keeps what it passed and
 * the callee copies what it needs.
 *
 * Secrets.  Long-lived keys live in sodium_malloc()ed memory (guard pages, locked, never in a core
 * dump) and are wiped on every exit path.  Secrets and MACs are compared in constant time.
 *
 * Threads.  A handle is not thread-safe: use each from one thread at a time.  Different handles
 * may be used from different threads concurrently.  sz_init() must be called once before any other
 * function and is itself safe to call more than once.  The library starts threads of its own in
 * one place: a node checks (hashes, parses, verifies the signatures of) the envelopes of a batch a
 * sync or a bundle brings on a pool of worker threads, one per online core (the environment
 * variable SAMIZDAT_THREADS sets how many; 0: none), started at the node's first large batch and
 * joined by sz_node_close.  They block every signal, touch only the batch being checked, never
 * call back into your code, and are idle between batches: the call that hands the node a batch
 * returns only once they are done with it.
 *
 * Sizes.  Lengths are size_t and count bytes.  Fixed-size keys are arrays of the SZ_*_BYTES sizes
 * below.  Integers on every wire and in every file are big-endian unless docs/PROTOCOL.md says
 * otherwise.  Every length read from outside is bounded before it is used.
 *
 * Text.  `char *` means NUL-terminated text (UTF-8 where it is shown to a person); bytes are
 * `uint8_t *` with an explicit length.
 */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define SZ_MUST_CHECK __attribute__((warn_unused_result))
#else
#define SZ_MUST_CHECK
#endif

#define SAMIZDAT_VERSION "0.1.0"

/* Error codes.  Stable: scripts see them as exit reasons; append, never renumber. */
typedef enum sz_err {
	SZ_OK = 0,
	SZ_ERR_INTERNAL = -1,       /* a bug in samizdat or libsodium failed to start */
	SZ_ERR_NOMEM = -2,          /* out of memory */
	SZ_ERR_INVALID = -3,        /* an argument is invalid */
	SZ_ERR_MALFORMED = -4,      /* input does not follow the format */
	SZ_ERR_NONCANONICAL = -5,   /* input parses but is not in its one canonical form */
	SZ_ERR_TOO_LARGE = -6,      /* a length exceeds its bound */
	SZ_ERR_TRUNCATED = -7,      /* input ends too early */
	SZ_ERR_BAD_SIGNATURE = -8,  /* a signature does not verify */
	SZ_ERR_DECRYPT = -9,        /* authenticated decryption failed: damaged or forged */
	SZ_ERR_STATE = -10,         /* the object is in the wrong state, or unusable after an error */
	SZ_ERR_IO = -11,            /* a read or write failed */
	SZ_ERR_DISK_FULL = -12,     /* no space left on the device (or file size limit) */
	SZ_ERR_CORRUPT = -13,       /* stored data is damaged or was tampered with */
	SZ_ERR_PASSPHRASE = -14,    /* wrong passphrase */
	SZ_ERR_LOCKED = -15,        /* the node is locked */
	SZ_ERR_NOT_FOUND = -16,     /* no such item */
	SZ_ERR_EXISTS = -17,        /* already exists */
	SZ_ERR_LIMIT = -18,         /* a configured limit (bytes, items, time) was reached */
	SZ_ERR_TIMEOUT = -19,       /* the peer or operation took too long */
	SZ_ERR_UNSUPPORTED = -20,   /* a version or feature we do not speak */
	SZ_ERR_NOT_MEMBER = -21,    /* not a member of that cell */
	SZ_ERR_EXPIRED = -22,       /* an invite, deadline or key has expired */
	SZ_ERR_REPLAY = -23,        /* seen before and refused */
	SZ_ERR_PEER = -24,          /* the peer broke the protocol */
	SZ_ERR_UNREACHABLE = -25,   /* the peer could not be reached */
	SZ_ERR_BUSY = -26,          /* in use by another process */
	SZ_ERR_CRYPTO = -27,        /* a key or point is invalid (e.g. low order) */
	SZ_ERR_AGAIN = -28,         /* more input is needed before this can complete */
	SZ_ERR_WIPED = -29,         /* the node's keys were destroyed */
	SZ_ERR_DECODE = -30,        /* reconciliation did not decode within its bounds */
	SZ_ERR_DENIED = -31,        /* not allowed (by the cell's rules or by the node) */
	SZ_ERR_CLOSED = -32,        /* the session or connection was closed */
} sz_err;

/* Return one line of English describing err; never NULL, never needs freeing. */
const char *sz_strerror(int err);

/* Initialise the library (libsodium).  Call once before anything else; safe to call again. */
SZ_MUST_CHECK int sz_init(void);

/* Fixed sizes, in bytes. */
#define SZ_KEY_BYTES 32         /* symmetric keys, X25519 and Ed25519 public keys */
#define SZ_ID_BYTES 32          /* entry ids, envelope ids (BLAKE2b-256) */
#define SZ_SIG_BYTES 64         /* Ed25519 signatures */
#define SZ_HASH_BYTES 32        /* default hash output */

/*
 * A node
 * ======
 * One person's samizdat: an identity, the encrypted store in a data directory, the cells it
 * belongs to.  Open it with the passphrase; close it to lock it (the keys leave memory).
 */
typedef struct sz_node sz_node;

typedef struct sz_node_opts {
	uint32_t kdf_ops;      /* Argon2id passes; 0 = the default (about 0.5 s on a small machine) */
	uint32_t kdf_mem_kib;  /* Argon2id memory in KiB; 0 = the default */
} sz_node_opts;

/* Create a node in home (a new directory, or an empty one): an identity, a transport key and
 * the encrypted store, locked by the passphrase.  SZ_ERR_EXISTS if home already holds a node. */
SZ_MUST_CHECK int sz_node_create(sz_node **out, const char *home, const char *pass,
    size_t passlen, const sz_node_opts *opts);
/* Unlock the node in home.  SZ_ERR_PASSPHRASE (nothing changed), SZ_ERR_NOT_FOUND (no node
 * there), SZ_ERR_BUSY (another process has it), SZ_ERR_CORRUPT (see sz_node_errmsg). */
SZ_MUST_CHECK int sz_node_open(sz_node **out, const char *home, const char *pass,
    size_t passlen);
/* Lock: wipe the keys from memory and close the store.  Accepts NULL. */
void sz_node_close(sz_node *n);
/* Panic wipe of the node in home: its keys are destroyed at once (the data can no longer be
 * read by anyone), then its files are removed.  Works while another process has it open. */
SZ_MUST_CHECK int sz_node_wipe(const char *home);
/* Set (or with pass NULL clear) a duress passphrase: unlocking with it destroys the real node
 * and opens the decoy, an empty node made with this one (docs/threat/store.md, Duress). */
SZ_MUST_CHECK int sz_node_set_duress(sz_node *n, const char *pass, size_t passlen);
/* The fingerprint the decoy shows after a duress unlock (out: 40 characters and a NUL, as
 * sz_node_fingerprint).  The same every time; drawn when the node was made. */
SZ_MUST_CHECK int sz_node_decoy_fingerprint(sz_node *n, char out[40]);
/* Change the passphrase, and with it the master key: every page of the store is re-encrypted
 * under a new key, so that an old copy of the key file and the old passphrase open nothing
 * written after.  Crash-safe (the old or the new passphrase opens the store after a crash at
 * any moment); needs free space the size of the store.  progress (may be NULL) is called with
 * pages done and total.  SZ_ERR_INVALID (empty, too long, or the duress passphrase),
 * SZ_ERR_CORRUPT (a damaged page: nothing changed), SZ_ERR_DISK_FULL, SZ_ERR_IO. */
SZ_MUST_CHECK int sz_node_change_passphrase(sz_node *n, const char *pass, size_t passlen,
    void (*progress)(void *ctx, uint64_t done, uint64_t total), void *ctx);
/* SZ_OK if pass is the passphrase n was unlocked with (one Argon2id); SZ_ERR_PASSPHRASE if not,
 * the duress passphrase included (nothing is destroyed by this check). */
SZ_MUST_CHECK int sz_node_passphrase_is(sz_node *n, const char *pass, size_t passlen);
/* What the last failure on n found, in one line (names the damaged file, for instance). */
const char *sz_node_errmsg(const sz_node *n);
/* The same for the last failed sz_node_open / sz_node_create. */
const char *sz_node_last_error(void);

/* The identity public key (Ed25519) and its fingerprint ("abcd efgh ..." 8 groups of 4). */
void sz_node_identity(const sz_node *n, uint8_t pk[32]);
SZ_MUST_CHECK int sz_node_fingerprint(const sz_node *n, char out[40]);

/* Leaflets: public, signed by the identity key, carried by anyone. */
typedef struct sz_leaflet {
	uint8_t id[32];
	uint8_t author[32];
	uint64_t time_ms;
	const uint8_t *text;   /* borrowed for the callback */
	size_t len;
	const void *files;     /* its attachments: nfiles manifests (struct sz_manifest, private),
	                        * borrowed for the callback */
	size_t nfiles;
} sz_leaflet;
SZ_MUST_CHECK int sz_node_leaflet_publish(sz_node *n, const uint8_t *text, size_t len,
    uint8_t id[32]);
/* Call fn for each leaflet held, oldest first; a non-zero return stops the walk with it. */
SZ_MUST_CHECK int sz_node_leaflet_list(sz_node *n, int (*fn)(void *ctx, const sz_leaflet *l),
    void *ctx);
/* The leaflet whose id starts with the hex prefix (at least 8 digits). SZ_ERR_NOT_FOUND;
 * SZ_ERR_EXISTS if the prefix is ambiguous. */
SZ_MUST_CHECK int sz_node_leaflet_find(sz_node *n, const char *hexprefix,
    int (*fn)(void *ctx, const sz_leaflet *l), void *ctx);

#ifdef __cplusplus
}
#endif

#endif /* SAMIZDAT_H */
