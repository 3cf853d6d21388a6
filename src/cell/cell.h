/*
 * cell.h - cells: invite-only groups with decentralized group key agreement after DCGKA
 * (Weidner et al., CCS 2021), sealed envelopes and membership with strong remove.
 * Layer: cell (uses lib, crypto, wire).  Specification: docs/PROTOCOL.md §11 (Cells); security argument
 * and limits: docs/threat/cell.md.  One sz_cell is one member's state of one cell.
 */
#ifndef SZ_CELL_CELL_H
#define SZ_CELL_CELL_H

#include <stddef.h>
#include <stdint.h>

#include "samizdat.h"
#include "lib/env.h"
#include "wire/envelope.h"

typedef struct sz_cell sz_cell;

/* My standing in the cell. */
enum { SZ_CELL_ACTIVE = 1, SZ_CELL_REMOVED = 2, SZ_CELL_LEFT = 3 };

/* What receive (and the operations) report. */
typedef enum sz_cell_event_type {
	SZ_CELL_EV_CONTROL = 1,  /* a control op took effect: op, actor, subject */
	SZ_CELL_EV_MESSAGE = 2,  /* a post was decrypted: sender, entry, kind, body */
	SZ_CELL_EV_HELD = 3,     /* kept without effect until what it needs arrives (text says what) */
	SZ_CELL_EV_REJECTED = 4, /* refused: reason (an sz_err) and text */
} sz_cell_event_type;

/* Control ops as reported in events (SZ_CELL_EV_CONTROL.op). */
enum {
	SZ_CELL_OP_CREATE = 1, SZ_CELL_OP_ADD = 2, SZ_CELL_OP_ADDACK = 3, SZ_CELL_OP_UPDATE = 4,
	SZ_CELL_OP_REMOVE = 5, SZ_CELL_OP_ACK = 6, SZ_CELL_OP_LEAVE = 7,
};

typedef struct sz_cell_event {
	int type;                /* sz_cell_event_type */
	int op;                  /* CONTROL: SZ_CELL_OP_* */
	uint8_t actor[32];       /* CONTROL: who did it; MESSAGE: the sender's member id */
	uint8_t subject[32];     /* CONTROL: added / removed member (else zeros) */
	uint8_t entry_id[32];    /* MESSAGE: id of the post entry */
	uint8_t *entry;          /* MESSAGE: the post entry bytes (owned by the result) */
	size_t entry_len;
	uint8_t kind;            /* MESSAGE: entry kind */
	const uint8_t *body;     /* MESSAGE: points into entry */
	size_t body_len;
	sz_entry dec;            /* MESSAGE: the entry as decoded and verified here (its pointers
	                          * into entry), so that no layer above decodes it again */
	int reason;              /* REJECTED / HELD: an sz_err */
	char text[96];           /* a short English reason for the log */
} sz_cell_event;

/* Everything one call produced: events and envelopes to broadcast (acks, forwards, welcomes,
 * the newcomer's update).  Zero-initialise; release with sz_cell_result_free; reusable after. */
typedef struct sz_cell_result {
	sz_cell_event *ev;
	size_t nev, cap_ev;
	uint8_t **out;           /* envelopes (malloc()ed each) */
	size_t *outlen;
	size_t nout, cap_out;
	/* sz_cell_add: the welcome for the newcomer (malloc()ed; freed with the result).  It is not
	 * an envelope and goes to no one but the newcomer (in the answer to its join request). */
	uint8_t *welcome;
	size_t welcome_len;
	/* sz_cell_receive's verdict on the envelope it was given: 1 if it is not worth keeping
	 * (its seal does not open, or what it holds is not authentic or was refused: a forgery, a
	 * replayed re-wrap, an op of a removed member past the bound), 0 if the node should keep and
	 * relay it to other members (applied, read, held for a dependency, or an authentic post this
	 * member cannot read, such as one from before it joined). */
	int drop;
} sz_cell_result;

void sz_cell_result_free(sz_cell_result *r);

/* The keys a newcomer makes for one invitation: a one-time X25519 prekey (the welcome is sealed
 * to it; afterwards it is its 2SM key of index 0) and its first cell signing key (Ed25519), the
 * key its first op is signed with.  The adder names both public halves in its add op, so no
 * member ever takes a newcomer's key on trust (docs/PROTOCOL.md §11 (Cells) §6.2).  The secret
 * halves stay with the newcomer until it joins; wipe the struct after. */
typedef struct sz_cell_joinkeys {
	uint8_t prekey_pk[32], prekey_sk[32];
	uint8_t csk_pk[32], csk_sk[64];
} sz_cell_joinkeys;
SZ_MUST_CHECK int sz_cell_joinkeys_new(const sz_env *env, sz_cell_joinkeys *k);
/* The largest welcome sz_cell_join takes (bytes of its sealed part). */
#define SZ_CELL_WELCOME_MAX (4u << 20)

/* Create a cell named name (1..64 bytes of text) with me (identity Ed25519 sk) as only member.
 * *c receives the state (free with sz_cell_free); res gets the create envelope.  env must
 * outlive *c. */
SZ_MUST_CHECK int sz_cell_create(sz_cell **c, const sz_env *env, const char *name,
    const uint8_t id_sk[static 64], sz_cell_result *res);

/* Add the holder of identity id (Ed25519 pk) with its prekey (X25519 pk) and first cell signing
 * key (Ed25519 pk), both from its sz_cell_joinkeys: res gets the add envelope and, in
 * res->welcome, the newcomer's welcome.  SZ_ERR_EXISTS if id is a member, SZ_ERR_DENIED if this
 * cell knew id and it is not a member (removed, left, or its add was voided by the removal of
 * its adder): an identity never comes back into a cell, its holder joins with a new identity
 * (docs/PROTOCOL.md §11 (Cells) §7).  SZ_ERR_STATE if I am not active, SZ_ERR_LIMIT beyond the bounds.
 * The prekey is used once, for this welcome; its holder keeps it for the cell's life (§3). */
SZ_MUST_CHECK int sz_cell_add(sz_cell *c, const uint8_t id[static 32],
    const uint8_t prekey[static 32], const uint8_t csk[static 32], sz_cell_result *res);
/* Remove member id (strong remove): res gets the remove envelope.  SZ_ERR_NOT_MEMBER. */
SZ_MUST_CHECK int sz_cell_remove(sz_cell *c, const uint8_t id[static 32], sz_cell_result *res);
/* Refresh my keys (PCS): res gets the update envelope. */
SZ_MUST_CHECK int sz_cell_update(sz_cell *c, sz_cell_result *res);
/* Leave: res gets the leave envelope; my secrets are wiped; the state is then inert. */
SZ_MUST_CHECK int sz_cell_leave(sz_cell *c, sz_cell_result *res);
/* Post an entry of kind (SZ_KIND_POST or another cell kind) with body and causal parents:
 * res gets one envelope and a MESSAGE event holding the entry (forward secrecy: not even its
 * author can open the envelope again, so the caller keeps the entry from the event); id (if not
 * NULL) the entry id.  SZ_ERR_STATE before my first op. */
SZ_MUST_CHECK int sz_cell_post(sz_cell *c, uint8_t kind, const uint8_t *body, size_t len,
    const uint8_t (*parents)[32], size_t nparents, uint8_t id[32], sz_cell_result *res);

/* Seal an anonymous entry (a ballot or a pledge, authored by a one-time key: src/decide) with no
 * sender field, under the newest epoch every current member is known to hold (clean, given to
 * every member, and acknowledged by every member that got its seed), so neither the sender
 * field nor the epoch tells a member who cast it: res gets one envelope; receivers get a MESSAGE
 * event whose actor is all zeros.  No forward secrecy beyond the epoch.  SZ_ERR_AGAIN when no
 * epoch qualifies yet (keep it and try after the next sync), SZ_ERR_INVALID for another kind,
 * SZ_ERR_STATE unless I am active, the entry's decode errors. */
SZ_MUST_CHECK int sz_cell_post_anonymous(sz_cell *c, const uint8_t *entry, size_t len,
    sz_cell_result *res);
/* The same, for an entry whose deadline is close: when no epoch qualifies, the newest clean
 * epoch every current member was given (the seal then tells that its sender had seen the op of
 * that epoch; a late ballot beats a lost one).  SZ_ERR_AGAIN only when there is none either. */
SZ_MUST_CHECK int sz_cell_post_anonymous_late(sz_cell *c, const uint8_t *entry, size_t len,
    sz_cell_result *res);

/* Sign msg with the key my next post will be authored by (my cell signing key, shifted by the
 * tweak of the acks that post will carry: docs/PROTOCOL.md §11 (Cells) §4.1): sig receives the
 * Ed25519 signature, pk the key.  For in-cell co-signatures (src/decide/declare.h), so only
 * messages that begin with a decide-layer context ("samizdat-v1-") are signed: nothing signed
 * here can pass for an entry or a control op.  SZ_ERR_INVALID for another message, SZ_ERR_STATE
 * unless I am active and have made my first op.  sig and pk are zeroed on error.  The key changes
 * with my next op and with any envelope I receive (acks I come to owe): post what the signature
 * goes in before any other call on c. */
SZ_MUST_CHECK int sz_cell_sign(const sz_cell *c, const uint8_t *msg, size_t len,
    uint8_t sig[static 64], uint8_t pk[static 32]);

/* The scope an anonymous entry would be sealed under now (the newest epoch every current member
 * is known to hold: see sz_cell_post_anonymous).  SZ_ERR_AGAIN if there is none yet (right after
 * a removal, until the members' acks of it arrive), SZ_ERR_STATE unless I am active. */
SZ_MUST_CHECK int sz_cell_anon_scope(const sz_cell *c, uint8_t scope[static 16]);

/* Is the epoch of scope clean: does no member removed (or departed) in my current view hold it?
 * An anonymous entry sealed under a clean epoch was sealed by someone who is a member now (or
 * was given the key by one); under an epoch a removed member holds, it may be theirs.  *clean
 * receives 1 or 0.  SZ_ERR_NOT_FOUND (and *clean 0) if I do not keep that epoch (never knew it,
 * or it aged out of the CELL_EPOCHS I keep). */
SZ_MUST_CHECK int sz_cell_scope_clean(const sz_cell *c, const uint8_t scope[static 16],
    int *clean);

/* Take in one envelope.  Events and envelopes to broadcast go to res.  Returns SZ_OK when the
 * envelope was handled (even if refused: see the events), SZ_ERR_NOT_FOUND if its scope is not
 * one of mine, SZ_ERR_DECRYPT if it does not open, another error on internal failure. */
SZ_MUST_CHECK int sz_cell_receive(sz_cell *c, const uint8_t *env, size_t len, sz_cell_result *res);
/* The same for an envelope its caller parsed already (sz_env_parse returned SZ_OK for it): not
 * parsed again.  env's pointers must stay valid for the call. */
SZ_MUST_CHECK int sz_cell_receive_parsed(sz_cell *c, const sz_envelope *env, sz_cell_result *res);

/* Join from a welcome (res->welcome of the adder's sz_cell_add) with my identity and the keys I
 * made for this invitation.  *c receives the state; res gets my first update (broadcast it).
 * SZ_ERR_DECRYPT if the welcome is not for these keys, SZ_ERR_MALFORMED if it does not hold an
 * add of me with them. */
SZ_MUST_CHECK int sz_cell_join(sz_cell **c, const sz_env *env, const uint8_t id_sk[static 64],
    const sz_cell_joinkeys *k, const uint8_t *welcome, size_t len, sz_cell_result *res);

/* Current members (ids), sorted; *n receives the count (at most max written). */
SZ_MUST_CHECK int sz_cell_members(const sz_cell *c, uint8_t (*ids)[32], size_t max, size_t *n);
/* Is id a member in my current view? */
int sz_cell_is_member(const sz_cell *c, const uint8_t id[static 32]);
/* Has member id made an op that I applied (its first update after joining, or any later one)?
 * 1 if so; 0 if not, or if id is not a member.  Removing a member I have seen act bans it for good;
 * removing one I have not is a revocation of its half-done add, and it may be added again (§7). */
int sz_cell_member_acted(const sz_cell *c, const uint8_t id[static 32]);
/* SZ_CELL_ACTIVE, SZ_CELL_REMOVED or SZ_CELL_LEFT. */
int sz_cell_status(const sz_cell *c);
/* The cell id (random, 32 bytes; never travels outside a seal) and name. */
const uint8_t *sz_cell_id(const sz_cell *c);
const char *sz_cell_name(const sz_cell *c);
/* Scope tags of the epochs I keep, the one I seal with first. */
SZ_MUST_CHECK int sz_cell_scopes(const sz_cell *c, uint8_t (*scopes)[16], size_t max, size_t *n);
/* Nonzero if an envelope with this scope tag is one I can open. */
int sz_cell_owns(const sz_cell *c, const uint8_t scope[static 16]);

/* Secrets for courier bundles of this cell (src/sync/bundle.h takes them as recipients):
 * one 32-byte secret per epoch I keep whose holders include no member removed in my view, the
 * one I seal with first, then the others from the newest learnt to the oldest; *n receives the
 * count (at most max written; SZ_ERR_LIMIT if there were more).  Seal a bundle to the first two
 * or three and a member one or two epochs behind still opens it; try them all when reading.
 * Epochs a removed member knows are never listed, so it cannot open bundles sealed to these.
 * SZ_ERR_STATE once I am removed or have left (my keys are gone).  secrets hold key material:
 * the caller wipes them.  docs/PROTOCOL.md §11 (Cells) §2.1. */
SZ_MUST_CHECK int sz_cell_bundle_secrets(const sz_cell *c, uint8_t (*secrets)[32], size_t max,
    size_t *n);
/* A stable 16-byte name for this cell in my own store: the same across epochs, removals and
 * reloads of my state, different for each member of the cell (it is derived from the cell id and
 * my member id) and never sent anywhere: the node files the cell's readable entries under it.
 * Works in every status.  docs/PROTOCOL.md §11 (Cells) §2.1. */
SZ_MUST_CHECK int sz_cell_local_scope(const sz_cell *c, uint8_t out[static 16]);

/* The whole state, versioned (docs/PROTOCOL.md §11 (Cells) §8): *out malloc()ed, holds secrets (the
 * caller stores it encrypted and wipes it).  Deserialize checks every field and bound. */
SZ_MUST_CHECK int sz_cell_serialize(const sz_cell *c, uint8_t **out, size_t *len);
SZ_MUST_CHECK int sz_cell_deserialize(sz_cell **c, const sz_env *env, const uint8_t *buf,
    size_t len);

void sz_cell_free(sz_cell *c);

#endif /* SZ_CELL_CELL_H */
