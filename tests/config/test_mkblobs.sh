#!/usr/bin/env bash
# mkblobs (tools/mkblobs.c) on the host: the exact manifest and QEMU
# arguments for a fixture, and the errors it must refuse with.
#
#   bash tests/config/test_mkblobs.sh build/host/config/mkblobs
#
# Prints one line per check, then "N passed, N failed"; exits non-zero on
# any failure.
set -u
mkblobs=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 failed=0

ok() { echo "[mkblobs] PASS $1"; pass=$((pass + 1)); }
bad() { echo "[mkblobs] FAIL $1: $2"; failed=$((failed + 1)); }

hex() { od -An -tx1 -v "$1" | tr -d ' \n'; }
le() { # value bytes -> little-endian hex
	local v=$1 n=$2 out="" i
	for ((i = 0; i < n; i++)); do out+=$(printf '%02x' $(((v >> (8 * i)) & 255))); done
	echo "$out"
}
name32() { # string -> its bytes padded with NULs to 32
	local s=$1 out
	out=$(printf '%s' "$s" | od -An -tx1 -v | tr -d ' \n')
	while [ ${#out} -lt 64 ]; do out+=00; done
	echo "$out"
}
entry() { echo "$(name32 "$1")$(le "$2" 8)$(le "$3" 8)"; }

# 1. default.json with 2048 MiB: RAM ends at 0xc0000000; three blobs of
#    under 2 MiB each, top-down; the manifest 4 KiB aligned below them.
g=$top/tests/config/good f=$top/tests/config/files
(cd "$g" && "$mkblobs" default.json 2048 "$tmp/out" >/dev/null) || bad default "exit $?"
want=$(le $((0x424f4c424c45454b)) 8)$(le 3 4)$(le 0 4)
want+=$(entry default.json $((0xbfe00000)) "$(stat -c %s "$g/default.json")")
want+=$(entry Image $((0xbfc00000)) "$(stat -c %s "$f/Image")")
want+=$(entry initrd.cpio.gz $((0xbfa00000)) "$(stat -c %s "$f/initrd.cpio.gz")")
if [ "$(hex "$tmp/out/manifest.bin")" = "$want" ]; then ok manifest; else
	bad manifest "$(hex "$tmp/out/manifest.bin") != $want"; fi
cat > "$tmp/want-args" <<ARGS
-device
loader,file=$g/default.json,addr=0xbfe00000,force-raw=on
-device
loader,file=$f/Image,addr=0xbfc00000,force-raw=on
-device
loader,file=$f/initrd.cpio.gz,addr=0xbfa00000,force-raw=on
-device
loader,file=$tmp/out/manifest.bin,addr=0xbf9ff000,force-raw=on
blobs=0xbf9ff000 ram-zeroed
ARGS
if diff -u "$tmp/want-args" "$tmp/out/qemu-args"; then ok qemu-args; else bad qemu-args differ; fi

# 2. Under the config (2 MiB at the top), a blob of 3 MiB takes 4 MiB; a
#    path named twice is one blob.
mkdir -p "$tmp/c"
head -c $((3 << 20)) /dev/zero > "$tmp/c/big.img"
head -c 100 /dev/zero > "$tmp/c/rd"
cat > "$tmp/c/two.json" <<JSON
{ "vms": [
  { "name": "a", "mem_size_mib": 64, "kernel_image_path": "big.img", "initrd_path": "rd" },
  { "name": "b", "mem_size_mib": 64, "kernel_image_path": "big.img" } ] }
JSON
"$mkblobs" "$tmp/c/two.json" 1024 "$tmp/two" >/dev/null || bad sizes "exit $?"
if [ "$(grep -c '^loader,' "$tmp/two/qemu-args")" = 4 ] &&
	grep -qx "loader,file=$tmp/c/big.img,addr=0x7fa00000,force-raw=on" "$tmp/two/qemu-args" &&
	grep -qx "loader,file=$tmp/c/rd,addr=0x7f800000,force-raw=on" "$tmp/two/qemu-args" &&
	grep -qx "blobs=0x7f7ff000 ram-zeroed" "$tmp/two/qemu-args"; then ok sizes; else
	bad sizes "$(tr '\n' ' ' < "$tmp/two/qemu-args")"; fi

# 2b. Blobs are named by file name: two different files with one name are
#     refused, naming the clash.
mkdir -p "$tmp/c/other"
head -c 100 /dev/zero > "$tmp/c/other/rd"
cat > "$tmp/c/clash.json" <<JSON
{ "vms": [
  { "name": "a", "mem_size_mib": 64, "kernel_image_path": "big.img", "initrd_path": "rd" },
  { "name": "b", "mem_size_mib": 64, "kernel_image_path": "big.img", "initrd_path": "other/rd" } ] }
JSON
if ! "$mkblobs" "$tmp/c/clash.json" 1024 "$tmp/clash" 2>"$tmp/err" &&
	grep -q "other/rd: another file has the same name rd" "$tmp/err"; then ok name-clash; else
	bad name-clash "$(cat "$tmp/err")"; fi

# 3. Refusals: a name of 32 characters, a config with errors, no room.
long=abcdefghijklmnopqrstuvwxyz-12345
cp "$tmp/c/rd" "$tmp/c/$long"
printf '{ "vms": [ { "name": "a", "mem_size_mib": 64, "kernel_image_path": "%s" } ] }\n' \
	"$long" > "$tmp/c/long.json"
if ! "$mkblobs" "$tmp/c/long.json" 1024 "$tmp/long" 2>"$tmp/err" &&
	grep -q "$long: file name is longer than 31 characters" "$tmp/err"; then ok long-name; else
	bad long-name "$(cat "$tmp/err")"; fi
printf '{ "vms": [ { "name": "a", "mem_size_mib": 64, "kernel_image_path": "nope" } ] }\n' \
	> "$tmp/c/missing.json"
if ! "$mkblobs" "$tmp/c/missing.json" 1024 "$tmp/missing" 2>"$tmp/err" &&
	grep -q "missing.json:1:47: vms\[0\].kernel_image_path: file not found: nope" "$tmp/err" &&
	[ ! -e "$tmp/missing/manifest.bin" ]; then ok config-errors; else
	bad config-errors "$(cat "$tmp/err")"; fi
if ! "$mkblobs" "$tmp/c/two.json" 68 "$tmp/small" 2>"$tmp/err" &&
	grep -q "do not fit" "$tmp/err"; then ok no-room; else bad no-room "$(cat "$tmp/err")"; fi

# 5. Disks: each virtio-blk device's file becomes a QEMU virtio-blk-device
#    in order (raw, or qcow2 by its magic; read-only when the config says),
#    after one -global that makes the transports modern, on the buses of
#    make run's order (keel/config.h cfg_virtio_transport: aarch64's 31
#    and 23 are the control channel's and the sockets', then 15, 7, then
#    30 ...: the first four each alone in a 4 KiB page of 8 transports).
truncate -s 1M "$tmp/c/a.img"
printf 'QFI\xfb' > "$tmp/c/b.qcow2"
cat > "$tmp/c/disks.json" <<JSON
{ "vms": [ { "name": "v", "mem_size_mib": 64, "kernel_image_path": "rd",
  "devices": [ { "type": "virtio-blk", "base": "0x0a000000", "irq": 48, "path_on_host": "a.img" },
    { "type": "virtio-blk", "base": "0x0a001000", "irq": 49, "path_on_host": "b.qcow2",
      "is_read_only": true } ] } ] }
JSON
printf '%s\n' -global virtio-mmio.force-legacy=false \
	-drive "file=$tmp/c/a.img,format=raw,if=none,id=disk0" \
	-device virtio-blk-device,drive=disk0,serial=keel-disk0,bus=virtio-mmio-bus.15 \
	-drive "file=$tmp/c/b.qcow2,format=qcow2,if=none,id=disk1,readonly=on" \
	-device virtio-blk-device,drive=disk1,serial=keel-disk1,bus=virtio-mmio-bus.7 > "$tmp/want-disks"
if "$mkblobs" "$tmp/c/disks.json" 1024 "$tmp/disks" >/dev/null 2>"$tmp/err" &&
	diff -u "$tmp/want-disks" <(sed -n '/^-global$/,/^blobs=/p' "$tmp/disks/qemu-args" | grep -v '^blobs=') &&
	[ "$(cat "$tmp/disks/virtio-buses")" = "$(printf 'ctl=virtio-mmio-bus.31\ncon=virtio-mmio-bus.23')" ]; then
	ok disks; else bad disks "$(cat "$tmp/err" "$tmp/disks/qemu-args" "$tmp/disks/virtio-buses" 2>/dev/null)"; fi
# riscv64's transports are a page each: make run's order is from the top
if "$mkblobs" --arch riscv64 "$tmp/c/disks.json" 1024 "$tmp/disks-rv" >/dev/null 2>"$tmp/err" &&
	[ "$(grep -o 'bus=virtio-mmio-bus\.[0-9]*' "$tmp/disks-rv/qemu-args" | tr '\n' ' ')" = \
		"bus=virtio-mmio-bus.5 bus=virtio-mmio-bus.4 " ] &&
	[ "$(cat "$tmp/disks-rv/virtio-buses")" = "$(printf 'ctl=virtio-mmio-bus.7\ncon=virtio-mmio-bus.6')" ]; then
	ok disks-riscv64; else bad disks-riscv64 "$(cat "$tmp/err" "$tmp/disks-rv/qemu-args" 2>/dev/null)"; fi
# more disks than riscv64's 8 transports hold beside the two of keelctl
# and the sockets: refused, saying so
sed 's/"devices": \[/"devices": [ { "type": "virtio-blk", "base": "0x10005000", "irq": 5, "path_on_host": "a.img" }, { "type": "virtio-blk", "base": "0x10006000", "irq": 6, "path_on_host": "a.img" }, { "type": "virtio-blk", "base": "0x10007000", "irq": 7, "path_on_host": "a.img" }, { "type": "virtio-blk", "base": "0x10008000", "irq": 8, "path_on_host": "a.img" }, { "type": "virtio-blk", "base": "0x10009000", "irq": 9, "path_on_host": "a.img" },/' \
	"$tmp/c/disks.json" >"$tmp/c/disks7.json"
if ! "$mkblobs" --arch riscv64 "$tmp/c/disks7.json" 1024 "$tmp/disks7" >/dev/null 2>"$tmp/err" &&
	grep -qxF "mkblobs: $tmp/c/disks7.json: vms[0].devices[6].path_on_host: no virtio-mmio transport left: QEMU's riscv64 virt board has 8, 2 of them for keelctl and the console sockets" "$tmp/err"; then
	ok too-many-transports; else bad too-many-transports "$(cat "$tmp/err")"; fi
# six disks fit riscv64's six; an uplink beside them does not, and is named
sed 's/{ "type": "virtio-blk", "base": "0x10009000", "irq": 9, "path_on_host": "a.img" },/{ "type": "virtio-net", "base": "0x10009000", "irq": 9, "network": "lan" },/; s/^{ "vms"/{ "networks": [ { "name": "lan", "uplink": true, "subnet": "10.0.0.0\/24" } ], "vms"/' \
	"$tmp/c/disks7.json" >"$tmp/c/uplink7.json"
if ! "$mkblobs" --arch riscv64 "$tmp/c/uplink7.json" 1024 "$tmp/uplink7" >/dev/null 2>"$tmp/err" &&
	grep -qxF "mkblobs: $tmp/c/uplink7.json: networks[0].uplink: no virtio-mmio transport left: QEMU's riscv64 virt board has 8, 2 of them for keelctl and the console sockets" "$tmp/err"; then
	ok uplink-no-transport; else bad uplink-no-transport "$(cat "$tmp/err")"; fi

# 6. The uplink network: QEMU user networking on its subnet, restricted,
#    with its forwards, after the disks (and the -global once).
cat > "$tmp/c/uplink.json" <<JSON
{ "networks": [ { "name": "lan", "uplink": true, "subnet": "10.0.0.0/24",
    "host_forwards": [ { "host_port": 8080, "guest": "10.0.0.1", "guest_port": 80 } ] } ],
  "vms": [ { "name": "v", "mem_size_mib": 64, "kernel_image_path": "rd",
  "devices": [ { "type": "virtio-blk", "base": "0x0a000000", "irq": 48, "path_on_host": "a.img" },
    { "type": "virtio-net", "base": "0x0a001000", "irq": 49, "network": "lan" } ] } ] }
JSON
printf '%s\n' -global virtio-mmio.force-legacy=false \
	-drive "file=$tmp/c/a.img,format=raw,if=none,id=disk0" \
	-device virtio-blk-device,drive=disk0,serial=keel-disk0,bus=virtio-mmio-bus.15 \
	-netdev "user,id=uplink,restrict=on,net=10.0.0.0/24,host=10.0.0.254,dns=10.0.0.253,dhcpstart=10.0.0.237,hostfwd=tcp:127.0.0.1:8080-10.0.0.1:80" \
	-device virtio-net-device,netdev=uplink,bus=virtio-mmio-bus.7 > "$tmp/want-uplink"
if "$mkblobs" "$tmp/c/uplink.json" 1024 "$tmp/uplink" >/dev/null 2>"$tmp/err" &&
	diff -u "$tmp/want-uplink" <(sed -n '/^-global$/,/^blobs=/p' "$tmp/uplink/qemu-args" | grep -v '^blobs='); then
	ok uplink; else bad uplink "$(cat "$tmp/err" "$tmp/uplink/qemu-args" 2>/dev/null)"; fi

# 8. firmware_vars_path: a disk after its VM's virtio-blk devices and
#    before the next VM's (cfg_disk_index), raw and writable, not a blob
#    (two blobs: the config and the firmware). A missing file is made
#    (64 MiB of zeros), once, and kept after; one of
#    another size, or on another drive's file, is refused.
mkdir -p "$tmp/c/vars"
cat > "$tmp/c/vars.json" <<JSON
{ "vms": [ { "name": "uboot", "mem_size_mib": 64, "firmware_path": "rd",
  "firmware_vars_path": "vars/u.img",
  "devices": [ { "type": "virtio-blk", "base": "0x0a000000", "irq": 48, "path_on_host": "a.img",
      "is_read_only": true } ] },
  { "name": "linux", "mem_size_mib": 64, "kernel_image_path": "rd",
  "devices": [ { "type": "virtio-blk", "base": "0x0a000000", "irq": 48,
      "path_on_host": "b.qcow2" } ] } ] }
JSON
printf '%s\n' -global virtio-mmio.force-legacy=false \
	-drive "file=$tmp/c/a.img,format=raw,if=none,id=disk0,readonly=on" \
	-device virtio-blk-device,drive=disk0,serial=keel-disk0,bus=virtio-mmio-bus.15 \
	-drive "file=$tmp/c/vars/u.img,format=raw,if=none,id=disk1" \
	-device virtio-blk-device,drive=disk1,serial=keel-disk1,bus=virtio-mmio-bus.7 \
	-drive "file=$tmp/c/b.qcow2,format=qcow2,if=none,id=disk2" \
	-device virtio-blk-device,drive=disk2,serial=keel-disk2,bus=virtio-mmio-bus.30 > "$tmp/want-vars"
vars_args() { sed -n '/^-global$/,/^blobs=/p' "$tmp/vars/qemu-args" | grep -v '^blobs='; }
made="mkblobs: VM uboot: made $tmp/c/vars/u.img (64 MiB of zeros: the flash's bank 1)"
if "$mkblobs" "$tmp/c/vars.json" 1024 "$tmp/vars" >"$tmp/said" 2>"$tmp/err" &&
	grep -qxF "$made" "$tmp/said" && [ "$(stat -c %s "$tmp/c/vars/u.img")" = $((64 << 20)) ] &&
	[ "$(grep -c '^loader,' "$tmp/vars/qemu-args")" = 3 ] &&
	diff -u "$tmp/want-vars" <(vars_args); then ok vars-made; else
	bad vars-made "$(cat "$tmp/said" "$tmp/err" "$tmp/vars/qemu-args" 2>/dev/null)"; fi
printf 'env' | dd of="$tmp/c/vars/u.img" conv=notrunc status=none
if "$mkblobs" "$tmp/c/vars.json" 1024 "$tmp/vars" >"$tmp/said" 2>"$tmp/err" &&
	! grep -q made "$tmp/said" && [ "$(head -c 3 "$tmp/c/vars/u.img")" = env ] &&
	diff -u "$tmp/want-vars" <(vars_args); then ok vars-kept; else
	bad vars-kept "$(cat "$tmp/said" "$tmp/err")"; fi
truncate -s 1234 "$tmp/c/vars/u.img"
if ! "$mkblobs" "$tmp/c/vars.json" 1024 "$tmp/vars-size" 2>"$tmp/err" >/dev/null &&
	grep -qxF "mkblobs: $tmp/c/vars/u.img is 1234 bytes; the flash's bank 1 is 67108864 (64 MiB)" \
		"$tmp/err"; then ok vars-size; else bad vars-size "$(cat "$tmp/err")"; fi
sed 's|"vars/u.img"|"a.img"|' "$tmp/c/vars.json" > "$tmp/c/vars-disk.json"
truncate -s 64M "$tmp/c/a.img"
if ! "$mkblobs" "$tmp/c/vars-disk.json" 1024 "$tmp/vars-disk" 2>"$tmp/err" >/dev/null &&
	grep -qF "vms[0].devices[0].path_on_host and vms[0].firmware_vars_path are one file," \
		"$tmp/err"; then ok vars-on-disk; else bad vars-on-disk "$(cat "$tmp/err")"; fi
truncate -s 1M "$tmp/c/a.img"
cat > "$tmp/c/vars-two.json" <<JSON
{ "vms": [ { "name": "a", "mem_size_mib": 64, "firmware_path": "rd",
  "firmware_vars_path": "vars/new.img" },
  { "name": "b", "mem_size_mib": 64, "firmware_path": "rd",
  "firmware_vars_path": "vars/../vars/new.img" } ] }
JSON
if ! "$mkblobs" "$tmp/c/vars-two.json" 1024 "$tmp/vars-two" 2>"$tmp/err" >/dev/null &&
	grep -qF "vms[0].firmware_vars_path and vms[1].firmware_vars_path are one file," "$tmp/err" &&
	[ ! -e "$tmp/c/vars/new.img" ]; then ok vars-twice; else bad vars-twice "$(cat "$tmp/err")"; fi

# 7. riscv64 (--arch riscv64): RAM from 0x80000000, and QEMU's device tree
#    in the 2 MiB below min(RAM end, 3 GiB), which the blobs step over.
#    With 1024 MiB the tree takes RAM's last 2 MiB; with 1030 MiB the
#    blobs start above 3 GiB and the manifest goes below the tree.
rv_args() { # RAM_MIB config-addr Image-addr initrd-addr manifest-addr
	printf -- '-device\nloader,file=%s,addr=%s,force-raw=on\n' \
		"$g/riscv64-virt.json" "$2" "$f/Image" "$3" "$f/initrd.cpio.gz" "$4" \
		"$tmp/rv$1/manifest.bin" "$5"
	echo "blobs=$5 ram-zeroed"
}
for m in "1024 0xbfc00000 0xbfa00000 0xbf800000 0xbf7ff000" \
	"1030 0xc0400000 0xc0200000 0xc0000000 0xbfdff000"; do
	set -- $m
	(cd "$g" && "$mkblobs" --arch riscv64 riscv64-virt.json "$1" "$tmp/rv$1" >/dev/null) ||
		bad "riscv64-$1" "exit $?"
	if diff -u <(rv_args "$@") <(grep -v '^-device$' "$tmp/rv$1/qemu-args" |
		grep '^loader,\|^blobs=' | sed 's/^loader,/-device\nloader,/'); then
		ok "riscv64-$1"; else bad "riscv64-$1" "qemu-args differ"; fi
done
if "$mkblobs" --arch x86 "$g/riscv64-virt.json" 1024 "$tmp/x" 2>/dev/null; then
	bad arch "--arch x86 accepted"; else ok arch; fi

echo "$pass passed, $failed failed"
[ "$failed" = 0 ]
