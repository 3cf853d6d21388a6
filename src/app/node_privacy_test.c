/*
 * node_privacy_test.c - attacker tests of what a sync reveals and accepts (docs/PROTOCOL.md §8,
 * docs/threat/sync.md), through real nodes and real sync sessions in memory: a removed member's
 * saved device, a prober holding every scope tag it ever saw, a tag holder and a member pushing
 * junk, the quarantine's bounds and expiry, an envelope of an epoch learnt later, a cell's
 * envelopes deleted once its member is out.  Layer: app.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/node_testlib.h"
#include "app/peercost.h"
#include "cell/cell.h"
#include "crypto/crypto.h"
#include "store/scopes.h"
#include "sync/frame.h"
#include "wire/envelope.h"

enum { A, B, C, E, O }; /* A B C members, C removed; E joins after; O in no cell */

static const sz_node_cell *
slot(sz_node *n)
{
	assert_true(n->ncells > 0);
	return &n->cells[0];
}

static void
post(tnet *t, int who, const char *text)
{
	uint8_t id[32];
	assert_int_equal(sz_node_post(t->nd[who], t->cl[who], NULL, (const uint8_t *)text,
	    strlen(text), id), SZ_OK);
}

static size_t
posts(sz_node *n, sz_cell *c)
{
	sz_store_item *items;
	size_t k;
	uint8_t local[16];
	sz_node_cell_local_scope(c, local);
	assert_int_equal(sz_store_list_entries(n->store, local, 0, UINT64_MAX, 0, &items, &k), SZ_OK);
	free(items);
	return k;
}

static void
assert_nothing_crossed(tn_result r)
{
	assert_int_equal(r.ea, SZ_OK);
	assert_int_equal(r.eb, SZ_OK);
	assert_int_equal(r.a.scopes_shared, 1); /* the public leaflets, nothing of any cell */
	assert_int_equal(r.b.scopes_shared, 1);
	assert_int_equal(r.a.received + r.b.received + r.a.sent + r.b.sent, 0);
}

/* What a side saw of its peer: the same whether the peer is the removed member's device or a
 * node in no cell. */
static void
assert_same_view(const sz_sync_stats *x, const sz_sync_stats *o)
{
	assert_int_equal(x->peer_tokens, o->peer_tokens);
	assert_int_equal(x->peer_tokens, SZ_HELLO_MIN_TOKENS);
	assert_int_equal(x->hello_bytes, o->hello_bytes);
	assert_int_equal(x->scopes_shared, o->scopes_shared);
	assert_int_equal(x->received, o->received);
	assert_int_equal(x->sent, o->sent);
}

/* A capitulator's device, copied before his removal with every key it ever held, syncs with an
 * old member, with a member who joined after the removal, and with a member who applied the
 * removal through a sync: nothing of the cell is shared, no envelope moves either way, and
 * each side sees exactly what it sees of a node in no cell. */
static void
test_removed_member_learns_nothing(void **state)
{
	(void)state;
	tnet t;
	char saved[160];
	tn_new(&t, "privacy-removed", 5);
	tn_join(&t, A, B);
	tn_join(&t, A, C);
	tn_mesh(&t, 1u << A | 1u << B | 1u << C);
	post(&t, C, "the leaflets are in the cellar");
	post(&t, A, "meeting on Thursday");
	tn_mesh(&t, 1u << A | 1u << B | 1u << C);
	/* C's device, saved as it is now (the police copy it; C is then removed). */
	snprintf(saved, sizeof saved, "%s/c-saved", t.dir);
	tn_copy(&t, C, saved);
	sz_cell_result res = { 0 };
	assert_int_equal(sz_node_cell_apply(t.nd[A], t.cl[A], sz_cell_remove(t.cl[A],
	    t.nd[C]->id_pk, &res), &res), SZ_OK);
	post(&t, A, "new place: the bakery");
	tn_mesh(&t, 1u << A | 1u << B);
	assert_false(sz_cell_is_member(t.cl[B], t.nd[C]->id_pk));
	tn_join(&t, A, E);
	tn_mesh(&t, 1u << A | 1u << B | 1u << E);
	assert_true(posts(t.nd[E], t.cl[E]) >= 1); /* E reads what was posted after it joined */

	sz_node *x = tn_open(saved);
	/* The saved device still believes it is a member and offers its pair tokens: the attack is
	 * real, not a node that gave up. */
	assert_int_equal(sz_cell_status(slot(x)->cell), SZ_CELL_ACTIVE);
	sz_sync_pair *pairs;
	size_t npairs;
	assert_int_equal(sz_node_offers(x, &pairs, &npairs), SZ_OK);
	assert_int_equal(npairs, 2);
	sz_secret_free(pairs);
	uint64_t held_x = tn_envelopes(x);
	const int targets[] = { A, B, E };
	for (size_t i = 0; i < 3; i++) {
		sz_node *tg = t.nd[targets[i]];
		uint64_t held = tn_envelopes(tg);
		for (int role = 0; role < 2; role++) {
			tn_result rx = role ? tn_sync(tg, x) : tn_sync(x, tg);
			tn_result ro = role ? tn_sync(tg, t.nd[O]) : tn_sync(t.nd[O], tg);
			assert_nothing_crossed(rx);
			assert_nothing_crossed(ro);
			assert_same_view(&rx.a, &ro.a);
			assert_same_view(&rx.b, &ro.b);
		}
		assert_int_equal(tn_envelopes(tg), held);
	}
	assert_int_equal(tn_envelopes(x), held_x);
	/* A member who has not yet applied the removal still matches the removed device (the
	 * window the threat model names): C's own live node still sees B as a member. */
	sz_node_close(x);
	tn_free(&t);
}

/* Every scope tag a prober ever saw (the removed member's store, a relay's view of every
 * envelope, the cell's epochs in the saved state), offered as scope tokens and as pair keys of
 * its own making: a member's node shares nothing with it but the public leaflets. */
static void
test_prober_with_every_tag(void **state)
{
	(void)state;
	tnet t;
	tn_new(&t, "privacy-prober", 5);
	tn_join(&t, A, B);
	tn_mesh(&t, 1u << A | 1u << B);
	post(&t, A, "a post");
	tn_mesh(&t, 1u << A | 1u << B);
	sz_buf tags = { 0 };
	uint8_t pub[16];
	sz_env_public_scope(pub);
	sz_buf_append(&tags, pub, 16);
	for (int who = A; who <= B; who++) {
		uint8_t *sc = NULL;
		size_t k = 0;
		assert_int_equal(sz_store_scopes(t.nd[who]->store, 0, &sc, &k), SZ_OK);
		sz_buf_append(&tags, sc, 16 * k);
		free(sc);
		assert_int_equal(sz_node_cells_scopes(t.nd[who], &tags), SZ_OK);
	}
	size_t ntags = tags.len / 16;
	assert_true(ntags >= 3);
	sz_sync_pair forged[8];
	for (size_t i = 0; i < 8; i++) {
		randombytes_buf(forged[i].key, 32);
		memcpy(forged[i].label, tags.p + 16 * (1 + i % (ntags - 1)), 16);
	}
	for (int role = 0; role < 2; role++) {
		sz_sync_config cp, cm;
		void *mp, *mm;
		assert_int_equal(sz_node_sync_config(t.nd[O], role ? SZ_NOISE_RESPONDER :
		    SZ_NOISE_INITIATOR, &cp, &mp), SZ_OK);
		assert_int_equal(sz_node_sync_config(t.nd[A], role ? SZ_NOISE_INITIATOR :
		    SZ_NOISE_RESPONDER, &cm, &mm), SZ_OK);
		cp.scopes = (const uint8_t(*)[16])tags.p;
		cp.nscopes = ntags;
		cp.pairs = forged;
		cp.npairs = 8;
		uint64_t held = tn_envelopes(t.nd[A]);
		tn_result r = role ? tn_run(&cm, &cp) : tn_run(&cp, &cm);
		assert_nothing_crossed(r);
		assert_int_equal(tn_envelopes(t.nd[A]), held);
		sz_node_sync_config_free(mp);
		sz_node_sync_config_free(mm);
	}
	sz_buf_free(&tags);
	tn_free(&t);
}

/* A peer whose listing is the node's own plus junk: sealed envelopes that open under no key,
 * listed under one label. */
typedef struct junker {
	sz_node *n;
	uint8_t label[16];
	uint8_t *env[128];
	size_t len[128];
	uint8_t id[128][32];
	size_t count;
} junker;

static int
junk_list(void *ctx, const uint8_t label[16], int (*fn)(void *, const uint8_t *), void *fctx)
{
	junker *j = ctx;
	int r = SZ_OK;
	if (memcmp(label, j->label, 16) == 0)
		for (size_t i = 0; i < j->count && r == SZ_OK; i++)
			r = fn(fctx, j->id[i]);
	return r;
}

static int
junk_get(void *ctx, const uint8_t id[32], uint8_t **env, size_t *len)
{
	junker *j = ctx;
	for (size_t i = 0; i < j->count; i++)
		if (memcmp(j->id[i], id, 32) == 0) {
			*env = malloc(j->len[i]);
			memcpy(*env, j->env[i], j->len[i]);
			*len = j->len[i];
			return SZ_OK;
		}
	return SZ_ERR_NOT_FOUND;
}

static int
junk_store(void *ctx, const uint8_t (*shared)[16], size_t nshared, const uint8_t *const *envs,
    const size_t *lens, const uint8_t (*ids)[32], size_t n, int *results)
{
	junker *j = ctx;
	return sz_node_ingest_shared(j->n, shared, nshared, envs, lens, ids, n, results);
}

static void
junk_make(junker *j, sz_node *n, const uint8_t label[16], uint8_t scope[16], size_t count)
{
	memset(j, 0, sizeof *j);
	j->n = n;
	memcpy(j->label, label, 16);
	for (size_t i = 0; i < count; i++) {
		tn_junk(scope, (uint32_t)i, &j->env[i], &j->len[i]);
		assert_int_equal(sz_env_id(j->id[i], j->env[i], j->len[i]), SZ_OK);
	}
	j->count = count;
}

static void
junk_free(junker *j)
{
	for (size_t i = 0; i < j->count; i++)
		free(j->env[i]);
}

/* The session configuration of node n, its listing replaced by the junker's. */
static void
junk_config(junker *j, sz_node *n, sz_noise_role role, sz_sync_config *cfg, void **mem)
{
	assert_int_equal(sz_node_sync_config(n, role, cfg, mem), SZ_OK);
	cfg->hooks.ctx = j;
	cfg->hooks.list_ids = junk_list;
	cfg->hooks.get = junk_get;
	cfg->hooks.store = junk_store;
	cfg->hooks.sketch_get = NULL;
	cfg->hooks.sketch_put = NULL;
	cfg->hooks.sketch_size = NULL;
	cfg->hooks.find_prefix = NULL;
}

static void
assert_none_stored(sz_node *n, const junker *j)
{
	for (size_t i = 0; i < j->count; i++)
		assert_false(tn_has(n, j->id[i]));
}

/* A holder of the cell's current scope tag (a removed member, a relay, a seized device) lists
 * envelopes sealed under it beside the public leaflets: the member's node stores none of them,
 * refuses each, and cuts the session off past 64. */
static void
test_junk_from_a_tag_holder(void **state)
{
	(void)state;
	tnet t;
	uint8_t sc[64][16], pub[16];
	size_t k;
	tn_new(&t, "privacy-junk-tag", 5);
	tn_join(&t, A, B);
	tn_mesh(&t, 1u << A | 1u << B);
	assert_int_equal(sz_cell_scopes(t.cl[A], sc, 64, &k), SZ_OK);
	sz_env_public_scope(pub);
	for (int role = 0; role < 2; role++) {
		for (size_t count = 10; count <= 100; count += 90) {
			junker j;
			sz_sync_config cp, cm;
			void *mp, *mm;
			junk_make(&j, t.nd[O], pub, sc[0], count);
			junk_config(&j, t.nd[O], role ? SZ_NOISE_RESPONDER : SZ_NOISE_INITIATOR, &cp, &mp);
			assert_int_equal(sz_node_sync_config(t.nd[A], role ? SZ_NOISE_INITIATOR :
			    SZ_NOISE_RESPONDER, &cm, &mm), SZ_OK);
			uint64_t held = tn_envelopes(t.nd[A]);
			tn_result r = role ? tn_run(&cm, &cp) : tn_run(&cp, &cm);
			const sz_sync_stats *victim = role ? &r.a : &r.b;
			int verr = role ? r.ea : r.eb;
			assert_int_equal(victim->stored, 0);
			assert_true(victim->rejected > 0);
			if (count > 64) {
				/* cut off at the batch that went past 64 */
				assert_int_equal(verr, SZ_ERR_PEER);
				assert_true(victim->rejected > 64);
			} else {
				assert_int_equal(verr, SZ_OK);
				assert_int_equal(victim->rejected, count);
			}
			assert_int_equal(tn_envelopes(t.nd[A]), held);
			assert_none_stored(t.nd[A], &j);
			sz_node_sync_config_free(mp);
			sz_node_sync_config_free(mm);
			junk_free(&j);
		}
	}
	tn_free(&t);
}

static sz_peercost costs;

static int
cost_ok(void *ctx, const uint8_t pk[32], char *why, size_t whylen)
{
	(void)ctx;
	(void)why;
	(void)whylen;
	return sz_peercost_refused(&costs, pk, 1000) ? SZ_ERR_DENIED : SZ_OK;
}

/* A member's node (pair keys and all) lists, under the cell's label, envelopes of the cell's
 * current scope that do not open: each is refused and not stored, 64 of them cut the session
 * off, and the refusals, charged to the peer's transport key, get its next session refused
 * right after the handshake, before either side says anything. */
static void
test_junk_from_a_member(void **state)
{
	(void)state;
	tnet t;
	uint8_t sc[64][16];
	size_t k;
	tn_new(&t, "privacy-junk-member", 5);
	tn_join(&t, A, B);
	tn_mesh(&t, 1u << A | 1u << B);
	assert_int_equal(sz_cell_scopes(t.cl[B], sc, 64, &k), SZ_OK);
	memset(&costs, 0, sizeof costs);
	for (size_t count = 10; count <= 100; count += 90) {
		junker j;
		sz_sync_config cb, ca;
		void *mb, *ma;
		junk_make(&j, t.nd[B], slot(t.nd[B])->label, sc[0], count);
		junk_config(&j, t.nd[B], SZ_NOISE_INITIATOR, &cb, &mb);
		assert_int_equal(sz_node_sync_config(t.nd[A], SZ_NOISE_RESPONDER, &ca, &ma), SZ_OK);
		uint64_t held = tn_envelopes(t.nd[A]);
		tn_result r = tn_run(&cb, &ca);
		assert_int_equal(r.b.scopes_shared, 2); /* a member: the cell's label is shared */
		assert_int_equal(r.b.stored, 0);
		assert_none_stored(t.nd[A], &j);
		assert_int_equal(tn_envelopes(t.nd[A]), held);
		if (count > 64) {
			assert_int_equal(r.eb, SZ_ERR_PEER);
			assert_true(r.b.rejected > 64);
		} else {
			assert_int_equal(r.eb, SZ_OK);
			assert_int_equal(r.b.rejected, count);
		}
		/* what the daemon does when the session ends */
		uint8_t pk[32];
		assert_int_equal(sz_dh_public(pk, t.nd[B]->tr_sk), SZ_OK);
		sz_peercost_charge(&costs, pk, r.b.rejected, 1000);
		assert_int_equal(sz_peercost_refused(&costs, pk, 1000), count > 64);
		sz_node_sync_config_free(mb);
		sz_node_sync_config_free(ma);
		junk_free(&j);
	}
	/* B's node, honest again, comes back: refused at once by its transport key. */
	sz_sync_config cb, ca;
	void *mb, *ma;
	assert_int_equal(sz_node_sync_config(t.nd[B], SZ_NOISE_INITIATOR, &cb, &mb), SZ_OK);
	assert_int_equal(sz_node_sync_config(t.nd[A], SZ_NOISE_RESPONDER, &ca, &ma), SZ_OK);
	ca.hooks.peer_ok = cost_ok;
	tn_result r = tn_run(&cb, &ca);
	assert_int_equal(r.eb, SZ_ERR_DENIED);
	assert_int_equal(r.b.peer_tokens, 0); /* no HELLO was read */
	assert_int_equal(r.a.peer_tokens, 0); /* and none was sent */
	assert_int_equal(r.a.received + r.b.received, 0);
	sz_node_sync_config_free(mb);
	sz_node_sync_config_free(ma);
	/* O, another key, is served. */
	r = tn_sync(t.nd[O], t.nd[A]);
	assert_int_equal(r.ea, SZ_OK);
	tn_free(&t);
}

/* Envelopes of scopes no cell of the node owns, from a peer that shares a cell's label: kept in
 * the quarantine, offered to nobody, at most 4,096 (the oldest go), none past 30 days, and the
 * bound survives a restart. */
static void
test_quarantine_bounds(void **state)
{
	(void)state;
	tnet t;
	tn_new(&t, "privacy-quarantine", 2);
	tn_join(&t, A, B);
	tn_mesh(&t, 1u << A | 1u << B);
	const uint8_t(*label)[16] = (const uint8_t(*)[16])slot(t.nd[A])->label;
	size_t count;
	uint64_t bytes;
	enum { EXTRA = 100, BATCH = 256 };
	size_t total = SZ_QUAR_MAX_ENVELOPES + EXTRA;
	uint8_t (*ids)[32] = calloc(total, 32);
	uint64_t held = tn_envelopes(t.nd[A]);
	for (size_t base = 0; base < total; base += BATCH) {
		uint8_t *envs[BATCH];
		size_t lens[BATCH];
		int res[BATCH];
		size_t k = total - base < BATCH ? total - base : BATCH;
		for (size_t i = 0; i < k; i++) {
			uint8_t scope[16];
			randombytes_buf(scope, 16);
			tn_junk(scope, (uint32_t)(base + i), &envs[i], &lens[i]);
			assert_int_equal(sz_env_id(ids[base + i], envs[i], lens[i]), SZ_OK);
		}
		assert_int_equal(sz_node_ingest_shared(t.nd[A], label, 1, (const uint8_t *const *)envs,
		    lens, NULL, k, res), SZ_OK);
		for (size_t i = 0; i < k; i++) {
			assert_int_equal(res[i], SZ_OK);
			free(envs[i]);
		}
	}
	assert_int_equal(sz_node_quar_stats(t.nd[A], &count, &bytes), SZ_OK);
	assert_int_equal(count, SZ_QUAR_MAX_ENVELOPES);
	assert_int_equal(tn_envelopes(t.nd[A]), held + SZ_QUAR_MAX_ENVELOPES);
	for (size_t i = 0; i < total; i++)
		assert_int_equal(tn_has(t.nd[A], ids[i]), i >= EXTRA);
	/* Nothing quarantined is offered: a member's session lists none of it. */
	tn_result r = tn_sync(t.nd[B], t.nd[A]);
	assert_int_equal(r.ea, SZ_OK);
	assert_int_equal(r.a.received, 0);
	/* The same after a restart (rebuilt from the store). */
	tn_reopen(&t, A);
	size_t count2;
	uint64_t bytes2;
	assert_int_equal(sz_node_quar_stats(t.nd[A], &count2, &bytes2), SZ_OK);
	assert_int_equal(count2, count);
	assert_int_equal(bytes2, bytes);
	/* Thirty days on the node's clock, and they are gone. */
	sz_env_seeded clock;
	sz_env_seeded_init(&clock, 7, sz_now_ms(t.nd[A]->env));
	const sz_env *real = t.nd[A]->env;
	t.nd[A]->env = &clock.env;
	sz_env_seeded_advance(&clock, SZ_QUAR_MAX_AGE_MS - 3600 * 1000);
	assert_int_equal(sz_node_quar_sweep(t.nd[A]), SZ_OK);
	assert_int_equal(sz_node_quar_stats(t.nd[A], &count2, &bytes2), SZ_OK);
	assert_int_equal(count2, SZ_QUAR_MAX_ENVELOPES);
	sz_env_seeded_advance(&clock, 2 * 3600 * 1000);
	assert_int_equal(sz_node_quar_sweep(t.nd[A]), SZ_OK);
	assert_int_equal(sz_node_quar_stats(t.nd[A], &count2, &bytes2), SZ_OK);
	assert_int_equal(count2, 0);
	assert_int_equal(bytes2, 0);
	assert_int_equal(tn_envelopes(t.nd[A]), held);
	t.nd[A]->env = real;
	free(ids);
	tn_free(&t);
}

/* The quarantine's byte bound: 64 MiB of the largest envelopes. */
static void
test_quarantine_bytes(void **state)
{
	(void)state;
	tnet t;
	tn_new(&t, "privacy-quarantine-bytes", 1);
	size_t count;
	uint64_t bytes;
	size_t n = SZ_QUAR_MAX_BYTES / 131072 + 8;
	uint8_t *body = malloc(131072), key[32] = { 1 }, nonce[24] = { 0 };
	for (size_t i = 0; i < n; i++) {
		uint8_t scope[16], *env;
		size_t len;
		randombytes_buf(scope, 16);
		randombytes_buf(body, 64);
		sz_store_u32(nonce, (uint32_t)i);
		assert_int_equal(sz_env_seal(&env, &len, scope, body, 131072 - 200, key, nonce), SZ_OK);
		const uint8_t *e = env;
		int res;
		assert_int_equal(sz_node_ingest(t.nd[A], &e, &len, 1, &res), SZ_OK);
		assert_int_equal(res, SZ_OK);
		free(env);
	}
	assert_int_equal(sz_node_quar_stats(t.nd[A], &count, &bytes), SZ_OK);
	assert_true(bytes <= SZ_QUAR_MAX_BYTES);
	assert_true(bytes > SZ_QUAR_MAX_BYTES - 131072);
	assert_true(count < n);
	free(body);
	tn_free(&t);
}

/* A behind member gets an envelope of an epoch it has not learnt yet before the update that
 * teaches it: quarantined, then opened once the epoch is learnt; and through a session, a
 * member several updates behind catches up in one go (members match whatever their epochs);
 * after which the two are level: nothing is sent again and again. */
static void
test_epoch_learnt_later(void **state)
{
	(void)state;
	tnet t;
	uint8_t old[64][16], now[64][16];
	size_t kold, know;
	size_t count;
	uint64_t bytes;
	tn_new(&t, "privacy-epoch", 2);
	tn_join(&t, A, B);
	tn_mesh(&t, 1u << A | 1u << B);
	assert_int_equal(sz_cell_scopes(t.cl[A], old, 64, &kold), SZ_OK);
	sz_cell_result res = { 0 };
	assert_int_equal(sz_node_cell_apply(t.nd[A], t.cl[A], sz_cell_update(t.cl[A], &res), &res),
	    SZ_OK);
	post(&t, A, "sealed under the new epoch");
	assert_int_equal(sz_cell_scopes(t.cl[A], now, 64, &know), SZ_OK);
	assert_true(memcmp(now[0], old[0], 16) != 0);
	assert_false(sz_cell_owns(t.cl[B], now[0]));
	/* what B lacks, the new epoch's first */
	const uint8_t(*label)[16] = (const uint8_t(*)[16])slot(t.nd[B])->label;
	size_t before = posts(t.nd[B], t.cl[B]), early;
	/* (what B holds in quarantine already: envelopes of epochs from before it joined) */
	assert_int_equal(sz_node_quar_stats(t.nd[B], &early, &bytes), SZ_OK);
	size_t waiting = early;
	for (int pass = 0; pass < 2; pass++)
		for (size_t s = 0; s < know; s++) {
			if ((memcmp(now[s], now[0], 16) == 0) != (pass == 0))
				continue;
			sz_store_item *items;
			size_t k;
			assert_int_equal(sz_store_list_envelopes(t.nd[A]->store, now[s], 0, UINT64_MAX, 0,
			    &items, &k), SZ_OK);
			for (size_t i = 0; i < k; i++) {
				uint8_t *env;
				size_t len;
				int r;
				if (tn_has(t.nd[B], items[i].id))
					continue;
				assert_int_equal(sz_store_get_envelope(t.nd[A]->store, items[i].id, &env, &len),
				    SZ_OK);
				const uint8_t *e = env;
				assert_int_equal(sz_node_ingest_shared(t.nd[B], label, 1, &e, &len, NULL, 1, &r),
				    SZ_OK);
				free(env);
				if (r == SZ_ERR_EXISTS)
					continue; /* declined before: an op B had in its welcome */
				assert_int_equal(r, SZ_OK);
				if (pass == 0) {
					assert_int_equal(sz_node_quar_stats(t.nd[B], &count, &bytes), SZ_OK);
					assert_int_equal(count, ++early);
					assert_int_equal(posts(t.nd[B], t.cl[B]), before);
				}
			}
			free(items);
		}
	assert_true(early > waiting);
	assert_true(sz_cell_owns(t.cl[B], now[0]));
	assert_int_equal(sz_node_quar_stats(t.nd[B], &count, &bytes), SZ_OK);
	assert_int_equal(count, waiting);
	assert_int_equal(posts(t.nd[B], t.cl[B]), before + 1);
	/* Three more updates and posts while B is away; one session brings B level. */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(sz_node_cell_apply(t.nd[A], t.cl[A], sz_cell_update(t.cl[A], &res),
		    &res), SZ_OK);
		post(&t, A, "and again");
	}
	tn_result r = tn_sync(t.nd[B], t.nd[A]);
	assert_int_equal(r.ea, SZ_OK);
	assert_int_equal(r.a.scopes_shared, 2);
	assert_int_equal(posts(t.nd[B], t.cl[B]), before + 4);
	assert_int_equal(sz_node_quar_stats(t.nd[B], &count, &bytes), SZ_OK);
	assert_int_equal(count, waiting);
	/* What B declined (ops it had in its welcome) and holds in quarantine (epochs from before it
	 * joined) is listed, not held: the next session moves nothing, either way. */
	const uint8_t (*declined)[32];
	size_t ndec;
	assert_int_equal(sz_node_cell_declined(t.nd[B], slot(t.nd[B])->label, &declined, &ndec),
	    SZ_OK);
	assert_true(ndec > 0);
	for (int role = 0; role < 2; role++) {
		r = role ? tn_sync(t.nd[A], t.nd[B]) : tn_sync(t.nd[B], t.nd[A]);
		assert_int_equal(r.ea, SZ_OK);
		assert_int_equal(r.eb, SZ_OK);
		assert_int_equal(r.a.received + r.b.received + r.a.sent + r.b.sent, 0);
	}
	tn_free(&t);
}

/* A member's node that learns it was removed wipes the cell's keys at once (what it read stays
 * readable, nothing new opens) and parts like a leaver: for a week it still matches the members
 * who have not heard of the removal, and carries the removal (and its farewell, §6.10) to them;
 * a member who applied it no longer matches it.  Then the cell's sealed envelopes leave its
 * store and it offers nothing of the cell. */
static void
test_out_of_the_cell(void **state)
{
	(void)state;
	tnet t;
	uint8_t sc[64][16];
	size_t k;
	tn_new(&t, "privacy-out", 3);
	tn_join(&t, A, B);
	tn_join(&t, A, C);
	tn_mesh(&t, 1u << A | 1u << B | 1u << C);
	post(&t, A, "one");
	post(&t, B, "two");
	tn_mesh(&t, 1u << A | 1u << B | 1u << C);
	size_t read = posts(t.nd[C], t.cl[C]);
	assert_true(read >= 2);
	assert_int_equal(sz_cell_scopes(t.cl[C], sc, 64, &k), SZ_OK);
	sz_env_seeded clock;
	sz_env_seeded_init(&clock, 11, sz_now_ms(t.nd[C]->env));
	t.nd[C]->env = &clock.env;
	sz_cell_result res = { 0 };
	assert_int_equal(sz_node_cell_apply(t.nd[A], t.cl[A], sz_cell_remove(t.cl[A],
	    t.nd[C]->id_pk, &res), &res), SZ_OK);
	post(&t, A, "after");
	/* the removal reaches C (a courier, or a member in the window) */
	sz_store_item *items;
	size_t n;
	uint8_t *all;
	size_t nall;
	assert_int_equal(sz_node_scopes(t.nd[A], &all, &nall), SZ_OK);
	for (size_t s = 0; s < nall && sz_cell_status(t.cl[C]) == SZ_CELL_ACTIVE; s++) {
		assert_int_equal(sz_store_list_envelopes(t.nd[A]->store, all + 16 * s, 0, UINT64_MAX, 0,
		    &items, &n), SZ_OK);
		for (size_t i = 0; i < n && sz_cell_status(t.cl[C]) == SZ_CELL_ACTIVE; i++) {
			uint8_t *env;
			size_t len;
			if (tn_has(t.nd[C], items[i].id))
				continue;
			assert_int_equal(sz_store_get_envelope(t.nd[A]->store, items[i].id, &env, &len),
			    SZ_OK);
			const uint8_t *e = env;
			assert_int_equal(sz_node_ingest(t.nd[C], &e, &len, 1, NULL), SZ_OK);
			free(env);
		}
		free(items);
	}
	free(all);
	assert_int_equal(sz_cell_status(t.cl[C]), SZ_CELL_REMOVED);
	assert_true(sz_cell_is_member(t.cl[B], t.nd[C]->id_pk));
	/* A applied the removal: C matches nothing of A's but the public label. */
	tn_result r = tn_sync(t.nd[C], t.nd[A]);
	assert_int_equal(r.ea, SZ_OK);
	assert_int_equal(r.a.scopes_shared, 1);
	/* B has not heard: C still matches it and carries the removal to it. */
	r = tn_sync(t.nd[C], t.nd[B]);
	assert_int_equal(r.ea, SZ_OK);
	assert_int_equal(r.a.scopes_shared, 2);
	assert_false(sz_cell_is_member(t.cl[B], t.nd[C]->id_pk));
	r = tn_sync(t.nd[C], t.nd[B]);
	assert_int_equal(r.a.scopes_shared, 1);
	/* What C read stays readable; what came after the removal does not open. */
	tn_mesh(&t, 1u << A | 1u << B);
	assert_int_equal(posts(t.nd[C], t.cl[C]), read);
	/* A week on, C's node lets the cell go. */
	sz_env_seeded_advance(&clock, SZ_NODE_PARTING_MS + 1000);
	r = tn_sync(t.nd[C], t.nd[B]);
	assert_int_equal(r.a.scopes_shared, 1);
	for (size_t s = 0; s < k; s++) {
		assert_int_equal(sz_store_list_envelopes(t.nd[C]->store, sc[s], 0, UINT64_MAX, 0, &items,
		    &n), SZ_OK);
		free(items);
		assert_int_equal(n, 0);
	}
	assert_int_equal(posts(t.nd[C], t.cl[C]), read);
	sz_sync_pair *pairs;
	size_t npairs;
	assert_int_equal(sz_node_offers(t.nd[C], &pairs, &npairs), SZ_OK);
	assert_int_equal(npairs, 0);
	sz_secret_free(pairs);
	t.nd[C]->env = sz_env_default();
	tn_free(&t);
}

/* A member who leaves: the leave still reaches the others by sync (for a parting week the
 * leaver's node matches the members who have not heard, and carries what it held), then the
 * cell's envelopes leave its store and it offers nothing of the cell. */
static void
test_leaving(void **state)
{
	(void)state;
	tnet t;
	uint8_t sc[64][16];
	size_t k;
	tn_new(&t, "privacy-leave", 3);
	tn_join(&t, A, B);
	tn_join(&t, A, C);
	tn_mesh(&t, 1u << A | 1u << B | 1u << C);
	post(&t, B, "see you");
	tn_mesh(&t, 1u << A | 1u << B | 1u << C);
	assert_int_equal(sz_cell_scopes(t.cl[C], sc, 64, &k), SZ_OK);
	sz_env_seeded clock;
	sz_env_seeded_init(&clock, 9, sz_now_ms(t.nd[C]->env));
	t.nd[C]->env = &clock.env;
	sz_cell_result res = { 0 };
	assert_int_equal(sz_node_cell_apply(t.nd[C], t.cl[C], sz_cell_leave(t.cl[C], &res), &res),
	    SZ_OK);
	assert_int_equal(sz_cell_status(t.cl[C]), SZ_CELL_LEFT);
	assert_true(sz_cell_is_member(t.cl[A], t.nd[C]->id_pk));
	tn_result r = tn_sync(t.nd[C], t.nd[A]);
	assert_int_equal(r.ea, SZ_OK);
	assert_int_equal(r.a.scopes_shared, 2);
	assert_true(r.a.sent > 0);
	assert_false(sz_cell_is_member(t.cl[A], t.nd[C]->id_pk));
	/* A applied the leave: C no longer matches A, but B who has not heard still does. */
	r = tn_sync(t.nd[C], t.nd[A]);
	assert_int_equal(r.a.scopes_shared, 1);
	r = tn_sync(t.nd[C], t.nd[B]);
	assert_int_equal(r.a.scopes_shared, 2);
	assert_false(sz_cell_is_member(t.cl[B], t.nd[C]->id_pk));
	/* A week on, C's node lets the cell go. */
	sz_store_item *items;
	size_t n;
	assert_int_equal(sz_store_list_envelopes(t.nd[C]->store, sc[0], 0, UINT64_MAX, 0, &items, &n),
	    SZ_OK);
	free(items);
	assert_true(n > 0);
	sz_env_seeded_advance(&clock, SZ_NODE_PARTING_MS + 1000);
	r = tn_sync(t.nd[C], t.nd[B]);
	assert_int_equal(r.a.scopes_shared, 1);
	for (size_t s = 0; s < k; s++) {
		assert_int_equal(sz_store_list_envelopes(t.nd[C]->store, sc[s], 0, UINT64_MAX, 0, &items,
		    &n), SZ_OK);
		free(items);
		assert_int_equal(n, 0);
	}
	sz_sync_pair *pairs;
	size_t npairs;
	assert_int_equal(sz_node_offers(t.nd[C], &pairs, &npairs), SZ_OK);
	assert_int_equal(npairs, 0);
	sz_secret_free(pairs);
	t.nd[C]->env = sz_env_default();
	tn_free(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_removed_member_learns_nothing),
		cmocka_unit_test(test_prober_with_every_tag),
		cmocka_unit_test(test_junk_from_a_tag_holder),
		cmocka_unit_test(test_junk_from_a_member),
		cmocka_unit_test(test_quarantine_bounds),
		cmocka_unit_test(test_quarantine_bytes),
		cmocka_unit_test(test_epoch_learnt_later),
		cmocka_unit_test(test_out_of_the_cell),
		cmocka_unit_test(test_leaving),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
