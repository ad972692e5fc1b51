#!/bin/bash
# The guard page under each kernel stack (arch/<arch>/kstack.h): a CPU
# whose kernel stack runs out faults in the guard page, and the kernel
# panics naming the overflow (kernel stack overflow on CPU n) instead of
# writing over whatever lies below its stack.
#
# No program can make the kernel overflow its stack (docs/architecture.md,
# "Kernel stacks"), so the test does it from outside: QEMU's gdbstub stops
# a CPU as it enters the kernel's system-call handler and puts its stack
# pointer at the lowest byte of that CPU's stack (tests/system/gdbstub.py);
# the handler's first push then lands in the guard page. The shipped image,
# booted without a config (root prints its line through a system call).
#
# usage: kstack-guard.sh <keel.elf> <keel.bin>
set -u
. "$(dirname "$0")/board.sh" # ARCH, KEEL_QEMU, KEEL_MACHINE
NM=${NM:-$ARCH-linux-gnu-nm}
QEMU=${QEMU:-$KEEL_QEMU}
LIMIT=${KSTACK_GUARD_TIMEOUT:-60}
[ $# -eq 2 ] || { echo "usage: $0 <keel.elf> <keel.bin>" >&2; exit 2; }
elf=$1 bin=$2
fail() { echo "[kstack-guard] FAIL $1"; exit 1; }

# sym NAME: its address in the kernel's ELF
sym() { "$NM" "$elf" | awk -v n="$1" '$3 == n { print "0x" $1 }'; }
# def NAME: a number #defined in the arch's kstack.h
def() { awk -v n="$1" '$1 == "#define" && $2 == n { print $3 }' "arch/$ARCH/kstack.h"; }
entry=$(sym kernel_syscall) stacks=$(sym kernel_stacks) guard=$(def KSTACK_GUARD) size=$(def KSTACK_SIZE)
[ -n "$entry" ] && [ -n "$stacks" ] && [ -n "$guard" ] && [ -n "$size" ] ||
	fail "kernel_syscall, kernel_stacks ($elf) or KSTACK_GUARD, KSTACK_SIZE (arch/$ARCH/kstack.h) not found"
case $ARCH in
aarch64) spreg=31 ;; # the gdbstub's sp
riscv64) spreg=2 ;;  # x2
esac

dir=$(dirname "$bin")/system
mkdir -p "$dir"
log=$dir/kstack-guard.log sock=$dir/kstack-guard.gdb
rm -f "$sock"
: >"$log"
"$QEMU" "${KEEL_MACHINE[@]}" -smp 2 -nic none -m 1G -nographic -no-reboot \
	-kernel "$bin" -gdb "unix:$sock,server=on,wait=off" -S </dev/null >"$log" 2>&1 &
qemu=$!
trap 'kill "$qemu" 2>/dev/null' EXIT
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
got=$(timeout "$LIMIT" python3 "$(dirname "$0")/gdbstub.py" "$sock" "$entry" "$spreg" "$stacks" \
	$((guard + size)) "$guard") || fail "gdbstub.py: ${got:-no answer in $LIMIT s} (log: $log)"
cpu=${got#cpu } cpu=${cpu%% *}
want="kernel stack overflow on CPU $cpu"
t=0
until grep -aqF "$want" "$log" || [ "$t" -ge $((LIMIT * 5)) ]; do
	t=$((t + 1))
	sleep 0.2
done
kill "$qemu" 2>/dev/null
wait "$qemu" 2>/dev/null
grep -aqF "$want" "$log" || fail "no \"$want\" within $LIMIT s after $got (log: $log)"
grep -aqE 'keel: PANIC|PANIC:' "$log" || fail "\"$want\" but no panic line (log: $log)"
echo "[kstack-guard] PASS $got, at kernel_syscall $entry: $(grep -aE -m1 'kernel exception' "$log" | tr -d '\r'); $(grep -aF -m1 "$want" "$log" | tr -d '\r')"
