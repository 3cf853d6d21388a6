#!/bin/sh
# attach.t - files between nodes as people send them: ada posts in the cell a photo carrying a GPS
# position, a camera serial number and her name (put there by exiftool, as a phone does) and a
# PDF whose author field and XMP name her; ben gets them over TCP from ada's daemon, kim by two
# courier bundles (the first carries part: the files show incomplete and cannot be saved; the
# second, an answer to kim's summary, the rest).  Both save copies that open, are byte for byte
# what ada's node stripped, decode to the pictures and pages she had, and carry none of what
# was stripped (exiftool reads them, and their bytes are searched).  A leaflet's picture goes
# the same way to ben.  Other types are refused without --as-is; a quota holds.
set -u
. "$(dirname "$0")/lib.sh"
T="${SZ_SAN:-$(pwd)/build/san}/bin/media_tool"
command -v exiftool >/dev/null 2>&1 || { echo "exiftool is missing (make deps installs it)" >&2; exit 77; }

for p in ada ben kim; do node "$p"; done
serve ada
ADA=$ADDR
sz ada cell create strike >/dev/null || fail "ada creates the cell"
for p in ben kim; do
	CODE=$(sz ada cell invite strike)
	expect "$p joins" sz "$p" cell join "$CODE"
done
for i in 1 2; do sz ben sync "$ADA" >/dev/null; sz kim sync "$ADA" >/dev/null; done

# The files, as a phone and an office suite leave them.
"$T" make jpeg "$W/photo.jpg" 1600 1200 || fail "make the photo"
"$T" make pdf "$W/call.pdf" || fail "make the pdf"
"$T" make png "$W/poster.png" 640 480 || fail "make the poster"
exiftool -q -overwrite_original -GPSLatitude=55.7534 -GPSLatitudeRef=N -GPSLongitude=37.6156 \
	-GPSLongitudeRef=E -Make=SecretCam -SerialNumber=SN4711XYZ -Artist="Ada Secretova" \
	-XMP-dc:Creator="Ada Secretova" -DateTimeOriginal="2024:03:01 12:00:00" "$W/photo.jpg" ||
	fail "exiftool photo"
exiftool -q -overwrite_original -Author="Ada Secretova" -Title="Strike call" \
	-XMP-dc:Creator="Ada Secretova" "$W/call.pdf" || fail "exiftool pdf"
exiftool -q -overwrite_original -GPSLatitude=55.7534 -GPSLatitudeRef=N -Artist="Ada Secretova" \
	-PNG:Author="Ada Secretova" "$W/poster.png" || fail "exiftool png"
exiftool -n -s -s -s -GPSLatitude "$W/photo.jpg" | grep -q 55.75 || fail "the photo has no GPS"
grep -q -a "Secretova" "$W/call.pdf" || fail "the pdf names no author"

# clean: the file carries nothing of what was stripped, and decodes as the original did.
clean() { # clean FILE ORIGINAL
	tags=$(exiftool -a -s -G1 "$1" | grep -v -e '^\[System\]' -e '^\[ExifTool\]' -e '^\[File\]')
	for bad in GPS Secretova SecretCam SN4711 Author Creator Artist Serial DateTime 2024 "Strike call"; do
		if printf '%s\n' "$tags" | grep -q -i "$bad"; then fail "exiftool finds $bad in $1"; fi
		if grep -q -a -i "$bad" "$1"; then fail "the bytes of $1 hold $bad"; fi
	done
	a=$("$T" decode "$2") || fail "$2 does not decode"
	b=$("$T" decode "$1") || fail "$1 does not open"
	[ "$a" = "$b" ] && ok "$1 opens as the original did" || fail "$1 decodes differently: $a / $b"
}

# What ada's node will send: stripping is deterministic.
sz ada strip "$W/photo.jpg" "$W/ref.jpg" >/dev/null || fail "strip the photo"
sz ada strip "$W/call.pdf" "$W/ref.pdf" >/dev/null || fail "strip the pdf"
sz ada strip "$W/poster.png" "$W/ref.png" >/dev/null || fail "strip the poster"

# Other types are refused unless she says so; with relative names, through her daemon.
printf 'GIF89a\001\000\001\000' > "$W/x.gif"
(cd "$W" && "$S" --home "$W/ada" --passphrase-file "$W/ada.pw" post strike --attach x.gif \
	"a gif" >/dev/null 2>"$W/gif.err")
[ $? -ne 0 ] && ok "a GIF is refused without --as-is" || fail "a GIF was sent"
expect "it says why" grep -q -- "--as-is" "$W/gif.err"
out=$(cd "$W" && "$S" --home "$W/ada" --passphrase-file "$W/ada.pw" post strike \
	--attach photo.jpg --attach call.pdf "Photos and the call" 2>&1)
expect "ada posts both files (relative names, through her daemon)" contains "$out" "with its files"
expect "she is told the GPS position went" contains "$out" "GPS position"
expect "and the PDF's document information" contains "$out" "document information"
sz ada leaflet publish --yes --attach "$W/poster.png" "The poster" >/dev/null || fail "ada publishes the poster"

# Over TCP.
sz ben sync "$ADA" >/dev/null || fail "ben syncs"
out=$(sz ben read strike)
expect "ben reads the post" contains "$out" "Photos and the call"
n=$(printf '%s\n' "$out" | grep -c "complete ('samizdat save")
[ "$n" -eq 2 ] && ok "both files complete at ben's" || fail "ben's files: $out"
IDJ=$(printf '%s\n' "$out" | sed -n 's/.*\[file \([0-9a-f]*\)\] JPEG picture.*/\1/p')
IDP=$(printf '%s\n' "$out" | sed -n 's/.*\[file \([0-9a-f]*\)\] PDF document.*/\1/p')
[ -n "$IDJ" ] && [ -n "$IDP" ] || fail "no file ids in: $out"
expect "ben saves the photo" sz ben save "$IDJ" "$W/ben.jpg"
expect "ben saves the pdf" sz ben save "$IDP" "$W/ben.pdf"
cmp -s "$W/ben.jpg" "$W/ref.jpg" && ok "ben's photo is what ada's node stripped" || fail "ben.jpg differs"
cmp -s "$W/ben.pdf" "$W/ref.pdf" && ok "ben's pdf is what ada's node stripped" || fail "ben.pdf differs"
clean "$W/ben.jpg" "$W/photo.jpg"
clean "$W/ben.pdf" "$W/call.pdf"
sz ben save "$IDJ" "$W/ben.jpg" >/dev/null 2>&1 && fail "save replaced a file"
out=$(sz ben leaflet list)
IDL=$(printf '%s\n' "$out" | sed -n 's/.*\[file \([0-9a-f]*\)\] PNG picture.*complete.*/\1/p')
[ -n "$IDL" ] && ok "the leaflet's poster is complete at ben's" || fail "leaflet list: $out"
expect "ben saves the poster" sz ben save "$IDL" "$W/ben.png"
cmp -s "$W/ben.png" "$W/ref.png" && ok "the poster is what ada's node stripped" || fail "ben.png differs"
clean "$W/ben.png" "$W/poster.png"

# By courier, in two halves: kim never syncs again.
expect "ada writes a first bundle of at most 1 MiB" sz ada bundle export --cell strike \
	--to "$W/half1" --max-mib 1
grep -q -a "Secretova" "$W/half1" && fail "the bundle shows the author"
expect "kim imports it" sz kim bundle import "$W/half1"
out=$(sz kim read strike)
expect "kim reads the post" contains "$out" "Photos and the call"
expect "the photo is incomplete at kim's" contains "$out" "incomplete, [0-9]* of [0-9]* parts here"
sz kim save "$IDJ" "$W/kim.jpg" >/dev/null 2>&1 && fail "an incomplete file was saved"
[ -e "$W/kim.jpg" ] && fail "a partial file was left"
out=$(sz kim --json files strike)
expect "files reports it incomplete" contains "$out" '"state":"incomplete"'
expect "kim writes a summary" sz kim bundle summary --cell strike --to "$W/kim.sum"
expect "ada answers it" sz ada bundle export --answer "$W/kim.sum" --to "$W/half2"
expect "kim imports the rest" sz kim bundle import "$W/half2"
out=$(sz kim read strike)
n=$(printf '%s\n' "$out" | grep -c "complete ('samizdat save")
[ "$n" -eq 2 ] && ok "both files complete at kim's" || fail "kim's files: $out"
expect "kim saves the photo" sz kim save "$IDJ" "$W/kim.jpg"
expect "kim saves the pdf" sz kim save "$IDP" "$W/kim.pdf"
cmp -s "$W/kim.jpg" "$W/ref.jpg" && ok "kim's photo is what ada's node stripped" || fail "kim.jpg differs"
cmp -s "$W/kim.pdf" "$W/ref.pdf" && ok "kim's pdf is what ada's node stripped" || fail "kim.pdf differs"
clean "$W/kim.jpg" "$W/photo.jpg"
clean "$W/kim.pdf" "$W/call.pdf"

# A quota: ben allows his cells 1 MiB of files; a second photo does not come, and is not
# fetched again, until he raises it.
expect "ben sets a small quota" sz ben quota --each 1M
"$T" make jpeg "$W/photo2.jpg" 1200 900 || fail "make photo2"
sz ada post strike --attach "$W/photo2.jpg" "More" >/dev/null || fail "ada posts photo2"
sz ben sync "$ADA" >/dev/null || fail "ben syncs under the quota"
out=$(sz ben read strike)
expect "the second photo stays incomplete under the quota" contains "$out" "incomplete"
out=$(sz ben --json sync "$ADA")
expect "nothing is fetched again" contains "$out" '"received":0'
expect "ben raises the quota" sz ben quota --each 512M
sz ben sync "$ADA" >/dev/null || fail "ben syncs after raising it"
out=$(sz ben files strike)
n=$(printf '%s\n' "$out" | grep -c "complete ('samizdat save")
[ "$n" -eq 3 ] && ok "with room, the rest comes" || fail "ben's files: $out"
done_
