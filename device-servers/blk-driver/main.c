/*
 * The block driver server: drives one physical virtio-blk device on QEMU
 * virt's virtio-mmio bus (virtio 1.2, modern interface) for one client,
 * through the shared ring of keel/blk.h. It holds the device's page, its
 * interrupt, its own virtqueue and descriptor table pages, the shared
 * area and root's info page, nothing else: it never maps guest memory.
 *
 * Up to KEEL_BLK_SLOTS requests are on the device at once, each in the
 * descriptors of its ring slot; the device may finish them in any order,
 * and `done` moves over them in ring order, which is all a restart needs
 * to re-drive (keel/blk.h). Every request is read once into the driver's
 * own memory and checked against the device before it reaches it: a bad
 * one (the client is a device server that parses what a guest writes)
 * fails with IOERR or UNSUPP and never touches the device. A request
 * whose data is in guest RAM reaches the device only if every segment
 * lies in the table of the client's VM's RAM (ram.c), through an
 * indirect descriptor table in the driver's own pages, so nothing the
 * client writes after the check can redirect the device.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <keel/abi.h>
#include <keel/blk.h>
#include <keel/crashpoint.h>
#include <keel/print.h>
#include <keel/server.h>

#include "ram.h"
#include "vdrv.h"

/* virtio-blk (spec 5.2): feature bits, and the capacity (le64) first in
 * the config space; indirect descriptors (spec 2.7.5.3) */
#define F_BLK_RO 5u
#define F_BLK_FLUSH 9u
#define F_INDIRECT_DESC 28u
#define BLK_CFG_CAPACITY 0u
#define BLK_ID_BYTES 20u

/* The virtqueue page: the split ring (spec 2.7) of QSIZE entries; ring
 * slot i's request uses descriptors 3i..3i+2, header Q_HDR + 16i and
 * status byte Q_STATUS + i. A request with segments uses only 3i, an
 * indirect descriptor of its table page: header, TABLE_DATA pieces at
 * most, status. */
#define QSIZE 64u
#define Q_DESC 0u
#define Q_AVAIL 1024u
#define Q_USED 2048u
#define Q_HDR 3072u
#define Q_STATUS 3584u
#define TABLE_ENTRIES (4096u / sizeof(struct vdrv_desc))
#define TABLE_DATA (TABLE_ENTRIES - 2)
_Static_assert(3 * KEEL_BLK_SLOTS <= QSIZE && Q_HDR + 16 * KEEL_BLK_SLOTS <= Q_STATUS,
	       "the queue page holds every slot's request");
_Static_assert(TABLE_DATA >= 2 * (KEEL_BLK_SEG_MAX - 2),
	       "a table holds the guest's segments, each cut once at a RAM frame's end");

struct blk_hdr {
	uint32_t type, reserved;
	uint64_t sector;
};

static const struct keel_blkdrv_info *info;
static struct keel_blk_ring *ring;
static uint8_t *queue;       /* the virtqueue page */
static struct vdrv dev;
static struct vdrv_vq vq;
static uint64_t features;    /* negotiated */
static uint16_t used_seen;   /* used entries taken */
static uint32_t submitted;   /* ring requests put on the device (or failed) */
static bool on_device[KEEL_BLK_SLOTS], finished[KEEL_BLK_SLOTS];
static uint8_t result[KEEL_BLK_SLOTS];
static bool broken;          /* the device refused us: fail every request */
/* Each slot's request as read once from the shared area, and the data
 * pieces of its table (0: its data is in the slot's buffer). */
static struct keel_blk_req taken[KEEL_BLK_SLOTS];
static unsigned pieces[KEEL_BLK_SLOTS];

/* Reset and set up the device (spec 3.1.1): the features we use, queue 0
 * in our page. NULL, or why not. */
static const char *blkdrv_setup(void)
{
	const char *why = vdrv_start(&dev, VIRTIO_ID_BLOCK, 1ull << VIRTIO_F_VERSION_1,
				     1ull << F_BLK_RO | 1ull << F_BLK_FLUSH | 1ull << F_INDIRECT_DESC,
				     &features);
	if (why)
		return why;
	vdrv_vq_place(&vq, 0, QSIZE, queue + Q_DESC, info->queue_pa + Q_DESC, Q_AVAIL - Q_DESC,
		      Q_USED - Q_DESC);
	if (!vdrv_vq_setup(&dev, &vq))
		return "queue 0 is in use or too small";
	vdrv_driver_ok(&dev);
	used_seen = 0;
	submitted = ring->done; /* everything not done is put on the device again */
	memset(on_device, 0, sizeof(on_device));
	memset(finished, 0, sizeof(finished));
	return NULL;
}

static uint64_t capacity(void)
{
	return (uint64_t)vdrv_config_read32(&dev, BLK_CFG_CAPACITY + 4) << 32 |
	       vdrv_config_read32(&dev, BLK_CFG_CAPACITY);
}

static struct vdrv_desc *blkdrv_table(unsigned s)
{
	return (struct vdrv_desc *)(uintptr_t)(KEEL_BLKDRV_TABLE_VADDR + s * 4096ull);
}

static bool blkdrv_device_writes(uint32_t type)
{
	return type == KEEL_BLK_T_IN || type == KEEL_BLK_T_GET_ID;
}

/* Slot s's segments, each read once, into its table from entry 1 on;
 * false if one is outside the VM's RAM. Their sum in *len. */
static bool blkdrv_segments(unsigned s, uint32_t nseg, uint64_t *len)
{
	static struct blkram_piece piece[TABLE_DATA];
	const volatile struct keel_blk_seg *seg = (const volatile struct keel_blk_seg *)(uintptr_t)(
		KEEL_BLK_SHARED_VADDR + KEEL_BLK_SEG_OFF + (uint64_t)s * KEEL_BLK_SEG_BYTES);
	struct vdrv_desc *t = blkdrv_table(s);
	uint16_t flags = VIRTQ_DESC_F_NEXT |
			 (blkdrv_device_writes(taken[s].type) ? VIRTQ_DESC_F_WRITE : 0);
	unsigned n = 0;
	*len = 0;
	if (!(features & 1ull << F_INDIRECT_DESC) || nseg > KEEL_BLK_SEG_MAX)
		return false;
	for (uint32_t i = 0; i < nseg; i++) {
		uint64_t gpa = seg[i].gpa;
		uint32_t l = seg[i].len;
		if (!blkram_translate(&info->ram, gpa, l, piece, &n, TABLE_DATA))
			return false;
		*len += l;
	}
	for (unsigned i = 0; i < n; i++)
		t[1 + i] = (struct vdrv_desc){ .addr = piece[i].pa, .len = piece[i].len,
					       .flags = flags, .next = (uint16_t)(i + 2) };
	pieces[s] = n;
	return true;
}

/* What the request (already taken) with len bytes of data would do wrong,
 * as the status it fails with, or OK. */
static uint32_t blkdrv_check(const struct keel_blk_req *r, uint64_t len)
{
	if (broken)
		return KEEL_BLK_S_IOERR;
	switch (r->type) {
	case KEEL_BLK_T_IN:
	case KEEL_BLK_T_OUT:
		if (len == 0 || len % KEEL_BLK_SECTOR || r->sector > ring->capacity ||
		    len / KEEL_BLK_SECTOR > ring->capacity - r->sector)
			return KEEL_BLK_S_IOERR;
		return r->type == KEEL_BLK_T_OUT && ring->ro ? KEEL_BLK_S_IOERR : KEEL_BLK_S_OK;
	case KEEL_BLK_T_FLUSH:
		return features & 1ull << F_BLK_FLUSH ? KEEL_BLK_S_OK : KEEL_BLK_S_UNSUPP;
	case KEEL_BLK_T_GET_ID:
		return len >= BLK_ID_BYTES ? KEEL_BLK_S_OK : KEEL_BLK_S_IOERR;
	default:
		return KEEL_BLK_S_UNSUPP;
	}
}

/* Read ring request n once into the driver's memory (its segments into
 * the slot's table) and check it: the status it fails with, or OK. */
static uint32_t blkdrv_take(uint32_t n)
{
	unsigned s = n % KEEL_BLK_SLOTS;
	const volatile struct keel_blk_req *v = &ring->slot[s];
	struct keel_blk_req *r = &taken[s];
	uint64_t len;
	*r = (struct keel_blk_req){ .type = v->type, .len = v->len, .sector = v->sector,
				    .nseg = v->nseg };
	pieces[s] = 0;
	len = r->len;
	if (r->type == KEEL_BLK_T_FLUSH)
		r->nseg = 0; /* no data: its segments, if any, are not looked at */
	if (r->nseg == 0 && len > KEEL_BLK_SLOT_BYTES)
		return KEEL_BLK_S_IOERR;
	if (r->nseg && (!blkdrv_segments(s, r->nseg, &len) || len != r->len))
		return KEEL_BLK_S_IOERR;
	return blkdrv_check(r, len);
}

static void blkdrv_desc(unsigned i, uint64_t addr, uint32_t len, uint16_t flags, unsigned next)
{
	vdrv_vq_desc_set(&vq, (uint16_t)i, addr, len, flags, (uint16_t)next);
}

/* Put ring request n (taken and checked) on the device: header, data (if
 * any), status, in its slot's three descriptors, or as its slot's
 * indirect table when the data is in guest RAM. */
static void blkdrv_submit(uint32_t n)
{
	unsigned s = n % KEEL_BLK_SLOTS, d = 3 * s, k = pieces[s];
	const struct keel_blk_req *r = &taken[s];
	struct blk_hdr *h = (struct blk_hdr *)(queue + Q_HDR) + s;
	uint64_t data = info->shared_pa + KEEL_BLK_DATA_OFF + (uint64_t)s * KEEL_BLK_SLOT_BYTES;
	uint64_t hdr_pa = info->queue_pa + Q_HDR + 16u * s, st_pa = info->queue_pa + Q_STATUS + s;
	bool device_writes = blkdrv_device_writes(r->type);
	*h = (struct blk_hdr){ .type = r->type, .sector = r->sector };
	queue[Q_STATUS + s] = 0xff;
	if (k) {
		struct vdrv_desc *t = blkdrv_table(s);
		t[0] = (struct vdrv_desc){ .addr = hdr_pa, .len = sizeof(*h),
					   .flags = VIRTQ_DESC_F_NEXT, .next = 1 };
		t[k + 1] = (struct vdrv_desc){ .addr = st_pa, .len = 1, .flags = VIRTQ_DESC_F_WRITE };
		blkdrv_desc(d, info->table_pa[s], (uint32_t)((k + 2) * sizeof(*t)),
			    VIRTQ_DESC_F_INDIRECT, 0);
	} else if (r->type == KEEL_BLK_T_FLUSH) {
		blkdrv_desc(d, hdr_pa, sizeof(*h), VIRTQ_DESC_F_NEXT, d + 2);
	} else {
		blkdrv_desc(d, hdr_pa, sizeof(*h), VIRTQ_DESC_F_NEXT, d + 1);
		blkdrv_desc(d + 1, data, r->type == KEEL_BLK_T_GET_ID ? BLK_ID_BYTES : r->len,
			    VIRTQ_DESC_F_NEXT | (device_writes ? VIRTQ_DESC_F_WRITE : 0), d + 2);
	}
	if (!k)
		blkdrv_desc(d + 2, st_pa, 1, VIRTQ_DESC_F_WRITE, 0);
	vdrv_vq_post(&vq, (uint16_t)d);
	on_device[s] = true;
}

static void blkdrv_finish(unsigned s, uint32_t status)
{
	on_device[s] = false;
	finished[s] = true;
	result[s] = (uint8_t)(status <= KEEL_BLK_S_UNSUPP ? status : KEEL_BLK_S_IOERR);
}

/* Take what the device finished, move done over the finished requests in
 * ring order, then put new ones on the device (failing at once those the
 * checks refuse). */
static void blkdrv_progress(void)
{
	uint32_t done = ring->done, req;
	bool notify = false, told = false;
	while (vdrv_vq_used_idx(&vq) != used_seen) {
		unsigned s = vdrv_vq_used_at(&vq, used_seen).id / 3;
		used_seen++;
		if (s < KEEL_BLK_SLOTS && on_device[s])
			blkdrv_finish(s, queue[Q_STATUS + s]);
	}
	if (done != submitted && finished[done % KEEL_BLK_SLOTS])
		keel_crash_point(KEEL_BLKDRV_CP_FINISHED);
	while (done != submitted && finished[done % KEEL_BLK_SLOTS]) {
		unsigned s = done % KEEL_BLK_SLOTS;
		finished[s] = false;
		ring->slot[s].status = result[s];
		__atomic_store_n(&ring->done, ++done, __ATOMIC_RELEASE);
		told = true;
	}
	if (told) {
		keel_crash_point(KEEL_BLKDRV_CP_DONE);
		keel_signal(KEEL_SRV_PEER);
	}
	req = __atomic_load_n(&ring->req, __ATOMIC_ACQUIRE);
	if (req - done > KEEL_BLK_SLOTS) /* the client broke the ring: wait */
		return;
	for (; submitted != req; submitted++) {
		uint32_t st = blkdrv_take(submitted);
		if (st == KEEL_BLK_S_OK) {
			keel_crash_point(KEEL_BLKDRV_CP_TAKEN);
			blkdrv_submit(submitted);
			notify = true;
		} else {
			blkdrv_finish(submitted % KEEL_BLK_SLOTS, st);
		}
	}
	if (notify) {
		vdrv_notify(&dev, 0);
		keel_crash_point(KEEL_BLKDRV_CP_NOTIFIED);
	}
	if (done != submitted && finished[done % KEEL_BLK_SLOTS])
		blkdrv_progress(); /* refused ones finished at once: pass them on
				    * (the second pass submits nothing new) */
}

static void blkdrv_notified(void *ctx, uint64_t bits)
{
	uint64_t mr[6] = { 0 };
	(void)ctx;
	if (bits & KEEL_BLK_BIT_IRQ) {
		vdrv_irq_ack(&dev);
		keel_invoke(KEEL_BLK_SLOT_IRQ, KEEL_IRQ_ACK, 0, mr);
	}
	blkdrv_progress();
}

/* Set the device up afresh (a restart after a crash too: the device is
 * reset, and every request from done on is carried out again). */
static void blkdrv_init(void *ctx)
{
	uint64_t mr[6] = { 0 };
	const char *why = blkdrv_setup();
	const char *name = ctx;
	keel_invoke(KEEL_BLK_SLOT_IRQ, KEEL_IRQ_ACK, 0, mr);
	if (why) {
		broken = true;
		vdrv_fail(&dev);
		kprintf("[%s] %s\n", name, why);
	} else if (!ring->ready) {
		ring->capacity = capacity();
		ring->ro = (features >> F_BLK_RO) & 1;
		kprintf("[%s] virtio-blk: %llu sectors (%llu MiB)%s%s\n", name,
			(unsigned long long)ring->capacity,
			(unsigned long long)(ring->capacity >> 11), ring->ro ? ", read-only" : "",
			features & 1ull << F_BLK_FLUSH ? ", flush" : "");
	}
	__atomic_store_n(&ring->ready, 1, __ATOMIC_RELEASE);
	keel_signal(KEEL_SRV_PEER);
	keel_crash_points_report();
	blkdrv_progress();
}

int main(int argc, char **argv)
{
	struct keel_server loop = { .ep = KEEL_SRV_EP, .ctx = argv[0], .init = blkdrv_init,
				    .notified = blkdrv_notified };
	long err;
	(void)argc;
	info = (const struct keel_blkdrv_info *)(uintptr_t)KEEL_BLKDRV_INFO_VADDR;
	ring = (struct keel_blk_ring *)(uintptr_t)KEEL_BLK_SHARED_VADDR;
	queue = (uint8_t *)(uintptr_t)KEEL_BLKDRV_QUEUE_VADDR;
	if (info->magic != KEEL_BLKDRV_INFO_MAGIC)
		return 1;
	dev.base = (uintptr_t)KEEL_BLKDRV_MMIO_VADDR + info->mmio_off;
	err = keel_server_run(&loop);
	kprintf("[%s] receive failed: %ld\n", argv[0], err);
	return 1;
}
