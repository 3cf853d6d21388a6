/*
 * roster_test.c - voting keys (creation, export, erasure at the end of retention), enrollments
 * with proofs of possession (tampered, replayed in another cell or for another member), rosters
 * (canonical order, ids, admission, comparison), and the layer's shared pieces (src/decide/
 * decide.c): text rules, release delays drawn from sz_env, verdict strings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "decide/roster.h"
#include "lib/bytes.h"

static int
setup(void **state)
{
	(void)state;
	return sz_init();
}

static void
test_vote_keys(void **state)
{
	(void)state;
	sz_env_seeded e;
	sz_vote_key *k, *k2;
	uint8_t sk[32], pk[32], pk2[32], t[32], tag[32], cell[32] = { 1 }, prop[32] = { 2 };

	sz_env_seeded_init(&e, 1, 0);
	assert_int_equal(sz_vote_key_new(&k, &e.env), SZ_OK);
	sz_vote_key_public(k, pk);
	assert_true(sz_rist_is_valid_point(pk));
	/* Export and load give the same key. */
	assert_int_equal(sz_vote_key_export(k, sk), SZ_OK);
	assert_int_equal(sz_vote_key_load(&k2, sk), SZ_OK);
	sz_vote_key_public(k2, pk2);
	assert_memory_equal(pk, pk2, 32);
	sz_vote_key_free(k2);
	/* Non-canonical and zero secrets are refused. */
	uint8_t bad[32];
	memset(bad, 0xff, 32);
	assert_int_equal(sz_vote_key_load(&k2, bad), SZ_ERR_NONCANONICAL);
	assert_null(k2);
	memset(bad, 0, 32);
	assert_int_equal(sz_vote_key_load(&k2, bad), SZ_ERR_INVALID);
	assert_null(k2);
	/* Tags before erasure; after it, nothing that needs the secret works. */
	assert_int_equal(sz_lsag_tag_base(t, cell, prop, prop, SZ_LSAG_KIND_BALLOT), SZ_OK);
	assert_int_equal(sz_vote_key_tag(tag, k, t), SZ_OK);
	assert_false(sz_vote_key_expire(k, 999, 1000));
	assert_false(sz_vote_key_erased(k));
	assert_true(sz_vote_key_expire(k, 1000, 1000));
	assert_true(sz_vote_key_erased(k));
	assert_int_equal(sz_vote_key_tag(tag, k, t), SZ_ERR_WIPED);
	assert_int_equal(sz_vote_key_export(k, sk), SZ_ERR_WIPED);
	for (int i = 0; i < 32; i++)
		assert_int_equal(sk[i], 0);
	sz_enrollment en;
	assert_int_equal(sz_enrollment_make(&en, k, cell, prop, &e.env), SZ_ERR_WIPED);
	/* The public key survives (the roster keeps it). */
	sz_vote_key_public(k, pk2);
	assert_memory_equal(pk, pk2, 32);
	assert_true(sz_vote_key_expire(k, 0, 1000)); /* stays erased */
	sz_vote_key_free(k);
	sz_vote_key_free(NULL);
	/* Wiping a stored copy. */
	memset(sk, 0x5a, 32);
	sz_vote_secret_wipe(sk);
	for (int i = 0; i < 32; i++)
		assert_int_equal(sk[i], 0);
}

static void
test_enrollments_and_admission(void **state)
{
	(void)state;
	sz_env_seeded e;
	sz_vote_key *k[4];
	sz_enrollment en[7];
	uint8_t cell[32], other[32], member[4][32], keys[7][32], verdicts[7], enc[SZ_ENROLLMENT_BYTES];
	size_t n;

	sz_env_seeded_init(&e, 2, 0);
	memset(cell, 0xaa, 32);
	memset(other, 0xab, 32);
	for (int i = 0; i < 4; i++) {
		memset(member[i], 0x30 + i, 32);
		assert_int_equal(sz_vote_key_new(&k[i], &e.env), SZ_OK);
		assert_int_equal(sz_enrollment_make(&en[i], k[i], cell, member[i], &e.env), SZ_OK);
		assert_int_equal(sz_enrollment_verify(&en[i], cell), SZ_OK);
	}
	/* Encoding round trip. */
	sz_enrollment back;
	sz_enrollment_encode(enc, &en[0]);
	assert_int_equal(sz_enrollment_decode(&back, enc, sizeof enc), SZ_OK);
	assert_memory_equal(&back, &en[0], sizeof back);
	assert_int_equal(sz_enrollment_decode(&back, enc, sizeof enc - 1), SZ_ERR_TRUNCATED);
	/* A proof does not carry over to another cell or another member; every bit matters. */
	assert_int_equal(sz_enrollment_verify(&en[0], other), SZ_ERR_BAD_SIGNATURE);
	en[4] = en[1];
	memcpy(en[4].member_id, member[0], 32);
	assert_int_equal(sz_enrollment_verify(&en[4], cell), SZ_ERR_BAD_SIGNATURE);
	for (size_t bit = 0; bit < sizeof enc * 8; bit++) {
		sz_enrollment t;
		uint8_t b[SZ_ENROLLMENT_BYTES];
		memcpy(b, enc, sizeof b);
		b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(sz_enrollment_decode(&t, b, sizeof b), SZ_OK);
		assert_int_not_equal(sz_enrollment_verify(&t, cell), SZ_OK);
	}
	/* Someone copies member 2's key under their own id (no secret, so the proof is 2's). */
	en[5] = en[2];
	memcpy(en[5].member_id, member[3], 32);
	/* Member 1 enrolls the same key twice (two valid proofs). */
	assert_int_equal(sz_enrollment_make(&en[6], k[1], cell, member[3], &e.env), SZ_OK);
	assert_int_equal(sz_roster_admit(keys, &n, verdicts, cell, en, 7), SZ_OK);
	assert_int_equal(n, 4);
	assert_int_equal(verdicts[4], SZ_VERDICT_BAD_SIGNATURE);
	assert_int_equal(verdicts[5], SZ_VERDICT_BAD_SIGNATURE);
	assert_true((verdicts[1] == SZ_VERDICT_DUPLICATE) != (verdicts[6] == SZ_VERDICT_DUPLICATE));
	for (size_t i = 1; i < n; i++)
		assert_true(memcmp(keys[i - 1], keys[i], 32) < 0);
	/* The same enrollments in another cell admit nobody. */
	assert_int_equal(sz_roster_admit(keys, &n, verdicts, other, en, 4), SZ_OK);
	assert_int_equal(n, 0);
	for (int i = 0; i < 4; i++)
		sz_vote_key_free(k[i]);
}

static void
test_roster_ids_and_compare(void **state)
{
	(void)state;
	sz_env_seeded e;
	uint8_t pk[5][32], sk[32], keys[6][32], id1[32], id2[32];
	size_t n, missing;

	sz_env_seeded_init(&e, 3, 0);
	for (int i = 0; i < 5; i++)
		assert_int_equal(sz_vote_keygen(pk[i], sk, &e.env), SZ_OK);
	sz_wipe(sk, sizeof sk);
	memcpy(keys, pk, 5 * 32);
	memcpy(keys[5], pk[2], 32);
	assert_int_equal(sz_roster_canonicalize(keys, 6, &n), SZ_OK);
	assert_int_equal(n, 5);
	for (size_t i = 1; i < n; i++)
		assert_true(memcmp(keys[i - 1], keys[i], 32) < 0);
	assert_int_equal(sz_roster_id(id1, (const uint8_t(*)[32])keys, 5), SZ_OK);
	assert_int_equal(sz_roster_id(id2, (const uint8_t(*)[32])keys, 4), SZ_OK);
	assert_memory_not_equal(id1, id2, 32);
	/* The id is BLAKE2b-256("samizdat-v1-roster" || u16be(n) || keys). */
	{
		sz_buf b = { 0 };
		uint8_t want[32];
		sz_buf_append(&b, "samizdat-v1-roster", 18);
		sz_buf_u16(&b, 5);
		sz_buf_append(&b, keys, 5 * 32);
		assert_int_equal(sz_blake2b(want, 32, b.p, b.len, NULL, 0), SZ_OK);
		assert_memory_equal(want, id1, 32);
		sz_buf_free(&b);
	}
	assert_int_equal(sz_roster_id(id2, (const uint8_t(*)[32])keys, SZ_DECIDE_MAX_RING + 1),
	    SZ_ERR_INVALID);
	/* Not a point. */
	memset(keys[5], 0xff, 32);
	assert_int_equal(sz_roster_canonicalize(keys, 6, &n), SZ_ERR_CRYPTO);
	/* Compare a snapshot with the admitted keys. */
	assert_int_equal(sz_roster_canonicalize(keys, 4, &n), SZ_OK);
	uint8_t all[5][32];
	memcpy(all, pk, sizeof all);
	assert_int_equal(sz_roster_canonicalize(all, 5, &n), SZ_OK);
	assert_int_equal(sz_roster_compare((const uint8_t(*)[32])all + 1, 3,
	    (const uint8_t(*)[32])all, 5, &missing), SZ_OK);
	assert_int_equal(missing, 2);
	uint8_t stranger[32], s2[32];
	assert_int_equal(sz_vote_keygen(stranger, s2, &e.env), SZ_OK);
	memcpy(keys[0], stranger, 32);
	memcpy(keys[1], all[0], 32);
	memcpy(keys[2], all[1], 32);
	assert_int_equal(sz_roster_canonicalize(keys, 3, &n), SZ_OK);
	assert_int_equal(sz_roster_compare((const uint8_t(*)[32])keys, 3,
	    (const uint8_t(*)[32])all, 5, &missing), SZ_ERR_NOT_MEMBER);
	assert_int_equal(missing, 3);
}

static void
test_text_rules(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		int line, text;
	} cases[] = {
		{ "plain", SZ_OK, SZ_OK },
		{ "\xd0\x97\xd0\xb0\xd0\xb1\xd0\xb0\xd1\x81\xd1\x82\xd0\xbe\xd0\xb2\xd0\xba\xd0\xb0",
		    SZ_OK, SZ_OK },                                         /* Cyrillic */
		{ "\xd8\xa5\xd8\xb6\xd8\xb1\xd8\xa7\xd8\xa8", SZ_OK, SZ_OK }, /* Arabic */
		{ "\xe2\x80\x8f" "mark", SZ_OK, SZ_OK },                    /* RLM is allowed */
		{ "\xf0\x9f\x93\xa2", SZ_OK, SZ_OK },                       /* 4-byte form */
		{ "two\nlines", SZ_ERR_MALFORMED, SZ_OK },
		{ "tab\there", SZ_ERR_MALFORMED, SZ_OK },
		{ "cr\rhere", SZ_ERR_MALFORMED, SZ_ERR_MALFORMED },
		{ "del\x7f", SZ_ERR_MALFORMED, SZ_ERR_MALFORMED },
		{ "c1\xc2\x85", SZ_ERR_MALFORMED, SZ_ERR_MALFORMED },       /* NEL */
		{ "\xe2\x80\xae" "rlo", SZ_ERR_MALFORMED, SZ_ERR_MALFORMED },
		{ "\xe2\x81\xa6" "lri", SZ_ERR_MALFORMED, SZ_ERR_MALFORMED },
		{ "\xc0\xaf", SZ_ERR_MALFORMED, SZ_ERR_MALFORMED },         /* overlong */
		{ "\xed\xa0\x80", SZ_ERR_MALFORMED, SZ_ERR_MALFORMED },     /* surrogate */
		{ "\xf4\x90\x80\x80", SZ_ERR_MALFORMED, SZ_ERR_MALFORMED }, /* > U+10FFFF */
		{ "cut\xe2\x80", SZ_ERR_MALFORMED, SZ_ERR_MALFORMED },
		{ "", SZ_ERR_MALFORMED, SZ_ERR_MALFORMED },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const uint8_t *s = (const uint8_t *)cases[i].s;
		size_t len = strlen(cases[i].s);
		assert_int_equal(sz_decide_line_check(s, len, 64), cases[i].line);
		assert_int_equal(sz_decide_text_check(s, len, 64), cases[i].text);
	}
	/* A NUL inside is a control character. */
	assert_int_equal(sz_decide_text_check((const uint8_t *)"a\0b", 3, 64), SZ_ERR_MALFORMED);
	assert_int_equal(sz_decide_line_check((const uint8_t *)"abcdef", 6, 5), SZ_ERR_TOO_LARGE);
	assert_int_equal(sz_decide_line_check((const uint8_t *)"abcde", 5, 5), SZ_OK);
}

static void
test_release_time(void **state)
{
	(void)state;
	sz_env_seeded e, e2;
	uint64_t r, r2, lo = UINT64_MAX, hi = 0;
	const uint64_t now = 1000000, min = 60000, max = 3600000, deadline = 100000000;

	sz_env_seeded_init(&e, 11, 0);
	sz_env_seeded_init(&e2, 11, 0);
	size_t buckets[10] = { 0 };
	for (int i = 0; i < 4000; i++) {
		assert_int_equal(sz_decide_release_time(&r, now, deadline, min, max, &e.env), SZ_OK);
		assert_int_equal(sz_decide_release_time(&r2, now, deadline, min, max, &e2.env), SZ_OK);
		assert_true(r == r2); /* a function of env's stream */
		assert_true(r >= now + min && r <= now + max);
		lo = r < lo ? r : lo;
		hi = r > hi ? r : hi;
		buckets[(r - now - min) * 10 / (max - min + 1)]++;
	}
	/* Uniform: the extremes are approached and every tenth of the window is used. */
	assert_true(lo < now + min + (max - min) / 100);
	assert_true(hi > now + max - (max - min) / 100);
	for (int b = 0; b < 10; b++)
		assert_true(buckets[b] > 300 && buckets[b] < 500);
	/* Near the deadline the window is cut there; past the minimum, what is left is used. */
	for (int i = 0; i < 200; i++) {
		assert_int_equal(sz_decide_release_time(&r, now, now + min + 10, min, max, &e.env),
		    SZ_OK);
		assert_true(r >= now + min && r <= now + min + 10);
		assert_int_equal(sz_decide_release_time(&r, now, now + 500, min, max, &e.env), SZ_OK);
		assert_true(r >= now && r <= now + 500);
	}
	assert_int_equal(sz_decide_release_time(&r, now, now, min, max, &e.env), SZ_OK);
	assert_true(r == now);
	/* Refusals. */
	assert_int_equal(sz_decide_release_time(&r, now + 1, now, min, max, &e.env), SZ_ERR_EXPIRED);
	assert_true(r == 0);
	assert_int_equal(sz_decide_release_time(&r, now, deadline, max, min, &e.env),
	    SZ_ERR_INVALID);
	assert_int_equal(sz_decide_release_time(&r, now, deadline, 0,
	    (uint64_t)SZ_DECIDE_DELAY_MAX_MS_BOUND + 1, &e.env), SZ_ERR_INVALID);
	assert_int_equal(sz_decide_release_time(&r, UINT64_MAX - 5, UINT64_MAX, 0, 10, &e.env),
	    SZ_ERR_INVALID);
	/* The widest window works. */
	assert_int_equal(sz_decide_release_time(&r, 0, UINT64_MAX - SZ_DECIDE_DELAY_MAX_MS_BOUND, 0,
	    SZ_DECIDE_DELAY_MAX_MS_BOUND, &e.env), SZ_OK);
	assert_true(r <= SZ_DECIDE_DELAY_MAX_MS_BOUND);
}

static void
test_verdict_strings(void **state)
{
	(void)state;
	for (int v = SZ_VERDICT_OK; v <= SZ_VERDICT_SIGNER_MISMATCH; v++) {
		const char *s = sz_verdict_str(v);
		assert_non_null(s);
		assert_string_not_equal(s, "unknown verdict");
		for (int w = SZ_VERDICT_OK; w < v; w++)
			assert_string_not_equal(s, sz_verdict_str(w));
	}
	assert_string_equal(sz_verdict_str(200), "unknown verdict");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vote_keys),
		cmocka_unit_test(test_enrollments_and_admission),
		cmocka_unit_test(test_roster_ids_and_compare),
		cmocka_unit_test(test_text_rules),
		cmocka_unit_test(test_release_time),
		cmocka_unit_test(test_verdict_strings),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
