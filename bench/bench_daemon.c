/*
 * bench_daemon.c - `make bench`: the real daemon's memory (issue 16 target: peak RSS <= 64 MiB).
 * A node of BENCH_DAEMON_N leaflets (default 1,000,000; 100-byte bodies) is served by the real
 * `samizdat serve` process (build/rel/samizdat, default Argon2id, as a user runs it); the real
 * `samizdat sync` of another process syncs with it, once from a fresh node and once from a node
 * that lacks the last 10.  Printed: the daemon's VmHWM (peak RSS) after unlocking, after serving
 * the fresh peer, and (a new daemon) after serving the peer that differs by 10, each over 64 MiB;
 * and the syncs' wall times.  Scratch space: about 1.7 GB for the default N, in $TMPDIR or /tmp.
 * Exits 1 if a peak is over the budget (docs/bench/daemon.md), so the budget is checked, not only
 * printed.  BENCH_DAEMON_DIR=DIR keeps the built nodes in DIR and reuses them in later runs (the
 * build takes minutes at 10^6); a failing samizdat command's messages are printed.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "samizdat.h"
#include "app/node_int.h"
#include "crypto/crypto.h"
#include "sync/frame.h"
#include "wire/entry.h"
#include "wire/envelope.h"

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The whole daemon's budget (docs/bench/daemon.md): peak RSS, KiB. */
#define BUDGET_KIB (64 * 1024)

static char base[256], exe[PATH_MAX];
static pid_t serving = -1; /* the daemon running now, stopped if the bench dies */

static void
die(const char *what)
{
	fprintf(stderr, "bench_daemon: %s\n", what);
	if (serving > 0)
		kill(serving, SIGTERM);
	exit(1);
}

static void
path(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", base, name);
}

/* Leaflets [from, to) into n, in sync-sized batches. */
static void
fill(sz_node *n, const uint8_t sk[64], size_t from, size_t to)
{
	enum { B = SZ_BATCH_MAX_ENVELOPES };
	uint8_t **envs = calloc(B, sizeof *envs);
	size_t *lens = calloc(B, sizeof *lens);
	if (envs == NULL || lens == NULL)
		die("out of memory");
	for (size_t i = from; i < to; i += B) {
		size_t k = to - i < B ? to - i : B;
		for (size_t j = 0; j < k; j++) {
			uint8_t *e, id[32], body[100];
			size_t el;
			memset(body, 'x', sizeof body);
			snprintf((char *)body, sizeof body, "leaflet %zu ", i + j);
			if (sz_entry_build(&e, &el, id, SZ_KIND_LEAFLET, NULL, 0, 1700000000000ull + i + j,
			    body, sizeof body, sk) != SZ_OK ||
			    sz_env_wrap_public(&envs[j], &lens[j], e, el) != SZ_OK)
				die("entry");
			free(e);
		}
		if (sz_node_ingest(n, (const uint8_t *const *)envs, lens, k, NULL) != SZ_OK)
			die(sz_node_errmsg(n));
		for (size_t j = 0; j < k; j++)
			free(envs[j]);
	}
	free(envs);
	free(lens);
}

static void
write_pass(const char *name, const char *pass)
{
	char p[400];
	path(p, sizeof p, name);
	FILE *f = fopen(p, "w");
	if (f == NULL || fprintf(f, "%s\n", pass) < 0 || fclose(f) != 0)
		die("passphrase file");
}

static void
run(char *const argv[])
{
	char err[400];
	path(err, sizeof err, "cmd.err");
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		int dn = open("/dev/null", O_WRONLY), ef = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (dn >= 0)
			dup2(dn, 1);
		if (ef >= 0)
			dup2(ef, 2);
		execv(exe, argv);
		_exit(127);
	}
	int ws;
	if (waitpid(pid, &ws, 0) != pid || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
		char line[512];
		FILE *f = fopen(err, "r");
		while (f != NULL && fgets(line, sizeof line, f) != NULL)
			fprintf(stderr, "  | %s", line);
		if (f != NULL)
			fclose(f);
		die("a samizdat command failed");
	}
}

typedef struct daemon {
	pid_t pid;
	char addr[128];
} daemon_t;

static void
serve(daemon_t *d, const char *home, const char *pw)
{
	char h[400], p[400];
	int fds[2];
	path(h, sizeof h, home);
	path(p, sizeof p, pw);
	if (pipe(fds) != 0)
		die("pipe");
	d->pid = fork();
	if (d->pid < 0)
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
	serving = d->pid;
	FILE *f = fdopen(fds[0], "r");
	if (f == NULL || fgets(d->addr, sizeof d->addr, f) == NULL)
		die("the daemon did not start");
	d->addr[strcspn(d->addr, "\n")] = '\0';
	fclose(f);
}

/* A field of /proc/pid/status (VmHWM: peak resident set; VmRSS: resident now), in KiB. */
static long
status_kib(pid_t pid, const char *field)
{
	char p[64], line[256];
	long kib = -1;
	size_t fl = strlen(field);
	snprintf(p, sizeof p, "/proc/%d/status", (int)pid);
	FILE *f = fopen(p, "r");
	while (f != NULL && fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, field, fl) == 0 && line[fl] == ':') {
			kib = strtol(line + fl + 1, NULL, 10);
			break;
		}
	if (f != NULL)
		fclose(f);
	return kib;
}

static long
hwm_kib(pid_t pid)
{
	return status_kib(pid, "VmHWM");
}

/* Start pid's peak over from what it holds now (Linux: "5" to clear_refs), so that what serving
 * costs shows apart from the unlock's Argon2id.  false if the kernel refuses. */
static bool
hwm_reset(pid_t pid)
{
	char p[64];
	snprintf(p, sizeof p, "/proc/%d/clear_refs", (int)pid);
	FILE *f = fopen(p, "w");
	bool ok = f != NULL && fputs("5", f) >= 0;
	if (f != NULL && fclose(f) != 0)
		ok = false;
	return ok;
}

static void
stop(daemon_t *d)
{
	int ws;
	kill(d->pid, SIGTERM);
	waitpid(d->pid, &ws, 0);
	serving = -1;
}

/* A sync of the node in home with the daemon; its wall time. */
static double
sync_with(const daemon_t *d, const char *home, const char *pw)
{
	char h[400], p[400], addr[128];
	path(h, sizeof h, home);
	path(p, sizeof p, pw);
	snprintf(addr, sizeof addr, "%s", d->addr);
	char *argv[] = { exe, "--home", h, "--passphrase-file", p, "sync", addr, NULL };
	double t0 = now_s();
	run(argv);
	return now_s() - t0;
}

int
main(int argc, char **argv)
{
	const char *ns = getenv("BENCH_DAEMON_N"), *tmp = getenv("TMPDIR");
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : ns ? strtoul(ns, NULL, 10) : 1000000;
	if (n < 100)
		n = 100;
	/* build/rel/bench/bench_daemon -> build/rel/samizdat */
	ssize_t l = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (l <= 0)
		return 1;
	exe[l] = '\0';
	char *slash = strrchr(exe, '/');
	if (slash == NULL)
		return 1;
	*slash = '\0';
	slash = strrchr(exe, '/');
	if (slash == NULL)
		return 1;
	snprintf(slash, sizeof exe - (size_t)(slash - exe), "/samizdat");
	if (access(exe, X_OK) != 0)
		die("build/rel/samizdat is missing (make)");
	const char *keep = getenv("BENCH_DAEMON_DIR");
	if (sz_init() != SZ_OK)
		return 1;
	if (keep != NULL && *keep != '\0') {
		snprintf(base, sizeof base, "%s", keep);
		if (mkdir(base, 0700) != 0 && errno != EEXIST)
			die("BENCH_DAEMON_DIR cannot be made");
	} else {
		snprintf(base, sizeof base, "%s/sz-bench-daemon.XXXXXX", tmp ? tmp : "/tmp");
		if (mkdtemp(base) == NULL)
			return 1;
	}

	/* The served node, as a user makes it (default Argon2id), with n - 10 leaflets; a copy of
	 * it (p0, kept pristine) is the peer that will differ by 10; then the served node gets the
	 * last 10.  A kept directory whose "built" file names the same n is used as it is. */
	uint8_t pk[32], sk[64], seed[32] = { 5 };
	char s_home[400], p_home[400], p0_home[400], f_home[400], built[400], cmd[2000];
	path(s_home, sizeof s_home, "s");
	path(p_home, sizeof p_home, "p");
	path(p0_home, sizeof p0_home, "p0");
	path(f_home, sizeof f_home, "f");
	path(built, sizeof built, "built");
	write_pass("s.pw", "bench daemon");
	write_pass("p.pw", "bench daemon");
	write_pass("f.pw", "bench fresh");
	if (sz_sign_seed_keypair(pk, sk, seed) != SZ_OK)
		return 1;
	double t0 = now_s();
	size_t had = 0;
	FILE *bf = fopen(built, "r");
	if (bf != NULL) {
		if (fscanf(bf, "%zu", &had) != 1)
			had = 0;
		fclose(bf);
	}
	if (had != n) {
		sz_node *s;
		snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s' '%s' '%s'", s_home, p_home, p0_home, built);
		if (system(cmd) != 0)
			die("cleaning");
		if (sz_node_create(&s, s_home, "bench daemon", 12, NULL) != SZ_OK)
			die(sz_node_last_error());
		fill(s, sk, 0, n - 10);
		sz_node_close(s);
		snprintf(cmd, sizeof cmd, "cp -a '%s' '%s'", s_home, p0_home);
		if (system(cmd) != 0)
			die("copy");
		if (sz_node_open(&s, s_home, "bench daemon", 12) != SZ_OK)
			die(sz_node_last_error());
		fill(s, sk, n - 10, n);
		sz_node_close(s);
		if ((bf = fopen(built, "w")) == NULL || fprintf(bf, "%zu\n", n) < 0 || fclose(bf) != 0)
			die("writing the built mark");
	}
	snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s' && cp -a '%s' '%s'", p_home, f_home, p0_home,
	    p_home);
	if (system(cmd) != 0)
		die("copy");
	sz_node_opts fast = { .kdf_ops = 1, .kdf_mem_kib = 8 * 1024 };
	sz_node *f;
	if (sz_node_create(&f, f_home, "bench fresh", 11, &fast) != SZ_OK)
		die(sz_node_last_error());
	sz_node_close(f);
	double t_build = now_s() - t0;

	daemon_t d;
	serve(&d, "s", "s.pw");
	long unlocked = hwm_kib(d.pid), rest = status_kib(d.pid, "VmRSS");
	bool reset = hwm_reset(d.pid);
	double t_fresh = sync_with(&d, "f", "f.pw");
	long fresh = hwm_kib(d.pid), fresh_serving = reset ? fresh : -1;
	stop(&d);
	serve(&d, "s", "s.pw");
	reset = hwm_reset(d.pid);
	double t_ten = sync_with(&d, "p", "p.pw");
	long ten = hwm_kib(d.pid), ten_serving = reset ? ten : -1;
	/* the whole process's peak includes the unlock's */
	fresh = fresh > unlocked ? fresh : unlocked;
	ten = ten > unlocked ? ten : unlocked;
	stop(&d);

	printf("the real daemon (samizdat serve) holding %zu leaflets (%s in %.0f s)\n", n,
	    had == n ? "reused, made ready" : "built", t_build);
	printf("  peak RSS after unlocking (default Argon2id)       %6.1f MiB  %.2f of 64 MiB  "
	    "(then %.1f MiB resident)\n", unlocked / 1024.0, unlocked / 65536.0, rest / 1024.0);
	printf("  peak RSS serving a fresh peer (%zu envelopes, %.0f s) %6.1f MiB  %.2f of 64 MiB  "
	    "(target <= 1)\n", n, t_fresh, fresh / 1024.0, fresh / 65536.0);
	printf("  peak RSS serving a peer that differs by 10 (%.2f s)  %6.1f MiB  %.2f of 64 MiB  "
	    "(target <= 1)\n", t_ten, ten / 1024.0, ten / 65536.0);
	if (fresh_serving >= 0 && ten_serving >= 0)
		printf("  the serving alone (peak counted from after the unlock): fresh peer %.1f MiB, "
		    "peer differing by 10 %.1f MiB\n", fresh_serving / 1024.0, ten_serving / 1024.0);
	long worst = unlocked > fresh ? unlocked : fresh;
	worst = worst > ten ? worst : ten;
	if (worst > BUDGET_KIB)
		printf("  OVER the daemon's budget of %d MiB (docs/bench/daemon.md)\n", BUDGET_KIB / 1024);
	if (keep == NULL || *keep == '\0') {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
		if (system(cmd) != 0)
			return 1;
	}
	return worst > BUDGET_KIB ? 1 : 0;
}
