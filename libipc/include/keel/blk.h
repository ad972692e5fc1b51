/*
 * keel/blk.h — the block driver server (device-servers/blk-driver/) and
 * its client, which owns the requests (a virtio-blk device server, or the
 * test client tests/servers/blkclient.c).
 *
 * The driver owns one physical virtio-blk device on QEMU virt's
 * virtio-mmio bus (modern interface, virtio 1.2 section 4.2) and nothing
 * else; it never maps guest memory. Requests pass through the shared
 * area, which is DMA-able memory whose physical address root gives the
 * driver. A request's data is either
 *
 *   - in the guest's RAM (nseg > 0): a list of guest-physical segments in
 *     the slot's segment list. The driver translates each to host-physical
 *     with the table of the client's VM's RAM that root put in its info
 *     page, and fails the request (IOERR) unless every byte lies inside
 *     that RAM; only then does the device read or write it, directly
 *     (zero-copy: a client taken over by its guest can make the device
 *     reach its own VM's RAM and nothing else);
 *   - or in the slot's data buffer in the shared area (nseg == 0, at most
 *     KEEL_BLK_SLOT_BYTES): for a client with no guest RAM (the test
 *     client tests/servers/blkclient.c).
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
 *   KEEL_BLKDRV_TABLE_VADDR  + s * 4 KiB: slot s's indirect descriptor
 *                            table (DMA, its own: the client cannot change
 *                            what the device reads after the checks)
 *   KEEL_BLK_SHARED_VADDR    the shared area (DMA), also in the client
 *
 * ---- the shared area ----------------------------------------------------------
 *   offset 0                 struct keel_blk_ring
 *   KEEL_BLK_DATA_OFF + i * KEEL_BLK_SLOT_BYTES   slot i's data buffer
 *   KEEL_BLK_SEG_OFF + i * KEEL_BLK_SEG_BYTES      slot i's segment list
 *
 * The client fills slot[req % KEEL_BLK_SLOTS] (and its segment list, or
 * its data for a write), then advances req and signals the driver; the
 * driver reads each request and segment once, into its own memory, before
 * checking it, and carries requests out in order, writes each one's status, advances done and signals the
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
#define KEEL_BLKDRV_TABLE_VADDR 0x10010000ull /* KEEL_BLK_SLOTS pages */
#define KEEL_BLK_SHARED_VADDR 0x10200000ull
#define KEEL_BLK_SHARED_BYTES 0x200000ull /* one 2 MiB frame: contiguous */

#define KEEL_BLK_SLOTS 16u
#define KEEL_BLK_DATA_OFF 0x1000ull
#define KEEL_BLK_SLOT_BYTES 0x10000ull /* 64 KiB per request */
#define KEEL_BLK_SECTOR 512u
/* A request's segments: as many as a chain of the device server's queue
 * (128 entries: device-servers/virtio-blk/ BLK_QSIZE) can hold. */
#define KEEL_BLK_SEG_MAX 128u
#define KEEL_BLK_SEG_OFF (KEEL_BLK_DATA_OFF + KEEL_BLK_SLOTS * KEEL_BLK_SLOT_BYTES)
#define KEEL_BLK_SEG_BYTES (KEEL_BLK_SEG_MAX * 16u)
_Static_assert(KEEL_BLK_SEG_OFF + KEEL_BLK_SLOTS * KEEL_BLK_SEG_BYTES <= KEEL_BLK_SHARED_BYTES,
	       "the shared area holds every slot's data and segment list");

/* Request types and statuses: virtio-blk's (spec 5.2.6). */
enum keel_blk_type {
	KEEL_BLK_T_IN = 0, KEEL_BLK_T_OUT = 1, KEEL_BLK_T_FLUSH = 4, KEEL_BLK_T_GET_ID = 8,
};
enum keel_blk_status {
	KEEL_BLK_S_OK = 0, KEEL_BLK_S_IOERR = 1, KEEL_BLK_S_UNSUPP = 2,
};

/* The named points of a request where root can crash the device server
 * and the driver (keel/crashpoint.h; tests/root/scn_blk.c names them). */
enum keel_vblk_crash_point {
	KEEL_VBLK_CP_NOTIFIED = 1, /* the guest's notification in, nothing taken */
	KEEL_VBLK_CP_TAKEN,        /* a chain taken from the guest, not handed */
	KEEL_VBLK_CP_HANDED,       /* in the ring (req moved), the driver not told */
	KEEL_VBLK_CP_TOLD,         /* the driver told: the request mid-transfer */
	KEEL_VBLK_CP_STATUS,       /* completed: status byte written, used ring not */
	KEEL_VBLK_CP_USED,         /* in the used ring, the guest not interrupted */
	KEEL_VBLK_CP_COUNT
};
enum keel_blkdrv_crash_point {
	KEEL_BLKDRV_CP_TAKEN = 1,  /* a request read and checked, not on the device */
	KEEL_BLKDRV_CP_NOTIFIED,   /* on the device, which was notified: mid-transfer */
	KEEL_BLKDRV_CP_FINISHED,   /* the device finished it, done not moved */
	KEEL_BLKDRV_CP_DONE,       /* done moved, the client not signalled */
	KEEL_BLKDRV_CP_COUNT
};
/* Their names by number (keelctl crash --at, the test root's log). */
#define KEEL_VBLK_CRASH_POINT_NAMES \
	{ NULL, "notified", "taken", "handed", "told", "status", "used" }
#define KEEL_BLKDRV_CRASH_POINT_NAMES { NULL, "taken", "notified", "finished", "done" }

struct keel_blk_req {
	uint32_t type;   /* enum keel_blk_type */
	uint32_t len;    /* bytes of data: a multiple of 512 (the segments' sum;
			  * <= KEEL_BLK_SLOT_BYTES in the slot's buffer) */
	uint64_t sector; /* first 512-byte sector */
	uint32_t status; /* enum keel_blk_status, written by the driver */
	uint32_t nseg;   /* 0: data in the slot's buffer; else in this many
			  * segments of the slot's segment list */
};
_Static_assert(sizeof(struct keel_blk_req) == 24, "ABI: a request is 24 bytes");

/* A piece of a request's data in the client's VM's RAM. */
struct keel_blk_seg {
	uint64_t gpa; /* guest-physical */
	uint32_t len; /* bytes, > 0 */
	uint32_t pad;
};
_Static_assert(sizeof(struct keel_blk_seg) * KEEL_BLK_SEG_MAX == KEEL_BLK_SEG_BYTES,
	       "ABI: a segment is 16 bytes");

struct keel_blk_ring {
	uint32_t ready;    /* driver: the device is set up */
	uint32_t ro;       /* driver: the device is read-only */
	uint64_t capacity; /* driver: 512-byte sectors */
	uint32_t req;      /* client: requests published */
	uint32_t done;     /* driver: requests completed */
	struct keel_blk_req slot[KEEL_BLK_SLOTS];
};

/* The client's VM's RAM: guest-physical [gpa, gpa + size) is host-physical
 * [pa, pa + size). Root merges frames contiguous in both; a VM's RAM
 * comes from at most 32 carve pieces (boot/root.h ROOT_CARVE_MAX), so
 * it fits in fewer ranges than KEEL_BLK_RAM_MAX. */
#define KEEL_BLK_RAM_MAX 64u
struct keel_blk_ram {
	uint64_t gpa, pa, size;
};
struct keel_blk_ram_table {
	uint32_t n; /* ranges in use; 0: no guest RAM, only the slots' buffers */
	uint32_t pad;
	struct keel_blk_ram r[KEEL_BLK_RAM_MAX];
};

#define KEEL_BLKDRV_INFO_MAGIC 0x4b45454c424c4b32ull /* "KEELBLK2" */
struct keel_blkdrv_info {
	uint64_t magic;
	uint64_t mmio_off;  /* the transport's offset in its page */
	uint64_t queue_pa;  /* physical address of the virtqueue page */
	uint64_t shared_pa; /* physical address of the shared area */
	uint64_t table_pa[KEEL_BLK_SLOTS]; /* each slot's descriptor table page */
	struct keel_blk_ram_table ram;     /* where segments may point */
};
_Static_assert(sizeof(struct keel_blkdrv_info) <= 4096, "one info page");

#endif /* KEEL_BLK_H */
