# The driver-side virtio-mmio library (device-servers/virtio-drv/,
# docs/virtio.md): linked into every server that drives one of QEMU's
# physical virtio devices, and its host unit tests (tests/vdrv/, Check,
# against the device-side transport as the fake register file).
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
