/*
 * node_invrec.c - the inviter's records of its invitations, kept in the store: read, written,
 * indexed and forgotten (their secrets overwritten first).  Layer: app.
 */
#include "app/node_invrec.h"

#include <stdio.h>
#include <string.h>

#include "crypto/crypto.h"

void
sz_invrec_name(char *out, size_t n, const char *prefix, const uint8_t token[16])
{
	char hex[33];
	sz_hex_encode(hex, token, 16);
	snprintf(out, n, "%s%s", prefix, hex);
}

/* Read the record of token.  SZ_ERR_NOT_FOUND; SZ_ERR_CORRUPT for one that is not a version 2
 * record (a version 1 record: its code is refused everywhere now). */
int
sz_invrec_get(sz_node *n, const uint8_t token[16], inv_rec *rec)
{
	char name[64];
	sz_buf b = { .secret = true };
	int r;
	memset(rec, 0, sizeof *rec);
	sz_invrec_name(name, sizeof name, KV_INVITE_PREFIX, token);
	if ((r = sz_store_kv_get(n->store, name, &b)) != SZ_OK)
		goto out;
	r = SZ_ERR_CORRUPT;
	if (b.len < REC_HEAD || b.p[0] != 2 || b.p[1] > ST_JOINED)
		goto out;
	rec->state = b.p[1];
	if (b.len != REC_HEAD + (rec->state == ST_OPEN ? 64u : rec->state == ST_USED ? 32u : 0u))
		goto out;
	memcpy(rec->token, token, 16);
	memcpy(rec->cell_id, b.p + 2, 32);
	rec->expiry_ms = sz_load_u64(b.p + 34);
	if (rec->state == ST_OPEN) {
		memcpy(rec->sk, b.p + REC_HEAD, 32);
		memcpy(rec->pub, b.p + REC_HEAD + 32, 32);
	} else if (rec->state == ST_USED) {
		memcpy(rec->member, b.p + REC_HEAD, 32);
	}
	r = SZ_OK;
out:
	if (r != SZ_OK)
		sz_wipe(rec, sizeof *rec);
	sz_buf_free(&b);
	return r;
}

/* Write rec (a used or joined record overwrites the open one's secret in place). */
int
sz_invrec_put(sz_node *n, const inv_rec *rec)
{
	char name[64];
	uint8_t b[REC_HEAD + 64];
	size_t len = REC_HEAD;
	b[0] = 2;
	b[1] = (uint8_t)rec->state;
	memcpy(b + 2, rec->cell_id, 32);
	sz_store_u64(b + 34, rec->expiry_ms);
	if (rec->state == ST_OPEN) {
		memcpy(b + REC_HEAD, rec->sk, 32);
		memcpy(b + REC_HEAD + 32, rec->pub, 32);
		len += 64;
	} else if (rec->state == ST_USED) {
		memcpy(b + REC_HEAD, rec->member, 32);
		len += 32;
	}
	sz_invrec_name(name, sizeof name, KV_INVITE_PREFIX, rec->token);
	int r = sz_store_kv_put(n->store, name, b, len);
	sz_wipe(b, sizeof b);
	return r;
}

/* The tokens of every record kept (16 bytes each). */
int
sz_invrec_index(sz_node *n, sz_buf *tokens)
{
	int r = sz_store_kv_get(n->store, KV_INVITES, tokens);
	if (r == SZ_ERR_NOT_FOUND)
		r = SZ_OK;
	if (r == SZ_OK)
		tokens->len -= tokens->len % 16;
	return r;
}

int
sz_invrec_index_edit(sz_node *n, const uint8_t token[16], bool add)
{
	sz_buf cur = { .secret = true }, next = { .secret = true };
	int r = sz_invrec_index(n, &cur);
	for (size_t off = 0; r == SZ_OK && off < cur.len; off += 16)
		if (!sz_ct_equal(cur.p + off, token, 16)) /* tokens are secrets */
			sz_buf_append(&next, cur.p + off, 16);
	if (r == SZ_OK && add)
		sz_buf_append(&next, token, 16);
	if (r == SZ_OK)
		r = next.err ? next.err : sz_store_kv_put(n->store, KV_INVITES, next.p, next.len);
	sz_buf_free(&cur);
	sz_buf_free(&next);
	return r;
}

/* Forget the record of token: its bytes are overwritten before the row goes. */
int
sz_invrec_delete(sz_node *n, const uint8_t token[16])
{
	char name[64];
	uint8_t zero[REC_HEAD + 64] = { 0 };
	sz_invrec_name(name, sizeof name, KV_INVITE_PREFIX, token);
	int r = sz_store_kv_put(n->store, name, zero, sizeof zero);
	if (r == SZ_OK)
		r = sz_store_kv_delete(n->store, name);
	if (r == SZ_OK || r == SZ_ERR_NOT_FOUND)
		r = sz_invrec_index_edit(n, token, false);
	if (r == SZ_OK) {
		sz_invrec_name(name, sizeof name, KV_INVNAME_PREFIX, token);
		if ((r = sz_store_kv_delete(n->store, name)) == SZ_ERR_NOT_FOUND)
			r = SZ_OK;
	}
	return r;
}
