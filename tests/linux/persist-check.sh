#!/usr/bin/env bash
# After linux.sh's default run (VM 1 on its root disk, build/linux/rootfs.ext4)
# and QEMU stopped: the token the guest wrote to /persist (persist=<token>
# in the log) is in the image file on the host. (No e2fsck here: QEMU was
# stopped with the disk mounted; the disk tests check a clean unmount.)
#
#   bash tests/linux/persist-check.sh <image> <linux.sh log>
set -u
img=$1 log=$2
want=$(tr -d '\r' <"$log" | sed -n 's/^persist=\(keel-[0-9]*-[0-9]*\).*/\1/p' | tail -1)
got=$(debugfs -R "cat /persist" "$img" 2>/dev/null)
fails=0
if [ -n "$want" ] && [ "$got" = "$want" ]; then echo "[persist] PASS the host's image has /persist = $want"
else echo "[persist] FAIL the guest wrote ${want:-nothing}, the image has ${got:-nothing}"; fails=1; fi
exit $fails
