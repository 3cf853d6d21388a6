/*
 * node_local_test.c - what a person keeps for themselves (node_local.c): local names (what is a
 * name: no control characters, no bidirectional overrides that would disguise one; set, change,
 * forget; kept across a lock), a name given with an invitation becoming the newcomer's name once
 * they join, the peer list, and which posts were seen.  Layer: app.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "app/invite.h"
#include "app/join.h"
#include "app/node_int.h"
#include "app/node_testlib.h"
#include "cell/cell.h"

static void
test_name_check(void **state)
{
	(void)state;
	assert_int_equal(sz_node_name_check("Ben", 3), SZ_OK);
	assert_int_equal(sz_node_name_check("Zoë Ünal", strlen("Zoë Ünal")), SZ_OK);
	assert_int_equal(sz_node_name_check("", 0), SZ_ERR_INVALID);
	assert_int_equal(sz_node_name_check("a\nb", 3), SZ_ERR_INVALID);
	assert_int_equal(sz_node_name_check("a\x1b[31m", 6), SZ_ERR_INVALID);
	assert_int_equal(sz_node_name_check("a\x7f", 2), SZ_ERR_INVALID);
	assert_int_equal(sz_node_name_check("\xc2\x85x", 3), SZ_ERR_INVALID);          /* C1 NEL */
	assert_int_equal(sz_node_name_check("ada\xe2\x80\xaeneb", 9), SZ_ERR_INVALID);   /* RLO */
	assert_int_equal(sz_node_name_check("ada\xe2\x81\xa6x", 7), SZ_ERR_INVALID);     /* LRI */
	assert_int_equal(sz_node_name_check("\xff\xfe", 2), SZ_ERR_INVALID);            /* not UTF-8 */
	char long_[SZ_NODE_NAME_MAX + 2];
	memset(long_, 'x', sizeof long_);
	assert_int_equal(sz_node_name_check(long_, SZ_NODE_NAME_MAX), SZ_OK);
	assert_int_equal(sz_node_name_check(long_, SZ_NODE_NAME_MAX + 1), SZ_ERR_INVALID);
}

static void
test_names_kept(void **state)
{
	(void)state;
	tnet t;
	tn_new(&t, "names", 2);
	char name[SZ_NODE_NAME_MAX + 1];
	uint8_t other[32];
	memcpy(other, t.nd[1]->id_pk, 32);
	assert_false(sz_node_name_get(t.nd[0], other, name));
	assert_string_equal(name, "");
	assert_int_equal(sz_node_name_set(t.nd[0], other, "Ben"), SZ_OK);
	assert_true(sz_node_name_get(t.nd[0], other, name));
	assert_string_equal(name, "Ben");
	assert_int_equal(sz_node_name_set(t.nd[0], other, "a\tb"), SZ_ERR_INVALID);
	assert_true(sz_node_name_get(t.nd[0], other, name));
	assert_string_equal(name, "Ben"); /* unchanged */
	tn_reopen(&t, 0);
	assert_true(sz_node_name_get(t.nd[0], other, name));
	assert_string_equal(name, "Ben");
	assert_int_equal(sz_node_name_set(t.nd[0], other, NULL), SZ_OK);
	assert_false(sz_node_name_get(t.nd[0], other, name));
	assert_int_equal(sz_node_name_set(t.nd[0], other, ""), SZ_OK); /* nothing to forget */
	tn_free(&t);
}

static void
test_invitation_names_the_newcomer(void **state)
{
	(void)state;
	tnet t;
	tn_new(&t, "invname", 2);
	char code[SZ_INVITE_CODE_MAX], name[SZ_NODE_NAME_MAX + 1];
	assert_int_equal(sz_node_invite_named(t.nd[0], t.cl[0], 3600000, NULL, "a\nb", code,
	    sizeof code), SZ_ERR_INVALID);
	assert_int_equal(sz_node_invite_named(t.nd[0], t.cl[0], 3600000, NULL, "Ben", code,
	    sizeof code), SZ_OK);
	/* the newcomer's request, answered as the inviter's session hook answers it */
	sz_invite iv;
	assert_int_equal(sz_invite_decode(&iv, code), SZ_OK);
	sz_join_secrets js;
	uint8_t req[SZ_JOIN_REQUEST_BYTES];
	assert_int_equal(sz_node_join_prepare(t.nd[1], &iv, req, &js), SZ_OK);
	sz_buf reply = { 0 };
	assert_int_equal(sz_node_on_join(t.nd[0], req, sizeof req, &reply), SZ_OK);
	sz_node_joining j = { .n = t.nd[1], .js = &js };
	assert_int_equal(sz_node_on_welcome(&j, reply.p, reply.len), SZ_OK);
	assert_non_null(j.cell);
	assert_true(sz_node_name_get(t.nd[0], t.nd[1]->id_pk, name));
	assert_string_equal(name, "Ben");
	/* the name went with the invitation; the newcomer named nobody */
	assert_false(sz_node_name_get(t.nd[1], t.nd[0]->id_pk, name));
	sz_buf_free(&reply);
	tn_free(&t);
}

static void
test_peers_and_seen(void **state)
{
	(void)state;
	tnet t;
	tn_new(&t, "local", 1);
	sz_node *n = t.nd[0];
	bool found;
	sz_buf list = { 0 };
	assert_int_equal(sz_node_peers_get(n, &list), SZ_OK);
	assert_int_equal(list.len, 0);
	assert_int_equal(sz_node_peers_edit(n, "10.0.0.1:7070", true, &found), SZ_OK);
	assert_false(found);
	assert_int_equal(sz_node_peers_edit(n, "10.0.0.2:7070", true, &found), SZ_OK);
	assert_int_equal(sz_node_peers_edit(n, "10.0.0.1:7070", true, &found), SZ_OK);
	assert_true(found); /* once, moved last */
	assert_int_equal(sz_node_peers_edit(n, "a\nb", true, &found), SZ_ERR_INVALID);
	assert_int_equal(sz_node_peers_get(n, &list), SZ_OK);
	assert_int_equal(list.len, strlen("10.0.0.2:7070\n10.0.0.1:7070\n"));
	assert_memory_equal(list.p, "10.0.0.2:7070\n10.0.0.1:7070\n", list.len);
	sz_buf_free(&list);
	assert_int_equal(sz_node_peers_edit(n, "10.0.0.9:7070", false, &found), SZ_OK);
	assert_false(found);
	assert_int_equal(sz_node_peers_edit(n, "10.0.0.2:7070", false, &found), SZ_OK);
	assert_true(found);

	uint8_t cell[32] = { 7 }, ids[3][32];
	for (int i = 0; i < 3; i++)
		memset(ids[i], 0x30 - i * 0x10, 32);
	sz_buf seen = { 0 };
	assert_int_equal(sz_node_seen_get(n, cell, &seen), SZ_OK);
	assert_false(sz_node_seen_has(&seen, ids[0]));
	assert_int_equal(sz_node_seen_put(n, cell, (const uint8_t (*)[32])ids, 2), SZ_OK);
	assert_int_equal(sz_node_seen_get(n, cell, &seen), SZ_OK);
	assert_true(sz_node_seen_has(&seen, ids[0]));
	assert_true(sz_node_seen_has(&seen, ids[1]));
	assert_false(sz_node_seen_has(&seen, ids[2]));
	sz_buf_free(&seen);
	tn_free(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_check),
		cmocka_unit_test(test_names_kept),
		cmocka_unit_test(test_invitation_names_the_newcomer),
		cmocka_unit_test(test_peers_and_seen),
	};
	if (sz_init() != SZ_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
