/*
 * envelope.h - how entries travel and rest: public (plain-signed) or sealed, padded to size buckets
 * (docs/PROTOCOL.md §3).  Layer: wire.
 *
 * envelope := format u8 || scope[16] || rest, total length one of the buckets.
 *   public (0x01): rest = u32 entry_len || entry || zeros up to the smallest bucket that fits
 *   sealed (0x02): rest = nonce[24] || ciphertext-with-tag; the bytes under the seal (their layout
 *                  belongs to the cell layer) are padded inside the seal so the total is a bucket.
 * A relay can check a public envelope completely; a sealed one only for its shape.
 */
#ifndef SZ_WIRE_ENVELOPE_H
#define SZ_WIRE_ENVELOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "samizdat.h"
#include "wire/entry.h"

#define SZ_ENV_PUBLIC 0x01
#define SZ_ENV_SEALED 0x02
#define SZ_SCOPE_BYTES 16
#define SZ_ENV_HEADER_BYTES (1 + SZ_SCOPE_BYTES)
#define SZ_ENV_NONCE_BYTES 24
#define SZ_ENV_TAG_BYTES 16
/* Overhead of a sealed envelope around its sealed plaintext: header, nonce, AEAD tag. */
#define SZ_ENV_SEAL_OVERHEAD (SZ_ENV_HEADER_BYTES + SZ_ENV_NONCE_BYTES + SZ_ENV_TAG_BYTES)

#define SZ_ENV_NBUCKETS 6
#define SZ_ENV_MAX_BYTES 131072
/* The allowed envelope sizes: 256 B, 1 KiB, 4 KiB, 16 KiB, 64 KiB, 128 KiB. */
extern const size_t sz_env_buckets[SZ_ENV_NBUCKETS];

/* The smallest bucket >= n, or 0 if n exceeds the largest. */
size_t sz_env_bucket_for(size_t n);

/* The scope of public leaflets: the first 16 bytes of BLAKE2b-256("samizdat public leaflets v1"). */
void sz_env_public_scope(uint8_t scope[static SZ_SCOPE_BYTES]);

/* A parsed envelope; pointers borrow from the envelope bytes. */
typedef struct sz_envelope {
	uint8_t format;
	uint8_t scope[SZ_SCOPE_BYTES];
	/* public: the entry, decoded and verified */
	sz_entry entry;
	uint8_t entry_id[32];
	const uint8_t *entry_bytes;
	size_t entry_len;
	/* sealed: the nonce and the ciphertext (with its tag) */
	const uint8_t *nonce;
	const uint8_t *ct;
	size_t ct_len;
} sz_envelope;

/* Wrap an encoded entry as a public envelope in the public scope (*out malloc()ed; caller frees). */
SZ_MUST_CHECK int sz_env_wrap_public(uint8_t **out, size_t *outlen, const uint8_t *entry,
    size_t entry_len);

/* Seal: plaintext (any bytes, at most the largest bucket minus overhead and the 4-byte length) is
 * framed as u32 len || plaintext || zeros so the envelope fills the smallest bucket, then encrypted
 * with XChaCha20-Poly1305 under key, with a fresh random nonce from nonce (24 bytes, caller-chosen
 * so tests are deterministic), the header (format, scope) as associated data.  *out malloc()ed. */
SZ_MUST_CHECK int sz_env_seal(uint8_t **out, size_t *outlen, const uint8_t scope[static SZ_SCOPE_BYTES],
    const uint8_t *plaintext, size_t plen, const uint8_t key[static 32],
    const uint8_t nonce[static SZ_ENV_NONCE_BYTES]);

/* Open a sealed envelope with key: on success *pt points into *buf, a malloc()ed buffer of
 * *buflen bytes (the caller wipes and frees it: sz_env_open_free does both), and *ptlen is the
 * plaintext length.  SZ_ERR_DECRYPT if the key is wrong or anything was altered;
 * SZ_ERR_NONCANONICAL if the padding is not zeros.  On error *buf is NULL. */
SZ_MUST_CHECK int sz_env_open(uint8_t **buf, size_t *buflen, const uint8_t **pt, size_t *ptlen,
    const sz_envelope *env, const uint8_t key[static 32]);
/* Wipe and free what sz_env_open returned (NULL is fine). */
void sz_env_open_free(uint8_t *buf, size_t buflen);

/* Parse an envelope: checks format, a bucket length, and for public envelopes the whole entry
 * (decoded, signature verified, canonical padding and smallest bucket).  max_body as in
 * sz_entry_decode.  Errors as sz_entry_decode, plus SZ_ERR_MALFORMED for a wrong length. */
SZ_MUST_CHECK int sz_env_parse(sz_envelope *env, const uint8_t *buf, size_t len, size_t max_body);

/* The envelope id: BLAKE2b-256 of the envelope bytes (what reconciliation exchanges). */
SZ_MUST_CHECK int sz_env_id(uint8_t id[static 32], const uint8_t *buf, size_t len);

/* An envelope on its way in, parsed and hashed once here, at the lowest layer, and handed up as
 * a checked value: no layer above parses, hashes or verifies it again (the store files it, the
 * node routes it by its id).  Its pointers borrow from buf, which must outlive it. */
typedef struct sz_env_in {
	const uint8_t *buf;
	size_t len;
	uint8_t id[32];         /* BLAKE2b-256 of buf (once checked, or given to sz_env_in_init) */
	bool have_id;
	int err;                /* SZ_OK once checked and valid; SZ_ERR_AGAIN before the check;
	                         * else why it is refused (sz_env_parse's errors) */
	sz_envelope env;        /* err SZ_OK: parsed; a public one's entry decoded and verified */
} sz_env_in;

/* Make in the unchecked envelope buf (len bytes).  id: its id if the caller hashed it already
 * (a sync session does, to see whether it was asked for), else NULL. */
void sz_env_in_init(sz_env_in *in, const uint8_t *buf, size_t len, const uint8_t *id);

/* Check it: its id (unless given) and sz_env_parse with max_body; in->err gets the verdict.
 * Touches nothing but *in and the bytes it reads: safe to run for different values on several
 * threads at once (a node does, on its pool). */
void sz_env_in_check(sz_env_in *in, size_t max_body);

#endif /* SZ_WIRE_ENVELOPE_H */
