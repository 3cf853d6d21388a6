#!/bin/sh
# testnet.sh - a private Tor network on 127.0.0.1 for samizdat's tests (see docs/tor-testnet.md).
#
#   testnet.sh start DIR   build and start 3 directory authorities (also relays), 2 relays and
#                          2 client tors (one per samizdat node) in DIR; wait for the clients to
#                          bootstrap; write DIR/env (shell-sourceable) and DIR/pids.
#   testnet.sh stop DIR    stop every tor started in DIR, by pid: SIGTERM, SIGKILL after 10 s.
#
# Environment: TOR (default: tor on PATH), TOR_GENCERT (default: tor-gencert on PATH),
# TESTNET_OWNER (a pid: every tor gets __OwningControllerProcess and exits when it dies),
# TESTNET_TIMEOUT (seconds to wait for bootstrap, default 120).
# Nothing here can reach the real Tor network: every torrc has TestingTorNetwork 1 and lists only
# this network's authorities; every port is 127.0.0.1:PORT.
set -eu

TOR=${TOR:-$(command -v tor || echo /usr/sbin/tor)}
TOR_GENCERT=${TOR_GENCERT:-$(command -v tor-gencert || echo /usr/bin/tor-gencert)}
TIMEOUT=${TESTNET_TIMEOUT:-120}
AUTHS="auth1 auth2 auth3"
RELAYS="relay1 relay2"
CLIENTS="client1 client2"

die() { echo "testnet: $*" >&2; exit 1; }
now() { date +%s; }

# --- ports -----------------------------------------------------------------------------------
# Free ports are picked at run time: random in 10000-29999 (below Linux's ephemeral range), not
# listening now (/proc/net/tcp*), not picked before.
PICKED=""
listening() { awk 'NR > 1 && $4 == "0A" { split($2, a, ":"); print a[2] }' /proc/net/tcp /proc/net/tcp6 2>/dev/null; }
pick_port() {
	busy=$(listening)
	while :; do
		v=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
		p=$((10000 + v % 20000))
		hex=$(printf '%04X' "$p")
		case " $PICKED " in *" $p "*) continue ;; esac
		echo "$busy" | grep -qx "$hex" && continue
		PICKED="$PICKED $p"
		echo "$p"
		return
	done
}

# --- stop ------------------------------------------------------------------------------------
# A pid is signalled only while /proc says it is a tor running a torrc inside DIR, so a pid the
# kernel has since given to another process is never touched.
ours() { # pid dir
	[ -r "/proc/$1/cmdline" ] || return 1
	{ tr '\0' ' ' <"/proc/$1/cmdline"; } 2>/dev/null | grep -q -- "-f $2/" || return 1
}
stop_net() {
	dir=$1
	[ -f "$dir/pids" ] || return 0
	pids=$(awk '{ print $2 }' "$dir/pids")
	live=""
	for p in $pids; do
		if ours "$p" "$dir"; then kill -TERM "$p" 2>/dev/null || true; live="$live $p"; fi
	done
	i=0
	while [ -n "$live" ] && [ $i -lt 100 ]; do
		still=""
		for p in $live; do ours "$p" "$dir" && still="$still $p"; done
		live=$still
		[ -n "$live" ] && sleep 0.1
		i=$((i + 1))
	done
	for p in $live; do
		ours "$p" "$dir" && { echo "testnet: SIGKILL $p" >&2; kill -KILL "$p" 2>/dev/null || true; }
	done
	rm -f "$dir/pids"
}

# --- start -----------------------------------------------------------------------------------
# Options every node of a test network needs (docs/tor-testnet.md says why for each).
common_opts() {
	cat <<EOF
TestingTorNetwork 1
PathsNeededToBuildCircuits 0.67
TestingDirAuthVoteExit *
TestingDirAuthVoteHSDir *
TestingDirAuthVoteGuard *
TestingMinExitFlagThreshold 0
V3AuthNIntervalsValid 2
VanguardsLiteEnabled 0
GeoIPFile ""
GeoIPv6File ""
Sandbox 0
ShutdownWaitLength 0
SafeLogging 0
EOF
	cat "$DIR/dirauths"
}

write_torrc() { # node role
	n=$1 role=$2 d="$DIR/$1"
	{
		echo "# $n: $role of the samizdat test network (tests/tor/testnet.sh)"
		echo "Nickname $n"
		echo "DataDirectory $d"
		echo "RunAsDaemon 0"
		echo "Log notice file $d/notice.log"
		[ -n "${TESTNET_OWNER:-}" ] && echo "__OwningControllerProcess $TESTNET_OWNER"
		common_opts
		case $role in
		authority)
			eval "orp=\$OR_$n dirp=\$DIR_$n"
			echo "AuthoritativeDirectory 1"
			echo "V3AuthoritativeDirectory 1"
			echo "ContactInfo samizdat-test@127.0.0.1"
			echo "Address 127.0.0.1"
			echo "ORPort 127.0.0.1:$orp"
			echo "DirPort 127.0.0.1:$dirp"
			echo "SocksPort 0"
			echo "AssumeReachable 1"
			echo "ExitRelay 0"
			echo "ExitPolicy reject *:*"
			echo "V3AuthVotingInterval 10"
			echo "V3AuthVoteDelay 2"
			echo "V3AuthDistDelay 2"
			echo "TestingV3AuthInitialVotingInterval 10"
			echo "TestingV3AuthInitialVoteDelay 2"
			echo "TestingV3AuthInitialDistDelay 2"
			;;
		relay)
			eval "orp=\$OR_$n"
			echo "Address 127.0.0.1"
			echo "ORPort 127.0.0.1:$orp"
			echo "SocksPort 0"
			echo "AssumeReachable 1"
			echo "ExitRelay 0"
			echo "ExitPolicy reject *:*"
			;;
		client)
			eval "sp=\$SOCKS_$n cp=\$CTL_$n"
			echo "SocksPort 127.0.0.1:$sp"
			echo "ControlPort 127.0.0.1:$cp"
			echo "CookieAuthentication 1"
			echo "CookieAuthFile $d/control_auth_cookie"
			;;
		esac
	} >"$d/torrc"
	: >"$d/torrc-defaults"
}

start_tor() { # node
	d="$DIR/$1"
	"$TOR" --defaults-torrc "$d/torrc-defaults" -f "$d/torrc" </dev/null >"$d/tor.out" 2>&1 &
	echo "$1 $!" >>"$DIR/pids"
}

start_net() {
	command -v "$TOR" >/dev/null 2>&1 || die "tor not found ($TOR)"
	command -v "$TOR_GENCERT" >/dev/null 2>&1 || die "tor-gencert not found ($TOR_GENCERT)"
	[ -e "$DIR/pids" ] && die "$DIR already holds a running network (stop it first)"
	mkdir -p "$DIR"
	chmod 700 "$DIR"
	DIR=$(cd "$DIR" && pwd)
	t0=$(now)
	for n in $AUTHS $RELAYS $CLIENTS; do
		rm -rf "${DIR:?}/$n"
		mkdir -m 700 "$DIR/$n"
	done
	for n in $AUTHS; do eval "OR_$n=$(pick_port) DIR_$n=$(pick_port)"; done
	for n in $RELAYS; do eval "OR_$n=$(pick_port)"; done
	for n in $CLIENTS; do eval "SOCKS_$n=$(pick_port) CTL_$n=$(pick_port)"; done

	# Authority keys (tor-gencert, empty passphrase) and relay identity fingerprints.
	: >"$DIR/dirauths"
	for n in $AUTHS; do
		d="$DIR/$n"
		eval "dirp=\$DIR_$n orp=\$OR_$n"
		mkdir -m 700 "$d/keys"
		echo "" | "$TOR_GENCERT" --create-identity-key --passphrase-fd 0 \
			-i "$d/keys/authority_identity_key" -s "$d/keys/authority_signing_key" \
			-c "$d/keys/authority_certificate" -m 12 -a "127.0.0.1:$dirp" \
			>"$d/gencert.out" 2>&1 || die "tor-gencert failed for $n (see $d/gencert.out)"
		v3=$(awk '$1 == "fingerprint" { print $2 }' "$d/keys/authority_certificate")
		# Only to make the relay keys: a placeholder authority on 127.0.0.1 satisfies
		# TestingTorNetwork, and --list-fingerprint exits without touching any network.
		{
			printf 'Nickname %s\nTestingTorNetwork 1\nGeoIPFile ""\nGeoIPv6File ""\n' "$n"
			printf 'DirAuthority placeholder orport=1 no-v2 v3ident=%s 127.0.0.1:1 %s\n' \
				"$v3" 0000000000000000000000000000000000000000
		} >"$d/fp.torrc"
		"$TOR" --ignore-missing-torrc --defaults-torrc /dev/null -f "$d/fp.torrc" --orport 1 \
			--datadirectory "$d" --list-fingerprint >"$d/fp.out" 2>&1 ||
			die "tor --list-fingerprint failed for $n (see $d/fp.out)"
		fp=$(awk '{ print $2 }' "$d/fingerprint")
		echo "$v3" | grep -Eqx '[0-9A-F]{40}' || die "no v3ident for $n"
		echo "$fp" | grep -Eqx '[0-9A-F]{40}' || die "no fingerprint for $n"
		echo "DirAuthority $n orport=$orp no-v2 v3ident=$v3 127.0.0.1:$dirp $fp" >>"$DIR/dirauths"
	done

	for n in $AUTHS; do write_torrc "$n" authority; done
	for n in $RELAYS; do write_torrc "$n" relay; done
	for n in $CLIENTS; do write_torrc "$n" client; done
	# What a samizdat node that spawns its own tor adds to its torrc to join this network.
	common_opts >"$DIR/node-extra.torrc"

	: >"$DIR/pids"
	for n in $AUTHS $RELAYS $CLIENTS; do start_tor "$n"; done
	t_started=$(now)

	# Wait, bounded, for every client to bootstrap; fail early if a tor dies.
	pending="$CLIENTS"
	while [ -n "$pending" ]; do
		left=""
		for n in $pending; do
			grep -q "Bootstrapped 100%" "$DIR/$n/notice.log" 2>/dev/null || left="$left $n"
		done
		pending=$left
		[ -z "$pending" ] && break
		while read -r n p; do
			kill -0 "$p" 2>/dev/null || { tail -n 5 "$DIR/$n/tor.out" >&2; die "$n (pid $p) exited"; }
		done <"$DIR/pids"
		[ $(($(now) - t_started)) -ge "$TIMEOUT" ] && die "clients not bootstrapped after ${TIMEOUT}s:$pending"
		sleep 1
	done
	t_boot=$(($(now) - t_started))

	{
		echo "# samizdat Tor test network in $DIR (written by tests/tor/testnet.sh)"
		echo "TESTNET_DIR='$DIR'"
		for n in $CLIENTS; do
			N=$(echo "$n" | tr a-z A-Z)
			eval "sp=\$SOCKS_$n cp=\$CTL_$n"
			echo "${N}_SOCKS_PORT=$sp"
			echo "${N}_CONTROL_PORT=$cp"
			echo "${N}_COOKIE='$DIR/$n/control_auth_cookie'"
		done
		echo "TESTNET_NODE_TORRC='$DIR/node-extra.torrc'"
		echo "TESTNET_PIDS='$(awk '{ print $2 }' "$DIR/pids" | tr '\n' ' ' | sed 's/ $//')'"
		echo "TESTNET_SETUP_SECONDS=$((t_started - t0))"
		echo "TESTNET_BOOTSTRAP_SECONDS=$t_boot"
	} >"$DIR/env"
	echo "testnet: up in $DIR: setup $((t_started - t0))s, bootstrap ${t_boot}s" >&2
}

[ $# -eq 2 ] || die "usage: testnet.sh start|stop DIR"
DIR=$2
case $1 in
start)
	# Whatever makes the start fail (die, set -e, a signal), stop what was started.
	trap 'stop_net "$DIR"' EXIT
	trap 'exit 1' INT TERM HUP
	start_net
	trap - EXIT
	;;
stop) stop_net "$DIR" ;;
*) die "usage: testnet.sh start|stop DIR" ;;
esac
