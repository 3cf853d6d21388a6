/*
 * negentropy_test.c - unit tests of Negentropy v1 (recon/negentropy.c, negentropy_storage.c):
 * outside vectors, C<->C round trips over many (N, d) with and without frame limits, and
 * hostile messages that must be refused with the right error.
 *
 * Outside vectors: recorded on 2026-11-26 by running, under node 20.20.2, nostr-tools
 * 2.25.2's nip77 (NegentropyStorageVector.fingerprint, Negentropy.initiate with frameSizeLimit
 * 60000, Negentropy.reconcile) and the reference JavaScript of hoytech/negentropy
 * (js/Negentropy.js at commit 6edb041df742013b1f119c22c10f049e83768399, as responder,
 * frameSizeLimit 0 and 4096).  Ids are SHA-256("samizdat-negentropy-<tag>-<i>").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "lib/bytes.h"
#include "recon/negentropy.h"

/* --- helpers --------------------------------------------------------------------------------- */

static uint64_t
rng_next(uint64_t *s)
{
	/* splitmix64 */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void
tagged_id(uint8_t id[32], const char *tag, int i)
{
	char s[64];
	int n = snprintf(s, sizeof(s), "samizdat-negentropy-%s-%d", tag, i);
	assert_true(n > 0 && (size_t)n < sizeof(s));
	assert_int_equal(sz_hash(SZ_HASH_SHA256, id, (const uint8_t *)s, (size_t)n), SZ_OK);
}

static void
hex_to(uint8_t **out, size_t *n, const char *hex)
{
	assert_int_equal(sz_hex_decode_alloc(hex, out, n), SZ_OK);
}

static sz_neg_storage *
sealed(const sz_neg_item *items, size_t n)
{
	sz_neg_storage *s = NULL;
	assert_int_equal(sz_neg_storage_new(&s, 0), SZ_OK);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(sz_neg_storage_insert(s, items[i].ts, items[i].id), SZ_OK);
	assert_int_equal(sz_neg_storage_seal(s), SZ_OK);
	return s;
}

static void
assert_fp(const sz_neg_item *items, size_t n, const char *want_hex)
{
	sz_neg_storage *s = sealed(items, n);
	uint8_t fp[16], want[16];
	assert_int_equal(sz_hex_decode(want, 16, want_hex, strlen(want_hex)), SZ_OK);
	assert_int_equal(sz_neg_storage_fingerprint(s, 0, n, fp), SZ_OK);
	assert_memory_equal(fp, want, 16);
	sz_neg_storage_free(s);
}

/* --- outside vectors ------------------------------------------------------------------------- */

static void
test_fingerprint_vectors(void **state)
{
	(void)state;
	sz_neg_item it[3];
	memset(it, 0, sizeof(it));
	assert_fp(it, 0, "7f9c9e31ac8256ca2f258583df262dbc");
	memset(it[0].id, 0x01, 32);
	assert_fp(it, 1, "ce041765675ad4d93378e20bd3a7d0d9");
	/* 0xff..ff + 1 wraps to 0 mod 2^256: the carry crosses every limb. */
	memset(it[0].id, 0xff, 32);
	memset(it[1].id, 0, 32);
	it[1].id[0] = 0x01;
	it[1].ts = 1;
	assert_fp(it, 2, "58cc2f44d3a27866874701fbad573da9");
	for (int i = 0; i < 3; i++) {
		it[i].ts = (uint64_t)i;
		tagged_id(it[i].id, "a", i);
	}
	assert_fp(it, 3, "cf1eea163625c90fad2ea9924dcde01f");
	/* Tampered: one flipped bit in one id must change the fingerprint. */
	sz_neg_storage *s = sealed(it, 3);
	uint8_t good[16], bad[16];
	assert_int_equal(sz_neg_storage_fingerprint(s, 0, 3, good), SZ_OK);
	sz_neg_storage_free(s);
	it[1].id[7] ^= 0x10;
	s = sealed(it, 3);
	assert_int_equal(sz_neg_storage_fingerprint(s, 0, 3, bad), SZ_OK);
	assert_memory_not_equal(good, bad, 16);
	/* Sub-ranges: the prefix sums give the same answer as a fresh storage. */
	uint8_t part[16], fresh[16];
	assert_int_equal(sz_neg_storage_fingerprint(s, 1, 3, part), SZ_OK);
	sz_neg_storage *s2 = sealed(it + 1, 2);
	assert_int_equal(sz_neg_storage_fingerprint(s2, 0, 2, fresh), SZ_OK);
	assert_memory_equal(part, fresh, 16);
	assert_int_equal(sz_neg_storage_fingerprint(s, 2, 1, part), SZ_ERR_INVALID);
	assert_int_equal(sz_neg_storage_fingerprint(s, 0, 4, part), SZ_ERR_INVALID);
	sz_neg_storage_free(s);
	sz_neg_storage_free(s2);
}

static const char VEC_INIT[] =
    "61876a0001cf1eea163625c90fad2ea9924dcde01f0200012161576789351b81e3a70beb80e51e4002000140e6a6"
    "881446560a8b02a49f9aba6a54020001f875e72e88b44e711b99bc23f6a874d80200019653a8c759c8a1a00224e7"
    "8368c3915802000173f35f2d4229aa9c99d750100249453f020001f962dc8d18f4bda45c88f5eacc47bc08020001"
    "62b0409006614fea4f6b0b0c0352a63b0101f501777e83bd0b70b5162d03530646fb6fd10201810128abee18bdb7"
    "8d93754a25ade650de2602000116e6b7d4526493cbbe1886ecdb2c202e0101d0013aa312bf0432a280bc2b10c571"
    "7584340201cb0145c6a0236c1b412595c78f93203f204e020001dc9ce32b0f1c4f3eff2db0709672b0730101ef01"
    "f4a781288e6754fdb09127463e621e220000012b0239f646471ab83a13819172aa06ea";
static const char VEC_REPLY[] =
    "61876a00020402bd9909ad21beb7b89077fe43499082dec63450cd92af434ddbeb8894793c494c6dcd233e37e9cb"
    "0e5664f1e3b465f4cd221327943738a25c0f8b4999040045c2b30870f0bf640dcf4be645c8acd8ce276ea2df929a"
    "9cab1d011fb6ecd6c60cecc02b2b78309731bd8bb6130d8dc41a82d3cb5370ae9725a4434c7ed1a5b83702000202"
    "78561131a2aff4bcc6f22931e326c3f68ba90508bfd7884e9e0566a10269303ed54707bd9e6724a74eedf23b9e1e"
    "09c06e5aa7e608716ce2b58a668999c0e50b02000204246c42719248681de1b26cde607574833e146f2491dea21c"
    "32dbbfdeecf28a252c13e6c270a9fe8a707abe8bf77fe25bee24c1d5b59a0047ff7cdea33b4dcb6f38899a7ea99b"
    "bf9cc772940108f7ce4d9135b138224348c6080df44b4bbc8c429fff319e682a41445ac08dffa3ab23955ed12618"
    "a30a1c20afa24e12758fc7760200000200020411691ae210e0fd713b6908e06cc671cb002a5c3336ff25f8d092db"
    "7a436cf5b734c68bc66310a9033bced9cc851d71c7a31b85c1c281a3b1ac905ae846807b5fa28c8bca076fdef0de"
    "2ea39399ea25379baf3dd0f749f8fd3a31e8a96530ecd0c0d243035b1648abb00d75bcae769618ba7daf47ac68aa"
    "d9ce8694bad2d473a60200020265e793a4c5785f72e6b4f6cdbe1420b0645ec9b42b4a47e17190257a2a1c8f81f0"
    "eea59298af18c4b3536f397098f4da5317fe93163800d55ac4b66f184859c6";

/* A = 40 items, ts 1000 + i/3; B = A without items 5 and 17, plus 3 items "b". */
static void
vector_sets(sz_neg_storage **a, sz_neg_storage **b)
{
	sz_neg_item A[40], B[41];
	size_t nb = 0;
	for (int i = 0; i < 40; i++) {
		A[i].ts = 1000 + (uint64_t)(i / 3);
		tagged_id(A[i].id, "a", i);
		if (i != 5 && i != 17)
			B[nb++] = A[i];
	}
	for (int i = 0; i < 3; i++) {
		B[nb].ts = 1000 + 2 * (uint64_t)i;
		tagged_id(B[nb++].id, "b", i);
	}
	*a = sealed(A, 40);
	*b = sealed(B, nb);
}

static void
test_messages_match_reference(void **state)
{
	(void)state;
	sz_neg_storage *sa, *sb;
	vector_sets(&sa, &sb);
	sz_neg *na = NULL, *nb = NULL;
	sz_neg_config cfg = { .frame_size_limit = 60000 };
	assert_int_equal(sz_neg_new(&na, sa, &cfg), SZ_OK);
	assert_int_equal(sz_neg_new(&nb, sb, NULL), SZ_OK);
	sz_buf m1 = { 0 }, m2 = { 0 }, m3 = { 0 }, have = { 0 }, need = { 0 };
	uint8_t *want;
	size_t wlen;

	assert_int_equal(sz_neg_initiate(na, &m1), SZ_OK);
	hex_to(&want, &wlen, VEC_INIT);
	assert_int_equal(m1.len, wlen);
	assert_memory_equal(m1.p, want, wlen);
	free(want);

	assert_int_equal(sz_neg_respond(nb, m1.p, m1.len, &m2), SZ_OK);
	hex_to(&want, &wlen, VEC_REPLY);
	assert_int_equal(m2.len, wlen);
	assert_memory_equal(m2.p, want, wlen);
	free(want);

	bool done = false;
	assert_int_equal(sz_neg_reconcile(na, m2.p, m2.len, &m3, &have, &need, &done), SZ_OK);
	assert_true(done);
	assert_int_equal(m3.len, 0);
	/* have: A's items 5 and 17; need: the three "b" ids, in the reference's order. */
	uint8_t id[32];
	assert_int_equal(have.len, 64);
	tagged_id(id, "a", 5);
	assert_true(memcmp(have.p, id, 32) == 0 || memcmp(have.p + 32, id, 32) == 0);
	tagged_id(id, "a", 17);
	assert_true(memcmp(have.p, id, 32) == 0 || memcmp(have.p + 32, id, 32) == 0);
	assert_int_equal(need.len, 96);
	const char *need_hex[3] = {
		"02bd9909ad21beb7b89077fe43499082dec63450cd92af434ddbeb8894793c49",
		"38899a7ea99bbf9cc772940108f7ce4d9135b138224348c6080df44b4bbc8c42",
		"a28c8bca076fdef0de2ea39399ea25379baf3dd0f749f8fd3a31e8a96530ecd0",
	};
	for (int i = 0; i < 3; i++) {
		assert_int_equal(sz_hex_decode(id, 32, need_hex[i], 64), SZ_OK);
		assert_memory_equal(need.p + 32 * i, id, 32);
	}
	sz_buf_free(&m1);
	sz_buf_free(&m2);
	sz_buf_free(&m3);
	sz_buf_free(&have);
	sz_buf_free(&need);
	sz_neg_free(na);
	sz_neg_free(nb);
	sz_neg_storage_free(sa);
	sz_neg_storage_free(sb);
}

static void
assert_sha256(const sz_buf *b, const char *want_hex)
{
	uint8_t h[32], want[32];
	assert_int_equal(sz_hash(SZ_HASH_SHA256, h, b->p, b->len), SZ_OK);
	assert_int_equal(sz_hex_decode(want, 32, want_hex, 64), SZ_OK);
	assert_memory_equal(h, want, 32);
}

/* Frame size limit 4096 on both ends: an empty initiator against 200 items "c" (ts 1000 + i/3).
 * The reference JS responder's messages (lengths and SHA-256) and nostr-tools' follow-up. */
static void
test_frame_limit_matches_reference(void **state)
{
	(void)state;
	sz_neg_item items[200];
	for (int i = 0; i < 200; i++) {
		items[i].ts = 1000 + (uint64_t)(i / 3);
		tagged_id(items[i].id, "c", i);
	}
	sz_neg_storage *sb = sealed(items, 200), *sa = sealed(NULL, 0);
	sz_neg_config cfg = { .frame_size_limit = 4096 };
	sz_neg *a = NULL, *b = NULL;
	assert_int_equal(sz_neg_new(&a, sa, &cfg), SZ_OK);
	assert_int_equal(sz_neg_new(&b, sb, &cfg), SZ_OK);
	sz_buf q = { 0 }, r = { 0 }, have = { 0 }, need = { 0 };
	assert_int_equal(sz_neg_initiate(a, &q), SZ_OK);
	assert_int_equal(q.len, 5);
	assert_memory_equal(q.p, "\x61\x00\x00\x02\x00", 5);
	assert_int_equal(sz_neg_respond(b, q.p, q.len, &r), SZ_OK);
	assert_int_equal(r.len, 3961);
	assert_sha256(&r, "cce98f36aff55fb41c88d4214b792f589ee491550ced9d9c2eeac765b6f08316");
	bool done = false;
	assert_int_equal(sz_neg_reconcile(a, r.p, r.len, &q, &have, &need, &done), SZ_OK);
	assert_false(done);
	assert_int_equal(have.len, 0);
	assert_int_equal(need.len, 122 * 32);
	uint8_t *want;
	size_t wlen;
	hex_to(&want, &wlen, "618811205ecfcafec2eb522d3159c8f7f1313a1b0b3b3956198bf6dbcee6734c7a00e4"
	    "7f0000000200");
	assert_int_equal(q.len, wlen);
	assert_memory_equal(q.p, want, wlen);
	free(want);
	assert_int_equal(sz_neg_respond(b, q.p, q.len, &r), SZ_OK);
	assert_int_equal(r.len, 2537);
	assert_sha256(&r, "78bd8febc0d78d8dfb926a517818152b9c8f7dd2c8ff5ab1b4b896f470651e63");
	/* Tampered: one flipped bit anywhere in the message changes the digest compared. */
	r.p[100] ^= 1;
	uint8_t h[32], w[32];
	assert_int_equal(sz_hash(SZ_HASH_SHA256, h, r.p, r.len), SZ_OK);
	assert_int_equal(sz_hex_decode(w, 32,
	    "78bd8febc0d78d8dfb926a517818152b9c8f7dd2c8ff5ab1b4b896f470651e63", 64), SZ_OK);
	assert_memory_not_equal(h, w, 32);
	sz_buf_free(&q);
	sz_buf_free(&r);
	sz_buf_free(&have);
	sz_buf_free(&need);
	sz_neg_free(a);
	sz_neg_free(b);
	sz_neg_storage_free(sa);
	sz_neg_storage_free(sb);
}

/* --- C <-> C round trips --------------------------------------------------------------------- */

static int
id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

/* Sort the ids of b (32 bytes each) and drop repeats; returns the count. */
static size_t
sorted_unique(sz_buf *b)
{
	size_t n = b->len / 32;
	if (n > 1)
		qsort(b->p, n, 32, id_cmp);
	size_t u = 0;
	for (size_t i = 0; i < n; i++) {
		if (u > 0 && memcmp(b->p + 32 * (u - 1), b->p + 32 * i, 32) == 0)
			continue;
		memmove(b->p + 32 * u, b->p + 32 * i, 32);
		u++;
	}
	b->len = u * 32;
	return u;
}

/* Shared items n - d, then d differing items split between the sides (a_only of them on A).
 * Runs a session to the end and checks have = A \ B and need = B \ A exactly. */
static void
round_trip(size_t n, size_t d, size_t a_only, uint64_t limit_a, uint64_t limit_b, uint64_t seed)
{
	sz_neg_storage *sa = NULL, *sb = NULL;
	sz_buf want_have = { 0 }, want_need = { 0 };
	assert_int_equal(sz_neg_storage_new(&sa, 0), SZ_OK);
	assert_int_equal(sz_neg_storage_new(&sb, 0), SZ_OK);
	uint64_t s = seed;
	for (size_t i = 0; i < n; i++) {
		uint8_t id[32];
		for (int k = 0; k < 4; k++)
			sz_store_u64(id + 8 * k, rng_next(&s));
		/* Few distinct timestamps, so equal timestamps and id prefixes are exercised. */
		uint64_t ts = 1677970534 + rng_next(&s) % (n / 4 + 1);
		if (i < a_only) {
			assert_int_equal(sz_neg_storage_insert(sa, ts, id), SZ_OK);
			sz_buf_append(&want_have, id, 32);
		} else if (i < d) {
			assert_int_equal(sz_neg_storage_insert(sb, ts, id), SZ_OK);
			sz_buf_append(&want_need, id, 32);
		} else {
			assert_int_equal(sz_neg_storage_insert(sa, ts, id), SZ_OK);
			assert_int_equal(sz_neg_storage_insert(sb, ts, id), SZ_OK);
		}
	}
	assert_int_equal(sz_neg_storage_seal(sa), SZ_OK);
	assert_int_equal(sz_neg_storage_seal(sb), SZ_OK);
	sz_neg *a = NULL, *b = NULL;
	sz_neg_config ca = { .frame_size_limit = limit_a }, cb = { .frame_size_limit = limit_b };
	assert_int_equal(sz_neg_new(&a, sa, &ca), SZ_OK);
	assert_int_equal(sz_neg_new(&b, sb, &cb), SZ_OK);
	sz_buf q = { 0 }, resp = { 0 }, have = { 0 }, need = { 0 };
	assert_int_equal(sz_neg_initiate(a, &q), SZ_OK);
	bool done = false;
	int rounds = 0;
	while (!done) {
		assert_true(++rounds < 900);
		if (limit_a)
			assert_true(q.len <= limit_a);
		assert_int_equal(sz_neg_respond(b, q.p, q.len, &resp), SZ_OK);
		if (limit_b)
			assert_true(resp.len <= limit_b);
		assert_int_equal(sz_neg_reconcile(a, resp.p, resp.len, &q, &have, &need, &done), SZ_OK);
	}
	/* Without frame limits every difference is reported exactly once. */
	size_t nh = have.len / 32, nn = need.len / 32;
	assert_int_equal(sorted_unique(&have), a_only);
	assert_int_equal(sorted_unique(&need), d - a_only);
	if (limit_a == 0 && limit_b == 0) {
		assert_int_equal(nh, a_only);
		assert_int_equal(nn, d - a_only);
	}
	sorted_unique(&want_have);
	sorted_unique(&want_need);
	assert_int_equal(have.len, want_have.len);
	assert_int_equal(need.len, want_need.len);
	if (have.len)
		assert_memory_equal(have.p, want_have.p, have.len);
	if (need.len)
		assert_memory_equal(need.p, want_need.p, need.len);
	if (d == 0 && limit_a == 0)
		assert_int_equal(rounds, 1); /* equal sets: one fingerprint exchange */
	sz_buf_free(&q);
	sz_buf_free(&resp);
	sz_buf_free(&have);
	sz_buf_free(&need);
	sz_buf_free(&want_have);
	sz_buf_free(&want_need);
	sz_neg_free(a);
	sz_neg_free(b);
	sz_neg_storage_free(sa);
	sz_neg_storage_free(sb);
}

static void
test_round_trips(void **state)
{
	(void)state;
	static const size_t sizes[] = { 0, 1, 2, 31, 32, 33, 100, 1000, 5000 };
	uint64_t seed = 1;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = sizes[i];
		size_t ds[] = { 0, 1, 2, n / 100, n / 10, n / 2, n };
		for (size_t j = 0; j < sizeof(ds) / sizeof(ds[0]); j++) {
			size_t d = ds[j] > n ? n : ds[j];
			round_trip(n, d, d / 2, 0, 0, seed++);
			round_trip(n, d, d, 0, 0, seed++);     /* all differences on A */
			round_trip(n, d, 0, 0, 0, seed++);     /* all differences on B */
		}
	}
}

static void
test_round_trips_frame_limit(void **state)
{
	(void)state;
	static const size_t sizes[] = { 33, 1000, 5000, 20000 };
	uint64_t seed = 1000;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = sizes[i];
		size_t ds[] = { 0, 3, n / 10, n / 2, n };
		for (size_t j = 0; j < sizeof(ds) / sizeof(ds[0]); j++) {
			size_t d = ds[j];
			round_trip(n, d, d / 2, 4096, 4096, seed++);
			round_trip(n, d, d / 3, 4096, 0, seed++);
			round_trip(n, d, d / 3, 0, 4096, seed++);
			round_trip(n, d, d - d / 4, 60000, 8192, seed++);
		}
	}
}

/* --- hostile input --------------------------------------------------------------------------- */

typedef struct fixture {
	sz_neg_storage *st;
	sz_neg *srv;     /* responder */
	sz_neg *cli;     /* initiator, already initiated */
	sz_buf out, have, need;
} fixture;

static void
fixture_open(fixture *f, size_t n, const sz_neg_config *cfg)
{
	memset(f, 0, sizeof(*f));
	assert_int_equal(sz_neg_storage_new(&f->st, 0), SZ_OK);
	uint64_t s = 77;
	for (size_t i = 0; i < n; i++) {
		uint8_t id[32];
		for (int k = 0; k < 4; k++)
			sz_store_u64(id + 8 * k, rng_next(&s));
		assert_int_equal(sz_neg_storage_insert(f->st, 100 + i / 2, id), SZ_OK);
	}
	assert_int_equal(sz_neg_storage_seal(f->st), SZ_OK);
	assert_int_equal(sz_neg_new(&f->srv, f->st, cfg), SZ_OK);
	assert_int_equal(sz_neg_new(&f->cli, f->st, cfg), SZ_OK);
	assert_int_equal(sz_neg_initiate(f->cli, &f->out), SZ_OK);
}

static void
fixture_close(fixture *f)
{
	sz_buf_free(&f->out);
	sz_buf_free(&f->have);
	sz_buf_free(&f->need);
	sz_neg_free(f->srv);
	sz_neg_free(f->cli);
	sz_neg_storage_free(f->st);
}

/* Feed hex to a fresh responder and a fresh initiator; both must fail with err. */
static void
expect_both(const char *hex, int err)
{
	fixture f;
	fixture_open(&f, 100, NULL);
	uint8_t *m;
	size_t n;
	hex_to(&m, &n, hex);
	bool done;
	assert_int_equal(sz_neg_respond(f.srv, m, n, &f.out), err);
	assert_int_equal(f.out.len, 0);
	assert_int_equal(sz_neg_reconcile(f.cli, m, n, &f.out, &f.have, &f.need, &done), err);
	assert_false(done);
	/* A failed session stays failed. */
	assert_int_equal(sz_neg_respond(f.srv, (const uint8_t *)"\x61", 1, &f.out), SZ_ERR_STATE);
	assert_int_equal(sz_neg_reconcile(f.cli, (const uint8_t *)"\x61", 1, &f.out, &f.have,
	    &f.need, &done), SZ_ERR_STATE);
	free(m);
	fixture_close(&f);
}

static void
test_hostile_messages(void **state)
{
	(void)state;
	expect_both("", SZ_ERR_TRUNCATED);
	expect_both("10", SZ_ERR_MALFORMED);                 /* not a negentropy version byte */
	expect_both("70", SZ_ERR_MALFORMED);
	expect_both("61ffffffffffffffffffff7f", SZ_ERR_TOO_LARGE); /* 11-byte varint */
	expect_both("6182ffffffffffffffffff7f00", SZ_ERR_TOO_LARGE); /* 2^64 overflow */
	expect_both("618000", SZ_ERR_NONCANONICAL);          /* leading 0x80 digit */
	expect_both("610021", SZ_ERR_MALFORMED);             /* bound prefix of 33 bytes */
	expect_both("610020aa", SZ_ERR_TRUNCATED);           /* prefix beyond the message */
	expect_both("61000003", SZ_ERR_MALFORMED);           /* mode 3 */
	expect_both("610000", SZ_ERR_TRUNCATED);             /* bound without mode */
	expect_both("6100", SZ_ERR_TRUNCATED);               /* bound without length */
	expect_both("61000001aabb", SZ_ERR_TRUNCATED);       /* fingerprint cut short */
	expect_both("6100000290ffffff7f", SZ_ERR_TRUNCATED); /* IdList count beyond the message */
	expect_both("61000002020000", SZ_ERR_TRUNCATED);
	/* Out of order: same timestamp, then an id prefix lower than the previous one. */
	expect_both("610501bb000101aa00", SZ_ERR_MALFORMED);
	/* Timestamp delta that overflows saturates to infinity, like the reference; then an
	 * empty IdList there is fine. */
	fixture f;
	fixture_open(&f, 10, NULL);
	sz_buf m = { 0 };
	sz_buf_u8(&m, 0x61);
	sz_buf_varint(&m, (1ull << 63) + 1);  /* ts 2^63 */
	sz_buf_varint(&m, 0);
	sz_buf_varint(&m, 0);                 /* skip */
	sz_buf_varint(&m, (1ull << 63) + 1);  /* + 2^63: past the top */
	sz_buf_varint(&m, 0);
	sz_buf_varint(&m, 2);
	sz_buf_varint(&m, 0);                 /* empty IdList up to infinity */
	assert_int_equal(sz_neg_respond(f.srv, m.p, m.len, &f.out), SZ_OK);
	/* Our 10 items all lie below 2^63.  Answer: the skip, then an empty IdList up to
	 * infinity (timestamp encoded as 0). */
	static const uint8_t want[] = { 0x61, 0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
		0x01, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00 };
	assert_int_equal(f.out.len, sizeof(want));
	assert_memory_equal(f.out.p, want, sizeof(want));
	sz_buf_free(&m);
	fixture_close(&f);
}

static void
test_version_negotiation(void **state)
{
	(void)state;
	/* test/protoversion.pl of the reference: "62..." is answered by "61", then v1 works. */
	fixture f;
	fixture_open(&f, 1, NULL);
	uint8_t *m;
	size_t n;
	hex_to(&m, &n, "62aabbccddeeff");
	assert_int_equal(sz_neg_respond(f.srv, m, n, &f.out), SZ_OK);
	assert_int_equal(f.out.len, 1);
	assert_int_equal(f.out.p[0], 0x61);
	bool done;
	assert_int_equal(sz_neg_reconcile(f.cli, m, n, &f.out, &f.have, &f.need, &done),
	    SZ_ERR_UNSUPPORTED);
	free(m);
	hex_to(&m, &n, "6100000200");
	assert_int_equal(sz_neg_respond(f.srv, m, n, &f.out), SZ_OK);
	assert_int_equal(f.out.len, 1 + 3 + 1 + 32);
	assert_memory_equal(f.out.p, "\x61\x00\x00\x02\x01", 5);
	free(m);
	fixture_close(&f);
}

static void
test_endless_rounds(void **state)
{
	(void)state;
	/* A responder that always answers "everything differs" must not keep us forever. */
	sz_neg_config cfg = { .max_rounds = 50 };
	fixture f;
	fixture_open(&f, 1000, &cfg);
	static const uint8_t liar[] = { 0x61, 0x00, 0x00, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
		12, 13, 14, 15, 16 };
	bool done = false;
	int r = SZ_OK, i;
	for (i = 0; i < 1000 && r == SZ_OK; i++)
		r = sz_neg_reconcile(f.cli, liar, sizeof(liar), &f.out, &f.have, &f.need, &done);
	assert_int_equal(r, SZ_ERR_LIMIT);
	assert_int_equal(i, 51);
	fixture_close(&f);

	/* The same against the session byte ceiling. */
	sz_neg_config cfg2 = { .max_session = 20000 };
	fixture_open(&f, 1000, &cfg2);
	r = SZ_OK;
	for (i = 0; i < 1000 && r == SZ_OK; i++)
		r = sz_neg_respond(f.srv, liar, sizeof(liar), &f.out);
	assert_int_equal(r, SZ_ERR_LIMIT);
	sz_neg_stats st;
	sz_neg_get_stats(f.srv, &st);
	assert_true(st.bytes_in + st.bytes_out <= 20000);
	fixture_close(&f);

	/* A message above max_message is refused before it is read. */
	sz_neg_config cfg3 = { .max_message = 19 };
	fixture_open(&f, 10, &cfg3);
	assert_int_equal(sz_neg_respond(f.srv, liar, sizeof(liar), &f.out), SZ_ERR_TOO_LARGE);
	fixture_close(&f);
}

static void
test_report_limit(void **state)
{
	(void)state;
	/* A responder claiming 64 ids we lack, against a ceiling of 10 reported ids. */
	sz_neg_config cfg = { .max_reported = 10 };
	fixture f;
	fixture_open(&f, 5, &cfg);
	sz_buf m = { 0 };
	sz_buf_u8(&m, 0x61);
	sz_buf_varint(&m, 0);
	sz_buf_varint(&m, 0);
	sz_buf_varint(&m, 2);
	sz_buf_varint(&m, 64);
	for (int i = 0; i < 64; i++)
		memset(sz_buf_zeros(&m, 32), i + 1, 32);
	bool done;
	assert_int_equal(sz_neg_reconcile(f.cli, m.p, m.len, &f.out, &f.have, &f.need, &done),
	    SZ_ERR_LIMIT);
	fixture_close(&f);
	/* A caller's bound on need is honoured too. */
	fixture_open(&f, 5, NULL);
	f.need.max = 32 * 3;
	assert_int_equal(sz_neg_reconcile(f.cli, m.p, m.len, &f.out, &f.have, &f.need, &done),
	    SZ_ERR_TOO_LARGE);
	fixture_close(&f);
	/* Duplicated ids in their list are reported once. */
	fixture_open(&f, 0, NULL);
	m.len = 0;
	sz_buf_u8(&m, 0x61);
	sz_buf_varint(&m, 0);
	sz_buf_varint(&m, 0);
	sz_buf_varint(&m, 2);
	sz_buf_varint(&m, 3);
	memset(sz_buf_zeros(&m, 32), 7, 32);
	memset(sz_buf_zeros(&m, 32), 7, 32);
	memset(sz_buf_zeros(&m, 32), 9, 32);
	assert_int_equal(sz_neg_reconcile(f.cli, m.p, m.len, &f.out, &f.have, &f.need, &done), SZ_OK);
	assert_true(done);
	assert_int_equal(f.need.len, 64);
	assert_int_equal(f.need.p[0], 7);
	assert_int_equal(f.need.p[32], 9);
	fixture_close(&f);
	sz_buf_free(&m);
}

static void
test_api_misuse(void **state)
{
	(void)state;
	sz_neg_storage *s = NULL;
	sz_neg *n = NULL;
	uint8_t id[32] = { 1 };
	assert_int_equal(sz_neg_storage_new(&s, 2), SZ_OK);
	assert_int_equal(sz_neg_new(&n, s, NULL), SZ_ERR_STATE); /* not sealed */
	assert_null(n);
	assert_int_equal(sz_neg_storage_insert(s, UINT64_MAX, id), SZ_ERR_INVALID);
	assert_int_equal(sz_neg_storage_insert(s, 5, id), SZ_OK);
	assert_int_equal(sz_neg_storage_insert(s, 5, id), SZ_OK);
	assert_int_equal(sz_neg_storage_insert(s, 6, id), SZ_ERR_LIMIT);
	assert_int_equal(sz_neg_storage_seal(s), SZ_ERR_EXISTS);  /* duplicate item */
	sz_neg_storage_free(s);

	assert_int_equal(sz_neg_storage_new(&s, 0), SZ_OK);
	assert_int_equal(sz_neg_storage_insert(s, 5, id), SZ_OK);
	assert_int_equal(sz_neg_storage_seal(s), SZ_OK);
	assert_int_equal(sz_neg_storage_seal(s), SZ_ERR_STATE);
	assert_int_equal(sz_neg_storage_insert(s, 6, id), SZ_ERR_STATE);
	sz_neg_config small = { .frame_size_limit = 4095 };
	assert_int_equal(sz_neg_new(&n, s, &small), SZ_ERR_INVALID);
	assert_int_equal(sz_neg_new(&n, s, NULL), SZ_OK);
	sz_buf out = { 0 }, have = { 0 }, need = { 0 };
	bool done;
	/* Initiator calls before initiate, respond after initiate, initiate twice. */
	assert_int_equal(sz_neg_reconcile(n, (const uint8_t *)"\x61", 1, &out, &have, &need, &done),
	    SZ_ERR_STATE);
	assert_int_equal(sz_neg_initiate(n, &out), SZ_OK);
	assert_int_equal(sz_neg_initiate(n, &out), SZ_ERR_STATE);
	assert_int_equal(sz_neg_respond(n, (const uint8_t *)"\x61", 1, &out), SZ_ERR_STATE);
	sz_neg_free(n);
	assert_int_equal(sz_neg_new(&n, s, NULL), SZ_OK);
	assert_int_equal(sz_neg_respond(n, (const uint8_t *)"\x61", 1, &out), SZ_OK);
	assert_int_equal(out.len, 1);
	assert_int_equal(sz_neg_initiate(n, &out), SZ_ERR_STATE);
	sz_neg_free(n);
	sz_neg_free(NULL);
	sz_neg_storage_free(NULL);
	sz_buf_free(&out);
	sz_buf_free(&have);
	sz_buf_free(&need);
	sz_neg_storage_free(s);
}

int
main(void)
{
	if (sz_init() != SZ_OK)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fingerprint_vectors),
		cmocka_unit_test(test_messages_match_reference),
		cmocka_unit_test(test_frame_limit_matches_reference),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_round_trips_frame_limit),
		cmocka_unit_test(test_hostile_messages),
		cmocka_unit_test(test_version_negotiation),
		cmocka_unit_test(test_endless_rounds),
		cmocka_unit_test(test_report_limit),
		cmocka_unit_test(test_api_misuse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
