#!/usr/bin/env bash
# Firmware guests (docs/firmware.md): Debian's U-Boot for QEMU arm64
# (build/uboot/u-boot.bin, tools/fetch-uboot.sh) boots from the CFI flash
# of a VM with firmware_path (config/examples/uboot.json) under Keel, and is
# driven at the console as a user would:
#
#   prompt    a key stops the autoboot countdown; the "=> " prompt
#   version   "U-Boot 2023..." and its toolchain lines
#   bdinfo    RAM starts at 0x40000000 with the config's 256 MiB
#   fdt       fdt print / of the tree the VMM left at the start of RAM:
#             model "Keel VM", the cfi-flash node with both banks
#   flash     flinfo: two banks of 256 sectors of 256 KiB (the CFI query
#             answers), bank 0 read-only; saveenv erases and programs
#             bank 1 through the command interface (buffered writes),
#             and md.b reads the environment back from bank 1 as memory
#             once it is in read-array mode again
#   vars      the config's firmware_vars_path (build/uboot/vars.img, made
#             afresh: mkblobs creates it) keeps bank 1: after saveenv
#             the host file holds keelmark, and after U-Boot's reset
#             (the VM built again, bank 1 new frames) U-Boot loads the
#             environment with keelmark from the file
#   virtio    virtio scan, ext4ls virtio 0 /: the VM's read-only virtio
#             disk (build/uboot/root.ext4, the rootfs made afresh by make
#             uboot-system) lists the rootfs' top level
#   booti     ext4load Debian's kernel and the initramfs from the second
#             disk (build/uboot/boot.ext4; one ext4load each, see load()
#             below), booti them with U-Boot's
#             tree: Linux boots, its /init mounts the first disk as root
#             and the shell answers
#
#   bash tests/system/uboot.sh build/aarch64/keel.bin
# (CHECK_CONFIG, MKBLOBS: the host tools, as make sets them.)
# Log: <dir of the image>/system/uboot.log.
#
# UBOOT_CRASH=1 with the test image (keel-test.bin) boots the same config
# with test=flash-crash (tests/root/scn_flash.c): root crashes the flash
# server every 10 ms, and every 7th time the vars file's block driver
# instead. Only the prompt and the flash steps run, which must pass as
# without crashes; root's log must show restarts of the server that
# resumed from its state page and of the driver, and the vars file must
# hold what saveenv wrote. Log: system/uboot-crash.log.
#
# UBOOT_NOVARS=1 boots the same VM without firmware_vars_path (a config
# made from the example under build/uboot/): bank 1 then lives as long as
# the VM: saveenv and the read back work as before, and after U-Boot's
# reset (the VM built again) the environment has no keelmark. Only those
# steps run. Log: system/uboot-novars.log.
set -u
export LC_ALL=C
QEMU=${QEMU:-qemu-system-aarch64}
LIMIT=${UBOOT_STEP_TIMEOUT:-120}
CONFIG=config/examples/uboot.json
die() { echo "uboot.sh: $*" >&2; exit 2; }
[ $# -eq 1 ] || die "usage: $0 <keel.bin>"
bin=$1
for t in "${CHECK_CONFIG:-}" "${MKBLOBS:-}"; do
	[ -x "$t" ] || die "CHECK_CONFIG and MKBLOBS must name the host tools (make sets them)"
done
[ -s build/uboot/u-boot.bin ] || die "no build/uboot/u-boot.bin (bash tools/fetch-uboot.sh)"
[ -s build/uboot/root.ext4 ] || die "no build/uboot/root.ext4 (make uboot-system makes it)"
[ -s build/uboot/boot.ext4 ] || die "no build/uboot/boot.ext4 (make uboot-system makes it)"
outdir=$(dirname "$bin")/system
mkdir -p "$outdir"
crash=${UBOOT_CRASH:-}
novars=${UBOOT_NOVARS:-}
log=$outdir/uboot${crash:+-crash}${novars:+-novars}.log
tmp=$(mktemp -d "${TMPDIR:-/tmp}/keel-uboot.XXXXXX")
qemu=
trap '[ -n "$qemu" ] && kill $qemu 2>/dev/null; wait 2>/dev/null; exec 3>&-; rm -rf "$tmp"' EXIT
vars=build/uboot/vars.img # the config's firmware_vars_path: mkblobs makes it afresh
rm -f "$vars"
if [ -n "$novars" ]; then # the example without it, its paths as seen from build/uboot
	CONFIG=build/uboot/uboot-novars.json
	sed -e '/"firmware_vars_path"/d' -e 's|"\.\./\.\./build/uboot/|"|' \
		config/examples/uboot.json >"$CONFIG"
fi
"$CHECK_CONFIG" "$CONFIG" >/dev/null || die "$CONFIG does not check"
"$MKBLOBS" "$CONFIG" 1024 "$tmp/blobs" >/dev/null || die "mkblobs failed"
cp "$bin" "$tmp/keel.bin"
mkfifo "$tmp/in"
exec 3<>"$tmp/in"
: >"$log"
# shellcheck disable=SC2046 # one QEMU argument per line of qemu-args
"$QEMU" -M virt,virtualization=on,gic-version=3 -cpu max,pauth=off,sve=off,sme=off -smp 2 \
	-nic none -m 1024M -nographic -no-reboot -kernel "$tmp/keel.bin" \
	$(grep -v '^blobs=' "$tmp/blobs/qemu-args") \
	-append "${crash:+test=flash-crash }$(grep '^blobs=' "$tmp/blobs/qemu-args")" \
	<"$tmp/in" >"$log" 2>&1 &
qemu=$!
fails=0
pass() { echo "[uboot] PASS $1"; }
fail() { echo "[uboot] FAIL $1 (log: $log)"; fails=$((fails + 1)); }

# The log without CRs and, with UBOOT_CRASH, without root's lines about
# the flash server's crashes, which come between the guest's (the console
# server breaks a guest line for them).
view() {
	tr -d '\r' <"$log" | perl -0pe 's/\[root\] server uboot-(flash|varsdrv) (faulted: [^\n]*|restarted \(restart \d+\))\n//g; s/\[uboot-flash\] resuming the flash.s modes\n//g'
}
# wait_for REGEX: until the log's view has it, QEMU dies or LIMIT.
wait_for() {
	local t=0
	until view | grep -aqE "$1"; do
		t=$((t + 1))
		{ [ "$t" -gt $((LIMIT * 5)) ] || ! kill -0 "$qemu" 2>/dev/null; } && return 1
		sleep 0.2
	done
}
# wait_count REGEX N: until the log's view has N lines matching it.
wait_count() {
	local t=0
	until [ "$(view | grep -acE "$1")" -ge "$2" ]; do
		t=$((t + 1))
		{ [ "$t" -gt $((LIMIT * 5)) ] || ! kill -0 "$qemu" 2>/dev/null; } && return 1
		sleep 0.2
	done
}
# run NAME COMMAND: type it, ended by an echo of a marker; the output
# between the previous step's marker (the start, for the first) and this
# one goes to $tmp/NAME. The marker is typed as @@done${nil}-N (nil is
# unset: U-Boot prints @@done-N), so no piece of the command's echo is
# the marker: with UBOOT_CRASH root's lines come between the echo's
# pieces, each on a line of its own (the console server breaks the
# guest's line for them, docs/console.md), and the echo's last piece
# was "@@done-N" once.
n=0
run() {
	n=$((n + 1))
	printf '%s; echo @@done${nil}-%d\r' "$2" "$n" >&3
	if ! wait_for "^@@done-$n\$"; then
		fail "$1: no end marker in $LIMIT s"
		: >"$tmp/$1"
		return 1
	fi
	view | awk -v m="@@done-$n" -v p="@@done-$((n - 1))" -v on=$((n == 1)) \
		'$0 == m { on = 0 } on; $0 == p { on = 1 }' >"$tmp/$1"
}
# has NAME REGEX...: every regex matches a line of step NAME's output.
has() {
	local name=$1 re
	shift
	for re in "$@"; do
		grep -aqE "$re" "$tmp/$name" || { echo "  missing: $re" >&2; return 1; }
	done
}

if wait_for 'Hit any key to stop autoboot'; then
	printf ' ' >&3
	wait_for '^=> ' && pass "prompt: U-Boot's autoboot stopped, the prompt is up" ||
		fail "prompt: no prompt after a key"
else
	fail "prompt: U-Boot did not reach its autoboot countdown"
fi
if [ -z "$crash" ]; then
run version version && has version '^U-Boot 20[0-9][0-9]\.' 'gcc' &&
	pass "version: $(grep -a -m1 '^U-Boot' "$tmp/version")" || fail "version"
run bdinfo bdinfo && has bdinfo 'start += 0x0*40000000' 'size += 0x0*10000000' &&
	pass "bdinfo: RAM 0x40000000, 256 MiB" || fail "bdinfo"
run fdt 'fdt addr 0x40000000; fdt print /' &&
	has fdt 'model = "Keel VM"' 'flash@0 \{' 'compatible = "cfi-flash"' \
		'bank-width = <0x0*4>' \
		'reg = <0x0*0 0x0*0 0x0*0 0x0*4000000 0x0*0 0x0*4000000 0x0*0 0x0*4000000>' &&
	pass "fdt print /: the VMM's tree, with the cfi-flash node of both banks" || fail "fdt"
fi
run flinfo flinfo && has flinfo 'Bank # 1: CFI conformant flash \(16 x 16\)  Size: 32 MB in 256 Sectors' \
	'Bank # 2: CFI conformant flash \(16 x 16\)  Size: 32 MB in 256 Sectors' \
	'Intel Extended command set, Manufacturer ID: 0x89, Device ID: 0x0018' \
	'Erase timeout: 16384 ms, write timeout: 3 ms' 'Buffer write timeout: 3 ms, buffer size: 2048 bytes' &&
	pass "flinfo: both banks answer the CFI query as QEMU's virt flash" || fail "flinfo"
# "Writing to Flash... done" can have root's restart lines between its
# two halves under flash-crash: the halves and U-Boot's final OK.
run saveenv 'setenv keelmark 6x7=42; saveenv' && has saveenv 'Erasing Flash\.\.\.' \
	'Writing to Flash\.\.\.' '^OK' && ! grep -aq 'rror' "$tmp/saveenv" &&
	pass "saveenv: bank 1 erased and programmed" || fail "saveenv"
run envread 'env default -a -f; printenv keelmark; env import -c 0x4000000 0x40000; printenv keelmark' &&
	has envread '^## Error: "keelmark" not defined' '^keelmark=6x7=42' &&
	pass "bank 1 read back as memory: the saved environment, CRC intact, has keelmark=6x7=42" ||
	fail "env import from bank 1"
# has_vars MARK: the host file has the environment line saveenv wrote.
has_vars() {
	[ -f "$vars" ] && grep -aq "$1" "$vars"
}
if [ -n "$novars" ]; then
	[ ! -e "$vars" ] && ! grep -aq 'varsdrv' "$log" &&
		pass "novars: no vars file made, no driver for one" || fail "novars: a vars file or its driver"
	printf 'reset\r' >&3
	if wait_for 'resetting \.\.\.' && sleep 1 && wait_count 'Hit any key to stop autoboot' 2; then
		printf ' ' >&3
		sleep 1
		run novarsenv 'printenv keelmark' && has novarsenv '^## Error: "keelmark" not defined' &&
			pass "novars: after reset (the VM built again) bank 1 is new: no keelmark" ||
			fail "novars: keelmark outlived the VM without a vars file"
	else
		fail "novars: U-Boot did not come back after reset"
	fi
	grep -aq 'Synchronous Abort\|unknown exit' "$log" && fail "an abort or unknown exit in the log"
	[ "$fails" = 0 ] || exit 1
	echo "[uboot] all passed (without a vars file)"
	exit 0
fi
if [ -n "$crash" ]; then
	has_vars 'keelmark=6x7=42' && pass "vars: saveenv's environment is on the host file" ||
		fail "vars: $vars does not have keelmark=6x7=42"
	restarts=$(grep -ac 'server uboot-flash restarted' "$log")
	if [ "$restarts" -ge 20 ] && grep -aq 'uboot-flash\] resuming the flash' "$log"; then
		pass "flash-crash: the flash server restarted $restarts times, resuming from its state page"
	else
		fail "flash-crash: the flash server restarted $restarts times (want 20 or more, resuming its state)"
	fi
	drv=$(grep -ac 'server uboot-varsdrv restarted' "$log")
	[ "$drv" -ge 3 ] && pass "flash-crash: the vars file's driver restarted $drv times" ||
		fail "flash-crash: the vars file's driver restarted $drv times (want 3 or more)"
	grep -aq 'Synchronous Abort\|unknown exit' "$log" && fail "an abort or unknown exit in the log"
	[ "$fails" = 0 ] || exit 1
	echo "[uboot] all passed (flash-crash)"
	exit 0
fi
if has_vars 'keelmark=6x7=42'; then
	pass "vars: saveenv's environment is on the host file ($vars)"
else
	fail "vars: $vars does not have keelmark=6x7=42"
fi
printf 'reset\r' >&3
if wait_count 'Hit any key to stop autoboot' 2; then
	printf ' ' >&3
	sleep 1
	run varsenv 'printenv keelmark' && has varsenv '^keelmark=6x7=42' &&
		pass "vars: after reset (bank 1 built anew) U-Boot loads keelmark from the vars file" ||
		fail "vars: keelmark not in the environment after reset"
else
	fail "vars: U-Boot did not come back after reset"
fi
run virtio 'virtio scan; ext4ls virtio 0 /' && has virtio '<DIR> .* bin$' '<DIR> .* etc$' &&
	pass "virtio: ext4ls virtio 0 / lists the rootfs ($(grep -ac '<DIR>' "$tmp/virtio") directories)" ||
	fail "virtio scan, ext4ls"
# load NAME FILE ADDR: FILE from disk 1 at ADDR in one ext4load. U-Boot's
# virtio-blk driver ignores the device's size_max and asks for a whole
# extent in one request (megabytes); Keel's virtio-blk server hands it to
# the block driver in 64 KiB parts (docs/blk.md, "Request size").
load() {
	run "$1" "ext4load virtio 1 $3 $2 && setenv n \${filesize} && echo \${n} bytes of $2 loaded" &&
		has "$1" "^[0-9a-f]+ bytes of $2 loaded" && ! grep -aq 'rror' "$tmp/$1"
}
if load kernel /Image 0x40400000 && load initrd /initramfs.cpio 0x48000000; then
	pass "ext4load: Debian's kernel and the initramfs from the VM's second virtio disk"
else
	fail "ext4load of the kernel or the initramfs"
fi
# The kernel is not U-Boot's: no end marker; Linux's own markers instead.
printf '%s\r' 'booti 0x40400000 0x48000000:${n} ${fdtcontroladdr}' >&3
if wait_for '^\[linux\] shell ready' && grep -aq '^\[linux\] root: /dev/vda' "$log"; then
	printf 'echo up-$((6*7)); cat /proc/device-tree/model; echo\r' >&3
	if wait_for '^up-42' && wait_for '^Keel VM'; then
		pass "booti: Debian's kernel from the virtio disk boots to its shell, root on the other disk"
	else
		fail "booti: Linux's shell does not answer"
	fi
else
	fail "booti: Linux did not reach its shell with the rootfs as root"
fi
if grep -aq 'Synchronous Abort\|exception\|unknown exit' "$log"; then
	fail "an abort or unknown exit in the log"
fi
[ "$fails" = 0 ] || exit 1
echo "[uboot] all passed"
