#!/bin/sh
# bench.sh - `make bench`: run every benchmark in build/rel/bench; each prints its own ratios.
set -eu
cd "$(dirname "$0")/.."
echo "samizdat benchmarks on $(uname -n), $(date -u +%Y-%m-%d), $(nproc) cores"
for b in build/rel/bench/*; do
	[ -x "$b" ] || continue
	echo
	echo "== $(basename "$b")"
	"$b"
done
