#!/bin/sh
# run.sh - the test runner behind `make check` (and `make soak`).
# Runs, in order: the layering check, every unit test (ASan+UBSan), every *.t script under tests/
# (vector runners, interop with outside implementations, scenarios with real processes), and a
# short run of every libFuzzer target.  Prints one line per test and, last, the summary line.
# A .t script exits 0 to pass, 77 to skip (saying why on stderr), anything else to fail.
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export SZ_ROOT="$ROOT" SZ_SAN="$ROOT/build/san" SZ_REL="$ROOT/build/rel" SZ_FUZZ="$ROOT/build/fuzz"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
LOGS="$ROOT/build/test-logs"
rm -rf "$LOGS"
mkdir -p "$LOGS"
mode="${1:-check}"
FUZZ_SMOKE="${FUZZ_SMOKE:-8}"
pass=0 fail=0 skip=0 failed=""
t0=$(date +%s)

run() { # name timeout cmd...
	name=$1 limit=$2
	shift 2
	log="$LOGS/$(echo "$name" | tr '/ ' '__').log"
	s=$(date +%s)
	timeout --kill-after=10 "$limit" "$@" >"$log" 2>&1
	rc=$?
	d=$(( $(date +%s) - s ))
	if [ $rc -eq 0 ]; then
		pass=$((pass + 1)); printf 'PASS  %-44s %4ss\n' "$name" "$d"
	elif [ $rc -eq 77 ]; then
		skip=$((skip + 1)); printf 'SKIP  %-44s %s\n' "$name" "$(tail -n 1 "$log")"
	else
		fail=$((fail + 1)); failed="$failed $name"
		[ $rc -eq 124 ] && echo "(timed out after ${limit}s)" >>"$log"
		printf 'FAIL  %-44s %4ss (exit %s)\n' "$name" "$d" "$rc"
		tail -n 40 "$log" | sed 's/^/      | /'
	fi
}

if [ "$mode" = soak ]; then
	for t in tests/soak/*.t; do
		[ -f "$t" ] && run "soak/$(basename "$t" .t)" 7200 sh "$t"
	done
else
	run layers 60 sh scripts/check-layers.sh
	for u in build/san/unit/*; do
		[ -x "$u" ] && run "unit/$(basename "$u")" 900 "$u"
	done
	for t in tests/*.t tests/*/*.t; do
		case "$t" in tests/soak/*) continue ;; esac
		[ -f "$t" ] && run "${t#tests/}" 1200 sh "$t"
	done
	for f in build/fuzz/fuzz_*; do
		[ -x "$f" ] || continue
		n=$(basename "$f")
		corpus="build/fuzz-corpus/$n"
		mkdir -p "$corpus"
		seeds=""
		[ -d "fuzz/corpus/$n" ] && seeds="fuzz/corpus/$n"
		# libFuzzer exits 77 on a crash by default, which run() would count as a skip
		run "fuzz/$n" 300 "$f" -max_total_time="$FUZZ_SMOKE" -timeout=10 -rss_limit_mb=2048 \
			-error_exitcode=1 -timeout_exitcode=1 -print_final_stats=1 "$corpus" $seeds
	done
fi

t1=$(date +%s)
[ -n "$failed" ] && echo "failed:$failed (logs in build/test-logs/)"
echo "samizdat $mode: $pass passed, $fail failed, $skip skipped ($((t1 - t0)) s)"
[ $fail -eq 0 ]
