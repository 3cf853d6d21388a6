/*
 * tor.c - a node's tor: attach or spawn, publish, connect (see tor.h).
 * Layer: transport.  Glue only: every protocol byte is handled in torctl.c and socks5.c.
 */
#include "transport/tor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transport/tcpdial.h"
#include "transport/torproc.h"

struct sz_tor {
	sz_torctl *ctl;
	sz_torproc *proc;     /* NULL in attach mode */
};

static void
say(char *reason, size_t reasonsz, const char *a, const char *b)
{
	if (reason != NULL && reasonsz > 0)
		snprintf(reason, reasonsz, "%s%s%s", a, b[0] ? ": " : "", b);
}

int
sz_tor_open(sz_tor **out, const sz_tor_cfg *cfg, char *reason, size_t reasonsz)
{
	int r = SZ_ERR_INTERNAL;
	sz_tor *t = NULL;
	const char *host = "127.0.0.1", *cookie = NULL;
	uint16_t port = 0;

	if (out != NULL)
		*out = NULL;
	if (reason != NULL && reasonsz > 0)
		reason[0] = '\0';
	if (out == NULL || cfg == NULL || cfg->timeout_ms <= 0)
		return SZ_ERR_INVALID;
	if ((t = calloc(1, sizeof *t)) == NULL)
		return SZ_ERR_NOMEM;
	if (cfg->tor_path != NULL) {
		sz_torproc_cfg pc = {
			.tor_path = cfg->tor_path,
			.dir = cfg->data_dir,
			.control_port = cfg->control_port,
			.socks_port = cfg->socks_port,
			.torrc_extra = cfg->torrc_extra,
			.start_timeout_ms = cfg->timeout_ms,
		};
		if ((r = sz_torproc_start(&t->proc, &pc, reason, reasonsz)) != SZ_OK)
			goto out;
		port = sz_torproc_control_port(t->proc);
		cookie = sz_torproc_cookie_path(t->proc);
	} else {
		if (cfg->control_host != NULL)
			host = cfg->control_host;
		port = cfg->control_port;
		cookie = cfg->cookie_path;
	}
	if ((r = sz_torctl_connect(&t->ctl, host, port, cfg->timeout_ms)) != SZ_OK) {
		say(reason, reasonsz, "cannot reach tor's control port", sz_strerror(r));
		goto out;
	}
	sz_torctl_set_timeout(t->ctl, cfg->timeout_ms);
	if ((r = sz_torctl_authenticate(t->ctl, cookie, 0)) != SZ_OK) {
		say(reason, reasonsz, "tor control authentication failed", sz_torctl_reason(t->ctl));
		goto out;
	}
	*out = t;
	t = NULL;
	r = SZ_OK;
out:
	sz_tor_free(t);
	return r;
}

void
sz_tor_free(sz_tor *t)
{
	if (t == NULL)
		return;
	sz_torctl_free(t->ctl);
	sz_torproc_free(t->proc);
	free(t);
}

int
sz_tor_wait_ready(sz_tor *t, int timeout_ms)
{
	if (t == NULL)
		return SZ_ERR_INVALID;
	return sz_torctl_wait_bootstrap(t->ctl, timeout_ms);
}

int
sz_tor_publish(sz_tor *t, uint16_t virt_port, uint16_t local_port, const char *key, int wait_ms,
    char id[static SZ_ONION_ID_BUF], char **new_key)
{
	int r;
	memset(id, 0, SZ_ONION_ID_BUF);
	if (new_key != NULL)
		*new_key = NULL;
	if (t == NULL)
		return SZ_ERR_INVALID;
	r = sz_torctl_add_onion(t->ctl, key, virt_port, local_port, 0, id, key ? NULL : new_key);
	if (r != SZ_OK || wait_ms <= 0)
		return r;
	/* Even if the wait fails the service stays added and *new_key stays set: the caller keeps
	 * the key either way. */
	return sz_torctl_wait_published(t->ctl, id, wait_ms);
}

int
sz_tor_unpublish(sz_tor *t, const char *id)
{
	if (t == NULL)
		return SZ_ERR_INVALID;
	return sz_torctl_del_onion(t->ctl, id);
}

int
sz_tor_socks(sz_tor *t, char host[static SZ_TCPDIAL_HOST_MAX], uint16_t *port)
{
	host[0] = '\0';
	if (port != NULL)
		*port = 0;
	if (t == NULL || port == NULL)
		return SZ_ERR_INVALID;
	return sz_torctl_socks_listener(t->ctl, host, port);
}

int
sz_tor_connect(sz_tor *t, const char *onion_host, uint16_t port, int total_ms, int *fd, int *rep)
{
	char host[SZ_TCPDIAL_HOST_MAX];
	uint16_t sport = 0;
	int r;

	if (fd != NULL)
		*fd = -1;
	if (rep != NULL)
		*rep = SZ_SOCKS5_NO_REPLY;
	if (t == NULL || fd == NULL || sz_onion_host_check(onion_host) != SZ_OK || total_ms <= 0)
		return SZ_ERR_INVALID;
	if ((r = sz_tor_socks(t, host, &sport)) != SZ_OK)
		return r;
	sz_socks5_retry pol = { .total_ms = total_ms, .attempt_ms = 30000, .every_ms = 1000 };
	r = sz_socks5_connect_retry(host, sport, onion_host, port, &pol, fd);
	if (rep != NULL)
		*rep = pol.last_rep;
	return r;
}

sz_torctl *
sz_tor_ctl(sz_tor *t)
{
	return t != NULL ? t->ctl : NULL;
}

pid_t
sz_tor_pid(const sz_tor *t)
{
	return t != NULL ? sz_torproc_pid(t->proc) : -1;
}

const char *
sz_tor_reason(const sz_tor *t)
{
	return t != NULL ? sz_torctl_reason(t->ctl) : "";
}
