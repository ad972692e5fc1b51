# Keel — top-level build.
#
#   make run      boot the system in QEMU (installs what is missing first);
#                 CONFIG=file.json boots with that VM config as loader blobs
#   make test     every test: host unit tests, config tests, QEMU system tests
#   make soak     the random system-call storm at scale (SOAK_CALLS, default
#                 10,000,000; not part of make test): tests/system/soak.sh
#   make bench    instruction counts under QEMU -icount shift=0, then
#                 wall-clock ratios against bare QEMU (BENCH_WALL=0: not),
#                 aarch64's into build/bench.json, then riscv64's into
#                 build/bench-riscv64.json (docs/riscv64.md); ARCH=x: x only
#   make bench-peers  the same exits measured for KVM + QEMU in the same
#                 emulator (tests/peers/peers.mk; not part of make test)
#   make loc      lines of privileged code (kernel/ + arch/$(ARCH)/)
#   make debug    as run, with QEMU's gdbstub on :1234, halted at start
#   make check-headers  target objects used no header outside the project,
#                 the compiler's and the allowed sysroot ones
#
# Outputs go under build/. Fragments: libipc/libipc.mk, boot/boot.mk,
# tests/servers/servers.mk, tests/unit/unit.mk, config/config.mk,
# tests/guests/guests.mk, vmm-server/vmm.mk, vmm-server/vmm-unit.mk,
# device-servers/devices.mk, device-servers/virtio/virtio.mk,
# tests/linux/linux.mk, tests/peers/peers.mk.

# make test runs both architectures' suites, aarch64's then riscv64's,
# unless ARCH is named (make test ARCH=riscv64: that one only).
TEST_ARCHS := $(if $(filter command line environment,$(origin ARCH)),$(ARCH),aarch64 riscv64)
ARCH ?= aarch64
BUILD := build
B := $(BUILD)/$(ARCH)
SYSROOT := $(BUILD)/sysroot
SETUP_STAMP := $(SYSROOT)/.done-v4
SETUP_SCRIPT := tools/setup-deps.sh
# Another architecture's tools, sysroot and flags (arch/riscv64/arch.mk);
# the defaults below are aarch64's.
-include arch/$(ARCH)/arch.mk
# A fresh machine: install what is missing before anything below asks the
# compilers for their paths (CC_INC, CLANG_INC are read while this file is
# parsed), so that `make run` works as the first command, as `make test`
# (which runs a second make) always did. Goals that need no tools skip it.
ifeq ($(wildcard $(SETUP_STAMP)),)
ifneq ($(filter-out setup clean loc help,$(or $(MAKECMDGOALS),all)),)
$(info setup: installing what Keel needs first (tools/setup-deps.sh))
SETUP_OUT := $(shell bash $(SETUP_SCRIPT) >&2 && echo ok)
$(if $(SETUP_OUT),,$(error setup failed ($(SETUP_SCRIPT)); see above))
endif
endif
CROSS ?= aarch64-linux-gnu-
CC := $(CROSS)gcc
OBJCOPY := $(CROSS)objcopy
HOST_CC ?= cc
# make fuzz runs every libFuzzer target, one after another, for FUZZ_RUNS
# inputs each (10 M: hours for the slow ones, README "Fuzzers" has the
# rates), or FUZZ_TIME seconds if that comes first (0: no limit).
FUZZ_RUNS ?= 10000000
FUZZ_TIME ?= 0
QEMU ?= qemu-system-aarch64

WARN := -std=c11 -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes \
	-Wstrict-prototypes -Wvla -Wmissing-declarations
OPT := -O2 -g

# The compiler's own headers (stdint.h, stddef.h, stdarg.h, ...): the only
# system headers target code may use besides musl's.
CC_INC := $(shell $(CC) -print-file-name=include 2>/dev/null)

# GCC 12 has no -Wmissing-variable-declarations (a global defined with no
# declaration its users are checked against); clang has it. So every target
# C file is also read by clang -fsyntax-only, with the object's own flags,
# the compiler headers swapped and that warning added (CLANG_CHECK).
CLANG ?= clang
CLANG_INC = $(shell $(CLANG) -print-resource-dir)/include
CLANG_TARGET ?= aarch64-linux-gnu
CLANG_CHECK = $(CLANG) --target=$(CLANG_TARGET) -fsyntax-only \
	-Wmissing-variable-declarations $(filter-out $(CLANG_DROP) $(KALIGN),$(subst $(CC_INC),$(CLANG_INC),$(1))) $<

# ---- kernel (EL2, freestanding) ----
# -nostdinc: no C library's headers, the host's or musl's. Of the sysroot
# only Debian's libfdt.h and fdt.h are reachable, copied into $(FDT_INC);
# their libfdt_env.h is the project's, one for every arch (arch/include).
FDT_INC := $(B)/fdt-include
# Its old places (one copy per arch before): build trees from then name
# them in fdt.c.d, and this empty rule lets those rebuild instead of stop.
arch/aarch64/include/libfdt_env.h arch/riscv64/include/libfdt_env.h:
KINC := -nostdinc -isystem $(CC_INC) -Ikernel -Iarch/include -Iarch/$(ARCH)/include \
	-Ilibipc/include -Ilibipc/arch/$(ARCH) -isystem $(FDT_INC)
KARCH_FLAGS ?= -mgeneral-regs-only -mno-outline-atomics -march=armv8.1-a
# No padding before loops and jump targets: the nops a fall-through runs
# are instructions too, and where they fall moves with every unrelated
# edit to a file (up to 12 on one benchmark's path, docs/performance.md):
# without them make bench's counts change only when the path does.
KALIGN := -falign-loops=1 -falign-jumps=1 -falign-labels=1
KCFLAGS := $(WARN) $(OPT) -ffreestanding -fno-builtin -fno-stack-protector \
	-fno-pie $(KARCH_FLAGS) $(KALIGN) -fno-omit-frame-pointer $(KINC)
KLDFLAGS ?= $(shell $(CC) -print-libgcc-file-name)
KERNEL_SRCS := $(wildcard kernel/*.c) $(wildcard arch/$(ARCH)/*.c) \
	$(wildcard arch/$(ARCH)/*.S)
KERNEL_CORE_OBJS := $(patsubst %,$(B)/k/%.o,$(KERNEL_SRCS))
KERNEL_OBJS := $(KERNEL_CORE_OBJS) $(B)/k/modules.S.o
LIBFDT_A ?= $(SYSROOT)/usr/lib/aarch64-linux-gnu/libfdt.a
KLIBFDT_A ?= $(LIBFDT_A)

# ---- user programs (EL0, musl) ----
MUSL_TRIPLE ?= aarch64-linux-musl
MUSL := $(SYSROOT)/usr/lib/$(MUSL_TRIPLE)
# User programs see musl's headers, the compiler's, and of the rest of the
# sysroot only Debian's libfdt headers (copied into $(USER_INC)); cJSON's
# header comes with its build from source (config/config.mk).
USER_INC := $(B)/user-include
UARCH_FLAGS ?= -mno-outline-atomics
# Servers on the exit and IPC paths are built without FP/SIMD registers (no
# compiler-made vector code either), so answering an exit or a call never
# takes the kernel's lazy FP trap: libkeel, the VMM and the device servers
# (the control server excepted: cJSON's numbers are doubles).
# docs/performance.md.
UNOFP_FLAGS ?= -mgeneral-regs-only
UCFLAGS := $(WARN) $(OPT) -nostdinc -isystem $(SYSROOT)/usr/include/$(MUSL_TRIPLE) \
	-isystem $(CC_INC) \
	-Ilibipc/include -Ilibipc/arch/$(ARCH) -idirafter $(USER_INC) \
	-fno-pie -D_GNU_SOURCE \
	$(UARCH_FLAGS) -ffunction-sections -fdata-sections
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
-include tests/root/root.mk
include tests/guests/guests.mk
include vmm-server/vmm.mk device-servers/devices.mk vmm-server/vmm-unit.mk \
	device-servers/virtio/virtio.mk
-include tests/linux/linux.mk
-include tests/uboot/uboot.mk
-include tests/peers/peers.mk
-include tests/ctl/ctl.mk
-include tests/trace/trace.mk
TEST_TARGETS += guests-bare vmm-unit
# What an architecture cannot build yet (ARCH_NO_PROGS, ARCH_NO_GUESTS:
# arch/riscv64/arch.mk).
USER_PROGS := $(filter-out $(ARCH_NO_PROGS),$(USER_PROGS))
SHIPPED_PROGS := $(filter-out $(ARCH_NO_PROGS),$(SHIPPED_PROGS))
GUEST_NAMES := $(if $(ARCH_NO_GUESTS),,$(GUEST_NAMES))

.PHONY: all setup run debug test bench loc clean system-test unit linux-system config-system
all: $(B)/keel.bin

setup: $(SETUP_STAMP)
$(SETUP_STAMP):
	@bash $(SETUP_SCRIPT)

# The sysroot headers target code may include, copied so that nothing else
# of the sysroot is on an include path.
$(FDT_INC)/.done: $(SETUP_STAMP)
	@mkdir -p $(dir $@)
	cp $(SYSROOT)/usr/include/libfdt.h $(SYSROOT)/usr/include/fdt.h $(dir $@)
	@touch $@
$(USER_INC)/.done: $(SETUP_STAMP)
	@mkdir -p $(dir $@)
	cp $(SYSROOT)/usr/include/libfdt.h $(SYSROOT)/usr/include/fdt.h \
		$(SYSROOT)/usr/include/libfdt_env.h $(dir $@)
	@touch $@

# -MD, not -MMD: the dependency files list system headers too, so that
# check-headers sees every header a target object was built from.
$(B)/k/%.c.o: %.c | $(SETUP_STAMP) $(FDT_INC)/.done
	@mkdir -p $(dir $@)
	@$(call CLANG_CHECK,$(KCFLAGS))
	$(CC) $(KCFLAGS) -MD -c $< -o $@

$(B)/k/%.S.o: %.S | $(SETUP_STAMP) $(FDT_INC)/.done
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) -D__ASSEMBLY__ -MD -c $< -o $@

$(B)/k/modules.S.o: $(B)/modules.S
	$(CC) $(MODULES_ASFLAGS) -c $< -o $@
$(B)/k/modules-test.S.o: $(B)/modules-test.S
	$(CC) $(MODULES_ASFLAGS) -c $< -o $@

# ---- user program rules ----
$(B)/user/obj/%.c.o: %.c | $(SETUP_STAMP) $(USER_INC)/.done
	@mkdir -p $(dir $@)
	@$(call CLANG_CHECK,$(UCFLAGS))
	$(CC) $(UCFLAGS) -MD -c $< -o $@

# A program NAME lists its sources in NAME_SRCS and extra libraries
# (e.g. Debian's arm64 libfdt.a) in NAME_LIBS.
define user_prog
$(B)/user/$(1).elf: $$(patsubst %,$(B)/user/obj/%.o,$$($(1)_SRCS)) $(LIBKEEL_A)
	@mkdir -p $$(dir $$@)
	@$$(call check_headers,$$(patsubst %,$(B)/user/obj/%.o,$$($(1)_SRCS)))
	$(CC) $(ULDFLAGS) -o $$@ $(MUSL)/crt1.o $(MUSL)/crti.o \
		$$(patsubst %,$(B)/user/obj/%.o,$$($(1)_SRCS)) $(LIBKEEL_A) \
		$$($(1)_LIBS) $(MUSL)/libc.a $$(ULIBGCC) $(MUSL)/crtn.o
USER_ELFS += $(B)/user/$(1).elf
endef
$(foreach p,$(USER_PROGS) $(TEST_ROOT_PROGS),$(eval $(call user_prog,$(p))))

# Boot modules (test image): the root server first, then every other user program, then
# the test guests (named guest-<name>), then data files (MODULE_DATA, named
# by their file name). The test image (keel-test.bin, tests/system/run.sh)
# has the test root (tests/root/root.mk) in the root's place: the kernel
# starts the module named "root", so it is linked as $(B)/test/root.elf.
MODULE_REST = $(filter-out $(B)/user/root.elf $(B)/user/root-test.elf,$(USER_ELFS)) \
	$(patsubst %,$(GUEST_B)/%.bin,$(GUEST_NAMES)) $(MODULE_DATA)
# The shipped image carries only what root starts for a config (SHIPPED_PROGS,
# added to by the .mk files of those programs); the test servers, test
# guests and data files are the test image's. The kernel takes at most
# KEEL_BOOT_MAX_MODULES (48) modules and blobs together.
MODULE_ELFS = $(B)/user/root.elf $(patsubst %,$(B)/user/%.elf,$(SHIPPED_PROGS))
TEST_MODULE_ELFS = $(B)/test/root.elf $(MODULE_REST)
$(B)/modules.S: $(MODULE_ELFS) tools/mkmodules.sh Makefile
	@mkdir -p $(dir $@)
	bash tools/mkmodules.sh $(MODULE_ELFS) > $@
$(B)/modules-test.S: $(TEST_MODULE_ELFS) tools/mkmodules.sh
	@mkdir -p $(dir $@)
	bash tools/mkmodules.sh $(TEST_MODULE_ELFS) > $@
$(B)/test/root.elf: $(B)/user/root-test.elf
	@mkdir -p $(dir $@)
	cp $< $@

# Every target object (kernel, user programs, test guests) was compiled
# from the project's headers, the compiler's, musl's and the copied libfdt
# headers only: anything else (/usr/include, the cross glibc) is an error.
HEADER_RULES := --allow . --deny $(SYSROOT) \
	--allow $(SYSROOT)/usr/include/$(MUSL_TRIPLE) --allow $(CC_INC)
# $(call check_headers,OBJECTS): every link and archive checks the objects
# it takes, so none goes unchecked, the test image's and the test guests'
# included, whatever is built first. Each object needs its dependency file
# (-MD); a missing one is an error too, so a rule that forgets -MD shows.
# modules*.S.o are generated from no header and have none.
check_headers = bash tools/check-headers.sh $(HEADER_RULES) -- $(patsubst %.o,%.d,\
	$(filter-out %/modules.S.o %/modules-test.S.o,$(filter %.o,$(1))))
.PHONY: check-headers
check-headers:
	bash tools/check-headers.sh $(HEADER_RULES) -- $$(find $(B) -name '*.d')

# The check itself, and that the flags reach no C library's headers.
.PHONY: headers-test
headers-test: $(FDT_INC)/.done $(USER_INC)/.done
	CC=$(CC) CC_INC=$(CC_INC) SYSROOT=$(SYSROOT) MUSL_TRIPLE=$(MUSL_TRIPLE) \
		GNU_TRIPLE=$(CROSS:-=) KCFLAGS='$(KCFLAGS)' \
		UCFLAGS='$(UCFLAGS)' HEADER_RULES='$(HEADER_RULES)' \
		GUEST_CFLAGS='$(filter-out -MD -MP,$(GUEST_CFLAGS))' bash tests/headers/run.sh
TEST_TARGETS += headers-test

$(B)/keel.elf: $(KERNEL_OBJS) arch/$(ARCH)/kernel.ld tools/check-headers.sh
	@$(call check_headers,$(KERNEL_OBJS))
	$(CC) -nostdlib -static -no-pie -T arch/$(ARCH)/kernel.ld -o $@ \
		$(KERNEL_OBJS) $(KLIBFDT_A) $(KLDFLAGS)

$(B)/keel.bin: $(B)/keel.elf
	$(OBJCOPY) -O binary $< $@

# The test image: the same kernel, the test root as its root server.
$(B)/keel-test.elf: $(KERNEL_CORE_OBJS) $(B)/k/modules-test.S.o arch/$(ARCH)/kernel.ld \
		tools/check-headers.sh
	@$(call check_headers,$(KERNEL_CORE_OBJS))
	$(CC) -nostdlib -static -no-pie -T arch/$(ARCH)/kernel.ld -o $@ \
		$(KERNEL_CORE_OBJS) $(B)/k/modules-test.S.o $(KLIBFDT_A) $(KLDFLAGS)

$(B)/keel-test.bin: $(B)/keel-test.elf
	$(OBJCOPY) -O binary $< $@

# ---- running ----
# The machine make run boots: its RAM in MiB (with a config) and its CPUs.
# check-config is given the same numbers, so it refuses what root would.
# make run MEM=8G (or 8192M, or 8192: MiB) boots a machine of that size;
# Keel uses RAM up to 512 GiB (its 39-bit EL2 map).
MEM ?= 2048
RUN_MIB := $(shell echo '$(MEM)' | sed -n 's/^\([0-9][0-9]*\)[Gg]$$/\1 1024/p; \
	s/^\([0-9][0-9]*\)[Mm]\{0,1\}$$/\1 1/p' | awk '{ print $$1 * $$2 }')
ifeq ($(RUN_MIB),)
$(error MEM=$(MEM): write the machine's RAM as 8G, 8192M or 8192 (MiB))
endif
RUN_CPUS := 2
# -nic none: Keel uses no network, and the default NIC needs an option ROM
# from a package that is only recommended.
QEMU_FLAGS := -M virt,virtualization=on,gic-version=3 -cpu max,pauth=off,sve=off,sme=off -smp $(RUN_CPUS) -nic none \
	-m 1G -nographic -no-reboot
QEMU_FLAGS := $(if $(ARCH_QEMU_FLAGS),$(ARCH_QEMU_FLAGS),$(QEMU_FLAGS))
APPEND ?=
# keelctl's control channel (docs/management.md): a virtio console (root
# finds it by its DeviceID), on a UNIX socket. Its transport and the
# sockets' are the first two of make run's order, each alone in an MMIO
# page (mkblobs writes their buses: keel/config.h cfg_virtio_transport).
CTL_SOCK ?= $(BUILD)/keel-ctl.sock
VIRTIO_BUS = $$(sed -n 's/^$(1)=//p' $(RUN_BLOBS)/virtio-buses)
CTL_QEMU_ARGS = -global virtio-mmio.force-legacy=false \
	-chardev socket,id=keelctl,path=$(CTL_SOCK),server=on,wait=off \
	-device virtio-serial-device,bus=$(call VIRTIO_BUS,ctl) -device virtconsole,chardev=keelctl
# Each VM's console on its own socket (docs/console.md): one virtio-serial
# device of 5 ports (root knows it by that count: consock.h), port N for
# VM N.
CON_SOCK_VMS := 1 2 3 4
CON_QEMU_ARGS = -device virtio-serial-device,id=keelcon,max_ports=5,bus=$(call VIRTIO_BUS,con) \
	$(foreach n,$(CON_SOCK_VMS),-chardev socket,id=keelcon$(n),server=on,wait=off,path=$(BUILD)/keel-console-vm$(n).sock \
	-device virtserialport,bus=keelcon.0,nr=$(n),chardev=keelcon$(n))
KEELCTL := $(BUILD)/host/keelctl
$(KEELCTL): tools/keelctl.c tools/keelctl-console.c tools/keelctl-console.h \
		tools/trace/trace_json.c tools/trace/trace_json.h
	@mkdir -p $(dir $@)
	$(HOST_CC) $(WARN) -O2 -g -Itools $(filter %.c,$^) -lcjson -o $@
# tools/trace-svg.c: keelctl trace's JSON as an SVG timeline (docs/management.md);
# make run builds it beside keelctl (one small file, built once)
TRACE_SVG := $(BUILD)/host/trace-svg
$(TRACE_SVG): tools/trace-svg.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(WARN) -O2 -g $< -lcjson -o $@
# make run [CONFIG=file.json]: check the config (DEFAULT_CONFIG, two Linux
# VMs, unless another is named) with the arch's machine profile (--arch),
# lay it and the files it names out as QEMU loader blobs (tools/mkblobs.c,
# docs/config.md) and boot with 2 GiB; the kernel finds them through
# "blobs=" on its command line. The default config's Linux assets are
# fetched (riscv64: built) first (RUN_LINUX_ASSETS).
# make run APPEND="test=<scenario>" boots the test image (keel-test.bin)
# with one test root scenario (tests/root/) instead.
# arch/riscv64/arch.mk sets its own (config/default-riscv64.json).
DEFAULT_CONFIG ?= config/default.json
RUN_LINUX_ASSETS ?= linux-assets rootfs
RUN_CONFIG := $(if $(filter command line,$(origin CONFIG)),$(CONFIG),$(if \
	$(findstring test=,$(APPEND)),,$(DEFAULT_CONFIG)))
# The project's configs (config/*.json, config/examples/*.json) name the
# Linux assets: fetch them first, and whatever else an example names.
EXAMPLE_ASSETS_uboot := $(UBOOT_EXAMPLE_ASSETS)
EXAMPLE_ASSETS_raw-guest := $(GUEST_B)/raw.bin
EXAMPLE_ASSETS_pmu := $(GUEST_B)/pmu.bin
EXAMPLE_ASSETS_big-ram := $(GUEST_B)/mem.bin
EXAMPLE_ASSETS := $(foreach e,$(basename $(notdir $(wildcard config/examples/*.json))), \
	$(EXAMPLE_ASSETS_$(e)))
RUN_ASSETS := $(if $(filter config/%,$(RUN_CONFIG)),$(RUN_LINUX_ASSETS) \
	$(EXAMPLE_ASSETS_$(basename $(notdir $(RUN_CONFIG)))))
# make run ICOUNT=1: QEMU counts instructions (-icount shift=0), which a
# guest's PMU needs to count retired instructions (config/examples/pmu.json).
RUN_ICOUNT := $(if $(ICOUNT),-icount shift=0)
RUN_BLOBS := $(BUILD)/blobs
RUN_IMAGE := $(B)/$(if $(findstring test=,$(APPEND)),keel-test.bin,keel.bin)
# make debug is make run (the same config, blobs and QEMU command line)
# with QEMU's gdbstub on :1234 and the CPUs halted until gdb continues; the
# two share one rule and differ only in RUN_DEBUG. README.md, "Debugging".
debug: RUN_DEBUG = -s -S
debug: RUN_HINT = @echo "debug: QEMU waits for gdb: gdb-multiarch $(B)/keel.elf -ex 'target remote :1234'"
ifeq ($(RUN_CONFIG),)
run debug: $(RUN_IMAGE)
	$(RUN_HINT)
	$(QEMU) $(QEMU_FLAGS) $(RUN_ICOUNT) -kernel $(RUN_IMAGE) -append "$(APPEND)" $(RUN_DEBUG)
else
run debug: $(B)/keel.bin $(BUILD)/host/config/check-config $(BUILD)/host/config/mkblobs $(RUN_ASSETS) \
		$(KEELCTL) $(TRACE_SVG)
	$(BUILD)/host/config/check-config --arch $(ARCH) --machine-mib $(RUN_MIB) --cpus $(RUN_CPUS) \
		$(RUN_CONFIG)
	$(BUILD)/host/config/mkblobs --arch $(ARCH) $(RUN_CONFIG) $(RUN_MIB) $(RUN_BLOBS)
	$(RUN_HINT)
	@echo "keelctl: control socket $(CTL_SOCK) ($(KEELCTL) list, in another terminal)"
	@echo "VM consoles: $(foreach n,$(CON_SOCK_VMS),$(BUILD)/keel-console-vm$(n).sock) ($(KEELCTL) console VM)"
	$(QEMU) $(subst -m 1G,-m $(RUN_MIB)M,$(QEMU_FLAGS)) $(RUN_ICOUNT) -kernel $(B)/keel.bin \
		$$(grep -v '^blobs=' $(RUN_BLOBS)/qemu-args) $(CTL_QEMU_ARGS) $(CON_QEMU_ARGS) \
		-append "$(strip $(APPEND) $$(grep '^blobs=' $(RUN_BLOBS)/qemu-args))" $(RUN_DEBUG)
endif

ifneq ($(ARCH_SYSTEM_SCENARIOS),)
# An architecture being ported runs the scenarios it passes so far
# (arch/<arch>/arch.mk), after the shipped root's check, which every
# architecture runs (tests/system/root-clean.sh) and the kernel stacks'
# guard pages' (tests/system/kstack-guard.sh), then the boot blobs'
# checks (tests/system/blobs.sh).
system-test: $(B)/keel.bin $(B)/keel-test.bin
	ARCH=$(ARCH) bash tests/system/root-clean.sh $(B)/user/root.elf $(B)/user/root-test.elf \
		$(B)/keel.bin
	ARCH=$(ARCH) bash tests/system/kstack-guard.sh $(B)/keel.elf $(B)/keel.bin
	ARCH=$(ARCH) bash tests/system/run.sh $(B)/keel-test.bin $(ARCH_SYSTEM_SCENARIOS)
	ARCH=$(ARCH) bash tests/system/blobs.sh $(B)/keel-test.bin
else
system-test: $(B)/keel.bin $(B)/keel-test.bin $(BUILD)/host/config/check-config \
		$(BUILD)/host/config/mkblobs $(GUEST_B)/raw.bin $(GUEST_B)/disk.bin
	ARCH=$(ARCH) bash tests/system/root-clean.sh $(B)/user/root.elf $(B)/user/root-test.elf \
		$(B)/keel.bin
	ARCH=$(ARCH) bash tests/system/kstack-guard.sh $(B)/keel.elf $(B)/keel.bin
	bash tests/system/run.sh $(B)/keel-test.bin
	bash tests/system/blobs.sh $(B)/keel-test.bin
	bash tests/system/blk.sh $(B)/keel-test.bin
	CHECK_CONFIG=$(BUILD)/host/config/check-config MKBLOBS=$(BUILD)/host/config/mkblobs \
		bash tests/system/vmkeys.sh $(B)/keel.bin
	CHECK_CONFIG=$(BUILD)/host/config/check-config MKBLOBS=$(BUILD)/host/config/mkblobs \
		bash tests/system/raw.sh $(B)/keel.bin
	CHECK_CONFIG=$(BUILD)/host/config/check-config MKBLOBS=$(BUILD)/host/config/mkblobs \
		bash tests/system/rodisk.sh $(B)/keel.bin
	CHECK_CONFIG=$(BUILD)/host/config/check-config MKBLOBS=$(BUILD)/host/config/mkblobs \
		bash tests/system/dtb.sh $(B)/keel.bin
	CHECK_CONFIG=$(BUILD)/host/config/check-config MKBLOBS=$(BUILD)/host/config/mkblobs \
		bash tests/system/pmu.sh $(B)/keel.bin
	CHECK_CONFIG=$(BUILD)/host/config/check-config MKBLOBS=$(BUILD)/host/config/mkblobs \
		bash tests/system/rng-cpu.sh $(B)/keel.bin
endif

# The disk test's images (tests/linux/disk.json): vm1's two raw ones and
# vm2's in qcow2 (QEMU reads the format; mkblobs tells it which by the
# file's magic), each a fresh copy of the guest's tree.
DISK_TEST_IMAGES = for d in rw ro vm2; do \
		bash tools/mkrootfs.sh $(LINUX_B)/root $(LINUX_B)/disk-$$d.ext4 || exit 1; done; \
	rm -f $(LINUX_B)/disk-vm2.qcow2 && \
	qemu-img convert -f raw -O qcow2 $(LINUX_B)/disk-vm2.ext4 $(LINUX_B)/disk-vm2.qcow2

# Two Linux VMs from config/default.json, driven at the console as a user
# would (tests/system/linux.sh): shell, 2 CPUs, sleep, switching, a PL011
# server crash, poweroff of one VM; then the other configs' runs, the last
# hvc0 and /dev/hwrng while root crashes their servers (tests/linux/vdev.json).
# (riscv64's linux-system is tests/linux/linux-riscv64.mk's.)
ifeq ($(ARCH_LINUX_SYSTEM),)
linux-system: $(B)/keel.bin $(B)/keel-test.bin $(BUILD)/host/config/check-config \
		$(BUILD)/host/config/mkblobs linux-assets $(BUILD)/linux/user-board.dtb $(LINUX_ROOTFS)
	CHECK_CONFIG=$(BUILD)/host/config/check-config MKBLOBS=$(BUILD)/host/config/mkblobs \
		bash tests/system/linux.sh $(B)/keel.bin
	bash tests/linux/persist-check.sh $(LINUX_ROOTFS) $(B)/system/linux.log
	CHECK_CONFIG=$(BUILD)/host/config/check-config MKBLOBS=$(BUILD)/host/config/mkblobs \
		LINUX_TEST_CONFIG=tests/linux/dtb.json LINUX_TEST_STEPS="shell model" \
		LINUX_TEST_LOG=dtb bash tests/system/linux.sh $(B)/keel.bin
	CHECK_CONFIG=$(BUILD)/host/config/check-config MKBLOBS=$(BUILD)/host/config/mkblobs \
		LINUX_TEST_CONFIG=config/examples/smp8.json LINUX_TEST_STEPS="shell cpus pmu" \
		LINUX_TEST_CPUS=8 LINUX_TEST_LOG=smp8 bash tests/system/linux.sh $(B)/keel.bin
	$(DISK_TEST_IMAGES)
	CHECK_CONFIG=$(BUILD)/host/config/check-config MKBLOBS=$(BUILD)/host/config/mkblobs \
		LINUX_TEST_CONFIG=tests/linux/disk.json LINUX_TEST_LOG=disk \
		LINUX_TEST_STEPS="shell mount diskio readonly mark vm2 other back mine unmount" \
		bash tests/system/linux.sh $(B)/keel.bin
	bash tests/linux/disk-check.sh $(LINUX_B)/disk-rw.ext4 $(B)/system/linux-disk.log
	test "$$(debugfs -R 'cat /owner' $(LINUX_B)/disk-rw.ext4 2>/dev/null)" = vm1
	qemu-img convert -f qcow2 -O raw $(LINUX_B)/disk-vm2.qcow2 $(LINUX_B)/disk-vm2.ext4
	test "$$(debugfs -R 'cat /owner' $(LINUX_B)/disk-vm2.ext4 2>/dev/null)" = vm2
	bash tools/mkrootfs.sh $(LINUX_B)/root $(LINUX_B)/disk-rw.ext4
	CHECK_CONFIG=$(BUILD)/host/config/check-config MKBLOBS=$(BUILD)/host/config/mkblobs \
		LINUX_TEST_CONFIG=tests/linux/disk.json LINUX_TEST_LOG=diskcrash \
		LINUX_TEST_APPEND=test=disk-crash LINUX_TEST_STEPS="shell mount diskload unmount noioerr crashes" \
		bash tests/system/linux.sh $(B)/keel-test.bin
	bash tests/linux/disk-check.sh $(LINUX_B)/disk-rw.ext4 $(B)/system/linux-diskcrash.log
	CHECK_CONFIG=$(BUILD)/host/config/check-config MKBLOBS=$(BUILD)/host/config/mkblobs \
		LINUX_TEST_CONFIG=tests/linux/vdev.json LINUX_TEST_LOG=vdev \
		LINUX_TEST_APPEND=test=vdev-crash LINUX_TEST_STEPS="shell hvc rng hvcpaste vcrashes" \
		bash tests/system/linux.sh $(B)/keel-test.bin
endif

# Configs on the machine make run boots: every config/examples/*.json
# checks, and boots until it proves it runs (its first VM's Linux shell,
# or the raw test guest's verdict; tests/system/examples.sh); root builds
# exactly the VMs check-config passes (tests/system/agree.sh).
# Examples another target boots and drives further (NAME:TARGET): here
# they are only checked.
EXAMPLES_ELSEWHERE := smp8:linux-system uboot:uboot-system pmu:system-test
CONFIG_SYSTEM_ENV = CHECK_CONFIG=$(BUILD)/host/config/check-config \
	MKBLOBS=$(BUILD)/host/config/mkblobs RUN_MIB=$(RUN_MIB) RUN_CPUS=$(RUN_CPUS)
ifeq ($(ARCH_SYSTEM_SCENARIOS),)
config-system: $(B)/keel.bin $(BUILD)/host/config/check-config $(BUILD)/host/config/mkblobs \
		linux-assets $(EXAMPLE_ASSETS)
	$(CONFIG_SYSTEM_ENV) EXAMPLES_ELSEWHERE="$(EXAMPLES_ELSEWHERE)" \
		bash tests/system/examples.sh $(B)/keel.bin
	$(CONFIG_SYSTEM_ENV) bash tests/system/agree.sh $(B)/keel.bin
	$(CONFIG_SYSTEM_ENV) bash tests/system/run-mem.sh
	$(CONFIG_SYSTEM_ENV) bash tests/system/image-errors.sh $(B)/keel.bin
else
# An architecture being ported: the agreement of check-config and root,
# with its own configs (tests/system/agree.sh picks them by ARCH).
config-system: $(B)/keel.bin $(BUILD)/host/config/check-config $(BUILD)/host/config/mkblobs
	$(CONFIG_SYSTEM_ENV) ARCH=$(ARCH) bash tests/system/agree.sh $(B)/keel.bin
endif
TEST_TARGETS += config-system

# A device tree written by hand, for a config that supplies its own.
$(BUILD)/linux/user-board.dtb: tests/linux/user-board.dts | $(SETUP_STAMP)
	@mkdir -p $(dir $@)
	dtc -q -I dts -O dtb -o $@ $<
TEST_TARGETS += linux-system

test:
	set -e; for a in $(TEST_ARCHS); do $(MAKE) ARCH=$$a test-arch; done

# One architecture's suite: all of the above, or what the architecture
# lists (ARCH_TEST_TARGETS, arch/<arch>/arch.mk).
.PHONY: test-arch
test-arch: $(SETUP_STAMP)
	$(MAKE) $(if $(ARCH_TEST_TARGETS),$(ARCH_TEST_TARGETS),unit $(TEST_TARGETS) system-test)

# make test's stress scenario with millions of calls; minutes, not seconds.
# Then the hostile guest on two vCPUs for HSOAK_OPS operations (10 M exits
# or more) beside a VM whose heartbeat must not stop for 1 s
# (tests/system/hsoak.sh). Then the disk under crashes (as linux-system's disk-crash run) four
# times as long, wanting 1,000 device-server and 100 driver crashes, 15 at
# each named point of a request.
SOAK_CALLS ?= 10000000
HSOAK_OPS ?= 16000000
.PHONY: soak
soak: $(B)/keel-test.bin $(BUILD)/host/config/check-config $(BUILD)/host/config/mkblobs \
		linux-assets $(LINUX_ROOTFS)
	SOAK_CALLS=$(SOAK_CALLS) bash tests/system/soak.sh $(B)/keel-test.bin
	HSOAK_OPS=$(HSOAK_OPS) bash tests/system/hsoak.sh $(B)/keel-test.bin
	$(DISK_TEST_IMAGES)
	CHECK_CONFIG=$(BUILD)/host/config/check-config MKBLOBS=$(BUILD)/host/config/mkblobs \
		LINUX_TEST_CONFIG=tests/linux/disk.json LINUX_TEST_LOG=disksoak \
		LINUX_TEST_APPEND=test=disk-crash DISK_MIN_DEV=1000 DISK_MIN_DRV=100 DISK_MIN_POINT=15 \
		LINUX_TEST_STEPS="shell mount diskload diskload diskload diskload unmount noioerr crashes" \
		bash tests/system/linux.sh $(B)/keel-test.bin
	bash tests/linux/disk-check.sh $(LINUX_B)/disk-rw.ext4 $(B)/system/linux-disksoak.log

# The Linux VM the benchmark boots and where its JSON goes; an arch.mk
# sets its own (arch/riscv64/arch.mk: build/bench-riscv64.json).
BENCH_LINUX_CONFIG ?= tests/linux/bench.json
BENCH_JSON ?= $(BUILD)/bench.json
# make bench, like make test, measures both architectures (aarch64's,
# then riscv64's) unless ARCH is named: make bench ARCH=riscv64.
.PHONY: bench bench-arch
bench:
	set -e; for a in $(TEST_ARCHS); do $(MAKE) ARCH=$$a bench-arch; done
bench-arch: $(B)/keel-test.bin $(BUILD)/host/config/check-config $(BUILD)/host/config/mkblobs \
		linux-assets rootfs
	ARCH=$(ARCH) CHECK_CONFIG=$(BUILD)/host/config/check-config \
		MKBLOBS=$(BUILD)/host/config/mkblobs LINUX_CONFIG=$(BENCH_LINUX_CONFIG) \
		bash tools/bench.sh $(B)/keel-test.bin $(BENCH_JSON)

loc:
	@bash tools/loc.sh kernel arch/$(ARCH) arch/include

clean:
	rm -rf $(B) $(BUILD)/host

-include $(shell find $(B) -name '*.d' 2>/dev/null)
