# security.t - the web interface refuses what it must (tests/ui/security.js): requests without the
# session, a link used twice, another Host (DNS rebinding), another Origin or site, a state change
# without the JSON type or the CSRF token, other methods, bodies too large; it locks with the node;
# every answer carries the strict CSP and no-store; the page has no inline script; it listens on
# 127.0.0.1 only.  Files: an upload without the session, the token or the raw type is refused;
# a photo loses its GPS position; no id reaches a file no post names; an incomplete file is not
# served; an SVG or HTML file is never served as what it would run as.  Plain HTTP requests from node (no browser).
. "$(dirname "$0")/../scenario/lib.sh"
command -v node >/dev/null 2>&1 || { echo "node is not installed ('make deps')" >&2; exit 77; }
# The page's scripts parse (a syntax error would leave a page blank in every browser).
for f in "$SZ_ROOT"/src/web/assets/*.js; do
	command node --check "$f" || fail "$f does not parse"
done
node ada
sz ada quota --each 1M >/dev/null || fail "ada's quota" # (see below)
serve ada
# Files for the attachment checks: a photo with a GPS position (exiftool, as a phone leaves it),
# an SVG and an HTML page that would run a script if shown, and an incomplete file: ben's
# leaflet with 8 MiB attached, carried to ada whole by a courier, of which her quota for
# leaflets' files (1 MiB) keeps only a part.  (A bundle cut at 1 MiB would not do: what it
# carries first is in the order of the envelopes' ids, so the leaflet itself may not be in it.)
T="${SZ_SAN:-$SZ_ROOT/build/san}/bin/media_tool"
"$T" make jpeg "$W/photo.jpg" 320 240 || fail "make the photo"
if command -v exiftool >/dev/null 2>&1; then
	exiftool -q -overwrite_original -GPSLatitude=55.7534 -GPSLatitudeRef=N -GPSLongitude=37.6156 \
		-GPSLongitudeRef=E -Artist="Ada Secretova" "$W/photo.jpg" || fail "exiftool"
fi
printf '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>\n' \
	> "$W/evil.svg"
printf '<!DOCTYPE html><html><body><script>alert(1)</script></body></html>\n' > "$W/evil.html"
node ben
head -c 8388608 /dev/urandom > "$W/big.bin"
sz ben leaflet publish --yes --as-is --attach "$W/big.bin" "A big file" >/dev/null || fail "ben's leaflet"
echo courier > "$W/courier.pw"
sz ben bundle export --to "$W/courier" --bundle-passphrase-file "$W/courier.pw" >/dev/null ||
	fail "ben's bundle"
sz ada bundle import "$W/courier" --bundle-passphrase-file "$W/courier.pw" >/dev/null ||
	fail "ada takes it in"
command node "$SZ_ROOT/tests/ui/security.js" "$S" "$W/ada" "$W/ada.pw" "$W" || fail "security.js"
done_
