#!/usr/bin/env bash
# Hostile device trees from a config (dtb_path, issue 16 bug 4), on the
# shipped image: whatever the tree, its VM is refused with the loader's
# message and nothing faults, and the other VMs run on.
#  - vm1 runs the beat guest (a line every 100 ms) with the tree the VMM
#    writes;
#  - vm2's dtb_path is a tree whose header says version 15 (last
#    compatible 2): Debian's libfdt 1.6.1 fdt_check_full dereferences
#    NULL for it (its root node's name holds no '/');
#  - vm3's is a version-17 tree whose first property's length is
#    0xfffffff4: libfdt 1.6.1's fdt_next_tag comes back to the same tag
#    and fdt_check_full loops for ever (make fuzz's finding).
# Passes iff vm2's and vm3's VMMs each print "the configuration's device
# tree is not a valid tree, or too large" (vmm-server/loader.c), root
# prints no "server vmN-vmm faulted" line (nor a panic), starts neither
# guest, and vm1 beats after both refusals.
#
#   bash tests/system/dtb.sh build/aarch64/keel.bin
# (CHECK_CONFIG, MKBLOBS: the host tools, as make sets them.)
# Log: <dir of the image>/system/dtb.log.
set -u
QEMU=${QEMU:-qemu-system-aarch64}
LIMIT=${DTB_TIMEOUT:-90}
REFUSED="the configuration's device tree is not a valid tree, or too large"
die() { echo "dtb.sh: $*" >&2; exit 2; }
[ $# -eq 1 ] || die "usage: $0 <keel.bin>"
bin=$1
guests=$(dirname "$bin")/guests
for g in beat uart; do
	[ -f "$guests/$g.bin" ] || die "no $guests/$g.bin (make guests)"
done
for t in "${CHECK_CONFIG:-}" "${MKBLOBS:-}"; do
	[ -x "$t" ] || die "CHECK_CONFIG and MKBLOBS must name the host tools (make sets them)"
done
command -v dtc >/dev/null || die "dtc not found (bash tools/setup-deps.sh)"
outdir=$(dirname "$bin")/system
mkdir -p "$outdir"
log=$outdir/dtb.log
tmp=$(mktemp -d "${TMPDIR:-/tmp}/keel-dtb.XXXXXX")
qemu=
trap '[ -n "$qemu" ] && kill $qemu 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
cp "$guests/beat.bin" "$guests/uart.bin" "$bin" "$tmp/"
fails=0
pass() { echo "[dtb] PASS $1"; }
fail() { echo "[dtb] FAIL $1 (log: $log)"; fails=$((fails + 1)); }

# A header field or a structure word: big-endian, 4 bytes at an offset.
get32() { od -An -tu4 --endian=big -j "$2" -N 4 "$1" | tr -d ' '; }
put32() { # file offset value
	printf '%b' "$(printf '\\x%02x' $((($3 >> 24) & 255)) $((($3 >> 16) & 255)) \
		$((($3 >> 8) & 255)) $(($3 & 255)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# Both from one small good tree: its root's BEGIN_NODE and empty name take
# the structure block's first 8 bytes, then the "model" property's tag and
# length.
echo '/dts-v1/; / { model = "hostile board"; };' | dtc -q -I dts -O dtb -o "$tmp/good.dtb" - ||
	die "dtc failed"
cp "$tmp/good.dtb" "$tmp/v15.dtb"
put32 "$tmp/v15.dtb" 20 15 # version
put32 "$tmp/v15.dtb" 24 2  # last_comp_version
cp "$tmp/good.dtb" "$tmp/loop.dtb"
prop=$(($(get32 "$tmp/loop.dtb" 8) + 8)) # off_dt_struct + 8
[ "$(get32 "$tmp/loop.dtb" "$prop")" = 3 ] || die "no FDT_PROP where the model property should be"
put32 "$tmp/loop.dtb" $((prop + 4)) $((0xfffffff4))

vm() { # name image extra-keys
	printf '{ "name": "%s", "mem_size_mib": 64, "mem_base": "0x40000000",
	  "kernel_image_path": "%s"%s,
	  "devices": [ { "type": "pl011", "base": "0x09000000", "irq": 33 } ] }' "$1" "$2" "$3"
}
echo "{ \"vms\": [ $(vm vm1 beat.bin ""), $(vm vm2 uart.bin ', "dtb_path": "v15.dtb"'),
	$(vm vm3 uart.bin ', "dtb_path": "loop.dtb"') ] }" >"$tmp/dtb.json"
# check-config reads no tree: the files are there, so it passes all three
"$CHECK_CONFIG" "$tmp/dtb.json" >"$tmp/check.out" 2>&1 || die "check-config: $(cat "$tmp/check.out")"
"$MKBLOBS" "$tmp/dtb.json" 1024 "$tmp/blobs" >/dev/null || die "mkblobs failed"
: >"$log"
# shellcheck disable=SC2046 # one QEMU argument per line of qemu-args
"$QEMU" -M virt,virtualization=on,gic-version=3 -cpu max,pauth=off,sve=off,sme=off -smp 2 \
	-nic none -m 1024M -nographic -no-reboot -kernel "$tmp/$(basename "$bin")" \
	$(grep -v '^blobs=' "$tmp/blobs/qemu-args") \
	-append "$(grep '^blobs=' "$tmp/blobs/qemu-args")" </dev/null >"$log" 2>&1 &
qemu=$!

# The log with whole lines: when a VMM printed through the kernel 48
# bytes at a time beside the console server, a beat landed inside a VMM's
# line once (a fresh root); each such beat line is moved before the line
# it split. With the kernel log through the console server (docs/
# console.md, "One writer") there are none; it stays as a guard.
clean() { tr -d '\r' <"$log" | perl -0pe '1 while s/^([^\n]+?)(\[test\] beat \d+ \d+\n)/$2$1/m'; }
# The log line of a VM's refusal, 0 if none; and of vm1's last beat (the
# console is in switch mode, vm1's, so its lines have no prefix).
refused_at() {
	clean | grep -naxF "[$1-vmm] $REFUSED" | head -1 | cut -d: -f1 | grep . || echo 0
}
beat_at() {
	clean | grep -naE '^\[test\] beat ' | tail -1 | cut -d: -f1 | grep . || echo 0
}
t=0
until { r2=$(refused_at vm2); r3=$(refused_at vm3); b=$(beat_at)
	[ "$r2" -gt 0 ] && [ "$r3" -gt 0 ] && [ "$b" -gt "$r2" ] && [ "$b" -gt "$r3" ]; }; do
	t=$((t + 1))
	{ [ "$t" -gt $((LIMIT * 5)) ] || ! kill -0 "$qemu" 2>/dev/null ||
		grep -aqE 'server vm[0-9]-vmm faulted|keel: PANIC' "$log"; } && break
	sleep 0.2
done
sleep 0.5 # a fault right after the refusal would be in the log by now
for v in vm2 vm3; do
	if [ "$(refused_at $v)" -gt 0 ]; then
		pass "$v's hostile tree is refused: [$v-vmm] $REFUSED"
	else
		fail "$v was not refused with the loader's message"
	fi
	if grep -aq "^\[root\] VM $v started" "$log"; then
		fail "$v's guest was started"
	fi
done
if grep -aqE 'server vm[0-9]-vmm faulted|keel: PANIC' "$log"; then
	fail "a fault: $(grep -a -m1 -E 'server vm[0-9]-vmm faulted|keel: PANIC' "$log" | tr -d '\r')"
else
	pass "no VMM faulted"
fi
b=$(beat_at)
if [ "$b" -gt "$(refused_at vm2)" ] && [ "$b" -gt "$(refused_at vm3)" ]; then
	pass "vm1 beats on after both refusals: $(clean | sed -n "${b}p")"
else
	fail "no vm1 beat after the refusals"
fi
if [ "$fails" != 0 ]; then
	# the log goes with a fresh root (CI): what it said of the VMs, here
	echo "[dtb] the log's lines on vm2 and vm3, then its last 12:"
	tr -d '\r' <"$log" | grep -aE 'vm[23]' | head -n 20 | sed 's/^/[dtb]   /'
	tr -d '\r' <"$log" | tail -n 12 | sed 's/^/[dtb]   /'
	exit 1
fi
echo "[dtb] all passed"
