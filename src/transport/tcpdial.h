/*
 * tcpdial.h - blocking TCP helpers with deadlines, for the Tor plumbing (control port, SOCKS).
 * Layer: transport.  Numeric addresses only: nothing here resolves a name, so nothing here can
 * leak a DNS query.  Every wait is bounded by a deadline on the monotonic clock.
 */
#ifndef SZ_TRANSPORT_TCPDIAL_H
#define SZ_TRANSPORT_TCPDIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "samizdat.h"

/* Longest numeric address text we accept, with its NUL (INET6_ADDRSTRLEN). */
#define SZ_TCPDIAL_HOST_MAX 46

/* Milliseconds on the monotonic clock. */
uint64_t sz_tcpdial_now_ms(void);

/* 1 when host is a numeric loopback address (127.0.0.0/8 or ::1), else 0. */
int sz_tcpdial_is_loopback(const char *host);

/*
 * Connect to host:port (host a numeric IPv4 or IPv6 address, port != 0) within timeout_ms
 * (> 0).  On success *fd is a blocking, close-on-exec socket the caller owns.  *fd is -1 on
 * entry and on failure.  SZ_ERR_INVALID for a bad address, SZ_ERR_UNREACHABLE when refused or
 * unroutable, SZ_ERR_TIMEOUT, SZ_ERR_IO for other socket errors.
 */
SZ_MUST_CHECK int sz_tcpdial_connect(const char *host, uint16_t port, int timeout_ms, int *fd);

/*
 * Start a non-blocking connect to host:port, for an event loop.  *fd (-1 on entry and failure) is
 * a non-blocking, close-on-exec socket the caller owns.  SZ_OK if it connected at once,
 * SZ_ERR_AGAIN while it is in progress (wait for POLLOUT, then sz_tcpdial_finish), else the
 * errors of sz_tcpdial_connect.
 */
SZ_MUST_CHECK int sz_tcpdial_start(const char *host, uint16_t port, int *fd);
/* The outcome of a connect sz_tcpdial_start left in progress, once fd is writable: SZ_OK, or
 * SZ_ERR_UNREACHABLE, SZ_ERR_TIMEOUT, SZ_ERR_IO. */
SZ_MUST_CHECK int sz_tcpdial_finish(int fd);

/* Write all n bytes before deadline_ms (sz_tcpdial_now_ms scale).  Never raises SIGPIPE.
 * SZ_ERR_TIMEOUT, SZ_ERR_CLOSED when the peer has gone, SZ_ERR_IO. */
SZ_MUST_CHECK int sz_tcpdial_write_all(int fd, const void *p, size_t n, uint64_t deadline_ms);

/* Read between 1 and n bytes before deadline_ms; *got says how many.  SZ_ERR_CLOSED on end of
 * stream, SZ_ERR_TIMEOUT, SZ_ERR_IO. */
SZ_MUST_CHECK int sz_tcpdial_read_some(int fd, void *p, size_t n, size_t *got,
    uint64_t deadline_ms);

/* Read exactly n bytes before deadline_ms (errors as sz_tcpdial_read_some). */
SZ_MUST_CHECK int sz_tcpdial_read_all(int fd, void *p, size_t n, uint64_t deadline_ms);

#endif /* SZ_TRANSPORT_TCPDIAL_H */
