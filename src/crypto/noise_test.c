/*
 * noise_test.c - unit tests of the Noise implementation (noise.c, noise_pattern.c): XX and IK
 * round trips, and every way a handshake or transport message can be wrong (truncated,
 * oversized, replayed, tampered, out of turn, wrong keys), each of which must give a clear
 * error and leave the object failed.  Known answers come from tests/noise_vectors.t.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/noise.h"
#include "lib/env.h"

static uint8_t buf[SZ_NOISE_MAX_MSG + 64], pay[SZ_NOISE_MAX_MSG + 64];

typedef struct pair {
	sz_env_seeded env;
	uint8_t si[32], sr[32], si_pub[32], sr_pub[32];
	sz_noise_hs *i, *r;
	sz_noise_cipher *is, *ir, *rs, *rr; /* initiator send/recv, responder send/recv */
} pair;

static void
keys(pair *p)
{
	sz_env_seeded_init(&p->env, 42, 0);
	sz_random(&p->env.env, p->si, 32);
	sz_random(&p->env.env, p->sr, 32);
	assert_int_equal(sz_dh_public(p->si_pub, p->si), SZ_OK);
	assert_int_equal(sz_dh_public(p->sr_pub, p->sr), SZ_OK);
}

static void
start(pair *p, const char *proto, const uint8_t *irs, const uint8_t *rrs, const uint8_t *psk)
{
	sz_noise_config ci = { .protocol = proto, .role = SZ_NOISE_INITIATOR,
		.prologue = (const uint8_t *)"samizdat", .prologue_len = 8, .s = p->si, .rs = irs,
		.psks = psk, .npsks = psk ? 1 : 0, .env = &p->env.env };
	sz_noise_config cr = ci;
	cr.role = SZ_NOISE_RESPONDER;
	cr.s = p->sr;
	cr.rs = rrs;
	assert_int_equal(sz_noise_hs_new(&p->i, &ci), SZ_OK);
	assert_int_equal(sz_noise_hs_new(&p->r, &cr), SZ_OK);
}

static void
done(pair *p)
{
	sz_noise_hs_free(p->i);
	sz_noise_hs_free(p->r);
	sz_noise_cipher_free(p->is);
	sz_noise_cipher_free(p->ir);
	sz_noise_cipher_free(p->rs);
	sz_noise_cipher_free(p->rr);
	memset(p, 0, sizeof *p);
}

/* One handshake message from a to b with a payload; returns b's read result. */
static int
step(sz_noise_hs *a, sz_noise_hs *b, const char *payload)
{
	size_t n = 0, pn = 0;
	size_t plen = strlen(payload);
	assert_int_equal(sz_noise_hs_write(a, (const uint8_t *)payload, plen, buf, sizeof buf, &n),
	    SZ_OK);
	int r = sz_noise_hs_read(b, buf, n, pay, sizeof pay, &pn);
	if (r == SZ_OK) {
		assert_int_equal(pn, plen);
		assert_memory_equal(pay, payload, plen);
	}
	return r;
}

static void
split_both(pair *p)
{
	uint8_t h1[64], h2[64];
	size_t l1, l2;
	assert_int_equal(sz_noise_hs_next(p->i), SZ_NOISE_SPLIT);
	assert_int_equal(sz_noise_hs_split(p->i, &p->is, &p->ir), SZ_OK);
	assert_int_equal(sz_noise_hs_split(p->r, &p->rs, &p->rr), SZ_OK);
	assert_int_equal(sz_noise_hs_hash(p->i, h1, &l1), SZ_OK);
	assert_int_equal(sz_noise_hs_hash(p->r, h2, &l2), SZ_OK);
	assert_int_equal(l1, 64);
	assert_int_equal(l2, 64);
	assert_memory_equal(h1, h2, 64);
	assert_int_equal(sz_noise_hs_next(p->i), SZ_NOISE_DONE);
}

/* One transport message each way, checked. */
static void
talk(sz_noise_cipher *snd, sz_noise_cipher *rcv, const char *msg)
{
	size_t n, pn, len = strlen(msg);
	assert_int_equal(sz_noise_encrypt(snd, (const uint8_t *)msg, len, buf, sizeof buf, &n),
	    SZ_OK);
	assert_int_equal(n, len + 16);
	assert_int_equal(sz_noise_decrypt(rcv, buf, n, pay, sizeof pay, &pn), SZ_OK);
	assert_int_equal(pn, len);
	assert_memory_equal(pay, msg, len);
}

static void
xx_handshake(pair *p)
{
	keys(p);
	start(p, SZ_NOISE_XX, NULL, NULL, NULL);
	assert_int_equal(sz_noise_hs_next(p->i), SZ_NOISE_WRITE);
	assert_int_equal(sz_noise_hs_next(p->r), SZ_NOISE_READ);
	assert_int_equal(step(p->i, p->r, "one"), SZ_OK);
	assert_int_equal(step(p->r, p->i, "two"), SZ_OK);
	assert_false(sz_noise_hs_is_complete(p->i));
	assert_int_equal(step(p->i, p->r, "three"), SZ_OK);
	assert_true(sz_noise_hs_is_complete(p->i));
	assert_true(sz_noise_hs_is_complete(p->r));
}

static void
test_xx_round_trip(void **state)
{
	(void)state;
	pair p = { 0 };
	uint8_t rs[32];
	xx_handshake(&p);
	/* Each side learned the other's static key. */
	assert_int_equal(sz_noise_hs_remote_static(p.i, rs), SZ_OK);
	assert_memory_equal(rs, p.sr_pub, 32);
	assert_int_equal(sz_noise_hs_remote_static(p.r, rs), SZ_OK);
	assert_memory_equal(rs, p.si_pub, 32);
	split_both(&p);
	talk(p.is, p.rr, "hello responder");
	talk(p.rs, p.ir, "hello initiator");
	talk(p.is, p.rr, "");
	/* Both directions rekeyed in step keep working (§11.3). */
	assert_int_equal(sz_noise_rekey(p.is), SZ_OK);
	assert_int_equal(sz_noise_rekey(p.rr), SZ_OK);
	talk(p.is, p.rr, "after rekey");
	assert_int_equal(sz_noise_cipher_nonce(p.is), 3);
	/* A maximal message goes through; the directions are independent keys. */
	static uint8_t big[SZ_NOISE_MAX_PLAINTEXT];
	size_t n, pn;
	memset(big, 0x5a, sizeof big);
	assert_int_equal(sz_noise_encrypt(p.rs, big, sizeof big, buf, sizeof buf, &n), SZ_OK);
	assert_int_equal(n, SZ_NOISE_MAX_MSG);
	assert_int_equal(sz_noise_decrypt(p.ir, buf, n, pay, sizeof pay, &pn), SZ_OK);
	assert_memory_equal(pay, big, sizeof big);
	done(&p);
}

static void
test_ik_round_trip(void **state)
{
	(void)state;
	pair p = { 0 };
	uint8_t rs[32];
	keys(&p);
	start(&p, SZ_NOISE_IK, p.sr_pub, NULL, NULL);
	/* The responder has no remote key until the first message. */
	assert_int_equal(sz_noise_hs_remote_static(p.r, rs), SZ_ERR_NOT_FOUND);
	assert_int_equal(step(p.i, p.r, "zero-RTT payload"), SZ_OK);
	assert_int_equal(sz_noise_hs_remote_static(p.r, rs), SZ_OK);
	assert_memory_equal(rs, p.si_pub, 32);
	assert_int_equal(step(p.r, p.i, "reply"), SZ_OK);
	split_both(&p);
	talk(p.is, p.rr, "a");
	talk(p.rs, p.ir, "b");
	done(&p);
}

/* An IK initiator holding a wrong key for the responder is refused at the first message. */
static void
test_ik_wrong_remote_static(void **state)
{
	(void)state;
	pair p = { 0 };
	uint8_t wrong[32];
	keys(&p);
	memcpy(wrong, p.sr_pub, 32);
	wrong[7] ^= 0x20;
	start(&p, SZ_NOISE_IK, wrong, NULL, NULL);
	assert_int_equal(step(p.i, p.r, "hi"), SZ_ERR_DECRYPT);
	assert_int_equal(sz_noise_hs_next(p.r), SZ_NOISE_FAILED);
	size_t n;
	assert_int_equal(sz_noise_hs_write(p.r, NULL, 0, buf, sizeof buf, &n), SZ_ERR_STATE);
	done(&p);
}

/* Helper: after an error, the object refuses everything. */
static void
assert_hs_dead(sz_noise_hs *hs)
{
	size_t n = 1;
	uint8_t h[64], rs[32];
	assert_int_equal(sz_noise_hs_next(hs), SZ_NOISE_FAILED);
	assert_int_equal(sz_noise_hs_write(hs, NULL, 0, buf, sizeof buf, &n), SZ_ERR_STATE);
	assert_int_equal(n, 0);
	assert_int_equal(sz_noise_hs_read(hs, buf, 32, pay, sizeof pay, &n), SZ_ERR_STATE);
	assert_int_equal(sz_noise_hs_hash(hs, h, &n), SZ_ERR_STATE);
	assert_int_equal(sz_noise_hs_remote_static(hs, rs), SZ_ERR_STATE);
}

static void
test_handshake_truncated(void **state)
{
	(void)state;
	pair p = { 0 };
	size_t n, pn;
	keys(&p);
	start(&p, SZ_NOISE_XX, NULL, NULL, NULL);
	assert_int_equal(sz_noise_hs_write(p.i, NULL, 0, buf, sizeof buf, &n), SZ_OK);
	assert_int_equal(n, 32);
	assert_int_equal(sz_noise_hs_read(p.r, buf, 31, pay, sizeof pay, &pn), SZ_ERR_TRUNCATED);
	assert_hs_dead(p.r);
	done(&p);

	/* Message 2 cut inside the encrypted static key, then inside the payload's tag. */
	for (size_t cut = 0; cut < 2; cut++) {
		keys(&p);
		start(&p, SZ_NOISE_XX, NULL, NULL, NULL);
		assert_int_equal(step(p.i, p.r, ""), SZ_OK);
		assert_int_equal(sz_noise_hs_write(p.r, NULL, 0, buf, sizeof buf, &n), SZ_OK);
		assert_int_equal(n, 32 + 48 + 16);
		size_t len = cut == 0 ? 32 + 40 : n - 1;
		int r = sz_noise_hs_read(p.i, buf, len, pay, sizeof pay, &pn);
		assert_int_equal(r, SZ_ERR_TRUNCATED);
		assert_hs_dead(p.i);
		done(&p);
	}
	/* A message longer than the pattern plus a tag: the extra bytes are payload, and
	 * a payload buffer too small for them is refused. */
	keys(&p);
	start(&p, SZ_NOISE_XX, NULL, NULL, NULL);
	assert_int_equal(sz_noise_hs_write(p.i, (const uint8_t *)"abc", 3, buf, sizeof buf, &n),
	    SZ_OK);
	assert_int_equal(sz_noise_hs_read(p.r, buf, n, pay, 2, &pn), SZ_ERR_TOO_LARGE);
	assert_hs_dead(p.r);
	done(&p);
}

static void
test_handshake_oversized(void **state)
{
	(void)state;
	pair p = { 0 };
	static uint8_t big[SZ_NOISE_MAX_MSG + 1];
	size_t n, pn;
	keys(&p);
	start(&p, SZ_NOISE_XX, NULL, NULL, NULL);
	/* 32 bytes of e plus a 65504-byte payload is 65536: one too many. */
	assert_int_equal(sz_noise_hs_write(p.i, big, SZ_NOISE_MAX_MSG - 31, buf, sizeof buf, &n),
	    SZ_ERR_TOO_LARGE);
	assert_hs_dead(p.i);
	assert_int_equal(sz_noise_hs_read(p.r, big, sizeof big, pay, sizeof pay, &pn),
	    SZ_ERR_TOO_LARGE);
	assert_hs_dead(p.r);
	done(&p);

	/* The largest message that fits is fine; an output buffer one byte short is not. */
	keys(&p);
	start(&p, SZ_NOISE_XX, NULL, NULL, NULL);
	assert_int_equal(sz_noise_hs_write(p.i, big, SZ_NOISE_MAX_MSG - 32, buf, sizeof buf, &n),
	    SZ_OK);
	assert_int_equal(n, SZ_NOISE_MAX_MSG);
	assert_int_equal(sz_noise_hs_read(p.r, buf, n, pay, sizeof pay, &pn), SZ_OK);
	assert_int_equal(sz_noise_hs_write(p.r, NULL, 0, buf, 32 + 48 + 15, &n), SZ_ERR_TOO_LARGE);
	assert_hs_dead(p.r);
	done(&p);
}

static void
test_handshake_replayed_and_out_of_turn(void **state)
{
	(void)state;
	pair p = { 0 };
	size_t n, pn;
	uint8_t msg1[64];
	keys(&p);
	start(&p, SZ_NOISE_XX, NULL, NULL, NULL);
	assert_int_equal(sz_noise_hs_write(p.i, NULL, 0, msg1, sizeof msg1, &n), SZ_OK);
	assert_int_equal(sz_noise_hs_read(p.r, msg1, n, pay, sizeof pay, &pn), SZ_OK);
	/* The same first message again: the responder must write now, not read. */
	assert_int_equal(sz_noise_hs_read(p.r, msg1, n, pay, sizeof pay, &pn), SZ_ERR_STATE);
	assert_hs_dead(p.r);
	/* The initiator writing twice in a row is out of turn too. */
	assert_int_equal(sz_noise_hs_write(p.i, NULL, 0, buf, sizeof buf, &n), SZ_ERR_STATE);
	assert_hs_dead(p.i);
	done(&p);

	/* Split before the end, and twice. */
	sz_noise_cipher *a, *b;
	keys(&p);
	start(&p, SZ_NOISE_XX, NULL, NULL, NULL);
	assert_int_equal(sz_noise_hs_split(p.i, &a, &b), SZ_ERR_STATE);
	assert_null(a);
	assert_null(b);
	assert_hs_dead(p.i);
	done(&p);
	xx_handshake(&p);
	split_both(&p);
	assert_int_equal(sz_noise_hs_split(p.i, &a, &b), SZ_ERR_STATE);
	done(&p);
}

static void
test_handshake_tampered(void **state)
{
	(void)state;
	/* Flip one bit in each position of XX message 2 in turn: e (breaks ee, so s fails), the
	 * encrypted s, its tag, the payload tag.  Every one must be refused. */
	const size_t at[] = { 0, 31, 32, 63, 79, 80, 95 };
	for (size_t k = 0; k < sizeof at / sizeof at[0]; k++) {
		pair p = { 0 };
		size_t n, pn;
		keys(&p);
		start(&p, SZ_NOISE_XX, NULL, NULL, NULL);
		assert_int_equal(step(p.i, p.r, ""), SZ_OK);
		assert_int_equal(sz_noise_hs_write(p.r, NULL, 0, buf, sizeof buf, &n), SZ_OK);
		buf[at[k]] ^= 0x01;
		assert_int_equal(sz_noise_hs_read(p.i, buf, n, pay, sizeof pay, &pn),
		    SZ_ERR_DECRYPT);
		assert_hs_dead(p.i);
		done(&p);
	}
	/* A different prologue on one side: the first encrypted payload fails. */
	pair p = { 0 };
	keys(&p);
	sz_noise_config ci = { .protocol = SZ_NOISE_XX, .role = SZ_NOISE_INITIATOR,
		.prologue = (const uint8_t *)"v1", .prologue_len = 2, .s = p.si, .env = &p.env.env };
	sz_noise_config cr = ci;
	cr.role = SZ_NOISE_RESPONDER;
	cr.s = p.sr;
	cr.prologue = (const uint8_t *)"v2";
	assert_int_equal(sz_noise_hs_new(&p.i, &ci), SZ_OK);
	assert_int_equal(sz_noise_hs_new(&p.r, &cr), SZ_OK);
	assert_int_equal(step(p.i, p.r, ""), SZ_OK);
	assert_int_equal(step(p.r, p.i, ""), SZ_ERR_DECRYPT);
	done(&p);
}

static void
test_psk(void **state)
{
	(void)state;
	uint8_t psk[32] = { 1, 2, 3 }, other[32] = { 1, 2, 4 };
	pair p = { 0 };
	keys(&p);
	start(&p, "Noise_XXpsk3_25519_ChaChaPoly_BLAKE2b", NULL, NULL, psk);
	assert_int_equal(step(p.i, p.r, "1"), SZ_OK);
	assert_int_equal(step(p.r, p.i, "2"), SZ_OK);
	assert_int_equal(step(p.i, p.r, "3"), SZ_OK);
	split_both(&p);
	talk(p.is, p.rr, "psk ok");
	done(&p);
	/* Different psks: the message carrying the psk token fails. */
	keys(&p);
	sz_noise_config ci = { .protocol = "Noise_XXpsk3_25519_ChaChaPoly_BLAKE2b",
		.role = SZ_NOISE_INITIATOR, .s = p.si, .psks = psk, .npsks = 1, .env = &p.env.env };
	sz_noise_config cr = ci;
	cr.role = SZ_NOISE_RESPONDER;
	cr.s = p.sr;
	cr.psks = other;
	assert_int_equal(sz_noise_hs_new(&p.i, &ci), SZ_OK);
	assert_int_equal(sz_noise_hs_new(&p.r, &cr), SZ_OK);
	assert_int_equal(step(p.i, p.r, ""), SZ_OK);
	assert_int_equal(step(p.r, p.i, ""), SZ_OK);
	assert_int_equal(step(p.i, p.r, ""), SZ_ERR_DECRYPT);
	done(&p);
}

static void
test_transport_errors(void **state)
{
	(void)state;
	pair p = { 0 };
	size_t n, pn;
	static uint8_t big[SZ_NOISE_MAX_MSG + 1];
	uint8_t first[64];

	/* Replayed: the same ciphertext twice. */
	xx_handshake(&p);
	split_both(&p);
	assert_int_equal(sz_noise_encrypt(p.is, (const uint8_t *)"once", 4, first, sizeof first,
	    &n), SZ_OK);
	assert_int_equal(sz_noise_decrypt(p.rr, first, n, pay, sizeof pay, &pn), SZ_OK);
	assert_int_equal(sz_noise_decrypt(p.rr, first, n, pay, sizeof pay, &pn), SZ_ERR_DECRYPT);
	assert_true(sz_noise_cipher_failed(p.rr));
	/* ...and then even a good message is refused. */
	assert_int_equal(sz_noise_encrypt(p.is, (const uint8_t *)"next", 4, buf, sizeof buf, &n),
	    SZ_OK);
	assert_int_equal(sz_noise_decrypt(p.rr, buf, n, pay, sizeof pay, &pn), SZ_ERR_STATE);
	assert_int_equal(sz_noise_rekey(p.rr), SZ_ERR_STATE);
	done(&p);

	/* Reordered: the second message first. */
	xx_handshake(&p);
	split_both(&p);
	assert_int_equal(sz_noise_encrypt(p.rs, (const uint8_t *)"m0", 2, first, sizeof first, &n),
	    SZ_OK);
	assert_int_equal(sz_noise_encrypt(p.rs, (const uint8_t *)"m1", 2, buf, sizeof buf, &n),
	    SZ_OK);
	assert_int_equal(sz_noise_decrypt(p.ir, buf, n, pay, sizeof pay, &pn), SZ_ERR_DECRYPT);
	assert_int_equal(sz_noise_decrypt(p.ir, first, n, pay, sizeof pay, &pn), SZ_ERR_STATE);
	done(&p);

	/* Tampered, truncated, oversized. */
	for (int k = 0; k < 4; k++) {
		xx_handshake(&p);
		split_both(&p);
		assert_int_equal(sz_noise_encrypt(p.is, (const uint8_t *)"payload", 7, buf,
		    sizeof buf, &n), SZ_OK);
		int want;
		size_t len = n;
		if (k == 0) {
			buf[3] ^= 0x80, want = SZ_ERR_DECRYPT;
		} else if (k == 1) {
			buf[n - 1] ^= 0x01, want = SZ_ERR_DECRYPT;
		} else if (k == 2) {
			len = 15, want = SZ_ERR_TRUNCATED;
		} else {
			memcpy(big, buf, n);
			len = sizeof big, want = SZ_ERR_TOO_LARGE;
		}
		assert_int_equal(sz_noise_decrypt(p.rr, k == 3 ? big : buf, len, pay, sizeof pay,
		    &pn), want);
		assert_int_equal(pn, 0);
		assert_true(sz_noise_cipher_failed(p.rr));
		done(&p);
	}

	/* A plaintext one byte over the limit, and an output buffer one byte short. */
	xx_handshake(&p);
	split_both(&p);
	assert_int_equal(sz_noise_encrypt(p.is, big, SZ_NOISE_MAX_PLAINTEXT + 1, buf, sizeof buf,
	    &n), SZ_ERR_TOO_LARGE);
	assert_true(sz_noise_cipher_failed(p.is));
	assert_int_equal(sz_noise_encrypt(p.rs, big, 10, buf, 25, &n), SZ_ERR_TOO_LARGE);
	assert_true(sz_noise_cipher_failed(p.rs));
	done(&p);
}

static void
test_nonce_exhaustion(void **state)
{
	(void)state;
	pair p = { 0 };
	size_t n, pn;
	xx_handshake(&p);
	split_both(&p);
	/* Nonces only move forward. */
	talk(p.is, p.rr, "x");
	assert_int_equal(sz_noise_cipher_set_nonce(p.is, 0), SZ_ERR_INVALID);
	/* 2^64-2 is the last usable nonce; 2^64-1 is reserved (§5.1). */
	assert_int_equal(sz_noise_cipher_set_nonce(p.is, UINT64_MAX - 1), SZ_OK);
	assert_int_equal(sz_noise_cipher_set_nonce(p.rr, UINT64_MAX - 1), SZ_OK);
	talk(p.is, p.rr, "last");
	assert_int_equal(sz_noise_cipher_nonce(p.is), UINT64_MAX);
	assert_int_equal(sz_noise_encrypt(p.is, (const uint8_t *)"y", 1, buf, sizeof buf, &n),
	    SZ_ERR_LIMIT);
	assert_true(sz_noise_cipher_failed(p.is));
	assert_int_equal(sz_noise_encrypt(p.is, (const uint8_t *)"y", 1, buf, sizeof buf, &n),
	    SZ_ERR_STATE);
	memset(buf, 0, 17);
	assert_int_equal(sz_noise_decrypt(p.rr, buf, 17, pay, sizeof pay, &pn), SZ_ERR_LIMIT);
	done(&p);
}

/* An all-zero ephemeral key from the peer makes the DH output zero: refused. */
static void
test_low_order_ephemeral(void **state)
{
	(void)state;
	pair p = { 0 };
	size_t n, pn;
	keys(&p);
	start(&p, SZ_NOISE_XX, NULL, NULL, NULL);
	assert_int_equal(sz_noise_hs_write(p.i, NULL, 0, buf, sizeof buf, &n), SZ_OK);
	memset(buf, 0, 32);
	assert_int_equal(sz_noise_hs_read(p.r, buf, n, pay, sizeof pay, &pn), SZ_OK);
	assert_int_equal(sz_noise_hs_write(p.r, NULL, 0, buf, sizeof buf, &n), SZ_ERR_CRYPTO);
	assert_hs_dead(p.r);
	done(&p);
}

static void
test_config_errors(void **state)
{
	(void)state;
	pair p = { 0 };
	sz_noise_hs *hs = (sz_noise_hs *)&p;
	uint8_t psk[64] = { 0 };
	keys(&p);
	const char *unsupported[] = {
		"Noise_XX_25519_AESGCM_BLAKE2b", "Noise_XX_448_ChaChaPoly_BLAKE2b",
		"Noise_XX_25519_ChaChaPoly_BLAKE2s", "Noise_XXfallback_25519_ChaChaPoly_BLAKE2b",
		"Noise_XX_25519_ChaChaPoly", "Noise_XX_25519_ChaChaPoly_BLAKE2b_", "Noise_ZZ_25519_"
		"ChaChaPoly_BLAKE2b", "Noise_XXpsk4_25519_ChaChaPoly_BLAKE2b",
		"Noise_XXpsk01_25519_ChaChaPoly_BLAKE2b", "Noise_XXpsk0+_25519_ChaChaPoly_BLAKE2b",
		"Noise_XXpsk_25519_ChaChaPoly_BLAKE2b", "noise_XX_25519_ChaChaPoly_BLAKE2b",
		"Noise_xx_25519_ChaChaPoly_BLAKE2b", "", "Noise_XX_25519_ChaChaPoly_BLAKE2b"
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	};
	for (size_t i = 0; i < sizeof unsupported / sizeof unsupported[0]; i++) {
		sz_noise_config c = { .protocol = unsupported[i], .role = SZ_NOISE_INITIATOR,
			.s = p.si, .env = &p.env.env };
		assert_int_equal(sz_noise_hs_new(&hs, &c), SZ_ERR_UNSUPPORTED);
		assert_null(hs);
	}
	struct { const char *proto; sz_noise_role role; int s, rs, npsk; } bad[] = {
		{ SZ_NOISE_XX, SZ_NOISE_INITIATOR, 0, 0, 0 },   /* XX needs our static */
		{ SZ_NOISE_XX, SZ_NOISE_INITIATOR, 1, 1, 0 },   /* and takes no remote one */
		{ SZ_NOISE_IK, SZ_NOISE_INITIATOR, 1, 0, 0 },   /* IK needs the responder's */
		{ SZ_NOISE_IK, SZ_NOISE_RESPONDER, 1, 1, 0 },
		{ "Noise_NN_25519_ChaChaPoly_BLAKE2b", SZ_NOISE_INITIATOR, 1, 0, 0 },
		{ "Noise_NNpsk0_25519_ChaChaPoly_BLAKE2b", SZ_NOISE_INITIATOR, 0, 0, 0 },
		{ "Noise_NNpsk0+psk2_25519_ChaChaPoly_BLAKE2b", SZ_NOISE_RESPONDER, 0, 0, 1 },
		{ SZ_NOISE_XX, (sz_noise_role)3, 1, 0, 0 },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		sz_noise_config c = { .protocol = bad[i].proto, .role = bad[i].role,
			.s = bad[i].s ? p.si : NULL, .rs = bad[i].rs ? p.sr_pub : NULL,
			.psks = psk, .npsks = (size_t)bad[i].npsk, .env = &p.env.env };
		assert_int_equal(sz_noise_hs_new(&hs, &c), SZ_ERR_INVALID);
		assert_null(hs);
	}
	/* No randomness and no fixed ephemeral. */
	sz_noise_config c = { .protocol = SZ_NOISE_XX, .role = SZ_NOISE_INITIATOR, .s = p.si };
	assert_int_equal(sz_noise_hs_new(&hs, &c), SZ_ERR_INVALID);
	/* Two psks where the name asks for two is fine. */
	c.protocol = "Noise_NNpsk0+psk2_25519_ChaChaPoly_BLAKE2b";
	c.s = NULL;
	c.psks = psk;
	c.npsks = 2;
	c.env = &p.env.env;
	assert_int_equal(sz_noise_hs_new(&hs, &c), SZ_OK);
	sz_noise_hs_free(hs);
	sz_noise_hs_free(NULL);
	sz_noise_cipher_free(NULL);
}

/* A static public key given with its private key spares deriving it; a wrong one cannot
 * pass unnoticed: the peer's DH with it disagrees and the handshake fails. */
static void
test_given_static_public(void **state)
{
	(void)state;
	for (int wrong = 0; wrong < 2; wrong++) {
		pair p = { 0 };
		uint8_t pub[32];
		keys(&p);
		memcpy(pub, p.sr_pub, 32);
		pub[0] ^= (uint8_t)wrong;
		sz_noise_config ci = { .protocol = SZ_NOISE_XX, .role = SZ_NOISE_INITIATOR,
			.s = p.si, .s_pub = p.si_pub, .env = &p.env.env };
		sz_noise_config cr = ci;
		cr.role = SZ_NOISE_RESPONDER;
		cr.s = p.sr;
		cr.s_pub = pub;
		assert_int_equal(sz_noise_hs_new(&p.i, &ci), SZ_OK);
		assert_int_equal(sz_noise_hs_new(&p.r, &cr), SZ_OK);
		assert_int_equal(step(p.i, p.r, ""), SZ_OK);
		assert_int_equal(step(p.r, p.i, ""), wrong ? SZ_ERR_DECRYPT : SZ_OK);
		done(&p);
	}
	/* A public key without its private key is refused. */
	sz_noise_hs *hs = NULL;
	uint8_t pub[32] = { 9 };
	sz_env_seeded env;
	sz_env_seeded_init(&env, 1, 0);
	sz_noise_config c = { .protocol = "Noise_NN_25519_ChaChaPoly_BLAKE2b",
		.role = SZ_NOISE_INITIATOR, .s_pub = pub, .env = &env.env };
	assert_int_equal(sz_noise_hs_new(&hs, &c), SZ_ERR_INVALID);
}

/* One-way N: the initiator only sends, the responder only receives. */
static void
test_one_way(void **state)
{
	(void)state;
	pair p = { 0 };
	keys(&p);
	sz_noise_config ci = { .protocol = "Noise_N_25519_ChaChaPoly_BLAKE2b",
		.role = SZ_NOISE_INITIATOR, .rs = p.sr_pub, .env = &p.env.env };
	sz_noise_config cr = { .protocol = ci.protocol, .role = SZ_NOISE_RESPONDER, .s = p.sr,
		.env = &p.env.env };
	assert_int_equal(sz_noise_hs_new(&p.i, &ci), SZ_OK);
	assert_int_equal(sz_noise_hs_new(&p.r, &cr), SZ_OK);
	assert_int_equal(step(p.i, p.r, "sealed"), SZ_OK);
	assert_int_equal(sz_noise_hs_split(p.i, &p.is, &p.ir), SZ_OK);
	assert_int_equal(sz_noise_hs_split(p.r, &p.rs, &p.rr), SZ_OK);
	assert_non_null(p.is);
	assert_null(p.ir);
	assert_null(p.rs);
	assert_non_null(p.rr);
	talk(p.is, p.rr, "stream");
	done(&p);
}

/* Every test must release every handshake and CipherState it made. */
static int
no_leaked_slots(void **state)
{
	(void)state;
	assert_int_equal(sz_secret_slots_in_use(), 0);
	return 0;
}

int
main(void)
{
	if (sz_init() != SZ_OK)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_xx_round_trip, no_leaked_slots),
		cmocka_unit_test_teardown(test_ik_round_trip, no_leaked_slots),
		cmocka_unit_test_teardown(test_ik_wrong_remote_static, no_leaked_slots),
		cmocka_unit_test_teardown(test_handshake_truncated, no_leaked_slots),
		cmocka_unit_test_teardown(test_handshake_oversized, no_leaked_slots),
		cmocka_unit_test_teardown(test_handshake_replayed_and_out_of_turn, no_leaked_slots),
		cmocka_unit_test_teardown(test_handshake_tampered, no_leaked_slots),
		cmocka_unit_test_teardown(test_psk, no_leaked_slots),
		cmocka_unit_test_teardown(test_transport_errors, no_leaked_slots),
		cmocka_unit_test_teardown(test_nonce_exhaustion, no_leaked_slots),
		cmocka_unit_test_teardown(test_low_order_ephemeral, no_leaked_slots),
		cmocka_unit_test_teardown(test_config_errors, no_leaked_slots),
		cmocka_unit_test_teardown(test_given_static_public, no_leaked_slots),
		cmocka_unit_test_teardown(test_one_way, no_leaked_slots),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
