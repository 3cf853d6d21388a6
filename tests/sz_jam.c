/*
 * sz_jam.c - a jammer from 127.0.0.1, for tests/scenario/jam.t.  Not part of the library.  One
 * process with many sockets plays the attacker issue 14 names, against a daemon at HOST:PORT
 * (loopback only), for SECONDS, keeping up to N connections in the given mode:
 *   junk      a first handshake message of the right size and random bytes, then nothing
 *   drip      the first handshake message one byte a second
 *   idle      a connection that sends nothing
 *   authidle  a full handshake under a fresh transport key and a HELLO, then nothing
 *   oversize  a full handshake, a HELLO, then a frame announced at 4 MiB whose bytes it sends
 *             and never finishes (one in four announces more than 4 MiB)
 *   flood     connect and close at once, as fast as it can (N at a time)
 *   samekey   authidle under one transport key for all N connections
 * Every connection the daemon closes is opened again at once.  Stops after SECONDS or at
 * SIGTERM, and prints one line (refusal: the first ERROR text a daemon sent, if any):
 *   mode=M connects=<n> handshakes=<n> bytes=<n> refusal=<text>
 * Usage: sz_jam HOST:PORT MODE N SECONDS
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "crypto/noise.h"
#include "lib/bytes.h"
#include "lib/env.h"
#include "sync/frame.h"
#include "transport/net.h"
#include "transport/tcpdial.h"

#define MAXC 1024

enum { JUNK, DRIP, IDLE, AUTHIDLE, OVERSIZE, FLOOD, SAMEKEY };

typedef struct jc {
	int fd;
	int step;                /* 0 connecting, 1 handshake sent / waiting, 2 in place */
	sz_noise_hs *hs;
	sz_noise_cipher *tx, *rx;
	uint8_t in[256];
	size_t inlen;
	size_t dripped;
	uint64_t next_ms;
	size_t big_left;         /* oversize: bytes of the announced frame still to send */
	uint8_t tin[SZ_NOISE_MAX_MSG + 2]; /* transport bytes from the daemon, not yet a message */
	size_t tinlen;
} jc;

static const sz_env *env;
static sz_addr target;
static int mode;
static uint64_t n_connects, n_handshakes, n_bytes;
static char refusal[201];
static volatile sig_atomic_t stop;

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void
jc_close(jc *c)
{
	if (c->fd >= 0)
		close(c->fd);
	sz_noise_hs_free(c->hs);
	sz_noise_cipher_free(c->tx);
	sz_noise_cipher_free(c->rx);
	memset(c, 0, sizeof *c);
	c->fd = -1;
}

static void
jc_open(jc *c)
{
	jc_close(c);
	int r = sz_tcpdial_start(target.host, target.port, &c->fd);
	if (r != SZ_OK && r != SZ_ERR_AGAIN) {
		c->fd = -1;
		return;
	}
	n_connects++;
	c->step = 0;
}

static void
send_all(jc *c, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
		if (w <= 0) {
			if (w < 0 && errno == EAGAIN) {
				struct pollfd pf = { c->fd, POLLOUT, 0 };
				if (poll(&pf, 1, 200) > 0)
					continue;
			}
			jc_close(c);
			return;
		}
		n_bytes += (size_t)w;
		p += w;
		n -= (size_t)w;
	}
}

/* One transport message carrying pt. */
static void
send_msg(jc *c, const uint8_t *pt, size_t n)
{
	uint8_t msg[SZ_NOISE_MAX_MSG + 2];
	size_t mlen;
	if (sz_noise_encrypt(c->tx, pt, n, msg + 2, sizeof msg - 2, &mlen) != SZ_OK) {
		jc_close(c);
		return;
	}
	sz_store_u16(msg, (uint16_t)mlen);
	send_all(c, msg, mlen + 2);
}

static void
connected(jc *c, uint64_t now)
{
	uint8_t msg[SZ_NOISE_MAX_MSG + 2];
	size_t mlen;
	c->step = 1;
	switch (mode) {
	case FLOOD:
		jc_close(c);
		return;
	case IDLE:
		c->step = 2;
		return;
	case JUNK:
		sz_store_u16(msg, 32);
		randombytes_buf(msg + 2, 32);
		send_all(c, msg, 34);
		c->step = 2;
		return;
	case DRIP:
		c->next_ms = now;
		return;
	default: {
		static const char prologue[] = "samizdat sync v1";
		uint8_t sk[32];
		if (mode == SAMEKEY)
			memset(sk, 0x5a, 32);
		else
			randombytes_buf(sk, 32); /* a fresh transport key each time: they cost nothing */
		sz_noise_config nc = { .protocol = SZ_NOISE_XX, .role = SZ_NOISE_INITIATOR,
			.prologue = (const uint8_t *)prologue, .prologue_len = sizeof prologue - 1,
			.s = sk, .env = env };
		if (sz_noise_hs_new(&c->hs, &nc) != SZ_OK ||
		    sz_noise_hs_write(c->hs, NULL, 0, msg + 2, sizeof msg - 2, &mlen) != SZ_OK) {
			jc_close(c);
			return;
		}
		sodium_memzero(sk, 32);
		sz_store_u16(msg, (uint16_t)mlen);
		send_all(c, msg, mlen + 2);
	}
	}
}

/* The responder's second handshake message is in: finish, HELLO, then the mode's load. */
static void
finish_handshake(jc *c)
{
	uint8_t msg[SZ_NOISE_MAX_MSG + 2], pt[64];
	size_t mlen, plen;
	if (sz_noise_hs_read(c->hs, c->in + 2, c->inlen - 2, pt, sizeof pt, &plen) != SZ_OK ||
	    sz_noise_hs_write(c->hs, NULL, 0, msg + 2, sizeof msg - 2, &mlen) != SZ_OK ||
	    sz_noise_hs_split(c->hs, &c->tx, &c->rx) != SZ_OK) {
		jc_close(c);
		return;
	}
	sz_store_u16(msg, (uint16_t)mlen);
	send_all(c, msg, mlen + 2);
	if (c->fd < 0)
		return;
	n_handshakes++;
	/* HELLO: version 1, every method, no token */
	uint8_t hello[SZ_FRAME_HDR + 4] = { 0, 0, 0, 5, SZ_FR_HELLO, 1, 0x07, 0, 0 };
	send_msg(c, hello, sizeof hello);
	c->step = 2;
	if (mode == OVERSIZE && c->fd >= 0) {
		uint8_t hdr[SZ_FRAME_HDR];
		uint32_t len = randombytes_uniform(4) == 0 ? SZ_FRAME_MAX + 1 : SZ_FRAME_MAX;
		sz_store_u32(hdr, len);
		hdr[4] = SZ_FR_SYMBOLS;
		send_msg(c, hdr, sizeof hdr);
		c->big_left = len - 2; /* never the whole frame */
	}
}

static void
readable(jc *c)
{
	uint8_t buf[4096];
	ssize_t k = recv(c->fd, buf, c->step == 1 && c->hs != NULL ? sizeof c->in - c->inlen :
	    sizeof buf, 0);
	if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR)) {
		jc_close(c); /* the daemon let go: come back at once */
		return;
	}
	if (k < 0)
		return;
	if (c->step == 1 && c->hs != NULL) {
		memcpy(c->in + c->inlen, buf, (size_t)k);
		c->inlen += (size_t)k;
		if (c->inlen >= 2 && c->inlen >= 2u + sz_load_u16(c->in))
			finish_handshake(c);
		return;
	}
	if (c->rx == NULL || refusal[0])
		return;
	/* After the handshake: look for an ERROR frame at the start of a message (the daemon's
	 * refusal comes alone) and keep its text. */
	for (ssize_t i = 0; i < k && c->tinlen < sizeof c->tin; i++)
		c->tin[c->tinlen++] = buf[i];
	while (c->tinlen >= 2 && c->tinlen >= 2u + sz_load_u16(c->tin)) {
		size_t ml = sz_load_u16(c->tin), pl;
		uint8_t pt[SZ_NOISE_MAX_MSG];
		if (sz_noise_decrypt(c->rx, c->tin + 2, ml, pt, sizeof pt, &pl) != SZ_OK)
			return;
		if (pl >= SZ_FRAME_HDR + 4 && pt[4] == SZ_FR_ERROR) {
			size_t tl = sz_load_u32(pt) - 1 - 4;
			if (tl > 200 || SZ_FRAME_HDR + 4 + tl > pl)
				tl = 0;
			memcpy(refusal, pt + SZ_FRAME_HDR + 4, tl);
			refusal[tl] = '\0';
		}
		memmove(c->tin, c->tin + 2 + ml, c->tinlen - 2 - ml);
		c->tinlen -= 2 + ml;
	}
}

static void
tick(jc *c, uint64_t now)
{
	if (mode == DRIP && c->step == 1 && now >= c->next_ms) {
		uint8_t b = c->dripped == 0 ? 0 : c->dripped == 1 ? 32 : (uint8_t)randombytes_uniform(256);
		send_all(c, &b, 1);
		c->dripped++;
		c->next_ms = now + 1000;
	}
	if (mode == OVERSIZE && c->step == 2 && c->big_left > 0 && c->fd >= 0) {
		uint8_t chunk[16384] = { 0 };
		size_t n = c->big_left < sizeof chunk ? c->big_left : sizeof chunk;
		send_msg(c, chunk, n);
		c->big_left -= n;
	}
}

int
main(int argc, char **argv)
{
	static const char *const names[] = { "junk", "drip", "idle", "authidle", "oversize", "flood",
		"samekey", NULL };
	char why[128];
	if (argc != 5 || sz_init() != SZ_OK || sz_addr_parse(&target, argv[1], why, sizeof why) ||
	    !sz_tcpdial_is_loopback(target.host)) {
		fprintf(stderr, "usage: sz_jam HOST:PORT MODE N SECONDS (loopback only)\n");
		return 2;
	}
	mode = -1;
	for (int i = 0; names[i] != NULL; i++)
		if (strcmp(argv[2], names[i]) == 0)
			mode = i;
	int n = atoi(argv[3]), secs = atoi(argv[4]);
	if (mode < 0 || n < 1 || n > MAXC || secs < 1) {
		fprintf(stderr, "sz_jam: bad mode, count or duration\n");
		return 2;
	}
	env = sz_env_default();
	signal(SIGTERM, on_term);
	signal(SIGPIPE, SIG_IGN);
	static jc cs[MAXC];
	for (int i = 0; i < n; i++) {
		cs[i].fd = -1;
		jc_open(&cs[i]);
	}
	uint64_t end = sz_tcpdial_now_ms() + (uint64_t)secs * 1000;
	struct pollfd pf[MAXC];
	while (!stop && sz_tcpdial_now_ms() < end) {
		for (int i = 0; i < n; i++) {
			short ev = cs[i].step == 0 ? POLLOUT : POLLIN;
			pf[i] = (struct pollfd){ cs[i].fd, ev, 0 };
		}
		int k = poll(pf, (nfds_t)n, mode == FLOOD ? 10 : 50);
		uint64_t now = sz_tcpdial_now_ms();
		for (int i = 0; i < n; i++) {
			jc *c = &cs[i];
			if (c->fd < 0) {
				jc_open(c);
				continue;
			}
			if (k > 0 && c->step == 0 && (pf[i].revents & (POLLOUT | POLLERR | POLLHUP))) {
				if (sz_tcpdial_finish(c->fd) != SZ_OK)
					jc_close(c);
				else
					connected(c, now);
			} else if (k > 0 && c->step > 0 && (pf[i].revents & (POLLIN | POLLHUP | POLLERR))) {
				readable(c);
			}
			if (c->fd >= 0)
				tick(c, now);
		}
	}
	printf("mode=%s connects=%llu handshakes=%llu bytes=%llu refusal=%s\n", argv[2],
	    (unsigned long long)n_connects, (unsigned long long)n_handshakes,
	    (unsigned long long)n_bytes, refusal);
	for (int i = 0; i < n; i++)
		jc_close(&cs[i]);
	return 0;
}
