/*
 * web_cell.c - cells in the web interface: the list with unread counts, a cell's posts (the page
 * builds the threads) and members, creating one, posting and replying, marking read, inviting
 * (a code and its QR code), joining with a pasted code, removing a member, leaving.  Layer: web.
 * The node calls the command line's `cell`, `post` and `read` make (src/cli/cmd_cell.c,
 * cmd_post.c).
 */
#include <stdlib.h>
#include <string.h>

#include "app/invite.h"
#include "cell/cell.h"
#include "crypto/crypto.h"
#include "lib/env.h"
#include "transport/net.h"
#include "web/web_int.h"

static const char *
status_word(const sz_cell *c)
{
	int st = sz_cell_status(c);
	return st == SZ_CELL_ACTIVE ? "member" : st == SZ_CELL_REMOVED ? "removed" : "left";
}

/* The posts of a cell, copied out of the node's callback. */
typedef struct posts {
	sz_post *p;
	size_t n, cap;
	sz_buf text;               /* every post's text, one after the other */
} posts;

static int
collect(void *ctx, const sz_post *p)
{
	posts *v = ctx;
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 64;
		sz_post *q = realloc(v->p, cap * sizeof *q);
		if (q == NULL)
			return SZ_ERR_NOMEM;
		v->p = q;
		v->cap = cap;
	}
	v->p[v->n] = *p;
	v->p[v->n].text = (const uint8_t *)(uintptr_t)v->text.len; /* an offset until the end */
	sz_buf_append(&v->text, p->text, p->len);
	v->n++;
	return v->text.err;
}

static int
posts_get(sz_node *n, sz_cell *c, posts *v)
{
	memset(v, 0, sizeof *v);
	int r = sz_node_read(n, c, collect, v);
	for (size_t i = 0; r == SZ_OK && i < v->n; i++)
		v->p[i].text = v->text.p + (uintptr_t)v->p[i].text;
	return r;
}

static void
posts_free(posts *v)
{
	free(v->p);
	sz_buf_free(&v->text);
}

/* Posts of others not yet marked read. */
static size_t
unread(sz_node *n, sz_cell *c, const posts *v)
{
	sz_buf seen = { 0 };
	size_t k = 0;
	if (sz_node_seen_get(n, sz_cell_id(c), &seen) != SZ_OK)
		seen.len = 0;
	for (size_t i = 0; i < v->n; i++)
		k += memcmp(v->p[i].member, n->id_pk, 32) != 0 && !sz_node_seen_has(&seen, v->p[i].id);
	sz_buf_free(&seen);
	return k;
}

int
sz_web_cells(sz_web_req *q)
{
	sz_node *n = q->n;
	sz_jsonw_key(&q->jw, "cells");
	sz_jsonw_arr_begin(&q->jw);
	for (size_t i = 0; i < n->ncells; i++) {
		sz_cell *c = n->cells[i].cell;
		size_t nm = 0;
		uint8_t one[1][32];
		(void)!sz_cell_members(c, one, 0, &nm);
		posts v;
		size_t un = 0, total = 0;
		if (posts_get(n, c, &v) == SZ_OK) {
			un = unread(n, c, &v);
			total = v.n;
		}
		posts_free(&v);
		sz_jsonw_obj_begin(&q->jw);
		sz_web_json_id(q, "id", sz_cell_id(c));
		sz_jsonw_key(&q->jw, "name");
		sz_jsonw_str(&q->jw, sz_cell_name(c));
		sz_jsonw_key(&q->jw, "status");
		sz_jsonw_str(&q->jw, status_word(c));
		sz_jsonw_key(&q->jw, "members");
		sz_jsonw_u64(&q->jw, nm);
		sz_jsonw_key(&q->jw, "posts");
		sz_jsonw_u64(&q->jw, total);
		sz_jsonw_key(&q->jw, "unread");
		sz_jsonw_u64(&q->jw, un);
		sz_jsonw_obj_end(&q->jw);
	}
	sz_jsonw_arr_end(&q->jw);
	return 200;
}

int
sz_web_cell_get(sz_web_req *q)
{
	int st;
	sz_node *n = q->n;
	sz_cell *c = sz_web_cell(q, &st);
	if (c == NULL)
		return st;
	sz_web_json_id(q, "id", sz_cell_id(c));
	sz_jsonw_key(&q->jw, "name");
	sz_jsonw_str(&q->jw, sz_cell_name(c));
	sz_jsonw_key(&q->jw, "status");
	sz_jsonw_str(&q->jw, status_word(c));
	uint8_t (*ids)[32] = malloc(256 * 32);
	size_t nm = 0;
	if (ids == NULL || sz_cell_members(c, ids, 256, &nm) != SZ_OK)
		nm = 0;
	sz_jsonw_key(&q->jw, "members");
	sz_jsonw_arr_begin(&q->jw);
	for (size_t i = 0; i < nm && i < 256; i++)
		sz_web_json_person(q, ids[i]);
	sz_jsonw_arr_end(&q->jw);
	free(ids);
	posts v;
	int r = posts_get(n, c, &v);
	if (r != SZ_OK) {
		posts_free(&v);
		return sz_web_fail(q, r, sz_node_errmsg(n));
	}
	sz_buf seen = { 0 };
	if (sz_node_seen_get(n, sz_cell_id(c), &seen) != SZ_OK)
		seen.len = 0;
	sz_jsonw_key(&q->jw, "posts");
	sz_jsonw_arr_begin(&q->jw);
	for (size_t i = 0; i < v.n; i++) {
		const sz_post *p = &v.p[i];
		sz_jsonw_obj_begin(&q->jw);
		sz_web_json_id(q, "id", p->id);
		sz_jsonw_key(&q->jw, "author");
		sz_web_json_person(q, p->member);
		sz_jsonw_key(&q->jw, "time_ms");
		sz_jsonw_u64(&q->jw, p->time_ms);
		if (p->reply)
			sz_web_json_id(q, "reply_to", p->reply_to);
		sz_jsonw_key(&q->jw, "text");
		sz_jsonw_strn(&q->jw, p->text, p->len);
		sz_jsonw_key(&q->jw, "unread");
		sz_jsonw_bool(&q->jw, memcmp(p->member, n->id_pk, 32) != 0 &&
		    !sz_node_seen_has(&seen, p->id));
		if (p->nfiles > 0)
			sz_web_json_files(q, p->files, p->nfiles);
		sz_jsonw_obj_end(&q->jw);
	}
	sz_jsonw_arr_end(&q->jw);
	sz_buf_free(&seen);
	posts_free(&v);
	return 200;
}

int
sz_web_cell_create(sz_web_req *q)
{
	size_t len;
	const char *name = sz_web_str(q, "name", &len);
	if (name == NULL || len < 1 || len > 64)
		return sz_web_err(q, 400, "invalid", "A cell's name has 1 to 64 letters.");
	sz_cell *c;
	int r = sz_node_cell_create(q->n, name, &c);
	if (r != SZ_OK)
		return sz_web_fail(q, r, sz_node_errmsg(q->n));
	sz_web_json_id(q, "id", sz_cell_id(c));
	return 200;
}

int
sz_web_post(sz_web_req *q)
{
	int st;
	size_t len;
	uint8_t to[32], id[32];
	sz_cell *c = sz_web_cell(q, &st);
	if (c == NULL)
		return st;
	const char *text = sz_web_str(q, "text", &len);
	sz_manifest files[SZ_ATTACH_PER_ENTRY];
	size_t nf = 0;
	if (!sz_web_files_get(q, c, files, &nf, &st))
		return st;
	if (text == NULL || (len == 0 && nf == 0))
		return sz_web_err(q, 400, "invalid", "Write something first.");
	bool reply = sz_web_str(q, "reply_to", NULL) != NULL;
	if (reply && !sz_web_id(q, "reply_to", to))
		return sz_web_err(q, 400, "invalid", "That is not a post to reply to.");
	int r = sz_node_post_files(q->n, c, reply ? to : NULL, files, nf, (const uint8_t *)text, len,
	    id);
	if (r != SZ_OK)
		return sz_web_fail(q, r, sz_node_errmsg(q->n)[0] ? sz_node_errmsg(q->n) :
		    "the post was not made");
	sz_web_files_sent(q, files, nf);
	sz_web_json_id(q, "id", id);
	return 200;
}

int
sz_web_read(sz_web_req *q)
{
	/* Everything this cell shows now is read. */
	int st;
	sz_cell *c = sz_web_cell(q, &st);
	if (c == NULL)
		return st;
	posts v;
	int r = posts_get(q->n, c, &v);
	if (r == SZ_OK && unread(q->n, c, &v) > 0) {
		uint8_t (*ids)[32] = malloc((v.n + 1) * 32);
		r = ids == NULL ? SZ_ERR_NOMEM : SZ_OK;
		for (size_t i = 0; r == SZ_OK && i < v.n; i++)
			memcpy(ids[i], v.p[i].id, 32);
		if (r == SZ_OK)
			r = sz_node_seen_put(q->n, sz_cell_id(c), (const uint8_t (*)[32])ids, v.n);
		free(ids);
	}
	posts_free(&v);
	return r == SZ_OK ? 200 : sz_web_fail(q, r, NULL);
}

int
sz_web_invite(sz_web_req *q)
{
	int st;
	uint64_t hours;
	sz_cell *c = sz_web_cell(q, &st);
	if (c == NULL)
		return st;
	if (!sz_web_u64(q, "hours", 1, 720, 24, &hours))
		return sz_web_err(q, 400, "invalid", "An invitation lasts 1 to 720 hours.");
	size_t nl = 0;
	const char *name = sz_web_str(q, "name", &nl);
	if (name != NULL && nl > 0 && sz_node_name_check(name, nl) != SZ_OK)
		return sz_web_err(q, 400, "invalid", "A name has 1 to %d letters.", SZ_NODE_NAME_MAX);
	/* Where the newcomer's device reaches this node: as `cell invite` inside the daemon. */
	sz_addr addr, *ap = NULL;
	if (sz_daemon_reach(q->w->d, &addr, 1) == 1)
		ap = &addr;
	char code[SZ_INVITE_CODE_MAX];
	int r = sz_node_invite_named(q->n, c, hours * 3600000ull, ap, nl > 0 ? name : NULL, code,
	    sizeof code);
	if (r != SZ_OK)
		return sz_web_fail(q, r, sz_node_errmsg(q->n));
	char *svg = NULL;
	if (sz_web_qr_svg(code, &svg) != SZ_OK)
		svg = NULL;
	sz_jsonw_key(&q->jw, "code");
	sz_jsonw_str(&q->jw, code);
	sz_jsonw_key(&q->jw, "qr_svg");
	if (svg != NULL)
		sz_jsonw_str(&q->jw, svg);
	else
		sz_jsonw_null(&q->jw);
	free(svg);
	sz_jsonw_key(&q->jw, "expires_ms");
	sz_jsonw_u64(&q->jw, sz_now_ms(q->n->env) + hours * 3600000ull);
	sz_jsonw_key(&q->jw, "address");
	char where[SZ_NET_ADDR_TEXT];
	if (ap != NULL && sz_addr_format(ap, where, sizeof where) == SZ_OK)
		sz_jsonw_str(&q->jw, where);
	else
		sz_jsonw_null(&q->jw);
	sz_wipe(code, sizeof code);
	return 200;
}

bool
sz_web_code(sz_web_req *q, char text[SZ_INVITE_CODE_MAX + 1], int *status)
{
	size_t len;
	const char *code = sz_web_str(q, "code", &len);
	*status = 0;
	text[0] = '\0';
	if (code == NULL || len == 0 || len > SZ_INVITE_CODE_MAX) {
		*status = sz_web_err(q, 400, "invalid", "Paste the invitation code (it starts with sz1-).");
		return false;
	}
	/* What a person pastes may carry spaces and line breaks around it. */
	size_t k = 0;
	for (size_t i = 0; i < len; i++)
		if (code[i] != ' ' && code[i] != '\n' && code[i] != '\r' && code[i] != '\t')
			text[k++] = code[i];
	text[k] = '\0';
	return true;
}

bool
sz_web_invite_code(sz_web_req *q, sz_invite *iv, int *status)
{
	char text[SZ_INVITE_CODE_MAX + 1];
	if (!sz_web_code(q, text, status))
		return false;
	int r = sz_invite_decode(iv, text);
	sz_wipe(text, sizeof text);
	if (r == SZ_ERR_CORRUPT)
		*status = sz_web_err(q, 400, "typo", "The code has a typo: compare it again with the one "
		    "you were given.");
	else if (r == SZ_ERR_UNSUPPORTED)
		*status = sz_web_err(q, 400, "old", "This code is of an older kind that is no longer "
		    "accepted: ask for a new one.");
	else if (r != SZ_OK)
		*status = sz_web_err(q, 400, "invalid", "That is not an invitation code (they start "
		    "with sz1-).");
	else if (iv->expiry_ms < sz_now_ms(q->n->env))
		*status = sz_web_err(q, 410, "expired", "This invitation has expired: ask for a new one.");
	if (*status != 0)
		sz_wipe(iv, sizeof *iv);
	return *status == 0;
}

int
sz_web_join(sz_web_req *q)
{
	sz_invite iv;
	int r, st;
	if (!sz_web_invite_code(q, &iv, &st))
		return st;
	if (!iv.has_addr)
		return sz_web_err(q, 400, "no_address", "The code names no address to reach the "
		    "inviter's node: finish with courier files on the command line "
		    "('samizdat cell join CODE --request FILE').");
	sz_web_job *j = sz_web_job_new(q->w, "join");
	if (j == NULL)
		return sz_web_err(q, 429, "busy", "Too much is running: try again in a moment.");
	if (sz_addr_format(&iv.addr, j->peer, sizeof j->peer) != SZ_OK)
		j->peer[0] = '\0';
	void *waiter = sz_web_job_waiter(q->w, j);
	r = waiter ? sz_daemon_join_start(q->w->d, waiter, &iv) : SZ_ERR_LIMIT;
	sz_wipe(&iv, sizeof iv);
	if (r != SZ_OK) {
		sz_daemon_waiter_cancel(q->w->d, waiter);
		sz_web_job_drop(j);
		return sz_web_fail(q, r, r == SZ_ERR_UNSUPPORTED ? "the inviter serves over Tor and "
		    "this node runs without it" : "the join did not start");
	}
	sz_jsonw_key(&q->jw, "job");
	sz_jsonw_u64(&q->jw, j->id);
	return 200;
}

/* remove (what 0) or leave (1): one operation, filed and saved. */
static int
operate(sz_web_req *q, int what)
{
	int st;
	uint8_t id[32];
	sz_cell *c = sz_web_cell(q, &st);
	if (c == NULL)
		return st;
	sz_cell_result res = { 0 };
	int r;
	if (what == 0) {
		if (!sz_web_id(q, "member", id))
			return sz_web_err(q, 400, "invalid", "Say which member.");
		if (memcmp(id, q->n->id_pk, 32) == 0)
			return sz_web_err(q, 400, "invalid", "To leave the cell yourself, use Leave.");
		if (!sz_cell_is_member(c, id))
			return sz_web_err(q, 404, "not_member", "No member of this cell is that person.");
		r = sz_cell_remove(c, id, &res);
	} else {
		r = sz_cell_leave(c, &res);
	}
	if ((r = sz_node_cell_apply(q->n, c, r, &res)) != SZ_OK)
		return sz_web_fail(q, r, sz_node_errmsg(q->n)[0] ? sz_node_errmsg(q->n) :
		    "the change was refused");
	return 200;
}

int
sz_web_remove(sz_web_req *q)
{
	return operate(q, 0);
}

int
sz_web_leave(sz_web_req *q)
{
	return operate(q, 1);
}
