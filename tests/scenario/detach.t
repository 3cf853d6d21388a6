# detach.t - the daemon in the background: 'serve --detach' asks for the passphrase first, then
# goes to the background and says so (a wrong passphrase: exit 3, nothing left running); 'serve &'
# from a shell does not stop waiting for a passphrase it cannot read, it says what to do; 'ui'
# starts a locked daemon when none runs.
. "$(dirname "$0")/lib.sh"
node ada
echo "not it" > "$W/bad.pw"
"$S" --home "$W/ada" --passphrase-file "$W/bad.pw" serve --detach --listen 127.0.0.1:0 \
	>"$W/out" 2>"$W/err"
[ $? -eq 3 ] && ok "a wrong passphrase: exit 3" || fail "wrong passphrase: exit $?"
expect "and says so" grep -q "wrong passphrase" "$W/err"
if sz ada ping >/dev/null 2>&1; then fail "a daemon runs after a wrong passphrase"; else ok "and nothing runs"; fi
"$S" --home "$W/ada" --passphrase-file "$W/ada.pw" serve --detach --listen 127.0.0.1:0 \
	>"$W/out" 2>"$W/err"
expect "serve --detach returns" test $? -eq 0
PID=$(sed -n 's/.*(process \([0-9]*\)).*/\1/p' "$W/err")
# (found by its data directory too, should the message change)
for p in /proc/[0-9]*; do
	{ tr '\0' ' ' < "$p/cmdline"; } 2>/dev/null | grep -q -- "--home $W/ada .*serve --detach" && PIDS="$PIDS ${p#/proc/}"
done
[ -n "$PID" ] && PIDS="$PIDS $PID"
expect "it prints where it serves" grep -q "^127.0.0.1:[0-9]" "$W/out"
expect "it says it runs in the background" grep -q "running in the background" "$W/err"
expect "the daemon answers" sz ada ping
expect "its log in the data directory" grep -q "started; control socket" "$W/ada/serve.log"
[ -n "$PID" ] && kill "$PID" 2>/dev/null
i=0
while sz ada ping >/dev/null 2>&1 && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
# 'serve &' from an interactive shell, on a terminal that 'script' gives it
if command -v script >/dev/null 2>&1; then
	out=$(timeout 20 script -qec "sh -ic '$S --home $W/ada serve --listen 127.0.0.1:0 & wait'" /dev/null 2>&1)
	expect "'serve &' says it cannot ask in the background" contains "$out" "serve --detach"
fi
# 'ui' with no daemon starts one, locked
node ben
URL=$(sz ben ui)
for p in /proc/[0-9]*; do
	{ tr '\0' ' ' < "$p/cmdline"; } 2>/dev/null | grep -q -- "--home $W/ben serve" && PIDS="$PIDS ${p#/proc/}"
done
expect "'ui' starts a daemon and gives a link" contains "$URL" "^http://127.0.0.1:[0-9]*/open?t=[0-9a-f]\{64\}$"
out=$(sz ben --json status 2>&1)
expect "which is locked" contains "$out" "locked"
done_
