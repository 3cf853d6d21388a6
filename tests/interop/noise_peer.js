// noise_peer.js - the JavaScript side of the live Noise interop test (tests/interop/noise.t):
// a Noise_XX_25519_ChaChaPoly_BLAKE2b peer built on the npm package noise-protocol, speaking
// exactly what tools/noise_peer.c speaks (see its header for the wire and the message plan).
//
//   node noise_peer.js initiator PORT [SEED [COUNT [garbage]]]
//   node noise_peer.js responder 0    [SEED [COUNT]]        prints "port=N" once listening
//
// With "garbage", the initiator completes the handshake and then sends one frame of random
// bytes where the first transport message belongs, to check that the other side drops it.
// Exit codes as noise_peer.c: 0 ok, 2 usage, 3 the peer broke the protocol, 4 network.
'use strict'

const net = require('net')
const crypto = require('crypto')
const noise = require('noise-protocol')
const cipher = require('noise-protocol/cipher')()
const cipherState = require('noise-protocol/cipher-state')({ cipher })

const PROLOGUE = Buffer.from('samizdat-noise-interop/1')
const MAX_PLAINTEXT = 65535 - 16
const PAYLOADS = ['m1', 'm2', 'm3']

const [role, portArg, seedArg, countArg, mode] = process.argv.slice(2)
if ((role !== 'initiator' && role !== 'responder') || portArg === undefined) {
  console.error('usage: node noise_peer.js initiator|responder PORT [SEED [COUNT [garbage]]]')
  process.exit(2)
}
const initiator = role === 'initiator'
const seed = seedArg === undefined ? 1 : Number(seedArg) >>> 0
const count = countArg === undefined ? 1000 : Number(countArg)

function fail (code, why) {
  console.error('noise_peer.js: ' + why)
  process.exit(code)
}

// Frames: a 2-byte big-endian length, then the message.  Reads are queued as promises.
function framer (sock) {
  let buf = Buffer.alloc(0)
  let waiting = null
  let closed = false
  function pump () {
    if (!waiting) return
    if (buf.length >= 2) {
      const n = buf.readUInt16BE(0)
      if (buf.length >= 2 + n) {
        const msg = buf.subarray(2, 2 + n)
        buf = buf.subarray(2 + n)
        const w = waiting
        waiting = null
        w.resolve(Buffer.from(msg))
        return
      }
    }
    if (closed) {
      const w = waiting
      waiting = null
      w.reject(new Error('connection closed'))
    }
  }
  sock.on('data', (d) => { buf = Buffer.concat([buf, d]); pump() })
  sock.on('end', () => { closed = true; pump() })
  sock.on('close', () => { closed = true; pump() })
  sock.on('error', () => { closed = true; pump() })
  return {
    recv: () => new Promise((resolve, reject) => { waiting = { resolve, reject }; pump() }),
    send: (msg) => {
      const len = Buffer.alloc(2)
      len.writeUInt16BE(msg.length)
      sock.write(Buffer.concat([len, msg]))
    }
  }
}

// The same plan as noise_peer.c: sizes from a 32-bit LCG, bytes from a linear formula.
function content (lcg, i, d) {
  lcg.s = (Math.imul(lcg.s, 1664525) + 1013904223) >>> 0
  const size = lcg.s % (MAX_PLAINTEXT + 1)
  const out = Buffer.alloc(size)
  for (let j = 0; j < size; j++) out[j] = (i * 131 + j * 7 + d * 17 + seed) & 0xff
  return out
}

async function run (sock) {
  const io = framer(sock)
  const s = noise.keygen()
  console.log('local_static=' + Buffer.from(s.publicKey).toString('hex'))
  const hs = noise.initialize('XX', initiator, PROLOGUE, s)
  let split = null
  for (let m = 0; m < 3; m++) {
    if ((m % 2 === 0) === initiator) {
      const out = Buffer.alloc(200)
      split = noise.writeMessage(hs, Buffer.from(PAYLOADS[m]), out) || split
      io.send(out.subarray(0, noise.writeMessage.bytes))
    } else {
      let msg
      try { msg = await io.recv() } catch (e) { fail(4, 'connection closed in the handshake') }
      const payload = Buffer.alloc(65535)
      try {
        split = noise.readMessage(hs, msg, payload) || split
      } catch (e) {
        fail(3, 'handshake message ' + (m + 1) + ' refused: ' + e.message)
      }
      const got = payload.subarray(0, noise.readMessage.bytes).toString()
      if (got !== PAYLOADS[m]) fail(3, 'handshake payload ' + (m + 1) + ' differs')
    }
  }
  console.log('remote_static=' + Buffer.from(hs.rs).toString('hex'))
  noise.destroy(hs)
  if (!split) fail(1, 'no split after the handshake')
  if (mode === 'garbage') {
    io.send(crypto.randomBytes(1 + crypto.randomInt(300)))
    try { await io.recv() } catch (e) { console.log('dropped, as it must be'); process.exit(0) }
    fail(1, 'the peer answered a garbage frame')
  }
  const lcg = [{ s: (seed ^ 0x1111) >>> 0 }, { s: (seed ^ 0x2222) >>> 0 }]
  const step = async (sending, i, d) => {
    const want = content(lcg[d], i, d)
    if (sending) {
      const out = Buffer.alloc(want.length + 16)
      cipherState.encryptWithAd(split.tx, out, Buffer.alloc(0), want)
      io.send(out)
      return
    }
    let msg
    try { msg = await io.recv() } catch (e) { fail(4, 'connection closed at message ' + i) }
    if (msg.length < 16) fail(3, 'transport message ' + i + ' too short')
    const plain = Buffer.alloc(msg.length - 16)
    try {
      cipherState.decryptWithAd(split.rx, plain, Buffer.alloc(0), msg)
    } catch (e) {
      fail(3, 'transport message ' + i + ' (direction ' + d + ') refused: ' + e.message)
    }
    if (!plain.equals(want)) fail(3, 'transport message ' + i + ' (direction ' + d + ') differs')
  }
  for (let i = 0; i < count; i++) {
    await step(initiator, i, 0)
    await step(!initiator, i, 1)
  }
  console.log('ok ' + count + ' messages each way')
  sock.end()
  process.exit(0)
}

if (initiator) {
  const sock = net.connect(Number(portArg), '127.0.0.1', () => { sock.setNoDelay(true); run(sock) })
  sock.on('error', (e) => fail(4, e.message))
} else {
  const server = net.createServer((sock) => { server.close(); sock.setNoDelay(true); run(sock) })
  server.listen(Number(portArg), '127.0.0.1', () => {
    console.log('port=' + server.address().port)
  })
}
setTimeout(() => fail(4, 'timed out'), 120000).unref()
