#!/usr/bin/env bash
# The block driver server on a real disk image (tests/root/scn_blk.c):
# QEMU gets an 8 MiB raw image as a virtio-blk-device (modern
# virtio-mmio), with lines the host wrote at sectors 12288..12303. The test
# root's blk scenario drives it through the block driver server while it
# crashes the driver; the client reports each step. After QEMU has
# stopped, the host checks that the image holds exactly what the client
# wrote at sectors 0..2047 and that the host's own sectors are untouched.
#
#   bash tests/system/blk.sh build/aarch64/keel-test.bin
# Log: <dir of the image>/system/blk.log.
set -u
QEMU=${QEMU:-qemu-system-aarch64}
LIMIT=${BLK_TIMEOUT:-120}
die() { echo "blk.sh: $*" >&2; exit 2; }
[ $# -eq 1 ] || die "usage: $0 <keel-test.bin>"
bin=$1
outdir=$(dirname "$bin")/system
mkdir -p "$outdir"
log=$outdir/blk.log
tmp=$(mktemp -d "${TMPDIR:-/tmp}/keel-blk.XXXXXX")
qemu=
trap '[ -n "$qemu" ] && kill $qemu 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
lines() { # tag first count: count sectors of "keel-<tag>-%06d\n" lines
	awk -v tag="$1" -v first="$2" -v n="$3" 'BEGIN {
		for (s = first; s < first + n; s++)
			for (i = 0; i < 32; i++) printf "keel-%s-%06d\n", tag, s }'
}
img=$tmp/disk.img
truncate -s 8M "$img"
lines hst 12288 16 >"$tmp/host"
dd if="$tmp/host" of="$img" bs=512 seek=12288 conv=notrunc status=none
: >"$log"
"$QEMU" -M virt,virtualization=on,gic-version=3 -cpu max,pauth=off,sve=off,sme=off -smp 2 \
	-nic none -m 1G -nographic -no-reboot -kernel "$bin" -append "test=blk" \
	-global virtio-mmio.force-legacy=false \
	-drive "file=$img,format=raw,if=none,id=disk0,cache=writeback" \
	-device virtio-blk-device,drive=disk0 </dev/null >"$log" 2>&1 &
qemu=$!
t=0
until grep -aq '\[test\] DONE' "$log"; do
	t=$((t + 1))
	{ [ "$t" -gt $((LIMIT * 5)) ] || ! kill -0 "$qemu" 2>/dev/null; } && break
	sleep 0.2
done
kill "$qemu" 2>/dev/null
wait "$qemu" 2>/dev/null
qemu=
fails=0
grep -a '\[root\] blk\|\[blk0\]' "$log" | head -3 | sed 's/^/[blk] /'
for m in blk-write blk-flush blk-read blk-host-data blk-refused blk; do
	if grep -aq "\[test\] PASS $m\b" "$log"; then
		echo "[blk] PASS $m"
	else
		echo "[blk] FAIL $m (log: $log)"
		fails=$((fails + 1))
	fi
done
crashes=$(sed -n 's/.*the driver was crashed \([0-9]*\) times.*/\1/p' "$log" | tail -1)
if [ "${crashes:-0}" -ge 5 ]; then
	echo "[blk] PASS the driver was crashed ${crashes} times meanwhile"
else
	echo "[blk] FAIL the driver was crashed ${crashes:-0} times (5 at least wanted)"
	fails=$((fails + 1))
fi
lines blk 0 8192 >"$tmp/want"
if cmp -s <(head -c 4194304 "$img") "$tmp/want" &&
	cmp -s <(dd if="$img" bs=512 skip=12288 count=16 status=none) "$tmp/host"; then
	echo "[blk] PASS the image holds the client's 4 MiB at sector 0 and the host's sectors"
else
	echo "[blk] FAIL the image on the host is not what was written"
	fails=$((fails + 1))
fi
[ "$fails" = 0 ] || exit 1
echo "[blk] all passed"
