#!/bin/sh
# membership.t - the membership promises of docs/THREAT_MODEL.md §3.6 as a person meets them:
# ada invites ben, ben invites kim; ada removes ben (a capitulator): kim stays a member, for ada
# and in her own view, reads ada's next post, and ben's node reads nothing new.  Then ben's
# saved device (his data directory copied before the removal, every key it had) removes kim and
# ada and posts: nothing changes for anyone.
set -u
. "$(dirname "$0")/lib.sh"

for p in ada ben kim; do node "$p"; done
serve ada
ADA=$ADDR
sz ada cell create union >/dev/null || fail "ada creates the cell"
CODE=$(sz ada cell invite union)
expect "ben joins with ada's code" sz ben cell join "$CODE"
sz ben sync "$ADA" >/dev/null || fail "ben syncs"
serve ben
BEN=$ADDR
CODE=$(sz ben cell invite union)
expect "kim joins with ben's code" sz kim cell join "$CODE"
for i in 1 2; do
	sz kim sync "$BEN" >/dev/null; sz kim sync "$ADA" >/dev/null; sz ben sync "$ADA" >/dev/null
done
out=$(sz ada cell members union)
expect "ada sees three members" test "$(printf '%s\n' "$out" | grep -c .)" -ge 3
FP_BEN=$(sz ben id)
FP_KIM=$(sz kim id)

stop ben
cp -r "$W/ben" "$W/ben-saved"           # the device the police keep
cp "$W/ben.pw" "$W/ben-saved.pw"
out=$(sz ada cell remove --yes union "$FP_BEN") || fail "ada removes ben"
# her daemon is running: it tells the others by itself, and she is told so, not to sync
expect "ada is told her daemon tells the others" contains "$out" "The daemon tells the others"
sz kim sync "$ADA" >/dev/null || fail "kim syncs after the removal"
out=$(sz ada cell members union)
if contains "$out" "$FP_KIM"; then ok "kim, whom ben invited, is still a member for ada"; else fail "ada dropped kim: $out"; fi
if contains "$out" "$FP_BEN"; then fail "ben is still listed"; else ok "ben is out"; fi
out=$(sz kim cell members union)
if contains "$out" "$FP_KIM"; then ok "kim is a member in her own view"; else fail "kim thinks she is out: $out"; fi
sz ada post union "Meeting moved to the bakery." >/dev/null
sz kim sync "$ADA" >/dev/null
out=$(sz kim read union)
expect "kim reads ada's post after ben's removal" contains "$out" "bakery"
sz ben sync "$ADA" >/dev/null 2>&1
out=$(sz ben read union 2>/dev/null)
if contains "$out" "bakery"; then fail "ben read the post made after his removal"; else ok "ben reads nothing new"; fi

# ben's saved device: removes kim and ada, posts, and tries to sync with both
FP_ADA=$(sz ada id)
out=$(sz ben-saved cell remove --yes union "$FP_KIM" 2>&1)
# no daemon runs for the saved device: its user is told to sync (what it then says is refused)
if contains "$out" "The daemon tells"; then fail "told of a daemon that is not running: $out"; else ok "without a daemon, no word of one"; fi
sz ben-saved cell remove --yes union "$FP_ADA" >/dev/null 2>&1
sz ben-saved post union "ben's saved device speaks" >/dev/null 2>&1
sz ben-saved sync "$ADA" >/dev/null 2>&1
sz kim sync "$ADA" >/dev/null
for p in ada kim; do
	out=$(sz "$p" cell members union)
	if contains "$out" "$FP_KIM" && contains "$out" "$FP_ADA"; then
		ok "$p: the saved device removed no one"
	else
		fail "$p: members changed: $out"
	fi
	out=$(sz "$p" read union)
	if contains "$out" "saved device speaks"; then fail "$p read the saved device's post"; else ok "$p read nothing from it"; fi
done
done_
