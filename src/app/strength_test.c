/*
 * strength_test.c - a passphrase's strength (app/strength.c, zxcvbn): what an attacker's
 * dictionaries make cheap is weak, unrelated words are not, the person's own words count as
 * cheap, a NUL byte is refused.  Layer: app.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "app/strength.h"

static double
bits(const char *p, const char *const *words)
{
	sz_strength st;
	assert_int_equal(sz_passphrase_strength(p, strlen(p), words, &st), SZ_OK);
	assert_true(st.weak == (st.bits < SZ_PASSPHRASE_MIN_BITS));
	assert_true(st.weak ? st.advice[0] != '\0' : st.advice[0] == '\0');
	return st.bits;
}

static void
test_weak_and_strong(void **state)
{
	(void)state;
	const char *weak[] = { "password1", "Password1!", "qwertyuiop", "ada1990", "pw",
		"aaaaaaaaaaaaaaaa", "hunter2hunter2", "letmein", "" };
	for (size_t i = 0; i < sizeof weak / sizeof weak[0]; i++)
		assert_true(bits(weak[i], NULL) < SZ_PASSPHRASE_MIN_BITS);
	const char *strong[] = { "plum violin gravel sunset", "correct horse battery staple",
		"xK9vL2pQ7wR4", "the police were at the print shop" };
	for (size_t i = 0; i < sizeof strong / sizeof strong[0]; i++)
		assert_true(bits(strong[i], NULL) >= SZ_PASSPHRASE_MIN_BITS);
	/* the person's own words are tried first: a passphrase built on them is worth less */
	const char *mine[] = { "fabrikarbeiterin", NULL };
	assert_true(bits("fabrikarbeiterin7", mine) < bits("fabrikarbeiterin7", NULL));
}

static void
test_refused(void **state)
{
	(void)state;
	sz_strength st;
	assert_int_equal(sz_passphrase_strength("plum\0violin", 11, NULL, &st), SZ_ERR_INVALID);
	assert_int_equal(sz_passphrase_strength(NULL, 0, NULL, &st), SZ_ERR_INVALID);
	/* only len bytes are read: the same text with more after it measures the same */
	const char *p = "plum violin gravel sunset and more";
	assert_int_equal(sz_passphrase_strength(p, 25, NULL, &st), SZ_OK);
	double a = st.bits;
	assert_true(a == bits("plum violin gravel sunset", NULL));
}

/* The time the page shows: the attacker of strength.h, 2,000 guesses a second. */
static void
test_time(void **state)
{
	(void)state;
	char t[32];
	sz_passphrase_time(4, t, sizeof t);
	assert_string_equal(t, "under a second");
	sz_passphrase_time(11, t, sizeof t); /* 2048 guesses: 1.02 s */
	assert_string_equal(t, "about 1 second");
	sz_passphrase_time(20, t, sizeof t); /* 524 s */
	assert_string_equal(t, "about 8 minutes");
	sz_passphrase_time(30, t, sizeof t); /* 536,871 s: 6.2 days */
	assert_string_equal(t, "about 6 days");
	sz_passphrase_time(40, t, sizeof t); /* 5.5e8 s: 17.4 years */
	assert_string_equal(t, "about 17 years");
	sz_passphrase_time(60, t, sizeof t);
	assert_string_equal(t, "more than a thousand years");
	sz_passphrase_time(-3, t, sizeof t);
	assert_string_equal(t, "under a second");
	char small[8]; /* cut, never overrun */
	sz_passphrase_time(30, small, sizeof small);
	assert_int_equal(strlen(small), 7);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_weak_and_strong),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_time),
	};
	if (sz_init() != SZ_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
