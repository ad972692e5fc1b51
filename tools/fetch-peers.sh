#!/usr/bin/env bash
# Build the KVM peer's host initramfs for make bench-peers (issue 11 part 5):
#
#   build/peers/initramfs.cpio   busybox, tests/peers/init as /init, /bin/icount,
#                                Debian's arm64 qemu-system-aarch64 (the
#                                user-space VMM run on KVM) and every shared
#                                library it loads, and the L2 payloads in /l2:
#                                bench.bin (tests/guests/bench.c), Image and
#                                initramfs.cpio (the Linux guest's)
#
#   bash tools/fetch-peers.sh <bench.bin> <icount>
#
# The L1 kernel is the Linux guest's (build/linux, tools/fetch-linux.sh):
# Debian's arm64 kernel has KVM built in (CONFIG_KVM=y). kvmtool is not
# packaged by Debian (bookworm, trixie and sid have no kvmtool), so the
# user-space half of the peer is Debian's QEMU, run with -accel kvm.
# qemu-system-arm and the library packages of its dependency closure are
# fetched with `apt-get download` through the build-local arm64 APT
# configuration of tools/setup-deps.sh; only the libraries the binary
# really loads (its ELF NEEDED entries, transitively) go into the initramfs.
# Cached: the .debs are kept, and the initramfs is rebuilt only when an
# input changed (stamp .done-v1 holds their checksums).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out="$top/build/peers"
linux="$top/build/linux"
apt_conf="$top/build/apt-arm64/apt.conf"
init_script="$top/tests/peers/init"
stamp="$out/.done-v1"
READELF=${READELF:-aarch64-linux-gnu-readelf}

die() { echo "fetch-peers: $*" >&2; exit 1; }

[ $# -eq 2 ] || die "usage: $0 <bench.bin> <icount>"
bench_bin=$1
icount=$2
for f in "$bench_bin" "$icount" "$linux/Image" "$linux/initramfs.cpio" \
	"$linux/busybox/bin/busybox"; do
	[ -f "$f" ] || die "no such file: $f (make guests linux-assets builds it)"
done
for tool in apt-get apt-cache dpkg-deb cpio "$READELF"; do
	command -v "$tool" >/dev/null ||
		die "$tool not found (bash tools/setup-deps.sh installs it)"
done

# qemu-system-arm and the library packages it depends on, recursively;
# the rest of the closure (dpkg, debconf, passwd, QEMU's data files) is
# not needed to run the binary with -kernel.
fetch_debs() {
	local pkgs
	[ -f "$apt_conf" ] || die "no $apt_conf (bash tools/setup-deps.sh makes it)"
	export APT_CONFIG="$apt_conf"
	apt-get -q update >/dev/null
	pkgs=$(apt-cache depends --recurse --no-recommends --no-suggests \
		--no-conflicts --no-breaks --no-replaces --no-enhances --no-pre-depends \
		qemu-system-arm | grep -E '^(lib[^ ]*|zlib1g|qemu-system-arm)$' |
		grep -vE -- '-(data|common)$' | sort -u)
	grep -qx qemu-system-arm <<<"$pkgs" || die "apt knows no arm64 qemu-system-arm"
	rm -rf "$out/debs"
	mkdir -p "$out/debs"
	# shellcheck disable=SC2086 # one package name per word
	(cd "$out/debs" && apt-get -q -o APT::Sandbox::User=root download $pkgs >/dev/null)
}

unpack_debs() {
	local deb
	rm -rf "$out/stage"
	mkdir -p "$out/stage"
	for deb in "$out"/debs/*.deb; do dpkg-deb -x "$deb" "$out/stage"; done
	[ -x "$out/stage/usr/bin/qemu-system-aarch64" ] ||
		die "qemu-system-arm has no usr/bin/qemu-system-aarch64"
}

# The file a NEEDED soname resolves to in the unpacked packages.
find_lib() {
	local d
	for d in lib/aarch64-linux-gnu usr/lib/aarch64-linux-gnu lib usr/lib; do
		[ -e "$out/stage/$d/$1" ] && { echo "$d/$1"; return 0; }
	done
	return 1
}

# Copy an ELF's NEEDED libraries, transitively, to the same paths in $root
# (symlinks resolved: the initramfs holds plain files).
install_libs() {
	local root=$1 elf=$2 so rel
	for so in $("$READELF" -dW "$elf" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'); do
		rel=$(find_lib "$so") || die "no package provides $so (needed by $(basename "$elf"))"
		[ -e "$root/$rel" ] && continue
		mkdir -p "$root/$(dirname "$rel")"
		cp -L "$out/stage/$rel" "$root/$rel"
		install_libs "$root" "$root/$rel"
	done
}

install_qemu() {
	local root=$1 interp
	install -m 0755 "$out/stage/usr/bin/qemu-system-aarch64" "$root/bin/"
	install_libs "$root" "$root/bin/qemu-system-aarch64"
	# The program interpreter, at the absolute path the binary names.
	interp=$("$READELF" -lW "$root/bin/qemu-system-aarch64" |
		sed -n 's/.*Requesting program interpreter: \(.*\)\]$/\1/p')
	[ -n "$interp" ] || die "qemu-system-aarch64 names no program interpreter"
	if [ ! -e "$root/$interp" ]; then
		mkdir -p "$root/$(dirname "$interp")"
		cp -L "$out/stage/$(find_lib "$(basename "$interp")")" "$root/$interp"
	fi
}

make_initramfs() {
	local root="$out/root"
	rm -rf "$root"
	mkdir -p "$root"/{bin,dev,proc,sys,tmp,lib,l2}
	ln -s bin "$root/sbin"
	cp "$linux/busybox/bin/busybox" "$root/bin/busybox"
	# fetch-linux.sh checked the applet table; the same binary's links.
	find "$linux/root/bin" -type l -lname busybox -printf '%f\n' |
		while read -r a; do ln -s busybox "$root/bin/$a"; done
	install -m 0755 "$init_script" "$root/init"
	install -m 0755 "$icount" "$root/bin/icount"
	install_qemu "$root"
	cp "$bench_bin" "$root/l2/bench.bin"
	cp "$linux/Image" "$linux/initramfs.cpio" "$root/l2/"
	# Uncompressed, as the Linux guest's: the kernel unpacks it without
	# inflating.
	(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
		cpio --quiet -o -H newc --owner=0:0 --reproducible) >"$out/initramfs.cpio"
}

inputs_sum() {
	find "$out/debs" -name '*.deb' -printf '%f\n' | LC_ALL=C sort |
		cat - "$0" "$init_script" "$bench_bin" "$icount" "$linux/.kernel-v1" \
			"$linux/initramfs.cpio" | sha256sum | cut -d' ' -f1
}

mkdir -p "$out"
ls "$out"/debs/qemu-system-arm_*.deb >/dev/null 2>&1 || fetch_debs
if [ -f "$stamp" ] && [ -f "$out/initramfs.cpio" ] && [ "$(cat "$stamp")" = "$(inputs_sum)" ]; then
	touch "$stamp"
	exit 0
fi
unpack_debs
make_initramfs
rm -rf "$out/stage"
inputs_sum >"$stamp"
echo "fetch-peers: $(basename "$out"/debs/qemu-system-arm_*.deb .deb) ->" \
	"build/peers/initramfs.cpio ($(stat -c %s "$out/initramfs.cpio") bytes," \
	"$(find "$out/root/lib" "$out/root/usr" -type f -name "*.so*" | wc -l) libraries)"
