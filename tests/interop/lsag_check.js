// lsag_check.js - an independent JavaScript implementation of docs/PROTOCOL.md §12 (Ballots) (LSAG over
// ristretto255 with per-scope tag bases, tag-reveal DLEQ proofs, proofs of possession), written
// from the spec on @noble/curves' ristretto255 and RFC 9380 expand_message_xmd.  It checks what
// the C code made (lines from `lsag_emit emit`, file argv[2]) and prints its own signatures, proofs
// and tampered copies, each tagged expect=ok|bad, for `lsag_emit verify`.  Used by lsag.t.
'use strict';
const fs = require('fs');
const crypto = require('crypto');
const { RistrettoPoint } = require('@noble/curves/ed25519');
const { expand_message_xmd } = require('@noble/curves/abstract/hash-to-curve');
const { sha512 } = require('@noble/hashes/sha2');

const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const G = RistrettoPoint.BASE;
const DST_TAG = 'samizdat-v1-lsag-tag-base';
const DST_CHAL = 'samizdat-v1-lsag-challenge';
const DST_POP = 'samizdat-v1-pop-challenge';
const REVEAL_CTX = 'samizdat-v1-lsag-tag-reveal';

const hex = (b) => Buffer.from(b).toString('hex');
const unhex = (h) => Uint8Array.from(Buffer.from(h, 'hex'));
const ascii = (s) => new TextEncoder().encode(s);
const cat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
};
const u16 = (n) => Uint8Array.of((n >> 8) & 255, n & 255);
const u32 = (n) => Uint8Array.of((n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
const u64 = (n) => { const b = new Uint8Array(8); let x = BigInt(n); for (let i = 7; i >= 0; i--) { b[i] = Number(x & 255n); x >>= 8n; } return b; };
const leInt = (b) => { let x = 0n; for (let i = b.length - 1; i >= 0; i--) x = (x << 8n) | BigInt(b[i]); return x; };
const le32 = (x) => { const b = new Uint8Array(32); for (let i = 0; i < 32; i++) { b[i] = Number(x & 255n); x >>= 8n; } return b; };
const enc = (P) => P.toRawBytes();
const mod = (x) => ((x % L) + L) % L;

function point(b) { // a valid, non-identity element or throw
  const P = RistrettoPoint.fromHex(b);
  if (P.equals(RistrettoPoint.ZERO)) throw new Error('identity');
  return P;
}
function scalar(b) { // a canonical scalar or throw
  const s = leInt(b);
  if (b.length !== 32 || s >= L) throw new Error('non-canonical scalar');
  return s;
}
const mul = (P, s) => (s === 0n ? RistrettoPoint.ZERO : P.multiplyUnsafe(s));
const hashToScalar = (dst, msg) => leInt(expand_message_xmd(msg, dst, 64, sha512)) % L;
const hashToGroup = (dst, msg) => RistrettoPoint.hashToCurve(expand_message_xmd(msg, dst, 64, sha512));
const randomScalar = () => { for (;;) { const s = leInt(crypto.randomBytes(64)) % L; if (s !== 0n) return s; } };

const tagBase = (cell, proposal, roster, kind) => hashToGroup(DST_TAG, cat(cell, proposal, roster, u32(kind)));

function lsagPrefix(ring, T, Ienc, msg) {
  return cat(u16(ring.length), ...ring, enc(T), Ienc, u64(msg.length), msg);
}
function lsagVerify(sig, msg, ring, T) {
  const n = ring.length;
  if (n < 1 || n > 1024 || sig.length !== 32 * (n + 2)) return false;
  try {
    if (new Set(ring.map(hex)).size !== n) return false;
    const P = ring.map(point);
    const Ienc = sig.slice(32 * (n + 1));
    const I = point(Ienc);
    const c0 = scalar(sig.slice(0, 32));
    const s = [];
    for (let i = 0; i < n; i++) s.push(scalar(sig.slice(32 * (i + 1), 32 * (i + 2))));
    const prefix = lsagPrefix(ring, T, Ienc, msg);
    let c = c0;
    for (let i = 0; i < n; i++) {
      const Li = mul(G, s[i]).add(mul(P[i], c));
      const Ri = mul(T, s[i]).add(mul(I, c));
      c = hashToScalar(DST_CHAL, cat(prefix, enc(Li), enc(Ri)));
    }
    return c === c0;
  } catch (e) {
    return false;
  }
}
function lsagSign(msg, ring, pi, x, T) {
  const n = ring.length;
  const I = mul(T, x);
  const prefix = lsagPrefix(ring, T, enc(I), msg);
  const s = new Array(n);
  const c = new Array(n);
  const alpha = randomScalar();
  c[(pi + 1) % n] = hashToScalar(DST_CHAL, cat(prefix, enc(mul(G, alpha)), enc(mul(T, alpha))));
  for (let i = (pi + 1) % n; i !== pi; i = (i + 1) % n) {
    s[i] = randomScalar();
    const P = point(ring[i]);
    const Li = mul(G, s[i]).add(mul(P, c[i]));
    const Ri = mul(T, s[i]).add(mul(I, c[i]));
    c[(i + 1) % n] = hashToScalar(DST_CHAL, cat(prefix, enc(Li), enc(Ri)));
  }
  s[pi] = mod(alpha - c[pi] * x);
  return cat(le32(c[0]), ...s.map(le32), enc(I));
}

// RFC 9497 section 2.2 with A = G, m = 1, contextString REVEAL_CTX.
function composites(B, C, D, k) {
  const seedDST = ascii('Seed-' + REVEAL_CTX);
  const seed = sha512(cat(u16(32), enc(B), u16(seedDST.length), seedDST));
  const d0 = hashToScalar('HashToScalar-' + REVEAL_CTX,
    cat(u16(seed.length), seed, u16(0), u16(32), enc(C), u16(32), enc(D), ascii('Composite')));
  const M = mul(C, d0);
  return { M, Z: k === undefined ? mul(D, d0) : mul(M, k) };
}
const dleqChallenge = (B, M, Z, t2, t3) => hashToScalar('HashToScalar-' + REVEAL_CTX,
  cat(u16(32), enc(B), u16(32), enc(M), u16(32), enc(Z), u16(32), enc(t2), u16(32), enc(t3), ascii('Challenge')));
function revealVerify(proof, pk, T, tag) {
  try {
    const B = point(pk), C = point(T), D = point(tag);
    const c = scalar(proof.slice(0, 32)), s = scalar(proof.slice(32));
    const { M, Z } = composites(B, C, D);
    const t2 = mul(G, s).add(mul(B, c));
    const t3 = mul(M, s).add(mul(Z, c));
    return dleqChallenge(B, M, Z, t2, t3) === c;
  } catch (e) {
    return false;
  }
}
function revealProve(x, T) {
  const B = mul(G, x), D = mul(T, x);
  const { M, Z } = composites(B, T, D, x);
  const r = randomScalar();
  const c = dleqChallenge(B, M, Z, mul(G, r), mul(M, r));
  return { pk: enc(B), tag: enc(D), proof: cat(le32(c), le32(mod(r - c * x))) };
}

const popChallenge = (pk, cell, member, R) => hashToScalar(DST_POP, cat(pk, cell, member, R));
function popVerify(proof, pk, cell, member) {
  try {
    const P = point(pk), R = point(proof.slice(0, 32)), s = scalar(proof.slice(32));
    const c = popChallenge(pk, cell, member, proof.slice(0, 32));
    return mul(G, s).equals(R.add(mul(P, c)));
  } catch (e) {
    return false;
  }
}
function popProve(x, cell, member) {
  const pk = enc(mul(G, x)), k = randomScalar(), R = enc(mul(G, k));
  const c = popChallenge(pk, cell, member, R);
  return cat(R, le32(mod(k + c * x)));
}

// --- check what the C code made ------------------------------------------------------------
let failures = 0, checks = 0;
function expect(cond, what) {
  checks++;
  if (!cond) { failures++; console.error('FAIL: ' + what); }
}
const flip = (b, i, bit) => { const c = Uint8Array.from(b); c[i] ^= 1 << bit; return c; };

function fields(line) {
  const f = {};
  for (const tok of line.trim().split(' ').slice(1)) { const [k, v] = tok.split('='); f[k] = v; }
  return f;
}
for (const line of fs.readFileSync(process.argv[2], 'utf8').split('\n').filter(Boolean)) {
  const kind = line.split(' ')[0], f = fields(line);
  if (kind === 'lsag') {
    const n = Number(f.n), ringBytes = unhex(f.ring), sig = unhex(f.sig), msg = unhex(f.msg);
    const ring = []; for (let i = 0; i < n; i++) ring.push(ringBytes.slice(32 * i, 32 * i + 32));
    const T = tagBase(unhex(f.cell), unhex(f.proposal), unhex(f.roster), Number(f.kind));
    expect(hex(enc(T)) === f.T, `tag base matches for n=${n}`);
    expect(lsagVerify(sig, msg, ring, T), `C signature verifies, n=${n}`);
    const x = scalar(unhex(f.sk));
    expect(hex(enc(mul(T, x))) === hex(sig.slice(32 * (n + 1))), `tag = x*T, n=${n}`);
    expect(hex(enc(mul(G, x))) === hex(ring[Number(f.signer)]), `P = x*G, n=${n}`);
    for (let i = 0; i < sig.length; i += 31) expect(!lsagVerify(flip(sig, i, i % 8), msg, ring, T), `tampered byte ${i}, n=${n}`);
    expect(!lsagVerify(sig, flip(msg, 0, 0), ring, T), `tampered message, n=${n}`);
    if (n > 1) expect(!lsagVerify(sig, msg, ring.slice().reverse(), T), `reordered ring, n=${n}`);
    const T2 = tagBase(unhex(f.cell), unhex(f.proposal), unhex(f.roster), Number(f.kind) + 1);
    expect(!lsagVerify(sig, msg, ring, T2), `other scope, n=${n}`);
  } else if (kind === 'reveal') {
    const proof = unhex(f.proof), pk = unhex(f.pk), T = unhex(f.T), tag = unhex(f.tag);
    expect(revealVerify(proof, pk, T, tag), 'C tag reveal verifies');
    expect(!revealVerify(flip(proof, 5, 1), pk, T, tag), 'tampered tag reveal');
    expect(!revealVerify(proof, pk, T, enc(point(tag).add(G))), 'tag reveal for another tag');
  } else if (kind === 'pop') {
    const proof = unhex(f.proof), pk = unhex(f.pk), cell = unhex(f.cell), member = unhex(f.member);
    expect(popVerify(proof, pk, cell, member), 'C proof of possession verifies');
    expect(!popVerify(proof, pk, cell, flip(member, 0, 0)), 'PoP for another member');
    expect(!popVerify(flip(proof, 40, 3), pk, cell, member), 'tampered PoP');
  }
}
console.error(`lsag_check: ${checks} checks of the C output, ${failures} failed`);

// --- make our own for the C verifier -------------------------------------------------------
const out = [];
const cell = crypto.randomBytes(32), proposal = crypto.randomBytes(32), roster = crypto.randomBytes(32);
const member = crypto.randomBytes(32);
const msg = ascii('ballot from the JavaScript side');
for (const [n, kind] of [[1, 1], [3, 2], [7, 1]]) {
  const xs = [], ring = [];
  for (let i = 0; i < n; i++) { const x = randomScalar(); xs.push(x); ring.push(enc(mul(G, x))); }
  const T = tagBase(cell, proposal, roster, kind), pi = n - 1;
  const sig = lsagSign(msg, ring, pi, xs[pi], T);
  expect(lsagVerify(sig, msg, ring, T), `own signature verifies, n=${n}`);
  const line = (s, m, e) => `lsag n=${n} kind=${kind} cell=${hex(cell)} proposal=${hex(proposal)} roster=${hex(roster)} msg=${hex(m)} ring=${hex(cat(...ring))} sig=${hex(s)} expect=${e}`;
  out.push(line(sig, msg, 'ok'));
  out.push(line(flip(sig, 33, 2), msg, 'bad'));
  out.push(line(sig, flip(msg, 3, 0), 'bad'));
  const nc = Uint8Array.from(sig); nc.set(le32(leInt(sig.slice(32, 64)) + L), 32); // s_0 + L
  out.push(line(nc, msg, 'bad'));
  const r = revealProve(xs[pi], T);
  out.push(`reveal pk=${hex(r.pk)} T=${hex(enc(T))} tag=${hex(r.tag)} proof=${hex(r.proof)} expect=ok`);
  out.push(`reveal pk=${hex(ring[0])} T=${hex(enc(T))} tag=${hex(r.tag)} proof=${hex(r.proof)} expect=${n === 1 ? 'ok' : 'bad'}`);
  const p = popProve(xs[0], cell, member);
  out.push(`pop pk=${hex(ring[0])} cell=${hex(cell)} member=${hex(member)} proof=${hex(p)} expect=ok`);
  out.push(`pop pk=${hex(ring[0])} cell=${hex(member)} member=${hex(member)} proof=${hex(p)} expect=bad`);
}
process.stdout.write(out.join('\n') + '\n');
process.exit(failures === 0 && checks > 0 ? 0 : 1);
