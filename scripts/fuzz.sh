#!/bin/sh
# fuzz.sh - `make fuzz`: run every libFuzzer target for $1 seconds (default 600), corpus kept in
# build/fuzz-corpus/<target>, seeds from fuzz/corpus/<target>.  Stops at the first crash.
set -eu
cd "$(dirname "$0")/.."
secs=${1:-600}
for f in build/fuzz/fuzz_*; do
	[ -x "$f" ] || continue
	n=$(basename "$f")
	mkdir -p "build/fuzz-corpus/$n"
	seeds=""
	[ -d "fuzz/corpus/$n" ] && seeds="fuzz/corpus/$n"
	echo "== $n for ${secs}s"
	"$f" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		"build/fuzz-corpus/$n" $seeds
done
