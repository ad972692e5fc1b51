#!/usr/bin/env bash
# Build the riscv64 Linux guest's assets from Debian's source packages
# (bookworm has no riscv64 binaries to fetch, as tools/fetch-linux.sh does
# for arm64):
#
#   build/linux-riscv64/Image            arch/riscv/boot/Image of Debian's
#                                        linux-source-6.1, unpatched, with
#                                        tinyconfig + tools/linux-riscv64.config
#   build/linux-riscv64/initramfs.cpio   static busybox (Debian's source,
#                                        riscv64 musl, tools/busybox-riscv64.config)
#                                        + applet links, /init, the programs given
#
#   bash tools/fetch-linux-riscv64.sh <program>...   (each installed as /bin/<name>)
#
# The sources are fetched with apt-get: linux-source-6.1 (the .deb holding
# the source tarball; tools/setup-riscv64.sh may have fetched it already for
# libfdt) and `apt-get source busybox` through setup-deps' build-local apt
# configuration (build/apt-arm64, its own deb-src lines), both under
# build/src-riscv64. The compilers, flex, bison and bc come from
# tools/setup-riscv64.sh, the riscv64 musl from build/sysroot-riscv64.
#
# Cached: the stamp (.done-v1) holds the checksums of every input (this
# script, both config fragments, /init, the programs, the two source
# package versions, the cross compiler's version); a second run with the
# same inputs does nothing. Otherwise the kernel is configured again and
# rebuilt incrementally in its own object tree (build/linux-riscv64/kbuild),
# busybox is rebuilt when its own inputs changed, the initramfs always.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out="$top/build/linux-riscv64"
src="$top/build/src-riscv64"
musl="$top/build/sysroot-riscv64/usr"
apt_conf="$top/build/apt-arm64/apt.conf"
kfrag="$top/tools/linux-riscv64.config"
bbfrag="$top/tools/busybox-riscv64.config"
init_script="$top/tests/linux/init"
stamp="$out/.done-v1"
cross=riscv64-linux-gnu-
jobs=$(nproc 2>/dev/null || echo 2)
kmake=(make -C "$src/linux" O="$out/kbuild" ARCH=riscv CROSS_COMPILE="$cross")
# Run from Keel's make (ARCH=riscv64 on its command line): none of its
# variables may reach the kernel's or busybox's make.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES

die() { echo "fetch-linux-riscv64: $*" >&2; exit 1; }

[ $# -ge 1 ] || die "usage: $0 <program>..."
progs=("$@")
for p in "${progs[@]}"; do
	[ -f "$p" ] || die "no such file: $p (make ARCH=riscv64 linux-assets builds it)"
done
for tool in apt-get dpkg-deb ${cross}gcc gcc make flex bison bc cpio xz; do
	command -v "$tool" >/dev/null ||
		die "$tool not found (bash tools/setup-riscv64.sh installs it)"
done
[ -f "$musl/lib/riscv64-linux-musl/libc.a" ] ||
	die "no riscv64 musl in build/sysroot-riscv64 (bash tools/setup-riscv64.sh builds it)"

# linux-source-6.1 is an arch-all binary package: the host's own apt finds
# it (the build-local configuration is arm64-only, and the .deb is the same).
linux_deb() {
	local deb
	mkdir -p "$src/linux-source"
	deb=$(find "$src/linux-source" -name 'linux-source-6.1_*.deb' | sort | tail -n 1)
	if [ -z "$deb" ]; then
		echo "fetch-linux-riscv64: downloading linux-source-6.1" >&2
		(cd "$src/linux-source" && unset APT_CONFIG && apt-get -q -o APT::Sandbox::User=root \
			download linux-source-6.1 >/dev/null) || die "apt-get download linux-source-6.1 failed"
		deb=$(find "$src/linux-source" -name 'linux-source-6.1_*.deb' | sort | tail -n 1)
	fi
	[ -n "$deb" ] || die "no linux-source-6.1 .deb in $src/linux-source"
	echo "$deb"
}

# busybox's Debian source, unpacked (and patched) by dpkg-source.
busybox_dsc() {
	local dsc
	mkdir -p "$src/busybox"
	dsc=$(find "$src/busybox" -maxdepth 1 -name 'busybox_*.dsc' | sort | tail -n 1)
	if [ -z "$dsc" ]; then
		[ -f "$apt_conf" ] || die "no $apt_conf (bash tools/setup-deps.sh makes it)"
		echo "fetch-linux-riscv64: fetching busybox's source" >&2
		(cd "$src/busybox" && APT_CONFIG="$apt_conf" apt-get -q -o APT::Sandbox::User=root \
			source busybox >/dev/null) || die "apt-get source busybox failed"
		dsc=$(find "$src/busybox" -maxdepth 1 -name 'busybox_*.dsc' | sort | tail -n 1)
	fi
	[ -n "$dsc" ] || die "no busybox source package in $src/busybox"
	echo "$dsc"
}

inputs_sum() {
	{ cat "$0" "$kfrag" "$bbfrag" "$init_script" "${progs[@]}"
	  basename "$deb"; basename "$dsc"; ${cross}gcc --version | head -n 1
	} | sha256sum | cut -d' ' -f1
}

# The source tree, extracted from the .deb's tarball once per package
# version; a new version starts a new object tree too.
unpack_linux() {
	local name
	name=$(basename "$deb")
	[ -f "$src/linux/.deb" ] && [ "$(cat "$src/linux/.deb")" = "$name" ] && return
	echo "fetch-linux-riscv64: unpacking $name"
	rm -rf "$src/linux" "$out/kbuild"
	mkdir -p "$src/linux"
	dpkg-deb --fsys-tarfile "$deb" | tar -xO --wildcards './usr/src/linux-source-*.tar.xz' |
		xz -dc | tar -x -C "$src/linux" --strip-components=1
	[ -f "$src/linux/arch/riscv/Kconfig" ] || die "$name holds no Linux source tree"
	echo "$name" >"$src/linux/.deb"
}

# Every line of a fragment must have survived olddefconfig (a symbol whose
# dependencies are off drops out silently): CONFIG_X=v as it is, and
# "# CONFIG_X is not set" as not set.
check_config() { # fragment config
	local frag=$1 config=$2 line sym bad=()
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*) grep -qxF "$line" "$config" || bad+=("$line") ;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }
			sym=${sym%% *}
			! grep -q "^$sym=" "$config" || bad+=("$line") ;;
		esac
	done <"$frag"
	[ ${#bad[@]} -eq 0 ] || die "$(basename "$frag"): not in the resulting $config: ${bad[*]}"
}

build_kernel() {
	local log="$out/kbuild.log"
	mkdir -p "$out/kbuild"
	echo "fetch-linux-riscv64: building Linux ($(basename "$deb" .deb), log: $log)"
	{ "${kmake[@]}" tinyconfig &&
	  "$src/linux/scripts/kconfig/merge_config.sh" -m -O "$out/kbuild" \
		"$out/kbuild/.config" "$kfrag" &&
	  "${kmake[@]}" olddefconfig; } >"$log" 2>&1 || die "configuring Linux failed (see $log)"
	check_config "$kfrag" "$out/kbuild/.config"
	"${kmake[@]}" -j"$jobs" Image headers >>"$log" 2>&1 ||
		die "building Linux failed: $(grep -m1 -E 'error|Error' "$log")  (see $log)"
	cp "$out/kbuild/arch/riscv/boot/Image" "$out/Image"
	# The riscv64 Image header: magic2 "RSC\x05" at 0x38.
	[ "$(dd if="$out/Image" bs=1 skip=56 count=4 2>/dev/null)" = $'RSC\x05' ] ||
		die "$out/Image has no riscv64 Image magic at 0x38"
}

# What busybox compiles against: musl's headers and libraries and the
# kernel's UAPI headers (from the tree just built), in one --sysroot. The
# cross compiler looks in its own glibc directories for libraries too, so
# -B puts musl's crt*.o and libc.a first.
make_sysroot() {
	local s="$out/sysroot"
	rm -rf "$s"
	mkdir -p "$s/usr/include" "$s/usr/lib"
	cp -r "$musl/include/riscv64-linux-musl/." "$s/usr/include/"
	cp -r "$out/kbuild/usr/include/." "$s/usr/include/"
	find "$s/usr/include" -name '.*' -type f -delete
	cp "$musl/lib/riscv64-linux-musl/"* "$s/usr/lib/"
}

busybox_sum() {
	{ cat "$0" "$bbfrag"; basename "$dsc"; basename "$deb"; ${cross}gcc --version | head -n 1
	  cat "$musl/lib/riscv64-linux-musl/libc.a"; } | sha256sum | cut -d' ' -f1
}

# allnoconfig, then the fragment and the build settings; `oldconfig`
# takes the defaults of the options they reveal.
build_busybox() {
	local dir b="$out/busybox-build" s="$out/sysroot" log="$out/busybox.log" sets
	if [ -f "$out/.busybox" ] && [ -x "$b/busybox" ] && [ "$(cat "$out/.busybox")" = "$(busybox_sum)" ]; then
		return
	fi
	dir=$(find "$src/busybox" -mindepth 1 -maxdepth 1 -type d -name 'busybox-*' | head -n 1)
	if [ -z "$dir" ] || [ ! -f "$dir/Makefile" ]; then
		die "no unpacked busybox source in $src/busybox"
	fi
	echo "fetch-linux-riscv64: building busybox ($(basename "$dsc" .dsc), log: $log)"
	make_sysroot
	rm -rf "$b" && mkdir -p "$b"
	{ grep '^CONFIG_' "$bbfrag"
	  echo 'CONFIG_STATIC=y'
	  echo "CONFIG_CROSS_COMPILER_PREFIX=\"$cross\""
	  echo "CONFIG_SYSROOT=\"$s\""
	  echo "CONFIG_EXTRA_CFLAGS=\"-B$s/usr/lib/\""
	} >"$b/fragment"
	make -C "$dir" O="$b" allnoconfig >"$log" 2>&1 || die "busybox allnoconfig failed (see $log)"
	sets=$(sed -E 's/=.*//' "$b/fragment" | paste -sd'|')
	sed -i -E "/^(# )?($sets)[= ]/d" "$b/.config"
	cat "$b/fragment" >>"$b/.config"
	# (yes ends on SIGPIPE: only make's status counts.)
	(set +o pipefail; yes "" | make -C "$dir" O="$b" oldconfig >>"$log" 2>&1) ||
		die "busybox oldconfig failed (see $log)"
	check_config "$b/fragment" "$b/.config"
	make -C "$dir" O="$b" -j"$jobs" busybox busybox.links >>"$log" 2>&1 ||
		die "building busybox failed: $(grep -m1 -E 'error' "$log")  (see $log)"
	# Static, and against musl: the link map names the libc it took.
	grep -q "$s/usr/lib/libc.a" "$b/busybox_unstripped.map" ||
		die "busybox was not linked against riscv64 musl (see $b/busybox_unstripped.map)"
	busybox_sum >"$out/.busybox"
}

install_busybox() {
	local root=$1 a
	cp "$out/busybox-build/busybox" "$root/bin/busybox"
	for a in sh mount setsid cttyhack poweroff grep sleep switch_root hostname tr sed cat; do
		grep -q "/$a\$" "$out/busybox-build/busybox.links" || die "busybox has no applet $a"
	done
	while IFS= read -r a; do
		ln -s busybox "$root/bin/$(basename "$a")"
	done <"$out/busybox-build/busybox.links"
}

# The same tree as the arm64 guest's (tools/fetch-linux.sh), without
# /lib/modules: every driver is built in, which /init takes as "nothing
# to modprobe".
make_initramfs() {
	local root="$out/root" p
	rm -rf "$root"
	mkdir -p "$root"/{bin,dev,proc,sys,tmp,root,etc,usr}
	ln -s bin "$root/sbin"
	ln -s ../bin "$root/usr/bin"
	ln -s ../bin "$root/usr/sbin"
	install_busybox "$root"
	install -m 0755 "$init_script" "$root/init"
	for p in "${progs[@]}"; do
		install -m 0755 "$p" "$root/bin/$(basename "$p")"
	done
	(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
		cpio --quiet -o -H newc --owner=0:0 --reproducible) >"$out/initramfs.cpio"
}

mkdir -p "$out"
deb=$(linux_deb)
dsc=$(busybox_dsc)
if [ -f "$stamp" ] && [ -f "$out/Image" ] && [ -f "$out/initramfs.cpio" ] &&
	[ "$(cat "$stamp")" = "$(inputs_sum)" ]; then
	touch "$stamp" # newer than its inputs again, for make
	exit 0
fi
rm -f "$stamp"
unpack_linux
build_kernel
build_busybox
make_initramfs
inputs_sum >"$stamp"
echo "fetch-linux-riscv64: build/linux-riscv64/Image ($(stat -c %s "$out/Image") bytes)," \
	"build/linux-riscv64/initramfs.cpio ($(stat -c %s "$out/initramfs.cpio") bytes," \
	"$(wc -l <"$out/busybox-build/busybox.links") applets)"
