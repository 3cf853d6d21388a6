/*
 * cmd_node.c - init, id, status, wipe, unlock, lock: the node as a whole.
 * Layer: cli.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "samizdat.h"
#include "app/daemon.h"
#include "app/node_int.h"
#include "cli/cli.h"
#include "crypto/crypto.h"
#include "store/check.h"
#include "store/scopes.h"
#include "transport/net.h"

static int
parse_u32(const char *s, uint32_t *v)
{
	char *end;
	errno = 0;
	unsigned long x = strtoul(s, &end, 10);
	if (errno || *end != '\0' || s[0] == '\0' || s[0] == '-' || x > UINT32_MAX)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

int
sz_cli_init(sz_cli *c, int argc, char **argv)
{
	const char *ops = NULL, *mem = NULL, *weak = NULL;
	const sz_cli_opt opts[] = {
		{ "--kdf-ops", true, &ops }, { "--kdf-mem-mib", true, &mem },
		{ "--weak-ok", false, &weak }, { NULL, false, NULL },
	};
	int npos = sz_cli_opts(c, argc, argv, opts);
	if (npos < 0)
		return SZ_EXIT_USAGE;
	if (npos > 0)
		return sz_cli_usage_error(c, "unexpected argument '%s'", argv[1]);
	sz_node_opts no = { 0 };
	uint32_t mib = 0;
	if ((ops && parse_u32(ops, &no.kdf_ops)) || (mem && (parse_u32(mem, &mib) || mib > 4096)))
		return sz_cli_usage_error(c, "--kdf-ops and --kdf-mem-mib take small whole numbers");
	no.kdf_mem_kib = mib * 1024;
	char *pass;
	size_t plen;
	int r = sz_cli_passphrase(c, "Choose a passphrase for this node: ", true, &pass, &plen);
	if (r != SZ_OK)
		return sz_cli_exit_code(r);
	if (plen < 1) {
		sz_secret_free(pass);
		return sz_cli_usage_error(c, "the passphrase is empty");
	}
	double bits;
	int ex = sz_cli_passphrase_check(c, pass, plen, weak != NULL, &bits);
	if (ex != SZ_EXIT_OK) {
		sz_secret_free(pass);
		return ex;
	}
	sz_node *n;
	r = sz_node_create(&n, c->home, pass, plen, &no);
	sz_secret_free(pass);
	if (r == SZ_ERR_EXISTS) {
		fprintf(c->err, "samizdat init: %s already holds a node; nothing was changed.\n", c->home);
		return SZ_EXIT_FAIL;
	}
	if (r != SZ_OK)
		return sz_cli_fail(c, r, sz_node_last_error()[0] ? sz_node_last_error() :
		    "the node could not be created");
	char fp[40];
	if (sz_node_fingerprint(n, fp) != SZ_OK)
		fp[0] = '\0';
	sz_cli_say(c, "A new node is ready in %s.\nIts fingerprint (compare it aloud with people "
	    "you meet):\n  %s\n", c->home, fp);
	if (c->json) {
		uint8_t pk[32];
		sz_node_identity(n, pk);
		sz_jsonw_key(&c->jw, "home");
		sz_jsonw_str(&c->jw, c->home);
		sz_jsonw_key(&c->jw, "fingerprint");
		sz_jsonw_str(&c->jw, fp);
		sz_jsonw_key(&c->jw, "identity");
		sz_jsonw_hex(&c->jw, pk, 32);
		sz_jsonw_key(&c->jw, "passphrase_bits");
		sz_jsonw_u64(&c->jw, (uint64_t)bits);
	}
	sz_node_close(n);
	return SZ_EXIT_OK;
}

int
sz_cli_id(sz_cli *c, int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return sz_cli_usage_error(c, "takes no arguments");
	sz_node *n;
	int r = sz_cli_node(c, &n);
	if (r != SZ_OK)
		return sz_cli_fail(c, r, "cannot open the node");
	char fp[40];
	uint8_t pk[32];
	if ((r = sz_node_fingerprint(n, fp)) != SZ_OK)
		return sz_cli_fail(c, r, "no fingerprint");
	sz_node_identity(n, pk);
	if (c->json) {
		sz_jsonw_key(&c->jw, "fingerprint");
		sz_jsonw_str(&c->jw, fp);
		sz_jsonw_key(&c->jw, "identity");
		sz_jsonw_hex(&c->jw, pk, 32);
	} else {
		fprintf(c->out, "%s\n", fp);
	}
	return SZ_EXIT_OK;
}

int
sz_cli_status(sz_cli *c, int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return sz_cli_usage_error(c, "takes no arguments");
	sz_node *n;
	int r = sz_cli_node(c, &n);
	if (r != SZ_OK)
		return sz_cli_fail(c, r, "cannot open the node");
	uint64_t envs = 0, ents = 0;
	if ((r = sz_store_counts(n->store, &envs, &ents)) != SZ_OK)
		return sz_cli_fail(c, r, "cannot read the store");
	size_t waiting = 0;
	uint64_t wbytes = 0;
	if ((r = sz_node_quar_stats(n, &waiting, &wbytes)) != SZ_OK)
		return sz_cli_fail(c, r, "cannot read the store");
	/* Damage is looked for everywhere, not only where the counts above happened to read. */
	sz_vfs_scan_result scan;
	if ((r = sz_store_scan(n->store, &scan, NULL, NULL)) != SZ_OK)
		return sz_cli_fail(c, r, "cannot read the store");
	int kdamaged = sz_store_keyfile_damaged(n->store);
	char fp[40];
	if (sz_node_fingerprint(n, fp) != SZ_OK)
		fp[0] = '\0';
	sz_cli_say(c, "node        %s\nfingerprint %s\nenvelopes   %llu held (leaflets and your cells'; "
	    "%zu of epochs not known yet)\nreadable    %llu entries\ncells       %zu\ndaemon      %s\n",
	    c->home, fp, (unsigned long long)envs, waiting, (unsigned long long)ents, n->ncells,
	    c->in_daemon ? "running" : "not running");
	/* Where another device reaches this node (what an invitation names). */
	sz_addr reach[SZ_DAEMON_MAX_REACH];
	size_t nr = c->in_daemon ? sz_daemon_reach(c->daemon, reach, SZ_DAEMON_MAX_REACH) :
	    sz_node_saved_reach(n, reach, SZ_DAEMON_MAX_REACH);
	sz_buf listen = { 0 };
	if (c->in_daemon)
		sz_daemon_addresses(c->daemon, &listen);
	for (size_t i = 0; i < nr; i++) {
		char t[SZ_NET_ADDR_TEXT];
		if (sz_addr_format(&reach[i], t, sizeof t) == SZ_OK)
			sz_cli_say(c, "%s %s (%s)%s\n", i == 0 ? "reachable  " : "           ", t,
			    reach[i].onion ? "Tor" : "network", c->in_daemon ? "" :
			    ", once the daemon runs again");
	}
	if (nr == 0)
		sz_cli_say(c, "reachable   from this computer only%s: no onion service, no local "
		    "network address ('samizdat help serve')\n", c->in_daemon ? "" : " (no daemon)");
	if (c->json) {
		sz_jsonw_key(&c->jw, "reachable");
		sz_jsonw_arr_begin(&c->jw);
		for (size_t i = 0; i < nr; i++) {
			char t[SZ_NET_ADDR_TEXT];
			if (sz_addr_format(&reach[i], t, sizeof t) == SZ_OK)
				sz_jsonw_str(&c->jw, t);
		}
		sz_jsonw_arr_end(&c->jw);
		sz_jsonw_key(&c->jw, "listening");
		sz_jsonw_arr_begin(&c->jw);
		for (size_t off = 0; off < listen.len;) {
			const uint8_t *nl = memchr(listen.p + off, '\n', listen.len - off);
			size_t l = nl ? (size_t)(nl - listen.p) - off : listen.len - off;
			sz_jsonw_strn(&c->jw, listen.p + off, l);
			off += l + 1;
		}
		sz_jsonw_arr_end(&c->jw);
	}
	sz_buf_free(&listen);
	/* The onion for strangers: its own line, never among the addresses invitations name. */
	const char *po = c->in_daemon ? sz_daemon_public_onion(c->daemon) : NULL;
	if (po != NULL)
		sz_cli_say(c, "public      %s (Tor, leaflets only, open to anyone, not tied to your "
		    "cells)\n", po);
	if (c->json) {
		sz_jsonw_key(&c->jw, "public_onion");
		if (po != NULL)
			sz_jsonw_str(&c->jw, po);
		else
			sz_jsonw_null(&c->jw);
	}
	if (c->in_daemon) {
		/* The daemon's sessions, as its slots and memory budget see them. */
		sz_daemon_stats ds;
		sz_daemon_get_stats(c->daemon, &ds);
		sz_cli_say(c, "sessions    %zu (and %zu connections in their handshake); %zu KiB held, "
		    "at most %zu KiB so far\n", ds.sessions, ds.unauth, ds.mem >> 10, ds.mem_peak >> 10);
		if (c->json) {
			sz_jsonw_key(&c->jw, "sessions");
			sz_jsonw_obj_begin(&c->jw);
			const struct { const char *k; uint64_t v; } f[] = {
				{ "now", ds.sessions }, { "handshaking", ds.unauth }, { "mem", ds.mem },
				{ "mem_peak", ds.mem_peak }, { "accepted", ds.accepted },
				{ "evicted_unauth", ds.evicted_unauth }, { "evicted_idle", ds.evicted_idle },
				{ "evicted_mem", ds.evicted_mem }, { "refused_busy", ds.refused_busy },
				{ "refused_key", ds.refused_key }, { "handshake_late", ds.handshake_late },
			};
			for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
				sz_jsonw_key(&c->jw, f[i].k);
				sz_jsonw_u64(&c->jw, f[i].v);
			}
			sz_jsonw_obj_end(&c->jw);
		}
		sz_cli_status_auto(c);
	}
	if (c->json) {
		sz_jsonw_key(&c->jw, "home");
		sz_jsonw_str(&c->jw, c->home);
		sz_jsonw_key(&c->jw, "fingerprint");
		sz_jsonw_str(&c->jw, fp);
		sz_jsonw_key(&c->jw, "envelopes");
		sz_jsonw_u64(&c->jw, envs);
		sz_jsonw_key(&c->jw, "quarantined");
		sz_jsonw_u64(&c->jw, waiting);
		sz_jsonw_key(&c->jw, "entries");
		sz_jsonw_u64(&c->jw, ents);
		sz_jsonw_key(&c->jw, "cells");
		sz_jsonw_u64(&c->jw, n->ncells);
		sz_jsonw_key(&c->jw, "daemon");
		sz_jsonw_bool(&c->jw, c->in_daemon);
		sz_jsonw_key(&c->jw, "damaged");
		sz_jsonw_bool(&c->jw, kdamaged || scan.damaged || scan.partial || scan.missing);
	}
	if (scan.damaged > 0) {
		fprintf(c->err, "samizdat status: the store is damaged: %llu of its %llu pages fail "
		    "authentication (the first: page %u). Run 'samizdat check' to see what can still be "
		    "read.\n", (unsigned long long)scan.damaged, (unsigned long long)scan.pages,
		    scan.first_damaged[0]);
	}
	if (scan.partial || scan.missing)
		fprintf(c->err, "samizdat status: the store is damaged: its database file is cut short "
		    "(%llu bytes; page 1 counts %llu pages). Run 'samizdat check'.\n",
		    (unsigned long long)scan.bytes, (unsigned long long)scan.header_pages);
	if (kdamaged)
		fprintf(c->err, "samizdat status: the key file is damaged in a part your passphrase "
		    "does not need (the other slot). Run 'samizdat check'.\n");
	return (kdamaged || scan.damaged || scan.partial || scan.missing) ? SZ_EXIT_DATA : SZ_EXIT_OK;
}

int
sz_cli_wipe(sz_cli *c, int argc, char **argv)
{
	const char *yes = NULL;
	const sz_cli_opt opts[] = { { "--yes", false, &yes }, { NULL, false, NULL } };
	int npos = sz_cli_opts(c, argc, argv, opts);
	if (npos < 0)
		return SZ_EXIT_USAGE;
	if (npos > 0)
		return sz_cli_usage_error(c, "unexpected argument '%s'", argv[1]);
	if (yes == NULL)
		return sz_cli_usage_error(c, "this destroys the node's keys for ever: confirm with --yes");
	if (c->in_daemon) {
		/* Drop the keys from memory first, then destroy them on disk, then stop. */
		sz_daemon_lock(c->daemon);
		c->node = NULL;
		int r = sz_node_wipe(c->home);
		sz_daemon_stop_wiped(c->daemon);
		if (r != SZ_OK)
			return sz_cli_fail(c, r, "the wipe did not complete");
		sz_cli_say(c, "The node's keys are destroyed and the daemon stopped.\n");
		return SZ_EXIT_OK;
	}
	struct stat st;
	if (stat(c->home, &st) != 0) {
		fprintf(c->err, "samizdat wipe: there is no node in %s.\n", c->home);
		return SZ_EXIT_FAIL;
	}
	/* No passphrase needed: a wipe must work in a hurry. */
	int r = sz_node_wipe(c->home);
	if (r != SZ_OK)
		return sz_cli_fail(c, r, "the wipe did not complete");
	sz_cli_say(c, "The node's keys are destroyed: nothing in %s can be read any more, by anyone.\n",
	    c->home);
	if (c->node != NULL && c->own_node) {
		sz_node_close(c->node);
		c->node = NULL;
	}
	return SZ_EXIT_OK;
}

int
sz_cli_duress(sz_cli *c, int argc, char **argv)
{
	const char *file = NULL, *clear = NULL;
	const sz_cli_opt opts[] = {
		{ "--file", true, &file }, { "--clear", false, &clear }, { NULL, false, NULL },
	};
	int npos = sz_cli_opts(c, argc, argv, opts);
	if (npos < 0)
		return SZ_EXIT_USAGE;
	if (npos > 0)
		return sz_cli_usage_error(c, "unexpected argument '%s'", argv[1]);
	sz_node *n;
	int r = sz_cli_node(c, &n);
	if (r != SZ_OK)
		return sz_cli_fail(c, r, "cannot open the node");
	if (clear != NULL) {
		if ((r = sz_node_set_duress(n, NULL, 0)) != SZ_OK)
			return sz_cli_fail(c, r, sz_node_errmsg(n));
		sz_cli_say(c, "The duress passphrase is removed.\n");
		return SZ_EXIT_OK;
	}
	/* The duress passphrase comes from --file or the terminal, never the command line. */
	sz_cli dc = *c;
	dc.passfile = file;
	char *pass;
	size_t plen;
	if (file == NULL && getenv("SAMIZDAT_PASSPHRASE_FILE") != NULL)
		return sz_cli_usage_error(c, "give the duress passphrase with --file FILE");
	if ((r = sz_cli_passphrase(&dc, "Duress passphrase (unlocking with it wipes this node): ",
	    true, &pass, &plen)) != SZ_OK)
		return sz_cli_exit_code(r);
	if (plen == 0) {
		sz_secret_free(pass);
		return sz_cli_usage_error(c, "the duress passphrase is empty");
	}
	r = sz_node_set_duress(n, pass, plen);
	sz_secret_free(pass);
	if (r != SZ_OK)
		return sz_cli_fail(c, r, sz_node_errmsg(n)[0] ? sz_node_errmsg(n) :
		    "the duress passphrase was not set");
	char fp[40];
	if ((r = sz_node_decoy_fingerprint(n, fp)) != SZ_OK)
		return sz_cli_fail(c, r, sz_node_errmsg(n));
	sz_cli_say(c, "Duress passphrase set. Unlocking with it destroys this node for ever and "
	    "shows an empty one in its place, made when this node was, with the fingerprint\n"
	    "  %s\n", fp);
	if (c->json) {
		sz_jsonw_key(&c->jw, "decoy_fingerprint");
		sz_jsonw_str(&c->jw, fp);
	}
	return SZ_EXIT_OK;
}
