/*
 * pledge.h - threshold pledges: a call ("I will act if at least N of us pledge"), anonymous
 * pledges (LSAG over the call's roster, kind = pledge), the threshold, and voluntary reveals once
 * it is reached (a DLEQ proof that a counted pledge's tag is the revealer's voting key).
 * Layer: decide.  Bodies of SZ_KIND_PLEDGE_CALL, SZ_KIND_PLEDGE and SZ_KIND_REVEAL entries;
 * docs/PROTOCOL.md §13 (Collective decisions) §5.
 */
#ifndef SZ_DECIDE_PLEDGE_H
#define SZ_DECIDE_PLEDGE_H

#include <stddef.h>
#include <stdint.h>

#include "decide/decide.h"
#include "decide/roster.h"

#define SZ_PLEDGE_MAX_TEXT 4096          /* bytes of UTF-8 */
#define SZ_PLEDGE_MIN_THRESHOLD 2
/* version, call id: what the ring signature covers (a pledge carries no time: sz_pledge_sign) */
#define SZ_PLEDGE_SIGNED_BYTES (1 + 32)
#define SZ_PLEDGE_BYTES(n) (SZ_PLEDGE_SIGNED_BYTES + SZ_LSAG_SIG_BYTES(n))
#define SZ_PLEDGE_CONTEXT "samizdat-v1-pledge"
/* version, call id, voting key, tag, DLEQ proof */
#define SZ_REVEAL_BYTES (1 + 32 + 32 + 32 + SZ_LSAG_TAG_PROOF_BYTES)

/* A decoded call; pointers borrow from the body. */
typedef struct sz_pledge_call {
	uint8_t id[32];              /* the PLEDGE_CALL entry's id (zero from a bare body) */
	uint64_t created_ms;
	uint64_t deadline_ms;        /* no pledge is signed after this */
	uint32_t threshold;          /* N: SZ_PLEDGE_MIN_THRESHOLD <= N <= n */
	const uint8_t *text;
	size_t text_len;
	const uint8_t (*roster)[32];
	size_t n;
	uint8_t roster_id[32];
	int small_ring;
} sz_pledge_call;

/* Encode a call body: text (UTF-8 text rules), threshold N, deadline, and the roster snapshot
 * (keys sorted and de-duplicated here).  *out is malloc()ed.  Errors: SZ_ERR_INVALID (text, or
 * N outside [SZ_PLEDGE_MIN_THRESHOLD, distinct keys]), SZ_ERR_TOO_LARGE, SZ_ERR_DENIED (roster
 * below SZ_DECIDE_MIN_RING), SZ_ERR_CRYPTO, SZ_ERR_NOMEM. */
SZ_MUST_CHECK int sz_pledge_call_encode(uint8_t **out, size_t *outlen, uint64_t deadline_ms,
    uint32_t threshold, const char *text, const uint8_t (*keys)[32], size_t n);
/* Decode a call body (canonical only).  Errors as sz_proposal_decode; c is zeroed on error. */
SZ_MUST_CHECK int sz_pledge_call_decode(sz_pledge_call *c, const uint8_t *body, size_t len);
/* As sz_pledge_call_decode from a PLEDGE_CALL entry, with id and created_ms; SZ_ERR_INVALID for
 * another kind, SZ_ERR_EXPIRED if the deadline is not after the entry's timestamp. */
SZ_MUST_CHECK int sz_pledge_call_from_entry(sz_pledge_call *c, const sz_decide_entry *de);
/* c as a rostered call (decide/rcall.h): what it shares with proposals. */
struct sz_rcall;
void sz_pledge_call_rcall(struct sz_rcall *v, const sz_pledge_call *c);
/* The tag base of c's pledges (and reveals): kind SZ_LSAG_KIND_PLEDGE. */
SZ_MUST_CHECK int sz_pledge_call_scope(uint8_t scope_t[static 32],
    const uint8_t cell_id[static 32], const sz_pledge_call *c);

typedef struct sz_pledge {
	uint8_t call_id[32];
	const uint8_t *sig;
	size_t siglen;
} sz_pledge;

/* Decode a pledge body's layout (signature not verified).  Errors as sz_ballot_decode. */
SZ_MUST_CHECK int sz_pledge_decode(sz_pledge *pl, const uint8_t *body, size_t len);
/* Sign a pledge on c (the ring signature covers SZ_PLEDGE_CONTEXT || every body byte before it).
 * now_ms is the signer's clock: past the deadline the pledge is refused.  The pledge itself
 * carries no time: once a pledger reveals, a signed time would show when they pledged, and so who
 * moved first, which is what pledges hide; and a time a liar can set protects nothing (the
 * honest signer's refusal is the deadline).  *out is malloc()ed.  Errors: SZ_ERR_EXPIRED,
 * SZ_ERR_WIPED, SZ_ERR_NOT_MEMBER, errors of sz_lsag_sign. */
SZ_MUST_CHECK int sz_pledge_sign(uint8_t **out, size_t *outlen, const uint8_t cell_id[static 32],
    const sz_pledge_call *c, uint64_t now_ms, const sz_vote_key *key, const sz_env *env);
/* Sign and wrap in an anonymous entry whose only parent is the call and whose timestamp is the
 * call's own (c->created_ms), so the entry carries no time of its own either. */
SZ_MUST_CHECK int sz_pledge_cast(uint8_t **out, size_t *outlen, uint8_t id[static 32],
    const uint8_t cell_id[static 32], const sz_pledge_call *c, uint64_t now_ms,
    const sz_vote_key *key, const sz_env *env);

/* Where a call stands on the entries a node holds. */
typedef struct sz_pledge_status {
	uint8_t call_id[32];        /* the call this status is about */
	uint32_t threshold;
	uint32_t pledgers;          /* distinct tags among valid pledges */
	int reached;                /* pledgers >= threshold */
	uint32_t duplicates;        /* valid pledges repeating a counted tag */
	uint32_t rejected;
	uint8_t (*tags)[32];        /* the counted tags, sorted (malloc()ed; sz_pledge_status_free) */
	size_t ntags;
} sz_pledge_status;

/* Check every pledge entry against the call entry (kind, body, subject, framing: one parent, the
 * call, and the call's timestamp; ring signature) and count distinct tags.  verdicts (NULL, or
 * npledges bytes) receives each pledge's sz_verdict (copies of a counted tag: DUPLICATE).
 * Deterministic in the set.
 * Errors of sz_pledge_call_from_entry, SZ_ERR_NOMEM; st is zeroed on error. */
SZ_MUST_CHECK int sz_pledge_tally(sz_pledge_status *st, uint8_t *verdicts,
    const uint8_t cell_id[static 32], const sz_decide_entry *call, const sz_decide_entry *pledges,
    size_t npledges);
/* Release st's tags (st stays usable as an empty status); accepts NULL. */
void sz_pledge_status_free(sz_pledge_status *st);

typedef struct sz_reveal {
	uint8_t call_id[32];
	uint8_t pk[32];
	uint8_t tag[32];
	uint8_t proof[SZ_LSAG_TAG_PROOF_BYTES];
} sz_reveal;

/* Decode a reveal body: exactly SZ_REVEAL_BYTES.  Errors: SZ_ERR_TRUNCATED, SZ_ERR_MALFORMED,
 * SZ_ERR_UNSUPPORTED (version). */
SZ_MUST_CHECK int sz_reveal_decode(sz_reveal *rv, const uint8_t *body, size_t len);

/* Make a reveal body (SZ_REVEAL_BYTES into out) showing that key's pledge on c is key's.  Refused
 * unless st (from sz_pledge_tally on the entries this node holds) has reached the threshold: a
 * reveal before that would expose an early mover while there is no collective cover yet.
 * Errors: SZ_ERR_DENIED (threshold not reached), SZ_ERR_NOT_FOUND (key's tag is not among the
 * counted pledges: nothing to reveal), SZ_ERR_WIPED, SZ_ERR_NOT_MEMBER, SZ_ERR_INVALID (st is
 * about another call), errors of sz_lsag_tag_prove.  out is zeroed on error. */
SZ_MUST_CHECK int sz_reveal_make(uint8_t out[static SZ_REVEAL_BYTES],
    const uint8_t cell_id[static 32], const sz_pledge_call *c, const sz_pledge_status *st,
    const sz_vote_key *key, const sz_env *env);

/* Judge a REVEAL entry against the call and its status: *verdict is OK and pk_out (if not NULL)
 * the revealed voting key when the proof holds for a roster key and a counted tag and the
 * threshold is reached; else WRONG_KIND, MALFORMED, OTHER_SUBJECT, PREMATURE (threshold not
 * reached on these entries), NOT_PLEDGED, NOT_MEMBER, BAD_POINT, NONCANONICAL or BAD_SIGNATURE.
 * Returns SZ_OK when a verdict was reached; a negative error only when the check could not run
 * (SZ_ERR_INVALID: st is about another call).  cell_id must be the one st was computed for. */
SZ_MUST_CHECK int sz_reveal_check(uint8_t *verdict, uint8_t *pk_out,
    const uint8_t cell_id[static 32], const sz_pledge_call *c, const sz_pledge_status *st,
    const sz_decide_entry *de);

#endif /* SZ_DECIDE_PLEDGE_H */
