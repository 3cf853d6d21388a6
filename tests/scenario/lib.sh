# lib.sh - helpers for scenario tests: temporary homes, nodes, daemons stopped by pid, assertions.
# Sourced by tests/scenario/*.t; SZ_SAN points at the sanitizer build (tests/run.sh sets it).
set -u
S="${SZ_SAN:-$(pwd)/build/san}/samizdat"
W=$(mktemp -d "${TMPDIR:-/tmp}/sz-scenario.XXXXXX")
PIDS=""
FAILS=0
finish() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	rm -rf "$W"
}
trap finish EXIT INT TERM
umask 077

# node NAME: create a node with a quick KDF (tests only; the default is ~0.5 s).
node() {
	echo "pw-$1" > "$W/$1.pw"
	"$S" --home "$W/$1" --passphrase-file "$W/$1.pw" init --kdf-ops 1 --kdf-mem-mib 8 --weak-ok >/dev/null 2>&1 ||
		fail "init $1"
}
# sz NAME ARGS...: run samizdat as that person (stdout only; stderr to $W/last.err).
sz() {
	who=$1
	shift
	"$S" --home "$W/$who" --passphrase-file "$W/$who.pw" "$@" 2>"$W/last.err"
}
# serve NAME [OPTIONS]: start that person's daemon on a loopback port of its own (chosen at its
# first start, kept after), advertising 127.0.0.1 (on one machine that is how the others reach
# it); sets ADDR.
serve() {
	who=$1
	shift
	# Remove the old address first: the shell truncates it only once the child runs.
	rm -f "$W/$who.addr"
	"$S" --home "$W/$who" --passphrase-file "$W/$who.pw" serve --listen 127.0.0.1:0 \
		--advertise 127.0.0.1 --log "$W/$who.log" "$@" > "$W/$who.addr" 2>>"$W/$who.log" &
	PIDS="$PIDS $!"
	eval "PID_$who=$!"
	i=0
	while [ ! -s "$W/$who.addr" ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i + 1)); done
	ADDR=$(head -n 1 "$W/$who.addr")
	[ -n "$ADDR" ] || fail "serve $who did not start: $(cat "$W/$who.log")"
}
# stop NAME: stop that person's daemon by its pid.
stop() {
	eval "p=\${PID_$1:-}"
	[ -n "$p" ] || return 0
	kill "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	eval "PID_$1="
}
fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
ok() { echo "ok: $*"; }
expect() { # expect DESCRIPTION COMMAND...: the command must succeed
	d=$1
	shift
	if "$@"; then ok "$d"; else fail "$d"; fi
}
contains() { printf '%s' "$1" | grep -q -e "$2"; }
done_() {
	if [ $FAILS -ne 0 ]; then
		echo "$FAILS check(s) failed" >&2
		exit 1
	fi
	echo "all checks passed"
	exit 0
}
