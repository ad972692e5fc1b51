/*
 * keel/blk.h — the block driver server (device-servers/blk-driver/) and
 * its client, which owns the requests (a virtio-blk device server; for
 * now the test client tests/servers/blkclient.c).
 *
 * The driver owns one physical virtio-blk device on QEMU virt's
 * virtio-mmio bus (modern interface, virtio 1.2 section 4.2) and nothing
 * else; it never sees guest memory. Requests and their data pass through
 * the shared area, which is DMA-able memory whose physical address root
 * gives the driver: the device reads and writes the data buffers there.
 *
 * ---- block driver capability slots and addresses ---------------------------
 *
 *   KEEL_SRV_REPORT  root's endpoint, badged
 *   KEEL_SRV_EP      its endpoint, READ (unused: the driver only waits)
 *   KEEL_SRV_PEER    the client's notification, WRITE, badged
 *                    KEEL_BLK_BIT_DONE: a request completed
 *   KEEL_BLK_SLOT_IRQ  the device's IRQ handler (ACK only)
 *   (bound)          a notification bound to its thread: the client
 *                    signals KEEL_BLK_BIT_REQ, the device KEEL_BLK_BIT_IRQ
 *   KEEL_BLKDRV_INFO_VADDR   struct keel_blkdrv_info, read-only (root's)
 *   KEEL_BLKDRV_MMIO_VADDR   the page of the device's transport
 *   KEEL_BLKDRV_QUEUE_VADDR  its virtqueue page (DMA, its own)
 *   KEEL_BLK_SHARED_VADDR    the shared area (DMA), also in the client
 *
 * ---- the shared area ----------------------------------------------------------
 *   offset 0                 struct keel_blk_ring
 *   KEEL_BLK_DATA_OFF + i * KEEL_BLK_SLOT_BYTES   slot i's data buffer
 *
 * The client fills slot[req % KEEL_BLK_SLOTS] (and its data, for a write),
 * then advances req and signals the driver; the driver carries requests
 * out in order, writes each one's status, advances done and signals the
 * client. A slot is the client's again once done has passed it. Crash
 * safety: the driver keeps no state of its own but the device's; a
 * restarted driver resets the device and carries out every request from
 * done on again (a read or write done twice has the same effect), so a
 * request the client was told is complete is complete on the device,
 * and none completes twice.
 */
#ifndef KEEL_BLK_H
#define KEEL_BLK_H

#include <stdint.h>

#define KEEL_BLK_SLOT_IRQ 9u
#define KEEL_BLK_BIT_REQ 1u
#define KEEL_BLK_BIT_IRQ 2u
#define KEEL_BLK_BIT_DONE 1u

#define KEEL_BLKDRV_INFO_VADDR 0x10000000ull
#define KEEL_BLKDRV_MMIO_VADDR 0x10001000ull
#define KEEL_BLKDRV_QUEUE_VADDR 0x10002000ull
#define KEEL_BLK_SHARED_VADDR 0x10200000ull
#define KEEL_BLK_SHARED_BYTES 0x200000ull /* one 2 MiB frame: contiguous */

#define KEEL_BLK_SLOTS 16u
#define KEEL_BLK_DATA_OFF 0x1000ull
#define KEEL_BLK_SLOT_BYTES 0x10000ull /* 64 KiB per request */
#define KEEL_BLK_SECTOR 512u

/* Request types and statuses: virtio-blk's (spec 5.2.6). */
enum keel_blk_type {
	KEEL_BLK_T_IN = 0, KEEL_BLK_T_OUT = 1, KEEL_BLK_T_FLUSH = 4, KEEL_BLK_T_GET_ID = 8,
};
enum keel_blk_status {
	KEEL_BLK_S_OK = 0, KEEL_BLK_S_IOERR = 1, KEEL_BLK_S_UNSUPP = 2,
};

struct keel_blk_req {
	uint32_t type;   /* enum keel_blk_type */
	uint32_t len;    /* bytes of data: a multiple of 512, <= KEEL_BLK_SLOT_BYTES */
	uint64_t sector; /* first 512-byte sector */
	uint32_t status; /* enum keel_blk_status, written by the driver */
	uint32_t pad;
};

struct keel_blk_ring {
	uint32_t ready;    /* driver: the device is set up */
	uint32_t ro;       /* driver: the device is read-only */
	uint64_t capacity; /* driver: 512-byte sectors */
	uint32_t req;      /* client: requests published */
	uint32_t done;     /* driver: requests completed */
	struct keel_blk_req slot[KEEL_BLK_SLOTS];
};

#define KEEL_BLKDRV_INFO_MAGIC 0x4b45454c424c4b31ull /* "KEELBLK1" */
struct keel_blkdrv_info {
	uint64_t magic;
	uint64_t mmio_off;  /* the transport's offset in its page */
	uint64_t queue_pa;  /* physical address of the virtqueue page */
	uint64_t shared_pa; /* physical address of the shared area */
};

#endif /* KEEL_BLK_H */
