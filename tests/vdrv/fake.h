/*
 * The fake register file the driver-side library's host tests link in
 * place of vdrv_reg.c: a window of FAKE_SLOTS transports at a made-up
 * address (never dereferenced), whose devices are the device side's own
 * transport (device-servers/virtio/), so the test also proves both sides
 * agree on the register names they share (virtio_spec.h).
 *
 *   slot  what
 *   0     nothing: every register reads 0
 *   1     a legacy (version 1) block device: magic and DeviceID only
 *   2     a block device (fake.blk): 2 queues of up to 16, offers RO (5)
 *   3     a console (fake.con): 1 queue of up to 4
 */
#ifndef FAKE_H
#define FAKE_H

#include <check.h>

#include "vdrv.h"
#include "virtio.h"

#define FAKE_WINDOW 0x0a000000u
#define FAKE_SLOTS 4u
#define FAKE_RAM_GPA 0x40000000ull
#define FAKE_RAM_SIZE 0x10000u
#define FAKE_BLK_QMAX 16u
#define FAKE_F_RO 5u

struct fake_dev {
	struct virtio_mmio_state s;
	struct virtio_dev d;
	unsigned notified;      /* bit q: queue q was notified */
	unsigned resets;        /* device resets (Status 0 written) */
	bool hide_version_1;    /* DeviceFeatures hides VERSION_1 */
	bool refuse_features;   /* Status drops FEATURES_OK */
};

struct fake {
	uint8_t *ram;           /* guest RAM both devices see */
	struct fake_dev blk, con;
	unsigned writes;        /* register writes, any slot */
};
extern struct fake fake;

void fake_setup(void);
void fake_teardown(void);
/* The driver's handle on slot i. */
struct vdrv fake_slot(unsigned i);
/* Guest RAM at a guest-physical address. */
void *fake_gpa(uint64_t gpa);

Suite *suite_vdrv(void);
/* The block driver's check of segments against the VM's RAM (test_blkram.c). */
Suite *suite_blkram(void);

#endif /* FAKE_H */
