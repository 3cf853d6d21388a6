/*
 * cell_test.c - unit tests of cells on a deterministic in-memory network: every envelope ever
 * sent is delivered to every node in a seeded random order (many seeds).  Covers the paper's
 * concurrency cases, removal, seizure (PCS), forward secrecy, the relay's view, tampering and
 * deniability.
 */
#include "cell/cell_testnet.h"

static void
test_basic(void **state)
{
	(void)state;
	net *w = group(3, 3, 1);
	assert_int_equal(converged(w), 3);
	post(w, 0, "hello from A");
	post(w, 1, "hello from B");
	post(w, 2, "hello from C");
	run(w);
	assert_true(has_body(&w->n[1], "hello from A") && has_body(&w->n[2], "hello from A"));
	assert_true(has_body(&w->n[0], "hello from B") && has_body(&w->n[2], "hello from B"));
	assert_true(has_body(&w->n[0], "hello from C") && has_body(&w->n[1], "hello from C"));
	assert_int_equal(w->rejected, 0);
	net_free(w);
}

static void
test_concurrent_adds(void **state)
{
	(void)state;
	for (int s = 1; s <= nseeds(); s++) {
		net *w = group(5, 3, (uint64_t)s);
		add(w, 0, 3); /* A adds D while B adds E: neither saw the other */
		add(w, 1, 4);
		run(w);
		assert_int_equal(converged(w), 5);
		all_read_all(w, "after concurrent adds");
		net_free(w);
	}
}

static void
test_add_concurrent_with_remove(void **state)
{
	(void)state;
	for (int s = 1; s <= nseeds(); s++) {
		net *w = group(5, 4, (uint64_t)s);
		/* B adds E while A removes B: B's add is void under strong remove. */
		add(w, 1, 4);
		sz_cell_result res = { 0 };
		assert_int_equal(sz_cell_remove(w->n[0].c, w->n[1].pk, &res), SZ_OK);
		net_take(w, 0, &res);
		w->n[1].gone = 1;
		w->n[4].gone = 1; /* E's add is void: E is not a member for anyone */
		run(w);
		assert_int_equal(converged(w), 3);
		for (int i = 0; i < 4; i++)
			if (i != 1)
				assert_false(sz_cell_is_member(w->n[i].c, w->n[4].pk));
		all_read_all(w, "after add||remove");
		net_free(w);
	}
}

static void
test_mutual_removes(void **state)
{
	(void)state;
	for (int s = 1; s <= nseeds(); s++) {
		net *w = group(4, 4, (uint64_t)s);
		sz_cell_result r1 = { 0 }, r2 = { 0 };
		assert_int_equal(sz_cell_remove(w->n[1].c, w->n[2].pk, &r1), SZ_OK);
		assert_int_equal(sz_cell_remove(w->n[2].c, w->n[1].pk, &r2), SZ_OK);
		int k1 = w->nlog;     /* the remove (an ACK op may precede it) */
		net_take(w, 1, &r1);
		int k2 = w->nlog, k3;
		net_take(w, 2, &r2);
		k3 = w->nlog;
		w->n[1].gone = w->n[2].gone = 1;
		/* Odd seeds: A applies B's removal of C first and D C's removal of B first, so each
		 * of the two is applied by a third member before its author's removal, and vouched
		 * for: both go.  Even seeds: anything may happen first; a removal by a member whose
		 * own removal reached everyone else first counts only if one of them vouches for
		 * it, so one of B and C may stay.  Either way every node agrees. */
		for (int k = k1; s % 2 && k < k2; k++)
			assert_int_equal(deliver(w, 0, k), 1);
		for (int k = k2; s % 2 && k < k3; k++)
			assert_int_equal(deliver(w, 3, k), 1);
		run(w);
		size_t n = converged(w);
		int b = sz_cell_is_member(w->n[0].c, w->n[1].pk);
		int cc = sz_cell_is_member(w->n[0].c, w->n[2].pk);
		if (s % 2)
			assert_int_equal(n, 2);
		else
			assert_true(n == 2 || n == 3);
		assert_int_equal(b + cc, (int)n - 2);
		w->n[1].gone = !b;
		w->n[2].gone = !cc;
		all_read_all(w, "after mutual removes");
		net_free(w);
	}
}

static void
test_update_concurrent_with_remove(void **state)
{
	(void)state;
	for (int s = 1; s <= nseeds(); s++) {
		net *w = group(4, 4, (uint64_t)s);
		sz_cell_result r1 = { 0 }, r2 = { 0 };
		assert_int_equal(sz_cell_update(w->n[1].c, &r1), SZ_OK);
		assert_int_equal(sz_cell_remove(w->n[0].c, w->n[3].pk, &r2), SZ_OK);
		net_take(w, 1, &r1);
		net_take(w, 0, &r2);
		w->n[3].gone = 1;
		run(w);
		assert_int_equal(converged(w), 3);
		all_read_all(w, "after update||remove");
		net_free(w);
	}
}

/* B updates while A adds E: E is not among the update's recipients, so it learns the update's
 * epoch and B's fresh chain only through the others' acks (DCGKA's forwards). */
static void
test_update_concurrent_with_add(void **state)
{
	(void)state;
	for (int s = 1; s <= nseeds(); s++) {
		net *w = group(5, 4, (uint64_t)s);
		sz_cell_result r1 = { 0 };
		assert_int_equal(sz_cell_update(w->n[1].c, &r1), SZ_OK);
		add(w, 0, 4);
		net_take(w, 1, &r1);
		run(w);
		assert_int_equal(converged(w), 5);
		all_read_all(w, "after update||add");
		net_free(w);
	}
}

/* Three members update at once. */
static void
test_concurrent_updates(void **state)
{
	(void)state;
	for (int s = 1; s <= nseeds(); s++) {
		net *w = group(4, 4, (uint64_t)s);
		sz_cell_result r[3] = { { 0 } };
		for (int i = 0; i < 3; i++)
			assert_int_equal(sz_cell_update(w->n[i + 1].c, &r[i]), SZ_OK);
		for (int i = 0; i < 3; i++)
			net_take(w, i + 1, &r[i]);
		run(w);
		assert_int_equal(converged(w), 4);
		assert_int_equal(w->rejected, 0);
		all_read_all(w, "after concurrent updates");
		net_free(w);
	}
}

/* The removed member's whole state before its removal, fed every later envelope except the
 * remove itself (so it does not wipe itself), decrypts none of the posts made afterwards. */
static void
test_removed_reads_nothing(void **state)
{
	(void)state;
	for (int s = 1; s <= 4; s++) {
		net *w = group(4, 4, (uint64_t)s);
		uint8_t *copy;
		size_t clen;
		assert_int_equal(sz_cell_serialize(w->n[3].c, &copy, &clen), SZ_OK);
		int mark = w->nlog;
		sz_cell_result res = { 0 };
		assert_int_equal(sz_cell_remove(w->n[0].c, w->n[3].pk, &res), SZ_OK);
		net_take(w, 0, &res);
		w->n[3].gone = 1;
		run(w);
		post(w, 0, "after removal A");
		post(w, 1, "after removal B");
		post(w, 2, "after removal C");
		sz_cell_result u = { 0 };
		assert_int_equal(sz_cell_update(w->n[1].c, &u), SZ_OK);
		net_take(w, 1, &u);
		run(w);
		post(w, 1, "after update B");
		run(w);
		sz_cell *c3;
		assert_int_equal(sz_cell_deserialize(&c3, &w->n[3].env.env, copy, clen), SZ_OK);
		int decrypted = 0;
		for (int pass = 0; pass < 2; pass++)
			for (int k = mark + 1; k < w->nlog; k++) {
				sz_cell_result rr = { 0 };
				int r = sz_cell_receive(c3, w->log[k], w->len[k], &rr);
				assert_true(r == SZ_OK || r == SZ_ERR_NOT_FOUND || r == SZ_ERR_DECRYPT);
				for (size_t i = 0; i < rr.nev; i++)
					decrypted += rr.ev[i].type == SZ_CELL_EV_MESSAGE;
				sz_cell_result_free(&rr);
			}
		assert_int_equal(decrypted, 0);
		/* and the honest removed node, fed everything, is removed and wiped */
		node *x = &w->n[3];
		for (int k = 0; k < w->nlog; k++)
			if (!x->got[k])
				deliver(w, 3, k);
		assert_int_equal(sz_cell_status(x->c), SZ_CELL_REMOVED);
		assert_false(has_body(x, "after removal A"));
		assert_false(has_body(x, "after update B"));
		sz_cell_free(c3);
		sodium_memzero(copy, clen);
		free(copy);
		all_read_all(w, "still fine");
		net_free(w);
	}
}

/* A seized copy of B's state decrypts nothing posted after B's next update. */
static void
test_seized_heals(void **state)
{
	(void)state;
	for (int s = 1; s <= 4; s++) {
		net *w = group(4, 4, (uint64_t)s);
		uint8_t *copy;
		size_t clen;
		assert_int_equal(sz_cell_serialize(w->n[1].c, &copy, &clen), SZ_OK);
		post(w, 0, "before update");
		run(w);
		int mark = w->nlog;
		sz_cell_result u = { 0 };
		assert_int_equal(sz_cell_update(w->n[1].c, &u), SZ_OK);
		net_take(w, 1, &u);
		run(w);
		post(w, 0, "after B update A");
		post(w, 1, "after B update B");
		post(w, 2, "after B update C");
		run(w);
		sz_cell *seized;
		assert_int_equal(sz_cell_deserialize(&seized, &w->n[1].env.env, copy, clen), SZ_OK);
		int before = 0, after = 0;
		for (int pass = 0; pass < 2; pass++)
			for (int k = 0; k < w->nlog; k++) {
				sz_cell_result rr = { 0 };
				if (sz_cell_receive(seized, w->log[k], w->len[k], &rr) == SZ_OK)
					for (size_t i = 0; i < rr.nev; i++)
						if (rr.ev[i].type == SZ_CELL_EV_MESSAGE) {
							if (k > mark)
								after++;
							else
								before++;
						}
				sz_cell_result_free(&rr);
			}
		assert_int_equal(before, 1); /* the copy is live: it reads what came before */
		assert_int_equal(after, 0);
		assert_true(has_body(&w->n[2], "after B update B"));
		sz_cell_free(seized);
		free(copy);
		net_free(w);
	}
}

/* Forward secrecy: once read, a later copy of the state cannot read a message again. */
static void
test_forward_secrecy(void **state)
{
	(void)state;
	net *w = group(3, 3, 7);
	post(w, 0, "read once");
	run(w);
	assert_true(has_body(&w->n[1], "read once"));
	uint8_t *copy;
	size_t clen;
	assert_int_equal(sz_cell_serialize(w->n[1].c, &copy, &clen), SZ_OK);
	sz_cell *c1;
	assert_int_equal(sz_cell_deserialize(&c1, &w->n[1].env.env, copy, clen), SZ_OK);
	sz_cell_result rr = { 0 };
	assert_int_equal(sz_cell_receive(c1, w->log[w->nlog - 1], w->len[w->nlog - 1], &rr), SZ_OK);
	assert_int_equal(rr.nev, 1);
	assert_int_equal(rr.ev[0].type, SZ_CELL_EV_REJECTED);
	assert_int_equal(rr.ev[0].reason, SZ_ERR_NOT_FOUND);
	sz_cell_result_free(&rr);
	/* the serialization round-trips exactly */
	uint8_t *again;
	size_t alen;
	assert_int_equal(sz_cell_serialize(c1, &again, &alen), SZ_OK);
	assert_int_equal(alen, clen);
	assert_memory_equal(again, copy, clen);
	/* and every truncation or bit flip of it is refused or decodes to a valid state */
	for (size_t cut = 0; cut < clen; cut += 97) {
		sz_cell *bad;
		assert_int_not_equal(sz_cell_deserialize(&bad, &w->n[1].env.env, copy, cut), SZ_OK);
	}
	free(again);
	free(copy);
	sz_cell_free(c1);
	net_free(w);
}

/* The relay's view: no identity key, csk, cell name or id in any form in any envelope. */
static void
test_relay_view(void **state)
{
	(void)state;
	net *w = group(4, 4, 3);
	post(w, 2, "meet at the print shop");
	sz_cell_result res = { 0 };
	assert_int_equal(sz_cell_remove(w->n[0].c, w->n[3].pk, &res), SZ_OK);
	net_take(w, 0, &res);
	w->n[3].gone = 1;
	run(w);
	const uint8_t *cid = sz_cell_id(w->n[0].c);
	for (int k = 0; k < w->nlog; k++) {
		const uint8_t *e = w->log[k];
		size_t n = w->len[k];
		for (int i = 0; i < w->nn; i++) {
			char hex[65], b64[64];
			const uint8_t *keys[2] = { w->n[i].pk, cid };
			for (int j = 0; j < 2; j++) {
				assert_false(contains(e, n, keys[j], 32));
				assert_false(contains(e, n, keys[j], 8)); /* not even a prefix */
				sodium_bin2hex(hex, sizeof hex, keys[j], 32);
				assert_false(contains(e, n, hex, 16));
				sodium_bin2base64(b64, sizeof b64, keys[j], 32, sodium_base64_VARIANT_ORIGINAL);
				assert_false(contains(e, n, b64, 16));
			}
		}
		assert_false(contains(e, n, "print shop", 10));
		assert_int_equal(e[0], SZ_ENV_SEALED);
		assert_int_not_equal(sz_env_bucket_for(n), 0);
		assert_int_equal(sz_env_bucket_for(n), n);
	}
	net_free(w);
}

/* Tampering: every flipped bit of a control or message envelope is refused without effect. */
static void
test_tamper(void **state)
{
	(void)state;
	net *w = group(3, 3, 5);
	post(w, 0, "tamper me");
	sz_cell_result u = { 0 };
	assert_int_equal(sz_cell_update(w->n[0].c, &u), SZ_OK);
	int ctl = w->nlog;
	net_take(w, 0, &u);
	int msg = ctl - 1;
	uint8_t *before, *after;
	size_t bl, al;
	assert_int_equal(sz_cell_serialize(w->n[1].c, &before, &bl), SZ_OK);
	int idx[2] = { msg, ctl };
	for (int t = 0; t < 2; t++) {
		size_t n = w->len[idx[t]];
		uint8_t *e = malloc(n);
		for (size_t bit = 0; bit < n * 8; bit += 13) {
			memcpy(e, w->log[idx[t]], n);
			e[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			sz_cell_result rr = { 0 };
			int r = sz_cell_receive(w->n[1].c, e, n, &rr);
			assert_true(r == SZ_ERR_NOT_FOUND || r == SZ_ERR_DECRYPT || r == SZ_OK);
			for (size_t i = 0; i < rr.nev; i++)
				assert_int_not_equal(rr.ev[i].type, SZ_CELL_EV_MESSAGE);
			assert_int_equal(rr.nout, 0);
			sz_cell_result_free(&rr);
		}
		free(e);
	}
	assert_int_equal(sz_cell_serialize(w->n[1].c, &after, &al), SZ_OK);
	assert_int_equal(al, bl);
	assert_memory_equal(after, before, bl);
	free(before);
	free(after);
	/* the genuine ones still work, and a replay is refused */
	run(w);
	assert_true(has_body(&w->n[1], "tamper me"));
	sz_cell_result rr = { 0 };
	assert_int_equal(sz_cell_receive(w->n[1].c, w->log[ctl], w->len[ctl], &rr), SZ_OK);
	assert_int_equal(rr.nev, 1);
	assert_int_equal(rr.ev[0].type, SZ_CELL_EV_REJECTED);
	assert_int_equal(rr.ev[0].reason, SZ_ERR_REPLAY);
	sz_cell_result_free(&rr);
	net_free(w);
}

/* An op whose dependencies never arrive is held without effect; a removed member's later
 * control ops and posts are refused. */
static void
test_held_and_nonmember(void **state)
{
	(void)state;
	net *w = group(4, 4, 9);
	/* C updates twice; D gets only the second: held, no effect, no acks. */
	sz_cell_result a = { 0 }, b = { 0 };
	assert_int_equal(sz_cell_update(w->n[2].c, &a), SZ_OK);
	net_take(w, 2, &a);
	int first = w->nlog - 1;
	assert_int_equal(sz_cell_update(w->n[2].c, &b), SZ_OK);
	net_take(w, 2, &b);
	int second = w->nlog - 1;
	(void)first;
	/* the second is sealed under C's first update's epoch: D cannot even open it yet */
	sz_cell_result rr = { 0 };
	int r = sz_cell_receive(w->n[3].c, w->log[second], w->len[second], &rr);
	assert_true(r == SZ_ERR_NOT_FOUND);
	sz_cell_result_free(&rr);
	run(w);
	/* D is removed; its post made after it was removed (it had not learnt it) is refused */
	uint8_t *copy;
	size_t clen;
	assert_int_equal(sz_cell_serialize(w->n[3].c, &copy, &clen), SZ_OK);
	sz_cell_result res = { 0 };
	assert_int_equal(sz_cell_remove(w->n[0].c, w->n[3].pk, &res), SZ_OK);
	net_take(w, 0, &res);
	w->n[3].gone = 1;
	run(w);
	sz_cell *d;
	assert_int_equal(sz_cell_deserialize(&d, &w->n[3].env.env, copy, clen), SZ_OK);
	sz_cell_result p = { 0 }, q = { 0 };
	assert_int_equal(sz_cell_post(d, SZ_KIND_POST, (const uint8_t *)"x", 1, NULL, 0, NULL, &p),
	    SZ_OK);
	assert_int_equal(sz_cell_update(d, &q), SZ_OK);
	for (int k = 0; k < 2; k++) {
		sz_cell_result *src = k ? &q : &p;
		sz_cell_result out = { 0 };
		r = sz_cell_receive(w->n[1].c, src->out[0], src->outlen[0], &out);
		assert_true(r == SZ_OK || r == SZ_ERR_NOT_FOUND);
		for (size_t i = 0; i < out.nev; i++)
			assert_true(out.ev[i].type == SZ_CELL_EV_REJECTED);
		assert_int_equal(out.nout, 0);
		sz_cell_result_free(&out);
	}
	assert_false(sz_cell_is_member(w->n[1].c, w->n[3].pk));
	sz_cell_result_free(&p);
	sz_cell_result_free(&q);
	sz_cell_free(d);
	free(copy);
	net_free(w);
}

/* Deniability: no signature by any member's identity key over any entry, post body or
 * envelope appears in any envelope or in a removed member's full state.  Ed25519 is
 * deterministic, so such a signature would be exactly sign(identity, message). */
static void
test_deniability(void **state)
{
	(void)state;
	net *w = group(3, 3, 11);
	post(w, 1, "deny this");
	run(w);
	uint8_t *blob;
	size_t blen;
	assert_int_equal(sz_cell_serialize(w->n[2].c, &blob, &blen), SZ_OK);
	const char *bodies[] = { "deny this" };
	for (int i = 0; i < w->nn; i++) {
		uint8_t sig[64];
		assert_int_equal(sz_sign(sig, (const uint8_t *)bodies[0], strlen(bodies[0]), w->n[i].sk),
		    SZ_OK);
		assert_false(contains(blob, blen, sig, 64));
		for (int k = 0; k < w->nlog; k++) {
			assert_false(contains(w->log[k], w->len[k], sig, 64));
			uint8_t s2[64];
			assert_int_equal(sz_sign(s2, w->log[k], w->len[k], w->n[i].sk), SZ_OK);
			assert_false(contains(blob, blen, s2, 64));
			for (int j = 0; j < w->nlog; j++)
				assert_false(contains(w->log[j], w->len[j], s2, 64));
		}
	}
	free(blob);
	net_free(w);
}

/* A remove of me that was held (it arrived before an op it follows) and is released by that op:
 * the removal wipes my state while the held list is being walked; nothing is used after free. */
static void
test_held_remove_of_me(void **state)
{
	(void)state;
	net *w = group(5, 4, 13);
	add(w, 0, 4);                /* A adds E (no new epoch) ... */
	int add_at = w->nlog - 1;    /* the add (its welcome went to E alone) */
	sz_cell_result res = { 0 };
	assert_int_equal(sz_cell_remove(w->n[0].c, w->n[3].pk, &res), SZ_OK);
	net_take(w, 0, &res);        /* ... then removes D: sealed under the same epoch */
	int rm = w->nlog - 1;
	assert_int_equal(deliver(w, 3, rm), 1); /* held: A's add has not arrived */
	assert_int_equal(sz_cell_status(w->n[3].c), SZ_CELL_ACTIVE);
	assert_int_equal(deliver(w, 3, add_at), 1); /* releases the remove: D is removed */
	assert_int_equal(sz_cell_status(w->n[3].c), SZ_CELL_REMOVED);
	w->n[3].gone = 1;
	run(w);
	assert_int_equal(converged(w), 4);
	all_read_all(w, "after held remove");
	net_free(w);
}

static void
test_leave(void **state)
{
	(void)state;
	for (int s = 1; s <= 4; s++) {
		net *w = group(4, 4, (uint64_t)s);
		sz_cell_result res = { 0 };
		assert_int_equal(sz_cell_leave(w->n[2].c, &res), SZ_OK);
		net_take(w, 2, &res);
		w->n[2].gone = 1;
		assert_int_equal(sz_cell_status(w->n[2].c), SZ_CELL_LEFT);
		run(w);
		assert_int_equal(converged(w), 3);
		all_read_all(w, "after leave");
		net_free(w);
	}
}

int
main(void)
{
	if (sz_init() != SZ_OK)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_concurrent_adds),
		cmocka_unit_test(test_add_concurrent_with_remove),
		cmocka_unit_test(test_mutual_removes),
		cmocka_unit_test(test_update_concurrent_with_remove),
		cmocka_unit_test(test_update_concurrent_with_add),
		cmocka_unit_test(test_concurrent_updates),
		cmocka_unit_test(test_removed_reads_nothing),
		cmocka_unit_test(test_seized_heals),
		cmocka_unit_test(test_forward_secrecy),
		cmocka_unit_test(test_relay_view),
		cmocka_unit_test(test_tamper),
		cmocka_unit_test(test_held_and_nonmember),
		cmocka_unit_test(test_deniability),
		cmocka_unit_test(test_leave),
		cmocka_unit_test(test_held_remove_of_me),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
