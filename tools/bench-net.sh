#!/usr/bin/env bash
# The network benchmarks of make bench (docs/net.md): two Linux VMs on one
# network (tests/linux/bench-net.json: Debian's kernel, the initramfs, one
# vCPU each) under Keel with QEMU -icount shift=0, where a virtual second
# is 10^9 instructions. tests/system/linux.sh's netbench step
# (tests/system/net-steps.sh) prints the bench lines:
#   vm_net_ping_rtt        vm1 -> vm2 ping round trip (average of 20),
#                          in instructions
#   vm_net_tcp_throughput  NET_BENCH_MIB MiB over TCP vm1 -> vm2, in MiB
#                          per virtual second
#
#   bash tools/bench-net.sh build/aarch64/keel.bin
# (CHECK_CONFIG, MKBLOBS: the host tools, as make sets them.)
set -u
[ $# -eq 1 ] || { echo "usage: $0 <keel image>" >&2; exit 2; }
out=$(LINUX_TEST_CONFIG=tests/linux/bench-net.json LINUX_TEST_LOG=netbench \
	LINUX_TEST_QEMU_ARGS="-icount shift=0" LINUX_STEP_TIMEOUT=900 \
	LINUX_TEST_STEPS="shell netbench" bash tests/system/linux.sh "$1")
rc=$?
echo "$out" | grep -v '^bench ' >&2
echo "$out" | grep '^bench '
exit $rc
