/*
 * bundle_forge.c - the attacker of tests/scenario/bundle_kinds.t.  Not part of the library.
 *   bundle_forge IN PASSFILE OUT SCOPE_HEX
 * Opens IN (a passphrase bundle the attacker's own node exported, public leaflets) with the
 * passphrase in PASSFILE (first line), and writes OUT with the real writer: the same items, plus a
 * sealed envelope under the chosen 16-byte scope that nobody can open, sealed to the same
 * passphrase.  A node that kept that envelope would answer to the scope in every sync after (a
 * beacon).  Prints the beacon envelope's id in hex.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "lib/bytes.h"
#include "sync/bundle.h"
#include "wire/envelope.h"

typedef struct items {
	uint8_t *p[1024];
	size_t len[1024];
	size_t n;
} items;

static int
keep(void *ctx, const uint8_t *item, size_t len)
{
	items *it = ctx;
	if (it->n == 1024 || (it->p[it->n] = malloc(len)) == NULL)
		return SZ_ERR_LIMIT;
	memcpy(it->p[it->n], item, len);
	it->len[it->n++] = len;
	return SZ_OK;
}

static long
fd_read(void *ctx, uint8_t *p, size_t n)
{
	return (long)read(*(int *)ctx, p, n);
}

static int
fd_write(void *ctx, const uint8_t *p, size_t n)
{
	int fd = *(int *)ctx;
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w <= 0)
			return SZ_ERR_IO;
		p += w;
		n -= (size_t)w;
	}
	return SZ_OK;
}

static int
die(const char *what, int r)
{
	fprintf(stderr, "bundle_forge: %s: %s\n", what, sz_strerror(r));
	return 1;
}

int
main(int argc, char **argv)
{
	char pass[256];
	uint8_t scope[16], key[32], nonce[24], salt[SZ_BUNDLE_SALT_BYTES], sec[32], id[32];
	static items it;
	sz_bundle_report rep;
	sz_bundle_writer *w = NULL;
	const sz_env *env = sz_env_default();
	int r;
	if (argc != 5 || strlen(argv[4]) != 32 || sz_hex_decode(scope, 16, argv[4], 32) != SZ_OK) {
		fprintf(stderr, "usage: bundle_forge IN PASSFILE OUT SCOPE_HEX(32 digits)\n");
		return 2;
	}
	if (sz_init() != SZ_OK)
		return 1;
	FILE *pf = fopen(argv[2], "r");
	if (pf == NULL || fgets(pass, sizeof pass, pf) == NULL)
		return die("passphrase file", SZ_ERR_IO);
	fclose(pf);
	pass[strcspn(pass, "\n")] = '\0';

	int in = open(argv[1], O_RDONLY);
	sz_bundle_io io = { NULL, fd_read, &in };
	if (in < 0)
		return die(argv[1], SZ_ERR_IO);
	if ((r = sz_bundle_read(&io, NULL, 0, pass, keep, &it, &rep)) != SZ_OK)
		return die("reading the honest bundle", r);
	close(in);

	/* The beacon: sealed under the chosen scope with a key nobody else has. */
	static const uint8_t pt[] = "a marker to recognize this node by";
	uint8_t *b;
	size_t blen;
	sz_random(env, key, sizeof key);
	sz_random(env, nonce, sizeof nonce);
	if ((r = sz_env_seal(&b, &blen, scope, pt, sizeof pt, key, nonce)) != SZ_OK ||
	    (r = keep(&it, b, blen)) != SZ_OK || (r = sz_env_id(id, b, blen)) != SZ_OK)
		return die("sealing the beacon", r);
	free(b);

	int out = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0600);
	sz_bundle_io oio = { fd_write, NULL, &out };
	if (out < 0)
		return die(argv[3], SZ_ERR_IO);
	if ((r = sz_bundle_writer_new(&w, &oio, SZ_BUNDLE_ENVELOPES, NULL, 0, env, sz_now_ms(env))) !=
	    SZ_OK)
		return die("writer", r);
	sz_bundle_writer_salt(w, salt);
	if ((r = sz_bundle_passphrase_secret(sec, pass, strlen(pass), salt)) != SZ_OK ||
	    (r = sz_bundle_writer_add_recipient(w, sec)) != SZ_OK)
		return die("passphrase", r);
	sz_wipe(sec, sizeof sec);
	for (size_t i = 0; i < it.n; i++)
		if ((r = sz_bundle_writer_add(w, it.p[i], it.len[i])) != SZ_OK)
			return die("adding", r);
	if ((r = sz_bundle_writer_finish(w)) != SZ_OK)
		return die("finishing", r);
	sz_bundle_writer_free(w);
	close(out);
	for (size_t i = 0; i < it.n; i++)
		free(it.p[i]);
	char hex[65];
	sz_hex_encode(hex, id, 32);
	printf("%s\n", hex);
	return 0;
}
