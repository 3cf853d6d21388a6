/*
 * node_testlib.h - real nodes (stores in a temporary directory), cells formed by add and welcome,
 * and real sync sessions between them moved byte by byte in memory, for the app layer's unit
 * tests; linked into this layer's unit tests only, never the library.
 */
#ifndef SZ_APP_NODE_TESTLIB_H
#define SZ_APP_NODE_TESTLIB_H

#include <stddef.h>
#include <stdint.h>

#include "app/node_int.h"

#define TN_MAX 8
#define TN_DIR_BYTES 64

typedef struct tnet {
	char dir[TN_DIR_BYTES];
	sz_node *nd[TN_MAX];
	struct sz_cell *cl[TN_MAX];   /* each node's state of the cell node 0 creates */
	int n;
} tnet;

/* n nodes "a", "b", ... in a fresh directory /tmp/sz-<tag>.XXXXXX (passphrase "pw", a fast KDF),
 * for a setup function: 0, or -1 if anything failed. */
int tn_nodes(char dir[TN_DIR_BYTES], const char *tag, sz_node **nd, int n);
/* Close the nodes and remove the directory. */
void tn_nodes_free(const char *dir, sz_node **nd, int n);
/* n nodes as tn_nodes makes them; node 0 creates the cell "print shop". */
void tn_new(tnet *t, const char *tag, int n);
/* Close every node and remove the directory. */
void tn_free(tnet *t);
/* The data directory of node i. */
void tn_home(const tnet *t, int i, char *out, size_t len);
/* Node by adds node who to its cell; who joins from the welcome in by's store. */
void tn_join(tnet *t, int by, int who);
/* Node by adds node who to its cell c; who joins from the welcome (handed over as the answer to
 * an invitation would be): *out its new cell.  For tests with nodes of their own. */
int tn_add_join(sz_node *by, struct sz_cell *c, sz_node *who, struct sz_cell **out);
/* Lock node i and unlock it again (its cell pointer is looked up anew). */
void tn_reopen(tnet *t, int i);
/* Copy node i's whole data directory (a seized or saved device) to home: node i is locked for
 * the copy and unlocked again. */
void tn_copy(tnet *t, int i, const char *home);
/* Open the node in home (passphrase "pw"). */
sz_node *tn_open(const char *home);

typedef struct tn_result {
	sz_sync_stats a, b;   /* initiator, responder */
	int ea, eb;           /* SZ_OK if that side ended DONE, else its error */
	size_t mem_a, mem_b;  /* each session's peak sz_sync_mem */
} tn_result;

/* One session between a (initiator) and b, each configured as its node configures it. */
tn_result tn_sync(sz_node *a, sz_node *b);
/* One session between two configurations (a: initiator), bytes moved until both stop. */
tn_result tn_run(const sz_sync_config *ca, const sz_sync_config *cb);
/* Sessions between every two nodes in mask until a round moves nothing. */
void tn_mesh(tnet *t, unsigned mask);
/* Envelopes in a node's store. */
uint64_t tn_envelopes(sz_node *n);
/* Is an envelope with this id stored? */
int tn_has(sz_node *n, const uint8_t id[32]);
/* A sealed envelope under scope whose body is random bytes: it opens under no key. */
void tn_junk(uint8_t scope[16], uint32_t k, uint8_t **env, size_t *len);

#endif /* SZ_APP_NODE_TESTLIB_H */
