#!/usr/bin/env bash
# The peer benchmarks (issue 11 part 5): Linux's KVM and a user-space VMM,
# measured in the same emulator and the same way as Keel's make bench.
#
#   bash tools/bench-peers.sh <peers-initramfs.cpio> <out.json>
#
# Boots, under the QEMU flags tools/bench.sh boots Keel with (virt with
# virtualization=on and GICv3, -cpu max,pauth=off,sve=off,sme=off, -smp 2,
# -icount shift=0), Debian's arm64 kernel (build/linux/Image) at EL2 as a
# KVM host, with tools/fetch-peers.sh's initramfs: its /init
# (tests/peers/init) runs Debian's QEMU with -accel kvm on the bench guest
# Keel runs (tests/guests/bench.c) and on the Linux guest make bench boots.
# Under -icount shift=0 one instruction is 1 ns of virtual time, so the
# guests' virtual-counter intervals are instruction counts of everything
# the emulated CPUs ran meanwhile: L2 guest, KVM at EL2 and the user-space
# VMM in L1 alike, as Keel's figures count guest, kernel and VMM.
#
# Prints and merges into out.json (the file make bench writes; other
# entries are kept):
#   bench peer_kvm_hypercall_roundtrip N instructions      HVC, answered by KVM
#   bench peer_kvm_mmio_device_roundtrip N instructions    PL011 IMSC read, by QEMU
#   bench peer_kvm_linux_boot N instructions               the L2 guest's counter at /init
#   bench peer_kvm_linux_boot_launch N instructions        QEMU's start to /init, counted by L1
# then a table beside Keel's figures from out.json, where it has them.
set -euo pipefail

QEMU=${QEMU:-qemu-system-aarch64}
LIMIT=${BENCH_PEERS_TIMEOUT:-1200}
top=$(cd "$(dirname "$0")/.." && pwd)

die() { echo "bench-peers.sh: $*" >&2; exit 2; }

[ $# -eq 2 ] || die "usage: $0 <peers-initramfs.cpio> <out.json>"
initrd=$1
out=$2
kernel=$top/build/linux/Image
[ -f "$initrd" ] || die "no such initramfs: $initrd (tools/fetch-peers.sh builds it)"
[ -f "$kernel" ] || die "no $kernel (make linux-assets)"
command -v "$QEMU" >/dev/null || die "$QEMU not found (bash tools/setup-deps.sh)"
log=$top/build/peers/bench.log
mkdir -p "$(dirname "$log")" "$(dirname "$out")"

# The L1 host: as bench.sh boots Keel, with room for a 256 MiB L2 guest
# beside the 90 MB initramfs.
boot_host() {
	local pid t0=$SECONDS
	timeout "$LIMIT" "$QEMU" -M virt,virtualization=on,gic-version=3 \
		-cpu max,pauth=off,sve=off,sme=off -nic none -smp 2 -m 1G -nographic \
		-no-reboot -icount shift=0 -kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyAMA0 quiet" </dev/null >"$log" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		grep -aqE '\[peers\] (DONE|FAIL)|Kernel panic' "$log" && break
		sleep 1
	done
	sleep 1
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	echo "bench-peers.sh: host ran $((SECONDS - t0)) s wall (log: $log)" >&2
}

# "name value unit" lines from the log, the median of each name's runs
# (the bench guest runs five times, the Linux guest once).
peer_figures() {
	tr -d '\r' <"$log" | sed -nE \
		-e 's/^\[l2\] bench ([a-z_]+) ([0-9]+) instructions$/peer_kvm_\1 \2 instructions/p' \
		-e 's/^\[l2\] \[linux\] icount ([0-9]+)$/peer_kvm_linux_boot \1 instructions/p' \
		-e 's/^\[peers\] linux_launch ([0-9]+) instructions$/peer_kvm_linux_boot_launch \1 instructions/p' |
		sort -k1,1 -k2,2n | awk '
		function flush() { if (n) print name, v[int((n + 1) / 2)], unit; n = 0 }
		$1 != name { flush(); name = $1; unit = $3 }
		{ v[++n] = $2 }
		END { flush() }'
}

# out.json's entries as "name value unit" lines (bench.sh's format: one
# "name": {"value": N, "unit": "u"} a line).
json_entries() {
	[ -f "$out" ] || return 0
	sed -nE 's/^ *"([^"]+)": \{"value": ([0-9.]+), "unit": "([^"]*)"\},?$/\1 \2 \3/p' "$out"
}

write_json() {
	awk 'BEGIN { printf "{" }
		{ printf "%s\n  \"%s\": {\"value\": %s, \"unit\": \"%s\"}", (NR > 1 ? "," : ""), $1, $2, $3 }
		END { printf "\n}\n" }' >"$out.tmp"
	mv "$out.tmp" "$out"
}

# Keel's figure for each peer figure, side by side.
compare() {
	local figs=$1
	printf '%-24s %14s %14s %8s\n' "instructions" "Keel" "KVM+QEMU" "KVM/Keel"
	while read -r name value _; do
		keel=$(json_entries | awk -v n="${name#peer_kvm_}" '$1 == n { print $2 }')
		if [ -n "$keel" ]; then
			awk -v n="${name#peer_kvm_}" -v k="$keel" -v p="$value" \
				'BEGIN { printf "%-24s %14d %14d %7.2fx\n", n, k, p, p / k }'
		else
			printf '%-24s %14s %14d %8s\n' "${name#peer_kvm_}" "-" "$value" "-"
		fi
	done <<<"$figs"
}

boot_host
grep -aq '\[peers\] FAIL' "$log" && die "$(grep -a '\[peers\] FAIL' "$log" | tr -d '\r')"
grep -aq '\[peers\] DONE' "$log" || die "the KVM host did not finish (log: $log)"
all=$(peer_figures)
figs=$(for n in hypercall_roundtrip mmio_device_roundtrip linux_boot linux_boot_launch; do
	grep "^peer_kvm_$n " <<<"$all" || die "no peer_kvm_$n figure (log: $log)"
done)
awk '{ print "bench", $0 }' <<<"$figs"
compare "$figs"
{ json_entries | grep -v '^peer_kvm_' || true; echo "$figs"; } | write_json
echo "bench-peers.sh: merged into $out"
