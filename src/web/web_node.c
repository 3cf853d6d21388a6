/*
 * web_node.c - the node as a whole in the web interface: the session's token, what changed,
 * unlock, lock, panic wipe, duress, where the node is reached, peers and syncs, courier bundles.
 * Layer: web.  The same node and daemon calls the command line's daemon commands make.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <microhttpd.h>
#include <sodium.h>

#include "app/strength.h"
#include "cell/cell.h"
#include "lib/env.h"
#include "store/scopes.h"
#include "sync/bundle.h"
#include "store/store.h"
#include "transport/net.h"
#include "transport/tcpdial.h"
#include "web/web_int.h"

/* Does the data directory hold a node (its key file, and no unfinished creation)? */
static bool
node_exists(sz_web_req *q)
{
	char path[4096];
	struct stat st;
	snprintf(path, sizeof path, "%s/" SZ_STORE_UNFINISHED, sz_daemon_home(q->w->d));
	if (stat(path, &st) == 0)
		return false;
	snprintf(path, sizeof path, "%s/key", sz_daemon_home(q->w->d));
	return stat(path, &st) == 0;
}

int
sz_web_session_get(sz_web_req *q)
{
	/* The CSRF token of this session: readable only by a page of this origin. */
	const sz_web_session *s = q->s;
	sz_jsonw_key(&q->jw, "csrf");
	sz_jsonw_hex(&q->jw, s->csrf, 32);
	sz_jsonw_key(&q->jw, "locked");
	sz_jsonw_bool(&q->jw, q->n == NULL);
	sz_jsonw_key(&q->jw, "exists");
	sz_jsonw_bool(&q->jw, q->n != NULL || node_exists(q));
	sz_jsonw_key(&q->jw, "version");
	sz_jsonw_str(&q->jw, SAMIZDAT_VERSION);
	if (q->n != NULL) {
		char fp[40];
		if (sz_node_fingerprint(q->n, fp) == SZ_OK) {
			sz_jsonw_key(&q->jw, "fingerprint");
			sz_jsonw_str(&q->jw, fp);
		}
		sz_web_json_id(q, "identity", q->n->id_pk);
	}
	return 200;
}

int
sz_web_changes(sz_web_req *q)
{
	/* Cheap enough to ask every two seconds: a counter that moves with every write to the store,
	 * and with every lock and unlock. */
	char gen[48];
	snprintf(gen, sizeof gen, "%llu.%llu", (unsigned long long)q->w->unlocks,
	    q->n ? (unsigned long long)sz_store_changes(q->n->store) : 0ull);
	sz_jsonw_key(&q->jw, "gen");
	sz_jsonw_str(&q->jw, gen);
	sz_jsonw_key(&q->jw, "locked");
	sz_jsonw_bool(&q->jw, q->n == NULL);
	return 200;
}

/* Who can reach this node at a: "onion" (anyone, through Tor), "local_network" (a private or
 * link-local address), "internet", or "this_computer" (loopback: nobody else). */
static const char *
reach_kind(const sz_addr *a)
{
	struct in_addr v4;
	struct in6_addr v6;
	if (a->onion)
		return "onion";
	if (sz_tcpdial_is_loopback(a->host))
		return "this_computer";
	if (inet_pton(AF_INET, a->host, &v4) == 1) {
		uint32_t x = ntohl(v4.s_addr);
		bool local = (x >> 24) == 10 || (x >> 20) == 0xac1 || (x >> 16) == 0xc0a8 ||
		    (x >> 16) == 0xa9fe || (x >> 22) == (100u << 2 | 1); /* 100.64/10, carrier NAT */
		return local ? "local_network" : "internet";
	}
	if (inet_pton(AF_INET6, a->host, &v6) == 1)
		return (v6.s6_addr[0] & 0xfe) == 0xfc || (v6.s6_addr[0] == 0xfe &&
		    (v6.s6_addr[1] & 0xc0) == 0x80) ? "local_network" : "internet";
	return "internet"; /* a name given with --advertise */
}

int
sz_web_status(sz_web_req *q)
{
	sz_node *n = q->n;
	sz_daemon *d = q->w->d;
	char fp[40];
	if (sz_node_fingerprint(n, fp) == SZ_OK) {
		sz_jsonw_key(&q->jw, "fingerprint");
		sz_jsonw_str(&q->jw, fp);
	}
	sz_web_json_id(q, "identity", n->id_pk);
	sz_jsonw_key(&q->jw, "home");
	sz_jsonw_str(&q->jw, sz_daemon_home(d));
	uint64_t envs = 0, ents = 0;
	if (sz_store_counts(n->store, &envs, &ents) == SZ_OK) {
		sz_jsonw_key(&q->jw, "envelopes");
		sz_jsonw_u64(&q->jw, envs);
	}
	sz_jsonw_key(&q->jw, "cells");
	sz_jsonw_u64(&q->jw, n->ncells);
	/* Where another device reaches this node (what an invitation names). */
	sz_addr reach[SZ_DAEMON_MAX_REACH];
	size_t nr = sz_daemon_reach(d, reach, SZ_DAEMON_MAX_REACH);
	sz_jsonw_key(&q->jw, "reachable");
	sz_jsonw_arr_begin(&q->jw);
	for (size_t i = 0; i < nr; i++) {
		char t[SZ_NET_ADDR_TEXT];
		if (sz_addr_format(&reach[i], t, sizeof t) == SZ_OK)
			sz_jsonw_str(&q->jw, t);
	}
	sz_jsonw_arr_end(&q->jw);
	/* The same with who can use each: the page says whether other devices reach this one. */
	sz_jsonw_key(&q->jw, "reach");
	sz_jsonw_arr_begin(&q->jw);
	bool others = false;
	for (size_t i = 0; i < nr; i++) {
		char t[SZ_NET_ADDR_TEXT];
		const char *kind = reach_kind(&reach[i]);
		if (sz_addr_format(&reach[i], t, sizeof t) != SZ_OK)
			continue;
		others |= strcmp(kind, "this_computer") != 0;
		sz_jsonw_obj_begin(&q->jw);
		sz_jsonw_key(&q->jw, "address");
		sz_jsonw_str(&q->jw, t);
		sz_jsonw_key(&q->jw, "kind");
		sz_jsonw_str(&q->jw, kind);
		sz_jsonw_obj_end(&q->jw);
	}
	sz_jsonw_arr_end(&q->jw);
	sz_jsonw_key(&q->jw, "reachable_by_others");
	sz_jsonw_bool(&q->jw, others);
	char tor[256];
	int boot = sz_daemon_tor_state(d, tor, sizeof tor);
	sz_jsonw_key(&q->jw, "tor");
	sz_jsonw_str(&q->jw, tor);
	sz_jsonw_key(&q->jw, "tor_starting");
	sz_jsonw_bool(&q->jw, sz_daemon_tor_starting(d));
	sz_jsonw_key(&q->jw, "tor_bootstrap");
	sz_jsonw_i64(&q->jw, boot);
	sz_buf listen = { 0 };
	sz_daemon_addresses(d, &listen);
	sz_jsonw_key(&q->jw, "listening");
	sz_jsonw_arr_begin(&q->jw);
	for (size_t off = 0; off < listen.len;) {
		const uint8_t *nl = memchr(listen.p + off, '\n', listen.len - off);
		size_t l = nl ? (size_t)(nl - listen.p) - off : listen.len - off;
		if (l > 0)
			sz_jsonw_strn(&q->jw, listen.p + off, l);
		off += l + 1;
	}
	sz_jsonw_arr_end(&q->jw);
	sz_buf_free(&listen);
	sz_daemon_stats st;
	sz_daemon_get_stats(d, &st);
	sz_jsonw_key(&q->jw, "sessions");
	sz_jsonw_u64(&q->jw, st.sessions);
	/* The peers, with when this daemon last synced with each. */
	sz_buf list = { 0 };
	sz_jsonw_key(&q->jw, "peers");
	sz_jsonw_arr_begin(&q->jw);
	if (sz_node_peers_get(n, &list) == SZ_OK)
		for (size_t off = 0; off < list.len;) {
			const uint8_t *nl = memchr(list.p + off, '\n', list.len - off);
			size_t l = nl ? (size_t)(nl - list.p) - off : list.len - off;
			char a[SZ_NET_ADDR_TEXT];
			if (l > 0 && l < sizeof a) {
				memcpy(a, list.p + off, l);
				a[l] = '\0';
				sz_daemon_synced ls;
				sz_jsonw_obj_begin(&q->jw);
				sz_jsonw_key(&q->jw, "address");
				sz_jsonw_str(&q->jw, a);
				if (sz_daemon_last_sync(d, a, &ls) == SZ_OK) {
					sz_jsonw_key(&q->jw, "last_sync_ms");
					sz_jsonw_u64(&q->jw, ls.at_ms);
					sz_jsonw_key(&q->jw, "last_ok");
					sz_jsonw_bool(&q->jw, ls.ok);
				}
				sz_jsonw_obj_end(&q->jw);
			}
			off += l + 1;
		}
	sz_jsonw_arr_end(&q->jw);
	sz_buf_free(&list);
	return 200;
}

int
sz_web_unlock(sz_web_req *q)
{
	size_t len;
	const char *pass = sz_web_str(q, "passphrase", &len);
	if (q->n != NULL)
		return 200; /* unlocked already */
	if (pass == NULL || len == 0 || len > 4096)
		return sz_web_err(q, 400, "invalid", "Type the passphrase.");
	int r = sz_daemon_unlock(q->w->d, pass, len);
	if (r == SZ_ERR_PASSPHRASE)
		return sz_web_err(q, 403, "passphrase", "That passphrase does not open this node.");
	if (r != SZ_OK)
		return sz_web_fail(q, r, sz_node_last_error());
	q->n = sz_daemon_node(q->w->d);
	return 200;
}

/* 0 if pass may lock this node; else the refusal's status.  As `samizdat init` and `samizdat
 * passphrase` (src/cli/term.c): below 2^40 guesses as zxcvbn estimates them (app/strength.h) the
 * page is told why, and takes it only if the person insists ("weak_ok", a box the page shows
 * after this refusal).  The length floor holds even then. */
static int
weak(sz_web_req *q, const char *pass, size_t len)
{
	const char *home = strrchr(sz_daemon_home(q->w->d), '/');
	const char *words[] = { home != NULL ? home + 1 : sz_daemon_home(q->w->d), "samizdat", NULL };
	sz_strength st;
	if (pass == NULL || len < SZ_WEB_MIN_PASSPHRASE || len > 4096)
		return sz_web_err(q, 400, "short", "Choose a passphrase of at least %d characters: "
		    "several words nobody could guess.", SZ_WEB_MIN_PASSPHRASE);
	if (sz_passphrase_strength(pass, len, words, &st) != SZ_OK)
		return sz_web_err(q, 400, "invalid", "That passphrase cannot be used.");
	if (!st.weak || sz_web_bool(q, "weak_ok"))
		return 0;
	char when[32];
	sz_passphrase_time(st.bits, when, sizeof when);
	sz_jsonw_key(&q->jw, "bits");
	sz_jsonw_u64(&q->jw, (uint64_t)st.bits);
	return sz_web_err(q, 400, "weak", "This passphrase is weak: whoever takes this computer could "
	    "guess it in %s (about 2^%.0f guesses; samizdat asks for 2^%.0f, years of guessing). "
	    "Why: %s.", when, st.bits, SZ_PASSPHRASE_MIN_BITS, st.advice);
}

int
sz_web_create(sz_web_req *q)
{
	/* The first start, from the page: as `samizdat init`, then unlocked as `samizdat unlock`. */
	size_t len;
	const char *pass = sz_web_str(q, "passphrase", &len);
	if (q->n != NULL || node_exists(q))
		return sz_web_err(q, 409, "exists", "There is a samizdat here already: unlock it.");
	int st = weak(q, pass, len);
	if (st != 0)
		return st;
	sz_node *n = NULL;
	int r = sz_node_create(&n, sz_daemon_home(q->w->d), pass, len, NULL);
	sz_node_close(n);
	if (r != SZ_OK)
		return sz_web_fail(q, r, sz_node_last_error());
	sz_daemon_log(q->w->d, "a new node was created from the web interface");
	if ((r = sz_daemon_unlock(q->w->d, pass, len)) != SZ_OK)
		return sz_web_fail(q, r, sz_node_last_error());
	q->n = sz_daemon_node(q->w->d);
	char fp[40];
	if (sz_node_fingerprint(q->n, fp) == SZ_OK) {
		sz_jsonw_key(&q->jw, "fingerprint");
		sz_jsonw_str(&q->jw, fp);
	}
	return 200;
}

int
sz_web_passphrase(sz_web_req *q)
{
	/* As `samizdat passphrase`, with the current passphrase asked first: an unlocked page left
	 * open must not let a passer-by lock the owner out (a wipe needs no passphrase; it destroys,
	 * it does not take over).  The daemon's loop waits while the store is re-encrypted. */
	size_t clen, len;
	const char *cur = sz_web_str(q, "current", &clen);
	const char *pass = sz_web_str(q, "passphrase", &len);
	if (cur == NULL || clen == 0 || clen > 4096)
		return sz_web_err(q, 400, "invalid", "Type the passphrase you use now.");
	int r = sz_node_passphrase_is(q->n, cur, clen);
	if (r == SZ_ERR_PASSPHRASE)
		return sz_web_err(q, 403, "passphrase", "That is not the passphrase this node was "
		    "unlocked with; nothing was changed.");
	if (r != SZ_OK)
		return sz_web_fail(q, r, sz_node_errmsg(q->n));
	int st = weak(q, pass, len);
	if (st != 0)
		return st;
	if ((r = sz_node_change_passphrase(q->n, pass, len, NULL, NULL)) == SZ_ERR_INVALID)
		return sz_web_err(q, 400, "invalid", "That is the duress passphrase; nothing was changed.");
	if (r != SZ_OK)
		return sz_web_fail(q, r, sz_node_errmsg(q->n));
	sz_daemon_log(q->w->d, "the passphrase was changed from the web interface");
	return 200;
}

int
sz_web_lock(sz_web_req *q)
{
	if (q->n != NULL)
		sz_daemon_lock(q->w->d);
	q->n = NULL;
	return 200;
}

int
sz_web_wipe(sz_web_req *q)
{
	size_t len;
	const char *confirm = sz_web_str(q, "confirm", &len);
	if (confirm == NULL || strcmp(confirm, "wipe") != 0)
		return sz_web_err(q, 400, "confirm", "A wipe must be confirmed.");
	/* As `samizdat wipe` inside the daemon: the keys leave memory, then the disk; the daemon
	 * stops once this answer has left, or in 5 s if the browser does not take it. */
	sz_daemon_lock(q->w->d);
	q->n = NULL;
	int r = sz_node_wipe(sz_daemon_home(q->w->d));
	sz_daemon_log(q->w->d, "panic wipe from the web interface");
	sodium_memzero(q->w->sess, sizeof q->w->sess);
	sodium_memzero(q->w->tok, sizeof q->w->tok);
	q->w->stop_at_ms = sz_mono_ms(sz_env_default()) + 5000;
	if (r != SZ_OK)
		return sz_web_fail(q, r, "the wipe did not complete");
	sz_jsonw_key(&q->jw, "wiped");
	sz_jsonw_bool(&q->jw, true);
	return 200;
}

int
sz_web_duress(sz_web_req *q)
{
	size_t len;
	const char *pass = sz_web_str(q, "passphrase", &len);
	int r;
	if (sz_web_bool(q, "clear"))
		r = sz_node_set_duress(q->n, NULL, 0);
	else if (pass == NULL || len == 0 || len > 4096)
		return sz_web_err(q, 400, "invalid", "Type the duress passphrase.");
	else
		r = sz_node_set_duress(q->n, pass, len);
	if (r != SZ_OK)
		return sz_web_fail(q, r, sz_node_errmsg(q->n));
	return 200;
}

/* The request's "address", parsed and written back in one form. */
static bool
address(sz_web_req *q, sz_addr *a, char text[SZ_NET_ADDR_TEXT], int *status)
{
	char why[200];
	const char *s = sz_web_str(q, "address", NULL);
	if (s == NULL || sz_addr_parse(a, s, why, sizeof why) != SZ_OK ||
	    sz_addr_format(a, text, SZ_NET_ADDR_TEXT) != SZ_OK) {
		*status = sz_web_err(q, 400, "invalid", "That is not an address (HOST:PORT, or "
		    "NAME.onion:PORT).");
		return false;
	}
	return true;
}

int
sz_web_peers_add(sz_web_req *q)
{
	sz_addr a;
	char t[SZ_NET_ADDR_TEXT];
	int st;
	bool found;
	if (!address(q, &a, t, &st))
		return st;
	int r = sz_node_peers_edit(q->n, t, true, &found);
	return r == SZ_OK ? 200 : sz_web_fail(q, r, "cannot save the peer list");
}

int
sz_web_peers_remove(sz_web_req *q)
{
	sz_addr a;
	char t[SZ_NET_ADDR_TEXT];
	int st;
	bool found;
	if (!address(q, &a, t, &st))
		return st;
	int r = sz_node_peers_edit(q->n, t, false, &found);
	if (r == SZ_OK && !found)
		return sz_web_err(q, 404, "not_found", "That address is not in the list.");
	return r == SZ_OK ? 200 : sz_web_fail(q, r, "cannot save the peer list");
}

/* Start a sync with a, answered through a job; its id into the answer's "jobs". */
static int
sync_one(sz_web_req *q, const sz_addr *a, const char *text)
{
	sz_web_job *j = sz_web_job_new(q->w, "sync");
	if (j == NULL)
		return SZ_ERR_LIMIT;
	snprintf(j->peer, sizeof j->peer, "%s", text);
	void *waiter = sz_web_job_waiter(q->w, j);
	int r = waiter ? sz_daemon_sync_start(q->w->d, waiter, a) : SZ_ERR_LIMIT;
	if (r != SZ_OK) {
		sz_daemon_waiter_cancel(q->w->d, waiter); /* not taken: it goes */
		sz_web_job_drop(j);
		return r;
	}
	sz_jsonw_u64(&q->jw, j->id);
	return SZ_OK;
}

int
sz_web_sync(sz_web_req *q)
{
	sz_addr a;
	char t[SZ_NET_ADDR_TEXT];
	int st, r = SZ_OK;
	size_t started = 0;
	sz_jsonw_key(&q->jw, "jobs");
	sz_jsonw_arr_begin(&q->jw);
	if (sz_web_str(q, "address", NULL) != NULL) {
		if (!address(q, &a, t, &st)) {
			sz_jsonw_arr_end(&q->jw);
			return st;
		}
		r = sync_one(q, &a, t);
		started += r == SZ_OK;
	} else {
		/* every peer on the list */
		sz_buf list = { 0 };
		r = sz_node_peers_get(q->n, &list);
		for (size_t off = 0; r == SZ_OK && off < list.len;) {
			const uint8_t *nl = memchr(list.p + off, '\n', list.len - off);
			size_t l = nl ? (size_t)(nl - list.p) - off : list.len - off;
			char why[200];
			if (l > 0 && l < sizeof t) {
				memcpy(t, list.p + off, l);
				t[l] = '\0';
				if (sz_addr_parse(&a, t, why, sizeof why) == SZ_OK &&
				    sync_one(q, &a, t) == SZ_OK)
					started++;
			}
			off += l + 1;
		}
		sz_buf_free(&list);
	}
	sz_jsonw_arr_end(&q->jw);
	if (r != SZ_OK && started == 0)
		return sz_web_fail(q, r, r == SZ_ERR_UNSUPPORTED ? "an onion address needs Tor: start "
		    "the daemon with Tor" : "the sync did not start");
	if (started == 0)
		return sz_web_err(q, 404, "no_peers", "No peer to sync with: add one's address first.");
	return 200;
}

int
sz_web_job_get(sz_web_req *q)
{
	const char *s = sz_web_arg(q, "id");
	char *end;
	unsigned long id = s ? strtoul(s, &end, 10) : 0;
	if (s == NULL || *end != '\0' || id == 0)
		return sz_web_err(q, 400, "invalid", "Which job?");
	for (size_t i = 0; i < SZ_WEB_MAX_JOBS; i++) {
		sz_web_job *j = &q->w->jobs[i];
		if (j->id != id)
			continue;
		sz_jsonw_key(&q->jw, "kind");
		sz_jsonw_str(&q->jw, j->kind);
		sz_jsonw_key(&q->jw, "done");
		sz_jsonw_bool(&q->jw, j->done);
		if (j->done) {
			sz_jsonw_key(&q->jw, "code");
			sz_jsonw_i64(&q->jw, j->code);
			sz_jsonw_key(&q->jw, "text");
			sz_jsonw_str(&q->jw, j->text);
		}
		return 200;
	}
	return sz_web_err(q, 404, "not_found", "No such job (finished long ago?).");
}

/* --- courier bundles ---------------------------------------------------------------------- */

int
sz_web_bundle_export(sz_web_req *q)
{
	sz_node_bundle_spec spec = { .summary_fd = -1 };
	char hex[65] = "";
	size_t plen = 0;
	const char *pass = sz_web_str(q, "passphrase", &plen);
	int st;
	if (sz_web_str(q, "cell", NULL) != NULL) {
		struct sz_cell *c = sz_web_cell(q, &st);
		if (c == NULL)
			return st;
		sz_hex_encode(hex, sz_cell_id(c), 32);
		/* the node finds the cell by name or id: refuse a name that is this id */
		for (size_t i = 0; i < q->n->ncells; i++)
			if (strcmp(sz_cell_name(q->n->cells[i].cell), hex) == 0)
				return sz_web_err(q, 409, "ambiguous", "Another cell is named with this "
				    "cell's id.");
		spec.cell = hex;
	}
	if (pass != NULL && plen > 0)
		spec.passphrase = pass;
	if (spec.cell == NULL && spec.passphrase == NULL)
		return sz_web_err(q, 400, "invalid", "Say who may open the bundle: a cell's members, "
		    "or whoever is told a passphrase.");
	/* In memory, never on the disk: the browser saves it where the person says. */
	int fd;
	if (sz_web_memfd(NULL, 0, &fd) != SZ_OK)
		return sz_web_fail(q, SZ_ERR_IO, "cannot make the bundle");
	sz_node_bundle_stats bs;
	int r = sz_node_bundle_export(q->n, fd, &spec, &bs);
	if (r == SZ_OK)
		r = sz_web_memfd_read(fd, &q->raw, &q->rawlen);
	close(fd);
	if (r != SZ_OK)
		return sz_web_fail(q, r, sz_node_errmsg(q->n));
	snprintf(q->filename, sizeof q->filename, "samizdat-%llu.bundle",
	    (unsigned long long)(sz_now_ms(q->n->env) / 1000));
	return 200;
}

int
sz_web_bundle_import(sz_web_req *q)
{
	size_t plen = 0;
	const char *pass = sz_web_str(q, "passphrase", &plen);
	int fd;
	int r = sz_web_memfd_b64(q, "data", &fd);
	if (r == SZ_ERR_NOT_FOUND)
		return sz_web_err(q, 400, "invalid", "Choose the bundle file.");
	if (r == SZ_ERR_MALFORMED)
		return sz_web_err(q, 400, "invalid", "The file did not arrive whole (base64).");
	if (r != SZ_OK)
		return sz_web_fail(q, r, NULL);
	sz_node_bundle_stats bs;
	sz_bundle_report rep;
	memset(&bs, 0, sizeof bs);
	memset(&rep, 0, sizeof rep);
	uint64_t mark = 0;
	bool marked = sz_node_news_mark(q->n, &mark) == SZ_OK;
	if (r == SZ_OK)
		r = sz_node_bundle_import(q->n, fd, pass && plen ? pass : NULL, &bs, &rep);
	if (fd >= 0)
		close(fd);
	if (r != SZ_OK)
		return sz_web_fail(q, r, sz_node_errmsg(q->n)[0] ? sz_node_errmsg(q->n) :
		    "the bundle was not taken in");
	static const char *const keys[] = { "found", "stored", "already_held", "refused",
	    "refused_by_kind", "chunks_damaged" };
	const uint64_t vals[] = { bs.envelopes, bs.stored, bs.skipped, bs.refused, bs.refused_kind,
	    rep.chunks_damaged };
	for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
		sz_jsonw_key(&q->jw, keys[i]);
		sz_jsonw_u64(&q->jw, vals[i]);
	}
	sz_jsonw_key(&q->jw, "opened_by");
	sz_jsonw_str(&q->jw, rep.recipient < 0 ? "nothing" : bs.cell == NULL ? "passphrase" : "cell");
	if (bs.cell != NULL) {
		sz_jsonw_key(&q->jw, "cell");
		sz_jsonw_str(&q->jw, sz_cell_name(bs.cell));
	}
	sz_buf words = { 0 };
	if (marked && sz_node_news(q->n, mark, &words) == SZ_OK) {
		sz_jsonw_key(&q->jw, "news");
		sz_jsonw_strn(&q->jw, words.p, words.len);
	}
	sz_buf_free(&words);
	sz_jsonw_key(&q->jw, "intact");
	sz_jsonw_bool(&q->jw, rep.intact != 0);
	sz_jsonw_key(&q->jw, "complete");
	sz_jsonw_bool(&q->jw, rep.complete != 0);
	return 200;
}
