/*
 * node_public_test.c - a session on the public onion (sz_node_sync_config_public): a stranger
 * gets the node's leaflets and gives it its own; a member of the node's cell, offering the cell's
 * pair tokens, shares no label of the cell there: no post, no record, no operation leaves; an
 * invitation is not taken; an id of a cell's envelope is not given.  Layer: app.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "app/node_int.h"
#include "app/node_testlib.h"
#include "cell/cell.h"

/* One session: a (initiator, as it configures itself) to b's public onion. */
static tn_result
to_public(sz_node *a, sz_node *b)
{
	sz_sync_config ca, cb;
	void *ma, *mb;
	assert_int_equal(sz_node_sync_config(a, SZ_NOISE_INITIATOR, &ca, &ma), SZ_OK);
	assert_int_equal(sz_node_sync_config_public(b, &cb, &mb), SZ_OK);
	tn_result r = tn_run(&ca, &cb);
	sz_node_sync_config_free(ma);
	sz_node_sync_config_free(mb);
	return r;
}

static int
count_post(void *ctx, const sz_post *p)
{
	(void)p;
	(*(size_t *)ctx)++;
	return SZ_OK;
}

static int
count_leaflet(void *ctx, const sz_leaflet *l)
{
	(void)l;
	(*(size_t *)ctx)++;
	return SZ_OK;
}

static size_t
leaflets(sz_node *n)
{
	size_t k = 0;
	assert_int_equal(sz_node_leaflet_list(n, count_leaflet, &k), SZ_OK);
	return k;
}

static void
test_public_onion_session(void **state)
{
	(void)state;
	tnet t;
	tn_new(&t, "public", 3);
	tn_join(&t, 0, 1);
	tn_mesh(&t, 3);
	uint8_t id[32];
	size_t before = 0, after = 0;
	assert_int_equal(sz_node_read(t.nd[1], t.cl[1], count_post, &before), SZ_OK);
	assert_int_equal(sz_node_post(t.nd[0], t.cl[0], NULL, (const uint8_t *)"cell only", 9, id),
	    SZ_OK);
	assert_int_equal(sz_node_leaflet_publish(t.nd[0], (const uint8_t *)"for everyone", 12, id),
	    SZ_OK);
	assert_int_equal(sz_node_leaflet_publish(t.nd[2], (const uint8_t *)"a stranger's", 12, id),
	    SZ_OK);
	/* A stranger: the leaflet both ways, one label shared. */
	uint64_t e0 = tn_envelopes(t.nd[0]);
	tn_result r = to_public(t.nd[2], t.nd[0]);
	assert_int_equal(r.ea, SZ_OK);
	assert_int_equal(r.eb, SZ_OK);
	assert_int_equal(r.a.scopes_shared, 1);
	assert_int_equal(r.a.stored, 1);
	assert_int_equal(r.b.stored, 1);
	assert_int_equal(leaflets(t.nd[2]), 2);
	assert_int_equal(tn_envelopes(t.nd[0]), e0 + 1);
	/* A member of the cell, offering its pair tokens: the public label alone is shared; the
	 * post and everything else of the cell stay (it would have come by an ordinary sync). */
	uint64_t e1 = tn_envelopes(t.nd[1]);
	r = to_public(t.nd[1], t.nd[0]);
	assert_int_equal(r.ea, SZ_OK);
	assert_int_equal(r.a.scopes_shared, 1);
	assert_int_equal(r.a.stored, 2); /* the two leaflets */
	assert_int_equal(tn_envelopes(t.nd[1]), e1 + 2);
	assert_int_equal(sz_node_read(t.nd[1], t.cl[1], count_post, &after), SZ_OK);
	assert_int_equal(after, before);
	r = tn_sync(t.nd[1], t.nd[0]); /* the cells' onion: the post comes */
	assert_int_equal(r.ea, SZ_OK);
	assert_true(r.a.scopes_shared >= 2);
	after = 0;
	assert_int_equal(sz_node_read(t.nd[1], t.cl[1], count_post, &after), SZ_OK);
	assert_int_equal(after, before + 1);
	/* By id, only a public envelope is given. */
	sz_sync_config cb;
	void *mb;
	assert_int_equal(sz_node_sync_config_public(t.nd[0], &cb, &mb), SZ_OK);
	assert_null(cb.hooks.on_join);
	assert_int_equal(cb.npairs, 0);
	uint8_t *env;
	size_t len;
	assert_int_equal(cb.hooks.get(cb.hooks.ctx, id, &env, &len), SZ_ERR_NOT_FOUND); /* not held */
	uint8_t sc[64][16];
	size_t ns = 0;
	assert_int_equal(sz_cell_scopes(t.cl[0], sc, 64, &ns), SZ_OK);
	sz_store_item *items;
	size_t count, cell_envs = 0;
	for (size_t s = 0; s < ns; s++) {
		assert_int_equal(sz_store_list_envelopes(t.nd[0]->store, sc[s], 0, UINT64_MAX, 0,
		    &items, &count), SZ_OK);
		for (size_t i = 0; i < count; i++, cell_envs++)
			assert_int_equal(cb.hooks.get(cb.hooks.ctx, items[i].id, &env, &len),
			    SZ_ERR_NOT_FOUND);
		free(items);
	}
	assert_true(cell_envs > 0);
	sz_node_sync_config_free(mb);
	tn_free(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_public_onion_session),
	};
	if (sz_init() != SZ_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
