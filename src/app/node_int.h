/*
 * node_int.h - the inside of a node, shared by the app layer's modules (node.c: lifecycle and
 * leaflets; node_sync.c: sync sessions and bundles; node_cell.c: cells).  Layer: app.
 */
#ifndef SZ_APP_NODE_INT_H
#define SZ_APP_NODE_INT_H

#include <stdbool.h>

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
#define KV_JOIN_PREFIX "join/"         /* + hex prekey: an invitation I am redeeming */

struct sz_cell;

typedef struct sz_node_cell {
	struct sz_cell *cell;
	bool dirty;                   /* state changed since it was last saved */
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
};

/* Record a message for sz_node_errmsg and return err. */
int sz_node_fail(sz_node *n, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Take in envelopes from outside (sync, bundle): store them (verifying public ones), then let
 * each cell that owns a sealed one open it and file what it can read.  results[i] as
 * sz_store_put_envelopes.  Envelopes a cell produces in answer (acks) are stored and will
 * travel with the next sync. */
SZ_MUST_CHECK int sz_node_ingest(sz_node *n, const uint8_t *const *envs, const size_t *lens,
    size_t count, int *results);

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

/* Courier bundles (node_bundle.c). */
typedef struct sz_node_bundle_spec {
	const char *const *cells;  /* names of the cells whose members may open it */
	size_t ncells;
	const char *passphrase;    /* or a passphrase (public leaflets only) */
	uint64_t since_ms;         /* only envelopes of this time or later */
	int summary_fd;            /* the other side's summary, or -1 */
	bool summary_only;         /* write a summary (what I have) instead of envelopes */
} sz_node_bundle_spec;

typedef struct sz_node_bundle_stats {
	uint64_t envelopes;        /* written, or found in the bundle */
	uint64_t stored, skipped, refused;
	uint64_t bytes;
} sz_node_bundle_stats;

struct sz_bundle_report;
SZ_MUST_CHECK int sz_node_bundle_export(sz_node *n, int fd, const sz_node_bundle_spec *spec,
    sz_node_bundle_stats *st);
SZ_MUST_CHECK int sz_node_bundle_import(sz_node *n, int fd, const char *passphrase,
    sz_node_bundle_stats *st, struct sz_bundle_report *rep);

/* Cells (node_cell.c): load all cell states from the store; save the dirty ones. */
SZ_MUST_CHECK int sz_node_cells_load(sz_node *n);
SZ_MUST_CHECK int sz_node_cells_save(sz_node *n);
void sz_node_cells_free(sz_node *n);
/* Append the scope tags of every epoch my cells keep to b. */
SZ_MUST_CHECK int sz_node_cells_scopes(sz_node *n, sz_buf *b);
/* Bundle secrets (32 bytes each, appended to secrets) and the scopes to carry (16 bytes each,
 * appended to scopes) of the cell named name, or of every cell if name is NULL.
 * SZ_ERR_NOT_MEMBER if no such cell. */
SZ_MUST_CHECK int sz_node_cells_bundle(sz_node *n, const char *name, sz_buf *secrets,
    sz_buf *scopes);
/* Route one sealed envelope to the cell that owns it (if any). */
SZ_MUST_CHECK int sz_node_cells_receive(sz_node *n, const uint8_t *env, size_t len);

#endif /* SZ_APP_NODE_INT_H */
