/*
 * invite.h - invitation codes: what a newcomer needs to reach the inviter's node and redeem one
 * invitation (docs/PROTOCOL.md §14).  Layer: app.  A code carries no cell name and no member: a
 * photograph of it gives an adversary one chance to race the newcomer for the seat (single use,
 * expiring, revocable) and the inviter node's address, and nothing to read: the join request and
 * answer are sealed by a Diffie-Hellman with a one-time key only the inviter holds (app/join.h).
 */
#ifndef SZ_APP_INVITE_H
#define SZ_APP_INVITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "samizdat.h"
#include "transport/net.h"

#define SZ_INVITE_VERSION 2
#define SZ_INVITE_TOKEN_BYTES 16
/* The longest code (an onion address), with its dashes and the NUL. */
#define SZ_INVITE_CODE_MAX 256

typedef struct sz_invite {
	uint8_t token[SZ_INVITE_TOKEN_BYTES]; /* the one-time secret */
	uint8_t node_key[32];                 /* the inviter node's transport key (Noise static) */
	uint8_t invite_pub[32];               /* the inviter's one-time X25519 key for this code */
	uint64_t expiry_ms;                   /* rounded down to the minute */
	bool has_addr;
	sz_addr addr;                         /* where the inviter's node serves, if known */
} sz_invite;

/* "sz1-abcde-fghij-..." (lower-case base32 in groups of 5, with a 32-bit check); out needs
 * SZ_INVITE_CODE_MAX bytes.  SZ_ERR_INVALID for an address that cannot be written, SZ_ERR_TOO_LARGE
 * if n is too small. */
SZ_MUST_CHECK int sz_invite_encode(const sz_invite *iv, char *out, size_t n);
/* Read a code as typed or scanned (case, dashes and spaces ignored).  SZ_ERR_MALFORMED when it is
 * not a code, SZ_ERR_CORRUPT when its check fails (a typo), SZ_ERR_UNSUPPORTED for a code of
 * another version (version 1 codes, whose join a photograph opens, are no longer accepted). */
SZ_MUST_CHECK int sz_invite_decode(sz_invite *iv, const char *code);

#endif /* SZ_APP_INVITE_H */
