/*
 * node_invite.c - invitations in the node: issuing a code, answering a newcomer who redeems it
 * (live, in a sync session, or by courier files), joining with the answer, and revoking a code or
 * the half-finished add it made.  Layer: app.  Bytes: docs/PROTOCOL.md §14.
 *
 * invite/<hex token> := version u8 (2) ‖ state u8 ‖ cell_id[32] ‖ expiry_ms u64 ‖ by state:
 *                       0 open: invite_sk[32] ‖ invite_pub[32];  1 used: member[32];  2 joined: -
 * join/<hex token>   := version u8 (2) ‖ prekey_pk ‖ prekey_sk ‖ csk_pk ‖ csk_sk[64] ‖ e_pub
 *                       ‖ answer_key
 * JOIN payload       := the request (app/join.h)
 * WELCOME payload    := code i32 ‖ answer (app/join.h) if code is 0: code is not 0 only when no
 *                       open invitation opens the request (nothing about the newcomer is known)
 */
#include "app/node_int.h"
#include "app/node_invrec.h"
#include "app/node_reach.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/invite.h"
#include "app/join.h"
#include "cell/cell.h"
#include "crypto/crypto.h"
#include "sync/bundle.h"

#define JOINREC_BYTES (1 + 32 + 32 + 32 + 64 + 32 + 32)

/* The name the inviter gave the newcomer of token becomes the local name of identity (once). */
static int
name_newcomer(sz_node *n, const uint8_t token[16], const uint8_t identity[32])
{
	char key[64], name[SZ_NODE_NAME_MAX + 1];
	sz_buf b = { 0 };
	sz_invrec_name(key, sizeof key, KV_INVNAME_PREFIX, token);
	int r = sz_store_kv_get(n->store, key, &b);
	if (r == SZ_ERR_NOT_FOUND)
		return SZ_OK;
	if (r == SZ_OK && b.len >= 1 && b.len <= SZ_NODE_NAME_MAX) {
		memcpy(name, b.p, b.len);
		name[b.len] = '\0';
		if (sz_node_name_set(n, identity, name) != SZ_OK) {
			/* a name that is not one: the fingerprint shows instead */
		}
	}
	sz_buf_free(&b);
	return r == SZ_OK ? sz_store_kv_delete(n->store, key) : r;
}

static sz_cell *
cell_of(sz_node *n, const uint8_t id[32])
{
	for (size_t i = 0; i < n->ncells; i++)
		if (memcmp(sz_cell_id(n->cells[i].cell), id, 32) == 0)
			return n->cells[i].cell;
	return NULL;
}

int
sz_node_invites_open(sz_node *n, sz_buf *tokens)
{
	sz_buf all = { .secret = true };
	inv_rec rec;
	uint64_t now = sz_now_ms(n->env);
	int r = sz_invrec_index(n, &all);
	for (size_t off = 0; r == SZ_OK && off < all.len; off += 16) {
		sz_cell *c;
		if (sz_invrec_get(n, all.p + off, &rec) == SZ_OK && rec.state == ST_OPEN &&
		    rec.expiry_ms >= now && (c = cell_of(n, rec.cell_id)) != NULL &&
		    sz_cell_status(c) == SZ_CELL_ACTIVE)
			sz_buf_append(tokens, rec.token, 16);
		sz_wipe(&rec, sizeof rec);
	}
	sz_buf_free(&all);
	return r == SZ_OK ? tokens->err : r;
}

int
sz_node_invites_tidy(sz_node *n)
{
	sz_buf tokens = { .secret = true };
	inv_rec rec;
	uint64_t now = sz_now_ms(n->env);
	int r = sz_invrec_index(n, &tokens);
	for (size_t off = 0; r == SZ_OK && off < tokens.len; off += 16) {
		int gr = sz_invrec_get(n, tokens.p + off, &rec);
		if (gr == SZ_ERR_NOT_FOUND || gr == SZ_ERR_CORRUPT) {
			r = sz_invrec_delete(n, tokens.p + off);
			continue;
		}
		if ((r = gr) != SZ_OK)
			break;
		sz_cell *c = cell_of(n, rec.cell_id);
		bool gone = c == NULL || sz_cell_status(c) != SZ_CELL_ACTIVE;
		if (rec.state == ST_OPEN || rec.state == ST_JOINED) {
			gone = gone || rec.expiry_ms < now;
		} else if (!gone && !sz_cell_is_member(c, rec.member)) {
			gone = true; /* removed (or revoked) since, by anyone */
		} else if (!gone && sz_cell_member_acted(c, rec.member)) {
			/* It joined: nothing is left to revoke, and who it was is forgotten; until the
			 * code expires the record only lets revoke say so. */
			gone = rec.expiry_ms < now;
			if (!gone) {
				rec.state = ST_JOINED;
				sz_wipe(rec.member, 32);
				r = sz_invrec_put(n, &rec);
			}
		}
		if (r == SZ_OK && gone)
			r = sz_invrec_delete(n, rec.token);
		sz_wipe(&rec, sizeof rec);
	}
	sz_buf_free(&tokens);
	return r;
}

int
sz_node_invite(sz_node *n, sz_cell *c, uint64_t ttl_ms, const sz_addr *addr, char *code,
    size_t codelen)
{
	return sz_node_invite_named(n, c, ttl_ms, addr, NULL, code, codelen);
}

int
sz_node_invite_named(sz_node *n, sz_cell *c, uint64_t ttl_ms, const sz_addr *addr,
    const char *name, char *code, size_t codelen)
{
	sz_invite iv;
	inv_rec rec;
	sz_buf tokens = { .secret = true };
	int r;
	memset(&iv, 0, sizeof iv);
	memset(&rec, 0, sizeof rec);
	n->errmsg[0] = '\0';
	if (codelen > 0)
		code[0] = '\0';
	if (sz_cell_status(c) != SZ_CELL_ACTIVE) {
		r = sz_node_fail(n, SZ_ERR_NOT_MEMBER, "you are no longer in this cell");
		goto out;
	}
	if ((r = sz_node_invites_tidy(n)) != SZ_OK || (r = sz_invrec_index(n, &tokens)) != SZ_OK)
		goto out_store;
	if (tokens.len / 16 >= SZ_NODE_INVITES_MAX) {
		r = sz_node_fail(n, SZ_ERR_LIMIT, "this node keeps %d invitations already: revoke some "
		    "('samizdat cell revoke CODE') or let them expire", SZ_NODE_INVITES_MAX);
		goto out;
	}
	/* drawn in advance: its onion client key is let in before the code exists (§16.2) */
	if ((r = sz_node_reach_next_token(n, rec.token, true)) != SZ_OK)
		goto out_store;
	sz_random(n->env, rec.sk, sizeof rec.sk);
	if ((r = sz_dh_public(rec.pub, rec.sk)) != SZ_OK)
		goto out;
	rec.state = ST_OPEN;
	memcpy(rec.cell_id, sz_cell_id(c), 32);
	rec.expiry_ms = (sz_now_ms(n->env) + ttl_ms) / 60000 * 60000;
	memcpy(iv.token, rec.token, 16);
	memcpy(iv.node_key, n->tr_pk, 32);
	memcpy(iv.invite_pub, rec.pub, 32);
	iv.expiry_ms = rec.expiry_ms;
	if (addr != NULL) {
		iv.has_addr = true;
		iv.addr = *addr;
	}
	if ((r = sz_invite_encode(&iv, code, codelen)) != SZ_OK) {
		r = sz_node_fail(n, r, "the invitation could not be written");
		goto out;
	}
	if (name != NULL && name[0] != '\0') {
		char key[64];
		if (sz_node_name_check(name, strlen(name)) != SZ_OK) {
			r = sz_node_fail(n, SZ_ERR_INVALID, "a name has 1 to %d bytes of text, without "
			    "control characters", SZ_NODE_NAME_MAX);
			goto out;
		}
		sz_invrec_name(key, sizeof key, KV_INVNAME_PREFIX, rec.token);
		if ((r = sz_store_kv_put(n->store, key, (const uint8_t *)name, strlen(name))) != SZ_OK)
			goto out_store;
	}
	if ((r = sz_invrec_put(n, &rec)) != SZ_OK || (r = sz_invrec_index_edit(n, rec.token, true)) != SZ_OK)
		goto out_store;
	goto out;
out_store:
	r = sz_node_fail(n, r, "%s", sz_store_errmsg(n->store));
out:
	if (r != SZ_OK && codelen > 0)
		sz_wipe(code, codelen);
	sz_wipe(&iv, sizeof iv);
	sz_wipe(&rec, sizeof rec);
	sz_buf_free(&tokens);
	return r;
}

int
sz_node_invite_revoke(sz_node *n, const char *code, sz_node_revoked *out)
{
	sz_invite iv;
	inv_rec rec;
	int r;
	memset(out, 0, sizeof *out);
	memset(&rec, 0, sizeof rec);
	n->errmsg[0] = '\0';
	if ((r = sz_invite_decode(&iv, code)) != SZ_OK) {
		r = sz_node_fail(n, r, r == SZ_ERR_UNSUPPORTED ? "this is a code of an older version "
		    "(1), which no node accepts any more: it can no longer be used" : r == SZ_ERR_CORRUPT ?
		    "the code has a typo (its check does not match)" : "that is not an invitation code");
		goto out;
	}
	if ((r = sz_node_invites_tidy(n)) != SZ_OK) {
		r = sz_node_fail(n, r, "%s", sz_store_errmsg(n->store));
		goto out;
	}
	if ((r = sz_invrec_get(n, iv.token, &rec)) != SZ_OK) {
		r = sz_node_fail(n, r == SZ_ERR_CORRUPT ? SZ_ERR_NOT_FOUND : r, "this node keeps no "
		    "invitation of that code: it was revoked, it expired, it is another node's, or the "
		    "person it let in has left the cell or been removed");
		goto out;
	}
	out->cell = cell_of(n, rec.cell_id);
	if (rec.state == ST_OPEN) {
		if ((r = sz_invrec_delete(n, rec.token)) == SZ_OK)
			out->what = SZ_NODE_REVOKED_CODE;
	} else if (rec.state == ST_JOINED) {
		r = sz_node_fail(n, SZ_ERR_DENIED, "the person who used this code has joined '%s' "
		    "already: their first message has arrived.  Revoking cannot undo that; removing them "
		    "('samizdat cell remove') bans that identity from the cell for good",
		    out->cell ? sz_cell_name(out->cell) : "?");
	} else {
		/* Used, and (tidy just checked) its newcomer is a member that has not acted: the
		 * removal is a revocation of the half-done add (docs/PROTOCOL.md §11 (Cells) §7). */
		sz_cell_result res = { 0 };
		r = sz_cell_remove(out->cell, rec.member, &res);
		if ((r = sz_node_cell_apply(n, out->cell, r, &res)) == SZ_OK &&
		    (r = sz_invrec_delete(n, rec.token)) == SZ_OK) {
			out->what = SZ_NODE_REVOKED_ADD;
			memcpy(out->member, rec.member, 32);
		}
	}
	if (r != SZ_OK && n->errmsg[0] == '\0')
		r = sz_node_fail(n, r, "%s", sz_store_errmsg(n->store));
out:
	sz_wipe(&iv, sizeof iv);
	sz_wipe(&rec, sizeof rec);
	return r;
}

/* --- the inviter's side ------------------------------------------------------------------- */

/* What answering a request came to. */
typedef struct join_verdict {
	int outer;          /* SZ_OK: an open invitation opened it, answer holds the sealed answer;
	                     * else SZ_ERR_EXPIRED (none did) or SZ_ERR_MALFORMED */
	int code;           /* the verdict sealed in the answer */
	sz_cell *cell;      /* the cell the newcomer was added to (code SZ_OK) */
	uint8_t member[32]; /* and who (code SZ_OK) */
	sz_buf answer;
} join_verdict;

/* Find the open invitation whose key opens req (only that of token, if not NULL): SZ_OK with rec
 * and rq filled (rv: what sz_join_request_open said, SZ_OK or SZ_ERR_BAD_SIGNATURE or
 * SZ_ERR_MALFORMED), SZ_ERR_NOT_FOUND if none. */
static int
find_invitation(sz_node *n, const uint8_t *req, size_t len, const uint8_t *token, inv_rec *rec,
    sz_join_request *rq, int *rv)
{
	sz_buf tokens = { .secret = true };
	int r = SZ_OK;
	*rv = SZ_ERR_DECRYPT;
	if (token != NULL)
		sz_buf_append(&tokens, token, 16);
	else
		r = sz_invrec_index(n, &tokens);
	if (r == SZ_OK)
		r = tokens.err;
	for (size_t off = 0; r == SZ_OK && off < tokens.len && *rv == SZ_ERR_DECRYPT; off += 16) {
		int gr = sz_invrec_get(n, tokens.p + off, rec);
		if (gr == SZ_ERR_NOT_FOUND || gr == SZ_ERR_CORRUPT || (gr == SZ_OK && rec->state != ST_OPEN))
			continue;
		if ((r = gr) != SZ_OK)
			break;
		*rv = sz_join_request_open(rq, req, len, rec->token, rec->sk, rec->pub);
		if (*rv == SZ_ERR_DECRYPT)
			sz_wipe(rec, sizeof *rec);
		else if (*rv != SZ_OK && *rv != SZ_ERR_BAD_SIGNATURE && *rv != SZ_ERR_MALFORMED)
			r = *rv;
	}
	if (r == SZ_OK && *rv == SZ_ERR_DECRYPT)
		r = SZ_ERR_NOT_FOUND;
	sz_buf_free(&tokens);
	return r;
}

/* Answer a request: find its invitation, check the proof, expiry and cell, add the newcomer.
 * Returns an error only when the node itself failed (the store); refusals are in v. */
static int
answer_join(sz_node *n, const uint8_t *req, size_t len, const uint8_t *token, join_verdict *v)
{
	inv_rec rec;
	sz_join_request rq;
	sz_cell_result res = { 0 };
	int r, rv;
	memset(&rec, 0, sizeof rec);
	memset(&rq, 0, sizeof rq);
	v->outer = SZ_OK;
	v->code = SZ_OK;
	v->cell = NULL;
	memset(v->member, 0, 32);
	if (len != SZ_JOIN_REQUEST_BYTES) {
		v->outer = SZ_ERR_MALFORMED;
		r = SZ_OK;
		goto out;
	}
	if ((r = sz_node_invites_tidy(n)) != SZ_OK)
		goto out;
	r = find_invitation(n, req, len, token, &rec, &rq, &rv);
	if (r == SZ_ERR_NOT_FOUND) {
		/* unknown, used, revoked or expired: to the newcomer they look alike */
		v->outer = SZ_ERR_EXPIRED;
		r = SZ_OK;
		goto out;
	}
	if (r != SZ_OK)
		goto out;
	if (rv == SZ_ERR_MALFORMED) {
		v->outer = rv; /* it opened, but holds another token: not a request */
		goto out;
	}
	if (rv == SZ_ERR_BAD_SIGNATURE) {
		/* It does not prove the identity it names (a racer naming someone else): refused, and
		 * the invitation stays open for the real newcomer. */
		v->code = rv;
	} else if (rec.expiry_ms < sz_now_ms(n->env)) {
		v->code = SZ_ERR_EXPIRED;
		r = sz_invrec_delete(n, rec.token);
	} else if ((v->cell = cell_of(n, rec.cell_id)) == NULL ||
	    sz_cell_status(v->cell) != SZ_CELL_ACTIVE) {
		v->code = SZ_ERR_NOT_MEMBER;
		v->cell = NULL;
		r = sz_invrec_delete(n, rec.token);
	} else {
		/* Single use: the one-time secret goes now, whatever the add says. */
		rec.state = ST_USED;
		memcpy(rec.member, rq.identity, 32);
		sz_wipe(rec.sk, 32);
		if ((r = sz_invrec_put(n, &rec)) != SZ_OK)
			goto out;
		int ar = sz_cell_add(v->cell, rq.identity, rq.prekey, rq.csk, &res);
		if (ar == SZ_OK && res.welcome == NULL)
			ar = SZ_ERR_INTERNAL;
		if (ar != SZ_OK) {
			v->code = ar;
			v->cell = NULL;
			sz_cell_result_free(&res);
			r = sz_invrec_delete(n, rec.token); /* nothing was added: nothing to revoke */
		} else {
			memcpy(v->member, rq.identity, 32);
			/* its onion client key stays let in (docs/PROTOCOL.md §16.2) */
			if ((r = sz_node_reach_alias(n, v->cell, rq.identity, rec.token)) != SZ_OK)
				goto out;
			if ((r = name_newcomer(n, rec.token, rq.identity)) != SZ_OK)
				goto out;
			r = sz_join_answer_seal(&v->answer, &rq, SZ_OK, res.welcome, res.welcome_len);
			/* the welcome goes to the newcomer only, inside the answer */
			sz_wipe(res.welcome, res.welcome_len);
			free(res.welcome);
			res.welcome = NULL;
			int ar2 = sz_node_cell_apply(n, v->cell, SZ_OK, &res);
			if (r == SZ_OK)
				r = ar2;
			goto out;
		}
	}
	if (r == SZ_OK)
		r = sz_join_answer_seal(&v->answer, &rq, v->code, NULL, 0);
out:
	sz_cell_result_free(&res);
	sz_wipe(&rec, sizeof rec);
	sz_wipe(&rq, sizeof rq);
	return r;
}

int
sz_node_on_join(void *ctx, const uint8_t *req, size_t len, sz_buf *reply)
{
	sz_node *n = ctx;
	join_verdict v = { .answer = { .secret = true } };
	int r = answer_join(n, req, len, NULL, &v);
	if (r == SZ_OK) {
		sz_buf_u32(reply, (uint32_t)(int32_t)v.outer);
		if (v.outer == SZ_OK)
			sz_buf_append(reply, v.answer.p, v.answer.len);
		r = reply->err;
	}
	if (r == SZ_OK && n->log != NULL)
		fprintf(n->log, "invitation: a join request was %s\n", v.outer != SZ_OK ? "not for any "
		    "open invitation" : v.code == SZ_OK ? "answered: a newcomer was added" : "refused");
	sz_buf_free(&v.answer);
	return r;
}

/* --- the newcomer's side ------------------------------------------------------------------ */

int
sz_node_join_prepare(sz_node *n, const sz_invite *iv, uint8_t *req, sz_join_secrets *js)
{
	int r = sz_join_request_seal(n->env, iv->token, iv->invite_pub, n->id_sk, js, req);
	if (r != SZ_OK)
		return sz_node_fail(n, r, "the invitation's key is not usable: is the code right?");
	return SZ_OK;
}

/* Open an answer (code i32 ‖ welcome, sealed) and join from it. */
static int
join_from_answer(sz_node *n, const sz_join_secrets *js, const uint8_t *ans, size_t len,
    sz_cell **cell, int *refused)
{
	uint8_t *w = NULL;
	size_t wl = 0;
	int code;
	int r = sz_join_answer_open(js, ans, len, &code, &w, &wl);
	if (r != SZ_OK)
		return sz_node_fail(n, r, "the answer is not for the request this node made (or it is "
		    "damaged)");
	if (code != SZ_OK)
		*refused = code;
	else
		r = sz_node_cell_join(n, &js->keys, w, wl, cell);
	if (w != NULL) {
		sz_wipe(w, wl);
		free(w);
	}
	return r;
}

int
sz_node_on_welcome(void *ctx, const uint8_t *reply, size_t len)
{
	sz_node_joining *j = ctx;
	if (len < 4)
		return SZ_ERR_MALFORMED;
	int outer = (int)(int32_t)sz_load_u32(reply);
	if (outer != SZ_OK) {
		j->refused = outer < 0 && outer > -100 ? outer : SZ_ERR_DENIED;
		return len == 4 ? SZ_OK : SZ_ERR_MALFORMED;
	}
	return join_from_answer(j->n, j->js, reply + 4, len - 4, &j->cell, &j->refused);
}

/* --- joining by courier files ------------------------------------------------------------- */

#define REQUEST_LABEL "samizdat join request v2"
#define ANSWER_LABEL "samizdat join answer file v2"

/* The outer key of a courier file: from the token alone, so that without the code the file is
 * random bytes to whoever carries it.  What matters is sealed inside (app/join.h). */
static int
file_secret(uint8_t out[32], const uint8_t token[16], const char *label)
{
	return sz_hkdf(SZ_HASH_SHA256, out, 32, NULL, 0, token, 16, (const uint8_t *)label,
	    strlen(label));
}

static void
joinrec_encode(uint8_t b[JOINREC_BYTES], const sz_join_secrets *js)
{
	uint8_t *p = b;
	*p++ = 2;
	memcpy(p, js->keys.prekey_pk, 32), p += 32;
	memcpy(p, js->keys.prekey_sk, 32), p += 32;
	memcpy(p, js->keys.csk_pk, 32), p += 32;
	memcpy(p, js->keys.csk_sk, 64), p += 64;
	memcpy(p, js->e_pub, 32), p += 32;
	memcpy(p, js->answer_key, 32);
}

static int
joinrec_decode(sz_join_secrets *js, const uint8_t *b, size_t len)
{
	memset(js, 0, sizeof *js);
	if (len != JOINREC_BYTES || b[0] != 2)
		return SZ_ERR_CORRUPT;
	const uint8_t *p = b + 1;
	memcpy(js->keys.prekey_pk, p, 32), p += 32;
	memcpy(js->keys.prekey_sk, p, 32), p += 32;
	memcpy(js->keys.csk_pk, p, 32), p += 32;
	memcpy(js->keys.csk_sk, p, 64), p += 64;
	memcpy(js->e_pub, p, 32), p += 32;
	memcpy(js->answer_key, p, 32);
	return SZ_OK;
}

int
sz_node_join_request_file(sz_node *n, const sz_invite *iv, int fd)
{
	uint8_t req[SZ_JOIN_REQUEST_BYTES], secret[32], rec[JOINREC_BYTES];
	sz_join_secrets js;
	char name[64];
	sz_bundle_writer *w = NULL;
	sz_bundle_io io = { sz_node_fd_write, NULL, &fd };
	int r;
	memset(&js, 0, sizeof js);
	memset(rec, 0, sizeof rec);
	memset(secret, 0, sizeof secret);
	n->errmsg[0] = '\0';
	if ((r = sz_node_join_prepare(n, iv, req, &js)) != SZ_OK)
		goto out;
	/* What opens the answer waits in the store (a newer request for the code replaces it). */
	joinrec_encode(rec, &js);
	sz_invrec_name(name, sizeof name, KV_JOIN_PREFIX, iv->token);
	if ((r = sz_store_kv_put(n->store, name, rec, sizeof rec)) != SZ_OK) {
		r = sz_node_fail(n, r, "%s", sz_store_errmsg(n->store));
		goto out;
	}
	if ((r = file_secret(secret, iv->token, REQUEST_LABEL)) != SZ_OK)
		goto out;
	if ((r = sz_bundle_writer_new(&w, &io, SZ_BUNDLE_JOIN_REQUEST, (const uint8_t(*)[32])secret, 1,
	    n->env, sz_now_ms(n->env))) == SZ_OK &&
	    (r = sz_bundle_writer_add(w, req, sizeof req)) == SZ_OK)
		r = sz_bundle_writer_finish(w);
out:
	sz_bundle_writer_free(w);
	sz_wipe(&js, sizeof js);
	sz_wipe(rec, sizeof rec);
	sz_wipe(secret, sizeof secret);
	sz_wipe(req, sizeof req);
	return r;
}

/* Bundle items concatenated (an answer may span several items), up to max bytes. */
typedef struct items_ctx {
	sz_buf b;
	size_t max;
	size_t count;
} items_ctx;

static int
take_items(void *ctx, const uint8_t *item, size_t len)
{
	items_ctx *x = ctx;
	x->count++;
	if (x->b.len + len > x->max)
		return SZ_ERR_MALFORMED;
	sz_buf_append(&x->b, item, len);
	return x->b.err;
}

int
sz_node_admit_file(sz_node *n, int in_fd, int out_fd, sz_cell **cell, uint8_t *member,
    int *refused)
{
	sz_buf tokens = { .secret = true }, open = { .secret = true }, secrets = { .secret = true };
	items_ctx req = { .b = { .secret = true }, .max = SZ_JOIN_REQUEST_BYTES };
	join_verdict v = { .answer = { .secret = true } };
	sz_bundle_writer *w = NULL;
	sz_bundle_report rep;
	sz_bundle_io in = { NULL, sz_node_fd_read, &in_fd }, out = { sz_node_fd_write, NULL, &out_fd };
	uint8_t secret[32], tok[16];
	inv_rec rec;
	int r;
	*cell = NULL;
	*refused = SZ_OK;
	if (member != NULL)
		memset(member, 0, 32);
	memset(secret, 0, sizeof secret);
	memset(tok, 0, sizeof tok);
	n->errmsg[0] = '\0';
	if ((r = sz_node_invites_tidy(n)) != SZ_OK || (r = sz_invrec_index(n, &tokens)) != SZ_OK) {
		r = sz_node_fail(n, r, "%s", sz_store_errmsg(n->store));
		goto done;
	}
	/* The open invitations' file keys: the one that opens the file names the invitation. */
	for (size_t off = 0; r == SZ_OK && off < tokens.len; off += 16) {
		if (sz_invrec_get(n, tokens.p + off, &rec) == SZ_OK && rec.state == ST_OPEN) {
			sz_buf_append(&open, tokens.p + off, 16);
			if ((r = file_secret(secret, tokens.p + off, REQUEST_LABEL)) == SZ_OK)
				sz_buf_append(&secrets, secret, 32);
		}
		sz_wipe(&rec, sizeof rec);
	}
	if (r == SZ_OK && (r = open.err ? open.err : secrets.err) == SZ_OK && open.len == 0) {
		r = sz_node_fail(n, SZ_ERR_EXPIRED, "this node has no open invitation to answer");
		goto done;
	}
	if (r == SZ_OK)
		r = sz_bundle_read(&in, (const uint8_t(*)[32])secrets.p, secrets.len / 32, NULL,
		    take_items, &req, &rep);
	if (r == SZ_ERR_DECRYPT) {
		r = sz_node_fail(n, r, "no open invitation of this node matches the request (used, "
		    "revoked, expired, or someone else's)");
		goto done;
	}
	if (r == SZ_ERR_UNSUPPORTED)
		r = sz_node_fail(n, r, "this request was written by an older samizdat (courier files "
		    "of version 1): ask the newcomer to write it again");
	else if (r == SZ_ERR_MALFORMED || (r == SZ_OK && (rep.kind != SZ_BUNDLE_JOIN_REQUEST ||
	    req.b.len != SZ_JOIN_REQUEST_BYTES)))
		r = sz_node_fail(n, SZ_ERR_MALFORMED, "this is not a join request");
	else if (r == SZ_OK && !rep.intact)
		r = sz_node_fail(n, SZ_ERR_CORRUPT, "the request file is damaged or cut: ask for it again");
	if (r != SZ_OK)
		goto done;
	memcpy(tok, open.p + 16 * (size_t)rep.recipient, 16);
	if ((r = answer_join(n, req.b.p, req.b.len, tok, &v)) != SZ_OK) {
		r = sz_node_fail(n, r, "%s", sz_store_errmsg(n->store));
		goto done;
	}
	if (v.outer != SZ_OK) {
		r = sz_node_fail(n, v.outer, "no open invitation of this node matches the request (used, "
		    "revoked, expired, or someone else's)");
		goto done;
	}
	*refused = v.code;
	if (v.code != SZ_OK)
		goto done; /* no answer: the inviter tells the newcomer, if at all, by other means */
	*cell = v.cell;
	if (member != NULL)
		memcpy(member, v.member, 32);
	/* The answer: the sealed answer only, in as many items as it takes. */
	if ((r = file_secret(secret, tok, ANSWER_LABEL)) != SZ_OK ||
	    (r = sz_bundle_writer_new(&w, &out, SZ_BUNDLE_JOIN_ANSWER, (const uint8_t(*)[32])secret, 1,
	    n->env, sz_now_ms(n->env))) != SZ_OK)
		goto done;
	for (size_t off = 0; r == SZ_OK && off < v.answer.len; off += SZ_BUNDLE_MAX_ITEM) {
		size_t k = v.answer.len - off < SZ_BUNDLE_MAX_ITEM ? v.answer.len - off : SZ_BUNDLE_MAX_ITEM;
		r = sz_bundle_writer_add(w, v.answer.p + off, k);
	}
	if (r == SZ_OK)
		r = sz_bundle_writer_finish(w);
done:
	sz_bundle_writer_free(w);
	sz_buf_free(&v.answer);
	sz_buf_free(&req.b);
	sz_buf_free(&tokens);
	sz_buf_free(&open);
	sz_buf_free(&secrets);
	sz_wipe(secret, sizeof secret);
	sz_wipe(tok, sizeof tok);
	return r;
}

int
sz_node_join_answer_file(sz_node *n, const sz_invite *iv, int fd, sz_cell **cell, int *refused)
{
	items_ctx ans = { .b = { .secret = true }, .max = SZ_JOIN_ANSWER_MAX };
	sz_buf pre = { .secret = true };
	sz_join_secrets js;
	sz_bundle_report rep;
	sz_bundle_io in = { NULL, sz_node_fd_read, &fd };
	uint8_t secret[32];
	char name[64];
	int r;
	*cell = NULL;
	*refused = SZ_OK;
	memset(&js, 0, sizeof js);
	memset(secret, 0, sizeof secret);
	n->errmsg[0] = '\0';
	sz_invrec_name(name, sizeof name, KV_JOIN_PREFIX, iv->token);
	if ((r = sz_store_kv_get(n->store, name, &pre)) != SZ_OK ||
	    (r = joinrec_decode(&js, pre.p, pre.len)) != SZ_OK) {
		r = sz_node_fail(n, r == SZ_ERR_NOT_FOUND ? r : SZ_ERR_CORRUPT, "this node wrote no join "
		    "request for that code: run 'samizdat cell join CODE --request FILE' first");
		goto out;
	}
	if ((r = file_secret(secret, iv->token, ANSWER_LABEL)) != SZ_OK)
		goto out;
	r = sz_bundle_read(&in, (const uint8_t(*)[32])secret, 1, NULL, take_items, &ans, &rep);
	if (r == SZ_ERR_MALFORMED)
		r = sz_node_fail(n, r, "this is not an answer to a join request");
	if (r == SZ_ERR_DECRYPT) {
		r = sz_node_fail(n, r, "this answer is not for that invitation (or it is damaged)");
		goto out;
	}
	if (r == SZ_ERR_UNSUPPORTED)
		r = sz_node_fail(n, r, "this answer was written by an older samizdat (courier files of "
		    "version 1): ask the inviter to answer again");
	if (r == SZ_OK && (rep.kind != SZ_BUNDLE_JOIN_ANSWER || !rep.intact))
		r = sz_node_fail(n, rep.kind != SZ_BUNDLE_JOIN_ANSWER ? SZ_ERR_MALFORMED : SZ_ERR_CORRUPT,
		    rep.kind != SZ_BUNDLE_JOIN_ANSWER ? "this is not an answer to a join request" :
		    "the answer file is damaged or cut");
	if (r == SZ_OK)
		r = join_from_answer(n, &js, ans.b.p, ans.b.len, cell, refused);
	/* Joined, or refused for good: what opened the answer has served. */
	if (r == SZ_OK && sz_store_kv_delete(n->store, name) != SZ_OK) {
		/* left in the sealed store; a later request for the same code replaces it */
	}
out:
	sz_buf_free(&pre);
	sz_buf_free(&ans.b);
	sz_wipe(&js, sizeof js);
	sz_wipe(secret, sizeof secret);
	return r;
}
