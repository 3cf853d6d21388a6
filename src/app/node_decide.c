/*
 * node_decide.c - what every decision needs from a node: the decision entries a cell holds,
 * voting keys and enrollments, the roster a cell admits, the epochs anonymous entries came
 * under, and the list of a cell's proposals, calls and declarations.  Layer: app.
 * docs/PROTOCOL.md §13.10 (wiring), §16 (what is kept); docs/threat/decisions.md §10.
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

#define ANON_COPIES 8   /* epochs remembered per anonymous entry */

static void
kv_name(char *out, size_t n, const char *prefix, const uint8_t id[32])
{
	char hex[65];
	sz_hex_encode(hex, id, 32);
	snprintf(out, n, "%s%s", prefix, hex);
}

static int
is_zero32(const uint8_t *p)
{
	uint8_t acc = 0;
	for (size_t i = 0; i < 32; i++)
		acc |= p[i];
	return acc == 0;
}

/* --- entries ------------------------------------------------------------------------------ */

void
sz_node_entries_free(sz_node_entries *v)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < v->n; i++)
		free(v->bufs[i]);
	free(v->bufs);
	free(v->de);
	memset(v, 0, sizeof *v);
}

/* Take buf (and the entry decoded from it) into v. */
static int
entries_push(sz_node_entries *v, uint8_t *buf, const sz_decide_entry *de)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 16;
		sz_decide_entry *d = realloc(v->de, cap * sizeof *d);
		if (d == NULL)
			return SZ_ERR_NOMEM;
		v->de = d;
		uint8_t **b = realloc(v->bufs, cap * sizeof *b);
		if (b == NULL)
			return SZ_ERR_NOMEM;
		v->bufs = b;
		v->cap = cap;
	}
	v->bufs[v->n] = buf;
	v->de[v->n++] = *de;
	return SZ_OK;
}

static int
has_parent(const sz_entry *e, const uint8_t *parent)
{
	for (unsigned i = 0; i < e->nparents; i++)
		if (memcmp(e->parents + 32 * i, parent, 32) == 0)
			return 1;
	return 0;
}

int
sz_node_entries_of(sz_node *n, const uint8_t scope[16], uint8_t kind, const uint8_t *parent,
    sz_node_entries *out)
{
	sz_store_item *items;
	size_t count;
	int r = sz_store_list_entries(n->store, scope, 0, UINT64_MAX, SZ_NODE_MAX_SCAN, &items,
	    &count);
	if (r != SZ_OK)
		return sz_node_fail(n, r, "%s", sz_store_errmsg(n->store));
	for (size_t i = 0; i < count && r == SZ_OK; i++) {
		uint8_t *buf;
		size_t len;
		sz_decide_entry de;
		if ((r = sz_store_get_entry(n->store, items[i].id, &buf, &len, NULL, NULL)) != SZ_OK)
			break;
		/* the kind is the second byte: skip the signature check of what is not wanted */
		if (len < 2 || buf[1] != kind || sz_decide_entry_decode(&de, buf, len) != SZ_OK ||
		    (parent != NULL && !has_parent(&de.e, parent))) {
			free(buf);
			continue;
		}
		if ((r = entries_push(out, buf, &de)) != SZ_OK)
			free(buf);
	}
	free(items);
	return r;
}

int
sz_node_entry_load(sz_node *n, const uint8_t id[32], uint8_t **buf, sz_decide_entry *de)
{
	size_t len;
	*buf = NULL;
	memset(de, 0, sizeof *de);
	int r = sz_store_get_entry(n->store, id, buf, &len, NULL, NULL);
	if (r != SZ_OK)
		return r;
	if ((r = sz_decide_entry_decode(de, *buf, len)) != SZ_OK) {
		free(*buf);
		*buf = NULL;
	}
	return r;
}

sz_cell *
sz_node_cell_by_id(sz_node *n, const uint8_t id[32])
{
	for (size_t i = 0; i < n->ncells; i++)
		if (memcmp(sz_cell_id(n->cells[i].cell), id, 32) == 0)
			return n->cells[i].cell;
	return NULL;
}

/* The cell a published declaration was declared in, from decl/<id>: SZ_OK or NOT_FOUND. */
static int
decl_cell(sz_node *n, const uint8_t did[32], uint8_t cell_id[32])
{
	char name[80];
	sz_buf b = { 0 };
	kv_name(name, sizeof name, KV_DECL_PREFIX, did);
	int r = sz_store_kv_get(n->store, name, &b);
	if (r == SZ_OK && b.len != 32)
		r = SZ_ERR_CORRUPT;
	if (r == SZ_OK)
		memcpy(cell_id, b.p, 32);
	sz_buf_free(&b);
	return r;
}

/* Match hex against the ids of scope's entries of kind; count hits, keep the last. */
static int
find_in(sz_node *n, const uint8_t scope[16], uint8_t kind, const char *hex, size_t hl,
    const uint8_t *cell_id, uint8_t id[32], size_t *hits)
{
	sz_store_item *items;
	size_t count;
	int r = sz_store_list_entries(n->store, scope, 0, UINT64_MAX, SZ_NODE_MAX_SCAN, &items,
	    &count);
	if (r != SZ_OK)
		return r;
	for (size_t i = 0; i < count && r == SZ_OK; i++) {
		char h[65];
		sz_hex_encode(h, items[i].id, 32);
		if (strncasecmp(h, hex, hl) != 0)
			continue;
		uint8_t *buf, cid[32];
		size_t len;
		if ((r = sz_store_get_entry(n->store, items[i].id, &buf, &len, NULL, NULL)) != SZ_OK)
			break;
		bool ok = len >= 2 && buf[1] == kind;
		free(buf);
		/* a published declaration belongs to c only if it was declared in c */
		if (ok && cell_id != NULL)
			ok = decl_cell(n, items[i].id, cid) == SZ_OK && memcmp(cid, cell_id, 32) == 0;
		if (ok && (*hits == 0 || memcmp(id, items[i].id, 32) != 0)) {
			memcpy(id, items[i].id, 32);
			(*hits)++;
		}
	}
	free(items);
	return r;
}

static const char *
kind_word(uint8_t kind)
{
	switch (kind) {
	case SZ_KIND_PROPOSAL: return "proposal";
	case SZ_KIND_PLEDGE_CALL: return "pledge call";
	case SZ_KIND_DECLARATION: return "declaration";
	}
	return "entry";
}

int
sz_node_decide_find(sz_node *n, sz_cell *c, uint8_t kind, const char *hex, uint8_t id[32])
{
	size_t hl = strlen(hex), hits = 0;
	uint8_t scope[16];
	memset(id, 0, 32);
	if (hl < 8 || hl > 64 || strspn(hex, "0123456789abcdefABCDEF") != hl)
		return sz_node_fail(n, SZ_ERR_INVALID, "give at least 8 hex digits of the %s's id",
		    kind_word(kind));
	sz_node_cell_local_scope(c, scope);
	int r = find_in(n, scope, kind, hex, hl, NULL, id, &hits);
	if (r == SZ_OK && kind == SZ_KIND_DECLARATION && hits == 0) {
		sz_env_public_scope(scope);
		r = find_in(n, scope, kind, hex, hl, sz_cell_id(c), id, &hits);
	}
	if (r != SZ_OK)
		return sz_node_fail(n, r, "%s", sz_store_errmsg(n->store));
	if (hits == 0)
		return sz_node_fail(n, SZ_ERR_NOT_FOUND, "no %s of '%s' has an id starting %s (sync "
		    "first if it is new)", kind_word(kind), sz_cell_name(c), hex);
	if (hits > 1)
		return sz_node_fail(n, SZ_ERR_EXISTS, "more than one %s starts with %s: give more "
		    "digits", kind_word(kind), hex);
	return SZ_OK;
}

int
sz_node_cell_post(sz_node *n, sz_cell *c, uint8_t kind, const uint8_t *body, size_t len,
    const uint8_t (*parents)[32], size_t nparents, uint8_t id[32])
{
	uint8_t scope[16], *heads = NULL, tmp[32];
	size_t nheads = 0;
	int r;
	if (sz_cell_status(c) != SZ_CELL_ACTIVE)
		return sz_node_fail(n, SZ_ERR_NOT_MEMBER, "you are no longer a member of this cell");
	if (parents == NULL) {
		sz_node_cell_local_scope(c, scope);
		if ((r = sz_store_heads(n->store, scope, SZ_ENTRY_MAX_PARENTS, &heads, &nheads)) != SZ_OK)
			return sz_node_fail(n, r, "%s", sz_store_errmsg(n->store));
		parents = (const uint8_t(*)[32])heads;
		nparents = nheads;
	}
	sz_cell_result res = { 0 };
	r = sz_cell_post(c, kind, body, len, parents, nparents, id != NULL ? id : tmp, &res);
	free(heads);
	r = sz_node_cell_apply(n, c, r, &res);
	if (r == SZ_ERR_STATE)
		return sz_node_fail(n, r, "you cannot post in this cell yet: your first key update has "
		    "not been made");
	if (r != SZ_OK && sz_node_errmsg(n)[0] == '\0')
		return sz_node_fail(n, r, "the cell refused the entry");
	return r;
}

/* --- voting keys and enrollment ----------------------------------------------------------- */

/* version ‖ flags ‖ secret ‖ the members my enrollment was last posted to (a hash) */
#define VOTE_REC_BYTES (2 + SZ_VOTE_SK_BYTES + 16)

int
sz_node_members_hash(const sz_cell *c, uint8_t h[16])
{
	uint8_t (*ids)[32] = calloc(256, 32);
	size_t k = 0;
	int r = ids == NULL ? SZ_ERR_NOMEM : sz_cell_members(c, ids, 256, &k);
	if (r == SZ_OK)
		r = sz_blake2b(h, 16, (const uint8_t *)ids, k * 32, NULL, 0);
	free(ids);
	return r;
}

static int
vote_put(sz_node *n, const sz_cell *c, uint8_t flags, const uint8_t mh[16],
    const sz_vote_key *k)
{
	uint8_t rec[VOTE_REC_BYTES];
	char name[80];
	rec[0] = 1;
	rec[1] = flags;
	memcpy(rec + 2 + SZ_VOTE_SK_BYTES, mh, 16);
	int r = sz_vote_key_export(k, rec + 2);
	kv_name(name, sizeof name, KV_VOTE_PREFIX, sz_cell_id(c));
	if (r == SZ_OK)
		r = sz_store_kv_put(n->store, name, rec, sizeof rec);
	sz_wipe(rec, sizeof rec);
	return r;
}

/* Load my voting key for c: SZ_OK, or SZ_ERR_NOT_FOUND if I have none. */
static int
vote_get(sz_node *n, const sz_cell *c, sz_vote_key **k, uint8_t *flags, uint8_t mh[16])
{
	char name[80];
	sz_buf rec = { 0 };
	*k = NULL;
	*flags = 0;
	memset(mh, 0, 16);
	kv_name(name, sizeof name, KV_VOTE_PREFIX, sz_cell_id(c));
	int r = sz_store_kv_get(n->store, name, &rec);
	if (r == SZ_OK && (rec.len != VOTE_REC_BYTES || rec.p[0] != 1))
		r = SZ_ERR_CORRUPT;
	if (r == SZ_OK) {
		*flags = rec.p[1];
		memcpy(mh, rec.p + 2 + SZ_VOTE_SK_BYTES, 16);
		r = sz_vote_key_load(k, rec.p + 2);
		if (r == SZ_ERR_NONCANONICAL || r == SZ_ERR_INVALID)
			r = SZ_ERR_CORRUPT;
	}
	sz_buf_free(&rec); /* secret: wiped */
	return r;
}

int
sz_node_vote_ensure(sz_node *n, sz_cell *c)
{
	sz_vote_key *k = NULL;
	uint8_t flags = 0, body[SZ_ENROLLMENT_BYTES], mh[16], now[16];
	sz_enrollment en;
	int r;
	sz_node_cell *slot = NULL;
	if (sz_cell_status(c) != SZ_CELL_ACTIVE)
		return sz_node_fail(n, SZ_ERR_NOT_MEMBER, "you are no longer a member of this cell");
	if ((r = sz_node_members_hash(c, now)) != SZ_OK)
		return r;
	for (size_t i = 0; i < n->ncells && slot == NULL; i++)
		if (n->cells[i].cell == c)
			slot = &n->cells[i];
	if (slot != NULL && slot->enrolled && memcmp(slot->enrolled_to, now, 16) == 0)
		return SZ_OK;
	r = vote_get(n, c, &k, &flags, mh);
	if (r == SZ_ERR_NOT_FOUND) {
		if ((r = sz_vote_key_new(&k, n->env)) == SZ_OK)
			r = vote_put(n, c, 0, mh, k);
	}
	if (r != SZ_OK) {
		r = sz_node_fail(n, r, r == SZ_ERR_CORRUPT ? "your voting key for this cell is damaged" :
		    "your voting key could not be kept");
		goto out;
	}
	/* Posted again whenever the members change: a newcomer cannot read what was posted
	 * before it joined (forward secrecy of the message chains), so it would never learn the
	 * keys enrolled earlier. */
	if ((flags & SZ_VOTE_ENROLLED) && sodium_memcmp(mh, now, 16) == 0)
		goto done;
	if ((r = sz_enrollment_make(&en, k, sz_cell_id(c), n->id_pk, n->env)) != SZ_OK)
		goto out;
	sz_enrollment_encode(body, &en);
	if ((r = sz_node_cell_post(n, c, SZ_KIND_ENROLL, body, sizeof body, NULL, 0, NULL)) != SZ_OK)
		goto out;
	if ((r = vote_put(n, c, flags | SZ_VOTE_ENROLLED, now, k)) != SZ_OK)
		goto out;
done:
	if (slot != NULL) {
		slot->enrolled = true;
		memcpy(slot->enrolled_to, now, 16);
	}
out:
	sz_vote_key_free(k);
	return r;
}

int
sz_node_vote_key(sz_node *n, sz_cell *c, sz_vote_key **out)
{
	uint8_t flags;
	uint8_t mh[16];
	*out = NULL;
	int r = sz_node_vote_ensure(n, c);
	if (r != SZ_OK && r != SZ_ERR_STATE)
		return r;
	if ((r = vote_get(n, c, out, &flags, mh)) != SZ_OK)
		return sz_node_fail(n, r, "your voting key for this cell cannot be read");
	return SZ_OK;
}

void
sz_node_vote_forget(sz_node *n, const sz_cell *c)
{
	char name[80];
	for (size_t i = 0; i < n->ncells; i++)
		if (n->cells[i].cell == c)
			n->cells[i].enrolled = false;
	kv_name(name, sizeof name, KV_VOTE_PREFIX, sz_cell_id(c));
	/* The store overwrites deleted records (secure_delete): the secret is gone from the file. */
	if (sz_store_kv_delete(n->store, name) != SZ_OK) {
		/* none kept (or the store failed: it is retried on the next event of the cell) */
	}
	if (sz_node_pending_drop_cell(n, sz_cell_id(c)) != SZ_OK) {
		/* retried the same way */
	}
}

/* --- rosters ------------------------------------------------------------------------------ */

typedef struct pick {
	sz_enrollment en;
	uint64_t ts;
	uint8_t eid[32];
	int current;
} pick;

static int
admit(const sz_cell *c, const pick *p, size_t np, int current_only, uint8_t (**keys)[32],
    size_t *nk)
{
	sz_enrollment *en = calloc(np ? np : 1, sizeof *en);
	size_t k = 0;
	if (en == NULL)
		return SZ_ERR_NOMEM;
	for (size_t i = 0; i < np; i++)
		if (!current_only || p[i].current)
			en[k++] = p[i].en;
	*keys = calloc(k ? k : 1, 32);
	int r = *keys == NULL ? SZ_ERR_NOMEM : sz_roster_admit(*keys, nk, NULL, sz_cell_id(c), en, k);
	free(en);
	return r;
}

int
sz_node_roster_get(sz_node *n, sz_cell *c, sz_node_roster *out)
{
	sz_node_entries v = { 0 };
	uint8_t scope[16];
	pick *p = NULL;
	size_t np = 0;
	memset(out, 0, sizeof *out);
	sz_node_cell_local_scope(c, scope);
	int r = sz_node_entries_of(n, scope, SZ_KIND_ENROLL, NULL, &v);
	if (r == SZ_OK && (p = calloc(v.n ? v.n : 1, sizeof *p)) == NULL)
		r = SZ_ERR_NOMEM;
	for (size_t i = 0; i < v.n && r == SZ_OK; i++) {
		sz_enrollment en;
		uint8_t member[32];
		const sz_entry *e = &v.de[i].e;
		/* the enrollment names its poster, whose own signing key posted it */
		if (sz_enrollment_decode(&en, e->body, e->body_len) != SZ_OK ||
		    sz_node_author_lookup(n, e->author, member) != SZ_OK ||
		    memcmp(member, en.member_id, 32) != 0 ||
		    sz_enrollment_verify(&en, sz_cell_id(c)) != SZ_OK)
			continue;
		size_t j = 0;
		while (j < np && memcmp(p[j].en.member_id, en.member_id, 32) != 0)
			j++;
		/* one key per member: the earliest enrollment (timestamp, then id) */
		if (j < np && (p[j].ts < e->timestamp_ms || (p[j].ts == e->timestamp_ms &&
		    memcmp(p[j].eid, v.de[i].id, 32) < 0)))
			continue;
		if (j == np)
			np++;
		p[j].en = en;
		p[j].ts = e->timestamp_ms;
		memcpy(p[j].eid, v.de[i].id, 32);
		p[j].current = sz_cell_is_member(c, en.member_id);
	}
	if (r == SZ_OK)
		r = admit(c, p, np, 0, &out->ever, &out->never);
	if (r == SZ_OK)
		r = admit(c, p, np, 1, &out->now, &out->nnow);
	free(p);
	sz_node_entries_free(&v);
	if (r != SZ_OK)
		sz_node_roster_free(out);
	return r;
}

void
sz_node_roster_free(sz_node_roster *r)
{
	if (r == NULL)
		return;
	free(r->now);
	free(r->ever);
	memset(r, 0, sizeof *r);
}

static int
cmp32(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

static int
in_keys(const uint8_t (*keys)[32], size_t n, const uint8_t k[32])
{
	return n > 0 && bsearch(k, keys, n, 32, cmp32) != NULL;
}

int
sz_node_roster_judge(const sz_node_roster *r, const uint8_t (*snap)[32], size_t n,
    sz_node_roster_check *out)
{
	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < n; i++) {
		if (!in_keys((const uint8_t(*)[32])r->ever, r->never, snap[i]))
			out->strangers++;
		else if (!in_keys((const uint8_t(*)[32])r->now, r->nnow, snap[i]))
			out->departed++;
	}
	size_t missing = 0;
	int cr = sz_roster_compare(snap, n, (const uint8_t(*)[32])r->now, r->nnow, &missing);
	if (cr != SZ_OK && cr != SZ_ERR_NOT_MEMBER)
		return cr;
	out->missing = missing;
	return SZ_OK;
}

int
sz_node_roster_vet(sz_node *n, sz_cell *c, const uint8_t (*snap)[32], size_t nsnap,
    sz_node_roster_check *rc, const char *what, const char *who)
{
	sz_node_roster ro = { 0 };
	int r = sz_node_roster_get(n, c, &ro);
	if (r == SZ_OK)
		r = sz_node_roster_judge(&ro, snap, nsnap, rc);
	sz_node_roster_free(&ro);
	if (r != SZ_OK)
		return r;
	if (rc->strangers > 0)
		return sz_node_fail(n, SZ_ERR_DENIED, "%zu key%s on this %s's roster %s not enrolled by "
		    "any member of the cell as far as this node knows: the %s may have padded the ring "
		    "with keys of its own. Sync and look again; if it stays so, do not trust this %s",
		    rc->strangers, rc->strangers == 1 ? "" : "s", what, rc->strangers == 1 ? "was" :
		    "were", who, what);
	return SZ_OK;
}

/* --- what the cells file ------------------------------------------------------------------ */

int
sz_node_decide_filed(sz_node *n, sz_cell *c, const sz_cell_event *e, const uint8_t *env_scope)
{
	if (e->type != SZ_CELL_EV_MESSAGE)
		return SZ_OK;
	if ((e->kind == SZ_KIND_BALLOT || e->kind == SZ_KIND_PLEDGE) && env_scope != NULL &&
	    is_zero32(e->actor))
		return sz_node_anon_note(n, c, e->entry_id, env_scope);
	if (e->kind == SZ_KIND_DECLARATION) {
		/* Published too, its entry may be filed under the public scope: remember the cell. */
		char name[80];
		kv_name(name, sizeof name, KV_DECL_PREFIX, e->entry_id);
		uint8_t have[32];
		if (decl_cell(n, e->entry_id, have) == SZ_OK && memcmp(have, sz_cell_id(c), 32) == 0)
			return SZ_OK;
		return sz_store_kv_put(n->store, name, sz_cell_id(c), 32);
	}
	return SZ_OK;
}

int
sz_node_anon_note(sz_node *n, sz_cell *c, const uint8_t id[32], const uint8_t scope[16])
{
	char name[80];
	sz_buf rec = { 0 };
	kv_name(name, sizeof name, KV_ANON_PREFIX, id);
	int r = sz_store_kv_get(n->store, name, &rec);
	if (r == SZ_ERR_NOT_FOUND) {
		rec.len = 0;
		sz_buf_u8(&rec, 0);
		r = rec.err;
	}
	if (r == SZ_OK && (rec.len < 1 || rec.len != 1 + 17 * (size_t)rec.p[0]))
		r = SZ_ERR_CORRUPT;
	for (size_t i = 0; r == SZ_OK && i < rec.p[0]; i++)
		if (memcmp(rec.p + 1 + 17 * i, scope, 16) == 0)
			goto out; /* known */
	if (r == SZ_OK && rec.p[0] >= ANON_COPIES)
		goto out;
	if (r == SZ_OK) {
		int clean = 0;
		if (sz_cell_scope_clean(c, scope, &clean) != SZ_OK)
			clean = 0;
		rec.p[0]++;
		sz_buf_append(&rec, scope, 16);
		sz_buf_u8(&rec, (uint8_t)clean);
		r = rec.err ? rec.err : sz_store_kv_put(n->store, name, rec.p, rec.len);
	}
out:
	sz_buf_free(&rec);
	return r;
}

/* Is the copy sealed under scope good: the epoch kept and clean now, or not kept any more and
 * clean when it arrived (was_clean). */
static int
copy_counts(const sz_cell *c, const uint8_t scope[16], int was_clean)
{
	int clean = 0;
	if (sz_cell_scope_clean(c, scope, &clean) == SZ_OK)
		return clean;
	return was_clean;
}

int
sz_node_anon_counts(sz_node *n, sz_cell *c, const uint8_t id[32])
{
	char name[80];
	sz_buf rec = { 0 };
	int counts = 0;
	kv_name(name, sizeof name, KV_ANON_PREFIX, id);
	if (sz_store_kv_get(n->store, name, &rec) == SZ_OK && rec.len >= 1 &&
	    rec.len == 1 + 17 * (size_t)rec.p[0]) {
		for (size_t i = 0; i < rec.p[0] && !counts; i++)
			counts = copy_counts(c, rec.p + 1 + 17 * i, rec.p[1 + 17 * i + 16]);
		sz_buf_free(&rec);
		return counts;
	}
	sz_buf_free(&rec);
	/* Not noted (filed before this was kept): judge the envelope it was filed from. */
	uint8_t *buf = NULL, *env = NULL, env_id[32];
	size_t len, elen;
	counts = 1;
	if (sz_store_get_entry(n->store, id, &buf, &len, NULL, env_id) == SZ_OK &&
	    sz_store_get_envelope(n->store, env_id, &env, &elen) == SZ_OK && elen > 17)
		counts = copy_counts(c, env + 1, 1);
	free(buf);
	free(env);
	return counts;
}

void
sz_node_anon_filter(sz_node *n, sz_cell *c, sz_node_entries *v, size_t *set_aside)
{
	size_t w = 0;
	*set_aside = 0;
	for (size_t i = 0; i < v->n; i++) {
		if (sz_node_anon_counts(n, c, v->de[i].id)) {
			v->bufs[w] = v->bufs[i];
			v->de[w++] = v->de[i];
		} else {
			free(v->bufs[i]);
			(*set_aside)++;
		}
	}
	v->n = w;
}

/* --- listing ------------------------------------------------------------------------------ */

static int
fill_subject(sz_node *n, const sz_decide_entry *de, sz_node_subject *s)
{
	memset(s, 0, sizeof *s);
	memcpy(s->id, de->id, 32);
	s->kind = de->e.kind;
	s->time_ms = de->e.timestamp_ms;
	if (de->e.kind == SZ_KIND_PROPOSAL) {
		sz_proposal p;
		if (sz_proposal_from_entry(&p, de) != SZ_OK)
			return SZ_ERR_MALFORMED;
		s->deadline_ms = p.deadline_ms;
		s->text = p.question;
		s->text_len = p.question_len;
		s->noptions = p.noptions;
		for (size_t i = 0; i < p.noptions; i++) {
			s->label[i] = p.label[i];
			s->label_len[i] = p.label_len[i];
		}
		s->ring = p.n;
	} else if (de->e.kind == SZ_KIND_PLEDGE_CALL) {
		sz_pledge_call call;
		if (sz_pledge_call_from_entry(&call, de) != SZ_OK)
			return SZ_ERR_MALFORMED;
		s->deadline_ms = call.deadline_ms;
		s->text = call.text;
		s->text_len = call.text_len;
		s->threshold = call.threshold;
		s->ring = call.n;
	} else {
		sz_declaration d;
		if (sz_declaration_from_entry(&d, de) != SZ_OK)
			return SZ_ERR_MALFORMED;
		s->text = d.title;
		s->text_len = d.title_len;
		s->pub = (d.flags & SZ_DECL_PUBLIC) != 0;
	}
	s->pending = sz_node_pending_find(n, de->id, &s->pending_ms) == SZ_OK;
	return SZ_OK;
}

typedef struct when {
	uint64_t t;
	uint8_t id[32];
	size_t i;
} when;

static int
cmp_when(const void *a, const void *b)
{
	const when *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return memcmp(x->id, y->id, 32);
}

int
sz_node_decisions(sz_node *n, sz_cell *c, int (*fn)(void *ctx, const sz_node_subject *s),
    void *ctx)
{
	static const uint8_t kinds[] = { SZ_KIND_PROPOSAL, SZ_KIND_PLEDGE_CALL, SZ_KIND_DECLARATION };
	sz_node_entries v = { 0 }, pub = { 0 };
	uint8_t scope[16];
	when *order = NULL;
	int r = SZ_OK;
	sz_node_cell_local_scope(c, scope);
	for (size_t k = 0; k < sizeof kinds && r == SZ_OK; k++)
		r = sz_node_entries_of(n, scope, kinds[k], NULL, &v);
	/* declarations of c filed under the public scope (they came published first) */
	sz_env_public_scope(scope);
	if (r == SZ_OK)
		r = sz_node_entries_of(n, scope, SZ_KIND_DECLARATION, NULL, &pub);
	for (size_t i = 0; i < pub.n && r == SZ_OK; i++) {
		uint8_t cid[32];
		if (decl_cell(n, pub.de[i].id, cid) != SZ_OK || memcmp(cid, sz_cell_id(c), 32) != 0)
			continue;
		if ((r = entries_push(&v, pub.bufs[i], &pub.de[i])) == SZ_OK)
			pub.bufs[i] = NULL;
	}
	if (r == SZ_OK && (order = calloc(v.n ? v.n : 1, sizeof *order)) == NULL)
		r = SZ_ERR_NOMEM;
	for (size_t i = 0; r == SZ_OK && i < v.n; i++) {
		order[i].t = v.de[i].e.timestamp_ms;
		memcpy(order[i].id, v.de[i].id, 32);
		order[i].i = i;
	}
	if (r == SZ_OK)
		qsort(order, v.n, sizeof *order, cmp_when);
	for (size_t i = 0; i < v.n && r == SZ_OK; i++) {
		sz_node_subject s;
		if (fill_subject(n, &v.de[order[i].i], &s) == SZ_OK)
			r = fn(ctx, &s);
	}
	free(order);
	sz_node_entries_free(&v);
	sz_node_entries_free(&pub);
	return r;
}
