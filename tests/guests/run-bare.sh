#!/usr/bin/env bash
# Boot each test guest directly under plain QEMU (no hypervisor, EL1 on
# QEMU's virt board, PSCI answered by QEMU) and judge its console log.
#
#   bash tests/guests/run-bare.sh build/aarch64/guests [guest...]
#
# A guest passes iff its log has every expected "[test] PASS <marker>"
# line, "[test] DONE <guest>", any extra line the table asks for, and no
# "[test] FAIL". QEMU is stopped once the last awaited line appears (for
# hostile: its second heartbeat), or at the guest's timeout.
# Logs: <dir>/bare/<guest>.log. Prints "[guests] PASS|FAIL <guest>" lines,
# then "N passed, N failed"; exits non-zero on any failure.
set -u

QEMU=${QEMU:-qemu-system-aarch64}
# -nic none: no default virtio-net PCI device for the hostile guest's
# random MMIO to program into DMA.
QEMU_FLAGS=(-M "virt,gic-version=3" -cpu "max,pauth=off,sve=off,sme=off" -m 256M -nographic
	-no-reboot -nic none)

# name  timeout(s)  expected PASS markers
GUESTS=(
	"uart     20  uart"
	"hvc      20  hvc-psci-version hvc-unknown"
	"abort    20  abort-read abort-write abort-resume"
	"timer    20  timer"
	"mem      40  mem"
	"scan     40  scan-secret scan"
	"hostile  30  hostile-done"
	"seq      20  seq"
	"bench    40  bench"
	"off      20  poweroff"
	"reset    20  reset-boot"
	"smp      20  smp-psci smp-cpu-on smp-sgi smp-sgi-broadcast smp-timer smp-cpu-off smp-cpu-on-again smp"
)

die() { echo "run-bare.sh: $*" >&2; exit 2; }

[ $# -ge 1 ] || die "usage: $0 <directory of guest .bin files> [guest...]"
dir=$1
shift
[ -d "$dir" ] || die "no such directory: $dir (make guests first)"
command -v "$QEMU" >/dev/null || die "$QEMU not found (bash tools/setup-deps.sh)"
outdir=$dir/bare
mkdir -p "$outdir"
# Boot private copies: a rebuild while the tests run must not change them.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/keel-guests.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# The line the runner waits for before stopping QEMU.
until_line() {
	case $1 in
	hostile) echo '[test] heartbeat hostile 2' ;;
	*) echo "[test] DONE $1" ;;
	esac
}

# Boot once; return when the awaited line appears or time is up.
run_qemu() {
	local image=$1 limit=$2 log=$3 until=$4 smp=1 pid
	case $(basename "$image") in smp.bin) smp=2 ;; esac # the two-CPU guest
	timeout "$limit" "$QEMU" "${QEMU_FLAGS[@]}" -smp "$smp" -kernel "$image" \
		</dev/null >"$log" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		if grep -aqF "$until" "$log"; then
			sleep 0.2 # let the last lines reach the log
			kill "$pid" 2>/dev/null
			break
		fi
		sleep 0.2
	done
	wait "$pid" 2>/dev/null
}

# The uart guest's line: every printable ASCII character but space, in order.
charset_line() {
	printf '[uart] charset: %s\n' \
		"$(awk 'BEGIN { for (c = 33; c < 127; c++) printf "%c", c }')"
}

# Prints nothing if the log passes, else the reason.
judge() {
	local name=$1 log=$2 limit=$3 clean m
	shift 3
	clean=$(tr -d '\r' <"$log")
	if grep -aq '^\[test\] FAIL' <<<"$clean"; then
		grep -a -m1 '^\[test\] FAIL' <<<"$clean"
		return
	fi
	if ! grep -aqxF "[test] DONE $name" <<<"$clean"; then
		echo "no [test] DONE $name within ${limit}s (last guest line:" \
			"$(grep -a '^\[' <<<"$clean" | tail -n1))"
		return
	fi
	for m in "$@"; do
		if ! grep -aqE "^\[test\] PASS $m(: .*)?\$" <<<"$clean"; then
			echo "no [test] PASS $m"
			return
		fi
	done
	case $name in
	uart)
		grep -aqxF "$(charset_line)" <<<"$clean" ||
			echo "charset line missing or garbled"
		;;
	hostile)
		grep -aqxF '[test] heartbeat hostile 2' <<<"$clean" ||
			echo "no second heartbeat within ${limit}s"
		;;
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
for entry in "${GUESTS[@]}"; do
	read -r name limit markers <<<"$entry"
	wanted "$name" || continue
	log=$outdir/$name.log
	if [ ! -f "$dir/$name.bin" ]; then
		echo "[guests] FAIL $name: no $dir/$name.bin (make guests)"
		failed=$((failed + 1))
		continue
	fi
	cp "$dir/$name.bin" "$tmp/$name.bin"
	run_qemu "$tmp/$name.bin" "$limit" "$log" "$(until_line "$name")"
	# shellcheck disable=SC2086 # markers is a word list
	reason=$(judge "$name" "$log" "$limit" $markers)
	if [ -z "$reason" ]; then
		echo "[guests] PASS $name"
		passed=$((passed + 1))
	else
		echo "[guests] FAIL $name: $reason (log: $log)"
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
