/*
 * strength.h - how hard a passphrase is to guess, as zxcvbn estimates it (Debian's libzxcvbn),
 * and whether samizdat calls it weak.  Used by the command line at `init` and `passphrase`; any
 * front end (the web interface) may call it the same way.  Layer: app.
 */
#ifndef SZ_APP_STRENGTH_H
#define SZ_APP_STRENGTH_H

#include <stdbool.h>
#include <stddef.h>

#include "samizdat.h"

/* Below this, a passphrase is weak: 2^40 guesses (about 10^12).  Why: a seized device's key file
 * is attacked offline, one Argon2id per guess.  At the default cost (24 passes over 48 MiB: about
 * 0.5 s of one core each) an attacker with a thousand such cores tries about 2,000 guesses a second; 2^40
 * guesses then take about 17 years (half of that on average).  Below 2^30 it would be days.
 * zxcvbn counts what an attacker's dictionaries and patterns make cheap (names, words, dates,
 * keyboard runs, l33t), so four unrelated common words pass and "Password1!" does not
 * (docs/threat/store.md, Passphrases). */
#define SZ_PASSPHRASE_MIN_BITS 40.0
/* The attacker of the paragraph above: guesses a second, at the default Argon2id cost. */
#define SZ_GUESSES_PER_SECOND 2000.0

typedef struct sz_strength {
	double bits;           /* log2 of the guesses zxcvbn estimates */
	bool weak;             /* bits < SZ_PASSPHRASE_MIN_BITS */
	const char *advice;    /* one sentence in plain words (static), for a weak one; "" else */
} sz_strength;

/* Measure pass[0..len) (no NUL byte inside; SZ_ERR_INVALID if one is).  words (NULL-terminated,
 * may be NULL): what an attacker would try first for this person (the node's directory name,
 * say), counted as cheap.  The passphrase is copied into guarded memory and wiped; zxcvbn's own
 * working copies are on the heap and freed (not wiped: libzxcvbn gives no hook).  Thread-safe;
 * after sz_init. */
SZ_MUST_CHECK int sz_passphrase_strength(const char *pass, size_t len, const char *const *words,
    sz_strength *out);

/* How long the attacker above takes to try every guess of bits, in words a person reads ("about
 * 3 hours", "under a second", "more than a thousand years") into out (NUL-terminated; 32 bytes
 * always suffice). */
void sz_passphrase_time(double bits, char *out, size_t outlen);

#endif /* SZ_APP_STRENGTH_H */
