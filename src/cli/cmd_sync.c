/*
 * cmd_sync.c - sync (one exchange by hand with another node) and the peers list.  Layer: cli.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "samizdat.h"
#include "app/daemon.h"
#include "app/node_int.h"
#include "cli/cli.h"
#include "crypto/crypto.h"
#include "transport/net.h"
#include "transport/socks5.h"
#include "transport/tcpdial.h"

/* --- sync -------------------------------------------------------------------------------- */

static void
sync_progress(void *ctx, const sz_sync_stats *st)
{
	sz_progress *p = ctx;
	if (p->total == 0 && st->to_send + st->to_receive > 0)
		p->total = st->to_send + st->to_receive;
	if (p->total > 0)
		sz_progress_update(p, st->acked + st->received);
}

/* One session with addr from this process (no daemon); st accumulates its figures.  On failure
 * why gets what to tell the person. */
static int
sync_once(sz_cli *c, sz_node *n, const sz_addr *a, const char *socks, sz_sync_stats *st,
    char *why, size_t whylen)
{
	int fd = -1, r;
	why[0] = '\0';
	if (a->onion) {
		sz_addr s;
		char e[160];
		if (socks == NULL || sz_addr_parse(&s, socks, e, sizeof e) != SZ_OK)
			return SZ_ERR_UNSUPPORTED;
		sz_socks5_retry pol = { .total_ms = 90000, .attempt_ms = 20000, .every_ms = 1000 };
		r = sz_socks5_connect_retry(s.host, s.port, a->host, a->port, &pol, &fd);
	} else {
		r = sz_tcpdial_connect(a->host, a->port, 10000, &fd);
	}
	if (r != SZ_OK) {
		snprintf(why, whylen, "cannot reach the other node");
		return r == SZ_ERR_TIMEOUT ? SZ_ERR_UNREACHABLE : r;
	}
	sz_sync_config cfg;
	void *scopes = NULL;
	sz_sync *s = NULL;
	if ((r = sz_node_sync_config(n, SZ_NOISE_INITIATOR, &cfg, &scopes)) == SZ_OK)
		r = sz_sync_new(&s, &cfg);
	sz_node_sync_config_free(scopes);
	if (r != SZ_OK) {
		close(fd);
		snprintf(why, whylen, "cannot start the sync");
		return r;
	}
	sz_progress p;
	sz_progress_start(&p, c, "sync", 0);
	r = sz_link_run(fd, s, sync_progress, &p);
	close(fd);
	sz_sync_stats one;
	sz_sync_get_stats(s, &one);
	sz_progress_end(&p, one.acked + one.received);
	st->received += one.received;
	st->stored += one.stored;
	st->rejected += one.rejected;
	st->sent += one.sent;
	st->bytes_in += one.bytes_in;
	st->bytes_out += one.bytes_out;
	/* what this node saw of the peer, as of the last round */
	st->scopes_shared = one.scopes_shared;
	st->peer_tokens = one.peer_tokens;
	st->hello_bytes = one.hello_bytes;
	if (r != SZ_OK) {
		const char *pe = sz_sync_peer_error(s);
		int pc = sz_sync_peer_code(s);
		if (pc == SZ_ERR_BUSY || pc == SZ_ERR_DENIED)
			snprintf(why, whylen, "the other node refused the sync: %s", pe);
		else
			snprintf(why, whylen, "the sync broke off%s%s%s", pe[0] ? " (the other side said: " :
			    "", pe, pe[0] ? ")" : "");
	}
	sz_sync_free(s);
	return r;
}

/* Did the node learn scopes it did not have before (new epochs)? */
static bool
scopes_grew(const uint8_t *before, size_t nb, const uint8_t *after, size_t na)
{
	for (size_t i = 0; i < na; i++) {
		bool seen = false;
		for (size_t j = 0; j < nb && !seen; j++)
			seen = memcmp(after + 16 * i, before + 16 * j, 16) == 0;
		if (!seen)
			return true;
	}
	return false;
}

int
sz_cli_sync(sz_cli *c, int argc, char **argv)
{
	const char *socks = NULL;
	const sz_cli_opt opts[] = { { "--tor-socks", true, &socks }, { NULL, false, NULL } };
	int npos = sz_cli_opts(c, argc, argv, opts);
	if (npos < 0)
		return SZ_EXIT_USAGE;
	if (npos != 1)
		return sz_cli_usage_error(c, "give one address: HOST:PORT or NAME.onion:PORT");
	sz_addr a;
	char why[200];
	if (sz_addr_parse(&a, argv[1], why, sizeof why) != SZ_OK)
		return sz_cli_usage_error(c, "%s", why);
	if (c->in_daemon) {
		int r = sz_daemon_sync_start(c->daemon, c->client, &a);
		if (r != SZ_OK)
			return sz_cli_fail(c, r, "cannot reach the other node");
		return SZ_DAEMON_DEFERRED;
	}
	if (a.onion && socks == NULL)
		return sz_cli_usage_error(c, "an onion address needs Tor: give --tor-socks HOST:PORT, or "
		    "run 'samizdat serve' with Tor and sync through it");
	sz_node *n;
	int r = sz_cli_node(c, &n);
	if (r != SZ_OK)
		return sz_cli_fail(c, r, "cannot open the node");
	/* A session carries only the scopes both sides knew when it began: if it taught this node
	 * new epochs (a removal, a key update), what was sealed under them comes in another round. */
	sz_sync_stats st;
	memset(&st, 0, sizeof st);
	int rounds = 0;
	uint64_t mark = 0;
	bool marked = sz_node_news_mark(n, &mark) == SZ_OK;
	for (;;) {
		uint8_t *before = NULL, *after = NULL;
		size_t nb = 0, na = 0;
		if (sz_node_scopes(n, &before, &nb) != SZ_OK)
			nb = 0;
		r = sync_once(c, n, &a, socks, &st, why, sizeof why);
		rounds++;
		bool again = r == SZ_OK && rounds < 4 && sz_node_scopes(n, &after, &na) == SZ_OK &&
		    scopes_grew(before, nb, after, na);
		free(before);
		free(after);
		if (!again)
			break;
	}
	if (c->json) {
		sz_jsonw_key(&c->jw, "received");
		sz_jsonw_u64(&c->jw, st.received);
		sz_jsonw_key(&c->jw, "stored");
		sz_jsonw_u64(&c->jw, st.stored);
		sz_jsonw_key(&c->jw, "refused");
		sz_jsonw_u64(&c->jw, st.rejected);
		sz_jsonw_key(&c->jw, "sent");
		sz_jsonw_u64(&c->jw, st.sent);
		sz_jsonw_key(&c->jw, "bytes_in");
		sz_jsonw_u64(&c->jw, st.bytes_in);
		sz_jsonw_key(&c->jw, "bytes_out");
		sz_jsonw_u64(&c->jw, st.bytes_out);
		sz_jsonw_key(&c->jw, "rounds");
		sz_jsonw_u64(&c->jw, (uint64_t)rounds);
		sz_jsonw_key(&c->jw, "shared");
		sz_jsonw_u64(&c->jw, st.scopes_shared);
		sz_jsonw_key(&c->jw, "peer_tokens");
		sz_jsonw_u64(&c->jw, st.peer_tokens);
		sz_jsonw_key(&c->jw, "hello_bytes");
		sz_jsonw_u64(&c->jw, st.hello_bytes);
	}
	if (r != SZ_OK && strncmp(why, "the other node refused", 22) == 0) {
		/* busy, or this node's key refused for a while: its own words, with when to retry */
		fprintf(c->err, "samizdat sync: %s.\n", why);
		return SZ_EXIT_NETWORK;
	}
	if (r != SZ_OK)
		return sz_cli_fail(c, r, why);
	/* what arrived, in words, then the figures */
	sz_buf words = { 0 };
	if (!marked || sz_node_news(n, mark, &words) != SZ_OK) {
		words.len = 0;
		sz_buf_append(&words, "done", 4);
	}
	if (c->json) {
		sz_jsonw_key(&c->jw, "news");
		sz_jsonw_strn(&c->jw, words.p, words.len);
	}
	sz_cli_say(c, "Synced with %s: %.*s (received %llu, stored %llu, refused %llu; sent %llu).\n",
	    a.host, (int)words.len, (const char *)words.p, (unsigned long long)st.received,
	    (unsigned long long)st.stored, (unsigned long long)st.rejected,
	    (unsigned long long)st.sent);
	sz_buf_free(&words);
	return SZ_EXIT_OK;
}

/* --- peers -------------------------------------------------------------------------------- */

int
sz_cli_peers(sz_cli *c, int argc, char **argv)
{
	int npos = sz_cli_opts(c, argc, argv, NULL);
	if (npos < 0)
		return SZ_EXIT_USAGE;
	sz_node *n;
	sz_buf list = { 0 };
	int r;
	if (npos > 2 || (npos >= 1 && strcmp(argv[1], "add") != 0 && strcmp(argv[1], "remove") != 0 &&
	    strcmp(argv[1], "list") != 0) || (npos == 2) != (npos >= 1 && strcmp(argv[1], "list") != 0))
		return sz_cli_usage_error(c, "say 'list', or 'add ADDRESS' / 'remove ADDRESS'");
	sz_addr a;
	char why[200];
	if (npos == 2 && sz_addr_parse(&a, argv[2], why, sizeof why) != SZ_OK)
		return sz_cli_usage_error(c, "%s", why);
	if ((r = sz_cli_node(c, &n)) != SZ_OK)
		return sz_cli_fail(c, r, "cannot open the node");
	/* The list is newline-separated addresses, kept in the encrypted store. */
	if (npos == 2) {
		bool found;
		r = sz_node_peers_edit(n, argv[2], strcmp(argv[1], "add") == 0, &found);
		if (r == SZ_OK && !found && strcmp(argv[1], "remove") == 0)
			return sz_cli_fail(c, SZ_ERR_NOT_FOUND, "that address is not in the peer list");
		if (r != SZ_OK)
			return sz_cli_fail(c, r, "cannot save the peer list");
	}
	if ((r = sz_node_peers_get(n, &list)) != SZ_OK)
		return sz_cli_fail(c, r, "cannot read the peer list");
	if (c->json) {
		sz_jsonw_key(&c->jw, "peers");
		sz_jsonw_arr_begin(&c->jw);
	}
	size_t count = 0;
	for (size_t off = 0; off < list.len;) {
		const uint8_t *nl = memchr(list.p + off, '\n', list.len - off);
		size_t l = nl ? (size_t)(nl - list.p) - off : list.len - off;
		if (c->json)
			sz_jsonw_strn(&c->jw, list.p + off, l);
		else
			fprintf(c->out, "%.*s\n", (int)l, (const char *)list.p + off);
		count++;
		off += l + 1;
	}
	if (c->json)
		sz_jsonw_arr_end(&c->jw);
	if (count == 0 && !c->json)
		sz_cli_say(c, "No peers yet: 'samizdat peers add HOST:PORT' remembers one (in the "
		    "encrypted store).\n");
	sz_buf_free(&list);
	return SZ_EXIT_OK;
}
