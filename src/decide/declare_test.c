/*
 * declare_test.c - declarations and co-signatures (src/decide/declare.c): a mix of in-cell and
 * public signatures, de-duplication (by key and across modes through known identities), forged,
 * misattributed, misdirected and out-of-cell signatures rejected with their reasons, every bit of
 * a co-signature, and the outside verifier that sees only public signatures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "decide/declare.h"
#include "lib/bytes.h"

#define NP 6 /* persons 0..4 are members, 5 is not */

struct ent {
	uint8_t *buf;
	size_t len;
	sz_decide_entry de;
};

static struct {
	uint8_t cell[32], other_cell[32];
	uint8_t id_sk[NP][64], id_pk[NP][32];     /* identity keys */
	uint8_t cell_sk[NP][64], cell_pk[NP][32]; /* per-cell signing keys */
	sz_member_key members[NP - 1];
} F;

static void
ent_build(struct ent *x, uint8_t kind, uint64_t ts, const uint8_t *body, size_t blen,
    const uint8_t sk[64])
{
	uint8_t id[32];
	assert_int_equal(sz_entry_build(&x->buf, &x->len, id, kind, NULL, 0, ts, body, blen, sk),
	    SZ_OK);
	assert_int_equal(sz_decide_entry_decode(&x->de, x->buf, x->len), SZ_OK);
}

static void
ent_free(struct ent *x)
{
	free(x->buf);
	memset(x, 0, sizeof *x);
}

static int
setup(void **state)
{
	(void)state;
	if (sz_init() != SZ_OK)
		return -1;
	memset(F.cell, 0xce, 32);
	memset(F.other_cell, 0xcf, 32);
	for (int i = 0; i < NP; i++) {
		uint8_t seed[32];
		memset(seed, 0x10 + i, 32);
		if (sz_sign_seed_keypair(F.id_pk[i], F.id_sk[i], seed) != SZ_OK)
			return -1;
		memset(seed, 0x60 + i, 32);
		if (sz_sign_seed_keypair(F.cell_pk[i], F.cell_sk[i], seed) != SZ_OK)
			return -1;
	}
	for (int i = 0; i < NP - 1; i++) {
		memcpy(F.members[i].cell_key, F.cell_pk[i], 32);
		memcpy(F.members[i].identity, F.id_pk[i], 32);
		F.members[i].has_identity = i != 3; /* nobody here can link person 3 */
	}
	return 0;
}

static void
declaration(struct ent *x, sz_declaration *d, uint8_t flags, const char *title)
{
	uint8_t *body;
	size_t len;
	assert_int_equal(sz_declaration_encode(&body, &len, flags, title,
	    "We, the undersigned, demand the release of our colleagues.\n\tSigned in the cell."),
	    SZ_OK);
	ent_build(x, SZ_KIND_DECLARATION, 1700000000000ull, body, len, F.cell_sk[0]);
	free(body);
	assert_int_equal(sz_declaration_from_entry(d, &x->de), SZ_OK);
}

/* A COSIGN entry by person p in mode, authored by the signing key. */
static void
cosign(struct ent *x, const sz_declaration *d, int p, uint8_t mode, const uint8_t *cell,
    uint64_t ts)
{
	uint8_t body[SZ_COSIGN_BYTES];
	const uint8_t *sk = mode == SZ_COSIGN_PUBLIC ? F.id_sk[p] : F.cell_sk[p];
	assert_int_equal(sz_cosign_make(body, mode, cell, d, sk), SZ_OK);
	ent_build(x, SZ_KIND_COSIGN, ts, body, sizeof body, sk);
}

static const sz_signer *
find(const sz_cosign_result *res, const uint8_t key[32])
{
	for (size_t i = 0; i < res->count; i++)
		if (memcmp(res->signers[i].key, key, 32) == 0)
			return &res->signers[i];
	return NULL;
}

static void
test_codec(void **state)
{
	(void)state;
	struct ent x;
	sz_declaration d;
	uint8_t *body;
	size_t len;

	declaration(&x, &d, SZ_DECL_PUBLIC, "Open letter");
	assert_int_equal(d.flags, SZ_DECL_PUBLIC);
	assert_int_equal(d.title_len, 11);
	assert_memory_equal(d.title, "Open letter", 11);
	uint8_t h[32];
	assert_int_equal(sz_blake2b(h, 32, x.de.e.body, x.de.e.body_len, NULL, 0), SZ_OK);
	assert_memory_equal(h, d.text_hash, 32);
	/* Unknown flags, a title with a line feed, an empty text. */
	assert_int_equal(sz_declaration_encode(&body, &len, 0x02, "t", "x"), SZ_ERR_INVALID);
	assert_int_equal(sz_declaration_encode(&body, &len, 0, "two\nlines", "x"), SZ_ERR_INVALID);
	assert_int_equal(sz_declaration_encode(&body, &len, 0, "t", ""), SZ_ERR_INVALID);
	uint8_t *b = malloc(x.de.e.body_len + 1);
	memcpy(b, x.de.e.body, x.de.e.body_len);
	b[1] = 0x03;
	assert_int_equal(sz_declaration_decode(&d, b, x.de.e.body_len), SZ_ERR_MALFORMED);
	b[1] = 0x01;
	b[x.de.e.body_len] = 0;
	assert_int_equal(sz_declaration_decode(&d, b, x.de.e.body_len + 1), SZ_ERR_MALFORMED);
	b[0] = 9;
	assert_int_equal(sz_declaration_decode(&d, b, x.de.e.body_len), SZ_ERR_UNSUPPORTED);
	free(b);
	/* Co-signature bodies: exact length, known modes. */
	sz_cosign cs;
	uint8_t cb[SZ_COSIGN_BYTES + 1] = { SZ_DECIDE_VERSION, 3 };
	assert_int_equal(sz_cosign_decode(&cs, cb, SZ_COSIGN_BYTES), SZ_ERR_MALFORMED);
	cb[1] = SZ_COSIGN_PUBLIC;
	assert_int_equal(sz_cosign_decode(&cs, cb, SZ_COSIGN_BYTES), SZ_OK);
	assert_int_equal(sz_cosign_decode(&cs, cb, SZ_COSIGN_BYTES + 1), SZ_ERR_MALFORMED);
	assert_int_equal(sz_cosign_decode(&cs, cb, SZ_COSIGN_BYTES - 1), SZ_ERR_TRUNCATED);
	ent_free(&x);
}

/* The two-step form (a key held elsewhere signs the message) gives the same bytes as
 * sz_cosign_make, and the verifier accepts it; a wrong signature, a signature by another key or
 * over another declaration is refused; a public one on a cell-local declaration too. */
static void
test_two_step(void **state)
{
	(void)state;
	struct ent x, y, c;
	sz_declaration d, e;
	uint8_t one[SZ_COSIGN_BYTES], two[SZ_COSIGN_BYTES], sig[64], v;
	sz_buf m = { 0 };

	declaration(&x, &d, SZ_DECL_PUBLIC, "Open letter");
	declaration(&y, &e, 0, "Kept in the cell");
	for (int mode = SZ_COSIGN_IN_CELL; mode <= SZ_COSIGN_PUBLIC; mode++) {
		const uint8_t *sk = mode == SZ_COSIGN_PUBLIC ? F.id_sk[2] : F.cell_sk[2];
		assert_int_equal(sz_cosign_make(one, (uint8_t)mode, F.cell, &d, sk), SZ_OK);
		m.len = 0;
		assert_int_equal(sz_cosign_message(&m, (uint8_t)mode, F.cell, &d), SZ_OK);
		assert_int_equal(sz_sign(sig, m.p, m.len, sk), SZ_OK);
		assert_int_equal(sz_cosign_assemble(two, (uint8_t)mode, F.cell, &d, sk + 32, sig), SZ_OK);
		assert_memory_equal(one, two, SZ_COSIGN_BYTES); /* Ed25519 is deterministic */
		ent_build(&c, SZ_KIND_COSIGN, 1700000000100ull, two, sizeof two, sk);
		sz_cosign_result res;
		assert_int_equal(sz_declaration_verify(&res, &v, F.cell, &x.de, &c.de, 1, F.members,
		    NP - 1), SZ_OK);
		assert_int_equal(v, SZ_VERDICT_OK);
		assert_int_equal(res.count, 1);
		sz_cosign_result_free(&res);
		ent_free(&c);
		/* tampered: a flipped bit of the signature, another signer, another declaration */
		sig[5] ^= 0x40;
		assert_int_equal(sz_cosign_assemble(two, (uint8_t)mode, F.cell, &d, sk + 32, sig),
		    SZ_ERR_BAD_SIGNATURE);
		assert_true(sodium_is_zero(two, sizeof two));
		sig[5] ^= 0x40;
		assert_int_equal(sz_cosign_assemble(two, (uint8_t)mode, F.cell, &d, F.id_pk[4], sig),
		    SZ_ERR_BAD_SIGNATURE);
		sz_declaration d2 = d;
		d2.id[0] ^= 1;
		assert_int_equal(sz_cosign_assemble(two, (uint8_t)mode, F.cell, &d2, sk + 32, sig),
		    SZ_ERR_BAD_SIGNATURE);
	}
	/* in-cell on another cell's id does not verify */
	m.len = 0;
	assert_int_equal(sz_cosign_message(&m, SZ_COSIGN_IN_CELL, F.cell, &d), SZ_OK);
	assert_int_equal(sz_sign(sig, m.p, m.len, F.cell_sk[1]), SZ_OK);
	assert_int_equal(sz_cosign_assemble(two, SZ_COSIGN_IN_CELL, F.other_cell, &d, F.cell_pk[1],
	    sig), SZ_ERR_BAD_SIGNATURE);
	/* refusals before any signing */
	m.len = 0;
	assert_int_equal(sz_cosign_message(&m, SZ_COSIGN_PUBLIC, NULL, &e), SZ_ERR_DENIED);
	assert_int_equal(sz_cosign_message(&m, SZ_COSIGN_IN_CELL, NULL, &d), SZ_ERR_INVALID);
	assert_int_equal(sz_cosign_message(&m, 3, F.cell, &d), SZ_ERR_INVALID);
	assert_int_equal(sz_cosign_assemble(two, SZ_COSIGN_PUBLIC, NULL, &e, F.id_pk[1], sig),
	    SZ_ERR_DENIED);
	sz_buf_free(&m);
	ent_free(&x);
	ent_free(&y);
}

static void
test_mixed_signatures(void **state)
{
	(void)state;
	struct ent dx, ox, c[12];
	sz_declaration d, other;
	sz_cosign_result res;
	uint8_t v[12], v2[12];
	size_t n = 0;

	declaration(&dx, &d, SZ_DECL_PUBLIC, "Open letter");
	declaration(&ox, &other, SZ_DECL_PUBLIC, "Another letter");
	cosign(&c[n++], &d, 0, SZ_COSIGN_IN_CELL, F.cell, 1);         /* 0: counted */
	cosign(&c[n++], &d, 1, SZ_COSIGN_PUBLIC, NULL, 2);            /* 1: counted */
	cosign(&c[n++], &d, 2, SZ_COSIGN_IN_CELL, F.cell, 3);         /* 2: counted... */
	cosign(&c[n++], &d, 2, SZ_COSIGN_PUBLIC, NULL, 4);            /* ...once */
	cosign(&c[n++], &d, 3, SZ_COSIGN_IN_CELL, F.cell, 5);         /* 3: counted... */
	cosign(&c[n++], &d, 3, SZ_COSIGN_IN_CELL, F.cell, 6);         /* ...once */
	cosign(&c[n++], &d, 5, SZ_COSIGN_IN_CELL, F.cell, 7);         /* not a member */
	cosign(&c[n++], &other, 4, SZ_COSIGN_PUBLIC, NULL, 8);        /* another declaration */
	cosign(&c[n++], &d, 4, SZ_COSIGN_IN_CELL, F.other_cell, 9);   /* made for another cell */
	{
		/* 4's public signature with a flipped bit, in an entry 4 did sign. */
		uint8_t body[SZ_COSIGN_BYTES];
		assert_int_equal(sz_cosign_make(body, SZ_COSIGN_PUBLIC, NULL, &d, F.id_sk[4]), SZ_OK);
		body[70] ^= 0x20;
		ent_build(&c[n++], SZ_KIND_COSIGN, 10, body, sizeof body, F.id_sk[4]);
		/* 1's valid public signature, re-sent in an entry by 4. */
		assert_int_equal(sz_cosign_make(body, SZ_COSIGN_PUBLIC, NULL, &d, F.id_sk[1]), SZ_OK);
		ent_build(&c[n++], SZ_KIND_COSIGN, 11, body, sizeof body, F.id_sk[4]);
		/* A post. */
		ent_build(&c[n++], SZ_KIND_POST, 12, body, sizeof body, F.cell_sk[4]);
	}
	sz_decide_entry in[12];
	for (size_t i = 0; i < n; i++)
		in[i] = c[i].de;
	assert_int_equal(sz_declaration_verify(&res, v, F.cell, &dx.de, in, n, F.members, NP - 1),
	    SZ_OK);
	assert_int_equal(res.count, 4);
	assert_int_equal(res.duplicates, 2);
	assert_int_equal(res.rejected, 6);
	assert_int_equal(v[0], SZ_VERDICT_OK);
	assert_int_equal(v[1], SZ_VERDICT_OK);
	assert_true((v[2] == SZ_VERDICT_DUPLICATE) != (v[3] == SZ_VERDICT_DUPLICATE));
	assert_true((v[4] == SZ_VERDICT_DUPLICATE) != (v[5] == SZ_VERDICT_DUPLICATE));
	assert_int_equal(v[6], SZ_VERDICT_NOT_MEMBER);
	assert_int_equal(v[7], SZ_VERDICT_OTHER_SUBJECT);
	assert_int_equal(v[8], SZ_VERDICT_BAD_SIGNATURE);
	assert_int_equal(v[9], SZ_VERDICT_BAD_SIGNATURE);
	assert_int_equal(v[10], SZ_VERDICT_SIGNER_MISMATCH);
	assert_int_equal(v[11], SZ_VERDICT_WRONG_KIND);
	/* Who: identities where known, 3's cell key otherwise; 2 signed both ways. */
	const sz_signer *s;
	assert_non_null(s = find(&res, F.id_pk[0]));
	assert_true(s->identified);
	assert_int_equal(s->modes, 1);
	assert_non_null(s = find(&res, F.id_pk[1]));
	assert_int_equal(s->modes, 2);
	assert_non_null(s = find(&res, F.id_pk[2]));
	assert_int_equal(s->modes, 3);
	assert_non_null(s = find(&res, F.cell_pk[3]));
	assert_false(s->identified);
	for (size_t i = 1; i < res.count; i++)
		assert_true(memcmp(res.signers[i - 1].key, res.signers[i].key, 32) < 0);
	/* Reverse order: same signers, same verdict per entry. */
	sz_cosign_result res2;
	sz_decide_entry rin[12];
	for (size_t i = 0; i < n; i++)
		rin[i] = c[n - 1 - i].de;
	assert_int_equal(sz_declaration_verify(&res2, v2, F.cell, &dx.de, rin, n, F.members,
	    NP - 1), SZ_OK);
	assert_int_equal(res2.count, res.count);
	assert_memory_equal(res2.signers, res.signers, res.count * sizeof *res.signers);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(v2[i], v[n - 1 - i]);
	sz_cosign_result_free(&res2);

	/* Outside the cell: only public signatures count; in-cell ones cannot be judged. */
	assert_int_equal(sz_declaration_verify(&res2, v2, NULL, &dx.de, in, n, NULL, 0), SZ_OK);
	assert_int_equal(res2.count, 2);
	assert_non_null(find(&res2, F.id_pk[1]));
	assert_non_null(find(&res2, F.id_pk[2]));
	assert_int_equal(v2[0], SZ_VERDICT_UNCHECKABLE);
	assert_int_equal(v2[3], SZ_VERDICT_OK);
	sz_cosign_result_free(&res2);

	/* Without the identity links, 2's two signatures are two keys. */
	sz_member_key unlinked[NP - 1];
	memcpy(unlinked, F.members, sizeof unlinked);
	for (int i = 0; i < NP - 1; i++)
		unlinked[i].has_identity = 0;
	assert_int_equal(sz_declaration_verify(&res2, NULL, F.cell, &dx.de, in, n, unlinked,
	    NP - 1), SZ_OK);
	assert_int_equal(res2.count, 5);
	sz_cosign_result_free(&res2);

	/* A declaration given as something else. */
	assert_int_equal(sz_declaration_verify(&res2, v2, F.cell, &c[0].de, in, n, F.members,
	    NP - 1), SZ_ERR_INVALID);
	assert_int_equal(res2.count, 0);

	sz_cosign_result_free(&res);
	sz_cosign_result_free(NULL);
	for (size_t i = 0; i < n; i++)
		ent_free(&c[i]);
	ent_free(&dx);
	ent_free(&ox);
}

static void
test_every_bit_and_local(void **state)
{
	(void)state;
	struct ent dx, lx, x;
	sz_declaration d, local;
	sz_cosign_result res;
	uint8_t v[1], body[SZ_COSIGN_BYTES];

	declaration(&dx, &d, SZ_DECL_PUBLIC, "Letter");
	/* Every bit of an in-cell and of a public co-signature body (the entry left as it was, so
	 * the check is on the body alone). */
	for (int mode = SZ_COSIGN_IN_CELL; mode <= SZ_COSIGN_PUBLIC; mode++) {
		int p = mode == SZ_COSIGN_PUBLIC ? 1 : 0;
		cosign(&x, &d, p, (uint8_t)mode, F.cell, 1);
		assert_int_equal(sz_declaration_verify(&res, v, F.cell, &dx.de, &x.de, 1, F.members,
		    NP - 1), SZ_OK);
		assert_int_equal(v[0], SZ_VERDICT_OK);
		sz_cosign_result_free(&res);
		for (size_t bit = 0; bit < SZ_COSIGN_BYTES * 8; bit++) {
			sz_decide_entry t = x.de;
			memcpy(body, x.de.e.body, SZ_COSIGN_BYTES);
			body[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			t.e.body = body;
			assert_int_equal(sz_declaration_verify(&res, v, F.cell, &dx.de, &t, 1,
			    F.members, NP - 1), SZ_OK);
			assert_int_not_equal(v[0], SZ_VERDICT_OK);
			assert_int_equal(res.count, 0);
			sz_cosign_result_free(&res);
		}
		ent_free(&x);
	}
	/* A declaration kept in the cell takes no public signature: refused when made, rejected
	 * when forced (signed by hand over the public message). */
	declaration(&lx, &local, 0, "Internal");
	assert_int_equal(sz_cosign_make(body, SZ_COSIGN_PUBLIC, NULL, &local, F.id_sk[1]),
	    SZ_ERR_DENIED);
	assert_int_equal(sz_cosign_make(body, SZ_COSIGN_IN_CELL, NULL, &local, F.cell_sk[1]),
	    SZ_ERR_INVALID);
	{
		sz_buf m = { 0 };
		sz_buf_append(&m, SZ_COSIGN_CONTEXT_PUBLIC, strlen(SZ_COSIGN_CONTEXT_PUBLIC));
		sz_buf_append(&m, local.id, 32);
		sz_buf_append(&m, local.text_hash, 32);
		assert_int_equal(m.err, SZ_OK);
		body[0] = SZ_DECIDE_VERSION;
		body[1] = SZ_COSIGN_PUBLIC;
		memcpy(body + 2, local.id, 32);
		memcpy(body + 34, F.id_pk[1], 32);
		assert_int_equal(sz_sign(body + 66, m.p, m.len, F.id_sk[1]), SZ_OK);
		sz_buf_free(&m);
		ent_build(&x, SZ_KIND_COSIGN, 5, body, sizeof body, F.id_sk[1]);
		assert_int_equal(sz_declaration_verify(&res, v, F.cell, &lx.de, &x.de, 1, F.members,
		    NP - 1), SZ_OK);
		assert_int_equal(v[0], SZ_VERDICT_NOT_PUBLIC);
		assert_int_equal(res.count, 0);
		sz_cosign_result_free(&res);
		ent_free(&x);
	}
	/* In-cell signatures on it are fine. */
	cosign(&x, &local, 2, SZ_COSIGN_IN_CELL, F.cell, 6);
	assert_int_equal(sz_declaration_verify(&res, v, F.cell, &lx.de, &x.de, 1, F.members, NP - 1),
	    SZ_OK);
	assert_int_equal(res.count, 1);
	sz_cosign_result_free(&res);
	ent_free(&x);
	ent_free(&lx);
	ent_free(&dx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codec),
		cmocka_unit_test(test_mixed_signatures),
		cmocka_unit_test(test_two_step),
		cmocka_unit_test(test_every_bit_and_local),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
