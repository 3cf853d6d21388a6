/*
 * node_reach_test.c - "where to reach me" records through real nodes (app/node_reach.c): the
 * record's bytes parsed strictly (every cut, a byte more, a flipped one), records carried by the
 * cell to its members only, posted again when the addresses or the members change, an unlisted
 * node's record withdrawing its addresses, a removed member's node no longer a target and never
 * told where the others moved, a member's forged or garbled record ignored, and the inviter's
 * node a target until its own record comes.  Layer: app.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/invite.h"
#include "app/node_decide.h"
#include "app/node_int.h"
#include "app/node_reach.h"
#include "app/node_testlib.h"
#include "cell/cell.h"
#include "wire/entry.h"

enum { A, B, C, D };

static sz_addr
addr(const char *text)
{
	sz_addr a;
	char why[128];
	assert_int_equal(sz_addr_parse(&a, text, why, sizeof why), SZ_OK);
	return a;
}

static void
test_record_bytes(void **state)
{
	(void)state;
	sz_reach_rec rec, got;
	memset(&rec, 0, sizeof rec);
	rec.time_ms = 1700000000123ull;
	memset(rec.node_key, 0x5a, 32);
	memset(rec.auth_key, 0xa5, 32);
	rec.naddr = 2;
	rec.addr[0] = addr("abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz2345.onion:7070");
	rec.addr[1] = addr("192.168.1.20:7070");
	sz_buf b = { 0 };
	assert_int_equal(sz_reach_encode(&rec, &b), SZ_OK);
	assert_int_equal(b.len, 1 + 8 + 32 + 32 + 1 + 1 + 67 + 1 + 17);
	assert_int_equal(sz_reach_parse(b.p, b.len, &got), SZ_OK);
	assert_int_equal(got.time_ms, rec.time_ms);
	assert_memory_equal(got.node_key, rec.node_key, 32);
	assert_memory_equal(got.auth_key, rec.auth_key, 32);
	assert_int_equal(got.naddr, 2);
	assert_true(got.addr[0].onion);
	assert_string_equal(got.addr[1].host, "192.168.1.20");
	assert_int_equal(got.addr[1].port, 7070);
	/* every cut is refused, and a byte more */
	for (size_t l = 0; l < b.len; l++)
		assert_int_not_equal(sz_reach_parse(b.p, l, &got), SZ_OK);
	uint8_t more[256];
	memcpy(more, b.p, b.len);
	more[b.len] = 0;
	assert_int_equal(sz_reach_parse(more, b.len + 1, &got), SZ_ERR_MALFORMED);
	/* another version; a count past 4; an empty address; a control character; no port */
	memcpy(more, b.p, b.len);
	more[0] = 2;
	assert_int_equal(sz_reach_parse(more, b.len, &got), SZ_ERR_UNSUPPORTED);
	memcpy(more, b.p, b.len);
	more[73] = 5;
	assert_int_equal(sz_reach_parse(more, b.len, &got), SZ_ERR_TOO_LARGE);
	memcpy(more, b.p, b.len);
	more[74] = 0;
	assert_int_not_equal(sz_reach_parse(more, b.len, &got), SZ_OK);
	memcpy(more, b.p, b.len);
	more[b.len - 3] = '\n';
	assert_int_equal(sz_reach_parse(more, b.len, &got), SZ_ERR_MALFORMED);
	sz_reach_rec zero = rec;
	zero.naddr = 1;
	zero.addr[0] = addr("10.0.0.1:0");
	sz_buf z = { 0 };
	assert_int_equal(sz_reach_encode(&zero, &z), SZ_OK);
	assert_int_equal(sz_reach_parse(z.p, z.len, &got), SZ_ERR_MALFORMED);
	/* a record naming no address is a record (an unlisted node) */
	zero.naddr = 0;
	z.len = 0;
	assert_int_equal(sz_reach_encode(&zero, &z), SZ_OK);
	assert_int_equal(sz_reach_parse(z.p, z.len, &got), SZ_OK);
	assert_int_equal(got.naddr, 0);
	zero.naddr = 5;
	assert_int_equal(sz_reach_encode(&zero, &z), SZ_ERR_TOO_LARGE);
	sz_buf_free(&z);
	sz_buf_free(&b);
}

/* The targets node i has: how many, and whether one has key at host:port. */
static size_t
targets(tnet *t, int i, const sz_node *of, const char *at)
{
	sz_autosync_want w[16];
	size_t n = sz_node_reach_targets(t->nd[i], w, 16), hit = 0;
	for (size_t k = 0; k < n; k++) {
		assert_true(w[k].has_key);
		assert_memory_not_equal(w[k].key, t->nd[i]->tr_pk, 32);
		if (of == NULL || memcmp(w[k].key, of->tr_pk, 32) != 0)
			continue;
		char text[SZ_NET_ADDR_TEXT];
		assert_int_equal(sz_addr_format(&w[k].addr[0], text, sizeof text), SZ_OK);
		hit += at == NULL || strcmp(text, at) == 0;
	}
	return of == NULL ? n : hit;
}

static bool
publish(tnet *t, int i, const char *at, bool unlisted)
{
	sz_addr a;
	bool posted = false;
	memset(&a, 0, sizeof a);
	if (at != NULL)
		a = addr(at);
	assert_int_equal(sz_node_reach_publish(t->nd[i], t->cl[i], &a, at != NULL, unlisted,
	    &posted), SZ_OK);
	return posted;
}

static void
test_records_in_the_cell(void **state)
{
	(void)state;
	tnet t;
	tn_new(&t, "reach", 4);
	tn_join(&t, A, B);
	tn_join(&t, A, C);
	tn_mesh(&t, 1u << A | 1u << B | 1u << C);
	assert_int_equal(targets(&t, A, NULL, NULL), 0);
	assert_true(publish(&t, A, "10.0.0.1:7070", false));
	assert_true(publish(&t, B, "10.0.0.2:7070", false));
	assert_true(publish(&t, C, "10.0.0.3:7070", false));
	/* the same again: nothing posted */
	assert_false(publish(&t, A, "10.0.0.1:7070", false));
	tn_mesh(&t, 1u << A | 1u << B | 1u << C);
	assert_int_equal(targets(&t, A, NULL, NULL), 2);
	assert_int_equal(targets(&t, A, t.nd[B], "10.0.0.2:7070"), 1);
	assert_int_equal(targets(&t, B, t.nd[C], "10.0.0.3:7070"), 1);
	/* D, outside the cell, holds the envelopes (a relay) and learns no address */
	tn_mesh(&t, 1u << A | 1u << D);
	assert_int_equal(targets(&t, D, NULL, NULL), 0);

	/* B moves: the others follow */
	assert_true(publish(&t, B, "10.0.0.22:7070", false));
	tn_mesh(&t, 1u << A | 1u << B | 1u << C);
	assert_int_equal(targets(&t, A, t.nd[B], "10.0.0.22:7070"), 1);
	assert_int_equal(targets(&t, A, t.nd[B], NULL), 1);
	/* C chooses to publish none: its record withdraws its address, once */
	assert_true(publish(&t, C, NULL, true));
	assert_false(publish(&t, C, NULL, true));
	tn_mesh(&t, 1u << A | 1u << B | 1u << C);
	assert_int_equal(targets(&t, A, t.nd[C], NULL), 0);
	assert_int_equal(targets(&t, B, t.nd[C], NULL), 0);

	/* B is removed: no longer a target of anyone's, and never told where A moves next */
	sz_cell_result res = { 0 };
	assert_int_equal(sz_node_cell_apply(t.nd[A], t.cl[A], sz_cell_remove(t.cl[A],
	    t.nd[B]->id_pk, &res), &res), SZ_OK);
	tn_mesh(&t, 1u << A | 1u << B | 1u << C);
	assert_int_equal(targets(&t, A, t.nd[B], NULL), 0);
	assert_int_equal(targets(&t, C, t.nd[B], NULL), 0);
	/* the members changed: A's record goes again, for the members now */
	assert_true(publish(&t, A, "10.0.0.11:7070", false));
	tn_mesh(&t, 1u << A | 1u << B | 1u << C);
	assert_int_equal(targets(&t, C, t.nd[A], "10.0.0.11:7070"), 1);
	assert_int_equal(targets(&t, B, t.nd[A], "10.0.0.11:7070"), 0);

	/* D joins: the records posted before cannot be read by it, the ones posted again can */
	tn_join(&t, C, D);
	tn_mesh(&t, 1u << A | 1u << C | 1u << D);
	assert_int_equal(targets(&t, D, t.nd[A], NULL), 0);
	assert_true(publish(&t, A, "10.0.0.11:7070", false)); /* same address, new members */
	tn_mesh(&t, 1u << A | 1u << C | 1u << D);
	assert_int_equal(targets(&t, D, t.nd[A], "10.0.0.11:7070"), 1);
	tn_free(&t);
}

/* A member's garbled record, or one past a limit, is not used and breaks nothing; a stale one
 * (older time) does not replace a newer one. */
static void
test_bad_records(void **state)
{
	(void)state;
	tnet t;
	tn_new(&t, "reach-bad", 2);
	tn_join(&t, A, B);
	tn_mesh(&t, 1u << A | 1u << B);
	assert_true(publish(&t, B, "10.0.0.2:7070", false));
	tn_mesh(&t, 1u << A | 1u << B);
	assert_int_equal(targets(&t, A, t.nd[B], "10.0.0.2:7070"), 1);
	static const char junk[] = "\x01 not a record";
	assert_int_equal(sz_node_cell_post(t.nd[B], t.cl[B], SZ_KIND_REACH, (const uint8_t *)junk,
	    sizeof junk - 1, NULL, 0, NULL), SZ_OK);
	/* an older record, signed by B: not taken over the newer */
	sz_reach_rec old;
	memset(&old, 0, sizeof old);
	old.time_ms = 1;
	memcpy(old.node_key, t.nd[B]->tr_pk, 32);
	old.naddr = 1;
	old.addr[0] = addr("10.9.9.9:1");
	sz_buf b = { 0 };
	assert_int_equal(sz_reach_encode(&old, &b), SZ_OK);
	assert_int_equal(sz_node_cell_post(t.nd[B], t.cl[B], SZ_KIND_REACH, b.p, b.len, NULL, 0,
	    NULL), SZ_OK);
	sz_buf_free(&b);
	tn_result r = tn_sync(t.nd[A], t.nd[B]);
	assert_int_equal(r.ea, SZ_OK);
	assert_int_equal(r.eb, SZ_OK);
	assert_int_equal(targets(&t, A, t.nd[B], NULL), 1);
	assert_int_equal(targets(&t, A, t.nd[B], "10.0.0.2:7070"), 1);
	tn_free(&t);
}

/* After a join, the inviter's node (key and address from the code) is a target until its own
 * record arrives, which then names it alone. */
static void
test_inviter_contact(void **state)
{
	(void)state;
	tnet t;
	tn_new(&t, "reach-invite", 2);
	tn_join(&t, A, B);
	sz_addr code = addr("192.168.7.1:7070");
	static const uint8_t token[16] = { 1, 2, 3 };
	assert_int_equal(sz_node_reach_note_invite(t.nd[B], t.cl[B], t.nd[A]->tr_pk, &code, token),
	    SZ_OK);
	/* B's tor gets the token's key for A's onions, its own for anyone else's */
	uint8_t sk[32], want[32], pk[32];
	sz_node_reach_client_secret(t.nd[B], t.nd[A]->tr_pk, sk);
	sz_reach_invite_client_key(token, want, pk);
	assert_memory_equal(sk, want, 32);
	sz_node_reach_client_secret(t.nd[B], t.nd[B]->tr_pk, sk);
	sz_node_onion_client_key(t.nd[B], want, pk);
	assert_memory_equal(sk, want, 32);
	assert_int_equal(targets(&t, B, t.nd[A], "192.168.7.1:7070"), 1);
	tn_mesh(&t, 1u << A | 1u << B);
	assert_true(publish(&t, A, "10.0.0.1:7070", false));
	tn_mesh(&t, 1u << A | 1u << B);
	assert_int_equal(targets(&t, B, t.nd[A], NULL), 1);
	assert_int_equal(targets(&t, B, t.nd[A], "10.0.0.1:7070"), 1);
	tn_free(&t);
}

/* Does node i's onion service let key in? */
static bool
lets_in(tnet *t, int i, const uint8_t key[32])
{
	uint8_t keys[16][32];
	size_t n = sz_node_reach_clients(t->nd[i], keys, 16);
	for (size_t k = 0; k < n; k++) {
		if (k > 0)
			assert_true(memcmp(keys[k - 1], keys[k], 32) < 0); /* sorted, each once */
		if (memcmp(keys[k], key, 32) == 0)
			return true;
	}
	return false;
}

static void
client_pk(tnet *t, int i, uint8_t pk[32])
{
	uint8_t sk[32];
	sz_node_onion_client_key(t->nd[i], sk, pk);
}

/* Who a node's onion lets in: current members' nodes (from their records), the key a member was
 * admitted with (while a member), open invitations' keys; never a removed member's, nor a key of
 * a node that is no member. */
static void
test_onion_clients(void **state)
{
	(void)state;
	tnet t;
	uint8_t pb[32], pc[32], pd[32], ik[32], isk[32];
	tn_new(&t, "reach-clients", 4);
	tn_join(&t, A, B);
	tn_join(&t, A, C);
	client_pk(&t, B, pb);
	client_pk(&t, C, pc);
	client_pk(&t, D, pd);
	assert_false(lets_in(&t, A, pb)); /* no record yet */
	assert_true(publish(&t, B, "10.0.0.2:7070", false));
	assert_true(publish(&t, C, NULL, true)); /* unlisted: still a member, still let in */
	tn_mesh(&t, 1u << A | 1u << B | 1u << C);
	assert_true(lets_in(&t, A, pb));
	assert_false(lets_in(&t, A, pd));
	/* an open invitation's key is let in; once revoked, no longer */
	char code[SZ_INVITE_CODE_MAX];
	sz_invite iv;
	/* the next code's key is let in before the code exists (a newcomer never finds a descriptor
	 * that does not let it in); the code after it is another */
	uint8_t next[16];
	assert_int_equal(sz_node_reach_next_token(t.nd[A], next, false), SZ_OK);
	sz_reach_invite_client_key(next, isk, ik);
	assert_true(lets_in(&t, A, ik));
	assert_int_equal(sz_node_invite(t.nd[A], t.cl[A], 3600000, NULL, code, sizeof code), SZ_OK);
	assert_int_equal(sz_invite_decode(&iv, code), SZ_OK);
	assert_memory_equal(iv.token, next, 16);
	uint8_t after[16];
	assert_int_equal(sz_node_reach_next_token(t.nd[A], after, false), SZ_OK);
	assert_memory_not_equal(after, next, 16);
	sz_reach_invite_client_key(iv.token, isk, ik);
	assert_true(lets_in(&t, A, ik));
	sz_node_revoked rv;
	assert_int_equal(sz_node_invite_revoke(t.nd[A], code, &rv), SZ_OK);
	assert_false(lets_in(&t, A, ik));
	/* the key C was admitted with stays let in while C is a member */
	assert_int_equal(sz_node_reach_alias(t.nd[A], t.cl[A], t.nd[C]->id_pk, iv.token), SZ_OK);
	assert_true(lets_in(&t, A, ik));
	/* B is removed: its node's key, and C's alias once C is removed too, are let in no more */
	sz_cell_result res = { 0 };
	assert_int_equal(sz_node_cell_apply(t.nd[A], t.cl[A], sz_cell_remove(t.cl[A],
	    t.nd[B]->id_pk, &res), &res), SZ_OK);
	assert_false(lets_in(&t, A, pb));
	assert_true(lets_in(&t, A, pc));
	sz_cell_result res2 = { 0 };
	assert_int_equal(sz_node_cell_apply(t.nd[A], t.cl[A], sz_cell_remove(t.cl[A],
	    t.nd[C]->id_pk, &res2), &res2), SZ_OK);
	assert_false(lets_in(&t, A, ik));
	assert_false(lets_in(&t, A, pc));
	tn_free(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_bytes),
		cmocka_unit_test(test_records_in_the_cell),
		cmocka_unit_test(test_bad_records),
		cmocka_unit_test(test_inviter_contact),
		cmocka_unit_test(test_onion_clients),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
