/*
 * bench_offer.c - `make bench`: what member-only sync tokens cost (docs/PROTOCOL.md §8).
 * Reports, for a node in a cell of 200 members:
 *   - the pair keys with the 199 others, made from scratch (after unlock, or when the members
 *     change they are made only for the new ones): one Ed25519-to-X25519 map, one X25519 and one
 *     HKDF-SHA256 each;
 *   - one session's side of the token work: 199 pair tokens for its HELLO, 199 for the peer's
 *     role, each matched in constant time against the peer's 256;
 *   - the HELLO's size, the same for a node in no cell and one in a cell of 200.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "samizdat.h"
#include "app/node_int.h"
#include "crypto/crypto.h"
#include "sync/frame.h"

#define MEMBERS 200
#define RUNS 20

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(void)
{
	static uint8_t pk[MEMBERS][32], sk[MEMBERS][64], keys[MEMBERS][32], peer[SZ_HELLO_MIN_TOKENS][16];
	uint8_t cell_id[32], xsk[32], hash[64], tok[16];
	if (sz_init() != SZ_OK)
		return 1;
	for (int i = 0; i < MEMBERS; i++)
		if (sz_sign_keypair(pk[i], sk[i]) != SZ_OK)
			return 1;
	randombytes_buf(cell_id, sizeof cell_id);
	randombytes_buf(hash, sizeof hash);
	randombytes_buf(peer, sizeof peer);
	double best_keys = 1e9, best_tokens = 1e9;
	unsigned hits = 0;
	for (int run = 0; run < RUNS; run++) {
		double t0 = now_s();
		if (sz_sign_sk_to_dh(xsk, sk[0]) != SZ_OK)
			return 1;
		for (int i = 1; i < MEMBERS; i++)
			if (sz_node_pair_key(xsk, pk[0], pk[i], cell_id, keys[i]) != SZ_OK)
				return 1;
		double t1 = now_s();
		for (int i = 1; i < MEMBERS; i++) {
			if (sz_sync_pair_token(tok, keys[i], hash, 64, 1) != SZ_OK) /* my HELLO's */
				return 1;
			if (sz_sync_pair_token(tok, keys[i], hash, 64, 2) != SZ_OK) /* the peer's */
				return 1;
			for (int j = 0; j < SZ_HELLO_MIN_TOKENS; j++)
				hits += (unsigned)sz_ct_equal(tok, peer[j], 16);
		}
		double t2 = now_s();
		if (t1 - t0 < best_keys)
			best_keys = t1 - t0;
		if (t2 - t1 < best_tokens)
			best_tokens = t2 - t1;
	}
	sz_wipe(xsk, sizeof xsk);
	sz_wipe(keys, sizeof keys);
	size_t hello = SZ_FRAME_HDR + 4 + (size_t)SZ_HELLO_MIN_TOKENS * SZ_TOKEN_BYTES;
	printf("  pair keys, cell of %d       %8.2f ms   (%.1f us a member; made once, kept)\n",
	    MEMBERS, best_keys * 1e3, best_keys * 1e6 / (MEMBERS - 1));
	printf("  tokens and match, a session %8.2f ms   (%d offers x %d of the peer's tokens)\n",
	    best_tokens * 1e3, MEMBERS - 1, SZ_HELLO_MIN_TOKENS);
	printf("  HELLO each way              %8zu bytes (%d tokens, in no cell or a cell of %d)\n",
	    hello, SZ_HELLO_MIN_TOKENS, MEMBERS);
	return hits > RUNS * MEMBERS ? 1 : 0;
}
