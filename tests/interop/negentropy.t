#!/bin/sh
# negentropy.t - Negentropy v1 interop: our negentropy_harness (sanitizer build) against
# nostr-tools' nip77 initiator and @nostr-dev-kit/sync's initiator and responder, over pipes.
# Skips (77) when node or tests/interop/node_modules is missing (make interop-deps installs it).
set -eu
root=${SZ_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${SZ_SAN:-$root/build/san}/bin/negentropy_harness
cd "$root/tests/interop"
command -v node >/dev/null 2>&1 || { echo "skip: node is not installed" >&2; exit 77; }
[ -d node_modules/nostr-tools ] && [ -d node_modules/@nostr-dev-kit/sync ] ||
	{ echo "skip: node_modules absent (run make interop-deps)" >&2; exit 77; }
[ -x "$bin" ] || { echo "missing $bin (make test-build)" >&2; exit 1; }
exec node negentropy.js "$bin"
