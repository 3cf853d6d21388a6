# names.t - names instead of fingerprints at the command line: ada invites ben under the name
# "Ben" and, once he joins, sees that name in the members, on his posts and in 'name'; she
# renames and removes him by name; names are refused when they are not text, an unknown or too
# short person is refused with a reason, and names are never sent (ben sees none of ada's).  On a
# terminal, a removal asks first.
. "$(dirname "$0")/lib.sh"
for p in ada ben cat; do node $p; done
serve ada
ADA=$ADDR
sz ada cell create union >/dev/null || fail "cell create"
CODE=$(sz ada cell invite union --name Ben)
sz ben cell join "$CODE" >/dev/null || fail "ben joins: $(cat "$W/last.err")"
CODE=$(sz ada cell invite union)
sz cat cell join "$CODE" >/dev/null || fail "cat joins: $(cat "$W/last.err")"
FP_BEN=$(sz ben id)
FP_CAT=$(sz cat id)
out=$(sz ada cell members union)
expect "ada's member list names ben" contains "$out" "$FP_BEN  Ben"
expect "cat, invited without a name, shows by fingerprint" contains "$out" "^$FP_CAT\$"
sz ben post union "I will be there." >/dev/null
out=$(sz ben sync "$ADA")
expect "a sync says what it carried in words" contains "$out" "Synced with 127.0.0.1: nothing new"
sz ada post union "Thursday, then." >/dev/null
out=$(sz ben sync "$ADA")
expect "and what arrived" contains "$out" "1 new post in 'union'"

out=$(sz ada read union)
expect "ada reads ben's post under his name" contains "$out" "  Ben$"
out=$(sz ada --json read union)
expect "--json carries the name beside the fingerprint" contains "$out" "\"author\":\"$FP_BEN\",\"name\":\"Ben\""
out=$(sz ben cell members union)
if contains "$out" "Ben"; then fail "the name reached ben: $out"; else ok "names are never sent (ben sees none)"; fi
out=$(sz ada name)
expect "'name' lists the people of ada's cells" contains "$out" "$FP_BEN  Ben"
expect "and says how to name the others" contains "$out" "no name: samizdat name '"
expect "ada names cat by her fingerprint's start" sz ada name "$(printf '%s' "$FP_CAT" | cut -c1-9)" Cat Ostrova
out=$(sz ada cell members union)
expect "and sees the name" contains "$out" "$FP_CAT  Cat Ostrova"
expect "ada renames ben by his name (any case)" sz ada name ben Benjamin
sz ada name Benjamin "$(printf 'a\033[31mb')" >/dev/null 2>&1
[ $? -eq 2 ] && ok "a name with a control character is refused (exit 2)" || fail "control character accepted"
sz ada name zzzzzzzzzz Nobody >/dev/null 2>&1
[ $? -eq 6 ] && ok "an unknown person is refused (exit 6)" || fail "unknown person: exit $?"
expect "with a reason" grep -q "nobody here is named" "$W/last.err"
sz ada cell remove --yes union ab >/dev/null 2>&1
[ $? -eq 2 ] && ok "two letters name nobody (exit 2)" || fail "short prefix: exit $?"
# on a terminal, a removal asks first ('script' gives the command one)
if command -v script >/dev/null 2>&1; then
	out=$(printf 'no\n' | script -qec "$S --home $W/ada --passphrase-file $W/ada.pw cell remove union Benjamin" /dev/null 2>&1)
	expect "on a terminal, removal says what it means" contains "$out" "removed for good"
	expect "and asks" contains "$out" "Go ahead?"
	expect "and a no does nothing" contains "$out" "Nothing was done"
	out=$(sz ada cell members union)
	expect "ben is still a member" contains "$out" "$FP_BEN"
fi
# with no terminal at all (a script), nobody can answer: refused without --yes, nothing done
sz ada cell remove union Benjamin >/dev/null 2>&1
[ $? -eq 2 ] && ok "a script's removal without --yes is refused (exit 2)" || fail "no terminal: exit $?"
expect "saying how to do it" grep -q "run it again with --yes" "$W/last.err"
out=$(sz ada cell members union)
expect "ben is still a member after the refusal" contains "$out" "$FP_BEN"
printf 'a leaflet from a script\n' | sz ada leaflet publish - >/dev/null 2>&1
[ $? -eq 2 ] && ok "a piped leaflet with no terminal is refused without --yes" || fail "piped leaflet: exit $?"
out=$(sz ada leaflet list 2>/dev/null)
if contains "$out" "from a script"; then fail "the refused leaflet was published"; else ok "and not published"; fi
# text through a pipe on a terminal: the question goes to the terminal (/dev/tty)
if command -v script >/dev/null 2>&1; then
	out=$(printf 'no\n' | script -qec "printf 'piped text\n' | $S --home $W/ada --passphrase-file $W/ada.pw leaflet publish -" /dev/null 2>&1)
	expect "piped text on a terminal: asked there" contains "$out" "Go ahead?"
	expect "and a no publishes nothing" contains "$out" "Nothing was done"
fi
expect "ada removes ben by the name she gave (--yes answers beforehand)" sz ada cell remove union Benjamin --yes
out=$(sz ada cell members union)
if contains "$out" "$FP_BEN"; then fail "ben is still listed"; else ok "ben is out"; fi
expect "ada forgets cat's name" sz ada name "Cat Ostrova" --forget
out=$(sz ada cell members union)
if contains "$out" "Ostrova"; then fail "the name stayed"; else ok "the name is gone"; fi
# a cell's name is its creator's choice: it never drives a terminal
EVIL=$(printf 'x\033[2Jy')
sz ada cell create "$EVIL" >/dev/null || fail "cell create"
CODE=$(sz ada cell invite "$EVIL")
out=$(sz cat cell join "$CODE" 2>&1)
expect "cat joins the oddly named cell" contains "$out" "Joined the cell 'x?\[2Jy'"
if printf '%s' "$out" | grep -q "$(printf '\033')"; then fail "an escape reached the terminal"; else ok "no escape reaches the terminal"; fi
done_
