/*
 * torctl.c - Tor control-port client (see torctl.h).
 * Layer: transport, on tcpdial (sockets) and torreply (parsing); crypto for SAFECOOKIE's HMAC.
 * Every command is one line we build and check; every reply goes through the bounded parser.
 */
#include "transport/torctl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "lib/bytes.h"
#include "transport/tcpdial.h"
#include "wire/identity.h"

struct sz_torctl {
	int fd;
	const sz_env *env;
	int timeout_ms;
	int broken;                      /* non-zero: out of step with Tor, refuse further use */
	uint8_t *rbuf;                   /* SZ_TORREPLY_MAX_BYTES bytes, wiped on free */
	size_t rlen;
	sz_torctl_event_fn event_fn;
	void *event_ctx;
	char reason[SZ_TORCTL_REASON_MAX];
};

/* control-spec 3.24. */
static const char SERVER_KEY[] = "Tor safe cookie authentication server-to-controller hash";
static const char CLIENT_KEY[] = "Tor safe cookie authentication controller-to-server hash";

static void
set_reason(sz_torctl *c, const char *what)
{
	sz_torreply_sanitize(c->reason, sizeof c->reason, what);
}

/* Keep "CODE text" of a refusal as the reason. */
static void
set_reason_reply(sz_torctl *c, const sz_torreply *rep)
{
	char tmp[SZ_TORCTL_REASON_MAX];
	const char *t = rep->n > 0 ? rep->line[rep->n - 1].text : "";
	snprintf(tmp, sizeof tmp, "%03d %s", rep->code, t);
	set_reason(c, tmp);
}

int
sz_torctl_from_fd(sz_torctl **out, int fd, const sz_env *env)
{
	if (out != NULL)
		*out = NULL;
	if (out == NULL || fd < 0) {
		if (fd >= 0)
			close(fd);
		return SZ_ERR_INVALID;
	}
	sz_torctl *c = calloc(1, sizeof *c);
	uint8_t *b = malloc(SZ_TORREPLY_MAX_BYTES);
	if (c == NULL || b == NULL) {
		free(c);
		free(b);
		close(fd);
		return SZ_ERR_NOMEM;
	}
	c->fd = fd;
	c->env = env != NULL ? env : sz_env_default();
	c->timeout_ms = SZ_TORCTL_TIMEOUT_MS;
	c->rbuf = b;
	*out = c;
	return SZ_OK;
}

int
sz_torctl_connect(sz_torctl **out, const char *host, uint16_t port, int timeout_ms)
{
	int fd = -1, r;
	if (out != NULL)
		*out = NULL;
	if (out == NULL || host == NULL || !sz_tcpdial_is_loopback(host))
		return SZ_ERR_INVALID;
	if ((r = sz_tcpdial_connect(host, port, timeout_ms, &fd)) != SZ_OK)
		return r;
	return sz_torctl_from_fd(out, fd, NULL);
}

void
sz_torctl_free(sz_torctl *c)
{
	if (c == NULL)
		return;
	if (!c->broken && c->fd >= 0) {
		/* Best effort: closing the socket ends the session anyway. */
		int ignored = sz_tcpdial_write_all(c->fd, "QUIT\r\n", 6, sz_tcpdial_now_ms() + 200);
		(void)ignored;
	}
	if (c->fd >= 0)
		close(c->fd);
	if (c->rbuf != NULL) {
		sodium_memzero(c->rbuf, SZ_TORREPLY_MAX_BYTES);
		free(c->rbuf);
	}
	free(c);
}

void
sz_torctl_set_timeout(sz_torctl *c, int ms)
{
	if (c != NULL && ms > 0)
		c->timeout_ms = ms;
}

void
sz_torctl_set_event_fn(sz_torctl *c, sz_torctl_event_fn fn, void *ctx)
{
	if (c != NULL) {
		c->event_fn = fn;
		c->event_ctx = ctx;
	}
}

const char *
sz_torctl_reason(const sz_torctl *c)
{
	return c != NULL ? c->reason : "";
}

/* Mark the connection unusable after err and return err. */
static int
fail(sz_torctl *c, int err, const char *why)
{
	c->broken = err;
	if (why != NULL)
		set_reason(c, why);
	return err;
}

/* Read the next reply (sync or async) before deadline_ms. */
static int
read_reply(sz_torctl *c, sz_torreply *rep, uint64_t deadline_ms)
{
	for (;;) {
		size_t used = 0;
		int r = sz_torreply_parse(c->rbuf, c->rlen, &used, rep);
		if (r == SZ_OK) {
			memmove(c->rbuf, c->rbuf + used, c->rlen - used);
			sodium_memzero(c->rbuf + (c->rlen - used), used);
			c->rlen -= used;
			return SZ_OK;
		}
		if (r == SZ_ERR_TOO_LARGE)
			return fail(c, SZ_ERR_PEER, "reply from the control port exceeds its bounds");
		if (r != SZ_ERR_AGAIN)
			return fail(c, r == SZ_ERR_NOMEM ? r : SZ_ERR_PEER,
			    "malformed reply from the control port");
		/* The parser reports TOO_LARGE before the buffer can fill up. */
		if (c->rlen >= SZ_TORREPLY_MAX_BYTES)
			return fail(c, SZ_ERR_INTERNAL, "control reply buffer full");
		size_t got = 0;
		r = sz_tcpdial_read_some(c->fd, c->rbuf + c->rlen, SZ_TORREPLY_MAX_BYTES - c->rlen,
		    &got, deadline_ms);
		if (r != SZ_OK)
			return fail(c, r, r == SZ_ERR_TIMEOUT ? "control port did not answer in time" :
			    "control connection lost");
		c->rlen += got;
	}
}

/* Send line (len bytes, checked) followed by CRLF. */
static int
send_line(sz_torctl *c, const char *line, size_t len, uint64_t deadline_ms)
{
	if (len > SZ_TORCTL_MAX_COMMAND)
		return SZ_ERR_INVALID;
	for (size_t i = 0; i < len; i++)
		if (line[i] == '\r' || line[i] == '\n' || line[i] == '\0')
			return SZ_ERR_INVALID;           /* would smuggle in a second command */
	int r = sz_tcpdial_write_all(c->fd, line, len, deadline_ms);
	if (r == SZ_OK)
		r = sz_tcpdial_write_all(c->fd, "\r\n", 2, deadline_ms);
	if (r != SZ_OK)
		return fail(c, r, "cannot write to the control port");
	return SZ_OK;
}

/* Send a command of len bytes and read its synchronous reply; see sz_torctl_command. */
static int
command_n(sz_torctl *c, const char *cmd, size_t len, sz_torreply *reply)
{
	int r = SZ_ERR_INTERNAL;
	sz_torreply rep = { 0 };

	if (reply != NULL)
		memset(reply, 0, sizeof *reply);
	if (c == NULL || cmd == NULL)
		return SZ_ERR_INVALID;
	if (c->broken)
		return SZ_ERR_STATE;
	c->reason[0] = '\0';
	uint64_t deadline = sz_tcpdial_now_ms() + (uint64_t)c->timeout_ms;
	if ((r = send_line(c, cmd, len, deadline)) != SZ_OK)
		goto out;
	for (;;) {
		if ((r = read_reply(c, &rep, deadline)) != SZ_OK)
			goto out;
		if (!sz_torreply_is_event(&rep))
			break;
		if (c->event_fn != NULL)
			c->event_fn(c->event_ctx, &rep);
		sz_torreply_free(&rep);
	}
	if (rep.code >= 200 && rep.code < 300) {
		r = SZ_OK;
	} else if (rep.code >= 400 && rep.code < 600) {
		set_reason_reply(c, &rep);
		r = SZ_ERR_DENIED;
	} else {
		set_reason_reply(c, &rep);
		r = fail(c, SZ_ERR_PEER, NULL);
	}
	if (reply != NULL) {
		*reply = rep;
		memset(&rep, 0, sizeof rep);
	}
out:
	sz_torreply_free(&rep);
	return r;
}

int
sz_torctl_command(sz_torctl *c, const char *cmd, sz_torreply *reply)
{
	if (reply != NULL)
		memset(reply, 0, sizeof *reply);
	if (cmd == NULL)
		return SZ_ERR_INVALID;
	return command_n(c, cmd, strnlen(cmd, SZ_TORREPLY_MAX_LINE + 1), reply);
}

/* Does the comma-separated list contain item? */
static bool
list_has(const char *list, const char *item)
{
	size_t n = strlen(item);
	for (const char *p = list; *p != '\0';) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == n && memcmp(p, item, n) == 0)
			return true;
		p += len + (e ? 1 : 0);
	}
	return false;
}

/* Read the 32-byte cookie; SZ_ERR_IO unless the path names a regular file of exactly 32 bytes. */
static int
read_cookie(const char *path, uint8_t cookie[static SZ_TORCTL_COOKIE_BYTES])
{
	int r = SZ_ERR_IO;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return SZ_ERR_IO;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size != SZ_TORCTL_COOKIE_BYTES)
		goto out;
	size_t got = 0;
	while (got < SZ_TORCTL_COOKIE_BYTES) {
		ssize_t k = read(fd, cookie + got, SZ_TORCTL_COOKIE_BYTES - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			goto out;
		got += (size_t)k;
	}
	r = SZ_OK;
out:
	if (r != SZ_OK)
		sodium_memzero(cookie, SZ_TORCTL_COOKIE_BYTES);
	close(fd);
	return r;
}

/* SAFECOOKIE (control-spec 3.24): AUTHCHALLENGE, check SERVERHASH, AUTHENTICATE CLIENTHASH. */
static int
auth_safecookie(sz_torctl *c, const uint8_t cookie[static SZ_TORCTL_COOKIE_BYTES])
{
	int r = SZ_ERR_INTERNAL;
	uint8_t msg[3 * 32], want[32], hash[32];
	char hex[2 * 32 + 1], line[96 + 2 * 32];
	sz_torreply rep = { 0 };

	memcpy(msg, cookie, 32);
	sz_random(c->env, msg + 32, 32);         /* client nonce */
	sz_hex_encode(hex, msg + 32, 32);
	snprintf(line, sizeof line, "AUTHCHALLENGE SAFECOOKIE %s", hex);
	if ((r = sz_torctl_command(c, line, &rep)) != SZ_OK)
		goto out;
	const char *t = rep.line[rep.n - 1].text;
	if (rep.n != 1 || strncmp(t, "AUTHCHALLENGE ", 14) != 0 ||
	    sz_torreply_kv(t, "SERVERHASH", hex, sizeof hex) != SZ_OK ||
	    sz_hex_decode(hash, 32, hex, strlen(hex)) != SZ_OK ||
	    sz_torreply_kv(t, "SERVERNONCE", hex, sizeof hex) != SZ_OK ||
	    sz_hex_decode(msg + 64, 32, hex, strlen(hex)) != SZ_OK) {
		r = fail(c, SZ_ERR_PEER, "malformed AUTHCHALLENGE reply");
		goto out;
	}
	if ((r = sz_hmac(SZ_HASH_SHA256, want, (const uint8_t *)SERVER_KEY, sizeof SERVER_KEY - 1,
	    msg, sizeof msg)) != SZ_OK)
		goto out;
	if (sodium_memcmp(want, hash, 32) != 0) {
		/* Whoever listens there does not know the cookie: reveal nothing more. */
		set_reason(c, "the control port could not prove it knows the cookie");
		r = SZ_ERR_DENIED;
		goto out;
	}
	if ((r = sz_hmac(SZ_HASH_SHA256, hash, (const uint8_t *)CLIENT_KEY, sizeof CLIENT_KEY - 1,
	    msg, sizeof msg)) != SZ_OK)
		goto out;
	sz_hex_encode(hex, hash, 32);
	snprintf(line, sizeof line, "AUTHENTICATE %s", hex);
	r = sz_torctl_command(c, line, NULL);
out:
	sz_torreply_free(&rep);
	sodium_memzero(msg, sizeof msg);
	sodium_memzero(want, sizeof want);
	sodium_memzero(hash, sizeof hash);
	sodium_memzero(hex, sizeof hex);
	sodium_memzero(line, sizeof line);
	return r;
}

/* Plain COOKIE: send the cookie itself in hex. */
static int
auth_cookie(sz_torctl *c, const uint8_t cookie[static SZ_TORCTL_COOKIE_BYTES])
{
	char hex[2 * 32 + 1], line[16 + 2 * 32];
	sz_hex_encode(hex, cookie, 32);
	snprintf(line, sizeof line, "AUTHENTICATE %s", hex);
	int r = sz_torctl_command(c, line, NULL);
	sodium_memzero(hex, sizeof hex);
	sodium_memzero(line, sizeof line);
	return r;
}

int
sz_torctl_authenticate(sz_torctl *c, const char *cookie_path, unsigned flags)
{
	int r = SZ_ERR_INTERNAL;
	sz_torreply rep = { 0 };
	char methods[256], path[SZ_TORREPLY_MAX_LINE];
	uint8_t cookie[SZ_TORCTL_COOKIE_BYTES];
	const char *auth = NULL;

	if (c == NULL)
		return SZ_ERR_INVALID;
	if ((r = sz_torctl_command(c, "PROTOCOLINFO 1", &rep)) != SZ_OK)
		goto out;
	for (size_t i = 0; i < rep.n; i++)
		if (strncmp(rep.line[i].text, "AUTH ", 5) == 0)
			auth = rep.line[i].text;
	if (auth == NULL || sz_torreply_kv(auth, "METHODS", methods, sizeof methods) != SZ_OK) {
		r = fail(c, SZ_ERR_PEER, "PROTOCOLINFO reply has no AUTH METHODS");
		goto out;
	}
	if (list_has(methods, "NULL")) {
		r = sz_torctl_command(c, "AUTHENTICATE", NULL);
		goto out;
	}
	bool safe = list_has(methods, "SAFECOOKIE");
	bool plain = list_has(methods, "COOKIE") && (flags & SZ_TORCTL_AUTH_ALLOW_COOKIE);
	if (!safe && !plain) {
		char tmp[SZ_TORCTL_REASON_MAX];
		snprintf(tmp, sizeof tmp, "no usable authentication method offered (%.150s)", methods);
		set_reason(c, tmp);
		r = SZ_ERR_UNSUPPORTED;
		goto out;
	}
	if (cookie_path == NULL) {
		r = sz_torreply_kv(auth, "COOKIEFILE", path, sizeof path);
		if (r != SZ_OK) {
			r = fail(c, SZ_ERR_PEER, "PROTOCOLINFO names no usable COOKIEFILE");
			goto out;
		}
		cookie_path = path;
	}
	if ((r = read_cookie(cookie_path, cookie)) != SZ_OK) {
		set_reason(c, "cannot read the control cookie file (missing, unreadable or not 32 bytes)");
		goto out;
	}
	r = safe ? auth_safecookie(c, cookie) : auth_cookie(c, cookie);
out:
	sodium_memzero(cookie, sizeof cookie);
	sz_torreply_free(&rep);
	return r;
}

int
sz_torctl_bootstrap(sz_torctl *c, int *progress)
{
	int r = SZ_ERR_INTERNAL;
	sz_torreply rep = { 0 };
	const char *v = NULL;
	char num[8];

	if (progress != NULL)
		*progress = 0;
	if (c == NULL || progress == NULL)
		return SZ_ERR_INVALID;
	if ((r = sz_torctl_command(c, "GETINFO status/bootstrap-phase", &rep)) != SZ_OK)
		goto out;
	if (sz_torreply_getinfo(&rep, "status/bootstrap-phase", &v) != SZ_OK ||
	    sz_torreply_kv(v, "PROGRESS", num, sizeof num) != SZ_OK) {
		r = fail(c, SZ_ERR_PEER, "malformed bootstrap status");
		goto out;
	}
	int p = 0;
	size_t nd = strlen(num);
	if (nd == 0 || nd > 3) {
		r = fail(c, SZ_ERR_PEER, "malformed bootstrap progress");
		goto out;
	}
	for (size_t i = 0; i < nd; i++) {
		if (num[i] < '0' || num[i] > '9') {
			r = fail(c, SZ_ERR_PEER, "malformed bootstrap progress");
			goto out;
		}
		p = p * 10 + (num[i] - '0');
	}
	if (p > 100) {
		r = fail(c, SZ_ERR_PEER, "bootstrap progress above 100");
		goto out;
	}
	*progress = p;
	r = SZ_OK;
out:
	sz_torreply_free(&rep);
	return r;
}

int
sz_torctl_wait_bootstrap(sz_torctl *c, int timeout_ms)
{
	if (c == NULL || timeout_ms <= 0)
		return SZ_ERR_INVALID;
	uint64_t deadline = sz_tcpdial_now_ms() + (uint64_t)timeout_ms;
	for (;;) {
		int p = 0, r = sz_torctl_bootstrap(c, &p);
		if (r != SZ_OK)
			return r;
		if (p == 100)
			return SZ_OK;
		if (sz_tcpdial_now_ms() >= deadline) {
			char tmp[64];
			snprintf(tmp, sizeof tmp, "bootstrap stuck at %d%%", p);
			set_reason(c, tmp);
			return SZ_ERR_TIMEOUT;
		}
		usleep(250 * 1000);
	}
}

/* Parse "127.0.0.1:PORT" or "[::1]:PORT" into host and port. */
static int
parse_listener(const char *w, char host[static SZ_TCPDIAL_HOST_MAX], uint16_t *port)
{
	const char *colon = strrchr(w, ':');
	if (colon == NULL || colon == w)
		return SZ_ERR_MALFORMED;
	size_t hl = (size_t)(colon - w);
	const char *h = w;
	if (w[0] == '[') {
		if (hl < 2 || w[hl - 1] != ']')
			return SZ_ERR_MALFORMED;
		h = w + 1;
		hl -= 2;
	}
	if (hl == 0 || hl >= SZ_TCPDIAL_HOST_MAX)
		return SZ_ERR_MALFORMED;
	char tmp[SZ_TCPDIAL_HOST_MAX];
	memcpy(tmp, h, hl);
	tmp[hl] = '\0';
	if (!sz_tcpdial_is_loopback(tmp))
		return SZ_ERR_NOT_FOUND;
	unsigned long v = 0;
	const char *p = colon + 1;
	if (*p == '\0' || strlen(p) > 5)
		return SZ_ERR_MALFORMED;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return SZ_ERR_MALFORMED;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v == 0 || v > 65535)
		return SZ_ERR_MALFORMED;
	memcpy(host, tmp, hl + 1);
	*port = (uint16_t)v;
	return SZ_OK;
}

int
sz_torctl_socks_listener(sz_torctl *c, char host[static SZ_TCPDIAL_HOST_MAX], uint16_t *port)
{
	int r = SZ_ERR_INTERNAL;
	sz_torreply rep = { 0 };
	const char *v = NULL;
	char w[SZ_TORREPLY_MAX_LINE];

	host[0] = '\0';
	if (port != NULL)
		*port = 0;
	if (c == NULL || port == NULL)
		return SZ_ERR_INVALID;
	if ((r = sz_torctl_command(c, "GETINFO net/listeners/socks", &rep)) != SZ_OK)
		goto out;
	if (sz_torreply_getinfo(&rep, "net/listeners/socks", &v) != SZ_OK) {
		r = fail(c, SZ_ERR_PEER, "GETINFO net/listeners/socks: no value");
		goto out;
	}
	for (;;) {
		r = sz_torreply_word(&v, w, sizeof w);
		if (r == SZ_ERR_NOT_FOUND)
			goto out;
		if (r != SZ_OK) {
			r = fail(c, SZ_ERR_PEER, "malformed SOCKS listener list");
			goto out;
		}
		if (parse_listener(w, host, port) == SZ_OK)
			break;                           /* unix: sockets and others are skipped */
	}
	r = SZ_OK;
out:
	sz_torreply_free(&rep);
	return r;
}

int
sz_torctl_add_onion(sz_torctl *c, const char *key, uint16_t virt_port, uint16_t local_port,
    unsigned flags, char id[static SZ_ONION_ID_BUF], char **new_key)
{
	return sz_torctl_add_onion_auth(c, key, virt_port, local_port, flags, NULL, 0, id, new_key);
}

int
sz_torctl_add_onion_auth(sz_torctl *c, const char *key, uint16_t virt_port, uint16_t local_port,
    unsigned flags, const uint8_t (*clients)[32], size_t nclients,
    char id[static SZ_ONION_ID_BUF], char **new_key)
{
	int r = SZ_ERR_INTERNAL;
	sz_torreply rep = { 0 };
	const size_t cap = 160 + SZ_ONION_KEY_BUF + nclients * 80;
	char *line = NULL, *k = NULL;
	const char *v = NULL;

	memset(id, 0, SZ_ONION_ID_BUF);
	if (new_key != NULL)
		*new_key = NULL;
	if (c == NULL || virt_port == 0 || local_port == 0 ||
	    (flags & ~(SZ_TORCTL_ONION_DETACH | SZ_TORCTL_ONION_DISCARD_PK)) != 0 ||
	    nclients > SZ_TORCTL_MAX_CLIENTS || (nclients > 0 && clients == NULL))
		return SZ_ERR_INVALID;
	if (key != NULL && sz_onion_key_check(key) != SZ_OK)
		return SZ_ERR_INVALID;
	if (key != NULL && (flags & SZ_TORCTL_ONION_DISCARD_PK))
		return SZ_ERR_INVALID;
	bool want_key = key == NULL && !(flags & SZ_TORCTL_ONION_DISCARD_PK);
	if (want_key && new_key == NULL)
		return SZ_ERR_INVALID;

	if ((line = sz_secret_alloc(cap)) == NULL)
		return SZ_ERR_NOMEM;
	/* Flags=Detach,DiscardPK,V3Auth as asked (tor refuses ClientAuthV3 without V3Auth) */
	char fl[48] = "";
	const char *names[] = { "Detach", "DiscardPK", "V3Auth" };
	bool on[] = { (flags & SZ_TORCTL_ONION_DETACH) != 0, (flags & SZ_TORCTL_ONION_DISCARD_PK) != 0,
		nclients > 0 };
	for (size_t i = 0; i < 3; i++)
		if (on[i]) {
			strcat(fl, fl[0] ? "," : " Flags=");
			strcat(fl, names[i]);
		}
	int n = snprintf(line, cap, "ADD_ONION %s%s Port=%u,127.0.0.1:%u",
	    key != NULL ? key : "NEW:ED25519-V3", fl, (unsigned)virt_port, (unsigned)local_port);
	if (n < 0 || (size_t)n >= cap) {
		r = SZ_ERR_INTERNAL;
		goto out;
	}
	for (size_t i = 0; i < nclients; i++) {
		char b32[64];
		sz_base32_encode(b32, clients[i], 32);   /* 52 characters, as tor reads them */
		int m = snprintf(line + n, cap - (size_t)n, " ClientAuthV3=%s", b32);
		if (m < 0 || (size_t)m >= cap - (size_t)n) {
			r = SZ_ERR_INTERNAL;
			goto out;
		}
		n += m;
	}
	if ((r = command_n(c, line, (size_t)n, &rep)) != SZ_OK)
		goto out;
	if (sz_torreply_getinfo(&rep, "ServiceID", &v) != SZ_OK || sz_onion_id_check(v) != SZ_OK) {
		r = fail(c, SZ_ERR_PEER, "ADD_ONION reply has no valid ServiceID");
		goto out;
	}
	memcpy(id, v, SZ_ONION_ID_LEN);
	if (want_key) {
		if (sz_torreply_getinfo(&rep, "PrivateKey", &v) != SZ_OK ||
		    sz_onion_key_check(v) != SZ_OK) {
			r = fail(c, SZ_ERR_PEER, "ADD_ONION reply has no valid PrivateKey");
			goto out;
		}
		if ((k = sz_secret_alloc(SZ_ONION_KEY_BUF)) == NULL) {
			r = SZ_ERR_NOMEM;
			goto out;
		}
		memcpy(k, v, SZ_ONION_KEY_BUF);      /* checked: exactly SZ_ONION_KEY_BUF - 1 + NUL */
		*new_key = k;
		k = NULL;
	}
	r = SZ_OK;
out:
	if (r != SZ_OK)
		memset(id, 0, SZ_ONION_ID_BUF);
	sz_secret_free(k);
	sz_secret_free(line);                     /* wipes the key the line may carry */
	sz_torreply_free(&rep);                   /* wipes the PrivateKey line */
	return r;
}

int
sz_torctl_client_auth_add(sz_torctl *c, const char *id, const uint8_t sk[32])
{
	const size_t cap = 64 + SZ_ONION_ID_BUF + 64;
	if (c == NULL || sz_onion_id_check(id) != SZ_OK || sk == NULL || sodium_is_zero(sk, 32))
		return SZ_ERR_INVALID;
	char *line = sz_secret_alloc(cap);
	if (line == NULL)
		return SZ_ERR_NOMEM;
	int n = snprintf(line, cap, "ONION_CLIENT_AUTH_ADD %s x25519:", id);
	int r = SZ_ERR_INTERNAL;
	if (n > 0 && (size_t)n + sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL) <= cap) {
		sodium_bin2base64(line + n, cap - (size_t)n, sk, 32, sodium_base64_VARIANT_ORIGINAL);
		r = command_n(c, line, strlen(line), NULL);
	}
	sz_secret_free(line);                     /* wipes the secret the line carries */
	return r;
}

int
sz_torctl_client_auth_remove(sz_torctl *c, const char *id)
{
	char line[32 + SZ_ONION_ID_BUF];
	if (c == NULL || sz_onion_id_check(id) != SZ_OK)
		return SZ_ERR_INVALID;
	int n = snprintf(line, sizeof line, "ONION_CLIENT_AUTH_REMOVE %s", id);
	return command_n(c, line, (size_t)n, NULL);
}

void
sz_torctl_key_free(char *key)
{
	sz_secret_free(key);
}

int
sz_torctl_del_onion(sz_torctl *c, const char *id)
{
	char line[16 + SZ_ONION_ID_BUF];
	if (c == NULL || sz_onion_id_check(id) != SZ_OK)
		return SZ_ERR_INVALID;
	snprintf(line, sizeof line, "DEL_ONION %s", id);
	return sz_torctl_command(c, line, NULL);
}

typedef struct watch {
	const char *id;
	bool uploaded;
} watch;

/* "650 HS_DESC UPLOADED <id> <auth> <hsdir> ..." (control-spec 4.1.25). */
static void
on_hs_desc(void *ctx, const sz_torreply *ev)
{
	watch *w = ctx;
	char word[96];
	const char *p = ev->line[0].text;
	if (sz_torreply_word(&p, word, sizeof word) != SZ_OK || strcmp(word, "HS_DESC") != 0)
		return;
	if (sz_torreply_word(&p, word, sizeof word) != SZ_OK || strcmp(word, "UPLOADED") != 0)
		return;
	if (sz_torreply_word(&p, word, sizeof word) != SZ_OK || strcmp(word, w->id) != 0)
		return;
	w->uploaded = true;
}

int
sz_torctl_wait_published(sz_torctl *c, const char *id, int timeout_ms)
{
	int r = SZ_ERR_INTERNAL, r2;
	sz_torreply rep = { 0 };
	watch w = { id, false };

	if (c == NULL || timeout_ms <= 0 || sz_onion_id_check(id) != SZ_OK)
		return SZ_ERR_INVALID;
	sz_torctl_event_fn old_fn = c->event_fn;
	void *old_ctx = c->event_ctx;
	c->event_fn = on_hs_desc;
	c->event_ctx = &w;
	if ((r = sz_torctl_command(c, "SETEVENTS HS_DESC", NULL)) != SZ_OK)
		goto out;
	uint64_t deadline = sz_tcpdial_now_ms() + (uint64_t)timeout_ms;
	while (!w.uploaded) {
		if ((r = read_reply(c, &rep, deadline)) != SZ_OK) {
			if (r == SZ_ERR_TIMEOUT) {
				/* Nothing is pending: the connection is still in step. */
				c->broken = 0;
				set_reason(c, "no descriptor upload reported in time");
			}
			goto out;
		}
		if (!sz_torreply_is_event(&rep)) {
			r = fail(c, SZ_ERR_PEER, "unexpected synchronous reply");
			goto out;
		}
		on_hs_desc(&w, &rep);
		sz_torreply_free(&rep);
	}
	r = SZ_OK;
out:
	sz_torreply_free(&rep);
	c->event_fn = on_hs_desc;                 /* events still in flight are ours */
	if (!c->broken) {
		r2 = sz_torctl_command(c, "SETEVENTS", NULL);
		if (r == SZ_OK)
			r = r2;
	}
	c->event_fn = old_fn;
	c->event_ctx = old_ctx;
	return r;
}
