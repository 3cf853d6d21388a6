# readme.t - the README's usage section is exactly `samizdat --help`, and the README opens with the
# two commands a newcomer runs.
set -u
cd "${SZ_ROOT:-.}"
SAMIZDAT_BIN="${SZ_SAN:-build/san}/samizdat" sh scripts/usage.sh check || exit 1
head -n 8 README.md | grep -q '^make demo' || { echo "README does not open with make demo" >&2; exit 1; }
head -n 8 README.md | grep -q '^make check' || { echo "README does not open with make check" >&2; exit 1; }
[ -f docs/samizdat.1 ] || { echo "no man page" >&2; exit 1; }
# every command in the help is in the man page
for c in $("${SZ_SAN:-build/san}/samizdat" --help | sed -n 's/^  \([a-z]\+\).*/\1/p' | sort -u); do
	grep -q -w -e "^\.B $c" -e "fB$c" docs/samizdat.1 ||
		{ echo "the man page does not document '$c'" >&2; exit 1; }
done
echo "README and man page agree with the program"
