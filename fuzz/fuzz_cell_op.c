/*
 * fuzz_cell_op.c - libFuzzer target: the control-op body decoder (src/cell/ops.c) and a live
 * cell's receive path fed arbitrary envelopes (sealed under the cell's own epoch key when the
 * first byte asks, so the decoders under the seal are reached).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "samizdat.h"
#include "cell/cell.h"
#include "cell/cell_int.h"
#include "crypto/crypto.h"
#include "lib/env.h"
#include "wire/envelope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	static uint8_t pk[32], sk[64];
	sz_env_seeded env;
	sz_cell *c;
	if (!ready) {
		uint8_t seed[32] = { 1 };
		if (sz_init() != SZ_OK || sz_sign_seed_keypair(pk, sk, seed) != SZ_OK)
			abort();
		ready = 1;
	}
	/* a fresh cell per input, so held items do not carry over */
	sz_env_seeded_init(&env, 1, 0);
	sz_cell_result cr = { 0 };
	if (sz_cell_create(&c, &env.env, "fuzz", sk, &cr) != SZ_OK)
		abort();
	sz_cell_result_free(&cr);
	static cell_op op;
	(void)sz_cellop_decode(&op, data, size);
	if (size > 0 && data[0] & 1) {
		/* seal the rest under the cell's current epoch and receive it */
		sz_cell_result res = { 0 };
		if (sz_cell_seal_out(c, data + 1, size - 1, &res) == SZ_OK) {
			sz_cell_result in = { 0 };
			(void)sz_cell_receive(c, res.out[0], res.outlen[0], &in);
			sz_cell_result_free(&in);
		}
		sz_cell_result_free(&res);
	} else {
		sz_cell_result in = { 0 };
		(void)sz_cell_receive(c, data, size, &in);
		sz_cell_result_free(&in);
	}
	sz_cell_free(c);
	return 0;
}
