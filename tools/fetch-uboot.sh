#!/usr/bin/env bash
# Debian's U-Boot for QEMU's arm64 virt board (package u-boot-qemu,
# /usr/lib/u-boot/qemu_arm64/u-boot.bin), the firmware guest of
# docs/firmware.md:
#
#   build/uboot/u-boot.bin
#
# The package is Architecture: all, so the host's own APT fetches it
# (`apt-get download`, nothing is installed). Cached: a second run does
# nothing while the file is there.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out="$top/build/uboot"
die() { echo "fetch-uboot: $*" >&2; exit 1; }
[ -s "$out/u-boot.bin" ] && { touch "$out/u-boot.bin"; exit 0; } # make: up to date
for tool in apt-get dpkg-deb; do
	command -v "$tool" >/dev/null || die "$tool not found"
done
rm -rf "$out/deb"
mkdir -p "$out/deb"
(cd "$out/deb" && apt-get -q -o APT::Sandbox::User=root download u-boot-qemu >/dev/null) ||
	die "apt-get download u-boot-qemu failed (is Debian's archive in the APT sources?)"
dpkg-deb -x "$out"/deb/u-boot-qemu_*.deb "$out/deb/x"
bin="$out/deb/x/usr/lib/u-boot/qemu_arm64/u-boot.bin"
[ -s "$bin" ] || die "the package has no usr/lib/u-boot/qemu_arm64/u-boot.bin"
cp "$bin" "$out/u-boot.bin.tmp"
mv "$out/u-boot.bin.tmp" "$out/u-boot.bin"
rm -rf "$out/deb"
echo "fetch-uboot: $(ls -l "$out/u-boot.bin" | awk '{ print $5 }') bytes in $out/u-boot.bin"
