/*
 * identity.h - a node's identity key as people see it: the fingerprint they compare aloud or on
 * paper (docs/PROTOCOL.md §1).  Layer: wire.
 */
#ifndef SZ_WIRE_IDENTITY_H
#define SZ_WIRE_IDENTITY_H

#include <stddef.h>
#include <stdint.h>

#include "samizdat.h"

/* 160 bits of BLAKE2b over the key, in 32 base32 characters as 8 groups of 4 joined by spaces. */
#define SZ_FINGERPRINT_BITS 160
#define SZ_FINGERPRINT_CHARS 32
#define SZ_FINGERPRINT_TEXT (SZ_FINGERPRINT_CHARS + 7 + 1) /* groups, spaces, NUL */

/* Write the fingerprint of an Ed25519 public key: e.g. "k3xq 7m2a ... 9bfe" (NUL-terminated). */
SZ_MUST_CHECK int sz_fingerprint(char out[static SZ_FINGERPRINT_TEXT], const uint8_t pk[static 32]);

/* Compare a fingerprint typed by a person (any case, spaces or dashes anywhere; the digits 0 and 1,
 * which base32 lacks, are read as the letters o and l they resemble) with pk: SZ_OK if it matches,
 * SZ_ERR_MALFORMED if it is not a fingerprint, SZ_ERR_BAD_SIGNATURE if it is another key's. */
SZ_MUST_CHECK int sz_fingerprint_check(const char *typed, const uint8_t pk[static 32]);

/* Lower-case RFC 4648 base32 without padding: out needs (8*n+4)/5 + 1 bytes. */
void sz_base32_encode(char *out, const uint8_t *in, size_t n);
/* Decode exactly n bytes from base32 text of length (8*n+4)/5, rejecting non-zero spare bits. */
SZ_MUST_CHECK int sz_base32_decode(uint8_t *out, size_t n, const char *text, size_t len);

#endif /* SZ_WIRE_IDENTITY_H */
