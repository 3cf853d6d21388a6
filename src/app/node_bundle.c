/*
 * node_bundle.c - courier bundles of a node: what goes in (the envelopes of the chosen cells and
 * the public leaflets, since a date, minus what a summary says the other side has), who can open
 * them, and taking them in.  Layer: app.  The container itself is sync/bundle.c.
 */
#include "app/node_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "sync/bundle.h"
#include "lib/idvec.h"
#include "wire/envelope.h"

int
sz_node_fd_write(void *ctx, const uint8_t *p, size_t n)
{
	int fd = *(int *)ctx;
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errno == ENOSPC || errno == EFBIG || errno == EDQUOT ? SZ_ERR_DISK_FULL :
			    SZ_ERR_IO;
		p += w;
		n -= (size_t)w;
	}
	return SZ_OK;
}

long
sz_node_fd_read(void *ctx, uint8_t *p, size_t n)
{
	int fd = *(int *)ctx;
	for (;;) {
		ssize_t k = read(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		return k < 0 ? -1 : (long)k;
	}
}

/* Collect the recipients' secrets and the scopes to carry. */
static int
recipients(sz_node *n, const sz_node_bundle_spec *spec, sz_bundle_writer *w, sz_buf *scopes)
{
	sz_buf secrets = { .secret = true };
	int r = SZ_OK;
	uint8_t pub[SZ_SCOPE_BYTES];
	sz_env_public_scope(pub);
	sz_buf_append(scopes, pub, sizeof pub);
	for (size_t i = 0; i < spec->ncells && r == SZ_OK; i++)
		r = sz_node_cells_bundle(n, spec->cells[i], false, &secrets, scopes);
	for (size_t off = 0; r == SZ_OK && off < secrets.len; off += 32)
		r = sz_bundle_writer_add_recipient(w, secrets.p + off);
	if (r == SZ_OK && spec->passphrase != NULL) {
		uint8_t salt[SZ_BUNDLE_SALT_BYTES], sec[32];
		sz_bundle_writer_salt(w, salt);
		r = sz_bundle_passphrase_secret(sec, spec->passphrase, strlen(spec->passphrase), salt);
		if (r == SZ_OK)
			r = sz_bundle_writer_add_recipient(w, sec);
		sz_wipe(sec, sizeof sec);
	}
	sz_buf_free(&secrets);
	if (r == SZ_ERR_LIMIT)
		r = sz_node_fail(n, r, "a bundle has room for 8 keys: name fewer cells");
	return r;
}

/* Summary records (scope[16] || id[32]) the other side sent, as a sorted id vector. */
typedef struct summary_in {
	sz_idvec have;
	size_t bad;
} summary_in;

static int
summary_item(void *ctx, const uint8_t *item, size_t len)
{
	summary_in *s = ctx;
	if (len != 48) {
		s->bad++;
		return SZ_OK;
	}
	return sz_idvec_push(&s->have, item + 16, item);
}

int
sz_node_bundle_export(sz_node *n, int fd, const sz_node_bundle_spec *spec,
    sz_node_bundle_stats *st)
{
	sz_bundle_writer *w = NULL;
	sz_buf scopes = { 0 };
	summary_in sum = { 0 };
	int r;
	memset(st, 0, sizeof *st);
	if (spec->ncells == 0 && spec->passphrase == NULL)
		return sz_node_fail(n, SZ_ERR_INVALID, "say who may open the bundle: a cell, or a passphrase");
	if (spec->summary_fd >= 0) {
		/* The other side's summary: only what it lacks goes in. */
		sz_buf cand = { .secret = true }, sc = { 0 };
		sz_bundle_io in = { NULL, sz_node_fd_read, (void *)&spec->summary_fd };
		sz_bundle_report rep;
		if ((r = sz_node_cells_bundle(n, NULL, true, &cand, &sc)) == SZ_OK)
			r = sz_bundle_read(&in, (const uint8_t(*)[32])cand.p, cand.len / 32,
			    spec->passphrase, summary_item, &sum, &rep);
		sz_buf_free(&cand);
		sz_buf_free(&sc);
		if (r == SZ_OK && rep.kind != SZ_BUNDLE_SUMMARY)
			r = SZ_ERR_MALFORMED;
		if (r != SZ_OK) {
			sz_idvec_free(&sum.have);
			return sz_node_fail(n, r, "the summary cannot be read");
		}
		sz_idvec_sort(&sum.have);
	}
	sz_bundle_io out = { sz_node_fd_write, NULL, &fd };
	int kind = spec->summary_only ? SZ_BUNDLE_SUMMARY : SZ_BUNDLE_ENVELOPES;
	if ((r = sz_bundle_writer_new(&w, &out, kind, NULL, 0, n->env, sz_now_ms(n->env))) != SZ_OK)
		goto out;
	if ((r = recipients(n, spec, w, &scopes)) != SZ_OK)
		goto out;
	for (size_t off = 0; off < scopes.len && r == SZ_OK; off += SZ_SCOPE_BYTES) {
		if (spec->summary_only == false && spec->passphrase != NULL && spec->ncells == 0 && off > 0)
			break; /* a passphrase bundle carries public leaflets only */
		sz_store_item *items;
		size_t count;
		r = sz_store_list_envelopes(n->store, scopes.p + off, spec->since_ms, UINT64_MAX, 0,
		    &items, &count);
		for (size_t i = 0; i < count && r == SZ_OK; i++) {
			if (spec->summary_only) {
				uint8_t rec[48];
				memcpy(rec, scopes.p + off, 16);
				memcpy(rec + 16, items[i].id, 32);
				r = sz_bundle_writer_add(w, rec, sizeof rec);
				st->envelopes++;
				continue;
			}
			if (sz_idvec_find(&sum.have, items[i].id) != NULL) {
				st->skipped++;
				continue;
			}
			uint8_t *env;
			size_t len;
			if ((r = sz_store_get_envelope(n->store, items[i].id, &env, &len)) != SZ_OK)
				break;
			r = sz_bundle_writer_add(w, env, len);
			free(env);
			st->envelopes++;
		}
		free(items);
	}
	if (r == SZ_OK)
		r = sz_bundle_writer_finish(w);
	if (r == SZ_OK)
		st->bytes = sz_bundle_writer_bytes(w);
	if (r != SZ_OK && n->errmsg[0] == '\0')
		sz_node_fail(n, r, r == SZ_ERR_DISK_FULL ? "the disk is full" : "the bundle was not written");
out:
	sz_bundle_writer_free(w);
	sz_buf_free(&scopes);
	sz_idvec_free(&sum.have);
	return r;
}

/* Import: envelopes go to the store in batches, each batch in one transaction. */
typedef struct import_ctx {
	sz_node *n;
	uint8_t *envs[64];
	size_t lens[64];
	size_t count;
	sz_node_bundle_stats *st;
	int err;
} import_ctx;

static int
import_flush(import_ctx *x)
{
	int res[64];
	if (x->count == 0)
		return SZ_OK;
	int r = sz_node_ingest(x->n, (const uint8_t *const *)x->envs, x->lens, x->count, res);
	for (size_t i = 0; i < x->count; i++) {
		if (r == SZ_OK && res[i] == SZ_OK)
			x->st->stored++;
		else if (r == SZ_OK && (res[i] == SZ_ERR_EXISTS || res[i] == SZ_ERR_EXPIRED))
			x->st->skipped++;
		else if (r == SZ_OK)
			x->st->refused++;
		free(x->envs[i]);
	}
	x->count = 0;
	return r;
}

static int
import_item(void *ctx, const uint8_t *item, size_t len)
{
	import_ctx *x = ctx;
	x->st->envelopes++;
	if (sz_env_bucket_for(len) != len) {
		x->st->refused++;
		return SZ_OK;
	}
	if ((x->envs[x->count] = malloc(len)) == NULL)
		return SZ_ERR_NOMEM;
	memcpy(x->envs[x->count], item, len);
	x->lens[x->count++] = len;
	return x->count == 64 ? import_flush(x) : SZ_OK;
}

int
sz_node_bundle_import(sz_node *n, int fd, const char *passphrase, sz_node_bundle_stats *st,
    sz_bundle_report *rep)
{
	sz_buf cand = { .secret = true }, sc = { 0 };
	import_ctx x = { .n = n, .st = st };
	memset(st, 0, sizeof *st);
	int r = sz_node_cells_bundle(n, NULL, true, &cand, &sc);
	sz_buf_free(&sc);
	if (r != SZ_OK) {
		sz_buf_free(&cand);
		return r;
	}
	sz_bundle_io in = { NULL, sz_node_fd_read, &fd };
	r = sz_bundle_read(&in, (const uint8_t(*)[32])cand.p, cand.len / 32, passphrase, import_item,
	    &x, rep);
	sz_buf_free(&cand);
	if (r == SZ_OK)
		r = import_flush(&x);
	for (size_t i = 0; i < x.count; i++)
		free(x.envs[i]);
	if (r == SZ_OK && rep->kind == SZ_BUNDLE_SUMMARY)
		return sz_node_fail(n, SZ_ERR_INVALID, "this is a summary: answer it with 'samizdat "
		    "bundle export --answer FILE'");
	if (r == SZ_ERR_DECRYPT)
		return sz_node_fail(n, r, "no key of this node opens the bundle: it is not for you, or "
		    "it is damaged at its start");
	return r;
}
