/*
 * node_attach_test.c - attachments between real nodes: a file posted in a cell and one on a
 * leaflet reach another node by sync and by courier bundles, one part at a time, and are shown
 * complete only once every chunk is there and the whole hash checks; the bytes written out are
 * the sender's; the same file twice is stored once; a chunk that does not match its hash is
 * refused and counted against the peer; a quota holds and, once raised, lets the rest come; a
 * damaged index makes the file damaged, never complete.  Layer: app.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/node_int.h"
#include "app/node_testlib.h"
#include "cell/cell.h"
#include "cell/cell_int.h"
#include "crypto/crypto.h"
#include "store/scopes.h"
#include "sync/bundle.h"

static tnet t;

static int
setup(void **state)
{
	(void)state;
	tn_new(&t, "node-attach", 3);
	tn_join(&t, 0, 1);
	tn_mesh(&t, 3);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	tn_free(&t);
	return 0;
}

/* n pseudo-random bytes (not a type samizdat strips: sent as it is). */
static uint8_t *
file_of(size_t n, uint32_t seed)
{
	uint8_t *p = malloc(n);
	assert_non_null(p);
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
	p[0] = 'Z'; /* no magic of JPEG, PNG or PDF */
	return p;
}

typedef struct got {
	sz_post post;
	int found;
	const char *want;
} post_hit;

static int
find_post(void *ctx, const sz_post *p)
{
	post_hit *g = ctx;
	if (p->len == strlen(g->want) && memcmp(p->text, g->want, p->len) == 0) {
		g->post = *p;
		g->found = 1;
	}
	return SZ_OK;
}

static sz_manifest
read_file_of(int who, const char *text)
{
	post_hit g = { .want = text };
	assert_int_equal(sz_node_read(t.nd[who], t.cl[who], find_post, &g), SZ_OK);
	assert_true(g.found);
	assert_int_equal(g.post.nfiles, 1);
	return g.post.files[0];
}

static int
collect(void *ctx, const uint8_t *p, size_t len)
{
	sz_buf_append(ctx, p, len);
	return SZ_OK;
}

static void
same_bytes(int who, const sz_manifest *m, const uint8_t *want, size_t len)
{
	sz_buf out = { 0 };
	assert_int_equal(sz_node_file_write(t.nd[who], m, collect, &out), SZ_OK);
	assert_int_equal(out.len, len);
	assert_memory_equal(out.p, want, len);
	sz_buf_free(&out);
}

/* The same bytes read part by part through a reader (what the web interface sends). */
static void
same_bytes_read(int who, const sz_manifest *m, const uint8_t *want, size_t len)
{
	sz_node_file_reader rd;
	uint8_t *part = malloc(SZ_ATTACH_CHUNK);
	size_t off = 0, k;
	assert_non_null(part);
	assert_int_equal(sz_node_file_open(t.nd[who], m, &rd), SZ_OK);
	assert_int_equal(rd.nch, sz_attach_nchunks(len));
	for (uint32_t i = 0; i < rd.nch; i++) {
		assert_int_equal(sz_node_file_chunk(t.nd[who], &rd, i, part, &k), SZ_OK);
		assert_true(off + k <= len);
		assert_memory_equal(part, want + off, k);
		off += k;
	}
	assert_int_equal(off, len);
	assert_int_equal(sz_node_file_chunk(t.nd[who], &rd, rd.nch, part, &k), SZ_ERR_INVALID);
	sz_node_file_close(&rd);
	sz_node_file_close(&rd); /* twice: harmless */
	free(part);
}

static sz_node_file_state
state_of(int who, const sz_manifest *m)
{
	sz_node_file_state st;
	assert_int_equal(sz_node_file_check(t.nd[who], m, &st), SZ_OK);
	return st;
}

/* A file posted in the cell reaches the other member by sync, whole. */
static void
test_cell_file_by_sync(void **state)
{
	(void)state;
	size_t len = 3 * SZ_ATTACH_CHUNK + 1234;
	uint8_t *f = file_of(len, 1), id[32];
	sz_manifest m;
	sz_strip_report rep;
	/* a type with no stripper needs the person's word */
	assert_int_equal(sz_node_attach(t.nd[0], t.cl[0], f, len, false, &m, &rep), SZ_ERR_UNSUPPORTED);
	uint64_t before = tn_envelopes(t.nd[0]);
	assert_int_equal(sz_node_attach(t.nd[0], t.cl[0], f, len, true, &m, &rep), SZ_OK);
	assert_int_equal(tn_envelopes(t.nd[0]), before + 5); /* 4 data chunks and the index */
	assert_true(m.flags & SZ_MANIFEST_AS_IS);
	assert_int_equal(m.size, len);
	assert_int_equal(sz_node_post_files(t.nd[0], t.cl[0], NULL, &m, 1, (const uint8_t *)"photo",
	    5, id), SZ_OK);
	/* the sender's own copy is complete */
	assert_int_equal(state_of(0, &m).state, SZ_STORE_FILE_COMPLETE);
	/* attached again: the same envelopes (sealed deterministically), nothing new stored */
	sz_manifest m2;
	before = tn_envelopes(t.nd[0]);
	assert_int_equal(sz_node_attach(t.nd[0], t.cl[0], f, len, true, &m2, &rep), SZ_OK);
	assert_memory_equal(&m, &m2, sizeof m);
	assert_int_equal(tn_envelopes(t.nd[0]), before);
	tn_result r = tn_sync(t.nd[1], t.nd[0]);
	assert_int_equal(r.ea, SZ_OK);
	sz_manifest got = read_file_of(1, "photo");
	assert_memory_equal(&got, &m, sizeof m);
	sz_node_file_state st = state_of(1, &got);
	assert_int_equal(st.state, SZ_STORE_FILE_COMPLETE);
	assert_int_equal(st.have, 5);
	assert_int_equal(st.total, 5);
	same_bytes(1, &got, f, len);
	same_bytes_read(1, &got, f, len);
	sz_manifest found;
	char hex[65];
	sz_hex_encode(hex, m.hash, 32);
	hex[12] = '\0';
	assert_int_equal(sz_node_file_find(t.nd[1], hex, &found), SZ_OK);
	assert_memory_equal(&found, &m, sizeof m);
	free(f);
}

static int
export(int who, const char *cell, const char *path, uint64_t max, sz_node_bundle_stats *st)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	sz_node_bundle_spec spec = { .cell = cell, .summary_fd = -1, .max_bytes = max };
	int r = sz_node_bundle_export(t.nd[who], fd, &spec, st);
	close(fd);
	return r;
}

static int
import(int who, const char *path, sz_node_bundle_stats *st)
{
	sz_bundle_report rep;
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	int r = sz_node_bundle_import(t.nd[who], fd, NULL, st, &rep);
	close(fd);
	return r;
}

/* By courier, in two bundles: after the first the file is reported incomplete (how many parts
 * are here), never complete; after the second, complete and equal to the sender's. */
static void
test_cell_file_by_two_bundles(void **state)
{
	(void)state;
	char path[128];
	size_t len = 6 * SZ_ATTACH_CHUNK;
	uint8_t *f = file_of(len, 2), id[32];
	sz_manifest m;
	sz_strip_report rep;
	sz_node_bundle_stats st;
	tn_join(&t, 0, 2);
	tn_mesh(&t, 7);
	assert_int_equal(sz_node_attach(t.nd[0], t.cl[0], f, len, true, &m, &rep), SZ_OK);
	assert_int_equal(sz_node_post_files(t.nd[0], t.cl[0], NULL, &m, 1, (const uint8_t *)"by hand",
	    7, id), SZ_OK);
	snprintf(path, sizeof path, "%s/half.bundle", t.dir);
	assert_int_equal(export(0, "print shop", path, 4 * 65536, &st), SZ_OK);
	assert_true(st.left >= 3);
	assert_int_equal(import(2, path, &st), SZ_OK);
	sz_manifest got = read_file_of(2, "by hand");
	sz_node_file_state s1 = state_of(2, &got);
	assert_int_equal(s1.state, SZ_STORE_FILE_PENDING);
	assert_true(s1.have < s1.total);
	sz_buf out = { 0 };
	assert_int_equal(sz_node_file_write(t.nd[2], &got, collect, &out), SZ_ERR_AGAIN);
	assert_int_equal(out.len, 0);
	sz_node_file_reader rd;
	assert_int_equal(sz_node_file_open(t.nd[2], &got, &rd), SZ_ERR_AGAIN); /* nothing in part */
	assert_null(rd.idx);
	assert_int_equal(export(0, "print shop", path, 0, &st), SZ_OK);
	assert_int_equal(import(2, path, &st), SZ_OK);
	sz_node_file_state s2 = state_of(2, &got);
	assert_int_equal(s2.state, SZ_STORE_FILE_COMPLETE);
	assert_int_equal(s2.have, s2.total);
	same_bytes(2, &got, f, len);
	same_bytes_read(2, &got, f, len);
	sz_buf_free(&out);
	free(f);
}

typedef struct leaf_got {
	sz_manifest m;
	int found;
} leaf_got;

static int
leaf_file(void *ctx, const sz_leaflet *l)
{
	leaf_got *g = ctx;
	if (l->nfiles == 1 && l->len == 7 && memcmp(l->text, "flyer A", 7) == 0) {
		g->m = ((const sz_manifest *)l->files)[0];
		g->found = 1;
	}
	return SZ_OK;
}

/* A leaflet's file: public chunks, signed; deduplicated; complete at the reader. */
static void
test_leaflet_file(void **state)
{
	(void)state;
	size_t len = 2 * SZ_ATTACH_CHUNK + 7;
	uint8_t *f = file_of(len, 3), id[32];
	sz_manifest m, m2;
	sz_strip_report rep;
	assert_int_equal(sz_node_attach(t.nd[1], NULL, f, len, true, &m, &rep), SZ_OK);
	assert_int_equal(sz_node_leaflet_publish_files(t.nd[1], &m, 1, (const uint8_t *)"flyer A", 7,
	    id), SZ_OK);
	uint64_t before = tn_envelopes(t.nd[1]);
	assert_int_equal(sz_node_attach(t.nd[1], NULL, f, len, true, &m2, &rep), SZ_OK);
	assert_int_equal(tn_envelopes(t.nd[1]), before); /* every chunk held: none made again */
	/* the chunks are no leaflets */
	leaf_got g = { 0 };
	size_t count = 0;
	assert_int_equal(sz_node_leaflet_list(t.nd[1], leaf_file, &g), SZ_OK);
	assert_true(g.found);
	(void)count;
	tn_result r = tn_sync(t.nd[0], t.nd[1]);
	assert_int_equal(r.ea, SZ_OK);
	memset(&g, 0, sizeof g);
	assert_int_equal(sz_node_leaflet_list(t.nd[0], leaf_file, &g), SZ_OK);
	assert_true(g.found);
	assert_int_equal(state_of(0, &g.m).state, SZ_STORE_FILE_COMPLETE);
	same_bytes(0, &g.m, f, len);
	/* a NUL first byte is how files are announced: no text may start with one */
	assert_int_equal(sz_node_leaflet_publish(t.nd[1], (const uint8_t *)"\0x", 2, id), SZ_ERR_INVALID);
	free(f);
}

/* A member seals a chunk whose nonce names another chunk: it opens (the member holds the epoch)
 * but does not match its hash.  The receiving node refuses it and counts it against the peer. */
static void
test_chunk_not_matching_its_hash(void **state)
{
	(void)state;
	cell_epoch *ep = sz_cell_current_epoch(t.cl[0]);
	assert_non_null(ep);
	uint8_t nonce[SZ_ENV_NONCE_BYTES], key[32], pt[1 + 100], *env = NULL;
	size_t envlen = 0;
	memset(nonce, 7, sizeof nonce);    /* not the keyed hash of what follows */
	assert_int_equal(sz_cellk_kdf(key, 32, ep->e, 32, "chunk key", nonce, sizeof nonce), SZ_OK);
	pt[0] = SEAL_CHUNK;
	memset(pt + 1, 'x', 100);
	assert_int_equal(sz_env_seal(&env, &envlen, ep->scope, pt, sizeof pt, key, nonce), SZ_OK);
	/* the forger's node holds it, as if it had made it */
	const uint8_t *e = env;
	int res;
	assert_int_equal(sz_store_put_envelopes(t.nd[0]->store, &e, &envlen, 1, &res), SZ_OK);
	assert_int_equal(res, SZ_OK);
	uint8_t eid[32];
	assert_int_equal(sz_env_id(eid, env, envlen), SZ_OK);
	sz_node_sketch_note(t.nd[0], ep->scope, eid);
	tn_result r = tn_sync(t.nd[0], t.nd[1]);
	assert_int_equal(r.ea, SZ_OK);
	assert_int_equal(r.b.rejected, 1);
	assert_false(tn_has(t.nd[1], eid));
	/* the forger's node forgets it, so the tests after this one see honest peers */
	const uint8_t (*one)[32] = (const uint8_t(*)[32])eid;
	assert_int_equal(sz_store_drop_sealed(t.nd[0]->store, one, 1, NULL), SZ_OK);
	sz_node_sketches_drop_all(t.nd[0]);
	free(env);
}

/* A quota holds: what does not fit is not stored, listed so it is not sent again and again; the
 * file stays incomplete (reported so); raised, the rest comes. */
static void
test_quota(void **state)
{
	(void)state;
	size_t len = 5 * SZ_ATTACH_CHUNK;
	uint8_t *f = file_of(len, 4), id[32];
	sz_manifest m;
	sz_strip_report rep;
	sz_node_quota q0, small = { .node = 1ull << 30, .each = 2 * SZ_ATTACH_CHUNK };
	uint64_t used;
	assert_int_equal(sz_node_quota_get(t.nd[1], &q0), SZ_OK);
	assert_int_equal(q0.node, SZ_NODE_QUOTA_NODE);
	assert_int_equal(sz_node_usage(t.nd[1], NULL, &used), SZ_OK);
	small.each = used + 2 * SZ_ATTACH_CHUNK;
	assert_int_equal(sz_node_quota_set(t.nd[1], &small), SZ_OK);
	/* the sender's own quota refuses a file too large for it */
	assert_int_equal(sz_node_attach(t.nd[1], t.cl[1], f, len, true, &m, &rep), SZ_ERR_LIMIT);
	assert_int_equal(sz_node_attach(t.nd[0], t.cl[0], f, len, true, &m, &rep), SZ_OK);
	assert_int_equal(sz_node_post_files(t.nd[0], t.cl[0], NULL, &m, 1, (const uint8_t *)"big", 3,
	    id), SZ_OK);
	tn_result r = tn_sync(t.nd[1], t.nd[0]);
	assert_int_equal(r.ea, SZ_OK);
	assert_int_equal(r.b.rejected + r.a.rejected, 0); /* no fault of the sender's */
	uint8_t ctx[16];
	sz_node_cell_local_scope(t.cl[1], ctx);
	assert_int_equal(sz_node_usage(t.nd[1], ctx, &used), SZ_OK);
	assert_true(used <= small.each);
	sz_manifest got = read_file_of(1, "big");
	sz_node_file_state st = state_of(1, &got);
	assert_int_equal(st.state, SZ_STORE_FILE_PENDING);
	assert_true(st.have < st.total);
	/* nothing moves again: what was refused is listed as held */
	r = tn_sync(t.nd[1], t.nd[0]);
	assert_int_equal(r.ea, SZ_OK);
	assert_int_equal(r.a.received + r.b.received, 0);
	assert_int_equal(sz_node_quota_set(t.nd[1], &q0), SZ_OK);
	r = tn_sync(t.nd[1], t.nd[0]);
	assert_int_equal(r.ea, SZ_OK);
	assert_int_equal(state_of(1, &got).state, SZ_STORE_FILE_COMPLETE);
	same_bytes(1, &got, f, len);
	free(f);
}

/* A manifest whose index lists a chunk count that does not fit its size: damaged, never
 * complete, and nothing is written out. */
static void
test_damaged_index(void **state)
{
	(void)state;
	size_t len = 2 * SZ_ATTACH_CHUNK;
	uint8_t *f = file_of(len, 5), id[32];
	sz_manifest m;
	sz_strip_report rep;
	assert_int_equal(sz_node_attach(t.nd[0], t.cl[0], f, len, true, &m, &rep), SZ_OK);
	m.size = 3 * SZ_ATTACH_CHUNK; /* the author lies about the size */
	assert_int_equal(sz_node_post_files(t.nd[0], t.cl[0], NULL, &m, 1, (const uint8_t *)"liar", 4,
	    id), SZ_OK);
	tn_result r = tn_sync(t.nd[1], t.nd[0]);
	assert_int_equal(r.ea, SZ_OK);
	sz_manifest got = read_file_of(1, "liar");
	assert_int_equal(state_of(1, &got).state, SZ_STORE_FILE_DAMAGED);
	sz_buf out = { 0 };
	assert_int_equal(sz_node_file_write(t.nd[1], &got, collect, &out), SZ_ERR_CORRUPT);
	/* and one whose whole hash is wrong */
	assert_int_equal(sz_node_attach(t.nd[0], t.cl[0], f, len, true, &m, &rep), SZ_OK);
	m.hash[0] ^= 1;
	assert_int_equal(sz_node_post_files(t.nd[0], t.cl[0], NULL, &m, 1, (const uint8_t *)"liar 2",
	    6, id), SZ_OK);
	r = tn_sync(t.nd[1], t.nd[0]);
	got = read_file_of(1, "liar 2");
	assert_int_equal(state_of(1, &got).state, SZ_STORE_FILE_DAMAGED);
	assert_int_equal(sz_node_file_write(t.nd[1], &got, collect, &out), SZ_ERR_CORRUPT);
	assert_int_equal(out.len, 0);
	sz_node_file_reader rd;
	assert_int_equal(sz_node_file_open(t.nd[1], &got, &rd), SZ_ERR_CORRUPT);
	assert_null(rd.idx);
	free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cell_file_by_sync),
		cmocka_unit_test(test_cell_file_by_two_bundles),
		cmocka_unit_test(test_leaflet_file),
		cmocka_unit_test(test_chunk_not_matching_its_hash),
		cmocka_unit_test(test_quota),
		cmocka_unit_test(test_damaged_index),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
