#!/bin/sh
# cell_model.t - random cell histories through the real cell code, checked against the small
# model of the membership rules in tests/cell_model.c: 10,000 histories with the release build,
# and 300 under AddressSanitizer and UBSan.  `make soak` runs 200,000 (tests/soak/cell_model.t).
set -eu
rel=${SZ_REL:-build/rel}/bin/cell_model
san=${SZ_SAN:-build/san}/bin/cell_model
[ -x "$rel" ] && [ -x "$san" ] || { echo "cell_model not built" >&2; exit 1; }
"$rel" "${SZ_MODEL_HISTORIES:-10000}" 1
"$san" 300 20001
