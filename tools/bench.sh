#!/usr/bin/env bash
# Benchmarks: boot the image with QEMU -icount shift=0 (one instruction =
# 1 ns of virtual time, so counter intervals are instruction counts) and
# the root server's bench scenarios (test=bench, tests/root/scn_basic.c, then
# test=vm-bench, tests/root/scn_vmbench.c), then, when LINUX_CONFIG names a
# config, Linux's boot under Keel and under QEMU alone (run_linux below),
# virtio-blk (tools/bench-blk.sh), the wall-clock ratios against bare QEMU
# (tools/bench-wall.sh) and the networks (tools/bench-net.sh,
# tools/bench-uplink.sh);
# collect every "bench <name> <value> <unit>" line, print them and write
#   {"<name>": {"value": N, "unit": "..."}, ...}
# to out.json.
#
#   bash tools/bench.sh build/aarch64/keel-test.bin build/bench.json
#   (make bench sets LINUX_CONFIG, CHECK_CONFIG and MKBLOBS; make bench
#   ARCH=riscv64 also ARCH, and its own config and JSON file)
set -euo pipefail

LIMIT=${BENCH_TIMEOUT:-300}

die() { echo "bench.sh: $*" >&2; exit 2; }

# Per architecture: QEMU, its board and CPU, and how many CPUs the
# -icount runs get. riscv64 runs them on ONE: QEMU's round-robin under
# -icount gives a hart spinning on the kernel lock (arch_cpu_relax is
# PAUSE, which does not yield there, where aarch64's WFE does) its whole
# time slice, and those instructions count too (docs/riscv64.md,
# "Benchmarks"), and with sleep=off: otherwise virtual time runs at host
# speed while the CPU idles, and the Linux boots (which idle in timer
# waits) counted 5 to 10 % more or less from run to run on a loaded
# machine; with it both are the same to the tick. Its virtio-blk
# benchmark is aarch64's only (root's block driver has aarch64 virt's
# addresses), and so are the network ones (their configs are aarch64's).
. "$(dirname "$0")/../tests/system/board.sh"
QEMU=${QEMU:-$KEEL_QEMU}
MACHINE=("${KEEL_MACHINE[@]}")
case $ARCH in
aarch64) SMP=2 ICOUNT=shift=0 BLK=${BENCH_BLK:-1} NET=${BENCH_NET:-1} ;;
riscv64) SMP=1 ICOUNT=shift=0,sleep=off BLK=0 NET=0 ;;
esac

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
	timeout "$LIMIT" "$QEMU" "${MACHINE[@]}" -nic none \
		-smp "$SMP" -m 1G -nographic -no-reboot -icount "$ICOUNT" -kernel "$image" \
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
# bench: IPC and Linux system calls (tests/root/scn_basic.c); vm-bench: VM
# hypercall, MMIO via the PL011 server and its restart (tests/root/scn_vmbench.c,
# tests/guests/bench.c; the guest's lines carry a "[vm1] " prefix, riscv64's
# (tests/guests/arch/riscv64/bench.c, through SBI DBCN) "[vm1-vmm] ").
run_scenario bench
run_scenario vm-bench

# linux_boot: one Linux VM (tests/linux/bench.json: 2 vCPUs, 256 MiB, the
# command line run-bare.sh uses; riscv64: tests/linux/bench-riscv64.json,
# 1 vCPU, against bare -smp 1, the only way its bare guest boots under
# -icount) from Keel's first instruction to the
# guest's /init, which prints "[linux] icount N" (tests/linux/icount.c:
# the virtual counter, which under -icount shift=0 counts instructions
# since reset). linux_boot_ratio divides it by the same kernel and
# initramfs booted by QEMU alone (tests/linux/run-bare.sh --bench), run
# here too, so both come from the same build and the same machine.
run_linux() {
	local blobs part pid n
	blobs=$(dirname "$bin")/bench-blobs
	"$CHECK_CONFIG" --arch "$ARCH" "$LINUX_CONFIG" >/dev/null ||
		die "bench config $LINUX_CONFIG is not valid"
	"$MKBLOBS" --arch "$ARCH" "$LINUX_CONFIG" 2048 "$blobs" >/dev/null ||
		die "mkblobs failed for $LINUX_CONFIG"
	part=$(mktemp "${TMPDIR:-/tmp}/keel-bench-log.XXXXXX")
	# shellcheck disable=SC2046 # one QEMU argument per line of qemu-args
	timeout "$LIMIT" "$QEMU" "${MACHINE[@]}" -nic none -smp "$SMP" -m 2048M -nographic \
		-no-reboot -icount "$ICOUNT" -kernel "$image" $(grep -v '^blobs=' "$blobs/qemu-args") \
		-append "$(grep '^blobs=' "$blobs/qemu-args")" </dev/null >"$part" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		grep -aqE '\[linux\] icount [0-9]+|keel: PANIC|Kernel panic' "$part" && break
		sleep 0.5
	done
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	cat "$part" >>"$log"
	n=$(tr -d '\r' <"$part" | sed -nE 's/^(\[vm1\] )?\[linux\] icount ([0-9]+)$/\2/p' | head -n1)
	rm -f "$part"
	[ -n "$n" ] || die "Linux under Keel printed no icount line (log: $log)"
	echo "bench linux_boot $n instructions" >>"$log"
	# (run-bare.sh names riscv64's figure linux_boot_bare_riscv64; this
	# file is per arch, so it is linux_boot_bare here)
	bare=$(ARCH=$ARCH bash tests/linux/run-bare.sh --bench |
		sed -nE 's/^bench linux_boot_bare(_riscv64)? ([0-9]+) .*/\2/p')
	[ -n "$bare" ] || die "the bare Linux boot printed no figure"
	echo "bench linux_boot_bare $bare instructions" >>"$log"
	awk -v k="$n" -v b="$bare" 'BEGIN { printf "bench linux_boot_ratio %.3f x\n", k / b }' >>"$log"
}
if [ -n "${LINUX_CONFIG:-}" ]; then
	run_linux
	# virtio-blk against QEMU's own (tools/bench-blk.sh); BENCH_BLK=0
	# leaves it out.
	if [ "$BLK" != 0 ]; then
		bash tools/bench-blk.sh "$bin" >>"$log" || die "the virtio-blk benchmarks broke (log: $log)"
	fi
	# Wall-clock ratios against bare QEMU, as make run runs (tools/
	# bench-wall.sh); BENCH_WALL=0 leaves them out.
	if [ "${BENCH_WALL:-1}" != 0 ]; then
		ARCH=$ARCH bash tools/bench-wall.sh "$bin" >>"$log" || die "the wall-clock benchmarks broke (log: $log)"
	fi
	# The networks (docs/net.md): VM to VM under -icount (tools/
	# bench-net.sh: vm_net_ping_rtt, vm_net_tcp_throughput) and host to
	# guest through the uplink against bare QEMU (tools/bench-uplink.sh:
	# net_uplink_*); BENCH_NET=0 leaves them out.
	if [ "$NET" != 0 ]; then
		bash tools/bench-net.sh "$bin" >>"$log" || die "the network benchmarks broke (log: $log)"
		bash tools/bench-uplink.sh "$bin" >>"$log" || die "the uplink benchmark broke (log: $log)"
	fi
fi

if grep -aqE '\[test\] FAIL|keel: PANIC' "$log"; then
	grep -aE '\[test\] FAIL|keel: PANIC' "$log" >&2
	die "benchmark failed (log: $log)"
fi
lines=$(tr -d '\r' <"$log" | sed -E 's/^\[vm[0-9]+(-vmm)?\] //' | grep -aE '^bench [A-Za-z0-9_.-]+ [0-9]+(\.[0-9]+)? [A-Za-z/_-]+$' || true)
[ -n "$lines" ] || die "no bench lines in $log"
echo "$lines"
echo "$lines" | awk '
	BEGIN { printf "{" }
	{ printf "%s\n  \"%s\": {\"value\": %s, \"unit\": \"%s\"}", (NR > 1 ? "," : ""), $2, $3, $4 }
	END { printf "\n}\n" }' >"$out"
echo "bench.sh: wrote $out"
