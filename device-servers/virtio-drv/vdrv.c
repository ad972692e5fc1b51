/*
 * The driver side of virtio-mmio (vdrv.h): device bring-up, split queues,
 * notification and the interrupt. Register names and bits are the spec's
 * (virtio_spec.h, shared with the device side).
 */
#include <string.h>

#include "vdrv.h"

#define VDRV_F(bit) (1ull << (bit))

bool vdrv_probe(const struct vdrv *d, uint32_t device_id)
{
	return vdrv_reg_read(d, VIRTIO_MMIO_MAGIC_VALUE) == VIRTIO_MMIO_MAGIC &&
	       vdrv_reg_read(d, VIRTIO_MMIO_VERSION_REG) == VIRTIO_MMIO_VERSION &&
	       vdrv_reg_read(d, VIRTIO_MMIO_DEVICE_ID) == device_id;
}

int vdrv_find(uintptr_t window, unsigned count, uint32_t device_id, unsigned from)
{
	for (unsigned i = from; i < count; i++) {
		struct vdrv d = { .base = window + (uintptr_t)i * VIRTIO_MMIO_WINDOW };
		if (vdrv_probe(&d, device_id))
			return (int)i;
	}
	return -1;
}

static void vdrv_set_status(const struct vdrv *d, uint32_t status)
{
	vdrv_reg_write(d, VIRTIO_MMIO_STATUS, status);
}

/* Writing 0 resets; the device says it is done by reading 0 (4.2.3.1). */
static void vdrv_reset(const struct vdrv *d)
{
	vdrv_set_status(d, 0);
	while (vdrv_reg_read(d, VIRTIO_MMIO_STATUS) != 0)
		;
}

static uint64_t vdrv_offer(const struct vdrv *d)
{
	uint64_t hi;
	vdrv_reg_write(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	hi = vdrv_reg_read(d, VIRTIO_MMIO_DEVICE_FEATURES);
	vdrv_reg_write(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	return hi << 32 | vdrv_reg_read(d, VIRTIO_MMIO_DEVICE_FEATURES);
}

static void vdrv_accept(const struct vdrv *d, uint64_t features)
{
	vdrv_reg_write(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	vdrv_reg_write(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(features >> 32));
	vdrv_reg_write(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	vdrv_reg_write(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)features);
}

const char *vdrv_start(const struct vdrv *d, uint32_t device_id, uint64_t need, uint64_t want,
		       uint64_t *accepted)
{
	const uint32_t negotiating = VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER;
	uint64_t offer, take;
	if (!vdrv_probe(d, device_id))
		return "not a modern virtio-mmio device of the expected type";
	vdrv_reset(d);
	vdrv_set_status(d, VIRTIO_S_ACKNOWLEDGE);
	vdrv_set_status(d, negotiating);
	offer = vdrv_offer(d);
	if (!(offer & VDRV_F(VIRTIO_F_VERSION_1)))
		return "the device does not offer VIRTIO_F_VERSION_1";
	if (need & ~offer)
		return "the device does not offer a feature the driver needs";
	take = offer & (need | want);
	vdrv_accept(d, take);
	vdrv_set_status(d, negotiating | VIRTIO_S_FEATURES_OK);
	if (!(vdrv_reg_read(d, VIRTIO_MMIO_STATUS) & VIRTIO_S_FEATURES_OK))
		return "the device refused our features";
	if (accepted)
		*accepted = take;
	return NULL;
}

void vdrv_driver_ok(const struct vdrv *d)
{
	vdrv_set_status(d, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER | VIRTIO_S_FEATURES_OK |
				   VIRTIO_S_DRIVER_OK);
}

/* Added to what is set, as Linux does (spec 2.1: the driver sets the
 * bit; clearing the others would be a status change of its own). */
void vdrv_fail(const struct vdrv *d)
{
	vdrv_set_status(d, vdrv_reg_read(d, VIRTIO_MMIO_STATUS) | VIRTIO_S_FAILED);
}

uint32_t vdrv_irq_ack(const struct vdrv *d)
{
	uint32_t isr = vdrv_reg_read(d, VIRTIO_MMIO_INTERRUPT_STATUS);
	vdrv_reg_write(d, VIRTIO_MMIO_INTERRUPT_ACK, isr);
	return isr;
}

uint32_t vdrv_config_read32(const struct vdrv *d, uint32_t off)
{
	return vdrv_reg_read(d, VIRTIO_CONFIG_BASE + off);
}

void vdrv_notify(const struct vdrv *d, unsigned q)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* the avail index before the notify */
	vdrv_reg_write(d, VIRTIO_MMIO_QUEUE_NOTIFY, q);
}

/* ---- split queues --------------------------------------------------------------- */

void vdrv_vq_place(struct vdrv_vq *vq, unsigned index, uint16_t num, void *va, uint64_t pa,
		   uint32_t avail_off, uint32_t used_off)
{
	uint8_t *base = va;
	*vq = (struct vdrv_vq){ .desc = va, .avail = (struct vdrv_avail *)(void *)(base + avail_off),
				.used = (struct vdrv_used *)(void *)(base + used_off),
				.desc_pa = pa, .avail_pa = pa + avail_off, .used_pa = pa + used_off,
				.num = num, .index = (uint16_t)index };
}

/* The Low register, then High at +4 (spec 4.2.2: two 32-bit halves). */
static void vdrv_reg_write64(const struct vdrv *d, uint32_t off, uint64_t val)
{
	vdrv_reg_write(d, off, (uint32_t)val);
	vdrv_reg_write(d, off + 4, (uint32_t)(val >> 32));
}

bool vdrv_vq_setup(const struct vdrv *d, const struct vdrv_vq *vq)
{
	vdrv_reg_write(d, VIRTIO_MMIO_QUEUE_SEL, vq->index);
	if (vdrv_reg_read(d, VIRTIO_MMIO_QUEUE_READY) ||
	    vdrv_reg_read(d, VIRTIO_MMIO_QUEUE_NUM_MAX) < vq->num)
		return false;
	memset(vq->desc, 0, VDRV_DESC_BYTES(vq->num));
	memset(vq->avail, 0, VDRV_AVAIL_BYTES(vq->num));
	memset(vq->used, 0, VDRV_USED_BYTES(vq->num));
	vdrv_reg_write(d, VIRTIO_MMIO_QUEUE_NUM, vq->num);
	vdrv_reg_write64(d, VIRTIO_MMIO_QUEUE_DESC_LOW, vq->desc_pa);
	vdrv_reg_write64(d, VIRTIO_MMIO_QUEUE_DRIVER_LOW, vq->avail_pa);
	vdrv_reg_write64(d, VIRTIO_MMIO_QUEUE_DEVICE_LOW, vq->used_pa);
	vdrv_reg_write(d, VIRTIO_MMIO_QUEUE_READY, 1);
	return true;
}

void vdrv_vq_desc_set(const struct vdrv_vq *vq, uint16_t i, uint64_t addr, uint32_t len,
		      uint16_t flags, uint16_t next)
{
	vq->desc[i % vq->num] = (struct vdrv_desc){ .addr = addr, .len = len, .flags = flags,
						    .next = next };
}

void vdrv_vq_publish(const struct vdrv_vq *vq, uint16_t idx, uint16_t head)
{
	vq->avail->ring[idx % vq->num] = head;
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* the entry before the index */
	__atomic_store_n(&vq->avail->idx, (uint16_t)(idx + 1), __ATOMIC_RELAXED);
}

void vdrv_vq_post(const struct vdrv_vq *vq, uint16_t head)
{
	vdrv_vq_publish(vq, vdrv_vq_avail_idx(vq), head);
}

void vdrv_vq_fill_rx(const struct vdrv_vq *vq, uint64_t pa, uint32_t stride, uint32_t len)
{
	for (uint16_t i = 0; i < vq->num; i++) {
		vdrv_vq_desc_set(vq, i, pa + (uint64_t)i * stride, len, VIRTQ_DESC_F_WRITE, 0);
		vdrv_vq_post(vq, i);
	}
}

uint16_t vdrv_vq_avail_idx(const struct vdrv_vq *vq)
{
	return vq->avail->idx;
}

uint16_t vdrv_vq_used_idx(const struct vdrv_vq *vq)
{
	return __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE);
}

struct vdrv_used_elem vdrv_vq_used_at(const struct vdrv_vq *vq, uint16_t pos)
{
	const volatile struct vdrv_used_elem *e = &vq->used->ring[pos % vq->num];
	return (struct vdrv_used_elem){ .id = e->id, .len = e->len };
}
