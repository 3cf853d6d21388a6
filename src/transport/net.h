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
