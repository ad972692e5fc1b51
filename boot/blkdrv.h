/* Root's side of the block driver servers (boot/blkdrv.c). */
#ifndef BOOT_BLKDRV_H
#define BOOT_BLKDRV_H

#include <stdint.h>

#include <keel/blk.h>

#include "root.h"

/* The QEMU virtio-mmio transport of the n-th virtio-blk device (0-based,
 * highest address first: the order of make run's -device options), or -1. */
int blkdrv_transport(unsigned n);
/* The same for any virtio DeviceID (boot/ctl.c: the console, 3). */
int blkdrv_transport_of(uint32_t device_id, unsigned n);
/* A 32-bit register of transport t (its config space from 0x100), 0 if
 * there is none. */
uint32_t blkdrv_transport_read(unsigned t, unsigned off);
/* Root's frame of the page that holds transport t (on aarch64's virt 8
 * share a page), or 0; where in it the transport starts; its interrupt. */
uint64_t blkdrv_transport_page(unsigned t);
unsigned blkdrv_transport_offset(unsigned t);
unsigned blkdrv_transport_irq(unsigned t);
/* A driver's client: it gets the shared area at KEEL_BLK_SHARED_VADDR and,
 * in its slot `slot`, the driver's notification badged KEEL_BLK_BIT_REQ;
 * ntfn (root's cptr) is signalled with KEEL_BLK_BIT_DONE. ram: its VM's
 * RAM, where the driver lets requests' segments point (NULL: none). */
struct blkdrv_client {
	struct server *s;
	unsigned slot;
	uint64_t ntfn;
	const struct keel_blk_ram_table *ram;
};
/* Build (not start) the driver of transport t for client. NULL on
 * failure (logged). */
struct server *blkdrv_create(const char *name, unsigned t, unsigned cpu, unsigned prio,
			     const struct blkdrv_client *client);

#endif /* BOOT_BLKDRV_H */
