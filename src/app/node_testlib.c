/*
 * node_testlib.c - real nodes and real sync sessions in memory for the app layer's unit tests
 * (see node_testlib.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#define _XOPEN_SOURCE_EXTENDED 1
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/node_testlib.h"
#include "cell/cell.h"
#include "crypto/crypto.h"
#include "store/scopes.h"
#include "wire/envelope.h"

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(p);
}

void
tn_home(const tnet *t, int i, char *out, size_t len)
{
	snprintf(out, len, "%s/%c", t->dir, 'a' + i);
}

int
tn_nodes(char dir[TN_DIR_BYTES], const char *tag, sz_node **nd, int n)
{
	if (sz_init() != SZ_OK)
		return -1;
	snprintf(dir, TN_DIR_BYTES, "/tmp/sz-%s.XXXXXX", tag);
	if (mkdtemp(dir) == NULL)
		return -1;
	sz_node_opts o = { .kdf_ops = 1, .kdf_mem_kib = 64 };
	for (int i = 0; i < n; i++) {
		char home[TN_DIR_BYTES + 8];
		snprintf(home, sizeof home, "%s/%c", dir, 'a' + i);
		if (sz_node_create(&nd[i], home, "pw", 2, &o) != SZ_OK)
			return -1;
	}
	return 0;
}

void
tn_nodes_free(const char *dir, sz_node **nd, int n)
{
	for (int i = 0; i < n; i++) {
		sz_node_close(nd[i]);
		nd[i] = NULL;
	}
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void
tn_new(tnet *t, const char *tag, int n)
{
	memset(t, 0, sizeof *t);
	assert_int_equal(tn_nodes(t->dir, tag, t->nd, n), 0);
	t->n = n;
	assert_int_equal(sz_node_cell_create(t->nd[0], "print shop", &t->cl[0]), SZ_OK);
}

void
tn_free(tnet *t)
{
	tn_nodes_free(t->dir, t->nd, t->n);
	memset(t, 0, sizeof *t);
}

void
tn_join(tnet *t, int by, int who)
{
	assert_int_equal(tn_add_join(t->nd[by], t->cl[by], t->nd[who], &t->cl[who]), SZ_OK);
}

int
tn_add_join(sz_node *by, sz_cell *c, sz_node *who, sz_cell **out)
{
	sz_cell_joinkeys jk;
	sz_cell_result res = { 0 };
	int r = sz_cell_joinkeys_new(who->env, &jk);
	if (r != SZ_OK)
		return r;
	r = sz_cell_add(c, who->id_pk, jk.prekey_pk, jk.csk_pk, &res);
	uint8_t *w = res.welcome; /* handed to the newcomer alone, as an invitation's answer is */
	size_t wl = res.welcome_len;
	res.welcome = NULL;
	r = sz_node_cell_apply(by, c, r, &res);
	if (r == SZ_OK)
		r = sz_node_cell_join(who, &jk, w, wl, out);
	free(w);
	sz_wipe(&jk, sizeof jk);
	return r;
}

sz_node *
tn_open(const char *home)
{
	sz_node *n = NULL;
	assert_int_equal(sz_node_open(&n, home, "pw", 2), SZ_OK);
	return n;
}

void
tn_reopen(tnet *t, int i)
{
	char home[128];
	bool had = t->cl[i] != NULL;
	tn_home(t, i, home, sizeof home);
	sz_node_close(t->nd[i]);
	t->nd[i] = tn_open(home);
	t->cl[i] = had ? sz_node_cell_find(t->nd[i], "print shop") : NULL;
}

void
tn_copy(tnet *t, int i, const char *home)
{
	char from[128], cmd[400];
	tn_home(t, i, from, sizeof from);
	sz_node_close(t->nd[i]);
	t->nd[i] = NULL;
	snprintf(cmd, sizeof cmd, "cp -a '%s' '%s'", from, home);
	assert_int_equal(system(cmd), 0);
	t->nd[i] = tn_open(from);
	t->cl[i] = sz_node_cell_find(t->nd[i], "print shop");
}

tn_result
tn_run(const sz_sync_config *ca, const sz_sync_config *cb)
{
	tn_result out;
	sz_sync *s[2];
	memset(&out, 0, sizeof out);
	assert_int_equal(sz_sync_new(&s[0], ca), SZ_OK);
	assert_int_equal(sz_sync_new(&s[1], cb), SZ_OK);
	for (int round = 0; round < 100000; round++) {
		int moved = 0;
		for (int d = 0; d < 2; d++) {
			const uint8_t *o;
			size_t n;
			sz_sync_output(s[d], &o, &n);
			if (n == 0)
				continue;
			uint8_t *copy = malloc(n);
			memcpy(copy, o, n);
			sz_sync_consumed(s[d], n);
			if (sz_sync_input(s[1 - d], copy, n) != SZ_OK) {
				/* reported through the status below */
			}
			free(copy);
			for (int e = 0; e < 2; e++) {
				size_t m = sz_sync_mem(s[e]);
				size_t *peak = e == 0 ? &out.mem_a : &out.mem_b;
				if (m > *peak)
					*peak = m;
			}
			moved = 1;
		}
		if (!moved)
			break;
	}
	for (int d = 0; d < 2; d++) {
		if (sz_sync_get_status(s[d]) == SZ_SYNC_RUNNING)
			sz_sync_eof(s[d]);
		int e = sz_sync_get_status(s[d]) == SZ_SYNC_DONE ? SZ_OK : sz_sync_error(s[d]);
		*(d == 0 ? &out.ea : &out.eb) = e;
		sz_sync_get_stats(s[d], d == 0 ? &out.a : &out.b);
		sz_sync_free(s[d]);
	}
	return out;
}

tn_result
tn_sync(sz_node *a, sz_node *b)
{
	sz_sync_config ca, cb;
	void *ma, *mb;
	assert_int_equal(sz_node_sync_config(a, SZ_NOISE_INITIATOR, &ca, &ma), SZ_OK);
	assert_int_equal(sz_node_sync_config(b, SZ_NOISE_RESPONDER, &cb, &mb), SZ_OK);
	tn_result r = tn_run(&ca, &cb);
	sz_node_sync_config_free(ma);
	sz_node_sync_config_free(mb);
	return r;
}

void
tn_mesh(tnet *t, unsigned mask)
{
	for (int round = 0; round < 12; round++) {
		uint64_t moved = 0;
		for (int a = 0; a < t->n; a++)
			for (int b = a + 1; b < t->n; b++) {
				if (!(mask >> a & 1) || !(mask >> b & 1))
					continue;
				tn_result r = tn_sync(t->nd[a], t->nd[b]);
				assert_int_equal(r.ea, SZ_OK);
				assert_int_equal(r.eb, SZ_OK);
				moved += r.a.received + r.b.received;
				if (getenv("TNDBG") && r.a.received + r.b.received)
					fprintf(stderr, "round %d %c<->%c: %c got %llu (stored %llu) %c got %llu (stored %llu)\n",
					    round, 'a' + a, 'a' + b, 'a' + a, (unsigned long long)r.a.received,
					    (unsigned long long)r.a.stored, 'a' + b, (unsigned long long)r.b.received,
					    (unsigned long long)r.b.stored);
			}
		if (moved == 0)
			return;
	}
	fail_msg("the nodes did not settle");
}

uint64_t
tn_envelopes(sz_node *n)
{
	uint64_t e, x;
	assert_int_equal(sz_store_counts(n->store, &e, &x), SZ_OK);
	return e;
}

int
tn_has(sz_node *n, const uint8_t id[32])
{
	uint8_t *env;
	size_t len;
	int r = sz_store_get_envelope(n->store, id, &env, &len);
	free(env);
	return r == SZ_OK;
}

void
tn_junk(uint8_t scope[16], uint32_t k, uint8_t **env, size_t *len)
{
	uint8_t key[32], nonce[24], body[200];
	randombytes_buf(key, sizeof key);
	randombytes_buf(nonce, sizeof nonce);
	randombytes_buf(body, sizeof body);
	sz_store_u32(body, k);
	assert_int_equal(sz_env_seal(env, len, scope, body, sizeof body, key, nonce), SZ_OK);
}
