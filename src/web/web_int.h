/*
 * web_int.h - the inside of the web interface, shared by its modules: web.c (libmicrohttpd in the
 * daemon's loop, the checks every request passes, sessions), web_node.c (unlock, lock, wipe,
 * duress, addresses, peers, syncs, bundles), web_cell.c (cells, threads, members, invitations),
 * web_decide.c (proposals, pledges, declarations), web_text.c (leaflets, names, QR codes).
 * Layer: web.
 */
#ifndef SZ_WEB_WEB_INT_H
#define SZ_WEB_WEB_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "app/daemon.h"
#include "app/node_int.h"
#include "lib/bytes.h"
#include "lib/json.h"
#include "lib/jsonw.h"
#include "web/web.h"

#define SZ_WEB_MAX_SESSIONS 8
#define SZ_WEB_SESSION_IDLE_MS (12ull * 3600 * 1000) /* a session unused this long ends */
#define SZ_WEB_MAX_JOBS 8                            /* syncs and joins the pages wait for */
#define SZ_WEB_MAX_BODY (256u << 10)                 /* a request's JSON body */
#define SZ_WEB_MAX_UPLOAD (48u << 20)                /* a bundle, base64 in JSON */
#define SZ_WEB_MAX_CONNS 32
#define SZ_WEB_TIMEOUT_S 30
#define SZ_WEB_MIN_PASSPHRASE 10                     /* a node created from the page */

typedef struct sz_web_session {
	bool used;
	uint8_t id[32];            /* the cookie's value */
	uint8_t csrf[32];          /* what state-changing requests carry in X-CSRF-Token */
	uint64_t last_ms;          /* monotonic */
} sz_web_session;

typedef struct sz_web_token {
	bool used;
	uint8_t t[32];
	uint64_t until_ms;         /* monotonic */
} sz_web_token;

/* A sync or join the daemon runs for a page: the page polls /api/job?id=N. */
typedef struct sz_web_job {
	struct sz_web *w;
	uint32_t id;               /* 0: free */
	bool done;
	int code;                  /* the command's exit code (0: done) */
	char text[600];            /* what it said, in words */
	char kind[8];              /* "sync", "join" */
	uint64_t started_ms;
	char peer[SZ_NET_ADDR_TEXT]; /* join: the inviter's address, kept as a peer once joined */
} sz_web_job;

struct sz_web {
	sz_daemon *d;
	struct MHD_Daemon *mhd;
	uint16_t port;
	char host[32];             /* "127.0.0.1:PORT": the one Host header taken */
	char origin[40];           /* "http://127.0.0.1:PORT": the one Origin taken */
	char cookie[24];           /* "sz_PORT": cookies are per host, not per port */
	sz_web_session sess[SZ_WEB_MAX_SESSIONS];
	sz_web_token tok[SZ_WEB_MAX_TOKENS];
	sz_web_job jobs[SZ_WEB_MAX_JOBS];
	uint32_t next_job;
	uint64_t unlocks;          /* locks and unlocks seen, for the change counter */
	bool had_node;
	uint64_t stop_at_ms;       /* after a wipe: stop the daemon once the answer has left */
	uint64_t refused;          /* requests refused by the checks (status, tests) */
};

/* One request as a handler sees it. */
typedef struct sz_web_req {
	sz_web *w;
	struct MHD_Connection *con;
	sz_node *n;                /* the unlocked node, or NULL (handlers that need it get it) */
	sz_web_session *s;         /* the session the request came with */
	const sz_json_val *body;   /* POST: the parsed body (an object) */
	sz_buf out;                /* the answer's JSON (an object begun by the caller) */
	sz_jsonw jw;
	/* A handler that answers with bytes instead (a bundle to download). */
	uint8_t *raw;
	size_t rawlen;
	char filename[64];
} sz_web_req;

/* A handler returns an HTTP status: 200 with members written into q->jw, or an error through
 * sz_web_err (which writes "error" and "message"). */
typedef int (*sz_web_fn)(sz_web_req *q);
int sz_web_err(sz_web_req *q, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The same for a library error: the status and words that fit it, with what (may be NULL). */
int sz_web_fail(sz_web_req *q, int err, const char *what);

/* Reading a request. */
const char *sz_web_arg(sz_web_req *q, const char *name);        /* a query argument, or NULL */
/* A string member of the body: NULL if absent or not a string (or if it holds a NUL byte). */
const char *sz_web_str(sz_web_req *q, const char *key, size_t *len);
bool sz_web_bool(sz_web_req *q, const char *key);
/* A whole number member in [lo, hi]; def if absent; false if present and not such a number. */
bool sz_web_u64(sz_web_req *q, const char *key, uint64_t lo, uint64_t hi, uint64_t def,
    uint64_t *v);
/* 64 hex digits into id (from the body, or the query for GET). */
bool sz_web_id(sz_web_req *q, const char *key, uint8_t id[32]);

/* The active or past cell whose id is the request's "cell" (64 hex digits); an error answered
 * (404) and NULL if none. */
struct sz_cell *sz_web_cell(sz_web_req *q, int *status);

/* Writing the answer. */
void sz_web_json_id(sz_web_req *q, const char *key, const uint8_t id[32]);
/* A person: {"id", "fingerprint", "name" (their local name, or null), "you"}. */
void sz_web_json_person(sz_web_req *q, const uint8_t id[32]);

/* The jobs (web.c). */
sz_web_job *sz_web_job_new(sz_web *w, const char *kind);
void *sz_web_job_waiter(sz_web *w, sz_web_job *j);
void sz_web_job_drop(sz_web_job *j);

/* Handlers, by module. */
int sz_web_session_get(sz_web_req *q);      /* web_node.c */
int sz_web_changes(sz_web_req *q);
int sz_web_status(sz_web_req *q);
int sz_web_unlock(sz_web_req *q);
int sz_web_create(sz_web_req *q);
int sz_web_lock(sz_web_req *q);
int sz_web_wipe(sz_web_req *q);
int sz_web_duress(sz_web_req *q);
int sz_web_peers_add(sz_web_req *q);
int sz_web_peers_remove(sz_web_req *q);
int sz_web_sync(sz_web_req *q);
int sz_web_job_get(sz_web_req *q);
int sz_web_bundle_export(sz_web_req *q);
int sz_web_bundle_import(sz_web_req *q);
int sz_web_cells(sz_web_req *q);            /* web_cell.c */
int sz_web_cell_get(sz_web_req *q);
int sz_web_cell_create(sz_web_req *q);
int sz_web_post(sz_web_req *q);
int sz_web_read(sz_web_req *q);
int sz_web_invite(sz_web_req *q);
int sz_web_join(sz_web_req *q);
int sz_web_remove(sz_web_req *q);
int sz_web_leave(sz_web_req *q);
int sz_web_decisions(sz_web_req *q);        /* web_decide.c */
int sz_web_propose(sz_web_req *q);
int sz_web_vote(sz_web_req *q);
int sz_web_pledge_call(sz_web_req *q);
int sz_web_pledge(sz_web_req *q);
int sz_web_reveal(sz_web_req *q);
int sz_web_declare(sz_web_req *q);
int sz_web_cosign(sz_web_req *q);
int sz_web_leaflets(sz_web_req *q);         /* web_text.c */
int sz_web_leaflet_publish(sz_web_req *q);
int sz_web_name(sz_web_req *q);

/* A QR code of text as an SVG document (web_text.c); *svg malloc()ed. */
SZ_MUST_CHECK int sz_web_qr_svg(const char *text, char **svg);

#endif /* SZ_WEB_WEB_INT_H */
