#!/usr/bin/env bash
# Boot blobs (kernel/boot.c, keel/abi.h "Boot blobs"): a good manifest
# gives root its file as a boot module; each broken one is ignored with
# the kernel's reason, and Keel boots as if there were none (test=boot
# still passes). Manifests are written here byte by byte.
#
#   bash tests/system/blobs.sh build/aarch64/keel-test.bin (its scenario test=boot is the test root's)
#   ARCH=riscv64 bash tests/system/blobs.sh build/riscv64/keel-test.bin
set -u

# shellcheck source=board.sh
. "$(dirname "$0")/board.sh"
QEMU=${QEMU:-$KEEL_QEMU}
[ $# -eq 1 ] || { echo "usage: $0 <keel.bin>" >&2; exit 2; }
bin=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/keel-blobs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
# The addresses, on 1 GiB of RAM. BLOB is the top 2 MiB that is free (the
# good blob's), MANIFEST the page under it, DTB where QEMU puts its device
# tree, NEAR a 2 MiB boundary less than 16 MiB above the kernel (at RAM +
# 0x200000 on both: arch/<arch>/kernel.ld; kernel/boot.c BOOT_ROOM).
case $ARCH in
aarch64) # RAM 0x40000000..0x80000000; the tree at RAM + 128 MiB (hw/arm/boot.c)
	BLOB=0x7fe00000 DTB=0x48000000 NEAR=0x40a00000 ;;
riscv64) # RAM 0x80000000..0xc0000000; the tree in the top 2 MiB
	# (config/cfg_arch.c cfg_arch_dtb), so the blob goes under it, as
	# mkblobs puts blobs (cfg_blob_below)
	BLOB=0xbfc00000 DTB=0xbfe00000 NEAR=0x80a00000 ;;
esac
MANIFEST=$(printf 0x%x $((BLOB - 0x1000)))

# Little-endian n-byte integer v.
le() {
	local v=$1 n=$2 i
	for ((i = 0; i < n; i++)); do
		printf "\\x$(printf %02x $(((v >> (8 * i)) & 255)))"
	done
}

# manifest <file> <magic> <name> <paddr> <size>: one blob.
manifest() {
	{
		le "$2" 8
		le 1 4
		le 0 4
		printf '%s' "$3"
		head -c $((32 - ${#3})) /dev/zero
		le "$4" 8
		le "$5" 8
	} >"$1"
}

# check <name> <want in log> <manifest file> [blob file addr]
check() {
	local name=$1 want=$2 man=$3 log=$tmp/$1.log
	local -a extra=(-device "loader,file=$man,addr=$MANIFEST,force-raw=on")
	[ $# -ge 5 ] && extra+=(-device "loader,file=$4,addr=$5,force-raw=on")
	timeout 30 "$QEMU" "${KEEL_MACHINE[@]}" -smp 2 -m 1G -nographic -no-reboot -nic none \
		-kernel "$bin" -append "test=boot blobs=$MANIFEST" "${extra[@]}" \
		</dev/null >"$log" 2>&1 &
	local pid=$! t=0
	while kill -0 "$pid" 2>/dev/null && [ $t -lt 150 ]; do
		grep -aq '\[test\] DONE\|keel: PANIC' "$log" && break
		sleep 0.2
		t=$((t + 1))
	done
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	if grep -aqF -- "$want" "$log" && grep -aq '\[test\] PASS smp' "$log" &&
		! grep -aq 'keel: PANIC' "$log"; then
		echo "[blobs] PASS $name"
		passed=$((passed + 1))
	else
		echo "[blobs] FAIL $name: no \"$want\", or boot failed (log kept: $outdir/blobs-$name.log)"
		cp "$log" "$outdir/blobs-$name.log"
		failed=$((failed + 1))
	fi
}

outdir=$(dirname "$bin")/system
mkdir -p "$outdir"
MAGIC=0x424f4c424c45454b
echo "hello from a blob" >"$tmp/hello.txt"
size=$(stat -c %s "$tmp/hello.txt")

manifest "$tmp/good" $MAGIC hello.txt "$BLOB" "$size"
check good "keel: boot blob hello.txt: $size bytes at $BLOB" "$tmp/good" \
	"$tmp/hello.txt" "$BLOB"
manifest "$tmp/magic" 0x1234 hello.txt "$BLOB" "$size"
check bad-magic "ignored: bad magic or blob count" "$tmp/magic"
manifest "$tmp/dtb" $MAGIC hello.txt "$DTB" "$size" # QEMU's device tree is here
check over-dtb "ignored: a blob overlaps another, the manifest" "$tmp/dtb"
manifest "$tmp/low" $MAGIC hello.txt "$NEAR" "$size"
check near-kernel "ignored: a blob is unnamed, empty, unaligned, outside RAM" "$tmp/low"
manifest "$tmp/out" $MAGIC hello.txt $((BLOB + 0x100000)) "$size"
check unaligned "ignored: a blob is unnamed" "$tmp/out"
manifest "$tmp/big" $MAGIC hello.txt "$BLOB" 0x40000000
check past-ram "ignored: a blob is unnamed" "$tmp/big"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
