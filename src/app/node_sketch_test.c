/*
 * node_sketch_test.c - the sketches a node keeps for sync sessions: built once, lent to
 * sessions (which then never walk the ids), kept equal to a sketch built afresh from the store
 * as envelopes arrive, held back while lent (its walks of the store and its checks leave the
 * new ids out until it comes back), holding no ids, and freed with the node; a sketch over a cell's sync label holds every epoch's
 * envelopes, one learnt later included.  Real nodes and real sessions in memory.  Layer: app.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/node_int.h"
#include "app/node_testlib.h"
#include "cell/cell.h"
#include "crypto/crypto.h"
#include "recon/riblt.h"
#include "recon/riblt_wire.h"
#include "store/scopes.h"
#include "sync/frame.h"
#include "wire/envelope.h"

static char dir[TN_DIR_BYTES];
static sz_node *nd[2];

static int
setup(void **state)
{
	(void)state;
	if (tn_nodes(dir, "node-sketch", nd, 2) != 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	tn_nodes_free(dir, nd, 2);
	return 0;
}

static void
publish(int who, int from, int to)
{
	for (int k = from; k < to; k++) {
		char text[64];
		uint8_t id[32];
		snprintf(text, sizeof text, "leaflet %d of node %c", k, 'a' + who);
		assert_int_equal(sz_node_leaflet_publish(nd[who], (const uint8_t *)text, strlen(text), id),
		    SZ_OK);
	}
}

static uint64_t
envelopes(int who)
{
	uint64_t e, n;
	assert_int_equal(sz_store_counts(nd[who]->store, &e, &n), SZ_OK);
	return e;
}

/* One session, a initiating, bytes moved in memory until both end. */
static void
sync_pair(int a, int b, sz_sync_stats *sa, sz_sync_stats *sb)
{
	sz_sync_config ca, cb;
	void *scopes_a, *scopes_b;
	assert_int_equal(sz_node_sync_config(nd[a], SZ_NOISE_INITIATOR, &ca, &scopes_a), SZ_OK);
	assert_int_equal(sz_node_sync_config(nd[b], SZ_NOISE_RESPONDER, &cb, &scopes_b), SZ_OK);
	ca.salted_one_in = cb.salted_one_in = 1u << 30; /* never an audit here */
	ca.compact = -1; /* the initiator picks: the kept sketch, not compact symbols, for these
	                  * small sets */
	tn_result r = tn_run(&ca, &cb);
	sz_node_sync_config_free(scopes_a);
	sz_node_sync_config_free(scopes_b);
	assert_int_equal(r.ea, SZ_OK);
	assert_int_equal(r.eb, SZ_OK);
	*sa = r.a;
	*sb = r.b;
}

/* The unsalted key of a session over the public scope alone (docs/PROTOCOL.md §8). */
static void
public_key(uint8_t scope[SZ_SCOPE_BYTES], uint8_t key[SZ_RIBLT_KEY_BYTES])
{
	static const char label[] = "samizdat sync riblt v1";
	uint8_t msg[sizeof label - 1 + SZ_SCOPE_BYTES], secret[32];
	sz_env_public_scope(scope);
	memcpy(msg, label, sizeof label - 1);
	memcpy(msg + sizeof label - 1, scope, SZ_SCOPE_BYTES);
	assert_int_equal(sz_blake2b(secret, 32, msg, sizeof msg, NULL, 0), SZ_OK);
	assert_int_equal(sz_riblt_scope_key(key, secret, NULL), SZ_OK);
}

/* The node's kept sketch equals one built from its store now: same items, same cells. */
static void
assert_kept_is_fresh(int who)
{
	uint8_t scope[SZ_SCOPE_BYTES], key[SZ_RIBLT_KEY_BYTES];
	public_key(scope, key);
	sz_riblt_sketch *kept, *fresh;
	assert_int_equal(sz_node_sketch_get(nd[who], (const uint8_t(*)[SZ_SCOPE_BYTES])scope, 1, key,
	    &kept), SZ_OK);
	assert_int_equal(sz_riblt_sketch_new(&fresh, SZ_RIBLT_ID_SYMBOL_BYTES, key, 256), SZ_OK);
	sz_store_item *items;
	size_t n;
	assert_int_equal(sz_store_list_envelopes(nd[who]->store, scope, 0, UINT64_MAX, 0, &items, &n),
	    SZ_OK);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(sz_riblt_sketch_add(fresh, items[i].id), SZ_OK);
	free(items);
	assert_int_equal(sz_riblt_sketch_size(kept), n);
	assert_int_equal(sz_riblt_sketch_reserve(kept, 256), SZ_OK);
	for (size_t i = 0; i < 256; i++) {
		uint8_t s1[20], s2[20];
		uint64_t h1, h2;
		int64_t c1, c2;
		assert_int_equal(sz_riblt_sketch_cell(kept, i, s1, &h1, &c1), SZ_OK);
		assert_int_equal(sz_riblt_sketch_cell(fresh, i, s2, &h2, &c2), SZ_OK);
		assert_memory_equal(s1, s2, 20);
		assert_true(h1 == h2 && c1 == c2);
	}
	sz_riblt_sketch_free(fresh);
	sz_node_sketch_put(nd[who], kept);
}

static void
test_kept_and_lent(void **state)
{
	(void)state;
	sz_sync_stats sa, sb;
	publish(0, 0, 300);
	publish(1, 0, 20);
	sync_pair(0, 1, &sa, &sb);
	assert_int_equal(sa.method, SZ_RECON_RIBLT);
	assert_int_equal(sa.sent, 300);
	assert_int_equal(sb.sent, 20);
	/* The sessions were lent the nodes' sketches: neither walked the ids itself. */
	assert_int_equal(sa.ids_sketched + sb.ids_sketched, 0);
	assert_int_equal(envelopes(0), 320);
	assert_int_equal(envelopes(1), 320);
	/* What each received (and made since) went into its kept sketch. */
	publish(0, 300, 303);
	publish(1, 20, 25);
	assert_kept_is_fresh(0);
	assert_kept_is_fresh(1);
	sync_pair(1, 0, &sb, &sa);
	assert_int_equal(sa.sent, 3);
	assert_int_equal(sb.sent, 5);
	assert_int_equal(sa.ids_sketched + sb.ids_sketched, 0);
	assert_int_equal(sa.ids_local, 323); /* counted from the lent sketch, before the transfer */
	assert_kept_is_fresh(0);

	/* Lent while envelopes arrive: the kept sketch does not change under its borrowers, nor
	 * does what it stands for (its walks of the store and its checks leave the new ids out);
	 * a later borrower gets it as it is; all of it goes in when the last gives it back. */
	uint8_t scope[SZ_SCOPE_BYTES], key[SZ_RIBLT_KEY_BYTES];
	public_key(scope, key);
	const uint8_t(*sc)[SZ_SCOPE_BYTES] = (const uint8_t(*)[SZ_SCOPE_BYTES])scope;
	sz_riblt_sketch *first, *second, *third, *snap;
	assert_int_equal(sz_node_sketch_get(nd[0], sc, 1, key, &first), SZ_OK);
	assert_true(sz_riblt_sketch_sourced(first)); /* it holds no ids */
	assert_true(sz_riblt_sketch_mem(first) < 200u << 10);
	uint64_t gen = sz_riblt_sketch_generation(first);
	size_t before = sz_riblt_sketch_size(first);
	assert_int_equal(sz_node_sketch_get(nd[0], sc, 1, key, &second), SZ_OK);
	assert_ptr_equal(first, second); /* shared */
	assert_int_equal(sz_riblt_sketch_new(&snap, SZ_RIBLT_ID_SYMBOL_BYTES, key, 64), SZ_OK);
	sz_store_item *items;
	size_t n;
	assert_int_equal(sz_store_list_envelopes(nd[0]->store, scope, 0, UINT64_MAX, 0, &items, &n),
	    SZ_OK);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(sz_riblt_sketch_add(snap, items[i].id), SZ_OK);
	free(items);
	publish(0, 400, 410);
	assert_int_equal(sz_riblt_sketch_generation(first), gen);
	assert_int_equal(sz_riblt_sketch_size(first), before);
	assert_int_equal(sz_node_sketch_get(nd[0], sc, 1, key, &third), SZ_OK);
	assert_ptr_equal(third, first);
	/* Past K (a walk of the store) it still describes the set it was lent with; the new ids
	 * are not "held" by it. */
	assert_int_equal(sz_riblt_sketch_reserve(first, 2 * SZ_RIBLT_DEFAULT_CELLS), SZ_OK);
	assert_int_equal(sz_riblt_sketch_reserve(snap, 2 * SZ_RIBLT_DEFAULT_CELLS), SZ_OK);
	for (size_t i = SZ_RIBLT_DEFAULT_CELLS - 10; i < 2 * SZ_RIBLT_DEFAULT_CELLS; i++) {
		uint8_t s1[20], s2[20];
		uint64_t h1, h2;
		int64_t c1, c2;
		assert_int_equal(sz_riblt_sketch_cell(first, i, s1, &h1, &c1), SZ_OK);
		assert_int_equal(sz_riblt_sketch_cell(snap, i, s2, &h2, &c2), SZ_OK);
		assert_memory_equal(s1, s2, 20);
		assert_true(h1 == h2 && c1 == c2);
	}
	assert_int_equal(sz_store_list_envelopes(nd[0]->store, scope, 0, UINT64_MAX, 0, &items, &n),
	    SZ_OK);
	size_t newer = 0;
	for (size_t i = 0; i < n; i++) {
		bool in_kept = false;
		assert_int_equal(sz_riblt_sketch_holds(first, items[i].id, &in_kept), SZ_OK);
		newer += !in_kept;
		assert_true(in_kept == sz_riblt_sketch_contains(snap, items[i].id));
	}
	assert_int_equal(newer, 10);
	free(items);
	sz_riblt_sketch_free(snap);
	sz_node_sketch_put(nd[0], third);
	sz_node_sketch_put(nd[0], second);
	assert_int_equal(sz_riblt_sketch_size(first), before); /* still lent once */
	sz_node_sketch_put(nd[0], first);
	assert_kept_is_fresh(0);
	/* A sketch built for one session (a salted one) is the same set, and its own. */
	assert_int_equal(sz_node_sketch_build(nd[0], sc, 1, key, &third), SZ_OK);
	assert_ptr_not_equal(third, first);
	assert_int_equal(sz_riblt_sketch_size(third), before + 10);
	sz_riblt_sketch_free(third);
	/* Scopes out of order are refused (the session always sorts them). */
	uint8_t two[2][SZ_SCOPE_BYTES];
	memset(two[0], 0xff, SZ_SCOPE_BYTES);
	memset(two[1], 0x00, SZ_SCOPE_BYTES);
	assert_int_equal(sz_node_sketch_get(nd[0], (const uint8_t(*)[SZ_SCOPE_BYTES])two, 2, key,
	    &third), SZ_ERR_INVALID);
}

/* The unsalted key of a session over sorted labels. */
static void
labels_key(const uint8_t (*labels)[16], size_t n, uint8_t key[SZ_RIBLT_KEY_BYTES])
{
	static const char text[] = "samizdat sync riblt v1";
	uint8_t msg[sizeof text - 1 + 2 * 16], secret[32];
	memcpy(msg, text, sizeof text - 1);
	memcpy(msg + sizeof text - 1, labels, 16 * n);
	assert_int_equal(sz_blake2b(secret, 32, msg, sizeof text - 1 + 16 * n, NULL, 0), SZ_OK);
	assert_int_equal(sz_riblt_scope_key(key, secret, NULL), SZ_OK);
}

static int
add_fresh(void *ctx, const uint8_t id[32])
{
	int r = sz_riblt_sketch_add(ctx, id);
	return r == SZ_ERR_EXISTS ? SZ_OK : r;
}

/* A kept sketch over the public scope and a cell's label holds what the node lists under them:
 * the public envelopes, the envelopes of every epoch the cell keeps (one learnt after the sketch
 * was built included), what the cell declined, what the quarantine holds under the label. */
static void
assert_labels_fresh(sz_node *n, const uint8_t (*labels)[16])
{
	uint8_t key[SZ_RIBLT_KEY_BYTES];
	labels_key(labels, 2, key);
	sz_riblt_sketch *kept, *fresh;
	assert_int_equal(sz_node_sketch_get(n, labels, 2, key, &kept), SZ_OK);
	assert_int_equal(sz_riblt_sketch_new(&fresh, SZ_RIBLT_ID_SYMBOL_BYTES, key, 256), SZ_OK);
	for (int l = 0; l < 2; l++) {
		uint8_t sc[64][16];
		size_t k = 0;
		assert_int_equal(sz_node_label_scopes(n, labels[l], sc, 64, &k), SZ_OK);
		for (size_t s = 0; s < k; s++) {
			sz_store_item *items;
			size_t m;
			assert_int_equal(sz_store_list_envelopes(n->store, sc[s], 0, UINT64_MAX, 0, &items,
			    &m), SZ_OK);
			for (size_t i = 0; i < m; i++)
				assert_int_equal(add_fresh(fresh, items[i].id), SZ_OK);
			free(items);
		}
		const uint8_t (*declined)[32];
		size_t ndec;
		assert_int_equal(sz_node_cell_declined(n, labels[l], &declined, &ndec), SZ_OK);
		for (size_t i = 0; i < ndec; i++)
			assert_int_equal(add_fresh(fresh, declined[i]), SZ_OK);
		assert_int_equal(sz_node_quar_listed(n, labels[l], add_fresh, fresh), SZ_OK);
	}
	assert_int_equal(sz_riblt_sketch_size(kept), sz_riblt_sketch_size(fresh));
	assert_int_equal(sz_riblt_sketch_reserve(kept, 256), SZ_OK);
	for (size_t i = 0; i < 256; i++) {
		uint8_t s1[20], s2[20];
		uint64_t h1, h2;
		int64_t c1, c2;
		assert_int_equal(sz_riblt_sketch_cell(kept, i, s1, &h1, &c1), SZ_OK);
		assert_int_equal(sz_riblt_sketch_cell(fresh, i, s2, &h2, &c2), SZ_OK);
		assert_memory_equal(s1, s2, 20);
		assert_true(h1 == h2 && c1 == c2);
	}
	sz_riblt_sketch_free(fresh);
	sz_node_sketch_put(n, kept);
}

static void
test_cell_label(void **state)
{
	(void)state;
	tnet t;
	uint8_t labels[2][16], id[32];
	tn_new(&t, "sketch-label", 2);
	tn_join(&t, 0, 1);
	tn_mesh(&t, 3);
	sz_env_public_scope(labels[0]);
	memcpy(labels[1], t.nd[1]->cells[0].label, 16);
	if (memcmp(labels[0], labels[1], 16) > 0) {
		uint8_t tmp[16];
		memcpy(tmp, labels[0], 16);
		memcpy(labels[0], labels[1], 16);
		memcpy(labels[1], tmp, 16);
	}
	const uint8_t (*lb)[16] = (const uint8_t(*)[16])labels;
	assert_labels_fresh(t.nd[1], lb); /* built */
	/* a post, an update (a new epoch) and a post under it, a leaflet: all through a session */
	assert_int_equal(sz_node_post(t.nd[0], t.cl[0], NULL, (const uint8_t *)"one", 3, id), SZ_OK);
	sz_cell_result res = { 0 };
	assert_int_equal(sz_node_cell_apply(t.nd[0], t.cl[0], sz_cell_update(t.cl[0], &res), &res),
	    SZ_OK);
	assert_int_equal(sz_node_post(t.nd[0], t.cl[0], NULL, (const uint8_t *)"two", 3, id), SZ_OK);
	assert_int_equal(sz_node_leaflet_publish(t.nd[0], (const uint8_t *)"public", 6, id), SZ_OK);
	tn_result r = tn_sync(t.nd[1], t.nd[0]);
	assert_int_equal(r.ea, SZ_OK);
	assert_true(r.a.received >= 4);
	assert_labels_fresh(t.nd[1], lb); /* kept current */
	assert_labels_fresh(t.nd[0], lb);
	tn_free(&t);
}


/* n leaflets [from, from + n) into node who, in sync-sized batches (one transaction each). */
static void
fill(int who, size_t from, size_t n)
{
	uint8_t pk[32], sk[64], seed[32] = { 9 };
	assert_int_equal(sz_sign_seed_keypair(pk, sk, seed), SZ_OK);
	uint8_t **envs = calloc(SZ_BATCH_MAX_ENVELOPES, sizeof *envs);
	size_t *lens = calloc(SZ_BATCH_MAX_ENVELOPES, sizeof *lens);
	assert_non_null(envs);
	assert_non_null(lens);
	for (size_t i = from; i < from + n; i += SZ_BATCH_MAX_ENVELOPES) {
		size_t k = from + n - i < SZ_BATCH_MAX_ENVELOPES ? from + n - i : SZ_BATCH_MAX_ENVELOPES;
		for (size_t j = 0; j < k; j++) {
			uint8_t *e, id[32];
			size_t el;
			char body[64];
			snprintf(body, sizeof body, "bulk leaflet %zu", i + j);
			assert_int_equal(sz_entry_build(&e, &el, id, SZ_KIND_LEAFLET, NULL, 0,
			    1700000000000ull + i + j, (const uint8_t *)body, strlen(body), sk), SZ_OK);
			assert_int_equal(sz_env_wrap_public(&envs[j], &lens[j], e, el), SZ_OK);
			free(e);
		}
		assert_int_equal(sz_node_ingest(nd[who], (const uint8_t *const *)envs, lens, k, NULL),
		    SZ_OK);
		for (size_t j = 0; j < k; j++)
			free(envs[j]);
	}
	free(envs);
	free(lens);
}

/* One session, a initiating, each side holding at most max_mine ids in memory at once. */
static tn_result
sync_bounded(int a, int b, uint64_t max_mine, unsigned salted_one_in, uint8_t methods)
{
	sz_sync_config ca, cb;
	void *ma, *mb;
	assert_int_equal(sz_node_sync_config(nd[a], SZ_NOISE_INITIATOR, &ca, &ma), SZ_OK);
	assert_int_equal(sz_node_sync_config(nd[b], SZ_NOISE_RESPONDER, &cb, &mb), SZ_OK);
	ca.salted_one_in = cb.salted_one_in = salted_one_in;
	ca.compact = -1;
	ca.limits.max_mine = cb.limits.max_mine = max_mine;
	if (methods != 0)
		ca.methods = cb.methods = methods;
	tn_result r = tn_run(&ca, &cb);
	sz_node_sync_config_free(ma);
	sz_node_sync_config_free(mb);
	return r;
}

/* Issue 16, memory bounded by design: no session holds a whole id set.  With every side allowed
 * 1,000 ids in memory, 9,000 leaflets go to a fresh responder and from a fresh initiator (a page
 * at a time), and a salted session reconciles them (its sketch built from the store, holding no
 * ids); only the list method, which needs every id, fails past the bound. */
static void
test_bounded_sessions(void **state)
{
	(void)state;
	enum { N = 9000, CAP = 1000 };
	fill(0, 0, N);
	/* A fresh initiator: the responder sends everything, a page at a time. */
	tn_result r = sync_bounded(1, 0, CAP, 1u << 30, 0);
	assert_int_equal(r.ea, SZ_OK);
	assert_int_equal(r.eb, SZ_OK);
	assert_int_equal(r.a.received, N);
	assert_int_equal(r.b.sent, N);
	assert_int_equal(envelopes(1), N);
	/* its buffers (two 1 MiB batches in flight, here moved all at once) and a page of ids */
	assert_true(r.mem_b < (8u << 20));
	/* A fresh responder: the initiator sends everything. */
	fill(0, N, 100);
	char home[TN_DIR_BYTES + 16];
	snprintf(home, sizeof home, "%s/fresh", dir);
	sz_node *fresh;
	sz_node_opts o = { .kdf_ops = 1, .kdf_mem_kib = 8 };
	assert_int_equal(sz_node_create(&fresh, home, "pw", 2, &o), SZ_OK);
	sz_node *keep = nd[1];
	nd[1] = fresh;
	r = sync_bounded(0, 1, CAP, 1u << 30, 0);
	assert_int_equal(r.ea, SZ_OK);
	assert_int_equal(r.eb, SZ_OK);
	assert_int_equal(r.a.sent, N + 100);
	assert_int_equal(envelopes(1), N + 100);
	sz_node_close(fresh);
	nd[1] = keep;
	/* A salted session (an audit): both sides build a sketch from the store, holding no ids. */
	publish(1, 0, 3);
	r = sync_bounded(1, 0, CAP, 1, 0);
	assert_int_equal(r.ea, SZ_OK);
	assert_int_equal(r.eb, SZ_OK);
	assert_true(r.a.riblt_salted);
	assert_int_equal(r.a.received, 100);
	assert_int_equal(r.a.sent, 3);
	assert_true(r.a.ids_sketched >= N && r.b.ids_sketched >= N);
	/* The list method needs every id: past the bound it fails, and says so. */
	publish(0, 0, 2);
	r = sync_bounded(1, 0, CAP, 1u << 30, SZ_RECON_LIST);
	assert_true(r.ea == SZ_ERR_LIMIT || r.eb == SZ_ERR_LIMIT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_kept_and_lent, setup, teardown),
		cmocka_unit_test(test_cell_label),
		cmocka_unit_test_setup_teardown(test_bounded_sessions, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
