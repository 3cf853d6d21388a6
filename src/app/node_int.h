/*
 * node_int.h - the inside of a node, shared by the app layer's modules (node.c: lifecycle and
 * leaflets; node_sync.c: what comes in and the session hooks; node_offer.c: sync labels, pair
 * keys and what a HELLO offers; node_quarantine.c: envelopes of epochs not known yet;
 * node_cell.c: cells; node_keep.c: what a node keeps of a cell besides its state; node_batch.c:
 * one transaction per batch, and checking envelopes on worker threads).  Layer: app.
 */
#ifndef SZ_APP_NODE_INT_H
#define SZ_APP_NODE_INT_H

#include <stdbool.h>
#include <stdio.h>

#include "samizdat.h"
#include "lib/bytes.h"
#include "lib/env.h"
#include "media/strip.h"
#include "store/chunks.h"
#include "store/store.h"
#include "sync/session.h"
#include "wire/attach.h"
#include "wire/envelope.h"

/* Names in the store's key-value table. */
#define KV_IDENTITY "node/identity"    /* Ed25519 secret key, 64 bytes */
#define KV_TRANSPORT "node/transport"  /* X25519 secret key, 32 bytes */
#define KV_ONION "node/onion"          /* the onion service's key (tor's "ED25519-V3:..." text) */
#define KV_ONION_PUBLIC "node/onion-public" /* the public onion's key (serve --public-onion) */
#define KV_CELLS "node/cells"          /* the list of my cells: count u16, ids[32] */
#define KV_CELL_PREFIX "cell/"         /* + hex cell id: the serialized cell state */
#define KV_INVITE_PREFIX "invite/"     /* + hex token: an invitation I issued */
#define KV_JOIN_PREFIX "join/"         /* + hex token: what opens the answer to my join request */
#define KV_INVITES "node/invites"      /* tokens[16] of the invitation records I keep */
#define KV_QUARANTINE "node/quarantine" /* scopes[16] under which quarantined envelopes are */
#define KV_PEERS "node/peers"          /* addresses to sync with, one a line */

struct sz_cell;
struct sz_cell_event;

/* A pair key with one other member of a cell (node_offer.c). */
typedef struct sz_node_pairkey {
	uint8_t id[32];               /* the member's identity key */
	uint8_t key[32];
} sz_node_pairkey;

typedef struct sz_node_cell {
	struct sz_cell *cell;
	bool dirty;                   /* state changed since it was last saved */
	bool enrolled;                /* my enrollment is posted for the members in enrolled_to */
	uint8_t enrolled_to[16];      /* (a cache of vote/<id>, so the daemon's ticks stay cheap) */
	uint8_t label[16];            /* the cell's sync label (never in any envelope) */
	sz_node_pairkey *pairs;       /* guarded memory: pair keys with the current members but me,
	                               * sorted by id; NULL until first offered */
	size_t npairs;
	uint8_t (*scopes)[16];        /* the epoch scopes last seen active, to notice one that
	                               * aged out (the kept sketches of the label must go) */
	size_t nscopes;
	uint64_t parting_until;       /* I am out: until then (node clock) its envelopes stay and
	                               * sync on, so my leave or farewell reaches the others (0: not parting) */
	uint8_t (*declined)[32];      /* ids of envelopes the cell opened and would not keep
	                               * (cell/<id>.declined), oldest first; NULL until loaded */
	size_t ndeclined;
	bool declined_loaded;
	bool declined_dirty;          /* saved with the cell's state (sz_node_cells_save) */
} sz_node_cell;

/* What a cell reported, as the node's hook is told of it after the batch commits: a copy (the
 * cell may be gone by then, parted in the same batch). */
typedef struct sz_node_event {
	int type;                     /* SZ_CELL_EV_CONTROL, SZ_CELL_EV_MESSAGE, or
	                               * SZ_NODE_EV_PUBLIC (public entries were stored: told once a
	                               * batch, no other field set) */
	int op;                       /* CONTROL: SZ_CELL_OP_* */
	uint8_t kind;                 /* MESSAGE: the entry's kind */
	bool mine;                    /* my own operation or post, not one that arrived */
	uint8_t actor[32], subject[32], entry_id[32];
	char cell[72];                /* the cell's name (at most 64 bytes) */
} sz_node_event;
struct sz_node {
	char *home;
	sz_store *store;
	const sz_env *env;
	uint8_t id_pk[32];
	uint8_t *id_sk;               /* 64 bytes, guarded */
	uint8_t tr_pk[32];
	uint8_t *tr_sk;               /* 32 bytes, guarded */
	uint8_t *id_xsk;              /* 32 bytes, guarded: the identity's X25519 twin (pair keys) */
	sz_node_cell *cells;
	size_t ncells;
	char errmsg[256];
	FILE *log;                    /* where to note what cells refuse or hold (no secrets), or NULL */
	struct sz_node_sketch *sketches; /* RIBLT sketches lent to sync sessions (node_sketch.c) */
	uint64_t sketch_clock;
	struct sz_node_quarantine *quar; /* node_quarantine.c; loaded on first need */
	/* While an ingest runs: the envelopes a cell's catch-up fed (id ‖ drop byte), so that the
	 * ingest neither feeds one twice nor misses the verdict (node_cell.c). */
	uint8_t (*fed)[33];
	size_t nfed, capfed;
	bool batch;
	/* Envelopes newly stored (for the daemon: a count that moved while a command ran means
	 * something was made here, to push to the others). */
	uint64_t stored;
	/* Told of what the cells reported in a batch once the batch has committed (the daemon's
	 * events), never for one rolled back; NULL: not told.  e NULL: more happened in the batch
	 * than was kept to tell (SZ_NODE_EVENTS_HELD). */
	void (*on_event)(void *ctx, const struct sz_node_event *e);
	void *event_ctx;
	struct sz_node_event *held;   /* what the open batch's cells reported (node_batch.c) */
	size_t nheld, capheld;
	bool held_lost;               /* more than SZ_NODE_EVENTS_HELD in the open batch */
	bool held_public;             /* the open batch stored public entries */
	/* One store transaction per batch (node_batch.c). */
	unsigned batch_depth;
	bool batch_touched;           /* a cell was fed or changed in the open batch */
	bool broken;                  /* a batch failed after cells moved on: no more batches */
	struct sz_pool *pool;         /* checks incoming envelopes; started at first need */
	bool pool_failed;             /* no pool (SAMIZDAT_THREADS=0, or threads refused) */
	struct sz_node_ahead *pool_ahead; /* the batch checked ahead whose job the pool runs */
	uint64_t checked_ahead;       /* batches checked ahead so far (benchmarks, tests) */
	struct sz_node_sendpage *sendpage; /* the envelopes of the page a sync listed last */
	struct sz_node_usage *usage;  /* bytes of chunks held per owner (node_attach.c), loaded on
	                               * first need, dropped when a batch rolls back or a cell goes */
};

#define SZ_NODE_EV_PUBLIC 100
/* Events one batch holds until it commits: about 200 bytes each.  A batch is at most a few
 * thousand envelopes (PROTOCOL.md §8, Limits), and a front end keeps only the newest 256. */
#define SZ_NODE_EVENTS_HELD 1024
/* Note what cell c reported in the open batch (told at once if none is open). */
void sz_node_event_hold(sz_node *n, const struct sz_cell *c, const struct sz_cell_event *e,
    bool mine);

/* Record a message for sz_node_errmsg and return err. */
int sz_node_fail(sz_node *n, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Batches (node_batch.c).  Everything between sz_node_batch_begin and sz_node_batch_end is one
 * store transaction (nested calls join the outermost): an ingest, and whatever the cells produce
 * while absorbing it (entries, acks, author notes, cell states).  end(r) commits if r is SZ_OK,
 * else rolls back; on a failed outermost end the kept sketches and the quarantine are dropped
 * (rebuilt from the store on need) and, if a cell was fed (batch_touched), the node refuses
 * further batches (SZ_ERR_STATE) and does not save its cells until it is locked.  Returns r, or
 * the commit's error. */
SZ_MUST_CHECK int sz_node_batch_begin(sz_node *n);
SZ_MUST_CHECK int sz_node_batch_end(sz_node *n, int r);
/* Checking incoming envelopes (sz_env_in_check: id, parse, Ed25519 verify of a public one) on
 * the node's pool of worker threads, one per online core, while the caller stores those
 * already checked: begin starts the job (inline for small batches, or when a job runs already),
 * wait(upto) returns once in[0..upto) are checked, end must follow before in is freed. */
typedef struct sz_node_check {
	sz_env_in *in;
	size_t n, done, max_body;
	struct sz_pool *pool;         /* NULL: checked inline by wait */
} sz_node_check;
void sz_node_check_begin(sz_node *n, sz_node_check *ck, sz_env_in *in, size_t count);
void sz_node_check_wait(sz_node_check *ck, size_t upto);
void sz_node_check_end(sz_node_check *ck);
void sz_node_pool_free(sz_node *n);
/* If a batch checked ahead (below) holds the pool, wait for its checks and release the pool. */
void sz_node_ahead_settle(sz_node *n);
/* Forget the events held (the node closes). */
void sz_node_events_free(sz_node *n);

/* Take in envelopes from outside (bundle, join answer) or made here: store them (verifying
 * public ones), then let the cell that owns a sealed one open it and file what it can read; one
 * its cell finds not worth keeping (res.drop) is deleted again: reported SZ_ERR_DECRYPT if it
 * does not open (junk, counted against the peer), SZ_ERR_EXISTS if it opens but the cell
 * declines it (it is then listed as declined, never held); a sealed envelope of a scope no
 * cell of mine owns goes to the quarantine (node_quarantine.c).  results[i] (may be NULL) as
 * sz_store_put_envelopes otherwise.  Envelopes a cell produces in answer (acks) are stored and
 * will travel with the next sync. */
SZ_MUST_CHECK int sz_node_ingest(sz_node *n, const uint8_t *const *envs, const size_t *lens,
    size_t count, int *results);
/* The batches of a sync session (below) and of bundles are one transaction each, checked on the
 * pool; the session hands down the ids it hashed (ids may be NULL: hashed here, on the pool). */
/* The same for a batch a sync peer sent, with the labels that session shares: an envelope is
 * taken only if it is public and the public label is shared; or sealed, of an epoch scope of a
 * cell whose label is shared; or sealed, of a scope none of my cells owns, while some cell
 * label is shared (quarantine).  Anything else is refused (SZ_ERR_DENIED) without being
 * stored (docs/PROTOCOL.md §8, Acceptance). */
SZ_MUST_CHECK int sz_node_ingest_shared(sz_node *n, const uint8_t (*shared)[16], size_t nshared,
    const uint8_t *const *envs, const size_t *lens, const uint8_t (*ids)[32], size_t count,
    int *results);
/* A batch checked ahead of its storing: a sync session starts checking batch k + 1 on the pool
 * (parse, hash, verify, as sz_node_ingest_shared would) while batch k is written and committed,
 * so that the commit's fsyncs do not leave the cores idle (a bundle's import does the same
 * while it reads the next batch).  Begin with the arguments sz_node_ingest_shared would get
 * (shared NULL: sz_node_ingest's, a local import's) (they must stay valid until the handle is used or freed); it
 * takes the pool once a batch ahead before it has finished.  NULL: not started (a small
 * batch, no pool, no memory; the batch is then checked as it is stored).  Only the envelopes
 * the acceptance rule takes at this moment are checked; one it takes later only is checked
 * when stored.  ingest_ahead stores the batch as sz_node_ingest_shared does and frees the
 * handle; free drops it unstored.  The node must outlive its handles. */
typedef struct sz_node_ahead sz_node_ahead;
sz_node_ahead *sz_node_check_ahead(sz_node *n, const uint8_t (*shared)[16], size_t nshared,
    const uint8_t *const *envs, const size_t *lens, const uint8_t (*ids)[32], size_t count);
SZ_MUST_CHECK int sz_node_ingest_ahead(sz_node *n, sz_node_ahead *a, int *results);
void sz_node_ahead_free(sz_node_ahead *a);
/* The envelopes a sync session listed last (node_sendpage.c): hook_page reads them with their
 * ids (reset, then walk for each step of the page, as sz_store_page_envelopes would), up to 256
 * KiB, and hook_get takes them from there (take: false if id is not the next of the page, or
 * was not kept, or the store deleted or rolled back anything since: read it by id then). */
struct sz_node_sendpage *sz_node_sendpage_reset(sz_node *n, size_t max);
SZ_MUST_CHECK int sz_node_sendpage_walk(sz_node *n, struct sz_node_sendpage *c,
    const uint8_t scope[16], const sz_store_item *after, size_t want, sz_store_item *page,
    size_t *got);
bool sz_node_sendpage_take(sz_node *n, const uint8_t id[32], uint8_t **env, size_t *len);
void sz_node_sendpage_free(sz_node *n);

/* Sketches for sync sessions (node_sketch.c), one per set of shared labels, holding no ids
 * (sourced from the store).  Every envelope the node lists under a label goes into them once:
 * sz_node_store_envelopes stores and notes (for envelopes this node made: results required),
 * sz_node_sketch_note notes one just stored for the first time (a sealed one once its cell kept
 * it), sz_node_sketch_note_id one listed without being stored under the label (declined,
 * quarantined), and sz_node_sketches_drop_label drops every sketch of a label whose set lost
 * envelopes (a cell I am out of, an epoch aged out; a lent one goes when it comes back) or
 * gained envelopes stored before (a newly known epoch).  Nothing else changes what a label
 * lists.  The others are sync session hooks. */
SZ_MUST_CHECK int sz_node_store_envelopes(sz_node *n, const uint8_t *const *envs,
    const size_t *lens, size_t count, int *results);
void sz_node_sketch_note(sz_node *n, const uint8_t scope[16], const uint8_t id[32]);
/* The same for an id listed under label without being held (sz_node_cell_declined). */
void sz_node_sketch_note_id(sz_node *n, const uint8_t label[16], const uint8_t id[32]);
void sz_node_sketches_drop_label(sz_node *n, const uint8_t label[16]);
/* The same for every label (a batch was rolled back). */
void sz_node_sketches_drop_all(sz_node *n);
struct sz_riblt_sketch;
SZ_MUST_CHECK int sz_node_sketch_get(void *ctx, const uint8_t (*labels)[SZ_SCOPE_BYTES], size_t n,
    const uint8_t key[16], struct sz_riblt_sketch **sk);
void sz_node_sketch_put(void *ctx, struct sz_riblt_sketch *sk);
/* The number of ids of the kept sketch for labels and key (and pending), if it is kept:
 * nothing is built or lent.  SZ_ERR_NOT_FOUND otherwise. */
SZ_MUST_CHECK int sz_node_sketch_size(void *ctx, const uint8_t (*labels)[SZ_SCOPE_BYTES],
    size_t n, const uint8_t key[16], size_t *size);
/* A sourced sketch of the ids listed under the labels, under key, for one session (the
 * sz_sync_hooks.sketch_build hook): one walk over the store, O(K) memory. */
SZ_MUST_CHECK int sz_node_sketch_build(void *ctx, const uint8_t (*labels)[SZ_SCOPE_BYTES],
    size_t n, const uint8_t key[16], struct sz_riblt_sketch **sk);
/* The envelopes whose ids start with prefix (at most max, at most 4) and the labels they are
 * listed under; one listed under none (quarantined, or of a cell I am no longer in) is left
 * out.  *count 0: none. */
SZ_MUST_CHECK int sz_node_find_prefix(void *ctx, const uint8_t *prefix, size_t len,
    uint8_t (*ids)[32], uint8_t (*labels)[SZ_SCOPE_BYTES], size_t max, size_t *count);
void sz_node_sketches_free(sz_node *n);

/* Labels and offers (node_offer.c, docs/PROTOCOL.md §8). */
/* The sync label of cell c: the first 16 bytes of BLAKE2b-256(key = cell id,
 * "samizdat sync cell label v1"); the same for every member, in no envelope. */
SZ_MUST_CHECK int sz_node_cell_label(const struct sz_cell *c, uint8_t label[16]);
/* The pair key of identities a and b (Ed25519 public keys) in cell cell_id, as the holder of
 * xsk (the X25519 twin of a's secret key) computes it:
 * HKDF-SHA256(salt "samizdat sync pair v1", X25519(xsk, twin of b), cell_id ‖ lower ‖ higher). */
SZ_MUST_CHECK int sz_node_pair_key(const uint8_t xsk[32], const uint8_t a[32], const uint8_t b[32],
    const uint8_t cell_id[32], uint8_t key[32]);
/* The offers of a HELLO: the public scope, and one pair per current member but me of every
 * cell I am active in (at most SZ_HELLO_MAX_TOKENS - 1; pair keys are made once per member and
 * kept).  *pairs in guarded memory (release with sz_secret_free). */
SZ_MUST_CHECK int sz_node_offers(sz_node *n, struct sz_sync_pair **pairs, size_t *npairs);
/* The label an envelope of scope is listed under: the public scope's own, or the label of the
 * active cell that keeps that epoch.  SZ_ERR_NOT_FOUND otherwise. */
SZ_MUST_CHECK int sz_node_scope_label(sz_node *n, const uint8_t scope[16], uint8_t label[16]);
/* The scopes listed under label (at most max; the public scope, or the epochs an active cell
 * keeps).  SZ_ERR_NOT_FOUND if label is neither. */
SZ_MUST_CHECK int sz_node_label_scopes(sz_node *n, const uint8_t label[16], uint8_t (*sc)[16],
    size_t max, size_t *k);
/* Forget cached pair keys (wiped) of every cell. */
void sz_node_pairs_free(sz_node *n);

/* The quarantine (node_quarantine.c): sealed envelopes of scopes no cell of mine owns, never
 * sent, listed under the cell label of the session that brought them, until a cell learns their
 * epoch; bounded for the whole node. */
#define SZ_QUAR_MAX_ENVELOPES 4096
#define SZ_QUAR_MAX_BYTES (64u << 20)
#define SZ_QUAR_MAX_AGE_MS (30ull * 24 * 3600 * 1000)
/* Before storing: make sure the scopes (count of them) are on the quarantine's list, with the
 * label they came under (NULL: none, a local import), so that no crash can leave an envelope
 * stored and forgotten. */
SZ_MUST_CHECK int sz_node_quar_prepare(sz_node *n, const uint8_t (*scopes)[16],
    const uint8_t label[16], size_t count);
/* After storing: these envelopes (just stored) are quarantined; oldest ones past the bounds,
 * and any past their age, are deleted (and declined by their label's cell). */
SZ_MUST_CHECK int sz_node_quar_add(sz_node *n, const sz_env_in *const *in, size_t count);
/* A cell has come to own scope: its envelopes leave the quarantine; *ids and *labels (malloc()ed,
 * *nids of them) are theirs and the labels they were listed under, for the cell's catch-up to
 * feed (it keeps or drops each). */
SZ_MUST_CHECK int sz_node_quar_release(sz_node *n, const uint8_t scope[16], uint8_t (**ids)[32],
    uint8_t (**labels)[16], size_t *nids);
/* Call fn for the id of every envelope quarantined under label. */
SZ_MUST_CHECK int sz_node_quar_listed(sz_node *n, const uint8_t label[16],
    int (*fn)(void *fctx, const uint8_t id[32]), void *fctx);
/* Delete what has been quarantined longer than SZ_QUAR_MAX_AGE_MS (node clock). */
SZ_MUST_CHECK int sz_node_quar_sweep(sz_node *n);
/* How many envelopes and bytes are quarantined (loads the quarantine if needed). */
SZ_MUST_CHECK int sz_node_quar_stats(sz_node *n, size_t *count, uint64_t *bytes);
void sz_node_quar_free(sz_node *n);

/* Store envelopes this node made (posts, control messages) and hand them to its own cells. */
SZ_MUST_CHECK int sz_node_publish(sz_node *n, uint8_t *const *envs, const size_t *lens,
    size_t count);

/* The scopes whose envelopes this node lists in a sync: public, and the epochs of the cells it
 * is active in (sorted, each once).  *scopes malloc()ed (n * 16 bytes).  A sync that makes this
 * grow has taught the node new epochs. */
SZ_MUST_CHECK int sz_node_scopes(sz_node *n, uint8_t **scopes, size_t *count);

/* Fill a sync session configuration for this node (hooks, keys, offers).  The offers live in
 * *mem (guarded memory); release it with sz_node_sync_config_free after sz_sync_new. */
SZ_MUST_CHECK int sz_node_sync_config(sz_node *n, sz_noise_role role, sz_sync_config *cfg,
    void **mem);
void sz_node_sync_config_free(void *mem);
/* The responder's configuration for a stranger on the public onion (docs/PROTOCOL.md §8, The
 * public onion): the public scope alone is offered (no pair token, so no cell's label is ever
 * shared, and no reach record leaves), no invitation is taken, nothing but a public envelope is
 * given by id.  Release *mem as above. */
SZ_MUST_CHECK int sz_node_sync_config_public(sz_node *n, sz_sync_config *cfg, void **mem);

/* Posts (node_post.c).  Body of a POST entry (wire/attach.h sz_post_body_*): version u8 (1) ‖
 * flags u8 (bit 0: a reply, bit 1: files) ‖ [reply_to[32]] ‖ [files] ‖ text. */
typedef struct sz_post {
	uint8_t id[32];
	uint8_t member[32];     /* who wrote it (all zeros if unknown) */
	uint64_t time_ms;
	bool reply;
	uint8_t reply_to[32];
	const uint8_t *text;    /* borrowed for the callback */
	size_t len;
	sz_manifest files[SZ_ATTACH_PER_ENTRY]; /* its attachments */
	size_t nfiles;
} sz_post;
#define KV_AUTHOR_PREFIX "csk/"
/* Note that cell signing key csk belongs to member (kept in the encrypted store). */
SZ_MUST_CHECK int sz_node_author_note(sz_node *n, const uint8_t csk[32], const uint8_t member[32]);
/* The member a cell signing key belongs to, as noted.  SZ_ERR_NOT_FOUND (member zeroed). */
SZ_MUST_CHECK int sz_node_author_lookup(sz_node *n, const uint8_t csk[32], uint8_t member[32]);
SZ_MUST_CHECK int sz_node_post(sz_node *n, struct sz_cell *c, const uint8_t *reply_to,
    const uint8_t *text, size_t len, uint8_t id[32]);
/* The same with attachments whose chunks sz_node_attach made (nfiles <= SZ_ATTACH_PER_ENTRY). */
SZ_MUST_CHECK int sz_node_post_files(sz_node *n, struct sz_cell *c, const uint8_t *reply_to,
    const sz_manifest *files, size_t nfiles, const uint8_t *text, size_t len, uint8_t id[32]);
/* A leaflet with attachments (made by sz_node_attach with no cell). */
SZ_MUST_CHECK int sz_node_leaflet_publish_files(sz_node *n, const sz_manifest *files,
    size_t nfiles, const uint8_t *text, size_t len, uint8_t id[32]);
/* Every readable post of c, oldest first. */
SZ_MUST_CHECK int sz_node_read(sz_node *n, struct sz_cell *c,
    int (*fn)(void *ctx, const sz_post *p), void *ctx);
/* Find a post id of c by hex prefix (8+ digits). */
SZ_MUST_CHECK int sz_node_post_find(sz_node *n, struct sz_cell *c, const char *hex, uint8_t id[32]);

/* What arrived, in words (node_news.c): mark before a sync or an import; after it, words gets
 * "2 new posts, 1 vote in 'factory-7'; 1 new leaflet" (cell names with control characters
 * replaced), or "nothing new", for the entries stored since (at most SZ_NODE_NEWS_MAX looked at). */
#define SZ_NODE_NEWS_MAX 100000
SZ_MUST_CHECK int sz_node_news_mark(sz_node *n, uint64_t *mark);
SZ_MUST_CHECK int sz_node_news(sz_node *n, uint64_t mark, sz_buf *words);

/* What a person keeps for themselves (node_local.c), never sent.
 * Local names: what the person calls an identity, in the store (name/<hex id>),
 * never sent.  1..SZ_NODE_NAME_MAX bytes of UTF-8 without control characters or bidirectional
 * overrides (SZ_ERR_INVALID). */
#define KV_NAME_PREFIX "name/"
#define SZ_NODE_NAME_MAX 64
SZ_MUST_CHECK int sz_node_name_check(const char *name, size_t len);
/* Set the name of id; NULL or "" forgets it. */
SZ_MUST_CHECK int sz_node_name_set(sz_node *n, const uint8_t id[32], const char *name);
/* The name of id into out; false (out "") if it has none. */
bool sz_node_name_get(sz_node *n, const uint8_t id[32], char out[SZ_NODE_NAME_MAX + 1]);
/* Which of ids (count of them) typed names: a local name (exactly, ASCII case ignored), else the
 * start of a fingerprint (8 or more characters; spaces and dashes ignored, any case).  SZ_OK
 * with hits[0] its index; SZ_ERR_NOT_FOUND; SZ_ERR_EXISTS when several match (their indices in
 * hits, at most maxhits; *nhits how many). */
SZ_MUST_CHECK int sz_node_person_match(sz_node *n, const uint8_t (*ids)[32], size_t count,
    const char *typed, size_t *hits, size_t maxhits, size_t *nhits);
/* Peers to sync with: addresses as typed, one a line (SZ_KV_PEERS). */
#define SZ_KV_PEERS "node/peers"
SZ_MUST_CHECK int sz_node_peers_get(sz_node *n, sz_buf *list);
/* Add addr (again last: no duplicates) or remove it; *found: it was on the list. */
SZ_MUST_CHECK int sz_node_peers_edit(sz_node *n, const char *addr, bool add, bool *found);
/* Which posts of a cell were read (seen/<hex cell id>): the first 8 bytes of each id, sorted.
 * get fills set (empty if none); put replaces it with ids. */
#define KV_SEEN_PREFIX "seen/"
SZ_MUST_CHECK int sz_node_seen_get(sz_node *n, const uint8_t cell_id[32], sz_buf *set);
bool sz_node_seen_has(const sz_buf *set, const uint8_t id[32]);
SZ_MUST_CHECK int sz_node_seen_put(sz_node *n, const uint8_t cell_id[32],
    const uint8_t (*ids)[32], size_t count);

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
/* The same, with the name the inviter gives the newcomer (NULL: none): kept with the invitation
 * (KV_INVNAME_PREFIX + hex token) and, once a newcomer is admitted with it, the local name of
 * that identity (sz_node_name_set).  SZ_ERR_INVALID for a name that is not one. */
#define KV_INVNAME_PREFIX "invname/"
SZ_MUST_CHECK int sz_node_invite_named(sz_node *n, struct sz_cell *c, uint64_t ttl_ms,
    const struct sz_addr *addr, const char *name, char *code, size_t codelen);
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
/* Append to tokens the token (16 bytes) of every open invitation, not expired, to a cell I am
 * active in (their onion client keys are let in: node_reach.c). */
SZ_MUST_CHECK int sz_node_invites_open(sz_node *n, sz_buf *tokens);
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
	uint64_t max_bytes;        /* envelopes of at most this many bytes in all (0: no bound);
	                            * those that do not fit are left for another bundle */
} sz_node_bundle_spec;

typedef struct sz_node_bundle_stats {
	uint64_t envelopes;        /* written, or found in the bundle */
	uint64_t left;             /* export: envelopes left out by max_bytes */
	uint64_t stored, skipped, refused;
	uint64_t refused_kind;     /* import: of the refused, those this bundle's kind may not carry
	                            * (sealed ones in a passphrase bundle, another cell's in a
	                            * cell bundle) */
	bool summary_damaged;      /* export --answer: the summary was damaged (answered anyway) */
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
/* Append the scope tags of every epoch my active cells keep to b. */
SZ_MUST_CHECK int sz_node_cells_scopes(sz_node *n, sz_buf *b);
/* A cell I left stays in sync for this long, listing what it held, so that my leave reaches the
 * other members (docs/PROTOCOL.md §8, Leaving); then its envelopes go. */
#define SZ_NODE_PARTING_MS (7ull * 24 * 3600 * 1000)
/* Does nc take part in syncs: active, or out and still parting? */
bool sz_node_cell_syncs(const sz_node *n, const sz_node_cell *nc);
/* End the parting of cells whose time is up (their envelopes are deleted). */
SZ_MUST_CHECK int sz_node_cells_parting_end(sz_node *n);
/* Bundle secrets (32 bytes each, appended to secrets) and the scopes to carry (16 bytes each,
 * appended to scopes) of the cell named name, or of every cell if name is NULL: for writing, the
 * newest three of each cell (a bundle has 8 slots); for reading (reading true), all of them.
 * owners, if not NULL, gets one byte per secret: the index in n->cells of the cell it belongs to
 * (what a bundle may carry depends on whose key opened it).  SZ_ERR_NOT_MEMBER if no such cell. */
SZ_MUST_CHECK int sz_node_cells_bundle(sz_node *n, const char *name, bool reading,
    sz_buf *secrets, sz_buf *scopes, sz_buf *owners);
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
/* Route one stored sealed envelope to the active cell that owns it: *owned says whether one
 * does, *drop whether it found it not worth keeping (deleted again: 1 it does not open, junk;
 * 2 it opens but the cell will not keep it, which may be no fault of whoever sent it).  A cell
 * that comes
 * to own a new scope catches up on its stored envelopes (the quarantine's among them); one that
 * I leave or am removed from loses its sealed envelopes from the store. */
SZ_MUST_CHECK int sz_node_cells_receive(sz_node *n, const sz_env_in *in, bool *owned, int *drop);
/* The ids listed under label that this node does not hold: envelopes its cell opened and
 * declined to keep (an op a newcomer got in its welcome, a post by a member it knows was
 * removed: what an honest member may well hold), so that members do not send them again and
 * again (at most SZ_NODE_DECLINED_MAX, the newest; borrowed until the cell changes).  *count 0
 * for another label. */
#define SZ_NODE_DECLINED_MAX 2048
SZ_MUST_CHECK int sz_node_cell_declined(sz_node *n, const uint8_t label[16],
    const uint8_t (**ids)[32], size_t *count);
/* Add id to the declined list of the active cell whose label this is (if any). */
SZ_MUST_CHECK int sz_node_cell_decline(sz_node *n, const uint8_t label[16], const uint8_t id[32]);

/* What a node keeps of a cell besides its state (node_keep.c). */
/* "cell/<hex cell id>.<suffix>": seen, declined, parting. */
void sz_node_cell_kv_name(char *out, size_t n, const uint8_t cell_id[32], const char *suffix);
/* Add id to nc's declined list (oldest out past SZ_NODE_DECLINED_MAX, with the label's kept
 * sketches); written by sz_node_cell_declined_save, with the cell's state. */
SZ_MUST_CHECK int sz_node_cell_decline_id(sz_node *n, sz_node_cell *nc, const uint8_t id[32]);
SZ_MUST_CHECK int sz_node_cell_declined_save(sz_node *n, sz_node_cell *nc);
/* A cell I am out of: its parting time and the scopes it held, from the store (parting_until 0 if it
 * does not part); or, just out, its parting begins now. */
SZ_MUST_CHECK int sz_node_cell_parting_load(sz_node *n, sz_node_cell *nc);
SZ_MUST_CHECK int sz_node_cell_parting_begin(sz_node *n, sz_node_cell *nc);
/* I am out of nc's cell: its sealed envelopes (every scope in its ".seen" record) leave the
 * store with its records, pair keys and kept sketches; what it decrypted stays readable.
 * Idempotent. */
SZ_MUST_CHECK int sz_node_cell_forget(sz_node *n, sz_node_cell *nc);
/* During an ingest: what a catch-up fed, with the cell's verdict (drop as sz_node_cells_receive),
 * so that the ingest does not feed it twice. */
void sz_node_fed_note(sz_node *n, const uint8_t id[32], int drop);
bool sz_node_fed_find(const sz_node *n, const uint8_t id[32], int *drop);

/* Attachments (node_attach.c: making them, quotas, what arrives; node_files.c: their state,
 * reading them back; docs/PROTOCOL.md § Attachments).  A file's chunks are held for an owner:
 * the public scope (a leaflet's) or the local scope of a cell. */
#define KV_QUOTA "node/quota"
#define SZ_NODE_QUOTA_NODE (1ull << 30)     /* default: 1 GiB of files for the whole node */
#define SZ_NODE_QUOTA_EACH (512ull << 20)   /* default: 512 MiB for each cell and for leaflets */
typedef struct sz_node_quota {
	uint64_t node;          /* bytes of chunks for the whole node */
	uint64_t each;          /* for each owner (every cell, and public leaflets) */
} sz_node_quota;
/* The quotas (kept in KV_QUOTA; the defaults if none was set). */
SZ_MUST_CHECK int sz_node_quota_get(sz_node *n, sz_node_quota *q);
/* Set them; chunks refused under the old ones may come again (their ids are no longer listed). */
SZ_MUST_CHECK int sz_node_quota_set(sz_node *n, const sz_node_quota *q);
/* Bytes of chunks held for owner ctx, or for the whole node (ctx NULL). */
SZ_MUST_CHECK int sz_node_usage(sz_node *n, const uint8_t *ctx, uint64_t *bytes);
void sz_node_usage_drop(sz_node *n);
/* May len more bytes of chunks be held for ctx? */
bool sz_node_chunk_fits(sz_node *n, const uint8_t ctx[16], uint64_t len);
/* A stored envelope (env_id) carries the chunk of hash for ctx (key: the one that opens it, NULL
 * for a public one): note it.  SZ_ERR_LIMIT (nothing noted) if it does not fit the quotas: the
 * caller deletes the envelope and lists it (sz_node_unwanted).  fitted: the caller checked the
 * quota before storing it (sz_node_chunk_fits), noted whatever. */
SZ_MUST_CHECK int sz_node_chunk_take(sz_node *n, const uint8_t ctx[16], const uint8_t env_id[32],
    const uint8_t hash[32], const uint8_t *key, size_t len, bool fitted);
/* List id under label as held, never sent (a chunk refused for the quota), so peers stop
 * offering it; its kept sketches follow. */
SZ_MUST_CHECK int sz_node_unwanted(sz_node *n, const uint8_t label[16], const uint8_t id[32]);
/* Note the files an entry names (filed under ctx). */
SZ_MUST_CHECK int sz_node_files_note(sz_node *n, const uint8_t ctx[16], const uint8_t entry_id[32],
    uint64_t time_ms, const sz_manifest *m, size_t k);
/* Make a file into chunks and store them (for cell c, or a leaflet if c is NULL), stripped of
 * its metadata first (media/strip.h) unless the person said to send it as it is (as_is): then
 * a type with no stripper, or a PDF with embedded files or a signature, is sent unchanged or
 * stripped of what can be.  *m gets its manifest, *rep what stripping found.  SZ_ERR_UNSUPPORTED
 * (a type we cannot strip, not as_is), SZ_ERR_DENIED (stripped, but it carries what we cannot
 * remove, not as_is), SZ_ERR_TOO_LARGE (above SZ_ATTACH_MAX once stripped), SZ_ERR_LIMIT (a
 * quota), the stripper's errors for a damaged file. */
SZ_MUST_CHECK int sz_node_attach(sz_node *n, struct sz_cell *c, const uint8_t *file, size_t len,
    bool as_is, sz_manifest *m, sz_strip_report *rep);
/* What this node holds of a file. */
typedef struct sz_node_file_state {
	int state;              /* SZ_STORE_FILE_PENDING, _COMPLETE (every chunk, whole hash
	                         * checked), _DAMAGED (its index or its whole hash does not match) */
	uint32_t have, total;   /* chunks held and needed (the index counts as one) */
} sz_node_file_state;
SZ_MUST_CHECK int sz_node_file_check(sz_node *n, const sz_manifest *m, sz_node_file_state *st);
/* The file named by some post or leaflet this node holds whose hash starts with the hex
 * prefix (8+ digits).  SZ_ERR_NOT_FOUND, SZ_ERR_EXISTS (ambiguous). */
SZ_MUST_CHECK int sz_node_file_find(sz_node *n, const char *hex, sz_manifest *m);
/* Write a complete file out through fn, chunk by chunk, each checked against its hash and the
 * whole against the manifest's (SZ_ERR_AGAIN: not complete; SZ_ERR_CORRUPT: damaged). */
SZ_MUST_CHECK int sz_node_file_write(sz_node *n, const sz_manifest *m,
    int (*fn)(void *ctx, const uint8_t *p, size_t len), void *ctx);
/* Read a complete file part by part (for an answer sent as it is read): open checks that m is
 * complete here (SZ_ERR_AGAIN, SZ_ERR_CORRUPT as sz_node_file_write) and reads its index; chunk
 * reads part i (0 .. nch - 1) into data (SZ_ATTACH_CHUNK bytes), checked against its hash and
 * its expected length (SZ_ERR_CORRUPT otherwise, and the file is noted damaged).  The whole hash
 * was checked when the file was found complete; each part is checked again as it is read.  The
 * reader holds no pointer into n: close it whatever n became. */
typedef struct sz_node_file_reader {
	sz_manifest m;
	uint8_t *idx;           /* the index (malloc()ed) */
	uint32_t nch;           /* data parts */
} sz_node_file_reader;
SZ_MUST_CHECK int sz_node_file_open(sz_node *n, const sz_manifest *m, sz_node_file_reader *rd);
SZ_MUST_CHECK int sz_node_file_chunk(sz_node *n, const sz_node_file_reader *rd, uint32_t i,
    uint8_t *data, size_t *len);
void sz_node_file_close(sz_node_file_reader *rd);
void sz_node_usage_free(sz_node *n);

#endif /* SZ_APP_NODE_INT_H */
