/*
 * tor_probe.c - drives samizdat's Tor plumbing end to end on the test network (tests/tor/tor.t).
 * A standalone program on the transport layer: an echo server, a publisher using the control
 * port (attach mode) or its own tor (spawn mode), and a client connecting through SOCKS5.
 * Prints results as "key=value" lines on stdout; exits 0 on success, 1 on failure, 2 on misuse.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "lib/bytes.h"
#include "samizdat.h"
#include "transport/onionaddr.h"
#include "transport/socks5.h"
#include "transport/tcpdial.h"
#include "transport/tor.h"
#include "transport/torctl.h"

#define XOR_BYTE 0x5a          /* the echo server answers every byte XORed with this */
#define CHUNK 1024
#define RFC8032_TEST1_SEED "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"

static volatile sig_atomic_t stop_flag;

static void
on_stop(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void
catch_stop(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int
parse_port(const char *s, uint16_t *port)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/* Write text to path atomically (path.tmp then rename), mode 0600. */
static int
write_text(const char *path, const char *text)
{
	char tmp[1100];
	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
		return -1;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	size_t n = strlen(text);
	int ok = write(fd, text, n) == (ssize_t)n && write(fd, "\n", 1) == 1;
	if (close(fd) != 0 || !ok)
		return -1;
	return rename(tmp, path);
}

/* Read the first line of path into out (secret-safe: wipes its buffer). */
static int
read_line(const char *path, char *out, size_t outsz)
{
	char buf[256];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t k = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (k <= 0) {
		sodium_memzero(buf, sizeof buf);
		return -1;
	}
	buf[k] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	int r = snprintf(out, outsz, "%s", buf) >= (int)outsz ? -1 : 0;
	sodium_memzero(buf, sizeof buf);
	return r;
}

static long
ms_since(uint64_t t0)
{
	return (long)(sz_tcpdial_now_ms() - t0);
}

/* --- serve: an echo server that answers every byte XORed with XOR_BYTE -------------------- */

static int
cmd_serve(int argc, char **argv)
{
	if (argc != 1) {
		fprintf(stderr, "usage: tor_probe serve PORTFILE\n");
		return 2;
	}
	catch_stop();
	int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof a;
	if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) != 0 || listen(ls, 8) != 0 ||
	    getsockname(ls, (struct sockaddr *)&a, &al) != 0) {
		perror("serve: listen");
		return 1;
	}
	char port[16];
	snprintf(port, sizeof port, "%u", (unsigned)ntohs(a.sin_port));
	if (write_text(argv[0], port) != 0) {
		perror("serve: port file");
		return 1;
	}
	while (!stop_flag) {
		int s = accept(ls, NULL, NULL);
		if (s < 0)
			continue;
		uint8_t buf[4096];
		size_t total = 0;
		for (;;) {
			size_t got = 0;
			if (sz_tcpdial_read_some(s, buf, sizeof buf, &got,
			    sz_tcpdial_now_ms() + 60000) != SZ_OK)
				break;
			for (size_t i = 0; i < got; i++)
				buf[i] ^= XOR_BYTE;
			if (sz_tcpdial_write_all(s, buf, got, sz_tcpdial_now_ms() + 60000) != SZ_OK)
				break;
			total += got;
		}
		printf("serve_echoed=%zu\n", total);
		fflush(stdout);
		close(s);
	}
	close(ls);
	return 0;
}

/* --- publish: attach to a tor, publish, check the address is stable, hold ----------------- */

static int
hold(int seconds)
{
	for (int i = 0; i < seconds * 10 && !stop_flag; i++)
		usleep(100 * 1000);
	return 0;
}

static int
cmd_publish(int argc, char **argv)
{
	int rc = 1, r;
	uint16_t ctl, target, virt;
	sz_tor *t = NULL;
	char *key = NULL, *kept = NULL, *bad = NULL;
	char id1[SZ_ONION_ID_BUF], id2[SZ_ONION_ID_BUF], id3[SZ_ONION_ID_BUF], why[256];

	if (argc != 7 || parse_port(argv[0], &ctl) || parse_port(argv[2], &target) ||
	    parse_port(argv[3], &virt)) {
		fprintf(stderr, "usage: tor_probe publish CONTROL_PORT COOKIE TARGET_PORT VIRT_PORT "
		    "KEYFILE IDFILE HOLD_SECONDS\n");
		return 2;
	}
	const char *cookie = argv[1], *keyfile = argv[4], *idfile = argv[5];
	int hold_s = atoi(argv[6]);
	catch_stop();
	sz_tor_cfg cfg = { .control_port = ctl, .cookie_path = cookie, .timeout_ms = 10000 };
	uint64_t t0 = sz_tcpdial_now_ms();
	if ((r = sz_tor_open(&t, &cfg, why, sizeof why)) != SZ_OK) {
		fprintf(stderr, "publish: %s (%s)\n", why, sz_strerror(r));
		goto out;
	}
	sz_torctl *c = sz_tor_ctl(t);
	printf("auth_ms=%ld\n", ms_since(t0));

	/* A new key; the descriptor upload is what makes the address reachable. */
	t0 = sz_tcpdial_now_ms();
	if ((r = sz_tor_publish(t, virt, target, NULL, 60000, id1, &key)) != SZ_OK) {
		fprintf(stderr, "publish: new service: %s (%s)\n", sz_strerror(r), sz_tor_reason(t));
		goto out;
	}
	printf("service_new=%s\npublished_new_ms=%ld\n", id1, ms_since(t0));
	if (write_text(keyfile, key) != 0) {
		perror("publish: key file");
		goto out;
	}

	/* Withdraw it; a second withdrawal must be refused by tor (552) and mapped to DENIED. */
	if ((r = sz_tor_unpublish(t, id1)) != SZ_OK) {
		fprintf(stderr, "publish: DEL_ONION: %s (%s)\n", sz_strerror(r), sz_tor_reason(t));
		goto out;
	}
	if ((r = sz_tor_unpublish(t, id1)) != SZ_ERR_DENIED) {
		fprintf(stderr, "publish: second DEL_ONION gave %s, want DENIED\n", sz_strerror(r));
		goto out;
	}
	printf("del_again_reason=%s\n", sz_tor_reason(t));

	/* A tampered key (one base64 digit of the secret scalar changed) must not give the same
	 * address. */
	if ((kept = sodium_malloc(SZ_ONION_KEY_BUF)) == NULL || (bad = sodium_malloc(SZ_ONION_KEY_BUF)) == NULL)
		goto out;
	if (read_line(keyfile, kept, SZ_ONION_KEY_BUF) != 0 || sz_onion_key_check(kept) != SZ_OK) {
		fprintf(stderr, "publish: the kept key does not read back\n");
		goto out;
	}
	memcpy(bad, kept, SZ_ONION_KEY_BUF);
	size_t pos = sizeof SZ_ONION_KEY_PREFIX - 1 + 10;
	bad[pos] = bad[pos] == 'A' ? 'B' : 'A';
	r = sz_torctl_add_onion(c, bad, virt, target, 0, id3, NULL);
	if (r == SZ_OK) {
		if (strcmp(id3, id1) == 0) {
			fprintf(stderr, "publish: a tampered key gave the same address\n");
			goto out;
		}
		printf("service_tampered=%s\n", id3);
		if ((r = sz_torctl_del_onion(c, id3)) != SZ_OK)
			goto out;
	} else if (r != SZ_ERR_DENIED) {
		fprintf(stderr, "publish: tampered key: %s\n", sz_strerror(r));
		goto out;
	}

	/* A key derived from a seed: RFC 8032 section 7.1 TEST 1, whose public key Tor's own tests
	 * (src/test/test_hs_common.c, test_build_address) turn into this address.  Tor computes the
	 * address from our blob, so this checks sz_onion_key_from_seed against Tor itself. */
	{
		static const char kat_id[] = "25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenl5sid";
		uint8_t seed[32];
		if (sz_hex_decode(seed, sizeof seed, RFC8032_TEST1_SEED, 64) != SZ_OK ||
		    sz_onion_key_from_seed(bad, seed) != SZ_OK)
			goto out;
		if ((r = sz_torctl_add_onion(c, bad, virt, target, 0, id3, NULL)) != SZ_OK) {
			fprintf(stderr, "publish: seed key: %s (%s)\n", sz_strerror(r), sz_tor_reason(t));
			goto out;
		}
		if (strcmp(id3, kat_id) != 0) {
			fprintf(stderr, "publish: seed key gave %s, want %s\n", id3, kat_id);
			goto out;
		}
		printf("service_from_seed=%s\n", id3);
		if ((r = sz_torctl_del_onion(c, id3)) != SZ_OK)
			goto out;
	}

	/* The kept key, read back from its file, gives the same address again. */
	t0 = sz_tcpdial_now_ms();
	if ((r = sz_tor_publish(t, virt, target, kept, 60000, id2, NULL)) != SZ_OK) {
		fprintf(stderr, "publish: re-add: %s (%s)\n", sz_strerror(r), sz_tor_reason(t));
		goto out;
	}
	if (strcmp(id1, id2) != 0) {
		fprintf(stderr, "publish: address changed: %s then %s\n", id1, id2);
		goto out;
	}
	printf("service_again=%s\npublished_again_ms=%ld\n", id2, ms_since(t0));
	fflush(stdout);
	if (write_text(idfile, id2) != 0) {
		perror("publish: id file");
		goto out;
	}
	hold(hold_s);
	rc = 0;
out:
	fflush(stdout);
	sz_torctl_key_free(key);
	sodium_free(kept);
	sodium_free(bad);
	sz_tor_free(t);
	return rc;
}

/* --- spawn: start our own tor on the test network, publish through it, hold --------------- */

static int
cmd_spawn(int argc, char **argv)
{
	int rc = 1, r;
	uint16_t target, virt;
	sz_tor *t = NULL;
	char *key = NULL;
	char id[SZ_ONION_ID_BUF], why[256];

	if (argc != 7 || parse_port(argv[3], &target) || parse_port(argv[4], &virt)) {
		fprintf(stderr, "usage: tor_probe spawn TOR DATADIR EXTRA_TORRC TARGET_PORT VIRT_PORT "
		    "IDFILE HOLD_SECONDS\n");
		return 2;
	}
	int hold_s = atoi(argv[6]);
	catch_stop();
	sz_tor_cfg cfg = { .tor_path = argv[0], .data_dir = argv[1], .torrc_extra = argv[2],
	    .timeout_ms = 20000 };
	uint64_t t0 = sz_tcpdial_now_ms();
	if ((r = sz_tor_open(&t, &cfg, why, sizeof why)) != SZ_OK) {
		fprintf(stderr, "spawn: %s (%s)\n", why, sz_strerror(r));
		goto out;
	}
	printf("spawn_pid=%ld\nspawn_start_ms=%ld\n", (long)sz_tor_pid(t), ms_since(t0));
	fflush(stdout);
	if ((r = sz_tor_wait_ready(t, 90000)) != SZ_OK) {
		fprintf(stderr, "spawn: bootstrap: %s (%s)\n", sz_strerror(r), sz_tor_reason(t));
		goto out;
	}
	printf("spawn_bootstrap_ms=%ld\n", ms_since(t0));
	t0 = sz_tcpdial_now_ms();
	if ((r = sz_tor_publish(t, virt, target, NULL, 60000, id, &key)) != SZ_OK) {
		fprintf(stderr, "spawn: publish: %s (%s)\n", sz_strerror(r), sz_tor_reason(t));
		goto out;
	}
	printf("spawn_service=%s\nspawn_published_ms=%ld\n", id, ms_since(t0));
	fflush(stdout);
	if (write_text(argv[5], id) != 0)
		goto out;
	hold(hold_s);
	rc = 0;
out:
	fflush(stdout);
	sz_torctl_key_free(key);
	sz_tor_free(t);                          /* stops our tor, by its pid */
	return rc;
}

/* --- connect: reach HOST:PORT through a SOCKS port and check an exchange ------------------ */

static int
exchange(int fd, size_t n)
{
	uint8_t out[CHUNK], want[CHUNK], in[CHUNK];
	for (size_t done = 0; done < n;) {
		size_t k = n - done < CHUNK ? n - done : CHUNK;
		randombytes_buf(out, k);
		for (size_t i = 0; i < k; i++)
			want[i] = out[i] ^ XOR_BYTE;
		uint64_t dl = sz_tcpdial_now_ms() + 30000;
		int r = sz_tcpdial_write_all(fd, out, k, dl);
		if (r == SZ_OK)
			r = sz_tcpdial_read_all(fd, in, k, dl);
		if (r != SZ_OK) {
			fprintf(stderr, "connect: exchange: %s\n", sz_strerror(r));
			return -1;
		}
		if (memcmp(in, want, k) != 0) {
			fprintf(stderr, "connect: wrong bytes back at offset %zu\n", done);
			return -1;
		}
		done += k;
	}
	return 0;
}

static int
cmd_connect(int argc, char **argv)
{
	uint16_t socks, port;
	int fd = -1, rc = 1;
	if ((argc != 5 && argc != 6) || parse_port(argv[0], &socks) || parse_port(argv[2], &port) ||
	    (argc == 6 && strcmp(argv[5], "fail") != 0)) {
		fprintf(stderr, "usage: tor_probe connect SOCKS_PORT HOST PORT NBYTES DEADLINE_S [fail]\n");
		return 2;
	}
	size_t nbytes = (size_t)strtoul(argv[3], NULL, 10);
	int deadline_s = atoi(argv[4]);
	int expect_fail = argc == 6;
	if (deadline_s <= 0 || nbytes > (1u << 24))
		return 2;
	signal(SIGPIPE, SIG_IGN);
	sz_socks5_retry pol = { .total_ms = deadline_s * 1000, .attempt_ms = 30000, .every_ms = 1000 };
	uint64_t t0 = sz_tcpdial_now_ms();
	int r = sz_socks5_connect_retry("127.0.0.1", socks, argv[1], port, &pol, &fd);
	printf("connect_attempts=%d\nconnect_last_reply=0x%02x (%s)\nconnect_ms=%ld\n",
	    pol.attempts, pol.last_rep, sz_socks5_reply_str(pol.last_rep), ms_since(t0));
	if (r != SZ_OK) {
		printf("connect_result=%s\n", sz_strerror(r));
		rc = expect_fail ? 0 : 1;
		goto out;
	}
	if (expect_fail) {
		fprintf(stderr, "connect: reached %s, which should be unreachable\n", argv[1]);
		goto out;
	}
	t0 = sz_tcpdial_now_ms();
	if (exchange(fd, nbytes) != 0)
		goto out;
	printf("exchanged_bytes=%zu\nexchange_ms=%ld\n", nbytes, ms_since(t0));
	rc = 0;
out:
	fflush(stdout);
	if (fd >= 0)
		close(fd);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "serve", cmd_serve },
		{ "publish", cmd_publish },
		{ "spawn", cmd_spawn },
		{ "connect", cmd_connect },
	};
	if (sz_init() != SZ_OK)
		return 1;
	if (argc >= 2)
		for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
			if (strcmp(argv[1], cmds[i].name) == 0)
				return cmds[i].fn(argc - 2, argv + 2);
	fprintf(stderr, "usage: tor_probe serve|publish|spawn|connect ...\n");
	return 2;
}
