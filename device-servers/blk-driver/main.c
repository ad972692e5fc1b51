/*
 * The block driver server: drives one physical virtio-blk device on QEMU
 * virt's virtio-mmio bus (virtio 1.2, modern interface) for one client,
 * through the shared ring of keel/blk.h. It holds the device's page, its
 * interrupt, its own virtqueue page and the shared area, nothing else.
 *
 * Up to KEEL_BLK_SLOTS requests are on the device at once, each in the
 * descriptors of its ring slot; the device may finish them in any order,
 * and `done` moves over them in ring order, which is all a restart needs
 * to re-drive (keel/blk.h). Every request is checked
 * against the device before it reaches it: a bad one (the client is a
 * device server that parses what a guest writes) fails with IOERR or
 * UNSUPP and never touches the device.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <keel/abi.h>
#include <keel/blk.h>
#include <keel/print.h>
#include <keel/server.h>

/* virtio-mmio registers (spec 4.2.2) */
#define VM_MAGIC 0x000u
#define VM_VERSION 0x004u
#define VM_DEVICE_ID 0x008u
#define VM_DEV_FEATURES 0x010u
#define VM_DEV_FEATURES_SEL 0x014u
#define VM_DRV_FEATURES 0x020u
#define VM_DRV_FEATURES_SEL 0x024u
#define VM_QUEUE_SEL 0x030u
#define VM_QUEUE_NUM_MAX 0x034u
#define VM_QUEUE_NUM 0x038u
#define VM_QUEUE_READY 0x044u
#define VM_QUEUE_NOTIFY 0x050u
#define VM_INT_STATUS 0x060u
#define VM_INT_ACK 0x064u
#define VM_STATUS 0x070u
#define VM_QUEUE_DESC 0x080u   /* low word; high at +4 */
#define VM_QUEUE_DRIVER 0x090u
#define VM_QUEUE_DEVICE 0x0a0u
#define VM_CONFIG 0x100u       /* virtio-blk: capacity (le64) first */
#define VIRTIO_MAGIC 0x74726976u /* "virt" */
#define VIRTIO_ID_BLOCK 2u

/* device status (spec 2.1) and feature bits */
#define ST_ACK 1u
#define ST_DRIVER 2u
#define ST_DRIVER_OK 4u
#define ST_FEATURES_OK 8u
#define ST_FAILED 128u
#define F_BLK_RO 5u
#define F_BLK_FLUSH 9u
#define F_VERSION_1 32u

/* The virtqueue page: the split ring (spec 2.7) of QSIZE entries; ring
 * slot i's request uses descriptors 3i..3i+2, header Q_HDR + 16i and
 * status byte Q_STATUS + i. */
#define QSIZE 64u
#define Q_DESC 0u
#define Q_AVAIL 1024u
#define Q_USED 2048u
#define Q_HDR 3072u
#define Q_STATUS 3584u
_Static_assert(3 * KEEL_BLK_SLOTS <= QSIZE && Q_HDR + 16 * KEEL_BLK_SLOTS <= Q_STATUS,
	       "the queue page holds every slot's request");
#define D_NEXT 1u
#define D_WRITE 2u

struct vq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};
struct vq_avail {
	uint16_t flags, idx, ring[QSIZE];
};
struct vq_used {
	uint16_t flags, idx;
	struct { uint32_t id, len; } ring[QSIZE];
};
struct blk_hdr {
	uint32_t type, reserved;
	uint64_t sector;
};

static const struct keel_blkdrv_info *info;
static struct keel_blk_ring *ring;
static uint8_t *queue;       /* the virtqueue page */
static uint64_t features;    /* negotiated */
static uint16_t used_seen;   /* used entries taken */
static uint32_t submitted;   /* ring requests put on the device (or failed) */
static bool on_device[KEEL_BLK_SLOTS], finished[KEEL_BLK_SLOTS];
static uint8_t result[KEEL_BLK_SLOTS];
static bool broken;          /* the device refused us: fail every request */

static volatile uint32_t *reg(unsigned off)
{
	return (volatile uint32_t *)(uintptr_t)(KEEL_BLKDRV_MMIO_VADDR + info->mmio_off + off);
}

static void reg_write64(unsigned off, uint64_t v)
{
	*reg(off) = (uint32_t)v;
	*reg(off + 4) = (uint32_t)(v >> 32);
}

static uint64_t dev_features(void)
{
	*reg(VM_DEV_FEATURES_SEL) = 1;
	uint64_t hi = *reg(VM_DEV_FEATURES);
	*reg(VM_DEV_FEATURES_SEL) = 0;
	return hi << 32 | *reg(VM_DEV_FEATURES);
}

/* Reset and set up the device (spec 3.1.1): the features we use, queue 0
 * in our page. NULL, or why not. */
static const char *blkdrv_setup(void)
{
	uint64_t offer, want;
	if (*reg(VM_MAGIC) != VIRTIO_MAGIC || *reg(VM_VERSION) != 2 ||
	    *reg(VM_DEVICE_ID) != VIRTIO_ID_BLOCK)
		return "not a modern virtio-mmio block device";
	*reg(VM_STATUS) = 0;
	while (*reg(VM_STATUS) != 0)
		;
	*reg(VM_STATUS) = ST_ACK;
	*reg(VM_STATUS) = ST_ACK | ST_DRIVER;
	offer = dev_features();
	if (!(offer & 1ull << F_VERSION_1))
		return "the device does not offer VIRTIO_F_VERSION_1";
	want = offer & (1ull << F_VERSION_1 | 1ull << F_BLK_RO | 1ull << F_BLK_FLUSH);
	*reg(VM_DRV_FEATURES_SEL) = 1;
	*reg(VM_DRV_FEATURES) = (uint32_t)(want >> 32);
	*reg(VM_DRV_FEATURES_SEL) = 0;
	*reg(VM_DRV_FEATURES) = (uint32_t)want;
	*reg(VM_STATUS) = ST_ACK | ST_DRIVER | ST_FEATURES_OK;
	if (!(*reg(VM_STATUS) & ST_FEATURES_OK))
		return "the device refused our features";
	features = want;
	*reg(VM_QUEUE_SEL) = 0;
	if (*reg(VM_QUEUE_READY) || *reg(VM_QUEUE_NUM_MAX) < QSIZE)
		return "queue 0 is in use or too small";
	memset(queue, 0, 4096);
	*reg(VM_QUEUE_NUM) = QSIZE;
	reg_write64(VM_QUEUE_DESC, info->queue_pa + Q_DESC);
	reg_write64(VM_QUEUE_DRIVER, info->queue_pa + Q_AVAIL);
	reg_write64(VM_QUEUE_DEVICE, info->queue_pa + Q_USED);
	*reg(VM_QUEUE_READY) = 1;
	*reg(VM_STATUS) = ST_ACK | ST_DRIVER | ST_FEATURES_OK | ST_DRIVER_OK;
	used_seen = 0;
	submitted = ring->done; /* everything not done is put on the device again */
	memset(on_device, 0, sizeof(on_device));
	memset(finished, 0, sizeof(finished));
	return NULL;
}

static uint64_t capacity(void)
{
	return (uint64_t)*reg(VM_CONFIG + 4) << 32 | *reg(VM_CONFIG);
}

/* What a request would do wrong, as the status it fails with, or OK. */
static uint32_t blkdrv_check(const struct keel_blk_req *r)
{
	uint64_t sectors = r->len / KEEL_BLK_SECTOR;
	if (broken)
		return KEEL_BLK_S_IOERR;
	switch (r->type) {
	case KEEL_BLK_T_IN:
	case KEEL_BLK_T_OUT:
		if (r->len == 0 || r->len % KEEL_BLK_SECTOR || r->len > KEEL_BLK_SLOT_BYTES ||
		    r->sector > ring->capacity || sectors > ring->capacity - r->sector)
			return KEEL_BLK_S_IOERR;
		return r->type == KEEL_BLK_T_OUT && ring->ro ? KEEL_BLK_S_IOERR : KEEL_BLK_S_OK;
	case KEEL_BLK_T_FLUSH:
		return features & 1ull << F_BLK_FLUSH ? KEEL_BLK_S_OK : KEEL_BLK_S_UNSUPP;
	case KEEL_BLK_T_GET_ID:
		return r->len >= 20 && r->len <= KEEL_BLK_SLOT_BYTES ? KEEL_BLK_S_OK : KEEL_BLK_S_IOERR;
	default:
		return KEEL_BLK_S_UNSUPP;
	}
}

static void desc_set(unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	struct vq_desc *d = (struct vq_desc *)(queue + Q_DESC) + i;
	*d = (struct vq_desc){ .addr = addr, .len = len, .flags = flags, .next = next };
}

/* Put ring request n on the device: header, data (if any), status, in
 * its slot's three descriptors. */
static void blkdrv_submit(uint32_t n)
{
	unsigned s = n % KEEL_BLK_SLOTS, d = 3 * s;
	const struct keel_blk_req *r = &ring->slot[s];
	struct blk_hdr *h = (struct blk_hdr *)(queue + Q_HDR) + s;
	struct vq_avail *a = (struct vq_avail *)(queue + Q_AVAIL);
	uint64_t data = info->shared_pa + KEEL_BLK_DATA_OFF + (uint64_t)s * KEEL_BLK_SLOT_BYTES;
	uint64_t hdr_pa = info->queue_pa + Q_HDR + 16u * s, st_pa = info->queue_pa + Q_STATUS + s;
	bool device_writes = r->type == KEEL_BLK_T_IN || r->type == KEEL_BLK_T_GET_ID;
	*h = (struct blk_hdr){ .type = r->type, .sector = r->sector };
	queue[Q_STATUS + s] = 0xff;
	if (r->type == KEEL_BLK_T_FLUSH) {
		desc_set(d, hdr_pa, sizeof(*h), D_NEXT, (uint16_t)(d + 2));
	} else {
		desc_set(d, hdr_pa, sizeof(*h), D_NEXT, (uint16_t)(d + 1));
		desc_set(d + 1, data, r->type == KEEL_BLK_T_GET_ID ? 20 : r->len,
			 D_NEXT | (device_writes ? D_WRITE : 0), (uint16_t)(d + 2));
	}
	desc_set(d + 2, st_pa, 1, D_WRITE, 0);
	a->ring[a->idx % QSIZE] = (uint16_t)d;
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* the chain before the index */
	a->idx++;
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
	const struct vq_used *u = (const struct vq_used *)(queue + Q_USED);
	uint32_t done = ring->done, req;
	bool notify = false, told = false;
	while (__atomic_load_n(&u->idx, __ATOMIC_ACQUIRE) != used_seen) {
		unsigned s = u->ring[used_seen % QSIZE].id / 3;
		used_seen++;
		if (s < KEEL_BLK_SLOTS && on_device[s])
			blkdrv_finish(s, queue[Q_STATUS + s]);
	}
	while (done != submitted && finished[done % KEEL_BLK_SLOTS]) {
		unsigned s = done % KEEL_BLK_SLOTS;
		finished[s] = false;
		ring->slot[s].status = result[s];
		__atomic_store_n(&ring->done, ++done, __ATOMIC_RELEASE);
		told = true;
	}
	if (told)
		keel_signal(KEEL_SRV_PEER);
	req = __atomic_load_n(&ring->req, __ATOMIC_ACQUIRE);
	if (req - done > KEEL_BLK_SLOTS) /* the client broke the ring: wait */
		return;
	for (; submitted != req; submitted++) {
		uint32_t st = blkdrv_check(&ring->slot[submitted % KEEL_BLK_SLOTS]);
		if (st == KEEL_BLK_S_OK) {
			blkdrv_submit(submitted);
			notify = true;
		} else {
			blkdrv_finish(submitted % KEEL_BLK_SLOTS, st);
		}
	}
	if (notify) {
		__atomic_thread_fence(__ATOMIC_SEQ_CST); /* the index before the notify */
		*reg(VM_QUEUE_NOTIFY) = 0;
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
		*reg(VM_INT_ACK) = *reg(VM_INT_STATUS);
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
		*reg(VM_STATUS) = ST_FAILED;
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
	err = keel_server_run(&loop);
	kprintf("[%s] receive failed: %ld\n", argv[0], err);
	return 1;
}
