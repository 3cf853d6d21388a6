/*
 * entry_test.c - unit tests of entries, envelopes and fingerprints (src/wire).
 * Every signing or sealing test also alters bits and expects failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/edtweak.h"
#include "lib/bytes.h"
#include "wire/entry.h"
#include "wire/envelope.h"
#include "wire/identity.h"

static uint8_t sk[64], pk[32];

static int
setup(void **state)
{
	(void)state;
	uint8_t seed[32];
	memset(seed, 7, sizeof seed);
	return sz_init() || sz_sign_seed_keypair(pk, sk, seed);
}

static void
build(uint8_t **e, size_t *n, uint8_t id[32], uint8_t kind, const char *body, size_t np)
{
	uint8_t parents[4][32];
	for (size_t i = 0; i < 4; i++)
		memset(parents[i], (int)(0x40 - i), 32); /* deliberately in decreasing order */
	assert_int_equal(sz_entry_build(e, n, id, kind, (const uint8_t(*)[32])parents, np,
	    1700000000123ull, (const uint8_t *)body, strlen(body), sk), SZ_OK);
}

static void
test_roundtrip(void **state)
{
	(void)state;
	uint8_t *e, id[32], id2[32];
	size_t n;
	build(&e, &n, id, SZ_KIND_POST, "hello, cell", 3);
	sz_entry d;
	assert_int_equal(sz_entry_decode(&d, id2, e, n, 0), SZ_OK);
	assert_memory_equal(id, id2, 32);
	assert_int_equal(d.kind, SZ_KIND_POST);
	assert_int_equal(d.nparents, 3);
	assert_memory_equal(d.author, pk, 32);
	assert_true(d.timestamp_ms == 1700000000123ull);
	assert_int_equal(d.body_len, 11);
	assert_memory_equal(d.body, "hello, cell", 11);
	/* Parents come out sorted. */
	assert_true(memcmp(d.parents, d.parents + 32, 32) < 0);
	assert_true(memcmp(d.parents + 32, d.parents + 64, 32) < 0);
	assert_int_equal(n, SZ_ENTRY_FIXED_BYTES + 3 * 32 + 11);
	free(e);
}

/* An entry signed by the key shifted by a tweak: its author is pk + t·B, it decodes and
 * verifies like any entry, and every bit flip (the author included) is refused. */
static void
test_tweaked(void **state)
{
	(void)state;
	uint8_t *e, id[32], id2[32], t[32], want[32];
	size_t n;
	assert_int_equal(sz_edtweak_scalar(t, (const uint8_t *)"acks", 4), SZ_OK);
	assert_int_equal(sz_edtweak_pk(want, pk, t), SZ_OK);
	assert_int_equal(sz_entry_build_tweaked(&e, &n, id, SZ_KIND_POST, NULL, 0, 5,
	    (const uint8_t *)"body", 4, sk, t), SZ_OK);
	sz_entry d;
	assert_int_equal(sz_entry_decode(&d, id2, e, n, 0), SZ_OK);
	assert_memory_equal(id, id2, 32);
	assert_memory_equal(d.author, want, 32);
	assert_memory_not_equal(d.author, pk, 32);
	for (size_t bit = 0; bit < n * 8; bit += 3) {
		e[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_not_equal(sz_entry_decode(&d, NULL, e, n, 0), SZ_OK);
		e[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	free(e);
	uint8_t bad[32];
	memset(bad, 0xff, sizeof bad); /* not a canonical scalar */
	assert_int_equal(sz_entry_build_tweaked(&e, &n, id, SZ_KIND_POST, NULL, 0, 5,
	    (const uint8_t *)"body", 4, sk, bad), SZ_ERR_CRYPTO);
	assert_null(e);
}

static void
test_every_bit_flip_rejected(void **state)
{
	(void)state;
	uint8_t *e, id[32];
	size_t n;
	build(&e, &n, id, SZ_KIND_LEAFLET, "leaflet", 2);
	for (size_t bit = 0; bit < n * 8; bit++) {
		e[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		sz_entry d;
		int r = sz_entry_decode(&d, NULL, e, n, 0);
		assert_int_not_equal(r, SZ_OK);
		e[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	sz_entry d;
	assert_int_equal(sz_entry_decode(&d, NULL, e, n, 0), SZ_OK);
	free(e);
}

static void
test_truncation_and_trailing(void **state)
{
	(void)state;
	uint8_t *e, id[32];
	size_t n;
	build(&e, &n, id, SZ_KIND_POST, "x", 1);
	sz_entry d;
	for (size_t len = 0; len < n; len++)
		assert_int_not_equal(sz_entry_decode(&d, NULL, e, len, 0), SZ_OK);
	uint8_t *longer = malloc(n + 1);
	memcpy(longer, e, n);
	longer[n] = 0;
	assert_int_equal(sz_entry_decode(&d, NULL, longer, n + 1, 0), SZ_ERR_MALFORMED);
	free(longer);
	free(e);
}

/* Re-sign a hand-made encoding so only the property under test is wrong. */
static void
resign(uint8_t *e, size_t n)
{
	static const uint8_t ctx[] = "samizdat entry v1";
	sz_buf m = { 0 };
	sz_buf_append(&m, ctx, sizeof ctx);
	sz_buf_append(&m, e, n - 64);
	assert_int_equal(sz_sign(e + n - 64, m.p, m.len, sk), SZ_OK);
	sz_buf_free(&m);
}

static void
test_noncanonical(void **state)
{
	(void)state;
	uint8_t *e, id[32];
	size_t n;
	build(&e, &n, id, SZ_KIND_POST, "body", 2);
	sz_entry d;
	/* Swap the two parents: validly signed, but not strictly increasing. */
	uint8_t tmp[32];
	uint8_t *p0 = e + 35, *p1 = e + 67;
	memcpy(tmp, p0, 32);
	memcpy(p0, p1, 32);
	memcpy(p1, tmp, 32);
	resign(e, n);
	assert_int_equal(sz_entry_decode(&d, NULL, e, n, 0), SZ_ERR_NONCANONICAL);
	/* Duplicate parents. */
	memcpy(p0, p1, 32);
	resign(e, n);
	assert_int_equal(sz_entry_decode(&d, NULL, e, n, 0), SZ_ERR_NONCANONICAL);
	/* Unknown version and kind. */
	memcpy(p0, tmp, 32);
	memset(p0, 0x3f, 32);
	e[0] = 2;
	resign(e, n);
	assert_int_equal(sz_entry_decode(&d, NULL, e, n, 0), SZ_ERR_UNSUPPORTED);
	e[0] = 1;
	e[1] = 0x7f;
	resign(e, n);
	assert_int_equal(sz_entry_decode(&d, NULL, e, n, 0), SZ_ERR_UNSUPPORTED);
	free(e);
}

/* Every kind of docs/PROTOCOL.md §2.2 decodes, 0x28 (where to reach me) included; the next ones
 * do not. */
static void
test_kinds(void **state)
{
	(void)state;
	static const uint8_t known[] = { 0x01, 0x02, 0x03, 0x10, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26,
	    0x27, 0x28 };
	for (unsigned k = 0; k < 256; k++) {
		int expect = memchr(known, (int)k, sizeof known) != NULL;
		assert_int_equal(sz_entry_kind_known(k) != 0, expect);
	}
	uint8_t *e, id[32];
	size_t n;
	sz_entry d;
	build(&e, &n, id, SZ_KIND_REACH, "a record", 1);
	assert_int_equal(sz_entry_decode(&d, NULL, e, n, 0), SZ_OK);
	assert_int_equal(d.kind, 0x28);
	/* tampered: the kind byte moved to the first unknown kind is refused, re-signed or not */
	e[1] = 0x29;
	assert_int_not_equal(sz_entry_decode(&d, NULL, e, n, 0), SZ_OK);
	resign(e, n);
	assert_int_equal(sz_entry_decode(&d, NULL, e, n, 0), SZ_ERR_UNSUPPORTED);
	free(e);
	assert_int_equal(sz_entry_build(&e, &n, id, 0x29, NULL, 0, 1, (const uint8_t *)"x", 1, sk),
	    SZ_ERR_UNSUPPORTED);
}

static void
test_bounds(void **state)
{
	(void)state;
	uint8_t *e = NULL, id[32];
	size_t n;
	uint8_t *big = calloc(1, SZ_ENTRY_MAX_BODY + 1);
	assert_int_equal(sz_entry_build(&e, &n, id, SZ_KIND_POST, NULL, 0, 1, big,
	    SZ_ENTRY_MAX_BODY + 1, sk), SZ_ERR_TOO_LARGE);
	assert_null(e);
	assert_int_equal(sz_entry_build(&e, &n, id, SZ_KIND_POST, NULL, 0, 1, big,
	    SZ_ENTRY_MAX_BODY, sk), SZ_OK);
	sz_entry d;
	assert_int_equal(sz_entry_decode(&d, NULL, e, n, 0), SZ_OK);
	assert_int_equal(sz_entry_decode(&d, NULL, e, n, 1024), SZ_ERR_TOO_LARGE);
	free(e);
	uint8_t (*parents)[32] = calloc(33, 32);
	for (int i = 0; i < 33; i++)
		parents[i][0] = (uint8_t)i;
	assert_int_equal(sz_entry_build(&e, &n, id, SZ_KIND_POST,
	    (const uint8_t(*)[32])parents, 33, 1, big, 1, sk), SZ_ERR_TOO_LARGE);
	assert_int_equal(sz_entry_build(&e, &n, id, SZ_KIND_POST,
	    (const uint8_t(*)[32])parents, 32, 1, big, 1, sk), SZ_OK);
	assert_int_equal(sz_entry_decode(&d, NULL, e, n, 0), SZ_OK);
	/* A count above 32 is refused before anything is read. */
	e[34] = 33;
	assert_int_equal(sz_entry_decode(&d, NULL, e, n, 0), SZ_ERR_TOO_LARGE);
	free(e);
	free(parents);
	free(big);
}

static void
test_public_envelope(void **state)
{
	(void)state;
	uint8_t *e, id[32], *env;
	size_t n, envlen;
	build(&e, &n, id, SZ_KIND_LEAFLET, "a leaflet", 0);
	assert_int_equal(sz_env_wrap_public(&env, &envlen, e, n), SZ_OK);
	assert_int_equal(envlen, 256);
	sz_envelope v;
	assert_int_equal(sz_env_parse(&v, env, envlen, 0), SZ_OK);
	assert_int_equal(v.format, SZ_ENV_PUBLIC);
	assert_memory_equal(v.entry_id, id, 32);
	/* Every single-bit change is rejected. */
	for (size_t bit = 0; bit < envlen * 8; bit++) {
		env[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_not_equal(sz_env_parse(&v, env, envlen, 0), SZ_OK);
		env[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	/* Padding to a larger bucket than needed is non-canonical. */
	uint8_t *bigger = calloc(1, 1024);
	memcpy(bigger, env, envlen);
	assert_int_equal(sz_env_parse(&v, bigger, 1024, 0), SZ_ERR_NONCANONICAL);
	/* A length that is no bucket is malformed. */
	assert_int_equal(sz_env_parse(&v, bigger, 300, 0), SZ_ERR_MALFORMED);
	free(bigger);
	free(env);
	free(e);
	/* A cell post may not travel in a public envelope. */
	build(&e, &n, id, SZ_KIND_POST, "secret", 0);
	assert_int_equal(sz_env_wrap_public(&env, &envlen, e, n), SZ_OK);
	assert_int_equal(sz_env_parse(&v, env, envlen, 0), SZ_ERR_DENIED);
	free(env);
	free(e);
}

/* An envelope on its way in: checked once, its id the BLAKE2b of its bytes whether given or
 * computed; a tampered one is refused with the parser's verdict. */
static void
test_env_in(void **state)
{
	(void)state;
	uint8_t *e, id[32], *env, want[32];
	size_t n, envlen;
	build(&e, &n, id, SZ_KIND_LEAFLET, "checked once", 0);
	assert_int_equal(sz_env_wrap_public(&env, &envlen, e, n), SZ_OK);
	assert_int_equal(sz_env_id(want, env, envlen), SZ_OK);
	sz_env_in in;
	sz_env_in_init(&in, env, envlen, NULL);
	assert_int_equal(in.err, SZ_ERR_AGAIN);
	assert_false(in.have_id);
	sz_env_in_check(&in, 0);
	assert_int_equal(in.err, SZ_OK);
	assert_true(in.have_id);
	assert_memory_equal(in.id, want, 32);
	assert_int_equal(in.env.format, SZ_ENV_PUBLIC);
	assert_memory_equal(in.env.entry_id, id, 32);
	/* A given id is kept as given (the session hashed it already). */
	sz_env_in_init(&in, env, envlen, want);
	assert_true(in.have_id);
	sz_env_in_check(&in, 0);
	assert_int_equal(in.err, SZ_OK);
	assert_memory_equal(in.id, want, 32);
	/* A flipped bit in the signature: refused, nothing parsed is left. */
	env[17 + 4 + n - 1] ^= 1;
	sz_env_in_init(&in, env, envlen, NULL);
	sz_env_in_check(&in, 0);
	assert_int_equal(in.err, SZ_ERR_BAD_SIGNATURE);
	assert_int_equal(in.env.format, 0);
	/* The public scope is the first 16 bytes of BLAKE2b-256 of its label (kept as a constant). */
	static const char label[] = "samizdat public leaflets v1";
	uint8_t h[32], pub[SZ_SCOPE_BYTES];
	assert_int_equal(sz_blake2b(h, 32, (const uint8_t *)label, sizeof label - 1, NULL, 0), SZ_OK);
	sz_env_public_scope(pub);
	assert_memory_equal(pub, h, SZ_SCOPE_BYTES);
	/* No bytes at all. */
	sz_env_in_init(&in, NULL, 0, NULL);
	sz_env_in_check(&in, 0);
	assert_int_equal(in.err, SZ_ERR_INVALID);
	free(env);
	free(e);
}

static void
test_sealed_envelope(void **state)
{
	(void)state;
	uint8_t key[32], key2[32], nonce[24], scope[16], *env, *buf;
	size_t envlen, ptlen, buflen;
	const uint8_t *pt;
	memset(key, 1, 32);
	memset(key2, 2, 32);
	memset(nonce, 3, 24);
	memset(scope, 4, 16);
	const char msg[] = "meet at the gate at six";
	assert_int_equal(sz_env_seal(&env, &envlen, scope, (const uint8_t *)msg, sizeof msg, key,
	    nonce), SZ_OK);
	assert_int_equal(envlen, 256);
	sz_envelope v;
	assert_int_equal(sz_env_parse(&v, env, envlen, 0), SZ_OK);
	assert_int_equal(v.format, SZ_ENV_SEALED);
	assert_memory_equal(v.scope, scope, 16);
	assert_int_equal(sz_env_open(&buf, &buflen, &pt, &ptlen, &v, key), SZ_OK);
	assert_int_equal(ptlen, sizeof msg);
	assert_memory_equal(pt, msg, sizeof msg);
	free(buf);
	/* The plaintext does not appear in the envelope. */
	assert_null(memmem(env, envlen, "gate", 4));
	/* Wrong key, and every single-bit change, fail to open. */
	assert_int_equal(sz_env_open(&buf, &buflen, &pt, &ptlen, &v, key2), SZ_ERR_DECRYPT);
	assert_null(buf);
	for (size_t bit = 0; bit < envlen * 8; bit++) {
		env[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		if (sz_env_parse(&v, env, envlen, 0) == SZ_OK)
			assert_int_not_equal(sz_env_open(&buf, &buflen, &pt, &ptlen, &v, key), SZ_OK);
		env[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	free(env);
	/* Sizes land in buckets. */
	uint8_t *big = calloc(1, 5000);
	assert_int_equal(sz_env_seal(&env, &envlen, scope, big, 5000, key, nonce), SZ_OK);
	assert_int_equal(envlen, 16384);
	free(env);
	free(big);
	/* Non-zero padding under a valid seal is refused. */
	uint8_t raw[256] = { 0 };
	raw[0] = SZ_ENV_SEALED;
	memcpy(raw + 1, scope, 16);
	memcpy(raw + 17, nonce, 24);
	uint8_t inner[256 - 57] = { 0 };
	sz_store_u32(inner, 3);
	inner[sizeof inner - 1] = 1;
	assert_int_equal(sz_xaead_encrypt(raw + 41, inner, sizeof inner, raw, 17, nonce, key), SZ_OK);
	assert_int_equal(sz_env_parse(&v, raw, 256, 0), SZ_OK);
	assert_int_equal(sz_env_open(&buf, &buflen, &pt, &ptlen, &v, key), SZ_ERR_NONCANONICAL);
}

static void
test_base32_rfc4648(void **state)
{
	(void)state;
	/* RFC 4648 §10 test vectors, in lower case and without padding. */
	static const char *in[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *want[] = { "", "my", "mzxq", "mzxw6", "mzxw6yq", "mzxw6ytb", "mzxw6ytboi" };
	for (size_t i = 0; i < 7; i++) {
		char out[16];
		uint8_t back[8];
		sz_base32_encode(out, (const uint8_t *)in[i], strlen(in[i]));
		assert_string_equal(out, want[i]);
		assert_int_equal(sz_base32_decode(back, strlen(in[i]), out, strlen(out)), SZ_OK);
		assert_memory_equal(back, in[i], strlen(in[i]));
	}
	uint8_t b[1];
	assert_int_equal(sz_base32_decode(b, 1, "mz", 2), SZ_ERR_NONCANONICAL); /* spare bits set */
	assert_int_equal(sz_base32_decode(b, 1, "m!", 2), SZ_ERR_MALFORMED);
}

static void
test_fingerprint(void **state)
{
	(void)state;
	char fp[SZ_FINGERPRINT_TEXT];
	assert_int_equal(sz_fingerprint(fp, pk), SZ_OK);
	assert_int_equal(strlen(fp), 39);
	for (int i = 4; i < 39; i += 5)
		assert_int_equal(fp[i], ' ');
	assert_int_equal(sz_fingerprint_check(fp, pk), SZ_OK);
	/* Typed in capitals, without spaces, with dashes: still matches. */
	char typed[64];
	size_t o = 0;
	for (size_t i = 0; fp[i]; i++)
		if (fp[i] != ' ')
			typed[o++] = (char)(fp[i] >= 'a' && fp[i] <= 'z' ? fp[i] - 32 : fp[i]);
	typed[o] = '\0';
	assert_int_equal(sz_fingerprint_check(typed, pk), SZ_OK);
	/* One character off: another key's fingerprint. */
	typed[5] = typed[5] == 'A' ? 'B' : 'A';
	assert_int_equal(sz_fingerprint_check(typed, pk), SZ_ERR_BAD_SIGNATURE);
	/* Another key. */
	uint8_t pk2[32];
	memcpy(pk2, pk, 32);
	pk2[0] ^= 1;
	assert_int_equal(sz_fingerprint_check(fp, pk2), SZ_ERR_BAD_SIGNATURE);
	assert_int_equal(sz_fingerprint_check("too short", pk), SZ_ERR_MALFORMED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_tweaked),
		cmocka_unit_test(test_every_bit_flip_rejected),
		cmocka_unit_test(test_truncation_and_trailing),
		cmocka_unit_test(test_noncanonical),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_public_envelope),
		cmocka_unit_test(test_sealed_envelope),
		cmocka_unit_test(test_env_in),
		cmocka_unit_test(test_base32_rfc4648),
		cmocka_unit_test(test_fingerprint),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
