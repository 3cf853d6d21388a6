#!/bin/sh
# demo.sh - `make demo`.  For now: the crypto core's self-test with readable output.
# (Issue 7 turns this into the full scenario: a cell, invites, posts, a courier, a removal.)
set -eu
cd "$(dirname "$0")/.."
./build/samizdat selftest
