/*
 * riblt_wire_test.c - unit tests of samizdat's Rateless IBLT sessions (recon/riblt_wire.c):
 * whole sessions for many (N, d), salted keys, and every way a hostile peer can bend a message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "lib/bytes.h"
#include "lib/env.h"
#include "recon/riblt.h"
#include "recon/riblt_wire.h"

#define W SZ_RIBLT_ID_SYMBOL_BYTES

static uint8_t key[SZ_RIBLT_KEY_BYTES];
static const uint8_t secret[SZ_RIBLT_SCOPE_SECRET_BYTES] = { 's', 'c', 'o', 'p', 'e' };

static int
setup(void **state)
{
	(void)state;
	if (sz_init() != SZ_OK)
		return -1;
	return sz_riblt_scope_key(key, secret, NULL) == SZ_OK ? 0 : -1;
}

/* Two sketches: common ids in both, da only in a, db only in b.  The ids only in a / only in b
 * are written to oa / ob (W-byte symbols) when not NULL. */
static void
make_sets(sz_riblt_sketch **a, sz_riblt_sketch **b, const uint8_t k[SZ_RIBLT_KEY_BYTES],
    size_t common, size_t da, size_t db, uint64_t seed, uint8_t *oa, uint8_t *ob)
{
	sz_env_seeded env;
	sz_env_seeded_init(&env, seed, 0);
	assert_int_equal(sz_riblt_sketch_new(a, W, k, SZ_RIBLT_DEFAULT_CELLS / 8), SZ_OK);
	assert_int_equal(sz_riblt_sketch_new(b, W, k, SZ_RIBLT_DEFAULT_CELLS / 8), SZ_OK);
	for (size_t i = 0; i < common + da + db; i++) {
		uint8_t id[SZ_ID_BYTES], sym[W];
		sz_random(&env.env, id, sizeof(id));
		sz_riblt_id_symbol(sym, id);
		if (i < common || i < common + da)
			assert_int_equal(sz_riblt_sketch_add(*a, sym), SZ_OK);
		if (i < common || i >= common + da)
			assert_int_equal(sz_riblt_sketch_add(*b, sym), SZ_OK);
		if (i >= common && i < common + da && oa != NULL)
			memcpy(oa + (i - common) * W, sym, W);
		if (i >= common + da && ob != NULL)
			memcpy(ob + (i - common - da) * W, sym, W);
	}
}

static int
cmpw(const void *x, const void *y)
{
	return memcmp(x, y, W);
}

typedef struct result {
	int rts;
	size_t bytes;
	int err;
} result;

/* Run a whole session: a sends, b receives; check both sides learn exactly the difference. */
static result
session(sz_riblt_sketch *a, sz_riblt_sketch *b, const uint8_t *salt, bool check32,
    const uint8_t *oa, size_t da, const uint8_t *ob, size_t db)
{
	result res = { 0, 0, 0 };
	sz_riblt_sender *s = NULL;
	sz_riblt_receiver *r = NULL;
	assert_int_equal(sz_riblt_sender_new(&s, a, salt, SZ_RIBLT_FIRST_BATCH, SZ_RIBLT_EST_BYTES,
	    1 << 16), SZ_OK);
	if (check32)
		assert_int_equal(sz_riblt_sender_check32(s), SZ_OK);
	assert_int_equal(sz_riblt_receiver_new(&r, b, salt, 1 << 16), SZ_OK);
	sz_buf msg = { 0 };
	assert_int_equal(sz_riblt_sender_hello(s, &msg), SZ_OK);
	bool sdone = false;
	while (!sdone && res.rts < 20) {
		sz_buf rep = { 0 };
		bool rdone;
		res.bytes += msg.len;
		res.err = sz_riblt_receiver_recv(r, msg.p, msg.len, &rep, &rdone);
		sz_buf_free(&msg);
		if (res.err != SZ_OK) {
			sz_buf_free(&rep);
			break;
		}
		res.bytes += rep.len;
		res.rts++;
		res.err = sz_riblt_sender_recv(s, rep.p, rep.len, &msg, &sdone);
		sz_buf_free(&rep);
		assert_int_equal(res.err, SZ_OK);
		assert_int_equal(rdone, sdone);
	}
	sz_buf_free(&msg);
	if (res.err == SZ_OK) {
		/* The receiver knows both sides of the difference... */
		const sz_riblt_decoder *d = sz_riblt_receiver_decoder(r);
		size_t n = sz_riblt_decoder_count(d), na = 0, nb = 0;
		assert_int_equal(n, da + db);
		uint8_t *ga = calloc(da + 1, W), *gb = calloc(db + 1, W);
		for (size_t j = 0; j < n; j++) {
			uint64_t h;
			int side;
			const uint8_t *sym = sz_riblt_decoder_item(d, j, &h, &side);
			memcpy(side > 0 ? ga + na++ * W : gb + nb++ * W, sym, W);
		}
		assert_int_equal(na, da);
		assert_int_equal(nb, db);
		qsort(ga, da, W, cmpw);
		qsort(gb, db, W, cmpw);
		assert_memory_equal(ga, oa, da * W);
		assert_memory_equal(gb, ob, db * W);
		/* ...and the sender resolves the wants to exactly the ids only it holds. */
		assert_int_equal(sz_riblt_sender_nwants(s), da);
		memset(ga, 0, (da + 1) * W);
		size_t wl = sz_riblt_want_len(W);
		for (size_t j = 0; j < da; j++) {
			const uint8_t *want = sz_riblt_sender_want(s, j), *found = NULL;
			size_t k = 0;
			for (size_t i = 0; i < sz_riblt_sketch_size(a); i++)
				if (memcmp(sz_riblt_sketch_item(a, i), want, wl) == 0) {
					found = sz_riblt_sketch_item(a, i);
					k++;
				}
			assert_int_equal(k, 1);
			memcpy(ga + j * W, found, W);
		}
		qsort(ga, da, W, cmpw);
		assert_memory_equal(ga, oa, da * W);
		free(ga);
		free(gb);
	}
	sz_riblt_sender_free(s);
	sz_riblt_receiver_free(r);
	return res;
}

static result
session_case(size_t common, size_t da, size_t db, uint64_t seed)
{
	sz_riblt_sketch *a, *b;
	uint8_t *oa = calloc(da + 1, W), *ob = calloc(db + 1, W);
	make_sets(&a, &b, key, common, da, db, seed, oa, ob);
	qsort(oa, da, W, cmpw);
	qsort(ob, db, W, cmpw);
	result res = session(a, b, NULL, false, oa, da, ob, db);
	assert_int_equal(res.err, SZ_OK);
	sz_riblt_sketch_free(a);
	sz_riblt_sketch_free(b);
	free(oa);
	free(ob);
	return res;
}

static void
test_sessions(void **state)
{
	(void)state;
	const size_t ns[] = { 0, 10, 3000 };
	const size_t ds[] = { 0, 1, 2, 20, 200 };
	uint64_t seed = 1;
	for (size_t i = 0; i < 3; i++) {
		for (size_t j = 0; j < 5; j++) {
			size_t d = ds[j];
			result r1 = session_case(ns[i], d, 0, seed++);
			result r2 = session_case(ns[i], 0, d, seed++);
			result r3 = session_case(ns[i], d - d / 2, d / 2, seed++);
			if (d <= 2) {
				/* Small differences settle in the first round trip. */
				assert_int_equal(r1.rts, 1);
				assert_int_equal(r2.rts, 1);
				assert_int_equal(r3.rts, 1);
			}
			if (d >= 20) {
				/* Within the budget: 2 * 32 * d + 1 KiB. */
				assert_true(r3.bytes <= 64 * d + 1024);
				assert_true(r3.rts <= 3);
			}
		}
	}
}

static void
test_scope_key(void **state)
{
	(void)state;
	uint8_t k1[SZ_RIBLT_KEY_BYTES], k2[SZ_RIBLT_KEY_BYTES], k3[SZ_RIBLT_KEY_BYTES];
	uint8_t salt[SZ_RIBLT_SALT_BYTES] = { 9 };
	assert_int_equal(sz_riblt_scope_key(k1, secret, NULL), SZ_OK);
	assert_memory_equal(k1, key, sizeof(k1));
	assert_int_equal(sz_riblt_scope_key(k2, secret, salt), SZ_OK);
	assert_memory_not_equal(k1, k2, sizeof(k1));
	/* Tampered secret: another key. */
	uint8_t other[SZ_RIBLT_SCOPE_SECRET_BYTES];
	memcpy(other, secret, sizeof(other));
	other[31] ^= 0x80;
	assert_int_equal(sz_riblt_scope_key(k3, other, NULL), SZ_OK);
	assert_memory_not_equal(k1, k3, sizeof(k1));
	/* The id's symbol is its prefix. */
	uint8_t id[SZ_ID_BYTES], sym[W];
	for (int i = 0; i < SZ_ID_BYTES; i++)
		id[i] = (uint8_t)i;
	sz_riblt_id_symbol(sym, id);
	assert_memory_equal(sym, id, W);
}

/* HELLO m peeks as salted with salt, check32 as given, nset ids of width W. */
static void
peek_salted(const sz_buf *m, const uint8_t *salt, bool check32, uint64_t nset)
{
	size_t width;
	bool salted, c32;
	uint64_t n;
	uint8_t got[SZ_RIBLT_SALT_BYTES];
	assert_int_equal(sz_riblt_hello_peek(m->p, m->len, &width, &salted, &c32, got, &n), SZ_OK);
	assert_int_equal(width, W);
	assert_int_equal(n, nset);
	assert_true(salted);
	assert_int_equal(c32, check32);
	assert_memory_equal(got, salt, SZ_RIBLT_SALT_BYTES);
}

/* A receiver over b expecting salt refuses HELLO m with err, answering nothing. */
static void
refused(sz_riblt_sketch *b, const uint8_t *salt, const sz_buf *m, int err)
{
	sz_riblt_receiver *r;
	sz_buf rep = { 0 };
	bool done;
	assert_int_equal(sz_riblt_receiver_new(&r, b, salt, 100), SZ_OK);
	assert_int_equal(sz_riblt_receiver_recv(r, m->p, m->len, &rep, &done), err);
	assert_int_equal(rep.len, 0);
	assert_false(done);
	sz_riblt_receiver_free(r);
	sz_buf_free(&rep);
}

static void
test_salted_session(void **state)
{
	(void)state;
	uint8_t salt[SZ_RIBLT_SALT_BYTES] = { 1, 2, 3 }, sk[SZ_RIBLT_KEY_BYTES];
	assert_int_equal(sz_riblt_scope_key(sk, secret, salt), SZ_OK);
	sz_riblt_sketch *a, *b;
	uint8_t oa[5 * W], ob[4 * W];
	make_sets(&a, &b, sk, 100, 5, 4, 77, oa, ob);
	qsort(oa, 5, W, cmpw);
	qsort(ob, 4, W, cmpw);
	/* The receiver peeks the salt from HELLO. */
	sz_riblt_sender *s;
	assert_int_equal(sz_riblt_sender_new(&s, a, salt, 8, 16, 100), SZ_OK);
	sz_buf hello = { 0 };
	assert_int_equal(sz_riblt_sender_hello(s, &hello), SZ_OK);
	peek_salted(&hello, salt, false, 105);
	/* A receiver built for another salt, or for none, refuses. */
	uint8_t wrong[SZ_RIBLT_SALT_BYTES] = { 1, 2, 4 };
	refused(b, wrong, &hello, SZ_ERR_STATE);
	refused(b, NULL, &hello, SZ_ERR_STATE);
	sz_buf_free(&hello);
	sz_riblt_sender_free(s);
	/* The right salt works end to end. */
	result res = session(a, b, salt, false, oa, 5, ob, 4);
	assert_int_equal(res.err, SZ_OK);
	sz_riblt_sketch_free(a);
	sz_riblt_sketch_free(b);
}

/* 32-bit checks (flag CHECK32): the same differences settle, each coded symbol is 4 bytes
 * shorter, an unsalted sender cannot use them, and a HELLO claiming them without a salt is
 * refused. */
static void
test_check32_session(void **state)
{
	(void)state;
	uint8_t salt[SZ_RIBLT_SALT_BYTES] = { 9, 8, 7 }, sk[SZ_RIBLT_KEY_BYTES];
	assert_int_equal(sz_riblt_scope_key(sk, secret, salt), SZ_OK);
	static const size_t cases[][3] = { { 1000, 1, 1 }, { 1000, 10, 10 }, { 500, 100, 100 },
		{ 200, 0, 300 }, { 3000, 700, 600 } };
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		size_t common = cases[c][0], da = cases[c][1], db = cases[c][2];
		sz_riblt_sketch *a, *b;
		uint8_t *oa = calloc(da + 1, W), *ob = calloc(db + 1, W);
		make_sets(&a, &b, sk, common, da, db, 300 + c, oa, ob);
		qsort(oa, da, W, cmpw);
		qsort(ob, db, W, cmpw);
		result r64 = session(a, b, salt, false, oa, da, ob, db);
		result r32 = session(a, b, salt, true, oa, da, ob, db);
		assert_int_equal(r64.err, SZ_OK);
		assert_int_equal(r32.err, SZ_OK);
		/* The same cells went (same sketches, same requests), 4 bytes fewer each. */
		assert_int_equal(r32.rts, r64.rts);
		assert_true(r32.bytes < r64.bytes);
		assert_int_equal((r64.bytes - r32.bytes) % 4, 0);
		sz_riblt_sketch_free(a);
		sz_riblt_sketch_free(b);
		free(oa);
		free(ob);
	}
	/* Only a salted sender, and only before HELLO. */
	sz_riblt_sketch *a, *b;
	make_sets(&a, &b, sk, 50, 3, 3, 42, NULL, NULL);
	sz_riblt_sender *s;
	assert_int_equal(sz_riblt_sender_new(&s, a, NULL, 8, 16, 100), SZ_OK);
	assert_int_equal(sz_riblt_sender_check32(s), SZ_ERR_INVALID);
	sz_riblt_sender_free(s);
	assert_int_equal(sz_riblt_sender_new(&s, a, salt, 8, 16, 100), SZ_OK);
	assert_int_equal(sz_riblt_sender_check32(s), SZ_OK);
	sz_buf hello = { 0 };
	assert_int_equal(sz_riblt_sender_hello(s, &hello), SZ_OK);
	assert_int_equal(sz_riblt_sender_check32(s), SZ_ERR_INVALID);
	assert_int_equal(hello.p[3], SZ_RIBLT_FLAG_SALTED | SZ_RIBLT_FLAG_CHECK32);
	peek_salted(&hello, salt, true, 53);
	/* Tampered: the CHECK32 flag without the salt (the salt's bytes cut out). */
	sz_buf bad = { 0 };
	sz_buf_append(&bad, hello.p, 3);
	sz_buf_u8(&bad, SZ_RIBLT_FLAG_CHECK32);
	sz_buf_append(&bad, hello.p + 4 + SZ_RIBLT_SALT_BYTES, hello.len - 4 - SZ_RIBLT_SALT_BYTES);
	size_t width;
	bool salted, check32;
	uint64_t nset;
	uint8_t got[SZ_RIBLT_SALT_BYTES];
	assert_int_equal(sz_riblt_hello_peek(bad.p, bad.len, &width, &salted, &check32, got, &nset),
	    SZ_ERR_MALFORMED);
	refused(b, NULL, &bad, SZ_ERR_MALFORMED);
	refused(b, salt, &bad, SZ_ERR_MALFORMED);
	sz_riblt_receiver *r;
	sz_buf rep = { 0 };
	bool done;
	/* A HELLO of 64 coded symbols settles these 6 differences at once; with one bit of cell 0's
	 * 32-bit check flipped it must not: the receiver asks for more or fails, never reports a
	 * difference. */
	sz_riblt_sender *s64;
	sz_buf h64 = { 0 };
	assert_int_equal(sz_riblt_sender_new(&s64, a, salt, 64, 0, 200), SZ_OK);
	assert_int_equal(sz_riblt_sender_check32(s64), SZ_OK);
	assert_int_equal(sz_riblt_sender_hello(s64, &h64), SZ_OK);
	assert_int_equal(sz_riblt_receiver_new(&r, b, salt, 200), SZ_OK);
	assert_int_equal(sz_riblt_receiver_recv(r, h64.p, h64.len, &rep, &done), SZ_OK);
	assert_true(done);
	assert_int_equal(sz_riblt_decoder_count(sz_riblt_receiver_decoder(r)), 6);
	sz_riblt_receiver_free(r);
	sz_buf_free(&rep);
	/* header (flags, salt), nset 53, e 0, start 0, n 64, then 64 cells of sum, 32-bit check
	 * and a one-byte count (every count is at most 53).  One bit of each cell's check flipped
	 * in turn, the pure cells among them included: never a difference reported. */
	size_t hdr = 4 + SZ_RIBLT_SALT_BYTES + 1 + 1 + 1 + 1, cell = W + 4 + 1;
	assert_int_equal(h64.len, hdr + 64 * cell);
	for (size_t c = 0; c < 64; c++) {
		size_t at = hdr + c * cell + W, bit = (c * 5) % 32;
		h64.p[at + bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(sz_riblt_receiver_new(&r, b, salt, 200), SZ_OK);
		int e = sz_riblt_receiver_recv(r, h64.p, h64.len, &rep, &done);
		assert_false(done);
		assert_true(e != SZ_OK || (rep.len > 0 && rep.p[0] == SZ_RIBLT_MSG_MORE));
		sz_riblt_receiver_free(r);
		sz_buf_free(&rep);
		h64.p[at + bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	sz_buf_free(&h64);
	sz_riblt_sender_free(s64);
	sz_buf_free(&rep);
	sz_buf_free(&bad);
	sz_buf_free(&hello);
	sz_riblt_sender_free(s);
	sz_riblt_sketch_free(a);
	sz_riblt_sketch_free(b);
}

/* --- hostile messages to the receiver ------------------------------------------------------ */

/* A HELLO from a sketch of 50 ids (first 8 coded symbols, 16 estimator bytes). */
static void
valid_hello(sz_riblt_sketch **a, sz_riblt_sketch **b, sz_buf *hello)
{
	make_sets(a, b, key, 40, 10, 3, 5, NULL, NULL);
	sz_riblt_sender *s;
	assert_int_equal(sz_riblt_sender_new(&s, *a, NULL, 8, 16, 1000), SZ_OK);
	assert_int_equal(sz_riblt_sender_hello(s, hello), SZ_OK);
	sz_riblt_sender_free(s);
}

static int
feed(sz_riblt_sketch *b, const uint8_t *msg, size_t len, sz_buf *rep)
{
	sz_riblt_receiver *r;
	assert_int_equal(sz_riblt_receiver_new(&r, b, NULL, 1000), SZ_OK);
	bool done;
	int err = sz_riblt_receiver_recv(r, msg, len, rep, &done);
	sz_riblt_receiver_free(r);
	return err;
}

static void
test_receiver_rejects_bad_hello(void **state)
{
	(void)state;
	sz_riblt_sketch *a, *b;
	sz_buf h = { 0 }, rep = { 0 };
	valid_hello(&a, &b, &h);
	assert_int_equal(feed(b, h.p, h.len, &rep), SZ_OK);
	assert_true(rep.len > 0);
	sz_buf_free(&rep);
	/* Every truncation fails, and nothing is answered. */
	for (size_t n = 0; n < h.len; n++) {
		int err = feed(b, h.p, n, &rep);
		assert_true(err == SZ_ERR_TRUNCATED || err == SZ_ERR_MALFORMED);
		assert_int_equal(rep.len, 0);
	}
	uint8_t *m = malloc(h.len + 1);
	/* Trailing byte. */
	memcpy(m, h.p, h.len);
	m[h.len] = 0;
	assert_int_equal(feed(b, m, h.len + 1, &rep), SZ_ERR_MALFORMED);
	/* Version, width, flags. */
	memcpy(m, h.p, h.len);
	m[1] = 2;
	assert_int_equal(feed(b, m, h.len, &rep), SZ_ERR_UNSUPPORTED);
	m[1] = 1;
	m[2] = W + 1;
	assert_int_equal(feed(b, m, h.len, &rep), SZ_ERR_UNSUPPORTED);
	m[2] = 0;
	assert_int_equal(feed(b, m, h.len, &rep), SZ_ERR_MALFORMED);
	m[2] = W;
	m[3] = 2;
	assert_int_equal(feed(b, m, h.len, &rep), SZ_ERR_MALFORMED);
	m[3] = 0;
	/* The declared set size disagrees with coded symbol 0's count. */
	assert_int_equal(m[4], 50);
	m[4] = 51;
	assert_int_equal(feed(b, m, h.len, &rep), SZ_ERR_MALFORMED);
	m[4] = 50;
	/* Tampered: one bit of coded symbol 3's count, or of an estimator byte. */
	size_t cell = 4 + 1 + 1 + 1 + 1; /* type ver width flags, n, e, start, count */
	size_t c3 = cell + 3 * (W + 8 + 1) + W + 8;
	memcpy(m, h.p, h.len);
	m[c3] ^= 0x40; /* a count above the set size */
	assert_int_equal(feed(b, m, h.len, &rep), SZ_ERR_MALFORMED);
	assert_int_equal(rep.len, 0);
	sz_buf_free(&h);
	free(m);
	/* Non-canonical and oversized varints; a set size past the bound; too many estimator bytes. */
	const uint8_t noncanon[] = { 1, 1, W, 0, 0x80, 0x01, 0, 0, 1 };
	assert_int_equal(feed(b, noncanon, sizeof(noncanon), &rep), SZ_ERR_NONCANONICAL);
	const uint8_t huge_set[] = { 1, 1, W, 0, 0x82, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01 };
	assert_int_equal(feed(b, huge_set, sizeof(huge_set), &rep), SZ_ERR_TOO_LARGE);
	const uint8_t huge_est[] = { 1, 1, W, 0, 0, 0xa0, 0x01 };
	assert_int_equal(feed(b, huge_est, sizeof(huge_est), &rep), SZ_ERR_TOO_LARGE);
	const uint8_t zero_cells[] = { 1, 1, W, 0, 0, 0, 0, 0 };
	assert_int_equal(feed(b, zero_cells, sizeof(zero_cells), &rep), SZ_ERR_MALFORMED);
	const uint8_t bad_start[] = { 1, 1, W, 0, 0, 0, 1, 1 };
	assert_int_equal(feed(b, bad_start, sizeof(bad_start), &rep), SZ_ERR_MALFORMED);
	const uint8_t unknown[] = { 9 };
	assert_int_equal(feed(b, unknown, 1, &rep), SZ_ERR_PEER);
	assert_int_equal(feed(b, unknown, 0, &rep), SZ_ERR_TRUNCATED);
	const uint8_t cells_first[] = { 2, 0, 1 };
	assert_int_equal(feed(b, cells_first, sizeof(cells_first), &rep), SZ_ERR_PEER);
	assert_int_equal(rep.len, 0);
	sz_riblt_sketch_free(a);
	sz_riblt_sketch_free(b);
}

static void
test_receiver_rejects_bad_cells(void **state)
{
	(void)state;
	sz_riblt_sketch *a, *b;
	make_sets(&a, &b, key, 200, 60, 60, 9, NULL, NULL);
	sz_riblt_sender *s;
	sz_riblt_receiver *r;
	sz_buf h = { 0 }, rep = { 0 }, cells = { 0 };
	bool done;
	assert_int_equal(sz_riblt_sender_new(&s, a, NULL, 8, 64, 5000), SZ_OK);
	assert_int_equal(sz_riblt_sender_hello(s, &h), SZ_OK);
	assert_int_equal(sz_riblt_receiver_new(&r, b, NULL, 5000), SZ_OK);
	assert_int_equal(sz_riblt_receiver_recv(r, h.p, h.len, &rep, &done), SZ_OK);
	assert_false(done);
	assert_int_equal(rep.p[0], SZ_RIBLT_MSG_MORE);
	assert_int_equal(sz_riblt_sender_recv(s, rep.p, rep.len, &cells, &done), SZ_OK);
	assert_int_equal(cells.p[0], SZ_RIBLT_MSG_CELLS);
	/* A batch that starts elsewhere, one longer than asked, one whose count contradicts the
	 * estimator byte: each ends the session (a fresh receiver for each). */
	uint8_t *m = malloc(cells.len);
	for (int k = 0; k < 3; k++) {
		sz_riblt_receiver *r2;
		sz_buf x = { 0 };
		assert_int_equal(sz_riblt_receiver_new(&r2, b, NULL, 5000), SZ_OK);
		assert_int_equal(sz_riblt_receiver_recv(r2, h.p, h.len, &x, &done), SZ_OK);
		sz_buf_free(&x);
		memcpy(m, cells.p, cells.len);
		if (k == 0)
			m[1] = 9; /* start 9 instead of 8 */
		else if (k == 1)
			m[m[2] & 0x80 ? 3 : 2] += 1; /* hmm: n is a varint; bump its last byte */
		else
			m[3 + (m[2] & 0x80 ? 1 : 0) + W + 8] ^= 1; /* first count's low bit */
		int err = sz_riblt_receiver_recv(r2, m, cells.len, &x, &done);
		assert_true(err == SZ_ERR_MALFORMED || err == SZ_ERR_TRUNCATED);
		assert_int_equal(x.len, 0);
		/* The session is over. */
		assert_int_equal(sz_riblt_receiver_recv(r2, cells.p, cells.len, &x, &done),
		    SZ_ERR_STATE);
		sz_riblt_receiver_free(r2);
	}
	free(m);
	/* The honest batch decodes. */
	sz_buf_free(&rep);
	assert_int_equal(sz_riblt_receiver_recv(r, cells.p, cells.len, &rep, &done), SZ_OK);
	assert_true(done || rep.p[0] == SZ_RIBLT_MSG_MORE);
	/* HELLO out of turn ends a session (here one that is over anyway, or waiting for CELLS). */
	sz_buf rep2 = { 0 };
	bool was_done = done;
	int err = sz_riblt_receiver_recv(r, h.p, h.len, &rep2, &done);
	assert_true(err == (was_done ? SZ_ERR_STATE : SZ_ERR_PEER));
	assert_int_equal(sz_riblt_receiver_recv(r, cells.p, cells.len, &rep2, &done), SZ_ERR_STATE);
	assert_int_equal(rep2.len, 0);
	sz_buf_free(&h);
	sz_buf_free(&rep);
	sz_buf_free(&rep2);
	sz_buf_free(&cells);
	sz_riblt_sender_free(s);
	sz_riblt_receiver_free(r);
	sz_riblt_sketch_free(a);
	sz_riblt_sketch_free(b);
}

static void
test_receiver_endless_garbage(void **state)
{
	(void)state;
	/* A hostile sender streams random coded symbols forever: the receiver answers MORE until
	 * its bound, then FAIL with SZ_ERR_LIMIT, and refuses anything after. */
	sz_env_seeded env;
	sz_env_seeded_init(&env, 11, 0);
	sz_riblt_sketch *b;
	assert_int_equal(sz_riblt_sketch_new(&b, W, key, 64), SZ_OK);
	sz_riblt_receiver *r;
	assert_int_equal(sz_riblt_receiver_new(&r, b, NULL, 700), SZ_OK);
	size_t next = 0, asked = 4;
	int err = SZ_OK;
	bool done = false;
	int rounds = 0;
	sz_buf rep = { 0 };
	for (; err == SZ_OK && rounds < 100; rounds++) {
		sz_buf m = { 0 };
		if (next == 0) {
			const uint8_t head[] = { 1, 1, W, 0, 3, 0 };
			sz_buf_append(&m, head, sizeof(head));
		} else {
			sz_buf_u8(&m, SZ_RIBLT_MSG_CELLS);
		}
		sz_buf_varint(&m, next);
		sz_buf_varint(&m, asked);
		for (size_t i = 0; i < asked; i++) {
			uint8_t sum[W];
			uint64_t h;
			sz_random(&env.env, sum, W);
			sz_random(&env.env, &h, sizeof(h));
			sz_buf_append(&m, sum, W);
			sz_buf_u64(&m, h);
			sz_buf_varint(&m, next + i == 0 ? 3 : sz_random_uniform(&env.env, 4));
		}
		next += asked;
		sz_buf_free(&rep);
		err = sz_riblt_receiver_recv(r, m.p, m.len, &rep, &done);
		sz_buf_free(&m);
		if (err == SZ_OK) {
			assert_false(done);
			assert_int_equal(rep.p[0], SZ_RIBLT_MSG_MORE);
			sz_rd rd = sz_rd_init(rep.p + 1, rep.len - 1);
			asked = (size_t)sz_rd_varint(&rd);
			assert_true(asked >= 1);
		}
	}
	assert_int_equal(err, SZ_ERR_LIMIT);
	assert_true(rounds < 100);
	assert_int_equal(rep.len, 2);
	assert_int_equal(rep.p[0], SZ_RIBLT_MSG_FAIL);
	assert_int_equal(rep.p[1], SZ_RIBLT_FAIL_LIMIT);
	sz_buf more = { 0 };
	const uint8_t cells[] = { 2, 0x85, 0x3c, 1 };
	assert_int_equal(sz_riblt_receiver_recv(r, cells, sizeof(cells), &more, &done), SZ_ERR_STATE);
	sz_buf_free(&rep);
	sz_riblt_receiver_free(r);
	sz_riblt_sketch_free(b);
}

static void
test_tampered_stream_never_done(void **state)
{
	(void)state;
	/* One flipped bit in a coded symbol's sum: the session must fail, never report a wrong
	 * difference. */
	sz_riblt_sketch *a, *b;
	make_sets(&a, &b, key, 100, 6, 6, 13, NULL, NULL); /* counts < 128: one-byte varints */
	sz_riblt_sender *s;
	sz_riblt_receiver *r;
	assert_int_equal(sz_riblt_sender_new(&s, a, NULL, 40, 0, 3000), SZ_OK);
	assert_int_equal(sz_riblt_receiver_new(&r, b, NULL, 3000), SZ_OK);
	sz_buf msg = { 0 };
	assert_int_equal(sz_riblt_sender_hello(s, &msg), SZ_OK);
	/* type version width flags | n | e | start | count | cells of W + 8 + 1 bytes */
	msg.p[8 + 5 * (W + 8 + 1) + 3] ^= 0x04; /* inside coded symbol 5's sum */
	int err = SZ_OK;
	bool done = false;
	for (int round = 0; round < 50 && err == SZ_OK && !done; round++) {
		sz_buf rep = { 0 };
		err = sz_riblt_receiver_recv(r, msg.p, msg.len, &rep, &done);
		sz_buf_free(&msg);
		if (err == SZ_OK && !done) {
			bool sd;
			assert_int_equal(sz_riblt_sender_recv(s, rep.p, rep.len, &msg, &sd), SZ_OK);
		}
		sz_buf_free(&rep);
	}
	sz_buf_free(&msg);
	assert_false(done);
	assert_true(err == SZ_ERR_LIMIT || err == SZ_ERR_DECODE);
	sz_riblt_sender_free(s);
	sz_riblt_receiver_free(r);
	sz_riblt_sketch_free(a);
	sz_riblt_sketch_free(b);
}

/* --- hostile replies to the sender --------------------------------------------------------- */

static void
test_sender_rejects_bad_replies(void **state)
{
	(void)state;
	sz_riblt_sketch *a, *b;
	make_sets(&a, &b, key, 30, 5, 5, 17, NULL, NULL);
	sz_riblt_sender *s;
	sz_buf out = { 0 };
	bool done;
	assert_int_equal(sz_riblt_sender_new(&s, a, NULL, 0, 0, 10), SZ_ERR_INVALID);
	assert_int_equal(sz_riblt_sender_new(&s, a, NULL, 8, 4, 10), SZ_ERR_INVALID);
	assert_int_equal(sz_riblt_sender_new(&s, a, NULL, 4, 4, 20), SZ_OK);
	const uint8_t more1[] = { 3, 1 };
	assert_int_equal(sz_riblt_sender_recv(s, more1, 2, &out, &done), SZ_ERR_STATE);
	assert_int_equal(sz_riblt_sender_hello(s, &out), SZ_OK);
	assert_int_equal(sz_riblt_sender_hello(s, &out), SZ_ERR_STATE);
	sz_buf_free(&out);
	const uint8_t more0[] = { 3, 0 };
	assert_int_equal(sz_riblt_sender_recv(s, more0, 2, &out, &done), SZ_ERR_MALFORMED);
	const uint8_t more_huge[] = { 3, 0x84, 0x80, 0x01 }; /* 65537 */
	assert_int_equal(sz_riblt_sender_recv(s, more_huge, 4, &out, &done), SZ_ERR_MALFORMED);
	const uint8_t more_trail[] = { 3, 1, 0 };
	assert_int_equal(sz_riblt_sender_recv(s, more_trail, 3, &out, &done), SZ_ERR_MALFORMED);
	/* MORE past max_cells is clamped, then refused. */
	const uint8_t more50[] = { 3, 50 };
	assert_int_equal(sz_riblt_sender_recv(s, more50, 2, &out, &done), SZ_OK);
	assert_int_equal(sz_riblt_sender_sent(s), 20);
	sz_buf_free(&out);
	assert_int_equal(sz_riblt_sender_recv(s, more1, 2, &out, &done), SZ_ERR_LIMIT);
	/* DONE claiming more items than coded symbols sent, or of the wrong length. */
	uint8_t done_big[2 + 21 * SZ_RIBLT_WANT_BYTES] = { 4, 21 };
	assert_int_equal(sz_riblt_sender_recv(s, done_big, sizeof(done_big), &out, &done),
	    SZ_ERR_MALFORMED);
	const uint8_t done_short[] = { 4, 2, 0, 0, 0, 1, 0, 0, 0 };
	assert_int_equal(sz_riblt_sender_recv(s, done_short, sizeof(done_short), &out, &done),
	    SZ_ERR_MALFORMED);
	const uint8_t unknown[] = { 1 };
	assert_int_equal(sz_riblt_sender_recv(s, unknown, 1, &out, &done), SZ_ERR_PEER);
	assert_int_equal(sz_riblt_sender_recv(s, unknown, 0, &out, &done), SZ_ERR_TRUNCATED);
	/* FAIL ends the session with SZ_ERR_DECODE. */
	const uint8_t failmsg[] = { 5, 1 };
	assert_int_equal(sz_riblt_sender_recv(s, failmsg, 2, &out, &done), SZ_ERR_DECODE);
	assert_int_equal(sz_riblt_sender_recv(s, more1, 2, &out, &done), SZ_ERR_STATE);
	sz_riblt_sender_free(s);
	/* A good DONE. */
	assert_int_equal(sz_riblt_sender_new(&s, a, NULL, 4, 4, 20), SZ_OK);
	assert_int_equal(sz_riblt_sender_hello(s, &out), SZ_OK);
	const uint8_t done4[] = { 4, 1, 0xde, 0xad, 0xbe, 0xef }; /* a 4-byte want: too short */
	assert_int_equal(sz_riblt_sender_recv(s, done4, sizeof(done4), &out, &done), SZ_ERR_MALFORMED);
	sz_riblt_sender_free(s);
	assert_int_equal(sz_riblt_sender_new(&s, a, NULL, 4, 4, 20), SZ_OK);
	assert_int_equal(sz_riblt_sender_hello(s, &out), SZ_OK);
	const uint8_t done1[] = { 4, 1, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4 };
	assert_int_equal(sz_riblt_sender_recv(s, done1, sizeof(done1), &out, &done), SZ_OK);
	assert_true(done);
	assert_int_equal(sz_riblt_sender_nwants(s), 1);
	assert_memory_equal(sz_riblt_sender_want(s, 0), done1 + 2, SZ_RIBLT_WANT_BYTES);
	assert_null(sz_riblt_sender_want(s, 1));
	/* an id's prefix is named by 8 bytes, a compact tag (keyed per session) by 4 */
	assert_int_equal(sz_riblt_want_len(SZ_RIBLT_ID_SYMBOL_BYTES), 8);
	assert_int_equal(sz_riblt_want_len(SZ_RIBLT_TAG_BYTES), 4);
	assert_int_equal(sz_riblt_want_len(2), 2);
	sz_riblt_sender_free(s);
	/* The set changes mid-session: refused. */
	assert_int_equal(sz_riblt_sender_new(&s, a, NULL, 4, 4, 20), SZ_OK);
	sz_buf_free(&out);
	assert_int_equal(sz_riblt_sender_hello(s, &out), SZ_OK);
	uint8_t sym[W] = { 1 };
	assert_int_equal(sz_riblt_sketch_add(a, sym), SZ_OK);
	assert_int_equal(sz_riblt_sender_recv(s, more1, 2, &out, &done), SZ_ERR_STATE);
	sz_riblt_sender_free(s);
	sz_riblt_sender_free(NULL);
	sz_riblt_receiver_free(NULL);
	sz_buf_free(&out);
	sz_riblt_sketch_free(a);
	sz_riblt_sketch_free(b);
}

static void
test_receiver_fail_on_contradiction(void **state)
{
	(void)state;
	/* A stream that says "only the sender has x" while the receiver holds x: FAIL(decode). */
	sz_riblt_sketch *b;
	assert_int_equal(sz_riblt_sketch_new(&b, W, key, 16), SZ_OK);
	uint8_t x[W];
	memset(x, 0x42, W);
	assert_int_equal(sz_riblt_sketch_add(b, x), SZ_OK);
	sz_buf m = { 0 }, rep = { 0 };
	const uint8_t head[] = { 1, 1, W, 0, 2, 0, 0, 1 };
	sz_buf_append(&m, head, sizeof(head));
	uint8_t zero[W] = { 0 };
	sz_buf_append(&m, zero, W); /* x twice: sum 0, hash 0, count 2 */
	sz_buf_u64(&m, 0);
	sz_buf_varint(&m, 2);
	sz_riblt_receiver *r;
	bool done;
	assert_int_equal(sz_riblt_receiver_new(&r, b, NULL, 100), SZ_OK);
	assert_int_equal(sz_riblt_receiver_recv(r, m.p, m.len, &rep, &done), SZ_ERR_DECODE);
	assert_int_equal(rep.len, 2);
	assert_int_equal(rep.p[0], SZ_RIBLT_MSG_FAIL);
	assert_int_equal(rep.p[1], SZ_RIBLT_FAIL_DECODE);
	sz_riblt_receiver_free(r);
	sz_buf_free(&m);
	sz_buf_free(&rep);
	sz_riblt_sketch_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sessions),
		cmocka_unit_test(test_scope_key),
		cmocka_unit_test(test_salted_session),
		cmocka_unit_test(test_check32_session),
		cmocka_unit_test(test_receiver_rejects_bad_hello),
		cmocka_unit_test(test_receiver_rejects_bad_cells),
		cmocka_unit_test(test_receiver_endless_garbage),
		cmocka_unit_test(test_tampered_stream_never_done),
		cmocka_unit_test(test_sender_rejects_bad_replies),
		cmocka_unit_test(test_receiver_fail_on_contradiction),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
