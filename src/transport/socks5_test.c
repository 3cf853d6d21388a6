/*
 * socks5_test.c - unit tests of the SOCKS5 client (transport/socks5.c): the state machine on
 * canned bytes (RFC 1928 sections 3-6; Tor's extended codes from torspec proposal 304), the error
 * mapping, and the blocking drivers against a fake proxy in a thread on 127.0.0.1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "transport/socks5.h"
#include "transport/tcpdial.h"

#define ONION "25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenl5sid.onion"

/* Send the pending bytes of s into out (appending), as a caller would. */
static size_t
drain(sz_socks5 *s, uint8_t *out)
{
	const uint8_t *p;
	size_t n;
	sz_socks5_pending(s, &p, &n);
	memcpy(out, p, n);
	sz_socks5_sent(s, n);
	return n;
}

static void
test_requests(void **state)
{
	(void)state;
	sz_socks5 s;
	uint8_t out[300];
	size_t used;

	/* A name: ATYP 3 (RFC 1928 section 5), never resolved here. */
	assert_int_equal(sz_socks5_init(&s, ONION, 7777), SZ_OK);
	assert_int_equal(drain(&s, out), 3);
	assert_memory_equal(out, "\x05\x01\x00", 3);
	assert_int_equal(s.state, SZ_SOCKS5_READ_METHOD);
	assert_int_equal(sz_socks5_input(&s, (const uint8_t *)"\x05\x00", 2, &used), SZ_ERR_AGAIN);
	assert_int_equal(used, 2);
	size_t n = drain(&s, out);
	assert_int_equal(n, 4 + 1 + 62 + 2);
	assert_memory_equal(out, "\x05\x01\x00\x03\x3e", 5);
	assert_memory_equal(out + 5, ONION, 62);
	assert_memory_equal(out + 67, "\x1e\x61", 2);     /* 7777 big-endian */

	/* IPv4 and IPv6 literals: ATYP 1 and 4. */
	assert_int_equal(sz_socks5_init(&s, "127.0.0.1", 80), SZ_OK);
	drain(&s, out);
	assert_int_equal(sz_socks5_input(&s, (const uint8_t *)"\x05\x00", 2, &used), SZ_ERR_AGAIN);
	assert_int_equal(drain(&s, out), 10);
	assert_memory_equal(out, "\x05\x01\x00\x01\x7f\x00\x00\x01\x00\x50", 10);
	assert_int_equal(sz_socks5_init(&s, "::1", 443), SZ_OK);
	drain(&s, out);
	assert_int_equal(sz_socks5_input(&s, (const uint8_t *)"\x05\x00", 2, &used), SZ_ERR_AGAIN);
	assert_int_equal(drain(&s, out), 22);
	assert_memory_equal(out, "\x05\x01\x00\x04", 4);
	assert_int_equal(out[19], 1);
	assert_memory_equal(out + 20, "\x01\xbb", 2);

	/* Bad targets. */
	char longname[300];
	memset(longname, 'a', 256);
	longname[256] = '\0';
	assert_int_equal(sz_socks5_init(&s, longname, 80), SZ_ERR_INVALID);
	longname[255] = '\0';
	assert_int_equal(sz_socks5_init(&s, longname, 80), SZ_OK);
	assert_int_equal(sz_socks5_init(&s, "", 80), SZ_ERR_INVALID);
	assert_int_equal(sz_socks5_init(&s, "a b.onion", 80), SZ_ERR_INVALID);
	assert_int_equal(sz_socks5_init(&s, "a\nb", 80), SZ_ERR_INVALID);
	assert_int_equal(sz_socks5_init(&s, "a\x80", 80), SZ_ERR_INVALID);
	assert_int_equal(sz_socks5_init(&s, ONION, 0), SZ_ERR_INVALID);
	assert_int_equal(sz_socks5_init(&s, NULL, 1), SZ_ERR_INVALID);
	/* A failed init leaves a machine that refuses input. */
	assert_int_equal(sz_socks5_input(&s, (const uint8_t *)"\x05\x00", 2, &used), SZ_ERR_INVALID);
}

/* Drive a machine through the method exchange. */
static void
to_reply(sz_socks5 *s)
{
	uint8_t out[300];
	size_t used;
	assert_int_equal(sz_socks5_init(s, ONION, 7777), SZ_OK);
	drain(s, out);
	assert_int_equal(sz_socks5_input(s, (const uint8_t *)"\x05\x00", 2, &used), SZ_ERR_AGAIN);
	drain(s, out);
	assert_int_equal(s->state, SZ_SOCKS5_READ_REPLY);
}

static void
test_replies(void **state)
{
	(void)state;
	sz_socks5 s;
	size_t used;

	/* Success with application bytes right behind: only the reply is taken. */
	to_reply(&s);
	const uint8_t ok4[] = { 5, 0, 0, 1, 0, 0, 0, 0, 0, 0, 'a', 'p', 'p' };
	assert_int_equal(sz_socks5_input(&s, ok4, sizeof ok4, &used), SZ_OK);
	assert_int_equal(used, 10);
	assert_int_equal(s.state, SZ_SOCKS5_DONE);
	assert_int_equal(s.rep, 0);
	assert_int_equal(sz_socks5_want(&s), 0);
	assert_int_equal(sz_socks5_input(&s, ok4 + 10, 3, &used), SZ_ERR_STATE);

	/* Byte by byte: want() never asks past the reply. ATYP 3 and ATYP 4 replies. */
	const uint8_t ok3[] = { 5, 0, 0, 3, 4, 'h', 'o', 's', 't', 0x1f, 0x90 };
	const uint8_t ok6[] = { 5, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 80 };
	const uint8_t *cases[] = { ok3, ok6 };
	size_t lens[] = { sizeof ok3, sizeof ok6 };
	for (size_t c = 0; c < 2; c++) {
		to_reply(&s);
		size_t fed = 0;
		int r = SZ_ERR_AGAIN;
		while (r == SZ_ERR_AGAIN) {
			size_t want = sz_socks5_want(&s);
			assert_true(want >= 1 && fed + want <= lens[c]);
			r = sz_socks5_input(&s, cases[c] + fed, 1, &used);
			assert_int_equal(used, 1);
			fed++;
		}
		assert_int_equal(r, SZ_OK);
		assert_int_equal(fed, lens[c]);
	}

	/* Host unreachable (what a fresh onion address gives): UNREACHABLE, retryable. */
	to_reply(&s);
	const uint8_t unreach[] = { 5, 4, 0, 1, 0, 0, 0, 0, 0, 0 };
	assert_int_equal(sz_socks5_input(&s, unreach, sizeof unreach, &used), SZ_ERR_UNREACHABLE);
	assert_int_equal(s.rep, SZ_SOCKS5_HOST_UNREACHABLE);
	assert_int_equal(s.state, SZ_SOCKS5_FAILED);
	assert_true(sz_socks5_retryable(s.rep));
	/* Sticky. */
	assert_int_equal(sz_socks5_input(&s, unreach, 1, &used), SZ_ERR_UNREACHABLE);
}

static void
test_malformed(void **state)
{
	(void)state;
	sz_socks5 s;
	uint8_t out[300];
	size_t used;

	/* Method selection: no acceptable method (the proxy wants a password), a method we did
	 * not offer, a wrong version. */
	static const uint8_t *methods[] = { (const uint8_t *)"\x05\xff", (const uint8_t *)"\x05\x02",
		(const uint8_t *)"\x04\x00" };
	static const int want[] = { SZ_ERR_DENIED, SZ_ERR_PEER, SZ_ERR_PEER };
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(sz_socks5_init(&s, ONION, 1), SZ_OK);
		drain(&s, out);
		assert_int_equal(sz_socks5_input(&s, methods[i], 2, &used), want[i]);
		assert_int_equal(s.state, SZ_SOCKS5_FAILED);
	}
	/* Replies: wrong version, RSV not zero, unknown ATYP, an empty name. */
	static const uint8_t bad[][6] = {
		{ 4, 0, 0, 1, 0, 0 }, { 5, 0, 1, 1, 0, 0 }, { 5, 0, 0, 2, 0, 0 }, { 5, 0, 0, 3, 0, 0 },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		to_reply(&s);
		assert_int_equal(sz_socks5_input(&s, bad[i], 6, &used), SZ_ERR_PEER);
		assert_true(used <= 5);
	}
	/* Input while output is pending. */
	assert_int_equal(sz_socks5_init(&s, ONION, 1), SZ_OK);
	assert_int_equal(sz_socks5_input(&s, (const uint8_t *)"\x05\x00", 2, &used), SZ_ERR_STATE);
}

static void
test_reply_codes(void **state)
{
	(void)state;
	static const struct { int rep, err; bool retry; } t[] = {
		{ 0x00, SZ_OK, false },
		{ 0x01, SZ_ERR_UNREACHABLE, true }, { 0x02, SZ_ERR_DENIED, false },
		{ 0x03, SZ_ERR_UNREACHABLE, true }, { 0x04, SZ_ERR_UNREACHABLE, true },
		{ 0x05, SZ_ERR_UNREACHABLE, true }, { 0x06, SZ_ERR_TIMEOUT, true },
		{ 0x07, SZ_ERR_UNSUPPORTED, false }, { 0x08, SZ_ERR_UNSUPPORTED, false },
		{ 0xF0, SZ_ERR_UNREACHABLE, true }, { 0xF1, SZ_ERR_UNREACHABLE, false },
		{ 0xF2, SZ_ERR_UNREACHABLE, true }, { 0xF3, SZ_ERR_UNREACHABLE, true },
		{ 0xF4, SZ_ERR_DENIED, false }, { 0xF5, SZ_ERR_DENIED, false },
		{ 0xF6, SZ_ERR_INVALID, false }, { 0xF7, SZ_ERR_UNREACHABLE, true },
		{ 0x09, SZ_ERR_PEER, false }, { 0xFF, SZ_ERR_PEER, false },
		{ SZ_SOCKS5_NO_REPLY, SZ_ERR_PEER, false },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		assert_int_equal(sz_socks5_reply_err(t[i].rep), t[i].err);
		assert_int_equal(sz_socks5_retryable(t[i].rep), t[i].retry);
		assert_non_null(sz_socks5_reply_str(t[i].rep));
	}
	assert_string_equal(sz_socks5_reply_str(0x09), "unknown SOCKS reply code");
	/* A refusal with a non-success reply goes through the machine to the same error. */
	for (int rep = 1; rep < 256; rep++) {
		sz_socks5 s;
		size_t used;
		to_reply(&s);
		const uint8_t r[] = { 5, (uint8_t)rep, 0, 1, 0, 0, 0, 0, 0, 0 };
		assert_int_equal(sz_socks5_input(&s, r, sizeof r, &used), sz_socks5_reply_err(rep));
	}
}

/* --- the blocking drivers, against a fake proxy ----------------------------------------- */

typedef struct proxy {
	int ls;
	uint16_t port;
	pthread_t th;
	int nconn;                  /* connections to serve */
	int reps[8];                /* reply code per connection; -1: close after the request;
	                             * -2: send "05 04" then close; -3: never answer */
	uint8_t req[300];           /* the last request seen */
	size_t reqlen;
} proxy;

static int
rd(int fd, uint8_t *p, size_t n)
{
	return sz_tcpdial_read_all(fd, p, n, sz_tcpdial_now_ms() + 3000) == SZ_OK ? 0 : -1;
}

static void *
proxy_main(void *arg)
{
	proxy *x = arg;
	for (int i = 0; i < x->nconn; i++) {
		int s = accept(x->ls, NULL, NULL);
		if (s < 0)
			break;
		uint8_t b[300];
		int r;
		if (rd(s, b, 3) != 0 || write(s, "\x05\x00", 2) != 2 || rd(s, b, 5) != 0)
			goto next;
		size_t rest = b[3] == 1 ? 3 + 2 : b[3] == 4 ? 15 + 2 : (size_t)b[4] + 2;
		if (rd(s, b + 5, rest) != 0)
			goto next;
		memcpy(x->req, b, 5 + rest);
		x->reqlen = 5 + rest;
		if (x->reps[i] == -1)
			goto next;
		if (x->reps[i] == -2) {
			r = (int)write(s, "\x05\x04", 2);
			goto next;
		}
		if (x->reps[i] == -3) {
			(void)rd(s, b, 1);               /* until the client gives up */
			goto next;
		}
		uint8_t rep[13] = { 5, (uint8_t)x->reps[i], 0, 1, 0, 0, 0, 0, 0, 0, 'a', 'p', 'p' };
		/* On success, application bytes in the same segment as the reply. */
		r = (int)write(s, rep, x->reps[i] == 0 ? 13 : 10);
		if (x->reps[i] == 0)
			(void)rd(s, b, 1);               /* wait for the client to close */
next:
		(void)r;
		close(s);
	}
	return NULL;
}

static void
proxy_start(proxy *x, int nconn, const int *reps)
{
	memset(x, 0, sizeof *x);
	x->nconn = nconn;
	memcpy(x->reps, reps, (size_t)nconn * sizeof *reps);
	x->ls = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof a;
	assert_int_equal(bind(x->ls, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(x->ls, 8), 0);
	assert_int_equal(getsockname(x->ls, (struct sockaddr *)&a, &al), 0);
	x->port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(&x->th, NULL, proxy_main, x), 0);
}

static void
proxy_stop(proxy *x)
{
	shutdown(x->ls, SHUT_RDWR);
	pthread_join(x->th, NULL);
	close(x->ls);
}

static void
test_connect(void **state)
{
	(void)state;
	proxy x;
	int fd, rep;
	uint8_t app[3];

	/* Success: the fd carries exactly the application's bytes. */
	proxy_start(&x, 1, (const int[]){ 0 });
	assert_int_equal(sz_socks5_connect("127.0.0.1", x.port, ONION, 7777, 3000, &fd, &rep), SZ_OK);
	assert_int_equal(rep, 0);
	assert_int_equal(sz_tcpdial_read_all(fd, app, 3, sz_tcpdial_now_ms() + 3000), SZ_OK);
	assert_memory_equal(app, "app", 3);
	close(fd);
	proxy_stop(&x);
	assert_int_equal(x.reqlen, 4 + 1 + 62 + 2);
	assert_memory_equal(x.req + 5, ONION, 62);

	/* Refused (04), refused then closed mid-reply, closed without a reply, silent. */
	proxy_start(&x, 4, (const int[]){ 4, -2, -1, -3 });
	assert_int_equal(sz_socks5_connect("127.0.0.1", x.port, ONION, 1, 3000, &fd, &rep),
	    SZ_ERR_UNREACHABLE);
	assert_int_equal(rep, 4);
	assert_int_equal(fd, -1);
	assert_int_equal(sz_socks5_connect("127.0.0.1", x.port, ONION, 1, 3000, &fd, &rep),
	    SZ_ERR_UNREACHABLE);
	assert_int_equal(rep, 4);
	assert_int_equal(sz_socks5_connect("127.0.0.1", x.port, ONION, 1, 3000, &fd, &rep),
	    SZ_ERR_CLOSED);
	assert_int_equal(rep, SZ_SOCKS5_NO_REPLY);
	assert_int_equal(sz_socks5_connect("127.0.0.1", x.port, ONION, 1, 300, &fd, &rep),
	    SZ_ERR_TIMEOUT);
	proxy_stop(&x);

	/* No proxy there; a proxy off loopback; a bad target. */
	assert_int_equal(sz_socks5_connect("127.0.0.1", x.port, ONION, 1, 1000, &fd, &rep),
	    SZ_ERR_UNREACHABLE);
	assert_int_equal(sz_socks5_connect("192.0.2.1", 9050, ONION, 1, 1000, &fd, &rep),
	    SZ_ERR_INVALID);
	assert_int_equal(sz_socks5_connect("127.0.0.1", 9050, "bad host", 1, 1000, &fd, &rep),
	    SZ_ERR_INVALID);
}

static void
test_retry(void **state)
{
	(void)state;
	proxy x;
	int fd;

	/* 04 twice (descriptor not yet published), then success. */
	proxy_start(&x, 3, (const int[]){ 4, 4, 0 });
	sz_socks5_retry pol = { .total_ms = 5000, .attempt_ms = 2000, .every_ms = 50 };
	assert_int_equal(sz_socks5_connect_retry("127.0.0.1", x.port, ONION, 7777, &pol, &fd), SZ_OK);
	assert_int_equal(pol.attempts, 3);
	assert_int_equal(pol.last_rep, 0);
	close(fd);
	proxy_stop(&x);

	/* Always 04: the total deadline ends it, as a timeout. */
	proxy_start(&x, 8, (const int[]){ 4, 4, 4, 4, 4, 4, 4, 4 });
	pol = (sz_socks5_retry){ .total_ms = 250, .attempt_ms = 2000, .every_ms = 100 };
	uint64_t t0 = sz_tcpdial_now_ms();
	assert_int_equal(sz_socks5_connect_retry("127.0.0.1", x.port, ONION, 7777, &pol, &fd),
	    SZ_ERR_TIMEOUT);
	assert_true(sz_tcpdial_now_ms() - t0 < 2000);
	assert_true(pol.attempts >= 2);
	assert_int_equal(pol.last_rep, 4);
	assert_int_equal(fd, -1);
	proxy_stop(&x);

	/* Not allowed (02) is final: one attempt. */
	proxy_start(&x, 1, (const int[]){ 2 });
	pol = (sz_socks5_retry){ .total_ms = 5000, .attempt_ms = 2000, .every_ms = 50 };
	assert_int_equal(sz_socks5_connect_retry("127.0.0.1", x.port, ONION, 7777, &pol, &fd),
	    SZ_ERR_DENIED);
	assert_int_equal(pol.attempts, 1);
	proxy_stop(&x);

	pol = (sz_socks5_retry){ .total_ms = 0, .attempt_ms = 1, .every_ms = 0 };
	assert_int_equal(sz_socks5_connect_retry("127.0.0.1", 1, ONION, 1, &pol, &fd), SZ_ERR_INVALID);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_requests),
		cmocka_unit_test(test_replies),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_reply_codes),
		cmocka_unit_test(test_connect),
		cmocka_unit_test(test_retry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
