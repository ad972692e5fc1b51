#!/usr/bin/env bash
# Wall-clock benchmarks (issue 11): what a user of `make run` feels.
# QEMU runs as `make run` does (multi-threaded TCG, no -icount), so the
# seconds depend on the host; each figure is therefore a ratio against
# bare QEMU (the same kernel and initramfs, no Keel) measured in the same
# run, Keel and bare alternating, median of BENCH_WALL_RUNS pairs (5),
# with the spread of the pairs' ratios beside it (…_spread: the largest
# less the smallest; a median whose spread reaches past a target does
# not show it held):
#
#   linux_boot_wall_ratio_1vcpu    one VM, 1 vCPU, 256 MiB, to /init
#                                  (tests/linux/bench-1vcpu.json), against
#                                  bare -smp 1
#   linux_boot_wall_ratio_2vcpu    the same with 2 vCPUs (tests/linux/
#                                  bench.json), against bare -smp 2
#   default_config_shell_wall_ratio  both VMs of config/default.json at
#                                  their shell prompt (VM 2's is seen by
#                                  switching the console to it), against
#                                  one bare -smp 2 boot to its prompt
#   console_dmesg_wall             seconds for `dmesg` in VM 1 of the
#                                  default config, typed at its shell;
#                                  console_dmesg_wall_bare beside it
#
# (BENCH_WALL_PARTS picks some of "boot1 boot2 default"), and the medians
# in seconds (…_keel, …_bare). A run that does not reach
# its mark within BENCH_WALL_TIMEOUT seconds (60) counts as that many
# seconds, so its ratio is a lower bound; bench-wall.sh says so on
# stderr. Speed never fails the benchmark: only a broken run does
# (a panic, QEMU gone).
#
#   bash tools/bench-wall.sh build/aarch64/keel.bin >>lines
#   (CHECK_CONFIG and MKBLOBS name the host tools; make bench sets them)
#
# ARCH=riscv64: the riscv64 guest (build/linux-riscv64) on QEMU's riscv64
# virt board, its configs tests/linux/bench-riscv64.json (1 vCPU) and
# bench-riscv64-2vcpu.json against bare -smp 1 and -smp 2 (without
# -icount its bare guest boots on two), and config/default-riscv64.json
# for the default part (docs/riscv64.md).
#
# Prints "bench <name> <value> <unit>" lines on stdout; logs go to
# <dir of the image>/bench-wall/.
set -u
export LC_ALL=C

RUNS=${BENCH_WALL_RUNS:-5}
LIMIT=${BENCH_WALL_TIMEOUT:-60}
top=$(cd "$(dirname "$0")/.." && pwd)

die() { echo "bench-wall.sh: $*" >&2; exit 2; }

# Per architecture: QEMU, the boards Keel and the bare guest run on, the
# guest, the Keel configs of boot1 and boot2, the parts there are.
. "$top/tests/system/board.sh" # KEEL_QEMU, KEEL_MACHINE
QEMU=${QEMU:-$KEEL_QEMU}
case $ARCH in
aarch64)
	BARE_MACHINE=(-M virt,gic-version=3 -cpu max,pauth=off,sve=off,sme=off)
	LINUX=$top/build/linux TTY=ttyAMA0
	BOOT1=$top/tests/linux/bench-1vcpu.json BOOT2=$top/tests/linux/bench.json
	DEFAULT=$top/config/default.json
	PARTS=${BENCH_WALL_PARTS:-boot1 boot2 default} ;;
riscv64)
	BARE_MACHINE=(-M virt -cpu rv64)
	LINUX=$top/build/linux-riscv64 TTY=ttyS0
	BOOT1=$top/tests/linux/bench-riscv64.json BOOT2=$top/tests/linux/bench-riscv64-2vcpu.json
	DEFAULT=$top/config/default-riscv64.json
	PARTS=${BENCH_WALL_PARTS:-boot1 boot2 default} ;;
esac
IMAGE=$LINUX/Image
INITRD=$LINUX/initramfs.cpio
CMDLINE="console=$TTY quiet"
# Prompts: /init names the host after the VM (vm1, vm2) under Keel, and
# keel-guest under plain QEMU.
PROMPT='keel-guest:/# '
PROMPT1='vm1:/# '
PROMPT2='vm2:/# '

[ $# -eq 1 ] || die "usage: $0 <keel.bin>"
bin=$1
[ -f "$bin" ] || die "no such image: $bin"
for t in "${CHECK_CONFIG:-}" "${MKBLOBS:-}"; do
	[ -x "$t" ] || die "CHECK_CONFIG and MKBLOBS must name the host tools (make sets them)"
done
[ -f "$IMAGE" ] && [ -f "$INITRD" ] || die "no Linux assets (make ARCH=$ARCH linux-assets)"
case $RUNS in '' | *[!0-9]* | 0) die "BENCH_WALL_RUNS must be a positive number" ;; esac
case $LIMIT in '' | *[!0-9]* | 0) die "BENCH_WALL_TIMEOUT must be a positive number" ;; esac

outdir=$(dirname "$bin")/bench-wall
mkdir -p "$outdir"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/keel-bench-wall.XXXXXX")
qemu=
cleanup() {
	stop_qemu
	rm -rf "$tmp"
}
trap cleanup EXIT
cp "$bin" "$tmp/keel.bin" # a rebuild while we run must not change what boots

# Blobs for each Keel config, laid out once.
blobs_for() {
	local cfg=$1 dir
	dir=$tmp/blobs-$(basename "$cfg" .json)
	if [ ! -d "$dir" ]; then
		"$CHECK_CONFIG" --arch "$ARCH" "$cfg" >/dev/null || die "$cfg does not check"
		"$MKBLOBS" --arch "$ARCH" "$cfg" 2048 "$dir" >/dev/null || die "mkblobs failed for $cfg"
		bash "$(dirname "$0")/../tests/system/uplink-ports.sh" "$dir/qemu-args" >/dev/null || die "no free host port" # h-up
	fi
	echo "$dir"
}

now_ns() { date +%s%N; }

# start_keel <config> <log> / start_bare <smp> <log>: QEMU as make run or
# run-bare.sh starts it, its console on a fifo (fd 3) and the log.
open_console() {
	rm -f "$tmp/console"
	mkfifo "$tmp/console"
	exec 3<>"$tmp/console"
	: >"$1"
	off=0
	late=0
	t0=$(now_ns)
}
start_keel() {
	local b
	b=$(blobs_for "$1")
	open_console "$2"
	# shellcheck disable=SC2046 # one QEMU argument per line of qemu-args
	"$QEMU" "${KEEL_MACHINE[@]}" \
		-smp 2 -nic none -m 2048M -nographic -no-reboot -kernel "$tmp/keel.bin" \
		$(grep -v '^blobs=' "$b/qemu-args") -append "$(grep '^blobs=' "$b/qemu-args")" \
		<&3 >"$2" 2>&1 &
	qemu=$!
}
start_bare() {
	open_console "$2"
	"$QEMU" "${BARE_MACHINE[@]}" -smp "$1" -m 256M \
		-nographic -nic none -no-reboot -kernel "$IMAGE" -initrd "$INITRD" \
		-append "$CMDLINE" <&3 >"$2" 2>&1 &
	qemu=$!
}
stop_qemu() {
	[ -n "$qemu" ] || return 0
	kill "$qemu" 2>/dev/null
	wait "$qemu" 2>/dev/null
	qemu=
	exec 3>&- 2>/dev/null
}

# expect <log> <regex>: wait for the first match after the previous one,
# until the run's deadline. 0: seen; 1: deadline; 2: the run broke.
expect() {
	local log=$1 re=$2 hit pos match
	while :; do
		hit=$(tail -c +$((off + 1)) "$log" | grep -a -o -b -E -- "$re" | head -n1)
		if [ -n "$hit" ]; then
			pos=${hit%%:*}
			match=${hit#*:}
			off=$((off + pos + ${#match}))
			return 0
		fi
		grep -aqE 'keel: PANIC|Kernel panic' "$log" && return 2
		kill -0 "$qemu" 2>/dev/null || return 2
		[ $(($(now_ns) - t0)) -lt $((LIMIT * 1000000000)) ] || return 1
		sleep 0.05
	done
}

# Seconds since $1 (ns), three decimals.
since() { awk -v a="$1" -v b="$(now_ns)" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }

# mark <log> <regex> <what>: secs = seconds from the run's start to the
# match, or the limit when it timed out (said on stderr); fails, with
# QEMU stopped, when the run broke. Not in a subshell: expect moves off.
mark() {
	local rc
	if [ "$late" = 1 ]; then # a step timed out: the rest count as the limit
		secs=$LIMIT
		return 0
	fi
	expect "$1" "$2"
	rc=$?
	case $rc in
	0) secs=$(since "$t0") ;;
	1) echo "bench-wall.sh: $3 not reached in ${LIMIT}s (log: $1): counted as ${LIMIT}s" >&2
	   secs=$LIMIT
	   late=1 ;;
	*) echo "bench-wall.sh: $3: the run broke (log: $1)" >&2
	   stop_qemu
	   return 1 ;;
	esac
}

# One Linux boot to /init: Keel (config) or bare (-smp n); prints seconds.
boot_keel() {
	local log
	log=$outdir/boot-$(basename "$1" .json).log
	start_keel "$1" "$log"
	mark "$log" '\[linux\] init reached' "Keel $1 /init" || return 1
	stop_qemu
	echo "$secs"
}
boot_bare() {
	local log=$outdir/boot-bare-smp$1.log
	start_bare "$1" "$log"
	mark "$log" '\[linux\] init reached' "bare -smp $1 /init" || return 1
	stop_qemu
	echo "$secs"
}

# dmesg typed at a prompt, with its own deadline: seconds from the
# command to the line after its output (secs).
dmesg_time() {
	[ "$late" = 1 ] || t0=$(now_ns)
	printf 'dmesg; echo dmesg-done-$((6*7))\r' >&3
	mark "$1" '^dmesg-done-42' "dmesg's end"
}

# The default config: both VMs at their prompt (VM 2 by switching the
# console to it: Ctrl-] 2), then dmesg in VM 1. Prints "<shell s> <dmesg s>".
shell_keel() {
	local log=$outdir/shell-default.log sh
	start_keel "$DEFAULT" "$log"
	mark "$log" "$PROMPT1" "Keel VM 1 prompt" || return 1
	printf '\x1d2' >&3
	mark "$log" 'vm2 has the console' "Keel console switch to VM 2" || return 1
	printf '\r' >&3
	mark "$log" "$PROMPT2" "Keel VM 2 prompt" || return 1
	sh=$secs
	printf '\x1d1' >&3
	mark "$log" 'vm1 has the console' "Keel console switch to VM 1" || return 1
	printf '\r' >&3
	mark "$log" "$PROMPT1" "Keel VM 1 prompt" || return 1
	dmesg_time "$log" || return 1
	stop_qemu
	echo "$sh $secs"
}
shell_bare() {
	local log=$outdir/shell-bare.log sh
	start_bare 2 "$log"
	mark "$log" "$PROMPT" "bare prompt" || return 1
	sh=$secs
	dmesg_time "$log" || return 1
	stop_qemu
	echo "$sh $secs"
}

median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v k="$1" -v b="$2" 'BEGIN { printf "%.3f", k / b }'; }
spread() { tr ' ' '\n' | grep . | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.3f\n", hi - lo }'; }

# pairs <name> <keel fn> <keel arg> <bare fn> <bare arg>: alternating runs.
pairs() {
	local name=$1 k b ks="" bs="" rs="" i
	for i in $(seq 1 "$RUNS"); do
		k=$($2 "$3") || die "$name: a Keel run broke"
		b=$($4 "$5") || die "$name: a bare run broke"
		ks="$ks $k"
		bs="$bs $b"
		rs="$rs $(ratio "$k" "$b")"
		echo "bench-wall.sh: $name run $i: Keel ${k}s, bare ${b}s" >&2
	done
	echo "bench ${name/ratio_/}_keel $(echo "$ks" | median) s"
	echo "bench ${name/ratio_/}_bare $(echo "$bs" | median) s"
	echo "bench $name $(echo "$rs" | median) x"
	echo "bench ${name}_spread $(echo "$rs" | spread) x"
}

want() { case " $PARTS " in *" $1 "*) return 0 ;; esac; return 1; }
want boot1 && pairs linux_boot_wall_ratio_1vcpu boot_keel "$BOOT1" boot_bare 1
want boot2 && pairs linux_boot_wall_ratio_2vcpu boot_keel "$BOOT2" boot_bare 2
want default || exit 0

ks="" bs="" rs="" kd="" bd=""
for i in $(seq 1 "$RUNS"); do
	read -r k d1 <<<"$(shell_keel)"
	read -r b d2 <<<"$(shell_bare)"
	[ -n "$k" ] && [ -n "$b" ] || die "default config run $i broke (logs: $outdir)"
	ks="$ks $k" bs="$bs $b" kd="$kd $d1" bd="$bd $d2"
	rs="$rs $(ratio "$k" "$b")"
	echo "bench-wall.sh: default config run $i: Keel shells ${k}s (dmesg ${d1}s), bare ${b}s (dmesg ${d2}s)" >&2
done
echo "bench default_config_shell_wall_keel $(echo "$ks" | median) s"
echo "bench default_config_shell_wall_bare $(echo "$bs" | median) s"
echo "bench default_config_shell_wall_ratio $(echo "$rs" | median) x"
echo "bench default_config_shell_wall_ratio_spread $(echo "$rs" | spread) x"
echo "bench console_dmesg_wall $(echo "$kd" | median) s"
echo "bench console_dmesg_wall_spread $(echo "$kd" | spread) s"
echo "bench console_dmesg_wall_bare $(echo "$bd" | median) s"
