#!/bin/sh
# duress_trace.t - a duress unlock leaves no trace a normal unlock does not also leave (issue 17;
# docs/PROTOCOL.md §4.1.5, docs/threat/store.md "Duress").  The forensic examiner's view: stat
# (inode, size, birth time, modification time) of every file in the data directory, and of the
# directory itself, after a normal unlock and after a duress unlock; the fields a duress unlock
# changes must be among those a normal unlock changes, and no file may come or go.  Before, a
# duress unlock gave the database a new inode and birth time, wrote the key file (a normal unlock
# never did) and showed a brand-new fingerprint.  Then: the decoy's fingerprint is the one
# `samizdat duress` announced, its store was made when the node was, and nothing of the real
# node is readable.  Through the command line, and through a daemon's unlock.
set -u
. "$SZ_ROOT/tests/scenario/lib.sh"

probe=$(mktemp "$W/probe.XXXXXX")
if [ "$(stat -c %W "$probe")" = 0 ] || [ "$(stat -c %W "$probe")" = "-" ]; then
	echo "the file system under $W keeps no birth times: cannot compare them" >&2
	exit 77
fi

# stats DIR: one line per file (and the directory), name inode size birth mtime.
stats() {
	(cd "$1" && stat -c '%n %i %s %.9W %.9Y' . * | sort)
}
# changed A B: "name:field" for every field that differs between two stats outputs, and
# "name:gone" / "name:new" for files in only one of them.
changed() {
	printf '%s\n' "$1" > "$W/a.st"
	printf '%s\n' "$2" > "$W/b.st"
	awk 'NR == FNR { a[$1] = $0; next }
	     { if (!($1 in a)) { print $1 ":new"; next }
	       split(a[$1], o, " "); delete a[$1]
	       if (o[2] != $2) print $1 ":inode"; if (o[3] != $3) print $1 ":size"
	       if (o[4] != $4) print $1 ":birth"; if (o[5] != $5) print $1 ":mtime" }
	     END { for (k in a) print k ":gone" }' "$W/a.st" "$W/b.st" | sort
}
# subset A B: every line of A is in B
subset() {
	printf '%s\n' "$1" | grep -v '^$' > "$W/sa"
	printf '%s\n' "$2" | grep -v '^$' > "$W/sb"
	[ -z "$(grep -vxF -f "$W/sb" "$W/sa")" ]
}

node olga
sz olga cell create union >/dev/null
for i in $(seq 1 30); do
	echo "meet at the depot at $i, bring the leaflets" | sz olga post union - >/dev/null ||
		sz olga post union "meet at the depot at $i, bring the leaflets" >/dev/null
done
REAL_FP=$(sz olga id | grep -o '[a-z2-7]\{4\}\( [a-z2-7]\{4\}\)\{7\}' | head -n 1)
echo "under duress" > "$W/duress.pw"
out=$(sz olga duress --file "$W/duress.pw")
expect "set a duress passphrase" test $? -eq 0
DECOY_FP=$(printf '%s\n' "$out" | grep -o '[a-z2-7]\{4\}\( [a-z2-7]\{4\}\)\{7\}' | head -n 1)
expect "duress names the decoy's fingerprint ($DECOY_FP)" test -n "$DECOY_FP"
expect "... which is not the real one" test "$DECOY_FP" != "$REAL_FP"
CREATED=$(stat -c %Y "$W/olga/lock")

sleep 1.1 # time stamps of the unlocks fall in seconds of their own
S0=$(stats "$W/olga")
expect "a normal unlock" sz olga status >/dev/null
sleep 1.1
S1=$(stats "$W/olga")
NORMAL=$(changed "$S0" "$S1")
echo "a normal unlock changes: $(echo $NORMAL)"
expect "a normal unlock writes the key file (so that a duress unlock may)" contains "$NORMAL" "key:mtime"
expect "... and the database" contains "$NORMAL" "db:mtime"
expect "... and no inode, size or birth time changes" sh -c "! printf '%s' '$NORMAL' | grep -q 'inode\|size\|birth\|new\|gone'"

cp "$W/duress.pw" "$W/olga.pw"
out=$(sz olga status)
expect "a duress unlock (exit 0)" test $? -eq 0
S2=$(stats "$W/olga")
DURESS=$(changed "$S1" "$S2")
echo "a duress unlock changes: $(echo $DURESS)"
if subset "$DURESS" "$NORMAL"; then
	ok "the duress unlock changed nothing a normal unlock does not also change"
else
	fail "the duress unlock changed what a normal unlock does not: $(grep -vxF -f "$W/sb" "$W/sa" | tr '\n' ' ')"
fi
expect "the store shown is empty" contains "$out" "envelopes   0 held"
out=$(sz olga id)
expect "the decoy shows the fingerprint duress announced" contains "$out" "$DECOY_FP"
out=$(sz olga cell list 2>&1)
if contains "$out" "union"; then fail "the decoy knows the cell"; else ok "the decoy knows no cell"; fi
out=$(sz olga check)
expect "the decoy is whole (check exits 0)" test $? -eq 0
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; echo; }
{ hex "meet at the depot"; hex "union"; hex "bring the leaflets"; } > "$W/markers"
if "$SZ_SAN/bin/store_tool" scan "$W/olga" "$W/markers" > "$W/scan.out" 2>&1; then
	ok "nothing of the real node's words in the files ($(head -n 1 "$W/scan.out"))"
else
	fail "the real node's words are in the files: $(cat "$W/scan.out")"
fi
expect "the lock file still says when the node was made" test "$(stat -c %Y "$W/olga/lock")" = "$CREATED"

# The second duress unlock, and later ones, look like normal unlocks of the decoy.
sleep 1.1
S3=$(stats "$W/olga")
expect "unlock again" sz olga status >/dev/null
S4=$(stats "$W/olga")
AGAIN=$(changed "$S3" "$S4")
if subset "$AGAIN" "$NORMAL"; then ok "a later unlock of the decoy changes what a normal one does"
else fail "a later unlock changed: $(echo $AGAIN)"; fi
out=$(sz olga id)
expect "the same decoy fingerprint again" contains "$out" "$DECOY_FP"

# The real passphrase finds nothing any more.
echo "pw-olga" > "$W/olga.pw"
sz olga status >/dev/null 2>&1
rc=$?
expect "the real passphrase opens nothing (exit 3 or 5, got $rc)" test $rc -eq 3 -o $rc -eq 5

# Through a daemon: started locked, unlocked with the duress passphrase.
node vera
sz vera cell create strike >/dev/null
echo "the strike starts monday" | sz vera post strike - >/dev/null ||
	sz vera post strike "the strike starts monday" >/dev/null
echo "vera's duress" > "$W/vd.pw"
sz vera duress --file "$W/vd.pw" >/dev/null
serve vera
expect "lock" sz vera lock
sleep 1.1
V0=$(stats "$W/vera")
expect "a normal unlock through the daemon" sz vera unlock
expect "lock again" sz vera lock
sleep 1.1
V1=$(stats "$W/vera")
VNORMAL=$(changed "$V0" "$V1")
cp "$W/vd.pw" "$W/vera.pw"
expect "a duress unlock through the daemon" sz vera unlock
V2=$(stats "$W/vera")
VDURESS=$(changed "$V1" "$V2")
if subset "$VDURESS" "$VNORMAL"; then ok "through the daemon too, nothing a normal unlock does not change"
else fail "through the daemon the duress unlock changed: $(echo $VDURESS) (normal: $(echo $VNORMAL))"; fi
out=$(sz vera read strike 2>&1)
if contains "$out" "monday"; then fail "the daemon shows the real node"; else ok "the daemon shows the decoy"; fi
stop vera
done_
