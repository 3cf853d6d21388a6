#!/bin/sh
# demo.t - `make demo` stays true: the README's first command acts out the main scenario (three
# daemons on 127.0.0.1, invitations, posts, a removal, a courier file) and ends with its summary.
# The demo script checks each step itself and exits non-zero at the first that fails.
set -u
cd "$(dirname "$0")/.."
[ -x build/samizdat ] || { echo "build/samizdat is not built" >&2; exit 1; }
out=$(sh scripts/demo.sh 2>&1)
rc=$?
printf '%s\n' "$out"
[ $rc -eq 0 ] || { echo "the demo failed (exit $rc)" >&2; exit 1; }
printf '%s\n' "$out" | grep -q "all on 127.0.0.1" || { echo "the demo did not reach its summary" >&2; exit 1; }
echo "demo.t: the demo ran to its end"
