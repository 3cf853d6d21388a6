/*
 * join_test.c - join requests and answers (docs/PROTOCOL.md §14.2-14.3): the bytes follow the
 * specification (re-derived here from its formulas, independently of join.c), a request opens
 * only under its invitation's key, a racer who names someone else's identity fails the proof, the
 * proof is one the inviter could have made itself (no transferable evidence), what a photograph
 * of the code gives opens nothing, and every single-bit change is refused.  Layer: app.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "app/join.h"
#include "crypto/crypto.h"

static sz_env_seeded world;
static const sz_env *env;
static uint8_t token[16], inv_sk[32], inv_pub[32];
static uint8_t id_pk[32], id_sk[64];

static int
setup(void **state)
{
	(void)state;
	if (sz_init() != SZ_OK)
		return -1;
	sz_env_seeded_init(&world, 13, 1790000000000ull);
	env = &world.env;
	sz_random(env, token, 16);
	sz_random(env, inv_sk, 32);
	uint8_t seed[32];
	sz_random(env, seed, 32);
	if (sz_dh_public(inv_pub, inv_sk) != SZ_OK || sz_sign_seed_keypair(id_pk, id_sk, seed) != SZ_OK)
		return -1;
	return 0;
}

/* Does needle occur anywhere in hay? */
static int
occurs(const uint8_t *hay, size_t n, const uint8_t *needle, size_t k)
{
	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(hay + i, needle, k) == 0)
			return 1;
	return 0;
}

static void
test_round_trip(void **state)
{
	(void)state;
	sz_join_secrets js;
	sz_join_request rq;
	uint8_t req[SZ_JOIN_REQUEST_BYTES];
	assert_int_equal(sz_join_request_seal(env, token, inv_pub, id_sk, &js, req), SZ_OK);
	assert_int_equal(sz_join_request_open(&rq, req, sizeof req, token, inv_sk, inv_pub), SZ_OK);
	assert_memory_equal(rq.identity, id_pk, 32);
	assert_memory_equal(rq.prekey, js.keys.prekey_pk, 32);
	assert_memory_equal(rq.csk, js.keys.csk_pk, 32);
	assert_memory_equal(rq.e_pub, js.e_pub, 32);
	assert_memory_equal(rq.answer_key, js.answer_key, 32);
	/* the request shows none of what it carries */
	assert_false(occurs(req, sizeof req, id_pk, 8));
	assert_false(occurs(req, sizeof req, js.keys.prekey_pk, 8));
	assert_false(occurs(req, sizeof req, js.keys.csk_pk, 8));
	assert_false(occurs(req, sizeof req, token, 8));

	uint8_t welcome[300];
	for (size_t i = 0; i < sizeof welcome; i++)
		welcome[i] = (uint8_t)(i * 31 + 7);
	sz_buf ans = { 0 };
	assert_int_equal(sz_join_answer_seal(&ans, &rq, SZ_OK, welcome, sizeof welcome), SZ_OK);
	assert_int_equal(ans.len, 4 + sizeof welcome + 16);
	assert_false(occurs(ans.p, ans.len, welcome, 8));
	int code;
	uint8_t *w;
	size_t wl;
	assert_int_equal(sz_join_answer_open(&js, ans.p, ans.len, &code, &w, &wl), SZ_OK);
	assert_int_equal(code, SZ_OK);
	assert_int_equal(wl, sizeof welcome);
	assert_memory_equal(w, welcome, wl);
	free(w);
	/* every single-bit change of the answer is refused */
	for (size_t bit = 0; bit < ans.len * 8; bit += 7) {
		ans.p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(sz_join_answer_open(&js, ans.p, ans.len, &code, &w, &wl), SZ_ERR_DECRYPT);
		assert_null(w);
		ans.p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	assert_int_equal(sz_join_answer_open(&js, ans.p, ans.len - 1, &code, &w, &wl), SZ_ERR_DECRYPT);
	assert_int_equal(sz_join_answer_open(&js, ans.p, 10, &code, &w, &wl), SZ_ERR_MALFORMED);
	/* a refusal carries its code and nothing else */
	sz_buf no = { 0 };
	assert_int_equal(sz_join_answer_seal(&no, &rq, SZ_ERR_EXPIRED, welcome, sizeof welcome), SZ_OK);
	assert_int_equal(no.len, 4 + 16);
	assert_int_equal(sz_join_answer_open(&js, no.p, no.len, &code, &w, &wl), SZ_OK);
	assert_int_equal(code, SZ_ERR_EXPIRED);
	assert_null(w);
	/* another request's secrets open neither */
	sz_join_secrets other;
	uint8_t req2[SZ_JOIN_REQUEST_BYTES];
	assert_int_equal(sz_join_request_seal(env, token, inv_pub, id_sk, &other, req2), SZ_OK);
	assert_int_equal(sz_join_answer_open(&other, ans.p, ans.len, &code, &w, &wl), SZ_ERR_DECRYPT);
	assert_int_equal(sz_join_answer_open(&other, no.p, no.len, &code, &w, &wl), SZ_ERR_DECRYPT);
	sz_buf_free(&ans);
	sz_buf_free(&no);
}

static void
test_tamper_and_wrong_invitation(void **state)
{
	(void)state;
	sz_join_secrets js;
	sz_join_request rq;
	uint8_t req[SZ_JOIN_REQUEST_BYTES];
	assert_int_equal(sz_join_request_seal(env, token, inv_pub, id_sk, &js, req), SZ_OK);
	for (size_t bit = 0; bit < sizeof req * 8; bit++) {
		req[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		int r = sz_join_request_open(&rq, req, sizeof req, token, inv_sk, inv_pub);
		assert_int_equal(r, SZ_ERR_DECRYPT);
		req[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	assert_int_equal(sz_join_request_open(&rq, req, sizeof req - 1, token, inv_sk, inv_pub),
	    SZ_ERR_MALFORMED);
	/* another invitation: another token, or another one-time key */
	uint8_t t2[16], sk2[32], pub2[32];
	memcpy(t2, token, 16);
	t2[5] ^= 1;
	assert_int_equal(sz_join_request_open(&rq, req, sizeof req, t2, inv_sk, inv_pub), SZ_ERR_DECRYPT);
	sz_random(env, sk2, 32);
	assert_int_equal(sz_dh_public(pub2, sk2), SZ_OK);
	assert_int_equal(sz_join_request_open(&rq, req, sizeof req, token, sk2, pub2), SZ_ERR_DECRYPT);
	/* a low-order e_pub is no one's request; a low-order invite key cannot be sealed to */
	uint8_t bad[SZ_JOIN_REQUEST_BYTES];
	memcpy(bad, req, sizeof bad);
	memset(bad, 0, 32);
	assert_int_equal(sz_join_request_open(&rq, bad, sizeof bad, token, inv_sk, inv_pub), SZ_ERR_DECRYPT);
	uint8_t zero[32] = { 0 };
	assert_int_equal(sz_join_request_seal(env, token, zero, id_sk, &js, req), SZ_ERR_CRYPTO);
	for (size_t i = 0; i < sizeof req; i++)
		assert_int_equal(req[i], 0);
}

/* A racer with a photograph of the code names a third person's identity: it holds its own
 * identity key only, so it signs... nothing: the proof it can make is under the wrong key. */
static void
test_racer_names_someone_else(void **state)
{
	(void)state;
	uint8_t victim_pk[32], victim_sk[64], racer_pk[32], racer_sk[64], seed[32];
	sz_random(env, seed, 32);
	assert_int_equal(sz_sign_seed_keypair(victim_pk, victim_sk, seed), SZ_OK);
	sz_random(env, seed, 32);
	assert_int_equal(sz_sign_seed_keypair(racer_pk, racer_sk, seed), SZ_OK);
	/* its own secret with the victim's public key in place of its own */
	uint8_t forged[64];
	memcpy(forged, racer_sk, 32);
	memcpy(forged + 32, victim_pk, 32);
	sz_join_secrets js;
	sz_join_request rq;
	uint8_t req[SZ_JOIN_REQUEST_BYTES];
	assert_int_equal(sz_join_request_seal(env, token, inv_pub, forged, &js, req), SZ_OK);
	assert_int_equal(sz_join_request_open(&rq, req, sizeof req, token, inv_sk, inv_pub),
	    SZ_ERR_BAD_SIGNATURE);
	/* the refusal can still be answered to the racer */
	assert_memory_equal(rq.identity, victim_pk, 32);
	assert_memory_equal(rq.answer_key, js.answer_key, 32);
	/* an identity that is no point on the curve proves nothing either */
	uint8_t junk[64];
	memcpy(junk, racer_sk, 32);
	memset(junk + 32, 0, 32);
	assert_int_equal(sz_join_request_seal(env, token, inv_pub, junk, &js, req), SZ_OK);
	assert_int_equal(sz_join_request_open(&rq, req, sizeof req, token, inv_sk, inv_pub),
	    SZ_ERR_BAD_SIGNATURE);
	/* with its own identity, the racer's request is good: a photograph buys one try at the seat */
	assert_int_equal(sz_join_request_seal(env, token, inv_pub, racer_sk, &js, req), SZ_OK);
	assert_int_equal(sz_join_request_open(&rq, req, sizeof req, token, inv_sk, inv_pub), SZ_OK);
	assert_memory_equal(rq.identity, racer_pk, 32);
}

/* The documented formulas, computed here from the primitives: k_req opens the request, the
 * proof is what §14.2 says, and the inviter alone (with invite_sk and the identity's public key)
 * can make the same proof: it is evidence to the inviter, and to nobody else. */
static void
test_spec_bytes_and_deniability(void **state)
{
	(void)state;
	sz_join_secrets js;
	uint8_t req[SZ_JOIN_REQUEST_BYTES];
	assert_int_equal(sz_join_request_seal(env, token, inv_pub, id_sk, &js, req), SZ_OK);
	uint8_t dh[32], th[80], k_req[32], k_ans[32], inner[144];
	assert_int_equal(sz_dh(dh, inv_sk, req), SZ_OK);
	memcpy(th, req, 32);
	memcpy(th + 32, inv_pub, 32);
	memcpy(th + 64, token, 16);
	assert_int_equal(sz_hkdf(SZ_HASH_SHA256, k_req, 32, (const uint8_t *)"samizdat join v2", 16,
	    dh, 32, th, 80), SZ_OK);
	assert_int_equal(sz_hkdf(SZ_HASH_SHA256, k_ans, 32, (const uint8_t *)"samizdat join answer v2",
	    23, dh, 32, th, 80), SZ_OK);
	assert_memory_equal(k_ans, js.answer_key, 32);
	uint8_t ad[16 + 32];
	memcpy(ad, "samizdat join v2", 16);
	memcpy(ad + 16, req, 32);
	assert_int_equal(sz_aead_decrypt(inner, req + 32, sizeof req - 32, ad, sizeof ad,
	    (const uint8_t *)"szjoin-req-2", k_req), SZ_OK);
	assert_memory_equal(inner, token, 16);
	assert_memory_equal(inner + 16, id_pk, 32);
	assert_memory_equal(inner + 48, js.keys.prekey_pk, 32);
	assert_memory_equal(inner + 80, js.keys.csk_pk, 32);
	/* the inviter's own proof, from invite_sk and the identity's public key alone */
	uint8_t xpk[32], x[32], info[64], kp[32], t[144], proof[32];
	assert_int_equal(crypto_sign_ed25519_pk_to_curve25519(xpk, id_pk), 0);
	assert_int_equal(sz_dh(x, inv_sk, xpk), SZ_OK);
	memcpy(info, inv_pub, 32);
	memcpy(info + 32, id_pk, 32);
	assert_int_equal(sz_hkdf(SZ_HASH_SHA256, kp, 32, (const uint8_t *)"samizdat join proof v2", 22,
	    x, 32, info, 64), SZ_OK);
	memcpy(t, req, 32);
	memcpy(t + 32, inner, 112);
	assert_int_equal(sz_blake2b(proof, 32, t, sizeof t, kp, 32), SZ_OK);
	assert_memory_equal(proof, inner + 112, 32);
	/* and the answer's bytes */
	sz_join_request rq;
	assert_int_equal(sz_join_request_open(&rq, req, sizeof req, token, inv_sk, inv_pub), SZ_OK);
	sz_buf ans = { 0 };
	uint8_t w[5] = { 1, 2, 3, 4, 5 }, pt[9];
	assert_int_equal(sz_join_answer_seal(&ans, &rq, SZ_OK, w, sizeof w), SZ_OK);
	uint8_t aad[23 + 32];
	memcpy(aad, "samizdat join answer v2", 23);
	memcpy(aad + 23, req, 32);
	assert_int_equal(sz_aead_decrypt(pt, ans.p, ans.len, aad, sizeof aad,
	    (const uint8_t *)"szjoin-ans-2", k_ans), SZ_OK);
	static const uint8_t want[9] = { 0, 0, 0, 0, 1, 2, 3, 4, 5 };
	assert_memory_equal(pt, want, 9);
	sz_buf_free(&ans);
}

/* Everything a photograph of the code gives (token, invite_pub, the inviter's node key), with
 * every key one can derive from it, opens neither the request nor the answer. */
static void
test_photograph_opens_nothing(void **state)
{
	(void)state;
	sz_join_secrets js;
	uint8_t req[SZ_JOIN_REQUEST_BYTES];
	assert_int_equal(sz_join_request_seal(env, token, inv_pub, id_sk, &js, req), SZ_OK);
	sz_join_request rq;
	assert_int_equal(sz_join_request_open(&rq, req, sizeof req, token, inv_sk, inv_pub), SZ_OK);
	sz_buf ans = { 0 };
	uint8_t w[64] = { 9 };
	assert_int_equal(sz_join_answer_seal(&ans, &rq, SZ_OK, w, sizeof w), SZ_OK);
	/* ikm candidates a photographer has: the token, invite_pub, e_pub, and DH of a key of its
	 * own with invite_pub or e_pub */
	uint8_t mine_sk[32], c[6][32];
	sz_random(env, mine_sk, 32);
	memset(c, 0, sizeof c);
	memcpy(c[0], token, 16);
	memcpy(c[1], inv_pub, 32);
	memcpy(c[2], req, 32);
	assert_int_equal(sz_dh(c[3], mine_sk, inv_pub), SZ_OK);
	assert_int_equal(sz_dh(c[4], mine_sk, req), SZ_OK);
	uint8_t th[80];
	memcpy(th, req, 32);
	memcpy(th + 32, inv_pub, 32);
	memcpy(th + 64, token, 16);
	static const char *const salts[] = { "samizdat join v2", "samizdat join answer v2" };
	for (int i = 0; i < 5; i++)
		for (int s = 0; s < 2; s++) {
			uint8_t k[32], out[200], ad[23 + 32];
			size_t sl = strlen(salts[s]);
			assert_int_equal(sz_hkdf(SZ_HASH_SHA256, k, 32, (const uint8_t *)salts[s], sl, c[i],
			    i == 0 ? 16 : 32, th, 80), SZ_OK);
			memcpy(ad, salts[s], sl);
			memcpy(ad + sl, req, 32);
			assert_int_equal(sz_aead_decrypt(out, req + 32, sizeof req - 32, ad, sl + 32,
			    (const uint8_t *)"szjoin-req-2", k), SZ_ERR_DECRYPT);
			assert_int_equal(sz_aead_decrypt(out, ans.p, ans.len, ad, sl + 32,
			    (const uint8_t *)"szjoin-ans-2", k), SZ_ERR_DECRYPT);
		}
	/* and its own key pair in the inviter's place */
	uint8_t mine_pub[32];
	assert_int_equal(sz_dh_public(mine_pub, mine_sk), SZ_OK);
	assert_int_equal(sz_join_request_open(&rq, req, sizeof req, token, mine_sk, inv_pub),
	    SZ_ERR_DECRYPT);
	assert_int_equal(sz_join_request_open(&rq, req, sizeof req, token, mine_sk, mine_pub),
	    SZ_ERR_DECRYPT);
	sz_buf_free(&ans);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_tamper_and_wrong_invitation),
		cmocka_unit_test(test_racer_names_someone_else),
		cmocka_unit_test(test_spec_bytes_and_deniability),
		cmocka_unit_test(test_photograph_opens_nothing),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
