/*
 * noise_pattern.h - private to noise.c: Noise protocol names (§8) parsed into token lists.
 * Layer: crypto.  The handshake patterns of §7.4, §7.5 and §18.1 are a table of strings in
 * noise_pattern.c, copied from the specification; psk modifiers (§9.4) are applied here.
 */
#ifndef SZ_CRYPTO_NOISE_PATTERN_H
#define SZ_CRYPTO_NOISE_PATTERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"
#include "crypto/noise.h"

enum sz_noise_token {
	SZ_NT_E = 1,
	SZ_NT_S,
	SZ_NT_EE,
	SZ_NT_ES,
	SZ_NT_SE,
	SZ_NT_SS,
	SZ_NT_PSK,
};

#define SZ_NOISE_MAX_MSGS 6
#define SZ_NOISE_MAX_TOKENS 12
#define SZ_NOISE_MAX_NAME 128

/* A parsed protocol: message i is sent by the initiator when i is even (interactive patterns)
 * or always (one-way patterns, which have one message). */
typedef struct sz_noise_protocol {
	sz_hash_alg hash;
	bool one_way;
	bool pre_s_init;      /* "-> s" pre-message: the responder knows the initiator's static */
	bool pre_s_resp;      /* "<- s" pre-message: the initiator knows the responder's static */
	bool init_sends_s;    /* an "s" token in a message the initiator sends */
	bool resp_sends_s;
	size_t npsk;          /* psk tokens; psk mode (§9.2) when > 0 */
	size_t nmsgs;
	uint8_t ntok[SZ_NOISE_MAX_MSGS];
	uint8_t tok[SZ_NOISE_MAX_MSGS][SZ_NOISE_MAX_TOKENS];
} sz_noise_protocol;

/* Parse a full protocol name such as "Noise_XXpsk3_25519_ChaChaPoly_BLAKE2b" into *p.
 * SZ_ERR_UNSUPPORTED for anything outside the patterns, modifiers and functions we speak. */
SZ_MUST_CHECK int sz_noise_protocol_parse(const char *name, sz_noise_protocol *p);

#endif /* SZ_CRYPTO_NOISE_PATTERN_H */
