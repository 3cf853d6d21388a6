/*
 * roster.h - voting keys (one per member per cell, held in secret memory and erased when the
 * cell's retention ends), their enrollments with proofs of possession, and rosters: the sorted,
 * de-duplicated rings of voting keys that proposals and pledge calls snapshot.
 * Layer: decide.  The cell layer stores keys and enrollments; this module judges them.
 */
#ifndef SZ_DECIDE_ROSTER_H
#define SZ_DECIDE_ROSTER_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/pop.h"
#include "decide/decide.h"

#define SZ_ROSTER_DST "samizdat-v1-roster"
/* member_id (32) || voting public key (32) || proof of possession (64) */
#define SZ_ENROLLMENT_BYTES (32 + SZ_VOTE_PK_BYTES + SZ_POP_BYTES)

/* --- Voting keys ------------------------------------------------------------------------- */

/* A member's voting key for one cell: the secret scalar lives in sodium_malloc()ed memory. */
typedef struct sz_vote_key sz_vote_key;

/* Make a fresh voting key from env's randomness.  *out is NULL on error.  SZ_ERR_NOMEM. */
SZ_MUST_CHECK int sz_vote_key_new(sz_vote_key **out, const sz_env *env);
/* Load a stored secret (32 bytes, canonical and non-zero).  The caller wipes its copy of sk.
 * Errors: SZ_ERR_NONCANONICAL, SZ_ERR_INVALID (zero), SZ_ERR_NOMEM; *out is NULL on error. */
SZ_MUST_CHECK int sz_vote_key_load(sz_vote_key **out, const uint8_t sk[static SZ_VOTE_SK_BYTES]);
/* Copy the secret out so the caller can store it (encrypted at rest); the caller wipes sk.
 * SZ_ERR_WIPED once the key was erased (sk is then zeroed). */
SZ_MUST_CHECK int sz_vote_key_export(const sz_vote_key *k, uint8_t sk[static SZ_VOTE_SK_BYTES]);
/* The public key; it survives erasure (the roster keeps it). */
void sz_vote_key_public(const sz_vote_key *k, uint8_t pk[static SZ_VOTE_PK_BYTES]);
/* Erase the secret now: it is wiped, and every later use of k to sign, reveal or export fails
 * with SZ_ERR_WIPED.  The caller must also erase every stored copy (sz_vote_secret_wipe).  Used
 * when the cell's retention period ends: without the secret nobody, not even a coercer who seizes
 * the device later, can compute this member's tags and find their ballots and pledges. */
void sz_vote_key_erase(sz_vote_key *k);
/* Erase k if now_ms >= retention_end_ms.  Returns 1 if k is erased (now or before), else 0. */
int sz_vote_key_expire(sz_vote_key *k, uint64_t now_ms, uint64_t retention_end_ms);
/* 1 if the key was erased. */
int sz_vote_key_erased(const sz_vote_key *k);
/* Wipe a voting secret held elsewhere (a buffer the store decrypted into). */
void sz_vote_secret_wipe(uint8_t sk[static SZ_VOTE_SK_BYTES]);
/* Release k (wiping it); accepts NULL. */
void sz_vote_key_free(sz_vote_key *k);

/* The key's linking tag in the scope of tag base scope_t (crypto/lsag.h): a node finds its own
 * ballots and pledges by it.  SZ_ERR_WIPED after erasure; errors of sz_lsag_tag. */
SZ_MUST_CHECK int sz_vote_key_tag(uint8_t tag[static 32], const sz_vote_key *k,
    const uint8_t scope_t[static 32]);

/* --- Enrollments: a voting key, bound to one cell and one member ------------------------- */

/* member_id is the 32-byte id under which the cell layer knows the member: its identity key
 * (docs/PROTOCOL.md §13.2).  Enrollments travel sealed in the cell; a roster lists voting keys
 * only, never member ids. */
typedef struct sz_enrollment {
	uint8_t member_id[32];
	uint8_t pk[SZ_VOTE_PK_BYTES];
	uint8_t pop[SZ_POP_BYTES];
} sz_enrollment;

/* Enroll k's public key in cell_id as member_id, with a fresh proof of possession.
 * SZ_ERR_WIPED after erasure; errors of sz_pop_prove.  en is zeroed on error. */
SZ_MUST_CHECK int sz_enrollment_make(sz_enrollment *en, const sz_vote_key *k,
    const uint8_t cell_id[static 32], const uint8_t member_id[static 32], const sz_env *env);
/* SZ_OK if en's proof holds for its key, cell_id and its member; errors of sz_pop_verify. */
SZ_MUST_CHECK int sz_enrollment_verify(const sz_enrollment *en, const uint8_t cell_id[static 32]);
void sz_enrollment_encode(uint8_t out[static SZ_ENROLLMENT_BYTES], const sz_enrollment *en);
/* Exactly SZ_ENROLLMENT_BYTES bytes (else SZ_ERR_TRUNCATED / SZ_ERR_MALFORMED); the proof is
 * not checked here. */
SZ_MUST_CHECK int sz_enrollment_decode(sz_enrollment *en, const uint8_t *buf, size_t len);

/* --- Rosters ----------------------------------------------------------------------------- */

/* roster_id = BLAKE2b-256(SZ_ROSTER_DST || u16be(n) || keys[0] || ... || keys[n-1]) over a
 * canonical roster (sorted, distinct).  SZ_ERR_INVALID if n > SZ_DECIDE_MAX_RING. */
SZ_MUST_CHECK int sz_roster_id(uint8_t id[static 32], const uint8_t (*keys)[32], size_t n);

/* Sort keys (n of them) bytewise in place and drop repeats; *nout receives the new count.
 * Errors: SZ_ERR_CRYPTO (a key is not a valid non-identity point; keys are left unsorted). */
SZ_MUST_CHECK int sz_roster_canonicalize(uint8_t (*keys)[32], size_t n, size_t *nout);

/* Admit enrollments into a roster: each proof is checked against cell_id; keys_out (room for
 * count keys, caller-allocated) receives the admitted keys, sorted and distinct, and *nout their
 * number.  verdicts (NULL, or count bytes) receives per enrollment SZ_VERDICT_OK, _DUPLICATE (its
 * key was already admitted under another enrollment: counted once), _BAD_POINT, _NONCANONICAL
 * or _BAD_SIGNATURE; the duplicate is the one that sorts later by (key, member_id).  The size
 * bounds are not applied here (a cell may hold fewer members than a ballot needs).
 * Errors: SZ_ERR_NOMEM, SZ_ERR_TOO_LARGE (count > 65535). */
SZ_MUST_CHECK int sz_roster_admit(uint8_t (*keys_out)[32], size_t *nout, uint8_t *verdicts,
    const uint8_t cell_id[static 32], const sz_enrollment *en, size_t count);

/* Compare a snapshot roster (keys, n; canonical) with the cell's admitted keys (admitted,
 * nadmitted; canonical): SZ_OK if every snapshot key is admitted, else SZ_ERR_NOT_MEMBER.
 * *missing (if not NULL) receives how many admitted keys the snapshot leaves out, so the interface
 * can say "3 members are not on this proposal's roster". */
SZ_MUST_CHECK int sz_roster_compare(const uint8_t (*keys)[32], size_t n,
    const uint8_t (*admitted)[32], size_t nadmitted, size_t *missing);

#endif /* SZ_DECIDE_ROSTER_H */
