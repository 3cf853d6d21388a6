# browser.t - samizdat's web interface in a real browser (Debian's chromium, driven by npm
# playwright-core; tests/ui/browser.js): ada unlocks and starts a cell, invites ben through the
# page, ben joins by pasting the code; they post and reply (new posts appear without reloading);
# with cat (at the command line) they vote and see the same tally; ada removes ben, who then reads
# nothing new; a photo and a PDF attached in ada's page (the photo's GPS position gone), seen
# inline and downloaded in ben's; a leaflet, carried to dan in a courier file downloaded from ada's page and taken in
# through his; dan's duress passphrase; ben's panic wipe.  dan has no node yet: 'samizdat ui'
# starts his daemon and the page sets samizdat up.  Screenshots of every page go to build/ui-screens/.
. "$(dirname "$0")/../scenario/lib.sh"
command -v node >/dev/null 2>&1 || { echo "node is not installed ('make deps')" >&2; exit 77; }
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || { echo "chromium is not installed ('make deps')" >&2; exit 77; }
[ -d "$SZ_ROOT/tests/ui/node_modules/playwright-core" ] ||
	{ echo "playwright-core is not installed ('make interop-deps')" >&2; exit 77; }
for p in ada ben cat; do node $p; done
serve ada --locked
ADA=$ADDR
serve ben
BEN=$ADDR
serve cat
mkdir -p "$SZ_ROOT/build/ui-screens"
# Files ada attaches in the page: a photo with a GPS position and her name, and a PDF whose
# author field names her (exiftool, as a phone and an office suite leave them), and a text file
# samizdat cannot clean.
T="${SZ_SAN:-$SZ_ROOT/build/san}/bin/media_tool"
"$T" make jpeg "$W/picket.jpg" 640 480 || fail "make the photo"
"$T" make pdf "$W/call.pdf" || fail "make the pdf"
if command -v exiftool >/dev/null 2>&1; then
	exiftool -q -overwrite_original -GPSLatitude=55.7534 -GPSLatitudeRef=N -GPSLongitude=37.6156 \
		-GPSLongitudeRef=E -Make=SecretCam -Artist="Ada Secretova" "$W/picket.jpg" || fail "exiftool"
	exiftool -q -overwrite_original -Author="Ada Secretova" -Title="Strike call" "$W/call.pdf" ||
		fail "exiftool pdf"
fi
echo "notes" > "$W/notes.txt"
export SZ_PHOTO="$W/picket.jpg" SZ_PDF="$W/call.pdf" SZ_TXT="$W/notes.txt"
export SZ_BIN="$S" SZ_W="$W" SZ_ADA="$ADA" SZ_BEN="$BEN" CHROMIUM
export SZ_SHOTS="$SZ_ROOT/build/ui-screens" SZ_PID_BEN="$PID_ben"
export SZ_URL_ADA="$(sz ada ui)" SZ_URL_BEN="$(sz ben ui)"
# dan: nothing set up; 'ui' starts a daemon in the background (its pid found by its data directory)
export SZ_URL_DAN="$(sz dan ui)"
for p in /proc/[0-9]*; do
	{ tr '\0' ' ' < "$p/cmdline"; } 2>/dev/null | grep -q -- "--home $W/dan serve" && PIDS="$PIDS ${p#/proc/}"
done
expect "'ui' started dan's daemon" test -n "$SZ_URL_DAN"
command node "$SZ_ROOT/tests/ui/browser.js" || fail "browser.js"
# The wipe stopped ben's daemon: nothing of his node can be opened.
i=0
while kill -0 "$PID_ben" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
if kill -0 "$PID_ben" 2>/dev/null; then fail "ben's daemon still runs after the wipe"; else ok "ben's daemon stopped after the wipe"; fi
if sz ben status >/dev/null 2>&1; then fail "ben's node still opens"; else ok "ben's node no longer opens"; fi
done_
