#!/usr/bin/env bash
# make soak, second part: the hostile guest at scale beside a VM whose
# heartbeat must not stop (not part of make test, whose vm-hostile and
# vm-hostile2 are the short versions).
#
#   bash tests/system/hsoak.sh build/aarch64/keel-test.bin
#
# Boots the test image with "test=vm-hostile-soak ops=$HSOAK_OPS" (default
# 16,000,000, which makes about 10.5 M exits; tests/root/scn_hsoak.c): vm1 runs guest-hostile on two vCPUs
# (vCPU 0 the random HVC/SMC, system registers, MMIO of every width,
# exclusives, atomics and unaligned accesses; vCPU 1 SGI floods, WFI/WFE
# and PSCI with bad arguments), then powers off; vm2 runs guest-beat,
# a line with its own millisecond timestamp every 100 ms.
#
# Passes iff "[test] PASS vm-hostile-soak" and the hostile guest's
# "[test] PASS hostile-done" appear, neither "[test] FAIL" nor "keel: PANIC"
# does, vm2 beat at least twice after that PASS (root prints it when vm1 has
# powered off, and leaves vm2 running), and no two consecutive
# beats are more than HSOAK_MAX_GAP ms (default 1000) apart, and vm1's VMM
# counted at least HSOAK_MIN_EXITS exits (default 10,000,000; 0 for a
# short run). Prints the
# counts: vm1's exits (its VMM's line as it stops), its storm's tallies,
# the beats and the largest gap, the wall-clock time. HSOAK_TAIL=s keeps
# watching vm2 alone for s seconds after vm1 is gone (default 0: two
# beats): its gaps then are what the host gives a VM with no storm beside
# it, the control for the gaps during the storm.
# Log: <dir of the image>/system/soak-hostile.log. HSOAK_TIMEOUT (seconds,
# default 7200) bounds the run.
set -u

QEMU=${QEMU:-qemu-system-aarch64}
# shellcheck disable=SC2054 # commas inside QEMU options
QEMU_FLAGS=(-M virt,virtualization=on,gic-version=3 -cpu max,pauth=off,sve=off,sme=off -smp 2 -nic none
	-m 1G -nographic -no-reboot)
OPS=${HSOAK_OPS:-16000000}
MIN_EXITS=${HSOAK_MIN_EXITS:-10000000}
LIMIT=${HSOAK_TIMEOUT:-7200}
MAX_GAP=${HSOAK_MAX_GAP:-1000}
TAIL=${HSOAK_TAIL:-0}

die() { echo "hsoak.sh: $*" >&2; exit 2; }

[ $# -eq 1 ] || die "usage: $0 <keel-test.bin>"
bin=$1
[ -f "$bin" ] || die "no such image: $bin (run make first)"
command -v "$QEMU" >/dev/null || die "$QEMU not found (bash tools/setup-deps.sh)"
for v in "$OPS" "$LIMIT" "$MAX_GAP" "$MIN_EXITS" "$TAIL"; do
	case $v in '' | *[!0-9]*) die "HSOAK_OPS, _TIMEOUT, _MAX_GAP, _MIN_EXITS and _TAIL must be numbers, not '$v'" ;; esac
done
outdir=$(dirname "$bin")/system
mkdir -p "$outdir"
log=$outdir/soak-hostile.log
image=$(mktemp "${TMPDIR:-/tmp}/keel-hsoak.XXXXXX")
trap 'rm -f "$image"' EXIT
cp "$bin" "$image"

# vm2's beats after the line matching $1 (a fixed string) in the log.
beats_after() {
	tr -d '\r' <"$log" | awk -v m="$1" 'index($0, m) { on = 1; next }
		on && /^\[vm2\] \[test\] beat [0-9]+ [0-9]+$/ { n++ } END { print n + 0 }'
}

END='[test] PASS vm-hostile-soak'
echo "[soak] hostile: $OPS operations on a 2-vCPU hostile guest beside a beating VM (log: $log)"
start=$(date +%s)
timeout "$LIMIT" "$QEMU" "${QEMU_FLAGS[@]}" -kernel "$image" \
	-append "test=vm-hostile-soak ops=$OPS" </dev/null >"$log" 2>&1 &
pid=$!
done_at=
while kill -0 "$pid" 2>/dev/null; do
	if grep -aq 'keel: PANIC' "$log"; then
		break
	fi
	# A failure ends the scenario (DONE); a pass leaves vm2 running: two
	# more beats (or 10 s), so vm2 is seen beating once vm1 is gone.
	grep -aq '^\[test\] DONE' "$log" && break
	if [ -z "$done_at" ] && grep -aq '^\[test\] PASS vm-hostile-soak' "$log"; then
		done_at=$(date +%s)
	fi
	if [ -n "$done_at" ] && [ $(($(date +%s) - done_at)) -ge "$TAIL" ] &&
		{ [ "$(beats_after "$END")" -ge 2 ] || [ $(($(date +%s) - done_at)) -ge $((TAIL + 10)) ]; }; then
		break
	fi
	sleep 1
done
sleep 0.5
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
secs=$(($(date +%s) - start))

clean=$(tr -d '\r' <"$log")
grep -aE '^\[vm1\] \[hostile\] (storm|hvc|cpu1)|guest stopped|^\[test\] (PASS|FAIL)|\[vm1\] \[test\] (PASS|FAIL)' <<<"$clean"
# The largest gap between consecutive beats, while vm1 storms and after
# (vm2 alone: what the loaded host gives a VM, for comparison), and the
# gaps over 500 ms; lines mixed with another writer's characters (two
# CPUs print at once) are skipped.
gaps() {
	awk -v m="$END" 'BEGIN { after = 0 } index($0, m) { after = 1; next }
		/^\[vm2\] \[test\] beat [0-9]+ [0-9]+$/ { if (n[after]) { g = $5 - last;
			if (g > gap[after]) { gap[after] = g; at[after] = $4 }
			if (g > 500) slow[after]++ }
		last = $5; n[after]++ }
		END { print n[0] + 0, gap[0] + 0, at[0] + 0, slow[0] + 0,
			n[1] + 0, gap[1] + 0, at[1] + 0, slow[1] + 0 }' <<<"$clean"
}
read -r nbeats gap at slow after gap2 at2 slow2 < <(gaps)
echo "[soak] hostile: while vm1 stormed vm2 beat $nbeats times, largest gap ${gap} ms (before beat $at), $slow gaps over 500 ms"
echo "[soak] hostile: after, alone, vm2 beat $after times, largest gap ${gap2} ms (before beat $at2), $slow2 gaps over 500 ms"

fail() {
	echo "[soak] FAIL hostile after ${secs}s: $* (see $log)"
	exit 1
}
grep -aq 'keel: PANIC' <<<"$clean" && fail "$(grep -a -m1 'keel: PANIC' <<<"$clean")"
grep -aq '\[test\] FAIL' <<<"$clean" && fail "$(grep -a -m1 '\[test\] FAIL' <<<"$clean")"
grep -aq '^\[test\] PASS vm-hostile-soak' <<<"$clean" || fail "no [test] PASS vm-hostile-soak"
grep -aq '^\[vm1\] \[test\] PASS hostile-done' <<<"$clean" || fail "no PASS hostile-done from vm1"
[ "$nbeats" -ge 2 ] || fail "vm2 did not beat"
[ "$after" -ge 2 ] || fail "vm2 stopped beating ($after beats after the end)"
[ "$gap" -le "$MAX_GAP" ] || fail "vm2's beats stopped for $gap ms (more than $MAX_GAP) while vm1 stormed"
[ "$gap2" -le "$MAX_GAP" ] || fail "vm2's beats stopped for $gap2 ms (more than $MAX_GAP) after vm1 was gone"
exits=$(grep -aoE 'guest stopped: power off after [0-9]+ exits' <<<"$clean" | grep -oE '[0-9]+' | head -1)
[ -n "$exits" ] || fail "no exit count from vm1's VMM"
[ "$exits" -ge "$MIN_EXITS" ] || fail "vm1 took $exits exits, fewer than $MIN_EXITS (raise HSOAK_OPS)"
echo "[soak] PASS hostile: $OPS operations, $exits exits of vm1 in ${secs}s ($((exits / (secs > 0 ? secs : 1))) exits/s); vm2's largest beat gap ${gap} ms"
