/*
 * node_bundle.c - courier bundles of a node: what goes in (the envelopes of one cell and the
 * public leaflets, since a date, minus what a summary says the other side has), who can open
 * them, and taking in only what the key that opened one may carry.  Layer: app.  The container
 * itself is sync/bundle.c; the rules are docs/PROTOCOL.md §9.
 */
#include "app/node_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cell/cell.h"
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

/* Collect the recipients' secrets and the scopes to carry: the public leaflets', then those of
 * cell (NULL: none). */
static int
recipients(sz_node *n, const char *cell, const char *passphrase, sz_bundle_writer *w,
    sz_buf *scopes)
{
	sz_buf secrets = { .secret = true };
	int r = SZ_OK;
	uint8_t pub[SZ_SCOPE_BYTES];
	sz_env_public_scope(pub);
	sz_buf_append(scopes, pub, sizeof pub);
	if (cell != NULL)
		r = sz_node_cells_bundle(n, cell, false, &secrets, scopes, NULL);
	for (size_t off = 0; r == SZ_OK && off < secrets.len; off += 32)
		r = sz_bundle_writer_add_recipient(w, secrets.p + off);
	if (r == SZ_OK && passphrase != NULL) {
		uint8_t salt[SZ_BUNDLE_SALT_BYTES], sec[32];
		sz_bundle_writer_salt(w, salt);
		r = sz_bundle_passphrase_secret(sec, passphrase, strlen(passphrase), salt);
		if (r == SZ_OK)
			r = sz_bundle_writer_add_recipient(w, sec);
		sz_wipe(sec, sizeof sec);
	}
	sz_buf_free(&secrets);
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

/* The cell whose bundle secret opened a bundle (rep->recipient indexes the candidates, whose
 * cells owners lists), or NULL if none did (the passphrase). */
static struct sz_cell *
opened_by(sz_node *n, const sz_bundle_report *rep, const sz_buf *owners)
{
	if (rep->recipient < 0 || (size_t)rep->recipient >= owners->len)
		return NULL;
	return n->cells[owners->p[rep->recipient]].cell;
}

int
sz_node_bundle_export(sz_node *n, int fd, const sz_node_bundle_spec *spec,
    sz_node_bundle_stats *st)
{
	sz_bundle_writer *w = NULL;
	sz_buf scopes = { 0 };
	summary_in sum = { 0 };
	const char *cell = spec->cell;
	uint64_t written = 0;
	int r;
	memset(st, 0, sizeof *st);
	if (spec->cell == NULL && spec->passphrase == NULL && spec->summary_fd < 0)
		return sz_node_fail(n, SZ_ERR_INVALID, "say who may open the bundle: a cell, or a passphrase");
	if (spec->summary_fd >= 0) {
		/* The other side's summary: only what it lacks goes in. */
		sz_buf cand = { .secret = true }, sc = { 0 }, own = { 0 };
		sz_bundle_io in = { NULL, sz_node_fd_read, (void *)&spec->summary_fd };
		sz_bundle_report rep;
		if ((r = sz_node_cells_bundle(n, NULL, true, &cand, &sc, &own)) == SZ_OK)
			r = sz_bundle_read(&in, (const uint8_t(*)[32])cand.p, cand.len / 32,
			    spec->passphrase, summary_item, &sum, &rep);
		if (r == SZ_OK && rep.kind != SZ_BUNDLE_SUMMARY)
			r = SZ_ERR_MALFORMED;
		/* A damaged summary is still answered: what it lost makes the answer longer (it then
		 * carries envelopes the other side has), never shorter. */
		st->summary_damaged = r == SZ_OK && !rep.intact;
		/* Answered for whom it was written: the cell whose key opened it.  Never for all my
		 * cells: a member of one would see my other cells' scope tags, and take in none of
		 * their envelopes (§9, Import). */
		if (r == SZ_OK && cell == NULL && spec->passphrase == NULL) {
			if ((st->cell = opened_by(n, &rep, &own)) == NULL)
				r = SZ_ERR_INVALID;
			else
				cell = sz_cell_name(st->cell);
		}
		sz_buf_free(&cand);
		sz_buf_free(&sc);
		sz_buf_free(&own);
		if (r != SZ_OK) {
			sz_idvec_free(&sum.have);
			return sz_node_fail(n, r, "the summary cannot be read");
		}
		sz_idvec_sort(&sum.have);
	}
	if (st->cell == NULL && cell != NULL)
		st->cell = sz_node_cell_find(n, cell);
	sz_bundle_io out = { sz_node_fd_write, NULL, &fd };
	int kind = spec->summary_only ? SZ_BUNDLE_SUMMARY : SZ_BUNDLE_ENVELOPES;
	if ((r = sz_bundle_writer_new(&w, &out, kind, NULL, 0, n->env, sz_now_ms(n->env))) != SZ_OK)
		goto out;
	if ((r = recipients(n, cell, spec->passphrase, w, &scopes)) != SZ_OK)
		goto out;
	for (size_t off = 0; off < scopes.len && r == SZ_OK; off += SZ_SCOPE_BYTES) {
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
			if (spec->max_bytes != 0 && written + len > spec->max_bytes) {
				st->left++; /* for another bundle (a smaller one may still fit) */
				free(env);
				continue;
			}
			r = sz_bundle_writer_add(w, env, len);
			free(env);
			written += len;
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

/* Import: what the bundle's kind may carry goes to the store in batches, each batch in one
 * transaction (as a sync session's: up to 4,096 envelopes, here or up to 4 MiB). */
#define IMPORT_MAX 4096
#define IMPORT_BYTES (4u << 20)
typedef struct import_ctx {
	sz_node *n;
	const sz_bundle_report *rep; /* recipient is known before the first item (bundle.h) */
	const sz_buf *owners;        /* the cell of each candidate secret */
	uint8_t **envs;              /* IMPORT_MAX each: the batch being read */
	size_t *lens;
	int *res;
	size_t count, bytes;
	/* The batch read before, checked on the pool (ahead) while this one is read; stored when
	 * this one is full, while this one's checks run. */
	uint8_t **henvs;
	size_t *hlens;
	size_t hcount;
	sz_node_ahead *hahead;       /* NULL: checked as it is stored */
	sz_node_bundle_stats *st;
} import_ctx;

/* May a bundle opened by this key carry env (an envelope of a bucket size)?  docs/PROTOCOL.md
 * §9, Import.  Public envelopes, whatever opened it: the store verifies them whole, and their
 * scope is the one every node shares.  Opened by the passphrase: nothing else, so no outsider
 * can make my node hold, and answer to, a scope of their choosing.  Opened by cell C's secret:
 * C's sealed envelopes, and those of a scope no cell of mine knows (an epoch the bundle's own
 * operations may teach C; sz_node_ingest decides what to keep of them); never those of
 * another of my cells. */
static bool
may_carry(const import_ctx *x, const uint8_t *env)
{
	sz_node *n = x->n;
	struct sz_cell *by = opened_by(n, x->rep, x->owners);
	if (env[0] == SZ_ENV_PUBLIC)
		return true;
	if (by == NULL)
		return false;
	if (env[0] != SZ_ENV_SEALED || sz_cell_owns(by, env + 1))
		return true; /* (another format: the store refuses it) */
	for (size_t i = 0; i < n->ncells; i++)
		if (n->cells[i].cell != by && sz_cell_owns(n->cells[i].cell, env + 1))
			return false;
	return true;
}

/* Store the batch held (one transaction), count what became of it, free it. */
static int
import_store_held(import_ctx *x)
{
	int *res = x->res, r = SZ_OK;
	sz_node_ahead *a = x->hahead;
	x->hahead = NULL;
	if (a != NULL)
		r = sz_node_ingest_ahead(x->n, a, res);
	else if (x->hcount > 0)
		r = sz_node_ingest(x->n, (const uint8_t *const *)x->henvs, x->hlens, x->hcount, res);
	for (size_t i = 0; i < x->hcount; i++) {
		if (r == SZ_OK && res[i] == SZ_OK)
			x->st->stored++;
		else if (r == SZ_OK && (res[i] == SZ_ERR_EXISTS || res[i] == SZ_ERR_EXPIRED))
			x->st->skipped++;
		else if (r == SZ_OK)
			x->st->refused++;
		free(x->henvs[i]);
	}
	x->hcount = 0;
	return r;
}

/* The batch read is full (or the bundle ended): start its checks on the pool, store the one
 * held before meanwhile, and hold this one. */
static int
import_flush(import_ctx *x)
{
	sz_node_ahead *a = x->count > 0 ? sz_node_check_ahead(x->n, NULL, 0,
	    (const uint8_t *const *)x->envs, x->lens, NULL, x->count) : NULL;
	int r = import_store_held(x);
	uint8_t **e = x->henvs;
	size_t *l = x->hlens;
	x->henvs = x->envs;
	x->hlens = x->lens;
	x->hcount = x->count;
	x->hahead = a;
	x->envs = e;
	x->lens = l;
	x->count = 0;
	x->bytes = 0;
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
	if (!may_carry(x, item)) {
		x->st->refused++;
		x->st->refused_kind++;
		return SZ_OK;
	}
	if ((x->envs[x->count] = malloc(len)) == NULL)
		return SZ_ERR_NOMEM;
	memcpy(x->envs[x->count], item, len);
	x->lens[x->count++] = len;
	x->bytes += len;
	return x->count == IMPORT_MAX || x->bytes >= IMPORT_BYTES ? import_flush(x) : SZ_OK;
}

int
sz_node_bundle_import(sz_node *n, int fd, const char *passphrase, sz_node_bundle_stats *st,
    sz_bundle_report *rep)
{
	sz_buf cand = { .secret = true }, sc = { 0 }, own = { 0 };
	import_ctx x = { .n = n, .st = st, .rep = rep, .owners = &own };
	sz_bundle_io in = { NULL, sz_node_fd_read, &fd };
	memset(st, 0, sizeof *st);
	memset(rep, 0, sizeof *rep);
	rep->recipient = -1;
	struct stat sb;
	int r;
	/* Only a regular file: a FIFO or a device could keep the reader (the daemon) waiting. */
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))
		return sz_node_fail(n, SZ_ERR_INVALID, "a bundle is read from a regular file only");
	x.envs = calloc(IMPORT_MAX, sizeof *x.envs);
	x.lens = calloc(IMPORT_MAX, sizeof *x.lens);
	x.henvs = calloc(IMPORT_MAX, sizeof *x.henvs);
	x.hlens = calloc(IMPORT_MAX, sizeof *x.hlens);
	x.res = calloc(IMPORT_MAX, sizeof *x.res);
	r = x.envs == NULL || x.lens == NULL || x.henvs == NULL || x.hlens == NULL ||
	    x.res == NULL ? SZ_ERR_NOMEM : sz_node_cells_bundle(n, NULL, true, &cand, &sc, &own);
	if (r != SZ_OK)
		goto out;
	r = sz_bundle_read(&in, (const uint8_t(*)[32])cand.p, cand.len / 32, passphrase, import_item,
	    &x, rep);
	if (r == SZ_OK)
		r = import_flush(&x);
	if (r == SZ_OK)
		r = import_store_held(&x);
	st->cell = opened_by(n, rep, &own);
	if (r == SZ_OK && rep->kind == SZ_BUNDLE_SUMMARY)
		r = sz_node_fail(n, SZ_ERR_INVALID, "this is a summary: answer it with 'samizdat "
		    "bundle export --answer FILE'");
	else if (r == SZ_ERR_DECRYPT)
		r = sz_node_fail(n, r, "no key of this node opens the bundle: it is not for you, or "
		    "it is damaged at its start");
	else if (r == SZ_ERR_UNSUPPORTED)
		r = sz_node_fail(n, r, "the bundle was written by an older samizdat (bundle version 1, "
		    "whose end could not be checked): ask for a new one");
out:
	sz_node_ahead_free(x.hahead); /* a batch held when reading failed: not stored */
	for (size_t i = 0; x.envs != NULL && i < x.count; i++)
		free(x.envs[i]);
	for (size_t i = 0; x.henvs != NULL && i < x.hcount; i++)
		free(x.henvs[i]);
	free(x.envs);
	free(x.lens);
	free(x.henvs);
	free(x.hlens);
	free(x.res);
	sz_buf_free(&cand);
	sz_buf_free(&sc);
	sz_buf_free(&own);
	return r;
}
