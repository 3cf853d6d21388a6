/*
 * bench_decide.c - `make bench`: the tally of 200 ballots on a roster of 200 (sz_tally_run:
 * decoding, framing checks, ring-signature verification, one vote per tag), as a ratio to 200
 * bare LSAG verifications (sz_lsag_verify) of the same signatures measured in the same run; the
 * same ratio per ballot, the check of each ballot (sz_ballot_check) timed right next to its bare
 * verification (robust to other processes' bursts on a shared machine); and the aggregation
 * alone (sz_tally_records).  Absolute times are printed for the record (docs/bench/decide.md),
 * never asserted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/crypto.h"
#include "decide/tally.h"

#define N 200
#define REPS 2

static double
now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void
need(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "bench_decide: %s failed\n", what);
		exit(1);
	}
}

/* One bare LSAG verification of ballot de's signature, as the tally would do it. */
static void
bare_verify(const sz_decide_entry *de, const sz_proposal *p, const uint8_t t[32])
{
	sz_ballot b;
	uint8_t msg[sizeof SZ_BALLOT_CONTEXT - 1 + SZ_BALLOT_SIGNED_BYTES];
	need(sz_ballot_decode(&b, de->e.body, de->e.body_len) == SZ_OK, "ballot body");
	memcpy(msg, SZ_BALLOT_CONTEXT, sizeof SZ_BALLOT_CONTEXT - 1);
	memcpy(msg + sizeof SZ_BALLOT_CONTEXT - 1, de->e.body, SZ_BALLOT_SIGNED_BYTES);
	need(sz_lsag_verify(b.sig, b.siglen, msg, sizeof msg, p->roster, p->n, t, NULL) == SZ_OK,
	    "verify");
}

int
main(void)
{
	static const char *const labels[] = { "yes", "no", "abstain" };
	const sz_env *env = sz_env_default();
	static sz_vote_key *keys[N];
	static uint8_t pks[N][32], *bufs[N];
	static sz_decide_entry ballots[N];
	static sz_ballot_record recs[N];
	uint8_t cell[32], seed[32], author_pk[32], author_sk[64], *body, *pbuf, id[32], t[32];
	size_t len, plen;
	sz_decide_entry prop_de;
	sz_proposal p;
	sz_tally tally;

	need(sz_init() == SZ_OK, "init");
	randombytes_buf(cell, sizeof cell);
	randombytes_buf(seed, sizeof seed);
	need(sz_sign_seed_keypair(author_pk, author_sk, seed) == SZ_OK, "keypair");
	for (size_t i = 0; i < N; i++) {
		need(sz_vote_key_new(&keys[i], env) == SZ_OK, "vote key");
		sz_vote_key_public(keys[i], pks[i]);
	}
	need(sz_proposal_encode(&body, &len, 4000000000000ull, "benchmark?", labels, 3,
	    (const uint8_t(*)[32])pks, N) == SZ_OK, "proposal");
	need(sz_entry_build(&pbuf, &plen, id, SZ_KIND_PROPOSAL, NULL, 0, 1, body, len, author_sk) ==
	    SZ_OK, "proposal entry");
	free(body);
	need(sz_decide_entry_decode(&prop_de, pbuf, plen) == SZ_OK, "decode");
	need(sz_proposal_from_entry(&p, &prop_de) == SZ_OK, "proposal decode");
	need(sz_proposal_scope(t, cell, &p) == SZ_OK, "scope");
	printf("casting %d ballots on a roster of %d...\n", N, N);
	for (size_t i = 0; i < N; i++) {
		need(sz_ballot_cast(&bufs[i], &len, id, cell, &p, (unsigned)(i % 3), 0, 1000 + i,
		    keys[i], env) == SZ_OK, "cast");
		need(sz_decide_entry_decode(&ballots[i], bufs[i], len) == SZ_OK, "ballot decode");
	}

	/* Best of REPS, alternating which of the two runs first, so that neither always pays for
	 * a cold cache or another process's burst. */
	double tally_s = 1e9, verify_s = 1e9, agg_s = 1e9;
	for (int r = 0; r < 2 * REPS; r++) {
		double t0 = now();
		if ((r & 1) == 0) {
			need(sz_tally_run(&tally, NULL, cell, &prop_de, ballots, N) == SZ_OK, "tally");
			double d = now() - t0;
			tally_s = d < tally_s ? d : tally_s;
			continue;
		}
		for (size_t i = 0; i < N; i++)
			bare_verify(&ballots[i], &p, t);
		double d = now() - t0;
		verify_s = d < verify_s ? d : verify_s;
	}
	need(tally.voters == N && tally.counts[0] == 67 && tally.counts[1] == 67 &&
	    tally.counts[2] == 66, "tally result");
	double check_sum = 0, verify_sum = 0;
	for (size_t i = 0; i < N; i++) {
		double t0 = now();
		need(sz_ballot_check(&recs[i], &p, t, &ballots[i]) == SZ_OK &&
		    recs[i].verdict == SZ_VERDICT_OK, "check");
		double t1 = now();
		bare_verify(&ballots[i], &p, t);
		check_sum += t1 - t0;
		verify_sum += now() - t1;
	}
	for (int r = 0; r < 50; r++) {
		double t0 = now();
		need(sz_tally_records(&tally, recs, N, 3) == SZ_OK, "aggregate");
		double d = now() - t0;
		if (d < agg_s)
			agg_s = d;
	}
	printf("%6s %8s %12s %16s %14s %18s %14s\n", "ring", "ballots", "tally ms", "200 verify ms",
	    "tally/verify", "check/verify (1:1)", "aggregate us");
	printf("%6d %8d %12.1f %16.1f %14.3f %18.4f %14.1f\n", N, N, tally_s * 1e3, verify_s * 1e3,
	    tally_s / verify_s, check_sum / verify_sum, agg_s * 1e6);
	printf("one verification at n = %d: %.1f ms; aggregation = %.5f%% of the tally\n", N,
	    verify_sum * 1e3 / N, agg_s / tally_s * 100.0);
	for (size_t i = 0; i < N; i++) {
		sz_vote_key_free(keys[i]);
		free(bufs[i]);
	}
	free(pbuf);
	return 0;
}
