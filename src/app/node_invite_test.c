/*
 * node_invite_test.c - invitations through real nodes (stores in a temporary directory), played
 * by the attackers of docs/THREAT_MODEL.md §4: a photographer who has the code and copies the
 * courier's request and answer files; a racer with the code who names a third person's identity,
 * or its own; and the inviter undoing a half-finished add (a lost answer, a revoked newcomer who is
 * invited again).  The live path runs the session hooks (sz_node_on_join / sz_node_on_welcome)
 * with the JOIN and WELCOME payloads a sync session carries.  Layer: app.
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

#include "app/invite.h"
#include "app/join.h"
#include "app/node_int.h"
#include "app/node_testlib.h"
#include "cell/cell.h"
#include "crypto/crypto.h"
#include "sync/bundle.h"

enum { N, K, R, V, L, M, NN }; /* inviter, newcomer, racer, victim, lena, mira */

static char dir[TN_DIR_BYTES];
static sz_node *nd[NN];
static sz_cell *cn; /* the inviter's cell */

/* A clock the tests move (expiry); randomness from libsodium. */
static uint64_t now_ms;
static void
rnd(void *ctx, uint8_t *out, size_t n)
{
	(void)ctx;
	randombytes_buf(out, n);
}
static uint64_t
clk(void *ctx)
{
	(void)ctx;
	return now_ms;
}
static const sz_env test_env = { rnd, clk, clk, NULL };

static int
setup(void **state)
{
	(void)state;
	now_ms = sz_now_ms(sz_env_default());
	if (tn_nodes(dir, "node-invite", nd, NN) != 0)
		return -1;
	for (int i = 0; i < NN; i++)
		nd[i]->env = &test_env;
	if (sz_node_cell_create(nd[N], "shelter", &cn) != SZ_OK)
		return -1;
	uint8_t id[32];
	static const char before[] = "Before anyone joined: the press is in the cellar.";
	if (sz_node_post(nd[N], cn, NULL, (const uint8_t *)before, sizeof before - 1, id) != SZ_OK)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	tn_nodes_free(dir, nd, NN);
	return 0;
}

/* Copy every envelope a holds that b lacks into b (as a sync between members would). */
static void
push(int a, int b)
{
	uint8_t *scopes;
	size_t ns;
	assert_int_equal(sz_node_scopes(nd[a], &scopes, &ns), SZ_OK);
	for (size_t s = 0; s < ns; s++) {
		sz_store_item *items;
		size_t k;
		assert_int_equal(sz_store_list_envelopes(nd[a]->store, scopes + 16 * s, 0, UINT64_MAX, 0,
		    &items, &k), SZ_OK);
		for (size_t i = 0; i < k; i++) {
			uint8_t *env;
			size_t len;
			int res;
			assert_int_equal(sz_store_get_envelope(nd[a]->store, items[i].id, &env, &len), SZ_OK);
			const uint8_t *e = env;
			assert_int_equal(sz_node_ingest(nd[b], &e, &len, 1, &res), SZ_OK);
			free(env);
		}
		free(items);
	}
	free(scopes);
}

static void
invite(char code[SZ_INVITE_CODE_MAX], sz_invite *iv)
{
	assert_int_equal(sz_node_invite(nd[N], cn, 3600 * 1000, NULL, code, SZ_INVITE_CODE_MAX), SZ_OK);
	assert_int_equal(sz_invite_decode(iv, code), SZ_OK);
}

/* Redeem live: the JOIN payload req goes to the inviter's session hook, its WELCOME payload back
 * to the newcomer's hook.  Returns the refusal (SZ_OK if joined); *cell the newcomer's cell. */
static int
live(int who, const uint8_t *req, const sz_join_secrets *js, sz_cell **cell)
{
	sz_buf reply = { .secret = true };
	assert_int_equal(sz_node_on_join(nd[N], req, SZ_JOIN_REQUEST_BYTES, &reply), SZ_OK);
	sz_node_joining j = { .n = nd[who], .js = js };
	assert_int_equal(sz_node_on_welcome(&j, reply.p, reply.len), SZ_OK);
	sz_buf_free(&reply);
	if (cell != NULL)
		*cell = j.cell;
	assert_true((j.cell != NULL) == (j.refused == SZ_OK));
	return j.refused;
}

static int
live_join(int who, const sz_invite *iv, sz_cell **cell)
{
	sz_join_secrets js;
	uint8_t req[SZ_JOIN_REQUEST_BYTES];
	assert_int_equal(sz_node_join_prepare(nd[who], iv, req, &js), SZ_OK);
	int r = live(who, req, &js, cell);
	sz_wipe(&js, sizeof js);
	return r;
}

static int
file_open(const char *name, int flags)
{
	char path[128];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	int fd = open(path, flags | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	return fd;
}

/* Courier: who writes a request for iv into the file req. */
static void
request_file(int who, const sz_invite *iv, const char *req)
{
	int fd = file_open(req, O_WRONLY | O_CREAT | O_TRUNC);
	assert_int_equal(sz_node_join_request_file(nd[who], iv, fd), SZ_OK);
	close(fd);
}

/* Courier: the inviter answers the file req into ans; returns the refusal, *member whom it let in. */
static int
admit(const char *req, const char *ans, uint8_t member[32])
{
	int in = file_open(req, O_RDONLY), out = file_open(ans, O_WRONLY | O_CREAT | O_TRUNC), refused;
	sz_cell *c;
	assert_int_equal(sz_node_admit_file(nd[N], in, out, &c, member, &refused), SZ_OK);
	assert_true((c == cn) == (refused == SZ_OK));
	close(in);
	close(out);
	return refused;
}

static sz_cell *
answer_file(int who, const sz_invite *iv, const char *ans)
{
	int fd = file_open(ans, O_RDONLY), refused;
	sz_cell *c;
	assert_int_equal(sz_node_join_answer_file(nd[who], iv, fd, &c, &refused), SZ_OK);
	close(fd);
	assert_int_equal(refused, SZ_OK);
	assert_non_null(c);
	return c;
}

static size_t
members(sz_cell *c)
{
	uint8_t ids[64][32];
	size_t n = 0;
	assert_int_equal(sz_cell_members(c, ids, 64, &n), SZ_OK);
	return n;
}

/* --- the photographer --------------------------------------------------------------------- */

typedef struct seen {
	sz_buf all;      /* every plaintext item the photographer opened */
	size_t items;
} seen;

static int
collect(void *ctx, const uint8_t *item, size_t len)
{
	seen *s = ctx;
	s->items++;
	sz_buf_append(&s->all, item, len);
	return s->all.err;
}

/* Open a courier file with every secret one can derive from the token alone (the labels of this
 * protocol and of version 1: a photographer knows the protocol).  Returns whether it opened. */
static int
photograph_open(const uint8_t token[16], const char *file, seen *s)
{
	static const char *const labels[] = { "samizdat join request v2", "samizdat join answer file v2",
		"samizdat join request v1", "samizdat join answer v1" };
	uint8_t secrets[4][32];
	for (int i = 0; i < 4; i++)
		assert_int_equal(sz_hkdf(SZ_HASH_SHA256, secrets[i], 32, NULL, 0, token, 16,
		    (const uint8_t *)labels[i], strlen(labels[i])), SZ_OK);
	int fd = file_open(file, O_RDONLY);
	sz_bundle_io io = { NULL, sz_node_fd_read, &fd };
	sz_bundle_report rep;
	int r = sz_bundle_read(&io, (const uint8_t(*)[32])secrets, 4, NULL, collect, s, &rep);
	close(fd);
	return r == SZ_OK;
}

static int
occurs(const sz_buf *hay, const uint8_t *needle, size_t k)
{
	for (size_t i = 0; i + k <= hay->len; i++)
		if (memcmp(hay->p + i, needle, k) == 0)
			return 1;
	return 0;
}

/* The photographer has the code and copies of the request and the answer.  It opens their outer
 * layer (keyed by the token: that is what keeps them random bytes to a courier without the code)
 * and finds inside no identity of either side, none of the newcomer's keys, no cell id, no scope
 * tag of the cell and nothing it can open further; and the newcomer joins all the same. */
static void
test_photographer_reads_nothing(void **state)
{
	(void)state;
	char code[SZ_INVITE_CODE_MAX];
	sz_invite iv;
	invite(code, &iv);
	request_file(K, &iv, "k.req");
	/* the newcomer's keys named in the request (kept in its store until the answer) */
	char name[64], hex[33];
	sz_hex_encode(hex, iv.token, 16);
	snprintf(name, sizeof name, "%s%s", KV_JOIN_PREFIX, hex);
	sz_buf jrec = { .secret = true };
	assert_int_equal(sz_store_kv_get(nd[K]->store, name, &jrec), SZ_OK);
	assert_int_equal(jrec.len, 1 + 32 * 3 + 64 + 64);
	uint8_t prekey[32], csk[32];
	memcpy(prekey, jrec.p + 1, 32);
	memcpy(csk, jrec.p + 1 + 64, 32);
	sz_buf_free(&jrec);
	uint8_t member[32];
	assert_int_equal(admit("k.req", "k.ans", member), SZ_OK);
	assert_memory_equal(member, nd[K]->id_pk, 32);

	/* the photographer */
	sz_invite ph;
	assert_int_equal(sz_invite_decode(&ph, code), SZ_OK);
	seen s = { .all = { 0 } };
	assert_true(photograph_open(ph.token, "k.req", &s));
	assert_int_equal(s.items, 1);
	assert_int_equal(s.all.len, SZ_JOIN_REQUEST_BYTES);
	uint8_t req[SZ_JOIN_REQUEST_BYTES];
	memcpy(req, s.all.p, sizeof req);
	assert_true(photograph_open(ph.token, "k.ans", &s));
	/* nothing inside opens with what it has: its own key in the inviter's place */
	uint8_t mine_sk[32], mine_pub[32];
	randombytes_buf(mine_sk, 32);
	assert_int_equal(sz_dh_public(mine_pub, mine_sk), SZ_OK);
	sz_join_request rq;
	assert_int_equal(sz_join_request_open(&rq, req, sizeof req, ph.token, mine_sk, ph.invite_pub),
	    SZ_ERR_DECRYPT);
	/* no identity, key, cell id or scope tag in anything it opened (8 bytes of each suffice) */
	assert_false(occurs(&s.all, nd[K]->id_pk, 8));
	assert_false(occurs(&s.all, nd[N]->id_pk, 8));
	assert_false(occurs(&s.all, prekey, 8));
	assert_false(occurs(&s.all, csk, 8));
	assert_false(occurs(&s.all, sz_cell_id(cn), 8));
	uint8_t sc[64][16];
	size_t k = 0;
	assert_int_equal(sz_cell_scopes(cn, sc, 64, &k), SZ_OK);
	assert_true(k > 0);
	for (size_t i = 0; i < k; i++)
		assert_false(occurs(&s.all, sc[i], 8));
	/* the newcomer joins from the same answer */
	sz_cell *ck = answer_file(K, &iv, "k.ans");
	assert_int_equal(sz_cell_status(ck), SZ_CELL_ACTIVE);
	assert_int_equal(members(ck), 2);
	/* what it learnt it did not learn from the answer: the welcome is not in the plaintext */
	assert_int_equal(sz_cell_scopes(ck, sc, 64, &k), SZ_OK);
	for (size_t i = 0; i < k; i++)
		assert_false(occurs(&s.all, sc[i], 8));
	assert_false(occurs(&s.all, (const uint8_t *)"shelter", 7));
	sz_buf_free(&s.all);
	/* and the history reaches it as a member */
	push(K, N);
	push(N, K);
	assert_true(sz_cell_member_acted(cn, nd[K]->id_pk));
}

/* --- the racer ---------------------------------------------------------------------------- */

/* A racer with the code names the victim's identity (its own secret, the victim's public key):
 * refused for its proof, live and by courier, and the code still works for the newcomer. */
static void
test_racer_names_a_third_person(void **state)
{
	(void)state;
	char code[SZ_INVITE_CODE_MAX];
	sz_invite iv, ph;
	invite(code, &iv);
	assert_int_equal(sz_invite_decode(&ph, code), SZ_OK);
	size_t before = members(cn);
	uint8_t forged[64];
	memcpy(forged, nd[R]->id_sk, 32);
	memcpy(forged + 32, nd[V]->id_pk, 32);
	sz_join_secrets js;
	uint8_t req[SZ_JOIN_REQUEST_BYTES];
	assert_int_equal(sz_join_request_seal(nd[R]->env, ph.token, ph.invite_pub, forged, &js, req),
	    SZ_OK);
	/* live */
	assert_int_equal(live(R, req, &js, NULL), SZ_ERR_BAD_SIGNATURE);
	assert_false(sz_cell_is_member(cn, nd[V]->id_pk));
	assert_int_equal(members(cn), before);
	/* by courier: the racer writes the file itself (it knows the protocol) */
	uint8_t secret[32];
	static const char label[] = "samizdat join request v2";
	assert_int_equal(sz_hkdf(SZ_HASH_SHA256, secret, 32, NULL, 0, ph.token, 16,
	    (const uint8_t *)label, sizeof label - 1), SZ_OK);
	int fd = file_open("r.req", O_WRONLY | O_CREAT | O_TRUNC);
	sz_bundle_io io = { sz_node_fd_write, NULL, &fd };
	sz_bundle_writer *w;
	assert_int_equal(sz_bundle_writer_new(&w, &io, SZ_BUNDLE_JOIN_REQUEST,
	    (const uint8_t(*)[32])secret, 1, &test_env, now_ms), SZ_OK);
	assert_int_equal(sz_bundle_writer_add(w, req, sizeof req), SZ_OK);
	assert_int_equal(sz_bundle_writer_finish(w), SZ_OK);
	sz_bundle_writer_free(w);
	close(fd);
	uint8_t member[32];
	assert_int_equal(admit("r.req", "r.ans", member), SZ_ERR_BAD_SIGNATURE);
	assert_false(sz_cell_is_member(cn, nd[V]->id_pk));
	/* nothing burnt: the victim was not banned, the code still works for the newcomer */
	sz_cell *cl;
	assert_int_equal(live_join(L, &iv, &cl), SZ_OK);
	assert_true(sz_cell_is_member(cn, nd[L]->id_pk));
	assert_int_equal(members(cn), before + 1);
	/* ... once */
	assert_int_equal(live_join(M, &iv, NULL), SZ_ERR_EXPIRED);
	push(L, N);
	push(N, L);
}

/* A racer with the code and its own identity gets the seat; the newcomer is told the code was
 * used.  The racer has not acted yet: the inviter's revoke undoes its add (no ban).  A second
 * racer who has acted by the time of the revoke is beyond it: revoke says a removal is needed, and
 * the removal bans it for good. */
static void
test_racer_with_own_identity(void **state)
{
	(void)state;
	char code[SZ_INVITE_CODE_MAX];
	sz_invite iv;
	invite(code, &iv);
	sz_cell *cr;
	assert_int_equal(live_join(R, &iv, &cr), SZ_OK);
	assert_true(sz_cell_is_member(cn, nd[R]->id_pk));
	/* the real newcomer finds the code used (to it, used, revoked and expired look alike) */
	assert_int_equal(live_join(M, &iv, NULL), SZ_ERR_EXPIRED);
	/* revoked before the racer acted: its add is undone, nobody is banned */
	sz_node_revoked rv;
	assert_int_equal(sz_node_invite_revoke(nd[N], code, &rv), SZ_OK);
	assert_int_equal(rv.what, SZ_NODE_REVOKED_ADD);
	assert_ptr_equal(rv.cell, cn);
	assert_memory_equal(rv.member, nd[R]->id_pk, 32);
	assert_false(sz_cell_is_member(cn, nd[R]->id_pk));
	push(N, R);
	assert_int_equal(sz_cell_status(cr), SZ_CELL_REMOVED);
	/* a revoked code stays dead */
	assert_int_equal(sz_node_invite_revoke(nd[N], code, &rv), SZ_ERR_NOT_FOUND);

	/* The racer tries again with a new photograph, and this time acts (syncs) first. */
	invite(code, &iv);
	assert_int_equal(live_join(R, &iv, &cr), SZ_OK);
	assert_int_equal(sz_cell_status(cr), SZ_CELL_ACTIVE); /* its old removed state was replaced */
	push(R, N);
	assert_true(sz_cell_member_acted(cn, nd[R]->id_pk));
	assert_int_equal(sz_node_invite_revoke(nd[N], code, &rv), SZ_ERR_DENIED);
	assert_ptr_equal(rv.cell, cn);
	assert_non_null(strstr(sz_node_errmsg(nd[N]), "joined"));
	/* the removal it takes bans the identity: it can never be added again */
	sz_cell_result res = { 0 };
	int r = sz_cell_remove(cn, nd[R]->id_pk, &res);
	assert_int_equal(sz_node_cell_apply(nd[N], cn, r, &res), SZ_OK);
	sz_cell_joinkeys jk;
	assert_int_equal(sz_cell_joinkeys_new(&test_env, &jk), SZ_OK);
	assert_int_equal(sz_cell_add(cn, nd[R]->id_pk, jk.prekey_pk, jk.csk_pk, &res), SZ_ERR_DENIED);
	sz_cell_result_free(&res);
	invite(code, &iv);
	assert_int_equal(live_join(R, &iv, NULL), SZ_ERR_DENIED);
	push(N, R);
}

/* --- a half-finished add ------------------------------------------------------------------ */

/* The answer is lost on the way: the inviter revokes the code, which undoes the add; the same
 * person is invited again and joins.  Once its first op is here, the record forgets who it was
 * and a revoke says a removal would be needed. */
static void
test_lost_answer_revoked_and_invited_again(void **state)
{
	(void)state;
	char code[SZ_INVITE_CODE_MAX];
	sz_invite iv;
	invite(code, &iv);
	request_file(M, &iv, "m.req");
	uint8_t member[32];
	assert_int_equal(admit("m.req", "m.lost", member), SZ_OK);
	assert_true(sz_cell_is_member(cn, nd[M]->id_pk));
	/* the same request cannot be answered twice (the invitation's secret is gone) */
	int in = file_open("m.req", O_RDONLY), out = file_open("m.again", O_WRONLY | O_CREAT | O_TRUNC);
	sz_cell *c;
	int refused;
	int r = sz_node_admit_file(nd[N], in, out, &c, member, &refused);
	assert_true(r == SZ_ERR_DECRYPT || r == SZ_ERR_EXPIRED); /* (no open invitation at all) */
	close(in);
	close(out);
	sz_node_revoked rv;
	assert_int_equal(sz_node_invite_revoke(nd[N], code, &rv), SZ_OK);
	assert_int_equal(rv.what, SZ_NODE_REVOKED_ADD);
	assert_memory_equal(rv.member, nd[M]->id_pk, 32);
	assert_false(sz_cell_is_member(cn, nd[M]->id_pk));
	/* invited again, the same identity joins */
	char code2[SZ_INVITE_CODE_MAX];
	sz_invite iv2;
	invite(code2, &iv2);
	request_file(M, &iv2, "m2.req");
	assert_int_equal(admit("m2.req", "m2.ans", member), SZ_OK);
	sz_cell *cm = answer_file(M, &iv2, "m2.ans");
	assert_int_equal(sz_cell_status(cm), SZ_CELL_ACTIVE);
	assert_true(sz_cell_is_member(cn, nd[M]->id_pk));
	/* the old answer, had it come late, is for a request of a revoked code */
	push(M, N);
	push(N, M);
	assert_true(sz_cell_member_acted(cn, nd[M]->id_pk));
	assert_int_equal(sz_node_invites_tidy(nd[N]), SZ_OK);
	char name[64], hex[33];
	sz_hex_encode(hex, iv2.token, 16);
	snprintf(name, sizeof name, "%s%s", KV_INVITE_PREFIX, hex);
	sz_buf rec = { .secret = true };
	assert_int_equal(sz_store_kv_get(nd[N]->store, name, &rec), SZ_OK);
	assert_int_equal(rec.len, 1 + 1 + 32 + 8); /* joined: no identity kept */
	assert_int_equal(rec.p[1], 2);
	sz_buf_free(&rec);
	assert_int_equal(sz_node_invite_revoke(nd[N], code2, &rv), SZ_ERR_DENIED);
	assert_true(sz_cell_is_member(cn, nd[M]->id_pk));
	/* and the newcomer reads what is posted now */
	uint8_t id[32];
	static const char now[] = "Meeting moved to Thursday.";
	assert_int_equal(sz_node_post(nd[N], cn, NULL, (const uint8_t *)now, sizeof now - 1, id), SZ_OK);
	push(N, M);
	sz_buf got = { 0 };
	assert_int_equal(sz_store_get_entry(nd[M]->store, id, &got.p, &got.len, NULL, NULL), SZ_OK);
	free(got.p);
}

/* --- expiry and housekeeping -------------------------------------------------------------- */

static void
test_expiry_and_tidy(void **state)
{
	(void)state;
	char code[SZ_INVITE_CODE_MAX];
	sz_invite iv;
	assert_int_equal(sz_node_invite(nd[N], cn, 60 * 1000, NULL, code, sizeof code), SZ_OK);
	assert_int_equal(sz_invite_decode(&iv, code), SZ_OK);
	sz_join_secrets js;
	uint8_t req[SZ_JOIN_REQUEST_BYTES];
	assert_int_equal(sz_node_join_prepare(nd[V], &iv, req, &js), SZ_OK);
	/* a record of version 1 left in the store is dropped by the tidy */
	uint8_t old[40] = { 0 }, tok[16];
	randombytes_buf(tok, 16);
	char name[64], hex[33];
	sz_hex_encode(hex, tok, 16);
	snprintf(name, sizeof name, "%s%s", KV_INVITE_PREFIX, hex);
	assert_int_equal(sz_store_kv_put(nd[N]->store, name, old, sizeof old), SZ_OK);
	sz_buf idx = { .secret = true };
	assert_int_equal(sz_store_kv_get(nd[N]->store, KV_INVITES, &idx), SZ_OK);
	sz_buf_append(&idx, tok, 16);
	assert_int_equal(sz_store_kv_put(nd[N]->store, KV_INVITES, idx.p, idx.len), SZ_OK);
	size_t had = idx.len;
	sz_buf_free(&idx);
	now_ms += 3 * 60 * 1000;
	assert_int_equal(live(V, req, &js, NULL), SZ_ERR_EXPIRED);
	assert_false(sz_cell_is_member(cn, nd[V]->id_pk));
	assert_int_equal(sz_store_kv_get(nd[N]->store, name, &idx), SZ_ERR_NOT_FOUND);
	sz_buf_free(&idx);
	assert_int_equal(sz_store_kv_get(nd[N]->store, KV_INVITES, &idx), SZ_OK);
	assert_true(idx.len <= had - 32);
	sz_buf_free(&idx);
	sz_node_revoked rv;
	assert_int_equal(sz_node_invite_revoke(nd[N], code, &rv), SZ_ERR_NOT_FOUND);
	assert_int_equal(sz_node_invite_revoke(nd[N], "sz1-aaaaa", &rv), SZ_ERR_MALFORMED);
	sz_wipe(&js, sizeof js);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_photographer_reads_nothing),
		cmocka_unit_test(test_racer_names_a_third_person),
		cmocka_unit_test(test_racer_with_own_identity),
		cmocka_unit_test(test_lost_answer_revoked_and_invited_again),
		cmocka_unit_test(test_expiry_and_tidy),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
