#!/usr/bin/env bash
# Install what Keel needs on a Debian 12 machine, idempotently.
#  - host packages with apt-get (QEMU, cross compiler, Check, libfdt, cJSON,
#    clang; cpio and kmod to build the Linux guest's initramfs, e2fsprogs
#    for its ext4 disk image)
#  - the aarch64 target's musl and libfdt, fetched as arm64 .debs with a
#    build-local apt configuration and unpacked into build/sysroot; the
#    host's dpkg architectures are never changed.
#  - cJSON's Debian *source* package, fetched with the same private apt
#    configuration (plus deb-src twins of the host's Debian entries: the
#    same mirror) into build/cjson-src;
#    the Makefile compiles it for the target (build/<arch>/cjson). Nothing of
#    it is committed, and the host's apt sources are never touched.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
sysroot="$top/build/sysroot"
stamp_sysroot="$sysroot/.done-v1"  # arm64 .debs unpacked
stamp="$sysroot/.done-v4"          # and cJSON's source fetched (Makefile's SETUP_STAMP)
apt_dir="$top/build/apt-arm64"
cjson_src="$top/build/cjson-src"

host_pkgs=(qemu-system-arm ipxe-qemu gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu
	dpkg-dev check libsubunit-dev pkg-config libfdt-dev libcjson-dev
	device-tree-compiler clang lld llvm libclang-rt-14-dev cpio kmod e2fsprogs
	curl python3 # curl, python3: the uplink test (tests/system/uplink-steps.sh)
	qemu-utils) # qemu-img: the disk test's qcow2 image (tests/linux/disk.json)
target_pkgs=(musl musl-dev libfdt-dev libfdt1 libcjson-dev libcjson1)

missing=()
for p in "${host_pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup: installing ${missing[*]}"
	sudo_cmd=""
	if [ "$(id -u)" != 0 ]; then
		command -v sudo >/dev/null || {
			echo "setup: installing packages needs root: run as root, or install sudo" >&2
			exit 1
		}
		sudo_cmd="sudo"
	fi
	$sudo_cmd apt-get update -q
	DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

[ -f "$stamp" ] && exit 0

# The private apt configuration: arm64 only, its own state, cache and
# sources. The sources are the host's, as apt reads them (/etc/apt's
# sources.list and sources.list.d/*.list|*.sources, copied, so the same
# mirror for the .debs whatever the format), and a deb-src twin of each of
# their Debian entries (src_twins_list, src_twins_deb822) for the source
# packages, from that mirror too. The host's /etc/apt is only read.
host_apt=/etc/apt
write_apt_conf() {
	local codename parts="$apt_dir/sources.list.d" f
	codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
	mkdir -p "$apt_dir/state/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/debs"
	touch "$apt_dir/state/status"
	rm -rf "$parts" && mkdir -p "$parts"
	cat "$host_apt/sources.list" > "$apt_dir/sources.list" 2>/dev/null || : > "$apt_dir/sources.list"
	for f in "$host_apt"/sources.list.d/*.list "$host_apt"/sources.list.d/*.sources; do
		if [ -f "$f" ]; then cp "$f" "$parts/host-${f##*/}"; fi
	done
	write_src_twins "$codename"
	cat > "$apt_dir/apt.conf" <<CONF
APT::Architecture "arm64";
APT::Architectures { "arm64"; };
Dir::State "$apt_dir/state";
Dir::State::status "$apt_dir/state/status";
Dir::Cache "$apt_dir/cache";
Dir::Etc::sourcelist "$apt_dir/sources.list";
Dir::Etc::sourceparts "$parts";
CONF
	export APT_CONFIG="$apt_dir/apt.conf"
	apt-get -q update >/dev/null
}

# keel-src.list and keel-src.sources: the deb-src twins of the host's deb
# entries for the release, -updates and -security (third-party archives
# are left out: they may have no sources), their options kept, signed-by
# included (apt refuses one archive under two keys). deb.debian.org if the
# host names no Debian archive.
write_src_twins() {
	local codename=$1 parts="$apt_dir/sources.list.d" key lists sources
	local suite="^$codename(-updates|-security)?\$"
	shopt -s nullglob
	lists=("$parts"/host-*.list)
	sources=("$parts"/host-*.sources)
	shopt -u nullglob
	src_twins_list "$suite" "$apt_dir/sources.list" "${lists[@]}" > "$parts/keel-src.list"
	src_twins_deb822 "$suite" "${sources[@]}" > "$parts/keel-src.sources"
	if [ -s "$parts/keel-src.list" ] || [ -s "$parts/keel-src.sources" ]; then
		return
	fi
	echo "setup: the host's apt sources name no Debian $codename archive: source packages from deb.debian.org" >&2
	key=/usr/share/keyrings/debian-archive-keyring.gpg
	cat > "$parts/keel-src.list" <<SRC
deb-src [signed-by=$key] http://deb.debian.org/debian $codename main
deb-src [signed-by=$key] http://deb.debian.org/debian $codename-updates main
deb-src [signed-by=$key] http://deb.debian.org/debian-security $codename-security main
SRC
}

# One-line entries: "deb [options] URI SUITE COMPONENT..." becomes the same
# line with deb-src, unless the host already has that deb-src.
src_twins_list() { # suite-regex file... -> lines
	local re=$1
	shift
	awk -v re="$re" '
	{ sub(/#.*/, "") }
	$1 != "deb" && $1 != "deb-src" { next }
	{
		type = $1; line = $0
		sub(/^[ \t]*deb(-src)?[ \t]+/, "", line)
		opts = ""
		if (line ~ /^\[/) { opts = substr(line, 1, index(line, "]")) " "; line = substr(line, index(line, "]") + 1) }
		n = split(line, w, /[ \t]+/); i = w[1] == "" ? 2 : 1
		if (n < i + 2 || w[i + 1] !~ re) next
		key = w[i] " " w[i + 1]
		if (type == "deb-src") { have[key] = 1; next }
		twin["deb-src " opts line] = key
	}
	END { for (t in twin) if (!(twin[t] in have)) print t }' /dev/null "$@" | sort
}

# deb822 stanzas (Types: deb) become the same stanza with Types: deb-src and
# only the Debian suites, unless the stanza already has deb-src.
src_twins_deb822() { # suite-regex file... -> stanzas
	local re=$1
	shift
	awk -v re="$re" 'BEGIN { RS = ""; FS = "\n" }
	{
		deb = 0; suites = ""; rest = ""
		for (i = 1; i <= NF; i++) {
			f = tolower($i)
			if (f ~ /^#/) continue
			if (f ~ /^types:/) { deb = f ~ /[: \t]deb([ \t]|$)/ && f !~ /deb-src/; continue }
			if (f ~ /^suites:/) {
				n = split(substr($i, 8), s, /[ \t]+/)
				for (j = 1; j <= n; j++) if (s[j] ~ re) suites = suites " " s[j]
				continue
			}
			rest = rest $i "\n"
		}
		if (deb && suites != "") printf "Types: deb-src\nSuites:%s\n%s\n", suites, rest
	}' /dev/null "$@"
}

fetch_sysroot() {
	echo "setup: fetching arm64 target packages into $sysroot"
	rm -rf "$sysroot" "$apt_dir/debs"
	mkdir -p "$apt_dir/debs" "$sysroot"
	(cd "$apt_dir/debs" && apt-get -q -o APT::Sandbox::User=root download "${target_pkgs[@]}")
	for deb in "$apt_dir"/debs/*.deb; do dpkg-deb -x "$deb" "$sysroot"; done
	touch "$stamp_sysroot"
}

# cJSON for the target comes from its Debian source package, unpacked by
# dpkg-source (dpkg-dev); build/cjson-src/cJSON.[ch] is what the Makefile
# compiles.
fetch_cjson_source() {
	local dir
	echo "setup: fetching cJSON's Debian source into $cjson_src"
	rm -rf "$cjson_src" "$apt_dir/src"
	mkdir -p "$apt_dir/src"
	(cd "$apt_dir/src" && apt-get -q -o APT::Sandbox::User=root source cjson >/dev/null)
	dir=$(find "$apt_dir/src" -mindepth 1 -maxdepth 1 -type d -name 'cjson-*' | head -n 1)
	if [ -z "$dir" ] || [ ! -f "$dir/cJSON.c" ] || [ ! -f "$dir/cJSON.h" ]; then
		echo "setup: the cjson source package has no cJSON.c/cJSON.h" >&2
		exit 1
	fi
	mkdir -p "$cjson_src"
	cp "$dir/cJSON.c" "$dir/cJSON.h" "$dir/LICENSE" "$cjson_src/"
	sed -n 's/^Version: //p' "$apt_dir"/src/cjson_*.dsc > "$cjson_src/VERSION"
}

write_apt_conf
[ -f "$stamp_sysroot" ] || fetch_sysroot
fetch_cjson_source
touch "$stamp"
echo "setup: done"
