/*
 * noise.h - the Noise Protocol Framework, revision 34 (noiseprotocol.org/noise.html), with
 * DH 25519, cipher ChaChaPoly and hash BLAKE2b (SHA512 and SHA256 also parse, for the vectors).
 * Layer: crypto.  Handshake patterns: the one-way N, K, X; the 12 fundamental interactive
 * patterns of §7.5 and the 23 deferred ones of §18.1; any pskN modifiers (§9).  No sockets and
 * no framing here: bytes in, bytes out (docs/PROTOCOL.md §5 (Noise links) gives the wire).
 *
 * Keys live in secret slots (sz_secret_slot_alloc: locked, kept out of core dumps, wiped when
 * released).  Each object is used from one thread at a time.
 *
 * Failure is final.  Any error (a bad tag, a truncated, oversized or surplus message, a low-order
 * key, an exhausted nonce, a call out of turn) wipes the object's keys and leaves it failed:
 * every later call returns SZ_ERR_STATE.  Nothing is ever retried under the same keys.
 */
#ifndef SZ_CRYPTO_NOISE_H
#define SZ_CRYPTO_NOISE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "samizdat.h"
#include "lib/env.h"

#define SZ_NOISE_MAX_MSG 65535     /* §3: every Noise message, handshake or transport */
#define SZ_NOISE_TAG_BYTES 16
#define SZ_NOISE_MAX_PLAINTEXT (SZ_NOISE_MAX_MSG - SZ_NOISE_TAG_BYTES)
#define SZ_NOISE_KEY_BYTES 32      /* DHLEN for 25519; a psk */
#define SZ_NOISE_HASH_MAX 64       /* HASHLEN of BLAKE2b and SHA512 */
#define SZ_NOISE_MAX_PSKS 4
#define SZ_NOISE_XX "Noise_XX_25519_ChaChaPoly_BLAKE2b"
#define SZ_NOISE_IK "Noise_IK_25519_ChaChaPoly_BLAKE2b"

typedef enum sz_noise_role {
	SZ_NOISE_INITIATOR = 1,
	SZ_NOISE_RESPONDER = 2,
} sz_noise_role;

/* What a handshake expects next. */
typedef enum sz_noise_next {
	SZ_NOISE_WRITE = 1,    /* call sz_noise_hs_write */
	SZ_NOISE_READ = 2,     /* call sz_noise_hs_read */
	SZ_NOISE_SPLIT = 3,    /* complete: call sz_noise_hs_split */
	SZ_NOISE_DONE = 4,     /* split already; only the hash and remote key remain */
	SZ_NOISE_FAILED = 5,   /* unusable */
} sz_noise_next;

typedef struct sz_noise_hs sz_noise_hs;          /* a HandshakeState (§5.3) */
typedef struct sz_noise_cipher sz_noise_cipher;  /* a transport CipherState (§5.1) */

/* How to start a handshake.  Every pointer is borrowed for the call only (copied). */
typedef struct sz_noise_config {
	const char *protocol;      /* e.g. SZ_NOISE_XX; the full protocol name of §8 */
	sz_noise_role role;
	const uint8_t *prologue;   /* may be NULL when prologue_len is 0 (§6) */
	size_t prologue_len;
	const uint8_t *s;          /* local static private key (32 bytes), or NULL */
	const uint8_t *s_pub;      /* its public key, to spare deriving it, or NULL (derived) */
	const uint8_t *rs;         /* remote static public key (32 bytes), or NULL */
	const uint8_t *psks;       /* npsks * 32 bytes, in the order the pattern uses them */
	size_t npsks;
	const sz_env *env;         /* randomness for the ephemeral key; required unless fixed_e */
	const uint8_t *fixed_e;    /* a fixed ephemeral private key, for test vectors only */
} sz_noise_config;

/*
 * Start a handshake (§5.3 Initialize).  *out is set to NULL on entry and, on success, to a new
 * object the caller releases with sz_noise_hs_free.  Errors: SZ_ERR_UNSUPPORTED for a protocol
 * name this module does not speak; SZ_ERR_INVALID when a key the pattern needs is missing, a
 * key it does not use is given, the number of psks does not match, or env is missing;
 * SZ_ERR_NOMEM.
 */
SZ_MUST_CHECK int sz_noise_hs_new(sz_noise_hs **out, const sz_noise_config *cfg);
/* Wipe and release (NULL is fine). */
void sz_noise_hs_free(sz_noise_hs *hs);

/* What the handshake expects next. */
sz_noise_next sz_noise_hs_next(const sz_noise_hs *hs);
/* True once the last handshake message was written or read. */
bool sz_noise_hs_is_complete(const sz_noise_hs *hs);

/*
 * Write the next handshake message (§5.3 WriteMessage) with payload (plen bytes; NULL if 0) into
 * out (cap bytes); *outlen gets its length (<= SZ_NOISE_MAX_MSG).  Errors (all final):
 * SZ_ERR_STATE when it is not this side's turn, SZ_ERR_TOO_LARGE when the message would exceed
 * 65535 bytes or cap, SZ_ERR_CRYPTO when a DH gives all zeros (a low-order remote key).
 */
SZ_MUST_CHECK int sz_noise_hs_write(sz_noise_hs *hs, const uint8_t *payload, size_t plen,
    uint8_t *out, size_t cap, size_t *outlen);
/*
 * Read the next handshake message (§5.3 ReadMessage); its payload goes to payload (cap bytes),
 * its length to *plen.  Errors (all final): SZ_ERR_STATE (not our turn), SZ_ERR_TOO_LARGE
 * (msg over 65535 bytes, or payload over cap), SZ_ERR_TRUNCATED (shorter than its keys and tag),
 * SZ_ERR_DECRYPT (a key or payload fails authentication: forged, or a wrong prologue, psk or
 * static key), SZ_ERR_CRYPTO (a low-order key).
 */
SZ_MUST_CHECK int sz_noise_hs_read(sz_noise_hs *hs, const uint8_t *msg, size_t mlen,
    uint8_t *payload, size_t cap, size_t *plen);

/*
 * Split a complete handshake (§5.2 Split) into this side's sending and receiving CipherStates;
 * the caller frees both.  One-way patterns (N, K, X) give the initiator only a sender and the
 * responder only a receiver: the other is set to NULL.  The handshake's chaining key is wiped;
 * its hash and the remote static key stay readable.  SZ_ERR_STATE unless complete and not yet
 * split; SZ_ERR_NOMEM.
 */
SZ_MUST_CHECK int sz_noise_hs_split(sz_noise_hs *hs, sz_noise_cipher **send,
    sz_noise_cipher **recv);
/* Copy the handshake hash h (§5.2 GetHandshakeHash; for channel binding) into h, its length
 * (32 or 64) into *hlen.  SZ_ERR_STATE until the handshake is complete. */
SZ_MUST_CHECK int sz_noise_hs_hash(const sz_noise_hs *hs, uint8_t h[static SZ_NOISE_HASH_MAX],
    size_t *hlen);
/* Copy the remote static public key, once known (given, or received and authenticated so far).
 * SZ_ERR_NOT_FOUND if none is known yet; SZ_ERR_STATE if the handshake failed. */
SZ_MUST_CHECK int sz_noise_hs_remote_static(const sz_noise_hs *hs,
    uint8_t rs[static SZ_NOISE_KEY_BYTES]);

/*
 * Transport (§5.1 EncryptWithAd / DecryptWithAd with empty ad).  Encrypt ptlen <= 65519 bytes
 * into out (cap >= ptlen + 16); decrypt ctlen bytes (16..65535) into out (cap >= ctlen - 16).
 * out may equal the input.  Nonces count up from 0; a message is accepted only in order.
 * Errors (all final): SZ_ERR_TOO_LARGE, SZ_ERR_TRUNCATED, SZ_ERR_DECRYPT, SZ_ERR_LIMIT (nonce
 * 2^64-1 reached), SZ_ERR_STATE (already failed).
 */
SZ_MUST_CHECK int sz_noise_encrypt(sz_noise_cipher *c, const uint8_t *pt, size_t ptlen,
    uint8_t *out, size_t cap, size_t *outlen);
SZ_MUST_CHECK int sz_noise_decrypt(sz_noise_cipher *c, const uint8_t *ct, size_t ctlen,
    uint8_t *out, size_t cap, size_t *outlen);
/* §11.3 Rekey: k = the first 32 bytes of ENCRYPT(k, 2^64-1, empty, 32 zeros); n is kept. */
SZ_MUST_CHECK int sz_noise_rekey(sz_noise_cipher *c);
/* The next nonce this CipherState will use. */
uint64_t sz_noise_cipher_nonce(const sz_noise_cipher *c);
/* Move the nonce forward to n (§5.1 SetNonce, forward only so nothing is ever replayed or
 * re-encrypted).  SZ_ERR_INVALID if n is below the current nonce.  For tests of exhaustion and
 * for protocols that skip messages. */
SZ_MUST_CHECK int sz_noise_cipher_set_nonce(sz_noise_cipher *c, uint64_t n);
/* True once the CipherState has failed. */
bool sz_noise_cipher_failed(const sz_noise_cipher *c);
/* Wipe and release (NULL is fine). */
void sz_noise_cipher_free(sz_noise_cipher *c);

#endif /* SZ_CRYPTO_NOISE_H */
