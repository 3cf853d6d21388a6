/*
 * onionaddr_test.c - unit tests of v3 onion ids and ADD_ONION key blobs (transport/onionaddr.c).
 * Known answers: RFC 8032 section 7.1 TEST 1 (seed 9d61b1...7f60, public key d75a98...511a), and
 * the v3 address Tor's own test suite builds from that public key (tor src/test/
 * test_hs_common.c, test_build_address: "25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenl5sid").
 * tests/tor/tor.t checks the same seed against a running tor.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <sodium.h>

#include "lib/bytes.h"
#include "transport/onionaddr.h"

static const char KAT_ID[] = "25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenl5sid";
static const char KAT_PK[] = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
static const char KAT_SEED[] = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";

static void
test_id_kat(void **state)
{
	(void)state;
	uint8_t pk[32], want[32];
	assert_int_equal(sz_hex_decode(want, 32, KAT_PK, 64), SZ_OK);
	assert_int_equal(sz_onion_id_check(KAT_ID), SZ_OK);
	assert_int_equal(sz_onion_id_pubkey(KAT_ID, pk), SZ_OK);
	assert_memory_equal(pk, want, 32);

	char host[SZ_ONION_HOST_BUF];
	snprintf(host, sizeof host, "%s.onion", KAT_ID);
	assert_int_equal(sz_onion_host_check(host), SZ_OK);
}

static void
test_id_tampered(void **state)
{
	(void)state;
	char id[SZ_ONION_ID_BUF + 1];
	uint8_t pk[32];

	/* One base32 digit of the key changed: still a well-formed id (the checksum, which would
	 * catch it, is Tor's to verify), but a different key. */
	memcpy(id, KAT_ID, sizeof KAT_ID);
	id[0] = id[0] == 'a' ? 'b' : 'a';
	assert_int_equal(sz_onion_id_pubkey(id, pk), SZ_OK);
	uint8_t want[32];
	assert_int_equal(sz_hex_decode(want, 32, KAT_PK, 64), SZ_OK);
	assert_memory_not_equal(pk, want, 32);

	/* The version digit changed: refused. */
	memcpy(id, KAT_ID, sizeof KAT_ID);
	id[SZ_ONION_ID_LEN - 1] = 'e';
	assert_int_equal(sz_onion_id_check(id), SZ_ERR_MALFORMED);
	assert_int_equal(sz_onion_id_pubkey(id, pk), SZ_ERR_MALFORMED);
	for (size_t i = 0; i < 32; i++)
		assert_int_equal(pk[i], 0);      /* zeroed on failure */

	/* Upper case, a digit outside base32, wrong lengths, NULL. */
	memcpy(id, KAT_ID, sizeof KAT_ID);
	id[3] = 'Q';
	assert_int_equal(sz_onion_id_check(id), SZ_ERR_MALFORMED);
	id[3] = '1';
	assert_int_equal(sz_onion_id_check(id), SZ_ERR_MALFORMED);
	memcpy(id, KAT_ID, sizeof KAT_ID);
	id[SZ_ONION_ID_LEN - 1] = '\0';
	assert_int_equal(sz_onion_id_check(id), SZ_ERR_MALFORMED);
	memcpy(id, KAT_ID, sizeof KAT_ID);
	id[SZ_ONION_ID_LEN] = 'd';
	id[SZ_ONION_ID_LEN + 1] = '\0';
	assert_int_equal(sz_onion_id_check(id), SZ_ERR_MALFORMED);
	assert_int_equal(sz_onion_id_check(NULL), SZ_ERR_MALFORMED);
	assert_int_equal(sz_onion_id_check(""), SZ_ERR_MALFORMED);

	/* Hosts: the suffix is required, exact and lower case. */
	char host[80];
	snprintf(host, sizeof host, "%s.ONION", KAT_ID);
	assert_int_equal(sz_onion_host_check(host), SZ_ERR_MALFORMED);
	snprintf(host, sizeof host, "%s.onion.", KAT_ID);
	assert_int_equal(sz_onion_host_check(host), SZ_ERR_MALFORMED);
	assert_int_equal(sz_onion_host_check(KAT_ID), SZ_ERR_MALFORMED);
	snprintf(host, sizeof host, "x%s.onion", KAT_ID);
	assert_int_equal(sz_onion_host_check(host), SZ_ERR_MALFORMED);
}

static void
test_key_from_seed(void **state)
{
	(void)state;
	uint8_t seed[32], want[32], pk[32], blob[64];
	char key[SZ_ONION_KEY_BUF];
	size_t n;

	assert_int_equal(sz_hex_decode(seed, 32, KAT_SEED, 64), SZ_OK);
	assert_int_equal(sz_hex_decode(want, 32, KAT_PK, 64), SZ_OK);
	assert_int_equal(sz_onion_key_from_seed(key, seed), SZ_OK);
	assert_int_equal(strlen(key), SZ_ONION_KEY_BUF - 1);
	assert_int_equal(sz_onion_key_check(key), SZ_OK);
	assert_int_equal(strncmp(key, "ED25519-V3:", 11), 0);

	/* The blob's scalar times the base point is RFC 8032's public key, which is the one the KAT
	 * address encodes. */
	assert_int_equal(sodium_base642bin(blob, sizeof blob, key + 11, SZ_ONION_KEY_B64_LEN, NULL,
	    &n, NULL, sodium_base64_VARIANT_ORIGINAL), 0);
	assert_int_equal(n, 64);
	assert_int_equal(crypto_scalarmult_ed25519_base_noclamp(pk, blob), 0);
	assert_memory_equal(pk, want, 32);
	uint8_t pk_id[32];
	assert_int_equal(sz_onion_id_pubkey(KAT_ID, pk_id), SZ_OK);
	assert_memory_equal(pk, pk_id, 32);
	/* The high half is the nonce prefix of RFC 8032 5.1.5 (SHA-512 of the seed, upper half). */
	uint8_t h[64];
	crypto_hash_sha512(h, seed, 32);
	assert_memory_equal(blob + 32, h + 32, 32);

	/* A tampered seed gives another key. */
	seed[0] ^= 1;
	char key2[SZ_ONION_KEY_BUF];
	assert_int_equal(sz_onion_key_from_seed(key2, seed), SZ_OK);
	assert_string_not_equal(key, key2);
}

static void
test_key_check(void **state)
{
	(void)state;
	uint8_t b[64];
	char key[SZ_ONION_KEY_BUF + 8];
	memset(b, 0x42, sizeof b);
	memcpy(key, "ED25519-V3:", 11);
	sodium_bin2base64(key + 11, sizeof key - 11, b, sizeof b, sodium_base64_VARIANT_ORIGINAL);
	assert_int_equal(sz_onion_key_check(key), SZ_OK);

	char bad[sizeof key];
	memcpy(bad, key, sizeof key);
	bad[0] = 'e';                                 /* prefix is case-sensitive */
	assert_int_equal(sz_onion_key_check(bad), SZ_ERR_MALFORMED);
	memcpy(bad, key, sizeof key);
	bad[20] = '*';                                /* not base64 */
	assert_int_equal(sz_onion_key_check(bad), SZ_ERR_MALFORMED);
	memcpy(bad, key, sizeof key);
	bad[SZ_ONION_KEY_BUF - 2] = 'A';              /* "=" padding replaced */
	assert_int_equal(sz_onion_key_check(bad), SZ_ERR_MALFORMED);
	memcpy(bad, key, sizeof key);
	bad[SZ_ONION_KEY_BUF - 4] ^= 1;               /* non-zero trailing bits: not canonical */
	assert_int_equal(sz_onion_key_check(bad), SZ_ERR_MALFORMED);
	memcpy(bad, key, sizeof key);
	bad[SZ_ONION_KEY_BUF - 1] = 'A';              /* one digit too many */
	bad[SZ_ONION_KEY_BUF] = '\0';
	assert_int_equal(sz_onion_key_check(bad), SZ_ERR_MALFORMED);
	memcpy(bad, key, sizeof key);
	bad[SZ_ONION_KEY_BUF - 2] = '\0';             /* one too few */
	assert_int_equal(sz_onion_key_check(bad), SZ_ERR_MALFORMED);
	assert_int_equal(sz_onion_key_check("NEW:ED25519-V3"), SZ_ERR_MALFORMED);
	assert_int_equal(sz_onion_key_check(NULL), SZ_ERR_MALFORMED);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id_kat),
		cmocka_unit_test(test_id_tampered),
		cmocka_unit_test(test_key_from_seed),
		cmocka_unit_test(test_key_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
