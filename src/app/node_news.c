/*
 * node_news.c - what a sync or a courier file brought, in a person's words ("2 new posts, 1 vote
 * in 'factory-7'; 1 new leaflet"), from the entries stored since a mark.  Layer: app.
 */
#include "app/node_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cell/cell.h"
#include "lib/jsonw.h"
#include "store/scopes.h"
#include "wire/entry.h"

/* What is worth saying, in the order it is said. */
static const struct {
	uint8_t kind;
	const char *one, *many;
} said[] = {
	{ SZ_KIND_POST, "post", "posts" },
	{ SZ_KIND_PROPOSAL, "question to vote on", "questions to vote on" },
	{ SZ_KIND_BALLOT, "vote", "votes" },
	{ SZ_KIND_PLEDGE_CALL, "call for pledges", "calls for pledges" },
	{ SZ_KIND_PLEDGE, "pledge", "pledges" },
	{ SZ_KIND_REVEAL, "revealed pledge", "revealed pledges" },
	{ SZ_KIND_DECLARATION, "declaration", "declarations" },
	{ SZ_KIND_COSIGN, "signature", "signatures" },
	{ SZ_KIND_LEAFLET, "leaflet", "leaflets" },
};
#define NSAID (sizeof said / sizeof said[0])

typedef struct news {
	sz_node *n;
	uint8_t (*scopes)[16];     /* the local scope of each cell, then the public scope */
	uint64_t (*count)[NSAID];  /* by scope, by what is said */
	size_t nscopes;
} news;

static int
tally(void *ctx, const uint8_t *scope, const uint8_t *bytes, size_t len)
{
	news *x = ctx;
	if (len < 2)
		return SZ_OK;
	for (size_t s = 0; s < x->nscopes; s++) {
		if (memcmp(x->scopes[s], scope, 16) != 0)
			continue;
		for (size_t k = 0; k < NSAID; k++)
			if (said[k].kind == bytes[1]) /* the kind is the entry's second byte */
				x->count[s][k]++;
		break;
	}
	return SZ_OK;
}

int
sz_node_news_mark(sz_node *n, uint64_t *mark)
{
	return sz_store_entry_mark(n->store, mark);
}

int
sz_node_news(sz_node *n, uint64_t mark, sz_buf *words)
{
	news x = { .n = n, .nscopes = n->ncells + 1 };
	x.scopes = calloc(x.nscopes, sizeof *x.scopes);
	x.count = calloc(x.nscopes, sizeof *x.count);
	int r = x.scopes && x.count ? SZ_OK : SZ_ERR_NOMEM;
	for (size_t i = 0; r == SZ_OK && i < n->ncells; i++)
		sz_node_cell_local_scope(n->cells[i].cell, x.scopes[i]);
	if (r == SZ_OK) {
		sz_env_public_scope(x.scopes[n->ncells]);
		r = sz_store_entries_since(n->store, mark, SZ_NODE_NEWS_MAX, tally, &x);
	}
	bool any = false;
	for (size_t s = 0; r == SZ_OK && s < x.nscopes; s++) {
		bool first = true;
		for (size_t k = 0; k < NSAID; k++) {
			uint64_t c = x.count[s][k];
			if (c == 0)
				continue;
			char part[96];
			snprintf(part, sizeof part, "%s%llu new %s", first ? (any ? "; " : "") : ", ",
			    (unsigned long long)c, c == 1 ? said[k].one : said[k].many);
			sz_buf_append(words, part, strlen(part));
			first = false;
			any = true;
		}
		if (!first && s < n->ncells) {
			char name[200];
			sz_text_printable(name, sizeof name, sz_cell_name(n->cells[s].cell));
			sz_buf_append(words, " in '", 5);
			sz_buf_append(words, name, strlen(name));
			sz_buf_u8(words, '\'');
		}
	}
	if (r == SZ_OK && !any)
		sz_buf_append(words, "nothing new", 11);
	free(x.scopes);
	free(x.count);
	return r != SZ_OK ? r : words->err;
}
