/*
 * node_invrec.h - the inviter's records of its invitations (invite/<hex token>, the index of
 * tokens in node/invites), kept in the store.  Layer: app.  Bytes: docs/PROTOCOL.md §14 and the
 * head of node_invite.c.
 */
#ifndef SZ_APP_NODE_INVREC_H
#define SZ_APP_NODE_INVREC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/node_int.h"

enum { ST_OPEN = 0, ST_USED = 1, ST_JOINED = 2 };
#define REC_HEAD (1 + 1 + 32 + 8)

typedef struct inv_rec {
	uint8_t token[16];
	int state;
	uint8_t cell_id[32];
	uint64_t expiry_ms;
	uint8_t sk[32], pub[32];  /* open: the one-time key pair */
	uint8_t member[32];       /* used: the identity admitted */
} inv_rec;

/* The store key of token under prefix (KV_INVITE_PREFIX, KV_INVNAME_PREFIX). */
void sz_invrec_name(char *out, size_t n, const char *prefix, const uint8_t token[16]);
/* Read the record of token.  SZ_ERR_NOT_FOUND; SZ_ERR_CORRUPT for one that is not a version 2
 * record.  On failure *rec is wiped. */
SZ_MUST_CHECK int sz_invrec_get(sz_node *n, const uint8_t token[16], inv_rec *rec);
/* Write rec (a used or joined record overwrites the open one's secret in place). */
SZ_MUST_CHECK int sz_invrec_put(sz_node *n, const inv_rec *rec);
/* The tokens of every record kept (16 bytes each). */
SZ_MUST_CHECK int sz_invrec_index(sz_node *n, sz_buf *tokens);
/* Add token to the index, or take it out. */
SZ_MUST_CHECK int sz_invrec_index_edit(sz_node *n, const uint8_t token[16], bool add);
/* Forget the record of token (and the name given with it): bytes overwritten before the row goes. */
SZ_MUST_CHECK int sz_invrec_delete(sz_node *n, const uint8_t token[16]);

#endif
