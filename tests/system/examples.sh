#!/usr/bin/env bash
# The shipped examples work (issue 9.7): every config/examples/*.json
# passes check-config for the machine `make run` boots, and boots under
# Keel in QEMU far enough to prove it: root starts every VM check-config
# passed and the first VM proves it runs (its Linux reaches its shell,
# "[linux] shell ready" from the initramfs /init; a test guest prints its
# test's PASS; big-ram, four VMs of 1,536 MiB on a machine of 8 GiB, each
# testing all its RAM: every VM's PASS, seen by switching the console to
# it, as a user would). EXAMPLES_ELSEWHERE ("NAME:TARGET ...") names examples
# that another make target boots and drives further: those are checked
# here, not booted.
#
#   bash tests/system/examples.sh build/aarch64/keel.bin
#
# Needs build/linux (make linux-assets), CHECK_CONFIG and MKBLOBS (the host
# tools) and RUN_MIB, RUN_CPUS (the machine): make examples-system sets
# them. Logs: <dir of the image>/system/example-NAME.log.
set -u
export LC_ALL=C

QEMU=${QEMU:-qemu-system-aarch64}
EXAMPLES=${EXAMPLES_DIR:-config/examples}
LIMIT=${EXAMPLE_TIMEOUT:-240} # seconds to the shell, per example

die() { echo "examples.sh: $*" >&2; exit 2; }

[ $# -eq 1 ] || die "usage: $0 <keel.bin>"
bin=$1
[ -f "$bin" ] || die "no such image: $bin"
for t in "${CHECK_CONFIG:-}" "${MKBLOBS:-}"; do
	[ -x "$t" ] || die "CHECK_CONFIG and MKBLOBS must name the host tools (make sets them)"
done
[ -n "${RUN_MIB:-}" ] && [ -n "${RUN_CPUS:-}" ] || die "RUN_MIB and RUN_CPUS must be set (make sets them)"
outdir=$(dirname "$bin")/system
mkdir -p "$outdir"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/keel-examples.XXXXXX")
qemu=
cleanup() {
	[ -n "$qemu" ] && kill "$qemu" 2>/dev/null && wait "$qemu" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
passed=0
failed=0

pass() { echo "[examples] PASS $1"; passed=$((passed + 1)); }
fail() { echo "[examples] FAIL $1: $2"; failed=$((failed + 1)); }

# machine_of NAME: the RAM (MiB) of the machine it needs (make run MEM=):
# RUN_MIB unless it says otherwise.
machine_of() {
	case $1 in
	big-ram) echo 8192 ;; # README: make run MEM=8G CONFIG=config/examples/big-ram.json
	*) echo "$RUN_MIB" ;;
	esac
}

check() { "$CHECK_CONFIG" --machine-mib "$mib" --cpus "$RUN_CPUS" "$@"; }

# boot <log> <blobs dir>: QEMU as make run starts it, in the background,
# its console input on fd 3.
boot() {
	: >"$1"
	rm -f "$tmp/in" && mkfifo "$tmp/in" && exec 3<>"$tmp/in"
	# shellcheck disable=SC2046 # one QEMU argument per line of qemu-args
	"$QEMU" -M virt,virtualization=on,gic-version=3 -cpu max,pauth=off,sve=off,sme=off \
		-smp "$RUN_CPUS" -nic none -m "${mib}M" -nographic -no-reboot -kernel "$bin" \
		$(grep -v '^blobs=' "$2/qemu-args") -append "$(grep '^blobs=' "$2/qemu-args")" \
		<"$tmp/in" >"$1" 2>&1 &
	qemu=$!
}

# wait_for <log> <regex>: until it appears, QEMU ends, a panic, or LIMIT.
wait_for() {
	local t=0
	while [ $t -lt $((LIMIT * 5)) ]; do
		grep -aqE -- "$2" "$1" && return 0
		grep -aqE 'keel: PANIC|Kernel panic' "$1" && return 1
		kill -0 "$qemu" 2>/dev/null || return 1
		sleep 0.2
		t=$((t + 1))
	done
	return 1
}

# proof_of NAME: what its first VM prints once it runs.
proof_of() {
	case $1 in
	raw-guest) echo '\[test\] PASS uart' ;; # tests/guests/uart.c, loaded raw
	big-ram) echo '\[test\] PASS mem' ;;    # tests/guests/mem.c: all its RAM
	*) echo '\[linux\] shell ready' ;;
	esac
}

# elsewhere NAME: the make target that boots it, if another one does.
elsewhere() {
	local e
	for e in ${EXAMPLES_ELSEWHERE:-}; do
		[ "${e%%:*}" = "$1" ] && echo "${e#*:}" && return
	done
}

# An example another target boots: here it must check, every VM ok.
checked() {
	local f=$1 name=$2 target=$3 out=$tmp/$2.out
	if check "$f" >"$out" 2>"$tmp/$name.err" && ! grep -q 'will not start' "$out"; then
		pass "$name (checked; make $target boots it)"
	else
		fail "$name" "check-config refuses it:
$(cat "$tmp/$name.err")"
	fi
}

# every_vm NAME LOG N: for big-ram, every VM's test passed too: Ctrl-] k
# gives VM k the console, which replays what it printed meanwhile.
every_vm() {
	local k t
	[ "$1" = big-ram ] || return 0
	for k in $(seq 2 "$3"); do
		printf '\035%d' "$k" >&3
		t=0
		until [ "$(grep -ac "$(proof_of "$1")" "$2")" -ge "$k" ]; do
			t=$((t + 1))
			{ [ "$t" -gt "$LIMIT" ] || grep -aq '\[test\] FAIL' "$2" ||
				! kill -0 "$qemu" 2>/dev/null; } && return 1
			sleep 1
		done
	done
}

# An example that must run: it checks, and root starts every VM it passed.
runs() {
	local f=$1 name=$2 log=$outdir/example-$2.log blobs=$tmp/$2-blobs out=$tmp/$2.out vms
	if ! check "$f" >"$out" 2>"$tmp/$name.err"; then
		fail "$name" "check-config refuses it:
$(cat "$tmp/$name.err")"
		return
	fi
	vms=$(grep -c ': ok$' "$out")
	if ! "$MKBLOBS" "$f" "$mib" "$blobs" >/dev/null; then
		fail "$name" "mkblobs failed"
		return
	fi
	boot "$log" "$blobs"
	if wait_for "$log" "$(proof_of "$name")" &&
		grep -aq "\[root\] $vms VMs\? running" "$log" && every_vm "$name" "$log" "$vms" &&
		! grep -aq 'not started\|\[test\] FAIL' "$log"; then
		pass "$name ($vms VM$([ "$vms" -eq 1 ] || echo s), $(grep -aoE -m1 "$(proof_of "$name")" "$log"))"
	else
		fail "$name" "no shell, or not every VM started (log: $log)"
	fi
	kill "$qemu" 2>/dev/null
	wait "$qemu" 2>/dev/null
	qemu=
}

shopt -s nullglob
files=("$EXAMPLES"/*.json)
[ ${#files[@]} -gt 0 ] || die "no examples in $EXAMPLES"
for f in "${files[@]}"; do
	name=$(basename "$f" .json)
	mib=$(machine_of "$name")
	target=$(elsewhere "$name")
	if [ -n "$target" ]; then
		checked "$f" "$name" "$target"
	else
		runs "$f" "$name"
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
