/*
 * cell_int.h - the private state of a cell and the internal interfaces between its modules.
 * Layer: cell.  Not for use outside src/cell; docs/PROTOCOL.md §11 (Cells) is the specification.
 * keys.c (2SM, member ratchets, message chains), members.c (membership with strong remove),
 * ops.c (control-op codec, my ops), process.c (others' ops), fold.c (lazy acks: folds, windows),
 * cell.c (facade, sealing, posts), state.c / statefile.c (welcome, serialization).
 */
#ifndef SZ_CELL_CELL_INT_H
#define SZ_CELL_CELL_INT_H

#include <stddef.h>
#include <stdint.h>

#include "cell/cell.h"
#include "lib/bytes.h"
#include "lib/env.h"

/* --- bounds (docs/PROTOCOL.md §11 (Cells) §9) --------------------------------------------------- */
#define CELL_MAX_MEMBERS 2048      /* identities ever known in one cell, removed ones included */
#define CELL_MAX_MOPS 8192         /* membership operations (create, add, remove, leave) */
#define CELL_MAX_HEADS 16          /* membership heads one op may declare */
#define CELL_DH_RING 8             /* my published 2SM keys kept (slot 0: the prekey, forever) */
#define CELL_GENS 3                /* receiving chain generations kept per member */
#define CELL_MAX_SKIP 256          /* message keys one message may skip over */
#define CELL_SKIPPED 256           /* skipped message keys kept in all */
#define CELL_EPOCHS 32             /* epoch (sealing) keys kept */
#define CELL_SEEDED 512            /* seeded ops remembered (for acks and forwards) */
#define CELL_WINDOW 8              /* folds owed or announced since my last signed op */
#define CELL_HELD 256              /* inner plaintexts held for missing dependencies */
#define CELL_HELD_BYTES (8u << 20) /* ... and their total size */
#define CELL_NAME_MAX 64
#define CELL_OPREC 4               /* applied ops remembered per member (equivocation check) */
#define CELL_WELCOME_MAX SZ_CELL_WELCOME_MAX
#define CELL_MAX_VOUCH 16          /* ops one op may vouch for (docs/PROTOCOL.md §11 §7.2) */
#define CELL_UNVOUCHED 4           /* ops of a removed member taken past what is vouched for */
#define CELL_HEAL_AT_ONCE 64       /* a newcomer's first op is its update up to this many members */
#define CELL_HEAL_POSTS 16         /* ... else its update comes before its 17th post */
#define CELL_HEAL_MS (24ull * 3600 * 1000) /* ... or its first post after 24 hours */

#define CELL_MW (CELL_MAX_MEMBERS / 64)
#define CELL_OW (CELL_MAX_MOPS / 64)

/* Control op types (the second byte of a control body). */
enum {
	OP_CREATE = 1, OP_ADD = 2, OP_ADDACK = 3, OP_UPDATE = 4, OP_REMOVE = 5, OP_ACK = 6,
	OP_LEAVE = 7,
};
/* Kinds of fold (a lazy ack: one step of the folder's ratchet, docs/PROTOCOL.md §11 §4.1). */
enum { FOLD_ACK = 1, FOLD_ADD = 2 };
/* Types of sealed plaintexts (the first byte under the seal). */
enum { SEAL_CONTROL = 0x01, SEAL_MESSAGE = 0x02, SEAL_WELCOME = 0x03, SEAL_ANON = 0x04,
	SEAL_EPOCHS = 0x05, SEAL_CHUNK = 0x06 };

typedef struct cell_mset { uint64_t w[CELL_MW]; } cell_mset; /* a set of member indices */
typedef struct cell_oset { uint64_t w[CELL_OW]; } cell_oset; /* a set of mop indices */

/* Words of a member set as the state and the welcome write it: those of members 0 .. n - 1. */
static inline size_t cell_words(unsigned n) { return (n + 63) / 64; }
static inline void mset_add(cell_mset *s, unsigned i) { s->w[i / 64] |= 1ull << (i % 64); }
static inline int mset_has(const cell_mset *s, unsigned i) { return (s->w[i / 64] >> (i % 64)) & 1; }
static inline void oset_add(cell_oset *s, unsigned i) { s->w[i / 64] |= 1ull << (i % 64); }
static inline int oset_has(const cell_oset *s, unsigned i) { return (s->w[i / 64] >> (i % 64)) & 1; }
static inline void oset_del(cell_oset *s, unsigned i) { s->w[i / 64] &= ~(1ull << (i % 64)); }

/* The key the posts of a chain are authored by: key, or (tweaked) key + tw·B, computed when a
 * post needs it (docs/PROTOCOL.md §11 §4.1). */
typedef struct cell_author {
	uint8_t key[32];
	uint8_t tweaked;
	uint8_t tw[32];
} cell_author;

typedef struct cell_chain {
	uint8_t used;
	uint32_t gen;       /* the member's ratchet step that started this chain */
	uint32_t ctr;       /* next counter */
	uint8_t ck[32];
	cell_author au;     /* unused (zeros) for my sending chain */
} cell_chain;

/* One fold as it travels: kind, and the op it acknowledges (its author's mref and seq). */
typedef struct cell_fold {
	uint8_t kind;       /* FOLD_ACK (a seeded op), FOLD_ADD (an add) */
	uint32_t mref, seq;
} cell_fold;

typedef struct cell_member {
	uint8_t id[32];         /* Ed25519 identity public key = member id */
	uint8_t xid[32];        /* its X25519 twin */
	uint32_t mref;          /* 4-byte reference inside the cell */
	uint8_t prekey[32];     /* X25519 prekey (2SM index 0) */
	uint8_t csk[2][32];     /* cell signing keys: current, previous (all zero = none) */
	uint8_t dh_pk[32];      /* latest published 2SM key we know, and its index (0 = prekey) */
	uint16_t dh_idx;
	uint32_t done;          /* highest seq of this member's ops processed (a prefix) */
	uint32_t base;          /* ops <= base were before we joined */
	uint32_t tmax;          /* its ops <= tmax precede a removal (or leave) of it I applied */
	uint32_t vouch;         /* its ops <= vouch were applied by a member before that member
	                         * knew of its removal (a vouch), or by me before I did: their
	                         * membership effect stands (docs/PROTOCOL.md §11 §7.2) */
	uint8_t vouch_id[8];    /* ... the id of its op vouch (the chain up to it is fixed by prev) */
	uint32_t pv_seq;        /* a vouch for an op of it I have not applied yet: seq and id */
	uint8_t pv_id[8];
	uint8_t sure[8];        /* an epoch it surely holds (its add listed it): scope[0..8] */
	uint8_t nvh;            /* the heads of its last applied op (mop indices): its next op's */
	uint16_t vh[CELL_MAX_HEADS]; /* view must contain them (heads are monotone) */
	uint32_t steps;         /* steps its ratchet took: signed ops and folds (chain generations) */
	uint8_t nwin;           /* folds it applied since its op `done` (its open window) */
	cell_fold win[CELL_WINDOW];
	uint8_t rk_known;       /* ratchet state known */
	uint8_t rk[32];         /* member ratchet (DCGKA's γ.ratchet[ID]) */
	uint8_t alt_known;      /* a newcomer added twice at once (csk[1] named by the second add):
	                         * the ratchet that add gives it, taken if its first op is signed */
	uint8_t rk_alt[32];     /* by csk[1] (docs/PROTOCOL.md §11 §4) */
	uint16_t jadd[2];       /* before its first op: 1 + the mop index of the add that named
	                         * csk[0] / rk and csk[1] / rk_alt (0: none); its first op names
	                         * the add it joined from, and that one's key and ratchet are taken */
	uint8_t restart;        /* a newcomer that has made no seeded op yet: its first one
	                         * restarts its ratchet from zeros (docs/PROTOCOL.md §11 §4) */
	cell_chain ch[CELL_GENS];
	uint32_t send_ctr, recv_ctr; /* 2SM, me -> member and member -> me */
	uint8_t send_ck[32], recv_ck[32];
	/* The last CELL_OPREC ops applied: slot seq % CELL_OPREC holds the first 16 bytes of the
	 * entry id, then the first 16 bytes of the key that signed it (all zero = none). */
	uint8_t oprec[CELL_OPREC][32];
} cell_member;

typedef struct cell_mop {
	uint8_t type;           /* OP_CREATE, OP_ADD, OP_REMOVE, OP_LEAVE */
	uint8_t authorized;     /* author a member of the op's strict past (and target addable) */
	uint16_t author, target;
	uint32_t seq;
	uint32_t tseq;          /* remove: the target's last op its author had applied; leave: seq */
	uint8_t id[8];          /* the first 8 bytes of its entry id (heads name ops by it) */
	cell_oset past;         /* mops in its causal past, itself included */
} cell_mop;

typedef struct cell_seeded {
	uint8_t used;
	uint16_t author;
	uint32_t seq;
	uint8_t has_e;
	cell_mset holders;      /* who has its epoch: recipients and author, forwarded ones */
	cell_mset shares;       /* who can derive every member's share s_{X,M}: recipients and
	                         * author, and newcomers whose welcome gave the root (their add
	                         * listed the epoch); a forward gives one share only */
	uint64_t order;
	uint8_t e[32];          /* its epoch secret, for forwards */
	uint8_t has_msr;
	uint8_t msr[32];        /* member-secret root: s_{X,M} = KDF(msr, M); wiped once none owes */
	cell_mset owe;          /* recipients that have not folded it yet (in my view) */
} cell_seeded;

typedef struct cell_epoch {
	uint8_t used;
	uint8_t e[32];          /* E_X */
	uint8_t key[32];        /* sealing key */
	uint8_t scope[16];
	uint64_t order;         /* local order of learning, higher = newer */
	cell_mset holders;      /* who may know E_X (over-approximated) */
	uint8_t acked;          /* every member that got its seed folded it (or the welcome said
	                         * so): every current member has it, so a seal under it names no one */
} cell_epoch;

typedef struct cell_skipped {
	uint8_t used;
	uint16_t member;
	uint32_t gen, ctr;
	uint8_t k[32];
	uint64_t order;
	cell_author au;     /* its chain's author key */
} cell_skipped;

typedef struct cell_held {
	uint8_t *p;             /* malloc()ed inner plaintext (type byte first) */
	size_t len;
} cell_held;

/* The whole state of one member in one cell.  Lives in sodium_malloc()ed memory. */
struct sz_cell {
	const sz_env *env;
	uint8_t status;         /* SZ_CELL_ACTIVE, SZ_CELL_REMOVED, SZ_CELL_LEFT */
	uint8_t cell_id[32];
	uint8_t name_len;
	char name[CELL_NAME_MAX + 1];
	uint8_t id_sk[64];      /* identity key (Ed25519); never signs anything in the cell */
	uint8_t id_xsk[32];     /* its X25519 twin */
	uint16_t me;            /* my member index */
	uint8_t csk_sk[64];     /* my current cell signing key */
	uint8_t dh_sk[CELL_DH_RING][32]; /* my published 2SM keys; slot 0 = my prekey */
	uint16_t dh_idx[CELL_DH_RING];
	uint8_t dh_used[CELL_DH_RING];
	uint16_t dh_last;       /* index of my latest published key */
	cell_chain send;        /* my sending chain */
	uint8_t pending_seed[32]; /* seed of the op I am building */
	uint16_t nmembers, nmops;
	uint64_t counter;       /* local order counter */
	cell_member m[CELL_MAX_MEMBERS];
	cell_mop *mop;          /* nmops of them, room for mop_cap (malloc()ed: no secret in it) */
	uint16_t mop_cap;
	cell_oset processed;    /* all mops processed: my current view */
	uint8_t npend;          /* my folds owed, not yet applied (my lazy acks) */
	cell_fold pend[CELL_WINDOW];
	uint8_t heal_due;       /* I joined with an unseeded first op: my update is due at my
	                         * CELL_HEAL_POSTS-th post or after heal_at (docs/joins.md (c)) */
	uint8_t heal_posts;     /* posts since I joined */
	uint64_t heal_at;       /* ms */
	cell_mset fresh;        /* newcomers whose adds I applied since my last add fold */
	cell_mset resync;       /* ... of them, those whose welcome may not lead to my ratchet: my
	                         * add fold's item carries it (docs/PROTOCOL.md §11 §4.1) */
	cell_seeded seeded[CELL_SEEDED];
	cell_epoch ep[CELL_EPOCHS];
	cell_skipped skip[CELL_SKIPPED];
	cell_held held[CELL_HELD];
	size_t nheld, held_bytes;
	uint8_t leave_designee; /* set when I must rekey after a leave */
	uint8_t vouch_due;      /* I applied ops of a member before learning of its removal: say so
	                         * in a signed op soon (an ACK op: docs/PROTOCOL.md §11 §7.2) */
	uint32_t follow_agree, follow_differ; /* add-ack items that agreed (or not) with where the
	                         * welcome's member states led me: for the tests, not serialized */
};

/* A decoded control op; pointers borrow from the entry body. */
typedef struct cell_dm {
	uint32_t mref;
	uint16_t tidx;
	uint32_t ctr;
	uint8_t nitem;                   /* fold dms: the folds whose items it carries */
	uint8_t item[CELL_WINDOW];       /* ... their indices in the window, increasing */
	const uint8_t *ct;
	size_t ctlen;
} cell_dm;

typedef struct cell_op {
	uint8_t type;
	uint32_t mref, seq;
	const uint8_t *prev;             /* the first 8 bytes of the id of the author's op seq - 1 */
	uint8_t nvouch;                  /* ops the author applied that its heads do not name */
	uint32_t vouch_mref[CELL_MAX_VOUCH], vouch_seq[CELL_MAX_VOUCH];
	const uint8_t *vouch_id[CELL_MAX_VOUCH];
	const uint8_t *target_csk;       /* ADD: the newcomer's first cell signing key */
	uint8_t nwep;                    /* ADD: the epochs its welcome gives the newcomer: ... */
	const uint8_t *wep;              /* ... nwep ids (the first 8 bytes of each scope tag) */
	uint32_t target_seq;             /* REMOVE: the target's last op the author had applied */
	uint8_t nf;                      /* ACK: the window it closes */
	cell_fold fold[CELL_WINDOW];
	uint8_t nheads;
	uint32_t head_mref[CELL_MAX_HEADS], head_seq[CELL_MAX_HEADS];
	const uint8_t *head_id[CELL_MAX_HEADS];
	const uint8_t *target;           /* ADD, REMOVE: member id (32) */
	const uint8_t *prekey;           /* ADD: target's prekey; CREATE: creator's prekey */
	const uint8_t *csk_new;          /* CREATE, UPDATE, REMOVE */
	const uint8_t *dh_new;           /* CREATE, UPDATE, REMOVE */
	const uint8_t *cell_id;          /* CREATE */
	const uint8_t *ek;               /* UPDATE, REMOVE, ACK with items */
	uint32_t jf_mref, jf_seq;        /* seq 1 but a create: the add its author joined from */
	const uint8_t *jf_id;            /* ... (its author's mref, its seq, id[8]) */
	size_t prefix_len;               /* bytes of the body before the direct messages */
	uint16_t ndm;
	cell_dm *dm;                     /* ndm direct messages, malloc()ed by the decoder (up to
	                                  * CELL_MAX_MEMBERS x 48 B: not on the stack); sz_cellop_free */
} cell_op;

/* --- keys.c ------------------------------------------------------------------------------ */
/* HKDF-SHA256 with a label: out = HKDF(salt = "samizdat cell v1", ikm, info = label || ctx). */
SZ_MUST_CHECK int sz_cellk_kdf(uint8_t *out, size_t outlen, const uint8_t *ikm, size_t ikmlen,
    const char *label, const uint8_t *ctx, size_t ctxlen);
/* The member reference of id in cell cell_id. */
uint32_t sz_cellk_mref(const uint8_t cell_id[32], const uint8_t id[32]);
/* Fresh X25519 / Ed25519 key pairs from the cell's injected randomness (c->env), so that a
 * seeded env replays a cell exactly (tests, fuzzing). */
SZ_MUST_CHECK int sz_cellk_dh_keypair(const sz_cell *c, uint8_t pk[32], uint8_t sk[32]);
SZ_MUST_CHECK int sz_cellk_sign_keypair(const sz_cell *c, uint8_t pk[32], uint8_t sk[64]);
/* Derive an epoch's sealing key and scope tag from E. */
SZ_MUST_CHECK int sz_cellk_epoch(cell_epoch *ep, const uint8_t e[32]);
/* 2SM: encrypt pt (ptlen bytes) to member idx under the op's ephemeral key (esk, epk); ad binds
 * the broadcast part.  Writes the header fields into dm (tidx, ctr) and ptlen + 16 bytes to ct. */
SZ_MUST_CHECK int sz_cellk_dm_seal(sz_cell *c, uint16_t idx, const uint8_t esk[32],
    const uint8_t *ad, size_t adlen, const uint8_t *pt, size_t ptlen, uint16_t *tidx,
    uint32_t *ctr, uint8_t *ct);
/* 2SM: decrypt a direct message from the member whose record is from (its record in c, or a
 * staged copy of it), ephemeral key epk.  pt gets dm->ctlen - 16 bytes.  The channel (in
 * *from) advances only on success. */
SZ_MUST_CHECK int sz_cellk_dm_open(sz_cell *c, cell_member *from, const uint8_t epk[32],
    const uint8_t *ad, size_t adlen, const cell_dm *dm, uint8_t *pt);
/* One step of member m's ratchet with input (DCGKA's update_ratchet): m->steps grows by one;
 * if the ratchet is known, a chain of generation m->steps starts (in *send when it is not
 * NULL: my sending chain), whose posts are authored by key (+ tw·B when tw is not NULL). */
SZ_MUST_CHECK int sz_cellk_step(cell_member *m, cell_chain *send, const uint8_t *input,
    size_t inlen, const uint8_t key[32], const uint8_t *tw);
/* A newcomer's first ratchet: KDF(I, "newcomer", id) where I starts the chain ch of its adder's
 * "welcome" step (docs/PROTOCOL.md §11 §4): every member that follows the adder derives it. */
SZ_MUST_CHECK int sz_cellk_newcomer(const cell_chain *ch, const uint8_t id[32], uint8_t rk[32]);
/* Member idx's chain of generation gen, or NULL. */
const cell_chain *sz_cellk_chain_of(const cell_member *m, uint32_t gen);
/* sz_cellk_step for member idx of c (my sending chain if idx is me), authored by its csk. */
SZ_MUST_CHECK int sz_cellk_ratchet(sz_cell *c, uint16_t idx, const uint8_t *input, size_t inlen);
/* The message key for (member, gen, ctr): from a chain or the skipped store; keys are consumed
 * (the chain steps to ctr, keeping the ones it passes as skipped).  SZ_ERR_AGAIN if the
 * generation is newer than any known (hold), SZ_ERR_NOT_FOUND if gone, SZ_ERR_LIMIT if ctr
 * skips more than CELL_MAX_SKIP.  Call it only for a message that opened with the key
 * sz_cellk_msgkey_peek gave: a forged header must not cost a genuine message its key. */
SZ_MUST_CHECK int sz_cellk_msgkey(sz_cell *c, uint16_t idx, uint32_t gen, uint32_t ctr,
    uint8_t k[32]);
/* The same key, with no change to the state; m is member idx's record (or a staged copy).
 * *au (if not NULL) receives who the posts of that chain are authored by. */
SZ_MUST_CHECK int sz_cellk_msgkey_peek(const sz_cell *c, uint16_t idx, const cell_member *m,
    uint32_t gen, uint32_t ctr, uint8_t k[32], const cell_author **au);
/* The next key of a sending chain, with its gen and ctr. */
SZ_MUST_CHECK int sz_cellk_chain_next(cell_chain *ch, uint32_t *gen, uint32_t *ctr,
    uint8_t k[32]);
/* The key posts are authored by (computing key + tw·B when tweaked). */
SZ_MUST_CHECK int sz_cellk_author(const cell_author *au, uint8_t out[32]);
/* Member m's chain gen (and its skipped keys) are authored by pk: remember it resolved. */
void sz_cellk_author_resolved(sz_cell *c, uint16_t idx, uint32_t gen, const uint8_t pk[32]);
/* Forget every secret tied to member idx (it was removed). */
void sz_cellk_forget(sz_cell *c, uint16_t idx);

/* --- members.c --------------------------------------------------------------------------- */
/* Member index for an id / a mref; -1 if unknown. */
int sz_cellm_find(const sz_cell *c, const uint8_t id[32]);
int sz_cellm_by_mref(const sz_cell *c, uint32_t mref);
/* Add a member record (or find it); SZ_ERR_EXISTS if its mref collides with another id. */
SZ_MUST_CHECK int sz_cellm_intern(sz_cell *c, const uint8_t id[32], const uint8_t prekey[32],
    uint16_t *idx);
/* Member idx comes back by a new add (its removal was a revocation): a fresh newcomer record
 * with the add's prekey and first csk; nothing of its earlier instance is kept. */
void sz_cellm_renew(sz_cell *c, uint16_t idx, const uint8_t prekey[32], const uint8_t csk[32]);
/* The members of view v (a causally closed set of mops), strong remove applied. */
void sz_cellm_members(const sz_cell *c, const cell_oset *v, cell_mset *out);
/* The removed set of view v (targets of authorized removes, authors of leaves, unless an add
 * later than every removal of theirs brought them back). */
void sz_cellm_removed(const sz_cell *c, const cell_oset *v, cell_mset *out);
/* Who may never be added again in view v: removed after they had acted (a removal whose author
 * had applied an op of theirs), or left.  A removal of one that had made no op is a revocation
 * of a half-done add, and does not ban. */
void sz_cellm_banned(const sz_cell *c, const cell_oset *v, cell_mset *out);
/* The mop that made member idx a member in my current view (its create or add), or -1. */
int sz_cellm_entry(const sz_cell *c, uint16_t idx);
/* Find a mop by (author, seq); -1 if none. */
int sz_cellm_mop_find(const sz_cell *c, uint16_t author, uint32_t seq);
/* Record a new mop with strict past v; computes its authorization.  tseq: for a remove, the
 * target's last op its author had applied; for a leave, its own seq.  *idx receives its index. */
SZ_MUST_CHECK int sz_cellm_mop_add(sz_cell *c, uint8_t type, uint16_t author, uint16_t target,
    uint32_t seq, uint32_t tseq, const cell_oset *v, int *idx);
/* My current heads: processed mops no other processed mop has in its past. */
size_t sz_cellm_heads(const sz_cell *c, uint16_t *out, size_t max);
/* Is member idx a member in my current view? */
int sz_cellm_is_member(const sz_cell *c, uint16_t idx);
/* Member idx applied its op seq (entry id, signed by signer, declaring heads: mop indices, or
 * NULL to keep the ones on record): done = seq, the op is recorded, its heads become the floor
 * of its next op's view, and its window closes (a signed op starts a new one). */
void sz_cellm_applied(sz_cell *c, uint16_t idx, uint32_t seq, const uint8_t id[32],
    const uint8_t signer[32], const uint16_t *heads, size_t nh);
/* Nonzero if m's applied op seq is on record, was signed by signer, and is not the entry id:
 * the author signed two different ops with one sequence number. */
int sz_cellm_equivocates(const cell_member *m, uint32_t seq, const uint8_t id[32],
    const uint8_t signer[32]);

/* --- ops.c ------------------------------------------------------------------------------- */
SZ_MUST_CHECK int sz_cellop_decode(cell_op *op, const uint8_t *body, size_t len);
/* Free what sz_cellop_decode allocated in op (its direct messages), whatever it returned; op
 * then holds no direct message.  Accepts an op that was zeroed or already freed. */
void sz_cellop_free(cell_op *op);
/* Build, sign, apply and seal one of my ops (type with target for ADD/REMOVE); appends the
 * control envelope to res.  An ADD, UPDATE or REMOVE made while my window is open is preceded
 * by an ACK that closes it (docs/PROTOCOL.md §11 §6.6). */
SZ_MUST_CHECK int sz_cellop_mine(sz_cell *c, uint8_t type, uint16_t target, sz_cell_result *res);
/* Nonzero if I applied ops of a member removed in my view that the removals I applied had
 * not seen: my next signed op vouches for them (docs/PROTOCOL.md §11 (Cells) §7.2). */
int sz_cellop_vouches_pending(const sz_cell *c);
/* My last op after applying my own removal (remover's op seq), before my keys go: an ACK whose
 * heads are my view before the removal (heads, nh) and that vouches for the removal, so that
 * members who hold it for want of a vouch apply it too (§7.2). */
SZ_MUST_CHECK int sz_cellop_farewell(sz_cell *c, const uint16_t *heads, size_t nh, int midx,
    sz_cell_result *res);
/* Process a received control entry (decoded and verified).  SZ_ERR_AGAIN: hold it. */
SZ_MUST_CHECK int sz_cellop_process(sz_cell *c, const uint8_t *entry, size_t len,
    sz_cell_result *res, const char **why);

/* Member b announced two windows that disagree (equivocation): a REJECTED event into res. */
SZ_MUST_CHECK int sz_cellop_window_conflict(sz_cell *c, uint16_t b, sz_cell_result *res,
    const char *text);
/* Helpers shared by ops.c, process.c, fold.c and cell.c. */
int sz_cellop_is_seeded(uint8_t type);
SZ_MUST_CHECK int sz_cellop_bind_hash(uint8_t h[32], const uint8_t csk[32], const uint8_t *body,
    size_t prefix_len);
size_t sz_cellop_recipients(const sz_cell *c, const cell_oset *v, uint16_t author, int skip,
    uint16_t *out);
cell_seeded *sz_cellop_seeded_find(sz_cell *c, uint16_t author, uint32_t seq);
cell_seeded *sz_cellop_seeded_new(sz_cell *c);
/* Derive a seeded op's member-secret root and epoch into rec (learning the epoch), and the
 * author's own member secret into s_author.  Set rec->owe first: a root nobody owes is wiped. */
SZ_MUST_CHECK int sz_cellop_absorb_seed(sz_cell *c, uint16_t author, const uint8_t seed[32],
    cell_seeded *rec, uint8_t s_author[32]);
/* Fold lists and fold dms (docs/PROTOCOL.md §11 §4.1): writers and checking readers. */
void sz_cellop_put_folds(sz_buf *b, const cell_fold *w, size_t n);
void sz_cellop_get_folds(sz_rd *r, cell_fold *w, size_t n);
/* Size of the item a fold of this kind carries in a dm. */
size_t sz_cellop_item_len(uint8_t kind);
/* Read `u16 ndm | [EK | ndm x dm]` for the window L (nf folds): at most max dms. */
SZ_MUST_CHECK int sz_cellop_get_dms(sz_rd *r, const cell_fold *L, uint8_t nf, cell_dm *dm,
    uint16_t max, uint16_t *ndm, const uint8_t **ek);

/* --- fold.c: lazy acks ------------------------------------------------------------------- */
/* The tweak that binds member idx's window (its folds w[0..n] since its op g) into the key its
 * next posts are authored by: csk + t·B (docs/PROTOCOL.md §11 §4.1). */
SZ_MUST_CHECK int sz_cellf_tweak(const sz_cell *c, uint16_t idx, uint32_t g, const cell_fold *w,
    size_t n, uint8_t t[32]);
/* s_{X,M}: member id's secret of the seeded op whose record is x (SZ_ERR_NOT_FOUND if gone). */
SZ_MUST_CHECK int sz_cellf_secret(const cell_seeded *x, const uint8_t id[32], uint8_t s[32]);
/* Owe a fold (I applied the op author/seq and must ack it before I next post or sign an op).
 * Closes my window first (an ACK op into res) if there is no room left. */
SZ_MUST_CHECK int sz_cellf_queue(sz_cell *c, uint8_t kind, uint16_t author, uint32_t seq,
    sz_cell_result *res);
/* I applied the authorized add (author, seq) of newcomer t: I owe one add fold (the last of
 * my owed folds, replacing an earlier one), with an item of my ratchet for t if its welcome may
 * not lead to it (docs/PROTOCOL.md §11 §4.1, Newcomers). */
SZ_MUST_CHECK int sz_cellf_added(sz_cell *c, uint16_t author, uint32_t seq, uint16_t t,
    sz_cell_result *res);
/* Newcomer t holds the epochs of the add that lists wep (nwep ids; NULL: every epoch I keep):
 * count it among their holders and those of their seeded ops. */
void sz_cellf_mark_holders(sz_cell *c, uint16_t t, const uint8_t *wep, uint8_t nwep);
/* Close my window now (an ACK op into res) if it is full or a fold must forward. */
SZ_MUST_CHECK int sz_cellf_maybe_flush(sz_cell *c, sz_cell_result *res);
/* The tweak of my posting key: *tweaked 0 (my csk itself) or 1 (csk + t·B): what my next post
 * will be authored by (my window after applying what I owe). */
SZ_MUST_CHECK int sz_cellf_post_tweak(const sz_cell *c, uint8_t t[32], int *tweaked);
/* Wipe the member-secret roots no current member still owes (the record's secrets go with). */
void sz_cellf_settle_all(sz_cell *c);

/* Applying my owed folds, staged until commit. */
typedef struct cell_flush {
	cell_fold win[CELL_WINDOW];      /* my window after */
	uint8_t nwin, first;             /* folds in it; the first one applied now */
	cell_member me;                  /* staged copies of my record and sending chain */
	cell_chain send;
	cell_mset fw[CELL_WINDOW];       /* who gets a forward of each fold applied now */
	int ia;                          /* the add fold among those applied now, or -1 */
	cell_mset resync;                /* ... whose item carries my ratchet to these newcomers */
} cell_flush;
/* Plan: my window after applying what I owe (nothing applied yet). */
void sz_cellf_plan(const sz_cell *c, cell_flush *f);
/* Apply the plan to the staged copies and write the fold dms (`u16 ndm | EK | dms`) to b, each
 * direct message bound to ad. */
SZ_MUST_CHECK int sz_cellf_build(sz_cell *c, cell_flush *f, const uint8_t ad[32], sz_buf *b);
/* Send each current member that lacks epochs I hold (in my view of who holds what) a message of
 * its own with them (SEAL_EPOCHS, docs/PROTOCOL.md §11 §2.2); envelopes into res. */
SZ_MUST_CHECK int sz_cellf_send_epochs(sz_cell *c, sz_cell_result *res);
/* Take in a SEAL_EPOCHS plaintext (cell.c hands it here).  SZ_ERR_AGAIN: its sender is unknown
 * yet, or an earlier direct message of its sender has not come. */
SZ_MUST_CHECK int sz_cell_receive_epochs(sz_cell *c, const uint8_t *pt, size_t len,
    sz_cell_result *res, const char **why);
/* Nonzero if a fold f would apply now has items to send (an add-ack, a forward). */
int sz_cellf_has_items(const sz_cell *c, const cell_flush *f);
/* Make the staged copies mine; the owed folds are gone, the window is f's. */
void sz_cellf_commit(sz_cell *c, cell_flush *f);
void sz_cellf_flush_wipe(cell_flush *f);

/* Taking a member's window (from its post or its ACK op), staged on a copy of its record. */
typedef struct cell_take {
	uint8_t from;                    /* the first fold new to me (nf if none) */
	int mine;                        /* a direct message for me opened */
	uint8_t has[CELL_WINDOW];        /* items for me, by fold index */
	uint8_t item[CELL_WINDOW][64];
	int8_t follow;                   /* my add-ack item agreed (1) or not (-1) with where the
	                                  * welcome's state of the member led me (tests) */
} cell_take;
/* Check member b's window L (nf folds since its op st->done) against what I applied, and apply
 * the new folds to st (a copy of b's record).  SZ_ERR_AGAIN: an op it names is not applied yet,
 * or my add-ack item has not come; SZ_ERR_PEER: it contradicts a window b announced before
 * (equivocation); other errors: malformed.  Nothing outside *st and *tk changes. */
SZ_MUST_CHECK int sz_cellf_take(sz_cell *c, uint16_t b, cell_member *st, const cell_fold *L,
    uint8_t nf, const cell_dm *dm, uint16_t ndm, const uint8_t *ek, const uint8_t ad[32],
    cell_take *tk, const char **why);
/* After b's record became st: who owes what, epochs learnt or forwarded. */
SZ_MUST_CHECK int sz_cellf_settle(sz_cell *c, uint16_t b, const cell_take *tk,
    const cell_fold *L, uint8_t nf, const cell_dm *dm, uint16_t ndm);
void sz_cellf_take_wipe(cell_take *tk);

/* --- state.c ----------------------------------------------------------------------------- */
/* Build and seal the welcome for newcomer idx after my add entry; appends it to res. */
SZ_MUST_CHECK int sz_cellst_welcome(sz_cell *c, uint16_t idx, const uint8_t *add_entry,
    size_t add_len, sz_cell_result *res);
/* Open a welcome (its outer seal and its 2SM layer) with my identity and join keys: *pl
 * (malloc()ed; the caller wipes and frees it) receives the payload, adder the adder's id,
 * recv_ck and recv_ctr the 2SM channel from it as opening left it. */
SZ_MUST_CHECK int sz_cellst_welcome_open(const sz_env *env, const uint8_t id_sk[64],
    const sz_cell_joinkeys *jk, const uint8_t *welcome, size_t len, uint8_t **pl, size_t *pll,
    uint8_t adder[32], uint8_t recv_ck[32], uint32_t *recv_ctr);
/* Join from a welcome's opened payload pl (what sz_cell_join finds under its two seals), with
 * adder_id the adder's identity and a fresh 2SM channel from it: the whole of sz_cell_join
 * but the opening.  For fuzz/fuzz_cell_welcome.c; sz_cell_join is the way in. */
SZ_MUST_CHECK int sz_cellst_join_payload(sz_cell **out, const sz_env *env,
    const uint8_t id_sk[64], const sz_cell_joinkeys *jk, const uint8_t adder_id[32],
    const uint8_t *pl, size_t pll, sz_cell_result *res);
/* A member's record, as welcomes and state files hold it; get: 0 if read, else r fails (err). */
void sz_cellst_put_member(sz_buf *b, const cell_member *m);
SZ_MUST_CHECK int sz_cellst_get_member(sz_rd *r, sz_cell *c, unsigned i, int err);
/* Write the mop table (welcome and state): u16 m || m x (u8 in my view, u8 type, u16 author,
 * u16 target, u32 seq, u32 target seq, id[8], past bitset). */
void sz_cellst_put_mops(sz_buf *b, const sz_cell *c);
/* Read a mop table (welcome and state), re-deriving authorization; errors go to r. */
void sz_cellst_get_mops(sz_rd *r, sz_cell *c);
/* Wipe every secret of a state that has left or was removed (keeps what identifies it). */
void sz_cellst_wipe_keys(sz_cell *c);

/* --- cell.c ------------------------------------------------------------------------------ */
/* Seal an inner plaintext under my current epoch (or ep) and append it to res->out. */
SZ_MUST_CHECK int sz_cell_seal_out(sz_cell *c, const uint8_t *pt, size_t len, sz_cell_result *res);
SZ_MUST_CHECK int sz_cell_seal_epoch(sz_cell *c, const cell_epoch *ep, const uint8_t *pt,
    size_t len, sz_cell_result *res);
/* Every member that got epoch secret e has folded its op: mark it acknowledged. */
void sz_cell_epoch_acked(sz_cell *c, const uint8_t e[32]);
/* Learn an epoch secret with its holders; no-op if known. */
SZ_MUST_CHECK int sz_cell_epoch_learn(sz_cell *c, const uint8_t e[32], const cell_mset *holders);
/* Record that the members in who were sent epoch secret e. */
void sz_cell_epoch_share(sz_cell *c, const uint8_t e[32], const cell_mset *who);
/* Append an envelope (malloc()ed; res owns it on success) to res->out. */
SZ_MUST_CHECK int sz_cell_out_push(sz_cell_result *res, uint8_t *env, size_t len);
/* Append an event to res (text is copied, truncated). */
SZ_MUST_CHECK int sz_cell_event_push(sz_cell_result *res, const sz_cell_event *ev);
/* message.c: posts (sending and receiving, with the windows they carry). */
SZ_MUST_CHECK int sz_cell_receive_message(sz_cell *c, const uint8_t *pt, size_t len,
    sz_cell_result *res, const char **why);
/* anon.c: an anonymous (SEAL_ANON) plaintext: a MESSAGE event with no actor. */
SZ_MUST_CHECK int sz_cell_receive_anon(sz_cell *c, const uint8_t *pt, size_t len,
    sz_cell_result *res, const char **why);
/* The epoch I seal with now (NULL before my first op). */
cell_epoch *sz_cell_current_epoch(const sz_cell *c);
/* chunk.c: an envelope of epoch ep that did not open under the epoch's sealing key: if it is
 * a chunk sealed under its own key (SEAL_CHUNK), a CHUNK event and SZ_OK; SZ_ERR_DECRYPT if it
 * does not open; SZ_ERR_MALFORMED if it opens but is not a chunk that matches its hash. */
SZ_MUST_CHECK int sz_cell_receive_chunk(sz_cell *c, const cell_epoch *ep, const sz_envelope *env,
    sz_cell_result *res);
/* Allocate and wipe-free a state. */
sz_cell *sz_cell_alloc(const sz_env *env);

#endif /* SZ_CELL_CELL_INT_H */
