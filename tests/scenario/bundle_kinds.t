# bundle_kinds.t - a courier bundle plants only what its kind may carry (docs/PROTOCOL.md §9,
# Import; docs/THREAT_MODEL.md §3.3).  Mallory exports his leaflets to a passphrase bundle with his
# own node, then rewrites it with the real bundle writer (tests/bundle_forge.c) to add a sealed
# envelope under a scope he chose: a beacon that would make Olga's node answer to that scope in
# every later sync.  Olga imports it at the command line: the leaflet is kept, the beacon refused,
# and the report says why.  Then a cell's members answer each other's summaries, and the answer
# is for the summary's cell alone.
. "$(dirname "$0")/lib.sh"
FORGE="${SZ_SAN:-$(pwd)/build/san}/bin/bundle_forge"
[ -x "$FORGE" ] || { echo "bundle_forge is not built (make test-build)" >&2; exit 77; }

for p in mallory olga nadya ante; do node $p; done

# --- the planted beacon --------------------------------------------------------------------
sz mallory leaflet publish --yes "Strike on Thursday: pass it on." >/dev/null
echo "phrase for olga" > "$W/courier.pw"
expect "mallory exports his leaflet" sz mallory bundle export --to "$W/honest.bundle" \
	--bundle-passphrase-file "$W/courier.pw"
SCOPE=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
BEACON=$("$FORGE" "$W/honest.bundle" "$W/courier.pw" "$W/forged.bundle" "$SCOPE")
expect "mallory forges the bundle with the real writer" test -n "$BEACON"
out=$(sz olga bundle import "$W/forged.bundle" --bundle-passphrase-file "$W/courier.pw")
expect "olga's import succeeds" test $? -eq 0
expect "the leaflet is stored" contains "$out" "Stored 1 new envelopes"
expect "the sealed one is counted as refused" contains "$out" "0 already held, 1 refused"
expect "the report says why, plainly" contains "$out" \
	"Refused 1 envelope that is not a public leaflet: a bundle opened with a passphrase may carry public leaflets only"
out=$(sz olga leaflet list)
expect "olga reads the leaflet" contains "$out" "Strike on Thursday"
out=$(sz olga status)
expect "olga holds one envelope, not two" contains "$out" "envelopes   1 held"
out=$(sz olga --json bundle import "$W/forged.bundle" --bundle-passphrase-file "$W/courier.pw")
expect "again: nothing new, the beacon refused again (json)" contains "$out" \
	'"stored":0,"already_held":1,"refused":1,"refused_by_kind":1,"opened_by":"passphrase"'
out=$(sz olga status)
expect "still one envelope" contains "$out" "envelopes   1 held"

# --- a cell's summary is answered for that cell --------------------------------------------
serve nadya
NADYA=$ADDR
sz nadya cell create factory >/dev/null
sz nadya cell create school >/dev/null
CODE=$(sz nadya cell invite factory)
expect "ante joins the factory" sz ante cell join "$CODE"
sz ante sync "$NADYA" >/dev/null
sz nadya post school "School meets at six" >/dev/null
sz nadya post factory "Factory gate at seven" >/dev/null
stop nadya
expect "ante writes a summary for the factory" sz ante bundle summary --to "$W/ante.summary" --cell factory
out=$(sz nadya bundle export --to "$W/answer.bundle" --answer "$W/ante.summary")
expect "nadya's answer is for the summary's cell" contains "$out" "answers the summary for the cell 'factory'"
out=$(sz ante bundle import "$W/answer.bundle")
expect "ante takes the answer in whole" contains "$out" "Stored [1-9][0-9]* new envelopes.*, 0 refused)"
out=$(sz ante read factory)
expect "ante reads the factory's new post" contains "$out" "Factory gate at seven"
expect "the answer is for ante's cell: nothing refused for its kind" test "$(sz ante --json \
	bundle import "$W/answer.bundle" | sed -n 's/.*"refused_by_kind":\([0-9]*\).*/\1/p')" = 0
done_
