# Device servers (device-servers/): one program per device model, one
# instance per VM device, started by the root server (boot/vm.c). Each
# model's register logic is pure (model.c) so the host tests in tests/vmm/
# link it too (vmm-server/vmm-unit.mk).
# All but the control server are built without FP/SIMD registers
# (UNOFP_FLAGS, Makefile).
$(foreach d,$(filter-out ctl,$(notdir $(wildcard device-servers/*))),\
	$(eval $(B)/user/obj/device-servers/$(d)/%: UCFLAGS += $$(UNOFP_FLAGS)))
USER_PROGS += pl011
SHIPPED_PROGS += pl011
pl011_SRCS := device-servers/pl011/main.c device-servers/pl011/model.c \
	device-servers/uart/uart_out.c
$(B)/user/obj/device-servers/pl011/%: UCFLAGS += -Idevice-servers/uart
# The 16550A UART, a riscv64 VM's console (ns16550a on QEMU's virt board);
# both UART servers send their output through uart/uart_out.c (built
# into each).
USER_PROGS += ns16550
SHIPPED_PROGS += ns16550
ns16550_SRCS := device-servers/ns16550/main.c device-servers/ns16550/model.c \
	device-servers/uart/uart_out.c
$(B)/user/obj/device-servers/ns16550/%: UCFLAGS += -Idevice-servers/uart
# The console server: one per system, owns the physical UART (boot/console.c).
USER_PROGS += console
SHIPPED_PROGS += console
console_SRCS := device-servers/console/main.c device-servers/console/console.c \
	device-servers/console/uart.c device-servers/console/sock.c
# The block driver: one per physical virtio-blk disk (boot/blkdrv.c).
USER_PROGS += blkdrv
SHIPPED_PROGS += blkdrv
blkdrv_SRCS := device-servers/blk-driver/main.c device-servers/blk-driver/ram.c
# The virtio-blk device server: one per virtual disk (boot/vm.c), on the
# virtio-mmio transport library (device-servers/virtio/).
USER_PROGS += vblk
SHIPPED_PROGS += vblk
# The transport library as the virtio device servers link it: with the
# VMM's device calls (dev_call.c), which its host tests do not take.
VIRTIO_SERVER_SRCS := $(addprefix device-servers/virtio/,gmem.c mmio.c virtq.c resume.c dev_call.c)
vblk_SRCS := device-servers/virtio-blk/main.c $(VIRTIO_SERVER_SRCS)
$(B)/user/obj/device-servers/virtio-blk/%: UCFLAGS += -Idevice-servers/virtio
$(B)/user/obj/device-servers/virtio/%: UCFLAGS += -Idevice-servers/virtio
# The CFI flash of a firmware VM (docs/firmware.md): both banks, one
# server per VM with firmware_path (boot/vmflash.c).
USER_PROGS += flash
SHIPPED_PROGS += flash
flash_SRCS := device-servers/flash/main.c device-servers/flash/model.c device-servers/flash/vars.c
# virtio-rng and virtio-console device servers (h-vdev, docs/devices.md).
include device-servers/vdev.mk
# The control server: keelctl's requests over the machine's virtio
# console (boot/ctl.c, docs/management.md); the config loader's locator
# (cfg_pos.c) places its errors, cJSON reads and writes the lines.
USER_PROGS += ctl
SHIPPED_PROGS += ctl
ctl_SRCS := device-servers/ctl/main.c device-servers/ctl/req.c device-servers/ctl/trace.c
ctl_LIBS = $(CFG_TARGET_A) $(CJSON_A)
$(B)/user/ctl.elf: $(CFG_TARGET_A) $(CJSON_A)
$(B)/user/obj/device-servers/ctl/%: UCFLAGS += -Iconfig $(CFG_TARGET_INC)
$(B)/user/obj/device-servers/ctl/%: | $(CJSON_H)
# The virtio-net device server: one per NIC (boot/vm.c, boot/net.c), and
# the switch: one per network (docs/net.md, keel/net.h).
USER_PROGS += vnet switch
SHIPPED_PROGS += vnet switch
vnet_SRCS := device-servers/virtio-net/main.c device-servers/virtio-net/nethdr.c \
	device-servers/virtio-net/rxmerge.c $(VIRTIO_SERVER_SRCS)
$(B)/user/obj/device-servers/virtio-net/%: UCFLAGS += -Idevice-servers/virtio
switch_SRCS := device-servers/switch/main.c device-servers/switch/fwd.c
include device-servers/virtio-net/net.mk # h-net
# The uplink driver: one per config, for the uplink network's port to the
# host (boot/uplink.c, keel/uplink.h).
USER_PROGS += netdrv
SHIPPED_PROGS += netdrv
netdrv_SRCS := device-servers/net-driver/main.c
# The driver-side virtio-mmio library the drivers above link (h-vdrv).
include device-servers/virtio-drv/vdrv.mk
