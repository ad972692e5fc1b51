# Host unit tests (Check): the arch-neutral kernel linked against arch/fake/,
# and the libipc ABI header through a fake trap (libipc/arch/fake/).
#
#   make unit                        build and run every suite
#   make unit CK_RUN_SUITE=ipc       one suite (CK_RUN_CASE: one case)
#   make unit CK_FORK=no             in one process (e.g. under gdb)
#
# kernel/lib.c (the freestanding libc) and kernel/boot.c (needs boot
# modules) are replaced by arch/fake/klib.c and tests/unit/fixture.c.
# Included by the top-level Makefile, which sets BUILD and HOST_CC.

UNIT_DIR := $(BUILD)/host/unit
UNIT_BIN := $(UNIT_DIR)/keel-unit
UNIT_KERNEL_EXCLUDE := kernel/lib.c kernel/boot.c
UNIT_SRCS := $(filter-out $(UNIT_KERNEL_EXCLUDE),$(wildcard kernel/*.c)) \
	$(wildcard arch/fake/*.c) $(wildcard tests/unit/*.c)
UNIT_OBJS := $(patsubst %.c,$(UNIT_DIR)/obj/%.o,$(UNIT_SRCS))
UNIT_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined
# GCC before 14 lacks -Wmissing-variable-declarations; use it where it exists.
UNIT_MVD := $(shell $(HOST_CC) -Werror -Wmissing-variable-declarations -x c -c \
	/dev/null -o /dev/null 2>/dev/null && echo -Wmissing-variable-declarations)
UNIT_CFLAGS := -std=c11 -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes \
	-Wstrict-prototypes -Wvla -Wmissing-declarations $(UNIT_MVD) -g $(UNIT_SAN) \
	-D_POSIX_C_SOURCE=200809L -Ikernel -Iarch/include -Iarch/fake/include \
	-Ilibipc/include -Ilibipc/arch/fake
UNIT_CHECK_CFLAGS = $(shell pkg-config --cflags check)
UNIT_CHECK_LIBS = $(shell pkg-config --libs check)

.PHONY: unit unit-build unit-tools
unit: $(UNIT_BIN)
	$(UNIT_BIN)

unit-build: $(UNIT_BIN)

unit-tools:
	@command -v $(HOST_CC) >/dev/null || \
		{ echo "unit: host compiler '$(HOST_CC)' not found (set HOST_CC)"; exit 1; }
	@pkg-config --exists check || \
		{ echo "unit: the Check library is missing (apt-get install check pkg-config)"; exit 1; }

$(UNIT_DIR)/obj/%.o: %.c | unit-tools
	@mkdir -p $(dir $@)
	$(HOST_CC) $(UNIT_CFLAGS) $(UNIT_CHECK_CFLAGS) -MMD -MP -c $< -o $@

$(UNIT_BIN): $(UNIT_OBJS)
	$(HOST_CC) $(UNIT_SAN) -o $@ $(UNIT_OBJS) $(UNIT_CHECK_LIBS)

-include $(UNIT_OBJS:.o=.d)

# aarch64 exit decoding (arch/aarch64/exit.c is pure C): its own binary,
# because it needs the aarch64 struct arch_regs, not the fake one.
UNIT_EXIT_BIN := $(UNIT_DIR)/aarch64-exit
$(UNIT_EXIT_BIN): arch/aarch64/exit.c tests/unit/aarch64/test_exit.c arch/aarch64/exit.h \
		libipc/include/keel/abi.h | $(SETUP_STAMP)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(filter-out -Iarch/fake/include,$(UNIT_CFLAGS)) -Iarch/aarch64 \
		-Iarch/aarch64/include $(UNIT_CHECK_CFLAGS) \
		arch/aarch64/exit.c tests/unit/aarch64/test_exit.c -o $@ $(UNIT_CHECK_LIBS)
# riscv64's (arch/riscv64/exit.c): load/store decoding, 32-bit and
# compressed, and the exit messages, against riscv64's struct arch_regs.
UNIT_RV_EXIT_BIN := $(UNIT_DIR)/riscv64-exit
$(UNIT_RV_EXIT_BIN): arch/riscv64/exit.c tests/unit/riscv64/test_exit.c arch/riscv64/exit.h \
		arch/riscv64/include/arch/machine.h libipc/include/keel/abi.h | $(SETUP_STAMP)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(filter-out -Iarch/fake/include,$(UNIT_CFLAGS)) -Iarch/riscv64 \
		-Iarch/riscv64/include $(UNIT_CHECK_CFLAGS) \
		arch/riscv64/exit.c tests/unit/riscv64/test_exit.c -o $@ $(UNIT_CHECK_LIBS)
unit: unit-exit
.PHONY: unit-exit unit-exit-riscv64
unit-exit: $(UNIT_EXIT_BIN) $(UNIT_RV_EXIT_BIN)
	$(UNIT_EXIT_BIN)
	$(UNIT_RV_EXIT_BIN)
# riscv64's alone: make test ARCH=riscv64 runs it (arch/riscv64/arch.mk).
unit-exit-riscv64: $(UNIT_RV_EXIT_BIN)
	$(UNIT_RV_EXIT_BIN)

# The deepest kernel call chain, from the linked kernel's code, against the
# kernel stack and the emergency stack (tools/stack-depth.sh; sizes in
# arch/$(ARCH)/kstack.h). Part of make test.
.PHONY: stack-depth
stack-depth: $(B)/keel.elf
	bash tools/stack-depth.sh $(B)/keel.elf arch/$(ARCH)/kstack.h
TEST_TARGETS += stack-depth

# libFuzzer (clang, ASan, UBSan) over the kernel's system calls through the
# real entry over arch/fake, from the unit tests' root-server world
# (tests/fuzz/fuzz_syscall.c): a smoke run in make test, FUZZ_RUNS inputs
# in make fuzz. The fixture's untyped is smaller here (set up per input),
# and so is root's CNode (every slot is checked after every event): 512
# slots still take any retype the one-byte arguments name (a destination
# and a count up to 239 each), as the unit tests' 1,024 do.
SYS_FUZZ := $(UNIT_DIR)/fuzz_syscall
SYS_FUZZ_SRCS := $(filter-out $(UNIT_KERNEL_EXCLUDE),$(wildcard kernel/*.c)) \
	$(wildcard arch/fake/*.c) tests/unit/fixture.c tests/fuzz/fuzz_syscall.c
SYS_FUZZ_RUNS ?= 10000
SYS_FUZZ_TIME ?= $(FUZZ_TIME)
SYS_FUZZ_ARGS = -max_len=2048 -artifact_prefix=$(UNIT_DIR)/fuzz-syscall- \
	$(UNIT_DIR)/fuzz-syscall-corpus
$(SYS_FUZZ): $(SYS_FUZZ_SRCS) $(wildcard kernel/*.h arch/fake/include/arch/*.h \
		arch/include/arch/*.h) tests/unit/fixture.h tests/fuzz/fuzz_input.h \
		libipc/include/keel/abi.h | unit-tools
	@mkdir -p $(dir $@) $(UNIT_DIR)/fuzz-syscall-corpus
	clang -std=c11 -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes \
		-Wmissing-variable-declarations -Wvla -O1 -g -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -D_POSIX_C_SOURCE=200809L -DFX_UT_BITS=16u -DFX_CNODE_BITS=9u \
		-Ikernel -Iarch/include -Iarch/fake/include -Ilibipc/include -Ilibipc/arch/fake \
		-Itests/unit -Itests/fuzz $(UNIT_CHECK_CFLAGS) $(SYS_FUZZ_SRCS) -o $@
.PHONY: fuzz-syscall-smoke fuzz-syscall
fuzz-syscall-smoke: $(SYS_FUZZ)
	$(SYS_FUZZ) -runs=$(SYS_FUZZ_RUNS) -seed=1 $(SYS_FUZZ_ARGS)
fuzz-syscall: $(SYS_FUZZ)
	$(SYS_FUZZ) -runs=$(FUZZ_RUNS) -max_total_time=$(SYS_FUZZ_TIME) -print_final_stats=1 $(SYS_FUZZ_ARGS)
TEST_TARGETS += fuzz-syscall-smoke
fuzz: fuzz-syscall
