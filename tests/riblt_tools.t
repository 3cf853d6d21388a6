#!/bin/sh
# riblt_tools.t - riblt_symbols and riblt_peel refuse bad input with exit status 2 and a message,
# and agree with each other on a good one.
set -u
ROOT=${SZ_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
BIN=${SZ_SAN:-$ROOT/build/san}/bin
S="$BIN/riblt_symbols"
P="$BIN/riblt_peel"
[ -x "$S" ] && [ -x "$P" ] || { echo "tools not built" >&2; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
bad=0
# want STATUS DESCRIPTION CMD...: stdin from $T/in; status must match and stderr must say something.
want() {
	st=$1 what=$2
	shift 2
	"$@" <"$T/in" >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" -ne "$st" ]; then
		echo "FAIL: $what: exit $got, want $st" >&2
		bad=1
	elif [ "$st" -ne 0 ] && [ ! -s "$T/err" ]; then
		echo "FAIL: $what: no message" >&2
		bad=1
	else
		echo "ok: $what"
	fi
}
printf '1\n2\n3\n' >"$T/in"
want 2 "K missing" "$S"
want 2 "K not a number" "$S" 12x
want 2 "K negative" "$S" -5
want 2 "K huge" "$S" 99999999999
want 2 "K overflowing 64 bits" "$S" 18446744073709551616
want 2 "two arguments" "$S" 3 4
want 0 "good input" "$S" 5
[ "$(wc -l <"$T/out")" -eq 5 ] || { echo "FAIL: 5 lines wanted" >&2; bad=1; }
head -n 1 "$T/out" | grep -qx '0,[0-9]*,3' || { echo "FAIL: cell 0 of {1,2,3}: $(head -n 1 "$T/out")" >&2; bad=1; }
printf '1\nabc\n' >"$T/in"
want 2 "non-number symbol" "$S" 5
printf '18446744073709551616\n' >"$T/in"
want 2 "symbol over 2^64-1" "$S" 5
printf '18446744073709551615\n' >"$T/in"
want 0 "symbol 2^64-1" "$S" 5
printf -- '-1\n' >"$T/in"
want 2 "negative symbol" "$S" 5
printf '7\n7\n' >"$T/in"
want 2 "duplicate symbol" "$S" 5
printf ' 7\n' >"$T/in"
want 2 "leading space" "$S" 5
printf '\n' >"$T/in"
want 2 "empty line" "$S" 5
head -c 300 /dev/zero | tr '\0' '1' >"$T/in"
want 2 "over-long line" "$S" 5
# riblt_peel
printf '1\n2\n3\n' >"$T/a"
printf '2\n3\n4\n' >"$T/b"
"$S" 20 <"$T/a" >"$T/in"
want 0 "peel a good stream" "$P" "$T/b"
grep -qx 'remote 1' "$T/out" && grep -qx 'local 4' "$T/out" && [ "$(wc -l <"$T/out")" -eq 2 ] ||
	{ echo "FAIL: peel result: $(cat "$T/out")" >&2; bad=1; }
head -n 1 "$T/in" >"$T/one"
cp "$T/one" "$T/in"
want 1 "too few coded symbols" "$P" "$T/b"
printf '1,2\n' >"$T/in"
want 2 "coded symbol without count" "$P" "$T/b"
printf '1,2,-3\n' >"$T/in"
want 2 "negative count" "$P" "$T/b"
printf '1,2,3\n' >"$T/in"
want 2 "missing local set" "$P" "$T/nonexistent"
want 2 "no argument" "$P"
printf '0,0,0\n0,0,0\n' >"$T/in"
printf 'x\n' >"$T/bad"
want 2 "bad local set" "$P" "$T/bad"
exit $bad
