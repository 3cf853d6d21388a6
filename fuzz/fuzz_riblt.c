/*
 * fuzz_riblt.c - libFuzzer target for the Rateless IBLT session messages and the decoder.
 * Input: byte 0 picks the target, byte 1 the size of the local set (ids derived from it), the rest
 * is a list of messages, each a 2-byte big-endian length and its bytes.
 *   0: a receiver takes the messages (HELLO, CELLS...) against the local set;
 *   1: a sender over the local set sends HELLO, then takes the messages as replies;
 *   2: the raw decoder takes each message as one coded symbol (sum | hash | count byte).
 * Bit 7 of byte 0 makes the session salted (a zero salt) with 32-bit checks: the receiver
 * expects that salt, the sender sends CHECK32 coded symbols, the decoder checks 32 bits.
 * Every path must end with an error code or a result, within bounded memory and time.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/bytes.h"
#include "recon/riblt.h"
#include "recon/riblt_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define W SZ_RIBLT_ID_SYMBOL_BYTES

static void
local_set(sz_riblt_sketch *s, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint8_t sym[W] = { 0 };
		sym[0] = (uint8_t)i;
		sym[1] = (uint8_t)(i * 37);
		sym[W - 1] = 0x5a;
		if (sz_riblt_sketch_add(s, sym) != SZ_OK)
			return;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	if (!ready) {
		if (sz_init() != SZ_OK)
			return 0;
		ready = 1;
	}
	if (size < 2)
		return 0;
	static const uint8_t key[SZ_RIBLT_KEY_BYTES] = { 1, 2, 3 };
	uint8_t mode = (data[0] & 0x7f) % 3;
	bool c32 = (data[0] & 0x80) != 0;
	static const uint8_t zero_salt[SZ_RIBLT_SALT_BYTES] = { 0 };
	sz_riblt_sketch *s = NULL;
	if (sz_riblt_sketch_new(&s, W, key, 64) != SZ_OK)
		return 0;
	local_set(s, data[1]);
	sz_rd rd = sz_rd_init(data + 2, size - 2);
	sz_riblt_receiver *rx = NULL;
	sz_riblt_sender *tx = NULL;
	sz_riblt_decoder *dec = NULL;
	sz_buf out = { .max = 1 << 22 };
	bool done = false;
	if (mode == 0) {
		if (sz_riblt_receiver_new(&rx, s, c32 ? zero_salt : NULL, 4096) != SZ_OK)
			goto out;
	} else if (mode == 1) {
		if (sz_riblt_sender_new(&tx, s, c32 ? zero_salt : NULL, 8, 16, 4096) != SZ_OK ||
		    (c32 && sz_riblt_sender_check32(tx) != SZ_OK) ||
		    sz_riblt_sender_hello(tx, &out) != SZ_OK)
			goto out;
	} else {
		sz_riblt_limits lim = { .max_cells = 4096, .max_items = 0, .max_count = 300,
			.check_bits = c32 ? 32 : 64 };
		if (sz_riblt_decoder_new(&dec, s, &lim) != SZ_OK)
			goto out;
	}
	while (sz_rd_left(&rd) >= 2) {
		uint16_t len = sz_rd_u16(&rd);
		const uint8_t *msg = sz_rd_bytes(&rd, len);
		if (msg == NULL)
			break;
		sz_buf_free(&out);
		out.max = 1 << 22;
		int r;
		if (mode == 0) {
			size_t width;
			bool salted, check32;
			uint64_t nset;
			uint8_t salt[SZ_RIBLT_SALT_BYTES];
			(void)sz_riblt_hello_peek(msg, len, &width, &salted, &check32, salt, &nset);
			r = sz_riblt_receiver_recv(rx, msg, len, &out, &done);
			if (done) {
				const sz_riblt_decoder *d = sz_riblt_receiver_decoder(rx);
				for (size_t j = 0; j < sz_riblt_decoder_count(d); j++) {
					uint64_t h;
					int side;
					const uint8_t *sym = sz_riblt_decoder_item(d, j, &h, &side);
					if (sym == NULL || (side != 1 && side != -1))
						__builtin_trap();
				}
			}
		} else if (mode == 1) {
			r = sz_riblt_sender_recv(tx, msg, len, &out, &done);
			for (size_t j = 0; done && j < sz_riblt_sender_nwants(tx); j++)
				if (sz_riblt_sender_want(tx, j) == NULL)
					__builtin_trap();
		} else {
			if (len < W + 9)
				break;
			uint64_t h = sz_load_u64(msg + W);
			r = sz_riblt_decoder_add(dec, msg, h, msg[W + 8]);
			if (r == SZ_OK)
				r = sz_riblt_decoder_run(dec);
			if (r == SZ_OK)
				(void)sz_riblt_decoder_estimate(dec, msg, len);
		}
		if (r > 0)
			__builtin_trap(); /* errors are negative */
		if (r != SZ_OK || done)
			break;
	}
out:
	sz_buf_free(&out);
	sz_riblt_receiver_free(rx);
	sz_riblt_sender_free(tx);
	sz_riblt_decoder_free(dec);
	sz_riblt_sketch_free(s);
	return 0;
}
