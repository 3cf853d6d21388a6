# cli.t - a person's day with samizdat, typed at the command line and checked as a person would:
# a cell, invitations, posts and replies, a leaflet by courier, a removal.
. "$(dirname "$0")/lib.sh"

for p in nadya ante victor olga; do node $p; done
FP_ANTE=$(sz ante id)
expect "id prints a fingerprint of 8 groups" contains "$FP_ANTE" '^[a-z2-7]\{4\}\( [a-z2-7]\{4\}\)\{7\}$'
out=$(sz ante --json id)
expect "--json id is one JSON document with the fingerprint" contains "$out" "\"fingerprint\":\"$FP_ANTE\""

serve nadya
NADYA=$ADDR
expect "the daemon serves on loopback" contains "$NADYA" '^127\.0\.0\.1:[0-9]*$'
out=$(sz nadya cell create factory-7)
expect "cell create" contains "$out" "Created the cell 'factory-7'"
CODE=$(sz nadya cell invite factory-7)
expect "invite prints the code alone on stdout" contains "$CODE" '^sz1-[a-z2-7-]*$'
[ "$(printf '%s\n' "$CODE" | wc -l)" -eq 1 ] && ok "one line" || fail "invite printed more than the code"
out=$(sz ante cell join "$CODE")
expect "ante joins" contains "$out" "Joined the cell 'factory-7'"
sz victor cell join "$CODE" >/dev/null
[ $? -eq 5 ] && ok "a used code is refused (exit 5)" || fail "a used code was accepted"
expect "the refusal says what to do" grep -q "already used" "$W/last.err"
CODE2=$(sz nadya cell invite factory-7)
expect "victor joins with his own code" sz victor cell join "$CODE2"
sz ante sync "$NADYA" >/dev/null && sz victor sync "$NADYA" >/dev/null
out=$(sz nadya cell members factory-7)
[ "$(printf '%s\n' "$out" | wc -l)" -eq 3 ] && ok "three members" || fail "members: $out"
expect "members lists ante's fingerprint" contains "$out" "$FP_ANTE"

# Posts and a reply; control characters in a post are shown escaped, never raw.
sz ante post factory-7 "Strike vote Thursday $(printf '\033[31m')red" >/dev/null
sz ante sync "$NADYA" >/dev/null; sz victor sync "$NADYA" >/dev/null
POST=$(sz victor --json read factory-7 | sed -n 's/.*"id":"\([0-9a-f]\{16\}\).*/\1/p' | head -n 1)
expect "victor sees ante's post" test -n "$POST"
sz victor post factory-7 --reply "$POST" "I bring 200 copies" >/dev/null
sz victor sync "$NADYA" >/dev/null
out=$(sz nadya read factory-7)
expect "nadya reads the post" contains "$out" "Strike vote Thursday"
expect "the escape character is shown escaped" contains "$out" '\\x1b\[31mred'
expect "the reply is indented under it" contains "$out" "^      I bring 200 copies"

# A leaflet by courier to a node that is never online.
sz victor leaflet publish --yes "The vote is Thursday." >/dev/null
echo "phrase for olga" > "$W/courier.pw"
expect "bundle export" sz victor bundle export --to "$W/c.bundle" --bundle-passphrase-file "$W/courier.pw"
if grep -q -a "Thursday" "$W/c.bundle"; then fail "the bundle shows its content"; else ok "the bundle hides its content"; fi
out=$(sz olga bundle import "$W/c.bundle" --bundle-passphrase-file "$W/courier.pw")
expect "olga imports one envelope" contains "$out" "Stored 1 new"
out=$(sz olga bundle import "$W/c.bundle" --bundle-passphrase-file "$W/courier.pw")
expect "importing twice stores nothing new" contains "$out" "Stored 0 new envelopes.*1 already held"
out=$(sz olga leaflet list)
expect "olga reads the leaflet" contains "$out" "The vote is Thursday."
sz olga bundle import "$W/c.bundle" >/dev/null
[ $? -eq 5 ] && ok "a bundle not for you is refused (exit 5)" || fail "wrong key: exit $?"
head -c 200000 "$W/c.bundle" > "$W/cut.bundle"
sz olga bundle import "$W/cut.bundle" --bundle-passphrase-file "$W/courier.pw" >/dev/null
[ $? -eq 5 ] && ok "a cut bundle is reported damaged (exit 5)" || fail "cut bundle"

# Ante capitulates and is removed.
expect "remove ante" sz nadya cell remove --yes factory-7 "$FP_ANTE"
sz nadya post factory-7 "New place: the bakery" >/dev/null
sz victor sync "$NADYA" >/dev/null
out=$(sz ante --json sync "$NADYA")
expect "ante's node shares nothing of the cell with nadya's any more" contains "$out" '"shared":1'
expect "and gets nothing from it but victor's public leaflet" contains "$out" '"received":1'
out=$(sz victor read factory-7)
expect "victor reads the post after the removal" contains "$out" "the bakery"
out=$(sz ante read factory-7)
if contains "$out" "bakery"; then fail "ante read a post after his removal"; else ok "ante cannot read it"; fi
out=$(sz nadya cell members factory-7)
if contains "$out" "$FP_ANTE"; then fail "ante still listed"; else ok "ante is no longer listed"; fi

# The daemon answers commands while it runs, and a second daemon is refused.
out=$(sz nadya status)
expect "status goes through the daemon" contains "$out" "daemon      running"
"$S" --home "$W/nadya" --passphrase-file "$W/nadya.pw" serve --listen 127.0.0.1:0 >/dev/null 2>"$W/second.err"
[ $? -ne 0 ] && ok "a second daemon on one node is refused" || fail "two daemons ran"
stop nadya
[ ! -e "$W/nadya/control.sock" ] && ok "the control socket is gone after SIGTERM" || fail "socket left"

# A daemon started locked holds no keys until 'unlock', and forgets them at 'lock'.
rm -f "$W/victor.addr"
"$S" --home "$W/victor" serve --locked --listen 127.0.0.1:0 --log "$W/victor.log" \
	>"$W/victor.addr" 2>>"$W/victor.log" &
PIDS="$PIDS $!"
PID_victor=$!
i=0
while [ ! -s "$W/victor.addr" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
"$S" --home "$W/victor" status >/dev/null 2>"$W/locked.err"
[ $? -eq 3 ] && ok "a locked daemon answers 'locked' (exit 3)" || fail "locked daemon status"
expect "unlock hands it the passphrase" sz victor unlock
out=$("$S" --home "$W/victor" status 2>&1)
expect "then it answers without a passphrase" contains "$out" "daemon      running"
expect "lock" sz victor lock
"$S" --home "$W/victor" read factory-7 >/dev/null 2>&1
[ $? -eq 3 ] && ok "after lock it is locked again" || fail "still unlocked after lock"
stop victor

# Wrong passphrase: a clear error, nothing changed.
echo "wrong" > "$W/wrong.pw"
"$S" --home "$W/nadya" --passphrase-file "$W/wrong.pw" status >/dev/null 2>"$W/wrong.err"
[ $? -eq 3 ] && ok "wrong passphrase: exit 3" || fail "wrong passphrase"
expect "and says so" grep -q "wrong passphrase" "$W/wrong.err"
expect "the node still opens with the right one" sz nadya status

# Panic wipe: afterwards nothing opens.
expect "wipe" sz olga wipe --yes
sz olga status >/dev/null
[ $? -ne 0 ] && ok "a wiped node does not open" || fail "wiped node opened"
done_
