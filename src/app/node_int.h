/*
 * node_int.h - the inside of a node, shared by the app layer's modules (node.c: lifecycle and
 * leaflets; node_sync.c: sync sessions and bundles; node_cell.c: cells).  Layer: app.
 */
#ifndef SZ_APP_NODE_INT_H
#define SZ_APP_NODE_INT_H

#include <stdbool.h>
#include <stdio.h>

#include "samizdat.h"
#include "lib/bytes.h"
#include "lib/env.h"
#include "store/store.h"
#include "sync/session.h"

/* Names in the store's key-value table. */
#define KV_IDENTITY "node/identity"    /* Ed25519 secret key, 64 bytes */
#define KV_TRANSPORT "node/transport"  /* X25519 secret key, 32 bytes */
#define KV_ONION "node/onion"          /* the onion service's key (tor's "ED25519-V3:..." text) */
#define KV_CELLS "node/cells"          /* the list of my cells: count u16, ids[32] */
#define KV_CELL_PREFIX "cell/"         /* + hex cell id: the serialized cell state */
#define KV_INVITE_PREFIX "invite/"     /* + hex token: an invitation I issued */
#define KV_JOIN_PREFIX "join/"         /* + hex token: what opens the answer to my join request */
#define KV_INVITES "node/invites"      /* tokens[16] of the invitation records I keep */

struct sz_cell;

typedef struct sz_node_cell {
	struct sz_cell *cell;
	bool dirty;                   /* state changed since it was last saved */
	bool enrolled;                /* my enrollment is posted for the members in enrolled_to */
	uint8_t enrolled_to[16];      /* (a cache of vote/<id>, so the daemon's ticks stay cheap) */
} sz_node_cell;

struct sz_node {
	char *home;
	sz_store *store;
	const sz_env *env;
	uint8_t id_pk[32];
	uint8_t *id_sk;               /* 64 bytes, guarded */
	uint8_t tr_pk[32];
	uint8_t *tr_sk;               /* 32 bytes, guarded */
	sz_node_cell *cells;
	size_t ncells;
	char errmsg[256];
	FILE *log;                    /* where to note what cells refuse or hold (no secrets), or NULL */
	struct sz_node_sketch *sketches; /* RIBLT sketches lent to sync sessions (node_sketch.c) */
	uint64_t sketch_clock;
};

/* Record a message for sz_node_errmsg and return err. */
int sz_node_fail(sz_node *n, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Take in envelopes from outside (sync, bundle): store them (verifying public ones), then let
 * each cell that owns a sealed one open it and file what it can read.  results[i] as
 * sz_store_put_envelopes.  Envelopes a cell produces in answer (acks) are stored and will
 * travel with the next sync. */
SZ_MUST_CHECK int sz_node_ingest(sz_node *n, const uint8_t *const *envs, const size_t *lens,
    size_t count, int *results);

/* Sketches for sync sessions (node_sketch.c).  Every envelope the node stores goes through
 * sz_node_store_envelopes (sz_store_put_envelopes, then the kept sketches; results required),
 * so that a lent sketch is the store's set.  The other four are sync session hooks. */
SZ_MUST_CHECK int sz_node_store_envelopes(sz_node *n, const uint8_t *const *envs,
    const size_t *lens, size_t count, int *results);
struct sz_riblt_sketch;
SZ_MUST_CHECK int sz_node_sketch_get(void *ctx, const uint8_t (*scopes)[SZ_SCOPE_BYTES], size_t n,
    const uint8_t key[16], struct sz_riblt_sketch **sk);
void sz_node_sketch_put(void *ctx, struct sz_riblt_sketch *sk);
/* The number of ids of the kept sketch for scopes and key (and pending), if it is kept:
 * nothing is built or lent.  SZ_ERR_NOT_FOUND otherwise. */
SZ_MUST_CHECK int sz_node_sketch_size(void *ctx, const uint8_t (*scopes)[SZ_SCOPE_BYTES],
    size_t n, const uint8_t key[16], size_t *size);
SZ_MUST_CHECK int sz_node_find_prefix(void *ctx, const uint8_t *prefix, size_t len,
    uint8_t id[32], uint8_t scope[SZ_SCOPE_BYTES]);
void sz_node_sketches_free(sz_node *n);

/* Store envelopes this node made (posts, control messages) and hand them to its own cells. */
SZ_MUST_CHECK int sz_node_publish(sz_node *n, uint8_t *const *envs, const size_t *lens,
    size_t count);

/* The scopes this node offers in a sync: public, its cells' epochs, and what it carries as a
 * relay.  *scopes malloc()ed (n * 16 bytes). */
SZ_MUST_CHECK int sz_node_scopes(sz_node *n, uint8_t **scopes, size_t *count);

/* Fill a sync session configuration for this node (hooks, keys, scopes).  The scopes array
 * is malloc()ed into *scopes_out; free it after sz_sync_new. */
SZ_MUST_CHECK int sz_node_sync_config(sz_node *n, sz_noise_role role, sz_sync_config *cfg,
    uint8_t **scopes_out);

/* Posts (node_post.c).  Body of a POST entry: version u8 (1) ‖ flags u8 (bit 0: a reply) ‖
 * [reply_to[32]] ‖ text. */
typedef struct sz_post {
	uint8_t id[32];
	uint8_t member[32];     /* who wrote it (all zeros if unknown) */
	uint64_t time_ms;
	bool reply;
	uint8_t reply_to[32];
	const uint8_t *text;    /* borrowed for the callback */
	size_t len;
} sz_post;
#define KV_AUTHOR_PREFIX "csk/"
/* Note that cell signing key csk belongs to member (kept in the encrypted store). */
SZ_MUST_CHECK int sz_node_author_note(sz_node *n, const uint8_t csk[32], const uint8_t member[32]);
/* The member a cell signing key belongs to, as noted.  SZ_ERR_NOT_FOUND (member zeroed). */
SZ_MUST_CHECK int sz_node_author_lookup(sz_node *n, const uint8_t csk[32], uint8_t member[32]);
SZ_MUST_CHECK int sz_node_post(sz_node *n, struct sz_cell *c, const uint8_t *reply_to,
    const uint8_t *text, size_t len, uint8_t id[32]);
/* Every readable post of c, oldest first. */
SZ_MUST_CHECK int sz_node_read(sz_node *n, struct sz_cell *c,
    int (*fn)(void *ctx, const sz_post *p), void *ctx);
/* Find a post id of c by hex prefix (8+ digits). */
SZ_MUST_CHECK int sz_node_post_find(sz_node *n, struct sz_cell *c, const char *hex, uint8_t id[32]);

/* Invitations (node_invite.c; docs/PROTOCOL.md §14).  The inviter keeps one record per code it
 * issued (KV_INVITE_PREFIX: open, with its one-time X25519 secret; used, with the identity it
 * admitted, until that member's first op is seen; joined, until the code's expiry) and their
 * tokens in KV_INVITES; the newcomer keeps what opens the answer in KV_JOIN_PREFIX. */
struct sz_invite;
struct sz_addr;
struct sz_join_secrets;
struct sz_cell_joinkeys;
/* The most invitation records a node keeps (open, used or joined): sz_node_invite refuses more. */
#define SZ_NODE_INVITES_MAX 1024
/* Issue a one-time invitation to cell c valid for ttl_ms, naming addr (may be NULL) as where to
 * reach this node; the code is written to code (codelen >= SZ_INVITE_CODE_MAX).  SZ_ERR_LIMIT
 * with SZ_NODE_INVITES_MAX records kept. */
SZ_MUST_CHECK int sz_node_invite(sz_node *n, struct sz_cell *c, uint64_t ttl_ms,
    const struct sz_addr *addr, char *code, size_t codelen);
/* What sz_node_invite_revoke did. */
enum { SZ_NODE_REVOKED_CODE = 1, SZ_NODE_REVOKED_ADD = 2 };
typedef struct sz_node_revoked {
	int what;               /* REVOKED_CODE: the code was unused and is now dead; REVOKED_ADD: it
	                         * had been used, its newcomer had not joined, and its add is undone */
	struct sz_cell *cell;   /* the cell the code was for (ADD, and on SZ_ERR_DENIED) */
	uint8_t member[32];     /* ADD: the identity whose add was undone (it may be invited again) */
} sz_node_revoked;
/* Revoke the invitation of code: an open one can no longer be used; a used one whose newcomer has
 * not made its first op (as this node has seen) is undone by a removal that bans nobody.
 * SZ_ERR_DENIED if its newcomer has joined (undoing that is a removal, which bans), SZ_ERR_NOT_FOUND
 * if this node keeps no invitation of that code, the decode errors of sz_invite_decode. */
SZ_MUST_CHECK int sz_node_invite_revoke(sz_node *n, const char *code, sz_node_revoked *out);
/* Forget what invitations no longer need: open ones past their expiry, used ones whose newcomer
 * has made its first op (kept as "joined", without the identity, until the code's expiry) or left
 * the cell, those of cells this node is no longer in.  Run by the invitation calls and by the
 * daemon once a minute. */
SZ_MUST_CHECK int sz_node_invites_tidy(sz_node *n);
/* Session hook of the inviter (sz_sync_hooks.on_join). */
int sz_node_on_join(void *ctx, const uint8_t *req, size_t len, sz_buf *reply);
/* The newcomer: a JOIN payload (SZ_JOIN_REQUEST_BYTES, app/join.h) for iv, and what opens the
 * answer (kept by the caller until the welcome arrives, then wiped). */
SZ_MUST_CHECK int sz_node_join_prepare(sz_node *n, const struct sz_invite *iv, uint8_t *req,
    struct sz_join_secrets *js);
typedef struct sz_node_joining {
	sz_node *n;
	const struct sz_join_secrets *js;
	struct sz_cell *cell;   /* set once joined */
	int refused;            /* the inviter's refusal, if any */
} sz_node_joining;
/* Session hook of the newcomer (sz_sync_hooks.on_welcome, ctx = an sz_node_joining). */
int sz_node_on_welcome(void *ctx, const uint8_t *reply, size_t len);
/* Joining by courier files: the newcomer writes a request (what opens the answer is kept in the
 * store until the answer comes), the inviter answers it (the welcome only: the newcomer fetches
 * the cell's envelopes as a member), the newcomer joins from the answer.  *cell (the inviter's, or
 * the newcomer's new cell) is set on success; admit sets member (if not NULL) to the identity it
 * admitted.  *refused: the inviter's verdict when the request was opened but refused. */
SZ_MUST_CHECK int sz_node_join_request_file(sz_node *n, const struct sz_invite *iv, int fd);
SZ_MUST_CHECK int sz_node_admit_file(sz_node *n, int in_fd, int out_fd, struct sz_cell **cell,
    uint8_t *member, int *refused);
SZ_MUST_CHECK int sz_node_join_answer_file(sz_node *n, const struct sz_invite *iv, int fd,
    struct sz_cell **cell, int *refused);

/* Courier bundles (node_bundle.c). */
/* A bundle is for one cell (its envelopes and the public leaflets), or for a passphrase (the
 * public leaflets only), or both: a reader takes in only what the key that opened it may carry
 * (docs/PROTOCOL.md §9, Import). */
typedef struct sz_node_bundle_spec {
	const char *cell;          /* name of the cell whose members may open it, or NULL */
	const char *passphrase;    /* and/or a passphrase (public leaflets only), or NULL */
	uint64_t since_ms;         /* only envelopes of this time or later */
	int summary_fd;            /* the other side's summary, or -1.  With neither cell nor
	                            * passphrase, the answer is for the cell whose key opened it. */
	bool summary_only;         /* write a summary (what I have) instead of envelopes */
} sz_node_bundle_spec;

typedef struct sz_node_bundle_stats {
	uint64_t envelopes;        /* written, or found in the bundle */
	uint64_t stored, skipped, refused;
	uint64_t refused_kind;     /* import: of the refused, those this bundle's kind may not carry
	                            * (sealed ones in a passphrase bundle, another cell's in a
	                            * cell bundle) */
	struct sz_cell *cell;      /* import: the cell whose key opened the bundle (NULL: the
	                            * passphrase); export: the cell it is for, if any */
	uint64_t bytes;
} sz_node_bundle_stats;

struct sz_bundle_report;
/* Bundle I/O over a file descriptor (ctx points at the int fd). */
int sz_node_fd_write(void *ctx, const uint8_t *p, size_t n);
long sz_node_fd_read(void *ctx, uint8_t *p, size_t n);
/* Write the bundle spec asks for to fd; st says what went in. */
SZ_MUST_CHECK int sz_node_bundle_export(sz_node *n, int fd, const sz_node_bundle_spec *spec,
    sz_node_bundle_stats *st);
/* Take in the bundle read from fd, opened by a bundle secret of one of my cells or else by
 * passphrase (may be NULL).  Only what the opening key may carry goes on to sz_node_ingest:
 * opened by the passphrase, public envelopes; opened by cell C's secret, public envelopes, C's
 * sealed envelopes and sealed envelopes of scopes none of my cells knows (epochs the bundle's
 * own operations may teach).  The rest is refused and counted in st->refused_kind, never stored.
 * rep describes the file (damage, truncation). */
SZ_MUST_CHECK int sz_node_bundle_import(sz_node *n, int fd, const char *passphrase,
    sz_node_bundle_stats *st, struct sz_bundle_report *rep);

/* Cells (node_cell.c): load all cell states from the store; save the dirty ones. */
SZ_MUST_CHECK int sz_node_cells_load(sz_node *n);
SZ_MUST_CHECK int sz_node_cells_save(sz_node *n);
void sz_node_cells_free(sz_node *n);
/* Append the scope tags of every epoch my cells keep to b. */
SZ_MUST_CHECK int sz_node_cells_scopes(sz_node *n, sz_buf *b);
/* Bundle secrets (32 bytes each, appended to secrets) and the scopes to carry (16 bytes each,
 * appended to scopes) of the cell named name, or of every cell if name is NULL: for writing, the
 * newest three of each cell (a bundle has 8 slots); for reading (reading true), all of them.
 * owners, if not NULL, gets one byte per secret: the index in n->cells of the cell it belongs to
 * (what a bundle may carry depends on whose key opened it).  SZ_ERR_NOT_MEMBER if no such cell. */
SZ_MUST_CHECK int sz_node_cells_bundle(sz_node *n, const char *name, bool reading,
    sz_buf *secrets, sz_buf *scopes, sz_buf *owners);
/* Route one sealed envelope to the cell that owns it (if any). */
struct sz_cell_result;
/* The cell named name (or whose id starts with name in hex), or NULL. */
struct sz_cell *sz_node_cell_find(sz_node *n, const char *name);
/* The 16-byte scope under which a cell's readable entries are filed (never sent anywhere). */
void sz_node_cell_local_scope(const struct sz_cell *c, uint8_t scope[16]);
SZ_MUST_CHECK int sz_node_cell_create(sz_node *n, const char *name, struct sz_cell **out);
/* File the result of an operation r on c (if r is SZ_OK) and save c; frees res; returns r. */
SZ_MUST_CHECK int sz_node_cell_apply(sz_node *n, struct sz_cell *c, int r,
    struct sz_cell_result *res);
SZ_MUST_CHECK int sz_node_cell_join(sz_node *n, const struct sz_cell_joinkeys *keys,
    const uint8_t *welcome, size_t len, struct sz_cell **out);
SZ_MUST_CHECK int sz_node_cells_receive(sz_node *n, const uint8_t *env, size_t len);

#endif /* SZ_APP_NODE_INT_H */
