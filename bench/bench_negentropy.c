/*
 * bench_negentropy.c - Negentropy v1 cost: bytes on the wire, round trips, bytes per differing
 * id, and CPU time of our C over the JavaScript implementation (@nostr-dev-kit/sync 1.0.0, run
 * by bench/negentropy_bench.js on the same sets in the same run).  `make bench`.
 * Each side holds N items; d items differ, d/2 only on each side.  NEG_BENCH_NMAX caps N.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "samizdat.h"
#include "lib/bytes.h"
#include "recon/negentropy.h"

#define JS_DRIVER "bench/negentropy_bench.js"
#define JS_MODULES "tests/interop/node_modules/@nostr-dev-kit/sync"

typedef struct result {
	uint64_t bytes;
	uint32_t rounds;
	size_t have, need;
	double cpu_ms;
} result;

static uint64_t
rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double
cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* One record of the set file shared with the JS side: side flags (1 = A, 2 = B, 3 = both),
 * timestamp (u32 little-endian), id (32 bytes). */
enum { REC = 1 + 4 + 32 };

static uint8_t *
make_sets(size_t n, size_t d, uint64_t seed, size_t *count)
{
	size_t total = n + d / 2; /* shared n - d/2, plus d/2 on each side */
	uint8_t *recs = malloc(total * REC);
	if (recs == NULL)
		return NULL;
	uint64_t s = seed;
	for (size_t i = 0; i < total; i++) {
		uint8_t *r = recs + i * REC;
		r[0] = i < d / 2 ? 1 : i < d ? 2 : 3;
		uint32_t ts = 1600000000u + (uint32_t)(rng_next(&s) % (n + 1));
		for (int k = 0; k < 4; k++)
			r[1 + k] = (uint8_t)(ts >> (8 * k));
		for (int k = 0; k < 4; k++)
			sz_store_u64(r + 5 + 8 * k, rng_next(&s));
	}
	*count = total;
	return recs;
}

static uint32_t
rec_ts(const uint8_t *r)
{
	return (uint32_t)r[1] | (uint32_t)r[2] << 8 | (uint32_t)r[3] << 16 | (uint32_t)r[4] << 24;
}

/* Build both storages and reconcile A (initiator) against B (responder), no frame limit. */
static int
run_c(const uint8_t *recs, size_t count, result *res)
{
	sz_neg_storage *sa = NULL, *sb = NULL;
	sz_neg *a = NULL, *b = NULL;
	sz_buf q = { 0 }, resp = { 0 }, have = { 0 }, need = { 0 };
	sz_neg_config cfg = { .max_session = 1ull << 32 };
	int r;
	memset(res, 0, sizeof(*res));
	double t0 = cpu_ms();
	if ((r = sz_neg_storage_new(&sa, count)) != SZ_OK || (r = sz_neg_storage_new(&sb, count)) != 0)
		goto out;
	for (size_t i = 0; i < count; i++) {
		const uint8_t *rec = recs + i * REC;
		if ((rec[0] & 1) && (r = sz_neg_storage_insert(sa, rec_ts(rec), rec + 5)) != SZ_OK)
			goto out;
		if ((rec[0] & 2) && (r = sz_neg_storage_insert(sb, rec_ts(rec), rec + 5)) != SZ_OK)
			goto out;
	}
	if ((r = sz_neg_storage_seal(sa)) != SZ_OK || (r = sz_neg_storage_seal(sb)) != SZ_OK)
		goto out;
	if ((r = sz_neg_new(&a, sa, &cfg)) != SZ_OK || (r = sz_neg_new(&b, sb, &cfg)) != SZ_OK)
		goto out;
	if ((r = sz_neg_initiate(a, &q)) != SZ_OK)
		goto out;
	bool done = false;
	while (!done) {
		if ((r = sz_neg_respond(b, q.p, q.len, &resp)) != SZ_OK)
			goto out;
		if ((r = sz_neg_reconcile(a, resp.p, resp.len, &q, &have, &need, &done)) != SZ_OK)
			goto out;
	}
	res->cpu_ms = cpu_ms() - t0;
	sz_neg_stats st;
	sz_neg_get_stats(a, &st);
	res->bytes = st.bytes_in + st.bytes_out;
	res->rounds = st.rounds;
	res->have = have.len / 32;
	res->need = need.len / 32;
	r = SZ_OK;
out:
	sz_buf_free(&q);
	sz_buf_free(&resp);
	sz_buf_free(&have);
	sz_buf_free(&need);
	sz_neg_free(a);
	sz_neg_free(b);
	sz_neg_storage_free(sa);
	sz_neg_storage_free(sb);
	return r;
}

/* Run the JS implementation on the same sets (written to a temporary file). */
static int
run_js(const uint8_t *recs, size_t count, result *res)
{
	char path[] = "/tmp/sz-neg-bench-XXXXXX";
	int fd = mkstemp(path), rc = -1;
	memset(res, 0, sizeof(*res));
	if (fd < 0)
		return -1;
	FILE *f = fdopen(fd, "wb");
	if (f == NULL) {
		close(fd);
		goto out;
	}
	size_t wrote = fwrite(recs, REC, count, f);
	if (fclose(f) != 0 || wrote != count)
		goto out;
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "node --max-old-space-size=8192 %s %s", JS_DRIVER, path);
	FILE *p = popen(cmd, "r");
	if (p == NULL)
		goto out;
	char line[256];
	unsigned long long bytes = 0;
	unsigned rounds = 0;
	size_t have = 0, need = 0;
	double ms = 0;
	while (fgets(line, sizeof(line), p) != NULL) {
		if (sscanf(line, "js bytes=%llu rounds=%u have=%zu need=%zu cpu_ms=%lf", &bytes,
		    &rounds, &have, &need, &ms) == 5)
			rc = 0;
	}
	if (pclose(p) != 0)
		rc = -1;
	res->bytes = bytes;
	res->rounds = rounds;
	res->have = have;
	res->need = need;
	res->cpu_ms = ms;
out:
	unlink(path);
	return rc;
}

int
main(void)
{
	static const size_t ns[] = { 10000, 100000, 1000000 };
	static const size_t ds[] = { 0, 2, 20, 200, 2000 };
	size_t nmax = 1000000;
	const char *env = getenv("NEG_BENCH_NMAX");
	if (env != NULL)
		nmax = strtoull(env, NULL, 10);
	if (sz_init() != SZ_OK)
		return 1;
	bool js = access(JS_MODULES, R_OK) == 0 && system("node --version >/dev/null 2>&1") == 0;
	printf("Negentropy v1, no frame limit; each side N items, d differing (d/2 per side).\n");
	printf("C/JS = CPU time of samizdat's C over @nostr-dev-kit/sync 1.0.0 (node), both sides,\n"
	    "from inserting the items to the last message, same sets, same run.\n");
	if (!js)
		printf("JS column skipped: node or %s absent (make interop-deps)\n", JS_MODULES);
	printf("%8s %5s %10s %6s %11s %9s %9s %8s %10s %6s\n", "N", "d", "bytes", "rounds",
	    "bytes/32d", "C ms", "JS ms", "C/JS", "JS bytes", "JS rt");
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		if (ns[i] > nmax)
			continue;
		for (size_t j = 0; j < sizeof(ds) / sizeof(ds[0]); j++) {
			size_t n = ns[i], d = ds[j], count;
			uint8_t *recs = make_sets(n, d, 42 + n + d, &count);
			if (recs == NULL)
				return 1;
			result c, j_res;
			int r = run_c(recs, count, &c);
			if (r != SZ_OK || c.have != d / 2 || c.need != d - d / 2) {
				fprintf(stderr, "bench: C session failed (%s) or wrong result\n", sz_strerror(r));
				free(recs);
				return 1;
			}
			bool have_js = js && run_js(recs, count, &j_res) == 0;
			if (have_js && (j_res.have != d / 2 || j_res.need != d - d / 2))
				have_js = false;
			char ratio[16] = "-", per[16] = "-", jms[16] = "-", jb[16] = "-", jr[16] = "-";
			if (d > 0)
				snprintf(per, sizeof(per), "%.2f", (double)c.bytes / (32.0 * (double)d));
			if (have_js) {
				snprintf(ratio, sizeof(ratio), "%.4f", c.cpu_ms / j_res.cpu_ms);
				snprintf(jms, sizeof(jms), "%.1f", j_res.cpu_ms);
				snprintf(jb, sizeof(jb), "%llu", (unsigned long long)j_res.bytes);
				snprintf(jr, sizeof(jr), "%u", j_res.rounds);
			}
			printf("%8zu %5zu %10llu %6u %11s %9.1f %9s %8s %10s %6s\n", n, d,
			    (unsigned long long)c.bytes, c.rounds, per, c.cpu_ms, jms, ratio, jb, jr);
			fflush(stdout);
			free(recs);
		}
	}
	return 0;
}
