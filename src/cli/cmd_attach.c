/*
 * cmd_attach.c - files: what stripping removes (strip), attachments listed and written out.
 * Layer: cli.  Posts and leaflets take their attachments in cmd_post.c and cmd_leaflet.c.
 */
#include <stdio.h>
#include <string.h>

#include "samizdat.h"
#include "cli/cli.h"
#include "media/strip.h"

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
