#!/usr/bin/env bash
# After linux.sh's default run (VM 1 on its root disk, build/linux/rootfs.ext4
# or build/linux-riscv64/rootfs.ext4) and QEMU stopped: the token the guest
# wrote to /persist and synced (persist=<token> in the log) is in the image
# file on the host. QEMU was stopped with the disk mounted, so what the
# sync made durable may still be only in ext4's journal (a new file's
# directory entry and inode are, until the kernel writes them back, which
# a short run may not wait for): the check reads a copy with the journal
# replayed, as the next mount would (e2fsck -E journal_only; the disk
# tests check a clean unmount).
#
#   bash tests/linux/persist-check.sh <image> <linux.sh log>
set -u
img=$1 log=$2
want=$(tr -d '\r' <"$log" | sed -n 's/^persist=\(keel-[0-9]*-[0-9]*\).*/\1/p' | tail -1)
copy=$(mktemp "${TMPDIR:-/tmp}/keel-persist.XXXXXX")
trap 'rm -f "$copy"' EXIT
cp --sparse=always "$img" "$copy"
e2fsck -E journal_only -y "$copy" >/dev/null 2>&1
rc=$?
got=
# 0: nothing to do, 1: the journal was replayed; more is an error
[ "$rc" -le 1 ] && got=$(debugfs -R "cat /persist" "$copy" 2>/dev/null)
if [ -n "$want" ] && [ "$got" = "$want" ]; then echo "[persist] PASS the host's image has /persist = $want"
elif [ "$rc" -gt 1 ]; then echo "[persist] FAIL e2fsck could not replay the image's journal (exit $rc)"; exit 1
else echo "[persist] FAIL the guest wrote ${want:-nothing}, the image has ${got:-nothing}"; exit 1; fi
