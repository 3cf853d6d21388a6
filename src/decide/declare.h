/*
 * declare.h - declarations (a title and a text proposed for signature, kept in the cell or meant
 * to be published) and their co-signatures: in-cell (by the member's cell signing key, which only
 * members can link to a person) or public (by the member's identity key: attributable, checkable
 * by anyone who holds the published declaration).
 * Layer: decide.  Bodies of SZ_KIND_DECLARATION and SZ_KIND_COSIGN entries;
 * docs/PROTOCOL.md §13 (Collective decisions) §6.
 */
#ifndef SZ_DECIDE_DECLARE_H
#define SZ_DECIDE_DECLARE_H

#include <stddef.h>
#include <stdint.h>

#include "decide/decide.h"
#include "lib/bytes.h"

#define SZ_DECL_MAX_TITLE 256           /* bytes of UTF-8, one line */
#define SZ_DECL_MAX_TEXT 32768          /* bytes of UTF-8 */
#define SZ_DECL_PUBLIC 0x01             /* flag: meant to be published; public signatures allowed */

#define SZ_COSIGN_IN_CELL 1
#define SZ_COSIGN_PUBLIC 2
/* version, mode, declaration id, signer, signature */
#define SZ_COSIGN_BYTES (1 + 1 + 32 + 32 + 64)
#define SZ_COSIGN_CONTEXT_CELL "samizdat-v1-cosign-cell"
#define SZ_COSIGN_CONTEXT_PUBLIC "samizdat-v1-cosign-public"

/* A decoded declaration; pointers borrow from the body. */
typedef struct sz_declaration {
	uint8_t id[32];              /* the DECLARATION entry's id (zero from a bare body) */
	uint8_t text_hash[32];       /* BLAKE2b-256 of the whole body: what co-signers sign */
	uint8_t flags;
	const uint8_t *title;
	size_t title_len;
	const uint8_t *text;
	size_t text_len;
} sz_declaration;

/* Encode a declaration body.  flags is 0 (kept in the cell) or SZ_DECL_PUBLIC.  *out is
 * malloc()ed.  Errors: SZ_ERR_INVALID (flags, NULL, empty or bad text), SZ_ERR_TOO_LARGE,
 * SZ_ERR_NOMEM. */
SZ_MUST_CHECK int sz_declaration_encode(uint8_t **out, size_t *outlen, uint8_t flags,
    const char *title, const char *text);
/* Decode a declaration body (canonical only) and hash it.  Errors: SZ_ERR_TRUNCATED,
 * SZ_ERR_MALFORMED (unknown flags, bad text, trailing bytes), SZ_ERR_UNSUPPORTED (version),
 * SZ_ERR_TOO_LARGE.  d is zeroed on error. */
SZ_MUST_CHECK int sz_declaration_decode(sz_declaration *d, const uint8_t *body, size_t len);
/* As sz_declaration_decode from a DECLARATION entry, with its id; SZ_ERR_INVALID for another
 * kind. */
SZ_MUST_CHECK int sz_declaration_from_entry(sz_declaration *d, const sz_decide_entry *de);

typedef struct sz_cosign {
	uint8_t mode;                /* SZ_COSIGN_IN_CELL or SZ_COSIGN_PUBLIC */
	uint8_t declaration_id[32];
	uint8_t signer[32];          /* Ed25519: cell signing key (in-cell) or identity key (public) */
	uint8_t sig[64];
} sz_cosign;

/* Decode exactly SZ_COSIGN_BYTES.  Errors: SZ_ERR_TRUNCATED, SZ_ERR_MALFORMED (unknown mode,
 * trailing bytes), SZ_ERR_UNSUPPORTED (version).  The signature is not checked here. */
SZ_MUST_CHECK int sz_cosign_decode(sz_cosign *cs, const uint8_t *body, size_t len);

/* Co-sign d: write a SZ_COSIGN_BYTES body to out, signed by sk (libsodium layout: seed || pk).
 * In-cell: sk is the member's cell signing key and the signature covers
 * SZ_COSIGN_CONTEXT_CELL || cell_id || declaration id || text hash.  Public: sk is the identity
 * key and it covers SZ_COSIGN_CONTEXT_PUBLIC || declaration id || text hash (cell_id unused, may
 * be NULL).  The body goes into a COSIGN entry authored by the same key.  Errors: SZ_ERR_INVALID
 * (mode, d without an id, in-cell without cell_id), SZ_ERR_DENIED (a public signature on a
 * declaration kept in the cell).  out is zeroed on error. */
SZ_MUST_CHECK int sz_cosign_make(uint8_t out[static SZ_COSIGN_BYTES], uint8_t mode,
    const uint8_t *cell_id, const sz_declaration *d, const uint8_t sk[static 64]);

/* The same in two steps, for a signing key the caller cannot hand over (the cell signing key stays
 * inside the cell layer: sz_cell_sign).  sz_cosign_message appends to m the message a co-signature
 * of d in mode covers (cell_id as for sz_cosign_make); sign it, then sz_cosign_assemble writes the
 * body with signer's public key and the signature, after checking that the signature verifies.
 * Errors: as sz_cosign_make; SZ_ERR_BAD_SIGNATURE (sig is not signer's over that message);
 * SZ_ERR_NOMEM.  out is zeroed on error. */
SZ_MUST_CHECK int sz_cosign_message(sz_buf *m, uint8_t mode, const uint8_t *cell_id,
    const sz_declaration *d);
SZ_MUST_CHECK int sz_cosign_assemble(uint8_t out[static SZ_COSIGN_BYTES], uint8_t mode,
    const uint8_t *cell_id, const sz_declaration *d, const uint8_t signer[static 32],
    const uint8_t sig[static 64]);

/* A cell member as the caller knows them: their cell signing key and, if the caller can link it,
 * their identity key (so one person signing both ways counts once). */
typedef struct sz_member_key {
	uint8_t cell_key[32];
	uint8_t identity[32];
	int has_identity;
} sz_member_key;

/* One counted signer. */
typedef struct sz_signer {
	uint8_t key[32];             /* identity key if known (public, or linked), else cell key */
	int identified;              /* key is an identity key */
	uint8_t modes;               /* bit 0: signed in the cell, bit 1: signed publicly */
} sz_signer;

typedef struct sz_cosign_result {
	size_t count;                /* distinct signers */
	sz_signer *signers;          /* count of them, sorted by key (malloc()ed) */
	size_t rejected;
	size_t duplicates;
} sz_cosign_result;

/* Verify the co-signatures of a declaration: each cosign entry is judged (kind, body, subject,
 * signer = entry author, mode allowed, membership for in-cell ones, signature) and signers are
 * de-duplicated: by key, and in-cell against public through members' identity keys when known.
 * cell_id and members may be NULL (outside the cell: in-cell co-signatures are then
 * UNCHECKABLE).  verdicts (NULL, or n bytes) receives each entry's sz_verdict; of several valid
 * signatures by one person the one with the smallest entry id is OK, the others DUPLICATE.
 * Deterministic in the set.  Errors: SZ_ERR_INVALID (decl is not a declaration), SZ_ERR_NOMEM;
 * res is empty on error.  Release res with sz_cosign_result_free. */
SZ_MUST_CHECK int sz_declaration_verify(sz_cosign_result *res, uint8_t *verdicts,
    const uint8_t *cell_id, const sz_decide_entry *decl, const sz_decide_entry *cosigns, size_t n,
    const sz_member_key *members, size_t nmembers);
/* Release res's signers (res stays usable as empty); accepts NULL. */
void sz_cosign_result_free(sz_cosign_result *res);

#endif /* SZ_DECIDE_DECLARE_H */
