#!/usr/bin/env bash
# The virtio-blk benchmarks of make bench (docs/performance.md): the same
# guest (tests/linux/bench-blk.json: Debian's kernel, the initramfs, one
# vCPU, 256 MiB) on the same read-only disk image, under Keel (its
# virtio-blk device server and block driver) and under QEMU alone (QEMU's
# own virtio-blk), both with -icount shift=0, one after the other. In
# each, /bin/blkbench (tests/linux/blkbench.c) times 512 random 4 KiB
# O_DIRECT reads and 16 MiB of 1 MiB sequential reads in instructions,
# BENCH_BLK_ROUNDS times (default 5); each figure is the minimum of its
# rounds: under -icount the virtual clock also runs while the guest waits
# for the host's I/O, so a round on a loaded host counts its latency too,
# and the least lengthened round is the closest to the instructions.
# Prints bench lines:
#   virtio_blk_read_4k_ratio, virtio_blk_seq_read_ratio (Keel / bare),
#   virtio_blk_4k_request (Keel's instructions per 4 KiB read), and the
#   four figures they come from.
#
#   bash tools/bench-blk.sh build/aarch64/keel-test.bin
# (CHECK_CONFIG, MKBLOBS: the host tools, as make sets them.)
set -u
QEMU=${QEMU:-qemu-system-aarch64}
LIMIT=${BENCH_BLK_TIMEOUT:-600}
ROUNDS=${BENCH_BLK_ROUNDS:-5}
die() { echo "bench-blk.sh: $*" >&2; exit 1; }
[ $# -eq 1 ] || die "usage: $0 <keel image>"
bin=$1
config=tests/linux/bench-blk.json
disk=build/bench-disk.ext4
[ -d build/linux/root ] || die "no build/linux/root (make linux-assets)"
bash tools/mkrootfs.sh build/linux/root "$disk" >/dev/null || die "mkrootfs failed"
blobs=$(dirname "$bin")/bench-blk-blobs
"$CHECK_CONFIG" "$config" >/dev/null || die "$config does not check"
"$MKBLOBS" "$config" 2048 "$blobs" >/dev/null || die "mkblobs failed"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/keel-benchblk.XXXXXX")
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; wait 2>/dev/null; exec 3>&-; rm -rf "$tmp"' EXIT

# run NAME QEMU-ARGS...: boot, run blkbench at the shell, leave its two
# lines in $tmp/NAME.log.
run() {
	local name=$1 log=$tmp/$1.log t=0
	shift
	rm -f "$tmp/in"
	mkfifo "$tmp/in"
	exec 3<>"$tmp/in"
	timeout "$LIMIT" "$QEMU" -M virt,virtualization=on,gic-version=3 \
		-cpu max,pauth=off,sve=off,sme=off -nic none -m 2048M -nographic -no-reboot \
		-icount shift=0 "$@" <"$tmp/in" >"$log" 2>&1 &
	pid=$!
	until grep -aq '\[linux\] shell ready' "$log"; do
		kill -0 "$pid" 2>/dev/null || die "$name: no shell (log: $log)"
		sleep 0.5
	done
	sleep 1
	printf 'blkbench /dev/vda 512 16 %s\r' "$ROUNDS" >&3
	until grep -aq '^\[blkbench\] done' <(tr -d '\r' <"$log"); do
		kill -0 "$pid" 2>/dev/null || die "$name: blkbench did not finish"
		t=$((t + 1))
		[ "$t" -lt $((LIMIT * 2)) ] || die "$name: blkbench timed out"
		sleep 0.5
	done
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	pid=
	exec 3>&-
}
# field NAME KIND: the minimum of that figure over the rounds
field() { tr -d '\r' <"$tmp/$1.log" | sed -n "s/^\\[blkbench\\] $2 \\([0-9]*\\) .*/\\1/p" | sort -n | head -1; }

# shellcheck disable=SC2046 # one QEMU argument per line of qemu-args
run keel -smp 2 -kernel "$bin" $(grep -v '^blobs=' "$blobs/qemu-args") \
	-append "$(grep '^blobs=' "$blobs/qemu-args")"
run bare -smp 1 -kernel build/linux/Image -initrd build/linux/initramfs.cpio \
	-append "console=ttyAMA0 quiet" -global virtio-mmio.force-legacy=false \
	-drive "file=$disk,format=raw,if=none,id=d0,readonly=on" -device virtio-blk-device,drive=d0
k4=$(field keel read4k) ks=$(field keel seq) b4=$(field bare read4k) bs=$(field bare seq)
[ -n "$k4" ] && [ -n "$ks" ] && [ -n "$b4" ] && [ -n "$bs" ] || die "a figure is missing"
echo "bench virtio_blk_read_4k $k4 instructions"
echo "bench virtio_blk_read_4k_bare $b4 instructions"
echo "bench virtio_blk_seq_read $ks instructions"
echo "bench virtio_blk_seq_read_bare $bs instructions"
awk -v k="$k4" -v b="$b4" 'BEGIN { printf "bench virtio_blk_read_4k_ratio %.3f x\n", k / b }'
awk -v k="$ks" -v b="$bs" 'BEGIN { printf "bench virtio_blk_seq_read_ratio %.3f x\n", k / b }'
awk -v k="$k4" 'BEGIN { printf "bench virtio_blk_4k_request %d instructions\n", k / 512 }'
