/*
 * simrun_testlib.c - a run of the simulated network: simulated time, churn, each node's automatic
 * sync schedule (docs/PROTOCOL.md §8, Automatic sync: the waits are lib/backoff.h's, as in the
 * daemon), the pushes, and every session that moves something run
 * for real (sz_sync on both sides, bytes passed through memory).  Layer: sync, tests and benches
 * only (sim_testlib.h; the world is sim_testlib.c; the model is argued in docs/bench/sim.md).
 */
#include "sync/sim_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/crypto.h"
#include "lib/backoff.h"
#include "lib/bytes.h"
#include "lib/env.h"
#include "sync/session.h"
#include "wire/entry.h"
#include "wire/envelope.h"

#define BODY_BYTES 700      /* a leaflet's or a post's text: a 1 KiB envelope either way */
#define PUSH_MS 1000        /* autosync's push_ms: a push is due within [0.25, 1] s */
#define START_MS 1000       /* a node (re)started: its targets due within 1 s */
#define IDLE_SLACK 16       /* bytes an idle session may differ from the one measured */
#define BACKOFF_MIN_MS 5000
#define BACKOFF_MAX_MS (30u * 60 * 1000)

/* --- the event queue: a binary heap by due time ------------------------------------------ */

static int
hpush(sim_run *r, uint64_t due, uint32_t id, uint32_t gen)
{
	if (r->hn == r->hcap) {
		size_t cap = r->hcap ? 2 * r->hcap : 1024;
		sim_hent *h = realloc(r->h, cap * sizeof *h);
		if (h == NULL)
			return SZ_ERR_NOMEM;
		r->h = h;
		r->hcap = cap;
	}
	size_t i = r->hn++;
	while (i > 0 && r->h[(i - 1) / 2].due > due) {
		r->h[i] = r->h[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	r->h[i] = (sim_hent){ due, id, gen };
	return SZ_OK;
}

static sim_hent
hpop(sim_run *r)
{
	sim_hent top = r->h[0], last = r->h[--r->hn];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= r->hn)
			break;
		if (c + 1 < r->hn && r->h[c + 1].due < r->h[c].due)
			c++;
		if (r->h[c].due >= last.due)
			break;
		r->h[i] = r->h[c];
		i = c;
	}
	if (r->hn > 0)
		r->h[i] = last;
	return top;
}

static int
schedule(sim_run *r, uint32_t e, uint64_t due)
{
	r->due[e] = due;
	return hpush(r, due, e, ++r->gen[e]);
}

/* A random word for lib/backoff.h's waits. */
static uint32_t
rnd32(sim_run *r)
{
	return (uint32_t)(sz_sim_rand(&r->st) >> 32);
}

static uint64_t
expo_ms(sim_run *r, double mean_ms)
{
	return 1 + (uint64_t)(-mean_ms * log(1.0 - sz_sim_unit(&r->st)));
}

static bool
item_shared(const sim_run *r, const sim_ritem *it, uint32_t a, uint32_t b)
{
	return it->cell < 0 || (sz_sim_member(r->s, a, (uint32_t)it->cell) &&
	    sz_sim_member(r->s, b, (uint32_t)it->cell));
}

static int
token_class(uint16_t t)
{
	int c = 0;
	while (c < NCLASS - 1 && (256u << c) < t)
		c++;
	return c;
}

/* A session's bytes, counted after publication and in the idle-traffic window. */
static void
tally(sim_run *r, uint32_t a, uint32_t b, uint64_t bytes)
{
	if (r->published) {
		r->rep->sessions++;
		r->rep->bytes += bytes;
	}
	if (r->window) {
		r->rep->window_sessions++;
		r->rep->window_bytes += bytes;
		r->rep->window_end_bytes[r->s->listed[a] != 0] += bytes;
		r->rep->window_end_bytes[r->s->listed[b] != 0] += bytes;
	}
}

/* Node v's targets become due within PUSH_MS, as autosync's poke (it is NULL: a local change,
 * every target) or forward (what arrived of it: a leaflet to every target, a post to its cell's
 * members' nodes), never to except, nor to a failing target; one due by then keeps its time. */
static int
push(sim_run *r, uint32_t v, uint32_t except, const sim_ritem *it)
{
	const sz_sim *s = r->s;
	int rc;
	for (uint32_t e = s->t_off[v]; e < s->t_off[v + 1]; e++) {
		uint32_t u = s->t_dst[e];
		if (u == except || r->fails[e] > 0 || r->due[e] <= r->now + PUSH_MS)
			continue;
		if (it != NULL && it->cell >= 0 && (!s->t_keyed[e] ||
		    !sz_sim_member(s, u, (uint32_t)it->cell)))
			continue;
		if ((rc = schedule(r, e, r->now + sz_backoff_push_ms(PUSH_MS, rnd32(r)))) != SZ_OK)
			return rc;
	}
	return SZ_OK;
}

/* a dials b (edge e) and both are up: the session, for real if it moves anything (*moved); what
 * either side received is pushed on. */
static int
sync_pair(sim_run *r, uint32_t e, uint32_t a, uint32_t b, bool *moved_out)
{
	sz_sim_report *rep = r->rep;
	int ca = token_class(r->s->tokens[a]), cb = token_class(r->s->tokens[b]);
	bool idle = true, count = r->published;
	uint8_t ha[SZ_SIM_MAX_ITEMS], hb[SZ_SIM_MAX_ITEMS];
	uint64_t bytes = 0;
	*moved_out = false;
	for (size_t i = 0; i < r->nit; i++) {
		ha[i] = r->it[i].has[a];
		hb[i] = r->it[i].has[b];
		if (ha[i] != hb[i] && item_shared(r, &r->it[i], a, b))
			idle = false;
	}
	/* (measure_idle saw every pair of sizes the world's edges have: never unknown here) */
	if (idle && r->idle[ca][cb] >= 0) {
		if (!count || rep->idle_checked >= r->s->cfg.idle_check_max ||
		    sz_sim_rand(&r->st) % r->s->cfg.idle_check != 0) {
			tally(r, a, b, (uint64_t)r->idle[ca][cb]);
			return SZ_OK;
		}
	}
	for (size_t i = 0; i < r->nit; i++)
		r->it[i].moved = 0;
	r->moved_bytes = 0;
	int rc = sz_sim_session(r, a, b, r->s->t_keyed[e], &bytes);
	tally(r, a, b, bytes);
	if (count)
		rep->sessions_real++;
	if (rc != SZ_OK) {
		if (getenv("SZ_SIM_DEBUG") != NULL)
			fprintf(stderr, "session %u -> %u: %s\n", a, b, sz_strerror(rc));
		rep->session_errors++;
		return SZ_OK; /* counted; the run goes on */
	}
	uint32_t moved = 0;
	for (size_t i = 0; i < r->nit; i++)
		moved += r->it[i].moved;
	if (idle && r->idle[ca][cb] < 0) {
		rep->session_errors++; /* cannot happen: see above */
		return SZ_OK;
	}
	if (idle) {
		rep->idle_checked++;
		/* a few bytes either way: lengths written as varints in RIBLT's messages */
		int64_t diff = (int64_t)bytes - r->idle[ca][cb];
		rep->idle_mismatch += diff > IDLE_SLACK || diff < -IDLE_SLACK || moved != 0;
		return SZ_OK;
	}
	if (moved == 0) {
		if (getenv("SZ_SIM_DEBUG") != NULL)
			fprintf(stderr, "nothing moved %u -> %u\n", a, b);
		rep->session_errors++; /* a difference under a shared label that did not move */
		return SZ_OK;
	}
	*moved_out = true;
	double marginal = (double)bytes - (double)r->idle[ca][cb];
	double excess = marginal - (double)r->moved_bytes;
	if (excess > (double)rep->max_session_excess)
		rep->max_session_excess = (uint64_t)excess;
	for (size_t i = 0; i < r->nit; i++)
		if (r->it[i].moved > 0) {
			r->it[i].sessions++;
			r->it[i].marginal += marginal * r->it[i].moved / moved;
		}
	/* forwarding push: on to the others, not back */
	for (size_t i = 0; i < r->nit && !r->s->cfg.no_forward; i++) {
		if (!ha[i] && r->it[i].has[a] && (rc = push(r, a, b, &r->it[i])) != SZ_OK)
			return rc;
		if (!hb[i] && r->it[i].has[b] && (rc = push(r, b, a, &r->it[i])) != SZ_OK)
			return rc;
	}
	return SZ_OK;
}

/* Before anything is published: an idle session of every pair of HELLO sizes the world has,
 * run for real once, is what every idle session of those sizes costs. */
static int
measure_idle(sim_run *r)
{
	sz_sim *s = r->s;
	for (int i = 0; i < NCLASS; i++)
		for (int j = 0; j < NCLASS; j++)
			r->idle[i][j] = -1;
	for (uint32_t v = 0; v < s->n; v++)
		for (uint32_t e = s->t_off[v]; e < s->t_off[v + 1]; e++) {
			uint32_t u = s->t_dst[e];
			int ca = token_class(s->tokens[v]), cb = token_class(s->tokens[u]);
			uint64_t bytes;
			if (r->idle[ca][cb] >= 0)
				continue;
			if (sz_sim_session(r, v, u, s->t_keyed[e], &bytes) != SZ_OK)
				return SZ_ERR_INTERNAL;
			r->idle[ca][cb] = (int64_t)bytes;
			if (r->rep->idle_bytes_min == 0 || bytes < r->rep->idle_bytes_min)
				r->rep->idle_bytes_min = (uint32_t)bytes;
			if (bytes > r->rep->idle_bytes_max)
				r->rep->idle_bytes_max = (uint32_t)bytes;
		}
	return SZ_OK;
}

/* --- the run ------------------------------------------------------------------------------ */

static double edge_period(const sim_run *r, uint32_t v);
static uint32_t idle_cap(const sim_run *r, uint32_t v);

static void
node_up(sim_run *r, uint32_t v)
{
	/* the daemon starts (again): every target new, due within a second, no failures counted
	 * (under the fanout what-if, about fanout of them; the others within their period) */
	const sz_sim *s = r->s;
	double k = s->t_off[v + 1] - s->t_off[v], p = edge_period(r, v);
	for (uint32_t e = s->t_off[v]; e < s->t_off[v + 1]; e++) {
		bool soon = s->cfg.fanout == 0 || sz_sim_unit(&r->st) * k < s->cfg.fanout;
		r->fails[e] = 0;
		r->asleep[e] = 0;
		r->streak[e] = (uint8_t)sz_backoff_idle_start(idle_cap(r, v));
		(void)!schedule(r, e, r->now + (uint64_t)(sz_sim_unit(&r->st) * (soon ? START_MS : p)));
	}
}

static double
mean_ms(const sim_run *r, bool online)
{
	const sz_sim_cfg *c = &r->s->cfg;
	double off = 1000.0 * c->offline_s;
	return online ? off * (100 - c->offline_pct) / c->offline_pct : off;
}

static int
churn(sim_run *r, uint32_t v)
{
	r->online[v] = !r->online[v];
	if (r->online[v]) {
		node_up(r, v);
		if (r->published && r->up[v] == UINT64_MAX)
			r->up[v] = r->now - r->pub;
	}
	return hpush(r, r->now + expo_ms(r, mean_ms(r, r->online[v])), (uint32_t)r->s->nedges + v,
	    ++r->ngen[v]);
}

/* How often node v syncs with each of its targets: every period, as the daemon does; under the
 * fanout what-if, every period * targets / fanout, so that about fanout go each period. */
static double
edge_period(const sim_run *r, uint32_t v)
{
	const sz_sim *s = r->s;
	double period = 1000.0 * s->cfg.period_s, k = s->t_off[v + 1] - s->t_off[v];
	return s->cfg.fanout > 0 && k > s->cfg.fanout ? period * k / s->cfg.fanout : period;
}

/* The cap of node v's idle backoff (autosync's idle_cap): a node nobody dials hears of nothing
 * new but by its own syncs. */
static uint32_t
idle_cap(const sim_run *r, uint32_t v)
{
	return r->s->listed[v] ? r->s->cfg.idle_cap : r->s->cfg.idle_cap_unlisted;
}

/* A session over edge e (either side dialling) went through: its idle streak and next time, as
 * autosync's went_through. */
static int
went_through(sim_run *r, uint32_t e, bool moved)
{
	uint32_t v = r->src[e];
	r->fails[e] = 0;
	if (moved)
		r->streak[e] = 0;
	else if (r->streak[e] < SZ_BACKOFF_STREAK_MAX)
		r->streak[e]++;
	return schedule(r, e, r->now + sz_backoff_idle_ms((uint64_t)edge_period(r, v), r->streak[e],
	    idle_cap(r, v), rnd32(r)));
}

/* The other side of a session a began: b's edge to a (if b has a as a target) counts it as its
 * own, as autosync's heard: no longer failing, a pending push stays. */
static int
heard(sim_run *r, uint32_t e, bool moved)
{
	if (e == UINT32_MAX || r->s->cfg.no_heard)
		return SZ_OK;
	bool failing = r->fails[e] > 0;
	uint64_t due = r->due[e];
	int rc = went_through(r, e, moved);
	if (rc == SZ_OK && !failing && due <= r->now + PUSH_MS)
		rc = schedule(r, e, due);
	return rc;
}

static int
edge_due(sim_run *r, uint32_t e)
{
	uint32_t a = r->src[e], b = r->s->t_dst[e];
	if (!r->online[a]) {
		r->asleep[e] = 1; /* woken when a comes back */
		return SZ_OK;
	}
	if (!r->online[b]) {
		if (r->published)
			r->rep->dial_failures++;
		if (r->fails[e] < 30)
			r->fails[e]++;
		return schedule(r, e, r->now + sz_backoff_fail_ms(BACKOFF_MIN_MS, BACKOFF_MAX_MS,
		    r->fails[e], rnd32(r)));
	}
	bool moved;
	int rc = sync_pair(r, e, a, b, &moved);
	if (rc == SZ_OK)
		rc = went_through(r, e, moved);
	if (rc == SZ_OK)
		rc = heard(r, r->rev[e], moved);
	return rc;
}

static uint32_t
online_from(sim_run *r, uint32_t start, int32_t cell)
{
	const sz_sim *s = r->s;
	if (cell < 0) {
		for (uint32_t i = 0; i < s->n; i++)
			if (r->online[(start + i) % s->n])
				return (start + i) % s->n;
		return start; /* nobody online: the author comes online to publish */
	}
	uint32_t lo = s->cell_off[cell], k = s->cell_off[cell + 1] - lo;
	for (uint32_t i = 0; i < k; i++)
		if (r->online[s->cell_mem[lo + (start + i) % k]])
			return s->cell_mem[lo + (start + i) % k];
	return s->cell_mem[lo + start % k];
}

static int
make_envelope(sim_run *r, sim_ritem *it)
{
	uint8_t body[BODY_BYTES], seed[32], pk[32], sk[64], key[32], nonce[24], *entry = NULL;
	size_t elen = 0;
	int rc;
	for (size_t i = 0; i < sizeof body; i++)
		body[i] = (uint8_t)('a' + sz_sim_rand(&r->st) % 26);
	for (size_t i = 0; i < 32; i += 8)
		sz_store_u64(seed + i, sz_sim_rand(&r->st));
	if (it->cell < 0) {
		uint8_t id[32];
		if ((rc = sz_sign_seed_keypair(pk, sk, seed)) == SZ_OK &&
		    (rc = sz_entry_build(&entry, &elen, id, SZ_KIND_LEAFLET, NULL, 0,
		    1800000000000ull + r->now, body, sizeof body, sk)) == SZ_OK)
			rc = sz_env_wrap_public(&it->env, &it->len, entry, elen);
		free(entry);
		sz_wipe(sk, sizeof sk);
	} else {
		memcpy(key, seed, 32);
		for (size_t i = 0; i < 24; i += 8)
			sz_store_u64(nonce + i, sz_sim_rand(&r->st));
		rc = sz_env_seal(&it->env, &it->len, r->s->escope[it->cell], body, sizeof body, key,
		    nonce);
		sz_wipe(key, sizeof key);
	}
	sz_wipe(seed, sizeof seed);
	if (rc == SZ_OK)
		rc = sz_env_id(it->id, it->env, it->len);
	return rc;
}

static int
publish(sim_run *r)
{
	int rc;
	r->pub = r->now;
	r->published = true;
	for (uint32_t v = 0; v < r->s->n; v++)
		r->up[v] = r->online[v] ? 0 : UINT64_MAX;
	for (size_t i = 0; i < r->nit; i++) {
		sim_ritem *it = &r->it[i];
		uint32_t v = online_from(r, (uint32_t)(sz_sim_rand(&r->st) % r->s->n), it->cell);
		if ((rc = make_envelope(r, it)) != SZ_OK)
			return rc;
		if (!r->online[v]) {
			r->online[v] = 1; /* publishing brings its node up */
			r->up[v] = 0;
			node_up(r, v);
		}
		it->author = v;
		it->has[v] = 1;
		it->t[v] = 0;
		it->hop[v] = 0;
		it->reached = 1;
		it->targets = it->cell < 0 ? r->s->n : sz_sim_cell_size(r->s, (uint32_t)it->cell);
		/* the push: every target of the author that is not failing, within a second */
		if ((rc = push(r, v, UINT32_MAX, NULL)) != SZ_OK)
			return rc;
	}
	return SZ_OK;
}

static bool
all_reached(const sim_run *r)
{
	for (size_t i = 0; i < r->nit; i++)
		if (r->it[i].reached < r->it[i].targets)
			return false;
	return true;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* The k-th smallest (1-based) of the n values, or UINT64_MAX if k > n. */
static uint64_t
kth(uint64_t *v, size_t n, size_t k)
{
	if (k == 0 || k > n)
		return UINT64_MAX;
	qsort(v, n, sizeof *v, cmp_u64);
	return v[k - 1];
}

static int
report_item(sim_run *r, const sim_ritem *it, sz_sim_reach *o)
{
	const sz_sim *s = r->s;
	uint32_t *dist = malloc(s->n * sizeof *dist), *queue = malloc(s->n * sizeof *queue);
	uint64_t *v = malloc(s->n * sizeof *v);
	if (dist == NULL || queue == NULL || v == NULL) {
		free(dist);
		free(queue);
		free(v);
		return SZ_ERR_NOMEM;
	}
	memset(o, 0, sizeof *o);
	o->targets = it->targets;
	o->reached = it->reached;
	o->author = it->author;
	o->sessions = it->sessions;
	o->marginal_bytes = (uint64_t)llround(it->marginal);
	(void)sz_sim_bfs(s, it->author, it->cell, dist, queue);
	if (it->cell < 0) {
		o->diameter = s->diameter;
	} else {
		o->diameter = sz_sim_cell_diameter(s, (uint32_t)it->cell, dist, queue);
		o->exact_diameter = true;
		(void)sz_sim_bfs(s, it->author, it->cell, dist, queue);
	}
	size_t k[3] = { (it->targets + 1) / 2, (size_t)ceil(0.99 * it->targets), it->targets };
	double *ts[3] = { &o->t50_s, &o->t99_s, &o->t100_s }, *us[3] = { &o->up50_s, &o->up99_s,
	    &o->up100_s };
	uint32_t *hs[3] = { &o->hop50, &o->hop99, &o->hop100 }, *bs[3] = { &o->bfs50, &o->bfs99,
	    &o->bfs100 };
	size_t m = 0;
	for (uint32_t u = 0; u < s->n; u++) {
		bool target = it->cell < 0 || sz_sim_member(s, u, (uint32_t)it->cell);
		if (it->has[u] && !target)
			o->outsiders++;
		if (it->has[u] && target && it->hop[u] < dist[u])
			o->hop_below_bfs++;
	}
	for (int q = 0; q < 3; q++) {
		m = 0;
		for (uint32_t u = 0; u < s->n; u++)
			if (it->has[u])
				v[m++] = it->t[u];
		uint64_t t = kth(v, m, k[q]);
		*ts[q] = t == UINT64_MAX ? -1.0 : (double)t / 1000.0;
		m = 0;
		for (uint32_t u = 0; u < s->n; u++)
			if (it->cell < 0 || sz_sim_member(s, u, (uint32_t)it->cell))
				v[m++] = r->up[u];
		uint64_t up = kth(v, m, k[q]);
		*us[q] = up == UINT64_MAX ? -1.0 : (double)up / 1000.0;
		m = 0;
		for (uint32_t u = 0; u < s->n; u++)
			if (it->has[u])
				v[m++] = it->hop[u];
		uint64_t h = kth(v, m, k[q]);
		*hs[q] = h == UINT64_MAX ? 0 : (uint32_t)h;
		m = 0;
		for (uint32_t u = 0; u < s->n; u++)
			if ((it->cell < 0 || sz_sim_member(s, u, (uint32_t)it->cell)) && dist[u] != UINT32_MAX)
				v[m++] = dist[u];
		uint64_t b = kth(v, m, k[q]);
		*bs[q] = b == UINT64_MAX ? UINT32_MAX : (uint32_t)b;
	}
	free(dist);
	free(queue);
	free(v);
	return SZ_OK;
}

static void
run_free(sim_run *r)
{
	for (size_t i = 0; i < SZ_SIM_MAX_ITEMS; i++) {
		free(r->it[i].env);
		free(r->it[i].has);
		free(r->it[i].t);
		free(r->it[i].hop);
	}
	free(r->online);
	free(r->up);
	free(r->src);
	free(r->due);
	free(r->gen);
	free(r->ngen);
	free(r->fails);
	free(r->asleep);
	free(r->streak);
	free(r->rev);
	free(r->h);
}

static int
run_init(sim_run *r, sz_sim *s, const sz_sim_item *items, size_t n, sz_sim_report *rep)
{
	memset(r, 0, sizeof *r);
	r->s = s;
	r->rep = rep;
	r->st = s->cfg.seed ^ 0x72756e21ull;
	sz_env_seeded_init(&r->env, s->cfg.seed, 1000);
	size_t ne = s->nedges ? s->nedges : 1;
	r->online = calloc(s->n, 1);
	r->up = calloc(s->n, sizeof *r->up);
	r->ngen = calloc(s->n, sizeof *r->ngen);
	r->src = malloc(ne * sizeof *r->src);
	r->due = calloc(ne, sizeof *r->due);
	r->gen = calloc(ne, sizeof *r->gen);
	r->fails = calloc(ne, 1);
	r->asleep = calloc(ne, 1);
	r->streak = calloc(ne, 1);
	r->rev = malloc(ne * sizeof *r->rev);
	if (r->online == NULL || r->up == NULL || r->ngen == NULL || r->src == NULL || r->due == NULL ||
	    r->gen == NULL || r->fails == NULL || r->asleep == NULL || r->streak == NULL ||
	    r->rev == NULL)
		return SZ_ERR_NOMEM;
	for (uint32_t v = 0; v < s->n; v++)
		for (uint32_t e = s->t_off[v]; e < s->t_off[v + 1]; e++) {
			uint32_t u = s->t_dst[e];
			r->src[e] = v;
			r->rev[e] = UINT32_MAX;
			for (uint32_t f = s->t_off[u]; f < s->t_off[u + 1] && r->rev[e] == UINT32_MAX; f++)
				if (s->t_dst[f] == v)
					r->rev[e] = f;
		}
	r->nit = n;
	for (size_t i = 0; i < n; i++) {
		sim_ritem *it = &r->it[i];
		if (items[i].cell >= (int32_t)s->ncell)
			return SZ_ERR_INVALID;
		it->cell = items[i].cell < 0 ? -1 : items[i].cell;
		it->has = calloc(s->n, 1);
		it->t = calloc(s->n, sizeof *it->t);
		it->hop = calloc(s->n, sizeof *it->hop);
		if (it->has == NULL || it->t == NULL || it->hop == NULL)
			return SZ_ERR_NOMEM;
	}
	return SZ_OK;
}

int
sz_sim_run(sz_sim *s, const sz_sim_item *items, size_t n, sz_sim_report *rep)
{
	sim_run r;
	int rc;
	struct timespec c0, c1;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
	memset(rep, 0, sizeof *rep);
	if (n > SZ_SIM_MAX_ITEMS)
		return SZ_ERR_INVALID;
	if ((rc = run_init(&r, s, items, n, rep)) != SZ_OK || (rc = measure_idle(&r)) != SZ_OK)
		goto out;
	uint64_t period = 1000ull * s->cfg.period_s;
	/* the start: churn in its steady state, each target's next sync anywhere in a period */
	for (uint32_t v = 0; v < s->n; v++) {
		r.online[v] = s->cfg.offline_pct == 0 || sz_sim_rand(&r.st) % 100 >= s->cfg.offline_pct;
		if (s->cfg.offline_pct > 0 && (rc = hpush(&r, expo_ms(&r, mean_ms(&r, r.online[v])),
		    (uint32_t)s->nedges + v, ++r.ngen[v])) != SZ_OK)
			goto out;
		for (uint32_t e = s->t_off[v]; e < s->t_off[v + 1]; e++)
			if ((rc = schedule(&r, e, (uint64_t)(sz_sim_unit(&r.st) * edge_period(&r, v)))) !=
			    SZ_OK)
				goto out;
	}
	uint64_t pub_at = period * s->cfg.warmup_periods;
	uint64_t win_at = pub_at - period * s->cfg.window_periods;
	uint64_t end = pub_at + period * s->cfg.max_periods;
	while (r.hn > 0) {
		r.window = !r.published && r.now >= win_at && s->cfg.window_periods > 0;
		if (!r.published && r.h[0].due >= pub_at) {
			r.now = pub_at;
			if ((rc = publish(&r)) != SZ_OK)
				goto out;
			continue;
		}
		sim_hent h = hpop(&r);
		if (h.due > end)
			break;
		if (h.due > r.now) {
			sz_env_seeded_advance(&r.env, h.due - r.now);
			r.now = h.due;
		}
		if (h.id >= s->nedges) {
			uint32_t v = h.id - (uint32_t)s->nedges;
			if (h.gen == r.ngen[v] && (rc = churn(&r, v)) != SZ_OK)
				goto out;
		} else if (h.gen == r.gen[h.id] && (rc = edge_due(&r, h.id)) != SZ_OK) {
			goto out;
		}
		if (r.published && all_reached(&r))
			break;
	}
	rep->nitems = (uint32_t)n;
	rep->seconds = r.published ? (double)(r.now - r.pub) / 1000.0 : 0;
	rep->refused = r.refused;
	rep->session_errors += r.errors;
	double periods = rep->seconds / (double)s->cfg.period_s;
	if (periods > 0) {
		rep->bytes_per_node_period = (double)rep->bytes / s->n / periods;
		rep->sessions_per_node_period = (double)rep->sessions / s->n / periods;
	}
	rep->window_s = (double)period * s->cfg.window_periods / 1000.0;
	for (uint32_t v = 0; v < s->n; v++)
		rep->nodes_by_listing[s->listed[v] != 0]++;
	if (s->cfg.window_periods > 0) {
		rep->window_bytes_per_node_period = (double)rep->window_bytes / s->n /
		    s->cfg.window_periods;
		rep->window_sessions_per_node_period = (double)rep->window_sessions / s->n /
		    s->cfg.window_periods;
	}
	for (size_t i = 0; i < n && rc == SZ_OK; i++)
		rc = report_item(&r, &r.it[i], &rep->item[i]);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
	rep->cpu_s = (double)(c1.tv_sec - c0.tv_sec) + (c1.tv_nsec - c0.tv_nsec) / 1e9;
out:
	run_free(&r);
	return rc;
}
