# invite_race.t - invitations under attack, typed at the command line: a racer with a photograph of
# the code takes the seat first (the newcomer is told the code was used; the racer has joined, so
# revoke says only a removal, which bans, can undo it); a newcomer whose answer was lost is revoked
# without a ban and invited again; a code of the old version is refused with a reason.
. "$(dirname "$0")/lib.sh"

for p in nadya kira racer lena; do node $p; done
FP_RACER=$(sz racer id)
FP_LENA=$(sz lena id)
serve nadya
NADYA=$ADDR
sz nadya cell create shelter >/dev/null || fail "cell create"

# --- the race ------------------------------------------------------------------------------
CODE=$(sz nadya cell invite shelter)
expect "the code is a version 2 code" contains "$CODE" '^sz1-'
sz nadya cell invite shelter >/dev/null
expect "invite says what a photograph gives" grep -q "race the newcomer for the seat" "$W/last.err"
out=$(sz racer cell join "$CODE")
expect "the racer, with a photograph of the code, joins first" contains "$out" "Joined the cell"
sz kira cell join "$CODE" >/dev/null
[ $? -eq 5 ] && ok "the newcomer finds the code used (exit 5)" || fail "a used code worked twice"
expect "and is told to warn the inviter" grep -q "already used" "$W/last.err"
expect "who can revoke it" grep -q "samizdat cell revoke CODE" "$W/last.err"
out=$(sz nadya cell members shelter)
expect "the racer is a member" contains "$out" "$FP_RACER"
# The racer's join synced its first key update to nadya: it has joined, revoke cannot undo it.
sz nadya cell revoke "$CODE" >/dev/null
[ $? -ne 0 ] && ok "revoke refuses to undo a join that is complete" || fail "revoke after the join"
expect "it says a removal would be needed" grep -q "joined 'shelter' already" "$W/last.err"
expect "and that it bans" grep -q "bans that identity" "$W/last.err"
expect "nadya removes the racer" sz nadya cell remove --yes shelter "$FP_RACER"
out=$(sz nadya cell members shelter)
if contains "$out" "$FP_RACER"; then fail "the racer is still listed"; else ok "the racer is out"; fi
sz nadya post shelter "Meet at the back door" >/dev/null
CODE=$(sz nadya cell invite shelter)
# Nadya's node no longer matches the racer's (docs/threat/sync.md): the sync gives it nothing of
# the cell, not even the news of its removal, and nothing posted after the removal.
out=$(sz racer --json sync "$NADYA")
expect "the racer's sync shares nothing of the cell" contains "$out" '"shared":1[,}]'
out=$(sz racer read shelter 2>&1)
if contains "$out" "back door"; then fail "the removed racer read a new post"; else ok "the racer reads nothing posted after its removal"; fi
sz racer cell join "$CODE" >/dev/null
[ $? -ne 0 ] && ok "a removed racer cannot come back with a new code" || fail "banned racer joined"
CODE=$(sz nadya cell invite shelter)
out=$(sz kira cell join "$CODE")
expect "the newcomer joins with a fresh code" contains "$out" "Joined the cell 'shelter'"

# --- a lost answer ------------------------------------------------------------------------
CODE=$(sz nadya cell invite shelter)
expect "lena writes a request" sz lena cell join "$CODE" --request "$W/lena.req"
out=$(sz nadya cell admit "$W/lena.req" --to "$W/lena.ans")
expect "nadya admits lena" contains "$out" "Admitted $FP_LENA"
rm -f "$W/lena.ans" # lost on the way
out=$(sz nadya cell revoke "$CODE")
expect "revoke undoes the half-finished add" contains "$out" "has not joined 'shelter' yet"
expect "and says nobody is banned" contains "$out" "bans nobody"
out=$(sz nadya cell members shelter)
if contains "$out" "$FP_LENA"; then fail "lena still listed after the revoke"; else
	ok "lena is no longer listed"; fi
CODE=$(sz nadya cell invite shelter)
expect "lena writes a new request" sz lena cell join "$CODE" --request "$W/lena2.req"
expect "nadya admits lena again" sz nadya cell admit "$W/lena2.req" --to "$W/lena2.ans"
out=$(sz lena cell join "$CODE" --answer "$W/lena2.ans")
expect "lena joins" contains "$out" "Joined the cell 'shelter'"
sz lena sync "$NADYA" >/dev/null || fail "lena syncs: $(cat "$W/last.err")"
out=$(sz nadya cell members shelter)
expect "nadya lists lena" contains "$out" "$FP_LENA"
sz nadya post shelter "Welcome back, Lena." >/dev/null
sz lena sync "$NADYA" >/dev/null
out=$(sz lena read shelter)
expect "lena reads what is posted now" contains "$out" "Welcome back, Lena."

# --- codes of the old version ------------------------------------------------------------
OLD=$(cat "${SZ_ROOT:-$(pwd)}/fuzz/corpus/fuzz_app/invite")
sz kira cell join "$OLD" >/dev/null
[ $? -eq 1 ] && ok "a version 1 code is refused (exit 1)" || fail "a version 1 code: exit $?"
expect "with the reason" grep -q "older version (1)" "$W/last.err"
expect "and what to do" grep -q "Ask the inviter for a new code" "$W/last.err"
done_
