/*
 * noise_pattern.c - Noise protocol names (§8) and handshake patterns (§7) as data.
 * Layer: crypto.  The table below is the specification's, revision 34: one-way patterns (§7.4),
 * fundamental interactive patterns (§7.5) and deferred patterns (§18.1).  A pattern is its
 * pre-messages and message patterns written as in the spec, tokens separated by ", ".
 */
#include "crypto/noise_pattern.h"

#include <string.h>

typedef struct pattern {
	const char *name;
	const char *pre_i;   /* "-> ..." before "...", or "" */
	const char *pre_r;   /* "<- ..." before "...", or "" */
	const char *msgs[4]; /* alternating, the first from the initiator; NULL ends */
} pattern;

static const pattern patterns[] = {
	/* §7.4 one-way */
	{ "N", "", "s", { "e, es" } },
	{ "K", "s", "s", { "e, es, ss" } },
	{ "X", "", "s", { "e, es, s, ss" } },
	/* §7.5 fundamental interactive */
	{ "NN", "", "", { "e", "e, ee" } },
	{ "KN", "s", "", { "e", "e, ee, se" } },
	{ "NK", "", "s", { "e, es", "e, ee" } },
	{ "KK", "s", "s", { "e, es, ss", "e, ee, se" } },
	{ "NX", "", "", { "e", "e, ee, s, es" } },
	{ "KX", "s", "", { "e", "e, ee, se, s, es" } },
	{ "XN", "", "", { "e", "e, ee", "s, se" } },
	{ "IN", "", "", { "e, s", "e, ee, se" } },
	{ "XK", "", "s", { "e, es", "e, ee", "s, se" } },
	{ "IK", "", "s", { "e, es, s, ss", "e, ee, se" } },
	{ "XX", "", "", { "e", "e, ee, s, es", "s, se" } },
	{ "IX", "", "", { "e, s", "e, ee, se, s, es" } },
	/* §18.1 deferred */
	{ "NK1", "", "s", { "e", "e, ee, es" } },
	{ "NX1", "", "", { "e", "e, ee, s", "es" } },
	{ "X1N", "", "", { "e", "e, ee", "s", "se" } },
	{ "X1K", "", "s", { "e, es", "e, ee", "s", "se" } },
	{ "XK1", "", "s", { "e", "e, ee, es", "s, se" } },
	{ "X1K1", "", "s", { "e", "e, ee, es", "s", "se" } },
	{ "X1X", "", "", { "e", "e, ee, s, es", "s", "se" } },
	{ "XX1", "", "", { "e", "e, ee, s", "es, s, se" } },
	{ "X1X1", "", "", { "e", "e, ee, s", "es, s", "se" } },
	{ "K1N", "s", "", { "e", "e, ee", "se" } },
	{ "K1K", "s", "s", { "e, es", "e, ee", "se" } },
	{ "KK1", "s", "s", { "e", "e, ee, se, es" } },
	{ "K1K1", "s", "s", { "e", "e, ee, es", "se" } },
	{ "K1X", "s", "", { "e", "e, ee, s, es", "se" } },
	{ "KX1", "s", "", { "e", "e, ee, se, s", "es" } },
	{ "K1X1", "s", "", { "e", "e, ee, s", "se, es" } },
	{ "I1N", "", "", { "e, s", "e, ee", "se" } },
	{ "I1K", "", "s", { "e, es, s", "e, ee", "se" } },
	{ "IK1", "", "s", { "e, s", "e, ee, se, es" } },
	{ "I1K1", "", "s", { "e, s", "e, ee, es", "se" } },
	{ "I1X", "", "", { "e, s", "e, ee, s, es", "se" } },
	{ "IX1", "", "", { "e, s", "e, ee, se, s", "es" } },
	{ "I1X1", "", "", { "e, s", "e, ee, s", "se, es" } },
};

/* Tokens of one message pattern string into tok[]; returns the count, or -1 (a table bug). */
static int
tokens(const char *s, uint8_t *tok, size_t cap)
{
	static const struct { const char *t; uint8_t v; } names[] = {
		{ "ee", SZ_NT_EE }, { "es", SZ_NT_ES }, { "se", SZ_NT_SE }, { "ss", SZ_NT_SS },
		{ "e", SZ_NT_E }, { "s", SZ_NT_S },
	};
	size_t n = 0;
	while (*s != '\0') {
		size_t len = strcspn(s, ",");
		size_t i;
		for (i = 0; i < sizeof names / sizeof names[0]; i++)
			if (strlen(names[i].t) == len && memcmp(names[i].t, s, len) == 0)
				break;
		if (i == sizeof names / sizeof names[0] || n == cap)
			return -1;
		tok[n++] = names[i].v;
		s += len;
		if (*s == ',')
			s += (s[1] == ' ') ? 2 : 1;
	}
	return (int)n;
}

static bool
digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Read "pskN" modifiers joined by '+' (§8.1, §9.4) into the token lists.  N has no leading
 * zero and is at most the number of messages. */
static int
apply_psk_modifiers(const char *mod, sz_noise_protocol *p)
{
	if (*mod == '\0')
		return SZ_OK;
	for (;;) {
		if (strncmp(mod, "psk", 3) != 0)
			return SZ_ERR_UNSUPPORTED;
		mod += 3;
		if (!digit(*mod) || (*mod == '0' && digit(mod[1])))
			return SZ_ERR_UNSUPPORTED;
		size_t n = 0;
		while (digit(*mod)) {
			n = n * 10 + (size_t)(*mod++ - '0');
			if (n > p->nmsgs)
				return SZ_ERR_UNSUPPORTED;
		}
		size_t m = n == 0 ? 0 : n - 1;
		if (p->npsk == SZ_NOISE_MAX_PSKS || p->ntok[m] == SZ_NOISE_MAX_TOKENS)
			return SZ_ERR_UNSUPPORTED;
		if (n == 0) {
			/* psk0: a "psk" token at the beginning of the first message. */
			memmove(&p->tok[0][1], &p->tok[0][0], p->ntok[0]);
			p->tok[0][0] = SZ_NT_PSK;
		} else {
			/* pskN: a "psk" token at the end of message N. */
			p->tok[m][p->ntok[m]] = SZ_NT_PSK;
		}
		p->ntok[m]++;
		p->npsk++;
		if (*mod == '\0')
			return SZ_OK;
		if (*mod++ != '+')
			return SZ_ERR_UNSUPPORTED;
	}
}

int
sz_noise_protocol_parse(const char *name, sz_noise_protocol *p)
{
	char buf[SZ_NOISE_MAX_NAME + 1];
	char *field[5];
	size_t nf = 0, len;

	memset(p, 0, sizeof *p);
	if (name == NULL || (len = strnlen(name, SZ_NOISE_MAX_NAME + 1)) > SZ_NOISE_MAX_NAME)
		return SZ_ERR_UNSUPPORTED;
	memcpy(buf, name, len + 1);
	/* Exactly five fields separated by '_' (§8). */
	field[nf++] = buf;
	for (char *s = buf; (s = strchr(s, '_')) != NULL; ) {
		if (nf == 5)
			return SZ_ERR_UNSUPPORTED;
		*s++ = '\0';
		field[nf++] = s;
	}
	if (nf != 5 || strcmp(field[0], "Noise") != 0 ||
	    strcmp(field[2], "25519") != 0 || strcmp(field[3], "ChaChaPoly") != 0)
		return SZ_ERR_UNSUPPORTED;
	if (strcmp(field[4], "BLAKE2b") == 0)
		p->hash = SZ_HASH_BLAKE2B;
	else if (strcmp(field[4], "SHA512") == 0)
		p->hash = SZ_HASH_SHA512;
	else if (strcmp(field[4], "SHA256") == 0)
		p->hash = SZ_HASH_SHA256;
	else
		return SZ_ERR_UNSUPPORTED;

	/* The pattern name is upper-case letters and digits; modifiers follow in lower case. */
	size_t blen = strspn(field[1], "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
	const pattern *pat = NULL;
	for (size_t i = 0; i < sizeof patterns / sizeof patterns[0]; i++)
		if (strlen(patterns[i].name) == blen && memcmp(patterns[i].name, field[1], blen) == 0)
			pat = &patterns[i];
	if (pat == NULL)
		return SZ_ERR_UNSUPPORTED;
	p->pre_s_init = strcmp(pat->pre_i, "s") == 0;
	p->pre_s_resp = strcmp(pat->pre_r, "s") == 0;
	for (size_t m = 0; m < 4 && pat->msgs[m] != NULL; m++) {
		int n = tokens(pat->msgs[m], p->tok[m], SZ_NOISE_MAX_TOKENS);
		if (n <= 0)
			return SZ_ERR_INTERNAL;
		p->ntok[m] = (uint8_t)n;
		p->nmsgs++;
	}
	p->one_way = p->nmsgs == 1;
	int r = apply_psk_modifiers(field[1] + blen, p);
	if (r != SZ_OK)
		return r;
	for (size_t m = 0; m < p->nmsgs; m++)
		for (size_t t = 0; t < p->ntok[m]; t++)
			if (p->tok[m][t] == SZ_NT_S) {
				if (m % 2 == 0)
					p->init_sends_s = true;
				else
					p->resp_sends_s = true;
			}
	return SZ_OK;
}
