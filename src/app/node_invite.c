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
#include "sync/bundle.h"
#include "wire/envelope.h"

#define JOIN_BYTES SZ_NODE_JOIN_BYTES

static void
invite_key(char *out, size_t n, const uint8_t token[16])
{
	char hex[33];
	sz_hex_encode(hex, token, 16);
	snprintf(out, n, "%s%s", KV_INVITE_PREFIX, hex);
}

/* The index of open invitations (to try each token on a courier's join request). */
static int
index_edit(sz_node *n, const uint8_t token[16], bool add)
{
	sz_buf cur = { 0 }, next = { 0 };
	int r = sz_store_kv_get(n->store, KV_INVITES, &cur);
	if (r == SZ_ERR_NOT_FOUND)
		r = SZ_OK;
	for (size_t off = 0; r == SZ_OK && off + 16 <= cur.len; off += 16)
		if (!sz_ct_equal(cur.p + off, token, 16)) /* tokens are secrets */
			sz_buf_append(&next, cur.p + off, 16);
	if (r == SZ_OK && add)
		sz_buf_append(&next, token, 16);
	/* Keep the newest 1024: older ones have long expired. */
	if (r == SZ_OK && next.len > 1024 * 16) {
		memmove(next.p, next.p + next.len - 1024 * 16, 1024 * 16);
		next.len = 1024 * 16;
	}
	if (r == SZ_OK)
		r = next.err ? next.err : sz_store_kv_put(n->store, KV_INVITES, next.p, next.len);
	sz_buf_free(&cur);
	sz_buf_free(&next);
	return r;
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
	if (r == SZ_OK)
		r = index_edit(n, iv.token, true);
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
	if (r == SZ_OK)
		r = index_edit(n, iv.token, false);
	if (r == SZ_ERR_NOT_FOUND)
		return sz_node_fail(n, r, "no open invitation of this node has that code (used, "
		    "revoked, or someone else's)");
	return r;
}

/* The inviter's side: check the token, add the newcomer, answer with its welcome. */
static int
answer_join(sz_node *n, const uint8_t *req, size_t len, int *code, uint8_t **welcome,
    size_t *wlen, sz_cell **which)
{
	char name[64];
	sz_buf rec = { 0 };
	int r;
	*code = SZ_OK;
	*welcome = NULL;
	*wlen = 0;
	*which = NULL;
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
	if ((r = sz_store_kv_delete(n->store, name)) != SZ_OK || (r = index_edit(n, req, false)) != SZ_OK)
		return r;
	if (expiry < sz_now_ms(n->env) || c == NULL || sz_cell_status(c) != SZ_CELL_ACTIVE) {
		*code = c == NULL || sz_cell_status(c) != SZ_CELL_ACTIVE ? SZ_ERR_NOT_MEMBER : SZ_ERR_EXPIRED;
		return SZ_OK;
	}
	const uint8_t *id = req + 16, *prekey = req + 48, *csk = req + 80;
	sz_cell_result res = { 0 };
	r = sz_cell_add(c, id, prekey, csk, &res);
	if (r != SZ_OK) {
		sz_cell_result_free(&res);
		*code = r;
		return SZ_OK;
	}
	if (res.welcome == NULL) {
		r = SZ_ERR_INTERNAL;
	} else {
		*welcome = res.welcome; /* the welcome goes to the newcomer only */
		*wlen = res.welcome_len;
		res.welcome = NULL;
	}
	*which = c;
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
	sz_cell *c;
	int r = answer_join(n, req, len, &code, &w, &wl, &c);
	if (r != SZ_OK)
		return r;
	put_welcome(reply, code, w, wl);
	free(w);
	return reply->err;
}

/* The newcomer's side. */
int
sz_node_join_prepare(sz_node *n, const sz_invite *iv, uint8_t req[JOIN_BYTES],
    sz_cell_joinkeys *keys)
{
	int r = sz_cell_joinkeys_new(n->env, keys);
	if (r != SZ_OK)
		return r;
	memcpy(req, iv->token, 16);
	memcpy(req + 16, n->id_pk, 32);
	memcpy(req + 48, keys->prekey_pk, 32);
	memcpy(req + 80, keys->csk_pk, 32);
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
	return sz_node_cell_join(j->n, j->keys, reply + 4, len - 4, &j->cell);
}

/* --- joining by courier files ------------------------------------------------------------- */

static int
token_secret(uint8_t out[32], const uint8_t token[16], const char *label)
{
	return sz_hkdf(SZ_HASH_SHA256, out, 32, NULL, 0, token, 16, (const uint8_t *)label,
	    strlen(label));
}

#define REQUEST_LABEL "samizdat join request v1"
#define ANSWER_LABEL "samizdat join answer v1"

static void
join_key(char *out, size_t n, const uint8_t token[16])
{
	char hex[33];
	sz_hex_encode(hex, token, 16);
	snprintf(out, n, "%s%s", KV_JOIN_PREFIX, hex);
}

int
sz_node_join_request_file(sz_node *n, const sz_invite *iv, int fd)
{
	uint8_t req[JOIN_BYTES], secret[32];
	sz_cell_joinkeys keys;
	char name[64];
	sz_bundle_writer *w = NULL;
	int r;
	if ((r = sz_node_join_prepare(n, iv, req, &keys)) != SZ_OK)
		return r;
	/* The keys wait in the store for the answer. */
	join_key(name, sizeof name, iv->token);
	if ((r = sz_store_kv_put(n->store, name, (const uint8_t *)&keys, sizeof keys)) != SZ_OK)
		goto out;
	if ((r = token_secret(secret, iv->token, REQUEST_LABEL)) != SZ_OK)
		goto out;
	sz_bundle_io io = { sz_node_fd_write, NULL, &fd };
	if ((r = sz_bundle_writer_new(&w, &io, SZ_BUNDLE_JOIN_REQUEST, (const uint8_t(*)[32])secret, 1,
	    n->env, sz_now_ms(n->env))) == SZ_OK &&
	    (r = sz_bundle_writer_add(w, req, sizeof req)) == SZ_OK)
		r = sz_bundle_writer_finish(w);
out:
	sz_bundle_writer_free(w);
	sz_wipe(&keys, sizeof keys);
	sz_wipe(secret, sizeof secret);
	return r;
}

typedef struct one_item {
	uint8_t *p;
	size_t len;
	size_t count;
} one_item;

static int
take_first(void *ctx, const uint8_t *item, size_t len)
{
	one_item *x = ctx;
	if (x->count++ > 0)
		return SZ_ERR_MALFORMED; /* a request holds exactly one item */
	if ((x->p = malloc(len)) == NULL)
		return SZ_ERR_NOMEM;
	memcpy(x->p, item, len);
	x->len = len;
	return SZ_OK;
}

int
sz_node_admit_file(sz_node *n, int in_fd, int out_fd, sz_cell **cell, int *refused)
{
	sz_buf tokens = { 0 }, secrets = { .secret = true };
	one_item req = { 0 };
	sz_bundle_writer *w = NULL;
	uint8_t *welcome = NULL, secret[32];
	size_t wl = 0;
	int r, code = SZ_OK;
	*cell = NULL;
	*refused = SZ_OK;
	r = sz_store_kv_get(n->store, KV_INVITES, &tokens);
	if (r == SZ_ERR_NOT_FOUND || (r == SZ_OK && tokens.len == 0)) {
		sz_buf_free(&tokens);
		return sz_node_fail(n, SZ_ERR_EXPIRED, "this node has no open invitation to answer");
	}
	for (size_t off = 0; r == SZ_OK && off + 16 <= tokens.len; off += 16)
		if ((r = token_secret(secret, tokens.p + off, REQUEST_LABEL)) == SZ_OK)
			sz_buf_append(&secrets, secret, 32);
	sz_bundle_report rep;
	sz_bundle_io in = { NULL, sz_node_fd_read, &in_fd };
	if (r == SZ_OK)
		r = sz_bundle_read(&in, (const uint8_t(*)[32])secrets.p, secrets.len / 32, NULL,
		    take_first, &req, &rep);
	if (r == SZ_ERR_DECRYPT)
		r = sz_node_fail(n, r, "no open invitation of this node matches the request (used, "
		    "revoked, expired, or someone else's)");
	if (r == SZ_OK && (rep.kind != SZ_BUNDLE_JOIN_REQUEST || req.len != JOIN_BYTES))
		r = sz_node_fail(n, SZ_ERR_MALFORMED, "this is not a join request");
	const uint8_t *token = r == SZ_OK ? tokens.p + 16 * (size_t)rep.recipient : NULL;
	uint8_t tok[16];
	if (token != NULL)
		memcpy(tok, token, 16);
	if (r == SZ_OK)
		r = answer_join(n, req.p, req.len, &code, &welcome, &wl, cell);
	if (r == SZ_OK && code != SZ_OK)
		*refused = code;
	/* The answer: the welcome, then the cell's envelopes so the newcomer has its history. */
	if (r == SZ_OK && code == SZ_OK) {
		sz_buf pl = { 0 };
		put_welcome(&pl, code, welcome, wl);
		sz_bundle_io out = { sz_node_fd_write, NULL, &out_fd };
		if ((r = token_secret(secret, tok, ANSWER_LABEL)) == SZ_OK &&
		    (r = sz_bundle_writer_new(&w, &out, SZ_BUNDLE_JOIN_ANSWER,
		    (const uint8_t(*)[32])secret, 1, n->env, sz_now_ms(n->env))) == SZ_OK)
			r = pl.err ? pl.err : sz_bundle_writer_add(w, pl.p, pl.len);
		sz_buf_free(&pl);
		uint8_t sc[64][16];
		size_t k = 0;
		if (r == SZ_OK && *cell != NULL && sz_cell_scopes(*cell, sc, 64, &k) == SZ_OK) {
			for (size_t j = 0; j < k && r == SZ_OK; j++) {
				sz_store_item *items;
				size_t cnt;
				if ((r = sz_store_list_envelopes(n->store, sc[j], 0, UINT64_MAX, 0, &items,
				    &cnt)) != SZ_OK)
					break;
				for (size_t e = 0; e < cnt && r == SZ_OK; e++) {
					uint8_t *env;
					size_t len;
					if ((r = sz_store_get_envelope(n->store, items[e].id, &env, &len)) == SZ_OK) {
						r = sz_bundle_writer_add(w, env, len);
						free(env);
					}
				}
				free(items);
			}
		}
		if (r == SZ_OK)
			r = sz_bundle_writer_finish(w);
	}
	sz_bundle_writer_free(w);
	free(welcome);
	if (req.p != NULL) {
		sz_wipe(req.p, req.len);
		free(req.p);
	}
	sz_wipe(secret, sizeof secret);
	sz_buf_free(&tokens);
	sz_buf_free(&secrets);
	return r;
}

typedef struct answer_ctx {
	sz_node *n;
	sz_cell_joinkeys keys;
	sz_cell *cell;
	int refused;
	size_t count;
	uint8_t *envs[64];
	size_t lens[64];
	size_t nenv;
	int err;
} answer_ctx;

static int
answer_flush(answer_ctx *x)
{
	int r = SZ_OK;
	if (x->nenv > 0)
		r = sz_node_ingest(x->n, (const uint8_t *const *)x->envs, x->lens, x->nenv, NULL);
	for (size_t i = 0; i < x->nenv; i++)
		free(x->envs[i]);
	x->nenv = 0;
	return r;
}

static int
answer_item(void *ctx, const uint8_t *item, size_t len)
{
	answer_ctx *x = ctx;
	if (x->count++ == 0) {
		sz_node_joining j = { .n = x->n, .keys = &x->keys };
		int r = sz_node_on_welcome(&j, item, len);
		x->cell = j.cell;
		x->refused = j.refused;
		return r;
	}
	if (x->cell == NULL || sz_env_bucket_for(len) != len)
		return SZ_OK;
	if ((x->envs[x->nenv] = malloc(len)) == NULL)
		return SZ_ERR_NOMEM;
	memcpy(x->envs[x->nenv], item, len);
	x->lens[x->nenv++] = len;
	return x->nenv == 64 ? answer_flush(x) : SZ_OK;
}

int
sz_node_join_answer_file(sz_node *n, const sz_invite *iv, int fd, sz_cell **cell, int *refused)
{
	answer_ctx x = { .n = n };
	sz_buf pre = { .secret = true };
	uint8_t secret[32];
	char name[64];
	int r;
	*cell = NULL;
	*refused = SZ_OK;
	join_key(name, sizeof name, iv->token);
	if ((r = sz_store_kv_get(n->store, name, &pre)) != SZ_OK || pre.len != sizeof x.keys) {
		sz_buf_free(&pre);
		return sz_node_fail(n, r == SZ_OK ? SZ_ERR_CORRUPT : r, "this node wrote no join request "
		    "for that code: run 'samizdat cell join CODE --request FILE' first");
	}
	memcpy(&x.keys, pre.p, sizeof x.keys);
	sz_buf_free(&pre);
	sz_bundle_report rep;
	sz_bundle_io in = { NULL, sz_node_fd_read, &fd };
	if ((r = token_secret(secret, iv->token, ANSWER_LABEL)) == SZ_OK)
		r = sz_bundle_read(&in, (const uint8_t(*)[32])secret, 1, NULL, answer_item, &x, &rep);
	if (r == SZ_OK)
		r = answer_flush(&x);
	for (size_t i = 0; i < x.nenv; i++)
		free(x.envs[i]);
	sz_wipe(&x.keys, sizeof x.keys);
	sz_wipe(secret, sizeof secret);
	if (r == SZ_ERR_DECRYPT)
		return sz_node_fail(n, r, "this answer is not for that invitation (or it is damaged)");
	if (r == SZ_OK && rep.kind != SZ_BUNDLE_JOIN_ANSWER)
		return sz_node_fail(n, SZ_ERR_MALFORMED, "this is not an answer to a join request");
	if (r == SZ_OK && x.cell != NULL && sz_store_kv_delete(n->store, name) != SZ_OK) {
		/* the used prekey stays; harmless (the cell keeps it too) */
	}
	*cell = x.cell;
	*refused = x.refused;
	return r;
}
