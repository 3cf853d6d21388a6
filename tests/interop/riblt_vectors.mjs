// riblt_vectors.mjs - regenerate tests/vectors/riblt/peerbit_u64.txt from @peerbit/riblt 1.2.0
// (the Rust/wasm build of the reference Rateless IBLT).  Run: node riblt_vectors.mjs > FILE
import { EncoderWrapper, ready } from "@peerbit/riblt";
await ready;
const M = (1n << 64n) - 1n;
const set = [0xdeadbeefcafebaben, 0n, M];
for (let i = 1n; i <= 29n; i++) set.push((i * 0x9e3779b97f4a7c15n) & M);
const enc = new EncoderWrapper();
for (const v of set) enc.add_symbol(v);
console.log("# Rateless IBLT coded symbols of a set of u64 symbols, produced by @peerbit/riblt 1.2.0");
console.log("# (MIT licence, see LICENSE.peerbit-riblt) with tests/interop/riblt_vectors.mjs.");
console.log("# Symbol hash: SipHash-2-4, k0 = 123, k1 = 456, over the 8 little-endian bytes.");
console.log("# 'set' lines: the symbols, decimal.  'cell' lines: index,symbol,hash,count.");
for (const v of set) console.log(`set ${v}`);
for (let i = 0; i < 64; i++) {
	const c = enc.produce_next_coded_symbol();
	console.log(`cell ${i},${c.symbol},${c.hash},${c.count}`);
}
