/*
 * daemon_reach.c - where the daemon can be reached: its listening port, chosen once and kept in
 * the store so that it survives restarts, and the addresses another device can reach it at (the
 * onion service first, then the local network), kept in the store too so that commands run
 * without a daemon (an invitation) know them (docs/PROTOCOL.md §16: node/listen, node/reach).
 * Layer: app.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/daemon_int.h"
#include "transport/tcpdial.h"

/* The port kept in the store, or 0. */
static uint16_t
saved_port(sz_node *n)
{
	sz_buf b = { 0 };
	uint16_t port = 0;
	if (sz_store_kv_get(n->store, SZ_KV_LISTEN, &b) == SZ_OK && b.len == 2)
		port = sz_load_u16(b.p);
	sz_buf_free(&b);
	return port;
}

static void
save_port(sz_daemon *d, uint16_t port)
{
	uint8_t v[2];
	if (d->node == NULL || saved_port(d->node) == port)
		return;
	sz_store_u16(v, port);
	if (sz_store_kv_put(d->node->store, SZ_KV_LISTEN, v, 2) != SZ_OK)
		sz_daemon_log(d, "could not keep the listening port; it may change at the next start");
}

int
sz_daemon_listen_open(sz_daemon *d)
{
	int r;
	for (size_t i = 0; i < d->o.nlisten; i++) {
		sz_addr want = d->o.listen[i];
		uint16_t kept = 0;
		if (i == 0 && d->listen_auto && d->node != NULL && (kept = saved_port(d->node)) != 0)
			d->o.listen[0].port = kept;
		r = sz_net_listen(&d->o.listen[i], d->o.allow_public, &d->lfd[i]);
		if (r == SZ_ERR_BUSY && kept != 0) {
			/* Someone else took it while we were away: a new one, and say what it costs. */
			sz_daemon_log(d, "the kept port %u is taken by another program; choosing a new one "
			    "(invitations that name the old port no longer reach this node)", kept);
			d->o.listen[0] = want;
			r = sz_net_listen(&d->o.listen[i], d->o.allow_public, &d->lfd[i]);
		}
		if (r != SZ_OK)
			return r;
		d->nl++;
	}
	if (d->nl > 0)
		save_port(d, d->o.listen[0].port);
	return SZ_OK;
}

void
sz_daemon_listen_unlocked(sz_daemon *d)
{
	if (d->nl == 0 || d->node == NULL)
		return;
	uint16_t kept = d->listen_auto ? saved_port(d->node) : 0;
	if (kept != 0 && kept != d->o.listen[0].port) {
		/* Started locked on a port of the moment: move to the node's own. */
		sz_addr a = d->o.listen[0];
		int fd;
		a.port = kept;
		if (sz_net_listen(&a, d->o.allow_public, &fd) == SZ_OK) {
			close(d->lfd[0]);
			d->lfd[0] = fd;
			d->o.listen[0] = a;
			sz_daemon_log(d, "serving on the node's own port %u", kept);
		} else {
			sz_daemon_log(d, "the kept port %u is taken by another program; staying on %u", kept,
			    d->o.listen[0].port);
		}
	}
	save_port(d, d->o.listen[0].port);
}

size_t
sz_daemon_reach(sz_daemon *d, sz_addr *out, size_t max)
{
	size_t n = 0;
	char why[128];
	if (d->onion[0] && n < max && sz_addr_parse(&out[n], d->onion, why, sizeof why) == SZ_OK)
		n++;
	if (d->o.has_advertise) {
		if (n < max) {
			out[n] = d->o.advertise;
			if (out[n].port == 0 && d->nl > 0)
				out[n].port = d->o.listen[0].port;
			n++;
		}
		return n;
	}
	for (size_t i = 0; i < d->nl && n < max; i++) {
		const sz_addr *l = &d->o.listen[i];
		if (sz_net_is_wildcard(l->host)) {
			char lan[SZ_NET_HOST_MAX];
			if (sz_net_lan_address(lan) != SZ_OK)
				continue;
			memset(&out[n], 0, sizeof out[n]);
			snprintf(out[n].host, sizeof out[n].host, "%s", lan);
			out[n].port = l->port;
			n++;
		} else if (!sz_tcpdial_is_loopback(l->host)) {
			out[n++] = *l;
		}
	}
	return n;
}

void
sz_daemon_reach_save(sz_daemon *d)
{
	sz_addr a[SZ_DAEMON_MAX_REACH];
	size_t n = sz_daemon_reach(d, a, SZ_DAEMON_MAX_REACH);
	sz_buf text = { 0 }, old = { 0 };
	if (d->node == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		char t[SZ_NET_ADDR_TEXT];
		if (sz_addr_format(&a[i], t, sizeof t) != SZ_OK)
			continue;
		sz_buf_append(&text, t, strlen(t));
		sz_buf_u8(&text, '\n');
	}
	int r = sz_store_kv_get(d->node->store, SZ_KV_REACH, &old);
	bool same = r == SZ_OK && old.len == text.len && (text.len == 0 ||
	    memcmp(old.p, text.p, text.len) == 0);
	if (!same && !text.err) {
		if (text.len == 0)
			r = r == SZ_ERR_NOT_FOUND ? SZ_OK : sz_store_kv_delete(d->node->store, SZ_KV_REACH);
		else
			r = sz_store_kv_put(d->node->store, SZ_KV_REACH, text.p, text.len);
		if (r != SZ_OK)
			sz_daemon_log(d, "could not keep where this node is reached");
	}
	sz_buf_free(&text);
	sz_buf_free(&old);
}

size_t
sz_node_saved_reach(sz_node *n, sz_addr *out, size_t max)
{
	sz_buf b = { 0 };
	size_t k = 0;
	if (sz_store_kv_get(n->store, SZ_KV_REACH, &b) != SZ_OK) {
		sz_buf_free(&b);
		return 0;
	}
	sz_buf_u8(&b, 0);
	char *save = NULL;
	for (char *line = b.err ? NULL : strtok_r((char *)b.p, "\n", &save); line != NULL && k < max;
	    line = strtok_r(NULL, "\n", &save)) {
		char why[128];
		if (sz_addr_parse(&out[k], line, why, sizeof why) == SZ_OK)
			k++;
	}
	sz_buf_free(&b);
	return k;
}

int
sz_daemon_pub_listen(sz_daemon *d)
{
	if (!d->o.public_onion || (d->o.tor_control == NULL && d->o.tor_path == NULL))
		return SZ_OK;
	sz_addr a = { .port = 0 };
	snprintf(a.host, sizeof a.host, "127.0.0.1");
	int r = sz_net_listen(&a, false, &d->pub_fd);
	if (r == SZ_OK)
		d->pub_port = a.port;
	return r;
}
