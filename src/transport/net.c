/*
 * net.c - address parsing, listening sockets, and the blocking driver of one sync link
 * (see net.h).  Layer: transport.
 */
#include "transport/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "transport/tcpdial.h"

int
sz_addr_parse(sz_addr *a, const char *text, char *why, size_t whylen)
{
	const char *colon, *host = text;
	size_t hl;
	memset(a, 0, sizeof *a);
	if (text[0] == '[') {
		const char *end = strchr(text, ']');
		if (end == NULL || end[1] != ':') {
			snprintf(why, whylen, "'%s': write an IPv6 address as [ADDRESS]:PORT", text);
			return SZ_ERR_INVALID;
		}
		host = text + 1;
		hl = (size_t)(end - host);
		colon = end + 1;
	} else {
		colon = strrchr(text, ':');
		if (colon == NULL) {
			snprintf(why, whylen, "'%s' has no port: write HOST:PORT, e.g. 127.0.0.1:7070", text);
			return SZ_ERR_INVALID;
		}
		hl = (size_t)(colon - text);
	}
	if (hl == 0 || hl >= sizeof a->host) {
		snprintf(why, whylen, "'%s': the host part is empty or too long", text);
		return SZ_ERR_INVALID;
	}
	memcpy(a->host, host, hl);
	a->host[hl] = '\0';
	char *end;
	errno = 0;
	unsigned long p = strtoul(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || colon[1] == '\0' || p > 65535 || colon[1] == '-' ||
	    colon[1] == '+') {
		snprintf(why, whylen, "'%s': the port must be a number from 0 to 65535", text);
		return SZ_ERR_INVALID;
	}
	a->port = (uint16_t)p;
	if (hl > 6 && strcmp(a->host + hl - 6, ".onion") == 0) {
		/* v3: 56 base32 characters before ".onion". */
		if (hl != 62) {
			snprintf(why, whylen, "'%s' is not a v3 onion address (56 characters + .onion)", a->host);
			return SZ_ERR_INVALID;
		}
		for (size_t i = 0; i < 56; i++) {
			char ch = a->host[i];
			if (!((ch >= 'a' && ch <= 'z') || (ch >= '2' && ch <= '7'))) {
				snprintf(why, whylen, "'%s' is not a valid onion address", a->host);
				return SZ_ERR_INVALID;
			}
		}
		a->onion = true;
		return SZ_OK;
	}
	struct in6_addr six;
	struct in_addr four;
	if (inet_pton(AF_INET, a->host, &four) != 1 && inet_pton(AF_INET6, a->host, &six) != 1) {
		snprintf(why, whylen, "'%s' is not a numeric address (samizdat never looks names up, "
		    "so that no name server learns whom you sync with)", a->host);
		return SZ_ERR_INVALID;
	}
	return SZ_OK;
}

int
sz_addr_format(const sz_addr *a, char *out, size_t n)
{
	bool six = strchr(a->host, ':') != NULL;
	int k = snprintf(out, n, "%s%s%s:%u", six ? "[" : "", a->host, six ? "]" : "", a->port);
	if (k < 0 || (size_t)k >= n) {
		if (n > 0)
			out[0] = '\0';
		return SZ_ERR_TOO_LARGE;
	}
	return SZ_OK;
}

bool
sz_net_is_wildcard(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return a4.s_addr == htonl(INADDR_ANY);
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_UNSPECIFIED(&a6);
	return false;
}

/* How much an interface address is worth advertising: lower is better, -1 never. */
static int
lan_rank(const sz_net_ifaddr *f)
{
	struct in_addr a4;
	struct in6_addr a6;
	if (!f->up || f->loopback)
		return -1;
	if (inet_pton(AF_INET, f->host, &a4) == 1) {
		uint32_t v = ntohl(a4.s_addr);
		if ((v >> 24) == 127 || v == 0 || (v >> 16) == 0xa9fe) /* loopback, any, link-local */
			return -1;
		if ((v >> 24) == 10 || (v >> 20) == 0xac1 || (v >> 16) == 0xc0a8)
			return 0;
		return 1;
	}
	if (inet_pton(AF_INET6, f->host, &a6) == 1) {
		if (IN6_IS_ADDR_LOOPBACK(&a6) || IN6_IS_ADDR_UNSPECIFIED(&a6) ||
		    IN6_IS_ADDR_LINKLOCAL(&a6) || IN6_IS_ADDR_MULTICAST(&a6) ||
		    IN6_IS_ADDR_V4MAPPED(&a6))
			return -1;
		return (a6.s6_addr[0] & 0xfe) == 0xfc ? 2 : 3;
	}
	return -1;
}

int
sz_net_lan_pick(const sz_net_ifaddr *ifs, size_t n, char out[SZ_NET_HOST_MAX])
{
	int best = -1;
	size_t at = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int rk = lan_rank(&ifs[i]);
		if (rk >= 0 && (best < 0 || rk < best)) {
			best = rk;
			at = i;
		}
	}
	if (best < 0)
		return SZ_ERR_NOT_FOUND;
	snprintf(out, SZ_NET_HOST_MAX, "%s", ifs[at].host);
	return SZ_OK;
}

int
sz_net_lan_address(char out[SZ_NET_HOST_MAX])
{
	struct ifaddrs *all = NULL;
	sz_net_ifaddr ifs[64];
	size_t n = 0;
	out[0] = '\0';
	if (getifaddrs(&all) != 0)
		return SZ_ERR_NOT_FOUND;
	for (struct ifaddrs *i = all; i != NULL && n < 64; i = i->ifa_next) {
		if (i->ifa_addr == NULL)
			continue;
		const void *src = NULL;
		int fam = i->ifa_addr->sa_family;
		if (fam == AF_INET)
			src = &((struct sockaddr_in *)i->ifa_addr)->sin_addr;
		else if (fam == AF_INET6)
			src = &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
		if (src == NULL || inet_ntop(fam, src, ifs[n].host, sizeof ifs[n].host) == NULL)
			continue;
		ifs[n].up = (i->ifa_flags & IFF_UP) != 0 && (i->ifa_flags & IFF_RUNNING) != 0;
		ifs[n].loopback = (i->ifa_flags & IFF_LOOPBACK) != 0;
		n++;
	}
	freeifaddrs(all);
	return sz_net_lan_pick(ifs, n, out);
}

int
sz_net_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return SZ_ERR_IO;
	return SZ_OK;
}

int
sz_net_listen(sz_addr *a, bool allow_public, int *fd)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int s = -1, one = 1;
	*fd = -1;
	memset(&ss, 0, sizeof ss);
	if (a->onion)
		return SZ_ERR_INVALID;
	if (!allow_public && !sz_tcpdial_is_loopback(a->host))
		return SZ_ERR_DENIED;
	struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, a->host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons(a->port);
		sl = sizeof *v4;
	} else if (inet_pton(AF_INET6, a->host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(a->port);
		sl = sizeof *v6;
	} else {
		return SZ_ERR_INVALID;
	}
	if ((s = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0)
		return SZ_ERR_IO;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(s, (struct sockaddr *)&ss, sl) != 0 || listen(s, SOMAXCONN) != 0) {
		int e = errno;
		close(s);
		return e == EADDRINUSE ? SZ_ERR_BUSY : e == EACCES ? SZ_ERR_DENIED : SZ_ERR_IO;
	}
	if (getsockname(s, (struct sockaddr *)&ss, &sl) == 0)
		a->port = ntohs(ss.ss_family == AF_INET ? v4->sin_port : v6->sin6_port);
	*fd = s;
	return SZ_OK;
}

int
sz_net_accept(int lfd, int *fd, char peer[SZ_NET_HOST_MAX])
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	*fd = -1;
	peer[0] = '\0';
	int s = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (s < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? SZ_ERR_AGAIN : SZ_ERR_IO;
	if (ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, peer, SZ_NET_HOST_MAX);
	else if (ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, peer, SZ_NET_HOST_MAX);
	int one = 1;
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	*fd = s;
	return SZ_OK;
}

int
sz_link_run(int fd, sz_sync *s, sz_link_progress progress, void *ctx)
{
	uint8_t buf[65536];
	uint64_t last_report = 0;
	int r = sz_net_nonblock(fd);
	if (r != SZ_OK)
		return r;
	for (;;) {
		const uint8_t *out;
		size_t n;
		sz_sync_output(s, &out, &n);
		sz_sync_status st = sz_sync_get_status(s);
		if (st != SZ_SYNC_RUNNING && n == 0)
			break;
		struct pollfd p = { fd, (short)((n <= SZ_SYNC_OUT_HIGH ? POLLIN : 0) |
		    (n > 0 ? POLLOUT : 0)), 0 };
		int k = poll(&p, 1, SZ_SYNC_HOLD_MS);
		if (k < 0 && errno != EINTR)
			return SZ_ERR_IO;
		if (k > 0 && (p.revents & POLLOUT) && n > 0) {
			ssize_t w = send(fd, out, n, MSG_NOSIGNAL);
			if (w < 0 && errno != EAGAIN && errno != EINTR) {
				sz_sync_eof(s);
				break;
			}
			if (w > 0)
				sz_sync_consumed(s, (size_t)w);
		}
		if (k > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR))) {
			ssize_t got = recv(fd, buf, sizeof buf, 0);
			if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) {
				sz_sync_eof(s);
				if (sz_sync_get_status(s) != SZ_SYNC_DONE)
					break;
			} else if (got > 0 && sz_sync_input(s, buf, (size_t)got) != SZ_OK &&
			    sz_sync_get_status(s) == SZ_SYNC_RUNNING) {
				break;
			}
		}
		if (st == SZ_SYNC_RUNNING && sz_sync_tick(s) != SZ_OK) {
			/* the session failed on a timeout; its ERROR frame goes out on the next turn */
		}
		uint64_t now = sz_tcpdial_now_ms();
		if (progress != NULL && now - last_report >= 200) {
			sz_sync_stats stats;
			sz_sync_get_stats(s, &stats);
			progress(ctx, &stats);
			last_report = now;
		}
	}
	return sz_sync_get_status(s) == SZ_SYNC_DONE ? SZ_OK : sz_sync_error(s);
}
