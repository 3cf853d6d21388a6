/*
 * tcpdial.c - blocking TCP connect, read and write with deadlines (see tcpdial.h).
 * Layer: transport.  poll() bounds every wait; connect() is made non-blocking only while it runs.
 */
#include "transport/tcpdial.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

uint64_t
sz_tcpdial_now_ms(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int
sz_tcpdial_is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;
	if (host == NULL)
		return 0;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return 0;
}

/* Milliseconds left before deadline, clamped to [0, INT_MAX/2]. */
static int
left_ms(uint64_t deadline_ms)
{
	uint64_t now = sz_tcpdial_now_ms();
	if (now >= deadline_ms)
		return 0;
	uint64_t d = deadline_ms - now;
	return d > 1000000000u ? 1000000000 : (int)d;
}

/* Wait until fd is ready for events or the deadline passes.  SZ_OK, SZ_ERR_TIMEOUT, SZ_ERR_IO. */
static int
wait_fd(int fd, short events, uint64_t deadline_ms)
{
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = events };
		int ms = left_ms(deadline_ms);
		if (ms == 0)
			return SZ_ERR_TIMEOUT;
		int k = poll(&pfd, 1, ms);
		if (k > 0)
			return SZ_OK;
		if (k == 0)
			return SZ_ERR_TIMEOUT;
		if (errno != EINTR)
			return SZ_ERR_IO;
	}
}

int
sz_tcpdial_connect(const char *host, uint16_t port, int timeout_ms, int *fd)
{
	if (fd != NULL)
		*fd = -1;
	if (timeout_ms <= 0)
		return SZ_ERR_INVALID;
	uint64_t deadline = sz_tcpdial_now_ms() + (uint64_t)timeout_ms;
	int s = -1;
	int r = sz_tcpdial_start(host, port, &s);
	if (r == SZ_ERR_AGAIN && (r = wait_fd(s, POLLOUT, deadline)) == SZ_OK)
		r = sz_tcpdial_finish(s);
	if (r == SZ_OK) {
		int fl = fcntl(s, F_GETFL);
		if (fl < 0 || fcntl(s, F_SETFL, fl & ~O_NONBLOCK) != 0)
			r = SZ_ERR_IO;
	}
	if (r != SZ_OK) {
		if (s >= 0)
			close(s);
		return r;
	}
	*fd = s;
	return SZ_OK;
}

int
sz_tcpdial_start(const char *host, uint16_t port, int *fd)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	if (fd != NULL)
		*fd = -1;
	if (host == NULL || fd == NULL || port == 0)
		return SZ_ERR_INVALID;
	memset(&ss, 0, sizeof ss);
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		sslen = sizeof *s4;
	} else if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		sslen = sizeof *s6;
	} else {
		return SZ_ERR_INVALID;
	}
	int s = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s < 0)
		return SZ_ERR_IO;
	if (connect(s, (struct sockaddr *)&ss, sslen) == 0) {
		*fd = s;
		return SZ_OK;
	}
	if (errno == EINPROGRESS) {
		*fd = s;
		return SZ_ERR_AGAIN;
	}
	int e = errno;
	close(s);
	return (e == ECONNREFUSED || e == ENETUNREACH || e == EHOSTUNREACH || e == EADDRNOTAVAIL) ?
	    SZ_ERR_UNREACHABLE : SZ_ERR_IO;
}

int
sz_tcpdial_finish(int fd)
{
	int soerr = 0;
	socklen_t sl = sizeof soerr;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
		return SZ_ERR_IO;
	if (soerr == 0)
		return SZ_OK;
	return (soerr == ECONNREFUSED || soerr == ENETUNREACH || soerr == EHOSTUNREACH) ?
	    SZ_ERR_UNREACHABLE : soerr == ETIMEDOUT ? SZ_ERR_TIMEOUT : SZ_ERR_IO;
}

int
sz_tcpdial_write_all(int fd, const void *p, size_t n, uint64_t deadline_ms)
{
	const uint8_t *b = p;
	while (n > 0) {
		int r = wait_fd(fd, POLLOUT, deadline_ms);
		if (r != SZ_OK)
			return r;
		ssize_t k = send(fd, b, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (k < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
				continue;
			return (errno == EPIPE || errno == ECONNRESET) ? SZ_ERR_CLOSED : SZ_ERR_IO;
		}
		b += k;
		n -= (size_t)k;
	}
	return SZ_OK;
}

int
sz_tcpdial_read_some(int fd, void *p, size_t n, size_t *got, uint64_t deadline_ms)
{
	if (got != NULL)
		*got = 0;
	if (p == NULL || got == NULL || n == 0)
		return SZ_ERR_INVALID;
	for (;;) {
		int r = wait_fd(fd, POLLIN, deadline_ms);
		if (r != SZ_OK)
			return r;
		ssize_t k = recv(fd, p, n, MSG_DONTWAIT);
		if (k > 0) {
			*got = (size_t)k;
			return SZ_OK;
		}
		if (k == 0)
			return SZ_ERR_CLOSED;
		if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
			continue;
		return errno == ECONNRESET ? SZ_ERR_CLOSED : SZ_ERR_IO;
	}
}

int
sz_tcpdial_read_all(int fd, void *p, size_t n, uint64_t deadline_ms)
{
	uint8_t *b = p;
	while (n > 0) {
		size_t got = 0;
		int r = sz_tcpdial_read_some(fd, b, n, &got, deadline_ms);
		if (r != SZ_OK)
			return r;
		b += got;
		n -= got;
	}
	return SZ_OK;
}
