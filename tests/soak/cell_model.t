#!/bin/sh
# cell_model.t - `make soak`: 200,000 random cell histories against the membership model
# (tests/cell_model.c), from seeds past those `make check` runs.
set -eu
"${SZ_REL:-build/rel}/bin/cell_model" "${SZ_MODEL_SOAK:-200000}" 100001
