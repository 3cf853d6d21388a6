/*
 * recon_riblt.c - Rateless IBLT reconciliation in a sync session (docs/PROTOCOL.md §8, the
 * messages in §6).  Layer: sync.  The initiator streams coded symbols of its sketch (the node's
 * kept one, or one built for a salted or compact attempt); the responder decodes, learns both
 * halves of the difference, and names the envelopes it wants by 32 bits of their hash.
 */
#include "sync/recon_int.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "recon/riblt.h"
#include "recon/riblt_wire.h"

/* Coded symbols one session takes: about 750,000 differences, 41 MiB at the receiver; and DONE
 * (4 bytes per wanted id, at most one per coded symbol) still fits a frame.  Past it, a salted
 * retry, then the list. */
#define RIBLT_MAX_CELLS ((SZ_FRAME_MAX - 16) / 4)
/* Cells a temporary sketch keeps from the start: HELLO's coded symbols and estimator bytes, so
 * that HELLO does not walk the set a second time. */
#define TEMP_CELLS 512

/* Both sides hold a sketch of the ids of the shared scopes.  Full symbols are the first 20
 * bytes of an id; unsalted, their key depends only on the shared scopes, so the node keeps that
 * sketch current between sessions (O(d) per session).  A salted attempt (an audit, one session
 * in 16, or the retry after a failed first attempt) uses a key from a fresh salt that nobody
 * could craft ids against, and builds a temporary sketch (O(N)).  Small sets (at most
 * cfg.compact_max ids on the initiator) use compact symbols instead: 8-byte tags of the ids
 * under a salted tag key, with 32-bit checks, about half the bytes; always salted, so always a
 * temporary sketch, which costs little at that size.  The initiator streams coded symbols; the
 * responder decodes and learns both halves of the difference. */

typedef struct sz_tagref {
	uint64_t tag;  /* the tag's 8 bytes read big-endian: numeric order is byte order */
	uint32_t i;    /* index in s->mine */
} sz_tagref;

static int
cmp_tagref(const void *a, const void *b)
{
	uint64_t x = ((const sz_tagref *)a)->tag, y = ((const sz_tagref *)b)->tag;
	return x < y ? -1 : x > y;
}

/* The scope secret of a session's RIBLT keys: BLAKE2b-256 of the label and the shared scopes. */
static int
riblt_secret(sz_sync *s, uint8_t secret[SZ_RIBLT_SCOPE_SECRET_BYTES])
{
	static const uint8_t label[] = "samizdat sync riblt v1";
	sz_buf b = { 0 };
	sz_buf_append(&b, label, sizeof label - 1);
	sz_buf_append(&b, s->shared, s->nshared * SZ_SCOPE_BYTES);
	int r = b.err ? b.err : sz_blake2b(secret, SZ_RIBLT_SCOPE_SECRET_BYTES, b.p, b.len, NULL, 0);
	sz_buf_free(&b);
	return r;
}

static int
riblt_key(sz_sync *s, const uint8_t *salt, uint8_t key[SZ_RIBLT_KEY_BYTES])
{
	uint8_t secret[SZ_RIBLT_SCOPE_SECRET_BYTES];
	int r = riblt_secret(s, secret);
	if (r == SZ_OK)
		r = sz_riblt_scope_key(key, secret, salt);
	sz_wipe(secret, sizeof secret);
	return r;
}

/* A compact attempt's sketch: every id of mine as its tag under the salted tag key, and the
 * tags sorted with their ids' places in mine, to name the envelopes the peer lacks. */
static int
riblt_compact_sketch(sz_sync *s, const uint8_t salt[SZ_RIBLT_SALT_BYTES])
{
	uint8_t key[SZ_RIBLT_KEY_BYTES], secret[SZ_RIBLT_SCOPE_SECRET_BYTES];
	int r = riblt_secret(s, secret);
	if (r == SZ_OK)
		r = sz_riblt_tag_key(s->tagkey, secret, salt);
	if (r == SZ_OK)
		r = sz_riblt_scope_key(key, secret, salt);
	sz_wipe(secret, sizeof secret);
	if (r == SZ_OK && (r = sz_recon_mine_collect(s)) == SZ_OK)
		r = sz_riblt_sketch_new(&s->sketch, SZ_RIBLT_TAG_BYTES, key, TEMP_CELLS);
	sz_wipe(key, sizeof key);
	if (r == SZ_OK && s->mine.n > 0)
		r = sz_riblt_sketch_set_max_items(s->sketch, s->mine.n);
	if (r == SZ_OK && (s->tags = calloc(s->mine.n ? s->mine.n : 1, sizeof *s->tags)) == NULL)
		r = SZ_ERR_NOMEM;
	s->ntags = 0;
	for (size_t i = 0; i < s->mine.n && r == SZ_OK; i++) {
		uint8_t tag[SZ_RIBLT_TAG_BYTES];
		sz_riblt_id_tag(tag, s->tagkey, s->mine.v[i].id);
		r = sz_riblt_sketch_add(s->sketch, tag);
		if (r == SZ_OK)
			s->tags[s->ntags++] = (sz_tagref){ sz_load_u64(tag), (uint32_t)i };
		else if (r == SZ_ERR_EXISTS)
			r = SZ_OK; /* two ids with one tag (2^-64 a pair): the second waits for the
			            * next session's salt */
	}
	qsort(s->tags, s->ntags, sizeof *s->tags, cmp_tagref);
	s->st.ids_sketched += s->mine.n;
	return r;
}

static bool
lendable(const sz_sync *s)
{
	return s->cfg.hooks.sketch_get != NULL;
}

/* This side's sketch for an attempt under salt (NULL: unsalted): the node's if it lends one,
 * else built here from the ids. */
static int
riblt_sketch(sz_sync *s, const uint8_t *salt)
{
	if (s->compact)
		return riblt_compact_sketch(s, salt);
	uint8_t key[SZ_RIBLT_KEY_BYTES];
	int r = riblt_key(s, salt, key);
	if (r == SZ_OK && salt == NULL && lendable(s) &&
	    s->cfg.hooks.sketch_get(s->cfg.hooks.ctx, (const uint8_t(*)[SZ_SCOPE_BYTES])s->shared,
	    s->nshared, key, &s->sketch) == SZ_OK && s->sketch != NULL) {
		s->sketch_lent = true;
		/* A node that lends the wrong sketch would reconcile the wrong set: check. */
		if (sz_riblt_sketch_width(s->sketch) == SZ_RIBLT_ID_SYMBOL_BYTES &&
		    sz_ct_equal(sz_riblt_sketch_key(s->sketch), key, sizeof key)) {
			sz_wipe(key, sizeof key);
			if (!s->mine_ready)
				s->st.ids_local = sz_riblt_sketch_size(s->sketch);
			return SZ_OK;
		}
		s->cfg.hooks.sketch_put(s->cfg.hooks.ctx, s->sketch);
		s->sketch = NULL;
		s->sketch_lent = false;
	}
	s->sketch = NULL;
	/* The node builds one that holds no ids (its store has them): O(N) time, O(K) memory. */
	if (r == SZ_OK && s->cfg.hooks.sketch_build != NULL &&
	    s->cfg.hooks.sketch_build(s->cfg.hooks.ctx, (const uint8_t(*)[SZ_SCOPE_BYTES])s->shared,
	    s->nshared, key, &s->sketch) == SZ_OK && s->sketch != NULL) {
		if (sz_riblt_sketch_width(s->sketch) == SZ_RIBLT_ID_SYMBOL_BYTES &&
		    sz_ct_equal(sz_riblt_sketch_key(s->sketch), key, sizeof key)) {
			sz_wipe(key, sizeof key);
			if (!s->mine_ready)
				s->st.ids_local = sz_riblt_sketch_size(s->sketch);
			s->st.ids_sketched += sz_riblt_sketch_size(s->sketch);
			return SZ_OK;
		}
		sz_riblt_sketch_free(s->sketch);
		s->sketch = NULL;
	}
	if (r == SZ_OK && (r = sz_recon_mine_collect(s)) == SZ_OK)
		r = sz_riblt_sketch_new(&s->sketch, SZ_RIBLT_ID_SYMBOL_BYTES, key, TEMP_CELLS);
	sz_wipe(key, sizeof key);
	if (r == SZ_OK && s->mine.n > 0)
		r = sz_riblt_sketch_set_max_items(s->sketch, s->mine.n);
	for (size_t i = 0; i < s->mine.n && r == SZ_OK; i++) {
		uint8_t sym[SZ_RIBLT_ID_SYMBOL_BYTES];
		sz_riblt_id_symbol(sym, s->mine.v[i].id);
		r = sz_riblt_sketch_add(s->sketch, sym);
		if (r == SZ_ERR_EXISTS)
			r = SZ_OK; /* two ids with one 20-byte prefix: only the first is reconciled */
	}
	s->st.ids_sketched += s->mine.n;
	return r;
}

/* Release an attempt's state (sketch, sender or receiver, tag table). */
static void
riblt_free(sz_sync *s)
{
	sz_riblt_sender_free(s->rsend);
	sz_riblt_receiver_free(s->rrecv);
	if (s->sketch_lent)
		s->cfg.hooks.sketch_put(s->cfg.hooks.ctx, s->sketch);
	else
		sz_riblt_sketch_free(s->sketch);
	s->rsend = NULL;
	s->rrecv = NULL;
	s->sketch = NULL;
	s->sketch_lent = false;
	free(s->tags);
	s->tags = NULL;
	s->ntags = 0;
}

/* Note the start of an attempt. */
static void
riblt_note(sz_sync *s, bool salted, bool compact)
{
	s->attempts++;
	s->salted = salted;
	s->compact = compact;
	s->st.riblt_attempts = s->attempts;
	s->st.riblt_salted = salted;
	s->st.riblt_compact = compact;
}

/* Begin an attempt: note it, and get the sketch. */
static int
riblt_attempt(sz_sync *s, const uint8_t *salt, bool compact)
{
	riblt_note(s, salt != NULL, compact);
	return riblt_sketch(s, salt);
}

/* Initiator: does its first attempt use compact symbols?  By its own set size, which the node's
 * kept sketch tells at once; else by collecting its ids (which a compact attempt needs anyway),
 * stopping past compact_max (an id in two scopes counts twice until deduplicated: at worst a
 * set just under the bound uses the kept sketch). */
static int
want_compact(sz_sync *s, bool *compact)
{
	*compact = s->cfg.compact > 0;
	if (s->cfg.compact != 0)
		return SZ_OK;
	if (s->mine_ready) {
		*compact = s->mine.n <= s->cfg.compact_max;
		return SZ_OK;
	}
	int r;
	if (lendable(s)) {
		uint8_t key[SZ_RIBLT_KEY_BYTES];
		size_t n = 0;
		if ((r = riblt_key(s, NULL, key)) == SZ_OK)
			r = s->cfg.hooks.sketch_size(s->cfg.hooks.ctx,
			    (const uint8_t(*)[SZ_SCOPE_BYTES])s->shared, s->nshared, key, &n);
		sz_wipe(key, sizeof key);
		if (r == SZ_OK) {
			*compact = n <= s->cfg.compact_max;
			return SZ_OK;
		}
	}
	size_t cap = s->cfg.compact_max < s->cfg.limits.max_ids ? s->cfg.compact_max :
	    s->cfg.limits.max_ids;
	r = sz_recon_mine_collect_upto(s, cap);
	*compact = r == SZ_OK && s->mine.n <= s->cfg.compact_max;
	return r == SZ_ERR_LIMIT ? SZ_OK : r;
}

/* Initiator: begin an attempt and send its HELLO.  The first attempt is compact for small sets
 * (always salted), else unsalted (salted one session in salted_one_in); a retry is salted with
 * full symbols. */
static int
riblt_send_hello(sz_sync *s, bool salted)
{
	uint8_t salt[SZ_RIBLT_SALT_BYTES];
	bool compact = false;
	int r;
	if (s->attempts == 0 && (r = want_compact(s, &compact)) != SZ_OK)
		return r;
	salted = salted || compact;
	if (salted)
		sz_random(s->cfg.env, salt, sizeof salt);
	if ((r = riblt_attempt(s, salted ? salt : NULL, compact)) != SZ_OK)
		return r;
	if ((r = sz_riblt_sender_new(&s->rsend, s->sketch, salted ? salt : NULL,
	    SZ_RIBLT_FIRST_BATCH, SZ_RIBLT_EST_BYTES, RIBLT_MAX_CELLS)) != SZ_OK)
		return r;
	if (compact && (r = sz_riblt_sender_check32(s->rsend)) != SZ_OK)
		return r;
	sz_buf m = { 0 };
	if ((r = sz_riblt_sender_hello(s->rsend, &m)) == SZ_OK)
		sz_sync_send(s, SZ_FR_SYMBOLS, m.p, m.len);
	sz_buf_free(&m);
	return r;
}

static int
cmp_pfx(const void *a, const void *b)
{
	return memcmp(a, b, 20);
}

static int
cmp_w(const void *a, const void *b)
{
	return memcmp(a, b, SZ_RIBLT_WANT_BYTES);
}

/* An attempt failed (FAIL went out or came in).  Both sides follow the same rule, so they
 * agree without another message: a failed unsalted or compact first attempt is retried once
 * under a fresh salt with full symbols; a failed salted one falls back to listing ids in the
 * same session. */
static int
riblt_failed(sz_sync *s)
{
	riblt_free(s);
	if ((!s->salted || s->compact) && s->attempts == 1)
		return s->cfg.role == SZ_NOISE_INITIATOR ? riblt_send_hello(s, true) : SZ_OK;
	if (!(s->cfg.methods & SZ_RECON_LIST))
		return SZ_ERR_DECODE;
	s->method = SZ_RECON_LIST;
	s->st.method = SZ_RECON_LIST;
	return sz_recon_mine_collect(s);
}

static bool
shared_label(const sz_sync *s, const uint8_t *label)
{
	for (size_t k = 0; k < s->nshared; k++)
		if (memcmp(s->shared[k], label, SZ_SCOPE_BYTES) == 0)
			return true;
	return false;
}

/* Queue the ids of mine (of a shared label) that the len bytes pfx name: a symbol recovered as
 * mine only (20 bytes, or a tag), or a want from DONE (its first 8 bytes); at most
 * SZ_SYNC_MATCHES_PER_WANT of them.  A name that matches nothing of mine is skipped (gone since,
 * or a peer naming what it made up). */
static int
queue_symbol(sz_sync *s, const uint8_t *pfx, size_t len)
{
	int r = SZ_OK;
	if (s->compact) {
		/* the tags that begin with the len bytes of pfx: a range of the sorted table */
		if (len == 0 || len > SZ_RIBLT_TAG_BYTES)
			return SZ_OK;
		uint8_t lo8[SZ_RIBLT_TAG_BYTES] = { 0 };
		memcpy(lo8, pfx, len);
		uint64_t lo = sz_load_u64(lo8);
		uint64_t hi = len == SZ_RIBLT_TAG_BYTES ? lo : lo | (UINT64_MAX >> (8 * len));
		size_t a = 0, b = s->ntags;
		while (a < b) {
			size_t mid = a + (b - a) / 2;
			if (s->tags[mid].tag < lo)
				a = mid + 1;
			else
				b = mid;
		}
		for (size_t k = 0; a < s->ntags && s->tags[a].tag <= hi && k < SZ_SYNC_MATCHES_PER_WANT &&
		    r == SZ_OK; a++, k++)
			r = sz_idvec_push(&s->outq, s->mine.v[s->tags[a].i].id, s->mine.v[s->tags[a].i].scope);
		return r;
	}
	if (s->mine_ready) {
		/* mine is sorted by id: the matches are together, from the first at or above pfx */
		size_t lo = 0, hi = s->mine.n;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (memcmp(s->mine.v[mid].id, pfx, len) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (size_t i = lo, k = 0; i < s->mine.n && k < SZ_SYNC_MATCHES_PER_WANT && r == SZ_OK &&
		    memcmp(s->mine.v[i].id, pfx, len) == 0; i++, k++)
			r = sz_idvec_push(&s->outq, s->mine.v[i].id, s->mine.v[i].scope);
		return r;
	}
	uint8_t ids[SZ_SYNC_MATCHES_PER_WANT][32], labels[SZ_SYNC_MATCHES_PER_WANT][SZ_SCOPE_BYTES];
	size_t n = 0;
	if ((r = s->cfg.hooks.find_prefix(s->cfg.hooks.ctx, pfx, len, ids, labels,
	    SZ_SYNC_MATCHES_PER_WANT, &n)) != SZ_OK)
		return r;
	for (size_t i = 0; i < n && i < SZ_SYNC_MATCHES_PER_WANT && r == SZ_OK; i++)
		if (shared_label(s, labels[i]))
			r = sz_idvec_push(&s->outq, ids[i], labels[i]);
	return r;
}

/* Responder: the difference is known: tell the initiator how many to send (total_want, or
 * SZ_DECODED_ALL) and how many to expect, and turn to the transfer. */
static void
riblt_settled(sz_sync *s, uint32_t total_want, uint64_t to_receive)
{
	uint8_t dec[12];
	s->st.to_send = sz_transfer_left(s);
	s->st.to_receive = to_receive;
	s->expect = to_receive;
	sz_store_u32(dec, total_want);
	sz_store_u32(dec + 4, (uint32_t)s->st.to_send);
	sz_store_u32(dec + 8, 0);
	sz_sync_send(s, SZ_FR_DECODED, dec, sizeof dec);
	s->decoded = true;
	s->phase = PH_TRANSFER;
	riblt_free(s);
}

/* Responder: the decoder settled: queue what only I hold, note what only the peer holds. */
static int
riblt_decoded(sz_sync *s)
{
	const sz_riblt_decoder *d = sz_riblt_receiver_decoder(s->rrecv);
	size_t k = sz_riblt_decoder_count(d);
	int r = SZ_OK;
	/* want_w: what DONE named, to tell a chance match of its 8 bytes from an envelope nobody
	 * asked for. */
	size_t width = s->compact ? SZ_RIBLT_TAG_BYTES : SZ_RIBLT_ID_SYMBOL_BYTES;
	if ((s->want_pfx = calloc(k ? k : 1, 20)) == NULL ||
	    (s->want_w = calloc(k ? k : 1, sizeof *s->want_w)) == NULL ||
	    (s->want_w_extra = calloc(k ? k : 1, 1)) == NULL)
		return SZ_ERR_NOMEM;
	for (size_t j = 0; j < k && r == SZ_OK; j++) {
		uint64_t h;
		int side;
		const uint8_t *sym = sz_riblt_decoder_item(d, j, &h, &side);
		if (side > 0) {
			memcpy(s->want_pfx[s->nwant_pfx++], sym, width);
			memcpy(s->want_w[s->nwant_w++], sym, sz_riblt_want_len(width)); /* zero-padded */
		} else {
			r = queue_symbol(s, sym, width);
		}
	}
	if (r != SZ_OK)
		return r;
	qsort(s->want_pfx, s->nwant_pfx, 20, cmp_pfx);
	qsort(s->want_w, s->nwant_w, sizeof *s->want_w, cmp_w);
	memcpy(s->hashkey, sz_riblt_sketch_key(s->sketch), sizeof s->hashkey);
	sz_idvec_sort(&s->outq);
	sz_recon_dedupe(&s->outq);
	riblt_settled(s, (uint32_t)s->nwant_pfx, s->nwant_pfx);
	return SZ_OK;
}

/* Initiator: the receiver is done: queue every id whose hash it asked for. */
static int
riblt_wants(sz_sync *s)
{
	size_t k = sz_riblt_sender_nwants(s->rsend);
	size_t wl = sz_riblt_want_len(sz_riblt_sketch_width(s->sketch));
	int r = SZ_OK;
	for (size_t j = 0; j < k && r == SZ_OK; j++)
		r = queue_symbol(s, sz_riblt_sender_want(s->rsend, j), wl);
	/* Two hashes may name one id: send it once. */
	sz_idvec_sort(&s->outq);
	sz_recon_dedupe(&s->outq);
	riblt_free(s);
	return r;
}

/* Responder, one side empty: if the initiator holds nothing, everything of mine goes (DONE with
 * no wants stops its sender); if I hold nothing, I want all of its ids: DECODED with total_want
 * = SZ_DECODED_ALL. */
static int
riblt_shortcut(sz_sync *s, uint64_t remote)
{
	int r = SZ_OK;
	if (remote > s->cfg.limits.max_envelopes)
		return SZ_ERR_LIMIT;
	if (remote == 0) {
		static const uint8_t done_none[2] = { SZ_RIBLT_MSG_DONE, 0 };
		uint64_t announce;
		sz_sync_send(s, SZ_FR_SYMBOLS, done_none, sizeof done_none);
		if ((r = sz_recon_send_all(s, UINT32_MAX, &announce)) != SZ_OK)
			return r;
		riblt_settled(s, 0, 0);
	} else {
		s->want_all = true;
		riblt_settled(s, SZ_DECODED_ALL, remote);
	}
	return SZ_OK;
}

/* Responder: a HELLO opens an attempt (the first, or the salted retry after an unsalted one
 * failed): the HELLO says whether it is salted, and so which sketch to decode against. */
static int
riblt_receive_hello(sz_sync *s, const sz_frame *f, bool *shortcut)
{
	uint64_t remote = 0;
	size_t width;
	bool salted, check32;
	uint8_t salt[SZ_RIBLT_SALT_BYTES];
	int r;
	*shortcut = false;
	if (s->attempts >= 2 || (s->attempts == 1 && s->salted && !s->compact))
		return SZ_ERR_PEER; /* no third attempt, and none after a salted one */
	if ((r = sz_riblt_hello_peek(f->payload, f->len, &width, &salted, &check32, salt,
	    &remote)) != SZ_OK)
		return r;
	/* Two symbol layouts: 20-byte id prefixes with 64-bit checks, or (compact, salted by
	 * construction) 8-byte tags with 32-bit checks. */
	bool compact = width == SZ_RIBLT_TAG_BYTES && check32;
	if (!compact && (width != SZ_RIBLT_ID_SYMBOL_BYTES || check32))
		return SZ_ERR_UNSUPPORTED;
	if (s->attempts == 1 && (!salted || compact))
		return SZ_ERR_PEER; /* the retry must be salted, with full symbols */
	/* Either side empty: nothing to decode, and coded symbols would cost more than the
	 * difference itself.  An empty initiator (a new member's first sync) needs no sketch
	 * here at all. */
	if (remote == 0) {
		riblt_note(s, salted, compact);
		*shortcut = true;
		return riblt_shortcut(s, 0);
	}
	if ((r = riblt_attempt(s, salted ? salt : NULL, compact)) != SZ_OK)
		return r;
	if (sz_riblt_sketch_size(s->sketch) == 0) {
		*shortcut = true;
		return riblt_shortcut(s, remote);
	}
	return sz_riblt_receiver_new(&s->rrecv, s->sketch, salted ? salt : NULL, RIBLT_MAX_CELLS);
}

int
sz_recon_on_symbols(sz_sync *s, const sz_frame *f)
{
	sz_buf out = { 0 };
	bool done = false;
	int r;
	if (s->method != SZ_RECON_RIBLT || s->decoded)
		return SZ_ERR_PEER;
	if (s->cfg.role == SZ_NOISE_RESPONDER) {
		if (s->rrecv == NULL) {
			bool shortcut;
			if ((r = riblt_receive_hello(s, f, &shortcut)) != SZ_OK || shortcut)
				return r;
		}
		r = sz_riblt_receiver_recv(s->rrecv, f->payload, f->len, &out, &done);
		if (out.len > 0)
			sz_sync_send(s, SZ_FR_SYMBOLS, out.p, out.len);
		sz_buf_free(&out);
		if (r == SZ_ERR_DECODE || r == SZ_ERR_LIMIT || r == SZ_ERR_STATE)
			return riblt_failed(s); /* FAIL went out: a salted retry, or the list */
		if (r != SZ_OK)
			return r;
		return done ? riblt_decoded(s) : SZ_OK;
	}
	if (s->rsend == NULL)
		return SZ_ERR_PEER;
	r = sz_riblt_sender_recv(s->rsend, f->payload, f->len, &out, &done);
	if (out.len > 0)
		sz_sync_send(s, SZ_FR_SYMBOLS, out.p, out.len);
	sz_buf_free(&out);
	if (r == SZ_ERR_DECODE)
		return riblt_failed(s); /* the responder gave up: a salted retry, or the list */
	if (r != SZ_OK)
		return r;
	return done ? riblt_wants(s) : SZ_OK;
}

int
sz_recon_riblt_start(sz_sync *s)
{
	if (s->cfg.role == SZ_NOISE_INITIATOR)
		return riblt_send_hello(s, sz_random_uniform(s->cfg.env, s->cfg.salted_one_in) == 0);
	return SZ_OK; /* the responder waits for HELLO */
}

/* Initiator: DECODED after RIBLT: the ids to send came with DONE (by hash), or (total_want =
 * SZ_DECODED_ALL) the responder holds nothing and everything goes; this says how many to
 * expect. */
int
sz_recon_riblt_decoded(sz_sync *s, const sz_decoded *d)
{
	int r;
	if (d->total_want == SZ_DECODED_ALL) {
		/* The responder holds nothing in these scopes: everything goes. */
		if (d->count != 0 || s->outq.n != 0)
			return SZ_ERR_PEER;
		uint64_t announce;
		riblt_free(s);
		/* at most what my HELLO said I hold: the responder expects no more */
		if ((r = sz_recon_send_all(s, s->st.ids_local, &announce)) != SZ_OK)
			return r;
	} else if (s->rsend != NULL || d->count != 0) {
		return SZ_ERR_PEER;
	}
	s->st.to_send = sz_transfer_left(s);
	s->st.to_receive = d->nsend;
	s->expect = d->nsend;
	s->decoded = true;
	s->phase = PH_TRANSFER;
	return SZ_OK;
}

/* The symbol of an id in the settled attempt (a tag, or the prefix), zero-padded to 20 bytes;
 * returns its width. */
static size_t
id_symbol(const sz_sync *s, const uint8_t id[32], uint8_t sym[SZ_RIBLT_ID_SYMBOL_BYTES])
{
	memset(sym, 0, SZ_RIBLT_ID_SYMBOL_BYTES);
	if (s->compact) {
		sz_riblt_id_tag(sym, s->tagkey, id);
		return SZ_RIBLT_TAG_BYTES;
	}
	sz_riblt_id_symbol(sym, id);
	return SZ_RIBLT_ID_SYMBOL_BYTES;
}

int
sz_recon_unasked(sz_sync *s, const uint8_t id[32])
{
	if (s->want_w == NULL)
		return SZ_ERR_PEER;
	uint8_t sym[SZ_RIBLT_ID_SYMBOL_BYTES], key[SZ_RIBLT_WANT_BYTES] = { 0 };
	size_t w = id_symbol(s, id, sym);
	memcpy(key, sym, sz_riblt_want_len(w)); /* as DONE named it, zero-padded */
	const uint8_t (*x)[SZ_RIBLT_WANT_BYTES] = bsearch(key, s->want_w, s->nwant_w,
	    sizeof *s->want_w, cmp_w);
	if (x == NULL)
		return SZ_ERR_PEER;
	uint8_t *extra = &s->want_w_extra[x - s->want_w];
	if (*extra >= SZ_SYNC_MATCHES_PER_WANT - 1)
		return SZ_ERR_PEER;
	(*extra)++;
	return SZ_OK;
}

bool
sz_recon_riblt_wanted(const sz_sync *s, const uint8_t id[32])
{
	uint8_t sym[SZ_RIBLT_ID_SYMBOL_BYTES];
	(void)id_symbol(s, id, sym);
	return bsearch(sym, s->want_pfx, s->nwant_pfx, 20, cmp_pfx) != NULL;
}

void
sz_recon_riblt_free(sz_sync *s)
{
	riblt_free(s);
	free(s->want_pfx);
	s->want_pfx = NULL;
	free(s->want_w);
	free(s->want_w_extra);
	s->want_w = NULL;
	s->want_w_extra = NULL;
	s->nwant_w = 0;
	sz_wipe(s->tagkey, sizeof s->tagkey);
	sz_wipe(s->hashkey, sizeof s->hashkey);
}
