# Test guests (tests/guests/): small bare-metal aarch64 programs, each a
# Linux arm64 Image, that report [test] markers through the PL011.
#
#   make guests        build $(B)/guests/<name>.bin for every guest
#   make guests-bare   boot each one under plain QEMU and judge its markers
#                      (tests/guests/run-bare.sh)
#
# Included by the top-level Makefile, which sets B, CROSS, WARN, CC_INC (and
# SETUP_STAMP, the dependency installer, if it wants the guests to wait
# for it). What each guest does and expects: tests/guests/README.md.

$(if $(B),,$(error guests.mk: B is not set; include it from the top-level Makefile))
$(if $(CROSS),,$(error guests.mk: CROSS is not set (e.g. aarch64-linux-gnu-)))
$(if $(WARN),,$(error guests.mk: WARN is not set (the strict warning flags)))

GUEST_NAMES := uart hvc abort timer mem scan hostile seq bench off reset echo smp pmu beat
GUEST_DIR := tests/guests
GUEST_B := $(B)/guests
GUEST_CC := $(CROSS)gcc
GUEST_OBJCOPY := $(CROSS)objcopy
GUEST_READELF := $(CROSS)readelf

# Freestanding, general registers only (no FP/SIMD state to set up), and
# -mstrict-align: with the MMU off all data accesses are Device memory,
# where an unaligned access faults. The image is one RWX segment on
# purpose: there is no MMU to enforce anything else. Like the kernel, a
# guest sees no C library's headers, only the compiler's own
# (GUEST_INC; the link checks it: check_headers in the Makefile).
GUEST_INC := -nostdinc -isystem $(CC_INC)
GUEST_CFLAGS := $(WARN) -O2 -ffreestanding -nostdlib -fno-pie -mcmodel=small $(GUEST_INC) \
	-mgeneral-regs-only -mstrict-align -march=armv8-a -mno-outline-atomics \
	-mbranch-protection=none -fno-stack-protector \
	-fno-asynchronous-unwind-tables -fno-unwind-tables \
	-fno-tree-loop-distribute-patterns -MD -MP
GUEST_LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none \
	-Wl,--no-warn-rwx-segments -Wl,--emit-relocs -T $(GUEST_DIR)/guest.ld
GUEST_LD = $(GUEST_DIR)/guest.ld

GUEST_LIB_SRCS := lib/head.S lib/console.c lib/pl011.c lib/exc.c lib/probe.c lib/fdt.c \
	lib/ram.c lib/string.c
GUEST_uart_SRCS := uart.c
GUEST_hvc_SRCS := hvc.c
GUEST_abort_SRCS := abort.c
GUEST_timer_SRCS := timer.c lib/gic.c
GUEST_mem_SRCS := mem.c
GUEST_scan_SRCS := scan.c lib/scan.c
GUEST_hostile_SRCS := hostile.c hostile_call.c hostile_sysreg.c hostile_soak.c
GUEST_seq_SRCS := seq.c
GUEST_bench_SRCS := bench.c
GUEST_off_SRCS := off.c
GUEST_reset_SRCS := reset.c
GUEST_echo_SRCS := echo.c lib/gic.c
GUEST_smp_SRCS := smp.c lib/gic.c
GUEST_pmu_SRCS := pmu.c
GUEST_beat_SRCS := beat.c
# Guests booted only from the shipped image with a config (not modules of
# the test image, whose module count is bounded): built like the others.
GUEST_CONFIG_NAMES := disk
GUEST_disk_SRCS := disk.c
# Absolute relocations (the link refuses them) and the guests beside the
# named ones (raw.bin, below).
GUEST_ABS_RELOCS := ^R_AARCH64_(ABS|MOVW_[SU]ABS)
GUEST_EXTRA = $(GUEST_B)/raw.bin $(patsubst %,$(GUEST_B)/%.bin,$(GUEST_CONFIG_NAMES))
# Another architecture's guests replace all of the above (its arch.mk
# names the file: tests/guests/arch/<arch>/guests.mk).
ifneq ($(ARCH_GUESTS_MK),)
include $(ARCH_GUESTS_MK)
endif

guest_objs = $(patsubst %,$(GUEST_B)/obj/%.o,$(1))
GUEST_LIB_OBJS := $(call guest_objs,$(GUEST_LIB_SRCS))
GUEST_ALL_OBJS := $(GUEST_LIB_OBJS) $(foreach g,$(GUEST_NAMES) $(GUEST_CONFIG_NAMES),\
	$(call guest_objs,$(GUEST_$(g)_SRCS)))
GUEST_BINS := $(patsubst %,$(GUEST_B)/%.bin,$(GUEST_NAMES))

.PHONY: guests guests-bare guests-tools
guests: $(GUEST_BINS) $(GUEST_EXTRA)

guests-bare: guests
	bash $(GUEST_DIR)/run-bare.sh $(GUEST_B)

guests-tools:
	@command -v $(GUEST_CC) >/dev/null || { echo "guests: $(GUEST_CC) not \
	found (make setup, or apt-get install gcc-aarch64-linux-gnu)" >&2; exit 1; }

$(GUEST_B)/obj/%.c.o: $(GUEST_DIR)/%.c | guests-tools $(SETUP_STAMP)
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_CFLAGS) -c $< -o $@

$(GUEST_B)/obj/%.S.o: $(GUEST_DIR)/%.S | guests-tools $(SETUP_STAMP)
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_CFLAGS) -D__ASSEMBLY__ -c $< -o $@

# Link, then refuse absolute relocations: the guests must run wherever
# the loader puts them (lib/head.S). ADRP/ADD pairs and branches are
# PC-relative; *_ABS_LO12_NC only carries the low 12 bits, which a load
# at a 2 MiB boundary does not change.
define guest_link
$(GUEST_B)/$(1).elf: $(GUEST_LIB_OBJS) $(call guest_objs,$(GUEST_$(1)_SRCS)) \
		$(GUEST_LD)
	@$$(call check_headers,$$(filter %.o,$$^))
	$(GUEST_CC) $(GUEST_LDFLAGS) -o $$@ $$(filter %.o,$$^)
	@$(GUEST_READELF) -rW $$@ | awk '/^Relocation section/ { sec = $$$$3 } \
		$$$$3 ~ /$(GUEST_ABS_RELOCS)/ && sec !~ /debug/ { \
		print "guests: absolute relocation in $$@ " sec ": " $$$$0; \
		bad = 1 } END { exit bad }' || { rm -f $$@; exit 1; }
endef
$(foreach g,$(GUEST_NAMES) $(GUEST_CONFIG_NAMES),$(eval $(call guest_link,$(g))))

$(GUEST_B)/%.bin: $(GUEST_B)/%.elf
	$(GUEST_OBJCOPY) -O binary $< $@

# A raw binary guest (no Image header where a loader looks for one): 4 KiB
# of zeros (UDF #0: a guest entered there takes an undefined exception)
# and then the uart guest, whose own header starts with a branch to its
# code. tests/system/raw.sh loads it with kernel_load_addr and starts it
# at entry_point = load + 4 KiB; the zeros make a wrong entry fail.
$(GUEST_B)/raw.bin: $(GUEST_B)/uart.bin
	{ head -c 4096 /dev/zero; cat $<; } > $@

-include $(GUEST_ALL_OBJS:.o=.d)
