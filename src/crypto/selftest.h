/*
 * selftest.h - known-answer checks of the crypto core, callable at run time (`samizdat selftest`).
 * Layer: crypto.  The vector tables live in kat.c and are shared with the unit tests.
 */
#ifndef SZ_CRYPTO_SELFTEST_H
#define SZ_CRYPTO_SELFTEST_H

/* Called once per check with its name and whether it passed. */
typedef void (*sz_selftest_report)(void *ctx, const char *name, int ok);

/* Run every check; return the number that failed (0 = all passed). */
int sz_crypto_selftest(sz_selftest_report report, void *ctx);

#endif /* SZ_CRYPTO_SELFTEST_H */
