/*
 * attach_test.c - unit tests of the attachment formats (wire/attach.c): manifests and the
 * bodies that carry them decode to exactly what was encoded and refuse every other encoding;
 * a leaflet's chunk travels in a public envelope only as data with no parents.  Layer: wire.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "wire/attach.h"
#include "wire/entry.h"
#include "wire/envelope.h"

static sz_manifest
sample(uint8_t seed)
{
	sz_manifest m;
	memset(&m, 0, sizeof m);
	m.type = 1;
	m.size = 3 * SZ_ATTACH_CHUNK + seed;
	memset(m.hash, seed, 32);
	memset(m.index, seed ^ 0xff, 32);
	return m;
}

static void
test_manifest(void **state)
{
	(void)state;
	sz_manifest m = sample(7), d;
	uint8_t b[SZ_MANIFEST_BYTES];
	sz_manifest_encode(&m, b);
	assert_int_equal(b[0], 1);
	assert_int_equal(sz_manifest_decode(&d, b, sizeof b), SZ_OK);
	assert_memory_equal(&d, &m, sizeof m);
	assert_int_equal(sz_manifest_decode(&d, b, sizeof b - 1), SZ_ERR_TRUNCATED);
	uint8_t longer[SZ_MANIFEST_BYTES + 1] = { 0 };
	memcpy(longer, b, sizeof b);
	assert_int_equal(sz_manifest_decode(&d, longer, sizeof longer), SZ_ERR_MALFORMED);
	uint8_t x[SZ_MANIFEST_BYTES];
	memcpy(x, b, sizeof b);
	x[0] = 2;
	assert_int_equal(sz_manifest_decode(&d, x, sizeof x), SZ_ERR_UNSUPPORTED);
	memcpy(x, b, sizeof b);
	x[1] = 4;
	assert_int_equal(sz_manifest_decode(&d, x, sizeof x), SZ_ERR_UNSUPPORTED);
	memcpy(x, b, sizeof b);
	x[2] = 2;
	assert_int_equal(sz_manifest_decode(&d, x, sizeof x), SZ_ERR_MALFORMED);
	memcpy(x, b, sizeof b);
	sz_store_u64(x + 3, 0);
	assert_int_equal(sz_manifest_decode(&d, x, sizeof x), SZ_ERR_MALFORMED);
	sz_store_u64(x + 3, SZ_ATTACH_MAX + 1ull);
	assert_int_equal(sz_manifest_decode(&d, x, sizeof x), SZ_ERR_TOO_LARGE);
	sz_store_u64(x + 3, SZ_ATTACH_MAX);
	assert_int_equal(sz_manifest_decode(&d, x, sizeof x), SZ_OK);
	/* the largest file's index fits one chunk */
	assert_int_equal(sz_attach_nchunks(SZ_ATTACH_MAX), 1607);
	assert_true(32u * sz_attach_nchunks(SZ_ATTACH_MAX) <= SZ_ATTACH_CHUNK);
	assert_int_equal(sz_attach_nchunks(1), 1);
	assert_int_equal(sz_attach_nchunks(SZ_ATTACH_CHUNK), 1);
	assert_int_equal(sz_attach_nchunks(SZ_ATTACH_CHUNK + 1), 2);
}

static void
test_bodies(void **state)
{
	(void)state;
	sz_manifest m[2] = { sample(1), sample(2) };
	uint8_t reply[32];
	memset(reply, 0x5a, 32);
	sz_buf b = { 0 };
	sz_body d;
	sz_post_body_encode(&b, reply, m, 2, (const uint8_t *)"see", 3);
	assert_int_equal(b.len, 2 + 32 + 1 + 2 * SZ_MANIFEST_BYTES + 3);
	assert_int_equal(sz_post_body_decode(&d, b.p, b.len), SZ_OK);
	assert_true(d.reply);
	assert_memory_equal(d.reply_to, reply, 32);
	assert_int_equal(d.nfiles, 2);
	assert_memory_equal(&d.files[1], &m[1], sizeof m[1]);
	assert_int_equal(d.len, 3);
	assert_memory_equal(d.text, "see", 3);
	/* every cut short of the text is refused or reads less */
	for (size_t n = 0; n < 2 + 32 + 1 + 2 * SZ_MANIFEST_BYTES; n++)
		assert_int_not_equal(sz_post_body_decode(&d, b.p, n), SZ_OK);
	b.p[1] |= 4; /* an unknown flag */
	assert_int_equal(sz_post_body_decode(&d, b.p, b.len), SZ_ERR_MALFORMED);
	sz_buf_free(&b);
	/* a count of 0 or above the bound */
	sz_post_body_encode(&b, NULL, m, 1, NULL, 0);
	b.p[2] = 0;
	assert_int_equal(sz_post_body_decode(&d, b.p, b.len), SZ_ERR_MALFORMED);
	b.p[2] = SZ_ATTACH_PER_ENTRY + 1;
	assert_int_not_equal(sz_post_body_decode(&d, b.p, b.len), SZ_OK);
	sz_buf_free(&b);
	/* a plain post, as before attachments */
	sz_post_body_encode(&b, NULL, NULL, 0, (const uint8_t *)"hi", 2);
	assert_int_equal(b.len, 4);
	assert_int_equal(b.p[1], 0);
	assert_int_equal(sz_post_body_decode(&d, b.p, b.len), SZ_OK);
	assert_int_equal(d.nfiles, 0);
	sz_buf_free(&b);
	/* leaflets: text alone, or NUL, the block, the text */
	sz_leaflet_body_encode(&b, NULL, 0, (const uint8_t *)"plain", 5);
	assert_int_equal(sz_leaflet_body_decode(&d, b.p, b.len), SZ_OK);
	assert_int_equal(d.nfiles, 0);
	assert_int_equal(d.len, 5);
	sz_buf_free(&b);
	sz_leaflet_body_encode(&b, m, 2, (const uint8_t *)"flyer", 5);
	assert_int_equal(b.p[0], 0);
	assert_int_equal(sz_leaflet_body_decode(&d, b.p, b.len), SZ_OK);
	assert_int_equal(d.nfiles, 2);
	assert_memory_equal(d.text, "flyer", 5);
	assert_int_not_equal(sz_leaflet_body_decode(&d, b.p, 10), SZ_OK);
	sz_buf_free(&b);
}

static void
test_public_chunk_envelope(void **state)
{
	(void)state;
	uint8_t pk[32], sk[64], seed[32] = { 9 }, id[32], parent[32] = { 1 };
	assert_int_equal(sz_sign_seed_keypair(pk, sk, seed), SZ_OK);
	uint8_t *data = calloc(1, SZ_ATTACH_CHUNK + 1), *e, *env;
	size_t elen, envlen;
	sz_envelope p;
	assert_non_null(data);
	/* a whole chunk fills the 64 KiB bucket */
	assert_int_equal(sz_entry_build(&e, &elen, id, SZ_KIND_CHUNK, NULL, 0, 5, data, SZ_ATTACH_CHUNK,
	    sk), SZ_OK);
	assert_int_equal(sz_env_wrap_public(&env, &envlen, e, elen), SZ_OK);
	assert_int_equal(envlen, 65536);
	assert_int_equal(sz_env_parse(&p, env, envlen, 0), SZ_OK);
	assert_int_equal(p.entry.kind, SZ_KIND_CHUNK);
	free(e);
	free(env);
	/* one byte more, or a parent: refused */
	assert_int_equal(sz_entry_build(&e, &elen, id, SZ_KIND_CHUNK, NULL, 0, 5, data,
	    SZ_ATTACH_CHUNK + 1, sk), SZ_OK);
	assert_int_equal(sz_env_wrap_public(&env, &envlen, e, elen), SZ_OK);
	assert_int_equal(sz_env_parse(&p, env, envlen, 0), SZ_ERR_MALFORMED);
	free(e);
	free(env);
	assert_int_equal(sz_entry_build(&e, &elen, id, SZ_KIND_CHUNK, (const uint8_t(*)[32])parent, 1,
	    5, data, 10, sk), SZ_OK);
	assert_int_equal(sz_env_wrap_public(&env, &envlen, e, elen), SZ_OK);
	assert_int_equal(sz_env_parse(&p, env, envlen, 0), SZ_ERR_MALFORMED);
	free(e);
	free(env);
	/* and the local filing scope is nothing on a wire */
	uint8_t cs[16], pub[16];
	sz_attach_chunk_scope(cs);
	sz_env_public_scope(pub);
	assert_memory_not_equal(cs, pub, 16);
	free(data);
}

int
main(void)
{
	if (sz_init() != SZ_OK)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_manifest),
		cmocka_unit_test(test_bodies),
		cmocka_unit_test(test_public_chunk_envelope),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
