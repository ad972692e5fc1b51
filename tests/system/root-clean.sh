#!/usr/bin/env bash
# The shipped root server holds no test code (issue 10): no symbol of the
# test root's scenarios and no "[test]" marker text. The rule: no symbol
# whose name contains "scn" or "scenario" (tests/root/ names every
# function and table that way, or pp_ for its pingpong helper, or
# cs_/v2_/vmb_/... static ones, which the symbol table still lists), and
# no "[test]" string. The test root must fail the same check, so a rule
# that stopped matching would show.
#
#   bash tests/system/root-clean.sh build/aarch64/user/root.elf build/aarch64/user/root-test.elf
set -u
NM=${NM:-aarch64-linux-gnu-nm}
[ $# -eq 2 ] || { echo "usage: $0 <root.elf> <root-test.elf>" >&2; exit 2; }

# Prints what in $1 is test code, nothing if none.
test_code() {
	"$NM" "$1" | awk '{ print $NF }' | grep -E 'scn|scenario|^pp_' | head -3
	grep -caF '[test]' "$1" | grep -v '^0$' | sed 's/^/[test] strings: /'
}

bad=$(test_code "$1")
if [ -n "$bad" ]; then
	echo "[root-clean] FAIL $1 holds test code:"
	echo "$bad"
	exit 1
fi
if [ -z "$(test_code "$2")" ]; then
	echo "[root-clean] FAIL the rule finds nothing in the test root $2 either"
	exit 1
fi
echo "[root-clean] PASS $1 has no scenario symbols and no [test] markers"
