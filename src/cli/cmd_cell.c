/*
 * cmd_cell.c - cell create | list | invite | revoke | join | members | remove | leave | update.
 * Layer: cli.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <qrencode.h>

#include "samizdat.h"
#include "app/daemon.h"
#include "app/invite.h"
#include "app/join.h"
#include "app/node_int.h"
#include "app/node_reach.h"
#include "cell/cell.h"
#include "cli/cli.h"
#include "crypto/crypto.h"
#include "transport/net.h"
#include "transport/socks5.h"
#include "transport/tcpdial.h"
#include "wire/identity.h"

static int
open_cell(sz_cli *c, const char *name, sz_node **n, sz_cell **cell)
{
	int r = sz_cli_node(c, n);
	if (r != SZ_OK)
		return sz_cli_fail(c, r, "cannot open the node");
	if ((*cell = sz_node_cell_find(*n, name)) == NULL) {
		fprintf(c->err, "samizdat %s: you are in no cell named '%s'. 'samizdat cell list' shows "
		    "yours.\n", c->cmdname, name);
		return SZ_EXIT_NOT_MEMBER;
	}
	return SZ_EXIT_OK;
}

static int
create(sz_cli *c, int argc, char **argv)
{
	int npos = sz_cli_opts(c, argc, argv, NULL);
	if (npos < 0)
		return SZ_EXIT_USAGE;
	if (npos != 1)
		return sz_cli_usage_error(c, "give the cell a name (it stays inside the cell)");
	size_t nl = strlen(argv[1]);
	if (nl < 1 || nl > 64)
		return sz_cli_usage_error(c, "a cell name has 1 to 64 bytes");
	sz_node *n;
	sz_cell *cell;
	int r = sz_cli_node(c, &n);
	if (r != SZ_OK)
		return sz_cli_fail(c, r, "cannot open the node");
	if ((r = sz_node_cell_create(n, argv[1], &cell)) != SZ_OK)
		return sz_cli_fail(c, r, sz_node_errmsg(n));
	sz_cli_say(c, "Created the cell '%s'. You are its only member; invite others with "
	    "'samizdat cell invite %s'.\n", argv[1], argv[1]);
	if (c->json) {
		sz_jsonw_key(&c->jw, "cell");
		sz_jsonw_str(&c->jw, argv[1]);
	}
	return SZ_EXIT_OK;
}

static int
list(sz_cli *c, int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return sz_cli_usage_error(c, "takes no arguments");
	sz_node *n;
	int r = sz_cli_node(c, &n);
	if (r != SZ_OK)
		return sz_cli_fail(c, r, "cannot open the node");
	if (c->json) {
		sz_jsonw_key(&c->jw, "cells");
		sz_jsonw_arr_begin(&c->jw);
	}
	for (size_t i = 0; i < n->ncells; i++) {
		sz_cell *cell = n->cells[i].cell;
		size_t nm = 0;
		uint8_t ids[1][32];
		(void)!sz_cell_members(cell, ids, 0, &nm);
		int st = sz_cell_status(cell);
		const char *status = st == SZ_CELL_ACTIVE ? "member" : st == SZ_CELL_REMOVED ? "removed" : "left";
		if (c->json) {
			sz_jsonw_obj_begin(&c->jw);
			sz_jsonw_key(&c->jw, "name");
			sz_jsonw_str(&c->jw, sz_cell_name(cell));
			sz_jsonw_key(&c->jw, "members");
			sz_jsonw_u64(&c->jw, nm);
			sz_jsonw_key(&c->jw, "status");
			sz_jsonw_str(&c->jw, status);
			sz_jsonw_obj_end(&c->jw);
		} else {
			fputs("", c->out);
			sz_cli_print_text(c->out, (const uint8_t *)sz_cell_name(cell), strlen(sz_cell_name(cell)));
			fprintf(c->out, "  (%zu members; you: %s)\n", nm, status);
		}
	}
	if (c->json)
		sz_jsonw_arr_end(&c->jw);
	else if (n->ncells == 0)
		fprintf(c->out, "You are in no cell yet: 'samizdat cell create NAME', or join with a "
		    "code someone gives you.\n");
	return SZ_EXIT_OK;
}

/* Print a QR code of text as terminal blocks (two modules per character row). */
static void
print_qr(FILE *f, const char *text)
{
	QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 0);
	if (q == NULL)
		return;
	int w = q->width, quiet = 2;
	for (int y = -quiet; y < w + quiet; y += 2) {
		for (int x = -quiet; x < w + quiet; x++) {
			int top = y >= 0 && y < w && x >= 0 && x < w && (q->data[y * w + x] & 1);
			int bot = y + 1 >= 0 && y + 1 < w && x >= 0 && x < w && (q->data[(y + 1) * w + x] & 1);
			/* dark modules as spaces on a light block background is hard to read: draw dark */
			fputs(top && bot ? "\u2588" : top ? "\u2580" : bot ? "\u2584" : " ", f);
		}
		fputc('\n', f);
	}
	QRcode_free(q);
}

static int
invite(sz_cli *c, int argc, char **argv)
{
	const char *hours = NULL, *address = NULL, *qr = NULL, *who = NULL;
	const sz_cli_opt opts[] = {
		{ "--expires-hours", true, &hours }, { "--address", true, &address },
		{ "--qr", false, &qr }, { "--name", true, &who }, { NULL, false, NULL },
	};
	int npos = sz_cli_opts(c, argc, argv, opts);
	if (npos < 0)
		return SZ_EXIT_USAGE;
	if (npos != 1)
		return sz_cli_usage_error(c, "give the cell's name");
	uint64_t ttl = 24ull * 3600 * 1000;
	if (hours != NULL) {
		char *end;
		long h = strtol(hours, &end, 10);
		if (*end || h < 1 || h > 24 * 30)
			return sz_cli_usage_error(c, "--expires-hours takes 1 to 720");
		ttl = (uint64_t)h * 3600 * 1000;
	}
	sz_addr addr, *ap = NULL;
	char why[200];
	sz_node *n;
	sz_cell *cell;
	int rc = open_cell(c, argv[1], &n, &cell);
	if (rc != SZ_EXIT_OK)
		return rc;
	/* Where the newcomer's device reaches this node: what the daemon serves on (its onion first,
	 * then the local network), or where it last did; never a loopback address, which is this
	 * machine only, unless the person names it. */
	const char *note = "";
	if (address != NULL) {
		if (sz_addr_parse(&addr, address, why, sizeof why) != SZ_OK)
			return sz_cli_usage_error(c, "--address: %s", why);
		ap = &addr;
	} else if (c->in_daemon && sz_daemon_tor_starting(c->daemon) &&
	    sz_node_saved_reach(n, &addr, 1) == 1 && addr.onion) {
		/* tor is still starting: its address is the one kept (the same key, the same address) */
		ap = &addr;
		note = " Tor is still starting on this node ('samizdat status' shows how far): the "
		    "newcomer's device reaches it once it is ready.";
	} else if (c->in_daemon) {
		if (sz_daemon_reach(c->daemon, &addr, 1) == 1)
			ap = &addr;
		if (sz_daemon_tor_starting(c->daemon))
			note = " Tor is still starting on this node and its onion address is not known yet "
			    "('samizdat status' shows how far): invite again once it is ready for a code "
			    "that names it.";
		else if (ap == NULL)
			note = " It names no address: this node can be reached from no other device (it "
			    "serves on this machine's loopback address only, without Tor). To let the "
			    "newcomer join live, serve with Tor ('samizdat serve --tor /usr/sbin/tor') or "
			    "on the local network ('samizdat serve --listen 0.0.0.0:7070 --public') and "
			    "invite again; or finish by courier files.";
	} else if (sz_node_saved_reach(n, &addr, 1) == 1) {
		ap = &addr;
		note = " No daemon is running now: start 'samizdat serve' so that the newcomer's "
		    "device can reach this node.";
	} else {
		note = " It names no address: no daemon serves this node on Tor or the local network "
		    "('samizdat serve --tor /usr/sbin/tor', or 'samizdat serve --listen 0.0.0.0:7070 "
		    "--public'), so the newcomer finishes by courier files.";
	}
	char code[SZ_INVITE_CODE_MAX];
	if (who != NULL && sz_node_name_check(who, strlen(who)) != SZ_OK)
		return sz_cli_usage_error(c, "--name: a name has 1 to %d bytes of text, without control "
		    "characters", SZ_NODE_NAME_MAX);
	int r = sz_node_invite_named(n, cell, ttl, ap, who, code, sizeof code);
	if (r != SZ_OK)
		return sz_cli_fail(c, r, sz_node_errmsg(n));
	char where[SZ_NET_ADDR_TEXT + 2] = "";
	if (ap != NULL && sz_addr_format(ap, where, sizeof where - 1) == SZ_OK)
		strcat(where, ".");
	if (c->json) {
		sz_jsonw_key(&c->jw, "address");
		if (ap != NULL)
			sz_jsonw_strn(&c->jw, (const uint8_t *)where, strlen(where) ? strlen(where) - 1 : 0);
		else
			sz_jsonw_null(&c->jw);
	}
	/* The scripting contract: the code alone on stdout. */
	if (c->json) {
		sz_jsonw_key(&c->jw, "code");
		sz_jsonw_str(&c->jw, code);
	} else {
		fprintf(c->out, "%s\n", code);
	}
	fprintf(c->err, "An invitation to '%s', for one person, valid %llu hours. Give it in person "
	    "(read it out, or show the QR code with --qr). Whoever sees or photographs it can read "
	    "nothing with it, but gets one chance to race the newcomer for the seat (and learns "
	    "where your node is): if the newcomer finds it already used, run 'samizdat cell revoke "
	    "CODE' at once.%s%s%s\n",
	    sz_cli_cell_name(cell), (unsigned long long)(ttl / 3600000), ap ? " It names " : "",
	    ap ? where : "", note);
	if (qr != NULL)
		print_qr(c->err, code);
	return SZ_EXIT_OK;
}

/* How a change of membership reaches the others: by itself through a daemon that syncs, else
 * with the next sync or bundle. */
static const char *
tell_others(const sz_cli *c)
{
	return c->in_daemon && sz_daemon_autosync_on(c->daemon) ? "The daemon tells the others' "
	    "nodes by itself, within seconds of reaching one." : "Sync to tell the others.";
}

static int
revoke_(sz_cli *c, int argc, char **argv)
{
	int npos = sz_cli_opts(c, argc, argv, NULL);
	if (npos < 0)
		return SZ_EXIT_USAGE;
	if (npos != 1)
		return sz_cli_usage_error(c, "give the invitation code to revoke");
	sz_node *n;
	int r = sz_cli_node(c, &n);
	if (r != SZ_OK)
		return sz_cli_fail(c, r, "cannot open the node");
	sz_node_revoked rv;
	if ((r = sz_node_invite_revoke(n, argv[1], &rv)) != SZ_OK)
		return sz_cli_fail(c, r, sz_node_errmsg(n));
	if (rv.what == SZ_NODE_REVOKED_CODE) {
		sz_cli_say(c, "Revoked: the code can no longer be used.\n");
	} else {
		char fp[SZ_FINGERPRINT_TEXT];
		if (sz_fingerprint(fp, rv.member) != SZ_OK)
			snprintf(fp, sizeof fp, "?");
		sz_cli_say(c, "The code had been used: it let in %s, who has not joined '%s' yet. That "
		    "add is undone (revoked): they cannot join with it. This bans nobody: you can invite "
		    "them again with a new code. %s\n", fp, sz_cli_cell_name(rv.cell), tell_others(c));
		if (c->json) {
			sz_jsonw_key(&c->jw, "revoked_member");
			sz_jsonw_str(&c->jw, fp);
		}
	}
	return SZ_EXIT_OK;
}

/* Connect to an address (TCP, or an onion through a SOCKS port). */
static int
dial(const sz_addr *a, const char *socks, int *fd)
{
	*fd = -1;
	if (!a->onion)
		return sz_tcpdial_connect(a->host, a->port, 10000, fd);
	sz_addr s;
	char why[160];
	if (socks == NULL || sz_addr_parse(&s, socks, why, sizeof why) != SZ_OK)
		return SZ_ERR_UNSUPPORTED;
	sz_socks5_retry pol = { .total_ms = 90000, .attempt_ms = 20000, .every_ms = 1000 };
	return sz_socks5_connect_retry(s.host, s.port, a->host, a->port, &pol, fd);
}

/* One session with the inviter's node: redeem (join != NULL) or sync. */
static int
session(sz_node *n, const sz_invite *iv, const char *socks, const uint8_t *join, size_t jlen,
    sz_node_joining *j, char *peer_err, size_t pelen)
{
	int fd, r;
	peer_err[0] = '\0';
	if ((r = dial(&iv->addr, socks, &fd)) != SZ_OK)
		return r;
	sz_sync_config cfg;
	void *scopes = NULL;
	sz_sync *s = NULL;
	if ((r = sz_node_sync_config(n, SZ_NOISE_INITIATOR, &cfg, &scopes)) == SZ_OK) {
		cfg.expect_remote = iv->node_key; /* only the inviter's node, no one in between */
		if (join != NULL) {
			cfg.join = join;
			cfg.join_len = jlen;
			cfg.hooks.ctx = j;
			cfg.hooks.on_welcome = sz_node_on_welcome;
		}
		r = sz_sync_new(&s, &cfg);
	}
	sz_node_sync_config_free(scopes);
	if (r == SZ_OK)
		r = sz_link_run(fd, s, NULL, NULL);
	if (s != NULL)
		snprintf(peer_err, pelen, "%s", sz_sync_peer_error(s));
	sz_sync_free(s);
	close(fd);
	return r;
}

/* Write a courier file to path (through path.part, so a half-written file never looks whole). */
static int
open_out(sz_cli *c, const char *path, char *tmp, size_t tmplen)
{
	snprintf(tmp, tmplen, "%s.part", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		fprintf(c->err, "samizdat %s: cannot write %s: %s\n", c->cmdname, path, strerror(errno));
	return fd;
}

static int
close_out(int fd, const char *tmp, const char *path, int r)
{
	if (r == SZ_OK && fsync(fd) != 0)
		r = SZ_ERR_IO;
	close(fd);
	if (r == SZ_OK && rename(tmp, path) != 0)
		r = SZ_ERR_IO;
	if (r != SZ_OK)
		unlink(tmp);
	return r;
}

/* Joining by courier: write the request, or take in the answer. */
static int
join_by_files(sz_cli *c, sz_node *n, const sz_invite *iv, const char *request, const char *answer)
{
	int r;
	char tmp[4096];
	if (request != NULL) {
		int fd = open_out(c, request, tmp, sizeof tmp);
		if (fd < 0)
			return SZ_EXIT_FAIL;
		r = close_out(fd, tmp, request, sz_node_join_request_file(n, iv, fd));
		if (r != SZ_OK)
			return sz_cli_fail(c, r, sz_node_errmsg(n)[0] ? sz_node_errmsg(n) :
			    "the request was not written");
		sz_cli_say(c, "Wrote the join request %s. Have it carried to the person who invited you; "
		    "they run 'samizdat cell admit %s --to ANSWER', and you finish with "
		    "'samizdat cell join CODE --answer ANSWER'. Who you are in it only their node can "
		    "read: a courier sees random bytes, and even someone who also photographed the code "
		    "reads nothing in it.\n", request, request);
		return SZ_EXIT_OK;
	}
	int fd = sz_cli_open_input(c, answer);
	if (fd < 0)
		return SZ_EXIT_FAIL;
	sz_cell *cell = NULL;
	int refused;
	r = sz_node_join_answer_file(n, iv, fd, &cell, &refused);
	close(fd);
	if (r != SZ_OK)
		return sz_cli_fail(c, r, sz_node_errmsg(n)[0] ? sz_node_errmsg(n) : "the answer was not usable");
	if (refused != SZ_OK)
		return sz_cli_fail(c, refused, "the inviter's node refused the invitation (used, revoked "
		    "or expired)");
	if (cell == NULL)
		return sz_cli_fail(c, SZ_ERR_MALFORMED, "the answer holds no welcome");
	sz_cli_say(c, "Joined the cell '%s'. Send your first key update back: 'samizdat bundle export "
	    "--cell %s --to FILE' for the courier (or sync with a member when you can); the cell's "
	    "posts reach you the same way.\n", sz_cli_cell_name(cell), sz_cli_cell_name(cell));
	if (c->json) {
		sz_jsonw_key(&c->jw, "cell");
		sz_jsonw_str(&c->jw, sz_cell_name(cell));
	}
	return SZ_EXIT_OK;
}

static int
admit(sz_cli *c, int argc, char **argv)
{
	const char *to = NULL;
	const sz_cli_opt opts[] = { { "--to", true, &to }, { NULL, false, NULL } };
	int npos = sz_cli_opts(c, argc, argv, opts);
	if (npos < 0)
		return SZ_EXIT_USAGE;
	if (npos != 1 || to == NULL)
		return sz_cli_usage_error(c, "give the request file and --to ANSWER");
	int in = sz_cli_open_input(c, argv[1]);
	if (in < 0)
		return SZ_EXIT_FAIL;
	sz_node *n;
	int r = sz_cli_node(c, &n);
	if (r != SZ_OK) {
		close(in);
		return sz_cli_fail(c, r, "cannot open the node");
	}
	char tmp[4096];
	int out = open_out(c, to, tmp, sizeof tmp);
	if (out < 0) {
		close(in);
		return SZ_EXIT_FAIL;
	}
	sz_cell *cell = NULL;
	uint8_t member[32];
	int refused;
	r = sz_node_admit_file(n, in, out, &cell, member, &refused);
	close(in);
	r = close_out(out, tmp, to, r == SZ_OK ? refused : r);
	if (r != SZ_OK && refused == SZ_ERR_BAD_SIGNATURE)
		return sz_cli_fail(c, r, "the request names an identity its sender does not hold (someone "
		    "with a copy of the code?): refused, and the code stays usable for the real newcomer");
	if (r != SZ_OK && refused != SZ_OK)
		return sz_cli_fail(c, r, refused == SZ_ERR_EXPIRED ? "the invitation had expired: make a "
		    "new one" : refused == SZ_ERR_NOT_MEMBER ? "you are no longer in the cell it was for" :
		    "the cell refused to add this identity");
	if (r != SZ_OK)
		return sz_cli_fail(c, r, sz_node_errmsg(n)[0] ? sz_node_errmsg(n) : "the request was not admitted");
	char fp[SZ_FINGERPRINT_TEXT];
	if (sz_fingerprint(fp, member) != SZ_OK)
		snprintf(fp, sizeof fp, "?");
	sz_cli_say(c, "Admitted %s to '%s': check that it is the fingerprint the newcomer shows "
	    "('samizdat id'). Have %s carried back to them: only they can open it. If it is lost, "
	    "'samizdat cell revoke CODE' undoes the add (they have not joined) and you can invite "
	    "them again.\n", fp, cell ? sz_cli_cell_name(cell) : "?", to);
	if (c->json) {
		sz_jsonw_key(&c->jw, "fingerprint");
		sz_jsonw_str(&c->jw, fp);
	}
	return SZ_EXIT_OK;
}

static int
join(sz_cli *c, int argc, char **argv)
{
	const char *socks = NULL, *request = NULL, *answer = NULL;
	const sz_cli_opt opts[] = {
		{ "--tor-socks", true, &socks }, { "--request", true, &request },
		{ "--answer", true, &answer }, { NULL, false, NULL },
	};
	int npos = sz_cli_opts(c, argc, argv, opts);
	if (npos < 0)
		return SZ_EXIT_USAGE;
	if (npos != 1)
		return sz_cli_usage_error(c, "give the invitation code");
	if (request != NULL && answer != NULL)
		return sz_cli_usage_error(c, "--request writes a request, --answer reads the answer: one "
		    "at a time");
	sz_invite iv;
	int r = sz_invite_decode(&iv, argv[1]);
	if (r == SZ_ERR_CORRUPT)
		return sz_cli_usage_error(c, "the code has a typo (its check does not match): compare it "
		    "again with the one you were given");
	if (r == SZ_ERR_UNSUPPORTED)
		return sz_cli_fail(c, r, "this invitation code is of an older version (1), whose join "
		    "request anyone with a photograph of the code could read: it is no longer accepted. "
		    "Ask the inviter for a new code");
	if (r != SZ_OK)
		return sz_cli_usage_error(c, "that is not an invitation code (they start with sz1-)");
	sz_node *n;
	if ((r = sz_cli_node(c, &n)) != SZ_OK)
		return sz_cli_fail(c, r, "cannot open the node");
	if (iv.expiry_ms < sz_now_ms(n->env))
		return sz_cli_fail(c, SZ_ERR_EXPIRED, "this invitation has expired");
	if (request != NULL || answer != NULL)
		return join_by_files(c, n, &iv, request, answer);
	if (!iv.has_addr) {
		fprintf(c->err, "samizdat cell join: the code names no address to reach the inviter's "
		    "node. Finish by courier: 'samizdat cell join CODE --request FILE', have FILE carried "
		    "to the inviter, who answers with 'samizdat cell admit FILE --to ANSWER'; then "
		    "'samizdat cell join CODE --answer ANSWER'.\n");
		return SZ_EXIT_NETWORK;
	}
	if (c->in_daemon && socks == NULL) {
		/* The daemon dials (through its own tor for an onion) without stopping its loop, and
		 * answers when the join and the first sync are done. */
		if ((r = sz_daemon_join_start(c->daemon, c->client, &iv)) == SZ_ERR_UNSUPPORTED)
			return sz_cli_fail(c, r, "the inviter serves over Tor and this daemon runs without "
			    "it: restart it with 'samizdat serve --tor PATH' (or --tor-control)");
		if (r != SZ_OK)
			return sz_cli_fail(c, r, sz_node_errmsg(n)[0] ? sz_node_errmsg(n) :
			    "cannot start the join");
		return SZ_DAEMON_DEFERRED;
	}
	sz_join_secrets js;
	sz_node_joining j = { .n = n, .js = &js };
	uint8_t req[SZ_JOIN_REQUEST_BYTES];
	char pe[201];
	if ((r = sz_node_join_prepare(n, &iv, req, &js)) != SZ_OK)
		return sz_cli_fail(c, r, sz_node_errmsg(n));
	r = session(n, &iv, socks, req, sizeof req, &j, pe, sizeof pe);
	sz_wipe(&js, sizeof js);
	if (r == SZ_ERR_UNSUPPORTED)
		return sz_cli_usage_error(c, "the inviter serves over Tor: give --tor-socks HOST:PORT");
	if (r != SZ_OK) {
		fprintf(c->err, "samizdat cell join: the inviter's node at %s could not be reached or "
		    "broke off (%s%s%s). Is 'samizdat serve' running there? Try again later, or finish "
		    "by courier: 'samizdat cell join CODE --request FILE'.\n",
		    iv.addr.host, sz_strerror(r), pe[0] ? ": " : "", pe);
		return sz_cli_exit_code(r == SZ_ERR_TIMEOUT ? SZ_ERR_UNREACHABLE : r);
	}
	if (j.refused != SZ_OK)
		return sz_cli_fail(c, j.refused, j.refused == SZ_ERR_EXPIRED ? "the invitation was "
		    "already used, revoked or has expired; if you did not use it, tell the inviter now: "
		    "someone else may have, and 'samizdat cell revoke CODE' on their side undoes it if "
		    "that someone has not joined yet" : "the inviter's node refused the invitation");
	if (j.cell == NULL)
		return sz_cli_fail(c, SZ_ERR_PEER, "no welcome came back");
	/* Now a member: fetch the cell's history and hand over my first update.  The inviter's node
	 * is where the daemon's automatic sync goes until the members' records come. */
	if (sz_node_reach_note_invite(n, j.cell, iv.node_key, &iv.addr, iv.token) != SZ_OK) {
		/* the daemon finds the members by their records */
	}
	r = session(n, &iv, socks, NULL, 0, NULL, pe, sizeof pe);
	sz_cli_say(c, "Joined the cell '%s'.%s\n", sz_cli_cell_name(j.cell), r == SZ_OK ? "" :
	    " The first sync did not finish; run 'samizdat sync' with the inviter's address.");
	if (c->json) {
		sz_jsonw_key(&c->jw, "cell");
		sz_jsonw_str(&c->jw, sz_cell_name(j.cell));
	}
	return SZ_EXIT_OK;
}

static int
members(sz_cli *c, int argc, char **argv)
{
	int npos = sz_cli_opts(c, argc, argv, NULL);
	if (npos < 0)
		return SZ_EXIT_USAGE;
	if (npos != 1)
		return sz_cli_usage_error(c, "give the cell's name");
	sz_node *n;
	sz_cell *cell;
	int rc = open_cell(c, argv[1], &n, &cell);
	if (rc != SZ_EXIT_OK)
		return rc;
	uint8_t ids[256][32];
	size_t nm = 0;
	if (sz_cell_members(cell, ids, 256, &nm) != SZ_OK)
		return sz_cli_fail(c, SZ_ERR_INTERNAL, "cannot list the members");
	if (c->json) {
		sz_jsonw_key(&c->jw, "members");
		sz_jsonw_arr_begin(&c->jw);
	}
	for (size_t i = 0; i < nm && i < 256; i++) {
		char fp[SZ_FINGERPRINT_TEXT];
		if (sz_fingerprint(fp, ids[i]) != SZ_OK)
			continue;
		bool me = memcmp(ids[i], n->id_pk, 32) == 0;
		char name[SZ_NODE_NAME_MAX + 1];
		if (c->json) {
			sz_jsonw_obj_begin(&c->jw);
			sz_jsonw_key(&c->jw, "fingerprint");
			sz_jsonw_str(&c->jw, fp);
			sz_cli_json_name(c, n, ids[i]);
			sz_jsonw_key(&c->jw, "you");
			sz_jsonw_bool(&c->jw, me);
			sz_jsonw_obj_end(&c->jw);
		} else {
			fprintf(c->out, "%s", fp);
			if (sz_node_name_get(n, ids[i], name)) {
				fputs("  ", c->out);
				sz_cli_print_text(c->out, (const uint8_t *)name, strlen(name));
			}
			fputs(me ? "  (you)\n" : "\n", c->out);
		}
	}
	if (c->json)
		sz_jsonw_arr_end(&c->jw);
	if (sz_cell_status(cell) != SZ_CELL_ACTIVE)
		fprintf(c->err, "(you are no longer a member: this is the cell as you last saw it)\n");
	return SZ_EXIT_OK;
}

/* remove / leave / update: one operation, filed and saved. */
static int
operate(sz_cli *c, int argc, char **argv, int what)
{
	int npos = sz_cli_opts(c, argc, argv, NULL);
	if (npos < 0)
		return SZ_EXIT_USAGE;
	if (npos != (what == 0 ? 2 : 1))
		return sz_cli_usage_error(c, what == 0 ? "give the cell and the member's fingerprint" :
		    "give the cell's name");
	sz_node *n;
	sz_cell *cell;
	int rc = open_cell(c, argv[1], &n, &cell), r;
	if (rc != SZ_EXIT_OK)
		return rc;
	sz_cell_result res = { 0 };
	uint8_t id[32];
	if (what == 0) {
		uint8_t ids[256][32];
		size_t nm = 0;
		if (sz_cell_members(cell, ids, 256, &nm) != SZ_OK)
			return sz_cli_fail(c, SZ_ERR_INTERNAL, "cannot list the members");
		if ((rc = sz_cli_find_person(c, n, (const uint8_t (*)[32])ids, nm < 256 ? nm : 256,
		    argv[2], id)) != SZ_EXIT_OK)
			return rc;
		if (memcmp(id, n->id_pk, 32) == 0)
			return sz_cli_usage_error(c, "to leave the cell yourself, use 'samizdat cell leave'");
		r = sz_cell_remove(cell, id, &res);
	} else if (what == 1) {
		r = sz_cell_leave(cell, &res);
	} else {
		r = sz_cell_update(cell, &res);
	}
	if ((r = sz_node_cell_apply(n, cell, r, &res)) != SZ_OK)
		return sz_cli_fail(c, r, sz_node_errmsg(n)[0] ? sz_node_errmsg(n) : "the change was refused");
	static const char *const said[] = {
		"Removed. Once the others sync, every new post is sealed under keys the removed member "
		"does not have; what they already read they keep.",
		"You left the cell. Your keys for it are destroyed.",
		"Your keys in this cell are renewed: whoever copied your device before can no longer "
		"read what comes next.",
	};
	sz_cli_say(c, "%s %s\n", said[what], tell_others(c));
	return SZ_EXIT_OK;
}

static int
remove_(sz_cli *c, int argc, char **argv)
{
	return operate(c, argc, argv, 0);
}

static int
leave(sz_cli *c, int argc, char **argv)
{
	return operate(c, argc, argv, 1);
}

static int
update(sz_cli *c, int argc, char **argv)
{
	return operate(c, argc, argv, 2);
}

const sz_cli_cmd sz_cli_cell_cmds[] = {
	{ "create", create, "NAME", "start a new cell with you as its only member", NULL },
	{ "list", list, "", "the cells you are in", NULL },
	{ "invite", invite, "CELL [--name NAME] [--expires-hours H] [--address HOST:PORT] [--qr]",
	    "make a one-time invitation code (printed alone on stdout)\n"
	    "--name is what you call the newcomer: their name on this device once they join.", NULL },
	{ "revoke", revoke_, "CODE", "make an invitation unusable (or undo its add, not yet joined)",
	    NULL },
	{ "join", join, "CODE [--tor-socks HOST:PORT | --request FILE | --answer FILE]",
	    "join a cell with an invitation code (live, or by courier files)", NULL },
	{ "admit", admit, "REQUEST --to ANSWER", "answer a newcomer's join request carried by courier", NULL },
	{ "members", members, "CELL", "list the members: fingerprints, and the names you gave", NULL },
	{ "remove", remove_, "CELL PERSON", "remove a member (a capitulator): they read nothing new\n"
	    "PERSON is the name you gave them or the start of their fingerprint.", NULL },
	{ "leave", leave, "CELL", "leave a cell", NULL },
	{ "update", update, "CELL", "renew your keys in a cell (heals a copied device)", NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};
