/*
 * strength.c - a passphrase's strength by zxcvbn (libzxcvbn, Debian's libzxcvbn-dev: the
 * dictionaries are compiled into the library, no file is read).  Layer: app.
 */
#include "app/strength.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#ifdef SZ_NO_ZXCVBN
#error "libzxcvbn-dev is missing: run 'make deps' (or apt-get install libzxcvbn-dev)"
#endif
#include <zxcvbn.h>

#include "crypto/crypto.h"

int
sz_passphrase_strength(const char *pass, size_t len, const char *const *words, sz_strength *out)
{
	memset(out, 0, sizeof *out);
	out->advice = "";
	if (pass == NULL || memchr(pass, '\0', len) != NULL)
		return SZ_ERR_INVALID;
	char *copy = sz_secret_alloc(len + 1);
	if (copy == NULL)
		return SZ_ERR_NOMEM;
	memcpy(copy, pass, len);
	copy[len] = '\0';
	/* libzxcvbn takes a non-const array of const strings */
	const char *user[16] = { NULL };
	for (size_t i = 0; words != NULL && words[i] != NULL && i < 15; i++)
		user[i] = words[i];
	double bits = ZxcvbnMatch(copy, user, NULL);
	sz_secret_free(copy);
	out->bits = bits > 0 ? bits : 0;
	out->weak = out->bits < SZ_PASSPHRASE_MIN_BITS;
	if (out->weak)
		out->advice = len < 12 ? "it is short: four or five unrelated words make a passphrase "
		    "that is long, easy to remember and hard to guess" : "it is made of things an "
		    "attacker tries first (common words, names, dates, keyboard runs, substitutions like "
		    "0 for o): add unrelated words";
	return SZ_OK;
}

void
sz_passphrase_time(double bits, char *out, size_t outlen)
{
	static const struct { double s; const char *one, *many; } unit[] = {
		{ 31557600.0, "year", "years" }, { 86400.0, "day", "days" },
		{ 3600.0, "hour", "hours" }, { 60.0, "minute", "minutes" }, { 1.0, "second", "seconds" },
	};
	double t = exp2(bits > 0 ? bits : 0) / SZ_GUESSES_PER_SECOND;
	if (t < 1.0) {
		snprintf(out, outlen, "under a second");
		return;
	}
	if (t >= 1000.0 * unit[0].s) {
		snprintf(out, outlen, "more than a thousand years");
		return;
	}
	size_t i = 0;
	while (t < unit[i].s)
		i++;
	double k = floor(t / unit[i].s);
	snprintf(out, outlen, "about %.0f %s", k, k == 1 ? unit[i].one : unit[i].many);
}
