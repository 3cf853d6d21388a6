/*
 * web.c - the web interface's server: libmicrohttpd on 127.0.0.1 inside the daemon's loop (its
 * epoll descriptor polled with the others, MHD_run each turn, so every handler runs in the loop's
 * thread with the one node), and the checks every request passes before a handler sees it:
 * Host, Origin, Sec-Fetch-Site, the session cookie, the method, the CSRF token and the JSON type
 * (or, for a file, the raw type) of state changes, the size of a body.  Layer: web.  docs/threat/ui.md says why each is there;
 * tests/ui/security.t tries each refusal.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>
#include <sodium.h>

#include "lib/env.h"
#include "web/assets.h"
#include "web/web_int.h"

/* Every answer carries these: nothing from elsewhere, no framing, no sniffing, no referrer, no
 * cache (every page but the refusals holds or leads to private text). */
static const char CSP[] = "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self'; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; "
    "base-uri 'none'";

/* What a connection carries from one call of the access handler to the next. */
typedef struct pending {
	int refused;               /* a status already answered (the body is then dropped) */
	const struct route *rt;
	sz_web_session *s;
	sz_buf body;               /* secret: it may hold a passphrase */
	size_t max;
	bool too_big;
	bool upload;               /* holds the one upload slot (a file from the page) */
	bool stop_after;           /* a wipe: stop the daemon once its answer has left */
} pending;

typedef struct route {
	const char *method;        /* "GET" or "POST" */
	const char *path;
	sz_web_fn fn;
	bool needs_node;           /* 423 while the node is locked */
	size_t max_body;           /* POST: 0 for SZ_WEB_MAX_BODY */
	bool raw;                  /* POST: the body is a file (application/octet-stream), not JSON */
} route;

static const route routes[] = {
	{ "GET", "/api/session", sz_web_session_get, false, 0, false },
	{ "GET", "/api/changes", sz_web_changes, false, 0, false },
	{ "GET", "/api/status", sz_web_status, true, 0, false },
	{ "GET", "/api/job", sz_web_job_get, false, 0, false },
	{ "GET", "/api/cells", sz_web_cells, true, 0, false },
	{ "GET", "/api/cell", sz_web_cell_get, true, 0, false },
	{ "GET", "/api/decisions", sz_web_decisions, true, 0, false },
	{ "GET", "/api/leaflets", sz_web_leaflets, true, 0, false },
	{ "GET", "/api/file", sz_web_file, true, 0, false },
	{ "POST", "/api/unlock", sz_web_unlock, false, 0, false },
	{ "POST", "/api/create", sz_web_create, false, 0, false },
	{ "POST", "/api/lock", sz_web_lock, false, 0, false },
	{ "POST", "/api/wipe", sz_web_wipe, false, 0, false },
	{ "POST", "/api/duress", sz_web_duress, true, 0, false },
	{ "POST", "/api/passphrase", sz_web_passphrase, true, 0, false },
	{ "POST", "/api/peers/add", sz_web_peers_add, true, 0, false },
	{ "POST", "/api/peers/remove", sz_web_peers_remove, true, 0, false },
	{ "POST", "/api/sync", sz_web_sync, true, 0, false },
	{ "POST", "/api/bundle/export", sz_web_bundle_export, true, 0, false },
	{ "POST", "/api/bundle/import", sz_web_bundle_import, true, SZ_WEB_MAX_UPLOAD, false },
	{ "POST", "/api/cell/create", sz_web_cell_create, true, 0, false },
	{ "POST", "/api/post", sz_web_post, true, 0, false },
	{ "POST", "/api/read", sz_web_read, true, 0, false },
	{ "POST", "/api/invite", sz_web_invite, true, 0, false },
	{ "POST", "/api/join", sz_web_join, true, 0, false },
	{ "POST", "/api/remove", sz_web_remove, true, 0, false },
	{ "POST", "/api/leave", sz_web_leave, true, 0, false },
	{ "POST", "/api/propose", sz_web_propose, true, 0, false },
	{ "POST", "/api/vote", sz_web_vote, true, 0, false },
	{ "POST", "/api/pledge/call", sz_web_pledge_call, true, 0, false },
	{ "POST", "/api/pledge", sz_web_pledge, true, 0, false },
	{ "POST", "/api/pledge/reveal", sz_web_reveal, true, 0, false },
	{ "POST", "/api/declare", sz_web_declare, true, 0, false },
	{ "POST", "/api/cosign", sz_web_cosign, true, 0, false },
	{ "POST", "/api/leaflet", sz_web_leaflet_publish, true, 0, false },
	{ "POST", "/api/name", sz_web_name, true, 0, false },
	{ "POST", "/api/invite/revoke", sz_web_revoke, true, 0, false },
	{ "POST", "/api/update", sz_web_update, true, 0, false },
	{ "POST", "/api/join/request", sz_web_join_request, true, 0, false },
	{ "POST", "/api/join/answer", sz_web_join_answer, true, SZ_WEB_MAX_COURIER, false },
	{ "POST", "/api/admit", sz_web_admit, true, SZ_WEB_MAX_COURIER, false },
	{ "POST", "/api/attach", sz_web_attach, true, SZ_WEB_MAX_FILE, true },
	{ NULL, NULL, NULL, false, 0, false },
};

static uint64_t
mono(void)
{
	return sz_mono_ms(sz_env_default());
}

/* --- answers ------------------------------------------------------------------------------ */

void
sz_web_headers(struct MHD_Response *r, const char *type, bool file)
{
	(void)MHD_add_response_header(r, "Content-Type", type);
	/* A file a person sent is never a page of ours: sandboxed, it runs nothing, even opened. */
	(void)MHD_add_response_header(r, "Content-Security-Policy", file ? "default-src 'none'; "
	    "sandbox; frame-ancestors 'none'; base-uri 'none'; form-action 'none'" : CSP);
	(void)MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	(void)MHD_add_response_header(r, "X-Frame-Options", "DENY");
	(void)MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	(void)MHD_add_response_header(r, "Cache-Control", "no-store");
	(void)MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
	(void)MHD_add_response_header(r, "Cross-Origin-Resource-Policy", "same-origin");
	(void)MHD_add_response_header(r, "Permissions-Policy", "camera=(), microphone=(), "
	    "geolocation=(), interest-cohort=()");
}

static enum MHD_Result
answer(struct MHD_Connection *con, unsigned status, const char *type, const void *p, size_t n,
    const char *extra_name, const char *extra_value)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(n, (void *)p,
	    MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	sz_web_headers(r, type, false);
	if (extra_name != NULL)
		(void)MHD_add_response_header(r, extra_name, extra_value);
	enum MHD_Result ok = MHD_queue_response(con, status, r);
	MHD_destroy_response(r);
	return ok;
}

/* A refusal: a short page a person can read (no private content), counted. */
static enum MHD_Result
refuse(sz_web *w, struct MHD_Connection *con, unsigned status, const char *why)
{
	char page[768];
	w->refused++;
	int k = snprintf(page, sizeof page, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
	    "charset=\"utf-8\"><title>samizdat</title></head><body><h1>samizdat</h1><p>%s</p></body>"
	    "</html>\n", why);
	return answer(con, status, "text/html; charset=utf-8", page, k > 0 ? (size_t)k : 0, NULL,
	    NULL);
}

static enum MHD_Result
refuse_json(sz_web *w, struct MHD_Connection *con, unsigned status, const char *code,
    const char *why)
{
	sz_buf b = { 0 };
	sz_jsonw jw;
	sz_jsonw_init(&jw, &b);
	sz_jsonw_obj_begin(&jw);
	sz_jsonw_key(&jw, "ok");
	sz_jsonw_bool(&jw, false);
	sz_jsonw_key(&jw, "error");
	sz_jsonw_str(&jw, code);
	sz_jsonw_key(&jw, "message");
	sz_jsonw_str(&jw, why);
	sz_jsonw_obj_end(&jw);
	w->refused++;
	enum MHD_Result ok = answer(con, status, "application/json", b.p, b.len, NULL, NULL);
	sz_buf_free(&b);
	return ok;
}

int
sz_web_err(sz_web_req *q, int status, const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	sz_jsonw_key(&q->jw, "error");
	sz_jsonw_str(&q->jw, code);
	sz_jsonw_key(&q->jw, "message");
	sz_jsonw_str(&q->jw, msg);
	return status;
}

int
sz_web_fail(sz_web_req *q, int err, const char *what)
{
	int status = 500;
	const char *code = "failed";
	switch (err) {
	case SZ_ERR_INVALID: case SZ_ERR_TOO_LARGE: case SZ_ERR_MALFORMED: case SZ_ERR_CORRUPT:
	case SZ_ERR_TRUNCATED: case SZ_ERR_UNSUPPORTED:
		status = 400, code = "invalid";
		break;
	case SZ_ERR_NOT_FOUND:
		status = 404, code = "not_found";
		break;
	case SZ_ERR_NOT_MEMBER:
		status = 403, code = "not_member";
		break;
	case SZ_ERR_DENIED:
		status = 403, code = "denied";
		break;
	case SZ_ERR_EXISTS:
		status = 409, code = "exists";
		break;
	case SZ_ERR_EXPIRED:
		status = 410, code = "expired";
		break;
	case SZ_ERR_LOCKED:
		status = 423, code = "locked";
		break;
	case SZ_ERR_PASSPHRASE:
		status = 403, code = "passphrase";
		break;
	case SZ_ERR_LIMIT: case SZ_ERR_BUSY:
		status = 429, code = "busy";
		break;
	default:
		break;
	}
	return sz_web_err(q, status, code, "%s%s%s", what && what[0] ? what : "",
	    what && what[0] ? ": " : "", sz_strerror(err));
}

/* --- sessions and one-time links ---------------------------------------------------------- */

int
sz_web_link(sz_web *w, char *url, size_t n)
{
	size_t k = 0;
	uint64_t now = mono();
	for (size_t i = 0; i < SZ_WEB_MAX_TOKENS; i++) {
		if (!w->tok[i].used || w->tok[i].until_ms < now) {
			k = i;
			break;
		}
		if (w->tok[i].until_ms < w->tok[k].until_ms)
			k = i;
	}
	sz_web_token *t = &w->tok[k];
	randombytes_buf(t->t, sizeof t->t);
	t->used = true;
	t->until_ms = now + SZ_WEB_TOKEN_MS;
	char hex[65];
	sz_hex_encode(hex, t->t, 32);
	int m = snprintf(url, n, "http://%s/open?t=%s", w->host, hex);
	sodium_memzero(hex, sizeof hex);
	return m > 0 && (size_t)m < n ? SZ_OK : SZ_ERR_TOO_LARGE;
}

/* Take a one-time token (64 hex digits): true once, within its time. */
static bool
token_take(sz_web *w, const char *hex)
{
	uint8_t t[32];
	bool ok = false;
	if (hex == NULL || strlen(hex) != 64 || sz_hex_decode(t, 32, hex, 64) != SZ_OK)
		return false;
	uint64_t now = mono();
	for (size_t i = 0; i < SZ_WEB_MAX_TOKENS; i++) {
		sz_web_token *k = &w->tok[i];
		if (k->used && sodium_memcmp(k->t, t, 32) == 0) {
			ok = k->until_ms >= now;
			sodium_memzero(k, sizeof *k); /* used, or stale: gone either way */
		}
	}
	sodium_memzero(t, sizeof t);
	return ok;
}

static sz_web_session *
session_new(sz_web *w)
{
	size_t k = 0;
	for (size_t i = 0; i < SZ_WEB_MAX_SESSIONS; i++) {
		if (!w->sess[i].used) {
			k = i;
			break;
		}
		if (w->sess[i].last_ms < w->sess[k].last_ms)
			k = i;
	}
	sz_web_session *s = &w->sess[k];
	s->used = true;
	randombytes_buf(s->id, sizeof s->id);
	randombytes_buf(s->csrf, sizeof s->csrf);
	s->last_ms = mono();
	return s;
}

/* The session the request's cookie names (every slot compared, in constant time), or NULL. */
static sz_web_session *
session_find(sz_web *w, struct MHD_Connection *con)
{
	const char *v = MHD_lookup_connection_value(con, MHD_COOKIE_KIND, w->cookie);
	uint8_t id[32];
	sz_web_session *hit = NULL;
	if (v == NULL || strlen(v) != 64 || sz_hex_decode(id, 32, v, 64) != SZ_OK)
		return NULL;
	uint64_t now = mono();
	for (size_t i = 0; i < SZ_WEB_MAX_SESSIONS; i++) {
		sz_web_session *s = &w->sess[i];
		if (s->used && now - s->last_ms > SZ_WEB_SESSION_IDLE_MS)
			sodium_memzero(s, sizeof *s);
		if (s->used && sodium_memcmp(s->id, id, 32) == 0)
			hit = s;
	}
	sodium_memzero(id, sizeof id); /* a session id is a bearer secret */
	if (hit != NULL)
		hit->last_ms = now;
	return hit;
}

/* --- the checks --------------------------------------------------------------------------- */

typedef struct hdr_count {
	size_t host, origin;
} hdr_count;

static enum MHD_Result
count_hdr(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	hdr_count *h = cls;
	(void)kind;
	(void)value;
	if (strcasecmp(key, "Host") == 0)
		h->host++;
	else if (strcasecmp(key, "Origin") == 0)
		h->origin++;
	return MHD_YES;
}

/* Where the request comes from: refused (a status) unless its Host names this server exactly
 * (DNS rebinding: a page of evil.example resolved to 127.0.0.1 sends "Host: evil.example"),
 * any Origin is this server's, and the browser does not call it a cross-site request. */
static unsigned
check_origin(sz_web *w, struct MHD_Connection *con, const char **why)
{
	hdr_count h = { 0, 0 };
	(void)MHD_get_connection_values(con, MHD_HEADER_KIND, count_hdr, &h);
	const char *host = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Host");
	if (h.host != 1 || host == NULL || strcmp(host, w->host) != 0) {
		*why = "This address is not the one samizdat serves on (wrong Host).";
		return MHD_HTTP_MISDIRECTED_REQUEST;
	}
	const char *origin = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Origin");
	if (h.origin > 1 || (origin != NULL && strcmp(origin, w->origin) != 0)) {
		*why = "A request from another site was refused (Origin).";
		return MHD_HTTP_FORBIDDEN;
	}
	const char *site = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Sec-Fetch-Site");
	if (site != NULL && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0) {
		*why = "A request from another site was refused (Sec-Fetch-Site).";
		return MHD_HTTP_FORBIDDEN;
	}
	return 0;
}

/* A state change: the JSON type (a form or a cross-site fetch without a preflight cannot send
 * it) and the session's CSRF token. */
static unsigned
check_post(struct MHD_Connection *con, const sz_web_session *s, bool raw, const char **code,
    const char **why)
{
	/* A file is sent as application/octet-stream: no more a CORS-safelisted type than JSON, so
	 * another site's fetch needs the preflight this server never answers. */
	const char *type = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Content-Type");
	const char *want = raw ? "application/octet-stream" : "application/json";
	size_t tl = strlen(want);
	if (type == NULL || strncasecmp(type, want, tl) != 0 ||
	    (type[tl] != '\0' && type[tl] != ';')) {
		*code = "content_type";
		*why = raw ? "A file is taken only as application/octet-stream." :
		    "State changes are taken only as JSON (Content-Type: application/json).";
		return MHD_HTTP_UNSUPPORTED_MEDIA_TYPE;
	}
	const char *tok = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "X-CSRF-Token");
	uint8_t t[32];
	if (tok == NULL || strlen(tok) != 64 || sz_hex_decode(t, 32, tok, 64) != SZ_OK ||
	    sodium_memcmp(t, s->csrf, 32) != 0) {
		*code = "csrf";
		*why = "The request did not carry this session's token (CSRF).";
		return MHD_HTTP_FORBIDDEN;
	}
	return 0;
}

/* --- requests ----------------------------------------------------------------------------- */

static const sz_web_asset *
asset(const char *path)
{
	if (strcmp(path, "/") == 0)
		path = "/index.html";
	for (size_t i = 0; sz_web_assets[i].path != NULL; i++)
		if (strcmp(sz_web_assets[i].path, path) == 0)
			return &sz_web_assets[i];
	return NULL;
}

static const route *
route_find(const char *path, const char *method, bool *other_method)
{
	*other_method = false;
	for (size_t i = 0; routes[i].path != NULL; i++)
		if (strcmp(routes[i].path, path) == 0) {
			if (strcmp(routes[i].method, method) == 0)
				return &routes[i];
			*other_method = true;
		}
	return NULL;
}

/* Run the handler and queue its answer. */
static enum MHD_Result
dispatch(sz_web *w, struct MHD_Connection *con, pending *p)
{
	sz_web_req q;
	memset(&q, 0, sizeof q);
	q.w = w;
	q.con = con;
	q.n = sz_daemon_node(w->d);
	q.s = p->s;
	sz_json *doc = NULL;
	int status;
	q.out.secret = true; /* an answer may hold an invitation code: wiped as it grows and goes */
	sz_jsonw_init(&q.jw, &q.out);
	sz_jsonw_obj_begin(&q.jw);
	if (p->rt->needs_node && q.n == NULL) {
		status = sz_web_err(&q, MHD_HTTP_LOCKED, "locked", "The node is locked: unlock it "
		    "with its passphrase.");
		goto send;
	}
	if (p->rt->raw) {
		q.upload = p->body.p;
		q.uplen = p->body.len;
	} else if (strcmp(p->rt->method, "POST") == 0) {
		sz_json_limits lim = { .max_bytes = p->max, .max_depth = 8, .max_values = 4096,
			.secret = true };
		if (sz_json_parse((const char *)p->body.p, p->body.len, &lim, &doc, NULL) != SZ_OK ||
		    sz_json_type_of(sz_json_root(doc)) != SZ_JSON_OBJECT) {
			status = sz_web_err(&q, MHD_HTTP_BAD_REQUEST, "json", "The request is not a JSON "
			    "object.");
			goto send;
		}
		q.body = sz_json_root(doc);
	}
	status = p->rt->fn(&q);
	p->stop_after = p->rt->fn == sz_web_wipe && status == MHD_HTTP_OK;
send:
	sz_json_free(doc);
	enum MHD_Result ok;
	if (q.resp != NULL && status == MHD_HTTP_OK) {
		ok = MHD_queue_response(con, MHD_HTTP_OK, q.resp); /* a file, read as it is sent */
	} else if (q.raw != NULL && status == MHD_HTTP_OK) {
		char disp[96];
		snprintf(disp, sizeof disp, "attachment; filename=\"%s\"", q.filename);
		ok = answer(con, MHD_HTTP_OK, "application/octet-stream", q.raw, q.rawlen,
		    "Content-Disposition", disp);
	} else {
		sz_jsonw_key(&q.jw, "ok");
		sz_jsonw_bool(&q.jw, status == MHD_HTTP_OK);
		sz_jsonw_obj_end(&q.jw);
		ok = q.out.err ? answer(con, MHD_HTTP_INTERNAL_SERVER_ERROR, "application/json",
		    "{\"ok\":false,\"error\":\"nomem\"}", 29, NULL, NULL) :
		    answer(con, (unsigned)status, "application/json", q.out.p, q.out.len, NULL, NULL);
	}
	if (q.resp != NULL)
		MHD_destroy_response(q.resp);
	free(q.raw);
	sz_buf_free(&q.out);
	return ok;
}

/* The first call for a request: its headers.  Refusals are answered at once, before any body
 * is read. */
static enum MHD_Result
first_call(sz_web *w, struct MHD_Connection *con, const char *url, const char *method,
    pending *p)
{
	const char *why = NULL, *code = "refused";
	unsigned st;
	bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	bool post = strcmp(method, "POST") == 0;
	bool api = strncmp(url, "/api/", 5) == 0;
	if ((st = check_origin(w, con, &why)) != 0)
		return p->refused = (int)st, refuse(w, con, st, why);
	if (!get && !post)
		return p->refused = 405, refuse(w, con, MHD_HTTP_METHOD_NOT_ALLOWED, "Only GET and POST.");
	if (get && strcmp(url, "/open") == 0) {
		/* The link `samizdat ui` printed: a session for this browser, then the pages. */
		const char *t = MHD_lookup_connection_value(con, MHD_GET_ARGUMENT_KIND, "t");
		if (!token_take(w, t))
			return p->refused = 403, refuse(w, con, MHD_HTTP_FORBIDDEN, "This link was used "
			    "already or is too old. Run <code>samizdat ui --open</code> again for a new "
			    "one.");
		sz_web_session *s = session_new(w);
		char hex[65], cookie[160];
		sz_hex_encode(hex, s->id, 32);
		snprintf(cookie, sizeof cookie, "%s=%s; Path=/; HttpOnly; SameSite=Strict", w->cookie,
		    hex);
		sodium_memzero(hex, sizeof hex);
		struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL,
		    MHD_RESPMEM_PERSISTENT);
		if (r == NULL)
			return MHD_NO;
		sz_web_headers(r, "text/plain; charset=utf-8", false);
		(void)MHD_add_response_header(r, "Set-Cookie", cookie);
		(void)MHD_add_response_header(r, "Location", "/");
		sodium_memzero(cookie, sizeof cookie);
		enum MHD_Result ok = MHD_queue_response(con, MHD_HTTP_SEE_OTHER, r);
		MHD_destroy_response(r);
		p->refused = 303;
		return ok;
	}
	if ((p->s = session_find(w, con)) == NULL)
		return p->refused = 403, api ? refuse_json(w, con, MHD_HTTP_FORBIDDEN, "session",
		    "No session: open the link that 'samizdat ui' prints.") :
		    refuse(w, con, MHD_HTTP_FORBIDDEN, "Open samizdat with the link that "
		    "<code>samizdat ui --open</code> gives (it opens this page for this browser "
		    "only).");
	if (!api) {
		const sz_web_asset *a = get ? asset(url) : NULL;
		if (a == NULL)
			return p->refused = 404, refuse(w, con, post ? MHD_HTTP_METHOD_NOT_ALLOWED :
			    MHD_HTTP_NOT_FOUND, "Nothing here.");
		p->refused = 200;
		return answer(con, MHD_HTTP_OK, a->type, a->data, a->len, NULL, NULL);
	}
	bool other;
	if ((p->rt = route_find(url, get ? "GET" : "POST", &other)) == NULL)
		return p->refused = 404, refuse_json(w, con, other ? MHD_HTTP_METHOD_NOT_ALLOWED :
		    MHD_HTTP_NOT_FOUND, other ? "method" : "not_found", other ? "Not with this "
		    "method: what changes something is a POST, what reads is a GET." : "No such call.");
	if (post && (st = check_post(con, p->s, p->rt->raw, &code, &why)) != 0)
		return p->refused = (int)st, refuse_json(w, con, st, code, why);
	p->max = p->rt->max_body ? p->rt->max_body : SZ_WEB_MAX_BODY;
	const char *len = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Content-Length");
	unsigned long long announced = len != NULL ? strtoull(len, NULL, 10) : 0;
	if (announced > p->max)
		return p->refused = 413, refuse_json(w, con, MHD_HTTP_CONTENT_TOO_LARGE, "too_large",
		    p->rt->raw ? "The file is larger than 100 MiB." : "The request is too large.");
	p->body.secret = true; /* a passphrase, or a photo that still carries where it was taken */
	p->body.max = p->max;
	if (p->rt->raw) {
		/* A file: its length said first, one at a time, held once (no doubling as it grows). */
		if (len == NULL || announced == 0)
			return p->refused = 411, refuse_json(w, con, MHD_HTTP_LENGTH_REQUIRED, "length",
			    "Send the file with its length (Content-Length).");
		if (w->uploading)
			return p->refused = 429, refuse_json(w, con, MHD_HTTP_TOO_MANY_REQUESTS, "busy",
			    "Another file is on its way in: try again once it is in.");
		if (sz_buf_reserve(&p->body, (size_t)announced) != SZ_OK)
			return p->refused = 503, refuse_json(w, con, MHD_HTTP_SERVICE_UNAVAILABLE, "nomem",
			    "Not enough memory for this file now.");
		w->uploading = p->upload = true;
	}
	return MHD_YES;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *con, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	sz_web *w = cls;
	pending *p = *con_cls;
	(void)version;
	if (p == NULL) {
		if ((p = calloc(1, sizeof *p)) == NULL)
			return MHD_NO;
		*con_cls = p;
		return first_call(w, con, url, method, p);
	}
	if (p->refused) {
		*upload_size = 0; /* answered already: drop what comes */
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (p->body.len + *upload_size > p->max)
			p->too_big = true;
		else
			sz_buf_append(&p->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	p->refused = 200;
	if (p->too_big || p->body.err)
		return refuse_json(w, con, MHD_HTTP_CONTENT_TOO_LARGE, "too_large",
		    "The request is too large.");
	return dispatch(w, con, p);
}

static void
on_done(void *cls, struct MHD_Connection *con, void **con_cls, enum MHD_RequestTerminationCode t)
{
	sz_web *w = cls;
	(void)con;
	(void)t;
	pending *p = *con_cls;
	if (p != NULL && p->upload)
		w->uploading = false;
	if (p != NULL && p->stop_after)
		w->stop_at_ms = mono(); /* the wipe's answer has left (or never will) */
	if (p != NULL) {
		sz_buf_free(&p->body); /* wiped: secret */
		free(p);
		*con_cls = NULL;
	}
}

/* --- jobs the daemon runs for a page ------------------------------------------------------ */

sz_web_job *
sz_web_job_new(sz_web *w, const char *kind)
{
	/* A free slot, else the oldest finished one; none while all run. */
	sz_web_job *j = NULL;
	for (size_t i = 0; i < SZ_WEB_MAX_JOBS && (j == NULL || j->id != 0); i++) {
		sz_web_job *k = &w->jobs[i];
		if (k->id == 0 || (k->done && (j == NULL || k->started_ms < j->started_ms)))
			j = k;
	}
	if (j == NULL)
		return NULL;
	memset(j, 0, sizeof *j);
	j->w = w;
	j->id = ++w->next_job;
	if (j->id == 0)
		j->id = ++w->next_job;
	snprintf(j->kind, sizeof j->kind, "%s", kind);
	j->started_ms = mono();
	return j;
}

static void
job_done(void *ctx, int code, const uint8_t *out, size_t olen, const uint8_t *err, size_t elen)
{
	sz_web_job *j = ctx;
	j->done = true;
	j->code = code;
	/* The daemon's words, as a control client would read them: errors if any, else the text. */
	const uint8_t *t = elen > 0 ? err : out;
	size_t l = elen > 0 ? elen : olen;
	if (l >= sizeof j->text)
		l = sizeof j->text - 1;
	memcpy(j->text, t, l);
	while (l > 0 && (j->text[l - 1] == '\n' || j->text[l - 1] == ' '))
		l--;
	j->text[l] = '\0';
	/* Joined: the inviter's node is the first peer to sync with. */
	sz_node *n = sz_daemon_node(j->w->d);
	bool found;
	if (code == 0 && strcmp(j->kind, "join") == 0 && j->peer[0] != '\0' && n != NULL &&
	    sz_node_peers_edit(n, j->peer, true, &found) != SZ_OK) {
		/* the person can add it by hand */
	}
}

void *
sz_web_job_waiter(sz_web *w, sz_web_job *j)
{
	return sz_daemon_waiter_new(w->d, false, job_done, j);
}

void
sz_web_job_drop(sz_web_job *j)
{
	memset(j, 0, sizeof *j);
}

/* --- the loop's hook ---------------------------------------------------------------------- */

/* Has libmicrohttpd more to do at once (no timeout to wait for)? */
static bool
web_busy(void *ctx)
{
	sz_web *w = ctx;
	MHD_UNSIGNED_LONG_LONG t;
	return MHD_get_timeout(w->mhd, &t) == MHD_YES && t == 0;
}

static void
on_turn(void *ctx, bool ready)
{
	sz_web *w = ctx;
	(void)ready;
	/* MHD_run does not block in this mode: it takes what its epoll set has, and keeps time.  Its
	 * sockets are edge-triggered and each run reads or writes a buffer's worth: while it has
	 * more at once, it runs again, for at most 20 ms a turn (the loop does not wait before the
	 * next one: busy). */
	uint64_t t0 = mono();
	do
		(void)MHD_run(w->mhd);
	while (web_busy(w) && mono() - t0 < 20);
	bool has = sz_daemon_node(w->d) != NULL;
	if (has != w->had_node) {
		w->had_node = has;
		w->unlocks++;
	}
	if (w->stop_at_ms != 0 && mono() >= w->stop_at_ms)
		sz_daemon_stop(w->d);
}

int
sz_web_new(sz_web **out, sz_daemon *d, const sz_web_opts *o)
{
	*out = NULL;
	sz_web *w = calloc(1, sizeof *w);
	if (w == NULL)
		return SZ_ERR_NOMEM;
	w->d = d;
	w->had_node = sz_daemon_node(d) != NULL;
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons(o->port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* No thread of its own: its epoll descriptor joins the daemon's poll set. */
	w->mhd = MHD_start_daemon(MHD_USE_EPOLL, o->port, NULL, NULL, on_request, w,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)SZ_WEB_MAX_CONNS,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)SZ_WEB_TIMEOUT_S,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64u << 10),
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, 16u,
	    MHD_OPTION_STRICT_FOR_CLIENT, 1,
	    MHD_OPTION_NOTIFY_COMPLETED, on_done, w,
	    MHD_OPTION_END);
	if (w->mhd == NULL) {
		free(w);
		return o->port != 0 ? SZ_ERR_BUSY : SZ_ERR_IO;
	}
	const union MHD_DaemonInfo *pi = MHD_get_daemon_info(w->mhd, MHD_DAEMON_INFO_BIND_PORT);
	const union MHD_DaemonInfo *ei = MHD_get_daemon_info(w->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (pi == NULL || ei == NULL || pi->port == 0) {
		MHD_stop_daemon(w->mhd);
		free(w);
		return SZ_ERR_IO;
	}
	w->port = pi->port;
	snprintf(w->host, sizeof w->host, "127.0.0.1:%u", w->port);
	snprintf(w->origin, sizeof w->origin, "http://127.0.0.1:%u", w->port);
	snprintf(w->cookie, sizeof w->cookie, "sz_%u", w->port);
	sz_daemon_source src = { .fd = ei->epoll_fd, .run = on_turn, .ctx = w, .busy = web_busy };
	int r = sz_daemon_attach(d, &src);
	if (r != SZ_OK) {
		MHD_stop_daemon(w->mhd);
		free(w);
		return r;
	}
	sz_daemon_log(d, "web interface on http://%s/ ('samizdat ui --open' opens it)", w->host);
	*out = w;
	return SZ_OK;
}

void
sz_web_free(sz_web *w)
{
	if (w == NULL)
		return;
	for (size_t i = 0; i < SZ_WEB_MAX_JOBS; i++)
		sz_daemon_waiter_forget(w->d, &w->jobs[i]);
	MHD_stop_daemon(w->mhd);
	sodium_memzero(w, sizeof *w);
	free(w);
}

uint16_t
sz_web_port(const sz_web *w)
{
	return w->port;
}
