/*
 * node_local.c - what a person keeps for themselves in the encrypted store and never sends:
 * local names ("petnames") for identities, shown instead of fingerprints; the list of peers to
 * sync with; which posts of a cell they have read.  Layer: app.  docs/PROTOCOL.md §16.
 */
#include "app/node_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/jsonw.h"
#include "wire/identity.h"

static void
kv_name(char *out, size_t n, const uint8_t id[32])
{
	char hex[65];
	sz_hex_encode(hex, id, 32);
	snprintf(out, n, "%s%s", KV_NAME_PREFIX, hex);
}

int
sz_node_name_check(const char *name, size_t len)
{
	if (len < 1 || len > SZ_NODE_NAME_MAX)
		return SZ_ERR_INVALID;
	for (size_t i = 0; i < len;) {
		size_t k = sz_utf8_seq((const uint8_t *)name + i, len - i);
		if (k == 0 || (k == 1 && ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)))
			return SZ_ERR_INVALID;
		/* C1 controls and the bidirectional overrides that could disguise a name */
		if (k == 2 && (unsigned char)name[i] == 0xc2 && (unsigned char)name[i + 1] < 0xa0)
			return SZ_ERR_INVALID;
		if (k == 3 && (unsigned char)name[i] == 0xe2 && (unsigned char)name[i + 1] == 0x80 &&
		    (unsigned char)name[i + 2] >= 0xaa && (unsigned char)name[i + 2] <= 0xae)
			return SZ_ERR_INVALID;
		if (k == 3 && (unsigned char)name[i] == 0xe2 && (unsigned char)name[i + 1] == 0x81 &&
		    (unsigned char)name[i + 2] >= 0xa6 && (unsigned char)name[i + 2] <= 0xa9)
			return SZ_ERR_INVALID;
		i += k;
	}
	return SZ_OK;
}

int
sz_node_name_set(sz_node *n, const uint8_t id[32], const char *name)
{
	char key[80];
	kv_name(key, sizeof key, id);
	if (name == NULL || name[0] == '\0') {
		int r = sz_store_kv_delete(n->store, key);
		return r == SZ_ERR_NOT_FOUND ? SZ_OK : r;
	}
	size_t len = strlen(name);
	int r = sz_node_name_check(name, len);
	if (r != SZ_OK)
		return sz_node_fail(n, r, "a name has 1 to %d bytes of text, without control "
		    "characters", SZ_NODE_NAME_MAX);
	return sz_store_kv_put(n->store, key, (const uint8_t *)name, len);
}

bool
sz_node_name_get(sz_node *n, const uint8_t id[32], char out[SZ_NODE_NAME_MAX + 1])
{
	char key[80];
	sz_buf b = { 0 };
	out[0] = '\0';
	kv_name(key, sizeof key, id);
	bool ok = sz_store_kv_get(n->store, key, &b) == SZ_OK && b.len >= 1 &&
	    b.len <= SZ_NODE_NAME_MAX && sz_node_name_check((const char *)b.p, b.len) == SZ_OK;
	if (ok) {
		memcpy(out, b.p, b.len);
		out[b.len] = '\0';
	}
	sz_buf_free(&b);
	return ok;
}

int
sz_node_person_match(sz_node *n, const uint8_t (*ids)[32], size_t count, const char *typed,
    size_t *hits, size_t maxhits, size_t *nhits)
{
	char want[64], name[SZ_NODE_NAME_MAX + 1];
	size_t k = 0, h = 0;
	*nhits = 0;
	/* a fingerprint as typed: spaces and dashes ignored, any case */
	for (const char *p = typed; *p && k + 1 < sizeof want; p++)
		if (*p != ' ' && *p != '-')
			want[k++] = (char)tolower((unsigned char)*p);
	want[k] = '\0';
	/* a name, exactly (ASCII case ignored), first: a name wins over a fingerprint's start */
	for (size_t i = 0; i < count; i++)
		if (sz_node_name_get(n, ids[i], name) && strcasecmp(name, typed) == 0) {
			if (h < maxhits)
				hits[h] = i;
			h++;
		}
	if (h == 0 && k >= 8)
		for (size_t i = 0; i < count; i++) {
			char fp[SZ_FINGERPRINT_TEXT], flat[40];
			size_t o = 0;
			if (sz_fingerprint(fp, ids[i]) != SZ_OK)
				continue;
			for (const char *p = fp; *p && o + 1 < sizeof flat; p++)
				if (*p != ' ')
					flat[o++] = *p;
			flat[o] = '\0';
			if (strncmp(flat, want, k) == 0) {
				if (h < maxhits)
					hits[h] = i;
				h++;
			}
		}
	*nhits = h;
	return h == 1 ? SZ_OK : h == 0 ? SZ_ERR_NOT_FOUND : SZ_ERR_EXISTS;
}

/* --- peers ------------------------------------------------------------------------------- */

int
sz_node_peers_get(sz_node *n, sz_buf *list)
{
	int r = sz_store_kv_get(n->store, SZ_KV_PEERS, list);
	return r == SZ_ERR_NOT_FOUND ? SZ_OK : r;
}

int
sz_node_peers_edit(sz_node *n, const char *addr, bool add, bool *found)
{
	sz_buf list = { 0 }, next = { 0 };
	size_t al = strlen(addr);
	*found = false;
	if (al == 0 || memchr(addr, '\n', al) != NULL)
		return SZ_ERR_INVALID;
	int r = sz_node_peers_get(n, &list);
	if (r != SZ_OK)
		return r;
	for (size_t off = 0; off < list.len;) {
		const uint8_t *nl = memchr(list.p + off, '\n', list.len - off);
		size_t l = nl ? (size_t)(nl - list.p) - off : list.len - off;
		bool same = l == al && memcmp(list.p + off, addr, al) == 0;
		*found |= same;
		if (!same) {
			sz_buf_append(&next, list.p + off, l);
			sz_buf_u8(&next, '\n');
		}
		off += l + 1;
	}
	if (add) {
		sz_buf_append(&next, addr, al);
		sz_buf_u8(&next, '\n');
	}
	if (add || *found)
		r = next.err ? next.err : sz_store_kv_put(n->store, SZ_KV_PEERS, next.p, next.len);
	sz_buf_free(&list);
	sz_buf_free(&next);
	return r;
}

/* --- what has been read ------------------------------------------------------------------ */

static void
kv_seen(char *out, size_t n, const uint8_t cell_id[32])
{
	char hex[65];
	sz_hex_encode(hex, cell_id, 32);
	snprintf(out, n, "%s%s", KV_SEEN_PREFIX, hex);
}

static int
cmp8(const void *a, const void *b)
{
	return memcmp(a, b, 8);
}

int
sz_node_seen_get(sz_node *n, const uint8_t cell_id[32], sz_buf *set)
{
	char key[80];
	kv_seen(key, sizeof key, cell_id);
	int r = sz_store_kv_get(n->store, key, set);
	if (r == SZ_ERR_NOT_FOUND)
		return SZ_OK;
	if (r == SZ_OK && set->len % 8 != 0) {
		set->len = 0; /* damaged: everything shows as unread, nothing worse */
	}
	return r;
}

bool
sz_node_seen_has(const sz_buf *set, const uint8_t id[32])
{
	return set->len >= 8 && bsearch(id, set->p, set->len / 8, 8, cmp8) != NULL;
}

int
sz_node_seen_put(sz_node *n, const uint8_t cell_id[32], const uint8_t (*ids)[32], size_t count)
{
	char key[80];
	uint8_t *v = malloc(count * 8 + 1);
	if (v == NULL)
		return SZ_ERR_NOMEM;
	for (size_t i = 0; i < count; i++)
		memcpy(v + 8 * i, ids[i], 8);
	qsort(v, count, 8, cmp8);
	kv_seen(key, sizeof key, cell_id);
	int r = sz_store_kv_put(n->store, key, v, count * 8);
	free(v);
	return r;
}
