/*
 * ballot.h - proposals (a question, 2..16 options, a deadline, a roster snapshot) and anonymous
 * ballots (an LSAG ring signature over the roster, one linking tag per voter and proposal).
 * Layer: decide.  Bodies of SZ_KIND_PROPOSAL and SZ_KIND_BALLOT entries; tally.h counts them.
 * Byte layouts and rules: docs/PROTOCOL.md §13 (Collective decisions) §3-§4.
 */
#ifndef SZ_DECIDE_BALLOT_H
#define SZ_DECIDE_BALLOT_H

#include <stddef.h>
#include <stdint.h>

#include "decide/decide.h"
#include "decide/roster.h"

#define SZ_PROPOSAL_MAX_QUESTION 1024   /* bytes of UTF-8 */
#define SZ_PROPOSAL_MIN_OPTIONS 2
#define SZ_PROPOSAL_MAX_OPTIONS 16
#define SZ_PROPOSAL_MAX_LABEL 64        /* bytes of UTF-8 per option label */
/* version, proposal id, option, revision, time: what the ring signature covers */
#define SZ_BALLOT_SIGNED_BYTES (1 + 32 + 1 + 4 + 8)
#define SZ_BALLOT_BYTES(n) (SZ_BALLOT_SIGNED_BYTES + SZ_LSAG_SIG_BYTES(n))
#define SZ_BALLOT_CONTEXT "samizdat-v1-ballot"

/* A decoded proposal.  Pointers borrow from the body it was decoded from. */
typedef struct sz_proposal {
	uint8_t id[32];              /* the PROPOSAL entry's id (zero if decoded from a bare body) */
	uint64_t created_ms;         /* the entry's timestamp (0 from a bare body) */
	uint64_t deadline_ms;        /* ballots signed at a time after this do not count */
	const uint8_t *question;
	size_t question_len;
	size_t noptions;
	const uint8_t *label[SZ_PROPOSAL_MAX_OPTIONS];
	size_t label_len[SZ_PROPOSAL_MAX_OPTIONS];
	const uint8_t (*roster)[32]; /* n voting keys, strictly increasing */
	size_t n;
	uint8_t roster_id[32];
	int small_ring;              /* n < SZ_DECIDE_WARN_RING: the interface must warn */
} sz_proposal;

/* Encode a proposal body.  question is UTF-8 text, labels are noptions lines (decide.h rules);
 * keys (n of them, any order, repeats allowed) are sorted and de-duplicated into the snapshot.
 * *out is malloc()ed (caller frees).  Errors: SZ_ERR_INVALID (option count, empty or bad text),
 * SZ_ERR_TOO_LARGE (text too long), SZ_ERR_DENIED (fewer than SZ_DECIDE_MIN_RING distinct keys),
 * SZ_ERR_CRYPTO (a key is not a valid point), SZ_ERR_NOMEM. */
SZ_MUST_CHECK int sz_proposal_encode(uint8_t **out, size_t *outlen, uint64_t deadline_ms,
    const char *question, const char *const *labels, size_t noptions,
    const uint8_t (*keys)[32], size_t n);

/* Decode a proposal body (canonical form only) into p, computing roster_id.  Errors:
 * SZ_ERR_TRUNCATED, SZ_ERR_MALFORMED (trailing bytes, bad text, option count), SZ_ERR_UNSUPPORTED
 * (version), SZ_ERR_TOO_LARGE, SZ_ERR_DENIED (roster below SZ_DECIDE_MIN_RING),
 * SZ_ERR_NONCANONICAL (roster not strictly increasing), SZ_ERR_CRYPTO (a roster key is not a
 * valid point).  p is zeroed on error. */
SZ_MUST_CHECK int sz_proposal_decode(sz_proposal *p, const uint8_t *body, size_t len);

/* Decode the proposal carried by a PROPOSAL entry: as sz_proposal_decode, plus id and created_ms,
 * and SZ_ERR_INVALID if the entry is of another kind, SZ_ERR_EXPIRED if the deadline is not after
 * the entry's timestamp.  Whether the roster matches the cell's members is the caller's check
 * (sz_roster_compare against the admitted keys). */
SZ_MUST_CHECK int sz_proposal_from_entry(sz_proposal *p, const sz_decide_entry *de);

/* p as a rostered call (decide/rcall.h): what it shares with pledge calls. */
struct sz_rcall;
void sz_proposal_rcall(struct sz_rcall *v, const sz_proposal *p);

/* The tag base of p's ballots in cell_id: sz_lsag_tag_base(cell, p->id, p->roster_id,
 * SZ_LSAG_KIND_BALLOT). */
SZ_MUST_CHECK int sz_proposal_scope(uint8_t scope_t[static 32], const uint8_t cell_id[static 32],
    const sz_proposal *p);

/* A decoded ballot; sig borrows from the body. */
typedef struct sz_ballot {
	uint8_t proposal_id[32];
	uint8_t option;
	uint32_t revision;           /* 0 first; a voter who changes their mind casts a higher one */
	uint64_t time_ms;            /* the signed time, which the deadline is judged by */
	const uint8_t *sig;          /* 32·(n+2) bytes */
	size_t siglen;
} sz_ballot;

/* Decode a ballot body's layout (the signature is not verified; its length must be 32·(k+2) for
 * some SZ_DECIDE_MIN_RING <= k <= SZ_DECIDE_MAX_RING).  Errors: SZ_ERR_TRUNCATED,
 * SZ_ERR_UNSUPPORTED (version), SZ_ERR_MALFORMED (signature length).  b is zeroed on error. */
SZ_MUST_CHECK int sz_ballot_decode(sz_ballot *b, const uint8_t *body, size_t len);

/* Sign a ballot for option (index into p's options) as key's holder.  The ring signature covers
 * SZ_BALLOT_CONTEXT || every body byte before the signature.  *out is malloc()ed.  Errors:
 * SZ_ERR_INVALID (option out of range), SZ_ERR_EXPIRED (time_ms after the deadline: it would not
 * count), SZ_ERR_WIPED, SZ_ERR_NOT_MEMBER (key not on p's roster), errors of sz_lsag_sign. */
SZ_MUST_CHECK int sz_ballot_sign(uint8_t **out, size_t *outlen, const uint8_t cell_id[static 32],
    const sz_proposal *p, unsigned option, uint32_t revision, uint64_t time_ms,
    const sz_vote_key *key, const sz_env *env);

/* Sign a ballot and wrap it in its anonymous entry (sz_decide_wrap_anonymous: one-time author,
 * parent = the proposal, timestamp = time_ms).  *out (the encoded entry) is malloc()ed; id
 * receives the entry id.  Errors as sz_ballot_sign and sz_entry_build. */
SZ_MUST_CHECK int sz_ballot_cast(uint8_t **out, size_t *outlen, uint8_t id[static 32],
    const uint8_t cell_id[static 32], const sz_proposal *p, unsigned option, uint32_t revision,
    uint64_t time_ms, const sz_vote_key *key, const sz_env *env);

/* What one ballot entry amounts to, once checked: the input of the tally (tally.h). */
typedef struct sz_ballot_record {
	uint8_t verdict;             /* sz_verdict: OK if valid (the tally may demote it) */
	uint8_t option;
	uint32_t revision;
	uint64_t time_ms;
	uint8_t tag[32];             /* the voter's linking tag for this proposal */
	uint8_t body_hash[32];       /* BLAKE2b-256 of the body */
	uint8_t entry_id[32];
} sz_ballot_record;

/* Check one entry as a ballot on proposal p (scope_t from sz_proposal_scope for the same cell):
 * kind, body, subject, entry framing (one parent: the proposal; timestamp = signed time),
 * deadline, option and ring signature over p's roster, in that order; the first failure sets
 * rec->verdict.  Returns SZ_OK whenever a verdict was reached, valid or not; a negative error
 * only when the check could not run (SZ_ERR_NOMEM, SZ_ERR_INTERNAL). */
SZ_MUST_CHECK int sz_ballot_check(sz_ballot_record *rec, const sz_proposal *p,
    const uint8_t scope_t[static 32], const sz_decide_entry *de);

#endif /* SZ_DECIDE_BALLOT_H */
