#!/usr/bin/env bash
# Build the Linux guest's assets from Debian's own arm64 packages:
#
#   build/linux/Image              the kernel, uncompressed arm64 Image
#   build/linux/initramfs.cpio     busybox + applet links, /init, the guest's
#                                  own programs in /bin (icount, sigdfl),
#                                  the kernel's virtio modules (+ modules.dep)
#
#   bash tools/fetch-linux.sh <program>...   (each installed as /bin/<name>)
#
# The kernel is the package the linux-image-arm64 metapackage depends on;
# busybox is busybox-static. Both are fetched with `apt-get download`
# through the build-local arm64 APT configuration of tools/setup-deps.sh
# (build/apt-arm64), so the host's dpkg architectures are never changed.
# Cached: the .debs and the unpacked kernel are kept (stamp .kernel-v1),
# and the initramfs is rebuilt only when one of its inputs changed (stamp
# .done-v1 holds their checksums). A second run does nothing.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out="$top/build/linux"
apt_conf="$top/build/apt-arm64/apt.conf"
init_script="$top/tests/linux/init"
kernel_stamp="$out/.kernel-v1"
stamp="$out/.done-v1"
# The virtio drivers later device issues need, and ext4 for a root disk;
# modprobe's dependency list adds whatever they need (failover,
# net_failover for virtio_net; jbd2, mbcache, crc16, crc32c for ext4;
# rng-core is built in, so virtio_rng needs nothing more).
modules=(virtio_mmio virtio_blk virtio_net virtio_console virtio_rng ext4)

die() { echo "fetch-linux: $*" >&2; exit 1; }

[ $# -ge 1 ] || die "usage: $0 <program>..."
progs=("$@")
for p in "${progs[@]}"; do
	[ -f "$p" ] || die "no such file: $p (make linux-assets builds it)"
done
for tool in apt-get dpkg-deb depmod modprobe cpio; do
	command -v "$tool" >/dev/null ||
		die "$tool not found (bash tools/setup-deps.sh installs it)"
done

# The package name of the kernel the metapackage currently points at.
kernel_package() {
	apt-cache show --no-all-versions linux-image-arm64 |
		awk '$1 == "Depends:" && !pkg { match($0, /linux-image-[0-9][^ ,]*-arm64/)
			pkg = substr($0, RSTART, RLENGTH) } END { print pkg }'
}

fetch_debs() {
	local pkg
	[ -f "$apt_conf" ] || die "no $apt_conf (bash tools/setup-deps.sh makes it)"
	export APT_CONFIG="$apt_conf"
	apt-get -q update >/dev/null
	pkg=$(kernel_package)
	[ -n "$pkg" ] || die "linux-image-arm64 names no linux-image-*-arm64 package"
	rm -rf "$out/debs"
	mkdir -p "$out/debs"
	(cd "$out/debs" && apt-get -q -o APT::Sandbox::User=root download \
		"$pkg" busybox-static >/dev/null)
}

# Debian ships vmlinuz as a plain Image on arm64 today; older releases
# gzip it. Accept both, and insist on the arm64 Image magic.
make_image() {
	local vmlinuz=$1
	if [ "$(head -c2 "$vmlinuz" | od -An -tx1 | tr -d ' ')" = 1f8b ]; then
		gzip -dc "$vmlinuz" >"$out/Image"
	else
		cp "$vmlinuz" "$out/Image"
	fi
	[ "$(dd if="$out/Image" bs=1 skip=56 count=4 2>/dev/null)" = $'ARM\x64' ] ||
		die "$out/Image has no arm64 Image magic at 0x38"
}

unpack_kernel() {
	local vmlinuz
	rm -rf "$out/kernel" "$out/busybox" "$out/Image"
	dpkg-deb -x "$out"/debs/linux-image-*.deb "$out/kernel"
	dpkg-deb -x "$out"/debs/busybox-static_*.deb "$out/busybox"
	vmlinuz=$(ls "$out"/kernel/boot/vmlinuz-*)
	make_image "$vmlinuz"
	# modules.dep is made by the package's postinst, which we do not run.
	depmod -b "$out/kernel" "$(kernel_version)"
	basename "$out"/debs/linux-image-*.deb .deb >"$kernel_stamp"
}

kernel_version() {
	basename "$(ls -d "$out"/kernel/lib/modules/*)"
}

# Busybox's applet names: the arm64 binary cannot run on the host to
# --list them, so read its applet_names table ("[\0[[\0acpid\0...\0\0").
busybox_applets() {
	local bin=$1 at
	at=$(grep -m1 -aobP '\x00\[\x00\[\[\x00' "$bin" | cut -d: -f1)
	[ -n "$at" ] || die "no applet table in $bin"
	# Read a fixed window and all of it: no reader leaves a pipe early,
	# which pipefail would report as SIGPIPE.
	dd if="$bin" iflag=skip_bytes,count_bytes skip=$((at + 1)) count=16384 \
		status=none | tr '\0' '\n' | awk 'NF == 0 { end = 1 } !end { print }'
}

install_busybox() {
	local root=$1 applets a
	cp "$out/busybox/bin/busybox" "$root/bin/busybox"
	applets=$(busybox_applets "$root/bin/busybox")
	for a in sh mount setsid cttyhack modprobe poweroff grep sleep; do
		grep -qxF "$a" <<<"$applets" || die "busybox has no applet $a"
	done
	for a in $applets; do
		case $a in busybox | */*) continue ;; esac
		ln -s busybox "$root/bin/$a"
	done
}

# Copy the virtio modules and their dependencies, keeping their paths
# under /lib/modules/<version>, and index them for busybox's modprobe.
install_modules() {
	local root=$1 ver ko rel
	ver=$(kernel_version)
	for ko in $(modprobe -a -d "$out/kernel" -S "$ver" --show-depends "${modules[@]}" |
		awk '$1 == "insmod" { print $2 }' | sort -u); do
		rel=${ko#"$out"/kernel/./}
		rel=${rel#"$out"/kernel/}
		mkdir -p "$root/$(dirname "$rel")"
		cp "$ko" "$root/$rel"
	done
	cp "$out/kernel/lib/modules/$ver"/modules.{order,builtin,builtin.modinfo} "$root/lib/modules/$ver/"
	depmod -b "$root" "$ver"
}

make_initramfs() {
	local root="$out/root"
	rm -rf "$root"
	mkdir -p "$root"/{bin,dev,proc,sys,tmp,root,etc,lib/modules}
	ln -s bin "$root/sbin"
	mkdir -p "$root/usr"
	ln -s ../bin "$root/usr/bin"
	ln -s ../bin "$root/usr/sbin"
	install_busybox "$root"
	install -m 0755 "$init_script" "$root/init"
	for p in "${progs[@]}"; do
		install -m 0755 "$p" "$root/bin/$(basename "$p")"
	done
	install_modules "$root"
	# Uncompressed on purpose: the kernel unpacks it without inflating
	# (docs/linux.md has the instruction counts for both).
	(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
		cpio --quiet -o -H newc --owner=0:0 --reproducible) >"$out/initramfs.cpio"
}

inputs_sum() {
	cat "$kernel_stamp" "$0" "$init_script" "${progs[@]}" | sha256sum | cut -d' ' -f1
}

mkdir -p "$out"
if [ -f "$stamp" ] && [ -f "$kernel_stamp" ] && [ -f "$out/Image" ] &&
	[ -f "$out/initramfs.cpio" ] && [ "$(cat "$stamp")" = "$(inputs_sum)" ]; then
	touch "$stamp" # newer than its inputs again, for make
	exit 0
fi
if [ ! -f "$kernel_stamp" ] || [ ! -f "$out/Image" ]; then
	ls "$out"/debs/linux-image-*.deb "$out"/debs/busybox-static_*.deb \
		>/dev/null 2>&1 || fetch_debs
	unpack_kernel
fi
make_initramfs
inputs_sum >"$stamp"
echo "fetch-linux: $(cat "$kernel_stamp") -> build/linux/Image ($(stat -c %s "$out/Image") bytes)," \
	"build/linux/initramfs.cpio ($(stat -c %s "$out/initramfs.cpio") bytes," \
	"$(find "$out/root/lib/modules" -name '*.ko' | wc -l) modules)"
