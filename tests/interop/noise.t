#!/bin/sh
# noise.t - live interop of src/crypto/noise.c (tools/noise_peer, sanitizer build) with the npm
# package noise-protocol (tests/interop/noise_peer.js) over TCP on 127.0.0.1: an XX handshake and
# 1,000 transport messages each way of random sizes up to 65,519 bytes, both pairings (C
# initiator / JS responder and the reverse).  Each side checks every byte it receives and the
# static keys each learned must be the other's.  Then hostile peers: garbage frames sent to the
# C responder must get the connection dropped with exit 3 (or 4 for a cut-off frame), never a
# crash, a sanitizer report or a leak.  Only our own pids are killed (trap).
set -u
C="$SZ_SAN/bin/noise_peer"
JSDIR="$SZ_ROOT/tests/interop"
command -v node >/dev/null 2>&1 || { echo "node is not installed" >&2; exit 77; }
[ -d "$JSDIR/node_modules/noise-protocol" ] || { echo "noise-protocol missing: make interop-deps" >&2; exit 77; }
[ -x "$C" ] || { echo "noise_peer not built" >&2; exit 1; }
COUNT=${NOISE_INTEROP_COUNT:-1000}
SEED=$(( $(date +%s) % 100000 ))
echo "seed $SEED, $COUNT messages each way"
tmp=$(mktemp -d) || exit 1
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() { echo "FAIL: $*" >&2; for f in "$tmp"/*.out "$tmp"/*.err; do [ -s "$f" ] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }; done; exit 1; }

# start_responder NAME CMD...: run it in the background, wait for its "port=N" line.
start_responder() {
	name=$1
	shift
	: >"$tmp/$name.out"
	"$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
	rpid=$!
	pids="$pids $rpid"
	i=0
	port=""
	while [ $i -lt 100 ]; do
		port=$(sed -n 's/^port=//p' "$tmp/$name.out")
		[ -n "$port" ] && return 0
		kill -0 "$rpid" 2>/dev/null || fail "$name exited before listening"
		sleep 0.1
		i=$((i + 1))
	done
	fail "$name did not start listening"
}

clean_stderr() {
	if grep -q -e 'AddressSanitizer' -e 'LeakSanitizer' -e 'runtime error' "$1"; then
		fail "sanitizer report in $1"
	fi
}

key() { sed -n "s/^$2=//p" "$tmp/$1.out"; }

# pair NAME RESPONDER-CMD... -- INITIATOR-CMD... (the initiator's PORT is filled in)
pair() {
	label=$1
	shift
	resp=""
	while [ "$1" != "--" ]; do resp="$resp $1"; shift; done
	shift
	start_responder "$label-resp" $resp
	init_cmd=$(echo "$*" | sed "s/PORT/$port/")
	timeout 600 $init_cmd >"$tmp/$label-init.out" 2>"$tmp/$label-init.err"
	irc=$?
	wait "$rpid"
	rrc=$?
	[ $irc -eq 0 ] || fail "$label: initiator exited $irc"
	[ $rrc -eq 0 ] || fail "$label: responder exited $rrc"
	clean_stderr "$tmp/$label-init.err"
	clean_stderr "$tmp/$label-resp.err"
	[ "$(key "$label-init" remote_static)" = "$(key "$label-resp" local_static)" ] ||
		fail "$label: the initiator learned the wrong static key"
	[ "$(key "$label-resp" remote_static)" = "$(key "$label-init" local_static)" ] ||
		fail "$label: the responder learned the wrong static key"
	grep -q "^ok $COUNT messages each way" "$tmp/$label-init.out" || fail "$label: initiator incomplete"
	grep -q "^ok $COUNT messages each way" "$tmp/$label-resp.out" || fail "$label: responder incomplete"
	echo "$label: ok ($COUNT messages each way, static keys agree)"
}

pair c-init-js-resp node "$JSDIR/noise_peer.js" responder 0 "$SEED" "$COUNT" -- \
	"$C" initiator PORT "$SEED" "$COUNT"
pair js-init-c-resp "$C" responder 0 "$SEED" "$COUNT" -- \
	node "$JSDIR/noise_peer.js" initiator PORT "$SEED" "$COUNT"

# Hostile peers against the C responder.  send_raw FILE: connect, send the file's bytes, close.
send_raw() {
	node -e '
		const bytes = require("fs").readFileSync(process.argv[2])
		const s = require("net").connect(Number(process.argv[1]), "127.0.0.1", () => s.end(bytes))
		s.on("data", () => {})
		s.on("error", () => {})
	' "$port" "$1"
}
# expect_drop NAME WANT-EXIT...: the C responder must have exited with one of the codes.
expect_drop() {
	name=$1
	shift
	wait "$rpid"
	rc=$?
	clean_stderr "$tmp/$name-resp.err"
	for w in "$@"; do [ $rc -eq "$w" ] && { echo "$name: dropped (exit $rc)"; return 0; }; done
	fail "$name: the C responder exited $rc, wanted $*"
}

printf '\000\005hello' >"$tmp/short.bin"         # a 5-byte first message: too short for e
start_responder short-resp "$C" responder 0 "$SEED" 1
send_raw "$tmp/short.bin"
expect_drop short 3

printf '\377\377\001\002' >"$tmp/cut.bin"         # a frame announcing 65535 bytes, then EOF
start_responder cut-resp "$C" responder 0 "$SEED" 1
send_raw "$tmp/cut.bin"
expect_drop cut 4

printf '\377\377' >"$tmp/big.bin"                 # 65535 random bytes: a valid e, but the
head -c 65535 /dev/urandom >>"$tmp/big.bin"        # payload is not "m1"
start_responder big-resp "$C" responder 0 "$SEED" 1
send_raw "$tmp/big.bin"
expect_drop big 3

head -c 300 /dev/urandom >"$tmp/random.bin"        # anything at all
start_responder random-resp "$C" responder 0 "$SEED" 1
send_raw "$tmp/random.bin"
expect_drop random 3 4

# A real handshake from the JS peer, then a garbage frame instead of a transport message.
start_responder after-resp "$C" responder 0 "$SEED" 5
node "$JSDIR/noise_peer.js" initiator "$port" "$SEED" 5 garbage >"$tmp/after-init.out" 2>"$tmp/after-init.err" ||
	fail "after: the JS peer was not dropped"
expect_drop after 3
exit 0
