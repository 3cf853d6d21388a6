/*
 * net.h - addresses and listening sockets for live sync links.  Layer: transport.
 * Numeric addresses only (no name resolution, so no DNS leak); an onion address is kept as text
 * and reached through Tor.
 */
#ifndef SZ_TRANSPORT_NET_H
#define SZ_TRANSPORT_NET_H

#include <stdbool.h>
#include <stdint.h>

#include "samizdat.h"
#include "sync/session.h"

#define SZ_NET_HOST_MAX 64  /* an onion address (62) or a numeric address, with NUL */

typedef struct sz_addr {
	char host[SZ_NET_HOST_MAX];
	uint16_t port;
	bool onion;            /* host is a v3 .onion name */
} sz_addr;

/* Parse "HOST:PORT", "[IPv6]:PORT" or "NAME.onion:PORT".  SZ_ERR_INVALID with a reason in why
 * (at least 96 bytes) when it is none of these. */
SZ_MUST_CHECK int sz_addr_parse(sz_addr *a, const char *text, char *why, size_t whylen);

/* Write a as "HOST:PORT" ("[IPv6]:PORT" for an IPv6 address) into out (n bytes, at least
 * SZ_NET_ADDR_TEXT).  Returns SZ_ERR_TOO_LARGE if it does not fit (out is then ""). */
#define SZ_NET_ADDR_TEXT (SZ_NET_HOST_MAX + 8)
SZ_MUST_CHECK int sz_addr_format(const sz_addr *a, char *out, size_t n);

/* Whether host is a numeric wildcard address (0.0.0.0 or ::): listening on every interface. */
bool sz_net_is_wildcard(const char *host);

/* One interface address as sz_net_lan_pick sees it (numeric text, and the interface's flags). */
typedef struct sz_net_ifaddr {
	char host[SZ_NET_HOST_MAX];
	bool up, loopback;
} sz_net_ifaddr;

/* The address another device on the local network most likely reaches this one at, among n
 * interface addresses: an up, non-loopback IPv4 address of a private range (10/8, 172.16/12,
 * 192.168/16) first, then any other up non-loopback IPv4 address, then an IPv6 unique local
 * address (fc00::/7), then a global IPv6 address; never a link-local one (it needs a scope).
 * Copies it to out and returns SZ_OK, or SZ_ERR_NOT_FOUND. */
SZ_MUST_CHECK int sz_net_lan_pick(const sz_net_ifaddr *ifs, size_t n, char out[SZ_NET_HOST_MAX]);

/* sz_net_lan_pick over this machine's interfaces (getifaddrs).  SZ_ERR_NOT_FOUND if none fits. */
SZ_MUST_CHECK int sz_net_lan_address(char out[SZ_NET_HOST_MAX]);

/* Listen on a numeric address (non-blocking, close-on-exec, SO_REUSEADDR); port 0 picks a
 * free port, written back to a->port.  Refuses a non-loopback address unless allow_public. */
SZ_MUST_CHECK int sz_net_listen(sz_addr *a, bool allow_public, int *fd);

/* Accept one connection (non-blocking).  SZ_ERR_AGAIN when none waits.  peer gets the remote
 * numeric address. */
SZ_MUST_CHECK int sz_net_accept(int lfd, int *fd, char peer[SZ_NET_HOST_MAX]);

SZ_MUST_CHECK int sz_net_nonblock(int fd);

/* Progress of a session as the link sees it (for progress bars). */
typedef void (*sz_link_progress)(void *ctx, const sz_sync_stats *st);

/* Run a sync session over a connected socket until it finishes, fails, or the peer goes
 * quiet (the session's own idle limit).  Returns the session's result. */
SZ_MUST_CHECK int sz_link_run(int fd, sz_sync *s, sz_link_progress progress, void *ctx);

#endif /* SZ_TRANSPORT_NET_H */
