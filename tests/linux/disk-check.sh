#!/usr/bin/env bash
# After tests/system/linux.sh ran tests/linux/disk.json's steps and QEMU
# stopped: the read-write image is a clean ext4 file system (e2fsck -fn)
# and its /f has the checksum the guest printed (sum=<md5>).
#
#   bash tests/linux/disk-check.sh <image> <linux.sh log>
set -u
img=$1 log=$2
sum=$(tr -d '\r' <"$log" | sed -n 's/^sum=\([0-9a-f]\{32\}\).*/\1/p' | tail -1)
fails=0
if out=$(e2fsck -fn "$img" 2>&1); then echo "[disk] PASS e2fsck clean"
else echo "[disk] FAIL e2fsck: $out"; fails=1; fi
got=$(debugfs -R "cat /f" "$img" 2>/dev/null | md5sum | cut -d' ' -f1)
if [ -n "$sum" ] && [ "$got" = "$sum" ]; then echo "[disk] PASS /f on the host has the guest's checksum $sum"
else echo "[disk] FAIL /f: the guest said ${sum:-nothing}, the host reads $got"; fails=1; fi
exit $fails
