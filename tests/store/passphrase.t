#!/bin/sh
# passphrase.t - `samizdat passphrase` changes the passphrase and the key that encrypts the store
# (issue 17; docs/PROTOCOL.md §4.1.6).  The informer's attack: an old copy of the key file with the
# old passphrase opened everything written after a passphrase change, because the change only
# re-wrapped the same master key.  Now every page is re-encrypted under a new key; the old copy
# opens nothing.  Also through a running daemon, and the duress passphrase is refused as new.
set -u
. "$SZ_ROOT/tests/scenario/lib.sh"

node olga
for i in 1 2 3 4 5; do sz olga leaflet publish --yes "before the change $i" >/dev/null; done
cp "$W/olga/key" "$W/informer-key"            # the informer's copy of the key file
cp "$W/olga.pw" "$W/informer.pw"              # ... and the old passphrase
echo "a new passphrase for olga" > "$W/new.pw"
echo "the duress one" > "$W/duress.pw"
expect "set a duress passphrase" sz olga duress --file "$W/duress.pw"
sz olga passphrase --new-file "$W/duress.pw" --weak-ok >/dev/null
expect "the duress passphrase cannot become the real one (exit 1, got $?)" test $? -eq 1
expect "and says so" grep -q "that is the duress passphrase" "$W/last.err"
echo "olga1990" > "$W/weak.pw"
sz olga passphrase --new-file "$W/weak.pw" >/dev/null
expect "a weak new passphrase is refused (exit 1, got $?)" test $? -eq 1
expect "saying how weak, and how to insist" grep -q "keep this one with --weak-ok" "$W/last.err"
expect "the old one still opens the node" sz olga status
out=$(sz olga passphrase --new-file "$W/new.pw")
expect "the passphrase is changed (exit 0)" test $? -eq 0
expect "it says every page was re-encrypted" contains "$out" "re-encrypted under a new key"
sz olga status >/dev/null
expect "the old passphrase no longer opens the node (exit 3, got $?)" test $? -eq 3
cp "$W/new.pw" "$W/olga.pw"
out=$(sz olga status)
expect "the new one does, with everything in it" contains "$out" "envelopes   5 held"
sz olga leaflet publish --yes "after the change" >/dev/null
expect "no db.new or key.new is left" test ! -e "$W/olga/db.new" -a ! -e "$W/olga/key.new"

# The informer puts his old key file back and uses the old passphrase: nothing opens.
cp -a "$W/olga" "$W/seized"
cp "$W/informer-key" "$W/seized/key"
"$S" --home "$W/seized" --passphrase-file "$W/informer.pw" leaflet list >"$W/informer.out" 2>&1
rc=$?
expect "old key file + old passphrase: refused (exit 5, got $rc)" test $rc -eq 5
if grep -q "after the change" "$W/informer.out"; then
	fail "the informer read what was written after the change"
else
	ok "the informer reads nothing written after the change"
fi
"$S" --home "$W/seized" --passphrase-file "$W/informer.pw" check >"$W/informer.check" 2>&1
expect "check says the pages do not open with that key" grep -q "fail authentication" "$W/informer.check"

# Through the daemon: the node stays served, and unlocks with the newest passphrase after.
serve olga
echo "a third one: copper lantern meadow" > "$W/third.pw"
out=$(sz olga passphrase --new-file "$W/third.pw")
expect "the daemon changes it (exit 0)" test $? -eq 0
sz olga passphrase --new-file "$W/weak.pw" >/dev/null
expect "the daemon refuses a weak one too (exit 1, got $?)" test $? -eq 1
out=$(sz olga leaflet list)
expect "the daemon still serves the node" contains "$out" "after the change"
expect "lock" sz olga lock
cp "$W/third.pw" "$W/olga.pw"
expect "unlock with the third passphrase" sz olga unlock
stop olga
out=$(sz olga status)
expect "after the daemon: the third passphrase opens it" contains "$out" "envelopes   6 held"
done_
