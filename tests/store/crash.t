#!/bin/sh
# crash.t - crash safety (issue 3, part 6): 20 SIGKILLs of a process doing batched inserts, with
# integrity, acknowledged entries and whole batches checked after every restart.  The soak run
# (tests/soak/store_crash.t, `make soak`) does 200.
set -eu
. "$SZ_ROOT/tests/store/crash_lib.sh"
crash_run "${SZ_STORE_KILLS:-20}"
