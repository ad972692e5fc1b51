#!/usr/bin/env bash
# make run MEM=... (README, docs/config.md "What the machine runs"): the
# machine's RAM reaches both QEMU's -m and check-config's --machine-mib
# and mkblobs' layout, in each of its spellings (8G, 8192M, 8192 MiB),
# and a value that is none of them stops make with the documented
# message. Read from `make -n run`, which prints the commands without
# running them (nothing boots).
#
#   bash tests/system/run-mem.sh [CONFIG]
set -u
export LC_ALL=C
config=${1:-config/examples/big-ram.json}
fails=0
pass() { echo "[run-mem] PASS $1"; }
fail() { echo "[run-mem] FAIL $1"; fails=$((fails + 1)); }

for mem in 8G 8g 8192M 8192; do
	out=$(make -n run MEM="$mem" CONFIG="$config" 2>&1)
	if grep -q -- "--machine-mib 8192 " <<<"$out" && grep -q -- " -m 8192M " <<<"$out" &&
		grep -qE -- "mkblobs .*$config 8192 " <<<"$out" && ! grep -q -- " -m 1G " <<<"$out"; then
		pass "MEM=$mem: QEMU -m 8192M, check-config --machine-mib 8192, mkblobs 8192"
	else
		fail "MEM=$mem: $(grep -E 'machine-mib|mkblobs|qemu-system' <<<"$out" | tr '\n' ' ')"
	fi
done
for mem in 8T 2.5G G -1; do
	if out=$(make -n run MEM="$mem" CONFIG="$config" 2>&1); then
		fail "MEM=$mem was taken"
	elif grep -q "MEM=$mem: write the machine's RAM as 8G, 8192M or 8192 (MiB)" <<<"$out"; then
		pass "MEM=$mem refused: $(grep -o "MEM=$mem: .*" <<<"$out" | head -1)"
	else
		fail "MEM=$mem: $(tail -1 <<<"$out")"
	fi
done
# check-config is given the machine: big-ram's four 1,536 MiB VMs do not
# all fit the default 2,048 MiB machine, which make run would stop on
check=${CHECK_CONFIG:-build/host/config/check-config}
if out=$("$check" --machine-mib 2048 --cpus 2 "$config" 2>&1); then
	fail "check-config took $config on a 2,048 MiB machine"
elif grep -q 'will not start' <<<"$out" && "$check" --machine-mib 8192 --cpus 2 "$config" >/dev/null 2>&1; then
	pass "check-config: $config will not start on 2,048 MiB, starts on 8,192"
else
	fail "check-config on $config: $out"
fi
[ "$fails" = 0 ] || exit 1
echo "[run-mem] all passed"
