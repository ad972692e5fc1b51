#!/usr/bin/env bash
# Benchmarks: boot the image with QEMU -icount shift=0 (one instruction =
# 1 ns of virtual time, so counter intervals are instruction counts) and
# the root server's bench scenarios (test=bench, boot/scn_basic.c, then
# test=vm-bench, boot/scn_vmbench.c), collect
# every "bench <name> <value> <unit>" line, print them and write
#   {"<name>": {"value": N, "unit": "..."}, ...}
# to out.json.
#
#   bash tools/bench.sh build/aarch64/keel.bin build/bench.json
set -euo pipefail

QEMU=${QEMU:-qemu-system-aarch64}
LIMIT=${BENCH_TIMEOUT:-300}

die() { echo "bench.sh: $*" >&2; exit 2; }

[ $# -eq 2 ] || die "usage: $0 <keel.bin> <out.json>"
bin=$1
out=$2
[ -f "$bin" ] || die "no such image: $bin (run make first)"
command -v "$QEMU" >/dev/null || die "$QEMU not found (bash tools/setup-deps.sh)"
mkdir -p "$(dirname "$out")"
log=$(dirname "$bin")/bench.log
image=$(mktemp "${TMPDIR:-/tmp}/keel-bench.XXXXXX")
trap 'rm -f "$image"' EXIT
cp "$bin" "$image" # a rebuild while we run must not change what boots

# Boot one scenario under -icount shift=0; its log is appended to $log.
run_scenario() {
	local scn=$1 part pid
	part=$(mktemp "${TMPDIR:-/tmp}/keel-bench-log.XXXXXX")
	timeout "$LIMIT" "$QEMU" -M virt,virtualization=on,gic-version=3 -cpu max,pauth=off,sve=off,sme=off -nic none \
		-smp 2 -m 1G -nographic -no-reboot -icount shift=0 -kernel "$image" \
		-append "test=$scn" </dev/null >"$part" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		if grep -aqE '\[test\] DONE|keel: PANIC' "$part"; then
			sleep 0.2
			kill "$pid" 2>/dev/null || true
			break
		fi
		sleep 0.2
	done
	wait "$pid" 2>/dev/null || true
	cat "$part" >>"$log"
	rm -f "$part"
}

: >"$log"
# bench: IPC and Linux system calls (boot/scn_basic.c); vm-bench: VM
# hypercall, MMIO via the PL011 server and its restart (boot/scn_vmbench.c,
# tests/guests/bench.c; the guest's lines carry a "[vm1] " prefix).
run_scenario bench
run_scenario vm-bench

if grep -aqE '\[test\] FAIL|keel: PANIC' "$log"; then
	grep -aE '\[test\] FAIL|keel: PANIC' "$log" >&2
	die "benchmark failed (log: $log)"
fi
lines=$(tr -d '\r' <"$log" | sed -E 's/^\[vm[0-9]+\] //' | grep -aE '^bench [A-Za-z0-9_.-]+ [0-9]+ [A-Za-z/_-]+$' || true)
[ -n "$lines" ] || die "no bench lines in $log"
echo "$lines"
echo "$lines" | awk '
	BEGIN { printf "{" }
	{ printf "%s\n  \"%s\": {\"value\": %s, \"unit\": \"%s\"}", (NR > 1 ? "," : ""), $2, $3, $4 }
	END { printf "\n}\n" }' >"$out"
echo "bench.sh: wrote $out"
