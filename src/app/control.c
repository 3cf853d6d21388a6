/*
 * control.c - control socket messages (see control.h) and the CLI's client call.
 * Layer: app.
 */
#include "app/control.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "app/daemon.h"
#include "crypto/crypto.h"

int
sz_ctl_request_encode(sz_buf *b, int argc, char **argv, bool json, const char *secret,
    size_t secretlen)
{
	if (argc < 1 || argc > SZ_CTL_MAX_ARGS)
		return SZ_ERR_INVALID;
	sz_buf_append(b, "SZC1", 4);
	size_t at = b->len;
	sz_buf_u32(b, 0);
	sz_buf_u8(b, json ? SZ_CTL_FLAG_JSON : 0);
	sz_buf_u16(b, (uint16_t)argc);
	for (int i = 0; i < argc; i++) {
		size_t l = strlen(argv[i]);
		sz_buf_u32(b, (uint32_t)l);
		sz_buf_append(b, argv[i], l);
	}
	sz_buf_u32(b, (uint32_t)secretlen);
	sz_buf_append(b, secret, secretlen);
	if (b->err)
		return b->err;
	if (b->len - at - 4 > SZ_CTL_MAX_REQUEST)
		return SZ_ERR_TOO_LARGE;
	sz_store_u32(b->p + at, (uint32_t)(b->len - at - 4));
	return SZ_OK;
}

int
sz_ctl_need(const uint8_t *p, size_t n, const char magic[4], size_t max, size_t *total)
{
	*total = 0;
	if (n < 8)
		return SZ_ERR_AGAIN;
	if (memcmp(p, magic, 4) != 0)
		return SZ_ERR_MALFORMED;
	uint32_t len = sz_load_u32(p + 4);
	if (len > max)
		return SZ_ERR_TOO_LARGE;
	*total = 8 + (size_t)len;
	return SZ_OK;
}

void
sz_ctl_request_free(sz_ctl_request *rq)
{
	for (int i = 0; i < rq->argc; i++)
		free(rq->argv[i]);
	sz_secret_free(rq->secret);
	memset(rq, 0, sizeof *rq);
}

int
sz_ctl_request_parse(sz_ctl_request *rq, const uint8_t *p, size_t n)
{
	size_t total;
	int r;
	memset(rq, 0, sizeof *rq);
	if ((r = sz_ctl_need(p, n, "SZC1", SZ_CTL_MAX_REQUEST, &total)) != SZ_OK)
		return r == SZ_ERR_AGAIN ? SZ_ERR_TRUNCATED : r;
	if (total != n)
		return SZ_ERR_MALFORMED;
	sz_rd rd = sz_rd_init(p + 8, n - 8);
	uint8_t flags = sz_rd_u8(&rd);
	uint16_t argc = sz_rd_u16(&rd);
	if (rd.err == 0 && (argc < 1 || argc > SZ_CTL_MAX_ARGS || (flags & ~SZ_CTL_FLAG_JSON)))
		return SZ_ERR_MALFORMED;
	rq->json = flags & SZ_CTL_FLAG_JSON;
	for (uint16_t i = 0; i < argc && rd.err == 0; i++) {
		uint32_t l = sz_rd_u32(&rd);
		const uint8_t *a = sz_rd_bytes(&rd, l);
		if (a == NULL)
			break;
		if (memchr(a, 0, l) != NULL) {
			sz_ctl_request_free(rq);
			return SZ_ERR_MALFORMED;
		}
		if ((rq->argv[i] = malloc((size_t)l + 1)) == NULL) {
			sz_ctl_request_free(rq);
			return SZ_ERR_NOMEM;
		}
		memcpy(rq->argv[i], a, l);
		rq->argv[i][l] = '\0';
		rq->argc = i + 1;
	}
	uint32_t sl = sz_rd_u32(&rd);
	const uint8_t *sec = sz_rd_bytes(&rd, sl);
	if ((r = sz_rd_end(&rd)) != SZ_OK || rq->argc != argc) {
		sz_ctl_request_free(rq);
		return r != SZ_OK ? r : SZ_ERR_MALFORMED;
	}
	if (sl > 0) {
		if (sl > 4096 || memchr(sec, 0, sl) != NULL) {
			sz_ctl_request_free(rq);
			return SZ_ERR_MALFORMED;
		}
		if ((rq->secret = sz_secret_alloc((size_t)sl + 1)) == NULL) {
			sz_ctl_request_free(rq);
			return SZ_ERR_NOMEM;
		}
		memcpy(rq->secret, sec, sl);
		rq->secretlen = sl;
	}
	return SZ_OK;
}

int
sz_ctl_response_encode(sz_buf *b, int code, const uint8_t *out, size_t olen, const uint8_t *err,
    size_t elen)
{
	sz_buf_append(b, "SZR1", 4);
	size_t at = b->len;
	sz_buf_u32(b, 0);
	sz_buf_u32(b, (uint32_t)(int32_t)code);
	sz_buf_u32(b, (uint32_t)olen);
	sz_buf_append(b, out, olen);
	sz_buf_u32(b, (uint32_t)elen);
	sz_buf_append(b, err, elen);
	if (b->err)
		return b->err;
	if (b->len - at - 4 > SZ_CTL_MAX_RESPONSE)
		return SZ_ERR_TOO_LARGE;
	sz_store_u32(b->p + at, (uint32_t)(b->len - at - 4));
	return SZ_OK;
}

int
sz_ctl_response_parse(const uint8_t *p, size_t n, int *code, const uint8_t **out, size_t *olen,
    const uint8_t **err, size_t *elen)
{
	size_t total;
	int r;
	if ((r = sz_ctl_need(p, n, "SZR1", SZ_CTL_MAX_RESPONSE, &total)) != SZ_OK)
		return r == SZ_ERR_AGAIN ? SZ_ERR_TRUNCATED : r;
	if (total != n)
		return SZ_ERR_MALFORMED;
	sz_rd rd = sz_rd_init(p + 8, n - 8);
	*code = (int)(int32_t)sz_rd_u32(&rd);
	*olen = sz_rd_u32(&rd);
	*out = sz_rd_bytes(&rd, *olen);
	*elen = sz_rd_u32(&rd);
	*err = sz_rd_bytes(&rd, *elen);
	return sz_rd_end(&rd);
}

int
sz_control_call(const char *home, int argc, char **argv, bool json, const char *secret,
    size_t secretlen, sz_buf *out, sz_buf *err, int *code, int timeout_ms)
{
	struct sockaddr_un sa;
	sz_buf req = { 0 }, resp = { 0 };
	int fd = -1, r;
	*code = 0;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if ((size_t)snprintf(sa.sun_path, sizeof sa.sun_path, "%s/%s", home, SZ_CONTROL_SOCKET) >=
	    sizeof sa.sun_path)
		return SZ_ERR_UNREACHABLE;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return SZ_ERR_IO;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		close(fd);
		return SZ_ERR_UNREACHABLE;
	}
	if (timeout_ms > 0) {
		/* Both directions: a daemon that accepts and never answers is no daemon to a script. */
		struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	}
	req.secret = true;
	if ((r = sz_ctl_request_encode(&req, argc, argv, json, secret, secretlen)) != SZ_OK)
		goto out;
	for (size_t off = 0; off < req.len;) {
		ssize_t w = send(fd, req.p + off, req.len - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			r = w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? SZ_ERR_TIMEOUT :
			    SZ_ERR_CLOSED;
			goto out;
		}
		off += (size_t)w;
	}
	/* The answer may take as long as the command (a sync): no deadline here. */
	size_t total = 0;
	for (;;) {
		uint8_t tmp[65536];
		ssize_t k = recv(fd, tmp, sizeof tmp, 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			r = k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? SZ_ERR_TIMEOUT :
			    SZ_ERR_CLOSED;
			goto out;
		}
		sz_buf_append(&resp, tmp, (size_t)k);
		if (resp.err) {
			r = resp.err;
			goto out;
		}
		if (total == 0) {
			r = sz_ctl_need(resp.p, resp.len, "SZR1", SZ_CTL_MAX_RESPONSE, &total);
			if (r == SZ_ERR_AGAIN)
				continue;
			if (r != SZ_OK)
				goto out;
		}
		if (resp.len >= total)
			break;
	}
	const uint8_t *o, *e;
	size_t ol, el;
	if ((r = sz_ctl_response_parse(resp.p, total, code, &o, &ol, &e, &el)) != SZ_OK)
		goto out;
	sz_buf_append(out, o, ol);
	sz_buf_append(err, e, el);
	r = out->err ? out->err : err->err;
out:
	close(fd);
	sz_buf_free(&req);
	sz_buf_free(&resp);
	return r;
}
