/*
 * cell_sign_test.c - unit tests of sz_cell_sign (in-cell co-signatures by the cell signing key)
 * and sz_cell_scope_clean (which epochs a removed member holds), on the in-memory network of
 * cell_testnet.h.  Layer: cell.
 */
#include "cell/cell_testnet.h"
#include "cell/cell_int.h"

#define CTX "samizdat-v1-cosign-cell and the rest of the message"

/* The author key of the envelope's post as node i reads it (decrypting as member i). */
static int
author_of_last_post(net *w, int reader, uint8_t author[32])
{
	node *x = &w->n[reader];
	for (int k = w->nlog - 1; k >= 0; k--) {
		sz_cell_result res = { 0 };
		if (sz_cell_receive(x->c, w->log[k], w->len[k], &res) != SZ_OK) {
			sz_cell_result_free(&res);
			continue;
		}
		for (size_t i = 0; i < res.nev; i++) {
			sz_entry e;
			if (res.ev[i].type == SZ_CELL_EV_MESSAGE &&
			    sz_entry_decode(&e, NULL, res.ev[i].entry, res.ev[i].entry_len, 0) == SZ_OK) {
				memcpy(author, e.author, 32);
				sz_cell_result_free(&res);
				return 1;
			}
		}
		sz_cell_result_free(&res);
	}
	return 0;
}

/* The signature verifies under the key the member's posts are authored by; a flipped bit of
 * the message, the signature or the key fails; other messages are refused. */
static void
test_sign(void **state)
{
	(void)state;
	net *w = group(3, 3, 41);
	uint8_t sig[64], pk[32], author[32];
	const uint8_t *m = (const uint8_t *)CTX;
	size_t ml = strlen(CTX);
	assert_int_equal(sz_cell_sign(w->n[1].c, m, ml, sig, pk), SZ_OK);
	assert_int_equal(sz_verify(sig, m, ml, pk), SZ_OK);
	/* the key is the one member 1's next post is authored by, as member 2 sees it */
	post(w, 1, "signed by the same key");
	assert_true(author_of_last_post(w, 2, author));
	assert_memory_equal(author, pk, 32);
	/* tampered */
	uint8_t bad[sizeof CTX];
	memcpy(bad, CTX, ml);
	for (size_t bit = 0; bit < ml * 8; bit += 37) {
		bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_not_equal(sz_verify(sig, bad, ml, pk), SZ_OK);
		bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	sig[10] ^= 1;
	assert_int_not_equal(sz_verify(sig, m, ml, pk), SZ_OK);
	sig[10] ^= 1;
	pk[3] ^= 4;
	assert_int_not_equal(sz_verify(sig, m, ml, pk), SZ_OK);
	/* refused: anything not in a decide-layer context, an entry's context in particular */
	static const char entry_ctx[] = "samizdat entry v1";
	assert_int_equal(sz_cell_sign(w->n[1].c, (const uint8_t *)entry_ctx, sizeof entry_ctx, sig,
	    pk), SZ_ERR_INVALID);
	assert_true(sodium_is_zero(sig, 64) && sodium_is_zero(pk, 32));
	assert_int_equal(sz_cell_sign(w->n[1].c, (const uint8_t *)"samizdat-v1", 11, sig, pk),
	    SZ_ERR_INVALID);
	assert_int_equal(sz_cell_sign(w->n[1].c, NULL, 0, sig, pk), SZ_ERR_INVALID);
	/* an update gives a new key; the old signature stays valid under the old key only */
	uint8_t pk2[32], sig2[64];
	assert_int_equal(sz_cell_sign(w->n[1].c, m, ml, sig, pk), SZ_OK);
	sz_cell_result res = { 0 };
	assert_int_equal(sz_cell_update(w->n[1].c, &res), SZ_OK);
	net_take(w, 1, &res);
	assert_int_equal(sz_cell_sign(w->n[1].c, m, ml, sig2, pk2), SZ_OK);
	assert_memory_not_equal(pk, pk2, 32);
	assert_int_not_equal(sz_verify(sig, m, ml, pk2), SZ_OK);
	/* after leaving: nothing to sign with */
	assert_int_equal(sz_cell_leave(w->n[1].c, &res), SZ_OK);
	net_take(w, 1, &res);
	assert_int_equal(sz_cell_sign(w->n[1].c, m, ml, sig, pk), SZ_ERR_STATE);
	net_free(w);
}

/* An anonymous entry (a ballot's framing: a one-time author) sealed by member i now. */
static void
anonymous(net *w, int i)
{
	uint8_t seed[32], sk[64], pk[32], id[32], parent[32], *e;
	size_t n;
	sz_random(&w->n[i].env.env, seed, 32);
	memset(parent, 0x5a, 32);
	assert_int_equal(sz_sign_seed_keypair(pk, sk, seed), SZ_OK);
	assert_int_equal(sz_entry_build(&e, &n, id, SZ_KIND_BALLOT, (const uint8_t(*)[32])parent, 1,
	    1700000000000ull, (const uint8_t *)"ballot", 6, sk), SZ_OK);
	sz_cell_result res = { 0 };
	assert_int_equal(sz_cell_post_anonymous(w->n[i].c, e, n, &res), SZ_OK);
	net_take(w, i, &res);
	free(e);
}

/* Every epoch is clean until a removal; then the epochs the removed member held are not, the
 * one the others seal with next is, and an anonymous entry the removed member sealed before it
 * learnt of its removal opens (the cell cannot tell whose it is) under an unclean epoch. */
static void
test_scope_clean(void **state)
{
	(void)state;
	net *w = group(4, 4, 42);
	uint8_t sc[CELL_EPOCHS][16], before[16], unknown[16];
	size_t k;
	int clean = 7;
	memset(unknown, 0xee, 16);
	assert_int_equal(sz_cell_scope_clean(w->n[1].c, unknown, &clean), SZ_ERR_NOT_FOUND);
	assert_int_equal(clean, 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(sz_cell_scopes(w->n[i].c, sc, CELL_EPOCHS, &k), SZ_OK);
		for (size_t j = 0; j < k; j++) {
			assert_int_equal(sz_cell_scope_clean(w->n[i].c, sc[j], &clean), SZ_OK);
			assert_int_equal(clean, 1);
		}
	}
	/* what member 3 seals an anonymous entry with: an epoch every member holds */
	assert_int_equal(sz_cell_anon_scope(w->n[3].c, before), SZ_OK);
	/* 0 removes 3; 3 is away and hears nothing of it */
	w->n[3].gone = 1;
	sz_cell_result res = { 0 };
	assert_int_equal(sz_cell_remove(w->n[0].c, w->n[3].pk, &res), SZ_OK);
	net_take(w, 0, &res);
	run(w);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(sz_cell_scope_clean(w->n[i].c, before, &clean), SZ_OK);
		assert_int_equal(clean, 0);
		assert_int_equal(sz_cell_scopes(w->n[i].c, sc, CELL_EPOCHS, &k), SZ_OK);
		assert_int_equal(sz_cell_scope_clean(w->n[i].c, sc[0], &clean), SZ_OK);
		assert_int_equal(clean, 1);
		assert_false(sodium_memcmp(sc[0], before, 16) == 0);
	}
	/* 3, still thinking itself a member, seals an anonymous entry under its old epoch */
	assert_int_equal(sz_cell_status(w->n[3].c), SZ_CELL_ACTIVE);
	int k3 = w->nlog;
	anonymous(w, 3);
	assert_memory_equal(w->log[k3] + 1, before, 16);
	sz_cell_result got = { 0 };
	assert_int_equal(sz_cell_receive(w->n[1].c, w->log[k3], w->len[k3], &got), SZ_OK);
	assert_int_equal(got.nev, 1);
	assert_int_equal(got.ev[0].type, SZ_CELL_EV_MESSAGE);
	sz_cell_result_free(&got);
	/* a member seals under the clean epoch */
	int k1 = w->nlog;
	anonymous(w, 1);
	assert_int_equal(sz_cell_scope_clean(w->n[2].c, w->log[k1] + 1, &clean), SZ_OK);
	assert_int_equal(clean, 1);
	net_free(w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sign),
		cmocka_unit_test(test_scope_clean),
	};
	if (sz_init() != SZ_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
