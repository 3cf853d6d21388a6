/*
 * bench_store.c - the encrypted store's benchmark (one core), printed as ratios measured in this run:
 *   1. public envelopes stored per second (parse + Ed25519 verify + insert, batches of 100, 1000, 5000) over
 *      the raw Ed25519 verify rate of same-sized messages (target >= 0.7);
 *   2. a store of BENCH_STORE_N entries (default 1,000,000): bytes on disk per entry over the
 *      entry's own size; unlock (default Argon2id) and open time; peak RSS of building it and of
 *      unlocking and using it (target <= 64 MiB), each measured (VmHWM) in a freshly exec'd copy
 *      of this program;
 *   3. a panic wipe of a 1 GiB store (database made large with fallocate) and of the big store.
 * Scratch space: $TMPDIR (default /tmp), about 1.5 GB for the default N.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "crypto/crypto.h"
#include "lib/bytes.h"
#include "store/keyfile.h"
#include "store/store.h"
#include "wire/entry.h"
#include "wire/envelope.h"

#define BATCH 1000
#define BODY 200

static double
now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void
fail(const char *what, int r)
{
	fprintf(stderr, "bench_store: %s: %s (%s)\n", what, sz_strerror(r), sz_store_last_error());
	exit(1);
}

static uint8_t sk[64], pk[32];

/* Public envelope number i: a leaflet with a BODY-byte body.  *entry_len gets the entry's size. */
static uint8_t *
make_env(uint64_t i, size_t *len, size_t *entry_len)
{
	char body[BODY + 1];
	uint8_t id[32], *e, *env;
	size_t elen;
	snprintf(body, sizeof body, "leaflet %020llu ", (unsigned long long)i);
	memset(body + strlen(body), 'L', BODY - strlen(body));
	body[BODY] = '\0';
	if (sz_entry_build(&e, &elen, id, SZ_KIND_LEAFLET, NULL, 0, 1700000000000ull + i,
	    (const uint8_t *)body, BODY, sk) != SZ_OK)
		fail("entry", SZ_ERR_INTERNAL);
	if (sz_env_wrap_public(&env, len, e, elen) != SZ_OK)
		fail("wrap", SZ_ERR_INTERNAL);
	*entry_len = elen;
	free(e);
	return env;
}

static const sz_store_opts tiny = { 1, 8, NULL, 0 };

static void
rm_rf(const char *dir)
{
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_store: could not remove %s\n", dir);
}

static long long
dir_bytes(const char *dir)
{
	static const char *const names[] = { "key", "db", "db-journal", "lock" };
	long long total = 0;
	for (size_t i = 0; i < 4; i++) {
		char p[700];
		struct stat st;
		snprintf(p, sizeof p, "%s/%s", dir, names[i]);
		if (stat(p, &st) == 0)
			total += (long long)st.st_blocks * 512;
	}
	return total;
}

/* 1. stored per second over raw verify per second. */
static void
bench_rate(const char *base)
{
	enum { N = 20000 };
	uint8_t **envs = malloc(N * sizeof *envs);
	size_t *lens = malloc(N * sizeof *lens), elen = 0;
	if (envs == NULL || lens == NULL)
		fail("malloc", SZ_ERR_NOMEM);
	for (size_t i = 0; i < N; i++)
		envs[i] = make_env(i, &lens[i], &elen);

	/* The raw primitive: Ed25519 verify of N same-sized messages, measured again right before
	 * each store run so that both figures of a ratio see the same machine load. */
	uint8_t (*sigs)[64] = malloc(N * 64);
	if (sigs == NULL)
		fail("malloc", SZ_ERR_NOMEM);
	for (size_t i = 0; i < N; i++)
		crypto_sign_detached(sigs[i], NULL, envs[i] + 21, elen - 64, sk);
	double t0;
	static const size_t batches[] = { 100, 1000, 5000 };
	for (size_t b = 0; b < sizeof batches / sizeof batches[0]; b++) {
		char dir[600];
		snprintf(dir, sizeof dir, "%.500s/rate", base);
		sz_store *s;
		int r = sz_store_create(&s, dir, "bench", 5, &tiny), bad = 0;
		if (r != SZ_OK)
			fail("create", r);
		t0 = now_s();
		for (size_t i = 0; i < N; i++)
			bad |= crypto_sign_verify_detached(sigs[i], envs[i] + 21, elen - 64, pk);
		double raw = N / (now_s() - t0);
		if (bad)
			fail("verify", SZ_ERR_BAD_SIGNATURE);
		t0 = now_s();
		for (size_t i = 0; i < N; i += batches[b])
			if ((r = sz_store_put_envelopes(s, (const uint8_t *const *)envs + i, lens + i,
			    batches[b], NULL)) != SZ_OK)
				fail("put", r);
		double stored = N / (now_s() - t0);
		sz_store_close(s);
		rm_rf(dir);
		printf("entries stored/s (decode+verify+insert, batches of %zu, synchronous=FULL) over "
		    "raw Ed25519 verify/s: %.2f  (target >= 0.7; %.0f/s vs %.0f/s)\n", batches[b],
		    stored / raw, stored, raw);
	}
	for (size_t i = 0; i < N; i++)
		free(envs[i]);
	free(envs);
	free(lens);
	free(sigs);
}

/* The peak RSS of this process (VmHWM), in KiB: a fresh exec has its own. */
static long
vm_hwm_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kib = -1;
	while (f != NULL && fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
			break;
	if (f != NULL)
		fclose(f);
	return kib;
}

/* Child "build DIR N": create with the default Argon2id and store N entries in batches. */
static int
child_build(const char *dir, size_t n)
{
	sz_store *s;
	size_t entry_len = 0;
	int r = sz_store_create(&s, dir, "bench passphrase", 16, NULL);
	if (r != SZ_OK)
		fail("create", r);
	uint8_t *envs[BATCH];
	size_t lens[BATCH];
	for (size_t i = 0; i < n; i += BATCH) {
		size_t k = n - i < BATCH ? n - i : BATCH;
		for (size_t j = 0; j < k; j++)
			envs[j] = make_env(i + j, &lens[j], &entry_len);
		if ((r = sz_store_put_envelopes(s, (const uint8_t *const *)envs, lens, k, NULL)) != SZ_OK)
			fail("put", r);
		for (size_t j = 0; j < k; j++)
			free(envs[j]);
	}
	sz_store_close(s);
	printf("%ld %zu\n", vm_hwm_kib(), entry_len);
	return 0;
}

/* Child "open DIR N": unlock, open, list 1000 from the middle, get one. */
static int
child_open(const char *dir, size_t n)
{
	double t0 = now_s();
	sz_store *s;
	int r = sz_store_open(&s, dir, "bench passphrase", 16, NULL);
	if (r != SZ_OK)
		fail("open", r);
	double t1 = now_s();
	uint8_t pub[SZ_SCOPE_BYTES], *got;
	size_t len, cnt;
	sz_store_item *items;
	sz_env_public_scope(pub);
	if ((r = sz_store_list_envelopes(s, pub, 1700000000000ull + n / 2, UINT64_MAX, 1000, &items,
	    &cnt)) != SZ_OK || cnt == 0)
		fail("list", r);
	if ((r = sz_store_get_envelope(s, items[cnt - 1].id, &got, &len)) != SZ_OK)
		fail("get", r);
	free(got);
	free(items);
	double t2 = now_s();
	sz_store_close(s);
	printf("%ld %.6f %.6f\n", vm_hwm_kib(), t1 - t0, t2 - t1);
	return 0;
}

static FILE *
run_self(const char *mode, const char *dir, size_t n)
{
	char exe[512], cmd[1400];
	ssize_t l = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (l <= 0)
		fail("readlink", SZ_ERR_IO);
	exe[l] = '\0';
	snprintf(cmd, sizeof cmd, "'%s' %s '%s' %zu", exe, mode, dir, n);
	FILE *p = popen(cmd, "r");
	if (p == NULL)
		fail("popen", SZ_ERR_IO);
	return p;
}

/* 2. the big store. */
static void
bench_big(const char *base, size_t n)
{
	char dir[600];
	snprintf(dir, sizeof dir, "%.500s/big", base);
	double t0 = now_s();
	FILE *p = run_self("build", dir, n);
	long rss_build = -1, rss_open = -1;
	size_t entry_len = 0;
	if (fscanf(p, "%ld %zu", &rss_build, &entry_len) != 2 || pclose(p) != 0)
		fail("building the big store", SZ_ERR_INTERNAL);
	double build_s = now_s() - t0;
	long long bytes = dir_bytes(dir);
	printf("store of %zu entries: bytes on disk per entry over the entry's size: %.2f  "
	    "(%.0f B per %zu-byte entry; built in %.0f s)\n", n, (double)bytes / (double)n /
	    (double)entry_len, (double)bytes / (double)n, entry_len, build_s);

	double t_open = 0, t_use = 0;
	p = run_self("open", dir, n);
	if (fscanf(p, "%ld %lf %lf", &rss_open, &t_open, &t_use) != 3 || pclose(p) != 0)
		fail("opening the big store", SZ_ERR_INTERNAL);
	printf("unlock (Argon2id %u passes, %u MiB) and open: %.3f s; then a listing of 1000 and a "
	    "get: %.3f s\n", SZ_KDF_OPS_DEFAULT, SZ_KDF_MEM_KIB_DEFAULT / 1024, t_open, t_use);
	printf("peak RSS over the 64 MiB target: building %.2f (%ld KiB), unlocking and using %.2f "
	    "(%ld KiB)\n", rss_build / 65536.0, rss_build, rss_open / 65536.0, rss_open);

	t0 = now_s();
	int r = sz_store_wipe(dir);
	double wipe = now_s() - t0;
	if (r != SZ_OK)
		fail("wipe", r);
	printf("panic wipe of the %.2f GB store: %.3f s (target < 1 s)\n", bytes / 1e9, wipe);
}

/* 3. a 1 GiB store made quickly: a real store whose database is extended with fallocate. */
static void
bench_wipe(const char *base)
{
	char dir[600], db[700];
	snprintf(dir, sizeof dir, "%.500s/wipe", base);
	snprintf(db, sizeof db, "%s/db", dir);
	sz_store *s;
	int r = sz_store_create(&s, dir, "bench", 5, &tiny);
	if (r != SZ_OK)
		fail("create", r);
	sz_store_close(s);
	int fd = open(db, O_RDWR);
	if (fd < 0 || posix_fallocate(fd, 0, 1LL << 30) != 0)
		fail("fallocate", SZ_ERR_IO);
	fsync(fd);
	close(fd);
	double t0 = now_s();
	r = sz_store_wipe(dir);
	double wipe = now_s() - t0;
	if (r != SZ_OK)
		fail("wipe", r);
	sz_store *s2 = NULL;
	if (sz_store_open(&s2, dir, "bench", 5, &tiny) == SZ_OK)
		fail("opened after wipe", SZ_ERR_INTERNAL);
	printf("panic wipe of a 1 GiB store: %.3f s, %.3f of the 1 s budget\n", wipe, wipe / 1.0);
}

int
main(int argc, char **argv)
{
	if (sz_init() != SZ_OK || sz_sign_keypair(pk, sk) != SZ_OK)
		return 1;
	if (argc == 4 && strcmp(argv[1], "build") == 0)
		return child_build(argv[2], (size_t)strtoull(argv[3], NULL, 10));
	if (argc == 4 && strcmp(argv[1], "open") == 0)
		return child_open(argv[2], (size_t)strtoull(argv[3], NULL, 10));
	const char *tmp = getenv("TMPDIR");
	char base[512];
	snprintf(base, sizeof base, "%s/sz-bench-store-XXXXXX", tmp ? tmp : "/tmp");
	if (mkdtemp(base) == NULL)
		return 1;
	const char *ns = getenv("BENCH_STORE_N");
	size_t n = ns ? (size_t)strtoull(ns, NULL, 10) : 1000000;
	if (n < BATCH)
		n = BATCH;
	bench_rate(base);
	bench_wipe(base);
	bench_big(base, n);
	rm_rf(base);
	return 0;
}
