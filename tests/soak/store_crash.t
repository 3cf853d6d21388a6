#!/bin/sh
# store_crash.t - the crash-safety soak: 200 SIGKILLs at random moments of batched inserts into
# the encrypted store (tests/store/crash_lib.sh); run by `make soak`.
set -eu
. "$SZ_ROOT/tests/store/crash_lib.sh"
crash_run "${SZ_STORE_KILLS:-200}"
