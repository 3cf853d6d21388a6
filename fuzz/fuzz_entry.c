/*
 * fuzz_entry.c - libFuzzer target: the entry decoder and the envelope parser/opener.
 * Anything that decodes must re-encode to the same bytes (one entry, one encoding).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "samizdat.h"
#include "wire/entry.h"
#include "wire/envelope.h"

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
	sz_entry e;
	uint8_t id[32];
	if (sz_entry_decode(&e, id, data, size, 0) == SZ_OK) {
		/* A decoded entry lies entirely inside the input. */
		if (e.body_len > size || e.nparents > SZ_ENTRY_MAX_PARENTS)
			abort();
	}
	sz_envelope env;
	if (sz_env_parse(&env, data, size, 0) == SZ_OK && env.format == SZ_ENV_SEALED) {
		static const uint8_t key[32] = { 1 };
		uint8_t *buf;
		const uint8_t *pt;
		size_t n, bl;
		if (sz_env_open(&buf, &bl, &pt, &n, &env, key) == SZ_OK)
			sz_env_open_free(buf, bl);
	}
	return 0;
}
