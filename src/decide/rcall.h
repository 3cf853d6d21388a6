/*
 * rcall.h - a rostered call: a question put to a cell (a proposal) or a call for pledges, made
 * with a snapshot of the cell's voting keys and a deadline, and answered by anonymous entries
 * ring-signed over that roster (ballots, pledges).  What the two kinds share is written once
 * here, with a small table of what differs (as OpenSSH's sshkey.c keeps one implementation and
 * a table per key type); ballot.c and pledge.c keep only their own bodies and counts.
 * Layer: decide.  docs/PROTOCOL.md §13 (Collective decisions) §3-§5.
 */
#ifndef SZ_DECIDE_RCALL_H
#define SZ_DECIDE_RCALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decide/decide.h"
#include "decide/roster.h"
#include "lib/bytes.h"

/* What differs between the kinds of rostered call. */
typedef struct sz_rcall_kind {
	const char *name;        /* "proposal", "pledge call": for messages */
	const char *maker;       /* "proposer", "caller" */
	uint8_t call_kind;       /* the entry kind of the call */
	uint8_t answer_kind;     /* the entry kind of its anonymous answers */
	int lsag_kind;           /* the tag base's domain (SZ_LSAG_KIND_*) */
	const char *context;     /* what an answer's ring signature covers before its body */
	size_t signed_bytes;     /* an answer body's signed prefix: version, call id, then its own */
	bool dated;              /* an answer carries its own signed time (ballots), judged against
	                          * the deadline; else its entry bears the call's time (pledges) */
} sz_rcall_kind;

extern const sz_rcall_kind sz_rcall_proposal;
extern const sz_rcall_kind sz_rcall_pledge;

/* What every rostered call is, whatever its kind: a view of a decoded proposal or pledge call
 * (its pointers borrow from the call's body). */
typedef struct sz_rcall {
	const sz_rcall_kind *kind;
	uint8_t id[32];              /* the call entry's id (zero from a bare body) */
	uint64_t created_ms;         /* the call entry's timestamp (0 from a bare body) */
	uint64_t deadline_ms;        /* no answer is signed after this */
	const uint8_t (*roster)[32]; /* n voting keys, strictly increasing */
	size_t n;
	uint8_t roster_id[32];
	int small_ring;              /* n < SZ_DECIDE_WARN_RING: the interface must warn */
} sz_rcall;

/* The roster of a new call from keys (n of them, any order, repeats allowed): *ring malloc()ed
 * (caller frees), canonical (sz_roster_canonicalize) and checked (at least SZ_DECIDE_MIN_RING
 * valid keys), *m its size.  SZ_ERR_TOO_LARGE, SZ_ERR_DENIED (too small), SZ_ERR_CRYPTO. */
SZ_MUST_CHECK int sz_rcall_roster(const uint8_t (*keys)[32], size_t n, uint8_t (**ring)[32],
    size_t *m);

/* Complete a call decoded from entry de as k: SZ_ERR_INVALID if de is not of k's call kind,
 * SZ_ERR_EXPIRED if its deadline is not after the entry's time; else id and created_ms set. */
SZ_MUST_CHECK int sz_rcall_stamp(sz_rcall *c, const sz_rcall_kind *k, const sz_decide_entry *de);

/* The tag base of c's answers in cell cell_id: bound to the cell, the call and its roster. */
SZ_MUST_CHECK int sz_rcall_scope(uint8_t scope_t[static 32], const uint8_t cell_id[static 32],
    const sz_rcall *c);

/* Sign an answer to c as key's holder: b holds the answer's signed prefix (its kind's
 * signed_bytes); the ring signature over c's roster is appended.  SZ_ERR_EXPIRED if time_ms is
 * after the deadline, SZ_ERR_NOT_MEMBER (key not on the roster), SZ_ERR_WIPED, errors of LSAG. */
SZ_MUST_CHECK int sz_rcall_sign(sz_buf *b, const uint8_t cell_id[static 32], const sz_rcall *c,
    uint64_t time_ms, const sz_vote_key *key, const sz_env *env);

/* Wrap a signed answer body as its anonymous entry (one-time author, the call as only parent,
 * time_ms as timestamp: the signed time for a dated kind, the call's time otherwise).  *out
 * malloc()ed; id its id. */
SZ_MUST_CHECK int sz_rcall_wrap(uint8_t **out, size_t *outlen, uint8_t id[static 32],
    const sz_rcall *c, uint64_t time_ms, const uint8_t *body, size_t len, const sz_env *env);

/* Judge the entry around an answer to c: its kind (SZ_VERDICT_WRONG_KIND), whom its body says it
 * answers (subject: SZ_VERDICT_OTHER_SUBJECT), and that the entry adds nothing (one parent, the
 * call; the timestamp time_ms: SZ_VERDICT_BAD_ENTRY).  SZ_VERDICT_OK if it passes. */
uint8_t sz_rcall_check_entry(const sz_rcall *c, const sz_decide_entry *de,
    const uint8_t subject[static 32], uint64_t time_ms);

/* Judge an answer's ring signature (sig, siglen bytes, after its signed prefix in de's body)
 * under scope_t: *verdict SZ_VERDICT_WRONG_RING, a crypto verdict, or OK with *tag its signer's
 * linking tag.  Fails only when it could not judge. */
SZ_MUST_CHECK int sz_rcall_check_sig(uint8_t *verdict, uint8_t tag[static 32], const sz_rcall *c,
    const uint8_t scope_t[static 32], const sz_decide_entry *de, const uint8_t *sig,
    size_t siglen);

#endif /* SZ_DECIDE_RCALL_H */
