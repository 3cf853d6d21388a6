/*
 * declare.c - declarations and co-signatures (see declare.h, docs/PROTOCOL.md §13 (Collective decisions) §6).
 * Layer: decide.
 */
#include "decide/declare.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "decide/decide_int.h"
#include "lib/bytes.h"

int
sz_declaration_encode(uint8_t **out, size_t *outlen, uint8_t flags, const char *title,
    const char *text)
{
	sz_buf b = { 0 };
	size_t tl, xl;
	int r;

	*out = NULL;
	*outlen = 0;
	if (title == NULL || text == NULL || (flags & ~SZ_DECL_PUBLIC) != 0)
		return SZ_ERR_INVALID;
	tl = strlen(title);
	xl = strlen(text);
	if ((r = sz_decide_line_check((const uint8_t *)title, tl, SZ_DECL_MAX_TITLE)) != SZ_OK ||
	    (r = sz_decide_text_check((const uint8_t *)text, xl, SZ_DECL_MAX_TEXT)) != SZ_OK)
		return r == SZ_ERR_MALFORMED ? SZ_ERR_INVALID : r;
	sz_buf_u8(&b, SZ_DECIDE_VERSION);
	sz_buf_u8(&b, flags);
	sz_buf_u16(&b, (uint16_t)tl);
	sz_buf_append(&b, title, tl);
	sz_buf_u16(&b, (uint16_t)xl);
	sz_buf_append(&b, text, xl);
	if ((r = b.err) == SZ_OK)
		r = sz_buf_take(&b, out, outlen);
	sz_buf_free(&b);
	return r;
}

int
sz_declaration_decode(sz_declaration *d, const uint8_t *body, size_t len)
{
	sz_rd rd = sz_rd_init(body, len);
	int r;

	memset(d, 0, sizeof *d);
	if (sz_rd_u8(&rd) != SZ_DECIDE_VERSION && rd.err == 0) {
		r = SZ_ERR_UNSUPPORTED;
		goto fail;
	}
	d->flags = sz_rd_u8(&rd);
	if (rd.err == 0 && (d->flags & ~SZ_DECL_PUBLIC) != 0) {
		r = SZ_ERR_MALFORMED;
		goto fail;
	}
	d->title_len = sz_rd_u16(&rd);
	d->title = sz_rd_bytes(&rd, d->title_len);
	if (rd.err == 0 && (r = sz_decide_line_check(d->title, d->title_len,
	    SZ_DECL_MAX_TITLE)) != SZ_OK)
		goto fail;
	d->text_len = sz_rd_u16(&rd);
	d->text = sz_rd_bytes(&rd, d->text_len);
	if (rd.err == 0 && (r = sz_decide_text_check(d->text, d->text_len,
	    SZ_DECL_MAX_TEXT)) != SZ_OK)
		goto fail;
	if ((r = sz_rd_end(&rd)) != SZ_OK)
		goto fail;
	if ((r = sz_blake2b(d->text_hash, 32, body, len, NULL, 0)) != SZ_OK)
		goto fail;
	return SZ_OK;
fail:
	memset(d, 0, sizeof *d);
	return r;
}

int
sz_declaration_from_entry(sz_declaration *d, const sz_decide_entry *de)
{
	int r;

	memset(d, 0, sizeof *d);
	if (de->e.kind != SZ_KIND_DECLARATION)
		return SZ_ERR_INVALID;
	if ((r = sz_declaration_decode(d, de->e.body, de->e.body_len)) != SZ_OK)
		return r;
	memcpy(d->id, de->id, 32);
	return SZ_OK;
}

int
sz_cosign_decode(sz_cosign *cs, const uint8_t *body, size_t len)
{
	sz_rd rd = sz_rd_init(body, len);
	int r;

	memset(cs, 0, sizeof *cs);
	if (sz_rd_u8(&rd) != SZ_DECIDE_VERSION && rd.err == 0)
		return SZ_ERR_UNSUPPORTED;
	cs->mode = sz_rd_u8(&rd);
	if (rd.err == 0 && cs->mode != SZ_COSIGN_IN_CELL && cs->mode != SZ_COSIGN_PUBLIC) {
		memset(cs, 0, sizeof *cs);
		return SZ_ERR_MALFORMED;
	}
	sz_rd_copy(&rd, cs->declaration_id, 32);
	sz_rd_copy(&rd, cs->signer, 32);
	sz_rd_copy(&rd, cs->sig, 64);
	if ((r = sz_rd_end(&rd)) != SZ_OK)
		memset(cs, 0, sizeof *cs);
	return r;
}

/* The message a co-signature covers (declare.h). */
static void
cosign_msg(sz_buf *m, uint8_t mode, const uint8_t *cell_id, const sz_declaration *d)
{
	if (mode == SZ_COSIGN_IN_CELL) {
		sz_buf_append(m, SZ_COSIGN_CONTEXT_CELL, sizeof SZ_COSIGN_CONTEXT_CELL - 1);
		sz_buf_append(m, cell_id, 32);
	} else {
		sz_buf_append(m, SZ_COSIGN_CONTEXT_PUBLIC, sizeof SZ_COSIGN_CONTEXT_PUBLIC - 1);
	}
	sz_buf_append(m, d->id, 32);
	sz_buf_append(m, d->text_hash, 32);
}

static int
is_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

int
sz_cosign_make(uint8_t out[static SZ_COSIGN_BYTES], uint8_t mode, const uint8_t *cell_id,
    const sz_declaration *d, const uint8_t sk[static 64])
{
	sz_buf m = { 0 };
	int r;

	memset(out, 0, SZ_COSIGN_BYTES);
	if ((mode != SZ_COSIGN_IN_CELL && mode != SZ_COSIGN_PUBLIC) || is_zero(d->id, 32) ||
	    (mode == SZ_COSIGN_IN_CELL && cell_id == NULL))
		return SZ_ERR_INVALID;
	/* An attributable signature on a text its cell keeps to itself would outlive that choice. */
	if (mode == SZ_COSIGN_PUBLIC && !(d->flags & SZ_DECL_PUBLIC))
		return SZ_ERR_DENIED;
	cosign_msg(&m, mode, cell_id, d);
	if ((r = m.err) != SZ_OK)
		goto out;
	out[0] = SZ_DECIDE_VERSION;
	out[1] = mode;
	memcpy(out + 2, d->id, 32);
	memcpy(out + 34, sk + 32, 32); /* the public half of a libsodium secret key */
	if ((r = sz_sign(out + 66, m.p, m.len, sk)) != SZ_OK)
		memset(out, 0, SZ_COSIGN_BYTES);
out:
	sz_buf_free(&m);
	return r;
}

/* Mode, declaration and cell checks shared by sz_cosign_make and the two-step form. */
static int
cosign_allowed(uint8_t mode, const uint8_t *cell_id, const sz_declaration *d)
{
	if ((mode != SZ_COSIGN_IN_CELL && mode != SZ_COSIGN_PUBLIC) || is_zero(d->id, 32) ||
	    (mode == SZ_COSIGN_IN_CELL && cell_id == NULL))
		return SZ_ERR_INVALID;
	if (mode == SZ_COSIGN_PUBLIC && !(d->flags & SZ_DECL_PUBLIC))
		return SZ_ERR_DENIED;
	return SZ_OK;
}

int
sz_cosign_message(sz_buf *m, uint8_t mode, const uint8_t *cell_id, const sz_declaration *d)
{
	int r = cosign_allowed(mode, cell_id, d);
	if (r != SZ_OK)
		return r;
	cosign_msg(m, mode, cell_id, d);
	return m->err;
}

int
sz_cosign_assemble(uint8_t out[static SZ_COSIGN_BYTES], uint8_t mode, const uint8_t *cell_id,
    const sz_declaration *d, const uint8_t signer[static 32], const uint8_t sig[static 64])
{
	sz_buf m = { 0 };
	int r;

	memset(out, 0, SZ_COSIGN_BYTES);
	if ((r = sz_cosign_message(&m, mode, cell_id, d)) != SZ_OK)
		goto out;
	if (sz_verify(sig, m.p, m.len, signer) != SZ_OK) {
		r = SZ_ERR_BAD_SIGNATURE;
		goto out;
	}
	out[0] = SZ_DECIDE_VERSION;
	out[1] = mode;
	memcpy(out + 2, d->id, 32);
	memcpy(out + 34, signer, 32);
	memcpy(out + 66, sig, 64);
out:
	sz_buf_free(&m);
	return r;
}

/* A valid co-signature, attributed to a person. */
struct signed_by {
	uint8_t key[32];
	uint8_t entry_id[32];
	int identified;
	uint8_t mode;
	size_t index;
};

static int
cmp_signed(const void *a, const void *b)
{
	const struct signed_by *x = a, *y = b;
	int c = memcmp(x->key, y->key, 32);
	return c != 0 ? c : memcmp(x->entry_id, y->entry_id, 32);
}

static const sz_member_key *
find_member(const sz_member_key *members, size_t n, const uint8_t key[32])
{
	for (size_t i = 0; i < n; i++)
		if (memcmp(members[i].cell_key, key, 32) == 0)
			return &members[i];
	return NULL;
}

/* Judge one entry; on a valid co-signature fill *who. */
static int
judge(uint8_t *verdict, struct signed_by *who, const uint8_t *cell_id,
    const sz_declaration *d, const sz_decide_entry *de, const sz_member_key *members,
    size_t nmembers)
{
	const sz_member_key *mk = NULL;
	sz_cosign cs;
	sz_buf m = { 0 };
	int r;

	if (de->e.kind != SZ_KIND_COSIGN) {
		*verdict = SZ_VERDICT_WRONG_KIND;
		return SZ_OK;
	}
	if (sz_cosign_decode(&cs, de->e.body, de->e.body_len) != SZ_OK) {
		*verdict = SZ_VERDICT_MALFORMED;
		return SZ_OK;
	}
	if (memcmp(cs.declaration_id, d->id, 32) != 0) {
		*verdict = SZ_VERDICT_OTHER_SUBJECT;
		return SZ_OK;
	}
	if (memcmp(cs.signer, de->e.author, 32) != 0) {
		*verdict = SZ_VERDICT_SIGNER_MISMATCH;
		return SZ_OK;
	}
	if (cs.mode == SZ_COSIGN_PUBLIC && !(d->flags & SZ_DECL_PUBLIC)) {
		*verdict = SZ_VERDICT_NOT_PUBLIC;
		return SZ_OK;
	}
	if (cs.mode == SZ_COSIGN_IN_CELL) {
		if (cell_id == NULL || members == NULL) {
			*verdict = SZ_VERDICT_UNCHECKABLE;
			return SZ_OK;
		}
		if ((mk = find_member(members, nmembers, cs.signer)) == NULL) {
			*verdict = SZ_VERDICT_NOT_MEMBER;
			return SZ_OK;
		}
	}
	cosign_msg(&m, cs.mode, cell_id, d);
	if ((r = m.err) != SZ_OK)
		goto out;
	if (sz_verify(cs.sig, m.p, m.len, cs.signer) != SZ_OK) {
		*verdict = SZ_VERDICT_BAD_SIGNATURE;
		goto out;
	}
	*verdict = SZ_VERDICT_OK;
	who->mode = cs.mode;
	memcpy(who->entry_id, de->id, 32);
	if (mk != NULL && mk->has_identity) {
		memcpy(who->key, mk->identity, 32);
		who->identified = 1;
	} else {
		memcpy(who->key, cs.signer, 32);
		who->identified = cs.mode == SZ_COSIGN_PUBLIC;
	}
out:
	sz_buf_free(&m);
	return r;
}

int
sz_declaration_verify(sz_cosign_result *res, uint8_t *verdicts, const uint8_t *cell_id,
    const sz_decide_entry *decl, const sz_decide_entry *cosigns, size_t n,
    const sz_member_key *members, size_t nmembers)
{
	struct signed_by *v = NULL;
	sz_declaration d;
	size_t nv = 0;
	int r;

	memset(res, 0, sizeof *res);
	if (verdicts != NULL && n > 0)
		memset(verdicts, SZ_VERDICT_MALFORMED, n);
	if ((r = sz_declaration_from_entry(&d, decl)) != SZ_OK)
		return r;
	if (n == 0)
		return SZ_OK;
	if ((v = calloc(n, sizeof *v)) == NULL || (res->signers = calloc(n, sizeof *res->signers))
	    == NULL) {
		r = SZ_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		uint8_t verdict = SZ_VERDICT_MALFORMED;
		if ((r = judge(&verdict, &v[nv], cell_id, &d, &cosigns[i], members, nmembers)) !=
		    SZ_OK)
			goto out;
		if (verdicts != NULL)
			verdicts[i] = verdict;
		if (verdict == SZ_VERDICT_OK)
			v[nv++].index = i;
		else
			res->rejected++;
	}
	qsort(v, nv, sizeof *v, cmp_signed);
	for (size_t i = 0; i < nv; i++) {
		sz_signer *last = res->count > 0 ? &res->signers[res->count - 1] : NULL;
		uint8_t bit = v[i].mode == SZ_COSIGN_IN_CELL ? 1 : 2;
		if (last != NULL && memcmp(last->key, v[i].key, 32) == 0) {
			last->modes |= bit;
			last->identified |= v[i].identified;
			res->duplicates++;
			if (verdicts != NULL)
				verdicts[v[i].index] = SZ_VERDICT_DUPLICATE;
			continue;
		}
		sz_signer *s = &res->signers[res->count++];
		memcpy(s->key, v[i].key, 32);
		s->identified = v[i].identified;
		s->modes = bit;
	}
	r = SZ_OK;
out:
	free(v);
	if (r != SZ_OK) {
		sz_cosign_result_free(res);
		memset(res, 0, sizeof *res);
		if (verdicts != NULL)
			memset(verdicts, SZ_VERDICT_MALFORMED, n);
	}
	return r;
}

void
sz_cosign_result_free(sz_cosign_result *res)
{
	if (res == NULL)
		return;
	free(res->signers);
	res->signers = NULL;
	res->count = 0;
}
