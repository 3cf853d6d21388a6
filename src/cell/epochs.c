/*
 * epochs.c - giving a member the epoch keys it lacks (docs/PROTOCOL.md §11 (Cells) §2.2).
 * Layer: cell.  A member added while an op it did not get was under way may lack that op's
 * epoch, and then cannot open what later ops are sealed under; DCGKA's forwards cover the
 * members an acker knows of when it acks, not those it learns of later.  So any member that
 * holds an epoch a current member lacks (in its view of who holds what) sends it in a message of
 * its own, outside the op sequence and outside the pairwise channels (whose counters could wait
 * for a direct message sealed under the very epoch it brings): a one-shot X3DH-style box.
 *
 * plaintext := 0x05 || sender id[32] || u32 recipient mref || EK[32] || u16 t || u8 k ||
 *              ChaCha20-Poly1305(key, nonce 0, ad = the bytes before, k x E[32])
 * key       := KDF(DH(IK_s, T) || DH(EK, IK_r) || DH(EK, T), "epochs", id_s || id_r || EK || u16 t)
 * with T the recipient's published 2SM key of index t (§3): the sender's identity key
 * authenticates it, deniably; a fresh T heals a seized recipient as its other messages do.  The
 * sender is named by its identity, not its mref: the recipient may not know it yet (it may lack
 * the very epoch its add was sealed under).  It is sealed under an epoch the recipient surely
 * holds: one its add listed, if I still keep one.
 */
#include <string.h>

#include "cell/cell_int.h"
#include "crypto/crypto.h"

#define HEAD_LEN (1 + 32 + 4 + 32 + 2 + 1)
#define O_ID 1
#define O_TO 33
#define O_EK 37
#define O_T 69

static int
box_key(uint8_t key[32], const uint8_t ikm[96], const uint8_t ids[64], const uint8_t ek[32],
    uint16_t t)
{
	uint8_t ctx[64 + 32 + 2];
	memcpy(ctx, ids, 64);
	memcpy(ctx + 64, ek, 32);
	sz_store_u16(ctx + 96, t);
	return sz_cellk_kdf(key, 32, ikm, 96, "epochs", ctx, sizeof ctx);
}

/* The epoch to seal a message to member z under: one its add listed if I keep one (it surely
 * holds that), else one z holds in my view; clean if any, newest. */
static const cell_epoch *
seal_for(const sz_cell *c, unsigned z)
{
	cell_mset rem;
	const cell_epoch *best = NULL;
	int best_clean = 0, sure = 0;
	sz_cellm_removed(c, &c->processed, &rem);
	for (int i = 0; i < CELL_EPOCHS; i++)
		sure |= c->ep[i].used && !sodium_is_zero(c->m[z].sure, 8) &&
		    memcmp(c->ep[i].scope, c->m[z].sure, 8) == 0;
	for (int i = 0; i < CELL_EPOCHS; i++) {
		const cell_epoch *ep = &c->ep[i];
		if (!ep->used || !mset_has(&ep->holders, z))
			continue;
		if (sure && memcmp(ep->scope, c->m[z].sure, 8) != 0)
			continue;
		int clean = 1;
		for (int w = 0; w < CELL_MW; w++)
			clean &= !(ep->holders.w[w] & rem.w[w]);
		if (best == NULL || clean > best_clean || (clean == best_clean && ep->order > best->order)) {
			best = ep;
			best_clean = clean;
		}
	}
	return best;
}

static int
send_one(sz_cell *c, uint16_t z, sz_cell_result *res)
{
	uint8_t pt[CELL_EPOCHS * 32], inner[HEAD_LEN + CELL_EPOCHS * 32 + SZ_AEAD_TAG_BYTES];
	uint8_t esk[32], ikm[96], ids[64], key[32], nonce[SZ_NONCE_BYTES] = { 0 };
	uint8_t gave[CELL_EPOCHS];
	size_t k = 0;
	int r;
	const cell_member *to = &c->m[z];
	const cell_epoch *seal = seal_for(c, z);
	if (seal == NULL)
		return SZ_OK; /* nothing it could open: it catches up by other means */
	for (int e = 0; e < CELL_EPOCHS; e++)
		if (c->ep[e].used && !mset_has(&c->ep[e].holders, z)) {
			memcpy(pt + 32 * k, c->ep[e].e, 32);
			gave[k++] = (uint8_t)e;
		}
	inner[0] = SEAL_EPOCHS;
	memcpy(inner + O_ID, c->m[c->me].id, 32);
	sz_store_u32(inner + O_TO, to->mref);
	sz_store_u16(inner + O_T, to->dh_idx);
	inner[HEAD_LEN - 1] = (uint8_t)k;
	memcpy(ids, c->m[c->me].id, 32);
	memcpy(ids + 32, to->id, 32);
	if ((r = sz_cellk_dh_keypair(c, inner + O_EK, esk)) != SZ_OK ||
	    (r = sz_dh(ikm, c->id_xsk, to->dh_pk)) != SZ_OK ||
	    (r = sz_dh(ikm + 32, esk, to->xid)) != SZ_OK ||
	    (r = sz_dh(ikm + 64, esk, to->dh_pk)) != SZ_OK ||
	    (r = box_key(key, ikm, ids, inner + O_EK, to->dh_idx)) != SZ_OK ||
	    (r = sz_aead_encrypt(inner + HEAD_LEN, pt, 32 * k, inner, HEAD_LEN, nonce, key)) != SZ_OK)
		goto out;
	if ((r = sz_cell_seal_epoch(c, seal, inner, HEAD_LEN + 32 * k + SZ_AEAD_TAG_BYTES, res)) != SZ_OK)
		goto out;
	cell_mset who;
	memset(&who, 0, sizeof who);
	mset_add(&who, z);
	for (size_t i = 0; i < k; i++)
		sz_cell_epoch_share(c, c->ep[gave[i]].e, &who);
out:
	sz_wipe(pt, sizeof pt);
	sz_wipe(inner, sizeof inner);
	sz_wipe(esk, sizeof esk);
	sz_wipe(ikm, sizeof ikm);
	sz_wipe(key, sizeof key);
	return r;
}

int
sz_cellf_send_epochs(sz_cell *c, sz_cell_result *res)
{
	cell_mset mem;
	int r = SZ_OK;
	if (c->status != SZ_CELL_ACTIVE || !c->send.used)
		return SZ_OK;
	sz_cellm_members(c, &c->processed, &mem);
	if (!mset_has(&mem, c->me))
		return SZ_OK;
	for (uint16_t z = 0; z < c->nmembers && r == SZ_OK; z++) {
		if (z == c->me || !mset_has(&mem, z))
			continue;
		int lacks = 0;
		for (int e = 0; e < CELL_EPOCHS && !lacks; e++)
			lacks = c->ep[e].used && !mset_has(&c->ep[e].holders, z);
		if (lacks)
			r = send_one(c, z, res);
	}
	return r;
}

int
sz_cell_receive_epochs(sz_cell *c, const uint8_t *pt, size_t len, sz_cell_result *res,
    const char **why)
{
	uint8_t ep[CELL_EPOCHS * 32], ikm[96], ids[64], key[32], nonce[SZ_NONCE_BYTES] = { 0 };

	const uint8_t *tsk = NULL;
	cell_mset mem, two;
	int r;
	(void)res;
	if (len < HEAD_LEN + SZ_AEAD_TAG_BYTES) {
		*why = "epoch message malformed";
		return SZ_ERR_MALFORMED;
	}
	size_t k = pt[HEAD_LEN - 1];
	if (k == 0 || k > CELL_EPOCHS || len != HEAD_LEN + 32 * k + SZ_AEAD_TAG_BYTES) {
		*why = "epoch message malformed";
		return SZ_ERR_MALFORMED;
	}
	if (sz_load_u32(pt + O_TO) != c->m[c->me].mref)
		return SZ_OK; /* for another member */
	/* From a member, or from someone I do not know yet (added while an op I did not get was
	 * under way); not from one out of my view. */
	uint8_t sxid[32];
	int s = sz_cellm_find(c, pt + O_ID);
	sz_cellm_members(c, &c->processed, &mem);
	if (s == c->me || (s >= 0 && !mset_has(&mem, (unsigned)s))) {
		*why = "epochs from one who is not a member";
		return SZ_ERR_NOT_MEMBER;
	}
	if (crypto_sign_ed25519_pk_to_curve25519(sxid, pt + O_ID) != 0) {
		*why = "epoch message from no valid identity";
		return SZ_ERR_MALFORMED;
	}
	uint16_t t = sz_load_u16(pt + O_T);
	for (int i = 0; i < CELL_DH_RING; i++)
		if (c->dh_used[i] && c->dh_idx[i] == t)
			tsk = c->dh_sk[i];
	if (tsk == NULL) {
		*why = "epoch message to a key of mine I no longer keep";
		return SZ_ERR_NOT_FOUND;
	}
	memcpy(ids, pt + O_ID, 32);
	memcpy(ids + 32, c->m[c->me].id, 32);
	if ((r = sz_dh(ikm, tsk, sxid)) != SZ_OK ||
	    (r = sz_dh(ikm + 32, c->id_xsk, pt + O_EK)) != SZ_OK ||
	    (r = sz_dh(ikm + 64, tsk, pt + O_EK)) != SZ_OK ||
	    (r = box_key(key, ikm, ids, pt + O_EK, t)) != SZ_OK)
		goto out;
	if (sz_aead_decrypt(ep, pt + HEAD_LEN, len - HEAD_LEN, pt, HEAD_LEN, nonce, key) != SZ_OK) {
		*why = "epoch message does not open";
		r = SZ_ERR_DECRYPT;
		goto out;
	}
	memset(&two, 0, sizeof two);
	mset_add(&two, c->me);
	if (s >= 0)
		mset_add(&two, (unsigned)s);
	for (size_t i = 0; i < k && r == SZ_OK; i++) {
		r = sz_cell_epoch_learn(c, ep + 32 * i, &two);
		sz_cell_epoch_share(c, ep + 32 * i, &two);
	}
out:
	sz_wipe(ep, sizeof ep);
	sz_wipe(ikm, sizeof ikm);
	sz_wipe(key, sizeof key);
	return r;
}
