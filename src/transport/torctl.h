/*
 * torctl.h - a client of Tor's control port: authenticate, read bootstrap status, add and remove
 * onion services, wait for a service's descriptor to be published.
 * Layer: transport.  Blocking, with a deadline on every wait; replies are parsed by torreply.c.
 * Spec: torspec control-spec.txt (PROTOCOLINFO 3.21, AUTHCHALLENGE 3.24, ADD_ONION 3.27,
 * DEL_ONION 3.38, HS_DESC event 4.1.25).
 */
#ifndef SZ_TRANSPORT_TORCTL_H
#define SZ_TRANSPORT_TORCTL_H

#include <stddef.h>
#include <stdint.h>

#include "lib/env.h"
#include "samizdat.h"
#include "transport/onionaddr.h"
#include "transport/tcpdial.h"
#include "transport/torreply.h"

typedef struct sz_torctl sz_torctl;

#define SZ_TORCTL_TIMEOUT_MS 10000  /* default bound on one command's reply */
#define SZ_TORCTL_REASON_MAX 256    /* bytes of the kept reason, NUL included */
#define SZ_TORCTL_COOKIE_BYTES 32   /* control-spec 3.24: the cookie is 32 bytes */

/* Called with every asynchronous reply (6xx) that arrives while the client waits for something
 * else; the reply is only valid during the call. */
typedef void (*sz_torctl_event_fn)(void *ctx, const sz_torreply *ev);

/*
 * Connect to a control port at host:port.  host must be a numeric loopback address (127.x or
 * ::1): a control port is never reached over a network.  On success *out is a handle the caller
 * releases with sz_torctl_free.  SZ_ERR_UNREACHABLE when nothing listens there (tor is not
 * running), SZ_ERR_TIMEOUT, SZ_ERR_INVALID for a non-loopback or non-numeric host.
 */
SZ_MUST_CHECK int sz_torctl_connect(sz_torctl **out, const char *host, uint16_t port,
    int timeout_ms);

/* Wrap an already connected stream socket (tests, Unix sockets).  The handle owns fd from now
 * on, also on failure.  env supplies the SAFECOOKIE nonce (NULL: sz_env_default()). */
SZ_MUST_CHECK int sz_torctl_from_fd(sz_torctl **out, int fd, const sz_env *env);

/* Send QUIT (best effort, without waiting), close and release; wipes the read buffer.  Onion
 * services added without SZ_TORCTL_DETACH vanish with the connection.  Accepts NULL. */
void sz_torctl_free(sz_torctl *c);

/* Set the bound on each later command's reply (ms > 0). */
void sz_torctl_set_timeout(sz_torctl *c, int ms);

/* Deliver asynchronous replies to fn (NULL: drop them). */
void sz_torctl_set_event_fn(sz_torctl *c, sz_torctl_event_fn fn, void *ctx);

/* The reason of the last failure reported by Tor ("552 Unknown onion service id") or by this
 * client ("server hash mismatch"), printable ASCII; "" if none.  Never NULL; valid until the
 * next call on c. */
const char *sz_torctl_reason(const sz_torctl *c);

/* Authentication choices. */
#define SZ_TORCTL_AUTH_ALLOW_COOKIE 1u /* allow plain COOKIE when SAFECOOKIE is not offered */

/*
 * Ask PROTOCOLINFO and authenticate.  Tor offering no authentication (NULL) is accepted.
 * Otherwise SAFECOOKIE is used: the cookie (exactly 32 bytes) is read from cookie_path, or when
 * cookie_path is NULL from the COOKIEFILE Tor names; Tor must prove it knows the cookie
 * (SERVERHASH, compared in constant time) before we prove we do.  Plain COOKIE, which sends the
 * cookie itself, is used only if SAFECOOKIE is not offered and flags allow it.  The cookie and
 * every value derived from it are wiped.
 * SZ_ERR_DENIED when Tor refuses us or cannot prove it knows the cookie (reason kept),
 * SZ_ERR_UNSUPPORTED when no method we allow is offered (e.g. HASHEDPASSWORD only), SZ_ERR_IO
 * when the cookie file cannot be read or is not 32 bytes, SZ_ERR_PEER on a malformed reply.
 */
SZ_MUST_CHECK int sz_torctl_authenticate(sz_torctl *c, const char *cookie_path, unsigned flags);

/*
 * Send one command line (without CRLF; it must contain no CR, LF or NUL and be at most
 * SZ_TORREPLY_MAX_LINE bytes) and read its reply, passing asynchronous replies met on the way to
 * the event function.  When reply != NULL the caller gets the reply (release with
 * sz_torreply_free) whatever its code.  SZ_OK for a 2xx reply; SZ_ERR_DENIED for 4xx/5xx (the
 * reason is kept); SZ_ERR_PEER for a malformed or oversized reply; SZ_ERR_TIMEOUT,
 * SZ_ERR_CLOSED, SZ_ERR_IO.  After a timeout, an I/O or a protocol error the connection is out of
 * step with Tor and every later call returns SZ_ERR_STATE.
 */
SZ_MUST_CHECK int sz_torctl_command(sz_torctl *c, const char *cmd, sz_torreply *reply);

/* Read Tor's bootstrap progress (0..100) from GETINFO status/bootstrap-phase. */
SZ_MUST_CHECK int sz_torctl_bootstrap(sz_torctl *c, int *progress);

/* Poll the bootstrap progress until it reaches 100 or timeout_ms pass (SZ_ERR_TIMEOUT, with the
 * last progress in the reason). */
SZ_MUST_CHECK int sz_torctl_wait_bootstrap(sz_torctl *c, int timeout_ms);

/* The first loopback SocksPort Tor listens on (GETINFO net/listeners/socks): host gets the
 * numeric address, *port the port.  SZ_ERR_NOT_FOUND when Tor has none on loopback. */
SZ_MUST_CHECK int sz_torctl_socks_listener(sz_torctl *c, char host[static SZ_TCPDIAL_HOST_MAX],
    uint16_t *port);

/* ADD_ONION flags (control-spec 3.27). */
#define SZ_TORCTL_ONION_DETACH 1u      /* the service outlives this control connection */
#define SZ_TORCTL_ONION_DISCARD_PK 2u  /* do not return the new key (NEW only) */

/*
 * Publish an onion service that forwards virtual port virt_port to 127.0.0.1:local_port.
 * key is a stored key blob ("ED25519-V3:<base64>", checked by sz_onion_key_check) or NULL for a
 * new key.  id receives the service id (56 characters, no ".onion").  For a new key, unless
 * SZ_TORCTL_ONION_DISCARD_PK, *new_key receives the key blob in sodium_malloc()ed memory: keep it
 * (e.g. in the encrypted store) to publish the same address later, and release it with
 * sz_torctl_key_free, which wipes it.  new_key may be NULL only with DISCARD_PK or a given key.
 * The command line carrying a key is built in guarded memory and wiped.
 * SZ_ERR_DENIED when Tor refuses (reason kept), SZ_ERR_PEER when its reply lacks a valid
 * ServiceID or (for NEW) PrivateKey, SZ_ERR_INVALID for bad arguments.
 */
SZ_MUST_CHECK int sz_torctl_add_onion(sz_torctl *c, const char *key, uint16_t virt_port,
    uint16_t local_port, unsigned flags, char id[static SZ_ONION_ID_BUF], char **new_key);

/* Clients one service may authorize, and the longest command line sent (ADD_ONION with them). */
#define SZ_TORCTL_MAX_CLIENTS 256
#define SZ_TORCTL_MAX_COMMAND 32768

/*
 * sz_torctl_add_onion with client authorization (rend-spec-v3 "client authorization"): only a
 * client holding the X25519 secret of one of clients[0..nclients) (public halves, sent as
 * ClientAuthV3=<base32>, with Flags=V3Auth) can decrypt the service's descriptor and so reach it
 * at all; nclients 0
 * publishes it open to anyone, as sz_torctl_add_onion does.  SZ_ERR_INVALID beyond
 * SZ_TORCTL_MAX_CLIENTS.  To change the clients, remove the service and add it again with the
 * same key (tor cannot change them in place).
 */
SZ_MUST_CHECK int sz_torctl_add_onion_auth(sz_torctl *c, const char *key, uint16_t virt_port,
    uint16_t local_port, unsigned flags, const uint8_t (*clients)[32], size_t nclients,
    char id[static SZ_ONION_ID_BUF], char **new_key);

/* ONION_CLIENT_AUTH_ADD: this tor decrypts the descriptor of service id (56 characters, no
 * ".onion") with the client secret sk (x25519, sent base64 in a line built in guarded memory
 * and wiped); one given before for id is replaced (tor's 251).  Kept in tor's memory only. */
SZ_MUST_CHECK int sz_torctl_client_auth_add(sz_torctl *c, const char *id, const uint8_t sk[32]);
/* ONION_CLIENT_AUTH_REMOVE: forget the client secret for service id (none is not an error). */
SZ_MUST_CHECK int sz_torctl_client_auth_remove(sz_torctl *c, const char *id);

/* Wipe and release a key returned by sz_torctl_add_onion.  Accepts NULL. */
void sz_torctl_key_free(char *key);

/* Remove a service (DEL_ONION).  SZ_ERR_DENIED when Tor does not know it. */
SZ_MUST_CHECK int sz_torctl_del_onion(sz_torctl *c, const char *id);

/*
 * Wait until Tor reports (HS_DESC UPLOADED) that it has uploaded the descriptor of service id to
 * at least one directory, or timeout_ms pass.  Turns HS_DESC events on for the wait and off
 * after it.  Call it right after sz_torctl_add_onion: an upload finished before the call is not
 * seen.
 */
SZ_MUST_CHECK int sz_torctl_wait_published(sz_torctl *c, const char *id, int timeout_ms);

#endif /* SZ_TRANSPORT_TORCTL_H */
