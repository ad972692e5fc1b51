#!/usr/bin/env bash
# Boot the Linux guest (build/linux/Image + initramfs) directly under plain
# QEMU, without Keel: the reference Keel's Linux boot is judged against.
# No virtualization=on, so the kernel runs at EL1, as it does under Keel.
#
#   bash tests/linux/run-bare.sh            test mode: type into the shell
#   bash tests/linux/run-bare.sh --bench    -icount shift=0, print
#                                           "bench linux_boot_bare N instructions"
#   bash tests/linux/run-bare.sh --icount   test mode under -icount shift=0
#
# ARCH=riscv64 boots the riscv64 guest (build/linux-riscv64, made by
# tools/fetch-linux-riscv64.sh) on qemu-system-riscv64's virt board with
# OpenSBI, its default firmware, instead (tests/linux/run-bare-riscv64.sh);
# its drivers are built in, so the modules check becomes a drivers check,
# and a virtio-blk disk is attached and read back.
# Under -icount (--icount, --bench) it boots one CPU: with two, QEMU 7.2 and
# its OpenSBI 1.1 never finish Linux's first SBI remote fence (docs/riscv64.md).
# Its --bench adds sleep=off (virtual time jumps over idle periods instead
# of running at host speed), as tools/bench.sh does for Keel on riscv64:
# the count is then the same from run to run.
#
# Test mode waits for the shell, then types commands on the console one at
# a time and waits for each one's output; prints "[linux-bare] PASS|FAIL
# <check>" lines, then "N passed, N failed", and exits non-zero on failure.
# Every wait has a timeout. Log: build/linux/bare.log (--icount: bare-icount.log,
# --bench: bench.log; riscv64: under build/linux-riscv64).
#
# Environment: LINUX_CMDLINE (kernel command line), LINUX_CPU (QEMU -cpu),
# LINUX_MEM (QEMU -m), LINUX_SMP (QEMU -smp: 2; riscv64 under -icount 1),
# LINUX_IMAGE, LINUX_INITRD, LINUX_TIMEOUT (seconds
# to reach the shell).
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
ARCH=${ARCH:-aarch64}
die() { echo "run-bare.sh: $*" >&2; exit 2; }

# Per architecture: QEMU, its board, the CPU, the console's tty, the assets.
case $ARCH in
aarch64)
	QEMU=${QEMU:-qemu-system-aarch64} MACHINE=virt,gic-version=3
	CPU=${LINUX_CPU:-max,pauth=off,sve=off,sme=off} TTY=ttyAMA0 out=$top/build/linux
	BENCH_ICOUNT=shift=0 ;;
riscv64)
	QEMU=${QEMU:-qemu-system-riscv64} MACHINE=virt
	CPU=${LINUX_CPU:-rv64} TTY=ttyS0 out=$top/build/linux-riscv64
	BENCH_ICOUNT=shift=0,sleep=off ;;
*) die "ARCH=$ARCH: aarch64 or riscv64" ;;
esac
IMAGE=${LINUX_IMAGE:-$out/Image}
INITRD=${LINUX_INITRD:-$out/initramfs.cpio}
# quiet: the boot log through the emulated UART costs instructions and
# wall time (docs/linux.md has both figures); errors still print.
CMDLINE=${LINUX_CMDLINE:-console=$TTY quiet}
MEM=${LINUX_MEM:-256M}
SMP=${LINUX_SMP:-2}
BOOT_LIMIT=${LINUX_TIMEOUT:-120}
CMD_LIMIT=30

mode=test
icount=()
case ${1:-} in
--bench) mode=bench ;;
--icount) icount=(-icount shift=0) ;;
"") ;;
*) die "usage: $0 [--bench | --icount]" ;;
esac
if [ "$ARCH" = riscv64 ] && { [ "$mode" = bench ] || [ ${#icount[@]} -gt 0 ]; }; then
	SMP=${LINUX_SMP:-1}
fi
[ -f "$IMAGE" ] || die "no $IMAGE (make ARCH=$ARCH linux-assets)"
[ -f "$INITRD" ] || die "no $INITRD (make ARCH=$ARCH linux-assets)"
command -v "$QEMU" >/dev/null || die "$QEMU not found (make ARCH=$ARCH setup)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/keel-linux.XXXXXX")
qemu_pid=
cleanup() {
	[ -n "$qemu_pid" ] && kill "$qemu_pid" 2>/dev/null
	exec 3>&- 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# Start QEMU with its console on a fifo (our fd 3) and the log file.
# Opened read-write, the fifo never blocks and never sees end-of-file.
start_qemu() {
	local log=$1 limit=$2
	shift 2
	mkfifo "$tmp/console"
	exec 3<>"$tmp/console"
	timeout "$limit" "$QEMU" -M "$MACHINE" -cpu "$CPU" -smp "$SMP" -m "$MEM" \
		-nographic -nic none -no-reboot "$@" -kernel "$IMAGE" -initrd "$INITRD" \
		-append "$CMDLINE" <&3 >"$log" 2>&1 &
	qemu_pid=$!
}

# The log from byte offset $mark on, without the console's carriage returns.
log_since() { tail -c +$((mark + 1)) "$log" | tr -d '\r'; }
set_mark() { mark=$(stat -c %s "$log"); }

# Wait until a whole line after the mark matches the extended regex $1,
# for at most $2 seconds; fails early if QEMU has gone or Linux panicked.
wait_line() {
	local re=$1 limit=$2 end
	end=$((SECONDS + limit))
	while [ "$SECONDS" -lt "$end" ]; do
		log_since | grep -aqE "^($re)\$" && return 0
		kill -0 "$qemu_pid" 2>/dev/null || { log_since | grep -aqE "^($re)\$"; return; }
		if grep -aq 'Kernel panic - not syncing' "$log"; then
			grep -a -m1 'Kernel panic' "$log" | tr -d '\r' >&2
			return 1
		fi
		sleep 0.2
	done
	return 1
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }
# Milliseconds since $1 (a now_ms value), as seconds with two decimals.
since_s() {
	local ms=$(($(now_ms) - $1))
	printf '%d.%02d' $((ms / 1000)) $((ms % 1000 / 10))
}

passed=0
failed=0
check() {
	local name=$1
	shift
	if "$@"; then
		echo "[linux-bare] PASS $name"
		passed=$((passed + 1))
	else
		echo "[linux-bare] FAIL $name (log: $log)"
		failed=$((failed + 1))
	fi
}

# Type a command line; the wait that follows sees only later output.
# The checks match output lines that the echoed command line cannot
# match ("echo hello-$((6*7))" echoes as typed, prints hello-42).
type_line() {
	set_mark
	printf '%s\n' "$1" >&3
}

# The shell prompt (PS1 in tests/linux/init) ends a partial line, so it is
# looked for anywhere in the text.
wait_prompt() { wait_text 'keel-guest:/# ' "$1"; }

# Wait until the text $1 appears anywhere after the mark, for at most $2
# seconds.
wait_text() {
	local end=$((SECONDS + $2))
	while [ "$SECONDS" -lt "$end" ]; do
		log_since | grep -aqF "$1" && return 0
		kill -0 "$qemu_pid" 2>/dev/null || return 1
		sleep 0.2
	done
	return 1
}

boot_to_shell() {
	set_mark
	wait_line '\[linux\] init reached' "$BOOT_LIMIT" &&
		wait_line '\[linux\] shell ready' "$CMD_LIMIT" && wait_prompt "$CMD_LIMIT"
}

# ash says "job control turned off" when it has no controlling terminal;
# cttyhack must have given it the console's real tty.
job_control() {
	mark=0
	! log_since | grep -aqi 'job control turned off' || return 1
	type_line 'tty'
	wait_line "/dev/$TTY" "$CMD_LIMIT"
}

cpu_count() {
	type_line 'grep -c processor /proc/cpuinfo'
	wait_line "$SMP" "$CMD_LIMIT"
}

# busybox time: "real 0m 1.00s" is guest time, the host's clock bounds it
# from the other side (a guest clock running fast would pass the first).
sleep_one() {
	local t0
	t0=$(now_ms)
	type_line 'time sleep 1; echo slept-$((2*4))'
	wait_line 'real[[:space:]]+0m 1\.[0-9]+s' "$CMD_LIMIT" &&
		wait_line 'slept-8' "$CMD_LIMIT" && [ $(($(now_ms) - t0)) -ge 1000 ]
}

echo_command() {
	type_line 'echo hello-$((6*7))'
	wait_line 'hello-42' "$CMD_LIMIT"
}

# Loading them proves modules.dep and the dependency closure are right
# (virtio_net needs net_failover and failover).
virtio_modules() {
	type_line 'modprobe -a virtio_mmio virtio_blk virtio_net virtio_console && echo modules-$((2+3))'
	wait_line 'modules-5' "$CMD_LIMIT"
}

# riscv64's kernel has them built in: their drivers are registered.
virtio_drivers() {
	type_line 'cd /sys/bus/virtio/drivers && ls -d virtio_blk virtio_net virtio_console virtio_rng >/dev/null && cd / && echo drivers-$((2+3))'
	wait_line 'drivers-5' "$CMD_LIMIT"
}

# riscv64 test mode gives the guest a virtio-blk disk of 1 MiB of random
# bytes: reading it all back through virtio-mmio and the PLIC's interrupts
# must give the host's checksum.
disk_args() {
	head -c 1048576 /dev/urandom >"$tmp/disk.img"
	disk_sum=$(md5sum <"$tmp/disk.img" | cut -d' ' -f1)
	# shellcheck disable=SC2054 # the commas are QEMU's
	disk=(-drive "file=$tmp/disk.img,if=none,format=raw,id=disk0"
		-device virtio-blk-device,drive=disk0)
}
virtio_disk() {
	type_line 'md5sum /dev/vda'
	wait_line "$disk_sum  /dev/vda" "$CMD_LIMIT"
}

# /init starts a new shell when the old one exits. Its line is looked for
# anywhere: the console's echo of "exit" can be cut short and share it
# ("keel-guest:/# ex[linux] shell exited, ..."), and the typed word
# cannot match it.
shell_respawn() {
	type_line 'exit'
	wait_text '[linux] shell exited, starting a new one' "$CMD_LIMIT" &&
		wait_prompt "$CMD_LIMIT" && echo_command
}

# poweroff: init (tests/linux/init) turns busybox's signal into poweroff -f,
# PSCI SYSTEM_OFF; QEMU (-no-reboot) must exit by itself.
power_off() {
	local end=$((SECONDS + CMD_LIMIT))
	type_line 'poweroff'
	while [ "$SECONDS" -lt "$end" ]; do
		kill -0 "$qemu_pid" 2>/dev/null || { qemu_pid=; return 0; }
		sleep 0.2
	done
	return 1
}

run_test() {
	log=$out/bare${icount:+-icount}.log
	disk=()
	[ "$ARCH" = aarch64 ] || disk_args
	start_qemu "$log" $((BOOT_LIMIT + 9 * CMD_LIMIT)) "${icount[@]}" "${disk[@]}"
	local t0
	t0=$(now_ms)
	check boot-to-shell boot_to_shell
	if [ "$failed" -eq 0 ]; then
		echo "[linux-bare] $ARCH shell after $(since_s "$t0") s wall (cmdline: $CMDLINE; -smp $SMP${icount:+ ${icount[*]}})"
		check job-control job_control
		check cpu-count cpu_count
		check sleep-1 sleep_one
		check echo-command echo_command
		if [ "$ARCH" = riscv64 ]; then
			check virtio-drivers virtio_drivers
			check virtio-disk virtio_disk
		else
			check virtio-modules virtio_modules
		fi
		check shell-respawn shell_respawn
		check poweroff power_off
	fi
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}

# Under -icount shift=0 one instruction is 1 ns of virtual time, so the
# guest's /bin/icount line is the instruction count from reset to /init.
run_bench() {
	local n
	log=$out/bench.log
	start_qemu "$log" "$BOOT_LIMIT" -icount "$BENCH_ICOUNT"
	mark=0
	local t0
	t0=$(now_ms)
	if ! wait_line '\[linux\] icount [0-9]+' "$BOOT_LIMIT"; then
		echo "run-bare.sh: no [linux] icount line within ${BOOT_LIMIT}s (log: $log)" >&2
		exit 1
	fi
	n=$(log_since | sed -n 's/^\[linux\] icount \([0-9]*\)$/\1/p' | head -n1)
	echo "bench linux_boot_bare$([ "$ARCH" = aarch64 ] || echo "_$ARCH") $n instructions"
	echo "run-bare.sh: /init after $(since_s "$t0") s wall (cmdline: $CMDLINE; cpu: $CPU)" >&2
}

mkdir -p "$out"
if [ "$mode" = bench ]; then run_bench; else run_test; fi
