/*
 * node_post.c - posts and threads in a cell: writing one, reading them back with their authors.
 * Layer: app.
 */
#include "app/node_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cell/cell.h"
#include "crypto/crypto.h"
#include "wire/entry.h"

int
sz_node_author_note(sz_node *n, const uint8_t csk[32], const uint8_t member[32])
{
	char name[80], hex[65];
	sz_buf have = { 0 };
	sz_hex_encode(hex, csk, 32);
	snprintf(name, sizeof name, "%s%s", KV_AUTHOR_PREFIX, hex);
	int r = sz_store_kv_get(n->store, name, &have);
	bool same = r == SZ_OK && have.len == 32 && memcmp(have.p, member, 32) == 0;
	sz_buf_free(&have);
	if (same)
		return SZ_OK;
	return sz_store_kv_put(n->store, name, member, 32);
}

int
sz_node_author_lookup(sz_node *n, const uint8_t csk[32], uint8_t member[32])
{
	char name[80], hex[65];
	sz_buf have = { 0 };
	sz_hex_encode(hex, csk, 32);
	snprintf(name, sizeof name, "%s%s", KV_AUTHOR_PREFIX, hex);
	int r = sz_store_kv_get(n->store, name, &have);
	if (r == SZ_OK && have.len != 32)
		r = SZ_ERR_CORRUPT;
	if (r == SZ_OK)
		memcpy(member, have.p, 32);
	else
		memset(member, 0, 32);
	sz_buf_free(&have);
	return r;
}

static void
author_of(sz_node *n, const uint8_t csk[32], uint8_t member[32])
{
	char name[80], hex[65];
	sz_buf have = { 0 };
	sz_hex_encode(hex, csk, 32);
	snprintf(name, sizeof name, "%s%s", KV_AUTHOR_PREFIX, hex);
	if (sz_store_kv_get(n->store, name, &have) == SZ_OK && have.len == 32)
		memcpy(member, have.p, 32);
	else
		memset(member, 0, 32);
	sz_buf_free(&have);
}

int
sz_node_post(sz_node *n, sz_cell *c, const uint8_t *reply_to, const uint8_t *text, size_t len,
    uint8_t id[32])
{
	return sz_node_post_files(n, c, reply_to, NULL, 0, text, len, id);
}

int
sz_node_post_files(sz_node *n, sz_cell *c, const uint8_t *reply_to, const sz_manifest *files,
    size_t nfiles, const uint8_t *text, size_t len, uint8_t id[32])
{
	uint8_t scope[16], *heads = NULL;
	size_t nheads = 0;
	sz_buf body = { 0 };
	int r;
	if (sz_cell_status(c) != SZ_CELL_ACTIVE)
		return sz_node_fail(n, SZ_ERR_NOT_MEMBER, "you are no longer a member of this cell");
	if (nfiles > SZ_ATTACH_PER_ENTRY)
		return sz_node_fail(n, SZ_ERR_TOO_LARGE, "at most %d files in a post", SZ_ATTACH_PER_ENTRY);
	sz_post_body_encode(&body, reply_to, files, nfiles, text, len);
	if (body.err || body.len > SZ_ENTRY_MAX_BODY) {
		sz_buf_free(&body);
		return sz_node_fail(n, SZ_ERR_TOO_LARGE, "the post is too long");
	}
	sz_node_cell_local_scope(c, scope);
	if ((r = sz_store_heads(n->store, scope, SZ_ENTRY_MAX_PARENTS, &heads, &nheads)) != SZ_OK) {
		sz_buf_free(&body);
		return sz_node_fail(n, r, "%s", sz_store_errmsg(n->store));
	}
	sz_cell_result res = { 0 };
	r = sz_cell_post(c, SZ_KIND_POST, body.p, body.len, (const uint8_t(*)[32])heads, nheads, id,
	    &res);
	free(heads);
	sz_buf_free(&body);
	r = sz_node_cell_apply(n, c, r, &res);
	if (r == SZ_ERR_STATE)
		return sz_node_fail(n, r, "you cannot post yet: your first key update has not been made");
	return r;
}

int
sz_node_read(sz_node *n, sz_cell *c, int (*fn)(void *ctx, const sz_post *p), void *ctx)
{
	uint8_t scope[16];
	sz_store_item *items;
	size_t count;
	sz_node_cell_local_scope(c, scope);
	int r = sz_store_list_entries(n->store, scope, 0, UINT64_MAX, 0, &items, &count);
	if (r != SZ_OK)
		return sz_node_fail(n, r, "%s", sz_store_errmsg(n->store));
	for (size_t i = 0; i < count && r == SZ_OK; i++) {
		uint8_t *bytes;
		size_t len;
		sz_entry e;
		if ((r = sz_store_get_entry(n->store, items[i].id, &bytes, &len, NULL, NULL)) != SZ_OK)
			break;
		sz_body b;
		if (sz_entry_decode(&e, NULL, bytes, len, 0) == SZ_OK && e.kind == SZ_KIND_POST &&
		    sz_post_body_decode(&b, e.body, e.body_len) == SZ_OK) {
			sz_post p;
			memset(&p, 0, sizeof p);
			memcpy(p.id, items[i].id, 32);
			author_of(n, e.author, p.member);
			p.time_ms = e.timestamp_ms;
			p.reply = b.reply;
			memcpy(p.reply_to, b.reply_to, 32);
			p.text = b.text;
			p.len = b.len;
			memcpy(p.files, b.files, sizeof p.files);
			p.nfiles = b.nfiles;
			r = fn(ctx, &p);
		}
		free(bytes);
	}
	free(items);
	return r;
}

int
sz_node_post_find(sz_node *n, sz_cell *c, const char *hex, uint8_t id[32])
{
	uint8_t scope[16];
	sz_store_item *items;
	size_t count, hits = 0, hl = strlen(hex);
	if (hl < 8 || hl > 64)
		return sz_node_fail(n, SZ_ERR_INVALID, "give at least 8 hex digits of the post's id");
	sz_node_cell_local_scope(c, scope);
	int r = sz_store_list_entries(n->store, scope, 0, UINT64_MAX, 0, &items, &count);
	if (r != SZ_OK)
		return r;
	for (size_t i = 0; i < count; i++) {
		char h[65];
		sz_hex_encode(h, items[i].id, 32);
		if (strncasecmp(h, hex, hl) == 0) {
			memcpy(id, items[i].id, 32);
			hits++;
		}
	}
	free(items);
	if (hits != 1)
		return sz_node_fail(n, hits ? SZ_ERR_EXISTS : SZ_ERR_NOT_FOUND, hits ? "more than one post "
		    "starts with %s" : "no post of this cell starts with %s", hex);
	return SZ_OK;
}
