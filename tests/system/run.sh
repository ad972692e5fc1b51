#!/usr/bin/env bash
# QEMU system tests: boot the image once per scenario (kernel command line
# test=<name>, picked by the test root, tests/root/scenario.c) and judge the
# console log.
#
#   bash tests/system/run.sh build/aarch64/keel-test.bin [scenario...]
#   ARCH=riscv64 bash tests/system/run.sh build/riscv64/keel-test.bin scenario...
#   SYSTEM_ARGS="seed=7 ops=5000" bash tests/system/run.sh ...   # appended to
#       test=<name> on the kernel command line (scn_param's key=<n>)
#
# A scenario passes iff every expected "[test] PASS <marker>" line appears
# (a test guest's marker may carry ": <detail>" and a "[vm1] " prefix)
# and neither "[test] FAIL" nor "keel: PANIC" does. Root prints
# "[test] DONE" when a scenario is over; QEMU is stopped then, or at the
# scenario's timeout. Logs: <dir of the image>/system/<name>.log.
# Prints one line per scenario, then "N passed, N failed"; exits non-zero
# on any failure. Usually under a minute; at most the sum of the timeouts.
set -u

# ARCH=riscv64 (docs/riscv64.md): QEMU's virt board with the H extension,
# OpenSBI as its firmware; only the scenarios named on the command line.
. "$(dirname "$0")/board.sh" # KEEL_QEMU, KEEL_MACHINE
QEMU=${QEMU:-$KEEL_QEMU}
QEMU_FLAGS=("${KEEL_MACHINE[@]}" -smp 2 -nic none -m 1G -nographic -no-reboot)
if [ "$ARCH" = riscv64 ]; then
	QEMU=${QEMU_RISCV64:-$KEEL_QEMU}
	# Each call switches satp twice and QEMU drops its TLB then
	# (docs/riscv64.md): twice the time for what the scenarios do.
	TIMEOUT_SCALE=2
fi

# name  timeout(s)  expected PASS markers
SCENARIOS=(
	"boot      30  smp"
	"ipc       60  ipc"
	"epqueue   20  epqueue"
	"libc      20  libc"
	"badcap    20  badcap"
	"nullderef 45  nullderef"
	"spin      45  spin"
	"stress    60  stress"
	"crash-remote 60 crash-remote"
	"bench     60  bench"
	# VM scenarios (tests/root/scn_vm.c): the markers are the test guest's own,
	# printed through the VM's PL011 server. Root adds "vm-<name>" when the
	# guest powers off (PSCI SYSTEM_OFF), which the guests do not do yet.
	"vm-hello  30  uart"
	"vm-abort  30  abort-read abort-write abort-resume"
	"vm-hvc    30  hvc-psci-version hvc-unknown"
	"vm-timer  30  timer"
	"vm-mem    60  mem"
	"vm-scan   60  scan-secret scan"
	"vm-hostile 60 hostile-done"
	"vm-devrestart 30 uart"
	# riscv64's guest (tests/guests/arch/riscv64/sbi.c): SBI calls, the PL011
	# server, bad accesses, two harts, the PL011's interrupt through the PLIC,
	# the 16550 server (its line exactly once) and its THRE interrupt;
	# root's vm-sbi when it powers off (SRST).
	"vm-sbi    45  sbi-dbcn sbi-base sbi-mmio sbi-timer sbi-abort-load sbi-abort sbi-csr sbi-hsm-start sbi-rfence sbi-ipi sbi-hsm sbi-plic-pending sbi-plic sbi-uart-regs sbi-uart! sbi-uart-irq vm-sbi"
	# the same with the 16550's server restarted as the guest starts
	"vm-sbi-restart 45 sbi-plic sbi-uart-regs sbi-uart! sbi-uart-irq vm-sbi-restart"
	# riscv64's hostile guest (tests/root/scn_rvhostile.c): a storm on two
	# vCPUs beside guest-beat (whose own FAIL line is a gap over its
	# bound); vm1's counts, root's PASS as vm1 powers off, vm2 beating
	# after it, vm3 built in vm1's place.
	"vm-hostile-sbi 60 vm2-vmm:beat-start vm1-vmm:hostile-start vm1-vmm:hostile-virt-insn vm1-vmm:hostile-hart1-stop vm1-vmm:hostile-hart1 vm1-vmm:hostile-sane vm1-vmm:hostile-done! vm-hostile-sbi +vm2-vmm:beat vm3-vmm:beat-start"
	# Restart and VM bench scenarios (tests/root/scn_vmbench.c). vm-restart's
	# output is also checked exactly by check-seq.sh (below), and so is that
	# of the load runs: a crash of its UART's server (a PL011; riscv64's
	# 16550) 2 ms after each restart while the guest writes, 2,000 without a post page
	# (every access a numbered request) and 1,000 with it, then a typed key
	# (SENDS) stops the guest (a retried DR write applied twice once
	# doubled a character: issue 16). Its limit guards against a hang
	# only: until the VMM retried input its server's restarts cancelled
	# (vmm-server/console.c), the key could sit in the console and a
	# riscv64 run made 6,200 to 9,631 crashes in 24 s to over 120 s; it
	# makes about 2,100 now (docs/riscv64.md).
	"vm-restart 60 seq vm-restart"
	"vm-restart-load 150 vm1:seq vm-restart-load"
	"vm-restart-post 60 vm1:seq vm-restart-post"
	"vm-bench  60  bench bench-vmm-device"
	# Two VMs at once (tests/root/scn_vm2.c). "vmN:m" is guest marker m from VM
	# vmN ("[vmN] [test] PASS m"; "vmN:heartbeat": a heartbeat line;
	# "vmN-vmm:m" the same line from vmN's VMM: riscv64's SBI DBCN); a
	# leading "+" wants it on a later line than the previous marker's. These
	# scenarios stop as soon as every marker is there.
	"vm-two       30  vm1:uart vm2:uart"
	"vm-isolation 60  vm1:scan-secret vm1:scan vm2:scan-secret vm2:scan devserver-isolation"
	"vm-hostile2  60  vm2:hostile-done vm1:hostile-done +vm2:heartbeat"
	"vm-poweroff  45  vm2:poweroff vm-stop +vm1:heartbeat vm-reuse vm3:uart"
	"vm-reset     60  vm2:reset-boot vm-reset +vm1:heartbeat"
	# make soak's hostile half, short (tests/root/scn_hsoak.c: 20,000
	# operations on a 2-vCPU hostile guest beside guest-beat; hsoak.sh runs
	# it at scale and checks the beats' gaps).
	"vm-hostile-soak 60 vm2:beat-start vm1:hostile-done vm-hostile-soak +vm2:beat"
	# Two vCPUs in one VM (tests/root/scn_smp.c): PSCI, SGIs both ways, both
	# virtual timers; root's vm-smp when the guest powers off.
	"vm-smp       45  smp-psci smp-cpu-on smp-sgi smp-sgi-broadcast smp-timer smp-cpu-off smp-cpu-on-again smp vm-smp"
	# VM configs on the target and restart policies (tests/root/scn_cfg.c).
	"cfg            20  cfg"
	"restart-policy 30  restart-policy"
	# The console server (tests/root/scn_console.c), with typed input (SENDS
	# below). "m=text" wants "[test] PASS m: text" exactly. In switch mode
	# the VM with the console is written without a prefix.
	# tests/system/check-console.sh also checks each echo's count and place.
	"con-echo     30  vm1:echo=hello-keel +vm1:echo=second-line"
	"con-switch   40  echo=alpha +echo=bravo +echo=charlie"
	"con-restart  30  vm1:echo=restart-0123456789abcdefghij con-pl011-restarts"
	"con-crash    40  echo=alpha +echo=bravo-0123456789-abcdefghijklmnopqrstuvwxyz-0123456789 +echo=charlie con-console-restarts"
)

# Typed input: "scenario|marker|text": once the log holds marker (a fixed
# string) and every earlier entry of the scenario was typed, text goes to
# QEMU's stdin (printf %b escapes: \r is Enter, \x1d Ctrl-]).
SENDS=(
	"con-echo|[echo] ready|hello-keel\rsecond-line\r"
	"con-switch|[echo] ready|alpha\r"
	"con-switch|PASS echo: alpha|\x1d2"
	"con-switch|vm2 has the console|bravo\r"
	"con-switch|PASS echo: bravo|\x1d1"
	"con-switch|vm1 has the console|charlie\r"
	"con-restart|[echo] ready|restart-0123456789abcdefghij\r"
	"con-crash|[echo] ready|alpha\r"
	"con-crash|PASS echo: alpha|\x1d2"
	"con-crash|vm2 has the console|bravo-0123456789-abcdefghijklmnopqrstuvwxyz-0123456789\r"
	"con-crash|PASS echo: bravo|\x1d1"
	"con-crash|vm1 has the console|charlie\r"
	"vm-restart-load|a key typed now ends the stream|q"
	"vm-restart-post|a key typed now ends the stream|q"
)

die() { echo "run.sh: $*" >&2; exit 2; }

[ $# -ge 1 ] || die "usage: $0 <keel.bin> [scenario...]"
bin=$1
shift
[ -f "$bin" ] || die "no such image: $bin (run make first)"
command -v "$QEMU" >/dev/null || die "$QEMU not found (bash tools/setup-deps.sh)"
outdir=$(dirname "$bin")/system
mkdir -p "$outdir"
# Boot a private copy: a rebuild while the tests run must not change it.
image=$(mktemp "${TMPDIR:-/tmp}/keel-system.XXXXXX")
trap 'rm -f "$image"' EXIT
cp "$bin" "$image"

# The scenario's SENDS entries, in order, as "marker|text" lines.
sends_of() {
	local e
	for e in "${SENDS[@]}"; do
		[ "${e%%|*}" = "$1" ] && echo "${e#*|}"
	done
}

# Type the next pending input once its marker is in the log. The state
# is in the caller's variables: sends (array), next (index), fd 3 (stdin).
type_next() {
	local log=$1 e
	[ "$next" -lt ${#sends[@]} ] || return 0
	e=${sends[$next]}
	grep -aqF -- "${e%%|*}" "$log" || return 0
	printf '%b' "${e#*|}" >&3
	next=$((next + 1))
}

# Boot once; return when root says DONE, the kernel panics, or time is up.
# With markers (two-VM scenarios): when root says FAIL or all markers are
# there, instead of at the first DONE (one guest's DONE is not the end).
# A scenario with SENDS reads QEMU's stdin from a fifo, written as its
# markers appear.
run_qemu() {
	local name=$1 limit=$2 log=$3 pid fifo=/dev/null next=0
	local -a sends
	shift 3
	mapfile -t sends < <(sends_of "$name")
	if [ ${#sends[@]} -gt 0 ]; then
		fifo=$(mktemp -u "${TMPDIR:-/tmp}/keel-stdin.XXXXXX")
		mkfifo "$fifo"
		exec 3<>"$fifo" # read-write: opening does not wait for QEMU
	fi
	: >"$log"
	timeout "$limit" "$QEMU" "${QEMU_FLAGS[@]}" -kernel "$image" \
		-append "test=$name${SYSTEM_ARGS:+ $SYSTEM_ARGS}" <"$fifo" >"$log" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		[ ${#sends[@]} -gt 0 ] && type_next "$log"
		if { [ $# -eq 0 ] && grep -aqE '\[test\] DONE|keel: PANIC' "$log"; } ||
			{ [ $# -gt 0 ] && { grep -aqE '^\[test\] (DONE|FAIL)|keel: PANIC' "$log" ||
				[ -z "$(judge "$log" "$limit" "$@")" ]; }; }; then
			sleep 0.2 # let the last lines reach the log
			kill "$pid" 2>/dev/null
			break
		fi
		sleep 0.2
	done
	wait "$pid" 2>/dev/null
	if [ "$fifo" != /dev/null ]; then
		exec 3>&-
		rm -f "$fifo"
	fi
}

# The line a marker wants: "m" -> "[test] PASS m", "vmN:m" -> the same from
# VM vmN's console ("vmN-vmm:m": printed by its VMM, "[vmN-vmm] ..."),
# "vmN:heartbeat" -> "[vmN] [test] heartbeat ...",
# "vmN:beat" -> "[vmN] [test] beat ..." (guest-beat),
# "m=text" -> "[test] PASS m: text" (text: letters, digits, '-').
# A trailing "!" (judge) wants the line exactly once.
marker_re() {
	local m=${1%!} vm=
	case $m in vm[0-9]:* | vm[0-9]-vmm:*) vm="\\[${m%%:*}\\] " m=${m#*:} ;; esac
	if [ -n "$vm" ] && { [ "$m" = heartbeat ] || [ "$m" = beat ]; }; then
		echo "${vm}\\[test\\] $m "
	elif [ "${m#*=}" != "$m" ]; then
		echo "${vm}\\[test\\] PASS ${m%%=*}: ${m#*=}\$"
	else
		echo "${vm}\\[test\\] PASS $m(: .*)?\$"
	fi
}

# Prints nothing if the log passes, else the reason.
judge() {
	local log=$1 limit=$2 m
	shift 2
	if grep -aq 'keel: PANIC' "$log"; then
		grep -a -m1 'keel: PANIC' "$log"
		return
	fi
	if grep -aq '\[test\] FAIL' "$log"; then
		grep -a -m1 '\[test\] FAIL' "$log"
		return
	fi
	local prev=0 n re
	for m in "$@"; do
		re=$(marker_re "${m#+}")
		n=$(tr -d '\r' <"$log" | grep -naE "$re" | cut -d: -f1 |
			awk -v p="$([ "${m:0:1}" = + ] && echo "$prev" || echo 0)" \
				'$1 > p { print $1; exit }')
		prev=${n:-0}
		if [ -n "$n" ] && [ "${m%!}" != "$m" ] &&
			[ "$(tr -d '\r' <"$log" | grep -caE "$re")" != 1 ]; then
			echo "${m%!}: its line not exactly once"
			return
		fi
		if [ -z "$n" ]; then
			if grep -aq '\[test\] DONE' "$log"; then
				echo "no [test] PASS $m"
			else
				echo "no [test] PASS $m (stopped after ${limit}s without [test] DONE)"
			fi
			return
		fi
	done
}

# Scenarios only one architecture's test image can run (its own guests):
# left out of the other's full run.
arch_has() {
	case $1 in
	vm-sbi | vm-sbi-restart | vm-hostile-sbi) [ "$ARCH" = riscv64 ] ;;
	*) true ;;
	esac
}

wanted() {
	local n=$1 w
	[ ${#selected[@]} -eq 0 ] && return 0
	for w in "${selected[@]}"; do [ "$w" = "$n" ] && return 0; done
	return 1
}

selected=("$@")
passed=0
failed=0
for entry in "${SCENARIOS[@]}"; do
	read -r name limit markers <<<"$entry"
	limit=$((limit * ${TIMEOUT_SCALE:-1}))
	wanted "$name" && arch_has "$name" || continue
	log=$outdir/$name.log
	# shellcheck disable=SC2086 # markers is a word list
	case " $markers" in
	*" vm"[0-9]:* | *" +vm"[0-9]:* | *" vm"[0-9]-vmm:* | *" +vm"[0-9]-vmm:* | *=*) run_qemu "$name" "$limit" "$log" $markers ;;
	*) run_qemu "$name" "$limit" "$log" ;;
	esac
	# shellcheck disable=SC2086 # markers is a word list
	reason=$(judge "$log" "$limit" $markers)
	if [ -z "$reason" ] && [ "$name" = vm-restart ]; then
		reason=$(bash "$(dirname "$0")/check-seq.sh" "$log")
	fi
	if [ -z "$reason" ] && [ "$name" = vm-restart-load ]; then
		reason=$(bash "$(dirname "$0")/check-seq.sh" "$log" 2000)
	fi
	if [ -z "$reason" ] && [ "$name" = vm-restart-post ]; then
		reason=$(bash "$(dirname "$0")/check-seq.sh" "$log" 1000)
	fi
	case $name in vm-restart-load | vm-restart-post) # root's count of the crashes
		tr -d '\r' <"$log" | grep -aoE "\[root\] $name: [0-9]+ crashes of[^[]*" | tail -1 |
			sed 's/^\[root\] /[system] /' ;;
	esac
	if [ "$name" = vm-hostile-sbi ]; then # guest-beat's lines carry the largest gap
		tr -d '\r' <"$log" | grep -aE '^\[vm2-vmm\] \[test\] (FAIL beat-gap: )?beat ' | tail -1 |
			sed 's/.* gap \([0-9]*\)$/[system] vm-hostile-sbi: vm2 beat, largest gap \1 ms/'
	fi
	if [ -z "$reason" ] && [ "${name#con-}" != "$name" ]; then
		reason=$(bash "$(dirname "$0")/check-console.sh" "$name" "$log")
	fi
	if [ -z "$reason" ]; then
		echo "[system] PASS $name"
		passed=$((passed + 1))
	else
		echo "[system] FAIL $name: $reason (log: $log)"
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
