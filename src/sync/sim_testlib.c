/*
 * sim_testlib.c - the world of the simulated network: nodes on a ring, cells of neighbours with
 * some members in a second or third cell, peers lists, the targets each node's automatic sync
 * dials, the contact graph and its BFS.  Layer: sync, tests and benches only (sim_testlib.h;
 * the run is simrun_testlib.c; the model is argued in docs/bench/sim.md).
 */
#include "sync/sim_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "lib/bytes.h"
#include "wire/envelope.h"

uint64_t
sz_sim_rand(uint64_t *st)
{
	uint64_t z = (*st += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

double
sz_sim_unit(uint64_t *st)
{
	return (double)(sz_sim_rand(st) >> 11) * (1.0 / 9007199254740992.0);
}

static uint32_t
below(uint64_t *st, uint32_t n)
{
	return (uint32_t)(sz_sim_unit(st) * n);
}

bool
sz_sim_member(const sz_sim *s, uint32_t v, uint32_t c)
{
	for (uint8_t i = 0; i < s->ncells[v]; i++)
		if (s->cells[v][i] == c)
			return true;
	return false;
}

void
sz_sim_defaults(sz_sim_cfg *c)
{
	*c = (sz_sim_cfg){
		.nodes = 10000, .cell_min = 10, .cell_max = 200, .second_pct = 40, .third_pct = 10,
		.far_pct = 10, .peers = 2, .window = 50, .unlisted_pct = 10, .offline_pct = 0,
		.offline_s = 600, .bg_public = 1000, .bg_cell = 250, .period_s = 60,
		.warmup_periods = 128, .window_periods = 64, .idle_cap = 32,
		.idle_cap_unlisted = 4, .max_periods = 2000, .fanout = 0, .idle_check = 64,
		.idle_check_max = 256, .seed = 1,
	};
}

/* Whether cfg makes a world: sizes that fit, percentages that are percentages. */
static bool
sane(const sz_sim_cfg *c)
{
	return c->nodes >= 2 && c->cell_min >= 2 && c->cell_min <= c->cell_max &&
	    c->cell_min <= c->nodes && c->second_pct <= 100 && c->third_pct <= c->second_pct &&
	    c->far_pct <= 100 && c->unlisted_pct <= 100 && c->offline_pct < 100 &&
	    c->offline_s > 0 && c->period_s > 0 && c->idle_check > 0 &&
	    c->window_periods <= c->warmup_periods;
}

/* Home cells: consecutive places on the ring, sizes drawn with P(s) ~ 1/s^2 in [min, max] (most
 * cells small, a few large: a person's cell, weighted by its members, is log-uniform); what is
 * left at the end joins the last cell. */
static int
home_cells(sz_sim *s, uint64_t *st, uint32_t *size)
{
	const sz_sim_cfg *c = &s->cfg;
	uint32_t v = 0;
	s->ncell = 0;
	while (v < s->n) {
		double lo = 1.0 / c->cell_min, hi = 1.0 / c->cell_max;
		uint32_t k = (uint32_t)lround(1.0 / (lo - sz_sim_unit(st) * (lo - hi)));
		uint32_t left = s->n - v;
		/* never leave fewer than cell_min at the end: take them in, or leave cell_min */
		if (k >= left || left - k < c->cell_min)
			k = left <= c->cell_max || left < 2 * c->cell_min ? left : left - c->cell_min;
		for (uint32_t i = 0; i < k; i++) {
			s->cells[v + i][0] = s->ncell;
			s->ncells[v + i] = 1;
		}
		size[s->ncell++] = k;
		v += k;
	}
	return 0;
}

/* Another cell for v: its neighbours' (within +-window on the ring), or one anywhere; never one
 * it is in, never a full one.  UINT32_MAX if none was found in a few draws. */
static uint32_t
another_cell(sz_sim *s, uint64_t *st, uint32_t v, const uint32_t *size)
{
	for (int tries = 0; tries < 16; tries++) {
		uint32_t c;
		if (below(st, 100) < s->cfg.far_pct) {
			c = below(st, s->ncell);
		} else {
			uint32_t w = s->cfg.window < s->n ? s->cfg.window : s->n - 1;
			uint32_t d = below(st, 2 * w + 1);
			c = s->cells[(v + s->n - w + d) % s->n][0];
		}
		if (!sz_sim_member(s, v, c) && size[c] < s->cfg.cell_max)
			return c;
	}
	return UINT32_MAX;
}

static uint32_t
pick_peer(sz_sim *s, uint64_t *st, uint32_t v)
{
	for (int tries = 0; tries < 32; tries++) {
		uint32_t p;
		if (below(st, 100) < s->cfg.far_pct) {
			p = below(st, s->n);
		} else {
			uint32_t w = s->cfg.window < s->n ? s->cfg.window : s->n - 1;
			p = (v + s->n - w + below(st, 2 * w + 1)) % s->n;
		}
		if (p != v && s->listed[p])
			return p;
	}
	return UINT32_MAX;
}

static int
build_targets(sz_sim *s, uint64_t *st)
{
	uint32_t *stamp = calloc(s->n, sizeof *stamp), *peer = NULL;
	size_t cap = 0, m = 0;
	int r = -1;
	if (stamp == NULL || (peer = calloc((size_t)s->n * (s->cfg.peers + 1), sizeof *peer)) == NULL)
		goto out;
	/* peers lists first, drawn in order so that the world depends on the seed only */
	for (uint32_t v = 0; v < s->n; v++)
		for (uint32_t k = 0; k < s->cfg.peers; k++)
			peer[(size_t)v * s->cfg.peers + k] = pick_peer(s, st, v);
	for (uint32_t v = 0; v < s->n; v++) {
		uint32_t offers = 1;
		for (uint8_t i = 0; i < s->ncells[v]; i++) {
			uint32_t c = s->cells[v][i];
			offers += s->cell_off[c + 1] - s->cell_off[c] - 1;
		}
		uint32_t t = 256;
		while (t < offers)
			t *= 2;
		s->tokens[v] = (uint16_t)t;
	}
	/* two passes: count, then fill (stamp marks who is a target of v already) */
	for (int pass = 0; pass < 2; pass++) {
		m = 0;
		memset(stamp, 0, s->n * sizeof *stamp);
		for (uint32_t v = 0; v < s->n; v++) {
			if (pass == 1)
				s->t_off[v] = (uint32_t)m;
			stamp[v] = v + 1;
			for (uint8_t i = 0; i < s->ncells[v]; i++) {
				uint32_t c = s->cells[v][i];
				for (uint32_t j = s->cell_off[c]; j < s->cell_off[c + 1]; j++) {
					uint32_t u = s->cell_mem[j];
					if (stamp[u] == v + 1 || !s->listed[u])
						continue;
					stamp[u] = v + 1;
					if (pass == 1) {
						s->t_dst[m] = u;
						s->t_keyed[m] = 1;
					}
					m++;
				}
			}
			for (uint32_t k = 0; k < s->cfg.peers; k++) {
				uint32_t u = peer[(size_t)v * s->cfg.peers + k];
				if (u == UINT32_MAX || stamp[u] == v + 1)
					continue;
				stamp[u] = v + 1;
				if (pass == 1) {
					s->t_dst[m] = u;
					s->t_keyed[m] = 0;
				}
				m++;
			}
		}
		if (pass == 0) {
			cap = m;
			s->t_dst = malloc((cap ? cap : 1) * sizeof *s->t_dst);
			s->t_keyed = malloc(cap ? cap : 1);
			if (s->t_dst == NULL || s->t_keyed == NULL)
				goto out;
		}
	}
	s->t_off[s->n] = (uint32_t)m;
	s->nedges = m;
	r = 0;
out:
	free(stamp);
	free(peer);
	return r;
}

/* The undirected contact graph: u and v are adjacent when either dials the other. */
static int
build_adjacency(sz_sim *s)
{
	uint32_t *deg = calloc(s->n + 1, sizeof *deg);
	if (deg == NULL || (s->a_adj = malloc((2 * s->nedges + 1) * sizeof *s->a_adj)) == NULL) {
		free(deg);
		return -1;
	}
	for (uint32_t v = 0; v < s->n; v++)
		for (uint32_t e = s->t_off[v]; e < s->t_off[v + 1]; e++) {
			deg[v]++;
			deg[s->t_dst[e]]++;
		}
	s->a_off[0] = 0;
	for (uint32_t v = 0; v < s->n; v++)
		s->a_off[v + 1] = s->a_off[v] + deg[v];
	memset(deg, 0, (s->n + 1) * sizeof *deg);
	for (uint32_t v = 0; v < s->n; v++)
		for (uint32_t e = s->t_off[v]; e < s->t_off[v + 1]; e++) {
			uint32_t u = s->t_dst[e];
			s->a_adj[s->a_off[v] + deg[v]++] = u;
			s->a_adj[s->a_off[u] + deg[u]++] = v;
		}
	free(deg);
	return 0;
}

uint32_t
sz_sim_bfs(const sz_sim *s, uint32_t src, int32_t cell, uint32_t *dist, uint32_t *queue)
{
	uint32_t head = 0, tail = 0, far = 0;
	for (uint32_t v = 0; v < s->n; v++)
		dist[v] = UINT32_MAX;
	dist[src] = 0;
	queue[tail++] = src;
	while (head < tail) {
		uint32_t v = queue[head++];
		far = dist[v];
		for (uint32_t i = s->a_off[v]; i < s->a_off[v + 1]; i++) {
			uint32_t u = s->a_adj[i];
			if (dist[u] != UINT32_MAX || (cell >= 0 && !sz_sim_member(s, u, (uint32_t)cell)))
				continue;
			dist[u] = dist[v] + 1;
			queue[tail++] = u;
		}
	}
	return far;
}

uint32_t
sz_sim_cell_diameter(const sz_sim *s, uint32_t c, uint32_t *dist, uint32_t *queue)
{
	uint32_t d = 0;
	for (uint32_t j = s->cell_off[c]; j < s->cell_off[c + 1]; j++) {
		uint32_t e = sz_sim_bfs(s, s->cell_mem[j], (int32_t)c, dist, queue);
		for (uint32_t k = s->cell_off[c]; k < s->cell_off[c + 1]; k++)
			if (dist[s->cell_mem[k]] == UINT32_MAX)
				return UINT32_MAX; /* not connected */
		if (e > d)
			d = e;
	}
	return d;
}

/* A lower bound of the contact graph's diameter: sweeps from a few places, each from the node
 * farthest from the last (the double sweep, repeated). */
static int
graph_diameter(sz_sim *s, uint64_t *st)
{
	uint32_t *dist = malloc(s->n * sizeof *dist), *queue = malloc(s->n * sizeof *queue);
	if (dist == NULL || queue == NULL) {
		free(dist);
		free(queue);
		return -1;
	}
	s->diameter = 0;
	for (int start = 0; start < 4; start++) {
		uint32_t v = below(st, s->n);
		for (int sweep = 0; sweep < 3; sweep++) {
			uint32_t e = sz_sim_bfs(s, v, -1, dist, queue);
			if (e > s->diameter)
				s->diameter = e;
			for (uint32_t u = 0; u < s->n; u++) {
				if (dist[u] == UINT32_MAX) {
					s->diameter = UINT32_MAX; /* not connected */
					goto out;
				}
				if (dist[u] == e)
					v = u;
			}
		}
	}
out:
	free(dist);
	free(queue);
	return 0;
}

static void
fill_bytes(uint64_t *st, uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i += 8) {
		uint8_t b[8];
		sz_store_u64(b, sz_sim_rand(st));
		memcpy(p + i, b, n - i < 8 ? n - i : 8);
	}
}

static int
members(sz_sim *s, const uint32_t *size)
{
	uint32_t *fill = calloc(s->ncell + 1, sizeof *fill);
	if (fill == NULL || (s->cell_off = calloc(s->ncell + 1, sizeof *s->cell_off)) == NULL) {
		free(fill);
		return -1;
	}
	for (uint32_t c = 0; c < s->ncell; c++)
		s->cell_off[c + 1] = s->cell_off[c] + size[c];
	if ((s->cell_mem = malloc((s->cell_off[s->ncell] + 1) * sizeof *s->cell_mem)) == NULL) {
		free(fill);
		return -1;
	}
	for (uint32_t v = 0; v < s->n; v++)
		for (uint8_t i = 0; i < s->ncells[v]; i++) {
			uint32_t c = s->cells[v][i];
			s->cell_mem[s->cell_off[c] + fill[c]++] = v;
		}
	free(fill);
	return 0;
}

sz_sim *
sz_sim_new(const sz_sim_cfg *cfg)
{
	sz_sim *s = NULL;
	uint32_t *size = NULL;
	if (!sane(cfg) || sz_init() != SZ_OK || (s = calloc(1, sizeof *s)) == NULL)
		return NULL;
	s->cfg = *cfg;
	s->n = s->cfg.nodes;
	uint64_t st = s->cfg.seed ^ 0x73616d697a646174ull;
	size_t n = s->n;
	s->cells = calloc(n, sizeof *s->cells);
	s->ncells = calloc(n, 1);
	s->listed = calloc(n, 1);
	s->tokens = calloc(n, sizeof *s->tokens);
	s->sk = calloc(n, sizeof *s->sk);
	s->pk = calloc(n, sizeof *s->pk);
	s->pk_known = calloc(n, 1);
	s->t_off = calloc(n + 1, sizeof *s->t_off);
	s->a_off = calloc(n + 1, sizeof *s->a_off);
	size = calloc(n, sizeof *size); /* at most n cells */
	if (s->cells == NULL || s->ncells == NULL || s->listed == NULL || s->tokens == NULL ||
	    s->sk == NULL || s->pk == NULL || s->pk_known == NULL || s->t_off == NULL ||
	    s->a_off == NULL || size == NULL)
		goto fail;
	fill_bytes(&st, s->key_seed, sizeof s->key_seed);
	sz_env_public_scope(s->pub);
	fill_bytes(&st, s->sk[0], n * 32);
	if (home_cells(s, &st, size) != 0)
		goto fail;
	/* more cells: second_pct of the nodes are in two, third_pct (of all) in three */
	for (uint32_t v = 0; v < s->n; v++) {
		uint32_t roll = below(&st, 100), want = roll < s->cfg.third_pct ? 3 :
		    roll < s->cfg.second_pct ? 2 : 1;
		while (s->ncells[v] < want) {
			uint32_t c = another_cell(s, &st, v, size);
			if (c == UINT32_MAX)
				break;
			s->cells[v][s->ncells[v]++] = c;
			size[c]++;
		}
	}
	for (uint32_t v = 0; v < s->n; v++)
		s->listed[v] = below(&st, 100) >= s->cfg.unlisted_pct;
	if (members(s, size) != 0)
		goto fail;
	s->label = malloc((s->ncell + 1) * sizeof *s->label);
	s->escope = malloc((s->ncell + 1) * sizeof *s->escope);
	size_t nbg = s->cfg.bg_public + (size_t)s->cfg.bg_cell * s->ncell;
	s->bg = malloc((nbg + 1) * sizeof *s->bg);
	if (s->label == NULL || s->escope == NULL || s->bg == NULL)
		goto fail;
	for (uint32_t c = 0; c < s->ncell; c++) {
		/* a label is random-looking; the first 4 bytes name the cell, for the hooks */
		fill_bytes(&st, s->label[c], 16);
		sz_store_u32(s->label[c], c);
		fill_bytes(&st, s->escope[c], 16);
	}
	fill_bytes(&st, s->bg[0], nbg * 32);
	if (build_targets(s, &st) != 0 || build_adjacency(s) != 0 || graph_diameter(s, &st) != 0)
		goto fail;
	free(size);
	return s;
fail:
	free(size);
	sz_sim_free(s);
	return NULL;
}

void
sz_sim_free(sz_sim *s)
{
	if (s == NULL)
		return;
	free(s->cells);
	free(s->ncells);
	free(s->listed);
	free(s->tokens);
	sz_wipe(s->sk, (size_t)s->n * 32);
	free(s->sk);
	free(s->pk);
	free(s->pk_known);
	free(s->cell_off);
	free(s->cell_mem);
	free(s->label);
	free(s->escope);
	free(s->bg);
	free(s->t_off);
	free(s->t_dst);
	free(s->t_keyed);
	free(s->a_off);
	free(s->a_adj);
	free(s);
}

const uint8_t *
sz_sim_pk(sz_sim *s, uint32_t v)
{
	if (!s->pk_known[v]) {
		if (sz_dh_public(s->pk[v], s->sk[v]) != SZ_OK)
			return NULL;
		s->pk_known[v] = 1;
	}
	return s->pk[v];
}

void
sz_sim_pair_key(const sz_sim *s, uint32_t c, uint32_t a, uint32_t b, uint8_t key[32])
{
	uint8_t in[12];
	sz_store_u32(in, c);
	sz_store_u32(in + 4, a < b ? a : b);
	sz_store_u32(in + 8, a < b ? b : a);
	if (sz_blake2b(key, 32, in, sizeof in, s->key_seed, sizeof s->key_seed) != SZ_OK)
		memset(key, 0, 32); /* cannot happen with these lengths */
}

uint32_t
sz_sim_cell_size(const sz_sim *s, uint32_t c)
{
	return c < s->ncell ? s->cell_off[c + 1] - s->cell_off[c] : 0;
}

void
sz_sim_describe(const sz_sim *s, sz_sim_world *w)
{
	memset(w, 0, sizeof *w);
	w->nodes = s->n;
	w->cells = s->ncell;
	w->smallest = UINT32_MAX;
	w->tokens_min = UINT32_MAX;
	for (uint32_t c = 0; c < s->ncell; c++) {
		uint32_t k = sz_sim_cell_size(s, c);
		if (k < w->smallest) {
			w->smallest = k;
			w->smallest_cell = c;
		}
		if (k > w->largest) {
			w->largest = k;
			w->largest_cell = c;
		}
	}
	/* the median: the cell whose size has as many cells below as above (first such) */
	for (uint32_t c = 0; c < s->ncell; c++) {
		uint32_t k = sz_sim_cell_size(s, c), lo = 0, hi = 0;
		for (uint32_t d = 0; d < s->ncell; d++) {
			lo += sz_sim_cell_size(s, d) < k;
			hi += sz_sim_cell_size(s, d) > k;
		}
		if (lo <= s->ncell / 2 && hi <= s->ncell / 2) {
			w->median_cell = c;
			break;
		}
	}
	w->targets = s->nedges;
	w->mean_targets = s->n ? (double)s->nedges / s->n : 0;
	for (uint32_t v = 0; v < s->n; v++) {
		uint32_t k = s->t_off[v + 1] - s->t_off[v];
		if (k > w->max_targets)
			w->max_targets = k;
		if (s->tokens[v] < w->tokens_min)
			w->tokens_min = s->tokens[v];
		if (s->tokens[v] > w->tokens_max)
			w->tokens_max = s->tokens[v];
	}
	w->diameter = s->diameter;
}
