/*
 * node_reach.c - "where to reach me" records and each cell's address book (see node_reach.h;
 * docs/PROTOCOL.md §16.1, §16).  Layer: app.
 *
 * cell/<hex cell id>.book   version u8 (1) ‖ count u16 ‖ count × (member[32] ‖ flags u8 ‖
 *                          len u16 ‖ record body[len]): the newest record of each member
 * cell/<hex cell id>.reach  members_hash[16] ‖ BLAKE2b-128 of my last record without its time:
 *                          what my last record was posted for
 */
#include "app/node_reach.h"

#include <stdlib.h>
#include <string.h>

#include "app/node_decide.h"
#include "app/node_int.h"
#include "cell/cell.h"
#include "crypto/crypto.h"
#include "wire/entry.h"

#define BOOK_VERSION 1

int
sz_reach_encode(const sz_reach_rec *rec, sz_buf *out)
{
	if (rec->naddr > SZ_REACH_MAX_ADDRS)
		return SZ_ERR_TOO_LARGE;
	sz_buf_u8(out, 1);
	sz_buf_u64(out, rec->time_ms);
	sz_buf_append(out, rec->node_key, 32);
	sz_buf_append(out, rec->auth_key, 32);
	sz_buf_u8(out, (uint8_t)rec->naddr);
	for (size_t i = 0; i < rec->naddr; i++) {
		char t[SZ_NET_ADDR_TEXT];
		int r = sz_addr_format(&rec->addr[i], t, sizeof t);
		size_t l = strlen(t);
		if (r != SZ_OK || l == 0 || l > SZ_REACH_ADDR_MAX)
			return SZ_ERR_TOO_LARGE;
		sz_buf_u8(out, (uint8_t)l);
		sz_buf_append(out, t, l);
	}
	return out->err;
}

int
sz_reach_parse(const uint8_t *body, size_t len, sz_reach_rec *rec)
{
	sz_rd rd = sz_rd_init(body, len);
	memset(rec, 0, sizeof *rec);
	uint8_t v = sz_rd_u8(&rd);
	if (rd.err)
		return SZ_ERR_MALFORMED;
	if (v != 1)
		return SZ_ERR_UNSUPPORTED;
	rec->time_ms = sz_rd_u64(&rd);
	sz_rd_copy(&rd, rec->node_key, 32);
	sz_rd_copy(&rd, rec->auth_key, 32);
	size_t na = sz_rd_u8(&rd);
	if (rd.err)
		return SZ_ERR_MALFORMED;
	if (na > SZ_REACH_MAX_ADDRS)
		return SZ_ERR_TOO_LARGE;
	for (size_t i = 0; i < na; i++) {
		size_t l = sz_rd_u8(&rd);
		const uint8_t *t = sz_rd_bytes(&rd, l);
		if (t == NULL || l == 0)
			return SZ_ERR_MALFORMED;
		if (l > SZ_REACH_ADDR_MAX)
			return SZ_ERR_TOO_LARGE;
		char text[SZ_REACH_ADDR_MAX + 1], why[128];
		for (size_t k = 0; k < l; k++)
			if (t[k] < 0x21 || t[k] > 0x7e)
				return SZ_ERR_MALFORMED;
		memcpy(text, t, l);
		text[l] = '\0';
		if (sz_addr_parse(&rec->addr[i], text, why, sizeof why) != SZ_OK ||
		    rec->addr[i].port == 0)
			return SZ_ERR_MALFORMED;
	}
	rec->naddr = na;
	return sz_rd_end(&rd) == SZ_OK ? SZ_OK : SZ_ERR_MALFORMED;
}

/* --- the address book ---------------------------------------------------------------------- */

typedef struct book_entry {
	uint8_t member[32];
	uint8_t flags;
	sz_reach_rec rec;
	uint8_t body[512];
	size_t blen;
} book_entry;

typedef struct book {
	book_entry *e;
	size_t n;
} book;

static void
book_free(book *b)
{
	free(b->e);
	b->e = NULL;
	b->n = 0;
}

/* Load c's book; a damaged one is dropped (records come again). */
static int
book_load(sz_node *n, const struct sz_cell *c, book *b)
{
	char name[96];
	sz_buf v = { 0 };
	b->e = NULL;
	b->n = 0;
	sz_node_cell_kv_name(name, sizeof name, sz_cell_id(c), "book");
	int r = sz_store_kv_get(n->store, name, &v);
	if (r == SZ_ERR_NOT_FOUND) {
		sz_buf_free(&v);
		return SZ_OK;
	}
	if (r != SZ_OK) {
		sz_buf_free(&v);
		return r;
	}
	sz_rd rd = sz_rd_init(v.p, v.len);
	uint8_t ver = sz_rd_u8(&rd);
	size_t cnt = sz_rd_u16(&rd);
	if (rd.err || ver != BOOK_VERSION || cnt > SZ_REACH_MAX_ENTRIES ||
	    (b->e = calloc(cnt ? cnt : 1, sizeof *b->e)) == NULL) {
		sz_buf_free(&v);
		return rd.err || ver != BOOK_VERSION || cnt > SZ_REACH_MAX_ENTRIES ? SZ_OK : SZ_ERR_NOMEM;
	}
	for (size_t i = 0; i < cnt; i++) {
		book_entry *e = &b->e[b->n];
		sz_rd_copy(&rd, e->member, 32);
		e->flags = sz_rd_u8(&rd);
		e->blen = sz_rd_u16(&rd);
		const uint8_t *body = e->blen <= sizeof e->body ? sz_rd_bytes(&rd, e->blen) : NULL;
		if (body == NULL || rd.err)
			break;
		memcpy(e->body, body, e->blen);
		if (sz_reach_parse(e->body, e->blen, &e->rec) == SZ_OK)
			b->n++;
	}
	sz_buf_free(&v);
	return SZ_OK;
}

static int
book_save(sz_node *n, const struct sz_cell *c, const book *b)
{
	char name[96];
	sz_buf v = { 0 };
	sz_node_cell_kv_name(name, sizeof name, sz_cell_id(c), "book");
	/* the newest records first, as many as a value holds */
	sz_buf_u8(&v, BOOK_VERSION);
	sz_buf_u16(&v, 0);
	size_t cnt = 0;
	for (size_t i = 0; i < b->n && cnt < SZ_REACH_MAX_ENTRIES; i++) {
		const book_entry *e = &b->e[i];
		if (v.len + 35 + e->blen > SZ_STORE_KV_VALUE_MAX)
			break;
		sz_buf_append(&v, e->member, 32);
		sz_buf_u8(&v, e->flags);
		sz_buf_u16(&v, (uint16_t)e->blen);
		sz_buf_append(&v, e->body, e->blen);
		cnt++;
	}
	if (v.err) {
		sz_buf_free(&v);
		return v.err;
	}
	sz_store_u16(v.p + 1, (uint16_t)cnt);
	int r = sz_store_kv_put(n->store, name, v.p, v.len);
	sz_buf_free(&v);
	return r;
}

static int
cmp_newest(const void *a, const void *b)
{
	const book_entry *x = a, *y = b;
	return x->rec.time_ms < y->rec.time_ms ? 1 : x->rec.time_ms > y->rec.time_ms ? -1 : 0;
}

/* Put (member, flags, body) in c's book: replaces that member's older record (or, for an
 * invitation contact, one of the same node key). */
static int
book_put(sz_node *n, const struct sz_cell *c, const uint8_t member[32], uint8_t flags,
    const uint8_t *body, size_t blen)
{
	book b;
	sz_reach_rec rec;
	int r;
	if (blen > sizeof b.e->body || (r = sz_reach_parse(body, blen, &rec)) != SZ_OK)
		return SZ_ERR_MALFORMED;
	if ((r = book_load(n, c, &b)) != SZ_OK)
		return r;
	book_entry *slot = NULL;
	for (size_t i = 0; i < b.n; i++) {
		book_entry *e = &b.e[i];
		bool same = (flags & SZ_REACH_INVITE) ? (e->flags & SZ_REACH_INVITE) &&
		    memcmp(e->rec.node_key, rec.node_key, 32) == 0 :
		    !(e->flags & SZ_REACH_INVITE) && memcmp(e->member, member, 32) == 0;
		if (same) {
			if (e->rec.time_ms >= rec.time_ms && !(flags & SZ_REACH_INVITE)) {
				book_free(&b);
				return SZ_OK; /* an older (or the same) record: nothing new */
			}
			slot = e;
		}
		/* a member's own record supersedes the contact a code gave for its node */
		if (!(flags & SZ_REACH_INVITE) && (e->flags & SZ_REACH_INVITE) &&
		    memcmp(e->rec.node_key, rec.node_key, 32) == 0)
			e->rec.time_ms = 0, e->flags |= 0x80; /* marked: dropped below */
	}
	if (slot == NULL) {
		book_entry *grown = realloc(b.e, (b.n + 1) * sizeof *b.e);
		if (grown == NULL) {
			book_free(&b);
			return SZ_ERR_NOMEM;
		}
		b.e = grown;
		slot = &b.e[b.n++];
	}
	memcpy(slot->member, member, 32);
	slot->flags = flags;
	slot->rec = rec;
	memcpy(slot->body, body, blen);
	slot->blen = blen;
	size_t w = 0;
	for (size_t i = 0; i < b.n; i++)
		if (!(b.e[i].flags & 0x80))
			b.e[w++] = b.e[i];
	b.n = w;
	qsort(b.e, b.n, sizeof *b.e, cmp_newest);
	r = book_save(n, c, &b);
	book_free(&b);
	return r;
}

int
sz_node_reach_filed(sz_node *n, struct sz_cell *c, const struct sz_cell_event *e)
{
	if (e->type != SZ_CELL_EV_MESSAGE || e->kind != SZ_KIND_REACH ||
	    memcmp(e->actor, n->id_pk, 32) == 0 || sodium_is_zero(e->actor, 32))
		return SZ_OK;
	/* A record that does not parse is the author's loss, not a fault of the sync that brought
	 * it: its entry verified, it is simply not used. */
	int r = book_put(n, c, e->actor, 0, e->body, e->body_len);
	return r == SZ_ERR_MALFORMED ? SZ_OK : r;
}

int
sz_node_reach_note_invite(sz_node *n, struct sz_cell *c, const uint8_t node_key[32],
    const sz_addr *a, const uint8_t token[16])
{
	sz_reach_rec rec;
	sz_buf body = { 0 };
	uint8_t zero[32] = { 0 };
	memset(&rec, 0, sizeof rec);
	rec.time_ms = sz_now_ms(n->env);
	memcpy(rec.node_key, node_key, 32);
	rec.naddr = 1;
	rec.addr[0] = *a;
	int r = sz_reach_encode(&rec, &body);
	if (r == SZ_OK)
		r = book_put(n, c, zero, SZ_REACH_INVITE, body.p, body.len);
	sz_buf_free(&body);
	if (r == SZ_OK && token != NULL) {
		/* inviter's node key ‖ the token's client secret */
		uint8_t v[64], pk[32];
		char name[96];
		memcpy(v, node_key, 32);
		sz_reach_invite_client_key(token, v + 32, pk);
		sz_node_cell_kv_name(name, sizeof name, sz_cell_id(c), "invauth");
		r = sz_store_kv_put(n->store, name, v, sizeof v);
		sodium_memzero(v, sizeof v);
	}
	return r;
}

int
sz_node_reach_publish(sz_node *n, struct sz_cell *c, const sz_addr *a, size_t na, bool unlisted,
    bool *posted)
{
	sz_reach_rec rec;
	sz_buf body = { 0 };
	uint8_t mine[32], have[32], hash[16];
	char name[96];
	*posted = false;
	if (sz_cell_status(c) != SZ_CELL_ACTIVE)
		return SZ_ERR_NOT_MEMBER;
	memset(&rec, 0, sizeof rec);
	memcpy(rec.node_key, n->tr_pk, 32);
	uint8_t auth_sk[32];
	sz_node_onion_client_key(n, auth_sk, rec.auth_key);
	sodium_memzero(auth_sk, sizeof auth_sk);
	rec.naddr = unlisted ? 0 : na > SZ_REACH_MAX_ADDRS ? SZ_REACH_MAX_ADDRS : na;
	for (size_t i = 0; i < rec.naddr; i++)
		rec.addr[i] = a[i];
	/* what it says (without its time), for the members it would go to */
	int r = sz_reach_encode(&rec, &body);
	if (r == SZ_OK)
		r = sz_node_members_hash(c, mine);
	if (r == SZ_OK)
		r = sz_blake2b(hash, 16, body.p, body.len, NULL, 0);
	memcpy(mine + 16, hash, 16);
	sz_buf_free(&body);
	if (r != SZ_OK)
		return r;
	sz_node_cell_kv_name(name, sizeof name, sz_cell_id(c), "reach");
	sz_buf old = { 0 };
	r = sz_store_kv_get(n->store, name, &old);
	bool same = r == SZ_OK && old.len == 32 && memcmp(old.p, mine, 32) == 0;
	sz_buf_free(&old);
	if (r != SZ_OK && r != SZ_ERR_NOT_FOUND)
		return r;
	if (same)
		return SZ_OK;
	rec.time_ms = sz_now_ms(n->env);
	if ((r = sz_reach_encode(&rec, &body)) == SZ_OK)
		r = sz_node_cell_post(n, c, SZ_KIND_REACH, body.p, body.len, NULL, 0, NULL);
	sz_buf_free(&body);
	memcpy(have, mine, 32);
	if (r == SZ_OK)
		r = sz_store_kv_put(n->store, name, have, 32);
	if (r == SZ_OK)
		*posted = true;
	return r;
}

/* Is id one of ids[0..k)? */
static bool
is_member(const uint8_t id[32], const uint8_t (*ids)[32], size_t k)
{
	for (size_t i = 0; i < k; i++)
		if (memcmp(ids[i], id, 32) == 0)
			return true;
	return false;
}

/* The member nodes of nc its records name (never a removed member's, nor mine, nor one that
 * publishes no address), into out[k..max) (their addresses and keys) or, if out is NULL, their
 * keys into keys[k..max).  ids: room for 256 member ids.  Returns the new k. */
static size_t
cell_nodes(sz_node *n, sz_node_cell *nc, uint8_t (*ids)[32], sz_autosync_want *out,
    uint8_t (*keys)[32], size_t k, size_t max)
{
	size_t nm = 0;
	book b;
	if (!sz_node_cell_syncs(n, nc) || sz_cell_members(nc->cell, ids, 256, &nm) != SZ_OK ||
	    book_load(n, nc->cell, &b) != SZ_OK)
		return k;
	for (size_t i = 0; i < b.n && k < max; i++) {
		book_entry *e = &b.e[i];
		/* a removed (or departed) member's node is never contacted again */
		if (!(e->flags & SZ_REACH_INVITE) && (!is_member(e->member, ids, nm) ||
		    memcmp(e->member, n->id_pk, 32) == 0))
			continue;
		if (memcmp(e->rec.node_key, n->tr_pk, 32) == 0 || e->rec.naddr == 0)
			continue; /* my own node; a node that publishes no address */
		if (out == NULL) {
			memcpy(keys[k++], e->rec.node_key, 32);
			continue;
		}
		memset(&out[k], 0, sizeof out[k]);
		for (size_t j = 0; j < e->rec.naddr && j < SZ_AUTOSYNC_MAX_ADDRS; j++)
			out[k].addr[out[k].naddr++] = e->rec.addr[j];
		out[k].has_key = true;
		memcpy(out[k].key, e->rec.node_key, 32);
		k++;
	}
	book_free(&b);
	return k;
}

size_t
sz_node_reach_targets(sz_node *n, sz_autosync_want *out, size_t max)
{
	size_t k = 0;
	uint8_t (*ids)[32] = calloc(256, 32);
	if (ids == NULL)
		return 0;
	for (size_t ci = 0; ci < n->ncells && k < max; ci++)
		k = cell_nodes(n, &n->cells[ci], ids, out, NULL, k, max);
	free(ids);
	return k;
}

size_t
sz_node_reach_cell_nodes(sz_node *n, const char *cell, uint8_t (*keys)[32], size_t max)
{
	size_t k = 0;
	uint8_t (*ids)[32] = calloc(256, 32);
	if (ids == NULL)
		return 0;
	for (size_t ci = 0; ci < n->ncells && k == 0; ci++)
		if (strcmp(sz_cell_name(n->cells[ci].cell), cell) == 0)
			k = cell_nodes(n, &n->cells[ci], ids, NULL, keys, 0, max);
	free(ids);
	return k;
}

/* --- onion client authorization ------------------------------------------------------------ */

/* X25519 secret from 32 bytes of key material under a label (BLAKE2b-256, then clamped). */
static void
client_key(const uint8_t *ikm, size_t ikmlen, const char *label, uint8_t sk[32], uint8_t pk[32])
{
	if (sz_blake2b(sk, 32, (const uint8_t *)label, strlen(label), ikm, ikmlen) != SZ_OK)
		randombytes_buf(sk, 32); /* cannot happen: then no one knows it, and nothing opens */
	sk[0] &= 248;
	sk[31] &= 127;
	sk[31] |= 64;
	crypto_scalarmult_base(pk, sk);
}

void
sz_node_onion_client_key(const sz_node *n, uint8_t sk[32], uint8_t pk[32])
{
	client_key(n->tr_sk, 32, "samizdat onion client key v1", sk, pk);
}

void
sz_reach_invite_client_key(const uint8_t token[16], uint8_t sk[32], uint8_t pk[32])
{
	client_key(token, 16, "samizdat onion invitation key v1", sk, pk);
}

#define ALIAS_MAX 256
#define KV_INVITE_NEXT "node/invite_next"

int
sz_node_reach_next_token(sz_node *n, uint8_t token[16], bool take)
{
	sz_buf v = { .secret = true };
	int r = sz_store_kv_get(n->store, KV_INVITE_NEXT, &v);
	if (r == SZ_OK && v.len == 16) {
		memcpy(token, v.p, 16);
	} else if (r == SZ_OK || r == SZ_ERR_NOT_FOUND) {
		sz_random(n->env, token, 16);
		r = sz_store_kv_put(n->store, KV_INVITE_NEXT, token, 16);
	}
	sz_buf_free(&v);
	if (r == SZ_OK && take) {
		uint8_t next[16];
		sz_random(n->env, next, sizeof next);
		r = sz_store_kv_put(n->store, KV_INVITE_NEXT, next, sizeof next);
		sodium_memzero(next, sizeof next);
	}
	return r;
}

int
sz_node_reach_alias(sz_node *n, struct sz_cell *c, const uint8_t member[32],
    const uint8_t token[16])
{
	char name[96];
	sz_buf old = { 0 }, next = { 0 };
	uint8_t sk[32], pk[32];
	sz_reach_invite_client_key(token, sk, pk);
	sodium_memzero(sk, sizeof sk);
	sz_node_cell_kv_name(name, sizeof name, sz_cell_id(c), "alias");
	int r = sz_store_kv_get(n->store, name, &old);
	if (r == SZ_ERR_NOT_FOUND)
		r = SZ_OK;
	/* member[32] ‖ key[32], newest last; those no longer members dropped, then the oldest */
	size_t cnt = r == SZ_OK ? old.len / 64 : 0;
	for (size_t i = 0; i < cnt; i++) {
		const uint8_t *e = old.p + 64 * i;
		if (sz_cell_is_member(c, e) && memcmp(e, member, 32) != 0 && cnt - i <= ALIAS_MAX - 1)
			sz_buf_append(&next, e, 64);
	}
	sz_buf_append(&next, member, 32);
	sz_buf_append(&next, pk, 32);
	if (r == SZ_OK)
		r = next.err ? next.err : sz_store_kv_put(n->store, name, next.p, next.len);
	sz_buf_free(&old);
	sz_buf_free(&next);
	return r;
}

static int
cmp_key(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

size_t
sz_node_reach_clients(sz_node *n, uint8_t (*out)[32], size_t max)
{
	size_t k = 0;
	uint8_t (*ids)[32] = calloc(256, 32);
	if (ids == NULL)
		return 0;
	for (size_t ci = 0; ci < n->ncells; ci++) {
		sz_node_cell *nc = &n->cells[ci];
		size_t nm = 0;
		book b;
		char name[96];
		if (sz_cell_status(nc->cell) != SZ_CELL_ACTIVE ||
		    sz_cell_members(nc->cell, ids, 256, &nm) != SZ_OK)
			continue;
		if (book_load(n, nc->cell, &b) == SZ_OK) {
			for (size_t i = 0; i < b.n && k < max; i++) {
				book_entry *e = &b.e[i];
				if (!(e->flags & SZ_REACH_INVITE) && is_member(e->member, ids, nm) &&
				    memcmp(e->member, n->id_pk, 32) != 0 && !sodium_is_zero(e->rec.auth_key, 32))
					memcpy(out[k++], e->rec.auth_key, 32);
			}
			book_free(&b);
		}
		sz_buf al = { 0 };
		sz_node_cell_kv_name(name, sizeof name, sz_cell_id(nc->cell), "alias");
		if (sz_store_kv_get(n->store, name, &al) == SZ_OK)
			for (size_t i = 0; i + 64 <= al.len && k < max; i += 64)
				if (is_member(al.p + i, ids, nm))
					memcpy(out[k++], al.p + i + 32, 32);
		sz_buf_free(&al);
	}
	free(ids);
	sz_buf tokens = { .secret = true };
	bool active = false;
	for (size_t ci = 0; ci < n->ncells && !active; ci++)
		active = sz_cell_status(n->cells[ci].cell) == SZ_CELL_ACTIVE;
	uint8_t next[16];
	if (active && sz_node_reach_next_token(n, next, false) == SZ_OK)
		sz_buf_append(&tokens, next, 16);
	sodium_memzero(next, sizeof next);
	if (sz_node_invites_open(n, &tokens) == SZ_OK)
		for (size_t i = 0; i + 16 <= tokens.len && k < max; i += 16) {
			uint8_t sk[32];
			sz_reach_invite_client_key(tokens.p + i, sk, out[k++]);
			sodium_memzero(sk, sizeof sk);
		}
	sz_buf_free(&tokens);
	qsort(out, k, 32, cmp_key);
	size_t w = 0;
	for (size_t i = 0; i < k; i++)
		if (w == 0 || memcmp(out[w - 1], out[i], 32) != 0)
			memmove(out[w++], out[i], 32);
	return w;
}

void
sz_node_reach_client_secret(sz_node *n, const uint8_t node_key[32], uint8_t sk[32])
{
	uint8_t pk[32];
	for (size_t ci = 0; ci < n->ncells; ci++) {
		char name[96];
		sz_buf v = { .secret = true };
		sz_node_cell_kv_name(name, sizeof name, sz_cell_id(n->cells[ci].cell), "invauth");
		bool hit = sz_store_kv_get(n->store, name, &v) == SZ_OK && v.len == 64 &&
		    memcmp(v.p, node_key, 32) == 0;
		if (hit)
			memcpy(sk, v.p + 32, 32);
		sz_buf_free(&v);
		if (hit)
			return;
	}
	sz_node_onion_client_key(n, sk, pk);
}
