#!/bin/sh
# usage.sh - put the output of `samizdat --help` into README.md between the usage markers
# (`scripts/usage.sh check` only compares; tests/readme.t runs it).
set -eu
cd "$(dirname "$0")/.."
BIN=${SAMIZDAT_BIN:-build/samizdat}
help=$("$BIN" --help)
want=$(printf '<!-- usage:begin -->\n```\n%s\n```\n<!-- usage:end -->' "$help")
have=$(sed -n '/<!-- usage:begin -->/,/<!-- usage:end -->/p' README.md)
if [ "${1:-}" = check ]; then
	[ "$want" = "$have" ] && { echo "README usage matches samizdat --help"; exit 0; }
	echo "README.md's usage section differs from samizdat --help: run scripts/usage.sh" >&2
	exit 1
fi
awk -v block="$want" '
	/<!-- usage:begin -->/ { print block; skip = 1; next }
	/<!-- usage:end -->/ { skip = 0; next }
	!skip { print }
' README.md > README.md.new && mv README.md.new README.md
