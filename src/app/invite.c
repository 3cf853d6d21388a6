/*
 * invite.c - invitation codes (see invite.h; docs/PROTOCOL.md §14.1).
 * Layer: app.
 *
 * payload := version u8 (2) ‖ token[16] ‖ node_key[32] ‖ invite_pub[32] ‖ expiry_minutes u32
 *            ‖ atype u8 ‖ addr
 *   atype 0: no address; 1: IPv4[4] ‖ port u16; 2: IPv6[16] ‖ port u16;
 *   3: onion (the 35 bytes its 56 base32 characters encode) ‖ port u16
 * code := "sz1" ‖ ("-" ‖ 5 characters)*  of base32(payload ‖ check[4]),
 *   check = the first 4 bytes of BLAKE2b-128(key = "samizdat invite v1", payload)
 * Version 1 (no invite_pub) is recognised by its length and check, and refused.
 */
#include "app/invite.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>

#include "crypto/crypto.h"
#include "lib/bytes.h"
#include "wire/identity.h"

#define FIXED_V1 (1 + 16 + 32 + 4 + 1)
#define FIXED_V2 (1 + 16 + 32 + 32 + 4 + 1)
#define PAYLOAD_MAX (FIXED_V2 + 35 + 2)

static int
check(uint8_t out[4], const uint8_t *p, size_t n)
{
	static const uint8_t key[] = "samizdat invite v1";
	uint8_t h[16];
	int r = sz_blake2b(h, 16, p, n, key, sizeof key - 1);
	memcpy(out, h, 4);
	return r;
}

int
sz_invite_encode(const sz_invite *iv, char *out, size_t n)
{
	uint8_t p[PAYLOAD_MAX + 4];
	char b32[(PAYLOAD_MAX + 4) * 8 / 5 + 2];
	size_t k = 0, o;
	int r = SZ_ERR_INTERNAL;
	if (n > 0)
		out[0] = '\0';
	p[k++] = SZ_INVITE_VERSION;
	memcpy(p + k, iv->token, 16);
	k += 16;
	memcpy(p + k, iv->node_key, 32);
	k += 32;
	memcpy(p + k, iv->invite_pub, 32);
	k += 32;
	sz_store_u32(p + k, (uint32_t)(iv->expiry_ms / 60000));
	k += 4;
	if (!iv->has_addr) {
		p[k++] = 0;
	} else if (iv->addr.onion) {
		p[k++] = 3;
		if (strlen(iv->addr.host) < 56 || sz_base32_decode(p + k, 35, iv->addr.host, 56) != SZ_OK) {
			r = SZ_ERR_INVALID;
			goto out;
		}
		k += 35;
	} else if (inet_pton(AF_INET, iv->addr.host, p + k + 1) == 1) {
		p[k] = 1;
		k += 1 + 4;
	} else if (inet_pton(AF_INET6, iv->addr.host, p + k + 1) == 1) {
		p[k] = 2;
		k += 1 + 16;
	} else {
		r = SZ_ERR_INVALID;
		goto out;
	}
	if (iv->has_addr) {
		sz_store_u16(p + k, iv->addr.port);
		k += 2;
	}
	if (check(p + k, p, k) != SZ_OK)
		goto out;
	k += 4;
	sz_base32_encode(b32, p, k);
	size_t bl = strlen(b32);
	if (n < 3 + bl + (bl + 4) / 5 + 1) {
		r = SZ_ERR_TOO_LARGE;
		goto out;
	}
	memcpy(out, "sz1", 3);
	o = 3;
	for (size_t i = 0; i < bl; i++) {
		if (i % 5 == 0)
			out[o++] = '-';
		out[o++] = b32[i];
	}
	out[o] = '\0';
	r = SZ_OK;
out:
	/* the token is the invitation: leave no copy on the stack */
	sz_wipe(p, sizeof p);
	sz_wipe(b32, sizeof b32);
	return r;
}

int
sz_invite_decode(sz_invite *iv, const char *code)
{
	char clean[SZ_INVITE_CODE_MAX];
	uint8_t p[PAYLOAD_MAX + 4], want[4];
	size_t k = 0, plen = 0;
	int r = SZ_ERR_MALFORMED;
	memset(iv, 0, sizeof *iv);
	const char *s = code;
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	if (strncasecmp(s, "sz1", 3) != 0)
		return SZ_ERR_MALFORMED;
	for (s += 3; *s; s++) {
		if (*s == '-' || *s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
			continue;
		if (k + 1 >= sizeof clean)
			goto out;
		clean[k++] = (char)tolower((unsigned char)*s);
	}
	clean[k] = '\0';
	/* The payload length follows from the base32 length; try the sizes a code can have (those
	 * of version 1 too, to say what it is).  No two of the eight share a base32 length. */
	static const size_t sizes[] = { FIXED_V1, FIXED_V1 + 6, FIXED_V1 + 18, FIXED_V1 + 37,
		FIXED_V2, FIXED_V2 + 6, FIXED_V2 + 18, FIXED_V2 + 37 };
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		if ((8 * (sizes[i] + 4) + 4) / 5 == k)
			plen = sizes[i];
	if (plen == 0 || sz_base32_decode(p, plen + 4, clean, k) != SZ_OK)
		goto out;
	if (check(want, p, plen) != SZ_OK) {
		r = SZ_ERR_INTERNAL;
		goto out;
	}
	if (memcmp(want, p + plen, 4) != 0) { /* a checksum of the code, not a secret */
		r = SZ_ERR_CORRUPT;
		goto out;
	}
	if (plen < FIXED_V2 || p[0] != SZ_INVITE_VERSION) {
		/* a version 1 code, or one of a version this one does not know */
		r = plen < FIXED_V2 && p[0] != 1 ? SZ_ERR_MALFORMED : SZ_ERR_UNSUPPORTED;
		goto out;
	}
	memcpy(iv->token, p + 1, 16);
	memcpy(iv->node_key, p + 17, 32);
	memcpy(iv->invite_pub, p + 49, 32);
	iv->expiry_ms = (uint64_t)sz_load_u32(p + 81) * 60000;
	uint8_t atype = p[FIXED_V2 - 1];
	const uint8_t *a = p + FIXED_V2;
	size_t alen = plen - FIXED_V2;
	if ((atype == 0 && alen != 0) || (atype == 1 && alen != 6) || (atype == 2 && alen != 18) ||
	    (atype == 3 && alen != 37) || atype > 3)
		goto out;
	if (atype != 0) {
		iv->has_addr = true;
		iv->addr.port = sz_load_u16(a + alen - 2);
		if (atype == 1) {
			inet_ntop(AF_INET, a, iv->addr.host, sizeof iv->addr.host);
		} else if (atype == 2) {
			inet_ntop(AF_INET6, a, iv->addr.host, sizeof iv->addr.host);
		} else {
			sz_base32_encode(iv->addr.host, a, 35);
			memcpy(iv->addr.host + 56, ".onion", 7);
			iv->addr.onion = true;
		}
	}
	r = SZ_OK;
out:
	if (r != SZ_OK)
		sz_wipe(iv, sizeof *iv);
	sz_wipe(p, sizeof p);
	sz_wipe(clean, sizeof clean);
	return r;
}
