/*
 * cell_api_test.c - unit tests of the cell API the node builds on: bundle secrets (who can open a
 * courier bundle sealed to a cell), the local scope, refusals (re-adding a removed identity, an
 * author's second op with the same sequence number), on the in-memory network of cell_testnet.h.
 */
#include "cell/cell_testnet.h"
#include "cell/cell_int.h"

#define NSEC 32

typedef struct seclist {
	uint8_t s[NSEC][32];
	size_t n;
} seclist;

static void
secrets_of(sz_cell *c, seclist *l)
{
	assert_int_equal(sz_cell_bundle_secrets(c, l->s, NSEC, &l->n), SZ_OK);
}

static int
has_secret(const seclist *l, const uint8_t s[32])
{
	for (size_t i = 0; i < l->n; i++)
		if (sodium_memcmp(l->s[i], s, 32) == 0)
			return 1;
	return 0;
}

/* Does any of the first k secrets of a open something of b? */
static int
opens(const seclist *a, size_t k, const seclist *b)
{
	for (size_t i = 0; i < k && i < a->n; i++)
		if (has_secret(b, a->s[i]))
			return 1;
	return 0;
}

/* Everyone holds the secret everyone seals with; a flipped bit opens nothing. */
static void
test_bundle_secrets_everyone(void **state)
{
	(void)state;
	net *w = group(4, 4, 21);
	seclist l[4];
	for (int i = 0; i < 4; i++) {
		secrets_of(w->n[i].c, &l[i]);
		assert_true(l[i].n >= 1);
	}
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 4; j++)
			assert_true(has_secret(&l[j], l[i].s[0]));
	/* tampered: a secret with one bit flipped is nobody's */
	uint8_t t[32];
	memcpy(t, l[0].s[0], 32);
	t[7] ^= 0x10;
	for (int j = 0; j < 4; j++)
		assert_false(has_secret(&l[j], t));
	/* too small a list: the first ones, and SZ_ERR_LIMIT */
	uint8_t one[1][32];
	size_t n;
	assert_true(l[0].n > 1); /* the create's epoch and each newcomer's first update */
	assert_int_equal(sz_cell_bundle_secrets(w->n[0].c, one, 1, &n), SZ_ERR_LIMIT);
	assert_int_equal(n, 1);
	assert_memory_equal(one[0], l[0].s[0], 32);
	net_free(w);
}

/* A member one or two epochs behind opens a bundle sealed to the sender's first three. */
static void
test_bundle_secrets_behind(void **state)
{
	(void)state;
	net *w = group(4, 4, 22);
	seclist a, c;
	w->n[2].gone = 1; /* C is away: it gets nothing */
	for (int u = 0; u < 2; u++) {
		sz_cell_result res = { 0 };
		assert_int_equal(sz_cell_update(w->n[0].c, &res), SZ_OK);
		net_take(w, 0, &res);
		run(w);
		secrets_of(w->n[0].c, &a);
		secrets_of(w->n[2].c, &c);
		assert_false(opens(&a, 1, &c));      /* not with the newest alone */
		assert_true(opens(&a, (size_t)u + 2, &c)); /* u + 1 epochs behind */
	}
	w->n[2].gone = 0;
	run(w);
	secrets_of(w->n[0].c, &a);
	secrets_of(w->n[2].c, &c);
	assert_true(opens(&a, 1, &c));
	net_free(w);
}

/* After a removal no secret the removed member had is listed by anyone, so nothing sealed to
 * these opens for it; its own state lists none. */
static void
test_bundle_secrets_removed(void **state)
{
	(void)state;
	for (int s = 1; s <= 3; s++) {
		net *w = group(4, 4, 30 + (uint64_t)s);
		seclist d, x;
		secrets_of(w->n[3].c, &d);
		assert_true(d.n >= 1);
		sz_cell_result res = { 0 };
		assert_int_equal(sz_cell_remove(w->n[s - 1].c, w->n[3].pk, &res), SZ_OK);
		net_take(w, s - 1, &res);
		w->n[3].gone = 1;
		run(w);
		for (int i = 0; i < 3; i++) {
			secrets_of(w->n[i].c, &x);
			assert_true(x.n >= 1);
			for (size_t k = 0; k < d.n; k++)
				assert_false(has_secret(&x, d.s[k]));
		}
		/* the removed member, fed everything, is removed and lists nothing */
		for (int k = 0; k < w->nlog; k++)
			if (!w->n[3].got[k])
				deliver(w, 3, k);
		assert_int_equal(sz_cell_status(w->n[3].c), SZ_CELL_REMOVED);
		size_t n = 99;
		assert_int_equal(sz_cell_bundle_secrets(w->n[3].c, d.s, NSEC, &n), SZ_ERR_STATE);
		assert_int_equal(n, 0);
		net_free(w);
	}
}

static int
envelopes_contain(const net *w, const uint8_t *needle, size_t m)
{
	for (int k = 0; k < w->nlog; k++)
		if (contains(w->log[k], w->len[k], needle, m))
			return 1;
	return 0;
}

/* The local scope: the same across epochs, reloads and removal; one per member and cell; never
 * on a wire. */
static void
test_local_scope(void **state)
{
	(void)state;
	net *w = group(4, 4, 23);
	uint8_t ls[4][16], again[16];
	for (int i = 0; i < 4; i++)
		assert_int_equal(sz_cell_local_scope(w->n[i].c, ls[i]), SZ_OK);
	for (int i = 0; i < 4; i++)
		for (int j = i + 1; j < 4; j++)
			assert_memory_not_equal(ls[i], ls[j], 16);
	sz_cell_result res = { 0 };
	assert_int_equal(sz_cell_update(w->n[0].c, &res), SZ_OK);
	net_take(w, 0, &res);
	assert_int_equal(sz_cell_remove(w->n[1].c, w->n[3].pk, &res), SZ_OK);
	net_take(w, 1, &res);
	w->n[3].gone = 1;
	run(w);
	for (int k = 0; k < w->nlog; k++)
		if (!w->n[3].got[k])
			deliver(w, 3, k);
	assert_int_equal(sz_cell_status(w->n[3].c), SZ_CELL_REMOVED);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(sz_cell_local_scope(w->n[i].c, again), SZ_OK);
		assert_memory_equal(again, ls[i], 16);
		assert_false(envelopes_contain(w, ls[i], 8));
	}
	/* through serialization */
	uint8_t *blob;
	size_t blen;
	sz_cell *c0;
	assert_int_equal(sz_cell_serialize(w->n[0].c, &blob, &blen), SZ_OK);
	assert_int_equal(sz_cell_deserialize(&c0, &w->n[0].env.env, blob, blen), SZ_OK);
	assert_int_equal(sz_cell_local_scope(c0, again), SZ_OK);
	assert_memory_equal(again, ls[0], 16);
	sz_cell_free(c0);
	sodium_memzero(blob, blen);
	free(blob);
	/* another cell of the same member has another */
	sz_cell *other;
	assert_int_equal(sz_cell_create(&other, &w->n[0].env.env, "another", w->n[0].sk, &res), SZ_OK);
	sz_cell_result_free(&res);
	assert_int_equal(sz_cell_local_scope(other, again), SZ_OK);
	assert_memory_not_equal(again, ls[0], 16);
	sz_cell_free(other);
	net_free(w);
}

/* Feed one envelope to a node directly; returns the number of events with reason `reason`
 * whose actor is `actor` (NULL: any), and checks nothing goes out. */
static int
feed(sz_cell *c, const uint8_t *env, size_t len, int reason, const uint8_t *actor)
{
	sz_cell_result rr = { 0 };
	int r = sz_cell_receive(c, env, len, &rr), hits = 0;
	assert_int_equal(r, SZ_OK);
	for (size_t i = 0; i < rr.nev; i++) {
		assert_int_not_equal(rr.ev[i].type, SZ_CELL_EV_CONTROL);
		if (rr.ev[i].type == SZ_CELL_EV_REJECTED && rr.ev[i].reason == reason &&
		    (actor == NULL || memcmp(rr.ev[i].actor, actor, 32) == 0))
			hits++;
	}
	assert_int_equal(rr.nout, 0);
	sz_cell_result_free(&rr);
	return hits;
}

/* A removed identity is never added again: the API refuses, and an add made anyway (by a
 * member that bypasses the API) is refused by everyone, reported, and changes nothing. */
static void
test_readd_refused(void **state)
{
	(void)state;
	net *w = group(4, 4, 24);
	sz_cell_result res = { 0 };
	assert_int_equal(sz_cell_remove(w->n[0].c, w->n[3].pk, &res), SZ_OK);
	net_take(w, 0, &res);
	w->n[3].gone = 1;
	run(w);
	assert_int_equal(sz_cell_add(w->n[0].c, w->n[3].pk, w->n[3].jk.prekey_pk, w->n[3].jk.csk_pk,
	    &res), SZ_ERR_DENIED);
	assert_int_equal(sz_cell_add(w->n[1].c, w->n[3].pk, w->n[3].jk.prekey_pk, w->n[3].jk.csk_pk,
	    &res), SZ_ERR_DENIED);
	assert_int_equal(sz_cell_add(w->n[0].c, w->n[1].pk, w->n[1].jk.prekey_pk, w->n[1].jk.csk_pk,
	    &res), SZ_ERR_EXISTS);
	assert_int_equal(res.nout, 0);
	/* B makes the add anyway */
	seclist before, after;
	secrets_of(w->n[0].c, &before);
	sz_cell *b = w->n[1].c;
	int d = -1;
	for (int i = 0; i < b->nmembers; i++)
		if (memcmp(b->m[i].id, w->n[3].pk, 32) == 0)
			d = i;
	assert_true(d >= 0);
	assert_int_equal(sz_cellop_mine(b, OP_ADD, (uint16_t)d, &res), SZ_OK);
	assert_int_equal(res.nout, 1); /* the add (and a welcome, which is not an envelope) */
	assert_non_null(res.welcome);
	assert_int_equal(feed(w->n[0].c, res.out[0], res.outlen[0], SZ_ERR_DENIED, w->n[1].pk), 1);
	assert_int_equal(feed(w->n[2].c, res.out[0], res.outlen[0], SZ_ERR_DENIED, w->n[1].pk), 1);
	assert_false(sz_cell_is_member(w->n[0].c, w->n[3].pk));
	assert_false(sz_cell_is_member(w->n[2].c, w->n[3].pk));
	secrets_of(w->n[0].c, &after); /* no epoch was marked as known to the removed member */
	assert_int_equal(after.n, before.n);
	assert_memory_equal(after.s, before.s, before.n * 32);
	net_take(w, 1, &res);
	run(w);
	assert_int_equal(converged(w), 3);
	all_read_all(w, "after a refused re-add");
	net_free(w);
}

/* A member signing two different ops with one sequence number: the second is refused and
 * reported with its author; when the author is me, it tells me my state was copied.  An op
 * in someone's name signed by another key is not taken for equivocation (no framing). */
static void
test_equivocation(void **state)
{
	(void)state;
	net *w = group(4, 4, 25);
	uint8_t *blob;
	size_t blen;
	sz_cell *b2, *c2;
	assert_int_equal(sz_cell_serialize(w->n[1].c, &blob, &blen), SZ_OK);
	assert_int_equal(sz_cell_deserialize(&b2, &w->n[1].env.env, blob, blen), SZ_OK);
	sodium_memzero(blob, blen);
	free(blob);
	assert_int_equal(sz_cell_serialize(w->n[2].c, &blob, &blen), SZ_OK);
	assert_int_equal(sz_cell_deserialize(&c2, &w->n[2].env.env, blob, blen), SZ_OK);
	sodium_memzero(blob, blen);
	free(blob);
	sz_cell_result r1 = { 0 }, r2 = { 0 }, r3 = { 0 };
	assert_int_equal(sz_cell_update(w->n[1].c, &r1), SZ_OK);
	net_take(w, 1, &r1);
	run(w);
	/* the copy makes another op with the same number (it shares B's env, so its random bytes
	 * differ) */
	assert_int_equal(sz_cell_update(b2, &r2), SZ_OK);
	uint8_t *before, *after;
	size_t bl, al;
	assert_int_equal(sz_cell_serialize(w->n[0].c, &before, &bl), SZ_OK);
	assert_int_equal(feed(w->n[0].c, r2.out[0], r2.outlen[0], SZ_ERR_PEER, w->n[1].pk), 1);
	assert_int_equal(sz_cell_serialize(w->n[0].c, &after, &al), SZ_OK);
	assert_int_equal(al, bl);
	assert_memory_equal(after, before, bl);
	assert_int_equal(feed(w->n[1].c, r2.out[0], r2.outlen[0], SZ_ERR_PEER, w->n[1].pk), 1);
	/* C's copy forges an op in B's name with B's last number, signed by C's own key */
	c2->m[c2->me].mref = w->n[1].c->m[w->n[1].c->me].mref;
	c2->m[c2->me].done = w->n[1].c->m[w->n[1].c->me].done - 1;
	assert_int_equal(sz_cell_update(c2, &r3), SZ_OK);
	assert_int_equal(feed(w->n[0].c, r3.out[0], r3.outlen[0], SZ_ERR_PEER, NULL), 0);
	assert_int_equal(feed(w->n[0].c, r3.out[0], r3.outlen[0], SZ_ERR_REPLAY, NULL), 1);
	/* and the genuine op is still only a replay */
	assert_int_equal(feed(w->n[0].c, w->log[w->nlog - 1], w->len[w->nlog - 1], SZ_ERR_PEER, NULL),
	    0);
	free(before);
	free(after);
	sz_cell_result_free(&r2);
	sz_cell_result_free(&r3);
	sz_cell_free(b2);
	sz_cell_free(c2);
	all_read_all(w, "after equivocation");
	net_free(w);
}

/* Re-seal an envelope's plaintext, altered by fix(), under the same epoch of c. */
static void
reseal(sz_cell *c, const uint8_t *env, size_t len, void (*fix)(uint8_t *, size_t), uint8_t **out,
    size_t *outlen)
{
	sz_envelope e;
	uint8_t *open = NULL, *copy, nonce[SZ_ENV_NONCE_BYTES] = { 9 };
	const uint8_t *pt;
	size_t openlen = 0, ptlen = 0;
	const cell_epoch *ep = NULL;
	assert_int_equal(sz_env_parse(&e, env, len, 0), SZ_OK);
	for (int i = 0; i < CELL_EPOCHS; i++)
		if (c->ep[i].used && memcmp(c->ep[i].scope, e.scope, 16) == 0)
			ep = &c->ep[i];
	assert_non_null(ep);
	assert_int_equal(sz_env_open(&open, &openlen, &pt, &ptlen, &e, ep->key), SZ_OK);
	copy = malloc(ptlen);
	assert_non_null(copy);
	memcpy(copy, pt, ptlen);
	fix(copy, ptlen);
	assert_int_equal(sz_env_seal(out, outlen, e.scope, copy, ptlen, ep->key, nonce), SZ_OK);
	free(copy);
	sz_env_open_free(open, openlen);
}

static void
flip_body(uint8_t *p, size_t n)
{
	p[n - 20] ^= 0x04; /* inside the inner ciphertext */
}

static void
far_counter(uint8_t *p, size_t n)
{
	(void)n;
	assert_true(p[5] < 0x80 && p[6] < 0x80); /* one-byte generation and counter */
	p[6] = 0x7f;                              /* skip 127 keys ahead */
}

/* Someone who holds the epoch key but not the sender's chain (a member, or a removed member
 * while a sender still seals under an old epoch) forges message headers: the forgeries are
 * refused with no change to the state, and the genuine post is still read. */
static void
test_forged_message_costs_nothing(void **state)
{
	(void)state;
	net *w = group(3, 3, 26);
	post(w, 0, "genuine");
	int g = w->nlog - 1;
	void (*fixes[2])(uint8_t *, size_t) = { flip_body, far_counter };
	uint8_t *before, *after;
	size_t bl, al;
	assert_int_equal(sz_cell_serialize(w->n[1].c, &before, &bl), SZ_OK);
	for (int f = 0; f < 2; f++) {
		uint8_t *forged;
		size_t flen;
		reseal(w->n[1].c, w->log[g], w->len[g], fixes[f], &forged, &flen);
		assert_int_equal(feed(w->n[1].c, forged, flen, SZ_ERR_DECRYPT, NULL), 1);
		free(forged);
	}
	assert_int_equal(sz_cell_serialize(w->n[1].c, &after, &al), SZ_OK);
	assert_int_equal(al, bl);
	assert_memory_equal(after, before, bl);
	sodium_memzero(before, bl);
	sodium_memzero(after, al);
	free(before);
	free(after);
	run(w);
	assert_true(has_body(&w->n[1], "genuine"));
	assert_true(has_body(&w->n[2], "genuine"));
	net_free(w);
}

/* A ballot-like entry sealed anonymously reaches every member with no sender named; a post
 * cannot be sealed that way; a flipped bit is refused. */
static void
test_anonymous(void **state)
{
	(void)state;
	net *w = group(3, 3, 31);
	uint8_t pk[32], sk[64], seed[32] = { 9 }, *entry, id[32];
	size_t elen;
	assert_int_equal(sz_sign_seed_keypair(pk, sk, seed), SZ_OK);
	const uint8_t body[] = "a ballot body";
	assert_int_equal(sz_entry_build(&entry, &elen, id, SZ_KIND_BALLOT, NULL, 0, 5, body,
	    sizeof body, sk), SZ_OK);
	sz_cell_result res = { 0 };
	assert_int_equal(sz_cell_post_anonymous(w->n[0].c, entry, elen, &res), SZ_OK);
	assert_int_equal(res.nout, 1);
	assert_int_equal(res.nev, 0); /* the caster keeps its own copy: no event */
	uint8_t *env = malloc(res.outlen[0]);
	size_t envlen = res.outlen[0];
	memcpy(env, res.out[0], envlen);
	sz_cell_result_free(&res);
	/* Member 1 opens it: a MESSAGE with the exact entry and an all-zero actor. */
	assert_int_equal(sz_cell_receive(w->n[1].c, env, envlen, &res), SZ_OK);
	assert_int_equal(res.nev, 1);
	assert_int_equal(res.ev[0].type, SZ_CELL_EV_MESSAGE);
	assert_int_equal(res.ev[0].kind, SZ_KIND_BALLOT);
	assert_int_equal(res.ev[0].entry_len, elen);
	assert_memory_equal(res.ev[0].entry, entry, elen);
	static const uint8_t zero[32];
	assert_memory_equal(res.ev[0].actor, zero, 32);
	assert_memory_equal(res.ev[0].entry_id, id, 32);
	sz_cell_result_free(&res);
	/* A flipped bit anywhere in the sealed part is refused. */
	for (size_t i = 17; i < envlen; i += 97) {
		env[i] ^= 4;
		int r = sz_cell_receive(w->n[2].c, env, envlen, &res);
		assert_true(r != SZ_OK || res.nev == 0 || res.ev[0].type != SZ_CELL_EV_MESSAGE);
		sz_cell_result_free(&res);
		env[i] ^= 4;
	}
	free(env);
	free(entry);
	/* Only ballots and pledges travel without a sender. */
	assert_int_equal(sz_entry_build(&entry, &elen, id, SZ_KIND_POST, NULL, 0, 5, body,
	    sizeof body, sk), SZ_OK);
	assert_int_equal(sz_cell_post_anonymous(w->n[0].c, entry, elen, &res), SZ_ERR_INVALID);
	sz_cell_result_free(&res);
	free(entry);
	net_free(w);
}

/* The epoch an anonymous entry is sealed under names no one (issue 13): right after member 2
 * updates, its newest epoch is known only to those who applied the update, and a ballot sealed
 * under it would single them out.  Member 2's ballot goes under an epoch every member is known
 * to hold (here: the one before its update), until every member has acknowledged the new one;
 * then under the new one.  Right after a removal, no epoch qualifies until the others' acks of it
 * arrive (SZ_ERR_AGAIN), and the late path seals under the clean one. */
static void
test_anonymous_epoch_names_no_one(void **state)
{
	(void)state;
	net *w = group(4, 4, 33);
	uint8_t before[16], after[16], cur[4][16];
	size_t k;
	assert_int_equal(sz_cell_anon_scope(w->n[2].c, before), SZ_OK);
	sz_cell_result res = { 0 };
	assert_int_equal(sz_cell_update(w->n[2].c, &res), SZ_OK);
	net_take(w, 2, &res);
	assert_int_equal(sz_cell_scopes(w->n[2].c, cur, 4, &k), SZ_OK);
	assert_false(memcmp(cur[0], before, 16) == 0); /* it seals posts under its new epoch... */
	assert_int_equal(sz_cell_anon_scope(w->n[2].c, after), SZ_OK);
	assert_memory_equal(after, before, 16);        /* ... but not its ballots */
	for (int i = 0; i < 4; i++) { /* everyone applies it and posts (acks ride the posts) */
		for (int k2 = 0; k2 < w->nlog; k2++)
			if (!w->n[i].got[k2])
				(void)deliver(w, i, k2);
	}
	all_read_all(w, "acks");
	run(w);
	assert_int_equal(sz_cell_anon_scope(w->n[2].c, after), SZ_OK);
	assert_memory_equal(after, cur[0], 16);        /* now everyone holds it */
	/* a removal: no epoch qualifies until the acks come; the late path takes the clean one */
	assert_int_equal(sz_cell_remove(w->n[0].c, w->n[3].pk, &res), SZ_OK);
	net_take(w, 0, &res);
	w->n[3].gone = 1;
	assert_int_equal(sz_cell_anon_scope(w->n[0].c, after), SZ_ERR_AGAIN);
	uint8_t pk[32], sk[64], seed[32] = { 8 }, *entry, id[32];
	size_t elen;
	const uint8_t body[] = "a late ballot";
	assert_int_equal(sz_sign_seed_keypair(pk, sk, seed), SZ_OK);
	assert_int_equal(sz_entry_build(&entry, &elen, id, SZ_KIND_BALLOT, NULL, 0, 5, body,
	    sizeof body, sk), SZ_OK);
	assert_int_equal(sz_cell_post_anonymous(w->n[0].c, entry, elen, &res), SZ_ERR_AGAIN);
	assert_int_equal(sz_cell_post_anonymous_late(w->n[0].c, entry, elen, &res), SZ_OK);
	int clean = 0;
	assert_int_equal(sz_cell_scope_clean(w->n[0].c, res.out[0] + 1, &clean), SZ_OK);
	assert_int_equal(clean, 1);
	sz_cell_result_free(&res);
	run(w); /* the others ack the removal at once */
	assert_int_equal(sz_cell_anon_scope(w->n[0].c, after), SZ_OK);
	assert_int_equal(sz_cell_scope_clean(w->n[0].c, after, &clean), SZ_OK);
	assert_int_equal(clean, 1);
	free(entry);
	net_free(w);
}

int
main(void)
{
	if (sz_init() != SZ_OK)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_anonymous),
		cmocka_unit_test(test_anonymous_epoch_names_no_one),
		cmocka_unit_test(test_bundle_secrets_everyone),
		cmocka_unit_test(test_bundle_secrets_behind),
		cmocka_unit_test(test_bundle_secrets_removed),
		cmocka_unit_test(test_local_scope),
		cmocka_unit_test(test_readd_refused),
		cmocka_unit_test(test_equivocation),
		cmocka_unit_test(test_forged_message_costs_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
