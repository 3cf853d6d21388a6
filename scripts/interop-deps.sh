#!/bin/sh
# interop-deps.sh - install the JavaScript interop peers from tests/interop/package-lock.json.
# npm ci is exact (the lock file pins every version); skipped when node_modules is already current.
set -eu
cd "$(dirname "$0")/../tests/interop"
[ -f package-lock.json ] || exit 0
if [ -f node_modules/.package-lock.json ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
	exit 0
fi
npm ci --no-audit --no-fund --loglevel=error >/dev/null
