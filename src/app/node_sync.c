/*
 * node_sync.c - what flows in and out of a node: ingesting envelopes (from sync sessions and
 * bundles), the scopes it offers, and the hooks a sync session calls.  Layer: app.
 */
#include "app/node_int.h"
#include "app/node_decide.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "store/scopes.h"
#include "sync/frame.h"
#include "wire/envelope.h"

#define MAX_RELAY_SCOPES 1024

int
sz_node_ingest(sz_node *n, const uint8_t *const *envs, const size_t *lens, size_t count,
    int *results)
{
	int *res = results, r;
	if (res == NULL && (res = calloc(count ? count : 1, sizeof *res)) == NULL)
		return SZ_ERR_NOMEM;
	if ((r = sz_node_store_envelopes(n, envs, lens, count, res)) != SZ_OK) {
		r = sz_node_fail(n, r, "%s", sz_store_errmsg(n->store));
		goto out;
	}
	/* File what this node can read: public entries as they are (in one transaction), sealed
	 * ones through the cells that own them. */
	sz_store_entry_in *in = calloc(count ? count : 1, sizeof *in);
	uint8_t (*ids)[32] = calloc(count ? count : 1, 32);
	uint8_t pub[SZ_SCOPE_BYTES];
	size_t nin = 0;
	if (in == NULL || ids == NULL) {
		free(in);
		free(ids);
		r = SZ_ERR_NOMEM;
		goto out;
	}
	sz_env_public_scope(pub);
	for (size_t i = 0; i < count && r == SZ_OK; i++) {
		if (res[i] != SZ_OK)
			continue;
		if (envs[i][0] == SZ_ENV_PUBLIC) {
			/* Already parsed and verified by the store; only the entry's place is needed. */
			uint32_t el = sz_load_u32(envs[i] + SZ_ENV_HEADER_BYTES);
			if (sz_env_id(ids[nin], envs[i], lens[i]) != SZ_OK)
				continue;
			in[nin] = (sz_store_entry_in){ pub, ids[nin], envs[i] + SZ_ENV_HEADER_BYTES + 4, el };
			nin++;
		} else {
			r = sz_node_cells_receive(n, envs[i], lens[i]);
		}
	}
	if (r == SZ_OK && nin > 0) {
		int *er = calloc(nin, sizeof *er);
		r = er == NULL ? SZ_ERR_NOMEM : sz_store_put_entries(n->store, in, nin, er);
		if (r != SZ_OK && r != SZ_ERR_NOMEM)
			r = sz_node_fail(n, r, "%s", sz_store_errmsg(n->store));
		free(er);
	}
	free(in);
	free(ids);
	if (r == SZ_OK)
		r = sz_node_cells_save(n);
out:
	if (res != results)
		free(res);
	return r;
}

int
sz_node_publish(sz_node *n, uint8_t *const *envs, const size_t *lens, size_t count)
{
	return sz_node_ingest(n, (const uint8_t *const *)envs, lens, count, NULL);
}

static int
cmp16(const void *a, const void *b)
{
	return memcmp(a, b, 16);
}

int
sz_node_scopes(sz_node *n, uint8_t **scopes, size_t *count)
{
	uint8_t *relay = NULL;
	size_t nrelay = 0;
	sz_buf b = { 0 };
	int r;
	*scopes = NULL;
	*count = 0;
	/* Public leaflets, then every scope this node holds envelopes of (its cells' epochs, the
	 * scopes it carries for others), then the epochs its cells know but holds nothing of yet. */
	uint8_t pub[SZ_SCOPE_BYTES];
	sz_env_public_scope(pub);
	sz_buf_append(&b, pub, sizeof pub);
	if ((r = sz_store_scopes(n->store, MAX_RELAY_SCOPES, &relay, &nrelay)) != SZ_OK)
		goto out;
	sz_buf_append(&b, relay, nrelay * SZ_SCOPE_BYTES);
	if ((r = sz_node_cells_scopes(n, &b)) != SZ_OK)
		goto out;
	if ((r = b.err) != SZ_OK)
		goto out;
	/* One token per scope: sort and drop repeats. */
	size_t k = b.len / SZ_SCOPE_BYTES, w = 0;
	qsort(b.p, k, SZ_SCOPE_BYTES, cmp16);
	for (size_t i = 0; i < k; i++)
		if (w == 0 || memcmp(b.p + (w - 1) * 16, b.p + i * 16, 16) != 0)
			memmove(b.p + w++ * 16, b.p + i * 16, 16);
	if (w > SZ_HELLO_MAX_TOKENS)
		w = SZ_HELLO_MAX_TOKENS;
	b.len = w * SZ_SCOPE_BYTES;
	*count = w;
	size_t dummy;
	r = sz_buf_take(&b, scopes, &dummy);
out:
	free(relay);
	sz_buf_free(&b);
	return r;
}

/* --- sync session hooks ----------------------------------------------------------------- */

static int
hook_list(void *ctx, const uint8_t scope[SZ_SCOPE_BYTES],
    int (*fn)(void *fctx, const uint8_t id[32]), void *fctx)
{
	sz_node *n = ctx;
	sz_store_item *items;
	size_t count;
	int r = sz_store_list_envelopes(n->store, scope, 0, UINT64_MAX, 0, &items, &count);
	if (r != SZ_OK)
		return r;
	for (size_t i = 0; i < count && r == SZ_OK; i++)
		r = fn(fctx, items[i].id);
	free(items);
	return r;
}

static int
hook_get(void *ctx, const uint8_t id[32], uint8_t **env, size_t *len)
{
	sz_node *n = ctx;
	return sz_store_get_envelope(n->store, id, env, len);
}

static int
hook_store(void *ctx, const uint8_t *const *envs, const size_t *lens, size_t count, int *results)
{
	return sz_node_ingest(ctx, envs, lens, count, results);
}

int
sz_node_sync_config(sz_node *n, sz_noise_role role, sz_sync_config *cfg, uint8_t **scopes_out)
{
	size_t count;
	int r;
	memset(cfg, 0, sizeof *cfg);
	*scopes_out = NULL;
	/* Ballots and pledges whose time has come leave with this session. */
	if (sz_node_pending_run(n, NULL) != SZ_OK) {
		/* kept for the next run; the sync goes ahead */
	}
	if ((r = sz_node_scopes(n, scopes_out, &count)) != SZ_OK)
		return r;
	cfg->role = role;
	cfg->static_sk = n->tr_sk;
	cfg->scopes = (const uint8_t(*)[SZ_SCOPE_BYTES]) * scopes_out;
	cfg->nscopes = count;
	cfg->methods = SZ_RECON_RIBLT | SZ_RECON_NEGENTROPY | SZ_RECON_LIST;
	cfg->hooks.ctx = n;
	cfg->hooks.list_ids = hook_list;
	cfg->hooks.get = hook_get;
	cfg->hooks.store = hook_store;
	cfg->hooks.on_join = role == SZ_NOISE_RESPONDER ? sz_node_on_join : NULL;
	cfg->hooks.sketch_get = sz_node_sketch_get;
	cfg->hooks.sketch_put = sz_node_sketch_put;
	cfg->hooks.sketch_size = sz_node_sketch_size;
	cfg->hooks.find_prefix = sz_node_find_prefix;
	cfg->env = n->env;
	return SZ_OK;
}
