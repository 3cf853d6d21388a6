/*
 * entry.h - the signed, content-addressed entry: samizdat's unit of content (docs/PROTOCOL.md §2).
 * Layer: wire.  One canonical encoding: sz_entry_decode rejects every other form, so one entry has
 * exactly one id.  The decoder verifies the signature; an sz_entry that exists has verified.
 */
#ifndef SZ_WIRE_ENTRY_H
#define SZ_WIRE_ENTRY_H

#include <stddef.h>
#include <stdint.h>

#include "samizdat.h"

#define SZ_ENTRY_VERSION 1
#define SZ_ENTRY_MAX_PARENTS 32
#define SZ_ENTRY_MAX_BODY 65536
/* version, kind, author, nparents, parents, timestamp, body length, signature */
#define SZ_ENTRY_FIXED_BYTES (1 + 1 + 32 + 1 + 8 + 4 + 64)
#define SZ_ENTRY_MAX_BYTES (SZ_ENTRY_FIXED_BYTES + SZ_ENTRY_MAX_PARENTS * 32 + SZ_ENTRY_MAX_BODY)

/* Kinds (docs/PROTOCOL.md §2.2).  The decoder accepts only these. */
typedef enum sz_entry_kind {
	SZ_KIND_LEAFLET = 0x01,     /* a public, attributable publication */
	SZ_KIND_POST = 0x02,        /* a post in a cell (thread root or reply) */
	SZ_KIND_CHUNK = 0x03,       /* a part of a leaflet's attachment (wire/attach.h): public only */
	SZ_KIND_CELL_CONTROL = 0x10,/* a cell membership / key-agreement operation */
	SZ_KIND_DECLARATION = 0x20, /* a text proposed for co-signing */
	SZ_KIND_COSIGN = 0x21,      /* a co-signature of a declaration */
	SZ_KIND_PROPOSAL = 0x22,    /* a proposal with options, deadline, roster snapshot */
	SZ_KIND_BALLOT = 0x23,      /* an anonymous ballot (ring signature inside) */
	SZ_KIND_PLEDGE_CALL = 0x24, /* a threshold pledge: "I act if N do" */
	SZ_KIND_PLEDGE = 0x25,      /* an anonymous pledge (ring signature inside) */
	SZ_KIND_REVEAL = 0x26,      /* a pledger's voluntary reveal (DLEQ proof) */
	SZ_KIND_ENROLL = 0x27,      /* a member's voting key for a cell, with proof of possession */
	SZ_KIND_REACH = 0x28,       /* where a member's node is reached (cell only) */
} sz_entry_kind;

/* A decoded entry.  Pointers borrow from the buffer it was decoded from (or built from); the
 * struct owns nothing.  parents are strictly increasing 32-byte ids. */
typedef struct sz_entry {
	uint8_t version;
	uint8_t kind;
	uint8_t author[32];
	uint8_t nparents;
	const uint8_t *parents;   /* nparents * 32 bytes */
	uint64_t timestamp_ms;    /* milliseconds since the Unix epoch, as the author's clock said */
	uint32_t body_len;
	const uint8_t *body;
	uint8_t sig[64];
} sz_entry;

/* Nonzero if kind is one of sz_entry_kind. */
int sz_entry_kind_known(unsigned kind);

/* Build and sign an entry.  parents need not be sorted or unique: they are sorted and
 * de-duplicated here.  The encoding is appended to *out (caller frees it with free());
 * id receives its id.  sk is the author's Ed25519 secret key (libsodium layout: seed || pk),
 * whose public half becomes the author field.  SZ_ERR_TOO_LARGE beyond the bounds. */
SZ_MUST_CHECK int sz_entry_build(uint8_t **out, size_t *outlen, uint8_t id[static 32],
    uint8_t kind, const uint8_t (*parents)[32], size_t nparents, uint64_t timestamp_ms,
    const uint8_t *body, size_t body_len, const uint8_t sk[static 64]);

/* The same, signed by sk shifted by the canonical scalar tweak (src/crypto/edtweak.h): the
 * author is sk's public key + tweak·B.  SZ_ERR_CRYPTO for a non-canonical tweak.  The cell layer
 * binds a member's acks into the key of its next post this way (docs/PROTOCOL.md §11 §4.1). */
SZ_MUST_CHECK int sz_entry_build_tweaked(uint8_t **out, size_t *outlen, uint8_t id[static 32],
    uint8_t kind, const uint8_t (*parents)[32], size_t nparents, uint64_t timestamp_ms,
    const uint8_t *body, size_t body_len, const uint8_t sk[static 64],
    const uint8_t tweak[static 32]);

/* Decode and verify an entry.  On success e borrows from buf, and id (if not NULL) receives
 * BLAKE2b-256(buf).  Errors: SZ_ERR_TRUNCATED, SZ_ERR_MALFORMED (trailing bytes),
 * SZ_ERR_UNSUPPORTED (version or kind), SZ_ERR_TOO_LARGE, SZ_ERR_NONCANONICAL (parents not
 * strictly increasing), SZ_ERR_BAD_SIGNATURE.  max_body (0 = SZ_ENTRY_MAX_BODY) lowers the body
 * bound for a node that wants a smaller one. */
SZ_MUST_CHECK int sz_entry_decode(sz_entry *e, uint8_t id[32], const uint8_t *buf, size_t len,
    size_t max_body);

/* The entry id: BLAKE2b-256 of the encoding. */
SZ_MUST_CHECK int sz_entry_id(uint8_t id[static 32], const uint8_t *buf, size_t len);

#endif /* SZ_WIRE_ENTRY_H */
