/*
 * bundle.h - courier bundles: envelopes in a file that only its recipients can read and that looks
 * like random bytes to anyone else (docs/PROTOCOL.md §9).  Layer: sync.
 *
 * bundle := salt[32] ‖ slot[8][48] ‖ chunk[n][SZ_BUNDLE_CHUNK],  n a power of two (version 2)
 * Each chunk is sealed on its own, so damage to one chunk loses only the envelopes in it; each
 * says how many items came before it, the last data chunk how many there are, and the last chunk
 * of the file that it is the last (and how many chunks there are), so that a cut at any point,
 * chunks moved or duplicated, and bytes appended are all found.
 * The module knows recipient *secrets* only (32-byte keys); the caller derives them (from a cell
 * epoch, a contact's Diffie-Hellman, or a passphrase with sz_bundle_passphrase_secret).
 */
#ifndef SZ_SYNC_BUNDLE_H
#define SZ_SYNC_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "samizdat.h"
#include "lib/env.h"

#define SZ_BUNDLE_SALT_BYTES 32
#define SZ_BUNDLE_SLOTS 8
#define SZ_BUNDLE_SLOT_BYTES 48
#define SZ_BUNDLE_HEADER_BYTES (SZ_BUNDLE_SALT_BYTES + SZ_BUNDLE_SLOTS * SZ_BUNDLE_SLOT_BYTES)
#define SZ_BUNDLE_CHUNK 262144
#define SZ_BUNDLE_MAX_CHUNKS (1u << 20)

/* What a bundle carries. */
enum {
	SZ_BUNDLE_ENVELOPES = 1, /* envelopes for the recipients to store */
	SZ_BUNDLE_SUMMARY = 2,   /* a summary: which envelope ids the sender has (two-way by files) */
	SZ_BUNDLE_JOIN_REQUEST = 3, /* a newcomer redeeming an invitation by courier: one JOIN payload */
	SZ_BUNDLE_JOIN_ANSWER = 4,  /* the inviter's answer: the WELCOME payload, then envelopes */
};

/* Where bytes go and come from (a file descriptor in practice, memory in tests and fuzzing).
 * write: write all n bytes or fail; read: read up to n bytes, return how many (0 = end), <0 on
 * error. */
typedef struct sz_bundle_io {
	int (*write)(void *ctx, const uint8_t *p, size_t n);
	long (*read)(void *ctx, uint8_t *p, size_t n);
	void *ctx;
} sz_bundle_io;

typedef struct sz_bundle_writer sz_bundle_writer;

/* Start a bundle that streams to io.  recipients: up to 8 secrets of 32 bytes (more may be added
 * with sz_bundle_writer_add_recipient until the first chunk is written).  The writer keeps the
 * file key in guarded memory and wipes it on free; it does not keep the recipients' secrets. */
SZ_MUST_CHECK int sz_bundle_writer_new(sz_bundle_writer **out, const sz_bundle_io *io, int kind,
    const uint8_t (*recipients)[32], size_t nrecipients, const sz_env *env, uint64_t created_ms);
/* The bundle's salt (to derive a passphrase recipient before the first chunk is written). */
void sz_bundle_writer_salt(const sz_bundle_writer *w, uint8_t salt[static SZ_BUNDLE_SALT_BYTES]);
/* Add a recipient secret; SZ_ERR_STATE once the first chunk is out, SZ_ERR_LIMIT past 8. */
SZ_MUST_CHECK int sz_bundle_writer_add_recipient(sz_bundle_writer *w, const uint8_t secret[static 32]);
/* Add one item (an envelope, or for a summary a scope[16] || id[32] record), at most
 * SZ_BUNDLE_MAX_ITEM bytes.  Full chunks are sealed and written as they fill. */
SZ_MUST_CHECK int sz_bundle_writer_add(sz_bundle_writer *w, const uint8_t *item, size_t len);
/* Seal the last data chunk, write filler chunks up to a power of two, and flush. */
SZ_MUST_CHECK int sz_bundle_writer_finish(sz_bundle_writer *w);
/* Bytes written so far (for progress). */
uint64_t sz_bundle_writer_bytes(const sz_bundle_writer *w);
void sz_bundle_writer_free(sz_bundle_writer *w);

#define SZ_BUNDLE_MAX_ITEM 131072

/* What reading found.  A bundle is intact when it is exactly as written: every chunk opened in
 * its place, its end chunk was read and nothing follows it.  Anything else is damage (a courier's
 * cut, a failing stick, tampering), and what it cost is in complete / items_expected. */
typedef struct sz_bundle_report {
	int kind;
	int recipient;          /* index of the candidate secret that opened it */
	uint64_t created_ms;
	uint32_t chunks;        /* chunks present in the file (data and filler, whole or cut) */
	uint32_t chunks_ok;     /* data chunks that opened and parsed */
	uint32_t chunks_damaged;/* chunks that did not open or did not fit in place: damaged,
	                         * altered, moved, duplicated or cut */
	uint64_t items;         /* items handed to the callback */
	int have_total;         /* items_expected is known (the last data chunk, a filler or the end
	                         * chunk was read) */
	uint64_t items_expected;/* the number of items the bundle carries */
	int complete;           /* every item the bundle carries was handed out */
	int truncated;          /* the end chunk was not read: the file was cut short (or its end
	                         * is damaged) */
	int trailing;           /* bytes follow the end chunk */
	int intact;             /* complete, no damaged chunk, the end read, nothing after it */
} sz_bundle_report;

/* Called for each item of each intact chunk; a non-zero return stops reading with that value. */
typedef int (*sz_bundle_item_fn)(void *ctx, const uint8_t *item, size_t len);

/* Read a bundle: find a slot that one of the candidate secrets (or, if passphrase is not NULL,
 * the secret derived from it and the salt) opens — SZ_ERR_DECRYPT if none: not for us, or a
 * damaged header; SZ_ERR_UNSUPPORTED if it opens as a version 1 bundle, whose end was not
 * authenticated — then open every chunk; a damaged chunk is counted and skipped, never
 * half-used.  Returns SZ_OK when the bundle opened (check report->intact), the callback's
 * non-zero value if it stopped early, or an I/O error.  report is filled in as far as reading got;
 * report->recipient is set before fn is first called (what a reader takes may depend on it). */
SZ_MUST_CHECK int sz_bundle_read(const sz_bundle_io *io, const uint8_t (*candidates)[32],
    size_t ncandidates, const char *passphrase, sz_bundle_item_fn fn, void *ctx,
    sz_bundle_report *report);

/* Derive a recipient secret from a passphrase and the bundle's salt (Argon2id, interactive
 * limits).  For import, pass the first 32 bytes of the file as salt. */
SZ_MUST_CHECK int sz_bundle_passphrase_secret(uint8_t secret[static 32], const char *pass,
    size_t passlen, const uint8_t salt[static SZ_BUNDLE_SALT_BYTES]);

#endif /* SZ_SYNC_BUNDLE_H */
