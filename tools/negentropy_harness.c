/*
 * negentropy_harness.c - samizdat's Negentropy v1 behind the conformance harness's line protocol
 * (hoytech/negentropy test/cpp/harness.cpp and test/js/harness.js; driven by test/fuzz.pl).
 * Tool: stdin lines "item,<ts>,<hex id>", "seal", "initiate", "msg,<hex>"; stdout lines
 * "msg,<hex>", "have,<hex>", "need,<hex>", "done".  FRAMESIZELIMIT sets the frame size limit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "samizdat.h"
#include "lib/bytes.h"
#include "recon/negentropy.h"

/* The longest line accepted: a message at the default maximum, in hex, plus the command. */
#define MAX_LINE (2 * (size_t)SZ_NEG_DEFAULT_MAX_MESSAGE + 64)

typedef struct harness {
	sz_neg_storage *st;
	sz_neg *neg;
	uint64_t frame_limit;
	bool initiator;
	sz_buf out, have, need;
	char *hex;
	size_t hex_cap;
} harness;

static int
fail(const char *what, int err)
{
	if (err != 0)
		fprintf(stderr, "negentropy_harness: %s: %s\n", what, sz_strerror(err));
	else
		fprintf(stderr, "negentropy_harness: %s\n", what);
	return 1;
}

static int
print_hex(harness *h, const char *tag, const uint8_t *p, size_t n)
{
	if (n > (SIZE_MAX - 1) / 2)
		return SZ_ERR_TOO_LARGE;
	if (2 * n + 1 > h->hex_cap) {
		char *q = realloc(h->hex, 2 * n + 1);
		if (q == NULL)
			return SZ_ERR_NOMEM;
		h->hex = q;
		h->hex_cap = 2 * n + 1;
	}
	sz_hex_encode(h->hex, p, n);
	if (printf("%s,%s\n", tag, h->hex) < 0)
		return SZ_ERR_IO;
	return SZ_OK;
}

/* Parse a decimal u64 the way std::stoull would accept it (digits only here). */
static int
parse_u64(const char *s, uint64_t *v)
{
	char *end = NULL;
	*v = 0;
	if (*s < '0' || *s > '9')
		return SZ_ERR_MALFORMED;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return SZ_ERR_MALFORMED;
	*v = (uint64_t)x;
	return SZ_OK;
}

static int
cmd_item(harness *h, char *ts_s, char *id_s)
{
	uint64_t ts;
	uint8_t id[SZ_NEG_ID_BYTES];
	if (h->neg != NULL)
		return fail("item after seal", SZ_ERR_STATE);
	if (parse_u64(ts_s, &ts) != SZ_OK)
		return fail("bad timestamp", SZ_ERR_MALFORMED);
	if (sz_hex_decode(id, sizeof(id), id_s, strlen(id_s)) != SZ_OK)
		return fail("bad id (want 64 hex digits)", SZ_ERR_MALFORMED);
	int r = sz_neg_storage_insert(h->st, ts, id);
	return r == SZ_OK ? 0 : fail("insert", r);
}

static int
cmd_seal(harness *h)
{
	int r = sz_neg_storage_seal(h->st);
	if (r != SZ_OK)
		return fail("seal", r);
	sz_neg_config cfg = { .frame_size_limit = h->frame_limit };
	r = sz_neg_new(&h->neg, h->st, &cfg);
	return r == SZ_OK ? 0 : fail("frameSizeLimit too small or bad session", r);
}

static int
emit_msg(harness *h)
{
	if (h->frame_limit != 0 && h->out.len > h->frame_limit)
		return fail("frameSizeLimit exceeded", 0);
	int r = print_hex(h, "msg", h->out.p, h->out.len);
	if (r == SZ_OK && fflush(stdout) != 0)
		r = SZ_ERR_IO;
	return r == SZ_OK ? 0 : fail("write", r);
}

static int
cmd_initiate(harness *h)
{
	if (h->neg == NULL)
		return fail("initiate before seal", SZ_ERR_STATE);
	int r = sz_neg_initiate(h->neg, &h->out);
	if (r != SZ_OK)
		return fail("initiate", r);
	h->initiator = true;
	return emit_msg(h);
}

static int
cmd_msg(harness *h, const char *hex)
{
	uint8_t *msg = NULL;
	size_t len = 0;
	int r, rc = 1;
	if (h->neg == NULL)
		return fail("msg before seal", SZ_ERR_STATE);
	if ((r = sz_hex_decode_alloc(hex, &msg, &len)) != SZ_OK)
		return fail("bad hex in msg", r);
	if (h->initiator) {
		bool done = false;
		h->have.len = h->need.len = 0;
		if ((r = sz_neg_reconcile(h->neg, msg, len, &h->out, &h->have, &h->need, &done)) != 0) {
			rc = fail("reconcile", r);
			goto out;
		}
		for (size_t i = 0; i + SZ_NEG_ID_BYTES <= h->have.len; i += SZ_NEG_ID_BYTES) {
			if (print_hex(h, "have", h->have.p + i, SZ_NEG_ID_BYTES) != SZ_OK)
				goto out;
		}
		for (size_t i = 0; i + SZ_NEG_ID_BYTES <= h->need.len; i += SZ_NEG_ID_BYTES) {
			if (print_hex(h, "need", h->need.p + i, SZ_NEG_ID_BYTES) != SZ_OK)
				goto out;
		}
		if (done) {
			if (printf("done\n") < 0 || fflush(stdout) != 0)
				goto out;
			rc = 0;
			goto out;
		}
	} else if ((r = sz_neg_respond(h->neg, msg, len, &h->out)) != SZ_OK) {
		rc = fail("reconcile", r);
		goto out;
	}
	rc = emit_msg(h);
out:
	free(msg);
	return rc;
}

/* Split line at commas into at most 4 fields (a 4th means too many); returns the count. */
static size_t
split(char *line, char *f[4])
{
	size_t n = 0;
	char *p = line;
	while (n < 4) {
		f[n++] = p;
		char *c = strchr(p, ',');
		if (c == NULL)
			break;
		*c = '\0';
		p = c + 1;
	}
	return n;
}

static int
run(harness *h, FILE *in)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t got;
	int rc = 0;
	while (rc == 0 && (got = getline(&line, &cap, in)) >= 0) {
		if ((size_t)got > MAX_LINE) {
			rc = fail("line too long", SZ_ERR_TOO_LARGE);
			break;
		}
		while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r' ||
		    line[got - 1] == ' ' || line[got - 1] == '\t'))
			line[--got] = '\0';
		if (got == 0)
			continue;
		char *f[4];
		size_t nf = split(line, f);
		if (strcmp(f[0], "item") == 0) {
			rc = nf == 3 ? cmd_item(h, f[1], f[2]) : fail("wrong num of fields", 0);
		} else if (strcmp(f[0], "seal") == 0) {
			rc = cmd_seal(h);
		} else if (strcmp(f[0], "initiate") == 0) {
			rc = cmd_initiate(h);
		} else if (strcmp(f[0], "msg") == 0) {
			rc = cmd_msg(h, nf >= 2 ? f[1] : "");
		} else {
			fprintf(stderr, "negentropy_harness: unknown cmd: %s\n", f[0]);
			rc = 1;
		}
	}
	free(line);
	return rc;
}

int
main(void)
{
	harness h = { 0 };
	int rc = 1;
	const char *fl = getenv("FRAMESIZELIMIT");
	if (sz_init() != SZ_OK)
		return fail("sz_init", SZ_ERR_INTERNAL);
	if (fl != NULL && *fl != '\0' && parse_u64(fl, &h.frame_limit) != SZ_OK)
		return fail("bad FRAMESIZELIMIT", SZ_ERR_MALFORMED);
	if (sz_neg_storage_new(&h.st, 0) != SZ_OK)
		return fail("storage", SZ_ERR_NOMEM);
	rc = run(&h, stdin);
	sz_neg_free(h.neg);
	sz_neg_storage_free(h.st);
	sz_buf_free(&h.out);
	sz_buf_free(&h.have);
	sz_buf_free(&h.need);
	free(h.hex);
	return rc;
}
