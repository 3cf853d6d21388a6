/*
 * fuzz_cell_welcome.c - libFuzzer target: a welcome's payload, the adder's view a newcomer
 * builds its state from (src/cell/state.c, join_payload: the member table, the mop table, the
 * epochs, the add entry), and the newcomer's first op made from it.  Input: adder id[32] ||
 * payload, for a fixed newcomer (identity from seed byte 2, join keys from a seeded env), as
 * found under the welcome's two seals (which a fuzzer cannot make: sz_cellst_welcome_open opens
 * them).  Seeds: fuzz/corpus/fuzz_cell_welcome/ (tools/cell_corpus.c).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "samizdat.h"
#include "cell/cell.h"
#include "cell/cell_int.h"
#include "crypto/crypto.h"
#include "lib/env.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	static uint8_t pk[32], sk[64];
	static sz_cell_joinkeys jk;
	sz_env_seeded env;
	if (!ready) {
		uint8_t seed[32] = { 2 };
		sz_env_seeded kenv;
		sz_env_seeded_init(&kenv, 42, 0);
		if (sz_init() != SZ_OK || sz_sign_seed_keypair(pk, sk, seed) != SZ_OK ||
		    sz_cell_joinkeys_new(&kenv.env, &jk) != SZ_OK)
			abort();
		ready = 1;
	}
	if (size < 32)
		return 0;
	sz_env_seeded_init(&env, 7, 0);
	sz_cell *c = NULL;
	sz_cell_result res = { 0 };
	if (sz_cellst_join_payload(&c, &env.env, sk, &jk, data, data + 32, size - 32, &res) == SZ_OK) {
		uint8_t *st;
		size_t len;
		if (sz_cell_serialize(c, &st, &len) == SZ_OK) {
			sz_cell *d = NULL;
			if (sz_cell_deserialize(&d, &env.env, st, len) != SZ_OK)
				abort(); /* a state the welcome made must come back */
			sz_cell_free(d);
			sz_wipe(st, len);
			free(st);
		}
	}
	sz_cell_result_free(&res);
	sz_cell_free(c);
	return 0;
}
