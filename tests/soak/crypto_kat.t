#!/bin/sh
# crypto_kat.t - `make soak`: the crypto unit tests with SZ_SOAK set, which adds the RFC 7748 §5.2
# vector after 1,000,000 X25519 iterations (too slow for `make check`).
set -u
[ -x "$SZ_SAN/unit/crypto_test" ] || { echo "crypto_test not built" >&2; exit 1; }
SZ_SOAK=1 "$SZ_SAN/unit/crypto_test"
