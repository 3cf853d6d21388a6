/*
 * fuzz_session.c - libFuzzer target for the sync session's frame handling.  Two sessions finish a
 * real Noise handshake in memory; the fuzzer's bytes are then encrypted with one side's transport
 * key, so they reach the other side's frame decoder, reconciliation and transfer code.  The first
 * input byte picks which side is attacked, whether the honest sides go ahead first, whether RIBLT
 * is offered (else Negentropy or the list only), whether the nodes lend their sketches (then
 * with full symbols; without lending the sets are small, so compact symbols), and whether
 * sessions are salted audits.
 */
#include <stdlib.h>
#include <string.h>

#include "recon/riblt.h"
#include "recon/riblt_wire.h"
#include "sync/session_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t fz_env_bytes[128];

static int
fz_list(void *ctx, const uint8_t scope[16], int (*fn)(void *, const uint8_t *), void *fctx)
{
	(void)ctx;
	uint8_t id[32];
	for (int i = 0; i < 3; i++) {
		memset(id, 0x10 + i, 32);
		id[0] = scope[0];
		int r = fn(fctx, id);
		if (r != SZ_OK)
			return r;
	}
	return SZ_OK;
}

static int
fz_get(void *ctx, const uint8_t id[32], uint8_t **env, size_t *len)
{
	(void)ctx;
	(void)id;
	*env = calloc(1, 256);
	if (*env == NULL)
		return SZ_ERR_NOMEM;
	(*env)[0] = SZ_ENV_SEALED;
	*len = 256;
	return SZ_OK;
}

static int
fz_store(void *ctx, const uint8_t (*shared)[16], size_t nshared, const uint8_t *const *envs,
    const size_t *lens, const uint8_t (*ids)[32], size_t n, int *results)
{
	(void)ctx;
	if (nshared > 0 && shared == NULL)
		abort();
	for (size_t i = 0; i < n; i++) {
		uint8_t id[32];
		if (lens[i] == 0 || envs[i] == NULL || sz_env_id(id, envs[i], lens[i]) != SZ_OK ||
		    memcmp(id, ids[i], 32) != 0)
			abort();
		fz_env_bytes[i % sizeof fz_env_bytes] ^= envs[i][lens[i] - 1];
		results[i] = (envs[i][0] & 1) ? SZ_OK : SZ_ERR_BAD_SIGNATURE;
	}
	return SZ_OK;
}

/* A node that lends a sketch of the ids fz_list names (built for each loan, freed on return). */
static int
fz_add(void *ctx, const uint8_t id[32])
{
	int r = sz_riblt_sketch_add(ctx, id);
	return r == SZ_ERR_EXISTS ? SZ_OK : r;
}

static int
fz_sketch_get(void *ctx, const uint8_t (*scopes)[16], size_t n, const uint8_t key[16],
    struct sz_riblt_sketch **sk)
{
	int r = sz_riblt_sketch_new(sk, SZ_RIBLT_ID_SYMBOL_BYTES, key, 64);
	for (size_t i = 0; i < n && r == SZ_OK; i++)
		r = fz_list(ctx, scopes[i], fz_add, *sk);
	return r;
}

static void
fz_sketch_put(void *ctx, struct sz_riblt_sketch *sk)
{
	(void)ctx;
	sz_riblt_sketch_free(sk);
}

static int
fz_sketch_size(void *ctx, const uint8_t (*scopes)[16], size_t n, const uint8_t key[16],
    size_t *size)
{
	(void)ctx;
	(void)scopes;
	(void)key;
	*size = 3 * n; /* fz_list's ids */
	return SZ_OK;
}

static int
fz_find_prefix(void *ctx, const uint8_t *prefix, size_t len, uint8_t id[32], uint8_t scope[16])
{
	(void)ctx;
	/* fz_list's ids: byte 0 the scope's first byte, the rest 0x10 + i. */
	memset(id, prefix[len > 1 ? 1 : 0], 32);
	id[0] = prefix[0];
	if (memcmp(id, prefix, len) != 0 || id[1] < 0x10 || id[1] > 0x12)
		return SZ_ERR_NOT_FOUND;
	memset(scope, prefix[0], 16);
	return SZ_OK;
}

static void
shuttle(sz_sync *from, sz_sync *to)
{
	const uint8_t *o;
	size_t n;
	sz_sync_output(from, &o, &n);
	if (n == 0)
		return;
	uint8_t *c = malloc(n);
	if (c == NULL)
		abort();
	memcpy(c, o, n);
	sz_sync_consumed(from, n);
	(void)!sz_sync_input(to, c, n);
	free(c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	if (!ready) {
		if (sz_init() != SZ_OK)
			abort();
		ready = 1;
	}
	if (size < 1)
		return 0;
	sz_env_seeded env;
	sz_env_seeded_init(&env, 1, 1);
	uint8_t ska[32], skb[32], scopes[2][16];
	memset(ska, 1, 32);
	memset(skb, 2, 32);
	memset(scopes[0], 0xa1, 16);
	memset(scopes[1], 0xb2, 16);
	/* and a label both offer under a pair key (a cell's), as a node does */
	sz_sync_pair pair;
	memset(pair.key, 0x5a, 32);
	memset(pair.label, 0xc3, 16);
	sz_sync_config ca = {
		.role = SZ_NOISE_INITIATOR, .static_sk = ska, .scopes = (const uint8_t(*)[16])scopes,
		.nscopes = 2, .pairs = &pair, .npairs = 1, .methods = SZ_RECON_LIST, .hooks = { .ctx = NULL, .list_ids = fz_list, .get = fz_get, .store = fz_store },
		.env = &env.env,
	};
	if (data[0] & 0x10) {
		ca.methods = SZ_RECON_RIBLT | SZ_RECON_LIST;
		ca.salted_one_in = (data[0] & 0x40) ? 1 : 1u << 30;
	} else if (data[0] & 0x20) {
		ca.methods = SZ_RECON_NEGENTROPY | SZ_RECON_LIST;
	}
	if ((data[0] & 0x30) == 0x30) {
		ca.hooks.sketch_get = fz_sketch_get;
		ca.hooks.sketch_put = fz_sketch_put;
		ca.hooks.sketch_size = fz_sketch_size;
		ca.hooks.find_prefix = fz_find_prefix;
		/* the lent sketch (full symbols), or compact ones chosen by its size */
		ca.compact = (data[0] & 0x04) ? 0 : -1;
	}
	sz_sync_config cb = ca;
	cb.role = SZ_NOISE_RESPONDER;
	cb.static_sk = skb;
	sz_sync *a = NULL, *b = NULL;
	if (sz_sync_new(&a, &ca) != SZ_OK || sz_sync_new(&b, &cb) != SZ_OK)
		abort();
	shuttle(a, b); /* message 1 */
	shuttle(b, a); /* message 2 */
	const uint8_t *o;
	size_t n;
	if (data[0] & 2) {
		/* Let the honest sides get into reconciliation and transfer first. */
		for (int i = 0; i < (data[0] >> 2) % 4 + 1 + (data[0] >> 7) * 2; i++) {
			shuttle(a, b);
			shuttle(b, a);
		}
	} else {
		/* Drop what the honest sides queued (message 3, HELLOs), except message 3 itself,
		 * which the responder needs before anything can be decrypted. */
		sz_sync_output(a, &o, &n);
		if (n < 66)
			abort();
		uint8_t m3[66];
		memcpy(m3, o, 66);
		sz_sync_consumed(a, n);
		(void)!sz_sync_input(b, m3, 66);
	}
	sz_sync_output(a, &o, &n);
	sz_sync_consumed(a, n);
	sz_sync_output(b, &o, &n);
	sz_sync_consumed(b, n);
	/* Now the attacker speaks: data[0] picks the victim, the rest is its plaintext stream. */
	sz_sync *attacker = (data[0] & 1) ? b : a, *victim = (data[0] & 1) ? a : b;
	const uint8_t *p = data + 1;
	size_t left = size - 1;
	uint8_t msg[SZ_NOISE_MAX_MSG + 2];
	while (left > 0 && sz_sync_get_status(victim) == SZ_SYNC_RUNNING) {
		size_t take = left > 4000 ? 4000 : left;
		size_t mlen;
		if (sz_noise_encrypt(attacker->tx, p, take, msg + 2, sizeof msg - 2, &mlen) != SZ_OK)
			break;
		msg[0] = (uint8_t)(mlen >> 8);
		msg[1] = (uint8_t)mlen;
		(void)!sz_sync_input(victim, msg, mlen + 2);
		sz_sync_output(victim, &o, &n);
		sz_sync_consumed(victim, n);
		p += take;
		left -= take;
	}
	sz_sync_free(a);
	sz_sync_free(b);
	return 0;
}
