/*
 * The driver side of virtio-mmio (virtio 1.2, modern interface, split
 * virtqueues): what a server that drives one of QEMU's physical virtio
 * devices needs, once. The block driver, the uplink driver, the control
 * server and the console server's sockets use it; the device side (what
 * Keel's own vblk/vnet/vcon/vrng serve to guests) is device-servers/virtio/,
 * and both take the register and bit names from virtio_spec.h there.
 *
 * A driver owns its rings' memory (root gave it a page or a DMA frame,
 * with its physical address); the library only says where each ring part
 * lies, programs the device with it and moves the indices with the
 * barriers the spec asks for (2.7.13). What a buffer means stays the
 * driver's, as does how it counts the used entries it took (some keep that
 * count in a state page that survives a crash).
 *
 * Registers are reached through vdrv_reg_read / vdrv_reg_write only
 * (vdrv_reg.c on the target: plain 32-bit MMIO; the host tests link a fake
 * register file instead, tests/vdrv/).
 */
#ifndef VDRV_H
#define VDRV_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio_spec.h"

/* One transport: where its register window is mapped in this server. */
struct vdrv {
	uintptr_t base;
};

/* Split-ring layout (spec 2.7.5, 2.7.6, 2.7.8): the device reads the
 * descriptors and the avail ring, writes the used ring. */
struct vdrv_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};
struct vdrv_avail {
	uint16_t flags, idx;
	uint16_t ring[];
};
struct vdrv_used_elem {
	uint32_t id, len;
};
struct vdrv_used {
	uint16_t flags, idx;
	struct vdrv_used_elem ring[];
};

/* Bytes each part of a ring of num entries takes (without event fields). */
#define VDRV_DESC_BYTES(num) (16u * (num))
#define VDRV_AVAIL_BYTES(num) (4u + 2u * (num) + 2u)
#define VDRV_USED_BYTES(num) (4u + 8u * (num) + 2u)

/* One split queue: where the driver sees its parts, where the device does. */
struct vdrv_vq {
	struct vdrv_desc *desc;
	struct vdrv_avail *avail;
	struct vdrv_used *used;
	uint64_t desc_pa, avail_pa, used_pa;
	uint16_t num;   /* entries: a power of two */
	uint16_t index; /* QueueSel */
};

/* The two register accessors (vdrv_reg.c, or a test's fake). */
uint32_t vdrv_reg_read(const struct vdrv *d, uint32_t off);
void vdrv_reg_write(const struct vdrv *d, uint32_t off, uint32_t val);

/* True if d is a modern (version 2) virtio-mmio transport of device_id. */
bool vdrv_probe(const struct vdrv *d, uint32_t device_id);
/*
 * The first of `count` transports VIRTIO_MMIO_WINDOW apart from `window`,
 * starting at number `from`, that is a modern device_id; -1 if none. Only
 * reads MagicValue, Version and DeviceID, so it disturbs no device.
 */
int vdrv_find(uintptr_t window, unsigned count, uint32_t device_id, unsigned from);
/*
 * Reset the device and negotiate (spec 3.1.1, up to FEATURES_OK): every
 * bit of `need` must be offered, the offered bits of `want` are taken too.
 * *accepted (may be NULL) gets what was written. NULL, or why not; on
 * failure the caller writes FAILED (vdrv_fail) when it gives up.
 */
const char *vdrv_start(const struct vdrv *d, uint32_t device_id, uint64_t need, uint64_t want,
		       uint64_t *accepted);
/* The device may run now: DRIVER_OK (after the queues are set up). */
void vdrv_driver_ok(const struct vdrv *d);
/* The driver gave up on the device: FAILED, added to the status. */
void vdrv_fail(const struct vdrv *d);
/* Read InterruptStatus and acknowledge all of it; returns it. */
uint32_t vdrv_irq_ack(const struct vdrv *d);
/* 32 bits of the device config at `off` from 0x100. */
uint32_t vdrv_config_read32(const struct vdrv *d, uint32_t off);
/* Tell the device queue q has new buffers (after every index store). */
void vdrv_notify(const struct vdrv *d, unsigned q);

/*
 * Describe queue `index` of num entries in memory the driver sees at va
 * and the device at pa: descriptors at 0, the avail ring at avail_off,
 * the used ring at used_off. No register is touched (a resumed driver
 * describes queues the device already has).
 */
void vdrv_vq_place(struct vdrv_vq *vq, unsigned index, uint16_t num, void *va, uint64_t pa,
		   uint32_t avail_off, uint32_t used_off);
/*
 * Zero the queue's memory and give it to the device (spec 4.2.3.2), between
 * vdrv_start and vdrv_driver_ok. False if the queue is already live or
 * smaller than num entries.
 */
bool vdrv_vq_setup(const struct vdrv *d, const struct vdrv_vq *vq);
/* Fill descriptor i. */
void vdrv_vq_desc_set(const struct vdrv_vq *vq, uint16_t i, uint64_t addr, uint32_t len,
		      uint16_t flags, uint16_t next);
/* Give the device every descriptor of the queue as a device-writable
 * buffer of len bytes, descriptor i at pa + i * stride (a receive queue's
 * buffers, at set-up). */
void vdrv_vq_fill_rx(const struct vdrv_vq *vq, uint64_t pa, uint32_t stride, uint32_t len);
/* Put head at avail position idx and make the index idx + 1 (the entry
 * before the index). No notify: the caller batches them. */
void vdrv_vq_publish(const struct vdrv_vq *vq, uint16_t idx, uint16_t head);
/* vdrv_vq_publish at the current avail index. */
void vdrv_vq_post(const struct vdrv_vq *vq, uint16_t head);
/* The driver's avail index (the next position to publish). */
uint16_t vdrv_vq_avail_idx(const struct vdrv_vq *vq);
/* The device's used index (acquire: the entries before it are complete). */
uint16_t vdrv_vq_used_idx(const struct vdrv_vq *vq);
/* The used entry at position pos (taken modulo num). */
struct vdrv_used_elem vdrv_vq_used_at(const struct vdrv_vq *vq, uint16_t pos);

#endif /* VDRV_H */
