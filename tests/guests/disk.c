/*
 * Guest "disk": a virtio-blk driver of its own (virtio 1.2 over
 * virtio-mmio, polled, one request at a time) on two disks that
 * tests/system/rodisk.sh's config places: a read-write one at DISK_RW and
 * a read-only one at DISK_RO. Linux never sends a write to a disk that
 * offers VIRTIO_BLK_F_RO (the disk is read-only to its block layer, which
 * `blockdev --setrw` does not undo), so a read-only disk's refusal can only
 * be seen from a driver that ignores the feature: this one never accepts
 * it and writes to both disks.
 *
 *   disk-setup          both devices reach DRIVER_OK with VERSION_1 alone
 *   disk-ro-offer       the read-only disk offers VIRTIO_BLK_F_RO, the other not
 *   disk-rw-write       a write of sector 0 of the read-write disk completes OK
 *   disk-rw-read        and reads back the same (this driver's writes work)
 *   disk-ro-first-read  the read-only disk's sector 0 reads OK
 *   disk-ro-write       the same write to it completes with VIRTIO_BLK_S_IOERR
 *   disk-ro-read        its sector 0 reads back as it was before
 *
 * The host then checks both image files (the read-only one unchanged).
 * The two windows are fixed where the config puts them (no device tree
 * lookup); registers are accessed 32 bits at a time, as virtio-mmio wants.
 */
#include "lib/guest.h"

const char guest_name[] = "disk";

#define DISK_RW 0x0a000000ul
#define DISK_RO 0x0a001000ul

/* virtio-mmio registers (spec 4.2.2) */
#define MMIO_MAGIC 0x000u
#define MMIO_VERSION 0x004u
#define MMIO_DEVICE_ID 0x008u
#define MMIO_DEV_FEATURES 0x010u
#define MMIO_DEV_FEATURES_SEL 0x014u
#define MMIO_DRV_FEATURES 0x020u
#define MMIO_DRV_FEATURES_SEL 0x024u
#define MMIO_QUEUE_SEL 0x030u
#define MMIO_QUEUE_NUM_MAX 0x034u
#define MMIO_QUEUE_NUM 0x038u
#define MMIO_QUEUE_READY 0x044u
#define MMIO_QUEUE_NOTIFY 0x050u
#define MMIO_STATUS 0x070u
#define MMIO_QUEUE_DESC 0x080u
#define MMIO_QUEUE_AVAIL 0x090u
#define MMIO_QUEUE_USED 0x0a0u
#define VIRTIO_MAGIC 0x74726976u
#define VIRTIO_ID_BLOCK 2u
#define ST_ACK 1u
#define ST_DRIVER 2u
#define ST_DRIVER_OK 4u
#define ST_FEATURES_OK 8u
#define F_BLK_RO 5u
#define F_VERSION_1_HI 0u /* bit 32: bit 0 of the high word */
#define DESC_NEXT 1u
#define DESC_WRITE 2u
#define BLK_T_IN 0u
#define BLK_T_OUT 1u
#define BLK_S_OK 0
#define BLK_S_IOERR 1
#define SECTOR 512u
#define QSIZE 4u

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

/* One disk's queue and request, in guest RAM (the image's bss: the MMU is
 * off, so these addresses are guest-physical), a page each: the descriptor
 * table must be 16-byte aligned (spec 2.7). */
struct __attribute__((aligned(4096))) disk {
	struct desc desc[QSIZE];
	struct { uint16_t flags, idx, ring[QSIZE], used_event; } avail;
	struct { uint16_t flags, idx; struct { uint32_t id, len; } ring[QSIZE]; } used
		__attribute__((aligned(4)));
	struct { uint32_t type, reserved; uint64_t sector; } hdr;
	uint8_t data[SECTOR];
	uint8_t status;
	uint16_t used_seen;
	uint64_t base;
};

static struct disk disks[2];
static uint8_t before[SECTOR];

static uint32_t disk_rd(const struct disk *d, uint32_t off)
{
	return *(volatile uint32_t *)(d->base + off);
}

static void disk_wr(const struct disk *d, uint32_t off, uint32_t v)
{
	*(volatile uint32_t *)(d->base + off) = v;
}

static void disk_wr64(const struct disk *d, uint32_t off, const void *p)
{
	disk_wr(d, off, (uint32_t)(uintptr_t)p);
	disk_wr(d, off + 4, (uint32_t)((uintptr_t)p >> 32));
}

static void dsb(void)
{
	__asm__ volatile("dsb sy" ::: "memory");
}

/* Reset and set up disk d at base (spec 3.1.1), accepting VERSION_1 only;
 * NULL, or why not. *ro: the device offers VIRTIO_BLK_F_RO. */
static const char *disk_setup(struct disk *d, uint64_t base, bool *ro)
{
	d->base = base;
	if (disk_rd(d, MMIO_MAGIC) != VIRTIO_MAGIC || disk_rd(d, MMIO_VERSION) != 2 ||
	    disk_rd(d, MMIO_DEVICE_ID) != VIRTIO_ID_BLOCK)
		return "no modern virtio-blk device there";
	disk_wr(d, MMIO_STATUS, 0);
	disk_wr(d, MMIO_STATUS, ST_ACK | ST_DRIVER);
	disk_wr(d, MMIO_DEV_FEATURES_SEL, 0);
	*ro = (disk_rd(d, MMIO_DEV_FEATURES) >> F_BLK_RO) & 1;
	disk_wr(d, MMIO_DEV_FEATURES_SEL, 1);
	if (!((disk_rd(d, MMIO_DEV_FEATURES) >> F_VERSION_1_HI) & 1))
		return "VIRTIO_F_VERSION_1 not offered";
	disk_wr(d, MMIO_DRV_FEATURES_SEL, 0);
	disk_wr(d, MMIO_DRV_FEATURES, 0); /* not VIRTIO_BLK_F_RO, even if offered */
	disk_wr(d, MMIO_DRV_FEATURES_SEL, 1);
	disk_wr(d, MMIO_DRV_FEATURES, 1u << F_VERSION_1_HI);
	disk_wr(d, MMIO_STATUS, ST_ACK | ST_DRIVER | ST_FEATURES_OK);
	if (!(disk_rd(d, MMIO_STATUS) & ST_FEATURES_OK))
		return "FEATURES_OK refused";
	disk_wr(d, MMIO_QUEUE_SEL, 0);
	if (disk_rd(d, MMIO_QUEUE_NUM_MAX) < QSIZE)
		return "queue 0 too small";
	disk_wr(d, MMIO_QUEUE_NUM, QSIZE);
	disk_wr64(d, MMIO_QUEUE_DESC, d->desc);
	disk_wr64(d, MMIO_QUEUE_AVAIL, &d->avail);
	disk_wr64(d, MMIO_QUEUE_USED, &d->used);
	disk_wr(d, MMIO_QUEUE_READY, 1);
	disk_wr(d, MMIO_STATUS, ST_ACK | ST_DRIVER | ST_FEATURES_OK | ST_DRIVER_OK);
	if (disk_rd(d, MMIO_STATUS) != (ST_ACK | ST_DRIVER | ST_FEATURES_OK | ST_DRIVER_OK))
		return "the device status is not DRIVER_OK alone (NEEDS_RESET?)";
	return NULL;
}

/* One request of a sector (type IN or OUT, data in d->data), polled until
 * the device puts it in the used ring: its status byte, or -1 if it did not
 * within 5 s. */
static int disk_request(struct disk *d, uint32_t type, uint64_t sector)
{
	uint16_t idx = d->avail.idx;
	uint64_t t0 = cntvct();
	d->hdr.type = type;
	d->hdr.reserved = 0;
	d->hdr.sector = sector;
	d->status = 0xff;
	d->desc[0] = (struct desc){ (uintptr_t)&d->hdr, sizeof(d->hdr), DESC_NEXT, 1 };
	d->desc[1] = (struct desc){ (uintptr_t)d->data, SECTOR,
				    DESC_NEXT | (type == BLK_T_IN ? DESC_WRITE : 0), 2 };
	d->desc[2] = (struct desc){ (uintptr_t)&d->status, 1, DESC_WRITE, 0 };
	d->avail.ring[idx % QSIZE] = 0;
	dsb();
	d->avail.idx = (uint16_t)(idx + 1);
	dsb();
	disk_wr(d, MMIO_QUEUE_NOTIFY, 0);
	while (*(volatile uint16_t *)&d->used.idx == d->used_seen)
		if (cntvct() - t0 > 5 * cntfrq())
			return -1;
	d->used_seen++;
	dsb();
	return *(volatile uint8_t *)&d->status;
}

/* disk_line over and over: what the guest writes to sector 0 of each
 * disk (tests/system/rodisk.sh builds the same sector to compare). */
static const char disk_line[] = "keel disk guest sector 0\n";

static void disk_fill(uint8_t *p)
{
	for (unsigned i = 0; i < SECTOR; i++)
		p[i] = (uint8_t)disk_line[i % (sizeof(disk_line) - 1)];
}

static bool disk_same(const uint8_t *a, const uint8_t *b)
{
	for (unsigned i = 0; i < SECTOR; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

static void disk_rw_checks(struct disk *d)
{
	static uint8_t want[SECTOR];
	int st;
	disk_fill(d->data);
	disk_fill(want);
	st = disk_request(d, BLK_T_OUT, 0);
	test_report(st == BLK_S_OK, "disk-rw-write", "status %d", st);
	memset(d->data, 0, SECTOR);
	st = disk_request(d, BLK_T_IN, 0);
	test_report(st == BLK_S_OK && disk_same(d->data, want), "disk-rw-read", "status %d%s", st,
		    disk_same(d->data, want) ? "" : ", not what was written");
}

static void disk_ro_checks(struct disk *d)
{
	int st = disk_request(d, BLK_T_IN, 0);
	if (!test_report(st == BLK_S_OK, "disk-ro-first-read", "status %d", st))
		return;
	memcpy(before, d->data, SECTOR);
	disk_fill(d->data);
	st = disk_request(d, BLK_T_OUT, 0);
	test_report(st == BLK_S_IOERR, "disk-ro-write", "status %d (%d is VIRTIO_BLK_S_IOERR)", st,
		    BLK_S_IOERR);
	memset(d->data, 0, SECTOR);
	st = disk_request(d, BLK_T_IN, 0);
	test_report(st == BLK_S_OK && disk_same(d->data, before), "disk-ro-read", "status %d%s", st,
		    disk_same(d->data, before) ? ", sector 0 as before" : ", sector 0 changed");
}

void guest_main(const void *dtb)
{
	const char *why;
	bool rw_offers_ro, ro_offers_ro;
	(void)dtb;
	why = disk_setup(&disks[0], DISK_RW, &rw_offers_ro);
	if (!why)
		why = disk_setup(&disks[1], DISK_RO, &ro_offers_ro);
	if (!test_report(why == NULL, "disk-setup", "%s", why ? why : "both disks driver-ok"))
		return;
	test_report(ro_offers_ro && !rw_offers_ro, "disk-ro-offer", "VIRTIO_BLK_F_RO: rw %d, ro %d",
		    rw_offers_ro, ro_offers_ro);
	disk_rw_checks(&disks[0]);
	disk_ro_checks(&disks[1]);
}
