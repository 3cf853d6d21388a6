#!/bin/sh
# deps.sh - install the Debian 12 packages samizdat needs, only those missing; silent when none are.
# Run by `make deps`, `make check` and `make demo`.  libqpdf strips PDF attachments; libpng,
# libjpeg and exiftool are for the tests; libzxcvbn measures passphrases (pictures made, read back and decoded).  Needs root (or
# sudo) only when something is missing.
set -eu
pkgs="build-essential pkg-config libsodium-dev libsqlite3-dev libcmocka-dev clang libclang-rt-14-dev
      libqrencode-dev libmicrohttpd-dev libzxcvbn-dev tor chromium libqpdf-dev libpng-dev libjpeg-dev
      libimage-exiftool-perl"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# Node.js and npm drive the interop peers and the browser test (chromium, through playwright-core).  A machine may carry them from elsewhere (NodeSource's
# nodejs bundles npm, and Debian's npm would conflict with it), so look for the commands.
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
[ -z "$missing" ] && exit 0

echo "make deps: installing$missing" >&2
if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
else
	echo "make deps: missing packages:$missing; run as root: apt-get install -y$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
