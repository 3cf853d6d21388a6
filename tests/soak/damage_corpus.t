#!/bin/sh
# damage_corpus.t (soak) - the damaged-file corpus of issue 17: every way a courier's stick, a
# failing disk or an examiner's hand damages a file, tried one by one at the command line, each
# found as damage (exit 5) and never a crash or a silent success (docs/threat/store.md, What is
# found; docs/PROTOCOL.md §9, The end of a bundle).  Run by `make soak`; tests/store/damage.t and
# tests/scenario/bundle_damage.t are the quick samples in `make check`.
#   bundles:  cut at every chunk boundary (and inside the header, the slots and each chunk, and
#             one byte short), a bit flipped in the salt, every slot, and the start, middle and
#             tag of every chunk, of an 8-chunk bundle (data chunks, fillers, the end chunk), a
#             1-chunk bundle and an empty one;
#   key file: a bit flipped in every byte (parameters, salt, both slots, refresh, checksum), and
#             cut at every length;
#   database: a bit flipped in the ciphertext, tag and nonce of the first, second, middle and
#             last pages, and the file cut at every page boundary and inside a page;
#   journal:  a hot journal (SIGKILL inside a commit) with a bit flipped in every field of its
#             headers and in the page number, image and checksum of its records, and cut at every
#             record boundary.
# A crash is any exit from a signal or a sanitizer (>= 128, or 1 with a sanitizer's report).
set -u
. "$SZ_ROOT/tests/scenario/lib.sh"
T="$SZ_SAN/bin/store_tool"
[ -x "$T" ] || { echo "store_tool is not built (make test-build)" >&2; exit 77; }
CHUNK=262144
HDR=416
cases=0

flip() { # flip FILE OFFSET: one bit (which one depends on the offset)
	fb=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf "$(printf '\\%03o' $(( fb ^ (1 << ($2 % 8)) )))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
crashed() { # crashed RC ERRFILE
	[ "$1" -ge 128 ] || grep -q "Sanitizer\|runtime error:" "$2"
}
# judge WHAT RC ERRFILE: damage (5) and no crash
judge() {
	cases=$((cases + 1))
	if crashed "$2" "$3"; then
		fail "$1: crashed (exit $2): $(grep -m1 "Sanitizer\|runtime error" "$3")"
	elif [ "$2" -ne 5 ]; then
		fail "$1: not found as damage (exit $2): $(head -c 300 "$3")"
	fi
}

# --- bundles ---------------------------------------------------------------------------------
echo "the courier's phrase" > "$W/c.pw"
node big
i=1
while [ $i -le 13 ]; do # three leaflets a chunk: five data chunks and three fillers
	{ printf 'leaflet %s: ' $i; head -c 37500 /dev/urandom | base64 -w0; } | sz big leaflet publish --yes - >/dev/null ||
		fail "publish $i"
	i=$((i + 1))
done
sz big bundle export --to "$W/b8.bundle" --bundle-passphrase-file "$W/c.pw" >/dev/null || fail "export b8"
node small
{ printf 'one leaflet'; head -c 1000 /dev/urandom | base64 -w0; } | sz small leaflet publish --yes - >/dev/null
sz small bundle export --to "$W/b1.bundle" --bundle-passphrase-file "$W/c.pw" >/dev/null || fail "export b1"
node empty
sz empty bundle export --to "$W/b0.bundle" --bundle-passphrase-file "$W/c.pw" >/dev/null || fail "export b0"
node reader
# import FILE: into a fresh copy of the reader; sets RC, $W/imp.err
import() {
	rm -rf "$W/rd" && cp -a "$W/reader" "$W/rd"
	timeout 60 "$S" --home "$W/rd" --passphrase-file "$W/reader.pw" bundle import "$1" \
		--bundle-passphrase-file "$W/c.pw" >"$W/imp.out" 2>"$W/imp.err"
	RC=$?
}
for b in b8 b1 b0; do
	f="$W/$b.bundle"
	size=$(stat -c %s "$f")
	n=$(( (size - HDR) / CHUNK ))
	import "$f"
	expect "$b ($n chunks): whole, taken in (exit 0, got $RC)" test $RC -eq 0
	# cuts: inside the salt, inside the slots, at every chunk boundary, inside every chunk,
	# and one byte short
	cuts="1 31 $((HDR - 1))"
	c=0
	while [ $c -lt $n ]; do
		cuts="$cuts $((HDR + c * CHUNK)) $((HDR + c * CHUNK + 34)) $((HDR + c * CHUNK + CHUNK / 2))"
		c=$((c + 1))
	done
	cuts="$cuts $((size - 16)) $((size - 1))"
	for cut in $cuts; do
		head -c "$cut" "$f" > "$W/x.bundle"
		import "$W/x.bundle"
		judge "$b cut at $cut" $RC "$W/imp.err"
	done
	# flips: the salt, then every chunk's start (its header), middle and tag
	offs="0 31"
	c=0
	while [ $c -lt $n ]; do
		offs="$offs $((HDR + c * CHUNK)) $((HDR + c * CHUNK + 20)) $((HDR + c * CHUNK + CHUNK / 2)) $((HDR + (c + 1) * CHUNK - 1))"
		c=$((c + 1))
	done
	for off in $offs; do
		cp "$f" "$W/x.bundle"
		flip "$W/x.bundle" "$off"
		import "$W/x.bundle"
		judge "$b bit flipped at $off" $RC "$W/imp.err"
	done
	# the slots: the one that carries the key for this phrase is damage; the seven others are
	# random bytes that nothing reads (by design: they cannot be told from a used slot)
	hit=0
	s=0
	while [ $s -lt 8 ]; do
		cp "$f" "$W/x.bundle"
		flip "$W/x.bundle" $((32 + s * 48 + 7))
		import "$W/x.bundle"
		cases=$((cases + 1))
		if crashed $RC "$W/imp.err"; then fail "$b slot $s flipped: crashed (exit $RC)"
		elif [ $RC -ne 0 ]; then hit=$((hit + 1))
			[ $RC -eq 5 ] || fail "$b slot $s flipped: exit $RC, not 5: $(head -c 200 "$W/imp.err")"
		elif ! grep -q "[1-9]\|nothing" "$W/imp.out"; then fail "$b slot $s flipped: exit 0 but nothing said"
		fi
		s=$((s + 1))
	done
	expect "$b: a flip in the slot this phrase opens is damage, in no other ($hit)" test $hit -eq 1
done
# a bundle with bytes after its end, and one with a chunk appended
{ cat "$W/b8.bundle"; printf 'x'; } > "$W/x.bundle"; import "$W/x.bundle"; judge "b8 + 1 byte" $RC "$W/imp.err"
{ cat "$W/b1.bundle"; tail -c $CHUNK "$W/b1.bundle"; } > "$W/x.bundle"; import "$W/x.bundle"
judge "b1 + a chunk" $RC "$W/imp.err"
ok "bundles: $cases damaged files tried"

# --- the store: key file, database ---------------------------------------------------------
node base
i=1
while [ $i -le 40 ]; do
	{ printf 'leaflet %s: ' $i; head -c 3000 /dev/urandom | base64 -w0; } | sz base leaflet publish --yes - >/dev/null
	i=$((i + 1))
done
expect "duress passphrase set (both slots used)" sz base duress --file "$W/c.pw"
expect "status of the whole store" sz base status
PAGES=$(( $(stat -c %s "$W/base/db") / 4096 ))
KEYLEN=$(stat -c %s "$W/base/key")
fresh() { rm -rf "$W/d"; cp -a "$W/base" "$W/d"; }
status() { "$S" --home "$W/d" --passphrase-file "$W/base.pw" status >"$W/st.out" 2>"$W/st.err"; RC=$?; }
before=$cases
off=0
while [ $off -lt "$KEYLEN" ]; do
	fresh
	flip "$W/d/key" $off
	status
	judge "key file, bit flipped in byte $off" $RC "$W/st.err"
	grep -q "key file is damaged" "$W/st.err" || fail "key file byte $off: not said to be the key file"
	off=$((off + 1))
done
len=0
while [ $len -lt "$KEYLEN" ]; do
	fresh
	truncate -s $len "$W/d/key"
	status
	judge "key file cut to $len bytes" $RC "$W/st.err"
	len=$((len + 7))
done
for len in 170 202; do # the lengths of versions 1 and 2: read so, and still found
	fresh
	truncate -s $len "$W/d/key"
	status
	judge "key file cut to $len bytes (an older version's length)" $RC "$W/st.err"
done
ok "key file: $((cases - before)) damaged files tried"
before=$cases
for pg in 1 2 $((PAGES / 2)) $PAGES; do
	for at in 0 1000 4055 4056 4071 4072 4095; do # ciphertext, its last byte, tag, nonce
		fresh
		flip "$W/d/db" $(( (pg - 1) * 4096 + at ))
		status
		judge "page $pg, bit flipped at $at" $RC "$W/st.err"
	done
done
pg=1
while [ $pg -lt "$PAGES" ]; do
	fresh
	truncate -s $((pg * 4096)) "$W/d/db"
	status
	judge "database cut after $pg pages" $RC "$W/st.err"
	pg=$((pg + 1))
done
fresh
truncate -s $(( (PAGES - 1) * 4096 + 2048 )) "$W/d/db"
status
judge "database cut inside its last page" $RC "$W/st.err"
ok "database: $((cases - before)) damaged files tried"

# --- a hot journal -------------------------------------------------------------------------
rm -rf "$W/hot" && cp -a "$W/base" "$W/hot"
"$T" hotkill "$W/hot" "$(cat "$W/base.pw")" "$W/hot.markers" >/dev/null 2>&1
JLEN=$(stat -c %s "$W/hot/db-journal")
expect "hotkill left a hot journal ($JLEN bytes)" test "$JLEN" -gt 16000
freshhot() { rm -rf "$W/d"; cp -a "$W/hot" "$W/d"; }
# hotjudge WHAT: exit 5 (damage), or - only where SQLite never reads (records it never synced,
# a header's padding) - the store exactly as before the interrupted write: never wrong data.
harmless=0
hotjudge() {
	if [ $RC -eq 0 ] && ! crashed $RC "$W/st.err"; then
		if grep -q "envelopes   40 held" "$W/st.out" &&
			"$S" --home "$W/d" --passphrase-file "$W/base.pw" check >/dev/null 2>&1; then
			harmless=$((harmless + 1))
			cases=$((cases + 1))
			return
		fi
		fail "$1: opened on other contents: $(grep envelopes "$W/st.out")"
		return
	fi
	judge "$1" $RC "$W/st.err"
}
before=$cases
# header 0's fields (magic, nRec, nonce, size, sector, page size, segments and its MAC, state
# MAC, header MAC, salt), the first records' page number, image and checksum: each is damage.
for at in 0 7 8 11 12 16 20 24 380 384 415 416 447 448 479 480 503 \
	512 515 516 2000 4611 4612 4615 4616 4620 6000 8720; do
	freshhot
	flip "$W/d/db-journal" $at
	status
	judge "journal, bit flipped at $at" $RC "$W/st.err"
done
# a header's padding (bytes SQLite never reads)
for at in 100 300 505; do
	freshhot
	flip "$W/d/db-journal" $at
	status
	hotjudge "journal padding, bit flipped at $at"
done
# cut at every record boundary, and inside the first header
for cut in 1 100 511 512; do
	freshhot
	truncate -s $cut "$W/d/db-journal"
	status
	judge "journal cut at $cut" $RC "$W/st.err"
done
cut=$((512 + 4104))
while [ $cut -lt "$JLEN" ]; do
	freshhot
	truncate -s $cut "$W/d/db-journal"
	status
	hotjudge "journal cut at $cut"
	cut=$((cut + 4104))
done
ok "journal: $((cases - before)) damaged files tried ($harmless opened on exactly the old contents: cuts in records never synced, flips in padding)"
echo "damage corpus: $cases damaged files, each found as damage or (journal, where SQLite never reads) harmless"
done_
