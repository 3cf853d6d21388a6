/*
 * node_reach.h - where the members' nodes are reached: "where to reach me" records (entries of
 * kind REACH, sealed and signed inside a cell like any post: docs/PROTOCOL.md §16.1), the
 * address book each cell's records make, and the targets of the automatic sync it yields.
 * Layer: app.
 *
 * A record goes only where the cell's messages go: to the members of the epoch it is sealed
 * under, never in clear, never to a member removed before it was made.  A node posts its record
 * again whenever its addresses or the cell's members change (a newcomer cannot read what was
 * posted before it joined); a node that chooses to be unlisted posts records with no address.
 * Addresses of a member no longer in the cell are never used.
 */
#ifndef SZ_APP_NODE_REACH_H
#define SZ_APP_NODE_REACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "samizdat.h"
#include "app/autosync.h"
#include "lib/bytes.h"
#include "transport/net.h"

struct sz_cell;
struct sz_cell_event;

#define SZ_REACH_MAX_ADDRS 4
#define SZ_REACH_MAX_ENTRIES 256       /* per cell */
#define SZ_REACH_ADDR_MAX 79           /* characters of one address in a record */
#define SZ_REACH_INVITE 0x01           /* entry flag: the inviter's node, from the code */

/* One record, parsed (docs/PROTOCOL.md §16.1). */
typedef struct sz_reach_rec {
	uint64_t time_ms;                  /* the author's clock: a newer record replaces an older */
	uint8_t node_key[32];              /* the node's transport key: only it is synced with */
	uint8_t auth_key[32];              /* its onion client key (X25519 public), zeros if none:
	                                    * the members' onion services let it in */
	size_t naddr;                      /* 0: the node publishes no address */
	sz_addr addr[SZ_REACH_MAX_ADDRS];
} sz_reach_rec;

/* body := version u8 (1) ‖ time_ms u64 ‖ node_key[32] ‖ auth_key[32] ‖ naddr u8 (0..4) ‖
 * naddr × (len u8 (1..79) ‖ "HOST:PORT" or "<56>.onion:PORT", ASCII).  Encode rec into out. */
SZ_MUST_CHECK int sz_reach_encode(const sz_reach_rec *rec, sz_buf *out);
/* Parse a body strictly: every address must parse (sz_addr_parse), nothing may follow.
 * SZ_ERR_MALFORMED, SZ_ERR_UNSUPPORTED (version), SZ_ERR_TOO_LARGE (more than 4 addresses, one
 * too long). */
SZ_MUST_CHECK int sz_reach_parse(const uint8_t *body, size_t len, sz_reach_rec *rec);

/* Post my record to c: the addresses a (na of them; none if unlisted), my transport key and my
 * onion client key.  Only if it differs from the last one posted to c's current members (so it
 * may be called at every turn); *posted says whether it was.  An unlisted node still posts its
 * record, with no address: the others do not dial it, but their onions let it in.
 * SZ_ERR_NOT_MEMBER if I am not active in c. */
SZ_MUST_CHECK int sz_node_reach_publish(sz_node *n, struct sz_cell *c, const sz_addr *a,
    size_t na, bool unlisted, bool *posted);
/* A readable entry was filed for c (absorb): a REACH record of another member updates c's
 * address book.  Anything else is ignored. */
SZ_MUST_CHECK int sz_node_reach_filed(sz_node *n, struct sz_cell *c,
    const struct sz_cell_event *e);
/* After a live join: the inviter's node (its key and the address in the code) is a contact of c
 * until its own record arrives; and the onion client key the code's token gives is the one this
 * node hands its tor for that node's onions, in c, for good (cell/<hex id>.invauth). */
SZ_MUST_CHECK int sz_node_reach_note_invite(sz_node *n, struct sz_cell *c,
    const uint8_t node_key[32], const sz_addr *a, const uint8_t token[16]);

/* --- onion client authorization (docs/PROTOCOL.md §16.2) ----------------------------------- */

/* This node's onion client key, X25519: derived from its transport secret, never stored, never
 * sent (the public half goes in its records; the secret only to its own tor). */
void sz_node_onion_client_key(const sz_node *n, uint8_t sk[32], uint8_t pk[32]);
/* The onion client key an invitation's token gives: the inviter and the newcomer both know it,
 * nobody else (a photograph of the code too: see docs/threat/discovery.md). */
void sz_reach_invite_client_key(const uint8_t token[16], uint8_t sk[32], uint8_t pk[32]);
/* At admission: member, just added to c through the invitation of token, reaches this node's
 * onion with that token's key; it stays let in with it while member is a member of c
 * (cell/<hex id>.alias). */
SZ_MUST_CHECK int sz_node_reach_alias(sz_node *n, struct sz_cell *c, const uint8_t member[32],
    const uint8_t token[16]);
/* The token of this node's next invitation (node/invite_next), drawn when first needed; take:
 * the invitation is made now, so draw the one after. */
SZ_MUST_CHECK int sz_node_reach_next_token(sz_node *n, uint8_t token[16], bool take);
/* The client keys this node's onion service lets in, sorted, each once: every current member's
 * node of every cell I am active in (from their records), the keys current members were admitted
 * with, the keys of my open invitations, and, if I am active in a cell, the key of my next
 * invitation (so that a code's key is let in before the code is given).  At most max; returns
 * how many. */
size_t sz_node_reach_clients(sz_node *n, uint8_t (*out)[32], size_t max);
/* The client secret this node gives its tor for the onions of node node_key: the key of the
 * invitation it joined through if node_key is that inviter's node, else its own. */
void sz_node_reach_client_secret(sz_node *n, const uint8_t node_key[32], uint8_t sk[32]);
/* The nodes to sync with: every current member's node (not mine) of the cells I sync (a cell I
 * left too, while my parting lasts), with the addresses its newest record names, in its order,
 * and the inviters' nodes from codes until their records come; a node whose record names no
 * address is none.  The same node may come once per cell (sz_autosync_set counts it once).  At
 * most max; returns how many. */
size_t sz_node_reach_targets(sz_node *n, sz_autosync_want *out, size_t max);
/* The transport keys of the nodes sz_node_reach_targets gives for the cell named cell alone
 * (where a forwarding push of its entries goes), at most max; returns how many. */
size_t sz_node_reach_cell_nodes(sz_node *n, const char *cell, uint8_t (*keys)[32], size_t max);

#endif /* SZ_APP_NODE_REACH_H */
