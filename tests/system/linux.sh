#!/usr/bin/env bash
# Linux system test (issue 5): boot config/default.json (two Debian Linux
# VMs, 2 vCPUs each) under Keel in one QEMU, type at the console as a
# user would and judge what comes back. Steps, in order, each with a
# timeout:
#
#   shell       VM 1 boots to its busybox shell (console in switch mode:
#               VM 1 has the console, written raw)
#   web         the host's curl through config/default.json's forward gets
#               VM 1's httpd page (tests/system/uplink-steps.sh)
#   cpus        grep -c processor /proc/cpuinfo  -> 2 (LINUX_TEST_CPUS)
#   hotplug     CPU 1 offline, then online again (PSCI CPU_OFF, CPU_ON)
#   sleep       time sleep 1                     -> real 0m 1.xxs
#   command     echo hello-$((6*7))              -> hello-42
#   interrupt   sleep 100, then Ctrl-C: the prompt is back within 40 s
#               and the same shell answers (it has a controlling tty)
#   paste       10,240 bytes typed at once into cat > /tmp/p (echo off):
#               md5sum in the guest equals the host's (console
#               back-pressure: nothing dropped, doubled or reordered)
#   dmesg       time dmesg: prints the wall-clock time the console took
#               to show the kernel log (a figure, not a limit)
#   vm2         Ctrl-] 2: VM 2 booted meanwhile; its shell answers
#   paste2      the same paste into VM 2
#   back        Ctrl-] 1: VM 1 again
#   crash       Ctrl-] k: root crashes VM 1's PL011 server (a real fault:
#               root sets its pc to 0); root logs the fault and restarts
#               it; the next command's output arrives whole
#   poweroff    VM 2 runs poweroff: root destroys VM 2 only
#   alive       VM 1 still answers
#   nokey       Ctrl-] 7: the console says there is no VM 7
#   again       Ctrl-] 2: the console says VM 2 is off; Ctrl-] s: root
#               builds VM 2 again from the config; its shell answers
#
#   bash tests/system/linux.sh build/aarch64/keel.bin
#
# LINUX_TEST_CONFIG and LINUX_TEST_STEPS pick another config and steps,
# LINUX_TEST_APPEND puts words before blobs= on the kernel command line
# (test=<scenario> with the test image, keel-test.bin), LINUX_TEST_QEMU_ARGS
# adds QEMU options (tools/bench-net.sh: -icount shift=0);
# make linux-system also boots tests/linux/dtb.json (a device tree the
# config supplies) with the steps "shell model".
#
# Needs build/linux (make linux-assets) and the host config tools
# (CHECK_CONFIG, MKBLOBS: set by make). Log: <dir of the image>/system/linux.log.
set -u
export LC_ALL=C # grep's byte offsets and ${#match} agree

# ARCH=riscv64: the riscv64 guest (config/default-riscv64.json) on QEMU's
# riscv64 virt board, whose console UART is a 16550 (its server: ns16550).
. "$(dirname "$0")/board.sh" # KEEL_QEMU, KEEL_MACHINE
QEMU=${QEMU:-$KEEL_QEMU}
case $ARCH in
aarch64) DEFAULT_CONFIG=config/default.json UART_SERVER=pl011 ;;
riscv64) DEFAULT_CONFIG=config/default-riscv64.json UART_SERVER=ns16550 ;;
esac
CONFIG=${LINUX_TEST_CONFIG:-$DEFAULT_CONFIG}
STEP_LIMIT=${LINUX_STEP_TIMEOUT:-240}

die() { echo "linux.sh: $*" >&2; exit 2; }

[ $# -eq 1 ] || die "usage: $0 <keel.bin>"
bin=$1
[ -f "$bin" ] || die "no such image: $bin"
for t in "${CHECK_CONFIG:-}" "${MKBLOBS:-}"; do
	[ -x "$t" ] || die "CHECK_CONFIG and MKBLOBS must name the host tools (make sets them)"
done
outdir=$(dirname "$bin")/system
mkdir -p "$outdir"
log=$outdir/linux${LINUX_TEST_LOG:+-$LINUX_TEST_LOG}.log
blobs=$(dirname "$bin")/linux-test-blobs
"$CHECK_CONFIG" --arch "$ARCH" "$CONFIG" >/dev/null || die "$CONFIG does not check"
"$MKBLOBS" --arch "$ARCH" "$CONFIG" 2048 "$blobs" >/dev/null || die "mkblobs failed"
# h-up: the uplink's forwards on free host ports (uplink-steps.sh uses them)
UPLINK_PORTS=$(bash "$(dirname "$0")/uplink-ports.sh" "$blobs/qemu-args") || die "no free host port"

image=$(mktemp "${TMPDIR:-/tmp}/keel-linux.XXXXXX")
fifo=$(mktemp -u "${TMPDIR:-/tmp}/keel-linux-stdin.XXXXXX")
mkfifo "$fifo"
exec 3<>"$fifo"
cp "$bin" "$image"
: >"$log"
# shellcheck disable=SC2046 # one QEMU argument per line of qemu-args
"$QEMU" "${KEEL_MACHINE[@]}" -smp 2 \
	-nic none -m 2048M -nographic -no-reboot ${LINUX_TEST_QEMU_ARGS:-} -kernel "$image" \
	$(grep -v '^blobs=' "$blobs/qemu-args") \
	-append "${LINUX_TEST_APPEND:+$LINUX_TEST_APPEND }$(grep '^blobs=' "$blobs/qemu-args")" \
	<"$fifo" >"$log" 2>&1 &
qemu=$!
cleanup() {
	kill "$qemu" 2>/dev/null
	wait "$qemu" 2>/dev/null
	exec 3>&-
	rm -f "$fifo" "$image"
}
trap cleanup EXIT

off=0 # bytes of the log already matched: each expect looks after them
last= # what the last expect matched
waited= # what the last expect that timed out waited for (told at a FAIL)
passed=0
failed=0

# expect <regex> [timeout]: the first match after the last one; moves on.
# The log keeps the guest's \r\n, so patterns end without "$".
expect() {
	local re=$1 limit=${2:-$STEP_LIMIT} t=0 hit pos match
	while [ "$t" -lt $((limit * 5)) ]; do
		hit=$(tail -c +$((off + 1)) "$log" | grep -a -o -b -E -- "$re" | head -n1)
		if [ -n "$hit" ]; then
			pos=${hit%%:*}
			match=${hit#*:}
			off=$((off + pos + ${#match}))
			last=$match
			return 0
		fi
		if grep -aqE 'keel: PANIC|Kernel panic' "$log"; then
			waited="$re (a panic came first)"
			return 1
		fi
		kill -0 "$qemu" 2>/dev/null || { waited="$re (QEMU exited)"; return 1; }
		sleep 0.2
		t=$((t + 1))
	done
	waited="$re (${limit} s)"
	return 1
}

send() { printf '%b' "$1" >&3; }

step() {
	local name=$1
	shift
	waited=
	if "$@"; then
		echo "[linux] PASS $name"
		passed=$((passed + 1))
	else
		echo "[linux] FAIL $name (log: $log, from byte $off${waited:+; waited for: $waited})"
		failed=$((failed + 1))
		finish
	fi
}

finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit $?
}

# The prompt names the VM (tests/linux/init takes the hostname from the
# device tree's /chosen/keel,vm-name); the steps that switch VMs set it.
PROMPT='vm1:/# '

# A command typed at the prompt and the line its output must contain.
# The line must not be in the command as typed: root's lines (crashes)
# can split the echoed command anywhere, and a piece of it after such a
# line starts a line of its own. So a mark the output ends with is
# computed (echo done-$((40+2)), matched as done-42): a riscv64 run
# took the echo of "echo hvc-lines-done" for its output and judged the
# hvc0 lines while 188 of them were still coming. Then the line need not
# be anchored (^) either, and in the runs that crash servers it is not:
# the kernel writes a server's line in 48-byte traps, and the guest's
# output can come between two of them, after a line's first part (an
# aarch64 net-crash run lost "got=<md5>" so: docs/console.md, "Two
# writers").
run_cmd() {
	expect "$PROMPT" 60 || return 1
	send "$1\r"
	expect "$2" "${3:-60}"
}

t_shell() { expect '\[linux\] shell ready' && expect "$PROMPT" 60 && send '\r'; }
# VM 1 of the default config runs from its disk (tests/linux/init
# switches to /dev/vda), and what it writes there reaches the host file:
# persist prints persist=<token>, which the Makefile finds in the image.
t_root() { run_cmd 'echo root=$(awk '"'"'$2 == "/" { print $1 }'"'"' /proc/mounts)' '^root=/dev/vda'; }
t_persist() { run_cmd 'echo keel-$$-$(date +%s) > /persist && sync && echo persist=$(cat /persist)' '^persist=keel-[0-9]+-[0-9]+'; }
t_cpus() { run_cmd 'echo cpus=$(grep -c processor /proc/cpuinfo)' "^cpus=${LINUX_TEST_CPUS:-2}"; }
# The guest PMU under Linux: the armv8_pmuv3 driver probed the VMM's
# device-tree node, and a perf event counts a busy loop's cycles (only
# while the VM runs: nothing else on the machine is in the count).
t_pmu() {
	run_cmd 'dmesg | grep -q "hw perfevents: enabled with armv8_pmuv3 PMU driver" && [ -d /sys/bus/event_source/devices/armv8_pmuv3 ] && perfcount' \
		'^perfcount cycles [1-9][0-9]{6,}'
}
# CPU hotplug: CPU_OFF, then CPU_ON of a vCPU that ran (reset, MMU off).
t_hotplug() {
	run_cmd 'echo 0 > /sys/devices/system/cpu/cpu1/online; echo off=$(cat /sys/devices/system/cpu/online)' '^off=0' &&
		run_cmd 'echo 1 > /sys/devices/system/cpu/cpu1/online; echo on=$(cat /sys/devices/system/cpu/online)' '^on=0-1'
}
t_sleep() { run_cmd 'time sleep 1' 'real[[:space:]]+0m 1\.[0-9]+s'; }
t_command() { run_cmd 'echo hello-$((6*7))' '^hello-42'; }
# Ctrl-C reaches the foreground job, not the shell: the prompt is back
# long before sleep's 100 s are over, and the shell's pid is the same.
# A Ctrl-C typed before sleep is in the foreground (a slow machine) goes
# to the shell, which ignores it: Ctrl-C again every 2 s, up to 40 s.
t_interrupt() {
	local pid try
	run_cmd 'echo shell=$$' '^shell=[0-9]+' || return 1
	pid=${last#shell=}
	send 'sleep 100\r'
	expect 'sleep 100' 30 || return 1
	for ((try = 0; try < 20; try++)); do
		send '\x03'
		expect "$PROMPT" 2 && break
	done
	[ "$try" -lt 20 ] && send 'echo shell=$$\r' && expect "^shell=$pid[^0-9]" 30
}
# A paste of PASTE_LINES lines of 64 printable bytes (10,240 bytes in
# all), each ended by CR as a terminal sends Enter, in one write: the
# guest's checksum of what cat saved must equal the host's of the same
# lines ended by LF.
PASTE_LINES=160
paste_text() {
	local n
	for ((n = 1; n <= PASTE_LINES; n++)); do
		printf 'paste %04d %08x %s%s' "$n" $(((n * 2654435761) % 4294967296)) \
			'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ' "$1"
	done
}
t_paste() {
	local want
	want=$(printf '%b' "$(paste_text '\n')" | md5sum | cut -d' ' -f1)
	run_cmd 'stty -echo; cat > /tmp/p; stty echo; echo pasted=$(wc -c < /tmp/p)' \
		'stty echo; echo pasted' || return 1
	sleep 1
	send "$(paste_text '\r')"
	send '\x04'
	expect 'pasted=[0-9]+' 240 || return 1
	echo "[linux] paste: guest has ${last#pasted=} of $((PASTE_LINES * 64)) bytes"
	run_cmd 'md5sum /tmp/p' "^$want  /tmp/p" 60
}
t_paste2() { t_paste; }
t_dmesg() {
	run_cmd 'dmesg | wc -c; time dmesg' 'real[[:space:]]+[0-9]+m [0-9.]+s' 300 &&
		echo "[linux] dmesg: $(echo "$last" | tr -s '[:space:]' ' ')"
}
t_vm2() {
	expect "$PROMPT" 60 || return 1
	send '\x1d2'
	PROMPT='vm2:/# '
	expect 'vm2 has the console' 30 &&
		expect '\[linux\] shell ready' && run_cmd 'echo vm2-$((40+2))' '^vm2-42'
}
t_back() {
	send '\x1d1'
	PROMPT='vm1:/# '
	expect 'vm1 has the console' 30 && send '\r' && run_cmd 'echo back-$((7*6))' '^back-42'
}
t_crash() {
	expect "$PROMPT" 60 || return 1
	send '\x1dk'
	expect "vm1-$UART_SERVER.*(fault|faulted)" 30 && expect 'restart' 30 &&
		send '\r' &&
		run_cmd 'for i in 1 2 3; do echo whole-$i-abcdefghijklmnopqrstuvwxyz; done' \
			'^whole-1-abcdefghijklmnopqrstuvwxyz' &&
		expect '^whole-2-abcdefghijklmnopqrstuvwxyz' 30 &&
		expect '^whole-3-abcdefghijklmnopqrstuvwxyz' 30
}
t_poweroff() {
	expect "$PROMPT" 60 || return 1
	send '\x1d2'
	PROMPT='vm2:/# '
	expect 'vm2 has the console' 30 && send '\r' && expect "$PROMPT" 60 &&
		send 'poweroff\r' && expect 'VM vm2 destroyed' 120
}
t_alive() {
	send '\x1d1'
	PROMPT='vm1:/# '
	expect 'vm1 has the console' 30 && send '\r' && run_cmd 'echo alive-$((5*5))' '^alive-25' &&
		! grep -aq 'VM vm1 destroyed' "$log"
}

t_nokey() {
	send '\x1d7'
	expect '\[console\] there is no VM 7' 30
}
t_again() {
	send '\x1d2'
	PROMPT='vm2:/# ' # whichever VM had the console before (alive: vm1)
	expect 'vm2 has the console.*it is off: Ctrl-\] s starts it' 30 && send '\x1ds' &&
		expect 'VM vm2: starting it again' 30 && t_shell &&
		run_cmd 'echo again-$((20+22))' '^again-42'
}

# Disks (tests/linux/disk.json: vda read-write, vdb read-only, both the
# guest's ext4 tree): Debian's virtio modules find them through Keel's
# virtio-blk device servers; vda mounts and holds /init; 8 MiB of random
# data written, synced, unmounted, dropped from the cache and read back
# has the same checksum (printed as sum=<md5> for the host's check after
# QEMU stops: tests/linux/disk-check.sh); vdb mounts, and a write to it
# fails.
# Both arches' busybox: riscv64's has no cmp, no md5sum -c and no
# modprobe (its kernel has the drivers built in), so files are compared
# by their sums and a missing modprobe is quiet.
t_mount() {
	run_cmd 'mkdir -p /mnt /ro; for m in virtio_mmio virtio_blk ext4; do modprobe $m 2>/dev/null; done; mount -t ext4 /dev/vda /mnt && [ "$(md5sum < /mnt/init)" = "$(md5sum < /init)" ] && echo mount-ok-$((40+2))' 'mount-ok-42' 120
}
t_diskio() {
	run_cmd 'dd if=/dev/urandom of=/mnt/f bs=64k count=128 2>/dev/null; s=$(md5sum < /mnt/f); sync; umount /mnt; echo 3 > /proc/sys/vm/drop_caches; mount -t ext4 /dev/vda /mnt && [ "$(md5sum < /mnt/f)" = "$s" ] && echo "sum=${s%% *}"' '^sum=[0-9a-f]{32}' 240
}
# Then 8 MiB of vdb in 1 MiB O_DIRECT reads, each more than a ring slot
# holds (the server splits them, docs/blk.md): the host's MD5 of the same
# bytes of the image, and the queue takes the segments the device offers.
# Then vdb as Linux sees it: read-only at the disk level, since the device
# offers VIRTIO_BLK_F_RO. `blockdev --setrw` does not undo that (Linux 6.1
# clears the block device's own flag, not the one the driver set on the
# disk), so an O_DIRECT
# write still fails in Linux's block layer (EPERM) and never reaches Keel;
# the host's image is the same bytes after. That Keel itself refuses a
# write to a read-only disk is tests/system/rodisk.sh's: a guest driver
# that ignores the feature gets VIRTIO_BLK_S_IOERR.
t_readonly() {
	local want img=build/linux/disk-ro.ext4 sum
	sum=$(md5sum <"$img") && want=$(head -c 8M "$img" | md5sum) || return 1
	run_cmd "[ \"\$(dd if=/dev/vdb bs=1M count=8 iflag=direct 2>/dev/null | md5sum)\" = '$want' ] && echo big-reads-\$(cat /sys/block/vdb/queue/max_segments)" '^big-reads-126' 120 || return 1
	run_cmd 'blockdev --setrw /dev/vdb; [ "$(blockdev --getro /dev/vdb)" = 1 ] && [ "$(cat /sys/block/vdb/ro)" = 1 ] && mount -t ext4 -o ro /dev/vdb /ro && cmp /ro/init /init && dd if=/dev/zero of=/dev/vdb bs=4k count=1 oflag=direct 2>&1 | grep -q "Operation not permitted" && echo ro-ok-$((40+2))' '^ro-ok-42' 60 || return 1
	[ "$(md5sum <"$img")" = "$sum" ] || { waited="$img on the host changed"; return 1; }
}
# Two VMs' disks (vm2 has its own): vm1 marks its disk; vm2's disk does
# not have the mark, vm2 marks its own; vm1's still says vm1 when read
# from the disk again. The host checks both images after (Makefile).
t_mark() { run_cmd 'echo vm1 > /mnt/owner; sync; echo marked-$((40+2))' '^marked-42'; }
t_other() {
	run_cmd 'mkdir -p /mnt; modprobe virtio_mmio; modprobe virtio_blk; modprobe ext4; mount -t ext4 /dev/vda /mnt && echo owner=$(cat /mnt/owner 2>/dev/null || echo none) && echo vm2 > /mnt/owner && umount /mnt && sync' '^owner=none' 120
}
t_mine() {
	run_cmd 'umount /mnt; echo 3 > /proc/sys/vm/drop_caches; mount -t ext4 /dev/vda /mnt && echo owner=$(cat /mnt/owner)' '^owner=vm1' 60
}
t_unmount() { run_cmd 'umount /mnt && { ! grep -q " /ro " /proc/mounts || umount /ro; } && sync && echo unmounted-$((40+2))' 'unmounted-42' 60; }
# Under the test root's disk-crash scenario (test=disk-crash): 32 MiB in
# files with checksums, written, synced, dropped from the cache and read
# back while root crashes the disk's device server and block driver;
# then root must have crashed each often enough (DISK_MIN_DEV,
# DISK_MIN_DRV restarts in the log).
t_diskload() {
	run_cmd 'for i in 1 2 3 4 5 6 7 8; do dd if=/dev/urandom of=/mnt/w$i bs=64k count=64 2>/dev/null; done; md5sum /mnt/w? > /tmp/sums; cp /tmp/sums /mnt/sums; sync; umount /mnt; echo 3 > /proc/sys/vm/drop_caches; mount -t ext4 /dev/vda /mnt && [ "$(md5sum /mnt/w?)" = "$(cat /tmp/sums)" ] && echo "load-ok $(wc -l < /tmp/sums)"' 'load-ok 8' 900
}
# Then the guest's kernel log must hold no I/O error: a crash may cost
# time, never a request the guest's driver sees fail (issue 12: no I/O
# error caused by a crash). Any such line is printed before the count.
t_noioerr() {
	run_cmd 'p="I/O error|error, dev |blk_update_request|Buffer I/O error|EXT4-fs error"; dmesg | grep -E "$p" | head -n 5; echo ioerr=$(dmesg | grep -cE "$p")' 'ioerr=[0-9]+' 60 || return 1
	echo "[linux] guest kernel log: ${last#ioerr=} I/O error lines"
	[ "${last#ioerr=}" = 0 ]
}
# Each named point of a request (keel/blk.h: the device server's, then
# the driver's) must have been crashed at DISK_MIN_POINT times at least.
t_crashes() {
	local dev drv srv p n ok=0 points=""
	dev=$(grep -ac 'server vm1-vblk restarted' "$log")
	drv=$(grep -ac 'server vm1-blkdrv[0-9]* restarted' "$log")
	echo "[linux] disk crashes: device server $dev, block driver $drv"
	for p in vblk:notified vblk:taken vblk:handed vblk:told vblk:status vblk:used \
		blkdrv:taken blkdrv:notified blkdrv:finished blkdrv:done; do
		srv=vm1-${p%%:*}; [ "$srv" = vm1-blkdrv ] && srv='vm1-blkdrv[0-9]*'
		n=$(tr -d '\r' <"$log" | grep -ac "crash point: $srv at ${p#*:}\$")
		points="$points $p=$n"
		[ "$n" -ge "${DISK_MIN_POINT:-5}" ] || ok=1
	done
	echo "[linux] disk crash points:$points"
	[ "$dev" -ge "${DISK_MIN_DEV:-200}" ] && [ "$drv" -ge "${DISK_MIN_DRV:-20}" ] && [ $ok = 0 ]
}

# virtio-console and virtio-rng (tests/linux/vdev.json, h-vdev): the
# shell runs on hvc0 (tests/linux/init), so what is typed went in through
# the virtio-console server and what comes back out through it, both via
# the console server; 200 lines of output arrive each exactly once while
# root crashes the servers (test=vdev-crash); /dev/hwrng is the
# virtio-rng's and gives 256 bytes that are not constant (16 distinct
# lines of od), then 64 KiB; hvcpaste: t_paste through hvc0; vcrashes:
# root crashed each device server VDEV_MIN times at least, the console
# server an eighth as often. On riscv64 (tests/linux/vdev-riscv64.json)
# the VM has a virtio-console and no virtio-rng (no vrng server there):
# steps shell hvc hvcpaste vcrashes, and vcrashes counts no rng server.
HVC_LINE=abcdefghijklmnopqrstuvwxyz0123456789
t_hvc() {
	local n u
	run_cmd 'echo tty=$(tty) hvc-$((6*7))' 'tty=/dev/hvc0 hvc-42' || return 1
	run_cmd "for i in \$(seq 1 200); do echo hvc-\$i-$HVC_LINE; done; echo hvc-lines-done-\$((40+2))" \
		'hvc-lines-done-42' 120 || return 1
	# root's own lines (a crash, a restart) may come between two bytes of
	# the guest's line: take them out first
	tr -d '\r' <"$log" | perl -0pe 's/\[(root|console|vm1-vrng|vm1-vcon)\] [^\n]*\n//g' >"$log.hvc"
	n=$(grep -ac "^hvc-[0-9]*-$HVC_LINE\$" "$log.hvc")
	u=$(grep -a "^hvc-[0-9]*-$HVC_LINE\$" "$log.hvc" | sort -u | wc -l)
	# a line a virtio-console server wrote to the kernel console (no
	# console server answered it) carries the VM's prefix: said apart
	k=$(grep -ac "^\[vm1[^]]*\] hvc-[0-9]*-$HVC_LINE\$" "$log.hvc")
	echo "[linux] hvc0: $n lines of 200 came out, $u different ($k more through the kernel console)"
	[ "$n" = 200 ] && [ "$u" = 200 ]
}
t_rng() {
	run_cmd 'modprobe virtio_rng; echo rng=$(cat /sys/class/misc/hw_random/rng_current) $(head -c 256 /dev/hwrng | od -v -An -tx1 | sort -u | wc -l) $(head -c 65536 /dev/hwrng | wc -c)' \
		'rng=[a-z_.0-9]+ [0-9]+ [0-9]+' 120 || return 1
	echo "[linux] $last (rng_current, distinct od lines of 16, bytes read of 65536)"
	[[ $last =~ ^rng=virtio_rng\.[0-9]+\ 16\ 65536$ ]]
}
# The paste step's 10,240 bytes typed into hvc0 (its checksum in the
# guest equals the host's: nothing lost, doubled or reordered through the
# virtio-console server's crashes). Not waiting for the command's echo as
# t_paste does: under test=vdev-crash root's lines come between its bytes.
t_hvcpaste() {
	local want
	want=$(printf '%b' "$(paste_text '\n')" | md5sum | cut -d' ' -f1)
	expect "$PROMPT" 60 || return 1
	send 'stty -echo; cat > /tmp/p; stty echo; echo pasted=$(wc -c < /tmp/p)\r'
	sleep 3
	send "$(paste_text '\r')"
	send '\x04'
	expect 'pasted=[0-9]+' 240 || return 1
	echo "[linux] paste: guest has ${last#pasted=} of $((PASTE_LINES * 64)) bytes"
	run_cmd 'md5sum /tmp/p' "^$want  /tmp/p" 60
}
t_vcrashes() {
	local rng=none con cs
	grep -q '"virtio-rng"' "$CONFIG" && rng=$(grep -ac 'server vm1-vrng restarted' "$log")
	con=$(grep -ac 'server vm1-vcon restarted' "$log")
	cs=$(grep -ac 'server console restarted' "$log")
	echo "[linux] crashes: virtio-rng server $rng, virtio-console server $con, console server $cs"
	{ [ "$rng" = none ] || [ "$rng" -ge "${VDEV_MIN:-20}" ]; } &&
		[ "$con" -ge "${VDEV_MIN:-20}" ] && [ "$cs" -ge $((${VDEV_MIN:-20} / 8)) ]
}

# The device tree a config supplied (tests/linux/dtb.json): the guest's
# model is the one written in tests/linux/user-board.dts.
t_model() { run_cmd 'echo model=$(cat /proc/device-tree/model)' '^model=Keel VM, user board'; }

. "$(dirname "$0")/net-steps.sh" # h-net: ping, TCP, isolation, spoofing
. "$(dirname "$0")/uplink-steps.sh" # h-up: the host fetches from a guest, restrict=on

for s in ${LINUX_TEST_STEPS:-shell root persist ping web cpus hotplug sleep command interrupt paste dmesg vm2 paste2 back crash poweroff alive nokey again}; do
	step "$s" "t_$s" # t_<step>: not to shadow sleep, command, poweroff
done
finish
