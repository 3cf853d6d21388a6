#!/bin/sh
# noise_vectors.t - run the cacophony Noise vectors (tests/vectors/cacophony.txt, public domain)
# through the sanitizer build of noise_vectors: some must pass and none may fail.  Then alter one
# hex digit of one ciphertext of a supported vector in a copy of the file: the run must fail.
set -u
bin="$SZ_SAN/bin/noise_vectors"
vec="$SZ_ROOT/tests/vectors/cacophony.txt"
[ -x "$bin" ] || { echo "noise_vectors not built" >&2; exit 1; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

out=$("$bin" "$vec") || { echo "noise_vectors failed on the published vectors: $out" >&2; exit 1; }
echo "$out"
passed=$(echo "$out" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\1/p')
failed=$(echo "$out" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\2/p')
[ -n "$passed" ] && [ "$passed" -gt 0 ] || { echo "no vector passed" >&2; exit 1; }
[ "$failed" = 0 ] || { echo "$failed vectors failed" >&2; exit 1; }

# The XX vector for our suite: the first "ciphertext" line after its name.  Change its 40th
# hex digit (inside the first message's payload or key) to another digit.
start=$(grep -n '"protocol_name": "Noise_XX_25519_ChaChaPoly_BLAKE2b"' "$vec" | cut -d: -f1)
[ -n "$start" ] || { echo "no XX vector in $vec" >&2; exit 1; }
line=$(awk -v s="$start" 'NR > s && /"ciphertext"/ { print NR; exit }' "$vec")
awk -v l="$line" 'NR == l {
	i = index($0, ": \"") + 3 + 39
	c = substr($0, i, 1)
	$0 = substr($0, 1, i - 1) (c == "0" ? "1" : "0") substr($0, i + 1)
} { print }' "$vec" >"$tmp/altered.txt"
cmp -s "$vec" "$tmp/altered.txt" && { echo "the copy was not altered" >&2; exit 1; }
if out2=$("$bin" "$tmp/altered.txt" 2>"$tmp/err"); then
	echo "noise_vectors passed a file with an altered ciphertext: $out2" >&2
	exit 1
fi
grep -q 'Noise_XX_25519_ChaChaPoly_BLAKE2b' "$tmp/err" || { echo "the wrong vector failed:" >&2; cat "$tmp/err" >&2; exit 1; }
echo "altered copy: $out2 (refused, as it must be)"
exit 0
