#!/bin/sh
# two_laptops.t - the network runs itself (issue 14, parts 2 and 3), as two people would see it:
# two daemons, an invitation, a join with the code alone, then posts flowing both ways with no
# address typed and no `sync` typed, each within BOUND seconds (measured and printed; on loopback
# it is about one).  The joiner learns the inviter's node from the code, the inviter learns the
# joiner's from its sealed "where to reach me" record; the addresses are nowhere in clear in the
# stores.  `read --follow` and `events` show what arrives; `status` shows the nodes synced with; a
# daemon restarted catches up by itself; a node serving --unlisted tells no one its address, yet
# gets and sends everything through its own syncs; --manual turns it all off.
. "$(dirname "$0")/lib.sh"
BOUND=${BOUND:-10}

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
# wait_for NAME CELL TEXT: wait (at most 30 s) until NAME reads TEXT in CELL; prints the seconds.
wait_for() {
	t0=$(now)
	i=0
	while [ $i -lt 300 ]; do
		sz "$1" read "$2" | grep -q "$3" && { since "$t0"; return 0; }
		sleep 0.1
		i=$((i + 1))
	done
	echo never
	return 1
}
within() { # within SECONDS: is it a number no greater than BOUND?
	[ "$1" != never ] && awk -v s="$1" -v b="$BOUND" 'BEGIN { exit !(s <= b) }'
}

node ada
node ben
sz ada cell create union >/dev/null
serve ada
A=$ADDR
serve ben
B=$ADDR

code=$(sz ada cell invite union)
expect "ben joins with the code alone (no address typed)" sz ben cell join "$code"

# Ben posts: his daemon pushes it to Ada's node (the inviter's, from the code).
echo "from ben: the meeting is on" | sz ben post union >/dev/null
s=$(wait_for ada union "the meeting is on")
within "$s" && ok "ben's post reached ada in $s s with no sync typed" ||
	fail "ben's post did not reach ada within $BOUND s ($s)"
# Ada posts: her daemon learnt where Ben's node is from his record (sealed, in the cell).
echo "from ada: bring the leaflets" | sz ada post union >/dev/null
s=$(wait_for ben union "bring the leaflets")
within "$s" && ok "ada's post reached ben in $s s with no sync typed" ||
	fail "ada's post did not reach ben within $BOUND s ($s)"

grep -q "control: sync" "$W/ada.log" "$W/ben.log" && fail "someone ran sync" ||
	ok "no sync was run by hand"
expect "no peer was added by hand" test -z "$(sz ada peers list | grep -v 'No peers')"
out=$(sz ada --json status)
expect "ada's status lists ben's node as synced with, at ben's address" contains "$out" \
	"\"autosync\":{\"on\":true,\"nodes\":\[{\"address\":\"$B\",\"member\":true"
out=$(sz ben status)
expect "ben's status says the automatic sync is on with one node" contains "$out" \
	"autosync    on: 1 node (1 synced"
# Never in clear: the stores are sealed page by page; neither address appears in them.
for who in ada ben; do
	for p in "${A#*:}" "${B#*:}"; do
		if grep -a -q "127.0.0.1:$p" "$W/$who"/* 2>/dev/null; then
			fail "$who's files hold 127.0.0.1:$p in clear"
		fi
	done
done
ok "no address in clear in either node's files"

# Front ends see posts as they arrive, from the daemon, not by polling the store.
"$S" --home "$W/ben" --passphrase-file "$W/ben.pw" read union --follow >"$W/follow.out" \
	2>"$W/follow.err" &
FOLLOW=$!
PIDS="$PIDS $FOLLOW"
sleep 1
echo "from ada: the police were at the print shop" | sz ada post union >/dev/null
i=0
while ! grep -q "police were at the print shop" "$W/follow.out" && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
expect "read --follow shows ada's new post as it arrives" grep -q "police were at the print shop" \
	"$W/follow.out"
kill "$FOLLOW" 2>/dev/null
wait "$FOLLOW" 2>/dev/null
out=$(sz ben events)
expect "events lists it with its cell and author" contains "$out" "post in 'union' by "
last=$(printf '%s\n' "$out" | sed -n 's/^last //p')
out=$(sz ben --json events --since "$last")
expect "events --since the last one lists none" contains "$out" '"events":\[\],"last":'"$last"

# Ben's daemon stops; Ada posts meanwhile; Ben's daemon, started again, catches up by itself.
stop ben
echo "from ada: while you were away" | sz ada post union >/dev/null
serve ben
s=$(wait_for ben union "while you were away")
within "$s" && ok "ben's restarted daemon caught up in $s s" ||
	fail "ben's restarted daemon did not catch up within $BOUND s ($s)"

# Cat serves --unlisted: his record names no address, so no one dials him; his own syncs carry
# everything both ways (what he sends at once, what others post at his next periodic sync: every
# 5 s here, --sync-every).
node cat
serve cat --unlisted --sync-every 5
code=$(sz ada cell invite union)
expect "cat joins" sz cat cell join "$code"
echo "from cat: count me in" | sz cat post union >/dev/null
s=$(wait_for ben union "count me in")
within "$s" && ok "unlisted cat's post reached ben (through ada) in $s s" ||
	fail "cat's post did not reach ben within $BOUND s ($s)"
echo "from ben: welcome cat" | sz ben post union >/dev/null
# (an unlisted node backs off to 4 periods after idle sessions, jittered +25 %: 25 s here)
BOUND=30
s=$(wait_for cat union "welcome cat")
within "$s" && ok "unlisted cat got ben's post in $s s by his own periodic syncs" ||
	fail "cat did not get ben's post within $BOUND s ($s)"
BOUND=10
sleep 3
C=$(head -n 1 "$W/cat.addr")
for who in ada ben; do
	out=$(sz "$who" --json status)
	contains "$out" "\"address\":\"$C\"" && fail "$who syncs with unlisted cat at $C" ||
		ok "$who was never told cat's address"
done
out=$(sz cat --json status)
expect "no node ever connected to cat's" contains "$out" '"accepted":0,'

# --manual: the daemon dials no one by itself (it still answers those who dial it).  Cat's
# daemon goes first: syncing every 5 s with both, it would carry ben's post to ada within the
# 4 s below by its own periodic syncs (no push involved), which is what failed this check.
stop cat
stop ben
serve ben --manual
out=$(sz ben status)
expect "status says the automatic sync is off" contains "$out" "autosync    off (--manual)"
# Ada's daemon tried ben's while it was down: wait until it got through again (then its next
# sync with ben is a period away), so that only a push could carry ben's post now.
i=0
until sz ada --json status | grep -q "\"address\":\"$B\",\"member\":true,\"syncs\":[0-9]*,\"failures\":[0-9]*,\"failing\":false"; do
	[ $i -ge 60 ] && { fail "ada's daemon never reached ben's again"; break; }
	sleep 0.5
	i=$((i + 1))
done
echo "from ben: manual test" | sz ben post union >/dev/null
sleep 4
sz ada read union | grep -q "manual test" && fail "a --manual daemon pushed its post" ||
	ok "a --manual daemon does not push"
expect "sync still forces one" sz ben sync "$A"
expect "and it arrives" sh -c "'$S' --home '$W/ada' --passphrase-file '$W/ada.pw' read union |
	grep -q 'manual test'"
done_
