/*
 * decide.h - what the decide layer's modules share: verdicts with reasons, the rules for text,
 * the entries they read, anonymous entry wrapping and release delays.
 * Layer: decide (uses lib, crypto, wire; not cell).  Pure: every function takes the cell id, the
 * roster, the member's keys and the entries as inputs and keeps no state between calls, so the
 * result on every node is a function of the entries it holds and nothing else (no local clock,
 * no arrival order).  Byte layouts and rules: docs/PROTOCOL.md §13 (Collective decisions).
 */
#ifndef SZ_DECIDE_DECIDE_H
#define SZ_DECIDE_DECIDE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/lsag.h"
#include "lib/env.h"
#include "samizdat.h"
#include "wire/entry.h"

#define SZ_DECIDE_VERSION 1        /* the first byte of every body this layer writes */
/* Anonymous ballots and pledges are refused on rosters smaller than this: with two keys the other
 * member knows who signed, with one nobody is hidden (docs/threat/decisions.md). */
#define SZ_DECIDE_MIN_RING 3
/* Below this the roster is accepted but flagged small, so that the interface warns. */
#define SZ_DECIDE_WARN_RING 5
#define SZ_DECIDE_MAX_RING SZ_LSAG_MAX_RING

/* Recommended bounds of the release delay of ballots and pledges (sz_decide_release_time). */
#define SZ_DECIDE_DELAY_MIN_MS (60u * 1000u)          /* one minute */
#define SZ_DECIDE_DELAY_MAX_MS (60u * 60u * 1000u)    /* one hour */
#define SZ_DECIDE_DELAY_MAX_MS_BOUND 0xfffffffeu      /* the largest max_ms accepted (~49 days) */

/* Why an item was or was not counted.  Functions that judge entries return SZ_OK and a verdict per
 * entry; they fail (negative sz_err) only when they could not judge (out of memory, bad
 * arguments).  The numbers are stable; append, never renumber. */
typedef enum sz_verdict {
	SZ_VERDICT_OK = 0,             /* valid, and counted */
	SZ_VERDICT_DUPLICATE = 1,      /* a copy of a counted item (same bytes or same signer) */
	SZ_VERDICT_REPLACED = 2,       /* a valid ballot of a voter who later cast another one */
	SZ_VERDICT_WRONG_KIND = 3,     /* the entry is not of the kind expected here */
	SZ_VERDICT_MALFORMED = 4,      /* the body does not decode (length, version, bounds, text) */
	SZ_VERDICT_OTHER_SUBJECT = 5,  /* it refers to another proposal, call or declaration */
	SZ_VERDICT_LATE = 6,           /* its signed time is after the deadline */
	SZ_VERDICT_BAD_OPTION = 7,     /* the option is not one of the proposal's */
	SZ_VERDICT_BAD_ENTRY = 8,      /* the entry around it breaks the rules (parents, timestamp) */
	SZ_VERDICT_WRONG_RING = 9,     /* the ring signature is not over the roster's ring */
	SZ_VERDICT_NONCANONICAL = 10,  /* a scalar is not below the group order */
	SZ_VERDICT_BAD_POINT = 11,     /* a point is invalid or the identity */
	SZ_VERDICT_BAD_SIGNATURE = 12, /* the signature or proof does not verify */
	SZ_VERDICT_NOT_MEMBER = 13,    /* the key is not on the roster or the member list */
	SZ_VERDICT_NOT_PUBLIC = 14,    /* a public co-signature of a cell-local declaration */
	SZ_VERDICT_UNCHECKABLE = 15,   /* an in-cell co-signature judged without the cell's members */
	SZ_VERDICT_PREMATURE = 16,     /* a reveal while the threshold is not reached */
	SZ_VERDICT_NOT_PLEDGED = 17,   /* a reveal of a tag that no counted pledge carries */
	SZ_VERDICT_SIGNER_MISMATCH = 18, /* a co-signature whose signer is not the entry's author */
} sz_verdict;

/* One line of English for a verdict; never NULL. */
const char *sz_verdict_str(int verdict);

/* An entry as this layer reads it: decoded and verified by sz_entry_decode, with its id.  e
 * borrows from the bytes it was decoded from, which must outlive it. */
typedef struct sz_decide_entry {
	sz_entry e;
	uint8_t id[32];
} sz_decide_entry;

/* Decode and verify buf into de (sz_entry_decode with the full body bound).  Errors as
 * sz_entry_decode; de is zeroed on error. */
SZ_MUST_CHECK int sz_decide_entry_decode(sz_decide_entry *de, const uint8_t *buf, size_t len);

/* Text rules.  A line (titles, labels) is 1..max bytes of UTF-8 (RFC 3629: no overlong forms,
 * surrogates or code points past U+10FFFF) without control characters (C0, DEL, C1) and without
 * the bidirectional embedding, override and isolate controls U+202A..U+202E, U+2066..U+2069
 * (they can make a text display as something other than what is signed).  A text (declaration and
 * call texts, questions) follows the same rules but may contain line feeds and tabs.
 * SZ_OK, SZ_ERR_TOO_LARGE (longer than max bytes) or SZ_ERR_MALFORMED (empty, NULL, or breaking
 * a rule). */
SZ_MUST_CHECK int sz_decide_line_check(const uint8_t *s, size_t len, size_t max);
SZ_MUST_CHECK int sz_decide_text_check(const uint8_t *s, size_t len, size_t max);

/* Wrap an anonymous body (a ballot or a pledge) in an entry that says nothing about its author:
 * the author is a fresh Ed25519 key drawn from env and wiped after signing, the only parent is the
 * proposal or call (parent) and the timestamp is timestamp_ms (the body's signed time).  *out is
 * malloc()ed (caller frees); id receives the entry id.  Errors: SZ_ERR_INVALID (kind is neither
 * SZ_KIND_BALLOT nor SZ_KIND_PLEDGE), errors of sz_entry_build. */
SZ_MUST_CHECK int sz_decide_wrap_anonymous(uint8_t **out, size_t *outlen, uint8_t id[static 32],
    uint8_t kind, const uint8_t parent[static 32], uint64_t timestamp_ms, const uint8_t *body,
    size_t body_len, const sz_env *env);

/* Draw when a ballot or pledge decided at now_ms should be signed and released: uniformly in
 * [now_ms + min_ms, now_ms + max_ms], but never after deadline_ms (the window is then cut at the
 * deadline, and when even now_ms + min_ms is past it, drawn from [now_ms, deadline_ms]).  The
 * node signs the ballot with the drawn time as its time and releases it then, so the time inside
 * says no more than the moment of release.  Errors: SZ_ERR_EXPIRED (now_ms > deadline_ms; nothing
 * can be cast any more), SZ_ERR_INVALID (min_ms > max_ms, max_ms above
 * SZ_DECIDE_DELAY_MAX_MS_BOUND, or now_ms + max_ms overflows).  *release_ms is zeroed on error. */
SZ_MUST_CHECK int sz_decide_release_time(uint64_t *release_ms, uint64_t now_ms,
    uint64_t deadline_ms, uint64_t min_ms, uint64_t max_ms, const sz_env *env);

#endif /* SZ_DECIDE_DECIDE_H */
