# The driver-side virtio-mmio library (device-servers/virtio-drv/,
# docs/virtio.md): linked into every server that drives one of QEMU's
# physical virtio devices, and its host unit tests (tests/vdrv/, Check,
# against the device-side transport as the fake register file), with the
# block driver's segment check (device-servers/blk-driver/ram.c).
# Included at the end of devices.mk, after the drivers' _SRCS.
#
#   make vdrv-unit
VDRV_SRCS := device-servers/virtio-drv/vdrv.c
VDRV_TARGET_SRCS := $(VDRV_SRCS) device-servers/virtio-drv/vdrv_reg.c
VDRV_INC := -Idevice-servers/virtio-drv -Idevice-servers/virtio
blkdrv_SRCS += $(VDRV_TARGET_SRCS)
netdrv_SRCS += $(VDRV_TARGET_SRCS)
ctl_SRCS += $(VDRV_TARGET_SRCS)
console_SRCS += $(VDRV_TARGET_SRCS)
$(B)/user/obj/device-servers/virtio-drv/%: UCFLAGS += $(VDRV_INC)
$(B)/user/obj/device-servers/blk-driver/%: UCFLAGS += $(VDRV_INC)
$(B)/user/obj/device-servers/net-driver/%: UCFLAGS += $(VDRV_INC)
$(B)/user/obj/device-servers/ctl/%: UCFLAGS += $(VDRV_INC)
$(B)/user/obj/device-servers/console/sock.c.o: UCFLAGS += $(VDRV_INC)

# ---- host: Check tests under ASan and UBSan; the device side's transport
# is the fake register file (tests/vdrv/fake_reg.c) ----
VDRVU_DIR := $(BUILD)/host/vdrv
VDRVU_BIN := $(VDRVU_DIR)/vdrv-unit
VDRVU_SRCS := $(VDRV_SRCS) $(addprefix device-servers/virtio/,gmem.c mmio.c virtq.c resume.c) \
	device-servers/blk-driver/ram.c $(wildcard tests/vdrv/*.c)
VDRVU_OBJS := $(patsubst %.c,$(VDRVU_DIR)/obj/%.o,$(VDRVU_SRCS))
VDRVU_CFLAGS = $(VIRTIOU_CFLAGS) -Idevice-servers/virtio-drv -Itests/vdrv \
	-Idevice-servers/blk-driver -Ilibipc/include

.PHONY: vdrv-unit
$(VDRVU_DIR)/obj/%.o: %.c | virtio-tools
	@mkdir -p $(dir $@)
	$(HOST_CC) $(VDRVU_CFLAGS) $(shell pkg-config --cflags check) -MMD -MP -c $< -o $@

$(VDRVU_BIN): $(VDRVU_OBJS)
	$(HOST_CC) $(VIRTIOU_SAN) -o $@ $(VDRVU_OBJS) $(shell pkg-config --libs check)

vdrv-unit: $(VDRVU_BIN)
	$(VDRVU_BIN)
TEST_TARGETS += vdrv-unit

-include $(VDRVU_OBJS:.o=.d)
