/*
 * cell_joinrace_test.c - the gaps of docs/joins.md §7 (c), closed: one join request admitted by
 * two members at once (the newcomer's first op names the add it took), a member that lost the
 * adder's ratchet (its newcomer's first seeded op restarts its ratchet), and a welcome past the
 * largest envelope bucket (400 members).  Library path; cell_testnet.h and cell_bigcell.h.
 */
#include "cell/cell_testnet.h"
#include "cell/cell_int.h"
#include "cell/cell_bigcell.h"

/* A fresh identity and invitation keys for member z of g (not yet added). */
static void
big_person(big *g, int z, sz_cell_joinkeys *jk)
{
	uint8_t seed[32] = { (uint8_t)z, (uint8_t)(z >> 8), 7 };
	assert_true(z < BIG);
	sz_env_seeded_init(&g->env[z], (uint64_t)z + 1, 1700000000000ull);
	assert_int_equal(sz_sign_seed_keypair(g->pk[z], g->sk[z], seed), SZ_OK);
	assert_int_equal(sz_cell_joinkeys_new(&g->env[z].env, jk), SZ_OK);
}

/* Give member i the envelopes of r (not freed), then flood what it makes. */
static void
give(big *g, int i, const sz_cell_result *r)
{
	for (size_t k = 0; k < r->nout; k++) {
		sz_cell_result rr = { 0 };
		int rc = sz_cell_receive(g->c[i], r->out[k], r->outlen[k], &rr);
		assert_true(rc == SZ_OK || rc == SZ_ERR_NOT_FOUND || rc == SZ_ERR_DECRYPT);
		big_flood(g, &rr, i);
	}
}

/* A post by from, given to every live member: how many of them read it. */
static int
post_read_by(big *g, int from, const char *text, int expect_out)
{
	sz_cell_result r = { 0 };
	int readers = 0;
	assert_int_equal(sz_cell_post(g->c[from], SZ_KIND_POST, (const uint8_t *)text,
	    strlen(text), NULL, 0, NULL, &r), SZ_OK);
	if (expect_out > 0)
		assert_int_equal(r.nout, (size_t)expect_out);
	for (int i = 0; i < g->n; i++) {
		if (i == from || g->c[i] == NULL)
			continue;
		int got = 0;
		for (size_t k = 0; k < r.nout; k++) {
			sz_cell_result rr = { 0 };
			int rc = sz_cell_receive(g->c[i], r.out[k], r.outlen[k], &rr);
			assert_true(rc == SZ_OK || rc == SZ_ERR_NOT_FOUND || rc == SZ_ERR_DECRYPT);
			got |= got_post(&rr, text);
			sz_cell_result_free(&rr);
		}
		readers += got;
	}
	sz_cell_result_free(&r);
	return readers;
}

/* Live members: the creator, member 1 and the observers 2 and 3 (the rest let go). */
static big *
big_grown(int n)
{
	big *g = big_new();
	g->keep[2] = g->keep[3] = 1;
	while (g->n < n)
		big_join(g);
	for (int i = 4; i < g->n; i++) /* the newest too: only 0..3 stay live */
		if (!g->keep[i] && g->c[i] != NULL) {
			sz_cell_free(g->c[i]);
			g->c[i] = NULL;
		}
	return g;
}

/* The newcomer's first op, opened: entry (its body at body), for forging variants of it. */
typedef struct first_op {
	uint8_t scope[16];
	const cell_epoch *ep;
	sz_entry en;
	uint8_t *open;
	size_t openlen;
} first_op;

static void
first_op_open(first_op *f, const sz_cell *c, const uint8_t *envl, size_t len)
{
	sz_envelope env;
	const uint8_t *pt;
	size_t ptlen;
	memset(f, 0, sizeof *f);
	assert_int_equal(sz_env_parse(&env, envl, len, 0), SZ_OK);
	for (int i = 0; i < CELL_EPOCHS; i++)
		if (c->ep[i].used && memcmp(c->ep[i].scope, env.scope, 16) == 0)
			f->ep = &c->ep[i];
	assert_non_null(f->ep);
	assert_int_equal(sz_env_open(&f->open, &f->openlen, &pt, &ptlen, &env, f->ep->key), SZ_OK);
	assert_int_equal(pt[0], SEAL_CONTROL);
	assert_int_equal(sz_entry_decode(&f->en, NULL, pt + 1, ptlen - 1, 0), SZ_OK);
}

/* Offset of the joined-from reference in a first op's body (after heads and vouches). */
static size_t
joined_off(const uint8_t *body)
{
	size_t off = 1 + 1 + 4 + 4 + 8;
	off += 1 + 16 * (size_t)body[off];
	off += 1 + 16 * (size_t)body[off];
	return off;
}

/* The newcomer's first op with its joined-from reference replaced (mref, seq, id), signed by
 * sk and sealed as the genuine one: member i must refuse it and change nothing. */
static void
refuse_variant(big *g, int i, const first_op *f, uint32_t mref, uint32_t seq, const uint8_t id[8],
    const uint8_t sk[64], int reason)
{
	uint8_t *body = malloc(f->en.body_len), *fe, fid[32], *inner, *envl;
	uint8_t nonce[SZ_ENV_NONCE_BYTES] = { 5 };
	size_t fel, envlen, jo = joined_off(f->en.body);
	assert_non_null(body);
	memcpy(body, f->en.body, f->en.body_len);
	sz_store_u32(body + jo, mref);
	sz_store_u32(body + jo + 4, seq);
	memcpy(body + jo + 8, id, 8);
	assert_int_equal(sz_entry_build(&fe, &fel, fid, SZ_KIND_CELL_CONTROL, NULL, 0,
	    f->en.timestamp_ms, body, f->en.body_len, sk), SZ_OK);
	inner = malloc(1 + fel);
	assert_non_null(inner);
	inner[0] = SEAL_CONTROL;
	memcpy(inner + 1, fe, fel);
	assert_int_equal(sz_env_seal(&envl, &envlen, f->ep->scope, inner, 1 + fel, f->ep->key,
	    nonce), SZ_OK);
	/* the newcomer's record is untouched (its keys, ratchets, the adds they came from); its
	 * heads' vouches (§7.2) are taken from any op its current key signs, as before */
	int iz = sz_cellm_find(g->c[i], g->pk[g->n - 1]);
	cell_member before = g->c[i]->m[iz];
	uint8_t *sb, *sa;
	size_t sbl, sal;
	sz_cell_result rr = { 0 };
	assert_int_equal(sz_cell_receive(g->c[i], envl, envlen, &rr), SZ_OK);
	int refused = 0;
	for (size_t k = 0; k < rr.nev; k++) {
		assert_int_not_equal(rr.ev[k].type, SZ_CELL_EV_CONTROL);
		refused += rr.ev[k].type == SZ_CELL_EV_REJECTED && rr.ev[k].reason == reason;
	}
	assert_int_equal(refused, 1);
	assert_int_equal(rr.nout, 0);
	sz_cell_result_free(&rr);
	assert_memory_equal(&g->c[i]->m[iz], &before, sizeof before);
	assert_int_equal(sz_cell_serialize(g->c[i], &sb, &sbl), SZ_OK);
	sz_cell *copy = NULL; /* and its state still loads */
	assert_int_equal(sz_cell_deserialize(&copy, &g->env[i].env, sb, sbl), SZ_OK);
	assert_int_equal(sz_cell_serialize(copy, &sa, &sal), SZ_OK);
	assert_int_equal(sal, sbl);
	assert_memory_equal(sa, sb, sbl);
	sz_cell_free(copy);
	free(sa);
	free(sb);
	free(envl);
	free(inner);
	free(fe);
	free(body);
}

/* One join request admitted by two members at once (docs/joins.md §7 (c)): members 0 and 1 add
 * the newcomer with the same keys, neither having seen the other's add, in a cell past
 * CELL_HEAL_AT_ONCE (its first op is "joined", unseeded, so its ratchet is the one its add
 * gives until its update).  Members apply the two adds in both orders; the newcomer joins from
 * either welcome (both are sealed to its prekey).  Every member reads its posts.  Before its
 * genuine first op, variants of it are refused: naming the add of someone else, an op that is
 * no add, a real add with a wrong id (all signed by the newcomer: MALFORMED), and the genuine
 * body signed by an insider (BAD_SIGNATURE). */
static void
test_one_request_two_adders(void **state)
{
	(void)state;
	for (int from = 0; from < 2; from++) {
		big *g = big_grown(CELL_HEAL_AT_ONCE + 2);
		int z = g->n++;
		sz_cell_joinkeys jk;
		big_person(g, z, &jk);
		sz_cell_result ra = { 0 }, rb = { 0 };
		assert_int_equal(sz_cell_add(g->c[0], g->pk[z], jk.prekey_pk, jk.csk_pk, &ra), SZ_OK);
		assert_int_equal(sz_cell_add(g->c[1], g->pk[z], jk.prekey_pk, jk.csk_pk, &rb), SZ_OK);
		/* both orders: 1 and 3 apply 0's add last, 0 and 2 apply 1's last */
		give(g, 2, &ra);
		give(g, 3, &rb);
		give(g, 1, &ra);
		give(g, 0, &rb);
		give(g, 2, &rb);
		give(g, 3, &ra);
		for (int i = 0; i < 4; i++) {
			int iz = sz_cellm_find(g->c[i], g->pk[z]);
			assert_true(iz >= 0 && g->c[i]->m[iz].jadd[0] && g->c[i]->m[iz].jadd[1]);
		}
		sz_cell_result *mine = from == 0 ? &ra : &rb, *other = from == 0 ? &rb : &ra;
		sz_cell_result jr = { 0 };
		assert_int_equal(sz_cell_join(&g->c[z], &g->env[z].env, g->sk[z], &jk, mine->welcome,
		    mine->welcome_len, &jr), SZ_OK);
		assert_int_equal(jr.nout, 1); /* "joined" only */
		first_op f;
		first_op_open(&f, g->c[2], jr.out[0], jr.outlen[0]);
		int iz2 = sz_cellm_find(g->c[2], g->pk[z]);
		const cell_mop *other_add = NULL, *someone = NULL;
		for (unsigned m = 0; m < g->c[2]->nmops; m++) {
			const cell_mop *o = &g->c[2]->mop[m];
			if (o->type == OP_ADD && o->target == iz2 && o->author == (from == 0 ? 1 : 0))
				other_add = o;
			if (o->type == OP_ADD && o->target == 5)
				someone = o;
		}
		assert_non_null(other_add);
		assert_non_null(someone);
		const sz_cell *c2 = g->c[2];
		uint8_t bad[8];
		memcpy(bad, other_add->id, 8);
		bad[0] ^= 1;
		refuse_variant(g, 2, &f, c2->m[someone->author].mref, someone->seq, someone->id,
		    jk.csk_sk, SZ_ERR_MALFORMED);
		uint32_t m3 = c2->m[sz_cellm_find(c2, g->pk[3])].mref;
		refuse_variant(g, 2, &f, m3, 1, bad, jk.csk_sk, SZ_ERR_MALFORMED); /* an update */
		refuse_variant(g, 2, &f, m3, 9999, bad, jk.csk_sk, SZ_ERR_MALFORMED); /* none */
		refuse_variant(g, 2, &f, c2->m[other_add->author].mref, other_add->seq, bad,
		    jk.csk_sk, SZ_ERR_MALFORMED);
		uint32_t jm = sz_load_u32(f.en.body + joined_off(f.en.body));
		uint32_t js = sz_load_u32(f.en.body + joined_off(f.en.body) + 4);
		refuse_variant(g, 2, &f, jm, js, f.en.body + joined_off(f.en.body) + 8,
		    g->c[3]->csk_sk, SZ_ERR_BAD_SIGNATURE);
		sz_env_open_free(f.open, f.openlen);
		/* the genuine first op, then the other add to the newcomer too */
		big_flood(g, &jr, z);
		give(g, z, other);
		for (int i = 0; i < 4; i++) {
			int iz = sz_cellm_find(g->c[i], g->pk[z]);
			assert_int_equal(g->c[i]->m[iz].done, 1);
			assert_memory_equal(g->c[i]->m[iz].csk[0], jk.csk_pk, 32);
			assert_int_equal(sodium_memcmp(g->c[i]->m[iz].rk,
			    g->c[z]->m[g->c[z]->me].rk, 32), 0);
		}
		assert_true(g->c[z]->heal_due);
		assert_int_equal(post_read_by(g, z, "the newcomer, before its update", 1), 4);
		assert_int_equal(post_read_by(g, 3, "to the newcomer", 0), 4);
		sz_cell_result_free(&ra);
		sz_cell_result_free(&rb);
		sz_wipe(&jk, sizeof jk);
		big_free(g);
	}
}

/* A member that lost the adder's ratchet (here: forgot it) cannot derive the newcomer's first
 * ratchet.  Up to CELL_HEAL_AT_ONCE members the newcomer's first op is its update, which
 * restarts its ratchet from its own seed: that member reads all of its posts. */
static void
test_lost_adder_small(void **state)
{
	(void)state;
	for (int s = 1; s <= nseeds(); s++) {
		net *w = group(6, 5, (uint64_t)s);
		all_read_all(w, "settle");
		sz_cellk_forget(w->n[3].c, (uint16_t)sz_cellm_find(w->n[3].c, w->n[0].pk));
		add(w, 0, 5);
		run(w);
		int iz = sz_cellm_find(w->n[3].c, w->n[5].pk);
		assert_true(iz >= 0 && w->n[3].c->m[iz].rk_known && !w->n[3].c->m[iz].restart);
		post(w, 5, "the newcomer's first post");
		run(w);
		for (int i = 0; i < 5; i++)
			assert_true(has_body(&w->n[i], "the newcomer's first post"));
		net_free(w);
	}
}

/* The bound past CELL_HEAL_AT_ONCE members: the newcomer's first op is "joined" (no seed), so
 * the member that lost the adder's ratchet reads none of its posts until its update, which
 * comes with its CELL_HEAL_POSTS+1-th post; from that post on it reads them. */
static void
test_lost_adder_bound(void **state)
{
	(void)state;
	big *g = big_grown(CELL_HEAL_AT_ONCE + 2);
	sz_cellk_forget(g->c[2], (uint16_t)sz_cellm_find(g->c[2], g->pk[0]));
	int z = g->n;
	g->keep[z] = 1;
	big_join(g);
	int iz = sz_cellm_find(g->c[2], g->pk[z]);
	assert_true(iz >= 0 && !g->c[2]->m[iz].rk_known && g->c[2]->m[iz].restart);
	for (int p = 1; p <= CELL_HEAL_POSTS + 2; p++) {
		char text[32];
		snprintf(text, sizeof text, "post %d", p);
		int readers = post_read_by(g, z, text, p == CELL_HEAL_POSTS + 1 ? 2 : 1);
		/* 0, 1, 3 always; 2 from the update on */
		assert_int_equal(readers, p <= CELL_HEAL_POSTS ? 3 : 4);
	}
	assert_true(g->c[2]->m[iz].rk_known && !g->c[2]->m[iz].restart);
	big_free(g);
}

/* A welcome past the largest envelope bucket (about 350 members: it grows in 64 KiB steps; its
 * size once wrapped to 0 there): 400 members, then a newcomer joins, reads and is read.  The
 * cheapest real path: 70 members join through the library (as in big_grown), the creator adds
 * 330 more whose answers are still on their way (real adds, real keys; they have not joined,
 * which the welcome carries as it would), then member 1 adds the newcomer. */
static void
test_welcome_past_buckets(void **state)
{
	(void)state;
	big *g = big_grown(CELL_HEAL_AT_ONCE + 6);
	while (g->n < 400) {
		int p = g->n++;
		sz_cell_joinkeys pk;
		sz_cell_result r = { 0 };
		big_person(g, p, &pk);
		assert_int_equal(sz_cell_add(g->c[0], g->pk[p], pk.prekey_pk, pk.csk_pk, &r), SZ_OK);
		sz_wipe(&pk, sizeof pk);
		free(r.welcome);
		r.welcome = NULL;
		big_flood(g, &r, 0);
	}
	int z = g->n++;
	sz_cell_joinkeys jk;
	big_person(g, z, &jk);
	g->keep[z] = 1;
	sz_cell_result r = { 0 };
	assert_int_equal(sz_cell_add(g->c[1], g->pk[z], jk.prekey_pk, jk.csk_pk, &r), SZ_OK);
	assert_true(r.welcome_len > sz_env_buckets[SZ_ENV_NBUCKETS - 1]);
	assert_int_equal((r.welcome_len - 32 - 16) % 65536, 0);
	uint8_t *wel = r.welcome;
	size_t wl = r.welcome_len;
	r.welcome = NULL;
	big_flood(g, &r, 1);
	wel[40] ^= 1; /* tampered: refused */
	sz_cell *bad = NULL;
	assert_int_not_equal(sz_cell_join(&bad, &g->env[z].env, g->sk[z], &jk, wel, wl, &r), SZ_OK);
	assert_null(bad);
	sz_cell_result_free(&r);
	wel[40] ^= 1;
	assert_int_equal(sz_cell_join(&g->c[z], &g->env[z].env, g->sk[z], &jk, wel, wl, &r), SZ_OK);
	free(wel);
	sz_wipe(&jk, sizeof jk);
	big_flood(g, &r, z);
	for (int i = 0; i < z; i += 37)
		assert_true(sz_cell_is_member(g->c[z], g->pk[i]));
	assert_int_equal(post_read_by(g, z, "four hundred and one", 1), 4);
	assert_int_equal(post_read_by(g, 1, "welcome", 0), 4);
	big_free(g);
}

int
main(void)
{
	if (sz_init() != SZ_OK)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_request_two_adders),
		cmocka_unit_test(test_lost_adder_small),
		cmocka_unit_test(test_lost_adder_bound),
		cmocka_unit_test(test_welcome_past_buckets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
