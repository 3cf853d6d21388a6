#!/bin/sh
# negentropy_harness.t - the harness line protocol of tools/negentropy_harness.c without node:
# the reference's protoversion.pl exchange, a full C<->C session over pipes-as-files, and the
# failures the reference harness also reports (unknown command, small frame limit, bad input).
set -eu
h=${SZ_SAN:-build/san}/bin/negentropy_harness
[ -x "$h" ] || { echo "missing $h" >&2; exit 1; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
E=eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee

# protoversion.pl: version 2 is answered by 0x61 alone, then version 1 works.
printf 'item,12345,%s\nseal\nmsg,62aabbccddeeff\nmsg,6100000200\n' $E | "$h" >"$t/out"
printf 'msg,61\nmsg,6100000201%s\n' $E | cmp - "$t/out"

# A two-item initiator against a one-item responder, one message at a time.
A=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
q=$(printf 'item,5,%s\nitem,7,%s\nseal\ninitiate\n' $A $E | "$h")
r=$(printf 'item,7,%s\nseal\n%s\n' $E "$q" | "$h")
printf 'item,5,%s\nitem,7,%s\nseal\ninitiate\n%s\n' $A $E "$r" | "$h" >"$t/out"
grep -qx "have,$A" "$t/out"
if grep -q '^need,' "$t/out"; then echo "unexpected need line" >&2; exit 1; fi
[ "$(tail -n 1 "$t/out")" = done ]

# Failures exit non-zero, as the reference harnesses do.  (`! cmd` would not trip set -e.)
fails() { # input [VAR=value]
	if printf "$1" | env ${2:-} "$h" 2>/dev/null; then
		echo "harness accepted: $1 ${2:-}" >&2
		exit 1
	fi
}
fails 'bogus\n'
fails 'seal\n' FRAMESIZELIMIT=4095
fails 'item,1,zz\n'
fails 'item,1\n'
fails 'seal\nmsg,\n'
fails 'seal\nmsg,6100000300\n'
fails 'seal\nitem,1,'$E'\n'
printf 'seal\n' | FRAMESIZELIMIT=4096 "$h"
echo "negentropy_harness: line protocol ok"
