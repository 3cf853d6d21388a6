# converge.t - nodes that meet rarely, over links that break, and one that only ever sees courier
# files, all end up holding the same set.
. "$(dirname "$0")/lib.sh"
FILL="${SZ_SAN:-$(pwd)/build/san}/bin/sz_fill"
for p in p q r s; do node $p; "$FILL" "$W/$p" "$W/$p.pw" 150 || fail "fill $p"; done
# p has more, and bigger, so that a sync with it takes long enough to be cut.
"$FILL" "$W/p" "$W/p.pw" 600 3000 || fail "fill p"
ONLINE=1050
ALL=1200
count() { sz "$1" --json leaflet list | grep -o '"id"' | wc -l; }

serve p
P=$ADDR
serve q
Q=$ADDR

# q syncs with p, but the link is cut (SIGKILL of the client) part way.
stop q
"$S" --home "$W/q" --passphrase-file "$W/q.pw" sync "$P" >/dev/null 2>&1 &
K=$!
sleep 0.3
kill -KILL $K 2>/dev/null
wait $K 2>/dev/null
n=$(count q)
[ "$n" -ge 150 ] && ok "q survives a SIGKILL mid-sync with $n leaflets" || fail "q lost data: $n"
[ "$n" -lt 900 ] && ok "(the kill came part way: $n of 900)" || echo "note: the sync finished before the kill"
expect "q's store opens and checks after the kill" sz q status
serve q
Q=$ADDR
# r is a client only; it meets q, then p; q meets p again.
expect "r syncs with q" sz r sync "$Q"
expect "q syncs with p" sz q sync "$P"
expect "r syncs with p" sz r sync "$P"
expect "q syncs with p again" sz q sync "$P"
for p in p q r; do
	n=$(count $p)
	[ "$n" -eq $ONLINE ] && ok "$p holds all $ONLINE online leaflets" || fail "$p holds $n, not $ONLINE"
done

# s is never online: it exchanges courier files with r only, in both directions.
echo "a phrase said in person" > "$W/cp"
expect "s writes a summary of what it has" sz s bundle summary --to "$W/s.sum" --bundle-passphrase-file "$W/cp"
expect "r answers with only what s lacks" sz r --json bundle export --answer "$W/s.sum" --to "$W/r.ans" --bundle-passphrase-file "$W/cp"
out=$(sz s --json bundle import "$W/r.ans" --bundle-passphrase-file "$W/cp")
contains "$out" "\"stored\":$ONLINE" && ok "s stores the $ONLINE it lacked" || fail "s import: $out"
expect "s sends its own by courier" sz s bundle export --to "$W/s.out" --bundle-passphrase-file "$W/cp"
out=$(sz r --json bundle import "$W/s.out" --bundle-passphrase-file "$W/cp")
contains "$out" '"stored":150' && ok "r stores s's 150" || fail "r import: $out"
out=$(sz r --json bundle import "$W/s.out" --bundle-passphrase-file "$W/cp")
contains "$out" '"stored":0' && ok "importing again stores nothing" || fail "re-import: $out"
expect "p gets s's leaflets through r" sz r sync "$P"
expect "q too" sz q sync "$P"
for p in p q r s; do
	n=$(count $p)
	[ "$n" -eq $ALL ] && ok "$p holds all $ALL" || fail "$p holds $n, not $ALL"
done
# Everyone holds the same set: compare the sorted ids.
sz p --json leaflet list | grep -o '"id":"[0-9a-f]*"' | sort > "$W/p.ids"
for p in q r s; do
	sz $p --json leaflet list | grep -o '"id":"[0-9a-f]*"' | sort > "$W/$p.ids"
	cmp -s "$W/p.ids" "$W/$p.ids" && ok "$p has exactly p's set" || fail "$p differs from p"
done
done_
