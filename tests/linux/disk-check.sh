#!/usr/bin/env bash
# After tests/system/linux.sh ran tests/linux/disk.json's steps and QEMU
# stopped, on the host: the read-write image is a clean ext4 file system
# (e2fsck -fn), /f has the checksum the guest printed (sum=<md5>, the
# diskio step) and every file /sums lists has its checksum (diskload).
#
#   bash tests/linux/disk-check.sh <image> <linux.sh log>
set -u
img=$1 log=$2
fails=0 checked=0
if out=$(e2fsck -fn "$img" 2>&1); then echo "[disk] PASS e2fsck clean"
else echo "[disk] FAIL e2fsck: $out"; fails=1; fi
sum=$(tr -d '\r' <"$log" | sed -n 's/^sum=\([0-9a-f]\{32\}\).*/\1/p' | tail -1)
if [ -n "$sum" ]; then
	got=$(debugfs -R "cat /f" "$img" 2>/dev/null | md5sum | cut -d' ' -f1)
	checked=1
	if [ "$got" = "$sum" ]; then echo "[disk] PASS /f on the host has the guest's checksum $sum"
	else echo "[disk] FAIL /f: the guest said $sum, the host reads $got"; fails=1; fi
fi
if debugfs -R "cat /sums" "$img" 2>/dev/null | grep -q .; then
	n=0 bad=0
	while read -r want path; do
		n=$((n + 1))
		[ "$(debugfs -R "cat ${path#/mnt}" "$img" 2>/dev/null | md5sum | cut -d' ' -f1)" = "$want" ] ||
			bad=$((bad + 1))
	done < <(debugfs -R "cat /sums" "$img" 2>/dev/null)
	checked=1
	if [ "$bad" = 0 ]; then echo "[disk] PASS the $n files /sums lists have their checksums on the host"
	else echo "[disk] FAIL $bad of the $n files /sums lists differ on the host"; fails=1; fi
fi
[ "$checked" = 1 ] || { echo "[disk] FAIL the log names no checksum to check"; fails=1; }
exit $fails
