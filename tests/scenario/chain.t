#!/bin/sh
# chain.t - forwarding push (issue 14, part 3): what a node receives travels on within seconds,
# not at the next periodic sync.  A chain A - B - C where C knows only B:
#  - a cell: ben's node is the only one anyone can dial (ada's is --unlisted and --manual, so she
#    only ever syncs by hand with ben; cat knows ben's address alone, from his code).  Ada posts
#    and syncs with ben by hand: ben's daemon pushes the post on to cat's node, not back to ada's;
#  - leaflets over peers lists alone (no cell): dan knows eve, eve knows fay, fay knows only eve;
#    dan publishes, eve's daemon pushes it on to fay.
# Periods are 600 s (a periodic sync would come after 450 s at the earliest), so an arrival
# within BOUND seconds (measured and printed; about one on loopback) is the push.  No storm: the
# node at the end pushes nothing back, and a sync that brings nothing new pushes nothing.
. "$(dirname "$0")/lib.sh"
BOUND=${BOUND:-5}
EVERY=600

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
within() { [ "$1" != never ] && awk -v s="$1" -v b="$BOUND" 'BEGIN { exit !(s <= b) }'; }
# wait_until SECONDS COMMAND...: retry until it succeeds, for SECONDS at most; prints the seconds
# taken (from the call, whatever each try costs).
wait_until() {
	lim=$1
	shift
	t0=$(now)
	while awk -v a="$t0" -v b="$(now)" -v l="$lim" 'BEGIN { exit !(b - a < l) }'; do
		"$@" >/dev/null 2>&1 && { since "$t0"; return 0; }
		sleep 0.1
	done
	echo never
	return 1
}
reads() { sz "$1" read "$2" | grep -q "$3"; }
pushes() { grep -c "pushed on" "$W/$1.log" 2>/dev/null || true; }

# --- a cell: ada - ben - cat ---------------------------------------------------------------------
for who in ada ben cat; do node "$who"; done
sz ben cell create union >/dev/null
serve ben --sync-every $EVERY --log-debug
B=$ADDR
serve ada --sync-every $EVERY --log-debug --unlisted --manual
serve cat --sync-every $EVERY --log-debug
code=$(sz ben cell invite union)
expect "ada joins with ben's code" sz ada cell join "$code"
code=$(sz ben cell invite union)
expect "cat joins with ben's code" sz cat cell join "$code"
# The first contacts (new targets are due at once) and records settle.
echo "hello from ben" | sz ben post union >/dev/null
s=$(wait_until 30 reads cat union "hello from ben")
within "$s" && ok "ben's own post reaches cat in $s s (a local push)" ||
	fail "ben's post did not reach cat within $BOUND s ($s)"
# Ada learns that cat was added (else she would seal under an epoch cat never had).
sz ada sync "$B" >/dev/null || fail "ada's first sync"
sleep 2

echo "from ada: the strike starts at six" | sz ada post union >/dev/null
b0=$(pushes ben)
c0=$(pushes cat)
out=$(sz ada sync "$B")
expect "ada syncs with ben by hand (her only contact)" contains "$out" "1 new post\|Synced"
s=$(wait_until 30 reads cat union "the strike starts at six")
within "$s" && ok "ada's post crossed ada - ben - cat in $s s after it reached ben (bound $BOUND s)" ||
	fail "ada's post did not cross the chain within $BOUND s ($s)"
expect "ben's daemon pushed it on" test "$(pushes ben)" -gt "$b0"
grep -q "sync to 127.0.0.1.*ada\|connected to cat" "$W/cat.log" && fail "odd log"
sleep 3
expect "cat's daemon pushed nothing on (its only other node is ada's, which it cannot dial)" \
	test "$(pushes cat)" -eq "$c0"
b1=$(pushes ben)
out=$(sz ada sync "$B")
sleep 2
expect "a sync that brings nothing new pushes nothing" test "$(pushes ben)" -eq "$b1"

# --- leaflets over peers lists: dan - eve - fay ----------------------------------------------------
for who in dan eve fay; do node "$who"; done
serve dan --sync-every $EVERY --log-debug
D=$ADDR
serve eve --sync-every $EVERY --log-debug
E=$ADDR
serve fay --sync-every $EVERY --log-debug
F=$ADDR
sz dan peers add "$E" >/dev/null || fail "dan adds eve"
sz eve peers add "$F" >/dev/null || fail "eve adds fay"
sz fay peers add "$E" >/dev/null || fail "fay adds eve"
sleep 3 # first contacts
sz dan leaflet publish --yes "Leaflet: no work on Friday" >/dev/null || fail "dan publishes"
s=$(wait_until 30 sh -c "'$S' --home '$W/fay' --passphrase-file '$W/fay.pw' leaflet list | grep -q 'no work on Friday'")
within "$s" && ok "dan's leaflet crossed dan - eve - fay in $s s (bound $BOUND s)" ||
	fail "dan's leaflet did not cross the chain within $BOUND s ($s)"
expect "eve's daemon pushed it on" test "$(pushes eve)" -gt 0
expect "fay's daemon pushed nothing back" test "$(pushes fay)" -eq 0
done_
