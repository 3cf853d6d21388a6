/*
 * chunk.c - chunks of attachments in a cell (docs/PROTOCOL.md § Attachments §2).  Layer: cell.
 *
 * A chunk is sealed under the epoch I seal with, but not under the epoch's sealing key: under a
 * key of its own, from its hash, so that
 *   nonce = first 24 bytes of BLAKE2b-256(key = KDF(E, "chunk nonce"), chunk hash)
 *   key   = KDF(E, "chunk key", nonce)
 * The same chunk sealed again in the same epoch is the same envelope (one copy in every store),
 * a receiver can check that what it opened is the chunk the nonce names (a chunk that does not
 * match its hash is junk and costs whoever sent it), and the node keeps the key of each chunk it
 * holds: it opens that envelope and nothing else, so the chunk stays readable after the epoch
 * is let go, without keeping the epoch or a second copy of the bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "cell/cell_int.h"
#include "crypto/crypto.h"
#include "wire/attach.h"

/* The nonce and key of a chunk of hash h under epoch secret e. */
static int
chunk_nonce(const uint8_t e[32], const uint8_t h[32], uint8_t nonce[SZ_ENV_NONCE_BYTES])
{
	uint8_t nk[32], full[32];
	int r = sz_cellk_kdf(nk, 32, e, 32, "chunk nonce", NULL, 0);
	if (r == SZ_OK)
		r = sz_blake2b(full, 32, h, 32, nk, 32);
	memcpy(nonce, full, SZ_ENV_NONCE_BYTES);
	sz_wipe(nk, sizeof nk);
	return r;
}

static int
chunk_key(const uint8_t e[32], const uint8_t nonce[SZ_ENV_NONCE_BYTES], uint8_t key[32])
{
	return sz_cellk_kdf(key, 32, e, 32, "chunk key", nonce, SZ_ENV_NONCE_BYTES);
}

int
sz_cell_seal_chunk(sz_cell *c, const uint8_t *data, size_t len, sz_cell_result *res)
{
	uint8_t h[32], nonce[SZ_ENV_NONCE_BYTES], key[32], *pt = NULL, *env = NULL;
	size_t envlen = 0;
	int r;
	if (data == NULL || len == 0 || len > SZ_ATTACH_CHUNK)
		return SZ_ERR_INVALID;
	if (c->status != SZ_CELL_ACTIVE)
		return SZ_ERR_STATE;
	const cell_epoch *ep = sz_cell_current_epoch(c);
	if (ep == NULL)
		return SZ_ERR_STATE;
	if ((pt = malloc(1 + len)) == NULL)
		return SZ_ERR_NOMEM;
	pt[0] = SEAL_CHUNK;
	memcpy(pt + 1, data, len);
	if ((r = sz_blake2b(h, 32, data, len, NULL, 0)) == SZ_OK &&
	    (r = chunk_nonce(ep->e, h, nonce)) == SZ_OK && (r = chunk_key(ep->e, nonce, key)) == SZ_OK)
		r = sz_env_seal(&env, &envlen, ep->scope, pt, 1 + len, key, nonce);
	if (r == SZ_OK && (r = sz_cell_out_push(res, env, envlen)) != SZ_OK)
		free(env);
	sz_wipe(key, sizeof key);
	sz_wipe(pt, 1 + len);
	free(pt);
	return r;
}

int
sz_cell_receive_chunk(sz_cell *c, const cell_epoch *ep, const sz_envelope *env,
    sz_cell_result *res)
{
	uint8_t key[32], h[32], want[SZ_ENV_NONCE_BYTES], *open = NULL;
	const uint8_t *pt;
	size_t openlen = 0, ptlen = 0;
	int r;
	(void)c;
	if ((r = chunk_key(ep->e, env->nonce, key)) != SZ_OK)
		return r;
	if (sz_env_open(&open, &openlen, &pt, &ptlen, env, key) != SZ_OK) {
		r = SZ_ERR_DECRYPT;
		goto out;
	}
	r = SZ_ERR_MALFORMED;
	if (ptlen < 2 || ptlen > 1 + SZ_ATTACH_CHUNK || pt[0] != SEAL_CHUNK)
		goto out;
	if (sz_blake2b(h, 32, pt + 1, ptlen - 1, NULL, 0) != SZ_OK || chunk_nonce(ep->e, h, want) != SZ_OK)
		goto out;
	if (!sz_ct_equal(want, env->nonce, SZ_ENV_NONCE_BYTES))
		goto out; /* sealed by a member, but not the chunk its nonce names */
	sz_cell_event ev;
	memset(&ev, 0, sizeof ev);
	ev.type = SZ_CELL_EV_CHUNK;
	memcpy(ev.chunk_hash, h, 32);
	memcpy(ev.chunk_key, key, 32);
	ev.chunk_len = ptlen - 1;
	r = sz_cell_event_push(res, &ev);
	sz_wipe(&ev, sizeof ev);
	res->drop = 0;
out:
	sz_wipe(key, sizeof key);
	sz_env_open_free(open, openlen);
	return r;
}

int
sz_cell_chunk_open(const uint8_t *buf, size_t buflen, const uint8_t key[static 32], uint8_t *data,
    size_t *len)
{
	sz_envelope env;
	uint8_t *open = NULL;
	const uint8_t *pt;
	size_t openlen = 0, ptlen = 0;
	int r;
	*len = 0;
	if ((r = sz_env_parse(&env, buf, buflen, 0)) != SZ_OK)
		return r;
	if (env.format != SZ_ENV_SEALED)
		return SZ_ERR_MALFORMED;
	if (sz_env_open(&open, &openlen, &pt, &ptlen, &env, key) != SZ_OK)
		return SZ_ERR_DECRYPT;
	r = SZ_ERR_MALFORMED;
	if (ptlen >= 2 && ptlen <= 1 + SZ_ATTACH_CHUNK && pt[0] == SEAL_CHUNK) {
		memcpy(data, pt + 1, ptlen - 1);
		*len = ptlen - 1;
		r = SZ_OK;
	}
	sz_env_open_free(open, openlen);
	return r;
}
