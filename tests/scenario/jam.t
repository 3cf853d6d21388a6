#!/bin/sh
# jam.t - no one can jam a node from 127.0.0.1 (issue 14, part 5; docs/threat/jamming.md).  Over
# Tor every peer arrives from 127.0.0.1, so the attacker here has what an onion peer has: any
# number of sockets from that address, fresh transport keys for free.  For each attack of
# tests/sz_jam.c (junk handshakes, drip-fed bytes, idle sockets, idle authenticated sessions,
# oversize frames, a connection flood), run against a daemon (sanitizer build) while a legitimate
# node syncs with it TRIES times: at least 95 % of its syncs must complete and bring what the
# daemon holds, and the daemon's sessions must stay within their memory budget (34 MiB, its own
# count).  Then the release daemon's whole resident memory under the worst attack for memory.
# A refused sync must say why (busy, retry after N s), not that the other side broke off.
. "$(dirname "$0")/lib.sh"
JAM="${SZ_REL:-$(pwd)/build/rel}/bin/sz_jam"
REL="${SZ_REL:-$(pwd)/build/rel}/samizdat"
[ -x "$JAM" ] && [ -x "$REL" ] || { echo "missing $JAM or $REL (make)" >&2; exit 1; }
TRIES=${JAM_TRIES:-20}
NEED=$(( (TRIES * 95 + 99) / 100 ))
BUDGET=$((34 * 1024 * 1024))

node srv
node legit
serve srv
# the legitimate peer: the release build, so that its own start-up is not what is measured
lsync() { "$REL" --home "$W/legit" --passphrase-file "$W/legit.pw" sync "$ADDR"; }
n=0
for mode in junk:400 drip:200 idle:400 authidle:200 oversize:100 oversize:40 flood:64; do
	m=${mode%%:*}
	k=${mode##*:}
	n=$((n + 1))
	sz srv leaflet publish --yes "leaflet $n, published before the $m attack" >/dev/null
	"$JAM" "$ADDR" "$m" "$k" 600 >"$W/jam-$m.out" 2>&1 &
	JP=$!
	PIDS="$PIDS $JP"
	sleep 2
	ok=0
	t0=$(date +%s%N)
	i=0
	while [ $i -lt $TRIES ]; do
		if timeout 30 "$REL" --home "$W/legit" --passphrase-file "$W/legit.pw" sync "$ADDR" \
			>/dev/null 2>"$W/legit.err"; then
			ok=$((ok + 1))
		else
			err=$(cat "$W/legit.err")
			contains "$err" "broke off" && fail "a refused sync did not say why: $err"
			echo "   try $i: $err"
		fi
		i=$((i + 1))
	done
	ms=$(( ($(date +%s%N) - t0) / 1000000 / TRIES ))
	# long enough for drip-fed handshakes to reach their deadline (10 s)
	while [ "$m" = drip ] && [ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 11000 ]; do
		sleep 0.5
	done
	st=$(sz srv --json status)
	kill "$JP" 2>/dev/null
	wait "$JP" 2>/dev/null
	peak=$(printf '%s' "$st" | sed -n 's/.*"mem_peak":\([0-9]*\).*/\1/p')
	echo "   $m x$k: $ok/$TRIES syncs, ${ms} ms a try; sessions' memory peak $peak B;" \
		"$(cat "$W/jam-$m.out" | sed 's/^mode=[a-z]* //')"
	[ "$ok" -ge "$NEED" ] && ok "$m ($k sockets): the legitimate peer synced $ok times of $TRIES" ||
		fail "$m ($k sockets): only $ok of $TRIES syncs (need $NEED)"
	[ -n "$peak" ] && [ "$peak" -le $BUDGET ] && ok "$m: sessions held at most $peak bytes" ||
		fail "$m: sessions' memory $peak over the budget"
	out=$("$REL" --home "$W/legit" --passphrase-file "$W/legit.pw" leaflet list 2>/dev/null)
	expect "$m: the legitimate peer holds leaflet $n" contains "$out" "leaflet $n, published"
done
out=$(sz srv --json status)
expect "junk and idle sockets were pushed out, oldest first" contains "$out" '"evicted_unauth":[1-9]'
expect "idle sessions gave way to newcomers" contains "$out" '"evicted_idle":[1-9]'
expect "the memory budget ended the largest sessions" contains "$out" '"evicted_mem":[1-9]'
expect "drip-fed handshakes ended at their deadline" contains "$out" '"handshake_late":[1-9]'

# The control socket has its own slots: 40 local clients that connect and say nothing neither
# take the sync slots nor keep the command line out (the oldest silent one gives way).
if command -v python3 >/dev/null 2>&1; then
	python3 -c '
import socket, sys, time
socks = []
for i in range(40):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    socks.append(s)
time.sleep(float(sys.argv[2]))
' "$W/srv/control.sock" 15 &
	HP=$!
	PIDS="$PIDS $HP"
	sleep 1
	t0=$(date +%s)
	out=$(sz srv status)
	expect "with 40 silent control clients, status still answers" contains "$out" "daemon      running"
	[ $(( $(date +%s) - t0 )) -le 5 ] && ok "at once" || fail "status took $(( $(date +%s) - t0 )) s"
	expect "a legitimate sync still goes through" lsync
	kill "$HP" 2>/dev/null
	wait "$HP" 2>/dev/null
fi

# A refused peer is told why and when to come back: a third session under one transport key
# (two at most at once) is refused at its handshake.
"$JAM" "$ADDR" samekey 3 4 >"$W/jam-samekey.out" 2>&1
out=$(cat "$W/jam-samekey.out")
expect "a peer over its share is told the node is busy, and when to retry" contains "$out" \
	"refusal=busy: 2 sessions with this node already; retry after [0-9]* s"
stop srv

# The whole resident memory of the release daemon under oversize frames.
rm -f "$W/srv.addr"
"$REL" --home "$W/srv" --passphrase-file "$W/srv.pw" serve --listen 127.0.0.1:0 \
	--log "$W/srv-rel.log" >"$W/srv.addr" 2>>"$W/srv-rel.log" &
RP=$!
PIDS="$PIDS $RP"
i=0
while [ ! -s "$W/srv.addr" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
ADDR=$(head -n 1 "$W/srv.addr")
sleep 1
rest=$(sed -n 's/^VmRSS:[^0-9]*\([0-9]*\).*/\1/p' /proc/$RP/status)
"$JAM" "$ADDR" oversize 100 600 >"$W/jam-rel.out" 2>&1 &
JP=$!
PIDS="$PIDS $JP"
sleep 8
ok=0
for i in 1 2 3 4 5; do lsync >/dev/null 2>&1 && ok=$((ok + 1)); done
kill "$JP" 2>/dev/null
wait "$JP" 2>/dev/null
hwm=$(sed -n 's/^VmHWM:[^0-9]*\([0-9]*\).*/\1/p' /proc/$RP/status)
kill "$RP"
wait "$RP" 2>/dev/null
echo "   release daemon: ${rest} KiB at rest, at most ${hwm} KiB under oversize frames;" \
	"legitimate syncs $ok/5"
# The sessions' budget counts what sessions hold; the allocator's own and the loop's keep up to
# SLACK more (the whole daemon's budget, docs/bench/daemon.md: rest + SQLite's cache + sessions +
# slack <= 64 MiB).
SLACK=$((3 * 1024))
[ $((hwm - rest)) -le $((BUDGET / 1024 + SLACK)) ] &&
	ok "its resident memory grew by at most the sessions' budget and 3 MiB" ||
	fail "resident memory grew by $((hwm - rest)) KiB"
done_
