/*
 * fuzz_join.c - libFuzzer target for join requests and answers (src/app/join.c, docs/PROTOCOL.md
 * §14.2-14.3), which arrive from outside: in a JOIN or WELCOME frame, or inside a courier file.
 * The first byte picks what the rest is:
 *   0  request bytes, opened with a fixed invitation;
 *   1  answer bytes, opened with a fixed newcomer's secrets;
 *   2  the plaintext of a request (token ‖ identity ‖ prekey ‖ csk ‖ proof, any length), sealed
 *      here under the fixed request's key so that the checks behind the AEAD are reached;
 *   3  the plaintext of an answer (code ‖ welcome), sealed likewise.
 * A request that opens is answered, and the answer must open back to what was sealed.
 */
#include <stdlib.h>
#include <string.h>

#include "app/join.h"
#include "crypto/crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sz_env_seeded world;
static uint8_t token[16], inv_sk[32], inv_pub[32];
static sz_join_secrets js;
static uint8_t req0[SZ_JOIN_REQUEST_BYTES], k_req[32];

static void
init(void)
{
	uint8_t seed[32], pk[32], sk[64], dh[32], th[80];
	if (sz_init() != SZ_OK)
		abort();
	sz_env_seeded_init(&world, 14, 1790000000000ull);
	sz_random(&world.env, token, 16);
	sz_random(&world.env, inv_sk, 32);
	sz_random(&world.env, seed, 32);
	if (sz_dh_public(inv_pub, inv_sk) != SZ_OK || sz_sign_seed_keypair(pk, sk, seed) != SZ_OK ||
	    sz_join_request_seal(&world.env, token, inv_pub, sk, &js, req0) != SZ_OK ||
	    sz_dh(dh, inv_sk, js.e_pub) != SZ_OK)
		abort();
	memcpy(th, js.e_pub, 32);
	memcpy(th + 32, inv_pub, 32);
	memcpy(th + 64, token, 16);
	if (sz_hkdf(SZ_HASH_SHA256, k_req, 32, (const uint8_t *)"samizdat join v2", 16, dh, 32, th,
	    80) != SZ_OK)
		abort();
}

/* Answer an opened request and check the answer round-trips. */
static void
answer(const sz_join_request *rq, const sz_join_secrets *who, int code, const uint8_t *w,
    size_t wl)
{
	sz_buf ans = { 0 };
	uint8_t *got;
	size_t gl;
	int gc;
	if (sz_join_answer_seal(&ans, rq, code, w, wl) != SZ_OK)
		abort();
	if (sz_join_answer_open(who, ans.p, ans.len, &gc, &got, &gl) != SZ_OK || gc != code ||
	    (code == SZ_OK && (gl != wl || memcmp(got, w, wl) != 0)))
		abort();
	free(got);
	sz_buf_free(&ans);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	if (!ready) {
		init();
		ready = 1;
	}
	if (size < 1)
		return 0;
	int mode = data[0] & 3;
	data++;
	size--;
	sz_join_request rq;
	int code, r;
	uint8_t *w = NULL;
	size_t wl;
	if (mode == 0) {
		r = sz_join_request_open(&rq, data, size, token, inv_sk, inv_pub);
		if (r == SZ_OK || r == SZ_ERR_BAD_SIGNATURE) {
			/* only the fixed request opens (anything else would be a forgery) */
			if (size != sizeof req0 || memcmp(data, req0, size) != 0)
				abort();
			answer(&rq, &js, SZ_OK, data, size);
		}
	} else if (mode == 1) {
		if (sz_join_answer_open(&js, data, size, &code, &w, &wl) == SZ_OK &&
		    (code > 0 || (code == SZ_OK) != (w != NULL)))
			abort();
		free(w);
	} else if (mode == 2 && size <= 4096) {
		/* a request built around these plaintext bytes */
		uint8_t req[32 + 4096 + 16], ad[16 + 32];
		memcpy(req, js.e_pub, 32);
		memcpy(ad, "samizdat join v2", 16);
		memcpy(ad + 16, js.e_pub, 32);
		if (sz_aead_encrypt(req + 32, data, size, ad, sizeof ad, (const uint8_t *)"szjoin-req-2",
		    k_req) != SZ_OK)
			abort();
		r = sz_join_request_open(&rq, req, 32 + size + 16, token, inv_sk, inv_pub);
		if (r == SZ_OK && memcmp(rq.identity, data + 16, 32) != 0)
			abort();
		if (r == SZ_OK || r == SZ_ERR_BAD_SIGNATURE)
			answer(&rq, &js, SZ_ERR_DENIED, NULL, 0);
	} else if (mode == 3 && size <= 65536) {
		uint8_t *ans = malloc(size + 16), ad[23 + 32];
		if (ans == NULL)
			return 0;
		memcpy(ad, "samizdat join answer v2", 23);
		memcpy(ad + 23, js.e_pub, 32);
		if (sz_aead_encrypt(ans, data, size, ad, sizeof ad, (const uint8_t *)"szjoin-ans-2",
		    js.answer_key) != SZ_OK)
			abort();
		r = sz_join_answer_open(&js, ans, size + 16, &code, &w, &wl);
		if (r == SZ_OK && code == SZ_OK && (wl != size - 4 || memcmp(w, data + 4, wl) != 0))
			abort();
		if (r == SZ_OK && code != SZ_OK && (w != NULL || size != 4))
			abort();
		free(w);
		free(ans);
	}
	sz_wipe(&rq, sizeof rq);
	return 0;
}
