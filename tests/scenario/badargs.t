# badargs.t - every command given missing, extra or garbage arguments prints a one-line reason
# and its usage, and exits with code 2: never a crash, never a half-done change.
. "$(dirname "$0")/lib.sh"
node x
sz x cell create c1 >/dev/null
before=$(sz x --json status)

check() { # check ARGS...: must exit 2 with a reason and a usage line on stderr
	"$S" --home "$W/x" --passphrase-file "$W/x.pw" "$@" >"$W/out" 2>"$W/err" </dev/null
	rc=$?
	if [ $rc -ne 2 ]; then
		fail "samizdat $* exited $rc, not 2: $(head -c 300 "$W/err")"
	elif ! grep -q "usage" "$W/err"; then
		fail "samizdat $*: no usage line"
	elif [ "$(wc -l < "$W/err")" -gt 12 ]; then
		fail "samizdat $*: more than a short message"
	else
		ok "samizdat $*"
	fi
}
check
check nosuchcommand
check --bogus
check --passphrase secret status
check init extra
check init --kdf-ops lots
check id extra
check status extra
check unlock extra
check lock extra
check cell
check cell nosuch
check cell create
check cell create a b
check cell create "$(printf '%070d' 0)"
check cell list extra
check cell invite
check cell invite c1 --expires-hours 0
check cell invite c1 --address nowhere
check cell invite c1 --bogus
check cell revoke
check cell join
check cell join garbage
check cell join sz1-aaaaa-bbbbb
check cell members
check cell remove --yes c1
check cell remove --yes c1 ab
check name x
check name x y --forget
check name --bogus
check cell leave --yes
check cell update
check post
check read
check read a b
check leaflet
check leaflet show
check leaflet show zz-not-hex
check leaflet list extra
check serve extra
check serve --listen nowhere
check serve --listen 10.1.2.3:7000
check serve --onion-port 0
check sync
check sync a b
check sync noport
check sync 127.0.0.1:99999
check sync host.example:80
check peers add
check peers frobnicate x
check peers add not-an-address
check bundle
check bundle export
check bundle export --to /tmp/x
check bundle export --to /tmp/x --cell c1 --since yesterday
check bundle import
check bundle import a b
check bundle summary
check wipe
check wipe now
check duress extra
check selftest extra
check help nosuchcommand
check propose
check propose c1
check propose c1 --option a "a question"
check propose c1 --option a --option a "a question"
check propose c1 --option a --option b
check propose c1 --option a --option b --option
check propose c1 --option a --option b --deadline tomorrow "a question"
check propose c1 --option a --option b --deadline +0 "a question"
check propose c1 --option a --option b --deadline 2026-02-30 "a question"
check propose c1 --option "$(printf '%070d' 0)" --option b "a question"
check vote
check vote c1 abcdef12
check vote c1 abcdef12 yes extra
check vote c1 zz-not-hex yes
check vote c1 1234 yes
check vote c1 abcdef12 yes --now=1
check tally
check tally c1
check tally c1 1234
check pledge
check pledge nosuch
check pledge create c1 "a call"
check pledge create c1 --threshold 1 "a call"
check pledge create c1 --threshold x "a call"
check pledge create c1 --threshold 3
check pledge sign c1
check pledge status c1
check pledge status c1 zz-not-hex
check pledge reveal --yes c1 abcdef12 extra
check declare
check declare c1 "a text"
check declare c1 --title "" "a text"
check declare c1 --title t
check cosign c1
check cosign c1 nothex
check cosign c1 abcdef12 --bogus
check signatures
check signatures zz
check signatures abcdef12 extra
check decisions
check decisions c1 extra
check post c1 --attach
check post c1 --attach a --attach b --attach c --attach d --attach e --attach f --attach g --attach h --attach i
check leaflet publish --yes --attach
check save
check save abcdef12
check save abcdef12 out extra
check files c1 extra
check quota extra
check quota --node lots
check quota --each 12X
check quota --node 10
check strip
check strip onlyone
check bundle export --cell c1 --to x --max-mib 0
check bundle summary --cell c1 --to x --max-mib 1
after=$(sz x --json status)
[ "$before" = "$after" ] && ok "nothing changed in the node" || fail "the node changed: $before / $after"
[ "$(sz x cell list | wc -l)" -eq 1 ] && ok "still one cell" || fail "cells changed"
done_
