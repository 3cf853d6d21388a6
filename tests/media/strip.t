# strip.t - what `samizdat strip` (the code every attachment goes through) leaves of real files
# that exiftool filled the way a phone, a camera and an office suite do: a JPEG with a GPS
# position, serial number, artist, XMP, comment, orientation; a PNG with the same in EXIF,
# text and XMP; a PDF with an author, a title and XMP, saved incrementally (the old values stay
# in the file until rewritten).  exiftool reads the copies back, and the bytes are searched:
# no name, position or serial number remains, and each copy decodes to the same picture.
set -u
. "${SZ_ROOT:-.}/tests/scenario/lib.sh"
T="${SZ_SAN:-build/san}/bin/media_tool"
command -v exiftool >/dev/null 2>&1 || { echo "exiftool is missing (make deps installs it)" >&2; exit 77; }
cd "$W"
"$T" make jpeg photo.jpg || fail "make jpeg"
"$T" make png shot.png || fail "make png"
"$T" make pdf flyer.pdf || fail "make pdf"
exiftool -q -overwrite_original -GPSLatitude=55.7534 -GPSLatitudeRef=N -GPSLongitude=37.6156 \
	-GPSLongitudeRef=E -GPSAltitude=144 -Make=SecretCam -Model=X1 -SerialNumber=SN4711XYZ \
	-Artist="Alice Secretova" -XMP-dc:Creator="Alice Secretova" -Comment="shot by Alice Secretova" \
	-IPTC:By-line="Alice Secretova" -DateTimeOriginal="2024:03:01 12:00:00" -Orientation#=6 \
	photo.jpg || fail "exiftool jpeg"
exiftool -q -overwrite_original -GPSLatitude=55.7534 -GPSLatitudeRef=N -Artist="Alice Secretova" \
	-XMP-dc:Creator="Alice Secretova" -PNG:Author="Alice Secretova" shot.png || fail "exiftool png"
exiftool -q -overwrite_original -Author="Alice Secretova" -Title="Strike plan" \
	-Creator="SecretWriter" -XMP-dc:Creator="Alice Secretova" flyer.pdf || fail "exiftool pdf"
# the originals do carry it (else the test proves nothing)
for f in photo.jpg shot.png flyer.pdf; do
	grep -q -a "Secretova" "$f" || fail "$f was not given the metadata"
done
exiftool -n -s -GPSLatitude photo.jpg | grep -q 55.75 || fail "photo.jpg has no GPS position"
for f in flyer.pdf shot.png photo.jpg; do
	"$S" strip "$f" "clean.$f" 2>"$W/strip.err" > "$W/strip.out" || fail "strip $f: $(cat "$W/strip.err")"
	tags=$(exiftool -a -s -G1 "clean.$f" | grep -v -e '^\[System\]' -e '^\[ExifTool\]' -e '^\[File\]')
	for bad in GPS Secretova SecretCam SN4711 SecretWriter Strike Author Creator Artist Serial \
		DateTime Comment By-line 2024; do
		if printf '%s\n' "$tags" | grep -q -i "$bad"; then fail "exiftool finds $bad in clean.$f"; fi
		if grep -q -a -i "$bad" "clean.$f"; then fail "the bytes of clean.$f hold $bad"; fi
	done
	a=$("$T" decode "$f") || fail "$f does not decode"
	b=$("$T" decode "clean.$f") || fail "clean.$f does not decode"
	[ "$a" = "$b" ] && ok "clean.$f decodes as $f did ($b)" || fail "clean.$f decodes differently: $a / $b"
done
grep -q "GPS position" "$W/strip.out" && ok "strip says it removed a GPS position" || fail "strip.out: $(cat "$W/strip.out")"
# the photo keeps which way up it is, and nothing else of its EXIF
o=$(exiftool -n -s -s -s -Orientation clean.photo.jpg)
[ "$o" = 6 ] && ok "the orientation stays" || fail "orientation: '$o'"
"$S" strip photo.jpg clean.photo.jpg 2>/dev/null && fail "strip replaced an existing file"
# other types are refused, not sent with their metadata
printf 'GIF89a\001\000\001\000' > x.gif
"$S" strip x.gif clean.x.gif 2>/dev/null && fail "a GIF was stripped"
[ -e clean.x.gif ] && fail "a refused file was written"
[ $FAILS -eq 0 ] && echo "strip: ok"
exit $FAILS
