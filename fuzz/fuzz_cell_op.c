/*
 * fuzz_cell_op.c - libFuzzer target: the control-op body decoder (src/cell/ops.c: body version 2,
 * with the windows ops close and the fold direct messages of ACK ops) and a cell's receive path
 * (src/cell/cell.c, process.c, fold.c, message.c: posts with the windows they carry, state.c).
 * Input: u8 mode || rest.  Mode bit 1 clear: the cell is a fresh one-member cell (the same one
 * every run: seeded env, fixed identity); set: rest starts with u32 len || a serialized state,
 * and the cell is that state.  Then mode bit 0 clear: the remaining bytes are an envelope; set:
 * they are a sealed plaintext, sealed here under the cell's current epoch so that the decoders
 * under the seal are reached.  Seeds: fuzz/corpus/fuzz_cell_op/ (tools/cell_corpus.c).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "samizdat.h"
#include "cell/cell.h"
#include "cell/cell_int.h"
#include "crypto/crypto.h"
#include "lib/bytes.h"
#include "lib/env.h"
#include "wire/envelope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	static uint8_t pk[32], sk[64];
	static cell_op op;
	sz_env_seeded env;
	sz_cell *c = NULL;
	if (!ready) {
		uint8_t seed[32] = { 1 };
		if (sz_init() != SZ_OK || sz_sign_seed_keypair(pk, sk, seed) != SZ_OK)
			abort();
		ready = 1;
	}
	if (size < 1)
		return 0;
	uint8_t mode = data[0];
	data++;
	size--;
	sz_env_seeded_init(&env, 1, 0);
	if (mode & 2) {
		if (size < 4 || sz_load_u32(data) > size - 4)
			return 0;
		size_t sl = sz_load_u32(data);
		if (sz_cell_deserialize(&c, &env.env, data + 4, sl) != SZ_OK)
			return 0;
		data += 4 + sl;
		size -= 4 + sl;
	} else {
		sz_cell_result cr = { 0 };
		if (sz_cell_create(&c, &env.env, "fuzz", sk, &cr) != SZ_OK)
			abort();
		sz_cell_result_free(&cr);
	}
	(void)sz_cellop_decode(&op, data, size);
	sz_cellop_free(&op);
	if (mode & 1) {
		sz_cell_result res = { 0 };
		if (sz_cell_seal_out(c, data, size, &res) == SZ_OK) {
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
