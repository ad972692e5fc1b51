# Keel — top-level build.
#
#   make run      boot the system in QEMU (installs what is missing first);
#                 CONFIG=file.json boots with that VM config as loader blobs
#   make test     every test: host unit tests, config tests, QEMU system tests
#   make bench    instruction counts under QEMU -icount shift=0
#   make loc      lines of privileged code (kernel/ + arch/$(ARCH)/)
#   make debug    as run, with QEMU's gdbstub on :1234, halted at start
#
# Outputs go under build/. Fragments: libipc/libipc.mk, boot/boot.mk,
# tests/servers/servers.mk, tests/unit/unit.mk, config/config.mk,
# tests/guests/guests.mk, vmm-server/vmm.mk, vmm-server/vmm-unit.mk,
# device-servers/devices.mk, tests/linux/linux.mk.

ARCH ?= aarch64
BUILD := build
B := $(BUILD)/$(ARCH)
SYSROOT := $(BUILD)/sysroot
SETUP_STAMP := $(SYSROOT)/.done-v2
CROSS ?= aarch64-linux-gnu-
CC := $(CROSS)gcc
OBJCOPY := $(CROSS)objcopy
HOST_CC ?= cc
QEMU ?= qemu-system-aarch64

WARN := -std=c11 -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes \
	-Wstrict-prototypes -Wvla -Wmissing-declarations
OPT := -O2 -g

# ---- kernel (EL2, freestanding) ----
KINC := -Ikernel -Iarch/include -Iarch/$(ARCH)/include -Ilibipc/include \
	-Ilibipc/arch/$(ARCH) -isystem $(SYSROOT)/usr/include
KCFLAGS := $(WARN) $(OPT) -ffreestanding -fno-builtin -fno-stack-protector \
	-fno-pie -mgeneral-regs-only -mno-outline-atomics -march=armv8.1-a \
	-fno-omit-frame-pointer $(KINC)
KERNEL_SRCS := $(wildcard kernel/*.c) $(wildcard arch/$(ARCH)/*.c) \
	$(wildcard arch/$(ARCH)/*.S)
KERNEL_OBJS := $(patsubst %,$(B)/k/%.o,$(KERNEL_SRCS)) $(B)/k/modules.S.o
LIBFDT_A := $(SYSROOT)/usr/lib/aarch64-linux-gnu/libfdt.a

# ---- user programs (EL0, musl) ----
MUSL := $(SYSROOT)/usr/lib/aarch64-linux-musl
UCFLAGS := $(WARN) $(OPT) -nostdinc -isystem $(SYSROOT)/usr/include/aarch64-linux-musl \
	-isystem $(shell $(CC) -print-file-name=include 2>/dev/null) \
	-Ilibipc/include -Ilibipc/arch/$(ARCH) -idirafter $(SYSROOT)/usr/include \
	-fno-pie -D_GNU_SOURCE \
	-mno-outline-atomics -ffunction-sections -fdata-sections
ULIBGCC = $(shell $(CC) -print-libgcc-file-name)
ULDFLAGS := -static -nostdlib -no-pie -Wl,--gc-sections

.DEFAULT_GOAL := all
USER_PROGS :=
TEST_TARGETS :=
include libipc/libipc.mk
-include boot/boot.mk
-include tests/servers/servers.mk
-include tests/unit/unit.mk
-include config/config.mk
include tests/guests/guests.mk
include vmm-server/vmm.mk device-servers/devices.mk vmm-server/vmm-unit.mk
-include tests/linux/linux.mk
TEST_TARGETS += guests-bare vmm-unit

.PHONY: all setup run debug test bench loc clean system-test unit linux-system config-system
all: $(B)/keel.bin

setup: $(SETUP_STAMP)
$(SETUP_STAMP):
	@bash tools/setup-deps.sh

$(B)/k/%.c.o: %.c | $(SETUP_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) -MMD -c $< -o $@

$(B)/k/%.S.o: %.S | $(SETUP_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) -D__ASSEMBLY__ -MMD -c $< -o $@

$(B)/k/modules.S.o: $(B)/modules.S
	$(CC) -c $< -o $@

# ---- user program rules ----
$(B)/user/obj/%.c.o: %.c | $(SETUP_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(UCFLAGS) -MMD -c $< -o $@

# A program NAME lists its sources in NAME_SRCS and extra libraries
# (e.g. Debian's arm64 libfdt.a) in NAME_LIBS.
define user_prog
$(B)/user/$(1).elf: $$(patsubst %,$(B)/user/obj/%.o,$$($(1)_SRCS)) $(LIBKEEL_A)
	@mkdir -p $$(dir $$@)
	$(CC) $(ULDFLAGS) -o $$@ $(MUSL)/crt1.o $(MUSL)/crti.o \
		$$(patsubst %,$(B)/user/obj/%.o,$$($(1)_SRCS)) $(LIBKEEL_A) \
		$$($(1)_LIBS) $(MUSL)/libc.a $$(ULIBGCC) $(MUSL)/crtn.o
USER_ELFS += $(B)/user/$(1).elf
endef
$(foreach p,$(USER_PROGS),$(eval $(call user_prog,$(p))))

# Boot modules: the root server first, then every other user program, then
# the test guests (named guest-<name>), then data files (MODULE_DATA, named
# by their file name).
MODULE_ELFS = $(B)/user/root.elf $(filter-out $(B)/user/root.elf,$(USER_ELFS)) \
	$(patsubst %,$(GUEST_B)/%.bin,$(GUEST_NAMES)) $(MODULE_DATA)
$(B)/modules.S: $(MODULE_ELFS) tools/mkmodules.sh
	@mkdir -p $(dir $@)
	bash tools/mkmodules.sh $(MODULE_ELFS) > $@

$(B)/keel.elf: $(KERNEL_OBJS) arch/$(ARCH)/kernel.ld
	$(CC) -nostdlib -static -no-pie -T arch/$(ARCH)/kernel.ld -o $@ \
		$(KERNEL_OBJS) $(LIBFDT_A) $(shell $(CC) -print-libgcc-file-name)

$(B)/keel.bin: $(B)/keel.elf
	$(OBJCOPY) -O binary $< $@

# ---- running ----
# The machine make run boots: its RAM in MiB (with a config) and its CPUs.
# check-config is given the same numbers, so it refuses what root would.
RUN_MIB := 2048
RUN_CPUS := 2
# -nic none: Keel uses no network, and the default NIC needs an option ROM
# from a package that is only recommended.
QEMU_FLAGS := -M virt,virtualization=on,gic-version=3 -cpu max,pauth=off,sve=off,sme=off -smp $(RUN_CPUS) -nic none \
	-m 1G -nographic -no-reboot
APPEND ?=
# make run [CONFIG=file.json]: check the config (config/default.json, two
# Linux VMs, unless another is named), lay it and the files it names out as
# QEMU loader blobs (tools/mkblobs.c, docs/config.md) and boot with 2 GiB;
# the kernel finds them through "blobs=" on its command line. The default
# config's Linux assets are fetched first (make linux-assets).
# make run APPEND="test=<scenario>" boots one built-in scenario instead.
DEFAULT_CONFIG := config/default.json
RUN_CONFIG := $(if $(filter command line,$(origin CONFIG)),$(CONFIG),$(if \
	$(findstring test=,$(APPEND)),,$(DEFAULT_CONFIG)))
# The project's configs (config/*.json, config/examples/*.json) name the
# Linux assets: fetch them first.
RUN_ASSETS := $(if $(filter config/%,$(RUN_CONFIG)),linux-assets)
RUN_BLOBS := $(BUILD)/blobs
ifeq ($(RUN_CONFIG),)
run: $(B)/keel.bin
	$(QEMU) $(QEMU_FLAGS) -kernel $(B)/keel.bin -append "$(APPEND)"
else
run: $(B)/keel.bin $(BUILD)/host/config/check-config $(BUILD)/host/config/mkblobs $(RUN_ASSETS)
	$(BUILD)/host/config/check-config --machine-mib $(RUN_MIB) --cpus $(RUN_CPUS) $(RUN_CONFIG)
	$(BUILD)/host/config/mkblobs $(RUN_CONFIG) $(RUN_MIB) $(RUN_BLOBS)
	$(QEMU) $(subst -m 1G,-m $(RUN_MIB)M,$(QEMU_FLAGS)) -kernel $(B)/keel.bin \
		$$(grep -v '^blobs=' $(RUN_BLOBS)/qemu-args) \
		-append "$(strip $(APPEND) $$(grep '^blobs=' $(RUN_BLOBS)/qemu-args))"
endif

debug: $(B)/keel.bin
	$(QEMU) $(QEMU_FLAGS) -kernel $(B)/keel.bin -append "$(APPEND)" -s -S

system-test: $(B)/keel.bin
	bash tests/system/run.sh $(B)/keel.bin
	bash tests/system/blobs.sh $(B)/keel.bin

# Two Linux VMs from config/default.json, driven at the console as a user
# would (tests/system/linux.sh): shell, 2 CPUs, sleep, switching, a PL011
# server crash, poweroff of one VM.
linux-system: $(B)/keel.bin $(BUILD)/host/config/check-config $(BUILD)/host/config/mkblobs \
		linux-assets $(BUILD)/linux/user-board.dtb
	CHECK_CONFIG=$(BUILD)/host/config/check-config MKBLOBS=$(BUILD)/host/config/mkblobs \
		bash tests/system/linux.sh $(B)/keel.bin
	CHECK_CONFIG=$(BUILD)/host/config/check-config MKBLOBS=$(BUILD)/host/config/mkblobs \
		LINUX_TEST_CONFIG=tests/linux/dtb.json LINUX_TEST_STEPS="shell model" \
		LINUX_TEST_LOG=dtb bash tests/system/linux.sh $(B)/keel.bin

# Configs on the machine make run boots: every config/examples/*.json
# checks and boots to its first VM's shell, one that waits for virtio
# servers is refused with the located reason (tests/system/examples.sh);
# root builds exactly the VMs check-config passes (tests/system/agree.sh).
CONFIG_SYSTEM_ENV = CHECK_CONFIG=$(BUILD)/host/config/check-config \
	MKBLOBS=$(BUILD)/host/config/mkblobs RUN_MIB=$(RUN_MIB) RUN_CPUS=$(RUN_CPUS)
config-system: $(B)/keel.bin $(BUILD)/host/config/check-config $(BUILD)/host/config/mkblobs \
		linux-assets
	$(CONFIG_SYSTEM_ENV) bash tests/system/examples.sh $(B)/keel.bin
	$(CONFIG_SYSTEM_ENV) bash tests/system/agree.sh $(B)/keel.bin
TEST_TARGETS += config-system

# A device tree written by hand, for a config that supplies its own.
$(BUILD)/linux/user-board.dtb: tests/linux/user-board.dts | $(SETUP_STAMP)
	@mkdir -p $(dir $@)
	dtc -q -I dts -O dtb -o $@ $<
TEST_TARGETS += linux-system

test: $(SETUP_STAMP)
	$(MAKE) unit $(TEST_TARGETS) system-test

bench: $(B)/keel.bin $(BUILD)/host/config/check-config $(BUILD)/host/config/mkblobs linux-assets
	CHECK_CONFIG=$(BUILD)/host/config/check-config MKBLOBS=$(BUILD)/host/config/mkblobs \
		LINUX_CONFIG=tests/linux/bench.json bash tools/bench.sh $(B)/keel.bin $(BUILD)/bench.json

loc:
	@bash tools/loc.sh kernel arch/$(ARCH)

clean:
	rm -rf $(B) $(BUILD)/host

-include $(shell find $(B) -name '*.d' 2>/dev/null)
