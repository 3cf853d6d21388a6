/*
 * socks5.h - a SOCKS5 client (RFC 1928, no authentication, CONNECT only) for Tor's SocksPort.
 * Layer: transport.  The protocol is a state machine fed bytes (sz_socks5_*), usable from an event
 * loop and fuzzed directly (fuzz/fuzz_socks5.c); sz_socks5_connect and sz_socks5_connect_retry
 * drive it over a blocking socket with deadlines.  Names are always sent to the proxy (ATYP 3),
 * never resolved here, so no DNS query leaves the machine.
 */
#ifndef SZ_TRANSPORT_SOCKS5_H
#define SZ_TRANSPORT_SOCKS5_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "samizdat.h"

/* RFC 1928 section 6 reply codes, and Tor's extended codes (torspec proposal 304, sent when the
 * SocksPort has the ExtendedErrors flag). */
#define SZ_SOCKS5_OK 0x00
#define SZ_SOCKS5_GENERAL_FAILURE 0x01
#define SZ_SOCKS5_NOT_ALLOWED 0x02
#define SZ_SOCKS5_NET_UNREACHABLE 0x03
#define SZ_SOCKS5_HOST_UNREACHABLE 0x04
#define SZ_SOCKS5_REFUSED 0x05
#define SZ_SOCKS5_TTL_EXPIRED 0x06
#define SZ_SOCKS5_CMD_UNSUPPORTED 0x07
#define SZ_SOCKS5_ATYP_UNSUPPORTED 0x08
#define SZ_SOCKS5_TOR_DESC_NOT_FOUND 0xF0
#define SZ_SOCKS5_TOR_DESC_INVALID 0xF1
#define SZ_SOCKS5_TOR_INTRO_FAILED 0xF2
#define SZ_SOCKS5_TOR_REND_FAILED 0xF3
#define SZ_SOCKS5_TOR_AUTH_MISSING 0xF4
#define SZ_SOCKS5_TOR_AUTH_WRONG 0xF5
#define SZ_SOCKS5_TOR_BAD_ADDRESS 0xF6
#define SZ_SOCKS5_TOR_INTRO_TIMEOUT 0xF7
#define SZ_SOCKS5_NO_REPLY 0x100      /* not a wire code: no reply code was received */

#define SZ_SOCKS5_HOST_MAX 255        /* RFC 1928: one length byte */

enum {
	SZ_SOCKS5_SEND_HELLO = 1,     /* output: VER NMETHODS METHODS */
	SZ_SOCKS5_READ_METHOD,        /* input: VER METHOD */
	SZ_SOCKS5_SEND_REQUEST,       /* output: VER CMD RSV ATYP DST.ADDR DST.PORT */
	SZ_SOCKS5_READ_REPLY,         /* input: VER REP RSV ATYP BND.ADDR BND.PORT */
	SZ_SOCKS5_DONE,               /* connected: the stream now carries the application's bytes */
	SZ_SOCKS5_FAILED,             /* refused or broken: close the socket */
};

/* The client's state.  Plain data: zero it or call sz_socks5_init; nothing to free. */
typedef struct sz_socks5 {
	int state;
	uint8_t out[6 + 1 + SZ_SOCKS5_HOST_MAX + 2]; /* the largest request */
	size_t outlen, outoff;
	uint8_t req[6 + 1 + SZ_SOCKS5_HOST_MAX + 2];
	size_t reqlen;
	uint8_t in[6 + 1 + SZ_SOCKS5_HOST_MAX + 2];  /* the largest reply */
	size_t inlen;
	int rep;                      /* the reply code, or SZ_SOCKS5_NO_REPLY */
	int err;                      /* sticky error once FAILED */
} sz_socks5;

/*
 * Prepare a CONNECT to host:port.  host is a numeric IPv4 address (ATYP 1), a numeric IPv6
 * address without brackets (ATYP 4), or a name of 1..255 printable ASCII characters without
 * spaces (ATYP 3), e.g. "<56 chars>.onion".  SZ_ERR_INVALID otherwise or when port is 0.
 */
SZ_MUST_CHECK int sz_socks5_init(sz_socks5 *s, const char *host, uint16_t port);

/* The bytes to send now (*n == 0 when the machine waits for input or is finished). */
void sz_socks5_pending(const sz_socks5 *s, const uint8_t **p, size_t *n);

/* Report that n of the pending bytes were sent. */
void sz_socks5_sent(sz_socks5 *s, size_t n);

/* How many bytes the machine needs next at least; it never needs more than this to progress, so
 * a blocking caller reading exactly this many never reads past the proxy's reply.  0 when it is
 * not waiting for input. */
size_t sz_socks5_want(const sz_socks5 *s);

/*
 * Feed bytes from the proxy.  Takes at most what the current reply needs; *used says how many
 * (bytes after the final reply belong to the application).  Returns SZ_ERR_AGAIN while more
 * input or output is needed, SZ_OK once connected (state DONE), or an error (state FAILED):
 * sz_socks5_reply_err(rep) for a refusal, SZ_ERR_DENIED when the proxy wants authentication,
 * SZ_ERR_PEER for bytes that break RFC 1928, SZ_ERR_STATE when no input is expected.
 */
SZ_MUST_CHECK int sz_socks5_input(sz_socks5 *s, const uint8_t *in, size_t n, size_t *used);

/* One line of English for a reply code (never NULL). */
const char *sz_socks5_reply_str(int rep);

/* The sz_err for a reply code: SZ_OK, SZ_ERR_UNREACHABLE (01 03 04 05 F0 F1 F2 F3 F7),
 * SZ_ERR_TIMEOUT (06), SZ_ERR_DENIED (02 F4 F5), SZ_ERR_UNSUPPORTED (07 08), SZ_ERR_INVALID
 * (F6), SZ_ERR_PEER (anything else). */
int sz_socks5_reply_err(int rep);

/* Whether a later attempt may succeed: a fresh onion service answers 04 (or F0/F2/F3/F7 with
 * ExtendedErrors) until its descriptor is published and its circuits are built. */
bool sz_socks5_retryable(int rep);

/*
 * Connect to host:port through the SOCKS5 proxy at proxy_host:proxy_port (numeric loopback),
 * within timeout_ms.  On success *fd is a blocking socket carrying the application's stream;
 * the caller owns it.  *fd is -1 on failure.  *rep (may be NULL) receives the proxy's reply
 * code, or SZ_SOCKS5_NO_REPLY.  Errors: those of sz_socks5_input, and SZ_ERR_UNREACHABLE when the
 * proxy itself is not there, SZ_ERR_TIMEOUT, SZ_ERR_CLOSED, SZ_ERR_IO.
 */
SZ_MUST_CHECK int sz_socks5_connect(const char *proxy_host, uint16_t proxy_port, const char *host,
    uint16_t port, int timeout_ms, int *fd, int *rep);

/* Retry policy and outcome of sz_socks5_connect_retry. */
typedef struct sz_socks5_retry {
	int total_ms;      /* bound on the whole call (> 0) */
	int attempt_ms;    /* bound on one attempt (> 0; cut to what is left of total_ms) */
	int every_ms;      /* pause between attempts (>= 0) */
	int attempts;      /* out: attempts made */
	int last_rep;      /* out: reply code of the last attempt, or SZ_SOCKS5_NO_REPLY */
} sz_socks5_retry;

/*
 * sz_socks5_connect, repeated while the failure is retryable (sz_socks5_retryable, or a timeout
 * of one attempt) and time is left.  Returns the last attempt's error, SZ_ERR_TIMEOUT when time
 * ran out, or SZ_OK with *fd connected.
 */
SZ_MUST_CHECK int sz_socks5_connect_retry(const char *proxy_host, uint16_t proxy_port,
    const char *host, uint16_t port, sz_socks5_retry *policy, int *fd);

#endif /* SZ_TRANSPORT_SOCKS5_H */
