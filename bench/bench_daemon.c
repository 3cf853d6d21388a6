/*
 * bench_daemon.c - `make bench`: the real daemon's memory (issue 16 target: peak RSS <= 64 MiB).
 * A node of BENCH_DAEMON_N leaflets (default 1,000,000; 100-byte bodies) is served by the real
 * `samizdat serve` process (build/rel/samizdat, default Argon2id, as a user runs it); the real
 * `samizdat sync` of another process syncs with it, once from a fresh node and once from a node
 * that lacks the last 10.  Printed: the daemon's VmHWM (peak RSS) after unlocking, after serving
 * the fresh peer, and (a new daemon) after serving the peer that differs by 10, each over 64 MiB;
 * and the syncs' wall times.  Scratch space: about 1.7 GB for the default N, in $TMPDIR or /tmp.
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

static void
die(const char *what)
{
	fprintf(stderr, "bench_daemon: %s\n", what);
	exit(1);
}

static char base[256], exe[PATH_MAX];

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
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		int dn = open("/dev/null", O_WRONLY);
		if (dn >= 0) {
			dup2(dn, 1);
			dup2(dn, 2);
		}
		execv(exe, argv);
		_exit(127);
	}
	int ws;
	if (waitpid(pid, &ws, 0) != pid || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
		die("a samizdat command failed");
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
	FILE *f = fdopen(fds[0], "r");
	if (f == NULL || fgets(d->addr, sizeof d->addr, f) == NULL)
		die("the daemon did not start");
	d->addr[strcspn(d->addr, "\n")] = '\0';
	fclose(f);
}

/* VmHWM (peak resident set) of pid, in KiB. */
static long
hwm_kib(pid_t pid)
{
	char p[64], line[256];
	long kib = -1;
	snprintf(p, sizeof p, "/proc/%d/status", (int)pid);
	FILE *f = fopen(p, "r");
	while (f != NULL && fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
			break;
	if (f != NULL)
		fclose(f);
	return kib;
}

static void
stop(daemon_t *d)
{
	int ws;
	kill(d->pid, SIGTERM);
	waitpid(d->pid, &ws, 0);
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
	snprintf(base, sizeof base, "%s/sz-bench-daemon.XXXXXX", tmp ? tmp : "/tmp");
	if (sz_init() != SZ_OK || mkdtemp(base) == NULL)
		return 1;

	/* The served node, as a user makes it (default Argon2id), with n - 10 leaflets; a copy of
	 * it is the peer that will differ by 10; then the served node gets the last 10. */
	uint8_t pk[32], sk[64], seed[32] = { 5 };
	char s_home[400], p_home[400], f_home[400], cmd[1000];
	path(s_home, sizeof s_home, "s");
	path(p_home, sizeof p_home, "p");
	path(f_home, sizeof f_home, "f");
	write_pass("s.pw", "bench daemon");
	write_pass("p.pw", "bench daemon");
	write_pass("f.pw", "bench fresh");
	if (sz_sign_seed_keypair(pk, sk, seed) != SZ_OK)
		return 1;
	sz_node *s;
	double t0 = now_s();
	if (sz_node_create(&s, s_home, "bench daemon", 12, NULL) != SZ_OK)
		die(sz_node_last_error());
	fill(s, sk, 0, n - 10);
	sz_node_close(s);
	snprintf(cmd, sizeof cmd, "cp -a '%s' '%s'", s_home, p_home);
	if (system(cmd) != 0)
		die("copy");
	if (sz_node_open(&s, s_home, "bench daemon", 12) != SZ_OK)
		die(sz_node_last_error());
	fill(s, sk, n - 10, n);
	sz_node_close(s);
	sz_node_opts fast = { .kdf_ops = 1, .kdf_mem_kib = 8 * 1024 };
	sz_node *f;
	if (sz_node_create(&f, f_home, "bench fresh", 11, &fast) != SZ_OK)
		die(sz_node_last_error());
	sz_node_close(f);
	double t_build = now_s() - t0;

	daemon_t d;
	serve(&d, "s", "s.pw");
	long unlocked = hwm_kib(d.pid);
	double t_fresh = sync_with(&d, "f", "f.pw");
	long fresh = hwm_kib(d.pid);
	stop(&d);
	serve(&d, "s", "s.pw");
	double t_ten = sync_with(&d, "p", "p.pw");
	long ten = hwm_kib(d.pid);
	stop(&d);

	printf("the real daemon (samizdat serve) holding %zu leaflets (built in %.0f s)\n", n, t_build);
	printf("  peak RSS after unlocking (default Argon2id)       %6.1f MiB  %.2f of 64 MiB\n",
	    unlocked / 1024.0, unlocked / 65536.0);
	printf("  peak RSS serving a fresh peer (%zu envelopes, %.0f s) %6.1f MiB  %.2f of 64 MiB  "
	    "(target <= 1)\n", n, t_fresh, fresh / 1024.0, fresh / 65536.0);
	printf("  peak RSS serving a peer that differs by 10 (%.2f s)  %6.1f MiB  %.2f of 64 MiB  "
	    "(target <= 1)\n", t_ten, ten / 1024.0, ten / 65536.0);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
	return system(cmd) == 0 ? 0 : 1;
}
