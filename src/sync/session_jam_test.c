/*
 * session_jam_test.c - unit tests of what a sync session does against a peer that tries to hold
 * it open or fill its memory (src/sync/session.c; docs/threat/jamming.md): handshake messages of
 * the wrong size are refused from their length alone, a drip-fed handshake or a silent one ends
 * at a fixed deadline whatever bytes trickle in, a first frame larger than a HELLO is refused
 * before it is buffered, sz_sync_mem counts what a peer makes it hold, and a refusal tells the
 * peer why and when to come back.  The attacker is a real Noise initiator built here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/noise.h"
#include "lib/bytes.h"
#include "lib/env.h"
#include "sync/frame.h"
#include "sync/session.h"
#include "sync/session_testlib.h"

static const uint8_t scope1[1][16] = { { 0xa1 } };

/* A responder session over node t, on the seeded env of p. */
static sz_sync *
responder(pair *p, tnode *t, sz_sync_hooks *extra)
{
	sz_env_seeded_init(&p->env, 7, 1000);
	memset(p->skb, 2, 32);
	sz_sync_config c = {
		.role = SZ_NOISE_RESPONDER, .static_sk = p->skb, .scopes = scope1, .nscopes = 1,
		.hooks = { .ctx = t, .list_ids = t_list, .get = t_get, .store = t_store },
		.env = &p->env.env,
	};
	if (extra != NULL) {
		c.hooks.peer_ok = extra->peer_ok;
		c.hooks.peer_ctx = extra->peer_ctx;
	}
	sz_sync *s = NULL;
	assert_int_equal(sz_sync_new(&s, &c), SZ_OK);
	return s;
}

static void
feed(sz_sync *s, const uint8_t *p, size_t n)
{
	(void)!sz_sync_input(s, p, n);
}

/* Complete the XX handshake as an attacker would, by hand, against responder b; the attacker's
 * transport ciphers come back. */
static void
attacker_handshake(pair *p, sz_sync *b, sz_noise_cipher **tx, sz_noise_cipher **rx)
{
	static const char prologue[] = "samizdat sync v1";
	uint8_t sk[32], msg[SZ_NOISE_MAX_MSG], pt[64];
	size_t mlen, plen;
	memset(sk, 9, 32);
	sz_noise_config nc = { .protocol = SZ_NOISE_XX, .role = SZ_NOISE_INITIATOR,
		.prologue = (const uint8_t *)prologue, .prologue_len = sizeof prologue - 1, .s = sk,
		.env = &p->env.env };
	sz_noise_hs *hs;
	assert_int_equal(sz_noise_hs_new(&hs, &nc), SZ_OK);
	assert_int_equal(sz_noise_hs_write(hs, NULL, 0, msg + 2, sizeof msg - 2, &mlen), SZ_OK);
	sz_store_u16(msg, (uint16_t)mlen);
	feed(b, msg, mlen + 2);
	const uint8_t *o;
	size_t n;
	sz_sync_output(b, &o, &n);
	assert_int_equal(n, 2 + 96);
	assert_int_equal(sz_noise_hs_read(hs, o + 2, n - 2, pt, sizeof pt, &plen), SZ_OK);
	sz_sync_consumed(b, n);
	assert_int_equal(sz_noise_hs_write(hs, NULL, 0, msg + 2, sizeof msg - 2, &mlen), SZ_OK);
	sz_store_u16(msg, (uint16_t)mlen);
	assert_int_equal(sz_noise_hs_split(hs, tx, rx), SZ_OK);
	sz_noise_hs_free(hs);
	feed(b, msg, mlen + 2);
}

/* Send plaintext bytes (part of a frame stream) to b in one Noise message. */
static void
attacker_send(sz_noise_cipher *tx, sz_sync *b, const uint8_t *pt, size_t n)
{
	uint8_t msg[SZ_NOISE_MAX_MSG + 2];
	size_t mlen;
	assert_int_equal(sz_noise_encrypt(tx, pt, n, msg + 2, sizeof msg - 2, &mlen), SZ_OK);
	sz_store_u16(msg, (uint16_t)mlen);
	feed(b, msg, mlen + 2);
}

/* A handshake message of the wrong size is refused from its two length bytes, before its bytes
 * are waited for: a peer cannot make the session hold 64 KiB it has not proved anything for. */
static void
test_handshake_sizes(void **state)
{
	(void)state;
	tnode *t = calloc(1, sizeof *t);
	static const uint8_t lens[][2] = { { 0xff, 0xff }, { 0x00, 0x00 }, { 0x00, 0x21 },
		{ 0x00, 0x1f }, { 0x01, 0x00 } };
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		pair p;
		sz_sync *b = responder(&p, t, NULL);
		feed(b, lens[i], 2);
		assert_int_equal(sz_sync_get_status(b), SZ_SYNC_FAILED);
		assert_int_equal(sz_sync_error(b), SZ_ERR_PEER);
		assert_false(sz_sync_authenticated(b));
		assert_true(sz_sync_mem(b) < 16384);
		sz_sync_free(b);
	}
	/* the right length, its bytes still to come: it waits */
	pair p;
	sz_sync *b = responder(&p, t, NULL);
	feed(b, (const uint8_t[]){ 0x00, 0x20, 1, 2, 3 }, 5);
	assert_int_equal(sz_sync_get_status(b), SZ_SYNC_RUNNING);
	sz_sync_free(b);
	t_free(t);
	free(t);
}

/* Bytes trickled in reset the silence timer, never the handshake's deadline: one byte a second
 * of a valid first message still ends the session at 10 s; a session whose handshake completed
 * but whose peer sends no HELLO ends there too. */
static void
test_handshake_deadline(void **state)
{
	(void)state;
	tnode *t = calloc(1, sizeof *t);
	pair p;
	sz_sync *b = responder(&p, t, NULL);
	uint8_t drip[34] = { 0x00, 0x20 };
	for (int sec = 0; sec < 12; sec++) {
		if (sec < 34)
			feed(b, drip + sec, 1);
		sz_env_seeded_advance(&p.env, 1000);
		int r = sz_sync_tick(b);
		if (sec < 9)
			assert_int_equal(r, SZ_OK);
	}
	assert_int_equal(sz_sync_get_status(b), SZ_SYNC_FAILED);
	assert_int_equal(sz_sync_error(b), SZ_ERR_TIMEOUT);
	sz_sync_free(b);

	b = responder(&p, t, NULL);
	sz_noise_cipher *tx, *rx;
	attacker_handshake(&p, b, &tx, &rx);
	assert_true(sz_sync_authenticated(b));
	assert_false(sz_sync_started(b));
	sz_env_seeded_advance(&p.env, 9000);
	assert_int_equal(sz_sync_tick(b), SZ_OK);
	sz_env_seeded_advance(&p.env, 1500);
	assert_int_equal(sz_sync_tick(b), SZ_ERR_TIMEOUT);
	sz_noise_cipher_free(tx);
	sz_noise_cipher_free(rx);
	sz_sync_free(b);
	t_free(t);
	free(t);
}

/* The first frame may be a HELLO of 4,096 tokens at most: one that announces more is refused at
 * its header, not buffered up to the 4 MiB frame limit.  Within the bound, what the peer makes
 * the session hold shows in sz_sync_mem. */
static void
test_first_frame_bound(void **state)
{
	(void)state;
	tnode *t = calloc(1, sizeof *t);
	pair p;
	sz_sync *b = responder(&p, t, NULL);
	sz_noise_cipher *tx, *rx;
	attacker_handshake(&p, b, &tx, &rx);
	size_t before = sz_sync_mem(b);
	uint8_t hdr[5];
	sz_store_u32(hdr, 4u << 20);
	hdr[4] = SZ_FR_HELLO;
	attacker_send(tx, b, hdr, sizeof hdr);
	assert_int_equal(sz_sync_get_status(b), SZ_SYNC_FAILED);
	assert_int_equal(sz_sync_error(b), SZ_ERR_TOO_LARGE);
	assert_true(sz_sync_mem(b) < before + 4096);
	sz_noise_cipher_free(tx);
	sz_noise_cipher_free(rx);
	sz_sync_free(b);

	b = responder(&p, t, NULL);
	attacker_handshake(&p, b, &tx, &rx);
	before = sz_sync_mem(b);
	uint8_t *big = calloc(1, 60000);
	sz_store_u32(big, 65000);
	big[4] = SZ_FR_HELLO;
	attacker_send(tx, b, big, 60000);
	assert_int_equal(sz_sync_get_status(b), SZ_SYNC_RUNNING);
	assert_true(sz_sync_mem(b) >= before + 60000);
	free(big);
	sz_noise_cipher_free(tx);
	sz_noise_cipher_free(rx);
	sz_sync_free(b);
	t_free(t);
	free(t);
}

static int
busy_hook(void *ctx, const uint8_t pk[32], char *why, size_t whylen)
{
	(void)pk;
	*(int *)ctx += 1;
	snprintf(why, whylen, "busy: no room for another session now; retry after 7 s");
	return SZ_ERR_BUSY;
}

/* A responder with no room says so after the handshake, with the wait; the initiator reads the
 * code and the wait.  A running session ended from outside tells its peer why. */
static void
test_refusal_told(void **state)
{
	(void)state;
	tnode *na = calloc(1, sizeof *na), *nb = calloc(1, sizeof *nb);
	pair p;
	t_start(&p, na, nb, scope1, 1, scope1, 1);
	sz_sync_free(p.b);
	int calls = 0;
	sz_sync_hooks h = { .peer_ok = busy_hook, .peer_ctx = &calls };
	p.b = responder(&p, nb, &h);
	sz_sync_free(p.a);
	sz_sync_config ca = { .role = SZ_NOISE_INITIATOR, .static_sk = p.ska, .scopes = scope1,
		.nscopes = 1, .hooks = { .ctx = na, .list_ids = t_list, .get = t_get, .store = t_store },
		.env = &p.env.env };
	memset(p.ska, 1, 32);
	assert_int_equal(sz_sync_new(&p.a, &ca), SZ_OK);
	t_run(&p, 0);
	assert_int_equal(calls, 1);
	assert_int_equal(sz_sync_get_status(p.a), SZ_SYNC_FAILED);
	assert_int_equal(sz_sync_peer_code(p.a), SZ_ERR_BUSY);
	assert_int_equal(sz_sync_retry_after(p.a), 7);
	assert_string_equal(sz_sync_peer_error(p.a), "busy: no room for another session now; "
	    "retry after 7 s");
	assert_int_equal(sz_sync_peer_code(p.b), 0);
	sz_sync_free(p.a);
	sz_sync_free(p.b);

	/* ended from outside in the middle of a session */
	t_start(&p, na, nb, scope1, 1, scope1, 1);
	deliver(p.a, p.b);
	deliver(p.b, p.a);
	deliver(p.a, p.b);
	assert_true(sz_sync_started(p.b) || sz_sync_authenticated(p.b));
	sz_sync_abort(p.b, SZ_ERR_BUSY, "busy: over this node's memory for sessions; retry after "
	    "12 s");
	assert_int_equal(sz_sync_get_status(p.b), SZ_SYNC_FAILED);
	assert_int_equal(sz_sync_error(p.b), SZ_ERR_BUSY);
	deliver(p.b, p.a);
	assert_int_equal(sz_sync_peer_code(p.a), SZ_ERR_BUSY);
	assert_int_equal(sz_sync_retry_after(p.a), 12);
	sz_sync_free(p.a);
	sz_sync_free(p.b);
	two_free(na, nb);
}

int
main(void)
{
	if (sz_init() != SZ_OK)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handshake_sizes),
		cmocka_unit_test(test_handshake_deadline),
		cmocka_unit_test(test_first_frame_bound),
		cmocka_unit_test(test_refusal_told),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
