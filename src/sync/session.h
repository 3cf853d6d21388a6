/*
 * session.h - a sync session: a state machine fed bytes and emitting bytes, with no sockets
 * inside (docs/PROTOCOL.md §7).  Layer: sync.
 *
 * Noise_XX_25519_ChaChaPoly_BLAKE2b authenticates the link; both sides then learn which labels
 * they share (and nothing about the others: a label is matched through a token keyed by a secret
 * both hold), reconcile the envelope ids listed under those labels, send each other what the
 * other lacks in acknowledged batches, and finish.  A broken session loses nothing: what was
 * acknowledged is stored, and the next session's reconciliation finds only the rest.
 *
 * Labels.  A label is 16 bytes that stand for a set of envelopes on both sides: the public
 * leaflet scope (its own label), or a cell's sync label (docs/PROTOCOL.md §8, Which labels are
 * shared).  The session knows only labels; the node maps them to the scopes it stores.
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

/* The node's place in a walk of a label (sz_sync_hooks.list_page). */
#define SZ_SYNC_CURSOR_BYTES 64

/* What the session needs from the node.  Every callback returns SZ_OK or an sz_err. */
typedef struct sz_sync_hooks {
	void *ctx;
	/* Call fn(fctx, id) for every envelope id this node lists under label (one that was
	 * shared).  An id listed under two labels counts once. */
	int (*list_ids)(void *ctx, const uint8_t label[SZ_SCOPE_BYTES],
	    int (*fn)(void *fctx, const uint8_t id[32]), void *fctx);
	/* The bytes of envelope id (malloc()ed; the session frees them). */
	int (*get)(void *ctx, const uint8_t id[32], uint8_t **env, size_t *len);
	/* Decide on, verify and store a batch the peer sent; shared (nshared labels, sorted) are the
	 * labels of this session: the node refuses an envelope it would not list under one of them.
	 * ids[i] is the id (BLAKE2b-256) of envs[i], hashed once by the session: not again below.
	 * A batch is at most SZ_BATCH_MAX_ENVELOPES envelopes: store it in one transaction.
	 * results[i] gets SZ_OK (stored), SZ_ERR_EXISTS (held already) or why envelope i was
	 * refused (counted against the peer: past limits.max_rejected it is cut off).  Return
	 * non-OK only when storing itself failed (disk full): the session then fails and
	 * acknowledges nothing of the batch. */
	int (*store)(void *ctx, const uint8_t (*shared)[SZ_SCOPE_BYTES], size_t nshared,
	    const uint8_t *const *envs, const size_t *lens, const uint8_t (*ids)[32], size_t n,
	    int *results);
	/* Optional, all three or none: a batch checked ahead of its storing.  check starts
	 * checking a batch as store would (the same arguments, which stay valid until the batch
	 * is stored or dropped) and returns a handle, NULL if it did not start one (store is then
	 * called as usual); store_checked stores it as store would and frees the handle; drop
	 * frees it unstored.  With them the session holds a full batch, checked meanwhile, until
	 * the next batch or FIN arrives, and stores the one before while this one is checked
	 * (docs/PROTOCOL.md §8, Transfer). */
	void *(*check)(void *ctx, const uint8_t (*shared)[SZ_SCOPE_BYTES], size_t nshared,
	    const uint8_t *const *envs, const size_t *lens, const uint8_t (*ids)[32], size_t n);
	int (*store_checked)(void *ctx, void *checked, int *results);
	void (*drop)(void *ctx, void *checked);
	/* Responder, optional: an invitation is being redeemed (docs/PROTOCOL.md §11).  Fill reply
	 * with the WELCOME payload; a non-OK return refuses with that code. */
	int (*on_join)(void *ctx, const uint8_t *req, size_t len, sz_buf *reply);
	/* Initiator in join mode: the inviter's WELCOME payload arrived. */
	int (*on_welcome)(void *ctx, const uint8_t *reply, size_t len);
	/* Optional, all four or none: a RIBLT sketch the node keeps current as envelopes arrive,
	 * so that a session costs O(d) rather than O(N) (docs/PROTOCOL.md §8).  sketch_get lends a
	 * sketch of the ids (20-byte symbols) listed under the n sorted labels, under key; it must
	 * not change until sketch_put gives it back (the session may extend its K).  Any error:
	 * the session builds its own from list_ids.  sketch_size tells how many ids that sketch
	 * holds if the node keeps it already, without building or lending it (SZ_ERR_NOT_FOUND
	 * otherwise).  find_prefix names the envelopes whose ids start with the len bytes of
	 * prefix (at most max, into ids and labels) and the labels they are listed under; one listed
	 * under none is not named.  *n 0: none. */
	int (*sketch_get)(void *ctx, const uint8_t (*labels)[SZ_SCOPE_BYTES], size_t n,
	    const uint8_t key[16], struct sz_riblt_sketch **sk);
	void (*sketch_put)(void *ctx, struct sz_riblt_sketch *sk);
	int (*sketch_size)(void *ctx, const uint8_t (*labels)[SZ_SCOPE_BYTES], size_t n,
	    const uint8_t key[16], size_t *size);
	int (*find_prefix)(void *ctx, const uint8_t *prefix, size_t len, uint8_t (*ids)[32],
	    uint8_t (*labels)[SZ_SCOPE_BYTES], size_t max, size_t *n);
	/* Optional (with the four above): a sketch of the ids (20-byte symbols) listed under the
	 * labels, under key (a salted one too), that holds no ids: a sourced sketch
	 * (recon/riblt.h) whose items the node finds in its store.  The session owns and frees it.
	 * Absent or failing: the session collects the ids (at most limits.max_mine). */
	int (*sketch_build)(void *ctx, const uint8_t (*labels)[SZ_SCOPE_BYTES], size_t n,
	    const uint8_t key[16], struct sz_riblt_sketch **sk);
	/* Optional, both or none: when one side has nothing and everything goes, the ids are taken
	 * a page at a time instead of all at once.  count_ids: how many envelopes may be sent under
	 * label (at least as many as list_page will give).  list_page: the next ids (at most max,
	 * into ids) of those that may be sent under label, after cursor (SZ_SYNC_CURSOR_BYTES the
	 * node's own, zeros at the start; updated); *n < max means the label is done.  Absent: the
	 * session collects them all through list_ids. */
	int (*count_ids)(void *ctx, const uint8_t label[SZ_SCOPE_BYTES], uint64_t *n);
	int (*list_page)(void *ctx, const uint8_t label[SZ_SCOPE_BYTES], uint8_t *cursor,
	    size_t max, uint8_t (*ids)[32], size_t *n);
	/* Optional: the handshake authenticated the peer's transport key pk.  A non-OK return
	 * refuses the session there, before any token is sent (the daemon's cost table and its
	 * slots, docs/PROTOCOL.md §8 Limits): ERROR with that code and the text the hook wrote in
	 * why (whylen bytes, "" on entry; say "...; retry after N s" when a later try may pass).
	 * Called with peer_ctx, not ctx. */
	int (*peer_ok)(void *peer_ctx, const uint8_t pk[32], char *why, size_t whylen);
	void *peer_ctx;
} sz_sync_hooks;

/* A label this node offers under a pair token (docs/PROTOCOL.md §8): key is a secret only this
 * node and one other hold (a cell's pair key), label what a match stands for. */
typedef struct sz_sync_pair {
	uint8_t key[32];
	uint8_t label[SZ_SCOPE_BYTES];
} sz_sync_pair;

/* HELLO carries at least this many tokens (random ones pad the list to max(256, a power of
 * two)), so that a node in no cell and a node in a cell of 200 send the same count. */
#define SZ_HELLO_MIN_TOKENS 256

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
	uint64_t hello_ms;       /* from the start to the end of the handshake and the peer's first
	                          * frame (HELLO, JOIN, WELCOME), whatever bytes arrive meanwhile
	                          * [10 s] */
	uint64_t max_mine;       /* this side's ids held in memory at once, for the methods that
	                          * need them all (list, Negentropy, compact symbols, a sketch the
	                          * node does not build); past it those methods fail [131,072:
	                          * 6 MiB] */
} sz_sync_limits;

typedef struct sz_sync_config {
	sz_noise_role role;
	const uint8_t *static_sk;      /* this node's transport key (X25519, 32 bytes) */
	const uint8_t *expect_remote;  /* if not NULL, the peer's transport key must be this */
	/* Labels offered under a scope token keyed by the label itself (anyone who knows it can
	 * match it): for the public leaflet scope only.  Copied. */
	const uint8_t (*scopes)[SZ_SCOPE_BYTES];
	size_t nscopes;
	/* Labels offered under pair tokens (copied into guarded memory, wiped at free).  A label may
	 * appear under many pairs; nscopes + npairs <= SZ_HELLO_MAX_TOKENS. */
	const sz_sync_pair *pairs;
	size_t npairs;
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
	uint64_t frames_in;               /* whole frames the peer sent */
	uint64_t scopes_shared;           /* labels shared */
	uint64_t peer_tokens;             /* tokens in the peer's HELLO */
	uint64_t hello_bytes;             /* the peer's HELLO frame, header included */
	uint64_t ids_local, ids_remote;   /* ids on each side, in shared scopes (where known) */
	uint64_t to_send, to_receive;     /* the difference, once reconciled */
	uint64_t sent, acked;             /* envelopes sent, and acknowledged by the peer */
	uint64_t received, stored, rejected;
	uint64_t recon_bytes;             /* bytes of reconciliation frames, both directions
	                                   * (HELLOs not included: see hello_bytes) */
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
/* A batch held for the next one (hooks.check) is stored anyway after this long without it, by
 * the first sz_sync_tick after it (sz_link_run ticks at least this often, the daemon's loop at
 * least every 250 ms). */
#define SZ_SYNC_HOLD_MS 200

/* The bytes waiting to be sent (borrowed until the next call); *n = 0 if none. */
void sz_sync_output(sz_sync *s, const uint8_t **p, size_t *n);
/* The caller sent the first n bytes of the output. */
void sz_sync_consumed(sz_sync *s, size_t n);
/* Check the clock (idle and total limits).  Returns SZ_OK or SZ_ERR_TIMEOUT. */
SZ_MUST_CHECK int sz_sync_tick(sz_sync *s);
/* The peer closed the connection. */
void sz_sync_eof(sz_sync *s);
/* End a running session from outside (the caller needs its room: an idle session evicted, one
 * over a memory budget): it fails with err, and an ERROR frame saying why (at most 200 bytes)
 * waits in the output for a last flush.  Nothing if it is no longer running. */
void sz_sync_abort(sz_sync *s, int err, const char *why);

sz_sync_status sz_sync_get_status(const sz_sync *s);
int sz_sync_error(const sz_sync *s);
/* The peer's error text if it sent an ERROR frame ("" otherwise). */
const char *sz_sync_peer_error(const sz_sync *s);
/* The code of the peer's ERROR frame (0 if it sent none): SZ_ERR_BUSY when it had no room for
 * this session, SZ_ERR_DENIED when it refuses this node's key for a while. */
int sz_sync_peer_code(const sz_sync *s);
/* Seconds the peer asked us to wait before trying again ("...; retry after N s" in its ERROR
 * text, N <= 86400), or -1 if it said nothing of the kind. */
int sz_sync_retry_after(const sz_sync *s);
/* Whether the handshake authenticated the peer (its key is known). */
bool sz_sync_authenticated(const sz_sync *s);
/* Whether the handshake and the peer's first frame are done: past this the session is doing
 * the work it was opened for (hello_ms no longer applies). */
bool sz_sync_started(const sz_sync *s);
/* When (the env's monotonic clock) the peer last sent a whole handshake message or frame, or read
 * what we sent: bytes that make no whole frame (a frame announced and never finished) do not
 * count. */
uint64_t sz_sync_last_progress(const sz_sync *s);
/* The bytes the session holds allocated: its buffers, id lists and reconciliation state (a
 * sketch the node lent it not included).  For a caller that keeps a memory budget across
 * sessions. */
size_t sz_sync_mem(const sz_sync *s);
void sz_sync_get_stats(const sz_sync *s, sz_sync_stats *st);
/* The peer's transport public key, once the handshake authenticated it. */
SZ_MUST_CHECK int sz_sync_peer_key(const sz_sync *s, uint8_t pk[static 32]);

/* The token that stands for a public scope in a HELLO:
 * BLAKE2b-128(key = scope, "samizdat scope token v1" ‖ hash ‖ role). */
SZ_MUST_CHECK int sz_sync_scope_token(uint8_t token[static 16], const uint8_t scope[static 16],
    const uint8_t *hash, size_t hashlen, int role);
/* The token of a pair key: BLAKE2b-128(key = pair key, "samizdat scope token v2" ‖ hash ‖ role). */
SZ_MUST_CHECK int sz_sync_pair_token(uint8_t token[static 16], const uint8_t key[static 32],
    const uint8_t *hash, size_t hashlen, int role);

#endif /* SZ_SYNC_SESSION_H */
