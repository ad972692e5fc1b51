#!/usr/bin/env bash
# virtio-rng needs the CPU's random number instruction (RNDR, FEAT_RNG;
# docs/devices.md). On the shipped image, under QEMU's cortex-a76 (an
# Armv8.2 CPU without it): root refuses vm1, which has a virtio-rng, with
# the reason, and builds vm2 (the same guest without it), which runs.
# The same config under -cpu max (which has RNDR) builds both VMs (the
# console shows vm1's output: switch mode).
#
#   bash tests/system/rng-cpu.sh build/aarch64/keel.bin
# (CHECK_CONFIG, MKBLOBS: the host tools, as make sets them.)
# Logs: <dir of the image>/system/rng-cpu-<cpu>.log.
set -u
QEMU=${QEMU:-qemu-system-aarch64}
LIMIT=${RNG_CPU_TIMEOUT:-120}
die() { echo "rng-cpu.sh: $*" >&2; exit 2; }
[ $# -eq 1 ] || die "usage: $0 <keel.bin>"
bin=$1
guests=$(dirname "$bin")/guests
[ -f "$guests/raw.bin" ] || die "no $guests/raw.bin (make guests)"
for t in "${CHECK_CONFIG:-}" "${MKBLOBS:-}"; do
	[ -x "$t" ] || die "CHECK_CONFIG and MKBLOBS must name the host tools (make sets them)"
done
outdir=$(dirname "$bin")/system
mkdir -p "$outdir"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/keel-rng-cpu.XXXXXX")
qemu=
trap '[ -n "$qemu" ] && kill $qemu 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
cp "$guests/raw.bin" "$bin" "$tmp/"
fails=0
pass() { echo "[rng-cpu] PASS $1"; }
fail() { echo "[rng-cpu] FAIL $1 (log: $2)"; fails=$((fails + 1)); }

# The uart test guest as a raw image (tests/system/raw.sh has the keys).
vm() { # name extra-device
	printf '{ "name": "%s", "mem_size_mib": 64, "mem_base": "0x40000000",
	  "kernel_image_path": "raw.bin", "kernel_load_addr": "0x40080000",
	  "entry_point": "0x40081000",
	  "devices": [ { "type": "pl011", "base": "0x09000000", "irq": 33 }%s ] }' "$1" "$2"
}
echo "{ \"vms\": [ $(vm vm1 ', { "type": "virtio-rng", "base": "0x0a000000", "irq": 48 }'),
	$(vm vm2 '') ] }" >"$tmp/rng.json"
"$CHECK_CONFIG" "$tmp/rng.json" >/dev/null || die "the config does not check"
"$MKBLOBS" "$tmp/rng.json" 1024 "$tmp/blobs" >/dev/null || die "mkblobs failed"

# boot CPU: until both VMs' fates are in the log (or LIMIT s).
boot() {
	local log=$outdir/rng-cpu-$1.log t=0
	: >"$log"
	# shellcheck disable=SC2046 # one QEMU argument per line of qemu-args
	"$QEMU" -M virt,virtualization=on,gic-version=3 -cpu "$1" -smp 2 \
		-nic none -m 1024M -nographic -no-reboot -kernel "$tmp/$(basename "$bin")" \
		$(grep -v '^blobs=' "$tmp/blobs/qemu-args") \
		-append "$(grep '^blobs=' "$tmp/blobs/qemu-args")" </dev/null >"$log" 2>&1 &
	qemu=$!
	until [ "$(grep -ac '\[test\] DONE uart' "$log")" -ge "$2" ] &&
		grep -aq 'VMs\? running' "$log"; do
		t=$((t + 1))
		{ [ "$t" -gt $((LIMIT * 5)) ] || ! kill -0 "$qemu" 2>/dev/null; } && break
		sleep 0.2
	done
	kill "$qemu" 2>/dev/null
	wait "$qemu" 2>/dev/null
	qemu=
	LOG=$log
}

refusal='\[root\] cannot create VM vm1: its virtio-rng needs the CPU.s random number instruction \(RNDR, FEAT_RNG\), which this CPU does not have'
boot cortex-a76 1
if grep -aqE "$refusal" "$LOG" && grep -aq '\[test\] PASS uart' "$LOG" &&
	! grep -aq '\[root\] VM vm1:' "$LOG"; then
	pass "cortex-a76 (no RNDR): $(grep -aoE "$refusal" "$LOG" | head -1 | sed 's/^\[root\] //'); vm2 runs"
else
	fail "cortex-a76: vm1 not refused with the reason, or vm2 did not run" "$LOG"
fi
boot max 1
if ! grep -aqE 'cannot create VM' "$LOG" && grep -aq '\[root\] 2 VMs running' "$LOG" &&
	grep -aq '\[root\] VM vm1 started' "$LOG" && grep -aq '\[test\] PASS uart' "$LOG"; then
	pass "max (RNDR): both VMs built, vm1 (the console's) ran"
else
	fail "max: a VM was refused or did not run" "$LOG"
fi
[ "$fails" = 0 ] || exit 1
echo "[rng-cpu] all passed"
