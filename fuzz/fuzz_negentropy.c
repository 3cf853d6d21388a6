/*
 * fuzz_negentropy.c - libFuzzer target for the Negentropy v1 message decoders (recon/negentropy.c).
 * The first input byte picks the role (bit 0: initiator), a frame size limit (bit 1: 4096) and
 * whether the rest is fed twice (bit 2: a second round on the same session); the rest is a
 * message from the peer.  Checks the contracts: no crash, frame limit kept, errors are sticky.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "samizdat.h"
#include "lib/bytes.h"
#include "recon/negentropy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sz_neg_storage *store;

static void
make_store(void)
{
	if (store != NULL)
		return;
	if (sz_init() != SZ_OK || sz_neg_storage_new(&store, 0) != SZ_OK)
		abort();
	/* 300 items over 120 timestamps: equal timestamps, so id prefixes appear in bounds. */
	uint64_t x = 0x243f6a8885a308d3ull;
	for (int i = 0; i < 300; i++) {
		uint8_t id[32];
		for (int k = 0; k < 32; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			id[k] = (uint8_t)x;
		}
		if (sz_neg_storage_insert(store, 1000 + (uint64_t)(i * 2 / 5), id) != SZ_OK)
			abort();
	}
	if (sz_neg_storage_seal(store) != SZ_OK)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	make_store();
	if (size < 1)
		return 0;
	uint8_t ctl = data[0];
	data++;
	size--;
	sz_neg_config cfg = { .frame_size_limit = (ctl & 2) ? 4096 : 0, .max_rounds = 4 };
	sz_neg *n = NULL;
	if (sz_neg_new(&n, store, &cfg) != SZ_OK)
		abort();
	sz_buf out = { 0 }, have = { 0 }, need = { 0 };
	bool initiator = ctl & 1, done = false;
	int rounds = (ctl & 4) ? 2 : 1, r = SZ_OK;
	if (initiator && sz_neg_initiate(n, &out) != SZ_OK)
		abort();
	for (int i = 0; i < rounds; i++) {
		int prev = r;
		if (initiator)
			r = sz_neg_reconcile(n, data, size, &out, &have, &need, &done);
		else
			r = sz_neg_respond(n, data, size, &out);
		if (prev != SZ_OK && r != SZ_ERR_STATE)
			abort(); /* a failed session must stay failed */
		if (r == SZ_OK && cfg.frame_size_limit && out.len > cfg.frame_size_limit)
			abort();
		if (r != SZ_OK && out.len != 0)
			abort();
		if (have.len % 32 || need.len % 32)
			abort();
	}
	sz_buf_free(&out);
	sz_buf_free(&have);
	sz_buf_free(&need);
	sz_neg_free(n);
	return 0;
}
