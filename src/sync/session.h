/*
 * session.h - a sync session: a state machine fed bytes and emitting bytes, with no sockets
 * inside (docs/PROTOCOL.md §7).  Layer: sync.
 *
 * Noise_XX_25519_ChaChaPoly_BLAKE2b authenticates the link; both sides then learn which scopes
 * they share (and nothing about the others), reconcile the envelope ids of those scopes, send
 * each other what the other lacks in acknowledged batches, and finish.  A broken session loses
 * nothing: what was acknowledged is stored, and the next session's reconciliation finds only
 * the rest.
 */
#ifndef SZ_SYNC_SESSION_H
#define SZ_SYNC_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "samizdat.h"
#include "crypto/noise.h"
#include "lib/bytes.h"
#include "lib/env.h"
#include "wire/envelope.h"

struct sz_riblt_sketch;

/* What the session needs from the node.  Every callback returns SZ_OK or an sz_err. */
typedef struct sz_sync_hooks {
	void *ctx;
	/* Call fn(fctx, id) for every envelope id this node holds in scope. */
	int (*list_ids)(void *ctx, const uint8_t scope[SZ_SCOPE_BYTES],
	    int (*fn)(void *fctx, const uint8_t id[32]), void *fctx);
	/* The bytes of envelope id (malloc()ed; the session frees them). */
	int (*get)(void *ctx, const uint8_t id[32], uint8_t **env, size_t *len);
	/* Verify and store a batch (already checked to be of shared scopes); results[i] gets SZ_OK
	 * or why envelope i was refused.  Return non-OK only when storing itself failed (disk full):
	 * the session then fails and acknowledges nothing of the batch. */
	int (*store)(void *ctx, const uint8_t *const *envs, const size_t *lens, size_t n,
	    int *results);
	/* Responder, optional: an invitation is being redeemed (docs/PROTOCOL.md §11).  Fill reply
	 * with the WELCOME payload; a non-OK return refuses with that code. */
	int (*on_join)(void *ctx, const uint8_t *req, size_t len, sz_buf *reply);
	/* Initiator in join mode: the inviter's WELCOME payload arrived. */
	int (*on_welcome)(void *ctx, const uint8_t *reply, size_t len);
	/* Optional, all four or none: a RIBLT sketch the node keeps current as envelopes arrive,
	 * so that a session costs O(d) rather than O(N) (docs/PROTOCOL.md §8).  sketch_get lends a
	 * sketch of the ids (20-byte symbols) of the n sorted scopes under key; it must not change
	 * until sketch_put gives it back (the session may extend its K).  Any error: the session
	 * builds its own from list_ids.  sketch_size tells how many ids that sketch holds if the
	 * node keeps it already, without building or lending it (SZ_ERR_NOT_FOUND otherwise).
	 * find_prefix names the envelope whose id starts with the len bytes of prefix, and its
	 * scope (SZ_ERR_NOT_FOUND). */
	int (*sketch_get)(void *ctx, const uint8_t (*scopes)[SZ_SCOPE_BYTES], size_t n,
	    const uint8_t key[16], struct sz_riblt_sketch **sk);
	void (*sketch_put)(void *ctx, struct sz_riblt_sketch *sk);
	int (*sketch_size)(void *ctx, const uint8_t (*scopes)[SZ_SCOPE_BYTES], size_t n,
	    const uint8_t key[16], size_t *size);
	int (*find_prefix)(void *ctx, const uint8_t *prefix, size_t len, uint8_t id[32],
	    uint8_t scope[SZ_SCOPE_BYTES]);
} sz_sync_hooks;

/* Sets this small use compact RIBLT symbols by default: the per-session sketch costs about 25 ms
 * a side here, under one Tor round trip, and halves the reconciliation bytes. */
#define SZ_SYNC_COMPACT_MAX 32768

typedef struct sz_sync_limits {
	uint64_t max_bytes_in;   /* total bytes read from the peer [4 GiB] */
	uint64_t max_envelopes;  /* envelopes accepted from the peer [10,000,000] */
	uint64_t max_ids;        /* ids the peer may list or ask for [4,000,000] */
	uint64_t max_rejected;   /* envelopes refused before the peer is cut off [64] */
	uint64_t idle_ms;        /* silence before giving up [60 s] */
	uint64_t max_ms;         /* whole session [6 h] */
} sz_sync_limits;

typedef struct sz_sync_config {
	sz_noise_role role;
	const uint8_t *static_sk;      /* this node's transport key (X25519, 32 bytes) */
	const uint8_t *expect_remote;  /* if not NULL, the peer's transport key must be this */
	const uint8_t (*scopes)[SZ_SCOPE_BYTES]; /* the scopes this node offers (copied) */
	size_t nscopes;
	uint8_t methods;               /* SZ_RECON_* this side speaks (0 = all) */
	sz_sync_hooks hooks;
	const uint8_t *join;           /* initiator: redeem an invitation (JOIN payload) instead of
	                                * syncing; the session ends after the WELCOME */
	size_t join_len;
	sz_sync_limits limits;         /* zero fields take the defaults */
	unsigned salted_one_in;        /* initiator: one RIBLT session in this many is salted from
	                                * the start, an audit of the unsalted key [16]; 1 = all */
	int compact;                   /* initiator: RIBLT with compact symbols (8-byte salted tags,
	                                * 32-bit checks, docs/PROTOCOL.md §8): 0 when its set has at
	                                * most compact_max ids, 1 always, -1 never */
	size_t compact_max;            /* [SZ_SYNC_COMPACT_MAX] */
	const sz_env *env;
} sz_sync_config;

typedef enum sz_sync_status {
	SZ_SYNC_RUNNING = 1,
	SZ_SYNC_DONE = 2,    /* both sides finished; flush the output, then close */
	SZ_SYNC_FAILED = 3,  /* see sz_sync_error; flush the output (an ERROR frame), then close */
} sz_sync_status;

typedef struct sz_sync_stats {
	uint64_t bytes_in, bytes_out;
	uint64_t scopes_shared;
	uint64_t ids_local, ids_remote;   /* ids on each side, in shared scopes (where known) */
	uint64_t to_send, to_receive;     /* the difference, once reconciled */
	uint64_t sent, acked;             /* envelopes sent, and acknowledged by the peer */
	uint64_t received, stored, rejected;
	uint64_t recon_bytes;             /* bytes of reconciliation frames, both directions */
	uint64_t ids_sketched;            /* ids this session put in sketches itself (0 when the
	                                   * node lent its sketch) */
	uint8_t riblt_attempts;           /* RIBLT attempts (a failed unsalted one is retried salted) */
	bool riblt_salted;                /* the last RIBLT attempt was under a salted key */
	bool riblt_compact;               /* the last RIBLT attempt used compact symbols */
	uint8_t method;
} sz_sync_stats;

typedef struct sz_sync sz_sync;

/* Start a session.  The initiator's first handshake message is ready in the output at once. */
SZ_MUST_CHECK int sz_sync_new(sz_sync **out, const sz_sync_config *cfg);
void sz_sync_free(sz_sync *s);

/* Feed n bytes received from the peer.  Returns SZ_OK, or the error that failed the session
 * (the status is then FAILED; an ERROR frame may be waiting in the output). */
SZ_MUST_CHECK int sz_sync_input(sz_sync *s, const uint8_t *p, size_t n);
/* Callers stop reading from the peer while more than this waits to be sent: a peer that sends
 * small requests and never reads the answers (RIBLT MORE, Negentropy) must not grow our queue
 * without bound.  An honest session never queues this much in both directions at once. */
#define SZ_SYNC_OUT_HIGH (8u << 20)

/* The bytes waiting to be sent (borrowed until the next call); *n = 0 if none. */
void sz_sync_output(sz_sync *s, const uint8_t **p, size_t *n);
/* The caller sent the first n bytes of the output. */
void sz_sync_consumed(sz_sync *s, size_t n);
/* Check the clock (idle and total limits).  Returns SZ_OK or SZ_ERR_TIMEOUT. */
SZ_MUST_CHECK int sz_sync_tick(sz_sync *s);
/* The peer closed the connection. */
void sz_sync_eof(sz_sync *s);

sz_sync_status sz_sync_get_status(const sz_sync *s);
int sz_sync_error(const sz_sync *s);
/* The peer's error text if it sent an ERROR frame ("" otherwise). */
const char *sz_sync_peer_error(const sz_sync *s);
void sz_sync_get_stats(const sz_sync *s, sz_sync_stats *st);
/* The peer's transport public key, once the handshake authenticated it. */
SZ_MUST_CHECK int sz_sync_peer_key(const sz_sync *s, uint8_t pk[static 32]);

/* The token that stands for scope in a HELLO: BLAKE2b-128(key = scope, label ‖ hash ‖ role). */
SZ_MUST_CHECK int sz_sync_scope_token(uint8_t token[static 16], const uint8_t scope[static 16],
    const uint8_t *hash, size_t hashlen, int role);

#endif /* SZ_SYNC_SESSION_H */
