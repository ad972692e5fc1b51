#!/usr/bin/env bash
# tools/mkrootfs.sh on the host: the image is a clean ext4 file system
# (e2fsck -fn) holding the guest's tree: /init byte for byte, busybox, a
# test program, and the kernel's ext4 module.
#
#   bash tests/linux/rootfs-test.sh <tree> <image>
set -u
tree=$1 img=$2
pass=0 failed=0
ok() { echo "[rootfs] PASS $1"; pass=$((pass + 1)); }
bad() { echo "[rootfs] FAIL $1: $2"; failed=$((failed + 1)); }
if out=$(e2fsck -fn "$img" 2>&1); then ok "e2fsck clean"; else bad e2fsck "$out"; fi
if cmp -s <(debugfs -R "cat /init" "$img" 2>/dev/null) "$tree/init"; then
	ok "/init is the tree's"; else bad init "differs from $tree/init"; fi
for f in /bin/busybox /bin/icount; do
	if [ "$(debugfs -R "stat $f" "$img" 2>/dev/null | sed -n 's/.*Size: \([0-9]*\).*/\1/p' | head -1)" = \
		"$(stat -c %s "$tree$f")" ]; then ok "$f"; else bad "$f" "missing or another size"; fi
done
if debugfs -R "ls -l /lib/modules" "$img" 2>/dev/null | grep -q arm64 &&
	[ -n "$(find "$tree/lib/modules" -name ext4.ko)" ]; then ok "modules (ext4 among them)"
else bad modules "no /lib/modules or no ext4.ko"; fi
echo "$pass passed, $failed failed"
[ "$failed" = 0 ]
