/*
 * cell.c - the cell facade: operations, sealing under epoch keys, receiving with causal holding,
 * and the result lists.  Layer: cell.  docs/PROTOCOL.md §11 (Cells) §2 (sealing); posts are in
 * message.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cell/cell_int.h"
#include "crypto/crypto.h"
#include "wire/entry.h"
#include "wire/envelope.h"

/* --- results ----------------------------------------------------------------------------- */

void
sz_cell_result_free(sz_cell_result *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->nev; i++) {
		sz_wipe(r->ev[i].chunk_key, sizeof r->ev[i].chunk_key);
		if (r->ev[i].entry != NULL) {
			sz_wipe(r->ev[i].entry, r->ev[i].entry_len);
			free(r->ev[i].entry);
		}
	}
	for (size_t i = 0; i < r->nout; i++)
		free(r->out[i]);
	free(r->ev);
	free(r->out);
	free(r->outlen);
	free(r->welcome);
	memset(r, 0, sizeof *r);
}

int
sz_cell_event_push(sz_cell_result *res, const sz_cell_event *ev)
{
	if (res->nev == res->cap_ev) {
		size_t cap = res->cap_ev ? res->cap_ev * 2 : 8;
		sz_cell_event *p = realloc(res->ev, cap * sizeof *p);
		if (p == NULL)
			return SZ_ERR_NOMEM;
		res->ev = p;
		res->cap_ev = cap;
	}
	res->ev[res->nev++] = *ev;
	return SZ_OK;
}

int
sz_cell_out_push(sz_cell_result *res, uint8_t *env, size_t len)
{
	if (res->nout == res->cap_out) {
		size_t cap = res->cap_out ? res->cap_out * 2 : 8;
		uint8_t **p = realloc(res->out, cap * sizeof *p);
		if (p == NULL)
			return SZ_ERR_NOMEM;
		res->out = p;
		size_t *q = realloc(res->outlen, cap * sizeof *q);
		if (q == NULL)
			return SZ_ERR_NOMEM;
		res->outlen = q;
		res->cap_out = cap;
	}
	res->out[res->nout] = env;
	res->outlen[res->nout++] = len;
	return SZ_OK;
}

static int
push_note(sz_cell_result *res, int type, int reason, const char *text)
{
	sz_cell_event ev;
	memset(&ev, 0, sizeof ev);
	ev.type = type;
	ev.reason = reason;
	snprintf(ev.text, sizeof ev.text, "%s", text);
	return sz_cell_event_push(res, &ev);
}

/* --- state ------------------------------------------------------------------------------- */

sz_cell *
sz_cell_alloc(const sz_env *env)
{
	sz_cell *c = sz_secret_alloc(sizeof *c);
	if (c != NULL)
		c->env = env;
	return c;
}

void
sz_cell_free(sz_cell *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nheld; i++) {
		sz_wipe(c->held[i].p, c->held[i].len);
		free(c->held[i].p);
	}
	if (c->mop != NULL)
		sz_wipe(c->mop, (size_t)c->mop_cap * sizeof *c->mop);
	free(c->mop);
	sz_secret_free(c);
}

/* --- epochs and sealing ------------------------------------------------------------------ */

int
sz_cell_epoch_learn(sz_cell *c, const uint8_t e[32], const cell_mset *holders)
{
	cell_epoch *slot = &c->ep[0];
	for (int i = 0; i < CELL_EPOCHS; i++)
		if (c->ep[i].used && sz_ct_equal(c->ep[i].e, e, 32))
			return SZ_OK;
	for (int i = 0; i < CELL_EPOCHS; i++) {
		if (!c->ep[i].used) {
			slot = &c->ep[i];
			break;
		}
		if (c->ep[i].order < slot->order)
			slot = &c->ep[i];
	}
	sz_wipe(slot, sizeof *slot);
	int r = sz_cellk_epoch(slot, e);
	if (r != SZ_OK)
		return r;
	slot->used = 1;
	slot->order = ++c->counter;
	slot->holders = *holders;
	return SZ_OK;
}

/* Is no member removed in my view among the holders of ep? */
static int
epoch_clean(const cell_epoch *ep, const cell_mset *removed)
{
	for (int w = 0; w < CELL_MW; w++)
		if (ep->holders.w[w] & removed->w[w])
			return 0;
	return 1;
}

/* The epoch I seal with: prefer one no removed member can know, then one every current member
 * of my view knows (so forwards and acks reach concurrently added members), then the newest. */
cell_epoch *
sz_cell_current_epoch(const sz_cell *c)
{
	cell_mset rem, mem;
	const cell_epoch *best = NULL;
	int best_rank = -1;
	sz_cellm_removed(c, &c->processed, &rem);
	sz_cellm_members(c, &c->processed, &mem);
	for (int i = 0; i < CELL_EPOCHS; i++) {
		const cell_epoch *ep = &c->ep[i];
		if (!ep->used)
			continue;
		int clean = epoch_clean(ep, &rem), covers = 1;
		for (int w = 0; w < CELL_MW; w++)
			if (mem.w[w] & ~ep->holders.w[w])
				covers = 0;
		int rank = clean * 2 + covers;
		if (best == NULL || rank > best_rank || (rank == best_rank && ep->order > best->order)) {
			best = ep;
			best_rank = rank;
		}
	}
	return (cell_epoch *)best;
}

/* Members in who now know epoch secret e (they were sent it). */
void
sz_cell_epoch_share(sz_cell *c, const uint8_t e[32], const cell_mset *who)
{
	for (int i = 0; i < CELL_EPOCHS; i++)
		if (c->ep[i].used && sz_ct_equal(c->ep[i].e, e, 32))
			for (int w = 0; w < CELL_MW; w++)
				c->ep[i].holders.w[w] |= who->w[w];
}

void
sz_cell_epoch_acked(sz_cell *c, const uint8_t e[32])
{
	for (int i = 0; i < CELL_EPOCHS; i++)
		if (c->ep[i].used && sz_ct_equal(c->ep[i].e, e, 32))
			c->ep[i].acked = 1;
}

int
sz_cell_seal_out(sz_cell *c, const uint8_t *pt, size_t len, sz_cell_result *res)
{
	return sz_cell_seal_epoch(c, sz_cell_current_epoch(c), pt, len, res);
}

int
sz_cell_seal_epoch(sz_cell *c, const cell_epoch *ep, const uint8_t *pt, size_t len,
    sz_cell_result *res)
{
	uint8_t nonce[SZ_ENV_NONCE_BYTES], *env = NULL;
	size_t envlen = 0;
	if (ep == NULL)
		return SZ_ERR_STATE;
	sz_random(c->env, nonce, sizeof nonce);
	int r = sz_env_seal(&env, &envlen, ep->scope, pt, len, ep->key, nonce);
	if (r == SZ_OK && (r = sz_cell_out_push(res, env, envlen)) != SZ_OK)
		free(env);
	return r;
}

int
sz_cell_scopes(const sz_cell *c, uint8_t (*scopes)[16], size_t max, size_t *n)
{
	*n = 0;
	const cell_epoch *cur = sz_cell_current_epoch(c);
	if (cur != NULL && *n < max)
		memcpy(scopes[(*n)++], cur->scope, 16);
	for (int i = 0; i < CELL_EPOCHS && *n < max; i++)
		if (c->ep[i].used && &c->ep[i] != cur)
			memcpy(scopes[(*n)++], c->ep[i].scope, 16);
	return SZ_OK;
}

static cell_epoch *
epoch_by_scope(const sz_cell *c, const uint8_t scope[16])
{
	for (int i = 0; i < CELL_EPOCHS; i++)
		if (c->ep[i].used && memcmp(c->ep[i].scope, scope, 16) == 0)
			return (cell_epoch *)&c->ep[i];
	return NULL;
}

int
sz_cell_owns(const sz_cell *c, const uint8_t scope[static 16])
{
	return epoch_by_scope(c, scope) != NULL;
}

int
sz_cell_bundle_secrets(const sz_cell *c, uint8_t (*secrets)[32], size_t max, size_t *n)
{
	const cell_epoch *order[CELL_EPOCHS];
	const cell_epoch *cur = sz_cell_current_epoch(c);
	cell_mset rem;
	size_t k = 0;
	int r = SZ_OK;
	*n = 0;
	if (c->status != SZ_CELL_ACTIVE)
		return SZ_ERR_STATE;
	sz_cellm_removed(c, &c->processed, &rem);
	if (cur != NULL && epoch_clean(cur, &rem))
		order[k++] = cur;
	for (int i = 0; i < CELL_EPOCHS; i++) { /* then newest learnt first */
		const cell_epoch *ep = &c->ep[i];
		if (!ep->used || ep == cur || !epoch_clean(ep, &rem))
			continue;
		size_t j = k++;
		while (j > 0 && order[j - 1] != cur && order[j - 1]->order < ep->order) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = ep;
	}
	for (size_t i = 0; i < k && r == SZ_OK; i++) {
		if (i >= max) {
			r = SZ_ERR_LIMIT;
			break;
		}
		r = sz_cellk_kdf(secrets[i], 32, order[i]->e, 32, "bundle secret", NULL, 0);
		*n = i + 1;
	}
	if (r != SZ_OK && r != SZ_ERR_LIMIT) {
		sz_wipe(secrets, *n * 32);
		*n = 0;
	}
	return r;
}

int
sz_cell_local_scope(const sz_cell *c, uint8_t out[static 16])
{
	return sz_cellk_kdf(out, 16, c->cell_id, 32, "local scope", c->m[c->me].id, 32);
}

/* --- operations -------------------------------------------------------------------------- */

int
sz_cell_create(sz_cell **out, const sz_env *env, const char *name, const uint8_t id_sk[static 64],
    sz_cell_result *res)
{
	uint8_t pk[32];
	uint16_t me;
	int r = SZ_ERR_INVALID;
	*out = NULL;
	size_t nl = name != NULL ? strlen(name) : 0;
	if (nl == 0 || nl > CELL_NAME_MAX)
		return SZ_ERR_INVALID;
	sz_cell *c = sz_cell_alloc(env);
	if (c == NULL)
		return SZ_ERR_NOMEM;
	c->status = SZ_CELL_ACTIVE;
	sz_random(env, c->cell_id, 32);
	memcpy(c->name, name, nl);
	c->name_len = (uint8_t)nl;
	memcpy(c->id_sk, id_sk, 64);
	if (crypto_sign_ed25519_sk_to_curve25519(c->id_xsk, id_sk) != 0) {
		r = SZ_ERR_CRYPTO;
		goto out;
	}
	sz_random(env, c->dh_sk[0], 32);
	if ((r = sz_dh_public(pk, c->dh_sk[0])) != SZ_OK)
		goto out;
	c->dh_used[0] = 1;
	if ((r = sz_cellm_intern(c, id_sk + 32, pk, &me)) != SZ_OK)
		goto out;
	c->me = me;
	c->m[me].rk_known = 1;
	r = sz_cellop_mine(c, OP_CREATE, 0, res);
out:
	if (r != SZ_OK)
		sz_cell_free(c);
	else
		*out = c;
	return r;
}

static int
check_active(const sz_cell *c)
{
	if (c->status != SZ_CELL_ACTIVE || !c->send.used)
		return SZ_ERR_STATE;
	return SZ_OK;
}

int
sz_cell_add(sz_cell *c, const uint8_t id[static 32], const uint8_t prekey[static 32],
    const uint8_t csk[static 32], sz_cell_result *res)
{
	uint16_t idx;
	int r;
	if ((r = check_active(c)) != SZ_OK)
		return r;
	if (sodium_is_zero(prekey, 32) || sodium_is_zero(csk, 32))
		return SZ_ERR_INVALID;
	int known = sz_cellm_find(c, id);
	if (known >= 0) {
		/* a member; or one whose add was revoked before it joined (it may come back); or
		 * removed after it acted, left, or added by someone removed concurrently */
		cell_mset ban;
		sz_cellm_banned(c, &c->processed, &ban);
		if (sz_cellm_is_member(c, (uint16_t)known))
			return SZ_ERR_EXISTS;
		if (mset_has(&ban, (unsigned)known) || (unsigned)known == c->me)
			return SZ_ERR_DENIED;
		cell_mset rem;
		sz_cellm_removed(c, &c->processed, &rem);
		if (!mset_has(&rem, (unsigned)known))
			return SZ_ERR_DENIED; /* its add was voided: it comes back with a new identity */
		idx = (uint16_t)known;
		sz_cellm_renew(c, idx, prekey, csk);
	} else {
		if ((r = sz_cellm_intern(c, id, prekey, &idx)) != SZ_OK)
			return r;
		memcpy(c->m[idx].csk[0], csk, 32);
	}
	return sz_cellop_mine(c, OP_ADD, idx, res);
}

int
sz_cell_remove(sz_cell *c, const uint8_t id[static 32], sz_cell_result *res)
{
	int r;
	if ((r = check_active(c)) != SZ_OK)
		return r;
	int t = sz_cellm_find(c, id);
	if (t < 0 || t == c->me || !sz_cellm_is_member(c, (uint16_t)t))
		return SZ_ERR_NOT_MEMBER;
	return sz_cellop_mine(c, OP_REMOVE, (uint16_t)t, res);
}

int
sz_cell_update(sz_cell *c, sz_cell_result *res)
{
	int r;
	if ((r = check_active(c)) != SZ_OK)
		return r;
	return sz_cellop_mine(c, OP_UPDATE, 0, res);
}

int
sz_cell_leave(sz_cell *c, sz_cell_result *res)
{
	int r;
	if ((r = check_active(c)) != SZ_OK)
		return r;
	if ((r = sz_cellop_mine(c, OP_LEAVE, 0, res)) != SZ_OK)
		return r;
	c->status = SZ_CELL_LEFT;
	sz_cellst_wipe_keys(c);
	return SZ_OK;
}

/* --- receiving --------------------------------------------------------------------------- */

/* Handle one inner plaintext; SZ_ERR_AGAIN means hold it. */
static int
handle_inner(sz_cell *c, const uint8_t *pt, size_t len, sz_cell_result *res, const char **why)
{
	*why = "";
	if (len < 1) {
		*why = "empty";
		return SZ_ERR_MALFORMED;
	}
	if (c->status != SZ_CELL_ACTIVE) {
		*why = "I am no longer in this cell";
		return SZ_ERR_STATE;
	}
	switch (pt[0]) {
	case SEAL_CHUNK:
		*why = "a chunk sealed under the epoch's key";
		return SZ_ERR_MALFORMED;
	case SEAL_CONTROL:
		return sz_cellop_process(c, pt + 1, len - 1, res, why);
	case SEAL_MESSAGE:
		return sz_cell_receive_message(c, pt, len, res, why);
	case SEAL_ANON:
		return sz_cell_receive_anon(c, pt, len, res, why);
	case SEAL_EPOCHS:
		return sz_cell_receive_epochs(c, pt, len, res, why);
	case SEAL_WELCOME:
		*why = "a welcome is for join";
		return SZ_ERR_DENIED;
	default:
		*why = "unknown sealed type";
		return SZ_ERR_UNSUPPORTED;
	}
}

/* Keep an inner plaintext until what it needs arrives (one copy of each). */
static int
hold(sz_cell *c, const uint8_t *pt, size_t len)
{
	for (size_t i = 0; i < c->nheld; i++)
		if (c->held[i].len == len && memcmp(c->held[i].p, pt, len) == 0)
			return SZ_OK;
	if (c->nheld >= CELL_HELD || c->held_bytes + len > CELL_HELD_BYTES)
		return SZ_ERR_LIMIT;
	uint8_t *p = malloc(len);
	if (p == NULL)
		return SZ_ERR_NOMEM;
	memcpy(p, pt, len);
	c->held[c->nheld].p = p;
	c->held[c->nheld++].len = len;
	c->held_bytes += len;
	return SZ_OK;
}

/* Retry held items until none makes progress.  Each item is taken out of the list before it is
 * handled: handling may remove me, and the wipe that follows frees every item still listed. */
static int
retry_held(sz_cell *c, sz_cell_result *res)
{
	int progress = 1, r = SZ_OK;
	while (progress && c->status == SZ_CELL_ACTIVE) {
		progress = 0;
		for (size_t i = 0; i < c->nheld && c->status == SZ_CELL_ACTIVE; i++) {
			const char *why;
			cell_held h = c->held[i];
			c->held[i] = c->held[--c->nheld];
			c->held_bytes -= h.len;
			int hr = handle_inner(c, h.p, h.len, res, &why);
			if (hr == SZ_ERR_AGAIN && c->status == SZ_CELL_ACTIVE) {
				/* put it back where it was */
				c->held[c->nheld++] = c->held[i];
				c->held[i] = h;
				c->held_bytes += h.len;
				continue;
			}
			sz_wipe(h.p, h.len);
			free(h.p);
			if (hr != SZ_OK && hr != SZ_ERR_AGAIN && hr != SZ_ERR_REPLAY &&
			    (r = push_note(res, SZ_CELL_EV_REJECTED, hr, why)) != SZ_OK)
				return r;
			i--;
			progress = 1;
		}
	}
	return SZ_OK;
}

int
sz_cell_receive(sz_cell *c, const uint8_t *buf, size_t len, sz_cell_result *res)
{
	sz_envelope env;
	int r;
	if ((r = sz_env_parse(&env, buf, len, 0)) != SZ_OK)
		return push_note(res, SZ_CELL_EV_REJECTED, r, "not an envelope");
	return sz_cell_receive_parsed(c, &env, res);
}

int
sz_cell_receive_parsed(sz_cell *c, const sz_envelope *envp, sz_cell_result *res)
{
	const sz_envelope env = *envp;
	uint8_t *open = NULL;
	size_t openlen = 0;
	const uint8_t *pt;
	size_t ptlen = 0;
	const char *why = "";
	int r;
	if (env.format != SZ_ENV_SEALED)
		return SZ_ERR_NOT_FOUND;
	cell_epoch *ep = epoch_by_scope(c, env.scope);
	if (ep == NULL)
		return SZ_ERR_NOT_FOUND;
	if ((r = sz_env_open(&open, &openlen, &pt, &ptlen, &env, ep->key)) != SZ_OK) {
		/* A chunk is sealed under a key of its own (chunk.c); anything else is junk. */
		if ((r = sz_cell_receive_chunk(c, ep, &env, res)) == SZ_OK)
			return SZ_OK;
		res->drop = 1;
		(void)push_note(res, SZ_CELL_EV_REJECTED, r, r == SZ_ERR_DECRYPT ?
		    "envelope does not open" : "a chunk that does not match its hash");
		return SZ_ERR_DECRYPT;
	}
	r = handle_inner(c, pt, ptlen, res, &why);
	/* Worth keeping: what took effect, what waits for a dependency, and an authentic post I have
	 * no key for (one from before I joined).  Everything else refused is not. */
	res->drop = r != SZ_OK && r != SZ_ERR_AGAIN && r != SZ_ERR_NOT_FOUND && r != SZ_ERR_NOMEM &&
	    r != SZ_ERR_INTERNAL;
	if (r == SZ_ERR_AGAIN) {
		int h = hold(c, pt, ptlen);
		r = push_note(res, h == SZ_OK ? SZ_CELL_EV_HELD : SZ_CELL_EV_REJECTED,
		    h == SZ_OK ? SZ_ERR_AGAIN : h, h == SZ_OK ? why : "hold buffer full");
	} else if (r == SZ_OK) {
		r = retry_held(c, res);
	} else if (r == SZ_ERR_NOMEM || r == SZ_ERR_INTERNAL) {
		/* our failure, reported as such */
	} else {
		r = push_note(res, SZ_CELL_EV_REJECTED, r, why);
	}
	sz_env_open_free(open, openlen);
	return r;
}

/* --- queries ----------------------------------------------------------------------------- */

int
sz_cell_members(const sz_cell *c, uint8_t (*ids)[32], size_t max, size_t *n)
{
	cell_mset mem;
	*n = 0;
	sz_cellm_members(c, &c->processed, &mem);
	for (int i = 0; i < c->nmembers; i++) {
		if (!mset_has(&mem, (unsigned)i))
			continue;
		if (*n >= max) {
			(*n)++;
			continue;
		}
		size_t j = (*n)++;
		while (j > 0 && memcmp(ids[j - 1], c->m[i].id, 32) > 0) {
			memcpy(ids[j], ids[j - 1], 32);
			j--;
		}
		memcpy(ids[j], c->m[i].id, 32);
	}
	return *n > max ? SZ_ERR_LIMIT : SZ_OK;
}

int
sz_cell_is_member(const sz_cell *c, const uint8_t id[static 32])
{
	int i = sz_cellm_find(c, id);
	return i >= 0 && sz_cellm_is_member(c, (uint16_t)i);
}

int
sz_cell_member_acted(const sz_cell *c, const uint8_t id[static 32])
{
	int i = sz_cellm_find(c, id);
	return i >= 0 && sz_cellm_is_member(c, (uint16_t)i) && c->m[i].done > 0;
}

int
sz_cell_status(const sz_cell *c)
{
	return c->status;
}

const uint8_t *
sz_cell_id(const sz_cell *c)
{
	return c->cell_id;
}

const char *
sz_cell_name(const sz_cell *c)
{
	return c->name;
}
