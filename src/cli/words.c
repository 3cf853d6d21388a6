/*
 * words.c - what the samizdat program says when something goes wrong: what happened and what to
 * do, in words for someone who is not an engineer.  Layer: cli.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "samizdat.h"
#include "cli/cli.h"

const char *
sz_cli_advice(int err)
{
	switch (err) {
	case SZ_ERR_PASSPHRASE:
		return "Nothing was changed. Check the passphrase and try again. If it is lost, the data "
		    "cannot be recovered by anyone: that is the point.";
	case SZ_ERR_LOCKED:
		return "Unlock the node first ('samizdat unlock'), or give --passphrase-file.";
	case SZ_ERR_BUSY:
		return "Another samizdat is using this data directory (a running 'samizdat serve'?). "
		    "Stop it, or run this command while it runs so it can answer.";
	case SZ_ERR_UNREACHABLE:
		return "Check the address, that the other node is running ('samizdat serve'), and your "
		    "network or Tor. Nothing was lost; try again later or use a courier bundle.";
	case SZ_ERR_TIMEOUT:
		return "The other side stopped answering. What arrived before is kept; run the same "
		    "command again to continue.";
	case SZ_ERR_CLOSED: case SZ_ERR_PEER:
		return "The other side broke off or sent something wrong. What arrived intact is kept; "
		    "try again, and tell the other person if it keeps happening.";
	case SZ_ERR_EXPIRED:
		return "Ask for a new invitation: invitations are for one use and expire.";
	case SZ_ERR_NOT_MEMBER:
		return "You are not (or no longer) a member of that cell. 'samizdat cell list' shows "
		    "your cells.";
	case SZ_ERR_DISK_FULL:
		return "Free some space and try again. Nothing was half-written: the store is as it was.";
	case SZ_ERR_CORRUPT:
		return "The data directory is damaged or was altered; nothing in it was changed. "
		    "'samizdat check' says what is damaged and what can still be read. Copy the "
		    "directory somewhere safe first; the members of your cells hold what was shared, "
		    "and a new node gets it back by syncing.";
	case SZ_ERR_DECRYPT: case SZ_ERR_BAD_SIGNATURE:
		return "It was damaged on the way, altered, or is not meant for you. Nothing from it "
		    "was stored.";
	case SZ_ERR_TRUNCATED: case SZ_ERR_MALFORMED: case SZ_ERR_NONCANONICAL:
		return "The input is damaged or not a samizdat file or code. Nothing from it was stored.";
	case SZ_ERR_NOT_FOUND:
		return "Check the name or id ('samizdat status' lists what this node has).";
	case SZ_ERR_EXISTS:
		return "It is already there; nothing was changed.";
	case SZ_ERR_WIPED:
		return "This node's keys were destroyed. Start again with 'samizdat init'.";
	case SZ_ERR_NOMEM:
		return "Close other programs and try again.";
	case SZ_ERR_DENIED:
		return "The cell's rules do not allow it.";
	case SZ_ERR_IO:
		return "Check that the disk is present and writable.";
	}
	return "";
}

int
sz_cli_exit_code(int err)
{
	switch (err) {
	case SZ_OK: return SZ_EXIT_OK;
	case SZ_ERR_PASSPHRASE: case SZ_ERR_LOCKED: case SZ_ERR_WIPED: return SZ_EXIT_LOCKED;
	case SZ_ERR_UNREACHABLE: case SZ_ERR_TIMEOUT: case SZ_ERR_CLOSED: case SZ_ERR_PEER:
		return SZ_EXIT_NETWORK;
	case SZ_ERR_DECRYPT: case SZ_ERR_BAD_SIGNATURE: case SZ_ERR_TRUNCATED: case SZ_ERR_MALFORMED:
	case SZ_ERR_NONCANONICAL: case SZ_ERR_CORRUPT: case SZ_ERR_EXPIRED:
		return SZ_EXIT_DATA;
	case SZ_ERR_NOT_MEMBER: return SZ_EXIT_NOT_MEMBER;
	}
	return SZ_EXIT_FAIL;
}

int
sz_cli_fail(sz_cli *c, int err, const char *what)
{
	const char *advice = sz_cli_advice(err);
	fprintf(c->err, "samizdat %s: %s: %s.\n", c->cmdname ? c->cmdname : "", what, sz_strerror(err));
	if (advice[0] != '\0')
		fprintf(c->err, "  %s\n", advice);
	if (c->json) {
		sz_jsonw_key(&c->jw, "error");
		sz_jsonw_obj_begin(&c->jw);
		sz_jsonw_key(&c->jw, "code");
		sz_jsonw_i64(&c->jw, err);
		sz_jsonw_key(&c->jw, "what");
		sz_jsonw_str(&c->jw, what);
		sz_jsonw_key(&c->jw, "reason");
		sz_jsonw_str(&c->jw, sz_strerror(err));
		sz_jsonw_obj_end(&c->jw);
	}
	return sz_cli_exit_code(err);
}

int
sz_cli_usage_error(sz_cli *c, const char *fmt, ...)
{
	va_list ap;
	fprintf(c->err, "samizdat %s: ", c->cmdname ? c->cmdname : "");
	va_start(ap, fmt);
	vfprintf(c->err, fmt, ap);
	va_end(ap);
	fprintf(c->err, "\nusage: samizdat %s %s\n", c->cmdname ? c->cmdname : "",
	    c->usage ? c->usage : "");
	if (c->json) {
		sz_jsonw_key(&c->jw, "error");
		sz_jsonw_obj_begin(&c->jw);
		sz_jsonw_key(&c->jw, "code");
		sz_jsonw_i64(&c->jw, SZ_ERR_INVALID);
		sz_jsonw_key(&c->jw, "reason");
		sz_jsonw_str(&c->jw, "usage");
		sz_jsonw_obj_end(&c->jw);
	}
	return SZ_EXIT_USAGE;
}

void
sz_cli_say(sz_cli *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(c->json ? c->err : c->out, fmt, ap);
	va_end(ap);
}
