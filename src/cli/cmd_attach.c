/*
 * cmd_attach.c - files: what stripping removes (strip), attaching them (for post and leaflet
 * publish), showing them with their state, writing one out (save), listing them all (files),
 * the quotas (quota).  Layer: cli.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "samizdat.h"
#include "app/node_int.h"
#include "cell/cell.h"
#include "cli/cli.h"
#include "media/strip.h"
#include "store/chunks.h"

/* Say what stripping did to path (and what it could not do). */
static void
say_stripped(sz_cli *c, const char *path, const sz_strip_report *rep)
{
	char what[400];
	sz_strip_describe(rep->removed, what, sizeof what);
	sz_cli_say(c, "%s (%s): removed %s.\n", path, sz_media_name(rep->type), what);
	if (rep->residual & SZ_STRIP_RES_EMBEDDED)
		fprintf(c->err, "samizdat %s: %s carries files or pictures of its own whose metadata "
		    "stays in them.\n", c->cmdname, path);
	if (rep->residual & SZ_STRIP_RES_SIGNED)
		fprintf(c->err, "samizdat %s: %s is digitally signed: the signature names its signer "
		    "(and no longer matches).\n", c->cmdname, path);
}

int
sz_cli_strip(sz_cli *c, int argc, char **argv)
{
	int npos = sz_cli_opts(c, argc, argv, NULL);
	if (npos < 0)
		return SZ_EXIT_USAGE;
	if (npos != 2)
		return sz_cli_usage_error(c, "give the file and where to write the stripped copy");
	sz_buf in = { 0 }, out = { 0 };
	sz_strip_report rep;
	int r = sz_cli_read_file(c, argv[1], SZ_STRIP_MAX_INPUT, &in);
	if (r != SZ_OK) {
		sz_buf_free(&in);
		return sz_cli_exit_code(r);
	}
	r = sz_strip(in.p, in.len, &out, &rep);
	sz_buf_free(&in);
	if (r == SZ_ERR_UNSUPPORTED) {
		fprintf(c->err, "samizdat strip: %s is a %s samizdat cannot clean (it cleans JPEG and "
		    "PNG pictures and PDF documents).\n", argv[1], rep.type == SZ_MEDIA_OTHER ?
		    "type of file" : "variant of its type");
		return SZ_EXIT_FAIL;
	}
	if (r != SZ_OK) {
		sz_buf_free(&out);
		return sz_cli_fail(c, r, "the file could not be cleaned: it looks damaged");
	}
	r = sz_cli_write_file(c, argv[2], out.p, out.len);
	if (r == SZ_OK)
		say_stripped(c, argv[1], &rep);
	if (r == SZ_OK && c->json) {
		sz_jsonw_key(&c->jw, "type");
		sz_jsonw_str(&c->jw, sz_media_ext(rep.type));
		sz_jsonw_key(&c->jw, "removed");
		sz_jsonw_u64(&c->jw, rep.removed);
		sz_jsonw_key(&c->jw, "residual");
		sz_jsonw_u64(&c->jw, rep.residual);
		sz_jsonw_key(&c->jw, "bytes");
		sz_jsonw_u64(&c->jw, out.len);
	}
	sz_buf_free(&out);
	return r == SZ_OK ? SZ_EXIT_OK : sz_cli_exit_code(r);
}

/* --- attaching ------------------------------------------------------------------------- */

int
sz_cli_attach(sz_cli *c, sz_node *n, sz_cell *cell, const char *const *paths, size_t np,
    bool as_is, sz_manifest *m)
{
	for (size_t i = 0; i < np; i++) {
		sz_buf in = { 0 };
		sz_strip_report rep;
		int r = sz_cli_read_file(c, paths[i], SZ_STRIP_MAX_INPUT, &in);
		if (r != SZ_OK) {
			sz_buf_free(&in);
			return sz_cli_exit_code(r); /* said already */
		}
		r = sz_node_attach(n, cell, in.p, in.len, as_is, &m[i], &rep);
		sz_buf_free(&in);
		if (r != SZ_OK) {
			fprintf(c->err, "samizdat %s: %s: %s.\n", c->cmdname, paths[i], sz_node_errmsg(n));
			if (r == SZ_ERR_UNSUPPORTED || r == SZ_ERR_DENIED)
				fprintf(c->err, "samizdat %s: add --as-is to send it with whatever it says "
				    "about you (who made it, where, when, with what).\n", c->cmdname);
			return r == SZ_ERR_DENIED || r == SZ_ERR_UNSUPPORTED ? SZ_EXIT_FAIL :
			    sz_cli_exit_code(r);
		}
		if (rep.type == SZ_MEDIA_OTHER)
			sz_cli_say(c, "%s: sent as it is, metadata and all (you said so).\n", paths[i]);
		else
			say_stripped(c, paths[i], &rep);
	}
	return SZ_EXIT_OK;
}

/* "2.3 MiB", "840 KiB", "12 bytes" */
static void
size_words(char *out, size_t n, uint64_t b)
{
	if (b >= (1u << 20))
		snprintf(out, n, "%.1f MiB", (double)b / (1u << 20));
	else if (b >= 1024)
		snprintf(out, n, "%.1f KiB", (double)b / 1024);
	else
		snprintf(out, n, "%llu bytes", (unsigned long long)b);
}

static const char *
state_name(int s)
{
	return s == SZ_STORE_FILE_COMPLETE ? "complete" : s == SZ_STORE_FILE_DAMAGED ? "damaged" :
	    "incomplete";
}

void
sz_cli_show_files(sz_cli *c, sz_node *n, const sz_manifest *m, size_t k, int indent)
{
	if (c->json) {
		sz_jsonw_key(&c->jw, "files");
		sz_jsonw_arr_begin(&c->jw);
	}
	for (size_t i = 0; i < k; i++) {
		sz_node_file_state st;
		char hex[65], size[32];
		if (sz_node_file_check(n, &m[i], &st) != SZ_OK)
			memset(&st, 0, sizeof st);
		sz_hex_encode(hex, m[i].hash, 32);
		size_words(size, sizeof size, m[i].size);
		if (c->json) {
			sz_jsonw_obj_begin(&c->jw);
			sz_jsonw_key(&c->jw, "id");
			sz_jsonw_str(&c->jw, hex);
			sz_jsonw_key(&c->jw, "type");
			sz_jsonw_str(&c->jw, sz_media_ext(m[i].type));
			sz_jsonw_key(&c->jw, "bytes");
			sz_jsonw_u64(&c->jw, m[i].size);
			sz_jsonw_key(&c->jw, "state");
			sz_jsonw_str(&c->jw, state_name(st.state));
			sz_jsonw_key(&c->jw, "have");
			sz_jsonw_u64(&c->jw, st.have);
			sz_jsonw_key(&c->jw, "parts");
			sz_jsonw_u64(&c->jw, st.total);
			sz_jsonw_key(&c->jw, "as_is");
			sz_jsonw_bool(&c->jw, (m[i].flags & SZ_MANIFEST_AS_IS) != 0);
			sz_jsonw_obj_end(&c->jw);
			continue;
		}
		fprintf(c->out, "%*s  [file %.16s] %s, %s%s: ", indent, "", hex, sz_media_name(m[i].type),
		    size, m[i].flags & SZ_MANIFEST_AS_IS ? ", with metadata its sender accepted" : "");
		if (st.state == SZ_STORE_FILE_COMPLETE)
			fprintf(c->out, "complete ('samizdat save %.16s FILE')\n", hex);
		else if (st.state == SZ_STORE_FILE_DAMAGED)
			fprintf(c->out, "damaged: its parts do not match what its author signed\n");
		else
			fprintf(c->out, "incomplete, %u of %u parts here\n", st.have, st.total);
	}
	if (c->json)
		sz_jsonw_arr_end(&c->jw);
}

/* --- save -------------------------------------------------------------------------------- */

static int
write_fd(void *ctx, const uint8_t *p, size_t len)
{
	int fd = *(int *)ctx;
	while (len > 0) {
		ssize_t k = write(fd, p, len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return errno == ENOSPC ? SZ_ERR_DISK_FULL : SZ_ERR_IO;
		p += k;
		len -= (size_t)k;
	}
	return SZ_OK;
}

int
sz_cli_save(sz_cli *c, int argc, char **argv)
{
	int npos = sz_cli_opts(c, argc, argv, NULL);
	if (npos < 0)
		return SZ_EXIT_USAGE;
	if (npos != 2)
		return sz_cli_usage_error(c, "give the file's id (8 or more hex digits) and where to "
		    "write it");
	sz_node *n;
	sz_manifest m;
	struct stat sb;
	char tmp[4096];
	int r = sz_cli_node(c, &n);
	if (r != SZ_OK)
		return sz_cli_fail(c, r, "cannot open the node");
	if ((r = sz_node_file_find(n, argv[1], &m)) != SZ_OK)
		return sz_cli_fail(c, r, sz_node_errmsg(n));
	if (lstat(argv[2], &sb) == 0) {
		fprintf(c->err, "samizdat save: %s exists; give a new name.\n", argv[2]);
		return SZ_EXIT_FAIL;
	}
	if ((size_t)snprintf(tmp, sizeof tmp, "%s.part", argv[2]) >= sizeof tmp)
		return sz_cli_usage_error(c, "the name is too long");
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		fprintf(c->err, "samizdat save: cannot write %s: %s\n", tmp, strerror(errno));
		return SZ_EXIT_FAIL;
	}
	/* Chunk by chunk, each checked; under its name only once the whole hash matched. */
	r = sz_node_file_write(n, &m, write_fd, &fd);
	if (r == SZ_OK && fsync(fd) != 0)
		r = SZ_ERR_IO;
	close(fd);
	if (r == SZ_OK && link(tmp, argv[2]) != 0)
		r = errno == EEXIST ? SZ_ERR_EXISTS : SZ_ERR_IO;
	unlink(tmp);
	if (r == SZ_ERR_AGAIN) {
		fprintf(c->err, "samizdat save: %s.  The rest comes with the next syncs or bundles.\n",
		    sz_node_errmsg(n));
		return SZ_EXIT_FAIL;
	}
	if (r != SZ_OK)
		return sz_cli_fail(c, r, sz_node_errmsg(n)[0] ? sz_node_errmsg(n) : "not written");
	char size[32], hex[65];
	size_words(size, sizeof size, m.size);
	sz_hex_encode(hex, m.hash, 32);
	sz_cli_say(c, "Wrote %s (%s, %s), checked against its hash.\n", argv[2], sz_media_name(m.type),
	    size);
	if (c->json) {
		sz_jsonw_key(&c->jw, "id");
		sz_jsonw_str(&c->jw, hex);
		sz_jsonw_key(&c->jw, "bytes");
		sz_jsonw_u64(&c->jw, m.size);
	}
	return SZ_EXIT_OK;
}

/* --- files ------------------------------------------------------------------------------- */

typedef struct files_ctx {
	sz_cli *c;
	sz_node *n;
	size_t count;
} files_ctx;

/* The owner of a file, as a person names it: a cell's name, or "leaflets". */
static const char *
owner_name(sz_node *n, const uint8_t ctx[16])
{
	uint8_t pub[16], sc[16];
	sz_env_public_scope(pub);
	if (memcmp(ctx, pub, 16) == 0)
		return "leaflets";
	for (size_t i = 0; i < n->ncells; i++) {
		sz_node_cell_local_scope(n->cells[i].cell, sc);
		if (memcmp(sc, ctx, 16) == 0)
			return sz_cell_name(n->cells[i].cell);
	}
	return "a cell you are no longer in";
}

static int
files_row(void *fctx, const sz_store_file *f)
{
	files_ctx *x = fctx;
	sz_manifest m;
	char when[32], eid[17];
	if (sz_manifest_decode(&m, f->manifest, sizeof f->manifest) != SZ_OK)
		return SZ_OK;
	x->count++;
	sz_cli_short_id(eid, f->entry_id);
	sz_cli_time(when, sizeof when, f->time_ms);
	if (x->c->json) {
		sz_jsonw_obj_begin(&x->c->jw);
		sz_jsonw_key(&x->c->jw, "in");
		sz_jsonw_str(&x->c->jw, owner_name(x->n, f->ctx));
		sz_jsonw_key(&x->c->jw, "entry");
		sz_jsonw_str(&x->c->jw, eid);
		sz_cli_show_files(x->c, x->n, &m, 1, 0);
		sz_jsonw_obj_end(&x->c->jw);
		return SZ_OK;
	}
	fprintf(x->c->out, "%s  in %s, %s %s\n", when, owner_name(x->n, f->ctx),
	    memcmp(owner_name(x->n, f->ctx), "leaflets", 9) == 0 ? "leaflet" : "post", eid);
	sz_cli_show_files(x->c, x->n, &m, 1, 0);
	return SZ_OK;
}

int
sz_cli_files(sz_cli *c, int argc, char **argv)
{
	int npos = sz_cli_opts(c, argc, argv, NULL);
	if (npos < 0)
		return SZ_EXIT_USAGE;
	if (npos > 1)
		return sz_cli_usage_error(c, "give at most a cell's name");
	sz_node *n;
	sz_cell *cell = NULL;
	uint8_t ctx[16];
	int r = sz_cli_node(c, &n);
	if (r != SZ_OK)
		return sz_cli_fail(c, r, "cannot open the node");
	if (npos == 1) {
		if ((cell = sz_node_cell_find(n, argv[1])) == NULL) {
			fprintf(c->err, "samizdat files: you are in no cell named '%s'.\n", argv[1]);
			return SZ_EXIT_NOT_MEMBER;
		}
		sz_node_cell_local_scope(cell, ctx);
	}
	files_ctx x = { c, n, 0 };
	if (c->json) {
		sz_jsonw_key(&c->jw, "attachments");
		sz_jsonw_arr_begin(&c->jw);
	}
	r = sz_store_files_list(n->store, cell ? ctx : NULL, files_row, &x);
	if (c->json)
		sz_jsonw_arr_end(&c->jw);
	if (r != SZ_OK)
		return sz_cli_fail(c, r, sz_store_errmsg(n->store));
	if (x.count == 0)
		sz_cli_say(c, "No files yet.\n");
	return SZ_EXIT_OK;
}

/* --- quota ------------------------------------------------------------------------------- */

/* "2G", "500M", "64K", "1000": bytes, at least 1 MiB and at most 1 TiB. */
static int
parse_size(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || s[0] == '-')
		return SZ_ERR_INVALID;
	uint64_t mul = 1;
	switch (*end) {
	case 'K': case 'k': mul = 1ull << 10; end++; break;
	case 'M': case 'm': mul = 1ull << 20; end++; break;
	case 'G': case 'g': mul = 1ull << 30; end++; break;
	case '\0': break;
	default: return SZ_ERR_INVALID;
	}
	if (*end == 'i' || *end == 'B')
		end += *end == 'i' ? 1 : 0;
	if (*end == 'B')
		end++;
	if (*end != '\0' || v > (1ull << 40) / mul || v * mul < (1ull << 20))
		return SZ_ERR_INVALID;
	*out = v * mul;
	return SZ_OK;
}

int
sz_cli_quota(sz_cli *c, int argc, char **argv)
{
	const char *node = NULL, *each = NULL;
	const sz_cli_opt opts[] = { { "--node", true, &node }, { "--each", true, &each },
		{ NULL, false, NULL } };
	int npos = sz_cli_opts(c, argc, argv, opts);
	if (npos < 0)
		return SZ_EXIT_USAGE;
	if (npos != 0)
		return sz_cli_usage_error(c, "takes only --node SIZE and --each SIZE");
	sz_node *n;
	sz_node_quota q;
	int r = sz_cli_node(c, &n);
	if (r != SZ_OK)
		return sz_cli_fail(c, r, "cannot open the node");
	if ((r = sz_node_quota_get(n, &q)) != SZ_OK)
		return sz_cli_fail(c, r, "the quota cannot be read");
	if ((node != NULL && parse_size(node, &q.node) != SZ_OK) ||
	    (each != NULL && parse_size(each, &q.each) != SZ_OK))
		return sz_cli_usage_error(c, "a size is a number of bytes, or of K, M or G (1M to 1024G)");
	if ((node != NULL || each != NULL) && (r = sz_node_quota_set(n, &q)) != SZ_OK)
		return sz_cli_fail(c, r, sz_node_errmsg(n));
	uint64_t used = 0, pub = 0;
	uint8_t ps[16];
	sz_env_public_scope(ps);
	if ((r = sz_node_usage(n, NULL, &used)) != SZ_OK || (r = sz_node_usage(n, ps, &pub)) != SZ_OK)
		return sz_cli_fail(c, r, "the files held cannot be counted");
	char a[32], b[32], e[32];
	size_words(a, sizeof a, used);
	size_words(b, sizeof b, q.node);
	size_words(e, sizeof e, q.each);
	sz_cli_say(c, "Files: %s held of %s for this node; at most %s for each cell and for "
	    "leaflets.\n", a, b, e);
	size_words(a, sizeof a, pub);
	sz_cli_say(c, "  leaflets: %s\n", a);
	for (size_t i = 0; i < n->ncells; i++) {
		uint8_t sc[16];
		uint64_t u = 0;
		sz_node_cell_local_scope(n->cells[i].cell, sc);
		if (sz_node_usage(n, sc, &u) == SZ_OK) {
			size_words(a, sizeof a, u);
			sz_cli_say(c, "  %s: %s\n", sz_cell_name(n->cells[i].cell), a);
		}
	}
	if (c->json) {
		sz_jsonw_key(&c->jw, "node");
		sz_jsonw_u64(&c->jw, q.node);
		sz_jsonw_key(&c->jw, "each");
		sz_jsonw_u64(&c->jw, q.each);
		sz_jsonw_key(&c->jw, "used");
		sz_jsonw_u64(&c->jw, used);
	}
	return SZ_EXIT_OK;
}
