// negentropy_bench.js - the JavaScript side of bench_negentropy: reconcile the two sets in the
// file argv[2] (records: side flags u8, timestamp u32le, id 32 bytes) with @nostr-dev-kit/sync
// 1.0.0's Negentropy as both initiator and responder, no frame limit, and print one line:
//   js bytes=<n> rounds=<n> have=<n> need=<n> cpu_ms=<x>
// CPU time covers inserting the items to the last message, as on the C side.
'use strict';
const fs = require('fs');
const path = require('path');
const ndk = require(path.join(__dirname, '..', 'tests', 'interop', 'node_modules',
    '@nostr-dev-kit', 'sync'));

const REC = 1 + 4 + 32;

async function main() {
    const buf = fs.readFileSync(process.argv[2]);
    const count = buf.length / REC;
    const recs = [];
    for (let i = 0; i < count; i++) {
        const o = i * REC;
        // A fresh array per id: the library's accumulator reads id.buffer from offset 0.
        recs.push([buf[o], buf.readUInt32LE(o + 1), new Uint8Array(buf.subarray(o + 5, o + REC))]);
    }
    const t0 = process.cpuUsage();
    const sa = new ndk.NegentropyStorage(), sb = new ndk.NegentropyStorage();
    for (const [side, ts, id] of recs) {
        if (side & 1) sa.insert(ts, id);
        if (side & 2) sb.insert(ts, id);
    }
    sa.seal();
    sb.seal();
    const a = new ndk.Negentropy(sa, 0), b = new ndk.Negentropy(sb, 0);
    let q = await a.initiate(), bytes = q.length, rounds = 0, have = 0, need = 0;
    for (;;) {
        const r = await b.reconcile(q);
        bytes += r.nextMessage.length;
        rounds++;
        const s = await a.reconcile(r.nextMessage);
        have += s.have.length;
        need += s.need.length;
        if (s.nextMessage === undefined) break;
        q = s.nextMessage;
        bytes += q.length;
    }
    const t = process.cpuUsage(t0);
    console.log(`js bytes=${bytes} rounds=${rounds} have=${have} need=${need} ` +
        `cpu_ms=${((t.user + t.system) / 1000).toFixed(1)}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
