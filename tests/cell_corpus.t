#!/bin/sh
# cell_corpus.t - the fuzz seeds of the cell layer (fuzz/corpus/fuzz_cell_op, fuzz_cell_state,
# fuzz_cell_welcome) are
# what tools/cell_corpus.c makes from a real, deterministic cell history today: a change to the
# state or op format that leaves stale seeds fails here.  Refresh with
#   build/rel/bin/cell_corpus fuzz/corpus
set -eu
root=${SZ_ROOT:-.}
tool=${SZ_SAN:-build/san}/bin/cell_corpus
[ -x "$tool" ] || { echo "missing $tool" >&2; exit 1; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
"$tool" "$t"
for d in fuzz_cell_op fuzz_cell_state fuzz_cell_welcome; do
	[ -n "$(ls "$t/$d")" ] || { echo "no $d seeds made" >&2; exit 1; }
	if ! diff -r "$t/$d" "$root/fuzz/corpus/$d" >"$t/diff" 2>&1; then
		cat "$t/diff" >&2
		echo "fuzz/corpus/$d is stale: run build/rel/bin/cell_corpus fuzz/corpus" >&2
		exit 1
	fi
done
