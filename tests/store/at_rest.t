#!/bin/sh
# at_rest.t - encryption at rest, tested rather than claimed (issue 3, part 4).
# Fill a store with marker secrets (bodies, identity and member keys, a cell name and scope, entry
# ids and timestamps), stop the process, and search every byte of every file under the data
# directory for every marker in raw, hex (both cases) and base64 form.  Then again with a hot
# journal left by a SIGKILL inside a commit, and again after the recovery.  First, a control:
# the scanner must find markers planted in clear, so a pass means something.
set -eu
T="$SZ_SAN/bin/store_tool"
[ -x "$T" ] || { echo "build/san/bin/store_tool is not built" >&2; exit 77; }
command -v perl >/dev/null || { echo "perl is needed to plant the control markers" >&2; exit 77; }
d=$(mktemp -d "${TMPDIR:-/tmp}/sz-atrest-XXXXXX")
trap 'rm -rf "$d"' EXIT INT TERM
fail() { echo "at_rest: $*" >&2; exit 1; }

"$T" fill "$d/node" "a passphrase" "$d/markers" || fail "fill failed"
[ "$(wc -l <"$d/markers")" -gt 1000 ] || fail "too few markers"

# Control: a marker in upper-case hex, one as base64 one byte off alignment, one raw.
mkdir "$d/control"
m1=$(sed -n 1p "$d/markers"); m2=$(sed -n 5p "$d/markers"); m3=$(sed -n 11p "$d/markers")
printf 'xx%syy' "$(echo "$m1" | tr a-f A-F)" >"$d/control/a"
perl -e 'print "q" . pack("H*", $ARGV[0]) . "z"' "$m2" | base64 -w0 >"$d/control/b"
perl -e 'print "pre" . pack("H*", $ARGV[0])' "$m3" >"$d/control/c"
out=$("$T" scan "$d/control" "$d/markers") && fail "the scanner missed planted markers"
[ "$(echo "$out" | grep -c '^FOUND')" -ge 3 ] || fail "the scanner found only: $out"

"$T" scan "$d/node" "$d/markers" >"$d/scan1" || { cat "$d/scan1" >&2; fail "plaintext at rest"; }
grep -q 'scanned .*/node/db ' "$d/scan1" || fail "the database was not scanned"
grep -q 'scanned .*/node/key ' "$d/scan1" || fail "the key file was not scanned"

# SIGKILL inside a commit: a hot journal holds old page images, the database new pages.
if "$T" hotkill "$d/node" "a passphrase" "$d/markers2" 2>"$d/err"; then
	fail "hotkill was not killed"
fi
[ -s "$d/node/db-journal" ] || fail "no hot journal after the kill"
"$T" scan "$d/node" "$d/markers" >"$d/scan2" || { cat "$d/scan2" >&2; fail "plaintext (old) with a hot journal"; }
"$T" scan "$d/node" "$d/markers2" >"$d/scan3" || { cat "$d/scan3" >&2; fail "plaintext (new) with a hot journal"; }
grep -q 'scanned .*/node/db-journal ' "$d/scan2" || fail "the journal was not scanned"

# Recovery rolls the transaction back; still nothing in clear.
"$T" hotcheck "$d/node" "a passphrase" "$d/markers2" || fail "recovery"
"$T" scan "$d/node" "$d/markers" >"$d/scan4" || { cat "$d/scan4" >&2; fail "plaintext after recovery"; }
"$T" scan "$d/node" "$d/markers2" >"$d/scan5" || { cat "$d/scan5" >&2; fail "plaintext after recovery"; }
echo "at_rest: $(wc -l <"$d/markers") + $(wc -l <"$d/markers2") markers, none found at rest"
