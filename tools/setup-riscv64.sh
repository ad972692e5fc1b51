#!/usr/bin/env bash
# What ARCH=riscv64 needs besides the common set-up (tools/setup-deps.sh,
# run first): Debian's riscv64 cross compiler and qemu-system-riscv64
# (qemu-system-misc, with OpenSBI as its default firmware), what building
# the riscv64 Linux guest's kernel needs (flex, bison, bc, the host's gcc
# and C headers: tools/fetch-linux-riscv64.sh), and the riscv64 musl and
# libfdt. Bookworm has no riscv64 binary packages of those two, so
# they are built here from Debian's source packages (musl,
# device-tree-compiler), fetched with setup-deps' private apt configuration
# (its own deb-src lines; the host's apt sources are never touched), into
# build/sysroot-riscv64:
#   usr/include/riscv64-linux-musl, usr/lib/riscv64-linux-musl   musl
#   usr/include/{libfdt,fdt,libfdt_env}.h                         libfdt headers
#   usr/lib/riscv64-linux-gnu/libfdt.a          for user programs (lp64d)
#   usr/lib/riscv64-linux-gnu/libfdt-kernel.a   for the kernel (lp64, no FP)
# Nothing is vendored; the stamp is the Makefile's SETUP_STAMP for riscv64.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
sysroot="$top/build/sysroot-riscv64"
stamp="$sysroot/.done-v1"
src="$top/build/src-riscv64"
cross=riscv64-linux-gnu-
jobs=$(nproc 2>/dev/null || echo 2)

bash "$top/tools/setup-deps.sh"

# The packages are checked on every run (a few dpkg-query calls), so that
# one added to the list is installed on a machine set up before.
host_pkgs=(gcc-riscv64-linux-gnu binutils-riscv64-linux-gnu qemu-system-misc opensbi
	flex bison bc gcc libc6-dev)
missing=()
for p in "${host_pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup: installing ${missing[*]}"
	sudo_cmd=""
	[ "$(id -u)" = 0 ] || sudo_cmd="sudo"
	DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q --no-install-recommends \
		"${missing[@]}" || {
		$sudo_cmd apt-get update -q
		DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q \
			--no-install-recommends "${missing[@]}"
	}
fi
[ -f "$stamp" ] && exit 0

# Debian's source packages, unpacked (and patched) by dpkg-source.
export APT_CONFIG="$top/build/apt-arm64/apt.conf"
fetch_source() { # package -> prints the unpacked directory
	local pkg=$1 dir
	mkdir -p "$src/$pkg"
	if ! dir=$(find "$src/$pkg" -mindepth 1 -maxdepth 1 -type d | head -n 1) || [ -z "$dir" ]; then
		(cd "$src/$pkg" && apt-get -q -o APT::Sandbox::User=root source "$pkg" >/dev/null) || {
			apt-get -q update >/dev/null
			(cd "$src/$pkg" && apt-get -q -o APT::Sandbox::User=root source "$pkg" >/dev/null)
		}
		dir=$(find "$src/$pkg" -mindepth 1 -maxdepth 1 -type d | head -n 1)
	fi
	[ -n "$dir" ] || { echo "setup: no source for $pkg" >&2; exit 1; }
	echo "$dir"
}

if [ ! -f "$sysroot/.musl-done" ]; then
echo "setup: building musl for riscv64 from Debian's source"
musl_dir=$(fetch_source musl)
rm -rf "$sysroot" && mkdir -p "$sysroot"
(cd "$musl_dir" && make distclean >/dev/null 2>&1 || true
 cd "$musl_dir" && ./configure -q --target=riscv64-linux-gnu CROSS_COMPILE=$cross \
	--prefix=/usr --includedir=/usr/include/riscv64-linux-musl \
	--libdir=/usr/lib/riscv64-linux-musl --disable-shared >/dev/null &&
 make -s -j"$jobs" >/dev/null 2>&1 && make -s DESTDIR="$sysroot" install >/dev/null)
touch "$sysroot/.musl-done"
fi

# libfdt: from device-tree-compiler's source package; where the mirror has
# no such source (Debian's mirrors may drop a source that no longer
# changes), from the same upstream files as linux-source-6.1 ships them
# (scripts/dtc/libfdt), which the riscv64 Linux guest is built from later.
libfdt_source() { # prints a directory holding libfdt/
	local dir deb
	if dir=$(fetch_source device-tree-compiler 2>/dev/null) && [ -f "$dir/libfdt/fdt.c" ]; then
		echo "$dir"
		return
	fi
	echo "setup: no device-tree-compiler source on the mirror: libfdt from linux-source-6.1" >&2
	mkdir -p "$src/linux-source"
	deb=$(find "$src/linux-source" -name 'linux-source-6.1_*.deb' | head -n 1)
	if [ -z "$deb" ]; then
		(cd "$src/linux-source" && unset APT_CONFIG &&
		 apt-get -q -o APT::Sandbox::User=root download linux-source-6.1 >/dev/null)
		deb=$(find "$src/linux-source" -name 'linux-source-6.1_*.deb' | head -n 1)
	fi
	[ -n "$deb" ] || { echo "setup: no linux-source-6.1 either" >&2; exit 1; }
	rm -rf "$src/linux-libfdt" && mkdir -p "$src/linux-libfdt"
	dpkg-deb --fsys-tarfile "$deb" | tar -xO --wildcards './usr/src/linux-source-*.tar.xz' |
		tar -xJ -C "$src/linux-libfdt" --strip-components=3 --wildcards '*/scripts/dtc/libfdt/*'
	echo "$src/linux-libfdt"
}
echo "setup: building libfdt for riscv64 from Debian's source"
dtc_dir=$(libfdt_source)
lib="$sysroot/usr/lib/riscv64-linux-gnu"
mkdir -p "$lib" "$sysroot/usr/include"
cp "$dtc_dir"/libfdt/{libfdt.h,fdt.h,libfdt_env.h} "$sysroot/usr/include/"
# The user library against riscv64 musl; the kernel's is built the same way
# but without floating point (the kernel's ABI, -mabi=lp64) and position-
# independent of where RAM is (-mcmodel=medany).
build_libfdt() { # out.a flags...
	local out=$1; shift
	local obj="$src/libfdt-obj/$(basename "$out" .a)"
	rm -rf "$obj" && mkdir -p "$obj"
	for c in "$dtc_dir"/libfdt/fdt*.c; do
		${cross}gcc -O2 -nostdinc -isystem "$sysroot/usr/include/riscv64-linux-musl" \
			-isystem "$(${cross}gcc -print-file-name=include)" -I"$dtc_dir/libfdt" \
			"$@" -c "$c" -o "$obj/$(basename "$c" .c).o"
	done
	rm -f "$out" && ${cross}ar rcs "$out" "$obj"/*.o
}
build_libfdt "$lib/libfdt.a" -fno-pie
build_libfdt "$lib/libfdt-kernel.a" -fno-pie -ffreestanding -march=rv64imac_zicsr_zifencei \
	-mabi=lp64 -mcmodel=medany -fno-stack-protector
touch "$stamp"
echo "setup: riscv64 done"
