# ARCH=riscv64 (issue 14: the kernel in HS-mode, VS-mode guests, the
# system scenarios that run there; docs/riscv64.md). Included by the Makefile before it
# sets its aarch64 defaults. Set-up: tools/setup-riscv64.sh (the riscv64
# cross compiler, qemu-system-riscv64, musl and libfdt built from Debian's
# source into build/sysroot-riscv64).
SYSROOT := $(BUILD)/sysroot-riscv64
SETUP_STAMP := $(SYSROOT)/.done-v1
SETUP_SCRIPT := tools/setup-riscv64.sh
CROSS := riscv64-linux-gnu-
QEMU := qemu-system-riscv64
CLANG_TARGET := riscv64-linux-gnu
MUSL_TRIPLE := riscv64-linux-musl
# The kernel: no floating point (lp64; only entry.S touches the FP
# registers, to switch threads'), code that runs wherever RAM is
# (medany), no linker relaxation so it never uses gp (the thread's).
KARCH_FLAGS := -march=rv64imac_zicsr_zifencei -mabi=lp64 -mcmodel=medany -mno-relax
MODULES_ASFLAGS := -march=rv64imac_zicsr_zifencei -mabi=lp64
KLIBFDT_A := $(SYSROOT)/usr/lib/riscv64-linux-gnu/libfdt-kernel.a
# libgcc is built for lp64d; the few integer helpers the kernel takes from
# it (__clzdi2, __bswapsi2) pass integers the same way under lp64, so the
# float-ABI mismatch of their objects is allowed.
KLDFLAGS = -Wl,--no-relax -Wl,--no-warn-mismatch $(shell $(CC) -print-libgcc-file-name)
LIBFDT_A := $(SYSROOT)/usr/lib/riscv64-linux-gnu/libfdt.a
UARCH_FLAGS :=
UNOFP_FLAGS :=
# clang 14 (the -Wmissing-variable-declarations check) knows no zicsr.
CLANG_DROP := -march=rv64imac_zicsr_zifencei
# No virtio-rng server (it needs the CPU's random number instruction:
# Zkr, later). The test guests are riscv64's own (docs/riscv64.md).
ARCH_NO_PROGS := vrng
ARCH_GUESTS_MK := tests/guests/arch/riscv64/guests.mk
# make vmm-unit ARCH=riscv64 builds in build/host/vmm-unit-riscv64.
ARCH_HOST_SUFFIX := -riscv64
# make run ARCH=riscv64 APPEND=test=<scenario> boots the test image so
# (tests/system/run.sh uses the same board); make run ARCH=riscv64 boots
# this config, with -m raised to RUN_MIB, and builds its Linux and root
# disk first (tests/linux/linux-riscv64.mk).
DEFAULT_CONFIG := config/default-riscv64.json
ARCH_QEMU_FLAGS := -M virt -cpu rv64,h=true -smp 2 -nic none -m 1G -nographic -no-reboot
# make ARCH=riscv64 system-test: the system scenarios that run there.
ARCH_SYSTEM_SCENARIOS := boot ipc epqueue libc badcap nullderef spin stress crash-remote \
	bench cfg restart-policy vm-sbi vm-sbi-restart vm-bench vm-hostile-sbi vm-two vm-isolation \
	vm-poweroff vm-reset vm-restart-load vm-restart-post
# make test ARCH=riscv64 (make test runs it after aarch64's suite): the
# host's architecture-neutral tests ran there; here riscv64's host tests
# (its exit decoder, its VMM's units and fuzzer), the system scenarios
# and boot blobs, check-config's and root's agreement (config-system),
# the bare guest, the Linux session under Keel and keelctl against it
# (ctl-system: tests/system/ctl.sh).
ARCH_TEST_TARGETS := unit-exit-riscv64 vmm-unit fuzz-rvexit-smoke headers-test system-test \
	config-system linux-bare linux-system ctl-system
# tests/linux/linux-riscv64.mk has its own linux-system.
ARCH_LINUX_SYSTEM := tests/linux/linux-riscv64.mk
# make bench ARCH=riscv64 (tools/bench.sh with ARCH=riscv64): the Linux
# boot figures with one vCPU (docs/riscv64.md, "Benchmarks"), the figures
# in their own file.
BENCH_LINUX_CONFIG := tests/linux/bench-riscv64.json
BENCH_JSON := $(BUILD)/bench-riscv64.json
# (The network benchmarks, bench-net.sh and bench-uplink.sh, boot aarch64
# configs: tools/bench.sh leaves them out for riscv64, as virtio-blk's.)
