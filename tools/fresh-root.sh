#!/usr/bin/env bash
# fresh-root.sh [COMMAND]: run COMMAND (default "make test") in a clean clone
# of this repository's HEAD inside a brand-new Debian 12 root that holds only
# make, git and ca-certificates, as a newcomer's machine does. A missing
# install step fails here even where it passes on a machine that already has
# the package. Uncommitted changes are not included: it checks what would
# land. .ci/run calls it.
#
#   bash tools/fresh-root.sh                # make test
#   bash tools/fresh-root.sh 'make run'     # any command line
#
# Needs root (chroot, bind mounts) and network to Debian's archive. The base
# root is made once with mmdebstrap (installed with apt-get if missing) and
# kept as a tarball in FRESH_ROOT_CACHE (default /var/cache/keel-fresh-root);
# the root itself is made anew from it on every call and removed afterwards.
# Nothing is left behind except that tarball.
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "fresh-root: needs root (chroot and bind mounts)" >&2; exit 2; }
top=$(cd "$(dirname "$0")/.." && git rev-parse --show-toplevel)
rev=$(git -C "$top" rev-parse HEAD)
cmd=${*:-make test}
cache=${FRESH_ROOT_CACHE:-/var/cache/keel-fresh-root}
base=$cache/bookworm-minbase.tar

fresh_base() {
	if ! command -v mmdebstrap >/dev/null; then
		echo "fresh-root: installing mmdebstrap"
		apt-get update -q >/dev/null
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q mmdebstrap >/dev/null
	fi
	mkdir -p "$cache"
	echo "fresh-root: making the base Debian 12 root (once per machine)"
	mmdebstrap --quiet --format=tar --variant=minbase \
		--include=make,git,ca-certificates bookworm "$base.part" </dev/null
	mv "$base.part" "$base"
}

root=$(mktemp -d /tmp/keel-fresh-root.XXXXXX)
mounted=()
cleanup() {
	local i
	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
		umount -l "${mounted[$i]}" 2>/dev/null || true
	done
	rm -rf --one-file-system "$root"
}
trap cleanup EXIT

[ -s "$base" ] || fresh_base
tar -xf "$base" -C "$root"
# This machine's package sources (its mirror), so the root reaches the same
# archive; a stock Debian 12 keeps them in debian.sources as well.
if ls /etc/apt/sources.list.d/*.sources >/dev/null 2>&1; then
	rm -f "$root/etc/apt/sources.list" "$root"/etc/apt/sources.list.d/*
	cp /etc/apt/sources.list.d/*.sources "$root/etc/apt/sources.list.d/"
fi
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
git clone -q "$top" "$root/root/src"
git -C "$root/root/src" checkout -q "$rev"
for d in proc sys dev dev/pts; do
	mount --bind "/$d" "$root/$d"
	mounted+=("$root/$d")
done

echo "fresh-root: running '$cmd' in a clean clone of ${rev:0:12} on a fresh Debian 12 root"
start=$(date +%s)
set +e
chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb CI="${CI:-}" \
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	bash -c "cd /root/src && $cmd"
rc=$?
set -e
echo "fresh-root: '$cmd' exited $rc after $(($(date +%s) - start)) s"
exit $rc
