/*
 * join.h - redeeming an invitation (docs/PROTOCOL.md §14.2-14.3): the newcomer's join request,
 * sealed by a Diffie-Hellman with the inviter's one-time key (invite_pub, from the code) and
 * carrying a proof that its sender holds the identity key it names; and the inviter's answer,
 * sealed under the same Diffie-Hellman.  A photograph of the code opens neither.  Layer: app.
 * Pure functions of their inputs (randomness through env): no store, no node, no I/O.
 */
#ifndef SZ_APP_JOIN_H
#define SZ_APP_JOIN_H

#include <stddef.h>
#include <stdint.h>

#include "samizdat.h"
#include "cell/cell.h"
#include "lib/bytes.h"
#include "lib/env.h"

/* e_pub[32] ‖ ChaCha20-Poly1305(token[16] ‖ identity[32] ‖ prekey[32] ‖ csk[32] ‖ proof[32]) */
#define SZ_JOIN_REQUEST_BYTES (32 + 16 + 4 * 32 + 16)
/* The sealed answer: code i32 ‖ welcome, and the tag. */
#define SZ_JOIN_ANSWER_MAX (4 + SZ_CELL_WELCOME_MAX + 16)

/* What the newcomer keeps from its request until the answer comes: the keys it named (the welcome
 * is sealed to the prekey) and the key that opens the answer.  All secret: wipe after. */
typedef struct sz_join_secrets {
	sz_cell_joinkeys keys;
	uint8_t e_pub[32];        /* the request's ephemeral key (bound into the answer) */
	uint8_t answer_key[32];
} sz_join_secrets;

/* A request as the inviter opened it.  answer_key is secret: wipe the struct after. */
typedef struct sz_join_request {
	uint8_t e_pub[32];
	uint8_t identity[32];     /* Ed25519: who asks to join (proved, if open returned SZ_OK) */
	uint8_t prekey[32];       /* X25519: the welcome is sealed to it */
	uint8_t csk[32];          /* Ed25519: the newcomer's first cell signing key */
	uint8_t answer_key[32];
} sz_join_request;

/* The newcomer: make fresh joinkeys and an ephemeral key, and seal a request for the invitation
 * (token, invite_pub) naming the identity of id_sk (libsodium layout: seed ‖ public key; the
 * proof is made from the seed, the identity named is the public half) into req.  js receives what
 * opens the answer.  SZ_ERR_CRYPTO if invite_pub is a low-order point.  js and req are zeroed on
 * error. */
SZ_MUST_CHECK int sz_join_request_seal(const sz_env *env, const uint8_t token[static 16],
    const uint8_t invite_pub[static 32], const uint8_t id_sk[static 64], sz_join_secrets *js,
    uint8_t req[static SZ_JOIN_REQUEST_BYTES]);

/* The inviter: open request bytes with one invitation's token and one-time key pair, and check
 * the proof.  SZ_ERR_MALFORMED if len is not SZ_JOIN_REQUEST_BYTES, SZ_ERR_DECRYPT if it is not
 * a request for this invitation (try the next one), SZ_ERR_BAD_SIGNATURE if it opens but does not
 * prove possession of the identity it names (rq is filled: answer the refusal under
 * rq->answer_key, and keep the invitation open).  rq is zeroed on the other errors. */
SZ_MUST_CHECK int sz_join_request_open(sz_join_request *rq, const uint8_t *req, size_t len,
    const uint8_t token[static 16], const uint8_t invite_sk[static 32],
    const uint8_t invite_pub[static 32]);

/* The inviter: append the answer (code, and welcome if code is SZ_OK; welcome may be NULL when
 * wlen is 0) sealed to the newcomer of rq to out.  SZ_ERR_TOO_LARGE past SZ_JOIN_ANSWER_MAX. */
SZ_MUST_CHECK int sz_join_answer_seal(sz_buf *out, const sz_join_request *rq, int code,
    const uint8_t *welcome, size_t wlen);

/* The newcomer: open an answer with js.  *code receives the inviter's verdict (SZ_OK or a
 * negative sz_err); when it is SZ_OK, *welcome (malloc()ed, the caller frees) and *wlen the
 * welcome.  SZ_ERR_DECRYPT if the answer is not for this request or was altered,
 * SZ_ERR_MALFORMED if it opens but is not an answer. */
SZ_MUST_CHECK int sz_join_answer_open(const sz_join_secrets *js, const uint8_t *ans, size_t len,
    int *code, uint8_t **welcome, size_t *wlen);

#endif /* SZ_APP_JOIN_H */
