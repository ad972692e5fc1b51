# riscv64 test guests (tests/guests/arch/riscv64/): bare-metal VS-mode
# programs, each a riscv Linux Image. tests/guests/guests.mk includes this
# file in place of its aarch64 list when arch/riscv64/arch.mk names it
# (ARCH_GUESTS_MK); its compile and link rules serve both.
GUEST_NAMES := sbi bench hostile beat scan uart off reset pulse seq
GUEST_CFLAGS := $(WARN) -O2 -ffreestanding -nostdlib -fno-pie -mcmodel=medany $(GUEST_INC) \
	-march=rv64imac_zicsr_zifencei -mabi=lp64 -fno-stack-protector \
	-fno-asynchronous-unwind-tables -fno-unwind-tables \
	-fno-tree-loop-distribute-patterns -MD -MP
GUEST_LD = $(GUEST_DIR)/arch/riscv64/guest.ld
GUEST_LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none -Wl,--no-relax \
	-Wl,--no-warn-rwx-segments -Wl,--emit-relocs -T $(GUEST_LD)
GUEST_LIB_SRCS := arch/riscv64/head.S
GUEST_sbi_SRCS := arch/riscv64/sbi.c arch/riscv64/rv.c
GUEST_bench_SRCS := arch/riscv64/bench.c arch/riscv64/rv.c
GUEST_hostile_SRCS := arch/riscv64/hostile.c arch/riscv64/hostile_ops.c \
	arch/riscv64/hostile_sbi.c arch/riscv64/rv.c
GUEST_beat_SRCS := arch/riscv64/beat.c arch/riscv64/rv.c
# aarch64's guests that only print and probe (guest_main, lib/guest.h)
# run on riscv64's runtime (rt.c) with the shared console, device-tree
# reader and RAM map, which are plain C; off, reset and pulse are
# riscv64's own on the same runtime.
GUEST_RT_CORE := arch/riscv64/rt.c arch/riscv64/rv.c lib/console.c lib/fdt.c lib/ram.c \
	lib/string.c
GUEST_RT_SRCS := $(GUEST_RT_CORE) lib/pl011.c
GUEST_scan_SRCS := scan.c lib/scan.c $(GUEST_RT_SRCS)
GUEST_uart_SRCS := uart.c $(GUEST_RT_SRCS)
GUEST_off_SRCS := arch/riscv64/off.c $(GUEST_RT_SRCS)
GUEST_reset_SRCS := arch/riscv64/reset.c $(GUEST_RT_SRCS)
GUEST_pulse_SRCS := arch/riscv64/pulse.c $(GUEST_RT_SRCS)
# seq writes through the 16550 (test=vm-restart-load, vm-restart-post)
GUEST_seq_SRCS := seq.c arch/riscv64/ns16550.c $(GUEST_RT_CORE)
# Code must run wherever the loader puts it: medany is PC-relative
# (auipc pairs); these would be absolute.
GUEST_ABS_RELOCS := ^R_RISCV_(32|64|HI20|LO12_I|LO12_S)$$$$
GUEST_CONFIG_NAMES :=
GUEST_EXTRA =
