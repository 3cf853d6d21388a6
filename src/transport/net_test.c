/*
 * net_test.c - unit tests of addresses as text and of the local-network address a node
 * advertises (transport/net.c).  Hostile text must be refused with a reason, never read past.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "transport/net.h"

static void
test_parse_and_format(void **state)
{
	(void)state;
	static const char *const good[] = { "127.0.0.1:7070", "[::1]:9", "10.0.0.5:0",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaad.onion:7070", NULL };
	for (size_t i = 0; good[i] != NULL; i++) {
		sz_addr a;
		char why[128], text[SZ_NET_ADDR_TEXT];
		assert_int_equal(sz_addr_parse(&a, good[i], why, sizeof why), SZ_OK);
		assert_int_equal(sz_addr_format(&a, text, sizeof text), SZ_OK);
		assert_string_equal(text, good[i]);
	}
	static const char *const bad[] = { "127.0.0.1", "host.example:80", "1.2.3.4:65536",
		"1.2.3.4:-1", "1.2.3.4:+1", "[::1:80", "::1:80x", ":80", "1.2.3.4:",
		"abc.onion:1", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAD.onion:1", NULL };
	for (size_t i = 0; bad[i] != NULL; i++) {
		sz_addr a;
		char why[128];
		assert_int_equal(sz_addr_parse(&a, bad[i], why, sizeof why), SZ_ERR_INVALID);
		assert_true(strlen(why) > 0);
	}
	sz_addr a;
	char why[128], small[8];
	assert_int_equal(sz_addr_parse(&a, "127.0.0.1:7070", why, sizeof why), SZ_OK);
	assert_int_equal(sz_addr_format(&a, small, sizeof small), SZ_ERR_TOO_LARGE);
	assert_string_equal(small, "");
}

static void
test_wildcard(void **state)
{
	(void)state;
	assert_true(sz_net_is_wildcard("0.0.0.0"));
	assert_true(sz_net_is_wildcard("::"));
	assert_false(sz_net_is_wildcard("127.0.0.1"));
	assert_false(sz_net_is_wildcard("192.168.1.2"));
	assert_false(sz_net_is_wildcard("::1"));
	assert_false(sz_net_is_wildcard("nonsense"));
}

/* The advertised address: a private IPv4 address before a public one, before IPv6; never
 * loopback, link-local or a down interface. */
static void
test_lan_pick(void **state)
{
	(void)state;
	char out[SZ_NET_HOST_MAX];
	sz_net_ifaddr ifs[] = {
		{ "127.0.0.1", true, true },
		{ "::1", true, true },
		{ "fe80::1", true, false },
		{ "169.254.3.4", true, false },
		{ "2001:db8::5", true, false },
		{ "fd00::7", true, false },
		{ "203.0.113.9", true, false },
		{ "192.168.1.20", false, false },   /* down */
		{ "172.20.0.3", true, false },
	};
	size_t n = sizeof ifs / sizeof ifs[0];
	assert_int_equal(sz_net_lan_pick(ifs, n, out), SZ_OK);
	assert_string_equal(out, "172.20.0.3");
	assert_int_equal(sz_net_lan_pick(ifs, n - 1, out), SZ_OK);
	assert_string_equal(out, "203.0.113.9");
	assert_int_equal(sz_net_lan_pick(ifs, n - 3, out), SZ_OK);
	assert_string_equal(out, "fd00::7");
	assert_int_equal(sz_net_lan_pick(ifs, 5, out), SZ_OK);
	assert_string_equal(out, "2001:db8::5");
	assert_int_equal(sz_net_lan_pick(ifs, 4, out), SZ_ERR_NOT_FOUND);
	assert_string_equal(out, "");
	assert_int_equal(sz_net_lan_pick(ifs, 0, out), SZ_ERR_NOT_FOUND);
	/* 172.15 and 172.32 are outside 172.16/12: public, ranked after a private one */
	sz_net_ifaddr edge[] = { { "172.32.0.1", true, false }, { "172.15.0.1", true, false },
		{ "10.1.2.3", true, false } };
	assert_int_equal(sz_net_lan_pick(edge, 3, out), SZ_OK);
	assert_string_equal(out, "10.1.2.3");
	assert_int_equal(sz_net_lan_pick(edge, 2, out), SZ_OK);
	assert_string_equal(out, "172.32.0.1");
	/* this machine: whatever it finds is no loopback address */
	if (sz_net_lan_address(out) == SZ_OK)
		assert_true(strncmp(out, "127.", 4) != 0 && strcmp(out, "::1") != 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_and_format),
		cmocka_unit_test(test_wildcard),
		cmocka_unit_test(test_lan_pick),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
