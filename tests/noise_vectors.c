/*
 * noise_vectors.c - `noise_vectors FILE`: run the Noise test vectors of a cacophony/snow JSON
 * file (tests/vectors/cacophony.txt) against src/crypto/noise.c.  Standalone test program.
 * Every vector whose protocol this implementation speaks is run as initiator and responder:
 * each handshake message and transport message must equal the file's ciphertext, each read must
 * give back the payload, and both sides must reach the file's handshake hash.  Prints
 * "N passed, N failed, N skipped (unsupported)" and exits 1 on any failure or if none passed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "samizdat.h"
#include "crypto/noise.h"
#include "lib/bytes.h"
#include "lib/env.h"
#include "lib/json.h"

#define MAX_FILE ((size_t)64 << 20)
#define MAX_MESSAGES 64

/* A hex string member of v, decoded into *out (malloc()ed; caller frees) with its length.
 * A missing member gives *out = NULL and SZ_OK; anything else not hex is malformed. */
static int
hex_member(const sz_json_val *v, const char *key, uint8_t **out, size_t *n)
{
	const sz_json_val *m = sz_json_get(v, key);
	size_t slen;
	*out = NULL;
	*n = 0;
	if (m == NULL)
		return SZ_OK;
	const char *s = sz_json_str(m, &slen);
	if (s == NULL || strlen(s) != slen || slen > 2 * (size_t)SZ_NOISE_MAX_MSG)
		return SZ_ERR_MALFORMED;
	return sz_hex_decode_alloc(s, out, n);
}

/* The psks of one side: an array of 32-byte hex strings, concatenated into *out. */
static int
psk_member(const sz_json_val *v, const char *key, uint8_t **out, size_t *npsk)
{
	const sz_json_val *a = sz_json_get(v, key);
	*out = NULL;
	*npsk = 0;
	if (a == NULL)
		return SZ_OK;
	size_t n = sz_json_count(a);
	if (sz_json_type_of(a) != SZ_JSON_ARRAY || n > SZ_NOISE_MAX_PSKS)
		return SZ_ERR_MALFORMED;
	if ((*out = malloc(n * SZ_NOISE_KEY_BYTES + 1)) == NULL)
		return SZ_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		size_t slen;
		const char *s = sz_json_str(sz_json_at(a, i), &slen);
		if (s == NULL || sz_hex_decode(*out + i * SZ_NOISE_KEY_BYTES, SZ_NOISE_KEY_BYTES, s,
		    slen) != SZ_OK)
			return SZ_ERR_MALFORMED;
	}
	*npsk = n;
	return SZ_OK;
}

/* One side's keys from the vector ("init_" or "resp_" prefixed). */
typedef struct side {
	uint8_t *prologue, *s, *e, *rs, *psks;
	size_t prologue_len, slen, elen, rslen, npsks;
} side;

static void
side_free(side *sd)
{
	free(sd->prologue);
	free(sd->s);
	free(sd->e);
	free(sd->rs);
	free(sd->psks);
}

static int
side_load(const sz_json_val *v, const char *pfx, side *sd)
{
	char key[32];
	int r;
	memset(sd, 0, sizeof *sd);
#define MEMBER(name, p, n) \
	snprintf(key, sizeof key, "%s%s", pfx, name); \
	if ((r = hex_member(v, key, p, n)) != SZ_OK) \
		return r;
	MEMBER("prologue", &sd->prologue, &sd->prologue_len)
	MEMBER("static", &sd->s, &sd->slen)
	MEMBER("ephemeral", &sd->e, &sd->elen)
	MEMBER("remote_static", &sd->rs, &sd->rslen)
#undef MEMBER
	snprintf(key, sizeof key, "%spsks", pfx);
	if ((r = psk_member(v, key, &sd->psks, &sd->npsks)) != SZ_OK)
		return r;
	if ((sd->s && sd->slen != 32) || (sd->e && sd->elen != 32) || (sd->rs && sd->rslen != 32))
		return SZ_ERR_MALFORMED;
	return SZ_OK;
}

static int
side_start(const char *protocol, sz_noise_role role, const side *sd, const sz_env *env,
    sz_noise_hs **hs)
{
	sz_noise_config cfg = {
		.protocol = protocol, .role = role,
		.prologue = sd->prologue, .prologue_len = sd->prologue_len,
		.s = sd->s, .rs = sd->rs, .psks = sd->psks, .npsks = sd->npsks,
		.env = env, .fixed_e = sd->e,
	};
	return sz_noise_hs_new(hs, &cfg);
}

/* Run one vector.  Returns 0 passed, 1 failed, 2 unsupported; *why names a failure. */
static int
run_vector(const sz_json_val *v, const char **why)
{
	side si = { 0 }, sr = { 0 };
	sz_noise_hs *hi = NULL, *hr = NULL;
	sz_noise_cipher *is = NULL, *ir = NULL, *rsend = NULL, *rrecv = NULL;
	uint8_t *payload = NULL, *ct = NULL, *hash = NULL;
	size_t plen, ctlen, hashlen;
	static uint8_t out[SZ_NOISE_MAX_MSG], back[SZ_NOISE_MAX_MSG];
	sz_env_seeded env;
	int res = 1, r;

	*why = "malformed vector";
	sz_env_seeded_init(&env, 1, 0);
	const sz_json_val *name = sz_json_get(v, "protocol_name");
	const sz_json_val *msgs = sz_json_get(v, "messages");
	const char *protocol = name ? sz_json_str(name, NULL) : NULL;
	if (protocol == NULL || msgs == NULL || sz_json_type_of(msgs) != SZ_JSON_ARRAY ||
	    sz_json_count(msgs) > MAX_MESSAGES)
		goto out;
	/* Whether we speak the protocol at all, before its keys (448 keys are 56 bytes). */
	sz_noise_config probe = { .protocol = protocol, .role = SZ_NOISE_INITIATOR,
		.env = &env.env };
	if (sz_noise_hs_new(&hi, &probe) == SZ_ERR_UNSUPPORTED) {
		res = 2;
		goto out;
	}
	sz_noise_hs_free(hi);
	hi = NULL;
	if (side_load(v, "init_", &si) != SZ_OK || side_load(v, "resp_", &sr) != SZ_OK ||
	    hex_member(v, "handshake_hash", &hash, &hashlen) != SZ_OK)
		goto out;
	r = side_start(protocol, SZ_NOISE_INITIATOR, &si, &env.env, &hi);
	if (r != SZ_OK || side_start(protocol, SZ_NOISE_RESPONDER, &sr, &env.env, &hr) != 0) {
		*why = "the keys of the vector are refused";
		goto out;
	}
	bool one_way = false, split = false;
	for (size_t i = 0; i < sz_json_count(msgs); i++) {
		const sz_json_val *m = sz_json_at(msgs, i);
		free(payload);
		free(ct);
		payload = ct = NULL;
		if (hex_member(m, "payload", &payload, &plen) != SZ_OK || payload == NULL ||
		    hex_member(m, "ciphertext", &ct, &ctlen) != SZ_OK || ct == NULL)
			goto out;
		bool from_init = one_way || i % 2 == 0;
		size_t n = 0, pn = 0;
		if (!split) {
			sz_noise_hs *snd = from_init ? hi : hr, *rcv = from_init ? hr : hi;
			if (sz_noise_hs_write(snd, payload, plen, out, sizeof out, &n) != SZ_OK) {
				*why = "writing a handshake message failed";
				goto out;
			}
			if (n != ctlen || memcmp(out, ct, n) != 0) {
				*why = "a handshake message differs from the vector's ciphertext";
				goto out;
			}
			if (sz_noise_hs_read(rcv, ct, ctlen, back, sizeof back, &pn) != SZ_OK ||
			    pn != plen || memcmp(back, payload, pn) != 0) {
				*why = "reading a handshake message did not give its payload";
				goto out;
			}
			if (sz_noise_hs_is_complete(hi) != sz_noise_hs_is_complete(hr)) {
				*why = "one side completed the handshake before the other";
				goto out;
			}
			if (sz_noise_hs_is_complete(hi)) {
				uint8_t h1[SZ_NOISE_HASH_MAX], h2[SZ_NOISE_HASH_MAX];
				size_t l1, l2;
				if (sz_noise_hs_split(hi, &is, &ir) != SZ_OK ||
				    sz_noise_hs_split(hr, &rsend, &rrecv) != SZ_OK ||
				    sz_noise_hs_hash(hi, h1, &l1) != SZ_OK ||
				    sz_noise_hs_hash(hr, h2, &l2) != SZ_OK) {
					*why = "split failed";
					goto out;
				}
				if (hash != NULL && (l1 != hashlen || memcmp(h1, hash, l1) != 0 ||
				    l2 != hashlen || memcmp(h2, hash, l2) != 0)) {
					*why = "the handshake hash differs from the vector's";
					goto out;
				}
				one_way = ir == NULL;
				split = true;
			}
			continue;
		}
		sz_noise_cipher *enc = from_init ? is : rsend, *dec = from_init ? rrecv : ir;
		if (enc == NULL || dec == NULL) {
			*why = "a transport message in a direction the pattern does not have";
			goto out;
		}
		if (sz_noise_encrypt(enc, payload, plen, out, sizeof out, &n) != SZ_OK ||
		    n != ctlen || memcmp(out, ct, n) != 0) {
			*why = "a transport message differs from the vector's ciphertext";
			goto out;
		}
		if (sz_noise_decrypt(dec, ct, ctlen, back, sizeof back, &pn) != SZ_OK ||
		    pn != plen || memcmp(back, payload, pn) != 0) {
			*why = "decrypting a transport message did not give its payload";
			goto out;
		}
	}
	if (!split) {
		*why = "the vector ends before the handshake does";
		goto out;
	}
	res = 0;
out:
	side_free(&si);
	side_free(&sr);
	sz_noise_hs_free(hi);
	sz_noise_hs_free(hr);
	sz_noise_cipher_free(is);
	sz_noise_cipher_free(ir);
	sz_noise_cipher_free(rsend);
	sz_noise_cipher_free(rrecv);
	free(payload);
	free(ct);
	free(hash);
	return res;
}

/* Read a whole file of at most MAX_FILE bytes. */
static int
read_file(const char *path, char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	sz_buf b = { .max = MAX_FILE };
	char chunk[65536];
	size_t n;
	*out = NULL;
	*len = 0;
	if (f == NULL)
		return SZ_ERR_IO;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		sz_buf_append(&b, chunk, n);
	int bad = ferror(f);
	fclose(f);
	if (bad || b.err) {
		int r = bad ? SZ_ERR_IO : b.err;
		sz_buf_free(&b);
		return r;
	}
	*out = (char *)b.p;
	*len = b.len;
	return SZ_OK;
}

int
main(int argc, char **argv)
{
	char *text = NULL;
	size_t len = 0, err_off = 0;
	sz_json *doc = NULL;
	int r;

	if (argc != 2) {
		fprintf(stderr, "usage: noise_vectors FILE\n");
		return 2;
	}
	if (sz_init() != SZ_OK)
		return 1;
	if ((r = read_file(argv[1], &text, &len)) != SZ_OK) {
		fprintf(stderr, "noise_vectors: %s: %s\n", argv[1], sz_strerror(r));
		return 1;
	}
	if ((r = sz_json_parse(text, len, NULL, &doc, &err_off)) != SZ_OK) {
		fprintf(stderr, "noise_vectors: %s: byte %zu: %s\n", argv[1], err_off,
		    sz_strerror(r));
		free(text);
		return 1;
	}
	free(text);
	const sz_json_val *vecs = sz_json_get(sz_json_root(doc), "vectors");
	if (vecs == NULL || sz_json_type_of(vecs) != SZ_JSON_ARRAY) {
		fprintf(stderr, "noise_vectors: %s: no \"vectors\" array\n", argv[1]);
		sz_json_free(doc);
		return 1;
	}
	size_t passed = 0, failed = 0, skipped = 0;
	for (size_t i = 0; i < sz_json_count(vecs); i++) {
		const char *why = NULL;
		const sz_json_val *v = sz_json_at(vecs, i);
		int res = run_vector(v, &why);
		if (res == 0) {
			passed++;
		} else if (res == 2) {
			skipped++;
		} else {
			const sz_json_val *name = sz_json_get(v, "protocol_name");
			const char *s = name ? sz_json_str(name, NULL) : NULL;
			fprintf(stderr, "FAIL vector %zu %s: %s\n", i, s ? s : "(no name)", why);
			failed++;
		}
	}
	sz_json_free(doc);
	printf("%zu passed, %zu failed, %zu skipped (unsupported)\n", passed, failed, skipped);
	return failed > 0 || passed == 0 ? 1 : 0;
}
