/*
 * The virtio 1.2 names both sides of Keel use: the device side (the
 * transport library here, under vblk/vnet/vcon/vrng) and the driver side
 * (device-servers/virtio-drv/, under the drivers of QEMU's physical
 * devices). Offsets and bits are the spec's: section 4.2.2 (virtio-mmio
 * registers), 2.1 (device status), 2.7.5 (descriptor flags), 5 (device
 * IDs), 6 (transport feature bits). Nothing else belongs here: this is the
 * one copy, so the two sides cannot drift apart.
 */
#ifndef VIRTIO_SPEC_H
#define VIRTIO_SPEC_H

#define VIRTIO_MMIO_WINDOW 0x200u   /* one transport's registers and config */
#define VIRTIO_MMIO_MAGIC 0x74726976u /* "virt" */
#define VIRTIO_MMIO_VERSION 2u      /* modern (version 1 is legacy) */
#define VIRTIO_CONFIG_BASE 0x100u   /* the device-specific config window */

enum virtio_mmio_reg {
	VIRTIO_MMIO_MAGIC_VALUE = 0x000, VIRTIO_MMIO_VERSION_REG = 0x004,
	VIRTIO_MMIO_DEVICE_ID = 0x008, VIRTIO_MMIO_VENDOR_ID = 0x00c,
	VIRTIO_MMIO_DEVICE_FEATURES = 0x010, VIRTIO_MMIO_DEVICE_FEATURES_SEL = 0x014,
	VIRTIO_MMIO_DRIVER_FEATURES = 0x020, VIRTIO_MMIO_DRIVER_FEATURES_SEL = 0x024,
	VIRTIO_MMIO_QUEUE_SEL = 0x030, VIRTIO_MMIO_QUEUE_NUM_MAX = 0x034,
	VIRTIO_MMIO_QUEUE_NUM = 0x038, VIRTIO_MMIO_QUEUE_READY = 0x044,
	VIRTIO_MMIO_QUEUE_NOTIFY = 0x050, VIRTIO_MMIO_INTERRUPT_STATUS = 0x060,
	VIRTIO_MMIO_INTERRUPT_ACK = 0x064, VIRTIO_MMIO_STATUS = 0x070,
	VIRTIO_MMIO_QUEUE_DESC_LOW = 0x080, VIRTIO_MMIO_QUEUE_DESC_HIGH = 0x084,
	VIRTIO_MMIO_QUEUE_DRIVER_LOW = 0x090, VIRTIO_MMIO_QUEUE_DRIVER_HIGH = 0x094,
	VIRTIO_MMIO_QUEUE_DEVICE_LOW = 0x0a0, VIRTIO_MMIO_QUEUE_DEVICE_HIGH = 0x0a4,
	VIRTIO_MMIO_SHM_SEL = 0x0ac, VIRTIO_MMIO_SHM_LEN_LOW = 0x0b0,
	VIRTIO_MMIO_SHM_LEN_HIGH = 0x0b4, VIRTIO_MMIO_SHM_BASE_LOW = 0x0b8,
	VIRTIO_MMIO_SHM_BASE_HIGH = 0x0bc, VIRTIO_MMIO_CONFIG_GENERATION = 0x0fc,
};

/* Device status bits (spec 2.1). */
enum virtio_status {
	VIRTIO_S_ACKNOWLEDGE = 1, VIRTIO_S_DRIVER = 2, VIRTIO_S_DRIVER_OK = 4,
	VIRTIO_S_FEATURES_OK = 8, VIRTIO_S_NEEDS_RESET = 64, VIRTIO_S_FAILED = 128,
};

/* InterruptStatus bits (spec 4.2.2). */
#define VIRTIO_INT_USED 1u
#define VIRTIO_INT_CONFIG 2u

/* Device IDs (spec 5). */
#define VIRTIO_ID_NET 1u
#define VIRTIO_ID_BLOCK 2u
#define VIRTIO_ID_CONSOLE 3u
#define VIRTIO_ID_RNG 4u

/* Transport feature bits (spec 6) Keel uses. */
#define VIRTIO_F_RING_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32

/* Split-ring descriptor and avail flags (spec 2.7.5, 2.7.6). */
#define VIRTQ_DESC_F_NEXT 1u
#define VIRTQ_DESC_F_WRITE 2u
#define VIRTQ_DESC_F_INDIRECT 4u
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1u

#endif /* VIRTIO_SPEC_H */
