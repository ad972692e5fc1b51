#!/usr/bin/env bash
# A read-only disk refuses writes in Keel, whatever the guest's driver
# does (issue 12, RO): the test guest "disk" (tests/guests/disk.c) drives
# two virtio-blk disks itself and never accepts VIRTIO_BLK_F_RO. Linux
# cannot show this: it keeps a disk that offers the feature read-only and
# never sends it a write (tests/system/linux.sh's readonly step shows that
# side). On the shipped image, one VM:
#  - vda: a 1 MiB raw image, read-write; vdb: a 1 MiB raw image of lines
#    the host wrote, "is_read_only": true;
#  - the guest's markers (disk-setup, disk-ro-offer, disk-rw-write,
#    disk-rw-read, disk-ro-first-read, disk-ro-write: the write to vdb
#    completes with VIRTIO_BLK_S_IOERR, disk-ro-read);
#  - after QEMU stopped, on the host: vdb's image has its checksum from
#    before, and vda's sector 0 holds what the guest wrote (so the write
#    the read-only disk refused was one that works).
# QEMU gets vdb's file writable (unlike make run): what refuses the write
# is Keel's device server, not QEMU's read-only drive nor the block
# driver's check of it.
#
#   bash tests/system/rodisk.sh build/aarch64/keel.bin
# (CHECK_CONFIG, MKBLOBS: the host tools, as make sets them.)
# Log: <dir of the image>/system/rodisk.log.
set -u
QEMU=${QEMU:-qemu-system-aarch64}
LIMIT=${RODISK_TIMEOUT:-120}
die() { echo "rodisk.sh: $*" >&2; exit 2; }
[ $# -eq 1 ] || die "usage: $0 <keel.bin>"
bin=$1
guest=$(dirname "$bin")/guests/disk.bin
[ -f "$guest" ] || die "no $guest (make guests)"
for t in "${CHECK_CONFIG:-}" "${MKBLOBS:-}"; do
	[ -x "$t" ] || die "CHECK_CONFIG and MKBLOBS must name the host tools (make sets them)"
done
outdir=$(dirname "$bin")/system
mkdir -p "$outdir"
log=$outdir/rodisk.log
tmp=$(mktemp -d "${TMPDIR:-/tmp}/keel-rodisk.XXXXXX")
qemu=
trap '[ -n "$qemu" ] && kill $qemu 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
fails=0
pass() { echo "[rodisk] PASS $1"; }
fail() { echo "[rodisk] FAIL $1 (log: $log)"; fails=$((fails + 1)); }

cp "$guest" "$tmp/disk.bin"
truncate -s 1M "$tmp/rw.img"
awk 'BEGIN { for (i = 0; i < 32768; i++) printf "keel-ro-%023d\n", i }' >"$tmp/ro.img"
before=$(md5sum <"$tmp/ro.img")
cat >"$tmp/rodisk.json" <<'EOF'
{ "vms": [ { "name": "disk", "mem_size_mib": 64, "kernel_image_path": "disk.bin",
  "devices": [
    { "type": "pl011", "base": "0x09000000", "irq": 33 },
    { "type": "virtio-blk", "base": "0x0a000000", "irq": 48, "path_on_host": "rw.img" },
    { "type": "virtio-blk", "base": "0x0a001000", "irq": 49, "path_on_host": "ro.img",
      "is_read_only": true } ] } ] }
EOF
"$CHECK_CONFIG" "$tmp/rodisk.json" >/dev/null || die "the config does not check"
"$MKBLOBS" "$tmp/rodisk.json" 1024 "$tmp/blobs" >/dev/null || die "mkblobs failed"
# make run gives QEMU the read-only disk's file read-only too (mkblobs:
# readonly=on), and Keel's block driver then refuses writes as well. Here
# QEMU may write the file: only Keel's virtio-blk device server stands
# between the guest's write and it.
grep -q ',readonly=on' "$tmp/blobs/qemu-args" || die "mkblobs gave no readonly=on drive"
sed -i 's/,readonly=on//' "$tmp/blobs/qemu-args"
: >"$log"
# shellcheck disable=SC2046 # one QEMU argument per line of qemu-args
"$QEMU" -M virt,virtualization=on,gic-version=3 -cpu max,pauth=off,sve=off,sme=off -smp 2 \
	-nic none -m 1024M -nographic -no-reboot -kernel "$bin" \
	$(grep -v '^blobs=' "$tmp/blobs/qemu-args") \
	-append "$(grep '^blobs=' "$tmp/blobs/qemu-args")" </dev/null >"$log" 2>&1 &
qemu=$!
t=0
until grep -aq '\[test\] DONE disk' "$log"; do
	t=$((t + 1))
	{ [ "$t" -gt $((LIMIT * 5)) ] || ! kill -0 "$qemu" 2>/dev/null; } && break
	sleep 0.2
done
kill "$qemu" 2>/dev/null
wait "$qemu" 2>/dev/null
qemu=
for m in disk-setup disk-ro-offer disk-rw-write disk-rw-read disk-ro-first-read disk-ro-write \
	disk-ro-read; do
	line=$(tr -d '\r' <"$log" | grep -a -m1 "\[test\] [A-Z]* $m\b" | sed 's/^\[test\] [A-Z]* //')
	if grep -aq "\[test\] PASS $m\b" "$log"; then
		pass "$line"
	else
		fail "${line:-$m: no marker}"
	fi
done
if [ "$(md5sum <"$tmp/ro.img")" = "$before" ]; then
	pass "the read-only disk's image on the host is unchanged"
else
	fail "the read-only disk's image on the host changed"
fi
want=$(awk 'BEGIN { l = "keel disk guest sector 0\n"
	for (i = 0; i < 512; i++) printf "%s", substr(l, i % length(l) + 1, 1) }' | md5sum)
if [ "$(head -c 512 "$tmp/rw.img" | md5sum)" = "$want" ]; then
	pass "the read-write disk's sector 0 on the host is what the guest wrote"
else
	fail "the read-write disk's sector 0 on the host is not what the guest wrote"
fi
[ "$fails" = 0 ] || exit 1
echo "[rodisk] all passed"
