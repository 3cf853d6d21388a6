#!/bin/sh
# interop-deps.sh - install the JavaScript packages of the tests from their lock files: the interop
# peers (tests/interop) and the browser driver of the web interface's test (tests/ui).
# npm ci is exact (the lock file pins every version); skipped where node_modules is already current.
set -eu
root="$(dirname "$0")/.."
for d in tests/interop tests/ui; do
	cd "$root/$d"
	if [ -f package-lock.json ] &&
	    ! { [ -f node_modules/.package-lock.json ] && [ node_modules/.package-lock.json -nt package-lock.json ]; }; then
		npm ci --no-audit --no-fund --loglevel=error >/dev/null
	fi
	cd - >/dev/null
done
