/*
 * web_int.h - the inside of the web interface, shared by its modules: web.c (libmicrohttpd in the
 * daemon's loop, the checks every request passes, sessions), web_node.c (unlock, lock, wipe,
 * duress, addresses, peers, syncs, bundles), web_cell.c (cells, threads, members, invitations),
 * web_decide.c (proposals, pledges, declarations), web_text.c (leaflets, names, QR codes),
 * web_file.c (files attached from the page, listed, and served back), web_join.c (revoking an
 * invitation, renewing one's keys, joining and admitting by courier files).
 * Layer: web.
 */
#ifndef SZ_WEB_WEB_INT_H
#define SZ_WEB_WEB_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "app/daemon.h"
#include "app/invite.h"
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
#define SZ_WEB_MAX_FILE SZ_ATTACH_MAX                /* a file attached from the page, raw */
#define SZ_WEB_MAX_COURIER (4u << 20)              /* a join request or answer, base64 in JSON */
#define SZ_WEB_MAX_ATTACHED 8                        /* files attached, waiting for their post */
#define SZ_WEB_MAX_CONNS 32
#define SZ_WEB_TIMEOUT_S 30
#define SZ_WEB_MIN_PASSPHRASE 10                     /* a node created from the page */

/* A file attached from the page (stripped, chunked, stored), waiting for the post or leaflet
 * that names it: only its session, and only for the same cell (or leaflets), may name it. */
typedef struct sz_web_attached {
	bool used;
	bool leaflet;              /* for a leaflet (public chunks), else for cell */
	uint8_t cell[32];
	sz_manifest m;
	uint64_t at_ms;            /* monotonic */
} sz_web_attached;

typedef struct sz_web_session {
	bool used;
	uint8_t id[32];            /* the cookie's value */
	uint8_t csrf[32];          /* what state-changing requests carry in X-CSRF-Token */
	uint64_t last_ms;          /* monotonic */
	sz_web_attached files[SZ_WEB_MAX_ATTACHED];
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
	bool uploading;            /* a file is on its way in (one at a time: memory) */
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
	/* Or with a response of its own, queued as it is (a file read as it is sent). */
	struct MHD_Response *resp;
	/* A route that takes a file: its bytes (the request's body, not JSON). */
	const uint8_t *upload;
	size_t uplen;
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

/* The headers every answer carries (web.c); file: a file a person sent (a sandboxing CSP). */
struct MHD_Response;
void sz_web_headers(struct MHD_Response *r, const char *type, bool file);

/* Files passed to and from the node in memory, never on the disk (web_req.c): a memfd holding
 * p (at its start), or the body's base64 member key (SZ_ERR_NOT_FOUND if absent or empty,
 * SZ_ERR_MALFORMED if not base64); all of a memfd read back (*p malloc()ed); bytes as a base64
 * member of the answer.  The caller closes *fd. */
SZ_MUST_CHECK int sz_web_memfd(const uint8_t *p, size_t len, int *fd);
SZ_MUST_CHECK int sz_web_memfd_b64(sz_web_req *q, const char *key, int *fd);
SZ_MUST_CHECK int sz_web_memfd_read(int fd, uint8_t **p, size_t *len);
void sz_web_json_b64(sz_web_req *q, const char *key, const uint8_t *p, size_t len);

/* An invitation code from the body's "code" (spaces and line breaks dropped) into text, and
 * decoded into *iv, not expired (web_cell.c); false with an error answered (*status). */
struct sz_invite;
bool sz_web_code(sz_web_req *q, char text[SZ_INVITE_CODE_MAX + 1], int *status);
bool sz_web_invite_code(sz_web_req *q, struct sz_invite *iv, int *status);

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
int sz_web_passphrase(sz_web_req *q);
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
int sz_web_revoke(sz_web_req *q);           /* web_join.c */
int sz_web_update(sz_web_req *q);
int sz_web_join_request(sz_web_req *q);
int sz_web_join_answer(sz_web_req *q);
int sz_web_admit(sz_web_req *q);
int sz_web_attach(sz_web_req *q);           /* web_file.c */
int sz_web_file(sz_web_req *q);

/* Files in answers and requests (web_file.c).  "files": [{"id", "name", "type", "bytes",
 * "state", "have", "parts", "as_is"}] for k manifests. */
void sz_web_json_files(sz_web_req *q, const sz_manifest *m, size_t k);
/* The files the body's "files" names (ids of files this session attached for cell c, or for a
 * leaflet if c is NULL) into m (SZ_ATTACH_PER_ENTRY), *k of them; false with an error answered
 * (*status) if one is not such a file.  sz_web_files_sent forgets them once they are named. */
bool sz_web_files_get(sz_web_req *q, const struct sz_cell *c, sz_manifest *m, size_t *k,
    int *status);
void sz_web_files_sent(sz_web_req *q, const sz_manifest *m, size_t k);

/* A QR code of text as an SVG document (web_text.c); *svg malloc()ed. */
SZ_MUST_CHECK int sz_web_qr_svg(const char *text, char **svg);

#endif /* SZ_WEB_WEB_INT_H */
