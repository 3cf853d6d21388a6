/*
 * roster.c - voting keys, enrollments and rosters (see roster.h, docs/PROTOCOL.md §13 (Collective decisions) §2).
 * Layer: decide.
 */
#include "decide/roster.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "decide/decide_int.h"
#include "lib/bytes.h"

/* --- Voting keys ------------------------------------------------------------------------- */

static int
key_alloc(sz_vote_key **out)
{
	*out = sz_secret_alloc(sizeof **out);
	return *out == NULL ? SZ_ERR_NOMEM : SZ_OK;
}

int
sz_vote_key_new(sz_vote_key **out, const sz_env *env)
{
	int r;

	if ((r = key_alloc(out)) != SZ_OK)
		return r;
	if ((r = sz_vote_keygen((*out)->pk, (*out)->sk, env)) != SZ_OK) {
		sz_vote_key_free(*out);
		*out = NULL;
	}
	return r;
}

int
sz_vote_key_load(sz_vote_key **out, const uint8_t sk[static SZ_VOTE_SK_BYTES])
{
	int r;

	if ((r = key_alloc(out)) != SZ_OK)
		return r;
	memcpy((*out)->sk, sk, SZ_VOTE_SK_BYTES);
	if ((r = sz_vote_public((*out)->pk, (*out)->sk)) != SZ_OK) {
		sz_vote_key_free(*out);
		*out = NULL;
	}
	return r;
}

int
sz_vote_key_export(const sz_vote_key *k, uint8_t sk[static SZ_VOTE_SK_BYTES])
{
	if (k->erased) {
		sz_wipe(sk, SZ_VOTE_SK_BYTES);
		return SZ_ERR_WIPED;
	}
	memcpy(sk, k->sk, SZ_VOTE_SK_BYTES);
	return SZ_OK;
}

void
sz_vote_key_public(const sz_vote_key *k, uint8_t pk[static SZ_VOTE_PK_BYTES])
{
	memcpy(pk, k->pk, SZ_VOTE_PK_BYTES);
}

void
sz_vote_key_erase(sz_vote_key *k)
{
	sz_wipe(k->sk, sizeof k->sk);
	k->erased = 1;
}

int
sz_vote_key_expire(sz_vote_key *k, uint64_t now_ms, uint64_t retention_end_ms)
{
	if (!k->erased && now_ms >= retention_end_ms)
		sz_vote_key_erase(k);
	return k->erased;
}

int
sz_vote_key_erased(const sz_vote_key *k)
{
	return k->erased;
}

void
sz_vote_secret_wipe(uint8_t sk[static SZ_VOTE_SK_BYTES])
{
	sz_wipe(sk, SZ_VOTE_SK_BYTES);
}

void
sz_vote_key_free(sz_vote_key *k)
{
	if (k == NULL)
		return;
	sz_secret_free(k); /* wipes */
}

int
sz_vote_key_tag(uint8_t tag[static 32], const sz_vote_key *k, const uint8_t scope_t[static 32])
{
	if (k->erased) {
		memset(tag, 0, 32);
		return SZ_ERR_WIPED;
	}
	return sz_lsag_tag(tag, k->sk, scope_t);
}

/* --- Enrollments ------------------------------------------------------------------------- */

int
sz_enrollment_make(sz_enrollment *en, const sz_vote_key *k, const uint8_t cell_id[static 32],
    const uint8_t member_id[static 32], const sz_env *env)
{
	int r;

	memset(en, 0, sizeof *en);
	if (k->erased)
		return SZ_ERR_WIPED;
	if ((r = sz_pop_prove(en->pop, k->sk, cell_id, member_id, env)) != SZ_OK)
		return r;
	memcpy(en->member_id, member_id, 32);
	memcpy(en->pk, k->pk, SZ_VOTE_PK_BYTES);
	return SZ_OK;
}

int
sz_enrollment_verify(const sz_enrollment *en, const uint8_t cell_id[static 32])
{
	return sz_pop_verify(en->pop, en->pk, cell_id, en->member_id);
}

void
sz_enrollment_encode(uint8_t out[static SZ_ENROLLMENT_BYTES], const sz_enrollment *en)
{
	memcpy(out, en->member_id, 32);
	memcpy(out + 32, en->pk, SZ_VOTE_PK_BYTES);
	memcpy(out + 64, en->pop, SZ_POP_BYTES);
}

int
sz_enrollment_decode(sz_enrollment *en, const uint8_t *buf, size_t len)
{
	sz_rd rd = sz_rd_init(buf, len);

	memset(en, 0, sizeof *en);
	sz_rd_copy(&rd, en->member_id, 32);
	sz_rd_copy(&rd, en->pk, SZ_VOTE_PK_BYTES);
	sz_rd_copy(&rd, en->pop, SZ_POP_BYTES);
	int r = sz_rd_end(&rd);
	if (r != SZ_OK)
		memset(en, 0, sizeof *en);
	return r;
}

/* --- Rosters ----------------------------------------------------------------------------- */

static int
cmp_key(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

int
sz_roster_id(uint8_t id[static 32], const uint8_t (*keys)[32], size_t n)
{
	sz_buf b = { 0 };
	int r;

	memset(id, 0, 32);
	if (n > SZ_DECIDE_MAX_RING || (n > 0 && keys == NULL))
		return SZ_ERR_INVALID;
	sz_buf_append(&b, SZ_ROSTER_DST, sizeof SZ_ROSTER_DST - 1);
	sz_buf_u16(&b, (uint16_t)n);
	if (n > 0)
		sz_buf_append(&b, keys, n * 32);
	if ((r = b.err) == SZ_OK)
		r = sz_blake2b(id, 32, b.p, b.len, NULL, 0);
	sz_buf_free(&b);
	return r;
}

int
sz_roster_canonicalize(uint8_t (*keys)[32], size_t n, size_t *nout)
{
	size_t m = 0;

	*nout = 0;
	for (size_t i = 0; i < n; i++)
		if (!sz_rist_is_valid_point(keys[i]))
			return SZ_ERR_CRYPTO;
	if (n == 0)
		return SZ_OK;
	qsort(keys, n, 32, cmp_key);
	for (size_t i = 0; i < n; i++)
		if (m == 0 || memcmp(keys[m - 1], keys[i], 32) != 0)
			memmove(keys[m++], keys[i], 32);
	*nout = m;
	return SZ_OK;
}

/* An admitted enrollment, sorted by (key, member_id) to find repeated keys. */
struct admitted {
	uint8_t pk[32];
	uint8_t member_id[32];
	uint32_t index;
};

static int
cmp_admitted(const void *a, const void *b)
{
	const struct admitted *x = a, *y = b;
	int c = memcmp(x->pk, y->pk, 32);
	return c != 0 ? c : memcmp(x->member_id, y->member_id, 32);
}

int
sz_roster_admit(uint8_t (*keys_out)[32], size_t *nout, uint8_t *verdicts,
    const uint8_t cell_id[static 32], const sz_enrollment *en, size_t count)
{
	struct admitted *a = NULL;
	size_t m = 0, na = 0;

	*nout = 0;
	if (count > 65535)
		return SZ_ERR_TOO_LARGE;
	if (count == 0)
		return SZ_OK;
	if ((a = calloc(count, sizeof *a)) == NULL)
		return SZ_ERR_NOMEM;
	for (size_t i = 0; i < count; i++) {
		int v = sz_enrollment_verify(&en[i], cell_id);
		uint8_t verdict = v == SZ_OK ? SZ_VERDICT_OK :
		    v == SZ_ERR_CRYPTO ? SZ_VERDICT_BAD_POINT :
		    v == SZ_ERR_NONCANONICAL ? SZ_VERDICT_NONCANONICAL : SZ_VERDICT_BAD_SIGNATURE;
		if (verdicts != NULL)
			verdicts[i] = verdict;
		if (verdict != SZ_VERDICT_OK)
			continue;
		memcpy(a[na].pk, en[i].pk, 32);
		memcpy(a[na].member_id, en[i].member_id, 32);
		a[na++].index = (uint32_t)i;
	}
	qsort(a, na, sizeof *a, cmp_admitted);
	for (size_t j = 0; j < na; j++) {
		if (m > 0 && memcmp(keys_out[m - 1], a[j].pk, 32) == 0) {
			/* One key enrolled twice (the same holder, since each proof needs the secret):
			 * one ring slot. */
			if (verdicts != NULL)
				verdicts[a[j].index] = SZ_VERDICT_DUPLICATE;
			continue;
		}
		memcpy(keys_out[m++], a[j].pk, 32);
	}
	*nout = m;
	free(a);
	return SZ_OK;
}

int
sz_roster_compare(const uint8_t (*keys)[32], size_t n, const uint8_t (*admitted)[32],
    size_t nadmitted, size_t *missing)
{
	size_t found = 0;
	int r = SZ_OK;

	if (missing != NULL)
		*missing = 0;
	for (size_t i = 0; i < n; i++) {
		if (sz_decide_roster_find(admitted, nadmitted, keys[i]) == nadmitted)
			r = SZ_ERR_NOT_MEMBER;
		else
			found++;
	}
	if (missing != NULL)
		*missing = nadmitted - found;
	return r;
}

/* --- Shared with the other modules (decide_int.h) ---------------------------------------- */

size_t
sz_decide_roster_find(const uint8_t (*keys)[32], size_t n, const uint8_t pk[static 32])
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(keys[mid], pk, 32);
		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return n;
}

int
sz_decide_roster_check(const uint8_t (*keys)[32], size_t n)
{
	if (n < SZ_DECIDE_MIN_RING)
		return SZ_ERR_DENIED;
	if (n > SZ_DECIDE_MAX_RING)
		return SZ_ERR_TOO_LARGE;
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && memcmp(keys[i - 1], keys[i], 32) >= 0)
			return SZ_ERR_NONCANONICAL;
		if (!sz_rist_is_valid_point(keys[i]))
			return SZ_ERR_CRYPTO;
	}
	return SZ_OK;
}

int
sz_decide_read_roster(sz_rd *rd, const uint8_t (**roster)[32], size_t *n,
    uint8_t roster_id[static 32], int *small)
{
	int r;
	*n = sz_rd_u16(rd);
	if (rd->err == 0 && *n > SZ_DECIDE_MAX_RING)
		return SZ_ERR_TOO_LARGE;
	*roster = (const uint8_t(*)[32])sz_rd_bytes(rd, *n * 32);
	if ((r = sz_rd_end(rd)) != SZ_OK || (r = sz_decide_roster_check(*roster, *n)) != SZ_OK)
		return r;
	if ((r = sz_roster_id(roster_id, *roster, *n)) != SZ_OK)
		return r;
	*small = *n < SZ_DECIDE_WARN_RING;
	return SZ_OK;
}

int
sz_decide_call_stamp(const sz_decide_entry *de, uint64_t deadline_ms, uint8_t id[static 32],
    uint64_t *created_ms)
{
	if (deadline_ms <= de->e.timestamp_ms)
		return SZ_ERR_EXPIRED;
	memcpy(id, de->id, 32);
	*created_ms = de->e.timestamp_ms;
	return SZ_OK;
}

int
sz_decide_ring_sign(sz_buf *b, const uint8_t *msg, size_t msglen, const uint8_t (*roster)[32],
    size_t n, const struct sz_vote_key *key, const uint8_t scope_t[static 32], const sz_env *env)
{
	size_t me, len = SZ_LSAG_SIG_BYTES(n);
	uint8_t *sig;

	if (key->erased)
		return SZ_ERR_WIPED;
	if ((me = sz_decide_roster_find(roster, n, key->pk)) == n)
		return SZ_ERR_NOT_MEMBER;
	if ((sig = sz_buf_zeros(b, len)) == NULL)
		return b->err;
	return sz_lsag_sign(sig, len, msg, msglen, roster, n, me, key->sk, scope_t, env);
}
