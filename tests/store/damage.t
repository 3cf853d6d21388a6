#!/bin/sh
# damage.t - a damaged store is found and said to be damaged, at the command line, and never
# read as silently wrong data (issue 17; docs/threat/store.md, What is found).  As a failing disk
# or a forensic examiner would leave it: a key file with a flipped byte in each of its parts or
# cut short, database pages flipped or cut, a hot journal cut or altered.  status exits 5 on
# every store it knows to be damaged; check says what is damaged and what can still be read; a
# damaged key file is not called a wrong passphrase; a damaged hot journal is refused and the
# files are left as they were.  The exhaustive corpus is tests/soak/damage_corpus.t.
set -u
. "$SZ_ROOT/tests/scenario/lib.sh"
T="$SZ_SAN/bin/store_tool"
[ -x "$T" ] || { echo "store_tool is not built (make test-build)" >&2; exit 77; }

node base
i=1
while [ $i -le 40 ]; do
	{ printf 'leaflet %s: ' $i; head -c 3000 /dev/urandom | base64 -w0; } | sz base leaflet publish --yes >/dev/null ||
		fail "publish $i"
	i=$((i + 1))
done
expect "status of the whole store" sz base status
PAGES=$(( $(stat -c %s "$W/base/db") / 4096 ))
expect "the store has some pages ($PAGES)" test "$PAGES" -gt 20

# fresh NAME: a copy of the base node, with base's passphrase.
fresh() { rm -rf "$W/$1"; cp -a "$W/base" "$W/$1"; cp "$W/base.pw" "$W/$1.pw"; }
# run NAME CMD...: run samizdat on NAME; sets RC, OUT, ERR.
run() {
	who=$1
	shift
	OUT=$("$S" --home "$W/$who" --passphrase-file "$W/$who.pw" "$@" 2>"$W/run.err")
	RC=$?
	ERR=$(cat "$W/run.err")
}
flip() { # flip FILE OFFSET
	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf "$(printf '\\%03o' $(( b ^ 1 )))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
snap() { (cd "$W/$1" && find . -type f | sort | xargs sha256sum) }

# --- check and status on a whole store ------------------------------------------------------
fresh whole
run whole check
expect "check: a whole store exits 0 (got $RC)" test $RC -eq 0
expect "check says the store is whole" contains "$OUT" "The store is whole"
expect "check counted every page authentic" contains "$OUT" "$PAGES pages (.*), every one authentic"
expect "check ran SQLite's integrity check" contains "$OUT" "integrity check: ok"

# --- the key file ---------------------------------------------------------------------------
KEYLEN=$(stat -c %s "$W/base/key")
expect "the key file is version 3 (234 bytes, got $KEYLEN)" test "$KEYLEN" -eq 234
for part in "ops:1" "memory:6" "salt:12" "slot-0:40" "slot-1:120" "refresh:185" "checksum:220"; do
	name=${part%%:*} off=${part#*:}
	fresh k
	flip "$W/k/key" "$off"
	run k status
	expect "key file, $name flipped: status exits 5 (got $RC)" test $RC -eq 5
	expect "key file, $name flipped: said to be damaged, not a wrong passphrase" \
		contains "$ERR" "key file is damaged"
done
fresh k
head -c 150 "$W/base/key" > "$W/k/key"
run k status
expect "key file cut short: exit 5 (got $RC)" test $RC -eq 5
expect "key file cut short: said to be damaged" contains "$ERR" "key file is damaged"
fresh k
echo "not the passphrase" > "$W/k.pw"
run k status
expect "an intact key file and a wrong passphrase: exit 3 (got $RC)" test $RC -eq 3
expect "and it says wrong passphrase" contains "$ERR" "wrong passphrase"

# --- database pages -------------------------------------------------------------------------
mid=$((PAGES / 2))
fresh d
flip "$W/d/db" $((mid * 4096 + 1234))
run d status
expect "a page flipped in the middle: status exits 5 (got $RC)" test $RC -eq 5
expect "status says which page" contains "$ERR" "page $((mid + 1))"
run d check
expect "check exits 5 (got $RC)" test $RC -eq 5
expect "check names the damaged page" contains "$OUT" "1 fails authentication: page $((mid + 1))"
expect "check says the store is damaged" contains "$OUT" "The store is damaged"
expect "check says what can still be read" contains "$OUT" "can still be read"
fresh d
flip "$W/d/db" $(( (PAGES - 1) * 4096 + 4080 ))
run d status
expect "the last page's nonce flipped: status exits 5 (got $RC)" test $RC -eq 5
fresh d
truncate -s $(( (PAGES - 1) * 4096 + 100 )) "$W/d/db"
run d status
expect "the database cut inside a page: status exits 5 (got $RC)" test $RC -eq 5
expect "and says it is cut" contains "$ERR" "cut"
fresh d
truncate -s $(( (PAGES - 2) * 4096 )) "$W/d/db"
run d check
expect "the database cut at a page boundary: check exits 5 (got $RC)" test $RC -eq 5

# --- a hot journal --------------------------------------------------------------------------
fresh hot
"$T" hotkill "$W/hot" "$(cat "$W/hot.pw")" "$W/hot.markers" >/dev/null 2>&1
JLEN=$(stat -c %s "$W/hot/db-journal")
expect "hotkill left a hot journal ($JLEN bytes)" test "$JLEN" -gt 16000
# The first segment was synced (SQLite spilled pages into the database after it): a cut in it is
# refused.  Further on, a cut may fall in records SQLite never synced (of pages it had not yet
# written to the database), which it ignores: then the store opens on exactly what it held.
for cut in 1 511 512 $((512 + 4104)) $((512 + 4104 + 2000)) $((JLEN / 2)) $((JLEN - 4)); do
	rm -rf "$W/h"
	cp -a "$W/hot" "$W/h"
	cp "$W/hot.pw" "$W/h.pw"
	truncate -s $cut "$W/h/db-journal"
	before=$(snap h)
	run h status
	if [ $cut -le $((512 + 4104 + 2000)) ] || [ $RC -ne 0 ]; then
		expect "hot journal cut at $cut: status exits 5 (got $RC)" test $RC -eq 5
		expect "hot journal cut at $cut: the message names the journal" contains "$ERR" "journal"
		expect "hot journal cut at $cut: the files are as they were" test "$before" = "$(snap h)"
	else
		expect "hot journal cut at $cut (in records never synced): the old contents, whole" \
			contains "$OUT" "envelopes   40 held"
		run h check
		expect "hot journal cut at $cut: check finds the store whole" test $RC -eq 0
	fi
done
rm -rf "$W/h" && cp -a "$W/hot" "$W/h" && cp "$W/hot.pw" "$W/h.pw"
flip "$W/h/db-journal" 10
run h status
expect "hot journal with its record count altered: exit 5 (got $RC)" test $RC -eq 5
rm -rf "$W/h" && cp -a "$W/hot" "$W/h" && cp "$W/hot.pw" "$W/h.pw"
run h check
expect "check on a whole hot journal: it is undone, exit 0 (got $RC)" test $RC -eq 0
run h status
expect "and the store holds what it held before the interrupted write" contains "$OUT" "envelopes   40 held"
done_
