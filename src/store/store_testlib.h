/*
 * store_testlib.h - a store in a fresh temporary directory, with a seeded clock and tiny Argon2id
 * parameters, and file helpers, for the store layer's unit tests (store_test.c, rotate_test.c,
 * duress_test.c); linked into this layer's unit tests only, never the library.
 */
#ifndef SZ_STORE_STORE_TESTLIB_H
#define SZ_STORE_STORE_TESTLIB_H

#include <stddef.h>
#include <stdint.h>

#include "lib/env.h"
#include "store/store.h"

#define PASS "correct horse battery staple"
#define PLEN (sizeof PASS - 1)

typedef struct fixture {
	char base[256];         /* the temporary directory */
	char dir[300];          /* base/node: the store's directory */
	sz_env_seeded clock;
	sz_store_opts opts;
	uint8_t sk[64], pk[32]; /* a signing key for entries */
} fixture;

/* cmocka setup and teardown: a fixture (in *state) and its directory; teardown removes both. */
int st_setup(void **state);
int st_teardown(void **state);
/* fx->dir/name into out. */
void st_path(char *out, size_t n, const fixture *fx, const char *name);
/* BLAKE2b-256 of a whole file (the test fails if it cannot be read). */
void st_hash_file(const char *path, uint8_t out[32]);
/* A new store in fx->dir with PASS; an open one with pass (the test fails otherwise). */
sz_store *st_create(fixture *fx);
sz_store *st_reopen(fixture *fx, const char *pass);
/* Copy a file, or with from NULL make to absent. */
void st_copy_file(const char *from, const char *to);

#endif /* SZ_STORE_STORE_TESTLIB_H */
