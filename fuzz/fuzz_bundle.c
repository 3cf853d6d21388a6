/*
 * fuzz_bundle.c - libFuzzer target for the bundle reader.  The input is used twice: as a raw file
 * (header and truncation paths), and as the plaintext of chunks that the harness seals with a known
 * key, so the fuzzer reaches the chunk parser behind the AEAD.  Includes bundle.c for its statics.
 */
#include "../src/sync/bundle.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct fz_mem {
	const uint8_t *p;
	size_t len, pos;
} fz_mem;

static long
fz_read(void *ctx, uint8_t *p, size_t n)
{
	fz_mem *m = ctx;
	size_t k = m->len - m->pos < n ? m->len - m->pos : n;
	memcpy(p, m->p + m->pos, k);
	m->pos += k;
	return (long)k;
}

static int
fz_item(void *ctx, const uint8_t *item, size_t len)
{
	(void)ctx;
	if (len == 0 || len > SZ_BUNDLE_MAX_ITEM)
		abort();
	volatile uint8_t x = item[0] ^ item[len - 1]; /* touch both ends: ASan checks the bounds */
	(void)x;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t key[32] = { 7 };
	static int ready;
	if (!ready) {
		if (sz_init() != SZ_OK)
			abort();
		ready = 1;
	}
	sz_bundle_report rep;
	fz_mem raw = { data, size, 0 };
	sz_bundle_io io = { NULL, fz_read, &raw };
	(void)!sz_bundle_read(&io, (const uint8_t(*)[32])key, 1, NULL, fz_item, NULL, &rep);

	/* Sealed: header with one slot for key, then chunks whose plaintext is the input. */
	size_t nchunks = size == 0 ? 1 : 1 + data[0] % 3;
	size_t total = SZ_BUNDLE_HEADER_BYTES + nchunks * SZ_BUNDLE_CHUNK;
	uint8_t *file = calloc(1, total), *pt = calloc(1, CHUNK_PT), fkey[32] = { 9 }, sk[32], nonce[24];
	if (file == NULL || pt == NULL)
		abort();
	memset(file, 0x55, SZ_BUNDLE_SALT_BYTES);
	if (slot_key(sk, key, file) != SZ_OK)
		abort();
	slot_nonce(nonce, 0);
	if (sz_xaead_encrypt(file + SZ_BUNDLE_SALT_BYTES, fkey, 32, file, SZ_BUNDLE_SALT_BYTES, nonce,
	    sk) != SZ_OK)
		abort();
	const uint8_t *in = size ? data + 1 : data;
	size_t left = size ? size - 1 : 0, per = (left + nchunks - 1) / (nchunks ? nchunks : 1);
	for (size_t c = 0; c < nchunks; c++) {
		memset(pt, 0, CHUNK_PT);
		size_t take = left < per ? left : per;
		if (take > CHUNK_PT)
			take = CHUNK_PT;
		memcpy(pt, in, take);
		in += take;
		left -= take;
		chunk_nonce(nonce, (uint32_t)c);
		if (sz_xaead_encrypt(file + SZ_BUNDLE_HEADER_BYTES + c * SZ_BUNDLE_CHUNK, pt, CHUNK_PT, file,
		    SZ_BUNDLE_SALT_BYTES, nonce, fkey) != SZ_OK)
			abort();
	}
	fz_mem sealed = { file, total, 0 };
	io.ctx = &sealed;
	(void)!sz_bundle_read(&io, (const uint8_t(*)[32])key, 1, NULL, fz_item, NULL, &rep);
	free(file);
	free(pt);
	return 0;
}
