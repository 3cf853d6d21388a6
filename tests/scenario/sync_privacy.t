# sync_privacy.t - what a capitulator's saved device and a junk-pushing member get from the cell's
# nodes, typed at the command line (and, for the junk, played by tests/sz_junk.c, a member's node
# that lists envelopes that open under no key).  docs/threat/sync.md.
. "$(dirname "$0")/lib.sh"
JUNK="${SZ_SAN:-$(pwd)/build/san}/bin/sz_junk"
field() { printf '%s' "$1" | sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p"; }

for p in nadya ante victor olga eve; do node $p; done
serve nadya
NADYA=$ADDR
sz nadya cell create factory-7 >/dev/null || fail "cell create"
for p in ante victor; do
	CODE=$(sz nadya cell invite factory-7)
	sz $p cell join "$CODE" >/dev/null || fail "$p joins"
done
for i in 1 2; do for p in ante victor; do sz $p sync "$NADYA" >/dev/null || fail "$p syncs"; done; done
sz ante post factory-7 "The leaflets are in the cellar." >/dev/null
sz ante sync "$NADYA" >/dev/null
sz victor sync "$NADYA" >/dev/null

# Ante's device is seized and copied, every key it ever held with it; Ante is removed.
cp -a "$W/ante" "$W/seized"
cp "$W/ante.pw" "$W/seized.pw"
FP_ANTE=$(sz ante id)
expect "nadya removes ante" sz nadya cell remove --yes factory-7 "$FP_ANTE"
sz nadya post factory-7 "New place: the bakery." >/dev/null
expect "victor syncs and learns of the removal" sz victor sync "$NADYA"
out=$(sz victor cell members factory-7)
if contains "$out" "$FP_ANTE"; then fail "victor still lists ante"; else ok "victor no longer lists ante"; fi
# Olga joins after the removal.
CODE=$(sz nadya cell invite factory-7)
expect "olga joins after the removal" sz olga cell join "$CODE"
sz olga sync "$NADYA" >/dev/null
cp -a "$W/olga" "$W/rogue"   # (for later: a member's node turned junk pusher)
cp "$W/olga.pw" "$W/rogue.pw"
serve victor
VICTOR=$ADDR
serve olga
OLGA=$ADDR

# The seized device syncs with an old member, a member who applied the removal and one who joined
# after it: it shares nothing of the cell, gets nothing, gives nothing, and sees exactly what eve,
# in no cell, sees.
for t in nadya victor olga; do
	eval "T=\$$(echo $t | tr a-z A-Z)"
	s=$(sz seized --json sync "$T") || fail "the seized device syncs with $t"
	e=$(sz eve --json sync "$T") || fail "eve syncs with $t"
	[ "$(field "$s" shared)" = 1 ] && ok "the seized device shares only the public leaflets with $t" ||
		fail "the seized device shares with $t: $s"
	[ "$(field "$s" received)" = 0 ] && [ "$(field "$s" sent)" = 0 ] &&
		ok "no envelope moves between it and $t" || fail "envelopes moved with $t: $s"
	same=1
	for f in shared peer_tokens hello_bytes received sent bytes_in bytes_out; do
		[ "$(field "$s" $f)" = "$(field "$e" $f)" ] || same=0
	done
	[ $same = 1 ] && ok "what it sees of $t is what a node in no cell sees" ||
		fail "the seized device's view of $t differs from eve's: $s / $e"
done
out=$(sz seized read factory-7)
if contains "$out" "bakery"; then fail "the seized device read a post after the removal"; else
	ok "the seized device reads nothing new"; fi

# A member's node that pushes envelopes that do not open: refused, not stored, cut off, and its
# transport key refused for a while (over Tor every peer is 127.0.0.1: the address would not do).
before=$(field "$(sz nadya --json status)" envelopes)
stop olga
out=$("$JUNK" "$W/rogue" "$W/rogue.pw" "$NADYA" 100)
expect "the junk pusher is cut off" contains "$out" "too many envelopes failed verification"
after=$(field "$(sz nadya --json status)" envelopes)
[ "$before" = "$after" ] && ok "nadya stored none of the junk ($after envelopes before and after)" ||
	fail "nadya's envelopes went from $before to $after"
out=$("$JUNK" "$W/rogue" "$W/rogue.pw" "$NADYA" 0)
expect "its transport key is refused at once" contains "$out" "refused for a while"
expect "before any token was sent" contains "$out" "peer_tokens=0"
expect "nadya's log says why" grep -q "refused a session: the peer sent too many envelopes" "$W/nadya.log"
expect "... without naming the peer's key" sh -c "! grep -q 'transport key' '$W/nadya.log'"
expect "victor, another key, still syncs with nadya" sz victor sync "$NADYA"
stop nadya
stop victor
done_
