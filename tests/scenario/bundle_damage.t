# bundle_damage.t - a courier bundle's damage is always found, at the command line (issue 17;
# docs/PROTOCOL.md §9, The end of a bundle; docs/threat/store.md).  Olga exports seven leaflets
# of about 50 KB to a passphrase bundle (three data chunks and a filler: four chunks); the file is
# then cut at every chunk boundary and inside chunks, has bytes appended, chunks swapped and
# duplicated, as a courier's stick or a failing disk would bring it.  Every such file is reported
# damaged (exit 5) and what arrived intact is kept and counted; the intact file is taken in whole.
# A FIFO with no writer is refused at once instead of hanging.
. "$(dirname "$0")/lib.sh"

CHUNK=262144
HDR=416
node olga
echo "phrase for the courier" > "$W/courier.pw"
i=1
while [ $i -le 7 ]; do
	{ printf 'leaflet %s: ' $i; head -c 37500 /dev/urandom | base64 -w0; } | sz olga leaflet publish --yes >/dev/null ||
		fail "publish leaflet $i"
	i=$((i + 1))
done
expect "olga exports her leaflets" sz olga bundle export --to "$W/full.bundle" \
	--bundle-passphrase-file "$W/courier.pw"
SIZE=$(stat -c %s "$W/full.bundle")
N=$(( (SIZE - HDR) / CHUNK ))
expect "the bundle has four chunks" test "$N" -eq 4 -a "$SIZE" -eq $((HDR + 4 * CHUNK))

k=0
# try NAME: import $W/NAME.bundle into a fresh node; sets RC, OUT (stdout), ERR (stderr), STORED.
try() {
	rm -rf "$W/r-$1" && echo "pw-r" > "$W/r-$1.pw"
	"$S" --home "$W/r-$1" --passphrase-file "$W/r-$1.pw" init --kdf-ops 1 --kdf-mem-mib 8 --weak-ok >/dev/null 2>&1
	OUT=$(timeout 20 "$S" --home "$W/r-$1" --passphrase-file "$W/r-$1.pw" --json bundle import \
		"$W/$1.bundle" --bundle-passphrase-file "$W/courier.pw" 2>"$W/$1.err")
	RC=$?
	ERR=$(cat "$W/$1.err")
	STORED=$(printf '%s' "$OUT" | sed -n 's/.*"stored":\([0-9]*\).*/\1/p')
}

try full
expect "the whole bundle is taken in (exit 0)" test $RC -eq 0
expect "all seven leaflets are stored" test "$STORED" = 7
expect "and it says the bundle is intact" contains "$OUT" '"intact":true'

# Cut at every chunk boundary (the header alone, then after 1, 2 and 3 chunks).
c=0
while [ $c -lt $N ]; do
	head -c $((HDR + c * CHUNK)) "$W/full.bundle" > "$W/cut$c.bundle"
	try cut$c
	expect "cut after $c chunks: reported damaged (exit 5, got $RC)" test $RC -eq 5
	expect "cut after $c chunks: the message says the end is missing" contains "$ERR" "cut short"
	case $c in
	0) want=0 ;; 1) want=3 ;; 2) want=6 ;; 3) want=7 ;;
	esac
	expect "cut after $c chunks: what arrived intact is kept ($want, got $STORED)" test "$STORED" = "$want"
	c=$((c + 1))
done
expect "cut in the filler: the message says nothing it carried was lost" \
	contains "$(cat "$W/cut3.err")" "everything it carried arrived"
expect "cut after 2 chunks: the message says what was lost" \
	contains "$(cat "$W/cut2.err")" "envelopes were lost"

# Cut inside a chunk: the partial chunk is damage, the rest is kept.
head -c $((HDR + CHUNK + 1000)) "$W/full.bundle" > "$W/mid.bundle"
try mid
expect "cut inside chunk 1: exit 5" test $RC -eq 5
expect "cut inside chunk 1: the first chunk's three leaflets kept" test "$STORED" = 3

# Bytes appended after the end.
{ cat "$W/full.bundle"; printf 'x'; } > "$W/tail.bundle"
try tail
expect "one byte appended: exit 5 (got $RC)" test $RC -eq 5
expect "one byte appended: everything is still kept" test "$STORED" = 7
expect "one byte appended: the message says so" contains "$ERR" "bytes after its end"
# A whole extra chunk appended (a copy of the last one).
{ cat "$W/full.bundle"; tail -c $CHUNK "$W/full.bundle"; } > "$W/extra.bundle"
try extra
expect "a chunk appended: exit 5 (got $RC)" test $RC -eq 5

# Chunks swapped (1 and 2), and one chunk duplicated in place of another (1 over 2).
chunk() { tail -c +$((HDR + $1 * CHUNK + 1)) "$W/full.bundle" | head -c $CHUNK; }
{ head -c $((HDR + CHUNK)) "$W/full.bundle"; chunk 2; chunk 1; chunk 3; } > "$W/swap.bundle"
try swap
expect "chunks swapped: exit 5 (got $RC)" test $RC -eq 5
expect "chunks swapped: the chunks in their place are kept" test "$STORED" = 3
{ head -c $((HDR + 2 * CHUNK)) "$W/full.bundle"; chunk 1; chunk 3; } > "$W/dup.bundle"
try dup
expect "a chunk duplicated: exit 5 (got $RC)" test $RC -eq 5
expect "a chunk duplicated: the copy is damage, the chunks in their place are kept" test "$STORED" = 6

# A FIFO with no writer: refused at once, not waited on for ever.
mkfifo "$W/pipe.bundle"
try pipe
expect "a FIFO is refused (exit 1, got $RC; 124 would be a hang)" test $RC -eq 1
expect "and the message says it is not a regular file" contains "$ERR" "not a regular file"
done_
