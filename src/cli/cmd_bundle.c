/*
 * cmd_bundle.c - bundle export | import | summary: courier files.
 * Layer: cli.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "samizdat.h"
#include "app/node_int.h"
#include "cell/cell.h"
#include "cli/cli.h"
#include "crypto/crypto.h"
#include "sync/bundle.h"

/* "2026-11-01" or "2026-11-01T12:00" (UTC), or a number of days ago: "7d". */
static int
parse_since(const char *s, uint64_t *ms)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	size_t n = strlen(s);
	if (n >= 2 && s[n - 1] == 'd') {
		char *end;
		long days = strtol(s, &end, 10);
		if (end != s + n - 1 || days < 0 || days > 36500)
			return -1;
		uint64_t now = (uint64_t)time(NULL) * 1000;
		*ms = now - (uint64_t)days * 86400000u;
		return 0;
	}
	const char *end = strptime(s, "%Y-%m-%dT%H:%M", &tm);
	if (end == NULL || *end != '\0') {
		memset(&tm, 0, sizeof tm);
		end = strptime(s, "%Y-%m-%d", &tm);
	}
	if (end == NULL || *end != '\0')
		return -1;
	time_t t = timegm(&tm);
	if (t < 0)
		return -1;
	*ms = (uint64_t)t * 1000;
	return 0;
}

/* Read a bundle passphrase from a file (first line). */
static int
read_pass_file(sz_cli *c, const char *file, char **out)
{
	sz_cli pc = *c;
	size_t len;
	pc.passfile = file;
	int r = sz_cli_passphrase(&pc, "", false, out, &len);
	if (r == SZ_OK && len == 0) {
		sz_secret_free(*out);
		*out = NULL;
		r = SZ_ERR_INVALID;
	}
	return r;
}

static int
export_(sz_cli *c, int argc, char **argv, bool summary)
{
	const char *to = NULL, *cell = NULL, *since = NULL, *passf = NULL, *answer = NULL;
	const sz_cli_opt opts[] = {
		{ "--to", true, &to }, { "--cell", true, &cell }, { "--since", true, &since },
		{ "--bundle-passphrase-file", true, &passf }, { "--answer", true, &answer },
		{ NULL, false, NULL },
	};
	int npos = sz_cli_opts(c, argc, argv, opts);
	if (npos < 0)
		return SZ_EXIT_USAGE;
	if (npos > 0)
		return sz_cli_usage_error(c, "unexpected argument '%s'", argv[1]);
	if (to == NULL)
		return sz_cli_usage_error(c, "say where to write the bundle: --to FILE");
	if (summary && answer != NULL)
		return sz_cli_usage_error(c, "a summary answers nothing: leave out --answer");
	sz_node_bundle_spec spec = { .cell = cell, .summary_fd = -1, .summary_only = summary };
	if (since != NULL && parse_since(since, &spec.since_ms) != 0)
		return sz_cli_usage_error(c, "--since takes a date (2026-11-01, 2026-11-01T12:00 UTC) or "
		    "a number of days (7d)");
	char *pass = NULL;
	int r;
	if (passf != NULL && (r = read_pass_file(c, passf, &pass)) != SZ_OK)
		return sz_cli_usage_error(c, "cannot read a passphrase from %s", passf);
	spec.passphrase = pass;
	if (cell == NULL && pass == NULL && answer == NULL) {
		sz_secret_free(pass);
		return sz_cli_usage_error(c, "say who may open it: --cell NAME (its members) or "
		    "--bundle-passphrase-file FILE (public leaflets for anyone told the passphrase)");
	}
	sz_node *n;
	if ((r = sz_cli_node(c, &n)) != SZ_OK) {
		sz_secret_free(pass);
		return sz_cli_fail(c, r, "cannot open the node");
	}
	if (answer != NULL && (spec.summary_fd = sz_cli_open_input(c, answer)) < 0) {
		sz_secret_free(pass);
		return SZ_EXIT_FAIL;
	}
	/* Write to a temporary name, then rename: a half-written bundle never looks whole. */
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.part", to);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (spec.summary_fd >= 0)
			close(spec.summary_fd);
		sz_secret_free(pass);
		fprintf(c->err, "samizdat bundle export: cannot write %s: %s\n", to, strerror(errno));
		return SZ_EXIT_FAIL;
	}
	sz_node_bundle_stats st;
	sz_progress p;
	sz_progress_start(&p, c, summary ? "summary" : "export", 0);
	/* With --answer alone, the answer is for the cell whose key opened the summary. */
	r = sz_node_bundle_export(n, fd, &spec, &st);
	if (r == SZ_OK && fsync(fd) != 0)
		r = SZ_ERR_IO;
	close(fd);
	sz_progress_end(&p, st.envelopes);
	if (spec.summary_fd >= 0)
		close(spec.summary_fd);
	sz_secret_free(pass);
	if (r != SZ_OK || rename(tmp, to) != 0) {
		unlink(tmp);
		return sz_cli_fail(c, r != SZ_OK ? r : SZ_ERR_IO, sz_node_errmsg(n)[0] ?
		    sz_node_errmsg(n) : "the bundle was not written");
	}
	sz_cli_say(c, "Wrote %s: %llu %s, %llu bytes. A courier can carry it; without the key it is "
	    "random bytes.\n", to, (unsigned long long)st.envelopes, summary ? "ids" : "envelopes",
	    (unsigned long long)st.bytes);
	if (st.summary_damaged)
		fprintf(c->err, "samizdat bundle export: the summary is damaged or cut; it was answered "
		    "anyway, so the answer may carry envelopes the other side already has.\n");
	if (answer != NULL && cell == NULL && pass == NULL && st.cell != NULL)
		sz_cli_say(c, "It answers the summary for the cell '%s' and carries only its envelopes "
		    "and public leaflets.\n", sz_cell_name(st.cell));
	if (c->json) {
		sz_jsonw_key(&c->jw, "file");
		sz_jsonw_str(&c->jw, to);
		sz_jsonw_key(&c->jw, "items");
		sz_jsonw_u64(&c->jw, st.envelopes);
		sz_jsonw_key(&c->jw, "skipped");
		sz_jsonw_u64(&c->jw, st.skipped);
		sz_jsonw_key(&c->jw, "bytes");
		sz_jsonw_u64(&c->jw, st.bytes);
	}
	return SZ_EXIT_OK;
}

static int
export_cmd(sz_cli *c, int argc, char **argv)
{
	return export_(c, argc, argv, false);
}

static int
summary_cmd(sz_cli *c, int argc, char **argv)
{
	return export_(c, argc, argv, true);
}

/* Say in a sentence what is wrong with a bundle that is not intact, and what it cost. */
static void
damage_report(sz_cli *c, const sz_bundle_report *rep)
{
	char what[256] = "", lost[160];
	size_t n = 0;
	if (rep->truncated)
		n += (size_t)snprintf(what + n, sizeof what - n, "it was cut short (its end is missing)");
	if (rep->chunks_damaged > 0 && n < sizeof what)
		n += (size_t)snprintf(what + n, sizeof what - n, "%s%u of its parts could not be read "
		    "in their place", n ? "; " : "", rep->chunks_damaged);
	if (rep->trailing && n < sizeof what)
		n += (size_t)snprintf(what + n, sizeof what - n, "%sit has bytes after its end that "
		    "were not written with it", n ? "; " : "");
	if (rep->complete)
		snprintf(lost, sizeof lost, "everything it carried arrived and was checked");
	else if (rep->have_total)
		snprintf(lost, sizeof lost, "%llu of its %llu envelopes were lost",
		    (unsigned long long)(rep->items_expected - rep->items),
		    (unsigned long long)rep->items_expected);
	else
		snprintf(lost, sizeof lost, "some of its envelopes were lost (how many, its missing end "
		    "would have said)");
	fprintf(c->err, "samizdat bundle import: the bundle is damaged: %s. The %llu envelopes of it "
	    "that were intact went through the usual checks; %s.%s\n", what,
	    (unsigned long long)rep->items, lost, rep->complete ? "" : " Ask for the bundle again.");
}

static int
import_cmd(sz_cli *c, int argc, char **argv)
{
	const char *passf = NULL;
	const sz_cli_opt opts[] = { { "--bundle-passphrase-file", true, &passf }, { NULL, false, NULL } };
	int npos = sz_cli_opts(c, argc, argv, opts);
	if (npos < 0)
		return SZ_EXIT_USAGE;
	if (npos != 1)
		return sz_cli_usage_error(c, "give one bundle file");
	char *pass = NULL;
	int r;
	if (passf != NULL && (r = read_pass_file(c, passf, &pass)) != SZ_OK)
		return sz_cli_usage_error(c, "cannot read a passphrase from %s", passf);
	int fd = sz_cli_open_input(c, argv[1]);
	if (fd < 0) {
		sz_secret_free(pass);
		return SZ_EXIT_FAIL;
	}
	sz_node *n;
	if ((r = sz_cli_node(c, &n)) != SZ_OK) {
		close(fd);
		sz_secret_free(pass);
		return sz_cli_fail(c, r, "cannot open the node");
	}
	struct stat sb;
	sz_progress p;
	sz_progress_start(&p, c, "import", fstat(fd, &sb) == 0 ? (uint64_t)sb.st_size : 0);
	sz_node_bundle_stats st;
	sz_bundle_report rep;
	r = sz_node_bundle_import(n, fd, pass, &st, &rep);
	sz_progress_end(&p, st.envelopes);
	close(fd);
	sz_secret_free(pass);
	if (c->json) {
		sz_jsonw_key(&c->jw, "found");
		sz_jsonw_u64(&c->jw, st.envelopes);
		sz_jsonw_key(&c->jw, "stored");
		sz_jsonw_u64(&c->jw, st.stored);
		sz_jsonw_key(&c->jw, "already_held");
		sz_jsonw_u64(&c->jw, st.skipped);
		sz_jsonw_key(&c->jw, "refused");
		sz_jsonw_u64(&c->jw, st.refused);
		sz_jsonw_key(&c->jw, "refused_by_kind");
		sz_jsonw_u64(&c->jw, st.refused_kind);
		sz_jsonw_key(&c->jw, "opened_by");
		sz_jsonw_str(&c->jw, rep.recipient < 0 ? "nothing" : st.cell == NULL ? "passphrase" :
		    "cell");
		if (st.cell != NULL) {
			sz_jsonw_key(&c->jw, "cell");
			sz_jsonw_str(&c->jw, sz_cell_name(st.cell));
		}
		sz_jsonw_key(&c->jw, "intact");
		sz_jsonw_bool(&c->jw, rep.intact);
		sz_jsonw_key(&c->jw, "complete");
		sz_jsonw_bool(&c->jw, rep.complete);
		if (rep.have_total) {
			sz_jsonw_key(&c->jw, "lost");
			sz_jsonw_u64(&c->jw, rep.items_expected - (rep.items < rep.items_expected ?
			    rep.items : rep.items_expected));
		}
		sz_jsonw_key(&c->jw, "chunks_damaged");
		sz_jsonw_u64(&c->jw, rep.chunks_damaged);
		sz_jsonw_key(&c->jw, "truncated");
		sz_jsonw_bool(&c->jw, rep.truncated);
		sz_jsonw_key(&c->jw, "trailing");
		sz_jsonw_bool(&c->jw, rep.trailing);
	}
	if (r != SZ_OK)
		return sz_cli_fail(c, r, sz_node_errmsg(n)[0] ? sz_node_errmsg(n) : "the bundle was not taken in");
	sz_cli_say(c, "Stored %llu new envelopes from %s (%llu already held, %llu refused).\n",
	    (unsigned long long)st.stored, argv[1], (unsigned long long)st.skipped,
	    (unsigned long long)st.refused);
	/* Say plainly what the bundle's kind may not carry: someone put it there on purpose. */
	bool one = st.refused_kind == 1;
	if (st.refused_kind > 0 && st.cell == NULL)
		sz_cli_say(c, "Refused %llu %s: a bundle opened with a passphrase may carry public "
		    "leaflets only (sealed envelopes in it could let whoever made it recognize this node "
		    "later).\n", (unsigned long long)st.refused_kind, one ?
		    "envelope that is not a public leaflet" : "envelopes that are not public leaflets");
	else if (st.refused_kind > 0)
		sz_cli_say(c, "Refused %llu %s of another of your cells: a bundle for the cell '%s' may "
		    "carry only its own envelopes and public leaflets.\n",
		    (unsigned long long)st.refused_kind, one ? "envelope" : "envelopes",
		    sz_cell_name(st.cell));
	if (!rep.intact) {
		damage_report(c, &rep);
		return SZ_EXIT_DATA;
	}
	return SZ_EXIT_OK;
}

const sz_cli_cmd sz_cli_bundle_cmds[] = {
	{ "export", export_cmd, "--to FILE (--cell NAME | --bundle-passphrase-file FILE) "
	    "[--since DATE] [--answer SUMMARY]", "write what the other side may lack, for a courier", NULL },
	{ "import", import_cmd, "FILE [--bundle-passphrase-file FILE]",
	    "take in a courier bundle (verifying everything)", NULL },
	{ "summary", summary_cmd, "--to FILE (--cell NAME | --bundle-passphrase-file FILE)",
	    "write what this node has, so the other side can answer with only what is missing", NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};
