/*
 * join_photo.c - the photographer of docs/THREAT_MODEL.md §4, as a program for the scenario
 * tests: it has an invitation code (a photograph) and copies of the courier's join request and
 * answer files, and opens what it can.  Not part of the library.
 *
 *   join_photo CODE DUMP FILE...
 *
 * Each FILE is tried with every bundle key a token gives (the labels of this protocol and of
 * version 1: a photographer knows the protocol); what opens is appended to DUMP, and a line
 * "opened FILE N" or "closed FILE" is printed.  Then the inner layer of each request found is
 * tried with every key the code gives ("inner opened" would be a failure of the protocol), and
 * every 32-byte window of everything opened is printed as a fingerprint ("fp ..."), so that a
 * script can check that no identity key appears in it.  Exit 0 unless the program itself fails.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/invite.h"
#include "app/join.h"
#include "crypto/crypto.h"
#include "lib/bytes.h"
#include "sync/bundle.h"
#include "wire/identity.h"

static long
fd_read(void *ctx, uint8_t *p, size_t n)
{
	return (long)read(*(int *)ctx, p, n);
}

static int
collect(void *ctx, const uint8_t *item, size_t len)
{
	sz_buf *b = ctx;
	sz_buf_u32(b, (uint32_t)len);
	sz_buf_append(b, item, len);
	return b->err;
}

int
main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: join_photo CODE DUMP FILE...\n");
		return 2;
	}
	if (sz_init() != SZ_OK)
		return 1;
	sz_invite iv;
	int r = sz_invite_decode(&iv, argv[1]);
	if (r != SZ_OK) {
		fprintf(stderr, "join_photo: the code: %s\n", sz_strerror(r));
		return 1;
	}
	static const char *const labels[] = { "samizdat join request v2",
		"samizdat join answer file v2", "samizdat join request v1", "samizdat join answer v1" };
	uint8_t secrets[4][32];
	for (int i = 0; i < 4; i++)
		if (sz_hkdf(SZ_HASH_SHA256, secrets[i], 32, NULL, 0, iv.token, 16,
		    (const uint8_t *)labels[i], strlen(labels[i])) != SZ_OK)
			return 1;
	sz_buf all = { 0 };
	for (int f = 3; f < argc; f++) {
		int fd = open(argv[f], O_RDONLY);
		if (fd < 0) {
			perror(argv[f]);
			return 1;
		}
		sz_buf got = { 0 };
		sz_bundle_io io = { NULL, fd_read, &fd };
		sz_bundle_report rep;
		r = sz_bundle_read(&io, (const uint8_t(*)[32])secrets, 4, NULL, collect, &got, &rep);
		close(fd);
		if (r != SZ_OK) {
			printf("closed %s\n", argv[f]);
			sz_buf_free(&got);
			continue;
		}
		printf("opened %s %zu\n", argv[f], got.len);
		/* each item: a request's inner layer tried with every key the code gives */
		for (size_t off = 0; off + 4 <= got.len;) {
			size_t len = sz_load_u32(got.p + off);
			const uint8_t *item = got.p + off + 4;
			off += 4 + len;
			if (len != SZ_JOIN_REQUEST_BYTES)
				continue;
			uint8_t mine[32], tries[3][32];
			sz_join_request rq;
			randombytes_buf(mine, 32);
			memcpy(tries[0], mine, 32);
			memcpy(tries[1], iv.invite_pub, 32);
			memset(tries[2], 0, 32);
			memcpy(tries[2], iv.token, 16);
			for (int t = 0; t < 3; t++) {
				int o = sz_join_request_open(&rq, item, len, iv.token, tries[t], iv.invite_pub);
				if (o == SZ_OK || o == SZ_ERR_BAD_SIGNATURE)
					printf("inner opened %s\n", argv[f]);
			}
		}
		sz_buf_append(&all, got.p, got.len);
		sz_buf_free(&got);
	}
	FILE *d = fopen(argv[2], "wb");
	if (d == NULL || fwrite(all.p, 1, all.len, d) != all.len || fclose(d) != 0) {
		perror(argv[2]);
		return 1;
	}
	for (size_t i = 0; i + 32 <= all.len; i++) {
		char fp[SZ_FINGERPRINT_TEXT];
		if (sz_fingerprint(fp, all.p + i) == SZ_OK)
			printf("fp %s\n", fp);
	}
	sz_buf_free(&all);
	return 0;
}
