#!/usr/bin/env bash
# make soak: make test's random system-call storm at scale (not part of
# make test, which runs the same scenario with its default size).
#
#   bash tests/system/soak.sh build/aarch64/keel-test.bin
#
# Boots the test image with "test=stress calls=$SOAK_CALLS" (default
# 10,000,000): two storm servers, one per CPU, share the calls
# (tests/root/scn_stress.c, tests/servers/stress.c, stress_seq.c); when
# both have exited, a pingpong pair across the CPUs must make its 2,000
# calls. Passes iff "[test] PASS stress" appears and neither "[test] FAIL"
# nor "keel: PANIC" does. Prints root's counts (calls by call number, by
# result, objects made by the sequences), the wall-clock time and the
# rate. Log: <dir of the image>/system/soak-stress.log. SOAK_TIMEOUT
# (seconds, default 7200) bounds the run.
set -u

QEMU=${QEMU:-qemu-system-aarch64}
# shellcheck disable=SC2054 # commas inside QEMU options
QEMU_FLAGS=(-M virt,virtualization=on,gic-version=3 -cpu max,pauth=off,sve=off,sme=off -smp 2 -nic none
	-m 1G -nographic -no-reboot)
CALLS=${SOAK_CALLS:-10000000}
LIMIT=${SOAK_TIMEOUT:-7200}

die() { echo "soak.sh: $*" >&2; exit 2; }

[ $# -eq 1 ] || die "usage: $0 <keel-test.bin>"
bin=$1
[ -f "$bin" ] || die "no such image: $bin (run make first)"
command -v "$QEMU" >/dev/null || die "$QEMU not found (bash tools/setup-deps.sh)"
case $CALLS in '' | *[!0-9]*) die "SOAK_CALLS must be a number, not '$CALLS'" ;; esac
case $LIMIT in '' | *[!0-9]*) die "SOAK_TIMEOUT must be a number, not '$LIMIT'" ;; esac
outdir=$(dirname "$bin")/system
mkdir -p "$outdir"
log=$outdir/soak-stress.log
image=$(mktemp "${TMPDIR:-/tmp}/keel-soak.XXXXXX")
trap 'rm -f "$image"' EXIT
cp "$bin" "$image"

echo "[soak] stress: $CALLS calls from two storms on two CPUs (log: $log)"
start=$(date +%s)
timeout "$LIMIT" "$QEMU" "${QEMU_FLAGS[@]}" -kernel "$image" \
	-append "test=stress calls=$CALLS every=${SOAK_EVERY:-1000000}" </dev/null >"$log" 2>&1 &
pid=$!
while kill -0 "$pid" 2>/dev/null; do
	if grep -aqE '\[test\] DONE|keel: PANIC' "$log"; then
		sleep 0.5 # let the last lines reach the log
		kill "$pid" 2>/dev/null
		break
	fi
	sleep 1
done
wait "$pid" 2>/dev/null
secs=$(($(date +%s) - start))

tr -d '\r' <"$log" | grep -aE '^\[root\] stress (all|storm[0-9]):|pingpong calls|^\[test\]'
if grep -aq 'keel: PANIC' "$log"; then
	echo "[soak] FAIL stress: $(grep -a -m1 'keel: PANIC' "$log")"
	exit 1
fi
if grep -aq '\[test\] FAIL' "$log" || ! grep -aq '\[test\] PASS stress' "$log"; then
	echo "[soak] FAIL stress after ${secs}s (see $log)"
	exit 1
fi
echo "[soak] PASS stress: $CALLS calls in ${secs}s ($((CALLS / (secs > 0 ? secs : 1))) calls/s)"
