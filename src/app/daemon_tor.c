/*
 * daemon_tor.c - the daemon's onion service (published with the node's stored key, so that its
 * address stays the same) and the addresses it serves on.  Layer: app.
 */
#include <stdlib.h>
#include <string.h>

#include "app/daemon_int.h"

/* Publish the onion service (once unlocked, with the node's stored key). */
void
sz_daemon_tor_start(sz_daemon *d)
{
	char reason[256] = "", *new_key = NULL;
	sz_buf key = { 0 };
	int r;
	if (d->tor != NULL || d->node == NULL || (d->o.tor_control == NULL && d->o.tor_path == NULL))
		return;
	sz_addr ctl = { 0 };
	sz_tor_cfg tc = { .timeout_ms = 30000, .data_dir = d->o.home };
	if (d->o.tor_control != NULL) {
		char why[128];
		if (sz_addr_parse(&ctl, d->o.tor_control, why, sizeof why) != SZ_OK) {
			sz_daemon_log(d, "tor: %s", why);
			return;
		}
		tc.control_host = ctl.host;
		tc.control_port = ctl.port;
		tc.cookie_path = d->o.tor_cookie;
	} else {
		tc.tor_path = d->o.tor_path;
		tc.torrc_extra = d->o.tor_extra;
	}
	if ((r = sz_tor_open(&d->tor, &tc, reason, sizeof reason)) != SZ_OK) {
		sz_daemon_log(d, "tor: cannot use tor: %s (%s)", sz_strerror(r), reason);
		return;
	}
	if ((r = sz_tor_wait_ready(d->tor, 120000)) != SZ_OK)
		sz_daemon_log(d, "tor: not bootstrapped yet (%s); publishing anyway", sz_strerror(r));
	r = sz_store_kv_get(d->node->store, KV_ONION, &key);
	if (r == SZ_OK)
		sz_buf_u8(&key, 0);
	char id[SZ_ONION_ID_BUF];
	r = sz_tor_publish(d->tor, d->o.onion_port, d->o.listen[0].port,
	    r == SZ_OK ? (const char *)key.p : NULL, 0, id, &new_key);
	sz_buf_free(&key);
	if (r != SZ_OK) {
		sz_daemon_log(d, "tor: publishing the onion service failed: %s", sz_strerror(r));
		return;
	}
	if (new_key != NULL) {
		/* Keep the key so the address stays the same across restarts. */
		if (sz_store_kv_put(d->node->store, KV_ONION, (const uint8_t *)new_key,
		    strlen(new_key)) != SZ_OK)
			sz_daemon_log(d, "tor: could not keep the onion key; the address will change");
		sz_torctl_key_free(new_key);
	}
	snprintf(d->onion, sizeof d->onion, "%s.onion:%u", id, d->o.onion_port);
	sz_daemon_log(d, "serving on %s", d->onion);
	sz_daemon_reach_save(d);
}

void
sz_daemon_addresses(sz_daemon *d, sz_buf *out)
{
	char line[128];
	for (size_t i = 0; i < d->nl; i++) {
		int k = snprintf(line, sizeof line, "%s%s%s:%u\n", strchr(d->o.listen[i].host, ':') ? "[" : "",
		    d->o.listen[i].host, strchr(d->o.listen[i].host, ':') ? "]" : "", d->o.listen[i].port);
		sz_buf_append(out, line, (size_t)k);
	}
	if (d->onion[0]) {
		sz_buf_append(out, d->onion, strlen(d->onion));
		sz_buf_u8(out, '\n');
	}
}

int
sz_daemon_tor_socks(sz_daemon *d, char *out, size_t n)
{
	char host[SZ_TCPDIAL_HOST_MAX];
	uint16_t port;
	if (n > 0)
		out[0] = '\0';
	if (d->tor == NULL || sz_tor_socks(d->tor, host, &port) != SZ_OK)
		return SZ_ERR_UNSUPPORTED;
	sz_addr a = { .port = port };
	snprintf(a.host, sizeof a.host, "%s", host);
	return sz_addr_format(&a, out, n);
}
