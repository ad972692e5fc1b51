# device-servers/virtio/virtio.mk — the virtio-mmio transport library
# (device-servers/virtio/, docs/virtio.md): a target archive every virtio
# device server links, host unit tests (Check) and a libFuzzer target.
#
#   make virtio-unit                      Check tests (tests/virtio/)
#   make virtio-unit CK_RUN_SUITE=virtq   one suite
#   make fuzz-virtq-smoke                 $(VIRTQ_FUZZ_RUNS) inputs (make test)
#   make fuzz-virtq                       FUZZ_RUNS inputs, or $(VIRTQ_FUZZ_TIME) s (make fuzz)
#
# Included by the top-level Makefile, which sets BUILD, B, HOST_CC, CC and
# the user-program rules.

VIRTIO_SRCS := $(addprefix device-servers/virtio/,gmem.c mmio.c virtq.c resume.c)
VIRTIO_HDRS := $(wildcard device-servers/virtio/*.h)

# ---- target: built with the user programs' flags (freestanding, musl) ----
VIRTIO_TARGET_A := $(B)/virtio/libvirtio.a
VIRTIO_TARGET_OBJS := $(patsubst %,$(B)/user/obj/%.o,$(VIRTIO_SRCS))
$(VIRTIO_TARGET_A): $(VIRTIO_TARGET_OBJS)
	@mkdir -p $(@D)
	@$(call check_headers,$^)
	rm -f $@ && $(CROSS)ar rcs $@ $^
# No server links it yet: build it with everything, so it stays compiling.
all: $(VIRTIO_TARGET_A)

# ---- host: Check tests under ASan and UBSan ----
VIRTIOU_DIR := $(BUILD)/host/virtio
VIRTIOU_BIN := $(VIRTIOU_DIR)/virtio-unit
# with virtio-net's mergeable receive (its own code on the same library)
VIRTIOU_SRCS := $(VIRTIO_SRCS) $(wildcard tests/virtio/*.c) \
	device-servers/virtio-net/rxmerge.c device-servers/virtio-net/nethdr.c
VIRTIOU_OBJS := $(patsubst %.c,$(VIRTIOU_DIR)/obj/%.o,$(VIRTIOU_SRCS))
VIRTIOU_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined
VIRTIOU_MVD := $(shell $(HOST_CC) -Werror -Wmissing-variable-declarations -x c -c \
	/dev/null -o /dev/null 2>/dev/null && echo -Wmissing-variable-declarations)
VIRTIOU_CFLAGS := -std=c11 -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes \
	-Wstrict-prototypes -Wvla -Wmissing-declarations $(VIRTIOU_MVD) -g -O1 \
	$(VIRTIOU_SAN) -D_POSIX_C_SOURCE=200809L -Idevice-servers/virtio -Itests/virtio \
	-Idevice-servers/virtio-net -Ilibipc/include

.PHONY: virtio-unit virtio-tools fuzz-virtq-smoke fuzz-virtq
virtio-tools:
	@pkg-config --exists check || \
		{ echo "virtio-unit: the Check library is missing (apt-get install check pkg-config)"; exit 1; }

$(VIRTIOU_DIR)/obj/%.o: %.c | virtio-tools
	@mkdir -p $(dir $@)
	$(HOST_CC) $(VIRTIOU_CFLAGS) $(shell pkg-config --cflags check) -MMD -MP -c $< -o $@

$(VIRTIOU_BIN): $(VIRTIOU_OBJS)
	$(HOST_CC) $(VIRTIOU_SAN) -o $@ $(VIRTIOU_OBJS) $(shell pkg-config --libs check)

virtio-unit: $(VIRTIOU_BIN)
	$(VIRTIOU_BIN)
TEST_TARGETS += virtio-unit

-include $(VIRTIOU_OBJS:.o=.d)

# ---- libFuzzer: register writes and ring contents over guest RAM ----
# tests/fuzz/fuzz_virtq.c; a smoke run in make test, FUZZ_RUNS
# inputs (or VIRTQ_FUZZ_TIME s) in make fuzz. Seeded with one whole request (set-up, descriptor,
# avail entry, completion, restart: tests/fuzz/virtq-seeds/).
VIRTQ_FUZZ := $(VIRTIOU_DIR)/fuzz_virtq
VIRTQ_FUZZ_RUNS ?= 50000
VIRTQ_FUZZ_TIME ?= $(FUZZ_TIME)
VIRTQ_FUZZ_ARGS = -max_len=4096 -artifact_prefix=$(VIRTIOU_DIR)/fuzz-virtq- \
	$(VIRTIOU_DIR)/fuzz-virtq-corpus tests/fuzz/virtq-seeds
VIRTQ_FUZZ_NET := device-servers/virtio-net/rxmerge.c device-servers/virtio-net/nethdr.c
$(VIRTQ_FUZZ): tests/fuzz/fuzz_virtq.c $(VIRTIO_SRCS) $(VIRTIO_HDRS) $(VIRTQ_FUZZ_NET) \
		$(wildcard device-servers/virtio-net/*.h)
	@command -v clang >/dev/null || { echo "fuzz-virtq: clang is missing" \
		"(apt-get install clang libclang-rt-dev)" >&2; exit 1; }
	@mkdir -p $(dir $@)
	clang -std=c11 -Wall -Wextra -Werror -Wmissing-prototypes -Wmissing-variable-declarations \
		-O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-D_POSIX_C_SOURCE=200809L -Idevice-servers/virtio -Idevice-servers/virtio-net \
		-Ilibipc/include tests/fuzz/fuzz_virtq.c $(VIRTIO_SRCS) $(VIRTQ_FUZZ_NET) -o $@
fuzz-virtq-smoke: $(VIRTQ_FUZZ)
	@mkdir -p $(VIRTIOU_DIR)/fuzz-virtq-corpus
	$(VIRTQ_FUZZ) -runs=$(VIRTQ_FUZZ_RUNS) -seed=1 $(VIRTQ_FUZZ_ARGS)
fuzz-virtq: $(VIRTQ_FUZZ)
	@mkdir -p $(VIRTIOU_DIR)/fuzz-virtq-corpus
	$(VIRTQ_FUZZ) -print_final_stats=1 -runs=$(FUZZ_RUNS) -max_total_time=$(VIRTQ_FUZZ_TIME) $(VIRTQ_FUZZ_ARGS)
TEST_TARGETS += fuzz-virtq-smoke
fuzz: fuzz-virtq
