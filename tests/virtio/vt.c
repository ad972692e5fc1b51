/* The fake driver the virtio tests use (vt.h). */
#include <stdlib.h>
#include <string.h>

#include "vt.h"

struct vt vt;
const struct virtio_mmio_id vt_id = { 2, 2, VT_QMAX, VT_FEAT_DEV };

static bool vt_cfg_read(void *ctx, uint32_t off, unsigned width, uint64_t *val)
{
	(void)ctx;
	if (off + width > sizeof(vt.cfg))
		return false;
	*val = 0;
	memcpy(val, vt.cfg + off, width);
	return true;
}

static bool vt_cfg_write(void *ctx, uint32_t off, unsigned width, uint64_t val)
{
	(void)ctx;
	if (off + width > sizeof(vt.cfg))
		return false;
	memcpy(vt.cfg + off, &val, width);
	return true;
}

static void vt_notify(void *ctx, unsigned q)
{
	(void)ctx;
	vt.notified |= 1u << q;
}

static void vt_reset(void *ctx)
{
	(void)ctx;
	vt.resets++;
}

static void vt_isr_sync(void *ctx)
{
	uint16_t used;
	(void)ctx;
	memcpy(&used, vt_gpa(VT_USED + 2), 2);
	vt.syncs++;
	vt.sync_used = used;
	vt.s.isr &= ~vt.queued_ack;
	vt.queued_ack = 0;
}

static const struct virtio_dev_ops vt_ops = { vt_cfg_read, vt_cfg_write, vt_notify, vt_reset,
					      vt_isr_sync };

void vt_setup(void)
{
	memset(&vt, 0, sizeof(vt));
	/* exactly the RAM size: ASan catches a byte past it */
	vt.ram = calloc(1, VT_RAM_SIZE);
	ck_assert_ptr_nonnull(vt.ram);
	vt.d = (struct virtio_dev){ &vt.s, { vt.ram, VT_RAM_GPA, VT_RAM_SIZE }, &vt_ops, NULL };
	memset(&vt.s, 0xa5, sizeof(vt.s)); /* garbage: resume must reset it */
	ck_assert(virtio_mmio_resume(&vt.d, &vt_id));
	memcpy(vt.cfg, "KEELcfg!", 8);
}

void vt_teardown(void)
{
	free(vt.ram);
	vt.ram = NULL;
}

uint32_t vt_rd(uint64_t off)
{
	uint64_t v = 0xdeadbeef;
	ck_assert(virtio_mmio_read(&vt.d, off, 4, &v));
	return (uint32_t)v;
}

void vt_wr(uint64_t off, uint32_t val)
{
	ck_assert(virtio_mmio_write(&vt.d, off, 4, val));
}

void vt_negotiate(uint32_t lo, uint32_t extra_hi)
{
	vt_wr(VIRTIO_MMIO_STATUS, VIRTIO_S_ACKNOWLEDGE);
	vt_wr(VIRTIO_MMIO_STATUS, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER);
	vt_wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	vt_wr(VIRTIO_MMIO_DRIVER_FEATURES, lo);
	vt_wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	vt_wr(VIRTIO_MMIO_DRIVER_FEATURES, 1u | extra_hi);
	vt_wr(VIRTIO_MMIO_STATUS, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER | VIRTIO_S_FEATURES_OK);
}

void vt_queue(unsigned q, uint32_t num, uint64_t desc, uint64_t avail, uint64_t used)
{
	vt_wr(VIRTIO_MMIO_QUEUE_SEL, q);
	vt_wr(VIRTIO_MMIO_QUEUE_NUM, num);
	vt_wr(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
	vt_wr(VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
	vt_wr(VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)avail);
	vt_wr(VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(avail >> 32));
	vt_wr(VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)used);
	vt_wr(VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(used >> 32));
	vt_wr(VIRTIO_MMIO_QUEUE_READY, 1);
}

void vt_start(uint32_t num, bool event)
{
	vt_negotiate(event ? 1u << VIRTIO_F_RING_EVENT_IDX : 0, 0);
	vt_queue(0, num, VT_DESC, VT_AVAIL, VT_USED);
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_QUEUE_READY), 1);
	vt_wr(VIRTIO_MMIO_STATUS, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER |
				    VIRTIO_S_FEATURES_OK | VIRTIO_S_DRIVER_OK);
	ck_assert_uint_eq(vt_rd(VIRTIO_MMIO_STATUS), 15);
	ck_assert_uint_eq(virtio_mmio_has_feature(&vt.s, VIRTIO_F_RING_EVENT_IDX), event);
}

bool vt_needs_reset(void)
{
	return (vt_rd(VIRTIO_MMIO_STATUS) & VIRTIO_S_NEEDS_RESET) != 0;
}

void *vt_gpa(uint64_t gpa)
{
	ck_assert(gpa >= VT_RAM_GPA && gpa < VT_RAM_GPA + VT_RAM_SIZE);
	return vt.ram + (gpa - VT_RAM_GPA);
}

void vt_desc(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	uint8_t *p = vt_gpa(VT_DESC + 16ull * i);
	memcpy(p, &addr, 8);
	memcpy(p + 8, &len, 4);
	memcpy(p + 12, &flags, 2);
	memcpy(p + 14, &next, 2);
}

void vt_avail_idx(uint16_t idx)
{
	memcpy(vt_gpa(VT_AVAIL + 2), &idx, 2);
}

void vt_avail(uint16_t head)
{
	uint32_t num = vt.s.q[0].num;
	memcpy(vt_gpa(VT_AVAIL + 4 + 2ull * (vt.avail_idx % num)), &head, 2);
	vt.avail_idx++;
	vt_avail_idx(vt.avail_idx);
}

void vt_take(const uint16_t *heads, unsigned n, uint32_t size)
{
	static struct virtq_chain taken;
	for (unsigned i = 0; i < n; i++) {
		vt_desc(heads[i], VT_BUF + 0x100ull * i, size, VIRTQ_DESC_F_WRITE, 0);
		vt_avail(heads[i]);
		ck_assert_int_eq(virtq_pop(&vt.d, 0, &taken), 1);
		ck_assert_uint_eq(taken.head, heads[i]);
	}
}

uint16_t vt_used_idx(void)
{
	uint16_t v;
	memcpy(&v, vt_gpa(VT_USED + 2), 2);
	return v;
}

void vt_used_elem(uint16_t pos, uint32_t *id, uint32_t *len)
{
	const uint8_t *p = vt_gpa(VT_USED + 4 + 8ull * (pos % vt.s.q[0].num));
	memcpy(id, p, 4);
	memcpy(len, p + 4, 4);
}

void vt_used_event(uint16_t v)
{
	memcpy(vt_gpa(VT_AVAIL + 4 + 2ull * vt.s.q[0].num), &v, 2);
}

uint16_t vt_avail_event(void)
{
	uint16_t v;
	memcpy(&v, vt_gpa(VT_USED + 4 + 8ull * vt.s.q[0].num), 2);
	return v;
}
