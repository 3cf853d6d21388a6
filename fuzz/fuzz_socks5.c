/*
 * fuzz_socks5.c - libFuzzer target for the SOCKS5 client state machine (transport/socks5.c).
 * Input: byte 0 picks the target address type and how input is split into reads; the rest is what
 * the proxy sends.  Checks the machine never takes more than it was given, takes exactly its
 * reply and nothing after it, and ends in a consistent state.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "transport/socks5.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *hosts[] = {
		"25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenl5sid.onion", "127.0.0.1", "::1" };
	if (size < 1)
		return 0;
	uint8_t ctl = data[0];
	data++;
	size--;
	sz_socks5 s;
	if (sz_socks5_init(&s, hosts[ctl % 3], 7777) != SZ_OK)
		__builtin_trap();
	size_t step = (size_t)(ctl >> 2) % 7 + 1;    /* reads of 1..7 bytes */
	size_t off = 0;
	int r = SZ_ERR_AGAIN;
	while (r == SZ_ERR_AGAIN) {
		const uint8_t *p;
		size_t n, used = 0;
		sz_socks5_pending(&s, &p, &n);
		if (n > 0) {
			sz_socks5_sent(&s, n);
			continue;
		}
		size_t want = sz_socks5_want(&s);
		if (want == 0 || want > sizeof s.in)
			__builtin_trap();
		if (off >= size)
			return 0;
		size_t k = size - off < step ? size - off : step;
		r = sz_socks5_input(&s, data + off, k, &used);
		if (used > k)
			__builtin_trap();
		off += used;
		if (r == SZ_ERR_AGAIN && used == 0 && s.state != SZ_SOCKS5_SEND_REQUEST)
			__builtin_trap();                 /* no progress */
	}
	if (r == SZ_OK && (s.state != SZ_SOCKS5_DONE || s.rep != 0))
		__builtin_trap();
	/* Never a byte past the reply: what was taken is exactly the reply's length. */
	if (r == SZ_OK) {
		size_t len = s.in[3] == 1 ? 10 : s.in[3] == 4 ? 22 : (size_t)7 + s.in[4];
		if (s.in[3] != 1 && s.in[3] != 3 && s.in[3] != 4)
			__builtin_trap();
		if (s.inlen != len)
			__builtin_trap();
	}
	if (r != SZ_OK && (s.state != SZ_SOCKS5_FAILED || s.err != r))
		__builtin_trap();
	return 0;
}
