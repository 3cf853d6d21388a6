/*
 * session_testlib.h - test nodes and in-memory session pairs for the sync unit tests
 * (session_test.c, recon_test.c); linked into this layer's unit tests only, never the library.
 */
#ifndef SZ_SYNC_SESSION_TESTLIB_H
#define SZ_SYNC_SESSION_TESTLIB_H

#include <stddef.h>
#include <stdint.h>

#include "lib/env.h"
#include "recon/riblt.h"
#include "sync/session.h"

#define MAXE 4096

typedef struct tnode {
	uint8_t *env[MAXE];
	size_t len[MAXE];
	uint8_t id[MAXE][32];
	size_t n;
	size_t stores;   /* store() calls */
	size_t refused;  /* envelopes store() refused as not under a shared label */
	int fail_store;  /* make store() fail (disk full) */
	size_t hidden_from; /* get() finds none at or past this index (deleted meanwhile); 0: none */
	/* the sketch it lends (built on first request, then kept current as a node would) */
	sz_riblt_sketch *sk;
	int lent;
	size_t gets, builds, sizes;
} tnode;

typedef struct pair {
	sz_env_seeded env;
	uint8_t ska[32], skb[32];
	sz_sync *a, *b;
} pair;

typedef struct sync_result {
	sz_sync_stats a, b;
} sync_result;

extern const uint8_t scopes_ab[2][16];

int t_add(tnode *t, const uint8_t *env, size_t len);

int t_list(void *ctx, const uint8_t scope[16], int (*fn)(void *, const uint8_t *), void *fctx);

int t_get(void *ctx, const uint8_t id[32], uint8_t **env, size_t *len);

/* Store what the peer sent, refusing (SZ_ERR_DENIED) an envelope whose scope is not one of the
 * shared labels, as a node refuses one it would not list under them. */
int t_store(void *ctx, const uint8_t (*shared)[16], size_t nshared, const uint8_t *const *envs,
    const size_t *lens, const uint8_t (*ids)[32], size_t n, int *results);

/* Lend the kept sketch; build it (from every id of the scopes) if there is none for this key. */
int t_sketch_get(void *ctx, const uint8_t (*scopes)[16], size_t n, const uint8_t key[16],
    sz_riblt_sketch **sk);

void t_sketch_put(void *ctx, sz_riblt_sketch *sk);

int t_sketch_size(void *ctx, const uint8_t (*scopes)[16], size_t n, const uint8_t key[16],
    size_t *size);

int t_find_prefix(void *ctx, const uint8_t *prefix, size_t len, uint8_t (*ids)[32],
    uint8_t (*scopes)[16], size_t max, size_t *n);

/* Store an envelope as a node does: and keep the lent sketch current. */
void t_add_kept(tnode *t, const uint8_t *env, size_t len);

void t_free(tnode *t);

/* A sealed envelope in scope with a unique body. */
void put_sealed(tnode *t, uint8_t scope_byte, uint32_t k, size_t size);

void t_start(pair *p, tnode *na, tnode *nb, const uint8_t (*sa)[16], size_t nsa,
    const uint8_t (*sb)[16], size_t nsb);

/* Replace one side of p (initiator: side 0) by a session over t, scopes s, speaking only
 * methods. */
void restart_side(pair *p, int side, tnode *t, const uint8_t (*s)[16], uint8_t methods);

/* Move bytes both ways until both finish or nothing moves; cut after max_bytes (0 = never);
 * call after(ctx) after each delivery if given. */
void t_run_cb(pair *p, size_t max_bytes, void (*after)(void *), void *ctx);

/* Deliver everything from waits for to. */
void deliver(sz_sync *from, sz_sync *to);

void t_run(pair *p, size_t max_bytes);

void fill_scope(uint8_t s[16], uint8_t b);

/* Two nodes holding envelopes 0..common-1 of scope 0xa1, then A also 5000.. (only_a of them) and
 * B also 6000.. (only_b). */
void two_nodes(tnode **na, tnode **nb, uint32_t common, uint32_t only_a, uint32_t only_b);

void two_free(tnode *na, tnode *nb);

/* Start a pair whose nodes lend their kept sketches; one session in salted_one_in is salted;
 * compact as in sz_sync_config, except that a value above 1 is compact_max. */
void start_lending(pair *p, tnode *na, tnode *nb, const uint8_t (*sc)[16], unsigned salted_one_in,
    int compact);

sync_result t_finish(pair *p);

/* Nodes a and b with common, only_a, only_b envelopes in one scope, lending their sketches:
 * one session (compact as in start_lending), its stats. */
sync_result lent_session(tnode **na, tnode **nb, uint32_t common, uint32_t only_a, uint32_t only_b,
    int compact);

#endif /* SZ_SYNC_SESSION_TESTLIB_H */
