/*
 * Host unit tests of the virtio-rng and virtio-console cores
 * (device-servers/virtio-rng/rng.c, device-servers/virtio-console/
 * vcon.c). The rng suite drives the transport's fake driver
 * (tests/virtio/vt.h); the console suite has its own two-queue driver
 * (vd.c) over a device state of its own (struct vcon_state).
 */
#ifndef VD_H
#define VD_H

#include <check.h>

#include "virtio.h"

Suite *suite_rng(void);
Suite *suite_vcon(void);

#define VD_GPA 0x40000000ull
#define VD_RAM 0x10000u
#define VD_QN 16u
/* queue q's rings: desc, avail and used in their own pages */
#define VD_DESC(q) (VD_GPA + 0x1000 + 0x3000ull * (q))
#define VD_AVAIL(q) (VD_DESC(q) + 0x1000)
#define VD_USED(q) (VD_DESC(q) + 0x2000)
#define VD_BUF (VD_GPA + 0x8000)

struct vd {
	struct virtio_dev *d;
	uint8_t *ram;
	uint16_t avail_idx[2];
};
extern struct vd vd;

void vd_wr(uint64_t off, uint32_t val);
uint32_t vd_rd(uint64_t off);
/* Negotiate VERSION_1, queues 0 and 1 of VD_QN entries, DRIVER_OK. */
void vd_start(void);
void *vd_gpa(uint64_t gpa);
void vd_desc(unsigned q, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next);
void vd_avail(unsigned q, uint16_t head);
uint16_t vd_used_idx(unsigned q);
void vd_used_elem(unsigned q, uint16_t pos, uint32_t *id, uint32_t *len);

#endif /* VD_H */
