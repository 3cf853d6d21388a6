/*
 * keys.c - the key schedules of a cell: pairwise channels (DCGKA's 2SM, X3DH-style start),
 * member ratchets, per-sender message chains with a bounded skipped-key store, epoch keys.
 * Layer: cell.  docs/PROTOCOL.md §11 (Cells) §3-§5 specifies every derivation here.
 */
#include <string.h>

#include "cell/cell_int.h"
#include "crypto/crypto.h"
#include "crypto/edtweak.h"

static const uint8_t SALT[] = "samizdat cell v1";

int
sz_cellk_kdf(uint8_t *out, size_t outlen, const uint8_t *ikm, size_t ikmlen, const char *label,
    const uint8_t *ctx, size_t ctxlen)
{
	uint8_t info[160];
	size_t ll = strlen(label);
	if (ll + 1 + ctxlen > sizeof info)
		return SZ_ERR_INTERNAL;
	memcpy(info, label, ll);
	info[ll] = 0;
	if (ctxlen)
		memcpy(info + ll + 1, ctx, ctxlen);
	int r = sz_hkdf(SZ_HASH_SHA256, out, outlen, SALT, sizeof SALT - 1, ikm, ikmlen, info,
	    ll + 1 + ctxlen);
	sz_wipe(info, sizeof info);
	return r;
}

uint32_t
sz_cellk_mref(const uint8_t cell_id[32], const uint8_t id[32])
{
	uint8_t in[18 + 32], h[32];
	memcpy(in, "samizdat cell mref", 18);
	memcpy(in + 18, id, 32);
	if (sz_blake2b(h, sizeof h, in, sizeof in, cell_id, 32) != SZ_OK)
		return 0;
	return sz_load_u32(h);
}

int
sz_cellk_dh_keypair(const sz_cell *c, uint8_t pk[32], uint8_t sk[32])
{
	sz_random(c->env, sk, 32);
	return sz_dh_public(pk, sk);
}

int
sz_cellk_sign_keypair(const sz_cell *c, uint8_t pk[32], uint8_t sk[64])
{
	uint8_t seed[32];
	sz_random(c->env, seed, sizeof seed);
	int r = sz_sign_seed_keypair(pk, sk, seed);
	sz_wipe(seed, sizeof seed);
	return r;
}

int
sz_cellk_epoch(cell_epoch *ep, const uint8_t e[32])
{
	int r;
	memcpy(ep->e, e, 32);
	if ((r = sz_cellk_kdf(ep->key, 32, e, 32, "seal key", NULL, 0)) != SZ_OK)
		return r;
	return sz_cellk_kdf(ep->scope, 16, e, 32, "scope", NULL, 0);
}

/* The channel key schedule: (ck', k) = KDF(ikm, "2sm", sender || recipient || ctr || tidx). */
static int
dm_keys(uint8_t ck[32], uint8_t k[32], const uint8_t *ikm, size_t ikmlen, const uint8_t from[32],
    const uint8_t to[32], uint32_t ctr, uint16_t tidx)
{
	uint8_t ctx[70], okm[64];
	memcpy(ctx, from, 32);
	memcpy(ctx + 32, to, 32);
	sz_store_u32(ctx + 64, ctr);
	sz_store_u16(ctx + 68, tidx);
	int r = sz_cellk_kdf(okm, sizeof okm, ikm, ikmlen, "2sm", ctx, sizeof ctx);
	if (r == SZ_OK) {
		memcpy(ck, okm, 32);
		memcpy(k, okm + 32, 32);
	}
	sz_wipe(okm, sizeof okm);
	return r;
}

int
sz_cellk_dm_seal(sz_cell *c, uint16_t idx, const uint8_t esk[32], const uint8_t *ad, size_t adlen,
    const uint8_t *pt, size_t ptlen, uint16_t *tidx, uint32_t *ctr, uint8_t *ct)
{
	cell_member *m = &c->m[idx];
	uint8_t ikm[96], ck[32], k[32], nonce[SZ_NONCE_BYTES] = { 0 };
	size_t ikmlen;
	int r;
	if ((r = sz_dh(ikm + 64, esk, m->dh_pk)) != SZ_OK)
		goto out;
	if (m->send_ctr == 0) {
		/* X3DH-style start: DH(IK_a, PK_b) || DH(EK_a, IK_b) || DH(EK_a, PK_b). */
		if ((r = sz_dh(ikm, c->id_xsk, m->dh_pk)) != SZ_OK ||
		    (r = sz_dh(ikm + 32, esk, m->xid)) != SZ_OK)
			goto out;
		ikmlen = 96;
	} else {
		memcpy(ikm, m->send_ck, 32);
		memcpy(ikm + 32, ikm + 64, 32);
		ikmlen = 64;
	}
	if ((r = dm_keys(ck, k, ikm, ikmlen, c->m[c->me].id, m->id, m->send_ctr, m->dh_idx)) != SZ_OK)
		goto out;
	if ((r = sz_aead_encrypt(ct, pt, ptlen, ad, adlen, nonce, k)) != SZ_OK)
		goto out;
	*tidx = m->dh_idx;
	*ctr = m->send_ctr;
	memcpy(m->send_ck, ck, 32);
	m->send_ctr++;
out:
	sz_wipe(ikm, sizeof ikm);
	sz_wipe(ck, sizeof ck);
	sz_wipe(k, sizeof k);
	return r;
}

int
sz_cellk_dm_open(sz_cell *c, cell_member *m, const uint8_t epk[32], const uint8_t *ad,
    size_t adlen, const cell_dm *dm, uint8_t *pt)
{
	uint8_t ikm[96], ck[32], k[32], nonce[SZ_NONCE_BYTES] = { 0 };
	const uint8_t *sk = NULL;
	size_t ikmlen;
	int r;
	if (dm->ctr != m->recv_ctr)
		return dm->ctr < m->recv_ctr ? SZ_ERR_REPLAY : SZ_ERR_AGAIN;
	if (dm->ctlen < SZ_AEAD_TAG_BYTES)
		return SZ_ERR_TRUNCATED;
	for (int i = 0; i < CELL_DH_RING; i++)
		if (c->dh_used[i] && c->dh_idx[i] == dm->tidx)
			sk = c->dh_sk[i];
	if (sk == NULL)
		return SZ_ERR_NOT_FOUND;
	if ((r = sz_dh(ikm + 64, sk, epk)) != SZ_OK)
		goto out;
	if (m->recv_ctr == 0) {
		if ((r = sz_dh(ikm, sk, m->xid)) != SZ_OK || (r = sz_dh(ikm + 32, c->id_xsk, epk)) != SZ_OK)
			goto out;
		ikmlen = 96;
	} else {
		memcpy(ikm, m->recv_ck, 32);
		memcpy(ikm + 32, ikm + 64, 32);
		ikmlen = 64;
	}
	if ((r = dm_keys(ck, k, ikm, ikmlen, m->id, c->m[c->me].id, dm->ctr, dm->tidx)) != SZ_OK)
		goto out;
	if ((r = sz_aead_decrypt(pt, dm->ct, dm->ctlen, ad, adlen, nonce, k)) != SZ_OK)
		goto out;
	memcpy(m->recv_ck, ck, 32);
	m->recv_ctr++;
out:
	sz_wipe(ikm, sizeof ikm);
	sz_wipe(ck, sizeof ck);
	sz_wipe(k, sizeof k);
	return r;
}

int
sz_cellk_step(cell_member *m, cell_chain *send, const uint8_t *input, size_t inlen,
    const uint8_t key[32], const uint8_t *tw)
{
	uint8_t ikm[32 + 64], okm[64];
	int r = SZ_OK;
	if (inlen > 64)
		return SZ_ERR_INTERNAL;
	if (m->steps == UINT32_MAX)
		return SZ_ERR_LIMIT;
	m->steps++;
	if (!m->rk_known)
		return SZ_OK; /* the count goes on, so that chain generations agree once it is known */
	memcpy(ikm, m->rk, 32);
	memcpy(ikm + 32, input, inlen);
	/* (I, ratchet') = KDF(ratchet || input): DCGKA's update_ratchet. */
	if ((r = sz_cellk_kdf(okm, sizeof okm, ikm, 32 + inlen, "ratchet", m->id, 32)) != SZ_OK)
		goto out;
	memcpy(m->rk, okm + 32, 32);
	cell_chain *ch = send;
	if (ch == NULL) {
		ch = &m->ch[0];
		for (int i = 0; i < CELL_GENS; i++) {
			if (!m->ch[i].used) {
				ch = &m->ch[i];
				break;
			}
			if (m->ch[i].gen < ch->gen)
				ch = &m->ch[i];
		}
	}
	sz_wipe(ch, sizeof *ch);
	ch->used = 1;
	ch->gen = m->steps;
	memcpy(ch->ck, okm, 32);
	if (send == NULL) {
		memcpy(ch->au.key, key, 32);
		if (tw != NULL) {
			ch->au.tweaked = 1;
			memcpy(ch->au.tw, tw, 32);
		}
	}
out:
	sz_wipe(ikm, sizeof ikm);
	sz_wipe(okm, sizeof okm);
	return r;
}

int
sz_cellk_ratchet(sz_cell *c, uint16_t idx, const uint8_t *input, size_t inlen)
{
	cell_member *m = &c->m[idx];
	return sz_cellk_step(m, idx == c->me ? &c->send : NULL, input, inlen, m->csk[0], NULL);
}

int
sz_cellk_newcomer(const cell_chain *ch, const uint8_t id[32], uint8_t rk[32])
{
	if (ch == NULL || !ch->used || ch->ctr != 0)
		return SZ_ERR_NOT_FOUND;
	return sz_cellk_kdf(rk, 32, ch->ck, 32, "newcomer", id, 32);
}

const cell_chain *
sz_cellk_chain_of(const cell_member *m, uint32_t gen)
{
	for (int i = 0; i < CELL_GENS; i++)
		if (m->ch[i].used && m->ch[i].gen == gen)
			return &m->ch[i];
	return NULL;
}

int
sz_cellk_author(const cell_author *au, uint8_t out[32])
{
	if (!au->tweaked) {
		memcpy(out, au->key, 32);
		return SZ_OK;
	}
	return sz_edtweak_pk(out, au->key, au->tw);
}

static void
resolve_author(cell_author *au, const uint8_t pk[32])
{
	memset(au, 0, sizeof *au);
	memcpy(au->key, pk, 32);
}

void
sz_cellk_author_resolved(sz_cell *c, uint16_t idx, uint32_t gen, const uint8_t pk[32])
{
	cell_member *m = &c->m[idx];
	for (int i = 0; i < CELL_GENS; i++)
		if (m->ch[i].used && m->ch[i].gen == gen)
			resolve_author(&m->ch[i].au, pk);
	for (int i = 0; i < CELL_SKIPPED; i++)
		if (c->skip[i].used && c->skip[i].member == idx && c->skip[i].gen == gen)
			resolve_author(&c->skip[i].au, pk);
}

/* One chain step: (k, ck') = KDF(ck, "msg"). */
static int
chain_step(cell_chain *ch, uint8_t k[32])
{
	uint8_t okm[64];
	int r = sz_cellk_kdf(okm, sizeof okm, ch->ck, 32, "msg", NULL, 0);
	if (r == SZ_OK) {
		memcpy(k, okm, 32);
		memcpy(ch->ck, okm + 32, 32);
		ch->ctr++;
	}
	sz_wipe(okm, sizeof okm);
	return r;
}

/* Where the key for (member idx, gen, ctr) is: a skipped key (*skip) or a chain (*chain) that
 * must step up to ctr.  SZ_ERR_AGAIN, SZ_ERR_NOT_FOUND, SZ_ERR_LIMIT as sz_cellk_msgkey. */
static int
msgkey_find(const sz_cell *c, uint16_t idx, const cell_member *m, uint32_t gen, uint32_t ctr,
    int *skip, int *chain)
{
	*skip = *chain = -1;
	for (int i = 0; i < CELL_SKIPPED; i++) {
		const cell_skipped *s = &c->skip[i];
		if (s->used && s->member == idx && s->gen == gen && s->ctr == ctr) {
			*skip = i;
			return SZ_OK;
		}
	}
	for (int i = 0; i < CELL_GENS; i++)
		if (m->ch[i].used && m->ch[i].gen == gen)
			*chain = i;
	if (*chain < 0)
		return gen > m->steps ? SZ_ERR_AGAIN : SZ_ERR_NOT_FOUND;
	const cell_chain *ch = &m->ch[*chain];
	if (ctr < ch->ctr)
		return SZ_ERR_NOT_FOUND;
	if (ctr - ch->ctr > CELL_MAX_SKIP)
		return SZ_ERR_LIMIT;
	return SZ_OK;
}

int
sz_cellk_msgkey_peek(const sz_cell *c, uint16_t idx, const cell_member *m, uint32_t gen,
    uint32_t ctr, uint8_t k[32], const cell_author **au)
{
	int skip, chain, r;
	if (au != NULL)
		*au = NULL;
	if ((r = msgkey_find(c, idx, m, gen, ctr, &skip, &chain)) != SZ_OK)
		return r;
	if (skip >= 0) {
		memcpy(k, c->skip[skip].k, 32);
		if (au != NULL)
			*au = &c->skip[skip].au;
		return SZ_OK;
	}
	if (au != NULL)
		*au = &m->ch[chain].au;
	cell_chain tmp = m->ch[chain];
	while (r == SZ_OK && tmp.ctr <= ctr)
		r = chain_step(&tmp, k);
	sz_wipe(&tmp, sizeof tmp);
	return r;
}

int
sz_cellk_msgkey(sz_cell *c, uint16_t idx, uint32_t gen, uint32_t ctr, uint8_t k[32])
{
	int skip, chain, r;
	if ((r = msgkey_find(c, idx, &c->m[idx], gen, ctr, &skip, &chain)) != SZ_OK)
		return r;
	if (skip >= 0) {
		memcpy(k, c->skip[skip].k, 32);
		sz_wipe(&c->skip[skip], sizeof c->skip[skip]);
		return SZ_OK;
	}
	cell_chain *ch = &c->m[idx].ch[chain];
	while (ch->ctr < ctr) {
		cell_skipped *slot = &c->skip[0];
		for (int i = 0; i < CELL_SKIPPED; i++) {
			if (!c->skip[i].used) {
				slot = &c->skip[i];
				break;
			}
			if (c->skip[i].order < slot->order)
				slot = &c->skip[i];
		}
		slot->used = 1;
		slot->member = idx;
		slot->gen = gen;
		slot->ctr = ch->ctr;
		slot->order = ++c->counter;
		slot->au = ch->au;
		if ((r = chain_step(ch, slot->k)) != SZ_OK)
			return r;
	}
	return chain_step(ch, k);
}

int
sz_cellk_chain_next(cell_chain *ch, uint32_t *gen, uint32_t *ctr, uint8_t k[32])
{
	if (!ch->used)
		return SZ_ERR_STATE;
	*gen = ch->gen;
	*ctr = ch->ctr;
	return chain_step(ch, k);
}

void
sz_cellk_forget(sz_cell *c, uint16_t idx)
{
	cell_member *m = &c->m[idx];
	sz_wipe(m->rk, sizeof m->rk);
	m->rk_known = 0;
	sz_wipe(m->ch, sizeof m->ch);
	/* The pairwise channel stays: ops the member made before its removal still arrive, and
	 * their seeds are needed to follow the acks of others (docs/PROTOCOL.md §11 (Cells) §7). */
	for (int i = 0; i < CELL_SKIPPED; i++)
		if (c->skip[i].used && c->skip[i].member == idx)
			sz_wipe(&c->skip[i], sizeof c->skip[i]);
}
