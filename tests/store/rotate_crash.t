#!/bin/sh
# rotate_crash.t - a passphrase change re-encrypts every page under a new master key; SIGKILLed at
# any moment it leaves a store that opens with the old or the new passphrase, whole (issue 17;
# docs/PROTOCOL.md §4.1.6).  20 kills here; `make soak` does 200 (tests/soak/rotate_crash.t).
set -eu
. "$SZ_ROOT/tests/store/crash_lib.sh"
rotate_run "${SZ_STORE_KILLS:-20}"
