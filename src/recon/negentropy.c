/*
 * negentropy.c - Negentropy protocol v1 sessions: initiator and responder message processing.
 * Layer: recon.  Follows docs/negentropy-protocol-v1.md of hoytech/negentropy and, where the spec
 * leaves a choice (bucket splitting, frame size limit), the reference's behaviour byte for byte.
 * Every input is hostile: lengths are checked before use, loops are bounded by the message, and
 * a session has ceilings on bytes, rounds and reported ids (sz_neg_config).
 */
#include "recon/negentropy.h"

#include <stdlib.h>
#include <string.h>

enum { MODE_SKIP = 0, MODE_FINGERPRINT = 1, MODE_IDLIST = 2 };

#define BUCKETS 16          /* a mismatching range is split into this many fingerprints */
#define IDLIST_BELOW 32     /* ... unless it holds fewer items: then its ids are sent */
#define FRAME_MARGIN 200    /* the reference stops adding ranges at limit - 200 bytes */

/* A range bound: a timestamp and an id prefix of len bytes, zero-padded to 32. */
typedef struct bound {
	uint64_t ts;
	uint8_t id[SZ_NEG_ID_BYTES];
	size_t len;
} bound;

/* The initiator's view of one incoming IdList: where each id sits in the message, sorted. */
typedef struct idref {
	const uint8_t *id;
	size_t pos;         /* index in the message */
} idref;

struct sz_neg {
	const sz_neg_storage *st;
	sz_neg_config cfg;
	bool initiator;
	bool responder;
	int dead;           /* sticky error: the session is unusable once set */
	uint64_t ts_in;     /* last timestamp decoded in this message */
	uint64_t ts_out;    /* last timestamp encoded in this message */
	sz_buf o;           /* one range's answer, before it is known to fit */
	idref *refs;        /* scratch for IdList processing */
	uint8_t *flags;
	size_t scratch_cap;
	sz_neg_stats stats;
};

int
sz_neg_new(sz_neg **out, const sz_neg_storage *st, const sz_neg_config *cfg)
{
	*out = NULL;
	if (st == NULL)
		return SZ_ERR_INVALID;
	if (!sz_neg_storage_sealed(st))
		return SZ_ERR_STATE;
	sz_neg_config c = { 0 };
	if (cfg != NULL)
		c = *cfg;
	if (c.frame_size_limit != 0 && c.frame_size_limit < SZ_NEG_FRAME_MIN)
		return SZ_ERR_INVALID;
	if (c.max_message == 0)
		c.max_message = SZ_NEG_DEFAULT_MAX_MESSAGE;
	if (c.max_session == 0)
		c.max_session = SZ_NEG_DEFAULT_MAX_SESSION;
	if (c.max_rounds == 0)
		c.max_rounds = SZ_NEG_DEFAULT_MAX_ROUNDS;
	if (c.max_reported == 0) {
		uint64_t items = sz_neg_storage_size(st);
		c.max_reported = (items > UINT64_MAX / 8 ? UINT64_MAX / 2 : 4 * items) +
		    c.max_session / SZ_NEG_ID_BYTES;
	}
	sz_neg *n = calloc(1, sizeof(*n));
	if (n == NULL)
		return SZ_ERR_NOMEM;
	n->st = st;
	n->cfg = c;
	*out = n;
	return SZ_OK;
}

void
sz_neg_free(sz_neg *n)
{
	if (n == NULL)
		return;
	sz_buf_free(&n->o);
	free(n->refs);
	free(n->flags);
	free(n);
}

void
sz_neg_get_stats(const sz_neg *n, sz_neg_stats *out)
{
	*out = n->stats;
}

/* --- Encoding ------------------------------------------------------------------------------ */

static bool
exceeded(const sz_neg *n, size_t len)
{
	return n->cfg.frame_size_limit != 0 && len > n->cfg.frame_size_limit - FRAME_MARGIN;
}

/* Timestamps are sent as 1 + (ts - previous ts in this message); infinity as 0. */
static void
put_ts(sz_neg *n, sz_buf *b, uint64_t ts)
{
	if (ts == SZ_NEG_TS_INFINITY) {
		n->ts_out = ts;
		sz_buf_varint(b, 0);
		return;
	}
	if (ts < n->ts_out) {
		/* Bounds leave in ascending order because incoming ones are checked: a bug. */
		if (b->err == 0)
			b->err = SZ_ERR_INTERNAL;
		return;
	}
	uint64_t delta = ts - n->ts_out;
	n->ts_out = ts;
	sz_buf_varint(b, delta + 1);
}

static void
put_bound(sz_neg *n, sz_buf *b, const bound *bd)
{
	put_ts(n, b, bd->ts);
	sz_buf_varint(b, bd->len);
	sz_buf_append(b, bd->id, bd->len);
}

static void
bound_infinity(bound *bd)
{
	memset(bd, 0, sizeof(*bd));
	bd->ts = SZ_NEG_TS_INFINITY;
}

static void
bound_of_item(bound *bd, const sz_neg_item *it)
{
	bd->ts = it->ts;
	memcpy(bd->id, it->id, SZ_NEG_ID_BYTES);
	bd->len = SZ_NEG_ID_BYTES;
}

/* The shortest bound b with prev < b <= curr (sorted neighbours). */
static void
bound_between(bound *bd, const sz_neg_item *prev, const sz_neg_item *curr)
{
	memset(bd, 0, sizeof(*bd));
	bd->ts = curr->ts;
	if (curr->ts != prev->ts)
		return;
	size_t shared = 0;
	while (shared < SZ_NEG_ID_BYTES && curr->id[shared] == prev->id[shared])
		shared++;
	/* Equal items cannot both be in a sealed storage, so shared < 32. */
	bd->len = shared < SZ_NEG_ID_BYTES ? shared + 1 : SZ_NEG_ID_BYTES;
	memcpy(bd->id, curr->id, bd->len);
}

static int
bound_cmp(const bound *a, const bound *b)
{
	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	return memcmp(a->id, b->id, SZ_NEG_ID_BYTES);
}

/* Describe items [lower, upper) ending at ub: their ids if fewer than 32, else 16 fingerprinted
 * buckets of near-equal size (the first num % 16 one larger), each ending at the shortest bound
 * separating it from the next. */
static int
split_range(sz_neg *n, size_t lower, size_t upper, const bound *ub, sz_buf *o)
{
	size_t num = upper - lower;
	if (num < IDLIST_BELOW) {
		put_bound(n, o, ub);
		sz_buf_varint(o, MODE_IDLIST);
		sz_buf_varint(o, num);
		for (size_t i = lower; i < upper; i++)
			sz_buf_append(o, sz_neg_storage_get(n->st, i)->id, SZ_NEG_ID_BYTES);
		return o->err;
	}
	size_t per = num / BUCKETS, extra = num % BUCKETS, curr = lower;
	for (size_t i = 0; i < BUCKETS; i++) {
		size_t size = per + (i < extra ? 1 : 0);
		uint8_t fp[SZ_NEG_FP_BYTES];
		int r = sz_neg_storage_fingerprint(n->st, curr, curr + size, fp);
		if (r != SZ_OK)
			return r;
		curr += size;
		bound nb;
		if (curr == upper)
			nb = *ub;
		else
			bound_between(&nb, sz_neg_storage_get(n->st, curr - 1),
			    sz_neg_storage_get(n->st, curr));
		put_bound(n, o, &nb);
		sz_buf_varint(o, MODE_FINGERPRINT);
		sz_buf_append(o, fp, SZ_NEG_FP_BYTES);
	}
	return o->err;
}

/* --- Decoding ------------------------------------------------------------------------------ */

static void
get_bound(sz_neg *n, sz_rd *r, bound *bd)
{
	memset(bd, 0, sizeof(*bd));
	uint64_t v = sz_rd_varint(r);
	uint64_t ts;
	/* Saturate at infinity as the reference does (its decoder adds and clamps). */
	if (v == 0 || v - 1 > SZ_NEG_TS_INFINITY - n->ts_in)
		ts = SZ_NEG_TS_INFINITY;
	else
		ts = n->ts_in + (v - 1);
	n->ts_in = ts;
	bd->ts = ts;
	uint64_t len = sz_rd_varint(r);
	if (r->err)
		return;
	if (len > SZ_NEG_ID_BYTES) {
		sz_rd_fail(r, SZ_ERR_MALFORMED);
		return;
	}
	bd->len = (size_t)len;
	sz_rd_copy(r, bd->id, bd->len);
}

static int
report(sz_neg *n, sz_buf *b, const uint8_t *id)
{
	if (n->stats.reported >= n->cfg.max_reported)
		return SZ_ERR_LIMIT;
	n->stats.reported++;
	sz_buf_append(b, id, SZ_NEG_ID_BYTES);
	return b->err;
}

static int
refcmp(const void *pa, const void *pb)
{
	const idref *a = pa, *b = pb;
	int c = memcmp(a->id, b->id, SZ_NEG_ID_BYTES);
	if (c != 0)
		return c;
	return a->pos < b->pos ? -1 : a->pos > b->pos;
}

enum { F_FIRST = 1, F_FOUND = 2 };

/* Initiator, IdList: our items in [lower, upper) missing from their m ids are "have"; their ids
 * missing from ours are "need" (each once, in the order they came). */
static int
idlist_diff(sz_neg *n, size_t lower, size_t upper, const uint8_t *ids, size_t m, sz_buf *have,
    sz_buf *need)
{
	int r;
	if (m > n->scratch_cap) {
		idref *refs = realloc(n->refs, m * sizeof(*refs));
		if (refs == NULL)
			return SZ_ERR_NOMEM;
		n->refs = refs;
		uint8_t *flags = realloc(n->flags, m);
		if (flags == NULL)
			return SZ_ERR_NOMEM;
		n->flags = flags;
		n->scratch_cap = m;
	}
	for (size_t i = 0; i < m; i++) {
		n->refs[i].id = ids + i * SZ_NEG_ID_BYTES;
		n->refs[i].pos = i;
		n->flags[i] = 0;
	}
	if (m > 1)
		qsort(n->refs, m, sizeof(*n->refs), refcmp);
	/* Keep the first occurrence of each id: duplicates in their list count once. */
	size_t u = 0;
	for (size_t i = 0; i < m; i++) {
		if (u > 0 && memcmp(n->refs[u - 1].id, n->refs[i].id, SZ_NEG_ID_BYTES) == 0)
			continue;
		n->refs[u++] = n->refs[i];
		n->flags[n->refs[i].pos] = F_FIRST;
	}
	for (size_t i = lower; i < upper; i++) {
		const uint8_t *mine = sz_neg_storage_get(n->st, i)->id;
		size_t lo = 0, hi = u;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (memcmp(n->refs[mid].id, mine, SZ_NEG_ID_BYTES) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < u && memcmp(n->refs[lo].id, mine, SZ_NEG_ID_BYTES) == 0)
			n->flags[n->refs[lo].pos] |= F_FOUND;
		else if ((r = report(n, have, mine)) != SZ_OK)
			return r;
	}
	for (size_t i = 0; i < m; i++) {
		if (n->flags[i] == F_FIRST && (r = report(n, need, ids + i * SZ_NEG_ID_BYTES)) != SZ_OK)
			return r;
	}
	return SZ_OK;
}

/* --- The message loop (the reference's reconcileAux) --------------------------------------- */

static int
process(sz_neg *n, const uint8_t *msg, size_t len, sz_buf *out, sz_buf *have, sz_buf *need)
{
	int r;
	sz_rd rd = sz_rd_init(msg, len);
	const sz_neg_storage *st = n->st;
	size_t total = sz_neg_storage_size(st);

	n->ts_in = n->ts_out = 0;
	sz_buf_u8(out, SZ_NEG_VERSION_1);
	uint8_t version = sz_rd_u8(&rd);
	if (rd.err)
		return rd.err;
	if (version < 0x60 || version > 0x6f)
		return SZ_ERR_MALFORMED;
	if (version != SZ_NEG_VERSION_1)
		return n->initiator ? SZ_ERR_UNSUPPORTED : out->err; /* reply: our version alone */

	bound prev = { 0 };
	size_t prev_index = 0;
	bool skip = false;
	while (sz_rd_left(&rd) > 0) {
		sz_buf *o = &n->o;
		o->len = 0;
		bound cur;
		get_bound(n, &rd, &cur);
		uint64_t mode = sz_rd_varint(&rd);
		if (rd.err)
			return rd.err;
		if (bound_cmp(&cur, &prev) < 0)
			return SZ_ERR_MALFORMED; /* ranges must ascend */
		size_t lower = prev_index;
		size_t upper = sz_neg_storage_lower_bound(st, prev_index, total, cur.ts, cur.id);
		/* A pending run of skipped ranges is written once, before the next answered range. */
#define FLUSH_SKIP() do { \
		if (skip) { \
			skip = false; \
			put_bound(n, o, &prev); \
			sz_buf_varint(o, MODE_SKIP); \
		} \
	} while (0)

		if (mode == MODE_SKIP) {
			skip = true;
		} else if (mode == MODE_FINGERPRINT) {
			const uint8_t *theirs = sz_rd_bytes(&rd, SZ_NEG_FP_BYTES);
			if (theirs == NULL)
				return rd.err;
			uint8_t ours[SZ_NEG_FP_BYTES];
			if ((r = sz_neg_storage_fingerprint(st, lower, upper, ours)) != SZ_OK)
				return r;
			/* Fingerprints are public digests, not MACs: a plain comparison is right. */
			if (memcmp(theirs, ours, SZ_NEG_FP_BYTES) != 0) {
				FLUSH_SKIP();
				if ((r = split_range(n, lower, upper, &cur, o)) != SZ_OK)
					return r;
			} else {
				skip = true;
			}
		} else if (mode == MODE_IDLIST) {
			uint64_t m = sz_rd_varint(&rd);
			if (rd.err)
				return rd.err;
			if (m > sz_rd_left(&rd) / SZ_NEG_ID_BYTES)
				return SZ_ERR_TRUNCATED;
			const uint8_t *ids = sz_rd_bytes(&rd, (size_t)m * SZ_NEG_ID_BYTES);
			if (ids == NULL)
				return rd.err;
			if (n->initiator) {
				skip = true;
				if ((r = idlist_diff(n, lower, upper, ids, (size_t)m, have, need)) != SZ_OK)
					return r;
			} else {
				/* Answer with our ids for the range, as many as fit the frame. */
				FLUSH_SKIP();
				bound end = cur;
				size_t k = 0;
				for (size_t i = lower; i < upper; i++, k++) {
					if (exceeded(n, out->len + k * SZ_NEG_ID_BYTES)) {
						bound_of_item(&end, sz_neg_storage_get(st, i));
						upper = i; /* the rest is fingerprinted below */
						break;
					}
				}
				put_bound(n, o, &end);
				sz_buf_varint(o, MODE_IDLIST);
				sz_buf_varint(o, k);
				for (size_t i = lower; i < lower + k; i++)
					sz_buf_append(o, sz_neg_storage_get(st, i)->id, SZ_NEG_ID_BYTES);
				if (o->err)
					return o->err;
				sz_buf_append(out, o->p, o->len);
				o->len = 0;
			}
		} else {
			return SZ_ERR_MALFORMED;
		}
#undef FLUSH_SKIP
		if (o->err)
			return o->err;
		if (exceeded(n, out->len + o->len)) {
			/* Frame full: drop this range's answer and fingerprint everything from here on,
			 * so the peer re-sends it in a later round (the reference's exact rule). */
			uint8_t fp[SZ_NEG_FP_BYTES];
			if ((r = sz_neg_storage_fingerprint(st, upper, total, fp)) != SZ_OK)
				return r;
			bound inf;
			bound_infinity(&inf);
			put_bound(n, out, &inf);
			sz_buf_varint(out, MODE_FINGERPRINT);
			sz_buf_append(out, fp, SZ_NEG_FP_BYTES);
			break;
		}
		sz_buf_append(out, o->p, o->len);
		if (out->err)
			return out->err;
		prev_index = upper;
		prev = cur;
	}
	return out->err;
}

/* Common entry: role and limit checks, then process, then the accounting. */
static int
step(sz_neg *n, const uint8_t *msg, size_t len, sz_buf *out, sz_buf *have, sz_buf *need)
{
	int r;
	if (out->err != 0 || (msg == NULL && len > 0)) {
		r = SZ_ERR_INVALID;
		goto out;
	}
	out->len = 0;
	if (n->stats.rounds >= n->cfg.max_rounds) {
		r = SZ_ERR_LIMIT;
		goto out;
	}
	n->stats.rounds++;
	if (len > n->cfg.max_message) {
		r = SZ_ERR_TOO_LARGE;
		goto out;
	}
	if (len > n->cfg.max_session - n->stats.bytes_in - n->stats.bytes_out) {
		r = SZ_ERR_LIMIT;
		goto out;
	}
	n->stats.bytes_in += len;
	if ((r = process(n, msg, len, out, have, need)) != SZ_OK)
		goto out;
	if (out->len > n->cfg.max_session - n->stats.bytes_in - n->stats.bytes_out) {
		r = SZ_ERR_LIMIT;
		goto out;
	}
	n->stats.bytes_out += out->len;
	r = SZ_OK;
out:
	if (r != SZ_OK) {
		n->dead = r;
		if (out->err == 0)
			out->len = 0;
	}
	return r;
}

int
sz_neg_initiate(sz_neg *n, sz_buf *out)
{
	int r;
	if (n->dead || n->initiator || n->responder)
		return SZ_ERR_STATE;
	if (out->err != 0)
		return SZ_ERR_INVALID;
	n->initiator = true;
	n->ts_out = 0;
	out->len = 0;
	sz_buf_u8(out, SZ_NEG_VERSION_1);
	bound inf;
	bound_infinity(&inf);
	r = split_range(n, 0, sz_neg_storage_size(n->st), &inf, out);
	if (r == SZ_OK)
		r = out->err;
	if (r == SZ_OK && out->len > n->cfg.max_session)
		r = SZ_ERR_LIMIT;
	if (r != SZ_OK) {
		n->dead = r;
		if (out->err == 0)
			out->len = 0;
		return r;
	}
	n->stats.bytes_out += out->len;
	return SZ_OK;
}

int
sz_neg_reconcile(sz_neg *n, const uint8_t *msg, size_t len, sz_buf *out, sz_buf *have,
    sz_buf *need, bool *done)
{
	*done = false;
	if (n->dead || !n->initiator)
		return SZ_ERR_STATE;
	if (have->err != 0 || need->err != 0)
		return SZ_ERR_INVALID;
	int r = step(n, msg, len, out, have, need);
	if (r != SZ_OK)
		return r;
	if (out->len == 1) {
		/* Nothing left to ask: the reconciliation is complete. */
		out->len = 0;
		n->stats.bytes_out -= 1;
		*done = true;
	}
	return SZ_OK;
}

int
sz_neg_respond(sz_neg *n, const uint8_t *msg, size_t len, sz_buf *out)
{
	if (n->dead || n->initiator)
		return SZ_ERR_STATE;
	n->responder = true;
	return step(n, msg, len, out, NULL, NULL);
}

size_t
sz_neg_mem(const sz_neg *n)
{
	return n == NULL ? 0 : sizeof(*n) + n->o.cap + n->scratch_cap * (sizeof(idref) + 1);
}
