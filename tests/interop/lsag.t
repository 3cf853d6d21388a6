#!/bin/sh
# lsag.t - LSAG, tag reveals and proofs of possession against an independent implementation:
# tests/interop/lsag_check.js (JavaScript, @noble/curves ristretto255, written from
# docs/PROTOCOL.md §12 (Ballots)) checks what the C code signs, and the C code checks what it signs.
set -u
cd "${SZ_ROOT:?}"
command -v node >/dev/null 2>&1 || { echo "node is not installed" >&2; exit 77; }
[ -d tests/interop/node_modules/@noble/curves ] || { echo "no node_modules: run make interop-deps" >&2; exit 77; }
bin="${SZ_SAN:?}/bin/lsag_emit"
[ -x "$bin" ] || { echo "$bin is not built" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" emit >"$tmp/c.txt" || { echo "lsag_emit emit failed" >&2; exit 1; }
node tests/interop/lsag_check.js "$tmp/c.txt" >"$tmp/js.txt" || { echo "the JavaScript side rejected the C output" >&2; exit 1; }
"$bin" verify <"$tmp/js.txt" || { echo "the C side disagreed with the JavaScript output" >&2; exit 1; }
