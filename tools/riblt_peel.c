/*
 * riblt_peel.c - decode a stream of Rateless IBLT coded symbols of 64-bit symbols against a local
 * set.  Tool for the interop test (tests/interop/riblt.t), the counterpart of riblt_symbols.
 * Usage: riblt_peel LOCALSET < codedsymbols
 *   LOCALSET: one unsigned 64-bit decimal symbol per line; stdin: symbol,hash,count lines as
 *   riblt_symbols prints them.  Prints "remote N" (only the stream's set holds N) and "local N"
 *   (only LOCALSET holds N) lines.  Exit 0 decoded, 1 not decoded or error, 2 bad input.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/bytes.h"
#include "recon/riblt.h"
#include "samizdat.h"

#define MAX_CELLS (1u << 20)

/* Parse decimal digits into *v, stopping at stop (or the end); returns the end or NULL. */
static const char *
parse_u64(const char *s, char stop, uint64_t *v)
{
	uint64_t x = 0;
	const char *p = s;
	for (; *p && *p != stop; p++) {
		if (*p < '0' || *p > '9')
			return NULL;
		unsigned d = (unsigned)(*p - '0');
		if (x > (UINT64_MAX - d) / 10)
			return NULL;
		x = x * 10 + d;
	}
	if (p == s)
		return NULL;
	*v = x;
	return p;
}

/* Read one line without its end into buf; 1 read, 0 end of file, -1 too long. */
static int
read_line(FILE *f, char *buf, size_t n)
{
	if (fgets(buf, (int)n, f) == NULL)
		return 0;
	size_t len = strlen(buf);
	if (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	else if (!feof(f))
		return -1;
	if (len > 0 && buf[len - 1] == '\r')
		buf[--len] = '\0';
	return 1;
}

int
main(int argc, char **argv)
{
	int rc = 1, r;
	FILE *f = NULL;
	sz_riblt_sketch *local = NULL;
	sz_riblt_decoder *dec = NULL;
	char line[128];
	unsigned long lineno = 0;
	if (argc != 2) {
		fprintf(stderr, "usage: riblt_peel LOCALSET < codedsymbols\n");
		return 2;
	}
	if (sz_init() != SZ_OK)
		return 1;
	uint8_t key[SZ_RIBLT_KEY_BYTES];
	sz_store_u64le(key, 123);
	sz_store_u64le(key + 8, 456);
	if ((r = sz_riblt_sketch_new(&local, 8, key, 0)) != SZ_OK)
		goto fail;
	if ((f = fopen(argv[1], "r")) == NULL) {
		fprintf(stderr, "riblt_peel: %s: %s\n", argv[1], strerror(errno));
		rc = 2;
		goto out;
	}
	for (;;) {
		int got = read_line(f, line, sizeof(line));
		if (got == 0)
			break;
		lineno++;
		uint64_t v;
		const char *end = got > 0 ? parse_u64(line, '\0', &v) : NULL;
		if (end == NULL) {
			fprintf(stderr, "riblt_peel: %s line %lu: not an unsigned 64-bit decimal number\n",
			    argv[1], lineno);
			rc = 2;
			goto out;
		}
		uint8_t sym[8];
		sz_store_u64le(sym, v);
		if ((r = sz_riblt_sketch_add(local, sym)) != SZ_OK) {
			fprintf(stderr, "riblt_peel: %s line %lu: %s\n", argv[1], lineno,
			    r == SZ_ERR_EXISTS ? "duplicate symbol" : sz_strerror(r));
			rc = 2;
			goto out;
		}
	}
	lineno = 0;
	size_t used = 0;
	for (;;) {
		int got = read_line(stdin, line, sizeof(line));
		if (got == 0)
			break;
		lineno++;
		uint64_t sym, hash, count;
		const char *p = got > 0 ? parse_u64(line, ',', &sym) : NULL;
		if (p != NULL && *p == ',')
			p = parse_u64(p + 1, ',', &hash);
		else
			p = NULL;
		if (p != NULL && *p == ',')
			p = parse_u64(p + 1, '\0', &count);
		else
			p = NULL;
		if (p == NULL || count > INT64_MAX) {
			fprintf(stderr, "riblt_peel: stdin line %lu: want symbol,hash,count (decimal, count"
			    " not negative)\n", lineno);
			rc = 2;
			goto out;
		}
		if (dec == NULL) {
			/* Coded symbol 0 holds every item: its count is the sender's set size. */
			sz_riblt_limits lim = { .max_cells = MAX_CELLS, .max_items = 0, .max_count = count };
			if ((r = sz_riblt_decoder_new(&dec, local, &lim)) != SZ_OK)
				goto fail;
		}
		if (sz_riblt_decoder_done(dec))
			continue; /* read the rest, use none of it */
		uint8_t sum[8];
		sz_store_u64le(sum, sym);
		if ((r = sz_riblt_decoder_add(dec, sum, hash, count)) != SZ_OK ||
		    (r = sz_riblt_decoder_run(dec)) != SZ_OK)
			goto fail;
		used++;
	}
	if (dec == NULL || !sz_riblt_decoder_done(dec)) {
		fprintf(stderr, "riblt_peel: not decoded after %zu coded symbols\n", used);
		rc = 1;
		goto out;
	}
	for (size_t j = 0; j < sz_riblt_decoder_count(dec); j++) {
		uint64_t h;
		int side;
		const uint8_t *s = sz_riblt_decoder_item(dec, j, &h, &side);
		printf("%s %llu\n", side > 0 ? "remote" : "local",
		    (unsigned long long)sz_load_u64le(s));
	}
	fprintf(stderr, "riblt_peel: decoded after %zu coded symbols\n", used);
	rc = fflush(stdout) == 0 ? 0 : 1;
	goto out;
fail:
	fprintf(stderr, "riblt_peel: %s\n", sz_strerror(r));
	rc = 1;
out:
	if (f != NULL)
		fclose(f);
	sz_riblt_decoder_free(dec);
	sz_riblt_sketch_free(local);
	return rc;
}
