#!/bin/sh
# strength.t - passphrases measured by zxcvbn (issue 15): `init` refuses a weak passphrase (one
# about 2^40 guesses or fewer would find) unless the person insists (--weak-ok, or typing
# "keep it" on a terminal), and asks twice; `passphrase` refuses a weak new one the same way.
# The terminal is a real pseudo-terminal (python3's pty), so that what a person sees is what is
# checked: two prompts, a mismatch refused, the question before keeping a weak one.
. "$(dirname "$0")/lib.sh"
K="--kdf-ops 1 --kdf-mem-mib 8"

# --- from a passphrase file (scripts) ---------------------------------------------------------------
echo "ada1990" >"$W/weak.pw"
echo "plum violin gravel sunset" >"$W/strong.pw"
"$S" --home "$W/a" --passphrase-file "$W/weak.pw" init $K >/dev/null 2>"$W/err"
expect "init refuses a weak passphrase (exit 1, got $?)" test $? -eq 1
expect "saying how many guesses and the threshold" \
	grep -q "weak: about 2^[0-9]* guesses would find it (samizdat asks for 2^40" "$W/err"
expect "and how to insist" grep -q "keep this one with --weak-ok" "$W/err"
expect "and no node is made" test ! -e "$W/a/key"
out=$("$S" --home "$W/a" --passphrase-file "$W/weak.pw" --json init $K --weak-ok 2>"$W/err")
expect "--weak-ok keeps it" contains "$out" '"fingerprint"'
expect "after saying it is weak" grep -q "Kept anyway (--weak-ok)" "$W/err"
out=$("$S" --home "$W/b" --passphrase-file "$W/strong.pw" --json init $K 2>"$W/err")
expect "a strong passphrase is taken without a word about it" test -z "$(grep -i weak "$W/err")"
bits=$(echo "$out" | sed -n 's/.*"passphrase_bits":\([0-9]*\).*/\1/p')
expect "its strength is reported ($bits bits)" test "${bits:-0}" -ge 40
"$S" --home "$W/b" --passphrase-file "$W/strong.pw" passphrase --new-file "$W/weak.pw" >/dev/null 2>"$W/err"
expect "passphrase refuses a weak new one (exit 1, got $?)" test $? -eq 1
expect "the old one still opens the node" "$S" --home "$W/b" --passphrase-file "$W/strong.pw" id
echo "river copper lantern meadow" >"$W/strong2.pw"
expect "passphrase takes a strong new one" \
	"$S" --home "$W/b" --passphrase-file "$W/strong.pw" passphrase --new-file "$W/strong2.pw"

# --- on a terminal ---------------------------------------------------------------------------------
command -v python3 >/dev/null 2>&1 || { echo "python3 missing: the terminal part is skipped" >&2; done_; }
# tty HOME ANSWER...: run `samizdat init` on a pseudo-terminal, answering each prompt in turn
# (one answer a prompt, sent once the prompt is shown); prints what the terminal showed, then
# "exit N".
tty() {
	python3 - "$S" "$@" <<'EOF'
import os, pty, sys, time
s, home, answers = sys.argv[1], sys.argv[2], sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(s, [s, "--home", home, "init", "--kdf-ops", "1", "--kdf-mem-mib", "8"])
seen, k, t0, at = b"", 0, time.time(), -1
while time.time() - t0 < 30:
    try:
        b = os.read(fd, 4096)
    except OSError:
        break
    if not b:
        break
    seen += b
    # a prompt ends with ": " and waits for a line: answer it, once
    if seen.endswith(b": ") and k < len(answers) and len(seen) != at:
        time.sleep(0.1)
        os.write(fd, answers[k].encode() + b"\n")
        k, at = k + 1, len(seen)
_, st = os.waitpid(pid, 0)
sys.stdout.write(seen.decode(errors="replace"))
print("\nexit %d" % (os.WEXITSTATUS(st) if os.WIFEXITED(st) else 99))
EOF
}
out=$(tty "$W/t1" "plum violin gravel sunset" "plum violin gravel sunset")
expect "init on a terminal asks for the passphrase" contains "$out" "Choose a passphrase for this node:"
expect "and asks again" contains "$out" "Repeat the passphrase:"
expect "then makes the node" contains "$out" "exit 0"
expect "(there is one)" test -e "$W/t1/key"
out=$(tty "$W/t2" "plum violin gravel sunset" "plum violin gravel sunsey")
expect "two different answers: refused (exit 3)" contains "$out" "exit 3"
expect "saying so" contains "$out" "the two passphrases differ"
expect "(no node)" test ! -e "$W/t2/key"
out=$(tty "$W/t3" "ada1990" "ada1990" "no")
expect "a weak one typed on a terminal: asked whether to keep it" contains "$out" "type: keep it"
expect "anything but 'keep it' stops (exit 1)" contains "$out" "exit 1"
expect "(no node)" test ! -e "$W/t3/key"
out=$(tty "$W/t4" "ada1990" "ada1990" "keep it")
expect "typing 'keep it' keeps it" contains "$out" "exit 0"
expect "(a node)" test -e "$W/t4/key"
done_
