/*
 * session_int.h - the inside of a sync session, shared by session.c (link, handshake, frames),
 * transfer.c (envelopes) and recon.c (finding the difference).  Layer: sync.  Not for other modules.
 */
#ifndef SZ_SYNC_SESSION_INT_H
#define SZ_SYNC_SESSION_INT_H

#include "lib/idvec.h"
#include "recon/riblt_wire.h"
#include "sync/frame.h"
#include "sync/session.h"

enum phase {
	PH_HANDSHAKE = 1,
	PH_HELLO,      /* HELLO sent, waiting for the peer's */
	PH_RECON,      /* finding the difference */
	PH_TRANSFER,   /* sending and receiving envelopes */
	PH_END,
};

typedef struct sz_batch_in sz_batch_in;

struct sz_sync {
	sz_sync_config cfg;
	uint8_t (*scopes)[SZ_SCOPE_BYTES];
	sz_sync_pair *pairs;  /* guarded memory: pair keys are secrets */
	uint8_t static_sk[32];
	uint8_t *join;    /* initiator: the JOIN payload to send */
	size_t join_len;
	sz_noise_hs *hs;
	sz_noise_cipher *tx, *rx;
	uint8_t hash[64];
	size_t hashlen;
	uint8_t peer_key[32];
	bool have_peer_key;

	enum phase phase;
	sz_sync_status status;
	int error;
	char peer_error[201];
	int peer_code;            /* the code of the peer's ERROR frame, or 0 */
	uint8_t hs_read;          /* handshake messages read so far */

	sz_buf in;        /* received wire bytes not yet a whole Noise message */
	sz_buf stream;    /* decrypted bytes not yet a whole frame */
	sz_buf plain;     /* frames waiting to be encrypted */
	sz_buf wire;      /* encrypted bytes waiting to be sent */
	size_t wire_off;  /* bytes of wire already sent */

	/* shared labels, sorted */
	uint8_t (*shared)[SZ_SCOPE_BYTES];
	size_t nshared;
	uint8_t method;
	bool hello_sent;

	/* reconciliation */
	sz_idvec mine;    /* this side's ids in shared scopes, sorted (once mine_ready) */
	bool mine_ready;  /* mine was collected (not needed while a lent sketch serves) */
	sz_idvec theirs;  /* list method, responder: the initiator's ids */
	size_t list_off;  /* list method, initiator: ids sent so far */
	bool list_done;
	bool decoded;     /* the difference is known on this side */
	struct sz_riblt_sketch *sketch;     /* riblt: this side's ids in shared scopes */
	bool sketch_lent;                   /* riblt: the node's (hooks.sketch_put gives it back) */
	bool salted;                        /* riblt: this attempt is under a salted key */
	bool compact;                       /* riblt: this attempt's symbols are salted 8-byte tags */
	uint8_t tagkey[16];                 /* riblt, compact: the tag key (kept for sz_recon_wanted) */
	struct sz_tagref *tags;             /* riblt, compact: (tag, index in mine), sorted by tag */
	size_t ntags;
	uint8_t attempts;                   /* riblt: attempts begun (at most 2) */
	struct sz_riblt_sender *rsend;      /* riblt, initiator */
	struct sz_riblt_receiver *rrecv;    /* riblt, responder */
	bool want_all;                      /* responder holding nothing: every offered id is wanted */
	struct sz_neg_storage *nstore;      /* negentropy: this side's ids (timestamp 0) */
	struct sz_neg *neg;                 /* negentropy: client (responder) or server (initiator) */
	sz_buf neg_have, neg_need;          /* negentropy, responder: ids reported so far */
	bool neg_wait;                      /* negentropy, responder: our message awaits its answer */
	uint8_t (*want_pfx)[20];            /* riblt, responder: prefixes it recovered as remote-only
	                                     * (compact: the 8-byte tag, then 12 zero bytes) */
	size_t nwant_pfx;
	uint8_t hashkey[16];                /* riblt, responder: the settled attempt's hash key */
	uint8_t (*want_w)[SZ_RIBLT_WANT_BYTES]; /* riblt, responder: DONE's wants (the first 8 bytes
	                                     * of each symbol), sorted */
	uint8_t *want_w_extra;              /* envelopes taken as chance matches of each */
	size_t nwant_w;

	/* transfer */
	sz_idvec outq;    /* ids to send (when everything goes: the current page of them) */
	size_t out_next;
	/* everything goes (one side empty), taken a page at a time (hooks.list_page) */
	bool all;                 /* outq is a page; more may follow */
	uint64_t all_left;        /* ids still to take: at most what was announced */
	size_t all_label;         /* index in shared of the label being walked */
	uint8_t all_cursor[SZ_SYNC_CURSOR_BYTES];
	uint32_t unacked; /* batches sent and not yet acknowledged */
	sz_idvec want;    /* responder: ids it asked for (sorted) */
	uint64_t expect;  /* envelopes the peer announced it will send */
	uint64_t unasked; /* responder: envelopes dropped as chance matches of a 32-bit want */
	bool fin_sent, fin_received;
	sz_batch_in *held;       /* a full batch received, its checks running, not yet stored */
	uint64_t held_ms;

	uint64_t start_ms, last_rx_ms;
	uint64_t progress_ms;     /* last whole message from the peer, or the peer read ours */
	sz_sync_stats st;
};

/* The most envelopes a RIBLT initiator sends for one 32-bit want (ids sharing those bits). */
#define SZ_SYNC_MATCHES_PER_WANT 4

/* transfer.c: everything of mine under the shared labels goes, at most cap of it (the number
 * announced): a page at a time through hooks.list_page if the node has it, else all at once. */
SZ_MUST_CHECK int sz_transfer_all(sz_sync *s, uint64_t cap);
/* transfer.c: how many envelopes this side has still to send (what is queued, and what the
 * pages still to come may hold). */
uint64_t sz_transfer_left(const sz_sync *s);
/* transfer.c: send envelope batches while the peer keeps up, then FIN. */
int sz_transfer_pump(sz_sync *s);
/* transfer.c: take an ENVELOPES frame: store the batch through the hook, answer ACK. */
int sz_transfer_envelopes(sz_sync *s, const sz_frame *f);
/* transfer.c: store and acknowledge the batch held (if any); drop it unstored (the session
 * failed or ends); its bytes. */
int sz_transfer_flush(sz_sync *s);
void sz_transfer_drop(sz_sync *s);
size_t sz_transfer_mem(const sz_sync *s);
/* Encrypt the frames that wait into Noise transport messages on the wire. */
int sz_sync_flush(sz_sync *s);
/* Queue a frame for sending (encrypted on flush). */
void sz_sync_send(sz_sync *s, uint8_t type, const uint8_t *payload, size_t len);
/* Fail the session with err, telling the peer why (once). */
int sz_sync_fail(sz_sync *s, int err, const char *why);

/* recon.c: called when both HELLOs are in; collects this side's ids and starts the method. */
int sz_recon_start(sz_sync *s);
/* recon.c: handle a reconciliation frame (IDS, IDS_END, SYMBOLS, MORE, DECODED). */
int sz_recon_frame(sz_sync *s, const sz_frame *f);
/* recon.c: produce more reconciliation output if the method streams (list, symbols). */
int sz_recon_pump(sz_sync *s);
/* recon.c: release the reconciliation state. */
void sz_recon_free(sz_sync *s);
/* recon.c: the bytes the reconciliation state holds (a lent sketch not included). */
size_t sz_recon_mem(const sz_sync *s);
/* recon.c, responder: did this side ask for the envelope with this id? */
bool sz_recon_wanted(const sz_sync *s, const uint8_t id[32]);
/* recon_riblt.c, responder: an envelope it did not ask for arrived.  SZ_OK if its symbol's 32-bit
 * hash is one RIBLT's DONE named (the sender could not tell them apart) and that want has not
 * yet had SZ_SYNC_MATCHES_PER_WANT - 1 such: the envelope is then dropped.  Else SZ_ERR_PEER. */
int sz_recon_unasked(sz_sync *s, const uint8_t id[32]);

#endif /* SZ_SYNC_SESSION_INT_H */
