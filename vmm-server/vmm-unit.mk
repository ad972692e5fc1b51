# Host unit tests (Check) of the VMM's and the device models' pure code:
# MMIO dispatch, exits, the device tree (read back with the host's
# libfdt), the PL011 and 16550 models (tests/vmm/), and the arch part's: for aarch64
# PSCI, the vGIC, image loading (tests/vmm/arch/$(ARCH)/).
# No kernel and no system calls: keel/abi.h's wrappers trap through
# libipc/arch/fake, which these files never reach.
#
#   make vmm-unit                      build and run (tests/vmm/)
#   make vmm-unit CK_RUN_SUITE=vgic    one suite
#
# Included by the top-level Makefile, which sets BUILD and HOST_CC.

# Another architecture's part gets its own directory (its arch.mk sets
# ARCH_HOST_SUFFIX): the generic objects depend on the arch's struct vmm.
VMMU_DIR := $(BUILD)/host/vmm-unit$(ARCH_HOST_SUFFIX)
VMMU_BIN := $(VMMU_DIR)/vmm-unit
VMMU_SRCS := $(addprefix vmm-server/,exit.c mmio.c dtb.c loader.c place.c) libipc/src/mmio.c \
	$(filter-out %/main.c,$(wildcard vmm-server/arch/$(ARCH)/*.c)) \
	device-servers/pl011/model.c device-servers/ns16550/model.c device-servers/flash/model.c \
	$(wildcard tests/vmm/*.c) \
	$(wildcard tests/vmm/arch/$(ARCH)/*.c) device-servers/console/console.c
VMMU_OBJS := $(patsubst %.c,$(VMMU_DIR)/obj/%.o,$(VMMU_SRCS))
VMMU_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined
# GCC before 14 lacks -Wmissing-variable-declarations; use it where it exists.
VMMU_MVD := $(shell $(HOST_CC) -Werror -Wmissing-variable-declarations -x c -c \
	/dev/null -o /dev/null 2>/dev/null && echo -Wmissing-variable-declarations)
VMMU_CFLAGS := -std=c11 -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes \
	-Wstrict-prototypes -Wvla -Wmissing-declarations $(VMMU_MVD) -g $(VMMU_SAN) \
	-D_POSIX_C_SOURCE=200809L -Ivmm-server -Ivmm-server/arch/$(ARCH) -Itests/vmm \
	-Idevice-servers/pl011 -Idevice-servers/ns16550 -Idevice-servers/console -Idevice-servers/flash \
	-Ilibipc/include -Ilibipc/arch/fake

.PHONY: vmm-unit vmm-unit-tools
vmm-unit: $(VMMU_BIN)
	$(VMMU_BIN)

vmm-unit-tools:
	@command -v $(HOST_CC) >/dev/null || \
		{ echo "vmm-unit: host compiler '$(HOST_CC)' not found (set HOST_CC)"; exit 1; }
	@pkg-config --exists check || \
		{ echo "vmm-unit: the Check library is missing (apt-get install check pkg-config)"; exit 1; }
	@test -f /usr/include/libfdt.h || \
		{ echo "vmm-unit: libfdt is missing (apt-get install libfdt-dev)"; exit 1; }

$(VMMU_DIR)/obj/%.o: %.c | vmm-unit-tools
	@mkdir -p $(dir $@)
	$(HOST_CC) $(VMMU_CFLAGS) $(shell pkg-config --cflags check) -MMD -MP -c $< -o $@

$(VMMU_BIN): $(VMMU_OBJS)
	$(HOST_CC) $(VMMU_SAN) -o $@ $(VMMU_OBJS) $(shell pkg-config --libs check) -lfdt

-include $(VMMU_OBJS:.o=.d)

# libFuzzer (clang, ASan, UBSan) over a user-supplied device tree through
# the VMM's adoption code (tests/fuzz/fuzz_dtb.c): a smoke run in make test,
# FUZZ_RUNS inputs (or DTB_FUZZ_TIME s) in make fuzz. Seeded with the hand-written board.
DTB_FUZZ := $(VMMU_DIR)/fuzz_dtb
DTB_FUZZ_RUNS ?= 200000
DTB_FUZZ_TIME ?= $(FUZZ_TIME)
DTB_FUZZ_ARGS = -max_len=16384 -artifact_prefix=$(VMMU_DIR)/fuzz-dtb- \
	$(VMMU_DIR)/fuzz-dtb-corpus $(VMMU_DIR)/fuzz-dtb-seeds
$(DTB_FUZZ): tests/fuzz/fuzz_dtb.c vmm-server/dtb.c vmm-server/arch/aarch64/dtb.c | vmm-unit-tools
	@mkdir -p $(dir $@)
	clang -std=c11 -Wall -Wextra -Werror -Wmissing-prototypes -Wmissing-variable-declarations \
		-O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-D_POSIX_C_SOURCE=200809L -Ivmm-server -Ivmm-server/arch/aarch64 \
		-Ilibipc/include -Ilibipc/arch/fake $^ -lfdt -o $@
$(VMMU_DIR)/fuzz-dtb-seeds/.done: $(BUILD)/linux/user-board.dtb
	@mkdir -p $(dir $@) $(VMMU_DIR)/fuzz-dtb-corpus
	cp $< $(dir $@) && touch $@
.PHONY: fuzz-dtb-smoke fuzz-dtb
fuzz-dtb-smoke: $(DTB_FUZZ) $(VMMU_DIR)/fuzz-dtb-seeds/.done
	$(DTB_FUZZ) -runs=$(DTB_FUZZ_RUNS) -seed=1 $(DTB_FUZZ_ARGS)
fuzz-dtb: $(DTB_FUZZ) $(VMMU_DIR)/fuzz-dtb-seeds/.done
	$(DTB_FUZZ) -print_final_stats=1 -runs=$(FUZZ_RUNS) -max_total_time=$(DTB_FUZZ_TIME) $(DTB_FUZZ_ARGS)
TEST_TARGETS += fuzz-dtb-smoke
fuzz: fuzz-dtb

# libFuzzer (clang, ASan, UBSan) over the CFI flash model a firmware VM
# drives (tests/fuzz/fuzz_flash.c: any access sequence, with the dirty
# range the vars file relies on checked): a smoke run in make test,
# FUZZ_RUNS inputs in make fuzz. Its own rule: not the VMM's pattern below.
FLASH_FUZZ := $(VMMU_DIR)/fuzz_flash
FLASH_FUZZ_RUNS ?= 50000
FLASH_FUZZ_ARGS = -max_len=4096 -artifact_prefix=$(VMMU_DIR)/fuzz-flash- $(VMMU_DIR)/fuzz-flash-corpus
$(FLASH_FUZZ): tests/fuzz/fuzz_flash.c tests/fuzz/fuzz_input.h device-servers/flash/model.c 		device-servers/flash/flash.h libipc/include/keel/flash.h | vmm-unit-tools
	@mkdir -p $(dir $@) $(VMMU_DIR)/fuzz-flash-corpus
	clang -std=c11 -Wall -Wextra -Werror -Wmissing-prototypes -Wmissing-variable-declarations \
		-Wshadow -Wvla -O1 -g -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -D_POSIX_C_SOURCE=200809L -Itests/fuzz \
		-Idevice-servers/flash -Ilibipc/include tests/fuzz/fuzz_flash.c \
		device-servers/flash/model.c -o $@
.PHONY: fuzz-flash-smoke fuzz-flash
fuzz-flash-smoke: $(FLASH_FUZZ)
	$< -runs=$(FLASH_FUZZ_RUNS) -seed=1 $(FLASH_FUZZ_ARGS)
fuzz-flash: $(FLASH_FUZZ)
	$< -runs=$(FUZZ_RUNS) -max_total_time=$(FUZZ_TIME) -print_final_stats=1 $(FLASH_FUZZ_ARGS)
TEST_TARGETS += fuzz-flash-smoke
fuzz: fuzz-flash

# libFuzzer (clang, ASan, UBSan) over riscv64's VMM (tests/fuzz/fuzz_rvexit.c:
# exits, SBI calls, the PLIC, device lines, with the kernel's external
# line modelled and checked against the PLIC after every event), built
# on any host ARCH: a smoke run in make test, FUZZ_RUNS inputs in make fuzz.
RV_FUZZ_DIR := $(BUILD)/host/vmm-fuzz-riscv64
RV_FUZZ := $(RV_FUZZ_DIR)/fuzz_rvexit
RV_FUZZ_SRCS := tests/fuzz/fuzz_rvexit.c vmm-server/exit.c vmm-server/mmio.c libipc/src/mmio.c \
	$(addprefix vmm-server/arch/riscv64/,sbi.c plic.c irq.c)
RV_FUZZ_RUNS ?= 500000 # a few seconds; enough to reach hart start/stop sequences
RV_FUZZ_ARGS = -max_len=4096 -artifact_prefix=$(RV_FUZZ_DIR)/fuzz-rvexit- $(RV_FUZZ_DIR)/fuzz-rvexit-corpus
$(RV_FUZZ): $(RV_FUZZ_SRCS) tests/fuzz/fuzz_input.h vmm-server/vmm.h vmm-server/vmm_arch.h \
		$(wildcard vmm-server/arch/riscv64/*.h) libipc/include/keel/abi.h | vmm-unit-tools
	@mkdir -p $(dir $@) $(RV_FUZZ_DIR)/fuzz-rvexit-corpus
	clang -std=c11 -Wall -Wextra -Werror -Wmissing-prototypes -Wmissing-variable-declarations \
		-Wshadow -Wvla -O1 -g -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -D_POSIX_C_SOURCE=200809L -Itests/fuzz \
		-Ivmm-server -Ivmm-server/arch/riscv64 -Ilibipc/include -Ilibipc/arch/fake \
		$(RV_FUZZ_SRCS) -o $@
.PHONY: fuzz-rvexit-smoke fuzz-rvexit
fuzz-rvexit-smoke: $(RV_FUZZ)
	$< -runs=$(RV_FUZZ_RUNS) -seed=1 $(RV_FUZZ_ARGS)
fuzz-rvexit: $(RV_FUZZ)
	$< -runs=$(FUZZ_RUNS) -max_total_time=$(VMM_FUZZ_TIME) -print_final_stats=1 $(RV_FUZZ_ARGS)
# its smoke run is riscv64's (ARCH_TEST_TARGETS, arch/riscv64/arch.mk)
fuzz: fuzz-rvexit

# libFuzzer (clang, ASan, UBSan) over the VMM's exit decoder
# (tests/fuzz/fuzz_exit.c: any exit message through exit_handle) and over
# its vGIC and PSCI handlers (tests/fuzz/fuzz_vgic.c: register accesses,
# lines, SGIs, EOIs and firmware calls with invariants), both with the
# system calls replaced by tests/fuzz/fuzz_vmm.c's model of the kernel:
# a smoke run each in make test, FUZZ_RUNS inputs each in make fuzz.
VMM_FUZZ_SRCS := tests/fuzz/fuzz_vmm.c vmm-server/exit.c vmm-server/mmio.c libipc/src/mmio.c \
	$(addprefix vmm-server/arch/aarch64/,vgic.c irq.c psci.c call.c sysreg.c)
VMM_FUZZ_HDRS := tests/fuzz/fuzz_vmm.h tests/fuzz/fuzz_input.h vmm-server/vmm.h \
	vmm-server/vmm_arch.h $(wildcard vmm-server/arch/aarch64/*.h) libipc/include/keel/abi.h \
	libipc/include/keel/mmio.h
VMM_FUZZ_RUNS ?= 50000
VMM_FUZZ_TIME ?= $(FUZZ_TIME)
$(VMMU_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(VMM_FUZZ_SRCS) $(VMM_FUZZ_HDRS) | vmm-unit-tools
	@mkdir -p $(dir $@) $(VMMU_DIR)/fuzz-$*-corpus
	clang -std=c11 -Wall -Wextra -Werror -Wmissing-prototypes -Wmissing-variable-declarations \
		-Wshadow -Wvla -O1 -g -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -D_POSIX_C_SOURCE=200809L -Itests/fuzz \
		-Ivmm-server -Ivmm-server/arch/aarch64 -Ilibipc/include -Ilibipc/arch/fake \
		$< $(VMM_FUZZ_SRCS) -o $@
VMM_FUZZ_ARGS = -max_len=4096 -artifact_prefix=$(VMMU_DIR)/fuzz-$*- $(VMMU_DIR)/fuzz-$*-corpus
.PHONY: fuzz-exit-smoke fuzz-exit fuzz-vgic-smoke fuzz-vgic
fuzz-exit-smoke fuzz-vgic-smoke: fuzz-%-smoke: $(VMMU_DIR)/fuzz_%
	$< -runs=$(VMM_FUZZ_RUNS) -seed=1 $(VMM_FUZZ_ARGS)
fuzz-exit fuzz-vgic: fuzz-%: $(VMMU_DIR)/fuzz_%
	$< -runs=$(FUZZ_RUNS) -max_total_time=$(VMM_FUZZ_TIME) -print_final_stats=1 $(VMM_FUZZ_ARGS)
TEST_TARGETS += fuzz-exit-smoke fuzz-vgic-smoke
fuzz: fuzz-exit fuzz-vgic
