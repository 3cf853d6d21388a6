/*
 * bench_attach.c - `make bench`: a large file between two daemons over TCP (issue 18 targets:
 * its rate >= 0.8 x the sync rate of the same bytes as leaflets; its bytes on the wire <= 1.05 x
 * the file plus chunk framing).  Three senders, each served by the real `samizdat serve`
 * (build/rel/samizdat): one holding BENCH_ATTACH_MIB MiB (default 50) of leaflets of 65,280-byte
 * bodies (each fills a 64 KiB envelope, as a chunk does), one holding a file of that size
 * attached to a leaflet (public chunks), one holding it attached to a post in a cell the
 * receiver is a member of (sealed chunks).  For each, a fresh receiver's own daemon syncs with
 * it (`samizdat sync` handed to that daemon), timed, three times each in turn, the best kept;
 * printed: the rates, their ratios to the leaflets' rate, and the bytes the receiver read
 * against the file's size.  Scratch space: about 12 x the size, in $TMPDIR or /tmp.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "samizdat.h"
#include "app/node_int.h"
#include "cell/cell.h"
#include "crypto/crypto.h"
#include "wire/entry.h"
#include "wire/envelope.h"

static char base[256], exe[PATH_MAX];

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
die(const char *what)
{
	fprintf(stderr, "bench_attach: %s\n", what);
	exit(1);
}

static void
path(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", base, name);
}

static const sz_node_opts fast = { .kdf_ops = 1, .kdf_mem_kib = 8 * 1024 };

static sz_node *
make_node(const char *name)
{
	char home[400], pw[408];
	sz_node *n;
	path(home, sizeof home, name);
	snprintf(pw, sizeof pw, "%s.pw", home);
	FILE *f = fopen(pw, "w");
	if (f == NULL || fprintf(f, "pw\n") < 0 || fclose(f) != 0)
		die("passphrase file");
	if (sz_node_create(&n, home, "pw", 2, &fast) != SZ_OK)
		die(sz_node_last_error());
	return n;
}

/* Pseudo-random bytes (nothing to compress, no type's magic). */
static uint8_t *
bytes_of(size_t n)
{
	uint8_t *p = malloc(n);
	if (p == NULL)
		die("out of memory");
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (uint8_t)x;
	}
	p[0] = 'Z';
	return p;
}

/* size bytes as leaflets of SZ_ATTACH_CHUNK-byte bodies, no parents, in sync-sized batches. */
static void
fill_leaflets(sz_node *n, const uint8_t *data, size_t size)
{
	enum { B = 64 };
	uint8_t *envs[B], pk[32], sk[64], seed[32] = { 7 };
	size_t lens[B], k = 0;
	if (sz_sign_seed_keypair(pk, sk, seed) != SZ_OK)
		die("keys");
	for (size_t off = 0; off < size; off += SZ_ATTACH_CHUNK) {
		size_t len = size - off < SZ_ATTACH_CHUNK ? size - off : SZ_ATTACH_CHUNK;
		uint8_t *e, id[32];
		size_t el;
		if (sz_entry_build(&e, &el, id, SZ_KIND_LEAFLET, NULL, 0, 1700000000000ull + off, data + off,
		    len, sk) != SZ_OK || sz_env_wrap_public(&envs[k], &lens[k], e, el) != SZ_OK)
			die("leaflet");
		free(e);
		if (++k == B || off + len >= size) {
			if (sz_node_ingest(n, (const uint8_t *const *)envs, lens, k, NULL) != SZ_OK)
				die(sz_node_errmsg(n));
			for (size_t j = 0; j < k; j++)
				free(envs[j]);
			k = 0;
		}
	}
}

typedef struct daemon {
	pid_t pid;
	char addr[128];
} daemon_t;

static void
serve(daemon_t *d, const char *name)
{
	char h[400], p[408];
	int fds[2];
	path(h, sizeof h, name);
	snprintf(p, sizeof p, "%s.pw", h);
	if (pipe(fds) != 0)
		die("pipe");
	if ((d->pid = fork()) < 0)
		die("fork");
	if (d->pid == 0) {
		close(fds[0]);
		dup2(fds[1], 1);
		int dn = open("/dev/null", O_WRONLY);
		if (dn >= 0)
			dup2(dn, 2);
		execl(exe, exe, "--home", h, "--passphrase-file", p, "serve", "--listen", "127.0.0.1:0",
		    (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	FILE *f = fdopen(fds[0], "r");
	if (f == NULL || fgets(d->addr, sizeof d->addr, f) == NULL)
		die("the daemon did not start");
	d->addr[strcspn(d->addr, "\n")] = '\0';
	fclose(f);
}

static void
stop(daemon_t *d)
{
	int ws;
	kill(d->pid, SIGTERM);
	waitpid(d->pid, &ws, 0);
}

static uint64_t
json_u64(const char *doc, const char *key)
{
	char k[64];
	snprintf(k, sizeof k, "\"%s\":", key);
	const char *p = strstr(doc, k);
	return p ? strtoull(p + strlen(k), NULL, 10) : 0;
}

typedef struct result {
	double secs;
	uint64_t bytes_in, received;
} result;

/* The receiver's daemon syncs with the sender's; the wall time of the command, and what the
 * receiver read. */
static result
timed_sync(const char *sender, const char *receiver)
{
	daemon_t s, r;
	char h[400], p[408], out[8192] = { 0 };
	int fds[2];
	serve(&s, sender);
	serve(&r, receiver);
	path(h, sizeof h, receiver);
	snprintf(p, sizeof p, "%s.pw", h);
	if (pipe(fds) != 0)
		die("pipe");
	double t0 = now_s();
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(fds[0]);
		dup2(fds[1], 1);
		int dn = open("/dev/null", O_WRONLY);
		if (dn >= 0)
			dup2(dn, 2);
		execl(exe, exe, "--home", h, "--passphrase-file", p, "--json", "sync", s.addr, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	size_t got = 0;
	ssize_t k;
	while ((k = read(fds[0], out + got, sizeof out - 1 - got)) > 0)
		got += (size_t)k;
	close(fds[0]);
	int ws;
	if (waitpid(pid, &ws, 0) != pid || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
		die("the sync failed");
	result res = { now_s() - t0, json_u64(out, "bytes_in"), json_u64(out, "received") };
	stop(&r);
	stop(&s);
	return res;
}

int
main(int argc, char **argv)
{
	const char *ms = getenv("BENCH_ATTACH_MIB"), *tmp = getenv("TMPDIR");
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : ms ? strtoul(ms, NULL, 10) : 50;
	if (mib < 1 || mib > 100)
		mib = 50;
	size_t size = mib << 20;
	ssize_t l = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (l <= 0)
		return 1;
	exe[l] = '\0';
	for (int up = 0; up < 2; up++) { /* build/rel/bench/bench_attach -> build/rel/samizdat */
		char *slash = strrchr(exe, '/');
		if (slash == NULL)
			return 1;
		*slash = '\0';
	}
	strncat(exe, "/samizdat", sizeof exe - strlen(exe) - 1);
	if (access(exe, X_OK) != 0)
		die("build/rel/samizdat is missing (make)");
	snprintf(base, sizeof base, "%s/sz-bench-attach.XXXXXX", tmp ? tmp : "/tmp");
	if (sz_init() != SZ_OK || mkdtemp(base) == NULL)
		return 1;
	uint8_t *data = bytes_of(size), id[32];
	sz_manifest m;
	sz_strip_report rep;

	/* Three fresh receivers per case: each case is timed three times, in turn with the others,
	 * and the best of each kept (the machine may be shared). */
	enum { REP = 3 };
	char name[16];
	sz_node *n = make_node("sl");
	fill_leaflets(n, data, size);
	sz_node_close(n);
	n = make_node("sf");
	if (sz_node_attach(n, NULL, data, size, true, &m, &rep) != SZ_OK ||
	    sz_node_leaflet_publish_files(n, &m, 1, (const uint8_t *)"the file", 8, id) != SZ_OK)
		die(sz_node_errmsg(n));
	sz_node_close(n);
	/* a cell's file: the receivers join the sender's cell, then the file is posted */
	sz_node *sc = make_node("sc");
	sz_cell *c;
	if (sz_node_cell_create(sc, "bench", &c) != SZ_OK)
		die("cell");
	for (int i = 0; i < REP; i++) {
		snprintf(name, sizeof name, "rl%d", i);
		sz_node_close(make_node(name));
		snprintf(name, sizeof name, "rf%d", i);
		sz_node_close(make_node(name));
		snprintf(name, sizeof name, "rc%d", i);
		sz_node *rc = make_node(name);
		sz_cell *cr;
		sz_cell_joinkeys jk;
		sz_cell_result res = { 0 };
		if (sz_cell_joinkeys_new(rc->env, &jk) != SZ_OK)
			die("keys");
		int r = sz_cell_add(c, rc->id_pk, jk.prekey_pk, jk.csk_pk, &res);
		uint8_t *w = res.welcome;
		size_t wl = res.welcome_len;
		res.welcome = NULL;
		if ((r = sz_node_cell_apply(sc, c, r, &res)) != SZ_OK ||
		    sz_node_cell_join(rc, &jk, w, wl, &cr) != SZ_OK)
			die("join");
		free(w);
		sz_node_close(rc);
	}
	if (sz_node_attach(sc, c, data, size, true, &m, &rep) != SZ_OK ||
	    sz_node_post_files(sc, c, NULL, &m, 1, (const uint8_t *)"the file", 8, id) != SZ_OK)
		die(sz_node_errmsg(sc));
	sz_node_close(sc);

	result rl = { 1e9, 0, 0 }, rf = rl, rcell = rl;
	for (int i = 0; i < REP; i++) {
		result x;
		snprintf(name, sizeof name, "rl%d", i);
		if ((x = timed_sync("sl", name)).secs < rl.secs)
			rl = x;
		snprintf(name, sizeof name, "rf%d", i);
		if ((x = timed_sync("sf", name)).secs < rf.secs)
			rf = x;
		snprintf(name, sizeof name, "rc%d", i);
		if ((x = timed_sync("sc", name)).secs < rcell.secs)
			rcell = x;
	}
	double mb = (double)size / (1 << 20);
	uint32_t nch = sz_attach_nchunks(size);
	printf("%zu MiB between two daemons over TCP (127.0.0.1), the receiver's daemon dialing; best "
	    "of %d\n", mib, REP);
	printf("  as %u leaflets of 64 KiB                 %6.2f s  %6.1f MiB/s  read %llu bytes, %.4f x\n",
	    nch, rl.secs, mb / rl.secs, (unsigned long long)rl.bytes_in, (double)rl.bytes_in / size);
	printf("  a leaflet's file (%u + 1 public chunks)  %6.2f s  %6.1f MiB/s  %.2f x the leaflets' "
	    "rate (target >= 0.8)\n", nch, rf.secs, mb / rf.secs, rl.secs / rf.secs);
	printf("      read %llu bytes: %.4f x the file (target <= 1.05 plus chunk framing)\n",
	    (unsigned long long)rf.bytes_in, (double)rf.bytes_in / size);
	printf("  a cell's file (%u + 1 sealed chunks)     %6.2f s  %6.1f MiB/s  %.2f x the leaflets' "
	    "rate (target >= 0.8)\n", nch, rcell.secs, mb / rcell.secs, rl.secs / rcell.secs);
	printf("      read %llu bytes: %.4f x the file (target <= 1.05 plus chunk framing)\n",
	    (unsigned long long)rcell.bytes_in, (double)rcell.bytes_in / size);
	printf("  chunk framing: %u envelopes of 65,536 bytes for 65,280 of file (%.4f), the index "
	    "(%u bytes), 4 bytes each in ENVELOPES frames\n", nch, 65536.0 / 65280, 32 * nch);
	free(data);
	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
	return system(cmd) == 0 ? 0 : 1;
}
