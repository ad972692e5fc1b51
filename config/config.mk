# config/config.mk — the VM configuration loader: host checker, tests, fuzzer.
#
# Included by the top-level Makefile after it sets BUILD and HOST_CC.
#
#   make config-unit     Check suite: every tests/config/good/*.json loads with
#                        no error, every tests/config/bad/NAME.json gives exactly
#                        the lines of NAME.expected; plus a freestanding build
#                        of the loader that may call nothing host-only; the
#                        root server's side (boot/vmconfig.c, boot/policy.c)
#                        on the host; mkblobs' exact output
#   make check-config    check $(CONFIG) (default: the arch's DEFAULT_CONFIG)
#                        for the machine make run boots (ARCH, RUN_MIB, RUN_CPUS);
#                        CFG_CHECK_FLAGS=--no-file-check skips the file check
#   make run CONFIG=F    (top-level Makefile) check F, lay it and the files
#                        it names out as QEMU loader blobs (tools/mkblobs.c)
#                        and boot with them
#   make fuzz-smoke      libFuzzer + ASan + UBSan, $(CFG_FUZZ_RUNS) inputs
#   make fuzz-config     the same for FUZZ_RUNS inputs (or CFG_FUZZ_TIME s);
#                        make fuzz runs it and every other fuzzer
#
# Outputs go to $(BUILD)/host/config/. Host needs: libcjson-dev, check,
# pkg-config, clang with libclang-rt-dev (fuzzing only).

# Rules here must not become the including Makefile's default goal.
CFG_SAVED_GOAL := $(.DEFAULT_GOAL)

BUILD ?= build
HOST_CC ?= cc
CFG_FUZZ_CC ?= clang
CONFIG ?= $(DEFAULT_CONFIG)
CFG_CHECK_FLAGS ?=
CFG_FUZZ_RUNS ?= 100000
CFG_FUZZ_TIME ?= $(FUZZ_TIME)

CFG_OUT := $(BUILD)/host/config
CFG_SRCS := $(addprefix config/,cfg_parse.c cfg_device.c cfg_value.c \
	cfg_check.c cfg_machine.c cfg_arch.c cfg_pos.c cfg_err.c cfg_fmt.c cfg_firmware.c \
	cfg_uplink.c)
CFG_HDRS := config/cfg_internal.h config/include/keel/config.h
CFG_OBJS := $(patsubst config/%.c,$(CFG_OUT)/obj/%.o,$(CFG_SRCS))

# gcc before 14 lacks -Wmissing-variable-declarations; clang (fuzz) has it.
CFG_WARN := -std=c11 -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes \
	-Wstrict-prototypes -Wvla
CFG_WARN += $(shell $(HOST_CC) -Werror -Wmissing-variable-declarations -x c \
	-c /dev/null -o /dev/null 2>/dev/null && echo -Wmissing-variable-declarations)
CFG_CFLAGS := $(CFG_WARN) -O2 -g -Iconfig/include
CFG_CHECK_PKG = $(shell pkg-config --cflags --libs check)
CFG_FUZZ_FLAGS := $(CFG_WARN) -Wmissing-variable-declarations -O1 -g \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-Iconfig/include
CFG_FUZZ_SEEDS := tests/config/good tests/config/bad config/examples
CFG_FUZZ_ARGS := -max_len=8192 -dict=tests/fuzz/config.dict \
	-artifact_prefix=$(CFG_OUT)/fuzz- $(CFG_OUT)/fuzz-corpus $(CFG_FUZZ_SEEDS)

# What a freestanding loader object may leave undefined: cJSON and the four
# string functions the root server's libc provides (docs/config.md).
CFG_TARGET_SYMS := ^(cJSON_[A-Za-z]+|memcpy|memset|strlen|strcmp)$$

.PHONY: config-unit check-config fuzz-smoke fuzz fuzz-config cfg-host-deps
fuzz: fuzz-config
TEST_TARGETS += config-unit fuzz-smoke

cfg-host-deps:
	@pkg-config --exists libcjson || { echo "config: cJSON is missing" \
		"(apt-get install libcjson-dev pkg-config)" >&2; exit 1; }

$(CFG_OUT)/obj/%.o: config/%.c $(CFG_HDRS) | cfg-host-deps
	@mkdir -p $(@D)
	$(HOST_CC) $(CFG_CFLAGS) -c $< -o $@

# check-config refuses an image as the VMM would, with the VMM's own code:
# each arch's image check (vmm-server/arch/<arch>/boot.c, compiled once per
# arch with its vmm_arch_* functions renamed <arch>_*, so one binary serves
# every --arch whatever ARCH built it) and the loader's placement rules.
CFG_ARCHES := aarch64 riscv64
CFG_VMM_OBJS := $(foreach a,$(CFG_ARCHES),$(CFG_OUT)/obj/vmm-boot-$(a).o)
CFG_VMM_INC := -Ivmm-server -Ilibipc/include -Ilibipc/arch/fake
$(CFG_OUT)/obj/vmm-boot-%.o: vmm-server/arch/%/boot.c vmm-server/vmm_arch.h vmm-server/loader.h
	@mkdir -p $(@D)
	$(HOST_CC) $(CFG_CFLAGS) $(CFG_VMM_INC) -Ivmm-server/arch/$* \
		-Dvmm_arch_image_check=$*_image_check -Dvmm_arch_boot_regs=$*_boot_regs -c $< -o $@
# (loader.h's vmm.h wants an arch_vmm.h; place.c and check-config.c use
# nothing of it, so aarch64's serves.)
$(CFG_OUT)/check-config: tools/check-config.c $(CFG_OBJS) vmm-server/place.c $(CFG_VMM_OBJS)
	$(HOST_CC) $(CFG_CFLAGS) $(CFG_VMM_INC) -Ivmm-server/arch/aarch64 $^ -lcjson -o $@

$(CFG_OUT)/mkblobs: tools/mkblobs.c $(CFG_OBJS) libipc/include/keel/abi.h
	$(HOST_CC) $(CFG_CFLAGS) -Ilibipc/include -Ilibipc/arch/fake tools/mkblobs.c $(CFG_OBJS) \
		-lcjson -o $@

$(CFG_OUT)/test_config: tests/config/test_config.c $(CFG_OBJS)
	@pkg-config --exists check || { echo "config-unit: the Check library" \
		"is missing (apt-get install check pkg-config)" >&2; exit 1; }
	$(HOST_CC) $(CFG_CFLAGS) $^ $(CFG_CHECK_PKG) -lcjson -o $@

# The loader is also built for the root server: prove it needs nothing else.
$(CFG_OUT)/freestanding.ok: $(CFG_SRCS) $(CFG_HDRS) | cfg-host-deps
	@mkdir -p $(CFG_OUT)/freestanding
	@for s in $(CFG_SRCS); do \
		$(HOST_CC) $(CFG_WARN) -O2 -ffreestanding -fno-builtin \
			-fno-stack-protector -Iconfig/include -c $$s \
			-o $(CFG_OUT)/freestanding/$$(basename $$s .c).o || exit 1; \
	done
	@$(HOST_CC) -r -nostdlib $(CFG_OUT)/freestanding/cfg_*.o \
		-o $(CFG_OUT)/freestanding/loader.o
	@bad=$$(nm -u $(CFG_OUT)/freestanding/loader.o | awk '{ print $$NF }' | \
		grep -Ev '$(CFG_TARGET_SYMS)'); \
	if [ -n "$$bad" ]; then echo "config: loader calls host-only" \
		"functions:" $$bad >&2; exit 1; fi
	@echo "config: freestanding loader needs only cJSON and memcpy/memset/strlen/strcmp"
	@touch $@

# The root server's side (boot/vmconfig.c, boot/policy.c) on the host, with
# root's console captured (tests/config/test_vmconfig.c).
CFG_VMC_SRCS := tests/config/test_vmconfig.c boot/vmconfig.c boot/policy.c
CFG_VMC_INC := -Iboot -Ilibipc/include -Ilibipc/arch/fake
$(CFG_OUT)/test_vmconfig: $(CFG_VMC_SRCS) $(CFG_OBJS) boot/vmconfig.h boot/policy.h \
		boot/vm.h boot/root.h
	$(HOST_CC) $(CFG_CFLAGS) -D_POSIX_C_SOURCE=200809L $(CFG_VMC_INC) $(CFG_VMC_SRCS) \
		$(CFG_OBJS) $(CFG_CHECK_PKG) -lcjson -o $@

config-unit: $(CFG_OUT)/test_config $(CFG_OUT)/test_vmconfig $(CFG_OUT)/mkblobs \
		$(CFG_OUT)/freestanding.ok
	$(CFG_OUT)/test_config tests/config config
	$(CFG_OUT)/test_vmconfig tests/config
	bash tests/config/test_mkblobs.sh $(CFG_OUT)/mkblobs

# The machine make run boots (ARCH, RUN_MIB, RUN_CPUS: top-level Makefile).
check-config: $(CFG_OUT)/check-config
	$(CFG_OUT)/check-config --arch $(ARCH) $(CFG_CHECK_FLAGS) \
		$(if $(RUN_MIB),--machine-mib $(RUN_MIB)) $(if $(RUN_CPUS),--cpus $(RUN_CPUS)) $(CONFIG)

$(CFG_OUT)/fuzz_config: tests/fuzz/fuzz_config.c $(CFG_SRCS) $(CFG_HDRS) | cfg-host-deps
	@command -v $(CFG_FUZZ_CC) >/dev/null || { echo "fuzz: $(CFG_FUZZ_CC)" \
		"is missing (apt-get install clang libclang-rt-dev)" >&2; exit 1; }
	@mkdir -p $(@D)
	$(CFG_FUZZ_CC) $(CFG_FUZZ_FLAGS) tests/fuzz/fuzz_config.c $(CFG_SRCS) \
		-lcjson -o $@

fuzz-smoke: $(CFG_OUT)/fuzz_config
	@mkdir -p $(CFG_OUT)/fuzz-corpus
	$(CFG_OUT)/fuzz_config -runs=$(CFG_FUZZ_RUNS) -seed=1 $(CFG_FUZZ_ARGS)

fuzz-config: $(CFG_OUT)/fuzz_config
	@mkdir -p $(CFG_OUT)/fuzz-corpus
	$(CFG_OUT)/fuzz_config -print_final_stats=1 -runs=$(FUZZ_RUNS) -max_total_time=$(CFG_FUZZ_TIME) $(CFG_FUZZ_ARGS)

# ---- the target: cJSON from Debian's source, and the loader, for root ----
# tools/setup-deps.sh unpacks cJSON's Debian source package into
# $(CJSON_SRC); both libraries are built with the user programs' flags
# (musl sysroot, static) and linked into the root server (boot/boot.mk).
CJSON_SRC := $(BUILD)/cjson-src
CJSON_B := $(B)/cjson
CJSON_A := $(CJSON_B)/libcjson.a
CJSON_H := $(CJSON_B)/include/cjson/cJSON.h
CFG_TARGET_A := $(B)/config/libkeelcfg.a
CFG_TARGET_OBJS := $(patsubst %,$(B)/user/obj/%.o,$(CFG_SRCS))
# Where the target loader and its callers (boot/vmconfig.c) find headers.
CFG_TARGET_INC := -Iconfig/include -I$(CJSON_B)/include

$(CJSON_H): $(SETUP_STAMP)
	@mkdir -p $(@D)
	cp $(CJSON_SRC)/cJSON.h $@

# -MD: its dependency file lets the archive's header check see it (an
# object built before it had one is built again, once).
$(CJSON_B)/cJSON.o: $(SETUP_STAMP) $(CJSON_H) $(if $(wildcard $(CJSON_B)/cJSON.d),,cjson-no-depfile)
	$(CC) $(UCFLAGS) -I$(CJSON_B)/include -MD -c $(CJSON_SRC)/cJSON.c -o $@
.PHONY: cjson-no-depfile

$(CJSON_A): $(CJSON_B)/cJSON.o
	@$(call check_headers,$^)
	rm -f $@ && $(CROSS)ar rcs $@ $^

$(CFG_TARGET_OBJS): UCFLAGS += $(CFG_TARGET_INC)
$(CFG_TARGET_OBJS): | $(CJSON_H)

$(CFG_TARGET_A): $(CFG_TARGET_OBJS)
	@mkdir -p $(@D)
	@$(call check_headers,$^)
	rm -f $@ && $(CROSS)ar rcs $@ $^

# test=cfg (tests/root/scn_cfg.c) parses this fixture as boot module cfg-test.json.
MODULE_DATA += $(B)/modules/cfg-test.json
$(B)/modules/cfg-test.json: tests/config/good/default.json
	@mkdir -p $(@D)
	cp $< $@

# The root server (boot/boot.mk) links both; boot/vmconfig.c is their caller.
root_LIBS += $(CFG_TARGET_A) $(CJSON_A)
$(B)/user/root.elf: $(CFG_TARGET_A) $(CJSON_A)
$(B)/user/obj/boot/vmconfig.c.o: UCFLAGS += $(CFG_TARGET_INC)
$(B)/user/obj/boot/vmconfig.c.o: | $(CJSON_H)
# boot/vm.c carves a VM's memory with cfg_vm_carve_bytes().
$(B)/user/obj/boot/vm.c.o: UCFLAGS += -Iconfig/include
$(B)/user/obj/boot/net.c.o: UCFLAGS += -Iconfig/include
# boot/blkdrv.c finds the physical virtio devices with cfg_virtio_transport().
$(B)/user/obj/boot/blkdrv.c.o: UCFLAGS += -Iconfig/include
# root_arch_cfg() names the board's machine profile.
$(B)/user/obj/boot/arch/$(ARCH)/arch.c.o: UCFLAGS += -Iconfig/include

.DEFAULT_GOAL := $(CFG_SAVED_GOAL)
