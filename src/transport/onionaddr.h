/*
 * onionaddr.h - v3 onion service addresses and keys as text: checks and decoding.
 * Layer: transport.  Spec: torspec rend-spec-v3.txt section 6 ("[ONIONADDRESS]": base32 of
 * PUBKEY(32) | CHECKSUM(2) | VERSION(1), VERSION = 3) and control-spec ADD_ONION key blobs.
 * The checksum (SHA3-256) is not verified here: libsodium has no SHA3; Tor verifies it.
 */
#ifndef SZ_TRANSPORT_ONIONADDR_H
#define SZ_TRANSPORT_ONIONADDR_H

#include <stddef.h>
#include <stdint.h>

#include "samizdat.h"

#define SZ_ONION_ID_LEN 56          /* base32 characters of a v3 service id */
#define SZ_ONION_ID_BUF 57          /* with its NUL */
#define SZ_ONION_HOST_BUF 63        /* "<id>.onion" with its NUL */
#define SZ_ONION_PK_BYTES 32        /* the service's Ed25519 identity key */
#define SZ_ONION_KEY_PREFIX "ED25519-V3:"
#define SZ_ONION_KEY_B64_LEN 88     /* base64 (with padding) of the 64-byte expanded secret key */
#define SZ_ONION_KEY_BUF (sizeof SZ_ONION_KEY_PREFIX - 1 + SZ_ONION_KEY_B64_LEN + 1)

/* SZ_OK when id is a v3 service id: 56 characters of lower-case base32 (a-z, 2-7) decoding to a
 * version byte of 3; else SZ_ERR_MALFORMED. */
SZ_MUST_CHECK int sz_onion_id_check(const char *id);

/* SZ_OK when host is "<id>.onion" (lower case) with a valid id, else SZ_ERR_MALFORMED. */
SZ_MUST_CHECK int sz_onion_host_check(const char *host);

/* Decode the identity public key of a service id (checked as sz_onion_id_check). */
SZ_MUST_CHECK int sz_onion_id_pubkey(const char *id, uint8_t pk[static SZ_ONION_PK_BYTES]);

/* SZ_OK when key is "ED25519-V3:" followed by the canonical base64 of exactly 64 bytes (the
 * form ADD_ONION returns and accepts); else SZ_ERR_MALFORMED.  The decoded key is wiped; the
 * decoder is libsodium's, whose digit mapping does not branch on the key's bytes. */
SZ_MUST_CHECK int sz_onion_key_check(const char *key);

/*
 * Write into key the ADD_ONION blob of the Ed25519 key whose 32-byte seed is seed (RFC 8032
 * section 5.1.5: SHA-512 of the seed, the low half clamped, is the secret scalar and the high
 * half the nonce prefix; Tor's "expanded" key is exactly those 64 bytes).  Lets a node derive its
 * onion key from a secret it already keeps, and know its address before Tor runs.  key should be
 * in guarded memory; the intermediate hash is wiped.
 */
SZ_MUST_CHECK int sz_onion_key_from_seed(char key[static SZ_ONION_KEY_BUF],
    const uint8_t seed[static 32]);

#endif /* SZ_TRANSPORT_ONIONADDR_H */
