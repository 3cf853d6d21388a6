/*
 * decide_int.h - the inside of the decide layer, shared by its modules (roster.c, ballot.c,
 * tally.c, pledge.c, declare.c).  Layer: decide.  Not for other layers.
 */
#ifndef SZ_DECIDE_DECIDE_INT_H
#define SZ_DECIDE_DECIDE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/pop.h"
#include "decide/decide.h"
#include "lib/bytes.h"

/* A voting key in sodium_malloc()ed memory (sz_secret_alloc). */
struct sz_vote_key {
	uint8_t sk[SZ_VOTE_SK_BYTES];
	uint8_t pk[SZ_VOTE_PK_BYTES];
	int erased;
};

/* Map an error of sz_lsag_verify or sz_lsag_tag_verify to a verdict.  Errors that say nothing
 * about the input (out of memory, internal) are returned as they are (negative); the caller
 * stops. */
int sz_decide_crypto_verdict(int err);

/* Index of pk in a strictly increasing roster of n keys, or n if absent (binary search). */
size_t sz_decide_roster_find(const uint8_t (*keys)[32], size_t n, const uint8_t pk[static 32]);

/* Check that keys (n of them) are a roster: SZ_DECIDE_MIN_RING <= n <= SZ_DECIDE_MAX_RING,
 * strictly increasing (hence distinct) and valid non-identity points.  SZ_ERR_DENIED (too small),
 * SZ_ERR_TOO_LARGE, SZ_ERR_NONCANONICAL (order), SZ_ERR_CRYPTO (a point). */
int sz_decide_roster_check(const uint8_t (*keys)[32], size_t n);

/* The roster that ends a proposal or a pledge call: n u16, then n keys, then nothing.  Reads it
 * from rd, checks it (sz_decide_roster_check) and computes its id; *small is set when n is below
 * SZ_DECIDE_WARN_RING.  Errors of the reader, SZ_ERR_TOO_LARGE, and of the check. */
int sz_decide_read_roster(sz_rd *rd, const uint8_t (**roster)[32], size_t *n,
    uint8_t roster_id[static 32], int *small);

/* A call (proposal or pledge call) decoded from entry de: SZ_ERR_EXPIRED if its deadline is not
 * after the entry's time; else its id and creation time are set. */
int sz_decide_call_stamp(const sz_decide_entry *de, uint64_t deadline_ms, uint8_t id[static 32],
    uint64_t *created_ms);

/* Sign msg (msglen bytes) with the LSAG of crypto/lsag.h over the roster as key's holder, in the
 * scope scope_t: appends SZ_LSAG_SIG_BYTES(n) bytes to b.  Errors: SZ_ERR_WIPED (the key was
 * erased), SZ_ERR_NOT_MEMBER (its public key is not on the roster), errors of sz_lsag_sign. */
int sz_decide_ring_sign(sz_buf *b, const uint8_t *msg, size_t msglen,
    const uint8_t (*roster)[32], size_t n, const struct sz_vote_key *key,
    const uint8_t scope_t[static 32], const sz_env *env);

/* SZ_OK if siglen is 32·(k+2) for a ring size SZ_DECIDE_MIN_RING <= k <= SZ_DECIDE_MAX_RING;
 * SZ_ERR_TRUNCATED if shorter, else SZ_ERR_MALFORMED. */
int sz_decide_sig_len_check(size_t siglen);

/* Append the domain-separated message an anonymous signature covers: ctx (its bytes, no NUL)
 * followed by the body bytes before the signature. */
void sz_decide_signed_msg(sz_buf *m, const char *ctx, const uint8_t *body, size_t prefix_len);

#endif /* SZ_DECIDE_DECIDE_INT_H */
