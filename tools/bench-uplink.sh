#!/usr/bin/env bash
# Host-to-guest throughput through the uplink (issue 13 part 7, make
# bench, docs/net.md): the host's curl fetches a BENCH_UPLINK_MIB (16) MiB
# file from the guest's busybox httpd through a QEMU user-network host
# forward. Keel: one Linux VM (tests/linux/bench-uplink.json: 2 vCPUs,
# 256 MiB) on an uplink network, so every frame goes QEMU's virtio-net
# device -> uplink driver -> switch -> the VM's virtio-net server -> the
# guest. Bare: the same kernel and initramfs under QEMU alone, with QEMU's
# own virtio-net-device on the same user network (the same -netdev). QEMU
# runs as make run does (multi-threaded TCG, no -icount), so seconds
# depend on the host: the figure is the ratio of the wall-clock times of
# the fetch, Keel over bare, runs alternating, median of
# BENCH_UPLINK_RUNS (3) pairs:
#
#   net_uplink_ratio     Keel's fetch time / bare QEMU's (x; 1 is as fast)
#   net_uplink_keel      median MiB/s under Keel (wall clock)
#   net_uplink_bare      median MiB/s on bare QEMU
#
# The guest's /init makes the file (keel.www_mib=N on the kernel command
# line: N MiB of zeros at /srv/www/big) and says so; the clock runs from
# curl's start to its end, and the bytes it got must be N MiB.
#
#   bash tools/bench-uplink.sh build/aarch64/keel.bin
#   (CHECK_CONFIG and MKBLOBS name the host tools; make bench sets them)
set -u
export LC_ALL=C

QEMU=${QEMU:-qemu-system-aarch64}
RUNS=${BENCH_UPLINK_RUNS:-3}
MIB=${BENCH_UPLINK_MIB:-16}
LIMIT=${BENCH_UPLINK_TIMEOUT:-300}
top=$(cd "$(dirname "$0")/.." && pwd)
CONFIG=$top/tests/linux/bench-uplink.json
IMAGE=$top/build/linux/Image
INITRD=$top/build/linux/initramfs.cpio

die() { echo "bench-uplink.sh: $*" >&2; exit 2; }

[ $# -eq 1 ] || die "usage: $0 <keel.bin>"
[ -f "$1" ] || die "no such image: $1"
for t in "${CHECK_CONFIG:-}" "${MKBLOBS:-}"; do
	[ -x "$t" ] || die "CHECK_CONFIG and MKBLOBS must name the host tools (make sets them)"
done
[ -f "$IMAGE" ] && [ -f "$INITRD" ] || die "no Linux assets (make linux-assets)"
command -v curl >/dev/null || die "curl is missing (bash tools/setup-deps.sh)"
case $RUNS$MIB in *[!0-9]*) die "BENCH_UPLINK_RUNS and BENCH_UPLINK_MIB must be numbers" ;; esac

outdir=$(dirname "$1")/bench-uplink
mkdir -p "$outdir"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/keel-bench-uplink.XXXXXX")
qemu=
stop_qemu() {
	[ -n "$qemu" ] || return 0
	kill "$qemu" 2>/dev/null
	wait "$qemu" 2>/dev/null
	qemu=
}
trap 'stop_qemu; rm -rf "$tmp"' EXIT
cp "$1" "$tmp/keel.bin"

# Keel's blobs: the config with keel.www_mib=MIB and absolute paths,
# its forward moved to a free host port (uplink-ports.sh); the bare runs
# use the same -netdev line.
sed -e "s/keel\.www_mib=[0-9]*/keel.www_mib=$MIB/" -e "s|\.\./\.\./build/|$top/build/|g" \
	"$CONFIG" >"$tmp/bench-uplink.json"
"$CHECK_CONFIG" "$tmp/bench-uplink.json" >/dev/null || die "$CONFIG does not check"
"$MKBLOBS" "$tmp/bench-uplink.json" 2048 "$tmp/blobs" >/dev/null || die "mkblobs failed"
port=$(bash "$top/tests/system/uplink-ports.sh" "$tmp/blobs/qemu-args") || die "no free host port"
netdev=$(grep '^user,id=uplink' "$tmp/blobs/qemu-args")
[ -n "$port" ] && [ -n "$netdev" ] || die "no uplink in $CONFIG's qemu-args"

start_keel() {
	# shellcheck disable=SC2046 # one QEMU argument per line of qemu-args
	"$QEMU" -M virt,virtualization=on,gic-version=3 -cpu max,pauth=off,sve=off,sme=off \
		-smp 2 -nic none -m 2048M -nographic -no-reboot -kernel "$tmp/keel.bin" \
		$(grep -v '^blobs=' "$tmp/blobs/qemu-args") \
		-append "$(grep '^blobs=' "$tmp/blobs/qemu-args")" </dev/null >"$1" 2>&1 &
	qemu=$!
}
start_bare() {
	"$QEMU" -M virt,gic-version=3 -cpu max,pauth=off,sve=off,sme=off -smp 2 -m 256M \
		-nographic -no-reboot -kernel "$IMAGE" -initrd "$INITRD" \
		-global virtio-mmio.force-legacy=false -netdev "$netdev" \
		-device virtio-net-device,netdev=uplink \
		-append "console=ttyAMA0 quiet keel.ip=10.0.0.1/24 keel.www_mib=$MIB" \
		</dev/null >"$1" 2>&1 &
	qemu=$!
}

# The guest's file is ready (its /init says so), or the run broke.
wait_ready() {
	local t=0
	while ! grep -aq "\[linux\] www: /srv/www/big $MIB MiB" "$1"; do
		grep -aqE 'keel: PANIC|Kernel panic' "$1" && return 1
		kill -0 "$qemu" 2>/dev/null || return 1
		[ $t -lt $((LIMIT * 5)) ] || return 1
		sleep 0.2
		t=$((t + 1))
	done
}

# One run: boot (keel or bare), fetch, stop; prints the fetch's seconds.
fetch() {
	local log=$outdir/$1.log ns bytes
	: >"$log"
	"start_$1" "$log"
	wait_ready "$log" || { stop_qemu; echo "bench-uplink.sh: $1: no file (log: $log)" >&2; return 1; }
	ns=$(date +%s%N)
	bytes=$(curl -sf --max-time "$LIMIT" -o /dev/null -w '%{size_download}' \
		"http://127.0.0.1:$port/big") || bytes=0
	ns=$(($(date +%s%N) - ns))
	stop_qemu
	[ "$bytes" = $((MIB << 20)) ] ||
		{ echo "bench-uplink.sh: $1: got $bytes bytes, not $MIB MiB (log: $log)" >&2; return 1; }
	awk -v n="$ns" 'BEGIN { printf "%.3f", n / 1e9 }'
}

median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

ks="" bs="" rs=""
for i in $(seq 1 "$RUNS"); do
	k=$(fetch keel) || die "a Keel run broke"
	b=$(fetch bare) || die "a bare run broke"
	echo "bench-uplink.sh: run $i: $MIB MiB in ${k}s under Keel, ${b}s on bare QEMU" >&2
	ks="$ks $(awk -v s="$k" -v m="$MIB" 'BEGIN { printf "%.2f", m / s }')"
	bs="$bs $(awk -v s="$b" -v m="$MIB" 'BEGIN { printf "%.2f", m / s }')"
	rs="$rs $(awk -v k="$k" -v b="$b" 'BEGIN { printf "%.3f", k / b }')"
done
echo "bench net_uplink_keel $(echo "$ks" | median) MiB/s"
echo "bench net_uplink_bare $(echo "$bs" | median) MiB/s"
echo "bench net_uplink_ratio $(echo "$rs" | median) x"
