#!/bin/sh
# mesh.t - 30 daemons in 3 cells, members spread over them (issue 14, part 6): each node knows
# only what its cells told it (the inviter's address in a code, then the members' sealed "where to
# reach me" records; no peers list, no address typed, no sync typed).  Every post reaches every
# member by automatic sync alone within BOUND seconds (measured and printed); once a member is
# removed, no node contacts its node again and what is posted after cannot be read there.
# Release binaries and a 5-second period (--sync-every) keep it to a minute or two.
. "$(dirname "$0")/lib.sh"
S="${SZ_REL:-$(pwd)/build/rel}/samizdat"
[ -x "$S" ] || { echo "no release build at $S" >&2; exit 77; }
EVERY=${EVERY:-5}
BOUND=${BOUND:-60}

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
nm() { printf 'n%02d' "$1"; }

# north: n01..n12; south: n11..n22; east: n21..n30, n01, n02 (12 members each; n01, n02, n11,
# n12, n21, n22 in two cells).
NORTH="1 2 3 4 5 6 7 8 9 10 11 12"
SOUTH="11 12 13 14 15 16 17 18 19 20 21 22"
EAST="21 22 23 24 25 26 27 28 29 30 1 2"

t0=$(now)
for i in $(seq 1 30); do
	node "$(nm "$i")"
	serve "$(nm "$i")" --sync-every "$EVERY"
done
ok "30 daemons serving ($(since "$t0") s)"

# Each cell grows by a chain of invitations: every member invites the next, so that a newcomer
# knows one address (its inviter's) and must learn the others from the records.
t0=$(now)
for cell in north south east; do
	eval "list=\$$(echo "$cell" | tr a-z A-Z)"
	prev=""
	for i in $list; do
		who=$(nm "$i")
		if [ -z "$prev" ]; then
			sz "$who" cell create "$cell" >/dev/null || fail "$who creates $cell"
		else
			code=$(sz "$prev" cell invite "$cell") || fail "$prev invites to $cell"
			sz "$who" cell join "$code" >/dev/null || fail "$who joins $cell: $(cat "$W/last.err")"
		fi
		prev=$who
	done
done
ok "3 cells of 12 by chains of invitations ($(since "$t0") s)"

# Everyone posts once in each of their cells.
t0=$(now)
for cell in north south east; do
	eval "list=\$$(echo "$cell" | tr a-z A-Z)"
	for i in $list; do
		echo "post-$cell-$(nm "$i")" | sz "$(nm "$i")" post "$cell" >/dev/null ||
			fail "$(nm "$i") posts in $cell"
	done
done
# count WHO CELL: how many of the cell's test posts WHO reads.
count() { sz "$1" read "$2" | grep -c "post-$2-"; }
# all_have CELL N: does every member of CELL read N of its test posts?  (Sets MISSING.)
all_have() {
	eval "list=\$$(echo "$1" | tr a-z A-Z)"
	MISSING=""
	for i in $list; do
		[ "$i" = "${SKIP:-}" ] && continue
		[ "$(count "$(nm "$i")" "$1")" -ge "$2" ] || MISSING="$MISSING $(nm "$i")"
	done
	[ -z "$MISSING" ]
}
left=north
while [ -n "$left" ] && awk -v s="$(since "$t0")" -v b="$BOUND" 'BEGIN { exit !(s <= b) }'; do
	next=""
	for cell in north south east; do
		all_have "$cell" 12 || next="$next $cell"
	done
	left=$next
	[ -n "$left" ] && sleep 1
done
s=$(since "$t0")
[ -z "$left" ] && ok "all 36 posts reached all 12 members of their cells in $s s (bound $BOUND)" ||
	fail "after $s s, not everyone has every post: cells$left (in $left: missing at$MISSING)"
grep -l "control: sync" "$W"/n*.log >/dev/null 2>&1 && fail "someone ran sync" ||
	ok "no sync was run by hand"

# n01 removes n05 (a capitulator, in north only; n05 invited n06, who stays).
FP5=$(sz n05 id | head -n 1)
sz n01 cell remove --yes north "$FP5" >/dev/null || fail "n01 removes n05: $(cat "$W/last.err")"
t0=$(now)
gone=""
while [ -z "$gone" ] && awk -v s="$(since "$t0")" -v b="$BOUND" 'BEGIN { exit !(s <= b) }'; do
	gone=yes
	for i in $NORTH; do
		[ "$i" = 5 ] && continue
		sz "$(nm "$i")" cell members north | grep -q "$FP5" && gone=""
	done
	[ -z "$gone" ] && sleep 1
done
[ -n "$gone" ] && ok "every north member applied the removal in $(since "$t0") s" ||
	fail "the removal did not reach every north member"
sleep 2
# accepted: the connections n05's daemon took in, whoever made them
accepted() { sz n05 --json status | sed -n 's/.*"accepted":\([0-9]*\).*/\1/p'; }
before=$(accepted)
echo "post-north-after-removal" | sz n01 post north >/dev/null
t0=$(now)
SKIP=5
until all_have north 13 || ! awk -v s="$(since "$t0")" -v b="$BOUND" 'BEGIN { exit !(s <= b) }'; do
	sleep 1
done
all_have north 13 && ok "the post after the removal reached the 11 others in $(since "$t0") s" ||
	fail "the post after the removal is missing at$MISSING"
n06=$(sz n06 cell members north | grep -c .)
[ "$n06" -ge 11 ] && ok "n06, whom n05 invited, is still a member" || fail "n06 lost membership"
# Three more periods: no node dials n05.
sleep $((3 * EVERY))
after=$(accepted)
[ -n "$after" ] && [ "$after" -eq "$before" ] &&
	ok "no node contacted n05 after its removal ($before connections before)" ||
	fail "n05 was contacted $((after - before)) times after its removal"
A5=$(head -n 1 "$W/n05.addr")
for i in $(seq 1 30); do
	[ "$i" = 5 ] && continue
	sz "$(nm "$i")" --json status | grep -q "\"address\":\"$A5\"" &&
		fail "$(nm "$i") still lists n05's node ($A5)"
done
ok "no node lists n05's node among those it syncs with"
sz n05 read north | grep -q "post-north-after-removal" && fail "n05 reads what came after" ||
	ok "n05 cannot read what was posted after its removal"
done_
