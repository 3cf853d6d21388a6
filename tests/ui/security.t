# security.t - the web interface refuses what it must (tests/ui/security.js): requests without the
# session, a link used twice, another Host (DNS rebinding), another Origin or site, a state change
# without the JSON type or the CSRF token, other methods, bodies too large; it locks with the node;
# every answer carries the strict CSP and no-store; the page has no inline script; it listens on
# 127.0.0.1 only.  Plain HTTP requests from node (no browser).
. "$(dirname "$0")/../scenario/lib.sh"
command -v node >/dev/null 2>&1 || { echo "node is not installed ('make deps')" >&2; exit 77; }
node ada
serve ada
command node "$SZ_ROOT/tests/ui/security.js" "$S" "$W/ada" "$W/ada.pw" || fail "security.js"
done_
