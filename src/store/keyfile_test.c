/*
 * keyfile_test.c - unit tests of the key file (store/keyfile.c): encoding and its bounds, sealing
 * and unsealing with tampered bytes in every part, both slots, and the crash-safe rewrite.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "lib/bytes.h"
#include "store/keyfile.h"

static sz_env_seeded rnd;

static void
test_roundtrip_and_tamper(void **state)
{
	(void)state;
	sz_keyfile kf, back;
	uint8_t kek[32], kek2[32], master[32] = { 0x11 }, got[32], buf[SZ_KEYFILE_BYTES];
	unsigned slot;
	uint8_t role;
	sz_env_seeded_init(&rnd, 1, 0);
	assert_int_equal(sz_keyfile_init(&kf, 0, 0, &rnd.env), SZ_OK);
	assert_int_equal(kf.ops, SZ_KDF_OPS_DEFAULT);
	assert_int_equal(kf.mem_kib, SZ_KDF_MEM_KIB_DEFAULT);
	assert_int_equal(sz_keyfile_init(&kf, 1, 8, &rnd.env), SZ_OK);
	assert_int_equal(sz_keyfile_init(&back, SZ_KDF_OPS_MAX + 1, 8, &rnd.env), SZ_ERR_INVALID);
	assert_int_equal(sz_keyfile_kek(kek, &kf, "pass", 4), SZ_OK);
	assert_int_equal(sz_keyfile_kek(kek2, &kf, "pasS", 4), SZ_OK);
	assert_int_equal(sz_keyfile_kek(kek2, &kf, "", 0), SZ_ERR_INVALID);
	/* Nothing opens an initialised file: both slots are random. */
	assert_int_equal(sz_keyfile_unseal(&kf, kek, &slot, &role, got), SZ_ERR_PASSPHRASE);
	assert_int_equal(sz_keyfile_seal(&kf, 1, kek, SZ_KEY_ROLE_REAL, master, &rnd.env), SZ_OK);
	sz_keyfile_encode(&kf, buf);
	assert_int_equal(sz_keyfile_parse(&back, buf, sizeof buf), SZ_OK);
	assert_memory_equal(&back, &kf, sizeof kf);
	assert_int_equal(sz_keyfile_unseal(&back, kek, &slot, &role, got), SZ_OK);
	assert_int_equal(slot, 1);
	assert_int_equal(role, SZ_KEY_ROLE_REAL);
	assert_memory_equal(got, master, 32);
	assert_int_equal(sz_keyfile_unseal(&back, kek2, &slot, &role, got), SZ_ERR_PASSPHRASE);

	assert_int_equal(back.version, 2);
	assert_false(back.damaged);

	/* Every byte of the file matters: parameters, salt (both bound as AD) and the sealed slot;
	 * and every flip, wherever it is, is seen as damage by the checksum (a flip in the unused
	 * slot or the checksum itself leaves the real slot openable). */
	for (size_t i = 0; i < sizeof buf; i++) {
		uint8_t t[SZ_KEYFILE_BYTES];
		memcpy(t, buf, sizeof t);
		t[i] ^= 0x01;
		int r = sz_keyfile_parse(&back, t, sizeof t);
		if (r != SZ_OK) {
			assert_int_equal(r, SZ_ERR_CORRUPT); /* a parameter out of bounds, and damaged */
			assert_true(i < 8);
			continue;
		}
		assert_true(back.damaged);
		int opens = sz_keyfile_unseal(&back, kek, &slot, &role, got) == SZ_OK;
		int harmless = (i >= SZ_KEYFILE_HDR_BYTES && i < SZ_KEYFILE_HDR_BYTES +
		    SZ_KEYFILE_SLOT_BYTES) || i >= SZ_KEYFILE_V1_BYTES;
		assert_int_equal(opens, harmless);
	}
	/* Version 1 (no checksum) still parses; damage there cannot be told from a wrong passphrase. */
	assert_int_equal(sz_keyfile_parse(&back, buf, SZ_KEYFILE_V1_BYTES), SZ_OK);
	assert_int_equal(back.version, 1);
	assert_false(back.damaged);
	assert_int_equal(sz_keyfile_unseal(&back, kek, &slot, &role, got), SZ_OK);
	/* Swapping the slots breaks the slot binding. */
	sz_keyfile sw = kf;
	memcpy(sw.slot[0], kf.slot[1], SZ_KEYFILE_SLOT_BYTES);
	memcpy(sw.slot[1], kf.slot[0], SZ_KEYFILE_SLOT_BYTES);
	assert_int_equal(sz_keyfile_unseal(&sw, kek, &slot, &role, got), SZ_ERR_PASSPHRASE);

	/* Lengths and bounds: another length is damage; parameters out of bounds are damage unless
	 * a matching checksum says the file was written so (then: not a file we speak). */
	assert_int_equal(sz_keyfile_parse(&back, buf, sizeof buf - 1), SZ_ERR_CORRUPT);
	uint8_t big[SZ_KEYFILE_BYTES + 1] = { 0 };
	assert_int_equal(sz_keyfile_parse(&back, big, sizeof big), SZ_ERR_CORRUPT);
	uint8_t t[SZ_KEYFILE_BYTES];
	memcpy(t, buf, sizeof t);
	sz_store_u32(t, 0);
	assert_int_equal(sz_keyfile_parse(&back, t, sizeof t), SZ_ERR_CORRUPT);
	assert_int_equal(sz_keyfile_parse(&back, t, SZ_KEYFILE_V1_BYTES), SZ_ERR_CORRUPT);
	static const char label[] = "samizdat key file v2: checksum";
	assert_int_equal(sz_blake2b(t + SZ_KEYFILE_V1_BYTES, 32, t, SZ_KEYFILE_V1_BYTES,
	    (const uint8_t *)label, sizeof label - 1), SZ_OK);
	assert_int_equal(sz_keyfile_parse(&back, t, sizeof t), SZ_ERR_UNSUPPORTED);
	memcpy(t, buf, sizeof t);
	sz_store_u32(t + 4, SZ_KDF_MEM_KIB_MAX + 1);
	assert_int_equal(sz_keyfile_parse(&back, t, sizeof t), SZ_ERR_CORRUPT);
}

static void
test_files(void **state)
{
	(void)state;
	char dir[256], path[300], cmd[300];
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof dir, "%s/sz-keyfile-XXXXXX", tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(dir));
	sz_keyfile kf, got, pend;
	int has;
	uint8_t kek[32] = { 3 }, master[32] = { 4 }, m[32];
	unsigned slot;
	uint8_t role;
	sz_env_seeded_init(&rnd, 2, 0);
	assert_int_equal(sz_keyfile_load(dir, &got, &pend, &has), SZ_ERR_NOT_FOUND);
	assert_int_equal(sz_keyfile_init(&kf, 1, 8, &rnd.env), SZ_OK);
	assert_int_equal(sz_keyfile_seal(&kf, 0, kek, SZ_KEY_ROLE_REAL, master, &rnd.env), SZ_OK);
	assert_int_equal(sz_keyfile_store(dir, &kf), SZ_OK);
	assert_int_equal(sz_keyfile_load(dir, &got, &pend, &has), SZ_OK);
	assert_int_equal(has, 0);
	assert_memory_equal(&got, &kf, sizeof kf);

	/* A rewrite interrupted after key.new was synced: both are offered to the opener. */
	sz_keyfile next = kf;
	assert_int_equal(sz_keyfile_seal(&next, 0, kek, SZ_KEY_ROLE_REAL, master, &rnd.env), SZ_OK);
	uint8_t buf[SZ_KEYFILE_BYTES];
	sz_keyfile_encode(&next, buf);
	snprintf(path, sizeof path, "%s/key.new", dir);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, sizeof buf, f), sizeof buf);
	fclose(f);
	/* ... and the key file itself torn mid-overwrite. */
	snprintf(path, sizeof path, "%s/key", dir);
	assert_int_equal(truncate(path, 100), 0);
	assert_int_equal(sz_keyfile_load(dir, &got, &pend, &has), SZ_OK);
	assert_int_equal(has, 1);
	assert_memory_equal(&pend, &next, sizeof next);
	assert_memory_equal(&got, &next, sizeof next); /* the torn one is replaced by the pending */
	assert_int_equal(sz_keyfile_unseal(&got, kek, &slot, &role, m), SZ_OK);
	assert_int_equal(sz_keyfile_drop_pending(dir), SZ_OK);

	/* Destroy: gone, and nothing left to load. */
	assert_int_equal(sz_keyfile_store(dir, &next), SZ_OK);
	assert_int_equal(sz_keyfile_destroy(dir), SZ_OK);
	assert_int_equal(sz_keyfile_load(dir, &got, &pend, &has), SZ_ERR_NOT_FOUND);
	assert_int_equal(sz_keyfile_destroy(dir), SZ_OK);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	if (sz_init() != 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_and_tamper),
		cmocka_unit_test(test_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
