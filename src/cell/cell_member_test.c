/*
 * cell_member_test.c - attacker tests of the membership rules (docs/PROTOCOL.md §11 (Cells) §7,
 * docs/threat/cell.md), one per finding of issue 12: a removal must not drop the people the
 * removed member invited; a removed member's saved device, with every key it had, changes no
 * one's membership by ops made after its removal, whatever heads they claim; a newcomer's first
 * op cannot be forged; heads cannot go back.  Runs on the in-memory network of cell_testnet.h.
 */
#include "cell/cell_int.h"
#include "cell/cell_testnet.h"

/* A copy of node i's state, as a saved device would keep it. */
static sz_cell *
saved(net *w, int i)
{
	uint8_t *st;
	size_t len;
	sz_cell *c;
	assert_int_equal(sz_cell_serialize(w->n[i].c, &st, &len), SZ_OK);
	assert_int_equal(sz_cell_deserialize(&c, &w->n[i].env.env, st, len), SZ_OK);
	sz_wipe(st, len);
	free(st);
	return c;
}

static void
remove_by(net *w, int by, int who)
{
	sz_cell_result res = { 0 };
	assert_int_equal(sz_cell_remove(w->n[by].c, w->n[who].pk, &res), SZ_OK);
	net_take(w, by, &res);
}

/* Feed every envelope of res to node to; returns how many the node's verdict drops. */
static int
feed_all(net *w, int to, sz_cell_result *res)
{
	int drops = 0;
	for (size_t i = 0; i < res->nout; i++) {
		sz_cell_result rr = { 0 };
		int r = sz_cell_receive(w->n[to].c, res->out[i], res->outlen[i], &rr);
		assert_true(r == SZ_OK || r == SZ_ERR_NOT_FOUND || r == SZ_ERR_DECRYPT);
		drops += rr.drop;
		if (getenv("SZ_CELL_TRACE"))
			for (size_t e = 0; e < rr.nev; e++)
				fprintf(stderr, "node %d <- op %zu: r %d drop %d ev %d reason %d %s\n", to, i, r,
				    rr.drop, rr.ev[e].type, rr.ev[e].reason, rr.ev[e].text);
		net_take(w, to, &rr); /* what it answers (acks) goes out as usual */
	}
	return drops;
}

static int
member_at(net *w, int at, int who)
{
	return sz_cell_is_member(w->n[at].c, w->n[who].pk);
}

/* Finding 1: A invites B, B invites K, everyone syncs, A removes B: K stays, for everyone and
 * in its own view, and reads and is read. */
static void
test_removal_keeps_invitees(void **state)
{
	(void)state;
	for (int s = 1; s <= nseeds(); s++) {
		net *w = group(5, 3, (uint64_t)s); /* A, B, C */
		add(w, 1, 3);                       /* B adds K */
		run(w);
		assert_int_equal(converged(w), 4);
		remove_by(w, 0, 1);                 /* A removes B */
		w->n[1].gone = 1;
		run(w);
		assert_int_equal(converged(w), 3);
		for (int i = 0; i < 4; i++)
			if (i != 1) {
				assert_true(member_at(w, i, 3));
				assert_int_equal(sz_cell_status(w->n[i].c), SZ_CELL_ACTIVE);
			}
		/* and K may invite in turn */
		add(w, 3, 4);
		run(w);
		assert_int_equal(converged(w), 4);
		all_read_all(w, "after B's removal");
		net_free(w);
	}
}

/* Finding 1: removing the creator, or the creator leaving, keeps everyone else. */
static void
test_creator_removed_or_leaves(void **state)
{
	(void)state;
	for (int s = 1; s <= nseeds(); s++) {
		net *w = group(4, 4, (uint64_t)s);
		if (s % 2) {
			remove_by(w, 2, 0);
		} else {
			sz_cell_result res = { 0 };
			assert_int_equal(sz_cell_leave(w->n[0].c, &res), SZ_OK);
			net_take(w, 0, &res);
		}
		w->n[0].gone = 1;
		run(w);
		assert_int_equal(converged(w), 3);
		all_read_all(w, "without the creator");
		net_free(w);
	}
}

/* Findings 2 and 4: D's saved device, holding its state from before its removal and so every
 * epoch key it knew, removes B and C, adds a spy, and updates, long after everyone applied its
 * removal, under the epochs it knows and with heads from before its removal.  Nothing changes:
 * B and C stay, the spy is no one, the epoch members seal with stays clean, and past a few ops
 * its envelopes are refused as not worth keeping. */
static void
test_removed_saved_device(void **state)
{
	(void)state;
	for (int s = 1; s <= nseeds(); s++) {
		net *w = group(5, 4, (uint64_t)s);
		sz_cell *d = saved(w, 3);
		remove_by(w, 0, 3);
		w->n[3].gone = 1;
		run(w);
		post(w, 1, "after D's removal");
		run(w);
		uint8_t before[CELL_EPOCHS][16];
		size_t nb;
		assert_int_equal(sz_cell_scopes(w->n[0].c, before, CELL_EPOCHS, &nb), SZ_OK);
		sz_cell_result ops = { 0 };
		assert_int_equal(sz_cell_remove(d, w->n[1].pk, &ops), SZ_OK);
		assert_int_equal(sz_cell_remove(d, w->n[2].pk, &ops), SZ_OK);
		assert_int_equal(sz_cell_add(d, w->n[4].pk, w->n[4].jk.prekey_pk, w->n[4].jk.csk_pk,
		    &ops), SZ_OK);
		for (int k = 0; k < 6; k++)
			assert_int_equal(sz_cell_update(d, &ops), SZ_OK);
		/* each node takes at most CELL_UNVOUCHED of them (for their keys, without effect):
		 * the rest it cannot open (sealed under epochs of ops it refused, or not sent to it) or
		 * refuses as not worth keeping */
		int drops = 0;
		for (int i = 0; i < 3; i++)
			drops += feed_all(w, i, &ops);
		assert_true(drops >= 1);
		for (int i = 0; i < 3; i++)
			assert_true(w->n[3].c == NULL || sz_cellm_find(w->n[i].c, w->n[3].pk) < 0 ||
			    w->n[i].c->m[sz_cellm_find(w->n[i].c, w->n[3].pk)].done <=
			    w->n[i].c->m[sz_cellm_find(w->n[i].c, w->n[3].pk)].tmax + CELL_UNVOUCHED);
		run(w);
		assert_int_equal(converged(w), 3);
		for (int i = 0; i < 3; i++) {
			assert_true(member_at(w, i, 1) && member_at(w, i, 2));
			assert_false(member_at(w, i, 4));
			assert_false(member_at(w, i, 3));
		}
		uint8_t after[CELL_EPOCHS][16];
		size_t na;
		int clean = 0;
		assert_int_equal(sz_cell_scopes(w->n[0].c, after, CELL_EPOCHS, &na), SZ_OK);
		assert_memory_equal(after[0], before[0], 16);
		assert_int_equal(sz_cell_scope_clean(w->n[0].c, after[0], &clean), SZ_OK);
		assert_int_equal(clean, 1);
		/* re-adding B or C is not even needed: they are members */
		sz_cell_result res = { 0 };
		assert_int_equal(sz_cell_add(w->n[0].c, w->n[1].pk, w->n[1].jk.prekey_pk,
		    w->n[1].jk.csk_pk, &res), SZ_ERR_EXISTS);
		all_read_all(w, "after the saved device");
		sz_cell_result_free(&ops);
		sz_cell_free(d);
		net_free(w);
	}
}

/* The bounded window (docs/threat/cell.md): D removes C concurrently with A removing D.  If B
 * applies D's removal of C before A's removal of D, B vouches for it and C goes for everyone;
 * if every member gets A's removal first, D's removal of C changes nothing.  Both converge. */
static void
test_concurrent_removal_window(void **state)
{
	(void)state;
	for (int s = 1; s <= nseeds(); s++) {
		net *w = group(4, 4, (uint64_t)s);
		int k1 = w->nlog;
		sz_cell_result res = { 0 };
		assert_int_equal(sz_cell_remove(w->n[3].c, w->n[2].pk, &res), SZ_OK); /* D: C out */
		net_take(w, 3, &res);
		int k2 = w->nlog;
		remove_by(w, 0, 3);                                                     /* A: D out */
		int k3 = w->nlog;
		w->n[3].gone = 1;
		int race = s % 2;
		for (int k = k1; race && k < k2; k++)
			assert_int_equal(deliver(w, 1, k), 1); /* B applies D's op first */
		for (int k = k2; !race && k < k3; k++)
			for (int i = 1; i < 3; i++)
				assert_int_equal(deliver(w, i, k), 1); /* all apply A's removal first */
		run(w);
		if (race) {
			w->n[2].gone = 1;
			assert_int_equal(converged(w), 2);
			for (int i = 0; i < 2; i++)
				assert_false(member_at(w, i, 2));
			assert_int_equal(sz_cell_status(w->n[2].c), SZ_CELL_REMOVED);
		} else {
			assert_int_equal(converged(w), 3);
			for (int i = 0; i < 3; i++)
				assert_true(member_at(w, i, 2));
		}
		all_read_all(w, "after the window");
		net_free(w);
	}
}

static void
put_op_head(sz_buf *b, uint8_t type, uint32_t mref, uint32_t seq, const cell_mop *head,
    const sz_cell *c)
{
	static const uint8_t none[8];
	int a = sz_cellm_by_mref(c, mref);
	sz_buf_u8(b, 4);
	sz_buf_u8(b, type);
	sz_buf_u32(b, mref);
	sz_buf_u32(b, seq);
	/* prev: the author's op seq - 1 as c holds it */
	sz_buf_append(b, seq > 1 && a >= 0 ? c->m[a].oprec[(seq - 1) % CELL_OPREC] : none, 8);
	sz_buf_u8(b, 1); /* one head */
	sz_buf_u32(b, c->m[head->author].mref);
	sz_buf_u32(b, head->seq);
	sz_buf_append(b, head->id, 8);
	sz_buf_u8(b, 0); /* vouches */
	if (seq == 1) { /* a first op names the add it joined from: here the head */
		sz_buf_u32(b, c->m[head->author].mref);
		sz_buf_u32(b, head->seq);
		sz_buf_append(b, head->id, 8);
	}
}

/* Finding 3: X is added by A while V is added by C at the same time; a member in bad faith (B)
 * sends V a "first update of X" whose heads leave V out (so V gets no direct message in it),
 * signed by a key of B's.  V refuses it; X's real first update is taken; a forged "add of a spy
 * by X" is refused too: no member ever takes a newcomer's key on trust. */
static void
test_forged_first_op(void **state)
{
	(void)state;
	net *w = group(6, 3, 5); /* A, B, C; X = 3, V = 4, spy = 5 */
	add(w, 0, 3);            /* A adds X ... */
	add(w, 2, 4);            /* ... while C adds V */
	int addx = -1;
	sz_cell *b = w->n[1].c;
	/* deliver everything but X's join: V joins, B learns both adds */
	for (int k = 0; k < w->nlog; k++)
		for (int i = 0; i < 5; i++)
			if (i != 3 && !w->n[i].got[k])
				deliver(w, i, k);
	for (int k = 0; k < w->nlog; k++)
		for (int i = 0; i < 5; i++)
			if (i != 3 && !w->n[i].got[k])
				deliver(w, i, k);
	assert_non_null(w->n[4].c);
	int xi = sz_cellm_find(b, w->n[3].pk), vi = sz_cellm_find(b, w->n[4].pk);
	assert_true(xi >= 0 && vi >= 0);
	for (int i = 0; i < b->nmops; i++)
		if (b->mop[i].type == OP_ADD && b->mop[i].target == xi)
			addx = i;
	assert_true(addx >= 0);
	/* the forged update: heads = X's add (V is not in that view), dummy direct messages to the
	 * members of that view (V does not open them), signed by a key B made */
	uint8_t fpk[32], fsk[64], seed[32] = { 0x66 };
	assert_int_equal(sz_sign_seed_keypair(fpk, fsk, seed), SZ_OK);
	cell_mset mem;
	cell_oset v = b->mop[addx].past;
	sz_cellm_members(b, &v, &mem);
	uint16_t rcp[CELL_MAX_MEMBERS];
	size_t nr = sz_cellop_recipients(b, &v, (uint16_t)xi, -1, rcp);
	assert_false(mset_has(&mem, (unsigned)vi));
	sz_buf body = { 0 };
	put_op_head(&body, OP_UPDATE, b->m[xi].mref, 1, &b->mop[addx], b);
	sz_buf_u8(&body, 0);                 /* no window */
	sz_buf_append(&body, fpk, 32);       /* csk_new: the forger's */
	uint8_t dh[34] = { 9 };
	sz_buf_append(&body, dh, 34);
	sz_buf_u16(&body, (uint16_t)nr);
	uint8_t junk[32 + 48] = { 1 };
	sz_buf_append(&body, junk, 32);      /* EK */
	for (size_t i = 0; i < nr; i++) {
		sz_buf_u32(&body, b->m[rcp[i]].mref);
		sz_buf_u16(&body, 0);
		sz_buf_u32(&body, 0);
		sz_buf_append(&body, junk, 48);
	}
	cell_epoch *ep = NULL;
	uint8_t sc[1][16];
	size_t k1;
	assert_int_equal(sz_cell_scopes(w->n[4].c, sc, 1, &k1), SZ_OK);
	for (int i = 0; i < CELL_EPOCHS; i++)
		if (b->ep[i].used && memcmp(b->ep[i].scope, sc[0], 16) == 0)
			ep = &b->ep[i];
	assert_non_null(ep); /* B holds the epoch V seals with */
	sz_cell_result forged = { 0 };
	forge(&body, fsk, ep, &w->n[1].env, &forged);
	sz_buf_free(&body);
	sz_cell_result rr = { 0 };
	assert_int_equal(sz_cell_receive(w->n[4].c, forged.out[0], forged.outlen[0], &rr), SZ_OK);
	assert_int_equal(rr.drop, 1);
	int refused = 0;
	for (size_t i = 0; i < rr.nev; i++)
		refused += rr.ev[i].type == SZ_CELL_EV_REJECTED && rr.ev[i].reason == SZ_ERR_BAD_SIGNATURE;
	assert_int_equal(refused, 1);
	sz_cell_result_free(&rr);
	sz_cell_result_free(&forged);
	/* the forger then "adds a spy as X" */
	body = (sz_buf){ 0 };
	put_op_head(&body, OP_ADD, b->m[xi].mref, 1, &b->mop[addx], b);
	sz_buf_u8(&body, 0);
	sz_buf_append(&body, w->n[5].pk, 32);
	sz_buf_append(&body, w->n[5].jk.prekey_pk, 32);
	sz_buf_append(&body, w->n[5].jk.csk_pk, 32);
	forge(&body, fsk, ep, &w->n[1].env, &forged);
	sz_buf_free(&body);
	assert_int_equal(sz_cell_receive(w->n[4].c, forged.out[0], forged.outlen[0], &rr), SZ_OK);
	assert_int_equal(rr.drop, 1);
	sz_cell_result_free(&rr);
	sz_cell_result_free(&forged);
	/* now X joins for real: everyone, V included, takes its first update */
	run(w);
	assert_int_equal(converged(w), 5);
	assert_false(member_at(w, 4, 5));
	all_read_all(w, "after the forgery");
	net_free(w);
}

/* Heads are monotone: an op whose view leaves out what its author's previous op had seen is
 * refused and reported as its author's (it signed both). */
static void
test_heads_go_back(void **state)
{
	(void)state;
	net *w = group(5, 4, 8);
	add(w, 0, 4); /* E joins: D's next op sees it */
	run(w);
	sz_cell *d = w->n[3].c;
	sz_cell_result res = { 0 };
	assert_int_equal(sz_cell_update(d, &res), SZ_OK);
	net_take(w, 3, &res);
	run(w);
	/* D (in bad faith) signs a next op whose only head is the create */
	sz_buf body = { 0 };
	put_op_head(&body, OP_ACK, d->m[3 == d->me ? d->me : d->me].mref, d->m[d->me].done + 1,
	    &d->mop[0], d);
	sz_buf_u8(&body, 1);
	sz_buf_u8(&body, FOLD_ACK);
	sz_buf_u32(&body, d->m[d->me].mref);
	sz_buf_u32(&body, d->m[d->me].done);
	sz_buf_u16(&body, 0);
	uint8_t sc[1][16];
	size_t k;
	assert_int_equal(sz_cell_scopes(d, sc, 1, &k), SZ_OK);
	cell_epoch *ep = NULL;
	for (int i = 0; i < CELL_EPOCHS; i++)
		if (d->ep[i].used && memcmp(d->ep[i].scope, sc[0], 16) == 0)
			ep = &d->ep[i];
	assert_non_null(ep);
	sz_cell_result forged = { 0 };
	forge(&body, d->csk_sk, ep, &w->n[3].env, &forged);
	sz_buf_free(&body);
	sz_cell_result rr = { 0 };
	assert_int_equal(sz_cell_receive(w->n[0].c, forged.out[0], forged.outlen[0], &rr), SZ_OK);
	int blamed = 0;
	for (size_t i = 0; i < rr.nev; i++)
		blamed += rr.ev[i].type == SZ_CELL_EV_REJECTED && rr.ev[i].reason == SZ_ERR_PEER &&
		    memcmp(rr.ev[i].actor, w->n[3].pk, 32) == 0;
	assert_int_equal(blamed, 1);
	sz_cell_result_free(&rr);
	sz_cell_result_free(&forged);
	assert_int_equal(converged(w), 5);
	net_free(w);
}

/* A revocation: A adds E, E never joins (its answer was lost), A removes E: E is out, and may
 * be invited again (a removal of one that had acted bans it: test_readd_refused). */
static void
test_revoked_add_invited_again(void **state)
{
	(void)state;
	net *w = group(5, 4, 31);
	add(w, 0, 4);
	free(w->n[4].welcome); /* lost on the way */
	w->n[4].welcome = NULL;
	run(w);
	remove_by(w, 1, 4);
	run(w);
	assert_int_equal(converged(w), 4);
	assert_false(member_at(w, 0, 4));
	assert_int_equal(sz_cell_joinkeys_new(&w->n[4].env.env, &w->n[4].jk), SZ_OK);
	add(w, 2, 4);
	run(w);
	assert_non_null(w->n[4].c);
	assert_int_equal(converged(w), 5);
	all_read_all(w, "after the second invitation");
	net_free(w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_removal_keeps_invitees),
		cmocka_unit_test(test_creator_removed_or_leaves),
		cmocka_unit_test(test_removed_saved_device),
		cmocka_unit_test(test_concurrent_removal_window),
		cmocka_unit_test(test_forged_first_op),
		cmocka_unit_test(test_heads_go_back),
		cmocka_unit_test(test_revoked_add_invited_again),
	};
	if (sz_init() != SZ_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
