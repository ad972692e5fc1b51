#!/usr/bin/env bash
# The shipped root server holds no test code, and the shipped image
# without a config says so (issue 10):
#  - no symbol of the test root's scenarios and no "[test]" marker text in
#    the shipped root ELF. The rule: no symbol whose name contains "scn" or
#    "scenario" (tests/root/ names every function and table that way, or
#    pp_ for its pingpong helper, or cs_/v2_/vmb_/... static ones, which
#    the symbol table still lists), and no "[test]" string. The test root
#    must fail the same check, so a rule that stopped matching would show;
#  - the shipped image (keel.bin), booted with no config blob (no blobs=
#    on its command line), prints root's "[root] no VM config given" line
#    and nothing of a test: no "[test]" marker, no panic.
#
#   bash tests/system/root-clean.sh build/aarch64/user/root.elf \
#       build/aarch64/user/root-test.elf build/aarch64/keel.bin
#   ARCH=riscv64 bash tests/system/root-clean.sh build/riscv64/user/root.elf \
#       build/riscv64/user/root-test.elf build/riscv64/keel.bin
# Log of the boot: <dir of the image>/system/root-clean.log.
set -u
. "$(dirname "$0")/board.sh" # ARCH, KEEL_QEMU, KEEL_MACHINE
NM=${NM:-$ARCH-linux-gnu-nm}
QEMU=${QEMU:-$KEEL_QEMU}
LIMIT=${ROOT_CLEAN_TIMEOUT:-60}
[ $# -eq 3 ] || { echo "usage: $0 <root.elf> <root-test.elf> <keel.bin>" >&2; exit 2; }
fails=0
pass() { echo "[root-clean] PASS $1"; }
fail() { echo "[root-clean] FAIL $1"; fails=$((fails + 1)); }

# Prints what in $1 is test code, nothing if none.
test_code() {
	"$NM" "$1" | awk '{ print $NF }' | grep -E 'scn|scenario|^pp_' | head -3
	grep -caF '[test]' "$1" | grep -v '^0$' | sed 's/^/[test] strings: /'
}

symbols() {
	local bad
	bad=$(test_code "$1")
	if [ -n "$bad" ]; then
		fail "$1 holds test code:"
		echo "$bad"
	elif [ -z "$(test_code "$2")" ]; then
		fail "the rule finds nothing in the test root $2 either"
	else
		pass "$1 has no scenario symbols and no [test] markers"
	fi
}

# Boots $1 as make run would without a config (QEMU_FLAGS, no -append)
# until root's line appears, and a second more for anything after it.
no_config_boot() {
	local bin=$1 log t=0 want='[root] no VM config given'
	log=$(dirname "$bin")/system/root-clean.log
	mkdir -p "$(dirname "$log")"
	: >"$log"
	"$QEMU" "${KEEL_MACHINE[@]}" -smp 2 -nic none -m 1G -nographic -no-reboot \
		-kernel "$bin" </dev/null >"$log" 2>&1 &
	qemu=$!
	until grep -aqF "$want" "$log"; do
		t=$((t + 1))
		{ [ "$t" -gt $((LIMIT * 5)) ] || ! kill -0 "$qemu" 2>/dev/null; } && break
		sleep 0.2
	done
	grep -aqF "$want" "$log" && sleep 1
	kill "$qemu" 2>/dev/null
	wait "$qemu" 2>/dev/null
	qemu=
	if ! grep -aqF "$want" "$log"; then
		fail "$bin booted with no config: no \"$want\" line in ${LIMIT} s (log: $log)"
	elif grep -aqE '\[test\]|keel: PANIC' "$log"; then
		fail "$bin booted with no config printed a test marker or a panic (log: $log): $(grep -aE -m1 '\[test\]|keel: PANIC' "$log" | tr -d '\r')"
	else
		pass "$bin with no config: $(grep -aF -m1 "$want" "$log" | tr -d '\r')"
	fi
}

qemu=
trap '[ -n "$qemu" ] && kill "$qemu" 2>/dev/null' EXIT
symbols "$1" "$2"
no_config_boot "$3"
[ "$fails" = 0 ]
