/*
 * web.h - the local web interface of `samizdat serve`: pages for people who will not use a
 * terminal, served by libmicrohttpd on 127.0.0.1 only, inside the daemon's loop.  Layer: web
 * (above app, beside cli).  docs/PROTOCOL.md §18 has the HTTP API; docs/threat/ui.md what it
 * defends against and how.
 */
#ifndef SZ_WEB_WEB_H
#define SZ_WEB_WEB_H

#include <stddef.h>
#include <stdint.h>

#include "samizdat.h"

struct sz_daemon;
typedef struct sz_web sz_web;

typedef struct sz_web_opts {
	uint16_t port;          /* on 127.0.0.1; 0: a free port chosen by the system */
} sz_web_opts;

/* Serve the interface on 127.0.0.1 for daemon d: bind, and attach to d's loop (every request is
 * answered in the loop's thread, with d's node).  SZ_ERR_BUSY if the port is taken, SZ_ERR_IO
 * otherwise.  *out is freed with sz_web_free, before d. */
SZ_MUST_CHECK int sz_web_new(sz_web **out, struct sz_daemon *d, const sz_web_opts *o);
/* Stop serving; accepts NULL. */
void sz_web_free(sz_web *w);
/* The port it serves on. */
uint16_t sz_web_port(const sz_web *w);
/* A link that opens the interface once: "http://127.0.0.1:PORT/open?t=TOKEN".  The token is good
 * for one use within SZ_WEB_TOKEN_MS; using it gives that browser a session (a cookie).  At most
 * SZ_WEB_MAX_TOKENS wait at once (the oldest gives way).  url needs SZ_WEB_URL_MAX bytes. */
#define SZ_WEB_URL_MAX 128
#define SZ_WEB_TOKEN_MS (10u * 60 * 1000)
#define SZ_WEB_MAX_TOKENS 8
SZ_MUST_CHECK int sz_web_link(sz_web *w, char *url, size_t n);

#endif /* SZ_WEB_WEB_H */
