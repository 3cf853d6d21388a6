# courier_join.t - a newcomer who never has a live link to the inviter joins a cell, posts and reads,
# with every byte carried in files: request, answer, bundles both ways.  A photographer who has the
# code and copies both files (tests/join_photo.c) reads nothing of either person or of the cell.
. "$(dirname "$0")/lib.sh"
node nadya
node kira
expect "nadya creates the cell" sz nadya cell create shelter
sz nadya post shelter "Before Kira came." >/dev/null
CODE=$(sz nadya cell invite shelter)
expect "the code is printed" contains "$CODE" '^sz1-'
sz kira cell join "$CODE" >/dev/null
[ $? -eq 4 ] && ok "without an address the live join says to use a courier (exit 4)" ||
	fail "live join without an address"
expect "it says how" grep -q -- "--request FILE" "$W/last.err"
expect "kira writes a join request" sz kira cell join "$CODE" --request "$W/req"
if grep -q -a "shelter" "$W/req"; then fail "the request shows the cell"; else ok "the request hides everything"; fi
sz nadya cell admit "$W/junk" --to "$W/ans" >/dev/null 2>&1
[ $? -ne 0 ] && ok "a missing request file is refused" || fail "admitted nothing"
head -c 300000 /dev/urandom > "$W/noise"
sz nadya cell admit "$W/noise" --to "$W/ans" >/dev/null
[ $? -eq 5 ] && ok "random bytes are not a request (exit 5)" || fail "noise admitted"
out=$(sz nadya cell admit "$W/req" --to "$W/ans")
expect "nadya admits it, naming whom she let in" contains "$out" "Admitted $(sz kira id) to 'shelter'"
sz nadya cell admit "$W/req" --to "$W/ans2" >/dev/null
[ $? -ne 0 ] && ok "the same request cannot be admitted twice" || fail "admitted twice"
# The photographer: the code and copies of both files.  Their outer layer opens with the code (it is
# what makes them random bytes to a courier without it); nothing inside does.
FP_KIRA=$(sz kira id)
FP_NADYA=$(sz nadya id)
PHOTO="${SZ_SAN:-$(pwd)/build/san}/bin/join_photo"
"$PHOTO" "$CODE" "$W/seen" "$W/req" "$W/ans" > "$W/photo.txt" || fail "join_photo ran"
expect "the photographer opens the request's outer layer" grep -q "^opened $W/req" "$W/photo.txt"
expect "and the answer's" grep -q "^opened $W/ans" "$W/photo.txt"
if grep -q "^inner opened" "$W/photo.txt"; then fail "the photographer opened a request"; else
	ok "nothing inside opens with what the code gives"; fi
if grep -q "^fp $FP_KIRA\$" "$W/photo.txt"; then fail "the photographer found kira's identity"; else
	ok "the newcomer's identity is in nothing the photographer opened"; fi
if grep -q "^fp $FP_NADYA\$" "$W/photo.txt"; then fail "the photographer found nadya's identity"; else
	ok "nor the inviter's"; fi
if grep -q -a "shelter" "$W/seen"; then fail "the photographer read the cell's name"; else
	ok "nor the cell's name"; fi
# With the samizdat command line and a node of its own it gets no further.
node photo
sz photo cell admit "$W/req" --to "$W/photo.ans" >/dev/null
[ $? -ne 0 ] && ok "the photographer's node cannot answer the request" || fail "photo admitted"
sz photo cell join "$CODE" --answer "$W/ans" >/dev/null
[ $? -ne 0 ] && ok "nor join from the answer" || fail "photo joined from kira's answer"
out=$(sz photo cell list)
expect "and is in no cell" contains "$out" "in no cell"
out=$(sz kira cell join "$CODE" --answer "$W/ans")
expect "kira joins from the answer" contains "$out" "Joined the cell 'shelter'"
out=$(sz kira cell members shelter)
[ "$(printf '%s\n' "$out" | wc -l)" -eq 2 ] && ok "kira sees two members" || fail "members: $out"
# Kira's first key update and a post go back by courier; Nadya answers with a post.
sz kira post shelter "Kira here, by courier." >/dev/null
expect "kira exports for the cell" sz kira bundle export --cell shelter --to "$W/k2n"
out=$(sz nadya --json bundle import "$W/k2n")
expect "nadya imports it" contains "$out" '"ok":true'
out=$(sz nadya read shelter)
expect "nadya reads kira's post" contains "$out" "Kira here, by courier."
sz nadya post shelter "Welcome, Kira." >/dev/null
expect "nadya exports for the cell" sz nadya bundle export --cell shelter --to "$W/n2k"
expect "kira imports" sz kira bundle import "$W/n2k"
out=$(sz kira read shelter)
expect "kira reads nadya's answer" contains "$out" "Welcome, Kira."
if contains "$out" "Before Kira came."; then fail "kira read a post from before she joined"; else ok "posts from before the join stay unreadable to the newcomer"; fi
done_
