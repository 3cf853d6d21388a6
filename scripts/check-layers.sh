#!/bin/sh
# check-layers.sh - fail when a lower layer includes a header of a higher one.
# The order is docs/ARCHITECTURE.md's: each layer may include its own headers and those below it.
set -eu
cd "$(dirname "$0")/.."
order="lib media crypto wire store recon cell decide sync transport app web cli"
rank() { i=0; for l in $order; do [ "$l" = "$1" ] && { echo $i; return; }; i=$((i + 1)); done; echo 99; }
bad=0
for f in $(find src -name '*.[ch]' | sort); do
	layer=$(echo "$f" | cut -d/ -f2)
	own=$(rank "$layer")
	[ "$own" = 99 ] && { echo "$f: directory '$layer' is not a known layer"; bad=1; continue; }
	for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([a-z_]*\)\/[^"]*".*/\1/p' "$f"); do
		r=$(rank "$inc")
		if [ "$r" -gt "$own" ]; then
			echo "$f: layer '$layer' includes higher layer '$inc'"
			bad=1
		fi
	done
done
[ $bad -eq 0 ] && echo "layers: every include points down or sideways"
exit $bad
