#!/usr/bin/env bash
# Boot the riscv64 Linux guest (build/linux-riscv64/Image + initramfs.cpio,
# tools/fetch-linux-riscv64.sh) on plain qemu-system-riscv64 -M virt -cpu
# rv64 -smp 2 (OpenSBI, QEMU's default firmware) and check its shell: the
# same checks as the aarch64 guest's, by tests/linux/run-bare.sh.
#
#   bash tests/linux/run-bare-riscv64.sh [--icount | --bench]
set -euo pipefail
ARCH=riscv64 exec bash "$(dirname "$0")/run-bare.sh" "$@"
