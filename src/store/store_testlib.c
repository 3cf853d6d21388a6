/*
 * store_testlib.c - fixtures for the store layer's unit tests (store_testlib.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "store/store_testlib.h"

int
st_setup(void **state)
{
	fixture *fx = calloc(1, sizeof *fx);
	if (fx == NULL || sz_init() != 0)
		return -1;
	const char *t = getenv("TMPDIR");
	snprintf(fx->base, sizeof fx->base, "%s/sz-store-XXXXXX", t ? t : "/tmp");
	if (mkdtemp(fx->base) == NULL)
		return -1;
	snprintf(fx->dir, sizeof fx->dir, "%s/node", fx->base);
	sz_env_seeded_init(&fx->clock, 7, 1700000000000ull);
	fx->opts.kdf_ops = 1;
	fx->opts.kdf_mem_kib = 8;
	fx->opts.env = &fx->clock.env;
	uint8_t seed[32] = { 42 };
	if (sz_sign_seed_keypair(fx->pk, fx->sk, seed) != 0)
		return -1;
	*state = fx;
	return 0;
}

int
st_teardown(void **state)
{
	fixture *fx = *state;
	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->base);
	if (system(cmd) != 0)
		return -1;
	free(fx);
	return 0;
}

void
st_path(char *out, size_t n, const fixture *fx, const char *name)
{
	snprintf(out, n, "%s/%s", fx->dir, name);
}

void
st_hash_file(const char *path, uint8_t out[32])
{
	crypto_generichash_state h;
	crypto_generichash_init(&h, NULL, 0, 32);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	uint8_t buf[8192];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		crypto_generichash_update(&h, buf, n);
	fclose(f);
	crypto_generichash_final(&h, out, 32);
}

sz_store *
st_create(fixture *fx)
{
	sz_store *s = NULL;
	int r = sz_store_create(&s, fx->dir, PASS, PLEN, &fx->opts);
	if (r != SZ_OK)
		print_error("%s\n", sz_store_last_error());
	assert_int_equal(r, SZ_OK);
	return s;
}

sz_store *
st_reopen(fixture *fx, const char *pass)
{
	sz_store *s = NULL;
	int r = sz_store_open(&s, fx->dir, pass, strlen(pass), &fx->opts);
	if (r != SZ_OK)
		print_error("%s\n", sz_store_last_error());
	assert_int_equal(r, SZ_OK);
	return s;
}

void
st_copy_file(const char *from, const char *to)
{
	char cmd[1024];
	if (from == NULL) {
		(void)unlink(to);
		return;
	}
	snprintf(cmd, sizeof cmd, "cp '%s' '%s'", from, to);
	assert_int_equal(system(cmd), 0);
}
