/*
 * cell_chunk_test.c - chunks of attachments in a cell (cell/chunk.c): a member's chunk opens
 * for the other members (a CHUNK event with its hash, its length and a key that opens that
 * envelope alone, later, without the cell); sealing the same chunk again gives the same
 * envelope; a flipped bit, a chunk sealed under the epoch's own key, or one whose nonce names
 * another chunk are junk; a non-member opens nothing.  Layer: cell.
 */
#include "cell/cell_testnet.h"
#include "cell/cell_int.h"
#include "wire/attach.h"

static void
test_chunk_round_trip(void **state)
{
	(void)state;
	net *w = net_new(3, 41);
	add(w, 0, 1);
	run(w);
	uint8_t data[1000], h[32];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i * 7);
	assert_int_equal(sz_blake2b(h, 32, data, sizeof data, NULL, 0), SZ_OK);
	sz_cell_result a = { 0 }, b = { 0 }, got = { 0 };
	assert_int_equal(sz_cell_seal_chunk(w->n[0].c, data, sizeof data, &a), SZ_OK);
	assert_int_equal(sz_cell_seal_chunk(w->n[0].c, data, sizeof data, &b), SZ_OK);
	assert_int_equal(a.nout, 1);
	assert_int_equal(a.outlen[0], b.outlen[0]);
	assert_memory_equal(a.out[0], b.out[0], a.outlen[0]); /* deterministic */
	assert_int_equal(sz_cell_receive(w->n[1].c, a.out[0], a.outlen[0], &got), SZ_OK);
	assert_int_equal(got.drop, 0);
	assert_int_equal(got.nev, 1);
	assert_int_equal(got.ev[0].type, SZ_CELL_EV_CHUNK);
	assert_memory_equal(got.ev[0].chunk_hash, h, 32);
	assert_int_equal(got.ev[0].chunk_len, sizeof data);
	uint8_t out[SZ_ATTACH_CHUNK], key[32];
	size_t olen;
	memcpy(key, got.ev[0].chunk_key, 32);
	assert_int_equal(sz_cell_chunk_open(a.out[0], a.outlen[0], key, out, &olen), SZ_OK);
	assert_int_equal(olen, sizeof data);
	assert_memory_equal(out, data, olen);
	/* the key opens nothing else: not the same bytes sealed in another cell's envelope */
	key[0] ^= 1;
	assert_int_equal(sz_cell_chunk_open(a.out[0], a.outlen[0], key, out, &olen), SZ_ERR_DECRYPT);
	sz_cell_result_free(&got);
	/* a flipped bit: junk */
	a.out[0][a.outlen[0] - 1] ^= 1;
	assert_int_equal(sz_cell_receive(w->n[1].c, a.out[0], a.outlen[0], &got), SZ_ERR_DECRYPT);
	assert_int_equal(got.drop, 1);
	sz_cell_result_free(&got);
	/* a non-member (node 2 was never added) has no cell to open it with */
	assert_null(w->n[2].c);
	/* a chunk sealed under the epoch's own sealing key: junk */
	const cell_epoch *ep = sz_cell_current_epoch(w->n[0].c);
	uint8_t pt[1 + 10] = { SEAL_CHUNK, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, nonce[24] = { 3 }, *env;
	size_t envlen;
	assert_int_equal(sz_env_seal(&env, &envlen, ep->scope, pt, sizeof pt, ep->key, nonce), SZ_OK);
	assert_int_equal(sz_cell_receive(w->n[1].c, env, envlen, &got), SZ_OK);
	assert_int_equal(got.drop, 1);
	sz_cell_result_free(&got);
	free(env);
	/* under its own key but with a nonce that names another chunk: junk */
	assert_int_equal(sz_cellk_kdf(key, 32, ep->e, 32, "chunk key", nonce, sizeof nonce), SZ_OK);
	assert_int_equal(sz_env_seal(&env, &envlen, ep->scope, pt, sizeof pt, key, nonce), SZ_OK);
	assert_int_equal(sz_cell_receive(w->n[1].c, env, envlen, &got), SZ_ERR_DECRYPT);
	assert_int_equal(got.drop, 1);
	sz_cell_result_free(&got);
	free(env);
	/* bounds */
	assert_int_equal(sz_cell_seal_chunk(w->n[0].c, data, 0, &got), SZ_ERR_INVALID);
	sz_cell_result_free(&a);
	sz_cell_result_free(&b);
	net_free(w);
}

int
main(void)
{
	if (sz_init() != SZ_OK)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chunk_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
