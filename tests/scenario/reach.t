#!/bin/sh
# reach.t - where a node can be reached, as a person sees it (issue 14, part 1): the daemon keeps
# its port across restarts (and moves to it when started locked); an invitation names an address
# another device can reach, never a loopback address of its own accord, and says so plainly when
# there is none; `status` shows the addresses; a daemon serving every interface names this
# machine's local network address, not 127.0.0.1.  Everything listens on 127.0.0.1 or 0.0.0.0
# and nothing connects anywhere but 127.0.0.1.
. "$(dirname "$0")/lib.sh"

node ada
node ben
sz ada cell create union >/dev/null

# `ping` is for scripts: its exit status says whether a daemon answers.
out=$(sz ada ping)
rc=$?
[ $rc -ne 0 ] && contains "$out" "no daemon" && ok "ping with no daemon exits $rc" ||
	fail "ping with no daemon: exit $rc, '$out'"

# A daemon serving on loopback only, without --advertise: reachable from this computer only.
"$S" --home "$W/ada" --passphrase-file "$W/ada.pw" serve --log "$W/ada.log" >"$W/ada.addr" 2>&1 &
PID_ada=$!
PIDS="$PIDS $PID_ada"
i=0
while [ ! -s "$W/ada.addr" ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i + 1)); done
FIRST=$(head -n 1 "$W/ada.addr")
case "$FIRST" in 127.0.0.1:[0-9]*) ok "serve with no --listen serves on 127.0.0.1 ($FIRST)" ;;
*) fail "serve printed '$FIRST'" ;; esac
out=$(sz ada status)
expect "status says it is reachable from this computer only" contains "$out" \
	"reachable   from this computer only"
code=$(sz ada --json cell invite union)
err=$(cat "$W/last.err")
expect "an invitation from it names no address" contains "$code" '"address":null'
expect "and says why, and how to serve so that others reach it" contains "$err" \
	"can be reached from no other device"
expect "naming Tor and the local network" contains "$err" "--listen 0.0.0.0:7070 --public"
stop ada

# Restarted: the same port (kept in the store), so the addresses others hold stay valid.
serve ada
out=$(sz ada ping)
[ $? -eq 0 ] && contains "$out" "daemon" && ok "ping with a daemon exits 0" || fail "ping: '$out'"
[ "$ADDR" = "$FIRST" ] && ok "the port is the same after a restart ($ADDR)" ||
	fail "the port changed: $FIRST then $ADDR"
out=$(sz ada --json status)
expect "status lists the advertised address" contains "$out" "\"reachable\":\[\"$ADDR\"\]"
code=$(sz ada cell invite union)
expect "an invitation names it" contains "$(cat "$W/last.err")" "It names $ADDR."
# the code works: ben joins with it, typing no address
expect "ben joins with the code alone" sz ben cell join "$code"
stop ada

# No daemon: the invitation names where the daemon last served, and says to start it.
code=$(sz ada cell invite union)
err=$(cat "$W/last.err")
expect "with no daemon, the code names the kept address" contains "$err" "It names $ADDR."
expect "and says to start the daemon" contains "$err" "No daemon is running now"
out=$(sz ada status)
expect "status without a daemon shows where it was reachable" contains "$out" \
	"reachable   $ADDR (network), once the daemon runs again"

# Started locked, it cannot read its port; unlocked, it moves to it.
rm -f "$W/ada.addr"
"$S" --home "$W/ada" serve --locked --log "$W/ada.log" >"$W/ada.addr" 2>>"$W/ada.log" &
PID_ada=$!
PIDS="$PIDS $PID_ada"
i=0
while [ ! -s "$W/ada.addr" ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i + 1)); done
expect "unlock" sz ada unlock
out=$(sz ada --json status)
expect "after unlock it listens on its own port again" contains "$out" "\"listening\":\[\"$FIRST\"\]"
stop ada

# Serving every interface: the address named is this machine's local network address, never
# loopback.  (Only listening; nothing connects to it.)
if "$S" --home "$W/ben" --passphrase-file "$W/ben.pw" serve --listen 0.0.0.0:0 --public \
	--log "$W/ben.log" >"$W/ben.addr" 2>&1 &
then
	PID_ben=$!
	PIDS="$PIDS $PID_ben"
	i=0
	while [ ! -s "$W/ben.addr" ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i + 1)); done
	out=$(sz ben --json status)
	lan=$(printf '%s' "$out" | sed -n 's/.*"reachable":\["\([^"]*\)".*/\1/p')
	port=$(head -n 1 "$W/ben.addr" | sed 's/.*://')
	case "$lan" in
	"") if ip -o addr 2>/dev/null | grep -v ' lo ' | grep -q 'inet '; then
		fail "no local network address named though this machine has one: $out"
	    else ok "this machine has no local network address: none named"; fi ;;
	127.*|"[::1]"*) fail "a wildcard listener named loopback: $lan" ;;
	*:"$port") ok "a wildcard listener names the local network address $lan" ;;
	*) fail "unexpected reachable address '$lan' (port $port)" ;;
	esac
	stop ben
fi
done_
