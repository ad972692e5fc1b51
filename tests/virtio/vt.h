/*
 * Host unit tests of the virtio-mmio transport (device-servers/virtio/):
 * a fake driver over a guest RAM buffer (vt.c) and the suites.
 */
#ifndef VT_H
#define VT_H

#include <check.h>

#include "virtio.h"

Suite *suite_mmio(void);
Suite *suite_virtq(void);
Suite *suite_resume(void);
Suite *suite_netrx(void);

/*
 * The fixture: one device (2 queues of up to 16 entries) over VT_RAM_SIZE
 * bytes of guest RAM at VT_RAM_GPA, queue 0's rings at fixed places.
 */
#define VT_RAM_GPA 0x40000000ull
#define VT_RAM_SIZE 0x10000u
#define VT_DESC (VT_RAM_GPA + 0x1000)
#define VT_AVAIL (VT_RAM_GPA + 0x2000)
#define VT_USED (VT_RAM_GPA + 0x3000)
#define VT_BUF (VT_RAM_GPA + 0x8000)
#define VT_QMAX 16u
#define VT_FEAT_DEV 0x4u /* a device-specific bit the fixture offers */

struct vt {
	struct virtio_mmio_state s;
	struct virtio_dev d;
	uint8_t *ram;
	unsigned notified, resets;
	uint8_t cfg[8];
	uint16_t avail_idx; /* the driver's next avail index */
	uint16_t used_seen; /* used entries the driver has read */
	/* isr_sync: calls, the used idx the driver could see then, and an
	 * InterruptACK queued (as on a post page) that it applies */
	unsigned syncs;
	uint16_t sync_used;
	uint32_t queued_ack;
};
extern struct vt vt;
extern const struct virtio_mmio_id vt_id;

void vt_setup(void);
void vt_teardown(void);
uint32_t vt_rd(uint64_t off);
void vt_wr(uint64_t off, uint32_t val);
/* ACKNOWLEDGE, DRIVER, features (VERSION_1 | extra_hi << 32 | lo), FEATURES_OK. */
void vt_negotiate(uint32_t lo, uint32_t extra_hi);
/* Set queue q up at the given addresses and size and write QueueReady 1. */
void vt_queue(unsigned q, uint32_t num, uint64_t desc, uint64_t avail, uint64_t used);
/* negotiate (VERSION_1 + EVENT_IDX if event), queue 0 of num, DRIVER_OK. */
void vt_start(uint32_t num, bool event);
bool vt_needs_reset(void);

/* Guest RAM at a guest-physical address (the test's own translation). */
void *vt_gpa(uint64_t gpa);
void vt_desc(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next);
/* Put head in the next avail slot and publish the avail index. */
void vt_avail(uint16_t head);
void vt_avail_idx(uint16_t idx);
/* Heads[0..n-1], each one writable buffer of size bytes (at VT_BUF +
 * 0x100 * i), made available and taken by the device. */
void vt_take(const uint16_t *heads, unsigned n, uint32_t size);
uint16_t vt_used_idx(void);
void vt_used_elem(uint16_t pos, uint32_t *id, uint32_t *len);
void vt_used_event(uint16_t v);
uint16_t vt_avail_event(void);

#endif /* VT_H */
