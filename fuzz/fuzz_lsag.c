/*
 * fuzz_lsag.c - libFuzzer target for LSAG signature decoding and verification (crypto/lsag.c),
 * tag-reveal DLEQ proofs and proofs of possession.
 * Input byte 0 picks the mode and ring size:
 *   00xxxxxx, 01xxxxxx  raw: a ring of n = (b0 & 7) + 1 keys, then the signature, all fuzzed;
 *   10xxxxxx            mutated: a valid ring and signature (fixed keys) XORed with the input;
 *                       verification must succeed iff the mask is all zero (a forgery aborts);
 *   11xxxxxx            raw tag-reveal proof and proof of possession.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/lsag.h"
#include "crypto/pop.h"

#define MAXN 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t msg[] = "fuzz ballot";
static int ready;
static uint8_t scope_t[32];
static uint8_t pk[MAXN][32], sk[MAXN][32];
static uint8_t sigs[MAXN + 1][MAXN][32 * (MAXN + 2)];
static uint8_t have[MAXN + 1][MAXN];

static void
setup(void)
{
	sz_env_seeded e;
	uint8_t cell[32] = { 1 }, prop[32] = { 2 }, roster[32] = { 3 };
	if (sodium_init() < 0)
		abort();
	sz_env_seeded_init(&e, 1234, 0);
	for (int i = 0; i < MAXN; i++) {
		if (sz_vote_keygen(pk[i], sk[i], &e.env) != SZ_OK)
			abort();
	}
	if (sz_lsag_tag_base(scope_t, cell, prop, roster, SZ_LSAG_KIND_BALLOT) != SZ_OK)
		abort();
	ready = 1;
}

static const uint8_t *
valid_sig(size_t n, size_t idx)
{
	if (!have[n][idx]) {
		sz_env_seeded e;
		sz_env_seeded_init(&e, n * 100 + idx, 0);
		if (sz_lsag_sign(sigs[n][idx], SZ_LSAG_SIG_BYTES(n), msg, sizeof msg - 1,
		    (const uint8_t(*)[32])pk, n, idx, sk[idx], scope_t, &e.env) != SZ_OK)
			abort();
		have[n][idx] = 1;
	}
	return sigs[n][idx];
}

static void
raw(const uint8_t *d, size_t size, size_t n)
{
	uint8_t tag[32];
	if (size < n * 32)
		return;
	int r = sz_lsag_verify(d + n * 32, size - n * 32, msg, sizeof msg - 1,
	    (const uint8_t(*)[32])d, n, scope_t, tag);
	if (r == SZ_OK)
		abort(); /* a random ring and signature must not verify */
}

static void
mutated(const uint8_t *d, size_t size, size_t n, size_t idx)
{
	uint8_t ring[MAXN][32], sig[32 * (MAXN + 2)], tag[32];
	size_t siglen = SZ_LSAG_SIG_BYTES(n), total = n * 32 + siglen;
	int nonzero = 0;
	memcpy(ring, pk, n * 32);
	memcpy(sig, valid_sig(n, idx), siglen);
	for (size_t i = 0; i < size && i < total; i++) {
		uint8_t *p = i < n * 32 ? &ring[i / 32][i % 32] : &sig[i - n * 32];
		*p ^= d[i];
		nonzero |= d[i];
	}
	int r = sz_lsag_verify(sig, siglen, msg, sizeof msg - 1, (const uint8_t(*)[32])ring, n,
	    scope_t, tag);
	if ((r == SZ_OK) != (nonzero == 0))
		abort();
	if (r == SZ_OK && memcmp(tag, sig + siglen - 32, 32) != 0)
		abort();
}

static void
proofs(const uint8_t *d, size_t size)
{
	/* tag proof (64) || pk (32) || tag (32) || pop (64) || cell (32) || member (32) */
	if (size < 256)
		return;
	if (sz_lsag_tag_verify(d, d + 64, scope_t, d + 96) == SZ_OK)
		abort();
	if (sz_pop_verify(d + 128, d + 64, d + 192, d + 224) == SZ_OK)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!ready)
		setup();
	if (size < 2)
		return 0;
	size_t n = (size_t)(data[0] & 7) + 1, idx = data[1] % n;
	switch (data[0] >> 6) {
	case 0:
	case 1: raw(data + 1, size - 1, n); break;
	case 2: mutated(data + 2, size - 2, n, idx); break;
	default: proofs(data + 1, size - 1); break;
	}
	return 0;
}
