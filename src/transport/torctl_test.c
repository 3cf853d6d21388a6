/*
 * torctl_test.c - unit tests of the Tor control-port client (transport/torctl.c) against a fake
 * control port in a thread, over a socketpair: no network, no tor.  The fake computes SAFECOOKIE
 * exactly as control-spec.txt section 3.24 says, so the HMAC exchange is checked both ways; the
 * tampered cases (a port that does not know the cookie, a wrong cookie) must fail without the
 * client revealing its proof.  Canned replies follow tor 0.4.9.11's, plus malformed and 5xx ones.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "crypto/crypto.h"
#include "lib/bytes.h"
#include "lib/env.h"
#include "transport/tcpdial.h"
#include "transport/torctl.h"

#define ID1 "zgfdfzsqlptmjayggba775dy6ossa2usy3pd2na33k4r27qi7yrl4jqd"
#define ID2 "25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenl5sid"
#define ID3 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaad"
/* A key blob in tor 0.4.9.11's format (base64 of 64 bytes). */
#define KEY1 "ED25519-V3:ANLOnFKroG8JpaUrXIbzlRFgyhl5gy5lT3HjrTHkIGbh0A+e+yaV5dZYCjdp3/G1XYuBOS55H2OClOkmX1ZGtA=="

typedef struct script {
	const char *prefix;   /* a command starting with this ... */
	const char *reply;    /* ... gets this reply (several replies may be concatenated) */
} script;

typedef struct fake {
	int fd;
	pthread_t th;
	const char *methods;          /* AUTH METHODS= of PROTOCOLINFO */
	char cookiefile[256];         /* COOKIEFILE= of PROTOCOLINFO */
	uint8_t cookie[32];           /* the cookie the fake believes in */
	const script *sc;             /* checked before the built-in answers */
	bool silent;                  /* read, never answer */
	uint8_t cn[32], sn[32];
	char log[32][512];
	int nlog;
} fake;

static const char SKEY[] = "Tor safe cookie authentication server-to-controller hash";
static const char CKEY[] = "Tor safe cookie authentication controller-to-server hash";

static void
say(fake *f, const char *s)
{
	int r = sz_tcpdial_write_all(f->fd, s, strlen(s), sz_tcpdial_now_ms() + 2000);
	(void)r;
}

static void
safecookie_hash(const char *key, const uint8_t cookie[32], const uint8_t cn[32],
    const uint8_t sn[32], uint8_t out[32])
{
	uint8_t msg[96];
	memcpy(msg, cookie, 32);
	memcpy(msg + 32, cn, 32);
	memcpy(msg + 64, sn, 32);
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, (const uint8_t *)key, strlen(key));
	crypto_auth_hmacsha256_update(&st, msg, sizeof msg);
	crypto_auth_hmacsha256_final(&st, out);
}

static void
answer(fake *f, const char *cmd)
{
	char buf[1024], hex[65];
	for (const script *s = f->sc; s != NULL && s->prefix != NULL; s++) {
		if (strncmp(cmd, s->prefix, strlen(s->prefix)) == 0) {
			say(f, s->reply);
			return;
		}
	}
	if (strcmp(cmd, "PROTOCOLINFO 1") == 0) {
		snprintf(buf, sizeof buf, "250-PROTOCOLINFO 1\r\n250-AUTH METHODS=%s COOKIEFILE=\"%s\"\r\n"
		    "250-VERSION Tor=\"0.4.9.11\"\r\n250 OK\r\n", f->methods, f->cookiefile);
		say(f, buf);
	} else if (strncmp(cmd, "AUTHCHALLENGE SAFECOOKIE ", 25) == 0) {
		uint8_t sh[32];
		if (sz_hex_decode(f->cn, 32, cmd + 25, strlen(cmd + 25)) != SZ_OK) {
			say(f, "513 Invalid base16 client nonce\r\n");
			return;
		}
		randombytes_buf(f->sn, 32);
		safecookie_hash(SKEY, f->cookie, f->cn, f->sn, sh);
		char shx[65], snx[65];
		sz_hex_encode(shx, sh, 32);
		sz_hex_encode(snx, f->sn, 32);
		snprintf(buf, sizeof buf, "250 AUTHCHALLENGE SERVERHASH=%s SERVERNONCE=%s\r\n", shx, snx);
		say(f, buf);
	} else if (strncmp(cmd, "AUTHENTICATE", 12) == 0) {
		uint8_t want[32];
		if (strstr(f->methods, "NULL") != NULL) {
			say(f, "250 OK\r\n");
			return;
		}
		if (strstr(f->methods, "SAFECOOKIE") != NULL)
			safecookie_hash(CKEY, f->cookie, f->cn, f->sn, want);
		else
			memcpy(want, f->cookie, 32);
		sz_hex_encode(hex, want, 32);
		if (strlen(cmd) == 13 + 64 && strcmp(cmd + 13, hex) == 0)
			say(f, "250 OK\r\n");
		else
			say(f, "515 Authentication failed: Safe cookie response did not match expected value.\r\n");
	} else if (strncmp(cmd, "DEL_ONION ", 10) == 0) {
		say(f, "552 Unknown Onion Service id\r\n");
	} else if (strcmp(cmd, "SETEVENTS") == 0 || strncmp(cmd, "SETEVENTS ", 10) == 0) {
		say(f, "250 OK\r\n");
	} else if (strcmp(cmd, "QUIT") == 0) {
		say(f, "250 closing connection\r\n");
	} else {
		snprintf(buf, sizeof buf, "510 Unrecognized command \"%.100s\"\r\n", cmd);
		say(f, buf);
	}
}

static void *
fake_main(void *arg)
{
	fake *f = arg;
	char line[8192];
	size_t n = 0;
	for (;;) {
		char ch;
		ssize_t k = read(f->fd, &ch, 1);
		if (k <= 0)
			break;
		if (n + 1 >= sizeof line)
			break;
		line[n++] = ch;
		if (n >= 2 && line[n - 2] == '\r' && line[n - 1] == '\n') {
			line[n - 2] = '\0';
			if (f->nlog < 32)
				snprintf(f->log[f->nlog++], sizeof f->log[0], "%.500s", line);
			if (!f->silent)
				answer(f, line);
			n = 0;
		}
	}
	close(f->fd);
	return NULL;
}

static char cookie_path[64];
static uint8_t cookie_bytes[32];
static sz_env_seeded seeded;

static int
setup_cookie(void **state)
{
	(void)state;
	snprintf(cookie_path, sizeof cookie_path, "/tmp/sz-torctl-cookie.XXXXXX");
	int fd = mkstemp(cookie_path);
	if (fd < 0)
		return -1;
	randombytes_buf(cookie_bytes, 32);
	if (write(fd, cookie_bytes, 32) != 32)
		return -1;
	close(fd);
	sz_env_seeded_init(&seeded, 7, 0);
	return 0;
}

static int
teardown_cookie(void **state)
{
	(void)state;
	unlink(cookie_path);
	return 0;
}

/* Start a fake with these methods and script; return a client connected to it. */
static sz_torctl *
start(fake *f, const char *methods, const script *sc)
{
	int sv[2];
	memset(f, 0, sizeof *f);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	f->fd = sv[1];
	f->methods = methods;
	f->sc = sc;
	snprintf(f->cookiefile, sizeof f->cookiefile, "%s", cookie_path);
	memcpy(f->cookie, cookie_bytes, 32);
	assert_int_equal(pthread_create(&f->th, NULL, fake_main, f), 0);
	sz_torctl *c = NULL;
	assert_int_equal(sz_torctl_from_fd(&c, sv[0], &seeded.env), SZ_OK);
	return c;
}

static void
finish(fake *f, sz_torctl *c)
{
	sz_torctl_free(c);                       /* closes our end: the fake sees EOF */
	pthread_join(f->th, NULL);
}

static bool
logged(const fake *f, const char *prefix)
{
	for (int i = 0; i < f->nlog; i++)
		if (strncmp(f->log[i], prefix, strlen(prefix)) == 0)
			return true;
	return false;
}

static void
test_auth_safecookie(void **state)
{
	(void)state;
	fake f;
	sz_torctl *c = start(&f, "COOKIE,SAFECOOKIE", NULL);
	assert_int_equal(sz_torctl_authenticate(c, cookie_path, 0), SZ_OK);
	assert_true(logged(&f, "AUTHCHALLENGE SAFECOOKIE "));
	assert_true(logged(&f, "AUTHENTICATE "));
	finish(&f, c);
	assert_true(logged(&f, "QUIT"));

	/* With no path given, the COOKIEFILE named by PROTOCOLINFO is used. */
	c = start(&f, "SAFECOOKIE", NULL);
	assert_int_equal(sz_torctl_authenticate(c, NULL, 0), SZ_OK);
	finish(&f, c);
}

static void
test_auth_tampered(void **state)
{
	(void)state;
	fake f;
	/* The control port does not know our cookie: its SERVERHASH fails, and we must stop
	 * before sending any proof of ours. */
	sz_torctl *c = start(&f, "COOKIE,SAFECOOKIE", NULL);
	f.cookie[5] ^= 0x10;
	assert_int_equal(sz_torctl_authenticate(c, cookie_path, SZ_TORCTL_AUTH_ALLOW_COOKIE),
	    SZ_ERR_DENIED);
	assert_string_equal(sz_torctl_reason(c), "the control port could not prove it knows the cookie");
	finish(&f, c);
	assert_true(logged(&f, "AUTHCHALLENGE"));
	assert_false(logged(&f, "AUTHENTICATE"));

	/* Plain COOKIE with the wrong cookie: tor's 515 becomes DENIED with its reason. */
	c = start(&f, "COOKIE", NULL);
	f.cookie[0] ^= 1;
	assert_int_equal(sz_torctl_authenticate(c, cookie_path, SZ_TORCTL_AUTH_ALLOW_COOKIE),
	    SZ_ERR_DENIED);
	assert_int_equal(strncmp(sz_torctl_reason(c), "515 Authentication failed", 25), 0);
	finish(&f, c);
}

static void
test_auth_methods(void **state)
{
	(void)state;
	fake f;
	/* COOKIE only: refused unless allowed, since it hands the cookie to whoever listens. */
	sz_torctl *c = start(&f, "COOKIE", NULL);
	assert_int_equal(sz_torctl_authenticate(c, cookie_path, 0), SZ_ERR_UNSUPPORTED);
	finish(&f, c);
	assert_false(logged(&f, "AUTHENTICATE"));
	c = start(&f, "COOKIE", NULL);
	assert_int_equal(sz_torctl_authenticate(c, cookie_path, SZ_TORCTL_AUTH_ALLOW_COOKIE), SZ_OK);
	finish(&f, c);

	c = start(&f, "NULL", NULL);
	assert_int_equal(sz_torctl_authenticate(c, "/nonexistent", 0), SZ_OK);
	finish(&f, c);
	assert_true(logged(&f, "AUTHENTICATE"));

	c = start(&f, "HASHEDPASSWORD", NULL);
	assert_int_equal(sz_torctl_authenticate(c, cookie_path, SZ_TORCTL_AUTH_ALLOW_COOKIE),
	    SZ_ERR_UNSUPPORTED);
	finish(&f, c);

	/* A cookie file that is missing, or not 32 bytes. */
	c = start(&f, "SAFECOOKIE", NULL);
	assert_int_equal(sz_torctl_authenticate(c, "/nonexistent/cookie", 0), SZ_ERR_IO);
	finish(&f, c);
	char shortp[64];
	snprintf(shortp, sizeof shortp, "/tmp/sz-torctl-short.XXXXXX");
	int fd = mkstemp(shortp);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, cookie_bytes, 31), 31);
	close(fd);
	c = start(&f, "SAFECOOKIE", NULL);
	assert_int_equal(sz_torctl_authenticate(c, shortp, 0), SZ_ERR_IO);
	finish(&f, c);
	unlink(shortp);
	assert_false(logged(&f, "AUTHCHALLENGE"));

	/* PROTOCOLINFO without AUTH. */
	static const script noauth[] = {
		{ "PROTOCOLINFO", "250-PROTOCOLINFO 1\r\n250 OK\r\n" }, { NULL, NULL } };
	c = start(&f, "SAFECOOKIE", noauth);
	assert_int_equal(sz_torctl_authenticate(c, cookie_path, 0), SZ_ERR_PEER);
	finish(&f, c);

	/* A malformed AUTHCHALLENGE answer. */
	static const script badchal[] = {
		{ "AUTHCHALLENGE", "250 AUTHCHALLENGE SERVERHASH=00 SERVERNONCE=00\r\n" }, { NULL, NULL } };
	c = start(&f, "SAFECOOKIE", badchal);
	assert_int_equal(sz_torctl_authenticate(c, cookie_path, 0), SZ_ERR_PEER);
	assert_false(logged(&f, "AUTHENTICATE"));
	finish(&f, c);
}

static void
test_add_onion(void **state)
{
	(void)state;
	fake f;
	char id[SZ_ONION_ID_BUF];
	char *key = NULL;
	static const script ok[] = {
		{ "ADD_ONION NEW:", "250-ServiceID=" ID1 "\r\n250-PrivateKey=" KEY1 "\r\n250 OK\r\n" },
		{ "ADD_ONION ED25519-V3:", "250-ServiceID=" ID1 "\r\n250 OK\r\n" },
		{ NULL, NULL } };
	sz_torctl *c = start(&f, "SAFECOOKIE", ok);
	assert_int_equal(sz_torctl_add_onion(c, NULL, 80, 9, 0, id, &key), SZ_OK);
	assert_string_equal(id, ID1);
	assert_non_null(key);
	assert_string_equal(key, KEY1);
	assert_true(logged(&f, "ADD_ONION NEW:ED25519-V3 Port=80,127.0.0.1:9"));
	/* The same key again, detached. */
	assert_int_equal(sz_torctl_add_onion(c, key, 80, 9, SZ_TORCTL_ONION_DETACH, id, NULL), SZ_OK);
	assert_string_equal(id, ID1);
	assert_true(logged(&f, "ADD_ONION " KEY1 " Flags=Detach Port=80,127.0.0.1:9"));
	sz_torctl_key_free(key);
	key = NULL;
	/* DiscardPK needs no out-parameter. */
	assert_int_equal(sz_torctl_add_onion(c, NULL, 80, 9, SZ_TORCTL_ONION_DISCARD_PK, id, NULL), SZ_OK);
	assert_true(logged(&f, "ADD_ONION NEW:ED25519-V3 Flags=DiscardPK Port=80,127.0.0.1:9"));
	/* Bad arguments are refused before anything is sent. */
	int before = f.nlog;
	assert_int_equal(sz_torctl_add_onion(c, NULL, 80, 9, 0, id, NULL), SZ_ERR_INVALID);
	assert_int_equal(sz_torctl_add_onion(c, NULL, 0, 9, 0, id, &key), SZ_ERR_INVALID);
	assert_int_equal(sz_torctl_add_onion(c, NULL, 80, 0, 0, id, &key), SZ_ERR_INVALID);
	assert_int_equal(sz_torctl_add_onion(c, NULL, 80, 9, 8, id, &key), SZ_ERR_INVALID);
	assert_int_equal(sz_torctl_add_onion(c, "ED25519-V3:abc Port=1", 80, 9, 0, id, NULL),
	    SZ_ERR_INVALID);
	assert_int_equal(sz_torctl_add_onion(c, KEY1, 80, 9, SZ_TORCTL_ONION_DISCARD_PK, id, NULL),
	    SZ_ERR_INVALID);
	assert_int_equal(sz_torctl_del_onion(c, "not-an-id"), SZ_ERR_INVALID);
	usleep(50 * 1000);
	assert_int_equal(f.nlog, before);
	/* DEL_ONION of an unknown id: tor's 552 is DENIED, with the reason kept. */
	assert_int_equal(sz_torctl_del_onion(c, ID2), SZ_ERR_DENIED);
	assert_string_equal(sz_torctl_reason(c), "552 Unknown Onion Service id");
	finish(&f, c);
}

/* Client authorization: the service names its clients' public keys in base32 (52 characters, as
 * tor reads them); a client hands its tor the secret in base64; a replaced credential (251) is
 * fine; bad arguments send nothing. */
static void
test_client_auth(void **state)
{
	(void)state;
	fake f;
	char id[SZ_ONION_ID_BUF];
	static const script ok[] = {
		{ "ADD_ONION ED25519-V3:", "250-ServiceID=" ID1 "\r\n250 OK\r\n" },
		{ "ONION_CLIENT_AUTH_ADD " ID2, "251 Client for onion existed and replaced\r\n" },
		{ "ONION_CLIENT_AUTH_ADD ", "250 OK\r\n" },
		{ "ONION_CLIENT_AUTH_REMOVE ", "251 No credentials for \"x\"\r\n" },
		{ NULL, NULL } };
	sz_torctl *c = start(&f, "SAFECOOKIE", ok);
	uint8_t pk[2][32], sk[32];
	memset(pk[0], 0x00, 32);
	memset(pk[1], 0xff, 32);
	assert_int_equal(sz_torctl_add_onion_auth(c, KEY1, 80, 9, 0, (const uint8_t(*)[32])pk, 2, id,
	    NULL), SZ_OK);
	assert_string_equal(id, ID1);
	assert_true(logged(&f, "ADD_ONION " KEY1 " Flags=V3Auth Port=80,127.0.0.1:9 "
	    "ClientAuthV3=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa "
	    "ClientAuthV3=777777777777777777777777777777777777777777777777777q"));
	memset(sk, 0, 32);
	sk[31] = 0x01;
	assert_int_equal(sz_torctl_client_auth_add(c, ID3, sk), SZ_OK);
	assert_true(logged(&f, "ONION_CLIENT_AUTH_ADD " ID3
	    " x25519:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE="));
	assert_int_equal(sz_torctl_client_auth_add(c, ID2, sk), SZ_OK);
	assert_int_equal(sz_torctl_client_auth_remove(c, ID2), SZ_OK);
	int before = f.nlog;
	memset(sk, 0, 32);
	assert_int_equal(sz_torctl_client_auth_add(c, ID2, sk), SZ_ERR_INVALID);
	assert_int_equal(sz_torctl_client_auth_add(c, "not-an-id", pk[1]), SZ_ERR_INVALID);
	assert_int_equal(sz_torctl_add_onion_auth(c, KEY1, 80, 9, 0, NULL, 1, id, NULL),
	    SZ_ERR_INVALID);
	assert_int_equal(sz_torctl_add_onion_auth(c, KEY1, 80, 9, 0, (const uint8_t(*)[32])pk,
	    SZ_TORCTL_MAX_CLIENTS + 1, id, NULL), SZ_ERR_INVALID);
	usleep(50 * 1000);
	assert_int_equal(f.nlog, before);
	finish(&f, c);
}

static void
test_add_onion_bad_replies(void **state)
{
	(void)state;
	const script *cases[] = {
		(const script[]){ { "ADD_ONION", "250-PrivateKey=" KEY1 "\r\n250 OK\r\n" }, { NULL, NULL } },
		(const script[]){ { "ADD_ONION", "250-ServiceID=ZGFD\r\n250-PrivateKey=" KEY1 "\r\n250 OK\r\n" },
		    { NULL, NULL } },
		(const script[]){ { "ADD_ONION", "250-ServiceID=" ID1 "\r\n250 OK\r\n" }, { NULL, NULL } },
		(const script[]){ { "ADD_ONION", "250-ServiceID=" ID1 "\r\n250-PrivateKey=RSA1024:AAAA\r\n250 OK\r\n" },
		    { NULL, NULL } },
		(const script[]){ { "ADD_ONION", "250-ServiceID=" ID1 "\r\n251 OK\r\n" }, { NULL, NULL } },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		fake f;
		char id[SZ_ONION_ID_BUF];
		char *key = (char *)1;
		sz_torctl *c = start(&f, "SAFECOOKIE", cases[i]);
		assert_int_equal(sz_torctl_add_onion(c, NULL, 80, 9, 0, id, &key), SZ_ERR_PEER);
		assert_null(key);
		assert_string_equal(id, "");
		/* Out of step: every later call is refused. */
		assert_int_equal(sz_torctl_command(c, "GETINFO version", NULL), SZ_ERR_STATE);
		finish(&f, c);
	}
	/* A refusal is not a protocol error: the connection stays usable. */
	static const script refused[] = {
		{ "ADD_ONION", "512 Bad arguments to ADD_ONION: Cannot add onion service\r\n" },
		{ "GETINFO version", "250-version=0.4.9.11\r\n250 OK\r\n" }, { NULL, NULL } };
	fake f;
	char id[SZ_ONION_ID_BUF];
	char *key = NULL;
	sz_torctl *c = start(&f, "SAFECOOKIE", refused);
	assert_int_equal(sz_torctl_add_onion(c, NULL, 80, 9, 0, id, &key), SZ_ERR_DENIED);
	assert_string_equal(sz_torctl_reason(c), "512 Bad arguments to ADD_ONION: Cannot add onion service");
	sz_torreply rep;
	assert_int_equal(sz_torctl_command(c, "GETINFO version", &rep), SZ_OK);
	const char *v;
	assert_int_equal(sz_torreply_getinfo(&rep, "version", &v), SZ_OK);
	assert_string_equal(v, "0.4.9.11");
	sz_torreply_free(&rep);
	finish(&f, c);
}

static int events_seen;

static void
count_event(void *ctx, const sz_torreply *ev)
{
	(void)ctx;
	assert_true(sz_torreply_is_event(ev));
	events_seen++;
}

static void
test_bootstrap_and_events(void **state)
{
	(void)state;
	static const script sc[] = {
		{ "GETINFO status/bootstrap-phase",
		  "650 STATUS_CLIENT NOTICE CIRCUIT_ESTABLISHED\r\n"
		  "250-status/bootstrap-phase=NOTICE BOOTSTRAP PROGRESS=85 TAG=ap_conn_done "
		  "SUMMARY=\"Connected to a relay to build circuits\"\r\n250 OK\r\n" },
		{ NULL, NULL } };
	fake f;
	int p = -1;
	events_seen = 0;
	sz_torctl *c = start(&f, "SAFECOOKIE", sc);
	sz_torctl_set_event_fn(c, count_event, NULL);
	assert_int_equal(sz_torctl_bootstrap(c, &p), SZ_OK);
	assert_int_equal(p, 85);
	assert_int_equal(events_seen, 1);
	/* Never reaching 100 within the bound is a timeout, with the progress in the reason. */
	assert_int_equal(sz_torctl_wait_bootstrap(c, 300), SZ_ERR_TIMEOUT);
	assert_string_equal(sz_torctl_reason(c), "bootstrap stuck at 85%");
	finish(&f, c);

	static const char *bad[] = {
		"250-status/bootstrap-phase=NOTICE BOOTSTRAP PROGRESS=101 TAG=x\r\n250 OK\r\n",
		"250-status/bootstrap-phase=NOTICE BOOTSTRAP PROGRESS=-1 TAG=x\r\n250 OK\r\n",
		"250-status/bootstrap-phase=NOTICE BOOTSTRAP TAG=x\r\n250 OK\r\n",
		"250-status/bootstrap-phase=NOTICE BOOTSTRAP PROGRESS=1000 TAG=x\r\n250 OK\r\n",
		"250 OK\r\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		script one[] = { { "GETINFO", bad[i] }, { NULL, NULL } };
		c = start(&f, "SAFECOOKIE", one);
		assert_int_equal(sz_torctl_bootstrap(c, &p), SZ_ERR_PEER);
		assert_int_equal(p, 0);
		finish(&f, c);
	}
	static const script done[] = {
		{ "GETINFO status/bootstrap-phase", "250-status/bootstrap-phase=NOTICE BOOTSTRAP "
		  "PROGRESS=100 TAG=done SUMMARY=\"Done\"\r\n250 OK\r\n" }, { NULL, NULL } };
	c = start(&f, "SAFECOOKIE", done);
	assert_int_equal(sz_torctl_wait_bootstrap(c, 1000), SZ_OK);
	finish(&f, c);
}

static void
test_wait_published(void **state)
{
	(void)state;
	static const script sc[] = {
		{ "SETEVENTS HS_DESC", "250 OK\r\n"
		  "650 HS_DESC CREATED " ID1 " UNKNOWN UNKNOWN ACmTmHkPggWyzVDRcOrj3Ls9TtyLCu8l1bhRdfYRRZ0\r\n"
		  "650 HS_DESC UPLOADED " ID2 " UNKNOWN $519F547BB643FAF84C32B73B46B0305BD773C270~auth1\r\n"
		  "650 HS_DESC UPLOAD " ID1 " UNKNOWN $519F547BB643FAF84C32B73B46B0305BD773C270~auth1 "
		  "ACmTmHkPggWyzVDRcOrj3Ls9TtyLCu8l1bhRdfYRRZ0 HSDIR_INDEX=0101\r\n"
		  "650 HS_DESC UPLOADED " ID1 " UNKNOWN $519F547BB643FAF84C32B73B46B0305BD773C270~auth1\r\n"
		  "650 HS_DESC UPLOADED " ID1 " UNKNOWN $4D58183C36EC503FE10CDBFA67DFDC0F859E419A~auth2\r\n" },
		{ "GETINFO version", "250-version=0.4.9.11\r\n250 OK\r\n" },
		{ NULL, NULL } };
	fake f;
	sz_torctl *c = start(&f, "SAFECOOKIE", sc);
	assert_int_equal(sz_torctl_wait_published(c, ID1, 2000), SZ_OK);
	assert_true(logged(&f, "SETEVENTS"));
	/* The events still in flight were drained; the connection is in step. */
	assert_int_equal(sz_torctl_command(c, "GETINFO version", NULL), SZ_OK);
	/* Another service is never uploaded here: a timeout that leaves the connection usable. */
	assert_int_equal(sz_torctl_wait_published(c, ID3, 300), SZ_ERR_TIMEOUT);
	assert_int_equal(sz_torctl_command(c, "GETINFO version", NULL), SZ_OK);
	finish(&f, c);
}

static void
test_socks_listener(void **state)
{
	(void)state;
	char host[46];
	uint16_t port;
	fake f;
	static const script sc[] = {
		{ "GETINFO net/listeners/socks",
		  "250-net/listeners/socks=\"unix:/run/tor/socks\" \"10.0.0.1:9050\" \"[::1]:9150\"\r\n250 OK\r\n" },
		{ NULL, NULL } };
	sz_torctl *c = start(&f, "SAFECOOKIE", sc);
	assert_int_equal(sz_torctl_socks_listener(c, host, &port), SZ_OK);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 9150);
	finish(&f, c);

	static const script none[] = {
		{ "GETINFO net/listeners/socks", "250-net/listeners/socks=\r\n250 OK\r\n" }, { NULL, NULL } };
	c = start(&f, "SAFECOOKIE", none);
	assert_int_equal(sz_torctl_socks_listener(c, host, &port), SZ_ERR_NOT_FOUND);
	assert_int_equal(port, 0);
	finish(&f, c);
}

static void
test_errors(void **state)
{
	(void)state;
	fake f;
	/* Command injection: a CR, LF or NUL never reaches the port. */
	sz_torctl *c = start(&f, "SAFECOOKIE", NULL);
	assert_int_equal(sz_torctl_command(c, "GETINFO version\r\nSIGNAL HALT", NULL), SZ_ERR_INVALID);
	assert_int_equal(sz_torctl_command(c, "GETINFO version\nSIGNAL HALT", NULL), SZ_ERR_INVALID);
	/* An unknown command: 510 is a refusal. */
	assert_int_equal(sz_torctl_command(c, "FOO", NULL), SZ_ERR_DENIED);
	assert_string_equal(sz_torctl_reason(c), "510 Unrecognized command \"FOO\"");
	finish(&f, c);
	assert_false(logged(&f, "SIGNAL"));

	/* An oversized reply: PEER, and the connection is then refused. */
	char *big = malloc(SZ_TORREPLY_MAX_LINE + 64);
	assert_non_null(big);
	memcpy(big, "250-", 4);
	memset(big + 4, 'x', SZ_TORREPLY_MAX_LINE + 8);
	memcpy(big + 4 + SZ_TORREPLY_MAX_LINE + 8, "\r\n250 OK\r\n", 11);
	script sc[] = { { "GETINFO", big }, { NULL, NULL } };
	c = start(&f, "SAFECOOKIE", sc);
	assert_int_equal(sz_torctl_command(c, "GETINFO x", NULL), SZ_ERR_PEER);
	assert_int_equal(sz_torctl_command(c, "GETINFO x", NULL), SZ_ERR_STATE);
	finish(&f, c);
	free(big);

	/* Garbage. */
	static const script junk[] = { { "GETINFO", "HTTP/1.0 200 OK\r\n\r\n" }, { NULL, NULL } };
	c = start(&f, "SAFECOOKIE", junk);
	assert_int_equal(sz_torctl_command(c, "GETINFO x", NULL), SZ_ERR_PEER);
	finish(&f, c);

	/* A silent port: a timeout, after which the connection is out of step. */
	c = start(&f, "SAFECOOKIE", NULL);
	f.silent = true;
	sz_torctl_set_timeout(c, 200);
	assert_int_equal(sz_torctl_command(c, "GETINFO version", NULL), SZ_ERR_TIMEOUT);
	assert_int_equal(sz_torctl_command(c, "GETINFO version", NULL), SZ_ERR_STATE);
	finish(&f, c);

	/* The port closes mid-reply. */
	static const script cut[] = { { "GETINFO", "250-version=0.4" }, { "QUIT", "" }, { NULL, NULL } };
	c = start(&f, "SAFECOOKIE", cut);
	shutdown(f.fd, SHUT_WR);
	assert_int_equal(sz_torctl_command(c, "GETINFO version", NULL), SZ_ERR_CLOSED);
	finish(&f, c);
}

static void
test_connect(void **state)
{
	(void)state;
	sz_torctl *c = (sz_torctl *)1;
	/* Never a control port over a network, never a name to resolve. */
	assert_int_equal(sz_torctl_connect(&c, "192.0.2.1", 9051, 100), SZ_ERR_INVALID);
	assert_null(c);
	assert_int_equal(sz_torctl_connect(&c, "localhost", 9051, 100), SZ_ERR_INVALID);
	/* Nothing listening: UNREACHABLE (tor is not running). */
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof a;
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &al), 0);
	close(s);                                /* the port is now closed */
	assert_int_equal(sz_torctl_connect(&c, "127.0.0.1", ntohs(a.sin_port), 1000),
	    SZ_ERR_UNREACHABLE);
	assert_null(c);
	sz_torctl_free(NULL);
	assert_string_equal(sz_torctl_reason(NULL), "");
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auth_safecookie),
		cmocka_unit_test(test_auth_tampered),
		cmocka_unit_test(test_auth_methods),
		cmocka_unit_test(test_add_onion),
		cmocka_unit_test(test_add_onion_bad_replies),
		cmocka_unit_test(test_client_auth),
		cmocka_unit_test(test_bootstrap_and_events),
		cmocka_unit_test(test_wait_published),
		cmocka_unit_test(test_socks_listener),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_connect),
	};
	return cmocka_run_group_tests(tests, setup_cookie, teardown_cookie);
}
