# crash_lib.sh - shared by tests/store/crash.t and tests/soak/store_crash.t: run `store_tool
# crashfill` (batched inserts, "ack N" after each commit), SIGKILL it at a random moment, and
# after every restart check integrity, that every acknowledged entry is there and verifies, and
# that no partial batch is visible.  Every 20 kills start on a fresh store, so that checking
# everything after each restart stays cheap in a long soak.  Usage: crash_run KILLS
crash_run() {
	kills=$1
	T="$SZ_SAN/bin/store_tool"
	[ -x "$T" ] || { echo "build/san/bin/store_tool is not built" >&2; exit 77; }
	d=$(mktemp -d "${TMPDIR:-/tmp}/sz-crash-XXXXXX")
	trap 'rm -rf "$d"' EXIT INT TERM
	acked=0 i=0 grew=0 total=0
	while [ $i -lt "$kills" ]; do
		if [ $((i % 20)) -eq 0 ] && [ $i -gt 0 ]; then
			rm -rf "$d/node"
			total=$((total + acked))
			acked=0
		fi
		"$T" crashfill "$d/node" pw >"$d/out" 2>"$d/err" &
		pid=$!
		ms=$(( $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 600 + 100 ))
		sleep "0.$(printf '%03d' "$ms")"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		if grep -q 'store_tool:' "$d/err"; then
			cat "$d/err" >&2
			echo "crash: crashfill failed after $i kills" >&2
			exit 1
		fi
		last=$(grep '^ack' "$d/out" | tail -n 1 | cut -d' ' -f2)
		if [ -n "$last" ] && [ "$last" -gt "$acked" ]; then
			acked=$last
			grew=$((grew + 1))
		fi
		# Killed before the store was even made (no "ack" yet: a slow start on a loaded
		# machine): nothing was acknowledged and there is nothing to check yet.
		if ! "$T" verify "$d/node" pw "$acked" >"$d/verify" 2>&1 &&
			! { [ "$acked" -eq 0 ] && ! grep -q '^ack' "$d/out" &&
			grep -q 'not found' "$d/verify"; }; then
			cat "$d/verify" >&2
			echo "crash: verification failed after kill $((i + 1))" >&2
			exit 1
		fi
		i=$((i + 1))
	done
	[ "$grew" -gt $((kills / 2)) ] || { echo "crash: the store grew only $grew times" >&2; exit 1; }
	total=$((total + acked))
	echo "crash: $kills kills, $total entries acknowledged, all present and verified"
}

# rotate_run KILLS: the same with passphrase changes (`store_tool rotatefill`: a batch, then a
# change that re-encrypts every page under a new master key, alternating two passphrases),
# SIGKILLed at random moments: after every kill exactly one of the passphrases opens the store,
# whole, with every acknowledged batch and its secret (`store_tool rotverify`).
rotate_run() {
	kills=$1
	T="$SZ_SAN/bin/store_tool"
	[ -x "$T" ] || { echo "build/san/bin/store_tool is not built" >&2; exit 77; }
	d=$(mktemp -d "${TMPDIR:-/tmp}/sz-rotate-XXXXXX")
	trap 'rm -rf "$d"' EXIT INT TERM
	acked=0 i=0 rotations=0 a=0 b=0 mid=0
	while [ $i -lt "$kills" ]; do
		if [ $((i % 20)) -eq 0 ]; then
			rm -rf "$d/node"
			acked=0
			"$T" rotinit "$d/node" pw-a || { echo "rotate: rotinit failed" >&2; exit 1; }
		fi
		"$T" rotatefill "$d/node" pw-a pw-b >"$d/out" 2>"$d/err" &
		pid=$!
		ms=$(( $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 500 + 50 ))
		sleep "0.$(printf '%03d' "$ms")"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		if grep -q 'store_tool:' "$d/err"; then
			cat "$d/err" >&2
			echo "rotate: rotatefill failed after $i kills" >&2
			exit 1
		fi
		last=$(grep '^ack' "$d/out" | tail -n 1 | cut -d' ' -f2)
		if [ -n "$last" ] && [ "$last" -gt "$acked" ]; then acked=$last; fi
		n=$(grep -c '^rotated' "$d/out" || true)
		rotations=$((rotations + n))
		# killed inside a change: the last line is an "ack" that followed a batch
		if [ "$(grep -c '^ack' "$d/out" || true)" -ge 2 ] && tail -n 1 "$d/out" | grep -q '^ack'
		then mid=$((mid + 1)); fi
		"$T" rotverify "$d/node" pw-a pw-b "$acked" >"$d/verify" 2>&1 || {
			cat "$d/verify" >&2
			echo "rotate: verification failed after kill $((i + 1))" >&2
			exit 1
		}
		if grep -q 'passphrase A' "$d/verify"; then a=$((a + 1)); else b=$((b + 1)); fi
		i=$((i + 1))
	done
	# The kills must land inside changes often enough to mean something (how often depends on
	# the machine's load; a quarter is far below what an idle machine gives).
	[ "$mid" -ge $((kills / 4)) ] || { echo "rotate: only $mid of $kills kills landed inside a change" >&2; exit 1; }
	echo "rotate: $kills kills ($mid inside a change) during $rotations passphrase changes; opened with A $a times, B $b times, whole each time"
}
