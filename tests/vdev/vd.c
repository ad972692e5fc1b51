/* The two-queue fake driver of the virtio-console tests (vd.h). */
#include <string.h>

#include "vd.h"

struct vd vd;

void vd_wr(uint64_t off, uint32_t val)
{
	ck_assert(virtio_mmio_write(vd.d, off, 4, val));
}

uint32_t vd_rd(uint64_t off)
{
	uint64_t v = 0;
	ck_assert(virtio_mmio_read(vd.d, off, 4, &v));
	return (uint32_t)v;
}

static void vd_queue(unsigned q)
{
	vd_wr(VIRTIO_MMIO_QUEUE_SEL, q);
	vd_wr(VIRTIO_MMIO_QUEUE_NUM, VD_QN);
	vd_wr(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)VD_DESC(q));
	vd_wr(VIRTIO_MMIO_QUEUE_DESC_HIGH, 0);
	vd_wr(VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)VD_AVAIL(q));
	vd_wr(VIRTIO_MMIO_QUEUE_DRIVER_HIGH, 0);
	vd_wr(VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)VD_USED(q));
	vd_wr(VIRTIO_MMIO_QUEUE_DEVICE_HIGH, 0);
	vd_wr(VIRTIO_MMIO_QUEUE_READY, 1);
	ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_QUEUE_READY), 1);
}

void vd_start(void)
{
	vd_wr(VIRTIO_MMIO_STATUS, VIRTIO_S_ACKNOWLEDGE);
	vd_wr(VIRTIO_MMIO_STATUS, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER);
	vd_wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	vd_wr(VIRTIO_MMIO_DRIVER_FEATURES, 1);
	vd_wr(VIRTIO_MMIO_STATUS, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER | VIRTIO_S_FEATURES_OK);
	vd_queue(0);
	vd_queue(1);
	vd_wr(VIRTIO_MMIO_STATUS, 15);
	ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_STATUS), 15);
}

void *vd_gpa(uint64_t gpa)
{
	ck_assert(gpa >= VD_GPA && gpa < VD_GPA + VD_RAM);
	return vd.ram + (gpa - VD_GPA);
}

void vd_desc(unsigned q, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	uint8_t *p = vd_gpa(VD_DESC(q) + 16ull * i);
	memcpy(p, &addr, 8);
	memcpy(p + 8, &len, 4);
	memcpy(p + 12, &flags, 2);
	memcpy(p + 14, &next, 2);
}

void vd_avail(unsigned q, uint16_t head)
{
	memcpy(vd_gpa(VD_AVAIL(q) + 4 + 2ull * (vd.avail_idx[q] % VD_QN)), &head, 2);
	vd.avail_idx[q]++;
	memcpy(vd_gpa(VD_AVAIL(q) + 2), &vd.avail_idx[q], 2);
}

uint16_t vd_used_idx(unsigned q)
{
	uint16_t v;
	memcpy(&v, vd_gpa(VD_USED(q) + 2), 2);
	return v;
}

void vd_used_elem(unsigned q, uint16_t pos, uint32_t *id, uint32_t *len)
{
	const uint8_t *p = vd_gpa(VD_USED(q) + 4 + 8ull * (pos % VD_QN));
	memcpy(id, p, 4);
	memcpy(len, p + 4, 4);
}
