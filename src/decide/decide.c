/*
 * decide.c - verdicts, text rules, anonymous wrapping and release delays (see decide.h).
 * Layer: decide.
 */
#include "decide/decide.h"

#include <string.h>

#include "crypto/crypto.h"
#include "decide/decide_int.h"
#include "lib/jsonw.h"

const char *
sz_verdict_str(int verdict)
{
	switch (verdict) {
	case SZ_VERDICT_OK: return "valid and counted";
	case SZ_VERDICT_DUPLICATE: return "a copy of one already counted";
	case SZ_VERDICT_REPLACED: return "replaced by a later ballot of the same voter";
	case SZ_VERDICT_WRONG_KIND: return "not an entry of the expected kind";
	case SZ_VERDICT_MALFORMED: return "malformed body";
	case SZ_VERDICT_OTHER_SUBJECT: return "refers to another proposal, call or declaration";
	case SZ_VERDICT_LATE: return "signed after the deadline";
	case SZ_VERDICT_BAD_OPTION: return "not one of the proposal's options";
	case SZ_VERDICT_BAD_ENTRY: return "the entry around it breaks the rules (parents or time)";
	case SZ_VERDICT_WRONG_RING: return "not signed over the roster's ring";
	case SZ_VERDICT_NONCANONICAL: return "a scalar is not in canonical form";
	case SZ_VERDICT_BAD_POINT: return "an invalid point";
	case SZ_VERDICT_BAD_SIGNATURE: return "the signature or proof does not verify";
	case SZ_VERDICT_NOT_MEMBER: return "the key is not a member's";
	case SZ_VERDICT_NOT_PUBLIC: return "a public co-signature of a declaration kept in the cell";
	case SZ_VERDICT_UNCHECKABLE: return "an in-cell co-signature cannot be checked outside the cell";
	case SZ_VERDICT_PREMATURE: return "a reveal before the threshold was reached";
	case SZ_VERDICT_NOT_PLEDGED: return "a reveal of a tag no counted pledge carries";
	case SZ_VERDICT_SIGNER_MISMATCH: return "the co-signer is not the entry's author";
	}
	return "unknown verdict";
}

int
sz_decide_crypto_verdict(int err)
{
	switch (err) {
	case SZ_OK: return SZ_VERDICT_OK;
	case SZ_ERR_MALFORMED: return SZ_VERDICT_WRONG_RING;  /* length is not the ring's */
	case SZ_ERR_INVALID: return SZ_VERDICT_WRONG_RING;
	case SZ_ERR_TOO_LARGE: return SZ_VERDICT_WRONG_RING;
	case SZ_ERR_NONCANONICAL: return SZ_VERDICT_NONCANONICAL;
	case SZ_ERR_CRYPTO: return SZ_VERDICT_BAD_POINT;
	case SZ_ERR_BAD_SIGNATURE: return SZ_VERDICT_BAD_SIGNATURE;
	}
	return err < 0 ? err : SZ_ERR_INTERNAL;
}

int
sz_decide_sig_len_check(size_t siglen)
{
	if (siglen < SZ_LSAG_SIG_BYTES(SZ_DECIDE_MIN_RING))
		return SZ_ERR_TRUNCATED;
	if (siglen % 32 != 0 || siglen > SZ_LSAG_SIG_BYTES(SZ_DECIDE_MAX_RING))
		return SZ_ERR_MALFORMED;
	return SZ_OK;
}

void
sz_decide_signed_msg(sz_buf *m, const char *ctx, const uint8_t *body, size_t prefix_len)
{
	sz_buf_append(m, ctx, strlen(ctx));
	sz_buf_append(m, body, prefix_len);
}

int
sz_decide_entry_decode(sz_decide_entry *de, const uint8_t *buf, size_t len)
{
	int r = sz_entry_decode(&de->e, de->id, buf, len, 0);
	if (r != SZ_OK)
		memset(de, 0, sizeof *de);
	return r;
}

/* Code point of the valid UTF-8 sequence of k bytes at s (k from sz_utf8_seq). */
static uint32_t
code_point(const uint8_t *s, size_t k)
{
	static const uint8_t lead_mask[5] = { 0, 0x7f, 0x1f, 0x0f, 0x07 };
	uint32_t cp = s[0] & lead_mask[k];
	for (size_t i = 1; i < k; i++)
		cp = (cp << 6) | (s[i] & 0x3f);
	return cp;
}

static int
check_text(const uint8_t *s, size_t len, size_t max, int multiline)
{
	if (s == NULL || len == 0)
		return SZ_ERR_MALFORMED;
	if (len > max)
		return SZ_ERR_TOO_LARGE;
	for (size_t i = 0; i < len;) {
		size_t k = sz_utf8_seq(s + i, len - i);
		if (k == 0)
			return SZ_ERR_MALFORMED;
		uint32_t cp = code_point(s + i, k);
		int ok = 1;
		if (cp < 0x20)
			ok = multiline && (cp == '\n' || cp == '\t');
		else if (cp >= 0x7f && cp <= 0x9f)
			ok = 0;
		else if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
			ok = 0;
		if (!ok)
			return SZ_ERR_MALFORMED;
		i += k;
	}
	return SZ_OK;
}

int
sz_decide_line_check(const uint8_t *s, size_t len, size_t max)
{
	return check_text(s, len, max, 0);
}

int
sz_decide_text_check(const uint8_t *s, size_t len, size_t max)
{
	return check_text(s, len, max, 1);
}

int
sz_decide_wrap_anonymous(uint8_t **out, size_t *outlen, uint8_t id[static 32], uint8_t kind,
    const uint8_t parent[static 32], uint64_t timestamp_ms, const uint8_t *body, size_t body_len,
    const sz_env *env)
{
	uint8_t seed[SZ_SIGN_SEED_BYTES], pk[SZ_SIGN_PK_BYTES], sk[SZ_SIGN_SK_BYTES];
	int r;

	*out = NULL;
	*outlen = 0;
	memset(id, 0, 32);
	if (kind != SZ_KIND_BALLOT && kind != SZ_KIND_PLEDGE)
		return SZ_ERR_INVALID;
	/* A one-time author: the entry signature then links this ballot to nothing else. */
	sz_random(env, seed, sizeof seed);
	if ((r = sz_sign_seed_keypair(pk, sk, seed)) != SZ_OK)
		goto out;
	r = sz_entry_build(out, outlen, id, kind, (const uint8_t(*)[32])parent, 1, timestamp_ms,
	    body, body_len, sk);
out:
	sz_wipe(seed, sizeof seed);
	sz_wipe(sk, sizeof sk);
	return r;
}

int
sz_decide_release_time(uint64_t *release_ms, uint64_t now_ms, uint64_t deadline_ms,
    uint64_t min_ms, uint64_t max_ms, const sz_env *env)
{
	uint64_t lo, hi;

	*release_ms = 0;
	if (min_ms > max_ms || max_ms > SZ_DECIDE_DELAY_MAX_MS_BOUND)
		return SZ_ERR_INVALID;
	if (now_ms > UINT64_MAX - max_ms)
		return SZ_ERR_INVALID;
	if (now_ms > deadline_ms)
		return SZ_ERR_EXPIRED;
	lo = now_ms + min_ms;
	hi = now_ms + max_ms;
	if (hi > deadline_ms)
		hi = deadline_ms;
	if (lo > hi)
		lo = now_ms; /* too close to the deadline for the minimum delay: keep what is left */
	/* span <= max_ms, so span + 1 fits the 32-bit bound of sz_random_uniform. */
	uint64_t span = hi - lo;
	*release_ms = lo + sz_random_uniform(env, (uint32_t)(span + 1));
	return SZ_OK;
}
