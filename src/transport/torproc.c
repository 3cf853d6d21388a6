/*
 * torproc.c - spawn and stop a tor process for a node (see torproc.h).
 * Layer: transport.  posix_spawn (no fork of a possibly threaded process); the child's stdout and
 * stderr go to tor.out in its directory so a failed start can be explained.
 */
#include "transport/torproc.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "lib/bytes.h"
#include "transport/tcpdial.h"

extern char **environ;

struct sz_torproc {
	pid_t pid;
	uint16_t control_port;
	char tordir[SZ_TORPROC_PATH_MAX + 8];
	char cookie[SZ_TORPROC_PATH_MAX + 32];
};

static void
say(char *reason, size_t reasonsz, const char *what)
{
	if (reason != NULL && reasonsz > 0)
		snprintf(reason, reasonsz, "%s", what);
}

/* Absolute, bounded, and free of what a torrc line or our quoting could misread. */
static bool
path_ok(const char *p)
{
	if (p == NULL || p[0] != '/')
		return false;
	size_t n = strnlen(p, SZ_TORPROC_PATH_MAX + 1);
	if (n > SZ_TORPROC_PATH_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c < 0x20 || c == 0x7f || c == '"' || c == '\\' || c == '#')
			return false;
	}
	return true;
}

/* Create dir with mode 0700, or check an existing one is a directory we own, and force 0700. */
static int
make_private_dir(const char *dir)
{
	struct stat st;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return SZ_ERR_IO;
	if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid())
		return SZ_ERR_IO;
	if ((st.st_mode & 0777) != 0700 && chmod(dir, 0700) != 0)
		return SZ_ERR_IO;
	return SZ_OK;
}

/* H of sz_torproc_dir: 16 hex digits naming the node in home. */
static int
home_tag(const char *home, char tag[17])
{
	char real[PATH_MAX];
	const char *h = realpath(home, real) != NULL ? real : home;
	uint8_t d[32];
	if (sz_blake2b(d, sizeof d, (const uint8_t *)h, strlen(h), NULL, 0) != SZ_OK)
		return SZ_ERR_INTERNAL;
	sz_hex_encode(tag, d, 8);
	return SZ_OK;
}

/* A directory that is ours alone: absolute, a directory (not a link), owned by us, 0700. */
static bool
private_runtime(const char *dir)
{
	struct stat st;
	return dir != NULL && dir[0] == '/' && lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) &&
	    st.st_uid == geteuid() && (st.st_mode & 0077) == 0;
}

/* The candidates of sz_torproc_dir, in order; which = 0, 1, 2. */
static int
dir_candidate(const char *home, int which, char *out, size_t n)
{
	char tag[17];
	int r = home_tag(home, tag), w = -1;
	struct stat st;
	if (r != SZ_OK)
		return r;
	const char *rt = getenv("XDG_RUNTIME_DIR");
	if (which == 0 && private_runtime(rt))
		w = snprintf(out, n, "%s/samizdat-tor-%s", rt, tag);
	else if (which == 1 && lstat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode))
		w = snprintf(out, n, "/dev/shm/samizdat-tor-%lu-%s", (unsigned long)geteuid(), tag);
	else if (which == 2)
		w = snprintf(out, n, "%s/tor", home);
	else
		return SZ_ERR_NOT_FOUND;
	return (w < 0 || (size_t)w >= n) ? SZ_ERR_TOO_LARGE : SZ_OK;
}

int
sz_torproc_dir(const char *home, char *out, size_t n)
{
	if (n > 0)
		out[0] = '\0';
	if (home == NULL || *home == '\0')
		return SZ_ERR_INVALID;
	for (int which = 0; which < 3; which++) {
		int r = dir_candidate(home, which, out, n);
		if (r != SZ_ERR_NOT_FOUND)
			return r;
	}
	return SZ_ERR_INTERNAL;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return (flag == FTW_DP ? rmdir(path) : unlink(path)) == 0 || errno == ENOENT ? 0 : -1;
}

int
sz_torproc_dir_remove(const char *home)
{
	int r = SZ_OK;
	if (home == NULL || *home == '\0')
		return SZ_ERR_INVALID;
	for (int which = 0; which < 3; which++) {
		char dir[PATH_MAX];
		struct stat st;
		if (dir_candidate(home, which, dir, sizeof dir) != SZ_OK)
			continue;
		if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid())
			continue;
		if (nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
			r = SZ_ERR_IO;
	}
	return r;
}

/* Write text to path (mode 0600), replacing it. */
static int
write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return SZ_ERR_IO;
	size_t n = strlen(text), off = 0;
	while (off < n) {
		ssize_t k = write(fd, text + off, n - off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			close(fd);
			return SZ_ERR_IO;
		}
		off += (size_t)k;
	}
	return close(fd) == 0 ? SZ_OK : SZ_ERR_IO;
}

/* Read tor's ControlPortWriteToFile: "PORT=127.0.0.1:NNNN\n".  SZ_ERR_AGAIN if not there yet. */
static int
read_port_file(const char *path, uint16_t *port)
{
	char buf[128];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? SZ_ERR_AGAIN : SZ_ERR_IO;
	ssize_t k = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (k <= 0)
		return SZ_ERR_AGAIN;
	buf[k] = '\0';
	if (strchr(buf, '\n') == NULL)
		return SZ_ERR_AGAIN;                     /* still being written */
	if (strncmp(buf, "PORT=127.0.0.1:", 15) != 0)
		return SZ_ERR_MALFORMED;
	unsigned long v = 0;
	const char *p = buf + 15;
	int digits = 0;
	for (; *p >= '0' && *p <= '9' && digits < 6; p++, digits++)
		v = v * 10 + (unsigned long)(*p - '0');
	if (digits == 0 || *p != '\n' || v == 0 || v > 65535)
		return SZ_ERR_MALFORMED;
	*port = (uint16_t)v;
	return SZ_OK;
}

/* Put the last "[err]" or "[warn]" line of tor's output into reason. */
static void
explain_exit(const char *outpath, char *reason, size_t reasonsz)
{
	char line[512], last[512] = "tor exited during start-up";
	FILE *f = fopen(outpath, "re");
	if (f != NULL) {
		while (fgets(line, sizeof line, f) != NULL)
			if (strstr(line, "[err]") != NULL || strstr(line, "[warn]") != NULL)
				snprintf(last, sizeof last, "tor exited: %.480s", line);
		fclose(f);
	}
	last[strcspn(last, "\r\n")] = '\0';
	say(reason, reasonsz, last);
}

int
sz_torproc_start(sz_torproc **out, const sz_torproc_cfg *cfg, char *reason, size_t reasonsz)
{
	int r = SZ_ERR_INTERNAL;
	sz_torproc *p = NULL;
	char *torrc = NULL;
	char path_rc[SZ_TORPROC_PATH_MAX + 32], path_def[SZ_TORPROC_PATH_MAX + 32];
	char path_out[SZ_TORPROC_PATH_MAX + 32], path_port[SZ_TORPROC_PATH_MAX + 32];
	char ctl[32], socks[32];
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t sa;
	bool fa_init = false, sa_init = false;

	if (out != NULL)
		*out = NULL;
	say(reason, reasonsz, "");
	if (out == NULL || cfg == NULL || !path_ok(cfg->tor_path) || !path_ok(cfg->dir) ||
	    (cfg->torrc_extra != NULL && !path_ok(cfg->torrc_extra)) || cfg->start_timeout_ms <= 0) {
		say(reason, reasonsz, "invalid tor configuration (paths must be absolute and plain)");
		return SZ_ERR_INVALID;
	}
	if ((p = calloc(1, sizeof *p)) == NULL)
		return SZ_ERR_NOMEM;
	p->pid = -1;
	if (sz_torproc_dir(cfg->dir, p->tordir, sizeof p->tordir) != SZ_OK || !path_ok(p->tordir)) {
		say(reason, reasonsz, "no usable directory for tor's data");
		r = SZ_ERR_INVALID;
		goto out;
	}
	snprintf(p->cookie, sizeof p->cookie, "%s/control_auth_cookie", p->tordir);
	snprintf(path_rc, sizeof path_rc, "%s/torrc", p->tordir);
	snprintf(path_def, sizeof path_def, "%s/torrc-defaults", p->tordir);
	snprintf(path_out, sizeof path_out, "%s/tor.out", p->tordir);
	snprintf(path_port, sizeof path_port, "%s/control-port", p->tordir);
	if (make_private_dir(cfg->dir) != SZ_OK || make_private_dir(p->tordir) != SZ_OK) {
		say(reason, reasonsz, "cannot create the tor data directory (mode 0700)");
		r = SZ_ERR_IO;
		goto out;
	}
	if (unlink(path_port) != 0 && errno != ENOENT) {
		r = SZ_ERR_IO;
		goto out;
	}
	if (cfg->control_port != 0)
		snprintf(ctl, sizeof ctl, "127.0.0.1:%u", (unsigned)cfg->control_port);
	else
		snprintf(ctl, sizeof ctl, "127.0.0.1:auto");
	if (cfg->socks_port != 0)
		snprintf(socks, sizeof socks, "127.0.0.1:%u", (unsigned)cfg->socks_port);
	else
		snprintf(socks, sizeof socks, "127.0.0.1:auto");
	size_t cap = 8 * SZ_TORPROC_PATH_MAX + 1024;
	if ((torrc = malloc(cap)) == NULL) {
		r = SZ_ERR_NOMEM;
		goto out;
	}
	int n = snprintf(torrc, cap,
	    "# Written by samizdat for this node's tor; rewritten at every start.\n"
	    "DataDirectory %s\n"
	    "ControlPort %s\n"
	    "ControlPortWriteToFile %s\n"
	    "CookieAuthentication 1\n"
	    "CookieAuthFile %s\n"
	    "SocksPort %s\n"
	    "RunAsDaemon 0\n"
	    "__OwningControllerProcess %ld\n"
	    "Log notice file %s/notice.log\n"
	    "%s%s%s",
	    p->tordir, ctl, path_port, p->cookie, socks, (long)getpid(), p->tordir,
	    cfg->torrc_extra ? "%include " : "", cfg->torrc_extra ? cfg->torrc_extra : "",
	    cfg->torrc_extra ? "\n" : "");
	if (n < 0 || (size_t)n >= cap) {
		r = SZ_ERR_INTERNAL;
		goto out;
	}
	if (write_file(path_rc, torrc) != SZ_OK || write_file(path_def, "") != SZ_OK) {
		say(reason, reasonsz, "cannot write the torrc");
		r = SZ_ERR_IO;
		goto out;
	}

	/* An empty defaults file: no system-wide torrc-defaults leaks into the node's tor. */
	char *argv[] = { (char *)cfg->tor_path, "--defaults-torrc", path_def, "-f", path_rc, NULL };
	if (posix_spawn_file_actions_init(&fa) != 0) {
		r = SZ_ERR_NOMEM;
		goto out;
	}
	fa_init = true;
	if (posix_spawnattr_init(&sa) != 0) {
		r = SZ_ERR_NOMEM;
		goto out;
	}
	sa_init = true;
	sigset_t none, dfl;
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGTERM);
	sigaddset(&dfl, SIGINT);
	sigaddset(&dfl, SIGHUP);
	sigaddset(&dfl, SIGPIPE);
	if (posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0) != 0 ||
	    posix_spawn_file_actions_addopen(&fa, 1, path_out, O_WRONLY | O_CREAT | O_TRUNC, 0600) != 0 ||
	    posix_spawn_file_actions_adddup2(&fa, 1, 2) != 0 ||
	    posix_spawnattr_setsigmask(&sa, &none) != 0 ||
	    posix_spawnattr_setsigdefault(&sa, &dfl) != 0 ||
	    posix_spawnattr_setflags(&sa, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF) != 0) {
		r = SZ_ERR_INTERNAL;
		goto out;
	}
	pid_t pid;
	if (posix_spawn(&pid, cfg->tor_path, &fa, &sa, argv, environ) != 0) {
		say(reason, reasonsz, "cannot start the tor binary");
		r = SZ_ERR_IO;
		goto out;
	}
	p->pid = pid;

	/* Wait for the control port, noticing if tor gives up first. */
	uint64_t deadline = sz_tcpdial_now_ms() + (uint64_t)cfg->start_timeout_ms;
	for (;;) {
		int st = 0;
		pid_t w = waitpid(p->pid, &st, WNOHANG);
		if (w == p->pid) {
			p->pid = -1;
			explain_exit(path_out, reason, reasonsz);
			r = SZ_ERR_UNREACHABLE;
			goto out;
		}
		r = read_port_file(path_port, &p->control_port);
		if (r == SZ_OK)
			break;
		if (r != SZ_ERR_AGAIN) {
			say(reason, reasonsz, "tor wrote an unexpected control-port file");
			goto out;
		}
		if (sz_tcpdial_now_ms() >= deadline) {
			say(reason, reasonsz, "tor did not open its control port in time");
			r = SZ_ERR_TIMEOUT;
			goto out;
		}
		usleep(50 * 1000);
	}
	*out = p;
	p = NULL;
	r = SZ_OK;
out:
	if (fa_init)
		posix_spawn_file_actions_destroy(&fa);
	if (sa_init)
		posix_spawnattr_destroy(&sa);
	free(torrc);
	sz_torproc_free(p);
	return r;
}

pid_t
sz_torproc_pid(const sz_torproc *p)
{
	return p != NULL ? p->pid : -1;
}

uint16_t
sz_torproc_control_port(const sz_torproc *p)
{
	return p != NULL ? p->control_port : 0;
}

const char *
sz_torproc_cookie_path(const sz_torproc *p)
{
	return p != NULL ? p->cookie : "";
}

int
sz_torproc_stop(sz_torproc *p, int grace_ms, int *status)
{
	int st = 0;
	if (status != NULL)
		*status = 0;
	if (p == NULL || grace_ms < 0)
		return SZ_ERR_INVALID;
	if (p->pid <= 0)
		return SZ_OK;
	/* Unreaped, the child's pid cannot belong to anyone else: signalling it is safe. */
	(void)kill(p->pid, SIGTERM);
	uint64_t deadline = sz_tcpdial_now_ms() + (uint64_t)grace_ms;
	for (;;) {
		pid_t w = waitpid(p->pid, &st, WNOHANG);
		if (w == p->pid)
			goto reaped;
		if (w < 0 && errno != EINTR)
			return SZ_ERR_IO;                 /* not our child (cannot happen) */
		if (sz_tcpdial_now_ms() >= deadline)
			break;
		usleep(20 * 1000);
	}
	(void)kill(p->pid, SIGKILL);
	while (waitpid(p->pid, &st, 0) < 0)
		if (errno != EINTR)
			return SZ_ERR_IO;
reaped:
	p->pid = -1;
	if (status != NULL)
		*status = st;
	return SZ_OK;
}

void
sz_torproc_free(sz_torproc *p)
{
	if (p == NULL)
		return;
	if (p->pid > 0) {
		int ignored = sz_torproc_stop(p, SZ_TORPROC_STOP_GRACE_MS, NULL);
		(void)ignored;                        /* nothing more can be done here */
	}
	free(p);
}
