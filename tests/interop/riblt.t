#!/bin/sh
# riblt.t - Rateless IBLT interop with @peerbit/riblt 1.2.0 (Rust/wasm build of the reference).
# For random sets of several seeds and sizes: the coded symbols of the C code (riblt_symbols)
# and of the package are compared one by one; the package's coded symbols are peeled by the C
# decoder (riblt_peel) and the C coded symbols by the package's decoder, in both directions, and
# the recovered differences are checked against the truth.
set -eu
ROOT=${SZ_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=${SZ_SAN:-$ROOT/build/san}/bin
PEER="$ROOT/tests/interop/riblt_peer.js"
command -v node >/dev/null 2>&1 || { echo "node is not installed" >&2; exit 77; }
[ -d "$ROOT/tests/interop/node_modules/@peerbit/riblt" ] ||
	{ echo "@peerbit/riblt missing: run make interop-deps" >&2; exit 77; }
for t in riblt_symbols riblt_peel; do
	[ -x "$BIN/$t" ] || { echo "$BIN/$t not built" >&2; exit 1; }
done
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# expect FILE SIDE WANTFILE: the "SIDE N" lines of FILE are exactly the numbers in WANTFILE.
expect() {
	sed -n "s/^$2 //p" "$1" | sort >"$T/got"
	sort "$3" >"$T/want"
	cmp -s "$T/got" "$T/want" || fail "$1: $2 differs from $3 ($(wc -l <"$T/got") vs $(wc -l <"$T/want") lines)"
}

n=0
for c in "1 0 5 0" "2 1 0 1" "3 100 10 10" "4 1000 0 50" "5 5000 100 100" "6 20000 300 200" \
	"7 3000 40 0" "8 0 0 0" "9 500 1 1"; do
	set -- $c
	seed=$1 common=$2 da=$3 db=$4
	k=$((4 * (da + db) + 64))
	node "$PEER" sets "$seed" "$common" "$da" "$db" "$T"
	for side in a b; do
		"$BIN/riblt_symbols" "$k" <"$T/$side.txt" >"$T/c_$side.txt"
		node "$PEER" encode "$k" <"$T/$side.txt" >"$T/j_$side.txt"
		[ "$(wc -l <"$T/c_$side.txt")" -eq "$k" ] || fail "seed $seed: riblt_symbols printed too few lines"
		if ! cmp -s "$T/c_$side.txt" "$T/j_$side.txt"; then
			line=$(cmp "$T/c_$side.txt" "$T/j_$side.txt" | sed -n 's/.*line \([0-9]*\).*/\1/p')
			fail "seed $seed set $side: coded symbol $((line - 1)) differs: C $(sed -n "${line}p" "$T/c_$side.txt"), package $(sed -n "${line}p" "$T/j_$side.txt")"
		fi
	done
	# The package's symbols of A, peeled in C against B; and the reverse direction.
	"$BIN/riblt_peel" "$T/b.txt" <"$T/j_a.txt" >"$T/out" 2>"$T/err" || fail "seed $seed: C decoder: $(cat "$T/err")"
	expect "$T/out" remote "$T/a_only.txt"
	expect "$T/out" local "$T/b_only.txt"
	"$BIN/riblt_peel" "$T/a.txt" <"$T/j_b.txt" >"$T/out" 2>"$T/err" || fail "seed $seed: C decoder (B): $(cat "$T/err")"
	expect "$T/out" remote "$T/b_only.txt"
	expect "$T/out" local "$T/a_only.txt"
	# The C symbols of A, peeled by the package against B; and the reverse.
	node "$PEER" decode "$T/b.txt" <"$T/c_a.txt" >"$T/out" 2>"$T/err" || fail "seed $seed: package decoder: $(cat "$T/err")"
	expect "$T/out" remote "$T/a_only.txt"
	expect "$T/out" local "$T/b_only.txt"
	node "$PEER" decode "$T/a.txt" <"$T/c_b.txt" >"$T/out" 2>"$T/err" || fail "seed $seed: package decoder (B): $(cat "$T/err")"
	expect "$T/out" remote "$T/b_only.txt"
	expect "$T/out" local "$T/a_only.txt"
	n=$((n + 1))
	echo "ok seed $seed: N=$common+$da/$db, $k coded symbols identical, decoded both ways"
done
echo "riblt interop: $n cases passed"
