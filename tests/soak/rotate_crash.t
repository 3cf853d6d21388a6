#!/bin/sh
# rotate_crash.t (soak) - 200 SIGKILLs during passphrase changes (see tests/store/rotate_crash.t).
set -eu
. "$SZ_ROOT/tests/store/crash_lib.sh"
rotate_run "${SZ_STORE_KILLS:-200}"
