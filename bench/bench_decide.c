/*
 * bench_decide.c - `make bench`: the tally of 200 ballots on a roster of 200 (sz_tally_run:
 * decoding, framing checks, ring-signature verification, one vote per tag), as a ratio to 200
 * bare LSAG verifications (sz_lsag_verify) of the same signatures measured in the same run; and
 * the aggregation alone (sz_tally_records).  Absolute times are printed for the record
 * (docs/bench/decide.md), never asserted.
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

	double tally_s = 1e9, verify_s = 1e9, agg_s = 1e9;
	for (int r = 0; r < REPS; r++) {
		double t0 = now();
		need(sz_tally_run(&tally, NULL, cell, &prop_de, ballots, N) == SZ_OK, "tally");
		double t1 = now();
		for (size_t i = 0; i < N; i++) {
			sz_ballot b;
			uint8_t msg[sizeof SZ_BALLOT_CONTEXT - 1 + SZ_BALLOT_SIGNED_BYTES];
			need(sz_ballot_decode(&b, ballots[i].e.body, ballots[i].e.body_len) == SZ_OK,
			    "ballot body");
			memcpy(msg, SZ_BALLOT_CONTEXT, sizeof SZ_BALLOT_CONTEXT - 1);
			memcpy(msg + sizeof SZ_BALLOT_CONTEXT - 1, ballots[i].e.body,
			    SZ_BALLOT_SIGNED_BYTES);
			need(sz_lsag_verify(b.sig, b.siglen, msg, sizeof msg, p.roster, p.n, t, NULL) ==
			    SZ_OK, "verify");
		}
		double t2 = now();
		if (t1 - t0 < tally_s)
			tally_s = t1 - t0;
		if (t2 - t1 < verify_s)
			verify_s = t2 - t1;
	}
	need(tally.voters == N && tally.counts[0] == 67 && tally.counts[1] == 67 &&
	    tally.counts[2] == 66, "tally result");
	for (size_t i = 0; i < N; i++)
		need(sz_ballot_check(&recs[i], &p, t, &ballots[i]) == SZ_OK, "check");
	for (int r = 0; r < 50; r++) {
		double t0 = now();
		need(sz_tally_records(&tally, recs, N, 3) == SZ_OK, "aggregate");
		double d = now() - t0;
		if (d < agg_s)
			agg_s = d;
	}
	printf("%6s %8s %12s %16s %14s %16s\n", "ring", "ballots", "tally ms", "200 verify ms",
	    "tally/verify", "aggregate us");
	printf("%6d %8d %12.1f %16.1f %14.3f %16.1f\n", N, N, tally_s * 1e3, verify_s * 1e3,
	    tally_s / verify_s, agg_s * 1e6);
	printf("one verification at n = %d: %.1f ms; the tally's overhead beyond verifying: %.1f%%\n",
	    N, verify_s * 1e3 / N, (tally_s / verify_s - 1.0) * 100.0);
	for (size_t i = 0; i < N; i++) {
		sz_vote_key_free(keys[i]);
		free(bufs[i]);
	}
	free(pbuf);
	return 0;
}
