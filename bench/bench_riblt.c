/*
 * bench_riblt.c - Rateless IBLT: bytes, round trips and time of samizdat's reconciliation session
 * (recon/riblt_wire.h) for N in {1e4, 1e5, 1e6} ids and d in {0, 2, 20, 200, 2000} differences
 * split between the two sides; the encode+decode time for N = 1e6, d = 2000 with the incremental
 * state, as ratios to one SipHash pass over the set and to a rebuild of the state; and the peak
 * memory of each node for N = 1e6 (two processes over pipes, getrusage maxrss).  `make bench`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/bytes.h"
#include "recon/riblt.h"
#include "recon/riblt_wire.h"
#include "sync/session.h"

#define W SZ_RIBLT_ID_SYMBOL_BYTES

static uint8_t key[SZ_RIBLT_KEY_BYTES] = { 'b', 'e', 'n', 'c', 'h' };

static double
now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static uint64_t
splitmix(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Id number i of stream `stream` (ids are uniformly random, like BLAKE2b). */
static void
id_of(uint8_t id[32], uint64_t stream, uint64_t i)
{
	uint64_t s = stream * UINT64_C(0x100000000) + i;
	for (int k = 0; k < 4; k++)
		sz_store_u64(id + 8 * k, splitmix(&s));
}

/* Its full symbol. */
static void
sym_of(uint8_t sym[W], uint64_t stream, uint64_t i)
{
	uint8_t id[32];
	id_of(id, stream, i);
	sz_riblt_id_symbol(sym, id);
}

static void
die(const char *what, int r)
{
	fprintf(stderr, "bench_riblt: %s: %s\n", what, sz_strerror(r));
	exit(1);
}

static sz_riblt_sketch *
build(uint64_t stream, size_t n, double *ms)
{
	sz_riblt_sketch *s;
	int r;
	double t0 = now_ms();
	if ((r = sz_riblt_sketch_new(&s, W, key, SZ_RIBLT_DEFAULT_CELLS)) != SZ_OK)
		die("sketch", r);
	for (size_t i = 0; i < n; i++) {
		uint8_t sym[W];
		sym_of(sym, stream, i);
		if ((r = sz_riblt_sketch_add(s, sym)) != SZ_OK)
			die("add", r);
	}
	if (ms != NULL)
		*ms = now_ms() - t0;
	return s;
}

/* B = A less da of A's ids (so only A has them), plus db fresh ids (so only B has them). */
static sz_riblt_sketch *
derive(const sz_riblt_sketch *a, size_t n, size_t da, size_t db, uint64_t trial)
{
	sz_riblt_sketch *b;
	int r;
	if ((r = sz_riblt_sketch_clone(&b, a)) != SZ_OK)
		die("clone", r);
	for (size_t i = 0; i < da; i++) {
		uint8_t sym[W];
		sym_of(sym, 1, (trial * 7919 + i * 104729) % n);
		r = sz_riblt_sketch_remove(b, sym);
		if (r != SZ_OK && r != SZ_ERR_NOT_FOUND)
			die("remove", r);
		if (r == SZ_ERR_NOT_FOUND)
			die("remove: ids not distinct", r);
	}
	for (size_t i = 0; i < db; i++) {
		uint8_t sym[W];
		sym_of(sym, 2 + trial, i);
		if ((r = sz_riblt_sketch_add(b, sym)) != SZ_OK)
			die("add", r);
	}
	return b;
}

typedef struct stats {
	size_t bytes, sent;
	int rts;
	double ms;
} stats;

/* One session in this process: a sends, b receives (salt NULL: unsalted, full symbols;
 * else compact symbols with 32-bit checks). */
static stats
session(sz_riblt_sketch *a, sz_riblt_sketch *b, const uint8_t *salt)
{
	stats st = { 0, 0, 0, 0 };
	sz_riblt_sender *s;
	sz_riblt_receiver *rx;
	int r;
	double t0 = now_ms();
	if ((r = sz_riblt_sender_new(&s, a, salt, SZ_RIBLT_FIRST_BATCH, SZ_RIBLT_EST_BYTES,
	    1 << 20)) != SZ_OK || (r = sz_riblt_receiver_new(&rx, b, salt, 1 << 20)) != SZ_OK ||
	    (salt != NULL && (r = sz_riblt_sender_check32(s)) != SZ_OK))
		die("session", r);
	sz_buf m = { 0 };
	if ((r = sz_riblt_sender_hello(s, &m)) != SZ_OK)
		die("hello", r);
	bool done = false;
	while (!done) {
		sz_buf rep = { 0 };
		bool rdone;
		st.bytes += m.len;
		if ((r = sz_riblt_receiver_recv(rx, m.p, m.len, &rep, &rdone)) != SZ_OK)
			die("receiver", r);
		st.bytes += rep.len;
		st.rts++;
		sz_buf_free(&m);
		if ((r = sz_riblt_sender_recv(s, rep.p, rep.len, &m, &done)) != SZ_OK)
			die("sender", r);
		sz_buf_free(&rep);
	}
	sz_buf_free(&m);
	st.ms = now_ms() - t0;
	st.sent = sz_riblt_sender_sent(s);
	sz_riblt_sender_free(s);
	sz_riblt_receiver_free(rx);
	return st;
}

/* The fewest coded symbols of a that decode against b (streamed one at a time); checks of
 * check_bits bits. */
static size_t
needed(sz_riblt_sketch *a, sz_riblt_sketch *b, unsigned check_bits, size_t *items)
{
	sz_riblt_limits lim = { .max_cells = 1 << 20, .max_items = 0,
		.max_count = sz_riblt_sketch_size(a), .check_bits = check_bits };
	sz_riblt_decoder *d;
	int r;
	if ((r = sz_riblt_decoder_new(&d, b, &lim)) != SZ_OK)
		die("decoder", r);
	size_t m = 0;
	while (!sz_riblt_decoder_done(d)) {
		uint8_t sum[SZ_RIBLT_MAX_WIDTH];
		uint64_t h;
		int64_t c;
		if ((r = sz_riblt_sketch_reserve(a, m + 1)) != SZ_OK ||
		    (r = sz_riblt_sketch_cell(a, m, sum, &h, &c)) != SZ_OK ||
		    (r = sz_riblt_decoder_add(d, sum, h, (uint64_t)c)) != SZ_OK ||
		    (r = sz_riblt_decoder_run(d)) != SZ_OK)
			die("needed", r);
		m++;
	}
	if (items != NULL)
		*items = sz_riblt_decoder_count(d);
	sz_riblt_decoder_free(d);
	return m;
}

/* Sums over the trials of one (N, d) cell of a table. */
typedef struct agg {
	double bytes, sent, need, ms, build_ms;
	int trials, rts, rtmax, over;
} agg;

static void
agg_add(agg *g, size_t d, const stats *st, size_t need, double build_ms)
{
	g->trials++;
	g->bytes += st->bytes;
	g->over += d >= 20 && st->bytes > 64.0 * d + 1024;
	g->sent += st->sent;
	g->ms += st->ms;
	g->rts += st->rts;
	if (st->rts > g->rtmax)
		g->rtmax = st->rts;
	g->need += need;
	g->build_ms += build_ms;
}

/* One table row: the means; with_build adds the per-session build time column. */
static void
agg_print(const agg *g, size_t n, size_t d, bool with_build)
{
	double t = g->trials, bytes = g->bytes / t;
	char ratio[32] = "-", per_sent[32] = "-", per_need[32] = "-", budget[32] = "-", bms[32] = "";
	if (d >= 20)
		snprintf(budget, sizeof(budget), "%.2f (%d over)", bytes / (64.0 * d + 1024), g->over);
	if (d > 0) {
		snprintf(ratio, sizeof(ratio), "%.2f", bytes / (32.0 * d));
		snprintf(per_sent, sizeof(per_sent), "%.2f", g->sent / t / d);
		snprintf(per_need, sizeof(per_need), "%.2f", g->need / t / d);
	}
	if (with_build)
		snprintf(bms, sizeof(bms), " %.1f |", g->build_ms / t);
	printf("| %zu | %zu | %d | %.0f | %s | %s | %.2f (%d) | %s | %s | %.2f |%s\n", n, d,
	    g->trials, bytes, budget, ratio, (double)g->rts / t, g->rtmax, per_sent, per_need,
	    g->ms / t, bms);
}

/* --- compact symbols: salted 8-byte tags, 32-bit checks (sync's default for small sets) ---- */

static const uint8_t secret[SZ_RIBLT_SCOPE_SECRET_BYTES] = { 's', 'c', 'o', 'p', 'e' };

/* A's ids are stream 1's first n; B lacks da of them (the same ones derive() removes) and has
 * db of stream 2 + trial.  Each side builds its tag sketch under a fresh salt, as a sync
 * session does; *build_ms is both builds. */
static void
compact_pair(size_t n, size_t da, size_t db, uint64_t trial, sz_riblt_sketch **a,
    sz_riblt_sketch **b, uint8_t salt[SZ_RIBLT_SALT_BYTES], double *build_ms)
{
	uint8_t tk[SZ_RIBLT_KEY_BYTES], sk[SZ_RIBLT_KEY_BYTES];
	uint64_t st = trial * 1000003 + n;
	sz_store_u64(salt, splitmix(&st));
	sz_store_u64(salt + 8, splitmix(&st));
	int r;
	if ((r = sz_riblt_tag_key(tk, secret, salt)) != SZ_OK ||
	    (r = sz_riblt_scope_key(sk, secret, salt)) != SZ_OK)
		die("keys", r);
	uint8_t *gone = calloc(n, 1);
	if (gone == NULL)
		die("calloc", SZ_ERR_NOMEM);
	for (size_t i = 0; i < da; i++)
		gone[(trial * 7919 + i * 104729) % n] = 1;
	double t0 = now_ms();
	for (int side = 0; side < 2; side++) {
		sz_riblt_sketch **x = side == 0 ? a : b;
		if ((r = sz_riblt_sketch_new(x, SZ_RIBLT_TAG_BYTES, sk, 512)) != SZ_OK)
			die("sketch", r);
		for (size_t i = 0; i < n + (side ? db : 0); i++) {
			uint8_t id[32], tag[SZ_RIBLT_TAG_BYTES];
			if (i < n && side == 1 && gone[i])
				continue;
			if (i < n)
				id_of(id, 1, i);
			else
				id_of(id, 2 + trial, i - n);
			sz_riblt_id_tag(tag, tk, id);
			if ((r = sz_riblt_sketch_add(*x, tag)) != SZ_OK)
				die("add", r);
		}
	}
	*build_ms = now_ms() - t0;
	free(gone);
}

static void
compact_grid(void)
{
	const size_t ns[] = { 10000, 100000 };
	const size_t ds[] = { 0, 2, 20, 200, 2000 };
	printf("\ncompact symbols (8-byte salted tags, 32-bit checks; sync's default up to %d ids), "
	    "d split evenly, mean of the trials:\n", SZ_SYNC_COMPACT_MAX);
	printf("| N | d | trials | bytes | bytes/(64d+1024) (sessions over) | bytes/(32d) | "
	    "round trips (max) | coded symbols sent/d | needed/d | session ms | both builds ms |\n");
	printf("|---|---|---|---|---|---|---|---|---|---|---|\n");
	for (size_t ni = 0; ni < 2; ni++) {
		size_t n = ns[ni];
		for (size_t di = 0; di < 5; di++) {
			size_t d = ds[di];
			int trials = n >= 100000 ? 10 : 50;
			agg g = { 0 };
			for (int t = 0; t < trials; t++) {
				sz_riblt_sketch *a, *b;
				uint8_t salt[SZ_RIBLT_SALT_BYTES];
				double b1;
				compact_pair(n, d - d / 2, d / 2, (uint64_t)t, &a, &b, salt, &b1);
				stats st = session(a, b, salt);
				size_t items = 0, need = needed(a, b, 32, &items);
				if (items != d)
					die("compact: wrong difference", SZ_ERR_INTERNAL);
				agg_add(&g, d, &st, need, b1);
				sz_riblt_sketch_free(a);
				sz_riblt_sketch_free(b);
			}
			agg_print(&g, n, d, true);
		}
	}
}

/* --- peak memory: a sender and a receiver process over pipes ------------------------------ */

static int
write_msg(int fd, const uint8_t *p, size_t n)
{
	uint8_t len[4];
	sz_store_u32(len, (uint32_t)n);
	if (write(fd, len, 4) != 4)
		return -1;
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
read_full(int fd, uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t r = read(fd, p, n);
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static uint8_t *
read_msg(int fd, size_t *n)
{
	uint8_t len[4];
	if (read_full(fd, len, 4) != 0)
		return NULL;
	*n = sz_load_u32(len);
	uint8_t *p = malloc(*n ? *n : 1);
	if (p == NULL || read_full(fd, p, *n) != 0) {
		free(p);
		return NULL;
	}
	return p;
}

/* A node: build its sketch of N ids (sender: all of stream 1; receiver: all but the first d/2,
 * plus d/2 of stream 2), run its side of the session, report maxrss (KiB) on fd `report`. */
static void
node(int sender, size_t n, size_t d, int in, int out, int report)
{
	sz_riblt_sketch *s = build(1, n - (sender ? 0 : d / 2), NULL);
	int r;
	if (!sender) {
		/* The receiver lacks the last d/2 of the sender's ids and has d/2 others. */
		for (size_t i = 0; i < d / 2; i++) {
			uint8_t sym[W];
			sym_of(sym, 2, i);
			if ((r = sz_riblt_sketch_add(s, sym)) != SZ_OK)
				die("add", r);
		}
	}
	bool done = false;
	if (sender) {
		sz_riblt_sender *tx;
		sz_buf m = { 0 };
		if ((r = sz_riblt_sender_new(&tx, s, NULL, SZ_RIBLT_FIRST_BATCH, SZ_RIBLT_EST_BYTES,
		    1 << 20)) != SZ_OK || (r = sz_riblt_sender_hello(tx, &m)) != SZ_OK)
			die("sender", r);
		while (!done) {
			if (write_msg(out, m.p, m.len) != 0)
				die("pipe", SZ_ERR_IO);
			sz_buf_free(&m);
			size_t len;
			uint8_t *rep = read_msg(in, &len);
			if (rep == NULL)
				die("pipe", SZ_ERR_IO);
			if ((r = sz_riblt_sender_recv(tx, rep, len, &m, &done)) != SZ_OK)
				die("sender", r);
			free(rep);
		}
		sz_buf_free(&m);
		sz_riblt_sender_free(tx);
	} else {
		sz_riblt_receiver *rx;
		if ((r = sz_riblt_receiver_new(&rx, s, NULL, 1 << 20)) != SZ_OK)
			die("receiver", r);
		while (!done) {
			size_t len;
			uint8_t *msg = read_msg(in, &len);
			sz_buf rep = { 0 };
			if (msg == NULL)
				die("pipe", SZ_ERR_IO);
			if ((r = sz_riblt_receiver_recv(rx, msg, len, &rep, &done)) != SZ_OK)
				die("receiver", r);
			if (write_msg(out, rep.p, rep.len) != 0)
				die("pipe", SZ_ERR_IO);
			free(msg);
			sz_buf_free(&rep);
		}
		sz_riblt_receiver_free(rx);
	}
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	size_t mem = sz_riblt_sketch_memory(s);
	uint8_t rep[17];
	sz_store_u64(rep, (uint64_t)ru.ru_maxrss);
	sz_store_u64(rep + 8, mem);
	rep[16] = (uint8_t)sender;
	if (write(report, rep, 17) != 17)
		exit(1);
	sz_riblt_sketch_free(s);
	exit(0);
}

static void
peak_memory(size_t n, size_t d)
{
	int ab[2], ba[2], rep[2];
	if (pipe(ab) != 0 || pipe(ba) != 0 || pipe(rep) != 0)
		die("pipe", SZ_ERR_IO);
	pid_t ps = fork();
	if (ps == 0)
		node(1, n, d, ba[0], ab[1], rep[1]);
	pid_t pr = fork();
	if (pr == 0)
		node(0, n, d, ab[0], ba[1], rep[1]);
	uint64_t kib[2] = { 0, 0 }, mem[2] = { 0, 0 };
	for (int i = 0; i < 2; i++) {
		int st;
		pid_t p = wait(&st);
		if (p < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			die("node process", SZ_ERR_INTERNAL);
		uint8_t b[17];
		if (read_full(rep[0], b, 17) != 0)
			die("report", SZ_ERR_IO);
		kib[b[16] ? 0 : 1] = sz_load_u64(b);
		mem[b[16] ? 0 : 1] = sz_load_u64(b + 8);
	}
	printf("\npeak memory for N = %zu, d = %zu (each node a separate process, getrusage maxrss):\n",
	    n, d);
	printf("| node | maxrss MiB | sketch heap MiB | bytes per id |\n|---|---|---|---|\n");
	for (int i = 0; i < 2; i++)
		printf("| %s | %.1f | %.1f | %.1f |\n", i == 0 ? "sender" : "receiver",
		    kib[i] / 1024.0, mem[i] / 1048576.0, (double)kib[i] * 1024.0 / (double)n);
}

/* --- the grid ------------------------------------------------------------------------------ */

int
main(void)
{
	if (sz_init() != SZ_OK)
		return 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* First, before this process grows: the memory of a node for N = 1e6. */
	peak_memory(1000000, 2000);
	compact_grid();

	const size_t ns[] = { 10000, 100000, 1000000 };
	const size_t ds[] = { 0, 2, 20, 200, 2000 };
	printf("\nfull symbols (20-byte id prefixes, 64-bit checks, unsalted: the kept sketch), d "
	    "split evenly between the sides, mean of the trials:\n");
	printf("| N | d | trials | bytes | bytes/(64d+1024) (sessions over) | bytes/(32d) | round trips (max) | "
	    "coded symbols sent/d | needed/d | session ms |\n");
	printf("|---|---|---|---|---|---|---|---|---|---|\n");
	double t_session = 0, t_rebuild = 0, t_sip = 0;
	for (size_t ni = 0; ni < 3; ni++) {
		size_t n = ns[ni];
		double build_ms;
		sz_riblt_sketch *a = build(1, n, &build_ms);
		for (size_t di = 0; di < 5; di++) {
			size_t d = ds[di];
			int trials = n >= 1000000 ? 20 : 50;
			agg g = { 0 };
			for (int t = 0; t < trials; t++) {
				sz_riblt_sketch *b = derive(a, n, d - d / 2, d / 2, (uint64_t)t);
				stats st = session(a, b, NULL);
				agg_add(&g, d, &st, needed(a, b, 64, NULL), 0);
				sz_riblt_sketch_free(b);
			}
			agg_print(&g, n, d, false);
			if (n == 1000000 && d == 2000)
				t_session = g.ms / g.trials;
		}
		if (n == 1000000) {
			t_rebuild = build_ms;
			/* The raw primitive: one SipHash pass over the N symbols. */
			double t0 = now_ms();
			uint64_t acc = 0;
			for (size_t i = 0; i < n; i++)
				acc ^= sz_riblt_hash(key, sz_riblt_sketch_item(a, i), W);
			t_sip = now_ms() - t0;
			if (acc == 42)
				printf(" ");
			/* Incremental update cost: insert + delete of one id. */
			enum { UPD = 20000 };
			t0 = now_ms();
			for (size_t i = 0; i < UPD; i++) {
				uint8_t sym[W];
				sym_of(sym, 99, i);
				if (sz_riblt_sketch_add(a, sym) != SZ_OK)
					die("add", SZ_ERR_INTERNAL);
			}
			for (size_t i = 0; i < UPD; i++) {
				uint8_t sym[W];
				sym_of(sym, 99, i);
				if (sz_riblt_sketch_remove(a, sym) != SZ_OK)
					die("remove", SZ_ERR_INTERNAL);
			}
			double t_upd = (now_ms() - t0) / (2.0 * UPD);
			printf("\ntimes for N = 1e6 (K = %d coded symbols kept current):\n",
			    SZ_RIBLT_DEFAULT_CELLS);
			printf("| what | ms | ratio to one SipHash pass over N |\n|---|---|---|\n");
			printf("| one SipHash-2-4 pass over the N symbols (raw primitive) | %.1f | 1.00 |\n",
			    t_sip);
			printf("| encode+decode session, d = 2000, incremental state | %.1f | %.3f |\n",
			    t_session, t_session / t_sip);
			printf("| rebuild of the state from the id list (on open) | %.1f | %.2f |\n",
			    t_rebuild, t_rebuild / t_sip);
			printf("| one insert or delete in the state | %.5f | %.6f |\n", t_upd,
			    t_upd / t_sip);
			printf("session / rebuild = %.4f\n", t_session / t_rebuild);
		}
		sz_riblt_sketch_free(a);
	}
	return 0;
}
