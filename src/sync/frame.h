/*
 * frame.h - the frames of a sync session, as they travel inside the Noise stream
 * (docs/PROTOCOL.md §7).  Layer: sync.  Pure encoding and strict decoding; no state.
 *
 * frame := len u32 ‖ type u8 ‖ payload[len - 1]        1 <= len <= SZ_FRAME_MAX
 */
#ifndef SZ_SYNC_FRAME_H
#define SZ_SYNC_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "samizdat.h"
#include "lib/bytes.h"

#define SZ_FRAME_MAX (4u << 20)        /* type + payload: a RIBLT batch of 65,536 cells fits */
#define SZ_FRAME_HDR 5
#define SZ_TOKEN_BYTES 16
#define SZ_HELLO_MAX_TOKENS 4096
#define SZ_BATCH_MAX_ENVELOPES 4096     /* per ENVELOPES frame (issue 16: was 256) */
#define SZ_IDS_MAX_PER_FRAME 16384     /* 512 KiB of ids */

enum sz_frame_type {
	SZ_FR_HELLO = 0x01,     /* version, recon methods, scope tokens */
	SZ_FR_SYMBOLS = 0x02,   /* a batch of RIBLT coded symbols */
	SZ_FR_MORE = 0x03,      /* the decoder needs more symbols */
	SZ_FR_DECODED = 0x04,   /* the difference: ids wanted, and how many will be sent */
	SZ_FR_ENVELOPES = 0x05, /* a batch of envelopes */
	SZ_FR_ACK = 0x06,       /* a batch was processed: stored and rejected counts */
	SZ_FR_FIN = 0x07,       /* nothing more to send; everything sent was acknowledged */
	SZ_FR_ERROR = 0x08,     /* the sender gives up: code and a short text */
	SZ_FR_IDS = 0x09,       /* list reconciliation: a chunk of the initiator's ids */
	SZ_FR_IDS_END = 0x0a,   /* list reconciliation: that was all */
	SZ_FR_JOIN = 0x0b,      /* an invitation is being redeemed (§11) */
	SZ_FR_WELCOME = 0x0c,   /* the inviter's answer to JOIN (§11) */
	SZ_FR_NEG = 0x0d,       /* one Negentropy v1 message (compatibility method) */
};

/* Recon methods, as bits in HELLO. */
enum {
	SZ_RECON_RIBLT = 0x01,
	SZ_RECON_LIST = 0x02,
	SZ_RECON_NEGENTROPY = 0x04,
};

typedef struct sz_frame {
	uint8_t type;
	const uint8_t *payload; /* borrowed */
	size_t len;             /* payload length */
} sz_frame;

/* Append a frame to b. */
void sz_frame_put(sz_buf *b, uint8_t type, const uint8_t *payload, size_t len);
/* Begin a frame in b whose payload the caller appends; sz_frame_end fixes its length. */
size_t sz_frame_begin(sz_buf *b, uint8_t type);
void sz_frame_end(sz_buf *b, size_t at);

/* Take one frame from the front of p[0..n): SZ_OK with *used set, SZ_ERR_AGAIN if incomplete,
 * SZ_ERR_TOO_LARGE / SZ_ERR_MALFORMED for a length out of bounds. */
SZ_MUST_CHECK int sz_frame_get(const uint8_t *p, size_t n, sz_frame *f, size_t *used);

/* HELLO payload: version u8 ‖ methods u8 ‖ ntokens u16 ‖ tokens[ntokens][16]. */
typedef struct sz_hello {
	uint8_t version;
	uint8_t methods;
	uint16_t ntokens;
	const uint8_t *tokens; /* borrowed */
} sz_hello;
SZ_MUST_CHECK int sz_hello_parse(sz_hello *h, const uint8_t *p, size_t n);

/* DECODED payload: total_want u32 ‖ nsend u32 ‖ count u32 ‖ want[count][32].  The decoder sends
 * as many DECODED frames as it takes for the want list (count <= SZ_IDS_MAX_PER_FRAME each);
 * total_want and nsend are the same in each. */
/* total_want value meaning "I hold nothing in these scopes: send everything" (RIBLT only). */
#define SZ_DECODED_ALL 0xffffffffu

typedef struct sz_decoded {
	uint32_t total_want;
	uint32_t nsend;
	uint32_t count;
	const uint8_t *want;
} sz_decoded;
SZ_MUST_CHECK int sz_decoded_parse(sz_decoded *d, const uint8_t *p, size_t n);

/* ENVELOPES payload: count u16 ‖ (len u32 ‖ envelope[len]) * count.  Calls fn for each after the
 * whole batch was checked for shape (every length within bounds and the payload exactly used). */
SZ_MUST_CHECK int sz_envelopes_parse(const uint8_t *p, size_t n, size_t *count,
    int (*fn)(void *ctx, const uint8_t *env, size_t len), void *ctx);

/* IDS payload: count u32 ‖ (scope[16] ‖ id[32]) * count. */
SZ_MUST_CHECK int sz_ids_parse(const uint8_t *p, size_t n, uint32_t *count, const uint8_t **recs);

/* ACK payload: stored u32 ‖ rejected u32.  ERROR payload: code i32 ‖ text (UTF-8, <= 200). */
SZ_MUST_CHECK int sz_ack_parse(const uint8_t *p, size_t n, uint32_t *stored, uint32_t *rejected);

#endif /* SZ_SYNC_FRAME_H */
