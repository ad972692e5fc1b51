#!/usr/bin/env bash
# The console keys that bring a VM back (docs/vm.md, "Console"), on the
# shipped image with a config of two test guests: vm1 (echo) stays up,
# vm2 (off) powers itself off at once. Then, typed at the console:
#
#   Ctrl-] 7   "[console] there is no VM 7"
#   Ctrl-] 2   vm2 gets the console, "it is off: Ctrl-] s starts it"
#   Ctrl-] s   root builds vm2 again from the config; it starts (a second
#              "VM vm2 started") and powers off again (a second "destroyed")
#   Ctrl-] 1, Ctrl-] s   root says vm1 is running, and builds nothing
#   Ctrl-] k twice       vm1's PL011 server (1 restart allowed) stays down
#   Ctrl-] s   root builds vm1 again: its echo guest is ready again
#
#   bash tests/system/vmkeys.sh build/aarch64/keel.bin
# (CHECK_CONFIG, MKBLOBS: the host tools, as make sets them.)
# Log: <dir of the image>/system/vmkeys.log.
set -u
QEMU=${QEMU:-qemu-system-aarch64}
LIMIT=${VMKEYS_STEP_TIMEOUT:-60}
die() { echo "vmkeys.sh: $*" >&2; exit 2; }
[ $# -eq 1 ] || die "usage: $0 <keel.bin>"
bin=$1
guests=$(dirname "$bin")/guests
[ -f "$guests/echo.bin" ] && [ -f "$guests/off.bin" ] || die "no test guests in $guests"
for t in "${CHECK_CONFIG:-}" "${MKBLOBS:-}"; do
	[ -x "$t" ] || die "CHECK_CONFIG and MKBLOBS must name the host tools (make sets them)"
done
outdir=$(dirname "$bin")/system
mkdir -p "$outdir"
log=$outdir/vmkeys.log
tmp=$(mktemp -d "${TMPDIR:-/tmp}/keel-vmkeys.XXXXXX")
cp "$guests/echo.bin" "$guests/off.bin" "$bin" "$tmp/"
vm() { # name image max_restarts (of its PL011 server)
	printf '{ "name": "%s", "vcpu_count": 1, "mem_size_mib": 64, "mem_base": "0x40000000",
	  "kernel_image_path": "%s",
	  "devices": [ { "type": "pl011", "base": "0x09000000", "irq": 33,
	                 "restart": { "max_restarts": %s } } ] }' "$1" "$2" "$3"
}
echo "{ \"vms\": [ $(vm vm1 echo.bin 1), $(vm vm2 off.bin 5) ] }" >"$tmp/keys.json"
"$CHECK_CONFIG" "$tmp/keys.json" >/dev/null || die "the config does not check"
"$MKBLOBS" "$tmp/keys.json" 1024 "$tmp/blobs" >/dev/null || die "mkblobs failed"

mkfifo "$tmp/in"
exec 3<>"$tmp/in"
: >"$log"
# shellcheck disable=SC2046 # one QEMU argument per line of qemu-args
"$QEMU" -M virt,virtualization=on,gic-version=3 -cpu max,pauth=off,sve=off,sme=off -smp 2 \
	-nic none -m 1024M -nographic -no-reboot -kernel "$tmp/$(basename "$bin")" \
	$(grep -v '^blobs=' "$tmp/blobs/qemu-args") \
	-append "$(grep '^blobs=' "$tmp/blobs/qemu-args")" <"$tmp/in" >"$log" 2>&1 &
qemu=$!
trap 'kill $qemu 2>/dev/null; wait $qemu 2>/dev/null; exec 3>&-; rm -rf "$tmp"' EXIT

# want <n> <regex>: wait until the log has at least n matching lines.
want() {
	local t=0
	while [ "$t" -lt $((LIMIT * 5)) ]; do
		[ "$(tr -d '\r' <"$log" | grep -acE -- "$2")" -ge "$1" ] && return 0
		kill -0 "$qemu" 2>/dev/null || return 1
		sleep 0.2
		t=$((t + 1))
	done
	return 1
}
send() { printf '%b' "$1" >&3; }
fail() {
	echo "[vmkeys] FAIL $1 (log: $log)"
	exit 1
}

# Root's lines and the guests' (through the console server) can mix within
# a line when two CPUs print at once (docs/vm.md): wait for lines printed
# while nothing else runs, and for the guests' by a fragment.
want 1 '2 VMs running' && want 1 '\[root\] VM vm2 destroyed' && want 1 'ready' ||
	fail "boot: vm2 off, vm1 up"
send '\x1d7'
want 1 '\[console\] there is no VM 7 \(VMs 1\.\.2\)' || fail "Ctrl-] 7 names no VM"
send '\x1d2'
want 1 'vm2 has the console.*it is off: Ctrl-\] s starts it' || fail "Ctrl-] 2 says vm2 is off"
send '\x1ds'
want 1 '\[root\] VM vm2: starting it again' && want 2 '\[root\] VM vm2 started at' &&
	want 2 '\[root\] VM vm2 destroyed' || fail "Ctrl-] s builds and starts vm2 again"
send '\x1d1'
want 1 'vm1 has the console' || fail "Ctrl-] 1"
send '\x1ds'
want 1 '\[root\] VM vm1 is running' || fail "Ctrl-] s on a running VM"
! grep -aq 'VM vm1: starting it again' "$log" || fail "vm1 was built again while it ran"
send '\x1dk'
want 1 'server vm1-pl011 restarted' || fail "Ctrl-] k: vm1's PL011 server restarted"
send '\x1dk'
want 1 'server vm1-pl011 stopped: restart limit' || fail "Ctrl-] k: restart limit"
send '\x1ds'
want 1 '\[root\] VM vm1: starting it again' && want 2 'VM vm1: 64 MiB RAM' && want 2 'ready' ||
	fail "Ctrl-] s builds vm1 with its dead server again"
echo "[vmkeys] PASS console keys: no VM 7, vm2 off, started again, vm1 left running," \
	"then rebuilt after its PL011 server reached its restart limit"
