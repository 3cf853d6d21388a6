/*
 * fuzz_store_key.c - libFuzzer target for the store's key-file parser (store/keyfile.c).
 * Whatever parses (version 1 or 2) must have bounded KDF parameters and re-encode to the same
 * fields, with damage flagged exactly when the checksum differs; every slot
 * is then tried with a fixed KEK (no Argon2id here: a hostile file must not cost more than
 * the AEAD), and a slot that opens must hold a known role.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "samizdat.h"
#include "store/keyfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	if (!ready) {
		if (sz_init() != SZ_OK)
			abort();
		ready = 1;
	}
	sz_keyfile kf;
	int r = sz_keyfile_parse(&kf, data, size);
	if (r != SZ_OK) {
		if (r != SZ_ERR_CORRUPT && r != SZ_ERR_UNSUPPORTED)
			abort();
		return 0;
	}
	if ((size != SZ_KEYFILE_BYTES && size != SZ_KEYFILE_V1_BYTES) || kf.ops < SZ_KDF_OPS_MIN ||
	    kf.ops > SZ_KDF_OPS_MAX || kf.mem_kib < SZ_KDF_MEM_KIB_MIN ||
	    kf.mem_kib > SZ_KDF_MEM_KIB_MAX || kf.version != (size == SZ_KEYFILE_BYTES ? 2 : 1))
		abort();
	/* Re-encoding (always version 2) gives back the same fields, and a whole checksum. */
	uint8_t out[SZ_KEYFILE_BYTES];
	sz_keyfile_encode(&kf, out);
	if (memcmp(out, data, SZ_KEYFILE_V1_BYTES) != 0)
		abort();
	if (size == SZ_KEYFILE_BYTES && (memcmp(out, data, size) != 0) != kf.damaged)
		abort();
	static const uint8_t kek[32] = { 0x5a };
	uint8_t master[32];
	unsigned slot;
	uint8_t role;
	if (sz_keyfile_unseal(&kf, kek, &slot, &role, master) == SZ_OK &&
	    ((role != SZ_KEY_ROLE_REAL && role != SZ_KEY_ROLE_DURESS) || slot >= SZ_KEYFILE_SLOTS))
		abort();
	return 0;
}
