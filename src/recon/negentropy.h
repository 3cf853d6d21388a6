/*
 * negentropy.h - Negentropy protocol v1 (range-based set reconciliation, Nostr NIP-77).
 * Layer: recon (above crypto: SHA-256 for fingerprints).  No I/O: bytes in, bytes out.  The
 * byte-level protocol is in docs/PROTOCOL.md §7 (Negentropy); the behaviour follows hoytech/negentropy's
 * reference (docs/negentropy-protocol-v1.md), so messages are byte-identical to its output.
 */
#ifndef SZ_RECON_NEGENTROPY_H
#define SZ_RECON_NEGENTROPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "samizdat.h"
#include "lib/bytes.h"

#define SZ_NEG_ID_BYTES 32
#define SZ_NEG_FP_BYTES 16
#define SZ_NEG_VERSION_1 0x61       /* protocol version byte of v1 */
#define SZ_NEG_FRAME_MIN 4096       /* smallest non-zero frame size limit */
#define SZ_NEG_TS_INFINITY UINT64_MAX /* reserved: no item may carry it */

/* Defaults used for a zero field of sz_neg_config (see there). */
#define SZ_NEG_DEFAULT_MAX_MESSAGE (64u * 1024 * 1024)
#define SZ_NEG_DEFAULT_MAX_SESSION (256u * 1024 * 1024)
#define SZ_NEG_DEFAULT_MAX_ROUNDS 1000u
#define SZ_NEG_DEFAULT_MAX_ITEMS (16u * 1024 * 1024)

/* One record: a timestamp (never SZ_NEG_TS_INFINITY) and a 32-byte id. */
typedef struct sz_neg_item {
	uint64_t ts;
	uint8_t id[SZ_NEG_ID_BYTES];
} sz_neg_item;

/* --- Storage: a sorted vector of items ---------------------------------------------------- */

/* Items are inserted in any order, then sealed (sorted by timestamp, then id bytewise, and
 * prefix sums of the ids computed so that any range's fingerprint costs O(1)).  A sealed storage
 * is read-only and may back several sessions at once (even from different threads). */
typedef struct sz_neg_storage sz_neg_storage;

/* Create an empty storage holding at most max_items items (0: SZ_NEG_DEFAULT_MAX_ITEMS).
 * *out is NULL on failure.  Release with sz_neg_storage_free. */
SZ_MUST_CHECK int sz_neg_storage_new(sz_neg_storage **out, size_t max_items);
/* Release s and everything it holds; accepts NULL.  No session may still use it. */
void sz_neg_storage_free(sz_neg_storage *s);
/* The bytes s holds allocated (for a caller that keeps a memory budget).  Accepts NULL. */
size_t sz_neg_storage_mem(const sz_neg_storage *s);
/* Add one item (copied).  SZ_ERR_STATE once sealed, SZ_ERR_INVALID for the infinity timestamp,
 * SZ_ERR_LIMIT beyond max_items, SZ_ERR_NOMEM. */
SZ_MUST_CHECK int sz_neg_storage_insert(sz_neg_storage *s, uint64_t ts,
    const uint8_t id[static SZ_NEG_ID_BYTES]);
/* Sort and index.  SZ_ERR_EXISTS if two items are equal (same timestamp and id): the storage
 * then stays unsealed and unusable for sessions; SZ_ERR_STATE if already sealed. */
SZ_MUST_CHECK int sz_neg_storage_seal(sz_neg_storage *s);
/* True once sealed. */
bool sz_neg_storage_sealed(const sz_neg_storage *s);
/* Number of items (sealed or not). */
size_t sz_neg_storage_size(const sz_neg_storage *s);
/* Item i of a sealed storage (i < size), or NULL.  The pointer stays valid until free. */
const sz_neg_item *sz_neg_storage_get(const sz_neg_storage *s, size_t i);
/* Index of the first item in [begin, end) not below the bound (ts, id) (id is the bound's prefix
 * padded with zeros to 32 bytes), or end.  A sealed storage and begin <= end <= size assumed. */
size_t sz_neg_storage_lower_bound(const sz_neg_storage *s, size_t begin, size_t end, uint64_t ts,
    const uint8_t id[static SZ_NEG_ID_BYTES]);
/* fp = fingerprint of items [begin, end) of a sealed storage: the first 16 bytes of
 * SHA-256(sum of ids mod 2^256, little-endian || varint(end - begin)).  SZ_ERR_STATE if not
 * sealed, SZ_ERR_INVALID if begin > end or end > size. */
SZ_MUST_CHECK int sz_neg_storage_fingerprint(const sz_neg_storage *s, size_t begin, size_t end,
    uint8_t fp[static SZ_NEG_FP_BYTES]);

/* --- Sessions ----------------------------------------------------------------------------- */

/* Limits of one session.  Zero-initialise, set what you need; a zero field takes its default,
 * except frame_size_limit, where 0 means "no limit" as in the reference. */
typedef struct sz_neg_config {
	/* Largest message this side will produce (0 = unlimited, else >= SZ_NEG_FRAME_MIN).
	 * Exactly the reference's frameSizeLimit: ranges stop being answered when the output
	 * passes limit - 200 bytes and the rest is sent as one fingerprint. */
	uint64_t frame_size_limit;
	uint64_t max_message;    /* largest incoming message accepted (SZ_ERR_TOO_LARGE) */
	uint64_t max_session;    /* bytes in + out over the whole session (SZ_ERR_LIMIT) */
	uint32_t max_rounds;     /* incoming messages processed per session (SZ_ERR_LIMIT) */
	uint64_t max_reported;   /* have + need ids reported per session; default 4 * items +
	                          * max_session / 32 (SZ_ERR_LIMIT) */
} sz_neg_config;

/* Counters of one session, for benchmarks and logs. */
typedef struct sz_neg_stats {
	uint64_t bytes_in;
	uint64_t bytes_out;
	uint32_t rounds;         /* messages received */
	uint64_t reported;       /* have + need ids reported so far */
} sz_neg_stats;

typedef struct sz_neg sz_neg;

/* Start a session over the sealed storage st (borrowed: it must outlive the session and stay
 * sealed).  cfg may be NULL for defaults.  SZ_ERR_STATE if st is not sealed, SZ_ERR_INVALID for
 * a frame size limit below SZ_NEG_FRAME_MIN.  *out is NULL on failure. */
SZ_MUST_CHECK int sz_neg_new(sz_neg **out, const sz_neg_storage *st, const sz_neg_config *cfg);
/* Release n; accepts NULL. */
void sz_neg_free(sz_neg *n);
/* The bytes n holds allocated, its storage not included.  Accepts NULL. */
size_t sz_neg_mem(const sz_neg *n);

/* Initiator (client): make the first message into out (out->len is reset to 0 first; the caller
 * owns out and frees it with sz_buf_free).  SZ_ERR_STATE if this session already initiated or
 * answered as responder. */
SZ_MUST_CHECK int sz_neg_initiate(sz_neg *n, sz_buf *out);

/* Initiator: process the responder's message msg.  Appends to have the 32-byte ids we hold and
 * the responder lacks, and to need the ids it holds and we lack (both may repeat across rounds
 * when a frame size limit is in force, as in the reference).  Then either writes the next
 * message to send into out and sets *done = false, or leaves out empty and sets *done = true:
 * the reconciliation is complete.  Errors: SZ_ERR_TRUNCATED, SZ_ERR_MALFORMED (bad mode,
 * bound prefix over 32 bytes, ranges out of order, bad version byte), SZ_ERR_TOO_LARGE or
 * SZ_ERR_NONCANONICAL (varints), SZ_ERR_UNSUPPORTED (another protocol version), SZ_ERR_LIMIT
 * (a configured limit), SZ_ERR_NOMEM, or the sticky error of have/need (a caller may bound
 * them with their max field).  After any error the session is dead (SZ_ERR_STATE after). */
SZ_MUST_CHECK int sz_neg_reconcile(sz_neg *n, const uint8_t *msg, size_t len, sz_buf *out,
    sz_buf *have, sz_buf *need, bool *done);

/* Responder (server): answer the initiator's message msg into out (reset first).  A message of
 * another protocol version 0x60..0x6f is answered with the single byte 0x61 (our version), as
 * the spec asks; the session stays usable.  Errors as sz_neg_reconcile; SZ_ERR_STATE if this
 * session initiated. */
SZ_MUST_CHECK int sz_neg_respond(sz_neg *n, const uint8_t *msg, size_t len, sz_buf *out);

/* Copy the session's counters. */
void sz_neg_get_stats(const sz_neg *n, sz_neg_stats *out);

#endif /* SZ_RECON_NEGENTROPY_H */
