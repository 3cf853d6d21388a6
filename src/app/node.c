/*
 * node.c - a node's lifecycle (create, unlock, lock, wipe), identity, and leaflets.
 * Layer: app.  Everything secret lives in the encrypted store and, while unlocked, in guarded
 * memory that is wiped when the node is closed.
 */
#include "app/node_int.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "lib/bytes.h"
#include "store/store.h"
#include "transport/torproc.h"
#include "wire/entry.h"
#include "wire/envelope.h"
#include "wire/identity.h"

static _Thread_local char last_error[256];

int
sz_node_fail(sz_node *n, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(n != NULL ? n->errmsg : last_error, n != NULL ? sizeof n->errmsg : sizeof last_error,
	    fmt, ap);
	va_end(ap);
	return err;
}

const char *
sz_node_errmsg(const sz_node *n)
{
	return n->errmsg;
}

const char *
sz_node_last_error(void)
{
	return last_error;
}

void
sz_node_close(sz_node *n)
{
	if (n == NULL)
		return;
	/* A node whose batch failed after its cells moved on keeps the states last committed. */
	if (n->store != NULL && !n->broken && sz_node_cells_save(n) != SZ_OK) {
		/* Nothing more can be done while locking; the states stay as last saved. */
	}
	sz_node_pool_free(n);
	sz_node_sendpage_free(n);
	sz_node_events_free(n);
	sz_node_cells_free(n);
	sz_node_sketches_free(n);
	sz_node_quar_free(n);
	sz_node_usage_free(n);
	sz_store_close(n->store);
	sz_secret_free(n->id_sk);
	sz_secret_free(n->id_xsk);
	sz_secret_free(n->tr_sk);
	free(n->home);
	sz_wipe(n, sizeof *n);
	free(n);
}

static int
node_alloc(sz_node **out, const char *home)
{
	sz_node *n = calloc(1, sizeof *n);
	*out = NULL;
	if (n == NULL)
		return SZ_ERR_NOMEM;
	n->env = sz_env_default();
	/* SAMIZDAT_LOG=1 notes on stderr why cells refuse or hold envelopes (never contents). */
	const char *lg = getenv("SAMIZDAT_LOG");
	n->log = lg != NULL && lg[0] == '1' ? stderr : NULL;
	n->home = strdup(home);
	n->id_sk = sz_secret_alloc(64);
	n->id_xsk = sz_secret_alloc(32);
	n->tr_sk = sz_secret_alloc(32);
	if (n->home == NULL || n->id_sk == NULL || n->id_xsk == NULL || n->tr_sk == NULL) {
		sz_node_close(n);
		return SZ_ERR_NOMEM;
	}
	*out = n;
	return SZ_OK;
}

/* Read a fixed-size secret from the store's key-value table. */
static int
kv_secret(sz_node *n, const char *name, uint8_t *dst, size_t len)
{
	sz_buf b = { 0 };
	int r = sz_store_kv_get(n->store, name, &b);
	if (r == SZ_OK && b.len != len)
		r = SZ_ERR_CORRUPT;
	if (r == SZ_OK)
		memcpy(dst, b.p, len);
	sz_buf_free(&b);
	return r;
}

static int
load_keys(sz_node *n)
{
	int r;
	if ((r = kv_secret(n, KV_IDENTITY, n->id_sk, 64)) != SZ_OK)
		return sz_node_fail(n, r, "the identity key is missing from the store");
	if ((r = kv_secret(n, KV_TRANSPORT, n->tr_sk, 32)) != SZ_OK)
		return sz_node_fail(n, r, "the transport key is missing from the store");
	memcpy(n->id_pk, n->id_sk + 32, 32);
	if ((r = sz_dh_public(n->tr_pk, n->tr_sk)) != SZ_OK)
		return r;
	if ((r = sz_sign_sk_to_dh(n->id_xsk, n->id_sk)) != SZ_OK)
		return r;
	return sz_node_cells_load(n);
}

int
sz_node_create(sz_node **out, const char *home, const char *pass, size_t passlen,
    const sz_node_opts *opts)
{
	sz_node *n;
	uint8_t seed[32];
	int r;
	*out = NULL;
	if ((r = node_alloc(&n, home)) != SZ_OK)
		return r;
	sz_store_opts so = { 0 };
	if (opts != NULL) {
		so.kdf_ops = opts->kdf_ops;
		so.kdf_mem_kib = opts->kdf_mem_kib;
	}
	so.env = n->env;
	if ((r = sz_store_create(&n->store, home, pass, passlen, &so)) != SZ_OK) {
		sz_node_fail(NULL, r, "%s", sz_store_last_error());
		goto fail;
	}
	sz_random(n->env, seed, sizeof seed);
	uint8_t pk[32];
	if ((r = sz_sign_seed_keypair(pk, n->id_sk, seed)) != SZ_OK)
		goto fail;
	sz_random(n->env, n->tr_sk, 32);
	if ((r = sz_store_kv_put(n->store, KV_IDENTITY, n->id_sk, 64)) != SZ_OK ||
	    (r = sz_store_kv_put(n->store, KV_TRANSPORT, n->tr_sk, 32)) != SZ_OK) {
		sz_node_fail(NULL, r, "%s", sz_store_errmsg(n->store));
		goto fail;
	}
	if ((r = load_keys(n)) != SZ_OK)
		goto fail;
	sz_wipe(seed, sizeof seed);
	*out = n;
	return SZ_OK;
fail:
	sz_wipe(seed, sizeof seed);
	sz_node_close(n);
	return r;
}

int
sz_node_open(sz_node **out, const char *home, const char *pass, size_t passlen)
{
	sz_node *n;
	int r;
	*out = NULL;
	if ((r = node_alloc(&n, home)) != SZ_OK)
		return r;
	sz_store_opts so = { .env = n->env };
	if ((r = sz_store_open(&n->store, home, pass, passlen, &so)) != SZ_OK) {
		sz_node_fail(NULL, r, "%s", sz_store_last_error());
		sz_node_close(n);
		return r;
	}
	/* A duress passphrase opens the decoy, an empty store: its keys come from the decoy's seed,
	 * drawn when the node was made, so its fingerprint is as old as the node's (and the same at
	 * every duress unlock). */
	sz_buf probe = { 0 };
	r = sz_store_kv_get(n->store, KV_IDENTITY, &probe);
	sz_buf_free(&probe);
	if (r == SZ_ERR_NOT_FOUND) {
		uint8_t seed[32], pk[32];
		if (!sz_store_is_decoy(n->store) ||
		    sz_store_decoy_key(n->store, "identity", seed) != SZ_OK ||
		    sz_store_decoy_key(n->store, "transport", n->tr_sk) != SZ_OK) {
			sz_random(n->env, seed, sizeof seed);
			sz_random(n->env, n->tr_sk, 32);
		}
		r = sz_sign_seed_keypair(pk, n->id_sk, seed);
		sz_wipe(seed, sizeof seed);
		if (r == SZ_OK)
			r = sz_store_kv_put(n->store, KV_IDENTITY, n->id_sk, 64);
		if (r == SZ_OK)
			r = sz_store_kv_put(n->store, KV_TRANSPORT, n->tr_sk, 32);
	}
	if (r == SZ_OK)
		r = load_keys(n);
	if (r != SZ_OK) {
		sz_node_fail(NULL, r, "%s", n->errmsg[0] ? n->errmsg : sz_store_errmsg(n->store));
		sz_node_close(n);
		return r;
	}
	*out = n;
	return SZ_OK;
}

int
sz_node_wipe(const char *home)
{
	/* Resolved first: the store's wipe removes the directory the name may be relative to. */
	char real[PATH_MAX];
	if (home == NULL || *home == '\0')
		return SZ_ERR_INVALID;
	const char *h = realpath(home, real) != NULL ? real : home;
	/* The keys first (the store's wipe syncs them before anything else). */
	int r = sz_store_wipe(h);
	/* Then what tor kept for this node, wherever it is (its state and log say when the node
	 * ran), and the directory itself if nothing else is in it. */
	if (sz_torproc_dir_remove(h) != SZ_OK && r == SZ_OK)
		r = SZ_ERR_IO;
	(void)rmdir(h);
	return r;
}

int
sz_node_set_duress(sz_node *n, const char *pass, size_t passlen)
{
	int r = sz_store_set_duress(n->store, pass, passlen);
	return r == SZ_OK ? SZ_OK : sz_node_fail(n, r, "%s", sz_store_errmsg(n->store));
}

int
sz_node_decoy_fingerprint(sz_node *n, char out[40])
{
	uint8_t seed[32], pk[32], sk[64];
	int r = sz_store_decoy_key(n->store, "identity", seed);
	if (r == SZ_OK)
		r = sz_sign_seed_keypair(pk, sk, seed);
	if (r == SZ_OK)
		r = sz_fingerprint(out, pk);
	sz_wipe(seed, sizeof seed);
	sz_wipe(sk, sizeof sk);
	return r == SZ_OK ? SZ_OK : sz_node_fail(n, r, "%s", sz_store_errmsg(n->store));
}

int
sz_node_change_passphrase(sz_node *n, const char *pass, size_t passlen,
    void (*progress)(void *ctx, uint64_t done, uint64_t total), void *ctx)
{
	int r = sz_store_change_passphrase(n->store, pass, passlen, progress, ctx);
	return r == SZ_OK ? SZ_OK : sz_node_fail(n, r, "%s", sz_store_errmsg(n->store)[0] ?
	    sz_store_errmsg(n->store) : sz_strerror(r));
}

int
sz_node_passphrase_is(sz_node *n, const char *pass, size_t passlen)
{
	int r = sz_store_passphrase_opens(n->store, pass, passlen);
	return r == SZ_OK || r == SZ_ERR_PASSPHRASE ? r : sz_node_fail(n, r, "%s", sz_strerror(r));
}

void
sz_node_identity(const sz_node *n, uint8_t pk[32])
{
	memcpy(pk, n->id_pk, 32);
}

int
sz_node_fingerprint(const sz_node *n, char out[40])
{
	return sz_fingerprint(out, n->id_pk);
}

/* --- leaflets --------------------------------------------------------------------------- */

int
sz_node_leaflet_publish(sz_node *n, const uint8_t *text, size_t len, uint8_t id[32])
{
	return sz_node_leaflet_publish_files(n, NULL, 0, text, len, id);
}

int
sz_node_leaflet_publish_files(sz_node *n, const sz_manifest *files, size_t nfiles,
    const uint8_t *text, size_t len, uint8_t id[32])
{
	uint8_t scope[SZ_SCOPE_BYTES], *heads = NULL, *entry = NULL, *env = NULL;
	size_t nheads = 0, elen, envlen;
	sz_buf body = { 0 };
	int r;
	/* A NUL first byte says "files follow" (wire/attach.h): no text may start with one. */
	if (len > 0 && text[0] == 0)
		return sz_node_fail(n, SZ_ERR_INVALID, "a leaflet's text cannot start with a NUL byte");
	if (nfiles > SZ_ATTACH_PER_ENTRY)
		return sz_node_fail(n, SZ_ERR_TOO_LARGE, "at most %d files in a leaflet",
		    SZ_ATTACH_PER_ENTRY);
	sz_leaflet_body_encode(&body, files, nfiles, text, len);
	if (body.err) {
		sz_buf_free(&body);
		return sz_node_fail(n, body.err, "the leaflet could not be made");
	}
	sz_env_public_scope(scope);
	if ((r = sz_store_heads(n->store, scope, SZ_ENTRY_MAX_PARENTS, &heads, &nheads)) != SZ_OK) {
		sz_buf_free(&body);
		return sz_node_fail(n, r, "%s", sz_store_errmsg(n->store));
	}
	r = sz_entry_build(&entry, &elen, id, SZ_KIND_LEAFLET, (const uint8_t(*)[32])heads, nheads,
	    sz_now_ms(n->env), body.p, body.len, n->id_sk);
	free(heads);
	sz_buf_free(&body);
	if (r != SZ_OK)
		return sz_node_fail(n, r, "the leaflet could not be made");
	if ((r = sz_env_wrap_public(&env, &envlen, entry, elen)) == SZ_OK) {
		const uint8_t *e = env;
		r = sz_node_ingest(n, &e, &envlen, 1, NULL);
	}
	free(entry);
	free(env);
	return r;
}

typedef struct leaf_walk {
	int (*fn)(void *ctx, const sz_leaflet *l);
	void *ctx;
} leaf_walk;

/* Decode a stored leaflet entry and hand it to fn. */
static int
show_entry(sz_node *n, const uint8_t id[32], const leaf_walk *w)
{
	uint8_t *bytes;
	size_t len;
	sz_entry e;
	int r = sz_store_get_entry(n->store, id, &bytes, &len, NULL, NULL);
	if (r != SZ_OK)
		return sz_node_fail(n, r, "%s", sz_store_errmsg(n->store));
	sz_body b;
	if ((r = sz_entry_decode(&e, NULL, bytes, len, 0)) == SZ_OK && e.kind == SZ_KIND_LEAFLET &&
	    sz_leaflet_body_decode(&b, e.body, e.body_len) == SZ_OK) {
		sz_leaflet l;
		memcpy(l.id, id, 32);
		memcpy(l.author, e.author, 32);
		l.time_ms = e.timestamp_ms;
		l.text = b.text;
		l.len = b.len;
		l.files = b.files;
		l.nfiles = b.nfiles;
		r = w->fn(w->ctx, &l);
	} else if (r == SZ_OK) {
		r = SZ_ERR_NOT_FOUND; /* a declaration or co-signature: not a leaflet */
	}
	free(bytes);
	return r;
}

int
sz_node_leaflet_list(sz_node *n, int (*fn)(void *ctx, const sz_leaflet *l), void *ctx)
{
	uint8_t scope[SZ_SCOPE_BYTES];
	sz_store_item *items;
	size_t count;
	leaf_walk w = { fn, ctx };
	sz_env_public_scope(scope);
	int r = sz_store_list_entries(n->store, scope, 0, UINT64_MAX, 0, &items, &count);
	if (r != SZ_OK)
		return sz_node_fail(n, r, "%s", sz_store_errmsg(n->store));
	for (size_t i = 0; i < count && r == SZ_OK; i++) {
		r = show_entry(n, items[i].id, &w);
		if (r == SZ_ERR_NOT_FOUND)
			r = SZ_OK;
	}
	free(items);
	return r;
}

int
sz_node_leaflet_find(sz_node *n, const char *hexprefix, int (*fn)(void *ctx, const sz_leaflet *l),
    void *ctx)
{
	uint8_t scope[SZ_SCOPE_BYTES], found[32];
	sz_store_item *items;
	size_t count, plen = strlen(hexprefix), hits = 0;
	leaf_walk w = { fn, ctx };
	if (plen < 8 || plen > 64)
		return sz_node_fail(n, SZ_ERR_INVALID, "give at least 8 hex digits of the id");
	sz_env_public_scope(scope);
	int r = sz_store_list_entries(n->store, scope, 0, UINT64_MAX, 0, &items, &count);
	if (r != SZ_OK)
		return sz_node_fail(n, r, "%s", sz_store_errmsg(n->store));
	for (size_t i = 0; i < count; i++) {
		char hex[65];
		sz_hex_encode(hex, items[i].id, 32);
		if (strncasecmp(hex, hexprefix, plen) == 0) {
			memcpy(found, items[i].id, 32);
			hits++;
		}
	}
	free(items);
	if (hits == 0)
		return sz_node_fail(n, SZ_ERR_NOT_FOUND, "no leaflet with an id starting %s", hexprefix);
	if (hits > 1)
		return sz_node_fail(n, SZ_ERR_EXISTS, "more than one leaflet has an id starting %s; "
		    "give more digits", hexprefix);
	return show_entry(n, found, &w);
}
