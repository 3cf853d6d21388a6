/*
 * node_declare.c - declarations and co-signatures in a node: a declaration is posted in the cell
 * (and, marked public, published unchanged as a public envelope); in-cell co-signatures are
 * signed by the cell signing key and posted in the cell; public ones are signed by the identity
 * key and published; any node, inside the cell or not, verifies what it holds.  Layer: app.
 * docs/PROTOCOL.md §13.10; the rules are src/decide/declare.h.
 */
#include "app/node_decide.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cell/cell.h"
#include "crypto/crypto.h"
#include "wire/entry.h"
#include "wire/envelope.h"

/* Publish entry id (held in the store) as a public envelope: the same entry, the same id. */
static int
publish(sz_node *n, const uint8_t id[32])
{
	uint8_t *entry = NULL, *env = NULL;
	size_t len, envlen;
	int r = sz_store_get_entry(n->store, id, &entry, &len, NULL, NULL);
	if (r == SZ_OK && (r = sz_env_wrap_public(&env, &envlen, entry, len)) == SZ_OK) {
		const uint8_t *e = env;
		r = sz_node_ingest(n, &e, &envlen, 1, NULL);
	}
	free(entry);
	free(env);
	return r;
}

int
sz_node_declare(sz_node *n, sz_cell *c, const char *title, const char *text, bool pub,
    uint8_t id[32])
{
	uint8_t *body = NULL;
	size_t len;
	memset(id, 0, 32);
	int r = sz_declaration_encode(&body, &len, pub ? SZ_DECL_PUBLIC : 0, title, text);
	if (r != SZ_OK)
		return sz_node_fail(n, r, "the title or text breaks the rules (a title of 1 to 256 bytes "
		    "on one line, a text of 1 to 32768 bytes, no control characters but line feeds and "
		    "tabs)");
	/* A published declaration names no parents: its parents would be ids of the cell's
	 * private entries, and outsiders would wait for them forever. */
	static const uint8_t none[1][32];
	r = sz_node_cell_post(n, c, SZ_KIND_DECLARATION, body, len, pub ? none : NULL, 0, id);
	free(body);
	if (r == SZ_OK && pub && (r = publish(n, id)) != SZ_OK)
		r = sz_node_fail(n, r, "the declaration was made in the cell but could not be published");
	return r;
}

/* The COSIGN entries held about declaration did (the body names it), from scope. */
static int
cosigns_of(sz_node *n, const uint8_t scope[16], const uint8_t did[32], sz_node_entries *out)
{
	sz_node_entries v = { 0 };
	int r = sz_node_entries_of(n, scope, SZ_KIND_COSIGN, NULL, &v);
	for (size_t i = 0; i < v.n && r == SZ_OK; i++) {
		sz_cosign cs;
		if (sz_cosign_decode(&cs, v.de[i].e.body, v.de[i].e.body_len) != SZ_OK ||
		    memcmp(cs.declaration_id, did, 32) != 0)
			continue;
		/* move it over */
		if (out->n == out->cap) {
			size_t cap = out->cap ? out->cap * 2 : 16;
			sz_decide_entry *d = realloc(out->de, cap * sizeof *d);
			uint8_t **b = d == NULL ? NULL : realloc(out->bufs, cap * sizeof *b);
			if (d != NULL)
				out->de = d;
			if (b == NULL) {
				r = SZ_ERR_NOMEM;
				break;
			}
			out->bufs = b;
			out->cap = cap;
		}
		out->bufs[out->n] = v.bufs[i];
		out->de[out->n++] = v.de[i];
		v.bufs[i] = NULL;
	}
	sz_node_entries_free(&v);
	return r;
}

/* Verify the co-signatures of decl held here: in c (if not NULL) and published. */
static int
verify(sz_node *n, sz_cell *c, const sz_decide_entry *decl, sz_cosign_result *res,
    size_t *uncheckable)
{
	sz_node_entries v = { 0 };
	sz_member_key *mk = NULL;
	size_t nmk = 0;
	uint8_t scope[16], *verdicts = NULL;
	int r;
	sz_env_public_scope(scope);
	r = cosigns_of(n, scope, decl->id, &v);
	if (r == SZ_OK && c != NULL) {
		sz_node_cell_local_scope(c, scope);
		r = cosigns_of(n, scope, decl->id, &v);
	}
	if (r == SZ_OK && (mk = calloc(v.n ? v.n : 1, sizeof *mk)) == NULL)
		r = SZ_ERR_NOMEM;
	if (r == SZ_OK && (verdicts = calloc(v.n ? v.n : 1, 1)) == NULL)
		r = SZ_ERR_NOMEM;
	/* The members as this node knows them: the signing keys that posted in-cell signatures,
	 * linked to current members (who the cell says signed them). */
	for (size_t i = 0; r == SZ_OK && c != NULL && i < v.n; i++) {
		uint8_t who[32];
		if (sz_node_author_lookup(n, v.de[i].e.author, who) != SZ_OK ||
		    !sz_cell_is_member(c, who))
			continue;
		memcpy(mk[nmk].cell_key, v.de[i].e.author, 32);
		memcpy(mk[nmk].identity, who, 32);
		mk[nmk++].has_identity = 1;
	}
	if (r == SZ_OK)
		r = sz_declaration_verify(res, verdicts, c != NULL ? sz_cell_id(c) : NULL, decl, v.de,
		    v.n, mk, nmk);
	*uncheckable = 0;
	for (size_t i = 0; r == SZ_OK && i < v.n; i++)
		*uncheckable += verdicts[i] == SZ_VERDICT_UNCHECKABLE;
	free(mk);
	free(verdicts);
	sz_node_entries_free(&v);
	return r;
}

/* Load declaration did of c. */
static int
load_decl(sz_node *n, const uint8_t did[32], uint8_t **buf, sz_decide_entry *de,
    sz_declaration *d)
{
	int r = sz_node_entry_load(n, did, buf, de);
	if (r != SZ_OK)
		return sz_node_fail(n, r, "the declaration is not here");
	if ((r = sz_declaration_from_entry(d, de)) != SZ_OK) {
		free(*buf);
		*buf = NULL;
		return sz_node_fail(n, r == SZ_ERR_INVALID ? SZ_ERR_NOT_FOUND : r, "that is not a valid "
		    "declaration");
	}
	return SZ_OK;
}

int
sz_node_cosign(sz_node *n, sz_cell *c, const uint8_t did[32], bool pub)
{
	uint8_t *buf = NULL, *entry = NULL, *env = NULL, body[SZ_COSIGN_BYTES], sig[64], pk[32];
	sz_decide_entry de;
	sz_declaration d;
	sz_cosign_result res = { 0 };
	sz_buf m = { 0 };
	size_t unc, elen = 0, envlen = 0;
	int r;
	if (sz_cell_status(c) != SZ_CELL_ACTIVE)
		return sz_node_fail(n, SZ_ERR_NOT_MEMBER, "you are no longer a member of this cell");
	if ((r = load_decl(n, did, &buf, &de, &d)) != SZ_OK)
		return r;
	if (pub && !(d.flags & SZ_DECL_PUBLIC)) {
		r = sz_node_fail(n, SZ_ERR_DENIED, "this declaration is kept in the cell: it takes no "
		    "public signature (an attributable signature would outlive the cell's choice); "
		    "sign it in the cell");
		goto out;
	}
	/* once per person and way of signing */
	if ((r = verify(n, c, &de, &res, &unc)) != SZ_OK)
		goto out;
	for (size_t i = 0; i < res.count; i++)
		if (res.signers[i].identified && memcmp(res.signers[i].key, n->id_pk, 32) == 0 &&
		    (res.signers[i].modes & (pub ? 2 : 1))) {
			r = sz_node_fail(n, SZ_ERR_EXISTS, "you have signed it %s already",
			    pub ? "publicly" : "in the cell");
			goto out;
		}
	const uint8_t (*parent)[32] = (const uint8_t(*)[32])did;
	if (!pub) {
		/* signed by my cell signing key, inside the cell layer */
		if ((r = sz_cosign_message(&m, SZ_COSIGN_IN_CELL, sz_cell_id(c), &d)) != SZ_OK ||
		    (r = sz_cell_sign(c, m.p, m.len, sig, pk)) != SZ_OK ||
		    (r = sz_cosign_assemble(body, SZ_COSIGN_IN_CELL, sz_cell_id(c), &d, pk, sig)) != SZ_OK) {
			r = sz_node_fail(n, r, r == SZ_ERR_STATE ? "you cannot sign in this cell yet: your "
			    "first key update has not been made" : "the signature could not be made");
			goto out;
		}
		r = sz_node_cell_post(n, c, SZ_KIND_COSIGN, body, sizeof body, parent, 1, NULL);
		goto out;
	}
	/* public: the identity key signs and authors the entry; the declaration travels with it */
	uint8_t eid[32];
	if ((r = sz_cosign_make(body, SZ_COSIGN_PUBLIC, NULL, &d, n->id_sk)) != SZ_OK ||
	    (r = sz_entry_build(&entry, &elen, eid, SZ_KIND_COSIGN, parent, 1, sz_now_ms(n->env),
	    body, sizeof body, n->id_sk)) != SZ_OK ||
	    (r = sz_env_wrap_public(&env, &envlen, entry, elen)) != SZ_OK) {
		r = sz_node_fail(n, r, "the public signature could not be made");
		goto out;
	}
	if ((r = publish(n, did)) == SZ_OK) {
		const uint8_t *e = env;
		r = sz_node_ingest(n, &e, &envlen, 1, NULL);
	}
out:
	sz_cosign_result_free(&res);
	sz_buf_free(&m);
	free(entry);
	free(env);
	free(buf);
	return r;
}

/* Find the declaration whose id starts with hex among what this node holds: the public scope
 * and every cell's readable entries.  *cell gets the cell it was declared in, if mine. */
static int
find_any(sz_node *n, const char *hex, uint8_t did[32], sz_cell **cell)
{
	size_t hl = strlen(hex), hits = 0;
	*cell = NULL;
	if (hl < 8 || hl > 64 || strspn(hex, "0123456789abcdefABCDEF") != hl)
		return sz_node_fail(n, SZ_ERR_INVALID, "give at least 8 hex digits of the declaration's "
		    "id");
	for (size_t k = 0; k <= n->ncells; k++) {
		uint8_t scope[16];
		sz_store_item *items;
		size_t count;
		if (k == n->ncells)
			sz_env_public_scope(scope);
		else
			sz_node_cell_local_scope(n->cells[k].cell, scope);
		int r = sz_store_list_entries(n->store, scope, 0, UINT64_MAX, SZ_NODE_MAX_SCAN, &items,
		    &count);
		if (r != SZ_OK)
			return sz_node_fail(n, r, "%s", sz_store_errmsg(n->store));
		for (size_t i = 0; i < count; i++) {
			char h[65];
			uint8_t *buf;
			size_t len;
			sz_hex_encode(h, items[i].id, 32);
			if (strncasecmp(h, hex, hl) != 0 ||
			    sz_store_get_entry(n->store, items[i].id, &buf, &len, NULL, NULL) != SZ_OK)
				continue;
			bool decl = len >= 2 && buf[1] == SZ_KIND_DECLARATION;
			free(buf);
			if (!decl || (hits > 0 && memcmp(did, items[i].id, 32) == 0))
				continue;
			memcpy(did, items[i].id, 32);
			hits++;
			if (k < n->ncells)
				*cell = n->cells[k].cell;
		}
		free(items);
	}
	if (hits == 0)
		return sz_node_fail(n, SZ_ERR_NOT_FOUND, "no declaration held here has an id starting %s "
		    "(sync or import a bundle first)", hex);
	if (hits > 1)
		return sz_node_fail(n, SZ_ERR_EXISTS, "more than one declaration starts with %s: give "
		    "more digits", hex);
	if (*cell == NULL) {
		/* published: declared in one of my cells? */
		char name[80], h[65];
		sz_buf b = { 0 };
		sz_hex_encode(h, did, 32);
		snprintf(name, sizeof name, "%s%s", KV_DECL_PREFIX, h);
		if (sz_store_kv_get(n->store, name, &b) == SZ_OK && b.len == 32)
			*cell = sz_node_cell_by_id(n, b.p);
		sz_buf_free(&b);
	}
	return SZ_OK;
}

int
sz_node_signatures_get(sz_node *n, const char *hex, sz_node_signatures *out)
{
	uint8_t did[32];
	sz_cell *c = NULL;
	memset(out, 0, sizeof *out);
	int r = find_any(n, hex, did, &c);
	if (r != SZ_OK)
		return r;
	if ((r = load_decl(n, did, &out->buf, &out->de, &out->d)) != SZ_OK)
		return r;
	/* A member who left or was removed judges like an outsider: its member list is stale. */
	if (c != NULL && sz_cell_status(c) != SZ_CELL_ACTIVE)
		c = NULL;
	out->in_cell = c != NULL;
	if (c != NULL)
		snprintf(out->cell_name, sizeof out->cell_name, "%s", sz_cell_name(c));
	if ((r = verify(n, c, &out->de, &out->res, &out->uncheckable)) != SZ_OK) {
		sz_node_signatures_free(out);
		return sz_node_fail(n, r, "the signatures could not be checked");
	}
	return SZ_OK;
}

void
sz_node_signatures_free(sz_node_signatures *s)
{
	if (s == NULL)
		return;
	free(s->buf);
	sz_cosign_result_free(&s->res);
	memset(s, 0, sizeof *s);
}
