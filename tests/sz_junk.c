/*
 * sz_junk.c - a member's node turned junk pusher, for tests/scenario/sync_privacy.t.  Not part of
 * the library.  It opens the node in HOME, dials HOST:PORT (loopback only) and runs one real sync
 * session as a member would, except that beside what it holds it lists COUNT envelopes sealed
 * under its first cell's current scope that open under no key.  Prints one line:
 *   status=done|failed error=<sz_err> sent=<n> peer_tokens=<n> peer_error=<text>
 * Usage: sz_junk HOME PASSFILE HOST:PORT COUNT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "app/node_int.h"
#include "cell/cell.h"
#include "crypto/crypto.h"
#include "transport/net.h"
#include "transport/tcpdial.h"
#include "wire/envelope.h"

#define MAXJ 1024

typedef struct junker {
	sz_node *n;
	sz_sync_hooks real;
	uint8_t label[16];
	uint8_t *env[MAXJ];
	size_t len[MAXJ];
	uint8_t id[MAXJ][32];
	size_t count;
} junker;

static int
j_list(void *ctx, const uint8_t label[16], int (*fn)(void *, const uint8_t *), void *fctx)
{
	junker *j = ctx;
	int r = j->real.list_ids(j->n, label, fn, fctx);
	if (memcmp(label, j->label, 16) == 0)
		for (size_t i = 0; i < j->count && r == SZ_OK; i++)
			r = fn(fctx, j->id[i]);
	return r;
}

static int
j_get(void *ctx, const uint8_t id[32], uint8_t **env, size_t *len)
{
	junker *j = ctx;
	for (size_t i = 0; i < j->count; i++)
		if (memcmp(j->id[i], id, 32) == 0) {
			if ((*env = malloc(j->len[i])) == NULL)
				return SZ_ERR_NOMEM;
			memcpy(*env, j->env[i], j->len[i]);
			*len = j->len[i];
			return SZ_OK;
		}
	return j->real.get(j->n, id, env, len);
}

static int
j_store(void *ctx, const uint8_t (*shared)[16], size_t nshared, const uint8_t *const *envs,
    const size_t *lens, const uint8_t (*ids)[32], size_t n, int *results)
{
	junker *j = ctx;
	return j->real.store(j->n, shared, nshared, envs, lens, ids, n, results);
}

static void
usage(void)
{
	fprintf(stderr, "usage: sz_junk HOME PASSFILE HOST:PORT COUNT\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	char pass[256], why[160];
	sz_addr a;
	sz_node *n = NULL;
	static junker j;
	if (argc != 5 || sz_init() != SZ_OK)
		usage();
	FILE *f = fopen(argv[2], "r");
	if (f == NULL || fgets(pass, sizeof pass, f) == NULL)
		usage();
	fclose(f);
	pass[strcspn(pass, "\n")] = '\0';
	if (sz_addr_parse(&a, argv[3], why, sizeof why) != SZ_OK || a.onion ||
	    (strcmp(a.host, "127.0.0.1") != 0 && strcmp(a.host, "::1") != 0))
		usage(); /* loopback only */
	j.count = strtoul(argv[4], NULL, 10);
	if (j.count > MAXJ)
		usage();
	if (sz_node_open(&n, argv[1], pass, strlen(pass)) != SZ_OK || n->ncells == 0) {
		fprintf(stderr, "sz_junk: cannot open a node in a cell at %s\n", argv[1]);
		return 1;
	}
	uint8_t sc[64][16];
	size_t k = 0;
	if (sz_cell_scopes(n->cells[0].cell, sc, 64, &k) != SZ_OK || k == 0)
		return 1;
	j.n = n;
	memcpy(j.label, n->cells[0].label, 16);
	for (size_t i = 0; i < j.count; i++) {
		uint8_t key[32], nonce[24], body[200];
		randombytes_buf(key, sizeof key);
		randombytes_buf(nonce, sizeof nonce);
		randombytes_buf(body, sizeof body);
		if (sz_env_seal(&j.env[i], &j.len[i], sc[0], body, sizeof body, key, nonce) != SZ_OK ||
		    sz_env_id(j.id[i], j.env[i], j.len[i]) != SZ_OK)
			return 1;
	}
	sz_sync_config cfg;
	void *mem = NULL;
	sz_sync *s = NULL;
	int fd = -1;
	if (sz_node_sync_config(n, SZ_NOISE_INITIATOR, &cfg, &mem) != SZ_OK)
		return 1;
	j.real = cfg.hooks;
	cfg.hooks.ctx = &j;
	cfg.hooks.list_ids = j_list;
	cfg.hooks.get = j_get;
	cfg.hooks.store = j_store;
	cfg.hooks.sketch_get = NULL; /* the junk is in no kept sketch: build one from the listing */
	cfg.hooks.sketch_put = NULL;
	cfg.hooks.sketch_size = NULL;
	cfg.hooks.find_prefix = NULL;
	if (sz_sync_new(&s, &cfg) != SZ_OK || sz_tcpdial_connect(a.host, a.port, 10000, &fd) != SZ_OK)
		return 1;
	sz_node_sync_config_free(mem);
	int r = sz_link_run(fd, s, NULL, NULL);
	sz_sync_stats st;
	sz_sync_get_stats(s, &st);
	printf("status=%s error=%d sent=%llu peer_tokens=%llu peer_error=%s\n",
	    r == SZ_OK ? "done" : "failed", r, (unsigned long long)st.sent,
	    (unsigned long long)st.peer_tokens, sz_sync_peer_error(s));
	close(fd);
	sz_sync_free(s);
	for (size_t i = 0; i < j.count; i++)
		free(j.env[i]);
	sz_node_close(n);
	return 0;
}
