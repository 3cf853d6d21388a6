/*
 * cell_bigcell.h - cells past CELL_HEAL_AT_ONCE members for the cell tests (test-only; not part
 * of the library), grown through the library (add, welcome, join) with every envelope flooded to
 * the live members.  Include cell_testnet.h and cell_int.h first.  Used by cell_join_test.c and
 * cell_joinrace_test.c.
 */
#ifndef SZ_CELL_CELL_BIGCELL_H
#define SZ_CELL_CELL_BIGCELL_H

/* --- cells past CELL_HEAL_AT_ONCE members, grown through the library (add, welcome, join) with
 * every envelope delivered to the live members; members not kept live are let go once joined
 * (they could only add envelopes of their own, and a join makes them none). */
#define BIG 420

typedef struct big {
	sz_cell *c[BIG];
	sz_env_seeded env[BIG];
	uint8_t sk[BIG][64], pk[BIG][32];
	int keep[BIG];
	int sent[BIG];          /* envelopes each made */
	int n;
} big;

static inline void
big_flood(big *g, sz_cell_result *r, int from)
{
	/* breadth first: what a delivery makes is delivered in turn */
	uint8_t **q = NULL;
	size_t *ql = NULL, nq = 0, cap = 0;
	int *qf = NULL;
	for (;;) {
		for (size_t i = 0; i < r->nout; i++) {
			if (nq == cap) {
				cap = cap ? 2 * cap : 64;
				q = realloc(q, cap * sizeof *q);
				ql = realloc(ql, cap * sizeof *ql);
				qf = realloc(qf, cap * sizeof *qf);
				assert_true(q != NULL && ql != NULL && qf != NULL);
			}
			q[nq] = r->out[i];
			ql[nq] = r->outlen[i];
			qf[nq++] = from;
			r->out[i] = NULL;
			g->sent[from]++;
		}
		sz_cell_result_free(r);
		break;
	}
	for (size_t k = 0; k < nq; k++) {
		for (int i = 0; i < g->n; i++) {
			sz_cell_result rr = { 0 };
			if (i == qf[k] || g->c[i] == NULL)
				continue;
			int rc = sz_cell_receive(g->c[i], q[k], ql[k], &rr);
			assert_true(rc == SZ_OK || rc == SZ_ERR_NOT_FOUND || rc == SZ_ERR_DECRYPT);
			for (size_t j = 0; j < rr.nout; j++) {
				if (nq == cap) {
					cap *= 2;
					q = realloc(q, cap * sizeof *q);
					ql = realloc(ql, cap * sizeof *ql);
					qf = realloc(qf, cap * sizeof *qf);
					assert_true(q != NULL && ql != NULL && qf != NULL);
				}
				q[nq] = rr.out[j];
				ql[nq] = rr.outlen[j];
				qf[nq++] = i;
				rr.out[j] = NULL;
				g->sent[i]++;
			}
			sz_cell_result_free(&rr);
		}
	}
	for (size_t k = 0; k < nq; k++)
		free(q[k]);
	free(q);
	free(ql);
	free(qf);
}

static inline void
big_join(big *g)
{
	int z = g->n++;
	sz_cell_joinkeys jk;
	sz_cell_result r = { 0 };
	uint8_t seed[32] = { (uint8_t)z, (uint8_t)(z >> 8), 7 };
	assert_true(z < BIG);
	sz_env_seeded_init(&g->env[z], (uint64_t)z + 1, 1700000000000ull);
	assert_int_equal(sz_sign_seed_keypair(g->pk[z], g->sk[z], seed), SZ_OK);
	assert_int_equal(sz_cell_joinkeys_new(&g->env[z].env, &jk), SZ_OK);
	assert_int_equal(sz_cell_add(g->c[0], g->pk[z], jk.prekey_pk, jk.csk_pk, &r), SZ_OK);
	uint8_t *w = r.welcome;
	size_t wl = r.welcome_len;
	r.welcome = NULL;
	big_flood(g, &r, 0);
	assert_int_equal(sz_cell_join(&g->c[z], &g->env[z].env, g->sk[z], &jk, w, wl, &r), SZ_OK);
	free(w);
	sz_wipe(&jk, sizeof jk);
	big_flood(g, &r, z);
	/* the one before it is let go unless kept: the newest stays live until the next join */
	if (z > 1 && !g->keep[z - 1]) {
		sz_cell_free(g->c[z - 1]);
		g->c[z - 1] = NULL;
	}
}

static inline big *
big_new(void)
{
	big *g = calloc(1, sizeof *g);
	uint8_t seed[32] = { 0, 0, 7 };
	assert_non_null(g);
	sz_env_seeded_init(&g->env[0], 1, 1700000000000ull);
	assert_int_equal(sz_sign_seed_keypair(g->pk[0], g->sk[0], seed), SZ_OK);
	sz_cell_result r = { 0 };
	assert_int_equal(sz_cell_create(&g->c[0], &g->env[0].env, "big", g->sk[0], &r), SZ_OK);
	sz_cell_result_free(&r);
	g->n = 1;
	g->keep[0] = g->keep[1] = 1;
	return g;
}

static inline void
big_free(big *g)
{
	for (int i = 0; i < g->n; i++)
		sz_cell_free(g->c[i]);
	free(g);
}

/* Who decrypted a post with this body in r (a MESSAGE event)? */
static inline int
got_post(const sz_cell_result *r, const char *text)
{
	for (size_t i = 0; i < r->nev; i++)
		if (r->ev[i].type == SZ_CELL_EV_MESSAGE && r->ev[i].body_len == strlen(text) &&
		    memcmp(r->ev[i].body, text, r->ev[i].body_len) == 0)
			return 1;
	return 0;
}

#endif /* SZ_CELL_CELL_BIGCELL_H */
