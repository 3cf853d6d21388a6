# decide.t - a cell decides, typed at the command line by five people: a vote (one voter changes
# her mind), the same tally on every node, a threshold pledge with a reveal refused and then
# accepted, a declaration signed in the cell and publicly that an outsider checks from a courier
# bundle, and a removed member whose ballot no longer counts.
. "$(dirname "$0")/lib.sh"

for p in ada ben cat dan eve; do node $p; done
FP_BEN=$(sz ben id)
FP_DAN=$(sz dan id)
serve ada
ADA=$ADDR
sz ada cell create union >/dev/null || fail "cell create"
for p in ben cat dan; do
	CODE=$(sz ada cell invite union)
	sz $p cell join "$CODE" >/dev/null || fail "$p joins: $(cat "$W/last.err")"
done
# Everyone meets ada; enrollments posted when the members changed need a round or two.
syncall() {
	for p in "$@"; do sz $p sync "$ADA" >/dev/null || fail "$p syncs: $(cat "$W/last.err")"; done
}
syncall ben cat dan
syncall ben cat dan
syncall ben cat dan
# A helper: the 64-digit id in a --json answer.
idof() { printf '%s' "$1" | sed -n 's/.*"id":"\([0-9a-f]\{64\}\)".*/\1/p'; }

# --- a vote -----------------------------------------------------------------------------
out=$(sz ada --json propose union --option yes --option no --deadline +2 "Strike on Thursday?")
P=$(idof "$out")
expect "ada proposes" test -n "$P"
expect "the roster has the four members" contains "$out" '"roster":4'
expect "a ring of four is flagged as small" grep -q "Careful: only 4 members" "$W/last.err"
P16=$(printf '%s' "$P" | cut -c1-16)
syncall ben cat dan
out=$(sz ben decisions union)
expect "ben sees the proposal" contains "$out" "proposal    $P16  open until"
out=$(sz ben vote union "$P16" yes --now)
expect "ben votes" contains "$out" "left now"
sz cat vote union "$P16" no --now >/dev/null || fail "cat votes"
out=$(sz dan vote union "$P16" 1 --now)
expect "dan votes by number" contains "$out" "(1: yes)"
out=$(sz cat vote union "$P16" yes --now)
expect "cat changes her vote" contains "$out" "change number 1"
# ada votes with the delay, then changes her mind before it leaves: replaced, not revised.
out=$(sz ada vote union "$P16" no)
expect "ada's ballot waits for its random moment" contains "$out" "leaves at a random moment"
out=$(sz ada vote union "$P16" yes)
expect "a second vote replaces the waiting one" contains "$out" "had not left yet"
sz ada tally union "$P16" >/dev/null
expect "ada is told hers has not left" grep -q "has not left yet" "$W/last.err"
sz ben vote union "$P16" maybe >/dev/null
[ $? -eq 2 ] && ok "an unknown option is refused (exit 2)" || fail "unknown option accepted"
expect "and the options are listed" grep -q "1) yes 2) no" "$W/last.err"
syncall ben cat dan
syncall ben cat dan
for p in ada ben cat dan; do sz $p tally union "$P16" > "$W/tally.$p" || fail "tally $p"; done
expect "the tally counts three for yes" grep -q "^      3  yes" "$W/tally.ada"
expect "and none for no" grep -q "^      0  no" "$W/tally.ada"
expect "one vote was changed" grep -q "3 of 4 on the roster voted; 1 changed vote;" "$W/tally.ada"
expect "yes leads" grep -q "Leading so far.*yes" "$W/tally.ada"
for p in ben cat dan; do
	cmp -s "$W/tally.ada" "$W/tally.$p" && ok "$p prints the same tally" ||
		fail "$p's tally differs: $(cat "$W/tally.$p")"
done
out=$(sz cat --json tally union "$P16")
expect "--json tally" contains "$out" '"voters":3,"roster":4,"replaced":1'
expect "--json names the winner" contains "$out" '"winner":"yes","tie":false'

# A deadline passes: the vote is closed, the count stands.
out=$(sz ada --json propose union --option now --option later --deadline +3s "Leaflets tonight?")
Q=$(idof "$out" | cut -c1-16)
syncall ben
sz ben vote union "$Q" now --now >/dev/null || fail "ben votes before the deadline"
sleep 4
sz ben vote union "$Q" later --now >/dev/null
[ $? -eq 1 ] && ok "a vote after the deadline is refused (exit 1)" || fail "late vote: exit $?"
expect "saying the deadline has passed" grep -q "the deadline has passed" "$W/last.err"
out=$(sz ben tally union "$Q")
expect "the tally says closed" contains "$out" "closed since"
expect "and gives the result" contains "$out" "Result: now"

# --- a threshold pledge -------------------------------------------------------------------
out=$(sz ada --json pledge create union --threshold 3 "I stop work on Monday if 3 of us do.")
C=$(idof "$out")
C16=$(printf '%s' "$C" | cut -c1-16)
expect "ada calls for pledges" test -n "$C"
syncall ben cat dan
sz ben pledge sign union "$C16" --now >/dev/null || fail "ben pledges"
sz ben pledge reveal --yes union "$C16" >/dev/null
[ $? -eq 1 ] && ok "a reveal before the threshold is refused" || fail "early reveal accepted"
expect "with the reason" grep -q "no collective cover" "$W/last.err"
sz cat pledge sign union "$C16" --now >/dev/null || fail "cat pledges"
syncall ben cat
out=$(sz cat pledge status union "$C16")
expect "two of three before the third pledge" contains "$out" "2 of the 3 needed have pledged"
expect "not reached yet" contains "$out" "Threshold not reached yet"
expect "cat is told she pledged" contains "$out" "You have pledged"
sz dan pledge sign union "$C16" --now >/dev/null || fail "dan pledges"
sz dan pledge sign union "$C16" --now >/dev/null
[ $? -ne 0 ] && ok "a second pledge is refused" || fail "dan pledged twice"
syncall dan ben cat
syncall dan ben cat
out=$(sz ben pledge status union "$C16")
expect "three of three after it" contains "$out" "3 of the 3 needed have pledged"
expect "threshold reached" contains "$out" "Threshold reached."
out=$(sz ben pledge reveal --yes union "$C16")
expect "ben's reveal is accepted now" contains "$out" "Revealed"
syncall ben
out=$(sz ada pledge status union "$C16")
expect "ada sees ben's reveal" contains "$out" "Revealed: $FP_BEN"

# --- a declaration, signed in the cell and publicly --------------------------------------
out=$(sz ada --json declare union --public --title "Open letter" "We demand the release of our colleagues.")
D=$(idof "$out")
D16=$(printf '%s' "$D" | cut -c1-16)
expect "ada declares for publication" test -n "$D"
out=$(sz ada --json declare union --title "Internal" "Kept among us.")
L16=$(idof "$out" | cut -c1-16)
syncall ben cat dan
sz ben cosign union "$D16" >/dev/null || fail "ben signs in the cell: $(cat "$W/last.err")"
sz cat cosign union "$D16" >/dev/null || fail "cat signs in the cell"
out=$(sz dan cosign --yes union "$D16" --public)
expect "dan signs publicly" contains "$out" "publicly, with your identity"
sz dan cosign --yes union "$L16" --public >/dev/null
[ $? -ne 0 ] && ok "a public signature on a declaration kept in the cell is refused" ||
	fail "public signature on a local declaration"
expect "with the reason" grep -q "kept in the cell" "$W/last.err"
syncall ben cat dan
syncall ben cat dan
out=$(sz ada signatures "$D16")
expect "ada counts three signatures" contains "$out" "3 signatures verified"
expect "dan shown by fingerprint" contains "$out" "$FP_DAN  (public)"
n=$(printf '%s\n' "$out" | grep -c "a member of the cell")
[ "$n" -eq 2 ] && ok "the in-cell signers are shown as members, not by fingerprint" ||
	fail "in-cell signers: $out"
if contains "$out" "$FP_BEN"; then fail "an in-cell signer was named"; else ok "ben is not named"; fi
out=$(sz cat --json signatures "$D16")
expect "--json signatures" contains "$out" '"count":3,"public_signers":1'
out=$(sz ada decisions union)
expect "decisions lists both proposals, the call and both declarations" \
	test "$(printf '%s\n' "$out" | grep -c "^proposal\|^pledge\|^declaration")" -eq 5
expect "the short vote is listed as closed" contains "$out" "proposal    $Q  closed"

# Eve, outside the cell, gets the public envelopes from dan by courier.
echo "a phrase said in person" > "$W/courier.pw"
expect "dan writes a courier bundle" sz dan bundle export --to "$W/d.bundle" --bundle-passphrase-file "$W/courier.pw"
expect "eve imports it" sz eve bundle import "$W/d.bundle" --bundle-passphrase-file "$W/courier.pw"
out=$(sz eve signatures "$D16")
expect "eve counts one public signer" contains "$out" "1 signature verified (public ones"
expect "eve sees dan's fingerprint" contains "$out" "$FP_DAN  (public)"
expect "and the text's fingerprint" contains "$out" "text fingerprint"
sz eve signatures "$L16" >/dev/null
[ $? -ne 0 ] && ok "the cell-local declaration never reached eve" || fail "eve holds the local one"

# --- a removed member's ballot -----------------------------------------------------------
out=$(sz ada --json propose union --option bakery --option library --option park "Where do we meet?")
P2=$(idof "$out" | cut -c1-16)
syncall ben cat dan
sz ben vote union "$P2" library --now >/dev/null || fail "ben votes on the second proposal"
syncall ben
expect "ada removes dan" sz ada cell remove --yes union "$FP_DAN"
# dan has not heard yet: it votes.  ada's node, which applied the removal, no longer matches dan's;
# cat's, which has not heard either, still does (the window docs/threat/sync.md names), so the
# ballot reaches ada through cat.
sz dan vote union "$P2" park --now >/dev/null || fail "dan votes before hearing of the removal"
out=$(sz dan --json sync "$ADA")
expect "ada's node shares nothing with dan's any more" contains "$out" '"received":0,"stored":0,"refused":0,"sent":0'
serve cat
CAT=$ADDR
sz dan sync "$CAT" >/dev/null || fail "dan syncs with cat, who has not heard"
stop cat
# ben's node seals its earlier ballot again under the new keys, once it knows that every member
# holds them (their acks of the removal): one sync teaches it the removal, the next the others'
# acks, the third carries the ballot sealed again.
syncall ben cat
syncall ben cat
syncall ben cat
for p in ada ben cat; do
	sz $p tally union "$P2" > "$W/t2.$p" || fail "tally $p"
	cp "$W/last.err" "$W/t2.$p.err"
done
expect "only ben's ballot counts" grep -q "1 of 4 on the roster voted" "$W/t2.ada"
expect "for the library" grep -q "^      1  library" "$W/t2.ada"
expect "dan's is not counted" grep -q "^      0  park" "$W/t2.ada"
expect "and the tally says why" grep -q "sealed under keys a removed member still holds" "$W/t2.ada.err"
expect "and that dan is gone" grep -q "1 member on this roster is no longer in the cell" "$W/t2.ada.err"
for p in ben cat; do
	cmp -s "$W/t2.ada" "$W/t2.$p" && ok "$p agrees" || fail "$p differs: $(cat "$W/t2.$p")"
done
stop ada
done_
