/*
 * epochs.c - giving a member the epoch keys it lacks (docs/PROTOCOL.md §11 (Cells) §2.2).
 * Layer: cell.  A member added while an op it did not get was under way may lack that op's
 * epoch, and then cannot open what later ops are sealed under; DCGKA's forwards cover the
 * members an acker knows of when it acks, not those it learns of later.  So any member that
 * holds an epoch a current member lacks (in its view of who holds what) sends it in a message of
 * its own: a 2SM direct message outside the op sequence, so that it is not stuck behind ops
 * sealed under the very epochs it brings.
 *
 * plaintext := 0x05 || u32 sender mref || u32 recipient mref || EK[32] || u16 t || u32 n ||
 *              u8 k || 2SM(k x E[32]), ad = BLAKE2b-256("samizdat cell epochs v1" || the bytes
 *              before the ciphertext)
 */
#include <string.h>

#include "cell/cell_int.h"
#include "crypto/crypto.h"

#define HEAD_LEN (1 + 4 + 4 + 32 + 2 + 4 + 1)
static const uint8_t EPOCHS_AD[] = "samizdat cell epochs v1";

static int
epochs_ad(uint8_t ad[32], const uint8_t *head, size_t len)
{
	crypto_generichash_state st;
	if (crypto_generichash_init(&st, NULL, 0, 32) != 0 ||
	    crypto_generichash_update(&st, EPOCHS_AD, sizeof EPOCHS_AD - 1) != 0 ||
	    crypto_generichash_update(&st, head, len) != 0 ||
	    crypto_generichash_final(&st, ad, 32) != 0)
		return SZ_ERR_INTERNAL;
	return SZ_OK;
}

/* The epoch to seal a message to member z under: one z holds, clean if any, newest. */
static const cell_epoch *
seal_for(const sz_cell *c, unsigned z)
{
	cell_mset rem;
	const cell_epoch *best = NULL;
	int best_clean = 0;
	sz_cellm_removed(c, &c->processed, &rem);
	for (int i = 0; i < CELL_EPOCHS; i++) {
		const cell_epoch *ep = &c->ep[i];
		if (!ep->used || !mset_has(&ep->holders, z))
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
	uint8_t esk[32], ad[32];
	uint8_t gave[CELL_EPOCHS];
	size_t k = 0;
	uint16_t tidx;
	uint32_t ctr;
	int r;
	const cell_epoch *seal = seal_for(c, z);
	if (seal == NULL)
		return SZ_OK; /* nothing it could open: it catches up by other means */
	for (int e = 0; e < CELL_EPOCHS; e++)
		if (c->ep[e].used && !mset_has(&c->ep[e].holders, z)) {
			memcpy(pt + 32 * k, c->ep[e].e, 32);
			gave[k++] = (uint8_t)e;
		}
	inner[0] = SEAL_EPOCHS;
	sz_store_u32(inner + 1, c->m[c->me].mref);
	sz_store_u32(inner + 5, c->m[z].mref);
	if ((r = sz_cellk_dh_keypair(c, inner + 9, esk)) != SZ_OK)
		goto out;
	/* t and n are known only once sealed, and the ad binds them: seal with a provisional
	 * header, whose bytes sz_cellk_dm_seal does not read, then bind the real one */
	inner[HEAD_LEN - 1] = (uint8_t)k;
	/* the channel's next counter and target key are what dm_seal will use */
	sz_store_u16(inner + 41, c->m[z].dh_idx);
	sz_store_u32(inner + 43, c->m[z].send_ctr);
	if ((r = epochs_ad(ad, inner, HEAD_LEN)) != SZ_OK ||
	    (r = sz_cellk_dm_seal(c, z, esk, ad, 32, pt, 32 * k, &tidx, &ctr, inner + HEAD_LEN)) != SZ_OK)
		goto out;
	if (tidx != sz_load_u16(inner + 41) || ctr != sz_load_u32(inner + 43)) {
		r = SZ_ERR_INTERNAL;
		goto out;
	}
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
	uint8_t ad[32], ep[CELL_EPOCHS * 32];
	cell_dm dm;
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
	if (sz_load_u32(pt + 5) != c->m[c->me].mref)
		return SZ_OK; /* for another member */
	int s = sz_cellm_by_mref(c, sz_load_u32(pt + 1));
	if (s < 0) {
		*why = "sender unknown yet";
		return SZ_ERR_AGAIN;
	}
	sz_cellm_members(c, &c->processed, &mem);
	if (s == c->me || !mset_has(&mem, (unsigned)s)) {
		*why = "epochs from one who is not a member";
		return SZ_ERR_NOT_MEMBER;
	}
	memset(&dm, 0, sizeof dm);
	dm.mref = c->m[c->me].mref;
	dm.tidx = sz_load_u16(pt + 41);
	dm.ctr = sz_load_u32(pt + 43);
	dm.ct = pt + HEAD_LEN;
	dm.ctlen = 32 * k + SZ_AEAD_TAG_BYTES;
	if ((r = epochs_ad(ad, pt, HEAD_LEN)) != SZ_OK)
		return r;
	if ((r = sz_cellk_dm_open(c, &c->m[s], pt + 9, ad, 32, &dm, ep)) != SZ_OK) {
		*why = r == SZ_ERR_AGAIN ? "waiting for an earlier direct message from the sender" :
		    "epoch message does not open";
		return r;
	}
	memset(&two, 0, sizeof two);
	mset_add(&two, c->me);
	mset_add(&two, (unsigned)s);
	for (size_t i = 0; i < k && r == SZ_OK; i++) {
		r = sz_cell_epoch_learn(c, ep + 32 * i, &two);
		sz_cell_epoch_share(c, ep + 32 * i, &two);
	}
	sz_wipe(ep, sizeof ep);
	return r;
}
