/*
 * torproc.h - start a tor process for a node ("spawn mode") and stop it again.
 * Layer: transport.  The tor runs with its DataDirectory under a runtime directory (tmpfs: gone
 * at shutdown, and removed by a wipe; sz_torproc_dir), its control and SOCKS ports on 127.0.0.1
 * only, cookie authentication, and __OwningControllerProcess set to our pid so it exits when we
 * do.  Only the pid we started is ever signalled.
 */
#ifndef SZ_TRANSPORT_TORPROC_H
#define SZ_TRANSPORT_TORPROC_H

#include <stdint.h>
#include <sys/types.h>

#include "samizdat.h"

typedef struct sz_torproc sz_torproc;

#define SZ_TORPROC_PATH_MAX 1024     /* bytes of any path we put in a torrc */
#define SZ_TORPROC_STOP_GRACE_MS 10000

typedef struct sz_torproc_cfg {
	const char *tor_path;    /* the tor binary (absolute path) */
	const char *dir;         /* the node's data directory; tor's is sz_torproc_dir(dir) (0700) */
	uint16_t control_port;   /* 127.0.0.1:control_port, or 0 for a port tor picks */
	uint16_t socks_port;     /* 127.0.0.1:socks_port, or 0 for a port tor picks */
	const char *torrc_extra; /* a file of extra torrc lines, %include'd last; NULL for none */
	int start_timeout_ms;    /* bound on waiting for the control port (> 0) */
} sz_torproc_cfg;

/*
 * Where the tor spawned for the node in home keeps its DataDirectory (docs/THREAT_MODEL.md §3.4:
 * tor's state, logs and caches say when the node ran, and must not outlive it):
 *   $XDG_RUNTIME_DIR/samizdat-tor-H       if XDG_RUNTIME_DIR is an absolute directory of ours,
 *                                         mode 0700 (systemd's /run/user/UID, a tmpfs);
 *   /dev/shm/samizdat-tor-UID-H           else, if /dev/shm is a directory (tmpfs);
 *   home/tor                              else (on disk: removed with the node by a wipe).
 * H is 16 hex digits of BLAKE2b-256(the real path of home), so that two nodes do not share one.
 * SZ_ERR_INVALID for an empty home, SZ_ERR_TOO_LARGE if out (n bytes) is too small.
 */
SZ_MUST_CHECK int sz_torproc_dir(const char *home, char *out, size_t n);

/* Remove every directory sz_torproc_dir may have given for home (whatever the environment is
 * now), with all it holds; only directories we own.  SZ_OK if none was left, SZ_ERR_IO if one
 * could not be removed whole. */
SZ_MUST_CHECK int sz_torproc_dir_remove(const char *home);

/*
 * Write the torrc in sz_torproc_dir(dir) and start tor on it; wait until its control port is
 * listening (tor writes it to control-port there).  Paths must be absolute, at most SZ_TORPROC_PATH_MAX bytes and free
 * of control characters, '"', '\\' and '#' (they go into a torrc).  On success *out owns the
 * process; the caller must release it with sz_torproc_free (which stops it).
 * SZ_ERR_INVALID for bad paths, SZ_ERR_IO when files cannot be written or tor cannot be started,
 * SZ_ERR_MALFORMED when its control-port file is not "PORT=127.0.0.1:N",
 * SZ_ERR_UNREACHABLE when tor exited during start-up (its output is in dir/tor/tor.out; the
 * first line of its last error is in *reason), SZ_ERR_TIMEOUT.  reason (may be NULL) receives
 * reasonsz bytes of explanation on failure.
 */
SZ_MUST_CHECK int sz_torproc_start(sz_torproc **out, const sz_torproc_cfg *cfg, char *reason,
    size_t reasonsz);

/* The child's pid, or -1 once it has been reaped. */
pid_t sz_torproc_pid(const sz_torproc *p);
/* The control port tor listens on (127.0.0.1). */
uint16_t sz_torproc_control_port(const sz_torproc *p);
/* The path of tor's control cookie (control_auth_cookie in its directory). */
const char *sz_torproc_cookie_path(const sz_torproc *p);

/*
 * Stop the process: SIGTERM, wait up to grace_ms for it to exit, then SIGKILL; reap it.  Only
 * our own child is signalled, and only while it has not been reaped (so its pid cannot have
 * been reused).  *status (may be NULL) receives the waitpid status.  SZ_OK once reaped.
 */
SZ_MUST_CHECK int sz_torproc_stop(sz_torproc *p, int grace_ms, int *status);

/* Stop (SZ_TORPROC_STOP_GRACE_MS) if still running, and release.  Accepts NULL. */
void sz_torproc_free(sz_torproc *p);

#endif /* SZ_TRANSPORT_TORPROC_H */
