/*
 * node_sendpage.c - what a sync sends when everything goes: the page of ids a session lists
 * (hooks.list_page, node_sync.c) is read with its envelopes' bytes in the same walk of the
 * store's (scope, time, id) index, and the session's gets take them from there in the page's
 * order, instead of a lookup by id each (docs/ARCHITECTURE.md, the sync session).  Layer: app.
 */
#include "app/node_int.h"

#include <stdlib.h>
#include <string.h>

#include "store/scopes.h"

/* The bytes kept of the page listed last: a session asks for the envelopes in the order the page
 * named them, so a get takes the next one without a lookup by id.  A session's page is 1,024 ids:
 * 256 KiB holds those of small envelopes (256 bytes, the common leaflet and post); of large
 * ones, the first few (their lookups cost little beside their bytes). */
#define SEND_PAGE_BYTES (256u << 10)

struct sz_node_sendpage {
	uint8_t (*ids)[32];
	size_t *start, *len;   /* len 0: not kept (past the budget): read by id */
	size_t n, next, cap;
	sz_buf bytes;
	uint64_t forgets;      /* the store's when it was read: any deletion since voids it */
};

void
sz_node_sendpage_free(sz_node *n)
{
	struct sz_node_sendpage *c = n->sendpage;
	if (c == NULL)
		return;
	free(c->ids);
	free(c->start);
	free(c->len);
	sz_buf_free(&c->bytes);
	free(c);
	n->sendpage = NULL;
}

/* An empty page with room for max ids, or NULL (no memory: every get reads by id). */
struct sz_node_sendpage *
sz_node_sendpage_reset(sz_node *n, size_t max)
{
	struct sz_node_sendpage *c = n->sendpage;
	if (c != NULL && c->cap < max)
		sz_node_sendpage_free(n);
	if ((c = n->sendpage) == NULL) {
		if ((c = calloc(1, sizeof *c)) == NULL || (c->ids = malloc(max * 32)) == NULL ||
		    (c->start = malloc(max * sizeof *c->start)) == NULL ||
		    (c->len = malloc(max * sizeof *c->len)) == NULL) {
			n->sendpage = c;
			sz_node_sendpage_free(n);
			return NULL;
		}
		c->cap = max;
		n->sendpage = c;
	}
	c->n = c->next = 0;
	c->bytes.len = 0;
	c->forgets = sz_store_forgets(n->store);
	return c;
}

/* One step of a page's walk, its envelopes kept in c while there is room. */
int
sz_node_sendpage_walk(sz_node *n, struct sz_node_sendpage *c, const uint8_t scope[16],
    const sz_store_item *after, size_t want, sz_store_item *page, size_t *got)
{
	size_t ends[256], at = c != NULL ? c->bytes.len : 0;
	if (c == NULL || c->bytes.len >= SEND_PAGE_BYTES)
		return sz_store_page_envelopes(n->store, scope, after, want, page, got);
	int r = sz_store_page_envelope_bytes(n->store, scope, after, want, SEND_PAGE_BYTES, page,
	    &c->bytes, ends, got);
	for (size_t i = 0; r == SZ_OK && i < *got && c->n < c->cap; i++) {
		memcpy(c->ids[c->n], page[i].id, 32);
		c->start[c->n] = at;
		c->len[c->n] = ends[i] == SIZE_MAX ? 0 : ends[i] - at;
		if (ends[i] != SIZE_MAX)
			at = ends[i];
		c->n++;
	}
	return r;
}

/* The envelope id if it is the next of the page kept, and nothing was deleted since. */
bool
sz_node_sendpage_take(sz_node *n, const uint8_t id[32], uint8_t **env, size_t *len)
{
	struct sz_node_sendpage *c = n->sendpage;
	if (c == NULL || c->next >= c->n || c->forgets != sz_store_forgets(n->store) ||
	    memcmp(c->ids[c->next], id, 32) != 0)
		return false;
	size_t k = c->next++;
	if (c->len[k] == 0 || (*env = malloc(c->len[k])) == NULL)
		return false;
	memcpy(*env, c->bytes.p + c->start[k], c->len[k]);
	*len = c->len[k];
	return true;
}
