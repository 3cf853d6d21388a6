/*
 * torproc_test.c - unit tests of spawn mode (transport/torproc.c) with a fake "tor": a shell
 * script that reads the torrc it is given, writes the control-port file as tor does
 * (ControlPortWriteToFile: "PORT=127.0.0.1:N"), and sleeps; or ignores SIGTERM; or fails.
 * The real tor is exercised by tests/tor/tor.t.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "transport/tcpdial.h"
#include "transport/torproc.h"

static char base[64];

static void
write_script(const char *path, const char *body)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n%s", body);
	fclose(f);
	assert_int_equal(chmod(path, 0700), 0);
}

/* Writes the port file and becomes a sleep (so the pid we hold is the sleeper itself). */
static const char GOOD[] =
    "pf=$(sed -n 's/^ControlPortWriteToFile //p' \"$4\")\n"
    "printf 'PORT=127.0.0.1:12345\\n' >\"$pf\"\n"
    "exec sleep 30\n";
static const char STUBBORN[] =
    "pf=$(sed -n 's/^ControlPortWriteToFile //p' \"$4\")\n"
    "printf 'PORT=127.0.0.1:12346\\n' >\"$pf\"\n"
    "trap '' TERM\n"
    "exec sleep 30\n";
static const char FAILS[] =
    "echo 'Nov 26 15:19:34.480 [warn] Failed to parse/validate config: bad option'\n"
    "echo 'Nov 26 15:19:34.480 [err] Reading config failed--see warnings above.'\n"
    "exit 1\n";
static const char MUTE[] = "exec sleep 30\n";
static const char GARBLED[] =
    "pf=$(sed -n 's/^ControlPortWriteToFile //p' \"$4\")\n"
    "printf 'PORT=10.0.0.1:1\\n' >\"$pf\"\n"
    "exec sleep 30\n";

static int
setup(void **state)
{
	(void)state;
	char run[128];
	snprintf(base, sizeof base, "/tmp/sz-torproc.XXXXXX");
	if (mkdtemp(base) == NULL)
		return -1;
	/* tor's directory goes under the runtime directory: one of the test's own */
	snprintf(run, sizeof run, "%s/run", base);
	if (mkdir(run, 0700) != 0)
		return -1;
	return setenv("XDG_RUNTIME_DIR", run, 1);
}

static int
teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_start_stop(void **state)
{
	(void)state;
	char tor[128], dir[128], extra[128], buf[4096];
	snprintf(tor, sizeof tor, "%s/faketor", base);
	snprintf(dir, sizeof dir, "%s/node", base);
	snprintf(extra, sizeof extra, "%s/extra.torrc", base);
	write_script(tor, GOOD);
	sz_torproc_cfg cfg = { .tor_path = tor, .dir = dir, .socks_port = 9999,
	    .torrc_extra = extra, .start_timeout_ms = 5000 };
	sz_torproc *p = NULL;
	char why[200];
	assert_int_equal(sz_torproc_start(&p, &cfg, why, sizeof why), SZ_OK);
	assert_non_null(p);
	assert_int_equal(sz_torproc_control_port(p), 12345);
	assert_true(sz_torproc_pid(p) > 0);
	char tordir[256];
	assert_int_equal(sz_torproc_dir(dir, tordir, sizeof tordir), SZ_OK);
	snprintf(buf, sizeof buf, "%s/run/samizdat-tor-", base);
	assert_memory_equal(tordir, buf, strlen(buf)); /* under the runtime directory */
	snprintf(buf, sizeof buf, "%s/control_auth_cookie", tordir);
	assert_string_equal(sz_torproc_cookie_path(p), buf);

	/* The data directories are private, tor's is not in the node's; the torrc says what the
	 * brief asks. */
	struct stat st;
	assert_int_equal(stat(tordir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	snprintf(buf, sizeof buf, "%s/tor", dir);
	assert_int_equal(stat(buf, &st), -1);
	snprintf(buf, sizeof buf, "%s/torrc", tordir);
	FILE *f = fopen(buf, "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	char line[512];
	assert_non_null(strstr(buf, "ControlPort 127.0.0.1:auto\n"));
	assert_non_null(strstr(buf, "SocksPort 127.0.0.1:9999\n"));
	assert_non_null(strstr(buf, "CookieAuthentication 1\n"));
	assert_non_null(strstr(buf, "RunAsDaemon 0\n"));
	snprintf(line, sizeof line, "__OwningControllerProcess %ld\n", (long)getpid());
	assert_non_null(strstr(buf, line));
	snprintf(line, sizeof line, "%%include %s\n", extra);
	assert_non_null(strstr(buf, line));
	snprintf(line, sizeof line, "DataDirectory %s\n", tordir);
	assert_non_null(strstr(buf, line));

	/* SIGTERM is enough for a process that obeys it. */
	int status = 0;
	pid_t pid = sz_torproc_pid(p);
	assert_int_equal(sz_torproc_stop(p, 5000, &status), SZ_OK);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
	assert_int_equal(sz_torproc_pid(p), -1);
	assert_int_equal(kill(pid, 0), -1);      /* reaped: gone */
	/* Stopping again does nothing: a reaped pid is never signalled. */
	assert_int_equal(sz_torproc_stop(p, 5000, &status), SZ_OK);
	assert_int_equal(status, 0);
	sz_torproc_free(p);
	sz_torproc_free(NULL);

	/* A second start in the same directory works (stale port file removed). */
	cfg.torrc_extra = NULL;
	cfg.control_port = 9051;
	assert_int_equal(sz_torproc_start(&p, &cfg, why, sizeof why), SZ_OK);
	sz_torproc_free(p);
	/* A wipe removes it whole. */
	assert_int_equal(sz_torproc_dir_remove(dir), SZ_OK);
	assert_int_equal(stat(tordir, &st), -1);
}

/* Where tor's directory goes when there is no private runtime directory: /dev/shm (tmpfs), or
 * else the node's own directory, which a wipe removes. */
static void
test_dir_fallbacks(void **state)
{
	(void)state;
	char dir[128], other[128], a[512], b[512], run[128];
	struct stat st;
	snprintf(dir, sizeof dir, "%s/node9", base);
	snprintf(other, sizeof other, "%s/node10", base);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(mkdir(other, 0700), 0);
	/* Two nodes never share one. */
	assert_int_equal(sz_torproc_dir(dir, a, sizeof a), SZ_OK);
	assert_int_equal(sz_torproc_dir(other, b, sizeof b), SZ_OK);
	assert_string_not_equal(a, b);
	/* A runtime directory others may enter is not used. */
	snprintf(run, sizeof run, "%s/run", base);
	assert_int_equal(chmod(run, 0755), 0);
	assert_int_equal(sz_torproc_dir(dir, a, sizeof a), SZ_OK);
	if (stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode))
		assert_memory_equal(a, "/dev/shm/samizdat-tor-", 22);
	else
		assert_memory_equal(a, dir, strlen(dir));
	assert_int_equal(chmod(run, 0700), 0);
	assert_int_equal(sz_torproc_dir("", a, sizeof a), SZ_ERR_INVALID);
	assert_int_equal(sz_torproc_dir(dir, a, 10), SZ_ERR_TOO_LARGE);
	/* The fallback in the node's directory is removed too, whatever the environment now. */
	snprintf(a, sizeof a, "%s/tor", dir);
	assert_int_equal(mkdir(a, 0700), 0);
	snprintf(b, sizeof b, "%s/tor/state", dir);
	FILE *f = fopen(b, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(sz_torproc_dir_remove(dir), SZ_OK);
	assert_int_equal(stat(a, &st), -1);
}

static void
test_stubborn(void **state)
{
	(void)state;
	char tor[128], dir[128];
	snprintf(tor, sizeof tor, "%s/stubborn", base);
	snprintf(dir, sizeof dir, "%s/node2", base);
	write_script(tor, STUBBORN);
	sz_torproc_cfg cfg = { .tor_path = tor, .dir = dir, .start_timeout_ms = 5000 };
	sz_torproc *p = NULL;
	assert_int_equal(sz_torproc_start(&p, &cfg, NULL, 0), SZ_OK);
	assert_int_equal(sz_torproc_control_port(p), 12346);
	usleep(100 * 1000);                      /* let the script set its trap */
	int status = 0;
	uint64_t t0 = sz_tcpdial_now_ms();
	assert_int_equal(sz_torproc_stop(p, 300, &status), SZ_OK);
	uint64_t dt = sz_tcpdial_now_ms() - t0;
	assert_true(dt >= 300 && dt < 3000);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	sz_torproc_free(p);
}

static void
test_failures(void **state)
{
	(void)state;
	char tor[128], dir[128], why[300];
	sz_torproc *p = (sz_torproc *)1;
	snprintf(dir, sizeof dir, "%s/node3", base);

	/* tor exits during start-up: its last [err]/[warn] line is the reason. */
	snprintf(tor, sizeof tor, "%s/fails", base);
	write_script(tor, FAILS);
	sz_torproc_cfg cfg = { .tor_path = tor, .dir = dir, .start_timeout_ms = 5000 };
	assert_int_equal(sz_torproc_start(&p, &cfg, why, sizeof why), SZ_ERR_UNREACHABLE);
	assert_null(p);
	assert_non_null(strstr(why, "Reading config failed"));

	/* tor never opens its control port: a timeout, and the process is stopped. */
	snprintf(tor, sizeof tor, "%s/mute", base);
	write_script(tor, MUTE);
	cfg.start_timeout_ms = 300;
	assert_int_equal(sz_torproc_start(&p, &cfg, why, sizeof why), SZ_ERR_TIMEOUT);
	assert_null(p);

	/* A control-port file that is not on 127.0.0.1. */
	snprintf(tor, sizeof tor, "%s/garbled", base);
	write_script(tor, GARBLED);
	cfg.start_timeout_ms = 5000;
	assert_int_equal(sz_torproc_start(&p, &cfg, why, sizeof why), SZ_ERR_MALFORMED);

	/* No such binary. */
	snprintf(tor, sizeof tor, "%s/none", base);
	assert_int_equal(sz_torproc_start(&p, &cfg, why, sizeof why), SZ_ERR_IO);

	/* Paths that could not be written into a torrc safely, or are relative. */
	static const char *bad[] = { "relative/dir", "/tmp/a#b", "/tmp/a\"b", "/tmp/a\nb", "/tmp/a\\b", "" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		sz_torproc_cfg b = cfg;
		b.dir = bad[i];
		assert_int_equal(sz_torproc_start(&p, &b, why, sizeof why), SZ_ERR_INVALID);
		b = cfg;
		b.torrc_extra = bad[i];
		assert_int_equal(sz_torproc_start(&p, &b, why, sizeof why), SZ_ERR_INVALID);
	}
	cfg.start_timeout_ms = 0;
	assert_int_equal(sz_torproc_start(&p, &cfg, why, sizeof why), SZ_ERR_INVALID);
	assert_int_equal(sz_torproc_start(&p, NULL, why, sizeof why), SZ_ERR_INVALID);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_stop),
		cmocka_unit_test(test_stubborn),
		cmocka_unit_test(test_failures),
		cmocka_unit_test(test_dir_fallbacks),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
