/*
 * bundle.c - courier bundles (see bundle.h, docs/PROTOCOL.md §9).
 * Layer: sync.  Every byte of a bundle is either a random salt or AEAD output, so without a
 * recipient secret the file is indistinguishable from random bytes of its size.
 */
#include "sync/bundle.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "lib/bytes.h"

#define CHUNK_PT (SZ_BUNDLE_CHUNK - SZ_AEAD_TAG_BYTES)
/* Every chunk's plaintext starts with this header (PROTOCOL.md §9):
 * flags u8 || kind u8 || count u32 || before u64 || created_ms u64 || chunks u32 || total u64 */
#define CHUNK_HDR 34

enum { F_FIRST = 0x01, F_LAST = 0x02, F_FILLER = 0x04, F_END = 0x08 };

static const uint8_t slot_info_v2[] = "samizdat bundle slot v2";
static const uint8_t slot_info_v1[] = "samizdat bundle slot v1";

struct sz_bundle_writer {
	sz_bundle_io io;
	const sz_env *env;
	uint8_t salt[SZ_BUNDLE_SALT_BYTES];
	uint8_t *file_key;          /* 32 bytes, guarded */
	uint8_t slots[SZ_BUNDLE_SLOTS][SZ_BUNDLE_SLOT_BYTES];
	size_t nslots;
	uint8_t *chunk;             /* CHUNK_PT plaintext being filled, then sealed in place */
	size_t used;
	uint32_t count;
	uint64_t before;            /* items in the chunks already written */
	uint32_t index;             /* chunks written */
	int kind;
	uint64_t created_ms;
	uint64_t bytes;
	int header_out;
	int failed;
};

static void
chunk_nonce(uint8_t nonce[24], uint32_t index)
{
	memset(nonce, 0, 24);
	memcpy(nonce, "szbundle", 8);
	sz_store_u64(nonce + 8, index);
}

static void
slot_nonce(uint8_t nonce[24], size_t i)
{
	memset(nonce, 0, 24);
	memcpy(nonce, "szbslot", 7);
	nonce[23] = (uint8_t)i;
}

/* The key that seals the file key in a slot: HKDF-SHA256(ikm = secret, salt = file salt), with
 * the format's version in the info (v1 only to recognize an old bundle and refuse it). */
static int
slot_key_v(uint8_t key[32], const uint8_t secret[32], const uint8_t salt[SZ_BUNDLE_SALT_BYTES],
    const uint8_t *info, size_t infolen)
{
	return sz_hkdf(SZ_HASH_SHA256, key, 32, salt, SZ_BUNDLE_SALT_BYTES, secret, 32, info, infolen);
}

static int
slot_key(uint8_t key[32], const uint8_t secret[32], const uint8_t salt[SZ_BUNDLE_SALT_BYTES])
{
	return slot_key_v(key, secret, salt, slot_info_v2, sizeof slot_info_v2 - 1);
}

static int
make_slot(sz_bundle_writer *w, const uint8_t secret[32])
{
	uint8_t key[32], nonce[24];
	int r;
	if (w->nslots == SZ_BUNDLE_SLOTS)
		return SZ_ERR_LIMIT;
	if ((r = slot_key(key, secret, w->salt)) != SZ_OK)
		goto out;
	slot_nonce(nonce, w->nslots);
	r = sz_xaead_encrypt(w->slots[w->nslots], w->file_key, 32, w->salt, sizeof w->salt, nonce, key);
	if (r == SZ_OK)
		w->nslots++;
out:
	sz_wipe(key, sizeof key);
	return r;
}

int
sz_bundle_writer_new(sz_bundle_writer **out, const sz_bundle_io *io, int kind,
    const uint8_t (*recipients)[32], size_t nrecipients, const sz_env *env, uint64_t created_ms)
{
	sz_bundle_writer *w;
	int r = SZ_ERR_NOMEM;
	*out = NULL;
	if (kind < SZ_BUNDLE_ENVELOPES || kind > SZ_BUNDLE_JOIN_ANSWER || nrecipients > SZ_BUNDLE_SLOTS)
		return SZ_ERR_INVALID;
	if ((w = calloc(1, sizeof *w)) == NULL)
		return SZ_ERR_NOMEM;
	w->io = *io;
	w->env = env;
	w->kind = kind;
	w->created_ms = created_ms;
	if ((w->file_key = sz_secret_alloc(32)) == NULL || (w->chunk = sz_secret_alloc(CHUNK_PT)) == NULL)
		goto fail;
	sz_random(env, w->salt, sizeof w->salt);
	sz_random(env, w->file_key, 32);
	for (size_t i = 0; i < nrecipients; i++)
		if ((r = make_slot(w, recipients[i])) != SZ_OK)
			goto fail;
	w->used = CHUNK_HDR;
	*out = w;
	return SZ_OK;
fail:
	sz_bundle_writer_free(w);
	return r;
}

void
sz_bundle_writer_salt(const sz_bundle_writer *w, uint8_t salt[static SZ_BUNDLE_SALT_BYTES])
{
	memcpy(salt, w->salt, SZ_BUNDLE_SALT_BYTES);
}

int
sz_bundle_writer_add_recipient(sz_bundle_writer *w, const uint8_t secret[static 32])
{
	if (w->header_out || w->failed)
		return SZ_ERR_STATE;
	return make_slot(w, secret);
}

uint64_t
sz_bundle_writer_bytes(const sz_bundle_writer *w)
{
	return w->bytes;
}

static int
emit(sz_bundle_writer *w, const uint8_t *p, size_t n)
{
	int r = w->io.write(w->io.ctx, p, n);
	if (r != SZ_OK)
		return r < 0 ? r : SZ_ERR_IO;
	w->bytes += n;
	return SZ_OK;
}

static int
write_header(sz_bundle_writer *w)
{
	int r;
	if (w->header_out)
		return SZ_OK;
	if (w->nslots == 0)
		return SZ_ERR_INVALID; /* a bundle nobody can open helps nobody */
	/* Unused slots are random bytes, indistinguishable from sealed ones. */
	for (size_t i = w->nslots; i < SZ_BUNDLE_SLOTS; i++)
		sz_random(w->env, w->slots[i], SZ_BUNDLE_SLOT_BYTES);
	if ((r = emit(w, w->salt, sizeof w->salt)) != SZ_OK ||
	    (r = emit(w, &w->slots[0][0], sizeof w->slots)) != SZ_OK)
		return r;
	w->header_out = 1;
	return SZ_OK;
}

/* Seal the current chunk with flags and write it; start the next one.  total is the number of
 * items in the bundle (known from the last data chunk on), chunks the file's chunk count (in the
 * end chunk only). */
static int
flush_chunk(sz_bundle_writer *w, uint8_t flags, uint64_t total, uint32_t chunks)
{
	uint8_t nonce[24];
	int r;
	if (w->index >= SZ_BUNDLE_MAX_CHUNKS)
		return SZ_ERR_TOO_LARGE;
	if ((r = write_header(w)) != SZ_OK)
		return r;
	if (w->index == 0)
		flags |= F_FIRST;
	w->chunk[0] = flags;
	w->chunk[1] = (uint8_t)w->kind;
	sz_store_u32(w->chunk + 2, w->count);
	sz_store_u64(w->chunk + 6, w->before);
	sz_store_u64(w->chunk + 14, w->created_ms);
	sz_store_u32(w->chunk + 22, (flags & F_END) ? chunks : 0);
	sz_store_u64(w->chunk + 26, (flags & (F_LAST | F_FILLER | F_END)) ? total : 0);
	memset(w->chunk + w->used, 0, CHUNK_PT - w->used);
	uint8_t *ct = malloc(SZ_BUNDLE_CHUNK);
	if (ct == NULL)
		return SZ_ERR_NOMEM;
	chunk_nonce(nonce, w->index);
	r = sz_xaead_encrypt(ct, w->chunk, CHUNK_PT, w->salt, sizeof w->salt, nonce, w->file_key);
	if (r == SZ_OK)
		r = emit(w, ct, SZ_BUNDLE_CHUNK);
	free(ct);
	if (r != SZ_OK)
		return r;
	w->index++;
	w->before += w->count;
	w->used = CHUNK_HDR;
	w->count = 0;
	return SZ_OK;
}

int
sz_bundle_writer_add(sz_bundle_writer *w, const uint8_t *item, size_t len)
{
	int r;
	if (w->failed)
		return SZ_ERR_STATE;
	if (len == 0 || len > SZ_BUNDLE_MAX_ITEM)
		return SZ_ERR_INVALID;
	if (w->used + 4 + len > CHUNK_PT && (r = flush_chunk(w, 0, 0, 0)) != SZ_OK) {
		w->failed = 1;
		return r;
	}
	sz_store_u32(w->chunk + w->used, (uint32_t)len);
	memcpy(w->chunk + w->used + 4, item, len);
	w->used += 4 + len;
	w->count++;
	return SZ_OK;
}

int
sz_bundle_writer_finish(sz_bundle_writer *w)
{
	int r;
	if (w->failed)
		return SZ_ERR_STATE;
	w->failed = 1; /* whatever happens, no more writing */
	/* The file has a power of two chunks; the last of them says so (END), so that a file cut at
	 * a chunk boundary, or with anything after its end, is found out. */
	uint64_t total = w->before + w->count;
	uint32_t target = 1;
	while (target < w->index + 1)
		target <<= 1;
	if (target > SZ_BUNDLE_MAX_CHUNKS)
		return SZ_ERR_TOO_LARGE;
	if ((r = flush_chunk(w, F_LAST | (w->index + 1 == target ? F_END : 0), total, target)) != SZ_OK)
		return r;
	/* Pad with filler that looks like data. */
	while (w->index < target) {
		w->used = CHUNK_HDR;
		w->count = 0;
		if ((r = flush_chunk(w, F_FILLER | (w->index + 1 == target ? F_END : 0), total,
		    target)) != SZ_OK)
			return r;
	}
	return SZ_OK;
}

void
sz_bundle_writer_free(sz_bundle_writer *w)
{
	if (w == NULL)
		return;
	sz_secret_free(w->file_key);
	sz_secret_free(w->chunk);
	sz_wipe(w, sizeof *w);
	free(w);
}

int
sz_bundle_passphrase_secret(uint8_t secret[static 32], const char *pass, size_t passlen,
    const uint8_t salt[static SZ_BUNDLE_SALT_BYTES])
{
	/* Argon2id's salt is 16 bytes: use the first half of the bundle's salt. */
	return sz_argon2id(secret, 32, pass, passlen, salt, crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE);
}

/* Read exactly n bytes unless the stream ends; returns bytes read or <0. */
static long
read_full(const sz_bundle_io *io, uint8_t *p, size_t n)
{
	size_t got = 0;
	while (got < n) {
		long k = io->read(io->ctx, p + got, n - got);
		if (k < 0)
			return k;
		if (k == 0)
			break;
		got += (size_t)k;
	}
	return (long)got;
}

/* Try every candidate on every slot; the first that opens gives the file key.  A slot that opens
 * under the version 1 derivation is an old bundle: SZ_ERR_UNSUPPORTED. */
static int
open_slots(const uint8_t *hdr, const uint8_t (*cands)[32], size_t n, uint8_t *file_key, int *which)
{
	uint8_t key[32], nonce[24];
	int r = SZ_ERR_DECRYPT;
	for (int v = 2; v >= 1 && r == SZ_ERR_DECRYPT; v--) {
		for (size_t c = 0; c < n && r == SZ_ERR_DECRYPT; c++) {
			if (slot_key_v(key, cands[c], hdr, v == 2 ? slot_info_v2 : slot_info_v1,
			    (v == 2 ? sizeof slot_info_v2 : sizeof slot_info_v1) - 1) != SZ_OK)
				continue;
			for (size_t s = 0; s < SZ_BUNDLE_SLOTS; s++) {
				slot_nonce(nonce, s);
				if (sz_xaead_decrypt(file_key, hdr + SZ_BUNDLE_SALT_BYTES +
				    s * SZ_BUNDLE_SLOT_BYTES, SZ_BUNDLE_SLOT_BYTES, hdr, SZ_BUNDLE_SALT_BYTES,
				    nonce, key) == SZ_OK) {
					*which = (int)c;
					r = v == 2 ? SZ_OK : SZ_ERR_UNSUPPORTED;
					break;
				}
			}
		}
	}
	sz_wipe(key, sizeof key);
	if (r != SZ_OK)
		sz_wipe(file_key, 32);
	return r;
}

/* A chunk's header, as parse_chunk found it. */
typedef struct chunk_hdr {
	uint8_t flags, kind;
	uint32_t count, chunks;
	uint64_t before, created_ms, total;
	size_t items_at;
} chunk_hdr;

static int
is_pow2(uint32_t x)
{
	return x != 0 && (x & (x - 1)) == 0;
}

/* Check a decrypted chunk's header and framing completely before handing out any item. */
static int
parse_chunk(const uint8_t *pt, uint32_t index, chunk_hdr *h)
{
	h->flags = pt[0];
	h->kind = pt[1];
	h->count = sz_load_u32(pt + 2);
	h->before = sz_load_u64(pt + 6);
	h->created_ms = sz_load_u64(pt + 14);
	h->chunks = sz_load_u32(pt + 22);
	h->total = sz_load_u64(pt + 26);
	h->items_at = CHUNK_HDR;
	uint8_t f = h->flags;
	if ((f & ~(F_FIRST | F_LAST | F_FILLER | F_END)) || ((f & F_FIRST) != 0) != (index == 0) ||
	    h->kind < SZ_BUNDLE_ENVELOPES || h->kind > SZ_BUNDLE_JOIN_ANSWER)
		return SZ_ERR_MALFORMED;
	if ((f & F_LAST) && (f & F_FILLER))
		return SZ_ERR_MALFORMED;
	/* The end chunk says how many chunks the file has: its own position + 1, a power of two. */
	if ((f & F_END) ? (!(f & (F_LAST | F_FILLER)) || h->chunks != index + 1 || !is_pow2(h->chunks))
	    : h->chunks != 0)
		return SZ_ERR_MALFORMED;
	/* The total is known from the last data chunk on; fillers carry no items. */
	if ((f & F_FILLER) && (h->count != 0 || (f & F_FIRST) || h->before != h->total))
		return SZ_ERR_MALFORMED;
	if ((f & F_LAST) && (h->before > UINT64_MAX - h->count || h->total != h->before + h->count))
		return SZ_ERR_MALFORMED;
	if (!(f & (F_LAST | F_FILLER)) && h->total != 0)
		return SZ_ERR_MALFORMED;
	if ((f & F_FIRST) && h->before != 0)
		return SZ_ERR_MALFORMED;
	size_t off = CHUNK_HDR;
	for (uint32_t i = 0; i < h->count; i++) {
		if (CHUNK_PT - off < 4)
			return SZ_ERR_MALFORMED;
		uint32_t len = sz_load_u32(pt + off);
		if (len == 0 || len > SZ_BUNDLE_MAX_ITEM || len > CHUNK_PT - off - 4)
			return SZ_ERR_MALFORMED;
		off += 4 + len;
	}
	for (size_t i = off; i < CHUNK_PT; i++)
		if (pt[i] != 0)
			return SZ_ERR_NONCANONICAL;
	return SZ_OK;
}

/* What the chunks read so far say about the whole. */
typedef struct read_state {
	int have_first;         /* kind and created_ms are known (from the first intact chunk) */
	int last_seen, end_seen;
	int prev_ok;            /* the previous chunk was intact, so `next_before` is exact */
	uint64_t next_before;
} read_state;

/* Does an authentic chunk fit with those before it?  (Only a hostile writer makes one that does
 * not: it is then treated as damaged.) */
static int
fits(const read_state *st, const sz_bundle_report *rep, const chunk_hdr *h)
{
	if (st->have_first && (h->kind != rep->kind || h->created_ms != rep->created_ms))
		return 0;
	if (st->last_seen && !(h->flags & F_FILLER))
		return 0; /* data after the last data chunk */
	if (!st->last_seen && (h->flags & F_FILLER) && st->prev_ok)
		return 0; /* filler right after a data chunk that was not the last */
	if (rep->have_total && h->total != rep->items_expected)
		return 0;
	if (st->prev_ok ? h->before != st->next_before : h->before < rep->items)
		return 0;
	return 1;
}

int
sz_bundle_read(const sz_bundle_io *io, const uint8_t (*candidates)[32], size_t ncandidates,
    const char *passphrase, sz_bundle_item_fn fn, void *ctx, sz_bundle_report *rep)
{
	uint8_t hdr[SZ_BUNDLE_HEADER_BYTES], nonce[24], pass_secret[32];
	uint8_t *file_key = NULL, *ct = NULL, *pt = NULL;
	int r = SZ_ERR_NOMEM, which = -1;
	read_state st = { 0, 0, 0, 1, 0 };

	memset(rep, 0, sizeof *rep);
	memset(pass_secret, 0, sizeof pass_secret);
	rep->recipient = -1;
	long got = read_full(io, hdr, sizeof hdr);
	if (got < 0)
		return SZ_ERR_IO;
	if ((size_t)got < sizeof hdr)
		return SZ_ERR_TRUNCATED;
	if ((file_key = sz_secret_alloc(32)) == NULL || (pt = sz_secret_alloc(CHUNK_PT)) == NULL ||
	    (ct = malloc(SZ_BUNDLE_CHUNK)) == NULL)
		goto out;
	r = open_slots(hdr, candidates, ncandidates, file_key, &which);
	if (r == SZ_ERR_DECRYPT && passphrase != NULL) {
		if ((r = sz_bundle_passphrase_secret(pass_secret, passphrase, strlen(passphrase),
		    hdr)) != SZ_OK)
			goto out;
		if ((r = open_slots(hdr, (const uint8_t(*)[32])pass_secret, 1, file_key, &which)) ==
		    SZ_OK || r == SZ_ERR_UNSUPPORTED)
			which = (int)ncandidates;
	}
	if (r != SZ_OK) {
		if (r == SZ_ERR_UNSUPPORTED)
			rep->recipient = which;
		goto out;
	}
	rep->recipient = which;
	for (uint32_t index = 0;; index++) {
		if (st.end_seen) {
			/* Anything after the end chunk was not written with the bundle. */
			got = read_full(io, ct, 1);
			if (got < 0) {
				r = SZ_ERR_IO;
				goto out;
			}
			rep->trailing = got > 0;
			break;
		}
		got = read_full(io, ct, SZ_BUNDLE_CHUNK);
		if (got < 0) {
			r = SZ_ERR_IO;
			goto out;
		}
		if (got == 0)
			break;
		rep->chunks++;
		if ((size_t)got < SZ_BUNDLE_CHUNK) {
			rep->chunks_damaged++;
			break;
		}
		if (index >= SZ_BUNDLE_MAX_CHUNKS) {
			r = SZ_ERR_TOO_LARGE;
			goto out;
		}
		chunk_nonce(nonce, index);
		chunk_hdr h;
		if (sz_xaead_decrypt(pt, ct, SZ_BUNDLE_CHUNK, hdr, SZ_BUNDLE_SALT_BYTES, nonce,
		    file_key) != SZ_OK || parse_chunk(pt, index, &h) != SZ_OK || !fits(&st, rep, &h)) {
			rep->chunks_damaged++;
			st.prev_ok = 0;
			continue;
		}
		if (!st.have_first) {
			rep->kind = h.kind;
			rep->created_ms = h.created_ms;
			st.have_first = 1;
		}
		if (h.flags & (F_LAST | F_FILLER)) {
			/* The last data chunk, or a filler after a damaged one, gives the total. */
			st.last_seen = 1;
			rep->have_total = 1;
			rep->items_expected = h.total;
		}
		if (h.flags & F_END)
			st.end_seen = 1;
		st.prev_ok = 1;
		st.next_before = h.before + h.count;
		if (h.flags & F_FILLER)
			continue;
		rep->chunks_ok++;
		size_t off = h.items_at;
		for (uint32_t i = 0; i < h.count; i++) {
			uint32_t len = sz_load_u32(pt + off);
			int cr = fn(ctx, pt + off + 4, len);
			if (cr != 0) {
				r = cr;
				goto out;
			}
			rep->items++;
			off += 4 + len;
		}
	}
	rep->truncated = !st.end_seen;
	rep->complete = rep->have_total && rep->items == rep->items_expected;
	rep->intact = rep->complete && st.end_seen && !rep->trailing && rep->chunks_damaged == 0;
	r = SZ_OK;
out:
	sz_wipe(pass_secret, sizeof pass_secret);
	sz_secret_free(file_key);
	sz_secret_free(pt);
	free(ct);
	return r;
}
