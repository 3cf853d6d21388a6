/*
 * node_decide.h - collective decisions in a node: voting keys, enrollments and rosters, the
 * entries a cell holds (node_decide.c), rostered calls: proposals, ballots and tallies, threshold
 * pledges (node_rcall.c), declarations and co-signatures (node_declare.c), and the queue that
 * releases ballots and pledges at their time (node_pending.c).  Layer: app.  The rules are
 * src/decide's; these files wire them to cells and the store.  docs/PROTOCOL.md §13.10, §16.
 */
#ifndef SZ_APP_NODE_DECIDE_H
#define SZ_APP_NODE_DECIDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/node_int.h"
#include "decide/ballot.h"
#include "decide/declare.h"
#include "decide/pledge.h"
#include "decide/roster.h"
#include "decide/tally.h"

struct sz_cell;
struct sz_cell_event;

/* Names in the store's key-value table (docs/PROTOCOL.md §16). */
#define KV_VOTE_PREFIX "vote/"    /* + hex cell id: version u8 (1) ‖ flags u8 ‖ voting secret[32]
                                     ‖ members[16] (hash of the members last enrolled to) */
#define KV_PEND_INDEX "pend/index"/* the queue of ballots and pledges (node_pending.c) */
#define KV_PEND_PREFIX "pend/"    /* + 8 hex digits: one queued entry */
#define KV_ANON_PREFIX "anon/"    /* + hex entry id: the epochs a ballot or pledge arrived under */
#define KV_DECL_PREFIX "decl/"    /* + hex declaration id: the cell (id) it was declared in */

#define SZ_VOTE_ENROLLED 0x01     /* flags of vote/<id>: my enrollment was posted */
#define SZ_NODE_PENDING_MAX 256   /* queued and recently released ballots and pledges */
/* Released ballots and pledges are kept (to seal them again if a removal taints their epoch)
 * until this long after their deadline. */
#define SZ_NODE_RESEAL_KEEP_MS (30ull * 24 * 3600 * 1000)
/* Within this of its deadline, an anonymous entry that finds no epoch every member is known to
 * hold is sealed under the newest clean one (sz_cell_post_anonymous_late). */
#define SZ_NODE_LATE_SEAL_MS (3600ull * 1000)
#define SZ_NODE_MAX_SCAN 100000   /* entries of one scope looked at by one call */

/* --- entries of a cell ------------------------------------------------------------------- */

/* Decoded, verified entries; de[i] borrows from bufs[i]. */
typedef struct sz_node_entries {
	sz_decide_entry *de;
	uint8_t **bufs;
	size_t n, cap;
} sz_node_entries;

void sz_node_entries_free(sz_node_entries *v);
/* Append to out every entry filed under scope whose kind is kind and, if parent is not NULL,
 * that names parent among its parents.  Entries that do not decode are skipped. */
SZ_MUST_CHECK int sz_node_entries_of(sz_node *n, const uint8_t scope[16], uint8_t kind,
    const uint8_t *parent, sz_node_entries *out);
/* Load entry id and decode it into de (borrowing from *buf, which the caller frees).
 * SZ_ERR_NOT_FOUND. */
SZ_MUST_CHECK int sz_node_entry_load(sz_node *n, const uint8_t id[32], uint8_t **buf,
    sz_decide_entry *de);
/* The entry of kind whose id starts with hex (8..64 digits) among c's readable entries (and, for
 * declarations, the published ones declared in c).  SZ_ERR_INVALID (too few digits),
 * SZ_ERR_NOT_FOUND, SZ_ERR_EXISTS (ambiguous); the message is in sz_node_errmsg. */
SZ_MUST_CHECK int sz_node_decide_find(sz_node *n, struct sz_cell *c, uint8_t kind,
    const char *hex, uint8_t id[32]);
/* Post an entry of kind with body into c (sz_cell_post) and file it.  parents NULL: the heads of
 * c's readable entries. */
SZ_MUST_CHECK int sz_node_cell_post(sz_node *n, struct sz_cell *c, uint8_t kind,
    const uint8_t *body, size_t len, const uint8_t (*parents)[32], size_t nparents,
    uint8_t id[32]);
/* BLAKE2b-128 of the sorted ids of c's current members: what changes when someone joins, leaves
 * or is removed (a record posted for one set of members is posted again for the next). */
SZ_MUST_CHECK int sz_node_members_hash(const struct sz_cell *c, uint8_t h[16]);
/* The cell whose (shared) id is id, or NULL. */
struct sz_cell *sz_node_cell_by_id(sz_node *n, const uint8_t id[32]);

/* --- voting keys, enrollments, rosters (node_decide.c) ------------------------------------ */

/* Make my voting key for c if I have none (kept in vote/<hex cell id>) and post my enrollment
 * if it has not been posted since the members last changed (newcomers cannot read older posts).  SZ_ERR_NOT_MEMBER if I am not active in c, SZ_ERR_STATE if I
 * cannot post yet; errors of the store. */
SZ_MUST_CHECK int sz_node_vote_ensure(sz_node *n, struct sz_cell *c);
/* sz_node_vote_ensure, then my voting key for c (free with sz_vote_key_free). */
SZ_MUST_CHECK int sz_node_vote_key(sz_node *n, struct sz_cell *c, sz_vote_key **out);
/* I left or was removed: erase my voting key for c and drop its queued entries. */
void sz_node_vote_forget(sz_node *n, const struct sz_cell *c);

/* The voting keys the cell admits: one per member (its earliest valid enrollment by timestamp,
 * then id), with a proof that holds and posted by that member's own signing key. */
typedef struct sz_node_roster {
	uint8_t (*now)[32];     /* of current members, canonical */
	size_t nnow;
	uint8_t (*ever)[32];    /* of everyone who was ever a member (removed ones too), canonical */
	size_t never;
} sz_node_roster;
SZ_MUST_CHECK int sz_node_roster_get(sz_node *n, struct sz_cell *c, sz_node_roster *out);
void sz_node_roster_free(sz_node_roster *r);

/* How a roster snapshot (of a proposal or call) compares with the cell. */
typedef struct sz_node_roster_check {
	size_t strangers;       /* keys no member of the cell enrolled, as far as this node knows */
	size_t departed;        /* keys of members removed or gone since */
	size_t missing;         /* current members' keys the snapshot leaves out */
} sz_node_roster_check;
SZ_MUST_CHECK int sz_node_roster_judge(const sz_node_roster *r, const uint8_t (*snap)[32],
    size_t n, sz_node_roster_check *out);
/* Judge a snapshot roster (of a proposal or pledge call: what, made by who) against c's
 * admitted keys into rc, and refuse it (SZ_ERR_DENIED, with the reason) if it holds a key no
 * member enrolled: a ring padded with keys of its maker's would let it vote several times. */
SZ_MUST_CHECK int sz_node_roster_vet(sz_node *n, struct sz_cell *c, const uint8_t (*snap)[32],
    size_t nsnap, sz_node_roster_check *rc, const char *what, const char *who);

/* The cell filed a MESSAGE event e that came in an envelope of scope env_scope (NULL for my
 * own): note what decisions need (epochs of anonymous entries, the cell of a declaration). */
SZ_MUST_CHECK int sz_node_decide_filed(sz_node *n, struct sz_cell *c,
    const struct sz_cell_event *e, const uint8_t *env_scope);
/* Note that anonymous entry id of c is held in a copy sealed under scope. */
SZ_MUST_CHECK int sz_node_anon_note(sz_node *n, struct sz_cell *c, const uint8_t id[32],
    const uint8_t scope[16]);
/* 1 if a copy of anonymous entry id was sealed under an epoch that no member removed in my view
 * holds (for an epoch I no longer keep: none did when it arrived); else 0.  A ballot or pledge
 * counts only then: a removed member who has not heard of the removal still seals under the old
 * epoch, and its entries are set aside (docs/threat/decisions.md §10). */
int sz_node_anon_counts(sz_node *n, struct sz_cell *c, const uint8_t id[32]);
/* Keep only the entries of v that count (sz_node_anon_counts); *set_aside gets how many not. */
void sz_node_anon_filter(sz_node *n, struct sz_cell *c, sz_node_entries *v, size_t *set_aside);

/* --- the queue of ballots and pledges (node_pending.c) ------------------------------------ */

/* Queue a signed anonymous entry of kind (ballot or pledge) about subject for release at
 * release_ms (at_once: release and re-seal without delay).  SZ_ERR_LIMIT when full. */
SZ_MUST_CHECK int sz_node_pending_add(sz_node *n, struct sz_cell *c, uint8_t kind,
    const uint8_t subject[32], uint64_t release_ms, uint64_t deadline_ms, bool at_once,
    const uint8_t *entry, size_t len);
/* Drop what waits (unreleased) about subject; *dropped gets how many. */
SZ_MUST_CHECK int sz_node_pending_drop(sz_node *n, const uint8_t subject[32], size_t *dropped);
/* Drop everything queued or kept for the cell whose id is cell_id (I left it, or was removed). */
SZ_MUST_CHECK int sz_node_pending_drop_cell(sz_node *n, const uint8_t cell_id[32]);
/* When my entry about subject leaves: SZ_OK and *release_ms, or SZ_ERR_NOT_FOUND. */
SZ_MUST_CHECK int sz_node_pending_find(sz_node *n, const uint8_t subject[32],
    uint64_t *release_ms);
/* Release what is due (sz_cell_post_anonymous, stored and filed) and queue again, with a fresh
 * delay, my released entries whose epoch a removal has tainted.  Items of cells I am no longer
 * active in are dropped.  *released (may be NULL) gets how many left now. */
SZ_MUST_CHECK int sz_node_pending_run(sz_node *n, size_t *released);

/* --- proposals and ballots (node_rcall.c) ------------------------------------------------- */

/* Propose question with labels (2..16) until deadline_ms, the roster being the cell's admitted
 * keys now (*ring gets their number).  SZ_ERR_DENIED (fewer than 3 enrolled members),
 * SZ_ERR_EXPIRED (deadline not in the future), SZ_ERR_INVALID / SZ_ERR_TOO_LARGE (text). */
SZ_MUST_CHECK int sz_node_propose(sz_node *n, struct sz_cell *c, const char *question,
    const char *const *labels, size_t nlabels, uint64_t deadline_ms, uint8_t id[32],
    size_t *ring);

typedef struct sz_node_vote_out {
	uint32_t revision;      /* 0 for a first ballot */
	uint64_t release_ms;    /* when it leaves */
	size_t replaced;        /* waiting ballots of mine it replaces */
	size_t ring;
	bool small_ring;
	bool released;          /* it has left already (at_once) */
} sz_node_vote_out;
/* Vote option on proposal pid: sign the ballot for its release time and queue it.  A later vote
 * replaces a waiting one, or casts the next revision.  SZ_ERR_EXPIRED (deadline passed),
 * SZ_ERR_NOT_MEMBER (my key is not on the roster), SZ_ERR_DENIED (the roster holds strangers),
 * SZ_ERR_INVALID (option). */
SZ_MUST_CHECK int sz_node_vote(sz_node *n, struct sz_cell *c, const uint8_t pid[32],
    unsigned option, bool at_once, sz_node_vote_out *out);

typedef struct sz_node_tally {
	uint8_t *buf;           /* the proposal entry (owned) */
	sz_decide_entry de;
	sz_proposal p;          /* borrows from buf */
	sz_tally t;
	sz_node_roster_check rc;
	size_t set_aside;       /* ballots held only under epochs a removed member holds */
	bool closed;            /* the deadline has passed by this node's clock */
	bool pending;           /* a ballot of mine waits */
	uint64_t pending_ms;
} sz_node_tally;
/* Count the ballots this node holds on pid.  SZ_ERR_DENIED if the roster holds strangers. */
SZ_MUST_CHECK int sz_node_tally_run(sz_node *n, struct sz_cell *c, const uint8_t pid[32],
    sz_node_tally *out);
void sz_node_tally_free(sz_node_tally *t);

/* --- threshold pledges (node_rcall.c) ----------------------------------------------------- */

SZ_MUST_CHECK int sz_node_pledge_call(sz_node *n, struct sz_cell *c, const char *text,
    uint32_t threshold, uint64_t deadline_ms, uint8_t id[32], size_t *ring);
/* Pledge on call cid (queued like a ballot).  SZ_ERR_EXISTS if I pledged or a pledge waits. */
SZ_MUST_CHECK int sz_node_pledge_sign(sz_node *n, struct sz_cell *c, const uint8_t cid[32],
    bool at_once, uint64_t *release_ms);

typedef struct sz_node_pledges {
	uint8_t *buf;
	sz_decide_entry de;
	sz_pledge_call call;
	sz_pledge_status st;
	sz_node_roster_check rc;
	size_t set_aside;
	bool closed;
	bool pending;
	uint64_t pending_ms;
	bool mine;              /* my pledge is among the counted */
	bool revealed;          /* I revealed it */
	uint8_t (*revealers)[32]; /* identity keys of members whose reveal holds (malloc()ed) */
	size_t nrevealers;
} sz_node_pledges;
SZ_MUST_CHECK int sz_node_pledge_status(sz_node *n, struct sz_cell *c, const uint8_t cid[32],
    sz_node_pledges *out);
void sz_node_pledges_free(sz_node_pledges *p);
/* Reveal my pledge on cid: refused (SZ_ERR_DENIED) until the threshold is reached here;
 * SZ_ERR_NOT_FOUND if my pledge is not counted here; SZ_ERR_EXISTS if revealed already.  st
 * (may be NULL) gets the status it was judged on. */
SZ_MUST_CHECK int sz_node_pledge_reveal(sz_node *n, struct sz_cell *c, const uint8_t cid[32],
    sz_node_pledges *st);

/* --- declarations (node_declare.c) -------------------------------------------------------- */

/* Declare title and text in c; pub: mark it for publication and publish the entry too. */
SZ_MUST_CHECK int sz_node_declare(sz_node *n, struct sz_cell *c, const char *title,
    const char *text, bool pub, uint8_t id[32]);
/* Co-sign declaration did of c: in the cell (cell signing key) or publicly (identity key,
 * published).  SZ_ERR_DENIED (public on a declaration kept in the cell), SZ_ERR_EXISTS. */
SZ_MUST_CHECK int sz_node_cosign(sz_node *n, struct sz_cell *c, const uint8_t did[32], bool pub);

typedef struct sz_node_signatures {
	uint8_t *buf;           /* the declaration entry (owned) */
	sz_decide_entry de;
	sz_declaration d;
	sz_cosign_result res;
	bool in_cell;           /* judged as a member of its cell (in-cell signatures counted) */
	char cell_name[65];
	size_t uncheckable;     /* in-cell signatures an outsider cannot judge */
} sz_node_signatures;
/* Verify every co-signature held of the declaration whose id starts with hex: as a member of
 * its cell if I am one, else only the public ones. */
SZ_MUST_CHECK int sz_node_signatures_get(sz_node *n, const char *hex, sz_node_signatures *out);
void sz_node_signatures_free(sz_node_signatures *s);

/* --- listing ------------------------------------------------------------------------------ */

typedef struct sz_node_subject {
	uint8_t id[32];
	uint8_t kind;           /* SZ_KIND_PROPOSAL, SZ_KIND_PLEDGE_CALL or SZ_KIND_DECLARATION */
	uint64_t time_ms;
	uint64_t deadline_ms;   /* 0 for declarations */
	const uint8_t *text;    /* question, call text or title (borrowed for the callback) */
	size_t text_len;
	size_t noptions;
	const uint8_t *label[SZ_PROPOSAL_MAX_OPTIONS];
	size_t label_len[SZ_PROPOSAL_MAX_OPTIONS];
	uint32_t threshold;
	size_t ring;
	bool pub;               /* a declaration meant for publication */
	bool pending;           /* a ballot or pledge of mine waits */
	uint64_t pending_ms;
} sz_node_subject;
/* Call fn for each proposal, pledge call and declaration of c, oldest first. */
SZ_MUST_CHECK int sz_node_decisions(sz_node *n, struct sz_cell *c,
    int (*fn)(void *ctx, const sz_node_subject *s), void *ctx);

#endif /* SZ_APP_NODE_DECIDE_H */
