/*
 * node_invite.c - invitations: issuing a code, answering a newcomer who redeems it (live, in a
 * sync session, or by courier files), and joining with the welcome.  Layer: app.
 *
 * JOIN payload    := token[16] ‖ identity[32] ‖ prekey[32]
 * WELCOME payload := code i32 ‖ welcome envelope (empty unless code is 0)
 */
#include "app/node_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/invite.h"
#include "cell/cell.h"
#include "crypto/crypto.h"
#include "wire/envelope.h"

#define JOIN_BYTES (16 + 32 + 32)

static void
invite_key(char *out, size_t n, const uint8_t token[16])
{
	char hex[33];
	sz_hex_encode(hex, token, 16);
	snprintf(out, n, "%s%s", KV_INVITE_PREFIX, hex);
}

int
sz_node_invite(sz_node *n, sz_cell *c, uint64_t ttl_ms, const sz_addr *addr, char *code,
    size_t codelen)
{
	sz_invite iv;
	char name[64];
	uint8_t rec[40];
	int r;
	if (sz_cell_status(c) != SZ_CELL_ACTIVE)
		return sz_node_fail(n, SZ_ERR_NOT_MEMBER, "you are no longer in this cell");
	memset(&iv, 0, sizeof iv);
	sz_random(n->env, iv.token, sizeof iv.token);
	memcpy(iv.node_key, n->tr_pk, 32);
	iv.expiry_ms = (sz_now_ms(n->env) + ttl_ms) / 60000 * 60000;
	if (addr != NULL) {
		iv.has_addr = true;
		iv.addr = *addr;
	}
	if ((r = sz_invite_encode(&iv, code, codelen)) != SZ_OK)
		return sz_node_fail(n, r, "the invitation could not be written");
	memcpy(rec, sz_cell_id(c), 32);
	sz_store_u64(rec + 32, iv.expiry_ms);
	invite_key(name, sizeof name, iv.token);
	r = sz_store_kv_put(n->store, name, rec, sizeof rec);
	sz_wipe(&iv, sizeof iv);
	return r == SZ_OK ? SZ_OK : sz_node_fail(n, r, "%s", sz_store_errmsg(n->store));
}

int
sz_node_invite_revoke(sz_node *n, const char *code)
{
	sz_invite iv;
	char name[64];
	int r = sz_invite_decode(&iv, code);
	if (r != SZ_OK)
		return sz_node_fail(n, r, "that is not an invitation code");
	invite_key(name, sizeof name, iv.token);
	r = sz_store_kv_delete(n->store, name);
	if (r == SZ_ERR_NOT_FOUND)
		return sz_node_fail(n, r, "no open invitation of this node has that code (used, "
		    "revoked, or someone else's)");
	return r;
}

/* The inviter's side: check the token, add the newcomer, answer with its welcome. */
static int
answer_join(sz_node *n, const uint8_t *req, size_t len, int *code, uint8_t **welcome,
    size_t *wlen)
{
	char name[64];
	sz_buf rec = { 0 };
	int r;
	*code = SZ_OK;
	*welcome = NULL;
	*wlen = 0;
	if (len != JOIN_BYTES) {
		*code = SZ_ERR_MALFORMED;
		return SZ_OK;
	}
	invite_key(name, sizeof name, req);
	if ((r = sz_store_kv_get(n->store, name, &rec)) == SZ_ERR_NOT_FOUND || (r == SZ_OK && rec.len != 40)) {
		sz_buf_free(&rec);
		*code = SZ_ERR_EXPIRED; /* unknown, used or revoked: to the newcomer they look alike */
		return SZ_OK;
	}
	if (r != SZ_OK)
		return r;
	sz_cell *c = NULL;
	for (size_t i = 0; i < n->ncells; i++)
		if (memcmp(sz_cell_id(n->cells[i].cell), rec.p, 32) == 0)
			c = n->cells[i].cell;
	uint64_t expiry = sz_load_u64(rec.p + 32);
	sz_buf_free(&rec);
	/* Single use: gone whatever happens next. */
	if ((r = sz_store_kv_delete(n->store, name)) != SZ_OK)
		return r;
	if (expiry < sz_now_ms(n->env) || c == NULL || sz_cell_status(c) != SZ_CELL_ACTIVE) {
		*code = c == NULL || sz_cell_status(c) != SZ_CELL_ACTIVE ? SZ_ERR_NOT_MEMBER : SZ_ERR_EXPIRED;
		return SZ_OK;
	}
	const uint8_t *id = req + 16, *prekey = req + 48;
	sz_cell_result res = { 0 };
	r = sz_cell_add(c, id, prekey, &res);
	if (r != SZ_OK) {
		sz_cell_result_free(&res);
		*code = r;
		return SZ_OK;
	}
	uint8_t wscope[16];
	if ((r = sz_cell_welcome_scope(prekey, wscope)) == SZ_OK) {
		for (size_t i = 0; i < res.nout; i++)
			if (res.outlen[i] > SZ_ENV_HEADER_BYTES && memcmp(res.out[i] + 1, wscope, 16) == 0 &&
			    (*welcome = malloc(res.outlen[i])) != NULL) {
				memcpy(*welcome, res.out[i], res.outlen[i]);
				*wlen = res.outlen[i];
			}
	}
	if (r == SZ_OK && *welcome == NULL)
		r = SZ_ERR_INTERNAL;
	return sz_node_cell_apply(n, c, r, &res);
}

static void
put_welcome(sz_buf *reply, int code, const uint8_t *w, size_t wl)
{
	sz_buf_u32(reply, (uint32_t)(int32_t)code);
	sz_buf_append(reply, w, wl);
}

int
sz_node_on_join(void *ctx, const uint8_t *req, size_t len, sz_buf *reply)
{
	sz_node *n = ctx;
	uint8_t *w;
	size_t wl;
	int code;
	int r = answer_join(n, req, len, &code, &w, &wl);
	if (r != SZ_OK)
		return r;
	put_welcome(reply, code, w, wl);
	free(w);
	return reply->err;
}

/* The newcomer's side. */
int
sz_node_join_prepare(sz_node *n, const sz_invite *iv, uint8_t req[JOIN_BYTES],
    uint8_t prekey_sk[32])
{
	uint8_t pk[32];
	int r = sz_cell_prekey_new(n->env, pk, prekey_sk);
	if (r != SZ_OK)
		return r;
	memcpy(req, iv->token, 16);
	memcpy(req + 16, n->id_pk, 32);
	memcpy(req + 48, pk, 32);
	return SZ_OK;
}

int
sz_node_on_welcome(void *ctx, const uint8_t *reply, size_t len)
{
	sz_node_joining *j = ctx;
	if (len < 4)
		return SZ_ERR_MALFORMED;
	int code = (int)(int32_t)sz_load_u32(reply);
	if (code != SZ_OK) {
		j->refused = code < 0 && code > -100 ? code : SZ_ERR_DENIED;
		return SZ_OK;
	}
	return sz_node_cell_join(j->n, j->prekey_sk, reply + 4, len - 4, &j->cell);
}
