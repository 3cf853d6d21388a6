/*
 * fuzz_noise.c - libFuzzer target for the Noise readers (src/crypto/noise.c): handshake
 * messages read by an XX responder, an XX initiator and an IK responder; transport messages
 * read after a real XX handshake; protocol names.  The first byte picks the case.
 * Every input must end in SZ_OK or a clean error, with nothing leaked (ASan/LSan, UBSan).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "samizdat.h"
#include "crypto/crypto.h"
#include "crypto/noise.h"
#include "lib/env.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t out[SZ_NOISE_MAX_MSG], pay[SZ_NOISE_MAX_MSG];

static void
make_keys(sz_env_seeded *env, uint8_t si[32], uint8_t sr[32], uint8_t sr_pub[32])
{
	sz_env_seeded_init(env, 7, 0);
	sz_random(&env->env, si, 32);
	sz_random(&env->env, sr, 32);
	if (sz_dh_public(sr_pub, sr) != SZ_OK)
		__builtin_trap();
}

static sz_noise_hs *
hs(const char *proto, sz_noise_role role, const uint8_t *s, const uint8_t *rs, sz_env_seeded *e)
{
	sz_noise_hs *h = NULL;
	sz_noise_config c = { .protocol = proto, .role = role, .s = s, .rs = rs, .env = &e->env };
	if (sz_noise_hs_new(&h, &c) != SZ_OK)
		__builtin_trap();
	return h;
}

/* Read each 2-byte-length-prefixed chunk of d as a transport message until one fails. */
static void
transport(const uint8_t *d, size_t n, sz_noise_cipher *rx)
{
	while (n >= 2) {
		size_t len = (size_t)d[0] << 8 | d[1], pn;
		d += 2, n -= 2;
		if (len > n)
			len = n;
		int r = sz_noise_decrypt(rx, d, len, pay, sizeof pay, &pn);
		if (r != SZ_OK && !sz_noise_cipher_failed(rx))
			__builtin_trap(); /* a failure must be final */
		if (r != SZ_OK)
			return;
		d += len, n -= len;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	sz_env_seeded env;
	uint8_t si[32], sr[32], sr_pub[32];
	size_t n, pn;

	if (!ready) {
		if (sz_init() != SZ_OK)
			__builtin_trap();
		ready = 1;
	}
	if (size < 1)
		return 0;
	uint8_t which = data[0] % 5;
	data++, size--;
	make_keys(&env, si, sr, sr_pub);

	if (which == 0 || which == 2) {
		/* A responder (XX or IK) reads a hostile first message, then answers it. */
		sz_noise_hs *r = which == 0 ? hs(SZ_NOISE_XX, SZ_NOISE_RESPONDER, sr, NULL, &env) :
		    hs(SZ_NOISE_IK, SZ_NOISE_RESPONDER, sr, NULL, &env);
		if (sz_noise_hs_read(r, data, size, pay, sizeof pay, &pn) == SZ_OK)
			(void)sz_noise_hs_write(r, NULL, 0, out, sizeof out, &n);
		else if (sz_noise_hs_next(r) != SZ_NOISE_FAILED)
			__builtin_trap();
		sz_noise_hs_free(r);
	} else if (which == 1) {
		/* An XX initiator reads a hostile second message. */
		sz_noise_hs *i = hs(SZ_NOISE_XX, SZ_NOISE_INITIATOR, si, NULL, &env);
		if (sz_noise_hs_write(i, NULL, 0, out, sizeof out, &n) != SZ_OK)
			__builtin_trap();
		if (sz_noise_hs_read(i, data, size, pay, sizeof pay, &pn) == SZ_OK)
			(void)sz_noise_hs_write(i, NULL, 0, out, sizeof out, &n);
		sz_noise_hs_free(i);
	} else if (which == 3) {
		/* A real XX handshake, then hostile transport messages to the responder. */
		sz_noise_hs *i = hs(SZ_NOISE_XX, SZ_NOISE_INITIATOR, si, NULL, &env);
		sz_noise_hs *r = hs(SZ_NOISE_XX, SZ_NOISE_RESPONDER, sr, NULL, &env);
		sz_noise_cipher *is = NULL, *ir = NULL, *rs = NULL, *rr = NULL;
		for (int m = 0; m < 3; m++) {
			sz_noise_hs *a = m % 2 ? r : i, *b = m % 2 ? i : r;
			if (sz_noise_hs_write(a, NULL, 0, out, sizeof out, &n) != SZ_OK ||
			    sz_noise_hs_read(b, out, n, pay, sizeof pay, &pn) != SZ_OK)
				__builtin_trap();
		}
		if (sz_noise_hs_split(i, &is, &ir) != SZ_OK || sz_noise_hs_split(r, &rs, &rr) != 0)
			__builtin_trap();
		transport(data, size, rr);
		sz_noise_cipher_free(is);
		sz_noise_cipher_free(ir);
		sz_noise_cipher_free(rs);
		sz_noise_cipher_free(rr);
		sz_noise_hs_free(i);
		sz_noise_hs_free(r);
	} else {
		/* A protocol name. */
		char name[160];
		size_t len = size < sizeof name - 1 ? size : sizeof name - 1;
		memcpy(name, data, len);
		name[len] = '\0';
		sz_noise_hs *h = NULL;
		sz_noise_config c = { .protocol = name, .role = SZ_NOISE_INITIATOR, .env = &env.env };
		if (sz_noise_hs_new(&h, &c) == SZ_OK)
			(void)sz_noise_hs_write(h, NULL, 0, out, sizeof out, &n);
		sz_noise_hs_free(h);
	}
	if (sz_secret_slots_in_use() != 0)
		__builtin_trap(); /* a handshake or CipherState was not released */
	return 0;
}
