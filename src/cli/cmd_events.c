/*
 * cmd_events.c - what the running daemon sees as it happens: `events`, `read --follow`, and the
 * automatic sync's lines of `status`.  Layer: cli.  Front ends learn of new posts, members and
 * decisions from the daemon's memory (docs/PROTOCOL.md §15, Events), never by polling the store.
 */
#include <stdlib.h>
#include <string.h>

#include "samizdat.h"
#include "app/autosync.h"
#include "app/daemon.h"
#include "cli/cli.h"
#include "lib/json.h"
#include "transport/tcpdial.h"

/* A front end waits at most this long for one answer (the daemon answers within 25 s). */
#define FOLLOW_CALL_MS 60000

int
sz_cli_events(sz_cli *c, int argc, char **argv)
{
	const char *since = NULL, *wait = NULL;
	const sz_cli_opt opts[] = { { "--since", true, &since }, { "--wait", false, &wait },
		{ NULL, false, NULL } };
	int npos = sz_cli_opts(c, argc, argv, opts);
	if (npos < 0)
		return SZ_EXIT_USAGE;
	if (npos > 0)
		return sz_cli_usage_error(c, "unexpected argument '%s'", argv[1]);
	uint64_t from = 0;
	if (since != NULL) {
		char *end;
		unsigned long long v = strtoull(since, &end, 10);
		if (*since == '\0' || *end != '\0' || since[0] == '-')
			return sz_cli_usage_error(c, "--since takes the number of the last event seen");
		from = v;
	}
	if (!c->in_daemon) {
		fprintf(c->err, "samizdat events: no daemon serves %s; events are what a running daemon "
		    "sees as it happens ('samizdat serve').\n", c->home);
		return SZ_EXIT_FAIL;
	}
	sz_daemon_events_wait(c->daemon, c->client, from, wait != NULL);
	return SZ_DAEMON_DEFERRED;
}

/* One command to the daemon; its answer's text into out (stderr passed on).  Returns the exit
 * code, or -1 when the daemon did not answer (said on stderr). */
static int
call(sz_cli *c, int argc, char **argv, bool json, sz_buf *out)
{
	sz_buf err = { 0 };
	int code = SZ_EXIT_FAIL;
	int r = sz_control_call(c->home, argc, argv, json, NULL, 0, out, &err, &code,
	    FOLLOW_CALL_MS);
	if (err.len > 0 && code != SZ_EXIT_OK)
		fwrite(err.p, 1, err.len, c->err);
	sz_buf_free(&err);
	if (r != SZ_OK) {
		fprintf(c->err, "samizdat read: the daemon serving %s stopped answering: %s\n", c->home,
		    sz_strerror(r));
		return -1;
	}
	return code;
}

int
sz_cli_read_follow(sz_cli *c, int argc, char **argv)
{
	/* the same read without --follow, then the posts that arrive, one by one */
	char *args[SZ_CLI_MAX_ARGS + 4];
	int n = 0;
	for (int i = 0; i < argc && n < SZ_CLI_MAX_ARGS; i++)
		if (strcmp(argv[i], "--follow") != 0)
			args[n++] = argv[i];
	args[n] = NULL;
	if (n != 2 || args[1][0] == '-')
		return sz_cli_usage_error(c, "--follow takes the cell's name alone");
	sz_buf out = { 0 };
	uint64_t last = 0;
	/* the mark first, so that nothing arriving during the read is missed */
	int code = call(c, 1, (char *[]){ "events", NULL }, true, &out);
	if (code != SZ_EXIT_OK) {
		sz_buf_free(&out);
		return code < 0 ? SZ_EXIT_NETWORK : code;
	}
	sz_json *doc = NULL;
	if (sz_json_parse((const char *)out.p, out.len, NULL, &doc, NULL) != SZ_OK ||
	    sz_json_u64(sz_json_get(sz_json_root(doc), "last"), &last) != SZ_OK) {
		sz_json_free(doc);
		sz_buf_free(&out);
		return sz_cli_fail(c, SZ_ERR_PEER, "the daemon's answer did not parse");
	}
	sz_json_free(doc);
	out.len = 0;
	code = call(c, n, args, c->json, &out);
	fwrite(out.p, 1, out.len, c->out);
	fflush(c->out);
	if (code != SZ_EXIT_OK) {
		sz_buf_free(&out);
		return code < 0 ? SZ_EXIT_NETWORK : code;
	}
	if (!c->json)
		fprintf(c->err, "(following '%s': new posts appear below as they arrive; Ctrl-C ends)\n",
		    args[1]);
	for (;;) {
		char since[24];
		snprintf(since, sizeof since, "%llu", (unsigned long long)last);
		out.len = 0;
		code = call(c, 4, (char *[]){ "events", "--since", since, "--wait", NULL }, true, &out);
		if (code != SZ_EXIT_OK)
			break;
		doc = NULL;
		const sz_json_val *root = NULL, *evs = NULL;
		if (sz_json_parse((const char *)out.p, out.len, NULL, &doc, NULL) != SZ_OK ||
		    (root = sz_json_root(doc)) == NULL ||
		    sz_json_u64(sz_json_get(root, "last"), &last) != SZ_OK ||
		    sz_json_type_of(evs = sz_json_get(root, "events")) != SZ_JSON_ARRAY) {
			sz_json_free(doc);
			code = sz_cli_fail(c, SZ_ERR_PEER, "the daemon's answer did not parse");
			break;
		}
		for (size_t i = 0; i < sz_json_count(evs); i++) {
			const sz_json_val *e = sz_json_at(evs, i);
			const char *kind = sz_json_str(sz_json_get(e, "kind"), NULL);
			const char *id = sz_json_str(sz_json_get(e, "id"), NULL);
			if (kind == NULL || strcmp(kind, "post") != 0 || id == NULL ||
			    strlen(id) != 64 || strspn(id, "0123456789abcdef") != 64)
				continue;
			/* the post, if it is one of this cell's (ids are global: another cell's is not
			 * found there) */
			char idcopy[65];
			memcpy(idcopy, id, 65);
			sz_buf one = { 0 }, err = { 0 };
			int pc = SZ_EXIT_FAIL;
			if (sz_control_call(c->home, 4, (char *[]){ "read", args[1], "--id", idcopy, NULL },
			    c->json, NULL, 0, &one, &err, &pc, FOLLOW_CALL_MS) == SZ_OK && pc == SZ_EXIT_OK)
				fwrite(one.p, 1, one.len, c->out);
			sz_buf_free(&one);
			sz_buf_free(&err);
		}
		fflush(c->out);
		sz_json_free(doc);
	}
	sz_buf_free(&out);
	return code < 0 ? SZ_EXIT_NETWORK : code;
}

/* How long ago (or from now) ms is, in words: "12 s", "3 min", "2 h". */
static void
span(char *out, size_t n, uint64_t ms)
{
	uint64_t s = ms / 1000;
	if (s < 120)
		snprintf(out, n, "%llu s", (unsigned long long)s);
	else if (s < 7200)
		snprintf(out, n, "%llu min", (unsigned long long)(s / 60));
	else
		snprintf(out, n, "%llu h", (unsigned long long)(s / 3600));
}

void
sz_cli_status_auto(sz_cli *c)
{
	static sz_autosync_target t[SZ_AUTOSYNC_MAX_TARGETS];
	size_t nt = sz_daemon_auto_targets(c->daemon, t, SZ_AUTOSYNC_MAX_TARGETS);
	bool on = sz_daemon_autosync_on(c->daemon);
	uint64_t now = sz_tcpdial_now_ms();
	size_t ok = 0, failing = 0;
	for (size_t i = 0; i < nt; i++) {
		ok += t[i].last_ok_ms != 0 && t[i].fails == 0;
		failing += t[i].fails > 0;
	}
	if (!on)
		sz_cli_say(c, "autosync    off (--manual): only 'samizdat sync' moves anything\n");
	else if (nt == 0)
		sz_cli_say(c, "autosync    on, but no node to sync with yet: none of your cells' members "
		    "has said where its node is reached, and the peers list is empty\n");
	else
		sz_cli_say(c, "autosync    on: %zu node%s (%zu synced, %zu failing)\n", nt,
		    nt == 1 ? "" : "s", ok, failing);
	for (size_t i = 0; i < nt && !c->json; i++) {
		char a[SZ_NET_ADDR_TEXT], ago[24], next[24];
		if (i == 10) {
			sz_cli_say(c, "            and %zu more ('samizdat --json status' lists them all)\n",
			    nt - i);
			break;
		}
		if (sz_addr_format(sz_autosync_addr(&t[i]), a, sizeof a) != SZ_OK)
			continue;
		span(ago, sizeof ago, now - t[i].last_ok_ms);
		span(next, sizeof next, t[i].due_ms > now ? t[i].due_ms - now : 0);
		char state[80];
		if (t[i].inflight)
			snprintf(state, sizeof state, "syncing now");
		else
			snprintf(state, sizeof state, "%s%s", t[i].fails > 0 ? "failing, next try in " :
			    "next in ", next);
		if (t[i].last_ok_ms)
			sz_cli_say(c, "            %s: synced %s ago; %s\n", a, ago, state);
		else
			sz_cli_say(c, "            %s: not synced yet; %s\n", a, state);
	}
	char tor[300];
	int progress = sz_daemon_tor_state(c->daemon, tor, sizeof tor);
	sz_cli_say(c, "tor         %s\n", tor);
	uint64_t last = sz_daemon_events_last(c->daemon);
	sz_cli_say(c, "events      %llu so far ('samizdat events' lists them; 'samizdat read CELL "
	    "--follow' shows new posts as they come)\n", (unsigned long long)last);
	if (!c->json)
		return;
	sz_jsonw_key(&c->jw, "autosync");
	sz_jsonw_obj_begin(&c->jw);
	sz_jsonw_key(&c->jw, "on");
	sz_jsonw_bool(&c->jw, on);
	sz_jsonw_key(&c->jw, "nodes");
	sz_jsonw_arr_begin(&c->jw);
	for (size_t i = 0; i < nt; i++) {
		char a[SZ_NET_ADDR_TEXT];
		if (sz_addr_format(sz_autosync_addr(&t[i]), a, sizeof a) != SZ_OK)
			continue;
		sz_jsonw_obj_begin(&c->jw);
		sz_jsonw_key(&c->jw, "address");
		sz_jsonw_str(&c->jw, a);
		sz_jsonw_key(&c->jw, "member");
		sz_jsonw_bool(&c->jw, t[i].w.has_key);
		sz_jsonw_key(&c->jw, "syncs");
		sz_jsonw_u64(&c->jw, t[i].syncs);
		sz_jsonw_key(&c->jw, "failures");
		sz_jsonw_u64(&c->jw, t[i].failures);
		sz_jsonw_key(&c->jw, "failing");
		sz_jsonw_bool(&c->jw, t[i].fails > 0);
		sz_jsonw_key(&c->jw, "last_ok_s_ago");
		if (t[i].last_ok_ms)
			sz_jsonw_u64(&c->jw, (now - t[i].last_ok_ms) / 1000);
		else
			sz_jsonw_null(&c->jw);
		sz_jsonw_key(&c->jw, "next_in_ms");
		sz_jsonw_u64(&c->jw, t[i].due_ms > now ? t[i].due_ms - now : 0);
		sz_jsonw_obj_end(&c->jw);
	}
	sz_jsonw_arr_end(&c->jw);
	sz_jsonw_obj_end(&c->jw);
	sz_jsonw_key(&c->jw, "tor");
	sz_jsonw_obj_begin(&c->jw);
	sz_jsonw_key(&c->jw, "state");
	sz_jsonw_str(&c->jw, tor);
	sz_jsonw_key(&c->jw, "progress");
	sz_jsonw_i64(&c->jw, progress);
	sz_jsonw_obj_end(&c->jw);
	sz_jsonw_key(&c->jw, "events_last");
	sz_jsonw_u64(&c->jw, last);
}
