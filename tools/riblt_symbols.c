/*
 * riblt_symbols.c - print the first K Rateless IBLT coded symbols of a set of 64-bit symbols.
 * Tool for the interop test (tests/interop/riblt.t): the symbol hash is the one @peerbit/riblt
 * and the reference use for u64, SipHash-2-4 with k0 = 123, k1 = 456 over the 8 little-endian
 * bytes.  Usage: riblt_symbols K < symbols  (decimal, one per line); prints symbol,hash,count.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/bytes.h"
#include "recon/riblt.h"
#include "samizdat.h"

#define MAX_K (1u << 20)

/* Parse a whole decimal u64 (digits only, no sign, no spaces); 0 on success. */
static int
parse_u64(const char *s, uint64_t *v)
{
	uint64_t x = 0;
	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		unsigned d = (unsigned)(*s - '0');
		if (x > (UINT64_MAX - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	*v = x;
	return 0;
}

int
main(int argc, char **argv)
{
	uint64_t k;
	if (argc != 2 || parse_u64(argv[1], &k) != 0 || k > MAX_K) {
		fprintf(stderr, "usage: riblt_symbols K < symbols   (K a decimal number, at most %u;\n"
		    "       symbols: one unsigned 64-bit decimal number per line)\n", MAX_K);
		return 2;
	}
	if (sz_init() != SZ_OK) {
		fprintf(stderr, "riblt_symbols: libsodium failed to start\n");
		return 1;
	}
	uint8_t key[SZ_RIBLT_KEY_BYTES];
	sz_store_u64le(key, 123);
	sz_store_u64le(key + 8, 456);
	sz_riblt_sketch *s = NULL;
	int r = sz_riblt_sketch_new(&s, 8, key, (size_t)k);
	if (r != SZ_OK) {
		fprintf(stderr, "riblt_symbols: %s\n", sz_strerror(r));
		return 1;
	}
	char line[64];
	unsigned long lineno = 0;
	int rc = 0;
	while (fgets(line, sizeof(line), stdin) != NULL) {
		lineno++;
		size_t n = strlen(line);
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		else if (!feof(stdin)) {
			fprintf(stderr, "riblt_symbols: line %lu: too long\n", lineno);
			rc = 2;
			goto out;
		}
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		uint64_t v;
		if (parse_u64(line, &v) != 0) {
			fprintf(stderr, "riblt_symbols: line %lu: not an unsigned 64-bit decimal number\n",
			    lineno);
			rc = 2;
			goto out;
		}
		uint8_t sym[8];
		sz_store_u64le(sym, v);
		if ((r = sz_riblt_sketch_add(s, sym)) != SZ_OK) {
			fprintf(stderr, "riblt_symbols: line %lu: %s\n", lineno,
			    r == SZ_ERR_EXISTS ? "duplicate symbol (the input is a set)" : sz_strerror(r));
			rc = r == SZ_ERR_EXISTS ? 2 : 1;
			goto out;
		}
	}
	if (ferror(stdin)) {
		fprintf(stderr, "riblt_symbols: reading stdin failed\n");
		rc = 1;
		goto out;
	}
	for (size_t i = 0; i < (size_t)k; i++) {
		uint8_t sum[8];
		uint64_t h;
		int64_t c;
		if (sz_riblt_sketch_cell(s, i, sum, &h, &c) != SZ_OK) {
			rc = 1;
			goto out;
		}
		printf("%llu,%llu,%lld\n", (unsigned long long)sz_load_u64le(sum),
		    (unsigned long long)h, (long long)c);
	}
	if (fflush(stdout) != 0)
		rc = 1;
out:
	sz_riblt_sketch_free(s);
	return rc;
}
