#!/usr/bin/env bash
# Where one exit's instructions go: boot the test image's vm-bench scenario
# under -icount shift=0 with QEMU's gdb stub, stop the bench guest at its
# timed HVC (the second time, warm), single-step the CPU until the guest
# is back after it, and count the steps by function: the guest (EL1),
# the kernel (EL2) and the VMM (EL0), each from its own ELF's symbols.
# How the hypercall figure of make bench was brought under 600
# (docs/performance.md, "Hypercall under 600").
#
#   bash tools/profile-exit.sh [build/aarch64] [seq]
#
# With "seq", also the path in order (function and steps, one per run of
# steps in the same function). Needs gdb-multiarch (apt-get install
# gdb-multiarch); a developer's tool, not part of make test.
set -euo pipefail

B=${1:-build/aarch64}
mode=${2:-}
die() { echo "profile-exit: $*" >&2; exit 2; }
command -v gdb-multiarch >/dev/null || die "gdb-multiarch not found (apt-get install gdb-multiarch)"
kernel=$B/keel-test.elf vmm=$B/user/vmm.elf guest=$B/guests/bench.elf
for f in "$B/keel-test.bin" "$kernel" "$vmm" "$guest"; do
	[ -f "$f" ] || die "no $f (make $B/keel-test.bin)"
done
# The timed loop's HVC: the second "hvc #0" in the bench guest's guest_main
# (the first is the warm-up loop's).
hvc=$(aarch64-linux-gnu-objdump -d "$guest" |
	awk '/<guest_main>:/ { f = 1 } f && /\thvc\t#0x0/ { n++; if (n == 2) { sub(":", "", $1); print $1; exit } }')
[ -n "$hvc" ] || die "no timed HVC found in $guest"

work=$(mktemp -d "${TMPDIR:-/tmp}/keel-profile.XXXXXX")
qpid=
cleanup() { [ -n "$qpid" ] && kill "$qpid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
cp "$B/keel-test.bin" "$work/image"
port=$((20000 + $$ % 20000))
qemu-system-aarch64 -M virt,virtualization=on,gic-version=3 -cpu max,pauth=off,sve=off,sme=off \
	-nic none -smp 2 -m 1G -nographic -no-reboot -icount shift=0 -kernel "$work/image" \
	-append test=vm-bench -gdb "tcp::$port" -S </dev/null >"$work/qemu.log" 2>&1 &
qpid=$!
sleep 1

cat >"$work/step.py" <<EOF
import gdb
hvc = 0x$hvc
gdb.execute("set pagination off")
gdb.execute("target remote :$port")
# EL1 only: the kernel's image is linked at the guest's addresses too
gdb.execute("hbreak *0x%x if (\$cpsr & 0xc) == 4" % hvc)
gdb.execute("continue")
gdb.execute("continue")
gdb.execute("delete")
with open("$work/trace", "w") as out:
    for i in range(20000):
        pc = int(gdb.parse_and_eval("\$pc")) & 0xffffffffffffffff
        el = (int(gdb.parse_and_eval("\$cpsr")) >> 2) & 3
        out.write("%016x %d\n" % (pc, el))
        if i > 0 and pc == hvc + 4 and el == 1:
            break
        gdb.execute("stepi", to_string=True)
EOF
timeout 600 gdb-multiarch -q -batch -x "$work/step.py" >"$work/gdb.log" 2>&1 ||
	die "gdb failed: $(tail -3 "$work/gdb.log")"

# Symbolize: per EL, the function whose start is the last at or below pc
# (addresses as 16-digit hex strings, compared as strings: mawk has no
# hex numbers).
for el in 0 1 2; do
	case $el in 0) elf=$vmm ;; 1) elf=$guest ;; 2) elf=$kernel ;; esac
	aarch64-linux-gnu-nm -n "$elf" | awk -v el="$el" '$2 ~ /^[tTwW]$/ { print el, $1, $3 }'
done >"$work/syms"
awk -v mode="$mode" '
	FILENAME == ARGV[1] { n[$1]++; a[$1, n[$1]] = $2 ""; s[$1, n[$1]] = $3; next }
	{
		pc = $1 ""; el = $2; lo = 1; hi = n[el]; f = "?"
		while (lo <= hi) { m = int((lo + hi) / 2); if (a[el, m] <= pc) { f = s[el, m]; lo = m + 1 } else hi = m - 1 }
		name = "EL" el ":" f; count[name]++; total++
		if (name != last) { if (last != "") seq = seq runs " " last "\n"; last = name; runs = 0 }
		runs++
	}
	END {
		seq = seq runs " " last "\n"
		if (mode == "seq") printf "%s----\n", seq
		for (k in count) printf "%6d %s\n", count[k], k | "sort -rn"
		close("sort -rn")
		printf "%6d instructions from the HVC to the instruction after it\n", total
	}' "$work/syms" "$work/trace"
