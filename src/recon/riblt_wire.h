/*
 * riblt_wire.h - samizdat's Rateless IBLT session: how ids become symbols, the key, and the five
 * messages (HELLO, CELLS, MORE, DONE, FAIL) as bytes.  Layer: recon.
 * The initiator streams coded symbols (sender); the responder decodes (receiver) and answers MORE
 * or DONE.  The byte-level spec and the reasons for each choice are in docs/PROTOCOL.md §6 (Rateless IBLT).
 */
#ifndef SZ_RECON_RIBLT_WIRE_H
#define SZ_RECON_RIBLT_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/bytes.h"
#include "recon/riblt.h"
#include "samizdat.h"

#define SZ_RIBLT_VERSION 1
#define SZ_RIBLT_ID_SYMBOL_BYTES 20   /* a symbol is the first 20 bytes of an entry id */
#define SZ_RIBLT_SALT_BYTES 16
#define SZ_RIBLT_SCOPE_SECRET_BYTES 32
#define SZ_RIBLT_BATCH_MAX 65536      /* coded symbols in one HELLO or CELLS message */
#define SZ_RIBLT_FIRST_BATCH 40       /* coded symbols in HELLO by default */
#define SZ_RIBLT_EST_BYTES 400        /* estimator bytes in HELLO by default */
#define SZ_RIBLT_EST_MAX 4096         /* estimator bytes a HELLO may carry */
#define SZ_RIBLT_DEFAULT_CELLS 4096   /* K kept current per scope by default */
#define SZ_RIBLT_MAX_SET ((uint64_t)1 << 40) /* the largest set size a HELLO may declare */
#define SZ_RIBLT_WANT_BYTES 8         /* DONE names a wanted id by its symbol's first 8 bytes
                                       * (a compact tag's first 4: sz_riblt_want_len) */

enum {
	SZ_RIBLT_MSG_HELLO = 1,
	SZ_RIBLT_MSG_CELLS = 2,
	SZ_RIBLT_MSG_MORE = 3,
	SZ_RIBLT_MSG_DONE = 4,
	SZ_RIBLT_MSG_FAIL = 5,
};

/* HELLO flags. */
enum {
	SZ_RIBLT_FLAG_SALTED = 1,   /* a 16-byte salt follows; the key is derived with it */
	SZ_RIBLT_FLAG_CHECK32 = 2,  /* coded symbols carry the low 32 bits of their hash (salted only) */
};

/* Reasons carried by FAIL. */
enum {
	SZ_RIBLT_FAIL_LIMIT = 1,    /* not decoded within the receiver's bound */
	SZ_RIBLT_FAIL_DECODE = 2,   /* the stream contradicted itself or the receiver's set */
	SZ_RIBLT_FAIL_STATE = 3,    /* the receiver's set changed during the session */
};

/* The symbol of an entry id: its first SZ_RIBLT_ID_SYMBOL_BYTES bytes. */
void sz_riblt_id_symbol(uint8_t sym[static SZ_RIBLT_ID_SYMBOL_BYTES],
    const uint8_t id[static SZ_ID_BYTES]);

/* Compact symbols (docs/PROTOCOL.md §6.2): an id's tag is SipHash-2-4(tag key, id), 8 bytes
 * little-endian; the tag key is BLAKE2b-128 keyed with the scope secret over
 * "samizdat riblt tag v1" ‖ salt.  Always salted: a tag key known in advance would let a
 * member make two ids share a tag in 2^32 work. */
#define SZ_RIBLT_TAG_BYTES 8
SZ_MUST_CHECK int sz_riblt_tag_key(uint8_t key[static SZ_RIBLT_KEY_BYTES],
    const uint8_t secret[static SZ_RIBLT_SCOPE_SECRET_BYTES],
    const uint8_t salt[static SZ_RIBLT_SALT_BYTES]);
void sz_riblt_id_tag(uint8_t tag[static SZ_RIBLT_TAG_BYTES],
    const uint8_t key[static SZ_RIBLT_KEY_BYTES], const uint8_t id[static SZ_ID_BYTES]);

/* The 16-byte SipHash key of a scope: BLAKE2b-128 keyed with the scope secret over
 * "samizdat riblt v1" and, for a salted retry, the 16-byte salt.  SZ_ERR_INTERNAL only if
 * libsodium fails. */
SZ_MUST_CHECK int sz_riblt_scope_key(uint8_t key[static SZ_RIBLT_KEY_BYTES],
    const uint8_t secret[static SZ_RIBLT_SCOPE_SECRET_BYTES], const uint8_t *salt);

/* Read a HELLO's header without consuming it, so the caller can pick (or build, for a salted
 * attempt) the sketch to decode against.  *salted and salt (16 bytes, zero if unsalted) describe
 * the key, *check32 the hash bits each coded symbol carries, *nset the sender's set size.
 * SZ_ERR_MALFORMED / SZ_ERR_TRUNCATED / SZ_ERR_TOO_LARGE / SZ_ERR_UNSUPPORTED (version). */
SZ_MUST_CHECK int sz_riblt_hello_peek(const uint8_t *msg, size_t len, size_t *width,
    bool *salted, bool *check32, uint8_t salt[static SZ_RIBLT_SALT_BYTES], uint64_t *nset);

/* --- The sender: streams its sketch's coded symbols --------------------------------------- */

typedef struct sz_riblt_sender sz_riblt_sender;

/* local is borrowed and must not change during the session (SZ_ERR_STATE).  salt (16 bytes or
 * NULL) is announced in HELLO and must be the one local's key was derived with.  first is the
 * number of coded symbols in HELLO (1..SZ_RIBLT_BATCH_MAX), est the number of estimator bytes
 * (0..SZ_RIBLT_EST_MAX: the low bytes of the counts of the coded symbols after those), max_cells
 * the most this session sends in all (>= first + est). */
SZ_MUST_CHECK int sz_riblt_sender_new(sz_riblt_sender **out, sz_riblt_sketch *local,
    const uint8_t *salt, size_t first, size_t est, size_t max_cells);
/* Send only the low 32 bits of each coded symbol's hash (flag CHECK32; about 4 bytes less per
 * coded symbol, and a non-pure cell passes the check once in 2^32).  Salted senders only, before
 * HELLO: SZ_ERR_INVALID otherwise. */
SZ_MUST_CHECK int sz_riblt_sender_check32(sz_riblt_sender *s);
void sz_riblt_sender_free(sz_riblt_sender *s);
/* The bytes s holds allocated, its local sketch not included.  Accepts NULL. */
size_t sz_riblt_sender_mem(const sz_riblt_sender *s);
/* Append HELLO to out.  Once only (SZ_ERR_STATE). */
SZ_MUST_CHECK int sz_riblt_sender_hello(sz_riblt_sender *s, sz_buf *out);
/* Take the receiver's reply.  MORE: the next coded symbols are appended to out as CELLS.
 * DONE: *done is set and the wanted hashes are available.  FAIL: SZ_ERR_DECODE.  A malformed
 * or out-of-turn message: SZ_ERR_MALFORMED / SZ_ERR_PEER; past max_cells: SZ_ERR_LIMIT. */
SZ_MUST_CHECK int sz_riblt_sender_recv(sz_riblt_sender *s, const uint8_t *msg, size_t len,
    sz_buf *out, bool *done);
/* After DONE: the items the receiver lacks, each named by the first sz_riblt_want_len(width)
 * bytes of its symbol (4 of a tag, keyed per session; 8 of an id's prefix, which a store finds
 * by its index, so a sender need not hold its items).  A prefix that
 * matches an item not wanted costs an entry, never a loss.  want(j) is NULL past nwants. */
size_t sz_riblt_sender_nwants(const sz_riblt_sender *s);
const uint8_t *sz_riblt_sender_want(const sz_riblt_sender *s, size_t j);
/* How many bytes of a symbol of this width name it in DONE: 4 for widths up to 8 (tags; fewer if
 * the symbol is shorter), else SZ_RIBLT_WANT_BYTES. */
size_t sz_riblt_want_len(size_t width);
size_t sz_riblt_sender_sent(const sz_riblt_sender *s); /* coded symbols sent */

/* --- The receiver: decodes, answers MORE, DONE or FAIL ------------------------------------ */

typedef struct sz_riblt_receiver sz_riblt_receiver;

/* local is borrowed, as for the sender; salt must match the HELLO's (SZ_ERR_STATE otherwise).
 * max_cells bounds the coded symbols taken (and so the memory) in this session. */
SZ_MUST_CHECK int sz_riblt_receiver_new(sz_riblt_receiver **out, sz_riblt_sketch *local,
    const uint8_t *salt, size_t max_cells);
void sz_riblt_receiver_free(sz_riblt_receiver *r);
/* The bytes r holds allocated (its decoder included, its local sketch not).  Accepts NULL. */
size_t sz_riblt_receiver_mem(const sz_riblt_receiver *r);
/* Take HELLO or CELLS and append the answer to out: MORE, DONE (*done set; the differences are
 * in sz_riblt_receiver_decoder), or FAIL.  When FAIL is appended the call also returns why:
 * SZ_ERR_LIMIT, SZ_ERR_DECODE, SZ_ERR_STATE; send it, then the session is over.  Malformed input:
 * SZ_ERR_MALFORMED, SZ_ERR_TRUNCATED, SZ_ERR_NONCANONICAL, SZ_ERR_TOO_LARGE,
 * SZ_ERR_UNSUPPORTED, SZ_ERR_PEER (out of turn), SZ_ERR_STATE (another salt), with nothing
 * appended.  Any error ends the session: later calls return SZ_ERR_STATE. */
SZ_MUST_CHECK int sz_riblt_receiver_recv(sz_riblt_receiver *r, const uint8_t *msg, size_t len,
    sz_buf *out, bool *done);
/* The decoder (NULL before HELLO): its items with side +1 are those to fetch from the sender (they
 * are listed in DONE), side -1 those to send it. */
const sz_riblt_decoder *sz_riblt_receiver_decoder(const sz_riblt_receiver *r);
/* The number of further coded symbols to ask for when those received do not decode; low/nlow as
 * for sz_riblt_decoder_estimate; compact: the cells are compact symbols' (13 bytes, not 30), so
 * more of them may be asked for the same bytes. */
size_t sz_riblt_more_cells(const sz_riblt_decoder *d, const uint8_t *low, size_t nlow,
    bool compact);

#endif /* SZ_RECON_RIBLT_WIRE_H */
