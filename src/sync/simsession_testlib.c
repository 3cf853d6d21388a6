/*
 * simsession_testlib.c - one session of the simulated network: both sides the real sz_sync state
 * machine over in-memory id sets, every byte passed through memory and counted; the hooks are a
 * node's as the session sees it (what a label lists, an envelope's bytes, what it takes).
 * Layer: sync, tests and benches only (sim_testlib.h; docs/bench/sim.md).
 */
#include "sync/sim_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "lib/bytes.h"
#include "sync/session.h"
#include "wire/envelope.h"

static int
h_list(void *ctx, const uint8_t label[SZ_SCOPE_BYTES],
    int (*fn)(void *fctx, const uint8_t id[32]), void *fctx)
{
	sim_side *x = ctx;
	sim_run *r = x->r;
	const sz_sim *s = r->s;
	int32_t cell = -1;
	const uint8_t (*bg)[32] = s->bg;
	size_t nbg = s->cfg.bg_public;
	int rc;
	if (memcmp(label, s->pub, 16) != 0) {
		uint32_t c = sz_load_u32(label);
		if (c >= s->ncell || memcmp(label, s->label[c], 16) != 0 ||
		    !sz_sim_member(s, x->node, c)) {
			r->errors++; /* a label this node never offered */
			return SZ_ERR_INTERNAL;
		}
		cell = (int32_t)c;
		bg = s->bg + s->cfg.bg_public + (size_t)c * s->cfg.bg_cell;
		nbg = s->cfg.bg_cell;
	}
	for (size_t i = 0; i < nbg; i++)
		if ((rc = fn(fctx, bg[i])) != SZ_OK)
			return rc;
	for (size_t i = 0; i < r->nit; i++)
		if (r->it[i].cell == cell && r->it[i].has[x->node] && (rc = fn(fctx, r->it[i].id)) != SZ_OK)
			return rc;
	return SZ_OK;
}

static sim_ritem *
item_by_id(sim_run *r, const uint8_t id[32])
{
	for (size_t i = 0; i < r->nit; i++)
		if (memcmp(r->it[i].id, id, 32) == 0)
			return &r->it[i];
	return NULL;
}

static int
h_get(void *ctx, const uint8_t id[32], uint8_t **env, size_t *len)
{
	sim_side *x = ctx;
	sim_ritem *it = item_by_id(x->r, id);
	*env = NULL;
	*len = 0;
	if (it == NULL || !it->has[x->node]) {
		x->r->errors++; /* only items move: the background is everywhere */
		return SZ_ERR_NOT_FOUND;
	}
	if ((*env = malloc(it->len)) == NULL)
		return SZ_ERR_NOMEM;
	memcpy(*env, it->env, it->len);
	*len = it->len;
	return SZ_OK;
}

/* Take what the peer sent as a node does: only under a shared label (a post under its cell's,
 * a leaflet under the public one), a public envelope parsed and its signature checked. */
static int
h_store(void *ctx, const uint8_t (*shared)[SZ_SCOPE_BYTES], size_t nshared,
    const uint8_t *const *envs, const size_t *lens, const uint8_t (*ids)[32], size_t n,
    int *results)
{
	sim_side *x = ctx;
	sim_run *r = x->r;
	for (size_t i = 0; i < n; i++) {
		sim_ritem *it = item_by_id(r, ids[i]);
		const uint8_t *label = it == NULL ? NULL : it->cell < 0 ? r->s->pub :
		    r->s->label[it->cell];
		bool ok = false;
		for (size_t k = 0; label != NULL && k < nshared; k++)
			ok |= memcmp(shared[k], label, 16) == 0;
		if (!ok) {
			r->refused++;
			results[i] = SZ_ERR_DENIED;
			continue;
		}
		sz_envelope v;
		if ((results[i] = sz_env_parse(&v, envs[i], lens[i], 0)) != SZ_OK)
			continue;
		if (it->has[x->node]) {
			results[i] = SZ_ERR_EXISTS;
			continue;
		}
		it->has[x->node] = 1;
		it->t[x->node] = r->now - r->pub;
		it->hop[x->node] = it->hop[x->peer] + 1;
		it->reached++;
		it->moved++;
		r->moved_bytes += lens[i];
	}
	return SZ_OK;
}

/* --- sessions ----------------------------------------------------------------------------- */

static int
pairs_of(sim_run *r, uint32_t v, sz_sync_pair **out, size_t *n)
{
	const sz_sim *s = r->s;
	size_t k = 0, cap = 0;
	for (uint8_t i = 0; i < s->ncells[v]; i++)
		cap += sz_sim_cell_size(s, s->cells[v][i]);
	*out = NULL;
	*n = 0;
	if (cap == 0)
		return SZ_OK;
	sz_sync_pair *p = malloc(cap * sizeof *p);
	if (p == NULL)
		return SZ_ERR_NOMEM;
	for (uint8_t i = 0; i < s->ncells[v]; i++) {
		uint32_t c = s->cells[v][i];
		for (uint32_t j = s->cell_off[c]; j < s->cell_off[c + 1]; j++) {
			if (s->cell_mem[j] == v)
				continue;
			sz_sim_pair_key(s, c, v, s->cell_mem[j], p[k].key);
			memcpy(p[k].label, s->label[c], 16);
			k++;
		}
	}
	*out = p;
	*n = k;
	return SZ_OK;
}

/* One session, a dialling b, both sides the real state machine, every byte either way passed
 * through memory and counted.  SZ_OK if both ended DONE. */
int
sz_sim_session(sim_run *r, uint32_t a, uint32_t b, bool keyed, uint64_t *bytes)
{
	sz_sim *s = r->s;
	sz_sync_pair *pa = NULL, *pb = NULL;
	size_t npa = 0, npb = 0;
	sz_sync *sa = NULL, *sb = NULL;
	sim_side xa = { r, a, b }, xb = { r, b, a };
	int rc;
	*bytes = 0;
	if ((rc = pairs_of(r, a, &pa, &npa)) != SZ_OK || (rc = pairs_of(r, b, &pb, &npb)) != SZ_OK)
		goto out;
	const uint8_t *pk = keyed ? sz_sim_pk(s, b) : NULL;
	sz_sync_config ca = {
		.role = SZ_NOISE_INITIATOR, .static_sk = s->sk[a], .expect_remote = pk,
		.scopes = (const uint8_t(*)[SZ_SCOPE_BYTES])s->pub, .nscopes = 1,
		.pairs = pa, .npairs = npa,
		.hooks = { .ctx = &xa, .list_ids = h_list, .get = h_get, .store = h_store },
		.env = &r->env.env,
	};
	sz_sync_config cb = ca;
	cb.role = SZ_NOISE_RESPONDER;
	cb.static_sk = s->sk[b];
	cb.expect_remote = NULL;
	cb.pairs = pb;
	cb.npairs = npb;
	cb.hooks.ctx = &xb;
	if ((rc = sz_sync_new(&sa, &ca)) != SZ_OK || (rc = sz_sync_new(&sb, &cb)) != SZ_OK)
		goto out;
	for (int turns = 0; turns < 100000; turns++) {
		bool moved = false;
		sz_sync *from[2] = { sa, sb }, *to[2] = { sb, sa };
		for (int d = 0; d < 2; d++) {
			const uint8_t *p;
			size_t n;
			sz_sync_output(from[d], &p, &n);
			if (n == 0)
				continue;
			/* the bytes are the sender's until consumed; the receiver copies what it keeps */
			(void)!sz_sync_input(to[d], p, n);
			sz_sync_consumed(from[d], n);
			*bytes += n;
			moved = true;
		}
		if (!moved)
			break;
	}
	rc = sz_sync_get_status(sa) == SZ_SYNC_DONE && sz_sync_get_status(sb) == SZ_SYNC_DONE ?
	    SZ_OK : SZ_ERR_PEER;
	if (rc != SZ_OK && getenv("SZ_SIM_DEBUG") != NULL)
		fprintf(stderr, "session %u -> %u: %d %d (%s | %s)\n", a, b, sz_sync_error(sa),
		    sz_sync_error(sb), sz_strerror(sz_sync_error(sa)), sz_strerror(sz_sync_error(sb)));
out:
	sz_sync_free(sa);
	sz_sync_free(sb);
	if (pa != NULL)
		sz_wipe(pa, npa * sizeof *pa);
	if (pb != NULL)
		sz_wipe(pb, npb * sizeof *pb);
	free(pa);
	free(pb);
	return rc;
}

