/*
 * identity.c - fingerprints and base32 (see identity.h, docs/PROTOCOL.md §1).
 * Layer: wire.
 */
#include "wire/identity.h"

#include <ctype.h>
#include <string.h>

#include "crypto/crypto.h"

static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";

void
sz_base32_encode(char *out, const uint8_t *in, size_t n)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			out[o++] = alphabet[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		out[o++] = alphabet[(acc << (5 - bits)) & 31];
	out[o] = '\0';
}

/* Map a typed character to its 5-bit value, reading look-alikes leniently; -1 if not base32. */
static int
b32val(int c)
{
	c = tolower((unsigned char)c);
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= '2' && c <= '7')
		return c - '2' + 26;
	if (c == '0')
		return 'o' - 'a';
	if (c == '1')
		return 'l' - 'a';
	return -1;
}

int
sz_base32_decode(uint8_t *out, size_t n, const char *text, size_t len)
{
	if (len != (8 * n + 4) / 5)
		return SZ_ERR_MALFORMED;
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		int v = b32val(text[i]);
		if (v < 0)
			return SZ_ERR_MALFORMED;
		acc = (acc << 5) | (uint32_t)v;
		bits += 5;
		if (bits >= 8) {
			out[o++] = (uint8_t)(acc >> (bits - 8));
			bits -= 8;
		}
		acc &= (1u << bits) - 1;
	}
	/* Spare bits must be zero, so that one value has one spelling. */
	if (acc != 0)
		return SZ_ERR_NONCANONICAL;
	return o == n ? SZ_OK : SZ_ERR_MALFORMED;
}

static int
fingerprint_bytes(uint8_t fp[SZ_FINGERPRINT_BITS / 8], const uint8_t pk[static 32])
{
	static const uint8_t key[] = "samizdat fingerprint v1";
	uint8_t h[32];
	int r = sz_blake2b(h, sizeof h, pk, 32, key, sizeof key - 1);
	memcpy(fp, h, SZ_FINGERPRINT_BITS / 8);
	return r;
}

int
sz_fingerprint(char out[static SZ_FINGERPRINT_TEXT], const uint8_t pk[static 32])
{
	uint8_t fp[SZ_FINGERPRINT_BITS / 8];
	char raw[SZ_FINGERPRINT_CHARS + 1];
	int r = fingerprint_bytes(fp, pk);
	if (r != SZ_OK)
		return r;
	sz_base32_encode(raw, fp, sizeof fp);
	size_t o = 0;
	for (size_t i = 0; i < SZ_FINGERPRINT_CHARS; i++) {
		if (i > 0 && i % 4 == 0)
			out[o++] = ' ';
		out[o++] = raw[i];
	}
	out[o] = '\0';
	return SZ_OK;
}

int
sz_fingerprint_check(const char *typed, const uint8_t pk[static 32])
{
	char clean[SZ_FINGERPRINT_CHARS + 1];
	size_t n = 0;
	for (const char *p = typed; *p != '\0'; p++) {
		if (*p == ' ' || *p == '-' || *p == '\t')
			continue;
		if (n == SZ_FINGERPRINT_CHARS)
			return SZ_ERR_MALFORMED;
		clean[n++] = *p;
	}
	clean[n] = '\0';
	uint8_t got[SZ_FINGERPRINT_BITS / 8], want[SZ_FINGERPRINT_BITS / 8];
	int r = sz_base32_decode(got, sizeof got, clean, n);
	if (r != SZ_OK)
		return SZ_ERR_MALFORMED;
	if ((r = fingerprint_bytes(want, pk)) != SZ_OK)
		return r;
	return sz_ct_equal(got, want, sizeof got) ? SZ_OK : SZ_ERR_BAD_SIGNATURE;
}
