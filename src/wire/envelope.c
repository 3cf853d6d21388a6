/*
 * envelope.c - public and sealed envelopes, padded to size buckets (see envelope.h,
 * docs/PROTOCOL.md §3).  Layer: wire.
 */
#include "wire/envelope.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "lib/bytes.h"

const size_t sz_env_buckets[SZ_ENV_NBUCKETS] = { 256, 1024, 4096, 16384, 65536, 131072 };

size_t
sz_env_bucket_for(size_t n)
{
	for (size_t i = 0; i < SZ_ENV_NBUCKETS; i++)
		if (n <= sz_env_buckets[i])
			return sz_env_buckets[i];
	return 0;
}

/* The first 16 bytes of BLAKE2b-256("samizdat public leaflets v1"), as a constant: every
 * envelope on its way in and out is compared with it (entry_test.c recomputes it). */
static const uint8_t public_scope[SZ_SCOPE_BYTES] = {
	0x7f, 0x04, 0xae, 0xa5, 0x90, 0x81, 0x75, 0xac,
	0x04, 0x75, 0x7c, 0x4b, 0xa0, 0x26, 0xe6, 0x05,
};

void
sz_env_public_scope(uint8_t scope[static SZ_SCOPE_BYTES])
{
	memcpy(scope, public_scope, SZ_SCOPE_BYTES);
}

int
sz_env_id(uint8_t id[static 32], const uint8_t *buf, size_t len)
{
	return sz_blake2b(id, 32, buf, len, NULL, 0);
}

int
sz_env_wrap_public(uint8_t **out, size_t *outlen, const uint8_t *entry, size_t entry_len)
{
	*out = NULL;
	*outlen = 0;
	if (entry_len > SZ_ENTRY_MAX_BYTES)
		return SZ_ERR_TOO_LARGE;
	size_t total = sz_env_bucket_for(SZ_ENV_HEADER_BYTES + 4 + entry_len);
	if (total == 0)
		return SZ_ERR_TOO_LARGE;
	uint8_t *p = calloc(1, total);
	if (p == NULL)
		return SZ_ERR_NOMEM;
	p[0] = SZ_ENV_PUBLIC;
	sz_env_public_scope(p + 1);
	sz_store_u32(p + SZ_ENV_HEADER_BYTES, (uint32_t)entry_len);
	memcpy(p + SZ_ENV_HEADER_BYTES + 4, entry, entry_len);
	*out = p;
	*outlen = total;
	return SZ_OK;
}

int
sz_env_seal(uint8_t **out, size_t *outlen, const uint8_t scope[static SZ_SCOPE_BYTES],
    const uint8_t *plaintext, size_t plen, const uint8_t key[static 32],
    const uint8_t nonce[static SZ_ENV_NONCE_BYTES])
{
	*out = NULL;
	*outlen = 0;
	if (plen > SZ_ENV_MAX_BYTES)
		return SZ_ERR_TOO_LARGE;
	size_t total = sz_env_bucket_for(SZ_ENV_SEAL_OVERHEAD + 4 + plen);
	if (total == 0)
		return SZ_ERR_TOO_LARGE;
	size_t inner = total - SZ_ENV_SEAL_OVERHEAD;
	uint8_t *p = calloc(1, total);
	if (p == NULL)
		return SZ_ERR_NOMEM;
	p[0] = SZ_ENV_SEALED;
	memcpy(p + 1, scope, SZ_SCOPE_BYTES);
	memcpy(p + SZ_ENV_HEADER_BYTES, nonce, SZ_ENV_NONCE_BYTES);
	uint8_t *ct = p + SZ_ENV_HEADER_BYTES + SZ_ENV_NONCE_BYTES;
	/* Frame in place (u32 len || plaintext || zeros), then encrypt in place. */
	sz_store_u32(ct, (uint32_t)plen);
	if (plen > 0)
		memcpy(ct + 4, plaintext, plen);
	int r = sz_xaead_encrypt(ct, ct, inner, p, SZ_ENV_HEADER_BYTES, nonce, key);
	if (r != SZ_OK) {
		sz_wipe(p, total);
		free(p);
		return r;
	}
	*out = p;
	*outlen = total;
	return SZ_OK;
}

void
sz_env_open_free(uint8_t *buf, size_t buflen)
{
	if (buf == NULL)
		return;
	sz_wipe(buf, buflen);
	free(buf);
}

int
sz_env_open(uint8_t **buf, size_t *buflen, const uint8_t **pt, size_t *ptlen,
    const sz_envelope *env, const uint8_t key[static 32])
{
	*buf = NULL;
	*buflen = 0;
	*pt = NULL;
	*ptlen = 0;
	if (env->format != SZ_ENV_SEALED || env->ct_len < SZ_ENV_TAG_BYTES + 4)
		return SZ_ERR_INVALID;
	uint8_t hdr[SZ_ENV_HEADER_BYTES];
	hdr[0] = env->format;
	memcpy(hdr + 1, env->scope, SZ_SCOPE_BYTES);
	size_t inner = env->ct_len - SZ_ENV_TAG_BYTES;
	uint8_t *p = malloc(inner);
	if (p == NULL)
		return SZ_ERR_NOMEM;
	int r = sz_xaead_decrypt(p, env->ct, env->ct_len, hdr, sizeof hdr, env->nonce, key);
	if (r != SZ_OK)
		goto fail;
	uint32_t n = sz_load_u32(p);
	if (n > inner - 4) {
		r = SZ_ERR_MALFORMED;
		goto fail;
	}
	/* Padding must be zeros: a sealed envelope, too, has one plaintext form. */
	for (size_t i = 4 + (size_t)n; i < inner; i++)
		if (p[i] != 0) {
			r = SZ_ERR_NONCANONICAL;
			goto fail;
		}
	*buf = p;
	*buflen = inner;
	*pt = p + 4;
	*ptlen = n;
	return SZ_OK;
fail:
	sz_wipe(p, inner);
	free(p);
	return r;
}

int
sz_env_parse(sz_envelope *env, const uint8_t *buf, size_t len, size_t max_body)
{
	int r;
	memset(env, 0, sizeof *env);
	if (len < SZ_ENV_HEADER_BYTES)
		return SZ_ERR_TRUNCATED;
	if (sz_env_bucket_for(len) != len)
		return SZ_ERR_MALFORMED;
	env->format = buf[0];
	memcpy(env->scope, buf + 1, SZ_SCOPE_BYTES);
	if (env->format == SZ_ENV_SEALED) {
		env->nonce = buf + SZ_ENV_HEADER_BYTES;
		env->ct = env->nonce + SZ_ENV_NONCE_BYTES;
		env->ct_len = len - SZ_ENV_HEADER_BYTES - SZ_ENV_NONCE_BYTES;
		return SZ_OK;
	}
	if (env->format != SZ_ENV_PUBLIC) {
		memset(env, 0, sizeof *env);
		return SZ_ERR_UNSUPPORTED;
	}
	uint8_t pub[SZ_SCOPE_BYTES];
	sz_env_public_scope(pub);
	if (memcmp(pub, env->scope, SZ_SCOPE_BYTES) != 0) {
		r = SZ_ERR_MALFORMED;
		goto fail;
	}
	uint32_t n = sz_load_u32(buf + SZ_ENV_HEADER_BYTES);
	if (n > len - SZ_ENV_HEADER_BYTES - 4) {
		r = SZ_ERR_TRUNCATED;
		goto fail;
	}
	/* Canonical: the smallest bucket that fits, zero padding. */
	if (sz_env_bucket_for(SZ_ENV_HEADER_BYTES + 4 + (size_t)n) != len) {
		r = SZ_ERR_NONCANONICAL;
		goto fail;
	}
	for (size_t i = SZ_ENV_HEADER_BYTES + 4 + (size_t)n; i < len; i++)
		if (buf[i] != 0) {
			r = SZ_ERR_NONCANONICAL;
			goto fail;
		}
	env->entry_bytes = buf + SZ_ENV_HEADER_BYTES + 4;
	env->entry_len = n;
	if ((r = sz_entry_decode(&env->entry, env->entry_id, env->entry_bytes, n, max_body)) != SZ_OK)
		goto fail;
	if (env->entry.kind != SZ_KIND_LEAFLET && env->entry.kind != SZ_KIND_DECLARATION &&
	    env->entry.kind != SZ_KIND_COSIGN) {
		/* Only publications travel in public envelopes; anything else would leak a cell. */
		r = SZ_ERR_DENIED;
		goto fail;
	}
	return SZ_OK;
fail:
	memset(env, 0, sizeof *env);
	return r;
}

void
sz_env_in_init(sz_env_in *in, const uint8_t *buf, size_t len, const uint8_t *id)
{
	memset(in, 0, sizeof *in);
	in->buf = buf;
	in->len = len;
	in->err = SZ_ERR_AGAIN;
	if (id != NULL) {
		memcpy(in->id, id, 32);
		in->have_id = true;
	}
}

void
sz_env_in_check(sz_env_in *in, size_t max_body)
{
	if (in->buf == NULL) {
		in->err = SZ_ERR_INVALID;
		return;
	}
	if (!in->have_id) {
		if ((in->err = sz_env_id(in->id, in->buf, in->len)) != SZ_OK)
			return;
		in->have_id = true;
	}
	in->err = sz_env_parse(&in->env, in->buf, in->len, max_body);
}
