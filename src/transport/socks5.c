/*
 * socks5.c - SOCKS5 CONNECT client as a state machine, and blocking drivers with deadlines.
 * Layer: transport.  RFC 1928 sections 3 (method negotiation), 4 (request), 5 (addressing),
 * 6 (replies); Tor's extended reply codes from torspec proposal 304.
 */
#include "transport/socks5.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include "transport/tcpdial.h"

int
sz_socks5_init(sz_socks5 *s, const char *host, uint16_t port)
{
	struct in_addr a4;
	struct in6_addr a6;
	size_t o = 0;

	if (s == NULL)
		return SZ_ERR_INVALID;
	memset(s, 0, sizeof *s);
	s->state = SZ_SOCKS5_FAILED;
	s->err = SZ_ERR_INVALID;
	s->rep = SZ_SOCKS5_NO_REPLY;
	if (host == NULL || port == 0)
		return SZ_ERR_INVALID;

	s->req[o++] = 5;                         /* VER */
	s->req[o++] = 1;                         /* CMD: CONNECT */
	s->req[o++] = 0;                         /* RSV */
	if (inet_pton(AF_INET, host, &a4) == 1) {
		s->req[o++] = 1;
		memcpy(s->req + o, &a4, 4);
		o += 4;
	} else if (inet_pton(AF_INET6, host, &a6) == 1) {
		s->req[o++] = 4;
		memcpy(s->req + o, &a6, 16);
		o += 16;
	} else {
		size_t n = strnlen(host, SZ_SOCKS5_HOST_MAX + 1);
		if (n == 0 || n > SZ_SOCKS5_HOST_MAX)
			return SZ_ERR_INVALID;
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)host[i] <= 0x20 || (unsigned char)host[i] >= 0x7f)
				return SZ_ERR_INVALID;
		s->req[o++] = 3;
		s->req[o++] = (uint8_t)n;
		memcpy(s->req + o, host, n);
		o += n;
	}
	s->req[o++] = (uint8_t)(port >> 8);
	s->req[o++] = (uint8_t)port;
	s->reqlen = o;

	s->out[0] = 5;                           /* VER */
	s->out[1] = 1;                           /* NMETHODS */
	s->out[2] = 0;                           /* NO AUTHENTICATION REQUIRED */
	s->outlen = 3;
	s->state = SZ_SOCKS5_SEND_HELLO;
	s->err = 0;
	return SZ_OK;
}

void
sz_socks5_pending(const sz_socks5 *s, const uint8_t **p, size_t *n)
{
	*p = NULL;
	*n = 0;
	if (s->state == SZ_SOCKS5_SEND_HELLO || s->state == SZ_SOCKS5_SEND_REQUEST) {
		*p = s->out + s->outoff;
		*n = s->outlen - s->outoff;
	}
}

void
sz_socks5_sent(sz_socks5 *s, size_t n)
{
	if (s->state != SZ_SOCKS5_SEND_HELLO && s->state != SZ_SOCKS5_SEND_REQUEST)
		return;
	size_t left = s->outlen - s->outoff;
	s->outoff += n < left ? n : left;
	if (s->outoff < s->outlen)
		return;
	s->state = s->state == SZ_SOCKS5_SEND_HELLO ? SZ_SOCKS5_READ_METHOD : SZ_SOCKS5_READ_REPLY;
	s->inlen = 0;
}

/* Total length of the reply whose first bytes are in s->in, or 0 if not known yet. */
static size_t
reply_len(const sz_socks5 *s)
{
	if (s->inlen < 5)
		return 0;
	switch (s->in[3]) {
	case 1: return 4 + 4 + 2;
	case 4: return 4 + 16 + 2;
	case 3: return 4 + 1 + (size_t)s->in[4] + 2;
	default: return 0;
	}
}

size_t
sz_socks5_want(const sz_socks5 *s)
{
	if (s->state == SZ_SOCKS5_READ_METHOD)
		return 2 - s->inlen;
	if (s->state == SZ_SOCKS5_READ_REPLY) {
		size_t total = reply_len(s);
		return total == 0 ? 5 - s->inlen : total - s->inlen;
	}
	return 0;
}

static int
failed(sz_socks5 *s, int err)
{
	s->state = SZ_SOCKS5_FAILED;
	s->err = err;
	return err;
}

int
sz_socks5_input(sz_socks5 *s, const uint8_t *in, size_t n, size_t *used)
{
	size_t u = 0;
	if (used != NULL)
		*used = 0;
	if (s == NULL || used == NULL || (in == NULL && n > 0))
		return SZ_ERR_INVALID;
	if (s->state == SZ_SOCKS5_FAILED)
		return s->err ? s->err : SZ_ERR_STATE;
	if (s->state != SZ_SOCKS5_READ_METHOD && s->state != SZ_SOCKS5_READ_REPLY)
		return SZ_ERR_STATE;

	while (u < n) {
		size_t want = sz_socks5_want(s);
		if (want == 0)
			break;
		size_t take = n - u < want ? n - u : want;
		memcpy(s->in + s->inlen, in + u, take);
		s->inlen += take;
		u += take;
		*used = u;
		/* Check each field as soon as it is here. */
		if (s->in[0] != 5)
			return failed(s, SZ_ERR_PEER);
		if (s->state == SZ_SOCKS5_READ_METHOD) {
			if (s->inlen < 2)
				continue;
			if (s->in[1] == 0xFF)
				return failed(s, SZ_ERR_DENIED);  /* no acceptable method: wants auth */
			if (s->in[1] != 0)
				return failed(s, SZ_ERR_PEER);    /* a method we did not offer */
			memcpy(s->out, s->req, s->reqlen);
			s->outlen = s->reqlen;
			s->outoff = 0;
			s->inlen = 0;
			s->state = SZ_SOCKS5_SEND_REQUEST;
			return SZ_ERR_AGAIN;
		}
		if (s->inlen >= 2)
			s->rep = s->in[1];
		if (s->inlen >= 3 && s->in[2] != 0)
			return failed(s, SZ_ERR_PEER);        /* RSV must be zero */
		if (s->inlen >= 4 && s->in[3] != 1 && s->in[3] != 3 && s->in[3] != 4)
			return failed(s, SZ_ERR_PEER);
		if (s->inlen >= 5 && s->in[3] == 3 && s->in[4] == 0)
			return failed(s, SZ_ERR_PEER);        /* an empty name */
		size_t total = reply_len(s);
		if (total != 0 && s->inlen == total) {
			if (s->rep != SZ_SOCKS5_OK)
				return failed(s, sz_socks5_reply_err(s->rep));
			s->state = SZ_SOCKS5_DONE;
			return SZ_OK;
		}
	}
	return SZ_ERR_AGAIN;
}

const char *
sz_socks5_reply_str(int rep)
{
	switch (rep) {
	case SZ_SOCKS5_OK: return "succeeded";
	case SZ_SOCKS5_GENERAL_FAILURE: return "general SOCKS server failure";
	case SZ_SOCKS5_NOT_ALLOWED: return "connection not allowed by ruleset";
	case SZ_SOCKS5_NET_UNREACHABLE: return "network unreachable";
	case SZ_SOCKS5_HOST_UNREACHABLE: return "host unreachable (for an onion service: descriptor "
	    "not found yet, or the service is down)";
	case SZ_SOCKS5_REFUSED: return "connection refused (the service's port is closed)";
	case SZ_SOCKS5_TTL_EXPIRED: return "TTL expired (timed out)";
	case SZ_SOCKS5_CMD_UNSUPPORTED: return "command not supported";
	case SZ_SOCKS5_ATYP_UNSUPPORTED: return "address type not supported";
	case SZ_SOCKS5_TOR_DESC_NOT_FOUND: return "onion service descriptor not found";
	case SZ_SOCKS5_TOR_DESC_INVALID: return "onion service descriptor invalid";
	case SZ_SOCKS5_TOR_INTRO_FAILED: return "onion service introduction failed";
	case SZ_SOCKS5_TOR_REND_FAILED: return "onion service rendezvous failed";
	case SZ_SOCKS5_TOR_AUTH_MISSING: return "onion service needs client authorization";
	case SZ_SOCKS5_TOR_AUTH_WRONG: return "onion service client authorization is wrong";
	case SZ_SOCKS5_TOR_BAD_ADDRESS: return "invalid onion address";
	case SZ_SOCKS5_TOR_INTRO_TIMEOUT: return "onion service introduction timed out";
	case SZ_SOCKS5_NO_REPLY: return "no reply from the SOCKS proxy";
	}
	return "unknown SOCKS reply code";
}

int
sz_socks5_reply_err(int rep)
{
	switch (rep) {
	case SZ_SOCKS5_OK:
		return SZ_OK;
	case SZ_SOCKS5_GENERAL_FAILURE:
	case SZ_SOCKS5_NET_UNREACHABLE:
	case SZ_SOCKS5_HOST_UNREACHABLE:
	case SZ_SOCKS5_REFUSED:
	case SZ_SOCKS5_TOR_DESC_NOT_FOUND:
	case SZ_SOCKS5_TOR_DESC_INVALID:
	case SZ_SOCKS5_TOR_INTRO_FAILED:
	case SZ_SOCKS5_TOR_REND_FAILED:
	case SZ_SOCKS5_TOR_INTRO_TIMEOUT:
		return SZ_ERR_UNREACHABLE;
	case SZ_SOCKS5_TTL_EXPIRED:
		return SZ_ERR_TIMEOUT;
	case SZ_SOCKS5_NOT_ALLOWED:
	case SZ_SOCKS5_TOR_AUTH_MISSING:
	case SZ_SOCKS5_TOR_AUTH_WRONG:
		return SZ_ERR_DENIED;
	case SZ_SOCKS5_CMD_UNSUPPORTED:
	case SZ_SOCKS5_ATYP_UNSUPPORTED:
		return SZ_ERR_UNSUPPORTED;
	case SZ_SOCKS5_TOR_BAD_ADDRESS:
		return SZ_ERR_INVALID;
	}
	return SZ_ERR_PEER;
}

bool
sz_socks5_retryable(int rep)
{
	switch (rep) {
	case SZ_SOCKS5_GENERAL_FAILURE:
	case SZ_SOCKS5_NET_UNREACHABLE:
	case SZ_SOCKS5_HOST_UNREACHABLE:
	case SZ_SOCKS5_REFUSED:
	case SZ_SOCKS5_TTL_EXPIRED:
	case SZ_SOCKS5_TOR_DESC_NOT_FOUND:
	case SZ_SOCKS5_TOR_INTRO_FAILED:
	case SZ_SOCKS5_TOR_REND_FAILED:
	case SZ_SOCKS5_TOR_INTRO_TIMEOUT:
		return true;
	}
	return false;
}

int
sz_socks5_connect(const char *proxy_host, uint16_t proxy_port, const char *host, uint16_t port,
    int timeout_ms, int *fd, int *rep)
{
	int r = SZ_ERR_INTERNAL, s = -1;
	sz_socks5 m;

	if (fd != NULL)
		*fd = -1;
	if (rep != NULL)
		*rep = SZ_SOCKS5_NO_REPLY;
	if (fd == NULL || proxy_host == NULL || !sz_tcpdial_is_loopback(proxy_host) || timeout_ms <= 0)
		return SZ_ERR_INVALID;
	if ((r = sz_socks5_init(&m, host, port)) != SZ_OK)
		return r;
	uint64_t deadline = sz_tcpdial_now_ms() + (uint64_t)timeout_ms;
	if ((r = sz_tcpdial_connect(proxy_host, proxy_port, timeout_ms, &s)) != SZ_OK)
		goto out;
	for (;;) {
		const uint8_t *p;
		size_t n, used = 0;
		sz_socks5_pending(&m, &p, &n);
		if (n > 0) {
			if ((r = sz_tcpdial_write_all(s, p, n, deadline)) != SZ_OK)
				goto out;
			sz_socks5_sent(&m, n);
			continue;
		}
		uint8_t buf[sizeof m.in];
		size_t want = sz_socks5_want(&m);
		if (want == 0 || want > sizeof buf) {
			r = SZ_ERR_INTERNAL;
			goto out;
		}
		/* Read at most what the machine wants: never a byte of the application's stream.
		 * Feed what arrives at once, so a reply code is known even if the rest never comes. */
		size_t got = 0;
		if ((r = sz_tcpdial_read_some(s, buf, want, &got, deadline)) != SZ_OK) {
			if (r == SZ_ERR_CLOSED && m.rep != SZ_SOCKS5_NO_REPLY && m.rep != SZ_SOCKS5_OK)
				r = sz_socks5_reply_err(m.rep);   /* refused, then closed mid-reply */
			goto out;
		}
		r = sz_socks5_input(&m, buf, got, &used);
		if (r == SZ_OK)
			break;
		if (r != SZ_ERR_AGAIN)
			goto out;
	}
	*fd = s;
	s = -1;
	r = SZ_OK;
out:
	if (rep != NULL)
		*rep = m.rep;
	if (s >= 0)
		close(s);
	return r;
}

int
sz_socks5_connect_retry(const char *proxy_host, uint16_t proxy_port, const char *host,
    uint16_t port, sz_socks5_retry *policy, int *fd)
{
	if (fd != NULL)
		*fd = -1;
	if (policy == NULL || fd == NULL || policy->total_ms <= 0 || policy->attempt_ms <= 0 ||
	    policy->every_ms < 0)
		return SZ_ERR_INVALID;
	policy->attempts = 0;
	policy->last_rep = SZ_SOCKS5_NO_REPLY;
	uint64_t deadline = sz_tcpdial_now_ms() + (uint64_t)policy->total_ms;
	for (;;) {
		uint64_t now = sz_tcpdial_now_ms();
		if (now >= deadline)
			return SZ_ERR_TIMEOUT;
		uint64_t left = deadline - now;
		int t = (uint64_t)policy->attempt_ms < left ? policy->attempt_ms : (int)left;
		int rep = SZ_SOCKS5_NO_REPLY;
		int r = sz_socks5_connect(proxy_host, proxy_port, host, port, t, fd, &rep);
		policy->attempts++;
		policy->last_rep = rep;
		if (r == SZ_OK)
			return SZ_OK;
		bool again = (rep != SZ_SOCKS5_NO_REPLY && sz_socks5_retryable(rep)) ||
		    r == SZ_ERR_TIMEOUT;
		if (!again)
			return r;
		now = sz_tcpdial_now_ms();
		if (now >= deadline)
			return SZ_ERR_TIMEOUT;
		uint64_t pause = (uint64_t)policy->every_ms;
		if (pause > deadline - now)
			pause = deadline - now;
		usleep((useconds_t)(pause * 1000));
	}
}
