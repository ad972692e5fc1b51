/*
 * The vars file (firmware_vars_path, docs/firmware.md): bank 1 kept on a
 * host file, through a block driver server (device-servers/blk-driver/,
 * keel/blk.h) that owns the machine's disk of that file. The flash server
 * is the driver's client: it reads bank 1 from the disk once per VM, and
 * writes what a program or erase changed before it answers the guest's
 * access that ended it, then asks for a flush, so what the guest was told
 * is done is on the host file.
 *
 * Every request's data is bank 1 itself: one segment whose "guest-physical"
 * address is the bank's (KEEL_FLASH_BANK_SIZE + offset), which the
 * driver's table (root's, boot/vmflash.c) maps to bank 1's frames and
 * nothing else. The server waits for each batch (it answers the guest
 * only after), on a notification it is not bound to, so a guest access
 * that comes meanwhile waits in the VMM's call.
 */
#include <keel/abi.h>
#include <keel/blk.h>
#include <keel/flash.h>
#include <keel/print.h>

#include "vars.h"

/* One request moves at most this much: aligned, so it never crosses one
 * of bank 1's 2 MiB frames (the driver cuts at a frame's end anyway). */
#define VARS_CHUNK 0x100000ull

static struct keel_blk_ring *vars_ring(void)
{
	return (struct keel_blk_ring *)(uintptr_t)KEEL_BLK_SHARED_VADDR;
}

static struct keel_blk_seg *vars_segs(uint32_t n)
{
	return (struct keel_blk_seg *)(uintptr_t)(KEEL_BLK_SHARED_VADDR + KEEL_BLK_SEG_OFF +
						  (uint64_t)(n % KEEL_BLK_SLOTS) * KEEL_BLK_SEG_BYTES);
}

/* Until the driver has done every request handed to it (and, first,
 * until it has set the device up). */
static void vars_wait_done(void)
{
	struct keel_blk_ring *r = vars_ring();
	uint64_t info = 0, mr[6] = { 0 };
	while (!__atomic_load_n(&r->ready, __ATOMIC_ACQUIRE) ||
	       __atomic_load_n(&r->done, __ATOMIC_ACQUIRE) != r->req)
		keel_recv(KEEL_FLASH_SLOT_DONE, &info, mr);
}

/* Hand the driver ring request n: type, bank 1 bytes [off, off + len)
 * (len 0: no data, a flush). */
static void vars_hand(uint32_t type, uint64_t off, uint32_t len)
{
	struct keel_blk_ring *r = vars_ring();
	uint32_t n = r->req;
	if (len)
		vars_segs(n)[0] = (struct keel_blk_seg){ .gpa = KEEL_FLASH_BANK_SIZE + off, .len = len };
	r->slot[n % KEEL_BLK_SLOTS] = (struct keel_blk_req){ .type = type, .len = len,
		.sector = off / KEEL_BLK_SECTOR, .status = 0xff, .nseg = len ? 1 : 0 };
	__atomic_store_n(&r->req, n + 1, __ATOMIC_RELEASE);
}

/* Hand requests [first, r->req) over, wait for them: all OK? */
static bool vars_finish(uint32_t first)
{
	struct keel_blk_ring *r = vars_ring();
	bool ok = true;
	keel_signal(KEEL_FLASH_SLOT_DRV);
	vars_wait_done();
	for (uint32_t n = first; n != r->req; n++)
		ok = ok && r->slot[n % KEEL_BLK_SLOTS].status == KEEL_BLK_S_OK;
	return ok;
}

/* Bank 1 bytes [lo, hi) (sector-aligned) in or out, in batches of the
 * ring's slots; then a flush after writes. */
static bool vars_io(uint32_t type, uint64_t lo, uint64_t hi)
{
	struct keel_blk_ring *r = vars_ring();
	bool ok = true;
	while (ok && lo < hi) {
		uint32_t first = r->req;
		for (unsigned i = 0; i < KEEL_BLK_SLOTS && lo < hi; i++) {
			uint64_t n = VARS_CHUNK - lo % VARS_CHUNK;
			n = n < hi - lo ? n : hi - lo;
			vars_hand(type, lo, (uint32_t)n);
			lo += n;
		}
		ok = vars_finish(first);
	}
	if (ok && type == KEEL_BLK_T_OUT) {
		uint32_t first = r->req;
		vars_hand(KEEL_BLK_T_FLUSH, 0, 0);
		ok = vars_finish(first);
	}
	return ok;
}

uint64_t vars_attach(const char *self, uint64_t bank_bytes)
{
	struct keel_blk_ring *r = vars_ring();
	uint64_t bytes;
	vars_wait_done(); /* a request of a crashed instance is finished first */
	bytes = r->capacity * KEEL_BLK_SECTOR;
	if (r->ro || bytes < bank_bytes)
		kprintf("[%s] the vars file is %s%llu bytes, bank 1 %llu: the flash keeps only "
			"what fits\n", self, r->ro ? "read-only, " : "", (unsigned long long)bytes,
			(unsigned long long)bank_bytes);
	return r->ro ? 0 : bytes < bank_bytes ? bytes : bank_bytes;
}

bool vars_load(uint64_t lo, uint64_t hi)
{
	return vars_io(KEEL_BLK_T_IN, lo, hi);
}

bool vars_store(uint64_t bytes, uint64_t lo, uint64_t hi)
{
	lo &= ~(uint64_t)(KEEL_BLK_SECTOR - 1);
	hi = (hi + KEEL_BLK_SECTOR - 1) & ~(uint64_t)(KEEL_BLK_SECTOR - 1);
	hi = hi < bytes ? hi : bytes;
	return lo >= hi || vars_io(KEEL_BLK_T_OUT, lo, hi);
}
