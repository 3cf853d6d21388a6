/*
 * cell_api_test.c - unit tests of the cell API the node builds on: bundle secrets (who can open a
 * courier bundle sealed to a cell), the local scope, refusals (re-adding a removed identity, an
 * author's second op with the same sequence number), on the in-memory network of cell_testnet.h.
 */
#include "cell/cell_testnet.h"

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

int
main(void)
{
	if (sz_init() != SZ_OK)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bundle_secrets_everyone),
		cmocka_unit_test(test_bundle_secrets_behind),
		cmocka_unit_test(test_bundle_secrets_removed),
		cmocka_unit_test(test_local_scope),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
