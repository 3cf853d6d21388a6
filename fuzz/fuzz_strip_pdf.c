/*
 * fuzz_strip_pdf.c - libFuzzer target: PDF stripping (media/pdf.c over libqpdf).  Our walk over
 * whatever object graph libqpdf reads must end, stay bounded and never crash; what it writes
 * must read back and carry no document information.  Inputs are capped at 64 KiB (libqpdf is
 * slow on large junk, and the walk is what we fuzz).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "media/strip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	sz_buf in = { 0 }, out = { 0 }, again = { 0 };
	sz_strip_report rep;
	/* make sure the sniffer says PDF, whatever the fuzzer starts with */
	sz_buf_append(&in, "%PDF-1.7\n", 9);
	sz_buf_append(&in, data, size);
	if (in.err == 0 && sz_strip(in.p, in.len, &out, &rep) == SZ_OK) {
		if (rep.type != SZ_MEDIA_PDF)
			abort();
		if (sz_strip(out.p, out.len, &again, &rep) != SZ_OK || (rep.removed & SZ_STRIP_INFO))
			abort();
	}
	sz_buf_free(&in);
	sz_buf_free(&out);
	sz_buf_free(&again);
	return 0;
}
