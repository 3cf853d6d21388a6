/*
 * lsag_emit.c - interop helper for tests/interop/lsag.t: prints LSAG signatures, tag reveals and
 * proofs of possession made by the C code ("emit"), and checks ones made by the independent
 * JavaScript implementation in tests/interop/lsag_check.js ("verify", lines on stdin).
 * Line format: a kind word then key=value tokens (hex bytes or decimal), see lsag_check.js.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/lsag.h"
#include "crypto/pop.h"
#include "lib/bytes.h"

#define MAXN 16
#define LINE_MAX_BYTES 16384

static void
hex_out(const char *key, const uint8_t *p, size_t n)
{
	printf(" %s=", key);
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
}

static int
emit(void)
{
	static const size_t sizes[] = { 1, 2, 5, 16 };
	sz_env_seeded e;
	uint8_t pk[MAXN][32], sk[MAXN][32], t[32], sig[32 * (MAXN + 2)], proof[64];
	uint8_t cell[32], proposal[32], roster[32], member[32];
	static const uint8_t msg[] = "interop ballot: yes";

	sz_env_seeded_init(&e, 2024, 0);
	sz_random(&e.env, cell, 32);
	sz_random(&e.env, proposal, 32);
	sz_random(&e.env, roster, 32);
	sz_random(&e.env, member, 32);
	for (int i = 0; i < MAXN; i++) {
		if (sz_vote_keygen(pk[i], sk[i], &e.env) != SZ_OK)
			return 1;
	}
	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		size_t n = sizes[k], me = (k * 3) % n;
		uint32_t kind = k % 2 ? SZ_LSAG_KIND_PLEDGE : SZ_LSAG_KIND_BALLOT;
		if (sz_lsag_tag_base(t, cell, proposal, roster, kind) != SZ_OK ||
		    sz_lsag_sign(sig, SZ_LSAG_SIG_BYTES(n), msg, sizeof msg - 1,
		    (const uint8_t(*)[32])pk, n, me, sk[me], t, &e.env) != SZ_OK)
			return 1;
		printf("lsag n=%zu kind=%u", n, (unsigned)kind);
		hex_out("cell", cell, 32);
		hex_out("proposal", proposal, 32);
		hex_out("roster", roster, 32);
		hex_out("T", t, 32);
		hex_out("msg", msg, sizeof msg - 1);
		hex_out("ring", pk[0], 32 * n);
		hex_out("sig", sig, SZ_LSAG_SIG_BYTES(n));
		hex_out("sk", sk[me], 32); /* test keys only: lets the checker recompute the tag */
		printf(" signer=%zu\n", me);
		if (sz_lsag_tag_prove(proof, sk[me], t, &e.env) != SZ_OK)
			return 1;
		printf("reveal");
		hex_out("pk", pk[me], 32);
		hex_out("T", t, 32);
		hex_out("tag", sig + SZ_LSAG_SIG_BYTES(n) - 32, 32);
		hex_out("proof", proof, 64);
		printf("\n");
	}
	if (sz_pop_prove(proof, sk[3], cell, member, &e.env) != SZ_OK)
		return 1;
	printf("pop");
	hex_out("pk", pk[3], 32);
	hex_out("cell", cell, 32);
	hex_out("member", member, 32);
	hex_out("proof", proof, 64);
	printf("\n");
	sodium_memzero(sk, sizeof sk);
	return 0;
}

/* Find key=value in line; decode hex into out (exactly want bytes, or up to max if want = 0). */
static int
field(const char *line, const char *key, uint8_t *out, size_t want, size_t max, size_t *got)
{
	char pat[32];
	snprintf(pat, sizeof pat, " %s=", key);
	const char *p = strstr(line, pat);
	if (p == NULL)
		return -1;
	p += strlen(pat);
	size_t len = strcspn(p, " \n");
	if (len % 2 || (want && len != 2 * want) || len / 2 > max)
		return -1;
	if (sz_hex_decode(out, len / 2, p, len) != SZ_OK)
		return -1;
	if (got != NULL)
		*got = len / 2;
	return 0;
}

static int
verify_line(const char *line)
{
	uint8_t cell[32], proposal[32], roster[32], t[32], pk[32], tag[32], proof[64], member[32];
	static uint8_t ring[MAXN * 32], sig[32 * (MAXN + 2)], msg[1024];
	size_t ringlen, siglen, msglen;

	if (strncmp(line, "lsag ", 5) == 0) {
		const char *k = strstr(line, " kind=");
		if (k == NULL || field(line, "cell", cell, 32, 32, NULL) ||
		    field(line, "proposal", proposal, 32, 32, NULL) ||
		    field(line, "roster", roster, 32, 32, NULL) ||
		    field(line, "msg", msg, 0, sizeof msg, &msglen) ||
		    field(line, "ring", ring, 0, sizeof ring, &ringlen) ||
		    field(line, "sig", sig, 0, sizeof sig, &siglen) || ringlen % 32)
			return SZ_ERR_MALFORMED;
		uint32_t kind = (uint32_t)strtoul(k + 6, NULL, 10);
		if (sz_lsag_tag_base(t, cell, proposal, roster, kind) != SZ_OK)
			return SZ_ERR_INTERNAL;
		return sz_lsag_verify(sig, siglen, msg, msglen, (const uint8_t(*)[32])ring, ringlen / 32,
		    t, tag);
	}
	if (strncmp(line, "reveal ", 7) == 0) {
		if (field(line, "pk", pk, 32, 32, NULL) || field(line, "T", t, 32, 32, NULL) ||
		    field(line, "tag", tag, 32, 32, NULL) || field(line, "proof", proof, 64, 64, NULL))
			return SZ_ERR_MALFORMED;
		return sz_lsag_tag_verify(proof, pk, t, tag);
	}
	if (strncmp(line, "pop ", 4) == 0) {
		if (field(line, "pk", pk, 32, 32, NULL) || field(line, "cell", cell, 32, 32, NULL) ||
		    field(line, "member", member, 32, 32, NULL) ||
		    field(line, "proof", proof, 64, 64, NULL))
			return SZ_ERR_MALFORMED;
		return sz_pop_verify(proof, pk, cell, member);
	}
	return SZ_ERR_UNSUPPORTED;
}

/* Each stdin line ends with expect=ok or expect=bad; exit 1 if any result differs. */
static int
verify(void)
{
	static char line[LINE_MAX_BYTES];
	int lines = 0, wrong = 0;
	while (fgets(line, sizeof line, stdin) != NULL) {
		if (line[0] == '\n' || line[0] == '#')
			continue;
		int expect_ok = strstr(line, " expect=ok") != NULL;
		int r = verify_line(line);
		lines++;
		if ((r == SZ_OK) != expect_ok) {
			wrong++;
			printf("MISMATCH (got %s, expected %s): %.60s...\n", sz_strerror(r),
			    expect_ok ? "ok" : "bad", line);
		}
	}
	printf("verified %d lines from the JavaScript implementation, %d mismatches\n", lines,
	    wrong);
	return lines == 0 || wrong != 0;
}

int
main(int argc, char **argv)
{
	if (sz_init() != SZ_OK)
		return 1;
	if (argc == 2 && strcmp(argv[1], "emit") == 0)
		return emit();
	if (argc == 2 && strcmp(argv[1], "verify") == 0)
		return verify();
	fprintf(stderr, "usage: lsag_emit emit | verify < lines\n");
	return 2;
}
