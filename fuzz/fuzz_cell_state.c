/*
 * fuzz_cell_state.c - libFuzzer target: the cell state deserializer (src/cell/statefile.c).
 * A state that decodes must serialize back to exactly the same bytes (one canonical form).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "samizdat.h"
#include "cell/cell.h"
#include "lib/env.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	static sz_env_seeded env;
	if (!ready) {
		if (sz_init() != SZ_OK)
			abort();
		sz_env_seeded_init(&env, 1, 0);
		ready = 1;
	}
	sz_cell *c = NULL;
	if (sz_cell_deserialize(&c, &env.env, data, size) == SZ_OK) {
		uint8_t *out;
		size_t n;
		if (sz_cell_serialize(c, &out, &n) != SZ_OK)
			abort();
		if (n != size || memcmp(out, data, n) != 0)
			abort();
		free(out);
	}
	sz_cell_free(c);
	return 0;
}
