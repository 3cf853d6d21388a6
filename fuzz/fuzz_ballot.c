/*
 * fuzz_ballot.c - libFuzzer target for the decide layer's body decoders and checks (src/decide):
 * proposals, ballots, pledge calls, pledges, reveals, declarations, co-signatures, enrollments,
 * and the tally's aggregation.  Input byte 0 picks the mode (modulo 10), the rest is the body:
 *   0, 3, 6  decode a proposal / call / declaration; when it decodes, encoding the decoded
 *            fields again must give the same bytes (one value, one encoding)
 *   1, 4, 5, 7, 8
 *            a raw ballot / pledge / reveal / co-signature / enrollment judged against fixed
 *            valid subjects; it must not be valid unless it is the valid one
 *   2        a valid ballot XORed with the input (bit 7 of byte 0 set: pledge; reveal and
 *            co-signature likewise in modes 5 and 7): valid iff the mask is all zero
 *   9        the input as ballot records: the tally of the records and of the reversed records
 *            must agree
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "decide/ballot.h"
#include "decide/declare.h"
#include "decide/pledge.h"
#include "decide/tally.h"

#define NMEM 3
#define DEADLINE 2000000000000ull

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int ready;
static uint8_t cell[32], author_sk[64], author_pk[32];
static sz_vote_key *keys[NMEM];
static uint8_t pks[NMEM][32];
/* Fixed valid subjects and valid items on them (each entry's bytes are kept alive). */
static uint8_t *prop_buf, *call_buf, *decl_buf, *ballot_buf, *pledge_buf[NMEM];
static sz_decide_entry prop_de, call_de, decl_de, ballot_de, pledge_de[NMEM];
static sz_proposal prop;
static sz_pledge_call call;
static sz_declaration decl;
static sz_pledge_status status;
static uint8_t prop_t[32];
static uint8_t reveal_body[SZ_REVEAL_BYTES], cosign_body[SZ_COSIGN_BYTES];
static sz_enrollment enrollment;
static uint8_t enrollment_body[SZ_ENROLLMENT_BYTES];

static void
need(int ok)
{
	if (!ok)
		abort();
}

static void
entry(uint8_t **buf, sz_decide_entry *de, uint8_t kind, const uint8_t *parent, uint64_t ts,
    const uint8_t *body, size_t len, const uint8_t sk[64])
{
	size_t n;
	uint8_t id[32];
	need(sz_entry_build(buf, &n, id, kind, (const uint8_t(*)[32])parent, parent ? 1 : 0, ts,
	    body, len, sk) == SZ_OK);
	need(sz_decide_entry_decode(de, *buf, n) == SZ_OK);
}

static void
setup(void)
{
	static const char *const labels[] = { "yes", "no" };
	sz_env_seeded e;
	uint8_t seed[32], *body, id[32];
	size_t len;

	need(sz_init() == SZ_OK);
	sz_env_seeded_init(&e, 99, 0);
	memset(cell, 0xfc, 32);
	memset(seed, 0xf5, 32);
	need(sz_sign_seed_keypair(author_pk, author_sk, seed) == SZ_OK);
	for (int i = 0; i < NMEM; i++) {
		need(sz_vote_key_new(&keys[i], &e.env) == SZ_OK);
		sz_vote_key_public(keys[i], pks[i]);
	}
	need(sz_proposal_encode(&body, &len, DEADLINE, "fuzz?", labels, 2,
	    (const uint8_t(*)[32])pks, NMEM) == SZ_OK);
	entry(&prop_buf, &prop_de, SZ_KIND_PROPOSAL, NULL, 1, body, len, author_sk);
	free(body);
	need(sz_proposal_from_entry(&prop, &prop_de) == SZ_OK);
	need(sz_proposal_scope(prop_t, cell, &prop) == SZ_OK);
	need(sz_ballot_cast(&ballot_buf, &len, id, cell, &prop, 1, 0, 5, keys[0], &e.env) == SZ_OK);
	need(sz_decide_entry_decode(&ballot_de, ballot_buf, len) == SZ_OK);

	need(sz_pledge_call_encode(&body, &len, DEADLINE, 2, "fuzz", (const uint8_t(*)[32])pks,
	    NMEM) == SZ_OK);
	entry(&call_buf, &call_de, SZ_KIND_PLEDGE_CALL, NULL, 1, body, len, author_sk);
	free(body);
	need(sz_pledge_call_from_entry(&call, &call_de) == SZ_OK);
	for (int i = 0; i < NMEM; i++) {
		need(sz_pledge_cast(&pledge_buf[i], &len, id, cell, &call, 7, keys[i], &e.env) ==
		    SZ_OK);
		need(sz_decide_entry_decode(&pledge_de[i], pledge_buf[i], len) == SZ_OK);
	}
	need(sz_pledge_tally(&status, NULL, cell, &call_de, pledge_de, NMEM) == SZ_OK);
	need(status.reached);
	need(sz_reveal_make(reveal_body, cell, &call, &status, keys[1], &e.env) == SZ_OK);

	need(sz_declaration_encode(&body, &len, SZ_DECL_PUBLIC, "t", "text") == SZ_OK);
	entry(&decl_buf, &decl_de, SZ_KIND_DECLARATION, NULL, 1, body, len, author_sk);
	free(body);
	need(sz_declaration_from_entry(&decl, &decl_de) == SZ_OK);
	need(sz_cosign_make(cosign_body, SZ_COSIGN_PUBLIC, NULL, &decl, author_sk) == SZ_OK);

	need(sz_enrollment_make(&enrollment, keys[2], cell, author_pk, &e.env) == SZ_OK);
	sz_enrollment_encode(enrollment_body, &enrollment);
	ready = 1;
}

/* A NUL-terminated copy (decoded text never contains NUL: it is a control character). */
static char *
cstr(const uint8_t *p, size_t n)
{
	char *s = malloc(n + 1);
	need(s != NULL);
	memcpy(s, p, n);
	s[n] = 0;
	return s;
}

static void
same_bytes(uint8_t *enc, size_t enclen, const uint8_t *d, size_t size)
{
	need(enclen == size && memcmp(enc, d, size) == 0);
	free(enc);
}

static void
roundtrip(int mode, const uint8_t *d, size_t size)
{
	uint8_t *enc = NULL;
	size_t len = 0;
	if (mode == 0) {
		sz_proposal p;
		char *q, *labels[SZ_PROPOSAL_MAX_OPTIONS];
		if (sz_proposal_decode(&p, d, size) != SZ_OK)
			return;
		q = cstr(p.question, p.question_len);
		for (size_t i = 0; i < p.noptions; i++)
			labels[i] = cstr(p.label[i], p.label_len[i]);
		need(sz_proposal_encode(&enc, &len, p.deadline_ms, q, (const char *const *)labels,
		    p.noptions, p.roster, p.n) == SZ_OK);
		free(q);
		for (size_t i = 0; i < p.noptions; i++)
			free(labels[i]);
	} else if (mode == 3) {
		sz_pledge_call c;
		if (sz_pledge_call_decode(&c, d, size) != SZ_OK)
			return;
		char *t = cstr(c.text, c.text_len);
		need(sz_pledge_call_encode(&enc, &len, c.deadline_ms, c.threshold, t, c.roster, c.n) ==
		    SZ_OK);
		free(t);
	} else {
		sz_declaration dc;
		if (sz_declaration_decode(&dc, d, size) != SZ_OK)
			return;
		char *title = cstr(dc.title, dc.title_len), *text = cstr(dc.text, dc.text_len);
		need(sz_declaration_encode(&enc, &len, dc.flags, title, text) == SZ_OK);
		free(title);
		free(text);
	}
	same_bytes(enc, len, d, size);
}

/* Judge body (as a ballot, pledge, reveal or co-signature) in a copy of the valid entry of that
 * kind, its framing kept consistent; return the verdict. */
static int
judge(int what, const uint8_t *body, size_t len)
{
	uint8_t verdict = SZ_VERDICT_MALFORMED;
	if (what == 0) {
		sz_decide_entry de = ballot_de;
		sz_ballot b;
		sz_ballot_record rec;
		de.e.body = body;
		de.e.body_len = (uint32_t)len;
		if (sz_ballot_decode(&b, body, len) == SZ_OK)
			de.e.timestamp_ms = b.time_ms;
		need(sz_ballot_check(&rec, &prop, prop_t, &de) == SZ_OK);
		verdict = rec.verdict;
	} else if (what == 1) {
		sz_decide_entry de = pledge_de[0];
		sz_pledge_status st;
		de.e.body = body;
		de.e.body_len = (uint32_t)len;
		need(sz_pledge_tally(&st, &verdict, cell, &call_de, &de, 1) == SZ_OK);
		need((verdict == SZ_VERDICT_OK) == (st.pledgers == 1));
		sz_pledge_status_free(&st);
	} else if (what == 2) {
		sz_decide_entry de = pledge_de[0];
		de.e.kind = SZ_KIND_REVEAL;
		de.e.body = body;
		de.e.body_len = (uint32_t)len;
		need(sz_reveal_check(&verdict, NULL, cell, &call, &status, &de) == SZ_OK);
	} else {
		sz_decide_entry de = decl_de;
		sz_cosign_result res;
		de.e.kind = SZ_KIND_COSIGN;
		de.e.body = body;
		de.e.body_len = (uint32_t)len;
		need(sz_declaration_verify(&res, &verdict, NULL, &decl_de, &de, 1, NULL, 0) == SZ_OK);
		need((verdict == SZ_VERDICT_OK) == (res.count == 1));
		sz_cosign_result_free(&res);
	}
	return verdict;
}

static const uint8_t *
valid_body(int what, size_t *len)
{
	switch (what) {
	case 0: *len = ballot_de.e.body_len; return ballot_de.e.body;
	case 1: *len = pledge_de[0].e.body_len; return pledge_de[0].e.body;
	case 2: *len = sizeof reveal_body; return reveal_body;
	default: *len = sizeof cosign_body; return cosign_body;
	}
}

static void
raw(int what, const uint8_t *d, size_t size)
{
	size_t vlen;
	const uint8_t *v = valid_body(what, &vlen);
	int ok = judge(what, d, size) == SZ_VERDICT_OK;
	need(ok == (size == vlen && memcmp(d, v, vlen) == 0));
}

static void
mutated(int what, const uint8_t *d, size_t size)
{
	size_t vlen;
	const uint8_t *v = valid_body(what, &vlen);
	uint8_t *body = malloc(vlen);
	uint8_t nonzero = 0;
	need(body != NULL);
	memcpy(body, v, vlen);
	for (size_t i = 0; i < size && i < vlen; i++) {
		body[i] ^= d[i];
		nonzero |= d[i];
	}
	need((judge(what, body, vlen) == SZ_VERDICT_OK) == (nonzero == 0));
	free(body);
}

static void
enrollment_mode(const uint8_t *d, size_t size)
{
	sz_enrollment en;
	if (sz_enrollment_decode(&en, d, size) != SZ_OK)
		return;
	int ok = sz_enrollment_verify(&en, cell) == SZ_OK;
	need(ok == (memcmp(d, enrollment_body, sizeof enrollment_body) == 0));
}

static void
records(const uint8_t *d, size_t size)
{
	/* Each 3 input bytes make a record: a tag, a body and an entry.  What a real check derives
	 * from the body (option, revision) and from the entry (the verdict) is derived from them
	 * here, so that equal bodies agree as they would. */
	enum { REC = 3, MAXR = 64 };
	sz_ballot_record a[MAXR], b[MAXR];
	sz_tally ta, tb;
	size_t n = size / REC;
	if (n > MAXR)
		n = MAXR;
	memset(a, 0, sizeof a);
	for (size_t i = 0; i < n; i++) {
		const uint8_t *p = d + i * REC;
		uint8_t body = p[1] % 15, v = (uint8_t)((p[1] ^ p[2]) % 4);
		a[i].tag[0] = p[0] % 8;
		a[i].body_hash[0] = body;
		a[i].option = body % 5;          /* 4 is outside the 4 options */
		a[i].revision = body / 5;
		a[i].entry_id[0] = p[2];
		a[i].verdict = v == 3 ? SZ_VERDICT_LATE : v; /* OK, DUPLICATE, REPLACED or LATE */
	}
	for (size_t i = 0; i < n; i++)
		b[i] = a[n - 1 - i];
	need(sz_tally_records(&ta, a, n, 4) == SZ_OK);
	need(sz_tally_records(&tb, b, n, 4) == SZ_OK);
	need(memcmp(ta.counts, tb.counts, sizeof ta.counts) == 0 && ta.voters == tb.voters &&
	    ta.replaced == tb.replaced && ta.duplicates == tb.duplicates &&
	    ta.rejected == tb.rejected && ta.winner == tb.winner);
	uint32_t sum = 0;
	for (int o = 0; o < 4; o++)
		sum += ta.counts[o];
	need(sum == ta.voters && ta.voters <= 8);
	need(ta.voters + ta.replaced + ta.duplicates + ta.rejected == n);
	/* Byte-identical entries (same tag, body and entry) may swap verdicts; no other may. */
	for (size_t i = 0; i < n; i++) {
		int twin = 0;
		for (size_t j = 0; j < n; j++)
			twin |= j != i && a[i].tag[0] == a[j].tag[0] &&
			    a[i].body_hash[0] == a[j].body_hash[0] && a[i].entry_id[0] == a[j].entry_id[0];
		need(twin || a[i].verdict == b[n - 1 - i].verdict);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!ready)
		setup();
	if (size < 1)
		return 0;
	int flag = data[0] >> 7;
	const uint8_t *d = data + 1;
	size_t n = size - 1;
	switch ((data[0] & 0x7f) % 10) {
	case 0: roundtrip(0, d, n); break;
	case 1: raw(0, d, n); break;
	case 2: mutated(flag ? 1 : 0, d, n); break;
	case 3: roundtrip(3, d, n); break;
	case 4: flag ? mutated(1, d, n) : raw(1, d, n); break;
	case 5: flag ? mutated(2, d, n) : raw(2, d, n); break;
	case 6: roundtrip(6, d, n); break;
	case 7: flag ? mutated(3, d, n) : raw(3, d, n); break;
	case 8: enrollment_mode(d, n); break;
	default: records(d, n); break;
	}
	return 0;
}
