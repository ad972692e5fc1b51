/*
 * blk: the block driver server on a real disk image (tests/system/blk.sh
 * gives QEMU one virtio-blk-device). Root builds the driver of the first
 * virtio-blk transport for the test client tests/servers/blkclient.c,
 * which writes, flushes, reads back, reads what the host wrote (into its
 * "guest RAM", zero-copy) and sends requests the driver must refuse,
 * among them segments outside that RAM, while root crashes the driver every
 * BLK_PERIOD_MS (BLK_CRASHES times): a restarted driver resets the device
 * and carries out again what was not complete, and the client must see
 * every request complete once with the right data. The host then checks
 * the image file.
 */
#include <keel/blk.h>
#include <keel/object.h>
#include <keel/print.h>

#include "../../boot/blkdrv.h"
#include "../../boot/vm.h"
#include "scenario.h"

#define BLK_PERIOD_MS 3u
#define BLK_CRASHES 20u
#define BLK_PASSES 6u /* blk-write .. blk-refused, and blk */
/* The client's "guest RAM" (tests/servers/blkclient.c has the other copy):
 * two pages, guest-physical BLK_RAM_GPA on, mapped in the client at
 * BLK_RAM_VADDR, two ranges of the driver's RAM table (so a segment over
 * their boundary is cut in two). */
#define BLK_RAM_GPA 0x40000000ull
#define BLK_RAM_VADDR 0x10400000ull
#define BLK_RAM_PAGES 2u

static const struct srv_policy blk_policy = { .max_restarts = 1000 };
static struct server *blk_drv;
static unsigned blk_passed;

/* The client's "guest RAM", page by page, and the driver's table of it. */
static bool blk_ram(struct server *client, struct keel_blk_ram_table *ram)
{
	for (unsigned i = 0; i < BLK_RAM_PAGES; i++) {
		uint64_t f = root_alloc(KEEL_OBJ_FRAME, 0), pa;
		if (!f || root_frame_map(f, client->vspace, BLK_RAM_VADDR + i * ROOT_PAGE_SIZE,
					 KEEL_R_READ | KEEL_R_WRITE) != KEEL_OK ||
		    keel_frame_address(f, &pa) != KEEL_OK)
			return false;
		ram->r[ram->n++] = (struct keel_blk_ram){ .gpa = BLK_RAM_GPA + i * ROOT_PAGE_SIZE,
			.pa = pa, .size = ROOT_PAGE_SIZE };
	}
	return true;
}

static void blk_start(void)
{
	static struct keel_blk_ram_table ram;
	int t = blkdrv_transport(0);
	uint64_t ntfn = root_alloc(KEEL_OBJ_NOTIFICATION, 0), ep = root_alloc(KEEL_OBJ_ENDPOINT, 0);
	struct server *client = srv_create("blkclient", "blkclient", NULL, 0, 100);
	if (t < 0 || !ntfn || !ep || !client || !blk_ram(client, &ram) || !srv_grant_report(client) ||
	    !srv_grant_copy(client, KEEL_SRV_EP, ep, KEEL_R_READ) ||
	    keel_tcb_bind_notification(client->tcb, ntfn) != KEEL_OK ||
	    !(blk_drv = blkdrv_create("blk0", (unsigned)t, 1, 150,
				      &(struct blkdrv_client){ .s = client, .slot = KEEL_SRV_FREE,
							       .ntfn = ntfn, .ram = &ram }))) {
		scn_fail("blk", "cannot build the driver (transport %d) and its client", t);
		scn_done();
		return;
	}
	kprintf("[root] blk: driver of virtio-mmio transport %d, crashed every %u ms, %u times\n",
		t, BLK_PERIOD_MS, BLK_CRASHES);
	srv_set_policy(blk_drv, &blk_policy);
	if (!srv_start(blk_drv) || !srv_start(client)) {
		scn_fail("blk", "cannot start the servers");
		scn_done();
		return;
	}
	inject_crashes(blk_drv, BLK_PERIOD_MS, BLK_CRASHES);
}

static uint64_t blk_report(struct server *s, unsigned kind, uint64_t value, const char *text)
{
	(void)s;
	(void)value;
	if (kind == KEEL_REPORT_FAIL) {
		scn_fail("blk", "%s", text);
		scn_done();
	} else if (kind == KEEL_REPORT_PASS) {
		kprintf("[test] PASS %s\n", text);
		if (++blk_passed == BLK_PASSES) {
			kprintf("[root] blk: the driver was crashed %u times\n", inject_count());
			scn_done();
		}
	}
	return KEEL_REPORT_CONTINUE;
}

static void blk_faulted(struct server *s)
{
	if (s != blk_drv) {
		scn_fail("blk", "%s faulted", s->name);
		scn_done();
	}
}

const struct scenario scenario_blk = { .name = "blk", .start = blk_start, .report = blk_report,
				       .faulted = blk_faulted };

/*
 * disk-crash: the VMs of the config blob, as the shipped root builds
 * them (tests/linux/disk.json, driven by tests/system/linux.sh), while
 * root crashes VM 1's first virtio-blk device server every
 * DISK_PERIOD_MS and, every DISK_DRV_EVERY-th period, its block driver
 * instead, DISK_CRASHES times in all; and every DISK_POINT_EVERY-th
 * period, instead, arms the next of the named points of a request in
 * the two servers (keel/blk.h, keel/crashpoint.h), which a timer crash
 * almost never hits. Reports go on to the shipped root's handling; root
 * prints each crash, each point hit and each restart.
 */
#define DISK_PERIOD_MS 5u
#define DISK_DRV_EVERY 8u
#define DISK_POINT_EVERY 2u
#define DISK_CRASHES 100000u

static const struct srv_policy disk_policy = { .max_restarts = 1000000 };
static const char *const vblk_point_name[KEEL_VBLK_CP_COUNT] = KEEL_VBLK_CRASH_POINT_NAMES;
static const char *const blkdrv_point_name[KEEL_BLKDRV_CP_COUNT] = KEEL_BLKDRV_CRASH_POINT_NAMES;
static struct inject_point disk_points[KEEL_VBLK_CP_COUNT + KEEL_BLKDRV_CP_COUNT - 2];

/* Every point of the device server's, then of the driver's. */
static unsigned disk_point_list(struct server *dev, struct server *drv)
{
	unsigned n = 0;
	for (uint32_t p = 1; p < KEEL_VBLK_CP_COUNT; p++)
		disk_points[n++] = (struct inject_point){ dev, p, vblk_point_name[p] };
	for (uint32_t p = 1; p < KEEL_BLKDRV_CP_COUNT; p++)
		disk_points[n++] = (struct inject_point){ drv, p, blkdrv_point_name[p] };
	return n;
}

static void disk_start(void)
{
	struct vm *vm;
	unsigned d = 0;
	vmrun_start();
	vm = vm_by_index(0);
	while (vm && d < vm->ndev && !vm->drv[d])
		d++;
	if (!vm || d == vm->ndev) {
		scn_fail("disk-crash", "VM 1 has no virtio-blk device");
		scn_done();
		return;
	}
	srv_set_policy(vm->dev[d], &disk_policy);
	srv_set_policy(vm->drv[d], &disk_policy);
	kprintf("[root] disk-crash: crashing %s every %u ms, %s every %u-th time, at a chosen "
		"point of theirs every %u-th\n", vm->dev[d]->name, DISK_PERIOD_MS,
		vm->drv[d]->name, DISK_DRV_EVERY, DISK_POINT_EVERY);
	inject_crashes_two(vm->dev[d], vm->drv[d], DISK_DRV_EVERY, DISK_PERIOD_MS, DISK_CRASHES);
	inject_points(disk_points, disk_point_list(vm->dev[d], vm->drv[d]), DISK_POINT_EVERY);
}

static uint64_t disk_report(struct server *s, unsigned kind, uint64_t value, const char *text)
{
	vmrun_report(s, kind, value, text);
	return KEEL_REPORT_CONTINUE;
}

static void disk_faulted(struct server *s)
{
	(void)s; /* logged and restarted by root; the guest's check judges */
}

const struct scenario scenario_disk_crash = { .name = "disk-crash", .start = disk_start,
					      .report = disk_report, .faulted = disk_faulted };
