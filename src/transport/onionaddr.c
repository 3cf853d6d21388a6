/*
 * onionaddr.c - checks and decoding of v3 onion service ids and ADD_ONION key blobs.
 * Layer: transport.  See onionaddr.h and rend-spec-v3.txt section 6.
 */
#include "transport/onionaddr.h"

#include <sodium.h>
#include <string.h>

#include "crypto/crypto.h"

/* Value of a lower-case RFC 4648 base32 digit, or -1. */
static int
b32_val(char c)
{
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= '2' && c <= '7')
		return c - '2' + 26;
	return -1;
}

/* Decode the 56 digits of id into 35 bytes. */
static int
id_decode(const char *id, uint8_t out[35])
{
	if (id == NULL || strnlen(id, SZ_ONION_ID_LEN + 1) != SZ_ONION_ID_LEN)
		return SZ_ERR_MALFORMED;
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0;
	for (size_t i = 0; i < SZ_ONION_ID_LEN; i++) {
		int v = b32_val(id[i]);
		if (v < 0)
			return SZ_ERR_MALFORMED;
		acc = (acc << 5) | (uint32_t)v;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	/* 56 * 5 = 280 bits = 35 bytes exactly: nothing left over. */
	if (o != 35 || bits != 0)
		return SZ_ERR_MALFORMED;
	if (out[34] != 3)
		return SZ_ERR_MALFORMED;             /* rend-spec-v3 section 6: version 3 */
	return SZ_OK;
}

int
sz_onion_id_check(const char *id)
{
	uint8_t b[35];
	return id_decode(id, b);
}

int
sz_onion_host_check(const char *host)
{
	if (host == NULL || strnlen(host, SZ_ONION_HOST_BUF) != SZ_ONION_HOST_BUF - 1)
		return SZ_ERR_MALFORMED;
	if (strcmp(host + SZ_ONION_ID_LEN, ".onion") != 0)
		return SZ_ERR_MALFORMED;
	char id[SZ_ONION_ID_BUF];
	memcpy(id, host, SZ_ONION_ID_LEN);
	id[SZ_ONION_ID_LEN] = '\0';
	return sz_onion_id_check(id);
}

int
sz_onion_id_pubkey(const char *id, uint8_t pk[static SZ_ONION_PK_BYTES])
{
	uint8_t b[35];
	memset(pk, 0, SZ_ONION_PK_BYTES);
	int r = id_decode(id, b);
	if (r == SZ_OK)
		memcpy(pk, b, SZ_ONION_PK_BYTES);
	return r;
}

int
sz_onion_key_check(const char *key)
{
	const size_t plen = sizeof SZ_ONION_KEY_PREFIX - 1;
	uint8_t sk[64];
	size_t n = 0;
	const char *end = NULL;
	int r = SZ_ERR_MALFORMED;

	if (key == NULL || strnlen(key, SZ_ONION_KEY_BUF) != SZ_ONION_KEY_BUF - 1)
		return SZ_ERR_MALFORMED;
	if (memcmp(key, SZ_ONION_KEY_PREFIX, plen) != 0)
		return SZ_ERR_MALFORMED;
	/* sodium_base642bin refuses non-canonical padding and trailing bits with this variant. */
	if (sodium_base642bin(sk, sizeof sk, key + plen, SZ_ONION_KEY_B64_LEN, NULL, &n, &end,
	    sodium_base64_VARIANT_ORIGINAL) == 0 && n == sizeof sk &&
	    end == key + plen + SZ_ONION_KEY_B64_LEN)
		r = SZ_OK;
	sodium_memzero(sk, sizeof sk);
	return r;
}

int
sz_onion_key_from_seed(char key[static SZ_ONION_KEY_BUF], const uint8_t seed[static 32])
{
	const size_t plen = sizeof SZ_ONION_KEY_PREFIX - 1;
	uint8_t h[64];
	int r;

	memset(key, 0, SZ_ONION_KEY_BUF);
	if ((r = sz_hash(SZ_HASH_SHA512, h, seed, 32)) != SZ_OK)
		goto out;
	h[0] &= 248;                             /* RFC 8032 5.1.5 step 2: clamp the scalar */
	h[31] &= 127;
	h[31] |= 64;
	memcpy(key, SZ_ONION_KEY_PREFIX, plen);
	sodium_bin2base64(key + plen, SZ_ONION_KEY_BUF - plen, h, sizeof h,
	    sodium_base64_VARIANT_ORIGINAL);
	r = SZ_OK;
out:
	sodium_memzero(h, sizeof h);
	return r;
}
