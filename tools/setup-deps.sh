#!/usr/bin/env bash
# Install what Keel needs on a Debian 12 machine, idempotently.
#  - host packages with apt-get (QEMU, cross compiler, Check, libfdt, cJSON,
#    clang; cpio and kmod to build the Linux guest's initramfs)
#  - the aarch64 target's musl and libfdt, fetched as arm64 .debs with a
#    build-local apt configuration and unpacked into build/sysroot; the
#    host's dpkg architectures are never changed.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
sysroot="$top/build/sysroot"
stamp="$sysroot/.done-v1"

host_pkgs=(qemu-system-arm ipxe-qemu gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu
	check libsubunit-dev pkg-config libfdt-dev libcjson-dev
	device-tree-compiler clang lld llvm libclang-rt-14-dev cpio kmod)
target_pkgs=(musl musl-dev libfdt-dev libfdt1 libcjson-dev libcjson1)

missing=()
for p in "${host_pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup: installing ${missing[*]}"
	sudo_cmd=""
	[ "$(id -u)" = 0 ] || sudo_cmd="sudo"
	$sudo_cmd apt-get update -q
	DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

[ -f "$stamp" ] && exit 0
echo "setup: fetching arm64 target packages into $sysroot"
apt_dir="$top/build/apt-arm64"
rm -rf "$apt_dir" "$sysroot"
mkdir -p "$apt_dir/state/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/debs" "$sysroot"
touch "$apt_dir/state/status"
cat > "$apt_dir/apt.conf" <<CONF
APT::Architecture "arm64";
APT::Architectures { "arm64"; };
Dir::State "$apt_dir/state";
Dir::State::status "$apt_dir/state/status";
Dir::Cache "$apt_dir/cache";
CONF
export APT_CONFIG="$apt_dir/apt.conf"
apt-get -q update >/dev/null
(cd "$apt_dir/debs" && apt-get -q -o APT::Sandbox::User=root download "${target_pkgs[@]}")
for deb in "$apt_dir"/debs/*.deb; do dpkg-deb -x "$deb" "$sysroot"; done
touch "$stamp"
echo "setup: done"
