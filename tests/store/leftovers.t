#!/bin/sh
# leftovers.t - no plaintext outside the sealed store (issue 17; docs/THREAT_MODEL.md §3.4).  Two
# members run daemons with logs, form a cell, post, sync, and one spawns a "tor"; then every file
# the nodes, their daemons and their tor wrote (data directories, logs, tor's runtime directory)
# is searched, raw, hex and base64, for the cell's name, the posts, the other node's address and
# both fingerprints.  Before, the log said "control: post union -> 0" and every peer's address,
# and tor's data directory sat in the node's directory where a wipe left it.  Then the debug log
# is shown to say what the plain one does not (so the search would see it), and `wipe --yes`
# through a running daemon exits 0 and leaves nothing but the log the person chose to keep.
set -u
. "$SZ_ROOT/tests/scenario/lib.sh"
T="$SZ_SAN/bin/store_tool"
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; echo; }
# search NAME WHAT... : no file in WHAT (directories or files) holds a marker of $W/NAME.markers
search() {
	name=$1
	shift
	for w in "$@"; do
		[ -e "$w" ] || continue
		if "$T" scan "$w" "$W/$name.markers" > "$W/scan.out" 2>&1; then
			ok "$name: nothing in $(basename "$w") ($(head -n 1 "$W/scan.out"))"
		else
			fail "$name: $(basename "$w") holds: $(grep -v markers "$W/scan.out" | head -n 5 | tr '\n' ' ')"
		fi
	done
}

mkdir -m 700 "$W/run"
export XDG_RUNTIME_DIR="$W/run"
# A stand-in for tor: writes the control-port file the torrc names (a port where nothing
# listens), and waits: enough for the node to make tor's directory and write its torrc.
cat > "$W/faketor" <<'EOF'
#!/bin/sh
pf=$(sed -n 's/^ControlPortWriteToFile //p' "$4")
printf 'PORT=127.0.0.1:1\n' >"$pf"
echo "fake tor: started" 
exec sleep 30
EOF
chmod 700 "$W/faketor"

CELL="printshop-on-vokzalnaya"
POST1="the presses move to the cellar on friday"
POST2="bring paper and two volunteers"
node ana
node boris
serve ana --tor "$W/faketor"
ANA=$ADDR
serve boris
BORIS=$ADDR
sz ana cell create "$CELL" >/dev/null
CODE=$(sz ana cell invite "$CELL")
expect "boris joins through ana's daemon" sz boris cell join "$CODE"
echo "$POST1" | sz ana post "$CELL" - >/dev/null
expect "a post read from stdin ('-')" test $? -eq 0
echo "$POST2" | sz boris post "$CELL" >/dev/null
expect "a post read from stdin (no text argument)" test $? -eq 0
expect "boris syncs with ana" sz boris sync "$ANA"
expect "ana syncs with boris" sz ana sync "$BORIS"
out=$(sz ana read "$CELL")
expect "ana reads boris's post" contains "$out" "$POST2"
sz ana cell members "$CELL" >/dev/null
sz ana sync 127.0.0.1:1 >/dev/null 2>&1 # a sync that fails: the log says so, and why
FP_ANA=$(sz ana id | grep -o '[a-z2-7]\{4\}\( [a-z2-7]\{4\}\)\{7\}' | head -n 1)
FP_BORIS=$(sz boris id | grep -o '[a-z2-7]\{4\}\( [a-z2-7]\{4\}\)\{7\}' | head -n 1)
TORDIR=$(ls -d "$W"/run/samizdat-tor-* 2>/dev/null | head -n 1)
expect "ana's tor directory is under the runtime directory" test -n "$TORDIR"
expect "... not in ana's data directory" test ! -e "$W/ana/tor"
expect "... and holds the torrc ana wrote" test -s "$TORDIR/torrc"

for who in ana boris; do
	[ $who = ana ] && other=$BORIS || other=$ANA
	{
		hex "$CELL"; hex "$POST1"; hex "$POST2"; hex "$FP_ANA"; hex "$FP_BORIS"
		hex "$(echo "$FP_ANA" | tr -d ' ')"; hex "$(echo "$FP_BORIS" | tr -d ' ')"
		hex "$other"; hex "cell create"; hex "post $CELL"
	} > "$W/$who.markers"
done
grep -q "listening on" "$W/ana.log" && ok "the log says where the node listens" ||
	fail "the log does not say where the node listens: $(cat "$W/ana.log")"
grep -q "a sync with another node failed" "$W/ana.log" && ok "the log says a sync failed, and why" ||
	fail "the log does not say a sync failed: $(cat "$W/ana.log")"
if grep -q "control:\|post\|cell \|127.0.0.1:1\b" "$W/ana.log"; then
	fail "ana's log names commands or peers: $(grep "control:\|post\|cell \|127.0.0.1:1" "$W/ana.log" | head -n 3)"
else
	ok "ana's log names no command and no peer"
fi
search ana "$W/ana" "$W/ana.log" "$W/run"
search boris "$W/boris" "$W/boris.log"

# The debug log says what the plain one does not: the search above would have seen it.
stop boris
"$S" --home "$W/boris" --passphrase-file "$W/boris.pw" serve --listen 127.0.0.1:0 \
	--advertise 127.0.0.1 --log "$W/boris-debug.log" --log-debug >/dev/null 2>"$W/debug.err" &
PIDS="$PIDS $!"
DPID=$!
i=0
while ! grep -q started "$W/boris-debug.log" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
expect "--log-debug warns on the terminal" grep -q "learns who this node talked with" "$W/debug.err"
expect "... and in the log" grep -q "DEBUG LOGGING IS ON" "$W/boris-debug.log"
sz boris sync "$ANA" >/dev/null
if "$T" scan "$W/boris-debug.log" "$W/boris.markers" >/dev/null 2>&1; then
	fail "the debug log does not name the peer (the search could not have seen it)"
else
	ok "the debug log names the peer: a search would catch a plain log that did"
fi
kill "$DPID" 2>/dev/null
wait "$DPID" 2>/dev/null

# wipe through a running daemon: exit 0, a clear message, and nothing left but the log.
out=$(sz ana wipe --yes 2>&1)
rc=$?
expect "wipe through the daemon exits 0 (got $rc: $out)" test $rc -eq 0
expect "... and says the keys are destroyed" contains "$out" "keys are destroyed"
if contains "$out" "lost the daemon"; then fail "wipe says it lost the daemon"; else ok "no 'lost the daemon'"; fi
i=0
eval "p=\$PID_ana"
while kill -0 "$p" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
expect "ana's daemon stopped" sh -c "! kill -0 $p 2>/dev/null"
expect "ana's data directory is gone" test ! -e "$W/ana"
left=$(ls "$W/run")
expect "ana's tor directory is gone (left: $left)" test -z "$left"
search ana "$W/ana.log"

# A duress unlock leaves nothing of the real node in clear either.
echo "boris under duress" > "$W/bd.pw"
sz boris duress --file "$W/bd.pw" >/dev/null
cp "$W/bd.pw" "$W/boris.pw"
expect "boris's duress unlock" sz boris status
search boris "$W/boris"
done_
