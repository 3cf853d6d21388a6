/*
 * session.c - the sync session's link (Noise XX over 2-byte-framed messages), its frames, label
 * intersection and envelope transfer (see session.h, docs/PROTOCOL.md §8).
 * Layer: sync.  Reconciliation itself is in recon.c, the transfer of envelopes in transfer.c.
 */
#include "sync/session_int.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"

#define PROLOGUE "samizdat sync v1"

static const sz_sync_limits default_limits = {
	.max_bytes_in = 4ull << 30,
	.max_envelopes = 10000000,
	.max_ids = 4000000,
	.max_rejected = 64,
	.idle_ms = 60000,
	.max_ms = 6ull * 3600 * 1000,
	.hello_ms = 10000,
	.max_mine = 131072,
};

/* The handshake messages of Noise_XX with empty payloads (docs/PROTOCOL.md §5): anything else is
 * refused from its length alone, before its bytes are waited for or kept. */
#define HS_MSG1 32u   /* e */
#define HS_MSG2 96u   /* e, ee, s (32 + 16), es, empty payload (16) */
#define HS_MSG3 64u   /* s (32 + 16), se, empty payload (16) */
/* The largest first frame a responder takes: a HELLO of SZ_HELLO_MAX_TOKENS tokens (a JOIN is
 * smaller), so that a peer cannot make it hold megabytes before saying who it is. */
#define FIRST_FRAME_MAX (1u + 4u + 16u * SZ_HELLO_MAX_TOKENS)

/* --- the link --------------------------------------------------------------------------- */

static void
wire_put(sz_sync *s, const uint8_t *msg, size_t n)
{
	sz_buf_u16(&s->wire, (uint16_t)n);
	sz_buf_append(&s->wire, msg, n);
	s->st.bytes_out += 2 + n;
}

/* Encrypt whatever frames wait into Noise transport messages. */
int
sz_sync_flush(sz_sync *s)
{
	uint8_t msg[SZ_NOISE_MAX_MSG];
	size_t off = 0;
	int r = SZ_OK;
	while (off < s->plain.len) {
		size_t take = s->plain.len - off;
		if (take > SZ_NOISE_MAX_PLAINTEXT)
			take = SZ_NOISE_MAX_PLAINTEXT;
		size_t mlen;
		if ((r = sz_noise_encrypt(s->tx, s->plain.p + off, take, msg, sizeof msg, &mlen)) != SZ_OK)
			break;
		wire_put(s, msg, mlen);
		off += take;
	}
	sz_wipe(s->plain.p, s->plain.len);
	s->plain.len = 0;
	if (r == SZ_OK && (s->plain.err || s->wire.err))
		r = SZ_ERR_NOMEM;
	return r;
}

void
sz_sync_send(sz_sync *s, uint8_t type, const uint8_t *payload, size_t len)
{
	sz_frame_put(&s->plain, type, payload, len);
	/* HELLO is not reconciliation: 4 KiB or more of padded tokens each way (hello_bytes) */
	if (type != SZ_FR_ENVELOPES && type != SZ_FR_ACK && type != SZ_FR_HELLO)
		s->st.recon_bytes += SZ_FRAME_HDR + len;
}

int
sz_sync_fail(sz_sync *s, int err, const char *why)
{
	if (s->status != SZ_SYNC_RUNNING)
		return s->error;
	s->status = SZ_SYNC_FAILED;
	s->error = err;
	sz_transfer_drop(s); /* a batch held goes unstored, unacknowledged */
	if (s->tx != NULL) {
		/* Tell the peer why, then stop: nothing else is sent after an error. */
		sz_buf e = { 0 };
		sz_buf_u32(&e, (uint32_t)(int32_t)err);
		size_t wl = strlen(why);
		sz_buf_append(&e, why, wl > 200 ? 200 : wl);
		s->plain.len = 0;
		sz_frame_put(&s->plain, SZ_FR_ERROR, e.p, e.len);
		sz_buf_free(&e);
		(void)!sz_sync_flush(s);
	}
	return err;
}

/* BLAKE2b-128(key, text ‖ hash ‖ role): the two token kinds differ in key and text. */
static int
token(uint8_t out[16], const char *text, const uint8_t *key, size_t keylen, const uint8_t *hash,
    size_t hashlen, int role)
{
	uint8_t msg[32 + 64 + 1];
	size_t tl = strlen(text);
	if (hashlen > 64 || tl > 32)
		return SZ_ERR_INVALID;
	memcpy(msg, text, tl);
	memcpy(msg + tl, hash, hashlen);
	msg[tl + hashlen] = (uint8_t)role;
	return sz_blake2b(out, 16, msg, tl + hashlen + 1, key, keylen);
}

int
sz_sync_scope_token(uint8_t out[static 16], const uint8_t scope[static 16], const uint8_t *hash,
    size_t hashlen, int role)
{
	return token(out, "samizdat scope token v1", scope, 16, hash, hashlen, role);
}

int
sz_sync_pair_token(uint8_t out[static 16], const uint8_t key[static 32], const uint8_t *hash,
    size_t hashlen, int role)
{
	return token(out, "samizdat scope token v2", key, 32, hash, hashlen, role);
}

/* The token of offer i (scopes first, then pairs) as sent by a side of this role. */
static int
offer_token(const sz_sync *s, size_t i, int role, uint8_t out[16])
{
	if (i < s->cfg.nscopes)
		return sz_sync_scope_token(out, s->scopes[i], s->hash, s->hashlen, role);
	return sz_sync_pair_token(out, s->pairs[i - s->cfg.nscopes].key, s->hash, s->hashlen, role);
}

static const uint8_t *
offer_label(const sz_sync *s, size_t i)
{
	return i < s->cfg.nscopes ? s->scopes[i] : s->pairs[i - s->cfg.nscopes].label;
}

static int
cmp_scope(const void *a, const void *b)
{
	return memcmp(a, b, SZ_SCOPE_BYTES);
}

/* HELLO: version, methods, our tokens, padded with random ones to max(256, a power of two). */
static int
send_hello(sz_sync *s)
{
	sz_buf b = { 0 };
	size_t n = SZ_HELLO_MIN_TOKENS, noffers = s->cfg.nscopes + s->cfg.npairs;
	while (n < noffers)
		n <<= 1;
	if (n > SZ_HELLO_MAX_TOKENS)
		return SZ_ERR_LIMIT;
	sz_buf_u8(&b, 1);
	sz_buf_u8(&b, s->cfg.methods);
	sz_buf_u16(&b, (uint16_t)n);
	uint8_t *t = sz_buf_zeros(&b, n * SZ_TOKEN_BYTES);
	if (t == NULL) {
		sz_buf_free(&b);
		return SZ_ERR_NOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		if (i < noffers) {
			if (offer_token(s, i, s->cfg.role, t + i * 16) != SZ_OK) {
				sz_buf_free(&b);
				return SZ_ERR_INTERNAL;
			}
		} else {
			sz_random(s->cfg.env, t + i * 16, 16);
		}
	}
	sz_sync_send(s, SZ_FR_HELLO, b.p, b.len);
	sz_buf_free(&b);
	s->hello_sent = true;
	return SZ_OK;
}

static int
on_hello(sz_sync *s, const sz_frame *f)
{
	sz_hello h;
	int r;
	if (s->phase != PH_HELLO)
		return sz_sync_fail(s, SZ_ERR_PEER, "unexpected HELLO");
	if (s->join != NULL)
		return SZ_OK; /* redeeming an invitation: no sync in this session */
	if ((r = sz_hello_parse(&h, f->payload, f->len)) != SZ_OK)
		return sz_sync_fail(s, r, "malformed HELLO");
	if (h.version != 1)
		return sz_sync_fail(s, SZ_ERR_UNSUPPORTED, "unsupported sync version");
	int peer_role = s->cfg.role == SZ_NOISE_INITIATOR ? SZ_NOISE_RESPONDER : SZ_NOISE_INITIATOR;
	size_t noffers = s->cfg.nscopes + s->cfg.npairs;
	s->st.peer_tokens = h.ntokens;
	s->st.hello_bytes = SZ_FRAME_HDR + f->len;
	s->shared = calloc(noffers ? noffers : 1, SZ_SCOPE_BYTES);
	if (s->shared == NULL)
		return sz_sync_fail(s, SZ_ERR_NOMEM, "out of memory");
	/* A label is shared when the peer's token for one of our offers of it, under the peer's
	 * role, is in its HELLO: the peer holds the same scope, or the other half of the pair. */
	for (size_t i = 0; i < noffers; i++) {
		uint8_t tok[16];
		bool hit = false;
		if (offer_token(s, i, peer_role, tok) != SZ_OK)
			return sz_sync_fail(s, SZ_ERR_INTERNAL, "token");
		for (size_t j = 0; j < h.ntokens; j++)
			hit |= sz_ct_equal(tok, h.tokens + 16 * j, 16); /* keyed tokens: constant time */
		sz_wipe(tok, sizeof tok);
		if (hit)
			memcpy(s->shared[s->nshared++], offer_label(s, i), SZ_SCOPE_BYTES);
	}
	qsort(s->shared, s->nshared, SZ_SCOPE_BYTES, cmp_scope);
	size_t w = 0;
	for (size_t i = 0; i < s->nshared; i++) /* one label under many pairs counts once */
		if (w == 0 || memcmp(s->shared[w - 1], s->shared[i], SZ_SCOPE_BYTES) != 0)
			memmove(s->shared[w++], s->shared[i], SZ_SCOPE_BYTES);
	s->nshared = w;
	s->st.scopes_shared = s->nshared;
	uint8_t both = s->cfg.methods & h.methods;
	if (both & SZ_RECON_RIBLT)
		s->method = SZ_RECON_RIBLT;
	else if (both & SZ_RECON_NEGENTROPY)
		s->method = SZ_RECON_NEGENTROPY;
	else if (both & SZ_RECON_LIST)
		s->method = SZ_RECON_LIST;
	else
		return sz_sync_fail(s, SZ_ERR_UNSUPPORTED, "no reconciliation method in common");
	s->st.method = s->method;
	s->phase = PH_RECON;
	if ((r = sz_recon_start(s)) != SZ_OK)
		return sz_sync_fail(s, r, "reconciliation could not start");
	return SZ_OK;
}

static int
on_frame(sz_sync *s, const sz_frame *f)
{
	uint32_t a, b;
	switch (f->type) {
	case SZ_FR_HELLO:
		return on_hello(s, f);
	case SZ_FR_IDS: case SZ_FR_IDS_END: case SZ_FR_SYMBOLS: case SZ_FR_MORE: case SZ_FR_DECODED:
	case SZ_FR_NEG:
		if (s->phase != PH_RECON && !(f->type == SZ_FR_DECODED && s->phase == PH_RECON))
			return sz_sync_fail(s, SZ_ERR_PEER, "reconciliation out of turn");
		s->st.recon_bytes += SZ_FRAME_HDR + f->len;
		return sz_recon_frame(s, f);
	case SZ_FR_ENVELOPES:
		return sz_transfer_envelopes(s, f);
	case SZ_FR_ACK:
		if (s->phase != PH_TRANSFER || s->unacked == 0 || sz_ack_parse(f->payload, f->len, &a, &b))
			return sz_sync_fail(s, SZ_ERR_PEER, "unexpected ACK");
		s->unacked--;
		s->st.acked += a + b;
		return SZ_OK;
	case SZ_FR_FIN:
		if (s->phase != PH_TRANSFER || s->fin_received)
			return sz_sync_fail(s, SZ_ERR_PEER, "unexpected FIN");
		s->fin_received = true;
		return sz_transfer_flush(s); /* the last batch, if it was held */
	case SZ_FR_JOIN: {
		sz_buf reply = { .secret = true };
		if (s->cfg.role != SZ_NOISE_RESPONDER || s->phase != PH_HELLO ||
		    s->cfg.hooks.on_join == NULL)
			return sz_sync_fail(s, SZ_ERR_PEER, "unexpected JOIN");
		int jr = s->cfg.hooks.on_join(s->cfg.hooks.ctx, f->payload, f->len, &reply);
		if (jr != SZ_OK) {
			sz_buf_free(&reply);
			return sz_sync_fail(s, jr, "the invitation was refused");
		}
		if (reply.err) {
			sz_buf_free(&reply);
			return sz_sync_fail(s, SZ_ERR_NOMEM, "out of memory");
		}
		sz_sync_send(s, SZ_FR_WELCOME, reply.p, reply.len);
		sz_buf_free(&reply);
		s->phase = PH_END;
		s->status = SZ_SYNC_DONE;
		return SZ_OK;
	}
	case SZ_FR_WELCOME: {
		if (s->join == NULL || s->phase != PH_HELLO)
			return sz_sync_fail(s, SZ_ERR_PEER, "unexpected WELCOME");
		int wr = s->cfg.hooks.on_welcome != NULL ?
		    s->cfg.hooks.on_welcome(s->cfg.hooks.ctx, f->payload, f->len) : SZ_ERR_INVALID;
		if (wr != SZ_OK)
			return sz_sync_fail(s, wr, "the welcome could not be used");
		s->phase = PH_END;
		s->status = SZ_SYNC_DONE;
		return SZ_OK;
	}
	case SZ_FR_ERROR: {
		size_t tl = f->len > 4 ? f->len - 4 : 0;
		s->peer_code = f->len >= 4 ? (int)(int32_t)sz_load_u32(f->payload) : SZ_ERR_PEER;
		if (s->peer_code == 0)
			s->peer_code = SZ_ERR_PEER;
		if (tl > 200)
			tl = 200;
		memcpy(s->peer_error, f->payload + (f->len >= 4 ? 4 : 0), tl);
		s->peer_error[tl] = '\0';
		s->status = SZ_SYNC_FAILED;
		s->error = SZ_ERR_CLOSED;
		return SZ_ERR_CLOSED;
	}
	}
	return sz_sync_fail(s, SZ_ERR_PEER, "unknown frame type");
}

/* Take whole frames out of the decrypted stream. */
static int
drain_stream(sz_sync *s)
{
	size_t off = 0;
	int r = SZ_OK;
	while (s->status == SZ_SYNC_RUNNING) {
		sz_frame f;
		size_t used;
		r = sz_frame_get(s->stream.p + off, s->stream.len - off, &f, &used);
		if (r == SZ_ERR_AGAIN) {
			r = SZ_OK;
			break;
		}
		if (r != SZ_OK) {
			r = sz_sync_fail(s, r, "malformed frame");
			break;
		}
		if ((r = on_frame(s, &f)) != SZ_OK)
			break;
		s->progress_ms = sz_mono_ms(s->cfg.env); /* a whole frame: the session moves */
		s->st.frames_in++;
		off += used;
	}
	if (off > 0) {
		memmove(s->stream.p, s->stream.p + off, s->stream.len - off);
		s->stream.len -= off;
	}
	return r;
}

static int
start_transport(sz_sync *s)
{
	int r;
	if ((r = sz_noise_hs_split(s->hs, &s->tx, &s->rx)) != SZ_OK)
		return r;
	if ((r = sz_noise_hs_hash(s->hs, s->hash, &s->hashlen)) != SZ_OK)
		return r;
	if ((r = sz_noise_hs_remote_static(s->hs, s->peer_key)) != SZ_OK)
		return r;
	s->have_peer_key = true;
	if (s->cfg.expect_remote != NULL && !sz_ct_equal(s->peer_key, s->cfg.expect_remote, 32))
		return SZ_ERR_BAD_SIGNATURE;
	if (s->cfg.hooks.peer_ok != NULL) {
		char why[160] = "";
		if ((r = s->cfg.hooks.peer_ok(s->cfg.hooks.peer_ctx, s->peer_key, why,
		    sizeof why)) != SZ_OK) {
			why[sizeof why - 1] = '\0';
			s->phase = PH_HELLO; /* the transport keys are up: the ERROR can be sent */
			sz_sync_fail(s, r, why[0] ? why : r == SZ_ERR_DENIED ? "refused for a while: too "
			    "many refused envelopes" : "refused");
			return SZ_ERR_STATE; /* already failed, with its reason */
		}
	}
	s->phase = PH_HELLO;
	if (s->join != NULL) {
		sz_sync_send(s, SZ_FR_JOIN, s->join, s->join_len);
		return SZ_OK;
	}
	return send_hello(s);
}

/* One whole Noise message from the peer. */
static int
on_message(sz_sync *s, const uint8_t *msg, size_t n)
{
	uint8_t pt[SZ_NOISE_MAX_MSG];
	size_t plen;
	int r;
	if (s->phase == PH_HANDSHAKE) {
		if (sz_noise_hs_next(s->hs) != SZ_NOISE_READ)
			return sz_sync_fail(s, SZ_ERR_PEER, "handshake out of turn");
		if ((r = sz_noise_hs_read(s->hs, msg, n, pt, sizeof pt, &plen)) != SZ_OK)
			return sz_sync_fail(s, r, "handshake failed");
		s->hs_read++;
		s->progress_ms = sz_mono_ms(s->cfg.env);
		if (plen != 0)
			return sz_sync_fail(s, SZ_ERR_PEER, "unexpected handshake payload");
		if (sz_noise_hs_next(s->hs) == SZ_NOISE_WRITE) {
			uint8_t out[SZ_NOISE_MAX_MSG];
			size_t olen;
			if ((r = sz_noise_hs_write(s->hs, NULL, 0, out, sizeof out, &olen)) != SZ_OK)
				return sz_sync_fail(s, r, "handshake failed");
			wire_put(s, out, olen);
		}
		if (sz_noise_hs_next(s->hs) == SZ_NOISE_SPLIT && (r = start_transport(s)) != SZ_OK)
			return s->status == SZ_SYNC_FAILED ? s->error : sz_sync_fail(s, r,
			    r == SZ_ERR_BAD_SIGNATURE ? "not the expected peer" : "could not start");
		return SZ_OK;
	}
	if ((r = sz_noise_decrypt(s->rx, msg, n, pt, sizeof pt, &plen)) != SZ_OK)
		return sz_sync_fail(s, r, "a message failed authentication");
	if (s->stream.len + plen > SZ_FRAME_MAX + SZ_FRAME_HDR + SZ_NOISE_MAX_MSG)
		return sz_sync_fail(s, SZ_ERR_TOO_LARGE, "frame too large");
	if (s->cfg.role == SZ_NOISE_RESPONDER && s->phase == PH_HELLO && s->stream.len == 0 &&
	    plen >= 4 && sz_load_u32(pt) > FIRST_FRAME_MAX)
		return sz_sync_fail(s, SZ_ERR_TOO_LARGE, "first frame too large");
	sz_buf_append(&s->stream, pt, plen);
	sz_wipe(pt, plen);
	if (s->stream.err)
		return sz_sync_fail(s, SZ_ERR_NOMEM, "out of memory");
	return drain_stream(s);
}

/* Produce output: handshake is driven by input; afterwards recon and transfer stream. */
static int
pump(sz_sync *s)
{
	int r = SZ_OK;
	if (s->status == SZ_SYNC_FAILED || s->tx == NULL)
		return SZ_OK;
	if (s->status == SZ_SYNC_DONE)
		return sz_sync_flush(s); /* a last frame (FIN, WELCOME) still goes out */
	if (s->phase == PH_RECON && (r = sz_recon_pump(s)) != SZ_OK)
		return sz_sync_fail(s, r, "reconciliation failed");
	if (s->phase == PH_TRANSFER && (r = sz_transfer_pump(s)) != SZ_OK)
		return sz_sync_fail(s, r, "sending failed");
	if ((r = sz_sync_flush(s)) != SZ_OK)
		return sz_sync_fail(s, r, "encryption failed");
	return SZ_OK;
}

int
sz_sync_input(sz_sync *s, const uint8_t *p, size_t n)
{
	int r = SZ_OK;
	if (s->status != SZ_SYNC_RUNNING)
		return s->status == SZ_SYNC_DONE ? SZ_OK : s->error;
	s->st.bytes_in += n;
	s->last_rx_ms = sz_mono_ms(s->cfg.env);
	if (s->st.bytes_in > s->cfg.limits.max_bytes_in)
		return sz_sync_fail(s, SZ_ERR_LIMIT, "byte limit reached");
	sz_buf_append(&s->in, p, n);
	if (s->in.err)
		return sz_sync_fail(s, SZ_ERR_NOMEM, "out of memory");
	size_t off = 0;
	while (s->status == SZ_SYNC_RUNNING && s->in.len - off >= 2) {
		size_t mlen = sz_load_u16(s->in.p + off);
		if (s->phase == PH_HANDSHAKE) {
			size_t want = s->cfg.role == SZ_NOISE_INITIATOR ? HS_MSG2 :
			    s->hs_read == 0 ? HS_MSG1 : HS_MSG3;
			if (mlen != want) {
				r = sz_sync_fail(s, SZ_ERR_PEER, "handshake message of the wrong size");
				break;
			}
		}
		if (s->in.len - off - 2 < mlen)
			break;
		r = on_message(s, s->in.p + off + 2, mlen);
		off += 2 + mlen;
		if (r != SZ_OK)
			break;
		if ((r = pump(s)) != SZ_OK)
			break;
	}
	memmove(s->in.p, s->in.p + off, s->in.len - off);
	s->in.len -= off;
	if (r == SZ_OK)
		r = pump(s);
	return s->status == SZ_SYNC_FAILED ? s->error : r;
}

void
sz_sync_output(sz_sync *s, const uint8_t **p, size_t *n)
{
	*p = s->wire.p + s->wire_off;
	*n = s->wire.len - s->wire_off;
}

void
sz_sync_consumed(sz_sync *s, size_t n)
{
	if (n > s->wire.len - s->wire_off)
		n = s->wire.len - s->wire_off;
	s->wire_off += n;
	if (s->wire_off == s->wire.len) {
		s->wire.len = 0;
		s->wire_off = 0;
	}
	if (n > 0)
		s->last_rx_ms = s->progress_ms = sz_mono_ms(s->cfg.env); /* the peer reads: not idle */
	(void)pump(s);
}

int
sz_sync_tick(sz_sync *s)
{
	uint64_t now = sz_mono_ms(s->cfg.env);
	if (s->status != SZ_SYNC_RUNNING)
		return SZ_OK;
	if (s->phase <= PH_HELLO && now - s->start_ms > s->cfg.limits.hello_ms)
		return sz_sync_fail(s, SZ_ERR_TIMEOUT, s->phase == PH_HANDSHAKE ? "no handshake in time" :
		    "no first frame in time");
	if (now - s->last_rx_ms > s->cfg.limits.idle_ms || now - s->start_ms > s->cfg.limits.max_ms)
		return sz_sync_fail(s, SZ_ERR_TIMEOUT, "timed out");
	if (s->held != NULL && now - s->held_ms >= SZ_SYNC_HOLD_MS) {
		/* nothing came after a full batch (the peer sent fewer than it announced) */
		int r = sz_transfer_flush(s);
		return r != SZ_OK ? r : pump(s);
	}
	return SZ_OK;
}

void
sz_sync_abort(sz_sync *s, int err, const char *why)
{
	(void)sz_sync_fail(s, err, why);
}

void
sz_sync_eof(sz_sync *s)
{
	if (s->status == SZ_SYNC_RUNNING) {
		s->status = SZ_SYNC_FAILED;
		s->error = SZ_ERR_CLOSED;
	}
}

sz_sync_status
sz_sync_get_status(const sz_sync *s)
{
	return s->status;
}

int
sz_sync_error(const sz_sync *s)
{
	return s->error;
}

const char *
sz_sync_peer_error(const sz_sync *s)
{
	return s->peer_error;
}

void
sz_sync_get_stats(const sz_sync *s, sz_sync_stats *st)
{
	*st = s->st;
}

int
sz_sync_peer_code(const sz_sync *s)
{
	return s->peer_code;
}

int
sz_sync_retry_after(const sz_sync *s)
{
	const char *p = strstr(s->peer_error, "retry after ");
	if (p == NULL)
		return -1;
	p += strlen("retry after ");
	long v = 0;
	int digits = 0;
	while (*p >= '0' && *p <= '9' && digits < 6) {
		v = v * 10 + (*p++ - '0');
		digits++;
	}
	if (digits == 0 || strncmp(p, " s", 2) != 0 || v > 86400)
		return -1;
	return (int)v;
}

bool
sz_sync_authenticated(const sz_sync *s)
{
	return s->have_peer_key;
}

bool
sz_sync_started(const sz_sync *s)
{
	return s->phase > PH_HELLO;
}

uint64_t
sz_sync_last_progress(const sz_sync *s)
{
	return s->progress_ms;
}

static size_t
idvec_mem(const sz_idvec *v)
{
	return v->cap * sizeof(sz_scoped_id);
}

size_t
sz_sync_mem(const sz_sync *s)
{
	size_t m = sizeof(*s) + s->in.cap + s->stream.cap + s->plain.cap + s->wire.cap +
	    idvec_mem(&s->mine) + idvec_mem(&s->theirs) + idvec_mem(&s->outq) +
	    idvec_mem(&s->want) + s->neg_have.cap + s->neg_need.cap + s->join_len +
	    (s->cfg.nscopes + s->cfg.npairs + s->nshared) * SZ_SCOPE_BYTES +
	    s->cfg.npairs * sizeof(sz_sync_pair) + s->nwant_pfx * 20 +
	    s->nwant_w * (SZ_RIBLT_WANT_BYTES + 1);
	return m + sz_recon_mem(s) + sz_transfer_mem(s);
}

int
sz_sync_peer_key(const sz_sync *s, uint8_t pk[static 32])
{
	if (!s->have_peer_key)
		return SZ_ERR_STATE;
	memcpy(pk, s->peer_key, 32);
	return SZ_OK;
}

int
sz_sync_new(sz_sync **out, const sz_sync_config *cfg)
{
	sz_sync *s;
	int r = SZ_ERR_NOMEM;
	*out = NULL;
	if (cfg->static_sk == NULL || cfg->env == NULL || cfg->hooks.list_ids == NULL ||
	    cfg->hooks.get == NULL || cfg->hooks.store == NULL ||
	    cfg->nscopes > SZ_HELLO_MAX_TOKENS || cfg->npairs > SZ_HELLO_MAX_TOKENS - cfg->nscopes ||
	    (cfg->npairs > 0 && cfg->pairs == NULL) ||
	    (cfg->hooks.sketch_get == NULL) != (cfg->hooks.sketch_put == NULL) ||
	    (cfg->hooks.sketch_get == NULL) != (cfg->hooks.sketch_size == NULL) ||
	    (cfg->hooks.sketch_get == NULL) != (cfg->hooks.find_prefix == NULL) ||
	    (cfg->hooks.sketch_build != NULL && cfg->hooks.sketch_get == NULL) ||
	    (cfg->hooks.count_ids == NULL) != (cfg->hooks.list_page == NULL) ||
	    (cfg->hooks.check == NULL) != (cfg->hooks.store_checked == NULL) ||
	    (cfg->hooks.check == NULL) != (cfg->hooks.drop == NULL))
		return SZ_ERR_INVALID;
	if ((s = calloc(1, sizeof *s)) == NULL)
		return SZ_ERR_NOMEM;
	s->cfg = *cfg;
	s->cfg.scopes = NULL;
	s->cfg.pairs = NULL;
	s->cfg.static_sk = NULL;
	if (s->cfg.methods == 0)
		s->cfg.methods = SZ_RECON_RIBLT | SZ_RECON_NEGENTROPY | SZ_RECON_LIST;
	if (s->cfg.salted_one_in == 0)
		s->cfg.salted_one_in = 16;
	if (s->cfg.compact_max == 0)
		s->cfg.compact_max = SZ_SYNC_COMPACT_MAX;
	const uint64_t *def = &default_limits.max_bytes_in;
	uint64_t *lim = &s->cfg.limits.max_bytes_in;
	for (size_t i = 0; i < sizeof default_limits / sizeof(uint64_t); i++)
		if (lim[i] == 0)
			lim[i] = def[i];
	if ((s->scopes = calloc(cfg->nscopes ? cfg->nscopes : 1, SZ_SCOPE_BYTES)) == NULL)
		goto fail;
	if (cfg->nscopes > 0)
		memcpy(s->scopes, cfg->scopes, cfg->nscopes * SZ_SCOPE_BYTES);
	if (cfg->npairs > 0) {
		if ((s->pairs = sz_secret_alloc(cfg->npairs * sizeof *s->pairs)) == NULL)
			goto fail;
		memcpy(s->pairs, cfg->pairs, cfg->npairs * sizeof *s->pairs);
	}
	memcpy(s->static_sk, cfg->static_sk, 32);
	if (cfg->join != NULL) {
		if (cfg->role != SZ_NOISE_INITIATOR || cfg->join_len == 0 || cfg->join_len > 4096 ||
		    (s->join = malloc(cfg->join_len)) == NULL) {
			r = SZ_ERR_INVALID;
			goto fail;
		}
		memcpy(s->join, cfg->join, cfg->join_len);
		s->join_len = cfg->join_len;
	}
	s->cfg.join = NULL;
	s->in.secret = s->stream.secret = s->plain.secret = true;
	s->status = SZ_SYNC_RUNNING;
	s->phase = PH_HANDSHAKE;
	s->start_ms = s->last_rx_ms = s->progress_ms = sz_mono_ms(cfg->env);
	sz_noise_config nc = {
		.protocol = SZ_NOISE_XX,
		.role = cfg->role,
		.prologue = (const uint8_t *)PROLOGUE,
		.prologue_len = sizeof PROLOGUE - 1,
		.s = s->static_sk,
		.env = cfg->env,
	};
	if ((r = sz_noise_hs_new(&s->hs, &nc)) != SZ_OK)
		goto fail;
	if (cfg->role == SZ_NOISE_INITIATOR) {
		uint8_t msg[SZ_NOISE_MAX_MSG];
		size_t mlen;
		if ((r = sz_noise_hs_write(s->hs, NULL, 0, msg, sizeof msg, &mlen)) != SZ_OK)
			goto fail;
		wire_put(s, msg, mlen);
	}
	*out = s;
	return SZ_OK;
fail:
	sz_sync_free(s);
	return r;
}

void
sz_sync_free(sz_sync *s)
{
	if (s == NULL)
		return;
	sz_transfer_drop(s);
	sz_noise_hs_free(s->hs);
	sz_noise_cipher_free(s->tx);
	sz_noise_cipher_free(s->rx);
	sz_buf_free(&s->in);
	sz_buf_free(&s->stream);
	sz_buf_free(&s->plain);
	sz_buf_free(&s->wire);
	sz_idvec_free(&s->mine);
	sz_idvec_free(&s->theirs);
	sz_idvec_free(&s->outq);
	sz_idvec_free(&s->want);
	sz_recon_free(s);
	free(s->scopes);
	sz_secret_free(s->pairs);
	free(s->shared);
	if (s->join != NULL) {
		sz_wipe(s->join, s->join_len);
		free(s->join);
	}
	sz_wipe(s, sizeof *s);
	free(s);
}
