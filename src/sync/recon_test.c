/*
 * recon_test.c - unit tests of the reconciliation methods inside whole sync sessions
 * (src/sync/recon*.c): the lent kept sketch, salted audits, compact symbols, retries after a
 * failed attempt, undefined symbol layouts, Negentropy as a method.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "lib/bytes.h"
#include "lib/env.h"
#include "recon/riblt.h"
#include "recon/riblt_wire.h"
#include "sync/frame.h"
#include "sync/session.h"
#include "sync/session_int.h"
#include "sync/session_testlib.h"
#include "wire/envelope.h"

/* Both nodes lend the sketch they keep: no session walks the ids (O(d), not O(N)); sketches
 * come back; what arrives in between is reconciled by the next session with the same sketch. */
static void
test_lent_sketch(void **state)
{
	(void)state;
	tnode *na, *nb;
	two_nodes(&na, &nb, 2000, 30, 20);
	put_sealed(na, 0xc3, 1, 10); /* not shared */
	uint8_t s[1][16];
	fill_scope(s[0], 0xa1);
	pair p;
	start_lending(&p, na, nb, (const uint8_t(*)[16])s, 1u << 30, -1);
	t_run(&p, 0);
	sync_result r = t_finish(&p);
	assert_int_equal(r.a.method, SZ_RECON_RIBLT);
	assert_int_equal(r.a.riblt_attempts, 1);
	assert_false(r.a.riblt_salted);
	assert_int_equal(r.a.ids_sketched + r.b.ids_sketched, 0);
	assert_int_equal(r.a.ids_local, 2030);
	assert_int_equal(r.a.sent, 30);
	assert_int_equal(r.b.sent, 20);
	assert_int_equal(na->lent + nb->lent, 0);
	assert_int_equal(na->builds, 1);
	assert_int_equal(nb->builds, 1);
	assert_int_equal(na->n, 2051);
	assert_int_equal(nb->n, 2050);
	/* New envelopes on each side, kept in the sketches as they arrive: the next session moves
	 * exactly those, without a rebuild. */
	put_sealed(na, 0xa1, 7000, 10);
	put_sealed(nb, 0xa1, 7001, 10);
	put_sealed(nb, 0xa1, 7002, 10);
	start_lending(&p, na, nb, (const uint8_t(*)[16])s, 1u << 30, -1);
	t_run(&p, 0);
	r = t_finish(&p);
	assert_int_equal(r.a.sent, 1);
	assert_int_equal(r.b.sent, 2);
	assert_int_equal(r.a.ids_sketched + r.b.ids_sketched, 0);
	assert_int_equal(na->builds + nb->builds, 2);
	assert_int_equal(na->gets, 2);
	two_free(na, nb);
}

/* An audit session (salted from the start) builds temporary sketches under a fresh key and
 * leaves the kept ones alone. */
static void
test_salted_audit(void **state)
{
	(void)state;
	tnode *na, *nb;
	two_nodes(&na, &nb, 500, 40, 3);
	uint8_t s[1][16];
	fill_scope(s[0], 0xa1);
	pair p;
	start_lending(&p, na, nb, (const uint8_t(*)[16])s, 1, -1);
	t_run(&p, 0);
	sync_result r = t_finish(&p);
	assert_int_equal(r.a.riblt_attempts, 1);
	assert_true(r.a.riblt_salted);
	assert_true(r.b.riblt_salted);
	assert_int_equal(r.a.ids_sketched, 540);
	assert_int_equal(r.b.ids_sketched, 503);
	assert_int_equal(na->gets + nb->gets, 0);
	assert_int_equal(r.a.sent, 40);
	assert_int_equal(r.b.sent, 3);
	assert_int_equal(na->n, 543);
	assert_int_equal(nb->n, 543);
	two_free(na, nb);
}

/* A node that breaks the lending contract (its sketch changes mid-session) makes the unsalted
 * attempt fail; the initiator retries under a salt in the same session, which settles it. */
static void
mutate_once(void *ctx)
{
	tnode *t = ctx;
	static const uint8_t junk[20] = { 0xee, 1, 2, 3 };
	if (t->gets == 1 && t->builds == 1 && t->lent == 1 && !sz_riblt_sketch_contains(t->sk, junk))
		assert_int_equal(sz_riblt_sketch_add(t->sk, junk), SZ_OK);
}

/* Small sets reconcile with compact symbols (salted 8-byte tags, 32-bit checks) by default:
 * every session salted, the ids walked on both sides, about half the bytes of full symbols for
 * the same difference, and the same envelopes moved. */
static void
test_compact(void **state)
{
	(void)state;
	uint64_t bytes[2];
	tnode *na, *nb;
	for (int m = 0; m < 2; m++) {
		sync_result r = lent_session(&na, &nb, 3000, 150, 130, m == 0 ? 0 : -1);
		assert_int_equal(r.a.method, SZ_RECON_RIBLT);
		assert_int_equal(r.a.riblt_attempts, 1);
		assert_int_equal(r.b.riblt_attempts, 1);
		assert_int_equal(r.a.sent, 150);
		assert_int_equal(r.b.sent, 130);
		assert_int_equal(na->n, 3280);
		assert_int_equal(nb->n, 3280);
		assert_int_equal(na->lent + nb->lent, 0);
		if (m == 0) {
			assert_true(r.a.riblt_compact && r.b.riblt_compact);
			assert_true(r.a.riblt_salted && r.b.riblt_salted);
			assert_int_equal(r.a.ids_sketched, 3150);
			assert_int_equal(r.b.ids_sketched, 3130);
			/* No kept sketch was built or lent: the initiator counted its ids. */
			assert_int_equal(na->gets + nb->gets, 0);
			assert_int_equal(na->builds + nb->builds, 0);
		} else {
			assert_false(r.a.riblt_compact || r.b.riblt_compact);
			assert_int_equal(r.a.ids_sketched + r.b.ids_sketched, 0);
		}
		bytes[m] = r.a.recon_bytes;
		two_free(na, nb);
	}
	assert_true(bytes[0] * 10 < bytes[1] * 6);
	/* An empty initiator (a new member): the responder sends everything without building any
	 * sketch. */
	sync_result r = lent_session(&na, &nb, 0, 0, 700, 0);
	assert_true(r.a.riblt_compact);
	assert_int_equal(r.b.ids_sketched, 0);
	assert_int_equal(r.b.sent, 700);
	assert_int_equal(na->n, 700);
	two_free(na, nb);
	/* Above compact_max ids the default is the kept sketch (the initiator counts 3002 and
	 * stops there); the next session learns the size from the kept sketch. */
	r = lent_session(&na, &nb, 3000, 2, 1, 3001);
	assert_false(r.a.riblt_compact);
	assert_int_equal(r.a.ids_sketched + r.b.ids_sketched, 0);
	assert_int_equal(r.a.sent, 2);
	assert_int_equal(r.b.sent, 1);
	assert_int_equal(na->sizes, 0);
	uint8_t sc[1][16];
	fill_scope(sc[0], 0xa1);
	put_sealed(na, 0xa1, 7000, 10);
	pair p;
	start_lending(&p, na, nb, (const uint8_t(*)[16])sc, 1u << 30, 3003);
	t_run(&p, 0);
	r = t_finish(&p);
	assert_false(r.a.riblt_compact);
	assert_int_equal(na->sizes, 1);
	assert_int_equal(r.a.sent, 1);
	assert_int_equal(na->builds, 1);
	/* With a higher bound the kept sketch's size picks compact symbols, without a loan. */
	put_sealed(nb, 0xa1, 7001, 10);
	size_t gets = na->gets;
	start_lending(&p, na, nb, (const uint8_t(*)[16])sc, 1u << 30, 5000);
	t_run(&p, 0);
	r = t_finish(&p);
	assert_true(r.a.riblt_compact);
	assert_int_equal(na->sizes, 2);
	assert_int_equal(na->gets, gets);
	assert_int_equal(r.b.sent, 1);
	two_free(na, nb);
}

/* The same for a compact attempt: the responder's per-session sketch changes under its
 * decoder (as a bug would). */
static void
mutate_compact(void *ctx)
{
	sz_sync *b = ctx;
	static const uint8_t junk[SZ_RIBLT_TAG_BYTES] = { 0xee, 1, 2, 3 };
	if (b->compact && b->rrecv != NULL && b->sketch != NULL &&
	    !sz_riblt_sketch_contains(b->sketch, junk)) {
		/* the session bounded its sketch to its ids: make room for one more */
		assert_int_equal(sz_riblt_sketch_set_max_items(b->sketch,
		    sz_riblt_sketch_size(b->sketch) + 1), SZ_OK);
		assert_int_equal(sz_riblt_sketch_add(b->sketch, junk), SZ_OK);
	}
}

/* A failed first attempt (unsalted with the kept sketch: compact -1; compact: 0), made to
 * fail by changing a sketch under the responder's decoder, is retried in the same session,
 * salted with full symbols, and settles. */
static void
retry_after_failure(int compact)
{
	tnode *na, *nb;
	two_nodes(&na, &nb, 1000, 200, 0); /* more than HELLO's cells settle: MORE is needed */
	uint8_t s[1][16];
	fill_scope(s[0], 0xa1);
	pair p;
	start_lending(&p, na, nb, (const uint8_t(*)[16])s, 1u << 30, compact);
	if (compact == 0)
		t_run_cb(&p, 0, mutate_compact, p.b);
	else
		t_run_cb(&p, 0, mutate_once, nb);
	sync_result r = t_finish(&p);
	assert_int_equal(r.a.riblt_attempts, 2);
	assert_int_equal(r.b.riblt_attempts, 2);
	assert_true(r.a.riblt_salted && r.b.riblt_salted);
	assert_false(r.a.riblt_compact || r.b.riblt_compact);
	assert_int_equal(r.a.method, SZ_RECON_RIBLT);
	assert_int_equal(r.a.sent, 200);
	assert_int_equal(nb->n, 1200);
	assert_int_equal(na->lent + nb->lent, 0);
	two_free(na, nb);
}

static void
test_salted_retry(void **state)
{
	(void)state;
	retry_after_failure(-1);
}

static void
test_compact_retry(void **state)
{
	(void)state;
	retry_after_failure(0);
}

/* A RIBLT HELLO whose symbol layout the sync layer does not define (20-byte symbols with 32-bit
 * checks, 8-byte symbols with 64-bit ones) is refused by the responder: SZ_ERR_UNSUPPORTED. */
static void
test_odd_layouts(void **state)
{
	(void)state;
	uint8_t s[1][16], key[SZ_RIBLT_KEY_BYTES] = { 5 }, salt[SZ_RIBLT_SALT_BYTES] = { 6 };
	fill_scope(s[0], 0xa1);
	for (int c = 0; c < 3; c++) {
		size_t width = c == 1 ? SZ_RIBLT_TAG_BYTES : SZ_RIBLT_ID_SYMBOL_BYTES;
		bool check32 = c != 1;
		tnode *na, *nb;
		two_nodes(&na, &nb, 50, 5, 5);
		pair p;
		start_lending(&p, na, nb, (const uint8_t(*)[16])s, 1u << 30, 0);
		deliver(p.a, p.b); /* handshake message 1 */
		deliver(p.b, p.a); /* message 2 */
		deliver(p.a, p.b); /* message 3 and A's HELLO: B answers its HELLO and waits */
		assert_int_equal(p.b->phase, PH_RECON);
		/* The initiator's first RIBLT frame, made here instead of by its session. */
		sz_riblt_sketch *sk;
		assert_int_equal(sz_riblt_sketch_new(&sk, width, key, 64), SZ_OK);
		for (uint8_t i = 0; i < 30; i++) {
			uint8_t sym[SZ_RIBLT_ID_SYMBOL_BYTES] = { i, 0x77 };
			assert_int_equal(sz_riblt_sketch_add(sk, sym), SZ_OK);
		}
		sz_riblt_sender *tx;
		assert_int_equal(sz_riblt_sender_new(&tx, sk, salt, 8, 16, 100), SZ_OK);
		if (check32)
			assert_int_equal(sz_riblt_sender_check32(tx), SZ_OK);
		sz_buf hello = { 0 }, fr = { 0 };
		assert_int_equal(sz_riblt_sender_hello(tx, &hello), SZ_OK);
		if (c == 2)
			hello.p[3] = SZ_RIBLT_FLAG_CHECK32; /* and a third: CHECK32 with the salt's flag off */
		sz_frame_put(&fr, SZ_FR_SYMBOLS, hello.p, hello.len);
		uint8_t msg[SZ_NOISE_MAX_MSG + 2];
		size_t mlen;
		assert_int_equal(sz_noise_encrypt(p.a->tx, fr.p, fr.len, msg + 2, sizeof msg - 2,
		    &mlen), SZ_OK);
		msg[0] = (uint8_t)(mlen >> 8);
		msg[1] = (uint8_t)mlen;
		assert_int_not_equal(sz_sync_input(p.b, msg, mlen + 2), SZ_OK);
		assert_int_equal(sz_sync_get_status(p.b), SZ_SYNC_FAILED);
		assert_int_equal(sz_sync_error(p.b), c == 2 ? SZ_ERR_MALFORMED : SZ_ERR_UNSUPPORTED);
		assert_int_equal(nb->n, 55);
		sz_buf_free(&hello);
		sz_buf_free(&fr);
		sz_riblt_sender_free(tx);
		sz_riblt_sketch_free(sk);
		sz_sync_free(p.a);
		sz_sync_free(p.b);
		two_free(na, nb);
	}
}

/* Negentropy as the method both speak (a responder without RIBLT): the responder, as the
 * Negentropy client, learns both halves; the same envelopes move as with the other methods;
 * either side may be empty; a garbage Negentropy message fails the session, storing nothing. */
static void
test_negentropy(void **state)
{
	(void)state;
	static const uint32_t cases[][3] = { { 3000, 400, 300 }, { 1000, 1, 0 }, { 0, 0, 500 },
		{ 0, 300, 0 } };
	uint8_t s[1][16];
	fill_scope(s[0], 0xa1);
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		tnode *na, *nb;
		two_nodes(&na, &nb, cases[c][0], cases[c][1], cases[c][2]);
		pair p;
		t_start(&p, na, nb, (const uint8_t(*)[16])s, 1, (const uint8_t(*)[16])s, 1);
		restart_side(&p, 1, nb, (const uint8_t(*)[16])s, SZ_RECON_NEGENTROPY | SZ_RECON_LIST);
		t_run(&p, 0);
		sync_result r = t_finish(&p);
		assert_int_equal(r.a.method, SZ_RECON_NEGENTROPY);
		assert_int_equal(r.b.method, SZ_RECON_NEGENTROPY);
		assert_int_equal(r.a.sent, cases[c][1]);
		assert_int_equal(r.b.sent, cases[c][2]);
		uint32_t all = cases[c][0] + cases[c][1] + cases[c][2];
		assert_int_equal(na->n, all);
		assert_int_equal(nb->n, all);
		if (c == 1) /* one difference among 1000: a few hundred bytes, not 48 per id */
			assert_true(r.a.recon_bytes < 4000);
		two_free(na, nb);
	}
	/* Garbage where the responder's first answer should be. */
	tnode *na, *nb;
	two_nodes(&na, &nb, 100, 5, 5);
	pair p;
	t_start(&p, na, nb, (const uint8_t(*)[16])s, 1, (const uint8_t(*)[16])s, 1);
	restart_side(&p, 0, na, (const uint8_t(*)[16])s, SZ_RECON_NEGENTROPY);
	deliver(p.a, p.b);
	deliver(p.b, p.a);
	deliver(p.a, p.b); /* B answers HELLO and sends its first Negentropy message */
	assert_true(p.b->neg_wait);
	/* The answer B gets, under A's next nonce: a range whose id prefix is cut short. */
	static const uint8_t junk[] = { 0x61, 0x00, 0x07, 0xff };
	sz_buf fr = { 0 };
	sz_frame_put(&fr, SZ_FR_NEG, junk, sizeof junk);
	uint8_t msg[SZ_NOISE_MAX_MSG + 2];
	size_t mlen;
	assert_int_equal(sz_noise_encrypt(p.a->tx, fr.p, fr.len, msg + 2, sizeof msg - 2, &mlen),
	    SZ_OK);
	msg[0] = (uint8_t)(mlen >> 8);
	msg[1] = (uint8_t)mlen;
	assert_int_not_equal(sz_sync_input(p.b, msg, mlen + 2), SZ_OK);
	assert_int_equal(sz_sync_get_status(p.b), SZ_SYNC_FAILED);
	assert_int_equal(sz_sync_error(p.b), SZ_ERR_TRUNCATED); /* Negentropy's parser said so */
	assert_int_equal(nb->n, 105);
	sz_buf_free(&fr);
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
		cmocka_unit_test(test_lent_sketch),
		cmocka_unit_test(test_salted_audit),
		cmocka_unit_test(test_salted_retry),
		cmocka_unit_test(test_compact),
		cmocka_unit_test(test_compact_retry),
		cmocka_unit_test(test_odd_layouts),
		cmocka_unit_test(test_negentropy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
