/*
 * node_quarantine.c - sealed envelopes of scopes no cell of this node owns (docs/PROTOCOL.md §8,
 * Acceptance).  Layer: app.
 *
 * A member may send envelopes of an epoch this node has not learnt yet (an update still on its
 * way), or of one it will never learn (before it joined).  They are stored, never sent to anyone,
 * and handed to the cell when it learns the epoch (node_cell.c's catch-up).  Their ids are listed
 * under the cell label of the session that brought them, so that members do not send them again
 * and again; once they leave unopened (too old, or pushed out by newer ones) the cell lists them
 * as declined.  The quarantine is bounded for the whole node: at most SZ_QUAR_MAX_ENVELOPES
 * envelopes and SZ_QUAR_MAX_BYTES bytes (the oldest go first), none older than
 * SZ_QUAR_MAX_AGE_MS on the node's clock.
 *
 * The store is the truth: the list of quarantined scopes (with the label each came under) is
 * written before an envelope of a new one is stored, and the index in memory is rebuilt from
 * those scopes' stored envelopes when first needed after unlock.  A store of an older version
 * (which kept envelopes of any scope "as a relay") is migrated the first time: every stored
 * scope that is neither public nor an epoch of an active cell is quarantined, with no label, and
 * so bounded and aged out.
 */
#include "app/node_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cell/cell.h"
#include "store/scopes.h"
#include "wire/envelope.h"

/* The list is kept in parts of one key-value record each: "node/quarantine" holds the number of
 * parts (u8), "node/quarantine.<i>" up to PART_RECORDS records of scope[16] ‖ label[16]. */
#define PART_RECORDS (SZ_STORE_KV_VALUE_MAX / 32)
#define PARTS 4
#define RECORDS_MAX (PARTS * PART_RECORDS) /* 8,192: the envelope bound and a batch fit */

typedef struct quar_item {
	uint64_t time_ms;      /* when it was stored */
	uint8_t id[32];
	uint8_t scope[16];
	uint8_t label[16];     /* the cell label it came under, or zeros */
	uint32_t len;
} quar_item;

typedef struct quar_rec {
	uint8_t scope[16];
	uint8_t label[16];
} quar_rec;

struct sz_node_quarantine {
	quar_item *v;          /* oldest first */
	size_t n, cap;
	uint64_t bytes;
	quar_rec *rec;         /* as written in the key-value records */
	size_t nrec;
};

static const uint8_t no_label[16];

static quar_rec *
find_rec(const struct sz_node_quarantine *q, const uint8_t scope[16])
{
	for (size_t i = 0; i < q->nrec; i++)
		if (memcmp(q->rec[i].scope, scope, 16) == 0)
			return &q->rec[i];
	return NULL;
}

static int
save(sz_node *n)
{
	struct sz_node_quarantine *q = n->quar;
	char name[64];
	uint8_t parts = (uint8_t)((q->nrec + PART_RECORDS - 1) / PART_RECORDS);
	int r = SZ_OK;
	for (uint8_t i = 0; i < parts && r == SZ_OK; i++) {
		size_t off = (size_t)i * PART_RECORDS;
		size_t k = q->nrec - off < PART_RECORDS ? q->nrec - off : PART_RECORDS;
		snprintf(name, sizeof name, "%s.%u", KV_QUARANTINE, i);
		r = sz_store_kv_put(n->store, name, (const uint8_t *)&q->rec[off], k * sizeof *q->rec);
	}
	if (r == SZ_OK)
		r = sz_store_kv_put(n->store, KV_QUARANTINE, &parts, 1);
	return r == SZ_OK ? SZ_OK : sz_node_fail(n, r, "%s", sz_store_errmsg(n->store));
}

static int
read_list(sz_node *n, struct sz_node_quarantine *q)
{
	sz_buf head = { 0 }, b = { 0 };
	char name[64];
	int r = sz_store_kv_get(n->store, KV_QUARANTINE, &head);
	if (r == SZ_OK && (head.len != 1 || head.p[0] > PARTS))
		r = SZ_ERR_CORRUPT;
	for (uint8_t i = 0; r == SZ_OK && i < head.p[0]; i++) {
		snprintf(name, sizeof name, "%s.%u", KV_QUARANTINE, i);
		if ((r = sz_store_kv_get(n->store, name, &b)) != SZ_OK)
			break;
		if (b.len % sizeof *q->rec != 0 || b.len / sizeof *q->rec > PART_RECORDS) {
			r = SZ_ERR_CORRUPT;
			break;
		}
		if (b.len > 0)
			memcpy(&q->rec[q->nrec], b.p, b.len);
		q->nrec += b.len / sizeof *q->rec;
		sz_buf_free(&b);
	}
	sz_buf_free(&b);
	sz_buf_free(&head);
	return r;
}

static int
cmp_time(const void *a, const void *b)
{
	const quar_item *x = a, *y = b;
	return x->time_ms < y->time_ms ? -1 : x->time_ms > y->time_ms;
}

static int
push(struct sz_node_quarantine *q, const quar_item *it)
{
	if (q->n == q->cap) {
		size_t cap = q->cap ? 2 * q->cap : 64;
		quar_item *v = realloc(q->v, cap * sizeof *v);
		if (v == NULL)
			return SZ_ERR_NOMEM;
		q->v = v;
		q->cap = cap;
	}
	q->v[q->n++] = *it;
	q->bytes += it->len;
	return SZ_OK;
}

/* Is scope one a cell of mine owns (or public)?  Then it is not the quarantine's. */
static bool
claimed(sz_node *n, const uint8_t scope[16])
{
	uint8_t label[16];
	return sz_node_scope_label(n, scope, label) == SZ_OK;
}

/* The scopes of an older store's relay envelopes: every stored scope nobody claims. */
static int
migrate(sz_node *n, struct sz_node_quarantine *q)
{
	uint8_t *all = NULL;
	size_t k = 0;
	int r = sz_store_scopes(n->store, 0, &all, &k);
	for (size_t i = 0; i < k && r == SZ_OK && q->nrec < RECORDS_MAX; i++)
		if (!claimed(n, all + 16 * i)) {
			memcpy(q->rec[q->nrec].scope, all + 16 * i, 16);
			memset(q->rec[q->nrec++].label, 0, 16);
		}
	free(all);
	return r;
}

static int
cmp16(const void *a, const void *b)
{
	return memcmp(a, b, 16);
}

/* Records with nothing quarantined under them leave the list (shrinking it after the envelopes
 * went is safe: the list only has to cover what is stored). */
static int
prune(sz_node *n)
{
	struct sz_node_quarantine *q = n->quar;
	uint8_t (*used)[16] = calloc(q->n ? q->n : 1, 16);
	size_t w = 0;
	if (used == NULL)
		return SZ_ERR_NOMEM;
	for (size_t i = 0; i < q->n; i++)
		memcpy(used[i], q->v[i].scope, 16);
	if (q->n > 1)
		qsort(used, q->n, 16, cmp16);
	for (size_t i = 0; i < q->nrec; i++)
		if (bsearch(q->rec[i].scope, used, q->n, 16, cmp16) != NULL)
			q->rec[w++] = q->rec[i];
	free(used);
	if (w == q->nrec)
		return SZ_OK;
	q->nrec = w;
	return save(n);
}

/* Load the quarantine: its scopes, then their envelopes from the store. */
static int
load(sz_node *n)
{
	struct sz_node_quarantine *q;
	int r;
	bool dirty = false;
	if (n->quar != NULL)
		return SZ_OK;
	if ((q = calloc(1, sizeof *q)) == NULL || (q->rec = calloc(RECORDS_MAX, sizeof *q->rec)) == NULL) {
		free(q);
		return SZ_ERR_NOMEM;
	}
	n->quar = q;
	if ((r = read_list(n, q)) == SZ_ERR_NOT_FOUND) {
		q->nrec = 0;
		r = migrate(n, q);
		dirty = true;
	}
	/* A scope a cell has come to own since is no longer the quarantine's. */
	for (size_t i = 0; i < q->nrec && r == SZ_OK;) {
		if (claimed(n, q->rec[i].scope)) {
			q->rec[i] = q->rec[--q->nrec];
			dirty = true;
			continue;
		}
		sz_store_sized *items = NULL;
		size_t k = 0;
		if ((r = sz_store_sealed_sizes(n->store, q->rec[i].scope, &items, &k)) != SZ_OK)
			break;
		for (size_t j = 0; j < k && r == SZ_OK; j++) {
			quar_item it = { .time_ms = items[j].time_ms, .len = items[j].len };
			memcpy(it.id, items[j].id, 32);
			memcpy(it.scope, q->rec[i].scope, 16);
			memcpy(it.label, q->rec[i].label, 16);
			r = push(q, &it);
		}
		free(items);
		i++;
	}
	if (r == SZ_OK && q->n > 1)
		qsort(q->v, q->n, sizeof *q->v, cmp_time);
	if (r == SZ_OK && dirty)
		r = save(n);
	if (r == SZ_OK)
		r = prune(n); /* listed before a store that did not happen */
	if (r != SZ_OK) {
		sz_node_quar_free(n);
		return sz_node_fail(n, r, "the quarantine could not be read: %s",
		    sz_store_errmsg(n->store));
	}
	return SZ_OK;
}

/* Items [0, k) (the oldest) leave unopened: deleted from the store; the ids of those that came
 * under a label stay listed there as declined by the label's cell. */
static int
evict_front(sz_node *n, size_t k)
{
	struct sz_node_quarantine *q = n->quar;
	uint8_t (*ids)[32] = NULL;
	int r = SZ_OK;
	if (k == 0)
		return SZ_OK;
	if ((ids = calloc(k, 32)) == NULL)
		return SZ_ERR_NOMEM;
	for (size_t i = 0; i < k; i++)
		memcpy(ids[i], q->v[i].id, 32);
	if ((r = sz_store_drop_sealed(n->store, (const uint8_t(*)[32])ids, k, NULL)) != SZ_OK) {
		free(ids);
		return sz_node_fail(n, r, "%s", sz_store_errmsg(n->store));
	}
	free(ids);
	for (size_t i = 0; i < k && r == SZ_OK; i++)
		if (memcmp(q->v[i].label, no_label, 16) != 0)
			r = sz_node_cell_decline(n, q->v[i].label, q->v[i].id);
	if (n->log != NULL)
		fprintf(n->log, "quarantine: %zu envelopes of epochs no cell learnt deleted\n", k);
	for (size_t i = 0; i < k; i++)
		q->bytes -= q->v[i].len;
	memmove(q->v, q->v + k, (q->n - k) * sizeof *q->v);
	q->n -= k;
	return r == SZ_OK ? prune(n) : r;
}

/* Apply the bounds: age first, then count and bytes (oldest first). */
static int
enforce(sz_node *n)
{
	struct sz_node_quarantine *q = n->quar;
	uint64_t now = sz_now_ms(n->env), bytes = q->bytes;
	size_t k = 0;
	while (k < q->n && (q->v[k].time_ms + SZ_QUAR_MAX_AGE_MS < now ||
	    q->n - k > SZ_QUAR_MAX_ENVELOPES || bytes > SZ_QUAR_MAX_BYTES)) {
		bytes -= q->v[k].len;
		k++;
	}
	return evict_front(n, k);
}

int
sz_node_quar_prepare(sz_node *n, const uint8_t (*scopes)[16], const uint8_t label[16],
    size_t count)
{
	int r = load(n);
	bool grew = false;
	if (r != SZ_OK)
		return r;
	struct sz_node_quarantine *q = n->quar;
	for (size_t i = 0; i < count; i++) {
		if (find_rec(q, scopes[i]) != NULL)
			continue;
		/* After enforce, no more records than envelopes: a batch always fits. */
		if (q->nrec == RECORDS_MAX)
			return sz_node_fail(n, SZ_ERR_LIMIT, "the quarantine holds too many scopes");
		memcpy(q->rec[q->nrec].scope, scopes[i], 16);
		memcpy(q->rec[q->nrec++].label, label != NULL ? label : no_label, 16);
		grew = true;
	}
	return grew ? save(n) : SZ_OK;
}

int
sz_node_quar_add(sz_node *n, const sz_env_in *const *in, size_t count)
{
	int r = load(n);
	if (r != SZ_OK)
		return r;
	uint64_t now = sz_now_ms(n->env);
	struct sz_node_quarantine *q = n->quar;
	for (size_t i = 0; i < count && r == SZ_OK; i++) {
		quar_item it = { .time_ms = now, .len = (uint32_t)in[i]->len };
		const quar_rec *rec;
		if (in[i]->err != SZ_OK || (rec = find_rec(q, in[i]->env.scope)) == NULL)
			continue; /* sz_node_quar_prepare listed every one */
		memcpy(it.id, in[i]->id, 32);
		memcpy(it.scope, rec->scope, 16);
		memcpy(it.label, rec->label, 16);
		/* kept oldest first: an earlier time (a clock set back) goes to its place */
		if ((r = push(q, &it)) == SZ_OK && q->n > 1 && q->v[q->n - 2].time_ms > now)
			qsort(q->v, q->n, sizeof *q->v, cmp_time);
		if (r == SZ_OK && memcmp(it.label, no_label, 16) != 0)
			sz_node_sketch_note_id(n, it.label, it.id);
	}
	return r == SZ_OK ? enforce(n) : r;
}

int
sz_node_quar_release(sz_node *n, const uint8_t scope[16], uint8_t (**ids)[32],
    uint8_t (**labels)[16], size_t *nids)
{
	*ids = NULL;
	*labels = NULL;
	*nids = 0;
	int r = load(n);
	if (r != SZ_OK)
		return r;
	struct sz_node_quarantine *q = n->quar;
	quar_rec *rec = find_rec(q, scope);
	if (rec == NULL)
		return SZ_OK;
	size_t w = 0, k = 0;
	if ((*ids = calloc(q->n ? q->n : 1, 32)) == NULL ||
	    (*labels = calloc(q->n ? q->n : 1, 16)) == NULL) {
		free(*ids);
		*ids = NULL;
		return SZ_ERR_NOMEM;
	}
	for (size_t i = 0; i < q->n; i++) {
		if (memcmp(q->v[i].scope, scope, 16) == 0) {
			q->bytes -= q->v[i].len;
			memcpy((*ids)[k], q->v[i].id, 32);
			memcpy((*labels)[k++], q->v[i].label, 16);
		} else {
			q->v[w++] = q->v[i];
		}
	}
	q->n = w;
	*nids = k;
	*rec = q->rec[--q->nrec];
	return save(n);
}

int
sz_node_quar_listed(sz_node *n, const uint8_t label[16], int (*fn)(void *fctx,
    const uint8_t id[32]), void *fctx)
{
	int r = load(n);
	for (size_t i = 0; r == SZ_OK && i < n->quar->n; i++)
		if (memcmp(n->quar->v[i].label, label, 16) == 0)
			r = fn(fctx, n->quar->v[i].id);
	return r;
}

int
sz_node_quar_sweep(sz_node *n)
{
	int r = load(n);
	return r == SZ_OK ? enforce(n) : r;
}

int
sz_node_quar_stats(sz_node *n, size_t *count, uint64_t *bytes)
{
	int r = load(n);
	*count = r == SZ_OK ? n->quar->n : 0;
	*bytes = r == SZ_OK ? n->quar->bytes : 0;
	return r;
}

void
sz_node_quar_free(sz_node *n)
{
	if (n->quar == NULL)
		return;
	free(n->quar->v);
	free(n->quar->rec);
	free(n->quar);
	n->quar = NULL;
}
