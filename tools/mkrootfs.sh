#!/usr/bin/env bash
# mkrootfs: an ext4 disk image of the Linux guest's tree (busybox, /init,
# the test programs, the kernel modules: build/linux/root, made by
# tools/fetch-linux.sh), without root privileges (mke2fs -d copies a
# directory into the new file system; every file is owned by root in it).
#
#   bash tools/mkrootfs.sh <tree> <image> [MiB]     (default 64 MiB)
#
# The image is a raw file; QEMU takes it as a virtio-blk disk (mkblobs,
# from a config's path_on_host). An existing image is replaced.
set -euo pipefail
die() { echo "mkrootfs: $*" >&2; exit 1; }
[ $# -ge 2 ] || die "usage: $0 <tree> <image> [MiB]"
tree=$1 img=$2 mib=${3:-64}
[ -d "$tree" ] || die "no such directory: $tree (make linux-assets makes it)"
command -v mke2fs >/dev/null || die "mke2fs not found (apt-get install e2fsprogs)"
tmp="$img.tmp"
rm -f "$tmp"
truncate -s "${mib}M" "$tmp"
# -E root_owner: / belongs to root; -F: a file, not a block device. The
# fixed UUID and hash seed make the same tree give the same image.
mke2fs -q -F -t ext4 -L keel-root -U 4b45454c-0000-4000-8000-726f6f746673 \
	-E root_owner=0:0,hash_seed=4b45454c-0000-4000-8000-000000000000 \
	-d "$tree" "$tmp"
mv "$tmp" "$img"
echo "mkrootfs: $img ($mib MiB ext4, from $tree)"
