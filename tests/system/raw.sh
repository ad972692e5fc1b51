#!/usr/bin/env bash
# Raw binary guests (docs/config.md, kernel_load_addr and entry_point), on
# the shipped image:
#  - check-config refuses, located, an entry_point without
#    kernel_load_addr, an entry point outside the image, and an image that
#    runs into the device tree's last 2 MiB of RAM;
#  - vm1 loads raw.bin (4 KiB of UDF #0, then the uart guest) at
#    0x40080000, which no arm64 Image header asks for, and starts at
#    0x40081000: the guest's charset line and "[test] PASS uart" appear,
#    so the image was placed and entered where the config said, with x0
#    the device tree the VMM placed (the guest prints the x0 it got);
#  - vm2 names the same file without the two keys: check-config refuses
#    it, located, in the VMM's words; booted anyway, its VMM refuses it
#    with the same words, and vm1 runs on;
#  - vm3 (an entry point outside the image) and vm4 (an image that runs
#    into the device tree's region): booted anyway, root's loader refuses
#    them with check-config's very lines (it knows the blobs' sizes).
#
#   bash tests/system/raw.sh build/aarch64/keel.bin
# (CHECK_CONFIG, MKBLOBS: the host tools, as make sets them.)
# Log: <dir of the image>/system/raw.log.
set -u
QEMU=${QEMU:-qemu-system-aarch64}
LIMIT=${RAW_TIMEOUT:-120}
die() { echo "raw.sh: $*" >&2; exit 2; }
[ $# -eq 1 ] || die "usage: $0 <keel.bin>"
bin=$1
guests=$(dirname "$bin")/guests
[ -f "$guests/raw.bin" ] || die "no $guests/raw.bin (make guests)"
for t in "${CHECK_CONFIG:-}" "${MKBLOBS:-}"; do
	[ -x "$t" ] || die "CHECK_CONFIG and MKBLOBS must name the host tools (make sets them)"
done
outdir=$(dirname "$bin")/system
mkdir -p "$outdir"
log=$outdir/raw.log
tmp=$(mktemp -d "${TMPDIR:-/tmp}/keel-raw.XXXXXX")
qemu=
trap '[ -n "$qemu" ] && kill $qemu 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
cp "$guests/raw.bin" "$bin" "$tmp/"
fails=0
pass() { echo "[raw] PASS $1"; }
fail() { echo "[raw] FAIL $1 (log: $log)"; fails=$((fails + 1)); }

vm() { # name extra-keys
	printf '{ "name": "%s", "mem_size_mib": 64, "mem_base": "0x40000000",
	  "kernel_image_path": "raw.bin"%s,
	  "devices": [ { "type": "pl011", "base": "0x09000000", "irq": 33 } ] }' "$1" "$2"
}
raw_keys=', "kernel_load_addr": "0x40080000", "entry_point": "0x40081000"'

# refused CASE KEYS REGEX: check-config fails naming file:line:col: key.
refused() {
	echo "{ \"vms\": [ $(vm vm1 "$2") ] }" >"$tmp/$1.json"
	if "$CHECK_CONFIG" "$tmp/$1.json" >/dev/null 2>"$tmp/$1.err"; then
		fail "check-config accepted $1"
	elif grep -qE "^$tmp/$1.json:[0-9]+:[0-9]+: vms\[0\]\.$3" "$tmp/$1.err"; then
		pass "check-config refuses $1: $(grep -E "vms\[0\]\.$3" "$tmp/$1.err" | head -1 | sed 's/^[^ ]* //')"
	else
		fail "check-config's message for $1: $(cat "$tmp/$1.err")"
	fi
}
refused entry-alone ', "entry_point": "0x40081000"' 'entry_point: a raw image needs kernel_load_addr too'
refused entry-outside ', "kernel_load_addr": "0x40080000", "entry_point": "0x40200000"' \
	'entry_point: entry_point 0x40200000 is not inside the [0-9]+-byte image'
refused into-dtb ', "kernel_load_addr": "0x43f00000", "entry_point": "0x43f01000"' \
	'kernel_load_addr: the [0-9]+-byte image at 0x43f00000 runs into the device tree'

# vm2 names raw.bin without the keys: check-config refuses it in the
# VMM's words (it runs the VMM's image check), and passes vm1. The config
# is booted anyway (mkblobs does not check), so the VMM must say the same.
echo "{ \"vms\": [ $(vm vm1 "$raw_keys"), $(vm vm2 ""),
	$(vm vm3 ', "kernel_load_addr": "0x40080000", "entry_point": "0x40200000"'),
	$(vm vm4 ', "kernel_load_addr": "0x43f00000", "entry_point": "0x43f01000"') ] }" >"$tmp/raw.json"
"$CHECK_CONFIG" "$tmp/raw.json" >"$tmp/raw.out" 2>"$tmp/raw.err"
if grep -q 'vms\[0\] "vm1": ok' "$tmp/raw.out" && grep -qE \
	"^$tmp/raw.json:[0-9]+:[0-9]+: vms\[1\]\.kernel_image_path: raw.bin: not an arm64 Image" \
	"$tmp/raw.err"; then
	pass "check-config passes vm1 and refuses vm2: $(head -1 "$tmp/raw.err" | sed 's/^[^ ]* //')"
else
	fail "check-config on vm1 (raw) and vm2 (no keys): $(cat "$tmp/raw.out" "$tmp/raw.err")"
fi
"$MKBLOBS" "$tmp/raw.json" 1024 "$tmp/blobs" >/dev/null || die "mkblobs failed"
: >"$log"
# shellcheck disable=SC2046 # one QEMU argument per line of qemu-args
"$QEMU" -M virt,virtualization=on,gic-version=3 -cpu max,pauth=off,sve=off,sme=off -smp 2 \
	-nic none -m 1024M -nographic -no-reboot -kernel "$tmp/$(basename "$bin")" \
	$(grep -v '^blobs=' "$tmp/blobs/qemu-args") \
	-append "$(grep '^blobs=' "$tmp/blobs/qemu-args")" </dev/null >"$log" 2>&1 &
qemu=$!
charset=$(awk 'BEGIN { for (c = 33; c < 127; c++) printf "%c", c }')
t=0
until grep -aqF "[test] DONE uart" "$log" && grep -aq "not an arm64 Image" "$log"; do
	t=$((t + 1))
	{ [ "$t" -gt $((LIMIT * 5)) ] || ! kill -0 "$qemu" 2>/dev/null; } && break
	sleep 0.2
done
if tr -d '\r' <"$log" | grep -aF "[uart] charset: $charset" >/dev/null &&
	grep -aqF "[test] PASS uart" "$log" && ! grep -aq "FAIL\|exception" "$log"; then
	pass "vm1 ran the raw image loaded at 0x40080000 from entry 0x40081000"
else
	fail "vm1 did not run the raw image intact"
fi
# x0 at entry is the device tree, as for Linux: the guest prints the x0 it
# got, the VMM where it put the tree
dtb_vmm=$(grep -ao '\[vm1-vmm\] guest image: .*generated device tree at 0x[0-9a-f]*' "$log" | grep -o '0x[0-9a-f]*$')
dtb_x0=$(grep -ao '\[uart\] up at 0x40081000, device tree at 0x[0-9a-f]*' "$log" | grep -o '0x[0-9a-f]*$')
if [ -n "$dtb_vmm" ] && [ "$dtb_x0" = "$dtb_vmm" ]; then
	pass "vm1 entered with x0 = the device tree the VMM placed ($dtb_x0)"
else
	fail "vm1's x0 (${dtb_x0:-none}) is not the VMM's device tree (${dtb_vmm:-none})"
fi
# root's lines for vm3 and vm4: check-config's, with the file named as
# the blob (its file name)
for k in 'vms\[2\]\.entry_point' 'vms\[3\]\.kernel_load_addr'; do
	want=$(grep -aE "^$tmp/raw.json:[0-9]+:[0-9]+: $k: " "$tmp/raw.err" | head -1 | sed "s|^$tmp/||")
	if [ -n "$want" ] && tr -d '\r' <"$log" | grep -aqxF "$want"; then
		pass "root refuses at boot in check-config's words: $want"
	else
		fail "root's refusal of $k is not check-config's line (${want:-none from check-config})"
	fi
done
if grep -aq "vm2.*not an arm64 Image\|not an arm64 Image.*vm2" "$log"; then
	pass "vm2, the same file without kernel_load_addr and entry_point, is refused: $(grep -a -m1 'not an arm64 Image' "$log" | tr -d '\r')"
else
	fail "vm2 was not refused as not an arm64 Image"
fi
[ "$fails" = 0 ] || exit 1
echo "[raw] all passed"
