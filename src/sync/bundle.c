/*
 * bundle.c - courier bundles (see bundle.h, docs/PROTOCOL.md §8).
 * Layer: sync.  Every byte of a bundle is either a random salt or AEAD output, so without a
 * recipient secret the file is indistinguishable from random bytes of its size.
 */
#include "sync/bundle.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "lib/bytes.h"

#define CHUNK_PT (SZ_BUNDLE_CHUNK - SZ_AEAD_TAG_BYTES)
#define CHUNK_HDR 5 /* flags u8 || count u32 */
#define FIRST_HDR 9 /* kind u8 || created u64, in the first chunk only */

enum { F_FIRST = 0x01, F_LAST = 0x02, F_FILLER = 0x04 };

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

/* The key that seals the file key in a slot: HKDF-SHA256(ikm = secret, salt = file salt). */
static int
slot_key(uint8_t key[32], const uint8_t secret[32], const uint8_t salt[SZ_BUNDLE_SALT_BYTES])
{
	static const uint8_t info[] = "samizdat bundle slot v1";
	return sz_hkdf(SZ_HASH_SHA256, key, 32, salt, SZ_BUNDLE_SALT_BYTES, secret, 32, info,
	    sizeof info - 1);
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
	w->used = CHUNK_HDR + FIRST_HDR;
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

/* Seal the current chunk with flags and write it; start the next one. */
static int
flush_chunk(sz_bundle_writer *w, uint8_t flags)
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
	sz_store_u32(w->chunk + 1, w->count);
	if (flags & F_FIRST) {
		w->chunk[CHUNK_HDR] = (uint8_t)w->kind;
		sz_store_u64(w->chunk + CHUNK_HDR + 1, w->created_ms);
	}
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
	if (w->used + 4 + len > CHUNK_PT && (r = flush_chunk(w, 0)) != SZ_OK) {
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
	if ((r = flush_chunk(w, F_LAST)) != SZ_OK)
		return r;
	/* Pad to a power of two chunks with filler that looks like data. */
	uint32_t target = 1;
	while (target < w->index)
		target <<= 1;
	while (w->index < target) {
		w->used = CHUNK_HDR;
		w->count = 0;
		if ((r = flush_chunk(w, F_FILLER)) != SZ_OK)
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

/* Try every candidate on every slot; the first that opens gives the file key. */
static int
open_slots(const uint8_t *hdr, const uint8_t (*cands)[32], size_t n, uint8_t *file_key, int *which)
{
	uint8_t key[32], nonce[24];
	for (size_t c = 0; c < n; c++) {
		if (slot_key(key, cands[c], hdr) != SZ_OK)
			continue;
		for (size_t s = 0; s < SZ_BUNDLE_SLOTS; s++) {
			slot_nonce(nonce, s);
			if (sz_xaead_decrypt(file_key, hdr + SZ_BUNDLE_SALT_BYTES + s * SZ_BUNDLE_SLOT_BYTES,
			    SZ_BUNDLE_SLOT_BYTES, hdr, SZ_BUNDLE_SALT_BYTES, nonce, key) == SZ_OK) {
				*which = (int)c;
				sz_wipe(key, sizeof key);
				return SZ_OK;
			}
		}
	}
	sz_wipe(key, sizeof key);
	return SZ_ERR_DECRYPT;
}

/* Check a decrypted chunk's framing completely before handing out any item. */
static int
parse_chunk(const uint8_t *pt, int first, uint8_t *flags, uint32_t *count, size_t *items_at)
{
	*flags = pt[0];
	*count = sz_load_u32(pt + 1);
	if (((*flags & F_FIRST) != 0) != (first != 0) || (*flags & ~(F_FIRST | F_LAST | F_FILLER)))
		return SZ_ERR_MALFORMED;
	size_t off = CHUNK_HDR + (first ? FIRST_HDR : 0);
	*items_at = off;
	for (uint32_t i = 0; i < *count; i++) {
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

int
sz_bundle_read(const sz_bundle_io *io, const uint8_t (*candidates)[32], size_t ncandidates,
    const char *passphrase, sz_bundle_item_fn fn, void *ctx, sz_bundle_report *rep)
{
	uint8_t hdr[SZ_BUNDLE_HEADER_BYTES], nonce[24], pass_secret[32];
	uint8_t *file_key = NULL, *ct = NULL, *pt = NULL;
	int r = SZ_ERR_NOMEM, which = -1;

	memset(rep, 0, sizeof *rep);
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
	if (r != SZ_OK && passphrase != NULL) {
		if ((r = sz_bundle_passphrase_secret(pass_secret, passphrase, strlen(passphrase),
		    hdr)) != SZ_OK)
			goto out;
		if ((r = open_slots(hdr, (const uint8_t(*)[32])pass_secret, 1, file_key, &which)) == SZ_OK)
			which = (int)ncandidates;
	}
	if (r != SZ_OK)
		goto out;
	rep->recipient = which;
	for (uint32_t index = 0;; index++) {
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
			rep->truncated = 1;
			break;
		}
		if (index >= SZ_BUNDLE_MAX_CHUNKS) {
			r = SZ_ERR_TOO_LARGE;
			goto out;
		}
		chunk_nonce(nonce, index);
		uint8_t flags;
		uint32_t count;
		size_t off;
		if (sz_xaead_decrypt(pt, ct, SZ_BUNDLE_CHUNK, hdr, SZ_BUNDLE_SALT_BYTES, nonce,
		    file_key) != SZ_OK || parse_chunk(pt, index == 0, &flags, &count, &off) != SZ_OK) {
			rep->chunks_damaged++;
			continue;
		}
		if (flags & F_FILLER)
			continue;
		if (index == 0) {
			rep->kind = pt[CHUNK_HDR];
			rep->created_ms = sz_load_u64(pt + CHUNK_HDR + 1);
		}
		rep->chunks_ok++;
		for (uint32_t i = 0; i < count; i++) {
			uint32_t len = sz_load_u32(pt + off);
			int cr = fn(ctx, pt + off + 4, len);
			if (cr != 0) {
				r = cr;
				goto out;
			}
			rep->items++;
			off += 4 + len;
		}
		if (flags & F_LAST)
			rep->complete = 1;
	}
	/* A whole bundle has a power-of-two number of chunks; fewer means it was cut. */
	if (rep->chunks == 0 || (rep->chunks & (rep->chunks - 1)) != 0)
		rep->truncated = 1;
	r = SZ_OK;
out:
	sz_wipe(pass_secret, sizeof pass_secret);
	sz_secret_free(file_key);
	sz_secret_free(pt);
	free(ct);
	return r;
}
