# The virtio-rng (vrng) and virtio-console (vcon) device servers, one per
# such device of a VM (boot/vm.c), on the virtio-mmio transport library,
# and their host unit tests (docs/devices.md). Included by devices.mk.
#
#   make vdev-unit    Check tests of the request cores (tests/vdev/)
VDEV_VIRTIO := $(addprefix device-servers/virtio/,gmem.c mmio.c virtq.c resume.c)
USER_PROGS += vrng vcon
SHIPPED_PROGS += vrng vcon
vrng_SRCS := device-servers/virtio-rng/main.c device-servers/virtio-rng/rng.c \
	$(wildcard device-servers/virtio-rng/arch/$(ARCH)/*.c) $(VIRTIO_SERVER_SRCS)
vcon_SRCS := device-servers/virtio-console/main.c device-servers/virtio-console/vcon.c \
	$(VIRTIO_SERVER_SRCS)
$(B)/user/obj/device-servers/virtio-rng/%: UCFLAGS += -Idevice-servers/virtio
$(B)/user/obj/device-servers/virtio-console/%: UCFLAGS += -Idevice-servers/virtio

# ---- host: Check tests under ASan and UBSan, with the transport's fake
# driver (tests/virtio/vt.c) ----
VDEVU_DIR := $(BUILD)/host/vdev
VDEVU_BIN := $(VDEVU_DIR)/vdev-unit
VDEVU_SRCS := $(VDEV_VIRTIO) device-servers/virtio-rng/rng.c \
	device-servers/virtio-console/vcon.c device-servers/console/console.c tests/virtio/vt.c \
	$(wildcard tests/vdev/*.c)
VDEVU_OBJS := $(patsubst %.c,$(VDEVU_DIR)/obj/%.o,$(VDEVU_SRCS))
VDEVU_CFLAGS = $(filter-out -Itests/virtio,$(VIRTIOU_CFLAGS)) -Itests/virtio \
	-Idevice-servers/virtio-rng -Idevice-servers/virtio-console -Idevice-servers/console \
	-Ilibipc/include -Ilibipc/arch/fake

.PHONY: vdev-unit
$(VDEVU_DIR)/obj/%.o: %.c | virtio-tools
	@mkdir -p $(dir $@)
	$(HOST_CC) $(VDEVU_CFLAGS) $(shell pkg-config --cflags check) -MMD -MP -c $< -o $@

$(VDEVU_BIN): $(VDEVU_OBJS)
	$(HOST_CC) $(VIRTIOU_SAN) -o $@ $(VDEVU_OBJS) $(shell pkg-config --libs check)

vdev-unit: $(VDEVU_BIN)
	$(VDEVU_BIN)
TEST_TARGETS += vdev-unit

-include $(VDEVU_OBJS:.o=.d)
