/*
 * noise_peer.c - a Noise_XX_25519_ChaChaPoly_BLAKE2b peer over TCP on loopback, for the live
 * interop test against the npm package noise-protocol (tests/interop/noise.t).  Standalone tool.
 *
 *   noise_peer initiator PORT [SEED [COUNT]]   connect to 127.0.0.1:PORT
 *   noise_peer responder 0    [SEED [COUNT]]   listen on a free loopback port, print "port=N"
 *
 * Wire: every Noise message is framed by a 2-byte big-endian length.  Prologue
 * "samizdat-noise-interop/1"; handshake payloads "m1", "m2", "m3".  Then COUNT (default 1000)
 * transport messages each way, ping-pong (initiator first), message i of direction d
 * (0 = initiator to responder, 1 = back) has a size from a 32-bit LCG seeded with
 * SEED ^ (d ? 0x2222 : 0x1111) (s = s * 1664525 + 1013904223; size = s % 65520) and
 * byte j = (i * 131 + j * 7 + d * 17 + SEED) & 0xff.  Both sides check everything received.
 * Prints local_static=HEX and remote_static=HEX.  Exit codes: 0 ok, 2 usage, 3 the peer broke
 * the protocol (bad frame or message: the connection is dropped), 4 network error, 1 otherwise.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "samizdat.h"
#include "crypto/crypto.h"
#include "crypto/noise.h"
#include "lib/bytes.h"
#include "lib/env.h"

enum { EXIT_USAGE = 2, EXIT_PEER = 3, EXIT_NET = 4 };

#define PROLOGUE "samizdat-noise-interop/1"

static uint8_t frame[SZ_NOISE_MAX_MSG], plain[SZ_NOISE_MAX_MSG], want[SZ_NOISE_MAX_MSG];

/* Write all n bytes; EXIT_NET on failure. */
static int
write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return EXIT_NET;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Read exactly n bytes; EXIT_NET on error, EOF or timeout. */
static int
read_all(int fd, uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t r = recv(fd, p, n, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return EXIT_NET;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Send one frame: length and message in one write, so Nagle's algorithm does not hold the
 * message back waiting for the peer's delayed ACK of the length. */
static int
send_frame(int fd, const uint8_t *msg, size_t n)
{
	static uint8_t out[2 + SZ_NOISE_MAX_MSG];
	sz_store_u16(out, (uint16_t)n);
	memcpy(out + 2, msg, n);
	return write_all(fd, out, 2 + n);
}

/* Receive one frame into frame[]; its length (0..65535: every value fits a Noise message). */
static int
recv_frame(int fd, size_t *n)
{
	uint8_t len[2];
	int r = read_all(fd, len, 2);
	if (r)
		return r;
	*n = sz_load_u16(len);
	return read_all(fd, frame, *n);
}

/* The expected content of message i in direction d. */
static size_t
content(uint32_t *lcg, unsigned i, unsigned d, unsigned seed, uint8_t *out)
{
	*lcg = *lcg * 1664525u + 1013904223u;
	size_t size = *lcg % (SZ_NOISE_MAX_PLAINTEXT + 1);
	for (size_t j = 0; j < size; j++)
		out[j] = (uint8_t)((i * 131u + j * 7u + d * 17u + seed) & 0xffu);
	return size;
}

static void
print_key(const char *label, const uint8_t k[32])
{
	char hex[65];
	sz_hex_encode(hex, k, 32);
	printf("%s=%s\n", label, hex);
}

/* The XX handshake over fd; on success *tx and *rx are the transport CipherStates. */
static int
handshake(int fd, bool initiator, const uint8_t s[32], sz_noise_cipher **tx,
    sz_noise_cipher **rx)
{
	static const char *payloads[3] = { "m1", "m2", "m3" };
	sz_noise_hs *hs = NULL;
	uint8_t rs[32];
	size_t n, pn;
	int rc = 1;
	sz_noise_config cfg = {
		.protocol = SZ_NOISE_XX,
		.role = initiator ? SZ_NOISE_INITIATOR : SZ_NOISE_RESPONDER,
		.prologue = (const uint8_t *)PROLOGUE, .prologue_len = strlen(PROLOGUE),
		.s = s, .env = sz_env_default(),
	};
	if (sz_noise_hs_new(&hs, &cfg) != SZ_OK)
		goto out;
	for (int m = 0; m < 3; m++) {
		if ((m % 2 == 0) == initiator) {
			if (sz_noise_hs_write(hs, (const uint8_t *)payloads[m], 2, frame, sizeof frame,
			    &n) != SZ_OK)
				goto out;
			if ((rc = send_frame(fd, frame, n)) != 0)
				goto out;
		} else {
			if ((rc = recv_frame(fd, &n)) != 0)
				goto out;
			int r = sz_noise_hs_read(hs, frame, n, plain, sizeof plain, &pn);
			if (r != SZ_OK || pn != 2 || memcmp(plain, payloads[m], 2) != 0) {
				fprintf(stderr, "noise_peer: handshake message %d refused: %s\n", m + 1,
				    r ? sz_strerror(r) : "wrong payload");
				rc = EXIT_PEER;
				goto out;
			}
		}
		rc = 1;
	}
	if (sz_noise_hs_split(hs, tx, rx) != SZ_OK || sz_noise_hs_remote_static(hs, rs) != 0)
		goto out;
	print_key("remote_static", rs);
	rc = 0;
out:
	sz_noise_hs_free(hs);
	return rc;
}

/* Send or receive-and-check message i of direction d. */
static int
transport(int fd, bool sending, sz_noise_cipher *c, uint32_t *lcg, unsigned i, unsigned d,
    unsigned seed)
{
	size_t size = content(lcg, i, d, seed, want), n, pn;
	if (sending) {
		if (sz_noise_encrypt(c, want, size, frame, sizeof frame, &n) != SZ_OK)
			return 1;
		return send_frame(fd, frame, n);
	}
	int rc = recv_frame(fd, &n);
	if (rc)
		return rc;
	int r = sz_noise_decrypt(c, frame, n, plain, sizeof plain, &pn);
	if (r != SZ_OK || pn != size || memcmp(plain, want, size) != 0) {
		fprintf(stderr, "noise_peer: transport message %u (direction %u) refused: %s\n", i, d,
		    r ? sz_strerror(r) : "content differs");
		return EXIT_PEER;
	}
	return 0;
}

static int
open_socket(bool initiator, unsigned port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct timeval tv = { .tv_sec = 20 };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0)
		return -1;
	if (initiator) {
		if (connect(s, (struct sockaddr *)&a, sizeof a) != 0)
			goto fail;
	} else {
		int one = 1, c;
		socklen_t al = sizeof a;
		setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 1) != 0 ||
		    getsockname(s, (struct sockaddr *)&a, &al) != 0)
			goto fail;
		printf("port=%u\n", (unsigned)ntohs(a.sin_port));
		fflush(stdout);
		setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		while ((c = accept(s, NULL, NULL)) < 0 && errno == EINTR)
			;
		close(s);
		if (c < 0)
			return -1;
		s = c;
	}
	int one = 1;
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return s;
fail:
	close(s);
	return -1;
}

int
main(int argc, char **argv)
{
	sz_noise_cipher *tx = NULL, *rx = NULL;
	uint8_t s[32], pub[32];
	int fd = -1, rc = 1;

	if (argc < 3 || argc > 5 || (strcmp(argv[1], "initiator") != 0 &&
	    strcmp(argv[1], "responder") != 0)) {
		fprintf(stderr, "usage: noise_peer initiator|responder PORT [SEED [COUNT]]\n");
		return EXIT_USAGE;
	}
	bool initiator = argv[1][0] == 'i';
	unsigned port = (unsigned)strtoul(argv[2], NULL, 10);
	unsigned seed = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : 1;
	unsigned count = argc > 4 ? (unsigned)strtoul(argv[4], NULL, 10) : 1000;
	if (port > 65535 || (initiator && port == 0)) {
		fprintf(stderr, "noise_peer: bad port\n");
		return EXIT_USAGE;
	}
	if (sz_init() != SZ_OK || sz_dh_keypair(pub, s) != SZ_OK)
		return 1;
	print_key("local_static", pub);
	if ((fd = open_socket(initiator, port)) < 0) {
		perror("noise_peer: socket");
		rc = EXIT_NET;
		goto out;
	}
	if ((rc = handshake(fd, initiator, s, &tx, &rx)) != 0)
		goto out;
	uint32_t lcg[2] = { seed ^ 0x1111u, seed ^ 0x2222u };
	for (unsigned i = 0; i < count; i++) {
		/* Direction 0 first, then 1; the initiator sends on 0, the responder on 1. */
		if ((rc = transport(fd, initiator, initiator ? tx : rx, &lcg[0], i, 0, seed)) != 0 ||
		    (rc = transport(fd, !initiator, initiator ? rx : tx, &lcg[1], i, 1, seed)) != 0)
			goto out;
	}
	printf("ok %u messages each way\n", count);
	rc = 0;
out:
	if (rc == EXIT_NET)
		fprintf(stderr, "noise_peer: connection failed or closed early\n");
	if (fd >= 0)
		close(fd);
	sz_wipe(s, sizeof s);
	sz_noise_cipher_free(tx);
	sz_noise_cipher_free(rx);
	if (sz_secret_slots_in_use() != 0) {
		fprintf(stderr, "noise_peer: secret slots leaked\n");
		rc = 1;
	}
	return rc;
}
