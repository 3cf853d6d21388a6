/*
 * riblt_wire.c - samizdat's Rateless IBLT session messages (docs/PROTOCOL.md §6 (Rateless IBLT)).
 * Layer: recon.  Every message is parsed whole with a bounds-checked reader; counts, lengths and
 * indices are checked against what the session allows before anything is allocated.
 */
#include "recon/riblt_wire.h"
#include "recon/riblt_int.h"

#include "crypto/crypto.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char scope_label[] = "samizdat riblt v1";

void
sz_riblt_id_symbol(uint8_t sym[static SZ_RIBLT_ID_SYMBOL_BYTES],
    const uint8_t id[static SZ_ID_BYTES])
{
	memcpy(sym, id, SZ_RIBLT_ID_SYMBOL_BYTES);
}

int
sz_riblt_scope_key(uint8_t key[static SZ_RIBLT_KEY_BYTES],
    const uint8_t secret[static SZ_RIBLT_SCOPE_SECRET_BYTES], const uint8_t *salt)
{
	uint8_t msg[sizeof(scope_label) - 1 + SZ_RIBLT_SALT_BYTES];
	size_t n = sizeof(scope_label) - 1;
	memcpy(msg, scope_label, n);
	if (salt != NULL) {
		memcpy(msg + n, salt, SZ_RIBLT_SALT_BYTES);
		n += SZ_RIBLT_SALT_BYTES;
	}
	int r = sz_blake2b(key, SZ_RIBLT_KEY_BYTES, msg, n, secret, SZ_RIBLT_SCOPE_SECRET_BYTES);
	sz_wipe(msg, sizeof(msg));
	return r == SZ_OK ? SZ_OK : SZ_ERR_INTERNAL;
}

int
sz_riblt_tag_key(uint8_t key[static SZ_RIBLT_KEY_BYTES],
    const uint8_t secret[static SZ_RIBLT_SCOPE_SECRET_BYTES],
    const uint8_t salt[static SZ_RIBLT_SALT_BYTES])
{
	static const char label[] = "samizdat riblt tag v1";
	uint8_t msg[sizeof(label) - 1 + SZ_RIBLT_SALT_BYTES];
	memcpy(msg, label, sizeof(label) - 1);
	memcpy(msg + sizeof(label) - 1, salt, SZ_RIBLT_SALT_BYTES);
	int r = sz_blake2b(key, SZ_RIBLT_KEY_BYTES, msg, sizeof msg, secret,
	    SZ_RIBLT_SCOPE_SECRET_BYTES);
	sz_wipe(msg, sizeof(msg));
	return r == SZ_OK ? SZ_OK : SZ_ERR_INTERNAL;
}

void
sz_riblt_id_tag(uint8_t tag[static SZ_RIBLT_TAG_BYTES],
    const uint8_t key[static SZ_RIBLT_KEY_BYTES], const uint8_t id[static SZ_ID_BYTES])
{
	sz_store_u64le(tag, sz_riblt_hash(key, id, SZ_ID_BYTES));
}

/* HELLO header: type, version, width, flags [, salt], varint set size. */
static int
read_hello_header(sz_rd *rd, size_t *width, bool *salted, bool *check32,
    uint8_t salt[SZ_RIBLT_SALT_BYTES], uint64_t *nset)
{
	memset(salt, 0, SZ_RIBLT_SALT_BYTES);
	*salted = false;
	*check32 = false;
	*width = 0;
	*nset = 0;
	if (sz_rd_u8(rd) != SZ_RIBLT_MSG_HELLO)
		return rd->err ? rd->err : SZ_ERR_MALFORMED;
	uint8_t version = sz_rd_u8(rd);
	uint8_t w = sz_rd_u8(rd);
	uint8_t flags = sz_rd_u8(rd);
	if (rd->err)
		return rd->err;
	if (version != SZ_RIBLT_VERSION)
		return SZ_ERR_UNSUPPORTED;
	if (w == 0 || w > SZ_RIBLT_MAX_WIDTH || (flags & ~3u) != 0)
		return SZ_ERR_MALFORMED;
	/* 32-bit checks only under a salt: with a key known in advance, ids whose hashes agree in
	 * 32 bits are a 2^16 search away. */
	if ((flags & SZ_RIBLT_FLAG_CHECK32) && !(flags & SZ_RIBLT_FLAG_SALTED))
		return SZ_ERR_MALFORMED;
	*check32 = (flags & SZ_RIBLT_FLAG_CHECK32) != 0;
	if (flags & SZ_RIBLT_FLAG_SALTED) {
		sz_rd_copy(rd, salt, SZ_RIBLT_SALT_BYTES);
		*salted = true;
	}
	*nset = sz_rd_varint(rd);
	if (rd->err)
		return rd->err;
	if (*nset > SZ_RIBLT_MAX_SET)
		return SZ_ERR_TOO_LARGE;
	*width = w;
	return SZ_OK;
}

int
sz_riblt_hello_peek(const uint8_t *msg, size_t len, size_t *width, bool *salted,
    bool *check32, uint8_t salt[static SZ_RIBLT_SALT_BYTES], uint64_t *nset)
{
	sz_rd rd = sz_rd_init(msg, len);
	return read_hello_header(&rd, width, salted, check32, salt, nset);
}

/* batch = varint start | varint n | n x (sum | u64 hash or u32 low hash | varint count) */
static int
write_batch(sz_buf *b, sz_riblt_sketch *s, size_t start, size_t n, bool check32)
{
	int r = sz_riblt_sketch_reserve(s, start + n);
	if (r != SZ_OK)
		return r;
	const sz_riblt_cells *c = sz_riblt_sketch_cells_ref(s);
	size_t w = sz_riblt_sketch_width(s);
	sz_buf_varint(b, start);
	sz_buf_varint(b, n);
	if ((r = sz_buf_reserve(b, n * (w + 8 + 10))) != SZ_OK)
		return r;
	for (size_t i = start; i < start + n; i++) {
		sz_buf_append(b, c->sum + i * w, w);
		if (check32)
			sz_buf_u32(b, (uint32_t)c->hash[i]);
		else
			sz_buf_u64(b, c->hash[i]);
		if (c->count[i] < 0)
			return SZ_ERR_INTERNAL; /* a set's coded symbol never has a negative count */
		sz_buf_varint(b, (uint64_t)c->count[i]);
	}
	return b->err;
}

/* --- sender ------------------------------------------------------------------------------- */

struct sz_riblt_sender {
	sz_riblt_sketch *local;
	uint64_t gen;
	bool salted, check32;
	uint8_t salt[SZ_RIBLT_SALT_BYTES];
	size_t first, est, max_cells, next;
	bool hello_sent, finished;
	uint8_t *wants;     /* nwants * want_len bytes: the wanted symbols' first bytes */
	size_t nwants, want_len;
};

int
sz_riblt_sender_new(sz_riblt_sender **out, sz_riblt_sketch *local, const uint8_t *salt,
    size_t first, size_t est, size_t max_cells)
{
	*out = NULL;
	if (local == NULL || first == 0 || first > SZ_RIBLT_BATCH_MAX || est > SZ_RIBLT_EST_MAX ||
	    max_cells < first + est || max_cells > SZ_RIBLT_MAX_CELLS)
		return SZ_ERR_INVALID;
	sz_riblt_sender *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return SZ_ERR_NOMEM;
	s->local = local;
	s->gen = sz_riblt_sketch_generation(local);
	if (salt != NULL) {
		s->salted = true;
		memcpy(s->salt, salt, SZ_RIBLT_SALT_BYTES);
	}
	s->first = first;
	s->est = est;
	s->max_cells = max_cells;
	s->want_len = sz_riblt_want_len(sz_riblt_sketch_width(local));
	*out = s;
	return SZ_OK;
}

int
sz_riblt_sender_check32(sz_riblt_sender *s)
{
	if (!s->salted || s->hello_sent)
		return SZ_ERR_INVALID;
	s->check32 = true;
	return SZ_OK;
}

void
sz_riblt_sender_free(sz_riblt_sender *s)
{
	if (s == NULL)
		return;
	free(s->wants);
	free(s);
}

int
sz_riblt_sender_hello(sz_riblt_sender *s, sz_buf *out)
{
	if (s->hello_sent)
		return SZ_ERR_STATE;
	if (sz_riblt_sketch_generation(s->local) != s->gen)
		return SZ_ERR_STATE;
	sz_buf_u8(out, SZ_RIBLT_MSG_HELLO);
	sz_buf_u8(out, SZ_RIBLT_VERSION);
	sz_buf_u8(out, (uint8_t)sz_riblt_sketch_width(s->local));
	sz_buf_u8(out, (s->salted ? SZ_RIBLT_FLAG_SALTED : 0) |
	    (s->check32 ? SZ_RIBLT_FLAG_CHECK32 : 0));
	if (s->salted)
		sz_buf_append(out, s->salt, SZ_RIBLT_SALT_BYTES);
	sz_buf_varint(out, sz_riblt_sketch_size(s->local));
	sz_buf_varint(out, s->est);
	int r = write_batch(out, s->local, 0, s->first, s->check32);
	if (r != SZ_OK)
		return r;
	if ((r = sz_riblt_sketch_reserve(s->local, s->first + s->est)) != SZ_OK)
		return r;
	const sz_riblt_cells *c = sz_riblt_sketch_cells_ref(s->local);
	uint8_t *low = sz_buf_append(out, NULL, s->est);
	if (low == NULL && s->est > 0)
		return out->err;
	for (size_t j = 0; j < s->est; j++)
		low[j] = (uint8_t)c->count[s->first + j];
	s->hello_sent = true;
	s->next = s->first;
	return SZ_OK;
}

int
sz_riblt_sender_recv(sz_riblt_sender *s, const uint8_t *msg, size_t len, sz_buf *out,
    bool *done)
{
	*done = false;
	if (!s->hello_sent || s->finished)
		return SZ_ERR_STATE;
	if (sz_riblt_sketch_generation(s->local) != s->gen)
		return SZ_ERR_STATE;
	sz_rd rd = sz_rd_init(msg, len);
	uint8_t type = sz_rd_u8(&rd);
	int r;
	switch (type) {
	case SZ_RIBLT_MSG_MORE: {
		uint64_t n = sz_rd_varint(&rd);
		if ((r = sz_rd_end(&rd)) != SZ_OK)
			return r;
		if (n == 0 || n > SZ_RIBLT_BATCH_MAX)
			return SZ_ERR_MALFORMED;
		if (s->next >= s->max_cells)
			return SZ_ERR_LIMIT;
		if (n > s->max_cells - s->next)
			n = s->max_cells - s->next;
		sz_buf_u8(out, SZ_RIBLT_MSG_CELLS);
		if ((r = write_batch(out, s->local, s->next, (size_t)n, s->check32)) != SZ_OK)
			return r;
		s->next += (size_t)n;
		return SZ_OK;
	}
	case SZ_RIBLT_MSG_DONE: {
		uint64_t k = sz_rd_varint(&rd);
		if (rd.err)
			return rd.err;
		/* Each recovered item came out of a distinct coded symbol, so k <= sent; and the
		 * message must be exactly k prefixes long before anything is allocated. */
		if (k > s->next || sz_rd_left(&rd) != k * s->want_len)
			return SZ_ERR_MALFORMED;
		uint8_t *w = k > 0 ? malloc((size_t)k * s->want_len) : NULL;
		if (k > 0 && w == NULL)
			return SZ_ERR_NOMEM;
		const uint8_t *src = sz_rd_bytes(&rd, (size_t)k * s->want_len);
		if (k > 0 && src != NULL)
			memcpy(w, src, (size_t)k * s->want_len);
		if ((r = sz_rd_end(&rd)) != SZ_OK) {
			free(w);
			return r;
		}
		free(s->wants);
		s->wants = w;
		s->nwants = (size_t)k;
		s->finished = true;
		*done = true;
		return SZ_OK;
	}
	case SZ_RIBLT_MSG_FAIL:
		(void)sz_rd_u8(&rd);
		if ((r = sz_rd_end(&rd)) != SZ_OK)
			return r;
		s->finished = true;
		return SZ_ERR_DECODE;
	default:
		return rd.err ? rd.err : SZ_ERR_PEER;
	}
}

size_t
sz_riblt_sender_nwants(const sz_riblt_sender *s)
{
	return s->nwants;
}

const uint8_t *
sz_riblt_sender_want(const sz_riblt_sender *s, size_t j)
{
	return j < s->nwants ? s->wants + j * s->want_len : NULL;
}

size_t
sz_riblt_want_len(size_t width)
{
	/* A compact tag is keyed per session: nobody can make two share 4 bytes on purpose, and
	 * by chance 32,768 tags meet a 4-byte want 7.6e-6 of the time.  A full symbol is an id's
	 * prefix under no key: 8 bytes, so that crowding a given id costs 2^64. */
	return width <= SZ_RIBLT_TAG_BYTES ? (width < 4 ? width : 4) : SZ_RIBLT_WANT_BYTES;
}

size_t
sz_riblt_sender_sent(const sz_riblt_sender *s)
{
	return s->next;
}

/* --- receiver ----------------------------------------------------------------------------- */

enum { RX_HELLO, RX_CELLS, RX_OVER };

struct sz_riblt_receiver {
	sz_riblt_sketch *local;
	bool salted;
	bool check32;       /* the HELLO's: coded symbols carry the low 32 bits of their hash */
	uint8_t salt[SZ_RIBLT_SALT_BYTES];
	size_t max_cells;
	int state;
	uint64_t nset;      /* the sender's declared set size */
	size_t asked;       /* coded symbols asked for by the last MORE */
	uint8_t *low;       /* HELLO's estimator bytes, for coded symbols first.. */
	size_t first, nlow;
	sz_riblt_decoder *dec;
};

int
sz_riblt_receiver_new(sz_riblt_receiver **out, sz_riblt_sketch *local, const uint8_t *salt,
    size_t max_cells)
{
	*out = NULL;
	if (local == NULL || max_cells == 0 || max_cells > SZ_RIBLT_MAX_CELLS)
		return SZ_ERR_INVALID;
	sz_riblt_receiver *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return SZ_ERR_NOMEM;
	r->local = local;
	if (salt != NULL) {
		r->salted = true;
		memcpy(r->salt, salt, SZ_RIBLT_SALT_BYTES);
	}
	r->max_cells = max_cells;
	r->state = RX_HELLO;
	*out = r;
	return SZ_OK;
}

void
sz_riblt_receiver_free(sz_riblt_receiver *r)
{
	if (r == NULL)
		return;
	sz_riblt_decoder_free(r->dec);
	free(r->low);
	free(r);
}

const sz_riblt_decoder *
sz_riblt_receiver_decoder(const sz_riblt_receiver *r)
{
	return r->dec;
}

size_t
sz_riblt_more_cells(const sz_riblt_decoder *d, const uint8_t *low, size_t nlow, bool compact)
{
	/* Peeling needs about 1.37 coded symbols per difference for large differences, more for
	 * small ones (1.6 at 20), with a tail that falls only polynomially (docs/bench/riblt.md,
	 * "Round trips": two ids share every cell below m with probability about (2/m)^4); the
	 * estimate from HELLO is within about 7 % (one standard deviation).  Fitted on 33,600
	 * simulated sessions (d = 16 to 2,000).  Full symbols (30-byte cells): the most that keeps
	 * a session's mean bytes within 2 x 32 x d + 1 KiB at every d, which leaves a third round
	 * trip in about 1 session in 700 between d = 24 and 100, 1 in 4,000 at 200, none seen at
	 * 2,000.  Compact symbols (13-byte cells, well inside that budget): as much more as keeps a
	 * session under a tenth of Negentropy's bytes at 10^4 ids and d = 200 (issue 9's target), a
	 * third round trip in 1 session in 2,800.  A HELLO that did not decode means more than about
	 * 20 differences: then at least twice its coded symbols in all. */
	double e = sz_riblt_decoder_estimate(d, low, nlow);
	double want = compact ? 1.65 * e + 5.0 * sqrt(e) + 16.0 : 1.65 * e + 4.0 * sqrt(e) + 8.0;
	size_t got = sz_riblt_decoder_received(d);
	if (nlow > 0 && want < 2.0 * (double)got)
		want = 2.0 * (double)got;
	double more = want - (double)got;
	double floor = (double)got / 8.0 + 8.0;
	if (more < floor)
		more = floor;
	if (more > SZ_RIBLT_BATCH_MAX)
		more = SZ_RIBLT_BATCH_MAX;
	return (size_t)ceil(more);
}

static void
write_fail(sz_buf *out, int err)
{
	sz_buf_u8(out, SZ_RIBLT_MSG_FAIL);
	sz_buf_u8(out, err == SZ_ERR_LIMIT ? SZ_RIBLT_FAIL_LIMIT :
	    err == SZ_ERR_STATE ? SZ_RIBLT_FAIL_STATE : SZ_RIBLT_FAIL_DECODE);
}

/* Parse a batch and feed it to the decoder.  Returns a parse error (nothing should be answered)
 * or, through *derr, a decoder error (answered with FAIL). */
static int
read_batch(sz_riblt_receiver *r, sz_rd *rd, size_t max_n, size_t tail, int *derr)
{
	size_t w = sz_riblt_sketch_width(r->local);
	uint64_t start = sz_rd_varint(rd);
	uint64_t n = sz_rd_varint(rd);
	if (rd->err)
		return rd->err;
	if (start != sz_riblt_decoder_received(r->dec) || n == 0 || n > max_n)
		return SZ_ERR_MALFORMED;
	if (start == 0)
		r->first = (size_t)n;
	/* Each coded symbol takes at least w + 5 or w + 9 bytes: refuse a short message before
	 * decoding. */
	if (sz_rd_left(rd) < n * (w + (r->check32 ? 5 : 9)) + tail)
		return SZ_ERR_TRUNCATED;
	for (uint64_t i = 0; i < n; i++) {
		const uint8_t *sum = sz_rd_bytes(rd, w);
		uint64_t hash = r->check32 ? sz_rd_u32(rd) : sz_rd_u64(rd);
		uint64_t count = sz_rd_varint(rd);
		if (rd->err)
			return rd->err;
		if (count > r->nset)
			return SZ_ERR_MALFORMED; /* more items than the sender said it holds */
		if (start + i == 0 && count != r->nset)
			return SZ_ERR_MALFORMED; /* every item maps to coded symbol 0 */
		if (start + i >= r->first && start + i - r->first < r->nlow &&
		    (uint8_t)count != r->low[start + i - r->first])
			return SZ_ERR_MALFORMED; /* contradicts the HELLO's estimator byte */
		if (*derr == SZ_OK)
			*derr = sz_riblt_decoder_add(r->dec, sum, hash, count);
	}
	if (tail > 0)
		sz_rd_copy(rd, r->low, tail);
	return sz_rd_end(rd);
}

static int
receive(sz_riblt_receiver *r, const uint8_t *msg, size_t len, sz_buf *out, bool *done)
{
	sz_rd rd = sz_rd_init(msg, len);
	int err, derr = SZ_OK;
	size_t max_n;
	if (len > 0 && msg[0] == SZ_RIBLT_MSG_HELLO) {
		if (r->state != RX_HELLO)
			return SZ_ERR_PEER;
		size_t width;
		bool salted;
		uint8_t salt[SZ_RIBLT_SALT_BYTES];
		if ((err = read_hello_header(&rd, &width, &salted, &r->check32, salt, &r->nset)) !=
		    SZ_OK)
			return err;
		uint64_t nlow = sz_rd_varint(&rd);
		if (rd.err)
			return rd.err;
		if (nlow > SZ_RIBLT_EST_MAX)
			return SZ_ERR_TOO_LARGE;
		if (width != sz_riblt_sketch_width(r->local))
			return SZ_ERR_UNSUPPORTED;
		if (salted != r->salted || (salted && !sz_ct_equal(salt, r->salt, sizeof(salt))))
			return SZ_ERR_STATE; /* the caller built the sketch for another key */
		sz_riblt_limits lim = { .max_cells = r->max_cells, .max_items = 0,
			.max_count = r->nset, .check_bits = r->check32 ? 32 : 64 };
		if ((err = sz_riblt_decoder_new(&r->dec, r->local, &lim)) != SZ_OK)
			return err;
		if (nlow > 0 && (r->low = malloc((size_t)nlow)) == NULL)
			return SZ_ERR_NOMEM;
		r->nlow = (size_t)nlow;
		max_n = SZ_RIBLT_BATCH_MAX;
	} else if (len > 0 && msg[0] == SZ_RIBLT_MSG_CELLS) {
		if (r->state != RX_CELLS)
			return SZ_ERR_PEER;
		(void)sz_rd_u8(&rd);
		max_n = r->asked;
	} else {
		return len == 0 ? SZ_ERR_TRUNCATED : SZ_ERR_PEER;
	}
	if ((err = read_batch(r, &rd, max_n, r->state == RX_HELLO ? r->nlow : 0, &derr)) != SZ_OK) {
		r->state = RX_OVER;
		return err;
	}
	if (derr == SZ_OK)
		derr = sz_riblt_decoder_run(r->dec);
	if (derr != SZ_OK) {
		write_fail(out, derr);
		r->state = RX_OVER;
		return out->err ? out->err : derr;
	}
	if (sz_riblt_decoder_done(r->dec)) {
		size_t n = sz_riblt_decoder_count(r->dec), k = 0;
		for (size_t j = 0; j < n; j++) {
			uint64_t h;
			int side;
			(void)sz_riblt_decoder_item(r->dec, j, &h, &side);
			k += side > 0;
		}
		size_t wl = sz_riblt_want_len(sz_riblt_sketch_width(r->local));
		sz_buf_u8(out, SZ_RIBLT_MSG_DONE);
		sz_buf_varint(out, k);
		for (size_t j = 0; j < n; j++) {
			uint64_t h;
			int side;
			const uint8_t *sym = sz_riblt_decoder_item(r->dec, j, &h, &side);
			if (side > 0)
				sz_buf_append(out, sym, wl);
		}
		r->state = RX_OVER;
		*done = true;
		return out->err;
	}
	size_t got = sz_riblt_decoder_received(r->dec);
	if (got >= r->max_cells) {
		write_fail(out, SZ_ERR_LIMIT);
		r->state = RX_OVER;
		return out->err ? out->err : SZ_ERR_LIMIT;
	}
	/* The estimator bytes help only before the coded symbols they describe have arrived. */
	const uint8_t *low = NULL;
	size_t nlow = 0;
	if (r->nlow > 0 && got == r->first) {
		if ((err = sz_riblt_sketch_reserve(r->local, r->first + r->nlow)) != SZ_OK)
			return err;
		low = r->low;
		nlow = r->nlow;
	}
	/* 8-byte symbols (tags) make cells of about 13 bytes, not 30 */
	size_t more = sz_riblt_more_cells(r->dec, low, nlow,
	    sz_riblt_sketch_width(r->local) <= SZ_RIBLT_TAG_BYTES);
	/* A second MORE means a rare stubborn difference past the estimate: grow geometrically,
	 * so that a few more rounds settle it. */
	if (got > r->first && more < got / 2 + 8)
		more = got / 2 + 8;
	if (more > r->max_cells - got)
		more = r->max_cells - got;
	sz_buf_u8(out, SZ_RIBLT_MSG_MORE);
	sz_buf_varint(out, more);
	r->asked = more;
	r->state = RX_CELLS;
	return out->err;
}

int
sz_riblt_receiver_recv(sz_riblt_receiver *r, const uint8_t *msg, size_t len, sz_buf *out,
    bool *done)
{
	*done = false;
	if (r->state == RX_OVER)
		return SZ_ERR_STATE;
	int err = receive(r, msg, len, out, done);
	if (err != SZ_OK)
		r->state = RX_OVER; /* any error ends the session */
	return err;
}

size_t
sz_riblt_sender_mem(const sz_riblt_sender *s)
{
	return s == NULL ? 0 : sizeof(*s) + s->nwants * s->want_len;
}

size_t
sz_riblt_receiver_mem(const sz_riblt_receiver *r)
{
	return r == NULL ? 0 : sizeof(*r) + r->nlow + sz_riblt_decoder_mem(r->dec);
}
