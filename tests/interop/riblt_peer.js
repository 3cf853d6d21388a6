// riblt_peer.js - the @peerbit/riblt side of tests/interop/riblt.t (a Rust/wasm build of the
// reference Rateless IBLT, u64 symbols hashed with SipHash-2-4 k0 = 123, k1 = 456).
//   node riblt_peer.js sets SEED COMMON DA DB DIR   write DIR/{a,b,a_only,b_only}.txt
//   node riblt_peer.js encode K < SET               print K coded symbols: symbol,hash,count
//   node riblt_peer.js decode LOCALSET < CELLS      peel; print "remote N" / "local N" lines
// Exit 0 on success, 1 when decoding did not finish, 2 on bad use.
"use strict";
const fs = require("fs");
const path = require("path");

const M64 = (1n << 64n) - 1n;

// splitmix64: a seeded stream of distinct-looking 64-bit values.
function splitmix(seed) {
	let s = BigInt(seed) & M64;
	return () => {
		s = (s + 0x9e3779b97f4a7c15n) & M64;
		let z = s;
		z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M64;
		z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M64;
		return z ^ (z >> 31n);
	};
}

function readSet(text) {
	return text.split("\n").filter((l) => l.length > 0).map((l) => BigInt(l));
}

function writeSet(file, values) {
	const sorted = [...values].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
	fs.writeFileSync(file, sorted.map((v) => v.toString() + "\n").join(""));
}

async function main() {
	const [cmd, ...args] = process.argv.slice(2);
	if (cmd === "sets") {
		const [seed, common, da, db] = args.slice(0, 4).map(Number);
		const dir = args[4];
		const next = splitmix(seed);
		const seen = new Set();
		const fresh = () => {
			for (;;) {
				const v = next();
				if (!seen.has(v)) {
					seen.add(v);
					return v;
				}
			}
		};
		const c = Array.from({ length: common }, fresh);
		const ao = Array.from({ length: da }, fresh);
		const bo = Array.from({ length: db }, fresh);
		writeSet(path.join(dir, "a.txt"), [...c, ...ao]);
		writeSet(path.join(dir, "b.txt"), [...c, ...bo]);
		writeSet(path.join(dir, "a_only.txt"), ao);
		writeSet(path.join(dir, "b_only.txt"), bo);
		return 0;
	}
	const { EncoderWrapper, DecoderWrapper, ready } = await import("@peerbit/riblt");
	await ready;
	if (cmd === "encode") {
		const k = Number(args[0]);
		const enc = new EncoderWrapper();
		for (const v of readSet(fs.readFileSync(0, "utf8")))
			enc.add_symbol(v);
		const out = [];
		for (let i = 0; i < k; i++) {
			const c = enc.produce_next_coded_symbol();
			out.push(`${c.symbol},${c.hash},${c.count}\n`);
		}
		process.stdout.write(out.join(""));
		return 0;
	}
	if (cmd === "decode") {
		const dec = new DecoderWrapper();
		for (const v of readSet(fs.readFileSync(args[0], "utf8")))
			dec.add_symbol(v);
		const lines = fs.readFileSync(0, "utf8").split("\n").filter((l) => l.length > 0);
		let used = 0;
		for (const l of lines) {
			const [symbol, hash, count] = l.split(",").map(BigInt);
			dec.add_coded_symbol({ symbol, hash, count });
			dec.try_decode();
			used++;
			if (dec.decoded())
				break;
		}
		if (!dec.decoded()) {
			process.stderr.write(`riblt_peer: not decoded after ${used} coded symbols\n`);
			return 1;
		}
		const out = [];
		for (const v of dec.get_remote_symbols())
			out.push(`remote ${BigInt.asUintN(64, BigInt(v))}\n`);
		for (const v of dec.get_local_symbols())
			out.push(`local ${BigInt.asUintN(64, BigInt(v))}\n`);
		process.stdout.write(out.join(""));
		process.stderr.write(`riblt_peer: decoded after ${used} coded symbols\n`);
		return 0;
	}
	process.stderr.write("usage: riblt_peer.js sets|encode|decode ...\n");
	return 2;
}

main().then((rc) => process.exit(rc), (e) => {
	process.stderr.write(`riblt_peer: ${e && e.stack ? e.stack : e}\n`);
	process.exit(1);
});
