#!/bin/sh
# demo.sh - `make demo`: the main job of samizdat, acted out with real processes on 127.0.0.1.
#
# Nadya creates the cell "factory-7" and invites Ante, who invites Victor; they post and reply;
# Victor publishes a leaflet; a courier bundle carries it to Olga, whose node is never online with
# the others; Ante capitulates and is removed; Victor, whom Ante invited, stays; the next post is
# readable on the others' nodes, and Ante's node, with every key it holds, no longer even matches
# theirs in a sync.  No input needed.  DEMO_KEEP=DIR keeps the four data directories (nodes locked,
# daemons stopped) so anyone can look at what a seized device would hold.
set -eu
cd "$(dirname "$0")/.."
S="$(pwd)/build/samizdat"
[ -x "$S" ] || { echo "demo: build first (make)"; exit 1; }

W=$(mktemp -d "${TMPDIR:-/tmp}/samizdat-demo.XXXXXX")
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	if [ -n "${DEMO_KEEP:-}" ]; then
		mkdir -p "$DEMO_KEEP"
		for who in nadya ante victor olga; do
			rm -rf "${DEMO_KEEP:?}/$who"
			[ -d "$W/$who" ] && mv "$W/$who" "$DEMO_KEEP/$who"
		done
		echo "The four data directories are in $DEMO_KEEP (locked; passphrases were pw-<name>)."
	fi
	rm -rf "$W"
}
trap cleanup EXIT INT TERM

say() { printf '\n\033[1m%s\033[0m\n' "$*"; }
run() { # who command...: show the command as typed, run it on that person's node
	who=$1
	shift
	printf '  %s$ samizdat %s\n' "$who" "$*"
	"$S" --home "$W/$who" --passphrase-file "$W/$who.pw" "$@" 2>&1 | sed 's/^/      /'
}
quiet() { who=$1; shift; "$S" --home "$W/$who" --passphrase-file "$W/$who.pw" "$@" 2>/dev/null; }

umask 077
T0=$(date +%s)
say "Four people, four devices. Each makes a node: an identity and an encrypted store."
for who in nadya ante victor olga; do
	echo "$who plum violin gravel sunset" > "$W/$who.pw" # a passphrase init takes (not weak)
	printf '  %s$ samizdat init\n' "$who"
	quiet "$who" init >/dev/null
	printf '      fingerprint %s\n' "$(quiet "$who" id)"
done

say "Nadya, Ante and Victor run the daemon (it keeps their keys in memory and serves syncs)."
for who in nadya ante victor; do
	# --advertise: on loopback the three stand for devices on one network; an invitation names
	# this address (a node never names a loopback address of its own accord).
	"$S" --home "$W/$who" --passphrase-file "$W/$who.pw" serve --listen 127.0.0.1:0 \
		--advertise 127.0.0.1 --log "$W/$who.log" > "$W/$who.addr" &
	PIDS="$PIDS $!"
done
for who in nadya ante victor; do
	i=0
	while [ ! -s "$W/$who.addr" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
done
NADYA=$(head -n 1 "$W/nadya.addr")
echo "  nadya serves on $NADYA (loopback only)"

say "Nadya creates the cell 'factory-7' and invites Ante; Ante invites Victor. One code each, in person."
run nadya cell create factory-7
CODE=$(quiet nadya cell invite factory-7)
printf '  nadya$ samizdat cell invite factory-7\n      %s\n' "$CODE"
run ante cell join "$CODE"
run ante sync "$NADYA"
CODE=$(quiet ante cell invite factory-7)
printf '  ante$ samizdat cell invite factory-7\n      %s\n' "$CODE"
run victor cell join "$CODE"
run victor sync "$NADYA"
run ante sync "$NADYA"
run nadya cell members factory-7

say "They talk. Ante posts; Victor replies; Nadya reads the thread."
run ante post factory-7 "Strike vote on Thursday, 18:00, at the library."
run ante sync "$NADYA"
run victor sync "$NADYA"
POST=$(quiet victor --json read factory-7 | sed -n 's/.*"id":"\([0-9a-f]\{16\}\).*/\1/p' | head -n 1)
run victor post factory-7 --reply "$POST" "I will bring 200 copies of the leaflet."
run victor sync "$NADYA"
run nadya read factory-7

say "Victor publishes a leaflet: signed, public, anyone may copy and carry it."
run victor leaflet publish --yes "Workers of factory 7: the strike vote is Thursday. Bring a colleague."

say "A courier carries it to Olga, who is never online with the others."
printf 'a phrase told to Olga in person\n' > "$W/courier.pw"
run victor bundle export --to "$W/courier.bundle" --bundle-passphrase-file "$W/courier.pw"
printf '  (the file a border guard would copy: %s bytes that look random)\n' \
	"$(wc -c < "$W/courier.bundle" | tr -d ' ')"
od -A n -t x1 -N 32 "$W/courier.bundle" | sed 's/^/      /'
run olga bundle import "$W/courier.bundle" --bundle-passphrase-file "$W/courier.pw"
run olga leaflet list

say "Ante is arrested and capitulates. Nadya removes him from the cell."
ANTE=$(quiet ante id)
run nadya cell remove --yes factory-7 "$ANTE"
run nadya post factory-7 "New meeting place: the bakery on Fifth Street, Wednesday."
run victor sync "$NADYA"
run ante sync "$NADYA"

say "Victor, whom Ante invited, is still a member; Ante is not."
run victor cell members factory-7

say "Victor can read the new post. Ante's node got nothing of the cell (only the public leaflet): no member's node matches it any more."
run victor read factory-7
run ante read factory-7
run ante status

say "Summary"
echo "  - one cell, three members, one removed; the member he invited stays"
echo "  - posts and replies end-to-end encrypted"
echo "  - a leaflet carried by a courier file to a node that was never online"
echo "  - the removed member's node, with every key it holds, got and read nothing posted after"
MARK=0
for who in nadya ante victor olga; do
	if grep -r -q -a -e "bakery" -e "factory-7" -e "Strike vote" "$W/$who" 2>/dev/null; then
		MARK=1
	fi
done
if [ $MARK -eq 0 ]; then
	echo "  - no post text or cell name appears in plain text in any data directory"
else
	echo "  - WARNING: plain text found in a data directory"
fi
echo "  - $(( $(date +%s) - T0 )) seconds, all on 127.0.0.1"
