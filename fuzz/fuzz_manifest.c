/*
 * fuzz_manifest.c - libFuzzer target: manifests and the post and leaflet bodies that carry them
 * (wire/attach.c).  Whatever decodes must encode back to the same bytes (one encoding each),
 * name sizes within the bound, and its text must lie inside the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "samizdat.h"
#include "wire/attach.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sz_manifest m;
	sz_body b;
	sz_buf again = { 0 };
	if (size == 0)
		return 0;
	if (sz_manifest_decode(&m, data, size) == SZ_OK) {
		uint8_t enc[SZ_MANIFEST_BYTES];
		sz_manifest_encode(&m, enc);
		if (size != SZ_MANIFEST_BYTES || memcmp(enc, data, size) != 0 || m.size == 0 ||
		    m.size > SZ_ATTACH_MAX)
			abort();
	}
	if (sz_post_body_decode(&b, data, size) == SZ_OK) {
		if (b.text < data || b.text + b.len != data + size || b.nfiles > SZ_ATTACH_PER_ENTRY)
			abort();
		sz_post_body_encode(&again, b.reply ? b.reply_to : NULL, b.files, b.nfiles, b.text, b.len);
		if (again.err || again.len != size || memcmp(again.p, data, size) != 0)
			abort();
		sz_buf_free(&again);
	}
	if (sz_leaflet_body_decode(&b, data, size) == SZ_OK) {
		if (b.text < data || b.text + b.len != data + size)
			abort();
		sz_leaflet_body_encode(&again, b.files, b.nfiles, b.text, b.len);
		if (again.err || again.len != size || memcmp(again.p, data, size) != 0)
			abort();
		sz_buf_free(&again);
	}
	return 0;
}
