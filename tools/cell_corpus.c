/*
 * cell_corpus.c - writes the seed corpora of fuzz_cell_op and fuzz_cell_state from a real cell
 * history: `cell_corpus DIR` fills DIR/fuzz_cell_op/ and DIR/fuzz_cell_state/.  Everything is
 * deterministic (seeded envs), so tests/cell_corpus.t can check that fuzz/corpus still matches
 * what the code makes (rerun `build/rel/bin/cell_corpus fuzz/corpus` after a format change).
 * Seed layout for fuzz_cell_op: see fuzz/fuzz_cell_op.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cell/cell.h"
#include "cell/cell_int.h"
#include "crypto/crypto.h"
#include "lib/bytes.h"
#include "lib/env.h"
#include "wire/entry.h"
#include "wire/envelope.h"

#define NN 5
#define MAXQ 512

static const char *dir;
static sz_env_seeded envs[NN];
static uint8_t sks[NN][64], pks[NN][32];
static sz_cell_joinkeys jks[NN];
static uint8_t *welcomes[NN];
static size_t welcome_lens[NN];
static sz_cell *cells[NN];
static uint8_t *qp[MAXQ];
static size_t ql[MAXQ];
static int qfrom[MAXQ], nq, done_upto;

static void
die(const char *what, int r)
{
	fprintf(stderr, "cell_corpus: %s (%d)\n", what, r);
	exit(1);
}

static void
must(int r, const char *what)
{
	if (r != SZ_OK)
		die(what, r);
}

static void
put(const char *target, const char *name, const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", dir, target);
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		die(path, errno);
	snprintf(path, sizeof path, "%s/%s/%s", dir, target, name);
	FILE *f = fopen(path, "wb");
	if (f == NULL || fwrite(a, 1, al, f) != al || (bl && fwrite(b, 1, bl, f) != bl) || fclose(f))
		die(path, errno);
}

/* A fuzz_cell_op seed: mode, the state of c (u32 len || bytes), the envelope or, for mode 3,
 * its sealed plaintext (opened with c's epoch key). */
static void
op_seed(const char *name, sz_cell *c, const uint8_t *env, size_t len)
{
	uint8_t *st, *seed, *open = NULL;
	const uint8_t *pt;
	size_t sl, openlen = 0, ptlen = 0;
	sz_envelope e;
	int r;
	char n2[128];
	if ((r = sz_cell_serialize(c, &st, &sl)) != SZ_OK)
		die("serialize", r);
	if ((seed = malloc(5 + sl)) == NULL)
		die("malloc", 0);
	seed[0] = 2;
	sz_store_u32(seed + 1, (uint32_t)sl);
	memcpy(seed + 5, st, sl);
	snprintf(n2, sizeof n2, "%s_env", name);
	put("fuzz_cell_op", n2, seed, 5 + sl, env, len);
	if (sz_env_parse(&e, env, len, 0) == SZ_OK)
		for (int i = 0; i < CELL_EPOCHS; i++)
			if (c->ep[i].used && memcmp(c->ep[i].scope, e.scope, 16) == 0 &&
			    sz_env_open(&open, &openlen, &pt, &ptlen, &e, c->ep[i].key) == SZ_OK) {
				seed[0] = 3;
				snprintf(n2, sizeof n2, "%s_inner", name);
				put("fuzz_cell_op", n2, seed, 5 + sl, pt, ptlen);
				sz_env_open_free(open, openlen);
				break;
			}
	free(seed);
	free(st);
}

static void
state_seed(const char *name, const sz_cell *c)
{
	uint8_t *st;
	size_t sl;
	int r;
	if ((r = sz_cell_serialize(c, &st, &sl)) != SZ_OK)
		die("serialize", r);
	put("fuzz_cell_state", name, st, sl, NULL, 0);
	free(st);
}

static void
take(sz_cell_result *r, int from)
{
	for (size_t i = 0; i < r->nout; i++) {
		if (nq == MAXQ)
			die("queue full", 0);
		qp[nq] = r->out[i];
		ql[nq] = r->outlen[i];
		qfrom[nq++] = from;
		r->out[i] = NULL;
	}
	sz_cell_result_free(r);
}

/* by adds node i: the welcome goes to i alone. */
static void
add_node(int by, int i, sz_cell_result *r)
{
	must(sz_cell_add(cells[by], pks[i], jks[i].prekey_pk, jks[i].csk_pk, r), "add");
	welcomes[i] = r->welcome;
	welcome_lens[i] = r->welcome_len;
	r->welcome = NULL;
}

/* Deliver envelope k to node i (join from its welcome first when it has no state yet). */
static void
deliver(int i, int k)
{
	sz_cell_result r = { 0 };
	if (cells[i] == NULL && welcomes[i] != NULL) {
		if (sz_cell_join(&cells[i], &envs[i].env, sks[i], &jks[i], welcomes[i], welcome_lens[i],
		    &r) != SZ_OK)
			cells[i] = NULL;
		free(welcomes[i]);
		welcomes[i] = NULL;
		take(&r, i);
	}
	if (cells[i] == NULL) {
		/* not in the cell */
	} else if (sz_cell_receive(cells[i], qp[k], ql[k], &r) != SZ_OK) {
		/* not for it (another scope), or refused: the events say which */
	}
	take(&r, i);
}

/* Deliver every envelope not yet delivered to every node but its sender and those in skip. */
static void
flood(unsigned skip)
{
	for (; done_upto < nq; done_upto++)
		for (int i = 0; i < NN; i++)
			if (i != qfrom[done_upto] && !(skip >> i & 1))
				deliver(i, done_upto);
}


/* The fresh cell fuzz_cell_op makes when mode bit 1 is clear, and ops of its own from a copy. */
static void
fresh_seeds(void)
{
	uint8_t pk[32], sk[64], seed[32] = { 1 }, zpk[32], zsk[64], zseed[32] = { 2 };
	sz_cell_joinkeys zk;
	sz_env_seeded env;
	sz_cell *f;
	sz_cell_result r = { 0 };
	must(sz_sign_seed_keypair(pk, sk, seed), "keys");
	must(sz_sign_seed_keypair(zpk, zsk, zseed), "keys");
	sz_env_seeded_init(&env, 1, 0);
	must(sz_cell_create(&f, &env.env, "fuzz", sk, &r), "create");
	sz_cell_result_free(&r);
	state_seed("creator_alone", f);
	must(sz_cell_joinkeys_new(&env.env, &zk), "join keys");
	must(sz_cell_add(f, zpk, zk.prekey_pk, zk.csk_pk, &r), "add");
	for (size_t i = 0; i < r.nout; i++) {
		uint8_t *s = malloc(1 + r.outlen[i]);
		if (s == NULL)
			die("malloc", 0);
		s[0] = 0;
		memcpy(s + 1, r.out[i], r.outlen[i]);
		put("fuzz_cell_op", "fresh_own_add_env", s, 1 + r.outlen[i], NULL, 0);
		free(s);
	}
	sz_cell_result_free(&r);
	sz_cell_free(f);
}

/* A welcome's payload for fuzz_cell_welcome: its fixed newcomer (identity seed 2, join keys from
 * env 42) added by a creator (identity seed 1); the seed is adder id || opened payload. */
static void
welcome_seed(const char *name, int members)
{
	uint8_t pk[32], sk[64], seed[32] = { 1 }, zpk[32], zsk[64], zseed[32] = { 2 };
	uint8_t *pl = NULL, adder[32], ck[32];
	size_t pll = 0;
	uint32_t ctr;
	sz_env_seeded env, kenv;
	sz_cell_joinkeys zk;
	sz_cell *f;
	sz_cell_result r = { 0 };
	must(sz_sign_seed_keypair(pk, sk, seed), "keys");
	must(sz_sign_seed_keypair(zpk, zsk, zseed), "keys");
	sz_env_seeded_init(&env, 3, 0);
	sz_env_seeded_init(&kenv, 42, 0);
	must(sz_cell_joinkeys_new(&kenv.env, &zk), "join keys");
	must(sz_cell_create(&f, &env.env, "fuzz", sk, &r), "create");
	sz_cell_result_free(&r);
	for (int i = 0; i < members; i++) { /* others first, so the table is not trivial */
		uint8_t opk[32], osk[64], oseed[32] = { (uint8_t)(100 + i) };
		sz_cell_joinkeys ok;
		must(sz_sign_seed_keypair(opk, osk, oseed), "keys");
		must(sz_cell_joinkeys_new(&env.env, &ok), "join keys");
		must(sz_cell_add(f, opk, ok.prekey_pk, ok.csk_pk, &r), "add");
		sz_cell_result_free(&r);
	}
	must(sz_cell_add(f, zpk, zk.prekey_pk, zk.csk_pk, &r), "add");
	must(sz_cellst_welcome_open(&kenv.env, zsk, &zk, r.welcome, r.welcome_len, &pl, &pll, adder,
	    ck, &ctr), "open welcome");
	put("fuzz_cell_welcome", name, adder, 32, pl, pll);
	sz_wipe(pl, pll);
	free(pl);
	sz_cell_result_free(&r);
	sz_cell_free(f);
}

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: cell_corpus DIR   (writes DIR/fuzz_cell_op, fuzz_cell_state and fuzz_cell_welcome)\n");
		return 2;
	}
	dir = argv[1];
	if (sz_init() != SZ_OK)
		die("sodium", 0);
	fresh_seeds();
	welcome_seed("welcome_two", 0);
	welcome_seed("welcome_five", 3);
	for (int i = 0; i < NN; i++) {
		uint8_t seed[32] = { (uint8_t)(i + 10) };
		must(sz_sign_seed_keypair(pks[i], sks[i], seed), "keys");
		sz_env_seeded_init(&envs[i], 1000 + (uint64_t)i, 1700000000000ull);
		must(sz_cell_joinkeys_new(&envs[i].env, &jks[i]), "join keys");
	}
	sz_cell_result r = { 0 };
	/* A creates; adds B, C, D (E stays outside) */
	must(sz_cell_create(&cells[0], &envs[0].env, "print shop", sks[0], &r), "create");
	take(&r, 0);
	for (int i = 1; i <= 3; i++) {
		add_node(0, i, &r);
		int at = nq;
		take(&r, 0);
		if (i == 3)
			op_seed("c_gets_add", cells[2], qp[at], ql[at]);
		flood(0);
	}
	state_seed("a_founder", cells[0]);
	state_seed("c_member", cells[2]);
	/* B updates: C gets the update; D's next post carries its ack (a window); D then closes its
	 * window with an ACK op; A's update closes A's window (the acks it owes) */
	must(sz_cell_update(cells[1], &r), "update");
	int upd = nq;
	take(&r, 1);
	op_seed("c_gets_update", cells[2], qp[upd], ql[upd]);
	flood(0);
	uint8_t note[16] = "carrier of acks";
	must(sz_cell_post(cells[3], SZ_KIND_POST, note, sizeof note, NULL, 0, NULL, &r), "post");
	int car = nq;
	take(&r, 3);
	op_seed("c_gets_carrier", cells[2], qp[car], ql[car]);
	flood(0);
	must(sz_cellop_mine(cells[3], OP_ACK, 0, &r), "ack");
	int ack = nq;
	take(&r, 3);
	op_seed("c_gets_ack", cells[2], qp[ack], ql[ack]);
	flood(0);
	must(sz_cell_update(cells[0], &r), "update");
	int wup = nq;
	take(&r, 0);
	op_seed("c_gets_windowed_update", cells[2], qp[wup], ql[wup]);
	flood(0);
	/* A posts three times; C reads only the third first (two skipped keys) */
	int posts[3];
	for (int p = 0; p < 3; p++) {
		uint8_t body[24];
		memset(body, 'a' + p, sizeof body);
		must(sz_cell_post(cells[0], SZ_KIND_POST, body, sizeof body, NULL, 0, NULL, &r), "post");
		posts[p] = nq;
		take(&r, 0);
	}
	op_seed("c_gets_post", cells[2], qp[posts[2]], ql[posts[2]]);
	deliver(2, posts[2]);
	state_seed("c_skipped_keys", cells[2]);
	flood(0);
	/* A adds E (who never joins); C's next post carries its add-ack to E (a direct message in
	 * the window: C owes nothing else, or the acks it owes would go at once in an ACK op with
	 * forwards to E); then A removes D: B gets the remove first and holds it */
	must(sz_cell_post(cells[2], SZ_KIND_POST, note, sizeof note, NULL, 0, NULL, &r), "post");
	take(&r, 2);
	flood(0);
	add_node(0, 4, &r);
	int add_e = nq;
	take(&r, 0);
	deliver(2, add_e);
	must(sz_cell_post(cells[2], SZ_KIND_POST, note, sizeof note, NULL, 0, NULL, &r), "post");
	int adc = nq;
	take(&r, 2);
	op_seed("b_gets_addack_carrier", cells[1], qp[adc], ql[adc]);
	must(sz_cell_remove(cells[0], pks[3], &r), "remove");
	int rm = nq;
	take(&r, 0);
	op_seed("b_gets_remove_held", cells[1], qp[rm], ql[rm]);
	deliver(1, rm);
	state_seed("b_holding", cells[1]);
	deliver(1, add_e);
	op_seed("d_gets_own_remove", cells[3], qp[rm], ql[rm]);
	flood(1u << 4);
	state_seed("d_removed", cells[3]);
	state_seed("c_after_remove", cells[2]);
	/* C leaves */
	must(sz_cell_leave(cells[2], &r), "leave");
	int lv = nq;
	take(&r, 2);
	op_seed("b_gets_leave", cells[1], qp[lv], ql[lv]);
	flood(1u << 4);
	state_seed("c_left", cells[2]);
	/* an epoch message (SEAL_EPOCHS), as A sends one to a member it thinks lacks an epoch: made
	 * here by making A forget that B holds its oldest epoch */
	int oldest = -1;
	for (int i = 0; i < CELL_EPOCHS; i++)
		if (cells[0]->ep[i].used && (oldest < 0 || cells[0]->ep[i].order < cells[0]->ep[oldest].order))
			oldest = i;
	if (oldest >= 0) {
		int bi = sz_cellm_find(cells[0], pks[1]);
		cells[0]->ep[oldest].holders.w[bi / 64] &= ~(1ull << (bi % 64));
		must(sz_cellf_send_epochs(cells[0], &r), "epochs");
		if (r.nout > 0)
			op_seed("b_gets_epochs", cells[1], r.out[0], r.outlen[0]);
		sz_cell_result_free(&r);
	}
	for (int i = 0; i < NN; i++) {
		sz_cell_free(cells[i]);
		free(welcomes[i]);
	}
	for (int k = 0; k < nq; k++)
		free(qp[k]);
	return 0;
}
