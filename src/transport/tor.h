/*
 * tor.h - a node's tor, whole: attach to a running tor or spawn one, publish the node's onion
 * service with its stored key, and connect to other nodes' onion services.
 * Layer: transport, on torctl (control port), torproc (spawn) and socks5 (outgoing streams).
 * This is the API the daemon uses; the pieces below it are usable on their own.
 */
#ifndef SZ_TRANSPORT_TOR_H
#define SZ_TRANSPORT_TOR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "samizdat.h"
#include "transport/onionaddr.h"
#include "transport/socks5.h"
#include "transport/tcpdial.h"
#include "transport/torctl.h"

typedef struct sz_tor sz_tor;

typedef struct sz_tor_cfg {
	/* Attach mode (tor_path == NULL): a tor that is already running. */
	const char *control_host;  /* numeric loopback address; NULL means "127.0.0.1" */
	uint16_t control_port;     /* attach: required; spawn: 0 lets tor pick */
	const char *cookie_path;   /* attach: NULL means the COOKIEFILE tor names */
	/* Spawn mode (tor_path != NULL): start our own tor (see torproc.h). */
	const char *tor_path;
	const char *data_dir;      /* the node's data directory; tor's goes in data_dir/tor */
	uint16_t socks_port;       /* spawn: 0 lets tor pick */
	const char *torrc_extra;   /* spawn: file of extra torrc lines (test networks), or NULL */
	int timeout_ms;            /* bound on starting, connecting and authenticating (> 0) */
} sz_tor_cfg;

/*
 * Attach to or spawn a tor and authenticate to its control port (SAFECOOKIE).  Does not wait for
 * bootstrap: see sz_tor_wait_ready.  On failure reason (may be NULL) gets reasonsz bytes saying
 * why.  Errors: those of sz_torproc_start, sz_torctl_connect and sz_torctl_authenticate.
 */
SZ_MUST_CHECK int sz_tor_open(sz_tor **out, const sz_tor_cfg *cfg, char *reason,
    size_t reasonsz);

/* Close the control connection (which withdraws the services published through it) and, in
 * spawn mode, stop our tor (SIGTERM, SIGKILL after 10 s).  Accepts NULL. */
void sz_tor_free(sz_tor *t);

/* Wait until tor has bootstrapped (100%) or timeout_ms pass. */
SZ_MUST_CHECK int sz_tor_wait_ready(sz_tor *t, int timeout_ms);

/*
 * Publish an onion service: virtual port virt_port forwarded to 127.0.0.1:local_port.  key is the
 * node's stored key blob, or NULL to make a new one, returned in *new_key (sodium_malloc()ed;
 * store it encrypted and release it with sz_torctl_key_free).  id receives the address without
 * ".onion".  When wait_ms > 0, also wait that long for the descriptor to be uploaded (the address
 * is reachable a few seconds after); if that wait fails, the service is still published and
 * *new_key still set.  The service lives as long as t.
 */
SZ_MUST_CHECK int sz_tor_publish(sz_tor *t, uint16_t virt_port, uint16_t local_port,
    const char *key, int wait_ms, char id[static SZ_ONION_ID_BUF], char **new_key);

/* Withdraw a service published through t. */
SZ_MUST_CHECK int sz_tor_unpublish(sz_tor *t, const char *id);

/* Where tor's SOCKS port listens (loopback only). */
SZ_MUST_CHECK int sz_tor_socks(sz_tor *t, char host[static SZ_TCPDIAL_HOST_MAX], uint16_t *port);

/*
 * Connect to onion_host ("<id>.onion") port through this tor's SOCKS port, retrying every
 * second while the service is not reachable yet, for at most total_ms.  *fd is the connected
 * stream (caller closes).  *rep (may be NULL) gets the last SOCKS reply code.
 */
SZ_MUST_CHECK int sz_tor_connect(sz_tor *t, const char *onion_host, uint16_t port, int total_ms,
    int *fd, int *rep);

/* The control connection (for other commands); owned by t. */
sz_torctl *sz_tor_ctl(sz_tor *t);
/* The pid of our tor in spawn mode, else -1. */
pid_t sz_tor_pid(const sz_tor *t);
/* The last reason reported by tor or by the control client ("" if none). */
const char *sz_tor_reason(const sz_tor *t);

#endif /* SZ_TRANSPORT_TOR_H */
