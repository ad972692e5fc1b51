#!/usr/bin/env bash
# A guest PMU (docs/vm.md, "PMU"), on the shipped image: two VMs
# (config/examples/pmu.json, pmu1 and pmu2) run the pmu test guest on a
# one-CPU machine under -icount shift=0 (QEMU counts retired
# instructions only then), so the scheduler interleaves their
# counted loops. Each must count exactly its own instructions (the guest
# judges: "[test] PASS pmu"), which fails if either sees the other's, a
# server's or the kernel's instructions, or if its counters are lost when
# it is switched out. The console shows pmu1; Ctrl-] 2 then replays pmu2's
# output. At least one loop must have taken well longer in virtual time
# than its own instructions (the other VM ran meanwhile), or the test
# proves nothing and fails.
#
#   bash tests/system/pmu.sh build/aarch64/keel.bin
# (CHECK_CONFIG, MKBLOBS: the host tools, as make sets them.)
# Log: <dir of the image>/system/pmu.log.
set -u
QEMU=${QEMU:-qemu-system-aarch64}
LIMIT=${PMU_TIMEOUT:-180}
die() { echo "pmu.sh: $*" >&2; exit 2; }
[ $# -eq 1 ] || die "usage: $0 <keel.bin>"
bin=$1
guests=$(dirname "$bin")/guests
[ -f "$guests/pmu.bin" ] || die "no $guests/pmu.bin (make guests)"
for t in "${CHECK_CONFIG:-}" "${MKBLOBS:-}"; do
	[ -x "$t" ] || die "CHECK_CONFIG and MKBLOBS must name the host tools (make sets them)"
done
outdir=$(dirname "$bin")/system
mkdir -p "$outdir"
log=$outdir/pmu.log
tmp=$(mktemp -d "${TMPDIR:-/tmp}/keel-pmu.XXXXXX")
qemu=
trap '[ -n "$qemu" ] && kill $qemu 2>/dev/null; wait 2>/dev/null; exec 3>&-; rm -rf "$tmp"' EXIT
cp "$bin" "$tmp/"
# The shipped example (two VMs of the pmu guest), which names
# build/aarch64/guests/pmu.bin.
config=config/examples/pmu.json
"$CHECK_CONFIG" --machine-mib 1024 --cpus 1 "$config" >/dev/null || die "$config does not check"
"$MKBLOBS" "$config" 1024 "$tmp/blobs" >/dev/null || die "mkblobs failed"
mkfifo "$tmp/in"
exec 3<>"$tmp/in"
: >"$log"
# shellcheck disable=SC2046 # one QEMU argument per line of qemu-args
"$QEMU" -M virt,virtualization=on,gic-version=3 -cpu max,pauth=off,sve=off,sme=off -smp 1 \
	-icount shift=0 -nic none -m 1024M -nographic -no-reboot -kernel "$tmp/$(basename "$bin")" \
	$(grep -v '^blobs=' "$tmp/blobs/qemu-args") \
	-append "$(grep '^blobs=' "$tmp/blobs/qemu-args")" <"$tmp/in" >"$log" 2>&1 &
qemu=$!
# want N: wait until the log has N "[test] DONE pmu" lines.
want() {
	local t=0
	until [ "$(grep -ac '\[test\] DONE pmu' "$log")" -ge "$1" ]; do
		t=$((t + 1))
		{ [ "$t" -gt $((LIMIT * 5)) ] || ! kill -0 "$qemu" 2>/dev/null; } && return 1
		sleep 0.2
	done
}
want 1 && sleep 5 && printf '\x1d2' >&3 && want 2
tr -d '\r' <"$log" | grep -a '\[pmu\] round' | sed 's/^/[pmu] /'
# Interleaved: some round's elapsed virtual time is 1.5 times its count.
mixed=$(tr -d '\r' <"$log" | sed -n 's/.*instructions counted for \([0-9]*\),.*elapsed-ns \([0-9]*\)$/\1 \2/p' |
	awk '$2 * 2 >= $1 * 3 { n++ } END { print n + 0 }')
if [ "$(grep -ac '\[test\] PASS pmu:' "$log")" -eq 2 ] && ! grep -aq '\[test\] FAIL' "$log" &&
	[ "$mixed" -gt 0 ]; then
	echo "[pmu] PASS two VMs on one CPU each counted exactly their own instructions" \
		"($mixed of 6 loops shared the CPU with the other VM)"
else
	echo "[pmu] FAIL (log: $log)"
	exit 1
fi
